"""Run HPA test vectors (``../shared/hpa/SPEC.md`` section 0) through the public API of
:mod:`infra_toolkit.hpa`.

``python -m infra_toolkit.conformance FILE.json [FILE.json ...]`` prints one line per failing case
(name, expected, got) and ends with ``N passed, M failed``; the exit status is 0 only when nothing
failed (2 when a file cannot be read). This module only translates the JSON schema into library
inputs and compares outputs; every decision is made by the library.

How the schema is read where it leaves room (decided by what the Go code and its tests do):

- Time: the evaluated sync is at ``now_s = 0``; an age ``a`` becomes the timestamp ``-a``. The
  ``GO_ZERO_AGE_S`` constant (Go's zero ``time.Time``) therefore is a time long past.
- Absent optional keys take the settings the Go tests run with and the API's defaults (SPEC.md
  sections 0, 2, 3, 5.1): controller flags of :data:`GO_TEST_CONFIG` (tolerance 0.1, CPU
  initialization 120 s, readiness delay 10 s, downscale window 300 s, legacy factor 8 / minimum
  4, HPAConfigurableTolerance on, HPAScaleToZero off, Succeeded pods ignored as in 1.37's
  ``IsPodTerminal``), for every kind including ``group_pods``; ``min_replicas`` 1;
  ``status_replicas`` = ``spec_replicas``; ``behavior`` absent = null (no-behavior path); a pod
  without ``phase`` is Running, without ``ready`` is Ready (the Go harness default), without
  ``start_age_s`` started at Go's zero time, and without ``ready_transition_age_s`` became ready
  when it started (horizontal_test.go's harness).
- ``resource_metrics`` serves every Resource metric of the HPA whatever its resource name (e.g. a
  memory metric with ``requests_milli: {memory: ...}``); a mapping keyed by resource name
  (``{"cpu": {pod: sample}, "memory": {...}}``) is also accepted. ``pods_metric_values``,
  ``object_metric_value_milli`` and ``external_metric_values_milli`` (a list, or one value)
  likewise serve every Pods, Object and External metric. An absent or null key, or
  ``fetch_error: true`` on the metric, is a failed read of that metric only (even if another
  metric has the same name); an empty ``resource_metrics`` is an empty answer, which Go also
  treats as an error. A sample's null ``age_s``/``window_s`` is Go's zero time/duration.
- Metric items: ``metric`` may be a name or ``{name: ...}``; ``resource`` a name or
  ``{name, target}``. A Resource item without a target is the Go harness's default metric
  (no CPU target set): the controller fails it with FailedGetResourceMetric.
- Behavior rules: ``policies: []`` is Go's nil slice, so the API default policies apply;
  ``min_replicas: null`` is 1.
- replica_calc: ``GetResourceReplicas`` with ``target_average_value_milli`` and no
  ``target_utilization`` is the AverageValue (raw) path; ``current_replicas`` and
  ``status_replicas`` stand in for each other when one is absent (the Go harness passes one
  count as both); a null Object/External value is a failed read.
- ContainerResource metrics (``{type: ContainerResource, resource, container, target}``, or a
  ``container`` in a replica_calc case): a pod's ``containers: {name: {resource: milli}}`` and a
  sample's ``containers: {name: milli}`` are used when given; otherwise the harness of the Go
  tests is assumed: two containers ``container1`` and ``container2`` share the pod totals equally.
  A ContainerResource item may also nest its fields under ``container_resource``.
- Tolerances of a replica_calc case: ``controller.tolerance`` for both directions, unless a
  ``tolerances`` entry gives ``{scale_down, scale_up}`` (or ``[down, up]``), or the controller
  gives ``scale_down_tolerance`` / ``scale_up_tolerance``.
- ``expected.error`` compares whether an error was returned, not its wording: an error message
  (Go's ``expectedError``) means "an error".
- Expected keys beyond those of SPEC.md that the runner understands: ``scaled_to_zero_condition``
  (also ``..._after``: the condition after the sync), ``utilization`` (the reported CPU
  utilization, as horizontal_test.go's ``verifyCPUCurrent``), ``able_to_scale_reason``,
  ``scaling_active_reason``, ``metric_desired_replicas``, ``recommendations_after``,
  ``conditions`` (Go's ``expectedConditions``: ``[{type, status, reason}]`` in the HPA's list
  order, status ``"True"``/``"False"`` or a bool), and ``usage_milli`` for a Resource
  Utilization target (the raw per-pod average, as ``raw_average_value_milli``). Any other
  expected key fails the case with "cannot check", rather than passing unchecked.
- A ``group_pods`` kind (RT ``TestGroupPods``) is accepted too: pods, ``resource_metrics``,
  ``resource``; expected ``ready_count`` and the ``unready``/``missing``/``ignored`` name lists
  (order ignored).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from infra_toolkit.hpa import (
    ContainerResourceMetricSource,
    ControllerConfig,
    CrossVersionObjectReference,
    ExternalMetricSource,
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    HPASpec,
    HPAState,
    MetricComputationError,
    MetricIdentifier,
    MetricSpec,
    MetricsSnapshot,
    MetricTarget,
    ObjectMetricSource,
    Pod,
    PodSample,
    PodsMetricSource,
    Recommendation,
    ResourceMetricSource,
    ScaleEvent,
    Tolerances,
    calculate_scale_down_limit_with_behaviors,
    calculate_scale_up_limit_with_scaling_rules,
    convert_desired_replicas_with_behavior_rate,
    convert_desired_replicas_with_rules,
    generate_scale_down_rules,
    generate_scale_up_rules,
    get_replicas_change_per_period,
    group_pods,
    reconcile,
    stabilize_recommendation,
    stabilize_recommendation_with_behaviors,
    store_scale_event,
)
from infra_toolkit.replica_calculator import (
    get_external_metric_replicas,
    get_external_per_pod_metric_replicas,
    get_metric_replicas,
    get_object_metric_replicas,
    get_object_per_pod_metric_replicas,
    get_raw_resource_replicas,
    get_resource_replicas,
)

__all__ = ["main", "run_case", "run_file"]

NOW_S = 0.0
DEFAULT_GO_ZERO_AGE_S = 1e11
_HARNESS_CONTAINERS = ("container1", "container2")

Case = Mapping[str, Any]


class _Context:
    """Per-file constants."""

    def __init__(self, constants: Mapping[str, Any]) -> None:
        self.go_zero_age_s = float(constants.get("GO_ZERO_AGE_S", DEFAULT_GO_ZERO_AGE_S))

    def at(self, age_s: float | None) -> float:
        return NOW_S - (self.go_zero_age_s if age_s is None else float(age_s))


# --- translation of inputs -------------------------------------------------------------------


# Every vector is a transcription of a Go test, so an absent controller field takes the value the
# Go tests run with (SPEC.md section 0): replica_calculator.go's defaultTesting* (CPU
# initialization 2 min, readiness delay 10 s, tolerance 0.1), horizontal_test.go's init() (legacy
# scale-up factor 8) and controller setup (downscale window 5 min), and the feature gates as those
# tests leave them (HPAScaleToZero off unless a test turns it on).
GO_TEST_CONFIG = ControllerConfig(
    cpu_initialization_period_s=120.0,
    initial_readiness_delay_s=10.0,
    legacy_scale_up_limit_factor=8.0,
    gate_scale_to_zero=False,
)
_CONFIG_KEYS = (
    "tolerance", "cpu_initialization_period_s", "initial_readiness_delay_s",
    "downscale_stabilization_s", "legacy_scale_up_limit_factor", "legacy_scale_up_limit_minimum",
    "gate_configurable_tolerance", "gate_scale_to_zero", "ignore_succeeded_pods",
)


def _config(raw: Mapping[str, Any] | None) -> ControllerConfig:
    given = {k: raw[k] for k in _CONFIG_KEYS if raw and raw.get(k) is not None}
    return dataclasses.replace(GO_TEST_CONFIG, **given) if given else GO_TEST_CONFIG


def _tolerances(inputs: Mapping[str, Any], config: ControllerConfig) -> Tolerances:
    raw = inputs.get("tolerances")
    controller = inputs.get("controller") or {}
    if raw is None and any(k in controller for k in _DIRECTIONAL_TOLERANCE_KEYS):
        raw = {
            "scale_down": controller.get("scale_down_tolerance",
                                         controller.get("tolerance_down", config.tolerance)),
            "scale_up": controller.get("scale_up_tolerance",
                                       controller.get("tolerance_up", config.tolerance)),
        }
    if isinstance(raw, Mapping):
        return Tolerances(
            float(raw.get("scale_down", raw.get("down", config.tolerance))),
            float(raw.get("scale_up", raw.get("up", config.tolerance))),
        )
    if isinstance(raw, Sequence) and len(raw) == 2:
        return Tolerances(float(raw[0]), float(raw[1]))
    return Tolerances(config.tolerance, config.tolerance)


_DIRECTIONAL_TOLERANCE_KEYS = (
    "scale_down_tolerance", "scale_up_tolerance", "tolerance_down", "tolerance_up",
)


def _split_between_harness_containers(total: int) -> dict[str, int]:
    return {_HARNESS_CONTAINERS[0]: total // 2, _HARNESS_CONTAINERS[1]: total - total // 2}


def _pods(raw: Sequence[Mapping[str, Any]] | None, ctx: _Context) -> tuple[Pod, ...]:
    pods = []
    for p in raw or ():
        start_age = p.get("start_age_s", ctx.go_zero_age_s)
        transition_age = p.get("ready_transition_age_s", start_age)
        requests = {str(k): int(v) for k, v in (p.get("requests_milli") or {}).items()}
        containers = p.get("containers")
        if containers is not None:
            per_container = {
                str(name): {str(k): int(v) for k, v in (req or {}).items()}
                for name, req in containers.items()
            }
            if p.get("requests_milli") is None and per_container:
                # The pod request is the containers' sum, for resources every container
                # requests (Go's calculateRequests fails the pod otherwise).
                common = set.intersection(*(set(r) for r in per_container.values()))
                requests = {r: sum(c[r] for c in per_container.values()) for r in common}
        else:
            split = {r: _split_between_harness_containers(v) for r, v in requests.items()}
            per_container = {
                c: {r: parts[c] for r, parts in split.items()} for c in _HARNESS_CONTAINERS
            }
        pods.append(
            Pod(
                name=p["name"],
                phase=p.get("phase", "Running"),
                ready=p.get("ready", True),
                start_time_s=None if start_age is None else ctx.at(start_age),
                ready_transition_time_s=None if transition_age is None else ctx.at(transition_age),
                deleting=bool(p.get("deleting", False)),
                requests_milli=requests,
                container_requests_milli=per_container,
            )
        )
    return tuple(pods)


def _is_sample(value: object) -> bool:
    return isinstance(value, Mapping) and ("value_milli" in value or "containers" in value)


def _samples(
    raw: Mapping[str, Any] | None, ctx: _Context, container: str = ""
) -> dict[str, PodSample]:
    samples = {}
    for pod_name, s in (raw or {}).items():
        if s.get("value_milli") is None:  # only per-container usage given: the pod sums them
            value = sum(int(v) for v in (s.get("containers") or {}).values())
        else:
            value = int(s["value_milli"])
        if container:
            per_container = s.get("containers") or _split_between_harness_containers(value)
            if container not in per_container:
                continue  # the pod reports no such container: its metric is missing
            value = int(per_container[container])
        window = s.get("window_s", 60.0)  # null: Go's zero Duration (a PodMetric{Value} literal)
        samples[pod_name] = PodSample(
            value, ctx.at(s.get("age_s", 0.0)), 0.0 if window is None else float(window)
        )
    return samples


def _resource_samples(
    raw: Mapping[str, Any], resource: str, ctx: _Context, container: str = ""
) -> dict[str, PodSample] | None:
    if raw and not all(_is_sample(v) for v in raw.values()):
        per_resource = raw.get(resource)
        return None if per_resource is None else _samples(per_resource, ctx, container)
    return _samples(raw, ctx, container)


def _target(raw: Mapping[str, Any]) -> MetricTarget:
    return MetricTarget(
        type=raw["type"],
        average_utilization=raw.get("average_utilization"),
        average_value_milli=raw.get("average_value_milli"),
        value_milli=raw.get("value_milli"),
    )


def _container_metric_fields(raw: Mapping[str, Any]) -> tuple[str, str, Any]:
    """(resource, container, target) of a ContainerResource item, flat or nested."""
    nested = raw.get("container_resource") or raw.get("containerResource") or {}
    merged = {**nested, **{k: v for k, v in raw.items() if k not in ("type",)}}
    resource = merged.get("resource") or merged.get("name") or "cpu"
    container = merged.get("container") or merged.get("container_name") or ""
    return str(resource), str(container), merged.get("target")


def _metric_name(raw: Mapping[str, Any]) -> str:
    """The custom/external metric name: ``metric: qps`` or ``metric: {name: qps}``."""
    metric = raw.get("metric") or ""
    return str(metric.get("name", "")) if isinstance(metric, Mapping) else str(metric)


def _resource_fields(raw: Mapping[str, Any]) -> tuple[str, Mapping[str, Any] | None]:
    """(resource name, target) of a Resource item: ``resource: cpu`` or
    ``resource: {name, target}``."""
    resource = raw.get("resource")
    if isinstance(resource, Mapping):
        return str(resource.get("name") or "cpu"), resource.get("target", raw.get("target"))
    return str(resource or raw.get("name") or "cpu"), raw.get("target")


def _has_target(raw: Mapping[str, Any] | None) -> bool:
    return isinstance(raw, Mapping) and any(
        raw.get(k) is not None for k in ("average_utilization", "average_value_milli")
    )


# A metric whose read must fail reads a resource or metric name that no snapshot serves.
_UNSERVED = "{}#unserved-{}"


def _metric(raw: Mapping[str, Any], index: int = 0) -> MetricSpec:
    kind = raw.get("type")
    unserved = bool(raw.get("fetch_error"))
    if kind in ("Resource", "ContainerResource"):
        if kind == "Resource":
            resource, target_raw = _resource_fields(raw)
            container = ""
        else:
            resource, container, target_raw = _container_metric_fields(raw)
        if not _has_target(target_raw):
            # Go's harness leaves the target empty when a test sets no CPU target; the controller
            # then fails the metric ("invalid resource metric source"), FailedGetResourceMetric.
            unserved, target_raw = True, {"type": "Utilization", "average_utilization": 100}
        if unserved:
            resource = _UNSERVED.format(resource, index)
        target = _target(target_raw)  # type: ignore[arg-type]
        if container:
            csource = ContainerResourceMetricSource(resource, container, target)
            return MetricSpec(type=kind, container_resource=csource)
        return MetricSpec(type="Resource", resource=ResourceMetricSource(resource, target))
    metric_name = _metric_name(raw)
    if unserved:
        metric_name = _UNSERVED.format(metric_name, index)
    name = MetricIdentifier(metric_name)
    if kind == "Pods":
        return MetricSpec(type=kind, pods=PodsMetricSource(name, _target(raw["target"])))
    if kind == "Object":
        ref = raw.get("described_object") or {}
        obj = CrossVersionObjectReference(ref.get("kind", ""), ref.get("name", ""),
                                          ref.get("api_version", ""))
        return MetricSpec(type=kind, object=ObjectMetricSource(obj, name, _target(raw["target"])))
    if kind == "External":
        return MetricSpec(type=kind, external=ExternalMetricSource(name, _target(raw["target"])))
    return MetricSpec(type=str(kind))


def _rules(raw: Mapping[str, Any] | None) -> HPAScalingRules | None:
    if raw is None:
        return None
    policies = raw.get("policies") or None  # [] is Go's nil slice: the API defaults apply
    return HPAScalingRules(
        stabilization_window_s=raw.get("stabilization_window_s"),
        select_policy=raw.get("select_policy"),
        policies=None if policies is None else tuple(
            HPAScalingPolicy(p["type"], int(p["value"]), int(p["period_s"])) for p in policies
        ),
        tolerance=raw.get("tolerance"),
    )


def _behavior(raw: Mapping[str, Any] | None) -> HPABehavior | None:
    if raw is None:
        return None
    return HPABehavior(scale_up=_rules(raw.get("scale_up")),
                       scale_down=_rules(raw.get("scale_down")))


def _events(raw: Sequence[Mapping[str, Any]] | None, ctx: _Context) -> tuple[ScaleEvent, ...]:
    return tuple(
        ScaleEvent(int(e["change"]), ctx.at(e.get("age_s", 0.0)), bool(e.get("outdated", False)))
        for e in raw or ()
    )


def _recommendations(raw: Sequence[Mapping[str, Any]], ctx: _Context) -> tuple[Recommendation, ...]:
    return tuple(Recommendation(int(r["replicas"]), ctx.at(r.get("age_s", 0.0))) for r in raw)


# --- one runner per kind: returns what the library computed, keyed like `expected` -----------


def _replicas_input(inputs: Mapping[str, Any], key: str) -> int:
    """``current_replicas`` or ``status_replicas``: the Go harness passes one count as both."""
    other = "status_replicas" if key == "current_replicas" else "current_replicas"
    value = inputs.get(key)
    return int(inputs[other] if value is None else value)


def _fetched(inputs: Mapping[str, Any], key: str) -> Any:
    """An Object/External value; null or absent is a failed read, as Go's metrics client errors."""
    value = inputs.get(key)
    if value is None:
        raise MetricComputationError(f"unable to get the metric: no {key} in the vector")
    return value


