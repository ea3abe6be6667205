"""A plan's traffic scenarios and SLOs as frozen dataclasses: a :class:`Scenario` carries a real
curve (:class:`CsvTraffic`), a synthetic shape (:class:`SyntheticTraffic`) or a closed-loop
:class:`LoadTest`; a :class:`Slo` is a latency or availability objective.

:mod:`infra_toolkit.plan_scenarios` reads these sections of a plan file;
:mod:`infra_toolkit.plan_traffic` turns a scenario into a traffic curve.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CsvTraffic", "LoadTest", "Scenario", "Slo", "SyntheticTraffic"]


@dataclass(frozen=True)
class CsvTraffic:
    """A real traffic curve from a ``timestamp,requests_per_second`` CSV, optionally cut to
    ``[start, end)`` and scaled (by ``scale``, or so that its peak equals ``peak_rps``).
    ``interpolate_gaps`` fills missing rows linearly instead of refusing the file.
    ``zoneless``: which of ``start`` / ``end`` the plan wrote without a zone (held as UTC; a
    file whose timestamps carry another offset refuses them, ``plan_traffic``)."""

    path: Path
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    scale: float | None = None
    peak_rps: float | None = None
    interpolate_gaps: bool = False
    zoneless: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyntheticTraffic:
    """A synthetic curve: ``shape`` names a traffic-module shape (``flash_crowd``, ``diurnal``,
    ...) and ``params`` its keyword arguments (rates in rps, times in seconds)."""

    shape: str
    duration_s: float
    params: Mapping[str, float]


@dataclass(frozen=True)
class LoadTest:
    """A closed-loop load test of ``users`` concurrent virtual users.

    Each user repeats: send ``requests_per_iteration`` requests, wait for the response
    (``response_time_s``), think (``think_time_s``). By the interactive response-time law the
    offered rate is ``users * requests_per_iteration / (think_time_s + response_time_s)``; giving
    ``requests_per_user_per_s`` instead sets that per-user rate directly. A think time of 0 is
    back-to-back requests at ``requests_per_iteration / response_time_s`` per user. The rate
    ramps up over ``ramp_up_s``, holds for ``hold_s`` and ramps down over ``ramp_down_s`` (a 0 s
    ramp is a step).
    """

    users: int
    requests_per_user_per_s: float
    ramp_up_s: float
    hold_s: float
    ramp_down_s: float = 0.0
    think_time_s: float | None = None
    response_time_s: float | None = None
    requests_per_iteration: int = 1

    @property
    def steady_rps(self) -> float:
        """Requests per second while all users are active."""
        return self.users * self.requests_per_user_per_s

    @property
    def duration_s(self) -> float:
        """Total test length in seconds."""
        return self.ramp_up_s + self.hold_s + self.ramp_down_s


@dataclass(frozen=True)
class Scenario:
    """A named traffic scenario that the simulation runs every workload through."""

    name: str
    description: str
    traffic: CsvTraffic | SyntheticTraffic | LoadTest


@dataclass(frozen=True)
class Slo:
    """A service-level objective: ``latency`` (``percentile`` under ``threshold_ms``) or
    ``availability`` (served / (served + dropped) requests at least ``objective_pct``)."""

    name: str
    metric: str
    percentile: int | None = None
    threshold_ms: float | None = None
    objective_pct: float | None = None
    workload: str | None = None
