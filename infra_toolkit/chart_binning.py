"""A simulation timeline binned for a chart (:func:`chart_timeline`): at most
:data:`MAX_POINTS` rows, each bin a whole number of ticks rounded up to a whole minute or a
simple part of one (:data:`NICE_BIN_S`), rates averaged and counts and latencies at their
maximum.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["MAX_POINTS", "NICE_BIN_S", "chart_timeline"]

#: The most points a time series keeps in a figure: one plan report stays well under 6 MB.
MAX_POINTS = 600
_MEAN_COLUMNS = ("offered_rps", "served_rps", "dropped_rps")
_MAX_COLUMNS = ("spec_replicas", "ready_pods", "pods", "nodes", "p50_latency_ms",
                "p95_latency_ms", "p99_latency_ms", "latency_saturated")

#: The bin lengths (seconds) a binned chart rounds its bins up to when its ticks divide one:
#: whole minutes and their simple parts, so that a day's axis says "150 s means", not the 145 s
#: of 29 ticks of 5 s, a span no trace, metric or alert uses
NICE_BIN_S = (5, 10, 15, 20, 30, 60, 90, 120, 150, 180, 300, 600, 900, 1200, 1800, 3600,
              7200, 10800, 21600, 43200, 86400)


def _ticks_per_bin(times: np.ndarray, max_points: int) -> int:
    """The fewest whole ticks a bin needs for at most ``max_points`` bins, rounded up to the
    first :data:`NICE_BIN_S` length the (evenly spaced) ticks divide, when there is one."""
    n = times.size
    k = max(1, math.ceil(n / max_points))
    if k == 1 or n < 2:
        return k
    tick = float(times[1] - times[0])
    if tick <= 0 or not np.allclose(np.diff(times), tick, rtol=1e-9, atol=0.0):
        return k
    for bin_s in NICE_BIN_S:
        ticks = bin_s / tick
        if bin_s >= k * tick - 1e-9 and abs(ticks - round(ticks)) < 1e-9:
            return round(ticks)
    return k


def chart_timeline(timeline: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """A simulation timeline binned to at most ``max_points`` rows of ``k`` whole ticks each
    (:func:`_ticks_per_bin`: a whole minute or a simple part of one when the ticks allow):
    ``time_h`` (bin start, hours), request rates averaged over the bin (``offered_rps``,
    ``served_rps``, ``dropped_rps``), pod and node counts and latencies at their bin maximum
    (a chart must not hide a spike), ``usd_per_hour*`` columns averaged. A trailing partial bin
    is kept."""
    if max_points < 1:
        raise ValueError(f"max_points = {max_points}: must be >= 1")
    n = len(timeline)
    times = timeline["time_s"].to_numpy(dtype=float)
    k = _ticks_per_bin(times, max_points)
    group = np.arange(n) // k
    out = pd.DataFrame({"time_h": times[::k] / 3600.0})
    for column in timeline.columns:
        if column == "time_s":
            continue
        values = pd.Series(timeline[column].to_numpy(dtype=float)).groupby(group)
        if column in _MAX_COLUMNS or column.startswith("nodes_"):
            out[column] = values.max().to_numpy()
        elif column in _MEAN_COLUMNS or column.startswith("usd_per_hour"):
            out[column] = values.mean().to_numpy()
    return out
