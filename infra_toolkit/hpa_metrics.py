"""From the metric specs and what the metrics APIs returned to one proposal (Go
``computeReplicasForMetrics`` / ``computeReplicasForMetric``).

Each metric spec is dispatched to its calculator in :mod:`infra_toolkit.replica_calculator`
(Resource, ContainerResource, Pods) or :mod:`infra_toolkit.object_external_replicas`; the
proposal is the max over the metrics, and a metric that fails vetoes a scale-down but not a
scale-up. The metrics APIs' answers for one sync are a :class:`MetricsSnapshot`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from infra_toolkit.hpa_controller_config import DEFAULT_CONTROLLER_CONFIG, ControllerConfig
from infra_toolkit.hpa_spec import (
    HPASpec,
    MetricSpec,
    ObjectMetricSource,
)
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
from infra_toolkit.replica_types import (
    MetricComputationError,
    Pod,
    PodSample,
    Tolerances,
    new_record,
)

__all__ = [
    "MetricsSnapshot",
    "MetricStatus",
    "Condition",
    "MetricsOutcome",
    "tolerances_for_hpa",
    "compute_replicas_for_metric",
    "compute_replicas_for_metrics",
    "metric_error_text",
    "failed_metrics_error",
]

_NOTHING: Mapping[Any, Any] = MappingProxyType({})


class MetricsSnapshot(NamedTuple):
    """What the metrics APIs return at this sync; a missing key is a failed read.

    - ``resource``: resource name -> pod name -> :class:`PodSample` (metrics.k8s.io);
    - ``container_resource``: ``(resource, container)`` -> pod name -> sample;
    - ``pods``: custom metric name -> pod name -> sample (custom.metrics.k8s.io);
    - ``object``: custom metric name -> the described object's value in milli-units;
    - ``external``: external metric name -> the values of its series in milli-units (summed).

    A named tuple because a simulator makes one per sync.
    """

    resource: Mapping[str, Mapping[str, PodSample]] = _NOTHING
    container_resource: Mapping[tuple[str, str], Mapping[str, PodSample]] = _NOTHING
    pods: Mapping[str, Mapping[str, PodSample]] = _NOTHING
    object: Mapping[str, int] = _NOTHING
    external: Mapping[str, Sequence[int]] = _NOTHING


class Condition(NamedTuple):
    """An HPA status condition set during the sync (AbleToScale, ScalingActive, ...)."""

    type: str
    status: bool
    reason: str
    message: str = ""


class MetricStatus(NamedTuple):
    """One metric's outcome: its proposal and the current value the HPA status reports.

    ``name`` is the resource or metric name; ``average_utilization`` is a percent (Utilization
    targets, computed over the ready pods before rebalancing); values are milli-units.
    """

    type: str
    name: str
    proposed_replicas: int
    average_utilization: int | None = None
    average_value_milli: int | None = None
    value_milli: int | None = None


def tolerances_for_hpa(hpa: HPASpec, config: ControllerConfig) -> Tolerances:
    """The HPA's (scale-down, scale-up) tolerances: the cluster flag, overridden per direction by
    ``behavior.scale_*.tolerance`` only when the HPAConfigurableTolerance gate is on and the HPA
    has a behavior."""
    tolerance = config.tolerance
    behavior = hpa.behavior
    if behavior is None or not config.gate_configurable_tolerance:
        return new_record(Tolerances, (tolerance, tolerance))
    down = behavior.scale_down.tolerance if behavior.scale_down is not None else None
    up = behavior.scale_up.tolerance if behavior.scale_up is not None else None
    return Tolerances(
        tolerance if down is None else down,
        tolerance if up is None else up,
    )


_CONTAINER_UTILIZATION = "{} container resource utilization (percentage of request)"

_FAILED_REASON = {
    "Object": "FailedGetObjectMetric",
    "Pods": "FailedGetPodsMetric",
    "Resource": "FailedGetResourceMetric",
    "ContainerResource": "FailedGetContainerResourceMetric",
    "External": "FailedGetExternalMetric",
}


def compute_replicas_for_metric(
    metric: MetricSpec,
    spec_replicas: int,
    status_replicas: int,
    pods: Sequence[Pod],
    metrics: MetricsSnapshot,
    now_s: float,
    config: ControllerConfig,
    tolerances: Tolerances,
    namespace: str = "default",
) -> tuple[int, str, MetricStatus]:
    """One metric's (proposal, description, status) (Go ``computeReplicasForMetric``).

    Raises :class:`MetricComputationError` whose ``reason`` attribute is the ScalingActive
    reason (FailedGetResourceMetric, ..., InvalidMetricSourceType).
    """
    try:
        return _compute_for_metric(
            metric, spec_replicas, status_replicas, pods, metrics, now_s, config, tolerances,
            namespace,
        )
    except MetricComputationError as exc:
        _set_reason(exc, metric)
        raise


def _set_reason(exc: MetricComputationError, metric: MetricSpec) -> None:
    """Tag ``exc`` with the ScalingActive reason of ``metric``'s failure."""
    exc.reason = _FAILED_REASON.get(metric.type, "InvalidMetricSourceType")  # type: ignore[attr-defined]


