"""Replica proposals from pod samples: Resource, ContainerResource and Pods metrics (Go
``replica_calculator.go``: ``GetResourceReplicas``, ``GetRawResourceReplicas``,
``GetMetricReplicas``, ``calcPlainMetricReplicas``).

Each groups the pods (:mod:`infra_toolkit.pod_grouping`), computes the usage ratio
(:mod:`infra_toolkit.usage_ratio`) and rebalances unready and missing pods
(:mod:`infra_toolkit.replica_rebalance`). Object and External metrics are in
:mod:`infra_toolkit.object_external_replicas`; the records (:class:`Pod`, :class:`PodSample`,
:class:`Tolerances`, :class:`ReplicaProposal`, :class:`MetricComputationError`) in
:mod:`infra_toolkit.replica_types`. Times are absolute seconds on the caller's clock
(``now_s``); quantities are integer milli-units, and every integer division truncates toward zero
like Go's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from infra_toolkit.go_arithmetic import MAX_INT64, ceil_int32, go_div, wrap_int64
from infra_toolkit.pod_grouping import calculate_requests, group_pods_with_totals
from infra_toolkit.replica_rebalance import drop_unready_and_ignored, replicas_with_rebalance
from infra_toolkit.replica_types import (
    NO_PODS,
    MetricComputationError,
    Pod,
    PodSample,
    ReplicaProposal,
    Tolerances,
    new_record,
)
from infra_toolkit.usage_ratio import (
    get_metric_usage_ratio,
    get_resource_utilization_ratio,
    utilization_percent,
)

__all__ = [
    "get_resource_replicas",
    "get_raw_resource_replicas",
    "get_metric_replicas",
    "calc_plain_metric_replicas",
]


def _no_resource_metrics(resource: str) -> MetricComputationError:
    return MetricComputationError(f"unable to get metrics for resource {resource}: "
                                  "no metrics returned from resource metrics API")



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
        raise MetricComputationError(NO_PODS)
    ready_count, unready, missing, ignored, usage_total, requests_total, all_requested = (
        group_pods_with_totals(
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
        utilization = utilization_percent(usage_total, requests_total)
        ratio = utilization / target_utilization
        raw_average = (
            usage_total // ready_count if 0 <= usage_total <= MAX_INT64
            else go_div(wrap_int64(usage_total), ready_count)
        )
        if tolerances.is_within(ratio):
            return new_record(ReplicaProposal, (current_replicas, raw_average, utilization))
        return new_record(ReplicaProposal,
                          (ceil_int32(ratio * ready_count), raw_average, utilization))
    metrics = drop_unready_and_ignored(samples, unready, ignored)
    requests = calculate_requests(pods, container, resource)
    ratio, utilization, raw_average = get_resource_utilization_ratio(
        metrics, requests, target_utilization
    )
    fallback = max(100, target_utilization)
    replicas = replicas_with_rebalance(
        current_replicas, ratio, ready_count, unready, missing, metrics, tolerances,
        lambda name: go_div(requests[name] * fallback, 100),
        lambda filled: get_resource_utilization_ratio(filled, requests, target_utilization)[0],
    )
    return ReplicaProposal(replicas, raw_average, utilization)


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
        raise MetricComputationError(NO_PODS)
    ready_count, unready, missing, ignored = group_pods_with_totals(
        pods, samples, resource, now_s, cpu_initialization_period_s, initial_readiness_delay_s,
        ignore_succeeded_pods, "",
    )[:4]
    metrics = drop_unready_and_ignored(samples, unready, ignored)
    ratio, usage = get_metric_usage_ratio(metrics, target_usage_milli)
    replicas = replicas_with_rebalance(
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

