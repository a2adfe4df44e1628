#!/bin/sh
# libcurl, libarchive, libyaml, libgit2 and protobuf-c are opened when first
# needed: the binary does not link them.  `--version` and `hooks install`
# never load libcurl; a no-op `ensure`, `ensure --check`, `status` and a
# hook run with nothing stale load libcurl and none of the others.  A legacy
# build loads libarchive, a BuildKit build protobuf-c (and libarchive too
# when its context goes as a tar), installing hooks loads
# libgit2, a config.yaml libyaml, and each then works.
. "$(dirname "$0")/lib.sh"

lazy='lib(curl|archive|yaml-0|git2|protobuf-c)\.so'
# loaded CMD...: the lazily opened libraries CMD loaded (LD_DEBUG=libs), one a
# line, sorted; CMD's exit status in $T/loaded-rc.
loaded() {
	rc=0
	LD_DEBUG=libs "$@" >/dev/null 2>"$T/ld-debug" || rc=$?
	echo "$rc" >"$T/loaded-rc"
	sed -n 's|.*calling init: .*/\(lib[^/ ]*\.so[^/ ]*\)$|\1|p' "$T/ld-debug" |
		grep -E "$lazy" | sed 's/\.so.*//' | sort -u | tr '\n' ' '
}
expect_loaded() {
	want=$1
	shift
	got=$(loaded "$@")
	expect_eq "$(cat "$T/loaded-rc")" 0 "exit status of '$*'"
	expect_eq "$got" "$want" "libraries '$*' loaded"
}

# The detection itself: libcJSON is linked and shows up.
LD_DEBUG=libs "$AISHELL" --version >/dev/null 2>"$T/ld-debug"
grep -q 'calling init: .*/libcjson\.so' "$T/ld-debug" || fail "LD_DEBUG=libs shows no libcjson; cannot check"

ldd "$AISHELL" >"$T/ldd"
if grep -E "$lazy" "$T/ldd"; then fail "the binary links a library it should open when needed"; fi
expect_loaded "" "$AISHELL" --version
expect_rc 0 ais --version
expect_in "$T/out" "libgit2 "
expect_in "$T/out" "opened when first needed"

git_setup
make_foundation one
new_git_project lazy
cd "$P"
# Building: a context sent as a tar goes through libarchive; a BuildKit
# trace, and the packets of a BuildKit session, through protobuf-c (the
# session's HTTP/2 is nghttp2's, which libcurl loads anyway).
expect_loaded "libarchive libcurl " env AISHELL_BUILDER=legacy "$AISHELL" ensure -q
ext_dockerfile two
git commit -qam two
expect_loaded "libcurl libprotobuf-c " env AISHELL_BUILDER=buildkit "$AISHELL" ensure -q
expect_rc 0 ais ensure --check
ext_dockerfile tar
git commit -qam tar
expect_loaded "libarchive libcurl libprotobuf-c " env AISHELL_BUILDER=buildkit AISHELL_CONTEXT_TRANSFER=tar "$AISHELL" ensure -q
expect_rc 0 ais ensure --check

# Nothing to do: the engine's libcurl only.
expect_loaded "libcurl " "$AISHELL" ensure
expect_loaded "libcurl " "$AISHELL" ensure --check
expect_loaded "libcurl " "$AISHELL" status
expect_loaded "libcurl " "$AISHELL" status --json

# Hooks: installing reads the repository with libgit2 and needs no engine;
# a checkout with nothing stale needs the engine only.
expect_loaded "libgit2 " "$AISHELL" hooks install
git checkout -q -b other
echo other >>README
git commit -qam other
old=$(git rev-parse main)
new=$(git rev-parse other)
expect_loaded "libcurl " "$AISHELL" hook post-checkout "$old" "$new" 1
expect_rc 0 ais hook post-checkout "$old" "$new" 1
expect_eq "$(cat "$T/err")" "" "hook with nothing stale"

# A config.yaml is read with libyaml, and what it says is used.
printf 'env:\n  LAZY_CHECK: "yes"\n' >"$P/.aishell/config.yaml"
got=$(loaded "$AISHELL" devcontainer generate)
expect_eq "$(cat "$T/loaded-rc")" 0 "devcontainer generate"
case $got in *libyaml-0*) ;; *) fail "devcontainer generate with a config.yaml did not load libyaml: '$got'" ;; esac
grep -q LAZY_CHECK "$P/.devcontainer/devcontainer.json" || fail "config.yaml's env is not in devcontainer.json"

# Each library unloadable (a file with its soname that is not a library,
# first on LD_LIBRARY_PATH): what needs none of them still works, and what
# needs one fails with one line naming it -- or, for BuildKit progress,
# builds without it.
mkdir "$T/broken"
for lib in libarchive libyaml libgit2 protobuf-c; do
	so=$(ais --version | sed -n "s/^$lib [^ ]* (\([^,]*\),.*/\1/p")
	[ -n "$so" ] || fail "--version names no soname for $lib"
	echo "not a library" >"$T/broken/$so"
done
broken() { env LD_LIBRARY_PATH="$T/broken" "$AISHELL" "$@"; }
rm -r "$P/.devcontainer"
expect_rc 0 broken status
expect_rc 0 broken ensure
expect_rc 0 broken hook post-checkout "$old" "$new" 1
expect_eq "$(cat "$T/err")" "" "hook with nothing stale, libraries broken"
expect_rc 1 broken hooks install
expect_eq "$(wc -l <"$T/err")" 1 "one line"
expect_in "$T/err" "cannot initialise libgit2: "
expect_in "$T/err" "$T/broken/libgit2"
expect_rc 1 broken devcontainer generate
expect_eq "$(wc -l <"$T/err")" 1 "one line"
expect_in "$T/err" "cannot load libyaml: "
ext_dockerfile three
expect_rc 1 env AISHELL_BUILDER=legacy LD_LIBRARY_PATH="$T/broken" "$AISHELL" ensure -q
expect_in "$T/err" "cannot load libarchive: "
# protobuf-c alone broken: a BuildKit build succeeds, with less progress,
# sending its context as a tar since it cannot speak to a session (and it
# says so).
rm "$T/broken/"libarchive*
expect_rc 0 env AISHELL_BUILDER=buildkit LD_LIBRARY_PATH="$T/broken" "$AISHELL" ensure
expect_in "$T/err" "cannot load protobuf-c"
expect_in "$T/err" "sending the whole build context instead"
expect_rc 0 ais ensure --check

# libcurl unloadable: what needs no engine works; what needs it fails with
# one line naming it, and a hook still lets git go on.
rm -r "$T/broken"
mkdir "$T/broken"
so=$(ais --version | sed -n "s/^libcurl [^ ]* (\([^,]*\),.*/\1/p")
[ -n "$so" ] || fail "--version names no soname for libcurl"
echo "not a library" >"$T/broken/$so"
expect_rc 0 broken --version
expect_rc 0 broken hooks install
for cmd in "ensure --check" ensure status; do
	# shellcheck disable=SC2086
	expect_rc 1 broken $cmd
	expect_eq "$(wc -l <"$T/err")" 1 "one line from $cmd"
	expect_in "$T/err" "cannot load libcurl: "
	expect_in "$T/err" "$T/broken/libcurl"
done
expect_rc 0 broken hook post-checkout "$old" "$new" 1
expect_in "$T/err" "cannot load libcurl: "
