# bench/lib.sh: shared set-up of the benchmarks; sourced by bench/*.sh.
#
# bench_setup: installs what is missing (hyperfine included), builds a
# Release aishell in build-bench/ ($aishell), starts an engine when none is
# reachable, makes a scratch foundation in the repository "aisbench<pid>"
# ($repo) with its own HOME under $work, and removes all of it on exit;
# a docker CLI build given $bench_label is removed too, tagged or not.

# shellcheck source-path=SCRIPTDIR/..
. "$root/tests/lib/engine.sh"

bench_cleanup() {
	# What the docker CLI built (labelled $bench_label), tagged or left
	# untagged by a later build of the same tag, then the repository's
	# images, twice: an image built by the legacy builder is a child of the
	# one it was built from, which cannot go before it.
	for filter in label=aishell.bench="$repo" reference="$repo" reference="$repo"; do
		ids=$(docker images -q --filter "$filter" 2>/dev/null | sort -u)
		# shellcheck disable=SC2086
		[ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1 || true
	done
	[ -z "${bench_prune_builder:-}" ] || docker builder prune -f >/dev/null 2>&1 || true
	rm -rf "$work"
	engine_down
}

bench_setup() {
	engine_ensure_packages
	command -v hyperfine >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends hyperfine >/dev/null
	cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
	cmake --build "$root/build-bench" -j2 >/dev/null
	aishell="$root/build-bench/src/aishell"
	work=$(mktemp -d /tmp/aishell-bench.XXXXXX)
	# Its own repository, so that benchmarks run at the same time do not
	# remove each other's images.
	repo=aisbench$$
	# for the docker CLI's builds, which bench_cleanup removes by it
	bench_label="--label aishell.bench=$repo"
	trap bench_cleanup EXIT
	engine_up
	export AISHELL_IMAGE_REPO=$repo HOME="$work/home"
	mkdir -p "$HOME"
	engine_make_foundation $repo >/dev/null
	echo "engine: $DOCKER_HOST ($(docker version --format '{{.Server.Version}}' 2>/dev/null)); docker CLI $(docker version --format '{{.Client.Version}}' 2>/dev/null)"
}
