"""Refreshing the other-services rows of a region from the Price List API, offline: botocore's
Stubber answering each GetProducts query with products written here, modelled on real Price
List products (attributes, usage types with the region's prefix, ``terms.OnDemand`` with offer
term and rate codes, ``version``, ``publicationDate``). SKUs are made up; the prices are chosen
here, and the rows expected from them are written out by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from infra_toolkit.cli import main
from infra_toolkit.errors import PricingError
from infra_toolkit.pricing import load_price_book, read_price_table
from infra_toolkit.pricing_refresh_other import refresh_other_services, usage_type_name
from tests.pricelist_stub import (
    RaisingClient,
    clear_aws_credentials,
    copy_shipped_tables,
    snapshot,
    stubbed_pricing_client,
)

LOCATIONS = {"eu-west-1": "EU (Ireland)", "us-east-1": "US East (N. Virginia)"}
PUBLISHED = "2026-11-21T00:05:12Z"
TODAY_TABLE = "other_services_2026-11-21.csv"


def product(region: str, service: str, family: str, usage: str, unit: str, usd: str,
            sku: str, **attributes: str) -> str:
    """One PriceList entry (a JSON string) as GetProducts returns it."""
    offer, rate = f"{sku}.JRTCKXETXF", f"{sku}.JRTCKXETXF.6YS6EN2CT7"
    item = {
        "product": {"productFamily": family, "sku": sku, "attributes": {
            "regionCode": region, "location": LOCATIONS[region], "locationType": "AWS Region",
            "servicecode": service, "usagetype": usage, "operation": "", **attributes}},
        "serviceCode": service,
        "terms": {"OnDemand": {offer: {
            "offerTermCode": "JRTCKXETXF", "sku": sku, "effectiveDate": "2026-11-01T00:00:00Z",
            "termAttributes": {}, "priceDimensions": {rate: {
                "rateCode": rate, "unit": unit, "beginRange": "0", "endRange": "Inf",
                "description": f"${usd} per {unit} ({usage})", "appliesTo": [],
                "pricePerUnit": {"USD": usd}}}}}},
        "version": "20261121000512", "publicationDate": PUBLISHED}
    return json.dumps(item)


def eu_products() -> dict[tuple[str, str], list[list[str]]]:
    """(service, productFamily) -> the pages of products answering that query, eu-west-1
    (usage types prefixed ``EU-``). No RDS magnetic storage: it must be reported missing."""
    def p(service: str, family: str, usage: str, unit: str, usd: str, sku: str,
          **attrs: str) -> str:
        return product("eu-west-1", service, family, f"EU-{usage}", unit, usd, sku, **attrs)

    ec2, rds = "AmazonEC2", "AmazonRDS"
    any_engine = {"databaseEngine": "Any"}
    single, multi = ({"deploymentOption": o, **any_engine} for o in ("Single-AZ", "Multi-AZ"))
    return {
        ("AmazonEKS", "Compute"): [[
            p("AmazonEKS", "Compute", "AmazonEKS-Hours:perCluster", "Hours", "0.1000000000",
              "EKS0STANDARD0001", operation="CreateOperation"),
            p("AmazonEKS", "Compute", "AmazonEKS-Hours:extendedSupport", "Hours",
              "0.5000000000", "EKS0EXTENDED0001", operation="ExtendedSupport")]],
        ("AWSELB", "Load Balancer-Application"): [[
            p("AWSELB", "Load Balancer-Application", "LoadBalancerUsage", "Hrs", "0.0252000000",
              "ALB0HOURS0000001"),
            p("AWSELB", "Load Balancer-Application", "LCUUsage", "LCU-Hrs", "0.0080000000",
              "ALB0LCU000000001")]],
        ("AWSELB", "Load Balancer-Network"): [[
            p("AWSELB", "Load Balancer-Network", "LoadBalancerUsage", "Hrs", "0.0252000000",
              "NLB0HOURS0000001"),
            p("AWSELB", "Load Balancer-Network", "LCUUsage", "LCU-Hrs", "0.0060000000",
              "NLB0LCU000000001")]],
        (ec2, "NAT Gateway"): [[
            p(ec2, "NAT Gateway", "NatGateway-Hours", "Hrs", "0.0480000000", "NAT0HOURS0000001"),
            p(ec2, "NAT Gateway", "NatGateway-Bytes", "GB", "0.0480000000", "NAT0BYTES0000001")]],
        (ec2, "Storage"): [[
            p(ec2, "Storage", f"EBS:VolumeUsage{suffix}", "GB-Mo", usd, f"EBS0STORAGE0{volume:0>4}",
              volumeApiName=volume)
            for volume, suffix, usd in (
                ("gp2", ".gp2", "0.1100000000"), ("gp3", ".gp3", "0.0880000000"),
                ("io1", ".piops", "0.1380000000"), ("io2", ".io2", "0.1380000000"),
                ("st1", ".st1", "0.0500000000"), ("sc1", ".sc1", "0.0168000000"),
                ("standard", "", "0.0550000000"))]],
        # two pages: the refresh follows NextToken
        (ec2, "System Operation"): [[
            p(ec2, "System Operation", "EBS:VolumeP-IOPS.gp3", "IOPS-Mo", "0.0055000000",
              "EBS0IOPS0GP30001", volumeApiName="gp3"),
            p(ec2, "System Operation", "EBS:VolumeP-IOPS.piops", "IOPS-Mo", "0.0720000000",
              "EBS0IOPS0IO10001", volumeApiName="io1"),
            p(ec2, "System Operation", "EBS:VolumeP-IOPS.io2", "IOPS-Mo", "0.0720000000",
              "EBS0IOPS0IO20001", volumeApiName="io2"),
        ], [
            p(ec2, "System Operation", "EBS:VolumeP-IOPS.io2.tier2", "IOPS-Mo", "0.0504000000",
              "EBS0IOPS0IO20002", volumeApiName="io2"),
            p(ec2, "System Operation", "EBS:VolumeP-IOPS.io2.tier3", "IOPS-Mo", "0.0352800000",
              "EBS0IOPS0IO20003", volumeApiName="io2"),
            p(ec2, "System Operation", "EBS:VolumeIOUsage", "IOs", "0.0000000550",
              "EBS0IO0REQUESTS1", volumeApiName="standard")]],
        (ec2, "Provisioned Throughput"): [[
            p(ec2, "Provisioned Throughput", "EBS:VolumeP-Throughput.gp3", "GiBps-mo",
              "45.0560000000", "EBS0THROUGHPUT01", volumeApiName="gp3")]],
        (rds, "Database Storage"): [[
            p(rds, "Database Storage", "RDS:GP2-Storage", "GB-Mo", "0.1270000000",
              "RDS0GP20SINGLE01", volumeType="General Purpose", **single),
            p(rds, "Database Storage", "RDS:Multi-AZ-GP2-Storage", "GB-Mo", "0.2540000000",
              "RDS0GP20MULTI001", volumeType="General Purpose", **multi),
            p(rds, "Database Storage", "RDS:GP3-Storage", "GB-Mo", "0.1270000000",
              "RDS0GP30SINGLE01", volumeType="General Purpose-GP3", **single),
            p(rds, "Database Storage", "RDS:Multi-AZ-GP3-Storage", "GB-Mo", "0.2540000000",
              "RDS0GP30MULTI001", volumeType="General Purpose-GP3", **multi),
            p(rds, "Database Storage", "RDS:PIOPS-Storage", "GB-Mo", "0.1380000000",
              "RDS0IO10SINGLE01", volumeType="Provisioned IOPS", **single),
            p(rds, "Database Storage", "RDS:Multi-AZ-PIOPS-Storage", "GB-Mo", "0.2760000000",
              "RDS0IO10MULTI001", volumeType="Provisioned IOPS", **multi)]],
        (rds, "Provisioned IOPS"): [[
            p(rds, "Provisioned IOPS", "RDS:GP3-PIOPS", "IOPS-Mo", "0.0220000000",
              "RDS0GP3IOPS0SA01", groupDescription="RDS Provisioned GP3 IOPS", **single),
            p(rds, "Provisioned IOPS", "RDS:Multi-AZ-GP3-PIOPS", "IOPS-Mo", "0.0440000000",
              "RDS0GP3IOPS0MA01", groupDescription="RDS Provisioned GP3 IOPS", **multi),
            p(rds, "Provisioned IOPS", "RDS:PIOPS", "IOPS-Mo", "0.1100000000",
              "RDS0IO1IOPS0SA01", groupDescription="RDS Provisioned IOPS", **single),
            p(rds, "Provisioned IOPS", "RDS:Multi-AZ-PIOPS", "IOPS-Mo", "0.2200000000",
              "RDS0IO1IOPS0MA01", groupDescription="RDS Provisioned IOPS", **multi)]],
        (rds, "Storage Snapshot"): [[
            p(rds, "Storage Snapshot", "RDS:ChargedBackupUsage", "GB-Mo", "0.0950000000",
              "RDS0BACKUP000001", engineCode="2", **any_engine)]],
        ("AmazonElastiCache", "Storage Snapshot"): [[
            p("AmazonElastiCache", "Storage Snapshot", "BackupUsage", "GB-Mo", "0.0850000000",
              "CACHE0BACKUP0001")]],
    }


# the rows the eu-west-1 products above give, by hand: (item_id, tier_start) -> USD per unit
EU_EXPECTED = {
    ("eks_cluster_hour_standard_support", ""): "0.1",
    ("eks_cluster_hour_extended_support", ""): "0.6",  # 0.10 standard + 0.50 surcharge
    ("alb_hour", ""): "0.0252", ("alb_lcu", ""): "0.008",
    ("nlb_hour", ""): "0.0252", ("nlb_nlcu", ""): "0.006",
    ("nat_gateway_hour", ""): "0.048", ("nat_gateway_data_processed", ""): "0.048",
    ("ebs_gp2_storage", ""): "0.11", ("ebs_gp3_storage", ""): "0.088",
    ("ebs_io1_storage", ""): "0.138", ("ebs_io2_storage", ""): "0.138",
    ("ebs_st1_storage", ""): "0.05", ("ebs_sc1_storage", ""): "0.0168",
    ("ebs_standard_storage", ""): "0.055",
    ("ebs_gp3_iops_above_baseline", ""): "0.0055", ("ebs_io1_iops", ""): "0.072",
    ("ebs_io2_iops", "0"): "0.072", ("ebs_io2_iops", "32000"): "0.0504",
    ("ebs_io2_iops", "64000"): "0.03528",
    ("ebs_standard_io_requests", ""): "0.055",  # 0.000000055 per I/O x 1,000,000
    ("ebs_gp3_throughput_above_baseline", ""): "0.044",  # 45.056 per GiBps-month / 1024
    ("rds_gp2_storage_single_az", ""): "0.127", ("rds_gp2_storage_multi_az", ""): "0.254",
    ("rds_gp3_storage_single_az", ""): "0.127", ("rds_gp3_storage_multi_az", ""): "0.254",
    ("rds_io1_storage_single_az", ""): "0.138", ("rds_io1_storage_multi_az", ""): "0.276",
    ("rds_gp3_iops_above_baseline_single_az", ""): "0.022",
    ("rds_gp3_iops_above_baseline_multi_az", ""): "0.044",
    ("rds_io1_iops_single_az", ""): "0.11", ("rds_io1_iops_multi_az", ""): "0.22",
    ("rds_backup_storage", ""): "0.095", ("elasticache_backup_storage", ""): "0.085",
}
QUERIES = list(eu_products())  # the order the refresh asks in


def request(service: str, family: str, region: str, token: str | None = None
            ) -> dict[str, Any]:
    filters = [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in (
        ("regionCode", region), ("locationType", "AWS Region"), ("productFamily", family))]
    params: dict[str, Any] = {"ServiceCode": service, "Filters": filters,
                              "FormatVersion": "aws_v1", "MaxResults": 100}
    if token:
        params["NextToken"] = token
    return params


def stub_pages(stub: Stubber, region: str,
               answers: dict[tuple[str, str], list[list[str]]]) -> None:
    for (service, family), pages in answers.items():
        for n, entries in enumerate(pages):
            body: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": entries}
            if n + 1 < len(pages):
                body["NextToken"] = f"{family}-page-{n + 2}"
            stub.add_response("get_products", body, request(
                service, family, region, f"{family}-page-{n + 1}" if n else None))


OLD = "other_services_2026-05-03.csv"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Path, Any, Stubber]]:
    """A copy of the shipped tables, a stubbed pricing client and its Stubber."""
    with stubbed_pricing_client() as (pricing, stub):
        yield copy_shipped_tables(tmp_path), pricing, stub


def test_eu_west_1_gets_every_item_the_api_prices_and_keeps_every_other_row(
        env: tuple[Path, Any, Stubber]) -> None:
    data_dir, pricing, stub = env
    stub_pages(stub, "eu-west-1", eu_products())
    before = read_price_table(data_dir / OLD)[2]
    old_bytes = (data_dir / OLD).read_bytes()
    result = refresh_other_services("eu-west-1", data_dir=data_dir, client=pricing)
    stub.assert_no_pending_responses()
    assert result.path == data_dir / TODAY_TABLE  # named by the products' publicationDate
    assert result.superseded == data_dir / OLD
    assert (data_dir / OLD).read_bytes() == old_bytes  # superseded, kept, untouched
    assert result.missing == (
        "AmazonRDS rds_standard_storage_single_az: no Database Storage product with "
        "deploymentOption Single-AZ, databaseEngine Any, volumeType Magnetic priced in GB-Mo",
        "AmazonRDS rds_standard_storage_multi_az: no Database Storage product with "
        "deploymentOption Multi-AZ, databaseEngine Any, volumeType Magnetic priced in GB-Mo")
    # 36 items asked for, the 2 RDS magnetic rows missing; none of the 223 old rows is an
    # eu-west-1 row of a fetched item (eu-west-1 had data-transfer rows only)
    assert (result.rows_from_aws, result.rows_kept) == (34, 223)
    _, _, rows = read_price_table(result.path, "other_services")
    eu = {(k[2], k[3]): str(r.amount) for k, r in rows.items()
          if k[0] == "eu-west-1" and k[1] != "AWSDataTransfer"}
    assert eu == EU_EXPECTED
    assert {k: r.fields for k, r in before.items()} == {
        k: r.fields for k, r in rows.items() if k in before}  # every old row, as it was
    io2_tier2 = rows[("eu-west-1", "AmazonEC2", "ebs_io2_iops", "32000")].fields
    assert dict(io2_tier2) == {
        "region": "eu-west-1", "service": "AmazonEC2", "item_id": "ebs_io2_iops",
        "description": "EBS io2 provisioned IOPS (second tier, 32000 to 64000)",
        "unit": "IOPS-month", "usd_per_unit": "0.0504", "tier_start": "32000",
        "tier_end": "64000", "as_of": "2026-11-21",
        "source": "AWS Price List API GetProducts AmazonEC2 eu-west-1 "
                  "EU-EBS:VolumeP-IOPS.io2.tier2 (sku EBS0IOPS0IO20002 offer term JRTCKXETXF "
                  "rate EBS0IOPS0IO20002.JRTCKXETXF.6YS6EN2CT7; version 20261121000512, "
                  "published 2026-11-21)"}
    extended = rows[("eu-west-1", "AmazonEKS", "eks_cluster_hour_extended_support", "")]
    assert extended.source.count("AWS Price List API") == 1
    assert "EU-AmazonEKS-Hours:perCluster (sku EKS0STANDARD0001" in extended.source
    assert " + AmazonEKS eu-west-1 EU-AmazonEKS-Hours:extendedSupport (sku EKS0EXTENDED0001" \
        in extended.source
    throughput = rows[("eu-west-1", "AmazonEC2", "ebs_gp3_throughput_above_baseline", "")]
    assert throughput.unit == "MiBps-month"
    assert throughput.source.endswith(" x 0.0009765625 per MiBps-month")  # 1/1024


def test_the_refreshed_rows_price_a_plan_in_eu_west_1(env: tuple[Path, Any, Stubber]) -> None:
    data_dir, pricing, stub = env
    stub_pages(stub, "eu-west-1", eu_products())
    book = load_price_book(data_dir)
    with pytest.raises(PricingError):  # before: no EKS price outside us-east-1
        book.lookup("other_services", region="eu-west-1", service="AmazonEKS",
                    item_id="eks_cluster_hour_standard_support")
    refresh_other_services("eu-west-1", data_dir=data_dir, client=pricing)
    book = load_price_book(data_dir)
    price = book.lookup("other_services", region="eu-west-1", service="AmazonEKS",
                        item_id="eks_cluster_hour_standard_support")
    assert (price.usd_per_unit, price.unit) == (Decimal("0.1"), "hour")
    # io2 IOPS in three tiers: 0-32,000, 32,000-64,000 and above
    tiers = book.tiers("other_services", region="eu-west-1", service="AmazonEC2",
                       item_id="ebs_io2_iops")
    assert [t.usd_per_unit for t in tiers] == [Decimal("0.072"), Decimal("0.0504"),
                                               Decimal("0.03528")]
    assert TODAY_TABLE in {t.name for t in book.tables_used}


def test_cost_prices_an_eu_west_1_cluster_once_refreshed(
        env: tuple[Path, Any, Stubber], capsys: pytest.CaptureFixture[str]) -> None:
    data_dir, pricing, stub = env
    plan = data_dir.parent / "eu.yaml"
    plan.write_text("region: eu-west-1\nresources:\n"
                    "  - {type: aws_eks_cluster, name: main}\n"
                    "  - {type: aws_nat_gateway, name: nat, usage: {monthly_data_processed_gb: "
                    "100}}\n"
                    "  - {type: aws_ebs_volume, name: data, volume_type: gp3, size: 100}\n")
    argv = ["cost", str(plan), "--pricing-dir", str(data_dir), "--format", "json"]
    assert main(argv) == 1  # before: EKS, NAT and EBS are PRICE NOT FOUND in eu-west-1
    capsys.readouterr()
    stub_pages(stub, "eu-west-1", eu_products())
    refresh_other_services("eu-west-1", data_dir=data_dir, client=pricing)
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["complete"] is True
    assert [c["monthly_usd"] for c in doc["components"]] == [
        73.0,   # EKS: 730 h x 0.10
        35.04,  # NAT gateway: 730 h x 0.048
        4.8,    # NAT data processed: 100 GB x 0.048
        8.8]    # EBS gp3 storage: 100 GB x 0.088


def us_products() -> dict[tuple[str, str], list[list[str]]]:
    """us-east-1 answers: usage types without a region prefix (EBS, NAT, ELB) as there, EKS
    with ``USE1-``; only the EKS, NAT and EBS storage queries return anything, and io2 IOPS
    has its first tier only."""
    def p(service: str, family: str, usage: str, unit: str, usd: str, sku: str,
          **attrs: str) -> str:
        return product("us-east-1", service, family, usage, unit, usd, sku, **attrs)

    answers: dict[tuple[str, str], list[list[str]]] = {q: [[]] for q in QUERIES}
    answers[("AmazonEKS", "Compute")] = [[
        p("AmazonEKS", "Compute", "USE1-AmazonEKS-Hours:perCluster", "Hours", "0.1000000000",
          "USEKS0STANDARD01")]]
    answers[("AmazonEC2", "NAT Gateway")] = [[
        p("AmazonEC2", "NAT Gateway", "NatGateway-Hours", "Hrs", "0.0450000000",
          "USNAT0HOURS00001"),
        # a product of another unit is not the gateway-hour price
        p("AmazonEC2", "NAT Gateway", "NatGateway-Bytes", "GB", "0.0460000000",
          "USNAT0BYTES00001")]]
    answers[("AmazonEC2", "System Operation")] = [[
        p("AmazonEC2", "System Operation", "EBS:VolumeP-IOPS.io2", "IOPS-Mo", "0.0650000000",
          "USEBS0IOPS0IO201", volumeApiName="io2")]]
    return answers


def test_us_east_1_replaces_the_fetched_items_and_keeps_the_rest(
        env: tuple[Path, Any, Stubber]) -> None:
    data_dir, pricing, stub = env
    stub_pages(stub, "us-east-1", us_products())
    result = refresh_other_services("us-east-1", data_dir=data_dir, client=pricing)
    _, _, rows = read_price_table(result.path, "other_services")
    east = {k[2]: (str(r.amount), r.as_of) for k, r in rows.items()
            if k[0] == "us-east-1" and k[1] in ("AmazonEKS", "AmazonEC2") and not k[3]}
    assert east["eks_cluster_hour_standard_support"] == ("0.1", "2026-11-21")
    assert east["nat_gateway_hour"] == ("0.045", "2026-11-21")
    assert east["nat_gateway_data_processed"] == ("0.046", "2026-11-21")  # 0.045 before
    # not returned: the shipped rows stay, and are named
    assert east["eks_cluster_hour_extended_support"] == ("0.6", "2025-07-07")
    assert east["ebs_gp2_storage"] == ("0.1", "2024-07-01")
    assert east["ec2_cpu_credits_t3"] == ("0.05", "2024-07-01")  # never refreshed here
    # io2 tiers 2 and 3 are missing, so tier 1 is not written either: the shipped 0-32000 row
    # stays, rather than a row whose next tier is absent
    io2 = {k[3]: (str(r.amount), r.as_of) for k, r in rows.items()
           if k[:3] == ("us-east-1", "AmazonEC2", "ebs_io2_iops")}
    assert io2 == {"0": ("0.065", "2024-07-01")}
    assert "AmazonEKS eks_cluster_hour_extended_support: no Compute product with usagetype " \
        "AmazonEKS-Hours:extendedSupport priced in Hrs/Hours" in result.missing
    assert "AmazonEC2 ebs_io2_iops tier 0: not written, as another tier of the item is " \
        "missing" in result.missing
    assert result.rows_from_aws == 3  # EKS standard, NAT hour, NAT data processed
    assert len(result.missing) == 36 - 3


def test_two_prices_for_one_item_are_reported_not_guessed(
        env: tuple[Path, Any, Stubber]) -> None:
    data_dir, pricing, stub = env
    answers = eu_products()
    answers[("AmazonElastiCache", "Storage Snapshot")][0].append(product(
        "eu-west-1", "AmazonElastiCache", "Storage Snapshot", "EU-ServerlessBackupUsage",
        "GB-Mo", "0.0900000000", "CACHE0BACKUP0002"))
    stub_pages(stub, "eu-west-1", answers)
    result = refresh_other_services("eu-west-1", data_dir=data_dir, client=pricing)
    assert ("AmazonElastiCache elasticache_backup_storage: Storage Snapshot products with any "
            "product have different prices (0.085, 0.09); which one is meant is not known"
            ) in result.missing
    _, _, rows = read_price_table(result.path, "other_services")
    assert ("eu-west-1", "AmazonElastiCache", "elasticache_backup_storage", "") not in rows


def _broken_second_page(kind: str) -> dict[tuple[str, str], list[list[str]]]:
    answers = eu_products()
    pages = answers[("AmazonEC2", "System Operation")]
    item = json.loads(pages[1][0])
    if kind == "not json":
        pages[1][0] = pages[1][0][:40]
    elif kind == "attributes list":
        item["product"]["attributes"] = ["EBS:VolumeP-IOPS.io2.tier2"]
        pages[1][0] = json.dumps(item)
    elif kind == "bad USD":
        dims = item["terms"]["OnDemand"]["EBS0IOPS0IO20002.JRTCKXETXF"]["priceDimensions"]
        dims["EBS0IOPS0IO20002.JRTCKXETXF.6YS6EN2CT7"]["pricePerUnit"]["USD"] = "n/a"
        pages[1][0] = json.dumps(item)
    return answers


@pytest.mark.parametrize(("kind", "match"), [
    ("not json", r"query 5 page 1 PriceList\[0\]: not a JSON string"),
    ("attributes list", r"query 5 page 1 PriceList\[0\]: malformed Price List item: no "
                        r"product\.attributes"),
    ("bad USD", r"query 5 page 1 PriceList\[0\]: malformed Price List item: USD price 'n/a' "
                r"is not a number"),
])
def test_a_malformed_page_leaves_every_table_byte_identical(
        env: tuple[Path, Any, Stubber], kind: str, match: str) -> None:
    data_dir, pricing, stub = env
    answers = _broken_second_page(kind)
    # only the queries up to the broken page are asked
    stub_pages(stub, "eu-west-1", dict(list(answers.items())[:6]))
    before = snapshot(data_dir)
    with pytest.raises(PricingError, match=rf"^refreshing other-services prices for eu-west-1: "
                                           rf"{match}.*; tables unchanged$"):
        refresh_other_services("eu-west-1", data_dir=data_dir, client=pricing)
    assert snapshot(data_dir) == before


FIRST_PAGE = {"FormatVersion": "aws_v1", "PriceList": eu_products()[QUERIES[0]][0]}


def test_an_interrupt_mid_pagination_leaves_every_table_byte_identical(tmp_path: Path) -> None:
    data_dir = copy_shipped_tables(tmp_path)
    before = snapshot(data_dir)
    with pytest.raises(KeyboardInterrupt):
        refresh_other_services("eu-west-1", data_dir=data_dir,
                               client=RaisingClient(FIRST_PAGE, KeyboardInterrupt()))
    assert snapshot(data_dir) == before


def test_a_lost_connection_is_one_clear_message(tmp_path: Path) -> None:
    data_dir = copy_shipped_tables(tmp_path)
    before = snapshot(data_dir)
    lost = EndpointConnectionError(endpoint_url="https://api.pricing.us-east-1.amazonaws.com/")
    with pytest.raises(PricingError, match=r"^refreshing other-services prices for eu-west-1: "
                       r"cannot reach AWS \(Could not connect to the endpoint URL: "
                       r"\"https://api.pricing.us-east-1.amazonaws.com/\"\); check the network, "
                       r"the proxy \(HTTPS_PROXY\) and the region; tables unchanged$"):
        refresh_other_services("eu-west-1", data_dir=data_dir,
                               client=RaisingClient(FIRST_PAGE, lost))
    assert snapshot(data_dir) == before


def test_an_empty_answer_is_an_error_not_an_empty_region(env: tuple[Path, Any, Stubber]) -> None:
    data_dir, pricing, stub = env
    stub_pages(stub, "us-east-9", {q: [[]] for q in QUERIES})
    before = snapshot(data_dir)
    with pytest.raises(PricingError, match=r"^refreshing other-services prices for us-east-9: "
                       r"no other-services prices returned for region 'us-east-9'; check the "
                       r"region code; tables unchanged$"):
        refresh_other_services("us-east-9", data_dir=data_dir, client=pricing)
    assert snapshot(data_dir) == before


def test_cli_without_credentials_prints_one_line_and_exits_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    clear_aws_credentials(monkeypatch, tmp_path)
    data_dir = copy_shipped_tables(tmp_path)
    before = snapshot(data_dir)
    code = main(["pricing", "refresh", "--other-services", "--region", "eu-west-1",
                 "--pricing-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: refreshing other-services prices for eu-west-1: no usable "
                          "AWS credentials (Unable to locate credentials); set AWS_PROFILE")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert snapshot(data_dir) == before


def test_cli_names_what_it_did_not_refresh_and_exits_1(
        env: tuple[Path, Any, Stubber], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from infra_toolkit import pricing_refresh

    data_dir, pricing, stub = env
    stub_pages(stub, "eu-west-1", eu_products())
    monkeypatch.setattr(pricing_refresh, "pricing_client", lambda profile=None: pricing)
    code = main(["pricing", "refresh", "--other-services", "--region", "eu-west-1",
                 "--pricing-dir", str(data_dir)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == (f"{data_dir / TODAY_TABLE}: 34 rows from AWS for eu-west-1, 223 kept; "
                   f"supersedes {OLD}\n")
    assert err.splitlines() == [
        "not refreshed in eu-west-1: AmazonRDS rds_standard_storage_single_az: no Database "
        "Storage product with deploymentOption Single-AZ, databaseEngine Any, volumeType "
        "Magnetic priced in GB-Mo",
        "not refreshed in eu-west-1: AmazonRDS rds_standard_storage_multi_az: no Database "
        "Storage product with deploymentOption Multi-AZ, databaseEngine Any, volumeType "
        "Magnetic priced in GB-Mo"]


@pytest.mark.parametrize("argv", [
    ["--other-services", "--engine", "PostgreSQL"],
    ["--other-services", "--service", "AmazonEC2"],
    [],
])
def test_cli_refresh_takes_one_table(tmp_path: Path, argv: list[str],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = copy_shipped_tables(tmp_path)
    before = snapshot(data_dir)
    try:
        code = main(["pricing", "refresh", *argv, "--region", "eu-west-1",
                     "--pricing-dir", str(data_dir)])
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert ("takes no --engine" in err or "not allowed with argument" in err
            or "one of the arguments --service --other-services is required" in err)
    assert snapshot(data_dir) == before


@pytest.mark.parametrize(("usage_type", "name"), [
    ("EU-NatGateway-Hours", "NatGateway-Hours"),  # eu-west-1
    ("USE1-AmazonEKS-Hours:perCluster", "AmazonEKS-Hours:perCluster"),
    ("UGW1-EBS:VolumeUsage.gp3", "EBS:VolumeUsage.gp3"),  # GovCloud
    ("EBS:VolumeUsage.gp2", "EBS:VolumeUsage.gp2"),  # us-east-1: no prefix
    ("NatGateway-Hours", "NatGateway-Hours"),
    ("RDS:Multi-AZ-GP3-Storage", "RDS:Multi-AZ-GP3-Storage"),
    ("APN2-RDS:Multi-AZ-GP3-Storage", "RDS:Multi-AZ-GP3-Storage"),
])
def test_usage_type_name_strips_the_region_prefix_only(usage_type: str, name: str) -> None:
    assert usage_type_name(usage_type) == name
