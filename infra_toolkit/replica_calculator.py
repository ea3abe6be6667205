"""The replica calculator: one metric's replica proposal (Go ``replica_calculator.go``).

Pure functions over plain records: :class:`Pod` (what the pod lister returns), :class:`PodSample`
(one pod's sample from a metrics API) and the fetched Object/External values. Times are absolute
seconds on the caller's clock (``now_s``); quantities are integer milli-units, and every integer
division truncates toward zero like Go's.

A failed metric read or computation raises :class:`MetricComputationError` with the controller's
wording; :func:`infra_toolkit.hpa.reconcile` turns it into the HPA's error and condition, as the
controller does, so it never escapes a reconcile.

:class:`Pod` and :class:`PodSample` are named tuples rather than dataclasses because a simulator
builds them on every sync, and a tuple is several times cheaper to create.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "Pod",
    "PodSample",
    "Tolerances",
    "ReplicaProposal",
    "GroupedPods",
    "MetricComputationError",
    "group_pods",
    "calculate_requests",
    "get_resource_utilization_ratio",
    "get_metric_usage_ratio",
    "get_resource_replicas",
    "get_raw_resource_replicas",
    "get_metric_replicas",
    "calc_plain_metric_replicas",
    "get_object_metric_replicas",
    "get_object_per_pod_metric_replicas",
    "get_external_metric_replicas",
    "get_external_per_pod_metric_replicas",
    "get_usage_ratio_replica_count",
    "get_ready_pods_count",
]

MAX_INT32 = 2**31 - 1
MIN_INT32 = -(2**31)
MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
_NO_REQUESTS: Mapping[str, int] = MappingProxyType({})
_NEVER = float("-inf")  # Go's zero time.Time, for an unset Ready transition


class Pod(NamedTuple):
    """A pod as the HPA sees it.

    ``ready`` is the Ready condition (``None``: no condition); ``start_time_s`` is
    ``status.startTime`` (``None``: unset); ``ready_transition_time_s`` is the Ready condition's
    ``lastTransitionTime``. ``requests_milli`` maps a resource name to the pod's request (sum of
    its containers and restartable init containers, or the pod-level request);
    ``container_requests_milli`` maps container name -> resource -> request, for
    ContainerResource metrics.
    """

    name: str
    phase: str = "Running"
    ready: bool | None = True
    start_time_s: float | None = 0.0
    ready_transition_time_s: float | None = 0.0
    deleting: bool = False
    requests_milli: Mapping[str, int] = _NO_REQUESTS
    container_requests_milli: Mapping[str, Mapping[str, int]] | None = None


class PodSample(NamedTuple):
    """One pod's metric sample: value in milli-units, taken at ``timestamp_s`` over ``window_s``."""

    value_milli: int
    timestamp_s: float
    window_s: float = 60.0


class Tolerances(NamedTuple):
    """The usage-ratio tolerances (fractions): ``1-scale_down <= ratio <= 1+scale_up`` is within."""

    scale_down: float
    scale_up: float

    def is_within(self, usage_ratio: float) -> bool:
        """Whether the ratio is close enough to 1 to keep the current size (inclusive bounds)."""
        return (1.0 - self.scale_down) <= usage_ratio <= (1.0 + self.scale_up)


class ReplicaProposal(NamedTuple):
    """A metric's proposal: replicas, the usage the HPA status reports, and utilization in %.

    ``usage_milli`` is the raw per-pod average (Resource), the average value (Pods, per-pod
    Object/External) or the total value (Object/External Value). ``utilization`` is set for
    Resource Utilization targets only.
    """

    replicas: int
    usage_milli: int
    utilization: int | None = None


class GroupedPods(NamedTuple):
    """The outcome of :func:`group_pods`: a count and three lists of pod names."""

    ready_count: int
    unready: list[str]
    missing: list[str]
    ignored: list[str]


class MetricComputationError(Exception):
    """The controller could not compute a proposal from this metric (Go returns an error)."""


_NO_PODS = "no pods returned by selector while calculating replica count"


def _no_resource_metrics(resource: str) -> MetricComputationError:
    return MetricComputationError(f"unable to get metrics for resource {resource}: "
                                  "no metrics returned from resource metrics API")


