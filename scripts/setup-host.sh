#!/bin/sh
# Prepare a Debian/Ubuntu host for jaxtutor's kernel sandbox. Idempotent and non-interactive.
#
#   sudo scripts/setup-host.sh [--no-apt] [--server-user USER] [--helper PATH] [--helper-from FILE]
#                              [--cgroup PATH] [--no-cgroup]
#
# - installs bubblewrap, python3-seccomp (seccomp BPF generator) and util-linux (setpriv, prlimit, taskset);
# - creates the unprivileged system user and group `jaxtutor-kernel` that every kernel runs as
#   (no home, no shell, no login);
# - creates the runtime directory /run/jaxtutor (kernel sockets) owned by the server user, mode 0711,
#   and its `k/` subdirectory (one directory per kernel).
#
# With --server-user USER other than root (the NON-ROOT server mode; kernels/sandbox/privilege.py):
# - creates USER as a system user if it does not exist, and adds it to the kernel user's group (the kernel
#   directories and sockets are shared through that group);
# - builds the privileged helper from kernels/sandbox/kernel_exec.c (needs a C compiler: installs gcc and
#   libc6-dev unless --no-apt; --helper-from FILE installs a binary built elsewhere instead) and installs
#   it at PATH (default /usr/local/lib/jaxtutor/kernel-exec) as root:<USER's group>, mode 0750, with the
#   file capabilities cap_setuid,cap_setgid+ep (setcap, from libcap2-bin). The helper runs a command as
#   the kernel user and nothing else;
# - cgroup v1: creates the cgroup PATH (default /jaxtutor; a relative PATH is taken below this script's
#   own cgroup) in the memory, pids and cpu hierarchies and gives it to USER (what systemd's Delegate=yes
#   does on cgroup v2). /sys/fs/cgroup does not survive a reboot: run this again at boot (e.g. systemd
#   ExecStartPre=+...). The server then needs JAXTUTOR_SANDBOX_CGROUP=PATH.
#   cgroup v2: nothing is done here: run the server as a systemd service with User=USER and Delegate=yes.
#   --no-cgroup skips this step (image builds: the container's cgroup tree only exists at run time).
# Note: Debian bookworm's bubblewrap 0.8.0 lacks the fix for CVE-2026-87766 (fixed in 0.12.0);
# `jaxtutor doctor` reports it.
set -eu

KERNEL_USER=${JAXTUTOR_SANDBOX_USER:-jaxtutor-kernel}
RUNTIME_DIR=${JAXTUTOR_RUNTIME_DIR:-/run/jaxtutor}
SERVER_USER=root
HELPER=/usr/local/lib/jaxtutor/kernel-exec
HELPER_FROM=""
CGROUP=/jaxtutor
DO_CGROUP=1
APT=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-apt) APT=0 ;;
        --server-user) SERVER_USER=$2; shift ;;
        --helper) HELPER=$2; shift ;;
        --helper-from) HELPER_FROM=$2; shift ;;
        --cgroup) CGROUP=$2; shift ;;
        --no-cgroup) DO_CGROUP=0 ;;
        *) echo "usage: $0 [--no-apt] [--server-user USER] [--helper PATH] [--helper-from FILE] [--cgroup PATH] [--no-cgroup]" >&2; exit 2 ;;
    esac
    shift
done
HERE=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" != 0 ]; then
    echo "setup-host.sh must run as root" >&2
    exit 1
fi

NONROOT=0
if [ "$SERVER_USER" != root ] && [ "$SERVER_USER" != 0 ]; then
    NONROOT=1
fi

if [ "$APT" = 1 ]; then
    missing=""
    for pkg in bubblewrap python3-seccomp util-linux; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
    done
    if [ "$NONROOT" = 1 ]; then
        helper_pkgs="libcap2-bin"
        [ -n "$HELPER_FROM" ] || helper_pkgs="$helper_pkgs gcc libc6-dev"
        for pkg in $helper_pkgs; do
            dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
        done
    fi
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
KERNEL_GROUP=$(id -gn "$KERNEL_USER")

