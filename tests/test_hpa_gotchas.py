"""SPEC.md section 10: the ten gotchas a naive simulator gets wrong, one test each, end to end
through ``reconcile``. Every expected value is worked out by hand in the comments."""

from __future__ import annotations

from hpa_builders import NO_HISTORY, NOW, cpu_hpa, object_hpa, pod, pods, samples, sync

from infra_toolkit.hpa import (
    ControllerConfig,
    CrossVersionObjectReference,
    ExternalMetricSource,
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    HPASpec,
    HPAState,
    MetricIdentifier,
    MetricSpec,
    MetricsSnapshot,
    MetricTarget,
    ObjectMetricSource,
    ResourceMetricSource,
    calculate_scale_down_limit_with_behaviors,
    calculate_scale_up_limit_with_scaling_rules,
    cpu_utilization_metric,
    reconcile,
)


def test_gotcha_01_the_multiplier_is_the_ready_pod_count_not_current_replicas() -> None:
    # Spec 4 but only 1 pod exists, at 200m of 200m = 100 % vs a 50 % target: ratio 2.
    # ceil(2 * 1 ready pod) = 2: a scale-*down* from 4, under 200 % load.
    result = sync(cpu_hpa(50), 4, (pod("p0", cpu=200),), cpu=samples([200]))
    assert result.desired_replicas == 2


def test_gotcha_02_integer_truncation_happens_before_the_ratio() -> None:
    # util = 1110*100 / 2000 = 55.5 -> 55 (truncated); 55/50 = 1.1, and the 10 % tolerance is
    # inclusive: no scale. Exact arithmetic (1.11) would have scaled to ceil(1.11*2) = 3.
    result = sync(cpu_hpa(50), 2, pods(2), cpu=samples([555, 555]))
    assert (result.desired_replicas, result.metric_statuses[0].average_utilization) == (2, 55)
    # Percent policies round the other way: up rounds up, down truncates the remainder.
    one_percent = HPAScalingRules(0, "Max", (HPAScalingPolicy("Percent", 1, 60),))
    ten_percent = HPAScalingRules(0, "Max", (HPAScalingPolicy("Percent", 10, 60),))
    assert calculate_scale_up_limit_with_scaling_rules(3, (), (), one_percent, NOW) == 4  # 3.03
    assert calculate_scale_down_limit_with_behaviors(80, (), (), ten_percent, NOW) == 72


def test_gotcha_03_unready_and_missing_pods_are_rebalanced_not_ignored() -> None:
    # 4 pods, only p0 reports: 1000m of 1000m = 100 % vs 50 % (ratio 2). Ignoring the others
    # would give ceil(2 * 1) = 2, a scale-down. Rebalanced, the 3 missing pods count as 0 on a
    # scale-up: util 1000*100/4000 = 25 -> 0.5, the direction flips: keep 4.
    result = sync(cpu_hpa(50), 4, pods(4), cpu=samples([1000, None, None, None]))
    assert result.desired_replicas == 4


def test_gotcha_04_readiness_rules_are_cpu_only_and_time_based() -> None:
    # p1 started 100 s ago and became Ready 20 s ago; its sample (60 s window) is not yet a full
    # window after readiness (0 < -20 + 60), so for CPU it is unready: util of p0 = 90 % vs
    # 50 % -> 1.8 > 1 with an unready pod -> p1 as 0: util 900*100/2000 = 45 -> 0.9, within:
    # keep 2. For a memory AverageValue target (500m) the same pod counts:
    # avg (900+900)//2 = 900 -> 1.8; ceil(1.8 * 2) = ceil(3.6) = 4.
    pod_list = (pod("p0", cpu=1000), pod("p1", cpu=1000, start=-100.0, transition=-20.0))
    cpu = sync(cpu_hpa(50), 2, pod_list, cpu=samples([900, 900]))
    memory_hpa = HPASpec(max_replicas=10, metrics=(MetricSpec(
        type="Resource",
        resource=ResourceMetricSource("memory", MetricTarget("AverageValue",
                                                             average_value_milli=500)),
    ),))
    memory = reconcile(memory_hpa, 2, pod_list,
                       MetricsSnapshot(resource={"memory": samples([900, 900])}),
                       NO_HISTORY, NOW)
    assert (cpu.desired_replicas, memory.desired_replicas) == (2, 4)


def test_gotcha_05_stabilization_is_a_rolling_max_of_recommendations_seeded_at_start() -> None:
    # Fresh controller, 10 replicas, load falls so the proposal is ceil(0.2 * 10) = 2 at every
    # 15 s sync. The seeded recommendation (10 at t=0) keeps the size until it leaves the 300 s
    # window: at t=285 it is still inside (0 > 285-300), at t=300 it is out (0 > 0 is false).
    hpa = cpu_hpa(50, behavior=HPABehavior())
    state, sizes = HPAState(), {}
    for k in range(21):
        now = 15.0 * k
        result = sync(hpa, 10, pods(10), cpu=samples([100] * 10, at=now), state=state, now=now)
        state, sizes[now] = result.state, result.desired_replicas
    assert (sizes[0.0], sizes[285.0], sizes[300.0]) == (10, 10, 2)


