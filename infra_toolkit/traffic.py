"""Traffic curves: request rate over time at a fixed step, synthetic shapes and resampling.

A :class:`TrafficCurve` holds ``rps[i]``, the **mean** request rate (requests per second) over the
interval ``[i*step_s, (i+1)*step_s)`` seconds from the curve's start. Every shape below is defined
by its cumulative request count ``F(t)`` and binned exactly as ``rps[i] = (F(t_{i+1}) - F(t_i)) /
step_s``, so a curve conserves requests whatever its step.

Loaders live beside this module: :func:`read_traffic_csv` (``traffic_csv.py``) and
:func:`get_cloudwatch_traffic` (``traffic_cloudwatch.py``); both are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from infra_toolkit.errors import TrafficError
from infra_toolkit.time_units import SECONDS_PER_DAY

if TYPE_CHECKING:  # the loaders are re-exported lazily by __getattr__ below
    from infra_toolkit.traffic_cloudwatch import get_cloudwatch_traffic
    from infra_toolkit.traffic_csv import read_traffic_csv

__all__ = [
    "TrafficCurve",
    "add_noise",
    "check_whole_steps",
    "constant_curve",
    "diurnal_curve",
    "flash_crowd_curve",
    "get_cloudwatch_traffic",
    "ramp_curve",
    "read_traffic_csv",
    "resample_curve",
    "scale_curve",
    "slice_curve",
    "step_curve",
    "sum_curves",
]

# The largest relative standard deviation :func:`add_noise` takes: beyond it the gamma factor is
# almost always near 0 with rare huge values, not noise around a rate (and its shape parameter
# underflows, giving all zeros).
_MAX_RELATIVE_SD = 10.0


@dataclass(frozen=True, eq=False)
class TrafficCurve:
    """Request rate over time: ``rps[i]`` is the mean rate in requests per second over
    ``[i*step_s, (i+1)*step_s)``; ``start`` is the wall-clock instant of ``t = 0`` when known."""

    rps: np.ndarray
    step_s: float
    start: pd.Timestamp | None = None
    name: str = ""

    def __post_init__(self) -> None:
        rps = np.array(self.rps, dtype=np.float64)  # a private copy, made read-only below
        label = f"traffic curve {self.name!r}" if self.name else "traffic curve"
        if rps.ndim != 1 or rps.size == 0:
            raise TrafficError(f"{label}: rps must be a non-empty 1-D array, got shape {rps.shape}")
        if not math.isfinite(self.step_s) or self.step_s <= 0:
            raise TrafficError(
                f"{label}: step_s (={self.step_s}) must be a positive number of seconds")
        bad = np.flatnonzero(~np.isfinite(rps) | (rps < 0))
        if bad.size:
            i = int(bad[0])
            raise TrafficError(
                f"{label}: rps[{i}] (={rps[i]}) must be a finite rate >= 0; "
                f"{bad.size} bad value(s) in all"
            )
        rps.setflags(write=False)
        object.__setattr__(self, "rps", rps)
        object.__setattr__(self, "step_s", float(self.step_s))
        if self.start is not None:
            object.__setattr__(self, "start", pd.Timestamp(self.start))

    @property
    def duration_s(self) -> float:
        """Length covered by the curve, in seconds."""
        return float(self.rps.size * self.step_s)

    @property
    def times_s(self) -> np.ndarray:
        """Start of each bin, in seconds from the curve's start."""
        return np.arange(self.rps.size, dtype=np.float64) * self.step_s

    @property
    def total_requests(self) -> float:
        """Requests over the whole curve (sum of rate x step)."""
        return float(self.rps.sum() * self.step_s)