if [ "$NONROOT" = 1 ]; then
    if ! getent passwd "$SERVER_USER" >/dev/null; then
        getent group "$SERVER_USER" >/dev/null || groupadd --system "$SERVER_USER"
        useradd --system --gid "$SERVER_USER" --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "jaxtutor server" "$SERVER_USER"
    fi
    if [ "$(id -u "$SERVER_USER")" = "$(id -u "$KERNEL_USER")" ] || [ "$(id -u "$SERVER_USER")" = 0 ]; then
        echo "the server user must be neither root nor the kernel user" >&2
        exit 1
    fi
    SERVER_GROUP=$(id -gn "$SERVER_USER")
    if [ "$SERVER_GROUP" = "$KERNEL_GROUP" ]; then
        echo "the server user's primary group must not be the kernel user's group" >&2
        exit 1
    fi
    case " $(id -nG "$SERVER_USER") " in
        *" $KERNEL_GROUP "*) ;;
        *) usermod -a -G "$KERNEL_GROUP" "$SERVER_USER" ;;
    esac

    # The privileged helper: runs a command as the kernel user, usable only by the server's group.
    # Rebuilt only when missing or older than its source (re-runs at boot need no compiler).
    SRC="$HERE/../kernels/sandbox/kernel_exec.c"
    if [ -n "$HELPER_FROM" ] || [ ! -f "$HELPER" ] || [ "$SRC" -nt "$HELPER" ]; then
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        if [ -n "$HELPER_FROM" ]; then
            cp "$HELPER_FROM" "$tmp/kernel-exec"
        else
            cc -O2 -Wall -Wextra -Werror -DKERNEL_USER="\"$KERNEL_USER\"" -o "$tmp/kernel-exec" "$SRC"
        fi
        install -d -m 0755 "$(dirname "$HELPER")"
        install -o root -g "$SERVER_GROUP" -m 0750 "$tmp/kernel-exec" "$HELPER"
    fi
    chown "root:$SERVER_GROUP" "$HELPER"
    chmod 0750 "$HELPER"
    setcap cap_setuid,cap_setgid+ep "$HELPER"

    if [ "$DO_CGROUP" = 1 ]; then
        if [ -e /sys/fs/cgroup/memory/cgroup.procs ]; then
            for ctrl in memory pids cpu; do
                [ -e "/sys/fs/cgroup/$ctrl/cgroup.procs" ] || continue
                case "$CGROUP" in
                    /*) dir="/sys/fs/cgroup/$ctrl$CGROUP" ;;
                    *)  own=$(awk -F: -v c="$ctrl" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' /proc/self/cgroup)
                        dir="/sys/fs/cgroup/$ctrl${own%/}/$CGROUP" ;;
                esac
                mkdir -p "$dir"
                chown "$SERVER_USER:$SERVER_GROUP" "$dir" "$dir/cgroup.procs" "$dir/tasks"
            done
        else
            echo "cgroup v2: run the server as a systemd service with User=$SERVER_USER and Delegate=yes (not done here)"
        fi
    fi
else
    SERVER_GROUP=$(id -gn "$SERVER_USER")
fi

install -d -m 0711 -o "$SERVER_USER" -g "$SERVER_GROUP" "$RUNTIME_DIR"
install -d -m 0711 -o "$SERVER_USER" -g "$SERVER_GROUP" "$RUNTIME_DIR/k"
if [ "$NONROOT" = 1 ]; then
    # What a root server left there (seccomp program, passwd/group copies, lock, kernel dirs): the owner
    # becomes the server user, groups stay (kernel directories are shared through the kernel group).
    find "$RUNTIME_DIR" -user 0 -exec chown -h "$SERVER_USER" {} +
fi

echo "jaxtutor host ready: kernel user $KERNEL_USER ($(id -u "$KERNEL_USER")), runtime dir $RUNTIME_DIR, server user $SERVER_USER"
