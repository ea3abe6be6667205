"""SPEC.md section 2: one metric's proposal. Expected values are worked out by hand below."""

from __future__ import annotations

import pytest

from infra_toolkit.hpa import MetricComputationError, PodSample, Tolerances, group_pods
from infra_toolkit.object_external_replicas import (
    get_external_metric_replicas,
    get_external_per_pod_metric_replicas,
    get_object_metric_replicas,
    get_object_per_pod_metric_replicas,
)
from infra_toolkit.replica_calculator import (
    get_metric_replicas,
    get_raw_resource_replicas,
    get_resource_replicas,
)
from tests.hpa_builders import NOW, pod, pods, samples

TEN_PERCENT = Tolerances(0.1, 0.1)
TIMING = (NOW, 300.0, 30.0, True)  # now, CPU initialization, readiness delay, ignore Succeeded


# --- 2.0 tolerance ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tolerances", "ratio", "within"),
    [
        (TEN_PERCENT, 0.9, True),  # 1 - 0.1 = 0.9 <= 0.9: the bounds are inclusive
        (TEN_PERCENT, 1.1, True),  # 1 + 0.1 = 1.1
        (TEN_PERCENT, 0.8999, False),
        (TEN_PERCENT, 1.1001, False),
        (Tolerances(0.5, 0.01), 0.5, True),  # per-direction: down 50 %
        (Tolerances(0.5, 0.01), 1.02, False),  # up 1 %: 1.02 > 1.01
    ],
)
def test_tolerance_is_an_inclusive_band_per_direction(
    tolerances: Tolerances, ratio: float, within: bool
) -> None:
    assert tolerances.is_within(ratio) is within


# --- 2.0 pod grouping ------------------------------------------------------------------------

SAMPLE_NOW = PodSample(500, NOW, 60.0)


@pytest.mark.parametrize(
    ("the_pod", "sample", "resource", "ignore_succeeded", "group"),
    [
        (pod("x", deleting=True), SAMPLE_NOW, "cpu", True, "ignored"),
        (pod("x", phase="Failed"), SAMPLE_NOW, "cpu", True, "ignored"),
        (pod("x", phase="Succeeded"), SAMPLE_NOW, "cpu", True, "ignored"),
        (pod("x", phase="Succeeded"), SAMPLE_NOW, "cpu", False, "ready"),  # pre-Aug-2026 rule
        (pod("x", phase="Pending"), SAMPLE_NOW, "cpu", True, "unready"),
        (pod("x"), None, "cpu", True, "missing"),
        (pod("x", ready=None), SAMPLE_NOW, "cpu", True, "unready"),  # no Ready condition
        (pod("x", start=None), SAMPLE_NOW, "cpu", True, "unready"),  # no start time
        # Started 100 s ago: -100 + 300 = 200 > 0, still initializing. Ready since -100; the
        # sample (t=0) is not before -100 + 60 = -40: a full window after readiness -> ready.
        (pod("x", start=-100.0), SAMPLE_NOW, "cpu", True, "ready"),
        # Ready since -30 only: 0 < -30 + 60 = 30, the window is not full yet -> unready.
        (pod("x", start=-100.0, transition=-30.0), SAMPLE_NOW, "cpu", True, "unready"),
        (pod("x", start=-100.0, ready=False), SAMPLE_NOW, "cpu", True, "unready"),
        # Initialized (-400 + 300 = -100 <= 0), Ready False since -390: -400 + 30 = -370 > -390,
        # it never became ready -> unready.
        (pod("x", start=-400.0, ready=False, transition=-390.0), SAMPLE_NOW, "cpu", True,
         "unready"),
        # Ready False since -300: -370 > -300 is false, it was ready once -> still counts.
        (pod("x", start=-400.0, ready=False, transition=-300.0), SAMPLE_NOW, "cpu", True,
         "ready"),
        # Readiness rules are CPU-only: the same never-ready pod counts for memory and for a
        # Pods metric (resource "").
        (pod("x", start=-400.0, ready=False, transition=-390.0), SAMPLE_NOW, "memory", True,
         "ready"),
        (pod("x", start=0.0, ready=False), SAMPLE_NOW, "", True, "ready"),
        (pod("x", phase="Pending"), SAMPLE_NOW, "", True, "unready"),  # Pending: any metric
    ],
)
def test_group_pods_classifies_each_pod(
    the_pod, sample, resource: str, ignore_succeeded: bool, group: str
) -> None:
    found = {} if sample is None else {"x": sample}
    grouped = group_pods((the_pod,), found, resource, NOW, 300.0, 30.0, ignore_succeeded)
    got = {
        "ready": grouped.ready_count == 1,
        "unready": grouped.unready == ["x"],
        "missing": grouped.missing == ["x"],
        "ignored": grouped.ignored == ["x"],
    }
    assert [name for name, hit in got.items() if hit] == [group]


