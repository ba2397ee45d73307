"""Parameter sweeps: a design of points, replications on common random numbers, results
streamed to Parquet as each point finishes, resume after an interruption, and the same
sweep on a Dask cluster by passing a client.

Each point runs every replication of the requested variants with the same seed, so point
i and point j see the same random numbers wherever their paths agree: differences between
points come from the parameters. A point's result depends only on the scenario, the point
and the seed, never on where or in which order it ran, so a local sweep and a Dask sweep
give identical files.
"""
from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import numbers
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from . import _core, extend
from .scenario import Scenario, _setting

SWEEP_TABLES = ("runs", "timeseries", "managers")


@dataclass
class Design:
    """Points of a sweep: one row per point, one column per parameter (a dotted path).

    ``kind`` is grid, latin, sobol or morris; ``problem`` is the SALib problem for the
    sampled designs, which sensitivity analysis needs."""

    kind: str
    points: pd.DataFrame
    problem: Optional[dict] = None
    options: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.points)

    def fingerprint(self) -> str:
        text = json.dumps({"kind": self.kind, "points": self.points.to_dict(orient="list"), "problem": self.problem},
                          sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def grid(parameters: Mapping[str, Sequence[Any]]) -> Design:
    """Every combination of the listed values, e.g.
    ``grid({"managers.Darren.time.hunt_share": [0.5, 0.7, 0.9], "organisation.promotion": ["new_business", "total_value"]})``."""
    if not parameters:
        raise ValueError("grid: give at least one parameter")
    names = list(parameters)
    for n in names:
        if len(parameters[n]) == 0:
            raise ValueError(f"grid: parameter {n!r} has no values")
    rows = list(itertools.product(*(list(parameters[n]) for n in names)))
    return Design("grid", pd.DataFrame(rows, columns=names))


def _bound(name: str, value: Any) -> tuple[float, Optional[str]]:
    """A bound as a number, and its unit kind: a rate ("0.05 per year") is sampled per day, a
    duration ("6 months") in days, as the engine stores them; a plain number as it is."""
    if isinstance(value, str):
        text = value.strip()
        try:
            if " per " in f" {text} ":
                return float(_core.parse_rate(text)), "rate"
            return float(_core.parse_duration(text)), "duration"
        except _core.TenureError as e:
            raise ValueError(f"parameter {name!r}: bound {value!r}: {e}") from None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"parameter {name!r}: bound {value!r} is not a number, a rate or a duration")
    return float(value), None


def _problem(bounds: Mapping[str, tuple[Any, Any]]) -> tuple[dict, dict]:
    """The SALib problem, and the unit kind of each parameter given as rates or durations."""
    if not bounds:
        raise ValueError("give at least one parameter with (low, high) bounds")
    numeric, units = [], {}
    for n, b in bounds.items():
        if len(b) != 2:
            raise ValueError(f"parameter {n!r}: bounds must be (low, high), got {b!r}")
        (lo, ulo), (hi, uhi) = _bound(n, b[0]), _bound(n, b[1])
        if ulo != uhi:
            raise ValueError(f"parameter {n!r}: both bounds must be of one kind (two numbers, two rates or two durations), got {b!r}")
        if not lo < hi:
            raise ValueError(f"parameter {n!r}: bounds must be (low, high) with low < high, got {b!r}")
        numeric.append([lo, hi])
        if ulo:
            units[n] = ulo
    return {"num_vars": len(bounds), "names": list(bounds), "bounds": numeric}, units


