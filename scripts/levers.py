#!/usr/bin/env python3
"""The workshop's levers, measured: each lever's effect on retention, new business, value and
promotions across its range, on two stories, with paired 95% intervals (common random numbers:
replication r of every setting shares its random streams).

    python3 scripts/levers.py                 # writes docs/levers.md (about two minutes)
    python3 scripts/levers.py --reps 10 -o -  # a quicker table on standard output

The levers are the workshop page's (tools/workshop_page.html, LEVERS), applied as the page applies
them (`--set` paths). tests/python/test_levers.py checks each lever's expected sign over its range
with these functions.
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np
from scipy import stats

import tenure

STORIES = ("ann_vs_darren", "market_shock")
METRICS = ("retention", "new_business", "final_value", "promotions")
METRIC_TEXT = {
    "retention": "yearly client retention (1 - clients lost a year / mean clients)",
    "new_business": "value of clients won over the run",
    "final_value": "value of the book at the end",
    "promotions": "promotions made over the run",
}


@dataclass
class Lever:
    id: str
    label: str
    values: Sequence[Any]
    sets: Callable[[Any], dict]
    # The sign each metric must take as the lever rises (+1 or -1), over the whole range and at
    # no step significantly the other way; metrics left out have no expected sign (the reason
    # is in `why`).
    signs: dict = field(default_factory=dict)
    why: str = ""


def shock(severity: float) -> dict:
    return {"market.shocks": f"[{{at: 24 months, duration: 12 months, severity: {severity}}}]"}


LEVERS = (
    Lever("hunt_share", "Hunt share (of working time)", (0.1, 0.3, 0.5, 0.7, 0.9, 1.0),
          lambda v: {"managers.*.time.hunt_share": v}, {"retention": -1},
          "new business and value are not monotone in hunting: outreach grows with it, but referrals from "
          "a cared-for book shrink, and in both stories referrals bring about half of new business; a book "
          "left without time loses clients"),
    Lever("attentiveness", "Attentiveness (requests answered)", (0.2, 0.4, 0.6, 0.8, 1.0),
          lambda v: {"managers.*.service.answer_probability": v}, {"retention": +1, "final_value": +1}),
    Lever("support", "Support staff", (0, 2, 4, 6, 8, 12),
          lambda v: {"service.support_staff": v}, {"retention": +1, "final_value": +1}),
    Lever("supervision", "Supervision checkpoints", (False, True),
          lambda v: {"supervision.enabled": v}, {"retention": +1, "final_value": +1}),
    Lever("urgency", "Near quarter end (calm, urgent)", ("calm", "urgent"),
          lambda v: {"managers.*.pressure": v}, {"retention": -1, "final_value": -1}),
    Lever("shock_severity", "Market shock: severity (at month 24, for a year)", (0.0, 0.3, 0.6, 0.9),
          shock, {"retention": -1, "final_value": -1}),
    Lever("promotion", "Promotion policy", ("new_business", "total_value", "best_retained", "random"),
          lambda v: {"organisation.promotion": "{name: best, metric: retained_value}" if v == "best_retained" else v},
          {}, "a choice, not a scale: no sign; it matters only where there is more than one level"),
)


def metrics(res: "tenure.Results") -> dict:
    """Per replication: the four measures, as arrays ordered by replication."""
    ts = res.timeseries
    by = ts.groupby("replication", observed=True)
    months = by["month"].count().to_numpy()
    years = months / 12.0
    lost = by["churned"].sum().to_numpy()
    mean_clients = by["active_accounts"].mean().to_numpy()
    out = {
        "retention": 1.0 - lost / np.maximum(mean_clients, 1.0) / years,
        "new_business": by["new_business"].sum().to_numpy(),
        "final_value": by["value"].last().to_numpy(),
        "promotions": res.managers.groupby("replication", observed=True)["promotions"].sum().to_numpy().astype(float),
    }
    return out


def measure(story: str, lever: Lever, reps: int, threads: int = 0) -> list[dict]:
    """The lever's values on a story: each value's means, and its paired difference with the
    first value and with the value before, as (mean, low, high) of a 95% t-interval."""
    base = tenure.load(story)
    rows, first, prev = [], None, None
    for v in lever.values:
        sc = base.with_overrides(lever.sets(v))
        m = metrics(tenure.run(sc, replications=reps, threads=threads))
        row = {"value": v, "mean": {k: float(np.mean(x)) for k, x in m.items()}}
        row["vs_first"] = {k: interval(m[k] - first[k]) for k in m} if first else None
        row["vs_prev"] = {k: interval(m[k] - prev[k]) for k in m} if prev else None
        rows.append(row)
        first = first or m
        prev = m
    return rows


def interval(d: np.ndarray) -> tuple[float, float, float]:
    n = len(d)
    mean = float(np.mean(d))
    if n < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, n - 1) * np.std(d, ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def sign_problems(lever: Lever, by_story: dict) -> list[str]:
    """What contradicts the lever's expected signs: a step significantly against the expected
    direction on any story, or the whole range not significantly in it on at least one story (a
    lever may do nothing on a story where it does not bite, such as urgency where nobody falls
    behind quota: that is reported in the table, not hidden)."""
    problems = []
    for metric, sign in lever.signs.items():
        moved = False
        for story, rows in by_story.items():
            total = rows[-1]["vs_first"][metric]
            moved |= total[1] > 0 if sign > 0 else total[2] < 0
            for r in rows[1:]:
                step = r["vs_prev"][metric]
                if step[2] < 0 if sign > 0 else step[1] > 0:
                    problems.append(f"{story}/{lever.id}: {metric} at {r['value']} moves against the lever by {fmt(step)}")
        if not moved:
            problems.append(f"{lever.id}: {metric} does not move {'up' if sign > 0 else 'down'} significantly over the "
                            f"range on any story")
    return problems


def fmt(x: tuple[float, float, float]) -> str:
    def h(v: float) -> str:
        a = abs(v)
        if a >= 1e9:
            return f"{v / 1e9:.2f}B"
        if a >= 1e6:
            return f"{v / 1e6:.1f}M"
        if a >= 100:
            return f"{v:.0f}"
        return f"{v:.3f}"
    return f"{h(x[0])} [{h(x[1])}, {h(x[2])}]"


def markdown(results: dict, reps: int) -> str:
    out = ["# Levers: what each workshop lever does, measured",
           "",
           "Generated by `python3 scripts/levers.py` (do not edit by hand). Each lever of the workshop page is",
           f"set across its range on two stories, {reps} replications per setting, and every setting shares",
           "its random numbers with the others (common random numbers), so the differences are paired: each",
           "cell is the mean change from the lever's first setting with its 95% t-interval. Measures:",
           ""]
    out += [f"- **{k}**: {v}" for k, v in METRIC_TEXT.items()]
    out += ["", "Expected signs, checked by `tests/python/test_levers.py`: no step significantly against the",
            "expected direction on either story, and the whole range significantly in it on at least one (a",
            "lever may not bite on a story: urgency where nobody falls behind quota):", ""]
    for lv in LEVERS:
        signs = ", ".join(f"{k} {'up' if s > 0 else 'down'}" for k, s in lv.signs.items()) or "none"
        out.append(f"- {lv.label}: {signs}" + (f" ({lv.why})" if lv.why else ""))
    for story, levers in results.items():
        out += ["", f"## {story}", ""]
        for lv in LEVERS:
            rows = levers[lv.id]
            out += [f"### {lv.label}", "", "| setting | " + " | ".join(METRICS) + " |",
                    "|---|" + "---|" * len(METRICS)]
            for r in rows:
                cells = [fmt((r["mean"][k], r["mean"][k], r["mean"][k])).split(" [")[0] if r["vs_first"] is None
                         else fmt(r["vs_first"][k]) for k in METRICS]
                label = f"{r['value']} (reference)" if r["vs_first"] is None else str(r["value"])
                out.append(f"| {label} | " + " | ".join(cells) + " |")
            out.append("")
    return "\n".join(out) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("-o", "--out", default="docs/levers.md", help="output file, or - for standard output")
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args(argv)
    results, problems = {story: {} for story in STORIES}, []
    for lv in LEVERS:
        for story in STORIES:
            results[story][lv.id] = measure(story, lv, a.reps, a.threads)
        problems += sign_problems(lv, {story: results[story][lv.id] for story in STORIES})
    text = markdown(results, a.reps)
    if problems:
        text += "\n## Signs not as expected\n\n" + "\n".join(f"- {p}" for p in problems) + "\n"
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)
    for p in problems:
        print("sign:", p, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
