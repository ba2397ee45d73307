#!/usr/bin/env bash
# CLI tests: exit codes, output files, nothing written on bad input, identical results for
# any thread count. Usage: test_cli.sh TENURE_BINARY SOURCE_DIR
set -uo pipefail
bin=$(realpath "$1"); src=$(realpath "$2")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fail=0; passed=0
source "$(dirname "$0")/lib.sh"

"$bin" run "$src/tests/data/bad/unknown_strategy.yaml" --out "$work/bad" -q 2>"$work/err"; rc=$?
check "bad scenario exits 2" '[ $rc -eq 2 ]'
check "bad scenario names file:line:column and suggests" 'grep -q "unknown_strategy.yaml:4:15: unknown time allocation .huntr.; did you mean .hunter.?" "$work/err"'
check "bad scenario writes nothing" '[ ! -e "$work/bad" ]'

"$bin" run "$src/scenarios/covert_farmer.yaml" --all-variants -r 4 -j 1 --out "$work/j1" -q; rc1=$?
"$bin" run "$src/scenarios/covert_farmer.yaml" --all-variants -r 4 -j 2 --out "$work/j2" -q; rc2=$?
check "run exits 0" '[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]'
for f in timeseries.csv managers.csv lost.csv attribution.csv summary.json scenario.effective.yaml; do
  check "$f written" '[ -s "$work/j1/$f" ]'
  check "$f identical with 1 and 2 threads" 'cmp -s "$work/j1/$f" "$work/j2/$f"'
done
check "timeseries has a row per variant, replication and month (2 x 4 x 48 + header)" '[ $(wc -l < "$work/j1/timeseries.csv") -eq 385 ]'
check "summary has paired differences" 'grep -q "\"paired_differences_vs_base\"" "$work/j1/summary.json" && grep -q "\"all_comply\"" "$work/j1/summary.json"'

