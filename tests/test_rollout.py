"""rollout and rollout_tables: the Deployment controller's fenceposts, rolling waves, blue-green
room, canary bake time and per-step pods, and the Deployment Strategy section's tables, every
figure worked out by hand below."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.errors import SpecError
from infra_toolkit.plan_operations_types import CanaryStep, DeploymentStrategy
from infra_toolkit.rollout import (
    blue_green_rollout,
    canary_bake,
    canary_step_pods,
    resolve_fenceposts,
    rolling_rollout,
    scaled_value,
)
from infra_toolkit.rollout_tables import canary_step_table, rollout_table


@pytest.mark.parametrize(("surge", "unavailable", "replicas", "expected"), [
    ("25%", "25%", 10, (3, 2)),  # 2.5 up -> 3, 2.5 down -> 2
    ("25%", 0, 3, (1, 0)),  # 0.75 up -> 1; integer 0 as given
    ("0%", "0%", 1, (0, 1)),  # both 0: the controller makes unavailable 1
    (None, None, 4, (1, 1)),  # unset: 25 % each, 1 exactly
    (None, None, 7, (2, 1)),  # 25 % of 7 = 1.75: up 2, down 1
    (2, 5, 3, (2, 5)),  # integers as given, even above the replicas
    ("100%", "0%", 7, (7, 0)),
    ("25%", "25%", 0, (0, 1)),  # no replicas: both 0, unavailable 1
    ("33%", "33%", 3, (1, 0)),  # 0.99 up -> 1, down -> 0
])
def test_resolve_fenceposts(surge: int | str | None, unavailable: int | str | None,
                            replicas: int, expected: tuple[int, int]) -> None:
    assert resolve_fenceposts(surge, unavailable, replicas) == expected


def test_a_bad_percentage_is_refused() -> None:
    with pytest.raises(SpecError, match=r"'25' is not a pod count or a percentage like '25%'"):
        scaled_value("25", 10, round_up=True)


def test_rolling_waves_and_duration() -> None:
    # 10 replicas, 25 %/25 %: surge 3, unavailable 2; 13 pods at most, 10 - 2 = 8 available;
    # a wave replaces 3 + 2 = 5 pods: ceil(10 / 5) = 2 waves x 20 s = 40 s
    r = rolling_rollout(10, "25%", "25%", 20.0, capacity_rps_per_pod=10.0, peak_rps=80.0)
    assert (r.surge, r.unavailable, r.most_pods, r.fewest_available) == (3, 2, 13, 8)
    assert (r.waves, r.duration_s) == (2, 40.0)
    assert (r.fewest_capacity_rps, r.serves_peak) == (80.0, True)  # 8 x 10 = 80 >= 80
    # 3 replicas, surge 1, unavailable 0: one pod a wave, ceil(3 / 1) = 3 waves x 30 s = 90 s
    r = rolling_rollout(3, 1, 0, 30.0)
    assert (r.most_pods, r.fewest_available, r.waves, r.duration_s) == (4, 3, 3, 90.0)
    assert (r.fewest_capacity_rps, r.serves_peak) == (None, None)  # not known


@pytest.mark.parametrize(("partition", "rolled", "fewest", "waves", "duration_s"), [
    # 5 replicas, a StatefulSet's surge 0 / maxUnavailable 1, 30 s to Ready. Partition 3:
    # ordinals 4 and 3 roll, 5 - 3 = 2 pods, one a wave: ceil(2 / 1) = 2 waves x 30 s = 60 s;
    # 5 - 1 = 4 available at the fewest
    (3, 2, 4, 2, 60.0),
    (0, 5, 4, 5, 150.0),  # no partition: 5 pods, 5 waves x 30 s = 150 s
    # partition 5 = replicas (or more): nothing rolls, nothing goes down, 0 waves
    (5, 0, 5, 0, 0.0),
    (8, 0, 5, 0, 0.0),
])
def test_a_partition_rolls_only_the_ordinals_from_it_up(
        partition: int, rolled: int, fewest: int, waves: int, duration_s: float) -> None:
    r = rolling_rollout(5, 0, 1, 30.0, partition=partition)
    assert (r.rolled, r.fewest_available, r.waves, r.duration_s) == (
        rolled, fewest, waves, duration_s)
    assert r.most_pods == 5  # a StatefulSet never surges


def test_a_partition_caps_the_pods_down_at_once() -> None:
    # 5 replicas, maxUnavailable 3, partition 4: only ordinal 4 rolls, so 5 - 1 = 4 stay
    # available (not 5 - 3 = 2); 1 wave x 30 s
    r = rolling_rollout(5, 0, 3, 30.0, capacity_rps_per_pod=10.0, peak_rps=40.0, partition=4)
    assert (r.rolled, r.fewest_available, r.waves, r.duration_s) == (1, 4, 1, 30.0)
    assert (r.fewest_capacity_rps, r.serves_peak) == (40.0, True)  # 4 x 10 = 40 >= 40


def test_fewest_available_short_of_the_peak_is_flagged() -> None:
    # 4 replicas, surge 0, unavailable 50 % = 2: 2 pods x 30 rps = 60 rps < 70 rps at peak
    r = rolling_rollout(4, 0, "50%", 20.0, capacity_rps_per_pod=30.0, peak_rps=70.0)
    assert (r.fewest_available, r.fewest_capacity_rps, r.serves_peak) == (2, 60.0, False)


def test_min_ready_seconds_lengthens_every_wave() -> None:
    # A17-1: rolling.go reconcileOldReplicaSets scales the old pods down only as far as the
    # *available* new ones allow, and IsPodAvailable counts a pod only once it has been Ready
    # for minReadySeconds. 10 replicas, 25 %/25 %: surge 3, unavailable 2, ceil(10 / 5) = 2
    # waves of (20 s to Ready + 30 s minReadySeconds) = 2 x 50 s = 100 s
    r = rolling_rollout(10, "25%", "25%", 20.0, min_ready_s=30.0)
    assert (r.waves, r.duration_s) == (2, 100.0)


@pytest.mark.parametrize(("replicas", "surge", "unavailable", "rates", "serves"), [
    # A17-3: maxSurge 0, maxUnavailable 1 on 1 replica: the old pod goes before the new one
    # is Ready, 1 - 1 = 0 available: an outage even with no rate known to compare
    (1, 0, 1, (None, None), False),
    (1, 0, 1, (50.0, 0.0), False),  # 0 x 50 = 0 rps ">=" a 0 rps peak: still an outage
    (4, 0, "100%", (None, None), False),  # 4 - 4 = 0 available
    (2, 0, 1, (None, None), None),  # 2 - 1 = 1 stays: not known without rates
])
def test_no_pod_available_is_an_outage(replicas: int, surge: int, unavailable: int | str,
                                       rates: tuple[float | None, float | None],
                                       serves: bool | None) -> None:
    r = rolling_rollout(replicas, surge, unavailable, 20.0, *rates)
    assert r.serves_peak is serves


def test_blue_green_pods_at_once_and_overlap() -> None:
    b = blue_green_rollout(4, 30.0, 600.0, None)
    # 2 x 4 = 8 pods; both sets run 30 s to Ready + 600 s preview + 30 s default delay
    assert (b.pods_at_once, b.scale_down_delay_s, b.overlap_s) == (8, 30.0, 660.0)
    b = blue_green_rollout(3, 30.0, None, 120.0)
    assert (b.pods_at_once, b.overlap_s) == (6, 150.0)  # no preview: 30 + 0 + 120 s
    # minReadySeconds 10: the new set is available (and promoted, its preview counted) 10 s
    # after Ready: 30 + 10 + 600 + 30 = 670 s (argo-rollouts docs/features/bluegreen.md: the
    # active Service moves "once the new ReplicaSet becomes available")
    b = blue_green_rollout(4, 30.0, 600.0, None, min_ready_s=10.0)
    assert b.overlap_s == 670.0


def test_canary_bake_time() -> None:
    automatic = (CanaryStep(10, 300), CanaryStep(50, 600), CanaryStep(100, None))
    assert canary_bake(automatic[:2]) == (900, False)  # 300 + 600 s, no manual step
    assert canary_bake(automatic) == (900, True)  # at least 900 s: the last waits for a person
    # a last step without a pause completes the rollout: 300 + 600 + 0 = 900 s, nobody waited for
    assert canary_bake((*automatic[:2], CanaryStep(100, 0.0))) == (900, False)


# --- the section on the small plan (tests/data/plans/report/small.yaml) ------------------------
# api: m5.large group of max_size 4 (an EKS node: 2000 - 70 - 125 = 1805 m, 8192 - 615 - 574
# - 100 = 6903 MiB, 29 - 2 = 27 pods); a pod requests 200 m and 256 MiB: floor(1805 / 200) = 9
# by CPU, floor(6903 / 256) = 26 by memory, 27 by pods -> 9 a node, room 4 x 9 = 36 pods (api is
# the plan's only workload: no other pods hold room, at their peak or their max).
# Time to Ready: image pull 5 s + app start 10 s (model) + readiness delay 5 s (Deployment) = 20 s.
# capacity_rps_per_pod 40. HPA minReplicas 2, target 70 % of 200 m = 140 m a pod.


def with_strategy(a: PlanAnalysis, strategy: DeploymentStrategy,
                  expected: str | None = None) -> PlanAnalysis:
    return dataclasses.replace(
        a, plan=dataclasses.replace(a.plan, deployment_strategy=strategy),
        expected_scenario=expected or a.expected_scenario)


def with_update_strategy(a: PlanAnalysis, **changes: object) -> PlanAnalysis:
    """The small plan with its only workload's manifest update strategy fields changed."""
    w = a.plan.proposed.workloads[0]
    spec = dataclasses.replace(w.deployment_spec, update_strategy=dataclasses.replace(
        w.deployment_spec.update_strategy, **changes))  # type: ignore[arg-type]
    return dataclasses.replace(a, plan=dataclasses.replace(a.plan, proposed=dataclasses.replace(
        a.plan.proposed, workloads=(dataclasses.replace(w, deployment_spec=spec),))))