def _go_div(a: int, b: int) -> int:
    """Integer division truncating toward zero (Go), not flooring (Python)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _int64(x: int) -> int:
    """``x`` as Go's int64 arithmetic leaves it: wrapped modulo 2**64 (sums of int64 wrap)."""
    if MIN_INT64 <= x <= MAX_INT64:
        return x
    return ((x - MIN_INT64) & 0xFFFF_FFFF_FFFF_FFFF) + MIN_INT64


def _int32(x: int) -> int:
    """Go's ``int32(x)`` of an int64: the low 32 bits, two's complement (not a saturation)."""
    if MIN_INT32 <= x <= MAX_INT32:
        return x
    return ((x - MIN_INT32) & 0xFFFF_FFFF) + MIN_INT32


_NO_WRAP_USAGE = MAX_INT64 // 100  # usage totals up to this cannot overflow ``total * 100``


def _utilization_percent(usage_total: int, requests_total: int) -> int:
    """``int32((metricsTotal * 100) / requestsTotal)`` with Go's int64 and int32 wrapping."""
    if 0 <= usage_total <= _NO_WRAP_USAGE and 0 < requests_total <= MAX_INT64:
        percent = usage_total * 100 // requests_total  # the usual case: nothing wraps
        if percent <= MAX_INT32:
            return percent
    return _int32(_go_div(_int64(_int64(usage_total) * 100), _int64(requests_total)))


def _fdiv(a: float, b: float) -> float:
    """IEEE division as in Go: x/0 is +-Inf, 0/0 is NaN (Python would raise)."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _ceil_int32(x: float) -> int:
    """``int32(math.Ceil(x))``, saturating instead of Go's undefined out-of-range conversion."""
    if math.isnan(x):
        return 0
    if x >= MAX_INT32:
        return MAX_INT32
    if x <= MIN_INT32:
        return MIN_INT32
    return math.ceil(x)


def group_pods(
    pods: Sequence[Pod],
    samples: Mapping[str, PodSample],
    resource: str,
    now_s: float,
    cpu_initialization_period_s: float,
    initial_readiness_delay_s: float,
    ignore_succeeded_pods: bool = True,
) -> GroupedPods:
    """Classify pods as ready, unready, missing (no sample) or ignored (Go ``groupPods``).

    Deleting and Failed pods (and Succeeded ones when ``ignore_succeeded_pods``) are ignored;
    Pending pods are unready. For ``resource == "cpu"`` only, readiness and start time matter:
    within ``cpu_initialization_period_s`` of start a pod counts only if Ready and its sample
    covers a full window after it became ready; later, only a pod that never became ready
    (Ready False with a transition less than ``initial_readiness_delay_s`` after start) is unready.
    """
    grouped = _group_pods(
        pods, samples, resource, now_s, cpu_initialization_period_s, initial_readiness_delay_s,
        ignore_succeeded_pods, "",
    )
    return GroupedPods(*grouped[:4])


def _group_pods(
    pods: Sequence[Pod],
    samples: Mapping[str, PodSample],
    resource: str,
    now_s: float,
    cpu_initialization_period_s: float,
    initial_readiness_delay_s: float,
    ignore_succeeded_pods: bool,
    sum_requests_of: str,
) -> tuple[int, list[str], list[str], list[str], int, int, bool]:
    """:func:`group_pods` as a plain tuple, and with ``sum_requests_of`` set, in the same pass:
    the usage and request totals over the ready pods, and whether every pod has a request for
    that resource.
    """
    ready_count = 0
    unready: list[str] = []
    missing: list[str] = []
    ignored: list[str] = []
    usage_total = requests_total = 0
    all_requested = True
    request = 0
    is_cpu = resource == "cpu"
    get_sample = samples.get
    # Fields are read by index (Pod order) on this hot path: it is twice as fast as by name.
    for pod in pods:
        if sum_requests_of:
            pod_request = pod[6].get(sum_requests_of)
            if pod_request is None:
                all_requested = False
                pod_request = 0
            request = pod_request
        phase = pod[1]
        if pod[5] or phase == "Failed" or (phase == "Succeeded" and ignore_succeeded_pods):
            ignored.append(pod[0])
            continue
        if phase == "Pending":
            unready.append(pod[0])
            continue
        sample = get_sample(pod[0])
        if sample is None:
            missing.append(pod[0])
            continue
        if is_cpu:
            ready = pod[2]
            start = pod[3]
            if ready is None or start is None:
                unready.append(pod[0])
                continue
            if start + cpu_initialization_period_s > now_s:
                # Still initializing: a sample counts only once a full window follows readiness.
                transition = pod[4]
                if transition is None:
                    transition = _NEVER
                if not ready or sample[1] < transition + sample[2]:
                    unready.append(pod[0])
                    continue
            elif not ready:
                # Unready after initialization: ignored only if it never became ready.
                transition = pod[4]
                if transition is None:
                    transition = _NEVER
                if start + initial_readiness_delay_s > transition:
                    unready.append(pod[0])
                    continue
        ready_count += 1
        usage_total += sample[0]
        requests_total += request
    return ready_count, unready, missing, ignored, usage_total, requests_total, all_requested


