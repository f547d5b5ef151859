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
WAIT_SECONDS="${LAB_ENGINE_WAIT:-60}"

say() { printf 'engine: %s\n' "$*" >&2; }

answers() { docker info >/dev/null 2>&1; }

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

# A pid file left by a daemon that died keeps dockerd from starting.
if [ -f "$PIDFILE" ]; then
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        say "dockerd (pid $pid) is running but does not answer yet; waiting for it"
    else
        say "removing stale pid file $PIDFILE (pid '${pid:-?}' is gone)"
        rm -f "$PIDFILE"
    fi
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
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
