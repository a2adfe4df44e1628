#!/bin/sh
# ssh:// engines: DOCKER_HOST=ssh://... and a docker context with an ssh
# endpoint reach the engine through `ssh ... docker system dial-stdio`, one
# ssh per run; ssh's own failures (a key the server refuses, no docker CLI
# on the remote side, no ssh at all) exit 3 with ssh's stderr in the
# message.  The remote side is a private sshd on 127.0.0.1 whose sessions
# run the local docker CLI against this test's engine.
. "$(dirname "$0")/lib.sh"

REAL_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
SSHD=/usr/sbin/sshd
REAL_SSH=$(command -v ssh) || fail "no ssh client (openssh-client)"
[ -x "$SSHD" ] || fail "no $SSHD (openssh-server)"
command -v ss >/dev/null || fail "no ss (iproute2)"
ME=$(id -un)

# Keys: "good" is authorized, "nodocker" is authorized with a PATH that has
# no docker on it, "wrong" is not authorized at all.
S=$T/ssh
mkdir -p "$S"
chmod 700 "$S"
for k in host good nodocker wrong; do
	ssh-keygen -q -t ed25519 -N '' -C "aistest-$k" -f "$S/$k" || fail "ssh-keygen $k"
done
{
	cat "$S/good.pub"
	printf 'environment="PATH=/nonexistent" %s\n' "$(cat "$S/nodocker.pub")"
} >"$S/authorized_keys"
printf '* %s\n' "$(cut -d' ' -f1-2 "$S/host.pub")" >"$S/known_hosts"

# The client side: the user's ssh from PATH, given this test's settings by
# a wrapper (ssh reads ~/.ssh from the passwd entry, not from $HOME).  The
# wrapper logs each start, so the test can count connections.
mkdir -p "$T/bin"
cat >"$T/bin/ssh" <<EOF
#!/bin/sh
echo "\$\$ \$*" >>"$S/ssh.log"
exec "$REAL_SSH" -F "$S/ssh_config" "\$@"
EOF
chmod 755 "$T/bin/ssh"
cat >"$S/ssh_config" <<EOF
Host wrongkey
	HostName 127.0.0.1
	IdentityFile $S/wrong
Host nodocker
	HostName 127.0.0.1
	IdentityFile $S/nodocker
Host 127.0.0.1
	IdentityFile $S/good
Host *
	IdentitiesOnly yes
	UserKnownHostsFile $S/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	LogLevel ERROR
EOF
PATH=$T/bin:$PATH
export PATH

# The server side, on a free port (a port taken meanwhile fails the bind:
# try another).
[ "$(id -u)" != 0 ] || mkdir -p /run/sshd # privilege separation directory
tries=0
while :; do
	PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
	if ss -Htln "sport = :$PORT" | grep -q .; then continue; fi
	{
		echo "ListenAddress 127.0.0.1:$PORT"
		echo "HostKey $S/host"
		echo "AuthorizedKeysFile $S/authorized_keys"
		echo "PidFile $S/sshd.pid"
		echo "StrictModes no"
		echo "PubkeyAuthentication yes"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "PermitRootLogin prohibit-password"
		echo "PermitUserEnvironment PATH"
		echo "AllowUsers $ME"
		echo "LogLevel VERBOSE"
		# the remote docker CLI talks to this test's engine
		case $REAL_HOST in unix:///var/run/docker.sock) ;; *) echo "SetEnv DOCKER_HOST=$REAL_HOST" ;; esac
	} >"$S/sshd_config"
	"$SSHD" -D -e -f "$S/sshd_config" 2>"$S/sshd.log" &
	SSHD_PID=$!
	SERVER_PIDS=$SSHD_PID
	i=0
	while [ $i -lt 100 ] && kill -0 "$SSHD_PID" 2>/dev/null &&
		! ss -Htln "sport = :$PORT" | grep -q .; do
		sleep 0.05
		i=$((i + 1))
	done
	if ss -Htln "sport = :$PORT" | grep -q .; then break; fi
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null || true
	SERVER_PIDS=
	tries=$((tries + 1))
	[ $tries -lt 5 ] || { cat "$S/sshd.log" >&2; fail "sshd does not start"; }