def calculate_requests(pods: Sequence[Pod], container: str, resource: str) -> dict[str, int]:
    """Each pod's request for ``resource`` in milli-units (Go ``calculateRequests``).

    With ``container`` set, that container's request; otherwise the pod total. Every pod needs
    one, ignored pods included, or the metric fails.
    """
    requests: dict[str, int] = {}
    for pod in pods:
        if container:
            per_container = pod.container_requests_milli
            if per_container is None or container not in per_container:
                raise MetricComputationError(f"container {container} not found in Pod {pod.name}")
            request = per_container[container].get(resource)
            if request is None:
                raise MetricComputationError(
                    f"missing request for {resource} in container {container} of Pod {pod.name}"
                )
        else:
            request = pod.requests_milli.get(resource)
            if request is None:
                raise MetricComputationError(f"missing request for {resource} in Pod {pod.name}")
        requests[pod.name] = request
    return requests


def get_resource_utilization_ratio(
    metrics: Mapping[str, int], requests: Mapping[str, int], target_utilization: int
) -> tuple[float, int, int]:
    """(usage ratio, utilization %, raw per-pod average) over pods that have a request.

    Utilization is the truncated integer percent ``sum(usage)*100 // sum(request)``, and the ratio
    is that integer over the target (Go ``GetResourceUtilizationRatio``).
    """
    metrics_total = 0
    requests_total = 0
    entries = 0
    for name, value in metrics.items():
        request = requests.get(name)
        if request is None:
            continue  # a sample of a pod not in the list: no request, so not counted
        metrics_total += value
        requests_total += request
        entries += 1
    if requests_total == 0:
        raise MetricComputationError("no metrics returned matched known pods")
    utilization = _utilization_percent(metrics_total, requests_total)
    return utilization / target_utilization, utilization, _go_div(_int64(metrics_total), entries)


def get_metric_usage_ratio(metrics: Mapping[str, int], target_usage: int) -> tuple[float, int]:
    """(usage ratio, integer mean in milli-units) of plain metric values (Go
    ``GetMetricUsageRatio``).

    The int64 sum wraps like Go's, and the ratio divides two float64s as Go does: Python's exact
    ``int / int`` rounds differently once the mean exceeds 2**53.
    """
    usage = _go_div(_int64(sum(metrics.values())), len(metrics))
    return float(usage) / float(target_usage), usage


def _without(
    samples: Mapping[str, PodSample], unready: list[str], ignored: list[str]
) -> dict[str, int]:
    if not unready and not ignored:
        return {name: sample[0] for name, sample in samples.items()}
    dropped = set(unready)
    dropped.update(ignored)
    return {name: sample[0] for name, sample in samples.items() if name not in dropped}


