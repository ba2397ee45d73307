"""The Python API: loading, overrides, running, tables, comparisons, saving."""
import filecmp
import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tenure

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"experiment.horizon": "2 years", "accounts.initial_active": 60, "accounts.initial_prospects": 300}


def test_bundled_and_file_load_agree():
    assert {"ann_vs_darren", "baseline", "caught_between", "covert_farmer", "market_shock",
            "quarter_end_pressure"} <= set(tenure.bundled())
    a = tenure.load("ann_vs_darren")
    b = tenure.load(ROOT / "scenarios" / "ann_vs_darren.yaml")
    assert a.effective_yaml() == b.effective_yaml()
    assert a.variants == ["base", "promote_total_value", "promote_retained_value", "one_year"]
    assert "Ann" in a.story


def test_bad_file_error_names_file_line_column(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("name: x\nchurn:\n  base_rat: 0.1 per year\n")
    with pytest.raises(tenure.TenureError) as e:
        tenure.load(f)
    msg = str(e.value)
    assert f"{f}:3:3" in msg and "base_rate" in msg  # did-you-mean


def test_overrides_by_dotted_path_scalar_and_list_item():
    sc = tenure.load("ann_vs_darren")
    o = sc.with_overrides({"churn.base_rate": "0.3 per year", "managers.Darren.time.hunt_share": 0.6,
                           "managers.0.service.answer_probability": 0.5})
    assert o.value("churn.base_rate") == pytest.approx(0.3 / 365.25)
    eff = o.effective_yaml()
    assert "hunt_share: 0.6" in eff and "answer_probability: 0.5" in eff
    # overrides win over variants too
    assert o.value("churn.base_rate", "one_year") == pytest.approx(0.3 / 365.25)
    with pytest.raises(tenure.TenureError, match="Darren"):
        sc.with_overrides({"managers.Daren.time.hunt_share": 0.6})
    with pytest.raises(tenure.TenureError, match="expected a rate"):
        sc.with_overrides({"churn.base_rate": "fast"})


def test_from_dict_runs_and_reports_errors():
    d = {"name": "tiny", "experiment": {"replications": 3, "seed": 5, "horizon": "1 year"},
         "accounts": {"initial_active": 30, "initial_prospects": 100},
         "managers": [{"name": "Zoe", "time": "hunter"}], "organisation": {"positions": [1]}}
    res = tenure.run(tenure.load(d))
    assert res.replications == 3 and res.seed == 5
    assert set(res.managers["manager"].astype(str)) == {"Zoe"}
    with pytest.raises(tenure.TenureError, match="<dict>"):
        tenure.Scenario.from_dict({"name": "x", "churn": {"base_rate": -1}})


def test_every_table_column_is_declared_with_unit_and_meaning():
    sc = tenure.load("baseline", SMALL)
    res = tenure.run(sc, replications=2, threads=2)
    cols = tenure.columns()
    assert {"table", "name", "kind", "unit", "label", "description"} <= set(cols.columns)
    assert (cols["description"].str.len() > 0).all() and (cols["label"].str.len() > 0).all()
    for table, df in [("timeseries", res.timeseries), ("managers", res.managers), ("lost", res.lost)]:
        declared = list(tenure.columns(table)["name"])
        assert list(df.columns) == ["variant", "replication"] + declared, table
    assert list(tenure.columns("runs")["name"]) == tenure.metrics()
    ts = tenure.columns("timeseries").set_index("name")
    assert ts.loc["value", "unit"] == "currency" and ts.loc["mean_response_days", "unit"] == "days"


def test_tables_are_columnar_dataframes():
    sc = tenure.load("ann_vs_darren", SMALL)
    res = tenure.run(sc, replications=4, variants="all", threads=2)
    ts = res.timeseries
    assert list(ts.columns[:4]) == ["variant", "replication", "month", "active_accounts"]
    assert isinstance(ts["variant"].dtype, pd.CategoricalDtype)  # codes + levels, no object per row
    assert ts["value"].dtype == np.float64 and ts["month"].dtype == np.int64
    assert len(ts) == 4 * 4 * 24
    assert res.managers["exited"].dtype == bool
    runs = res.runs
    assert len(runs) == 16 and set(tenure.metrics()) <= set(runs.columns)
    s = res.summary
    row = s[(s.variant == "base") & (s.metric == "new_business")].iloc[0]
    x = runs[runs.variant == "base"]["new_business"]
    assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
    from scipy import stats
    hw = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    assert row["ci_high"] - row["mean"] == pytest.approx(hw, rel=1e-9)


def test_compare_is_paired_over_common_random_numbers():
    sc = tenure.load("ann_vs_darren", SMALL)
    res = tenure.run(sc, replications=6, variants=["base", "promote_total_value"])
    c = res.compare(metric="final_value")
    assert list(c["variant"].astype(str)) == ["promote_total_value"]
    r = res.runs
    d = (r[r.variant == "promote_total_value"]["final_value"].to_numpy() - r[r.variant == "base"]["final_value"].to_numpy())
    assert c["mean"].iloc[0] == pytest.approx(d.mean(), rel=1e-12, abs=1e-6)
    with pytest.raises(tenure.TenureError, match="known: base, promote_total_value"):
        res.compare(reference="one_year")  # not run


def test_same_results_for_any_thread_count_and_repeat():
    sc = tenure.load("quarter_end_pressure", {"experiment.horizon": "2 years"})
    a = tenure.run(sc, replications=4, variants="all", threads=1).timeseries
    b = tenure.run(sc, replications=4, variants="all", threads=2).timeseries
    pd.testing.assert_frame_equal(a, b)


def test_save_writes_the_cli_files_byte_for_byte(tmp_path, cli):
    sc = tenure.load(ROOT / "scenarios" / "market_shock.yaml", {"experiment.horizon": "3 years"})
    res = tenure.run(sc, replications=3, variants="all", seed=7)
    py_files = res.save(tmp_path / "py")
    subprocess.run([cli, "run", str(ROOT / "scenarios" / "market_shock.yaml"), "--set", "experiment.horizon=3 years",
                    "-r", "3", "--seed", "7", "--all-variants", "--out", str(tmp_path / "cli"), "-q"], check=True)
    cli_files = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert sorted(py_files) == cli_files
    for f in cli_files:
        if f != "manifest.json":  # how each was made: a command, a Python call
            assert filecmp.cmp(tmp_path / "py" / f, tmp_path / "cli" / f, shallow=False), f
    py, cl = (json.loads((tmp_path / d / "manifest.json").read_text()) for d in ("py", "cli"))
    assert py["files"] == cl["files"]  # the same bytes, recorded alike
    assert py["scenario"] == cl["scenario"]
    assert cl["invocation"].startswith(cli) and " run " in cl["invocation"] and "--seed 7" in cl["invocation"]
    assert py["invocation"].startswith("tenure.run(tenure.load(") and "seed=7" in py["invocation"]
    assert "numpy" in py["environment"] and "environment" not in cl
    for m in (py, cl):
        assert m["tenure"]["commit"] and m["build"]["compiler"] and m["libraries"]["boost"] and m["platform"]["machine"]
    assert tenure.verify(tmp_path / "py")[0] and tenure.verify(tmp_path / "cli")[0]


def test_attribution_table():
    sc = tenure.load("market_shock", {"experiment.horizon": "3 years"})
    res = tenure.run(sc, replications=2, attribution=True)
    at = res.attribution
    assert {"shapley", "baseline", "recorded_cause"} <= set(at["kind"].astype(str))
    for r in range(2):
        # Shapley values add up to lost(all on) - lost(all off) in every replication
        sub = at[at.replication == r]
        total = sub[sub.kind == "shapley"]["lost_value"].sum()
        base = sub[sub.kind == "baseline"]["lost_value"].iloc[0]
        lost = res.runs[res.runs.replication == r]["lost_value"].iloc[0]
        assert total == pytest.approx(lost - base, rel=1e-9, abs=1e-3)


def test_run_until_reaches_half_width_and_equals_one_run():
    sc = tenure.load("baseline", {"experiment.horizon": "2 years", "accounts.initial_active": 400})
    res = tenure.run_until(sc, "final_clients", half_width=0.05, relative=True, batch=4, max_replications=200)
    hw = res.half_width("final_clients")
    mean = res.summary.query("metric == 'final_clients'")["mean"].iloc[0]
    assert hw / mean <= 0.05
    assert res.replications % 4 == 0
    once = tenure.run(sc, replications=res.replications)
    pd.testing.assert_frame_equal(res.runs, once.runs)
    if res.replications > 4:  # one batch fewer was not enough
        fewer = tenure.run(sc, replications=res.replications - 4)
        assert fewer.half_width("final_clients") / mean > 0.05
    with pytest.raises(RuntimeError, match="after 8 replications"):
        tenure.run_until(sc, "final_clients", half_width=1e-9, batch=4, max_replications=8)


def test_registry_listings():
    s = tenure.strategies()
    assert {"hunter", "farmer", "balanced", "attentive", "neglectful", "calm", "urgent"} <= set(s["name"])
    hs = s[(s.name == "hunter") & (s.param_name == "hunt_share")].iloc[0]
    assert hs["param_default"] == pytest.approx(0.8) and hs["param_max"] == 1
    assert {"new_business", "total_value"} <= set(tenure.policies()["name"])
    p = tenure.parameters()
    assert "churn.base_rate" in set(p["name"])


def test_gil_released_while_running():
    import threading, time
    sc = tenure.load("baseline")
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    t = threading.Thread(target=tick)
    t.start()
    t0 = time.perf_counter()
    tenure.run(sc, replications=4, threads=1)
    t1 = time.perf_counter()
    stop.set()
    t.join()
    during = [x for x in ticks if t0 < x < t1]
    # with the GIL held the ticker would stall for the whole run; it keeps ticking instead
    assert t1 - t0 > 0.05 and len(during) >= 0.3 * (t1 - t0) / 0.005


def test_stub_lists_every_native_name():
    import ast
    from tenure import _core
    stub = Path(tenure.__file__).with_name("_core.pyi")
    tree = ast.parse(stub.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    declared |= {t.target.id for t in tree.body if isinstance(t, ast.AnnAssign)}
    public = {n for n in dir(_core) if not n.startswith("_")} | {"__version__"}
    assert public <= declared | {"Column"}, public - declared
    assert (Path(tenure.__file__).with_name("py.typed")).exists()


def test_cli_installed_with_package(cli):
    out = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert tenure.__version__ in out
    listed = subprocess.run([cli, "list", "scenarios"], capture_output=True, text=True, check=True).stdout
    assert "ann_vs_darren" in listed


def test_manager_months_when_asked():
    sc = tenure.load("ann_vs_darren", {"experiment.horizon": "2 years", "record_managers": True})
    res = tenure.run(sc, replications=2)
    mm = res.manager_months
    assert list(mm.columns) == ["variant", "replication", "month", "manager", "level", "book_size", "book_value",
                                "year_new_business"]
    assert set(mm["manager"]) >= {"Ann", "Darren"} and mm["month"].max() == 23
    plain = tenure.run(tenure.load("ann_vs_darren", {"experiment.horizon": "2 years"}), replications=2)
    pd.testing.assert_frame_equal(plain.timeseries, res.timeseries)  # recording changes nothing else
