"""An Argo Rollout's pod counts beyond setWeight, as Argo Rollouts computes them; each expected
value is worked out by hand from the Argo source named beside it (argoproj/argo-rollouts), the
table entries of its own tests quoted by name:

- utils/replicaset/canary.go ``CalculateReplicaCountsForTrafficRoutedCanary``: canary =
  ``*setCanaryScaleReplicas`` when a scale of replicas is in force, else
  ``CheckMinPodsPerReplicaSet(trafficWeightToReplicas(replicas, desiredWeight, maxWeight))``;
  without dynamicStableScale the stable set stays at the replicas; with it, stable =
  ``max(trafficWeightToReplicas(replicas, maxWeight - desiredWeight, maxWeight),
  trafficWeightToReplicas(replicas, weights.Stable.Weight, maxWeight))`` and both counts get
  the floor; ``trafficWeightToReplicas`` = ceil(weight x replicas / maxWeight);
- ``GetCanaryReplicasOrWeight``: a scale's replicas first (with weight 0), then its weight,
  else the setWeight; ``UseSetCanaryScale``: the last setCanaryScale at or before the current
  step, nil for ``matchTrafficWeight``, nil once the steps are done;
- rollout/canary.go ``reconcileCanaryStableReplicaSet`` passes the *previous* status weights,
  "so that the stable scaling happens in a subsequent, follow-up reconciliation, lagging behind
  the setWeight";
- utils/replicaset/replicaset.go ``NewRSNewReplicas``: a blue-green's new set runs
  ``previewReplicaCount`` until ``scaleUpPreviewCheckPoint`` (the pause done and the preview
  pods available), then the replicas.

Fixtures: tests/data/argo2 (4 replicas of 500m, time to Ready 20 s, minReadySeconds 30, an HPA
of 4 to 10, m5.large nodes of 3 such pods at $0.096 an hour, min_size 2, room 18).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.argo_rollout import ArgoStrategy, argo_strategy_from, deployment_strategy_of
from infra_toolkit.plan_operations_types import CanaryStep
from infra_toolkit.rollout import CanaryStepPods, blue_green_rollout, canary_step_pods
from tests.test_argo2_report import ARGO2, _text, _warnings

_NGINX = {"nginx": {"stableIngress": "web"}}


def _canary(steps: list[dict[str, object]], routing: dict[str, object] | None = None,
            **canary: object) -> tuple[ArgoStrategy, list[str]]:
    return argo_strategy_from({"strategy": {"canary": {
        "trafficRouting": _NGINX if routing is None else routing, "steps": steps, **canary}}})


def _pods(argo: ArgoStrategy, replicas: int) -> tuple[CanaryStepPods, ...]:
    s = deployment_strategy_of(argo, "Rollout")
    return canary_step_pods(s.steps, replicas, s.canary_min_pods, s.canary_max_weight,
                            s.canary_dynamic_stable)


# --- 1. Argo's own table entries (canary_test.go) --------------------------------------------

@pytest.mark.parametrize(("name", "replicas", "steps", "floor", "canary", "stable"), [
    # "For canary replicas, use setCanaryScale.replicas when specified along with
    # trafficRouting (and ignore setWeight)": 1 replica, setWeight 100, replicas 9 -> 9, 1
    ("scale replicas", 1, [CanaryStep(100.0, 0.0, scale_replicas=9)], 0, 9, 1),
    # "Use setCanaryScale.weight for canary replicas ... (and ignore setWeight)": 4 replicas,
    # weight 200 -> ceil(200 x 4 / 100) = 8 canary, the stable 4
    ("scale weight", 4, [CanaryStep(100.0, 0.0, scale_weight_pct=200.0)], 0, 8, 4),
    # "Ignore setCanaryScale replicas/weight when matchTrafficWeight is true": 10 replicas,
    # setWeight 20 -> ceil(20 x 10 / 100) = 2 (the parser drops a matching scale: see below)
    ("match traffic", 10, [CanaryStep(20.0, 0.0)], 0, 2, 10),
    # "Honor MinPodsPerReplicaSet when using trafficRouting and starting canary": 10 replicas,
    # setWeight 5, floor 2 -> ceil(50 / 100) = 1 -> max(1, 2) = 2
    ("floor", 10, [CanaryStep(5.0, 0.0)], 2, 2, 10),
])
def test_argos_traffic_routed_table_entries(name: str, replicas: int,
                                            steps: list[CanaryStep], floor: int, canary: int,
                                            stable: int) -> None:
    (got,) = canary_step_pods(steps, replicas, floor)
    assert (got.canary_pods, got.stable_pods) == (canary, stable), name


def test_argos_dynamic_scale_table_entries() -> None:
    # TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale, 10 replicas:
    # "Should scale down stable": setWeight 10, weights 10 / 90 -> canary ceil(100 / 100) = 1,
    #   stable max(ceil(90 x 10 / 100), ceil(90 x 10 / 100)) = 9
    # "Should take max of desired canary (20) > actual (10)": setWeight 20, weights still
    #   10 / 90 -> canary ceil(200 / 100) = 2, stable max(ceil(80 x 10 / 100) = 8, 9) = 9: the
    #   step at 20 % while the traffic is still at the previous 10 %
    got = canary_step_pods([CanaryStep(10.0, 60.0), CanaryStep(20.0, 60.0)], 10,
                           dynamic_stable=True)
    assert (got[0].canary_pods, got[0].stable_pods) == (1, 9)
    assert (got[1].canary_pods, got[1].stable_pods_moving) == (2, 9)
    assert got[1].stable_pods == 8  # once the traffic moved: ceil(80 x 10 / 100)


@pytest.mark.parametrize(("replicas", "weight", "max_weight", "canary"), [
    (10, 33, 100, 4),             # TestTrafficWeightToReplicas: ceil(330 / 100) = 4
    (23, 100_000_000, 100_000_000, 23),  # ... ceil(23 x 1e8 / 1e8) = 23
    (10, 25, 1000, 1),            # 25 of 1000 (2.5 %): ceil(250 / 1000) = ceil(0.25) = 1
    (10, 1, 3, 4),                # 1 of 3: ceil(10 / 3) = ceil(3.33) = 4 (33.33... %)
])
def test_weights_count_out_of_max_traffic_weight(replicas: int, weight: int, max_weight: int,
                                                 canary: int) -> None:
    argo, problems = _canary([{"setWeight": weight}],
                             {"nginx": {"stableIngress": "web"}, "maxTrafficWeight": max_weight})
    assert problems == [] and argo.not_modelled == () and argo.max_traffic_weight == max_weight
    assert argo.steps is not None and argo.steps[0].weight_pct == pytest.approx(
        100 * weight / max_weight)  # the traffic share, as a percentage
    assert _pods(argo, replicas)[0].canary_pods == canary


# --- 2. setCanaryScale in the step list -------------------------------------------------------

def test_a_canary_scale_holds_until_match_traffic_weight() -> None:
    # a scale of 2 pods at weight 0 until promoted, kept at 25 % for 10 min, handed back to the
    # traffic by matchTrafficWeight, 50 % for 5 min, then Argo's promotion (no scale in force
    # once the steps are done). At 8 replicas (stable 8 throughout):
    #   0 %: 2 (scale) -> 10 at once;  25 %: still 2 (UseSetCanaryScale finds step 0) -> 10
    #   match at 25 %: ceil(25 x 8 / 100) = 2 -> 10;  50 %: 4 -> 12;  100 %: 8 -> 16
    argo, problems = _canary([
        {"setCanaryScale": {"replicas": 2}}, {"pause": {}}, {"setWeight": 25},
        {"pause": {"duration": "10m"}}, {"setCanaryScale": {"matchTrafficWeight": True}},
        {"setWeight": 50}, {"pause": {"duration": "5m"}}])
    assert problems == [] and argo.not_modelled == ()
    assert argo.steps == (CanaryStep(0.0, None, 2), CanaryStep(25.0, 600.0, 2),
                          CanaryStep(25.0, 0.0), CanaryStep(50.0, 300.0),
                          CanaryStep(100.0, 0.0))
    assert [(p.canary_pods, p.pods_at_once) for p in _pods(argo, 8)] == [
        (2, 10), (2, 10), (2, 10), (4, 12), (8, 16)]


def test_a_canary_scale_at_the_last_step_still_ends_in_the_promotion() -> None:
    # setWeight 10, a scale of half the replicas for 1 h, setWeight 100 (the scale still in
    # force: 100 % of the traffic to 2 pods), then Argo's promotion to the full replicas. At 4:
    #   10 %: ceil(0.4) = 1;  scale 50: ceil(200 / 100) = 2;  100 % under it: 2;  promotion: 4
    argo, _ = _canary([{"setWeight": 10}, {"setCanaryScale": {"weight": 50}},
                       {"pause": {"duration": "1h"}}, {"setWeight": 100}])
    assert argo.steps == (CanaryStep(10.0, 0.0), CanaryStep(10.0, 3600.0, None, 50.0),
                          CanaryStep(100.0, 0.0, None, 50.0), CanaryStep(100.0, 0.0))
    assert [p.canary_pods for p in _pods(argo, 4)] == [1, 2, 2, 4]


def test_a_canary_scale_of_replicas_wins_and_ignores_the_floor() -> None:
    # GetCanaryReplicasOrWeight reads scs.Replicas before scs.Weight; without
    # dynamicStableScale the count is returned as written (no CheckMinPodsPerReplicaSet): 1
    # canary pod beside 6 though the floor is 3; {} hands the size back to the weight
    # (neither field: GetDesiredCanaryWeight), 20 % of 6: ceil(1.2) = 2 -> max(2, 3) = 3
    argo, problems = _canary([{"setCanaryScale": {"replicas": 1, "weight": 90}},
                              {"setWeight": 20}, {"setCanaryScale": {}}],
                             minPodsPerReplicaSet=3)
    assert problems == []
    assert [(p.canary_pods, p.stable_pods) for p in _pods(argo, 6)] == [
        (1, 6), (1, 6), (3, 6), (6, 6)]


# --- 3. dynamicStableScale ---------------------------------------------------------------------

def test_dynamic_stable_scale_shrinks_the_stable_set_a_step_behind_the_traffic() -> None:
    # 10 replicas, 10 % then 50 %, then the promotion; canary ceil(w x 10 / 100); stable
    # max(ceil((100 - w) x 10 / 100), ceil((100 - previous w) x 10 / 100)) while moving, the
    # first of them once moved; the weight before the rollout is 0 (stable weight 100):
    #   10 %: canary 1, stable 9, while moving 10 -> 11 at once
    #   50 %: canary 5, stable 5, while moving 9 -> 14 at once
    #   100 %: canary 10, stable 0, while moving 5 -> 15 at once (20 without dynamicStableScale)
    argo, problems = _canary([{"setWeight": 10}, {"pause": {"duration": 60}},
                              {"setWeight": 50}, {"pause": {"duration": 60}}],
                             dynamicStableScale=True)
    assert problems == [] and argo.not_modelled == () and argo.dynamic_stable_scale
    assert _pods(argo, 10) == (CanaryStepPods(10.0, 1, 9, 10), CanaryStepPods(50.0, 5, 5, 9),
                               CanaryStepPods(100.0, 10, 0, 5))
    assert [p.pods_at_once for p in _pods(argo, 10)] == [11, 14, 15]


def test_dynamic_stable_scale_with_a_scale_and_a_floor() -> None:
    # 10 replicas, floor 3. Under a scale of 2 replicas the desired weight is 0, so the stable
    # stays at ceil(100 x 10 / 100) = 10 (at 0 % and at 10 %), and the floor then applies to
    # the canary too (CheckMinPodsPerReplicaSet(canaryCount)): max(2, 3) = 3.
    #   match at 10 %: canary ceil(10 x 10 / 100) = 1 -> 3; stable ceil(90 x 10 / 100) = 9,
    #     while moving (the traffic already at 10 %) 9
    #   90 %: canary 9; stable ceil(10 x 10 / 100) = 1 -> floor 3; while moving
    #     max(1, ceil(90 x 10 / 100) = 9) = 9
    #   100 %: canary 10; stable 0 (a count of 0 keeps 0); while moving ceil(10 x 10 / 100) = 1
    #     -> 3
    argo, _ = _canary([{"setCanaryScale": {"replicas": 2}}, {"setWeight": 10},
                       {"setCanaryScale": {"matchTrafficWeight": True}}, {"setWeight": 90}],
                      dynamicStableScale=True, minPodsPerReplicaSet=3)
    assert _pods(argo, 10) == (
        CanaryStepPods(0.0, 3, 10, 10), CanaryStepPods(10.0, 3, 10, 10),
        CanaryStepPods(10.0, 3, 9, 9), CanaryStepPods(90.0, 9, 3, 9),
        CanaryStepPods(100.0, 10, 0, 3))


# --- 4. what Argo refuses, at its field --------------------------------------------------------

@pytest.mark.parametrize(("canary", "message"), [
    ({"steps": [{"setCanaryScale": {"replicas": 2}}]},
     "spec.strategy.canary.steps[0].setCanaryScale needs spec.strategy.canary.trafficRouting, "
     "which Argo Rollouts refuses it without (SetCanaryScale requires TrafficRouting to be "
     "set); add a trafficRouting or remove the step"),
    ({"trafficRouting": _NGINX, "steps": [{"setCanaryScale": {"replicas": "2"}}]},
     "spec.strategy.canary.steps[0].setCanaryScale.replicas: '2' must be a whole pods >= 0"),
    ({"trafficRouting": _NGINX, "steps": [{"setCanaryScale": {"weight": -5}}]},
     "spec.strategy.canary.steps[0].setCanaryScale.weight: -5 must be a whole weight (of 100) "
     ">= 0"),
    ({"trafficRouting": _NGINX, "steps": [{"setCanaryScale": {"replica": 2}}]},
     "spec.strategy.canary.steps[0].setCanaryScale.replica is not a field of Argo Rollouts' "
     "setCanaryScale"),
    ({"trafficRouting": _NGINX, "steps": [{"setCanaryScale": {"matchTrafficWeight": "yes"}}]},
     "spec.strategy.canary.steps[0].setCanaryScale.matchTrafficWeight: 'yes' must be true or "
     "false"),
    ({"trafficRouting": {**_NGINX, "maxTrafficWeight": 1000}, "steps": [{"setWeight": 1200}]},
     "spec.strategy.canary.steps[0].setWeight: 1200 must be a whole weight from 0 to 1000, the "
     "trafficRouting's maxTrafficWeight"),
    ({"trafficRouting": _NGINX, "steps": [{"setWeight": 150}]},
     "spec.strategy.canary.steps[0].setWeight: 150 must be a whole percentage from 0 to 100"),
    ({"trafficRouting": {**_NGINX, "maxTrafficWeight": 0}},
     "spec.strategy.canary.trafficRouting.maxTrafficWeight: 0 must be a whole number above 0"),
    ({"trafficRouting": _NGINX, "dynamicStableScale": "true"},
     "spec.strategy.canary.dynamicStableScale: 'true' must be true or false"),
    ({"trafficRouting": _NGINX, "dynamicStableScale": True, "scaleDownDelaySeconds": 30},
     "spec.strategy.canary.dynamicStableScale cannot go with scaleDownDelaySeconds (Argo "
     "Rollouts refuses both"),
])
def test_what_argo_refuses_is_refused_at_its_field(canary: dict[str, object],
                                                   message: str) -> None:
    _argo, problems = argo_strategy_from({"strategy": {"canary": canary}})
    assert len(problems) == 1 and problems[0].startswith(message), problems


def test_a_setweight_above_100_is_read_under_a_larger_max_traffic_weight() -> None:
    # InvalidSetWeightMessage is formatted with maxTrafficWeight: 150 of 1000 is 15 %
    argo, problems = _canary([{"setWeight": 150}], {**_NGINX, "maxTrafficWeight": 1000})
    assert problems == [] and argo.steps == (CanaryStep(15.0, 0.0), CanaryStep(100.0, 0.0))


# --- 5. blueGreen.previewReplicaCount ----------------------------------------------------------

@pytest.mark.parametrize(("preview", "phases", "at_once", "overlap_s"), [
    # 4 replicas, Ready 20 s + minReadySeconds 30, preview 300 s, delay 30 s:
    # P 1: 4 + 1 = 5 pods for 20 + 30 + 300 = 350 s, then 8 for 20 + 30 + 30 = 80 s
    (1, ((5, 350.0), (8, 80.0)), 8, 80.0),
    # P 0: no pod to wait for: 4 pods for the 300 s preview, then 8 for 80 s
    (0, ((4, 300.0), (8, 80.0)), 8, 80.0),
    # P 4 = replicas: nothing left to start after the promotion: 8 for 350 s, then 30 s
    (4, ((8, 350.0), (8, 30.0)), 8, 30.0),
    # P 6 > replicas (Argo does not refuse it): 10 pods during the preview, the most at once
    (6, ((10, 350.0), (8, 30.0)), 10, 30.0),
    # unset: both full sets for 20 + 30 + 300 + 30 = 380 s
    (None, ((8, 380.0),), 8, 380.0),
])
def test_a_preview_replica_count_runs_fewer_pods_until_promotion(
        preview: int | None, phases: tuple[tuple[int, float], ...], at_once: int,
        overlap_s: float) -> None:
    b = blue_green_rollout(4, 20.0, 300.0, None, min_ready_s=30.0, preview_replicas=preview)
    assert (b.phases, b.pods_at_once, b.overlap_s) == (phases, at_once, overlap_s)


def _bg_text(tmp_path: Path, preview: int) -> str:
    """bg-plan.yaml's section, its Rollout given ``previewReplicaCount: preview`` and the plan
    a recreate strategy, which Argo cannot run: the report follows the Rollout's own."""
    for f in ARGO2.iterdir():
        shutil.copy(f, tmp_path)
    rollout = tmp_path / "bg-rollout.yaml"
    rollout.write_text(rollout.read_text(encoding="utf-8").replace(
        "autoPromotionSeconds: 300", f"autoPromotionSeconds: 300\n      previewReplicaCount: "
        f"{preview}"), encoding="utf-8")
    plan = tmp_path / "bg-plan.yaml"
    text = plan.read_text(encoding="utf-8")
    start, end = text.index("deployment_strategy:"), text.index("monitoring:")
    plan.write_text(text[:start] + "deployment_strategy:\n  type: recreate\n  description: r\n"
                    + text[end:], encoding="utf-8")
    return _text(analyze_plan(plan))


