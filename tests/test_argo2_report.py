"""The Deployment Strategy section of a plan whose workload is an Argo Rollout, checked against
Argo Rollouts' documented behaviour (docs/features/bluegreen.md, canary.md,
utils/replicaset/canary.go), every figure worked out by hand below.

Fixtures: tests/data/argo2 (README): one plan per Rollout strategy, the same pods (4 replicas,
500m CPU, image pull 6 s, app start 12 s, readiness probe initialDelaySeconds 5 / periodSeconds
10, minReadySeconds 30), an HPA of minReplicas 4 / maxReplicas 10.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.argo_rollout import argo_strategy_from
from infra_toolkit.plan_operations_types import CanaryStep
from infra_toolkit.plan_validate import check_plan_warnings
from tests.conftest import REPO_ROOT

ARGO2 = REPO_ROOT / "tests/data/argo2"


def _text(a: PlanAnalysis) -> str:
    """The section as a reader sees it: tags dropped, cells split by ' | '."""
    raw = "".join(p if isinstance(p, str) else p.to_html()
                  for p in sections.deployment_strategy(a).parts)
    raw = re.sub(r"</(tr|p|caption)>", "\n", raw)
    raw = re.sub(r"</t[dh]>\s*", " | ", raw)
    return re.sub(r"\s*\n\s*", "\n", html.unescape(re.sub(r"<[^>]+>", "", raw)))


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {k: _text(analyze_plan(ARGO2 / f"{k}-plan.yaml"))
            for k in ("bg", "canary", "basic-canary")}


def test_a_rollouts_own_canary_shows_its_steps_pauses_and_bake(texts: dict[str, str]) -> None:
    # the plan says rolling, which Argo cannot do: the Rollout's own canary is used, and its
    # steps (setWeight 5, pause 2m, setWeight 7, pause {}, setWeight 50, pause 10m) are shown
    # as a plan's canary's are, Argo's promotion to 100 % added last:
    #   step 1: 5 %, 2 min, elapsed 2 min
    #   step 2: 7 %, manual, elapsed at least 2 min (a person's wait is unknown)
    #   step 3: 50 %, 10 min, elapsed at least 2 + 10 = 12 min
    #   step 4: 100 %, no pause, elapsed at least 12 min
    t = texts["canary"]
    # after the 100 % step Argo keeps the old stable set for scaleDownDelaySeconds (unset in
    # canary-rollout.yaml, so Argo's 30 s with trafficRouting)
    assert ("Canary steps of payments (the Rollout's own spec.strategy.canary.steps, Argo's "
            "promotion to 100 % last; after it Argo keeps the previous stable ReplicaSet at full "
            "replicas for scaleDownDelaySeconds (payments 30 s), not in the elapsed times)") in t
    assert ("1 | 5 | 2 min | 2 min |\n2 | 7 | until promoted by hand | at least 2 min |\n"
            "3 | 50 | 10 min | at least 12 min |\n"
            "4 | 100 | none: the rollout completes | at least 12 min |") in t
    # the pauses 2 min + 10 min (step 4, Argo's promotion, has none: no "+ 0 s")
    assert ("Bake time: at least 12 min (the automatic pauses 2 min + 10 min, plus the "
            "wait for a manual promotion).") in t
    assert t.count("Argo Rollouts moves a step's weight only once the canary pods") == 1


def test_a_rollouts_routed_canary_pods_per_step_are_argos(texts: dict[str, str]) -> None:
    # CalculateReplicaCountsForTrafficRoutedCanary (trafficRouting): canary =
    # ceil(replicas x weight / 100), stable = replicas. At 4 replicas: 5 % -> ceil(0.2) = 1,
    # 7 % -> ceil(0.28) = 1, 50 % -> 2, 100 % -> 4; pods at once 5, 5, 6, 8. At 10: 1,
    # ceil(0.7) = 1, 5, 10 -> 11, 11, 15, 20. Room 18 (6 nodes at max_size x 3 pods of 500m on
    # an m5.large), so 20 does not fit.
    t = texts["canary"]
    for n, canary, at_once in [(4, [1, 1, 2, 4], [5, 5, 6, 8]),
                               (10, [1, 1, 5, 10], [11, 11, 15, 20])]:
        for step, (weight, c, p) in enumerate(zip([5, 7, 50, 100], canary, at_once), 1):
            assert f"| {n} | {step} | {weight} | {c} | {n} | {p} | 18 | " in t
    assert "| maxReplicas | 10 | 4 | 100 | 10 | 10 | 20 | 18 | NO |" in t


def test_a_basic_canary_rollback_starts_the_stable_pods_again(texts: dict[str, str]) -> None:
    # without trafficRouting Argo scales the stable ReplicaSet down as the canary grows
    # (CalculateReplicaCountsForCanary: stable = ceil(4 x (1 - 0.75)) = 1 pod at setWeight 75),
    # so an abort has 3 stable pods to start again: not "no pod to start"
    t = texts["basic-canary"]
    assert "no pod to start" not in t
    assert ("aborting a basic canary (no trafficRouting) scales the stable ReplicaSet back up to "
            "the full replicas, which Argo Rollouts scaled down as the canary grew") in t


@pytest.mark.parametrize("plan", ["bg", "canary", "basic-canary"])
def test_a_rollouts_rollback_names_the_argo_plugin(texts: dict[str, str], plan: str) -> None:
    # a Rollout is not a Deployment: kubectl rollout undo does not apply to it
    t = texts[plan]
    # reader24: once promoted, Argo runs an undo as a new update through every step again
    # (no spec.rollbackWindow in canary-rollout.yaml): its pauses 2 min + 10 min = 12 min and
    # the manual pause of step 2, against the plan's rollback.expected_time of 5m; the
    # blue-green and the basic canary (steps not modelled) get no such clause
    again = ("" if plan != "canary" else
             ", which Argo Rollouts runs as a new update through every canary step again: at "
             "least their pauses, 12 min and a manual promotion, longer than the plan's "
             "rollback.expected_time (5 min), as no spec.rollbackWindow lets it skip them")
    assert ("(an Argo Rollout: kubectl argo rollouts abort payments while the update runs, "
            f"kubectl argo rollouts undo payments once it is promoted{again})") in t
    assert "kubectl rollout undo" not in t


_MIN_PODS = ("canary-rollout.yaml", "      stableService: payments-stable\n",
             "      stableService: payments-stable\n      minPodsPerReplicaSet: 3\n")


def test_a_rollouts_min_pods_per_replica_set_raises_its_canary_pods(tmp_path: Path) -> None:
    # CheckMinPodsPerReplicaSet (utils/replicaset/canary.go): a count above 0 is raised to
    # max(count, 3), the stable set stays full. At 4 replicas: 5 % ceil(0.2) = 1 -> 3, 7 %
    # ceil(0.28) = 1 -> 3, 50 % 2 -> 3, 100 % 4 -> 4; pods at once 7, 7, 7, 8. At 10: 1 -> 3,
    # ceil(0.7) = 1 -> 3, 5, 10; pods at once 13, 13, 15, 20.
    for f in ARGO2.iterdir():
        shutil.copy(f, tmp_path)
    name, old, new = _MIN_PODS
    text = (tmp_path / name).read_text(encoding="utf-8")
    assert old in text
    (tmp_path / name).write_text(text.replace(old, new), encoding="utf-8")
    t = _text(analyze_plan(tmp_path / "canary-plan.yaml"))
    for n, canary, at_once in [(4, [3, 3, 3, 4], [7, 7, 7, 8]),
                               (10, [3, 3, 5, 10], [13, 13, 15, 20])]:
        for step, (weight, c, p) in enumerate(zip([5, 7, 50, 100], canary, at_once), 1):
            assert f"| {n} | {step} | {weight} | {c} | {n} | {p} | 18 | " in t


def test_a_plan_canary_without_the_rollouts_min_pods_is_warned(tmp_path: Path) -> None:
    # the plan's steps are the Rollout's, but its canary pods are ceil(replicas x weight / 100)
    # alone: the report's figures are not Argo's, so the floor is named on the Rollout's side
    strategy = _PLAN_CANARY.replace("PAUSE", "10m")
    assert _warnings(tmp_path, "canary-plan.yaml", strategy, _MIN_PODS) == [
        "warning: workload 'payments' is an Argo Rollout: Argo Rollouts runs its own "
        "spec.strategy.canary, canary (5% for 120 s, 7% for a promotion, 50% for 600 s, 100% "
        "with no pause; at least 3 canary pods above 0 %), while the report's Deployment "
        "Strategy figures follow the plan's deployment_strategy, canary (5% for 120 s, 7% for a "
        "promotion, 50% for 600 s, 100% with no pause); make them say the same, or leave the "
        "workload out of deployment_strategy.workloads so the report follows the Rollout"]


def test_a_blue_green_rollouts_overlap_counts_min_ready_and_the_default_delay(
        texts: dict[str, str]) -> None:
    # time to Ready: pull 6 s, app up at 6 + 12 = 18 s, first probe tick of the 10 s grid at or
    # after 18 s: 20 s; both sets run 20 + minReadySeconds 30 + autoPromotionSeconds 300 +
    # scaleDownDelaySeconds (unset: 30) = 380 s = 6 min 20 s; 2 x 4 = 8 pods at once, 3 nodes
    # of 3 pods of 500m where 4 pods take 2 (min_size 2): 1 extra node, for (120 s provisioning
    # + 380 s + 600 s cluster-autoscaler's unneeded time) / 3600 x $0.096 (m5.large) = $0.0293
    t = texts["bg"]
    assert ("| peak replicas in 'ramp' | 4 | 8 | 18 | yes | 18 | yes | 1 | 0.03 | 20 s | 5 min | "
            "30 s | 6 min 20 s |") in t
    assert "| maxReplicas | 10 | 20 | 18 | NO | 18 | NO | - | - | 20 s | 5 min | 30 s |" in t


_PLAN_CANARY = """deployment_strategy:
  type: canary
  description: the Rollout's canary
  canary:
    traffic_router: nginx
    steps:
      - {weight_pct: 5, pause: 2m}
      - {weight_pct: 7, pause: manual}
      - {weight_pct: 50, pause: PAUSE}
      - {weight_pct: 100}
