"""Spot rates from the EC2 spot price history (botocore Stubber, no network): the time-weighted
means worked out by hand, the overrides file they go into, and `pricing spot`."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import ANY, Stubber

from infra_toolkit import spot_prices
from infra_toolkit.cli import main
from infra_toolkit.errors import PricingError
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import load_price_book
from infra_toolkit.spot_prices import (
    SpotPricePoint,
    fetch_spot_price_history,
    spot_rates,
    write_spot_overrides,
)

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 11, 2, tzinfo=UTC)


def _p(itype: str, zone: str, usd: str, at: str) -> SpotPricePoint:
    return SpotPricePoint(itype, zone, Decimal(usd), datetime.fromisoformat(at))


POINTS = [  # deliberately out of order: the history is sorted per zone before use
    _p("c5.large", "us-east-1a", "0.0400", "2026-11-01T06:00:00+00:00"),
    _p("c5.large", "us-east-1a", "0.0300", "2026-10-31T20:00:00+00:00"),  # in effect at START
    _p("c5.large", "us-east-1a", "0.0320", "2026-11-01T18:00:00+00:00"),
    _p("c5.large", "us-east-1b", "0.0500", "2026-11-01T12:00:00+00:00"),  # covers 12 h only
    _p("c5.large", "us-east-1c", "0.0310", "2026-11-01T00:00:00+00:00"),
    _p("c5.large", "us-east-1c", "0.0900", "2026-11-02T03:00:00+00:00"),  # after END: no weight
    _p("m5.large", "us-east-1a", "0.0500", "2026-11-03T00:00:00+00:00"),  # only after END
]


def test_time_weighted_means_by_hand() -> None:
    rates = spot_rates(POINTS, START, END, "us-east-1", "Linux/UNIX")
    assert list(rates) == ["c5.large"]  # m5.large has no record inside the window
    r = rates["c5.large"]
    # 1a: 6 h x 0.030 + 12 h x 0.040 + 6 h x 0.032 = 0.18 + 0.48 + 0.192 = 0.852 over 24 h
    #     = 0.0355; 1b: 0.050 over the 12 h it covers; 1c: 0.031 all day
    assert r.zones == {"us-east-1a": Decimal("0.035500"), "us-east-1b": Decimal("0.050000"),
                       "us-east-1c": Decimal("0.031000")}
    # (0.0355 + 0.050 + 0.031) / 3 = 0.1165 / 3 = 0.0388333... -> 0.038833 (6 places, half up)
    assert r.usd_per_hour == Decimal("0.038833")
    assert r.source == ("EC2 spot price history us-east-1 Linux/UNIX, 2026-11-01T00:00Z to "
                        "2026-11-02T00:00Z: mean of 3 zone(s)' time-weighted means (zones "
                        "0.031000 to 0.050000)")


def test_rounding_is_half_up_at_six_places() -> None:
    # 0.0000005 exactly halfway: one zone at 0.000001 for 12 h and 0 for 12 h -> 0.0000005
    pts = [_p("t3.micro", "z", "0.000001", "2026-11-01T00:00:00+00:00"),
           _p("t3.micro", "z", "0", "2026-11-01T12:00:00+00:00")]
    assert spot_rates(pts, START, END, "us-east-1", "Linux/UNIX")["t3.micro"].usd_per_hour \
        == Decimal("0.000001")


def test_the_rate_is_rounded_once_from_the_exact_zone_means() -> None:
    # zone a 0.0000005 all day (shown 0.000001), zone b 0: the exact mean is 0.00000025,
    # 0.000000 at six places; the mean of the shown zone means (0.000001 + 0) / 2 = 0.0000005
    # would round up to 0.000001
    pts = [_p("t3.micro", "a", "0.0000005", "2026-11-01T00:00:00+00:00"),
           _p("t3.micro", "b", "0", "2026-11-01T00:00:00+00:00")]
    r = spot_rates(pts, START, END, "us-east-1", "Linux/UNIX")["t3.micro"]
    assert r.zones == {"a": Decimal("0.000001"), "b": Decimal("0.000000")}
    assert r.usd_per_hour == Decimal("0.000000")


def test_an_empty_window_is_refused() -> None:
    with pytest.raises(PricingError, match="is empty; the end must come after the start"):
        spot_rates(POINTS, END, START, "us-east-1", "Linux/UNIX")


def _stubbed_ec2(pages: list[list[dict[str, Any]]]) -> tuple[Any, Stubber]:
    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    stub = Stubber(client)
    for i, records in enumerate(pages):
        params = {"InstanceTypes": ANY, "ProductDescriptions": ["Linux/UNIX"],
                  "StartTime": ANY, "EndTime": ANY}
        if i:
            params["NextToken"] = f"page{i}"
        response: dict[str, Any] = {"SpotPriceHistory": records}
        if i + 1 < len(pages):
            response["NextToken"] = f"page{i + 1}"
        stub.add_response("describe_spot_price_history", response, params)
    stub.activate()
    return client, stub


def _record(itype: str, zone: str, price: str, at: datetime) -> dict[str, Any]:
    return {"AvailabilityZone": zone, "InstanceType": itype, "ProductDescription": "Linux/UNIX",
            "SpotPrice": price, "Timestamp": at}


def test_fetch_follows_pages() -> None:
    client, stub = _stubbed_ec2([
        [_record("c5.large", "us-east-1a", "0.034100", datetime(2026, 11, 1, 5, tzinfo=UTC))],
        [_record("c5.large", "us-east-1b", "0.036900", datetime(2026, 10, 30, tzinfo=UTC))],
    ])
    points = fetch_spot_price_history(client, ["c5.large"], START, END, region="us-east-1")
    stub.assert_no_pending_responses()
    assert [(p.availability_zone, p.usd_per_hour) for p in points] == [
        ("us-east-1a", Decimal("0.034100")), ("us-east-1b", Decimal("0.036900"))]


# session 19: the spot history gives each AWS error its fix as `pricing refresh` and `traffic
# cloudwatch` do (aws_messages); it said "EC2 refused DescribeSpotPriceHistory" for all of them
@pytest.mark.parametrize(("code", "said"), [
    ("UnauthorizedOperation", r"AWS denied the call \(UnauthorizedOperation: You are not "
                              r"authorized\.\); grant ec2:DescribeSpotPriceHistory to the "
                              r"identity used, or use a profile that has it"),
    ("RequestExpired", r"the AWS session token has expired \(RequestExpired: You are not "
                       r"authorized\.\); refresh the credentials"),
    ("RequestLimitExceeded", r"AWS throttled the calls, still after the SDK's retries"),
])
def test_fetch_errors_are_one_message_with_their_fix(code: str, said: str) -> None:
    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_client_error("describe_spot_price_history", code, "You are not authorized.")
    stub.activate()
    with pytest.raises(PricingError, match=r"^reading the EC2 spot price history of c5\.large "
                                           r"in us-east-1: " + said + r".*; nothing written$"):
        fetch_spot_price_history(client, ["c5.large"], START, END, region="us-east-1")


def test_malformed_record_is_refused() -> None:
    client, _ = _stubbed_ec2([[_record("c5.large", "us-east-1a", "n/a",
                                       datetime(2026, 11, 1, tzinfo=UTC))]])
    with pytest.raises(PricingError, match=r"malformed spot price record .*'n/a'.*; nothing "
                                           r"written"):
        fetch_spot_price_history(client, ["c5.large"], START, END, region="us-east-1")


def test_a_spot_price_above_a_million_dollars_is_refused() -> None:
    # fuzz27: 1e400 is a finite Decimal; rounding it to six places raised InvalidOperation
    client, _ = _stubbed_ec2([[_record("c5.large", "us-east-1a", "1e400",
                                       datetime(2026, 11, 1, tzinfo=UTC))]])
    with pytest.raises(PricingError, match=r"^reading the EC2 spot price history of c5.large in "
                                           r"us-east-1: spot price '1e400' is not a price; "
                                           r"nothing written$"):
        fetch_spot_price_history(client, ["c5.large"], START, END, region="us-east-1")


def test_overrides_file_is_created_and_prices_a_spot_lookup(tmp_path: Path) -> None:
    out = tmp_path / "spot.yaml"
    write_spot_overrides(out, spot_rates(POINTS, START, END, "us-east-1", "Linux/UNIX").values())
    price = load_price_book(overrides=out).lookup("ec2_on_demand", "spot", region="us-east-1",
                                                  instance_type="c5.large")
    assert price.usd_per_unit == Decimal("0.038833")
    assert f"rate {out.name}: rates[0] (" in price.ref


def test_overrides_file_update_keeps_other_entries(tmp_path: Path) -> None:
    out = tmp_path / "overrides.yaml"
    out.write_text(
        "version: 1\n"
        "discounts_pct: {AmazonEC2: 10}\n"
        "rates:\n"
        "  - {service: AmazonEC2, region: us-east-1, instance_type: c5.large,"
        " purchase_option: spot, usd_per_unit: '0.05', source: old}\n"
        "  - {service: AmazonEC2, region: us-west-2, instance_type: c5.large,"
        " purchase_option: spot, usd_per_unit: '0.04', source: other region}\n"
        "  - {service: AmazonEC2, region: us-east-1, instance_type: c5.large,"
        " purchase_option: savings_plan, usd_per_unit: '0.06', source: plan}\n")
    write_spot_overrides(out, spot_rates(POINTS, START, END, "us-east-1", "Linux/UNIX").values())
    book = load_price_book(overrides=out)
    assert book.overrides.discounts_pct == {"AmazonEC2": Decimal(10)}
    got = {(r.key, r.purchase_option): (r.usd_per_unit, r.source[:12])
           for r in book.overrides.rates}
    assert got == {
        (("us-west-2", "c5.large"), "spot"): (Decimal("0.04"), "other region"),
        (("us-east-1", "c5.large"), "savings_plan"): (Decimal("0.06"), "plan"),
        (("us-east-1", "c5.large"), "spot"): (Decimal("0.038833"), "EC2 spot pri"),
    }


def test_a_broken_overrides_file_is_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "overrides.yaml"
    out.write_text("version: 2\nrates: []\n")
    with pytest.raises(PricingError, match=r"version: 2; write version: 1"):
        write_spot_overrides(out, spot_rates(POINTS, START, END, "us-east-1",
                                             "Linux/UNIX").values())
    assert out.read_text() == "version: 2\nrates: []\n"


@pytest.fixture
def stub_client(monkeypatch: pytest.MonkeyPatch) -> Stubber:
    # every record predates any window ending now, so each zone's price holds all window long
    old = datetime(2020, 1, 1, tzinfo=UTC)
    client, stub = _stubbed_ec2([[_record("c5.large", "us-east-1a", "0.0340", old),
                                  _record("c5.large", "us-east-1b", "0.0360", old)]])
    monkeypatch.setattr(spot_prices, "spot_client", lambda profile, region: client)
    return stub


def test_pricing_spot_command(tmp_path: Path, stub_client: Stubber,
                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "spot.yaml"
    assert main(["pricing", "spot", "--region", "us-east-1", "--instance-type", "c5.large",
                 "--out", str(out)]) == 0
    # (0.0340 + 0.0360) / 2 = 0.0350
    assert capsys.readouterr().out == ("c5.large us-east-1: $0.035000 per hour spot (2 zone(s), "
                                       f"0.034000 to 0.036000)\n{out}: 1 spot rate(s) written\n")
    assert load_price_book(overrides=out).lookup(
        "ec2_on_demand", "spot", region="us-east-1", instance_type="c5.large").usd_per_unit \
        == Decimal("0.035000")


def test_pricing_spot_missing_type_writes_nothing(tmp_path: Path, stub_client: Stubber,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    # c5.large is in the specs tables but AWS returned no history for m5.large (the stub holds
    # only c5.large's)
    out = tmp_path / "spot.yaml"
    assert main(["pricing", "spot", "--region", "us-east-1", "--instance-type", "c5.large",
                 "--instance-type", "m5.large", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith(
        "error: no Linux/UNIX spot price history for m5.large in us-east-1 over the last 30 "
        "days")
    assert not out.exists()


def test_pricing_spot_refuses_a_type_no_table_knows_before_calling_aws(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # owndata: a misspelt type was only found out after the AWS call came back empty
    monkeypatch.setattr(spot_prices, "spot_client", None)  # no AWS client may be made
    out = tmp_path / "spot.yaml"
    assert main(["pricing", "spot", "--region", "us-east-1", "--instance-type", "c5.lage",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: pricing spot --instance-type: c5.lage not in the instance "
                          "specs tables (c5.lage: nearest c5.large")
    assert err.rstrip().endswith("nothing fetched")
    assert not out.exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["--region", "useast1"], "region 'useast1' is not an AWS region code"),
    (["--region", "us-east-1", "--days", "91"], "--days 91: give 1 to 90"),
])
def test_pricing_spot_bad_arguments(argv: list[str], message: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spot_prices, "spot_client", None)  # no AWS client may be made
    assert main(["pricing", "spot", "--instance-type", "c5.large", "--out",
                 str(tmp_path / "s.yaml"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_help_names_the_plan_key_a_plan_accepts(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["pricing", "spot", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    match = re.search(r"the plan's (\w+)\.(\w+) or --pricing-overrides", help_text)
    assert match, help_text
    section, key = match.groups()
    data = Path(__file__).parent / "data" / "plans"
    shutil.copytree(data / "manifests", tmp_path / "manifests")
    (tmp_path / "spot.yaml").write_text("version: 1\ndiscounts_pct: {AmazonEC2: 10}\n")
    plan = yaml.safe_load((data / "minimal.yaml").read_text())
    plan[section] = {key: "spot.yaml"}
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    _plan, problems, _warnings = check_plan_warnings(tmp_path / "plan.yaml")
    assert [str(p) for p in problems] == []
