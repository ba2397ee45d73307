"""tenure: discrete-event simulation of careers and client accounts.

    import tenure
    sc = tenure.load("ann_vs_darren")                 # a bundled story, a file, or a dict
    res = tenure.run(sc, replications=40, variants="all")
    res.summary, res.compare()                        # intervals; paired differences (common random numbers)
    res.timeseries, res.managers                      # pandas DataFrames
    design = tenure.grid({"managers.Darren.time.hunt_share": [0.5, 0.9],
                          "organisation.promotion": ["new_business", "total_value"]})
    sw = tenure.sweep(sc, design, "sweeps/hunt_vs_policy")   # Parquet, resumable; client=... for Dask
    snap = tenure.snapshot(tenure.load("market_shock"), at="24 months")   # every replication, saved whole
    tenure.fork(snap, variants="all").compare()       # responses tried from the moment of the shock
    cal = tenure.calibrate(sc, targets, {"churn.base_rate": ("0.02 per year", "0.3 per year")}, method="abc")

The names follow the command line: ``tenure run FILE --set key=value`` is
``tenure.run(tenure.load(FILE, {"key": value}))``.
"""
from __future__ import annotations

import pandas as pd

from . import _core
from ._core import TenureError
from .calibrate import Calibration, Target, calibrate
from .discovery import Discovery, discover, ema_model
from .extend import blame_rule, load_plugin, measure, order_rule, param, promotion_policy, strategy
from .provenance import verify
from .results import Results, run, run_until
from .scenario import Scenario, bundled, load
from .snapshot import Snapshot, fork, snapshot
from .sweep import Design, SweepResult, grid, latin, morris, sobol, sweep

__version__: str = _core.__version__

__all__ = [
    "Calibration", "Design", "Discovery", "Results", "Scenario", "Snapshot", "SweepResult", "Target", "TenureError", "bundled", "calibrate", "columns", "discover", "ema_model", "components", "fork",
    "grid", "load_plugin", "measure", "param", "promotion_policy", "strategy", "blame_rule", "order_rule",
    "blame_rules", "order_rules",
    "latin", "load", "metrics", "morris", "parameters", "policies", "run", "run_until", "snapshot", "sobol",
    "strategies", "sweep", "verify", "__version__",
]


def components(kind: str | None = None) -> pd.DataFrame:
    """Registered components, one row per (component, parameter): kind (time, service,
    pressure, promotion, blame, order_rule, network, market), name, description and each
    parameter's record."""
    rows = []
    for c in _core.components():
        if kind is not None and c["kind"] != kind:
            continue
        params = c["parameters"] or [None]
        for p in params:
            row = {"kind": c["kind"], "name": c["name"], "description": c["description"]}
            if p is not None:
                row.update({f"param_{k}": v for k, v in p.items() if k != "choices"})
            rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else ["kind", "name", "description"])


def _with_origin(df: pd.DataFrame) -> pd.DataFrame:
    """``origin``: ``built-in``, or the Python function registered under the name."""
    from .extend import registered

    origin = {(r["kind"], r["name"]): r["origin"] for r in registered()}
    df = df.reset_index(drop=True)
    df.insert(2, "origin", [origin.get((k, n), "built-in") for k, n in zip(df["kind"], df["name"])])
    return df


def strategies() -> pd.DataFrame:
    """Strategy components (time allocation, service style, pressure behaviour) and their
    parameters; ``origin`` says where each is defined (``built-in``, or the Python function
    registered with :func:`tenure.strategy`)."""
    df = components()
    return _with_origin(df[df["kind"].isin(["time", "service", "pressure"])])


def policies() -> pd.DataFrame:
    """Promotion policies and their parameters; ``origin`` as in :func:`strategies`."""
    return _with_origin(components("promotion"))


def blame_rules() -> pd.DataFrame:
    """Blame rules (``organisation.blame_rule``) and their parameters; ``origin`` as in
    :func:`strategies`."""
    return _with_origin(components("blame"))


def order_rules() -> pd.DataFrame:
    """Order rules (orders of ``kind: rule``) and their parameters: none built in, those
    registered with :func:`tenure.order_rule`; ``origin`` as in :func:`strategies`."""
    return _with_origin(components("order_rule"))


def parameters() -> pd.DataFrame:
    """Every scalar key of the scenario format with its type, unit, default and bounds
    (durations in days, rates per day), as settable by ``Scenario.with_overrides``."""
    return pd.DataFrame(_core.fields())


def columns(table: str | None = None) -> pd.DataFrame:
    """Every column of the result tables, one row each: table (timeseries, managers, lost,
    accounts, account_events, runs), name, kind, unit, label and description, as the engine
    declares them (the same declarations write the CSV files and docs/outputs.md)."""
    df = pd.DataFrame(_core.columns())
    return df if table is None else df[df["table"] == table].reset_index(drop=True)


def metrics() -> list[str]:
    """The per-run metrics of ``Results.runs``, ``summary`` and ``compare``."""
    return list(_core.metrics())
