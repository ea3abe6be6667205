"""The state of a sweep's cluster (:mod:`infra_toolkit.sweep_cluster`): arrays with one row per
variant for its pod cohorts (:mod:`infra_toolkit.sweep_pods`), its nodes and the cluster
autoscaler, and ``tick_at``, the tick an instant falls on.

Pods are held as cohorts like the scalar loop (pods created at one instant and placed on one node
group together), in a fixed number of slots per variant that grows when needed (``cnt == 0`` is a
free slot). Ready counts per tick are a ring of deltas (``ready_delta`` of the scalar loop) indexed
by the absolute tick; node-tick totals and spec-tick totals are accumulated as areas when they
change, and the node-ticks of nodes launched but not yet Ready (billed) when the scan launches them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infra_toolkit.sweep_params import Variants

__all__ = ["NOT_YET", "SORTS_LAST", "ClusterState"]

NOT_YET = 2**40  # tick index of an event that has not happened
SORTS_LAST = np.iinfo(np.int64).max  # a sort key after every cohort's and node group's


class ClusterState:
    """The arrays of a batch of variants' cohorts, nodes and cluster autoscaler."""

    def __init__(self, v: Variants, n_ticks: int, ring_rows: int,
                 log: list[tuple[Any, ...]] | None) -> None:
        p = v.a
        self.v, self.p, self.n_ticks, self.tick = v, p, n_ticks, v.tick_s
        n, g = len(v.specs), v.groups
        self.n = n
        self.every_variant = np.ones(n, dtype=bool)  # a mask of all rows (read, never written)
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
        # the removal chosen and waiting for its validation: its group (-1: none), the scan
        self.cmd_group = np.full(n, -1, dtype=np.int64)
        self.cmd_t = np.zeros(n)
        # the cordoned node, emptied, its pods terminating: its group (-1: none), when its last
        # pod left, and (utilization, pods evicted, seconds validated after) for the event log
        self.cordon_group = np.full(n, -1, dtype=np.int64)
        self.cordon_t = np.zeros(n)
        self.cordon_why: dict[int, tuple[float, int, float | None]] = {}

    def usable_nodes(self, rows: np.ndarray) -> np.ndarray:
        """Each group's nodes of ``rows`` that take pods: the cordoned one left out."""
        usable: np.ndarray = self.nodes[rows] - (self.cordon_group[rows, None]
                                                 == np.arange(self.v.groups))
        return usable

    def tick_at(self, t: np.ndarray) -> np.ndarray:
        """``tick_at`` of the scalar loop: the first tick at or after ``t`` (clamped)."""
        return np.minimum(self.n_ticks + 1, np.maximum(0, np.ceil(t / self.tick - 1e-9))).astype(
            np.int64)
