"""Run HPA test vectors (``../shared/hpa/SPEC.md`` section 0) through the public API of
:mod:`infra_toolkit.hpa`.

``python -m infra_toolkit.conformance FILE.json [FILE.json ...]`` prints one line per failing case
(name, expected, got) and ends with ``N passed, M failed``; the exit status is 0 only when nothing
failed (2 when a file cannot be read). This module only translates the JSON schema into library
inputs and compares outputs; every decision is made by the library.

How the schema is read where it leaves room (decided by what the Go code and its tests do):

- Time: the evaluated sync is at ``now_s = 0``; an age ``a`` becomes the timestamp ``-a``. The
  ``GO_ZERO_AGE_S`` constant (Go's zero ``time.Time``) therefore is a time long past.
- Absent optional keys take the controller's and the API's defaults (SPEC.md sections 2, 3, 5.1):
  controller flags of :class:`~infra_toolkit.hpa.ControllerConfig` (tolerance 0.1, CPU
  initialization 300 s, readiness delay 30 s, downscale window 300 s, legacy factor 2 / minimum
  4, gates on, Succeeded pods ignored as in 1.37's ``IsPodTerminal``); ``min_replicas`` 1;
  ``status_replicas`` = ``spec_replicas``; ``behavior`` absent = null (no-behavior path); a pod
  without ``phase`` is Running, without ``ready`` is Ready (the Go harness default), without
  ``start_age_s`` started at Go's zero time, and without ``ready_transition_age_s`` became ready
  when it started (horizontal_test.go's harness).
- ``resource_metrics`` serves every Resource metric of the HPA whatever its resource name (e.g. a
  memory metric with ``requests_milli: {memory: ...}``); a mapping keyed by resource name
  (``{"cpu": {pod: sample}, "memory": {...}}``) is also accepted. ``pods_metric_values``,
  ``object_metric_value_milli`` and ``external_metric_values_milli`` likewise serve every Pods,
  Object and External metric. An absent key, or ``fetch_error: true`` on the metric, is a failed
  read; an empty ``resource_metrics`` is an empty answer, which Go also treats as an error.
- ContainerResource metrics (``{type: ContainerResource, resource, container, target}``, or a
  ``container`` in a replica_calc case): a pod's ``containers: {name: {resource: milli}}`` and a
  sample's ``containers: {name: milli}`` are used when given; otherwise the harness of the Go
  tests is assumed: two containers ``container1`` and ``container2`` share the pod totals equally.
  A ContainerResource item may also nest its fields under ``container_resource``.
- Tolerances of a replica_calc case: ``controller.tolerance`` for both directions, unless a
  ``tolerances`` entry gives ``{scale_down, scale_up}`` (or ``[down, up]``), or the controller
  gives ``scale_down_tolerance`` / ``scale_up_tolerance``.
- ``expected.error`` compares whether an error was returned, not its wording.
- Expected keys beyond those of SPEC.md that the runner understands: ``scaled_to_zero_condition``
  (also ``..._after``: the condition after the sync), ``utilization`` (the reported CPU
  utilization, as horizontal_test.go's ``verifyCPUCurrent``), ``able_to_scale_reason``,
  ``scaling_active_reason``, ``metric_desired_replicas``, ``recommendations_after``. Any other
  expected key fails the case with "cannot check", rather than passing unchecked.
- A ``group_pods`` kind (RT ``TestGroupPods``) is accepted too: pods, ``resource_metrics``,
  ``resource``; expected ``ready_count`` and the ``unready``/``missing``/``ignored`` name lists
  (order ignored).
"""

from __future__ import annotations

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


