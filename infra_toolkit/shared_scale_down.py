"""Shared nodes' scale-down: the cluster autoscaler's scale-down half for
:class:`~infra_toolkit.shared_nodes.SharedNodes` (internal; :mod:`infra_toolkit.shared_cluster`
documents the model).

Each scan's per-node candidates (utilization under the threshold, pods that fit on the other
nodes, the unneeded time), a node held while a PodDisruptionBudget allows none of its pods'
evictions (charged per scan under cluster-autoscaler's rules), the staged drain of a cordoned
node while a budget allows fewer evictions than its pods, and the node's removal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from infra_toolkit.bin_packing import Node, pack
from infra_toolkit.nodes import request_utilization

if TYPE_CHECKING:
    from infra_toolkit.shared_nodes import Owner, SharedNodes

__all__ = ["choose_removal", "drain", "pods_of", "scale_down"]


def pods_of(o: Owner, node: Node) -> int:
    """How many pods of ``o`` are on ``node``."""
    return sum(len(c.names) for c in node.cohorts if c.owner == o.index)


def _utilization(sn: SharedNodes, node: Node) -> float:
    grp = sn.groups[node.group]
    return request_utilization(grp, grp.allocatable_cpu_millicores - node.cpu_free,
                               grp.allocatable_memory_mib - node.memory_free)


def _fits_elsewhere(sn: SharedNodes, node: Node) -> bool:
    checked = sn.fits_checked.get(node.ident)
    if checked is not None and checked[0] == sn.layout:
        return checked[1]
    fits = _fits_on_others(sn, node)
    sn.fits_checked[node.ident] = (sn.layout, fits)
    return fits


def _fits_on_others(sn: SharedNodes, node: Node) -> bool:
    cordoned = sn.draining[0] if sn.draining is not None else None
    others = [n for ns in sn.nodes for n in ns if n is not node and n is not cordoned]
    rooms = [[n.group, n.cpu_free, n.memory_free, n.pods_free] for n in others]
    held: dict[int, dict[int, int]] = {}
    for c in node.cohorts:
        o = sn.owners[c.owner]
        if o.cap is not None and o.index not in held:  # its pods already on each other node
            held[o.index] = {id(r): pods_of(o, n) for r, n in zip(rooms, others,
                                                                 strict=True)}
        if pack(rooms, o.groups, o.cpu, o.memory, len(c.names), o.cap,
                held.get(o.index)) != 0:
            return False
    return True


def _on_node(node: Node) -> dict[int, int]:
    on_node: dict[int, int] = {}
    for c in node.cohorts:
        on_node[c.owner] = on_node.get(c.owner, 0) + len(c.names)
    return on_node


def _allowed(sn: SharedNodes, o: Owner, t: float) -> int:
    assert o.budget is not None
    return o.budget.disruptions_allowed(o.ready_at(t, sn.tick_s), o.replicas,
                                        sum(len(c.names) for c in o.cohorts))


def _budget_block(sn: SharedNodes, node: Node, t: float,
                  charged: dict[int, int]) -> tuple[str | None, bool]:
    """Why no pod of ``node`` may be evicted now under a PodDisruptionBudget (``None``: the
    node may go) and whether it must be drained in steps (a budget allows fewer evictions
    than its pods on the node); an admitted node's pods are charged to ``charged``.

    Cluster-autoscaler's planner checks each candidate with
    ``RemainingPdbTracker.CanRemovePods``: refused when a budget with pods on the node
    allows no disruption, admitted but not drained in parallel when it allows fewer than
    those pods; ``RemovePods`` then charges them all, so a later node of the same scan sees
    what is left (possibly below zero). Karpenter gates on ``pdb.Limits.CanEvictPods``
    (``disruption.NewCandidate``), each candidate against the budgets' status alone: with
    its drain rules nothing is charged."""
    on_node = _on_node(node)
    staged = False
    for index, n in on_node.items():
        o = sn.owners[index]
        if o.budget is None:
            continue
        ready, spent = o.ready_at(t, sn.tick_s), charged.get(index, 0)
        allowed = _allowed(sn, o, t) - spent
        if allowed < 1:
            return (f"blocked by PodDisruptionBudget {o.budget.name} ({o.name}): it allows "
                    f"no disruption now for its {n} pod(s) on node {node.ident} ({ready} "
                    f"Ready, {o.budget.desired_healthy(o.replicas)} to keep healthy"
                    f"{f', {spent} taken by nodes before it in this scan' if spent else ''})",
                    False)
        staged = staged or n > allowed
    if sn.ca.drain_rules == "cluster-autoscaler":
        for index, n in on_node.items():
            if sn.owners[index].budget is not None:
                charged[index] = charged.get(index, 0) + n
    return None, staged


def scale_down(sn: SharedNodes, t: float, cooldown: bool) -> None:
    """The scale-down half of ``sn``'s scan at ``t`` seconds: every node's unneeded time
    updated, then at most one node removed or its staged drain started (none in ``cooldown``,
    the delay after a scale-up)."""
    ca = sn.ca
    charged: dict[int, int] = {}  # evictions charged to each owner's budget in this scan
    cordoned = sn.draining[0] if sn.draining is not None else None
    # every node's timer is updated on the scan's state before one goes (a removal does
    # not keep the other nodes from counting their unneeded time this scan)
    ready_to_go: list[tuple[int, Node, float, bool]] = []
    for g in reversed(range(len(sn.groups))):
        grp, nodes = sn.groups[g], sn.nodes[g]
        for node in reversed(nodes):
            if node is cordoned:
                continue
            util = _utilization(sn, node)
            if (len(nodes) <= grp.min_size or util >= ca.scale_down_utilization_threshold
                    or grp.name in ca.undisruptable_groups
                    or not _fits_elsewhere(sn, node)):
                node.unneeded_since = None
                continue
            why, staged = _budget_block(sn, node, t, charged)
            if why is not None:
                # CA: a node the tracker refuses is unremovable, not unneeded: its timer
                # starts again when the budget allows, checked every scan. Karpenter: a
                # candidate skipped this time, its Consolidatable time counting on
                keeps = ca.drain_rules == "karpenter"
                node.unneeded_since = (t if node.unneeded_since is None
                                       else node.unneeded_since) if keeps else None
                if sn.blocked.get(node.ident) != why.split(":")[0]:
                    sn.blocked[node.ident] = why.split(":")[0]
                    sn.events.append((t, f"node_scale_down_blocked:{grp.name}",
                                        len(nodes), len(nodes),
                                        f"node {node.ident} utilization {util:.0%} < "
                                        f"{ca.scale_down_utilization_threshold:.0%} but "
                                        f"{why}; kept, checked again each scan"
                                        + (" (its unneeded time counting on)" if keeps
                                           else "")))
                continue
            sn.blocked.pop(node.ident, None)
            if node.unneeded_since is None:
                node.unneeded_since = t
            # one node drained at a time (CA's --max-drain-parallelism default 1), so none
            # goes while another drains; a NodePool's nodes as its budget allows
            if (not cooldown and cordoned is None
                    and t - node.unneeded_since >= ca.scale_down_unneeded_s
                    and ca.disruption_allowed(grp.name, len(nodes))):
                ready_to_go.append((g, node, util, staged))
    key, sn.command, validated = choose_removal(
        sn.command, [r[1].ident for r in ready_to_go], t, ca.consolidation_validation_s)
    if key is None:
        return
    # lowest priority group, newest first
    g, node, util, staged = next(r for r in ready_to_go if r[1].ident == key)
    grp = sn.groups[g]
    why_ = (f"node {node.ident} utilization {util:.0%} < "
            f"{ca.scale_down_utilization_threshold:.0%} for {ca.scale_down_unneeded_s:g} s"
            f"{validated}")
    if not staged:
        evicted = sum(len(c.names) for c in node.cohorts)
        if ca.termination_s(grp) <= 0:
            _retire(sn, node, t, f"{why_}; {evicted} pod(s) evicted")
            return
        # cordoned and emptied now; gone once its pods have terminated (drain)
        sn.draining = (node, t, t, f"{why_}; {evicted} pod(s) evicted at {t:g} s")
        sn.layout += 1
        _evict_all(sn, node, t)
        return
    # a budget allows fewer evictions than its pods here: cordon, evict what it allows now
    # and the rest as replacements become Ready (CA's sequential drain, each refused
    # eviction retried every 10 s, its default scan interval too, for MAX_POD_EVICTION_S;
    # Karpenter's eviction queue retries with backoff, without a limit)
    sn.draining = (node, t, None, "")
    sn.layout += 1
    n_nodes = len(sn.nodes[g])
    sn.events.append((t, f"node_drain_started:{grp.name}", n_nodes, n_nodes,
                        (f"{why_}; cordoned, its "
                         f"{sum(len(c.names) for c in node.cohorts)} pod(s) evicted as "
                         "their PodDisruptionBudgets allow")))
    drain(sn, t)


def choose_removal(waiting: tuple[int, float] | None, ready: Sequence[int], t: float,
                   wait_s: float) -> tuple[int | None, tuple[int, float] | None, str]:
    """Which candidate goes at ``t`` seconds, of ``ready`` (their keys, in the scan's order:
    their time up, free to go now): ``(the one that goes or None, the removal left waiting,
    the words saying it was validated)``. Without a validation wait (``wait_s`` 0), the first.
    With one (Karpenter's ``consolidationTTL``: each command checked again this long after it
    is computed, one command at a time), the first is only chosen (returned as waiting, with
    ``t``), and at the first scan ``wait_s`` after it goes if it is still ready, else is
    dropped; nothing else is chosen meanwhile."""
    if waiting is not None:
        key, since = waiting
        if t - since < wait_s:
            return None, waiting, ""
        return (key if key in ready else None), None, f", validated {t - since:g} s later"
    if not ready:
        return None, None, ""
    if wait_s <= 0:
        return ready[0], None, ""
    return None, (ready[0], t), ""


def _evict_all(sn: SharedNodes, node: Node, t: float) -> None:
    """Every pod of ``node`` evicted at ``t``, created again Pending and placed."""
    for c in list(node.cohorts):
        o, k = sn.owners[c.owner], len(c.names)
        sn.remove(c, k, t)
        sn.create(o, k, t)
    sn.place(t)


def drain(sn: SharedNodes, t: float) -> None:
    """The cordoned node's step at ``t``. Emptied, its pods terminating: it goes once
    ``ClusterAutoscalerSpec.termination_s`` of its group have passed since its last eviction.
    Drained in steps: each budgeted owner's pods as its budget allows now, every other pod at
    once; once empty, as above. With pods left at the drain's limit
    (``ClusterAutoscalerSpec.drain_limit_s``): cluster-autoscaler's ``MAX_POD_EVICTION_S``
    un-cordons and keeps it (its actuator gives up and removes its
    ToBeDeletedByClusterAutoscaler taint); Karpenter's NodePool ``terminationGracePeriod``
    deletes them and the node goes (``terminator.DeleteExpiringPods``); without one
    Karpenter never gives up."""
    assert sn.draining is not None
    node, start, emptied, why = sn.draining
    grp = sn.groups[node.group]
    term_s = sn.ca.termination_s(grp)
    if emptied is not None:
        if t - emptied >= term_s:
            sn.draining = None
            _retire(sn, node, t, f"{why}; gone {term_s:g} s after its last eviction, once "
                                 "its pods had terminated (terminationGracePeriodSeconds)")
        return
    limit_s = sn.ca.drain_limit_s(grp.name)
    over = limit_s is not None and t - start >= limit_s
    if not over:
        moved = False
        for index, n in _on_node(node).items():
            o = sn.owners[index]
            k = n if o.budget is None else min(n, max(0, _allowed(sn, o, t)))
            for c in [c for c in node.cohorts if c.owner == index]:
                if k == 0:
                    break
                j = min(k, len(c.names))
                sn.remove(c, j, t)
                sn.create(o, j, t)
                k -= j
                moved = True
        if moved:
            sn.place(t)
    n_nodes = len(sn.nodes[node.group])
    if not node.cohorts:
        drained = f"node {node.ident} drained in {t - start:g} s"
        if term_s > 0:
            sn.draining = (node, start, t, drained)
        else:
            sn.draining = None
            _retire(sn, node, t, drained)
    elif over and sn.ca.drain_rules == "karpenter":
        sn.draining = None
        left = sum(len(c.names) for c in node.cohorts)
        _retire(sn, node, t, (f"node {node.ident} drained in {t - start:g} s: its {left} "
                               "pod(s) left deleted at the NodePool's "
                               f"terminationGracePeriod ({limit_s:g} s)"))
    elif over:
        sn.draining = None
        sn.layout += 1
        node.unneeded_since = None
        left = sum(len(c.names) for c in node.cohorts)
        sn.events.append((t, f"node_drain_abandoned:{grp.name}", n_nodes, n_nodes,
                            (f"node {node.ident}: {left} pod(s) still refused eviction "
                             f"{limit_s:g} s after its drain started; "
                             "un-cordoned and kept")))


def _retire(sn: SharedNodes, node: Node, t: float, why: str) -> None:
    """Remove ``node`` at ``t`` (its pods, if any, evicted and created again Pending)."""
    g = node.group
    grp, nodes = sn.groups[g], sn.nodes[g]
    evicted = list(node.cohorts)
    nodes.remove(node)
    sn.layout += 1
    sn.fits_checked.pop(node.ident, None)
    sn.retired.append(node)
    sn.node_changes[g].append((sn.tick_at(t), len(nodes)))
    sn.events.append((t, f"node_scale_down:{grp.name}", len(nodes) + 1, len(nodes), why))
    for c in evicted:  # a drain: the pods start again, Pending
        o, k = sn.owners[c.owner], len(c.names)
        sn.remove(c, k, t)
        sn.create(o, k, t)
    sn.place(t)
