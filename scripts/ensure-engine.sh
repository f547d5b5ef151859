#!/usr/bin/env bash
# Make sure a Docker engine answers, starting our own only when none does.
#
# Order matters: an engine that already answers is never touched (it may be a
# developer's Docker Desktop or a CI service). Only on Debian/Ubuntu as root do
# we install and start one; everywhere else we say how to start Docker.
set -euo pipefail

STATE_DIR="${LAB_STATE_DIR:-.lab}"
LOG="$STATE_DIR/dockerd.log"
PIDFILE="/var/run/docker.pid"
# Where dockerd keeps the containerd it starts itself.
CONTAINERD_STATE="/var/run/docker/containerd"
WAIT_SECONDS="${LAB_ENGINE_WAIT:-60}"

say() { printf 'engine: %s\n' "$*" >&2; }

# Bounded: a hung daemon accepts the connection and never answers.
answers() { timeout "${1:-10}" docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then
    exit 0
fi

is_debian_like() {
    [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release
}

if [ "$(id -u)" != 0 ] || ! is_debian_like; then
    say "no Docker engine answers 'docker info'."
    say "start Docker (e.g. 'sudo systemctl start docker' or open Docker Desktop) and retry;"
    say "the lab installs and starts its own engine only on Debian/Ubuntu as root."
    exit 3
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v iptables >/dev/null 2>&1; then
    say "installing docker.io and iptables from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # The Debian package may also bring a docker client; ours on PATH stays first.
    apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
fi

mkdir -p "$STATE_DIR"

# Pids of live dockerd processes. A daemon killed but not yet reaped (a zombie, state Z)
# still matches pgrep and `kill -0`, and is as dead as one that is gone.
live_dockerd() {
    local pid
    for pid in $(pgrep -x dockerd 2>/dev/null || true); do
        case "$(ps -o stat= -p "$pid" 2>/dev/null || true)" in
            "" | Z*) ;;
            *) echo "$pid" ;;
        esac
    done
}

# The containerd a dockerd runs itself (a zombie has no command line, so none here).
dockerds_containerd() { pgrep -f "^containerd .*$CONTAINERD_STATE" 2>/dev/null || true; }

# Stop what the function named $1 lists: TERM, with CONT for one stopped by SIGSTOP;
# 10 s to go, then KILL.
stop_all() {
    local pids
    pids="$($1)"
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $pids 2>/dev/null || true
    # shellcheck disable=SC2086
    kill -CONT $pids 2>/dev/null || true
    for _ in $(seq 10); do [ -z "$($1)" ] && return 0; sleep 1; done
    pids="$($1)"
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    for _ in $(seq 5); do [ -z "$($1)" ] && return 0; sleep 1; done
}

ready() {
    say "ready: $(docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}')"
    exit 0
}

# A dockerd that runs but has not answered for this long is hung: it is stopped and
# replaced, since nothing else (a desktop, a CI service) would answer on this socket.
STALL_SECONDS="${LAB_ENGINE_STALL:-20}"
stuck="$(live_dockerd | xargs)"
if [ -n "$stuck" ]; then
    say "dockerd (pid $stuck) runs but does not answer; waiting up to ${STALL_SECONDS}s"
    deadline=$((SECONDS + STALL_SECONDS))
    while [ "$SECONDS" -lt "$deadline" ]; do
        answers 5 && ready
        sleep 1
    done
    say "dockerd (pid $stuck) still does not answer; stopping it"
    stop_all live_dockerd
fi

if [ -z "$(live_dockerd)" ]; then
    # What a daemon that died leaves behind keeps the next one from starting: its pid
    # file, and the containerd it ran (its socket and pid file in /var/run/docker).
    if [ -f "$PIDFILE" ]; then
        say "removing stale pid file $PIDFILE (pid '$(cat "$PIDFILE" 2>/dev/null || echo ?)' is gone)"
        rm -f "$PIDFILE"
    fi
    orphans="$(dockerds_containerd | xargs)"
    if [ -n "$orphans" ]; then
        say "stopping the containerd a dead dockerd left (pid $orphans)"
        stop_all dockerds_containerd
    fi
    # On a host whose init does not reap, a dead containerd's pid stays "alive" (a
    # zombie) and dockerd would wait for it instead of starting its own.
    rm -f "$CONTAINERD_STATE/containerd.pid"
    say "starting dockerd in the background (log: $LOG)"
    # setsid: the daemon must outlive the make target that started it.
    # Without any descriptor this script inherited beyond 0-2: a caller's lock file
    # (`flock LOCK make engine`) would otherwise stay held by dockerd for its whole life.
    (
        for fd in /proc/self/fd/*; do
            n="${fd##*/}"
            [ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-" 2>/dev/null
        done
        exec setsid nohup dockerd >>"$LOG" 2>&1 </dev/null
    ) &
fi

for _ in $(seq "$WAIT_SECONDS"); do
    answers && ready
    sleep 1
done

say "dockerd did not answer within ${WAIT_SECONDS}s; last lines of $LOG:"
tail -n 20 "$LOG" >&2 || true
exit 3
