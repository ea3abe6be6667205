"""A node group's root volumes from its ``aws_launch_template``: exact cents by hand from the
table rows, the references and conflicts Terraform refuses, and the ClusterConfig comparison.

Rows (us-east-1, ``other_services_2026-05-03.csv`` unless named): ebs_gp2_storage 0.1,
ebs_gp3_storage 0.08, ebs_gp3_iops_above_baseline 0.005 (above 3000),
ebs_gp3_throughput_above_baseline 0.04 (above 125 MiBps), ebs_io1_storage 0.125,
ebs_io1_iops 0.065, ebs_io2_storage 0.125, ebs_io2_iops 0.065 (first tier, up to 32000);
``ec2_on_demand_2026-07-20.csv`` us-east-1,t3.medium,0.0416.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.cost import CostEstimate, cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.errors import PlanError
from infra_toolkit.launch_template import launch_template_ref
from infra_toolkit.plan import validate_plan
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.resources import Resource, parse_resources, validate_resources

DATA = Path(__file__).parent / "data" / "plans"


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


def template(name: str = "nodes", **ebs: Any) -> dict[str, Any]:
    return {"type": "aws_launch_template", "name": name,
            "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": ebs}]}


def group(nodes: int = 3, name: str = "general", **more: Any) -> dict[str, Any]:
    return {"type": "aws_eks_node_group", "name": name, "instance_types": ["t3.medium"],
            "scaling_config": {"desired_size": nodes, "min_size": nodes, "max_size": 10},
            "launch_template": {"name": "nodes", "version": "1"}, **more}


def price(book: PriceBook, *items: dict[str, Any]) -> CostEstimate:
    return estimate(parse_resources(list(items), default_region="us-east-1", price_book=book),
                    book)


def disk_lines(est: CostEstimate) -> dict[str, Decimal | None]:
    """The node groups' launch-template lines: component -> cents (None: not priced)."""
    return {ln.component: None if ln.monthly_cost_usd is None else cents(ln.monthly_cost_usd)
            for ln in est.lines if ln.component.startswith("launch_template: ")}