def test_rolling_table_of_the_small_plan(small_analysis: PlanAnalysis) -> None:
    frame = rollout_table(small_analysis)  # rolling, max_surge 1, max_unavailable 0
    # steady, 40 rps: 2 pods use 20 + 5 x 20 = 120 m each (60 %): the HPA stays at 2.
    # Extra nodes: 9 api pods a node, so 2 + 1 or 8 + 1 pods take 1 node, as 2 or 8 do, and
    # the group keeps its min_size 2 anyway: none, $0
    assert frame.to_dict("records") == [
        {"Workload": "api", "Rolled at": "peak replicas in 'steady'", "Replicas": 2,
         "Surge": 1, "Unavailable": 0, "Most pods at once": 3, "Room, others at peak": 36,
         "Fits, others at peak": "yes", "Room, others at max": 36, "Fits, others at max": "yes",
         "Extra nodes, others at peak": 0, "Extra nodes' cost (USD)": "0.00",
         "Fewest available": 2, "Their capacity (rps)": 80.0,
         "Peak rate (rps)": 40.0, "Serves the peak": "yes", "Waves": 2,  # ceil(2 / 1)
         "Time to Ready": "20 s", "Duration": "40 s"},  # 2 x (20 + 0 minReadySeconds) s
        {"Workload": "api", "Rolled at": "minReplicas", "Replicas": 2,
         "Surge": 1, "Unavailable": 0, "Most pods at once": 3, "Room, others at peak": 36,
         "Fits, others at peak": "yes", "Room, others at max": 36, "Fits, others at max": "yes",
         "Extra nodes, others at peak": 0, "Extra nodes' cost (USD)": "0.00",
         "Fewest available": 2, "Their capacity (rps)": 80.0,
         "Peak rate (rps)": 40.0, "Serves the peak": "yes", "Waves": 2,
         "Time to Ready": "20 s", "Duration": "40 s"},
        # at maxReplicas 8: 8 + 1 = 9 at once <= 36; 8 x 40 = 320 rps available; ceil(8 / 1) =
        # 8 waves x 20 s = 160 s
        {"Workload": "api", "Rolled at": "maxReplicas", "Replicas": 8,
         "Surge": 1, "Unavailable": 0, "Most pods at once": 9, "Room, others at peak": 36,
         "Fits, others at peak": "yes", "Room, others at max": 36, "Fits, others at max": "yes",
         "Extra nodes, others at peak": 0, "Extra nodes' cost (USD)": "0.00",
         "Fewest available": 8, "Their capacity (rps)": 320.0,
         "Peak rate (rps)": 40.0, "Serves the peak": "yes", "Waves": 8,
         "Time to Ready": "20 s", "Duration": "2 min 40 s"}]


