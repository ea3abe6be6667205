"""Karpenter NodePools tried by ``spec.weight`` (then name, Z to A) with their ``spec.limits``:
which pool's nodes a plan's pods get, node-hours per instance type and what they cost.

The plan: minimal.yaml's 'api' (900m CPU, 256 Mi a pod; the Deployment starts 2, the HPA's
minReplicas 8 makes it 8 at its first sync) on two NodePools, listed in the file as
'on-demand' then 'burst-spot':

* 'on-demand': m5.xlarge, on-demand, no weight (0), limits.cpu 16: 16 / 4 vCPU = 4 nodes.
  Allocatable 4000m - 80m kubeReserved (6 % of the first core, 1 % of the second, 0.5 % of the
  third and fourth: 60 + 10 + 5 + 5) - 125m DaemonSets = 3795m: floor(3795 / 900) = 4 pods.
* 'burst-spot': c5.large, spot, weight 10, limits.cpu 4: 4 / 2 vCPU = 2 nodes.
  Allocatable 2000m - 70m - 125m = 1805m: floor(1805 / 900) = 2 pods.

(Memory does not bind: 3114 and 14162 MiB allocatable hold 12 and 55 pods of 256 Mi.)

Timing (karpenter-like): a scan every 5 s before the HPA syncs of its instant, the HPA's
first sync at 15 s, a node Ready 45 s after the scan that launched it and billed from that
scan. The traffic is 60 rows of a minute at 10 rps (1 hour); the HPA stays at 8 (its
minReplicas; 10 rps never lifts it) and every node stays full, so none is consolidated.
Prices: ec2_on_demand_2026-07-20.csv us-east-1 m5.xlarge 0.192 USD/h; the c5.large spot rate
0.034 USD/h is this test's overrides file. A month is 730 hours, the run 1 hour.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.nodes import NodeGroup
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_replay import replay_plan
from infra_toolkit.pricing import load_price_book
from infra_toolkit.shared_nodes import union_groups
from tests.test_plan_node_pools import GROUP, NODE_POOLS

DATA = Path(__file__).parent / "data" / "plans"

NODE_CLASS = NODE_POOLS.split("---\n")[1]  # EC2NodeClass 'default': AL2023, no volumes
# the launch template 'general': the AL2023 nodes' 20 GiB gp3 root volume
LAUNCH_TEMPLATE = GROUP.split("    - type: aws_eks_node_group")[0]


def _pool(name: str, itype: str, capacity: str, cpu: int, weight: int | None) -> str:
    """A NodePool of ``itype`` nodes of ``capacity``, ``cpu`` vCPU in ``spec.limits``, of
    ``spec.weight`` ``weight`` (``None``: unset)."""
    return ("apiVersion: karpenter.sh/v1\nkind: NodePool\n"
            f"metadata: {{name: {name}}}\nspec:\n"
            + ("" if weight is None else f"  weight: {weight}\n")
            + "  template:\n    spec:\n      requirements:\n"
            f"        - {{key: node.kubernetes.io/instance-type, operator: In, "
            f"values: [{itype}]}}\n"
            f"        - {{key: karpenter.sh/capacity-type, operator: In, values: [{capacity}]}}\n"
            "      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n"
            f"  limits: {{cpu: \"{cpu}\"}}\n"
            "  disruption: {consolidationPolicy: WhenEmptyOrUnderutilized, consolidateAfter: 1m}\n")


def _resource(name: str, itype: str, capacity: str, max_size: int, desired: int) -> str:
    """The aws_eks_node_group pricing NodePool ``name`` (min 0, ``max_size`` by its limits)."""
    return ("    - type: aws_eks_node_group\n"
            f"      name: {name}\n      instance_types: [{itype}]\n"
            f"      capacity_type: {capacity}\n      ami_type: AL2023_x86_64_STANDARD\n"
            "      launch_template: {name: general, version: \"1\"}\n"
            f"      scaling_config: {{desired_size: {desired}, min_size: 0, "
            f"max_size: {max_size}}}\n")


GROUPS = (LAUNCH_TEMPLATE + _resource("on-demand", "m5.xlarge", "ON_DEMAND", 4, 1)
          + _resource("burst-spot", "c5.large", "SPOT", 2, 2)
          + "  node_pools: manifests/nodepools.yaml\n")
PRICES = """\
version: 1
rates:
  - service: AmazonEC2
    region: us-east-1
    instance_type: c5.large
    purchase_option: spot
    usd_per_unit: "0.034"
    source: "a test figure"
