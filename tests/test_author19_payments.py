"""End to end on a plan written from the docs alone (tests/data/author19/): a gRPC payments API
moved from 2 m5.large EC2 instances behind an NLB to EKS, its pods on two Karpenter NodePools
(spot first, on-demand beside it with a Savings Plan for 2 instances; c6i / c7i / m6i large),
an Argo Rollout canary under an HPA on a Pods metric (grpc_server_handled_per_second,
AverageValue) and CPU, an NLB, RDS PostgreSQL Multi-AZ gp3, a 3-node Redis and 3 NAT gateways;
its traffic a WorldCup98 day cut from /work/shared/traces (origin note beside it) and a
synthetic flash crowd. It validates with only the NodePool warnings, and every cost line of both
sides is the hand arithmetic below, from the rows of pricing_data/*.csv and payments/prices.yaml
named beside each figure."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.cost import cents, usd_text
from infra_toolkit.karpenter_config import order_by_weight
from infra_toolkit.karpenter_manifests import read_node_pools
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import PriceBook
from tests.cost_helpers import declared_cents, plan_price_book

PLAN = Path(__file__).resolve().parent / "data" / "author19" / "payments-eks.yaml"
D = Decimal


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return plan_price_book(PLAN)


def test_it_validates_with_only_the_node_pool_warnings() -> None:
    plan, problems, warnings = check_plan_warnings(PLAN)
    assert plan is not None and problems == []
    # each NodePool allows c6i/c7i/m6i large, of which the plan prices c6i.large (the cheapest,
    # 0.085 an hour against c7i.large 0.08925 and m6i.large 0.096); the spot pool's 20 nodes
    # (limits.cpu 40 / 2 vCPU) meet Karpenter's default 10 % disruption budget (2 nodes at once)
    assert [w.path for w in warnings] == ["proposed.node_pools"] * 3
    assert [w.message.split(":")[0] for w in warnings] == [
        "warning", "warning", "warning"]
    assert "NodePool 'payments-spot' allows 3 instance types" in warnings[0].message
    assert "up to 2 of its 20 nodes at once" in warnings[1].message
    assert "NodePool 'payments-od' allows 3 instance types" in warnings[2].message


# Declared cost, by hand (730 hours a month). Rows: ec2_on_demand_2026-07-20.csv us-east-1
# m5.large 0.096 (line 550); other_services_2026-05-03.csv us-east-1: ebs_gp3_storage 0.08 a
# GB-month, nlb_hour 0.0225, nlb_nlcu 0.006 an NLCU-hour, internet_out first 10 TB 0.09 a GB,
# intra_region 0.01 a GB each way, eks_cluster_hour_standard_support 0.10, nat_gateway_hour
# 0.045, nat_gateway_data_processed 0.045 a GB, rds_gp3_storage_multi_az 0.23 a GB-month;
# rds_on_demand_2026-05-03.csv us-east-1 PostgreSQL db.r6g.large multi-az 0.45 (line 11104);
# elasticache_on_demand_2024-08-09.csv us-east-1 Redis cache.r6g.large 0.206 (line 1203).
# payments/prices.yaml: c6i.large spot 0.0341, savings_plan 0.0612 an hour.
NLB = {
    ("aws_lb.payments", "Network load balancer"): D("16.43"),  # 730 x 0.0225 = 16.425
    # NLCU (TCP): max(1.1 GB/h / 1, 5 new flows/s / 800, 1,200 active / 100,000) = 1.1;
    # 1.1 x 730 x 0.006 = 4.818
    ("aws_lb.payments", "Load balancer capacity units"): D("4.82"),
}
EGRESS = {("aws_data_transfer.internet", "Outbound data transfer to Internet (first 10TB)"):
          D("72.00")}  # 800 GB x 0.09
CURRENT = {
    # count: 2, each 730 x 0.096 = 70.08 and a 30 GB gp3 root 30 x 0.08 = 2.40
    **{(f"aws_instance.payments[{i}]", "Instance usage (Linux/UNIX, on-demand, m5.large)"):
       D("70.08") for i in range(2)},
    **{(f"aws_instance.payments[{i}]", "root_block_device: Storage (general purpose SSD, gp3)"):
       D("2.40") for i in range(2)},
    **NLB, **EGRESS,
}
PROPOSED = {
    ("aws_eks_cluster.payments", "EKS cluster"): D("73.00"),  # 730 x 0.10
    # spot pool: desired 2 nodes, 2 x 730 x 0.0341 = 49.786; 2 x 40 GB gp3 x 0.08 = 6.40
    ("aws_eks_node_group.payments_spot", "Instance usage (Linux/UNIX, spot, c6i.large)"):
        D("49.79"),
    ("aws_eks_node_group.payments_spot", "launch_template: Storage (general purpose SSD, gp3)"):
        D("6.40"),
    # on-demand pool: 2 committed instances every hour, 2 x 730 x 0.0612 = 89.352; desired 2,
    # so no node-hours above them: 0 x 0.085 = 0.00
    ("aws_eks_node_group.payments_od", "Instance usage (Linux/UNIX, savings-plan, c6i.large)"):
        D("89.35"),
    ("aws_eks_node_group.payments_od", "Instance usage (Linux/UNIX, on-demand, c6i.large)"):
        D("0.00"),
    ("aws_eks_node_group.payments_od", "launch_template: Storage (general purpose SSD, gp3)"):
        D("6.40"),
    **NLB, **EGRESS,
    ("aws_data_transfer.internet", "Intra-region data transfer"): D("6.00"),  # 2 x 300 x 0.01
    ("aws_db_instance.payments", "Database instance (on-demand, Multi-AZ, db.r6g.large)"):
        D("328.50"),  # 730 x 0.45
    # 200 GB x 0.23 (Multi-AZ row); below 400 GiB gp3 includes 3,000 IOPS: no IOPS line
    ("aws_db_instance.payments", "Storage (general purpose SSD, gp3)"): D("46.00"),
    # 7 days of backups within the free 100 % of allocated storage: 0 GB beyond it x 0.095
    ("aws_db_instance.payments", "Additional backup storage"): D("0.00"),
    ("aws_elasticache_replication_group.payments", "ElastiCache (on-demand, cache.r6g.large)"):
        D("451.14"),  # 3 nodes x 730 x 0.206 = 451.14
    # count: 3, each 730 x 0.045 = 32.85 and 100 GB x 0.045 = 4.50
    **{(f"aws_nat_gateway.payments[{i}]", "NAT gateway"): D("32.85") for i in range(3)},
    **{(f"aws_nat_gateway.payments[{i}]", "Data processed"): D("4.50") for i in range(3)},
}


@pytest.mark.parametrize(("side", "expected", "total"), [
    # current: 2 x (70.08 + 2.40) + 16.425 + 4.818 + 72 = 144.96 + 93.243 = 238.203
    ("current", CURRENT, D("238.20")),
    # proposed: 73 + 49.786 + 6.40 + 89.352 + 0 + 6.40 + 16.425 + 4.818 + 72 + 6 + 328.50 + 46
    # + 451.14 + 3 x (32.85 + 4.50) = 1,149.821 + 112.05 = 1,261.871
    ("proposed", PROPOSED, D("1261.87")),
])
def test_every_cost_line_and_total_is_the_hand_arithmetic(
        book: PriceBook, side: str, expected: dict[tuple[str, str], Decimal],
        total: Decimal) -> None:
    assert declared_cents(PLAN, side, book) == (expected, total)


def test_the_trace_is_the_day_its_origin_note_says() -> None:
    # the note names this file's sha256 and the cut: 1,440 minutes of 1998-06-30, peak minute
    # 3,587.35 req/s at 21:42Z (scaled by peak_rps: 600 in the plan)
    csv = PLAN.parent / "payments" / "traces" / "worldcup98_1998-06-30_1min.csv"
    note = csv.with_suffix(".md").read_text()
    assert hashlib.sha256(csv.read_bytes()).hexdigest() in note
    rows = csv.read_text().splitlines()
    assert rows[0] == "timestamp,requests_per_second" and len(rows) == 1 + 1440
    assert rows[1].startswith("1998-06-30T00:00:00Z,") and rows[-1].startswith(
        "1998-06-30T23:59:00Z,")
    assert max(rows[1:], key=lambda r: float(r.split(",")[1])) == \
        "1998-06-30T21:42:00Z,3587.3500"


def test_the_expected_scenarios_total_is_the_declared_one_with_simulated_node_hours(
        tmp_path: Path) -> None:
    # The report's headline prices match-day's simulated nodes instead of the declared 2 + 2.
    # Every pod ran on the spot pool (the simulation tries NodePools as Karpenter does, by
    # spec.weight, equal weights by name Z to A: neither pool sets a weight, and 'payments-spot'
    # sorts after 'payments-od', so it comes first), so the on-demand pool ran 0 node-hours
    # and bills its 2 committed instances alone. With h the
    # spot node-hours projected to a month (the simulator's, an input here): spot h x 0.0341,
    # its disks h / 730 node-months x 40 GB x 0.08; the load-following lines (NLCU, egress,
    # intra-region) are the declared ones, match-day being the reference scenario. Declared
    # total 1,261.871 less its node lines 49.786 + 6.40 + 6.40 = 62.586.
    pools = read_node_pools(PLAN.parent / "payments" / "nodepools.yaml")
    assert [(p.name, p.weight) for p in pools] == [("payments-spot", 0), ("payments-od", 0)]
    assert [p.name for p in order_by_weight(pools[::-1])] == ["payments-spot", "payments-od"]
    a = analyze_plan(PLAN, scenarios=["match-day"], store_location=str(tmp_path / "none"))
    nodes = {ln.component: ln for ln in a.proposed_estimate.lines
             if ln.address == "aws_eks_node_group.payments_spot"}
    h = nodes["Instance usage (Linux/UNIX, spot, c6i.large)"].monthly_quantity
    assert 700 < h < 1000  # 1 to 2 nodes on average (peak 5 pods, 3 a c6i.large)
    assert nodes["Instance usage (Linux/UNIX, spot, c6i.large)"].monthly_cost_usd == \
        h * D("0.0341")
    disk = nodes["launch_template: Storage (general purpose SSD, gp3)"].monthly_cost_usd
    assert cents(disk) == cents(h / 730 * 40 * D("0.08"))
    od = {ln.component: cents(ln.monthly_cost_usd) for ln in a.proposed_estimate.lines
          if ln.address == "aws_eks_node_group.payments_od"}
    assert od == {"Instance usage (Linux/UNIX, savings-plan, c6i.large)": D("89.35"),
                  "Instance usage (Linux/UNIX, on-demand, c6i.large)": D("0.00"),
                  "launch_template: Storage (general purpose SSD, gp3)": D("0.00")}
    assert cents(a.proposed_estimate.total_monthly_usd) == cents(
        D("1261.871") - D("62.586") + h * D("0.0341")
        + h / 730 * 40 * D("0.08"))


def test_the_questions_say_which_monthly_change_they_approve(tmp_path: Path) -> None:
    """reader21: question 1 asks "Do you approve the monthly cost change in the report's cost
    summary?", and the summary prints two: the expected scenario's and the declared one the
    policy counts approvers on. The Questions section now quotes both and the ceiling, as the
    Overview and the Cost Summary print them. By hand (the tables above): declared 1,261.871 -
    238.203 = 1,023.668, +$1,023.67; match-day's node-hours are the simulator's, so its change
    is checked against the Overview's own row (1,231.07 - 238.20 = 992.87 in the report)."""
    from infra_toolkit import sections

    a = analyze_plan(PLAN, scenarios=["match-day"], store_location=str(tmp_path / "none"))
    section = sections.questions(a)
    text = " ".join(p for p in section.parts if isinstance(p, str))
    overview = sections.overview(a)._repr_html_()
    expected = usd_text(a.monthly_delta_usd, signed=True)
    assert f"<td>{expected}</td>" in overview  # the Overview's "Monthly change" row
    assert (f"the monthly change in the expected scenario &#x27;match-day&#x27;, {expected}; "
            "the monthly change as declared (the review&#x27;s cost basis: the policy counts "
            "the approvers on it, and an approval signs this digest), +$1,023.67; the ceiling, "
            f"{usd_text(a.ceiling_estimate.total_monthly_usd)}.") in text
    assert cents(a.monthly_delta_usd) == D("992.87")
