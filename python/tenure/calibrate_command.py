"""`tenure calibrate FILE --targets T.yaml`: the command's front end for tenure.calibrate (the
native `tenure` command hands its arguments here: python3 -m tenure.calibrate_command)."""
from __future__ import annotations

from typing import Optional, Sequence

import pandas as pd

from . import _core
from .calibrate import calibrate, load_targets


def main(argv: Optional[Sequence[str]] = None) -> int:
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="tenure calibrate",
                                 description="fit a scenario's parameters to target statistics (docs/research.md)")
    ap.add_argument("file", help="scenario file (YAML) or a bundled story's name")
    ap.add_argument("--targets", required=True, help="YAML file with targets and parameters")
    ap.add_argument("--method", choices=["optuna", "abc"], default="optuna",
                    help="optuna: point estimate (TPE or CMA-ES); abc: posterior by ABC-SMC (default optuna)")
    ap.add_argument("--sampler", choices=["tpe", "cmaes"], default="tpe", help="Optuna's sampler (default tpe)")
    ap.add_argument("--trials", type=int, default=60, help="Optuna: candidates (default 60)")
    ap.add_argument("--population", type=int, default=100, help="ABC: particles per generation (default 100)")
    ap.add_argument("--generations", type=int, default=6, help="ABC: at most this many generations (default 6)")
    ap.add_argument("-r", "--replications", type=int, default=8, help="replications per candidate (default 8)")
    ap.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    ap.add_argument("-o", "--out", default=None, help="output folder (default results/<scenario>-calibration)")
    ap.add_argument("-j", "--threads", type=int, default=0, help="threads per candidate (default: every core)")
    ap.add_argument("--parallel", type=int, default=1, help="Optuna: candidates at once (default 1)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    a = ap.parse_args(argv)
    try:
        from .scenario import load

        sc = load(a.file)
        targets, params = load_targets(a.targets)
        out = a.out or f"results/{sc.name}-calibration"
        c = calibrate(sc, targets, params, method=a.method, replications=a.replications, trials=a.trials,
                      sampler=a.sampler, population=a.population, generations=a.generations, seed=a.seed, out=out,
                      threads=a.threads, parallel=a.parallel, progress=not a.quiet)
    except ImportError as e:
        print(f"tenure calibrate: {e}; install the calibration extra: pip install 'tenure[calibrate]'", file=sys.stderr)
        return 2
    except (ValueError, _core.TenureError) as e:
        print(str(e), file=sys.stderr)
        return 2
    if not a.quiet:
        with pd.option_context("display.width", 120):
            print(c.estimates.to_string(index=False))
            print(f"\nfit (chi-square {c.chi_square:.2f} over {len(c.fit)} figures):")
            print(c.fit.to_string(index=False))
        print(f"\nwrote {out}/{{estimates.csv,fit.csv,samples.csv,calibration.json,scenario.calibrated.yaml,fit.png}}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