def test_a_preview_of_one_pod_bills_the_extra_node_after_promotion_only(tmp_path: Path) -> None:
    # peak replicas 4: the preview's 4 + 1 = 5 pods fit the 2 nodes of min_size (3 pods of 500m
    # a node), so no extra node for 350 s; then 8 pods take 3 nodes: 1 extra for 80 s, billed
    # (120 s provisioning + 80 s + 600 s unneeded) / 3600 x $0.096 = $0.0213 -> 0.02 (both
    # full sets for 380 s cost 0.03 before); both sets run 20 + 30 + 30 s = 1 min 20 s
    t = _bg_text(tmp_path, 1)
    assert ("| peak replicas in 'ramp' | 4 | 1 | 5 | 8 | 18 | yes | 18 | yes | 1 | 0.02 | 20 s "
            "| 5 min | 30 s | 1 min 20 s |") in t


def test_a_preview_needing_the_extra_node_holds_it_through_both_phases(tmp_path: Path) -> None:
    # P 3: 4 + 3 = 7 pods take 3 nodes already in the preview: the extra node runs 350 + 80 =
    # 430 s, (120 + 430 + 600) / 3600 x $0.096 = $0.0307 -> 0.03 (0.02 were it billed for the
    # 80 s alone)
    t = _bg_text(tmp_path, 3)
    assert ("| peak replicas in 'ramp' | 4 | 3 | 7 | 8 | 18 | yes | 18 | yes | 1 | 0.03 | 20 s "
            "| 5 min | 30 s | 1 min 20 s |") in t


