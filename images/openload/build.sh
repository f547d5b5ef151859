#!/bin/sh
# The one compile command for openload, used by Dockerfile.wrk and by tests/native.
# Usage: build.sh OUTPUT_PATH   (extra flags from $OPENLOAD_CFLAGS, e.g. sanitizers)
set -eu
OUT=${1:?usage: build.sh OUTPUT_PATH}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
cd "$(dirname "$0")"
# shellcheck disable=SC2086  # OPENLOAD_CFLAGS is a list of flags, split on purpose
exec gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread ${OPENLOAD_CFLAGS:-} \
    -o "$OUT" openload.c -lm
