"""A plan in a region the shipped tables price only in part (eu-west-1: RDS and ElastiCache
instances and data transfer, but no EKS, NAT or EBS rows), priced the way pricing_data/README.md
gives for it: ``pricing refresh --other-services --pricing-dir DIR`` (botocore's Stubber answering
as the Price List does, tests/test_pricing_refresh_other.py's products), its table named in the
plan's ``pricing.tables``. Prices are the stub's; the figures are worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from infra_toolkit.cost_pricing import estimate
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import load_price_book
from infra_toolkit.pricing_refresh_other import refresh_other_services
from tests.pricelist_stub import copy_shipped_tables, stubbed_pricing_client
from tests.test_plan_warnings import _plan
from tests.test_pricing_refresh_other import eu_products, stub_pages

EU_RESOURCES = ("current:\n  region: eu-west-1\n  resources:\n"
                "    - {type: aws_eks_cluster, name: old}\n"
                "    - {type: aws_nat_gateway, name: out, usage: {monthly_data_processed_gb: 100}}")


def _refreshed_other_services(folder: Path) -> Path:
    """The other-services table ``pricing refresh --other-services --region eu-west-1
    --pricing-dir folder`` writes: every shipped row, as it was, plus eu-west-1's items."""
    folder.mkdir()
    with stubbed_pricing_client() as (pricing, stub):
        stub_pages(stub, "eu-west-1", eu_products())
        result = refresh_other_services("eu-west-1", data_dir=copy_shipped_tables(folder),
                                        client=pricing)
        stub.assert_no_pending_responses()
    return result.path


def _eu_plan(folder: Path, tables: str) -> Path:
    plan = _plan(folder, plan_edits=(("      hpa: manifests/hpa.yaml\n", ""),
                                     ("current:\n  region: us-east-1\n  resources: []",
                                      EU_RESOURCES)))
    plan.write_text(plan.read_text() + tables)
    return plan


def test_a_refreshed_table_in_a_plan_prices_its_region_and_names_no_copied_row(
        tmp_path: Path) -> None:
    # region17: the refreshed table holds the shipped table's 223 rows unchanged beside the
    # region's 34 fetched ones (NLB, io2 tiers, RDS IOPS ... that this plan does not use); named
    # in pricing.tables, its rows were "not used by any cost line ... Fix its key or delete it"
    # (five of them, then "251 more rows"), though none is a hand-typed key: a copy of a shipped
    # price or a price AWS lists. Now only missing prices would be warned: there are none.
    refreshed = _refreshed_other_services(tmp_path / "tables")
    plan_path = _eu_plan(tmp_path / "plan", f"pricing:\n  tables: [../tables/{refreshed.name}]\n")
    plan, problems, warnings = check_plan_warnings(plan_path)
    assert plan is not None and problems == []
    assert [w.message for w in warnings if "price" in w.message or w.path == "pricing.tables"] \
        == []
    lines = estimate(plan.current.resources, load_price_book(extra_tables=[refreshed])).lines
    assert [(ln.component, ln.monthly_cost_usd) for ln in lines] == [
        # the stub's eu-west-1 EKS cluster-hour is $0.10: 730 h x 0.10 = $73.00
        ("EKS cluster", Decimal("73.000")),
        # NAT $0.048 an hour: 730 x 0.048 = $35.04; $0.048 a GB processed: 100 x 0.048 = $4.80
        ("NAT gateway", Decimal("35.040")),
        ("Data processed", Decimal("4.800"))]


def test_a_row_of_the_user_s_table_at_another_price_than_shipped_is_still_named(
        tmp_path: Path) -> None:
    # the copied rows are left out because they repeat the shipped price: a row of the user's
    # for an unused key at a price of its own (us-east-1's NAT hour at 0.04, shipped 0.045) is
    # a price meant to apply somewhere, so it is still named
    table = tmp_path / "own.csv"
    table.write_text(
        "region,service,item_id,description,unit,usd_per_unit,tier_start,tier_end,source,as_of\n"
        "us-east-1,AmazonEC2,nat_gateway_hour,NAT gateway hour,hour,0.04,,,quote,2026-11-27\n")
    plan_path = _eu_plan(tmp_path / "plan", "pricing:\n  tables: [../own.csv]\n")
    _, _, warnings = check_plan_warnings(plan_path)
    named = [w.message for w in warnings if w.path == "pricing.tables"]
    assert len(named) == 1, named
    assert "line 2: 'us-east-1/AmazonEC2/nat_gateway_hour' was not used by any cost line" \
        in named[0]
