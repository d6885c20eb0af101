#!/usr/bin/env bash
# Set everything up and start the dashboard on the embedded default data.
# It listens on 127.0.0.1 (this machine only). To serve other machines, ask for an address:
#   ADDRESS=0.0.0.0 scripts/run.sh      or      scripts/run.sh --server.address 0.0.0.0
# (there is no login: do that only on a network you trust).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
address=(--server.address "${ADDRESS:-127.0.0.1}")
for arg in "$@"; do
  case "$arg" in --server.address|--server.address=*) address=() ;; esac
done
exec streamlit run app.py "${address[@]}" --server.port "${PORT:-8501}" "$@"
