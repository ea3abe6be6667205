"""Pods and nodes of many variants at once: what :mod:`infra_toolkit.cluster_nodes` and
:mod:`infra_toolkit.cluster_scale_down` do for one.

:class:`Cluster` holds the nodes and the cluster autoscaler (arrivals, scans scaling node groups
up and down, billed node-ticks, the event log's wording) over the pod cohorts of
:mod:`infra_toolkit.sweep_pods`; the arrays, one row per variant, are laid out in
:mod:`infra_toolkit.sweep_cluster_state`. Every operation names the scalar function it mirrors;
each runs on the variants that need it, all together.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infra_toolkit.sweep_cluster_state import SORTS_LAST
from infra_toolkit.sweep_pods import ClusterPods

__all__ = ["Cluster"]


class Cluster(ClusterPods):
    """Cohorts, nodes and the cluster autoscaler of a batch of variants."""

    # ---- nodes and the cluster autoscaler ---------------------------------------------------
    def _set_nodes(self, rows: np.ndarray, g: np.ndarray, t: np.ndarray, new: np.ndarray) -> None:
        """A node count change at time ``t`` (``set_nodes``): close the area at its tick."""
        j = np.minimum(self.tick_at(t), self.n_ticks)
        self.dirty[rows] = True
        self.node_area[rows, g] += self.nodes[rows, g] * (j - self.node_last[rows, g])
        self.node_last[rows, g] = j
        self.nodes[rows, g] = new

    def arrivals(self, upto: float) -> None:
        """Nodes that are Ready at or before ``upto``, earliest first (``events_until``)."""
        while self.next_arrival <= upto:
            first = self.up_time.min(axis=1)
            rows = (first <= upto).nonzero()[0]
            times = self.up_time[rows]
            at_first = times == first[rows, None]
            col = np.argmin(np.where(at_first, self.up_group[rows], SORTS_LAST), axis=1)
            g, k, t = self.up_group[rows, col], self.up_k[rows, col], first[rows]
            self.up_time[rows, col] = np.inf
            self.next_arrival = float(self.up_time.min())
            self._set_nodes(rows, g, t, self.nodes[rows, g] + k)
            self.place(rows, t)

    def scan(self, t: float) -> None:
        """``ClusterNodes.scan`` at time ``t`` for every variant."""
        p = self.p
        self._retire_cordoned(t)
        pending = self.pending
        if not np.count_nonzero(pending):  # most scans: no pod waits for a node anywhere
            self.stuck[:] = False
            self._scale_down(self.every_variant, ~(t - self.last_up < p["after_add"]), t)
            return
        rows = (pending > 0).nonzero()[0]
        slots = p["slots"][rows]
        live = np.isfinite(self.up_time[rows])
        coming = np.where(live, self.up_k[rows] * np.take_along_axis(
            slots, self.up_group[rows], axis=1), 0).sum(axis=1)
        need = pending[rows] - coming
        asked = need > 0
        self.stuck[rows[~asked]] = False
        if np.count_nonzero(asked):
            self._scale_up(rows[asked], need[asked], t)
        idle = pending == 0
        self.stuck[idle] = False
        np.copyto(self.unneeded, np.nan, where=~idle[:, None])
        self.cmd_group[~idle] = -1  # a removal waiting for validation: the cluster changed
        if np.count_nonzero(idle):
            # timers keep counting through the delay after a scale-up, which only holds removals
            self._scale_down(idle, ~(t - self.last_up < p["after_add"]), t)

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
            if np.count_nonzero(add):
                ar = rows[add]
                ready_at = np.full(ar.size, t) + p["delay"][ar]
                self._add_upcoming(ar, ready_at, g, k[add])
                # billed from this scan until the tick the nodes count as Ready (or the end)
                launched = np.minimum(self.tick_at(np.full(ar.size, t)), self.n_ticks)
                self.launch_area[ar, g] += k[add] * (
                    np.minimum(self.tick_at(ready_at), self.n_ticks) - launched)
                if self.log is not None:
                    for i in add.nonzero()[0]:
                        self.log.append((t, int(rows[i]), "up", g, int(base[i]),
                                         int(base[i] + k[i]), int(pending[i])))
                self.node_ups[ar] += 1
                self.last_up[ar] = t
                # one group a scan (the scalar scale-up's rule): the rest waits a scan
                need = np.where(add, need - k * slots[:, g], need)
                going &= ~add
        # pods a scan's one group left over wait for the next scan while a group has room
        live = np.isfinite(self.up_time[rows])
        room_left = np.zeros(rows.size, dtype=bool)
        for h in range(self.v.groups):
            coming_h = np.where(live & (self.up_group[rows] == h), self.up_k[rows], 0).sum(axis=1)
            room_left |= p["max_size"][rows, h] - self.nodes[rows, h] - coming_h > 0
        need = np.where(~going & room_left, 0, need)
        failed = need > 0
        if self.log is not None:
            for i in (failed & ~self.stuck[rows]).nonzero()[0]:
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
        rows = self.dirty.nonzero()[0]
        if not rows.size:
            return
        p = self.p
        slots, nodes, scheduled = p["slots"][rows], self.usable_nodes(rows), self.scheduled[rows]
        total_slots = (nodes * slots).sum(axis=1)
        total_pods = scheduled.sum(axis=1)
        # nodes.request_utilization, term for term in its order (bit-identical to the scalar)
        per = np.maximum(nodes, 1)
        cpu = (scheduled * p["pod_cpu"][rows, None] / per + p["ds_cpu"][rows]) \
            / p["kubelet_cpu"][rows]
        memory = (scheduled * p["pod_mem"][rows, None] / per + p["ds_mem"][rows]) \
            / p["kubelet_mem"][rows]
        util = np.where(nodes > 0, np.maximum(cpu, memory), 1.0)
        self.needed[rows] = ((nodes <= p["min_size"][rows]) | (util >= p["threshold"][rows, None])
                             | (total_slots[:, None] - slots < total_pods[:, None]))
        self.util[rows] = util
        self.dirty[rows] = False

    def _scale_down(self, going: np.ndarray, may_remove: np.ndarray, t: float) -> None:
        """``cluster_scale_down.scale_down`` for the rows in ``going`` (no pending pods):
        groups in reverse order, a needed group's timer reset, another's started; of the groups
        whose time is up (only where ``may_remove``: not within the delay after a scale-up, no
        node cordoned) the first goes, or with a validation wait (``_choose``) is chosen and
        goes at the first scan that long after if its time is still up then (``needed`` is not
        refreshed within the scan: every timer counts on the scan's state)."""
        self._refresh_needed()
        p = self.p
        live = going
        may_remove = may_remove & (self.cordon_group < 0)
        ready = np.zeros(self.needed.shape, dtype=bool)
        for g in reversed(range(self.v.groups)):
            needed = self.needed[:, g]
            since = self.unneeded[:, g]  # a view: the updates below land in the timers
            np.copyto(since, np.nan, where=live & needed)
            idle = live & ~needed
            np.copyto(since, t, where=idle & np.isnan(since))
            ready[:, g] = idle & may_remove & (t - since >= p["unneeded_s"])
        # _choose: a waiting removal goes once validated if its group is still ready, else is
        # dropped; without one, the last ready group goes, or is chosen to wait
        waiting = live & (self.cmd_group >= 0)
        # most scans: nothing to choose or carry out
        if not (np.count_nonzero(waiting) or np.count_nonzero(ready)):
            return
        due = (waiting & (t - self.cmd_t >= p["validation_s"])).nonzero()[0]
        cmd_g = self.cmd_group[due]
        run = ready[due, cmd_g]
        self.cmd_group[due] = -1
        first = self.v.groups - 1 - np.argmax(ready[:, ::-1], axis=1)
        fresh = live & ~waiting & ready.any(axis=1)
        wait = fresh & (p["validation_s"] > 0)
        self.cmd_group[wait] = first[wait]
        self.cmd_t[wait] = t
        now = (fresh & ~wait).nonzero()[0]
        rows = np.concatenate([due[run], now])
        if not rows.size:
            return
        gg = np.concatenate([cmd_g[run], first[now]])
        after = np.concatenate([t - self.cmd_t[due[run]], np.full(now.size, np.nan)])
        before = self.nodes[rows, gg].copy()
        util = self.util[rows, gg].copy()
        evicted = self.scheduled[rows, gg] // before
        cordon = p["termination_s"][rows, gg] > 0
        for i, r in enumerate(rows.tolist()):
            if cordon[i]:
                self.cordon_why[r] = (float(util[i]), int(evicted[i]),
                                      None if np.isnan(after[i]) else float(after[i]))
        cr = rows[cordon]
        self.cordon_group[cr] = gg[cordon]
        self.cordon_t[cr] = t
        self.dirty[cr] = True
        gone = ~cordon
        if np.count_nonzero(gone):
            fr, fg = rows[gone], gg[gone]
            self._set_nodes(fr, fg, np.full(fr.size, t), before[gone] - 1)
            self.node_downs[fr] += 1
            if self.log is not None:
                for i in gone.nonzero()[0].tolist():
                    self.log.append((t, int(rows[i]), "down", int(gg[i]), int(before[i]),
                                     int(before[i] - 1), (float(util[i]), int(evicted[i]),
                                     None if np.isnan(after[i]) else float(after[i]), None)))
        self.evict(rows, gg, evicted, t)

    def _retire_cordoned(self, t: float) -> None:
        """``cluster_scale_down.drain`` of an emptied node: it goes once its pods have
        terminated, its group's ``termination_s`` after its last eviction."""
        rows = (self.cordon_group >= 0).nonzero()[0]
        if not rows.size:  # most scans: no node is draining
            return
        # the wait of each cordoned node's group, looked up for those variants only
        g = self.cordon_group[rows]
        done = t - self.cordon_t[rows] >= self.p["termination_s"][rows, g]
        rows, g = rows[done], g[done]
        if not rows.size:
            return
        before = self.nodes[rows, g].copy()
        self.cordon_group[rows] = -1
        self._set_nodes(rows, g, np.full(rows.size, t), before - 1)
        self.node_downs[rows] += 1
        for i, r in enumerate(rows.tolist()):
            util, evicted, after = self.cordon_why.pop(r)
            if self.log is not None:
                self.log.append((t, r, "down", int(g[i]), int(before[i]), int(before[i] - 1),
                                 (util, evicted, after, float(self.cordon_t[r]))))

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
        util, evicted, after, evicted_at = extra
        why = (f"utilization {util:.0%} < {ca.scale_down_utilization_threshold:.0%} for "
               f"{ca.scale_down_unneeded_s:g} s"
               + ("" if after is None else f", validated {after:g} s later"))
        if evicted_at is None:
            return (t, row, f"node_scale_down:{spec.node_groups[g].name}", a, b,
                    f"{why}; {evicted} pod(s) evicted")
        return (t, row, f"node_scale_down:{spec.node_groups[g].name}", a, b,
                f"{why}; {evicted} pod(s) evicted at {evicted_at:g} s; gone "
                f"{ca.termination_s(spec.node_groups[g]):g} s after its last eviction, once "
                "its pods had "
                "terminated (terminationGracePeriodSeconds)")
