# shellcheck shell=dash
# tests/lib/engine.sh: Docker engine helpers for aishell's test scripts.
#
# Source it from sh (dash) or bash:   . tests/lib/engine.sh
# It defines functions only; it does not change shell options (works with or without `set -eu`).
#
#   engine_ensure_packages    install missing build/test packages with apt-get (needs root)
#   engine_ensure_demo_packages  the same for what scripts/demo.sh needs only
#   engine_up                 reuse a reachable engine, or start a private dockerd; exports DOCKER_HOST
#   engine_down               stop the private dockerd that engine_up started (idempotent, EXIT-trap safe)
#   engine_make_foundation R  build R:foundation FROM scratch (static busybox + /etc/passwd); prints the image id
#
# Exported state after engine_up:
#   DOCKER_HOST          the engine to use
#   AIS_ENGINE_STARTED   1 if engine_up started a private dockerd, 0 if it reused one
#   AIS_ENGINE_DIR       the private daemon's scratch dir (only when started)
#   AIS_ENGINE_PID       its pid;  AIS_ENGINE_BRIDGE: its bridge
# Ownership is kept in a NON-exported variable bound to $$: a child process that sources this file (e.g. an
# integration test) sees the exported DOCKER_HOST, reuses that engine, and its engine_down never stops it.
#
# The private daemon lives in /tmp/aisd.XXXXXX (short: sockets must fit in 108 bytes) with its own socket,
# pidfile, data-root, exec-root, config file and a pre-created bridge aisbr<hex> on 172.31.N.1/24.
# NEVER `--bridge none` (it deletes the host's docker0), never pkill: processes are only ever signalled by pid,
# and only when they are provably ours (their command line names one of our /tmp/aisd.* dirs).
#
# Files in the scratch dir: owner ("pid starttime" of the shell that ran engine_up), state (starting|running),
# bridge (its name), daemon.json, docker.pid, launcher.pid, dockerd.log, docker.sock, data/, exec/.

AIS_ENGINE_BASE=/tmp
AIS_ENGINE_PREFIX=aisd.

_ais_log() { printf 'engine: %s\n' "$*" >&2; }

# dockerd, ip and friends live in sbin; non-login root shells may lack it.
_ais_path() {
    case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin" ;; esac
    case ":$PATH:" in *:/sbin:*) ;; *) PATH="$PATH:/sbin" ;; esac
    export PATH
}

# _ais_ping URL: 0 if the engine at URL (unix://path or tcp://host:port) answers /_ping.
_ais_ping() {
    local h
    case $1 in
        unix://*) curl -sf --max-time 5 --unix-socket "${1#unix://}" http://localhost/_ping >/dev/null 2>&1 ;;
        tcp://* | http://*)
            h=${1#*://}
            curl -sf --max-time 5 "http://${h%/}/_ping" >/dev/null 2>&1
            ;;
        *) return 1 ;;
    esac
}

# _ais_alive PID: the process exists and is not a zombie.
_ais_alive() {
    local st
    case ${1:-} in '' | *[!0-9]*) return 1 ;; esac
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

# _ais_starttime PID: field 22 of /proc/PID/stat (start time in clock ticks), to detect pid reuse.
_ais_starttime() {
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

# _ais_cmdline PID: the command line with NULs turned into spaces.
_ais_cmdline() {
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null
}

# _ais_is_our_dockerd PID DIR: PID is a live dockerd listening on DIR/docker.sock.
_ais_is_our_dockerd() {
    _ais_alive "${1:-}" || return 1
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" = dockerd ] || return 1
    case $(_ais_cmdline "$1") in *"unix://$2/docker.sock"*) return 0 ;; esac
    return 1
}

