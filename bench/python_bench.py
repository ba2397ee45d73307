"""Python-side benchmarks (issue 5 targets), printed as markdown:

1. tenure.run of the baseline scenario from Python against the CLI on the same work
   (`tenure run ... --threads 1 -q`, including its process start and file writing; Python
   includes building the DataFrames and saving the same files).
2. A sweep's throughput on 1 and 2 local workers, and on a 2-worker Dask LocalCluster.

Usage: python3 bench/python_bench.py [--reps N] [--points N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path

import tenure

ROOT = Path(__file__).resolve().parents[1]


def best_of(f, n: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20, help="baseline replications per timing")
    ap.add_argument("--repeat", type=int, default=7, help="timings per side (median reported)")
    ap.add_argument("--points", type=int, default=24, help="sweep points")
    args = ap.parse_args()

    cli = Path(sysconfig.get_path("scripts")) / "tenure"
    scen = ROOT / "scenarios" / "baseline.yaml"
    work = Path(tempfile.mkdtemp(prefix="tenure-bench-"))
    sc = tenure.load(scen)

    def run_cli():
        subprocess.run([str(cli), "run", str(scen), "-r", str(args.reps), "--threads", "1", "-q", "--out",
                        str(work / "cli")], check=True)

    def run_py():
        res = tenure.run(sc, replications=args.reps, threads=1)
        res.timeseries, res.managers  # build the tables as a notebook user would
        res.save(work / "py")

    def run_py_only():
        tenure.run(sc, replications=args.reps, threads=1)

    for f in (run_cli, run_py):  # warm caches
        f()
    # interleave so that drift on the machine hits both sides alike
    t_cli, t_py, t_core = [], [], []
    for _ in range(args.repeat):
        t_cli.append(best_of(run_cli, 1)[0])
        t_py.append(best_of(run_py, 1)[0])
        t_core.append(best_of(run_py_only, 1)[0])
    m_cli, m_py, m_core = (statistics.median(x) for x in (t_cli, t_py, t_core))
    print("## Python against the CLI (baseline scenario)\n")
    print(f"`python3 bench/python_bench.py --reps {args.reps} --repeat {args.repeat} --points {args.points}`, "
          f"{os.cpu_count()} cores, one thread each side, medians of {args.repeat} interleaved timings.\n")
    print("| what | median s | vs CLI |")
    print("|---|---:|---:|")
    print(f"| `tenure run baseline.yaml -r {args.reps} --threads 1 -q` (CLI, writes files) | {m_cli:.3f} | 1.00 |")
    print(f"| `tenure.run(sc, replications={args.reps}, threads=1)`, tables built, `save()` | {m_py:.3f} | {m_py / m_cli:.2f} |")
    print(f"| `tenure.run(sc, replications={args.reps}, threads=1)` alone | {m_core:.3f} | {m_core / m_cli:.2f} |")

    # sweep throughput
    sw_sc = tenure.load(scen, {"experiment.horizon": "5 years"})
    design = tenure.latin({"churn.satisfaction_weight": (0.2, 0.7), "service.support_staff": (0, 6)}, args.points, seed=1)
    reps = 4

    def sweep_local(workers: int) -> float:
        out = work / f"sweep-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        tenure.sweep(sw_sc, design, out, replications=reps, workers=workers, progress=False)
        return time.perf_counter() - t0

    sweep_local(2)  # warm
    one = statistics.median(sweep_local(1) for _ in range(3))
    two = statistics.median(sweep_local(2) for _ in range(3))
    print("\n## Sweep throughput\n")
    print(f"Latin hypercube of {args.points} points x {reps} replications of the baseline (5 years).\n")
    print("| executor | median s | points/s | speed-up vs 1 worker |")
    print("|---|---:|---:|---:|")
    print(f"| local, 1 worker | {one:.3f} | {args.points / one:.1f} | 1.00x |")
    print(f"| local, 2 workers | {two:.3f} | {args.points / two:.1f} | {one / two:.2f}x |")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("| Dask | not installed | | |")
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        def sweep_dask() -> float:
            out = work / "sweep-dask"
            shutil.rmtree(out, ignore_errors=True)
            t0 = time.perf_counter()
            tenure.sweep(sw_sc, design, out, replications=reps, client=client, progress=False)
            return time.perf_counter() - t0

        sweep_dask()  # warm: workers import tenure
        d = statistics.median(sweep_dask() for _ in range(3))
    print(f"| Dask LocalCluster, 2 worker processes | {d:.3f} | {args.points / d:.1f} | {one / d:.2f}x |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
