"""Karpenter node classes as users bring them (tests/data/intake, origins in its README): the
volume a node's pods get ephemeral storage from is one volume, not every volume it is billed for.

karpenter-provider-aws ``instancetype.ephemeralStorage``: the ``rootVolume: true`` mapping,
else (not a Custom AMI) the mapping on the family's ``EphemeralBlockDevice()`` (``/dev/xvda``
for AL2023, ``/dev/xvdb`` for Bottlerocket), else the family's default for that device.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.karpenter_node_class import ephemeral_volume_gib
from infra_toolkit.plan_validate import check_plan_warnings

DATA = Path(__file__).parent / "data"
INTAKE = DATA / "intake"


def intake_plan(tmp_path: Path, deployment: str, *, hpa: str | None = None,
                workload: dict[str, Any] | None = None, **proposed: Any) -> Path:
    """tests/data/plans/minimal.yaml with its workload reading the intake file ``deployment``
    (and ``hpa``, none when not given), ``workload`` keys set on it and ``proposed`` keys set;
    a value naming an intake file (``node_pools``, ``cluster_config``,
    ``disruption_budgets``) is copied beside the plan."""
    plan = yaml.safe_load((DATA / "plans" / "minimal.yaml").read_text())
    (tmp_path / "m").mkdir()
    shutil.copy(DATA / "plans" / "manifests" / "traffic.csv", tmp_path / "m" / "traffic.csv")
    plan["scenarios"][0]["csv"]["path"] = "m/traffic.csv"
    workload_doc = plan["proposed"]["workloads"][0]
    for key, name in (("deployment", deployment), ("hpa", hpa)):
        workload_doc.pop(key)
        if name is not None:
            shutil.copy(INTAKE / name, tmp_path / "m" / name)
            workload_doc[key] = f"m/{name}"

    def copied(value: Any) -> Any:
        if isinstance(value, str) and (INTAKE / value).is_file():
            shutil.copy(INTAKE / value, tmp_path / "m" / value)
            return f"m/{value}"
        return value

    workload_doc.update({k: copied(v) for k, v in (workload or {}).items()})
    plan["proposed"].update({k: copied(v) for k, v in proposed.items()})
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    return tmp_path / "plan.yaml"


def pool_resources(group: str, instance_type: str, max_size: int, volume_gib: int
                   ) -> list[dict[str, Any]]:
    """The priced side of one NodePool: a cluster, a launch template of one gp3 volume and
    the node group (min 0, one node declared)."""
    return [
        {"type": "aws_eks_cluster", "name": "main"},
        {"type": "aws_launch_template", "name": "lt", "block_device_mappings": [
            {"device_name": "/dev/xvda",
             "ebs": {"volume_size": volume_gib, "volume_type": "gp3"}}]},
        {"type": "aws_eks_node_group", "name": group, "instance_types": [instance_type],
         "launch_template": {"name": "lt", "version": "1"},
         "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": max_size}}]


# karpenter_multi_ebs.yaml: 20Gi root + 100Gi + 200Gi data volumes, priced as 320 GiB a node;
# limits cpu 100 / 2 vCPU = 50 nodes, memory 400Gi / 8 GiB = 50 nodes
POOL_320_GIB = pool_resources("general", "m5.large", 50, 320)


def test_a_data_volume_is_no_room_for_ephemeral_storage(tmp_path: Path) -> None:
    # the pod asks 30 GiB; the node's volumes add up to 20 + 100 + 200 = 320 GiB, but Karpenter
    # (and the kubelet) count only the root /dev/xvda, 20 GiB: the pod never fits, which was
    # valid without a word since the warning compared 30 with 320
    plan = intake_plan(tmp_path, "deploy_ephemeral_30gi.yaml",
                       node_pools="karpenter_multi_ebs.yaml", resources=POOL_320_GIB)
    plan_text = plan.read_text() + "simulation: {node_autoscaler: karpenter-like}\n"
    plan.write_text(plan_text)
    got, problems, warnings = check_plan_warnings(plan)
    assert got is not None and problems == []
    ephemeral = [w for w in warnings if "ephemeral-storage a pod" in w.message]
    assert [(w.path, w.message[:len(EXPECTED)]) for w in ephemeral] == [
        ("proposed.workloads[0].deployment", EXPECTED)]
    # the cost side is unchanged: every volume is billed, 320 GiB a node
    (group,) = got.proposed.node_groups
    assert group.disk_size_gib == 320


EXPECTED = ("warning: Deployment 'api' requests 30 GiB of ephemeral-storage a pod, more than "
            "the volume holding ephemeral storage on each node of node group 'general' (the 20 "
            "GiB volume Karpenter gives its ephemeral storage)")


@pytest.mark.parametrize(("family", "mappings", "gib"), [
    # AL2023: the mapping on /dev/xvda, whatever else is attached
    ("AL2023", [("/dev/xvda", False, 20), ("/dev/xvdb", False, 100)], 20),
    # the root is found by device, not by order
    ("AL2023", [("/dev/xvdb", False, 100), ("/dev/xvda", False, 40)], 40),
    # rootVolume: true wins over the device name
    ("AL2023", [("/dev/xvda", False, 20), ("/dev/xvdb", True, 200)], 200),
    # no mapping on /dev/xvda: Karpenter's default root, 20 GiB, not the 500 GiB data volume
    ("AL2023", [("/dev/xvdf", False, 500)], 20),
    # Bottlerocket keeps pods' data on /dev/xvdb, not the 4 GiB OS volume
    ("Bottlerocket", [("/dev/xvda", False, 4), ("/dev/xvdb", False, 60)], 60),
    ("Bottlerocket", [], 20),
    # Windows: /dev/sda1, 50 GiB by default
    ("Windows2022", [("/dev/xvdb", False, 100)], 50),
    # a Custom AMI: the last mapping (Karpenter cannot know its root)
    ("Custom", [("/dev/xvda", False, 30), ("/dev/xvdb", False, 80)], 80),
])
def test_the_ephemeral_volume_is_the_one_karpenter_counts(
        family: str, mappings: list[tuple[str | None, bool, int | None]], gib: int) -> None:
    assert ephemeral_volume_gib(family, mappings) == gib


def test_a_v1beta1_bottlerocket_pool_reads_as_v1() -> None:
    from infra_toolkit.ephemeral_storage_warnings import root_volume_gib
    from infra_toolkit.karpenter_config import node_group_config, read_node_pools
    from infra_toolkit.pricing import load_price_book

    (pool,) = read_node_pools(INTAKE / "karpenter_v1beta1_budgets.yaml")
    # WhenUnderutilized is v1's WhenEmptyOrUnderutilized, consolidateAfter 0 s; the scheduled
    # "0" budget is noted, the 20 % one bounds the drains
    assert (pool.consolidation_policy, pool.consolidate_after_s) == (
        "WhenEmptyOrUnderutilized", 0.0)
    assert pool.disruption_budgets == ("20%",)
    group = node_group_config(pool, "m5.large", load_price_book())
    # limits: cpu 200 / 2 vCPU = 100 nodes, memory 800Gi / 8 GiB = 100 nodes; maxPods 58 from
    # the template's kubelet; volumes 4 + 60 = 64 GiB priced, the pods' room the 60 GiB
    # data volume (/dev/xvdb)
    assert (group.max_size, group.max_pods, group.disk_size_gib, root_volume_gib(group)) == (
        100, 58, 64, 60)


def test_gt_requirements_refuse_a_smaller_type(tmp_path: Path) -> None:
    resources = [
        {"type": "aws_eks_cluster", "name": "main"},
        {"type": "aws_eks_node_group", "name": "large", "instance_types": ["m5.large"],
         "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": 32}}]
    plan = intake_plan(tmp_path, "deploy_ephemeral_30gi.yaml",
                       node_pools="karpenter_large_ttl.yaml", resources=resources)
    _got, problems, _warnings = check_plan_warnings(plan)
    # m5.large has 2 vCPUs, not more than 3
    assert [p.message for p in problems if p.path.endswith("instance_types")] == [
        "'m5.large' is not allowed by the requirements of NodePool 'large' "
        "(karpenter.k8s.aws/instance-cpu Gt [3] (it is 2)); name a type they allow; the "
        "cheapest type it allows is a1.xlarge at $0.102/h on-demand in us-east-1"]


def test_a_node_class_raising_gp3_iops_must_be_priced(tmp_path: Path) -> None:
    # karpenter_large_ttl.yaml's EC2NodeClass with one 50Gi gp3 root volume of 4000 IOPS (and
    # throughput unstated: gp3's 125 MiB/s); the template prices 50 GiB gp3 at the free 3000
    # IOPS: (4000 - 3000) x $0.005 = $5 a node a month was left out
    resources = pool_resources("large", "m5.xlarge", 16, 50)  # limits cpu 64 / 4 vCPU = 16
    plan = intake_plan(tmp_path, "deploy_ephemeral_30gi.yaml",
                       node_pools="karpenter_large_ttl.yaml", resources=resources)
    pools = tmp_path / "m" / "karpenter_large_ttl.yaml"
    pools.write_text(pools.read_text() + (
        "  blockDeviceMappings:\n"
        "    - deviceName: /dev/xvda\n"
        "      ebs: {volumeSize: 50Gi, volumeType: gp3, iops: 4000}\n"))
    _got, problems, _warnings = check_plan_warnings(plan)
    assert [(p.path, p.message) for p in problems] == [(
        "proposed.resources[1].block_device_mappings[0].ebs.iops",
        "unwritten (priced at gp3's free 3000) differs from the NodePool file's "
        "blockDeviceMappings ebs.iops 4000 for node group 'large'; write iops: 4000 in the "
        "launch template so the priced root volumes are the ones Karpenter creates")]


@pytest.mark.parametrize(("expire", "noted"), [("168h", True), ("Never", False)])
def test_expire_after_never_is_not_called_unmodelled(expire: str, noted: bool) -> None:
    # karpenter_large_ttl.yaml replaces nodes after 7 days, which the simulation does not; with
    # Never no node is replaced, as simulated: nothing to say
    from infra_toolkit.karpenter_config import node_pools_from_documents

    docs = list(yaml.safe_load_all((INTAKE / "karpenter_large_ttl.yaml").read_text()))
    docs[0]["spec"]["template"]["spec"]["expireAfter"] = expire
    (pool,) = node_pools_from_documents(docs, "f.yaml")
    assert any("expireAfter" in n for n in pool.not_modelled) is noted


def test_raised_performance_on_several_volumes_is_said_unpriced() -> None:
    # karpenter_multi_ebs.yaml with the 200Gi data volume (index 2) at 6000 IOPS: one launch
    # template block cannot price each volume's performance, so it is named as left out
    from infra_toolkit.karpenter_config import node_pools_from_documents

    docs = list(yaml.safe_load_all((INTAKE / "karpenter_multi_ebs.yaml").read_text()))
    docs[1]["spec"]["blockDeviceMappings"][2]["ebs"]["iops"] = 6000
    (pool,) = node_pools_from_documents(docs, "f.yaml")
    assert [n for n in pool.not_modelled if "blockDeviceMappings" in n] == [
        "EC2NodeClass/multiple-ebs.spec.blockDeviceMappings: not modelled (IOPS or throughput "
        "above gp3's free 3000 / 125 MiB/s on volume(s) 2 of several: the plan prices the "
        "volumes as one, so that provisioned performance is left out of the cost)"]
    # the baseline itself, stated on every volume, is no performance left out
    for mapping in docs[1]["spec"]["blockDeviceMappings"]:
        mapping["ebs"].update(iops=3000, throughput=125)
    (pool,) = node_pools_from_documents(docs, "f.yaml")
    assert not [n for n in pool.not_modelled if "blockDeviceMappings" in n]
