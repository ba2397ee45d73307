"""Strategies written in Python (issue 19 targets), printed as markdown:

1. The baseline scenario with every built-in time allocation replaced by a Python function that
   returns the same share (py_hunter 0.8, py_farmer 0.2, py_balanced 0.5), against the built-in
   one: first checked to give the same tables, then timed interleaved, one thread each, medians.
2. The same Python-strategy baseline on 1 and on 2 threads (each Python call takes the GIL; the
   simulation between calls does not hold it).

Usage: python3 bench/python_hooks_bench.py [--reps N] [--repeat N]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

import tenure

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = '''
import tenure

def fixed(name, share):
    @tenure.strategy(name, part="time",
                     params={"hunt_share": tenure.param(share, min=0, max=1, description="share of time hunting")})
    def decide(view, p):
        return {"hunt_share": p["hunt_share"]}

fixed("py_hunter", 0.8)
fixed("py_farmer", 0.2)
fixed("py_balanced", 0.5)
'''


def python_baseline(folder: Path) -> Path:
    (folder / "fixed.py").write_text(PLUGIN)
    text = (ROOT / "scenarios" / "baseline.yaml").read_text()
    for s in ("hunter", "farmer", "balanced"):
        text = text.replace(f"strategy: {s}/", f"strategy: py_{s}/")
    f = folder / "py_baseline.yaml"
    f.write_text("plugins: [fixed.py]\n" + text)
    return f


def timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20, help="baseline replications per timing")
    ap.add_argument("--repeat", type=int, default=7, help="interleaved timings per side (median reported)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        built_in = tenure.load(ROOT / "scenarios" / "baseline.yaml")
        py = tenure.load(python_baseline(Path(tmp)))
        # They must agree before they are timed.
        x = tenure.run(built_in, replications=4, threads=1)
        y = tenure.run(py, replications=4, threads=1)
        pd.testing.assert_frame_equal(x.runs, y.runs)
        pd.testing.assert_frame_equal(x.timeseries, y.timeseries)
        calls = {"built-in": [], "built-in 2 threads": [], "python": [], "python 2 threads": []}
        for _ in range(a.repeat):
            calls["built-in"].append(timed(lambda: tenure.run(built_in, replications=a.reps, threads=1)))
            calls["built-in 2 threads"].append(timed(lambda: tenure.run(built_in, replications=a.reps, threads=2)))
            calls["python"].append(timed(lambda: tenure.run(py, replications=a.reps, threads=1)))
            calls["python 2 threads"].append(timed(lambda: tenure.run(py, replications=a.reps, threads=2)))
    med = {k: statistics.median(v) for k, v in calls.items()}
    print(f"`python3 bench/python_hooks_bench.py --reps {a.reps} --repeat {a.repeat}`: baseline, "
          f"{a.reps} replications per timing, medians of {a.repeat} interleaved timings.\n")
    print("| what | median s | per replication ms | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| built-in strategies, 1 thread | {med['built-in']:.3f} | {1000 * med['built-in'] / a.reps:.1f} | 1.00 |")
    print(f"| built-in strategies, 2 threads | {med['built-in 2 threads']:.3f} | "
          f"{1000 * med['built-in 2 threads'] / a.reps:.1f} | {med['built-in'] / med['built-in 2 threads']:.2f}x faster than 1 thread |")
    print(f"| Python strategies (same numbers), 1 thread | {med['python']:.3f} | {1000 * med['python'] / a.reps:.1f} | "
          f"{med['python'] / med['built-in']:.2f} vs built-in |")
    print(f"| Python strategies, 2 threads | {med['python 2 threads']:.3f} | {1000 * med['python 2 threads'] / a.reps:.1f} | "
          f"{med['python'] / med['python 2 threads']:.2f}x faster than 1 thread |")


if __name__ == "__main__":
    main()
