#!/usr/bin/env bash
# Regression tests of issue 15 (hardening): each block names the class it guards. Every input
# here crashed, hung, lost a file or silently changed a result before. Usage:
# test_hardening.sh TENURE_BINARY SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1"); src=$(realpath "$2")
work=$(mktemp -d); trap 'pkill -P $$ 2>/dev/null; rm -rf "$work"' EXIT
fail=0; passed=0
source "$(dirname "$0")/lib.sh"
cf="$src/scenarios/covert_farmer.yaml"
# Under AddressSanitizer (scripts/sanitize.sh) the binary is several times slower and maps
# terabytes of shadow memory: time bounds widen, and the address-space tests are left out.
sanitized=${ASAN_OPTIONS:+1}; T=60; [ -n "$sanitized" ] && T=300
small=(--set accounts.initial_active=40 --set accounts.initial_prospects=100)

# 1. A very deep override path is refused at once, with its bounds.
deep=$(printf 'a.%.0s' $(seq 3000))a=1
timeout 20 "$bin" explain "$cf" --set "$deep" >/dev/null 2>"$work/e1"; rc=$?
check "1: a 3000-part --set path exits 2 (no stack overflow, no minutes of work)" '[ $rc -eq 2 ] && grep -q "at most 32 parts and 1024 bytes" "$work/e1"'
check "1: the message does not echo the whole path" '[ $(wc -c < "$work/e1") -lt 600 ]'

# 4. Two live runs into one folder: the second is refused; the first finishes intact.
"$bin" run "$src/scenarios/baseline.yaml" -r 30 -j 1 --out "$work/shared" -q & pid=$!
for i in $(seq 400); do [ -e "$work/shared/.partial/.lock" ] && break; sleep 0.025; done
"$bin" run "$cf" -r 2 --out "$work/shared" -q 2>"$work/e4"; rc=$?
check "4: a second run into a folder a live run holds exits 2" '[ $rc -eq 2 ] && grep -q "another tenure run is writing to this folder" "$work/e4"'
wait $pid; rc=$?
check "4: the first run still completes, its results whole" '[ $rc -eq 0 ] && [ -s "$work/shared/summary.json" ] && [ ! -e "$work/shared/.partial" ]'
check "4: no temporary files are left behind" '[ -z "$(find "$work/shared" -name "*.tmp*")" ]'
"$bin" run "$cf" -r 2 --out "$work/shared" -q; rc=$?
check "4: once it ended, the folder is free again" '[ $rc -eq 0 ]'

# 5. Damaged or renamed checkpoints are recomputed; the resumed files equal an uninterrupted run.
"$bin" run "$src/scenarios/baseline.yaml" -r 24 -j 1 --out "$work/ck" -q & pid=$!
kill_after_checkpoints $pid "$work/ck" bin 4
d=$(ls -d "$work/ck/.partial/"*/ | head -1)
cp "$d/base.0.bin" "$d/base.3.bin"                                    # renamed to another replication
python3 - "$d/base.1.bin" <<'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x10; open(p, "wb").write(b)   # one flipped bit
EOF
"$bin" run "$src/scenarios/baseline.yaml" -r 24 -j 2 --out "$work/ck" -q; rc=$?
"$bin" run "$src/scenarios/baseline.yaml" -r 24 -j 2 --out "$work/ck_whole" -q
check "5: a resumed run with a renamed and a damaged checkpoint exits 0" '[ $rc -eq 0 ]'
for f in runs.csv timeseries.csv summary.json; do
  check "5: ... and its $f equals the uninterrupted run's" 'cmp -s "$work/ck/$f" "$work/ck_whole/$f"'
