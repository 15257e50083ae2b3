#!/usr/bin/env bash
# Test support for the container suite (tests/container/): make sure a Docker engine answers and that the
# base image the Dockerfile starts from exists, without any image registry (../shared/notes/docker.md).
#  - installs docker.io and debootstrap from Debian when missing;
#  - starts dockerd with the vfs storage driver and no bridge/iptables when no engine answers;
#  - builds `debian:bookworm-slim` from Debian's packages with debootstrap when it is not there.
# Idempotent; CI runs it from scripts/setup-test-deps.sh.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null || ! command -v docker-compose >/dev/null; then
    apt-get update -qq && apt-get install -y -qq docker.io debootstrap docker-compose >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
    nohup dockerd --storage-driver=vfs --iptables=false --bridge=none >/var/log/jaxtutor-dockerd.log 2>&1 &
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { echo "dockerd did not start: see /var/log/jaxtutor-dockerd.log" >&2; exit 1; }
fi
# An image made by an earlier version of this script had "/" at mode 0700 (non-root users could not run
# anything in it): make it again.
if docker image inspect debian:bookworm-slim >/dev/null 2>&1 \
    && [ "$(docker run --rm --network none debian:bookworm-slim stat -c %a / 2>/dev/null)" != 755 ]; then
    docker image rm -f debian:bookworm-slim >/dev/null
fi
if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1)
    mirror=${mirror:-http://deb.debian.org/debian}
    root=$(mktemp -d /var/tmp/jt-rootfs.XXXXXX)
    debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
    chmod 0755 "$root"  # mktemp made it 0700: as the image's "/", it would lock every non-root user out
    tar -C "$root" -c . | docker import - debian:bookworm-slim >/dev/null
    rm -rf "$root"
fi
echo "docker engine ready; base image debian:bookworm-slim present"