# --- 6. the report and the warnings ------------------------------------------------------------

def test_a_dynamic_stable_scale_canary_fits_where_the_full_stable_set_did_not(
        tmp_path: Path) -> None:
    # canary-rollout.yaml's steps 5, 7, 50 % (+ the promotion) with dynamicStableScale. At 10
    # replicas (maxReplicas; room 18):
    #   5 %: canary 1, stable ceil(95 x 10 / 100) = 10, moving 10 -> 11
    #   7 %: canary 1, stable ceil(9.3) = 10, moving 10 -> 11
    #   50 %: canary 5, stable 5, moving ceil(9.3) = 10 -> 15
    #   100 %: canary 10, stable 0, moving 5 -> 15, which fits 18 (20 did not)
    for f in ARGO2.iterdir():
        shutil.copy(f, tmp_path)
    rollout = tmp_path / "canary-rollout.yaml"
    rollout.write_text(rollout.read_text(encoding="utf-8").replace(
        "      stableService: payments-stable\n",
        "      stableService: payments-stable\n      dynamicStableScale: true\n"),
        encoding="utf-8")
    t = _text(analyze_plan(tmp_path / "canary-plan.yaml"))
    for step, (weight, canary, stable, moving, at_once) in enumerate(
            [(5, 1, 10, 10, 11), (7, 1, 10, 10, 11), (50, 5, 5, 10, 15),
             (100, 10, 0, 5, 15)], 1):
        assert (f"| maxReplicas | 10 | {step} | {weight} | {canary} | {stable} | {moving} | "
                f"{at_once} | 18 | yes |") in t
    assert "aborting a canary with dynamicStableScale scales the stable ReplicaSet" in t
    assert "keeps the previous stable ReplicaSet at full replicas" not in t