def _config(raw: Mapping[str, Any] | None) -> ControllerConfig:
    raw = raw or {}
    defaults = ControllerConfig()
    return ControllerConfig(
        tolerance=raw.get("tolerance", defaults.tolerance),
        cpu_initialization_period_s=raw.get(
            "cpu_initialization_period_s", defaults.cpu_initialization_period_s
        ),
        initial_readiness_delay_s=raw.get(
            "initial_readiness_delay_s", defaults.initial_readiness_delay_s
        ),
        downscale_stabilization_s=raw.get(
            "downscale_stabilization_s", defaults.downscale_stabilization_s
        ),
        legacy_scale_up_limit_factor=raw.get(
            "legacy_scale_up_limit_factor", defaults.legacy_scale_up_limit_factor
        ),
        legacy_scale_up_limit_minimum=raw.get(
            "legacy_scale_up_limit_minimum", defaults.legacy_scale_up_limit_minimum
        ),
        gate_configurable_tolerance=raw.get(
            "gate_configurable_tolerance", defaults.gate_configurable_tolerance
        ),
        gate_scale_to_zero=raw.get("gate_scale_to_zero", defaults.gate_scale_to_zero),
        ignore_succeeded_pods=raw.get("ignore_succeeded_pods", defaults.ignore_succeeded_pods),
    )


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
    return isinstance(value, Mapping) and "value_milli" in value


