"""What a plan's report does with an Argo Rollout's own strategy, said where it is not what Argo
Rollouts does (:mod:`infra_toolkit.argo_rollout` reads it).

- the plan's ``rolling`` or ``recreate`` strategy covers a Rollout: Argo Rollouts has neither,
  so the tables use the Rollout's own canary or blue-green (as
  :func:`infra_toolkit.rollout_strategies.effective_strategy` does), which is said;
- the plan's ``canary`` or ``blue-green`` covers it and says otherwise than the Rollout's own:
  the report's figures are the plan's, Argo Rollouts runs the manifest's (its promotion once
  the steps are done, a last step of 100 % without a pause, is the plan's ``{weight_pct:
  100}`` without one; a ``pause: {}`` is the plan's ``pause: manual``; without auto promotion
  the blue-green's preview is not compared: the plan's is its guess at a person's wait);
- the plan's canary of pods covers it and its ``traffic_router`` names another router than the
  Rollout's ``trafficRouting`` (alb, nginx, istio, smi, ...): Argo Rollouts shifts the traffic
  with the Rollout's, the report's *Traffic router* row shows the plan's (a router plugin's name
  is not read, so ``plugins`` is not compared);
- the tables use the Rollout's own strategy and part of it is not modelled
  (:attr:`~infra_toolkit.argo_rollout.ArgoStrategy.not_modelled`): which fields, and for a
  canary not modelled at all, that its table rows give no canary figures.
"""

from __future__ import annotations

import re
from dataclasses import replace

from infra_toolkit.argo_rollout import DEFAULT_SCALE_DOWN_DELAY_S, deployment_strategy_of
from infra_toolkit.plan import Plan
from infra_toolkit.plan_operations_types import CanaryStep, DeploymentStrategy
from infra_toolkit.plan_warning_type import PlanWarning

__all__ = ["argo_rollout_warnings", "names_router"]


def _said(s: DeploymentStrategy) -> str:
    """A strategy's figures as the warning compares them."""
    if s.type == "blue-green":
        delay_s = DEFAULT_SCALE_DOWN_DELAY_S if s.scale_down_delay_s is None \
            else s.scale_down_delay_s
        preview = ("until promoted by hand" if s.auto_promote is False and not s.preview_s
                   else f"{s.preview_s or 0:g} s")
        sized = ("" if s.preview_replicas is None else
                 f", the preview set {s.preview_replicas} pod(s) until promoted")
        return (f"blue-green (preview {preview}, auto_promote "
                f"{'on' if s.auto_promote else 'off'}, scale_down_delay {delay_s:g} s{sized})")
    if s.type == "canary" and s.steps:
        steps = ", ".join("100% with no pause" if p == CanaryStep(100.0, 0.0) else
                          f"{p.weight_pct:g}% for "
                          f"{'a promotion' if p.pause_s is None else f'{p.pause_s:g} s'}"
                          + _scale_said(p) for p in s.steps)
        floor = (f"; at least {s.canary_min_pods} canary pods above 0 %"
                 if s.canary_min_pods > 1 else "")
        dynamic = ("; the stable pods scaled down as the traffic leaves them"
                   if s.canary_dynamic_stable else "")
        return f"canary ({steps}{floor}{dynamic})"
    return s.type


def _scale_said(p: CanaryStep) -> str:
    """A step's ``setCanaryScale`` in force, as the warning says it ("" without one)."""
    if p.scale_replicas is not None:
        return f" with {p.scale_replicas} canary pod(s)"
    if p.scale_weight_pct is not None:
        return f" with canary pods for {p.scale_weight_pct:g}% of the replicas"
    return ""


def _as_plan_says(s: DeploymentStrategy) -> DeploymentStrategy:
    """``s`` as the plan format can say it, to compare: a blue-green without auto promotion
    without its preview, which is then the plan's guess at a person's wait (Argo ignores
    autoPromotionSeconds then; the plan requires a preview above 0 s). A canary's steps are
    compared as they are: a plan's last step without a pause completes the rollout, as Argo's
    promotion once the steps are done does."""
    if s.type == "blue-green" and s.auto_promote is False:
        return replace(s, preview_s=None)
    return s


def names_router(text: str, key: str) -> bool:
    """Whether the plan's ``traffic_router`` text names Argo's router ``key`` (``alb``,
    ``appMesh``, ...): as a word of it, or as consecutive words (``app-mesh``), any case."""
    words = [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]
    return any("".join(words[i:j]) == key.lower()
               for i in range(len(words)) for j in range(i + 1, len(words) + 1))


def _router_differs(s: DeploymentStrategy, router: str | None) -> bool:
    """Whether a plan's canary of pods names a router other than the Rollout's ``router``."""
    return (s.type == "canary" and s.canary_scope == "pods" and bool(s.traffic_router)
            and router not in (None, "plugins", "trafficRouting")
            and not names_router(str(s.traffic_router), str(router)))


def argo_rollout_warnings(plan: Plan) -> list[PlanWarning]:
    """One warning per proposed workload run by an Argo Rollout whose own strategy the report
    does not follow, or follows only in part (see the module docstring)."""
    s = plan.deployment_strategy
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        argo = w.deployment_spec.update_strategy.argo
        if argo is None:
            continue
        at = f"proposed.workloads[{i}].deployment"
        own = deployment_strategy_of(argo, "Rollout")
        manifest = f"spec.strategy.{argo.type}"
        covered = not s.workloads or w.name in s.workloads
        if covered and _router_differs(s, argo.traffic_router):
            out.append(PlanWarning(at, (
                f"workload {w.name!r} is an Argo Rollout routed by its "
                f"spec.strategy.canary.trafficRouting.{argo.traffic_router}, while the plan's "
                f"deployment_strategy.canary.traffic_router is {s.traffic_router!r}: Argo "
                f"Rollouts shifts the traffic with {argo.traffic_router}, the report's Traffic "
                f"router row shows {s.traffic_router!r} (the canary pods are the same under "
                f"either); name {argo.traffic_router} in traffic_router")))
        if covered and s.type in ("canary", "blue-green"):
            if _said(_as_plan_says(s)) != _said(_as_plan_says(own)):
                out.append(PlanWarning(at, (
                    f"workload {w.name!r} is an Argo Rollout: Argo Rollouts runs its own "
                    f"{manifest}, {_said(own)}, while the report's Deployment Strategy figures "
                    f"follow the plan's deployment_strategy, {_said(s)}; make them say the same, "
                    "or leave the workload out of deployment_strategy.workloads so the report "
                    "follows the Rollout")))
            continue
        if covered:  # rolling or recreate: the tables use the Rollout's own (effective_strategy)
            out.append(PlanWarning("deployment_strategy", (
                f"the plan's {s.type} strategy cannot apply to workload {w.name!r}, an Argo "
                f"Rollout: Argo Rollouts has no {s.type} update, it runs the Rollout's own "
                f"{manifest}, which the report's rollout tables use; write the plan's "
                "deployment_strategy as that strategy, or name only the other workloads in "
                "deployment_strategy.workloads")))
        if argo.not_modelled:
            what = ("the report's rollout table gives only its time to Ready and no canary "
                    "figures" if own.type == "canary" and not own.steps else
                    "the report's figures leave them out")
            out.append(PlanWarning(at, (
                f"the Rollout of workload {w.name!r} rolls by its own {manifest}, of which "
                f"these are not simulated: {'; '.join(argo.not_modelled)}; {what}")))
    return out
