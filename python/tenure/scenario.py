"""Scenarios: load one from a file, a bundled story, a YAML text or a dict, and override
parameters by dotted path, as ``tenure run --set`` does."""
from __future__ import annotations

import math
import numbers
import os
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import numpy as np
import yaml

from . import _core, extend

PathLike = Union[str, "os.PathLike[str]"]


def _plain(value: Any, path: str) -> Any:
    """A value as plain Python: NumPy scalars and arrays, and any number type, become bool,
    int, float, str, list or dict, so that whatever a loop over ``np.linspace`` or a DataFrame
    yields is accepted."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        x = float(value)
        if not math.isfinite(x):
            raise ValueError(f"{path}: expected a finite number, got {x!r}")
        return x
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{path}: cannot use a {type(value).__name__} as a parameter value "
                    "(expected a number, a boolean, text, a list or a dict)")


def _setting(path: str, value: Any) -> str:
    """``key.path=value`` text for the engine's override syntax."""
    v = _plain(value, path)
    if isinstance(v, bool):
        text = "true" if v else "false"
    elif isinstance(v, float):
        text = repr(v)  # shortest text that reads back to the same double
    elif isinstance(v, (dict, list)):
        text = yaml.safe_dump(v, default_flow_style=True, width=float("inf"), sort_keys=False).strip()
        if text.endswith("\n..."):
            text = text[:-4].strip()
    else:
        text = str(v)
    return f"{path}={text}"


def seed_value(seed: Any) -> Optional[int]:
    """A seed as the engine takes it: None (the scenario's) or a whole number from 0 to 2**64 - 1,
    exactly; a NumPy integer is accepted, a bool, a fraction or a negative number is not."""
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed: expected a whole number from 0 to 2**64 - 1, got {seed!r}")
    s = int(seed)
    if not 0 <= s < 2**64:
        raise ValueError(f"seed: expected a whole number from 0 to 2**64 - 1, got {s}")
    return s


def bundled_dir() -> Path:
    """The folder of the bundled story scenarios."""
    installed = resources.files("tenure") / "scenarios"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "scenarios"  # a source checkout


def bundled() -> list[str]:
    """Names of the bundled scenarios (the five stories and the baseline)."""
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


class Scenario:
    """A loaded, validated scenario. Immutable: ``with_overrides`` returns a new one.

    Build one with :func:`tenure.load` (a file or a bundled name), :meth:`from_dict` or
    :meth:`from_yaml`. Invalid input raises :class:`tenure.TenureError` with every problem,
    each as ``file:line:column: message``.
    """

    def __init__(self, kind: str, source: str, text: Optional[str], sets: tuple[str, ...] = ()):
        self._kind, self._source, self._text, self._sets = kind, source, text, tuple(sets)
        # Plugins register the strategies the scenario names: imported before it is read.
        extend.load_plugins(extend.plugins_of(source) if kind == "file" else extend.plugins_of_text(text or ""))
        if kind == "file":
            self._core = _core.load(source, list(sets))
        else:
            assert text is not None
            self._core = _core.load_string(text, source, list(sets))

    # construction -------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: PathLike, overrides: Optional[Mapping[str, Any]] = None) -> "Scenario":
        return cls("file", os.fspath(path), None, _sets(overrides))

    @classmethod
    def from_yaml(cls, text: str, name: str = "<string>", overrides: Optional[Mapping[str, Any]] = None) -> "Scenario":
        return cls("text", name, text, _sets(overrides))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "<dict>", overrides: Optional[Mapping[str, Any]] = None) -> "Scenario":
        """A scenario from a dict shaped like a scenario file (durations and rates as text)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"from_dict expects a mapping, got {type(data).__name__}")
        return cls("text", name, yaml.safe_dump(dict(data), sort_keys=False), _sets(overrides))

    def with_overrides(self, overrides: Optional[Mapping[str, Any]] = None, **more: Any) -> "Scenario":
        """A copy with parameters overridden by dotted path, e.g.
        ``{"churn.base_rate": "0.2 per year", "managers.Darren.time.hunt_share": 0.7}``.
        Overrides apply to the base and to every variant, and win over a variant's own value."""
        merged = dict(overrides or {})
        merged.update({k.replace("__", "."): v for k, v in more.items()})
        return Scenario(self._kind, self._source, self._text, self._sets + _sets(merged))

    # what it is ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._core.name

    @property
    def story(self) -> str:
        """The file's header comment: what it shows and which variants to compare."""
        return self._core.story

    @property
    def variants(self) -> list[str]:
        """``base`` then the variants, in file order."""
        return list(self._core.variants)

    @property
    def replications(self) -> int:
        return int(self._core.replications)

    @property
    def precision(self) -> float:
        """``experiment.precision``: the relative precision the replication advice aims at (0.05 by default)."""
        return float(self._core.precision)

    @property
    def seed(self) -> int:
        return int(self._core.seed)

    @property
    def overrides(self) -> tuple[str, ...]:
        return self._sets

    def value(self, path: str, variant: str = "base") -> Any:
        """The value of a scalar parameter (durations in days, rates per day)."""
        return self._core.value(path, variant)

    def effective_yaml(self) -> str:
        """Every parameter of the base and each variant, defaults filled in; loads back to the same parameters."""
        return self._core.effective_yaml()

    def odd(self) -> str:
        """The model as this scenario configures it, in the ODD protocol (Markdown), as
        ``tenure describe FILE --odd`` writes it."""
        return _core.odd_markdown(self._core)

    def portable(self) -> tuple[str, str]:
        """(effective YAML, name): what a remote worker needs to rebuild this scenario exactly."""
        return self.effective_yaml(), self.name

    def __reduce__(self):  # pickled as its effective scenario, so it needs no file on the other side
        return (Scenario, ("text", self.name, self.effective_yaml(), ()))

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, variants={self.variants}, overrides={list(self._sets)})"


def _sets(overrides: Optional[Mapping[str, Any]]) -> tuple[str, ...]:
    if not overrides:
        return ()
    return tuple(_setting(k, v) for k, v in overrides.items())


def load(source: Union[PathLike, Mapping[str, Any]], overrides: Optional[Mapping[str, Any]] = None) -> Scenario:
    """Load a scenario from a file path, a bundled story's name ("ann_vs_darren") or a dict."""
    if isinstance(source, Mapping):
        return Scenario.from_dict(source, overrides=overrides)
    path = Path(os.fspath(source))
    if not path.exists() and path.suffix == "" and path.name in bundled():
        path = bundled_dir() / f"{path.name}.yaml"
    return Scenario.from_file(path, overrides)
