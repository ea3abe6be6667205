"""Per-tick buffers of the simulation loops (internal): one machine number a tick.

The loops read and write one tick at a time in plain Python, where a list is the fastest
container, but a list holds a Python object a tick (a float is 24 bytes plus the list's 8-byte
pointer): 27 days at a 5 s tick is 466,560 ticks, and the loop keeps several such series per
workload (audit15 A15-7: 20 workloads over 27 days peaked at 2.6 GB). An ``array.array`` holds
the same IEEE doubles (or 64-bit integers) in 8 bytes each, reads back the same Python numbers,
and becomes a numpy array without a copy (:func:`as_array`). The sync log (:class:`SyncLog`,
one row per HPA sync, 155,520 in those 27 days at 15 s) is kept as columns alike, not as tuples.

The tick a time falls on (:func:`first_tick_at`) is here too: the one rounding rule every loop
and every table built from a run uses.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator

import numpy as np
import pandas as pd

__all__ = ["SYNC_COLUMNS", "SyncLog", "as_array", "first_tick_at", "tick_floats", "tick_ints"]

#: the columns of a run's sync table (docs/DESIGN.md, "simulate → cost / report")
SYNC_COLUMNS = ("time_s", "current", "proposal", "written", "reason")
#: how many rows a :class:`SyncLog` holds as tuples before it moves them into its columns
#: (~60 kB at most, whatever the run's length): more rows would cost the garbage collector, which
#: walks every tuple held, more than the fewer moves save
_ROWS_PER_MOVE = 512



def first_tick_at(t_s: float, tick_s: float, last_tick: int) -> int:
    """The first tick (of ``tick_s`` seconds) at or after ``t_s`` seconds, within ``0`` ..
    ``last_tick``. A time a float's error past a tick (``3 * 0.1 / 0.1``) is on that tick."""
    return min(last_tick, max(0, math.ceil(t_s / tick_s - 1e-9)))


def tick_floats(size_or_values: int | np.ndarray) -> array[float]:
    """Doubles, one a tick: ``size_or_values`` zeros, or the float64 values given (exactly)."""
    # A zero repeated, not an array made from ``bytes(8 * n)``: that one reads a freshly mapped
    # zeroed buffer as well as writing its own (a page fault for each 4 KiB of both), some 25
    # times slower for a week of 5 s ticks. The values are read from numpy's buffer directly.
    if isinstance(size_or_values, int):
        return array("d", [0.0]) * size_or_values
    out = array("d")
    out.frombytes(np.ascontiguousarray(size_or_values, dtype=np.float64).data.cast("B"))
    return out


def tick_ints(size: int) -> array[int]:
    """``size`` 64-bit integer zeros, one a tick."""
    return array("q", [0]) * size


def as_array(buffer: array[float] | array[int]) -> np.ndarray:
    """``buffer`` as a numpy array (float64 or int64) sharing its memory, not a copy."""
    return np.frombuffer(buffer, dtype=np.float64 if buffer.typecode == "d" else np.int64)


class SyncLog:
    """One row per HPA sync: its time (s), the current replicas, the metric proposal (None when
    the metrics failed), the replicas written and the reason, held as columns (8 bytes a number,
    the reasons as the strings given, mostly shared constants).

    Rows are appended to a short list and moved into the columns :data:`_ROWS_PER_MOVE` at a
    time, by numpy: an ``array.append`` parses its number with PyArg_Parse, and six of them at
    every sync were most of a sync's logging; a list append of the row is a fifth of that.
    """

    def __init__(self) -> None:
        self.time_s, self.current, self.written = array("d"), array("q"), array("q")
        self.proposal, self.missing = array("q"), array("b")
        self.reason: list[str] = []
        self._rows: list[tuple[float, int, int | None, int, str]] = []  # not yet in the columns

    def append(self, row: tuple[float, int, int | None, int, str]) -> None:
        """Log one sync ``(time_s, current, proposal, written, reason)``."""
        rows = self._rows
        rows.append(row)
        if len(rows) >= _ROWS_PER_MOVE:
            self._move_rows()

    def _move_rows(self) -> None:
        """The appended rows into the columns, as ``array.append`` would store them."""
        if not self._rows:
            return
        t, current, proposal, written, reason = zip(*self._rows)
        self._rows = []
        self.time_s.frombytes(np.array(t, dtype=np.float64).tobytes())
        self.current.frombytes(np.array(current, dtype=np.int64).tobytes())
        self.proposal.frombytes(np.array([0 if p is None else p for p in proposal],
                                         dtype=np.int64).tobytes())
        self.missing.frombytes(np.array([p is None for p in proposal], dtype=np.int8).tobytes())
        self.written.frombytes(np.array(written, dtype=np.int64).tobytes())
        self.reason.extend(reason)

    def __len__(self) -> int:
        return len(self.reason) + len(self._rows)

    def __iter__(self) -> Iterator[tuple[float, int, int | None, int, str]]:
        self._move_rows()
        for i, reason in enumerate(self.reason):
            yield (self.time_s[i], self.current[i],
                   None if self.missing[i] else self.proposal[i], self.written[i], reason)

    def frame(self) -> pd.DataFrame:
        """The sync table, as pandas builds it from the rows: ``proposal`` int64, or float64
        with NaN where a sync had none."""
        self._move_rows()
        missing = np.frombuffer(self.missing, dtype=np.int8).astype(bool)
        if not self.reason or missing.all():  # no row or no proposal: pandas' own inference
            return pd.DataFrame(list(self), columns=list(SYNC_COLUMNS))
        proposal = as_array(self.proposal)
        columns = {"time_s": as_array(self.time_s), "current": as_array(self.current),
                   "proposal": np.where(missing, np.nan, proposal) if missing.any()
                   else proposal, "written": as_array(self.written), "reason": self.reason}
        return pd.DataFrame(columns, columns=list(SYNC_COLUMNS))
