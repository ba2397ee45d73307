"""Calibration: fit chosen parameters of a scenario to target statistics of the run tables.

Two methods on maintained libraries:

- ``method="optuna"``: a point estimate by Optuna's TPE (or CMA-ES) sampler minimising the
  chi-square of the targets, with an interval per parameter from the trials (the range of those
  within the chi-square's 95% point for one parameter of the best: a likelihood-ratio interval);
- ``method="abc"``: a posterior by pyabc's ABC-SMC (noisy ABC: the data's uncertainty is added to
  each simulated summary), with 95% credible intervals.

Every candidate runs the same ``replications`` with the same seed, so candidates are compared
on the same random numbers (common random numbers), and the simulation's own noise enters the
chi-square: each target's deviation is scaled by sqrt(data sd^2 + simulation variance / R).
Both methods keep their state in a SQLite file in the output folder, so an interrupted
calibration resumes; candidates run on local threads, or on a Dask cluster with ``client``.

Targets (``Target`` or the same as dicts / YAML):

- ``metric``: a summary metric per run (``tenure.metrics()``);
- ``column`` with ``at`` (a month, or a list of months: a curve) or ``reduce`` (mean, sum or
  last) over ``from``..``to``: a monthly column of the timeseries;
- ``attrition``: clients lost per year over the mean clients, over ``from``..``to``;
- ``turnover``: managers who left per year over the mean managers, over ``from``..``to``;
- ``share``: the sum of ``numerator`` columns over the sum of ``denominator`` columns, over ``from``..``to``
  (e.g. new business by referral over all new business);
- ``function``: any Python callable of (timeseries, runs, managers) DataFrames returning one value
  per replication (an array of shape (R,) or (R, k)).

Each has ``value`` (the data's figure, or a list for a curve) and ``sd`` (its standard error).
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core, extend
from ._frames import frame
from .scenario import Scenario, seed_value
from .sweep import _point_sets, _problem

MONTH_DAYS = 365.25 / 12


def _month(value: Any, what: str) -> int:
    """A month index from a whole number of months or a duration text ("24 months", "2 years")."""
    if isinstance(value, str):
        try:
            return int(round(float(_core.parse_duration(value)) / MONTH_DAYS))
        except _core.TenureError as e:
            raise ValueError(f"{what}: {e}") from None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    raise ValueError(f"{what}: expected a whole number of months or a duration such as '24 months', got {value!r}")


@dataclass
class Target:
    """A statistic of the run tables, its observed value and the data's standard error."""

    name: str
    value: Union[float, Sequence[float]]
    sd: Union[float, Sequence[float]]
    kind: str = "metric"  # metric, column, attrition, turnover, share, function
    metric: Optional[str] = None
    column: Optional[str] = None
    at: Union[None, int, str, Sequence[Union[int, str]]] = None
    reduce: str = "mean"
    start: Union[int, str] = 0  # "from" in dicts and YAML
    end: Union[None, int, str] = None  # "to"
    numerator: Sequence[str] = ()
    denominator: Sequence[str] = ()
    function: Optional[Callable[..., Any]] = None

    def __post_init__(self) -> None:
        obs, sd = np.atleast_1d(np.asarray(self.value, dtype=float)), np.atleast_1d(np.asarray(self.sd, dtype=float))
        if obs.shape != sd.shape:
            raise ValueError(f"target {self.name!r}: value and sd must have the same length")
        if not np.all(np.isfinite(obs)) or not np.all(sd > 0):
            raise ValueError(f"target {self.name!r}: values must be finite and every sd above 0")
        known = {"metric", "column", "attrition", "turnover", "share", "function"}
        if self.kind not in known:
            raise ValueError(f"target {self.name!r}: unknown kind {self.kind!r}; known: {', '.join(sorted(known))}")
        if self.kind == "metric" and self.metric not in _core.metrics():
            raise ValueError(f"target {self.name!r}: unknown metric {self.metric!r}; known: {', '.join(_core.metrics())}")
        if self.kind in ("column", "share"):
            cols = {c["name"] for c in _core.columns() if c["table"] == "timeseries"}
            for c in ([self.column] if self.kind == "column" else list(self.numerator) + list(self.denominator)):
                if c not in cols:
                    raise ValueError(f"target {self.name!r}: unknown monthly column {c!r}")
        if self.kind == "column" and self.reduce not in ("mean", "sum", "last"):
            raise ValueError(f"target {self.name!r}: reduce must be mean, sum or last, got {self.reduce!r}")
        if self.kind == "function" and not callable(self.function):
            raise ValueError(f"target {self.name!r}: kind 'function' needs a callable")
        self.observed, self.sd_array = obs, sd

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Target":
        d = dict(d)
        name = str(d.pop("name", "")) or "target"
        kinds = [k for k in ("metric", "column", "attrition", "turnover", "share", "function") if k in d]
        if len(kinds) != 1:
            raise ValueError(f"target {name!r}: give exactly one of metric, column, attrition, turnover, share, function")
        kind = kinds[0]
        args: dict[str, Any] = {"name": name, "kind": kind, "value": d.pop("value", None), "sd": d.pop("sd", None)}
        if args["value"] is None or args["sd"] is None:
            raise ValueError(f"target {name!r}: needs value and sd (the data's figure and its standard error)")
        if kind == "metric":
            args["metric"] = d.pop("metric")
        elif kind == "column":
            args["column"] = d.pop("column")
        elif kind == "share":
            share = d.pop("share")
            if not isinstance(share, Mapping) or "numerator" not in share or "denominator" not in share:
                raise ValueError(f"target {name!r}: share needs numerator and denominator (monthly columns)")
            as_list = lambda v: [v] if isinstance(v, str) else list(v)
            args["numerator"], args["denominator"] = as_list(share["numerator"]), as_list(share["denominator"])
        elif kind == "function":
            args["function"] = d.pop("function")
        else:
            d.pop(kind)
        for key, attr in (("at", "at"), ("reduce", "reduce"), ("from", "start"), ("to", "end")):
            if key in d:
                args[attr] = d.pop(key)
        if d:
            raise ValueError(f"target {name!r}: unknown keys {sorted(d)}")
        return cls(**args)

    # per-replication values: shape (R, k)
    def values(self, ts: pd.DataFrame, runs: pd.DataFrame, mgr: pd.DataFrame) -> np.ndarray:
        reps = np.sort(runs["replication"].unique())
        if self.kind == "metric":
            return runs.sort_values("replication")[self.metric].to_numpy(float)[:, None]
        if self.kind == "function":
            out = np.asarray(self.function(ts, runs, mgr), dtype=float)
            return out[:, None] if out.ndim == 1 else out
        lo = _month(self.start, f"target {self.name!r}: from")
        months = int(ts["month"].max()) + 1
        hi = months if self.end is None else _month(self.end, f"target {self.name!r}: to")
        if not 0 <= lo < hi <= months:
            raise ValueError(f"target {self.name!r}: months {lo} to {hi} are not within the run's {months}")
        win = ts[(ts["month"] >= lo) & (ts["month"] < hi)]
        g = win.groupby("replication")
        years = (hi - lo) / 12
        if self.kind == "column":
            if self.at is not None:
                at = [self.at] if isinstance(self.at, (int, str, np.integer)) else list(self.at)
                idx = [_month(a, f"target {self.name!r}: at") for a in at]
                piv = ts.pivot(index="replication", columns="month", values=self.column)
                missing = [i for i in idx if i not in piv.columns]
                if missing:
                    raise ValueError(f"target {self.name!r}: month {missing[0]} is beyond the run")
                return piv.loc[reps, idx].to_numpy(float)
            red = {"mean": g[self.column].mean, "sum": g[self.column].sum, "last": g[self.column].last}[self.reduce]
            return red().loc[reps].to_numpy(float)[:, None]
        if self.kind == "attrition":
            return (g["churned"].sum() / g["active_accounts"].mean() / years).loc[reps].to_numpy(float)[:, None]
        if self.kind == "turnover":
            lo_d, hi_d = lo * MONTH_DAYS, hi * MONTH_DAYS
            left = mgr[(mgr["exited"]) & (mgr["exit_day"] >= lo_d) & (mgr["exit_day"] < hi_d)].groupby("replication").size()
            left = left.reindex(reps, fill_value=0)
            return (left / g["managers"].mean().loc[reps] / years).to_numpy(float)[:, None]
        num = sum(g[c].sum() for c in self.numerator)
        den = sum(g[c].sum() for c in self.denominator)
        return (num / den).loc[reps].to_numpy(float)[:, None]


