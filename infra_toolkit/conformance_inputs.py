"""A conformance vector's JSON inputs as the records of :mod:`infra_toolkit.hpa` (SPEC.md
section 0 of ``../shared/hpa``), for :mod:`infra_toolkit.conformance_cases`: pods and samples,
controller settings and memory, fetched metric values; the ``hpa`` object itself is read by
:mod:`infra_toolkit.conformance_hpa`.

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
  when it started (horizontal_test.go's harness). A null ``ready_transition_age_s`` is Go's zero
  time (an unset ``LastTransitionTime`` is a zero value, not nil), as a sample's null ``age_s``.
- ``resource_metrics`` serves every Resource metric of the HPA whatever its resource name (e.g. a
  memory metric with ``requests_milli: {memory: ...}``); a mapping keyed by resource name
  (``{"cpu": {pod: sample}, "memory": {...}}``) is also accepted. ``pods_metric_values``,
  ``object_metric_value_milli`` and ``external_metric_values_milli`` (a list, or one value)
  likewise serve every Pods, Object and External metric. An absent or null key, or
  ``fetch_error: true`` on the metric, is a failed read of that metric only (even if another
  metric has the same name); an empty ``resource_metrics`` is an empty answer, which Go also
  treats as an error. A sample's null ``age_s``/``window_s`` is Go's zero time/duration; a null
  sample, a null container usage or an empty ``containers`` (no container reported) leaves that
  pod without a metric (missing), as Go's metrics client does for a pod whose container lacks
  the resource or that lists no container (``getPodMetrics``), rather than a 0 sample.
- replica_calc: ``current_replicas`` and ``status_replicas`` stand in for each other when one is
  absent (the Go harness passes one count as both); a null Object/External value is a failed
  read.
- ContainerResource metrics (``{type: ContainerResource, resource, container, target}``, or a
  ``container`` in a replica_calc case): a pod's ``containers: {name: {resource: milli}}`` and a
  sample's ``containers: {name: milli}`` are used when given; otherwise the harness of the Go
  tests is assumed: two containers ``container1`` and ``container2`` share the pod totals equally.
- Tolerances of a replica_calc case: ``controller.tolerance`` for both directions, unless a
  ``tolerances`` entry gives ``{scale_down, scale_up}`` (or ``[down, up]``), or the controller
  gives ``scale_down_tolerance`` / ``scale_up_tolerance``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from infra_toolkit.hpa import (
    ControllerConfig,
    HPAState,
    MetricComputationError,
    MetricSpec,
    MetricsSnapshot,
    Pod,
    PodSample,
    Recommendation,
    ScaleEvent,
    Tolerances,
)

__all__ = [
    "DEFAULT_GO_ZERO_AGE_S",
    "GO_TEST_CONFIG",
    "NOW_S",
    "Context",
    "parse_controller",
    "parse_events",
    "parse_external_series",
    "parse_external_values",
    "parse_object_value",
    "parse_pods",
    "parse_recommendations",
    "parse_replicas",
    "parse_resource_samples",
    "parse_samples",
    "parse_snapshot",
    "parse_state",
    "parse_tolerances",
]

NOW_S = 0.0  # the evaluated sync's time, in seconds
DEFAULT_GO_ZERO_AGE_S = 1e11  # the age of Go's zero time.Time when a file gives no GO_ZERO_AGE_S
_HARNESS_CONTAINERS = ("container1", "container2")


class Context:
    """A vector file's constants: turns a case's ages (seconds before the sync) into times."""

    def __init__(self, constants: Mapping[str, Any]) -> None:
        self.go_zero_age_s = float(constants.get("GO_ZERO_AGE_S", DEFAULT_GO_ZERO_AGE_S))

    def at(self, age_s: float | None) -> float:
        """The time in seconds of something ``age_s`` old (``None``: Go's zero time)."""
        return NOW_S - (self.go_zero_age_s if age_s is None else float(age_s))


# --- controller settings ---------------------------------------------------------------------

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


def parse_controller(raw: Mapping[str, Any] | None) -> ControllerConfig:
    """A case's ``controller`` flags over :data:`GO_TEST_CONFIG` (null keys keep its value)."""
    given = {k: raw[k] for k in _CONFIG_KEYS if raw and raw.get(k) is not None}
    return dataclasses.replace(GO_TEST_CONFIG, **given) if given else GO_TEST_CONFIG


def parse_tolerances(inputs: Mapping[str, Any], config: ControllerConfig) -> Tolerances:
    """A replica_calc case's (scale-down, scale-up) tolerances: a ``tolerances`` entry, else the
    controller's directional keys, else ``config.tolerance`` both ways."""
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
        down = next((raw[k] for k in ("scale_down", "down") if raw.get(k) is not None),
                    config.tolerance)
        up = next((raw[k] for k in ("scale_up", "up") if raw.get(k) is not None), config.tolerance)
        return Tolerances(float(down), float(up))
    if isinstance(raw, Sequence) and len(raw) == 2:
        return Tolerances(float(raw[0]), float(raw[1]))
    return Tolerances(config.tolerance, config.tolerance)


_DIRECTIONAL_TOLERANCE_KEYS = (
    "scale_down_tolerance", "scale_up_tolerance", "tolerance_down", "tolerance_up",
)


# --- pods and their samples ------------------------------------------------------------------


def _split_between_harness_containers(total: int) -> dict[str, int]:
    return {_HARNESS_CONTAINERS[0]: total // 2, _HARNESS_CONTAINERS[1]: total - total // 2}


def parse_pods(raw: Sequence[Mapping[str, Any]] | None, ctx: Context) -> tuple[Pod, ...]:
    """The ``pods`` of a case as the pod lister returns them (requests in milli-units, per pod
    and per container)."""
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
                # a null transition is an unset LastTransitionTime: Go's zero time, a value (the
                # condition's timestamp is not a pointer, unlike the pod's StartTime)
                ready_transition_time_s=ctx.at(transition_age),
                deleting=bool(p.get("deleting", False)),
                requests_milli=requests,
                container_requests_milli=per_container,
            )
        )
    return tuple(pods)


