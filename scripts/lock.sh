#!/usr/bin/env bash
# Recompile every hashed lock after a pin changes in pyproject.toml or requirements-kernel*.in. The kernel
# locks are constrained by the dev lock, so a package shared by the server's tools and the learner kernels
# (numpy, jax in tests) has one version everywhere. Existing pins are kept unless a change forces them.
# Needs uv (in the dev tools: .venv/bin/uv). Behind a TLS-intercepting proxy, set SSL_CERT_FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
compile() { "$UV" pip compile -q --native-tls --generate-hashes --python-version 3.11 \
    --python-platform x86_64-manylinux_2_28 "$@"; }
compile pyproject.toml requirements-build.in --extra gateway --extra dev -o requirements-dev.lock
compile -c requirements-dev.lock pyproject.toml requirements-build.in --extra gateway -o requirements.lock
compile -c requirements-dev.lock requirements-kernel.in -o requirements-kernel.lock
compile -c requirements-dev.lock requirements-kernel-cuda12.in -o requirements-kernel-cuda12.lock
echo "locks compiled: requirements.lock requirements-dev.lock requirements-kernel.lock requirements-kernel-cuda12.lock"
