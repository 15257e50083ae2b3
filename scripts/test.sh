#!/usr/bin/env bash
# The test command: prepares the host (sandbox packages, kernel user), installs, runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
sh scripts/setup-host.sh
bash scripts/install.sh
exec .venv/bin/python -m pytest "$@"