def _is_sample(value: object) -> bool:
    return isinstance(value, Mapping) and ("value_milli" in value or "containers" in value)


def parse_samples(
    raw: Mapping[str, Any] | None, ctx: Context, container: str = ""
) -> dict[str, PodSample]:
    """Pod name -> sample in milli-units (of ``container`` only, when set; a pod without that
    container has no sample)."""
    samples = {}
    for pod_name, s in (raw or {}).items():
        if s is None:
            continue  # a null sample: the pod has no metric (missing), as an absent key
        containers = s.get("containers")
        if s.get("value_milli") is None:  # only per-container usage given: the pod sums them
            usage = (containers or {}).values()
            if not container and (containers == {} or any(v is None for v in usage)):
                # Go's getPodMetrics: a pod reporting no container, or a container without
                # usage, has no metric (missing), not a 0 one
                continue
            value = sum(int(v) for v in usage if v is not None)
        else:
            value = int(s["value_milli"])
        if container:
            per_container = (_split_between_harness_containers(value) if containers is None
                             else containers)
            if per_container.get(container) is None:
                continue  # the pod reports no such container: its metric is missing
            value = int(per_container[container])
        window = s.get("window_s", 60.0)  # null: Go's zero Duration (a PodMetric{Value} literal)
        samples[pod_name] = PodSample(
            value, ctx.at(s.get("age_s", 0.0)), 0.0 if window is None else float(window)
        )
    return samples


def parse_resource_samples(
    raw: Mapping[str, Any], resource: str, ctx: Context, container: str = ""
) -> dict[str, PodSample] | None:
    """The samples serving ``resource``: ``raw`` itself, or its entry for ``resource`` when it
    is keyed by resource name (``None``: no entry, a failed read)."""
    if raw and not all(v is None or _is_sample(v) for v in raw.values()):
        per_resource = raw.get(resource)
        return None if per_resource is None else parse_samples(per_resource, ctx, container)
    return parse_samples(raw, ctx, container)


# --- the controller's memory -----------------------------------------------------------------


def parse_events(raw: Sequence[Mapping[str, Any]] | None, ctx: Context,
                 ) -> tuple[ScaleEvent, ...]:
    """Scale events (replica change, age, outdated flag) as the controller recorded them."""
    return tuple(
        ScaleEvent(int(e["change"]), ctx.at(e.get("age_s", 0.0)), bool(e.get("outdated", False)))
        for e in raw or ()
    )


def parse_recommendations(raw: Sequence[Mapping[str, Any]], ctx: Context,
                          ) -> tuple[Recommendation, ...]:
    """Recorded recommendations (replicas, age) for stabilization."""
    return tuple((int(r["replicas"]), ctx.at(r.get("age_s", 0.0))) for r in raw)


def parse_state(inputs: Mapping[str, Any], ctx: Context) -> HPAState:
    """What the controller remembers before a reconcile case's sync: recommendations (absent:
    none recorded yet), scale events and the ScaledToZero condition."""
    recs = inputs.get("recommendations")
    return HPAState(
        recommendations=None if recs is None else parse_recommendations(recs, ctx),
        scale_up_events=parse_events(inputs.get("scale_up_events"), ctx),
        scale_down_events=parse_events(inputs.get("scale_down_events"), ctx),
        scaled_to_zero=bool(inputs.get("scaled_to_zero_condition", False)),
    )


# --- replica counts and fetched values -------------------------------------------------------


def parse_replicas(inputs: Mapping[str, Any], key: str) -> int:
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


def parse_object_value(inputs: Mapping[str, Any]) -> int:
    """``object_metric_value_milli``; null or absent raises MetricComputationError."""
    return int(_fetched(inputs, "object_metric_value_milli"))


def parse_external_series(inputs: Mapping[str, Any]) -> list[int]:
    """``external_metric_values_milli`` as a list; null or absent raises
    MetricComputationError."""
    return parse_external_values(_fetched(inputs, "external_metric_values_milli"))


def parse_external_values(raw: object) -> list[int]:
    """``external_metric_values_milli``: a list of series values, or one value."""
    if isinstance(raw, (list, tuple)):
        return [int(v) for v in raw]
    return [int(raw)]  # type: ignore[call-overload]


def parse_snapshot(
    inputs: Mapping[str, Any], specs: Sequence[MetricSpec], ctx: Context
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
            samples = parse_resource_samples(resource_raw, name, ctx, container)
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
            pods[metric_name] = parse_samples(pods_raw, ctx)
        elif spec.object is not None and object_raw is not None:
            objects[metric_name] = int(object_raw)
        elif spec.external is not None and external_raw is not None:
            external[metric_name] = parse_external_values(external_raw)
    return MetricsSnapshot(resource, container_resource, pods, objects, external)

