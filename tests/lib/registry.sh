# shellcheck shell=sh
# tests/lib/registry.sh: a throw-away container registry for tests and benchmarks.
#
#   registry_start DIR [htpasswd-file cert key]
#                      start Debian's docker-registry (distribution v2) on 127.0.0.1 on a free port, storage
#                      in DIR/data; with the last three arguments it serves TLS and asks for basic auth.
#                      Sets REGISTRY_ADDR (127.0.0.1:PORT) and REGISTRY_PID.
#   registry_stop      stop it, by its pid (idempotent).
#
# The engine treats 127.0.0.0/8 registries as insecure: plain HTTP works, and TLS is used without verifying
# the certificate, so no CA has to be installed anywhere.

registry_start() {
	_rd=$1
	mkdir -p "$_rd/data"
	{
		printf 'version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: %s/data\n' "$_rd"
		printf 'http:\n  addr: 127.0.0.1:0\n'
		if [ -n "${4:-}" ]; then
			printf '  tls:\n    certificate: %s\n    key: %s\n' "$3" "$4"
			printf 'auth:\n  htpasswd:\n    realm: aishell-test\n    path: %s\n' "$2"
		fi
	} >"$_rd/config.yml"
	/usr/bin/docker-registry serve "$_rd/config.yml" >"$_rd/registry.log" 2>&1 </dev/null &
	REGISTRY_PID=$!
	echo "$REGISTRY_PID" >"$_rd/registry.pid"
	_ri=0
	REGISTRY_ADDR=
	while [ $_ri -lt 200 ]; do
		REGISTRY_ADDR=$(sed -n 's/.*msg="listening on \(127\.0\.0\.1:[0-9]*\)[",].*/\1/p' "$_rd/registry.log" | head -n 1)
		[ -z "$REGISTRY_ADDR" ] || break
		kill -0 "$REGISTRY_PID" 2>/dev/null || break
		sleep 0.05
		_ri=$((_ri + 1))
	done
	if [ -z "$REGISTRY_ADDR" ]; then
		echo "registry did not start; its log:" >&2
		cat "$_rd/registry.log" >&2
		registry_stop
		return 1
	fi
	export REGISTRY_ADDR REGISTRY_PID
}

registry_stop() {
	[ -n "${REGISTRY_PID:-}" ] || return 0
	kill "$REGISTRY_PID" 2>/dev/null || true
	wait "$REGISTRY_PID" 2>/dev/null || true
	REGISTRY_PID=
}
