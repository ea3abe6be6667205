"""One HPA test vector (``../shared/hpa/SPEC.md`` section 0) run through the public API of
:mod:`infra_toolkit.hpa`, for :mod:`infra_toolkit.conformance`.

A runner per case kind calls the library once and returns what it computed, keyed like the
case's ``expected``; :func:`run_case` compares the two. :mod:`infra_toolkit.conformance_inputs`
translates the JSON inputs (and says how it reads the schema where it leaves room); every decision
is made by the library.

How the runner reads the schema where it leaves room (decided by what the Go code and its tests
do):

- replica_calc: ``GetResourceReplicas`` with ``target_average_value_milli`` and no
  ``target_utilization`` is the AverageValue (raw) path.
- ``min_replicas`` absent or null is 1 in every kind (Go's nil minReplicas defaults to 1); any
  other optional count, window or factor that is null takes its absent value (the stabilization
  windows 0, the legacy window and factors the Go tests' settings, ``replica_change`` 5).
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

from collections.abc import Callable, Mapping
from typing import Any

from infra_toolkit.conformance_hpa import parse_hpa, parse_rules
from infra_toolkit.conformance_inputs import (
    GO_TEST_CONFIG,
    NOW_S,
    Context,
    parse_controller,
    parse_events,
    parse_external_series,
    parse_object_value,
    parse_pods,
    parse_recommendations,
    parse_replicas,
    parse_resource_samples,
    parse_samples,
    parse_snapshot,
    parse_state,
    parse_tolerances,
)
from infra_toolkit.hpa import (
    HPABehavior,
    MetricComputationError,
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

__all__ = ["Case", "run_case"]

Case = Mapping[str, Any]
Runner = Callable[[Mapping[str, Any], Context], dict[str, Any]]


# --- one runner per kind: returns what the library computed, keyed like `expected` -----------

def _run_replica_calc(inputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    config = parse_controller(inputs.get("controller"))
    tolerances = parse_tolerances(inputs, config)
    function = inputs["function"]
    pods = parse_pods(inputs.get("pods"), ctx)
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
            samples = parse_resource_samples(inputs.get("resource_metrics") or {}, resource, ctx,
                                        container) or {}
            current = parse_replicas(inputs, "current_replicas")
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
            samples = parse_samples(inputs.get("pods_metric_values") or {}, ctx)
            proposal = get_metric_replicas(
                parse_replicas(inputs, "current_replicas"), inputs["target_average_value_milli"],
                tolerances, pods, samples, *timing,
            )
        elif function == "GetObjectMetricReplicas":
            proposal = get_object_metric_replicas(
                parse_replicas(inputs, "current_replicas"), inputs["target_value_milli"],
                tolerances, parse_object_value(inputs), pods,
            )
        elif function == "GetExternalMetricReplicas":
            proposal = get_external_metric_replicas(
                parse_replicas(inputs, "current_replicas"), inputs["target_value_milli"],
                tolerances, parse_external_series(inputs), pods,
            )
        elif function == "GetObjectPerPodMetricReplicas":
            proposal = get_object_per_pod_metric_replicas(
                parse_replicas(inputs, "status_replicas"), inputs["target_average_value_milli"],
                tolerances, parse_object_value(inputs),
            )
        elif function == "GetExternalPerPodMetricReplicas":
            proposal = get_external_per_pod_metric_replicas(
                parse_replicas(inputs, "status_replicas"), inputs["target_average_value_milli"],
                tolerances, parse_external_series(inputs),
            )
        else:
            raise ValueError(f"unknown replica_calc function {function!r}")
    except MetricComputationError as exc:
        return {"error": True, "error_message": str(exc)}
    return {"replicas": proposal.replicas, "usage_milli": proposal.usage_milli,
            "raw_average_value_milli": proposal.usage_milli, "error": False}



def _run_reconcile(inputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    config = parse_controller(inputs.get("controller"))
    hpa = parse_hpa(inputs["hpa"])
    scale = inputs.get("scale") or {}
    spec_replicas = scale["spec_replicas"]
    state = parse_state(inputs, ctx)
    result = reconcile(
        hpa,
        spec_replicas,
        parse_pods(inputs.get("pods"), ctx),
        parse_snapshot(inputs, hpa.metrics, ctx),
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
        "recommendations_after": [replicas for replicas, _ in result.state.recommendations or ()],
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


def _given(inputs: Mapping[str, Any], key: str, default: Any) -> Any:
    """``inputs[key]``, or ``default`` when it is absent or null (an unset Go field)."""
    value = inputs.get(key)
    return default if value is None else value


def _min_replicas(inputs: Mapping[str, Any]) -> int:
    """``min_replicas``; absent or null is 1, as an HPA's nil minReplicas (see ``parse_hpa``)."""
    return int(_given(inputs, "min_replicas", 1))


