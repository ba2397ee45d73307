"""Users' own behaviour, written in Python (docs/extending.md).

A strategy part is a function of the manager's view and its parameters, registered under a
name; a scenario then names it as it names a built-in one::

    @tenure.strategy("quota_chaser", part="time",
                     params={"calm_share": tenure.param(0.3, min=0, max=1, description="hunt share on track"),
                             "behind_share": tenure.param(0.9, min=0, max=1, description="hunt share behind quota")})
    def quota_chaser(view, p):
        behind = view.quarter_new_business < view.quota * (1 - view.days_to_review / 365.25)
        return {"hunt_share": p["behind_share"] if behind else p["calm_share"]}

    # managers: [{name: Ann, time: {name: quota_chaser, behind_share: 0.8}, service: attentive, pressure: calm}]

The engine asks once per manager per month, when a quarter's urgency window opens, at quarter
end and after each review: a few thousand calls a replication, each under the GIL, none per
client or event. A function is called with a read-only view (valid during the call) and a dict
of its parameters, and returns the part's decision: for ``time`` ``hunt_share``; for
``service`` ``answer_probability`` and ``care``; for ``pressure`` ``panics``,
``urgent_hunt_share`` and ``urgent_answer_factor``. A field left out takes the parameter of
the same name. The view is ``tenure._core.ManagerView``. Random numbers come from ``view.random(key)``, keyed by run, replication,
manager, day, moment and key, so variants keep common random numbers and threads do not
change results. Functions must not keep state between calls: the engine saves, forks and
resumes runs from its own state.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence, Union

import numpy as np

from . import _core

_PARTS = ("time", "service", "pressure")


@dataclass(frozen=True)
class Param:
    """A typed parameter of a strategy, validated as the built-in ones are."""

    default: Any
    min: Optional[float] = None
    max: Optional[float] = None
    description: str = ""
    unit: str = ""
    choices: Optional[Sequence[str]] = None

    def record(self, name: str) -> dict:
        d = self.default
        if isinstance(d, bool):
            return {"name": name, "type": "bool", "default": d, "description": self.description}
        if isinstance(d, str):
            if not self.choices:
                raise TypeError(f"parameter {name}: a text parameter needs its choices")
            if d not in self.choices:
                raise ValueError(f"parameter {name}: default {d!r} is not one of {list(self.choices)}")
            return {"name": name, "type": "choice", "default": d, "choices": list(self.choices), "description": self.description}
        if isinstance(d, (int, np.integer)):
            return {"name": name, "type": "int", "default": int(d), "min": self.min, "max": self.max,
                    "description": self.description}
        if isinstance(d, (float, np.floating)):
            return {"name": name, "type": "real", "default": float(d), "min": self.min, "max": self.max,
                    "unit": self.unit, "description": self.description}
        raise TypeError(f"parameter {name}: default {d!r}: expected a number, a bool or a text with choices")


def param(default: Any, *, min: Optional[float] = None, max: Optional[float] = None, description: str = "",
          unit: str = "", choices: Optional[Sequence[str]] = None) -> Param:
    """A strategy parameter: its default (a float, an int, a bool, or a text with ``choices``),
    bounds and description. Scenarios set it by name; out-of-range values are refused at load."""
    return Param(default, min, max, description, unit, choices)


@dataclass
class _Registration:
    part: str
    name: str
    description: str
    params: list
    fn: Callable
    origin: str = ""

    def __reduce__(self):
        # By value where the function's module cannot be imported elsewhere (a plugin file, a
        # notebook): plain pickle, which Dask tries first, would send a reference to it.
        import cloudpickle

        return (_rebuild, (self.part, self.name, self.description, self.params, cloudpickle.dumps(self.fn), self.origin))


def _rebuild(part: str, name: str, description: str, params: list, fn: bytes, origin: str) -> "_Registration":
    import pickle

    return _Registration(part, name, description, params, pickle.loads(fn), origin)


# What this process registered, in order: sent to Dask workers so they register the same.
_registered: dict[tuple[str, str], _Registration] = {}
_loaded: dict[str, str] = {}  # plugin (absolute path or module name) -> its origin
_lock = threading.RLock()


def _measure_call(fn: Callable) -> Callable:
    import pandas as pd

    def call(timeseries: dict, managers: dict) -> float:
        return fn(pd.DataFrame(timeseries), pd.DataFrame(managers))

    return call


def _register(reg: _Registration) -> None:
    key = (reg.part, reg.name)
    known = set(_core.metrics()) if reg.part == "measure" else \
        {c["name"] for c in _core.components() if c["kind"] == reg.part}
    builtin = key not in _registered and reg.name in known
    what = {"promotion": "promotion policy", "measure": "measure", "blame": "blame rule",
            "order_rule": "order rule"}.get(reg.part, f"{reg.part} strategy")
    if builtin:
        raise ValueError(f"{what} '{reg.name}' is built in (or registered in C++): choose another name")
    if reg.part == "measure":
        _core.register_measure(reg.name, reg.params[0]["unit"], reg.params[0]["label"], reg.description,
                               _measure_call(reg.fn), replace=key in _registered)
    elif reg.part == "promotion":
        _core.register_policy(reg.name, reg.description, reg.params, reg.fn, replace=key in _registered)
    elif reg.part == "blame":
        _core.register_blame_rule(reg.name, reg.description, reg.params, reg.fn, replace=key in _registered)
    elif reg.part == "order_rule":
        _core.register_order_rule(reg.name, reg.description, reg.params, reg.fn, replace=key in _registered)
    else:
        _core.register_strategy(reg.part, reg.name, reg.description, reg.params, reg.fn, replace=key in _registered)
    _registered[key] = reg


def _check_name(name: str) -> None:
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"name {name!r}: expected letters, digits and underscores")


def strategy(name: str, *, part: str = "time", params: Optional[dict[str, Param]] = None,
             description: str = "") -> Callable[[Callable], Callable]:
    """Registers a function ``fn(view, params) -> dict`` as a strategy part (``time``,
    ``service`` or ``pressure``) under ``name``. Registering a name again (a notebook cell run
    twice) replaces the earlier Python function; a built-in name is refused."""
    if part not in _PARTS:
        raise ValueError(f"part: expected one of {', '.join(_PARTS)}, got {part!r}")
    _check_name(name)
    records = [p.record(k) for k, p in (params or {}).items()]

    def deco(fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(f"strategy {name}: expected a function of (view, params)")
        doc = description or (inspect.getdoc(fn) or "").split("\n")[0] or f"{part} strategy written in Python"
        origin = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}"
        with _lock:
            _register(_Registration(part, name, doc, records, fn, origin))
        return fn

    return deco


def _rule(kind: str, what: str, name: str, params: Optional[dict[str, Param]], description: str,
          signature: str) -> Callable[[Callable], Callable]:
    _check_name(name)
    records = [p.record(k) for k, p in (params or {}).items()]

    def deco(fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(f"{what} {name}: expected a function of {signature}")
        doc = description or (inspect.getdoc(fn) or "").split("\n")[0] or f"{what} written in Python"
        origin = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}"
        with _lock:
            _register(_Registration(kind, name, doc, records, fn, origin))
        return fn

    return deco


def promotion_policy(name: str, *, params: Optional[dict[str, Param]] = None,
                     description: str = "") -> Callable[[Callable], Callable]:
    """Registers a function ``fn(candidates, params, rng) -> index`` as a promotion policy named
    ``name`` (``organisation: {promotion: {name: ..., ...}}``). ``candidates`` holds NumPy
    arrays, one entry per candidate at the level below in manager id order: ``manager``,
    ``new_business`` (this review year), ``retained_value``, ``book_value``, ``competence``,
    ``managing_skill``; and ``round``, the promotions made so far. ``rng`` is a NumPy Generator
    seeded from the promotion's own keyed stream. Called once per vacancy filled from below."""
    return _rule("promotion", "promotion policy", name, params, description, "(candidates, params, rng)")


