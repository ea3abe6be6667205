"""A required pod anti-affinity against the workload's own pods: which topology keys keep its
pods apart, the plan warnings on them (one pod a node is simulated: pods left Pending at
max_size; a zone key is not), and the cap of pods a node the Deployment spec derives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pod_anti_affinity import (
    max_pods_per_node,
    namespace_selector_keys,
    self_anti_affinity_keys,
)
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
    # namespaces and namespaceSelector are a union (PodAffinityTerm): its own namespace listed
    # is its own, whatever the selector adds (audit9 A9-2: the selector made it () before)
    (_anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST,
            "namespaces": ["shop"], "namespaceSelector": {"matchLabels": {"team": "a"}}}),
     (HOST,)),
    (_anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST,
            "namespaces": ["other"], "namespaceSelector": {"matchLabels": {"team": "a"}}}), ()),
    # mismatchLabelKeys on a label the pod has selects only pods with another value of it:
    # not its own (audit9 A9-14); a key it lacks is ignored, and matchLabelKeys keeps its own
    (_anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST,
            "mismatchLabelKeys": ["tier"]}), ()),
    (_anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST,
            "mismatchLabelKeys": ["tenant"]}), (HOST,)),
    (_anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST,
            "matchLabelKeys": ["tier"]}), (HOST,)),
    # the preferred terms only score nodes
    ({"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "api"}},
                                            "topologyKey": HOST}}]}}}, ()),
])
def test_self_anti_affinity_keys(pod: dict[str, Any], keys: tuple[str, ...]) -> None:
    assert self_anti_affinity_keys(pod, OWN, "shop") == keys


@pytest.mark.parametrize(("keys", "cap"), [
    ((), None),
    ((HOST,), 1),
    # a zone key allows one pod per zone cluster-wide, not a cap per node
    ((ZONE,), None),
    ((ZONE, HOST), 1),
])
def test_one_pod_a_node_only_on_the_hostname_key(keys: tuple[str, ...], cap: int | None
                                                 ) -> None:
    assert max_pods_per_node(keys) == cap


def _warnings(path: Path) -> list[str]:
    _plan_obj, problems, warnings = check_plan_warnings(path)
    assert problems == []
    return [str(w) for w in warnings]


def test_one_pod_a_node_leaves_pods_pending_at_max_size(tmp_path: Path) -> None:
    # minimal.yaml: api pods of 200m / 256 MiB on m5.large (1,805 m and 6,903 MiB left by
    # EKS's kubelet reserve and DaemonSets, 27 pod slots): min(floor(1805 / 200) = 9,
    # floor(6903 / 256) = 26, 27) = 9 a node by
    # requests; one a node with the rule (which the simulation honours, so no "optimistic"
    # warning), and the group's max_size 4 holds 4 x 1 = 4 of maxReplicas 8: 8 - 4 = 4 Pending
    path = _plan(tmp_path, _anti({"labelSelector": {"matchLabels": {"app": "api"}},
                                  "topologyKey": HOST}))
    dep = yaml.safe_load((tmp_path / "manifests" / "deployment.yaml").read_text())
    assert dep["spec"]["template"]["metadata"]["labels"] == {"app": "api"}  # the premise
    warnings = _warnings(path)
    assert not [w for w in warnings if "optimistic" in w or "repel" in w]
    (warning,) = [w for w in warnings if "podAntiAffinity" in w]
    assert warning.endswith(
        "proposed.workloads[0]: warning: maxReplicas 8 of workload 'api' needs room for 8 pods "
        "(200m CPU, 256 MiB each) but its node groups hold at most 4 at max_size (general: 4 "
        "node(s) x 1 pod(s); one pod a node: a required podAntiAffinity on "
        "kubernetes.io/hostname selects its own labels): 4 pod(s) stay Pending at maxReplicas; "
        "raise max_size or lower maxReplicas, or make the rule preferred "
        "(preferredDuringSchedulingIgnoredDuringExecution) or a topology spread constraint")


def test_one_pod_a_node_within_max_size_is_not_warned(tmp_path: Path) -> None:
    # max_size 8: 8 nodes x 1 pod = maxReplicas 8, all placed; the simulation models the rule
    path = _plan(tmp_path, _anti({"labelSelector": {"matchLabels": {"app": "api"}},
                                  "topologyKey": HOST}),
                 group_extra={"scaling_config": {"desired_size": 2, "min_size": 2,
                                                 "max_size": 8}})
    assert [w for w in _warnings(path) if "podAntiAffinity" in w or "stay Pending" in w] == []


def test_starting_pods_one_a_node_fill_more_nodes_than_desired_size(tmp_path: Path) -> None:
    # minReplicas 3 (starting pods: replicas 2 raised to minReplicas 3), one a node: they fill
    # ceil(3 / 1) = 3 nodes > desired_size 2; by requests they would fill ceil(3 / 9) = 1
    path = _plan(tmp_path, _anti({"labelSelector": {"matchLabels": {"app": "api"}},
                                  "topologyKey": HOST}))
    hpa_path = tmp_path / "manifests" / "hpa.yaml"
    hpa = yaml.safe_load(hpa_path.read_text())
    hpa["spec"]["minReplicas"] = 3
    hpa_path.write_text(yaml.safe_dump(hpa))
    (warning,) = [w for w in _warnings(path) if "desired_size" in w]
    assert ("starting pods (api 3 x 200m / 256 MiB, 1 per m5.large) fill at least 3 node(s)"
            in warning)


def test_a_zone_key_is_warned_too(tmp_path: Path) -> None:
    path = _plan(tmp_path, _anti({"labelSelector": {"matchLabels": {"app": "api"}},
                                  "topologyKey": ZONE}))
    (warning,) = [w for w in _warnings(path) if "may share a value" in w]
    assert ("no two pods of workload 'api' may share a value of topology.kubernetes.io/zone"
            in warning and "(up to maxReplicas 8 there)" in warning)


def test_no_warning_without_the_rule(tmp_path: Path) -> None:
    assert not [w for w in _warnings(_plan(tmp_path, {})) if "podAntiAffinity" in w]


@pytest.mark.parametrize(("term", "keys"), [
    # a namespaceSelector alone: the namespaces' labels are not in the manifests
    ({"namespaceSelector": {"matchLabels": {"team": "a"}}}, (HOST,)),
    # its own namespace listed: simulated (self_anti_affinity_keys), nothing unknown
    ({"namespaces": ["shop"], "namespaceSelector": {"matchLabels": {"team": "a"}}}, ()),
    # an empty selector is every namespace: simulated
    ({"namespaceSelector": {}}, ()),
    ({}, ()),
])
def test_namespace_selector_keys(term: dict[str, Any], keys: tuple[str, ...]) -> None:
    pod = _anti({"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST, **term})
    assert namespace_selector_keys(pod, OWN, "shop") == keys


def test_a_namespace_selector_the_simulation_cannot_resolve_is_warned(tmp_path: Path) -> None:
    # audit9 A9-8: the rule may hold one pod a node (if the namespace carries team=a) but the
    # simulation applies no cap; validate said nothing
    path = _plan(tmp_path, _anti({"labelSelector": {"matchLabels": {"app": "api"}},
                                  "topologyKey": HOST,
                                  "namespaceSelector": {"matchLabels": {"team": "a"}}}))
    (warning,) = [w for w in _warnings(path) if "namespaceSelector" in w]
    assert warning.endswith(
        "proposed.workloads[0].deployment: warning: a required podAntiAffinity of workload 'api' "
        "on kubernetes.io/hostname selects its own labels in the namespaces its "
        "namespaceSelector picks; whether that includes the workload's own namespace is not "
        "known from the manifests, so the simulation applies no cap for it; if it does, list "
        "the namespace in the term's namespaces so that the rule is simulated (one pod a node)")
