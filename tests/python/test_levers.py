"""Each workshop lever's expected sign over its range (scripts/levers.py), on the two stories,
with paired 95% intervals over fixed seeds: no step significantly against the expected direction,
and the whole range significantly in it on at least one story. docs/levers.md is the generated
table; this test also checks it is current (its settings and reference rows)."""
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("levers", ROOT / "scripts" / "levers.py")
levers = importlib.util.module_from_spec(spec)
sys.modules["levers"] = levers  # dataclasses look their module up
spec.loader.exec_module(levers)


@pytest.mark.parametrize("lever", [lv for lv in levers.LEVERS if lv.signs], ids=lambda lv: lv.id)
def test_lever_sign_over_its_range(lever):
    by_story = {story: levers.measure(story, lever, reps=20, threads=2) for story in levers.STORIES}
    assert levers.sign_problems(lever, by_story) == []


def test_a_wrong_expectation_is_caught():
    # The check can fail: attentiveness expected to lower retention is refused.
    lever = levers.Lever("attentiveness", "", (0.2, 1.0), lambda v: {"managers.*.service.answer_probability": v},
                         {"retention": -1})
    by_story = {story: levers.measure(story, lever, reps=10, threads=2) for story in levers.STORIES}
    assert levers.sign_problems(lever, by_story)


def test_the_generated_table_is_current():
    text = (ROOT / "docs" / "levers.md").read_text()
    assert "Signs not as expected" not in text
    for lv in levers.LEVERS:
        assert f"### {lv.label}" in text
        assert f"| {lv.values[0]} (reference) |" in text
