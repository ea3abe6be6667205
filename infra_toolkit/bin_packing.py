"""Per-node bin-packing by CPU, memory and pod slots: one node's free room and the cohorts on it
(``Node``, ``PlacedCohort``), how many pods of one size fit a room (``fit``) and first-fit
packing into several rooms (``pack``), with a cap on one Deployment's pods a room (one a node
for a required pod anti-affinity on ``kubernetes.io/hostname``), and the order a cluster's
starting pods are packed in (``warm_order``). Used by :mod:`infra_toolkit.shared_nodes`'
scheduler, warm start and cluster autoscaler, and by ``room_beside`` (the room left for one
workload beside others' pods at max size, for the rollout figures) and ``nodes_used`` (the
nodes a set of pods takes, for a rollout's extra nodes), which place the pods already there as
the warm start does and the pods added as the scheduler does."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from infra_toolkit.controller_view import Cohort
from infra_toolkit.errors import SimulationError
from infra_toolkit.fixed_pods import FixedPods
from infra_toolkit.nodes import NodeGroup

__all__ = ["EPS", "Node", "PlacedCohort", "Pods", "empty_node", "fit", "nodes_used", "pack",
           "room_beside", "start_nodes", "warm_order"]

# the fit arithmetic's tolerance; also a zero request's stand-in when asking whether a pod fits
EPS = 1e-9


@dataclass(eq=False)
class PlacedCohort(Cohort):
    """A cohort of one owner (index into
    :attr:`~infra_toolkit.shared_nodes.SharedNodes.owners`), on one node once placed."""

    owner: int = -1
    node: Node | None = None
    # identity, not value: cohorts of two owners may hold equal names and times
    __eq__ = object.__eq__
    __hash__ = object.__hash__


@dataclass(eq=False)
class Node:
    """One node: its group (index), id, free room and the cohorts on it."""

    group: int
    ident: int
    cpu_free: float
    memory_free: float
    pods_free: int
    cohorts: list[PlacedCohort] = field(default_factory=list)
    unneeded_since: float | None = None
    peak: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # cpu, memory, pods


def fit(cpu_free: float, memory_free: float, pods_free: int, cpu: float, memory: float) -> int:
    """How many pods with these requests fit in this room (a request of 0 takes only a slot)."""
    by_cpu = math.floor(cpu_free / cpu + EPS) if cpu > 0 else pods_free
    by_memory = math.floor(memory_free / memory + EPS) if memory > 0 else pods_free
    return max(0, min(pods_free, by_cpu, by_memory))


def pack(rooms: list[list[float]], allowed: Sequence[int], cpu: float, memory: float,
         n: int, cap: int | None = None, held: dict[int, int] | None = None) -> int:
    """Put ``n`` pods into ``rooms`` (``[group, cpu, memory, pods]`` free), first fit, only in
    the ``allowed`` groups, at most ``cap`` of them a room (``None``: no cap) counting the pods
    of their Deployment already there (``held``: by the room's ``id()``, none if missing;
    updated, so several calls for one Deployment share it; the rooms must outlive it); the pods
    left over."""
    limit = 0 if cap is None else cap
    if cap is None:
        held = None  # no cap: nothing to count
    elif held is None:
        held = {}
    for r in rooms:
        if n == 0:
            break
        if int(r[0]) not in allowed:
            continue
        k = min(n, fit(r[1], r[2], int(r[3]), cpu, memory))
        if held is not None:
            there = held.get(id(r), 0)
            k = min(k, limit - there)
            if k > 0:
                held[id(r)] = there + k
        if k > 0:
            r[1] -= k * cpu
            r[2] -= k * memory
            r[3] -= k
            n -= k
    return n


def empty_node(g: int, grp: NodeGroup) -> list[float]:
    """The free room of one empty node of group ``g``: ``[group, cpu, memory, pods]``."""
    return [g, grp.allocatable_cpu_millicores, grp.allocatable_memory_mib,
            grp.max_pods - grp.daemonset_pods]


class Pods(NamedTuple):
    """One Deployment's pods as the warm start packs them: the groups they may use (indices,
    priority order), one pod's requests (CPU millicores, memory MiB), how many, the most of
    them a node may hold (``None``: no cap)."""

    groups: tuple[int, ...]
    cpu: float
    memory: float
    n: int
    cap: int | None = None


def start_nodes(groups: Sequence[NodeGroup], pods: Sequence[Pods]) -> tuple[int, int]:
    """(Nodes, pods left without room) when ``pods`` are placed in this order as the warm start
    places them: every group at ``min_size``, each Deployment first fit (groups in priority
    order, nodes in the order added), then nodes added to each group in turn, one at a time,
    while pods that may use it wait and it is below ``max_size``."""
    rooms = [empty_node(g, grp) for g, grp in enumerate(groups) for _ in range(grp.min_size)]
    nodes = len(rooms)
    left = [p.n for p in pods]
    mine: list[dict[int, int]] = [{} for _ in pods]

    def place(into: list[list[float]]) -> None:
        for i, p in enumerate(pods):
            if left[i]:
                left[i] = pack(into, p.groups, p.cpu, p.memory, left[i], p.cap, mine[i])

    place(rooms)
    for g, grp in enumerate(groups):
        added = 0
        while (grp.min_size + added < grp.max_size
               and any(k and g in p.groups for k, p in zip(left, pods, strict=True))):
            # a waiting pod fitted none of the nodes there before (they only filled since):
            # the new node is the only one to try, as the scheduler's next pass finds
            room = empty_node(g, grp)
            rooms.append(room)  # kept: ``mine`` counts by the room's id()
            place([room])
            added += 1
            nodes += 1
    return nodes, sum(left)


def warm_order(groups: Sequence[NodeGroup], pods: Sequence[Pods]) -> list[int]:
    """The order (indices into ``pods``) the warm start places a cluster's starting pods in:
    the largest requests first (CPU, then memory; equal sizes in their given order), a
    first-fit decreasing packing, unless the given order leaves fewer pods without room or
    opens fewer nodes (first-fit decreasing usually opens the fewest, not always: DESIGN.md).
    Web, web, api, api of 500m, 500m, 1,000m, 1,000m on 1,900m nodes: api first, 2 nodes,
    not 3."""
    given = list(range(len(pods)))
    largest = sorted(given, key=lambda i: (-pods[i].cpu, -pods[i].memory))

    def cost(order: list[int]) -> tuple[int, int]:
        nodes, short = start_nodes(groups, [pods[i] for i in order])
        return short, nodes

    return given if cost(given) < cost(largest) else largest


def room_beside(groups: Sequence[NodeGroup], held: Sequence[FixedPods],
                cpu_request_millicores: float, memory_request_mib: float,
                node_groups: Sequence[NodeGroup], max_pods_per_node: int | None = None
                ) -> tuple[int, int]:
    """(How many pods with these requests, at most ``max_pods_per_node`` a node, fit on
    ``node_groups``, pods that found no room) with every group of ``groups`` (scale-up priority
    order) at ``max_size`` and the ``held`` pods placed first as the simulator's warm start
    places them (:func:`warm_order`: each Deployment in that order, first fit on the nodes
    of its groups in priority order, each at most its own ``max_pods_per_node`` a node), then
    these pods first fit, as the scheduler places new pods (not the best packing there is)."""
    rooms, short = _placed(groups, held, node_groups, "room_beside")
    index = {g.name: i for i, g in enumerate(groups)}
    # more than every free pod slot: what is left over says how many fitted
    most = sum(g.max_size * (g.max_pods - g.daemonset_pods) for g in node_groups) + 1
    left = pack(rooms, [index[g.name] for g in node_groups], cpu_request_millicores,
                memory_request_mib, most, max_pods_per_node)
    return most - left, short


def _placed(groups: Sequence[NodeGroup], held: Sequence[FixedPods],
            also: Sequence[NodeGroup], caller: str, later: Sequence[FixedPods] = ()
            ) -> tuple[list[list[float]], int]:
    """Every node of ``groups`` at ``max_size`` (each group's ``min_size`` nodes first, in
    priority order, then the nodes each group may add, as :func:`start_nodes` lays them out)
    with the ``held`` pods placed as the warm start places them (:func:`warm_order`), then the
    ``later`` ones first fit in turn, and the pods that found no room (``also``: more groups
    that must be among ``groups``)."""
    index = {g.name: i for i, g in enumerate(groups)}
    missing = {g.name for h in [*held, *later] for g in h.node_groups} | {g.name for g in also}
    if missing - set(index):
        raise SimulationError(f"{caller}: node group(s) {sorted(missing - set(index))} are "
                              f"not among the groups given ({sorted(index)}); pass every group")
    # the warm start's order (start_nodes): every group's min_size nodes are there first, so
    # pods fill an idle minimum node of a later group before a new node of an earlier one
    rooms = [*(empty_node(i, g) for i, g in enumerate(groups) for _ in range(g.min_size)),
             *(empty_node(i, g) for i, g in enumerate(groups)
               for _ in range(g.max_size - g.min_size))]
    # one count of each Deployment's pods a room, so a later part of it honours its cap too
    mine: dict[str, dict[int, int]] = {}
    pods = [Pods(tuple(sorted(index[g.name] for g in h.node_groups)), h.cpu_request_millicores,
                 h.memory_request_mib, h.replicas, h.max_pods_per_node) for h in held]
    ordered = [held[i] for i in warm_order(groups, pods)]
    short = sum(pack(rooms, [index[g.name] for g in h.node_groups], h.cpu_request_millicores,
                     h.memory_request_mib, h.replicas, h.max_pods_per_node,
                     mine.setdefault(h.name, {})) for h in [*ordered, *later])
    return rooms, short


def nodes_used(groups: Sequence[NodeGroup], held: Sequence[FixedPods],
               later: Sequence[FixedPods] = ()) -> tuple[dict[str, int], int]:
    """(Nodes per group name that hold at least one of the ``held`` or ``later`` pods, never
    fewer than the group's ``min_size``; pods that found no room) when they are placed as
    :func:`room_beside` places them: the ``held`` ones as the warm start (:func:`warm_order`, each
    Deployment first fit on the nodes of its groups in the ``groups``, scale-up priority,
    order), then the ``later`` ones first fit in turn (as the pods :func:`room_beside` counts:
    the workload rolled out; a Deployment's cap counts its ``held`` and ``later`` pods of one
    name together), at most ``max_size`` nodes a group."""
    rooms, short = _placed(groups, held, (), "nodes_used", later)
    used = {g.name: 0 for g in groups}
    for r in rooms:
        g = groups[int(r[0])]
        if r[3] < empty_node(int(r[0]), g)[3]:  # a pod slot taken: a pod is there
            used[g.name] += 1
    return {g.name: max(g.min_size, used[g.name]) for g in groups}, short
