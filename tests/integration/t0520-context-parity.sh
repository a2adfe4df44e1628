#!/bin/sh
# aishell and `docker build` face each other: for the same project, the
# image aishell builds holds what the docker CLI's holds, entry for entry
# (type, mode, owner, size, time, link target, content).  BuildKit through
# a session and as a tar against `DOCKER_BUILDKIT=1 docker build`; the
# legacy builder against `DOCKER_BUILDKIT=0 docker build`.  The cases are
# those where a walk can go wrong: .dockerignore exceptions, wildcards,
# directory forms of COPY, links, names outside ASCII or UTF-8, modes,
# owners, times, special files, hard links.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
cd "$P"

# A docker CLI that builds with BuildKit without buildx (the 20.10 one).
bk_cli=
for c in /usr/bin/docker docker; do
	mkdir -p "$T/probe"
	printf 'FROM %s:foundation\n' "$REPO" >"$T/probe/Dockerfile"
	if DOCKER_BUILDKIT=1 "$c" build -q -t "$REPO:probe" "$T/probe" >/dev/null 2>&1; then
		bk_cli=$c
		break
	fi
done
[ -n "$bk_cli" ] || fail "no docker CLI here builds with BuildKit (Debian's docker.io 20.10 does)"

# listing IMAGE DIR: the entries below /app of IMAGE, one line each, sorted,
# in DIR/listing; the files themselves in DIR/app.
listing() {
	rm -rf "$2"
	mkdir -p "$2"
	cid=$(docker_cli create "$1" /bin/true 2>/dev/null)
	docker_cli export "$cid" >"$2/image.tar"
	docker_cli rm "$cid" >/dev/null
	# A directory's time is when the build last wrote into it: not compared.
	LC_ALL=C tar --numeric-owner --full-time -tvf "$2/image.tar" app |
		awk '/^d/ { $4 = $5 = "-" } { print }' | LC_ALL=C sort >"$2/listing"
	tar -xf "$2/image.tar" -C "$2" app
	# what diff cannot compare: the listing has it
	find "$2/app" \( -type p -o -type s -o -type b -o -type c \) -delete
}

# same CASE WHAT REFERENCE-DIR: aishell's build, now tagged $EXT, against
# the docker CLI's.
same() {
	listing "$EXT" "$T/ais"
	[ -s "$T/ais/listing" ] || fail "$1: $2: nothing below /app"
	if ! diff -u "$3/listing" "$T/ais/listing" >&2 || ! diff -r --no-dereference "$3/app" "$T/ais/app" >&2; then
		fail "$1: $2 differs from docker build"
	fi
}

# compare CASE DOCKERFILE-BODY: build the project as it stands both ways.
compare() {
	printf 'FROM %s:base\n%s' "$REPO" "$2" >.aishell/Dockerfile
	DOCKER_BUILDKIT=1 "$bk_cli" build -q --no-cache -t "$REPO:ref" -f .aishell/Dockerfile . >/dev/null 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "$1: docker build (BuildKit) failed"; }
	listing "$REPO:ref" "$T/ref-bk"
	DOCKER_BUILDKIT=0 docker_cli build -q --no-cache -t "$REPO:ref" -f .aishell/Dockerfile . >/dev/null 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "$1: docker build (legacy) failed"; }
	listing "$REPO:ref" "$T/ref-legacy"
	AISHELL_BUILDER=buildkit AISHELL_CONTEXT_TRANSFER=session expect_rc 0 ais ensure --force
	same "$1" "BuildKit through a session" "$T/ref-bk"
	AISHELL_BUILDER=legacy AISHELL_CONTEXT_TRANSFER=auto expect_rc 0 ais ensure --force
	same "$1" "the legacy builder" "$T/ref-legacy"
	AISHELL_BUILDER=buildkit AISHELL_CONTEXT_TRANSFER=tar expect_rc 0 ais ensure --force
	# As a tar, BuildKit sees the Dockerfile even when it is ignored (see
	# README); these cases do not ignore it.
	same "$1" "BuildKit as a tar" "$T/ref-bk"
	# Built and judged alike: fresh.
	expect_rc 0 ais ensure --check
}

mkdir -p .aishell dir/sub other e
# The base the Dockerfiles build FROM (a tag of the foundation).
printf 'FROM %s:base\n' "$REPO" >.aishell/Dockerfile
expect_rc 0 ais ensure
echo a >a.txt
echo ab >ab.txt
echo b >b.md
echo k >keep.log
echo l >drop.log
echo x >dir/x.txt
echo y >dir/y.md
echo z >dir/sub/z.txt
echo w >dir/sub/w.log
echo o >other/o.txt
echo lit >'[lit].txt'
echo t >dir/scratch.tmp
# Whole seconds: a session carries a time to the nanosecond, a tar (the
# docker CLI's as aishell's) in whole seconds, and `docker export` rounds.
find . -path ./.aishell -prune -o -exec touch -h -d '2026-01-02 03:04:05' {} +

printf '*.log\n!keep.log\n**/*.tmp\ndir/sub\n!dir/sub/z.txt\n' >.dockerignore
compare "exceptions" 'COPY . /app/
'
printf 'dir/y.md\n' >.dockerignore
compare "wildcards" 'COPY *.txt /app/t/
COPY d?r/*.txt /app/w/
COPY [[]lit].txt ?.md /app/
COPY dir* /app/d/
'
compare "directory forms" 'COPY dir /app/one/
COPY ./dir/ /app/two/
COPY dir/. /app/three/
COPY e /app/e
'

# Names, links, modes, owners, times and special files.
rm .dockerignore
echo cafe >'#café.txt'
raw=$(printf 'raw\377name')
echo raw >"$raw"
ln -s "$raw" 'lïnk'
echo long >"-$(printf '%0120d' 0)"
printf 'tab\n' >"$(printf 'tab\tname')"
ln -s nowhere dangling
ln -s dir dirlink
ln -s /etc/hostname absolute
chmod 0640 a.txt
chmod 0700 other
chmod 0755 ab.txt
chown 1234:5678 b.md
mkfifo fifo
# One file under three names, one of them ignored: the first sent carries
# the data, the others are hard links to it.
echo hard >hard1
ln hard1 dir/hard2
ln hard1 hard3
find . -path ./.aishell -prune -o -newer a.txt -exec touch -h -d '2026-01-02 03:04:05' {} +
touch -d '2001-09-09 01:46:40' dir/x.txt
touch -h -d '2004-11-09 11:33:20' dangling
printf 'hard1\n' >.dockerignore
compare "names, links, modes" 'COPY . /app/
COPY dirlink /app/followed/
'