done
SSH_HOST="ssh://$ME@127.0.0.1:$PORT"

# The set-up itself works: the docker CLI over this ssh.
docker_cli -H "$SSH_HOST" version >/dev/null 2>"$T/err" ||
	{ cat "$T/err" "$S/sshd.log" >&2; fail "docker -H $SSH_HOST does not work"; }

# ssh_runs: how many ssh processes aishell started since the last call;
# each must be gone (reaped) when aishell has returned.
ssh_runs() {
	n=$(wc -l <"$S/ssh.log")
	while read -r pid _; do
		if kill -0 "$pid" 2>/dev/null; then fail "ssh $pid still runs after aishell returned"; fi
	done <"$S/ssh.log"
	: >"$S/ssh.log"
	echo "$n"
}

make_foundation one
new_project
cd "$P"
: >"$S/ssh.log"

# ensure over ssh (alias mode: base is a tag of foundation), one connection.
expect_rc 0 env DOCKER_HOST="$SSH_HOST" "$AISHELL" ensure
expect_eq "$(img_id "$REPO:base")" "$(img_id "$REPO:foundation")" "base is foundation"
expect_eq "$(ssh_runs)" 1 "ssh connections for ensure"
expect_rc 0 env DOCKER_HOST="$SSH_HOST" "$AISHELL" status
expect_in "$T/out" "engine      $SSH_HOST (API 1.41"
expect_eq "$(ssh_runs)" 1 "ssh connections for status"

# The command line: the CLI's connhelper's, with -l and -p from the URL.
expect_rc 0 env DOCKER_HOST="$SSH_HOST" "$AISHELL" ensure --check
grep -qF -- "-T -l $ME -p $PORT -- 127.0.0.1 docker system dial-stdio" "$S/ssh.log" ||
	{ cat "$S/ssh.log" >&2; fail "unexpected ssh command line"; }
expect_eq "$(ssh_runs)" 1 "ssh connections for ensure --check"

# An extension: --check finds it missing; ensure builds it over ssh, from
# the local context, tagged by the local project path.
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nCOPY note /note\nRUN cat /note > /ext\n' "$REPO" >"$P/.aishell/Dockerfile"
echo "from the local disk" >"$P/note"
expect_rc 4 env DOCKER_HOST="$SSH_HOST" "$AISHELL" ensure --check
expect_in "$T/err" "$EXT"
expect_rc 0 env DOCKER_HOST="$SSH_HOST" "$AISHELL" ensure -v
# the build's BuildKit session is a connection (an ssh) of its own
expect_in "$T/err" "[context] 1 entries offered, 2 files sent"
expect_eq "$(ssh_runs)" 3 "ssh connections for the two runs (and the build's session)"
[ -n "$(img_id "$EXT")" ] || fail "$EXT was not built"
expect_eq "$(cat "$HOME/.local/state/aishell/projects/$(h12 "$P")")" "$P" "project record"
expect_eq "$(docker_cli run --rm "$EXT" cat /ext)" "from the local disk" "context content"
expect_rc 0 env DOCKER_HOST="$SSH_HOST" "$AISHELL" ensure --check
expect_rc 0 env DOCKER_HOST="$SSH_HOST" "$AISHELL" status --json
expect_in "$T/out" "\"engine\":	\"$SSH_HOST\""
: >"$S/ssh.log"

# The remote socket as the URL's path: docker --host unix://PATH.
case $REAL_HOST in
unix://*)
	expect_rc 0 env DOCKER_HOST="$SSH_HOST${REAL_HOST#unix://}" "$AISHELL" ensure --check
	grep -qF -- "-- 127.0.0.1 docker --host=$REAL_HOST system dial-stdio" "$S/ssh.log" ||
		{ cat "$S/ssh.log" >&2; fail "no --host for the socket path"; }
	: >"$S/ssh.log"
	;;
esac

# A docker context whose endpoint is ssh://.
ctxname=aistest-remote
meta="$HOME/.docker/contexts/meta/$(printf '%s' "$ctxname" | sha256sum | cut -c1-64)"
mkdir -p "$meta"
printf '{"Name":"%s","Metadata":{},"Endpoints":{"docker":{"Host":"%s","SkipTLSVerify":false}}}\n' \
	"$ctxname" "$SSH_HOST" >"$meta/meta.json"