"""


def _warnings(tmp_path: Path, plan_name: str, strategy: str,
              manifest_edit: tuple[str, str, str] | None = None) -> list[str]:
    """The warnings of tests/data/argo2's ``plan_name`` (copied to ``tmp_path``) with
    ``strategy`` as its deployment_strategy, ``manifest_edit`` (file, old, new) applied."""
    for f in ARGO2.iterdir():
        shutil.copy(f, tmp_path)
    if manifest_edit is not None:
        name, old, new = manifest_edit
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert old in text
        (tmp_path / name).write_text(text.replace(old, new), encoding="utf-8")
    plan = tmp_path / plan_name
    text = plan.read_text(encoding="utf-8")
    start, end = text.index("deployment_strategy:"), text.index("monitoring:")
    plan.write_text(text[:start] + strategy + text[end:], encoding="utf-8")
    _plan, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    return [w.message for w in warnings if "HPA" not in w.message]


def _plan_canary_messages(tmp_path: Path, pause: str, router: str = "nginx") -> list[str]:
    """canary-plan.yaml's warnings with ``_PLAN_CANARY`` (its 50 % step paused ``pause``, its
    traffic_router ``router``; the Rollout's is nginx)."""
    return _warnings(tmp_path, "canary-plan.yaml", _PLAN_CANARY.replace("PAUSE", pause).replace(
        "traffic_router: nginx", f"traffic_router: {router}"))


