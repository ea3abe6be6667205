"""HPA specs: API validation with field paths, defaults from dicts, quantities, public API."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

import infra_toolkit.hpa as hpa_module
from infra_toolkit.errors import SpecError
from infra_toolkit.hpa import (
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    HPASpec,
    MetricTarget,
    generate_scale_down_rules,
    generate_scale_up_rules,
    hpa_from_dict,
)
from infra_toolkit.hpa_api_metrics import target_type_mismatches
from infra_toolkit.quantity import QuantityError, parse_quantity_milli, stored_quantity_float

SOURCE = "plans/x.yaml"


def manifest(**spec: Any) -> dict[str, Any]:
    body = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "maxReplicas": 10}
    body.update(spec)
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "web"}, "spec": body}


def object_metric() -> dict[str, Any]:
    return {"type": "Object", "object": {
        "describedObject": {"kind": "Ingress", "name": "web"},
        "metric": {"name": "rps"}, "target": {"type": "Value", "value": "100"}}}


SCALE_UP = "spec.behavior.scaleUp"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (manifest(minReplicas=5, maxReplicas=3),
         # validation.go reports it on maxReplicas: "must be greater than or equal to
         # `minReplicas`"
         ("spec.maxReplicas (=3) must be greater than or equal to spec.minReplicas (=5) in "
          "plans/x.yaml (fix: raise maxReplicas or lower minReplicas)")),
        (manifest(maxReplicas=0), "spec.maxReplicas (=0) must be greater than 0 in plans/x.yaml"),
        (manifest(behavior={"scaleUp": {"policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 3600}]}}),
         (f"{SCALE_UP}.policies[0].periodSeconds (=3600) must be between 1 and 1800 in "
         "plans/x.yaml (fix: use a period of at most 30 minutes)")),
        (manifest(behavior={"scaleDown": {"policies": [
            {"type": "Percent", "value": 10, "periodSeconds": 0}]}}),
         "spec.behavior.scaleDown.policies[0].periodSeconds (=0) must be between 1 and 1800"),
        (manifest(behavior={"scaleDown": {"stabilizationWindowSeconds": 3601}}),
         "spec.behavior.scaleDown.stabilizationWindowSeconds (=3601) must be between 0 and 3600"),
        (manifest(behavior={"scaleUp": {"policies": []}}),
         f"{SCALE_UP}.policies (=[]) must hold at least one policy in plans/x.yaml"),
        (manifest(behavior={"scaleUp": {"policies": [
            {"type": "Pods", "value": 0, "periodSeconds": 15}]}}),
         (f"{SCALE_UP}.policies[0].value (=0) must be greater than 0 in plans/x.yaml (fix: to "
         "forbid scaling in this direction use selectPolicy: Disabled)")),
        (manifest(behavior={"scaleUp": {"policies": [
            {"type": "Replicas", "value": 1, "periodSeconds": 15}]}}),
         f"{SCALE_UP}.policies[0].type (='Replicas') must be Pods or Percent"),
        (manifest(behavior={"scaleUp": {"selectPolicy": "Fastest"}}),
         f"{SCALE_UP}.selectPolicy (='Fastest') must be Max, Min or Disabled"),
        (manifest(behavior={"scaleUp": {"tolerance": "-0.1"}}),
         f"{SCALE_UP}.tolerance (=-0.1) must be greater than or equal to 0"),
        (manifest(metrics=[{"type": "CheddarCheese"}]),
         ("spec.metrics[0].type (='CheddarCheese') must be one of Resource, ContainerResource, "
         "Pods, Object, External in plans/x.yaml")),
        (manifest(metrics=[{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 0}}}]),
         "spec.metrics[0].resource.target.averageUtilization (=0) must be greater than 0"),
        (manifest(metrics=[{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Value", "value": "1"}}}]),
         # validation.go: Required on target.averageUtilization, "must set either a target raw
         # value or a target utilization" (a Resource metric's controller never reads value)
         ("spec.metrics[0].resource.target.averageUtilization is required: a Resource target "
          "needs averageUtilization or averageValue in plans/x.yaml (fix: set averageUtilization "
          "with type: Utilization or set averageValue with type: AverageValue)")),
        (manifest(metrics=[{"type": "Pods", "pods": {
            "metric": {"name": "qps"}, "target": {"type": "AverageValue"}}}]),
         "spec.metrics[0].pods.target.averageValue must be set when type is AverageValue"),
        (manifest(metrics=[{"type": "External", "external": {
            "metric": {"name": "q"}, "target": {"type": "Value", "value": "ten"}}}]),
         "spec.metrics[0].external.target.value (='ten') must be a quantity"),
        (manifest(minReplicas=0),
         # validation.go (validateMetrics): Forbidden on spec.metrics, "must specify at least
         # one Object or External metric to support scaling to zero replicas"
         ("spec.metrics must have an Object or External metric when spec.minReplicas is 0 "
          "(only such a metric can be read while no pod runs, to scale up from zero) in "
          "plans/x.yaml (fix: set minReplicas: 1, or add an Object/External metric")),
        (manifest(minReplica=2),
         "spec.minReplica is not a known field in plans/x.yaml (fix: did you mean 'minReplicas'?)"),
        (manifest(maxReplicas="3"), "spec.maxReplicas (='3') must be an integer"),
        # every integer of the API is an int32: the API server cannot even decode 2**31
        (manifest(maxReplicas=2**31),
         "spec.maxReplicas (=2147483648) must fit in 32 bits (at most 2147483647)"),
        # v2beta2 and v1 are read (tests/test_manifests_corpus.py); other versions are not
        ({**manifest(), "apiVersion": "autoscaling/v3"},
         "apiVersion (='autoscaling/v3') must be autoscaling/v2 (or autoscaling/v2beta2, "
         "autoscaling/v1) in plans/x.yaml (fix: fix the header: apiVersion: autoscaling/v2)"),
        ({**manifest(), "kind": "Deployment"},
         "kind (='Deployment') must be HorizontalPodAutoscaler"),
        ({k: v for k, v in manifest().items() if k != "spec"}, "spec is required in plans/x.yaml"),
        # The rest of validation.go that a hand-written manifest can trip over:
        # both target fields of a Resource / ContainerResource (Forbidden on averageValue) ...
        (manifest(metrics=[{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 60, "averageValue": "500m"}}}]),
         ("spec.metrics[0].resource.target.averageValue (='500m') may not be set together with "
          "averageUtilization in plans/x.yaml")),
        (manifest(metrics=[{"type": "ContainerResource", "containerResource": {
            "name": "cpu", "container": "app", "target": {
                "type": "AverageValue", "averageUtilization": 60, "averageValue": "1"}}}]),
         "spec.metrics[0].containerResource.target.averageValue (='1') may not be set together"),
        # ... and of an External metric (Forbidden on value)
        (manifest(metrics=[{"type": "External", "external": {"metric": {"name": "q"}, "target": {
            "type": "Value", "value": "10", "averageValue": "5"}}}]),
         "spec.metrics[0].external.target.value (='10') may not be set together with averageValue"),
        # a second source block beside the one the type names ("populate the given source only")
        (manifest(metrics=[{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
            "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue",
                                                           "averageValue": "1"}}}]),
         "spec.metrics[0].pods must not be set when type is Resource in plans/x.yaml"),
        # names used as API path segments (IsValidPathSegmentName): no '/', '%', '.' or '..'
        (manifest(scaleTargetRef={"kind": "Deployment", "name": "web/v2"}),
         "spec.scaleTargetRef.name (='web/v2') may not be '.' or '..' and may not contain '/'"),
        # an apiVersion that is no text (fuzz26 noted it passed as its str())
        (manifest(scaleTargetRef={"apiVersion": 1, "kind": "Deployment", "name": "web"}),
         "spec.scaleTargetRef.apiVersion (=1) must be a non-empty string in plans/x.yaml"),
        (manifest(metrics=[{"type": "Pods", "pods": {"metric": {"name": ".."}, "target": {
            "type": "AverageValue", "averageValue": "1"}}}]),
         "spec.metrics[0].pods.metric.name (='..') may not be '.' or '..'"),
        (manifest(metrics=[{"type": "ContainerResource", "containerResource": {
            "name": "cpu", "container": "App_1", "target": {
                "type": "Utilization", "averageUtilization": 60}}}]),
         "spec.metrics[0].containerResource.container (='App_1') must be a DNS-1123 label"),
        # metadata.name is required and a DNS-1123 subdomain (ValidateObjectMeta)
        ({**manifest(), "metadata": {"namespace": "shop"}},
         "metadata.name is required in plans/x.yaml"),
        ({**manifest(), "metadata": {"name": "Web_App"}},
         "metadata.name (='Web_App') must be a lowercase RFC 1123 subdomain"),
        # negative values
        (manifest(minReplicas=-1), "spec.minReplicas (=-1) must be 0 or more in plans/x.yaml"),
        # shown as written: "-1", not its milli-units (-1000), which the user never wrote
        (manifest(metrics=[{"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {
            "type": "AverageValue", "averageValue": "-1"}}}]),
         "spec.metrics[0].pods.target.averageValue (='-1') must be greater than 0"),
        (manifest(behavior={"scaleDown": {"stabilizationWindowSeconds": -1}}),
         "spec.behavior.scaleDown.stabilizationWindowSeconds (=-1) must be between 0 and 3600"),
        # a utilization target on a metric that has no request to take a percent of;
        # validation.go: Required on pods.target.averageValue ("must specify a positive target
        # averageValue"), the only field the controller reads for a Pods metric
        (manifest(metrics=[{"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {
            "type": "Utilization", "averageUtilization": 50}}}]),
         ("spec.metrics[0].pods.target.averageValue is required: a Pods target needs "
          "averageValue in plans/x.yaml (fix: set averageValue with type: AverageValue)")),
        (manifest(metrics=[{"type": "Resource", "resource": {"name": "cpu"}}]),
         "spec.metrics[0].resource.target is required in plans/x.yaml (fix: add a target)"),
    ],
)
def test_invalid_manifests_are_rejected_with_the_field_path(doc: dict, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        hpa_from_dict(doc, SOURCE)


def test_every_independent_problem_is_named_at_once_one_line_each() -> None:
    # as the API server lists every invalid field: each metric, each scaling direction and each
    # policy is checked even when another one is wrong
    doc = manifest(
        minReplicas=0, maxReplicas="ten",
        metrics=[{"type": "Resource", "resource": {
                     "name": "cpu", "target": {"type": "Utilization", "averageUtilization": -70}}},
                 {"type": "Pods", "pods": {"metric": {"name": "qps"},
                                           "target": {"type": "AverageValue"}}}],
        behavior={"scaleUp": {"policies": [{"type": "Pods", "value": 0, "periodSeconds": 15},
                                           {"type": "Percent", "value": 100,
                                            "periodSeconds": 2000}]},
                  "scaleDown": {"stabilizationWindowSeconds": 4000,
                                "policies": [{"type": "Percentage", "value": 50,
                                              "periodSeconds": 60}]}})
    with pytest.raises(SpecError) as exc:
        hpa_from_dict(doc, SOURCE)
    assert [line.split(" (")[0].split(" must")[0] for line in str(exc.value).splitlines()] == [
        "spec.maxReplicas",
        "spec.metrics[0].resource.target.averageUtilization",
        "spec.metrics[1].pods.target.averageValue",
        f"{SCALE_UP}.policies[0].value",
        f"{SCALE_UP}.policies[1].periodSeconds",
        "spec.behavior.scaleDown.stabilizationWindowSeconds",
        "spec.behavior.scaleDown.policies[0].type",
        "spec.metrics",
    ]
    assert str(exc.value).splitlines()[1] == (
        "spec.metrics[0].resource.target.averageUtilization (=-70) must be greater than 0 in "
        "plans/x.yaml")


def test_missing_max_replicas() -> None:
    doc = manifest()
    del doc["spec"]["maxReplicas"]
    with pytest.raises(SpecError, match=re.escape("spec.maxReplicas is required in plans/x.yaml")):
        hpa_from_dict(doc, SOURCE)


def test_what_the_api_server_accepts_is_accepted() -> None:
    # validation.go does not compare metrics with each other (two cpu targets are valid; the
    # controller takes the max of their proposals), and a generateName stands in for the name.
    two_cpu = [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": u}}} for u in (60, 70)]
    assert len(hpa_from_dict(manifest(metrics=two_cpu)).metrics) == 2
    generated = {**manifest(), "metadata": {"generateName": "web-"}}
    assert hpa_from_dict(generated).name == ""


def test_min_replicas_zero_needs_the_gate_and_an_object_or_external_metric() -> None:
    doc = manifest(minReplicas=0, metrics=[object_metric()])
    assert hpa_from_dict(doc, SOURCE).min_replicas == 0
    # gate off: validation.go's lower bound for minReplicas is 1, reported on spec.minReplicas;
    # the Object metric satisfies validateMetrics, so that is the only problem
    with pytest.raises(SpecError) as err:
        hpa_from_dict(doc, SOURCE, gate_scale_to_zero=False)
    assert str(err.value) == (
        "spec.minReplicas (=0) must be greater than or equal to 1 while the HPAScaleToZero "
        "feature gate is off in plans/x.yaml (fix: set minReplicas: 1, or turn the gate on "
        "(with an Object or External metric))")
    # gate off and no Object/External metric: both checks fail, as in validation.go
    with pytest.raises(SpecError) as err:
        hpa_from_dict(manifest(minReplicas=0), SOURCE, gate_scale_to_zero=False)
    assert [line.split(" ")[0] for line in str(err.value).splitlines()] == [
        "spec.minReplicas", "spec.metrics"]


def test_min_replicas_zero_beside_an_invalid_external_metric_names_only_the_metric() -> None:
    # validation.go checks minReplicas 0 against the metrics' types (Object or External), so a
    # broken External metric is one problem, its own, not also one about minReplicas
    broken = {"type": "External", "external": {
        "metric": {"name": "q"}, "target": {"type": "Value", "value": "ten"}}}
    with pytest.raises(SpecError) as err:
        hpa_from_dict(manifest(minReplicas=0, metrics=[broken]), SOURCE)
    lines = str(err.value).splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "spec.metrics[0].external.target.value (='ten') must be a quantity in plans/x.yaml")


def test_the_input_dict_is_not_modified() -> None:
    doc = manifest(behavior={"scaleUp": {"selectPolicy": "Min"}})
    before = copy.deepcopy(doc)
    hpa_from_dict(doc)
    assert doc == before


def test_behavior_defaults_apply_only_when_behavior_is_present() -> None:
    assert hpa_from_dict(manifest()).behavior is None
    empty = hpa_from_dict(manifest(behavior={})).behavior
    assert empty == HPABehavior(
        HPAScalingRules(0, "Max", (HPAScalingPolicy("Pods", 4, 15),
                                   HPAScalingPolicy("Percent", 100, 15))),
        HPAScalingRules(None, "Max", (HPAScalingPolicy("Percent", 100, 15),)),
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: HPASpec(max_replicas=3, min_replicas=5),
         ("spec.maxReplicas (=3) must be greater than or equal to spec.minReplicas (=5) (fix: "
          "raise maxReplicas")),
        (lambda: HPAScalingPolicy("Pods", 1, 1801),
         "periodSeconds (=1801) must be between 1 and 1800"),
        (lambda: HPAScalingRules(stabilization_window_s=-1),
         "stabilizationWindowSeconds (=-1) must be between 0 and 3600"),
        (lambda: MetricTarget("Utilization"),
         "averageUtilization must be set when type is Utilization"),
    ],
)
def test_dataclasses_validate_on_construction(build, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        build()


@pytest.mark.parametrize(
    ("text", "milli"),
    [
        ("500m", 500),
        ("1", 1000),
        (2, 2000),
        (0.5, 500),
        ("1.5", 1500),
        ("10k", 10_000_000),
        ("1Ki", 1024_000),
        ("1Gi", 1024**3 * 1000),
        ("1e3", 1_000_000),
        ("1n", 1),  # MilliValue rounds up: 0.000001 milli -> 1
        ("100u", 1),  # 0.1 milli -> 1
        # "E" alone is the exa suffix, 10^18 (audit19 A19-1: it crashed as an empty exponent);
        # with digits after it, E or e is an exponent
        ("1E", 10**18 * 1000),
        ("2E3", 2_000_000),
        # "Ei" is exbi, 2^60 (audit21 A21-4: read as an exponent "i", a ValueError traceback)
        ("1Ei", 2**60 * 1000),
        ("8E", 8 * 10**18 * 1000),  # 8e18 < 2^63 - 1 = 9.22e18: still a quantity
    ],
)
def test_quantities_in_milli_units(text: object, milli: int) -> None:
    assert parse_quantity_milli(text) == milli


@pytest.mark.parametrize("text", ["1e400", "8Ei", "-1e19", 10**19])
def test_a_quantity_above_what_kubernetes_holds_is_refused(text: object) -> None:
    # 8Ei = 2^63 and 1e19 are above resource.Quantity's int64 limit 2^63 - 1; "1e400" as a
    # memory request overflowed a float deep in the arithmetic (audit21 A21-5)
    with pytest.raises(QuantityError, match=r"is above the largest quantity Kubernetes holds "
                                            r"\(2\^63 - 1 = 9\.223e\+18\); check the number"):
        parse_quantity_milli(text)


@pytest.mark.parametrize(
    ("given", "stored_mantissa", "power", "value"),
    [
        # The API server stores "0.7" canonically as "700m"; the controller's
        # AsApproximateFloat64 computes 700 * Pow10(-3) = 700 * (1/1000), one ulp above 0.7.
        ("0.7", 700, -3, 0.7000000000000001),
        (0.7, 700, -3, 0.7000000000000001),
        ("700m", 700, -3, 0.7000000000000001),
        ("0.57", 570, -3, 0.5700000000000001),
        ("0.1", 100, -3, 0.1),  # 100 * 0.001 is the double nearest 0.1
        ("0.0001", 100, -6, 9.999999999999999e-05),  # "100u": 100 * (1/1e6)
        ("1e-10", 1, -9, 1e-09),  # rounded up to a whole nano-unit: "1n"
        ("2", 2, 0, 2.0),
        ("0", 0, 0, 0.0),
    ],
)
def test_a_stored_quantity_reads_as_go_reads_it(
    given: object, stored_mantissa: int, power: int, value: float
) -> None:
    # the expected float is the product Go computes (mantissa x Pow10(power)), written out
    go_product = stored_mantissa * (1 / 10**-power) if power < 0 else float(stored_mantissa)
    assert go_product == value
    assert stored_quantity_float(given) == value


def test_a_manifest_tolerance_is_the_float_the_controller_reads() -> None:
    # 0.7 is stored as "700m" and read as 700 * (1/1000) = 0.7000000000000001, so a CPU ratio of
    # exactly 0.3 (30 % of a 100 % target) is within the scale-down tolerance:
    # 1 - 0.7000000000000001 = 0.29999999999999993 <= 0.3 (with 0.7 it would be
    # 0.30000000000000004 > 0.3, a scale-down the real controller does not make)
    spec = hpa_from_dict(manifest(behavior={"scaleDown": {"tolerance": 0.7}}))
    assert spec.behavior is not None and spec.behavior.scale_down is not None
    tolerance = spec.behavior.scale_down.tolerance
    assert tolerance == 0.7000000000000001
    assert hpa_module.Tolerances(tolerance, 0.1).is_within(30 / 100)


@pytest.mark.parametrize(("text", "message"), [
    ("ten", r"^'ten' is not a quantity: write a number with an optional suffix"),
    ("1Zi", r"^'1Zi' has the unknown suffix 'Zi': use one of n, u, m, k, M, G, T, P, E, Ki, "),
    # resource.ParseQuantity takes no blank around the value (audit19 A19-17: stripped)
    (" 100m", r"^' 100m' is not a quantity: write a number with an optional suffix"),
    ("1Gi ", r"^'1Gi ' is not a quantity: write a number with an optional suffix"),
    # a lone lowercase "e" is no suffix of resource.Quantity (audit19 A19-1: a ValueError)
    ("1e", r"^'1e' has the unknown suffix 'e': use one of n, u, m, k, M, G, T, P, E, Ki, "),
    ("", r"^'' is not a quantity: write a number"),
    (True, r"^True is not a quantity: use a number or a string like '500m'$"),
    (None, r"^None is not a quantity: use a number or a string like '500m'$"),
])
def test_bad_quantities(text: object, message: str) -> None:
    with pytest.raises(QuantityError, match=message):
        parse_quantity_milli(text)


def test_public_api_of_hpa_module_exists() -> None:
    missing = [name for name in hpa_module.__all__ if not hasattr(hpa_module, name)]
    assert missing == []
    assert {"reconcile", "hpa_from_dict", "HPASpec", "HPAState", "ReconcileResult"} <= set(
        hpa_module.__all__
    )


# kubernetes/kubernetes pkg/apis/autoscaling/v2/defaults_test.go (commit 0a74a85e),
# TestGenerateScaleUpRules / TestGenerateScaleDownRules: the Go test builds the rules from
# (pods, podsPeriod, percent, percentPeriod, window, selectPolicy), adding a Pods (Percent)
# policy only when its value or period is non-zero, and expects these generated rules.
_GO_UP_CASES = [
    # annotation, (pods, pods_period, percent, percent_period, window, select), expected
    ("Default values", (0, 0, 0, 0, None, None),
     ((("Pods", 4, 15), ("Percent", 100, 15)), 0, "Max")),
    ("All parameters are specified", (1, 2, 3, 4, 25, "Max"),
     ((("Pods", 1, 2), ("Percent", 3, 4)), 25, "Max")),
    ("Pod policy is specified", (1, 2, 0, 0, None, "Min"), ((("Pods", 1, 2),), 0, "Min")),
    ("Percent policy is specified", (0, 0, 7, 10, None, None), ((("Percent", 7, 10),), 0, "Max")),
    ("Pod policy and stabilization window are specified", (4, 2, 0, 0, 25, None),
     ((("Pods", 4, 2),), 25, "Max")),
    ("Percent policy and stabilization window are specified", (0, 0, 7, 60, 25, None),
     ((("Percent", 7, 60),), 25, "Max")),
]
_GO_DOWN_CASES = [
    # The scale-down window stays unset (None): the controller substitutes its flag later.
    ("Default values", (0, 0, 0, 0, None, None), ((("Percent", 100, 15),), None, "Max")),
    ("All parameters are specified", (1, 2, 3, 4, 25, "Max"),
     ((("Pods", 1, 2), ("Percent", 3, 4)), 25, "Max")),
    ("Percent policy is specified", (0, 0, 1, 2, None, "Min"), ((("Percent", 1, 2),), None, "Min")),
    ("Pods policy is specified", (3, 4, 0, 0, None, None), ((("Pods", 3, 4),), None, "Max")),
]


def _go_test_rules(pods: int, pods_period: int, percent: int, percent_period: int,
                   window: int | None, select: str | None) -> HPAScalingRules:
    policies = []
    if pods or pods_period:
        policies.append(HPAScalingPolicy("Pods", pods, pods_period))
    if percent or percent_period:
        policies.append(HPAScalingPolicy("Percent", percent, percent_period))
    return HPAScalingRules(window, select, tuple(policies) if policies else None)


@pytest.mark.parametrize(
    ("generate", "given", "expected"),
    [pytest.param(generate_scale_up_rules, g, e, id=f"up: {name}") for name, g, e in _GO_UP_CASES]
    + [pytest.param(generate_scale_down_rules, g, e, id=f"down: {name}")
       for name, g, e in _GO_DOWN_CASES],
)
def test_generated_rules_match_the_go_defaulting_tests(generate, given, expected) -> None:
    policies, window_s, select = expected
    got = generate(_go_test_rules(*given))
    assert [(p.type, p.value, p.period_s) for p in got.policies] == list(policies)
    assert got.stabilization_window_s == window_s
    assert got.select_policy == select


# audit11 A11-6: validation.go's validateMetricTarget checks only that type is one of
# Utilization/Value/AverageValue and that the values set are positive; the per-source checks ask
# for fields, never tie them to type. The controller (horizontal.go computeStatusFor*Metric)
# dispatches Resource, ContainerResource and External targets on the field set (averageValue
# first), always reads a Pods target's averageValue, and only for Object goes by type.
def _res(target: dict) -> dict:
    return {"type": "Resource", "resource": {"name": "cpu", "target": target}}


def _pods(target: dict) -> dict:
    return {"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": target}}


def _object(target: dict) -> dict:
    return {"type": "Object", "object": {"describedObject": {"kind": "Ingress", "name": "web"},
                                         "metric": {"name": "rps"}, "target": target}}


def _external(target: dict) -> dict:
    return {"type": "External", "external": {"metric": {"name": "q"}, "target": target}}


@pytest.mark.parametrize(("metric", "read_as", "mismatch"), [
    # API accepts (averageUtilization set); controller: AverageValue nil, AverageUtilization set
    # -> GetResourceReplicas on 50 % of the request
    (_res({"type": "Value", "averageUtilization": 50}),
     MetricTarget("Utilization", average_utilization=50),
     ("spec.metrics[0].resource.target", "Value", "Utilization", "averageUtilization")),
    # controller: AverageValue set -> GetRawResourceReplicas on 250m per pod
    (_res({"type": "Utilization", "averageValue": "250m"}),
     MetricTarget("AverageValue", average_value_milli=250),
     ("spec.metrics[0].resource.target", "Utilization", "AverageValue", "averageValue")),
    (_res({"type": "AverageValue", "averageUtilization": 30}),
     MetricTarget("Utilization", average_utilization=30),
     ("spec.metrics[0].resource.target", "AverageValue", "Utilization", "averageUtilization")),
    # ContainerResource: dispatched as Resource (computeStatusForContainerResourceMetric)
    ({"type": "ContainerResource", "containerResource": {
        "name": "cpu", "container": "app", "target": {"type": "Value", "averageUtilization": 60}}},
     MetricTarget("Utilization", average_utilization=60),
     ("spec.metrics[0].containerResource.target", "Value", "Utilization", "averageUtilization")),
    # Pods: API requires averageValue only; controller always calls GetMetricReplicas with
    # Target.AverageValue.MilliValue() = 5000
    (_pods({"type": "Value", "averageValue": "5"}), MetricTarget("AverageValue",
                                                                average_value_milli=5000),
     ("spec.metrics[0].pods.target", "Value", "AverageValue", "averageValue")),
    # External: API requires exactly one of value/averageValue; controller: AverageValue != nil
    # -> per-pod, else Value != nil -> total
    (_external({"type": "Value", "averageValue": "30"}),
     MetricTarget("AverageValue", average_value_milli=30000),
     ("spec.metrics[0].external.target", "Value", "AverageValue", "averageValue")),
    (_external({"type": "AverageValue", "value": "100"}),
     MetricTarget("Value", value_milli=100000),
     ("spec.metrics[0].external.target", "AverageValue", "Value", "value")),
    # Object goes by type, so a matching one is no mismatch
    (_object({"type": "Value", "value": "100"}), MetricTarget("Value", value_milli=100000), None),
])
def test_a_target_type_that_does_not_match_the_field_is_read_as_the_controller_reads_it(
        metric: dict, read_as: MetricTarget, mismatch: tuple | None) -> None:
    doc = manifest(metrics=[metric], minReplicas=1)
    spec = hpa_from_dict(doc, SOURCE)
    source = spec.metrics[0]
    got = (source.resource or source.container_resource or source.pods or source.object
           or source.external)
    assert got is not None and got.target == read_as
    assert target_type_mismatches(doc) == ([mismatch] if mismatch else [])


@pytest.mark.parametrize(("metric", "message"), [
    # API accepts (averageValue set: "must set either a target value or averageValue" passes),
    # but the controller's Object dispatch needs type Value with value or type AverageValue with
    # averageValue; else "invalid object metric source", FailedGetObjectMetric every sync: the
    # HPA never scales on it, so the planner refuses it rather than simulate a dead metric
    (_object({"type": "Value", "averageValue": "5"}),
     "spec.metrics[0].object.target.type (='Value') must name the field that is set "
     "(AverageValue: averageValue): the API server accepts this Object target, but the "
     "controller fails the metric on every sync (FailedGetObjectMetric) and the HPA does not "
     "scale on it in plans/x.yaml (fix: set type: AverageValue)"),
    (_object({"type": "Utilization", "value": "5"}),
     "spec.metrics[0].object.target.type (='Utilization') must name the field that is set "
     "(Value: value)"),
    # API rejects: validateObjectSource, Required on target.averageValue
    (_object({"type": "Utilization", "averageUtilization": 5}),
     "spec.metrics[0].object.target.averageValue is required: an Object target needs "
     "averageValue or value in plans/x.yaml (fix: set averageValue with type: AverageValue or "
     "set value with type: Value)"),
    # API rejects: validatePodsSource, Required on target.averageValue
    (_pods({"type": "Value", "value": "5"}),
     "spec.metrics[0].pods.target.averageValue is required: a Pods target needs averageValue"),
    # API rejects: validateExternalSource, Required on target.averageValue
    (_external({"type": "Utilization", "averageUtilization": 5}),
     "spec.metrics[0].external.target.averageValue is required: an External target needs "
     "averageValue or value"),
    # API rejects: validateMetricTarget, type not one of the three (even with a field set)
    (_res({"type": "Percent", "averageUtilization": 50}),
     "spec.metrics[0].resource.target.type (='Percent') must be one of Utilization, Value, "
     "AverageValue"),
])
def test_a_target_the_api_or_the_controller_cannot_use_is_refused(metric: dict,
                                                                  message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        hpa_from_dict(manifest(metrics=[metric]), SOURCE)


def _container_metric(name: str) -> dict[str, Any]:
    return {"type": "ContainerResource", "containerResource": {
        "name": name, "container": "app",
        "target": {"type": "Utilization", "averageUtilization": 60}}}


@pytest.mark.parametrize("name", [
    "cpu", "memory", "ephemeral-storage", "hugepages-2Mi",  # IsStandardContainerResourceName
    "kubernetes.io/foo",  # a native resource: IsPrefixedNativeResource
    "nvidia.com/gpu",  # an extended resource: IsExtendedResourceName
])
def test_a_container_resource_name_the_api_server_accepts(name: str) -> None:
    hpa = hpa_from_dict(manifest(metrics=[_container_metric(name)]), SOURCE)
    assert hpa.metrics[0].container_resource is not None
    assert hpa.metrics[0].container_resource.name == name


@pytest.mark.parametrize(("name", "rule"), [
    # validation.go validateContainerResourceSource -> core/v1 ValidateContainerResourceName:
    # without a '/', "must be a standard resource for containers" (storage and pods are standard
    # resources, but not container ones; resource names are case-sensitive)
    ("CPU", "must be a standard resource for containers"),
    ("storage", "must be a standard resource for containers"),
    # IsQualifiedName fails first ("cpu!" has a '!', "a/b/c" two '/')
    ("cpu!", "must be a qualified name"),
    ("a/b/c", "must be a qualified name"),
    # IsExtendedResourceName: a name starting with "requests." is not one
    ("requests.example.com/foo", "doesn't follow extended resource name standard"),
])
def test_a_container_resource_name_the_api_server_refuses(name: str, rule: str) -> None:
    with pytest.raises(SpecError, match=re.escape(
            f"spec.metrics[0].containerResource.name (={name!r}) {rule}")):
        hpa_from_dict(manifest(metrics=[_container_metric(name)]), SOURCE)
    # a Resource metric's name is only required (validateResourceSource): the same names pass
    # there, and the controller fails the metric at every sync instead
    resource = {"type": "Resource", "resource": {
        "name": name, "target": {"type": "Utilization", "averageUtilization": 60}}}
    assert hpa_from_dict(manifest(metrics=[resource]), SOURCE).metrics[0].resource is not None
