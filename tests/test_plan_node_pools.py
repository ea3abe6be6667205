"""A plan's node groups from Karpenter NodePools (``node_pools``): validation with paths, the
groups simulated, the declared cost at the published price row, the digest, the warnings."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from infra_toolkit.cost_pricing import estimate
from infra_toolkit.digest import plan_digest
from infra_toolkit.eksctl_config import NodeGroupConfig
from infra_toolkit.errors import PlanError
from infra_toolkit.plan import read_plan, validate_plan
from infra_toolkit.plan_simulation import simulation_spec
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import load_price_book

DATA = Path(__file__).parent / "data" / "plans"

NODE_POOLS = """\
apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: general}
spec:
  template:
    spec:
      requirements:
        - {key: node.kubernetes.io/instance-type, operator: In, values: [TYPES]}
        - {key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
  limits: {cpu: "40"}
  disruption: {consolidationPolicy: WhenEmptyOrUnderutilized, consolidateAfter: 1m}
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: {name: default}
spec:
  role: KarpenterNodeRole
  amiSelectorTerms: [{alias: al2023@latest}]
"""

# minimal.yaml's node group as the NodePool's: c5.large, 0..20, two nodes declared, the
# AL2023 nodes' 20 GiB gp3 root volume in a launch template
GROUP = """\
    - type: aws_launch_template
      name: general
      block_device_mappings:
        - device_name: /dev/xvda
          ebs: {volume_size: 20, volume_type: gp3}
    - type: aws_eks_node_group
      name: general
      instance_types: [c5.large]
      ami_type: AL2023_x86_64_STANDARD
      launch_template: {name: general, version: "1"}
      scaling_config: {desired_size: 2, min_size: 0, max_size: 20}
  node_pools: manifests/nodepools.yaml
"""


def _plan(tmp_path: Path, types: str = "c5.large", group: str = GROUP,
          autoscaler: str = "simulation: {node_autoscaler: karpenter-like}\n") -> Path:
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    (tmp_path / "manifests" / "nodepools.yaml").write_text(NODE_POOLS.replace("TYPES", types))
    text = (DATA / "minimal.yaml").read_text()
    old = ("    - type: aws_eks_node_group\n      name: general\n      instance_types: [m5.large]\n"
           "      scaling_config: {desired_size: 2, min_size: 2, max_size: 4}\n")
    assert old in text
    plan = tmp_path / "plan.yaml"
    plan.write_text(text.replace(old, group).replace("questions:", autoscaler + "questions:"))
    return plan


def test_a_node_pool_is_a_node_group_simulated_and_priced(tmp_path: Path) -> None:
    plan = read_plan(_plan(tmp_path))
    labels = {"node.kubernetes.io/instance-type": "c5.large",
              "karpenter.k8s.aws/instance-family": "c5",
              "karpenter.k8s.aws/instance-size": "large",
              "karpenter.k8s.aws/instance-cpu": "2", "karpenter.k8s.aws/instance-memory": "4096",
              "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux",
              "karpenter.k8s.aws/instance-category": "c",
              "karpenter.k8s.aws/instance-generation": "5", "karpenter.sh/nodepool": "general",
              "karpenter.sh/capacity-type": "on-demand"}
    # limits.cpu 40 / c5.large's 2 vCPU = 20 nodes at most; Karpenter has no minimum
    assert plan.proposed.node_groups == (NodeGroupConfig(
        "general", ("c5.large",), 0, 20, 2, "ON_DEMAND", 20, labels, (), "gp3", "AL2023",
        managed=False, volumes_default="Karpenter's default for AL2023 (20 GiB gp3; "
        "EC2NodeClass 'default' states no blockDeviceMappings)"),)
    book = load_price_book()
    spec = simulation_spec(plan, "api", book)
    assert [(g.name, g.instance_type, g.min_size, g.max_size) for g in spec.node_groups] == \
        [("general", "c5.large", 0, 20)]
    # consolidateAfter 1m = 60 s unneeded; WhenEmptyOrUnderutilized: the fit check alone
    assert (spec.autoscaler.name, spec.autoscaler.scale_down_unneeded_s,
            spec.autoscaler.scale_down_utilization_threshold) == ("karpenter-like", 60.0, 1.0)


def test_a_node_class_ref_to_a_class_not_in_the_file_says_so(tmp_path: Path) -> None:
    # fuzz20: beside another EC2NodeClass the default was explained as "the NodePool file
    # holds no EC2NodeClass", which the file contradicts
    path = _plan(tmp_path)
    pools = tmp_path / "manifests" / "nodepools.yaml"
    pools.write_text(pools.read_text().replace("kind: EC2NodeClass\nmetadata: {name: default}",
                                               "kind: EC2NodeClass\nmetadata: {name: other}"))
    (group,) = read_plan(path).proposed.node_groups
    assert group.volumes_default == (
        "Karpenter's default for AL2023 (20 GiB gp3; its nodeClassRef names no EC2NodeClass of "
        "its file, so AL2023 is assumed)")


def test_the_node_pool_is_priced_at_the_published_row(tmp_path: Path) -> None:
    plan = read_plan(_plan(tmp_path))
    lines = [ln for ln in estimate(plan.proposed.resources, load_price_book()).lines
             if ln.resource_name == "general" and ln.component.startswith("Instance usage")]
    (line,) = lines
    # ec2_on_demand_2026-07-20.csv: us-east-1,c5.large,0.085 USD per hour. Two nodes declared:
    # 2 x 730 h = 1460 node-hours a month, 1460 x 0.085 = 124.10 USD
    assert (line.unit_price_usd, line.monthly_quantity, line.monthly_cost_usd) == \
        (Decimal("0.085"), Decimal("1460"), Decimal("124.10"))


def test_the_node_pool_file_is_in_the_digest(tmp_path: Path) -> None:
    path = _plan(tmp_path)
    plan = read_plan(path)
    pools = tmp_path / "manifests" / "nodepools.yaml"
    assert pools in plan.referenced_files()
    before = plan_digest(plan)
    # one byte: consolidateAfter 1m -> 2m (the plan stays valid)
    pools.write_text(pools.read_text().replace("consolidateAfter: 1m", "consolidateAfter: 2m"))
    assert plan_digest(read_plan(path)) != before


@pytest.mark.parametrize(("types", "group", "autoscaler", "path", "message"), [
    # the resource names a type the requirements do not allow
    ("m5.large", GROUP, None, "proposed.resources[2].instance_types",
     "'c5.large' is not allowed by the requirements of NodePool 'general' "
     "(node.kubernetes.io/instance-type In [m5.large] (it is c5.large)); name a type they "
     "allow; the cheapest type it allows is m5.large at $0.096/h on-demand in us-east-1"),
    ("c5.large", GROUP.replace("instance_types: [c5.large]",
                               "instance_types: [c5.large, m5.large]"), None,
     "proposed.resources[2].instance_types",
     "lists 2 types but NodePool 'general' is simulated and priced as one instance type"),
    # 40 vCPU / 2 = 20 nodes: a resource saying 10 prices another ceiling
    ("c5.large", GROUP.replace("max_size: 20", "max_size: 10"), None,
     "proposed.resources[2].scaling_config.max_size",
     "10 differs from the NodePool file's 20 for node group 'general'"),
    ("c5.large", GROUP.replace("min_size: 0", "min_size: 1"), None,
     "proposed.resources[2].scaling_config.min_size",
     "1 differs from the NodePool file's 0 for node group 'general'"),
    ("c5.large", GROUP.replace("desired_size: 2", "desired_size: 21").replace(
        "max_size: 20", "max_size: 30"), None,
     "proposed.resources[2].scaling_config.desired_size",
     "21 is above the 20 c5.large nodes the spec.limits of NodePool 'general' allow"),
    ("c5.large", GROUP.replace("ami_type: AL2023_x86_64_STANDARD", "ami_type: AL2_x86_64"), None,
     "proposed.resources[2].ami_type",
     "'AL2_x86_64' is not of the NodePool file's EC2NodeClass AMI family 'AL2023'"),
    # audit19 A19-22: the EC2NodeClass states no blockDeviceMappings: Karpenter's default is
    # named as such, not as the file's blockDeviceMappings
    ("c5.large", GROUP.replace("volume_size: 20", "volume_size: 30"), None,
     "proposed.resources[1].block_device_mappings[0].ebs.volume_size",
     "30 differs from Karpenter's default for AL2023 (20 GiB gp3; EC2NodeClass 'default' "
     "states no blockDeviceMappings) for node group 'general'; state blockDeviceMappings in "
     "the EC2NodeClass or make them equal"),
    ("c5.large", GROUP.replace("name: general\n      instance", "name: other\n      instance"
                               ).replace("name: general\n      block", "name: other\n      block"
                                         ).replace("{name: general,", "{name: other,"),
     None, "proposed.node_pools",
     "NodePool 'general' has no aws_eks_node_group resource with that node_group_name, so it "
     "would not be priced; add one with node_group_name: general, instance_types: the one "
     "type to simulate and price; the cheapest type it allows is c5.large at $0.085/h"),
    ("c5.large", GROUP, "", "simulation.node_autoscaler",
     "'cluster-autoscaler' (unstated: the default) but Karpenter provisions the nodes of "
     "proposed.node_pools; set node_autoscaler: karpenter-like"),
    ("c5.large", GROUP, "simulation: {node_autoscaler: cluster-autoscaler}\n",
     "simulation.node_autoscaler",
     "'cluster-autoscaler' but Karpenter provisions the nodes of proposed.node_pools; set "
     "node_autoscaler: karpenter-like"),
])
def test_a_node_pool_mistake_is_named_with_its_path_and_fix(
        tmp_path: Path, types: str, group: str, autoscaler: str | None, path: str,
        message: str) -> None:
    plan = _plan(tmp_path, types, group, *(() if autoscaler is None else (autoscaler,)))
    problems = [(p.path, p.message) for p in validate_plan(plan)]
    assert any(at == path and message in said for at, said in problems), problems


def test_a_bad_node_pool_file_is_reported_under_its_key(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    pools = tmp_path / "manifests" / "nodepools.yaml"
    pools.write_text(pools.read_text().replace('limits: {cpu: "40"}', "limits: {cpu: forty}")
                     .replace("karpenter.sh/v1\n", "karpenter.sh/v1alpha5\n"))
    assert [(p.path, p.message) for p in validate_plan(plan)] == [
        ("proposed.node_pools", "nodepools.yaml: NodePool/general.apiVersion: "
                                "'karpenter.sh/v1alpha5' is not read for NodePool; use "
                                "karpenter.sh/v1 or karpenter.sh/v1beta1")]


def test_a_node_pool_in_zones_of_another_region_is_refused(tmp_path: Path) -> None:
    # region17: a NodePool whose zone requirement names us-east-1 zones in a plan priced in
    # us-east-1 is fine; moved to eu-west-1 with those zones kept, Karpenter finds no offering
    # in any of them and launches nothing, yet the plan was valid and simulated its nodes
    plan = _plan(tmp_path)
    pools = tmp_path / "manifests" / "nodepools.yaml"
    pools.write_text(pools.read_text().replace(
        "        - {key: karpenter.sh/capacity-type",
        "        - {key: topology.kubernetes.io/zone, operator: In, values: [us-east-1a, "
        "us-east-1b]}\n        - {key: karpenter.sh/capacity-type"))
    assert validate_plan(plan) == []
    plan.write_text(plan.read_text().replace("proposed:\n  region: us-east-1",
                                             "proposed:\n  region: eu-west-1"))
    assert [(p.path, p.message) for p in validate_plan(plan)] == [
        ("proposed.node_pools", "NodePool 'general': topology.kubernetes.io/zone 'us-east-1a', "
                                "'us-east-1b' are not zones of the plan's region 'eu-west-1', so "
                                "Karpenter launches no node for it; name zones of eu-west-1 "
                                "(eu-west-1a, ...), or correct the region")]


def test_the_warnings_say_which_type_is_assumed_and_the_cheapest(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "c5.large, m5.large", GROUP.replace(
        "instance_types: [c5.large]", "instance_types: [m5.large]"))
    _plan_read, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    # ec2_on_demand_2026-07-20.csv, us-east-1: c5.large 0.085 < m5.large 0.096 USD per hour;
    # m5.large: 2 vCPU, so limits.cpu 40 still allows 20 nodes (the default budget's 2 nodes
    # at once is test_a_budget_allowing_several_nodes_at_once_is_warned_default_or_not's)
    assert [(w.path, w.message) for w in warnings if w.path == "proposed.node_pools"
            and "at once" not in w.message] == [
        ("proposed.node_pools",
         "warning: NodePool 'general' allows 2 instance types of the price book; the plan "
         "simulates and prices m5.large only (its aws_eks_node_group's instance_types), "
         "ON_DEMAND, at most 20 nodes by spec.limits; the cheapest it allows is c5.large at "
         "$0.085/h on-demand in us-east-1, which Karpenter launches first when it fits the "
         "pods: name it in the aws_eks_node_group if it does")]


def test_the_report_prices_the_node_pools_nodes_per_hour_at_the_published_row(
        tmp_path: Path) -> None:
    from infra_toolkit.analysis import analyze_plan

    run = analyze_plan(_plan(tmp_path)).runs[0]
    cost, nodes = run.cluster_hourly_cost, run.cluster.nodes
    assert cost is not None
    # at t = 0 the Deployment's 2 pods (200m, 256Mi) are on one c5.large: its 2000m less
    # 70m kubeReserved and 125m DaemonSets = 1805m holds floor(1805 / 200) = 9 of them, so
    # 1 node x 0.085 USD/h (us-east-1 row)
    assert (nodes.nodes_general[0], cost.usd_per_hour[0]) == (1, 0.085)
    billed = nodes.nodes_general + nodes.launching_nodes_general
    assert list(cost.usd_per_hour) == pytest.approx(list(billed * 0.085))


def _beside_cluster_config(tmp_path: Path, more_groups: str = "") -> Path:
    """The NodePool plan with an eksctl ClusterConfig holding a 'system' group (and
    ``more_groups``, managedNodeGroups entries), priced by its own aws_eks_node_group."""
    system = ("    - type: aws_eks_node_group\n      name: system\n"
              "      instance_types: [m5.large]\n"
              "      scaling_config: {desired_size: 2, min_size: 2, max_size: 4}\n")
    plan = _plan(tmp_path, group=system + GROUP + "  cluster_config: manifests/cluster.yaml\n")
    (tmp_path / "manifests" / "cluster.yaml").write_text(
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n"
        "metadata: {name: main, region: us-east-1}\nmanagedNodeGroups:\n"
        "  - {name: system, instanceType: m5.large, minSize: 2, maxSize: 4,\n"
        "     volumeSize: 20, volumeType: gp2}\n" + more_groups)
    return plan


def test_node_pools_beside_an_eksctl_cluster_config(tmp_path: Path) -> None:
    # the usual layout: eksctl creates a small managed group for Karpenter itself, Karpenter
    # the application nodes; each group is priced by its own aws_eks_node_group
    groups = read_plan(_beside_cluster_config(tmp_path)).proposed.node_groups
    assert [(g.name, g.instance_types, g.min_size, g.max_size, g.managed) for g in groups] == [
        ("system", ("m5.large",), 2, 4, True), ("general", ("c5.large",), 0, 20, False)]


def test_a_name_in_both_the_cluster_config_and_the_node_pools_is_that_problem_alone(
        tmp_path: Path) -> None:
    # audit9 A9-11: 'general' in both files was reported as "node group 'general' of the
    # ClusterConfig has no aws_eks_node_group resource ... valid: 'system'" (the resource is
    # there: the NodePool took it), beside or instead of the duplicate name
    plan = _beside_cluster_config(
        tmp_path, "  - {name: general, instanceType: c5.large, minSize: 0, maxSize: 20,\n"
                  "     volumeSize: 20, volumeType: gp3}\n")
    with pytest.raises(PlanError) as exc:
        read_plan(plan)
    problems = [line.split(": ", 1)[1] for line in str(exc.value).splitlines()[1:]]
    assert problems == ["proposed.node_pools: node group 'general' is already used at "
                        "proposed.cluster_config; names must be unique"]


def test_the_desired_size_warning_names_no_eksctl_field_for_a_node_pool(tmp_path: Path
                                                                       ) -> None:
    # 1000m pods: a c5.large's 2000m - 70m - 125m = 1805m holds 1, so the HPA's minReplicas
    # 2 fill 2 nodes while the aws_eks_node_group declares 1. The group is a NodePool's, so
    # the fix is the resource's desired_size alone (no ClusterConfig to keep in step)
    plan = _plan(tmp_path, group=GROUP.replace("desired_size: 2", "desired_size: 1"))
    deployment = tmp_path / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("cpu: 200m", "cpu: 1000m"))
    _plan_read, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    assert [w.message for w in warnings if w.path.endswith("desired_size")] == [
        "warning: node group 'general' declares desired_size 1 but its starting pods (api 2 x "
        "1000m / 256 MiB, 1 per c5.large) fill at least 2 node(s): the declared cost, the "
        "review's basis, leaves out 1 node(s) that run from the first minute; set desired_size "
        "to 2"]


@pytest.mark.parametrize("mistake", ["overrides", "resource"])
def test_a_node_pool_kept_from_becoming_a_group_is_one_problem(tmp_path: Path,
                                                               mistake: str) -> None:
    # audit15 A15-1: a broken overrides file (no price book) or a problem of the pool's own
    # aws_eks_node_group left the NodePool's group out, and the workload naming it got a
    # second, false "no node group named 'general'" beside the one real problem
    path = _plan(tmp_path)
    text = path.read_text().replace("      hpa: manifests/hpa.yaml\n",
                                    "      hpa: manifests/hpa.yaml\n      node_group: general\n")
    if mistake == "overrides":
        (tmp_path / "rates.yaml").write_text(
            "version: 1\nrates:\n  - {purchase_option: spot, usd_per_unit: '0.04', "
            "source: x, service: AmazonEC2, region: us-east-1}\n")
        text = text.replace("questions:", "pricing: {overrides: rates.yaml}\nquestions:")
        where, words = "pricing.overrides", "name one of instance_type"
    else:
        # m5.large: a type the NodePool's requirements (c5.large only) do not allow
        text = text.replace("instance_types: [c5.large]", "instance_types: [m5.large]")
        where, words = "proposed.resources[2].instance_types", "is not allowed by the "
    path.write_text(text)
    problems = validate_plan(path)
    assert [p.path for p in problems] == [where], "\n".join(map(str, problems))
    assert words in problems[0].message


_PDB = ("---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: api-pdb}\n"
        "spec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: api}}\n")


def _slow_budgeted_plan(tmp_path: Path, grace: str | None = None) -> Path:
    """The NodePool plan with api's PodDisruptionBudget maxUnavailable 1 and an app start of
    200 s (Ready 5 + 200 + 5 = 210 s after scheduled: image pull, app start, readiness delay),
    and the NodePool's terminationGracePeriod ``grace`` if given."""
    plan = _plan(tmp_path)
    plan.write_text(plan.read_text().replace("app_start_s: 10", "app_start_s: 200"))
    deployment = tmp_path / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text() + _PDB)
    if grace is not None:
        pools = tmp_path / "manifests" / "nodepools.yaml"
        pools.write_text(pools.read_text().replace(
            "      nodeClassRef:", f"      terminationGracePeriod: {grace}\n      nodeClassRef:"))
    return plan