def test_minreplicas_short_of_the_peak_is_flagged_in_the_section(small_analysis: PlanAnalysis
                                                                  ) -> None:
    a = with_strategy(small_analysis, DeploymentStrategy("rolling", "half at a time", 0, "50%"),
                      expected="double")
    frame = rollout_table(a)
    # double, 80 rps: 20 + 400 / N <= 140 m needs N >= 3.34 -> the HPA's peak is 4 pods.
    # At 4: unavailable floor(2) = 2, 2 x 40 = 80 rps >= 80; at minReplicas 2: floor(1) = 1,
    # 1 x 40 = 40 rps < 80: flagged.
    got = frame[["Replicas", "Unavailable", "Fewest available", "Their capacity (rps)",
                 "Peak rate (rps)", "Serves the peak", "Waves", "Duration"]]
    assert got.to_dict("records") == [
        {"Replicas": 4, "Unavailable": 2, "Fewest available": 2, "Their capacity (rps)": 80.0,
         "Peak rate (rps)": 80.0, "Serves the peak": "yes", "Waves": 2, "Duration": "40 s"},
        {"Replicas": 2, "Unavailable": 1, "Fewest available": 1, "Their capacity (rps)": 40.0,
         "Peak rate (rps)": 80.0, "Serves the peak": "NO", "Waves": 2, "Duration": "40 s"},
        # at maxReplicas 8: unavailable floor(4) = 4, 4 x 40 = 160 rps; ceil(8 / 4) = 2 waves
        {"Replicas": 8, "Unavailable": 4, "Fewest available": 4, "Their capacity (rps)": 160.0,
         "Peak rate (rps)": 80.0, "Serves the peak": "yes", "Waves": 2, "Duration": "40 s"}]
    html = "".join(p if isinstance(p, str) else p.to_html()
                   for p in sections.deployment_strategy(a).parts)
    assert "<td>NO</td>" in html
    # the probe (initialDelaySeconds 5, periodSeconds 10 unset): app up at 5 + 10 = 15 s, past
    # 5 + 5 = 10 s; the first tick of the 10 s grid at or after 15 s: 20 s
    assert ("time to Ready of api (image pull and app start from the workload model, probes "
            "from the Deployment): image pull 5 s, app start 10 s; readiness probe every 10 s "
            "from the pod&#x27;s bind, initial delay 5 s: first success at or after max(5, 10) s "
            "after the pull, on the probe grid = 20 s.") in html


