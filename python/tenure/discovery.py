"""Scenario discovery: under which parameters does an outcome of interest happen ("where does
the farmer lose?"), found in a sweep by PRIM (the Patient Rule Induction Method, Friedman and
Fisher 1999) and feature scoring, both from the EMA Workbench's analysis module; and an adapter
that makes a tenure scenario an EMA Workbench model, so its samplers, evaluators and robustness
analyses can drive it.

    sw = tenure.sweep(sc, tenure.latin(bounds, 200), "sweeps/where")
    found = sw.discover("final_clients", threshold=800, below=True)
    found.box, found.coverage, found.density, found.scores, found.plot()

    model = tenure.ema_model(sc, uncertainties={"churn.base_rate": ("0.05 per year", "0.3 per year")},
                             levers={"service.support_staff": (2, 8)}, outcomes=["final_value"])
    experiments, outcomes = ema_workbench.perform_experiments(model, scenarios=50, policies=4)
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence, Union

import numpy as np
import pandas as pd

from . import _core
from ._frames import frame
from .scenario import Scenario, seed_value
from .sweep import _point_sets, _problem


def _ema():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its optional evaluators announce themselves
        import ema_workbench
        from ema_workbench.analysis import feature_scoring, prim
    return ema_workbench, prim, feature_scoring


@dataclass
class Discovery:
    """PRIM's box for the cases of interest, the peeling trajectory it was chosen from, and the
    parameters' feature scores."""

    box: pd.DataFrame          # parameter, low, high, restricted (for categorical: the kept levels)
    coverage: float            # share of the cases of interest inside the box
    density: float             # share of the box's points that are cases of interest
    mass: float                # share of all points inside the box
    cases: int                 # points of interest, of ...
    points: int
    trajectory: pd.DataFrame   # coverage, density, mass, restricted dimensions per peel
    scores: pd.DataFrame       # parameter, score (extra trees), highest first
    chosen: int                # the trajectory row of `box`

    def plot(self, fig: Any = None) -> Any:
        """The coverage-density trade-off along the peeling trajectory (the chosen box marked),
        and the feature scores."""
        import matplotlib.pyplot as plt

        fig = fig or plt.figure(figsize=(10, 3.8))
        a, b = fig.subplots(1, 2)
        t = self.trajectory
        sc = a.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=24)
        a.scatter([self.coverage], [self.density], s=140, facecolors="none", edgecolors="#D55E00", linewidths=2,
                  label="chosen box")
        a.set_xlabel("coverage")
        a.set_ylabel("density")
        a.set_title("PRIM peeling trajectory")
        fig.colorbar(sc, ax=a, label="restricted parameters")
        a.legend(fontsize=9)
        s = self.scores.iloc[::-1]
        b.barh(s["parameter"], s["score"], color="#0072B2")
        b.set_title("feature scores (extra trees)")
        fig.tight_layout()
        return fig


