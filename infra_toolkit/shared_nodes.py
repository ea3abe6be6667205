"""Shared nodes: the nodes, the scheduler and one cluster autoscaler for the pods of several
Deployments (internal to :mod:`infra_toolkit.shared_cluster`, which documents the model); the
autoscaler's scale-down (candidates, PodDisruptionBudget holds, staged drain) is
:mod:`infra_toolkit.shared_scale_down`.

Pods of different sizes share nodes, so every node is held on its own (free CPU millicores,
memory MiB and pod slots), unlike :mod:`infra_toolkit.nodes`' slot counts for one pod size.
A Deployment's pods are held as cohorts (:class:`~infra_toolkit.controller_view.Cohort`), split
so that each placed cohort sits on one node; the bin-packing is :mod:`infra_toolkit.bin_packing`.
A Deployment with a cap of pods a node (``max_pods_per_node``: one for a required pod
anti-affinity on ``kubernetes.io/hostname``) gets no more of its pods on a node than that, from
the scheduler, the scale-up's packing and the scale-down's check that a node's pods fit elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from infra_toolkit.bin_packing import (
    EPS,
    Node,
    PlacedCohort,
    Pods,
    empty_node,
    fit,
    pack,
    warm_order,
)
from infra_toolkit.controller_view import LONG_AGO_S
from infra_toolkit.disruption_budget import DisruptionBudget
from infra_toolkit.errors import SimulationError
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup, pod_slots
from infra_toolkit.shared_scale_down import drain, pods_of, scale_down
from infra_toolkit.tick_buffers import first_tick_at

__all__ = ["LONG_AGO_S", "Owner", "SharedNodes", "union_groups"]


def union_groups(owners: Sequence[Any]) -> tuple[NodeGroup, ...]:
    """Every node group of ``owners`` (simulation specs, :class:`FixedPods`), once, in an order
    that keeps each owner's (the shared scale-up priority): a group comes after every group an
    owner lists before it, otherwise in order of first appearance (which also settles owners
    that disagree). A plan gives each owner the groups it may use in the cluster's one order
    (NodePools by weight), so a first owner limited to a later group does not put it ahead for
    the owners that may use both. A name given with two different settings is an error."""
    found: dict[str, NodeGroup] = {}
    after: dict[str, set[str]] = {}  # group -> the groups some owner lists before it
    for owner in owners:
        listed: list[str] = []
        for g in owner.node_groups:
            if found.setdefault(g.name, g) != g:
                raise SimulationError(
                    f"node group {g.name!r} is given twice with different settings "
                    f"({found[g.name]} and {g}); the workloads sharing it must give the same "
                    "NodeGroup")
            after.setdefault(g.name, set()).update(listed)
            listed.append(g.name)
    left, done = list(found), set[str]()
    order = []
    while left:
        # a few groups: quadratic is nothing; without a free one the owners disagree (a cycle),
        # so first appearance decides
        name = next((n for n in left if after[n] <= done | {n}), left[0])
        left.remove(name)
        done.add(name)
        order.append(found[name])
    return tuple(order)



class Owner:
    """The pods of one Deployment: one pod's requests, the groups they may use (priority
    order), the most of them a node may hold (``cap``, ``None``: no cap), its cohorts, pods per
    group, the change log of that count, and (for a workload) its start-up delays and
    Ready-count deltas per tick."""

    def __init__(self, index: int, name: str, cpu: float, memory: float, groups: list[int],
                 n_groups: int, cap: int | None = None) -> None:
        self.index, self.name, self.cpu, self.memory = index, name, cpu, memory
        self.groups, self.cap = groups, cap
        self.cohorts: list[PlacedCohort] = []
        self.on_group = [0] * n_groups
        self.placed: list[list[tuple[int, int]]] = [[(0, 0)] for _ in range(n_groups)]
        self.serial = self.version = 0
        self.bind_to_running_s = self.startup_to_ready_s = 0.0
        self.ready_delta: list[int] | None = None
        self.records: list[tuple[float, float, int, int, int]] = []
        # its PodDisruptionBudget and desired replicas (the budget's expected count)
        self.budget: DisruptionBudget | None = None
        self.replicas = 0

    def ready_at(self, t: float, tick_s: int) -> int:
        """How many of its pods are Ready at ``t`` (on a node, past their Ready tick)."""
        return sum(len(c.names) for c in self.cohorts
                   if c.group >= 0 and c.ready_tick * tick_s <= t)

    def new_names(self, n: int) -> list[str]:
        """``n`` fresh pod names."""
        first = self.serial
        self.serial += n
        return [f"p{i}" for i in range(first, first + n)]


class SharedNodes:
    """The nodes of ``groups``, the pods of ``owners`` on them, the scheduler and the cluster
    autoscaler ``ca``; times in seconds, ticks of ``tick_s`` over ``n_ticks``."""

    def __init__(self, groups: tuple[NodeGroup, ...], owners: list[Owner],
                 ca: ClusterAutoscalerSpec, tick_s: int, n_ticks: int) -> None:
        self.groups, self.owners, self.ca = groups, owners, ca
        self.tick_s, self.n_ticks = tick_s, n_ticks
        for o in owners:
            for g in o.groups:  # a pod that fits no empty node of its group: pod_slots says so
                pod_slots(groups[g], max(o.cpu, EPS), max(o.memory, EPS))
        self.pending: list[PlacedCohort] = []
        self.nodes: list[list[Node]] = [[] for _ in groups]
        self.retired: list[Node] = []
        self.serial = 0
        self.events: list[tuple[float, str, int, int, str]] = []
        self.node_changes: list[list[tuple[int, int]]] = [[] for _ in groups]
        # nodes launched and not yet Ready (billed from the scan that launched them)
        self.launching_changes: list[list[tuple[int, int]]] = [[(0, 0)] for _ in groups]
        self.upcoming: list[tuple[float, int, int]] = []  # (ready time, group, nodes)
        self.last_scale_up_s = -math.inf
        self.stuck = False
        # bumped by every change of a node's pods or of the node set: a scale-down scan with
        # nothing changed since the last reuses its fit checks, the same answers (audit15 A15-9:
        # rebuilding every other node's room per node made the checks quadratic in nodes)
        self.layout = 0
        self.fits_checked: dict[int, tuple[int, bool]] = {}  # node ident -> (layout, fits)
        # node ident -> the budget hold last logged, until the node is next free to go (one
        # event a hold, not one each time the node drops out of candidacy and comes back)
        self.blocked: dict[int, str] = {}
        # the cordoned node being drained: (node, when its drain started, when its last pod
        # left (its pods terminating) or None, why it goes) (shared_scale_down.drain)
        self.draining: tuple[Node, float, float | None, str] | None = None
        # the node (ident) chosen for removal waiting for its validation, the scan that chose it
        self.command: tuple[int, float] | None = None

    def tick_at(self, t: float) -> int:
        """The first tick at or after ``t`` seconds."""
        return first_tick_at(t, self.tick_s, self.n_ticks + 1)

    # ---- pods ----------------------------------------------------------------------------
    def create(self, o: Owner, n: int, t: float) -> None:
        """``n`` new Pending pods of ``o`` at ``t`` (placed by the next :meth:`place`)."""
        c = PlacedCohort(o.new_names(n), t, owner=o.index)
        o.cohorts.append(c)
        self.pending.append(c)
        o.version += 1

    def place(self, t: float) -> None:
        """The scheduler at ``t``: pending pods, oldest first, on the first node with room."""
        for c in list(self.pending):
            o = self.owners[c.owner]
            for g in o.groups:
                for node in self.nodes[g]:
                    if self.draining is not None and node is self.draining[0]:
                        continue  # cordoned
                    k = min(len(c.names), fit(node.cpu_free, node.memory_free, node.pods_free,
                                               o.cpu, o.memory))
                    if k > 0 and o.cap is not None:
                        k = min(k, o.cap - pods_of(o, node))
                    if k > 0:
                        self._bind(c, k, node, t)
                        if c not in self.pending:
                            break
                if c not in self.pending:
                    break

    def _bind(self, c: PlacedCohort, k: int, node: Node, t: float) -> None:
        o, g = self.owners[c.owner], node.group
        piece = c
        if k < len(c.names):  # split: the placed part becomes its own cohort
            piece = PlacedCohort(c.names[:k], c.created_s, owner=c.owner)
            del c.names[:k]
            o.cohorts.insert(o.cohorts.index(c), piece)
        else:
            self.pending.remove(c)
        piece.group, piece.node, piece.scheduled_s = g, node, t
        piece.running_s = t + o.bind_to_running_s
        piece.ready_tick = self.tick_at(piece.running_s + o.startup_to_ready_s)
        if o.ready_delta is not None:
            o.ready_delta[min(piece.ready_tick, self.n_ticks + 1)] += k
        node.cpu_free -= k * o.cpu
        node.memory_free -= k * o.memory
        node.pods_free -= k
        grp = self.groups[g]
        node.peak = [max(node.peak[0], grp.allocatable_cpu_millicores - node.cpu_free),
                     max(node.peak[1], grp.allocatable_memory_mib - node.memory_free),
                     max(node.peak[2], grp.max_pods - grp.daemonset_pods - node.pods_free)]
        node.cohorts.append(piece)
        self._count(o, g, k, t)
        o.version += 1
        self.layout += 1

    def _count(self, o: Owner, g: int, k: int, t: float) -> None:
        o.on_group[g] += k
        o.placed[g].append((self.tick_at(t), o.on_group[g]))

    def remove(self, c: PlacedCohort, k: int, t: float) -> None:
        """``k`` pods of ``c`` end at ``t`` (deleted or evicted; newest names first)."""
        o = self.owners[c.owner]
        j = self.tick_at(t)
        node = c.node
        if node is not None:
            node.cpu_free += k * o.cpu
            node.memory_free += k * o.memory
            node.pods_free += k
            self._count(o, c.group, -k, t)
            if o.ready_delta is not None:
                o.ready_delta[min(max(j, c.ready_tick), self.n_ticks + 1)] -= k
        o.records.append((c.created_s, c.scheduled_s, c.ready_tick, j, k))
        del c.names[len(c.names) - k:]
        o.version += 1
        self.layout += 1
        if not c.names:
            o.cohorts.remove(c)
            if node is not None:
                node.cohorts.remove(c)
            else:
                self.pending.remove(c)

    def delete(self, o: Owner, n: int, t: float) -> None:
        """The Deployment scaled down by ``n`` at ``t``: ReplicaSet order (unscheduled, then not
        ready, then ready; newest first in each)."""
        for rank in (0, 1, 2):
            for c in reversed(list(o.cohorts)):
                if n == 0:
                    return
                state = 0 if c.group < 0 else (1 if c.ready_tick * self.tick_s > t else 2)
                if state == rank:
                    k = min(n, len(c.names))
                    self.remove(c, k, t)
                    n -= k

    # ---- nodes ---------------------------------------------------------------------------
    def add_node(self, g: int) -> None:
        """One new empty node in group ``g``."""
        grp = self.groups[g]
        self.nodes[g].append(Node(g, self.serial, grp.allocatable_cpu_millicores,
                                  grp.allocatable_memory_mib, grp.max_pods - grp.daemonset_pods))
        self.serial += 1
        self.layout += 1

    def start(self, initial: list[int]) -> None:
        """The run's start: each group at ``min_size``, then ``initial[i]`` warm pods of owner
        ``i``, in :func:`~infra_toolkit.bin_packing.warm_order` (largest requests first, unless
        the owners' order packs them into fewer nodes), with nodes added group by group until
        they fit (:func:`~infra_toolkit.bin_packing.start_nodes` counts the same)."""
        for g, grp in enumerate(self.groups):
            for _ in range(grp.min_size):
                self.add_node(g)
        # a steady cluster is what cluster-autoscaler left after removing what was not needed,
        # not the plan's order first fit (audit18 A18-6: web, web, api, api took 3 nodes for 2)
        order = warm_order(self.groups, [Pods(tuple(o.groups), o.cpu, o.memory, n, o.cap)
                                         for o, n in zip(self.owners, initial, strict=True)])
        for i in order:
            if initial[i]:
                self.create(self.owners[i], initial[i], LONG_AGO_S)
        self.place(LONG_AGO_S)
        for g, grp in enumerate(self.groups):
            while self.pending and len(self.nodes[g]) < grp.max_size and any(
                    g in self.owners[c.owner].groups for c in self.pending):
                self.add_node(g)
                self.place(LONG_AGO_S)
        if self.pending:
            names = sorted({self.owners[c.owner].name for c in self.pending})
            raise SimulationError(
                f"the initial pods of {', '.join(names)} do not fit on the node groups at "
                "max_size; raise max_size or lower initial_replicas / replicas")
        self.node_changes = [[(0, len(ns))] for ns in self.nodes]
        for o in self.owners:
            o.placed = [[(0, k)] for k in o.on_group]
            for c in o.cohorts:
                c.running_s, c.ready_tick = LONG_AGO_S, 0

    def arrive(self, t: float) -> None:
        """The first batch of provisioned nodes is Ready at ``t``."""
        _, g, k = self.upcoming.pop(0)
        for _ in range(k):
            self.add_node(g)
        self.node_changes[g].append((self.tick_at(t), len(self.nodes[g])))
        self._set_launching(g, t)
        self.place(t)

    def _in_flight(self, g: int) -> int:
        """Group ``g``'s nodes launched and not yet Ready."""
        return sum(k for _, gg, k in self.upcoming if gg == g)

    def _set_launching(self, g: int, t: float) -> None:
        self.launching_changes[g].append((self.tick_at(t), self._in_flight(g)))

    def _fresh(self, g: int) -> list[float]:
        return empty_node(g, self.groups[g])

    def scan(self, t: float) -> None:
        """One cluster-autoscaler scan at ``t``: scale-up for pending pods, else scale-down."""
        if self.draining is not None:
            drain(self, t)
        if self.pending:
            self._scale_up(t)
        else:
            self.stuck = False
        if self.pending:  # every slot a pending pod fits is taken: nothing is unneeded
            for ns in self.nodes:
                for node in ns:
                    node.unneeded_since = None
            self.command = None  # a removal waiting for validation finds the cluster changed
            return
        # unneeded time counts through the delay after a scale-up, which only holds removals
        # (cluster-autoscaler's UpdateClusterState runs before its scaleDownInCooldown check)
        scale_down(self, t, t - self.last_scale_up_s < self.ca.scale_down_delay_after_add_s)

    def _scale_up(self, t: float) -> None:
        n_pending = sum(len(c.names) for c in self.pending)
        coming = [self._fresh(g) for _, g, k in self.upcoming for _ in range(k)]
        left: list[tuple[Owner, int]] = []
        # each capped owner's pods per room so far, shared by its cohorts (by the room's id():
        # one count per list of rooms, dropped with it, so a freed room's id is never reused)
        held: dict[int, dict[int, int]] = {}
        for c in self.pending:
            o = self.owners[c.owner]
            n = pack(coming, o.groups, o.cpu, o.memory, len(c.names), o.cap,
                     held.setdefault(o.index, {}))
            if n:
                left.append((o, n))
        for g, grp in enumerate(self.groups):
            if not left:
                break
            in_flight = self._in_flight(g)
            room = grp.max_size - len(self.nodes[g]) - in_flight
            opened: list[list[float]] = []
            held_opened: dict[int, dict[int, int]] = {}
            still: list[tuple[Owner, int]] = []
            for o, n in left:
                if g in o.groups:
                    mine = held_opened.setdefault(o.index, {})
                    n = pack(opened, (g,), o.cpu, o.memory, n, o.cap, mine)
                    while n and len(opened) < room:
                        opened.append(self._fresh(g))
                        n = pack(opened[-1:], (g,), o.cpu, o.memory, n, o.cap, mine)
                if n:
                    still.append((o, n))
            left = still
            k = len(opened)
            if k == 0:
                continue
            ready_s = t + self.ca.provisioning_delay_s
            self.upcoming.append((ready_s, g, k))
            self.upcoming.sort()
            self._set_launching(g, t)
            now = len(self.nodes[g]) + in_flight
            self.events.append((t, f"node_scale_up:{grp.name}", now, now + k,
                                (f"{n_pending} pending pod(s) need {k} more "
                                 f"{grp.instance_type} node(s), Ready at {ready_s:g} s")))
            self.last_scale_up_s = t
            # one group a scan, as cluster-autoscaler's expander picks one option a loop: the
            # pods it cannot hold wait for the next scan's choice (or fit nowhere now, when no
            # group they may use is below max_size)
            left = [(o, n) for o, n in left if not any(
                self.groups[h].max_size > len(self.nodes[h]) + sum(
                    kk for _, gg, kk in self.upcoming if gg == h) for h in o.groups)]
            break
        short = sum(n for _, n in left)
        if short and not self.stuck:
            self.events.append((t, "node_scale_up_failed", 0, 0,
                                f"{short} pending pod(s) fit no node group: all at max_size"))
        self.stuck = short > 0


    def node_peaks(self) -> list[tuple[str, int, float, float, int]]:
        """Every node the run had: group name, id, peak CPU (millicores), memory (MiB), pods."""
        every = sorted([*self.retired, *(n for ns in self.nodes for n in ns)],
                       key=lambda n: n.ident)
        return [(self.groups[n.group].name, n.ident, n.peak[0], n.peak[1], int(n.peak[2]))
                for n in every]
