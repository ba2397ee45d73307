#!/usr/bin/env bash
# Installs everything tenure needs on a fresh Debian machine: compilers, C++ libraries
# and the Python packages. Idempotent: a second run only checks and returns.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-graph-dev
  libeigen3-dev libyaml-cpp-dev catch2 libcli11-dev pybind11-dev
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
PY_PACKAGES=(numpy pandas pyarrow pyyaml pytest tqdm jsonschema)
need_py=()
for p in "${PY_PACKAGES[@]}"; do
  mod=$p; [ "$p" = pyyaml ] && mod=yaml
  "$PY" -c "import $mod" 2>/dev/null || need_py+=("$p")
done
if [ ${#need_py[@]} -gt 0 ]; then
  echo "setup: installing Python packages: ${need_py[*]}"
  "$PY" -m pip install -q "${need_py[@]}"
fi
echo "setup: dependencies present"
