"""An Argo Rollouts ``Rollout`` read as the workload it is: the same pods as the Deployment with
its template (so the same simulation), its HPA target, its own blue-green / canary strategy
where the toolkit's equals Argo's, and refusals or warnings, naming the field, elsewhere.

Fixtures: tests/data/argo (its README names the public Argo Rollouts files they follow).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.argo_rollout import ArgoStrategy, deployment_strategy_of
from infra_toolkit.errors import SpecError
from infra_toolkit.manifests import deployment_from_dict, read_deployment_yaml
from infra_toolkit.plan_operations_types import CanaryStep, DeploymentStrategy
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.rollout_strategies import effective_strategy
from tests.conftest import REPO_ROOT

ARGO = REPO_ROOT / "tests/data/argo"


def _doc(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((ARGO / name).read_text(encoding="utf-8")))


def _with_strategy(strategy: Any) -> dict[str, Any]:
    doc = _doc("rollout.yaml")
    doc["spec"] = {**doc["spec"], "strategy": strategy}
    return doc


def _copy(tmp_path: Path, edit: tuple[str, str, str] | None = None) -> Path:
    """tests/data/argo copied to ``tmp_path`` (its plans edited there), the folder returned;
    ``edit``: (file, text, replacement) made in the copy."""
    folder = tmp_path / "argo"
    shutil.copytree(ARGO, folder)
    if edit is not None:
        name, old, new = edit
        text = (folder / name).read_text(encoding="utf-8")
        assert old in text
        (folder / name).write_text(text.replace(old, new), encoding="utf-8")
    return folder


def _messages(plan: Path) -> tuple[list[str], list[str]]:
    """(problems, warnings) of ``plan`` as validate gives them, messages only."""
    _plan, problems, warnings = check_plan_warnings(plan)
    return [p.message for p in problems], [w.message for w in warnings]


# --- the pods: a Rollout's template is a Deployment's ----------------------------------------

def test_a_rollout_reads_the_pods_of_the_deployment_with_its_template() -> None:
    rollout = deployment_from_dict(_doc("rollout.yaml"), "rollout.yaml")
    deployment = deployment_from_dict(_doc("deployment.yaml"), "deployment.yaml")
    # everything but the strategy is the Deployment's: requests, probes, grace, replicas
    assert dataclasses.replace(rollout, update_strategy=deployment.update_strategy) == deployment
    # by hand from the fixture: 250m and 384Mi requested, 3 replicas, 45 s grace
    assert (rollout.cpu_request_millicores, rollout.memory_request_mib, rollout.replicas,
            rollout.termination_grace_period_s) == (250, 384.0, 3, 45.0)
    u = rollout.update_strategy
    # minReadySeconds 10 and revisionHistoryLimit 4 as written; progressDeadlineSeconds unset:
    # 600, Argo's DefaultProgressDeadlineSeconds (utils/defaults/defaults.go), a Deployment's too
    assert (u.type, u.min_ready_s, u.revision_history_limit, u.progress_deadline_s) == \
        ("blueGreen", 10, 4, 600)


def test_a_rollout_plan_simulates_as_the_deployment_plan() -> None:
    from infra_toolkit.analysis import analyze_plan

    summaries = []
    for plan in ("rollout-plan.yaml", "deployment-plan.yaml"):
        a = analyze_plan(ARGO / plan, store_location=str(ARGO / "no-such-store.sqlite"))
        run = a.run(a.expected_scenario)
        assert run is not None
        summaries.append(run.simulations["checkout"].summary)
    rollout, deployment = summaries
    assert rollout == deployment
    assert rollout.peak_replicas > 3  # the ramp scaled it above minReplicas: a real comparison


def test_the_simulate_command_reads_a_rollout_file() -> None:
    spec = read_deployment_yaml(ARGO / "rollout.yaml")
    assert (spec.name, spec.cpu_request_millicores) == ("checkout", 250)


def test_a_file_without_a_workload_names_the_three_kinds(tmp_path: Path) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x}\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"holds no Deployment, StatefulSet or Rollout; point to"):
        read_deployment_yaml(path)


def test_a_rollout_of_another_api_version_is_refused() -> None:
    doc = {**_doc("rollout.yaml"), "apiVersion": "apps/v1"}
    with pytest.raises(SpecError, match=r"apiVersion 'apps/v1' of Rollout 'checkout' in x.yaml "
                                        r"is not argoproj.io/v1alpha1, the only Argo Rollouts "
                                        r"Rollout API; write apiVersion: argoproj.io/v1alpha1"):
        deployment_from_dict(doc, "x.yaml")


def test_a_rollout_with_a_workload_ref_is_refused_with_the_fix() -> None:
    # author19: the fix named first is the one that works with the Rollout kept (its HPA names
    # the Rollout); the Deployment's own manifest leaves the Rollout unread, which it now says
    with pytest.raises(SpecError, match=(
            r"^spec.workloadRef of Rollout 'checkout' in rollout-workload-ref.yaml takes the pod "
            r"template from Deployment/checkout; the toolkit reads a Rollout's pods from its own "
            r"spec.template only and does not follow workloadRef; write the Deployment's "
            r"spec.selector and spec.template into the Rollout in place of workloadRef .* the "
            r"HPA's scaleTargetRef naming the Rollout; or point `deployment:` at the "
            r"Deployment's own manifest, with an HPA naming that Deployment and the Rollout's "
            r"steps restated in the plan's deployment_strategy \(the plan then does not read "
            r"the Rollout\)$")):
        deployment_from_dict(_doc("rollout-workload-ref.yaml"), "rollout-workload-ref.yaml")


# --- its own strategy ------------------------------------------------------------------------

@pytest.mark.parametrize(("block", "expected"), [
    # the fixture: autoPromotionSeconds 120, scaleDownDelaySeconds 45, auto promotion on
    (_doc("rollout.yaml")["spec"]["strategy"],
     DeploymentStrategy("blue-green", "the Rollout's own blueGreen strategy", preview_s=120.0,
                        auto_promote=True, scale_down_delay_s=45.0)),
    # defaults (utils/defaults/defaults.go): DefaultAutoPromotionEnabled true,
    # autoPromotionSeconds 0, DefaultScaleDownDelaySeconds 30
    ({"blueGreen": {"activeService": "a"}},
     DeploymentStrategy("blue-green", "the Rollout's own blueGreen strategy", preview_s=0.0,
                        auto_promote=True, scale_down_delay_s=30.0)),
    # autoPromotionSeconds is ignored without auto promotion (types.go): a person promotes
    ({"blueGreen": {"activeService": "a", "autoPromotionEnabled": False,
                    "autoPromotionSeconds": 300}},
     DeploymentStrategy("blue-green", "the Rollout's own blueGreen strategy", preview_s=0.0,
                        auto_promote=False, scale_down_delay_s=30.0)),
])
def test_a_blue_green_rollout_is_the_toolkits_blue_green(block: Any,
                                                         expected: DeploymentStrategy) -> None:
    argo = deployment_from_dict(_with_strategy(block)).update_strategy.argo
    assert argo is not None
    assert deployment_strategy_of(argo, "Rollout") == expected


def test_a_traffic_routed_canary_is_the_toolkits_canary_of_pods() -> None:
    argo = deployment_from_dict(_doc("rollout-canary.yaml")).update_strategy.argo
    assert argo is not None
    # setWeight 10, pause 5m = 300 s; setWeight 50, pauses 90 s and 1h30m = 90 + 5400 = 5490 s;
    # setWeight 80, pause {} (until promoted); then Argo promotes to 100 % (no pause after it)
    assert argo == ArgoStrategy("canary", traffic_router="alb", steps=(
        CanaryStep(10.0, 300.0), CanaryStep(50.0, 5490.0), CanaryStep(80.0, None),
        CanaryStep(100.0, 0.0)))
    assert deployment_strategy_of(argo, "Rollout") == DeploymentStrategy(
        "canary", "the Rollout's own canary strategy", steps=argo.steps, traffic_router="alb")


def test_a_basic_canary_is_not_modelled_and_says_why() -> None:
    argo = deployment_from_dict(_doc("rollout-basic-canary.yaml")).update_strategy.argo
    assert argo is not None and argo.steps is None and argo.max_surge == 1
    assert argo.not_modelled == (
        "spec.strategy.canary without trafficRouting (a basic canary: the weight is approximated "
        "by pod counts as the stable pods scale down, within maxSurge / maxUnavailable)",)
    own = deployment_strategy_of(argo, "Rollout")
    assert (own.type, own.steps) == ("canary", ())  # no canary figures rather than wrong ones


@pytest.mark.parametrize(("strategy", "message"), [
    (None, r"spec.strategy of Rollout 'checkout' in <dict> is missing: a Rollout needs exactly "
           r"one of spec.strategy.canary and spec.strategy.blueGreen"),
    ({"blueGren": {}}, r"spec.strategy.blueGren of Rollout 'checkout' in <dict> is not a field "
                       r"of Argo Rollouts' strategy; did you mean 'blueGreen'\?"),
    ({"canary": {}, "blueGreen": {"activeService": "a"}},
     r"spec.strategy of Rollout 'checkout' in <dict> holds both canary and blueGreen"),
    ({"blueGreen": {"previewService": "p"}},
     r"spec.strategy.blueGreen.activeService of Rollout 'checkout' in <dict> is missing"),
    ({"blueGreen": {"activeService": "a", "autoPromotionEnabled": "yes"}},
     r"spec.strategy.blueGreen.autoPromotionEnabled of Rollout 'checkout' in <dict>: 'yes' "
     r"must be true or false"),
    ({"blueGreen": {"activeService": "a", "scaleDownDelaySeconds": "1m"}},
     r"spec.strategy.blueGreen.scaleDownDelaySeconds of Rollout 'checkout' in <dict>: '1m' "
     r"must be a whole number of seconds >= 0"),
    ({"canary": {"maxSurge": 0, "maxUnavailable": "0%"}},
     r"spec.strategy.canary of Rollout 'checkout' in <dict>: maxSurge and maxUnavailable "
     r"cannot both be 0"),
    ({"canary": {"steps": [{"setWeight": 150}]}},
     r"spec.strategy.canary.steps\[0\].setWeight of Rollout 'checkout' in <dict>: 150 must be a "
     r"whole percentage from 0 to 100"),
    ({"canary": {"steps": [{"setWeigth": 20}]}},
     r"spec.strategy.canary.steps\[0\].setWeigth of Rollout 'checkout' in <dict> is not a "
     r"canary step; did you mean 'setWeight'\?"),
    ({"canary": {"steps": [{"setWeight": 20}, {"pause": {"duration": "soon"}}]}},
     r"spec.strategy.canary.steps\[1\].pause.duration of Rollout 'checkout' in <dict>: 'soon' "
     r"must be seconds \(300\) or a duration such as 30s, 10m, 1h"),
    ({"canary": {"steps": [{"setWeight": 20}, {"pause": None}]}},
     r"spec.strategy.canary.steps\[1\].pause of Rollout 'checkout' in <dict> has no value, which "
     r"Argo Rollouts refuses .*; write pause: \{\} to wait for a promotion"),
    ({"canary": {"scaleDownDelaySeconds": 30}},
     r"spec.strategy.canary.scaleDownDelaySeconds of Rollout 'checkout' in <dict> only applies "
     r"with trafficRouting"),
])
def test_a_strategy_argo_rollouts_refuses_is_refused_at_its_field(strategy: Any,
                                                                  message: str) -> None:
    with pytest.raises(SpecError, match=message):
        deployment_from_dict(_with_strategy(strategy))


# --- in a plan: the HPA's target, the strategy the report follows ----------------------------

def test_a_rollout_plan_validates_without_warnings() -> None:
    assert _messages(ARGO / "rollout-plan.yaml") == ([], [])


def test_an_hpa_scaling_a_deployment_of_the_rollouts_name_is_refused(tmp_path: Path) -> None:
    folder = _copy(tmp_path, ("hpa-rollout.yaml", "kind: Rollout", "kind: Deployment"))
    problems, _ = _messages(folder / "rollout-plan.yaml")
    assert problems == ["the HPA scales Deployment/checkout but the workload's Rollout is "
                        "Rollout/checkout; fix spec.scaleTargetRef"]


def test_an_hpa_naming_a_rollout_in_the_apps_group_is_warned(tmp_path: Path) -> None:
    folder = _copy(tmp_path, ("hpa-rollout.yaml", "argoproj.io/v1alpha1", "apps/v1"))
    problems, warnings = _messages(folder / "rollout-plan.yaml")
    assert problems == []
    assert warnings == [
        "warning: spec.scaleTargetRef.apiVersion of HPA 'checkout' is apps/v1: the controller "
        "looks the target up by group and kind and finds no Rollout in group 'apps' "
        "(FailedGetScale), so the real HPA never scales while the simulation scales it; set "
        "apiVersion: argoproj.io/v1alpha1"]


def test_a_rollout_manifest_of_the_apps_api_is_refused_in_a_plan(tmp_path: Path) -> None:
    folder = _copy(tmp_path, ("rollout.yaml", "apiVersion: argoproj.io/v1alpha1",
                              "apiVersion: apps/v1"))
    problems, _ = _messages(folder / "rollout-plan.yaml")
    assert problems == ["rollout.yaml: apiVersion 'apps/v1' is not supported for Rollout; use "
                        "argoproj.io/v1alpha1"]


def _plan_with(folder: Path, strategy: str, manifest: str = "rollout.yaml") -> Path:
    plan = folder / "rollout-plan.yaml"
    text = plan.read_text(encoding="utf-8").replace("deployment: rollout.yaml",
                                                    f"deployment: {manifest}")
    start = text.index("deployment_strategy:")
    end = text.index("monitoring:")
    plan.write_text(text[:start] + strategy + text[end:], encoding="utf-8")
    return plan


def test_a_plan_blue_green_other_than_the_rollouts_is_warned(tmp_path: Path) -> None:
    plan = _plan_with(_copy(tmp_path), (
        "deployment_strategy:\n  type: blue-green\n  description: bg\n"
        "  blue_green: {preview: 5m, auto_promote: false}\n"))
    problems, warnings = _messages(plan)
    assert problems == []
    assert warnings == [
        "warning: workload 'checkout' is an Argo Rollout: Argo Rollouts runs its own "
        "spec.strategy.blueGreen, blue-green (preview 120 s, auto_promote on, scale_down_delay "
        "45 s), while the report's Deployment Strategy figures follow the plan's "
        "deployment_strategy, blue-green (preview 300 s, auto_promote off, scale_down_delay "
        "30 s); make them say the same, or leave the workload out of "
        "deployment_strategy.workloads so the report follows the Rollout"]


def test_a_plan_rolling_strategy_gives_way_to_the_rollouts_own(tmp_path: Path) -> None:
    plan = _plan_with(_copy(tmp_path), (
        "deployment_strategy:\n  type: rolling\n  description: r\n"
        "  rolling: {max_surge: 1, max_unavailable: 0}\n"), "rollout-basic-canary.yaml")
    problems, warnings = _messages(plan)
    assert problems == []
    assert warnings == [
        "warning: the plan's rolling strategy cannot apply to workload 'checkout', an Argo "
        "Rollout: Argo Rollouts has no rolling update, it runs the Rollout's own "
        "spec.strategy.canary, which the report's rollout tables use; write the plan's "
        "deployment_strategy as that strategy, or name only the other workloads in "
        "deployment_strategy.workloads",
        "warning: the Rollout of workload 'checkout' rolls by its own spec.strategy.canary, of "
        "which these are not simulated: spec.strategy.canary without trafficRouting (a basic "
        "canary: the weight is approximated by pod counts as the stable pods scale down, within "
        "maxSurge / maxUnavailable); the report's rollout table gives only its time to Ready "
        "and no canary figures"]
    from infra_toolkit.plan import read_plan

    parsed = read_plan(plan)
    w = parsed.proposed.workloads[0]
    used = effective_strategy(parsed.deployment_strategy, w)
    assert (used.type, used.steps) == ("canary", ())


def test_what_a_blue_green_rollout_does_beyond_the_model_is_warned(tmp_path: Path) -> None:
    folder = _copy(tmp_path, ("rollout.yaml", "      scaleDownDelaySeconds: 45\n",
                              "      scaleDownDelaySeconds: 45\n      previewReplicaCount: 1\n"
                              "      antiAffinity:\n"
                              "        requiredDuringSchedulingIgnoredDuringExecution: {}\n"))
    plan = _plan_with(folder, (
        "deployment_strategy:\n  type: recreate\n  description: r\n"))
    problems, warnings = _messages(plan)
    assert problems == []
    assert warnings[1:] == [
        "warning: the Rollout of workload 'checkout' rolls by its own spec.strategy.blueGreen, "
        "of which these are not simulated: spec.strategy.blueGreen.antiAffinity (Argo keeps the "
        "new pods off the nodes of the old ones: more extra nodes than the table's); the "
        "report's figures leave them out"]  # previewReplicaCount is modelled (test_argo17_scale)
    assert warnings[0].startswith("warning: the plan's recreate strategy cannot apply to "
                                  "workload 'checkout', an Argo Rollout")