def blame_rule(name: str, *, params: Optional[dict[str, Param]] = None,
               description: str = "") -> Callable[[Callable], Callable]:
    """Registers a function ``fn(lost, org, params, rng) -> manager id or None`` as a blame rule
    named ``name`` (``organisation: {blame_rule: {name: ..., ...}}``). Called once per lost
    account: ``lost`` is a dict (``account``, ``value``, ``causes``: a list of cause names,
    ``owner``: the owner's id or -1, ``day``); ``org`` a read-only
    :class:`tenure._core.Organisation` (``org.managers``: columns by manager id, ``org.day``);
    ``rng`` a NumPy Generator keyed by the account and the day. Returns whom the organisation
    blames (the lost value goes to their ``blamed_value``), or None (or -1) for nobody."""
    return _rule("blame", "blame rule", name, params, description, "(lost, org, params, rng)")


def order_rule(name: str, *, params: Optional[dict[str, Param]] = None,
               description: str = "") -> Callable[[Callable], Callable]:
    """Registers a function ``fn(org, params)`` as a management order rule named ``name``: an
    order ``{at: ..., kind: rule, rule: {name: ..., ...}, every: ...}`` calls it at its day (and
    every ``every`` after it, to the horizon). ``org`` (:class:`tenure._core.Organisation`)
    reads the firm (``managers``, ``support_staff``, ``support_hired``, ``clients``,
    ``largest_client``, ``day``, ``market_regime``, ``random(key)``) and acts as the built-in
    orders do: ``cut_support(f)``, ``restore_support()``, ``reassign_book(manager)``,
    ``no_contact(account)``, ``lift_no_contact(account)``, ``recovery_meeting(account)``
    (account -1: the largest client). A support cut or a no-contact order counts for
    attribution as the built-in ones do."""
    return _rule("order_rule", "order rule", name, params, description, "(org, params)")