def test_a_plan_blue_green_without_the_preview_replica_count_is_warned(tmp_path: Path) -> None:
    strategy = ("deployment_strategy:\n  type: blue-green\n  description: b\n"
                "  blue_green: {preview: 5m, auto_promote: true, scale_down_delay: 30s}\n")
    edit = ("bg-rollout.yaml", "      autoPromotionSeconds: 300\n",
            "      autoPromotionSeconds: 300\n      previewReplicaCount: 1\n")
    assert _warnings(tmp_path, "bg-plan.yaml", strategy, edit) == [
        "warning: workload 'payments' is an Argo Rollout: Argo Rollouts runs its own "
        "spec.strategy.blueGreen, blue-green (preview 300 s, auto_promote on, scale_down_delay "
        "30 s, the preview set 1 pod(s) until promoted), while the report's Deployment Strategy "
        "figures follow the plan's deployment_strategy, blue-green (preview 300 s, auto_promote "
        "on, scale_down_delay 30 s); make them say the same, or leave the workload out of "
        "deployment_strategy.workloads so the report follows the Rollout"]


def test_a_plan_canary_without_the_rollouts_canary_scale_is_warned(tmp_path: Path) -> None:
    strategy = ("deployment_strategy:\n  type: canary\n  description: c\n  canary:\n"
                "    traffic_router: nginx\n    steps:\n      - {weight_pct: 5, pause: 2m}\n"
                "      - {weight_pct: 7, pause: manual}\n      - {weight_pct: 50, pause: 10m}\n"
                "      - {weight_pct: 100}\n")
    edit = ("canary-rollout.yaml", "        - setWeight: 50\n",
            "        - setCanaryScale: {replicas: 3}\n        - setWeight: 50\n")
    (message,) = _warnings(tmp_path, "canary-plan.yaml", strategy, edit)
    assert ("canary (5% for 120 s, 7% for a promotion, 7% for 0 s with 3 canary pod(s), 50% for "
            "600 s with 3 canary pod(s), 100% with no pause)") in message


