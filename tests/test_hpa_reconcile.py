"""SPEC.md sections 2.3, 2.6, 3, 4 (derived), 5 and 6 through one ``reconcile`` (by hand)."""

from __future__ import annotations

import pytest

from infra_toolkit.hpa import (
    ContainerResourceMetricSource,
    ControllerConfig,
    ExternalMetricSource,
    HPABehavior,
    HPAScalingRules,
    HPASpec,
    HPAState,
    MetricIdentifier,
    MetricSpec,
    MetricsSnapshot,
    MetricTarget,
    Pod,
    PodSample,
    cpu_utilization_metric,
    reconcile,
)
from tests.hpa_builders import (
    CONFIG,
    NO_HISTORY,
    NOW,
    cpu_hpa,
    object_hpa,
    pod,
    pods,
    samples,
    sync,
)

# --- 2.3 ContainerResource -----------------------------------------------------------------


def test_container_resource_uses_the_named_container_only() -> None:
    # app requests 500m and uses 450m in both pods; the sidecar (500m, idle) does not count:
    # util 900*100/1000 = 90 vs 60 -> 1.5; ceil(1.5 * 2) = 3. Pod totals would give 45 %.
    containers = {"app": {"cpu": 500}, "sidecar": {"cpu": 500}}
    pod_list = tuple(
        Pod(f"p{i}", requests_milli={"cpu": 1000}, container_requests_milli=containers,
            start_time_s=-1e5, ready_transition_time_s=-1e5)
        for i in range(2)
    )
    hpa = HPASpec(max_replicas=10, metrics=(MetricSpec(
        type="ContainerResource",
        container_resource=ContainerResourceMetricSource(
            "cpu", "app", MetricTarget(type="Utilization", average_utilization=60)),
    ),))
    metrics = MetricsSnapshot(container_resource={("cpu", "app"): samples([450, 450])})
    result = reconcile(hpa, 2, pod_list, metrics, NO_HISTORY, NOW, CONFIG)
    assert result.desired_replicas == 3
    assert result.metric_statuses[0].average_utilization == 90


# --- 2.6 several metrics -------------------------------------------------------------------

EXTERNAL_QUEUE = MetricSpec(
    type="External",
    external=ExternalMetricSource(MetricIdentifier("queue"),
                                  MetricTarget(type="AverageValue", average_value_milli=1000)),
)


def two_metric_hpa() -> HPASpec:
    return HPASpec(max_replicas=20, metrics=(cpu_utilization_metric(50), EXTERNAL_QUEUE))


@pytest.mark.parametrize(
    ("cpu_usage", "queue", "proposal", "desired", "error"),
    [
        # cpu: util 100 vs 50 -> ceil(2 * 4) = 8; queue: ceil(6000/1000) = 6: the max is 8,
        # within the legacy cap max(2*4, 4) = 8
        ([1000] * 4, [6000], 8, 8, False),
        # queue: ceil(12000/1000) = 12 > 8; the legacy cap brings it back to 8
        ([1000] * 4, [12_000], 12, 8, False),
        # queue fails, cpu proposes 8 >= 4: scale, and report the error
        ([1000] * 4, None, 8, 8, True),
        # queue fails, cpu proposes ceil(0.2 * 4) = 1 < 4: no scale-down, an error, no proposal
        ([100] * 4, None, None, 4, True),
    ],
)
def test_max_over_metrics_and_partial_failures(
    cpu_usage: list[int], queue: list[int] | None, proposal: int | None, desired: int,
    error: bool,
) -> None:
    metrics = MetricsSnapshot(
        resource={"cpu": samples(cpu_usage)}, external={} if queue is None else {"queue": queue}
    )
    result = reconcile(two_metric_hpa(), 4, pods(4), metrics, NO_HISTORY, NOW, CONFIG)
    assert result.metric_desired_replicas == proposal
    assert (result.desired_replicas, result.scale_updated) == (desired, desired != 4)
    assert (result.error is not None) is error


def test_all_metrics_failing_means_no_scaling_and_the_first_reason() -> None:
    result = reconcile(two_metric_hpa(), 4, pods(4), MetricsSnapshot(), NO_HISTORY, NOW, CONFIG)
    assert (result.desired_replicas, result.scale_updated) == (4, False)
    # the first metric's failure (cpu: no samples at all) names the condition, worded as Go's
    # horizontal.go "the HPA was unable to compute the replica count: %v" around that error
    assert result.scaling_active == (
        "ScalingActive", False, "FailedGetResourceMetric",
        "the HPA was unable to compute the replica count: failed to get cpu utilization: unable "
        "to get metrics for resource cpu: no metrics returned from resource metrics API")
    assert "invalid metrics (2 invalid out of 2)" in (result.error or "")


def test_unknown_metric_type_is_an_invalid_metric() -> None:
    hpa = HPASpec(max_replicas=5, metrics=(MetricSpec(type="CheddarCheese"),))
    result = sync(hpa, 3, pods(3))
    assert result.scaling_active_reason == "InvalidMetricSourceType"
    assert not result.scale_updated


