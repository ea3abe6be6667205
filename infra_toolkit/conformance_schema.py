"""The vector schema of SPEC.md section 0 (``../shared/hpa``), checked before a case runs, so a
malformed vector is reported as such ("case 'x': inputs.pods missing") instead of failing as a
case with an opaque reason.

What is checked: each case is an object with a unique ``name``, a known ``kind`` and an
``inputs`` object; per kind, the inputs its runner needs are present; replica counts, targets
and milli-quantities are integers (never text or booleans), counts and requests are not
negative; pods have a name, a phase among Running, Pending, Failed, Succeeded and the types of
section 0; scale events and recommendations have theirs. The variants
:mod:`infra_toolkit.conformance_inputs` reads where the schema leaves room (a pod described only
per container, ``metric`` as a name or an object, ...) stay valid; they are not re-checked here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

__all__ = ["KINDS", "POD_PHASES", "REPLICA_CALC_FUNCTIONS", "case_problems", "file_problems"]

POD_PHASES = ("Running", "Pending", "Failed", "Succeeded")
KINDS = (
    "replica_calc", "reconcile", "rate_limit_behavior", "stabilize_behavior", "stabilize_legacy",
    "clamp_legacy", "scale_up_limit", "scale_down_limit", "store_scale_event", "group_pods",
)
# function -> (the target key it reads, whether it reads the pods)
REPLICA_CALC_FUNCTIONS = {
    "GetResourceReplicas": ("target_utilization", True),
    "GetMetricReplicas": ("target_average_value_milli", True),
    "GetObjectMetricReplicas": ("target_value_milli", True),
    "GetExternalMetricReplicas": ("target_value_milli", True),
    "GetObjectPerPodMetricReplicas": ("target_average_value_milli", False),
    "GetExternalPerPodMetricReplicas": ("target_average_value_milli", False),
}
# kind -> the replica counts its runner reads (all required)
_REQUIRED_COUNTS = {
    "rate_limit_behavior": ("current_replicas", "prenormalized_desired_replicas", "max_replicas"),
    "stabilize_behavior": ("current_replicas", "prenormalized_desired_replicas"),
    "stabilize_legacy": ("prenormalized_desired_replicas",),
    "clamp_legacy": ("current_replicas", "prenormalized_desired_replicas", "max_replicas"),
    "scale_up_limit": ("current_replicas",),
    "scale_down_limit": ("current_replicas",),
}
_OPTIONAL_COUNTS = ("current_replicas", "status_replicas", "min_replicas", "max_replicas",
                    "prenormalized_desired_replicas")
_OPTIONAL_INTEGERS = ("target_utilization", "target_average_value_milli", "target_value_milli",
                      "scale_up_stabilization_window_s", "scale_down_stabilization_window_s",
                      "downscale_stabilization_s", "replica_change")
_EVENT_LISTS = ("scale_up_events", "scale_down_events", "previous_events")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Problems:
    """Collects one case's problems, each prefixed with the case name."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.found: list[str] = []

    def add(self, path: str, text: str) -> None:
        self.found.append(f"{self.label}: {path} {text}" if path else f"{self.label}: {text}")

    def integer(self, raw: Mapping[str, Any], key: str, path: str, *, required: bool = False,
                count: bool = False) -> None:
        """``raw[key]``: absent (unless required), null (optional only) or an integer."""
        where = f"{path}.{key}"
        if key not in raw or (raw[key] is None and not required):
            if required:
                self.add(where, "missing")
            return
        value = raw[key]
        if not _is_int(value):
            self.add(where, f"= {value!r} is not an integer (write it without quotes, like 3)")
        elif count and value < 0:
            self.add(where, f"= {value} is negative; it must be 0 or more")

    def typed(self, raw: Mapping[str, Any], key: str, path: str, kinds: tuple[type, ...],
              what: str) -> None:
        """``raw[key]``, when present and not null, is an instance of ``kinds``."""
        value = raw.get(key)
        if value is not None and (not isinstance(value, kinds) or (
                bool not in kinds and isinstance(value, bool))):
            self.add(f"{path}.{key}", f"= {value!r} is not {what}")