def test_rollout_rates_render_to_the_hundredth_the_peak_rounded_up() -> None:
    # audit18: "Peak rate (rps)" printed with :g, 80.0013 beside a capacity of 80 (the peak
    # above it, so NO), 56.8415, no thousands separators. As the report's other rates: two
    # decimals, separators; the peak rounded up (80.0013 -> 80.01, above 80 as it is; 56.8415
    # -> 56.85), a capacity rounded down (1234.5 -> 1,234.5; 2 x 33.333 = 66.666 -> 66.66).
    # audit25 A25-4: to the nearest, 3 x 27.7787 = 83.3361 read 83.34 beside a peak of 83.337
    # (above it: NO) rounded up to 83.34 too; down, 83.33 < 83.34
    from infra_toolkit.report_html import Table
    from infra_toolkit.rollout_captions import ROLLOUT_FORMATS

    frame = pd.DataFrame({"Their capacity (rps)": [80.0, 1234.5, 66.666, 3 * 27.7787, None],
                          "Peak rate (rps)": [80.0013, 56.8415, 66.0, 83.337, None]})
    html = Table(frame, ROLLOUT_FORMATS).to_html()
    cells = [c.split("</td>")[0] for c in html.split("<td>")[1:]]
    assert cells == ["80", "80.01", "1,234.5", "56.85", "66.66", "66", "83.33", "83.34",
                     "-", "-"]


@pytest.mark.parametrize(("auto_promote", "both"), [
    (True, "10 min 50 s"),  # autoPromotionSeconds 600: promoted when the preview ends
    # A17-2: autoPromotionEnabled false: Argo waits for a person, the preview is only a plan
    (False, "at least 10 min 50 s"),
])
def test_blue_green_and_recreate_tables(small_analysis: PlanAnalysis, auto_promote: bool,
                                        both: str) -> None:
    a = with_strategy(small_analysis, DeploymentStrategy("blue-green", "switch", preview_s=600,
                                                         auto_promote=auto_promote))
    row = rollout_table(a).iloc[0].to_dict()
    # 2 x 2 = 4 pods <= 36; both sets: 20 s to Ready + 600 s preview + 30 s default delay;
    # 4 pods (9 a node) take 1 node, as 2 do, and the group keeps min_size 2: no extra node
    assert row == {"Workload": "api", "Rolled at": "peak replicas in 'steady'", "Replicas": 2,
                   "Pods at once": 4, "Room, others at peak": 36,
                   "Fits, others at peak": "yes", "Room, others at max": 36,
                   "Fits, others at max": "yes", "Extra nodes, others at peak": 0,
                   "Extra nodes' cost (USD)": "0.00",
                   "Time to Ready": "20 s", "Preview": "10 min", "Scale-down delay": "30 s",
                   "Both sets running": both}
    a = with_strategy(small_analysis, DeploymentStrategy("recreate", "stop, then start"))
    row = rollout_table(a).iloc[0].to_dict()
    # all down meanwhile, and before it while the old pods terminate (Recreate waits until
    # none is left): at least the 20 s to Ready
    assert (row["Time to Ready"], row["Downtime"]) == ("20 s", "at least 20 s")


def test_canary_bake_time_lists_only_the_steps_that_pause(small_analysis: PlanAnalysis
                                                          ) -> None:
    # An Argo Rollout's promotion (100 %, no pause) and a setCanaryScale step pause 0 s: the
    # bake time is 5 min + 10 min = 15 min and lists those two, not "+ 0 s" for the others
    steps = (CanaryStep(10, 0.0, scale_replicas=1), CanaryStep(10, 300), CanaryStep(50, 600),
             CanaryStep(100, 0.0))
    a = with_strategy(small_analysis, DeploymentStrategy("canary", "weights", steps=steps,
                                                         traffic_router="alb"))
    section = sections.deployment_strategy(a)
    bake = "Bake time: 15 min (the automatic pauses 5 min + 10 min)."
    assert f'<p class="canary-bake">{bake}</p>' in section.parts
    table = next(t for t in section.tables if t.css_class == "canary-steps")
    # elapsed: 0, 0 + 300 s = 5 min, 5 + 10 = 15 min, 15 min + 0
    assert list(table.frame["Elapsed at the step's end"]) == ["0 s", "5 min", "15 min", "15 min"]


