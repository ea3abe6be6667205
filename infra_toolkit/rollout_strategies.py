"""Which strategy each proposed workload rolls out by (pure: no I/O): the plan's when it names
the workload or none, else its manifest's own (:func:`effective_strategy`, :func:`own_strategy`);
the workloads grouped by it (:func:`strategy_groups`), after a stack canary by how their own
controllers roll later updates (:func:`later_update_groups`), and the manifests that disagree
with a plan's ``rolling`` or ``recreate`` (:func:`manifest_mismatches`). The Deployment Strategy
section's tables (:mod:`infra_toolkit.rollout_tables`) take each workload by its strategy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra_toolkit.argo_rollout import deployment_strategy_of
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_operations_types import DeploymentStrategy
from infra_toolkit.rollout import plan_rolling_skips

if TYPE_CHECKING:  # annotations only: analysis imports the plan warnings that read strategies
    from infra_toolkit.analysis import PlanAnalysis

__all__ = ["effective_strategy", "later_update_groups", "manifest_mismatches", "own_strategy",
           "strategy_groups"]


def effective_strategy(plan_strategy: DeploymentStrategy, w: Workload) -> DeploymentStrategy:
    """How ``w`` rolls out: the plan's strategy when it names no workloads or names ``w``;
    otherwise its manifest's own update strategy (:mod:`infra_toolkit.update_strategy`) as a
    ``rolling`` or ``recreate`` strategy (a StatefulSet's ``OnDelete``: rolling one pod at a
    time, as someone deletes them; its ``partition`` kept, so only the ordinals from it up
    roll). A StatefulSet under the plan's ``rolling`` strategy rolls by its own too: it has no
    surge (:func:`~infra_toolkit.rollout.plan_rolling_skips`); so does an Argo Rollout under a
    ``rolling`` or ``recreate`` one, which Argo Rollouts cannot do (its own canary or
    blue-green, :func:`~infra_toolkit.argo_rollout.deployment_strategy_of`)."""
    if plan_rolling_skips(plan_strategy, w) or (
            plan_strategy.type in ("rolling", "recreate")
            and w.deployment_spec.update_strategy.argo is not None):
        return own_strategy(w)
    if not plan_strategy.workloads or w.name in plan_strategy.workloads:
        return plan_strategy
    return own_strategy(w)


def own_strategy(w: Workload) -> DeploymentStrategy:
    """How ``w``'s own controller replaces its pods, by its manifest (see
    :func:`effective_strategy`)."""
    u = w.deployment_spec.update_strategy
    kind = w.deployment.kind if w.deployment is not None else "Deployment"
    if u.argo is not None:
        return deployment_strategy_of(u.argo, kind)
    if u.type == "Recreate":
        return DeploymentStrategy("recreate", f"the {kind}'s own Recreate strategy")
    if u.type == "OnDelete":
        return DeploymentStrategy("rolling", f"the {kind}'s OnDelete strategy: pods are "
                                  "replaced as they are deleted (one at a time here)", 0, 1)
    held = (f" with partition {u.partition} (ordinals below {u.partition} are not updated)"
            if u.partition else "")
    return DeploymentStrategy("rolling", f"the {kind}'s own rolling update{held}", u.max_surge,
                              u.max_unavailable, partition=u.partition)


def _amount_text(value: int | str | None) -> str:
    return "25% (unset)" if value is None else str(value)


def _same_amount(a: int | str | None, b: int | str | None) -> bool:
    """Equal pod counts or percentages (``None``: the Deployment default, 25 %)."""
    a, b = ("25%" if a is None else a), ("25%" if b is None else b)
    if isinstance(a, str) and isinstance(b, str):
        return int(a[:-1]) == int(b[:-1])  # "025%" is 25 % to the API server
    return a == b


def manifest_mismatches(a: PlanAnalysis) -> list[str]:
    """One sentence per workload the plan's ``rolling`` or ``recreate`` strategy rolls whose
    manifest says otherwise: the Deployment (or StatefulSet) controller replaces the pods by
    the manifest's ``spec.strategy`` (``spec.updateStrategy``), not by the plan, so the table's
    figures hold only once the manifest says the same."""
    s = a.plan.deployment_strategy
    if s.type not in ("rolling", "recreate"):
        return []  # Argo Rollouts runs a canary or blue-green itself, whatever the manifest says
    out = []
    for w in a.plan.proposed.workloads:
        if effective_strategy(s, w) != s:
            continue
        u = w.deployment_spec.update_strategy
        kind = w.deployment.kind
        field = "spec.updateStrategy" if kind == "StatefulSet" else "spec.strategy"
        if s.type == "recreate":
            if u.type != "Recreate":
                out.append(f"{w.name}: the plan says recreate, but its {kind}'s {field}.type "
                           f"is {u.type}")
        elif u.type != "RollingUpdate":
            out.append(f"{w.name}: the plan says rolling, but its {kind}'s {field}.type is "
                       f"{u.type}: the controller will not roll it")
        elif not (_same_amount(s.max_surge, u.max_surge)
                  and _same_amount(s.max_unavailable, u.max_unavailable)):
            out.append(f"{w.name}: the plan says max_surge {s.max_surge}, max_unavailable "
                       f"{s.max_unavailable}, but its {kind}'s {field}.rollingUpdate has "
                       f"maxSurge {_amount_text(u.max_surge)}, maxUnavailable "
                       f"{_amount_text(u.max_unavailable)}")
    return out


def strategy_groups(a: PlanAnalysis) -> list[tuple[DeploymentStrategy, tuple[str, ...]]]:
    """The proposed workloads grouped by the strategy they roll out by (the plan's first), each
    with the workloads' names in plan order."""
    groups: dict[DeploymentStrategy, list[str]] = {}
    s = a.plan.deployment_strategy
    if not s.workloads or any(w.name in s.workloads for w in a.plan.proposed.workloads):
        groups[s] = []
    for w in a.plan.proposed.workloads:
        groups.setdefault(effective_strategy(s, w), []).append(w.name)
    return [(k, tuple(v)) for k, v in groups.items() if v]



def later_update_groups(a: PlanAnalysis) -> list[tuple[DeploymentStrategy, tuple[str, ...]]]:
    """For a plan whose strategy is a stack canary (a one-time move of the traffic to a new
    stack), the workloads it moves grouped by how their own controllers roll every later
    update inside the new stack (:func:`own_strategy`), in plan order; empty otherwise."""
    s = a.plan.deployment_strategy
    if s.type != "canary" or s.canary_scope != "stack":
        return []
    groups: dict[DeploymentStrategy, list[str]] = {}
    for w in a.plan.proposed.workloads:
        if effective_strategy(s, w) == s:
            groups.setdefault(own_strategy(w), []).append(w.name)
    return [(k, tuple(v)) for k, v in groups.items()]