def get_resource_replicas(
    current_replicas: int,
    target_utilization: int,
    resource: str,
    tolerances: Tolerances,
    pods: Sequence[Pod],
    samples: Mapping[str, PodSample],
    now_s: float,
    cpu_initialization_period_s: float,
    initial_readiness_delay_s: float,
    ignore_succeeded_pods: bool = True,
    container: str = "",
) -> ReplicaProposal:
    """Replicas for a Utilization target in percent of request (Go ``GetResourceReplicas``).

    Without unready or missing pods the proposal is ``ceil(ratio * ready pods)`` (or current
    within tolerance); otherwise missing pods are filled (request x max(100, target)% on a
    scale-down, 0 on a scale-up), unready ones with 0 on a scale-up, and the recomputed ratio is
    discarded if it is within tolerance, flips direction, or moves the count against it.
    """
    if not samples:
        raise _no_resource_metrics(resource)
    if not pods:
        raise MetricComputationError(_NO_PODS)
    ready_count, unready, missing, ignored, usage_total, requests_total, all_requested = (
        _group_pods(
            pods, samples, resource, now_s, cpu_initialization_period_s,
            initial_readiness_delay_s, ignore_succeeded_pods, "" if container else resource,
        )
    )
    if ready_count and all_requested and not container and not (unready or missing):
        # The common case, from the totals of the grouping pass: with no unready or missing
        # pods, the samples that count are exactly the ready pods' (Go sums the samples left
        # after dropping unready and ignored pods, over the pods that have a request).
        if requests_total == 0:
            raise MetricComputationError("no metrics returned matched known pods")
        utilization = _utilization_percent(usage_total, requests_total)
        ratio = utilization / target_utilization
        raw_average = (
            usage_total // ready_count if 0 <= usage_total <= MAX_INT64
            else _go_div(_int64(usage_total), ready_count)
        )
        if tolerances.is_within(ratio):
            return ReplicaProposal(current_replicas, raw_average, utilization)
        return ReplicaProposal(_ceil_int32(ratio * ready_count), raw_average, utilization)
    metrics = _drop_unready_and_ignored(samples, unready, ignored)
    requests = calculate_requests(pods, container, resource)
    ratio, utilization, raw_average = get_resource_utilization_ratio(
        metrics, requests, target_utilization
    )
    fallback = max(100, target_utilization)
    replicas = _replicas_with_rebalance(
        current_replicas, ratio, ready_count, unready, missing, metrics, tolerances,
        lambda name: _go_div(requests[name] * fallback, 100),
        lambda filled: get_resource_utilization_ratio(filled, requests, target_utilization)[0],
    )
    return ReplicaProposal(replicas, raw_average, utilization)


def _drop_unready_and_ignored(
    samples: Mapping[str, PodSample], unready: list[str], ignored: list[str]
) -> dict[str, int]:
    """The samples of all but the unready and ignored pods (Go ``removeMetricsForPods``)."""
    metrics = _without(samples, unready, ignored)
    if not metrics:
        raise MetricComputationError(
            "did not receive metrics for targeted pods (pods might be unready)"
        )
    return metrics


def _replicas_with_rebalance(
    current_replicas: int,
    ratio: float,
    ready_count: int,
    unready: list[str],
    missing: list[str],
    metrics: dict[str, int],
    tolerances: Tolerances,
    missing_on_scale_down: Callable[[str], int],
    ratio_of: Callable[[dict[str, int]], float],
) -> int:
    """The proposal from a usage ratio, rebalancing unready and missing pods when present."""
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if tolerances.is_within(ratio):
            return current_replicas
        return _ceil_int32(ratio * ready_count)
    if missing:
        if ratio < 1.0:
            for name in missing:
                metrics[name] = missing_on_scale_down(name)
        elif ratio > 1.0:
            for name in missing:
                metrics[name] = 0
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = 0
    new_ratio = ratio_of(metrics)
    # Note: len(metrics) also counts samples of pods absent from the pod list, as Go does.
    return _rebalanced_replicas(current_replicas, ratio, new_ratio, len(metrics), tolerances)


def _rebalanced_replicas(
    current_replicas: int, ratio: float, new_ratio: float, sample_count: int, tolerances: Tolerances
) -> int:
    if tolerances.is_within(new_ratio) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current_replicas  # too small a change, or the filled pods flip the direction
    new_replicas = _ceil_int32(new_ratio * sample_count)
    if (new_ratio < 1.0 and new_replicas > current_replicas) or (
        new_ratio > 1.0 and new_replicas < current_replicas
    ):
        return current_replicas  # the sample count (e.g. a rollout surge) would move against it
    return new_replicas