def _run_rate_limit(inputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    replicas, reason = convert_desired_replicas_with_behavior_rate(
        inputs["current_replicas"],
        inputs["prenormalized_desired_replicas"],
        _min_replicas(inputs),
        inputs["max_replicas"],
        generate_scale_up_rules(parse_rules(inputs.get("scale_up_rules"))),
        generate_scale_down_rules(parse_rules(inputs.get("scale_down_rules"))),
        parse_events(inputs.get("scale_up_events"), ctx),
        parse_events(inputs.get("scale_down_events"), ctx),
        NOW_S,
    )
    return {"replicas": replicas, "condition_reason": reason}


def _run_stabilize_behavior(inputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    stabilized, history, _reason = stabilize_recommendation_with_behaviors(
        parse_recommendations(inputs.get("recommendations") or (), ctx),
        inputs["current_replicas"],
        inputs["prenormalized_desired_replicas"],
        _given(inputs, "scale_up_stabilization_window_s", 0),
        _given(inputs, "scale_down_stabilization_window_s", 0),
        NOW_S,
    )
    return {"stabilized_replicas": stabilized,
            "recommendations_after": [replicas for replicas, _ in history]}


def _run_stabilize_legacy(inputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    stabilized, history = stabilize_recommendation(
        parse_recommendations(inputs.get("recommendations") or (), ctx),
        inputs["prenormalized_desired_replicas"],
        NOW_S,
        _given(inputs, "downscale_stabilization_s", GO_TEST_CONFIG.downscale_stabilization_s),
    )
    return {"stabilized_replicas": stabilized, "recommendations_after_len": len(history),
            "recommendations_after": [replicas for replicas, _ in history]}


def _run_clamp_legacy(inputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    defaults = GO_TEST_CONFIG
    replicas, reason = convert_desired_replicas_with_rules(
        inputs["current_replicas"],
        inputs["prenormalized_desired_replicas"],
        _min_replicas(inputs),
        inputs["max_replicas"],
        _given(inputs, "legacy_scale_up_limit_factor", defaults.legacy_scale_up_limit_factor),
        _given(inputs, "legacy_scale_up_limit_minimum", defaults.legacy_scale_up_limit_minimum),
    )
    return {"replicas": replicas, "condition_reason": reason}


def _run_limit(direction: str) -> Runner:
    def run(inputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
        up_events = parse_events(inputs.get("scale_up_events"), ctx)
        down_events = parse_events(inputs.get("scale_down_events"), ctx)
        if direction == "up":
            rules = generate_scale_up_rules(parse_rules(inputs.get("rules")))
            limit = calculate_scale_up_limit_with_scaling_rules(
                inputs["current_replicas"], up_events, down_events, rules, NOW_S
            )
        else:
            rules = generate_scale_down_rules(parse_rules(inputs.get("rules")))
            limit = calculate_scale_down_limit_with_behaviors(
                inputs["current_replicas"], up_events, down_events, rules, NOW_S
            )
        return {"limit": limit}

    return run


def _run_store_scale_event(inputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    rules = parse_rules(inputs.get("rules"))
    behavior = None if inputs.get("rules") is None else HPABehavior(rules, rules)
    previous = parse_events(inputs.get("previous_events"), ctx)
    change = abs(int(_given(inputs, "replica_change", 5)))
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


def _run_group_pods(inputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    config = parse_controller(inputs.get("controller"))
    resource = inputs.get("resource", "cpu")
    raw_metrics: Any = next(
        (inputs[k] for k in ("resource_metrics", "metrics", "pods_metric_values")
         if inputs.get(k) is not None), {},
    )
    grouped = group_pods(
        parse_pods(inputs.get("pods"), ctx),
        parse_resource_samples(raw_metrics, resource, ctx) or {},
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


_RUNNERS: dict[str, Runner] = {
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
    ctx = Context(constants or {})
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
