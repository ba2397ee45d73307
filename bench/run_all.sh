#!/usr/bin/env bash
# Runs every benchmark in bench/ and prints markdown tables (the figures in bench/README.md).
# Usage: bash bench/run_all.sh [--quick]   (quick: skips the 1e7 hold size and 1e6 clients)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
quick=${1:-}
echo "## Machine"; echo; echo '```'; lscpu | grep -E "Model name|^CPU\(s\)|L2|L3"; echo '```'; echo
echo "## Hold model"; echo
if [ "$quick" = --quick ]; then ./build/bench/bench_hold --sizes 1e3,1e4,1e5,1e6; else ./build/bench/bench_hold; fi
echo; echo "## PHOLD (ROSS semantics, sequential)"; echo
./build/bench/bench_phold --lps 1000 --events-per-lp 1 --remote 0.9 --events 2e7 --reps 5
echo
./build/bench/bench_phold --lps 1000 --events-per-lp 10 --remote 0.9 --events 2e7 --reps 3 | tail -2
echo; echo "## Memory (records on huge pages, read at random and in order)"; echo
./build/bench/bench_memory
echo; echo "## Model"; echo
echo "| scenario | clients | horizon | replications | s per replication (median) | events per replication | events/s | peak RSS | accounts ever | records (clients; pooled prospects have none) | lost rows |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
./build/bench/bench_model scenarios/baseline.yaml --reps 9
./build/bench/bench_model scenarios/baseline.yaml --accounts 1e4 --reps 5 | tail -1
./build/bench/bench_model scenarios/baseline.yaml --accounts 1e5 --reps 5 | tail -1
[ "$quick" = --quick ] || ./build/bench/bench_model scenarios/baseline.yaml --accounts 1e6 --reps 3 | tail -1
echo; echo "## Snapshots (save at 5 years, restore, run on; checked against the uninterrupted run)"; echo
echo "| scenario | clients | when | uninterrupted | to the snapshot | save | state | restore | on to the horizon | result |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---|"
./build/bench/bench_model scenarios/baseline.yaml --snapshot-at 5
./build/bench/bench_model scenarios/baseline.yaml --accounts 1e5 --snapshot-at 5
[ "$quick" = --quick ] || ./build/bench/bench_model scenarios/baseline.yaml --accounts 1e6 --snapshot-at 5
