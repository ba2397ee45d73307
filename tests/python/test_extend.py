"""Users' own strategies written in Python (docs/extending.md): registered by name, usable from
YAML, the CLI (--plugin or plugins:) and Python alike with identical files; errors that name the
manager, the day, the hook and the user's traceback and write nothing; keyed random streams so
threads and Dask workers give the same results."""
import filecmp
import json
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tenure

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = '''
import tenure

@tenure.strategy("py_hunter", part="time",
                 params={"hunt_share": tenure.param(0.8, min=0, max=1, description="share of time hunting")})
def py_hunter(view, p):
    """the built-in hunter's numbers, decided in Python"""
    return {"hunt_share": p["hunt_share"]}

@tenure.strategy("jittery", part="time", params={"mean": tenure.param(0.6, min=0, max=1)})
def jittery(view, p):
    """hunts around its mean, with its own keyed draws"""
    return min(1.0, max(0.0, p["mean"] + 0.3 * (view.random(1).random() - 0.5)))

@tenure.strategy("behind_ignores", part="service", params={"care": tenure.param(1.0, min=0, max=2)})
def behind_ignores(view, p):
    """answers fewer requests when behind quota"""
    behind = view.quarter_new_business < 0.5 * view.quota
    return {"answer_probability": 0.7 if behind else 0.98}

@tenure.strategy("late_panic", part="pressure",
                 params={"rush_discount": tenure.param(0.07, min=0, max=1)})
def late_panic(view, p):
    """panics only after late answers pile up"""
    return {"panics": view.late_requests > 20, "urgent_hunt_share": 0.95, "urgent_answer_factor": 0.5}
'''

SCENARIO = '''
name: pyplug
experiment: {{replications: 4, seed: 5, horizon: 2 years}}
accounts: {{initial_active: 300, initial_prospects: 3000}}
{plugins}
managers:
  - {{name: m, count: 3, {strategy}}}
organisation: {{positions: [3]}}
variants:
  other: {{managers: [{{name: m, count: 3, {other}}}]}}
'''


def write(tmp_path, strategy, other=None, plugins=True):
    (tmp_path / "strategies.py").write_text(PLUGIN)
    f = tmp_path / ("with_key.yaml" if plugins else "plain.yaml")
    f.write_text(SCENARIO.format(plugins="plugins: [strategies.py]" if plugins else "", strategy=strategy,
                                 other=other or strategy))
    return f


def same_files(a: Path, b: Path, skip=("manifest.json", "scenario.effective.yaml")):
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    return [n for n in names if n not in skip and not filecmp.cmp(a / n, b / n, shallow=False)]


def test_a_python_hunter_gives_the_built_in_hunters_bytes(tmp_path, cli):
    builtin = write(tmp_path, "strategy: hunter/attentive/calm", plugins=False)
    subprocess.run([cli, "run", str(builtin), "--all-variants", "-o", str(tmp_path / "builtin"), "-q"], check=True)
    py = write(tmp_path, "time: py_hunter, service: attentive, pressure: calm")
    subprocess.run([cli, "run", str(py), "--all-variants", "-o", str(tmp_path / "py"), "-q"], check=True)
    assert same_files(tmp_path / "builtin", tmp_path / "py") == ["managers.csv"]  # the strategy's name, only
    a = pd.read_csv(tmp_path / "builtin" / "managers.csv")
    b = pd.read_csv(tmp_path / "py" / "managers.csv")
    hunters = a["strategy"] == "hunter/attentive/calm"  # the rest are hires, balanced in both
    assert hunters.sum() >= 6 and (b["strategy"][hunters] == "py_hunter/attentive/calm").all()
    assert (a["strategy"][~hunters] == b["strategy"][~hunters]).all()
    pd.testing.assert_frame_equal(a.drop(columns="strategy"), b.drop(columns="strategy"))