def _targets(targets: Sequence[Union[Target, Mapping[str, Any]]]) -> list[Target]:
    out = [t if isinstance(t, Target) else Target.from_dict(t) for t in targets]
    if not out:
        raise ValueError("give at least one target")
    names = [t.name for t in out]
    if len(set(names)) != len(names):
        raise ValueError(f"target names must differ: {names}")
    return out


def simulate_targets(text: str, name: str, sets: Sequence[str], seed: Optional[int], replications: int,
                     targets: Sequence[Target], threads: int = 0) -> list[np.ndarray]:
    """Runs one candidate and returns each target's per-replication values, shape (R, k).
    Used locally and on Dask workers."""
    sc = _core.load_string(text, name, list(sets))
    rs = _core.run(sc, seed=seed, replications=replications, variants=["base"], threads=threads)
    ts, runs = frame(_core.table(rs, "timeseries")), frame(_core.table(rs, "runs"))
    mgr = frame(_core.table(rs, "managers")) if any(t.kind in ("turnover", "function") for t in targets) else None
    return [t.values(ts, runs, mgr) for t in targets]


def chi_square(values: Sequence[np.ndarray], targets: Sequence[Target]) -> tuple[float, list[np.ndarray]]:
    """Sum of squared deviations of the simulated means from the data, each scaled by the data's
    and the simulation's uncertainty together; and each target's z-scores."""
    total, zs = 0.0, []
    for v, t in zip(values, targets):
        r = v.shape[0]
        mean = v.mean(axis=0)
        var = v.var(axis=0, ddof=1) / r if r > 1 else np.zeros_like(mean)
        z = (mean - t.observed) / np.sqrt(t.sd_array ** 2 + var)
        total += float(np.sum(z ** 2)) if np.all(np.isfinite(z)) else math.inf
        zs.append(z)
    return total, zs


