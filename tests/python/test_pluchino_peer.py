"""Docking by two implementations: Pluchino, Rapisarda and Garofalo's (2010) promotion model
written here from the paper's rules alone, in plain Python, against tenure running
scenarios/peter_principle.yaml. Each strategy's efficiency gain (years 100 to 300 against the
efficiency after the first yearly step, as in tests/validation/test_pluchino.cpp) must agree
within 4 standard errors of the difference. The two share no code and no random numbers.
docs/validation.md gives the figures."""
import math
from pathlib import Path

import numpy as np
import pytest

import tenure

SIZES = [81, 41, 21, 11, 5, 1]        # bottom to top
WEIGHTS = [0.2, 0.4, 0.6, 0.8, 0.9, 1.0]
YEARS, LATE_FROM, REPS = 300, 100, 8


def _truncated_normal(rng, mean, sd, lo, hi):
    while True:
        x = rng.normal(mean, sd)
        if lo <= x <= hi:
            return x


def _peer_gain(strategy: str, redrawn: bool, seed: int) -> float:
    """One run of the paper's model; competence on its 1-10 scale."""
    rng = np.random.default_rng(seed)
    hire = lambda: [_truncated_normal(rng, 7, 2, 1, 10), _truncated_normal(rng, 25, 5, 18, 60)]
    levels = [[hire() for _ in range(n)] for n in SIZES]

    def efficiency():
        return sum(w * sum(c for c, _ in lv) for w, lv in zip(WEIGHTS, levels))

    series = []
    for _ in range(YEARS):
        for i, lv in enumerate(levels):  # a year older; dismissal below 4, retirement after 60
            for agent in lv:
                agent[1] += 1
            levels[i] = [a for a in lv if a[0] >= 4 and a[1] <= 60]
        for i in range(len(SIZES) - 1, 0, -1):  # vacancies filled top-down from the level below
            below = levels[i - 1]
            while len(levels[i]) < SIZES[i] and below:
                pick = strategy
                if strategy == "alternating":
                    pick = "best" if rng.random() < 0.5 else "worst"
                if pick == "best":
                    k = max(range(len(below)), key=lambda j: below[j][0])
                elif pick == "worst":
                    k = min(range(len(below)), key=lambda j: below[j][0])
                else:
                    k = int(rng.integers(len(below)))
                agent = below.pop(k)
                agent[0] = (_truncated_normal(rng, 7, 2, 1, 10) if redrawn
                            else min(10.0, max(1.0, agent[0] + rng.uniform(-1, 1))))
                levels[i].append(agent)
        while len(levels[0]) < SIZES[0]:  # the bottom hired last
            levels[0].append(hire())
        series.append(efficiency())
    return 100.0 * (np.mean(series[LATE_FROM:]) / series[0] - 1.0)


CASES = {  # tenure variant -> (strategy, competence redrawn on promotion)
    "base": ("best", True), "ph_worst": ("worst", True), "ph_random": ("random", True),
    "ph_alternating": ("alternating", True), "cs_best": ("best", False), "cs_worst": ("worst", False),
    "cs_random": ("random", False), "cs_alternating": ("alternating", False),
}


@pytest.fixture(scope="module")
def tenure_gains():
    sc = tenure.load(str(Path(__file__).resolve().parents[2] / "scenarios" / "peter_principle.yaml")).with_overrides({"experiment.horizon": f"{YEARS} years"})
    ts = tenure.run(sc, replications=REPS, variants="all", threads=2).table("timeseries")
    gains = {}
    for variant, rows in ts.groupby("variant"):
        g = []
        for _, run in rows.groupby("replication"):
            e = run.sort_values("month")["effectiveness"].to_numpy()
            # Month 11 holds the first yearly review: the paper's first step.
            g.append(100.0 * (e[12 * LATE_FROM:].mean() / e[11] - 1.0))
        gains[variant] = np.array(g)
    return gains


def _mean_se(x):
    return x.mean(), x.std(ddof=1) / math.sqrt(len(x))


@pytest.mark.parametrize("variant", list(CASES))
def test_tenure_and_an_independent_implementation_agree(variant, tenure_gains):
    strategy, redrawn = CASES[variant]
    peer = np.array([_peer_gain(strategy, redrawn, 1000 + r) for r in range(REPS)])
    (tm, ts), (pm, ps) = _mean_se(tenure_gains[variant]), _mean_se(peer)
    print(f"{variant}: tenure {tm:.1f} ± {ts:.1f}, peer {pm:.1f} ± {ps:.1f}")
    assert abs(tm - pm) < 4 * math.hypot(ts, ps), (variant, tm, ts, pm, ps)


def test_the_comparison_can_fail(tenure_gains):
    # The peer with the other hypothesis is told apart from tenure's best under Peter's.
    peer = np.array([_peer_gain("best", False, 1000 + r) for r in range(REPS)])
    (tm, ts), (pm, ps) = _mean_se(tenure_gains["base"]), _mean_se(peer)
    assert abs(tm - pm) > 4 * math.hypot(ts, ps)
