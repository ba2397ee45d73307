"""The hand-written slice programs (bench/peers/slice_hand.cpp) against tenure on
bench/peers/slice.yaml: the plain program (the benchmark's reference for the limit) and the same
with keyed draws and events in time order (`--events`, the measure of what those commitments
cost). Each of the six outputs bench/peers/compare.py compares must agree with tenure's within
4 standard errors of the difference of means, so that the instruction and time ratios in
bench/RESULTS.md compare programs that do the same work. Fixed seeds: the test cannot flake."""
import json
import math
import statistics
import subprocess
import sys

import pytest

import tenure

REPS = 200
METRICS = ["final_active", "churned", "new_clients", "requests", "final_mean_satisfaction", "mean_response_days"]


@pytest.fixture(scope="module")
def setup(root, tmp_path_factory):
    sys.path.insert(0, str(root / "bench/peers"))
    import slice_peers

    exe = root / "build/bench/bench_peer_slice_hand"
    if not exe.exists():
        pytest.fail(f"{exe}: not built (bash scripts/build.sh builds the benchmarks)")
    yaml_path = str(root / "bench/peers/slice.yaml")
    params = tmp_path_factory.mktemp("slice") / "slice.json"
    params.write_text(json.dumps(slice_peers.params(yaml_path)))
    res = tenure.run(tenure.load(yaml_path), replications=REPS, threads=0, seed=23)
    g = res.timeseries.groupby("replication")
    ours = {"final_active": list(g.active_accounts.last()), "churned": list(g.churned.sum()),
            "new_clients": list(g.new_clients.sum()), "requests": list(g.requests.sum()),
            "final_mean_satisfaction": list(g.mean_satisfaction.last()),
            "mean_response_days": list(g.mean_response_days.mean())}
    return exe, params, ours


def _hand(exe, params, *extra):
    out = subprocess.run([str(exe), str(params), "--seed", "31", "--reps", str(REPS), *extra],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize("mode", [[], ["--events"]], ids=["plain", "keyed-draws-and-events"])
def test_hand_written_slice_agrees_with_tenure(setup, mode):
    exe, params, ours = setup
    rows = _hand(exe, params, *mode)
    assert len(rows) == REPS
    for m in METRICS:
        a, b = ours[m], [r[m] for r in rows]
        se = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
        diff = statistics.mean(b) - statistics.mean(a)
        assert abs(diff) <= 4 * se, f"{m}: hand-written {statistics.mean(b):.5g} against tenure {statistics.mean(a):.5g} (4 se = {4 * se:.3g})"


def test_hand_written_slice_refuses_unknown_arguments(setup):
    exe, params, _ = setup
    r = subprocess.run([str(exe), str(params), "--evnts"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown or incomplete argument --evnts" in r.stderr