def _compute_for_metric(
    metric: MetricSpec,
    spec_replicas: int,
    status_replicas: int,
    pods: Sequence[Pod],
    metrics: MetricsSnapshot,
    now_s: float,
    config: ControllerConfig,
    tolerances: Tolerances,
    namespace: str = "default",
) -> tuple[int, str, MetricStatus]:
    kind = metric.type
    if kind == "Resource" or kind == "ContainerResource":
        if kind == "Resource":
            rsource = metric.resource
            assert rsource is not None
            resource, container, target = rsource.name, "", rsource.target
            samples = metrics.resource.get(resource)
        else:
            csource = metric.container_resource
            assert csource is not None
            resource, container, target = csource.name, csource.container, csource.target
            samples = metrics.container_resource.get((resource, container))
        average_value = target.average_value_milli
        if average_value is None and target.average_utilization is None:
            raise MetricComputationError(
                "invalid resource metric source: neither an average utilization target nor an "
                "average value (usage) target was set"
            )
        try:
            if not samples:
                # Go's metrics client fails an empty answer as it fails no answer
                raise MetricComputationError(
                    f"unable to get metrics for resource {resource}: no metrics returned from "
                    "resource metrics API"
                )
            if average_value is not None:
                proposal = get_raw_resource_replicas(
                    spec_replicas, average_value, resource, tolerances, pods, samples,
                    now_s, config.cpu_initialization_period_s, config.initial_readiness_delay_s,
                    config.ignore_succeeded_pods,
                )
            else:
                assert target.average_utilization is not None
                proposal = get_resource_replicas(
                    spec_replicas, target.average_utilization, resource, tolerances, pods,
                    samples, now_s, config.cpu_initialization_period_s,
                    config.initial_readiness_delay_s, config.ignore_succeeded_pods, container,
                )
        except MetricComputationError as exc:
            # horizontal.go computeStatusForResourceMetricGeneric wraps every calculator error
            what = "usage" if average_value is not None else "utilization"
            raise MetricComputationError(f"failed to get {resource} {what}: {exc}") from None
        if average_value is not None:
            status = MetricStatus(kind, resource, proposal.replicas, None, proposal.usage_milli)
            return proposal.replicas, f"{resource} resource", status
        replicas, usage_milli, utilization = proposal
        status = new_record(MetricStatus,
                            (kind, resource, replicas, utilization, usage_milli, None))
        if container:
            return replicas, _CONTAINER_UTILIZATION.format(resource), status
        return replicas, f"{resource} resource utilization (percentage of request)", status
    if kind == "Pods":
        psource = metric.pods
        assert psource is not None
        name = psource.metric.name
        pod_samples = metrics.pods.get(name)
        if pod_samples is None:
            raise MetricComputationError(
                f"unable to get metric {name}: no metrics returned from custom metrics API"
            )
        average = psource.target.average_value_milli
        assert average is not None
        proposal = get_metric_replicas(
            spec_replicas, average, tolerances, pods, pod_samples, now_s,
            config.cpu_initialization_period_s, config.initial_readiness_delay_s,
            config.ignore_succeeded_pods, name,
        )
        status = MetricStatus(kind, name, proposal.replicas, None, proposal.usage_milli)
        return proposal.replicas, f"pods metric {name}", status
    if kind == "Object":
        osource = metric.object
        assert osource is not None
        name = osource.metric.name
        target = osource.target
        if target.type == "Value" and target.value_milli is not None:
            usage = _object_value(metrics, osource, namespace)
            proposal = get_object_metric_replicas(
                spec_replicas, target.value_milli, tolerances, usage, pods
            )
            status = MetricStatus(kind, name, proposal.replicas, None, None, proposal.usage_milli)
        elif target.type == "AverageValue" and target.average_value_milli is not None:
            usage = _object_value(metrics, osource, namespace)
            proposal = get_object_per_pod_metric_replicas(
                status_replicas, target.average_value_milli, tolerances, usage
            )
            status = MetricStatus(kind, name, proposal.replicas, None, proposal.usage_milli)
        else:
            raise MetricComputationError(
                "invalid object metric source: neither a value target nor an average value "
                "target was set"
            )
        return proposal.replicas, f"{osource.described_object.kind} metric {name}", status
    if kind == "External":
        esource = metric.external
        assert esource is not None
        name = esource.metric.name
        target = esource.target
        values = metrics.external.get(name)
        if values is None and (target.average_value_milli or target.value_milli) is not None:
            raise MetricComputationError(f"unable to get external metric {name}")
        if target.average_value_milli is not None:
            assert values is not None
            proposal = get_external_per_pod_metric_replicas(
                status_replicas, target.average_value_milli, tolerances, values, name
            )
            status = MetricStatus(kind, name, proposal.replicas, None, proposal.usage_milli)
        elif target.value_milli is not None:
            assert values is not None
            proposal = get_external_metric_replicas(
                spec_replicas, target.value_milli, tolerances, values, pods, name
            )
            status = MetricStatus(kind, name, proposal.replicas, None, None, proposal.usage_milli)
        else:
            raise MetricComputationError(
                "invalid external metric source: neither a value target nor an average value "
                "target was set"
            )
        return proposal.replicas, f"external metric {name}", status
    # The API server rejects unknown types; the controller still guards against them, quoting
    # the type with Go's %q.
    raise MetricComputationError(f'unknown metric source type "{kind}"')