# _ais_dir_dockerd DIR: print the pid of DIR's live dockerd, if any.
_ais_dir_dockerd() {
    local f p
    for f in docker.pid launcher.pid; do
        p=$(cat "$1/$f" 2>/dev/null) || p=
        if _ais_is_our_dockerd "$p" "$1"; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# _ais_owner_alive DIR: the shell that created DIR (recorded in DIR/owner) still runs.
_ais_owner_alive() {
    local op ost
    [ -f "$1/owner" ] || return 1
    read -r op ost <"$1/owner" || return 1
    _ais_alive "$op" && [ "$(_ais_starttime "$op")" = "$ost" ]
}

# _ais_dir_state DIR: print one of
#   running   its dockerd is alive and its owner too
#   orphan    its dockerd is alive but the shell that started it is gone
#   starting  another engine_up is creating it right now (owner alive, state "starting")
#   young     no owner file yet but created less than 60 s ago (mktemp just ran)
#   stale     everything else: a dead daemon's leftovers
_ais_dir_state() {
    local now mt
    if _ais_dir_dockerd "$1" >/dev/null; then
        if [ ! -f "$1/owner" ] || _ais_owner_alive "$1"; then echo running; else echo orphan; fi
        return 0
    fi
    if [ -f "$1/owner" ]; then
        if [ "$(cat "$1/state" 2>/dev/null)" = starting ] && _ais_owner_alive "$1"; then
            echo starting
        else
            echo stale
        fi
        return 0
    fi
    now=$(date +%s)
    mt=$(stat -c %Y "$1" 2>/dev/null) || mt=0
    if [ $((now - mt)) -lt 60 ]; then echo young; else echo stale; fi
}

# _ais_mounts_under DIR: mount points at or below DIR, deepest first.
_ais_mounts_under() {
    awk -v d="$1" '{ if ($5 == d || index($5, d "/") == 1) print $5 }' /proc/self/mountinfo | sort -r -u
}

# _ais_umount_under DIR: unmount everything at or below DIR (a SIGKILLed dockerd leaves data/ bind-mounted
# onto itself, plus netns/overlay/shm mounts if containers were running).
_ais_umount_under() {
    local i m left
    i=0
    while [ $i -lt 5 ]; do
        left=$(_ais_mounts_under "$1")
        [ -n "$left" ] || return 0
        for m in $left; do
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
        done
        i=$((i + 1))
    done
    left=$(_ais_mounts_under "$1")
    [ -z "$left" ] || { _ais_log "could not unmount: $left"; return 1; }
}

# _ais_kill_procs_of DIR: SIGKILL what remains of DIR's daemon: containerd, shims, docker-proxy, runc (all
# name DIR in their command line), and the init process of each container under a shim (that kills its pid
# namespace). Matched by command name AND by DIR in the command line, signalled by pid only.
_ais_kill_procs_of() {
    local p pid shims victims i ppid ids id cg
    shims=
    victims=
    ids=
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        case $(cat "$p/comm" 2>/dev/null) in
            dockerd | containerd* | docker-proxy | runc) ;;
            *) continue ;;
        esac
        case $(_ais_cmdline "$pid") in
            *"$1/"*)
                victims="$victims $pid"
                case $(cat "$p/comm" 2>/dev/null) in
                    containerd-shim*)
                        shims="$shims $pid"
                        id=$(_ais_cmdline "$pid" | sed -n 's/.* -id \([0-9a-f]\{64\}\) .*/\1/p')
                        ids="$ids $id"
                        ;;
                esac
                ;;
        esac
    done
    [ -n "$victims" ] || return 0
    if [ -n "$shims" ]; then
        for p in /proc/[0-9]*; do
            pid=${p#/proc/}
            ppid=$(sed 's/.*) //' "$p/stat" 2>/dev/null | cut -d' ' -f2) || continue
            case " $shims " in *" $ppid "*) victims="$pid $victims" ;; esac
        done
    fi
    _ais_log "killing leftover processes of $1:$victims"
    for pid in $victims; do kill -KILL "$pid" 2>/dev/null || true; done
    i=0
    while [ $i -lt 50 ]; do
        for pid in $victims; do
            if _ais_alive "$pid"; then break; fi
            pid=
        done
        [ -n "$pid" ] || break
        sleep 0.1
        i=$((i + 1))
    done
    # the killed containers' cgroups (cgroupfs driver: <hierarchy>/docker/<id>) are empty now
    for id in $ids; do
        for cg in /sys/fs/cgroup/docker/"$id" /sys/fs/cgroup/*/docker/"$id"; do
            [ ! -d "$cg" ] || rmdir "$cg" 2>/dev/null || true
        done
    done
}

# _ais_del_bridge NAME: delete one of OUR bridges (aisbr*). Never anything else, never docker0.
_ais_del_bridge() {
    case ${1:-} in
        aisbr?*) ip link del "$1" 2>/dev/null || true ;;
    esac
}

# _ais_clean_dir DIR: remove a private daemon's leftovers (its dockerd must already be dead).
_ais_clean_dir() {
    local br
    case $1 in "$AIS_ENGINE_BASE/$AIS_ENGINE_PREFIX"?*) ;; *) return 1 ;; esac
    [ -d "$1" ] || return 0
    _ais_kill_procs_of "$1"
    br=$(cat "$1/bridge" 2>/dev/null) || br=
    if _ais_umount_under "$1"; then
        rm -rf "$1"
    else
        _ais_log "leaving $1 in place (still mounted)"
    fi
    _ais_del_bridge "$br"
}

# _ais_stop_pid PID: TERM, wait up to 30 s, then KILL (and wait up to 5 s more).
_ais_stop_pid() {
    local i
    _ais_alive "$1" || return 0
    kill -TERM "$1" 2>/dev/null || true
    i=0
    while _ais_alive "$1" && [ $i -lt 300 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if _ais_alive "$1"; then
        _ais_log "dockerd $1 did not stop in 30 s; sending KILL"
        kill -KILL "$1" 2>/dev/null || true
        i=0
        while _ais_alive "$1" && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
    fi
    wait "$1" 2>/dev/null || true # reap it if it is our child
}

# _ais_cleanup_stale: remove leftovers of earlier private daemons of ours that died (or whose shell died),
# then our bridges that no scratch dir claims. Live daemons of other shells are left alone.
_ais_cleanup_stale() {
    local dir state pid br used f
    for dir in "$AIS_ENGINE_BASE/$AIS_ENGINE_PREFIX"*; do
        [ -d "$dir" ] || continue
        [ ! -L "$dir" ] || continue
        state=$(_ais_dir_state "$dir")
        case $state in
            running | starting | young) continue ;;
            orphan)
                pid=$(_ais_dir_dockerd "$dir") || continue
                _ais_log "stopping orphaned private dockerd $pid of $dir (its shell is gone)"
                _ais_stop_pid "$pid"
                ;;
            stale) _ais_log "cleaning up leftovers of a dead private dockerd in $dir" ;;
        esac
        _ais_clean_dir "$dir" || true
    done
    for br in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
        case $br in aisbr?*) ;; *) continue ;; esac
        used=
        for f in "$AIS_ENGINE_BASE/$AIS_ENGINE_PREFIX"*/bridge; do
            [ -f "$f" ] && [ "$(cat "$f" 2>/dev/null)" = "$br" ] && used=1
        done
        if [ -z "$used" ]; then
            _ais_log "deleting leftover bridge $br"
            _ais_del_bridge "$br"
        fi
    done
}

