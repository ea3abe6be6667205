"""A required pod anti-affinity against the workload's own pods: which topology keys keep its
pods apart, and the plan warning where the simulation (which packs by requests) is optimistic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pod_anti_affinity import self_anti_affinity_keys
from tests.test_node_placement import _plan

OWN = {"app": "api", "tier": "web"}


def _anti(*terms: dict[str, Any]) -> dict[str, Any]:
    return {"affinity": {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}}


HOST = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


@pytest.mark.parametrize(("pod", "keys"), [
    ({}, ()),
    (_anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST}), (HOST,)),
    # another app's pods: not its own
    (_anti({"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": HOST}), ()),
    (_anti({"labelSelector": {"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["api", "worker"]},
        {"key": "canary", "operator": "DoesNotExist"}]}, "topologyKey": ZONE}), (ZONE,)),
    (_anti({"labelSelector": {"matchExpressions": [
        {"key": "tier", "operator": "NotIn", "values": ["web"]}]}, "topologyKey": HOST}), ()),
    # no labelSelector selects no pod; an empty one selects every pod
    (_anti({"topologyKey": HOST}), ()),
    (_anti({"labelSelector": {}, "topologyKey": HOST}), (HOST,)),
    # another namespace's pods, or a namespace picked by labels: not assumed to be its own
    (_anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST,
            "namespaces": ["other"]}), ()),
    (_anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST,
            "namespaces": ["shop"]}), (HOST,)),
    (_anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST,
            "namespaceSelector": {"matchLabels": {"team": "a"}}}), ()),
    # the preferred terms only score nodes
    ({"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "api"}},
                                            "topologyKey": HOST}}]}}}, ()),
])
def test_self_anti_affinity_keys(pod: dict[str, Any], keys: tuple[str, ...]) -> None:
    assert self_anti_affinity_keys(pod, OWN, "shop") == keys


def _warnings(path: Path) -> list[str]:
    _plan_obj, problems, warnings = check_plan_warnings(path)
    assert problems == []
    return [str(w) for w in warnings]


def test_one_pod_a_node_is_warned_with_the_pods_left_pending(tmp_path: Path) -> None:
    # minimal.yaml: api pods of 200m / 256 MiB on m5.large (1,900 m and 7,592 MiB allocatable,
    # 27 pod slots): min(floor(1900 / 200) = 9, floor(7592 / 256) = 29, 27) = 9 a node in the
    # simulation; one a node with the rule, and the group's max_size 4 holds 4 of maxReplicas 8
    path = _plan(tmp_path, _anti({"labelSelector": {"matchLabels": {"app": "api"}},
                                  "topologyKey": HOST}))
    dep = yaml.safe_load((tmp_path / "manifests" / "deployment.yaml").read_text())
    assert dep["spec"]["template"]["metadata"]["labels"] == {"app": "api"}  # the premise
    (warning,) = [w for w in _warnings(path) if "repel" in w]
    assert warning.endswith(
        "proposed.workloads[0].deployment: warning: the pods of workload 'api' repel each other "
        "per node (a required podAntiAffinity on kubernetes.io/hostname selects its own "
        "labels): one pod a node, while the simulation packs them by their requests (9 a node "
        "on general), so its node-hours, node cost and time to capacity are optimistic; its "
        "node groups have 4 node(s) at max_size, so 4 of its maxReplicas 8 stay Pending; make "
        "the rule preferred (preferredDuringSchedulingIgnoredDuringExecution) or a topology "
        "spread constraint, or read those figures as a lower bound")


def test_a_zone_key_is_warned_too(tmp_path: Path) -> None:
    path = _plan(tmp_path, _anti({"labelSelector": {"matchLabels": {"app": "api"}},
                                  "topologyKey": ZONE}))
    (warning,) = [w for w in _warnings(path) if "may share a value" in w]
    assert ("no two pods of workload 'api' may share a value of topology.kubernetes.io/zone"
            in warning and "(up to maxReplicas 8 there)" in warning)


def test_no_warning_without_the_rule(tmp_path: Path) -> None:
    assert not [w for w in _warnings(_plan(tmp_path, {})) if "podAntiAffinity" in w]