def calc_plain_metric_replicas(
    samples: Mapping[str, PodSample],
    current_replicas: int,
    target_usage_milli: int,
    tolerances: Tolerances,
    pods: Sequence[Pod],
    now_s: float,
    cpu_initialization_period_s: float,
    initial_readiness_delay_s: float,
    ignore_succeeded_pods: bool = True,
    resource: str = "",
) -> ReplicaProposal:
    """Replicas for an average-value target over pod samples (Go ``calcPlainMetricReplicas``).

    As :func:`get_resource_replicas`, with the integer mean over the samples as usage; missing
    pods are filled with exactly the target on a scale-down.
    """
    if not pods:
        raise MetricComputationError(_NO_PODS)
    ready_count, unready, missing, ignored = _group_pods(
        pods, samples, resource, now_s, cpu_initialization_period_s, initial_readiness_delay_s,
        ignore_succeeded_pods, "",
    )[:4]
    metrics = _drop_unready_and_ignored(samples, unready, ignored)
    ratio, usage = get_metric_usage_ratio(metrics, target_usage_milli)
    replicas = _replicas_with_rebalance(
        current_replicas, ratio, ready_count, unready, missing, metrics, tolerances,
        lambda name: target_usage_milli,
        lambda filled: get_metric_usage_ratio(filled, target_usage_milli)[0],
    )
    return ReplicaProposal(replicas, usage)


def get_raw_resource_replicas(
    current_replicas: int,
    target_usage_milli: int,
    resource: str,
    tolerances: Tolerances,
    pods: Sequence[Pod],
    samples: Mapping[str, PodSample],
    now_s: float,
    cpu_initialization_period_s: float,
    initial_readiness_delay_s: float,
    ignore_succeeded_pods: bool = True,
) -> ReplicaProposal:
    """Replicas for a Resource AverageValue target (Go ``GetRawResourceReplicas``); the CPU
    readiness rules apply when ``resource`` is ``cpu``."""
    if not samples:
        raise _no_resource_metrics(resource)
    return calc_plain_metric_replicas(
        samples, current_replicas, target_usage_milli, tolerances, pods, now_s,
        cpu_initialization_period_s, initial_readiness_delay_s, ignore_succeeded_pods, resource,
    )


def get_metric_replicas(
    current_replicas: int,
    target_usage_milli: int,
    tolerances: Tolerances,
    pods: Sequence[Pod],
    samples: Mapping[str, PodSample],
    now_s: float,
    cpu_initialization_period_s: float,
    initial_readiness_delay_s: float,
    ignore_succeeded_pods: bool = True,
    metric_name: str = "",
) -> ReplicaProposal:
    """Replicas for a Pods metric with an AverageValue target (Go ``GetMetricReplicas``).

    No resource name is passed, so the CPU readiness rules never apply: a Running pod with a
    sample counts whatever its Ready condition.
    """
    if not samples:
        raise MetricComputationError(
            f"unable to get metric {metric_name}: no metrics returned from custom metrics API"
        )
    return calc_plain_metric_replicas(
        samples, current_replicas, target_usage_milli, tolerances, pods, now_s,
        cpu_initialization_period_s, initial_readiness_delay_s, ignore_succeeded_pods, "",
    )


def get_ready_pods_count(pods: Sequence[Pod]) -> int:
    """Pods in phase Running with Ready True; deleting pods are not excluded."""
    if not pods:
        raise MetricComputationError(_NO_PODS)
    return sum(1 for pod in pods if pod.phase == "Running" and pod.ready is True)


def get_usage_ratio_replica_count(
    current_replicas: int, usage_ratio: float, tolerances: Tolerances, pods: Sequence[Pod]
) -> int:
    """Replicas for a Value target (Go ``getUsageRatioReplicaCount``).

    ``ceil(ratio x Running&Ready pods)`` unless within tolerance; from 0 replicas ``ceil(ratio)``
    with no tolerance, so a workload can scale from zero.
    """
    if current_replicas != 0:
        if tolerances.is_within(usage_ratio):
            return current_replicas
        return _ceil_int32(usage_ratio * get_ready_pods_count(pods))
    return _ceil_int32(usage_ratio)


