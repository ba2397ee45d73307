#!/usr/bin/env bash
# Installs everything tenure needs on a fresh Debian machine: compilers, C++ libraries
# and the Python packages. Idempotent: a second run only checks and returns.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-graph-dev
  libeigen3-dev libyaml-cpp-dev catch2 libcli11-dev pybind11-dev nlohmann-json3-dev libqrencode-dev zlib1g-dev
  chromium chromium-driver
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
# package=module pairs: what pip installs, and what proves it is there.
PY_PACKAGES=(numpy=numpy pandas=pandas pyarrow=pyarrow pyyaml=yaml pytest=pytest tqdm=tqdm jsonschema=jsonschema
             scipy=scipy SALib=SALib "dask[distributed]=distributed" matplotlib=matplotlib nbclient=nbclient
             nbformat=nbformat ipykernel=ipykernel scikit-build-core=scikit_build_core pybind11=pybind11
             selenium=selenium optuna=optuna pyabc=pyabc ema-workbench=ema_workbench)
need_py=()
for pm in "${PY_PACKAGES[@]}"; do
  "$PY" -c "import ${pm##*=}" 2>/dev/null || need_py+=("${pm%=*}")
done
if [ ${#need_py[@]} -gt 0 ]; then
  echo "setup: installing Python packages: ${need_py[*]}"
  "$PY" -m pip install -q "${need_py[@]}"
fi
echo "setup: dependencies present"
