#!/bin/sh
# The build context: .dockerignore honoured (for ext and base), symlinks sent
# as symlinks, the Dockerfile sent even when ignored, names outside ASCII
# (UTF-8 or not, some sorted ahead of the Dockerfile) sent as their bytes --
# with either builder.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
cd "$P"
mkdir -p .aishell src/deep logs node_modules/pkg
echo 'int main;' >src/main.c
echo 'deep' >src/deep/x.txt
echo 'TOKEN=secret' >.env
echo 'a' >logs/a.log
echo 'k' >logs/keep.log
echo 'big' >node_modules/pkg/index.js
echo 'tmp' >src/deep/scratch.tmp
ln -s src/main.c link-to-main
ln -s /etc/hostname link-outside
# Not ASCII, and ahead of .aishell/Dockerfile in the archive's order; not
# UTF-8; longer than a tar header holds: each needs a pax header.
echo 'cafe' >'#café.txt'
raw=$(printf 'raw\377name')
echo 'raw' >"$raw"
ln -s "$raw" 'lïnk'
long=-$(printf '%0120d' 0)
echo 'long' >"$long"
cat >.dockerignore <<'DI'
# comments and blank lines are ignored

.env
/node_modules
logs/*.log
!logs/keep.log
**/*.tmp
.aishell
.dockerignore
DI
# BuildKit gets the context through a session (as `docker build`), or as a
# tar in the request (AISHELL_CONTEXT_TRANSFER=tar).
for builder in legacy buildkit buildkit-tar; do
export AISHELL_BUILDER=${builder%-tar} AISHELL_CONTEXT_TRANSFER=auto
[ "$builder" != buildkit-tar ] || AISHELL_CONTEXT_TRANSFER=tar
printf 'FROM %s:base\nCOPY . /ctx/\nLABEL b=%s\n' "$REPO" "$builder" >.aishell/Dockerfile
expect_rc 0 ais ensure
listing=$(docker_cli run --rm "$EXT" find /ctx | sort 2>/dev/null)
echo "$listing" >"$T/listing"
expect_in "$T/listing" "/ctx/src/main.c"
expect_in "$T/listing" "/ctx/src/deep/x.txt"
expect_in "$T/listing" "/ctx/logs/keep.log"
expect_in "$T/listing" "/ctx/link-to-main"
expect_not_in "$T/listing" "/ctx/.env"
expect_not_in "$T/listing" "/ctx/node_modules"
expect_not_in "$T/listing" "/ctx/logs/a.log"
expect_not_in "$T/listing" "scratch.tmp"
expect_not_in "$T/listing" "/ctx/.dockerignore"
expect_in "$T/listing" "/ctx/#café.txt"
expect_in "$T/listing" "/ctx/$raw"
expect_in "$T/listing" "/ctx/$long"
target=$(docker_cli run --rm "$EXT" readlink '/ctx/lïnk' 2>/dev/null)
expect_eq "$target" "$raw" "a link to a name that is not UTF-8"
# (named by a wildcard: the Engine API's JSON cannot carry the name)
expect_eq "$(docker_cli run --rm "$EXT" sh -c 'cat /ctx/raw?name' 2>/dev/null)" "raw" \
	"a name that is not UTF-8"
# The Dockerfile must be in the archive for the engine to read it.  The
# legacy builder then drops it when ignored (the docker CLI leaves the same
# empty .aishell directory); BuildKit through the raw API cannot, so there
# an ignored Dockerfile stays visible to COPY (see README).  A session
# offers the Dockerfile apart from the context, as the docker CLI does.
if [ "$builder" != buildkit-tar ]; then
	expect_not_in "$T/listing" "/ctx/.aishell/Dockerfile"
else
	expect_in "$T/listing" "/ctx/.aishell/Dockerfile"
fi
target=$(docker_cli run --rm "$EXT" readlink /ctx/link-to-main 2>/dev/null)
expect_eq "$target" "src/main.c" "symlink sent as a symlink"
target=$(docker_cli run --rm "$EXT" readlink /ctx/link-outside 2>/dev/null)
expect_eq "$target" "/etc/hostname" "absolute symlink not followed"
done

# The base context is ~/.aishell, with its own .dockerignore.
mkdir -p "$HOME/.aishell"
echo 'state' >"$HOME/.aishell/state.edn"
echo 'kept' >"$HOME/.aishell/kept"
printf 'state.edn\n' >"$HOME/.aishell/.dockerignore"
printf 'FROM %s:foundation\nCOPY . /home-ctx/\n' "$REPO" >"$HOME/.aishell/Dockerfile"
expect_rc 0 ais ensure
listing=$(docker_cli run --rm "$REPO:base" find /home-ctx 2>/dev/null | sort)
echo "$listing" >"$T/listing"
expect_in "$T/listing" "/home-ctx/kept"
expect_not_in "$T/listing" "state.edn"