def _object_value(metrics: MetricsSnapshot, source: ObjectMetricSource, namespace: str) -> int:
    value = metrics.object.get(source.metric.name)
    if value is None:
        ref = source.described_object
        # replica_calculator.go: "unable to get metric %s on %s %s/%s: %w" (the HPA's
        # namespace); the snapshot has no metrics API error to append
        raise MetricComputationError(
            f"unable to get metric {source.metric.name} on {ref.kind} {namespace}/{ref.name}"
        )
    return value


class MetricsOutcome(NamedTuple):
    """The outcome of :func:`compute_replicas_for_metrics`."""

    replicas: int  # -1: do not scale
    metric_name: str
    statuses: tuple[MetricStatus | None, ...]
    error: str | None
    condition: Condition


def compute_replicas_for_metrics(
    hpa: HPASpec,
    spec_replicas: int,
    status_replicas: int,
    pods: Sequence[Pod],
    metrics: MetricsSnapshot,
    now_s: float,
    config: ControllerConfig = DEFAULT_CONTROLLER_CONFIG,
    tolerances: Tolerances | None = None,
) -> MetricsOutcome:
    """The max over the metrics' proposals (Go ``computeReplicasForMetrics``).

    Returns ``(replicas, metric description, statuses, error, ScalingActive condition)``.
    ``replicas`` is -1 (do not scale) when every metric failed, or when some failed and the rest
    propose fewer than ``spec_replicas``; when some failed but the rest ask for at least the
    current size, the proposal stands and the error is reported too.
    """
    if tolerances is None:
        tolerances = tolerances_for_hpa(hpa, config)
    replicas = 0
    metric_name = ""
    statuses: list[MetricStatus | None] = []
    invalid = 0
    first_error: MetricComputationError | None = None
    first_failed = hpa.metrics[0]
    for metric in hpa.metrics:
        try:  # compute_replicas_for_metric, one call less at every sync
            proposal, name, status = _compute_for_metric(
                metric, spec_replicas, status_replicas, pods, metrics, now_s, config,
                tolerances, hpa.namespace,
            )
        except MetricComputationError as exc:
            _set_reason(exc, metric)
            if first_error is None:
                first_error, first_failed = exc, metric
            invalid += 1
            statuses.append(None)
            continue
        statuses.append(status)
        if replicas == 0 or proposal > replicas:
            replicas, metric_name = proposal, name
    error = None
    if first_error is not None:
        error = (
            f"invalid metrics ({invalid} invalid out of {len(hpa.metrics)}), "
            f"first error is: {metric_error_text(first_failed, str(first_error))}"
        )
    if invalid >= len(hpa.metrics) or (invalid > 0 and replicas < spec_replicas):
        reason = getattr(first_error, "reason", "FailedGetResourceMetric")
        failed = Condition(
            "ScalingActive", False, reason,
            f"the HPA was unable to compute the replica count: {first_error}",
        )
        return MetricsOutcome(-1, "", tuple(statuses), error, failed)
    condition = _VALID_METRIC_FOUND.get(metric_name)
    if condition is None:
        condition = _VALID_METRIC_FOUND[metric_name] = Condition(
            "ScalingActive", True, "ValidMetricFound",
            f"the HPA was able to successfully calculate a replica count from {metric_name}",
        )
    return new_record(MetricsOutcome, (replicas, metric_name, tuple(statuses), error, condition))