@dataclass
class Calibration:
    """What a calibration found: estimates and intervals per parameter, the fit against the
    targets, every candidate tried (or the posterior sample), and the calibrated scenario."""

    method: str
    scenario: Scenario
    parameters: dict
    targets: list
    estimates: pd.DataFrame   # parameter, estimate, low, high (95%), unit
    fit: pd.DataFrame         # target, index, observed, sd, simulated, simulated_se, z
    samples: pd.DataFrame     # Optuna: trials (parameters, chi_square); ABC: posterior (parameters, weight)
    chi_square: float
    units: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)  # the build, the environment, the call, the time

    @property
    def best(self) -> dict:
        """The estimates as overrides in the file's units (rates per day, durations in days)."""
        out = {}
        for _, r in self.estimates.iterrows():
            out[r["parameter"]] = float(r["estimate"])
        return out

    def calibrated(self) -> Scenario:
        """The scenario with the estimates applied: ready to run."""
        sets = _point_sets(self.best, self.units)
        overrides = dict(s.split("=", 1) for s in sets)
        return self.scenario.with_overrides(overrides)

    def plot(self, ax: Any = None) -> Any:
        """The fit: each target's data (with ±1.96 sd) against the calibrated model's mean (with
        ±1.96 of its standard error), on a common z scale."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(max(5, 0.9 * len(self.fit) + 2), 3.6))
        labels = [f"{r.target}" + (f"[{r.index}]" if r.index else "") for r in self.fit.itertuples()]
        x = np.arange(len(self.fit))
        ax.errorbar(x - 0.1, self.fit["observed"], yerr=1.96 * self.fit["sd"], fmt="o", color="#0072B2", label="data ±1.96 sd")
        ax.errorbar(x + 0.1, self.fit["simulated"], yerr=1.96 * self.fit["simulated_se"], fmt="s", color="#D55E00",
                    label="calibrated model ±1.96 se")
        ax.set_xticks(x, labels, rotation=20, ha="right")
        ax.set_title(f"calibration ({self.method}): chi-square {self.chi_square:.2f} over {len(self.fit)} figures")
        ax.legend(fontsize=9)
        ax.figure.tight_layout()
        return ax

    def save(self, folder: Union[str, "os.PathLike[str]"]) -> list[str]:
        """Writes estimates.csv, fit.csv, samples.csv, calibration.json, fit.png and
        scenario.calibrated.yaml (the effective scenario with the estimates: `tenure run` it)."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, df in (("estimates.csv", self.estimates), ("fit.csv", self.fit), ("samples.csv", self.samples)):
            _atomic(out / name, df.to_csv(index=False))
            written.append(name)
        _atomic(out / "calibration.json", json.dumps({
            "method": self.method, "scenario": self.scenario.name, "chi_square": self.chi_square,
            "figures": int(len(self.fit)),
            "estimates": self.estimates.to_dict(orient="records"),
            "provenance": self.provenance,
        }, indent=2) + "\n")
        written.append("calibration.json")
        cal = self.calibrated()
        _atomic(out / "scenario.calibrated.yaml",
                f"# calibrated by tenure ({self.method}) from {self.scenario.name}: chi-square {self.chi_square:.3f}\n"
                + cal.effective_yaml())
        written.append("scenario.calibrated.yaml")
        try:
            import matplotlib

            matplotlib.use("Agg", force=False)
            ax = self.plot()
            ax.figure.savefig(out / "fit.png", dpi=110)
            import matplotlib.pyplot as plt

            plt.close(ax.figure)
            written.append("fit.png")
        except ImportError:
            pass
        return written


