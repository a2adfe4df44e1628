#!/bin/sh
# A BuildKit build fetches its context through a session, as `docker build`
# does: the engine keeps its copy of the project and asks only for the files
# whose stat changed, so a rebuild after a one-file edit sends that file.
# The image and its labels are the same as with a tar, and what the session
# offers is only what the Dockerfile reads (with what the links a wildcard
# source matches lead to).
. "$(dirname "$0")/lib.sh"

export AISHELL_BUILDER=buildkit
make_foundation one
new_project
cd "$P"
mkdir -p .aishell src/deep bulk
i=0
while [ $i -lt 200 ]; do
	echo "file $i" >"src/f$i.txt"
	i=$((i + 1))
done
echo deep >src/deep/x.txt
echo one >small.txt
head -c 1048576 /dev/urandom >bulk/data.bin
printf 'bulk\n' >.dockerignore
printf 'FROM %s:base\nCOPY . /app/\nRUN cat /app/small.txt >/seen\n' "$REPO" >.aishell/Dockerfile

# sent FILE: the "[context] ..." line of the last build (ensure -v) in FILE.
sent() { grep -o '\[context\] [0-9]* entries offered, [0-9]* files\{0,1\} sent ([0-9]* bytes)' "$1"; }

# The first build sends everything the Dockerfile reads, the bulk it
# ignores never.
expect_rc 0 ais ensure -v
line=$(sent "$T/err")
# 200 + x.txt + small.txt + .dockerignore + the Dockerfile, with src,
# src/deep and .aishell: 207 entries; their 204 files, and once more the
# Dockerfile, for the engine's "dockerfile" directory, and .dockerignore,
# which the engine reads first on its own
bytes=$(cat src/*.txt src/deep/x.txt small.txt .dockerignore .aishell/Dockerfile \
	.aishell/Dockerfile .dockerignore | wc -c)
expect_eq "$line" "[context] 207 entries offered, 206 files sent ($bytes bytes)" "first build"
expect_eq "$(docker_cli run --rm "$EXT" cat /seen)" one "first build's content"
[ -z "$(docker_cli run --rm "$EXT" ls /app/bulk 2>/dev/null)" ] || fail "ignored bulk reached the image"

# A one-file edit: that file alone is sent.
echo two >small.txt
expect_rc 4 ais ensure --check
expect_rc 0 ais ensure -v
expect_eq "$(sent "$T/err")" "[context] 207 entries offered, 1 file sent (4 bytes)" "rebuild after a one-file edit"
expect_eq "$(docker_cli run --rm "$EXT" cat /seen)" two "rebuild's content"
expect_rc 0 ais ensure --check

# A new file and a removed one: the new one is sent, the removed one is
# gone from the image (the engine's copy follows the project).
echo new >src/new.txt
rm src/f7.txt
expect_rc 0 ais ensure -v
expect_eq "$(sent "$T/err")" "[context] 207 entries offered, 1 file sent (4 bytes)" "one added, one removed"
listing=$(docker_cli run --rm "$EXT" ls /app/src)
case $listing in *new.txt*) ;; *) fail "the new file is not in the image" ;; esac
case $listing in *f7.txt*) fail "the removed file is still in the image" ;; esac

# The session and a tar give the same labels: what the hash covers is what
# either sends.  A forced build goes as a tar; the inputs hash agrees, and
# `ensure --check` finds the session's image fresh the other way round too.
inputs=$(label "$EXT" aishell.extension.inputs.hash)
expect_rc 0 ais ensure --force -v
if grep -q '\[context\]' "$T/err"; then fail "--force went through a session"; fi
expect_eq "$(label "$EXT" aishell.extension.inputs.hash)" "$inputs" "inputs hash, tar against session"
echo three >small.txt
expect_rc 0 env AISHELL_CONTEXT_TRANSFER=session "$AISHELL" ensure -v
expect_eq "$(sent "$T/err")" "[context] 207 entries offered, 1 file sent (6 bytes)" "session after a tar"
expect_rc 0 env AISHELL_CONTEXT_TRANSFER=tar "$AISHELL" ensure --check
expect_rc 0 ais status --json
expect_in "$T/out" '"state":	"fresh"'

# AISHELL_CONTEXT_TRANSFER=tar: no session.
echo four >small.txt
expect_rc 0 env AISHELL_CONTEXT_TRANSFER=tar "$AISHELL" ensure -v
if grep -q '\[context\]' "$T/err"; then fail "AISHELL_CONTEXT_TRANSFER=tar went through a session"; fi
expect_eq "$(docker_cli run --rm "$EXT" cat /seen)" four "tar build's content"

# A file rewritten after it was hashed, before the engine asked for it:
# what went out is not what was hashed, so the build is done again, and the
# image and its labels end up agreeing with the file.
echo five >small.txt
rm -f "$T/pause"
mkfifo "$T/pause"
AISHELL_TEST_PAUSE_FIFO="$T/pause" "$AISHELL" ensure -v >"$T/out" 2>"$T/err" &
pid=$!
exec 3>"$T/pause" # returns once aishell waits, its walk done
echo 'six, longer' >small.txt
printf x >&3
exec 3>&-
rc=0
wait "$pid" || rc=$?
expect_eq "$rc" 0 "build with a file rewritten during the transfer"
expect_in "$T/err" "changed during the build; building again"
expect_eq "$(docker_cli run --rm "$EXT" cat /seen)" "six, longer" "the file as it is now"
expect_rc 0 ais ensure --check

# Only what the Dockerfile reads is offered: one file and its directories.
printf 'FROM %s:base\nCOPY src/deep/x.txt /x\n' "$REPO" >.aishell/Dockerfile
expect_rc 0 ais ensure -v
# (x.txt is the engine's already: only the new Dockerfile goes)
expect_eq "$(sent "$T/err")" "[context] 3 entries offered, 1 file sent ($(wc -c <.aishell/Dockerfile) bytes)" "one source"
expect_eq "$(docker_cli run --rm "$EXT" cat /x)" deep "one source's content"

# A wildcard source that matches a link copies what the link leads to: the
# engine asks for the wildcard, and the session follows the links it
# matches (as the docker CLI's fsutil does) and offers their targets.
mkdir -p data
echo real >data/real.txt
ln -s ../../data/real.txt src/deep/link.txt
printf 'FROM %s:base\nCOPY src/deep/*.txt /w/\n' "$REPO" >.aishell/Dockerfile
expect_rc 0 ais ensure
expect_eq "$(docker_cli run --rm "$EXT" cat /w/link.txt)" real "a link a wildcard matches"
rm src/deep/link.txt
rm -r data

# A bad value is a usage error naming the variable; nothing is built.
before=$(img_id "$EXT")
echo five >src/deep/x.txt
expect_rc 2 env AISHELL_CONTEXT_TRANSFER=zip "$AISHELL" ensure
expect_in "$T/err" "AISHELL_CONTEXT_TRANSFER is 'zip'; use session, tar or auto"
expect_eq "$(img_id "$EXT")" "$before" "nothing built"
