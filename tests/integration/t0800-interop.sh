#!/bin/sh
# Interoperability with the original aishell: images it builds (docker CLI,
# same tags and labels) are fresh to us, and images we build pass the
# original's checks (docs/COMPATIBILITY.md section 3).
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
mkdir -p "$HOME/.aishell" "$P/.aishell"
printf 'FROM %s:foundation\nRUN echo base > /base\n' "$REPO" >"$HOME/.aishell/Dockerfile"
printf 'FROM %s:base\nRUN echo ext > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
cd "$P"

# The original's build commands, argv as in docs/COMPATIBILITY.md 3.2 and 3.3.
FID=$(docker_cli inspect --format='{{.Id}}' "$REPO:foundation")
(cd "$HOME/.aishell" && docker_cli build -q -f "$HOME/.aishell/Dockerfile" -t "$REPO:base" \
	--label=aishell.base.dockerfile.hash="$(h12_file "$HOME/.aishell/Dockerfile")" \
	--label=aishell.base.foundation.id="$FID" "$HOME/.aishell" >/dev/null)
BID=$(docker_cli inspect --format='{{.Id}}' "$REPO:base")
OEXT="$REPO:ext-$(printf '%s' "$(pwd -P)" | sha256sum | cut -c1-12)"
expect_eq "$OEXT" "$EXT" "ext tag derived like the original"
docker_cli build -q -f "$P/.aishell/Dockerfile" -t "$OEXT" \
	--label=aishell.base.id="$BID" \
	--label=aishell.extension.hash="$(h12_file "$P/.aishell/Dockerfile")" "$P" >/dev/null
EID=$(img_id "$EXT")

expect_rc 0 ais ensure --check
expect_rc 0 ais ensure
expect_eq "$(img_id "$REPO:base")" "$BID" "original's base kept"
expect_eq "$(img_id "$EXT")" "$EID" "original's ext kept"

# The original's staleness checks (docs/COMPATIBILITY.md 3.2 A, 3.3) on images we build.
original_fresh() {
	[ "$(docker_cli inspect --format='{{index .Config.Labels "aishell.base.dockerfile.hash"}}' "$REPO:base")" = \
		"$(h12_file "$HOME/.aishell/Dockerfile")" ] || return 1
	[ "$(docker_cli inspect --format='{{index .Config.Labels "aishell.base.foundation.id"}}' "$REPO:base")" = \
		"$(docker_cli inspect --format='{{.Id}}' "$REPO:foundation")" ] || return 1
	[ "$(docker_cli inspect --format='{{index .Config.Labels "aishell.base.id"}}' "$EXT")" = \
		"$(docker_cli inspect --format='{{.Id}}' "$REPO:base")" ] || return 1
	[ "$(docker_cli inspect --format='{{index .Config.Labels "aishell.extension.hash"}}' "$EXT")" = \
		"$(h12_file "$P/.aishell/Dockerfile")" ] || return 1
}
original_fresh || fail "precondition: original's images fresh to the original"
printf 'FROM %s:foundation\nRUN echo base2 > /base\n' "$REPO" >"$HOME/.aishell/Dockerfile"
printf 'FROM %s:base\nRUN echo ext2 > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
original_fresh && fail "original would not see the edits as stale"
expect_rc 0 ais ensure
original_fresh || fail "images built by aishell-c are stale to the original"
