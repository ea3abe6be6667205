"""The traffic a whole-stack canary sends the new stack (pure: no I/O).

A canary of ``scope: stack`` (a router, such as Route 53 weighted records, moving traffic between
the old stack and the new one) gives the new stack ``weight_pct`` % of the whole traffic, step
after step: step 1's weight from the canary's start for its pause, step 2's next, ...; the last
step (``weight_pct: 100``; without a pause the rollout is then complete, with ``pause: manual``
a person promotes it) holds its weight to the end of the scenario, and before the start the new
stack receives nothing. A step paused ``0s`` lasts no time.

- **Start**: the plan's ``deployment_strategy.canary.start``, a time of day in the scenarios'
  clock (UTC for a scenario whose timestamps carry a zone, the clock as written for one without,
  00:00 at a synthetic scenario's first second): the first instant at or after the scenario's
  start with that time of day. Without it, the scenario's start. A start past the scenario's
  end leaves nothing to simulate (``None``).
- **Weight changes are instant**: DNS caching spreads a Route 53 change over the records' TTL,
  so real resolvers move gradually; a step at once is the harsher load step for the new
  stack's HPA, the conservative assumption.
- **Bins**: the curve's ``rps[i]`` is a mean over ``[i*step_s, (i+1)*step_s)``, so a bin a step
  boundary cuts gets the time-weighted mean of the two weights (requests are conserved).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from infra_toolkit.plan_operations_types import CanaryStep
from infra_toolkit.time_units import SECONDS_PER_DAY
from infra_toolkit.traffic import TrafficCurve

__all__ = ["CanaryWindow", "canary_curve", "canary_start_s", "canary_windows",
           "canary_weights", "clock_s"]


@dataclass(frozen=True)
class CanaryWindow:
    """Step ``step`` (1-based) of a canary: ``weight_pct`` % of the traffic from ``start_s`` to
    ``end_s`` (seconds from the scenario's start). ``holds_to_end``: held to the scenario's end
    (the last step, the rollout then complete, or a manual promotion: nothing after it happens
    at a known time); ``cut``: the scenario ends before the step's pause does."""

    step: int
    weight_pct: float
    start_s: float
    end_s: float
    holds_to_end: bool = False
    cut: bool = False


def clock_s(start: pd.Timestamp | None) -> float:
    """The time of day of a scenario's first instant, seconds after 00:00: UTC when ``start``
    has a zone, as written when it has none, 0 without a start (a synthetic scenario)."""
    if start is None:
        return 0.0
    t = start.tz_convert("UTC") if start.tzinfo is not None else start
    seconds: float = (t - t.normalize()).total_seconds()  # since that day's 00:00
    return seconds


def canary_start_s(start: pd.Timestamp | None, duration_s: float,
                   time_of_day_s: float | None) -> float | None:
    """Seconds from a scenario's start (``start``, lasting ``duration_s``) to the canary's:
    the first instant with time of day ``time_of_day_s`` (seconds after 00:00; ``None``: 0, the
    scenario's start) at or after it; ``None`` when that is at or past the scenario's end."""
    if time_of_day_s is None:
        return 0.0
    offset = (time_of_day_s - clock_s(start)) % SECONDS_PER_DAY
    return offset if offset < duration_s else None


def canary_windows(steps: Sequence[CanaryStep], start_s: float,
                   end_s: float) -> tuple[CanaryWindow, ...]:
    """Each step's window from ``start_s`` (the canary's start) to ``end_s`` (the scenario's
    end): a step lasts its pause, the last one to ``end_s``; a step starting at or after
    ``end_s`` is left out, one the end cuts short is ``cut``."""
    out = []
    t = start_s
    for i, st in enumerate(steps, 1):
        if t >= end_s:
            break
        holds = i == len(steps) or st.pause_s is None
        stop = end_s if holds or st.pause_s is None else t + st.pause_s
        out.append(CanaryWindow(i, st.weight_pct, t, min(stop, end_s), holds_to_end=holds,
                                cut=stop > end_s))
        if st.pause_s is None:
            break  # nothing after a manual promotion happens at a known time
        t = stop
    return tuple(out)


def canary_weights(windows: Sequence[CanaryWindow], step_s: float, bins: int) -> np.ndarray:
    """The mean weight (a fraction, 0 to 1) of each of ``bins`` bins of ``step_s`` seconds:
    each window's weight times the part of the bin it covers, 0 outside every window."""
    lo_edges = np.arange(bins, dtype=np.float64) * step_s
    hi_edges = lo_edges + step_s
    weights = np.zeros(bins)
    for w in windows:
        covered = np.clip(hi_edges, w.start_s, w.end_s) - np.clip(lo_edges, w.start_s, w.end_s)
        # a whole bin gives covered / step_s == 1.0 exactly, so its weight is the step's
        weights += (w.weight_pct / 100.0) * (covered / step_s)
    return weights


def canary_curve(curve: TrafficCurve, steps: Sequence[CanaryStep], start_s: float
                 ) -> tuple[TrafficCurve, tuple[CanaryWindow, ...]]:
    """``curve`` (the whole traffic) as the new stack receives it during a canary of ``steps``
    starting ``start_s`` seconds into it, and the steps' windows (see the module docstring)."""
    windows = canary_windows(steps, start_s, curve.duration_s)
    weights = canary_weights(windows, curve.step_s, curve.rps.size)
    return (TrafficCurve(curve.rps * weights, curve.step_s, curve.start,
                         f"{curve.name} (canary)"), windows)