def test_a_plan_canary_saying_what_the_rollout_does_is_not_warned(tmp_path: Path) -> None:
    # the Rollout: 5 % for 2m, 7 % until promoted, 50 % for 10m, then Argo promotes to 100 %
    # with no pause. The plan writes that last step {weight_pct: 100}: no pause, the rollout
    # completes there, so the plan below says the same and no warning is due.
    assert _plan_canary_messages(tmp_path, "10m") == []


def test_a_plan_waiting_for_a_person_where_the_rollout_completes_is_warned(
        tmp_path: Path) -> None:
    # the plan's last step is {weight_pct: 100, pause: manual}: a person promotes; the Rollout
    # ends after its 50 % pause, so Argo completes it without one (this used to pass unwarned,
    # the plan's last step without a pause read as a manual one)
    strategy = _PLAN_CANARY.replace("PAUSE", "10m").replace(
        "{weight_pct: 100}", "{weight_pct: 100, pause: manual}")
    assert _warnings(tmp_path, "canary-plan.yaml", strategy) == [
        "warning: workload 'payments' is an Argo Rollout: Argo Rollouts runs its own "
        "spec.strategy.canary, canary (5% for 120 s, 7% for a promotion, 50% for 600 s, 100% "
        "with no pause), while the report's Deployment Strategy figures follow the plan's "
        "deployment_strategy, canary (5% for 120 s, 7% for a promotion, 50% for 600 s, 100% "
        "for a promotion); make them say the same, or leave the workload out of "
        "deployment_strategy.workloads so the report follows the Rollout"]


