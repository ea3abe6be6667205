"""Per-node bin-packing by CPU, memory and pod slots: one node's free room and the cohorts on it
(``Node``, ``PlacedCohort``), how many pods of one size fit a room (``fit``) and first-fit
packing into several rooms (``pack``). Used by :mod:`infra_toolkit.shared_nodes`' scheduler and
cluster autoscaler."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from infra_toolkit.controller_view import Cohort

__all__ = ["EPS", "Node", "PlacedCohort", "fit", "pack"]

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
          n: int) -> int:
    """Put ``n`` pods into ``rooms`` (``[group, cpu, memory, pods]`` free), first fit, only in
    the ``allowed`` groups; the pods left over."""
    for r in rooms:
        if n == 0:
            break
        if int(r[0]) not in allowed:
            continue
        k = min(n, fit(r[1], r[2], int(r[3]), cpu, memory))
        if k:
            r[1] -= k * cpu
            r[2] -= k * memory
            r[3] -= k
            n -= k
    return n
