#!/usr/bin/env bash
# Installs tenure into a fresh virtual environment exactly as docs/python.md says, then runs
# every Python example of the docs and executes the notebooks there: the extras must bring
# everything they import. Usage: scripts/check-docs-venv.sh [VENV_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-$(mktemp -d)/venv}
PY=${PYTHON:-python3}
"$PY" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -C build-dir="$venv/../build" '.[sweep,calibrate,discovery]'  # as docs/python.md: then the examples run
"$venv/bin/python" -m pip install -q pytest
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python/test_docs.py
"$venv/bin/python" -m pip install -q -C build-dir="$venv/../build" '.[sweep,notebook,calibrate,discovery]'   # as docs/python.md: then the notebooks run
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python/test_notebooks.py
echo "check-docs-venv: the docs' examples and notebooks run in a fresh environment ($venv)"
