"""Object and External metrics' replica proposals (Go ``GetObjectMetricReplicas``,
``GetExternalMetricReplicas`` and their ``PerPod`` forms).

A Value target scales the Running and Ready pod count by ``usage / target`` (or, from zero
replicas, proposes ``ceil(usage / target)``); an AverageValue target proposes
``ceil(usage / target)`` whatever the pods, or the *status* replicas within tolerance. External
series are summed with Go's int64 overflow rules. Quantities are integer milli-units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from infra_toolkit.go_arithmetic import MAX_INT64, ceil_int32, go_fdiv, wrap_int64
from infra_toolkit.pod_grouping import get_ready_pods_count
from infra_toolkit.replica_types import MetricComputationError, Pod, ReplicaProposal, Tolerances

__all__ = [
    "get_usage_ratio_replica_count",
    "get_object_metric_replicas",
    "get_object_per_pod_metric_replicas",
    "get_external_metric_replicas",
    "get_external_per_pod_metric_replicas",
]


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
        try:
            ready_count = get_ready_pods_count(pods)
        except MetricComputationError as exc:
            # Go wraps the pod lister's error here (replica_calculator.go getUsageRatioReplicaCount)
            raise MetricComputationError(f"unable to calculate ready pods: {exc}") from None
        return ceil_int32(usage_ratio * ready_count)
    return ceil_int32(usage_ratio)


def get_object_metric_replicas(
    current_replicas: int,
    target_value_milli: int,
    tolerances: Tolerances,
    usage_milli: int,
    pods: Sequence[Pod],
) -> ReplicaProposal:
    """Replicas for an Object metric with a Value target (Go ``GetObjectMetricReplicas``)."""
    ratio = go_fdiv(float(usage_milli), float(target_value_milli))
    return ReplicaProposal(
        get_usage_ratio_replica_count(current_replicas, ratio, tolerances, pods), usage_milli
    )


def _per_pod_replicas(
    status_replicas: int, target_average_milli: int, tolerances: Tolerances, usage_milli: int
) -> ReplicaProposal:
    replicas = status_replicas
    ratio = go_fdiv(float(usage_milli), float(target_average_milli) * float(status_replicas))
    if not tolerances.is_within(ratio):
        replicas = ceil_int32(go_fdiv(float(usage_milli), float(target_average_milli)))
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
        usage = wrap_int64(usage + value)
    return usage


def _external_per_pod_total(values: Sequence[int], metric_name: str) -> int:
    """The sum for an AverageValue target: Go (``GetExternalPerPodMetricReplicas``) turns any
    negative running sum (it assumes an int64 overflow) into MaxInt64."""
    _no_external_series(values, metric_name)
    usage = 0
    for value in values:
        usage = wrap_int64(usage + value)
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
    ratio = go_fdiv(float(usage), float(target_value_milli))
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
