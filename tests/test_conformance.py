"""The conformance runner, run as the CLI on the shared Kubernetes vectors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra_toolkit.conformance import VectorFileError, read_vector_file
from infra_toolkit.conformance_cases import _RUNNERS, run_case
from infra_toolkit.conformance_schema import KINDS


def _run(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra_toolkit.conformance", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )


def _case_count(path: Path) -> int:
    """How many cases the vector file holds, counted with json alone."""
    return len(json.loads(path.read_text())["cases"])


def test_every_shared_vector_passes(shared_dir: Path) -> None:
    # every case of the file ran and passed: none skipped, no FAIL line
    vectors = shared_dir / "hpa" / "vectors.json"
    assert _case_count(vectors) == 126
    done = _run(vectors)
    assert done.stdout.strip() == "126 passed, 0 failed", done.stdout
    assert done.returncode == 0


def test_cases_of_other_shapes_transcribed_from_the_go_tests_pass() -> None:
    # ContainerResource metrics, hot-CPU pods, per-container samples (see the file's sources).
    vectors = Path(__file__).parent / "data" / "hpa" / "extra_vectors.json"
    assert _case_count(vectors) == 6
    done = _run(vectors)
    assert done.stdout.strip() == "6 passed, 0 failed", done.stdout
    assert done.returncode == 0


# The vector files beside extra_vectors.json, each with its case count.
FURTHER_VECTOR_FILES = [
    ("go_vectors_extra.json", 196),
    # One-function-per-case tests of the files before the 1.37 table refactor, entries the
    # 1.37 tables dropped, TestReplicaCalcResourceErrors (see each source).
    ("go_vectors_more.json", 109),
    # Audit 11: window/period boundaries, float and int32 arithmetic, tolerance bounds, CPU
    # readiness boundaries, zero replicas (expected values worked out in each case's notes).
    ("go_vectors_audit11.json", 48),
    # Session 16: metrics/utilization_test.go and client_test.go, TestCalculateRequests and
    # TestCalculatePodRequestsFromContainers_NonExistentContainer, run through the
    # calculator (the mapping of each is in its notes).
    ("go_vectors_s16.json", 15),
    # Session 17: the heapster-era legacy_replica_calculator_test.go and
    # legacy_horizontal_test.go (harnesses in the file's description; disabled LegacyTest...
    # functions say so in notes), and the remaining metrics/client_test.go and
    # legacy_metrics_client_test.go tests.
    ("go_vectors_s17.json", 67),
    # Audit 18: paths of the 1.37 Go code no earlier case exercised (missing pods flipping
    # a scale-down, a superfluous sample counted, External AverageValue from zero at +Inf
    # and NaN ratios); worked out in each case's notes.
    ("go_vectors_s18.json", 4),
    # Session 19: the integration tests test/integration/podautoscaler (configurable
    # tolerance, scale to zero and back, up to min), one reconcile per step (settings and
    # history in the file's description and each case's notes).
    ("go_vectors_s19.json", 8),
    # Audit spec21: SPEC.md sentence by sentence, written by hand against the 1.37 Go code
    # (each name starts with the SPEC section it probes; the arithmetic is in notes): readiness
    # by sample age, zero requests, superfluous samples in the rebalance length, Go's
    # truncating division, from-zero with behavior, legacy clamp order, limit/bound reasons.
    ("spec21_vectors.json", 86),
]


@pytest.mark.parametrize(("file_name", "count"), FURTHER_VECTOR_FILES)
def test_further_go_test_cases_pass(file_name: str, count: int) -> None:
    # Tests and subtests of the Go files that vectors.json does not cover (see each source).
    vectors = Path(__file__).parent / "data" / "hpa" / file_name
    assert _case_count(vectors) == count
    done = _run(vectors)
    assert done.stdout.strip() == f"{count} passed, 0 failed", done.stdout
    assert done.returncode == 0


def test_every_vector_file_in_the_data_folder_is_run() -> None:
    # A new file in tests/data/hpa runs only once it is listed here with its count; a file
    # left out would pass silently, checked by nothing.
    listed = {"extra_vectors.json"} | {name for name, _ in FURTHER_VECTOR_FILES}
    on_disk = {p.name for p in (Path(__file__).parent / "data" / "hpa").glob("*.json")}
    assert on_disk == listed


def test_a_wrong_expectation_prints_the_case_and_exits_1(
    shared_dir: Path, tmp_path: Path
) -> None:
    document = json.loads((shared_dir / "hpa" / "vectors.json").read_text())
    case = next(c for c in document["cases"] if c["name"] == "hz/scale-up")
    # The Go test expects 5 replicas (50 % over a 30 % target on 3 pods); claim 6 instead.
    expected = {**case["expected"], "desired_replicas": 6}
    case = {**case, "name": "broken/scale-up", "expected": expected}
    document["cases"] = [case]
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(document))

    done = _run(wrong)

    lines = done.stdout.splitlines()
    assert lines[0].startswith("FAIL broken/scale-up: expected ")
    assert '"desired_replicas": 6' in lines[0]
    assert 'got {"desired_replicas": 5' in lines[0]
    assert lines[-1] == "0 passed, 1 failed"
    assert done.returncode == 1


def test_several_files_are_counted_together(shared_dir: Path) -> None:
    vectors = shared_dir / "hpa" / "vectors.json"
    done = _run(vectors, vectors)
    assert done.stdout.strip() == f"{2 * _case_count(vectors)} passed, 0 failed"  # 2 x 126
    assert done.returncode == 0


@pytest.mark.parametrize("content", ["{not json", None, "[]", '{"cases": [1]}', "\udcff"])
def test_an_unreadable_file_is_a_usage_error(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "vectors.json"
    if content is not None:
        path.write_bytes(content.encode("utf-8", "surrogateescape"))  # "\udcff": a 0xff byte
    done = _run(path)
    assert done.returncode == 2
    assert f"cannot read vectors from {path}" in done.stderr


# --- how the runner reads variants of the schema (each expectation worked out by hand) -------

GO_ZERO = 1e11
RC_CONTROLLER = {"tolerance": 0.1, "cpu_initialization_period_s": 120,
                 "initial_readiness_delay_s": 10}


def _pod(i: int, **requests: int) -> dict:
    return {"name": f"p{i}", "phase": "Running", "ready": True, "start_age_s": GO_ZERO,
            "ready_transition_age_s": GO_ZERO, "deleting": False, "requests_milli": requests}


def _sample(value: int) -> dict:
    return {"value_milli": value, "age_s": GO_ZERO, "window_s": 60}


def _passes(kind: str, inputs: dict, expected: dict) -> tuple[bool, dict, dict]:
    return run_case({"name": "t", "kind": kind, "inputs": inputs, "expected": expected})


def _scale_up_inputs() -> dict:
    # 3 pods requesting 2000m each, using 600m + 1000m + 1400m: 3000 * 100 / 6000 = 50 %;
    # 50 / 30 = 1.67 -> ceil(1.67 * 3) = 5; the raw per-pod average is 3000 / 3 = 1000m.
    return {"function": "GetResourceReplicas", "controller": RC_CONTROLLER, "resource": "cpu",
            "current_replicas": 3, "target_utilization": 30,
            "pods": [_pod(i, cpu=2000) for i in range(3)],
            "resource_metrics": {f"p{i}": _sample(v) for i, v in enumerate((600, 1000, 1400))}}


def test_resource_utilization_also_reports_usage_milli() -> None:
    ok, _, got = _passes("replica_calc", _scale_up_inputs(),
                         {"replicas": 5, "utilization": 50, "usage_milli": 1000})
    assert ok, got


@pytest.mark.parametrize(
    ("expected_error", "passes"), [("no metrics returned", True), (False, False)]
)
def test_an_expected_error_message_means_an_error_was_returned(
    expected_error: object, passes: bool
) -> None:
    inputs = {**_scale_up_inputs(), "resource_metrics": {}}  # Go: no metrics -> error
    assert _passes("replica_calc", inputs, {"error": expected_error})[0] is passes


def test_an_average_value_target_on_get_resource_replicas_takes_the_raw_path() -> None:
    # Memory with an AverageValue target of 250: mean (300 + 500 + 700) / 3 = 500, ratio 2,
    # ceil(2 * 3) = 6; no readiness rules for memory.
    inputs = {"function": "GetResourceReplicas", "controller": RC_CONTROLLER, "resource": "memory",
              "current_replicas": 3, "target_average_value_milli": 250,
              "pods": [_pod(i, memory=1000) for i in range(3)],
              "resource_metrics": {f"p{i}": _sample(v) for i, v in enumerate((300, 500, 700))}}
    ok, _, got = _passes("replica_calc", inputs, {"replicas": 6, "usage_milli": 500})
    assert ok, got


def test_a_per_pod_function_reads_current_replicas_when_status_is_absent() -> None:
    # TestReplicaCalcScaleUpPerPodCMExternal: 8600 / (2150 * 3) = 1.33 -> ceil(8600/2150) = 4;
    # reported ceil(8600 / 3) = 2867.
    inputs = {"function": "GetExternalPerPodMetricReplicas", "controller": RC_CONTROLLER,
              "current_replicas": 3, "target_average_value_milli": 2150,
              "external_metric_values_milli": 8600}
    ok, _, got = _passes("replica_calc", inputs, {"replicas": 4, "usage_milli": 2867})
    assert ok, got


def test_a_null_object_value_is_a_failed_read() -> None:
    inputs = {"function": "GetObjectMetricReplicas", "controller": RC_CONTROLLER,
              "current_replicas": 3, "target_value_milli": 1000, "pods": [],
              "object_metric_value_milli": None}
    assert _passes("replica_calc", inputs, {"error": True})[0]


def _hz(metrics: list, spec: int, **extra: object) -> dict:
    inputs = {"controller": {"legacy_scale_up_limit_factor": 2.0},
              "hpa": {"min_replicas": 1, "max_replicas": 5, "metrics": metrics, "behavior": None},
              "scale": {"spec_replicas": spec}, "recommendations": [],
              "pods": [_pod(i, cpu=1000) for i in range(spec)]}
    inputs.update(extra)
    return inputs


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # Above max: snaps to 5 without reading the metric.
        (7, {"desired_replicas": 5, "scale_updated": True, "error": False}),
        # In range: Go fails a Resource metric with no target (FailedGetResourceMetric).
        (3, {"desired_replicas": 3, "scale_updated": False, "error": True,
             "scaling_active_reason": "FailedGetResourceMetric"}),
    ],
)
def test_a_resource_metric_without_target_is_the_go_harness_default(
    spec: int, expected: dict
) -> None:
    inputs = _hz([{"type": "Resource", "resource": "cpu"}], spec,
                 resource_metrics={f"p{i}": _sample(500) for i in range(spec)})
    ok, _, got = _passes("reconcile", inputs, expected)
    assert ok, got


def test_fetch_error_fails_only_its_metric_when_another_has_the_same_name() -> None:
    # Served: 3000 / 2000 = 1.5 -> ceil(1.5 * 3 ready pods) = 5. The second "qps" metric fails,
    # which does not veto a scale-up: 5 (under max(2 * 3, 4) = 6 and max 5) plus the error.
    # Reading the served 3000 for it too would propose ceil(3 * 3) = 9 and no error.
    metrics = [{"type": "External", "metric": "qps",
                "target": {"type": "Value", "value_milli": 2000}},
               {"type": "External", "metric": {"name": "qps"}, "fetch_error": True,
                "target": {"type": "Value", "value_milli": 1000}}]
    inputs = _hz(metrics, 3, external_metric_values_milli=[3000])
    ok, _, got = _passes("reconcile", inputs,
                         {"desired_replicas": 5, "error": True, "scale_updated": True})
    assert ok, got


def test_null_resource_metrics_is_a_failed_read() -> None:
    inputs = _hz([{"type": "Resource", "resource": "cpu",
                   "target": {"type": "Utilization", "average_utilization": 50}}], 3,
                 resource_metrics=None)
    ok, _, got = _passes("reconcile", inputs, {
        "error": True, "desired_replicas": 3,
        "conditions": [{"type": "AbleToScale", "status": True, "reason": "SucceededGetScale"},
                       {"type": "ScalingActive", "status": False,
                        "reason": "FailedGetResourceMetric"}]})
    assert ok, got


def test_a_null_min_replicas_is_one() -> None:
    # Zero CPU on 3 pods proposes 0; the legacy clamp raises it to minReplicas 1.
    inputs = _hz([{"type": "Resource", "resource": "cpu",
                   "target": {"type": "Utilization", "average_utilization": 50}}], 3,
                 resource_metrics={f"p{i}": _sample(0) for i in range(3)})
    inputs["hpa"]["min_replicas"] = None
    ok, _, got = _passes("reconcile", inputs, {"desired_replicas": 1,
                                               "scaling_limited_reason": "TooFewReplicas"})
    assert ok, got


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        # default scale-down Percent 100 / 15 s: int(10 * 0) = 0; minReplicas 1 < 0 is false ->
        # TooFewReplicas, and desired 0 < 1 -> 1
        ("rate_limit_behavior", {}, {"replicas": 1, "condition_reason": "TooFewReplicas"}),
        # legacy clamp: 0 < minReplicas 1 -> 1, TooFewReplicas
        ("clamp_legacy", {}, {"replicas": 1, "condition_reason": "TooFewReplicas"}),
    ],
)
def test_a_null_min_replicas_of_a_rule_case_is_one(kind: str, extra: dict, expected: dict) -> None:
    inputs = {"current_replicas": 10, "prenormalized_desired_replicas": 0, "min_replicas": None,
              "max_replicas": 1000, **extra}
    ok, _, got = _passes(kind, inputs, expected)
    assert ok, got


def test_null_windows_factors_and_changes_take_their_absent_values() -> None:
    # Both stabilization windows null = 0: cutoffs at now; the recommendation 10 s old is before
    # both, so it is replaced, and current 5 goes straight to the proposal 2.
    stab = {"current_replicas": 5, "prenormalized_desired_replicas": 2,
            "scale_up_stabilization_window_s": None, "scale_down_stabilization_window_s": None,
            "recommendations": [{"replicas": 5, "age_s": 10.0}]}
    assert _passes("stabilize_behavior", stab,
                   {"stabilized_replicas": 2, "recommendations_after": [2]})[0]
    # a null legacy window is the Go tests' 300 s: a 200 s old 9 still holds a proposal of 3
    legacy = {"prenormalized_desired_replicas": 3, "downscale_stabilization_s": None,
              "recommendations": [{"replicas": 9, "age_s": 200.0}]}
    assert _passes("stabilize_legacy", legacy, {"stabilized_replicas": 9})[0]
    # null factor / minimum are the Go tests' 8 and 4: int(max(8 * 2, 4)) = 16 < max 20
    clamp = {"current_replicas": 2, "prenormalized_desired_replicas": 19, "min_replicas": 1,
             "max_replicas": 20, "legacy_scale_up_limit_factor": None,
             "legacy_scale_up_limit_minimum": None}
    assert _passes("clamp_legacy", clamp, {"replicas": 16, "condition_reason": "ScaleUpLimit"})[0]
    # a null replica_change is the schema's +5/-5
    event = {"rules": None, "previous_events": [], "replica_change": None}
    assert _passes("store_scale_event", event, {"replicas_change_last_60s_before": 0,
                                                "events_after": []})[0]


def test_a_null_sample_is_a_missing_metric() -> None:
    # p2's sample is null, so p2 is missing: ready p0, p1 use 1600 of 4000m = 40 %, ratio
    # 40/30 = 1.33 > 1 -> p2 counted as 0: 1600 * 100 / 6000 = 26 %, ratio 0.87 < 1 flips the
    # direction -> keep 3 (utilization reported 40 %)
    inputs = _scale_up_inputs()
    inputs["resource_metrics"]["p2"] = None
    assert _passes("replica_calc", inputs, {"replicas": 3, "utilization": 40})[0]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        # Go reads a Resource target's averageUtilization whatever its type says:
        # 1500 * 100 / 3000 = 50 % of a 30 % target -> ceil(1.67 * 3) = 5
        ({"type": "AverageValue", "average_utilization": 30},
         {"desired_replicas": 5, "error": False}),
        # an Object target of type Value without a value fails that metric
        # ("invalid object metric source"): the only metric, so no scaling
        ({"type": "Value", "average_value_milli": 500, "object": True},
         {"desired_replicas": 3, "error": True, "scaling_active_reason": "FailedGetObjectMetric"}),
    ],
)
def test_targets_are_read_as_the_controller_dispatches_on_them(target: dict, expected: dict,
                                                             ) -> None:
    if target.pop("object", False):
        metric = {"type": "Object", "metric": "qps", "target": target,
                  "described_object": {"kind": "Service", "name": "web"}}
    else:
        metric = {"type": "Resource", "resource": "cpu", "target": target}
    inputs = _hz([metric], 3, resource_metrics={f"p{i}": _sample(500) for i in range(3)},
                 object_metric_value_milli=1000)
    ok, _, got = _passes("reconcile", inputs, expected)
    assert ok, got


def test_an_empty_policy_list_takes_the_default_policies() -> None:
    # generateScalingRules with no policy leaves Policies nil: defaults max(10 + 4, 10 * 2) = 20.
    inputs = {"current_replicas": 10, "prenormalized_desired_replicas": 50, "min_replicas": 1,
              "max_replicas": 1000, "scale_up_rules": {"stabilization_window_s": 0,
                                                       "select_policy": "Max", "policies": []}}
    ok, _, got = _passes("rate_limit_behavior", inputs,
                         {"replicas": 20, "condition_reason": "ScaleUpLimit"})
    assert ok, got


def test_a_null_sample_window_is_go_zero_duration() -> None:
    # PodMetric{Value: 1} has no window. Started 60 s ago (inside the 120 s initialization),
    # ready since 30 s ago: the sample (now) is not before -30 + 0 -> the pod counts as ready.
    inputs = {"controller": {"cpu_initialization_period_s": 120, "initial_readiness_delay_s": 10},
              "resource": "cpu",
              "pods": [{"name": "a", "phase": "Running", "ready": True, "start_age_s": 60.0,
                        "ready_transition_age_s": 30.0, "deleting": False}],
              "metrics": {"a": {"value_milli": 1, "age_s": 0.0, "window_s": None}}}
    ok, _, got = _passes("group_pods", inputs, {"ready_count": 1, "unready": []})
    assert ok, got


def test_per_container_data_alone_gives_the_pod_totals() -> None:
    # Pods described only per container (500m + 500m requested) with only per-container usage
    # (150m + 250m = 400m): 3 pods at 400/1000 = 40 % over a 20 % target -> ceil(2 * 3) = 6.
    pods = [{"name": f"p{i}", "phase": "Running", "ready": True, "start_age_s": GO_ZERO,
             "ready_transition_age_s": GO_ZERO, "deleting": False,
             "containers": {"c1": {"cpu": 500}, "c2": {"cpu": 500}}} for i in range(3)]
    usage = {f"p{i}": {"age_s": GO_ZERO, "window_s": 60, "containers": {"c1": 150, "c2": 250}}
             for i in range(3)}
    inputs = {"function": "GetResourceReplicas", "controller": RC_CONTROLLER, "resource": "cpu",
              "current_replicas": 3, "target_utilization": 20, "pods": pods,
              "resource_metrics": usage}
    ok, _, got = _passes("replica_calc", inputs,
                         {"replicas": 6, "utilization": 40, "raw_average_value_milli": 400})
    assert ok, got


def test_a_pod_reporting_no_container_has_no_metric() -> None:
    # Go's getPodMetrics (metrics/client.go) drops a pod whose PodMetrics lists no container
    # (client_test.go TestRESTClientPodCPUEmptyMetricsForOnePod), so p2 is missing, not at 0 %.
    # p0 100m and p1 300m + 400m = 700m, of 1000m each: (100 + 700) * 100 / 2000 = 40 %, raw
    # average (100 + 700) / 2 = 400. Read as a 0 sample, p2 would make it 800 * 100 / 3000 =
    # 26 % and 800 / 3 = 266.
    pods = [_pod(i, cpu=1000) for i in range(3)]
    usage = {"p0": {"age_s": GO_ZERO, "window_s": 30, "containers": {"c1": 100}},
             "p1": {"age_s": GO_ZERO, "window_s": 30, "containers": {"c1": 300, "c2": 400}},
             "p2": {"age_s": GO_ZERO, "window_s": 30, "containers": {}}}
    inputs = {"function": "GetResourceReplicas", "controller": RC_CONTROLLER, "resource": "cpu",
              "current_replicas": 3, "target_utilization": 100, "pods": pods,
              "resource_metrics": usage}
    ok, _, got = _passes("replica_calc", inputs,
                         {"utilization": 40, "raw_average_value_milli": 400})
    assert ok, got
    # The same pod has no metric for a container either: a ContainerResource metric of c1 counts
    # p0 100m and p1 300m of 500m each, (100 + 300) * 100 / 1000 = 40 %, raw (100 + 300) / 2 = 200.
    for pod in pods:
        pod["containers"] = {"c1": {"cpu": 500}, "c2": {"cpu": 500}}
    ok, _, got = _passes("replica_calc", {**inputs, "container": "c1"},
                         {"utilization": 40, "raw_average_value_milli": 200})
    assert ok, got


def test_absent_controller_settings_are_the_go_tests_settings() -> None:
    # TestGroupPods "unready pod that has never been ready after initialization period": started
    # 600 s ago, turned unready 590 s ago. With the tests' 10 s readiness delay, -600 + 10 is not
    # after -590, so the pod counts (Go expects 1 ready pod); production's 30 s would unready it.
    inputs = {"resource": "cpu",
              "pods": [{"name": "lucretius", "phase": "Running", "ready": False,
                        "start_age_s": 600.0, "ready_transition_age_s": 590.0, "deleting": False}],
              "resource_metrics": {"lucretius": {"value_milli": 1, "age_s": GO_ZERO,
                                                 "window_s": None}}}
    ok, _, got = _passes("group_pods", inputs, {"ready_count": 1, "unready": []})
    assert ok, got
    # legacy clamp from 3 replicas: horizontal_test.go's factor 8 allows max(8 * 3, 4) = 24.
    clamp = {"current_replicas": 3, "prenormalized_desired_replicas": 1000, "min_replicas": 1,
             "max_replicas": 2000}
    assert _passes("clamp_legacy", clamp, {"replicas": 24, "condition_reason": "ScaleUpLimit"})[0]


def test_utilization_is_the_resource_cpu_status_as_in_find_cpu_utilization() -> None:
    # A ContainerResource cpu metric (container c1: 300m of 500m = 60 %) comes first, then a
    # Resource cpu metric (300m + 100m of 1000m = 40 %): Go's findCpuUtilization reads only the
    # Resource one, 40 %.
    pods = [{"name": "p0", "phase": "Running", "ready": True, "start_age_s": GO_ZERO,
             "ready_transition_age_s": GO_ZERO, "deleting": False,
             "containers": {"c1": {"cpu": 500}, "c2": {"cpu": 500}}}]
    usage = {"p0": {"age_s": 0.0, "window_s": 60, "containers": {"c1": 300, "c2": 100}}}
    target = {"type": "Utilization", "average_utilization": 40}
    metrics = [
        {"type": "ContainerResource", "resource": "cpu", "container": "c1", "target": target},
        {"type": "Resource", "resource": "cpu", "target": target},
    ]
    inputs = _hz(metrics, 1, pods=pods, resource_metrics=usage)
    ok, _, got = _passes("reconcile", inputs, {"utilization": 40})
    assert ok, got


# --- malformed vectors are schema problems (SPEC.md section 0), not failed cases --------------

def _mutated(shared_dir: Path, tmp_path: Path, kind: str, change) -> Path:
    document = json.loads((shared_dir / "hpa" / "vectors.json").read_text())
    case = next(c for c in document["cases"] if c["kind"] == kind)
    case = {**case, "name": "x", "inputs": json.loads(json.dumps(case["inputs"]))}
    change(case)
    document["cases"] = [case]
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(document))
    return path


def _drop(key: str):
    return lambda case: case["inputs"].pop(key)


def _set_first_pod(**values: object):
    return lambda case: case["inputs"]["pods"][0].update(values)


@pytest.mark.parametrize(
    ("kind", "change", "message"),
    [
        ("replica_calc", _drop("pods"), r"case 'x': inputs\.pods missing$"),
        ("reconcile", _drop("hpa"), r"case 'x': inputs\.hpa missing$"),
        ("reconcile", lambda c: c["inputs"]["scale"].pop("spec_replicas"),
         r"case 'x': inputs\.scale\.spec_replicas missing$"),
        ("replica_calc", lambda c: c["inputs"].update(current_replicas="3"),
         r"case 'x': inputs\.current_replicas = '3' is not an integer \(write it without quotes"),
        ("replica_calc", lambda c: c["inputs"]["pods"][0]["requests_milli"].update(cpu=-5),
         r"case 'x': inputs\.pods\[0\]\.requests_milli\.cpu = -5 is negative; it must be 0"),
        ("replica_calc", _set_first_pod(phase="Weird"),
         r"inputs\.pods\[0\]\.phase = 'Weird' is not one of Running, Pending, Failed, Succeeded"),
        ("replica_calc", _set_first_pod(ready="yes"),
         r"inputs\.pods\[0\]\.ready = 'yes' is not true, false or null"),
        ("replica_calc", lambda c: c["inputs"].update(function="GetNothing"),
         r"inputs\.function = 'GetNothing' is not one of GetResourceReplicas, "),
        ("rate_limit_behavior", _drop("max_replicas"), r"case 'x': inputs\.max_replicas missing$"),
        ("rate_limit_behavior",
         lambda c: c["inputs"]["scale_up_events"].append({"change": 2.5, "age_s": 1.0}),
         r"inputs\.scale_up_events\[\d+\]\.change = 2\.5 is not an integer"),
        ("reconcile", lambda c: c.pop("kind"),
         r"case 'x': kind missing \(one of replica_calc, reconcile, "),
        ("reconcile", lambda c: c.update(kind="reconcilee"),
         r"case 'x': kind = 'reconcilee' is not one of replica_calc, "),
    ],
)
def test_a_malformed_case_is_a_schema_problem(
    shared_dir: Path, tmp_path: Path, kind: str, change, message: str
) -> None:
    path = _mutated(shared_dir, tmp_path, kind, change)
    with pytest.raises(VectorFileError) as raised:
        read_vector_file(path)
    assert len(raised.value.problems) == 1, raised.value.problems
    with pytest.raises(VectorFileError, match=message):
        read_vector_file(path)


def test_two_cases_with_one_name_are_refused(shared_dir: Path, tmp_path: Path) -> None:
    document = json.loads((shared_dir / "hpa" / "vectors.json").read_text())
    document["cases"] = [document["cases"][0], document["cases"][1], document["cases"][0]]
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(document))
    name = document["cases"][0]["name"]
    with pytest.raises(VectorFileError, match=(
        rf"case '{name}': the name is used again by case 3 \(first: case 1\); SPEC\.md section "
        r"0 says names are unique")):
        read_vector_file(path)


def test_a_malformed_file_exits_2_listing_every_problem_and_runs_nothing(
    shared_dir: Path, tmp_path: Path
) -> None:
    bad = _mutated(shared_dir, tmp_path, "reconcile", _drop("pods"))
    done = _run(shared_dir / "hpa" / "vectors.json", bad)
    assert done.returncode == 2
    assert done.stdout == ""  # no case ran, not even the good file's
    assert done.stderr.splitlines() == [
        f"error: {bad}: case 'x': inputs.pods missing",
        f"error: cannot read vectors from {bad}: 1 case problem(s) against the schema of SPEC.md "
        "section 0 (listed above); fix them and run again",
    ]


def test_the_schema_knows_every_kind_the_runner_runs() -> None:
    assert set(KINDS) == set(_RUNNERS)
