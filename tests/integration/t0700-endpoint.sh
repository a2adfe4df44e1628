#!/bin/sh
# Engine endpoint resolution against a real engine, and exit 3 with the
# endpoint and the reason when it is unreachable.
. "$(dirname "$0")/lib.sh"

make_foundation one
new_project
cd "$P"
REAL_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}

expect_rc 3 env DOCKER_HOST="unix://$T/nope.sock" "$AISHELL" status
expect_in "$T/err" "unix://$T/nope.sock"
expect_in "$T/err" "No such file or directory"
expect_in "$T/err" "(DOCKER_HOST)"
expect_rc 3 env DOCKER_HOST="unix://$T/nope.sock" "$AISHELL" ensure --check

expect_rc 3 env DOCKER_HOST="tcp://127.0.0.1:1" "$AISHELL" ensure
expect_in "$T/err" "tcp://127.0.0.1:1"
expect_in "$T/err" "refused"

expect_rc 1 env DOCKER_HOST="npipe:////./pipe/docker_engine" "$AISHELL" status
expect_in "$T/err" "unsupported Docker host"

# Permission denied on the socket, as an unprivileged user.
case $REAL_HOST in
unix://*)
	sock=${REAL_HOST#unix://}
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
		[ "$(stat -c %a "$sock")" != 666 ]; then
		cp "$AISHELL" "$T/aishell-copy"
		chmod 755 "$T" "$T/aishell-copy"
		expect_rc 3 env HOME=/tmp setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$T/aishell-copy" status -C /tmp
		expect_in "$T/err" "Permission denied"
		expect_in "$T/err" "$REAL_HOST"
	fi
	;;
esac

# A docker context named by DOCKER_CONTEXT, then by config.json.
ctxname=aistest-ctx
meta="$HOME/.docker/contexts/meta/$(printf '%s' "$ctxname" | sha256sum | cut -c1-64)"
mkdir -p "$meta"
printf '{"Name":"%s","Metadata":{},"Endpoints":{"docker":{"Host":"%s","SkipTLSVerify":false}}}\n' \
	"$ctxname" "$REAL_HOST" >"$meta/meta.json"
expect_rc 1 env -u DOCKER_HOST DOCKER_CONTEXT=missing-ctx "$AISHELL" status
expect_in "$T/err" "context 'missing-ctx' not found"
expect_rc 0 env -u DOCKER_HOST DOCKER_CONTEXT="$ctxname" "$AISHELL" ensure
expect_eq "$(img_id "$REPO:base")" "$(img_id "$REPO:foundation")"
printf '{"currentContext":"%s"}\n' "$ctxname" >"$HOME/.docker/config.json"
expect_rc 0 env -u DOCKER_HOST "$AISHELL" status --json
expect_in "$T/out" "\"engine\":	\"$REAL_HOST\""
# DOCKER_HOST wins over the context.
expect_rc 3 env DOCKER_HOST="unix://$T/nope.sock" DOCKER_CONTEXT="$ctxname" "$AISHELL" status
