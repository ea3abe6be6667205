"""Which PodDisruptionBudget of a workload's manifest file the simulation honours (audit15 A15-4).

A budget is read from the ``PodDisruptionBudget`` documents of the files of the workload's
Deployment and HPA and of those its ``disruption_budgets`` names (``Manifest.budgets`` of its
Deployment, gathered when the plan is read, so nothing here reads a file). It
selects the workload's pods when its ``spec.selector`` selects the pod template's labels
(:func:`infra_toolkit.label_selector.selects`: ``matchLabels`` and ``matchExpressions``
ANDed; policy/v1: an empty selector ``{}`` selects every pod of the namespace, a missing one
none; a budget naming another namespace than the Deployment does not select them). A selector
the API server refuses (an unknown operator, In / NotIn without values, Exists / DoesNotExist
with some) is refused when the plan is read (:func:`budget_problems`). The simulation honours
a budget when it is the only one selecting the pods (the eviction API refuses a pod with
several) and it can be read: a ``minAvailable`` / ``maxUnavailable`` that is neither a whole
number nor a percent leaves it unread, with the reason (:func:`workload_budget`), which
:mod:`infra_toolkit.disruption_budget_warnings` words. A budget in a file the plan does not
reference is not seen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra_toolkit.disruption_budget import DisruptionBudget
from infra_toolkit.errors import SpecError
from infra_toolkit.go_arithmetic import MAX_INT32
from infra_toolkit.hpa_problems import NO_VALUE, format_problem
from infra_toolkit.label_selector import selector_problems, selects
from infra_toolkit.plan_architecture import Workload

__all__ = ["BudgetRead", "budget_problems", "workload_budget"]


@dataclass(frozen=True)
class BudgetRead:
    """The budget honoured for a workload (``None``: none), the names of the budgets selecting
    its pods, and why a selecting budget is not honoured (empty when it is, or there is none)."""

    budget: DisruptionBudget | None
    selecting: tuple[str, ...] = ()
    unread: str = ""


def _mapping(doc: Any, *path: str) -> Mapping[str, Any] | None:
    node = doc
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else None


def _namespace(doc: Mapping[str, Any]) -> str | None:
    meta = _mapping(doc, "metadata") or {}
    value = meta.get("namespace")
    return None if value is None else str(value)


def _selects(doc: Mapping[str, Any], pod: Mapping[str, str], namespace: str | None) -> bool:
    theirs = _namespace(doc)
    if theirs is not None and namespace is not None and theirs != namespace:
        return False
    selector = _mapping(doc, "spec", "selector")
    if selector is not None and not selector.get("matchLabels") \
            and not selector.get("matchExpressions"):
        # policy/v1beta1's empty selector selected no pod; policy/v1's selects them all
        return str(doc.get("apiVersion", "")) == "policy/v1"
    return selects(selector, pod)


def _name(doc: Mapping[str, Any]) -> str:
    name = (_mapping(doc, "metadata") or {}).get("name")
    return name if isinstance(name, str) else "?"


def workload_budget(workload: Workload) -> BudgetRead:
    """The PodDisruptionBudget the simulation honours for ``workload``'s pods, read from its
    Deployment file's budgets; with the reason when one selects them but is not honoured."""
    doc = workload.deployment.document
    pod = {str(k): str(v) for k, v in
           (_mapping(doc, "spec", "template", "metadata", "labels") or {}).items()}
    selecting = [b for b in workload.deployment.budgets
                 if _selects(b, pod, _namespace(doc))]
    names = tuple(_name(b) for b in selecting)
    if not selecting:
        return BudgetRead(None)
    if len(selecting) > 1:
        return BudgetRead(None, names, "several budgets select its pods (the eviction API "
                                       "refuses to evict such a pod); keep one")
    spec = _mapping(selecting[0], "spec") or {}
    try:
        read = DisruptionBudget(names[0], spec.get("minAvailable"), spec.get("maxUnavailable"))
    except SpecError as exc:
        return BudgetRead(None, names, str(exc).split(": ", 1)[-1])
    return BudgetRead(read, names)


def budget_problems(budgets: Sequence[Mapping[str, Any]], where: str) -> list[str]:
    """Why the API server refuses a PodDisruptionBudget of ``budgets`` (those of the file
    named ``where``): its ``spec.selector`` against ``ValidateLabelSelector``
    (:func:`selector_problems`) and its ``unhealthyPodEvictionPolicy`` (IfHealthyBudget or
    AlwaysAllow), each problem naming the budget, its file, the field path and the fix."""
    problems = []
    for doc in budgets:
        source = f"PodDisruptionBudget {_name(doc)!r} of {where} (the API server refuses it)"
        meta, name = doc.get("metadata", NO_VALUE), _mapping(doc, "metadata")
        if name is None:
            problems.append(format_problem("metadata", meta, "must be a mapping", "write "
                                           "`name: <budget name>` under it", source))
        elif not isinstance(name.get("name"), str) or not name["name"].strip():
            problems.append(format_problem("metadata.name", name.get("name", NO_VALUE),
                                           "must be the budget's name (text)",
                                           "name the budget", source))
        api = doc.get("apiVersion")
        if api is not None and api not in ("policy/v1", "policy/v1beta1"):
            # kubectl finds no PodDisruptionBudget there; read, its empty selector was taken
            # as policy/v1beta1's (selecting no pod)
            problems.append(format_problem(
                "apiVersion", api, "is not an API serving PodDisruptionBudget (policy/v1)",
                "write apiVersion: policy/v1", source))
        spec = doc.get("spec") or {}  # policy/v1 defaults an absent spec: it selects no pod
        if not isinstance(spec, Mapping):
            problems.append(format_problem("spec", spec, "must be a mapping", "write the "
                                           "budget's selector and minAvailable or "
                                           "maxUnavailable under it", source))
            continue
        problems += selector_problems(spec.get("selector"), "spec.selector", source)
        given = [f for f in ("minAvailable", "maxUnavailable") if spec.get(f) is not None]
        if len(given) > 1:
            # the API server refuses the budget, so the cluster would run the pods without one
            problems.append(format_problem(
                "spec", NO_VALUE, "sets both minAvailable and maxUnavailable",
                "keep one of them", source))
        elif given:
            try:
                DisruptionBudget(_name(doc), spec.get("minAvailable"), spec.get("maxUnavailable"))
            except SpecError:
                value = spec[given[0]]
                big = isinstance(value, int) and not isinstance(value, bool) and value > MAX_INT32
                problems.append(format_problem(
                    f"spec.{given[0]}", value,
                    f"is above {MAX_INT32:,}, the largest int32 the API server takes" if big
                    else "must be a whole number >= 0 or a percent from '0%' to '100%'",
                    "write e.g. 1 or '25%'", source))
        policy = spec.get("unhealthyPodEvictionPolicy")
        if policy is not None and policy not in ("IfHealthyBudget", "AlwaysAllow"):
            # a misspelt policy ('Always') was taken as the default without a word
            problems.append(format_problem(
                "spec.unhealthyPodEvictionPolicy", policy,
                "must be IfHealthyBudget or AlwaysAllow", "write one of them (IfHealthyBudget, "
                "the default, when left out)", source))
    return problems
