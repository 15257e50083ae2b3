#!/usr/bin/env bash
# Create the two environments with Debian's Python 3.11 (kernels run as an unprivileged user, so the
# interpreters must not live under /root):
#   .venv         the server: jaxtutor with every dependency pinned, hashes checked: requirements-dev.lock (the
#                 server plus the test and dev tools), or requirements.lock with --serve (scripts/serve.sh
#                 passes it: a production server gets none of the dev tools);
#   .venv-kernel  the learner kernels: only what lessons need, from requirements-kernel.lock (hashes checked);
#                 --cuda12: requirements-kernel-cuda12.lock instead, jax with CUDA 12 for NVIDIA GPU hosts.
# Usage: scripts/install.sh [--serve | --dev] [--cuda12]
# If the checkout sits below a directory other users cannot traverse (e.g. /root or a 0700 temp dir), or
# below /tmp (each sandbox mounts its own private /tmp over it), the venv is created under /opt/jaxtutor
# and .venv is a symlink to it, so the sandboxed kernel user can still reach the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${JAXTUTOR_PYTHON:-/usr/bin/python3.11}
server_lock=requirements-dev.lock
kernel_lock=requirements-kernel.lock
for arg in "$@"; do
    case "$arg" in
        --serve) server_lock=requirements.lock ;;
        --dev) server_lock=requirements-dev.lock ;;
        --cuda12) kernel_lock=requirements-kernel-cuda12.lock ;;
        *) echo "usage: scripts/install.sh [--serve | --dev] [--cuda12]" >&2; exit 2 ;;
    esac
done
if ! "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3.11-venv >/dev/null
fi
traversable() {  # every ancestor of $1 has o+x, and it is not below /tmp or /dev/shm (the sandbox's own)
    "$PY" - "$1" <<'PYEOF'
import os, stat, sys
from pathlib import Path
p = Path(sys.argv[1]).resolve()
hidden = p.is_relative_to("/tmp") or p.is_relative_to("/dev/shm")
sys.exit(0 if not hidden and all(q.stat().st_mode & stat.S_IXOTH for q in p.parents) else 1)
PYEOF
}
make_venv() {  # $1: the link name in the checkout; $2: the name of its home under /opt/jaxtutor if needed
    if [ -e "$1" ]; then return; fi
    if traversable "$PWD/$1"; then
        "$PY" -m venv "$1"
    else
        target="/opt/jaxtutor/$2-$(printf '%s' "$PWD" | sha256sum | cut -c1-12)"
        mkdir -p /opt/jaxtutor && chmod 755 /opt/jaxtutor
        [ -x "$target/bin/python" ] || "$PY" -m venv "$target"
        ln -s "$target" "$1"
        echo "note: $PWD is not reachable from inside the sandbox; $1 lives in $target"
    fi
}
make_venv .venv venv
make_venv .venv-kernel kvenv
quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location" || true; }; }  # keeps the command's exit status
quiet .venv/bin/python -m pip install -q --upgrade pip==26.3
# Every dependency and the build tools from the hashed lock, then jaxtutor itself (editable: templates, static
# files and lessons are found next to the code) without fetching anything more.
quiet .venv/bin/python -m pip install -q --require-hashes --only-binary=:all: -r "$server_lock"
quiet .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
.venv/bin/python -c "import app, kernels; print('jaxtutor installed')"

quiet .venv-kernel/bin/python -m pip install -q --upgrade pip==26.3
quiet .venv-kernel/bin/python -m pip install -q --require-hashes --only-binary=:all: -r "$kernel_lock"
# matplotlib's font list, built once here: kernels copy it into their private /tmp instead of spending
# ~1 s of each kernel's start building it (kernels/launcher.py).
MPLCONFIGDIR="$(realpath .venv-kernel)/share/jaxtutor-matplotlib" .venv-kernel/bin/python -c "import matplotlib.font_manager"
.venv-kernel/bin/python -I -c "import jax, flax, optax, matplotlib; print('kernel environment installed; jax', jax.__version__)"
if .venv-kernel/bin/python -I -c "import fastapi" >/dev/null 2>&1; then
    echo "error: the kernel environment can import fastapi; it must hold only what lessons need" >&2
    exit 1
fi
