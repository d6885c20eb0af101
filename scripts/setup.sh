#!/usr/bin/env bash
# Create .venv and install the project (pinned). Usage: scripts/setup.sh [--test]
# --test also installs the test tools and Debian's chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
. .venv/bin/activate

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"
stamp=".venv/.installed$(echo "$extras" | tr -d '[]')"
want=$(cat pyproject.toml requirements/statsforecast.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing pinned dependencies (torch 2.13.0 first, so pip never resolves torch)"
  python -m pip install --quiet --upgrade pip
  # TORCH_INDEX: where the torch build comes from, e.g. https://download.pytorch.org/whl/cpu
  # (CPU only) or .../whl/cu128 (a GPU machine); unset: pip's configured indexes
  python -m pip install --quiet "torch==2.13.0" ${TORCH_INDEX:+--index-url "$TORCH_INDEX"}
  python -m pip install --quiet -e ".${extras}"
  # statsforecast without its dependencies: its metadata asks pandas<3, the project pins
  # pandas 3.1.1, and the model API it is used through works there (the file says more)
  python -m pip install --quiet --no-deps -r requirements/statsforecast.txt
  echo "$want" > "$stamp"
fi
echo "==> torch $(python -c 'import torch; print(torch.__version__, "CUDA " + (torch.version.cuda or "none"))')"

# Optional faster allocator for torch on CPU (Debian's tcmalloc); run/test use it when present.
if [ ! -e /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 ] && [ "$(id -u)" = 0 ] \
   && command -v apt-get >/dev/null; then
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq libtcmalloc-minimal4 >/dev/null 2>&1 || true
fi

if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi
