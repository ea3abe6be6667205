"""Reading real HorizontalPodAutoscaler YAML: API defaults (SPEC.md 5.1) and file errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.eksctl_config import read_cluster_config
from infra_toolkit.errors import SpecError
from infra_toolkit.hpa import (
    CrossVersionObjectReference,
    HPAScalingPolicy,
    HPAScalingRules,
    MetricIdentifier,
    MetricTarget,
)
from infra_toolkit.hpa_yaml import read_hpa_yaml

DATA = Path(__file__).parent / "data" / "hpa"

DEFAULT_SCALE_UP = HPAScalingRules(
    stabilization_window_s=0,
    select_policy="Max",
    policies=(HPAScalingPolicy("Pods", 4, 15), HPAScalingPolicy("Percent", 100, 15)),
)


def test_minimal_manifest_gets_the_api_defaults() -> None:
    hpa = read_hpa_yaml(DATA / "minimal.yaml")
    assert (hpa.name, hpa.namespace, hpa.min_replicas, hpa.max_replicas) == ("web", "shop", 1, 10)
    assert hpa.scale_target_ref == CrossVersionObjectReference("Deployment", "web", "apps/v1")
    (metric,) = hpa.metrics  # defaulted: CPU utilization 80 %
    assert (metric.type, metric.resource.name) == ("Resource", "cpu")
    assert metric.resource.target == MetricTarget("Utilization", average_utilization=80)
    assert hpa.behavior is None  # no behavior: not defaulted, the legacy path


def test_partial_behavior_is_filled_direction_by_direction() -> None:
    behavior = read_hpa_yaml(DATA / "behavior-partial.yaml").behavior
    assert behavior is not None
    # scaleUp had only a tolerance ("50m" = 0.05): the rest is the scale-up default
    assert behavior.scale_up == HPAScalingRules(
        0, "Max", DEFAULT_SCALE_UP.policies, tolerance=0.05
    )
    # scaleDown had only selectPolicy: default policies, and the window left unset so that
    # the controller's --horizontal-pod-autoscaler-downscale-stabilization applies
    assert behavior.scale_down == HPAScalingRules(
        None, "Min", (HPAScalingPolicy("Percent", 100, 15),)
    )


def test_every_metric_type_and_quantity_form_is_read() -> None:
    hpa = read_hpa_yaml(DATA / "all-metric-types.yaml")  # the Deployment document is skipped
    memory, container, pods_metric, obj, external = hpa.metrics
    assert memory.resource.target.average_value_milli == 1024**3 * 1000  # 1Gi in milli-bytes
    assert (container.container_resource.container,
            container.container_resource.target.average_utilization) == ("app", 70)
    assert pods_metric.pods.target.average_value_milli == 500  # "500m"
    assert obj.object.target.value_milli == 10_000_000  # "10k" = 10000 = 10,000,000 milli
    assert obj.object.described_object.kind == "Ingress"
    assert external.external.metric == MetricIdentifier("queue_messages_ready",
                                                        (("queue", "orders"),))
    assert external.external.target.average_value_milli == 30_000  # "30"
    assert hpa.behavior.scale_up.policies == (
        HPAScalingPolicy("Pods", 10, 60), HPAScalingPolicy("Percent", 50, 60),
    )
    assert (hpa.behavior.scale_down.stabilization_window_s,
            hpa.behavior.scale_down.select_policy) == (600, "Max")
    assert hpa.has_object_or_external_metric


def test_a_name_picks_one_of_several_hpas() -> None:
    assert read_hpa_yaml(DATA / "two-hpas.yaml", name="b").min_replicas == 2


@pytest.mark.parametrize(
    ("file", "pattern"),
    [
        ("two-hpas.yaml",
         re.escape("two-hpas.yaml holds 2 HorizontalPodAutoscalers (a, b); pass name=NAME "
                   "to choose one")),
        ("no-hpa.yaml", re.escape("no-hpa.yaml holds no HorizontalPodAutoscaler or KEDA "
                                  "ScaledObject (found: Service)")),
        # the unclosed "[" of line 4 is only detected at the end of the file (line 6)
        ("malformed.yaml", re.escape("malformed.yaml:6: malformed YAML: did not find expected "
                                     "',' or ']'")
         + ".*" + re.escape("flow sequence that starts at line 4")),
        ("does-not-exist.yaml", "cannot read .*does-not-exist.yaml"),
        ("invalid-period.yaml",
         re.escape("spec.behavior.scaleUp.policies[0].periodSeconds (=3600) must be between 1 "
                   "and 1800 in ") + ".*invalid-period.yaml"),
    ],
)
def test_file_errors_name_the_file(file: str, pattern: str) -> None:
    with pytest.raises(SpecError, match=pattern):
        read_hpa_yaml(DATA / file)


def test_an_unknown_name_lists_the_hpas_in_the_file() -> None:
    # before: "(found: HorizontalPodAutoscaler)", the kind rather than the names to choose from
    with pytest.raises(SpecError, match=re.escape(
            "two-hpas.yaml holds no HorizontalPodAutoscaler named 'nope' (its HPAs: a, b); pass "
            "one of those names")):
        read_hpa_yaml(DATA / "two-hpas.yaml", name="nope")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # kubectl's strict decoding refuses a field written twice; YAML alone keeps the last (30)
        (b"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: a}\n"
         b"spec:\n  scaleTargetRef: {kind: Deployment, name: a}\n  maxReplicas: 3\n"
         b"  maxReplicas: 30\n",
         "hpa.yaml:7: spec.maxReplicas is written twice in the same mapping and YAML keeps only "
         "the last; delete one of them"),
        (b"\xff\xfe\x00k\x00i\x00n\x00d",
         "hpa.yaml is not UTF-8 text (byte 0xff at offset 0); point to the YAML manifest"),
    ],
)
def test_unreadable_manifests_name_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "hpa.yaml"
    path.write_bytes(content)
    with pytest.raises(SpecError, match=re.escape(message)):
        read_hpa_yaml(path)


def test_kubectl_get_output_is_read(tmp_path: Path) -> None:
    # `kubectl get hpa -o yaml` wraps the objects in a List and adds server-set metadata and
    # status; the spec is what counts.
    path = tmp_path / "hpa.yaml"
    path.write_text(
        "apiVersion: v1\nkind: List\nmetadata: {resourceVersion: ''}\nitems:\n"
        "- apiVersion: autoscaling/v2\n  kind: HorizontalPodAutoscaler\n"
        "  metadata: {name: web, namespace: shop, uid: 0a1b, resourceVersion: '12'}\n"
        "  spec:\n    scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
        "    minReplicas: 2\n    maxReplicas: 9\n"
        "  status: {currentReplicas: 2, desiredReplicas: 2}\n"
    )
    hpa = read_hpa_yaml(path)
    assert (hpa.name, hpa.namespace, hpa.min_replicas, hpa.max_replicas) == ("web", "shop", 2, 9)


@pytest.mark.parametrize(("read", "words"), [
    (read_hpa_yaml, "malformed YAML"), (read_cluster_config, "YAML syntax error")])
def test_a_control_character_is_named_with_its_line_on_one_line(
        tmp_path: Path, read: Any, words: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("apiVersion: autoscaling/v2\nkind: Horizontal\x00\n")  # NUL on line 2
    with pytest.raises(SpecError) as exc:
        read(path)
    assert str(exc.value) == (f"{path}:2: {words}: character U+0000 is not allowed in YAML; "
                              "remove it")

