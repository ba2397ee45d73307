"""The workshop target (issues 6 and 20): re-running a seed scenario with 30 replications for
the workshop page. Starts `tenure workshop`, then for each story times over HTTP (a) a cold
request that runs both panes, (b) a slider move, which re-runs one pane (the other pane's
results are reused), and (c) a lever applied from month 24 on: the first such move takes the
scenario's snapshot at month 24 and forks it, the next reuses the snapshot and runs only the
months after it. Prints a markdown table of medians.

Then the room (`tenure workshop --room`): market_shock with 30 managers and 30 replications, 30
trainees each holding an event stream open (as 30 browsers would), levers set, and the trainer
advancing a quarter; timed from the trainer's request until the last of the 30 streams has the
quarter. Four quarters a game, rewound to the start between games.

Usage: python3 bench/workshop_bench.py [--tenure PATH] [--repeat N] [--room-only]
"""
import argparse
import http.client
import json
import re
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import room_client
from room_client import seat_trainees, start_room

ROOT = Path(__file__).resolve().parents[1]
STORIES = ["ann_vs_darren", "covert_farmer", "market_shock", "quarter_end_pressure", "caught_between", "baseline"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenure", default=str(ROOT / "build" / "tools" / "tenure"))
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--room-only", action="store_true")
    args = ap.parse_args()
    if not args.room_only:
        stories(args)
    room(args)


def stories(args) -> None:
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


class Browser(threading.Thread):
    """A trainee's event stream: when each quarter first arrived."""

    def __init__(self, port: int, token: str):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.conn.request("GET", "/room/events?token=" + token)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        self.seen: dict[tuple[int, int], float] = {}  # (game, quarter) -> arrival
        self.game = 0
        self.cond = threading.Condition()
        self.start()

    def run(self) -> None:
        data = []
        for raw in self.resp:
            line = raw.decode().rstrip("\n")
            if line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                state = json.loads("".join(data))
                data = []
                if not state["busy"]:
                    with self.cond:
                        self.seen.setdefault((self.game, state["quarter"]), time.perf_counter())
                        self.cond.notify_all()

    def wait(self, key: tuple[int, int]) -> float:
        with self.cond:
            while key not in self.seen:
                assert self.cond.wait(60), f"no quarter {key}"
            return self.seen[key]


def room(args) -> None:
    p, port, code, key = start_room(args.tenure)

    def post(path: str, body: dict) -> dict:
        return room_client.post(port, path, body)

    try:
        tokens = [t for t, _ in seat_trainees(port, code, key)]
        browsers = [Browser(port, t) for t in tokens]
        last, server = [], []
        for game in range(args.repeat):
            for b in browsers:
                with b.cond:
                    b.game = game
            for q in (1, 2, 3, 4):
                for i, t in enumerate(tokens):
                    post("/room/levers", {"token": t, "levers": {"hunt_share": (0.2 + 0.1 * i + 0.05 * q + 0.01 * game) % 1}})
                t0 = time.perf_counter()
                post("/room/advance", {"key": key})
                server.append((time.perf_counter() - t0) * 1e3)
                last.append((max(b.wait((game, q)) for b in browsers) - t0) * 1e3)
            post("/room/rewind", {"key": key, "quarter": 0})
        print(f"\n`python3 bench/workshop_bench.py --repeat {args.repeat}` (room): market_shock, 30 managers, 30 replications, "
              f"30 event streams on loopback, {len(last)} quarters.\n")
        print("| quarter advance | median, ms | worst, ms |")
        print("|---|---:|---:|")
        print(f"| trainer's request answered | {statistics.median(server):.0f} | {max(server):.0f} |")
        print(f"| the last of 30 browsers has the quarter | {statistics.median(last):.0f} | {max(last):.0f} |")
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
