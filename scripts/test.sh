#!/usr/bin/env bash
# The test command: prepares the host (sandbox packages, kernel user; chromium and postgresql for the
# browser and postgres suites), installs, runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
sh scripts/setup-host.sh
sh scripts/setup-test-deps.sh
bash scripts/install.sh
exec .venv/bin/python -m pytest "$@"