def _bin(cumulative: Callable[[np.ndarray], np.ndarray], duration_s: float, step_s: float,
         name: str) -> TrafficCurve:
    """Bin a cumulative request count F(t) (t in seconds) into a curve of exact bin means."""
    if not (math.isfinite(duration_s) and duration_s > 0 and step_s > 0):
        raise TrafficError(
            f"curve {name!r}: duration_s (={duration_s}) and step_s (={step_s}) must be > 0"
        )
    n = round(duration_s / step_s)
    if n < 1 or not math.isclose(n * step_s, duration_s, rel_tol=1e-9):
        raise TrafficError(
            f"curve {name!r}: duration_s (={duration_s}) must be a whole number of steps of "
            f"step_s (={step_s}); round the duration to a multiple of the step"
        )
    edges = np.arange(n + 1, dtype=np.float64) * step_s
    rps = np.diff(cumulative(edges)) / step_s
    # the clip below is for rounding a hair under zero, not for a negative rate parameter
    if rps.size and rps.min() < -1e-9 * max(1.0, float(np.max(np.abs(rps)))):
        raise TrafficError(f"curve {name!r}: its rate goes down to {rps.min():g} requests per "
                           "second; give every rate parameter >= 0")
    return TrafficCurve(np.maximum(rps, 0.0), step_s, None, name)