@pytest.mark.parametrize(("ebs", "nodes", "usage", "expected"), [
    # 3 nodes x 20 GB x 0.08 = 4.80; 3000 IOPS / 125 MiBps are the free baseline: no lines
    ({"volume_size": 20, "volume_type": "gp3", "iops": 3000, "throughput": 125}, 3, {},
     {"Storage (general purpose SSD, gp3)": "4.80"}),
    # 2 x 50 GB x 0.08 = 8.00; (6000 - 3000) x 2 x 0.005 = 30.00; (250 - 125) x 2 x 0.04 = 10.00
    ({"volume_size": 50, "volume_type": "gp3", "iops": 6000, "throughput": 250}, 2, {},
     {"Storage (general purpose SSD, gp3)": "8.00", "Provisioned IOPS (above 3,000)": "30.00",
      "Provisioned throughput (above 125 MiBps)": "10.00"}),
    # simulated 1000 node-hours = 1000/730 node-months: 30 GB x 1000/730 x 0.08 = 3.2876 -> 3.29;
    # (4000 - 3000) x 1000/730 x 0.005 = 6.8493 -> 6.85
    ({"volume_size": 30, "volume_type": "gp3", "iops": 4000}, 1,
     {"monthly_node_hours": 1000},
     {"Storage (general purpose SSD, gp3)": "3.29", "Provisioned IOPS (above 3,000)": "6.85"}),
    # 2 x 100 GB x 0.125 = 25.00; 2 x 1000 IOPS x 0.065 = 130.00 (every io1 IOPS is billed)
    ({"volume_size": 100, "volume_type": "io1", "iops": 1000}, 2, {},
     {"Storage (provisioned IOPS SSD, io1)": "25.00", "Provisioned IOPS": "130.00"}),
    # io2 tiers apply per volume, as the label says (N-15: before, "first 32,000 IOPS" beside a
    # 60,000 IOPS line): 3 volumes of 20,000 IOPS all sit in the first tier (a tier on
    # the 60,000 total would leave 28,000 unpriced): 3 x 20000 x 0.065 = 3900.00;
    # 3 x 100 GB x 0.125 = 37.50
    ({"volume_size": 100, "volume_type": "io2", "iops": 20000}, 3, {},
     {"Storage (provisioned IOPS SSD, io2)": "37.50",
      "Provisioned IOPS (first 32,000 IOPS per volume)": "3900.00"}),
    # and beyond it: 2 x 32000 x 0.065 = 4160.00 priced; 2 x 8000 IOPS above the table's tiers
    ({"volume_size": 100, "volume_type": "io2", "iops": 40000}, 2, {},
     {"Storage (provisioned IOPS SSD, io2)": "25.00",
      "Provisioned IOPS (first 32,000 IOPS per volume)": "4160.00",
      "Provisioned IOPS (over 32,000 IOPS per volume)": None}),
    # a group at 0 nodes: 0 node-months of volumes
    ({"volume_size": 100, "volume_type": "io2", "iops": 20000}, 0, {},
     {"Storage (provisioned IOPS SSD, io2)": "0.00",
      "Provisioned IOPS (first 32,000 IOPS per volume)": "0.00"}),
    # gp2 from a template: 3 x 40 GB x 0.1 = 12.00
    ({"volume_size": 40, "volume_type": "gp2"}, 3, {},
     {"Storage (general purpose SSD, gp2)": "12.00"}),
])
def test_root_volumes_are_priced_from_the_template_per_node_month(
        book: PriceBook, ebs: dict[str, Any], nodes: int, usage: dict[str, Any],
        expected: dict[str, str | None]) -> None:
    est = price(book, template(**ebs), group(nodes, usage=usage))
    assert disk_lines(est) == {f"launch_template: {k}": None if v is None else Decimal(v)
                               for k, v in expected.items()}
    io2_over = [ln for ln in est.lines if ln.price_not_found]
    assert [ln.monthly_quantity for ln in io2_over] == ([16000] if None in expected.values()
                                                         else [])
    storage = next(ln for ln in est.lines if "Storage" in ln.component)
    assert storage.note == "root volume /dev/xvda of aws_launch_template.nodes, per node-month"


def test_the_default_plans_disks_were_gp2_and_are_gp3_now(book: PriceBook) -> None:
    # without a launch template: EKS's gp2 of disk_size, 3 x 20 GB x 0.1 = 6.00
    plain = {k: v for k, v in group().items() if k != "launch_template"}
    assert disk_lines(price(book, plain)) == {}
    (line,) = [ln for ln in price(book, plain).lines if "Storage" in ln.component]
    assert (line.component, cents(line.monthly_cost_usd or Decimal(-1))) == (
        "Storage (general purpose SSD, gp2)", Decimal("6.00"))
    # with the plan's template (gp3, 20 GB): 3 x 20 x 0.08 = 4.80, $1.20 less; the nodes
    # themselves 3 x 0.0416 x 730 = 91.104 -> 91.10 either way
    est = price(book, template(volume_size=20, volume_type="gp3"), group())
    assert cents(est.total_monthly_usd) == Decimal("91.10") + Decimal("4.80")


def test_a_template_alone_costs_nothing_and_terraform_references_resolve(book: PriceBook
                                                                         ) -> None:
    assert price(book, template(volume_size=20, volume_type="gp3")).lines == ()
    by_id = group(launch_template={"id": "aws_launch_template.nodes.id", "version": "$Latest"})
    lt, ng = parse_resources([template(volume_size=20, volume_type="gp3"), by_id],
                             default_region="us-east-1")
    assert ng.launch_template == lt and launch_template_ref(ng.attributes) == "nodes"
    assert "disk_size" not in ng.attributes  # Terraform's default 20 applies only without one


OK_TEMPLATE = template(volume_size=20, volume_type="gp3")


@pytest.mark.parametrize("ami_type", ["AL2_x86_64", "AL2_ARM_64", "AL2023_ARM_64_STANDARD"])
def test_the_root_device_of_amazon_linux_nodes_is_xvda(ami_type: str) -> None:
    lt, ng = parse_resources([OK_TEMPLATE, group(ami_type=ami_type)],
                             default_region="us-east-1")
    assert ng.launch_template == lt


