"""The pods of a sweep's variants as cohorts in slots (:class:`ClusterPods`): created, placed on
node slots, deleted in ReplicaSet order and evicted from a removed node, each operation on the
variants that need it, all together; the warm pods a run starts with.

The scalar loop (:class:`~infra_toolkit.cluster_nodes.ClusterNodes`) keeps cohorts in a list
whose order decides which pods are placed, deleted and evicted first; here each cohort has an
order ``key = seq << 24 | sub``: ``seq`` counts cohorts created (a new cohort goes last), and when
placement splits a cohort the placed parts get increasing ``sub`` below the remainder's
``2**24 - 1``, which is where the scalar loop inserts them. Every operation names the
``ClusterNodes`` method it mirrors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infra_toolkit.controller_view import LONG_AGO_S
from infra_toolkit.sweep_cluster_state import NOT_YET, SORTS_LAST, ClusterState
from infra_toolkit.sweep_params import Variants

__all__ = ["ClusterPods"]

_SUB = 24
_REMAINDER = (1 << _SUB) - 1


class ClusterPods(ClusterState):
    """The cohorts of a batch of variants and what is done to them; starts with the warm pods."""

    def __init__(self, v: Variants, n_ticks: int, ring_rows: int,
                 log: list[tuple[Any, ...]] | None) -> None:
        super().__init__(v, n_ticks, ring_rows, log)
        self._initial_state()

    def _ring_add(self, rows: np.ndarray, ticks: np.ndarray, k: np.ndarray) -> None:
        keep = ticks < self.n_ticks
        if np.count_nonzero(keep):
            np.add.at(self.ring, (ticks[keep] & self.ring_mask, rows[keep]), k[keep])

    def _alloc(self, rows: np.ndarray, need: np.ndarray) -> np.ndarray:
        """Free slot columns for ``need[i]`` new cohorts of ``rows[i]``: (rows, need.max())."""
        free = self.cnt[rows] == 0
        while (free.sum(axis=1) < need).any():
            self._grow()
            free = self.cnt[rows] == 0
        return np.argsort(~free, axis=1, kind="stable")

    def _grow(self) -> None:
        n, k = self.cnt.shape
        for name, fill in (("cnt", 0), ("key", 0), ("created", 0.0), ("group", -1),
                           ("sched", np.nan), ("running", np.inf), ("ready_tick", NOT_YET)):
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.full((n, k), fill, dtype=old.dtype)],
                                               axis=1))

    def _refresh_settled(self, rows: np.ndarray) -> None:
        """From when every pod of a row has been Ready and past its CPU burst (+inf while any
        pod is unscheduled): from a full window later its samples are all equal."""
        live = self.cnt[rows] > 0
        placed = live & (self.group[rows] >= 0)
        done = np.maximum(self.ready_tick[rows] * float(self.tick),
                          self.running[rows] + self.p["startup_cpu_s"][rows, None])
        worst = np.where(placed, done, -np.inf).max(axis=1, initial=-np.inf)
        self.settled_from[rows] = np.where((live & ~placed).any(axis=1), np.inf, worst)

    def _initial_state(self) -> None:
        """Warm pods on enough nodes (the scalar loop's initial state)."""
        p, n = self.p, self.n
        slots, initial = p["slots"], p["initial"]
        short = initial - (self.nodes * slots).sum(axis=1)
        for g in range(self.v.groups):
            add = np.maximum(0, np.minimum(p["max_size"][:, g] - self.nodes[:, g],
                                           -(-short // slots[:, g])))
            self.nodes[:, g] += add
            short -= add * slots[:, g]
        rows = (initial > 0).nonzero()[0]
        self.create(rows, initial[rows], np.full(rows.size, LONG_AGO_S))
        live = self.cnt > 0
        self.running[live] = LONG_AGO_S
        self.ready_tick[live] = 0
        self.ring[:] = 0
        self.ring[0] = initial
        self._refresh_settled(np.arange(n))

    def create(self, rows: np.ndarray, k: np.ndarray, t: np.ndarray) -> None:
        """``create``: a new Pending cohort of ``k`` pods per row, then ``place``."""
        if not rows.size:
            return
        cols = self._alloc(rows, np.ones(rows.size, dtype=np.int64))[:, 0]
        self._new_cohorts(rows, cols, k, t)
        self.place(rows, t)

    def _new_cohorts(self, rows: np.ndarray, cols: np.ndarray, k: np.ndarray,
                     t: np.ndarray) -> None:
        self.cnt[rows, cols] = k
        self.key[rows, cols] = (self.seq[rows] << _SUB) | _REMAINDER
        self.seq[rows] += 1
        self.created[rows, cols] = t
        self.group[rows, cols] = -1
        self.sched[rows, cols] = np.nan
        self.running[rows, cols] = np.inf
        self.ready_tick[rows, cols] = NOT_YET
        np.add.at(self.pending, rows, k)

    def place(self, rows: np.ndarray, t: np.ndarray) -> None:
        """``place``: Pending cohorts in list order fill free node slots, groups in order; a
        cohort that does not fit whole is split, the placed parts before the remainder."""
        p = self.p
        free = np.maximum(self.usable_nodes(rows) * p["slots"][rows] - self.scheduled[rows], 0)
        pend = (self.cnt[rows] > 0) & (self.group[rows] < 0)
        act = pend.any(axis=1) & (free.sum(axis=1) > 0)
        if not np.count_nonzero(act):
            self._refresh_settled(rows)
            return
        done_rows = rows[~act]
        rows, t, free, pend = rows[act], t[act], free[act], pend[act]
        order = np.argsort(np.where(pend, self.key[rows], SORTS_LAST), axis=1, kind="stable")
        cnt = np.take_along_axis(np.where(pend, self.cnt[rows], 0), order, axis=1)
        p_hi = np.cumsum(cnt, axis=1)
        f_hi = np.cumsum(free, axis=1)
        k = np.clip(np.minimum(p_hi[:, :, None], f_hi[:, None, :])
                    - np.maximum((p_hi - cnt)[:, :, None], (f_hi - free)[:, None, :]), 0, None)
        parts = k > 0  # (row, cohort in key order, group)
        placed = k.sum(axis=2)
        rest = cnt - placed
        n_parts = parts.sum(axis=2)
        last_g = k.shape[2] - 1 - np.argmax(parts[:, :, ::-1], axis=2)
        reuse = (rest == 0) & (n_parts > 0)
        r_idx, c_idx, g_idx = np.nonzero(parts)
        own = reuse[r_idx, c_idx] & (g_idx == last_g[r_idx, c_idx])
        fresh = ~own
        # new slots for the split-off parts, numbered in (cohort, group) order per row
        n_new = np.bincount(r_idx[fresh], minlength=rows.size)
        ordinal = np.cumsum(fresh) - 1
        first = np.concatenate([[0], np.cumsum(n_new)[:-1]])
        ordinal = ordinal - first[r_idx]
        src_col = order[r_idx, c_idx]
        if np.count_nonzero(fresh):
            free_cols = self._alloc(rows, n_new)
            col = np.where(fresh, free_cols[r_idx, np.where(fresh, ordinal, 0)], src_col)
        else:
            col = src_col
        vr = rows[r_idx]
        seq = self.key[vr, src_col] >> _SUB
        new_key = (seq << _SUB) | (self.split[vr] + ordinal)
        self.key[vr[fresh], col[fresh]] = new_key[fresh]
        self.created[vr[fresh], col[fresh]] = self.created[vr[fresh], src_col[fresh]]
        self.split[rows] += n_new
        kk = k[r_idx, c_idx, g_idx]
        tt = t[r_idx]
        self.cnt[vr, col] = kk
        self.group[vr, col] = g_idx
        self.sched[vr, col] = tt
        running = tt + p["pull"][vr]
        self.running[vr, col] = running
        ready = self.tick_at(running + p["s2r"][vr])
        self.ready_tick[vr, col] = ready
        self._ring_add(vr, np.minimum(ready, self.n_ticks + 1), kk)
        np.add.at(self.scheduled, (vr, g_idx), kk)
        np.add.at(self.pending, vr, -kk)
        self.dirty[vr] = True
        # remainders stay Pending in their own slot
        has_rest = rest > 0
        rr, cc = np.nonzero(has_rest & (placed > 0))
        self.cnt[rows[rr], order[rr, cc]] = rest[rr, cc]
        self._refresh_settled(np.concatenate([rows, done_rows]))

    def _remove(self, rows: np.ndarray, cols: np.ndarray, k: np.ndarray, t: float) -> None:
        """``remove``: take ``k`` pods out of cohort ``cols`` at time ``t``."""
        j = int(self.tick_at(np.array([t]))[0])
        g = self.group[rows, cols]
        on = g >= 0
        self.dirty[rows[on]] = True
        np.add.at(self.scheduled, (rows[on], g[on]), -k[on])
        ticks = np.minimum(np.maximum(j, self.ready_tick[rows[on], cols[on]]), self.n_ticks + 1)
        self._ring_add(rows[on], ticks, -k[on])
        np.add.at(self.pending, rows[~on], -k[~on])
        self.cnt[rows, cols] -= k

    def delete(self, rows: np.ndarray, k: np.ndarray, t: float) -> None:
        """``delete``: ReplicaSet order -- unscheduled, then not ready, then ready; newest (last
        in list order) first within each."""
        if not rows.size:
            return
        live = self.cnt[rows] > 0
        width = live.shape[1]
        rank = np.where(self.group[rows] < 0, 0,
                        np.where(self.ready_tick[rows] * float(self.tick) > t, 1, 2))
        by_key = np.argsort(np.argsort(np.where(live, self.key[rows], SORTS_LAST), axis=1), axis=1)
        order = np.argsort(np.where(live, rank * width + (width - 1 - by_key), SORTS_LAST), axis=1)
        cnt = np.take_along_axis(np.where(live, self.cnt[rows], 0), order, axis=1)
        before = np.cumsum(cnt, axis=1) - cnt
        take = np.clip(k[:, None] - before, 0, cnt)
        r, c = np.nonzero(take)
        self._remove(rows[r], order[r, c], take[r, c], t)
        self._refresh_settled(rows)

    def evict(self, rows: np.ndarray, g: np.ndarray, evicted: np.ndarray, t: float) -> None:
        """The pods of a removed node: taken from group ``g``'s cohorts in list order, each
        part re-created Pending as a new cohort (a drain), then ``place``."""
        live = (self.cnt[rows] > 0) & (self.group[rows] == g[:, None])
        order = np.argsort(np.where(live, self.key[rows], SORTS_LAST), axis=1, kind="stable")
        cnt = np.take_along_axis(np.where(live, self.cnt[rows], 0), order, axis=1)
        before = np.cumsum(cnt, axis=1) - cnt
        take = np.clip(evicted[:, None] - before, 0, cnt)
        r, c = np.nonzero(take)
        vr, kk = rows[r], take[r, c]
        self._remove(vr, order[r, c], kk, t)
        n_new = np.bincount(r, minlength=rows.size)
        cols = self._alloc(rows, n_new)
        first = np.concatenate([[0], np.cumsum(n_new)[:-1]])
        ordinal = np.arange(r.size) - first[r]
        for i in range(int(n_new.max(initial=0))):  # one new cohort per source, in list order
            pick = ordinal == i
            self._new_cohorts(vr[pick], cols[r[pick], i], kk[pick], np.full(pick.sum(), t))
        self.place(rows, np.full(rows.size, t))