def discover(x: pd.DataFrame, y: Union[np.ndarray, pd.Series, Sequence[bool]], *, density: float = 0.8,
             peel_alpha: float = 0.05, mass_min: float = 0.05, seed: int = 1) -> Discovery:
    """PRIM and feature scoring on points ``x`` (one column per parameter; text columns are
    categorical) and the cases of interest ``y`` (True/False per point). The box reported is the
    one of PRIM's peeling trajectory with the highest coverage among those of at least
    ``density``, or the densest when none is."""
    _, prim, feature_scoring = _ema()
    cases = np.asarray(y, dtype=bool)
    x = x.reset_index(drop=True).copy()
    if len(x) != len(cases):
        raise ValueError(f"{len(x)} points but {len(cases)} outcomes")
    if cases.sum() == 0 or cases.all():
        raise ValueError(f"PRIM needs points of both kinds: {int(cases.sum())} of {len(cases)} are cases of interest")
    for c in x.columns:
        if x[c].dtype == object or isinstance(x[c].dtype, pd.CategoricalDtype):
            x[c] = x[c].astype("category")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Threshold 0: the Workbench replaces a box whose final density (after peeling down to
        # mass_min and pasting) is below its threshold by the whole space, trajectory and all;
        # the box wanted is chosen from the trajectory below instead.
        p = prim.Prim(x, cases, threshold=0.0, peel_alpha=peel_alpha, mass_min=mass_min)
        found = p.find_box()
    # Density and coverage from each box's share of cases ("mean", y being 0 or 1): the
    # Workbench's own columns count as cases the points at or above its threshold.
    t = found.peeling_trajectory.reset_index(drop=True).copy()
    t["density"] = t["mean"]
    t["coverage"] = t["mean"] * t["n"] / float(cases.sum())
    t["k"] = (t["mean"] * t["n"]).round().astype(int)
    ok = t[t["density"] >= density]
    chosen = int(ok["coverage"].idxmax()) if not ok.empty else int(t["density"].idxmax())
    lims, first = found.box_lims[chosen], found.box_lims[0]
    rows = []
    for c in x.columns:
        lo, hi = lims[c].iloc[0], lims[c].iloc[1]
        if isinstance(lo, (set, frozenset)):
            kept = sorted(map(str, lo))
            rows.append({"parameter": c, "low": ", ".join(kept), "high": "", "restricted": set(lo) != set(first[c].iloc[0])})
        else:
            rows.append({"parameter": c, "low": float(lo), "high": float(hi),
                         "restricted": bool(lo != first[c].iloc[0] or hi != first[c].iloc[1])})
    np.random.seed(seed)  # extra trees draw from NumPy's global generator
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fs = feature_scoring.get_feature_scores_all(x, {"case": cases.astype(float)})
    scores = (fs.reset_index().rename(columns={fs.index.name or "index": "parameter", "case": "score"})
              .sort_values("score", ascending=False).reset_index(drop=True))
    if "parameter" not in scores.columns:
        scores = scores.rename(columns={scores.columns[0]: "parameter"})
    row = t.loc[chosen]
    return Discovery(pd.DataFrame(rows), float(row["coverage"]), float(row["density"]), float(row["mass"]),
                     int(cases.sum()), len(cases), t, scores[["parameter", "score"]], chosen)


# --- a tenure scenario as an EMA Workbench model ------------------------------------------

class _Run:
    """The EMA model's function: runs the scenario with the experiment's parameters and returns
    each outcome's mean over the replications. Picklable (the scenario travels as text)."""

    def __init__(self, text: str, name: str, units: Mapping[str, str], outcomes: Sequence[str], variant: str,
                 seed: Optional[int], replications: int, threads: int):
        self.text, self.name, self.units, self.outcomes = text, name, dict(units), list(outcomes)
        self.variant, self.seed, self.replications, self.threads = variant, seed, replications, threads

    def __call__(self, **params: Any) -> dict:
        sc = _core.load_string(self.text, self.name, _point_sets(params, self.units))
        rs = _core.run(sc, seed=self.seed, replications=self.replications, variants=[self.variant], threads=self.threads)
        runs = frame(_core.table(rs, "runs"))
        return {o: float(runs[o].mean()) for o in self.outcomes}


def ema_model(scenario: Scenario, uncertainties: Mapping[str, Any], levers: Optional[Mapping[str, Any]] = None,
              outcomes: Optional[Sequence[str]] = None, *, variant: str = "base", replications: Optional[int] = None,
              seed: Optional[int] = None, threads: int = 1, name: Optional[str] = None) -> Any:
    """An ``ema_workbench.Model`` that runs ``scenario``: ``uncertainties`` and ``levers`` map a
    dotted path to ``(low, high)`` (numbers, rates such as "0.05 per year", durations such as "6
    months"; whole-number bounds give an IntegerParameter) or to a list of values (a
    CategoricalParameter); ``outcomes`` are run metrics (default: all), each the mean over
    ``replications`` runs on the same seed (common random numbers across experiments)."""
    ema, _, _ = _ema()
    outcomes = list(outcomes or _core.metrics())
    for o in outcomes:
        if o not in _core.metrics():
            raise ValueError(f"unknown outcome {o!r}; known: {', '.join(_core.metrics())}")
    units: dict[str, str] = {}

    def parameters(spec: Mapping[str, Any]) -> list:
        out = []
        for path, b in (spec or {}).items():
            if isinstance(b, (list, tuple)) and len(b) == 2 and not isinstance(b, list):
                problem, u = _problem({path: b})
                units.update(u)
                lo, hi = problem["bounds"][0]
                if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in b):
                    out.append(ema.IntegerParameter(path, int(lo), int(hi)))
                else:
                    out.append(ema.RealParameter(path, lo, hi))
            elif isinstance(b, list) and b:
                out.append(ema.CategoricalParameter(path, b))
            else:
                raise ValueError(f"{path}: expected (low, high) bounds or a list of values, got {b!r}")
        return out

    text, sc_name = scenario.portable()
    reps = replications if replications is not None else scenario.replications
    model = ema.Model(name or ("".join(ch for ch in sc_name if ch.isalnum()) or "tenure"),  # EMA wants alphanumerics
                      function=_Run(text, sc_name, {}, outcomes, variant, seed_value(seed), reps, threads))
    model.uncertainties = parameters(uncertainties)
    model.levers = parameters(levers or {})
    model.function.units = units
    model.outcomes = [ema.ScalarOutcome(o) for o in outcomes]
    # Check once, before anything is sampled, that the scenario takes these paths.
    mid = {}
    for p in list(model.uncertainties) + list(model.levers):
        if hasattr(p, "categories"):
            mid[p.name] = p.categories[0].value
        elif isinstance(p, ema.IntegerParameter):
            mid[p.name] = int((p.lower_bound + p.upper_bound) // 2)
        else:
            mid[p.name] = (p.lower_bound + p.upper_bound) / 2
    _core.load_string(text, sc_name, _point_sets(mid, units))
    return model
