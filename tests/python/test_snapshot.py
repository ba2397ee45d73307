"""Snapshot and fork from Python: the same files as the CLI, identical continuation, forks
that share their past, refusals with reasons, and snapshots that travel by pickle."""
import filecmp
import json
import pickle
import subprocess

import pandas as pd
import pytest

import tenure


def test_fork_of_the_base_is_the_uninterrupted_run(tmp_path):
    sc = tenure.load("market_shock")
    snap = tenure.snapshot(sc, at="24 months", replications=3, threads=2)
    assert snap.day == pytest.approx(730.5) and snap.replications == 3 and snap.variant == "base"
    cont = tenure.fork(snap, threads=1)
    whole = tenure.run(sc, replications=3)
    pd.testing.assert_frame_equal(cont.timeseries, whole.timeseries)
    pd.testing.assert_frame_equal(cont.managers, whole.managers)
    pd.testing.assert_frame_equal(cont.lost, whole.lost)


def test_forks_share_their_past_and_differ_after(tmp_path):
    sc = tenure.load("market_shock")
    snap = tenure.snapshot(sc, at="24 months", replications=4)
    res = tenure.fork(snap, variants="all")
    assert res.variants == ["base", "supervised", "no_support_cut"]
    ts = res.timeseries
    before = ts[ts["month"] < 23]
    for v in ["supervised", "no_support_cut"]:
        a = before[before["variant"] == v].drop(columns="variant").reset_index(drop=True)
        b = before[before["variant"] == "base"].drop(columns="variant").reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
    cmp = res.compare(metric="lost_value")
    row = cmp[cmp["variant"] == "no_support_cut"].iloc[0]
    assert row["ci_high"] < 0  # keeping support loses less, clearly, on common random numbers


def test_python_and_cli_write_the_same_snapshot_and_fork_files(tmp_path, cli):
    sc = tenure.load("caught_between")
    snap = tenure.snapshot(sc, at="10 months", replications=2)
    snap.save(tmp_path / "py.snap")
    subprocess.run([cli, "snapshot", sc._core.path,
                    "--at", "10 months", "-r", "2", "-o", str(tmp_path / "cli.snap"), "-q"], check=True)
    assert filecmp.cmp(tmp_path / "py.snap", tmp_path / "cli.snap", shallow=False)
    back = tenure.Snapshot.load(tmp_path / "cli.snap")
    tenure.fork(back).save(tmp_path / "py_out")
    subprocess.run([cli, "fork", str(tmp_path / "cli.snap"), "-o", str(tmp_path / "cli_out"), "-q"], check=True)
    names = sorted(p.name for p in (tmp_path / "cli_out").iterdir())
    assert "timeseries.csv" in names and names == sorted(p.name for p in (tmp_path / "py_out").iterdir())
    for f in names:
        # The effective scenario's first line names the source (a file or a Python object), and
        # the manifest records how each was made (a command, a call).
        if f not in ("scenario.effective.yaml", "manifest.json"):
            assert filecmp.cmp(tmp_path / "py_out" / f, tmp_path / "cli_out" / f, shallow=False), f
    for d in ("py_out", "cli_out"):
        m = json.loads((tmp_path / d / "manifest.json").read_text())
        assert m["kind"] == "fork"
        with pytest.raises(tenure.TenureError, match="fork of a snapshot"):
            tenure.verify(tmp_path / d)


def test_a_snapshot_pickles_as_its_bytes():
    snap = tenure.snapshot(tenure.load("caught_between"), at=200, replications=2)
    back = pickle.loads(pickle.dumps(snap))
    assert back.to_bytes() == snap.to_bytes()
    pd.testing.assert_frame_equal(tenure.fork(back).runs, tenure.fork(snap).runs)


def test_a_fork_that_changes_the_past_is_refused_with_reasons(tmp_path):
    snap = tenure.snapshot(tenure.load("market_shock"), at="30 months", replications=1)
    with pytest.raises(tenure.TenureError) as e:
        tenure.fork(snap, variants="no_support_cut")  # the support cut at 24 months already happened
    assert "orders or conferences before the snapshot day differ" in str(e.value)
    with pytest.raises(tenure.TenureError) as e:
        tenure.fork(snap, overrides={"accounts.initial_active": 10})
    assert "accounts.initial_active is 600 in the snapshot but 10 here" in str(e.value)
    (tmp_path / "bad.snap").write_bytes(snap.to_bytes()[:500])
    with pytest.raises(tenure.TenureError) as e:
        tenure.Snapshot.load(tmp_path / "bad.snap")
    assert "bad.snap: damaged snapshot" in str(e.value)