@pytest.mark.parametrize(("last_pause", "bake"), [
    (None, "Bake time: at least 15 min (the automatic pauses 5 min + 10 min, plus the wait "
           "for a manual promotion)."),
    (120.0, "Bake time: 17 min (the automatic pauses 5 min + 10 min + 2 min)."),
])
def test_canary_section_bake_time(small_analysis: PlanAnalysis, last_pause: float | None,
                                  bake: str) -> None:
    steps = (CanaryStep(10, 300), CanaryStep(50, 600), CanaryStep(100, last_pause))
    a = with_strategy(small_analysis, DeploymentStrategy("canary", "weights", steps=steps,
                                                         traffic_router="alb"))
    section = sections.deployment_strategy(a)
    assert f'<p class="canary-bake">{bake}</p>' in section.parts
    table = next(t for t in section.tables if t.css_class == "canary-steps")
    # elapsed: 300 s = 5 min, 300 + 600 = 15 min, then the last step
    assert list(table.frame["Elapsed at the step's end"]) == [
        "5 min", "15 min", "at least 15 min" if last_pause is None else "17 min"]
    # api rolled at 2 pods (its steady peak and its minReplicas): canary ceil(2 x 0.1) = 1,
    # ceil(2 x 0.5) = 1, ceil(2 x 1.0) = 2 beside 2 stable pods: 3, 3 and 4 at once <= 36
    pods = next(t for t in section.tables if t.css_class == "canary-pods").frame
    assert pods.equals(canary_step_table(a))
    assert pods[pods["Rolled at"] == "minReplicas"][
        ["Step", "Traffic weight (%)", "Canary pods", "Stable pods", "Pods at once",
         "Room, others at peak", "Fits, others at peak", "Fits, others at max"]
    ].to_dict("records") == [
        {"Step": i, "Traffic weight (%)": w, "Canary pods": c, "Stable pods": 2,
         "Pods at once": 2 + c, "Room, others at peak": 36, "Fits, others at peak": "yes",
         "Fits, others at max": "yes"} for i, w, c in ((1, 10, 1), (2, 50, 1), (3, 100, 2))]
    # 3 steps at the peak replicas, 3 at minReplicas, 3 at maxReplicas 8: ceil(0.8) = 1,
    # ceil(4) = 4, 8 canary pods beside 8: 9, 12, 16 at once <= 36
    assert len(pods) == 9
    assert list(pods[pods["Rolled at"] == "maxReplicas"]["Pods at once"]) == [9, 12, 16]


def test_no_canary_pods_table_for_another_strategy(small_analysis: PlanAnalysis) -> None:
    assert canary_step_table(small_analysis).empty  # the small plan rolls
    assert not any(t.css_class == "canary-pods"
                   for t in sections.deployment_strategy(small_analysis).tables)


@pytest.mark.parametrize(("replicas", "surge", "most"), [
    # NewRSNewReplicas caps the new ReplicaSet at the desired replicas: scaleUpCount =
    # min(replicas + surge - current, replicas - new), so old (<= 2) + new (<= 2) <= 4 pods,
    # not 2 + 5 = 7
    (2, 5, 4),
    (3, "200%", 6),  # 200 % of 3 = 6 surge, still at most 3 + 3 = 6
    (3, 3, 6),  # surge = replicas: 3 + 3 = 6
    (0, 4, 0),  # no replicas: no pod at all
])
def test_most_pods_at_once_never_exceeds_twice_the_replicas(replicas: int, surge: int | str,
                                                             most: int) -> None:
    assert rolling_rollout(replicas, surge, 0, 10.0).most_pods == most


@pytest.mark.parametrize(("replicas", "weights", "canary"), [
    # ceil(7 x 0.10) = ceil(0.7) = 1, ceil(2.1) = 3, ceil(4.2) = 5, ceil(7.0) = 7
    (7, (10, 30, 60, 100), (1, 3, 5, 7)),
    # the smallest weight still starts one pod: ceil(2 x 0.05) = ceil(0.1) = 1; ceil(1.0) = 1
    (2, (5, 50, 100), (1, 1, 2)),
    # trafficWeightToReplicas (utils/replicaset/canary.go, argo-rollouts 5b40f08):
    # int32(math.Ceil(float64(weight*replicas) / 100)): 7 x 100 = 700, / 100 = 7.0 exactly, 7
    # pods (the float product 100 x 0.07 = 7.000000000000001 of older Argo gave 8)
    (100, (7,), (7,)),
    (0, (50,), (0,)),  # no replicas, no canary pod
])
def test_canary_step_pods(replicas: int, weights: tuple[float, ...],
                          canary: tuple[int, ...]) -> None:
    got = canary_step_pods([CanaryStep(w, 60.0) for w in weights], replicas)
    assert tuple(p.canary_pods for p in got) == canary
    # behind a traffic router the stable ReplicaSet keeps every replica until the end
    assert tuple(p.stable_pods for p in got) == (replicas,) * len(weights)
    assert tuple(p.pods_at_once for p in got) == tuple(replicas + c for c in canary)


