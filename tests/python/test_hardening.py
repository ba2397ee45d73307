"""Regression tests of issue 15 (hardening) from Python: interrupts, files a sweep does not own,
override values, seeds and sweep inputs."""
import json
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

import tenure

SMALL = {"experiment.horizon": "2 years", "accounts.initial_active": 60, "accounts.initial_prospects": 300}


# 1. A very deep override path is bounded, through with_overrides too.
def test_a_deep_override_path_is_refused_at_once():
    sc = tenure.load("covert_farmer")
    t0 = time.perf_counter()
    with pytest.raises(tenure.TenureError) as e:
        sc.with_overrides({"a." * 3000 + "a": 1})
    assert "at most 32 parts" in str(e.value)
    assert len(str(e.value)) < 600
    assert time.perf_counter() - t0 < 10  # not minutes; a bound, not a benchmark


# 2. Ctrl-C during a run: a prompt KeyboardInterrupt, workers stopped, the interpreter intact.
INTERRUPTED_RUN = """
import sys, time, tenure
sc = tenure.load("baseline", overrides={overrides})
print("started", flush=True)
t0 = time.perf_counter()
try:
    tenure.run(sc, replications=400, threads=2, progress={progress})
except KeyboardInterrupt:
    print(f"interrupted after {{time.perf_counter() - t0:.1f}} s", flush=True)
    # the interpreter still works, and so does the engine
    r = tenure.run(tenure.load("covert_farmer"), replications=1, threads=2)
    print("after", len(r.runs), flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


@pytest.mark.parametrize("progress,overrides", [
    (True, {}), (False, {}),
    # replications of about 16 s each (2.2 GB): stopped at their next month end, not awaited
    (False, {"accounts.initial_active": 1500000, "accounts.initial_prospects": 4500000}),
])
def test_ctrl_c_stops_a_threaded_run_promptly(progress, overrides):
    p = subprocess.Popen([sys.executable, "-c", INTERRUPTED_RUN.format(progress=progress, overrides=overrides)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(3)  # loading done, replications under way (400 take minutes)
    sent = time.perf_counter()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    waited = time.perf_counter() - sent
    assert p.returncode == 3, (p.returncode, out, err)  # not -6 (SIGABRT), not a finished run
    assert "interrupted after" in out and "after 1" in out
    assert waited < (30 if not overrides else 8), f"the interrupt waited {waited:.0f} s"  # not the run, nor a long replication


# 3. sweep(resume=False) removes only what the sweep wrote.
def test_sweep_restart_keeps_the_users_files(tmp_path):
    sc = tenure.load("covert_farmer", overrides=SMALL)
    design = tenure.grid({"churn.base_rate": ["0.1 per year", "0.2 per year"]})
    out = tmp_path / "sw"
    tenure.sweep(sc, design, out, replications=2, workers=1, progress=False)
    (out / "notes.txt").write_text("mine")
    (out / "runs" / "my_analysis.csv").write_text("mine too")
    (out / "mine").mkdir()
    tenure.sweep(sc, design, out, replications=3, workers=1, progress=False, resume=False)
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "runs" / "my_analysis.csv").read_text() == "mine too"
    assert (out / "mine").is_dir()
    assert json.loads((out / "sweep.json").read_text())["replications"] == 3
    assert len(tenure.SweepResult(out).table("runs")) == 2 * 3


# 18. Values a loop over NumPy or a DataFrame yields are accepted as overrides.
def test_numpy_scalars_and_nested_dicts_are_accepted():
    sc = tenure.load("market_shock")
    for x in np.linspace(0.1, 0.3, 3):
        o = sc.with_overrides({"service.support_share": x})
        assert o.value("service.support_share") == pytest.approx(float(x))
    row = pd.DataFrame({"service.support_staff": [3]}).iloc[0]
    assert sc.with_overrides(row.to_dict()).value("service.support_staff") == 3  # np.int64
    o = sc.with_overrides({"supervision": {"enabled": True, "interval": "2 months"}})
    assert o.value("supervision.enabled") is True
    assert o.value("supervision.interval") == pytest.approx(2 * 365.25 / 12)
    assert sc.with_overrides({"supervision.enabled": np.bool_(True)}).value("supervision.enabled") is True
    with pytest.raises(ValueError):
        sc.with_overrides({"service.support_share": float("nan")})
    with pytest.raises(TypeError):
        sc.with_overrides({"service.support_share": object()})


# 9. Seeds are exact; 0 is a seed; anything else is an error.
def test_seeds_are_exact_and_zero_is_a_seed():
    sc = tenure.load("covert_farmer", overrides=SMALL)
    zero = tenure.run(sc, seed=0, replications=1)
    assert zero.seed == 0
    assert not zero.runs.equals(tenure.run(sc, replications=1).runs)
    big = 2**53 + 1
    assert tenure.run(sc, seed=np.uint64(big), replications=1).seed == big
    for bad in (-1, 1.5, 2**64, True, "7"):
        with pytest.raises((TypeError, ValueError)):
            tenure.run(sc, seed=bad, replications=1)


# 22. Sweeps: known metrics listed; bounds in the file's units; any numeric column analysed.
def test_sweep_metrics_units_and_columns(tmp_path):
    sc = tenure.load("covert_farmer", overrides=SMALL)
    design = tenure.latin({"churn.base_rate": ("0.05 per year", "0.3 per year"),
                           "churn.notice_max": ("7 months", "12 months")}, 4, seed=3)
    assert design.points["churn.base_rate"].between(0.05 / 365.25, 0.3 / 365.25).all()
    sw = tenure.sweep(sc, design, tmp_path / "sw", replications=2, workers=1, progress=False,
                      tables=("runs", "timeseries", "managers"))
    for i, row in design.points.iterrows():
        eff = tenure.load("covert_farmer", overrides={**SMALL, "churn.base_rate": f"{float(row['churn.base_rate'])!r} per day"})
        assert eff.value("churn.base_rate") == pytest.approx(row["churn.base_rate"])
    with pytest.raises(ValueError) as e:
        sw.means("lost_valu")
    assert "did you mean 'lost_value'" in str(e.value) and "final_clients" in str(e.value)
    assert "active_accounts" in sw.metrics("timeseries")
    m = sw.means("active_accounts", table="timeseries")  # the final month, per replication
    assert len(m) == 4 and m["mean"].notna().all()
    assert len(sw.means("new_business", table="managers", reduce="sum")) == 4
    with pytest.raises(ValueError):
        tenure.latin({"churn.base_rate": ("0.05 per year", "3 months")}, 4)


# 24. The extras bring what the docs' examples import.
def test_extras_cover_what_the_docs_import():
    import tomllib  # Python 3.11+

    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    names = {d.split(">")[0].split("[")[0].split("=")[0].lower() for d in project["dependencies"] + extras["sweep"] + extras["notebook"]}
    assert {"scipy", "salib", "matplotlib", "jinja2"} <= names
    doc = (root / "docs" / "python.md").read_text()
    assert "pip install '.[sweep]'" in doc and "pip install '.[notebook]'" in doc