def _points(problem: dict, x: np.ndarray, bounds: Mapping[str, tuple[Any, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(x, columns=problem["names"])
    for n, b in bounds.items():  # integer bounds give integer parameters
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in b):
            df[n] = np.rint(df[n]).astype(np.int64)
    return df


def latin(bounds: Mapping[str, tuple[float, float]], n: int, seed: int = 1) -> Design:
    """A Latin hypercube of ``n`` points within the bounds."""
    from SALib.sample import latin as salib_latin

    problem, units = _problem(bounds)
    return Design("latin", _points(problem, salib_latin.sample(problem, n, seed=seed), bounds), problem,
                  {"n": n, "seed": seed, "units": units})


def sobol(bounds: Mapping[str, tuple[float, float]], n: int, seed: int = 1, second_order: bool = False) -> Design:
    """Saltelli's design for Sobol indices: n x (D + 2) points (n x (2D + 2) with second order); n a power of 2."""
    from SALib.sample import sobol as salib_sobol

    problem, units = _problem(bounds)
    x = salib_sobol.sample(problem, n, calc_second_order=second_order, seed=seed)
    return Design("sobol", _points(problem, x, bounds), problem,
                  {"n": n, "seed": seed, "second_order": second_order, "units": units})


def morris(bounds: Mapping[str, tuple[float, float]], trajectories: int, levels: int = 4, seed: int = 1) -> Design:
    """Morris elementary-effects design: trajectories x (D + 1) points."""
    from SALib.sample import morris as salib_morris

    problem, units = _problem(bounds)
    x = salib_morris.sample(problem, trajectories, num_levels=levels, seed=seed)
    return Design("morris", _points(problem, x, bounds), problem,
                  {"trajectories": trajectories, "levels": levels, "seed": seed, "x": x.tolist(), "units": units})


# ---------------------------------------------------------------------------------------
# One point: the unit of work, identical wherever it runs.

def _point_sets(row: Mapping[str, Any], units: Optional[Mapping[str, str]] = None) -> list[str]:
    """The overrides of one point; a rate or a duration sampled in the engine's units (per day,
    days) is written with its unit."""
    units = units or {}
    out = []
    for k, v in row.items():
        v = v.item() if isinstance(v, np.generic) else v
        if k in units:
            v = f"{float(v)!r} per day" if units[k] == "rate" else f"{float(v)!r} days"
        out.append(_setting(k, v))
    return out


def _arrow(columns, front: Mapping[str, Any]) -> pa.Table:
    """An Arrow table from the engine's columns, with constant columns in front. Text
    columns become plain strings (dictionaries would differ between points' files)."""
    n = len(columns[0][2]) if columns else 0
    arrays, names = [], []
    for k, v in front.items():
        arrays.append(pa.repeat(pa.scalar(v), n) if n else pa.array([], type=pa.scalar(v).type))
        names.append(k)
    for name, kind, values, levels in columns:
        if kind == "text":
            arrays.append(pa.array(levels, type=pa.string()).take(pa.array(values)))
        elif kind == "bool":
            arrays.append(pa.array(np.asarray(values) != 0))
        else:
            arrays.append(pa.array(values))
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


def run_point(text: str, name: str, sets: Sequence[str], seed: int, replications: int, variants: Sequence[str],
              tables: Sequence[str], point: int, params: Mapping[str, Any]) -> dict[str, pa.Table]:
    """Runs one point of a sweep on one thread and returns its tables as Arrow tables, each
    with the point's number and parameter values in front. Used locally and on Dask workers."""
    sc = _core.load_string(text, name, list(sets))
    rs = _core.run(sc, seed=seed, replications=replications, variants=list(variants), threads=1)
    front = {"point": point, **params}
    return {t: _arrow(_core.table(rs, t), front) for t in tables}


# ---------------------------------------------------------------------------------------

class SweepResult:
    """A sweep's folder: ``sweep.json`` (what was swept), ``design.parquet`` (the points), and
    one Parquet file per point and table under ``<table>/``. Reading is lazy: ``dataset``
    scans files without loading them, so a sweep larger than memory can be filtered and
    aggregated; ``table`` loads one table into pandas."""

    def __init__(self, folder: Union[str, "os.PathLike[str]"]):
        self.folder = Path(folder)
        manifest = self.folder / "sweep.json"
        if not manifest.exists():
            raise FileNotFoundError(f"{manifest}: no sweep here")
        self.manifest = json.loads(manifest.read_text())
        self.design = Design(self.manifest["design"]["kind"], pd.read_parquet(self.folder / "design.parquet"),
                             self.manifest["design"]["problem"], self.manifest["design"]["options"])

    def done(self) -> list[int]:
        """Points whose results are on disk."""
        return sorted(int(p.stem.split("-")[1]) for p in (self.folder / "runs").glob("point-*.parquet"))

    @property
    def complete(self) -> bool:
        return len(self.done()) == len(self.design)

    def dataset(self, name: str = "runs") -> pads.Dataset:
        """The points' files of one table (only those the sweep wrote: other files in the
        folder are left alone), scanned lazily."""
        files = sorted(str(p) for p in (self.folder / name).glob("point-*.parquet"))
        if not files:
            raise FileNotFoundError(f"{self.folder / name}: no finished points of this table")
        return pads.dataset(files, format="parquet")

    def table(self, name: str = "runs") -> pd.DataFrame:
        """One table of every finished point, ordered by point, variant and replication."""
        df = self.dataset(name).to_table().to_pandas()
        keys = [k for k in ("point", "variant", "replication", "month", "manager") if k in df.columns]
        return df.sort_values(keys, kind="stable").reset_index(drop=True)

    def metrics(self, table: str = "runs") -> list[str]:
        """The numeric columns of one of the sweep's tables: what ``means`` and ``sensitivity`` can analyse."""
        if table not in self.manifest["tables"]:
            raise ValueError(f"table {table!r} was not kept by this sweep; kept: {', '.join(self.manifest['tables'])}")
        schema = self.dataset(table).schema
        skip = {"point", "replication", "month", *self.design.points.columns}
        return [f.name for f in schema if f.name not in skip and (pa.types.is_integer(f.type) or pa.types.is_floating(f.type))]

    def replication_values(self, metric: str, variant: str = "base", table: str = "runs",
                           reduce: str = "last") -> pd.DataFrame:
        """One value of ``metric`` per point and replication: a column of the runs table, or of
        timeseries (``reduce``: last month, mean or sum over months) or managers (mean or sum
        over managers)."""
        known = self.metrics(table)
        if metric not in known:
            near = difflib.get_close_matches(metric, known, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"unknown metric {metric!r} in the {table} table{hint} (known: {', '.join(known)})")
        cols = ["point", "variant", "replication", metric] + (["month"] if table == "timeseries" else [])
        df = self.dataset(table).to_table(columns=cols).to_pandas()
        df = df[df["variant"] == variant]
        if table == "runs":
            return df[["point", "replication", metric]]
        ways = ("last", "mean", "sum") if table == "timeseries" else ("mean", "sum")
        if reduce not in ways:
            raise ValueError(f"reduce: expected one of {', '.join(ways)} for the {table} table, got {reduce!r}")
        g = df.sort_values(cols[:3] + (["month"] if table == "timeseries" else [])).groupby(["point", "replication"])[metric]
        out = g.last() if reduce == "last" else g.mean() if reduce == "mean" else g.sum()
        return out.reset_index()

    def means(self, metric: str, variant: str = "base", table: str = "runs", reduce: str = "last") -> pd.DataFrame:
        """Per point: the parameters, the mean of ``metric`` over replications, and its 95%
        interval. ``metric`` is any numeric column of a kept table (see ``metrics``)."""
        from scipy import stats

        runs = self.replication_values(metric, variant, table, reduce)
        g = runs.groupby("point")[metric]
        out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.size()})
        t = stats.t.ppf(0.975, np.maximum(out["n"] - 1, 1))
        out["ci_low"] = out["mean"] - t * out["sd"] / np.sqrt(out["n"])
        out["ci_high"] = out["mean"] + t * out["sd"] / np.sqrt(out["n"])
        return self.design.points.join(out, how="inner")

    def variance_shares(self, metric: str, variant: str = "base", table: str = "runs", reduce: str = "last") -> dict:
        """How much of the output's variance is the simulation's own randomness: a two-way
        analysis of variance of single runs with the point (the parameters) and the replication
        (its random numbers, shared by every point: common random numbers) as factors.

        - ``point_share``: what the parameters explain;
        - ``replication_share``: what the replication's random numbers explain alike at every point;
        - ``interaction_share``: randomness that differs from point to point: the noise that
          inflates indices computed from point means (add replications when it is not small);
        - ``stochastic_share``: the two together, the share of a run's variance no parameter explains.
        """
        v = self.replication_values(metric, variant, table, reduce)
        wide = v.pivot(index="point", columns="replication", values=metric)
        if wide.shape[1] < 2 or wide.isna().any().any():
            raise ValueError("the variance shares need at least 2 replications at every point")
        y = wide.to_numpy(float)
        grand = y.mean()
        ss_total = float(((y - grand) ** 2).sum())
        ss_point = float(y.shape[1] * ((y.mean(axis=1) - grand) ** 2).sum())
        ss_rep = float(y.shape[0] * ((y.mean(axis=0) - grand) ** 2).sum())
        ss_inter = max(0.0, ss_total - ss_point - ss_rep)
        share = (lambda x: x / ss_total) if ss_total > 0 else (lambda x: float("nan"))
        return {"points": int(y.shape[0]), "replications": int(y.shape[1]), "point_share": share(ss_point),
                "replication_share": share(ss_rep), "interaction_share": share(ss_inter),
                "stochastic_share": share(ss_rep + ss_inter)}

    def _indices(self, y: np.ndarray, rows: int) -> pd.DataFrame:
        """The design's indices from the first ``rows`` points (a prefix is a smaller design of
        the same kind: whole Saltelli blocks, whole Morris trajectories)."""
        problem = self.design.problem
        if self.design.kind == "sobol":
            from SALib.analyze import sobol as analyze

            si = analyze.analyze(problem, y[:rows], calc_second_order=self.design.options["second_order"],
                                 seed=self.design.options["seed"])
            return pd.DataFrame({"parameter": problem["names"], "S1": si["S1"], "S1_conf": si["S1_conf"],
                                 "ST": si["ST"], "ST_conf": si["ST_conf"]})
        if self.design.kind == "morris":
            from SALib.analyze import morris as analyze

            x = np.asarray(self.design.options["x"])[:rows]
            si = analyze.analyze(problem, x, y[:rows], num_levels=self.design.options["levels"],
                                 seed=self.design.options["seed"])
            return pd.DataFrame({"parameter": problem["names"], "mu": si["mu"], "mu_star": si["mu_star"],
                                 "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]})
        raise ValueError(f"sensitivity indices need a sobol or morris design, this one is {self.design.kind}")

    def _block(self) -> tuple[int, int]:
        """(rows per base sample or trajectory, how many there are)."""
        d = self.design.problem["num_vars"]
        if self.design.kind == "sobol":
            per = 2 * d + 2 if self.design.options["second_order"] else d + 2
            return per, self.design.options["n"]
        return d + 1, self.design.options.get("trajectories", len(self.design) // (d + 1))

    def sensitivity(self, metric: str, variant: str = "base", table: str = "runs", reduce: str = "last") -> pd.DataFrame:
        """Sensitivity indices of ``metric`` (its mean over replications at each point) with
        SALib: Sobol (S1, ST with 95% bootstrap intervals) for a sobol design, Morris (mu*, with its
        bootstrap interval, and sigma) for a morris design. Beside them, the stochastic share of a run's
        variance and the part of it that differs from point to point (``variance_shares``)."""
        if not self.complete:
            raise RuntimeError(f"sensitivity needs every point: {len(self.done())} of {len(self.design)} are done")
        if self.design.kind not in ("sobol", "morris"):
            raise ValueError(f"sensitivity indices need a sobol or morris design, this one is {self.design.kind}")
        y = self.means(metric, variant, table, reduce)["mean"].to_numpy()
        out = self._indices(y, len(y))
        try:
            shares = self.variance_shares(metric, variant, table, reduce)
        except ValueError:  # one replication per point: the noise cannot be told apart
            shares = {}
        for k in ("stochastic_share", "interaction_share"):
            out[k] = shares.get(k, np.nan)
        return out

    def discover(self, metric: Optional[str] = None, *, threshold: Optional[float] = None, below: bool = True,
                 cases: Any = None, variant: str = "base", table: str = "runs", reduce: str = "last",
                 density: float = 0.8, peel_alpha: float = 0.05, mass_min: float = 0.05) -> Any:
        """Scenario discovery on this sweep (tenure.discovery): PRIM's box and feature scores for
        the points where ``metric``'s mean over replications is below (or above) ``threshold``,
        or for ``cases``: a boolean per point, or a function of the per-point means table
        (``means(metric, ...)``) returning one."""
        from .discovery import discover

        if not self.complete:
            raise RuntimeError(f"discovery needs every point: {len(self.done())} of {len(self.design)} are done")
        if cases is None or callable(cases):
            if metric is None:
                raise ValueError("give a metric (with a threshold, or cases as a function of its means) or cases")
            m = self.means(metric, variant, table, reduce)
            if callable(cases):
                y = np.asarray(cases(m), dtype=bool)
            elif threshold is None:
                raise ValueError("give a threshold for the metric, or cases")
            else:
                y = (m["mean"] < threshold if below else m["mean"] > threshold).to_numpy()
            x = m[list(self.design.points.columns)]
        else:
            y, x = np.asarray(cases, dtype=bool), self.design.points
        return discover(x, y, density=density, peel_alpha=peel_alpha, mass_min=mass_min)

    def convergence(self, metric: str, variant: str = "base", table: str = "runs", reduce: str = "last",
                    steps: int = 4) -> pd.DataFrame:
        """The indices against sample size: computed on the first 1/2^(steps-1), ..., 1/2, all of
        the design's base samples (Sobol) or trajectories (Morris). ``converged`` is True for a
        parameter whose index at the full size lies within the half size's bootstrap interval
        (ST for Sobol, mu* for Morris), and the table's ``attrs["converged"]`` says whether all do."""
        if not self.complete:
            raise RuntimeError(f"convergence needs every point: {len(self.done())} of {len(self.design)} are done")
        y = self.means(metric, variant, table, reduce)["mean"].to_numpy()
        per, count = self._block()
        sizes = sorted({max(2, count >> k) for k in range(steps)})
        frames = []
        for n in sizes:
            t = self._indices(y, n * per)
            t.insert(0, "n", n)
            frames.append(t)
        out = pd.concat(frames, ignore_index=True)
        index, conf = ("ST", "ST_conf") if self.design.kind == "sobol" else ("mu_star", "mu_star_conf")
        if len(sizes) >= 2:
            half = out[out["n"] == sizes[-2]].set_index("parameter")
            full = out[out["n"] == sizes[-1]].set_index("parameter")
            ok = (full[index] - half[index]).abs() <= half[conf]
            out["converged"] = out["parameter"].map(ok).where(out["n"] == sizes[-1])
            out.attrs["converged"] = bool(ok.all())
        else:
            out["converged"] = np.nan
            out.attrs["converged"] = False
        return out

    def __repr__(self) -> str:
        return f"SweepResult({str(self.folder)!r}, {len(self.done())}/{len(self.design)} points)"


def _write_parquet(path: Path, table: pa.Table) -> None:
    tmp = path.with_suffix(f".parquet.tmp-{os.getpid()}-{threading.get_ident()}")  # unique: writers never share one
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(f"{path.suffix}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def sweep(scenario: Scenario, design: Design, out: Union[str, "os.PathLike[str]"], *, replications: Optional[int] = None,
          seed: Optional[int] = None, variants: Union[None, str, Sequence[str]] = None,
          tables: Sequence[str] = ("runs",), workers: Optional[int] = None, client: Any = None,
          progress: bool = True, resume: bool = True, points_per_task: Optional[int] = None) -> SweepResult:
    """Runs every point of ``design`` and streams each point's tables to ``out`` as Parquet.

    - ``replications`` and ``seed`` default to the scenario's; all points share the seed
      (common random numbers across points).
    - ``tables``: any of runs (per-replication metrics), timeseries, managers.
    - ``workers``: threads on this machine (default: every core); ``client``: a
      ``dask.distributed.Client`` to run the points on its cluster instead, in tasks of
      ``points_per_task`` points (default: about eight tasks per worker thread, at most 16
      points each; a point's files are written as its task returns).
    - ``resume``: an interrupted sweep continues where it stopped; finished points are kept
      and not recomputed. A folder holding a different sweep is refused.
    """
    from .results import _variant_list

    for t in tables:
        if t not in SWEEP_TABLES:
            raise ValueError(f"unknown sweep table {t!r}; known: {', '.join(SWEEP_TABLES)}")
    if "runs" not in tables:
        tables = ("runs",) + tuple(tables)
    tables = ("runs",) + tuple(t for t in tables if t != "runs")
    names = _variant_list(scenario, variants)
    import time

    from .provenance import call_text, record

    started = time.monotonic()
    reps = int(replications if replications is not None else scenario.replications)
    master_seed = int(seed if seed is not None else scenario.seed)
    text, name = scenario.portable()
    folder = Path(out)
    manifest = {
        "scenario": name,
        "scenario_hash": hashlib.sha256(text.encode()).hexdigest()[:16],
        "seed": master_seed,
        "replications": reps,
        "variants": names,
        "tables": list(tables),
        "design": {"kind": design.kind, "problem": design.problem, "options": design.options,
                   "fingerprint": design.fingerprint(), "points": len(design)},
        "tenure_version": _core.__version__,
    }
    records = design.points.to_dict(orient="records")
    _check_points(text, name, records, range(len(design)), workers or os.cpu_count() or 1,
                  design.options.get("units", {}))  # before anything is written
    mpath = folder / "sweep.json"
    if mpath.exists():
        old = json.loads(mpath.read_text())
        if not resume:
            _remove_sweep(folder, old)
        elif old != manifest:
            diff = [k for k in manifest if old.get(k) != manifest[k]]
            raise ValueError(f"{folder}: holds a different sweep (differs in: {', '.join(diff)}); "
                             "choose another folder or pass resume=False to start over")
    folder.mkdir(parents=True, exist_ok=True)
    for t in tables:
        (folder / t).mkdir(exist_ok=True)
    if not (folder / "design.parquet").exists():
        _write_parquet(folder / "design.parquet", pa.Table.from_pandas(design.points, preserve_index=False))
    if not mpath.exists():
        _atomic_text(mpath, json.dumps(manifest, indent=2, sort_keys=True) + "\n")

    done = set(SweepResult(folder).done())
    todo = [i for i in range(len(design)) if i not in done]

    units = design.options.get("units", {})

    def job(i: int) -> tuple:
        params = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in records[i].items()}
        return (text, name, _point_sets(params, units), master_seed, reps, names, tables, i, params)

    def store(i: int, result: dict[str, pa.Table]) -> None:
        # "runs" last: its file marks the point as done.
        for t in reversed(tables):
            _write_parquet(folder / t / f"point-{i:06d}.parquet", result[t])

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(design), initial=len(done), unit="point", desc=f"sweep {name}")
    try:
        if client is not None:
            _run_dask(client, todo, job, store, bar, points_per_task)
        else:
            _run_local(workers or os.cpu_count() or 1, todo, job, store, bar)
    finally:
        if bar is not None:
            bar.close()
    # How it was made (sweep.json says what was swept, and must match to resume; this records
    # the build, the environment, the call and the time of the run that completed it).
    call = call_text("sweep", scenario, design=f"<{design.kind} design of {len(design)} points, fingerprint "
                     f"{design.fingerprint()}>", out=str(out), replications=replications, seed=seed, variants=variants,
                     tables=list(tables))
    _atomic_text(folder / "provenance.json",
                 json.dumps(record(call, time.monotonic() - started), indent=2) + "\n")
    return SweepResult(folder)


def _remove_sweep(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Removes what a sweep wrote (its manifest, design and point files, and the table folders
    if that leaves them empty) and nothing else: a user's own files in the folder stay."""
    for t in manifest.get("tables", SWEEP_TABLES):
        sub = folder / str(t)
        if sub.is_dir():
            for p in sub.glob("point-*.parquet*"):
                p.unlink()
            try:
                sub.rmdir()
            except OSError:
                pass  # something of the user's is in it
    for p in (folder / "design.parquet", folder / "sweep.json"):
        if p.exists():
            p.unlink()


def _check_points(text: str, name: str, records: list, todo: Sequence[int], workers: int,
                  units: Optional[Mapping[str, str]] = None) -> None:
    """Loads every point's scenario before anything runs (on the worker threads: loading
    releases the GIL), so that bad points are reported at once, all of them, instead of
    after hours of finished ones."""
    unique: dict[tuple, int] = {}
    for i in todo:
        unique.setdefault(tuple(_point_sets(records[i], units)), i)

    def check(sets: tuple) -> Optional[str]:
        try:
            _core.load_string(text, name, list(sets))
            return None
        except _core.TenureError as e:
            return f"point {unique[sets]} ({', '.join(sets)}): {e}"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        problems = [p for p in pool.map(check, list(unique)) if p]
    if problems:
        more = f"\n... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise _core.TenureError("the design has points the scenario refuses:\n" + "\n".join(problems[:10]) + more)


def _run_local(workers: int, todo: list[int], job, store, bar) -> None:
    # Threads are enough: the engine releases the GIL while it simulates. At most 2 x workers
    # points are in flight, so memory stays flat however large the sweep.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: dict = {}
        it: Iterator[int] = iter(todo)
        while True:
            while len(pending) < 2 * workers:
                i = next(it, None)
                if i is None:
                    break
                pending[pool.submit(run_point, *job(i))] = i
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                i = pending.pop(f)
                store(i, f.result())
                if bar is not None:
                    bar.update(1)


def run_points(jobs: Sequence[tuple], behaviour: Sequence[Any] = ()) -> list[tuple[int, dict[str, pa.Table]]]:
    """Several points in one task: fewer, larger tasks keep a cluster's scheduler overhead small.
    ``behaviour``: the strategies the caller registered in Python (extend.exported), registered
    here first, so a worker in another process runs what the caller would."""
    extend.install(behaviour)
    return [(job[7], run_point(*job)) for job in jobs]


def _run_dask(client: Any, todo: list[int], job, store, bar, points_per_task: Optional[int]) -> None:
    from distributed import as_completed

    workers = max(1, sum(client.nthreads().values()))
    # About eight tasks per worker thread, at most 16 points each: enough tasks to balance the
    # load and keep every worker busy, few enough that scheduling costs little per point.
    per_task = points_per_task or max(1, min(16, len(todo) // (8 * workers)))
    chunks = [todo[k:k + per_task] for k in range(0, len(todo), per_task)]
    # The Python behaviour the scenario or the design's values name (small: sent with each task).
    named = "\n".join([job(todo[0])[0]] + sorted({v for i in todo for v in job(i)[8].values() if isinstance(v, str)})) \
        if todo else ""
    behaviour = extend.exported(used_in=named) if todo else []
    width = 2 * workers  # tasks in flight: results come back and are stored as each finishes
    it: Iterator[list[int]] = iter(chunks)

    def submit(chunk: list[int]):
        return client.submit(run_points, [job(i) for i in chunk], behaviour, pure=False)

    futures = [submit(c) for c in itertools.islice(it, width)]
    ac = as_completed(futures)
    for f in ac:
        for i, result in f.result():
            store(i, result)
            if bar is not None:
                bar.update(1)
        f.release()
        nxt = next(it, None)
        if nxt is not None:
            ac.add(submit(nxt))
