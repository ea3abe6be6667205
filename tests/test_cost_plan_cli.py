"""`infra-toolkit cost PLAN.yaml`: a plan's proposed resources priced against its current ones."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from tests.cost_helpers import total_line

PLAN = Path(__file__).resolve().parent.parent / "plans" / "ecommerce-eks.yaml"

# Current, us-east-1, by hand from the shipped table rows:
#   t3.medium 0.0416 x 730 = 30.368 -> 30.37; 30 GB gp3 root x 0.08 = 2.40;
#   db.t3.small PostgreSQL single-az 0.036 x 730 = 26.28; 50 GB gp2 x 0.115 = 5.75;
#   500 GB internet egress (first 10 TB tier) x 0.09 = 45.00; backup storage: usage unknown.
CURRENT_USD = Decimal("30.37") + Decimal("2.40") + Decimal("26.28") + Decimal("5.75") + 45
# Proposed: EKS 0.10 x 730 = 73.00; 3 x t3.medium = 3 x 0.0416 x 730 = 91.104 -> 91.10;
#   3 x 20 GB gp3 node disks (launch template general) x 0.08 = 4.80; c5.large group at 0
#   nodes = 0 (and 0 node-months of its gp3 disks); ALB 0.0225 x 730 =
#   16.425 -> 16.43; 0.7 LCU x 730 x 0.008 = 4.088 -> 4.09; NAT 0.045 x 730 = 32.85 + 200 GB x
#   0.045 = 9.00; db.t3.medium Multi-AZ 0.145 x 730 = 105.85 + 100 GB gp3 Multi-AZ x 0.23 =
#   23.00; replica db.t3.medium single-az 0.072 x 730 = 52.56 + 100 GB gp3 x 0.115 = 11.50;
#   2 x cache.t3.micro 0.017 x 730 = 24.82; egress 500 x 0.09 = 45.00 + intra-region 300 x
#   0.02 = 6.00.
PROPOSED_USD = sum(Decimal(x) for x in (
    "73.00", "91.10", "4.80", "16.43", "4.09", "32.85", "9.00", "105.85", "23.00", "52.56",
    "11.50", "24.82", "45.00", "6.00"))


def test_a_plan_is_priced_proposed_against_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", str(PLAN), "--format", "json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert captured.err == ""  # the basis note is for the table's reader only
    assert Decimal(str(doc["current"]["total_monthly_usd"])) == CURRENT_USD == Decimal("109.80")
    assert Decimal(str(doc["proposed"]["total_monthly_usd"])) == PROPOSED_USD == Decimal("500.00")


def test_a_plan_in_a_region_without_prices_is_loud(capsys: pytest.CaptureFixture[str]) -> None:
    # The shipped EC2 table has us-east-1 and GovCloud only: eu-west-1 nodes cannot be priced.
    assert main(["cost", str(PLAN), "--region", "eu-west-1"]) == 1
    out = capsys.readouterr().out
    assert "PRICE NOT FOUND" in out and "eu-west-1" in out


def test_the_table_says_which_basis_it_prices(capsys: pytest.CaptureFixture[str]) -> None:
    # the report's headline prices the expected scenario's simulation (+$390.20 is the
    # declared change: 500.00 - 109.80); the table must not pass for that figure
    assert main(["cost", str(PLAN)]) == 0
    captured = capsys.readouterr()
    assert total_line(captured.out).split()[-3:] == ["$109.80", "$500.00", "+$390.20"]
    assert "PROPOSED is the plan as declared (node groups at desired_size)" in captured.err
