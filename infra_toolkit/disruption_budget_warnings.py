"""The PodDisruptionBudgets a plan's manifest files hold, which the simulation does not honour
(audit15 A15-4): when the node autoscaler removes a node (scale-down, Karpenter's
consolidation), the model evicts every pod on it at once, while the cluster autoscaler and
Karpenter evict a budgeted workload's pods only as its budget allows, the next once a
replacement is Ready. A workload whose pods sat on one node then shows seconds without a Ready
pod (unbounded latency, dropped requests, SLO minutes) that its budget would prevent.

One warning for the plan, at ``proposed.workloads``, naming the simulated workloads whose
Deployment's file holds a ``PodDisruptionBudget`` selecting their pods (its ``matchLabels``
among the pod template's labels; ``matchExpressions`` are not read), as the plan read them
(``Manifest.budgets``: no I/O here). A budget kept in another file is not seen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_toolkit.plan import Plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_warning_type import PlanWarning

__all__ = ["disruption_budget_warnings"]


def _labels(doc: Mapping[str, Any], *path: str) -> dict[str, str] | None:
    node: Any = doc
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return {str(k): str(v) for k, v in node.items()} if isinstance(node, Mapping) else None


def _budget(workload: Workload) -> str | None:
    """The name of a PodDisruptionBudget of ``workload``'s Deployment file selecting its pods."""
    pod = _labels(workload.deployment.document, "spec", "template", "metadata", "labels") or {}
    for doc in workload.deployment.budgets:
        wanted = _labels(doc, "spec", "selector", "matchLabels")
        if wanted and all(pod.get(k) == v for k, v in wanted.items()):
            return str((doc.get("metadata") or {}).get("name", "?"))
    return None


def disruption_budget_warnings(plan: Plan) -> list[PlanWarning]:
    """One warning naming every simulated proposed workload (HPA and model) whose manifest
    file holds a PodDisruptionBudget for its pods, which the simulation does not honour."""
    found = [(w.name, name) for w in plan.proposed.workloads
             if w.hpa_spec is not None and w.model is not None
             and (name := _budget(w)) is not None]
    if not found:
        return []
    shown = ", ".join(w if b == w else f"{w} (budget {b})" for w, b in found[:6])
    more = f" and {len(found) - 6} more" if len(found) > 6 else ""
    return [PlanWarning("proposed.workloads", (
        f"PodDisruptionBudgets are not modelled, and {len(found)} simulated workload(s) have "
        f"one in their manifest file: {shown}{more}; when the node autoscaler removes a node "
        "the simulation evicts all of a workload's pods there at once, where the budget lets "
        "them go one by one, so the report may show seconds with fewer Ready pods, or none "
        "(unbounded p95, dropped requests, SLO minutes), that the budget prevents; read those "
        "as pessimistic"))]