def _object_value(inputs: Mapping[str, Any]) -> int:
    return int(_fetched(inputs, "object_metric_value_milli"))


def _external_series(inputs: Mapping[str, Any]) -> list[int]:
    return _external_values(_fetched(inputs, "external_metric_values_milli"))


def _run_replica_calc(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    config = _config(inputs.get("controller"))
    tolerances = _tolerances(inputs, config)
    function = inputs["function"]
    pods = _pods(inputs.get("pods"), ctx)
    timing = (NOW_S, config.cpu_initialization_period_s, config.initial_readiness_delay_s,
              config.ignore_succeeded_pods)
    if function == "GetResourceReplicas" and inputs.get("target_utilization") is None and (
        inputs.get("target_average_value_milli") is not None
    ):
        function = "GetRawResourceReplicas"  # a Resource metric with an AverageValue target
    try:
        if function in ("GetResourceReplicas", "GetRawResourceReplicas"):
            resource = inputs.get("resource", "cpu")
            container = inputs.get("container") or ""
            samples = _resource_samples(inputs.get("resource_metrics") or {}, resource, ctx,
                                        container) or {}
            current = _replicas_input(inputs, "current_replicas")
            if function == "GetResourceReplicas":
                proposal = get_resource_replicas(
                    current, inputs["target_utilization"], resource,
                    tolerances, pods, samples, *timing, container,
                )
                # Go returns the raw per-pod average next to the percent; both names read it.
                return {"replicas": proposal.replicas, "utilization": proposal.utilization,
                        "raw_average_value_milli": proposal.usage_milli,
                        "usage_milli": proposal.usage_milli, "error": False}
            proposal = get_raw_resource_replicas(
                current, inputs["target_average_value_milli"], resource,
                tolerances, pods, samples, *timing,
            )
        elif function == "GetMetricReplicas":
            samples = _samples(inputs.get("pods_metric_values") or {}, ctx)
            proposal = get_metric_replicas(
                _replicas_input(inputs, "current_replicas"), inputs["target_average_value_milli"],
                tolerances, pods, samples, *timing,
            )
        elif function == "GetObjectMetricReplicas":
            proposal = get_object_metric_replicas(
                _replicas_input(inputs, "current_replicas"), inputs["target_value_milli"],
                tolerances, _object_value(inputs), pods,
            )
        elif function == "GetExternalMetricReplicas":
            proposal = get_external_metric_replicas(
                _replicas_input(inputs, "current_replicas"), inputs["target_value_milli"],
                tolerances, _external_series(inputs), pods,
            )
        elif function == "GetObjectPerPodMetricReplicas":
            proposal = get_object_per_pod_metric_replicas(
                _replicas_input(inputs, "status_replicas"), inputs["target_average_value_milli"],
                tolerances, _object_value(inputs),
            )
        elif function == "GetExternalPerPodMetricReplicas":
            proposal = get_external_per_pod_metric_replicas(
                _replicas_input(inputs, "status_replicas"), inputs["target_average_value_milli"],
                tolerances, _external_series(inputs),
            )
        else:
            raise ValueError(f"unknown replica_calc function {function!r}")
    except MetricComputationError as exc:
        return {"error": True, "error_message": str(exc)}
    return {"replicas": proposal.replicas, "usage_milli": proposal.usage_milli,
            "raw_average_value_milli": proposal.usage_milli, "error": False}


def _external_values(raw: object) -> list[int]:
    """``external_metric_values_milli``: a list of series values, or one value."""
    if isinstance(raw, (list, tuple)):
        return [int(v) for v in raw]
    return [int(raw)]  # type: ignore[call-overload]


def _snapshot(
    inputs: Mapping[str, Any], specs: Sequence[MetricSpec], ctx: _Context
) -> MetricsSnapshot:
    """What the metrics APIs answer for each metric spec; a null or absent value is a failed read,
    and a metric built unserved (``fetch_error``, no target) is never answered."""
    resource: dict[str, dict[str, PodSample]] = {}
    container_resource: dict[tuple[str, str], dict[str, PodSample]] = {}
    pods: dict[str, dict[str, PodSample]] = {}
    objects: dict[str, int] = {}
    external: dict[str, list[int]] = {}
    resource_raw = inputs.get("resource_metrics")
    pods_raw = inputs.get("pods_metric_values")
    object_raw = inputs.get("object_metric_value_milli")
    external_raw = inputs.get("external_metric_values_milli")
    for spec in specs:
        if spec.resource is not None or spec.container_resource is not None:
            name, container = (
                (spec.resource.name, "") if spec.resource is not None
                else (spec.container_resource.name, spec.container_resource.container)  # type: ignore[union-attr]
            )
            if resource_raw is None or "#unserved-" in name:
                continue
            samples = _resource_samples(resource_raw, name, ctx, container)
            if samples is not None and container:
                container_resource[(name, container)] = samples
            elif samples is not None:
                resource[name] = samples
            continue
        metric = spec.pods or spec.object or spec.external
        if metric is None or "#unserved-" in metric.metric.name:
            continue
        metric_name = metric.metric.name
        if spec.pods is not None and pods_raw is not None:
            pods[metric_name] = _samples(pods_raw, ctx)
        elif spec.object is not None and object_raw is not None:
            objects[metric_name] = int(object_raw)
        elif spec.external is not None and external_raw is not None:
            external[metric_name] = _external_values(external_raw)
    return MetricsSnapshot(resource, container_resource, pods, objects, external)


def _run_reconcile(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    config = _config(inputs.get("controller"))
    hpa_raw = inputs["hpa"]
    min_replicas = hpa_raw.get("min_replicas")
    hpa = HPASpec(
        max_replicas=hpa_raw["max_replicas"],
        min_replicas=1 if min_replicas is None else min_replicas,  # Go: nil minReplicas is 1
        metrics=tuple(_metric(m, i) for i, m in enumerate(hpa_raw.get("metrics") or ())),
        behavior=_behavior(hpa_raw.get("behavior")),
    )
    scale = inputs.get("scale") or {}
    spec_replicas = scale["spec_replicas"]
    recs = inputs.get("recommendations")
    state = HPAState(
        recommendations=None if recs is None else _recommendations(recs, ctx),
        scale_up_events=_events(inputs.get("scale_up_events"), ctx),
        scale_down_events=_events(inputs.get("scale_down_events"), ctx),
        scaled_to_zero=bool(inputs.get("scaled_to_zero_condition", False)),
    )
    result = reconcile(
        hpa,
        spec_replicas,
        _pods(inputs.get("pods"), ctx),
        _snapshot(inputs, hpa.metrics, ctx),
        state,
        NOW_S,
        config,
        status_replicas=scale.get("status_replicas", spec_replicas),
    )
    utilization = next(  # horizontal_test.go's findCpuUtilization: the Resource cpu status
        (st.average_utilization for st in result.metric_statuses
         if st is not None and st.type == "Resource" and st.name == "cpu"
         and st.average_utilization is not None),
        None,
    )
    return {
        "desired_replicas": result.desired_replicas,
        "scale_updated": result.scale_updated,
        "error": result.error is not None,
        "scaling_limited_reason": result.scaling_limited_reason,
        "scaled_to_zero_condition": result.state.scaled_to_zero,
        "scaled_to_zero_condition_after": result.state.scaled_to_zero,
        "utilization": utilization,
        "cpu_utilization": utilization,
        "current_utilization": utilization,
        "able_to_scale_reason": result.able_to_scale_reason,
        "scaling_active_reason": result.scaling_active_reason,
        "metric_desired_replicas": result.metric_desired_replicas,
        "recommendations_after": [r.replicas for r in result.state.recommendations or ()],
        "conditions": _condition_list(result, bool(inputs.get("scaled_to_zero_condition"))),
    }


def _condition_list(result: Any, had_scaled_to_zero: bool) -> list[dict[str, str]]:
    """The HPA's status conditions after the sync, in Go's list order (``setConditionInList``
    updates a condition in place or appends it; the vector's ScaledToZero=True comes first)."""
    listed: dict[str, Any] = {}
    if had_scaled_to_zero:
        listed["ScaledToZero"] = ("True", "ScaledToZero")
    for cond in (result.able_to_scale, result.scaling_active, result.scaling_limited):
        if cond is not None:
            listed[cond.type] = ("True" if cond.status else "False", cond.reason)
    if result.scaled_to_zero is not None:
        cond = result.scaled_to_zero
        listed["ScaledToZero"] = ("True" if cond.status else "False", cond.reason)
    elif had_scaled_to_zero and not result.state.scaled_to_zero:
        del listed["ScaledToZero"]  # gate off: the controller removed the condition
    return [{"type": t, "status": st, "reason": r} for t, (st, r) in listed.items()]


def _run_rate_limit(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    replicas, reason = convert_desired_replicas_with_behavior_rate(
        inputs["current_replicas"],
        inputs["prenormalized_desired_replicas"],
        inputs.get("min_replicas", 1),
        inputs["max_replicas"],
        generate_scale_up_rules(_rules(inputs.get("scale_up_rules"))),
        generate_scale_down_rules(_rules(inputs.get("scale_down_rules"))),
        _events(inputs.get("scale_up_events"), ctx),
        _events(inputs.get("scale_down_events"), ctx),
        NOW_S,
    )
    return {"replicas": replicas, "condition_reason": reason}


def _run_stabilize_behavior(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    stabilized, history, _reason = stabilize_recommendation_with_behaviors(
        _recommendations(inputs.get("recommendations") or (), ctx),
        inputs["current_replicas"],
        inputs["prenormalized_desired_replicas"],
        inputs.get("scale_up_stabilization_window_s", 0),
        inputs.get("scale_down_stabilization_window_s", 0),
        NOW_S,
    )
    return {"stabilized_replicas": stabilized,
            "recommendations_after": [r.replicas for r in history]}


def _run_stabilize_legacy(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    stabilized, history = stabilize_recommendation(
        _recommendations(inputs.get("recommendations") or (), ctx),
        inputs["prenormalized_desired_replicas"],
        NOW_S,
        inputs.get("downscale_stabilization_s", GO_TEST_CONFIG.downscale_stabilization_s),
    )
    return {"stabilized_replicas": stabilized, "recommendations_after_len": len(history),
            "recommendations_after": [r.replicas for r in history]}


def _run_clamp_legacy(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    defaults = GO_TEST_CONFIG
    replicas, reason = convert_desired_replicas_with_rules(
        inputs["current_replicas"],
        inputs["prenormalized_desired_replicas"],
        inputs.get("min_replicas", 1),
        inputs["max_replicas"],
        inputs.get("legacy_scale_up_limit_factor", defaults.legacy_scale_up_limit_factor),
        inputs.get("legacy_scale_up_limit_minimum", defaults.legacy_scale_up_limit_minimum),
    )
    return {"replicas": replicas, "condition_reason": reason}


def _run_limit(direction: str) -> Callable[[Mapping[str, Any], _Context], dict[str, Any]]:
    def run(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
        up_events = _events(inputs.get("scale_up_events"), ctx)
        down_events = _events(inputs.get("scale_down_events"), ctx)
        if direction == "up":
            rules = generate_scale_up_rules(_rules(inputs.get("rules")))
            limit = calculate_scale_up_limit_with_scaling_rules(
                inputs["current_replicas"], up_events, down_events, rules, NOW_S
            )
        else:
            rules = generate_scale_down_rules(_rules(inputs.get("rules")))
            limit = calculate_scale_down_limit_with_behaviors(
                inputs["current_replicas"], up_events, down_events, rules, NOW_S
            )
        return {"limit": limit}

    return run


def _run_store_scale_event(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    rules = _rules(inputs.get("rules"))
    behavior = None if inputs.get("rules") is None else HPABehavior(rules, rules)
    previous = _events(inputs.get("previous_events"), ctx)
    change = abs(int(inputs.get("replica_change", 5)))
    before = get_replicas_change_per_period(60, previous, NOW_S)
    prev_replicas = 10 + change  # any size the change fits in; only the difference matters
    up, _ = store_scale_event(behavior, previous, (), prev_replicas, prev_replicas + change, NOW_S)
    _, down = store_scale_event(behavior, (), previous, prev_replicas, prev_replicas - change,
                                NOW_S)
    after_up = [{"change": e.change, "outdated": e.outdated} for e in up]
    after_down = [{"change": e.change, "outdated": e.outdated} for e in down]
    # One expectation covers both lists; a disagreement shows both.
    events_after: Any = after_up if after_up == after_down else {"up": after_up,
                                                                 "down": after_down}
    return {"replicas_change_last_60s_before": before, "events_after": events_after}


def _run_group_pods(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    config = _config(inputs.get("controller"))
    resource = inputs.get("resource", "cpu")
    raw_metrics: Any = next(
        (inputs[k] for k in ("resource_metrics", "metrics", "pods_metric_values")
         if inputs.get(k) is not None), {},
    )
    grouped = group_pods(
        _pods(inputs.get("pods"), ctx),
        _resource_samples(raw_metrics, resource, ctx) or {},
        resource, NOW_S, config.cpu_initialization_period_s, config.initial_readiness_delay_s,
        config.ignore_succeeded_pods,
    )
    groups = {"unready": sorted(grouped.unready), "missing": sorted(grouped.missing),
              "ignored": sorted(grouped.ignored)}
    computed: dict[str, Any] = {"ready_count": grouped.ready_count,
                                "ready_pod_count": grouped.ready_count}
    for group, names in groups.items():
        computed[group] = computed[f"{group}_pods"] = names
    return computed


_RUNNERS: dict[str, Callable[[Mapping[str, Any], _Context], dict[str, Any]]] = {
    "group_pods": _run_group_pods,
    "replica_calc": _run_replica_calc,
    "reconcile": _run_reconcile,
    "rate_limit_behavior": _run_rate_limit,
    "stabilize_behavior": _run_stabilize_behavior,
    "stabilize_legacy": _run_stabilize_legacy,
    "clamp_legacy": _run_clamp_legacy,
    "scale_up_limit": _run_limit("up"),
    "scale_down_limit": _run_limit("down"),
    "store_scale_event": _run_store_scale_event,
}


def run_case(case: Case, constants: Mapping[str, Any] | None = None,
             ) -> tuple[bool, dict[str, Any], dict[str, Any]]:
    """Run one vector: (passed, expected, got), ``got`` restricted to the expected keys."""
    expected = dict(case.get("expected") or {})
    ctx = _Context(constants or {})
    runner = _RUNNERS.get(case.get("kind", ""))
    if runner is None:
        return False, expected, {"error": f"unknown kind {case.get('kind')!r}"}
    try:
        computed = runner(case.get("inputs") or {}, ctx)
    except Exception as exc:  # noqa: BLE001 - a vector the library cannot take is a failed case
        return False, expected, {"exception": f"{type(exc).__name__}: {exc}"}
    got = {key: computed.get(key, f"<cannot check {key!r}>") for key in expected}
    if "error" in expected and not isinstance(expected["error"], bool):
        # An expected error message (Go's expectedError) asks whether an error was returned;
        # its wording is not compared (SPEC.md section 0).
        expected["error"] = bool(expected["error"])
    if isinstance(expected.get("conditions"), list):
        expected["conditions"] = [_condition(c) for c in expected["conditions"]]
    if case.get("kind") == "group_pods":  # pod-name groups are sets
        expected = {k: sorted(v) if isinstance(v, list) else v for k, v in expected.items()}
    return got == expected, expected, got


def _condition(raw: Any) -> Any:
    """A condition of ``expected.conditions`` as ``{type, status: "True"|"False", reason}``."""
    if not isinstance(raw, Mapping):
        return raw
    status = raw.get("status")
    if isinstance(status, bool):
        status = "True" if status else "False"
    return {"type": raw.get("type"), "status": status, "reason": raw.get("reason")}


def run_file(path: Path) -> list[tuple[str, bool, dict[str, Any], dict[str, Any]]]:
    """Run every case of a vector file: a list of (name, passed, expected, got)."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    constants = document.get("constants") or {}
    outcomes = []
    for case in document.get("cases") or ():
        passed, expected, got = run_case(case, constants)
        outcomes.append((str(case.get("name")), passed, expected, got))
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: run the files, print failures and the ``N passed, M failed`` line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m infra_toolkit.conformance FILE.json [FILE.json ...]",
              file=sys.stderr)
        return 2
    passed = failed = 0
    for arg in args:
        try:
            outcomes = run_file(Path(arg))
        except (OSError, json.JSONDecodeError) as exc:
            print(f"error: cannot read vectors from {arg}: {exc}", file=sys.stderr)
            return 2
        for name, ok, expected, got in outcomes:
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {name}: expected {json.dumps(expected, sort_keys=True)} "
                      f"got {json.dumps(got, sort_keys=True, default=str)}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