# _ais_rand_u16: a random number 0..65535.
_ais_rand_u16() {
    od -An -N2 -tu2 /dev/urandom | tr -d ' \n'
}

# _ais_pick_octet: print N such that 172.31.N.0/24 overlaps no address or route on this host.
_ais_pick_octet() {
    local nets n tries
    nets=$({
        ip -4 -o addr show 2>/dev/null | awk '{ print $4 }'
        ip -4 route show table all 2>/dev/null | awk '{ print $1 == "local" || $1 == "broadcast" ? $2 : $1 }'
    } | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(/[0-9]+)?$' || true)
    tries=0
    while [ $tries -lt 100 ]; do
        n=$(($(_ais_rand_u16) % 254 + 1))
        if printf '%s\n' "$nets" | awk -v n="$n" '
            function ip2int(s,  a) { split(s, a, "."); return ((a[1] * 256 + a[2]) * 256 + a[3]) * 256 + a[4] }
            BEGIN { lo = ip2int("172.31." n ".0"); hi = lo + 255; hit = 0 }
            NF {
                split($1, c, "/"); len = (c[2] == "") ? 32 : c[2] + 0
                size = 2 ^ (32 - len); start = int(ip2int(c[1]) / size) * size
                if (start <= hi && start + size - 1 >= lo) hit = 1
            }
            END { exit hit }'; then
            echo "$n"
            return 0
        fi
        tries=$((tries + 1))
    done
    _ais_log "no free 172.31.N.0/24 subnet found"
    return 1
}

# _ais_new_bridge DIR: create a uniquely named bridge for DIR, recording its name in DIR/bridge first
# (so that a concurrent cleanup never mistakes it for a leftover). Prints the name.
_ais_new_bridge() {
    local br n tries
    tries=0
    while :; do
        br=aisbr$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
        ip link show "$br" >/dev/null 2>&1 || break
        tries=$((tries + 1))
        [ $tries -lt 20 ] || return 1
    done
    n=$(_ais_pick_octet) || return 1
    echo "$br" >"$1/bridge"
    if ! { ip link add name "$br" type bridge &&
        ip addr add "172.31.$n.1/24" dev "$br" &&
        ip link set "$br" up; }; then
        _ais_log "could not create bridge $br (172.31.$n.1/24)"
        _ais_del_bridge "$br"
        return 1
    fi
    echo "$br"
}

# _ais_mine: this shell started the private daemon described by AIS_ENGINE_*.
_ais_mine() {
    [ "${AIS_ENGINE_STARTED:-0}" = 1 ] && [ -n "${AIS_ENGINE_DIR:-}" ] && [ "${_AIS_ENGINE_OWNER:-}" = "$$" ]
}

# engine_up: make an engine available and export DOCKER_HOST (see the header).
engine_up() {
    local url d br pid deadline
    _ais_path

    # Already started by this shell: keep it if it is healthy, else clean up what is left of it.
    if _ais_mine; then
        if _ais_is_our_dockerd "${AIS_ENGINE_PID:-}" "$AIS_ENGINE_DIR" &&
            _ais_ping "unix://$AIS_ENGINE_DIR/docker.sock"; then
            DOCKER_HOST=unix://$AIS_ENGINE_DIR/docker.sock
            export DOCKER_HOST
            return 0
        fi
        _ais_log "the private dockerd in $AIS_ENGINE_DIR is gone; cleaning up after it"
        engine_down
    fi

    # An engine that is already reachable: use it, and remember that it is not ours.
    url=${DOCKER_HOST:-unix:///var/run/docker.sock}
    if _ais_ping "$url"; then
        DOCKER_HOST=$url
        AIS_ENGINE_STARTED=0
        unset _AIS_ENGINE_OWNER
        export DOCKER_HOST AIS_ENGINE_STARTED
        unset AIS_ENGINE_DIR AIS_ENGINE_PID AIS_ENGINE_BRIDGE
        _ais_log "using the running engine at $url"
        return 0
    fi
    [ -z "${DOCKER_HOST:-}" ] || _ais_log "DOCKER_HOST=$DOCKER_HOST does not answer; starting a private dockerd"

    # Start a private one.
    if [ "$(id -u)" != 0 ]; then
        _ais_log "no engine is reachable at $url and starting a private dockerd needs root"
        return 1
    fi
    for pid in dockerd containerd curl ip; do
        command -v "$pid" >/dev/null 2>&1 || {
            _ais_log "$pid not found (run engine_ensure_packages)"
            return 1
        }
    done
    _ais_cleanup_stale

    d=$(mktemp -d "$AIS_ENGINE_BASE/${AIS_ENGINE_PREFIX}XXXXXX") || return 1
    echo "$$ $(_ais_starttime "$$")" >"$d/owner"
    echo starting >"$d/state"
    if [ -z "${_AIS_PREV_DOCKER_HOST_SAVED:-}" ]; then
        _AIS_PREV_DOCKER_HOST_SAVED=1
        _AIS_PREV_DOCKER_HOST=${DOCKER_HOST-}
        _AIS_PREV_DOCKER_HOST_SET=${DOCKER_HOST+1}
    fi
    AIS_ENGINE_STARTED=1
    _AIS_ENGINE_OWNER=$$
    AIS_ENGINE_DIR=$d
    AIS_ENGINE_PID=
    AIS_ENGINE_BRIDGE=
    export AIS_ENGINE_STARTED AIS_ENGINE_DIR AIS_ENGINE_PID AIS_ENGINE_BRIDGE

    if ! br=$(_ais_new_bridge "$d"); then
        engine_down
        return 1
    fi
    AIS_ENGINE_BRIDGE=$br
    echo '{}' >"$d/daemon.json"
    mkdir -p "$d/data" "$d/exec"

    dockerd --config-file "$d/daemon.json" \
        --host "unix://$d/docker.sock" \
        --data-root "$d/data" \
        --exec-root "$d/exec" \
        --pidfile "$d/docker.pid" \
        --bridge "$br" \
        --iptables=false --ip-masq=false --ip-forward=false \
        >"$d/dockerd.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$d/launcher.pid"
    AIS_ENGINE_PID=$pid

    deadline=$(($(date +%s) + 60))
    while ! _ais_ping "unix://$d/docker.sock"; do
        if ! _ais_alive "$pid"; then
            _ais_log "private dockerd exited during start-up; last lines of $d/dockerd.log:"
            tail -n 30 "$d/dockerd.log" >&2 || true
            engine_down
            return 1
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            _ais_log "private dockerd did not answer /_ping within 60 s; last lines of $d/dockerd.log:"
            tail -n 30 "$d/dockerd.log" >&2 || true
            engine_down
            return 1
        fi
        sleep 0.05
    done
    echo running >"$d/state"
    DOCKER_HOST=unix://$d/docker.sock
    export DOCKER_HOST
    _ais_log "started private dockerd pid $pid in $d (bridge $br)"
}

# engine_down: stop the private dockerd if engine_up started one; no-op otherwise. Always returns 0.
engine_down() {
    local d pid
    _ais_mine || return 0
    d=${AIS_ENGINE_DIR:-}
    if [ -n "$d" ]; then
        pid=$(_ais_dir_dockerd "$d") || pid=
        if [ -z "$pid" ] && _ais_is_our_dockerd "${AIS_ENGINE_PID:-}" "$d"; then pid=$AIS_ENGINE_PID; fi
        [ -z "$pid" ] || _ais_stop_pid "$pid"
        # launcher pid: reap it if it is a zombie child of ours
        [ -z "${AIS_ENGINE_PID:-}" ] || wait "$AIS_ENGINE_PID" 2>/dev/null || true
        _ais_clean_dir "$d" || true
    fi
    _ais_del_bridge "${AIS_ENGINE_BRIDGE:-}"
    if [ -n "${_AIS_PREV_DOCKER_HOST_SAVED:-}" ]; then
        if [ -n "${_AIS_PREV_DOCKER_HOST_SET:-}" ]; then
            DOCKER_HOST=$_AIS_PREV_DOCKER_HOST
            export DOCKER_HOST
        else
            unset DOCKER_HOST
        fi
        unset _AIS_PREV_DOCKER_HOST_SAVED _AIS_PREV_DOCKER_HOST _AIS_PREV_DOCKER_HOST_SET
    fi
    AIS_ENGINE_STARTED=0
    unset AIS_ENGINE_DIR AIS_ENGINE_PID AIS_ENGINE_BRIDGE _AIS_ENGINE_OWNER
    return 0
}

# _ais_pkg_installed PKG: dpkg says PKG is installed.
_ais_pkg_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# _ais_apt_install ARGS...: apt-get install -y --no-install-recommends ARGS (root only; the package lists
# are updated once per shell).
_ais_apt_install() {
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        _ais_log "cannot install them (needs root and apt-get)"
        return 1
    fi
    if [ -z "${_AIS_APT_UPDATED:-}" ]; then
        apt-get -o DPkg::Lock::Timeout=300 update >&2 || return 1
        _AIS_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends \
        "$@" >&2 || return 1
    _ais_path
}

# engine_ensure_packages: install what the build and the tests need, if anything is missing.
engine_ensure_packages() {
    local missing c p node_pkgs
    _ais_path
    missing=
    for c in dockerd curl cmake pkg-config gcc ip protoc-c script clang valgrind flock setpriv node npm git pre-commit dpkg-shlibdeps docker-registry htpasswd openssl strace ssh sshd ssh-keygen podman; do
        command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
    done
    if command -v dpkg-query >/dev/null 2>&1; then
        if [ ! -x /bin/busybox ] || ! _ais_pkg_installed busybox-static; then missing="$missing busybox-static"; fi
        for p in libc6-dev libcurl4-openssl-dev libcjson-dev libarchive-dev libssl-dev libprotobuf-c-dev libyaml-dev libgit2-dev libnghttp2-dev; do
            _ais_pkg_installed "$p" || missing="$missing $p"
        done
    else
        [ -x /bin/busybox ] || missing="$missing busybox"
        for p in libcurl libcjson libarchive libcrypto libprotobuf-c yaml-0.1 libgit2 libnghttp2; do
            pkg-config --exists "$p" 2>/dev/null || missing="$missing $p.pc"
        done
    fi
    [ -n "$missing" ] || return 0

    _ais_log "missing:$missing"
    # node and npm (for the devcontainer CLI and ajv) only when absent: a newer node may be installed otherwise.
    node_pkgs=
    command -v node >/dev/null 2>&1 || node_pkgs="$node_pkgs nodejs"
    command -v npm >/dev/null 2>&1 || node_pkgs="$node_pkgs npm"
    # docker.io's postinst may try to start the system service; harmless without systemd, and not relied on.
    # shellcheck disable=SC2086
    _ais_apt_install \
        docker.io busybox-static curl cmake pkg-config gcc libc6-dev libcurl4-openssl-dev libcjson-dev \
        libarchive-dev libssl-dev libprotobuf-c-dev protobuf-c-compiler libyaml-dev libgit2-dev libnghttp2-dev bsdutils util-linux clang valgrind git pre-commit dpkg-dev groff-base iproute2 hyperfine docker-registry apache2-utils openssl strace \
        openssh-client openssh-server podman $node_pkgs
}

# engine_ensure_demo_packages: install only what building aishell and running the demo need (the engine,
# busybox for the scratch foundation, the compiler and -dev libraries, git), and only those missing: no
# test tools, nothing already installed is upgraded by name.
engine_ensure_demo_packages() {
    local p missing
    _ais_path
    missing=
    command -v dpkg-query >/dev/null 2>&1 || { engine_ensure_packages; return; }
    for p in docker.io busybox-static curl cmake pkg-config gcc libc6-dev libcurl4-openssl-dev libcjson-dev \
        libarchive-dev libssl-dev libprotobuf-c-dev protobuf-c-compiler libyaml-dev libgit2-dev libnghttp2-dev git iproute2; do
        case $p in
            docker.io) command -v dockerd >/dev/null 2>&1 && continue ;;
            busybox-static) [ -x /bin/busybox ] && continue ;;
        esac
        _ais_pkg_installed "$p" || missing="$missing $p"
    done
    [ -n "$missing" ] || return 0
    _ais_log "installing:$missing"
    # shellcheck disable=SC2086
    _ais_apt_install --no-upgrade $missing
}