def _piecewise_linear_cumulative(
    knots_s: np.ndarray, rps: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """F(t) for a rate that is linear between knots and constant outside them. Two knots at the
    same time make a jump (a step)."""
    knots_s = np.asarray(knots_s, dtype=np.float64)
    rps = np.asarray(rps, dtype=np.float64)
    seg = np.diff(knots_s)
    at_knots = np.concatenate([[0.0], np.cumsum(0.5 * (rps[:-1] + rps[1:]) * seg)])
    slope = np.divide(np.diff(rps), seg, out=np.zeros_like(seg), where=seg > 0)
    slope = np.concatenate([slope, [0.0]])  # flat after the last knot

    def cumulative(t: np.ndarray) -> npt.NDArray[np.float64]:
        j = np.searchsorted(knots_s, t, side="right") - 1
        before = j < 0
        jj = np.clip(j, 0, knots_s.size - 1)
        dt = t - knots_s[jj]
        out = at_knots[jj] + rps[jj] * dt + 0.5 * slope[jj] * dt * dt
        requests: npt.NDArray[np.float64] = np.where(before, rps[0] * (t - knots_s[0]), out)
        return requests

    return cumulative


def constant_curve(rps: float, duration_s: float, step_s: float = 60.0,
                   name: str = "constant") -> TrafficCurve:
    """A flat rate of ``rps`` requests per second for ``duration_s`` seconds."""
    return _bin(lambda t: rps * t, duration_s, step_s, name)


def step_curve(before_rps: float, after_rps: float, at_s: float, duration_s: float,
               step_s: float = 60.0, name: str = "step") -> TrafficCurve:
    """``before_rps`` until ``at_s`` seconds, then ``after_rps``; a bin that straddles ``at_s``
    holds the time-weighted mean of the two."""
    knots = np.array([at_s, at_s])
    return _bin(_piecewise_linear_cumulative(knots, np.array([before_rps, after_rps])),
                duration_s, step_s, name)


def ramp_curve(start_rps: float, end_rps: float, ramp_start_s: float, ramp_end_s: float,
               duration_s: float, step_s: float = 60.0, name: str = "ramp") -> TrafficCurve:
    """``start_rps`` until ``ramp_start_s``, linear to ``end_rps`` at ``ramp_end_s``, then flat."""
    if not (math.isfinite(ramp_start_s) and math.isfinite(ramp_end_s)):
        # a NaN end compared false with the start and gave a flat curve, the ramp silently lost
        raise TrafficError(f"ramp {name!r}: ramp_start_s (={ramp_start_s}) and ramp_end_s "
                           f"(={ramp_end_s}) must be finite numbers of seconds")
    if ramp_end_s < ramp_start_s:
        raise TrafficError(
            f"ramp {name!r}: ramp_end_s (={ramp_end_s}) must be >= ramp_start_s (={ramp_start_s})"
        )
    if ramp_end_s > duration_s:
        # a ramp past the end stopped part way: a plan saying end_rps 400 simulated 250
        raise TrafficError(
            f"ramp {name!r}: ramp_end_s (={ramp_end_s:g}) is after the curve ends "
            f"(duration {duration_s:g} s), so end_rps (={end_rps:g}) would never be reached; "
            "end the ramp by the duration or lengthen the duration")
    knots = np.array([ramp_start_s, ramp_end_s])
    return _bin(_piecewise_linear_cumulative(knots, np.array([start_rps, end_rps])),
                duration_s, step_s, name)


def diurnal_curve(mean_rps: float, daily_amplitude: float, duration_s: float,
                  step_s: float = 60.0, peak_hour: float = 14.0, weekend_factor: float = 1.0,
                  start_weekday: int = 0, name: str = "diurnal") -> TrafficCurve:
    """A daily cosine with a weekly cycle.

    The weekday rate is ``mean_rps * (1 + daily_amplitude * cos(2*pi*(h - peak_hour)/24))`` at hour
    of day ``h`` (t = 0 is midnight); on Saturdays and Sundays it is multiplied by
    ``weekend_factor``. ``start_weekday`` is the weekday of t = 0 (0 = Monday).
    ``daily_amplitude`` is a fraction in [0, 1] so the rate never goes negative.
    """
    if not 0.0 <= daily_amplitude <= 1.0:
        raise TrafficError(
            f"diurnal {name!r}: daily_amplitude (={daily_amplitude}) must be in [0, 1]")
    # a start_weekday of 2.5 counted Saturday from day 2.5 + 3 = 5.5, as if it were 2, and a
    # peak_hour of 30 peaked at 06:00: both were drawn without a word
    if not (math.isfinite(weekend_factor) and weekend_factor >= 0
            and start_weekday in range(7)):
        raise TrafficError(
            f"diurnal {name!r}: weekend_factor (={weekend_factor}) must be >= 0 and "
            f"start_weekday (={start_weekday}) a whole day 0..6 (0 = Monday)"
        )
    if not 0.0 <= peak_hour < 24.0:
        raise TrafficError(f"diurnal {name!r}: peak_hour (={peak_hour}) must be an hour of the "
                           "day from 0 to under 24 (14.5 is 14:30)")
    omega = 2.0 * math.pi / SECONDS_PER_DAY
    phase = peak_hour * 3600.0

    def within_day(t: np.ndarray) -> np.ndarray:
        # antiderivative of mean*(1 + a*cos(omega*(t - phase)))
        return mean_rps * (t + daily_amplitude * np.sin(omega * (t - phase)) / omega)

    n_days = math.ceil(duration_s / SECONDS_PER_DAY) + 1
    weekday = (start_weekday + np.arange(n_days)) % 7
    factor = np.where(weekday >= 5, weekend_factor, 1.0)
    # a whole day integrates the cosine to zero: mean*86400 per day, times its factor
    before_day = np.concatenate([[0.0], np.cumsum(factor * mean_rps * SECONDS_PER_DAY)])

    def cumulative(t: np.ndarray) -> npt.NDArray[np.float64]:
        day = np.floor(t / SECONDS_PER_DAY).astype(np.int64)
        day_start = day * SECONDS_PER_DAY
        requests: npt.NDArray[np.float64] = before_day[day] + factor[day] * (
            within_day(t) - within_day(day_start))
        return requests

    return _bin(cumulative, duration_s, step_s, name)


def flash_crowd_curve(base_rps: float, peak_rps: float, at_s: float, rise_s: float,
                      decay_s: float, duration_s: float, step_s: float = 60.0,
                      name: str = "flash_crowd") -> TrafficCurve:
    """``base_rps``, rising linearly from ``at_s`` to ``peak_rps`` over ``rise_s`` seconds, then
    decaying back towards the base exponentially with time constant ``decay_s`` seconds."""
    if not (rise_s >= 0 and decay_s > 0 and peak_rps >= base_rps):  # NaN fails each
        raise TrafficError(
            f"flash crowd {name!r}: need rise_s >= 0 (={rise_s}), decay_s > 0 (={decay_s}) and "
            f"peak_rps >= base_rps (={peak_rps} vs {base_rps})"
        )
    if not at_s + rise_s <= duration_s:
        # a rise longer than the curve drew a spike that stopped part way up: a plan saying
        # peak_rps 100 simulated a peak of 55, with nothing said
        raise TrafficError(
            f"flash crowd {name!r}: the peak at at_s + rise_s = {at_s:g} + {rise_s:g} s is after "
            f"the curve ends (duration {duration_s:g} s), so peak_rps (={peak_rps:g}) would "
            "never be reached; shorten rise_s, move at_s earlier or lengthen the duration")
    extra = peak_rps - base_rps
    peak_at = at_s + rise_s

    def cumulative(t: np.ndarray) -> np.ndarray:
        rising = np.clip(t - at_s, 0.0, rise_s)
        rise_part = 0.5 * extra * rising * rising / rise_s if rise_s > 0 else 0.0 * t
        after = np.maximum(t - peak_at, 0.0)
        decay_part = extra * decay_s * (1.0 - np.exp(-after / decay_s))
        return base_rps * t + rise_part + decay_part

    return _bin(cumulative, duration_s, step_s, name)


def add_noise(curve: TrafficCurve, rng: np.random.Generator, relative_sd: float) -> TrafficCurve:
    """Multiply each bin by an independent gamma factor of mean 1 and standard deviation
    ``relative_sd`` (rates stay >= 0, the expected total is unchanged). ``rng`` is the only
    source of randomness, so a seeded generator gives the same curve every time."""
    if not (math.isfinite(relative_sd) and 0 <= relative_sd <= _MAX_RELATIVE_SD):
        raise TrafficError(f"add_noise: relative_sd (={relative_sd}) must be a number from 0 to "
                           f"{_MAX_RELATIVE_SD:g} (a fraction of the rate: 0.1 is 10 % noise)")
    variance = relative_sd**2
    if variance == 0:  # also a relative_sd so small that its square is below float resolution
        return curve
    shape = 1.0 / variance
    factor = rng.gamma(shape, 1.0 / shape, size=curve.rps.size)
    return TrafficCurve(curve.rps * factor, curve.step_s, curve.start, curve.name)


def _same_grid(curves: tuple[TrafficCurve, ...]) -> None:
    first = curves[0]
    for c in curves[1:]:
        if c.step_s != first.step_s or c.rps.size != first.rps.size:
            raise TrafficError(
                f"cannot add curve {c.name!r} ({c.rps.size} x {c.step_s} s) to {first.name!r} "
                f"({first.rps.size} x {first.step_s} s): "
                "resample_curve/slice_curve them to one grid"
            )


def sum_curves(*curves: TrafficCurve, name: str | None = None) -> TrafficCurve:
    """Bin-wise sum of curves on the same grid (same step and length). Curves with a ``start``
    must share it, and the sum keeps it: a curve without one (a synthetic shape) is added to a
    dated trace's hours, whichever comes first."""
    if not curves:
        raise TrafficError("sum_curves needs at least one curve")
    _same_grid(curves)
    dated = [c for c in curves if c.start is not None]
    for c in dated[1:]:
        if c.start != dated[0].start:
            # the sum kept the first curve's start: Tuesday's requests drawn at Monday's hours,
            # and a curve without a start listed first lost the trace's clock
            raise TrafficError(
                f"cannot add curve {c.name!r} starting {c.start} to {dated[0].name!r} starting "
                f"{dated[0].start}: bins are added by position, so each would be drawn at the "
                "other's times; slice_curve both to one window of time, or add a copy "
                "without start (TrafficCurve(rps, step_s)) to overlay them")
    total = np.sum([c.rps for c in curves], axis=0)
    return TrafficCurve(total, curves[0].step_s, dated[0].start if dated else None,
                        name if name is not None else "+".join(c.name for c in curves))


def scale_curve(curve: TrafficCurve, factor: float) -> TrafficCurve:
    """The curve with every rate multiplied by ``factor`` (>= 0)."""
    if not math.isfinite(factor) or factor < 0:
        raise TrafficError(f"scale_curve: factor (={factor}) must be a finite number >= 0")
    return TrafficCurve(curve.rps * factor, curve.step_s, curve.start, curve.name)


def slice_curve(curve: TrafficCurve, start_s: float, duration_s: float) -> TrafficCurve:
    """The bins covering ``[start_s, start_s + duration_s)``; both must fall on the curve's step
    grid and inside the curve. ``start`` moves forward by ``start_s``."""
    i0 = start_s / curve.step_s
    n = duration_s / curve.step_s
    if (i0 != int(i0) or n != int(n) or i0 < 0 or n < 1
            or int(i0) + int(n) > curve.rps.size):
        raise TrafficError(
            f"slice_curve {curve.name!r}: [{start_s}, {start_s + duration_s}) s must be a whole "
            f"number of {curve.step_s} s steps inside [0, {curve.duration_s}) s"
        )
    start = None if curve.start is None else curve.start + pd.Timedelta(seconds=start_s)
    return TrafficCurve(curve.rps[int(i0):int(i0) + int(n)], curve.step_s, start, curve.name)


def check_whole_steps(duration_s: float, step_s: float, step_name: str, what: str,
                      fix: str) -> None:
    """Raise :class:`TrafficError` unless ``step_s`` divides ``duration_s`` (seconds; to 1e-9
    relative), so that resampling drops no trailing partial step: the message says
    ``{step_name} {step_s} does not divide {what} ({steps} steps); {fix}``."""
    steps = duration_s / step_s
    if not math.isclose(round(steps), steps, rel_tol=1e-9):
        raise TrafficError(f"{step_name} {step_s:g} does not divide {what} ({steps:.2f} steps); "
                           f"{fix}")


def resample_curve(curve: TrafficCurve, step_s: float) -> TrafficCurve:
    """The curve on a new step, conserving requests.

    The source is read as piecewise constant (``rps[i]`` held over its bin) and each new bin gets
    the time-weighted mean over its interval. So downsampling by a whole factor k is the plain mean
    of k source bins, and upsampling holds each value (step-hold, not linear). A trailing partial
    bin is dropped: the result has ``floor(duration_s / step_s)`` bins.
    """
    if not math.isfinite(step_s) or step_s <= 0:
        raise TrafficError(f"resample_curve: step_s (={step_s}) must be > 0 seconds")
    if step_s == curve.step_s:
        return curve
    n = math.floor(curve.duration_s / step_s + 1e-9)
    if n < 1:
        raise TrafficError(
            f"resample_curve {curve.name!r}: the curve lasts {curve.duration_s} s, shorter than "
            f"one step of {step_s} s; use a smaller step_s"
        )
    src_edges = np.arange(curve.rps.size + 1, dtype=np.float64) * curve.step_s
    cum = np.concatenate([[0.0], np.cumsum(curve.rps * curve.step_s)])
    edges = np.arange(n + 1, dtype=np.float64) * step_s
    rps = np.diff(np.interp(edges, src_edges, cum)) / step_s
    return TrafficCurve(np.maximum(rps, 0.0), step_s, curve.start, curve.name)


_LOADERS = {"read_traffic_csv": "infra_toolkit.traffic_csv",
            "get_cloudwatch_traffic": "infra_toolkit.traffic_cloudwatch"}


def __getattr__(name: str) -> Any:
    """The loaders live in their own modules (I/O at the edges) and import TrafficCurve from
    here; they are re-exported lazily, so importing either module first needs no cycle."""
    if name in _LOADERS:
        import importlib

        return getattr(importlib.import_module(_LOADERS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
