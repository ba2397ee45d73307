#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test suite: the C++
# suites (CTest), then the Python package's tests and notebooks (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
# The Python package, installed as a user would (pip install .), then its tests and notebooks.
PY=${PYTHON:-python3}
log=$(mktemp)
if ! "$PY" -m pip install -q --no-build-isolation . >"$log" 2>&1; then
  cat "$log"; rm -f "$log"; echo "test: pip install . failed" >&2; exit 1
fi
rm -f "$log"
"$PY" -m pytest -q tests/python