def measure(name: str, *, unit: str = "", label: str = "", description: str = "") -> Callable[[Callable], Callable]:
    """Registers a function ``fn(timeseries, managers) -> number`` as a per-run metric named
    ``name``: given one replication's ``timeseries`` and ``managers`` tables (pandas
    DataFrames, the columns of docs/outputs.md), it returns one number. It then appears wherever
    the built-in metrics do: ``Results.runs``, ``summary``, ``compare``, sweeps' runs tables,
    calibration targets of kind ``metric``, and the files ``tenure run`` writes (runs.csv,
    summary.json) when the measure's plugin is loaded."""
    _check_name(name)

    def deco(fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(f"measure {name}: expected a function of (timeseries, managers)")
        doc = description or (inspect.getdoc(fn) or "").split("\n")[0] or "measure written in Python"
        origin = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}"
        with _lock:
            _register(_Registration("measure", name, doc, [{"unit": unit, "label": label or name}], fn, origin))
        return fn

    return deco


def remove_measure(name: str) -> None:
    """Removes a measure registered from Python: later tables no longer have its column."""
    with _lock:
        if ("measure", name) not in _registered:
            raise KeyError(f"no measure {name!r} registered from Python")
        _core.unregister_measure(name)
        del _registered[("measure", name)]


def registered() -> list[dict]:
    """What this process registered from Python (strategy parts, promotion policies, blame
    rules, order rules, measures): kind, name, description and where the function lives."""
    return [{"kind": r.part, "name": r.name, "description": r.description, "origin": r.origin} for r in _registered.values()]


def load_plugin(plugin: Union[str, "os.PathLike[str]"]) -> None:
    """Imports a plugin once: a Python file (its path) or an importable module name. Its
    ``@tenure.strategy`` decorators register what it defines."""
    text = os.fspath(plugin)
    if text.endswith(".py"):
        path = Path(text).resolve()
        key = str(path)
        if key in _loaded:
            return
        if not path.is_file():
            raise FileNotFoundError(f"plugin {text}: no such file")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        mod_name = f"tenure_plugin_{path.stem}_{digest}"
        spec = importlib.util.spec_from_file_location(mod_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        _loaded[key] = key
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del _loaded[key]
            sys.modules.pop(mod_name, None)
            raise
        try:  # a worker elsewhere cannot import a file by this name: its functions travel by value
            import cloudpickle

            cloudpickle.register_pickle_by_value(module)
        except ImportError:
            pass
    else:
        if text in _loaded:
            return
        importlib.import_module(text)
        _loaded[text] = text


def load_plugins(plugins: Iterable[str]) -> None:
    for p in plugins:
        load_plugin(p)


def plugins_of(path: Union[str, "os.PathLike[str]"]) -> list[str]:
    """The ``plugins:`` of a scenario file, resolved as the loader resolves them."""
    return list(_core.plugins_of(os.fspath(path)))


def plugins_of_text(text: str) -> list[str]:
    """The ``plugins:`` of a scenario given as text (files relative to the working folder)."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return []  # the loader reports it, with its place
    items = data.get("plugins") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [str(Path(i).resolve()) if i.endswith(".py") else i for i in items if isinstance(i, str) and i]


def exported(used_in: Optional[str] = None) -> list[_Registration]:
    """What this process registered, for another process (a Dask worker) to register the same:
    functions travel by reference to their module, or by value (cloudpickle) when defined in a
    notebook or a plugin file. ``used_in``: only those whose names a scenario's text mentions."""
    import re

    regs = list(_registered.values())
    if used_in is not None:
        # Measures are not named by scenarios: every run's tables take them.
        regs = [r for r in regs if r.part == "measure" or re.search(rf"(?<![\w]){re.escape(r.name)}(?![\w])", used_in)]
    return regs


def _fingerprint(r: _Registration) -> tuple:
    code = getattr(r.fn, "__code__", None)
    return (r.origin, repr(r.params), r.description,
            None if code is None else (code.co_code, repr(code.co_consts), code.co_names))


def install(regs: Optional[Sequence[_Registration]]) -> None:
    """Registers in this process what another exported (a Dask worker, before its points).
    What is already registered the same is left alone: a worker's running points keep theirs."""
    with _lock:
        for r in regs or ():
            have = _registered.get((r.part, r.name))
            if have is not None and (have.fn is r.fn or _fingerprint(have) == _fingerprint(r)):
                continue
            _register(r)
