"""A custom / external metric's label selector: matchLabels and matchExpressions as the API reads
them (apimachinery's LabelSelector: ValidateLabelSelectorRequirement), kept in the identifier."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra_toolkit.controller_view import metric_needs
from infra_toolkit.errors import SpecError
from infra_toolkit.hpa import (
    HPASpec,
    LabelSelectorRequirement,
    MetricIdentifier,
    hpa_from_dict,
)

SOURCE = "plans/x.yaml"
EXT = "spec.metrics[0].external.metric.selector.matchExpressions"


def _metric(kind: str, selector: object) -> dict[str, Any]:
    metric = {"name": "queue_messages_ready", "selector": selector}
    if kind == "External":
        return {"type": "External", "external": {
            "metric": metric, "target": {"type": "AverageValue", "averageValue": "30"}}}
    if kind == "Pods":
        return {"type": "Pods", "pods": {
            "metric": metric, "target": {"type": "AverageValue", "averageValue": "30"}}}
    return {"type": "Object", "object": {
        "describedObject": {"kind": "Ingress", "name": "web"},
        "metric": metric, "target": {"type": "Value", "value": "100"}}}


def _hpa(*metrics: dict[str, Any]) -> HPASpec:
    return hpa_from_dict({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 10,
                 "metrics": list(metrics)}}, SOURCE)


def _expressions(*items: dict[str, Any]) -> dict[str, Any]:
    return {"matchExpressions": list(items)}


IN_ORDERS = {"key": "queue", "operator": "In", "values": ["orders"]}


@pytest.mark.parametrize(
    ("kind", "selector", "message"),
    [
        ("External", _expressions(IN_ORDERS, {"key": "env", "operator": "in", "values": ["p"]}),
         f"{EXT}[1].operator (='in') must be one of In, NotIn, Exists, DoesNotExist in "
         "plans/x.yaml (fix: operators are case-sensitive)"),
        ("External", _expressions({"key": "queue", "operator": "In", "values": []}),
         f"{EXT}[0].values must list at least one value when operator is In in plans/x.yaml "
         "(fix: list the label values, or use Exists / DoesNotExist)"),
        ("External", _expressions({"key": "queue", "operator": "NotIn"}),
         f"{EXT}[0].values must list at least one value when operator is NotIn in plans/x.yaml"),
        ("External", _expressions({"key": "queue", "operator": "Exists", "values": ["a"]}),
         f"{EXT}[0].values (=['a']) must be empty when operator is Exists in plans/x.yaml "
         "(fix: delete values, or use In / NotIn to match given values)"),
        ("External", _expressions({"key": "queue", "operator": "DoesNotExist",
                                   "values": ["a", "b"]}),
         f"{EXT}[0].values (=['a', 'b']) must be empty when operator is DoesNotExist"),
        ("External", _expressions({"operator": "Exists"}),
         f"{EXT}[0].key is required in plans/x.yaml (fix: name the label)"),
        ("External", _expressions({"key": "queue"}),
         f"{EXT}[0].operator is required in plans/x.yaml "
         "(fix: use In, NotIn, Exists or DoesNotExist)"),
        ("External", _expressions({"key": "queue", "operator": "In", "value": ["orders"]}),
         f"{EXT}[0].value is not a known field in plans/x.yaml (fix: did you mean 'values'?)"),
        ("External", _expressions({"key": "queue", "operator": "In", "values": "orders"}),
         f"{EXT}[0].values (='orders') must be a list in plans/x.yaml"),
        # YAML reads `values: [1]` as a number: the label value is the string "1"
        ("External", _expressions({"key": "shard", "operator": "In", "values": [1]}),
         f"{EXT}[0].values[0] (=1) must be a string in plans/x.yaml (fix: quote it: YAML "
         "reads 1, true or null unquoted as a number, a boolean, nothing)"),
        ("External", _expressions({"key": "canary", "operator": "In", "values": [True]}),
         f"{EXT}[0].values[0] (=True) must be a string"),
        ("External", {"matchExpressions": IN_ORDERS},
         f"{EXT} (={IN_ORDERS}) must be a list in plans/x.yaml"),
        ("Pods", _expressions({"key": "queue", "operator": "Exists", "values": ["a"]}),
         "spec.metrics[0].pods.metric.selector.matchExpressions[0].values (=['a']) must be "
         "empty when operator is Exists"),
        ("Object", _expressions(IN_ORDERS, IN_ORDERS, {"key": "q", "operator": "Equals"}),
         "spec.metrics[0].object.metric.selector.matchExpressions[2].operator (='Equals') must "
         "be one of In, NotIn, Exists, DoesNotExist"),
    ],
)
def test_bad_match_expressions_are_named_by_field_path(kind: str, selector: object,
                                                      message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        _hpa(_metric(kind, selector))


LABELS = "spec.metrics[0].external.metric.selector.matchLabels"
NAME_RULE = ("at most 63 characters: letters, digits, '-', '_' and '.', starting and ending "
             "with a letter or digit")


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        # apimachinery IsQualifiedName / IsValidLabelValue: a space, an underscore at an end,
        # 64 characters, an uppercase prefix, an empty prefix
        ({"matchLabels": {"queue name": "orders"}},
         f"{LABELS} (='queue name') must be a label name (after an optional 'prefix/') of "
         f"{NAME_RULE} in plans/x.yaml"),
        ({"matchLabels": {"_queue": "orders"}}, f"{LABELS} (='_queue') must be a label name"),
        # one character over the limit is shown whole (errors.quoted cuts only above 80)
        ({"matchLabels": {"q" * 64: "orders"}}, f"{LABELS} (='{'q' * 64}') must be a label name"),
        ({"matchLabels": {"Example.com/queue": "orders"}},
         f"{LABELS} (='Example.com/queue') must have a prefix (before '/') that is a lowercase "
         "DNS subdomain of at most 253 characters, e.g. example.com/tier"),
        ({"matchLabels": {"/queue": "orders"}}, f"{LABELS} (='/queue') must have a prefix"),
        ({"matchLabels": {"queue": "orders east"}},
         f"{LABELS}.queue (='orders east') must be empty or a label value of {NAME_RULE}"),
        ({"matchLabels": {"queue": "o" * 64}}, f"{LABELS}.queue (='{'o' * 64}') must be empty"),
        # YAML `canary: true` is a boolean: str() made it "True", which no label value equals
        ({"matchLabels": {"canary": True}},
         f"{LABELS}.canary (=True) must be a string in plans/x.yaml (fix: quote it"),
        ({"matchLabels": {1: "a"}}, f"{LABELS} (=1) must have string label keys"),
        (_expressions({"key": "queue-", "operator": "Exists"}),
         f"{EXT}[0].key (='queue-') must be a label name"),
        (_expressions({"key": "queue", "operator": "In", "values": ["-orders"]}),
         f"{EXT}[0].values[0] (='-orders') must be empty or a label value"),
    ],
)
def test_label_keys_and_values_follow_the_api_rules(selector: object, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        _hpa(_metric("External", selector))


def test_valid_label_keys_and_values_are_kept() -> None:
    # a prefixed key, dots/underscores inside, an empty value, 63 characters
    labels = {"example.com/queue": "orders", "app.kubernetes.io/name": "a_b.c-d",
              "empty": "", "q" * 63: "v" * 63}
    spec = _hpa(_metric("External", {"matchLabels": labels}))
    assert spec.metrics[0].external is not None
    assert spec.metrics[0].external.metric.selector == tuple(sorted(labels.items()))


def test_the_requirement_validates_on_construction() -> None:
    with pytest.raises(SpecError, match=re.escape(
            "values (=['a']) must be empty when operator is Exists (fix: delete values")):
        LabelSelectorRequirement("queue", "Exists", ("a",))
    with pytest.raises(SpecError, match=re.escape("operator (='Equals') must be one of In, NotIn")):
        LabelSelectorRequirement("queue", "Equals", ("a",))


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        # written by hand from the manifest: values are a set (sorted, each once), and the
        # requirements all apply, so their order in the manifest does not matter
        (_expressions(IN_ORDERS), MetricIdentifier("queue_messages_ready", (), (
            LabelSelectorRequirement("queue", "In", ("orders",)),))),
        ({"matchLabels": {"env": "prod"}, "matchExpressions": [
            {"key": "queue", "operator": "NotIn", "values": ["retry", "dead", "retry"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "tier", "operator": "Exists", "values": []}]},
         MetricIdentifier("queue_messages_ready", (("env", "prod"),), (
             LabelSelectorRequirement("canary", "DoesNotExist"),
             LabelSelectorRequirement("queue", "NotIn", ("dead", "retry")),
             LabelSelectorRequirement("tier", "Exists")))),
        ({"matchExpressions": None}, MetricIdentifier("queue_messages_ready")),
    ],
)
@pytest.mark.parametrize("kind", ["External", "Pods", "Object"])
def test_match_expressions_are_kept_in_the_identifier(kind: str, selector: dict[str, Any],
                                                      expected: MetricIdentifier) -> None:
    (metric,) = _hpa(_metric(kind, selector)).metrics
    source = metric.external or metric.pods or metric.object
    assert source is not None
    assert source.metric == expected


def test_metrics_differing_only_by_match_expressions_are_distinct() -> None:
    orders = _metric("External", _expressions(IN_ORDERS))
    others = _metric("External", _expressions({**IN_ORDERS, "operator": "NotIn"}))
    first, second = _hpa(orders, others).metrics
    assert first.external is not None and second.external is not None
    assert first.external.metric != second.external.metric
    assert first != second
    assert _hpa(orders) != _hpa(others)
    # the same selector written in another order is the same metric
    swapped = _expressions({"key": "env", "operator": "Exists"}, IN_ORDERS)
    again = _expressions(IN_ORDERS, {"key": "env", "operator": "Exists"})
    assert _hpa(_metric("External", swapped)) == _hpa(_metric("External", again))


def test_a_selected_external_metric_is_simulated_as_the_total_rate() -> None:
    # docs/PLAN.md: an External metric reads the workload's whole offered rate whatever its
    # selector says; the selector neither blocks the simulation nor adds a series
    hpa = _hpa(_metric("External", _expressions(IN_ORDERS)),
               _metric("External", _expressions({**IN_ORDERS, "operator": "NotIn"})))
    assert metric_needs(hpa).external == ("queue_messages_ready", "queue_messages_ready")
