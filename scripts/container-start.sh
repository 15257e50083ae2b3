#!/bin/sh
# Entrypoint of the Docker image (Dockerfile): runs "$@" as the unprivileged server user `jaxtutor`.
#
# Started as jaxtutor (the image's USER): runs "$@" as it is; the kernels' cgroup subtree must then already
# be writable by jaxtutor, and `jaxtutor doctor` / `jaxtutor serve` say so when it is not.
# Started as root (docker run --user 0): first delegates the container's cgroup to jaxtutor the way systemd's
# Delegate=yes does (cgroup v2: the directory and its cgroup.procs, cgroup.subtree_control and
# cgroup.threads; cgroup v1: a `jaxtutor` cgroup in the memory, pids and cpu hierarchies), then drops to
# jaxtutor with setpriv (all capabilities go with the uid change) and runs "$@". The cgroup filesystem
# must be mounted read-write in the container for this. UNTESTED: no container engine was available here.
set -eu
SERVER_USER=${JAXTUTOR_SERVER_USER:-jaxtutor}

if [ "$(id -u)" = 0 ]; then
    if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
        own=$(sed -n 's/^0:://p' /proc/self/cgroup)
        dir="/sys/fs/cgroup${own%/}"
        for f in "$dir" "$dir/cgroup.procs" "$dir/cgroup.subtree_control" "$dir/cgroup.threads"; do
            [ -e "$f" ] && chown "$SERVER_USER" "$f"
        done
    elif [ -e /sys/fs/cgroup/memory/cgroup.procs ]; then
        for ctrl in memory pids cpu; do
            [ -e "/sys/fs/cgroup/$ctrl/cgroup.procs" ] || continue
            mkdir -p "/sys/fs/cgroup/$ctrl/jaxtutor"
            chown "$SERVER_USER" "/sys/fs/cgroup/$ctrl/jaxtutor" "/sys/fs/cgroup/$ctrl/jaxtutor/cgroup.procs"
        done
        export JAXTUTOR_SANDBOX_CGROUP=/jaxtutor
    fi
    exec setpriv --reuid="$SERVER_USER" --regid="$SERVER_USER" --init-groups --inh-caps=-all -- "$@"
fi
exec "$@"
