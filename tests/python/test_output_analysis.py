"""Output analysis from Python: replications to a target precision (the same steps and files as
`tenure run --precision`), MSER-5 warm-up, what common random numbers bought, and Holm's
correction. The statistics themselves are checked against closed forms in
tests/output/test_analysis.cpp."""
import json
import subprocess

import numpy as np
import pytest

import tenure
from conftest import SCENARIOS

QEP = str(SCENARIOS / "quarter_end_pressure.yaml")


def test_run_until_precision_matches_the_command(cli, tmp_path):
    sc = tenure.load(QEP)
    res = tenure.run_until(sc, precision=0.04, variants="all", replications=6, threads=2)
    assert res.replications > 6
    need = res.replications_needed()
    assert (need["relative_half_width"].dropna() <= 0.04).all()
    assert (need["replications_needed"].dropna() <= res.replications).all()
    res.save(tmp_path / "py")
    subprocess.run([cli, "run", QEP, "--all-variants", "-r", "6", "--precision", "4%", "-j", "2", "-q",
                    "-o", str(tmp_path / "cli")], check=True)
    for name in ("summary.json", "timeseries.csv", "runs.csv"):
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    s = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert s["precision_target"] == 0.04
    assert all(v["final_value"]["relative_half_width"] <= 0.04 for v in s["variants"].values())


def test_precision_for_some_metrics_only(tmp_path):
    sc = tenure.load(QEP)
    res = tenure.run_until(sc, "final_mean_satisfaction", precision=0.01, replications=4, threads=2)
    row = res.replications_needed().query("metric == 'final_mean_satisfaction'").iloc[0]
    assert row["relative_half_width"] <= 0.01
    with pytest.raises(ValueError, match="either precision"):
        tenure.run_until(sc, "revenue")
    with pytest.raises(ValueError, match="precision must be above 0"):
        tenure.run_until(sc, precision=1.5)
    with pytest.raises(ValueError, match="unknown metric"):
        tenure.run_until(sc, "nosuch", precision=0.05)


def test_compare_reports_crn_and_holm():
    sc = tenure.load("ann_vs_darren")
    n = 40
    res = tenure.run(sc, replications=n, variants=["base", "promote_total_value", "promote_retained_value"], threads=2)
    c = res.compare()
    for col in ("p", "holm_p", "holm_low", "holm_high", "crn_correlation", "variance_reduction"):
        assert col in c.columns
    assert (c["holm_p"] >= c["p"] - 1e-15).all()
    # (Equal where Holm's step-down leaves the level alone: compared to rounding, relative to
    # values of 1e8.)
    assert ((c["holm_high"] - c["holm_low"]) >= (c["ci_high"] - c["ci_low"]) * (1 - 1e-12)).all()
    # Common random numbers at work: variants that differ only in the promotion rule move together,
    # the correlation of paired replications positive at 99% (Fisher's z; at 12 replications
    # its standard error was as large as the correlation, about 0.5 at 100).
    r = c.query("metric == 'new_business'")["crn_correlation"].clip(upper=1 - 1e-12)
    assert (np.arctanh(r) - 2.576 / np.sqrt(n - 3) > 0).all()


def test_warmup_and_replications_needed():
    sc = tenure.load("baseline", {"experiment.horizon": "10 years", "accounts.initial_active": 400,
                                  "accounts.initial_prospects": 1200})
    res = tenure.run(sc, replications=4, threads=2)
    w = res.warmup()
    assert set(w["column"]) == {"active_accounts", "value", "revenue", "mean_satisfaction", "mean_response_days"}
    assert {"truncate_months", "settled", "mean_after", "ci_low", "ci_high", "n"} <= set(w.columns)
    assert (w["truncate_months"] <= 60).all()  # at most half the run
    one = res.warmup("open_requests")
    assert list(one["column"]) == ["open_requests"]
    with pytest.raises(tenure.TenureError, match="unknown"):
        res.warmup("nosuch")
    need = res.replications_needed(0.5)
    assert (need["replications_needed"].dropna() >= 2).all()
    assert np.isfinite(need["relative_half_width"]).any()
