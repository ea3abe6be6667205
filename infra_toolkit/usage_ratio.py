"""Usage ratios: how far a metric is from its target (Go ``metrics/utilization.go``).

:func:`get_resource_utilization_ratio` for Utilization targets (an integer percent of the pods'
requests, truncated before the ratio) and :func:`get_metric_usage_ratio` for average values (an
integer mean in milli-units). Sums wrap like Go's int64 and the percent like Go's int32.
"""

from __future__ import annotations

from collections.abc import Mapping

from infra_toolkit.go_arithmetic import MAX_INT32, MAX_INT64, go_div, wrap_int32, wrap_int64
from infra_toolkit.replica_types import MetricComputationError

__all__ = [
    "utilization_percent",
    "get_resource_utilization_ratio",
    "get_metric_usage_ratio",
]

_NO_WRAP_USAGE = MAX_INT64 // 100  # usage totals up to this cannot overflow ``total * 100``


def utilization_percent(usage_total: int, requests_total: int) -> int:
    """``int32((metricsTotal * 100) / requestsTotal)`` with Go's int64 and int32 wrapping."""
    if 0 <= usage_total <= _NO_WRAP_USAGE and 0 < requests_total <= MAX_INT64:
        percent = usage_total * 100 // requests_total  # the usual case: nothing wraps
        if percent <= MAX_INT32:
            return percent
    return wrap_int32(
        go_div(wrap_int64(wrap_int64(usage_total) * 100), wrap_int64(requests_total))
    )


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
    utilization = utilization_percent(metrics_total, requests_total)
    return utilization / target_utilization, utilization, go_div(wrap_int64(metrics_total), entries)


def get_metric_usage_ratio(metrics: Mapping[str, int], target_usage: int) -> tuple[float, int]:
    """(usage ratio, integer mean in milli-units) of plain metric values (Go
    ``GetMetricUsageRatio``).

    The int64 sum wraps like Go's, and the ratio divides two float64s as Go does: Python's exact
    ``int / int`` rounds differently once the mean exceeds 2**53.
    """
    usage = go_div(wrap_int64(sum(metrics.values())), len(metrics))
    return float(usage) / float(target_usage), usage

