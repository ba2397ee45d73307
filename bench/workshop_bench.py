"""The workshop target (issues 6 and 20): re-running a seed scenario with 30 replications for
the workshop page. Starts `tenure workshop`, then for each story times over HTTP (a) a cold
request that runs both panes, (b) a slider move, which re-runs one pane (the other pane's
results are reused), and (c) a lever applied from month 24 on: the first such move takes the
scenario's snapshot at month 24 and forks it, the next reuses the snapshot and runs only the
months after it. Prints a markdown table of medians.

Usage: python3 bench/workshop_bench.py [--tenure PATH] [--repeat N]
"""
import argparse
import json
import re
import statistics
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORIES = ["ann_vs_darren", "covert_farmer", "market_shock", "quarter_end_pressure", "caught_between", "baseline"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenure", default=str(ROOT / "build" / "tools" / "tenure"))
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    p = subprocess.Popen([args.tenure, "workshop", "--port", "0"], stdout=subprocess.PIPE, text=True)
    base = re.search(r"(http://127\.0\.0\.1:\d+/)", p.stdout.readline()).group(1)

    def get(q: dict) -> tuple[float, dict]:
        t0 = time.perf_counter()
        with urllib.request.urlopen(base + "api/run?" + urllib.parse.urlencode(q)) as r:
            body = json.load(r)
        return (time.perf_counter() - t0) * 1e3, body

    print(f"`python3 bench/workshop_bench.py --repeat {args.repeat}`: 30 replications per pane, all cores, "
          "medians over HTTP on loopback.\n")
    print("| scenario | both panes (cold), ms | slider move (one pane), ms | server time of a slider move, ms | "
          "from month 24: first move, ms | from month 24: next move, ms |")
    print("|---|---:|---:|---:|---:|---:|")
    try:
        for s in STORIES:
            cold, warm, server, first, again = [], [], [], [], []
            for k in range(args.repeat):
                # a fresh seed each time, so that nothing is cached for the cold request
                t, _ = get({"scenario": s, "seed": 1000 + k, "b": f"managers.*.time.hunt_share={0.3 + 0.01 * k}"})
                cold.append(t)
                t, body = get({"scenario": s, "seed": 1000 + k, "b": f"managers.*.time.hunt_share={0.6 + 0.01 * k}"})
                assert body["panes_run"] == 1
                warm.append(t)
                server.append(body["elapsed_ms"])
                t, body = get({"scenario": s, "seed": 1000 + k, "b_from": 24,
                               "b": f"managers.*.service.answer_probability={0.5 + 0.01 * k}"})
                assert body["panes_run"] == 1 and body["b"]["from_month"] == 24, body.get("error")
                first.append(t)
                t, body = get({"scenario": s, "seed": 1000 + k, "b_from": 24,
                               "b": f"managers.*.service.answer_probability={0.7 + 0.01 * k}"})
                again.append(t)
            print(f"| {s} | {statistics.median(cold):.0f} | {statistics.median(warm):.0f} | {statistics.median(server):.0f} | "
                  f"{statistics.median(first):.0f} | {statistics.median(again):.0f} |")
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