def test_cli_plugin_flag_plugins_key_and_python_write_the_same_files(tmp_path, cli):
    strategy = "time: jittery, service: behind_ignores, pressure: late_panic"
    other = "time: {name: jittery, mean: 0.8}, service: behind_ignores, pressure: calm"
    keyed = write(tmp_path, strategy, other)
    plain = write(tmp_path, strategy, other, plugins=False)
    subprocess.run([cli, "run", str(keyed), "--all-variants", "-o", str(tmp_path / "key"), "-q"], check=True)
    subprocess.run([cli, "run", str(plain), "--plugin", str(tmp_path / "strategies.py"), "--all-variants",
                    "-o", str(tmp_path / "flag"), "-q"], check=True)
    res = tenure.run(tenure.load(keyed), variants="all", threads=2)
    res.save(tmp_path / "python")
    assert same_files(tmp_path / "key", tmp_path / "flag") == []
    assert same_files(tmp_path / "key", tmp_path / "python") == []
    # the strategies decided something: the variants differ, and the plugin's names are recorded
    runs = pd.read_csv(tmp_path / "key" / "runs.csv")
    assert runs.groupby("variant")["new_business"].mean().nunique() == 2
    assert "plugins:" in (tmp_path / "key" / "scenario.effective.yaml").read_text()
    assert tenure.verify(tmp_path / "key")[0]


def test_threads_give_the_same_bytes(tmp_path, cli):
    f = write(tmp_path, "time: jittery, service: behind_ignores, pressure: late_panic")
    for j in ("1", "2"):
        subprocess.run([cli, "run", str(f), "--all-variants", "-j", j, "-o", str(tmp_path / f"j{j}"), "-q"], check=True)
    assert same_files(tmp_path / "j1", tmp_path / "j2") == []


def test_an_exception_names_manager_day_and_hook_with_the_traceback_and_writes_nothing(tmp_path, cli):
    (tmp_path / "shaky.py").write_text(textwrap.dedent('''
        import tenure

        def plan(view):
            if view.day > 200:
                raise RuntimeError("no idea what to do")
            return 0.5

        @tenure.strategy("shaky", part="time")
        def shaky(view, p):
            return plan(view)
    '''))
    f = tmp_path / "s.yaml"
    f.write_text(SCENARIO.format(plugins="plugins: [shaky.py]", strategy="time: shaky, service: attentive, pressure: calm",
                                 other="time: shaky, service: attentive, pressure: calm"))
    out = tmp_path / "out"
    p = subprocess.run([cli, "run", str(f), "-o", str(out), "-q"], capture_output=True, text=True)
    assert p.returncode == 2
    assert "strategy shaky/attentive/calm of manager m-1 failed deciding its time at day 213" in p.stderr
    assert "(month decision)" in p.stderr
    assert 'shaky.py", line 6, in plan' in p.stderr and "RuntimeError: no idea what to do" in p.stderr
    assert not out.exists()
    with pytest.raises(tenure.TenureError, match="(?s)manager m-1.*RuntimeError: no idea"):
        tenure.run(tenure.load(f))


def test_decisions_are_checked(tmp_path):
    @tenure.strategy("t_wrong_key", part="time")
    def wrong_key(view, p):
        return {"care": 1.0}

    @tenure.strategy("t_too_much", part="time")
    def too_much(view, p):
        return 1.5

    @tenure.strategy("t_not_a_number", part="time")
    def not_a_number(view, p):
        return {"hunt_share": "lots"}

    @tenure.strategy("t_keeps_view", part="time")
    def keeps_view(view, p, kept=[]):
        kept.append(view)
        if len(kept) > 1:
            return kept[0].book_size  # a view from an earlier call
        return 0.5

    def run(name):
        return tenure.run(tenure.load({"name": "t", "experiment": {"replications": 1, "horizon": "3 months"},
                                       "accounts": {"initial_active": 20},
                                       "managers": [{"name": "m", "count": 1, "time": name, "service": "attentive",
                                                     "pressure": "calm"}],
                                       "organisation": {"positions": [1]}}), threads=1)

    with pytest.raises(tenure.TenureError, match="decided 'care': a time strategy decides hunt_share"):
        run("t_wrong_key")
    with pytest.raises(tenure.TenureError, match="decided hunt_share = 1.5.*expected 0.0+ to 1"):
        run("t_too_much")
    with pytest.raises(tenure.TenureError, match="decided hunt_share = 'lots': expected a number"):
        run("t_not_a_number")
    with pytest.raises(tenure.TenureError, match="valid only during the call"):
        run("t_keeps_view")


