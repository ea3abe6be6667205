"""The HPA controller's memory between syncs, for many variants at once (see
:mod:`infra_toolkit.sweep_hpa`): recorded recommendations and scale events.

- :class:`Recommendations` mirrors ``recordInitialRecommendation`` and the history that
  ``stabilize_recommendation`` / ``stabilize_recommendation_with_behaviors`` read and write
  (SPEC §3 step 2, §4, §5.2). Only window membership matters for a decision (an entry replaced
  by the controller is older than every window it could count in), so the engine keeps one
  entry per sync and answers window extremes; windows are a whole number of syncs back because
  syncs come every ``sync_step_s`` and windows are whole seconds (:func:`window_lags`).
- :class:`ScaleEvents` mirrors ``store_scale_event`` (SPEC §5.4) slot for slot, outdated marking
  and slot reuse included: a reused slot drops an event that the other direction's policies may
  still count, so here the representation itself matters.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from infra_toolkit.sweep_params import Variants

__all__ = ["I64_MAX", "I64_MIN", "Recommendations", "ScaleEvents", "window_lags"]

I64_MIN, I64_MAX = int(np.iinfo(np.int64).min), int(np.iinfo(np.int64).max)


def window_lags(v: Variants) -> dict[str, np.ndarray]:
    """How many previous syncs each recommendation window reaches, per variant: the no-behavior
    window counts entries at most ``W`` old (``lag * step <= W``), the behavior windows entries
    younger than ``W`` (``lag * step < W``)."""
    p, step = v.a, v.sync_step_s
    if v.legacy:
        return {"down": p["down_stab"] // step}
    return {"up": np.maximum((p["up_window"] - 1) // step, 0),
            "down": np.maximum((p["down_window"] - 1) // step, 0)}


class Recommendations:
    """The controller's recorded recommendations as sliding-window extremes (see the module
    docstring): one entry per sync, ``I64_MIN`` / ``I64_MAX`` where none was recorded; the size
    recorded before the first sync shares the first sync's entry (same timestamp).

    A sparse table answers "max (min) over the last ``m`` syncs" in O(1) per variant: level ``j``
    of a ring holds the extreme over the ``2**j`` syncs ending at each row, and a window is two
    overlapping power-of-two spans.
    """

    def __init__(self, n: int, lags: dict[str, np.ndarray], need_min: bool) -> None:
        longest = max(int(m.max(initial=0)) for m in lags.values())
        self.levels = max(1, longest.bit_length())
        self.rows = longest + 2
        self.n = n
        self.max_table = np.full((self.levels, self.rows, n), I64_MIN, dtype=np.int64)
        self.min_table = (np.full((self.levels, self.rows, n), I64_MAX, dtype=np.int64)
                          if need_min else None)
        self._plans = {}
        for name, m in lags.items():
            level = np.array([max(int(x), 1).bit_length() - 1 for x in m], dtype=np.int64)
            # (lags, level, flat offsets, whether some variant's window reaches no sync)
            self._plans[name] = (m, level, level * self.rows * n + np.arange(n),
                                 bool(np.count_nonzero(m <= 0)))

    def _query(self, table: np.ndarray, s: int, window: str, pick: np.ufunc,
               empty: int) -> np.ndarray:
        m, level, base, some_empty = self._plans[window]
        rows, flat = self.rows, table.reshape(-1)
        newest = base + ((s - 1) % rows) * self.n
        oldest = base + ((s - m + (1 << level) - 1) % rows) * self.n
        extreme: np.ndarray = pick(flat[newest], flat[oldest])
        return np.where(m > 0, extreme, empty) if some_empty else extreme

    def window_max(self, s: int, window: str) -> np.ndarray:
        """Max over the entries of the syncs before sync ``s`` in the named window (the
        ``lags`` given at creation: how many syncs back it reaches; I64_MIN if none)."""
        return self._query(self.max_table, s, window, np.maximum, I64_MIN)

    def window_min(self, s: int, window: str) -> np.ndarray:
        """Min over the named window (I64_MAX if none)."""
        assert self.min_table is not None
        return self._query(self.min_table, s, window, np.minimum, I64_MAX)

    def record(self, s: int, value: np.ndarray, recorded: np.ndarray,
               initial: np.ndarray | None) -> None:
        """The entry of sync ``s``: the recorded proposals, and at the first sync the initial
        size."""
        r = s % self.rows
        for table, empty, pick in ((self.max_table, I64_MIN, np.maximum),
                                   (self.min_table, I64_MAX, np.minimum)):
            if table is None:
                continue
            row = np.where(recorded, value, empty)
            if initial is not None:
                row = pick(row, initial)
            table[0, r] = row
            for j in range(1, self.levels):
                pick(table[j - 1, r], table[j - 1, (s - (1 << (j - 1))) % self.rows],
                     out=table[j, r])


class ScaleEvents:
    """One direction's scale events per variant, slot for slot as ``hpa_normalize._store``."""

    def __init__(self, n: int) -> None:
        self.change = np.zeros((n, 4), dtype=np.int64)
        self.time = np.full((n, 4), -np.inf)
        self.outdated = np.zeros((n, 4), dtype=bool)
        self.used = np.zeros(n, dtype=np.int64)

    def since(self, rows: np.ndarray, period_s: np.ndarray, now: float) -> npt.NDArray[np.int64]:
        """Replicas changed by events younger than each row's ``period_s`` (age < period)."""
        live = np.arange(self.change.shape[1]) < self.used[rows, None]
        young = live & (self.time[rows] > (now - period_s)[:, None])
        changed: npt.NDArray[np.int64] = np.where(young, self.change[rows], 0).sum(axis=1)
        return changed

    def store(self, rows: np.ndarray, change: np.ndarray, longest_s: np.ndarray,
              now: float) -> None:
        """Mark events older than the longest period outdated; reuse the last outdated slot."""
        live = np.arange(self.change.shape[1]) < self.used[rows, None]
        outdated = self.outdated[rows] | (live & (self.time[rows] < (now - longest_s)[:, None]))
        width = outdated.shape[1]
        last = width - 1 - np.argmax(outdated[:, ::-1], axis=1)
        reuse = outdated.any(axis=1)
        slot = np.where(reuse, last, self.used[rows])
        if slot.max(initial=-1) >= width:
            self._grow()
            outdated = np.concatenate([outdated, np.zeros_like(outdated)], axis=1)
        self.used[rows] += ~reuse
        outdated[np.arange(rows.size), slot] = False
        self.outdated[rows] = outdated
        self.change[rows, slot] = change
        self.time[rows, slot] = now

    def _grow(self) -> None:
        n, w = self.change.shape
        self.change = np.concatenate([self.change, np.zeros((n, w), dtype=np.int64)], axis=1)
        self.time = np.concatenate([self.time, np.full((n, w), -np.inf)], axis=1)
        self.outdated = np.concatenate([self.outdated, np.zeros((n, w), dtype=bool)], axis=1)
