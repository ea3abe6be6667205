"""What the simulation does not read of a plan's PodDisruptionBudgets (audit15 A15-4).

Node scale-down honours a simulated workload's budget (:mod:`infra_toolkit.workload_budgets`
finds it in the Deployment's file; the rule is in :mod:`infra_toolkit.shared_scale_down`). One
warning at ``proposed.workloads`` lists what is still not honoured, each with its reason: a
budget selecting a workload's pods that cannot be read (several budgets, a value that is
neither a whole number nor a percent up to 100 %), ``unhealthyPodEvictionPolicy:
AlwaysAllow`` (the model counts not-Ready pods against the budget, as cluster-autoscaler's
tracker does). A budget in a file the plan does not reference (the Deployment's, the HPA's, or
one of the workload's ``disruption_budgets``) is not seen. Another names the budgets that set
neither ``minAvailable`` nor ``maxUnavailable``: honoured as policy/v1 has them, allowing no
eviction at all.

A staged drain the node autoscaler gives up (:func:`drain_give_up_warnings`): a node holding
more of a workload's pods than its budget allows to be evicted at once is drained in steps,
each waiting for the evicted pods' replacements to turn Ready; when one time to Ready is longer
than cluster-autoscaler's ``--max-pod-eviction-time`` (``nodes.MAX_POD_EVICTION_S``, 120 s) the
drain is abandoned after its first evictions and the node kept (docs/DESIGN.md, node drains).
Karpenter never gives a drain up: with its NodePools only a ``terminationGracePeriod`` shorter
than the drain's steps is warned (the pods left are deleted, not evicted, when it runs out).
No I/O: the plan kept the budgets."""

from __future__ import annotations

import math

from infra_toolkit.errors import SimulationError
from infra_toolkit.nodes import MAX_POD_EVICTION_S, ClusterAutoscalerSpec, NodeGroup, pod_slots
from infra_toolkit.plan import Plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.rollout import time_to_ready
from infra_toolkit.workload_budgets import workload_budget

__all__ = ["disruption_budget_warnings", "drain_give_up_warnings"]


def _policy(plan: Plan, workload: str, budget: str) -> str | None:
    for w in plan.proposed.workloads:
        if w.name == workload:
            for doc in w.deployment.budgets:
                meta = doc.get("metadata") or {}
                spec = doc.get("spec") or {}
                if meta.get("name") == budget and \
                        spec.get("unhealthyPodEvictionPolicy") == "AlwaysAllow":
                    return "AlwaysAllow"
    return None


def _listed(notes: list[str]) -> str:
    """The first six notes joined, then how many more."""
    more = f"; and {len(notes) - 6} more" if len(notes) > 6 else ""
    return "; ".join(notes[:6]) + more


def disruption_budget_warnings(plan: Plan) -> list[PlanWarning]:
    """One warning naming every proposed workload whose PodDisruptionBudget the node
    scale-down does not honour, each with the reason, and one naming those it honours more
    strictly than the eviction API (``unhealthyPodEvictionPolicy: AlwaysAllow``)."""
    unread, strict, closed = [], [], []
    for w in plan.proposed.workloads:
        read = workload_budget(w)
        if not read.selecting:
            continue
        names = ", ".join(read.selecting)
        if read.budget is None:
            unread.append(f"{w.name} (budget {names}): {read.unread}")
        elif read.budget.blocks_every_eviction:
            closed.append(f"{w.name} (budget {names})")
        elif _policy(plan, w.name, read.budget.name):
            strict.append(f"{w.name} (budget {names})")
    out = [PlanWarning("proposed.workloads", (
        "PodDisruptionBudgets with neither minAvailable nor maxUnavailable: "
        f"{', '.join(closed)}: policy/v1 has no default for them and the disruption controller "
        "then allows no eviction at all, so the node autoscaler never drains a node holding "
        "one of their pods (simulated so: such nodes stay, and are billed); give each "
        "maxUnavailable: 1 (or a minAvailable) if its pods may move"))] if closed else []
    if unread:
        out.append(PlanWarning("proposed.workloads", (
            "PodDisruptionBudgets the node scale-down does not honour, for "
            f"{len(unread)} workload(s): {_listed(unread)}; when the node autoscaler removes a "
            "node the simulation evicts such a workload's pods there at once, so the report "
            "may show seconds with fewer Ready pods, or none, that the budget prevents")))
    if strict:
        # honoured, counting not-Ready pods against the budget as cluster-autoscaler's tracker
        # does; the eviction API (Karpenter's drain) would let AlwaysAllow's not-Ready pods go
        out.append(PlanWarning("proposed.workloads", (
            "PodDisruptionBudgets with unhealthyPodEvictionPolicy AlwaysAllow, for "
            f"{len(strict)} workload(s): {_listed(strict)}: honoured, but the simulation "
            "counts not-Ready pods against the budget, where the eviction API lets AlwaysAllow "
            "evict them, so a node holding not-Ready pods of such a workload may stay longer "
            "in the report (and be billed) than it would; never fewer Ready pods")))
    return out


