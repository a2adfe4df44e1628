#!/bin/sh
# The build context holds what the Dockerfile reads, with either builder:
# files and wildcards, COPY . with .dockerignore, RUN --mount=type=bind
# (BuildKit), COPY through symbolic links (the image follows the link and
# so does the inputs hash), and a directory swapped for a link to a host
# directory between the walk and the upload (the build fails, no host file
# reaches an image, the tag stays), and entries that change between the
# walk listing a directory and stat'ing them.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
cd "$P"
mkdir -p .aishell src bulk tools realdir "$T/host"
echo small >small.txt
echo 'int a;' >src/a.c
echo 'int b;' >src/b.h
echo bulk >bulk/data.bin
echo unread >unread.txt
echo tool >tools/run.sh
echo target >data.txt
ln -s data.txt link
echo eff >realdir/f
ln -s /realdir linkdir
echo 'HOST SECRET' >"$T/host/a.c"
printf 'bulk\n' >.dockerignore

listing() { docker_cli run --rm "$EXT" find "$1" 2>/dev/null | sort >"$T/listing"; }

for builder in legacy buildkit; do
	export AISHELL_BUILDER=$builder

	# Files, wildcards and links.
	printf 'FROM %s:base\nCOPY small.txt src/*.c /ctx/\nCOPY link /x\nCOPY linkdir/f /y\n' \
		"$REPO" >.aishell/Dockerfile
	expect_rc 0 ais ensure
	listing /ctx
	expect_in "$T/listing" /ctx/small.txt
	expect_in "$T/listing" /ctx/a.c
	expect_not_in "$T/listing" /ctx/b.h
	expect_eq "$(docker_cli run --rm "$EXT" cat /x /y)" "target
eff" "links followed by the $builder builder"
	expect_rc 0 ais ensure --check
	echo changed >data.txt
	expect_rc 4 ais ensure --check
	expect_in "$T/err" data.txt
	echo eff2 >realdir/f
	expect_rc 0 ais ensure
	expect_eq "$(docker_cli run --rm "$EXT" cat /x /y)" "changed
eff2" "image rebuilt with the link targets"
	echo target >data.txt
	echo eff >realdir/f

	# COPY . with .dockerignore: everything but the ignored bulk.
	printf 'FROM %s:base\nCOPY . /app/\n' "$REPO" >.aishell/Dockerfile
	expect_rc 0 ais ensure
	listing /app
	expect_in "$T/listing" /app/unread.txt
	expect_in "$T/listing" /app/src/b.h
	expect_in "$T/listing" /app/tools/run.sh
	expect_not_in "$T/listing" /app/bulk
done

# RUN --mount=type=bind (BuildKit only): a source, and the whole context.
export AISHELL_BUILDER=buildkit
printf 'FROM %s:base\nRUN --mount=type=bind,source=tools,target=/t cp -r /t /tools-copy\n' \
	"$REPO" >.aishell/Dockerfile
expect_rc 0 ais ensure
listing /tools-copy
expect_in "$T/listing" /tools-copy/run.sh
# What a bind mount reads is an input like what COPY reads.
echo 'echo two' >>tools/run.sh
expect_rc 4 ais ensure --check
expect_in "$T/err" "files read by COPY/ADD/RUN --mount in .aishell/Dockerfile changed: tools/run.sh"
expect_rc 0 ais ensure
printf 'FROM %s:base\nRUN --mount=type=bind,target=/c find /c >/whole.txt\n' \
	"$REPO" >.aishell/Dockerfile
expect_rc 0 ais ensure
docker_cli run --rm "$EXT" cat /whole.txt >"$T/listing"
expect_in "$T/listing" /c/unread.txt
expect_in "$T/listing" /c/src/b.h
expect_not_in "$T/listing" /c/bulk