# _ais_docker_cli: print the docker CLI to use.
_ais_docker_cli() {
    local c
    c=$(command -v docker 2>/dev/null) || c=
    for c in $c /usr/local/bin/docker /usr/bin/docker; do
        if [ -x "$c" ]; then
            echo "$c"
            return 0
        fi
    done
    _ais_log "no docker CLI found"
    return 1
}

# engine_make_foundation REPO: build REPO:foundation FROM scratch: static /bin/busybox with every applet
# symlinked in /bin (so /bin/sh exists), /etc/passwd + /etc/group with root (0) and developer (1000),
# /root, /tmp (1777), /home/developer owned by 1000. Legacy builder (no buildx). Prints the image id.
engine_make_foundation() {
    local repo docker bb ctx out id
    repo=${1:-}
    [ -n "$repo" ] || {
        _ais_log "usage: engine_make_foundation REPO"
        return 2
    }
    docker=$(_ais_docker_cli) || return 1
    bb=/bin/busybox
    if [ ! -x "$bb" ]; then
        _ais_log "$bb not found (install busybox-static)"
        return 1
    fi
    if ldd "$bb" >/dev/null 2>&1; then
        _ais_log "$bb is dynamically linked; FROM scratch needs busybox-static"
        return 1
    fi
    ctx=$(mktemp -d "${TMPDIR:-/tmp}/aisfnd.XXXXXX") || return 1
    mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc" "$ctx/rootfs/root" "$ctx/rootfs/tmp" "$ctx/home/developer"
    chmod 755 "$ctx/rootfs" "$ctx/rootfs/bin" "$ctx/rootfs/etc" "$ctx/home/developer"
    chmod 700 "$ctx/rootfs/root"
    chmod 1777 "$ctx/rootfs/tmp"
    cp "$bb" "$ctx/rootfs/bin/busybox"
    chmod 755 "$ctx/rootfs/bin/busybox"
    "$bb" --list | while read -r a; do
        case $a in '' | busybox | */*) continue ;; esac
        ln -s busybox "$ctx/rootfs/bin/$a"
    done
    [ -L "$ctx/rootfs/bin/sh" ] || ln -s busybox "$ctx/rootfs/bin/sh"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
        'developer:x:1000:1000:developer:/home/developer:/bin/sh' >"$ctx/rootfs/etc/passwd"
    printf '%s\n' 'root:x:0:' 'developer:x:1000:' >"$ctx/rootfs/etc/group"
    chmod 644 "$ctx/rootfs/etc/passwd" "$ctx/rootfs/etc/group"
    cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
COPY --chown=1000:1000 home/developer/ /home/developer/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL org.aishell.test.foundation=1
CMD ["/bin/sh"]
EOF
    if ! out=$(DOCKER_BUILDKIT=0 "$docker" build -q --force-rm -t "$repo:foundation" "$ctx" 2>&1); then
        _ais_log "building $repo:foundation failed:"
        printf '%s\n' "$out" >&2
        rm -rf "$ctx"
        return 1
    fi
    rm -rf "$ctx"
    id=$("$docker" image inspect -f '{{.Id}}' "$repo:foundation") || return 1
    echo "$id"
}
