"""tenure beside the programs a reviewer would write instead, on the same work, in one session.
Writes bench/RESULTS.md.

The peers (bench/peers/), each as its own experts would write it:
- (a) the M/M/c queue: tenure runs it as a scenario of its model (mmc.yaml: support staff with
  exponential service); SimPy 4 as its documentation writes a queue (mmc_peers.py); Cimba, a
  discrete-event library in C, through the `cimba` package from PyPI, as its own benchmark
  writes a queue (mmc_cimba.py).
- (b) a slice of the account model (slice.yaml): SimPy 4 with NumPy, Numba, and a hand-written
  C++ program for this model alone (slice_peers.py, slice_hand.cpp), the last the reference
  for the limit. Beside them, not a peer but a measure: the same hand-written program carrying
  two commitments of the full model that the slice's rules do not need (`slice_hand.cpp
  --events`): keyed draws per client-month, the common random numbers variants share, and each
  request's arrival and answer an event taken in time order (from a sorted array and a binary
  heap). It splits tenure's gap to the plain program into what those commitments cost a
  hand-written program and the rest.

1. Agreement first: each peer's outputs must agree with tenure's within 99% intervals of the
   difference of means (and, for the M/M/c queue, with Erlang C); otherwise speed is not
   compared and the command exits with status 1.
2. Speed: every implementation runs one thread, timed in-process (the simulation only); the
   implementations take turns, round by round, and the figures are medians over rounds of the
   seconds per replication. Ratios are peer / tenure.
3. Instructions: tenure's and the hand-written programs', counted by callgrind (valgrind) on
   one replication and on six, the difference over five (start-up left out): a figure a noisy
   host does not move. tenure's is counted on the work its time measures, the model's
   replications (`bench_model`, as `tenure.run` runs them); the `tenure run` command's count,
   which also writes the CSV files, is given beside it.
4. Scale: the baseline scenario from 1e3 to 1e7 clients over 10 years: wall time, events/s,
   peak memory, bytes per account; a table and bench/scale.png. Sizes up to 1e6 take turns for
   --rounds rounds (median wall time), so that the cost per event at 1e6 over that at 1e5 is a
   ratio of medians taken side by side; 1e7 runs once.

salabim is not among the peers: every component it creates (one per request here) runs its
own checks of the component's method signatures (`_check_overlapping_parameters`, two
`inspect.signature` calls, unconditional in `Component.__init__` of salabim 26.0.9, with no
setting to turn them off); the profile in issue 21 put 69% of its time there, so its ratio
measured those checks rather than a simulation engine.

The C peer of (a) is Cimba, a discrete-event library in C that installs from PyPI: the `cimba`
package (pre-alpha) carries the C engine in its wheel. Debian has none for general models (ns-2
and ns-3 are for networks). The wheel installs no C headers, so the peer is written in the
package's Python, which it compiles with Numba into callbacks that the C engine runs.

Usage: python3 bench/peers/compare.py [--quick] [--max-accounts 1e7] [--rounds 5]
(--quick: fewer replications and sizes up to 1e5, for a smoke run.)
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import mmc_peers  # noqa: E402
import slice_peers  # noqa: E402


def t_quantile(df: int, q: float = 0.995) -> float:
    from scipy import stats

    return float(stats.t.ppf(q, df))


def diff_interval(x: list[float], y: list[float], q: float = 0.995) -> tuple[float, float, float]:
    """Welch interval of mean(y) - mean(x) at level 2q - 1 (99% by default)."""
    mx, my = statistics.mean(x), statistics.mean(y)
    vx, vy = statistics.variance(x) / len(x), statistics.variance(y) / len(y)
    se = math.sqrt(vx + vy)
    df = (vx + vy) ** 2 / ((vx ** 2 / (len(x) - 1) if len(x) > 1 else 0) + (vy ** 2 / (len(y) - 1) if len(y) > 1 else 0) or 1)
    h = t_quantile(max(1, int(df)), q) * se
    return my - mx, my - mx - h, my - mx + h


def erlang_c_w(lam: float, mu: float, c: int) -> float:
    a, rho = lam / mu, lam / (c * mu)
    top = a ** c / math.factorial(c) / (1 - rho)
    pc = top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)
    return pc / (c * mu - lam) + 1 / mu


def machine() -> str:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = re.search(r"Model name:\s*(.*)", lscpu)
    import cimba
    import numba
    import numpy
    import simpy

    tenure_version = subprocess.run([str(TENURE), "--version"], capture_output=True, text=True).stdout.strip()
    gxx = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    vg = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"- CPU: {model.group(1) if model else 'unknown'}, {os.cpu_count()} cores (one used per timing)\n"
            f"- {platform.system()} {platform.release()}; Python {platform.python_version()}; {gxx}; {vg}\n"
            f"- tenure {tenure_version} (Release build); SimPy {simpy.__version__}; NumPy {numpy.__version__}; "
            f"Numba {numba.__version__}; Cimba {cimba.__version__} (the `cimba` package; its C engine {cimba.engine_version()})\n"
            f"- run on {datetime.date.today().isoformat()}")


TENURE = ROOT / "build/tools/tenure"
HAND = ROOT / "build/bench/bench_peer_slice_hand"
COMMITTED = "hand-written C++, keyed draws and events"  # not a peer: slice_hand.cpp --events


def erlang_check(ws: list[float], closed: float) -> tuple[float, float, bool]:
    lo, hi = diff_interval([closed] * 2, ws)[1:]
    return lo, hi, lo <= 0 <= hi


def run_mmc(args, out: list[str]) -> list[tuple[str, float]]:
    import mmc_cimba
    import tenure

    lam, mu, c = 8.0, 1.0, 10
    sc = tenure.load(str(HERE / "mmc.yaml"))
    horizon, warmup = sc.value("horizon"), 365.25 / 12
    reps = 4 if args.quick else 10

    def tenure_w(res) -> list[float]:
        ts = res.timeseries
        ts = ts[ts.month >= 1]  # the first month is the warm-up
        g = ts.assign(wn=ts.mean_response_days * ts.answered_requests).groupby("replication")
        return list(g.wn.sum() / g.answered_requests.sum())

    mmc_cimba.cimba_mmc(lam, mu, c, horizon, warmup, 0, 1)  # compiles the model (Numba): not timed
    t_w, t_secs, s_w, s_secs, c_w, c_secs = [], [], [], [], [], []
    for rnd in range(args.rounds):
        t0 = time.perf_counter()
        res = tenure.run(sc, replications=reps, threads=1, seed=100 + rnd)
        t_secs.append((time.perf_counter() - t0) / reps)
        t_w += tenure_w(res)
        t0 = time.perf_counter()
        c_w += mmc_cimba.cimba_mmc(lam, mu, c, horizon, warmup, 500 + rnd, reps)
        c_secs.append((time.perf_counter() - t0) / reps)
        t0 = time.perf_counter()
        for r in range(2):
            s_w.append(mmc_peers.simpy_mmc(lam, mu, c, horizon, warmup, 1000 * rnd + r))
        s_secs.append((time.perf_counter() - t0) / 2)
    closed = erlang_c_w(lam, mu, c)
    t_time, s_time, c_time = statistics.median(t_secs), statistics.median(s_secs), statistics.median(c_secs)
    d, lo, hi = diff_interval(t_w, s_w)
    agree = lo <= 0 <= hi
    cd, clo, chi = diff_interval(t_w, c_w)
    c_agree = clo <= 0 <= chi
    tlo, thi, t_ok = erlang_check(t_w, closed)
    slo, shi, s_ok = erlang_check(s_w, closed)
    elo, ehi, c_ok = erlang_check(c_w, closed)
    out.append(f"### (a) M/M/c: requests at a support desk of {c}\n")
    out.append(f"`bench/peers/mmc.yaml`: tenure's model with every request sent to {c} support staff who serve in an "
               f"exponential time (lambda = {lam:g} a day from 1,000 clients, mu = {mu:g} a day), "
               f"{horizon / 365.25:.0f} years (about {lam * horizon:,.0f} requests a replication), the first month left out; "
               f"the model's other work (monthly passes, satisfaction after each answer) runs as in any scenario. "
               f"Erlang C: W = {closed:.4f} days.\n")
    out.append("| implementation | replications | mean time in system W (days) | 99% interval of W - W(Erlang C) | "
               "99% interval of W - tenure's W | median s per replication | peer / tenure |")
    out.append("|---|---:|---:|---|---|---:|---:|")
    out.append(f"| tenure | {len(t_w)} | {statistics.mean(t_w):.4f} | [{tlo:+.4f}, {thi:+.4f}] | | {t_time:.4f} | 1 |")
    out.append(f"| SimPy | {len(s_w)} | {statistics.mean(s_w):.4f} | [{slo:+.4f}, {shi:+.4f}] | [{lo:+.4f}, {hi:+.4f}] "
               f"{'ok' if agree else '**disagrees**'} | {s_time:.4f} | **{s_time / t_time:.1f}x** |")
    out.append(f"| Cimba (C engine) | {len(c_w)} | {statistics.mean(c_w):.4f} | [{elo:+.4f}, {ehi:+.4f}] | "
               f"[{clo:+.4f}, {chi:+.4f}] {'ok' if c_agree else '**disagrees**'} | {c_time:.4f} | **{c_time / t_time:.2f}x** |")
    out.append("")
    out.append(f"Speed: {args.rounds} rounds, each running tenure ({reps} replications), Cimba ({reps}) and SimPy (2) in "
               "turn on one thread; medians over rounds of the seconds per replication, each call timed whole (tenure's "
               "and Cimba's build their results tables). Cimba's model was compiled before the first round. Cimba runs "
               "the queue alone; tenure runs its whole model around it.\n")
    if not (agree and c_agree and t_ok and s_ok and c_ok):
        raise SystemExit("M/M/c: the outputs disagree; speed is not compared\n" + "\n".join(out))
    return [("(a) M/M/c as a model scenario, SimPy", s_time / t_time),
            ("(a) M/M/c as a model scenario, Cimba (C engine)", c_time / t_time)]


def callgrind_instructions(cmd_one: list[str], cmd_six: list[str]) -> float:
    """Instructions of one replication: callgrind on one and on six, the difference over five."""
    counts = []
    for cmd in (cmd_one, cmd_six):
        r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                           capture_output=True, text=True, check=True)
        counts.append(int(re.search(r"Collected : (\d+)", r.stderr).group(1)))
    return (counts[1] - counts[0]) / 5


def run_slice(args, out: list[str]) -> list[tuple[str, float]]:
    import tenure

    yaml_path = str(HERE / "slice.yaml")
    sc = tenure.load(yaml_path)
    p = slice_peers.params(yaml_path)
    params_file = Path(tempfile.mkdtemp()) / "slice.json"
    params_file.write_text(json.dumps(p))
    metrics = ["final_active", "churned", "new_clients", "requests", "final_mean_satisfaction", "mean_response_days"]
    # Agreement: many replications of the fast ones, fewer of SimPy.
    n_fast, n_simpy = (100, 8) if args.quick else (300, 40)
    res = tenure.run(sc, replications=n_fast, threads=0)
    g = res.timeseries.groupby("replication")
    tvals = {"final_active": list(g.active_accounts.last()), "churned": list(g.churned.sum()),
             "new_clients": list(g.new_clients.sum()), "requests": list(g.requests.sum()),
             "final_mean_satisfaction": list(g.mean_satisfaction.last()),
             "mean_response_days": list(g.mean_response_days.mean())}
    events = res.events / n_fast
    slice_peers.warm_numba(p)
    hand = lambda seed, reps, *extra: [json.loads(x) for x in subprocess.run(
        [str(HAND), str(params_file), "--seed", str(seed), "--reps", str(reps), *extra],
        capture_output=True, text=True, check=True).stdout.splitlines()]
    peers = {"SimPy + NumPy": [slice_peers.simpy_slice(p, 2000 + r) for r in range(n_simpy)],
             "Numba": [slice_peers.numba_slice(p, 3000 + r) for r in range(n_fast)],
             "hand-written C++": hand(7, n_fast),
             COMMITTED: hand(17, n_fast, "--events")}
    # Speed: rounds, each implementation in turn, one thread.
    per_round = 5 if args.quick else 20
    secs = {"tenure": [], "SimPy + NumPy": [], "Numba": [], "hand-written C++": [], COMMITTED: []}
    for rnd in range(args.rounds):
        t0 = time.perf_counter()
        tenure.run(sc, replications=per_round, threads=1, seed=50 + rnd)
        secs["tenure"].append((time.perf_counter() - t0) / per_round)
        t0 = time.perf_counter()
        slice_peers.simpy_slice(p, 9000 + rnd)
        secs["SimPy + NumPy"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for r in range(per_round):
            slice_peers.numba_slice(p, 8000 + 100 * rnd + r)
        secs["Numba"].append((time.perf_counter() - t0) / per_round)
        secs["hand-written C++"].append(sum(r["seconds"] for r in hand(60 + rnd, per_round)) / per_round)
        secs[COMMITTED].append(sum(r["seconds"] for r in hand(70 + rnd, per_round, "--events")) / per_round)
    med = {k: statistics.median(v) for k, v in secs.items()}
    # Instructions (callgrind): tenure's replications (what its time measures), and its command
    # line writing the CSV files; the hand-written programs.
    ins_t = callgrind_instructions([str(ROOT / "build/bench/bench_model"), yaml_path, "--reps", "1"],
                                   [str(ROOT / "build/bench/bench_model"), yaml_path, "--reps", "6"])
    with tempfile.TemporaryDirectory() as d:
        run = lambda n: [str(TENURE), "run", yaml_path, "-r", str(n), "-j", "1", "-q", "-o", f"{d}/r{n}"]
        ins_cli = callgrind_instructions(run(1), run(6))
    ins_h = callgrind_instructions([str(HAND), str(params_file), "--reps", "1"], [str(HAND), str(params_file), "--reps", "6"])
    ins_c = callgrind_instructions([str(HAND), str(params_file), "--reps", "1", "--events"],
                                   [str(HAND), str(params_file), "--reps", "6", "--events"])

    out.append("### (b) A slice of the account model\n")
    out.append(f"`bench/peers/slice.yaml`: {p['n_active']:,} clients, {p['n_prospects']:,} prospects, {p['managers']} managers, "
               f"10 years: Poisson requests served first come first served, satisfaction from encounters and check-ins, "
               f"monthly churn hazard with a notice lag, acquisition by outreach (about {events:,.0f} tenure events per "
               "replication). tenure runs its real model (`World`) from the Python package; the peers follow the same "
               "rules (`slice_peers.py`, `slice_hand.cpp`). The last row is not a peer: the hand-written program with "
               "keyed draws per client-month (common random numbers) and each request's arrival and answer an event in "
               "time order (`slice_hand.cpp --events`), what those two commitments of the full model cost.\n")
    out.append("| output | tenure (mean, n) | " + " | ".join(f"{n}: 99% interval of {n} - tenure" for n in peers) + " |")
    out.append("|---|---:|" + "---|" * len(peers))
    ok = True
    for m in metrics:
        cells = []
        for name, rows in peers.items():
            d, lo, hi = diff_interval(tvals[m], [r[m] for r in rows])
            agree = lo <= 0 <= hi
            ok &= agree
            cells.append(f"[{lo:+.4g}, {hi:+.4g}] (n={len(rows)}) {'ok' if agree else '**disagrees**'}")
        out.append(f"| {m} | {statistics.mean(tvals[m]):.4g} (n={len(tvals[m])}) | " + " | ".join(cells) + " |")
    out.append("")
    out.append(f"Speed: {args.rounds} rounds, each running tenure ({per_round} replications), SimPy + NumPy (1), Numba "
               f"({per_round}) and the hand-written programs ({per_round} each) in turn on one thread; medians over rounds. "
               "Instructions per replication by callgrind: tenure's replications as timed (`bench_model`); "
               f"`tenure run`, which also writes the CSV files, {ins_cli / 1e6:,.1f}M.\n")
    out.append("| implementation | median s per replication (min to max over rounds) | peer / tenure | instructions per replication |")
    out.append("|---|---:|---:|---:|")
    ratios = []
    for name in secs:
        v = secs[name]
        ins = {"tenure": ins_t, "hand-written C++": ins_h, COMMITTED: ins_c}.get(name)
        ins = f"{ins / 1e6:,.1f}M" if ins else ""
        ratio = "1" if name == "tenure" else f"**{med[name] / med['tenure']:.2f}x**"
        out.append(f"| {name} | {med[name]:.4f} ({min(v):.4f} to {max(v):.4f}) | {ratio} | {ins} |")
        if name != "tenure":
            ratios.append((f"(b) account slice, {name}", med[name] / med["tenure"]))
    out.append(f"\ntenure / hand-written: {med['tenure'] / med['hand-written C++']:.2f}x the time, "
               f"{ins_t / ins_h:.2f}x the instructions ({ins_cli / ins_h:.2f}x counting `tenure run`'s files). "
               f"The commitments alone take the hand-written program to {med[COMMITTED] / med['hand-written C++']:.2f}x "
               f"its time and {ins_c / ins_h:.2f}x its instructions; tenure runs in {med['tenure'] / med[COMMITTED]:.2f}x "
               f"the time of the program that carries them, with {ins_t / ins_c:.2f}x its instructions. "
               f"SimPy + NumPy takes {med['SimPy + NumPy'] / med[COMMITTED]:.2f}x the time of that program "
               f"({med['SimPy + NumPy'] / med['tenure']:.2f}x tenure's; the target asks 40x of tenure): what a program "
               "with tenure's commitments and nothing else reaches against SimPy.\n")
    ratios.append(("(b) account slice, SimPy + NumPy / the hand-written program with keyed draws and events",
                   med["SimPy + NumPy"] / med[COMMITTED]))
    ratios.append(("(b) account slice, tenure's instructions / the hand-written program's", ins_t / ins_h))
    ratios.append(("(b) account slice, tenure's instructions / the hand-written program's with keyed draws and events",
                   ins_t / ins_c))
    if not ok:
        raise SystemExit("slice: a peer's outputs disagree with tenure's; speed is not compared\n" + "\n".join(out))
    return ratios


def run_scale(args, out: list[str]) -> None:
    sizes = [1e3, 1e4, 1e5] if args.quick else [1e3, 1e4, 1e5, 1e6]
    if not args.quick and args.max_accounts >= 1e7:
        sizes.append(1e7)
    exe = ROOT / "build/bench/bench_model"

    def one(n: float) -> tuple:
        line = subprocess.run([str(exe), str(ROOT / "scenarios/baseline.yaml"), "--accounts", f"{n:g}"],
                              capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        cells = [c.strip() for c in line.strip("|").split("|")]
        return (float(cells[4].split()[0]), float(cells[5].split()[0][:-1]) * 1e6, float(cells[7].split()[0]),
                int(cells[8].split()[0]), int(cells[9].split()[0]))

    # The sizes up to 1e6 take turns for --rounds rounds (the cost per event is a ratio of two
    # sizes: a drift of the host moves both); the median wall time, the largest peak. 1e7 once.
    runs: dict[float, list[tuple]] = {n: [] for n in sizes}
    small = [n for n in sizes if n <= 1e6]
    for _ in range(max(1, args.rounds)):
        for n in small:
            runs[n].append(one(n))
    for n in sizes:
        if n > 1e6:
            runs[n].append(one(n))
    rows = []
    for n in sizes:
        r = runs[n]
        secs = statistics.median(x[0] for x in r)
        rows.append((n, secs, r[0][1], max(x[2] for x in r), r[0][3], r[0][4]))
    out.append("### Scale: the baseline scenario from 1e3 to 1e7 clients, 10 years\n")
    out.append("`bench_model scenarios/baseline.yaml --accounts N`: N clients at the start, 3N prospects, one manager per "
               "100 clients; complete network (no edge list), so prospects are pooled and only clients have records. "
               f"Sizes up to 1e6 take turns for {max(1, args.rounds)} rounds (wall: the median; peak: the largest); 1e7 runs once. "
               "Bytes per client: peak resident memory over the clients at the start (the target's measure); "
               "per account: over the accounts that ever existed (clients, prospects and arrivals).\n")
    out.append("| clients | wall s | events | events/s | ns per event | peak RSS MiB | bytes per client at the start | "
               "accounts ever | records | bytes per account | marginal bytes per account |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    prev = None
    for n, secs, ev, peak, ever, records in rows:
        marginal = "" if prev is None else f"{(peak - prev[3]) * 2 ** 20 / (ever - prev[4]):.0f}"
        out.append(f"| {n:.0e} | {secs:.3f} | {ev / 1e6:.2f}M | {ev / secs / 1e6:.2f}M | {secs / ev * 1e9:.0f} | {peak:.0f} | "
                   f"{peak * 2 ** 20 / n:.0f} | {ever:,} | {records:,} | {peak * 2 ** 20 / ever:.0f} | {marginal} |")
        prev = (n, secs, ev, peak, ever, records)
    out.append("\nMarginal: the growth of peak memory over the growth in accounts from the size above, which leaves out "
               "the program's fixed few MiB.\n")
    out.append("")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(1, 2, figsize=(10, 4))
        xs = [r[0] for r in rows]
        ax[0].loglog(xs, [r[1] for r in rows], "o-", color="#0072B2", label="wall time")
        ax[0].set_xlabel("clients at the start")
        ax[0].set_ylabel("wall time for 10 years (s)")
        ax[0].grid(True, which="both", alpha=0.3)
        ax[1].loglog(xs, [r[3] for r in rows], "o-", color="#D55E00", label="peak RSS")
        ax[1].set_xlabel("clients at the start")
        ax[1].set_ylabel("peak resident memory (MiB)")
        ax[1].grid(True, which="both", alpha=0.3)
        fig.suptitle("tenure: cost of the baseline scenario by size (one core)")
        fig.tight_layout()
        fig.savefig(ROOT / "bench/scale.png", dpi=110)
        out.append("![cost by size](scale.png)\n")
    except ImportError:
        pass


# The peers, installed from PyPI when missing (the versions the last RESULTS.md names are
# written into it by machine()).
# Cimba's Python interface is pre-alpha and changed its whole API from 0.5 to 0.9: the peer is
# written for 0.9.
PEERS = {"simpy": "simpy>=4,<5", "numba": "numba", "cimba": "cimba>=0.9.6,<0.10", "scipy": "scipy",
         "matplotlib": "matplotlib"}


def ensure_peers() -> None:
    import importlib.util

    missing = [spec for mod, spec in PEERS.items() if importlib.util.find_spec(mod) is None]
    if missing:
        print("installing " + ", ".join(missing), file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


def main() -> None:
    ensure_peers()
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=5, help="timed rounds, the implementations in turn")
    ap.add_argument("--max-accounts", type=float, default=1e7)
    ap.add_argument("--out", default=str(ROOT / "bench/RESULTS.md"))
    args = ap.parse_args()
    out: list[str] = []
    t0 = time.time()
    ratios = run_mmc(args, out) + run_slice(args, out)
    run_scale(args, out)
    head = ["# tenure beside expert peers", "",
            f"Written by `python3 bench/peers/compare.py{' --quick' if args.quick else ''}` in one session "
            f"({(time.time() - t0) / 60:.1f} minutes). Outputs are checked to agree before speed is compared; "
            "the peers and how they were written: the header of `bench/peers/compare.py`.", "",
            "## Machine", "", machine(), "", "## Headline (medians; below 1: the peer is faster)", "",
            "| model, peer | peer / tenure |", "|---|---:|"]
    head += [f"| {k} | {v:.2f}x |" for k, v in ratios]
    head += ["", "## Details", ""]
    text = "\n".join(head + out) + "\n"
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
