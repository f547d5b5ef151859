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

# Pids of live processes named $1. A daemon killed but not yet reaped (a zombie, state
# Z) still matches pgrep and `kill -0`, and is as dead as one that is gone.
live() {
    local pid
    for pid in $(pgrep -x "$1" 2>/dev/null || true); do
        case "$(ps -o stat= -p "$pid" 2>/dev/null || true)" in
            "" | Z*) ;;
            *) echo "$pid" ;;
        esac
    done
}

# A dockerd that runs but has not answered for this long is hung: it is stopped and
# replaced, since nothing else (a desktop, a CI service) would answer on this socket.
STALL_SECONDS="${LAB_ENGINE_STALL:-20}"
stuck="$(live dockerd)"
if [ -n "$stuck" ]; then
    say "dockerd (pid $(echo $stuck)) runs but does not answer; waiting up to ${STALL_SECONDS}s"
    deadline=$((SECONDS + STALL_SECONDS))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if answers 5; then
            say "ready: $(docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}')"
            exit 0
        fi
        sleep 1
    done
    say "dockerd (pid $(echo $stuck)) still does not answer; stopping it"
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $stuck 2>/dev/null || true
    # shellcheck disable=SC2086 # a stopped (SIGSTOP) daemon acts on TERM once continued
    kill -CONT $stuck 2>/dev/null || true
    for _ in $(seq 10); do [ -z "$(live dockerd)" ] && break; sleep 1; done
    # shellcheck disable=SC2086
    [ -z "$(live dockerd)" ] || kill -KILL $(live dockerd) 2>/dev/null || true
    for _ in $(seq 5); do [ -z "$(live dockerd)" ] && break; sleep 1; done
fi

if [ -z "$(live dockerd)" ]; then
    # What a daemon that died leaves behind keeps the next one from starting: its pid
    # file, and the containerd it ran (its socket and pid file in /var/run/docker).
    if [ -f "$PIDFILE" ]; then
        say "removing stale pid file $PIDFILE (pid '$(cat "$PIDFILE" 2>/dev/null || echo ?)' is gone)"
        rm -f "$PIDFILE"
    fi
    orphans="$(pgrep -f "^containerd .*$CONTAINERD_STATE" 2>/dev/null || true)"
    if [ -n "$orphans" ]; then
        say "stopping the containerd a dead dockerd left (pid $(echo $orphans))"
        # shellcheck disable=SC2086
        kill -TERM $orphans 2>/dev/null || true
        for _ in $(seq 10); do
            [ -z "$(pgrep -f "^containerd .*$CONTAINERD_STATE" 2>/dev/null || true)" ] && break
            sleep 1
        done
        pkill -KILL -f "^containerd .*$CONTAINERD_STATE" 2>/dev/null || true
    fi
    rm -f "$CONTAINERD_STATE/containerd.pid"
    say "starting dockerd in the background (log: $LOG)"
    # setsid: the daemon must outlive the make target that started it.
    setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &
fi

for _ in $(seq "$WAIT_SECONDS"); do
    if answers; then
        say "ready: $(docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}')"
        exit 0
    fi
    sleep 1
done

say "dockerd did not answer within ${WAIT_SECONDS}s; last lines of $LOG:"
tail -n 20 "$LOG" >&2 || true
exit 3