def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _given_unit(bound: Any) -> tuple[str, float]:
    """A bound's unit as written, and how many engine units (per day, days) one of it is."""
    if not isinstance(bound, str):
        return "", 1.0
    parts = bound.strip().split(None, 1)
    if len(parts) < 2:
        return "", 1.0
    unit = parts[1]
    one = f"1 {unit}"
    return unit, float(_core.parse_rate(one)) if " per " in f" {unit} " else float(_core.parse_duration(one))


def _fit_table(values: Sequence[np.ndarray], targets: Sequence[Target]) -> pd.DataFrame:
    _, zs = chi_square(values, targets)
    rows = []
    for v, t, z in zip(values, targets, zs):
        r = v.shape[0]
        for k in range(v.shape[1]):
            rows.append({"target": t.name, "index": k if v.shape[1] > 1 else 0, "observed": float(t.observed[k]),
                         "sd": float(t.sd_array[k]), "simulated": float(v[:, k].mean()),
                         "simulated_se": float(v[:, k].std(ddof=1) / math.sqrt(r)) if r > 1 else float("nan"),
                         "z": float(z[k])})
    return pd.DataFrame(rows)


def calibrate(scenario: Scenario, targets: Sequence[Union[Target, Mapping[str, Any]]],
              parameters: Mapping[str, tuple[Any, Any]], *, method: str = "optuna", replications: int = 8,
              trials: int = 60, sampler: str = "tpe", population: int = 100, generations: int = 6,
              min_epsilon: float = 1.0, seed: Optional[int] = None, out: Union[None, str, "os.PathLike[str]"] = None,
              threads: int = 0, client: Any = None, parallel: int = 1, progress: bool = False) -> Calibration:
    """Fit ``parameters`` ({path: (low, high)} in the file's units: numbers, rates such as
    "0.05 per year", durations such as "6 months") to ``targets``.

    - ``method``: "optuna" (``trials`` candidates, ``sampler`` "tpe" or "cmaes") or "abc" (ABC-SMC,
      ``population`` particles for at most ``generations`` generations, stopping early once the
      tolerance reaches ``min_epsilon``, in units of the targets' combined standard errors).
    - ``replications`` per candidate, all with the same ``seed`` (common random numbers).
    - ``out``: a folder for the state (``optuna.db`` or ``abc.db``) and the results; a calibration
      that was interrupted resumes from it (Optuna: finished trials are kept; ABC: the last
      generation is continued).
    - ``threads``: replications of a candidate run on this many threads (0: every core);
      ``parallel``: candidates at once (Optuna); ``client``: a ``dask.distributed.Client`` to
      run candidates on its cluster (Optuna: ``parallel`` at a time; ABC: pyabc's Dask sampler).
    """
    import time

    started = time.monotonic()
    tg = _targets(targets)
    problem, units = _problem(parameters)
    names, bounds = problem["names"], problem["bounds"]
    if replications < 2:
        raise ValueError("replications must be at least 2: the simulation's noise is estimated from them")
    if method not in ("optuna", "abc"):
        raise ValueError(f"unknown method {method!r}; known: optuna, abc")
    text, name = scenario.portable()
    seed_v = seed_value(seed) if seed is not None else scenario.seed
    folder = Path(out) if out is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    # The targets must be computable from the scenario as it is (bad months, columns, ...).
    simulate_targets(text, name, [], seed_v, 2, tg, threads)

    def candidate_sets(x: Mapping[str, float]) -> list[str]:
        return _point_sets({n: x[n] for n in names}, units)

    if method == "optuna":
        est, samples = _optuna(text, name, tg, names, bounds, candidate_sets, seed_v, replications, trials, sampler,
                               folder, threads, client, parallel, progress)
    else:
        est, samples = _abc(text, name, tg, names, bounds, units, seed_v, replications, population,
                            generations, min_epsilon, folder, client)
    # The fit at the estimate, on the same replications.
    best = {n: float(est.loc[est["parameter"] == n, "estimate"].iloc[0]) for n in names}
    values = simulate_targets(text, name, candidate_sets(best), seed_v, replications, tg, threads)
    chi2, _ = chi_square(values, tg)
    est["unit"] = [("per day" if units.get(n) == "rate" else "days" if units.get(n) == "duration" else "") for n in names]
    # The same in the units the bounds were given in ("0.05 per year": per year).
    given, factor = [], []
    for n in names:
        unit, f = _given_unit(parameters[n][0])
        given.append(unit), factor.append(f)
    est["given_unit"] = given
    for col in ("estimate", "low", "high"):
        est[f"{col}_given"] = est[col] / np.asarray(factor)
    from .provenance import call_text, record

    call = call_text("calibrate", scenario, targets=[t.name for t in tg], parameters=dict(parameters), method=method,
                     replications=replications, trials=trials if method == "optuna" else None,
                     population=population if method == "abc" else None,
                     generations=generations if method == "abc" else None, seed=seed, out=None if out is None else str(out))
    result = Calibration(method, scenario, dict(parameters), tg, est, _fit_table(values, tg), samples, chi2, units,
                         provenance=record(call, time.monotonic() - started))
    if folder is not None:
        result.save(folder)
    return result


