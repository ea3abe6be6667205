"""One Deployment's node scale-down: the cluster autoscaler's scale-down half for
:class:`~infra_toolkit.cluster_nodes.ClusterNodes` (internal; :mod:`infra_toolkit.simulate`
documents the model).

Each scan's per-group candidates (an average node of the group: utilization under the
threshold, its pods fitting in the other slots, the unneeded time), a group held while the
PodDisruptionBudget allows none of an average node's evictions, the staged drain of a cordoned
node while it allows fewer evictions than the node's pods, and the node's removal. The rules and
their sources are :mod:`infra_toolkit.shared_scale_down`'s, which holds every node on its own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from infra_toolkit.nodes import request_utilization
from infra_toolkit.shared_scale_down import choose_removal

if TYPE_CHECKING:
    from infra_toolkit.cluster_nodes import ClusterNodes

__all__ = ["drain", "scale_down"]


def _budget_block(cn: ClusterNodes, evicted: int, t: float,
                  charged: list[int]) -> tuple[str | None, bool]:
    """Why ``evicted`` pods (an average node's of a group) may not be evicted at ``t`` seconds
    (``None``: they may) and whether the node must be drained in steps; an admitted node's pods
    are charged to ``charged[0]``, the scan's evictions so far."""
    # the one-workload model evicts an average node's pods of the group; the rule and its
    # sources are shared_scale_down._budget_block's: refused when the budget allows no
    # disruption, drained in steps when it allows fewer than the node's pods
    budget = cn.budget
    if budget is None or evicted == 0:
        return None, False
    ready = cn.ready_at(t)
    allowed = budget.disruptions_allowed(ready, cn.replicas, cn.pods()) - charged[0]
    if allowed < 1:
        return (f"blocked by PodDisruptionBudget {budget.name}: it allows no disruption "
                f"now for its {evicted} pod(s) on the node ({ready} Ready, "
                f"{budget.desired_healthy(cn.replicas)} to keep healthy)"), False
    charged[0] += evicted
    return None, evicted > allowed


def _retire(cn: ClusterNodes, g: int, t: float, why: str) -> None:
    """The cordoned node of group ``g`` goes at ``t`` (no pod left on it)."""
    nodes = cn.ready_nodes[g]
    cn.drain = None
    cn.quiet_key = None
    cn.ready_nodes[g] -= 1
    cn.set_nodes(g, t)
    cn.events.append((t, f"node_scale_down:{cn.groups[g].name}", nodes, nodes - 1, why))


def _emptied(cn: ClusterNodes, g: int, start: float, t: float, why: str) -> None:
    """The cordoned node's last pod left at ``t``: it goes now, or once its pods have
    terminated (``ca.termination_s`` of its group later, billed meanwhile)."""
    term_s = cn.ca.termination_s(cn.groups[g])
    if term_s <= 0:
        _retire(cn, g, t, why)
    else:
        cn.drain = [g, start, 0, t, why]


def drain(cn: ClusterNodes, t: float) -> None:
    """The cordoned node's step at ``t`` seconds. Its pods terminating (emptied): it goes once
    ``ca.termination_s`` of its group have passed since its last eviction. Drained in steps (as
    ``shared_scale_down.drain``): what the budget allows now; once empty, as above; when pods
    are left at the drain's limit (``ca.drain_limit_s``), un-cordoned and kept
    (cluster-autoscaler) or deleted with the node (Karpenter's terminationGracePeriod: its
    ``DeleteExpiringPods`` has them gone by then)."""
    assert cn.drain is not None
    g, start, left, emptied, why = cn.drain
    term_s = cn.ca.termination_s(cn.groups[g])
    if emptied is not None:
        if t - emptied >= term_s:
            _retire(cn, g, t, f"{why}; gone {term_s:g} s after its last eviction, once its "
                              "pods had terminated (terminationGracePeriodSeconds)")
        return
    assert cn.budget is not None
    name = cn.groups[g].name
    left = min(left, cn.scheduled[g])  # the Deployment's own scale-down may have taken some
    limit_s = cn.ca.drain_limit_s(name)
    over = limit_s is not None and t - start >= limit_s
    if not over and left:
        k = min(left, max(0, cn.budget.disruptions_allowed(cn.ready_at(t), cn.replicas,
                                                             cn.pods())))
        if k:
            cn.drain = [g, start, left - k, None, why]
            cn.evict(g, k, t)
            left -= k
            cn.place(t)
    cn.drain = [g, start, left, None, why]
    nodes = cn.ready_nodes[g]
    if left == 0:
        _emptied(cn, g, start, t, f"node drained in {t - start:g} s")
    elif over and cn.karpenter:
        _retire(cn, g, t, (f"node drained in {t - start:g} s: its {left} pod(s) left deleted "
                           f"at the NodePool's terminationGracePeriod ({limit_s:g} s)"))
        cn.evict(g, left, t)
        cn.place(t)
    elif over:
        cn.drain = None
        cn.unneeded_since[g] = None
        cn.quiet_key = None
        cn.events.append((t, f"node_drain_abandoned:{name}", nodes, nodes,
                          (f"{left} pod(s) still refused eviction {limit_s:g} s "
                           "after the drain started; un-cordoned and kept")))
        cn.place(t)


def scale_down(cn: ClusterNodes, t: float, cooldown: bool) -> None:
    """The scale-down half of ``cn``'s scan at ``t`` seconds, with no pod pending (and not
    skipped: :meth:`ClusterNodes.scan`): every group's unneeded time updated, then at most one
    node removed or its staged drain started (none in ``cooldown``, the delay after a
    scale-up)."""
    # Whether a group is needed depends only on the nodes and the placed pods (``key``). A
    # quiet scan (nothing removed, drained or left waiting for validation, and no budget
    # consulted: its Ready pods change with the time) reads the time only through the unneeded
    # timers: until the first of them is up, the scans after it with the same key give its
    # answer, and ClusterNodes.scan skips them (quiet_key, quiet_since_s).
    ready_nodes = cn.ready_nodes
    key = (cn.version, *ready_nodes)
    cn.quiet_key = None
    ca, groups, slots, scheduled = cn.ca, cn.groups, cn.slots, cn.scheduled
    n_groups, unneeded_since, karpenter = cn.n_groups, cn.unneeded_since, cn.karpenter
    # the cordoned node's slots and pods are on their way out: not counted
    cg, cleft = (cn.drain[0], cn.drain[2]) if cn.drain is not None else (-1, 0)
    total_slots = sum(ready_nodes[g] * slots[g] for g in range(n_groups))
    total_pods = sum(scheduled)
    if cg >= 0:
        total_slots -= slots[cg]
        total_pods -= cleft
    quiet = cg < 0
    first_since = math.inf  # the earliest unneeded timer
    charged = [0]  # evictions charged to the budget in this scan
    # every group's timer is updated on the scan's state before a node goes (a removal
    # does not keep the other groups from counting their unneeded time this scan)
    # the groups whose unneeded time is up and that may go now: (util, staged) each
    ready_to_go: dict[int, tuple[float, bool]] = {}
    for g in reversed(range(n_groups)):
        nodes = ready_nodes[g] - (g == cg)
        placed = scheduled[g] - (cleft if g == cg else 0)
        util = request_utilization(groups[g], placed * cn.pod_cpu_millicores / nodes,
                                   placed * cn.pod_memory_mib / nodes) if nodes else 1.0
        if (nodes <= groups[g].min_size or util >= ca.scale_down_utilization_threshold
                or total_slots - slots[g] < total_pods
                or groups[g].name in ca.undisruptable_groups):
            unneeded_since[g] = None
            continue
        evicted = placed // nodes
        if evicted and cn.budget is not None:
            quiet = False
        # Karpenter checks each candidate against the budgets' status alone (no charge
        # across candidates: shared_scale_down._budget_block)
        why, staged = _budget_block(cn, evicted, t, [0] if karpenter else charged)
        if why is not None:
            # as shared_scale_down.scale_down: cluster-autoscaler's unremovable node is not
            # unneeded; Karpenter's skipped candidate keeps its time
            unneeded_since[g] = (t if unneeded_since[g] is None else unneeded_since[g]) \
                if karpenter else None
            hold = why.split(":")[0]
            if cn.blocked[g] != hold:
                cn.blocked[g] = hold
                cn.events.append((t, f"node_scale_down_blocked:{groups[g].name}", nodes, nodes,
                                  (f"utilization {util:.0%} < "
                                   f"{ca.scale_down_utilization_threshold:.0%} but {why}; "
                                   "kept, checked again each scan"
                                   + (" (its unneeded time counting on)" if karpenter
                                      else ""))))
            continue
        cn.blocked[g] = None
        if unneeded_since[g] is None:
            unneeded_since[g] = t
        since: float = unneeded_since[g]  # type: ignore[assignment]
        if since < first_since:
            first_since = since
        # one node drained at a time (CA's --max-drain-parallelism default 1); a
        # NodePool's nodes as its budget allows
        if (not cooldown and cg < 0 and t - since >= ca.scale_down_unneeded_s
                and ca.disruption_allowed(groups[g].name, ready_nodes[g])):
            ready_to_go[g] = (util, staged)
    g_, cn.command, validated = choose_removal(cn.command, list(ready_to_go), t,
                                               ca.consolidation_validation_s)
    if g_ is None:
        if quiet and cn.command is None and not ready_to_go:
            cn.quiet_key, cn.quiet_since_s = key, first_since
        return
    g = g_
    util, staged = ready_to_go[g]
    nodes = ready_nodes[g]
    evicted = scheduled[g] // nodes
    why_ = (f"utilization {util:.0%} < {ca.scale_down_utilization_threshold:.0%} for "
            f"{ca.scale_down_unneeded_s:g} s{validated}")
    if staged:  # the budget allows fewer evictions than the node's pods: drained in steps
        cn.drain = [g, t, evicted, None, ""]
        cn.events.append((t, f"node_drain_started:{groups[g].name}", nodes, nodes,
                          (f"{why_}; cordoned, its {evicted} pod(s) evicted as its "
                           "PodDisruptionBudget allows")))
        drain(cn, t)
        return
    if ca.termination_s(groups[g]) > 0:  # cordoned and emptied now, gone once its pods ended
        cn.drain = [g, t, 0, t, f"{why_}; {evicted} pod(s) evicted at {t:g} s"]
    else:
        ready_nodes[g] -= 1
        cn.set_nodes(g, t)
        cn.events.append((t, f"node_scale_down:{groups[g].name}", nodes, nodes - 1,
                          f"{why_}; {evicted} pod(s) evicted"))
    cn.evict(g, evicted, t)
    cn.place(t)
