"""Karpenter NodePools as node groups (karpenter_manifests: the reader; karpenter_config: the
rules). Instance figures are the rows of pricing_data/ec2_instance_specs_2026-08-06.csv and
prices those of pricing_data/ec2_on_demand_2026-07-20.csv, quoted where used."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.eksctl_config import NodeGroupConfig
from infra_toolkit.ephemeral_storage_warnings import root_volume_gib
from infra_toolkit.errors import SpecError
from infra_toolkit.karpenter_config import (
    EC2NodeClass,
    NodePool,
    allowed_instance_types,
    cheapest_allowed,
    consolidation_autoscaler,
    excluded_by,
    node_group_config,
    node_pools_from_documents,
    order_by_weight,
    read_node_pools,
)
from infra_toolkit.node_allocatable import KubeletReserve
from infra_toolkit.nodes import KARPENTER_LIKE
from infra_toolkit.pricing import PriceBook, load_price_book


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


def _pool(requirements: list[dict[str, Any]] | None = None, **spec: Any) -> dict[str, Any]:
    template: dict[str, Any] = {"nodeClassRef": {"group": "karpenter.k8s.aws",
                                                 "kind": "EC2NodeClass", "name": "default"}}
    if requirements is not None:
        template["requirements"] = requirements
    return {"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": {"name": "general"},
            "spec": {"template": {"spec": template}, "limits": {"cpu": "40"}, **spec}}


def _class(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "karpenter.k8s.aws/v1", "kind": "EC2NodeClass",
            "metadata": {"name": "default"},
            "spec": {"role": "KarpenterNodeRole", "amiSelectorTerms": [{"alias": "al2023@latest"}],
                     **spec}}


def _one(*docs: dict[str, Any]) -> Any:
    (pool,) = node_pools_from_documents(docs, "nodepools.yaml")
    return pool


def _req(key: str, operator: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": operator, "values": list(values)} if values else \
        {"key": key, "operator": operator}


CT = "karpenter.sh/capacity-type"


@pytest.mark.parametrize(("requirements", "capacity"), [
    (None, ("on-demand",)),  # no requirement: Karpenter's default, on-demand
    ([_req(CT, "In", "spot")], ("spot",)),
    ([_req(CT, "In", "on-demand", "spot")], ("on-demand", "spot")),
    ([_req(CT, "NotIn", "spot")], ("on-demand", "reserved")),
])
def test_capacity_types_allowed(requirements: Any, capacity: tuple[str, ...]) -> None:
    assert _one(_pool(requirements), _class()).capacity_types == capacity


@pytest.mark.parametrize(("capacity", "priced"), [
    (("on-demand",), "ON_DEMAND"),
    (("spot",), "SPOT"),
    # both allowed: Karpenter launches spot first, so the nodes are priced as spot
    (("on-demand", "spot"), "SPOT"),
])
def test_capacity_type_priced(book: PriceBook, capacity: tuple[str, ...], priced: str) -> None:
    pool = _one(_pool([_req(CT, "In", *capacity)]), _class())
    assert node_group_config(pool, "c5.large", book).capacity_type == priced


@pytest.mark.parametrize(("limits", "itype", "max_size"), [
    # c5.large: 2 vCPU, 4096 MiB. floor(40 / 2) = 20
    ({"cpu": "40"}, "c5.large", 20),
    # floor(41 / 2) = 20: Karpenter launches no node that would pass the limit
    ({"cpu": 41}, "c5.large", 20),
    # memory counts a NodeClaim's capacity, the nominal less 7.5 % rounded up to the MiB:
    # c5.large 4096 - ceil(4096 x 0.075 = 307.2) = 4096 - 308 = 3788 MiB;
    # 64Gi = 65536 MiB; floor(65536 / 3788 = 17.3) = 17 (by the nominal 4096 it was 16)
    ({"memory": "64Gi"}, "c5.large", 17),
    # cpu allows 20, memory 17: the smaller
    ({"cpu": "40", "memory": "64Gi"}, "c5.large", 17),
    # m5.large 8192 - ceil(614.4) = 7577 MiB; 70Gi = 71680 MiB: floor(71680 / 7577 = 9.46) = 9
    # (by the nominal 8192, floor(8.75) = 8)
    ({"memory": "70Gi"}, "m5.large", 9),
    # 64Gi: floor(65536 / 7577 = 8.65) = 8, as by the nominal (65536 / 8192 = 8)
    ({"memory": "64Gi"}, "m5.large", 8),
    # m6g.large, arm64 (Graviton): 8192 - 64 = 8128, 8128 - ceil(609.6) = 8128 - 610 = 7518 MiB;
    # 7518 x 9 = 67662 MiB fits 9, one MiB less 8 (amd64's 7577 x 9 = 68193 would hold 8)
    ({"memory": "67662Mi"}, "m6g.large", 9),
    ({"memory": "67661Mi"}, "m6g.large", 8),
    # c5.xlarge: 4 vCPU; 10500m / 4000m = 2.6 -> 2
    ({"cpu": "10500m"}, "c5.xlarge", 2),
    # m5.large: 2 vCPU, 8192 MiB; memory 40Gi = 40960 MiB -> 5, cpu 40 -> 20
    ({"cpu": "40", "memory": "40Gi"}, "m5.large", 5),
])
def test_max_size_is_the_nodes_within_the_limits(book: PriceBook, limits: dict[str, Any],
                                                  itype: str, max_size: int) -> None:
    group = node_group_config(_one(_pool(limits=limits), _class()), itype, book)
    assert (group.min_size, group.max_size, group.desired_size) == (0, max_size, 0)


def test_node_group_of_a_node_pool(book: PriceBook) -> None:
    doc = _pool([_req("node.kubernetes.io/instance-type", "In", "c5.large"),
                 _req("topology.kubernetes.io/zone", "In", "us-east-1b", "us-east-1a"),
                 _req("team", "In", "search")],
                limits={"cpu": "40"})
    doc["spec"]["template"]["metadata"] = {"labels": {"workload-class": "compute"}}
    doc["spec"]["template"]["spec"]["taints"] = [
        {"key": "workload-class", "value": "compute", "effect": "NoSchedule"}]
    doc["spec"]["template"]["spec"]["startupTaints"] = [
        {"key": "node.cilium.io/agent-not-ready", "effect": "NoExecute"}]
    nc = _class(blockDeviceMappings=[{"deviceName": "/dev/xvda", "rootVolume": True,
                                      "ebs": {"volumeSize": "50Gi", "volumeType": "gp3"}}])
    group = node_group_config(_one(doc, nc), "c5.large", book)
    assert group == NodeGroupConfig(
        "general", ("c5.large",), 0, 20, 0, "ON_DEMAND", 50,
        {"node.kubernetes.io/instance-type": "c5.large",
         "karpenter.k8s.aws/instance-family": "c5", "karpenter.k8s.aws/instance-size": "large",
         "karpenter.k8s.aws/instance-cpu": "2", "karpenter.k8s.aws/instance-memory": "4096",
         "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux",
         "karpenter.k8s.aws/instance-category": "c",
         "karpenter.k8s.aws/instance-generation": "5", "karpenter.sh/nodepool": "general",
         "karpenter.sh/capacity-type": "on-demand", "team": "search",
         "workload-class": "compute"},
        # the startup taint is gone once the node is initialized: not a placement taint
        ("workload-class=compute:NoSchedule",), "gp3", "AL2023", managed=False,
        zones=("us-east-1a", "us-east-1b"))


@pytest.mark.parametrize(("node_class", "family", "volumes", "disk", "ephemeral"), [
    ({}, "AL2023", ((20, "gp3"),), 20, 20),  # Karpenter's AL2023 default: 20 GiB gp3
    # Bottlerocket: a 4 GiB OS volume and a 20 GiB data volume, 4 + 20 = 24 GiB a node; its
    # pods' ephemeral storage is on the data volume (/dev/xvdb), 20 GiB
    ({"amiSelectorTerms": [{"alias": "bottlerocket@latest"}]}, "Bottlerocket",
     ((4, "gp3"), (20, "gp3")), 24, 20),
    ({"amiSelectorTerms": [{"id": "ami-0123"}], "amiFamily": "AL2",
      "blockDeviceMappings": [{"deviceName": "/dev/xvda",
                               "ebs": {"volumeSize": "1Ti", "volumeType": "gp2"}}]},
     "AL2", ((1024, "gp2"),), 1024, 1024),  # 1 Ti = 1024 Gi
    # 100G = 10^11 bytes = 93.13 GiB: EBS allocates whole GiB, so 94; without a deviceName it
    # is not the root /dev/xvda, whose 20 GiB default holds the ephemeral storage
    ({"blockDeviceMappings": [{"ebs": {"volumeSize": "100G"}}]}, "AL2023", ((94, "gp3"),), 94,
     20),
])
def test_node_class_family_and_volumes(book: PriceBook, node_class: dict[str, Any], family: str,
                                       volumes: tuple[tuple[int, str], ...], disk: int,
                                       ephemeral: int) -> None:
    pool = _one(_pool(), _class(**node_class))
    # volumes_stated: false where Karpenter's default was filled in (audit19 A19-22)
    assert pool.node_class == EC2NodeClass("default", family, volumes,
                                           "blockDeviceMappings" in node_class,
                                           ephemeral_gib=ephemeral)
    group = node_group_config(pool, "c5.large", book)
    # priced: every volume; the scheduler's room for ephemeral storage: the one volume
    assert (group.disk_size_gib, root_volume_gib(group)) == (disk, ephemeral)


def test_a_node_class_kubelet_max_pods_is_the_groups_and_the_rest_is_said(
        book: PriceBook) -> None:
    # newplans: kubelet.maxPods: 3 on the EC2NodeClass (Karpenter v1) was accepted and the
    # c5.large's ENI figure (29) simulated: 3 pods a node need ten times the nodes
    pool = _one(_pool(), _class(kubelet={"maxPods": 3, "podsPerCore": 10,
                                         "clusterDNS": ["10.0.0.10"]}))
    # podsPerCore 10 x 2 vCPU = 20 is no tighter than 3
    assert node_group_config(pool, "c5.large", book).max_pods == 3
    # clusterDNS changes no figure: no note
    assert pool.not_modelled == ()
    # no kubelet: the ENI figure (None here, the instance spec's in the simulation)
    assert node_group_config(_one(_pool(), _class()), "c5.large", book).max_pods is None


@pytest.mark.parametrize(("kubelet", "family", "pods"), [
    # Karpenter's instancetype pods(): maxPods else the ENI figure (c5.large: 29), then at most
    # podsPerCore x vCPU (c5.large: 2 vCPU)
    ({"podsPerCore": 4}, "al2023", 8),  # min(29, 4 x 2)
    ({"podsPerCore": 4, "maxPods": 6}, "al2023", 6),  # min(6, 8)
    ({"podsPerCore": 20}, "al2023", 29),  # min(29, 40)
    ({"podsPerCore": 0}, "al2023", 29),  # 0 is unset: the ENI figure as it is
    ({"podsPerCore": 4}, "bottlerocket", 29),  # Bottlerocket has no podsPerCore setting
])
def test_a_node_class_pods_per_core_bounds_the_pods(
        book: PriceBook, kubelet: dict[str, int], family: str, pods: int) -> None:
    # before: podsPerCore was noted "not modelled" and the 29 ENI pods simulated
    pool = _one(_pool(), _class(kubelet=kubelet, amiSelectorTerms=[{"alias": f"{family}@latest"}]))
    assert node_group_config(pool, "c5.large", book).pods_per_node(2, 29) == pods
    assert pool.not_modelled == ()


def test_a_node_class_not_in_the_file_is_assumed_and_said(book: PriceBook) -> None:
    pool = _one(_pool())
    group = node_group_config(pool, "c5.large", book)
    assert (group.ami_family, group.disk_size_gib, group.volume_type) == ("AL2023", 20, "gp3")
    assert pool.not_modelled == (
        "NodePool/general.spec.template.spec.nodeClassRef: EC2NodeClass 'default' is not in the "
        "file: AL2023 nodes with Karpenter's default 20 GiB gp3 root volume assumed; add it to "
        "the file to read its AMI family and volumes",)


def test_what_is_not_modelled_is_listed() -> None:
    doc = _pool([_req("karpenter.k8s.aws/instance-hypervisor", "In", "nitro")], weight=10,
                limits={"cpu": "40", "nvidia.com/gpu": 4},
                disruption={"budgets": [{"nodes": "10%"}]})
    doc["spec"]["template"]["spec"]["expireAfter"] = "720h"
    pool = _one(doc, _class())
    # spec.weight is read (the order NodePools are tried in: test_node_pools_are_tried_...)
    assert pool.weight == 10
    assert pool.not_modelled == (
        "NodePool/general.spec.template.spec.expireAfter: not modelled (nodes are not replaced "
        "at an age)",
        "NodePool/general.spec.template.spec.requirements[0]: karpenter.k8s.aws/"
        "instance-hypervisor not checked (the price book's instance specs do not hold it)",
        'NodePool/general.spec.limits["nvidia.com/gpu"]: not modelled (only cpu and memory '
        "bound the node count)",
        # budgets are read (tests/test_karpenter_drain.py); one allowing several nodes at
        # once is a plan warning by the pool's max_size, the default 10 % as any other
        # (tests/test_plan_node_pools_budget.py), no longer a note of the explicit ones only
    )


def test_allowed_instance_types_follow_the_requirements(book: PriceBook) -> None:
    pool = _one(_pool([_req("karpenter.k8s.aws/instance-category", "In", "c", "m"),
                       _req("karpenter.k8s.aws/instance-cpu", "In", "2"),
                       _req("karpenter.k8s.aws/instance-generation", "Gt", "4"),
                       _req("kubernetes.io/arch", "In", "amd64")]), _class())
    allowed = allowed_instance_types(pool, book)
    assert {"c5.large", "m5.large", "c6a.large"} <= set(allowed)
    # c5.xlarge has 4 vCPU, c4.large is generation 4, c6g.large arm64, r5.large category r
    assert excluded_by(pool, "c5.xlarge", book) == \
        "karpenter.k8s.aws/instance-cpu In [2] (it is 4)"
    assert excluded_by(pool, "c4.large", book) == \
        "karpenter.k8s.aws/instance-generation Gt [4] (it is 4)"
    assert excluded_by(pool, "c6g.large", book) == "kubernetes.io/arch In [amd64] (it is arm64)"
    assert excluded_by(pool, "r5.large", book) == \
        "karpenter.k8s.aws/instance-category In [c, m] (it is r)"
    assert not {"c5.xlarge", "c4.large", "c6g.large", "r5.large"} & set(allowed)


def test_cheapest_allowed_is_the_lowest_published_on_demand_price(book: PriceBook) -> None:
    # ec2_on_demand_2026-07-20.csv: us-east-1 c5.large 0.085, m5.large 0.096 USD per hour
    pool = _one(_pool([_req("node.kubernetes.io/instance-type", "In", "m5.large", "c5.large")]),
                _class())
    itype, price = cheapest_allowed(pool, book, "us-east-1") or ("", None)
    assert (itype, price.usd_per_unit if price else None) == ("c5.large", Decimal("0.085"))


@pytest.mark.parametrize(("disruption", "unneeded_s", "threshold"), [
    # v1 defaults: WhenEmptyOrUnderutilized after 0s; any node whose pods fit elsewhere goes
    ({}, 0.0, 1.0),
    ({"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m30s"}, 90.0,
     1.0),
    # only a node without pods (request utilization 0) is below the smallest positive threshold
    ({"consolidationPolicy": "WhenEmpty", "consolidateAfter": "5m"}, 300.0, math.ulp(0.0)),
    # never consolidated: no node is below a threshold of 0
    ({"consolidateAfter": "Never"}, KARPENTER_LIKE.scale_down_unneeded_s, 0.0),
])
def test_disruption_is_the_autoscalers_scale_down(disruption: dict[str, Any], unneeded_s: float,
                                                   threshold: float) -> None:
    spec = consolidation_autoscaler(KARPENTER_LIKE, [_one(_pool(disruption=disruption),
                                                          _class())])
    assert (spec.scale_down_unneeded_s, spec.scale_down_utilization_threshold) == \
        (unneeded_s, threshold)
    assert spec.provisioning_delay_s == KARPENTER_LIKE.provisioning_delay_s


def test_pools_with_different_disruption_are_refused() -> None:
    other = _pool(disruption={"consolidateAfter": "1m"})
    other["metadata"]["name"] = "batch"
    pools = node_pools_from_documents([_pool(), other, _class()])
    with pytest.raises(SpecError, match=r"the NodePools' disruption differs \(general: "
                                        r"WhenEmptyOrUnderutilized after 0.0; batch: "
                                        r"WhenEmptyOrUnderutilized after 60.0\)"):
        consolidation_autoscaler(KARPENTER_LIKE, pools)


def test_v1beta1_reads_as_v1() -> None:
    doc = _pool(disruption={"consolidationPolicy": "WhenUnderutilized", "expireAfter": "720h"})
    doc["apiVersion"] = "karpenter.sh/v1beta1"
    pool = _one(doc, _class())
    assert pool.consolidation_policy == "WhenEmptyOrUnderutilized"
    assert pool.not_modelled == ("NodePool/general.spec.disruption.expireAfter: not modelled "
                                 "(nodes are not replaced at an age)",)


def test_v1beta1_template_kubelet_max_pods_is_the_groups(book: PriceBook) -> None:
    # Karpenter v1beta1 held the kubelet settings in the NodePool's template (v1 moved them to
    # the EC2NodeClass): maxPods 4 there was read as "not modelled" and the c5.large's ENI figure
    # (29 pods) simulated, a node holding 7 times the pods it does
    doc = _pool()
    doc["apiVersion"] = "karpenter.sh/v1beta1"
    doc["spec"]["template"]["spec"]["kubelet"] = {"maxPods": 4, "systemReserved": {"cpu": "1"}}
    klass = _class()
    klass["apiVersion"] = "karpenter.k8s.aws/v1beta1"
    pool = _one(doc, klass)
    config = node_group_config(pool, "c5.large", book)
    assert config.max_pods == 4
    # its systemReserved is read there too (it was a "not modelled" note)
    assert config.kubelet_reserve == KubeletReserve(system_cpu_millicores=1000)
    assert pool.not_modelled == ()
    doc["spec"]["template"]["spec"]["kubelet"] = {"maxPods": 0}
    with pytest.raises(SpecError, match=r"spec\.template\.spec\.kubelet\.maxPods"):
        _one(doc, klass)


def test_limits_too_small_for_one_node(book: PriceBook) -> None:
    # c5.xlarge's memory capacity: 8192 - ceil(614.4) = 7577 MiB
    with pytest.raises(SpecError, match=r"NodePool 'general': spec.limits leave room for no "
                                        r"c5.xlarge node \(4 vCPU, 7577 MiB of memory capacity "
                                        r"as Karpenter counts it\)"):
        node_group_config(_one(_pool(limits={"cpu": "3"}), _class()), "c5.xlarge", book)


def _spec(**fields: Any) -> dict[str, Any]:
    doc = _pool()
    doc["spec"].update(fields)
    return doc


def _template(**fields: Any) -> dict[str, Any]:
    doc = _pool()
    doc["spec"]["template"]["spec"].update(fields)
    return doc


@pytest.mark.parametrize(("docs", "message"), [
    ([{"apiVersion": "karpenter.sh/v1alpha5", "kind": "Provisioner",
       "metadata": {"name": "default"}}],
     r"Provisioner/default.kind: Provisioner \(karpenter.sh/v1alpha5\) is Karpenter's v1alpha "
     r"API, removed in v0.32; migrate it to a karpenter.sh/v1 NodePool"),
    # a misspelt kind was skipped as another kind's document: the pool vanished silently
    ([_pool(), {**_pool(), "kind": "Nodepool"}],
     r"Nodepool/general.kind: 'Nodepool' is not a kind Karpenter knows; did you mean "
     r"'NodePool'\? \(kinds are case-sensitive\)$"),
    ([_pool(), {**_class(), "kind": "EC2NodeClas"}],
     r"EC2NodeClas/default.kind: 'EC2NodeClas' is not a kind Karpenter knows; did you mean "
     r"'EC2NodeClass'\?$"),
    # a v1beta1 field where a v1 NodePool no longer has it: where it went (before: "unknown
    # key 'expireAfter'; valid: 'budgets', ...")
    ([_spec(disruption={"expireAfter": "720h"})],
     r"NodePool/general.spec.disruption.expireAfter: karpenter.sh/v1 moved it to "
     r"spec.template.spec.expireAfter \(it was here in v1beta1\); move it there$"),
    ([_template(kubelet={"maxPods": 20})],
     r"NodePool/general.spec.template.spec.kubelet: karpenter.sh/v1 moved it to the "
     r"EC2NodeClass's spec.kubelet \(it was here in v1beta1\); move it there$"),
    ([{**_pool(), "apiVersion": "karpenter.sh/v2"}],
     r"NodePool/general.apiVersion: 'karpenter.sh/v2' is not read for NodePool; use "
     r"karpenter.sh/v1 or karpenter.sh/v1beta1"),
    ([_spec(limit={"cpu": "4"})], r"NodePool/general.spec.limit: unknown key 'limit'; did you "
                                  r"mean 'limits'\?"),
    ([_spec(limits={})], r"NodePool/general.spec.limits.cpu: missing: without a cpu or memory "
                         r"limit Karpenter launches nodes without bound"),
    ([_spec(limits={"cpu": "forty"})], r"NodePool/general.spec.limits.cpu: 'forty' is not a "
                                       r"quantity"),
    ([_pool([_req(CT, "In", "spott")])],
     r"NodePool/general.spec.template.spec.requirements\[0\].values\[0\]: 'spott' is not a "
     r"value of karpenter.sh/capacity-type; use on-demand, spot, reserved"),
    ([_pool([_req(CT, "In", "reserved")])],
     r"requirements: karpenter.sh/capacity-type allows reserved; the plan prices on-demand or "
     r"spot nodes \(capacity reservations are not modelled\)"),
    ([_pool([_req("kubernetes.io/arch", "Inn", "amd64")])],
     r"requirements\[0\].operator: 'Inn' must be one of In, NotIn, Exists"),
    ([_spec(disruption={"consolidationPolicy": "WhenUnderutilized"})],
     r"consolidationPolicy: 'WhenUnderutilized' is not valid; did you mean "
     r"'WhenEmptyOrUnderutilized'\?"),
    ([_spec(disruption={"consolidateAfter": 30})],
     r"consolidateAfter: 30 is not a duration Karpenter accepts \(a string of whole numbers "
     r"of s, m and h only, or Never\); write e.g. '30s' or '30m'"),
    ([_pool(), _class(amiSelectorTerms=[{"alias": "al2024@latest"}])],
     r"EC2NodeClass/default.spec.amiSelectorTerms\[0\].alias: 'al2024@latest' is not an AMI "
     r"alias"),
    ([_pool(), _class(blockDeviceMappings=[{"ebs": {"volumeSize": "20Gi"}},
                                           {"ebs": {"volumeSize": "100Gi",
                                                    "volumeType": "io2"}}])],
     r"EC2NodeClass/default.spec.blockDeviceMappings: mixes volume types \(gp3, io2\)"),
    ([_pool(), _class(amiSelectorTerms=[{"alias": "windows2022@latest"}])],
     r"blockDeviceMappings: missing: the plan cannot tell which volumes Karpenter gives "
     r"Windows2022 nodes"),
    ([_pool(), _class(blockDeviceMappings=[{"ebs": {"volumeSize": 100}}])],
     r"blockDeviceMappings\[0\].ebs.volumeSize: 100 is not a volume size; write whole units "
     r"with Gi, G, Ti or T, e.g. 20Gi"),
    # 10^10 TiB = 1.1e22 bytes, above a quantity's 2^63 - 1 (audit21 A21-5)
    ([_pool(), _class(blockDeviceMappings=[{"ebs": {"volumeSize": "10000000000Ti"}}])],
     r"blockDeviceMappings\[0\].ebs.volumeSize: '10000000000Ti' is above the largest quantity "
     r"Kubernetes holds"),
    ([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}],
     r"kind: no NodePool in the file \(kinds found: ConfigMap\)"),
    # audit9 A9-6: Karpenter launches no node whose OS the AMI cannot run; a Windows
    # requirement on AL2023 nodes was valid and priced as Linux nodes
    ([_pool([_req("kubernetes.io/os", "In", "windows")]), _class()],
     r"NodePool/general.spec.template.spec.requirements: kubernetes.io/os In \[windows\] "
     r"excludes linux, the OS of the AL2023 AMI of EC2NodeClass 'default': Karpenter could launch "
     r"no node for this NodePool; require linux"),
    ([_pool([_req("kubernetes.io/os", "NotIn", "windows")]),
      _class(amiSelectorTerms=[{"alias": "windows2022@latest"}],
             blockDeviceMappings=[{"ebs": {"volumeSize": "50Gi"}}])],
     r"kubernetes.io/os NotIn \[windows\] excludes windows, the OS of the Windows2022 AMI of "
     r"EC2NodeClass 'default'"),
])
def test_bad_manifest_names_the_object_field_and_fix(docs: list[dict[str, Any]],
                                                     message: str) -> None:
    with pytest.raises(SpecError, match=f"^nodepools.yaml: .*{message}"):
        node_pools_from_documents(docs, "nodepools.yaml")


def test_every_problem_is_listed() -> None:
    doc = _spec(limits={"cpu": "forty"}, disruption={"consolidationPolicy": "Sometimes"})
    doc["spec"]["template"]["spec"]["taints"] = [{"key": "k", "effect": "NoSchedul"}]
    with pytest.raises(SpecError) as exc:
        node_pools_from_documents([doc, _class(blockDeviceMappings=[{"ebs": {}}])],
                                  "nodepools.yaml")
    assert str(exc.value).splitlines() == [
        "nodepools.yaml: EC2NodeClass/default.spec.blockDeviceMappings[0].ebs.volumeSize: "
        "missing (required); add `volumeSize:`",
        "nodepools.yaml: NodePool/general.spec.template.spec.taints[0].effect: 'NoSchedul' is "
        "not valid; did you mean 'NoSchedule'?",
        "nodepools.yaml: NodePool/general.spec.limits.cpu: 'forty' is not a quantity: write a "
        "number with an optional suffix (m, k, M, G, T, Ki, Mi, Gi, Ti or an exponent such as "
        "e3)",
        "nodepools.yaml: NodePool/general.spec.disruption.consolidationPolicy: 'Sometimes' is "
        "not valid; valid: 'WhenEmpty', 'WhenEmptyOrUnderutilized'",
    ]


def test_read_node_pools_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "nodepools.yaml"
    path.write_text("apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: [a\n")
    with pytest.raises(SpecError, match=r"nodepools.yaml:4: YAML syntax error"):
        read_node_pools(path)


def test_spot_and_on_demand_allowed_is_said_to_be_priced_as_spot() -> None:
    pool = _one(_pool([_req(CT, "In", "on-demand", "spot")]), _class())
    assert pool.not_modelled == (
        "NodePool/general.spec.template.spec.requirements: karpenter.sh/capacity-type allows "
        "spot and on-demand: priced as spot (Karpenter launches spot first, on-demand only when "
        "no spot capacity is offered)",)


@pytest.mark.parametrize(("weight", "read"), [(None, 0), (1, 1), (100, 100)])
def test_the_weight_is_read_unset_as_zero(weight: int | None, read: int) -> None:
    # the CRD's bounds are 1..100; an unset weight is 0 to Karpenter (lo.FromPtr of nil)
    doc = _pool() if weight is None else _pool(weight=weight)
    assert _one(doc, _class()).weight == read


@pytest.mark.parametrize("weight", [0, 101, -5, "10", 2.5, True])
def test_a_weight_the_api_server_refuses_is_a_problem_with_its_fix(weight: Any) -> None:
    with pytest.raises(SpecError, match=(
            r"nodepools\.yaml: NodePool/general\.spec\.weight: .* is not a weight Karpenter's "
            r"API server accepts \(a whole number from 1 to 100, the highest tried first\); "
            r"write one, or remove it to give the NodePool the lowest priority \(an unset "
            r"weight counts as 0\)")):
        _one(_pool(weight=weight), _class())


def _named(name: str, weight: int) -> NodePool:
    return NodePool(name, (), ("on-demand",), 4000, None, weight=weight)


def test_node_pools_are_tried_by_weight_then_by_name_z_to_a() -> None:
    # Karpenter's NodePoolList.OrderByWeight: the larger weight first; equal weights by name,
    # "the name later in the alphabet will come first" (Items[a].Name > Items[b].Name)
    pools = [_named("alpha", 0), _named("zulu", 0), _named("mid", 10), _named("beta", 50),
             _named("omega", 10)]
    assert [p.name for p in order_by_weight(pools)] == [
        "beta",  # 50
        "omega", "mid",  # 10, 10: o after m in the alphabet, so first
        "zulu", "alpha",  # unset (0): z before a
    ]
