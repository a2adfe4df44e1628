#!/bin/sh
# The build context: .dockerignore honoured (for ext and base), symlinks sent
# as symlinks, the Dockerfile sent even when ignored -- with either builder.
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