"""


def _plan(tmp_path: Path, on_demand: int | None, burst_spot: int | None,
          burst_spot_first: bool = False) -> Path:
    """The module docstring's plan, with the two NodePools' weights (``None``: unset) and
    'burst-spot' listed first in the file when ``burst_spot_first``."""
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    manifests = tmp_path / "manifests"
    pools = [_pool("on-demand", "m5.xlarge", "on-demand", 16, on_demand),
             _pool("burst-spot", "c5.large", "spot", 4, burst_spot)]
    if burst_spot_first:
        pools.reverse()
    (manifests / "nodepools.yaml").write_text("---\n".join([*pools, NODE_CLASS]))
    (manifests / "prices.yaml").write_text(PRICES)
    deployment = manifests / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("cpu: 200m", "cpu: 900m"))
    hpa = manifests / "hpa.yaml"
    hpa.write_text(hpa.read_text().replace("minReplicas: 2", "minReplicas: 8"))
    (manifests / "traffic.csv").write_text(
        "timestamp,requests_per_second\n" + "".join(f"{60 * i},10\n" for i in range(60)))
    text = (DATA / "minimal.yaml").read_text()
    old = ("    - type: aws_eks_node_group\n      name: general\n      instance_types: [m5.large]\n"
           "      scaling_config: {desired_size: 2, min_size: 2, max_size: 4}\n")
    assert old in text
    plan = tmp_path / "plan.yaml"
    plan.write_text(text.replace(old, GROUPS).replace(
        "questions:", "simulation: {node_autoscaler: karpenter-like}\n"
                      "pricing: {overrides: manifests/prices.yaml}\nquestions:"))
    return plan


def _node_events(plan: Path) -> list[tuple[float, str, int, int]]:
    (run,) = replay_plan(read_plan(plan), load_price_book())
    ev = run.result.events
    return list(zip(ev["time_s"], ev["kind"], ev["from"], ev["to"], strict=True))


def _instance_lines(plan: Path) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    """Per priced node group: (USD an hour, node-hours a month, USD a month) of its instance
    line, priced with the simulated node-hours."""
    (run,) = analyze_plan(plan).runs
    return {ln.resource_name: (ln.unit_price_usd, ln.monthly_quantity, ln.monthly_cost_usd)
            for ln in run.estimate.lines if ln.component.startswith("Instance usage")}


def test_the_heavier_pool_gets_the_nodes_until_its_limit_then_the_next(tmp_path: Path) -> None:
    plan = _plan(tmp_path, on_demand=None, burst_spot=10)
    # 'burst-spot' (10) is tried before 'on-demand' (unset: 0), though the file lists it second
    assert [g.name for g in read_plan(plan).proposed.node_groups] == ["burst-spot", "on-demand"]
    # t = 0: the 2 starting pods on 1 burst-spot c5.large (2 a node). 15 s: the HPA makes it 8;
    # the 6 new pods find no free slot, Pending.
    # 20 s scan: burst-spot first; 2 nodes by its limits, 1 running, room for 1 more:
    #   min(1, ceil(6 / 2) = 3) = 1 node (1 -> 2), Ready at 20 + 45 = 65 s; one group a scan.
    # 25 s scan: 6 pending less the 2 slots on their way = 4 to place; burst-spot is at its
    #   limit (2 running or launched of 2), so on-demand: ceil(4 / 4) = 1 m5.xlarge (0 -> 1),
    #   Ready at 70 s. The 8 pods: 2 + 2 on c5.large, 4 on the m5.xlarge.
    assert _node_events(plan) == [
        (15.0, "hpa_scale", 2, 8),
        (20.0, "node_scale_up:burst-spot", 1, 2),
        (25.0, "node_scale_up:on-demand", 0, 1)]
    # node-hours, billed from the launching scan to the end of the hour (3600 s):
    #   c5.large:  3600 s (from 0) + (3600 - 20) s = 7180 s = 1.99444 h
    #   m5.xlarge: (3600 - 25) s = 3575 s = 0.99306 h
    (run,) = analyze_plan(plan).runs
    assert run.cluster is not None
    assert run.cluster.node_hours_by_instance_type == pytest.approx(
        {"c5.large": 7180 / 3600, "m5.xlarge": 3575 / 3600})
    # a month (730 h of a 1-hour run): c5.large 7180 / 3600 x 730 = 1455.944 h x 0.034 (spot)
    #   = 49.502 USD; m5.xlarge 3575 / 3600 x 730 = 724.931 h x 0.192 = 139.187 USD
    lines = _instance_lines(plan)
    assert {name: (price, float(hours), float(usd)) for name, (price, hours, usd)
            in lines.items()} == {
        "burst-spot": (Decimal("0.034"), pytest.approx(1455.944, abs=1e-3),
                       pytest.approx(49.502, abs=1e-3)),
        "on-demand": (Decimal("0.192"), pytest.approx(724.931, abs=1e-3),
                      pytest.approx(139.187, abs=1e-3))}


# Without the weight, or with equal weights, Karpenter tries 'on-demand' first: "o" comes
# after "b" in the alphabet, and an equal weight puts the later name first whatever the file's
# order (OrderByWeight). t = 0: the 2 starting pods on 1 m5.xlarge (4 a node); 15 s: 8, 2 of
# the 6 new pods take its free slots, 4 Pending; 20 s scan: on-demand has room for 3 more:
# ceil(4 / 4) = 1 (1 -> 2), Ready at 65 s. No spot node at all.
@pytest.mark.parametrize(("on_demand", "burst_spot", "burst_spot_first"), [
    (None, None, False),  # no weight: both 0, by name
    (10, 10, True),  # equal weights, burst-spot listed first: still by name
    (20, 10, True),  # the heavier one listed second
])
def test_by_name_z_to_a_at_equal_weights_and_by_weight_over_the_files_order(
        tmp_path: Path, on_demand: int | None, burst_spot: int | None,
        burst_spot_first: bool) -> None:
    plan = _plan(tmp_path, on_demand, burst_spot, burst_spot_first)
    assert [g.name for g in read_plan(plan).proposed.node_groups] == ["on-demand", "burst-spot"]
    assert _node_events(plan) == [(15.0, "hpa_scale", 2, 8),
                                  (20.0, "node_scale_up:on-demand", 1, 2)]
    # m5.xlarge: 3600 s + (3600 - 20) s = 7180 s; a month: 7180 / 3600 x 730 = 1455.944 h
    #   x 0.192 = 279.541 USD; c5.large: none
    lines = _instance_lines(plan)
    assert {name: (price, float(hours), float(usd)) for name, (price, hours, usd)
            in lines.items()} == {
        "on-demand": (Decimal("0.192"), pytest.approx(1455.944, abs=1e-3),
                      pytest.approx(279.541, abs=1e-3)),
        "burst-spot": (Decimal("0.034"), 0.0, 0.0)}


def _group(name: str) -> NodeGroup:
    return NodeGroup(name, "c5.large", 2.0, 4.0, 29, 0, 2)


class _Owner:
    def __init__(self, *names: str) -> None:
        self.node_groups = tuple(_group(n) for n in names)


@pytest.mark.parametrize(("owners", "order"), [
    # the first workload may use only the lower pool; the second both, heavier first: the
    # joint run keeps the second's order (first appearance alone put 'low' ahead for it)
    ([("low",), ("high", "low")], ["high", "low"]),
    ([("a", "c"), ("b", "c"), ("a", "b")], ["a", "b", "c"]),
    # owners that disagree (a cycle): first appearance decides, as before
    ([("x", "y"), ("y", "x")], ["x", "y"]),
    ([("only",)], ["only"]),
])
def test_a_joint_run_keeps_every_owners_group_order(owners: list[tuple[str, ...]],
                                                     order: list[str]) -> None:
    assert [g.name for g in union_groups([_Owner(*o) for o in owners])] == order
