"""The autoscaling/v2 HorizontalPodAutoscaler controller, one sync at a time.

:func:`reconcile` is one ``reconcileAutoscaler`` pass of Kubernetes 1.37's
``pkg/controller/podautoscaler/horizontal.go``: read the target's scale, compute a proposal per
metric and take the max (:mod:`infra_toolkit.hpa_metrics`, over
:mod:`infra_toolkit.replica_calculator` and :mod:`infra_toolkit.object_external_replicas`),
normalize it (stabilization and rate limits, :mod:`infra_toolkit.hpa_normalize`) and decide the
size to write. Everything the real controller keeps in memory between syncs (recommendations,
scale events, the ScaledToZero condition) lives in :class:`HPAState`, passed in and returned; time
is the ``now_s`` argument. No I/O and no clock here.

This module is also the package's HPA entry point: it re-exports the spec types
(:mod:`infra_toolkit.hpa_spec`), the controller flags (:mod:`infra_toolkit.hpa_controller_config`),
``hpa_from_dict`` (:mod:`infra_toolkit.hpa_api`), the metric
records and functions (:mod:`infra_toolkit.hpa_metrics`), the calculator's records
(:mod:`infra_toolkit.replica_types`) and pod grouping (:mod:`infra_toolkit.pod_grouping`), and the
pure functions of normalization, so ``from infra_toolkit.hpa import ...`` is all a user needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from infra_toolkit.hpa_api import hpa_from_dict
from infra_toolkit.hpa_controller_config import DEFAULT_CONTROLLER_CONFIG, ControllerConfig
from infra_toolkit.hpa_metrics import (
    Condition,
    MetricsOutcome,
    MetricsSnapshot,
    MetricStatus,
    compute_replicas_for_metric,
    compute_replicas_for_metrics,
    failed_metrics_error,
    tolerances_for_hpa,
)
from infra_toolkit.hpa_normalize import (
    Recommendation,
    ScaleEvent,
    calculate_scale_down_limit_with_behaviors,
    calculate_scale_up_limit,
    calculate_scale_up_limit_with_scaling_rules,
    convert_desired_replicas_with_behavior_rate,
    convert_desired_replicas_with_rules,
    get_replicas_change_per_period,
    mark_scale_events_outdated,
    stabilize_recommendation,
    stabilize_recommendation_with_behaviors,
    store_scale_event,
)
from infra_toolkit.hpa_spec import (
    ContainerResourceMetricSource,
    CrossVersionObjectReference,
    ExternalMetricSource,
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    HPASpec,
    MetricIdentifier,
    MetricSpec,
    MetricTarget,
    ObjectMetricSource,
    PodsMetricSource,
    ResourceMetricSource,
    cpu_utilization_metric,
    generate_scale_down_rules,
    generate_scale_up_rules,
)
from infra_toolkit.label_selector import LabelSelectorRequirement
from infra_toolkit.pod_grouping import group_pods
from infra_toolkit.replica_types import (
    MetricComputationError,
    Pod,
    PodSample,
    ReplicaProposal,
    Tolerances,
    new_record,
)

__all__ = [
    # controller
    "reconcile",
    "compute_replicas_for_metrics",
    "compute_replicas_for_metric",
    "tolerances_for_hpa",
    "MetricsSnapshot",
    "HPAState",
    "ReconcileResult",
    "MetricStatus",
    "Condition",
    # specs and flags (infra_toolkit.hpa_spec, hpa_controller_config, hpa_api)
    "HPASpec",
    "HPABehavior",
    "HPAScalingRules",
    "HPAScalingPolicy",
    "MetricSpec",
    "MetricTarget",
    "MetricIdentifier",
    "LabelSelectorRequirement",
    "ResourceMetricSource",
    "ContainerResourceMetricSource",
    "PodsMetricSource",
    "ObjectMetricSource",
    "ExternalMetricSource",
    "CrossVersionObjectReference",
    "ControllerConfig",
    "DEFAULT_CONTROLLER_CONFIG",
    "cpu_utilization_metric",
    "generate_scale_up_rules",
    "generate_scale_down_rules",
    "hpa_from_dict",
    # replica calculator (infra_toolkit.replica_types, pod_grouping)
    "Pod",
    "PodSample",
    "Tolerances",
    "ReplicaProposal",
    "MetricComputationError",
    "group_pods",
    # normalization (infra_toolkit.hpa_normalize)
    "Recommendation",
    "ScaleEvent",
    "stabilize_recommendation",
    "convert_desired_replicas_with_rules",
    "calculate_scale_up_limit",
    "stabilize_recommendation_with_behaviors",
    "convert_desired_replicas_with_behavior_rate",
    "calculate_scale_up_limit_with_scaling_rules",
    "calculate_scale_down_limit_with_behaviors",
    "get_replicas_change_per_period",
    "mark_scale_events_outdated",
    "store_scale_event",
]

class HPAState(NamedTuple):
    """The controller's memory of one HPA between syncs.

    ``recommendations=None`` means no history yet (controller start or a new HPA): the next sync
    records the current size first. ``scaled_to_zero`` is the HPA's ScaledToZero condition;
    ``last_scale_time_s`` is ``status.lastScaleTime``. A named tuple, like the other records made
    on every sync, because it is several times cheaper to create than a frozen dataclass.
    """

    recommendations: tuple[Recommendation, ...] | None = None
    scale_up_events: tuple[ScaleEvent, ...] = ()
    scale_down_events: tuple[ScaleEvent, ...] = ()
    scaled_to_zero: bool = False
    last_scale_time_s: float | None = None


class ReconcileResult(NamedTuple):
    """The outcome of one sync (an immutable record, cheap to create on every sync).

    ``desired_replicas`` is the size written to the scale, or the current size when unchanged.
    ``error`` is the error the controller's reconcile returns (it may still have scaled, when
    some metrics failed but the others asked for more). ``metric_desired_replicas`` is the max
    over the metrics' proposals before normalization (``None`` when no metric was read or none
    could be used). ``metric_statuses`` has one entry per metric spec, ``None`` for a failed one.
    The four conditions are those set during this sync (``None``: left as they were).
    ``state`` is the history to pass to the next sync.
    """

    desired_replicas: int
    scale_updated: bool
    current_replicas: int
    state: HPAState
    error: str | None = None
    metric_desired_replicas: int | None = None
    metric_statuses: tuple[MetricStatus | None, ...] = ()
    able_to_scale: Condition | None = None
    scaling_active: Condition | None = None
    scaling_limited: Condition | None = None
    scaled_to_zero: Condition | None = None
    rescale_reason: str = ""

    @property
    def conditions(self) -> tuple[Condition, ...]:
        """The conditions set during this sync."""
        return tuple(
            c for c in (self.able_to_scale, self.scaling_active, self.scaling_limited,
                        self.scaled_to_zero)
            if c is not None
        )

    @property
    def scaling_limited_reason(self) -> str | None:
        """The ScalingLimited reason of this sync (DesiredWithinRange, TooManyReplicas, ...)."""
        return None if self.scaling_limited is None else self.scaling_limited.reason

    @property
    def able_to_scale_reason(self) -> str | None:
        """The AbleToScale reason (SucceededRescale, ReadyForNewScale, ScaleDownStabilized...)."""
        return None if self.able_to_scale is None else self.able_to_scale.reason

    @property
    def scaling_active_reason(self) -> str | None:
        """The ScalingActive reason (ValidMetricFound, ScalingDisabled, FailedGet...Metric...)."""
        return None if self.scaling_active is None else self.scaling_active.reason


_SUCCEEDED_GET_SCALE = Condition(
    "AbleToScale", True, "SucceededGetScale",
    "the HPA controller was able to get the target's current scale",
)
_SCALING_DISABLED = Condition(
    "ScalingActive", False, "ScalingDisabled",
    "scaling is disabled since the replica count of the target is zero",
)
_ABLE = {
    reason: Condition("AbleToScale", True, reason, message)
    for reason, message in (
        ("ReadyForNewScale", "recommended size matches current size"),
        ("ScaleDownStabilized", ("recent recommendations were higher than current one, "
                                "applying the highest recent recommendation")),
        ("ScaleUpStabilized", ("recent recommendations were lower than current one, "
                              "applying the lowest recent recommendation")),
    )
}
_LIMITED_MESSAGE = {
    "DesiredWithinRange": "the desired count is within the acceptable range",
    "TooFewReplicas": "the desired replica count is less than the minimum replica count",
    "TooManyReplicas": "the desired replica count is more than the maximum replica count",
    "ScaleUpLimit": "the desired replica count is increasing faster than the maximum scale rate",
    "ScaleDownLimit": "the desired replica count is decreasing faster than the maximum scale rate",
}
_LIMITED = {
    (status, reason): Condition("ScalingLimited", status, reason, message)
    for reason, message in _LIMITED_MESSAGE.items()
    for status in (True, False)
}
_SCALED_TO_ZERO = {
    True: Condition("ScaledToZero", True, "ScaledToZero",
                    "the HPA controller scaled the workload to zero"),
    False: Condition("ScaledToZero", False, "NotScaledToZero",
                     "the HPA controller did not scale the workload to zero"),
}


def reconcile(
    hpa: HPASpec,
    current_replicas: int,
    pods: Sequence[Pod],
    metrics: MetricsSnapshot,
    state: HPAState,
    now_s: float,
    config: ControllerConfig = DEFAULT_CONTROLLER_CONFIG,
    status_replicas: int | None = None,
    *,
    metrics_step: Callable[..., MetricsOutcome] = compute_replicas_for_metrics,
) -> ReconcileResult:
    """One HPA sync at time ``now_s`` (seconds): the size to write and the updated history.

    ``current_replicas`` is the target's ``scale.spec.replicas``; ``status_replicas`` its
    ``scale.status.replicas`` (pods that exist; defaults to ``current_replicas``), used only by
    Object/External AverageValue targets. ``pods`` are the pods the target's selector matches.
    A write to the scale always succeeds here. ``metrics_step`` computes the metrics' proposal
    with the arguments of :func:`compute_replicas_for_metrics`, which it is unless a caller
    passes that function memoized (a simulation's view, where many syncs read the same inputs:
    :meth:`infra_toolkit.controller_view.ControllerView.metrics_step`).
    """
    if status_replicas is None:
        status_replicas = current_replicas
    recommendations, scale_up_events, scale_down_events, scaled_to_zero, last_scale_time_s = state
    if recommendations is None:
        recommendations = ((current_replicas, now_s),)
    min_replicas = hpa.min_replicas
    max_replicas = hpa.max_replicas
    gate_zero = config.gate_scale_to_zero
    scaled_to_zero_condition = gate_zero and scaled_to_zero

    able: Condition = _SUCCEEDED_GET_SCALE
    active: Condition | None = None
    limited_condition: Condition | None = None
    zero_condition: Condition | None = None
    error: str | None = None
    desired = 0
    rescale = True
    rescale_reason = ""
    needs_metrics = True
    metric_desired: int | None = None
    statuses: tuple[MetricStatus | None, ...] = ()

    if current_replicas == 0:
        if not (scaled_to_zero_condition and (
                min_replicas != 0 or hpa.has_object_or_external_metric)):
            needs_metrics = False
            rescale = False
            active = _SCALING_DISABLED
            if not gate_zero:
                scaled_to_zero = False
    elif current_replicas > max_replicas:
        rescale_reason = "Current number of replicas above Spec.MaxReplicas"
        desired = max_replicas
        needs_metrics = False
    elif current_replicas < min_replicas:
        rescale_reason = "Current number of replicas below Spec.MinReplicas"
        desired = min_replicas
        needs_metrics = False

    if needs_metrics:
        outcome = metrics_step(
            hpa, current_replicas, status_replicas, pods, metrics, now_s, config
        )
        # one unpacking, not a field lookup for each use: this runs at every simulated sync
        metric_desired, metric_name, statuses, error, active = outcome
        if metric_desired == -1 and error is not None:
            return ReconcileResult(
                current_replicas, False, current_replicas,
                HPAState(recommendations, scale_up_events, scale_down_events, scaled_to_zero,
                          last_scale_time_s),
                failed_metrics_error(hpa, error),
                None, statuses, able, active,
            )
        rescale_metric = ""
        if metric_desired > desired:
            desired = metric_desired
            rescale_metric = metric_name
        if desired > current_replicas:
            rescale_reason = f"{rescale_metric} above target"
        elif desired < current_replicas:
            rescale_reason = "All metrics below target"
        behavior = hpa.behavior
        if behavior is None:
            stabilized, recommendations = stabilize_recommendation(
                recommendations, desired, now_s, config.downscale_stabilization_s
            )
            able_reason = "ScaleDownStabilized" if stabilized != desired else "ReadyForNewScale"
            limited, limited_reason = convert_desired_replicas_with_rules(
                current_replicas, stabilized, min_replicas, max_replicas,
                config.legacy_scale_up_limit_factor, config.legacy_scale_up_limit_minimum,
            )
        else:
            up_rules = behavior.scale_up
            down_rules = behavior.scale_down
            assert up_rules is not None and down_rules is not None
            down_window = down_rules.stabilization_window_s
            if down_window is None:
                down_window = int(config.downscale_stabilization_s)
            stabilized, recommendations, able_reason = stabilize_recommendation_with_behaviors(
                recommendations, current_replicas, desired,
                up_rules.stabilization_window_s or 0, down_window, now_s,
            )
            if stabilized == desired:
                able_reason = "ReadyForNewScale"
            limited, limited_reason = convert_desired_replicas_with_behavior_rate(
                current_replicas, stabilized, min_replicas, max_replicas, up_rules, down_rules,
                scale_up_events, scale_down_events, now_s,
            )
        able = _ABLE[able_reason]
        limited_condition = _LIMITED[(limited != stabilized, limited_reason)]
        desired = limited
        if (
            current_replicas == 0
            and min_replicas != 0
            and scaled_to_zero_condition
            and desired < min_replicas
        ):
            desired = min_replicas
            if not rescale_reason:
                rescale_reason = "Current number of replicas below Spec.MinReplicas"
        rescale = desired != current_replicas

    if rescale:
        able = Condition(
            "AbleToScale", True, "SucceededRescale",
            f"the HPA controller was able to update the target scale to {desired}",
        )
        scale_up_events, scale_down_events = store_scale_event(
            hpa.behavior, scale_up_events, scale_down_events, current_replicas, desired, now_s
        )
        last_scale_time_s = now_s
        if gate_zero:
            scaled_to_zero = (
                current_replicas > 0
                and desired == 0
                and min_replicas == 0
                and hpa.has_object_or_external_metric
            )
            zero_condition = _SCALED_TO_ZERO[scaled_to_zero]
        else:
            scaled_to_zero = False
    else:
        desired = current_replicas

    return new_record(ReconcileResult, (
        desired,
        rescale,
        current_replicas,
        new_record(HPAState, (recommendations, scale_up_events, scale_down_events,
                              scaled_to_zero, last_scale_time_s)),
        error,
        metric_desired,
        statuses,
        able,
        active,
        limited_condition,
        zero_condition,
        rescale_reason,
    ))
