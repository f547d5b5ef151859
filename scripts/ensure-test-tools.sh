#!/usr/bin/env bash
# Make sure the tools the integration tests drive are installed: Debian's
# docker-compose (the compose.yaml test) and a headless Chromium with a font (the
# report's browser test). Idempotent: present tools are never touched; only on
# Debian/Ubuntu as root do we install missing ones, elsewhere we say how.
set -euo pipefail

say() { printf 'test tools: %s\n' "$*" >&2; }

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0

is_debian_like() {
    [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release
}
if [ "$(id -u)" != 0 ] || ! is_debian_like; then
    say "missing: ${missing[*]}; install them (e.g. 'sudo apt-get install ${missing[*]}') and retry."
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when apt does not know a package yet.
for package in "${missing[@]}"; do
    if ! apt-cache show "$package" >/dev/null 2>&1; then
        say "refreshing the package lists"
        apt-get update -qq >/dev/null
        break
    fi
done
say "installing ${missing[*]} from Debian's packages"
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