def test_registration_parameters_listing_and_replacing(tmp_path):
    @tenure.strategy("t_shares", part="time", params={"share": tenure.param(0.3, min=0.1, max=0.9, description="s")})
    def shares(view, p):
        return p["share"]

    df = tenure.strategies()
    row = df[(df["kind"] == "time") & (df["name"] == "t_shares")].iloc[0]
    assert row["origin"].endswith("shares") and row["param_default"] == 0.3 and row["param_max"] == 0.9
    assert set(df[df["name"] == "hunter"]["origin"]) == {"built-in"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: b\nmanagers:\n  - {name: m, count: 1, time: {name: t_shares, share: 0.95}}\n")
    with pytest.raises(tenure.TenureError, match=r"bad.yaml:3:\d+: share: value 0.95 is out of range"):
        tenure.load(bad)
    with pytest.raises(ValueError, match="built in"):
        tenure.strategy("hunter")(lambda v, p: 0.5)
    with pytest.raises(ValueError, match="part"):
        tenure.strategy("x", part="hiring")

    @tenure.strategy("t_shares", part="time")  # a notebook cell run again: replaces it
    def shares_again(view, p):
        return 0.2

    assert tenure.strategies().query("name == 't_shares'")["param_name"].isna().all()


def test_cli_lists_and_refuses_plugins_it_cannot_load(tmp_path, cli):
    (tmp_path / "strategies.py").write_text(PLUGIN)
    p = subprocess.run([cli, "list", "strategies", "--plugin", str(tmp_path / "strategies.py")], capture_output=True, text=True)
    assert p.returncode == 0 and "py_hunter" in p.stdout and "late_panic" in p.stdout
    (tmp_path / "broken.py").write_text("import tenure\nraise ImportError('missing piece')\n")
    f = write(tmp_path, "strategy: hunter/attentive/calm", plugins=False)
    p = subprocess.run([cli, "run", str(f), "--plugin", str(tmp_path / "broken.py"), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "a plugin failed to load" in p.stderr and "missing piece" in p.stderr
    assert not (tmp_path / "o").exists()
    # Without a Python to hand the command to, it says so and writes nothing.
    import os

    env = dict(os.environ, TENURE_PYTHON=str(tmp_path / "no-python"))
    keyed = write(tmp_path, "time: py_hunter, service: attentive, pressure: calm")
    p = subprocess.run([cli, "run", str(keyed), "-o", str(tmp_path / "o2")], capture_output=True, text=True, env=env)
    assert p.returncode == 2 and "strategies written in Python" in p.stderr and "cannot be started" in p.stderr
    assert not (tmp_path / "o2").exists()


def test_dask_workers_run_the_registered_strategies(tmp_path):
    distributed = pytest.importorskip("distributed")
    f = write(tmp_path, "time: jittery, service: behind_ignores, pressure: late_panic")
    (tmp_path / "measure_for_dask.py").write_text(
        "import tenure\n@tenure.measure('dask_late_answers')\ndef m(ts, mg):\n    return float(mg['requests_late'].sum())\n")
    tenure.load_plugin(tmp_path / "measure_for_dask.py")
    sc = tenure.load(f)
    d = tenure.grid({"managers.m.time.mean": [0.3, 0.6, 0.9]})
    local = tenure.sweep(sc, d, tmp_path / "local", replications=2, tables=("runs",), progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        remote = tenure.sweep(sc, d, tmp_path / "dask", replications=2, tables=("runs",), client=client, progress=False)
        # Blame rules and order rules too: one named by the scenario, others only by the design.
        (tmp_path / "rules.py").write_text(RULES)
        tenure.load_plugin(tmp_path / "rules.py")
        ruled_sc = tenure.load(ruled(tmp_path, "dask_ruled", "last_owner",
                                     "kind: rule, every: 1 month, rule: {name: cut_when_shrinking, floor: 1.0}"))
        d2 = tenure.grid({"organisation.blame_rule": ["last_owner", "random_peer", "py_weakest"]})
        local2 = tenure.sweep(ruled_sc, d2, tmp_path / "local2", replications=2, tables=("runs", "managers"), progress=False)
        remote2 = tenure.sweep(ruled_sc, d2, tmp_path / "dask2", replications=2, tables=("runs", "managers"), client=client,
                               progress=False)
    pd.testing.assert_frame_equal(local.table("runs"), remote.table("runs"))
    assert local.table("runs").groupby("point")["new_business"].mean().nunique() == 3
    assert local.table("runs")["dask_late_answers"].sum() > 0  # and the workers computed the measure too (frames equal)
    pd.testing.assert_frame_equal(local2.table("managers"), remote2.table("managers"))
    assert local2.table("managers").groupby("point")["blamed_value"].max().nunique() == 3


POLICY = '''
import numpy as np
import tenure

@tenure.promotion_policy("py_total_value")
def py_total_value(c, p, rng):
    """the built-in total_value, written in Python"""
    return int(np.argmax(c["new_business"] + c["retained_value"]))

@tenure.promotion_policy("lottery_among_top", params={"top": tenure.param(3, min=1, max=100, description="how many")})
def lottery_among_top(c, p, rng):
    """a draw among the best few by new business"""
    order = np.argsort(-c["new_business"], kind="stable")
    return int(rng.choice(order[:p["top"]]))

@tenure.promotion_policy("out_of_range")
def out_of_range(c, p, rng):
    return len(c["manager"])
'''


def test_a_python_promotion_policy_gives_the_built_in_bytes_and_is_checked(tmp_path, cli):
    (tmp_path / "policies.py").write_text(POLICY)
    base = (ROOT / "scenarios" / "ann_vs_darren.yaml").read_text()
    sc = tenure.load("ann_vs_darren", {"experiment.horizon": "6 years"})
    built_in = tenure.run(sc.with_overrides({"organisation.promotion": "total_value"}), replications=6, threads=2)
    tenure.load_plugin(tmp_path / "policies.py")
    py = tenure.run(sc.with_overrides({"organisation.promotion": "py_total_value"}), replications=6, threads=2)
    pd.testing.assert_frame_equal(built_in.managers, py.managers)
    pd.testing.assert_frame_equal(built_in.timeseries, py.timeseries)
    assert py.managers["promotions"].sum() > 0
    lottery = tenure.run(sc.with_overrides({"organisation.promotion": "lottery_among_top"}), replications=6, threads=1)
    again = tenure.run(sc.with_overrides({"organisation.promotion": "lottery_among_top"}), replications=6, threads=2)
    pd.testing.assert_frame_equal(lottery.managers, again.managers)  # its draws are keyed
    assert not lottery.managers["promotions"].equals(py.managers["promotions"])
    with pytest.raises(tenure.TenureError, match="(?s)promotion policy out_of_range .*returned \\d+: expected the index"):
        tenure.run(sc.with_overrides({"organisation.promotion": "out_of_range"}), replications=1)
    assert "py_total_value" in set(tenure.policies()["name"])
    # From the command line, with --plugin: the same files as the built-in policy's
    f = tmp_path / "avd.yaml"
    f.write_text(base)
    for pol, out in (("total_value", "b"), ("py_total_value", "p")):
        subprocess.run([cli, "run", str(f), "--set", f"organisation.promotion={pol}", "--set", "experiment.horizon=6 years",
                        "-r", "4", "--plugin", str(tmp_path / "policies.py"), "-o", str(tmp_path / out), "-q"], check=True)
    assert same_files(tmp_path / "b", tmp_path / "p") == []


MEASURE = '''
import tenure

@tenure.measure("late_share", unit="share", label="Late answers", description="share of answers that were late")
def late_share(ts, mg):
    return float(mg["requests_late"].sum() / max(1.0, mg["requests_answered"].sum()))

@tenure.measure("year_two_churned", unit="clients")
def year_two_churned(ts, mg):
    return float(ts.loc[(ts["month"] >= 12) & (ts["month"] < 24), "churned"].sum())
'''


def test_a_python_measure_flows_into_runs_summary_comparisons_sweeps_and_files(tmp_path, cli):
    (tmp_path / "measures.py").write_text(MEASURE)
    f = write(tmp_path, "strategy: hunter/attentive/calm", "strategy: farmer/attentive/calm", plugins=False)
    keyed = tmp_path / "keyed.yaml"
    keyed.write_text("plugins: [measures.py]\n" + f.read_text())
    subprocess.run([cli, "run", str(keyed), "--all-variants", "-o", str(tmp_path / "cli"), "-q"], check=True)
    res = tenure.run(tenure.load(keyed), variants="all")
    res.save(tmp_path / "py")
    assert same_files(tmp_path / "cli", tmp_path / "py") == []
    runs = pd.read_csv(tmp_path / "cli" / "runs.csv")
    # computed from the replication's own tables, as the function says
    ts = res.timeseries
    for (v, r), g in ts.groupby(["variant", "replication"]):
        want = g.loc[(g["month"] >= 12) & (g["month"] < 24), "churned"].sum()
        assert runs.query("variant == @v and replication == @r")["year_two_churned"].item() == want
    assert set(res.summary["metric"]) >= {"late_share", "year_two_churned"}
    assert "late_share" in set(res.compare()["metric"])
    assert "late_share" in json.loads((tmp_path / "cli" / "summary.json").read_text())["variants"]["base"]
    subprocess.run([cli, "report", str(tmp_path / "cli"), "-o", str(tmp_path / "report.html")], check=True)
    assert "late_share" in (tmp_path / "report.html").read_text()
    sw = tenure.sweep(tenure.load(keyed), tenure.grid({"managers.m.time.hunt_share": [0.3, 0.9]}), tmp_path / "sw",
                      replications=2, tables=("runs",), progress=False)
    assert "year_two_churned" in sw.table("runs").columns
    pytest.importorskip("optuna")
    cal = tenure.calibrate(tenure.load(keyed), [{"name": "late", "metric": "late_share", "value": 0.5, "sd": 0.05}],
                           {"managers.m.time.hunt_share": (0.3, 0.9)}, trials=3, replications=2, threads=1)
    assert len(cal.samples) == 3 and np.isfinite(cal.chi_square)
    assert cal.fit["target"].tolist() == ["late"] and 0 < cal.fit["simulated"].item() < 1  # the measure, simulated
    with pytest.raises(ValueError, match="built in"):
        tenure.measure("revenue")(lambda ts, mg: 0.0)


def test_a_failing_measure_writes_nothing(tmp_path, cli):
    (tmp_path / "m.py").write_text("import tenure\n@tenure.measure('broken_measure')\n"
                                   "def broken(ts, mg):\n    return ts['no_such_column'].sum()\n")
    f = write(tmp_path, "strategy: hunter/attentive/calm", plugins=False)
    p = subprocess.run([cli, "run", str(f), "--plugin", str(tmp_path / "m.py"), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert "in Python, measure 'broken_measure'" in p.stderr and "no_such_column" in p.stderr
    # no result file; the finished replications' checkpoints stay for a resume once it is fixed
    assert not (tmp_path / "o").exists() or [x.name for x in (tmp_path / "o").iterdir()] == [".partial"]


RULES = '''
import numpy as np
import tenure

@tenure.blame_rule("py_weakest")
def py_weakest(lost, org, p, rng):
    """the built-in weakest_performer, written in Python"""
    m = org.managers
    if not m["active"].any():
        return None
    return int(np.argmin(np.where(m["active"], m["year_new_business"] + m["book_value"], np.inf)))

@tenure.blame_rule("random_peer")
def random_peer(lost, org, p, rng):
    """a colleague of the owner's, drawn"""
    peers = [i for i in np.flatnonzero(org.managers["active"]) if i != lost["owner"]]
    return int(rng.choice(peers)) if peers else -1

@tenure.order_rule("py_cut", params={"fraction": tenure.param(0.5, min=0, max=1, description="share cut")})
def py_cut(org, p):
    """the built-in cut_support, written in Python"""
    org.cut_support(p["fraction"])

@tenure.order_rule("cut_when_shrinking", params={"floor": tenure.param(0.9, min=0, max=1),
                                                  "fraction": tenure.param(0.3, min=0, max=1)})
def cut_when_shrinking(org, p):
    """cost cutting: support is cut while the book is below `floor` of its size at the start, given back above it"""
    start = 300
    if org.clients < p["floor"] * start and org.support_staff == 4:
        org.cut_support(p["fraction"])
    elif org.clients >= p["floor"] * start and org.support_staff < 4:
        org.restore_support()

@tenure.order_rule("raises")
def raises(org, p):
    if org.day > 100:
        raise RuntimeError("the rule's own bug")

@tenure.order_rule("keeps_the_handle")
def keeps_the_handle(org, p):
    global KEPT
    KEPT = org

@tenure.blame_rule("blames_a_name")
def blames_a_name(lost, org, p, rng):
    return "Ann"

@tenure.blame_rule("blame_acts")
def blame_acts(lost, org, p, rng):
    org.cut_support(0.1)
'''

RULED = '''
name: ruled
experiment: {{replications: 4, seed: 9, horizon: 3 years}}
{plugins}
accounts: {{initial_active: 300, initial_prospects: 3000}}
service: {{support_staff: 4, problem_rate: 4 per year}}
churn: {{base_rate: 0.3 per year}}
managers:
  - {{name: m, count: 3, strategy: hunter/attentive/calm}}
organisation: {{positions: [3], blame_rule: {blame}}}
orders:
  - {{at: 12 months, {order}}}
'''


def ruled(tmp_path, name, blame, order, plugins=False):
    (tmp_path / "rules.py").write_text(RULES)
    f = tmp_path / f"{name}.yaml"
    f.write_text(RULED.format(plugins="plugins: [rules.py]" if plugins else "", blame=blame, order=order))
    return f


def test_python_blame_and_order_rules_give_the_built_in_files_from_the_cli_and_python(tmp_path, cli):
    builtin = ruled(tmp_path, "builtin", "weakest_performer", "kind: cut_support, fraction: 0.4")
    py = ruled(tmp_path, "py", "py_weakest", "kind: rule, rule: {name: py_cut, fraction: 0.4}", plugins=True)
    subprocess.run([cli, "run", str(builtin), "-o", str(tmp_path / "b"), "-q"], check=True)
    subprocess.run([cli, "run", str(py), "-o", str(tmp_path / "p"), "-q"], check=True)
    assert same_files(tmp_path / "b", tmp_path / "p") == []
    managers = pd.read_csv(tmp_path / "p" / "managers.csv")
    assert managers["blamed_value"].sum() > 0  # the rule blamed someone
    # From Python, the same files; and the effective YAML names the rule with its parameters.
    tenure.run(tenure.load(py), threads=2).save(tmp_path / "from_python")
    assert same_files(tmp_path / "p", tmp_path / "from_python") == []
    eff = (tmp_path / "p" / "scenario.effective.yaml").read_text()
    assert "py_cut" in eff and "py_weakest" in eff
    # The CLI lists them with --plugin.
    out = subprocess.run([cli, "list", "order-rules", "--plugin", str(tmp_path / "rules.py")], capture_output=True, text=True)
    assert out.returncode == 0 and "cut_when_shrinking" in out.stdout
    out = subprocess.run([cli, "list", "blame-rules", "--plugin", str(tmp_path / "rules.py")], capture_output=True, text=True)
    assert "random_peer" in out.stdout and "last_owner" in out.stdout
    assert {"py_cut", "cut_when_shrinking"} <= set(tenure.order_rules()["name"])
    assert {"py_weakest", "last_owner"} <= set(tenure.blame_rules()["name"])


def test_an_order_rule_repeats_acts_on_what_it_sees_and_keeps_common_random_numbers(tmp_path):
    (tmp_path / "rules.py").write_text(RULES)
    tenure.load_plugin(tmp_path / "rules.py")
    base = tenure.load(ruled(tmp_path, "none", "random_peer", "kind: rule, rule: {name: py_cut, fraction: 0.0}"))
    cutting = tenure.load(ruled(tmp_path, "cut", "random_peer",
                                "kind: rule, every: 1 month, rule: {name: cut_when_shrinking, floor: 1.0, fraction: 0.5}"))
    a = tenure.run(base, replications=6, threads=1)
    b = tenure.run(cutting, replications=6, threads=2)
    again = tenure.run(cutting, replications=6, threads=1)
    pd.testing.assert_frame_equal(b.timeseries, again.timeseries)  # threads do not change it
    pd.testing.assert_frame_equal(b.managers, again.managers)      # nor the drawn blame
    # The book shrinks below its start in the first year, so the monthly rule cuts support from
    # month 12: answers slow down against the same random numbers without the cut.
    after = lambda r: r.timeseries[r.timeseries["month"] >= 13]["mean_response_days"].mean()
    assert after(b) > after(a)
    # Nothing differs before the first call (month 11's row ends at that instant, and records the
    # support on duty after it).
    before = lambda r: r.timeseries[r.timeseries["month"] < 11]
    pd.testing.assert_frame_equal(before(a), before(b))
    # A blame drawn among the owner's colleagues: never the owner, and not always the same one.
    lost = b.lost
    assert len(lost) > 50 and (lost["blamed"] != lost["owner"]).all() and lost["blamed"].nunique() > 1


def test_rule_errors_name_the_rule_the_day_and_the_traceback(tmp_path):
    (tmp_path / "rules.py").write_text(RULES)
    tenure.load_plugin(tmp_path / "rules.py")
    f = ruled(tmp_path, "raises", "last_owner", "kind: rule, every: 1 month, rule: raises")
    with pytest.raises(tenure.TenureError, match="(?s)order rule 'raises' \\(orders.0\\) failed at day 365\\.25.*"
                                                 "Traceback.*the rule's own bug"):
        tenure.run(tenure.load(f), replications=1)
    f = ruled(tmp_path, "name", "blames_a_name", "kind: rule, rule: py_cut")
    with pytest.raises(tenure.TenureError, match="(?s)blame rule 'blames_a_name' failed for the loss of account .* "
                                                 "returned 'Ann': expected a manager's id"):
        tenure.run(tenure.load(f), replications=1)
    f = ruled(tmp_path, "acts", "blame_acts", "kind: rule, rule: py_cut")
    with pytest.raises(tenure.TenureError, match="a blame rule reads the organisation; only an order rule acts on it"):
        tenure.run(tenure.load(f), replications=1)
    f = ruled(tmp_path, "keeps", "last_owner", "kind: rule, rule: keeps_the_handle")
    tenure.run(tenure.load(f), replications=1)
    import sys
    kept = next(m for n, m in sys.modules.items() if n.startswith("tenure_plugin_rules_")).KEPT
    with pytest.raises(tenure.TenureError, match="valid only during the call"):
        kept.cut_support(0.5)
    # Unknown names and misplaced rules are refused at load, with their place.
    f = ruled(tmp_path, "unknown", "last_owner", "kind: rule, rule: no_such_rule")
    with pytest.raises(tenure.TenureError, match="unknown.yaml:12:.*no_such_rule"):
        tenure.load(f)
    f = ruled(tmp_path, "missing", "last_owner", "kind: rule")
    with pytest.raises(tenure.TenureError, match="orders.0.rule: an order of kind rule needs"):
        tenure.load(f)


def test_a_strategy_reads_what_the_last_review_rewarded():
    seen = []

    @tenure.strategy("copies_the_rewarded", part="time", params={"hunt_share": tenure.param(0.5, min=0, max=1)})
    def copies_the_rewarded(view, p):
        """the hunt share the promotion rule scored highest, once a review has said"""
        if view.moment == "review":
            seen.append((view.review_rank, view.rewarded_share))
        return p["hunt_share"] if np.isnan(view.rewarded_share) else view.rewarded_share

    sc = tenure.load("what_the_firm_rewards", {"experiment.horizon": "3 years", "managers.m.time": "copies_the_rewarded"})
    tenure.run(sc, replications=1, threads=1)
    ranked = [(r, s) for r, s in seen if not np.isnan(r)]
    # Asked after each review has ranked them: ranks spread over 0 to 1, the rewarded share a share.
    assert len(ranked) == len(seen) > 10 and all(0 <= r <= 1 and 0 <= s <= 1 for r, s in ranked)
    assert min(r for r, _ in ranked) < 0.2 and max(r for r, _ in ranked) > 0.8