def get_object_metric_replicas(
    current_replicas: int,
    target_value_milli: int,
    tolerances: Tolerances,
    usage_milli: int,
    pods: Sequence[Pod],
) -> ReplicaProposal:
    """Replicas for an Object metric with a Value target (Go ``GetObjectMetricReplicas``)."""
    ratio = _fdiv(float(usage_milli), float(target_value_milli))
    return ReplicaProposal(
        get_usage_ratio_replica_count(current_replicas, ratio, tolerances, pods), usage_milli
    )


def _per_pod_replicas(
    status_replicas: int, target_average_milli: int, tolerances: Tolerances, usage_milli: int
) -> ReplicaProposal:
    replicas = status_replicas
    ratio = _fdiv(float(usage_milli), float(target_average_milli) * float(status_replicas))
    if not tolerances.is_within(ratio):
        replicas = _ceil_int32(_fdiv(float(usage_milli), float(target_average_milli)))
    if float(usage_milli) >= float(MAX_INT64):
        per_pod = MAX_INT64
    elif status_replicas == 0:
        per_pod = 0
    else:
        per_pod = math.ceil(float(usage_milli) / float(status_replicas))
    return ReplicaProposal(replicas, per_pod)


def get_object_per_pod_metric_replicas(
    status_replicas: int, target_average_milli: int, tolerances: Tolerances, usage_milli: int
) -> ReplicaProposal:
    """Replicas for an Object metric with an AverageValue target (Go
    ``GetObjectPerPodMetricReplicas``): ``ceil(usage/target)`` unless
    ``usage/(target x status replicas)`` is within tolerance, when it is the *status* replicas."""
    return _per_pod_replicas(status_replicas, target_average_milli, tolerances, usage_milli)


def _no_external_series(values: Sequence[int], metric_name: str) -> None:
    if not values:
        raise MetricComputationError(
            f"unable to get external metric {metric_name}: "
            "no metrics returned from external metrics API"
        )


def _external_value_total(values: Sequence[int], metric_name: str) -> int:
    """The sum for a Value target: capped at MaxInt64 on a positive overflow; other int64
    arithmetic wraps (Go ``GetExternalMetricReplicas``)."""
    _no_external_series(values, metric_name)
    usage = 0
    for value in values:
        if value > 0 and usage > MAX_INT64 - value:
            return MAX_INT64
        usage = _int64(usage + value)
    return usage


def _external_per_pod_total(values: Sequence[int], metric_name: str) -> int:
    """The sum for an AverageValue target: Go (``GetExternalPerPodMetricReplicas``) turns any
    negative running sum (it assumes an int64 overflow) into MaxInt64."""
    _no_external_series(values, metric_name)
    usage = 0
    for value in values:
        usage = _int64(usage + value)
        if usage < 0:
            return MAX_INT64
    return usage


def get_external_metric_replicas(
    current_replicas: int,
    target_value_milli: int,
    tolerances: Tolerances,
    values_milli: Sequence[int],
    pods: Sequence[Pod],
    metric_name: str = "",
) -> ReplicaProposal:
    """Replicas for an External metric with a Value target; the series are summed (Go
    ``GetExternalMetricReplicas``)."""
    usage = _external_value_total(values_milli, metric_name)
    ratio = _fdiv(float(usage), float(target_value_milli))
    return ReplicaProposal(
        get_usage_ratio_replica_count(current_replicas, ratio, tolerances, pods), usage
    )


def get_external_per_pod_metric_replicas(
    status_replicas: int,
    target_average_milli: int,
    tolerances: Tolerances,
    values_milli: Sequence[int],
    metric_name: str = "",
) -> ReplicaProposal:
    """Replicas for an External metric with an AverageValue target (Go
    ``GetExternalPerPodMetricReplicas``); see :func:`get_object_per_pod_metric_replicas`."""
    usage = _external_per_pod_total(values_milli, metric_name)
    return _per_pod_replicas(status_replicas, target_average_milli, tolerances, usage)
