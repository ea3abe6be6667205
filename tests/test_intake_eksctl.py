"""eksctl ClusterConfigs as users bring them (tests/data/intake, origins in its README): what
eksctl creates must be what the plan prices. A gp3 root volume's IOPS above 3,000 and
throughput above 125 MiB/s are billed (pricing_data other_services ebs_gp3_iops_above_baseline,
ebs_gp3_throughput_above_baseline), so a ClusterConfig raising them (``volumeIOPS``,
``volumeThroughput``) over a launch template that does not was priced too low, silently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.eksctl_config import read_cluster_config
from infra_toolkit.plan_validate import check_plan_warnings
from tests.test_intake_karpenter_volumes import INTAKE, intake_plan


def _builders(ebs: dict[str, Any]) -> list[dict[str, Any]]:
    # eksctl_managed_gp3_iops.yaml: builders, m5.large, 1-6 nodes (2 desired), 100 GiB gp3 of
    # 6000 IOPS and 500 MiB/s, labelled role: builder
    return [
        {"type": "aws_eks_cluster", "name": "main"},
        {"type": "aws_launch_template", "name": "lt", "block_device_mappings": [
            {"device_name": "/dev/xvda", "ebs": {"volume_size": 100, "volume_type": "gp3",
                                                 **ebs}}]},
        {"type": "aws_eks_node_group", "name": "builders", "instance_types": ["m5.large"],
         "launch_template": {"name": "lt", "version": "1"}, "labels": {"role": "builder"},
         "scaling_config": {"desired_size": 2, "min_size": 1, "max_size": 6}}]


def _problems(tmp_path: Path, ebs: dict[str, Any]) -> list[str]:
    plan = intake_plan(tmp_path, "frontend_multidoc.yaml", hpa="frontend_multidoc.yaml",
                       cluster_config="eksctl_managed_gp3_iops.yaml", resources=_builders(ebs))
    plan.write_text(plan.read_text().replace("  - name: api\n", "  - name: storefront\n"))
    _got, problems, _warnings = check_plan_warnings(plan)
    return [f"{p.path}: {p.message}" for p in problems]


def test_the_group_reads_its_volume_performance() -> None:
    (group,) = read_cluster_config(INTAKE / "eksctl_managed_gp3_iops.yaml").node_groups
    assert (group.disk_size_gib, group.volume_type, group.volume_iops,
            group.volume_throughput_mibps, group.max_pods) == (100, "gp3", 6000, 500, 20)


FIX = ("for node group 'builders'; write {key}: {n} in the launch template so the priced root "
       "volumes are the ones eksctl creates")


@pytest.mark.parametrize(("ebs", "expected"), [
    # the template states neither: priced at gp3's free 3000 IOPS / 125 MiB/s, where eksctl
    # creates 6000 / 500 ((6000 - 3000) x $0.005 + (500 - 125) x $0.04 = $30 a volume a month
    # left out)
    ({}, [
        "proposed.resources[1].block_device_mappings[0].ebs.iops: unwritten (priced at gp3's "
        "free 3000) differs from the ClusterConfig's volumeIOPS 6000 "
        + FIX.format(key="iops", n=6000),
        "proposed.resources[1].block_device_mappings[0].ebs.throughput: unwritten (priced at "
        "gp3's free 125) differs from the ClusterConfig's volumeThroughput 500 "
        + FIX.format(key="throughput", n=500)]),
    ({"iops": 6000, "throughput": 250}, [
        "proposed.resources[1].block_device_mappings[0].ebs.throughput: 250 differs from the "
        "ClusterConfig's volumeThroughput 500 " + FIX.format(key="throughput", n=500)]),
    ({"iops": 6000, "throughput": 500}, []),
])
def test_raised_iops_and_throughput_must_be_priced(tmp_path: Path, ebs: dict[str, Any],
                                                   expected: list[str]) -> None:
    assert [p for p in _problems(tmp_path, ebs) if ".ebs." in p] == expected


def test_spot_from_instances_distribution_and_map_taints() -> None:
    ng1, spot = read_cluster_config(INTAKE / "eksctl_spot_distribution.yaml").node_groups
    assert (ng1.name, ng1.capacity_type, ng1.disk_size_gib, ng1.volume_type, ng1.zones) == (
        "ng-1", "ON_DEMAND", 100, "gp2", ("us-east-1a",))
    # onDemandBaseCapacity 0 and onDemandPercentageAboveBaseCapacity 0: every node spot;
    # desiredCapacity unset is minSize, 0; spotInstance: "true:PreferNoSchedule" a taint
    assert (spot.instance_types, spot.capacity_type, spot.min_size, spot.desired_size,
            spot.max_size, spot.taints) == (
        ("c5.xlarge",), "SPOT", 0, 0, 10, ("spotInstance=true:PreferNoSchedule",))
    assert not spot.managed and spot.labels["aws.amazon.com/spot"] == "true"


def test_list_taints_of_three_effects() -> None:
    groups = read_cluster_config(INTAKE / "eksctl_taints.yaml").node_groups
    assert {g.name: g.taints for g in groups} == {
        "db": ("example.com/db=true:NoSchedule", "example.com/production=true:NoExecute"),
        "general": ("example.com/memory-pressure=true:PreferNoSchedule",)}


@pytest.mark.parametrize(("sizes", "expected"), [
    # eksctl's defaults (pkg/apis/eksctl.io/v1alpha5/validation.go, managed node groups):
    # minSize unset -> desiredCapacity, else DefaultNodeCount 2; maxSize unset ->
    # desiredCapacity, else minSize. eksctl examples/05 writes desiredCapacity 3 alone: 3 to 3
    ("desiredCapacity: 3", {"minSize": "3 to 3", "maxSize": "3 to 3"}),
    # nothing written: minSize 2, maxSize = minSize = 2
    ("", {"minSize": "2 to 2", "maxSize": "2 to 2"}),
    # minSize 1 alone: maxSize = minSize = 1
    ("minSize: 1", {"maxSize": "1 to 1"}),
    # maxSize 5 and desiredCapacity 3: minSize = desiredCapacity = 3
    ("maxSize: 5\n    desiredCapacity: 3", {"minSize": "3 to 5"}),
])
def test_a_group_without_bounds_is_told_what_eksctl_would_make_it(
        tmp_path: Path, sizes: str, expected: dict[str, str]) -> None:
    from infra_toolkit.errors import SpecError

    config = tmp_path / "cluster.yaml"
    config.write_text("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n"
                      "  name: c\n  region: us-east-1\nmanagedNodeGroups:\n  - name: ng\n"
                      f"    instanceType: m5.large\n    {sizes}\n")
    with pytest.raises(SpecError) as raised:
        read_cluster_config(config)
    for key, nodes in expected.items():
        assert (f"managedNodeGroups[0].{key}: missing: eksctl would make the group {nodes} "
                "nodes (minSize from desiredCapacity, else 2; maxSize from desiredCapacity, "
                "else minSize); write the bounds the group is to scale between, minSize and "
                "maxSize") in str(raised.value)
    assert str(raised.value).count("missing: eksctl would make") == len(expected)
