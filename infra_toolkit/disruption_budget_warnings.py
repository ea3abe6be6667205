"""What the simulation does not read of a plan's PodDisruptionBudgets (audit15 A15-4).

Node scale-down honours a simulated workload's budget (:mod:`infra_toolkit.workload_budgets`
finds it in the Deployment's file; the rule is in :mod:`infra_toolkit.shared_nodes`). One
warning at ``proposed.workloads`` lists what is still not honoured, each with its reason: a
budget selecting a workload's pods that cannot be read (``matchExpressions``, several budgets,
a value that is neither a whole number nor a percent), ``unhealthyPodEvictionPolicy:
AlwaysAllow`` (the model counts not-Ready pods against the budget, as cluster-autoscaler's
tracker does). A budget in another file than the Deployment is not seen. No I/O: the plan
kept the budgets."""

from __future__ import annotations

from infra_toolkit.plan import Plan
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.workload_budgets import workload_budget

__all__ = ["disruption_budget_warnings"]


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


def disruption_budget_warnings(plan: Plan) -> list[PlanWarning]:
    """One warning naming every proposed workload whose PodDisruptionBudget the node
    scale-down does not honour, or honours only in part, each with the reason."""
    notes = []
    for w in plan.proposed.workloads:
        read = workload_budget(w)
        if not read.selecting:
            continue
        names = ", ".join(read.selecting)
        if read.budget is None:
            notes.append(f"{w.name} (budget {names}): {read.unread}")
        elif _policy(plan, w.name, read.budget.name):
            notes.append(f"{w.name} (budget {names}): unhealthyPodEvictionPolicy AlwaysAllow "
                         "is not read; its not-Ready pods count against the budget")
    if not notes:
        return []
    shown = "; ".join(notes[:6])
    more = f"; and {len(notes) - 6} more" if len(notes) > 6 else ""
    return [PlanWarning("proposed.workloads", (
        "PodDisruptionBudgets the node scale-down does not honour, or not wholly, for "
        f"{len(notes)} workload(s): {shown}{more}; when the node autoscaler removes a node "
        "the simulation evicts such a workload's pods there at once, so the report may show "
        "seconds with fewer Ready pods, or none, that the budget prevents"))]
