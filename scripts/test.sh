#!/usr/bin/env bash
# Set everything up (venv, pinned packages, Debian's chromium) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
. scripts/env.sh
ruff check .
python -m pytest "$@"
