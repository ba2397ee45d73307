"""Scenario discovery (PRIM and feature scoring from the EMA Workbench) on a sweep with a known
answer, and a tenure scenario run as an EMA Workbench model."""
import warnings

import numpy as np
import pytest

import tenure

pytest.importorskip("ema_workbench")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    # Final clients fall with churn's base rate; support staff and the scar weight matter less.
    sc = tenure.load("baseline", {"experiment.horizon": "2 years", "accounts.initial_active": 300})
    d = tenure.latin({"churn.base_rate": ("0.02 per year", "0.4 per year"), "churn.scar_weight": (0.0, 0.7),
                      "service.support_staff": (0, 6)}, 80, seed=4)
    return tenure.sweep(sc, d, tmp_path_factory.mktemp("disc") / "lat", replications=2, progress=False)


def test_prim_finds_where_clients_are_lost(sweep):
    m = sweep.means("final_clients")
    low = float(m["mean"].quantile(0.3))
    found = sweep.discover("final_clients", threshold=low, below=True)
    assert found.cases == int((m["mean"] < low).sum()) and found.points == 80
    assert found.density >= 0.8 and found.coverage >= 0.6
    box = found.box.set_index("parameter")
    # The box is a high base rate: its lower bound is raised, well above the design's 0.02 a year.
    assert box.loc["churn.base_rate", "restricted"]
    assert box.loc["churn.base_rate", "low"] * 365.25 > 0.15
    # The points in the box are the cases, as reported.
    x = sweep.design.points
    inside = np.ones(len(x), bool)
    for p, r in box.iterrows():
        inside &= (x[p] >= r["low"]) & (x[p] <= r["high"])
    cases = (m["mean"] < low).to_numpy()
    assert inside.sum() / len(x) == pytest.approx(found.mass)
    assert cases[inside].mean() == pytest.approx(found.density)
    assert found.scores.iloc[0]["parameter"] == "churn.base_rate"
    fig = found.plot()
    assert len(fig.axes) >= 2


def test_cases_as_a_function_and_errors(sweep):
    found = sweep.discover("final_clients", cases=lambda m: m["mean"] > m["mean"].quantile(0.7))
    box = found.box.set_index("parameter")
    assert box.loc["churn.base_rate", "high"] * 365.25 < 0.3  # many clients kept: a low base rate
    with pytest.raises(ValueError, match="both kinds"):
        sweep.discover("final_clients", threshold=-1.0)
    with pytest.raises(ValueError, match="threshold"):
        sweep.discover("final_clients")


def test_a_scenario_runs_as_an_ema_workbench_model():
    import ema_workbench as ema

    sc = tenure.load("covert_farmer", {"experiment.horizon": "2 years"})
    model = tenure.ema_model(sc, uncertainties={"churn.base_rate": ("0.05 per year", "0.3 per year")},
                             levers={"service.support_staff": (1, 4)}, outcomes=["final_clients", "final_value"],
                             replications=3, seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ema.SequentialEvaluator(model) as ev:
            experiments, outcomes = ev.perform_experiments(scenarios=4, policies=2)
    assert len(experiments) == 8 and set(outcomes) == {"final_clients", "final_value"}
    # Each experiment is the scenario run at its parameters, on the same seed: as tenure.run gives.
    row = experiments.iloc[0]
    direct = tenure.run(sc.with_overrides({"churn.base_rate": f"{float(row['churn.base_rate'])!r} per day",
                                           "service.support_staff": int(row["service.support_staff"])}),
                        replications=3, seed=9).runs["final_clients"].mean()
    assert outcomes["final_clients"][0] == pytest.approx(direct)
    # A robustness metric over the scenarios, per policy: the 10th percentile of final value.
    experiments["final_value"] = outcomes["final_value"]
    worst = experiments.groupby("policy", observed=True)["final_value"].quantile(0.1)
    assert len(worst) == 2 and np.isfinite(worst).all()
    with pytest.raises(ValueError, match="unknown outcome"):
        tenure.ema_model(sc, {"churn.base_rate": (0.0001, 0.001)}, outcomes=["nosuch"])
    with pytest.raises(tenure.TenureError):
        tenure.ema_model(sc, {"churn.nosuch": (0.1, 0.2)})