# --- 2.0 errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pod_list", "found", "message"),
    [
        (pods(2), {}, "no metrics returned from resource metrics API"),
        ((), samples([500]), "no pods returned by selector"),
        (pods(2, ready=False), samples([500, 500]), "did not receive metrics for targeted pods"),
        # Every pod needs a request, the ignored (deleting) one included.
        ((pod("p0"), pod("p1", deleting=True, cpu=None)), samples([500, 500]),
         "missing request for cpu in Pod p1"),
    ],
)
def test_resource_metric_errors(pod_list, found, message: str) -> None:
    with pytest.raises(MetricComputationError, match=message):
        get_resource_replicas(3, 50, "cpu", TEN_PERCENT, pod_list, found, *TIMING)


# --- 2.1 Resource, Utilization target --------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "pod_list", "usage", "target", "replicas", "utilization", "raw_average"),
    [
        # util = (400+600+800)*100 / 3000 = 60; ratio 60/40 = 1.5; ceil(1.5*3) = ceil(4.5) = 5
        (3, pods(3), [400, 600, 800], 40, 5, 60, 600),
        # util = 301*100 / 3000 = 10.03 -> 10 (truncated); ratio 10/20 = 0.5; ceil(0.5*3) = 2;
        # raw average 301 // 3 = 100
        (3, pods(3), [100, 100, 101], 20, 2, 10, 100),
        # util 52, ratio 1.04 within 10 %: keep the *spec* replicas (7), not the 3 pods
        (7, pods(3), [520, 520, 520], 50, 7, 52, 520),
        # one pod at 200 % of a 50 % target while spec says 4: ceil(2.0 * 1 ready pod) = 2
        (4, pods(1, cpu=200), [200], 50, 2, 100, 200),
        # 2 ready + 2 missing, target 200 %: util 0 -> ratio 0 < 1; missing pods count as
        # request x max(100, 200)/100 = 2000 each; util 4000*100/4000 = 100 -> 100/200 = 0.5;
        # ceil(0.5 * 4 samples) = 2 (filling at 100 % would give ceil(0.25*4) = 1)
        (4, pods(4), [0, 0, None, None], 200, 2, 0, 0),
        # 1 sample of 4 at 100 % of a 50 % target (ratio 2); 3 missing count as 0 on a
        # scale-up: util 1000*100/4000 = 25 -> 0.5 flips direction -> keep current 4
        (4, pods(4), [1000, None, None, None], 50, 4, 100, 1000),
        # 2 pods, 1 at 190 % of 100 %; the missing one as 0: util 95 -> 0.95 within -> keep 2
        (2, pods(2), [1900, None], 100, 2, 190, 1900),
        # surge guard: spec 4, 6 pods, 2 missing; util 60 (ratio 0.6); missing = 1000 each:
        # util (2400+2000)*100/6000 = 73 -> 0.73; ceil(0.73*6) = 5 > 4 while below target
        # -> keep 4
        (4, pods(6), [600, 600, 600, 600, None, None], 100, 4, 60, 600),
    ],
)
def test_resource_utilization_proposal(
    current: int, pod_list, usage, target: int, replicas: int, utilization: int,
    raw_average: int,
) -> None:
    got = get_resource_replicas(
        current, target, "cpu", TEN_PERCENT, pod_list, samples(usage), *TIMING
    )
    assert got == (replicas, raw_average, utilization)


