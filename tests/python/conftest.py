import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli() -> str:
    """The `tenure` command installed by `pip install .` beside this Python."""
    import sysconfig

    exe = Path(sysconfig.get_path("scripts")) / "tenure"
    if not exe.exists():
        pytest.fail(f"{exe}: the tenure command was not installed with the package")
    return str(exe)


@pytest.fixture(autouse=True)
def _measures_do_not_leak():
    """A measure registered by a test adds a column to every later table in this process:
    removed when the test ends, so other tests see the built-in metrics only."""
    from tenure import extend

    before = {r["name"] for r in extend.registered() if r["kind"] == "measure"}
    yield
    for r in extend.registered():
        if r["kind"] == "measure" and r["name"] not in before:
            extend.remove_measure(r["name"])