expect_rc 0 env -u DOCKER_HOST DOCKER_CONTEXT="$ctxname" "$AISHELL" ensure --check
expect_rc 0 env -u DOCKER_HOST DOCKER_CONTEXT="$ctxname" "$AISHELL" status
expect_in "$T/out" "engine      $SSH_HOST (API"
expect_eq "$(ssh_runs)" 2 "ssh connections through the context"

# Failures: ssh's own words, exit 3, and the endpoint named.
expect_rc 3 env DOCKER_HOST="ssh://wrongkey:$PORT" "$AISHELL" ensure
expect_in "$T/err" "cannot reach the Docker engine at ssh://wrongkey:$PORT (DOCKER_HOST)"
expect_in "$T/err" "ssh exited with status 255"
expect_in "$T/err" "Permission denied (publickey)"
[ "$(wc -l <"$T/err")" = 1 ] || { cat "$T/err" >&2; fail "more than one line"; }
echo "wrong key: $(cat "$T/err")"
ssh_runs >/dev/null

expect_rc 3 env DOCKER_HOST="ssh://nodocker:$PORT" "$AISHELL" status
expect_in "$T/err" "ssh exited with status 127"
expect_in "$T/err" "docker"
expect_in "$T/err" "not found"
expect_in "$T/err" "is the docker CLI on the remote PATH?"
echo "no docker: $(cat "$T/err")"
ssh_runs >/dev/null

# Through a context too, and by the hooks' path (ensure --check).
printf '{"Name":"%s","Metadata":{},"Endpoints":{"docker":{"Host":"ssh://wrongkey:%s"}}}\n' \
	"$ctxname" "$PORT" >"$meta/meta.json"
expect_rc 3 env -u DOCKER_HOST DOCKER_CONTEXT="$ctxname" "$AISHELL" ensure --check
expect_in "$T/err" "(context '$ctxname')"
expect_in "$T/err" "Permission denied (publickey)"
ssh_runs >/dev/null

# No ssh on PATH at all.
mkdir -p "$T/empty"
expect_rc 3 env PATH="$T/empty" DOCKER_HOST="$SSH_HOST" "$AISHELL" status
expect_in "$T/err" "cannot run ssh: No such file or directory"

# An unreachable port: ssh's connection error.
expect_rc 3 env DOCKER_HOST="ssh://$ME@127.0.0.1:1" "$AISHELL" status
expect_in "$T/err" "Connection refused"

# Bad URLs are rejected before anything runs.
: >"$S/ssh.log"
expect_rc 1 env DOCKER_HOST="ssh://me:pw@127.0.0.1" "$AISHELL" status
expect_in "$T/err" "a password in the URL is not supported"
expect_eq "$(ssh_runs)" 0 "ssh started for a bad URL"

# Ctrl-C during a build over ssh: exit 130 and the tag stays.  ssh runs in
# its own session, so the signal reaches aishell only; aishell closes the
# connection, which ends the build, and reaps ssh.
cd "$T"
new_project slow
mkdir -p "$P/.aishell"
printf 'FROM %s:base\nRUN echo slow-build-started; sleep 60\n' "$REPO" >"$P/.aishell/Dockerfile"
: >"$S/ssh.log"
env DOCKER_HOST="$SSH_HOST" "$AISHELL" ensure -v -C "$P" >"$T/bg.out" 2>"$T/bg.err" &
bg=$!
n=0
until grep -q slow-build-started "$T/bg.err"; do
	n=$((n + 1))
	if [ $n -gt 900 ]; then cat "$T/bg.err" >&2; fail "the build over ssh did not start"; fi
	sleep 0.1
done
kill -INT "$bg"
set +e
wait "$bg"
rc=$?
set -e
expect_eq "$rc" 130 "exit status after SIGINT"
grep -q "interrupted" "$T/bg.err" || { cat "$T/bg.err" >&2; fail "no 'interrupted' message"; }
[ -z "$(img_id "$EXT")" ] || fail "the interrupted build was tagged"
# the build and its BuildKit session: two connections, both closed
expect_eq "$(ssh_runs)" 2 "ssh connections of the interrupted run"