done
"$bin" snapshot "$src/scenarios/market_shock.yaml" --at "12 months" -r 2 -o "$work/s.snap" -q "${small[@]}"
python3 - "$work/s.snap" "$work" <<'EOF'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
flip = bytearray(b); flip[len(b) // 2] ^= 0x04
open(sys.argv[2] + "/flip.snap", "wb").write(bytes(flip))
# a forged day: NaN, with a checksum that matches again (so only the day check can refuse it)
body = bytearray(b[:-4]); magic = b"TENURE-SNAPSHOT-2\n"; at = len(magic)
for _ in range(4):                                  # scenario, hash, name, variant
    n = struct.unpack_from("<Q", body, at)[0]; at += 8 + n
at += 16                                            # seed, first replication
struct.pack_into("<d", body, at, float("nan"))
open(sys.argv[2] + "/nan.snap", "wb").write(bytes(body) + struct.pack("<I", zlib.crc32(bytes(body))))
EOF
"$bin" fork "$work/flip.snap" -o "$work/f1" -q 2>"$work/e5"; rc=$?
check "5: a snapshot with one flipped bit is refused" '[ $rc -eq 2 ] && grep -q "damaged snapshot (its checksum does not match" "$work/e5" && [ ! -e "$work/f1" ]'
"$bin" fork "$work/nan.snap" -o "$work/f2" -q 2>"$work/e5b"; rc=$?
check "5: a snapshot with a forged day (NaN) is refused up front" '[ $rc -eq 2 ] && grep -q "its day is nan" "$work/e5b"'

# 6-10. Silent changes refused, from the command line (the file cases are in tests/data/bad/).
printf 'name: child\nextends: %s\nhorizon: 2 years\n' "$cf" > "$work/child.yaml"
"$bin" explain "$work/child.yaml" > "$work/child.txt" 2>&1; rc=$?
check "7: a file that extends a base and has its own name keeps the base" '[ $rc -eq 0 ] && grep -q "^name: child" "$work/child.txt" && grep -q "initial_active: 250" "$work/child.txt" && grep -q "^  all_comply:" "$work/child.txt"'
for s in -1 1.5 1e3 18446744073709551616 " 7"; do
  "$bin" run "$cf" -r 1 --seed="$s" --out "$work/seed" -q 2>"$work/e9"; rc=$?
  check "9: --seed '$s' exits 2 naming what is expected" '[ $rc -eq 2 ] && grep -q "expected a whole number from 0 to 18446744073709551615" "$work/e9" && [ ! -e "$work/seed" ]'
done
"$bin" run "$cf" -r 1 --seed 0 --out "$work/seed0" -q "${small[@]}"
"$bin" run "$cf" -r 1 --out "$work/seedfile" -q "${small[@]}"
check "9: --seed 0 is seed 0, not the file's seed" 'grep -q "\"seed\": 0," "$work/seed0/summary.json" && ! cmp -s "$work/seed0/runs.csv" "$work/seedfile/runs.csv"'
"$bin" run "$cf" -r 1 --seed 9007199254740993 --out "$work/seedbig" -q "${small[@]}"
check "9: a seed above 2^53 is kept exactly" 'grep -q "\"seed\": 9007199254740993," "$work/seedbig/summary.json" && grep -q "seed: 9007199254740993" "$work/seedbig/scenario.effective.yaml"'
"$bin" run "$cf" -r 1 --seed 9007199254740992 --out "$work/seedbig2" -q "${small[@]}"
check "9: seeds 2^53 and 2^53+1 are different seeds" '! cmp -s "$work/seedbig/runs.csv" "$work/seedbig2/runs.csv"'
"$bin" explain "$cf" --set "extends=other.yaml" >/dev/null 2>"$work/e10a"; rc=$?
check "10: --set extends=... is refused" '[ $rc -eq 2 ] && grep -q "extends. cannot be overridden" "$work/e10a"'
"$bin" explain "$cf" --set "variants.all_complyy.horizon=1 year" >/dev/null 2>"$work/e10b"; rc=$?
check "10: --set variants.<typo>... names the known variants" '[ $rc -eq 2 ] && grep -q "unknown variant .all_complyy.; did you mean .all_comply.?" "$work/e10b"'
"$bin" explain "$cf" --set "variants.all_comply.horizon=1 year" | grep -A3 "^  all_comply:" | grep -q "horizon: 365.25 days"
check "10: --set variants.<existing>.key changes that variant" '[ $? -eq 0 ]'
"$bin" snapshot "$cf" --at "6 months" -r 2 -o "$work/cf.snap" -q "${small[@]}"
"$bin" fork "$work/cf.snap" --set experiment.seed=5 -o "$work/fs" -q 2>"$work/e10c"; rc=$?
check "10: fork --set experiment.seed is refused" '[ $rc -eq 2 ] && grep -q "take a new snapshot to change experiment.seed" "$work/e10c" && [ ! -e "$work/fs" ]'

# 11. Variants with other horizons are not compared; events after the horizon are warned about.
printf 'extends: %s\nvariants:\n  short:\n    horizon: 2 years\nmarket:\n  shocks: [{at: 9 years, duration: 1 year, severity: 0.5}]\n' "$cf" > "$work/horizons.yaml"
"$bin" run "$work/horizons.yaml" --all-variants -r 3 --out "$work/hz" "${small[@]}" >"$work/o11" 2>"$work/e11"; rc=$?
check "11: runs, and says the short variant is not comparable" '[ $rc -eq 0 ] && grep -q "short .*not comparable: horizon 730.5 days against 1461 days" "$work/o11"'
check "11: summary.json leaves it out of the paired differences and says why" 'python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert \"short\" not in s[\"paired_differences_vs_base\"] and \"all_comply\" in s[\"paired_differences_vs_base\"]; assert \"not comparable\" in s[\"not_comparable_with_base\"][\"short\"]" "$work/hz/summary.json"'
check "11: a shock after the horizon is warned about, at its line" 'grep -q "horizons.yaml:6:.*warning: shock 0 at day 3287.25 is at or after the horizon (day 1461): it never happens" "$work/e11"'

# 12. Non-regular files and huge files are refused, never read forever.
mkfifo "$work/fifo.yaml"
timeout 20 "$bin" validate "$work/fifo.yaml" 2>"$work/e12"; rc=$?
check "12: a FIFO as the scenario is refused (no hang)" '[ $rc -eq 2 ] && grep -q "not a regular file" "$work/e12"'
printf 'extends: fifo.yaml\n' > "$work/ext_fifo.yaml"
timeout 20 "$bin" validate "$work/ext_fifo.yaml" 2>"$work/e12b"; rc=$?
check "12: a FIFO as extends: is refused at its line" '[ $rc -eq 2 ] && grep -q "ext_fifo.yaml:1:10: extends: cannot open .*not a regular file" "$work/e12b"'
timeout 20 "$bin" validate /dev/zero 2>"$work/e12c"; rc=$?
check "12: /dev/zero is refused" '[ $rc -eq 2 ] && grep -q "not a regular file" "$work/e12c"'
truncate -s 40M "$work/huge.yaml"
timeout 20 "$bin" validate "$work/huge.yaml" 2>"$work/e12d"; rc=$?
check "12: a 40 MB file is refused with the bound" '[ $rc -eq 2 ] && grep -q "a scenario file may hold at most 33554432 bytes" "$work/e12d"'
"$bin" run "$cf" -r 2 --out "$work/rep" -q "${small[@]}"
rm "$work/rep/runs.csv"; mkfifo "$work/rep/runs.csv"
timeout 20 "$bin" report "$work/rep" 2>"$work/e12e"; rc=$?
check "12: report refuses a FIFO in the results folder" '[ $rc -eq 2 ] && grep -q "not a regular file" "$work/e12e"'
printf 'name: x\nhorizon: 1 year\x00\nmanagers: []\n' > "$work/nul.yaml"
"$bin" validate "$work/nul.yaml" 2>"$work/e12f"; rc=$?
check "10: a NUL byte is refused at its place" '[ $rc -eq 2 ] && grep -q "nul.yaml:2:16: a NUL byte" "$work/e12f"'

# 13. Loading is linear in the file's size: these took minutes before.
python3 - "$work" <<'EOF'
import sys
w = sys.argv[1]
head = "managers:\n  - {name: a, strategy: hunter/attentive/calm}\norganisation: {positions: [100000]}\n"
open(w + "/variants2000.yaml", "w").write(head + "variants:\n" + "".join(f"  v{i}:\n    horizon: {1 + i % 7} years\n" for i in range(2000)))
open(w + "/managers1e5.yaml", "w").write("managers:\n" + "".join(f"  - {{name: m{i}, strategy: hunter/attentive/calm}}\n" for i in range(100000)) + "organisation: {positions: [100000]}\n")
open(w + "/unknown1e6.yaml", "w").write(head + "".join(f"k{i}: 1\n" for i in range(1000000)))
EOF
timeout $T "$bin" validate "$work/variants2000.yaml" >/dev/null; rc=$?
check "13: 2,000 variants load (within a minute; seconds in fact)" '[ $rc -eq 0 ]'
timeout $T "$bin" validate "$work/managers1e5.yaml" >/dev/null; rc=$?
check "13: 100,000 managers load" '[ $rc -eq 0 ]'
timeout $T "$bin" validate "$work/unknown1e6.yaml" 2>"$work/e13"; rc=$?
check "13: a million unknown keys are refused, the message bounded" '[ $rc -eq 2 ] && grep -q "and 999950 more problems" "$work/e13" && [ $(wc -c < "$work/e13") -lt 100000 ]'

# 14. What cannot fit is refused before it runs, with the address-space limit counted.
if [ -z "$sanitized" ]; then
(ulimit -v 3000000; "$bin" run "$src/scenarios/baseline.yaml" --set accounts.initial_prospects=30000000 -r 4 -j 2 --out "$work/mem" -q 2>"$work/e14"); rc=$?
check "14: a run larger than the address-space limit is refused with exit 2, not bad_alloc" '[ $rc -eq 2 ] && grep -q "would need about" "$work/e14" && [ ! -e "$work/mem" ]'
(ulimit -v 3000000; "$bin" run "$src/scenarios/baseline.yaml" -r 200000 -j 2 --out "$work/mem3" -q 2>"$work/e14c"); rc=$?
check "14: the results of -r 200000 replications are counted in the memory check" '[ $rc -eq 2 ] && grep -q "would need about" "$work/e14c" && [ ! -e "$work/mem3" ]'
printf 'extends: %s\nmanagers:\n  - {name: m, count: 9000000, strategy: hunter/attentive/calm}\norganisation: {positions: [9000000]}\n' "$cf" > "$work/many_managers.yaml"
(ulimit -v 3000000; "$bin" run "$work/many_managers.yaml" -r 2 -j 1 --out "$work/mem2" -q 2>"$work/e14b"); rc=$?
check "14: millions of managers are counted in the memory check" '[ $rc -eq 2 ] && grep -q "would need about" "$work/e14b"'
fi

# 16. JSON is written by a library: a quote, a backslash or invalid UTF-8 stays valid JSON.
check "16: every summary.json written here parses" 'for f in "$work"/*/summary.json; do python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$f" || exit 1; done'

# 17. A new user's first hour.
"$bin" run "$src/scenarios/caught_between.yaml" --all-variants --report -r 2 --out "$work/cb" -q; rc=$?
check "17: caught_between --all-variants --report exits 0 and writes the report" '[ $rc -eq 0 ] && [ -s "$work/cb/report.html" ] && [ -s "$work/cb/runs.csv" ]'
"$bin" run "$src/scenarios/caught_between.yaml" -r 2 --out "$work/cb" -q 2>"$work/e17"; rc=$?
check "17: a rerun without --report warns that report.html is stale" '[ $rc -eq 0 ] && grep -q "report.html is from an earlier run" "$work/e17"'

# 19. Options in any order; bundled names like Python's.
"$bin" run --variant all_comply --set accounts.initial_active=40 -r 1 "$cf" --out "$work/o19" -q; rc=$?
check "19: run --variant X --set A=B FILE works" '[ $rc -eq 0 ] && grep -q "^all_comply," "$work/o19/runs.csv"'
(cd "$work" && "$bin" run ann_vs_darren -r 1 --out o19b -q); rc=$?
check "19: run ann_vs_darren (a bundled name) works from any folder" '[ $rc -eq 0 ] && [ -s "$work/o19b/runs.csv" ]'
(cd "$work" && "$bin" explain market_shock >/dev/null); rc=$?
check "19: explain market_shock works" '[ $rc -eq 0 ]'
(cd "$work" && "$bin" explain markt_shock >/dev/null 2>"$work/e19"); rc=$?
check "19: a misspelt bundled name suggests the right one" '[ $rc -eq 2 ] && grep -q "did you mean .market_shock.?" "$work/e19"'

# 20. One replication: the interval is undefined, and shown so.
"$bin" run "$cf" -r 1 --out "$work/one" "${small[@]}" > "$work/o20"
check "20: one replication prints n/a for the interval" 'grep -q "n/a: 1 replication" "$work/o20" && ! grep -q "\[0, 0\]" "$work/o20"'
check "20: summary.json writes null bounds" 'python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s[\"variants\"][\"base\"][\"lost_value\"][\"ci95\"] == [None, None]" "$work/one/summary.json"'

# 21. lost.csv joins managers.csv by name.
check "21: every owner and blamed manager in lost.csv is a manager of managers.csv" 'python3 - "$work/ck_whole" <<EOF
import sys, pandas as pd
d = sys.argv[1]; lost = pd.read_csv(d + "/lost.csv"); m = pd.read_csv(d + "/managers.csv")
names = set(zip(m.variant, m.replication, m.manager))
owners = [(v, r, o) for v, r, o in zip(lost.variant, lost.replication, lost.owner) if isinstance(o, str)]
assert owners and all(x in names for x in owners), "owners not joinable"
EOF'

# 23. Attribution shows its progress and is checkpointed.
"$bin" run "$src/scenarios/market_shock.yaml" -r 3 --attribution --out "$work/at" "${small[@]}" >/dev/null 2>"$work/e23"; rc=$?
check "23: attribution says what it is doing" '[ $rc -eq 0 ] && grep -q "attributing lost value: [0-9]* counterfactual runs per replication" "$work/e23"'
"$bin" run "$src/scenarios/market_shock.yaml" -r 12 -j 1 --attribution --out "$work/at_kill" -q "${small[@]}" & pid=$!
kill_after_checkpoints $pid "$work/at_kill" att 2 1200
kept=$(checkpoints "$work/at_kill" att)
check "23: a run killed during attribution leaves its finished attributions" '[ "$kept" -ge 2 ] && [ ! -e "$work/at_kill/attribution.csv" ]'
"$bin" run "$src/scenarios/market_shock.yaml" -r 12 -j 2 --attribution --out "$work/at_kill" -q "${small[@]}"; rc=$?
"$bin" run "$src/scenarios/market_shock.yaml" -r 12 -j 2 --attribution --out "$work/at_whole" -q "${small[@]}"
check "23: resumed, its attribution.csv equals an uninterrupted run's" '[ $rc -eq 0 ] && cmp -s "$work/at_kill/attribution.csv" "$work/at_whole/attribution.csv"'

# 25. Messages: --set problems located in the --set text; numbers readable; long names cut.
"$bin" explain "$cf" --set "managers.covert.hours_per_week=500" >/dev/null 2>"$work/e25"; rc=$?
check "25: a nested --set problem is placed in the --set" '[ $rc -eq 2 ] && grep -q "^--set managers.covert.hours_per_week=500: hours_per_week: value 500 is out of range" "$work/e25"'
"$bin" explain "$cf" --set "churn.base_rat=0.2 per year" >/dev/null 2>"$work/e25b"; rc=$?
check "25: an unknown key from --set is placed in the --set" 'grep -q "^--set churn.base_rat=0.2 per year: unknown key .churn.base_rat.; did you mean .churn.base_rate.?" "$work/e25b"'
long=$(head -c 100000 /dev/zero | tr '\0' x)
"$bin" run "$cf" -r 1 --variant "$long" --out "$work/long" -q 2>"$work/e25c"; rc=$?
check "25: a 100 kB variant name on the command line is not echoed whole" '[ $rc -eq 2 ] && [ $(wc -c < "$work/e25c") -lt 2000 ]'
python3 -c "import sys; open(sys.argv[1], 'w').write('managers:\n  - {name: a, strategy: hunter/attentive/calm}\norganisation: {positions: [1]}\nvariants:\n  ? ' + 'y' * 1000000 + '\n  : {}\n? ' + 'x' * 1000000 + '\n: 1\n')" "$work/longname.yaml"
"$bin" validate "$work/longname.yaml" 2>"$work/e25d"; rc=$?
check "25: megabyte-long names and keys in a file are not echoed whole" '[ $rc -eq 2 ] && [ $(wc -c < "$work/e25d") -lt 2000 ] && grep -q "(1000000 bytes)" "$work/e25d"'
check "25: no %f ranges in any message" '! grep -h "0\.000000\|1797693" "$work"/e* '

echo "$passed passed, $fail failed"
[ $fail -eq 0 ]
