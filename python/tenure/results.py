"""Running scenarios and reading their results as DataFrames."""
from __future__ import annotations

import os
from typing import Any, Callable, Optional, Sequence, Union

import pandas as pd

from . import _core
from ._frames import frame
from .scenario import Scenario, seed_value

Variants = Union[None, str, Sequence[str]]


def _variant_list(scenario: Scenario, variants: Variants) -> list[str]:
    if variants is None:
        return ["base"]
    if variants == "all":
        return scenario.variants
    if isinstance(variants, str):
        return [variants]
    return list(variants)


class Results:
    """What a run recorded. Tables are pandas DataFrames, built on first access:

    - ``timeseries``: one row per (variant, replication, month)
    - ``managers``: one row per (variant, replication, manager)
    - ``lost``: each lost account with the causes on its path
    - ``accounts`` and ``account_events``: when the scenario sets ``record_accounts: true``
    - ``manager_months``: each manager's book at each month's end, when the scenario sets
      ``record_managers: true``
    - ``runs``: one row per (variant, replication) with every summary metric
    - ``summary``: mean and 95% interval per (variant, metric)
    - ``attribution``: Shapley values of lost value per factor, beside the rule's blame

    The columns are those of the CSV files ``tenure run`` writes; ``tenure.columns()`` lists each
    with its unit and meaning (docs/outputs.md).
    """

    def __init__(self, scenario: Scenario, runs: Any, attribution: Any = None, threads: int = 0,
                 call: str = "", wall_seconds: float = 0.0, kind: str = "run"):
        self.scenario = scenario
        self._runs = runs
        self._attribution = attribution
        self._threads = threads
        self._cache: dict[str, pd.DataFrame] = {}
        self._call, self._wall, self._kind = call, wall_seconds, kind

    @property
    def variants(self) -> list[str]:
        return list(self._runs.variants)

    @property
    def replications(self) -> int:
        return int(self._runs.replications)

    @property
    def seed(self) -> int:
        return int(self._runs.seed)

    @property
    def events(self) -> int:
        """Model events executed over every run."""
        return int(self._runs.events)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            if name == "attribution":
                self._cache[name] = frame(_core.attribution_table(self._runs, self._attribute()))
            else:
                self._cache[name] = frame(_core.table(self._runs, name, target=self.scenario.precision))
        return self._cache[name]

    timeseries = property(lambda self: self.table("timeseries"))
    managers = property(lambda self: self.table("managers"))
    lost = property(lambda self: self.table("lost"))
    accounts = property(lambda self: self.table("accounts"))
    account_events = property(lambda self: self.table("account_events"))
    manager_months = property(lambda self: self.table("manager_months"))
    runs = property(lambda self: self.table("runs"))
    summary = property(lambda self: self.table("summary"))
    attribution = property(lambda self: self.table("attribution"))

    def _attribute(self) -> Any:
        if self._attribution is None:  # counterfactual runs: 2^F per replication
            self._attribution = _core.attribute(self.scenario._core, self._runs, self._threads)
        return self._attribution

    def compare(self, reference: str = "base", metric: Optional[str] = None) -> pd.DataFrame:
        """Paired differences (variant - reference) over common replications, with 95% intervals.

        Variants share random numbers, so the interval is about the strategy, not the noise."""
        t = frame(_core.table(self._runs, "paired", reference))
        if metric is not None:
            if metric not in _core.metrics():
                raise ValueError(f"unknown metric {metric!r}; known: {', '.join(_core.metrics())}")
            t = t[t["metric"] == metric].reset_index(drop=True)
        return t

    def warmup(self, columns: Union[str, Sequence[str], None] = None) -> pd.DataFrame:
        """MSER-5 warm-up of monthly columns (default: active_accounts, value, revenue,
        mean_satisfaction, mean_response_days), on the mean over replications: the months to leave
        out (``truncate_months``), whether the series settled within the run (``settled``), and
        the mean after the warm-up with its 95% interval over replications."""
        names = [columns] if isinstance(columns, str) else list(columns or [])
        return frame(_core.table(self._runs, "warm_up", columns=names))

    def replications_needed(self, precision: Optional[float] = None) -> pd.DataFrame:
        """Per (variant, metric): the 95% half-width as a share of the mean, and the replications that
        would bring it to ``precision`` (default: the scenario's ``experiment.precision``, 5%)."""
        target = self.scenario.precision if precision is None else float(precision)
        if not 0 < target <= 1:
            raise ValueError(f"precision must be above 0 and at most 1, got {precision!r}")
        s = frame(_core.table(self._runs, "summary", target=target))
        return s[["variant", "metric", "mean", "n", "relative_half_width", "replications_needed"]]

    def half_width(self, metric: str, variant: str = "base") -> float:
        s = self.summary
        row = s[(s["variant"] == variant) & (s["metric"] == metric)]
        if row.empty:
            raise ValueError(f"no metric {metric!r} for variant {variant!r}")
        return float((row["ci_high"].iloc[0] - row["ci_low"].iloc[0]) / 2)

    def save(self, folder: Union[str, "os.PathLike[str]"]) -> list[str]:
        """Writes the same files as ``tenure run --out FOLDER`` (byte for byte) and returns their names."""
        from .provenance import environment

        return list(_core.write_run(os.fspath(folder), self.scenario._core, self._runs, self._attribution,
                                    self.scenario._source, kind=self._kind, invocation=self._call,
                                    environment=environment(), wall_seconds=self._wall))

    def __repr__(self) -> str:
        return f"Results({self.scenario.name!r}, variants={self.variants}, replications={self.replications})"