def test_only_a_load_test_selected_still_gives_the_minreplicas_rollout(tmp_path: Path) -> None:
    # A4-U5: a load test is never the expected scenario, so there is no peak to roll at; the
    # manifests still give minReplicas: the default plan's backend HPA has minReplicas 3, and its
    # canary steps of 5, 25, 50 and 100 % run ceil(3 x w / 100) = 1, 1, 2, 3 canary pods beside
    # the 3 stable ones: 4, 4, 5, 6 at once
    from infra_toolkit.analysis import analyze_plan
    from tests.conftest import REPO_ROOT

    a = analyze_plan(REPO_ROOT / "plans" / "ecommerce-eks.yaml",
                     scenarios=["load-test-1000-users"], horizon_h=0.25,
                     store_location=str(tmp_path / "no-store"))
    assert a.expected_scenario is None
    frame = rollout_table(a)
    assert frame[["Workload", "Rolled at", "Replicas"]].values.tolist() == [
        ["backend", "minReplicas (no expected scenario)", 3],
        ["backend", "maxReplicas (no expected scenario)", 15]]
    # the plan's canary moves traffic between whole stacks (Route 53 weights, scope: stack): no
    # canary pods beside stable ones; rolled by Argo-style pods, the same figures would be, at
    # minReplicas 3 and maxReplicas 15 (ceil(0.75) = 1, ceil(3.75) = 4, ceil(7.5) = 8, 15):
    assert canary_step_table(a).empty
    pods = dataclasses.replace(a, plan=dataclasses.replace(a.plan, deployment_strategy=(
        dataclasses.replace(a.plan.deployment_strategy, canary_scope="pods"))))
    steps = canary_step_table(pods)
    assert steps[["Canary pods", "Stable pods", "Pods at once"]].values.tolist() == [
        [1, 3, 4], [1, 3, 4], [2, 3, 5], [3, 3, 6],
        [1, 15, 16], [4, 15, 19], [8, 15, 23], [15, 15, 30]]
    assert steps["Fits, others at peak"].tolist() == ["-"] * 8  # no room known
    html = "".join(p if isinstance(p, str) else p.to_html()
                   for p in sections.deployment_strategy(a).parts)
    assert ("The canary moves traffic between two whole stacks (route53-weighted-records)"
            in html)


def test_the_manifests_min_ready_and_progress_deadline_in_the_section(
        small_analysis: PlanAnalysis) -> None:
    # A17-1: the small plan's api (rolling, surge 1, unavailable 0, 20 s to Ready) with
    # minReadySeconds 590 and progressDeadlineSeconds 600: at 2 replicas ceil(2 / 1) = 2 waves
    # of 20 + 590 = 610 s = 1220 s = 20 min 20 s; 610 s > 600 s between two available pods, so
    # the Deployment reports ProgressDeadlineExceeded mid-rollout
    a = with_update_strategy(small_analysis, min_ready_s=590, progress_deadline_s=600)
    frame = rollout_table(a)
    assert frame[["Replicas", "Waves", "Duration"]].values.tolist()[:2] == [
        [2, 2, "20 min 20 s"], [2, 2, "20 min 20 s"]]
    html = "".join(p if isinstance(p, str) else p.to_html()
                   for p in sections.deployment_strategy(a).parts)
    assert ("on the probe grid = 20 s, then minReadySeconds 590 s before it counts as available: a "
            "rolling wave takes 610 s, more than its progressDeadlineSeconds 600 s: the "
            "Deployment reports ProgressDeadlineExceeded") in html
    assert "more than its progressDeadlineSeconds" not in "".join(
        p if isinstance(p, str) else p.to_html()
        for p in sections.deployment_strategy(small_analysis).parts)
    # audit18 A18-12: the same manifest under a plan that recreates it has no rolling wave
    html = "".join(p if isinstance(p, str) else p.to_html() for p in sections.deployment_strategy(
        with_strategy(a, DeploymentStrategy("recreate", "stop, then start"))).parts)
    assert ("on the probe grid = 20 s, then minReadySeconds 590 s before it counts as available "
            "(610 s), more than its progressDeadlineSeconds 600 s") in html


@pytest.mark.parametrize(("strategy", "said"), [
    # A17-4: the small plan says rolling 1 / 0, its Deployment (tests/data/plans/manifests/
    # deployment.yaml) has no spec.strategy: 25 % / 25 %, which the controller applies
    (DeploymentStrategy("rolling", "r", 1, 0),
     ["api: the plan says max_surge 1, max_unavailable 0, but its Deployment's "
      "spec.strategy.rollingUpdate has maxSurge 25% (unset), maxUnavailable 25% (unset)"]),
    (DeploymentStrategy("rolling", "r", "25%", "025%"), []),  # the defaults, as written
    (DeploymentStrategy("recreate", "r"),
     ["api: the plan says recreate, but its Deployment's spec.strategy.type is RollingUpdate"]),
    # Argo Rollouts replaces the pods itself: the manifest's strategy plays no part
    (DeploymentStrategy("blue-green", "b", preview_s=60), []),
])
def test_a_manifest_that_disagrees_with_the_plan_is_said(
        small_analysis: PlanAnalysis, strategy: DeploymentStrategy, said: list[str]) -> None:
    from infra_toolkit.rollout_strategies import manifest_mismatches

    a = with_strategy(small_analysis, strategy)
    assert manifest_mismatches(a) == said
    html = "".join(p if isinstance(p, str) else p.to_html()
                   for p in sections.deployment_strategy(a).parts)
    assert ("The manifests disagree with the plan&#x27;s strategy" in html) == bool(said)


