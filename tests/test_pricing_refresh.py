"""Refreshing tables from the Price List API, offline: botocore Stubber with multi-page
responses shaped like the real API (tests/data/cost/pricelist/), never the network."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from infra_toolkit import atomic, pricing_refresh
from infra_toolkit.cli import main
from infra_toolkit.errors import PricingError
from infra_toolkit.pricing import load_price_book, read_price_table
from infra_toolkit.pricing_refresh import refresh_table
from tests.pricelist_stub import (
    RaisingClient,
    clear_aws_credentials,
    copy_shipped_tables,
    snapshot,
    stubbed_pricing_client,
)

FIXTURES = Path(__file__).parent / "data" / "cost" / "pricelist"


def _term(field: str, value: str) -> dict[str, str]:
    return {"Type": "TERM_MATCH", "Field": field, "Value": value}


# Karpenter's on-demand filters (pkg/providers/pricing/pricing.go fetchOnDemandPricing), written
# out here as the request the stubbed client must receive.
EC2_BASE = [_term("regionCode", "us-east-1"), _term("serviceCode", "AmazonEC2"),
            _term("preInstalledSw", "NA"), _term("operatingSystem", "Linux"),
            _term("capacitystatus", "Used"), _term("marketoption", "OnDemand")]
EC2_SHARED = [*EC2_BASE, _term("tenancy", "Shared"), _term("productFamily", "Compute Instance")]
EC2_METAL = [*EC2_BASE, _term("tenancy", "Dedicated"),
             _term("productFamily", "Compute Instance (bare metal)")]


def page(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def request(service: str, filters: list[dict[str, str]], token: str | None = None
            ) -> dict[str, Any]:
    params: dict[str, Any] = {"ServiceCode": service, "Filters": filters,
                              "FormatVersion": "aws_v1", "MaxResults": 100}
    if token:
        params["NextToken"] = token
    return params


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return copy_shipped_tables(tmp_path)


@pytest.fixture
def client() -> Iterator[tuple[Any, Stubber]]:
    with stubbed_pricing_client() as pair:
        yield pair


def stub_ec2(stub: Stubber, page2: dict[str, Any] | None = None) -> None:
    first = page("ec2_us-east-1_page1.json")
    stub.add_response("get_products", first, request("AmazonEC2", EC2_SHARED))
    stub.add_response("get_products", page2 or page("ec2_us-east-1_page2.json"),
                      request("AmazonEC2", EC2_SHARED, first["NextToken"]))
    stub.add_response("get_products", page("ec2_us-east-1_metal.json"),
                      request("AmazonEC2", EC2_METAL))


def test_ec2_refresh_replaces_one_region_and_keeps_the_others(
        data_dir: Path, client: tuple[Any, Stubber]) -> None:
    pricing, stub = client
    stub_ec2(stub)
    old = data_dir / "ec2_on_demand_2026-07-20.csv"
    old_bytes = old.read_bytes()
    result = refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)
    stub.assert_no_pending_responses()
    assert result.path == data_dir / "ec2_on_demand_2026-11-20.csv"  # newest publicationDate
    assert (result.rows_from_aws, result.superseded) == (6, old)
    assert old.read_bytes() == old_bytes  # superseded, kept, untouched
    _, _, rows = read_price_table(result.path, "ec2_on_demand")
    east = {k[1]: str(r.amount) for k, r in rows.items() if k[0] == "us-east-1"}
    assert east == {"t3.medium": "0.0418", "t3.large": "0.0832", "m5.large": "0.096",
                    "c5.large": "0.085", "m5.xlarge": "0.192", "m5.metal": "4.608"}
    # GovCloud rows (770 + 549 in the shipped table) are kept as they were
    assert result.rows_kept == 1319 == sum(1 for k in rows if k[0].startswith("us-gov-"))
    book = load_price_book(data_dir)
    price = book.lookup("ec2_on_demand", region="us-east-1", instance_type="t3.medium")
    assert price.usd_per_unit == Decimal("0.0418")
    assert price.row is not None and price.row.as_of == "2026-11-20"
    assert price.row.source.startswith("AWS Price List API GetProducts AmazonEC2 us-east-1 (sku ")
    assert "ec2_on_demand_2026-11-20.csv" in {t.name for t in book.tables_used}


def test_a_same_day_refresh_replaces_the_file_in_place(data_dir: Path,
                                                       client: tuple[Any, Stubber]) -> None:
    pricing, stub = client
    stub_ec2(stub)
    stub_ec2(stub)
    first = refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)
    second = refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)
    assert second.path == first.path and second.superseded is None
    assert sorted(p.name for p in data_dir.glob("ec2_on_demand_2*.csv")) == [
        "ec2_on_demand_2026-07-20.csv", "ec2_on_demand_2026-11-20.csv"]


def test_rds_refresh_replaces_one_engine_of_one_region(data_dir: Path,
                                                       client: tuple[Any, Stubber]) -> None:
    pricing, stub = client
    for option, name in (("Single-AZ", "single-az"), ("Multi-AZ", "multi-az")):
        stub.add_response("get_products", page(f"rds_postgresql_{name}.json"), request(
            "AmazonRDS", [_term("regionCode", "us-east-1"), _term("databaseEngine", "PostgreSQL"),
                          _term("deploymentOption", option), _term("locationType", "AWS Region"),
                          _term("productFamily", "Database Instance")]))
    before = read_price_table(data_dir / "rds_on_demand_2026-05-03.csv")[2]
    result = refresh_table("AmazonRDS", "us-east-1", engine="PostgreSQL", data_dir=data_dir,
                           client=pricing)
    _, _, rows = read_price_table(result.path, "rds_on_demand")
    assert sorted(k for k in rows if k[:2] == ("us-east-1", "PostgreSQL")) == [
        ("us-east-1", "PostgreSQL", "db.m5.large", "multi-az"),
        ("us-east-1", "PostgreSQL", "db.m5.large", "single-az"),
        ("us-east-1", "PostgreSQL", "db.t3.medium", "multi-az"),
        ("us-east-1", "PostgreSQL", "db.t3.medium", "single-az")]
    mysql = {k for k in before if k[:2] == ("us-east-1", "MySQL")}
    assert mysql and mysql <= set(rows)  # the other engine in the region is kept
    # named by the newest as_of: the refreshed rows, published 2026-11-18
    assert result.path.name == "rds_on_demand_2026-11-18.csv"


def test_elasticache_refresh_adds_valkey_and_skips_extended_support(
        data_dir: Path, client: tuple[Any, Stubber]) -> None:
    pricing, stub = client
    stub.add_response("get_products", page("elasticache_valkey.json"), request(
        "AmazonElastiCache", [_term("regionCode", "us-east-1"), _term("cacheEngine", "Valkey"),
                              _term("locationType", "AWS Region"),
                              _term("productFamily", "Cache Instance")]))
    result = refresh_table("AmazonElastiCache", "us-east-1", engine="Valkey",
                           data_dir=data_dir, client=pricing)
    assert result.rows_from_aws == 2  # the extended-support item is not a node price
    book = load_price_book(data_dir)
    # fixture row cache.t3.micro Valkey 0.0136 (illustrative fixture value)
    assert book.lookup("elasticache_on_demand", region="us-east-1", engine="Valkey",
                       node_type="cache.t3.micro").usd_per_unit == Decimal("0.0136")


def _broken(kind: str) -> dict[str, Any]:
    bad = copy.deepcopy(page("ec2_us-east-1_page2.json"))
    item = json.loads(bad["PriceList"][1])
    if kind == "not json":
        bad["PriceList"][1] = bad["PriceList"][1][:40]
        return bad
    if kind == "no list":
        del bad["PriceList"]
        return bad
    dim = next(iter(next(iter(item["terms"]["OnDemand"].values()))["priceDimensions"].values()))
    if kind == "no instanceType":
        del item["product"]["attributes"]["instanceType"]
    elif kind == "no USD":
        dim["pricePerUnit"] = {"CNY": "1.2"}
    elif kind == "bad USD":
        dim["pricePerUnit"]["USD"] = "n/a"
    elif kind.startswith("USD "):
        dim["pricePerUnit"]["USD"] = {"sNaN": "sNaN", "NaN": "NaN", "negative": "-0.05",
                                      "huge": "1e400"}[kind[4:]]
    elif kind == "conflict":
        item["product"]["attributes"]["instanceType"] = "t3.large"  # page 1 has it at 0.0832
    # JSON of another type where the API writes an object or a string (audit10 A10-1)
    elif kind == "OnDemand list":
        item["terms"]["OnDemand"] = list(item["terms"]["OnDemand"].values())
    elif kind == "priceDimensions list":
        offer = next(iter(item["terms"]["OnDemand"].values()))
        offer["priceDimensions"] = list(offer["priceDimensions"].values())
    elif kind == "attributes list":
        item["product"]["attributes"] = ["t3.large"]
    elif kind == "instanceType object":
        item["product"]["attributes"]["instanceType"] = {"name": "t3.large"}
    elif kind == "a JSON number price":
        dim["pricePerUnit"]["USD"] = 0.1  # Decimal(0.1) is 0.1000000000000000055511151...
    elif kind == "publicationDate text":
        item["publicationDate"] = "last week"
    elif kind == "publicationDate future":
        item["publicationDate"] = "2999-01-01T00:00:00Z"
    bad["PriceList"][1] = json.dumps(item)
    return bad


@pytest.mark.parametrize(("kind", "match"), [
    ("not json", r"query 0 page 1 PriceList\[1\]: not a JSON string"),
    ("no list", r"query 0 page 1: response has no PriceList list"),
    ("no instanceType", r"PriceList\[1\]: malformed Price List item: no instanceType"),
    # the aws-cn partition's items: CNY only (audit cloud19: was "no pricePerUnit.USD")
    ("no USD", r"PriceList\[1\]: priced in CNY, not USD; the tables hold USD \(an AWS China "
               r"region\?\); tables unchanged$"),
    ("bad USD", r"PriceList\[1\]: malformed Price List item: USD price 'n/a' is not a number"),
    # Decimal reads these, so they must be refused before a row is built (sNaN raised a bare
    # TypeError from the duplicate check before)
    ("USD sNaN", r"PriceList\[1\]: malformed Price List item: USD price 'sNaN' is not a finite "
                 r"number >= 0"),
    ("USD NaN", r"USD price 'NaN' is not a finite number >= 0"),
    ("USD negative", r"USD price '-0.05' is not a finite number >= 0"),
    ("conflict", r"PriceList\[1\]: two prices for us-east-1/t3.large: 0.0832 and 0.192"),
    # before (audit10 A10-1): AttributeError / TypeError tracebacks, a binary-float price, and
    # a table named ec2_on_demand_last week.csv refused naming its temp file; each message now
    # says what was refreshed and that the tables are unchanged
    *[(kind, r"^refreshing AmazonEC2 prices for us-east-1: query 0 page 1 PriceList\[1\]: "
             rf"malformed Price List item: {what}; tables unchanged$") for kind, what in [
        ("OnDemand list", r"terms\.OnDemand is a list, not an object"),
        ("priceDimensions list", r"priceDimensions is a list, not an object"),
        ("attributes list", r"product\.attributes is a list, not an object"),
        ("instanceType object", r"instanceType is an object, not a string"),
        ("a JSON number price", r"pricePerUnit\.USD is a number, not a string"),
        ("publicationDate text", r"publicationDate 'last week' does not start with a "
                                 r"YYYY-MM-DD date"),
        # audit10 A10-11: the newest date names the table, so ec2_on_demand_2999-01-01.csv
        # would shadow every later refresh; and 1e400 USD an hour passed as a finite price
        ("publicationDate future", r"publicationDate 2999-01-01 is after today "
                                   r"\(\d{4}-\d{2}-\d{2}\)"),
        ("USD huge", r"USD price '1e400' an hour is above 3,600, far beyond any instance, "
                     r"database or cache node AWS lists"),
    ]],
])
def test_a_malformed_page_leaves_every_table_byte_identical(
        data_dir: Path, client: tuple[Any, Stubber], kind: str, match: str) -> None:
    pricing, stub = client
    first = page("ec2_us-east-1_page1.json")
    stub.add_response("get_products", first, request("AmazonEC2", EC2_SHARED))
    stub.add_response("get_products", _broken(kind),
                      request("AmazonEC2", EC2_SHARED, first["NextToken"]))
    before = snapshot(data_dir)
    with pytest.raises(PricingError, match=match):
        refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)
    assert snapshot(data_dir) == before


def test_an_api_error_between_pages_leaves_every_table_byte_identical(
        data_dir: Path, client: tuple[Any, Stubber]) -> None:
    pricing, stub = client
    first = page("ec2_us-east-1_page1.json")
    stub.add_response("get_products", first, request("AmazonEC2", EC2_SHARED))
    stub.add_client_error("get_products", service_error_code="ThrottlingException",
                          service_message="Rate exceeded", http_status_code=400)
    before = snapshot(data_dir)
    with pytest.raises(PricingError, match=r"^refreshing AmazonEC2 prices for us-east-1: AWS "
                       r"throttled the calls, still after the SDK's retries \(ThrottlingException: "
                       r"Rate exceeded\); wait a minute and run it again, or allow more retries "
                       r"\(AWS_RETRY_MODE=adaptive, AWS_MAX_ATTEMPTS=10\); tables unchanged$"):
        refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)
    assert snapshot(data_dir) == before


def test_a_lost_connection_is_one_clear_message(data_dir: Path) -> None:
    before = snapshot(data_dir)
    lost = EndpointConnectionError(endpoint_url="https://api.pricing.us-east-1.amazonaws.com/")
    with pytest.raises(PricingError, match=r"^refreshing AmazonEC2 prices for us-east-1: cannot "
                       r"reach AWS \(Could not connect to the endpoint URL: \"https://api.pricing."
                       r"us-east-1.amazonaws.com/\"\); check the network, the proxy \(HTTPS_PROXY\)"
                       r" and the region; tables unchanged$"):
        refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir,
                      client=RaisingClient(page("ec2_us-east-1_page1.json"), lost))
    assert snapshot(data_dir) == before


def test_an_interrupt_mid_pagination_leaves_every_table_byte_identical(data_dir: Path) -> None:
    before = snapshot(data_dir)
    with pytest.raises(KeyboardInterrupt):
        refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir,
                      client=RaisingClient(page("ec2_us-east-1_page1.json"),
                                           KeyboardInterrupt()))
    assert snapshot(data_dir) == before


def test_an_interrupt_while_renaming_leaves_no_temporary_file(
        data_dir: Path, client: tuple[Any, Stubber], monkeypatch: pytest.MonkeyPatch) -> None:
    pricing, stub = client
    stub_ec2(stub)
    before = snapshot(data_dir)

    def interrupted(src: Any, dst: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)
    assert snapshot(data_dir) == before


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clear_aws_credentials(monkeypatch, tmp_path)


@pytest.mark.usefixtures("no_credentials")
def test_missing_credentials_are_one_clear_message(data_dir: Path) -> None:
    before = snapshot(data_dir)
    with pytest.raises(PricingError, match=r"^refreshing AmazonEC2 prices for us-east-1: no "
                       r"usable AWS credentials \(Unable to locate credentials\); set AWS_PROFILE "
                       r"\(or pass --profile\) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for an "
                       r"identity with pricing:GetProducts; tables unchanged$"):
        refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir)
    assert snapshot(data_dir) == before


@pytest.mark.usefixtures("no_credentials")
def test_cli_refresh_without_credentials_prints_one_line_and_exits_2(
        data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["pricing", "refresh", "--service", "AmazonEC2", "--region", "us-east-1",
                 "--pricing-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: refreshing AmazonEC2 prices for us-east-1: no usable AWS "
                          "credentials")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_refresh_with_a_stubbed_client(data_dir: Path, client: tuple[Any, Stubber],
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    pricing, stub = client
    stub_ec2(stub)
    monkeypatch.setattr(pricing_refresh, "pricing_client", lambda profile=None: pricing)
    assert main(["pricing", "refresh", "--service", "AmazonEC2", "--region", "us-east-1",
                 "--pricing-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "ec2_on_demand_2026-11-20.csv: 6 rows from AWS for us-east-1, 1319 kept" in out


def test_client_errors_on_the_first_call(data_dir: Path, client: tuple[Any, Stubber]) -> None:
    pricing, stub = client
    stub.add_client_error("get_products", service_error_code="AccessDeniedException",
                          service_message="not authorized to perform: pricing:GetProducts")
    with pytest.raises(PricingError, match=r": AWS denied the call \(AccessDeniedException: not "
                       r"authorized to perform: pricing:GetProducts\); grant pricing:GetProducts "
                       r"to the identity used, or use a profile that has it; tables unchanged$"):
        refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)


def test_an_empty_answer_is_an_error_not_an_empty_region(data_dir: Path,
                                                         client: tuple[Any, Stubber]) -> None:
    pricing, stub = client
    stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": []})
    stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": []})
    before = snapshot(data_dir)
    with pytest.raises(PricingError, match=r"no AmazonEC2 on-demand prices returned for region "
                       r"'us-east-9'; check the region code; tables unchanged"):
        refresh_table("AmazonEC2", "us-east-9", data_dir=data_dir, client=pricing)
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(("service", "engine", "match"), [
    ("AmazonEKS", None, (r"cannot refresh 'AmazonEKS'; refreshable services: AmazonEC2, "
     r"AmazonRDS, AmazonElastiCache")),
    # owndata: without --engine the message ended "..., not None"
    ("AmazonRDS", None, r"AmazonRDS needs --engine, one of MySQL, PostgreSQL, MariaDB \(Price "
     r"List names\)$"),
    ("AmazonRDS", "postgres", (r"needs --engine, one of MySQL, PostgreSQL, MariaDB \(Price List "
     r"names\), not 'postgres'; did you mean 'PostgreSQL'\?$")),
    ("AmazonEC2", "Linux", r"AmazonEC2 takes no --engine"),
])
def test_refresh_arguments_are_checked_before_any_call(
        data_dir: Path, service: str, engine: str | None, match: str) -> None:
    with pytest.raises(PricingError, match=match):
        refresh_table(service, "us-east-1", engine=engine, data_dir=data_dir, client=object())


@pytest.mark.usefixtures("no_credentials")
def test_an_unknown_profile_is_one_clear_message() -> None:
    with pytest.raises(PricingError, match=r"cannot create the AWS Price List client: The config "
                       r"profile \(nope\) could not be found; check --profile"):
        pricing_refresh.pricing_client("nope")


@pytest.mark.parametrize("region", ["useast1", "US-EAST-1", "us-east", "east-1"])
def test_a_malformed_region_code_is_refused_before_any_call(data_dir: Path, region: str) -> None:
    # object() as the client: any call on it would raise AttributeError, not this message.
    with pytest.raises(PricingError, match=(rf"^refreshing AmazonEC2 prices: region '{region}' "
                                            r"is not an AWS region code; write it like "
                                            r"us-east-1$")):
        refresh_table("AmazonEC2", region, data_dir=data_dir, client=object())


def test_cli_refresh_checks_every_region_before_making_a_client(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def no_client(profile: str | None = None) -> Any:
        raise AssertionError("a client was made for a region that cannot exist")

    monkeypatch.setattr(pricing_refresh, "pricing_client", no_client)
    before = snapshot(data_dir)
    code = main(["pricing", "refresh", "--service", "AmazonEC2", "--region", "us-east-1",
                 "--region", "useast1", "--pricing-dir", str(data_dir)])
    assert code == 2
    assert capsys.readouterr().err == ("error: pricing refresh --region: region 'useast1' is not "
                                       "an AWS region code; write it like us-east-1\n")
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(("argv", "error"), [
    (["--service", "AmazonRDS"], "AmazonRDS needs --engine, one of MySQL, PostgreSQL, MariaDB "
                                 "(Price List names)"),
    (["--service", "AmazonElastiCache", "--engine", "redis"],
     "AmazonElastiCache needs --engine, one of Redis, Valkey (Price List names), not 'redis'; "
     "did you mean 'Redis'?"),
])
def test_cli_refresh_asks_for_the_engine_before_making_a_client(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        argv: list[str], error: str) -> None:
    # docs18: the engine was checked after the client was made, so a wrong --profile hid it
    def no_client(profile: str | None = None) -> Any:
        raise AssertionError("a client was made for a refresh that cannot run")

    monkeypatch.setattr(pricing_refresh, "pricing_client", no_client)
    code = main(["pricing", "refresh", *argv, "--region", "us-east-1", "--profile", "nope",
                 "--pricing-dir", str(data_dir)])
    assert (code, capsys.readouterr().err) == (2, f"error: {error}\n")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_folder_no_table_can_be_written_in_is_refused_before_calling_aws(
        client: tuple[Any, Stubber]) -> None:
    # audit8 A8-11: --pricing-dir on a folder that takes no new file (read-only, /proc) fetched
    # every page from AWS, then raised FileNotFoundError at the temporary table (a traceback).
    # No response is stubbed: a call to AWS would fail the test with a StubResponseError.
    pricing, _stub = client
    with pytest.raises(PricingError, match=r"^cannot write a ec2_on_demand table in /proc: No "
                       r"such file or directory; pass a writable --pricing-dir \(a copy of "
                       r"pricing_data/\); tables unchanged$"):
        refresh_table("AmazonEC2", "us-east-1", data_dir="/proc", client=pricing)



def _zero_priced_page2() -> dict[str, Any]:
    """Page 2 with c5.large listed at '0.0000000000' (an unavailable SKU), as the API writes it."""
    bad = copy.deepcopy(page("ec2_us-east-1_page2.json"))
    item = json.loads(bad["PriceList"][0])
    assert item["product"]["attributes"]["instanceType"] == "c5.large"
    for offer in item["terms"]["OnDemand"].values():
        for dim in offer["priceDimensions"].values():
            dim["pricePerUnit"]["USD"] = "0.0000000000"
    bad["PriceList"][0] = json.dumps(item)
    return bad


def test_a_zero_price_is_left_out_and_said(data_dir: Path, client: tuple[Any, Stubber],
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # audit cloud19: c5.large at 0.0000000000 USD was dropped without a word (its old row went
    # with the region's); never a $0 row, and now named in the result and by the command
    pricing, stub = client
    stub_ec2(stub, _zero_priced_page2())
    monkeypatch.setattr(pricing_refresh, "pricing_client", lambda profile=None: pricing)
    code = main(["pricing", "refresh", "--service", "AmazonEC2", "--region", "us-east-1",
                 "--pricing-dir", str(data_dir)])
    assert code == 0  # a type not sold on demand there is no failure of the refresh
    assert capsys.readouterr().err == (
        "left out in us-east-1: us-east-1/c5.large (sku JCNF4T9H85W3GTUS) is listed at 0 USD, "
        "not offered on demand; a lookup of it reports a missing price\n")
    _, _, rows = read_price_table(data_dir / "ec2_on_demand_2026-11-20.csv", "ec2_on_demand")
    # the six types of the fixtures but c5.large
    assert sorted(k[1] for k in rows if k[0] == "us-east-1") == [
        "m5.large", "m5.metal", "m5.xlarge", "t3.large", "t3.medium"]
    book = load_price_book(data_dir)
    with pytest.raises(PricingError, match="c5.large"):
        book.lookup("ec2_on_demand", region="us-east-1", instance_type="c5.large")


def test_a_zero_price_beside_a_real_one_is_no_note(data_dir: Path,
                                                   client: tuple[Any, Stubber]) -> None:
    # two SKUs for c5.large: one at 0 (say, a listing AWS no longer sells), one at 0.085: the
    # priced one is written and nothing is left out
    pricing, stub = client
    zero = _zero_priced_page2()
    priced = page("ec2_us-east-1_page2.json")
    zero["PriceList"].append(priced["PriceList"][0])
    stub_ec2(stub, zero)
    result = refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)
    assert result.zero_priced == ()
    _, _, rows = read_price_table(result.path, "ec2_on_demand")
    assert str(rows[("us-east-1", "c5.large")].amount) == "0.085"


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1"])
def test_a_china_region_is_refused_before_any_call(data_dir: Path, region: str,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # the us-east-1 endpoint lists no China region: its empty answer said "check the region
    # code" of a right code; China prices are CNY, from the aws-cn partition's endpoint
    before = snapshot(data_dir)
    monkeypatch.setattr(pricing_refresh, "pricing_client", None)  # a call would fail loudly
    code = main(["pricing", "refresh", "--service", "AmazonEC2", "--region", region,
                 "--pricing-dir", str(data_dir)])
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: pricing refresh --region: {region} is an AWS China region, priced in CNY by "
        "the aws-cn partition's own Price List endpoint; the tables hold USD, so it cannot be "
        "refreshed: price it with a table of your own or pricing.overrides, in USD\n")
    with pytest.raises(PricingError, match=rf"^refreshing AmazonEC2 prices: {region} is an AWS "
                                           r"China region"):
        refresh_table("AmazonEC2", region, data_dir=data_dir, client=object())
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(("code", "match"), [
    ("ExpiredTokenException", r"the AWS session token has expired \(ExpiredTokenException: "
     r"The security token included in the request is expired\); refresh the credentials"),
    ("UnrecognizedClientException", r"AWS does not accept these credentials "
     r"\(UnrecognizedClientException: "),
])
def test_expired_or_unknown_credentials_say_so(data_dir: Path, client: tuple[Any, Stubber],
                                               code: str, match: str) -> None:
    pricing, stub = client
    stub.add_client_error("get_products", service_error_code=code,
                          service_message="The security token included in the request is "
                                          "expired" if code.startswith("Expired") else "bad")
    before = snapshot(data_dir)
    with pytest.raises(PricingError, match=r"^refreshing AmazonEC2 prices for us-east-1: "
                                           + match + r".*; tables unchanged$"):
        refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)
    assert snapshot(data_dir) == before


def _sibling(item: dict[str, Any], sku: str, usd: str, **attributes: str) -> str:
    """``item`` (a Price List entry) as another SKU of the same instance type: ``attributes``
    changed, its one OnDemand price ``usd``; as a JSON string, as the API sends it."""
    other = copy.deepcopy(item)
    other["product"]["sku"] = sku
    other["product"]["attributes"].update(attributes)
    (offer,) = other["terms"]["OnDemand"].values()
    offer["sku"] = sku
    (dim,) = offer["priceDimensions"].values()
    dim["pricePerUnit"]["USD"] = usd
    return json.dumps(other)


def test_of_one_instance_type_the_used_shared_on_demand_sku_is_chosen(
        data_dir: Path, client: tuple[Any, Stubber]) -> None:
    # audit cloud19: the Price List holds several SKUs per type; the filters ask for one, and a
    # page holding the others (as a proxy or a filter the API ignored would) gave "two prices
    # for us-east-1/t3.medium", or with an equal price, whichever came last
    pricing, stub = client
    first = copy.deepcopy(page("ec2_us-east-1_page1.json"))
    t3 = json.loads(first["PriceList"][0])
    assert t3["product"]["attributes"]["instanceType"] == "t3.medium"  # at 0.0418 USD
    first["PriceList"][1:1] = [
        _sibling(t3, "RESERVEDALLOC0001", "0.0000000000",
                 capacitystatus="AllocatedCapacityReservation",
                 usagetype="Reservation:t3.medium"),
        _sibling(t3, "RESERVEDUNUSED001", "0.0418000000",
                 capacitystatus="UnusedCapacityReservation", usagetype="UnusedBox:t3.medium"),
        _sibling(t3, "DEDICATED00000001", "0.0460000000", tenancy="Dedicated",
                 usagetype="DedicatedUsage:t3.medium"),
        _sibling(t3, "SPOTMARKET0000001", "0.0125000000", marketoption="Spot"),
    ]
    stub.add_response("get_products", first, request("AmazonEC2", EC2_SHARED))
    stub.add_response("get_products", page("ec2_us-east-1_page2.json"),
                      request("AmazonEC2", EC2_SHARED, first["NextToken"]))
    stub.add_response("get_products", page("ec2_us-east-1_metal.json"),
                      request("AmazonEC2", EC2_METAL))
    result = refresh_table("AmazonEC2", "us-east-1", data_dir=data_dir, client=pricing)
    assert result.zero_priced == ()  # the reservation's 0 USD is no listing of t3.medium
    _, _, rows = read_price_table(result.path, "ec2_on_demand")
    row = rows[("us-east-1", "t3.medium")]
    assert str(row.amount) == "0.0418"
    assert "sku 86CFUWQUG4YRJ33Z " in row.source  # the Used, shared-tenancy SKU of page 1