def _optuna(text, name, tg, names, bounds, candidate_sets, seed, reps, trials, sampler, folder, threads, client,
            parallel, progress):
    import optuna
    from scipy.stats import chi2 as chi2_dist

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    smp = (optuna.samplers.CmaEsSampler(seed=seed % 2**32) if sampler == "cmaes"
           else optuna.samplers.TPESampler(seed=seed % 2**32) if sampler == "tpe" else None)
    if smp is None:
        raise ValueError(f"unknown sampler {sampler!r}; known: tpe, cmaes")
    storage = f"sqlite:///{(folder / 'optuna.db').resolve()}" if folder is not None else None
    study = optuna.create_study(study_name="tenure", storage=storage, sampler=smp, direction="minimize",
                                load_if_exists=True)
    done = len([t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE])
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=trials, initial=min(done, trials), unit="candidate", desc="tenure calibrate")

    def evaluate(x):
        vals = simulate_targets(text, name, candidate_sets(x), seed, reps, tg, threads)
        return chi_square(vals, tg)[0]

    while done < trials:
        batch = [study.ask() for _ in range(min(max(1, parallel), trials - done))]
        xs = [{n: t.suggest_float(n, lo, hi) for n, (lo, hi) in zip(names, bounds)} for t in batch]
        if client is not None:
            futures = [client.submit(_evaluate_remote, text, name, candidate_sets(x), seed, reps, tg,
                                     extend.exported(used_in=text), pure=False)
                       for x in xs]
            results = client.gather(futures)
        elif len(xs) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(xs)) as pool:
                results = list(pool.map(evaluate, xs))
        else:
            results = [evaluate(xs[0])]
        for t, v in zip(batch, results):
            study.tell(t, v if math.isfinite(v) else 1e300)
        done += len(batch)
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    rows = [{**t.params, "chi_square": t.value, "trial": t.number} for t in study.trials
            if t.state == optuna.trial.TrialState.COMPLETE]
    samples = pd.DataFrame(rows)
    best = samples.loc[samples["chi_square"].idxmin()]
    cut = float(best["chi_square"]) + float(chi2_dist.ppf(0.95, 1))
    near = samples[samples["chi_square"] <= cut]
    est = pd.DataFrame({"parameter": names, "estimate": [float(best[n]) for n in names],
                        "low": [float(near[n].min()) for n in names], "high": [float(near[n].max()) for n in names]})
    return est, samples


