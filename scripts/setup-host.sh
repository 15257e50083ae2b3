#!/bin/sh
# Prepare a Debian/Ubuntu host for jaxtutor's kernel sandbox. Idempotent and non-interactive.
#
#   sudo scripts/setup-host.sh [--no-apt] [--server-user USER]
#
# - installs bubblewrap, python3-seccomp (seccomp BPF generator) and util-linux (setpriv, prlimit, taskset);
# - creates the unprivileged system user and group `jaxtutor-kernel` that every kernel runs as
#   (no home, no shell, no login);
# - creates the runtime directory /run/jaxtutor (kernel sockets) owned by the server user, mode 0711,
#   and its `k/` subdirectory (one directory per kernel).
# Note: Debian bookworm's bubblewrap 0.8.0 lacks the fix for CVE-2026-87766 (fixed in 0.12.0);
# `jaxtutor doctor` reports it.
set -eu

KERNEL_USER=${JAXTUTOR_SANDBOX_USER:-jaxtutor-kernel}
RUNTIME_DIR=${JAXTUTOR_RUNTIME_DIR:-/run/jaxtutor}
SERVER_USER=root
APT=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-apt) APT=0 ;;
        --server-user) SERVER_USER=$2; shift ;;
        *) echo "usage: $0 [--no-apt] [--server-user USER]" >&2; exit 2 ;;
    esac
    shift
done

if [ "$(id -u)" != 0 ]; then
    echo "setup-host.sh must run as root" >&2
    exit 1
fi

if [ "$APT" = 1 ]; then
    missing=""
    for pkg in bubblewrap python3-seccomp util-linux; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing
    fi
fi

if ! getent group "$KERNEL_USER" >/dev/null; then
    groupadd --system "$KERNEL_USER"
fi
if ! getent passwd "$KERNEL_USER" >/dev/null; then
    useradd --system --gid "$KERNEL_USER" --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --comment "jaxtutor sandboxed kernels" "$KERNEL_USER"
fi

SERVER_GROUP=$(id -gn "$SERVER_USER")
install -d -m 0711 -o "$SERVER_USER" -g "$SERVER_GROUP" "$RUNTIME_DIR"
install -d -m 0711 -o "$SERVER_USER" -g "$SERVER_GROUP" "$RUNTIME_DIR/k"

echo "jaxtutor host ready: kernel user $KERNEL_USER ($(id -u "$KERNEL_USER")), runtime dir $RUNTIME_DIR"