def _progress_bar(total: int, enabled: Optional[bool]) -> tuple[Optional[Callable[[int, int], None]], Any]:
    if not enabled:
        return None, None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="run", desc="tenure")

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    return update, bar


def run(scenario: Scenario, *, seed: Optional[int] = None, replications: Optional[int] = None,
        variants: Variants = None, threads: int = 0, attribution: bool = False,
        progress: Optional[bool] = False) -> Results:
    """Run replications of a scenario's variants (``"all"``, a name, or a list; default the base).

    Replication r of every variant uses the same random streams (common random numbers), and
    results do not depend on ``threads`` (0: every core). The GIL is released while it runs.
    """
    import time

    from .provenance import call_text

    started = time.monotonic()
    names = _variant_list(scenario, variants)
    reps = replications if replications is not None else scenario.replications
    if reps < 1:
        raise ValueError(f"replications must be at least 1, got {reps}")
    update, bar = _progress_bar(reps * len(names), progress)
    try:
        runs = _core.run(scenario._core, seed=seed_value(seed), replications=reps, variants=names, threads=threads,
                         progress=update)
    finally:
        if bar is not None:
            bar.close()
    call = call_text("run", scenario, seed=seed, replications=replications, variants=variants,
                     attribution=attribution or None)
    res = Results(scenario, runs, threads=threads, call=call)
    if attribution:
        res._attribute()
    res._wall = time.monotonic() - started
    return res


def run_until(scenario: Scenario, metric: Union[str, Sequence[str], None] = None, half_width: Optional[float] = None, *,
              relative: bool = False, precision: Optional[float] = None, variants: Variants = None,
              seed: Optional[int] = None, replications: Optional[int] = None, batch: int = 10,
              max_replications: int = 1000, threads: int = 0, progress: Optional[bool] = False) -> Results:
    """Add replications until intervals are narrow enough, for every variant run.

    Two ways to say how narrow:

    - ``precision=0.05``: every mean of ``metric`` (a name, a list, or None for every metric) within
      5% of itself, as ``tenure run --precision 5%`` does, and by the same steps: the scenario's
      replications (or ``replications``) first, then as many more as the estimate asks, at most
      four times those run so far. The same seed gives the same files as the command.
    - ``half_width``: the 95% interval of ``metric`` at most that wide on each side (``relative``: as a
      share of the mean), adding ``batch`` replications at a time.

    Replications keep their numbers across rounds, so the result equals a single run of the same
    number of replications. Raises RuntimeError when ``max_replications`` is reached first.
    """
    import time

    from .provenance import call_text

    started = time.monotonic()
    call = call_text("run_until", scenario, metric=metric, half_width=half_width, relative=relative or None,
                     precision=precision, variants=variants, seed=seed, replications=replications,
                     max_replications=max_replications)
    names = [metric] if isinstance(metric, str) else list(metric or [])
    for m in names:
        if m not in _core.metrics():
            raise ValueError(f"unknown metric {m!r}; known: {', '.join(_core.metrics())}")
    if (precision is None) == (half_width is None):
        raise ValueError("give either precision (a relative target) or half_width")
    if precision is not None and not 0 < precision <= 1:
        raise ValueError(f"precision must be above 0 and at most 1, got {precision!r}")
    if half_width is not None and (half_width <= 0 or batch < 2 or len(names) != 1):
        raise ValueError("half_width needs one metric, a positive width and a batch of at least 2")
    if precision is not None:
        scenario = scenario.with_overrides({"experiment.precision": float(precision)})
    chosen = _variant_list(scenario, variants)
    runs = None
    bar = None
    if progress:
        from tqdm.auto import tqdm

        label = f"±{100 * precision:g}%" if precision is not None else f"{names[0]} ± {half_width:g}"
        bar = tqdm(unit="rep", desc=f"tenure: {label}")

    def needed(res: Results) -> float:
        s = res.summary
        if names:
            s = s[s["metric"].isin(names)]
        if precision is not None:
            return float(s["replications_needed"].max(skipna=True)) if s["replications_needed"].notna().any() else 0.0
        widths = (s["ci_high"] - s["ci_low"]) / 2
        if relative:
            widths = widths / s["mean"].abs()
        return 0.0 if float(widths.max()) <= half_width else float("inf")

    try:
        while True:
            have = 0 if runs is None else int(runs.replications)
            if runs is not None:
                res = Results(scenario, runs, threads=threads, call=call)
                want = needed(res)
                if want <= have:
                    res._wall = time.monotonic() - started
                    return res
                if have >= max_replications:
                    raise RuntimeError(f"intervals still wider than asked after {have} replications")
                step = (max(have + 2, min(int(want), 4 * have)) - have) if precision is not None else batch
            else:
                step = replications if replications is not None else scenario.replications
                if precision is None:
                    step = batch
            step = min(step, max_replications - have)
            more = _core.run(scenario._core, seed=seed_value(seed), replications=step, first_replication=have,
                             variants=chosen, threads=threads)
            if runs is None:
                runs = more
            else:
                _core.append(runs, more)
            if bar is not None:
                bar.update(int(runs.replications) - bar.n)
    finally:
        if bar is not None:
            bar.close()
