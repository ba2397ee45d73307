"""``python -m tenure.cli``: the ``tenure`` command line, run inside the Python package so that
strategies written in Python are known. The native ``tenure`` hands a command here when it
has ``--plugin`` or its scenario has ``plugins:``; the command itself is the same C++ code."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import _core, extend


def _plugins(args: Sequence[str]) -> list[str]:
    found: list[str] = []
    for i, a in enumerate(args):
        if a == "--plugin" and i + 1 < len(args):
            found.append(args[i + 1])
        elif a.startswith("--plugin="):
            found.append(a.split("=", 1)[1])
    for a in args:
        p = Path(a)
        if p.is_dir():
            p = p / "scenario.effective.yaml"
        if p.suffix in (".yaml", ".yml") and p.is_file():
            found.extend(extend.plugins_of(p))
    return found


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        # --plugin files are relative to the working folder; a scenario's to its own.
        extend.load_plugins(str(Path(p).resolve()) if p.endswith(".py") else p for p in _plugins(args))
    except Exception:
        import traceback

        print("tenure: a plugin failed to load:", file=sys.stderr)
        traceback.print_exc()
        return 2
    if not os.environ.get("TENURE_SCENARIO_DIR"):
        from .scenario import bundled_dir

        os.environ["TENURE_SCENARIO_DIR"] = str(bundled_dir())  # the stories by name, as the native command finds them
    sys.stdout.flush()
    return int(_core.cli_main(["tenure", *args]))


if __name__ == "__main__":
    sys.exit(main())
