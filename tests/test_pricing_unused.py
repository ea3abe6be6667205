"""A user's price that never applies is said out loud (fuzz27 pricing): a rate or a row of the
user's own tables that no cost line asks for is a warning naming the file, the entry and the
nearest key the lines did ask for; a user's tiered table whose tiers do not meet is refused at
the file and line of the two rows, not flagged later as "PRICE NOT FOUND ... tiers stop there".
Expected messages are written out by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.errors import PricingError
from infra_toolkit.plan import validate_plan
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import load_price_book

PLANS = Path(__file__).parent / "data" / "plans"

_RATE = """  - service: AmazonEC2
    region: us-east-1
    {key}
    usd_per_unit: "{usd}"
    source: negotiated 2026-11
"""


def _overrides(tmp_path: Path, *rates: tuple[str, str]) -> Path:
    path = tmp_path / "overrides.yaml"
    path.write_text("version: 1\nrates:\n"
                    + "".join(_RATE.format(key=k, usd=u) for k, u in rates))
    return path


def _plan(tmp_path: Path, pricing: str) -> Path:
    """The minimal plan (one EKS cluster, a node group of 2 m5.large in us-east-1, with gp2
    root volumes), its manifests, and ``pricing`` appended."""
    shutil.copytree(PLANS / "manifests", tmp_path / "manifests")
    path = tmp_path / "plan.yaml"
    path.write_text((PLANS / "minimal.yaml").read_text() + pricing)
    return path


def _unused(warnings: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(w.path, w.message) for w in warnings if "was not used by any cost line" in w.message]


def test_validate_warns_of_a_rate_no_cost_line_asks_for(tmp_path: Path) -> None:
    """Before: the m5.xlarge rate (a plan on m5.large) and the spot rate (its node group is
    on-demand) were read and never applied, with no word; the list price stood."""
    overrides = _overrides(tmp_path, ("instance_type: m5.large", "0.07"),
                           ("instance_type: m5.xlarge", "0.15"),
                           ("instance_type: m5.large\n    purchase_option: spot", "0.03"))
    plan, problems, warnings = check_plan_warnings(
        _plan(tmp_path, "pricing:\n  overrides: overrides.yaml\n"))
    assert problems == []
    assert _unused(warnings) == [
        ("pricing.overrides",
         f"warning: {overrides}: rates[1]: 'us-east-1/m5.xlarge' was not used by any cost line, "
         "so it never applies (each line keeps its list price); did you mean "
         "'us-east-1/m5.large'? Fix its key or delete it"),
        ("pricing.overrides",
         f"warning: {overrides}: rates[2]: 'us-east-1/m5.large spot' was not used by any cost "
         "line, so it never applies (each line keeps its list price); the cost lines ask for "
         "'us-east-1/m5.large' on_demand, not spot: write purchase_option: on_demand or buy the "
         "resource spot"),
    ]


def test_validate_warns_of_a_table_row_with_a_misspelt_item(tmp_path: Path) -> None:
    """item_id is not checked on load (the cost model asks for items the shipped tables lack:
    a user's row is how they are priced), so 'ebs_gp2_storag' was a row nothing read."""
    (tmp_path / "prices").mkdir()
    table = tmp_path / "prices" / "ebs_2026-11-01.csv"
    table.write_text(
        "region,service,item_id,description,unit,usd_per_unit,tier_start,tier_end,source,as_of\n"
        "us-east-1,AmazonEC2,ebs_gp2_storag,gp2,GB-month,0.08,,,negotiated,2026-11-01\n")
    plan, problems, warnings = check_plan_warnings(
        _plan(tmp_path, "pricing:\n  tables: [prices/ebs_2026-11-01.csv]\n"))
    assert problems == []
    assert _unused(warnings) == [
        ("pricing.tables",
         f"warning: {table}: line 2: 'us-east-1/AmazonEC2/ebs_gp2_storag' was not used by any "
         "cost line, so it never applies (each line keeps its list price); did you mean "
         "'us-east-1/AmazonEC2/ebs_gp2_storage'? Fix its key or delete it")]


def test_prices_every_line_asks_for_give_no_warning(tmp_path: Path) -> None:
    _overrides(tmp_path, ("instance_type: m5.large", "0.07"))
    plan, problems, warnings = check_plan_warnings(
        _plan(tmp_path, "pricing:\n  overrides: overrides.yaml\n"))
    assert problems == [] and _unused(warnings) == []


def test_cost_of_a_resources_file_prints_the_warning(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    overrides = _overrides(tmp_path, ("item_id: nat_gateway_hour", "0.04"),
                           ("item_id: nat_gatway_hour", "0.04"))
    resources = tmp_path / "res.yaml"
    resources.write_text("region: us-east-1\nresources:\n  - type: aws_nat_gateway\n"
                         "    name: nat\n    usage: {monthly_data_processed_gb: 100}\n")
    assert main(["cost", str(resources), "--pricing-overrides", str(overrides)]) == 0
    err = capsys.readouterr().err
    assert err == (
        f"warning: {overrides}: rates[1]: 'us-east-1/AmazonEC2/nat_gatway_hour' was not used by "
        "any cost line, so it never applies (each line keeps its list price); did you mean "
        "'us-east-1/AmazonEC2/nat_gateway_hour'? Fix its key or delete it\n")


def test_a_table_of_many_unused_rows_names_five_then_counts_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Seven EC2 rows and a NAT gateway only: rows 2-6 are named one by one, the last two (lines
    7 and 8) share one warning."""
    types = ("c5.large", "c5.xlarge", "c5.2xlarge", "c5.4xlarge", "c5.9xlarge", "c5.12xlarge",
             "c5.18xlarge")
    table = tmp_path / "ec2_2026-11-01.csv"
    table.write_text("region,instance_type,usd_per_hour,source,as_of\n"
                     + "".join(f"us-east-1,{t},0.05,quote,2026-11-01\n" for t in types))
    resources = tmp_path / "res.yaml"
    resources.write_text("region: us-east-1\nresources:\n  - type: aws_nat_gateway\n"
                         "    name: nat\n    usage: {monthly_data_processed_gb: 1}\n")
    assert main(["cost", str(resources), "--pricing-table", str(table)]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 6
    assert lines[0] == (
        f"warning: {table}: line 2: 'us-east-1/c5.large' was not used by any cost line, so it "
        "never applies (each line keeps its list price); no cost line asks for a price of the "
        "ec2_on_demand table: delete it or add the resource")
    assert lines[5] == (f"warning: {table}: 2 more rows ('us-east-1/c5.12xlarge', "
                        "'us-east-1/c5.18xlarge') were not used by any cost line either")


_HEADER = "region,service,item_id,description,unit,usd_per_unit,tier_start,tier_end,source,as_of\n"


def _tiers(*spans: str) -> str:
    """eu-west-1 internet egress rows (line 2 on) for ``start,end`` spans."""
    return _HEADER + "".join(f"eu-west-1,AWSDataTransfer,internet_out,egress,GB,0.05,{s},quote,"
                             "2026-11-01\n" for s in spans)


@pytest.mark.parametrize(("spans", "message"), [
    # the first tier ends at 10000 (10 TB written as 10,000 GB), the next starts at 10240
    (("0,10000", "10240,51200", "51200,153600", "153600,"),
     "line 3: tier 10240-51200 of AWSDataTransfer internet_out in eu-west-1 (egress_2026-11-01.csv "
     "line 3) starts at 10240 but the tier before (egress_2026-11-01.csv line 2: 0-10000) ends at "
     "10000: make them meet (tier_start 10000 on egress_2026-11-01.csv line 3, or tier_end 10240 "
     "on egress_2026-11-01.csv line 2)"),
    # an overlap: 10240-60000 runs past the next tier's start, 51200
    (("0,10240", "10240,60000", "51200,153600", "153600,"),
     "line 4: tier 51200-153600 of AWSDataTransfer internet_out in eu-west-1 "
     "(egress_2026-11-01.csv line 4) starts at 51200 but the tier before "
     "(egress_2026-11-01.csv line 3: 10240-60000) ends "
     "at 60000: make them meet (tier_start 60000 on egress_2026-11-01.csv line 4, or tier_end "
     "51200 on egress_2026-11-01.csv line 3)"),
    # a middle tier left open-ended
    (("0,10240", "10240,", "51200,153600", "153600,"),
     "line 4: tier 51200-153600 of AWSDataTransfer internet_out in eu-west-1 "
     "(egress_2026-11-01.csv line 4) starts at 51200 but the tier before "
     "(egress_2026-11-01.csv line 3, from 10240) has "
     "no tier_end, so it already covers everything above: write tier_end 51200 on "
     "egress_2026-11-01.csv line 3"),
    # "10240.0" does not replace the shipped 10240 row (keys are text): two rows, one tier
    (("0,10240", "10240.0,51200", "51200,153600", "153600,"),
     "line 3: tier_start 10240.0 of AWSDataTransfer internet_out in eu-west-1 "
     "(egress_2026-11-01.csv line 3) is also the start of the tier on "
     "other_services_2026-05-03.csv line 150: two rows price one tier; keep one (a row "
     "replacing a tier writes its tier_start as 10240)"),
])
def test_tiers_that_do_not_meet_are_refused_at_load(tmp_path: Path, spans: tuple[str, ...],
                                                    message: str) -> None:
    """Before: the table loaded, and the cost of 60,000 GB of egress stopped at the break as
    "PRICE NOT FOUND ... the table's tiers stop there". Shipped eu-west-1 rows (lines 148-151)
    are 0-10240, 10240-51200, 51200-153600, 153600-; the user's rows replace them."""
    table = tmp_path / "egress_2026-11-01.csv"
    table.write_text(_tiers(*spans))
    with pytest.raises(PricingError) as raised:
        load_price_book(extra_tables=[table])
    assert str(raised.value) == f"{table}: {message}"


def test_a_first_tier_above_zero_is_refused(tmp_path: Path) -> None:
    """mx-central-1 has no shipped egress rows: the user's first tier, 1-10240, left the
    first GB unpriced (the cost model walks the tiers from 0)."""
    table = tmp_path / "egress_2026-11-01.csv"
    table.write_text(_tiers("1,10240", "10240,").replace("eu-west-1", "mx-central-1"))
    with pytest.raises(PricingError) as raised:
        load_price_book(extra_tables=[table])
    assert str(raised.value) == (
        f"{table}: line 2: the first tier of AWSDataTransfer internet_out in mx-central-1 "
        "starts at 1, not 0, and the cost model prices from 0 up: write tier_start 0 on "
        "egress_2026-11-01.csv line 2 or add the tier below it")


def test_validate_names_the_gap_of_a_plan_table(tmp_path: Path) -> None:
    (tmp_path / "prices").mkdir()
    (tmp_path / "prices" / "egress_2026-11-01.csv").write_text(
        _tiers("0,10000", "10240,51200", "51200,153600", "153600,"))
    problems = validate_plan(
        _plan(tmp_path, "pricing:\n  tables: [prices/egress_2026-11-01.csv]\n"))
    assert [p.message for p in problems if "tier" in p.message] == [
        f"{tmp_path / 'prices' / 'egress_2026-11-01.csv'}: line 3: tier 10240-51200 of "
        "AWSDataTransfer internet_out in eu-west-1 (egress_2026-11-01.csv line 3) starts at "
        "10240 but the tier before (egress_2026-11-01.csv line 2: 0-10000) ends at 10000: make "
        "them meet (tier_start 10000 on egress_2026-11-01.csv line 3, or tier_end 10240 on "
        "egress_2026-11-01.csv line 2)"]


def _rate_warnings(warnings: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(w.path, w.message) for w in warnings if "usd_per_unit" in w.message]


def test_a_rate_above_its_list_price_or_of_nothing_is_said(tmp_path: Path) -> None:
    """owndata: usd_per_unit 70 for m5.large (a monthly sum typed as hourly) priced each node at
    70 x 730 = $51,100 a month with no word; a rate of 0 priced the gp2 volumes at $0. Both
    stand (a rate is final) and are named. m5.large in us-east-1 lists at $0.096 an hour
    (ec2_on_demand_2026-07-20.csv line 550): 70 / 0.096 = 729.17; gp2 at $0.10 per GB-month."""
    overrides = _overrides(tmp_path, ("instance_type: m5.large", "70"),
                           ("item_id: ebs_gp2_storage", "0"))
    plan, problems, warnings = check_plan_warnings(
        _plan(tmp_path, "pricing:\n  overrides: overrides.yaml\n"))
    assert problems == []
    assert _rate_warnings(warnings) == [
        ("pricing.overrides",
         f"warning: {overrides}: rates[0]: usd_per_unit 70 is 729.2 x the list price of "
         "'us-east-1/m5.large on_demand', $0.096 per hour (ec2_on_demand_2026-07-20.csv line "
         "550: us-east-1/m5.large), yet a negotiated, spot, Savings Plan or reserved rate is "
         "below list; if it is a monthly, yearly or upfront sum, write the price of one unit "
         "(hour); it is applied as written"),
        ("pricing.overrides",
         f"warning: {overrides}: rates[1]: usd_per_unit 0 prices every line of "
         "'us-east-1/AmazonEC2/ebs_gp2_storage on_demand' at $0, where its list price is $0.1 "
         "per GB-month (other_services_2026-05-03.csv line 14: "
         "us-east-1/AmazonEC2/ebs_gp2_storage); if it is not free, write its price per unit; "
         "it is applied as written"),
    ]


@pytest.mark.parametrize("usd", ["0.07", "0.096"])  # below, and at, the $0.096 list price
def test_a_rate_at_or_below_list_is_not_warned(tmp_path: Path, usd: str) -> None:
    _overrides(tmp_path, ("instance_type: m5.large", usd))
    plan, problems, warnings = check_plan_warnings(
        _plan(tmp_path, "pricing:\n  overrides: overrides.yaml\n"))
    assert problems == [] and _rate_warnings(warnings) == []


def test_a_users_table_row_above_the_row_it_replaces_is_said(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """owndata: a row of 150 for m5.xlarge (listed $0.192 an hour, line 552) replaced the list
    price and priced the instance 150 x 730 = $109,500 a month, silently; 150 / 0.192 = 781.25
    (shown to one decimal, half to even: 781.2).
    A row at or below the shipped one (0.15) is not warned."""
    table = tmp_path / "own.csv"
    table.write_text("region,instance_type,usd_per_hour,source,as_of\n"
                     "us-east-1,m5.xlarge,150,quote,2026-11-01\n"
                     "us-east-1,m5.large,0.09,quote,2026-11-01\n")
    resources = tmp_path / "res.yaml"
    resources.write_text("region: us-east-1\nresources:\n"
                         "  - {type: aws_instance, name: a, instance_type: m5.xlarge}\n"
                         "  - {type: aws_instance, name: b, instance_type: m5.large}\n")
    assert main(["cost", str(resources), "--pricing-table", str(table)]) == 0
    assert capsys.readouterr().err == (
        f"warning: {table}: line 2: usd_per_hour 150 is 781.2 x the list price of "
        "'us-east-1/m5.xlarge', $0.192 per hour (ec2_on_demand_2026-07-20.csv line 552: "
        "us-east-1/m5.xlarge), yet a quote or a newer list price is seldom above the shipped "
        "one; if it is a monthly, yearly or upfront sum, write the price of one unit (hour); it "
        "is applied as written\n")