def test_a_rollouts_last_manual_pause_is_the_plans_manual_one(tmp_path: Path) -> None:
    # the Rollout ends with setWeight 100 and pause {} (Argo waits for a promotion at 100 %):
    # the plan's {weight_pct: 100, pause: manual} says the same, and its {weight_pct: 100}
    # (complete at once) does not
    edit = ("canary-rollout.yaml", "        - pause: {duration: 10m}\n",
            "        - pause: {duration: 10m}\n        - setWeight: 100\n        - pause: {}\n")
    manual = _PLAN_CANARY.replace("PAUSE", "10m").replace(
        "{weight_pct: 100}", "{weight_pct: 100, pause: manual}")
    assert _warnings(tmp_path, "canary-plan.yaml", manual, edit) == []
    (message,) = _warnings(tmp_path, "canary-plan.yaml", _PLAN_CANARY.replace("PAUSE", "10m"),
                           edit)
    assert ("runs its own spec.strategy.canary, canary (5% for 120 s, 7% for a promotion, 50% for "
            "600 s, 100% for a promotion), while the report's Deployment Strategy figures follow "
            "the plan's deployment_strategy, canary (5% for 120 s, 7% for a promotion, 50% for "
            "600 s, 100% with no pause)") in message


def test_a_plan_canary_pausing_otherwise_than_the_rollout_is_warned(tmp_path: Path) -> None:
    # 50 % for 5m = 300 s in the plan, 10m = 600 s in the Rollout
    assert _plan_canary_messages(tmp_path, "5m") == [
        "warning: workload 'payments' is an Argo Rollout: Argo Rollouts runs its own "
        "spec.strategy.canary, canary (5% for 120 s, 7% for a promotion, 50% for 600 s, 100% "
        "with no pause), while the report's Deployment Strategy figures follow the plan's "
        "deployment_strategy, canary (5% for 120 s, 7% for a promotion, 50% for 300 s, 100% "
        "with no pause); make them say the same, or leave the workload out of "
        "deployment_strategy.workloads so the report follows the Rollout"]


def test_a_plan_naming_another_router_than_the_rollouts_is_warned(tmp_path: Path) -> None:
    # the Rollout's trafficRouting is nginx; Argo shifts the traffic with it whatever the plan
    # says, and CalculateReplicaCountsForTrafficRoutedCanary (utils/replicaset/canary.go) sizes
    # the canary from the weight alone, so the pods do not depend on the router
    assert _plan_canary_messages(tmp_path, "10m", "istio") == [
        "warning: workload 'payments' is an Argo Rollout routed by its "
        "spec.strategy.canary.trafficRouting.nginx, while the plan's "
        "deployment_strategy.canary.traffic_router is 'istio': Argo Rollouts shifts the traffic "
        "with nginx, the report's Traffic router row shows 'istio' (the canary pods are the "
        "same under either); name nginx in traffic_router"]


@pytest.mark.parametrize("router", ["nginx", "ingress-nginx", "NGINX Ingress Controller"])
def test_a_plan_naming_the_rollouts_router_is_not_warned(tmp_path: Path, router: str) -> None:
    assert _plan_canary_messages(tmp_path, "10m", router) == []


def _routed_steps(steps: list[dict[str, object]]) -> tuple[CanaryStep, ...] | None:
    argo, problems = argo_strategy_from(
        {"strategy": {"canary": {"trafficRouting": {"alb": {}}, "steps": steps}}})
    assert problems == []
    return argo.steps


@pytest.mark.parametrize(("steps", "expected"), [
    # a manual pause then a 10m one: a person promotes, then 10 min = 600 s more at 50 %; both
    # kept (they used to merge into one manual pause, losing the 600 s from the bake time)
    ([{"setWeight": 50}, {"pause": {}}, {"pause": {"duration": "10m"}}],
     (CanaryStep(50.0, None), CanaryStep(50.0, 600.0), CanaryStep(100.0, 0.0))),
    # 10m then a manual pause: 600 s, then the wait for a person (the 600 s used to be dropped)
    ([{"setWeight": 50}, {"pause": {"duration": "10m"}}, {"pause": {}}],
     (CanaryStep(50.0, 600.0), CanaryStep(50.0, None), CanaryStep(100.0, 0.0))),
    # two manual pauses: two promotions by hand
    ([{"setWeight": 50}, {"pause": {}}, {"pause": {}}],
     (CanaryStep(50.0, None), CanaryStep(50.0, None), CanaryStep(100.0, 0.0))),
    # timed pauses still sum: 90 + 1h30m = 90 + 5400 = 5490 s
    ([{"setWeight": 50}, {"pause": {"duration": 90}}, {"pause": {"duration": "1h30m"}}],
     (CanaryStep(50.0, 5490.0), CanaryStep(100.0, 0.0))),
    # Argo's DurationSeconds is int32(d.Seconds()): 1.5s waits 1 s, 500ms 0 s
    ([{"setWeight": 20}, {"pause": {"duration": "1.5s"}}, {"setWeight": 40},
      {"pause": {"duration": "500ms"}}],
     (CanaryStep(20.0, 1.0), CanaryStep(40.0, 0.0), CanaryStep(100.0, 0.0))),
])
def test_a_rollouts_pauses_keep_every_wait(steps: list[dict[str, object]],
                                           expected: tuple[CanaryStep, ...]) -> None:
    assert _routed_steps(steps) == expected


