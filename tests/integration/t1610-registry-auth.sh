#!/bin/sh
# An authenticated registry (TLS + htpasswd): credentials come from
# config.json the way the docker CLI finds them: "auths", and a credential
# helper (credHelpers) run as docker-credential-<name> get.  Without them, or
# with wrong ones, ensure warns and builds, and --push fails.
. "$(dirname "$0")/lib.sh"
. "$AIS_SRC/tests/lib/registry.sh"

for c in /usr/bin/docker-registry htpasswd openssl; do
	command -v "$c" >/dev/null 2>&1 || fail "$c is not installed (tests/lib/engine.sh installs it)"
done

test_cleanup() {
	registry_stop
	refs=$(docker_cli images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep "/$REPO:" || true)
	# shellcheck disable=SC2086
	[ -z "$refs" ] || docker_cli rmi $refs
}

# A test CA and a server certificate for 127.0.0.1.
C="$T/certs"
mkdir -p "$C"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=aishell test CA" \
	-keyout "$C/ca.key" -out "$C/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
	-keyout "$C/server.key" -out "$C/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$C/ext.cnf"
openssl x509 -req -in "$C/server.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial \
	-days 2 -extfile "$C/ext.cnf" -out "$C/server.crt" 2>/dev/null
htpasswd -Bbn alice s3cret >"$T/htpasswd"

registry_start "$T/registry" "$T/htpasswd" "$C/server.crt" "$C/server.key"
R="$REGISTRY_ADDR/team/$REPO"
export AISHELL_REGISTRY="$R"
curl -s -o /dev/null -w '%{http_code}' --cacert "$C/ca.crt" "https://$REGISTRY_ADDR/v2/" >"$T/code"
expect_eq "$(cat "$T/code")" 401 "the registry asks for credentials"
tags() {
	curl -sf --cacert "$C/ca.crt" -u alice:s3cret "https://$REGISTRY_ADDR/v2/team/$REPO/tags/list" || true
}

make_foundation one
new_project proj
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN echo auth > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"

# No credentials: a warning naming the registry, a local build; --push fails.
expect_rc 0 ais ensure -C "$P" --no-progress
expect_eq "$(grep -c 'warning:' "$T/err")" 1 "warnings without credentials"
expect_in "$T/err" "warning: $R: cannot use the registry"
expect_in "$T/err" "building $EXT"
expect_rc 1 ais ensure -C "$P" --push --no-progress
expect_in "$T/err" "error: cannot push to the registry $R"
expect_rc 0 ais ensure -C "$P" --check

# Wrong password in config.json "auths": the same.
mkdir -p "$HOME/.docker"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REGISTRY_ADDR" "$(printf 'alice:wrong' | base64)" >"$HOME/.docker/config.json"
expect_rc 1 ais push -C "$P" --no-progress
expect_in "$T/err" "error: cannot push to the registry $R"

# The right one, as "auths" (https:// form of the key, as docker login
# writes for some registries): push works.
printf '{"auths":{"https://%s":{"auth":"%s"}}}\n' "$REGISTRY_ADDR" "$(printf 'alice:s3cret' | base64)" >"$HOME/.docker/config.json"
expect_rc 0 ais ensure -C "$P" --push --no-progress
expect_in "$T/err" "pushed $R:ext-"
KEY=$(sed -n "s|.*pushed $R:\(ext-[0-9a-f]*\) .*|\1|p" "$T/err")
tags >"$T/tags"
expect_in "$T/tags" "\"$KEY\""
E=$(img_id "$EXT")

# Another machine whose credentials come from a credential helper on PATH
# (DOCKER_CONFIG names its config directory): it pulls the image.
H2="$T/home2"
mkdir -p "$H2/cfg" "$T/bin"
printf '{"credHelpers":{"%s":"aistest"}}\n' "$REGISTRY_ADDR" >"$H2/cfg/config.json"
cat >"$T/bin/docker-credential-aistest" <<HELPER
#!/bin/sh
[ "\$1" = get ] || exit 1
read -r server
printf '%s\n' "\$server" >"$T/helper-asked"
printf '{"ServerURL":"%s","Username":"alice","Secret":"s3cret"}\n' "\$server"
HELPER
chmod +x "$T/bin/docker-credential-aistest"
FIRST_EXT=$EXT
docker_cli rmi "$FIRST_EXT" >/dev/null
new_project other
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN echo auth > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
HOME=$H2 DOCKER_CONFIG="$H2/cfg" PATH="$T/bin:$PATH" expect_rc 0 ais ensure -C "$P" --no-progress
expect_in "$T/err" "pulled $R:$KEY as $EXT"
expect_not_in "$T/err" "warning"
expect_eq "$(img_id "$EXT")" "$E" "pulled with the helper's credentials"
expect_eq "$(cat "$T/helper-asked")" "$REGISTRY_ADDR" "server the helper was asked for"

# A helper that fails: a warning naming the registry, then a local build.
cat >"$T/bin/docker-credential-aistest" <<'HELPER'
#!/bin/sh
echo "keychain locked" >&2
exit 1
HELPER
printf 'FROM %s:base\nRUN echo other > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
HOME=$H2 DOCKER_CONFIG="$H2/cfg" PATH="$T/bin:$PATH" expect_rc 0 ais ensure -C "$P" --no-progress
expect_in "$T/err" "warning: $R: cannot use the registry (credential helper docker-credential-aistest failed: keychain locked)"
expect_in "$T/err" "building $EXT"