def _evaluate_remote(text, name, sets, seed, reps, tg, behaviour=()):
    extend.install(behaviour)  # strategies the caller registered in Python
    return chi_square(simulate_targets(text, name, sets, seed, reps, tg, 1), tg)[0]


class _AbcModel:
    """pyabc's model: a candidate's targets, as a dict of summary statistics (noisy ABC: the data's
    standard error added as noise), in units of each figure's standard error. Picklable, for Dask."""

    def __init__(self, text, name, tg, names, units, seed, reps, threads):
        self.text, self.name, self.tg, self.names, self.units = text, name, tg, names, units
        self.seed, self.reps, self.threads = seed, reps, threads
        self.behaviour = extend.exported(used_in=text)  # strategies registered in Python, for a worker elsewhere

    def __call__(self, par):
        extend.install(self.behaviour)
        x = {n: float(par[n]) for n in self.names}
        vals = simulate_targets(self.text, self.name, _point_sets(x, self.units), self.seed, self.reps, self.tg,
                                self.threads)
        # The noise is keyed by the seed and the candidate, so a rerun gives the same figures.
        key = np.frombuffer(np.asarray([x[n] for n in self.names], dtype=np.float64).tobytes(), dtype=np.uint32)
        rng = np.random.default_rng([self.seed % 2**32, *key.tolist()])
        out = {}
        for v, t in zip(vals, self.tg):
            mean = v.mean(axis=0)
            noisy = mean + rng.normal(0.0, t.sd_array)
            for k, m in enumerate(noisy):
                out[f"{t.name}.{k}"] = float((m - t.observed[k]) / t.sd_array[k])
        return out


