#!/usr/bin/env bash
# Byte-identity check for changes that must not move a number: runs every bundled scenario
# (all variants, 3 replications, with per-account records and attribution), takes a snapshot
# of each at month 7 and forks it under every variant, with two builds of `tenure`, and
# compares every file byte for byte (the first line of an effective scenario excepted: it names its source file).
#   bash scripts/same-outputs.sh OLD_TENURE NEW_TENURE [SCENARIO...]
set -euo pipefail
old=$1 new=$2; shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=("$here"/scenarios/*.yaml)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for bin in old new; do
  exe=${!bin}
  for f in "${scenarios[@]}"; do
    n=$(basename "$f" .yaml)
    d=$work/$bin/$n
    mkdir -p "$d"
    printf 'extends: %s\nrecord_accounts: true\nexperiment:\n  outputs: [timeseries, managers, lost, accounts, attribution, runs, summary]\n' "$f" >"$work/$n.yaml"
    "$exe" run "$work/$n.yaml" --all-variants -r 3 -j 2 -q -o "$d/run" --attribution
    "$exe" snapshot "$f" --at '7 months' -r 2 -j 2 -q -o "$d/snap.bin"
    "$exe" fork "$d/snap.bin" --all-variants -j 2 -q -o "$d/fork"
  done
done
for f in "${scenarios[@]}"; do
  n=$(basename "$f" .yaml)
  while IFS= read -r rel; do
    # An effective scenario's first line names the file it came from (each build's own snapshot).
    case $rel in */scenario.effective.yaml) same() { cmp -s <(tail -n +2 "$1") <(tail -n +2 "$2"); } ;;
                 *) same() { cmp -s "$1" "$2"; } ;; esac
    if ! same "$work/old/$n/$rel" "$work/new/$n/$rel"; then
      echo "DIFFERS: $n/$rel"; status=1
    fi
  done < <(cd "$work/old/$n" && find . -type f | sort)
  [ "$(cd "$work/old/$n" && find . -type f | sort)" = "$(cd "$work/new/$n" && find . -type f | sort)" ] || { echo "DIFFERS: $n file lists"; status=1; }
done
count=$(cd "$work/old" && find . -type f | wc -l)
[ $status -eq 0 ] && echo "same: $count files, ${#scenarios[@]} scenarios (runs, snapshots, forks)"
exit $status