# --- 3. one reconcile ----------------------------------------------------------------------


def test_a_new_hpa_seeds_its_current_size_so_it_does_not_scale_down_at_once() -> None:
    # util 10 vs 50 -> ceil(0.2 * 10) = 2; but the seeded recommendation 10 (now) is in the
    # 300 s scale-down window: max(2, 10) = 10, nothing happens.
    hpa = cpu_hpa(50, behavior=HPABehavior())
    result = sync(hpa, 10, pods(10), cpu=samples([100] * 10), state=HPAState())
    assert (result.metric_desired_replicas, result.desired_replicas) == (2, 10)
    assert [replicas for replicas, _ in result.state.recommendations] == [10, 2]
    # With an empty history instead, 10 -> 2 (100 % per 15 s allows down to 0; min 1).
    assert sync(hpa, 10, pods(10), cpu=samples([100] * 10)).desired_replicas == 2


def test_min_replicas_defaults_to_one() -> None:
    assert HPASpec(max_replicas=5).min_replicas == 1


@pytest.mark.parametrize(
    ("current", "min_r", "max_r", "desired", "reason"),
    [
        (12, 1, 10, 10, "Current number of replicas above Spec.MaxReplicas"),
        (1, 3, 10, 3, "Current number of replicas below Spec.MinReplicas"),
    ],
)
def test_out_of_range_jumps_to_the_bound_without_metrics(
    current: int, min_r: int, max_r: int, desired: int, reason: str
) -> None:
    hpa = cpu_hpa(50, min_replicas=min_r, max_replicas=max_r, behavior=HPABehavior())
    result = sync(hpa, current, pods(current))  # no metrics at all: none is read
    assert (result.desired_replicas, result.scale_updated, result.error) == (desired, True, None)
    assert result.rescale_reason == reason
    # No stabilization: only the seeded (empty) history, no recommendation recorded.
    assert result.state.recommendations == ()
    assert result.scaling_limited is None


def test_rescale_records_events_with_behavior_only() -> None:
    # util 100 vs 50 -> ceil(2 * 3) = 6 (legacy cap max(2*3, 4) = 6; behavior max(3+4, 6) = 7)
    with_behavior = sync(cpu_hpa(50, behavior=HPABehavior()), 3, pods(3),
                         cpu=samples([1000] * 3), now=45.0)
    legacy = sync(cpu_hpa(50), 3, pods(3), cpu=samples([1000] * 3), now=45.0)
    assert with_behavior.state.scale_up_events == ((3, 45.0, False),)
    assert legacy.state.scale_up_events == ()
    assert with_behavior.state.last_scale_time_s == legacy.state.last_scale_time_s == 45.0


def test_tolerance_per_hpa_needs_the_gate_and_a_behavior() -> None:
    # util 130 vs 100: ratio 1.3. A scale-up tolerance of 0.5 makes it within (1.3 <= 1.5).
    lax = HPABehavior(scale_up=HPAScalingRules(tolerance=0.5))
    cpu = samples([1300] * 2)
    assert sync(cpu_hpa(100, behavior=lax), 2, pods(2), cpu=cpu).desired_replicas == 2
    # Gate off: the flag's 10 % applies: ceil(1.3 * 2) = ceil(2.6) = 3
    gate_off = ControllerConfig(gate_configurable_tolerance=False)
    assert sync(cpu_hpa(100, behavior=lax), 2, pods(2), cpu=cpu,
                config=gate_off).desired_replicas == 3


def test_the_per_hpa_tolerance_applies_to_every_metric() -> None:
    # CPU 130 vs 100 (ratio 1.3) and the Object metric 1400m vs 1000m (ratio 1.4), 2 pods.
    # A scale-up tolerance of 0.5 holds both inside (1.3, 1.4 <= 1.5): keep 2. With the flag's
    # 10 % both leave it: max(ceil(1.3 * 2), ceil(1.4 * 2)) = max(3, 3) = 3.
    lax = HPABehavior(scale_up=HPAScalingRules(tolerance=0.5))
    both = HPASpec(max_replicas=10, metrics=(cpu_utilization_metric(100),
                                             *object_hpa().metrics), behavior=lax)
    cpu = samples([1300] * 2)
    assert sync(both, 2, pods(2), cpu=cpu, rps=1400).desired_replicas == 2
    gate_off = ControllerConfig(gate_configurable_tolerance=False)
    assert sync(both, 2, pods(2), cpu=cpu, rps=1400, config=gate_off).desired_replicas == 3


# --- 6. zero replicas ------------------------------------------------------------------------


def scaled_to_zero(flag: bool) -> HPAState:
    return HPAState(recommendations=(), scaled_to_zero=flag)