def test_unready_pods_count_as_zero_on_scale_up_and_can_flip_the_direction() -> None:
    # p0 ready at 800 of 1000 (util 80, target 60 -> ratio 1.33); p1, p2 never became ready.
    # On a scale-up the unready pods count as 0: util 800*100/3000 = 26 -> 0.43, the direction
    # flips -> keep 3. The status still reports the ready pods' 80 %.
    pod_list = (pod("p0"), pod("p1", ready=False), pod("p2", ready=False))
    got = get_resource_replicas(
        3, 60, "cpu", TEN_PERCENT, pod_list, samples([800, 1000, 1400]), *TIMING
    )
    assert got == (3, 800, 80)


def test_unready_pods_are_left_out_on_scale_down() -> None:
    # 3 ready at 100/300/500 of 1000: util 900*100/3000 = 30, target 50 -> 0.6; the 2 unready
    # pods are dropped (no rebalance on a scale-down): ceil(0.6 * 3) = 2
    pod_list = pods(3) + (pod("p3", ready=False), pod("p4", ready=False))
    got = get_resource_replicas(
        5, 50, "cpu", TEN_PERCENT, pod_list, samples([100, 300, 500, 250, 250]), *TIMING
    )
    assert got.replicas == 2


def test_samples_of_pods_not_in_the_list_are_ignored_in_the_utilization() -> None:
    # p0, p1 at 1000 of 1000 (util 100); "ghost" has no pod, so no request: ignored.
    found = samples([1000, 1000]) | {"ghost": PodSample(9000, NOW, 60.0)}
    got = get_resource_replicas(2, 50, "cpu", TEN_PERCENT, pods(2), found, *TIMING)
    assert got == (4, 1000, 100)  # ratio 100/50 = 2; ceil(2 * 2) = 4


# --- 2.2 AverageValue targets and Pods metrics ------------------------------------------------


def test_pods_metric_fills_missing_pods_with_the_target_on_scale_down() -> None:
    # avg (2000+2000)//2 = 2000 vs 10000 -> 0.2; the missing p2 counts as exactly 10000:
    # avg 14000//3 = 4666 -> 0.4666; ceil(0.4666 * 3) = ceil(1.3998) = 2
    got = get_metric_replicas(3, 10_000, TEN_PERCENT, pods(3), samples([2000, 2000, None]),
                              *TIMING)
    assert got == (2, 2000, None)


def test_pods_metric_counts_running_pods_whatever_their_readiness() -> None:
    # p1 is Running but not Ready: for a Pods metric it counts. avg (30000+10000)//2 = 20000
    # vs 10000 -> ratio 2; ceil(2 * 2) = 4
    pod_list = (pod("p0"), pod("p1", ready=False, start=NOW))
    got = get_metric_replicas(2, 10_000, TEN_PERCENT, pod_list, samples([30_000, 10_000]),
                              *TIMING)
    assert got == (4, 20_000, None)


def test_plain_average_is_an_integer_mean() -> None:
    # 62000 // 3 = 20666 (not 20666.67); ratio 20666/20000 = 1.0333 within -> keep 3
    got = get_metric_replicas(3, 20_000, TEN_PERCENT, pods(3),
                              samples([20_000, 21_000, 21_000]), *TIMING)
    assert got == (3, 20_666, None)


@pytest.mark.parametrize(
    ("resource", "replicas"),
    [
        # cpu: p1 never became ready, so only p0 counts: 800/500 = 1.6 > 1 with an unready pod
        # -> p1 as 0: avg 400 -> 0.8 flips direction -> keep 2
        ("cpu", 2),
        # memory: both count: avg 800 -> 1.6; ceil(1.6 * 2) = ceil(3.2) = 4
        ("memory", 4),
    ],
)
def test_resource_average_value_applies_readiness_rules_only_to_cpu(
    resource: str, replicas: int
) -> None:
    pod_list = (pod("p0"), pod("p1", ready=False))
    got = get_raw_resource_replicas(2, 500, resource, TEN_PERCENT, pod_list,
                                    samples([800, 800]), *TIMING)
    assert got.replicas == replicas


