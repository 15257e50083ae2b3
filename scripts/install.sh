#!/usr/bin/env bash
# Create .venv with Debian's Python 3.11 (kernels run as an unprivileged user, so the interpreter must
# not live under /root) and install jaxtutor with every dependency pinned by requirements.lock.
# If the checkout sits below a directory other users cannot traverse (e.g. /root or a 0700 temp dir), or
# below /tmp (each sandbox mounts its own private /tmp over it), the venv is created under /opt/jaxtutor
# and .venv is a symlink to it, so the sandboxed kernel user can still reach the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${JAXTUTOR_PYTHON:-/usr/bin/python3.11}
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
if [ ! -e .venv ]; then
    if traversable "$PWD/.venv"; then
        "$PY" -m venv .venv
    else
        target="/opt/jaxtutor/venv-$(printf '%s' "$PWD" | sha256sum | cut -c1-12)"
        mkdir -p /opt/jaxtutor && chmod 755 /opt/jaxtutor
        [ -x "$target/bin/python" ] || "$PY" -m venv "$target"
        ln -s "$target" .venv
        echo "note: $PWD is not reachable from inside the sandbox; the venv lives in $target"
    fi
fi
quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location" || true; }; }  # keeps the command's exit status
quiet .venv/bin/python -m pip install -q --upgrade pip==26.3
quiet .venv/bin/python -m pip install -q -c requirements.lock -e ".[dev,gateway]"
.venv/bin/python -c "import app, kernels, jax; print('jaxtutor installed; jax', jax.__version__)"
