#!/bin/sh
# System packages the test suites need beyond the sandbox (scripts/setup-host.sh). Idempotent.
#
# - chromium: Debian's browser for the Playwright suites (tests/web/test_browser*.py, marker `browser`);
#   Playwright's own browser download is never used.
# - postgresql: server binaries for the throwaway cluster of the `postgres` suite (tests/web/pg.py).
# - gcc, libc6-dev, libcap2-bin: build and install the non-root mode's privileged helper
#   (tests/sandbox/test_nonroot.py runs setup-host.sh --server-user for a throwaway server user).
# - nodejs, npm: run the real OpenID provider of the SSO suites (tests/support/oidc, the `oidc-provider`
#   package from the npm registry, installed below with `npm ci` from its package-lock.json).
# - nginx-light: Debian's nginx as the reverse proxy on loopback in tests/web/test_proxy.py (trusted
#   forwarders, per-address and per-account login throttling); the package's own service is not used.
# - e2fsprogs (chattr), util-linux (mount): the fault suite (tests/faults/) freezes the database with
#   `chattr +i` and mounts a small tmpfs as a data dir that fills up.
# Without root this only reports what is missing; those suites then skip with a reason (and fail when
# JAXTUTOR_REQUIRED_SUITES names them, as scripts/test.sh does for CI).
set -eu

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$missing postgresql"
command -v cc >/dev/null 2>&1 || missing="$missing gcc libc6-dev"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
command -v setcap >/dev/null 2>&1 || [ -x /usr/sbin/setcap ] || [ -x /sbin/setcap ] || missing="$missing libcap2-bin"
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v chattr >/dev/null 2>&1 || [ -x /usr/bin/chattr ] || missing="$missing e2fsprogs"
command -v mount >/dev/null 2>&1 || missing="$missing util-linux"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

oidc_packages() {
    oidc_dir="$(dirname "$0")/../tests/support/oidc"
    if command -v npm >/dev/null 2>&1 && [ ! -d "$oidc_dir/node_modules/oidc-provider" ]; then
        (cd "$oidc_dir" && npm ci --no-audit --no-fund --loglevel=error) \
            || echo "setup-test-deps.sh: npm ci in tests/support/oidc failed (the SSO suites will skip)" >&2
    fi
}

if [ -z "$missing" ]; then
    oidc_packages
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "setup-test-deps.sh: not root; missing:$missing (their suites will skip)" >&2
    oidc_packages
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null
echo "test dependencies installed:$missing"
oidc_packages