def test_a_node_pool_plan_simulates_karpenters_drains(tmp_path: Path) -> None:
    spec = simulation_spec(read_plan(_slow_budgeted_plan(tmp_path, "60s")), "api",
                           load_price_book())
    assert (spec.autoscaler.drain_rules, spec.autoscaler.drain_limit_s("general")) == \
        ("karpenter", 60.0)
    assert spec.disruption_budget is not None
    # minimal.yaml itself (an aws_eks_node_group without NodePools): cluster-autoscaler's
    eks = simulation_spec(read_plan(DATA / "minimal.yaml"), "api", load_price_book())
    assert (eks.autoscaler.drain_rules, eks.autoscaler.drain_limit_s("general")) == \
        ("cluster-autoscaler", 120.0)


def _drain_warnings(plan: Path) -> list[str]:
    _plan_read, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    return [w.message for w in warnings if "drain" in w.message]


def test_no_cluster_autoscaler_give_up_warning_for_node_pools(tmp_path: Path) -> None:
    # tests/test_plan_warnings.py warns of this budget and 210 s to Ready on an eksctl group
    # (cluster-autoscaler gives up after 120 s); Karpenter retries without a limit
    assert _drain_warnings(_slow_budgeted_plan(tmp_path)) == []


def test_a_grace_period_shorter_than_the_drain_is_warned(tmp_path: Path) -> None:
    # api: HPA 2-8, 200m / 256 MiB pods on c5.large: min((2000 - 70 - 125) / 200 = 9.03 -> 9,
    # (4096 - 308 - 574 - 100) / 256 = 12.2 -> 12, 29 - 2 = 27) = 9 a node. At minReplicas 2,
    # every pod Ready: keep 2 - 1 = 1, allowed 1 < min(9, 2) = 2 on a node: 2 steps, 1 wait of 210 s
    # > 60 s: the pod left is deleted at the grace period
    assert _drain_warnings(_slow_budgeted_plan(tmp_path, "60s")) == [
        "warning: workload 'api': its PodDisruptionBudget 'api-pdb' allows 1 eviction(s) at 2 "
        "replicas (every pod Ready), but a node of NodePool 'general' can hold 2 of its pods, "
        "so Karpenter drains such a node in 2 steps, each after the last one's replacements "
        "turn Ready in 210 s: 1 x 210 = 210 s, longer than the NodePool's "
        "terminationGracePeriod (60 s), when Karpenter deletes the pods still on the node, so "
        "fewer pods are Ready until their replacements are; raise terminationGracePeriod above "
        "210 s, let the budget allow 2 evictions at once (maxUnavailable), or bring the time "
        "to Ready under 60 s"]
    # the longest drain: at maxReplicas 8, all 8 on one node (9 fit), 1 allowed at a time, 7
    # waits x 210 = 1470 s; 5m = 300 s is short of 3 replicas' 2 x 210 = 420 s, 25m = 1500 s
    # outlasts every drain
    assert "at 3 replicas" in _drain_warnings(_slow_budgeted_plan(tmp_path / "5m", "5m"))[0]
    assert _drain_warnings(_slow_budgeted_plan(tmp_path / "25m", "25m")) == []