@pytest.mark.parametrize(("strategy", "said"), [
    # A17-8: how long a rollback takes, by strategy
    (DeploymentStrategy("rolling", "r", 1, 0),
     "api: a rolling update is rolled back by another (kubectl rollout undo"),
    (DeploymentStrategy("recreate", "r"),
     "api: a Recreate is rolled back by another Recreate: the same downtime again"),
    (DeploymentStrategy("blue-green", "b", preview_s=60),
     "at once while the old set runs (until the scale-down delay ends), at least one time to "
     "Ready once it is scaled down"),
    # reader19: the router's own case only (an ALB weights requests, an NLB's target groups
    # connections); both cases said apart only for a router the report does not know
    (DeploymentStrategy("canary", "c", steps=(CanaryStep(50, 60), CanaryStep(100, None)),
                        traffic_router="alb"),
     "which kept its full replicas (dynamicStableScale off), the whole weight again: no pod "
     "to start; its router (alb) weights requests, so every request moves back at once."),
    (DeploymentStrategy("canary", "c", steps=(CanaryStep(50, 60), CanaryStep(100, None)),
                        traffic_router="nlb-weighted-target-groups"),
     "no pod to start; its router (nlb-weighted-target-groups) weights connections, so only "
     "new connections move back at once, while open keep-alive connections stay on the canary "
     "pods until they close."),
    (DeploymentStrategy("canary", "c", steps=(CanaryStep(50, 60), CanaryStep(100, None)),
                        traffic_router="f5-big-ip"),
     "no pod to start; a router that weights requests moves every request back at once, one "
     "that weights connections (an NLB&#x27;s weighted target groups) only new connections, "
     "while open keep-alive connections stay on the canary pods until they close"),
    (DeploymentStrategy("canary", "c", steps=(CanaryStep(50, 60), CanaryStep(100, None)),
                        traffic_router="dns", canary_scope="stack"),
     "resolvers and clients keep the old answer up to the records&#x27; TTL"),
])
def test_the_section_says_how_each_strategy_rolls_back(
        small_analysis: PlanAnalysis, strategy: DeploymentStrategy, said: str) -> None:
    parts = sections.deployment_strategy(with_strategy(small_analysis, strategy)).parts
    notes = [p for p in parts if isinstance(p, str) and 'class="rollout-rollback"' in p]
    assert len(notes) == 1 and said in notes[0], notes


@pytest.mark.parametrize(("strategy", "expected_s", "said"), [
    # A17-13: the small plan's rolling 1 / 0, 20 s to Ready: undo at 2 replicas = 2 waves x
    # 20 s = 40 s, at maxReplicas 8 = 8 x 20 s = 160 s, the longest; declared 5 min: fine
    (DeploymentStrategy("rolling", "r", 1, 0), 300.0, None),
    (DeploymentStrategy("rolling", "r", 1, 0), 120.0,
     "The expected time (2 min) is shorter than the rollback the deployment strategy itself "
     "takes: api&#x27;s rolling undo at 8 replicas (maxReplicas) takes 2 min 40 s"),
    # a Recreate: one time to Ready again, 20 s
    (DeploymentStrategy("recreate", "r"), 10.0,
     "api&#x27;s Recreate (one time to Ready) takes 20 s"),
    # a blue-green switches the Service back: nothing the strategy times
    (DeploymentStrategy("blue-green", "b", preview_s=60), 1.0, None),
])
def test_a_rollback_expected_faster_than_the_strategy_allows_is_said(
        small_analysis: PlanAnalysis, strategy: DeploymentStrategy, expected_s: float,
        said: str | None) -> None:
    a = with_strategy(small_analysis, strategy)
    a = dataclasses.replace(a, plan=dataclasses.replace(a.plan, rollback=dataclasses.replace(
        a.plan.rollback, expected_time_s=expected_s)))
    notes = [p for p in sections.rollback_plan(a).parts
             if isinstance(p, str) and "rollback-too-short" in p]
    if said is None:
        assert notes == []
    else:
        assert len(notes) == 1 and said in notes[0], notes



@pytest.mark.parametrize(("scope", "said"), [("pods", True), ("stack", False)])
def test_a_pods_canary_says_its_steps_wait_for_the_canary_pods(
        small_analysis: PlanAnalysis, scope: str, said: bool) -> None:
    # A17-11: a canary ReplicaSet's new pods must be available before Argo moves the weight;
    # a stack canary's new stack is already running
    s = DeploymentStrategy("canary", "c", steps=(CanaryStep(50, 60), CanaryStep(100, None)),
                           traffic_router="alb", canary_scope=scope)
    parts = sections.deployment_strategy(with_strategy(small_analysis, s)).parts
    assert any(isinstance(p, str) and "canary-ready-wait" in p for p in parts) == said



