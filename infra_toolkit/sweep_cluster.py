"""Pods and nodes of many variants at once: the cluster side of :mod:`infra_toolkit.cluster`.

State is arrays with one row per variant. Pods are held as cohorts like the scalar loop (pods
created at one instant and placed on one node group together), in a fixed number of slots per
variant that grows when needed (``cnt == 0`` is a free slot). The scalar loop keeps cohorts in a
list whose order decides which pods are placed, deleted and evicted first; here each cohort has
an order ``key = seq << 24 | sub``: ``seq`` counts cohorts created (a new cohort goes last), and
when placement splits a cohort the placed parts get increasing ``sub`` below the remainder's
``2**24 - 1``, which is where the scalar loop inserts them. Every operation below names the
scalar function it mirrors; each runs on the variants that need it, all together.

Ready counts per tick are a ring of deltas (``ready_delta`` of the scalar loop) indexed by the
absolute tick; node-tick totals and spec-tick totals are accumulated as areas when they change,
and the node-ticks of nodes launched but not yet Ready (billed) when the scan launches them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infra_toolkit.sweep_params import Variants

__all__ = ["NOT_YET", "Cluster"]

NOT_YET = 2**40  # tick index of an event that has not happened
_SUB = 24
_REMAINDER = (1 << _SUB) - 1
_LONG_AGO_S = -1.0e9  # start time of the pods that exist when the simulation begins
_BIG = np.iinfo(np.int64).max


class Cluster:
    """Cohorts, nodes and the cluster autoscaler of a batch of variants."""

    def __init__(self, v: Variants, n_ticks: int, ring_rows: int,
                 log: list[tuple[Any, ...]] | None) -> None:
        p = v.a
        self.v, self.p, self.n_ticks, self.tick = v, p, n_ticks, v.tick_s
        n, g = len(v.specs), v.groups
        self.n = n
        self.log = log  # event records (time, variant, kind, group, from, to, extra) or None
        k = 4
        self.cnt = np.zeros((n, k), dtype=np.int64)
        self.key = np.zeros((n, k), dtype=np.int64)
        self.created = np.zeros((n, k))
        self.group = np.full((n, k), -1, dtype=np.int64)
        self.sched = np.full((n, k), np.nan)
        self.running = np.full((n, k), np.inf)
        self.ready_tick = np.full((n, k), NOT_YET, dtype=np.int64)
        self.seq = np.zeros(n, dtype=np.int64)
        self.split = np.zeros(n, dtype=np.int64)
        self.pending = np.zeros(n, dtype=np.int64)
        self.nodes = p["min_size"].copy()
        self.scheduled = np.zeros((n, g), dtype=np.int64)
        self.up_time = np.full((n, 2), np.inf)
        self.up_group = np.zeros((n, 2), dtype=np.int64)
        self.up_k = np.zeros((n, 2), dtype=np.int64)
        self.next_arrival = np.inf  # earliest pending node arrival over all variants
        self.unneeded = np.full((n, g), np.nan)
        self.last_up = np.full(n, -np.inf)
        self.stuck = np.zeros(n, dtype=bool)
        self.ring_mask = ring_rows - 1
        self.ring = np.zeros((ring_rows, n))  # ready-count deltas (exact small integers)
        self.node_area = np.zeros((n, g), dtype=np.int64)
        self.node_last = np.zeros((n, g), dtype=np.int64)
        self.launch_area = np.zeros((n, g), dtype=np.int64)  # launched, not yet Ready
        self.node_ups = np.zeros(n, dtype=np.int64)
        self.node_downs = np.zeros(n, dtype=np.int64)
        self.settled_from = np.full(n, -np.inf)
        self.needed = np.ones((n, g), dtype=bool)  # scale-down: group needed (see _scale_down)
        self.util = np.ones((n, g))  # its request utilization
        self.dirty = np.ones(n, dtype=bool)  # nodes or placed pods changed since ``needed``
        self._initial_state()

    # ---- bookkeeping ------------------------------------------------------------------------
    def tick_at(self, t: np.ndarray) -> np.ndarray:
        """``tick_at`` of the scalar loop: the first tick at or after ``t`` (clamped)."""
        return np.minimum(self.n_ticks + 1, np.maximum(0, np.ceil(t / self.tick - 1e-9))).astype(
            np.int64)

    def _ring_add(self, rows: np.ndarray, ticks: np.ndarray, k: np.ndarray) -> None:
        keep = ticks < self.n_ticks
        if keep.any():
            np.add.at(self.ring, (ticks[keep] & self.ring_mask, rows[keep]), k[keep])

    def _set_nodes(self, rows: np.ndarray, g: np.ndarray, t: np.ndarray, new: np.ndarray) -> None:
        """A node count change at time ``t`` (``set_nodes``): close the area at its tick."""
        j = np.minimum(self.tick_at(t), self.n_ticks)
        self.dirty[rows] = True
        self.node_area[rows, g] += self.nodes[rows, g] * (j - self.node_last[rows, g])
        self.node_last[rows, g] = j
        self.nodes[rows, g] = new

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
        rows = np.flatnonzero(initial > 0)
        self.create(rows, initial[rows], np.full(rows.size, _LONG_AGO_S))
        live = self.cnt > 0
        self.running[live] = _LONG_AGO_S
        self.ready_tick[live] = 0
        self.ring[:] = 0
        self.ring[0] = initial
        self._refresh_settled(np.arange(n))

    # ---- pods -------------------------------------------------------------------------------
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
        free = np.maximum(self.nodes[rows] * p["slots"][rows] - self.scheduled[rows], 0)
        pend = (self.cnt[rows] > 0) & (self.group[rows] < 0)
        act = pend.any(axis=1) & (free.sum(axis=1) > 0)
        if not act.any():
            self._refresh_settled(rows)
            return
        done_rows = rows[~act]
        rows, t, free, pend = rows[act], t[act], free[act], pend[act]
        order = np.argsort(np.where(pend, self.key[rows], _BIG), axis=1, kind="stable")
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
        if fresh.any():
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
        by_key = np.argsort(np.argsort(np.where(live, self.key[rows], _BIG), axis=1), axis=1)
        order = np.argsort(np.where(live, rank * width + (width - 1 - by_key), _BIG), axis=1)
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
        order = np.argsort(np.where(live, self.key[rows], _BIG), axis=1, kind="stable")
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

    # ---- nodes and the cluster autoscaler ---------------------------------------------------
    def arrivals(self, upto: float) -> None:
        """Nodes that are Ready at or before ``upto``, earliest first (``events_until``)."""
        while self.next_arrival <= upto:
            first = self.up_time.min(axis=1)
            rows = np.flatnonzero(first <= upto)
            times = self.up_time[rows]
            at_first = times == first[rows, None]
            col = np.argmin(np.where(at_first, self.up_group[rows], _BIG), axis=1)
            g, k, t = self.up_group[rows, col], self.up_k[rows, col], first[rows]
            self.up_time[rows, col] = np.inf
            self.next_arrival = float(self.up_time.min())
            self._set_nodes(rows, g, t, self.nodes[rows, g] + k)
            self.place(rows, t)

    def scan(self, t: float) -> None:
        """``ca_scan`` at time ``t`` for every variant."""
        p = self.p
        pending = self.pending
        if pending.any():
            rows = np.flatnonzero(pending > 0)
            slots = p["slots"][rows]
            live = np.isfinite(self.up_time[rows])
            coming = np.where(live, self.up_k[rows] * np.take_along_axis(
                slots, self.up_group[rows], axis=1), 0).sum(axis=1)
            need = pending[rows] - coming
            asked = need > 0
            self.stuck[rows[~asked]] = False
            if asked.any():
                self._scale_up(rows[asked], need[asked], t)
            idle = pending == 0
            self.stuck[idle] = False
            quiet = idle & ~(t - self.last_up < p["after_add"])
        else:
            self.stuck[:] = False
            quiet = ~(t - self.last_up < p["after_add"])
        np.copyto(self.unneeded, np.nan, where=~quiet[:, None])
        if quiet.any():
            self._scale_down(quiet, t)

    def _scale_up(self, rows: np.ndarray, need: np.ndarray, t: float) -> None:
        p = self.p
        slots = p["slots"][rows]
        pending = self.pending[rows]
        going = np.ones(rows.size, dtype=bool)
        for g in range(self.v.groups):
            live = np.isfinite(self.up_time[rows])
            in_flight = np.where(live & (self.up_group[rows] == g), self.up_k[rows], 0).sum(axis=1)
            base = self.nodes[rows, g] + in_flight
            room = p["max_size"][rows, g] - base
            k = np.minimum(room, -(-need // slots[:, g]))
            add = going & (k > 0)
            if add.any():
                ar = rows[add]
                ready_at = np.full(ar.size, t) + p["delay"][ar]
                self._add_upcoming(ar, ready_at, g, k[add])
                # billed from this scan until the tick the nodes count as Ready (or the end)
                launched = np.minimum(self.tick_at(np.full(ar.size, t)), self.n_ticks)
                self.launch_area[ar, g] += k[add] * (
                    np.minimum(self.tick_at(ready_at), self.n_ticks) - launched)
                if self.log is not None:
                    for i in np.flatnonzero(add):
                        self.log.append((t, int(rows[i]), "up", g, int(base[i]),
                                         int(base[i] + k[i]), int(pending[i])))
                self.node_ups[ar] += 1
                self.last_up[ar] = t
                need = np.where(add, need - k * slots[:, g], need)
                going &= need > 0
        failed = need > 0
        if self.log is not None:
            for i in np.flatnonzero(failed & ~self.stuck[rows]):
                self.log.append((t, int(rows[i]), "failed", -1, 0, 0, int(need[i])))
        self.stuck[rows] = failed

    def _add_upcoming(self, rows: np.ndarray, at: np.ndarray, g: int, k: np.ndarray) -> None:
        free = ~np.isfinite(self.up_time[rows])
        if not free.any(axis=1).all():
            n, w = self.up_time.shape
            self.up_time = np.concatenate([self.up_time, np.full((n, w), np.inf)], axis=1)
            self.up_group = np.concatenate([self.up_group, np.zeros((n, w), np.int64)], axis=1)
            self.up_k = np.concatenate([self.up_k, np.zeros((n, w), np.int64)], axis=1)
            free = ~np.isfinite(self.up_time[rows])
        col = np.argmax(free, axis=1)
        self.up_time[rows, col] = at
        self.up_group[rows, col] = g
        self.up_k[rows, col] = k
        self.next_arrival = min(self.next_arrival, float(at.min()))

    def _refresh_needed(self) -> None:
        """Which groups the scale-down check calls needed (at most ``min_size``, utilization at
        or over the threshold, or one node's pods would not fit on the rest): a function of
        the nodes and the placed pods only, so recomputed for the variants where they changed."""
        rows = np.flatnonzero(self.dirty)
        if not rows.size:
            return
        p = self.p
        slots, nodes, scheduled = p["slots"][rows], self.nodes[rows], self.scheduled[rows]
        total_slots = (nodes * slots).sum(axis=1)
        total_pods = scheduled.sum(axis=1)
        util = np.where(nodes > 0, scheduled * p["frac"][rows] / np.maximum(nodes, 1), 1.0)
        self.needed[rows] = ((nodes <= p["min_size"][rows]) | (util >= p["threshold"][rows, None])
                             | (total_slots[:, None] - slots < total_pods[:, None]))
        self.util[rows] = util
        self.dirty[rows] = False

    def _scale_down(self, going: np.ndarray, t: float) -> None:
        """The scale-down half of ``ca_scan`` for the rows in ``going`` (no pending pods, not
        just after a scale-up): groups in reverse order, a needed group's timer reset, another's
        started or fired, at most one node per scan (a variant whose node fired skips the
        groups after it, as ``ca_scan`` returns)."""
        self._refresh_needed()
        p = self.p
        live = going.copy()
        for g in reversed(range(self.v.groups)):
            needed = self.needed[:, g]
            since = self.unneeded[:, g]  # a view: the updates below land in the timers
            np.copyto(since, np.nan, where=live & needed)
            idle = live & ~needed
            np.copyto(since, t, where=idle & np.isnan(since))
            fire = idle & (t - since >= p["unneeded_s"])
            if fire.any():
                fr = np.flatnonzero(fire)
                before = self.nodes[fr, g].copy()
                util = self.util[fr, g].copy()
                evicted = self.scheduled[fr, g] // before
                gg = np.full(fr.size, g)
                self._set_nodes(fr, gg, np.full(fr.size, t), before - 1)
                self.node_downs[fr] += 1
                if self.log is not None:
                    for i, r in enumerate(fr.tolist()):
                        self.log.append((t, r, "down", g, int(before[i]), int(before[i] - 1),
                                         (float(util[i]), int(evicted[i]))))
                self.evict(fr, gg, evicted, t)
                live &= ~fire

    def billed_areas(self) -> np.ndarray:
        """Node-ticks billed per (variant, group) over the run: Ready nodes plus nodes launched
        and not yet Ready (the timeline's ``nodes_<group> + launching_nodes_<group>``)."""
        return (self.node_area + self.nodes * (self.n_ticks - self.node_last)
                + self.launch_area)

    def describe_event(self, rec: tuple[Any, ...]) -> tuple[float, int, str, int, int, str]:
        """A logged record as (time, variant, kind, from, to, reason) in the scalar wording."""
        t, row, kind, g, a, b, extra = rec
        spec = self.v.specs[row]
        if kind == "up":
            grp = spec.node_groups[g]
            delay = spec.autoscaler.provisioning_delay_s
            return (t, row, f"node_scale_up:{grp.name}", a, b,
                    f"{extra} pending pod(s) need {b - a} more {grp.instance_type} node(s), "
                    f"Ready at {t + delay:g} s")
        if kind == "failed":
            return (t, row, "node_scale_up_failed", 0, 0,
                    f"{extra} pending pod(s) fit no node group: all at max_size")
        ca = spec.autoscaler
        util, evicted = extra
        return (t, row, f"node_scale_down:{spec.node_groups[g].name}", a, b,
                f"utilization {util:.0%} < {ca.scale_down_utilization_threshold:.0%} for "
                f"{ca.scale_down_unneeded_s:g} s; {evicted} pod(s) evicted")
