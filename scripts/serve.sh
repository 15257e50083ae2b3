#!/usr/bin/env bash
# Set up this host (sandbox packages, kernel user), install jaxtutor, and start the server on SQLite with the
# bundled lessons. Run as root: kernels are started in bubblewrap and dropped to the `jaxtutor-kernel` user.
# Extra arguments go to `jaxtutor serve` (e.g. --host 0.0.0.0 --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
sh scripts/setup-host.sh
bash scripts/install.sh --serve ${JT_INSTALL_CUDA12:+--cuda12}  # JT_INSTALL_CUDA12=1: jax with CUDA 12 for kernels
exec .venv/bin/jaxtutor serve "$@"
