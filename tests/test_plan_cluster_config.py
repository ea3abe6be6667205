"""The eksctl ClusterConfig reader (eksctl_config.read_cluster_config, cluster_config_from_dict)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.eksctl_config import (
    ClusterConfig,
    NodeGroupConfig,
    cluster_config_from_dict,
    read_cluster_config,
)
from infra_toolkit.errors import SpecError
from infra_toolkit.node_allocatable import KubeletReserve
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_simulation import simulation_node_groups
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import load_price_book

REPO = Path(__file__).resolve().parent.parent


def _config(**group: Any) -> dict[str, Any]:
    base = {"name": "g", "instanceType": "m5.large", "minSize": 1, "maxSize": 3}
    return {"apiVersion": "eksctl.io/v1alpha5", "kind": "ClusterConfig",
            "metadata": {"name": "c", "region": "us-east-1"},
            "managedNodeGroups": [{**base, **group}]}


def test_default_plans_cluster_config() -> None:
    config = read_cluster_config(REPO / "plans" / "ecommerce-eks" / "cluster.yaml")
    assert (config.name, config.region, config.version) == ("shop-prod", "us-east-1", "1.35")
    # the cluster's availabilityZones are each group's (neither names its own)
    zones = ("us-east-1a", "us-east-1b", "us-east-1c")
    assert config.node_groups == (
        NodeGroupConfig("general", ("t3.medium",), 3, 10, 3, "ON_DEMAND", 20,
                        {"workload-class": "general"}, volume_type="gp3", zones=zones),
        NodeGroupConfig("compute", ("c5.large",), 0, 5, 0, "ON_DEMAND", 20,
                        {"workload-class": "compute"}, ("workload-class=compute:NoSchedule",),
                        "gp3", zones=zones),
    )


@pytest.mark.parametrize(("group", "expected"), [
    ({}, NodeGroupConfig("g", ("m5.large",), 1, 3, 1)),  # desiredCapacity defaults to minSize
    ({"desiredCapacity": 2, "spot": True},
     NodeGroupConfig("g", ("m5.large",), 1, 3, 2, "SPOT")),
    ({"instanceType": None, "instanceTypes": ["m5.large", "m5a.large"]},
     NodeGroupConfig("g", ("m5.large", "m5a.large"), 1, 3, 1)),
    ({"volumeSize": 50, "volumeType": "io1"},
     NodeGroupConfig("g", ("m5.large",), 1, 3, 1, disk_size_gib=50, volume_type="io1")),
    # newplans: eksctl gives it to the kubelet (--max-pods), in place of the ENI figure (29 on
    # an m5.large); it was accepted and left out
    ({"maxPodsPerNode": 8}, NodeGroupConfig("g", ("m5.large",), 1, 3, 1, max_pods=8)),
])
def test_node_group_fields(group: dict[str, Any], expected: NodeGroupConfig) -> None:
    doc = _config(**group)
    doc["managedNodeGroups"][0] = {k: v for k, v in doc["managedNodeGroups"][0].items()
                                   if v is not None}
    assert cluster_config_from_dict(doc) == ClusterConfig("c", "us-east-1", None, (expected,))


@pytest.mark.parametrize(("change", "message"), [
    # no desiredCapacity either: eksctl's minSize would be its default 2, under maxSize 3
    ({"minSize": None}, (r"managedNodeGroups\[0\].minSize: missing: eksctl would make the "
                        r"group 2 to 3 nodes .*write the bounds the group is to scale between")),
    ({"maxSize": "ten"}, r"managedNodeGroups\[0\].maxSize: expected a number, got text"),
    ({"desiredCapacity": 9}, (r"managedNodeGroups\[0\].desiredCapacity: need minSize <= "
                             r"desiredCapacity <= maxSize, got 1 <= 9 <= 3")),
    # no instanceType at all is eksctl's m5.large (tests/test_manifests_corpus.py)
    ({"spot": "yes"}, r"managedNodeGroups\[0\].spot: expected true or false"),
    ({"maxPodsPerNode": 0}, r"managedNodeGroups\[0\].maxPodsPerNode: "),
    # gp2 and gp3 are each one character from gp4: both are named
    ({"volumeType": "gp4"}, (r"managedNodeGroups\[0\].volumeType: 'gp4' is not valid; did you "
                             r"mean 'gp2' or 'gp3'\?")),
    ({"taints": [{"key": "k", "effect": "NoSchedul"}]},
     (r"managedNodeGroups\[0\].taints\[0\].effect: 'NoSchedul' is not valid; did you mean "
     r"'NoSchedule'\?")),
    # str(True) is 'True': a nodeSelector gpu: "true" would never match it
    ({"labels": {"gpu": True}}, (r"managedNodeGroups\[0\].labels.gpu: true is a YAML boolean, "
                                 r"not a label value \(eksctl refuses it\); quote it")),
    ({"taints": [{"key": "gpu", "value": True, "effect": "NoSchedule"}]},
     r"managedNodeGroups\[0\].taints\[0\].value: true is a YAML boolean, not a taint value"),
])
def test_bad_node_group_names_the_field(change: dict[str, Any], message: str) -> None:
    doc = _config(**change)
    doc["managedNodeGroups"][0] = {k: v for k, v in doc["managedNodeGroups"][0].items()
                                   if v is not None}
    with pytest.raises(SpecError, match=f"^cluster.yaml: {message}"):
        cluster_config_from_dict(doc, "cluster.yaml")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("apiVersion", "eksctl.io/v1alpha4", ("apiVersion: 'eksctl.io/v1alpha4' is not supported; "
                                         "use eksctl.io/v1alpha5")),
    ("kind", "Cluster", "kind: 'Cluster' is not ClusterConfig"),
    ("managedNodeGroups", [], "managedNodeGroups: no node groups"),
])
def test_bad_cluster_config(field: str, value: Any, message: str) -> None:
    doc = _config()
    doc[field] = value
    with pytest.raises(SpecError, match=message):
        cluster_config_from_dict(doc, "cluster.yaml")


def test_zones_outside_the_region_are_refused_once_a_list() -> None:
    # region17: a ClusterConfig moved to eu-west-1 (metadata.region) with its us-east-1 zones
    # kept was valid; EC2 lists a region's zones only there, so eksctl cannot create it. One
    # problem a list, naming each zone outside; a zone of the region (eu-west-1b) and a Local
    # Zone (region + "-" + suffix) pass
    doc = _config()
    doc["metadata"]["region"] = "eu-west-1"
    doc["availabilityZones"] = ["us-east-1a", "eu-west-1b", "us-east-1c"]
    doc["managedNodeGroups"][0]["availabilityZones"] = ["eu-west-11a"]
    with pytest.raises(SpecError) as raised:
        cluster_config_from_dict(doc, "cluster.yaml")
    assert str(raised.value).split("\n") == [
        "cluster.yaml: availabilityZones: 'us-east-1a', 'us-east-1c' are not zones of "
        "metadata.region 'eu-west-1' (its zones are eu-west-1a, eu-west-1b, ...); name zones "
        "of eu-west-1, or correct the region",
        "cluster.yaml: managedNodeGroups[0].availabilityZones: 'eu-west-11a' is not a zone of "
        "metadata.region 'eu-west-1' (its zones are eu-west-1a, eu-west-1b, ...); name zones "
        "of eu-west-1, or correct the region"]
    doc["managedNodeGroups"][0]["availabilityZones"] = ["eu-west-1-lax-1a"]
    doc["availabilityZones"] = ["eu-west-1a", "eu-west-1b"]
    assert cluster_config_from_dict(doc).node_groups[0].zones == ("eu-west-1-lax-1a",)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cluster.yaml"
    path.write_text("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: [a\n")
    with pytest.raises(SpecError, match=r"cluster.yaml:4: YAML syntax error"):
        read_cluster_config(path)


def test_every_problem_is_listed() -> None:
    doc = _config(minSize=None, spot="no")
    doc["managedNodeGroups"][0] = {k: v for k, v in doc["managedNodeGroups"][0].items()
                                   if v is not None}
    doc["metadata"] = {"name": "c"}
    with pytest.raises(SpecError) as exc:
        cluster_config_from_dict(doc, "cluster.yaml")
    assert str(exc.value).splitlines() == [
        "cluster.yaml: metadata.region: missing (required); add `region:`",
        ("cluster.yaml: managedNodeGroups[0].minSize: missing: eksctl would make the group 2 "
         "to 3 nodes (minSize from desiredCapacity, else 2; maxSize from desiredCapacity, else "
         "minSize); write the bounds the group is to scale between, minSize and maxSize"),
        "cluster.yaml: managedNodeGroups[0].spot: expected true or false, got text ('no')",
    ]


def _self_managed(**group: Any) -> dict[str, Any]:
    doc = _config()
    doc["nodeGroups"] = [{**doc.pop("managedNodeGroups")[0], **group}]
    return doc


def test_a_self_managed_groups_kubelet_max_pods_is_read() -> None:
    # newplans: kubeletExtraConfig (self-managed nodeGroups) was accepted and its maxPods left
    # out; given with maxPodsPerNode it is refused, as which one eksctl keeps is not sourced
    (group,) = cluster_config_from_dict(_self_managed(
        kubeletExtraConfig={"maxPods": 12, "kubeReserved": {"cpu": "300m"}})).node_groups
    assert group.max_pods == 12
    # the reservation is read (it was dropped without a word, then said "not modelled")
    assert group.kubelet_reserve == KubeletReserve(kube_cpu_millicores=300)
    assert group.not_modelled == ()
    with pytest.raises(SpecError, match=(
            r"^cluster.yaml: nodeGroups\[0\].kubeletExtraConfig.maxPods: is given beside "
            r"maxPodsPerNode: give the node's max pods once, in maxPodsPerNode$")):
        cluster_config_from_dict(_self_managed(maxPodsPerNode=12,
                                               kubeletExtraConfig={"maxPods": 12}),
                                 "cluster.yaml")


def test_a_managed_groups_kubelet_extra_config_is_refused_not_dropped() -> None:
    # audit newfeat: on a managed group kubeletExtraConfig (kubeReserved 500m / 1Gi) was
    # dropped without a word and the node sized with EKS's 70m / 442 MiB; eksctl applies it to
    # nodeGroups only (eksctl-io/eksctl#4632)
    with pytest.raises(SpecError, match=(
            r"^cluster.yaml: managedNodeGroups\[0\].kubeletExtraConfig: is not supported on a "
            r"managed node group \(eksctl applies it to nodeGroups only, eksctl-io/eksctl#4632\), "
            r"so its nodes would keep EKS's default kubelet settings: move the group to "
            r"nodeGroups to set them, or remove kubeletExtraConfig \(give max pods in "
            r"maxPodsPerNode\)$")):
        cluster_config_from_dict(_config(kubeletExtraConfig={
            "kubeReserved": {"cpu": "500m", "memory": "1Gi"}}), "cluster.yaml")


def test_a_self_managed_groups_kubelet_pods_per_core_caps_its_pods() -> None:
    # kubelet: podsPerCore > 0 caps the node's pods at podsPerCore x cores (was left out: the
    # ENI figure simulated). The group's m5.large: 2 vCPU, 29 pods by its ENI figure.
    (group,) = cluster_config_from_dict(_self_managed(
        kubeletExtraConfig={"podsPerCore": 5})).node_groups
    assert group.pods_per_node(2, 29) == 10  # min(29, 5 x 2)
    (group,) = cluster_config_from_dict(_self_managed(
        kubeletExtraConfig={"podsPerCore": 5, "maxPods": 8})).node_groups
    assert group.pods_per_node(2, 29) == 8  # min(8, 10)
    (group,) = cluster_config_from_dict(_self_managed(
        kubeletExtraConfig={"podsPerCore": 0})).node_groups
    assert group.pods_per_node(2, 29) == 29  # 0: not set
    with pytest.raises(SpecError, match=r"nodeGroups\[0\].kubeletExtraConfig.podsPerCore"):
        cluster_config_from_dict(_self_managed(kubeletExtraConfig={"podsPerCore": -1}),
                                 "cluster.yaml")


def test_a_self_managed_groups_kubelet_is_simulated_with_its_reserve(tmp_path: Path) -> None:
    # the default plan's groups as eksctl nodeGroups (self-managed), general with podsPerCore 4
    # and a kubeReserved: its t3.medium (2 vCPU, 17 pods by its ENI figure) packs min(17, 4 x 2)
    # = 8 pods a node, and keeps 300m CPU for the kubelet in place of EKS's 70m
    shutil.copytree(REPO / "plans", tmp_path / "plans")
    cluster = tmp_path / "plans" / "ecommerce-eks" / "cluster.yaml"
    text = cluster.read_text()
    assert text.count("managedNodeGroups:\n  - name: general\n") == 1
    cluster.write_text(text.replace(
        "managedNodeGroups:\n  - name: general\n",
        "nodeGroups:\n  - name: general\n    kubeletExtraConfig:\n      podsPerCore: 4\n"
        "      kubeReserved: {cpu: 300m}\n"))
    plan = read_plan(tmp_path / "plans" / "ecommerce-eks.yaml")
    backend = next(w for w in plan.proposed.workloads if w.name == "backend")
    (group,) = simulation_node_groups(plan.proposed, backend, load_price_book(),
                                      plan.simulation.node_daemonsets)
    assert (group.name, group.max_pods) == ("general", 8)
    # 2000m - 300m kubeReserved - 125m of kube-proxy and aws-node
    assert group.allocatable_cpu_millicores == 2000 - 300 - 125
    # memory: EKS's kubeReserved for the node's 8 pods: 4096 - ceil(307.2) - (11 x 8 + 255)
    # - 100 eviction = 3345 MiB
    assert group.allocatable_memory_mib == 4096 - 308 - 343 - 100
    _plan, problems, warnings = check_plan_warnings(tmp_path / "plans" / "ecommerce-eks.yaml")
    assert problems == []
    assert [w for w in warnings if w.path == "proposed.cluster_config"] == []


def test_max_pods_per_node_is_what_the_simulation_packs(tmp_path: Path) -> None:
    # newplans: the default plan's general group (t3.medium, 17 pods by its ENI figure in
    # ec2_instance_specs) with maxPodsPerNode: 11 simulates 11 pods a node
    shutil.copytree(REPO / "plans", tmp_path / "plans")
    cluster = tmp_path / "plans" / "ecommerce-eks" / "cluster.yaml"
    text = cluster.read_text()
    assert "  - name: general\n" in text
    cluster.write_text(text.replace("  - name: general\n",
                                    "  - name: general\n    maxPodsPerNode: 11\n"))
    book = load_price_book()
    for path, max_pods in ((REPO / "plans" / "ecommerce-eks.yaml", 17),
                           (tmp_path / "plans" / "ecommerce-eks.yaml", 11)):
        plan = read_plan(path)
        backend = next(w for w in plan.proposed.workloads if w.name == "backend")
        (group,) = simulation_node_groups(plan.proposed, backend, book,
                                          plan.simulation.node_daemonsets)
        assert (group.name, group.instance_type, group.max_pods) == (
            "general", "t3.medium", max_pods)
