#!/usr/bin/env bash
# Builds the container image (Dockerfile) and runs it on the demo: exit 1 with findings, as a
# non-root user, git present. Where no container daemon runs, it says so and stops (exit 0):
# nothing is faked.
#
#   tests/docker/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! command -v docker >/dev/null || ! docker info > /dev/null 2>&1; then
  reason="$( (docker info 2>&1 || true) | grep -m1 -iE 'cannot connect|error|not found' || echo 'docker is not installed')"
  echo "SKIP docker: no container daemon runs on this machine ($reason); the image was not built"
  exit 0
fi
image="sre-policy-test:$(git -C "$here" rev-parse --short HEAD)"
docker build -q -t "$image" "$here" > /dev/null || fail "docker build failed"
[ "$(docker run --rm --entrypoint id "$image" -u)" = 10001 ] || fail "the image does not run as uid 10001"
docker run --rm --entrypoint git "$image" --version | grep -q '^git version' || fail "no git in the image"
status=0
docker run --rm -v "$here:/src:ro" -w /src "$image" check fixtures/demo --format compact > /dev/null || status=$?
[ "$status" = 1 ] || fail "the image on the demo exited $status, want 1"
docker rmi -f "$image" > /dev/null
echo "docker: ok"