def _most_a_node(w: Workload, groups: tuple[NodeGroup, ...]) -> tuple[int, str] | None:
    """The most pods of ``w`` one node of its groups holds, and that group's name."""
    d = w.deployment_spec
    best: tuple[int, str] | None = None
    for g in groups:
        try:
            n = pod_slots(g, d.packed_cpu_millicores, d.packed_memory_mib,
                          d.max_pods_per_node)
        except SimulationError:
            continue  # a pod no node of the group holds: node_room_warnings says so
        if best is None or n > best[0]:
            best = (n, g.name)
    return best


def drain_give_up_warnings(w: Workload, path: str, groups: tuple[NodeGroup, ...],
                           autoscaler: ClusterAutoscalerSpec) -> list[PlanWarning]:
    """A warning when ``w``'s PodDisruptionBudget, at some replica count from minReplicas to
    maxReplicas with every pod Ready, allows fewer evictions (but some) than a node of
    ``groups`` can hold of its pods, so such a node is drained in steps, and ``autoscaler``
    ends the drain before it is done: cluster-autoscaler when the time to Ready (seconds) is
    longer than ``MAX_POD_EVICTION_S`` (it gives up before the first replacements are Ready);
    Karpenter when the steps' waits, ``(ceil(on node / allowed) - 1) x time to Ready``, pass the
    NodePool's ``terminationGracePeriod`` (it deletes the pods left); Karpenter without one
    never ends a drain: no warning. A budget allowing none holds the node instead: no drain,
    no warning here."""
    budget, hpa, ttr = workload_budget(w).budget, w.hpa_spec, time_to_ready(w)
    most = _most_a_node(w, groups)
    if budget is None or hpa is None or ttr is None or most is None:
        return []
    slots, group = most
    if autoscaler.drain_rules == "karpenter":
        return _grace_period_warnings(w, path, group, slots, autoscaler.drain_limit_s(group))
    if ttr.total_s <= MAX_POD_EVICTION_S:
        return []
    for n in range(hpa.min_replicas, hpa.max_replicas + 1):
        allowed = budget.disruptions_allowed(n, n, n)
        on_node = min(slots, n)
        if 0 < allowed < on_node:
            return [PlanWarning(path, (
                f"workload {w.name!r}: its PodDisruptionBudget {budget.name!r} allows "
                f"{allowed:,} eviction(s) at {n:,} replicas (every pod Ready), but a node of "
                f"group {group!r} can hold {on_node:,} of its pods, so the node autoscaler "
                "drains such a node in steps, each waiting for the evicted pods' replacements "
                f"to turn Ready: {ttr.total_s:g} s ({ttr.text}), "
                f"longer than cluster-autoscaler's {MAX_POD_EVICTION_S:g} s eviction give-up "
                "(--max-pod-eviction-time), so the drain is abandoned after its first "
                "eviction(s) and the node kept (node_drain_abandoned in the report's events); "
                f"bring the time to Ready under {MAX_POD_EVICTION_S:g} s, let the budget allow "
                f"{on_node:,} evictions at once (maxUnavailable), or raise "
                "--max-pod-eviction-time above the time to Ready"))]
    return []


def _grace_period_warnings(w: Workload, path: str, group: str, slots: int,
                           grace_s: float | None) -> list[PlanWarning]:
    """Karpenter's half of :func:`drain_give_up_warnings`: the drain's waits past the NodePool
    ``group``'s ``terminationGracePeriod`` (``grace_s``, ``None``: not set, never cut)."""
    budget, hpa, ttr = workload_budget(w).budget, w.hpa_spec, time_to_ready(w)
    if grace_s is None or budget is None or hpa is None or ttr is None:
        return []
    for n in range(hpa.min_replicas, hpa.max_replicas + 1):
        allowed = budget.disruptions_allowed(n, n, n)
        on_node = min(slots, n)
        waits = math.ceil(on_node / allowed) - 1 if allowed > 0 else 0
        if 0 < allowed < on_node and waits * ttr.total_s > grace_s:
            return [PlanWarning(path, (
                f"workload {w.name!r}: its PodDisruptionBudget {budget.name!r} allows "
                f"{allowed:,} eviction(s) at {n:,} replicas (every pod Ready), but a node of "
                f"NodePool {group!r} can hold {on_node:,} of its pods, so Karpenter drains such "
                f"a node in {waits + 1:,} steps, each after the last one's replacements turn "
                f"Ready in {ttr.total_s:g} s: {waits:,} x {ttr.total_s:g} = "
                f"{waits * ttr.total_s:g} s, longer than the NodePool's terminationGracePeriod "
                f"({grace_s:g} s), when Karpenter deletes the pods still on the node, so fewer "
                "pods are Ready until their replacements are; raise terminationGracePeriod "
                f"above {waits * ttr.total_s:g} s, let the budget allow {on_node:,} evictions "
                "at once (maxUnavailable), or bring the time to Ready under "
                f"{grace_s / waits:g} s"))]
    return []