@pytest.mark.parametrize(
    ("hpa", "condition", "gate", "desired", "reason"),
    [
        # manual scale to 0: scaling disabled, even with minReplicas 0
        (object_hpa(min_replicas=1), False, True, 0, "ScalingDisabled"),
        (object_hpa(min_replicas=0), False, True, 0, "ScalingDisabled"),
        # the HPA scaled to 0 itself: ceil(2500/1000) = ceil(2.5) = 3, no tolerance; the legacy
        # cap from 0 is max(2*0, 4) = 4
        (object_hpa(min_replicas=0), True, True, 3, "ValidMetricFound"),
        # minReplicas raised to 2 meanwhile: ceil(2.5) = 3 >= 2
        (object_hpa(min_replicas=2), True, True, 3, "ValidMetricFound"),
        # gate off: the condition is not honoured
        (object_hpa(min_replicas=0), True, False, 0, "ScalingDisabled"),
    ],
)
def test_scale_from_zero(hpa, condition: bool, gate: bool, desired: int, reason: str) -> None:
    config = ControllerConfig(gate_scale_to_zero=gate)
    result = sync(hpa, 0, (), rps=2500, state=scaled_to_zero(condition), config=config)
    assert (result.desired_replicas, result.scaling_active_reason) == (desired, reason)


def test_scale_from_zero_raises_to_min_replicas() -> None:
    # ceil(500/1000) = 1, clamped to minReplicas 2 (TooFewReplicas)
    result = sync(object_hpa(min_replicas=2), 0, (), rps=500, state=scaled_to_zero(True))
    assert (result.desired_replicas, result.scaling_limited_reason) == (2, "TooFewReplicas")


def test_scaling_to_zero_sets_the_condition_and_scaling_up_clears_it() -> None:
    hpa = object_hpa(min_replicas=0)
    down = sync(hpa, 3, pods(3), rps=0)  # ceil(0 * 3) = 0
    assert (down.desired_replicas, down.state.scaled_to_zero) == (0, True)
    assert down.scaled_to_zero.reason == "ScaledToZero"
    up = sync(hpa, 0, (), rps=2500, state=down.state, now=15.0)
    assert (up.desired_replicas, up.state.scaled_to_zero) == (3, False)


def test_gate_off_removes_the_condition_when_disabled() -> None:
    result = sync(object_hpa(min_replicas=0), 0, (), rps=2500, state=scaled_to_zero(True),
                  config=ControllerConfig(gate_scale_to_zero=False))
    assert result.state.scaled_to_zero is False


# --- 4. no-behavior path versus default behavior (derived in SPEC.md) -------------------------


def test_manual_scale_down_is_re_raised_by_the_legacy_window_only() -> None:
    # Current 4 (scaled down by hand), proposal 5 (ceil(1.25 * 4)), a recommendation of 10
    # recorded 120 s ago. Legacy: max(5, 10) = 10, capped by max(2*4, 4) = 8 -> 8.
    # Behavior defaults: up = 5 (0 s window), down = max(5, 10) = 10; current 4 -> 5;
    # limit max(4+4, 4*2) = 8 -> 5.
    history = HPAState(recommendations=((10, -120.0),))
    legacy = sync(object_hpa(), 4, pods(4), rps=1250, state=history)
    behavior = sync(object_hpa(behavior=HPABehavior()), 4, pods(4), rps=1250, state=history)
    assert (legacy.desired_replicas, behavior.desired_replicas) == (8, 5)


def test_sustained_overload_ramps_differently_on_the_two_paths() -> None:
    # Proposal ceil(1000 * pods) always above max 1000. Legacy: max(2c, 4): 1 4 8 16 32.
    # Default behavior: max(c + 4, 2c) per 15 s, each sync sees an empty period: 1 5 10 20 40.
    def ramp(hpa: HPASpec) -> list[int]:
        sizes, state, current = [1], HPAState(recommendations=()), 1
        for k in range(4):
            result = sync(hpa, current, pods(current), rps=1_000_000, state=state, now=15.0 * k)
            state, current = result.state, result.desired_replicas
            sizes.append(current)
        return sizes

    assert ramp(object_hpa()) == [1, 4, 8, 16, 32]
    assert ramp(object_hpa(behavior=HPABehavior())) == [1, 5, 10, 20, 40]


def test_scale_down_window_defaults_to_the_controller_flag() -> None:
    # Behavior without a scale-down window: the flag (here 60 s) is used. A recommendation of
    # 10 from 70 s ago is outside 60 s: util 10 vs 50 -> ceil(0.2 * 10) = 2.
    hpa = cpu_hpa(50, behavior=HPABehavior(scale_down=HPAScalingRules(select_policy="Max")))
    history = HPAState(recommendations=((10, -70.0),))
    short = ControllerConfig(downscale_stabilization_s=60.0)
    assert sync(hpa, 10, pods(10), cpu=samples([100] * 10), state=history,
                config=short).desired_replicas == 2
    # With the default 300 s flag it is inside: 10 stays.
    assert sync(hpa, 10, pods(10), cpu=samples([100] * 10), state=history).desired_replicas == 10


def test_status_replicas_default_to_spec() -> None:
    pod_list = (pod("p0"),)
    metrics = MetricsSnapshot(resource={"cpu": {"p0": PodSample(500, NOW, 60.0)}})
    result = reconcile(cpu_hpa(50), 1, pod_list, metrics, NO_HISTORY, NOW)
    assert (result.desired_replicas, result.current_replicas) == (1, 1)  # util 50: within
