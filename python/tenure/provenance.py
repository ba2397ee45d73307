"""Provenance from Python: the call that made a result and the versions of Python and the
packages around the engine, for manifest.json (results folders), sweep.json and
calibration.json. The engine adds the build (version, commit, compiler, flags, libraries) and
the platform; `tenure.verify(folder)` runs a results folder again and checks its bytes."""
from __future__ import annotations

import json
import platform
from importlib import metadata
from typing import Any

from . import _core

PACKAGES = ("numpy", "pandas", "pyarrow", "SALib", "dask", "distributed", "optuna", "pyabc", "scipy")


def environment() -> list[tuple[str, str]]:
    """Python's version and those of the packages tenure uses that are installed."""
    out = [("python", platform.python_version()), ("pybind11 (compiled against)", str(_core.pybind11_version))]
    for p in PACKAGES:
        try:
            out.append((p, metadata.version(p)))
        except metadata.PackageNotFoundError:
            pass
    return out


def call_text(function: str, scenario: Any, **arguments: Any) -> str:
    """A readable record of a call: the function, the scenario (name, source and overrides) and
    its arguments."""
    args = ", ".join(f"{k}={v!r}" for k, v in arguments.items() if v is not None)
    sc = f"tenure.load({scenario._source!r}" + (f", overrides={list(scenario.overrides)!r}" if scenario.overrides else "") + ")"
    return f"tenure.{function}({sc}" + (f", {args}" if args else "") + ")"


def record(invocation: str, wall_seconds: float) -> dict:
    """What sweep.json and calibration.json record: the build, the environment, the call, the time."""
    return {**json.loads(_core.build_info()), "environment": dict(environment()), "invocation": invocation,
            "wall_seconds": wall_seconds}


def verify(folder: Any, threads: int = 0) -> tuple[bool, list[str]]:
    """Runs a results folder again from its manifest.json and compares every file's bytes, as
    ``tenure verify FOLDER`` does: (all the same, a line per file)."""
    import os

    same, lines = _core.verify(os.fspath(folder), threads)
    return bool(same), list(lines)