# The race: src is walked, then swapped for a link to a host directory
# before it is sent: as a tar (--force), or through a BuildKit session
# (where the engine asks for src/a.c, which changed since its last copy).
for builder in legacy buildkit buildkit-session; do
	export AISHELL_BUILDER=${builder%-session}
	printf 'FROM %s:base\nCOPY src /src/\nLABEL b=%s\n' "$REPO" "$builder" >.aishell/Dockerfile
	expect_rc 0 ais ensure
	before=$(img_id "$EXT")
	force=--force
	if [ "$builder" = buildkit-session ]; then
		force=
		echo 'int a2;' >src/a.c
	fi
	rm -f "$T/pause"
	mkfifo "$T/pause"
	AISHELL_TEST_PAUSE_FIFO="$T/pause" "$AISHELL" ensure $force >"$T/out" 2>"$T/err" &
	pid=$!
	exec 3>"$T/pause" # returns once aishell waits at the pause point
	mv src src.old
	ln -s "$T/host" src
	printf x >&3
	exec 3>&-
	rc=0
	wait "$pid" || rc=$?
	rm src
	mv src.old src
	if [ "$rc" = 0 ] && [ "$builder" = buildkit-session ]; then
		# the session may read src/a.c through the directory the walk
		# opened (the one moved aside): what was hashed went out
		expect_eq "$(docker_cli run --rm "$EXT" cat /src/a.c)" "int a2;" \
			"$builder: the file the walk saw"
	else
		[ "$rc" != 0 ] || fail "$builder: a build sent through a swapped directory succeeded"
		expect_in "$T/err" src
		expect_eq "$(img_id "$EXT")" "$before" "$builder: the tag did not move"
	fi
	docker_cli run --rm "$EXT" cat /src/a.c >"$T/listing"
	expect_not_in "$T/listing" "HOST SECRET"
	echo 'int a;' >src/a.c
done

# A file name with a terminal escape is quoted in status reasons, as git
# quotes it, never printed raw.
export AISHELL_BUILDER=buildkit
esc=$(printf '\033[2K')
echo one >"$esc"
printf 'FROM %s:base\nCOPY . /app/\n' "$REPO" >.aishell/Dockerfile
expect_rc 0 ais ensure
echo two >"$esc"
expect_rc 4 ais status
expect_in "$T/out" '"\033[2K"'
if grep -qF -- "$esc" "$T/out" "$T/err"; then
	fail "a raw escape sequence reached the terminal"
fi
rm -f "$esc"

# The walk lists a directory first and stats what it found later, in
# batches.  A file gone in between is left out, as if the walk had come a
# moment later: the image and its inputs label agree without it.  One that
# became a directory in between fails the run and leaves the tag.
walk_paused() {
	rm -f "$T/pause"
	mkfifo "$T/pause"
	AISHELL_TEST_PAUSE_AT=walk AISHELL_TEST_PAUSE_FIFO="$T/pause" \
		"$AISHELL" ensure >"$T/out" 2>"$T/err" &
	pid=$!
	exec 3>"$T/pause" # returns once aishell waits at the pause point
	eval "$1"
	printf x >&3
	exec 3>&-
	rc=0
	wait "$pid" || rc=$?
}
echo going >vanish.txt
echo file >turns.txt
expect_rc 0 ais ensure
walk_paused 'rm vanish.txt'
expect_eq "$rc" 0 "a file gone during the walk"
expect_rc 0 ais ensure --check
docker_cli run --rm "$EXT" ls /app >"$T/listing"
expect_not_in "$T/listing" vanish.txt
expect_in "$T/listing" turns.txt
before=$(img_id "$EXT")
echo new >new.txt
walk_paused 'rm turns.txt; mkdir turns.txt'
expect_eq "$rc" 1 "an entry that turned into a directory during the walk"
expect_in "$T/err" "turns.txt' changed while the build context was read"
expect_eq "$(img_id "$EXT")" "$before" "the tag did not move"
rmdir turns.txt
rm new.txt