@pytest.mark.parametrize(("limit", "said"), [(0, True), (10, False)])
def test_no_revision_history_means_no_rollout_undo(small_analysis: PlanAnalysis, limit: int,
                                                   said: bool) -> None:
    # A17-14: revisionHistoryLimit 0 deletes every old ReplicaSet: `kubectl rollout undo` has
    # no revision to return to, so the rolling rollback the section describes cannot happen
    a = with_update_strategy(small_analysis, revision_history_limit=limit)
    notes = [p for p in sections.deployment_strategy(a).parts
             if isinstance(p, str) and "rollout-rollback" in p]
    assert len(notes) == 1
    assert ("api&#x27;s manifest sets revisionHistoryLimit: 0, so no old revision is kept and "
            "kubectl rollout undo has nothing to return to" in notes[0]) == said


@pytest.mark.parametrize(("spec_replicas", "min_rate", "min_serves"), [
    # held at 2 (minReplicas) while the load climbed to 50 rps before the scale-up: a rollout
    # at 2 meets 50 rps; its one available pod serves 40
    ([2, 2, 4, 4, 2], 50.0, "NO"),
    # held at 2 only at 30 and 35 rps: 40 >= 35
    ([2, 4, 4, 4, 2], 35.0, "yes"),
    # never at minReplicas: no rate to compare (audit17 A17-10: the day's peak, 80 rps, would
    # flag a shortfall no rollout at 2 replicas meets)
    ([4, 4, 4, 4, 4], None, "-"),
])
def test_each_replica_count_meets_the_rate_its_hpa_held_it_at(
        small_analysis: PlanAnalysis, spec_replicas: list[int], min_rate: float | None,
        min_serves: str) -> None:
    a = with_strategy(small_analysis, DeploymentStrategy("rolling", "half at a time", 0, "50%"),
                      expected="double")
    run = a.run("double")
    sim = run.simulations["api"]
    timeline = pd.DataFrame({"time_s": [0.0, 5.0, 10.0, 15.0, 20.0],
                             "offered_rps": [30.0, 50.0, 80.0, 70.0, 35.0],
                             "spec_replicas": spec_replicas})
    sim = dataclasses.replace(sim, timeline=timeline, summary=dataclasses.replace(
        sim.summary, peak_replicas=max(spec_replicas)))
    run = dataclasses.replace(run, simulations={**run.simulations, "api": sim})
    a = dataclasses.replace(a, runs=tuple(run if r.name == "double" else r for r in a.runs))
    got = rollout_table(a)[["Rolled at", "Replicas", "Their capacity (rps)", "Peak rate (rps)",
                            "Serves the peak"]].to_dict("records")
    # rolling 0 / 50 %: unavailable floor(N / 2), so N / 2 pods x 40 rps stay available;
    # at the peak replicas (4) and maxReplicas (8) the rate held is the day's 80 rps
    assert got[0] == {"Rolled at": "peak replicas in 'double'", "Replicas": 4,
                      "Their capacity (rps)": 80.0, "Peak rate (rps)": 80.0,
                      "Serves the peak": "yes"}
    assert got[2]["Peak rate (rps)"] == 80.0 and got[2]["Serves the peak"] == "yes"
    assert got[1]["Replicas"] == 2 and got[1]["Their capacity (rps)"] == 40.0
    assert got[1]["Serves the peak"] == min_serves
    if min_rate is None:
        assert pd.isna(got[1]["Peak rate (rps)"])
    else:
        assert got[1]["Peak rate (rps)"] == min_rate


def test_a_statefulset_under_the_plans_rolling_strategy_in_the_section(
        small_analysis: PlanAnalysis) -> None:
    # audit18 A18-13: the small plan's api (rolling 1 / 0 in the plan) as a StatefulSet with the
    # default updateStrategy (no surge, maxUnavailable 1): it rolls by that, one pod at a time,
    # so at 2 replicas: surge 0, 2 pods at once, ceil(2 / 1) = 2 waves of 20 s = 40 s
    a = with_update_strategy(small_analysis, max_surge=0, max_unavailable=1,
                             progress_deadline_s=None)
    w = a.plan.proposed.workloads[0]
    assert w.deployment is not None
    w = dataclasses.replace(w, deployment=dataclasses.replace(w.deployment, kind="StatefulSet"))
    a = with_strategy(dataclasses.replace(a, plan=dataclasses.replace(
        a.plan, proposed=dataclasses.replace(a.plan.proposed, workloads=(w,)))),
        DeploymentStrategy("rolling", "r", 1, 0))
    frame = rollout_table(a)
    assert frame[["Replicas", "Surge", "Most pods at once", "Waves", "Duration"]
                 ].values.tolist()[0] == [2, 0, 2, 2, "40 s"]
    html = "".join(p if isinstance(p, str) else p.to_html()
                   for p in sections.deployment_strategy(a).parts)
    # no advice to write a maxSurge into a StatefulSet, and no ReplicaSet to return to
    assert "The manifests disagree" not in html and "maxSurge 0" not in html
    assert ("the previous ReplicaSet, for a StatefulSet its previous ControllerRevision, "
            "becomes the new one") in html
