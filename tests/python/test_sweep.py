"""Sweeps: designs, common random numbers across points, Parquet streaming, resume,
sensitivity indices, and a real Dask LocalCluster giving the local sweep's results."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tenure

SMALL = {"experiment.horizon": "2 years", "accounts.initial_active": 60, "accounts.initial_prospects": 300}


@pytest.fixture(scope="module")
def sc():
    return tenure.load("ann_vs_darren", SMALL)


def test_grid_design():
    d = tenure.grid({"managers.Darren.time.hunt_share": [0.5, 0.9], "organisation.promotion": ["new_business", "total_value"]})
    assert len(d) == 4 and d.kind == "grid"
    assert list(d.points.iloc[3]) == [0.9, "total_value"]
    with pytest.raises(ValueError):
        tenure.grid({"x": []})


def test_sampled_designs_respect_bounds_and_integers():
    b = {"churn.satisfaction_weight": (0.2, 0.6), "service.support_staff": (0, 4)}
    lh = tenure.latin(b, 20, seed=3)
    assert len(lh) == 20 and lh.points["service.support_staff"].dtype == np.int64
    assert lh.points["churn.satisfaction_weight"].between(0.2, 0.6).all()
    # a Latin hypercube puts exactly one point in each of the n strata of every parameter
    strata = np.floor((lh.points["churn.satisfaction_weight"] - 0.2) / 0.4 * 20).astype(int)
    assert sorted(strata) == list(range(20))
    assert len(tenure.sobol({"a.b": (0, 1), "c.d": (0, 1)}, 8)) == 8 * 4
    assert len(tenure.morris({"a.b": (0, 1), "c.d": (0, 1)}, 5)) == 5 * 3


def test_sweep_streams_parquet_with_common_random_numbers(sc, tmp_path):
    d = tenure.grid({"managers.Darren.time.hunt_share": [0.5, 0.7, 0.9]})
    sw = tenure.sweep(sc, d, tmp_path / "s", replications=3, tables=("runs", "timeseries"), progress=False)
    assert sw.complete and sw.done() == [0, 1, 2]
    files = sorted(p.name for p in (tmp_path / "s" / "runs").iterdir())
    assert files == [f"point-{i:06d}.parquet" for i in range(3)]
    runs = sw.table("runs")
    assert len(runs) == 9 and list(runs.columns[:2]) == ["point", "managers.Darren.time.hunt_share"]
    # each point equals a plain run of the scenario with that override (same seed: CRN)
    one = tenure.run(sc.with_overrides({"managers.Darren.time.hunt_share": 0.7}), replications=3).runs
    got = runs[runs.point == 1].reset_index(drop=True)
    for m in tenure.metrics():
        np.testing.assert_array_equal(got[m].to_numpy(), one[m].to_numpy())
    assert len(sw.table("timeseries")) == 3 * 3 * 24
    m = sw.means("new_business")
    assert list(m.index) == [0, 1, 2] and (m["ci_low"] <= m["mean"]).all()


def test_bad_points_are_refused_before_anything_runs(sc, tmp_path):
    d = tenure.grid({"managers.Darren.time.hunt_share": [0.5, 1.5, 0.7, 2.0]})
    with pytest.raises(tenure.TenureError) as e:
        tenure.sweep(sc, d, tmp_path / "bad", replications=2, progress=False)
    msg = str(e.value)
    assert "point 1" in msg and "point 3" in msg and "point 0" not in msg and "out of range" in msg
    assert not (tmp_path / "bad").exists()  # nothing written
    with pytest.raises(tenure.TenureError, match="unknown item of managers 'Zed'"):
        tenure.sweep(sc, tenure.grid({"managers.Zed.time.hunt_share": [0.1]}), tmp_path / "bad2", progress=False)


def test_sweep_refuses_a_different_sweep_in_the_same_folder(sc, tmp_path):
    d = tenure.grid({"managers.Darren.time.hunt_share": [0.5]})
    tenure.sweep(sc, d, tmp_path / "s", replications=2, progress=False)
    with pytest.raises(ValueError, match="replications"):
        tenure.sweep(sc, d, tmp_path / "s", replications=3, progress=False)
    tenure.sweep(sc, d, tmp_path / "s", replications=3, progress=False, resume=False)


KILLABLE = textwrap.dedent("""
    import sys, tenure
    sc = tenure.load("ann_vs_darren", {"experiment.horizon": "2 years", "accounts.initial_active": 60,
                                       "accounts.initial_prospects": 300})
    d = tenure.grid({"managers.Darren.time.hunt_share": [0.08 * i for i in range(1, 13)]})
    tenure.sweep(sc, d, sys.argv[1], replications=12, workers=1, progress=False)
