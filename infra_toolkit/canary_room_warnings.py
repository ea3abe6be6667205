"""A plan warning for a canary of pods that does not fit on its node groups at the expected peak
(:func:`canary_room_warnings`). Pure: no I/O.

A canary of ``pods`` scope runs a canary ReplicaSet beside the stable one: at each step its
canary pods and the stable pods run at once (:func:`~infra_toolkit.rollout.canary_step_pods`,
as Argo Rollouts sizes them behind a traffic router), and the last step, 100 % of the traffic,
runs a canary as large as the stable set. The Deployment Strategy section's canary table checks
each step against the room the workload has on its node groups at ``max_size`` beside the other
workloads at their peak (:func:`~infra_toolkit.rollout_nodes.room_of`) and writes ``NO`` where
the pods at once do not fit; rolled at the expected scenario's peak replicas (a rollout at the
busiest moment of an expected day), that step's surplus pods stay Pending and the rollout
stalls there until a person acts (reader24: a NO in the table, no warning, so ``validate`` and
the approvals never said it). This warns once per workload, at the first step that does not
fit, with the pods it needs, the room and the fix. ``validate`` runs no simulation, so only the
report gives it (an acknowledgement of it is checked there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra_toolkit.plan import Plan
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.rollout import canary_step_pods
from infra_toolkit.rollout_nodes import node_tenants, room_of
from infra_toolkit.rollout_strategies import effective_strategy

if TYPE_CHECKING:  # annotations only: analysis imports this module
    from infra_toolkit.analysis import ScenarioRun

__all__ = ["canary_room_warnings"]


def canary_room_warnings(plan: Plan, run: ScenarioRun | None) -> list[PlanWarning]:
    """One warning per proposed workload rolled by a canary of pods whose pods at once, rolled
    at its peak replicas in ``run`` (the expected scenario's; a Deployment without an HPA at
    its replicas), pass its room beside the other workloads at their peak at some step: at
    ``deployment_strategy.canary.steps[i]`` for the plan's canary, at the workload's
    ``deployment`` for a Rollout's own. None without a run (only load tests selected)."""
    if run is None:
        return []
    everyone = node_tenants(plan, run)
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        s = effective_strategy(plan.deployment_strategy, w)
        me = next((t for t in everyone if t.workload.name == w.name), None)
        if s.type != "canary" or s.canary_scope != "pods" or not s.steps or me is None:
            continue
        replicas, room = me.peak.replicas, room_of(everyone, me, False)
        steps = canary_step_pods(s.steps, replicas, s.canary_min_pods, s.canary_max_weight,
                                 s.canary_dynamic_stable)
        first = next((k for k, p in enumerate(steps) if p.pods_at_once > room), None)
        if first is None:
            continue
        p = steps[first]
        own = s != plan.deployment_strategy
        at = (f"proposed.workloads[{i}].deployment" if own
              else f"deployment_strategy.canary.steps[{first}]")
        whose = "its Rollout's own canary" if own else "the plan's canary"
        basis = (f"its peak of {replicas:,} replicas in scenario {run.name!r}"
                 if w.hpa_spec is not None else f"its {replicas:,} replicas")
        # a Karpenter NodePool has no max_size: its spec.limits give the nodes (reader26)
        pools = {p.name for p in plan.proposed.karpenter_pools}
        groups = "; ".join(f"{g.name}, {g.max_size:,} nodes by its NodePool's spec.limits"
                           if g.name in pools else f"{g.name}, max_size {g.max_size:,}"
                           for g in me.peak.node_groups)
        limits = "the NodePools' limits.cpu / limits.memory"
        in_pools = [g.name in pools for g in me.peak.node_groups]
        raised = (limits if all(in_pools) else f"max_size and {limits}" if any(in_pools)
                  else "max_size")
        out.append(PlanWarning(at, (
            f"{whose} of workload {w.name!r}, rolled at {basis}, runs {p.pods_at_once:,} pods "
            f"at once at step {first + 1} of {len(steps)} (traffic weight "
            f"{p.weight_pct:g} %: {p.canary_pods:,} canary + {p.stable_pods:,} stable), but "
            f"its node groups ({groups}) hold {room:,} of its pods beside the other workloads "
            f"at their peak: {p.pods_at_once - room:,} pod(s) stay Pending and the "
            "rollout stalls at that step (the Canary pods per step table's 'Fits, others at "
            f"peak' NO); raise {raised} or use a larger instance type, or roll at a quieter "
            "hour (the table's minReplicas rows)")))
    return out
