"""The API validation cases of kubernetes pkg/apis/autoscaling/validation/validation_test.go,
read as manifests through :func:`infra_toolkit.hpa.hpa_from_dict`.

Source: kubernetes/kubernetes, validation_test.go as served by the index (file id 309033154;
TestValidateBehavior, TestValidateHorizontalPodAutoscaler,
TestValidateHorizontalPodAutoscalerConfigurableToleranceEnabled). The Go tests validate the
*internal* object, after defaulting; a manifest is defaulted first (defaults.go
``copyHPAScalingRules`` fills every nil field of a present ``scaleUp``/``scaleDown``), so a Go
case that only lacks policies ("must specify at least one Policy") is accepted here, with the
default policies. The vector schema (SPEC.md section 0) has no kind for spec rejection, which is
why these are unit tests and not conformance vectors.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa import hpa_from_dict

SOURCE = "plans/x.yaml"
# TestValidateBehavior's simplePoliciesList and the tolerance tests' policiesList
SIMPLE_POLICIES = [{"type": "Percent", "value": 10, "periodSeconds": 1},
                   {"type": "Pods", "value": 1, "periodSeconds": 1800}]
ONE_POLICY = [{"type": "Pods", "value": 1, "periodSeconds": 1800}]
FOUR_POLICIES = [{"type": "Pods", "value": 1, "periodSeconds": 2},
                 {"type": "Percent", "value": 3, "periodSeconds": 4},
                 {"type": "Pods", "value": 5, "periodSeconds": 6},
                 {"type": "Percent", "value": 7, "periodSeconds": 8}]


def manifest(behavior: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    """prepareHPAWithBehavior: ReplicationController myrc, 1..5 replicas, CPU 70 %."""
    body: dict[str, Any] = {
        "scaleTargetRef": {"kind": "ReplicationController", "name": "myrc"},
        "minReplicas": 1, "maxReplicas": 5,
        "metrics": [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
    }
    if behavior is not None:
        body["behavior"] = behavior
    body.update(spec)
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "myautoscaler", "namespace": "default"}, "spec": body}


def rules(window_s: int, select: str, policies: list[dict[str, Any]]) -> dict[str, Any]:
    return {"stabilizationWindowSeconds": window_s, "selectPolicy": select, "policies": policies}


def test_validate_behavior_success_cases_are_accepted_as_written() -> None:
    # TestValidateBehavior successCases 2 and 3 (case 1, both directions nil, is the
    # defaulting test's business): the limits 3600 and 0, Min and Disabled, four policies
    both = hpa_from_dict(manifest({"scaleUp": rules(3600, "Min", SIMPLE_POLICIES),
                                   "scaleDown": rules(0, "Disabled", SIMPLE_POLICIES)}), SOURCE)
    assert both.behavior is not None
    up, down = both.behavior.scale_up, both.behavior.scale_down
    assert (up.stabilization_window_s, up.select_policy) == (3600, "Min")
    assert (down.stabilization_window_s, down.select_policy) == (0, "Disabled")
    assert [p.period_s for p in down.policies or ()] == [1, 1800]
    four = hpa_from_dict(manifest({"scaleUp": rules(120, "Max", FOUR_POLICIES),
                                   "scaleDown": rules(120, "Max", FOUR_POLICIES)}), SOURCE)
    assert four.behavior is not None
    assert [(p.type, p.value, p.period_s) for p in four.behavior.scale_up.policies or ()] == [
        ("Pods", 1, 2), ("Percent", 3, 4), ("Pods", 5, 6), ("Percent", 7, 8)]


@pytest.mark.parametrize("direction", ["scaleUp", "scaleDown"])
@pytest.mark.parametrize(("given", "field", "message"), [
    # Go: "stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600"
    ({"stabilizationWindowSeconds": 3601, "selectPolicy": "Min", "policies": SIMPLE_POLICIES},
     "stabilizationWindowSeconds", "(=3601) must be between 0 and 3600"),
    # Go: "policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800"
    ({"policies": [{"type": "Pods", "value": 7, "periodSeconds": 1801}]},
     "policies[0].periodSeconds", "(=1801) must be between 1 and 1800"),
    # Go: 'selectPolicy: Unsupported value: "incorrect": supported values: "Disabled", "Max",
    # "Min"'
    ({"selectPolicy": "incorrect", "policies": [{"type": "Pods", "value": 7, "periodSeconds": 8}]},
     "selectPolicy", "(='incorrect') must be Max, Min or Disabled"),
    # Go: 'policies[0].type: Unsupported value: "hm": supported values: "Percent", "Pods"'
    ({"policies": [{"type": "hm", "value": 7, "periodSeconds": 8}]},
     "policies[0].type", "(='hm') must be Pods or Percent"),
    # Go leaves periodSeconds / value at the int32 zero ("Invalid value: 0: must be greater
    # than zero"); a manifest that leaves them out is refused for the missing field
    ({"policies": [{"type": "Pods", "value": 8}]}, "policies[0].periodSeconds", "is required"),
    ({"policies": [{"type": "Pods", "periodSeconds": 8}]}, "policies[0].value", "is required"),
    # Go: "periodSeconds: Invalid value: -1: must be greater than zero"
    ({"policies": [{"type": "Pods", "periodSeconds": -1, "value": 1}]},
     "policies[0].periodSeconds", "(=-1) must be between 1 and 1800"),
    # Go: "value: Invalid value: -1: must be greater than zero"
    ({"policies": [{"type": "Pods", "periodSeconds": 1, "value": -1}]},
     "policies[0].value", "(=-1) must be greater than 0"),
])
def test_validate_behavior_error_cases_are_refused_on_the_same_field(
    direction: str, given: dict[str, Any], field: str, message: str
) -> None:
    # TestValidateBehavior errorCases, for scaleUp and for scaleDown alike
    with pytest.raises(SpecError, match=re.escape(
            f"spec.behavior.{direction}.{field} {message} in {SOURCE}")):
        hpa_from_dict(manifest({direction: given}), SOURCE)


@pytest.mark.parametrize("given", [
    {"selectPolicy": "Min"},  # TestValidateBehavior: "must specify at least one Policy"
    {},  # ConfigurableToleranceEnabled: HPAScalingRules{}
    {"stabilizationWindowSeconds": 60},
    {"tolerance": "1m", "stabilizationWindowSeconds": 60},
])
def test_rules_without_policies_get_the_default_policies_before_validation(
    given: dict[str, Any]
) -> None:
    # The Go cases reject these on the internal object ("must specify at least one Policy");
    # through the API the v2 defaulting runs first and fills scaleUp's policies:
    # [{Pods, 4, 15 s}, {Percent, 100, 15 s}] (defaults.go defaultHPAScaleUpRules)
    spec = hpa_from_dict(manifest({"scaleUp": given}), SOURCE)
    assert spec.behavior is not None
    assert [(p.type, p.value, p.period_s) for p in spec.behavior.scale_up.policies or ()] == [
        ("Pods", 4, 15), ("Percent", 100, 15)]


@pytest.mark.parametrize(("tolerance", "fraction"), [
    # ConfigurableToleranceEnabled successCases: MustParse("0.1"), MustParse("10"),
    # MustParse("0"), NewMilliQuantity(100), NewScaledQuantity(1, Milli), and none
    ("0.1", 0.1), ("10", 10.0), ("0", 0.0), ("100m", 0.1), ("1m", 0.001), (None, None),
])
def test_a_tolerance_of_zero_or_more_is_accepted(tolerance: str | None,
                                                 fraction: float | None) -> None:
    down: dict[str, Any] = {"policies": ONE_POLICY}
    if tolerance is not None:
        down["tolerance"] = tolerance
    spec = hpa_from_dict(manifest({"scaleDown": down}), SOURCE)
    assert spec.behavior is not None
    assert spec.behavior.scale_down.tolerance == fraction


@pytest.mark.parametrize(("tolerance", "shown"), [
    # ConfigurableToleranceEnabled failureCases: MustParse("-0.001") and
    # NewMilliQuantity(-10), "greater or equal to zero"
    ("-0.001", "-0.001"), ("-10m", "-0.01"),
])
def test_a_negative_tolerance_is_refused(tolerance: str, shown: str) -> None:
    with pytest.raises(SpecError, match=re.escape(
            f"spec.behavior.scaleUp.tolerance (={shown}) must be greater than or equal to 0")):
        hpa_from_dict(manifest({"scaleUp": {"policies": ONE_POLICY, "tolerance": tolerance}}),
                      SOURCE)


def test_min_replicas_minus_one_names_the_lower_bound_the_gate_sets() -> None:
    # TestValidateHorizontalPodAutoscaler: MinReplicas -1, "must be greater than or equal to 1"
    # (the Go test runs with HPAScaleToZero off, so the lower bound is 1; with the gate on
    # validation.go's bound is 0)
    with pytest.raises(SpecError, match=re.escape(
            "spec.minReplicas (=-1) must be greater than or equal to 1 while the HPAScaleToZero "
            f"feature gate is off in {SOURCE} (fix: set minReplicas: 1 or more)")):
        hpa_from_dict(manifest(minReplicas=-1), SOURCE, gate_scale_to_zero=False)
    with pytest.raises(SpecError, match=re.escape(
            f"spec.minReplicas (=-1) must be 0 or more in {SOURCE}")):
        hpa_from_dict(manifest(minReplicas=-1), SOURCE, gate_scale_to_zero=True)


def test_min_replicas_above_max_replicas_is_refused_on_max_replicas() -> None:
    # TestValidateHorizontalPodAutoscaler: MinReplicas 7, MaxReplicas 5, "must be greater than
    # or equal to `minReplicas`" (on maxReplicas)
    with pytest.raises(SpecError, match=re.escape(
            "spec.maxReplicas (=5) must be greater than or equal to spec.minReplicas (=7)")):
        hpa_from_dict(manifest(minReplicas=7), SOURCE)


@pytest.mark.parametrize(("target", "field", "shown"), [
    # TestValidateHorizontalPodAutoscaler: an External target of NewMilliQuantity(-300), as
    # value and as averageValue, "must be positive"; the value is shown as written
    ({"type": "Value", "value": "-300m"}, "value", "'-300m'"),
    ({"type": "AverageValue", "averageValue": "-300m"}, "averageValue", "'-300m'"),
    ({"type": "Value", "value": -1}, "value", "-1"),
])
def test_a_target_quantity_that_is_not_positive_is_refused_as_written(
    target: dict[str, Any], field: str, shown: str
) -> None:
    metric = {"type": "External", "external": {
        "metric": {"name": "somemetric", "selector": {"matchLabels": {"label": "value"}}},
        "target": target}}
    with pytest.raises(SpecError, match=re.escape(
            f"spec.metrics[0].external.target.{field} (={shown}) must be greater than 0 "
            f"in {SOURCE}")):
        hpa_from_dict(manifest(metrics=[metric]), SOURCE)
