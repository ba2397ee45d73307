#!/usr/bin/env bash
# Fuzzes the scenario loader, the command-line parser and snapshot files with libFuzzer (clang, with ASan and
# UBSan; CMake preset "fuzz", build folder build-fuzz/).
# Usage: scripts/fuzz.sh [seconds per target, default 120]
# Corpora start from scenarios/, tests/data/bad/ and tests/fuzz/regressions/ (small snapshots
# for the snapshot target) and grow in
# build-fuzz/corpus/. A crash is written to build-fuzz/findings/<target>/; once fixed, copy it
# to tests/fuzz/regressions/<target>/ so that CTest replays it in every build.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
bash scripts/setup.sh >/dev/null
if ! command -v clang++ >/dev/null || [ ! -d /usr/lib/llvm-14/lib/clang ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
cmake --preset fuzz >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_loader fuzz_cli fuzz_snapshot
for t in loader cli snapshot; do
  corpus=build-fuzz/corpus/$t; findings=build-fuzz/findings/$t
  mkdir -p "$corpus" "$findings"
  if [ "$t" = loader ]; then
    cp -n scenarios/*.yaml tests/data/bad/*.yaml tests/fuzz/regressions/loader/* "$corpus"/ 2>/dev/null || true
  elif [ "$t" = snapshot ]; then
    cp -n tests/fuzz/regressions/snapshot/* "$corpus"/ 2>/dev/null || true
  else
    cp -n tests/fuzz/regressions/cli/* "$corpus"/ 2>/dev/null || true
    printf 'run\nscenarios/baseline.yaml\n--set\nchurn.base_rate=0.2 per year\n-r\n3\n' > "$corpus/run_set"
    printf 'workshop\n--port\n0\n--replications\n10\n' > "$corpus/workshop"
    printf 'report\nresults/x\n-o\nr.html\n' > "$corpus/report"
    printf 'list\nstrategies\n' > "$corpus/list"
  fi
  echo "== fuzz_$t for ${secs}s"
  ASAN_OPTIONS=detect_leaks=1 ./build-fuzz/tests/fuzz/fuzz_$t "$corpus" -max_total_time="$secs" -timeout=20 \
    -rss_limit_mb=4096 -artifact_prefix="$findings/" -print_final_stats=1 2>&1 | tee "build-fuzz/fuzz_$t.log" |
    grep -E "^(#[0-9]+ +(INITED|DONE)|==|stat::number_of_executed_units|stat::peak_rss|SUMMARY)" || true
done
echo "findings (empty when nothing crashed):"; ls -la build-fuzz/findings/*/ 2>/dev/null | grep -v "^total" || true
