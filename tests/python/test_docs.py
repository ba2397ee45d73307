"""The Python examples in docs/python.md and docs/research.md run, in order, as written."""
import os
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def test_python_examples_in_docs_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)  # the examples write results/ and sweeps/ here
    ns: dict = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{DOC.name} example {i + 1}", "exec"), ns)
    assert (tmp_path / "results" / "ann" / "summary.json").exists()
    assert ns["sw"].complete


def test_python_examples_in_research_doc_run(tmp_path, monkeypatch):
    doc = DOC.parent / "research.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(), re.S)
    assert blocks
    # Its examples load tests/data/ from the repository, and write nothing there.
    (tmp_path / "tests").symlink_to(DOC.parents[1] / "tests")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{doc.name} example {i + 1}", "exec"), ns)
    # What the text says of the discovery: Darren's share bounded from below near 0.8, and his
    # share the larger feature score; the box at least 2.4 times as dense in cases as the sweep.
    found = ns["found"]
    box = found.box.set_index("parameter")
    assert box.loc["managers.Darren.time.hunt_share", "restricted"]
    assert box.loc["managers.Darren.time.hunt_share", "low"] >= 0.75
    assert box.loc["managers.Ann.time.hunt_share", "high"] - box.loc["managers.Ann.time.hunt_share", "low"] >= 0.4
    assert found.density >= 0.6 and found.scores.iloc[0]["parameter"] == "managers.Darren.time.hunt_share"
    assert ns["odd"].startswith("# ann_vs_darren")
    assert ns["cal"].estimates["parameter"].tolist() == ["churn.base_rate", "acquisition.outreach_rate"]


def test_python_examples_in_extending_doc_run(tmp_path, monkeypatch):
    doc = DOC.parent / "extending.md"
    blocks = re.findall(r"```python\n(.*?)```", doc.read_text(), re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    for i, code in enumerate(blocks):
        exec(compile(code, f"{doc.name} example {i + 1}", "exec"), ns)
    diff = ns["res"].compare()
    assert set(diff["variant"]) == {"pushier"}
    listed = set(ns["tenure"].strategies().query("origin != 'built-in'")["name"])
    assert {"quota_chaser", "tired_of_complaints", "coin_flipper"} <= listed
    assert ns["kept"].managers["promotions"].sum() > 0 and "keeper_of_books" in set(ns["tenure"].policies()["name"])
    assert "late_share" in set(ns["shock"].compare()["metric"])