def _abc(text, name, tg, names, bounds, units, seed, reps, population, generations, min_epsilon, folder, client):
    import logging
    import tempfile

    import pyabc

    for lg in ("ABC", "Epsilon", "Data_plot", "Sampler", "History", "Distance", "Acceptor", "Population", "pyabc"):
        logging.getLogger(lg).setLevel(logging.WARNING)
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", lo, hi - lo) for n, (lo, hi) in zip(names, bounds)})
    model = _AbcModel(text, name, tg, names, units, seed, reps, 1 if client is not None else 0)
    observed = {f"{t.name}.{k}": 0.0 for t in tg for k in range(len(t.observed))}

    def distance(x, y):
        return math.sqrt(sum((x[k] - y[k]) ** 2 for k in y))

    if client is not None:
        smp = pyabc.sampler.DaskDistributedSampler(dask_client=client)
    else:
        smp = pyabc.sampler.SingleCoreSampler()
    np.random.seed(seed % 2**32)  # pyabc draws proposals with NumPy's global generator
    abc = pyabc.ABCSMC(model, prior, distance, population_size=population, sampler=smp)
    db_path = (folder / "abc.db") if folder is not None else Path(tempfile.mkdtemp()) / "abc.db"
    db = f"sqlite:///{db_path.resolve()}"
    if db_path.exists() and folder is not None:
        history = abc.load(db, 1)
        left = max(0, generations - (history.max_t + 1))
    else:
        history = abc.new(db, observed)
        left = generations
    if left > 0:
        history = abc.run(minimum_epsilon=min_epsilon, max_nr_populations=left)
    df, w = history.get_distribution(m=0, t=history.max_t)
    from pyabc.weighted_statistics import weighted_quantile

    est = pd.DataFrame({
        "parameter": names,
        "estimate": [float(weighted_quantile(df[n].to_numpy(), w, alpha=0.5)) for n in names],
        "low": [float(weighted_quantile(df[n].to_numpy(), w, alpha=0.025)) for n in names],
        "high": [float(weighted_quantile(df[n].to_numpy(), w, alpha=0.975)) for n in names],
    })
    samples = df[names].reset_index(drop=True).assign(weight=w)
    return est, samples



# --- `tenure calibrate FILE --targets T.yaml` -----------------------------------------------

def _marked(path: str, node: Any, message: str) -> str:
    m = getattr(node, "start_mark", None)
    return f"{path}:{m.line + 1}:{m.column + 1}: {message}" if m is not None else f"{path}: {message}"


def load_targets(path: Union[str, "os.PathLike[str]"]) -> tuple[list[Target], dict]:
    """Targets and parameters from a YAML file::

        targets:
          - {name: attrition, attrition: true, from: 24 months, value: 0.15, sd: 0.01}
          - {name: clients, column: active_accounts, at: [12, 24, 36], value: [900, 850, 800], sd: [20, 20, 25]}
        parameters:
          churn.base_rate: [0.02 per year, 0.3 per year]

    Every problem is reported at its line and column."""
    import yaml

    path = os.fspath(path)
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise ValueError(f"{path}: cannot read the targets file: {e.strerror}") from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        raise ValueError(f"{where}: not valid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(data, dict) or root is None:
        raise ValueError(f"{path}:1:1: expected a map with targets and parameters")
    nodes = {k.value: v for k, v in root.value}
    errors = []
    for key in data:
        if key not in ("targets", "parameters"):
            errors.append(_marked(path, next(k for k, _ in root.value if k.value == key), f"unknown key {key!r}; expected targets and parameters"))
    targets = []
    if not isinstance(data.get("targets"), list) or not data["targets"]:
        errors.append(_marked(path, nodes.get("targets", root), "targets: expected a list of at least one target"))
    else:
        for item, node in zip(data["targets"], nodes["targets"].value):
            try:
                if not isinstance(item, dict):
                    raise ValueError("expected a map: name, one of metric/column/attrition/turnover/share, value, sd")
                if "function" in item:
                    raise ValueError("a function target is for Python only")
                targets.append(Target.from_dict(item))
            except (ValueError, KeyError, TypeError) as e:
                errors.append(_marked(path, node, str(e)))
    params = data.get("parameters")
    if not isinstance(params, dict) or not params:
        errors.append(_marked(path, nodes.get("parameters", root), "parameters: expected a map of key.path: [low, high]"))
        params = {}
    else:
        for (k, v), (_, node) in zip(params.items(), nodes["parameters"].value):
            try:
                if not isinstance(v, list) or len(v) != 2:
                    raise ValueError(f"parameter {k!r}: expected [low, high]")
                _problem({k: tuple(v)})
            except ValueError as e:
                errors.append(_marked(path, node, str(e)))
    if errors:
        raise ValueError("\n".join(errors))
    return targets, {k: tuple(v) for k, v in params.items()}