# --- 2.4 Object and External, Value target ----------------------------------------------------


def test_value_target_multiplies_by_running_and_ready_pods() -> None:
    # 3 Running & Ready + 1 Pending + 1 unready: N = 3; ratio 20000/5000 = 4; ceil(4 * 3) = 12
    pod_list = pods(3) + (pod("p3", phase="Pending"), pod("p4", ready=False))
    assert get_object_metric_replicas(5, 5000, TEN_PERCENT, 20_000, pod_list) == (12, 20_000, None)


def test_value_target_counts_deleting_pods() -> None:
    # 2 ready + 1 ready but deleting: N = 3; ratio 9000/3000 = 3; ceil(3 * 3) = 9
    pod_list = pods(2) + (pod("p2", deleting=True),)
    assert get_object_metric_replicas(3, 3000, TEN_PERCENT, 9000, pod_list).replicas == 9


def test_value_target_with_no_running_and_ready_pod_proposes_zero() -> None:
    # Pods exist but none is Running & Ready: N = 0, ceil(4 * 0) = 0 although usage is 4x the
    # target (SPEC.md §2.4 "N = 0 yields 0"); an empty pod list is an error instead.
    pod_list = (pod("p0", ready=False), pod("p1", phase="Pending"))
    assert get_object_metric_replicas(3, 5000, TEN_PERCENT, 20_000, pod_list).replicas == 0
    # Go's getUsageRatioReplicaCount wraps getReadyPodsCount's error in "unable to calculate
    # ready pods: %s" (replica_calculator.go), for Object and External Value targets alike.
    wording = ("^unable to calculate ready pods: no pods returned by selector while calculating "
               "replica count$")
    with pytest.raises(MetricComputationError, match=wording):
        get_object_metric_replicas(3, 5000, TEN_PERCENT, 20_000, ())
    with pytest.raises(MetricComputationError, match=wording):
        get_external_metric_replicas(3, 5000, TEN_PERCENT, [20_000], ())


def test_value_target_product_is_capped_at_max_int32() -> None:
    # ratio 2**40 / 1 over 3 ready pods = 3.3e12 replicas: capped at MaxInt32 = 2147483647
    assert get_object_metric_replicas(3, 1, TEN_PERCENT, 2**40, pods(3)).replicas == 2**31 - 1


@pytest.mark.parametrize(
    ("current", "usage", "replicas"),
    [
        (7, 10_500, 7),  # ratio 1.05 within 10 %: keep current
        (0, 10_500, 2),  # from zero: ceil(1.05) = 2, no tolerance and no pod count
        (0, 0, 0),  # ceil(0) = 0
    ],
)
def test_value_target_tolerance_and_scale_from_zero(
    current: int, usage: int, replicas: int
) -> None:
    assert get_object_metric_replicas(current, 10_000, TEN_PERCENT, usage, pods(2)).replicas == (
        replicas
    )


def test_external_value_sums_the_series() -> None:
    # (3000 + 4000 + 5000) / 4000 = 3; ceil(3 * 2 ready pods) = 6
    got = get_external_metric_replicas(2, 4000, TEN_PERCENT, [3000, 4000, 5000], pods(2))
    assert got == (6, 12_000, None)


def test_external_metric_without_series_is_an_error() -> None:
    with pytest.raises(MetricComputationError, match="no metrics returned from external"):
        get_external_metric_replicas(2, 4000, TEN_PERCENT, [], pods(2), "queue")


# --- 2.5 Object and External, AverageValue target --------------------------------------------


