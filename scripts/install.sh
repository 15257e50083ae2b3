#!/usr/bin/env bash
# Create .venv with Debian's Python 3.11 (kernels run as an unprivileged user, so the interpreter must
# not live under /root) and install jaxtutor with every dependency pinned by requirements.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${JAXTUTOR_PYTHON:-/usr/bin/python3.11}
if ! "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3.11-venv >/dev/null
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip==26.3 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q -c requirements.lock -e ".[dev]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import app, kernels, jax; print('jaxtutor installed; jax', jax.__version__)"
