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