@pytest.mark.parametrize(("items", "problems"), [
    ([OK_TEMPLATE, group(disk_size=20)],
     ["resources[1].disk_size: conflicts with launch_template: Terraform and EKS refuse "
      "disk_size on a node group with a launch template; set the size as "
      "block_device_mappings ebs.volume_size in the aws_launch_template and remove disk_size"]),
    ([OK_TEMPLATE, template("other", volume_size=20, volume_type="gp3"),
      group(launch_template={"name": "node"})],
     ["resources[2].launch_template.name: no aws_launch_template named 'node' in resources "
      "(launch templates: nodes, other); did you mean 'nodes'?"]),
    ([group(launch_template={"id": "aws_launch_template.nodes.id"})],
     ["resources[0].launch_template.id: no aws_launch_template named 'nodes' in resources (it "
      "has none); add one with a block_device_mappings block for the nodes' root volume"]),
    ([{"type": "aws_launch_template", "name": "nodes", "image_id": "ami-1"}, group()],
     ["resources[1].launch_template.name: aws_launch_template.nodes has no "
      "block_device_mappings, so the nodes' root volume would be the AMI's, which no pricing "
      "table describes; give it one block_device_mappings block with device_name /dev/xvda and "
      "ebs.volume_size and ebs.volume_type"]),
    ([OK_TEMPLATE, group(launch_template={"name": "nodes", "id": "nodes"})],
     ["resources[1].launch_template.id: give the launch template's name or its id, not both"]),
    ([OK_TEMPLATE, group(launch_template={"version": "1"})],
     ["resources[1].launch_template: needs name or id: the aws_launch_template resource it "
      "uses"]),
    ([OK_TEMPLATE, group(launch_template={"name": "nodes", "version": 1})],
     ["resources[1].launch_template.version: 1 must be a non-empty string"]),
    ([{"type": "aws_launch_template", "name": "nodes",
       "block_device_mappings": {"ebs": {"volume_size": 20}}}],
     ["resources[0].block_device_mappings.device_name: required to price the volume (the root "
      "device of the EKS AMIs is /dev/xvda)",
      "resources[0].block_device_mappings.ebs.volume_type: required to price the volume "
      "(without it the AMI's type applies, which no table holds; eksctl's default is gp3)"]),
    ([{"type": "aws_launch_template", "name": "nodes", "block_device_mappings": [
        {"device_name": "/dev/xvda", "ebs": {"volume_size": 2, "volume_type": "gp3"}},
        {"device_name": "/dev/xvdb", "ebs": {"volume_size": 20, "volume_type": "gp3"}}]}],
     ["resources[0].block_device_mappings: 2 blocks given; aws_launch_template.nodes takes one "
      "block_device_mappings block; only the nodes' root volume is priced: keep the block of "
      "the root device (/dev/xvda)"]),
    # N-15: the path names the block's index as written (before: block_device_mappings.ebs)
    ([template(volume_size=20, volume_type="gp2", throughput=200)],
     ["resources[0].block_device_mappings[0].ebs.throughput: only gp3 volumes take throughput, "
      "not gp2"]),
    ([template(volume_size=20, volume_type="io1")],
     ["resources[0].block_device_mappings[0].ebs.iops: required for io1 volumes"]),
    ([template(volume_size=20, volume_type="gp4")],
     ["resources[0].block_device_mappings[0].ebs.volume_type: 'gp4' is not one of gp2, gp3, io1, "
      "io2, st1, sc1, standard; did you mean 'gp2' or 'gp3'?"]),
    ([{**OK_TEMPLATE, "instance_type": "t3.large"}],
     ["resources[0].instance_type: not supported: the instance type is priced from the node "
      "group; remove it here and set the node group's instance_types"]),
    ([template(volume_size=20, volume_type="standard"), group()],
     ["resources[1].launch_template.name: aws_launch_template.nodes: a magnetic (standard) root "
      "volume is billed per I/O request, for which a node group has no usage key; use gp3 or "
      "gp2"]),
    # N-10: one block on a data device was priced as the root volume (same $ as /dev/xvda)
    ([{**OK_TEMPLATE, "block_device_mappings": [
        {"device_name": "/dev/xvdb", "ebs": {"volume_size": 20, "volume_type": "gp3"}}]},
      group()],
     ["resources[0].block_device_mappings[0].device_name: aws_launch_template.nodes's block is "
      "on /dev/xvdb, not the root device /dev/xvda of ami_type AL2023_x86_64_STANDARD: a block "
      "on another device adds a data volume and leaves the root volume the AMI's, which no "
      "table prices; give the block device_name /dev/xvda"]),
    ([OK_TEMPLATE, group(ami_type="BOTTLEROCKET_x86_64")],
     ["resources[0].block_device_mappings[0].device_name: aws_eks_node_group.general has "
      "ami_type BOTTLEROCKET_x86_64, whose nodes have two volumes (the OS on /dev/xvda, the "
      "data on /dev/xvdb), but aws_launch_template.nodes gives one block, so the other would "
      "go unpriced; use an AL2023 ami_type"]),
    ([OK_TEMPLATE, group(ami_type="WINDOWS_CORE_2022_x86_64")],
     ["resources[0].block_device_mappings[0].device_name: aws_eks_node_group.general has "
      "ami_type WINDOWS_CORE_2022_x86_64, whose root device this toolkit does not know (it "
      "knows /dev/xvda of the AL2_* and AL2023_* AMIs), so aws_launch_template.nodes's block "
      "cannot be priced as its root volume; use an AL2023 ami_type"]),
    # N-10: a launch template is regional; before, it was priced in the node group's region
    ([{**OK_TEMPLATE, "region": "eu-west-1"}, group()],
     ["resources[1].launch_template.name: aws_launch_template.nodes is in eu-west-1 but "
      "aws_eks_node_group.general is in us-east-1; a node group can use only a launch template "
      "of its own region: give both the same region"]),
    # a template with problems of its own is not reported again as missing
    ([template(volume_size=0, volume_type="gp3"), group()],
     ["resources[0].block_device_mappings[0].ebs.volume_size: 0 must be >= 1"]),
])
def test_bad_references_and_templates_name_the_path_and_the_fix(
        items: list[dict[str, Any]], problems: list[str]) -> None:
    assert [str(p) for p in validate_resources(items, default_region="us-east-1")] == problems
    with pytest.raises(PlanError, match=r"problem\(s\)"):
        parse_resources(items, default_region="us-east-1")


