# syntax=docker/dockerfile:1
# jaxtutor server image: Debian 12 (bookworm), Debian's Python 3.11, every Python dependency pinned by
# requirements.lock (installed exactly as scripts/install.sh does), the sandbox tools that
# scripts/setup-host.sh installs, and the unprivileged kernel user `jaxtutor-kernel`.
#
# The server runs as ROOT inside the container by default: the local kernel sandbox needs root to create
# the kernels' cgroups and to drop each kernel to the `jaxtutor-kernel` uid (setpriv), and
# `jaxtutor serve` refuses to start without it. Run this image only on a user-namespace-remapped or
# rootless engine, with the options docs/deployment.md lists (bubblewrap needs user namespaces and
# mounts, which Docker's default seccomp and AppArmor profiles forbid). With kernel_backend=gateway (every
# kernel runs behind a Kernel Gateway elsewhere) nothing needs root: run as the `jaxtutor` user.
# See docs/deployment.md ("Docker and compose").

ARG DEBIAN_IMAGE=debian:bookworm-slim

# --- build: the virtual environment -------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/jaxtutor/src
COPY pyproject.toml requirements.lock README.md ./
COPY app ./app
COPY kernels ./kernels
# The same steps as scripts/install.sh: a venv from /usr/bin/python3.11, pip pinned, then jaxtutor
# (editable: templates, static files and lessons are found next to the code) constrained by the lock.
RUN /usr/bin/python3.11 -m venv /opt/jaxtutor/venv \
    && /opt/jaxtutor/venv/bin/python -m pip install -q --upgrade pip==26.3 \
    && /opt/jaxtutor/venv/bin/python -m pip install -q -c requirements.lock -e ".[gateway]" \
    && /opt/jaxtutor/venv/bin/python -c "import app, kernels, jax"

# --- runtime ------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
# python3.11: the venv's base interpreter; bubblewrap, python3-seccomp, util-linux: the kernel sandbox
# (the packages scripts/setup-host.sh installs); curl: the HEALTHCHECK.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 bubblewrap python3-seccomp util-linux curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# jaxtutor-kernel: the uid every sandboxed kernel runs as (as in scripts/setup-host.sh);
# jaxtutor: a non-root user for the server when kernels run on a Kernel Gateway.
RUN groupadd --system jaxtutor-kernel \
    && useradd --system --gid jaxtutor-kernel --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --comment "jaxtutor sandboxed kernels" jaxtutor-kernel \
    && groupadd --system jaxtutor \
    && useradd --system --gid jaxtutor --no-create-home --home-dir /var/lib/jaxtutor \
        --shell /usr/sbin/nologin --comment "jaxtutor server" jaxtutor \
    && install -d -m 0711 /run/jaxtutor /run/jaxtutor/k \
    && install -d -m 0755 -o jaxtutor -g jaxtutor /var/lib/jaxtutor /var/lib/jaxtutor/data
COPY --from=build /opt/jaxtutor /opt/jaxtutor
COPY lessons /opt/jaxtutor/src/lessons
COPY templates /opt/jaxtutor/src/templates
COPY static /opt/jaxtutor/src/static
WORKDIR /opt/jaxtutor/src
ENV PATH=/opt/jaxtutor/venv/bin:$PATH \
    JAXTUTOR_DATA_DIR=/var/lib/jaxtutor/data \
    JAXTUTOR_RUNTIME_DIR=/run/jaxtutor
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/healthz"]
# Root by default (see the top of this file); `docker run --user jaxtutor` with kernel_backend=gateway.
# hadolint ignore=DL3002
USER 0:0
ENTRYPOINT ["jaxtutor", "serve", "--host", "0.0.0.0"]