_NO_AUTO = ("bg-rollout.yaml", "      autoPromotionSeconds: 300\n",
            "      autoPromotionEnabled: false\n")


def _plan_blue_green(delay: str) -> str:
    return ("deployment_strategy:\n  type: blue-green\n  description: by hand\n"
            f"  blue_green: {{preview: 5m, auto_promote: false, scale_down_delay: {delay}}}\n")


def test_a_manual_blue_green_plan_is_not_warned_for_its_preview(tmp_path: Path) -> None:
    # autoPromotionEnabled: false waits for `kubectl argo rollouts promote`: the manifest says
    # nothing of how long, so the plan's preview (5m, its guess at the person's wait; it cannot
    # be 0 s) is not compared; scale-down delays 30 s both (the Rollout's unset: Argo's 30)
    assert _warnings(tmp_path, "bg-plan.yaml", _plan_blue_green("30s"), _NO_AUTO) == []


def test_a_manual_blue_green_plan_of_another_delay_is_warned(tmp_path: Path) -> None:
    assert _warnings(tmp_path, "bg-plan.yaml", _plan_blue_green("45s"), _NO_AUTO) == [
        "warning: workload 'payments' is an Argo Rollout: Argo Rollouts runs its own "
        "spec.strategy.blueGreen, blue-green (preview until promoted by hand, auto_promote off, "
        "scale_down_delay 30 s), while the report's Deployment Strategy figures follow the "
        "plan's deployment_strategy, blue-green (preview 300 s, auto_promote off, "
        "scale_down_delay 45 s); make them say the same, or leave the workload out of "
        "deployment_strategy.workloads so the report follows the Rollout"]


def test_a_manual_blue_green_rollouts_preview_is_a_person_not_0_s(tmp_path: Path) -> None:
    # the plan says recreate, which Argo cannot do: the Rollout's own blueGreen is used, here
    # without auto promotion, so the preview lasts until `kubectl argo rollouts promote`; both
    # sets run at least 20 s to Ready + 30 s minReadySeconds + 30 s delay = 80 s = 1 min 20 s;
    # the extra node (8 pods of 500m, 3 a node: 3 nodes, 1 above the 2 the 4 pods take) costs at
    # least (120 s provisioning + 80 s + 600 s unneeded) / 3600 x $0.096 = $0.0213 -> 0.02
    for f in ARGO2.iterdir():
        shutil.copy(f, tmp_path)
    rollout = tmp_path / "bg-rollout.yaml"
    rollout.write_text(rollout.read_text(encoding="utf-8").replace(
        "autoPromotionSeconds: 300", "autoPromotionEnabled: false"), encoding="utf-8")
    plan = tmp_path / "bg-plan.yaml"
    text = plan.read_text(encoding="utf-8")
    start, end = text.index("deployment_strategy:"), text.index("monitoring:")
    plan.write_text(text[:start] + "deployment_strategy:\n  type: recreate\n  description: r\n"
                    + text[end:], encoding="utf-8")
    t = _text(analyze_plan(plan))
    assert "| minReplicas | 4 | 8 | 18 | yes | 18 | yes | 1 | at least 0.02 | 20 s | until " \
        "promoted by hand | 30 s | at least 1 min 20 s |" in t


def test_a_routed_canarys_scale_down_delay_is_read() -> None:
    # scaleDownDelaySeconds: 120 on a canary with trafficRouting: the previous stable set stays
    # 120 s after the promotion; unset, Argo's 30 s
    for block, expected_s in [({"scaleDownDelaySeconds": 120}, 120), ({}, 30)]:
        argo, problems = argo_strategy_from({"strategy": {"canary": {
            "trafficRouting": {"nginx": {"stableIngress": "web"}}, **block}}})
        assert problems == [] and argo.scale_down_delay_s == expected_s


def test_a_one_item_security_checklist_says_item() -> None:
    # tests/data/argo2's plans list one security item (IRSA, done): "1 item: 1 done.", not
    # "1 items"
    a = analyze_plan(ARGO2 / "canary-plan.yaml")
    assert len(a.plan.security) == 1
    assert sections.security(a).parts[0] == "<p>1 item: 1 done.</p>"
