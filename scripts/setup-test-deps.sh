#!/bin/sh
# System packages the test suites need beyond the sandbox (scripts/setup-host.sh). Idempotent.
#
# - chromium: Debian's browser for the Playwright suite (tests/web/test_browser.py, marker `browser`);
#   Playwright's own browser download is never used.
# - postgresql: server binaries for the throwaway cluster of the `postgres` suite (tests/web/pg.py).
# - gcc, libc6-dev, libcap2-bin: build and install the non-root mode's privileged helper
#   (tests/sandbox/test_nonroot.py runs setup-host.sh --server-user for a throwaway server user).
# Without root this only reports what is missing; those suites then skip with a reason.
set -eu

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$missing postgresql"
command -v cc >/dev/null 2>&1 || missing="$missing gcc libc6-dev"
command -v setcap >/dev/null 2>&1 || [ -x /usr/sbin/setcap ] || [ -x /sbin/setcap ] || missing="$missing libcap2-bin"

if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "setup-test-deps.sh: not root; missing:$missing (their suites will skip)" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null
echo "test dependencies installed:$missing"
