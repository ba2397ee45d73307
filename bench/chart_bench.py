"""A slider move as a trainer sees it (issue 20's target: under 200 ms for the five stories), in
headless Chromium: from the lever's change to the chart drawn again (the request, both panes'
JSON, and the chart drawn and painted), per story. Run against two `tenure` binaries it compares
the chart code paths (say, the page's own SVG drawing before Vega-Lite and Vega-Lite after);
the two are run interleaved, a story at a time.

Usage: python3 bench/chart_bench.py [--tenure PATH [--tenure PATH]] [--repeat N]
"""
import argparse
import re
import statistics
import subprocess
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[1]
STORIES = ["ann_vs_darren", "covert_farmer", "market_shock", "quarter_end_pressure", "caught_between"]

# Moves a slider (as a user does: input, then change) and resolves, after the next paint, with
# the milliseconds until the chart of the new results is in the page.
MOVE = """
const [id, value, done] = arguments;
const v0 = state.version, t0 = performance.now();
const e = document.getElementById(id);
e.value = value; e.dispatchEvent(new Event('input')); e.dispatchEvent(new Event('change'));
(function poll() {
  if (state.version > v0 && document.querySelector(`#chart-area [data-version="${state.version}"]`))
    requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0));
  else setTimeout(poll, 1);
})();
"""


def wait(d, script, what, timeout=60):
    t = time.monotonic() + timeout
    while not d.execute_script(script):
        if time.monotonic() > t:
            raise TimeoutError(what)
        time.sleep(0.05)


def browser():
    o = Options()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800"):
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenure", action="append")
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    binaries = args.tenure or [str(ROOT / "build" / "tools" / "tenure")]
    servers, drivers = [], []
    try:
        for exe in binaries:
            p = subprocess.Popen([exe, "workshop", "--port", "0"], stdout=subprocess.PIPE, text=True)
            servers.append(p)
            url = re.search(r"(http://127\.0\.0\.1:\d+/)", p.stdout.readline()).group(1)
            d = browser()
            d.get(url)
            drivers.append(d)
        times = {(s, i): [] for s in STORIES for i in range(len(binaries))}
        for s in STORIES:
            for d in drivers:
                wait(d, "return +(document.body.dataset.runs || 0) >= 1", "the first run")
                n = d.execute_script("return +(document.body.dataset.runs || 0)")
                d.execute_script("const e = document.getElementById('scenario'); e.value = arguments[0];"
                                 "e.dispatchEvent(new Event('change'));", s)
                wait(d, f"return +(document.body.dataset.runs || 0) > {n} && !!document.getElementById('a-hunt_share')", s)
            for k in range(args.repeat + 1):
                for i, d in enumerate(drivers):
                    d.set_script_timeout(60)
                    ms = d.execute_async_script(MOVE, "a-hunt_share", "0.3" if k % 2 else "0.7")
                    if k:  # the first move of a story warms its caches
                        times[(s, i)].append(ms)
        print(f"`python3 bench/chart_bench.py {' '.join('--tenure ' + b for b in args.tenure or [])} --repeat {args.repeat}`: "
              "headless Chromium at 1280x800, main chart (clients), 30 replications per pane; medians (min to max), ms.\n")
        print("| scenario | " + " | ".join(Path(b).name if len(binaries) == 1 else b for b in binaries) + " |")
        print("|---|" + "---:|" * len(binaries))
        for s in STORIES:
            cells = [f"{statistics.median(times[(s, i)]):.0f} ({min(times[(s, i)]):.0f} to {max(times[(s, i)]):.0f})"
                     for i in range(len(binaries))]
            print(f"| {s} | " + " | ".join(cells) + " |")
    finally:
        for d in drivers:
            d.quit()
        for p in servers:
            p.terminate()


if __name__ == "__main__":
    main()