_VALID_METRIC_FOUND: dict[str, Condition] = {}  # one per metric description, made once


def metric_error_text(metric: MetricSpec, detail: str) -> str:
    """The error horizontal.go's ``computeReplicasForMetric`` returns for a failed metric.

    ``detail`` is the text the ScalingActive condition quotes (``computeStatusFor*Metric``'s
    error); the error the reconcile reports wraps it once more per metric type, and Object
    AverageValue and External targets twice (``computeStatusForObjectMetric`` /
    ``computeStatusForExternalMetric`` wrap their calculator's error before returning it).
    """
    kind = metric.type
    if kind == "Resource" and metric.resource is not None:
        return f"failed to get {metric.resource.name} resource metric value: {detail}"
    if kind == "ContainerResource" and metric.container_resource is not None:
        container = metric.container_resource.container
        return f"failed to get {container} container metric value: {detail}"
    if kind == "Pods":
        return f"failed to get pods metric value: {detail}"
    if kind == "Object" and metric.object is not None:
        target = metric.object.target
        value_branch = target.type == "Value" and target.value_milli is not None
        if (not value_branch and target.type == "AverageValue"
                and target.average_value_milli is not None):
            detail = f"failed to get {metric.object.metric.name} object metric: {detail}"
        return f"failed to get object metric value: {detail}"
    if kind == "External" and metric.external is not None:
        name = metric.external.metric.name
        target = metric.external.target
        if target.average_value_milli is not None:
            detail = f"failed to get {name} external metric: {detail}"
        elif target.value_milli is not None:
            detail = f"failed to get external metric {name}: {detail}"
        return f"failed to get {name} external metric value: {detail}"
    return detail  # an unknown metric type: its error is returned as is


def failed_metrics_error(hpa: HPASpec, error: str) -> str:
    """The error a reconcile returns when no proposal could be used (horizontal.go
    ``reconcileAutoscaler``): ``error`` (:attr:`MetricsOutcome.error`) prefixed, naming the scale
    target as ``Kind/namespace/name`` when the spec has one."""
    ref = hpa.scale_target_ref
    where = "" if ref is None else f" for {ref.kind}/{hpa.namespace}/{ref.name}"
    return f"failed to compute desired number of replicas based on listed metrics{where}: {error}"