def test_a_hand_built_node_group_must_carry_the_template_it_names(book: PriceBook) -> None:
    lt, ng = parse_resources([OK_TEMPLATE, group()], default_region="us-east-1")
    other = Resource("aws_launch_template", "other", "us-east-1", lt.attributes)
    with pytest.raises(PlanError, match=r"aws_eks_node_group.general: carries "
                                        r"aws_launch_template.other but its launch_template "
                                        r"block names 'nodes'"):
        Resource(ng.type, ng.name, ng.region, ng.attributes, ng.usage, other)
    bare = Resource(ng.type, ng.name, ng.region, ng.attributes, ng.usage)
    with pytest.raises(PlanError, match=r"its launch_template 'nodes' was not resolved"):
        estimate([bare], book)


# ---------------------------------------------------------------------------- ClusterConfig

_CLUSTER = ("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n"
            "metadata: {name: main, region: us-east-1}\nmanagedNodeGroups:\n"
            "  - {name: general, instanceType: m5.large, minSize: 2, maxSize: 4, "
            "desiredCapacity: 2%s}\n")
_TEMPLATE = ("    - type: aws_launch_template\n      name: general\n"
             "      block_device_mappings:\n        - device_name: /dev/xvda\n"
             "          ebs: {%s}\n")


def _plan(tmp_path: Path, volumes: str, lt: str | None) -> Path:
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    (tmp_path / "manifests" / "cluster.yaml").write_text(_CLUSTER % volumes)
    text = (DATA / "minimal.yaml").read_text()
    old = "      scaling_config: {desired_size: 2, min_size: 2, max_size: 4}\n"
    assert old in text
    new = old + "  cluster_config: manifests/cluster.yaml\n"
    if lt == "disk_size: 20":  # no launch template: EKS's own root volumes of that size
        new = old + "      disk_size: 20\n  cluster_config: manifests/cluster.yaml\n"
    elif lt is not None:
        new = (old + "      launch_template: {name: general, version: '1'}\n"
               + _TEMPLATE % lt + "  cluster_config: manifests/cluster.yaml\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text(text.replace(old, new))
    return plan


_EQUAL = "so the priced root volumes are the ones eksctl creates"
_NO_LT = ("node group 'general' is priced with EKS's own gp2 root volumes (it names no "
          "launch_template) but {whose} is not gp2; add an aws_launch_template whose "
          "block_device_mappings ebs gives volume_type gp3 and the size, name it in the node "
          "group's launch_template block{remove}")
_DEFAULT_TYPE = "eksctl's default volumeType 'gp3' (the ClusterConfig does not state it)"
_DEFAULT_SIZE = "eksctl's default volumeSize 80 (the ClusterConfig does not state it)"
_LT = "proposed.resources[2].block_device_mappings[0].ebs"


@pytest.mark.parametrize(("volumes", "lt", "problems"), [
    (", volumeSize: 20, volumeType: gp3", "volume_size: 20, volume_type: gp3", []),
    # N-9: what the ClusterConfig leaves out is eksctl's default, 80 GiB of gp3 (before: not
    # compared, so a 30 GiB io1 template was priced while eksctl created 80 GiB gp3)
    ("", "volume_size: 80, volume_type: gp3", []),
    ("", "volume_size: 30, volume_type: io1, iops: 1000",
     [(f"{_LT}.volume_size", f"30 differs from {_DEFAULT_SIZE} for node group 'general'; state "
                             f"volumeSize in the ClusterConfig or make them equal {_EQUAL}"),
      (f"{_LT}.volume_type", f"'io1' differs from {_DEFAULT_TYPE} for node group 'general'; "
                             f"state volumeType in the ClusterConfig or make them equal "
                             f"{_EQUAL}")]),
    # EKS's own root volumes: gp2 of disk_size 20 (Terraform's default)
    (", volumeSize: 20, volumeType: gp2", None, []),
    # audit19 A19-22: "remove disk_size" only where it is written (minimal.yaml writes none)
    (", volumeSize: 20", None,
     [("proposed.resources[1]", _NO_LT.format(whose=_DEFAULT_TYPE, remove=""))]),
    (", volumeType: gp2", None,
     [("proposed.resources[1].disk_size",
       f"20 differs from {_DEFAULT_SIZE} for node group 'general'; state volumeSize in the "
       f"ClusterConfig or make them equal {_EQUAL}")]),
    (", volumeSize: 20, volumeType: gp3", "volume_size: 20, volume_type: gp2",
     [(f"{_LT}.volume_type",
       f"'gp2' differs from the ClusterConfig's volumeType 'gp3' for node group 'general'; make "
       f"them equal {_EQUAL}")]),
    (", volumeSize: 80, volumeType: gp3", "volume_size: 20, volume_type: gp3",
     [(f"{_LT}.volume_size",
       f"20 differs from the ClusterConfig's volumeSize 80 for node group 'general'; make them "
       f"equal {_EQUAL}")]),
    (", volumeSize: 80, volumeType: gp2", None,
     [("proposed.resources[1].disk_size",
       f"20 differs from the ClusterConfig's volumeSize 80 for node group 'general'; make them "
       f"equal {_EQUAL}")]),
    (", volumeSize: 20, volumeType: gp3", None,
     [("proposed.resources[1]",
       _NO_LT.format(whose="the ClusterConfig's volumeType 'gp3'", remove=""))]),
    (", volumeSize: 20, volumeType: gp3", "disk_size: 20",
     [("proposed.resources[1]", _NO_LT.format(whose="the ClusterConfig's volumeType 'gp3'",
                                              remove=" and remove disk_size"))]),
])
def test_the_cluster_config_volumes_agree_with_the_priced_ones(
        tmp_path: Path, volumes: str, lt: str | None, problems: list[tuple[str, str]]
) -> None:
    plan = _plan(tmp_path, volumes, lt)
    assert [(p.path, p.message) for p in validate_plan(plan)] == problems