def test_the_steps_table_names_the_canary_scale_in_force(tmp_path: Path) -> None:
    # canary-rollout.yaml with a scale of 3 pods before its 50 % step: the steps are 5 % for
    # 2 min, 7 % until promoted, the scale at 7 % (no pause), 50 % for 10 min under it, then
    # the promotion without a scale (UseSetCanaryScale: nil once the steps are done)
    for f in ARGO2.iterdir():
        shutil.copy(f, tmp_path)
    rollout = tmp_path / "canary-rollout.yaml"
    rollout.write_text(rollout.read_text(encoding="utf-8").replace(
        "        - setWeight: 50\n", "        - setCanaryScale: {replicas: 3}\n"
        "        - setWeight: 50\n"), encoding="utf-8")
    t = _text(analyze_plan(tmp_path / "canary-plan.yaml"))
    assert ("1 | 5 | the traffic weight | 2 min | 2 min |\n"
            "2 | 7 | the traffic weight | until promoted by hand | at least 2 min |\n"
            "3 | 7 | 3 pod(s) | 0 s | at least 2 min |\n"
            "4 | 50 | 3 pod(s) | 10 min | at least 12 min |\n"
            "5 | 100 | the traffic weight | none: the rollout completes | at least 12 min |") in t
    # at 4 replicas the canary pods are 1, 1, 3, 3, 4 beside the 4 stable ones
    for step, (weight, canary) in enumerate([(5, 1), (7, 1), (7, 3), (50, 3), (100, 4)], 1):
        assert f"| 4 | {step} | {weight} | {canary} | 4 | {4 + canary} | 18 | yes |" in t


@pytest.mark.parametrize(("strategy", "note"), [
    ({"canary": {"trafficRouting": _NGINX, "abortScaleDownDelaySeconds": 0}},
     "spec.strategy.canary.abortScaleDownDelaySeconds 0 (on an abort Argo keeps the new pods "
     "until the next update before scaling them down; the figures do not time an abort)"),
    ({"blueGreen": {"activeService": "a", "abortScaleDownDelaySeconds": 60}},
     "spec.strategy.blueGreen.abortScaleDownDelaySeconds 60 (on an abort Argo keeps the new "
     "pods 60 s before scaling them down; the figures do not time an abort)"),
])
def test_an_abort_scale_down_delay_stays_noted(strategy: dict[str, object], note: str) -> None:
    # it acts on an abort only (UseSetCanaryScale, scaleDownDelayHelper): the steps stay modelled
    argo, problems = argo_strategy_from({"strategy": strategy})
    assert problems == [] and argo.not_modelled == (note,)
    assert argo.type == "blueGreen" or argo.steps is not None
