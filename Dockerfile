# jaxtutor server image: Debian 12 (bookworm), Debian's Python 3.11, every Python dependency pinned by
# requirements.lock (installed exactly as scripts/install.sh does), the sandbox tools that
# scripts/setup-host.sh installs, and the host set up by scripts/setup-host.sh --server-user jaxtutor.
#
# The server runs as the unprivileged user `jaxtutor` (the non-root sandbox mode); every kernel runs as
# the separate user `jaxtutor-kernel`, switched to by the privileged helper
# /usr/local/lib/jaxtutor/kernel-exec (root:jaxtutor 0750, cap_setuid,cap_setgid+ep; it becomes
# jaxtutor-kernel and nothing else). At run time the container additionally needs user namespaces for
# bubblewrap (Docker's default seccomp and AppArmor profiles forbid them) and a cgroup subtree delegated
# to `jaxtutor` (scripts/container-start.sh does it when the container is started as root, then drops to
# `jaxtutor`). `jaxtutor doctor` says what is missing. NEVER BUILT OR RUN where it was written (no
# container engine there): see docs/deployment.md ("Docker and compose").
#
# Behind a TLS-intercepting proxy, put the proxy's CA certificate(s) as *.crt files in docker/build-ca/:
# the build stage trusts them for pip and apt, and nothing of them reaches the runtime image (it is a
# separate stage that installs Debian's own ca-certificates). No BuildKit front end is needed (a
# `# syntax=` line would make BuildKit pull one from a registry, which offline builders cannot reach).

ARG DEBIAN_IMAGE=debian:bookworm-slim

# --- build: the virtual environment -------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv ca-certificates gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
# Extra CAs for this stage only (see the header); an empty folder changes nothing.
COPY docker/build-ca/ /usr/local/share/ca-certificates/build-ca/
RUN update-ca-certificates
WORKDIR /opt/jaxtutor/src
COPY pyproject.toml requirements.lock requirements-kernel.lock README.md ./
COPY app ./app
COPY kernels ./kernels
# Everything the runtime stage needs from the checkout is gathered here, before the (large) venv exists, so
# the runtime stage takes it in one COPY: with Docker's vfs storage driver every instruction after a large
# layer copies the whole file system again.
COPY lessons ./lessons
COPY templates ./templates
COPY static ./static
COPY scripts ./scripts
# The same steps as scripts/install.sh: the server's venv from /usr/bin/python3.11, pip pinned, then
# every dependency from the hashed lock, then jaxtutor itself (editable: templates, static files and lessons are
# found next to the code) with nothing more fetched; then the learner kernels' own venv (lesson packages only, hashes checked) with matplotlib's font list.
# Then the privileged helper, compiled for the kernel user; setup-host.sh installs it and sets its
# capabilities in the runtime stage (COPY does not reliably carry the security.capability attribute).
RUN /usr/bin/python3.11 -m venv /opt/jaxtutor/venv \
    && /opt/jaxtutor/venv/bin/python -m pip install -q --upgrade pip==26.3 \
    && /opt/jaxtutor/venv/bin/python -m pip install -q --require-hashes --only-binary=:all: -r requirements.lock \
    && /opt/jaxtutor/venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . \
    && /opt/jaxtutor/venv/bin/python -c "import app, kernels" \
    && /usr/bin/python3.11 -m venv /opt/jaxtutor/kernel-venv \
    && /opt/jaxtutor/kernel-venv/bin/python -m pip install -q --upgrade pip==26.3 \
    && /opt/jaxtutor/kernel-venv/bin/python -m pip install -q --require-hashes -r requirements-kernel.lock \
    && MPLCONFIGDIR=/opt/jaxtutor/kernel-venv/share/jaxtutor-matplotlib \
        /opt/jaxtutor/kernel-venv/bin/python -c "import matplotlib.font_manager, jax, flax, optax" \
    && ln -s /opt/jaxtutor/kernel-venv /opt/jaxtutor/src/.venv-kernel \
    && cc -O2 -Wall -Wextra -Werror -DKERNEL_USER='"jaxtutor-kernel"' -o /opt/jaxtutor/kernel-exec \
        kernels/sandbox/kernel_exec.c

# --- runtime ------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS runtime
# Metadata first: each instruction after the large COPY below would copy the image again under vfs.
ENV DEBIAN_FRONTEND=noninteractive \
    PATH=/opt/jaxtutor/venv/bin:$PATH \
    JAXTUTOR_DATA_DIR=/var/lib/jaxtutor/data \
    JAXTUTOR_RUNTIME_DIR=/run/jaxtutor
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/healthz"]
# As jaxtutor the script just runs the command; started as root (--user 0) it first delegates the
# container's cgroup to jaxtutor, then drops to jaxtutor. `docker run IMAGE jaxtutor doctor` replaces CMD.
ENTRYPOINT ["/opt/jaxtutor/src/scripts/container-start.sh"]
CMD ["jaxtutor", "serve", "--host", "0.0.0.0"]
WORKDIR /opt/jaxtutor/src
# python3.11: the venv's base interpreter; bubblewrap, python3-seccomp, util-linux: the kernel sandbox
# (the packages scripts/setup-host.sh installs); libcap2-bin: setcap for the helper (what setup-host.sh
# --server-user adds); curl: the HEALTHCHECK. The server user (a fixed, numeric uid: USER below and
# Kubernetes' runAsNonRoot need one) owns its data.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 bubblewrap python3-seccomp util-linux libcap2-bin curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 jaxtutor \
    && useradd --system --uid 10001 --gid jaxtutor --no-create-home --home-dir /var/lib/jaxtutor \
        --shell /usr/sbin/nologin --comment "jaxtutor server" jaxtutor \
    && install -d -m 0755 -o jaxtutor -g jaxtutor /var/lib/jaxtutor /var/lib/jaxtutor/data
COPY --from=build /opt/jaxtutor /opt/jaxtutor
# The README's host setup: the kernel user jaxtutor-kernel, jaxtutor in its group, the helper with its file
# capabilities, /run/jaxtutor owned by jaxtutor. The cgroup subtree can only be delegated at run time.
RUN scripts/setup-host.sh --no-apt --no-cgroup --server-user jaxtutor --helper-from /opt/jaxtutor/kernel-exec \
    && rm /opt/jaxtutor/kernel-exec
# jaxtutor (uid 10001); its supplementary group jaxtutor-kernel comes from the image's /etc/group.
USER 10001
