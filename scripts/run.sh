#!/usr/bin/env bash
# Set everything up and start the dashboard on the embedded default data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
exec streamlit run app.py --server.port "${PORT:-8501}" "$@"
