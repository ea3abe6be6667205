"""Unready and missing pods rebalanced into a proposal (Go ``GetResourceReplicas`` and
``calcPlainMetricReplicas``, after the usage ratio).

:func:`drop_unready_and_ignored` keeps the samples that count; :func:`replicas_with_rebalance`
turns a usage ratio into replicas: ``ceil(ratio x ready pods)`` (or the current size within
tolerance) when no pod needs filling, otherwise missing pods are filled (by the caller's rule on a
scale-down, 0 on a scale-up) and unready ones with 0 on a scale-up, and the recomputed ratio is
discarded if it is within tolerance, flips direction, or moves the count against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from infra_toolkit.go_arithmetic import ceil_int32
from infra_toolkit.replica_types import MetricComputationError, PodSample, Tolerances

__all__ = ["drop_unready_and_ignored", "replicas_with_rebalance"]


def _without(
    samples: Mapping[str, PodSample], unready: list[str], ignored: list[str]
) -> dict[str, int]:
    if not unready and not ignored:
        return {name: sample[0] for name, sample in samples.items()}
    dropped = set(unready)
    dropped.update(ignored)
    return {name: sample[0] for name, sample in samples.items() if name not in dropped}


def drop_unready_and_ignored(
    samples: Mapping[str, PodSample], unready: list[str], ignored: list[str]
) -> dict[str, int]:
    """The samples of all but the unready and ignored pods (Go ``removeMetricsForPods``)."""
    metrics = _without(samples, unready, ignored)
    if not metrics:
        raise MetricComputationError(
            "did not receive metrics for targeted pods (pods might be unready)"
        )
    return metrics


def replicas_with_rebalance(
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
        return ceil_int32(ratio * ready_count)
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
    new_replicas = ceil_int32(new_ratio * sample_count)
    if (new_ratio < 1.0 and new_replicas > current_replicas) or (
        new_ratio > 1.0 and new_replicas < current_replicas
    ):
        return current_replicas  # the sample count (e.g. a rollout surge) would move against it
    return new_replicas

