"""Snapshot and fork: save every replication of a running scenario at a day, then continue it
under one or more variants ("at the moment of the shock, try three responses").

    snap = tenure.snapshot(tenure.load("market_shock"), at="24 months", replications=20)
    snap.save("shock.snap")                               # the same file as `tenure snapshot`
    res = tenure.fork(snap, variants=["base", "supervised", "no_support_cut"])
    res.compare()                                         # paired: the forks share their past

Continuing the snapshot's own variant gives exactly the uninterrupted run's results.
"""
from __future__ import annotations

import os
from typing import Any, Mapping, Optional, Union

from . import _core
from .results import Results, Variants, _variant_list
from .scenario import Scenario, seed_value

PathLike = Union[str, "os.PathLike[str]"]


class Snapshot:
    """Every replication of one variant, saved whole at a day (clock, pending events, random
    streams, accounts, managers, the results so far). Build one with :func:`snapshot` or
    :meth:`load`; pickles as its bytes, so Dask workers can fork it."""

    def __init__(self, core: Any, source: str = "<snapshot>"):
        self._core, self._source = core, source

    @classmethod
    def load(cls, path: PathLike) -> "Snapshot":
        """Reads a file written by :meth:`save` or ``tenure snapshot``."""
        path = os.fspath(path)
        with open(path, "rb") as f:
            return cls(_core.decode_snapshot(f.read(), path), path)

    def save(self, path: PathLike) -> None:
        """Writes the snapshot atomically (a temporary file, then a rename)."""
        _core.write_atomically(os.fspath(path), self._core.encode())

    def to_bytes(self) -> bytes:
        return self._core.encode()

    @property
    def day(self) -> float:
        """The snapshot's day: every event before it has run, none at it."""
        return float(self._core.day)

    @property
    def variant(self) -> str:
        return self._core.variant

    @property
    def seed(self) -> int:
        return int(self._core.seed)

    @property
    def replications(self) -> int:
        return int(self._core.replications)

    @property
    def scenario(self) -> Scenario:
        """The scenario the snapshot was taken from, as it was (its variants included)."""
        return Scenario("text", self._core.scenario_name, self._core.scenario_yaml)

    def __reduce__(self):
        return (_from_bytes, (self.to_bytes(), self._source))

    def __repr__(self) -> str:
        return (f"Snapshot({self._core.scenario_name!r}, variant={self.variant!r}, day={self.day:g}, "
                f"replications={self.replications}, seed={self.seed})")


def _from_bytes(data: bytes, source: str) -> Snapshot:
    return Snapshot(_core.decode_snapshot(data, source), source)


def snapshot(scenario: Scenario, at: Union[str, float], *, variant: str = "base", seed: Optional[int] = None,
             replications: Optional[int] = None, threads: int = 0) -> Snapshot:
    """Runs ``variant`` of ``scenario`` up to ``at`` (a duration such as ``"24 months"``, or a
    number of days) and saves every replication. The snapshot does not depend on ``threads``."""
    day = _core.parse_duration(at) if isinstance(at, str) else float(at)
    reps = replications if replications is not None else scenario.replications
    if reps < 1:
        raise ValueError(f"replications must be at least 1, got {reps}")
    return Snapshot(_core.take_snapshot(scenario._core, variant, day, seed=seed_value(seed), replications=reps,
                                        threads=threads), f"{scenario.name} at day {day:g}")


def fork(snap: Union[Snapshot, PathLike], variants: Variants = None, *, scenario: Optional[Scenario] = None,
         overrides: Optional[Mapping[str, Any]] = None, threads: int = 0) -> Results:
    """Continues every replication of ``snap`` under ``variants`` (``"all"``, a name or a list;
    default the snapshot's own variant) to the horizon.

    The variants come from ``scenario`` (default: the one saved in the snapshot), with
    ``overrides`` applied to each. A fork may change what happens from the snapshot day on, not
    what already happened: such a fork raises :class:`tenure.TenureError` with every reason.
    """
    if not isinstance(snap, Snapshot):
        snap = Snapshot.load(snap)
    sc = scenario if scenario is not None else snap.scenario
    if overrides:
        sc = sc.with_overrides(overrides)
    names = [snap.variant] if variants is None else _variant_list(sc, variants)
    import time

    from .provenance import call_text

    started = time.monotonic()
    runs = _core.fork(sc._core, snap._core, variants=names, threads=threads)
    call = (f"tenure.fork(<snapshot of {snap.variant} at day {snap.day!r}>, scenario="
            + call_text("load", sc)[len("tenure.load("):-1] + f", variants={variants!r})")
    return Results(sc, runs, threads=threads, call=call, wall_seconds=time.monotonic() - started, kind="fork")


__all__ = ["Snapshot", "fork", "snapshot"]