def test_gotcha_06_no_behavior_takes_a_different_path_from_the_default_behavior() -> None:
    # From 1 replica under overload: legacy cap max(2*1, 4) = 4; default behavior
    # max(1 + 4 pods, ceil(1 * 2)) = 5.
    legacy = sync(object_hpa(), 1, pods(1), rps=1_000_000)
    default = sync(object_hpa(behavior=HPABehavior()), 1, pods(1), rps=1_000_000)
    assert (legacy.desired_replicas, default.desired_replicas) == (4, 5)


def test_gotcha_07_rate_limits_work_on_a_sliding_event_history() -> None:
    # Only "4 pods per 60 s". t=0: 1 -> 5 (event +4 at 0). t=15, 30, 45: the event is younger
    # than 60 s, the period started at 5 - 4 = 1, limit 1 + 4 = 5: hold. t=60: the event is
    # exactly 60 s old, out of the period (strict): limit 5 + 4 = 9.
    four_a_minute = HPABehavior(
        scale_up=HPAScalingRules(0, "Max", (HPAScalingPolicy("Pods", 4, 60),))
    )
    hpa = object_hpa(behavior=four_a_minute)
    state, current, sizes = HPAState(recommendations=()), 1, []
    for k in range(5):
        result = sync(hpa, current, pods(current), rps=1_000_000, state=state, now=15.0 * k)
        state, current = result.state, result.desired_replicas
        sizes.append(current)
    assert sizes == [5, 5, 5, 5, 9]


def test_gotcha_08_a_failing_metric_vetoes_scale_down_but_not_scale_up() -> None:
    queue = MetricSpec(type="External", external=ExternalMetricSource(
        MetricIdentifier("queue"), MetricTarget("Value", value_milli=100)))
    hpa = HPASpec(max_replicas=20, metrics=(cpu_utilization_metric(50), queue))
    # The queue metric is unavailable. CPU 10 % vs 50 % -> ceil(0.2 * 5) = 1 < 5: vetoed.
    down = reconcile(hpa, 5, pods(5), MetricsSnapshot(resource={"cpu": samples([100] * 5)}),
                     NO_HISTORY, NOW)
    # CPU 100 % -> ceil(2 * 5) = 10 >= 5: scales (legacy cap max(10, 4) = 10), error reported.
    up = reconcile(hpa, 5, pods(5), MetricsSnapshot(resource={"cpu": samples([1000] * 5)}),
                   NO_HISTORY, NOW)
    assert (down.desired_replicas, down.scale_updated, down.error is not None) == (5, False, True)
    assert (up.desired_replicas, up.scale_updated, up.error is not None) == (10, True, True)


def test_gotcha_09_edges_around_zero_and_the_range() -> None:
    hpa = cpu_hpa(50, min_replicas=2, max_replicas=6)
    # Above max: straight to max without reading any metric (none is given).
    assert sync(hpa, 9, pods(9)).desired_replicas == 6
    # Spec 0 set by hand: the HPA is paused.
    assert sync(hpa, 0, ()).scaling_active_reason == "ScalingDisabled"
    # From zero (the HPA scaled to 0 itself): ceil(1050/1000) = 2, although 1.05 is within 10 %.
    from_zero = sync(object_hpa(min_replicas=0), 0, (), rps=1050,
                     state=HPAState(recommendations=(), scaled_to_zero=True))
    assert from_zero.desired_replicas == 2
    # AverageValue within tolerance returns the *status* replicas: 6000 / (2000 * 3) = 1.0, so
    # 3, a scale-down from spec 5 (legacy path, empty history).
    per_pod = HPASpec(max_replicas=10, metrics=(MetricSpec(type="Object", object=ObjectMetricSource(
        CrossVersionObjectReference("Ingress", "web"), MetricIdentifier("rps"),
        MetricTarget("AverageValue", average_value_milli=2000))),))
    assert sync(per_pod, 5, pods(3), rps=6000, status_replicas=3).desired_replicas == 3


def test_gotcha_10_current_replicas_is_the_spec_and_pending_pods_feed_back() -> None:
    # Spec 6, but only 2 pods run (at 100 % vs 50 %); 4 are Pending, waiting for nodes. The
    # Pending pods are unready and count as 0 on a scale-up: util 2000*100/6000 = 33 -> 0.66,
    # the direction flips: no further scale-up until they start.
    pod_list = pods(2) + tuple(pod(f"q{i}", phase="Pending") for i in range(4))
    result = sync(cpu_hpa(50), 6, pod_list, cpu=samples([1000, 1000]))
    assert (result.desired_replicas, result.metric_statuses[0].average_utilization) == (6, 100)
    # Syncs are 15 s apart by default (the resync period).
    assert ControllerConfig().sync_period_s == 15.0