"$bin" run "$src/scenarios/covert_farmer.yaml" --variant nosuch -r 1 --out "$work/nv" -q 2>"$work/err2"; rc=$?
check "unknown variant exits 2 with the known ones" '[ $rc -eq 2 ] && grep -q "known: base, all_comply" "$work/err2"'
"$bin" run --replications 0 "$src/scenarios/covert_farmer.yaml" -q 2>/dev/null; rc=$?
check "bad option exits 2" '[ $rc -eq 2 ]'
"$bin" validate "$src"/scenarios/*.yaml >/dev/null; rc=$?
check "validate accepts the bundled scenarios" '[ $rc -eq 0 ]'
"$bin" list policies | grep -q alternating; check "list policies" '[ $? -eq 0 ]'
"$bin" list blame-rules | grep -q weakest_performer; check "list blame-rules" '[ $? -eq 0 ]'
"$bin" list order-rules | grep -q "none built in"; check "list order-rules (none built in)" '[ $? -eq 0 ]'

"$bin" run "$src/scenarios/market_shock.yaml" -r 2 --attribution --out "$work/at" -q; rc=$?
check "attribution run exits 0" '[ $rc -eq 0 ]'
check "attribution.csv has Shapley rows for the support cut and blame rows" 'grep -q ",shapley,support_cut," "$work/at/attribution.csv" && grep -q ",blame,John," "$work/at/attribution.csv"'

check "attribution.csv has blame and recorded-cause rows without --attribution" 'grep -q ",recorded_cause," "$work/j1/attribution.csv" && grep -q ",blame," "$work/j1/attribution.csv"'
# experiment.outputs chooses the tables.
printf 'extends: %s\nexperiment:\n  outputs: [summary]\n' "$src/scenarios/covert_farmer.yaml" > "$work/only_summary.yaml"
"$bin" run "$work/only_summary.yaml" -r 2 --out "$work/os" -q; rc=$?
check "outputs: [summary] writes only the summary and the effective scenario" '[ $rc -eq 0 ] && [ -s "$work/os/summary.json" ] && [ ! -e "$work/os/timeseries.csv" ] && [ -s "$work/os/scenario.effective.yaml" ]'
printf 'extends: %s\nexperiment:\n  outputs: [timeseries, sumary]\n' "$src/scenarios/covert_farmer.yaml" > "$work/bad_outputs.yaml"
"$bin" validate "$work/bad_outputs.yaml" 2>"$work/err5"; rc=$?
check "an unknown output is refused with a suggestion" '[ $rc -eq 2 ] && grep -q "bad_outputs.yaml:3:25: unknown output .sumary.; did you mean .summary.?" "$work/err5"'

# The effective scenario reproduces the run exactly.
"$bin" run "$src/scenarios/covert_farmer.yaml" --all-variants -r 3 --out "$work/e1" -q
"$bin" run "$work/e1/scenario.effective.yaml" --all-variants --out "$work/e2" -q; rc=$?
check "effective scenario runs" '[ $rc -eq 0 ]'
for f in timeseries.csv managers.csv lost.csv; do
  check "re-running scenario.effective.yaml gives an identical $f" 'cmp -s "$work/e1/$f" "$work/e2/$f"'
done
check "effective scenario carries its hash" 'grep -q "^# hash [0-9a-f]\{16\}$" "$work/e1/scenario.effective.yaml"'

# --set overrides a record everywhere, and is checked like the file.
"$bin" run "$src/scenarios/covert_farmer.yaml" -r 3 --set "churn.base_rate=0.6 per year" --out "$work/s1" -q; rc=$?
check "--set runs" '[ $rc -eq 0 ]'
check "--set changes the results" '! cmp -s "$work/e1/lost.csv" "$work/s1/lost.csv"'
check "--set is recorded in the effective scenario" 'grep -q "base_rate: 0.0016427104722792608 per day" "$work/s1/scenario.effective.yaml"'
"$bin" run "$src/scenarios/covert_farmer.yaml" -r 1 --set "churn.base_rat=0.6 per year" --out "$work/s2" -q 2>"$work/err3"; rc=$?
check "--set with an unknown key exits 2, suggests, writes nothing" '[ $rc -eq 2 ] && grep -q "did you mean .churn.base_rate." "$work/err3" && [ ! -e "$work/s2" ]'
"$bin" run "$src/scenarios/covert_farmer.yaml" -r 1 --set "churn.base_rate=0.6" --out "$work/s3" -q 2>"$work/err4"; rc=$?
check "--set with a rate without unit exits 2" '[ $rc -eq 2 ] && grep -q "expected a rate like" "$work/err4"'

# The catalog of bad files: each states the messages it must produce ("# expect: ...").
for f in "$src"/tests/data/bad/*.yaml; do
  name=$(basename "$f")
  (cd "$src/tests/data/bad" && "$bin" validate "$name") >"$work/out" 2>"$work/err"; rc=$?
  check "$name exits 2" '[ $rc -eq 2 ]'
  while IFS= read -r line; do
    expect=${line#\# expect: }
    check "$name says: $expect" 'grep -qF -- "$expect" "$work/err"'
  done < <(grep "^# expect: " "$f")
done

# Every YAML example in docs/scenario-format.md is a valid scenario.
mkdir -p "$work/docs"
python3 -c "
import re, sys
text = open(sys.argv[1]).read()
for i, block in enumerate(re.findall(r'\`\`\`yaml\n(.*?)\`\`\`', text, re.S)):
    open(sys.argv[2] + '/example%d.yaml' % i, 'w').write(block)
" "$src/docs/scenario-format.md" "$work/docs"
n_examples=$(ls "$work/docs" | wc -l)
check "docs/scenario-format.md has examples" '[ $n_examples -ge 5 ]'
ln -s "$src/scenarios" "$work/scenarios"  # `extends` paths in the examples are relative to docs/
for f in "$work"/docs/*.yaml; do
  "$bin" validate "$f" >/dev/null 2>"$work/docerr"; rc=$?
  check "docs example $(basename "$f") validates" '[ $rc -eq 0 ]'
  [ $rc -eq 0 ] || cat "$work/docerr"
done

# The reference in docs/ is generated from the records and must be current.
"$bin" schema --markdown > "$work/scenarios.md"
check "docs/scenarios.md is current (regenerate: tenure schema --markdown > docs/scenarios.md)" 'cmp -s "$work/scenarios.md" "$src/docs/scenarios.md"'
"$bin" describe "$src/scenarios/baseline.yaml" --odd -o "$work/odd.md"
check "docs/odd.md is current (regenerate: tenure describe scenarios/baseline.yaml --odd -o docs/odd.md)" 'cmp -s "$work/odd.md" "$src/docs/odd.md"'
"$bin" schema --sources > "$work/sources.md"
check "docs/model.md holds the current sources table (tenure schema --sources)" 'python3 -c "import sys; sys.exit(0 if open(sys.argv[1]).read() in open(sys.argv[2]).read() else 1)" "$work/sources.md" "$src/docs/model.md"'
check "the ODD has its seven sections" '[ $(grep -c "^## [1-7]\. " "$work/odd.md") -eq 7 ]'
"$bin" describe "$src/scenarios/market_shock.yaml" --odd > "$work/odd_ms.md"
check "the ODD lists a scenario's scheduled inputs and its own values" 'grep -q "a market shock at day 730" "$work/odd_ms.md" && grep -q "| \`service.support_staff\` | \*\*" "$work/odd_ms.md"'
"$bin" describe "$src/scenarios/nosuch.yaml" --odd >/dev/null 2>"$work/odd.err"; rc=$?
check "describe of a missing file exits 2" '[ $rc -eq 2 ]'

"$bin" schema --columns > "$work/outputs.md"
check "docs/outputs.md is current (regenerate: tenure schema --columns > docs/outputs.md)" 'cmp -s "$work/outputs.md" "$src/docs/outputs.md"'
# Every column the run writes is declared (and so documented), in the declared order.
"$bin" run "$src/scenarios/baseline.yaml" -r 1 -q -o "$work/cols" --set record_accounts=true >/dev/null
for f in timeseries managers lost; do
  header=$(head -1 "$work/cols/$f.csv" | tr ',' ' ' | sed 's/^variant replication //')
  documented=$(awk -v f="$f.csv" '/^## /{on = index($0, "`" f "`") > 0; next} on && /^\| `/{split($0, a, "`"); printf "%s ", a[2]}' "$src/docs/outputs.md" | sed 's/ $//')
  check "$f.csv columns are the declared ones" '[ "$header" = "$documented" ]'
done
# The bundled scenarios satisfy the JSON Schema (when python3 has jsonschema and yaml).
if python3 -c "import jsonschema, yaml" 2>/dev/null; then
  "$bin" schema > "$work/schema.json"
  python3 -c "import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
for f in sys.argv[2:]:
    jsonschema.validate(yaml.safe_load(open(f)), schema)" "$work/schema.json" "$src"/scenarios/*.yaml >"$work/schema.out" 2>&1; rc=$?
  check "bundled scenarios validate against tenure schema" '[ $rc -eq 0 ]'
  [ $rc -eq 0 ] || cat "$work/schema.out"
fi

# Per-account rows and histories when the scenario records them.
"$bin" run "$src/scenarios/caught_between.yaml" -r 2 --out "$work/cb" -q; rc=$?
check "caught_between writes accounts.csv and account_events.csv" '[ $rc -eq 0 ] && [ -s "$work/cb/accounts.csv" ] && grep -q ",no-contact order," "$work/cb/account_events.csv"'

# A run longer than a second shows a progress bar with an ETA on a terminal, and none otherwise.
if command -v script >/dev/null 2>&1; then
  script -qec "\"$bin\" run \"$src/scenarios/baseline.yaml\" -r 60 -j 1 --out \"$work/pb\" >/dev/null" /dev/null >"$work/tty.out" 2>&1
  check "progress bar with ETA on a terminal" 'grep -q "ETA" "$work/tty.out"'
fi
"$bin" run "$src/scenarios/baseline.yaml" -r 60 -j 1 --out "$work/pb2" >/dev/null 2>"$work/notty.err"
check "no progress bar when stderr is not a terminal" '[ ! -s "$work/notty.err" ]'

# The report: one self-contained page from a results folder.
"$bin" run "$src/scenarios/market_shock.yaml" --all-variants -r 3 --set "experiment.horizon=3 years" --attribution --report --out "$work/rp" -q; rc=$?
check "run --report writes report.html" '[ $rc -eq 0 ] && [ -s "$work/rp/report.html" ] && [ -s "$work/rp/runs.csv" ]'
check "report tells the story and draws charts" 'grep -q "a boom, a shock" "$work/rp/report.html" && [ $(grep -o "<svg" "$work/rp/report.html" | wc -l) -ge 8 ]'
check "report has paired differences, scorecards and attribution beside blame" 'grep -q "supervised &minus; base" "$work/rp/report.html" && grep -q "look at their numbers" "$work/rp/report.html" && grep -q "What caused the losses (Shapley values)" "$work/rp/report.html" && grep -q "Whom the rule blames" "$work/rp/report.html"'
check "report needs no network (no external src or href, no script)" '! grep -Eq "(src|href)=.?https?:|<script" "$work/rp/report.html"'
"$bin" report "$work/rp" -o "$work/again.html"; rc=$?
check "tenure report remakes the same page" '[ $rc -eq 0 ] && cmp -s "$work/rp/report.html" "$work/again.html"'
"$bin" report "$work/nosuch" -o "$work/x.html" 2>"$work/err5"; rc=$?
check "report of a missing folder exits 2, writes nothing" '[ $rc -eq 2 ] && grep -q "not a results folder" "$work/err5" && [ ! -e "$work/x.html" ]'
mkdir -p "$work/broken" && cp "$work/rp/"*.csv "$work/rp/scenario.effective.yaml" "$work/broken/" && rm "$work/broken/runs.csv"
"$bin" report "$work/broken" 2>"$work/err6"; rc=$?
check "report of a folder without runs.csv names the file" '[ $rc -eq 2 ] && grep -q "runs.csv: cannot read" "$work/err6"'

# Resource limits: refused early, with a reason, and nothing written.
"$bin" run "$src/scenarios/baseline.yaml" --set accounts.initial_prospects=500000000 --set "service.problem_rate=0.1 per year" -r 2 --out "$work/big" -q 2>"$work/err7"; rc=$?
check "a scenario larger than memory is refused before it runs" '[ $rc -eq 2 ] && grep -q "would need about .* GiB .* available" "$work/err7" && [ ! -e "$work/big" ]'
"$bin" run "$src/scenarios/baseline.yaml" --set accounts.initial_prospects=20000000 --set "service.problem_rate=0.9 per day" -r 1 --out "$work/storm" -q 2>"$work/err8"; rc=$?
check "an event storm is refused before it runs" '[ $rc -eq 2 ] && grep -q "billion events per replication" "$work/err8" && [ ! -e "$work/storm" ]'

# A run killed with SIGKILL resumes: the same command keeps the finished replications and ends
# with the files of an uninterrupted run.
"$bin" run "$src/scenarios/baseline.yaml" -r 40 -j 1 --out "$work/kill" -q & pid=$!
kill_after_checkpoints $pid "$work/kill" bin 5
kept=$(checkpoints "$work/kill" bin)
check "a killed run leaves finished replications and no half-written results" '[ "$kept" -ge 5 ] && [ "$kept" -lt 40 ] && [ ! -e "$work/kill/timeseries.csv" ]'
"$bin" run "$src/scenarios/baseline.yaml" -r 40 -j 1 --out "$work/kill" >/dev/null 2>"$work/err9"; rc=$?
check "the same command resumes" '[ $rc -eq 0 ] && grep -q "resuming: [0-9]* replications finished by an interrupted run are kept" "$work/err9"'
"$bin" run "$src/scenarios/baseline.yaml" -r 40 -j 2 --out "$work/whole" -q
for f in timeseries.csv managers.csv lost.csv runs.csv summary.json attribution.csv scenario.effective.yaml; do
  check "resumed $f identical to an uninterrupted run" 'cmp -s "$work/kill/$f" "$work/whole/$f"'
done
check "checkpoints are removed once the results are written" '[ ! -e "$work/kill/.partial" ]'

# Snapshot and fork: continuing the base from a snapshot gives the uninterrupted run's files;
# forks at the shock try responses; a snapshot restored from a file survives 1 or 2 threads.
"$bin" snapshot "$src/scenarios/market_shock.yaml" --at "24 months" -r 3 -j 2 -o "$work/shock.snap" -q; rc=$?
check "snapshot exits 0 and writes the file" '[ $rc -eq 0 ] && [ -s "$work/shock.snap" ]'
"$bin" snapshot "$src/scenarios/market_shock.yaml" --at "24 months" -r 3 -j 1 -o "$work/shock1.snap" -q
check "the snapshot file does not depend on the thread count" 'cmp -s "$work/shock.snap" "$work/shock1.snap"'
"$bin" fork "$work/shock.snap" --variant base -j 1 -o "$work/fork_base" -q; rc=$?
"$bin" run "$src/scenarios/market_shock.yaml" -r 3 -o "$work/run_base" -q
check "fork exits 0" '[ $rc -eq 0 ]'
for f in timeseries.csv managers.csv lost.csv runs.csv; do
  check "fork of the base: $f identical to the uninterrupted run" 'cmp -s "$work/fork_base/$f" "$work/run_base/$f"'
done
"$bin" fork "$work/shock.snap" --all-variants -j 2 -o "$work/fork_all" >"$work/fork_out"; rc=$?
check "fork into every variant prints paired differences" '[ $rc -eq 0 ] && grep -q "forked at day 730.5" "$work/fork_out" && grep -q "supervised  *lost_value" "$work/fork_out"'
check "fork writes rows for the three variants" '[ $(cut -d, -f1 "$work/fork_all/runs.csv" | sort -u | grep -c -E "^(base|supervised|no_support_cut)$") -eq 3 ]'
# Responses defined in another file (one that extends the story) are tried with --scenario.
printf 'extends: %s\nvariants:\n  coach:\n    supervision: {enabled: true, action: coach}\n' "$src/scenarios/market_shock.yaml" > "$work/responses.yaml"
"$bin" fork "$work/shock.snap" --scenario "$work/responses.yaml" --variant base --variant coach -o "$work/fork_resp" -q; rc=$?
check "fork --scenario takes the responses from another file" '[ $rc -eq 0 ] && [ $(grep -c "^coach," "$work/fork_resp/runs.csv") -eq 3 ] && cmp -s <(grep "^base," "$work/fork_resp/runs.csv") <(grep "^base," "$work/run_base/runs.csv")'
"$bin" fork "$work/shock.snap" --set accounts.initial_active=10 -o "$work/fork_bad" -q 2>"$work/err10"; rc=$?
check "a fork that changes the past is refused with the reason, nothing written" '[ $rc -eq 2 ] && grep -q "accounts.initial_active is 600 in the snapshot but 10 here" "$work/err10" && [ ! -e "$work/fork_bad/runs.csv" ]'
head -c 1000 "$work/shock.snap" > "$work/cut.snap"
"$bin" fork "$work/cut.snap" -o "$work/fork_cut" -q 2>"$work/err11"; rc=$?
check "a truncated snapshot is refused" '[ $rc -eq 2 ] && grep -q "cut.snap: damaged snapshot" "$work/err11"'
"$bin" snapshot "$src/scenarios/market_shock.yaml" --at "9 years" -o "$work/late.snap" -q 2>"$work/err12"; rc=$?
check "a snapshot after the horizon is refused" '[ $rc -eq 2 ] && grep -q "outside the run" "$work/err12" && [ ! -e "$work/late.snap" ]'
"$bin" snapshot "$src/scenarios/baseline.yaml" --at "1 year" --set accounts.initial_prospects=500000000 --set "service.problem_rate=0.1 per year" -r 2 -o "$work/big.snap" -q 2>"$work/err13"; rc=$?
check "a snapshot larger than memory is refused before it runs" '[ $rc -eq 2 ] && grep -q "would need about .* GiB .* available" "$work/err13" && [ ! -e "$work/big.snap" ]'

# --precision: replications are added until every mean is within the target; a bad target is refused.
"$bin" run "$src/scenarios/covert_farmer.yaml" -r 4 --precision 10% --out "$work/prec" -q 2>"$work/prec.err"; rc=$?
check "--precision exits 0" '[ $rc -eq 0 ]'
check "--precision ran more than the 4 asked first" '[ $(grep -c "^base," "$work/prec/runs.csv") -gt 4 ]'
check "--precision is recorded in the effective scenario and summary" 'grep -q "precision: 0.1" "$work/prec/scenario.effective.yaml" && grep -q "\"precision_target\": 0.1" "$work/prec/summary.json"'
"$bin" run "$src/scenarios/covert_farmer.yaml" -r 4 --precision 0 --out "$work/prec0" -q 2>"$work/prec0.err"; rc=$?
check "--precision 0 exits 2 naming the key" '[ $rc -eq 2 ] && grep -q "experiment.precision: expected a relative precision" "$work/prec0.err" && [ ! -e "$work/prec0" ]'
"$bin" run "$src/scenarios/covert_farmer.yaml" -r 4 --precision 5% --precision-metric nosuch --out "$work/precm" -q 2>"$work/precm.err"; rc=$?
check "--precision-metric with an unknown metric exits 2" '[ $rc -eq 2 ] && grep -q "unknown metric" "$work/precm.err" && [ ! -e "$work/precm" ]'
"$bin" run "$src/scenarios/covert_farmer.yaml" -r 4 --precision 0.1% --max-replications 6 --out "$work/precx" -q 2>"$work/precx.err"; rc=$?
check "--max-replications stops with a warning and writes" '[ $rc -eq 0 ] && grep -q "still needs" "$work/precx.err" && [ $(grep -c "^base," "$work/precx/runs.csv") -eq 6 ]'
check "summary.json has the warm-up and what common random numbers bought" 'grep -q "\"warm_up\"" "$work/j1/summary.json" && grep -q "\"variance_reduction\"" "$work/j1/summary.json" && grep -q "\"holm\"" "$work/j1/summary.json"'

# Provenance: manifest.json records the build, the command and every file's hash; verify runs it again.
check "manifest.json written with the command, the build and file hashes" 'grep -q "\"invocation\": \".*run .*covert_farmer.yaml" "$work/j1/manifest.json" && grep -q "\"commit\"" "$work/j1/manifest.json" && grep -q "\"timeseries.csv\": \"[0-9a-f]\{16\}\"" "$work/j1/manifest.json"'
"$bin" verify "$work/j1" > "$work/verify.out"; rc=$?
check "verify of an untouched folder exits 0" '[ $rc -eq 0 ] && grep -q "verified: every file is the same" "$work/verify.out"'
cp -r "$work/j1" "$work/j1t"; echo "base,99,0,0,0,0,0,0,0" >> "$work/j1t/runs.csv"
"$bin" verify "$work/j1t" > "$work/verify2.out"; rc=$?
check "verify of a changed folder exits 1 and names the file" '[ $rc -eq 1 ] && grep -q "runs.csv  (the folder.s copy changed" "$work/verify2.out"'
"$bin" verify "$work/nosuch" 2>"$work/verify3.err"; rc=$?
check "verify without a manifest exits 2" '[ $rc -eq 2 ] && grep -q "no manifest" "$work/verify3.err"'

echo "$passed passed, $fail failed"
[ $fail -eq 0 ]