def test_a_budget_of_no_node_keeps_every_node_and_is_warned(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    pools = tmp_path / "manifests" / "nodepools.yaml"
    pools.write_text(pools.read_text().replace(
        "consolidateAfter: 1m}", 'consolidateAfter: 1m, budgets: [{nodes: "0"}]}'))
    spec = simulation_spec(read_plan(plan), "api", load_price_book())
    assert spec.autoscaler.undisruptable_groups == ("general",)
    _plan_read, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    assert [w.message for w in warnings if "budgets allow no node" in w.message] == [
        "warning: NodePool 'general': spec.disruption.budgets allow no node to be disrupted "
        "(nodes: '0', with no schedule), so Karpenter never consolidates it: every node it "
        "launches is kept, and billed, to the end of the run however idle; give the budget a "
        "schedule and duration for the hours to protect, or allow at least one node "
        "(Karpenter's default is \"10%\")"]


_AT_ONCE = (
    "warning: NodePool 'general': its disruption budget nodes: \"{budget}\"{default} lets "
    "Karpenter disrupt up to 2 of its 20 nodes at once (a percent of the nodes rounded up; "
    "emptiness and multi-node consolidation delete several nodes in one command), but the "
    "simulation removes one node at a time (each removal validated 15 s after it is chosen, "
    "the node billed until its pods have terminated, the longest terminationGracePeriodSeconds "
    "of the pods its group may hold later, 30 s unset): when several nodes are "
    "unneeded together, the simulated scale-down is slower and its node-hours and cost may be "
    "higher than Karpenter's")


@pytest.mark.parametrize(("budgets", "limit_cpu", "expected"), [
    # no budgets: Karpenter's default, nodes "10%" of limits.cpu 40 / c5.large's 2 vCPU = 20
    # nodes at most: ceil(0.1 x 20) = 2 at once, the simulation 1: warned, as an explicit
    # "10%" is (before, only budgets written in the file were noted)
    ("", "40", [_AT_ONCE.format(budget="10%", default=" (Karpenter's default)")]),
    (', budgets: [{nodes: "10%"}]', "40",
     [_AT_ONCE.format(budget="10%", default=" (Karpenter's default)")]),
    (', budgets: [{nodes: "2"}]', "40", [_AT_ONCE.format(budget="2", default="")]),
    # one node at once: the simulation's own pace, nothing to say
    (', budgets: [{nodes: "1"}]', "40", []),
    # limits.cpu 20: 10 nodes at most, ceil(0.1 x 10) = 1: the default met too
    ("", "20", []),
])
def test_a_budget_allowing_several_nodes_at_once_is_warned_default_or_not(
        tmp_path: Path, budgets: str, limit_cpu: str, expected: list[str]) -> None:
    group = GROUP if limit_cpu == "40" else GROUP.replace("max_size: 20", "max_size: 10")
    plan = _plan(tmp_path, group=group)
    pools = tmp_path / "manifests" / "nodepools.yaml"
    pools.write_text(pools.read_text().replace(
        "consolidateAfter: 1m}", f"consolidateAfter: 1m{budgets}}}").replace(
        'limits: {cpu: "40"}', f'limits: {{cpu: "{limit_cpu}"}}'))
    _plan_read, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    assert [w.message for w in warnings if "at once" in w.message] == expected


_NO_LT_GROUP = "    - type: aws_eks_node_group\n" + GROUP.split("aws_eks_node_group\n")[1].replace(
    '      launch_template: {name: general, version: "1"}\n', "")
_STATED = ("  blockDeviceMappings: [{deviceName: /dev/xvda, ebs: {volumeSize: 20Gi, "
           "volumeType: gp2}}]\n")


@pytest.mark.parametrize(("stated", "disk", "problems"), [
    # Karpenter's AL2023 default (20 GiB gp3) against EKS's own gp2: no disk_size to remove
    ("", "", [("proposed.resources[1]",
               "node group 'general' is priced with EKS's own gp2 root volumes (it names no "
               "launch_template) but Karpenter's default for AL2023 (20 GiB gp3; EC2NodeClass "
               "'default' states no blockDeviceMappings) is not gp2; add an aws_launch_template "
               "whose block_device_mappings ebs gives volume_type gp3 and the size, name it in "
               "the node group's launch_template block")]),
    # stated volumes (20 GiB gp2) agree with EKS's own 20 GiB gp2
    (_STATED, "", []),
    (_STATED, "      disk_size: 30\n",
     [("proposed.resources[1].disk_size",
       "30 differs from the NodePool file's blockDeviceMappings volumeSize (summed) 20 for node "
       "group 'general'; make them equal so the priced root volumes are the ones Karpenter "
       "creates")]),
])
def test_the_node_class_volumes_are_named_as_stated_or_defaulted(
        tmp_path: Path, stated: str, disk: str, problems: list[tuple[str, str]]) -> None:
    # audit19 A19-22: a default was named "the NodePool file's blockDeviceMappings", and
    # "remove disk_size" was said of a resource without one
    plan = _plan(tmp_path, group=_NO_LT_GROUP.replace("      scaling_config", disk +
                                                      "      scaling_config"))
    pools = tmp_path / "manifests" / "nodepools.yaml"
    pools.write_text(pools.read_text() + stated)
    assert [(p.path, p.message) for p in validate_plan(plan)] == problems


@pytest.mark.parametrize(("sizes", "warned"), [
    # system min 2 < max 4: the simulation would add m5.large nodes to it (A21-7)
    ("minSize: 2, maxSize: 4", True),
    # held at 2 = 2 = 2: nothing to scale, nothing to warn of
    ("minSize: 2, maxSize: 2", False),
])
def test_a_group_beside_node_pools_free_to_scale_is_warned_of(tmp_path: Path, sizes: str,
                                                              warned: bool) -> None:
    plan = _beside_cluster_config(tmp_path)
    config = tmp_path / "manifests" / "cluster.yaml"
    config.write_text(config.read_text().replace("minSize: 2, maxSize: 4", sizes))
    if not warned:
        plan.write_text(plan.read_text().replace("min_size: 2, max_size: 4",
                                                 "min_size: 2, max_size: 2"))
    _read, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    assert [w.message for w in warnings if "not a NodePool's" in w.message] == ([
        "warning: node group 'system' is not a NodePool's, yet the simulation scales it between "
        "min_size 2 and max_size 4 by the NodePools' rules (Karpenter launches and consolidates "
        "only its own NodeClaims; cluster-autoscaler would scale this group, if installed); to "
        "hold it as Karpenter leaves it, set min_size = max_size = desired_size (2) (and "
        "eksctl's minSize, maxSize and desiredCapacity)"] if warned else [])
    assert [w.path for w in warnings if "not a NodePool's" in w.message] == \
        (["proposed.cluster_config"] if warned else [])


def test_a_resource_group_beside_node_pools_is_warned_of_at_its_own_scaling_config(
        tmp_path: Path) -> None:
    # audit22 A22-3: the warning pointed at proposed.resources (line 16, "resources:"); the
    # group is resources[1] (after aws_eks_cluster main), its scaling_config on minimal.yaml's
    # line 16 + 6 = 22 (the cluster's two lines, then the group's type, name, instance_types)
    system = ("    - type: aws_eks_node_group\n      name: system\n"
              "      instance_types: [m5.large]\n"
              "      scaling_config: {desired_size: 1, min_size: 1, max_size: 3}\n")
    plan = _plan(tmp_path, group=system + GROUP)
    assert plan.read_text().splitlines()[21] == (
        "      scaling_config: {desired_size: 1, min_size: 1, max_size: 3}")
    _read, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    assert [str(w) for w in warnings if "not a NodePool's" in w.message] == [
        f"{plan}:22: proposed.resources[1].scaling_config: warning: node group 'system' is not "
        "a NodePool's, yet the simulation scales it between min_size 1 and max_size 3 by the "
        "NodePools' rules (Karpenter launches and consolidates only its own NodeClaims; "
        "cluster-autoscaler would scale this group, if installed); to hold it as Karpenter "
        "leaves it, set min_size = max_size = desired_size (1)"]


def test_a_node_pools_nodes_go_one_at_a_time_validated_and_terminated(tmp_path: Path) -> None:
    # audit21 A21-10 (/tmp/a21/np1): api's 900m pods on c5.large (1805m allocatable: 2 a
    # node), 20 m a request, 10 rps, 200 rps over [1800, 5400) s, then 10 rps; NodePool
    # 'general' with the CRD's default budget (10 %) and consolidateAfter 1m; scans every 5 s,
    # each before its tick's HPA sync. Up to 6 pods on 3 nodes; 5715 s: 6 -> 5; 5730 s: 5 -> 2.
    # The scan at 5735 s finds 2 pods on 3 nodes ((2 x 900 / 3 + 125 DaemonSets) / 1930 of the
    # kubelet's = 38 %, 6 - 2 = 4 slots left for them): unneeded from 5735 s, 5735 + 60 =
    # 5795 s: chosen; validated 15 s later,
    # 5810 s: 2 // 3 = 0 pods evicted, the node cordoned; gone once its pods terminated, 30 s
    # later: 3 -> 2 at 5840 s. 5840 s: 2 pods on 2 nodes ((900 + 125) / 1930 = 53 %, below
    # the NodePool's threshold of 1.0 for WhenEmptyOrUnderutilized; 4 - 2 = 2 slots left), its
    # time up since 5795 s: chosen; 5855 s: 2 // 2 = 1 pod evicted (placed on the other
    # node); 5885 s: 2 -> 1. One node at a time, so the budget (ceil(10 % x 3) = 1) is met.
    # (Before the validation and termination were modelled: 5795 s and, a removed node
    # counting against the budget 15 s, 5810 s.)
    from infra_toolkit.plan_replay import replay_plan

    plan = _slow_budgeted_plan(tmp_path, "60s")
    plan.write_text(plan.read_text().replace("cpu_millicores_per_rps: 5",
                                             "cpu_millicores_per_rps: 20"))
    deployment = tmp_path / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("cpu: 200m", "cpu: 900m"))
    (tmp_path / "manifests" / "traffic.csv").write_text("timestamp,requests_per_second\n" + "".join(
        f"{60 * i},{200 if 30 <= i < 90 else 10}\n" for i in range(240)))
    (run,) = replay_plan(read_plan(plan), load_price_book())
    ev = run.result.events
    shown = ev[ev["kind"].str.startswith("node_") | (ev["time_s"] >= 5700)
               & (ev["kind"] == "hpa_scale")]
    assert list(zip(shown["time_s"], shown["kind"], shown["from"], shown["to"])) == [
        (1835.0, "node_scale_up:general", 1, 2), (2360.0, "node_scale_up:general", 2, 3),
        (5715.0, "hpa_scale", 6, 5), (5730.0, "hpa_scale", 5, 2),
        (5840.0, "node_scale_down:general", 3, 2), (5885.0, "node_scale_down:general", 2, 1)]
