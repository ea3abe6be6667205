"""Four architectures unlike the seed plan, priced from ``tests/data/cost/arch_*.yaml`` and
checked line by line against hand arithmetic on the cited rows of
``../shared/pricing_reference/`` (the shipped tables copy them verbatim; test_pricing checks
that). Row citations: ``ec2_on_demand us-east-1,m6i.xlarge,0.192``;
``other_services us-east-1 "NAT Gateway, gateway hour" 0.045``; ``rds_on_demand
us-east-1,PostgreSQL,db.r6g.xlarge,multi-az,0.899``; ``elasticache_on_demand
us-east-1,Redis,cache.r6g.large,0.206``. Also: the fixes found while pricing them (read replicas
inherit IOPS, node-group architectures, ALB protocol, rates for a region
no table has).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.cli import main
from infra_toolkit.cost import CostEstimate, cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.cost_summary import format_estimate
from infra_toolkit.errors import PlanError
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.resources import parse_resources, read_resources_yaml
from tests.cost_helpers import total_line

DATA = Path(__file__).parent / "data" / "cost"
D = Decimal


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


def priced(book: PriceBook, name: str) -> CostEstimate:
    return estimate(read_resources_yaml(DATA / name, price_book=book), book)


def lines(est: CostEstimate) -> dict[tuple[str, str], Decimal | None]:
    """(address, component) -> exact monthly USD (None when the price is missing)."""
    return {(ln.address, ln.component): ln.monthly_cost_usd for ln in est.lines}


def by_resource(est: CostEstimate) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for ln in est.lines:
        out[ln.address] = out.get(ln.address, D(0)) + (ln.monthly_cost_usd or D(0))
    return out


# ---------------------------------------------------------------- 1. us-east-1 regional stack

REGIONAL = {
    # nlb_hour 0.0225 x 730 = 16.425; NLCU (TCP): max(1600/800, 50000/100000, 1.5/1) = 2
    # -> 2 x 730 x nlb_nlcu 0.006 = 8.76
    "aws_lb.edge": D("16.425") + D("8.76"),
    # alb_hour 16.425; LCU: max(30/25=1.2, 9000/3000=3, 2.5/1, 500/1000) = 3
    # -> 3 x 730 x alb_lcu 0.008 = 17.52
    "aws_lb.api": D("16.425") + D("17.52"),
    # nat_gateway_hour 0.045 x 730 = 32.85; nat_gateway_data_processed 0.045 per GB
    "aws_nat_gateway.nat_a": D("32.85") + D("1200") * D("0.045"),   # + 54.00
    "aws_nat_gateway.nat_b": D("32.85") + D("800.5") * D("0.045"),  # + 36.0225
    "aws_nat_gateway.nat_c": D("32.85"),                             # 0 GB: the hour only
    # intra-region 2 x 7500 x 0.01 = 150; internet 60,000 GB: 10,240 x 0.09 = 921.60,
    # 40,960 x 0.085 = 3,481.60, (60,000 - 51,200) = 8,800 x 0.07 = 616.00;
    # us-east-1 <-> us-east-2 300 x 0.01 = 3; other regions 450 x 0.02 = 9
    "aws_data_transfer.egress": D("150") + D("921.60") + D("3481.60") + D("616") + D("3")
    + D("9"),
    # m6i.xlarge 0.192 x 730 = 140.16; gp3 200 GB x 0.08 = 16; IOPS (6000 - 3000) x 0.005 = 15;
    # throughput (250 - 125) x 0.04 = 5
    "aws_instance.worker_a": D("140.16") + D("16") + D("15") + D("5"),
    # c6i.2xlarge 0.34 x 400 h = 136; gp3 100 GB x 0.08 = 8 (3000 IOPS / 125 MiBps: baseline);
    # detailed monitoring 7 metrics x 0.30 = 2.10
    "aws_instance.worker_b": D("136") + D("8") + D("2.10"),
    # gp3 2000 GB x 0.08 = 160; (16000 - 3000) x 0.005 = 65; (1000 - 125) x 0.04 = 35
    "aws_ebs_volume.data": D("160") + D("65") + D("35"),
    # io2 500 GB x 0.125 = 62.50; 20,000 IOPS (first tier, up to 32,000) x 0.065 = 1,300
    "aws_ebs_volume.logs": D("62.50") + D("1300"),
    # sc1 4000 GB x 0.015 = 60
    "aws_ebs_volume.cold": D("60"),
}


def test_regional_us_east_1_stack(book: PriceBook) -> None:
    est = priced(book, "arch_regional_us_east_1.yaml")
    assert by_resource(est) == REGIONAL
    got = lines(est)
    assert got[("aws_data_transfer.egress",
                "Outbound data transfer to Internet (next 100TB)")] == D("616.00")
    assert got[("aws_nat_gateway.nat_c", "Data processed")] == 0  # 0 GB, not a missing price
    assert not est.has_missing_prices
    # 7,433.6625 in all
    assert cents(est.total_monthly_usd) == cents(sum(REGIONAL.values(), D(0))) == D("7433.66")


def test_regional_stack_json_and_csv_carry_the_same_cents(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = str(DATA / "arch_regional_us_east_1.yaml")
    assert main(["cost", path, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["total_monthly_usd"] == 7433.66 and doc["complete"] is True
    nlcu = next(c for c in doc["components"] if c["resource"] == "aws_lb.edge"
                and c["unit"] == "NLCU-hours")
    assert (nlcu["monthly_quantity"], nlcu["monthly_usd"]) == (1460, 8.76)
    assert main(["cost", path, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "aws_nat_gateway.nat_b,Data processed,GB,,800.5,0.045,36.02,priced" in out


# ------------------------------------------------------------------------ 2. database tier

DATABASE = {
    # PostgreSQL db.r6g.xlarge multi-az 0.899 x 730 = 656.27; gp3 Multi-AZ 2000 x 0.23 = 460;
    # from 400 GB the baseline is 12,000 IOPS: (20000 - 12000) x 0.04 (Multi-AZ) = 320;
    # backup beyond the free allowance 1500 x 0.095 = 142.50
    "aws_db_instance.orders": D("656.27") + D("460") + D("320") + D("142.50"),
    # replica: PostgreSQL db.r6i.large single-az 0.25 x 730 = 182.50; it inherits 2000 GB gp3
    # and 20,000 IOPS: 2000 x 0.115 = 230, 8000 x 0.02 = 160
    "aws_db_instance.orders_replica": D("182.50") + D("230") + D("160"),
    # MySQL db.m6i.large single-az 0.171 x 730 = 124.83; io1 500 x 0.125 = 62.50;
    # 5000 IOPS x 0.1 = 500; backup beyond allowance 0 GB
    "aws_db_instance.ledger": D("124.83") + D("62.50") + D("500"),
    # MySQL db.m5.xlarge multi-az 0.684 x 730 = 499.32; gp2 Multi-AZ 300 x 0.23 = 69
    "aws_db_instance.small": D("499.32") + D("69"),
    # 3 shards x (1 + 2 replicas) = 9 nodes x 730 x 0.206 = 1,353.42;
    # 40 GB x (5 - 1 free snapshot) x 0.085 = 13.60
    "aws_elasticache_replication_group.sessions": D("1353.42") + D("13.60"),
    # replica of the io1 source: same class 124.83, inherits io1 500 GB (62.50), 5000 IOPS (500)
    "aws_db_instance.ledger_ro": D("124.83") + D("62.50") + D("500"),
}


def test_database_tier(book: PriceBook) -> None:
    est = priced(book, "arch_database_tier.yaml")
    assert by_resource(est) == DATABASE
    assert not est.has_missing_prices
    # 1578.77 + 572.50 + 687.33 + 568.32 + 1367.02 + 687.33 = 5,461.27
    assert cents(est.total_monthly_usd) == D("5461.27")


@pytest.mark.parametrize(("replica", "expected"), [
    # own storage_type gp2: nothing of the source's gp3 IOPS applies; 2000 GB gp2 x 0.115 = 230
    ({"storage_type": "gp2"}, {"Database instance (on-demand, Single-AZ, db.r6i.large)":
                               D("182.50"), "Storage (general purpose SSD, gp2)": D("230")}),
    # own IOPS on the inherited gp3: 13,000 - 12,000 = 1000 x 0.02 = 20
    ({"iops": 13000}, {"Database instance (on-demand, Single-AZ, db.r6i.large)": D("182.50"),
                       "Storage (general purpose SSD, gp3)": D("230"),
                       "Provisioned GP3 IOPS (above 12,000)": D("20")}),
])
def test_a_replica_keeps_what_it_sets_itself(book: PriceBook, replica: dict[str, Any],
                                             expected: dict[str, Decimal]) -> None:
    items = [{"type": "aws_db_instance", "name": "src", "engine": "postgres",
              "instance_class": "db.r6i.large", "allocated_storage": 2000,
              "storage_type": "gp3", "iops": 20000},
             {"type": "aws_db_instance", "name": "ro", "replicate_source_db": "src",
              "instance_class": "db.r6i.large", **replica}]
    est = estimate(parse_resources(items, default_region="us-east-1", price_book=book), book)
    assert {ln.component: ln.monthly_cost_usd for ln in est.lines
            if ln.address == "aws_db_instance.ro"} == expected


# ---------------------------------------------------- 3. EKS: spot, launch template, overrides

def test_eks_without_overrides_flags_spot_and_savings_plan(book: PriceBook) -> None:
    est = priced(book, "arch_eks_spot_launch_template.yaml")
    missing = {(ln.address, ln.component) for ln in est.missing_prices}
    assert missing == {
        ("aws_eks_node_group.spot", "Instance usage (Linux/UNIX, spot, c5.large)"),
        ("aws_eks_node_group.arm", "Instance usage (Linux/UNIX, savings-plan, m7g.large)")}
    got = by_resource(est)
    # extended support 0.6 x 730 = 438 (not 0.1: the cluster is in extended support)
    assert got["aws_eks_cluster.prod"] == D("438")
    # 4 x m6i.2xlarge 0.384 x 730 = 1,121.28; per node 500 GB gp3 -> 2000 x 0.08 = 160,
    # (8000 - 3000) x 4 = 20,000 IOPS x 0.005 = 100, (400 - 125) x 4 = 1,100 MiBps x 0.04 = 44
    assert got["aws_eks_node_group.on_demand"] == D("1121.28") + D("160") + D("100") + D("44")


def test_eks_with_discount_spot_and_savings_plan_rates(book: PriceBook) -> None:
    with_rates = load_price_book(overrides=DATA / "arch_eks_overrides.yaml")
    est = priced(with_rates, "arch_eks_spot_launch_template.yaml")
    pct = D("0.875")  # AmazonEC2 12.5 % off list prices; rates are final
    expected = {
        "aws_eks_cluster.prod": D("438"),  # AmazonEKS: no discount
        "aws_eks_node_group.on_demand": (D("0.384") * 2920 + D("0.08") * 2000
                                         + D("0.005") * 20000 + D("0.04") * 1100) * pct,
        # spot rate 0.0312 x 6 x 730 = 136.656; gp2 200 GB x 6 = 1200 x 0.10 x 0.875 = 105
        "aws_eks_node_group.spot": D("0.0312") * 4380 + D("1200") * D("0.1") * pct,
        # 1,234.5 node-hours x r6i.large 0.126 x 0.875; 1000 GB gp2 x 1234.5 / 730 node-months
        "aws_eks_node_group.batch": (D("1234.5") * D("0.126")
                                     + D(1000) * D("1234.5") / 730 * D("0.1")) * pct,
        # Savings Plan rate 0.0571 x 3 x 730 = 125.049; default 20 GB gp2 x 3 x 0.10 x 0.875
        "aws_eks_node_group.arm": D("0.0571") * 2190 + D("60") * D("0.1") * pct,
    }
    got = by_resource(est)
    assert {k: cents(v) for k, v in got.items()} == {k: cents(v) for k, v in expected.items()}
    assert {k: cents(v) for k, v in expected.items()} == {
        "aws_eks_cluster.prod": D("438.00"), "aws_eks_node_group.on_demand": D("1247.12"),
        "aws_eks_node_group.spot": D("241.66"), "aws_eks_node_group.batch": D("284.07"),
        "aws_eks_node_group.arm": D("130.30")}
    assert not est.has_missing_prices


def test_a_commitment_rate_on_a_group_that_scales_says_it_is_a_floor() -> None:
    # owndata: the arm group (min 3, max 6) priced all 3 x 730 = 2,190 node-hours at the
    # Savings Plan rate, with no word that nodes above the commitment pay on-demand
    est = priced(load_price_book(overrides=DATA / "arch_eks_overrides.yaml"),
                 "arch_eks_spot_launch_template.yaml")
    notes = {ln.address: ln.note for ln in est.lines if ln.component.startswith("Instance usage")}
    assert notes["aws_eks_node_group.arm"] == (
        "every node-hour at the savings-plan rate; nodes above what the commitment covers pay "
        "on-demand, so for a group that scales this is a floor")
    assert notes["aws_eks_node_group.on_demand"] == ""  # on-demand: nothing to say


def test_table_quantities_stay_readable(book: PriceBook) -> None:
    est = priced(book, "arch_eks_spot_launch_template.yaml")
    # 1000 GB x 1234.5 / 730 = 1691.0958904109589...: four decimals in the table
    assert "1,691.0959  GB" in format_estimate(est)


# ---------------------------------------------------------------- 4. other regions

def test_other_regions_price_their_own_rows_and_flag_the_rest(book: PriceBook) -> None:
    est = priced(book, "arch_other_regions.yaml")
    got = lines(est)
    assert {k: v for k, v in got.items() if v is not None} == {
        # rds_on_demand eu-central-1,PostgreSQL,db.r6g.large,multi-az,0.549 x 730
        ("aws_db_instance.pg", "Database instance (on-demand, Multi-AZ, db.r6g.large)"):
            D("400.770"),
        # eu-central-1,PostgreSQL,db.t4g.medium,single-az,0.074 x 730
        ("aws_db_instance.pg_ro", "Database instance (on-demand, Single-AZ, db.t4g.medium)"):
            D("54.020"),
        # elasticache eu-central-1,Redis,cache.m6g.large,0.177 x 3 nodes x 730
        ("aws_elasticache_replication_group.cache", "ElastiCache (on-demand, cache.m6g.large)"):
            D("387.630"),
        # eu-central-1: intra 2 x 250 x 0.01; 10,240 x 0.09; (12,000 - 10,240) x 0.085;
        # other regions 1000 x 0.02
        ("aws_data_transfer.eu_egress", "Intra-region data transfer"): D("5.00"),
        ("aws_data_transfer.eu_egress", "Outbound data transfer to Internet (first 10TB)"):
            D("921.60"),
        ("aws_data_transfer.eu_egress", "Outbound data transfer to Internet (next 40TB)"):
            D("149.600"),
        ("aws_data_transfer.eu_egress", "Outbound data transfer to other regions"): D("20.00"),
        # ap-southeast-2 tiers: 10,240 x 0.114; 40,960 x 0.098; 102,400 x 0.094;
        # (200,000 - 153,600) = 46,400 x 0.092; other regions 100 x 0.098
        ("aws_data_transfer.au_egress", "Outbound data transfer to Internet (first 10TB)"):
            D("1167.360"),
        ("aws_data_transfer.au_egress", "Outbound data transfer to Internet (next 40TB)"):
            D("4014.080"),
        ("aws_data_transfer.au_egress", "Outbound data transfer to Internet (next 100TB)"):
            D("9625.600"),
        ("aws_data_transfer.au_egress", "Outbound data transfer to Internet (over 150TB)"):
            D("4268.800"),
        ("aws_data_transfer.au_egress", "Outbound data transfer to other regions"): D("9.800"),
        # ec2_on_demand us-gov-east-1,c6g.large,0.0816 x 500 h
        ("aws_instance.gov", "Instance usage (Linux/UNIX, on-demand, c6g.large)"): D("40.8000"),
    }
    flagged = {ln.address: ln.price_not_found for ln in est.missing_prices}
    assert sorted(flagged) == ["aws_db_instance.pg", "aws_db_instance.pg_ro", "aws_instance.gov"]
    # RDS storage rows come from pricing refresh --other-services, so the message names it
    assert "(infra-toolkit pricing refresh --other-services --region " in str(
        flagged["aws_db_instance.pg"])
    # the gov instance's root volume: EBS storage, also an --other-services item
    assert "(infra-toolkit pricing refresh --other-services --region us-gov-east-1)" in str(
        flagged["aws_instance.gov"])
    assert cents(est.total_monthly_usd) == D("21065.06")  # the sum of the 15 priced lines


def test_other_regions_complete_with_storage_rates_and_a_transfer_discount() -> None:
    book = load_price_book(overrides=DATA / "arch_other_regions_overrides.yaml")
    est = priced(book, "arch_other_regions.yaml")
    assert not est.has_missing_prices
    got = by_resource(est)
    # user rates: 200 GB x 0.266, 200 GB x 0.133, 8 GB x 0.12
    assert got["aws_db_instance.pg"] == D("400.77") + D("53.2")
    assert got["aws_db_instance.pg_ro"] == D("54.02") + D("26.6")
    assert got["aws_instance.gov"] == D("40.8") + D("0.96")
    # AWSDataTransfer 10 % off: (5 + 921.60 + 149.60 + 20) x 0.9 = 1096.20 x 0.9 = 986.58;
    # (1167.36 + 4014.08 + 9625.60 + 4268.80 + 9.80) x 0.9 = 19,085.64 x 0.9 = 17,177.076
    assert got["aws_data_transfer.eu_egress"] == D("986.58")
    assert got["aws_data_transfer.au_egress"] == D("17177.076")
    # 453.97 + 80.62 + 387.63 + 986.58 + 17177.076 + 41.76 = 19,127.636
    assert cents(est.total_monthly_usd) == D("19127.64")


def test_a_region_no_table_has_is_priced_by_the_users_rates(tmp_path: Path) -> None:
    overrides = tmp_path / "mx.yaml"
    overrides.write_text(
        "version: 1\nrates:\n"
        "  - {service: AmazonEC2, region: mx-central-1, instance_type: m6i.large,"
        " usd_per_unit: '0.1', source: quote}\n"
        "  - {service: AmazonEC2, region: mx-central-1, item_id: ebs_gp3_storage,"
        " usd_per_unit: '0.09', source: quote}\n"
        "  - {service: AWSDataTransfer, region: mx-central-1, item_id: internet_out,"
        " usd_per_unit: '0.09', source: quote}\n")
    items = [{"type": "aws_instance", "name": "vm", "instance_type": "m6i.large",
              "root_block_device": {"volume_type": "gp3", "volume_size": 50}},
             {"type": "aws_data_transfer", "name": "dt",
              "usage": {"monthly_outbound_internet_gb": 100}}]
    # owndata: the message named no way to price a real region the tables lack
    with pytest.raises(PlanError, match=r"'mx-central-1' is not a region in any pricing table; "
                                        r"did you mean 'me-central-1'\? If it is a region the "
                                        r"tables lack, price it with `infra-toolkit pricing "
                                        r"refresh --service AmazonEC2 --region mx-central-1` "
                                        r"\(and the other services it uses\) or with rates in "
                                        r"an overrides file \(pricing_data/README\.md\)"):
        parse_resources(items, default_region="mx-central-1", price_book=load_price_book())
    book = load_price_book(overrides=overrides)
    est = estimate(parse_resources(items, default_region="mx-central-1", price_book=book), book)
    # 0.1 x 730 = 73; 50 GB x 0.09 = 4.50; 100 GB x 0.09 flat (no tier rows there) = 9
    assert lines(est) == {
        ("aws_instance.vm", "Instance usage (Linux/UNIX, on-demand, m6i.large)"): D("73.0"),
        ("aws_instance.vm", "root_block_device: Storage (general purpose SSD, gp3)"): D("4.50"),
        ("aws_data_transfer.dt",
         "Outbound data transfer to Internet (flat user rate, no tiers)"): D("9.00")}


# ------------------------------------------------- configurations AWS refuses: never priced

@pytest.mark.parametrize(("item", "message"), [
    # EKS builds a node group from one AMI: one architecture for all its types and the AMI
    ({"type": "aws_eks_node_group", "name": "ng", "instance_types": ["c5.large", "c6g.xlarge"],
      "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": 2}},
     r"resources\[0\]\.instance_types\[1\]: 'c6g\.xlarge' is arm64 but 'c5\.large' is amd64"),
    ({"type": "aws_eks_node_group", "name": "ng", "instance_types": ["m7g.large"],
      "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": 2}},
     # no ami_type written: the message says the default applies, not that it was written
     r"'m7g\.large' is arm64 but ami_type is not set, so the default AL2023_x86_64_STANDARD "
     r"\(amd64\) applies: set an ARM_64 ami_type \(e\.g\. AL2023_ARM_64_STANDARD\)"),
    ({"type": "aws_eks_node_group", "name": "ng", "instance_types": ["m7g.large"],
      "ami_type": "AL2023_x86_64_STANDARD",
      "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": 2}},
     r"'m7g\.large' is arm64 but ami_type AL2023_x86_64_STANDARD is amd64: set an ARM_64 "),
    ({"type": "aws_eks_node_group", "name": "ng", "instance_types": ["m5.large"],
      "ami_type": "BOTTLEROCKET_ARM_64",
      "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": 2}},
     r"'m5\.large' is amd64 but ami_type BOTTLEROCKET_ARM_64 is arm64"),
    # EBS provisions gp3 3,000 - 16,000 IOPS and 125 - 1,000 MiBps, io1 100 - 64,000 IOPS
    ({"type": "aws_ebs_volume", "name": "v", "volume_type": "gp3", "size": 2000,
      "iops": 20000}, r"resources\[0\]\.iops: 20,000 IOPS is outside the 3,000 - 16,000 that "
                      r"AWS provisions for gp3 EBS volumes"),
    ({"type": "aws_ebs_volume", "name": "v", "volume_type": "gp3", "size": 2000,
      "throughput": 1200}, r"throughput: 1,200 MiBps is outside the 125 - 1,000"),
    ({"type": "aws_ebs_volume", "name": "v", "volume_type": "io1", "size": 2000,
      "iops": 70000}, r"iops: 70,000 IOPS is outside the 100 - 64,000 that AWS provisions for "
                      r"io1 EBS volumes"),
    ({"type": "aws_instance", "name": "vm", "instance_type": "m5.large",
      "root_block_device": {"volume_type": "gp3", "volume_size": 50, "iops": 2000}},
     r"root_block_device\.iops: 2,000 IOPS is outside the 3,000 - 16,000"),
    # RDS io1: IOPS between 0.5 and 50 times the GB
    ({"type": "aws_db_instance", "name": "db", "engine": "postgres",
      "instance_class": "db.m6i.large", "allocated_storage": 100, "storage_type": "io1",
      "iops": 6000}, r"iops: 6,000 IOPS on 100 GB io1 is outside the 0\.5 - 50 IOPS per GB RDS "
                     r"accepts \(50 - 5,000\)"),
    ({"type": "aws_db_instance", "name": "db", "engine": "mysql",
      "instance_class": "db.m6i.large", "allocated_storage": 4000, "storage_type": "io1",
      "iops": 1000}, r"\(2,000 - 200,000\)"),
    # Terraform's bounds on a replication group
    ({"type": "aws_elasticache_replication_group", "name": "c", "node_type": "cache.r6g.large",
      "num_node_groups": 2, "replicas_per_node_group": 6},
     r"replicas_per_node_group: 6 is more than the 5 Terraform accepts"),
    ({"type": "aws_elasticache_replication_group", "name": "c", "node_type": "cache.r6g.large",
      "snapshot_retention_limit": 36, "usage": {"snapshot_storage_size_gb": 10}},
     r"snapshot_retention_limit: 36 is more than the 35 Terraform accepts"),
    # an ALB's LCU has one size for HTTP/HTTPS; a protocol would silently be ignored
    ({"type": "aws_lb", "name": "alb", "usage": {"protocol": "UDP", "processed_bytes_gb": 2}},
     r"resources\[0\]\.usage\.protocol: UDP selects a network load balancer's NLCU sizes"),
])
def test_configurations_aws_refuses_are_errors(book: PriceBook, item: dict[str, Any],
                                               message: str) -> None:
    with pytest.raises(PlanError, match=message):
        parse_resources([item], default_region="us-east-1", price_book=book)


def test_an_arm_node_group_with_an_arm_ami_is_priced(book: PriceBook) -> None:
    items = [{"type": "aws_eks_node_group", "name": "ng", "instance_types": ["m7g.large",
                                                                             "c6g.xlarge"],
              "ami_type": "AL2023_ARM_64_STANDARD",
              "scaling_config": {"desired_size": 2, "min_size": 0, "max_size": 4}}]
    est = estimate(parse_resources(items, default_region="us-east-1", price_book=book), book)
    # priced as the first type: m7g.large 0.0816 x 2 x 730 = 119.136; 2 x 20 GB gp2 x 0.10 = 4
    assert cents(est.total_monthly_usd) == D("123.14")


def test_a_printed_delta_is_the_difference_of_the_printed_totals(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = ["cost", str(DATA / "arch_database_tier.yaml"), "--compare",
            str(DATA / "seed_proposed.yaml")]
    # seed_proposed is exactly 441.695 (test_cost.py) -> $441.70; the database tier 5,461.27:
    # printed delta 5,461.27 - 441.70 = 5,019.57 (the exact 5,019.575 would print 5,019.58)
    assert main(args) == 0
    assert total_line(capsys.readouterr().out).split() == [
        "TOTAL", "$441.70", "$5,461.27", "+$5,019.57"]
    assert main([*args, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["delta_monthly_usd"] == 5019.57
    assert main([*args, "--format", "csv"]) == 0
    assert "TOTAL,,,441.70,5461.27,5019.57,priced" in capsys.readouterr().out