@pytest.mark.parametrize(
    ("status", "usage", "target", "replicas", "per_pod"),
    [
        # 10000 / (3000 * 2) = 1.67 not within -> ceil(10000/3000) = ceil(3.33) = 4;
        # reported ceil(10000 / 2) = 5000
        (2, 10_000, 3000, 4, 5000),
        # 6200 / (2000 * 3) = 1.033 within -> the *status* replicas, 3; ceil(6200/3) = 2067
        (3, 6200, 2000, 3, 2067),
        # 10001 / (5000 * 3) = 0.67 -> ceil(10001/5000) = ceil(2.0002) = 3; ceil(10001/3) = 3334
        (3, 10_001, 5000, 3, 3334),
    ],
)
def test_average_value_target_ignores_pods(
    status: int, usage: int, target: int, replicas: int, per_pod: int
) -> None:
    assert get_object_per_pod_metric_replicas(status, target, TEN_PERCENT, usage) == (
        replicas, per_pod, None,
    )
    assert get_external_per_pod_metric_replicas(status, target, TEN_PERCENT, [usage]) == (
        replicas, per_pod, None,
    )



# --- Go integer and float arithmetic at the edges (int64/int32 wrapping, float64 division) ----


def test_plain_metric_ratio_divides_float64s_like_go() -> None:
    # One pod reporting 2**54 + 4 against a target of 2**53 + 1. Go divides float64(usage) by
    # float64(target); float64(2**53 + 1) rounds (tie to even) to 2**53, so the ratio is
    # (2**54 + 4) / 2**53 = 2 + 2**-51, which is representable, and ceil(2.000...04 * 1) = 3.
    # Exact integer division gives 2 + 2/(2**53 + 1) < 2 + 2**-52, which rounds to 2.0 -> 2.
    value, target = 2**54 + 4, 2**53 + 1
    got = get_metric_replicas(1, target, TEN_PERCENT, pods(1), samples([value]), *TIMING)
    assert got.replicas == 3
    assert got.usage_milli == value


def test_plain_metric_sum_wraps_like_go_int64() -> None:
    # Go sums int64 values: (2**63 - 1) + 1 wraps to -2**63, and the mean is -2**63 / 2 = -2**62.
    got = get_metric_replicas(
        2, 1000, TEN_PERCENT, pods(2), samples([2**63 - 1, 1]), *TIMING
    )
    assert got.usage_milli == -(2**62)


def test_utilization_percent_is_go_int32_conversion_not_a_clamp() -> None:
    # usage 21474837m on a 1m request: 21474837 * 100 / 1 = 2147483700 > MaxInt32. Go's
    # int32() keeps the low 32 bits: 2147483700 - 2**32 = -2147483596 %. The ratio over a 100 %
    # target is -21474835.96, not within tolerance -> ceil(-21474835.96 * 1 pod) = -21474835.
    got = get_resource_replicas(
        1, 100, "cpu", TEN_PERCENT, pods(1, cpu=1), samples([21_474_837]), *TIMING
    )
    assert got.utilization == -2_147_483_596
    assert got.replicas == -21_474_835


def test_external_value_sum_caps_at_max_int64_on_positive_overflow() -> None:
    # Go stops at the first value that would overflow: MaxInt64 + 10 caps at MaxInt64 (the -20
    # after it is never added). An exact sum would give MaxInt64 - 10.
    max64 = 2**63 - 1
    got = get_external_metric_replicas(3, max64, TEN_PERCENT, [max64, 10, -20], pods(3))
    assert got.usage_milli == max64
    # Without an overflow, negative series are summed normally: 5000 - 2000 = 3000.
    assert get_external_metric_replicas(
        3, 1000, TEN_PERCENT, [5000, -2000], pods(3)
    ).usage_milli == 3000


def test_external_per_pod_sum_turns_a_negative_total_into_max_int64() -> None:
    # Go's per-pod sum treats any negative running sum as an int64 overflow -> MaxInt64. Then
    # 9.2e18 / (1000 * 2) is far outside tolerance: ceil(9.2e18 / 1000) saturates at MaxInt32,
    # and the reported per-pod value is MaxInt64 (float64(MaxInt64) >= float64(MaxInt64)).
    got = get_external_per_pod_metric_replicas(2, 1000, TEN_PERCENT, [-5000])
    assert got == (2**31 - 1, 2**63 - 1, None)