def _samples(
    raw: Mapping[str, Any], ctx: _Context, container: str = ""
) -> dict[str, PodSample]:
    samples = {}
    for pod_name, s in raw.items():
        value = int(s["value_milli"])
        if container:
            per_container = s.get("containers") or _split_between_harness_containers(value)
            if container not in per_container:
                continue  # the pod reports no such container: its metric is missing
            value = int(per_container[container])
        samples[pod_name] = PodSample(
            value, ctx.at(s.get("age_s", 0.0)), float(s.get("window_s", 60.0))
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


def _container_metric_fields(raw: Mapping[str, Any]) -> tuple[str, str, Mapping[str, Any]]:
    """(resource, container, target) of a ContainerResource item, flat or nested."""
    nested = raw.get("container_resource") or raw.get("containerResource") or {}
    merged = {**nested, **{k: v for k, v in raw.items() if k not in ("type",)}}
    resource = merged.get("resource") or merged.get("name") or "cpu"
    container = merged.get("container") or merged.get("container_name") or ""
    return str(resource), str(container), merged["target"]


def _metric(raw: Mapping[str, Any]) -> MetricSpec:
    kind = raw.get("type")
    if kind == "Resource":
        source = ResourceMetricSource(raw.get("resource", "cpu"), _target(raw["target"]))
        return MetricSpec(type=kind, resource=source)
    if kind == "ContainerResource":
        resource, container, target = _container_metric_fields(raw)
        csource = ContainerResourceMetricSource(resource, container, _target(target))
        return MetricSpec(type=kind, container_resource=csource)
    name = MetricIdentifier(raw.get("metric", ""))
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
    policies = raw.get("policies")
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


def _run_replica_calc(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    config = _config(inputs.get("controller"))
    tolerances = _tolerances(inputs, config)
    function = inputs["function"]
    pods = _pods(inputs.get("pods"), ctx)
    timing = (NOW_S, config.cpu_initialization_period_s, config.initial_readiness_delay_s,
              config.ignore_succeeded_pods)
    try:
        if function in ("GetResourceReplicas", "GetRawResourceReplicas"):
            resource = inputs.get("resource", "cpu")
            container = inputs.get("container") or ""
            samples = _resource_samples(inputs.get("resource_metrics") or {}, resource, ctx,
                                        container) or {}
            if function == "GetResourceReplicas":
                proposal = get_resource_replicas(
                    inputs["current_replicas"], inputs["target_utilization"], resource,
                    tolerances, pods, samples, *timing, container,
                )
                return {"replicas": proposal.replicas, "utilization": proposal.utilization,
                        "raw_average_value_milli": proposal.usage_milli, "error": False}
            proposal = get_raw_resource_replicas(
                inputs["current_replicas"], inputs["target_average_value_milli"], resource,
                tolerances, pods, samples, *timing,
            )
        elif function == "GetMetricReplicas":
            samples = _samples(inputs.get("pods_metric_values") or {}, ctx)
            proposal = get_metric_replicas(
                inputs["current_replicas"], inputs["target_average_value_milli"], tolerances,
                pods, samples, *timing,
            )
        elif function == "GetObjectMetricReplicas":
            proposal = get_object_metric_replicas(
                inputs["current_replicas"], inputs["target_value_milli"], tolerances,
                inputs["object_metric_value_milli"], pods,
            )
        elif function == "GetExternalMetricReplicas":
            proposal = get_external_metric_replicas(
                inputs["current_replicas"], inputs["target_value_milli"], tolerances,
                inputs["external_metric_values_milli"], pods,
            )
        elif function == "GetObjectPerPodMetricReplicas":
            proposal = get_object_per_pod_metric_replicas(
                inputs["status_replicas"], inputs["target_average_value_milli"], tolerances,
                inputs["object_metric_value_milli"],
            )
        elif function == "GetExternalPerPodMetricReplicas":
            proposal = get_external_per_pod_metric_replicas(
                inputs["status_replicas"], inputs["target_average_value_milli"], tolerances,
                inputs["external_metric_values_milli"],
            )
        else:
            raise ValueError(f"unknown replica_calc function {function!r}")
    except MetricComputationError as exc:
        return {"error": True, "error_message": str(exc)}
    return {"replicas": proposal.replicas, "usage_milli": proposal.usage_milli,
            "raw_average_value_milli": proposal.usage_milli, "error": False}


def _snapshot(
    inputs: Mapping[str, Any], hpa_raw: Mapping[str, Any], ctx: _Context
) -> MetricsSnapshot:
    resource: dict[str, dict[str, PodSample]] = {}
    container_resource: dict[tuple[str, str], dict[str, PodSample]] = {}
    pods: dict[str, dict[str, PodSample]] = {}
    objects: dict[str, int] = {}
    external: dict[str, list[int]] = {}
    for m in hpa_raw.get("metrics") or ():
        if m.get("fetch_error"):
            continue
        kind = m.get("type")
        if kind in ("Resource", "ContainerResource") and "resource_metrics" in inputs:
            if kind == "ContainerResource":
                name, container, _target_raw = _container_metric_fields(m)
            else:
                name, container = m.get("resource", "cpu"), ""
            samples = _resource_samples(inputs["resource_metrics"], name, ctx, container)
            if samples is not None:
                if container:
                    container_resource[(name, container)] = samples
                else:
                    resource[name] = samples
        elif kind == "Pods" and "pods_metric_values" in inputs:
            pods[m.get("metric", "")] = _samples(inputs["pods_metric_values"], ctx)
        elif kind == "Object" and inputs.get("object_metric_value_milli") is not None:
            objects[m.get("metric", "")] = int(inputs["object_metric_value_milli"])
        elif kind == "External" and inputs.get("external_metric_values_milli") is not None:
            external[m.get("metric", "")] = [int(v) for v in inputs["external_metric_values_milli"]]
    return MetricsSnapshot(resource, container_resource, pods, objects, external)


def _run_reconcile(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    config = _config(inputs.get("controller"))
    hpa_raw = inputs["hpa"]
    hpa = HPASpec(
        max_replicas=hpa_raw["max_replicas"],
        min_replicas=hpa_raw.get("min_replicas", 1),
        metrics=tuple(_metric(m) for m in hpa_raw.get("metrics") or ()),
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
        _snapshot(inputs, hpa_raw, ctx),
        state,
        NOW_S,
        config,
        status_replicas=scale.get("status_replicas", spec_replicas),
    )
    utilization = next(
        (st.average_utilization for st in result.metric_statuses
         if st is not None and st.average_utilization is not None),
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
    }


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
        inputs.get("downscale_stabilization_s", ControllerConfig().downscale_stabilization_s),
    )
    return {"stabilized_replicas": stabilized, "recommendations_after_len": len(history),
            "recommendations_after": [r.replicas for r in history]}


def _run_clamp_legacy(inputs: Mapping[str, Any], ctx: _Context) -> dict[str, Any]:
    defaults = ControllerConfig()
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
    grouped = group_pods(
        _pods(inputs.get("pods"), ctx),
        _resource_samples(inputs.get("resource_metrics") or {}, resource, ctx) or {},
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


def run_case(case: Case, constants: Mapping[str, Any] | None = None) -> tuple[bool, dict, dict]:
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
    if case.get("kind") == "group_pods":  # pod-name groups are sets
        expected = {k: sorted(v) if isinstance(v, list) else v for k, v in expected.items()}
    return got == expected, expected, got


def run_file(path: Path) -> list[tuple[str, bool, dict, dict]]:
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