def _check_quantities(raw: object, path: str, problems: _Problems) -> None:
    """A ``{resource: milli}`` mapping: integers, none negative."""
    if not isinstance(raw, Mapping):
        problems.add(path, f"= {raw!r} is not an object of resource: milli-units")
        return
    for resource in raw:
        problems.integer(raw, str(resource), path, required=True, count=True)


def _objects(raw: object, path: str, problems: _Problems,
             ) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The items of a list of objects with their paths; a non-list or non-object is reported."""
    if not isinstance(raw, list):
        problems.add(path, f"= {raw!r} is not a list of objects")
        return
    for i, item in enumerate(raw):
        if isinstance(item, Mapping):
            yield f"{path}[{i}]", item
        else:
            problems.add(f"{path}[{i}]", f"= {item!r} is not an object")


def _check_pods(raw: object, path: str, problems: _Problems) -> None:
    for where, pod in _objects(raw, path, problems):
        if not isinstance(pod.get("name"), str) or not pod["name"]:
            problems.add(f"{where}.name", "missing (each pod needs a name)")
        phase = pod.get("phase", "Running")
        if phase not in POD_PHASES:
            problems.add(f"{where}.phase", f"= {phase!r} is not one of {', '.join(POD_PHASES)}")
        problems.typed(pod, "ready", where, (bool,), "true, false or null")
        problems.typed(pod, "deleting", where, (bool,), "true or false")
        for key in ("start_age_s", "ready_transition_age_s"):
            problems.typed(pod, key, where, (int, float), "a number of seconds or null")
        if pod.get("requests_milli") is not None:
            _check_quantities(pod["requests_milli"], f"{where}.requests_milli", problems)
        containers = pod.get("containers")
        if containers is not None:
            if not isinstance(containers, Mapping):
                problems.add(f"{where}.containers", "is not an object of container: requests")
                continue
            for name, requests in containers.items():
                _check_quantities(requests or {}, f"{where}.containers.{name}", problems)


def _check_records(raw: object, path: str, count_key: str, problems: _Problems) -> None:
    """Scale events (``change``) or recommendations (``replicas``): a list of objects with an
    integer and an age."""
    if raw is None:
        return
    for where, record in _objects(raw, path, problems):
        problems.integer(record, count_key, where, required=True,
                         count=count_key == "replicas")
        problems.typed(record, "age_s", where, (int, float), "a number of seconds")
        problems.typed(record, "outdated", where, (bool,), "true or false")


def _check_mapping(raw: Mapping[str, Any], key: str, path: str, problems: _Problems,
                   *, required: bool = False) -> Mapping[str, Any]:
    """``raw[key]`` as an object (empty when absent or not an object, which is reported)."""
    value = raw.get(key)
    if value is None:
        if required:
            problems.add(f"{path}.{key}", "missing")
        return {}
    if not isinstance(value, Mapping):
        problems.add(f"{path}.{key}", f"= {value!r} is not an object")
        return {}
    return value


def _check_replica_calc(inputs: Mapping[str, Any], problems: _Problems) -> None:
    function = inputs.get("function")
    if function not in REPLICA_CALC_FUNCTIONS:
        problems.add("inputs.function", f"= {function!r} is not one of "
                     f"{', '.join(REPLICA_CALC_FUNCTIONS)}" if function is not None
                     else "missing")
        return
    target, reads_pods = REPLICA_CALC_FUNCTIONS[function]
    if function == "GetResourceReplicas" and inputs.get(target) is None:
        target = "target_average_value_milli"  # the AverageValue (raw) path
    problems.integer(inputs, target, "inputs", required=True)
    if inputs.get("current_replicas") is None and inputs.get("status_replicas") is None:
        problems.add("inputs.current_replicas", "missing (or give status_replicas)")
    if reads_pods and "pods" not in inputs:
        problems.add("inputs.pods", "missing")


def _check_reconcile(inputs: Mapping[str, Any], problems: _Problems) -> None:
    hpa = _check_mapping(inputs, "hpa", "inputs", problems, required=True)
    if hpa:
        problems.integer(hpa, "max_replicas", "inputs.hpa", required=True, count=True)
        problems.integer(hpa, "min_replicas", "inputs.hpa", count=True)
        metrics = hpa.get("metrics")
        if metrics is not None and not (isinstance(metrics, list) and all(
                isinstance(m, Mapping) and isinstance(m.get("type"), str) for m in metrics)):
            problems.add("inputs.hpa.metrics", "is not a list of metric objects with a type")
        problems.typed(hpa, "behavior", "inputs.hpa", (Mapping,), "an object or null")
    scale = _check_mapping(inputs, "scale", "inputs", problems, required=True)
    if scale:
        problems.integer(scale, "spec_replicas", "inputs.scale", required=True, count=True)
        problems.integer(scale, "status_replicas", "inputs.scale", count=True)
    if "pods" not in inputs:
        problems.add("inputs.pods", "missing")


def _check_inputs(kind: str, inputs: Mapping[str, Any], problems: _Problems) -> None:
    if kind == "replica_calc":
        _check_replica_calc(inputs, problems)
    elif kind == "reconcile":
        _check_reconcile(inputs, problems)
    elif kind == "group_pods" and "pods" not in inputs:
        problems.add("inputs.pods", "missing")
    for key in _REQUIRED_COUNTS.get(kind, ()):
        problems.integer(inputs, key, "inputs", required=True, count=True)
    for key in _OPTIONAL_COUNTS:
        problems.integer(inputs, key, "inputs", count=True)
    for key in _OPTIONAL_INTEGERS:
        problems.integer(inputs, key, "inputs")
    if inputs.get("pods") is not None:
        _check_pods(inputs["pods"], "inputs.pods", problems)
    for key in _EVENT_LISTS:
        _check_records(inputs.get(key), f"inputs.{key}", "change", problems)
    _check_records(inputs.get("recommendations"), "inputs.recommendations", "replicas", problems)
    for key in ("controller", "resource_metrics", "pods_metric_values"):
        _check_mapping(inputs, key, "inputs", problems)


def case_problems(case: object, index: int = 0) -> list[str]:
    """What in one case (item ``index`` of ``cases``) does not follow SPEC.md section 0, each
    problem as ``case 'NAME': FIELD PATH what is wrong`` (empty: the case can run)."""
    if not isinstance(case, Mapping):
        return [f"case {index + 1}: = {case!r} is not a case object"]
    name = case.get("name")
    problems = _Problems(f"case {name!r}" if isinstance(name, str) and name
                         else f"case {index + 1}")
    if not isinstance(name, str) or not name:
        problems.add("name", "missing (every case needs a unique name)")
    kind = case.get("kind")
    if kind is None:
        problems.add("kind", f"missing (one of {', '.join(KINDS)})")
    elif kind not in KINDS:
        problems.add("kind", f"= {kind!r} is not one of {', '.join(KINDS)}")
    inputs, expected = case.get("inputs"), case.get("expected")
    if inputs is None:
        problems.add("inputs", "missing")
    elif not isinstance(inputs, Mapping):
        problems.add("inputs", f"= {inputs!r} is not an object")
    elif kind in KINDS:
        _check_inputs(str(kind), inputs, problems)
    if expected is not None and not isinstance(expected, Mapping):
        problems.add("expected", f"= {expected!r} is not an object")
    return problems.found


def file_problems(cases: Sequence[object]) -> list[str]:
    """Every case's problems, then names given to more than one case (SPEC.md section 0:
    names are unique)."""
    found = [p for i, case in enumerate(cases) for p in case_problems(case, i)]
    first: dict[str, int] = {}
    for i, name in enumerate(_names(cases)):
        if name is None:
            continue
        if name in first:
            found.append(f"case {name!r}: the name is used again by case {i + 1} (first: case "
                         f"{first[name] + 1}); SPEC.md section 0 says names are unique, rename "
                         "one")
        else:
            first[name] = i
    return found


def _names(cases: Iterable[object]) -> Iterable[str | None]:
    for case in cases:
        name = case.get("name") if isinstance(case, Mapping) else None
        yield name if isinstance(name, str) and name else None