""")


def test_killed_sweep_resumes_without_recomputing(sc, tmp_path):
    out = tmp_path / "k"
    p = subprocess.Popen([sys.executable, "-c", KILLABLE, str(out)])
    deadline = time.time() + 120
    while time.time() < deadline:  # kill -9 once some points, not all, are on disk
        done = list((out / "runs").glob("point-*.parquet")) if (out / "runs").exists() else []
        if len(done) >= 3:
            break
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    kept = {f.name: f.stat().st_mtime_ns for f in (out / "runs").glob("point-*.parquet")}
    assert 3 <= len(kept) < 12, "the sweep should have been killed part-way"
    d = tenure.grid({"managers.Darren.time.hunt_share": [0.08 * i for i in range(1, 13)]})
    sw = tenure.sweep(sc, d, out, replications=12, workers=1, progress=False)
    assert sw.complete
    for name, mtime in kept.items():  # finished points were not recomputed
        assert (out / "runs" / name).stat().st_mtime_ns == mtime
    fresh = tenure.sweep(sc, d, tmp_path / "fresh", replications=12, progress=False)
    pd.testing.assert_frame_equal(sw.table(), fresh.table())
    assert not list(out.rglob("*.tmp"))


def test_sobol_sensitivity(tmp_path):
    sc = tenure.load("baseline", {"experiment.horizon": "2 years", "accounts.initial_active": 300})
    d = tenure.sobol({"churn.satisfaction_weight": (0.1, 0.8), "churn.scar_weight": (0.0, 0.7)}, 16, seed=2)
    sw = tenure.sweep(sc, d, tmp_path / "sobol", replications=2, progress=False)
    si = sw.sensitivity("final_clients")
    assert list(si["parameter"]) == ["churn.satisfaction_weight", "churn.scar_weight"]
    assert {"S1", "ST", "S1_conf", "ST_conf"} <= set(si.columns)
    assert np.isfinite(si["ST"]).all()


def test_sobol_convergence_and_the_stochastic_share(tmp_path):
    sc = tenure.load("baseline", {"experiment.horizon": "2 years", "accounts.initial_active": 300})
    d = tenure.sobol({"churn.base_rate": ("0.02 per year", "0.4 per year"), "churn.scar_weight": (0.0, 0.7)}, 32, seed=3)
    sw = tenure.sweep(sc, d, tmp_path / "sobol", replications=3, progress=False)
    conv = sw.convergence("final_clients")
    assert sorted(conv["n"].unique()) == [4, 8, 16, 32]
    assert {"n", "parameter", "S1", "ST", "ST_conf", "converged"} <= set(conv.columns)
    full = conv[conv["n"] == 32].set_index("parameter")
    # The base rate drives final clients: its total index dominates, and has settled.
    assert full.loc["churn.base_rate", "ST"] > 0.5
    assert bool(full.loc["churn.base_rate", "converged"])
    # Bootstrap intervals narrow as the sample grows.
    small = conv[conv["n"] == 4].set_index("parameter")
    assert full.loc["churn.base_rate", "ST_conf"] < small.loc["churn.base_rate", "ST_conf"]
    si = sw.sensitivity("final_clients")
    shares = sw.variance_shares("final_clients")
    assert si["stochastic_share"].iloc[0] == pytest.approx(shares["stochastic_share"])
    assert shares["point_share"] > 0.5 and 0 <= shares["stochastic_share"] < 0.5
    # A direct two-way analysis of variance gives the same shares.
    v = sw.replication_values("final_clients").pivot(index="point", columns="replication", values="final_clients")
    y = v.to_numpy(float)
    tot = ((y - y.mean()) ** 2).sum()
    assert shares["point_share"] == pytest.approx(y.shape[1] * ((y.mean(1) - y.mean()) ** 2).sum() / tot)
    assert shares["point_share"] + shares["stochastic_share"] == pytest.approx(1.0)


def test_a_parameter_the_model_does_not_read_leaves_only_randomness(tmp_path):
    # Supervision is off, so its save chance changes nothing: with common random numbers every
    # point gives the same runs, and all the variance is the replications'.
    sc = tenure.load("baseline", {"experiment.horizon": "1 year", "accounts.initial_active": 200})
    d = tenure.grid({"supervision.save_probability": [0.1, 0.5, 0.9]})
    sw = tenure.sweep(sc, d, tmp_path / "null", replications=4, progress=False)
    shares = sw.variance_shares("final_clients")
    assert shares["point_share"] == pytest.approx(0.0, abs=1e-12)
    assert shares["interaction_share"] == pytest.approx(0.0, abs=1e-12)
    assert shares["stochastic_share"] == pytest.approx(1.0)


def test_morris_sensitivity(tmp_path):
    sc = tenure.load("baseline", {"experiment.horizon": "2 years", "accounts.initial_active": 300})
    d = tenure.morris({"churn.satisfaction_weight": (0.1, 0.8), "service.support_staff": (0, 6)}, 4, seed=2)
    sw = tenure.sweep(sc, d, tmp_path / "morris", replications=2, progress=False)
    si = sw.sensitivity("lost_value")
    assert list(si["parameter"]) == ["churn.satisfaction_weight", "service.support_staff"]
    assert (si["mu_star"] >= 0).all()
    assert {"mu_star_conf", "stochastic_share", "interaction_share"} <= set(si.columns)
    conv = sw.convergence("lost_value", steps=2)
    assert sorted(conv["n"].unique()) == [2, 4] and "converged" in conv.columns
    with pytest.raises(ValueError, match="sobol or morris"):
        tenure.sweep(sc, tenure.grid({"service.support_staff": [1, 2]}), tmp_path / "g", replications=2,
                     progress=False).sensitivity("lost_value")


def test_dask_local_cluster_equals_local_sweep(sc, tmp_path):
    distributed = pytest.importorskip("distributed")
    d = tenure.grid({"managers.Darren.time.hunt_share": [0.4, 0.6, 0.8, 0.95],
                     "organisation.promotion": ["new_business", "total_value"]})
    local = tenure.sweep(sc, d, tmp_path / "local", replications=3, tables=("runs", "managers"), progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert len(client.nthreads()) == 2
        remote = tenure.sweep(sc, d, tmp_path / "dask", replications=3, tables=("runs", "managers"), client=client,
                              progress=False)
    for t in ("runs", "managers"):
        pd.testing.assert_frame_equal(local.table(t), remote.table(t))
    assert json.loads((tmp_path / "local" / "sweep.json").read_text()) == json.loads((tmp_path / "dask" / "sweep.json").read_text())


def test_sweep_shows_a_progress_bar(sc, tmp_path, capsys):
    d = tenure.grid({"managers.Darren.time.hunt_share": [0.5, 0.7]})
    tenure.sweep(sc, d, tmp_path / "p", replications=2, progress=True)
    err = capsys.readouterr().err
    assert "sweep ann_vs_darren" in err and "2/2" in err


def test_sweep_keeps_few_points_in_memory(sc, tmp_path, monkeypatch):
    """Results go to disk as each point finishes: at most 2 x workers points are ever in flight,
    so a sweep larger than memory works."""
    import importlib
    import threading

    S = importlib.import_module("tenure.sweep")
    live = {"now": 0, "max": 0}
    lock = threading.Lock()
    real_run, real_write = S.run_point, S._write_parquet

    def counting_run(*a):
        r = real_run(*a)
        with lock:
            live["now"] += 1
            live["max"] = max(live["max"], live["now"])
        return r

    def counting_write(path, table):
        real_write(path, table)
        if path.parent.name == "runs":
            with lock:
                live["now"] -= 1

    monkeypatch.setattr(S, "run_point", counting_run)
    monkeypatch.setattr(S, "_write_parquet", counting_write)
    d = tenure.grid({"managers.Darren.time.hunt_share": [0.05 * i for i in range(1, 19)]})
    sw = tenure.sweep(sc, d, tmp_path / "m", replications=2, workers=2, progress=False)
    assert sw.complete and live["now"] == 0
    assert live["max"] <= 4
