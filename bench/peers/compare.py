"""tenure beside the tools users would pick instead (SimPy 4, salabim), on the same work, in
one session. Writes bench/RESULTS.md.

1. Agreement first: each model's outputs must agree with tenure's within 99% intervals of the
   difference of means (and, for the M/M/c queue, with Erlang C); otherwise the speed is not
   compared and the command exits with status 1.
2. Speed: each implementation runs the same replications several times, timed in-process (the
   simulation only, no interpreter or process start-up); ratios are medians (peer / tenure).
3. Scale: the baseline scenario scaled from 1e3 to 1e7 clients over 10 years: wall time,
   events/s, peak memory, bytes per account; a table and bench/scale.png.

Usage: python3 bench/peers/compare.py [--quick] [--max-accounts 1e7]
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
    import salabim
    import simpy

    tenure_version = subprocess.run([str(ROOT / "build/tools/tenure"), "--version"], capture_output=True, text=True).stdout.strip()
    gxx = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return (f"- CPU: {model.group(1) if model else 'unknown'}, {os.cpu_count()} cores (one used per timing)\n"
            f"- {platform.system()} {platform.release()}; Python {platform.python_version()}; {gxx}\n"
            f"- tenure {tenure_version} (Release build); SimPy {simpy.__version__}; salabim {salabim.__version__}\n"
            f"- run on {datetime.date.today().isoformat()}")


def run_mmc(args, out: list[str]) -> list[tuple[str, float]]:
    lam, mu, c = 8.0, 1.0, 10
    customers, warmup = (20000, 2000) if args.quick else (50000, 5000)
    reps_fast, reps_slow = (4, 2) if args.quick else (10, 4)
    exe = ROOT / "build/bench/bench_peer_mmc"
    tenure_runs = []
    for rnd in range(args.repeat):  # the binary times each replication itself
        lines = subprocess.run([str(exe), "--lambda", str(lam), "--mu", str(mu), "--c", str(c), "--customers",
                                str(customers), "--warmup", str(warmup), "--reps", str(reps_fast), "--seed", str(1 + rnd)],
                               capture_output=True, text=True, check=True).stdout.splitlines()
        tenure_runs += [json.loads(x) for x in lines]
    t_w = [r["W"] for r in tenure_runs]
    t_time = statistics.median(r["seconds"] for r in tenure_runs)
    events = statistics.median(r["events"] for r in tenure_runs)
    results = {"tenure": (t_w, t_time)}
    for name, f, reps in (("SimPy", mmc_peers.simpy_mmc, reps_fast), ("salabim", mmc_peers.salabim_mmc, reps_slow)):
        ws, times = [], []
        for r in range(reps):
            t0 = time.perf_counter()
            w, _ = f(lam, mu, c, customers, warmup, 1000 + r)
            times.append(time.perf_counter() - t0)
            ws.append(w)
        results[name] = (ws, statistics.median(times))
    closed = erlang_c_w(lam, mu, c)
    out.append(f"### (a) M/M/c: requests at a team of {c} account managers\n")
    out.append(f"lambda = {lam:g} per day, mu = {mu:g} per day, c = {c}; {customers:,} measured customers after "
               f"{warmup:,} warm-up ones per replication (about {events:,.0f} events). Erlang C: W = {closed:.4f} days.\n")
    out.append("| implementation | replications | mean time in system W (days) | 99% interval of W - tenure's W | agrees | median s per replication | peer / tenure |")
    out.append("|---|---:|---:|---|---|---:|---:|")
    ok = True
    ratios = []
    for name, (ws, secs) in results.items():
        if name == "tenure":
            out.append(f"| tenure | {len(ws)} | {statistics.mean(ws):.4f} | | | {secs:.4f} | 1 |")
            continue
        d, lo, hi = diff_interval(t_w, ws)
        agree = lo <= 0 <= hi
        ok &= agree
        ratios.append((f"(a) M/M/c, {name}", secs / t_time))
        out.append(f"| {name} | {len(ws)} | {statistics.mean(ws):.4f} | [{lo:+.4f}, {hi:+.4f}] | {'yes' if agree else '**no**'} | "
                   f"{secs:.3f} | **{secs / t_time:.0f}x** |")
    tw_lo, tw_hi = diff_interval([closed] * 2, t_w)[1:]
    out.append(f"\ntenure against Erlang C: 99% interval of W - W(Erlang C) = [{tw_lo:+.4f}, {tw_hi:+.4f}].\n")
    if not ok:
        raise SystemExit("M/M/c: a peer's outputs disagree with tenure's; speed is not compared\n" + "\n".join(out))
    return ratios


def run_slice(args, out: list[str]) -> list[tuple[str, float]]:
    import tenure

    yaml_path = str(HERE / "slice.yaml")
    sc = tenure.load(yaml_path)
    reps_t, reps_simpy, reps_salabim = (10, 4, 2) if args.quick else (40, 20, 6)
    p = slice_peers.params(yaml_path)
    metrics = ["final_active", "churned", "new_clients", "requests", "final_mean_satisfaction", "mean_response_days"]
    # tenure: the real model (World), through the Python package, one thread
    times = []
    res = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = tenure.run(sc, replications=reps_t, threads=1)
        times.append((time.perf_counter() - t0) / reps_t)
    ts = res.timeseries
    g = ts.groupby("replication")
    tvals = {"final_active": list(g.active_accounts.last()), "churned": list(g.churned.sum()),
             "new_clients": list(g.new_clients.sum()), "requests": list(g.requests.sum()),
             "final_mean_satisfaction": list(g.mean_satisfaction.last()),
             "mean_response_days": list(g.mean_response_days.mean())}
    t_time = statistics.median(times)
    events = res.events / reps_t
    peers = {}
    for name, f, reps in (("SimPy", slice_peers.simpy_slice, reps_simpy), ("salabim", slice_peers.salabim_slice, reps_salabim)):
        rows, secs = [], []
        for r in range(reps):
            t0 = time.perf_counter()
            rows.append(f(p, 2000 + r))
            secs.append(time.perf_counter() - t0)
        peers[name] = ({m: [x[m] for x in rows] for m in metrics}, statistics.median(secs))
    out.append("### (b) A slice of the account model\n")
    out.append(f"`bench/peers/slice.yaml`: {p['n_active']:,} clients, {p['n_prospects']:,} prospects, {p['managers']} managers, "
               f"10 years: Poisson requests served first come first served, satisfaction from encounters and check-ins, "
               f"monthly churn hazard with a notice lag, acquisition by outreach (about {events:,.0f} tenure events per "
               "replication). tenure runs its real model (`World`) from the Python package; the peers follow the same "
               "rules (`slice_peers.py`).\n")
    header = "| output | tenure (mean, n) | " + " | ".join(f"{n}: 99% interval of {n} - tenure" for n in peers) + " |"
    out.append(header)
    out.append("|---|---:|" + "---|" * len(peers))
    ok = True
    for m in metrics:
        cells = []
        for name, (vals, _) in peers.items():
            d, lo, hi = diff_interval(tvals[m], vals[m])
            agree = lo <= 0 <= hi
            ok &= agree
            cells.append(f"[{lo:+.4g}, {hi:+.4g}] {'ok' if agree else '**disagrees**'}")
        out.append(f"| {m} | {statistics.mean(tvals[m]):.4g} (n={len(tvals[m])}) | " + " | ".join(cells) + " |")
    out.append("")
    out.append("| implementation | median s per replication | peer / tenure |")
    out.append("|---|---:|---:|")
    out.append(f"| tenure | {t_time:.4f} | 1 |")
    ratios = []
    for name, (_, secs) in peers.items():
        out.append(f"| {name} | {secs:.3f} | **{secs / t_time:.0f}x** |")
        ratios.append((f"(b) account slice, {name}", secs / t_time))
    out.append("")
    if not ok:
        raise SystemExit("slice: a peer's outputs disagree with tenure's; speed is not compared\n" + "\n".join(out))
    return ratios


def run_scale(args, out: list[str]) -> None:
    sizes = [1e3, 1e4, 1e5] if args.quick else [1e3, 1e4, 1e5, 1e6]
    if not args.quick and args.max_accounts >= 1e7:
        sizes.append(1e7)
    exe = ROOT / "build/bench/bench_model"
    rows = []
    for n in sizes:
        line = subprocess.run([str(exe), str(ROOT / "scenarios/baseline.yaml"), "--accounts", f"{n:g}"],
                              capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        cells = [c.strip() for c in line.strip("|").split("|")]
        secs = float(cells[4].split()[0])
        ev = float(cells[5].split()[0][:-1]) * 1e6
        peak_mib = float(cells[7].split()[0])
        ever = int(cells[8].split()[0])
        rows.append((n, secs, ev, peak_mib, ever))
    out.append("### Scale: the baseline scenario from 1e3 to 1e7 clients, 10 years\n")
    out.append("`bench_model scenarios/baseline.yaml --accounts N`: N clients at the start, 3N prospects, one manager per "
               "100 clients; complete network (no edge list). Bytes per account: peak resident memory over the accounts "
               "that ever existed (clients, prospects and arrivals).\n")
    out.append("| clients | wall s | events | events/s | peak RSS MiB | accounts ever | bytes per account | marginal bytes per account |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    prev = None
    for n, secs, ev, peak, ever in rows:
        marginal = "" if prev is None else f"{(peak - prev[3]) * 2 ** 20 / (ever - prev[4]):.0f}"
        out.append(f"| {n:.0e} | {secs:.3f} | {ev / 1e6:.2f}M | {ev / secs / 1e6:.2f}M | {peak:.0f} | {ever:,} | "
                   f"{peak * 2 ** 20 / ever:.0f} | {marginal} |")
        prev = (n, secs, ev, peak, ever)
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
PEERS = {"simpy": "simpy>=4,<5", "salabim": "salabim", "scipy": "scipy", "matplotlib": "matplotlib"}


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
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions of tenure's replications")
    ap.add_argument("--max-accounts", type=float, default=1e7)
    ap.add_argument("--out", default=str(ROOT / "bench/RESULTS.md"))
    args = ap.parse_args()
    out: list[str] = []
    t0 = time.time()
    ratios = run_mmc(args, out) + run_slice(args, out)
    run_scale(args, out)
    head = ["# tenure beside SimPy and salabim", "",
            f"Written by `python3 bench/peers/compare.py{' --quick' if args.quick else ''}` in one session "
            f"({(time.time() - t0) / 60:.1f} minutes). Outputs are checked to agree before speed is compared.", "",
            "## Machine", "", machine(), "", "## Headline: peer time / tenure time (medians)", "",
            "| model, peer | ratio |", "|---|---:|"]
    head += [f"| {k} | {v:.0f}x |" for k, v in ratios]
    head += ["", "## Details", ""]
    text = "\n".join(head + out) + "\n"
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
