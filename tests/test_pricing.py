"""Price tables, the price book, PriceNotFound wording and user overrides."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from infra_toolkit import pricing, pricing_overrides, pricing_tables
from infra_toolkit.errors import PriceNotFound, PricingError
from infra_toolkit.pricing import DEFAULT_PRICING_DIR, load_price_book
from infra_toolkit.pricing_overrides import read_overrides
from infra_toolkit.pricing_tables import TABLE_SCHEMAS, find_tables, read_price_table


@pytest.fixture(scope="module")
def book() -> pricing.PriceBook:
    return load_price_book()


def _shipped() -> list[Path]:
    return sorted(DEFAULT_PRICING_DIR.glob("*.csv"))


@pytest.mark.parametrize(("kind", "key", "command"), [
    ("ec2_on_demand", {"region": "eu-west-1", "instance_type": "t3.medium"},
     "infra-toolkit pricing refresh --service AmazonEC2 --region eu-west-1"),
    # RDS and ElastiCache refresh one engine at a time: without --engine refresh refuses it
    ("rds_on_demand", {"region": "eu-west-1", "engine": "PostgreSQL",
                       "instance_class": "db.t3.medium", "deployment": "multi-az"},
     "infra-toolkit pricing refresh --service AmazonRDS --engine PostgreSQL --region eu-west-1"),
    ("elasticache_on_demand", {"region": "eu-west-1", "engine": "Redis",
                               "node_type": "cache.t3.micro"},
     "infra-toolkit pricing refresh --service AmazonElastiCache --engine Redis --region "
     "eu-west-1"),
    ("other_services", {"region": "eu-west-1", "service": "AmazonEKS",
                        "item_id": "eks_cluster_hour_standard_support"},
     "infra-toolkit pricing refresh --other-services --region eu-west-1"),
    # nor China's instances (their Price List endpoint is China's own)
    ("ec2_on_demand", {"region": "cn-north-1", "instance_type": "t3.medium"}, None),
    # no refresh fetches CPU credits or data transfer
    ("other_services", {"region": "eu-west-1", "service": "AmazonEC2",
                        "item_id": "ec2_cpu_credits_t3"}, None),
])
def test_the_refresh_command_of_a_missing_row(kind: str, key: dict[str, str],
                                              command: str | None) -> None:
    assert pricing.refresh_command(kind, key) == command


def test_the_fix_for_a_region_no_table_prices() -> None:
    # a real region the tables lack: refresh it or give rates; a China region: rates only
    assert pricing.unpriced_region_fix("mx-central-1") == (
        "price it with `infra-toolkit pricing refresh --service AmazonEC2 --region "
        "mx-central-1` (and the other services it uses) or with rates in an overrides file "
        "(pricing_data/README.md)")
    assert pricing.unpriced_region_fix("cn-northwest-1") == (
        "price it with rates in an overrides file (China regions are priced in CNY, never "
        "mixed into USD totals, by AWS's China Price List endpoint, which pricing refresh does "
        "not ask: a USD rate is yours to convert; pricing_data/README.md)")


def test_an_rds_refresh_without_engine_is_refused() -> None:
    # why refresh_command names the engine: refresh_table checks it before any AWS call
    from infra_toolkit.pricing_refresh import refresh_table

    with pytest.raises(PricingError, match=r"^AmazonRDS needs --engine, one of MySQL, "
                       r"PostgreSQL, MariaDB"):
        refresh_table("AmazonRDS", "eu-west-1", data_dir=DEFAULT_PRICING_DIR, client=object())


def test_public_api_is_fixed() -> None:
    assert sorted(pricing.__all__) == sorted([
        "DEFAULT_PRICING_DIR", "InstanceSpec", "Price", "PriceBook", "WHERE_OWN_PRICES",
        "load_price_book", "refresh_command", "unpriced_region_fix"])
    assert sorted(pricing_overrides.__all__) == sorted([
        "PURCHASE_OPTIONS", "Overrides", "Rate", "check_key_values", "read_overrides"])
    assert sorted(pricing_tables.__all__) == sorted([
        "MAX_USD_PER_UNIT", "PRICE_LIST_SOURCE", "TABLE_SCHEMAS", "PriceRow", "TableRef",
        "TableSchema",
        "check_region_code", "find_tables", "parse_decimal", "read_price_table", "read_yaml",
        "table_kind", "tier_gap"])


# ---------------------------------------------------------------------------- shipped tables


@pytest.mark.parametrize("path", _shipped(), ids=lambda p: p.name)
def test_every_shipped_table_validates_and_its_name_carries_its_newest_as_of(path: Path) -> None:
    schema, ref, rows = read_price_table(path)
    assert rows, path
    assert all(row.source and row.as_of for row in rows.values())
    newest = max(row.as_of for row in rows.values())
    assert path.name == f"{schema.kind}_{newest}.csv"
    assert ref.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def _reference_rows(shared: Path, name: str) -> list[dict[str, str]]:
    with (shared / "pricing_reference" / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_shipped_prices_are_the_reference_rows_verbatim(shared_dir: Path) -> None:
    # Every shipped price, source and date is copied from ../shared/pricing_reference, key by key.
    found = find_tables(DEFAULT_PRICING_DIR)
    ref_ec2 = {(r["region"], r["instance_type"]): r
               for r in _reference_rows(shared_dir, "ec2_on_demand.csv")}
    _, _, ec2 = read_price_table(found["ec2_on_demand"])
    assert len(ec2) == len(ref_ec2)
    for key, row in ec2.items():
        assert (str(row.amount), row.source, row.as_of) == (
            ref_ec2[key]["usd_per_hour"], ref_ec2[key]["source"], ref_ec2[key]["as_of"])
    ref_rds = {(r["region"], r["engine"], r["instance_class"], r["deployment"]): r
               for r in _reference_rows(shared_dir, "rds_on_demand.csv")}
    _, _, rds = read_price_table(found["rds_on_demand"])
    # pricing_data/README.md: the 4 Aurora rows of the reference are not shipped
    assert len(rds) == len(ref_rds) - 4 == 14_259 - 4
    for key, row in rds.items():
        assert (str(row.amount), row.source) == (ref_rds[key]["usd_per_hour"],
                                                 ref_rds[key]["source"])
    ref_cache = {(r["region"], r["engine"], r["instance_class"]): r
                 for r in _reference_rows(shared_dir, "elasticache_on_demand.csv")}
    _, _, cache = read_price_table(found["elasticache_on_demand"])
    # README.md: Redis only; the reference's 1,483 Memcached rows are not shipped
    assert len(cache) == len(ref_cache) - 1483 == 3050 - 1483
    for key, row in cache.items():
        assert str(row.amount) == ref_cache[key]["usd_per_hour"]
    ref_other = {(r["region"], r["service"], r["item"]): r
                 for r in _reference_rows(shared_dir, "other_services.csv")}
    _, _, other = read_price_table(found["other_services"])
    assert len(other) == 223  # 231 reference rows minus 8 listed as not shipped in README.md
    for row in other.values():
        ref = ref_other[(row.key[0], row.key[1], row.fields["description"])]
        assert (str(row.amount), row.unit, row.source) == (ref["usd"], ref["unit"],
                                                            ref["source"])


def test_multi_az_rds_rows_are_read_not_derived(book: pricing.PriceBook) -> None:
    # Reference caveat 1: MySQL db.t4g.small Multi-AZ is 0.065, not 2 x 0.032.
    single = book.lookup("rds_on_demand", region="us-east-1", engine="MySQL",
                         instance_class="db.t4g.small", deployment="single-az")
    multi = book.lookup("rds_on_demand", region="us-east-1", engine="MySQL",
                        instance_class="db.t4g.small", deployment="multi-az")
    assert (single.usd_per_unit, multi.usd_per_unit) == (Decimal("0.032"), Decimal("0.065"))


def test_no_shipped_price_is_zero() -> None:
    priced = {}
    for path in _shipped():
        schema, _, rows = read_price_table(path)
        if schema.amount:
            priced[path.name] = min(row.amount for row in rows.values())
    # every shipped table but the instance specs (no amount column) was checked, so the check
    # cannot pass on an empty folder or a table left unread
    assert sorted(priced) == ["ec2_on_demand_2026-07-20.csv", "ec2_on_demand_cny_2024-11-06.csv",
                              "elasticache_on_demand_2024-08-09.csv",
                              "elb_lcu_dimensions_2026-09-20.csv",
                              "other_services_2026-05-03.csv", "rds_on_demand_2026-05-03.csv"]
    assert all(cheapest > 0 for cheapest in priced.values()), priced


def test_price_book_reports_every_table_it_read_with_sha256(book: pricing.PriceBook) -> None:
    names = {ref.name for ref in book.tables_used}
    assert names == {"ec2_on_demand_2026-07-20.csv", "ec2_instance_specs_2026-08-06.csv",
                     "rds_on_demand_2026-05-03.csv", "elasticache_on_demand_2024-08-09.csv",
                     "other_services_2026-05-03.csv", "elb_lcu_dimensions_2026-09-20.csv",
                     "ec2_burstable_credits_2026-11-27.csv"}
    for ref in book.tables_used:
        assert ref.sha256 == hashlib.sha256(Path(ref.path).read_bytes()).hexdigest()


def test_a_price_remembers_its_table_row(book: pricing.PriceBook) -> None:
    price = book.lookup("ec2_on_demand", region="us-east-1", instance_type="t3.medium")
    assert price.row is not None
    lines = (DEFAULT_PRICING_DIR / price.row.table).read_text().splitlines()
    assert lines[price.row.line - 1].startswith("us-east-1,t3.medium,0.0416,")
    assert price.usd_per_unit == Decimal("0.0416")
    assert price.ref == f"ec2_on_demand_2026-07-20.csv line {price.row.line}: us-east-1/t3.medium"


def test_instance_spec_and_lcu_dimensions(book: pricing.PriceBook) -> None:
    # ec2_instance_specs row: t3.medium,2,4096,17,amd64 (autoscaler + eni-max-pods.txt)
    spec = book.instance_spec("t3.medium")
    assert (spec.vcpu, spec.memory_mib, spec.max_pods_eni, spec.arch) == (2, 4096, 17, "amd64")
    assert book.instance_spec("i3p.16xlarge").max_pods_eni is None  # unsourced, left empty
    assert book.lcu_dimensions("network", "UDP") == {
        "new_connections": Decimal(400), "active_connections": Decimal(50000),
        "processed_bytes": Decimal(1)}


@pytest.mark.parametrize(("instance_type", "figures"), [
    # awsdocs burstable-credits-baseline-concepts.md credit table, read by hand:
    # t3.medium earns 24 credits/h, accrues up to 576, 2 vCPUs, 20 % each; Unlimited by default
    ("t3.medium", (24.0, 576.0, 2, "unlimited", 20.0)),
    ("t3a.xlarge", (96.0, 2304.0, 4, "unlimited", 40.0)),  # 96 / 4 / 60 = 40 %
    ("t4g.nano", (6.0, 144.0, 2, "unlimited", 5.0)),
    ("t2.2xlarge", (81.6, 1958.4, 8, "standard", 17.0)),  # T2 launches in Standard mode
])
def test_credit_spec_reads_the_user_guide_row(book: pricing.PriceBook, instance_type: str,
                                              figures: tuple[float, float, int, str, float]
                                              ) -> None:
    spec = book.credit_spec(instance_type)
    assert spec is not None
    assert (spec.credits_per_hour, spec.max_accrued_credits, spec.vcpu,
            spec.default_mode) == figures[:4]
    assert spec.baseline_pct == pytest.approx(figures[4])
    # the standard-mode page's launch credits table: t2.2xlarge 240; T3, T3a, T4g none
    assert spec.launch_credits == (240.0 if instance_type == "t2.2xlarge" else 0.0)


def test_a_type_that_does_not_burst_has_no_credit_spec(book: pricing.PriceBook) -> None:
    assert book.credit_spec("m5.large") is None


def test_every_credit_row_is_consistent_with_the_user_guide_formulas() -> None:
    # "credits earned per hour = % baseline x vCPUs x 60 minutes"; "the number of credits that
    # can be accrued is equivalent to the number ... earned in a 24-hour period": an independent
    # check of each transcribed row against its own columns
    path = find_tables(DEFAULT_PRICING_DIR)["ec2_burstable_credits"]
    rows = read_price_table(path)[2].values()
    assert len(rows) == 28  # 7 sizes of t2, t3, t3a, t4g
    for row in rows:
        f = {k: Decimal(row.fields[k]) for k in ("credits_per_hour", "max_accrued_credits",
                                                  "vcpu", "baseline_pct_per_vcpu")}
        assert f["credits_per_hour"] == f["baseline_pct_per_vcpu"] / 100 * f["vcpu"] * 60, row
        assert f["max_accrued_credits"] == 24 * f["credits_per_hour"], row
        assert row.fields["default_mode"] == (
            "standard" if row.key[0].startswith("t2.") else "unlimited"), row
        # standard-mode concepts: "T2 Standard instances get 30 launch credits per vCPU at
        # launch or start"; T3, T3a and T4g none (audit13 A13-6)
        assert Decimal(row.fields["launch_credits"]) == (
            30 * f["vcpu"] if row.key[0].startswith("t2.") else 0), row


def test_surplus_credit_rates_are_the_reference_rows(book: pricing.PriceBook) -> None:
    # reference other_services.csv: T3/T3a unlimited-mode CPU credits (surplus) us-east-1 0.05,
    # RDS T3/T4g 0.075 per vCPU-hour
    ec2 = book.lookup("other_services", region="us-east-1", service="AmazonEC2",
                      item_id="ec2_cpu_credits_t3")
    rds = book.lookup("other_services", region="us-east-1", service="AmazonRDS",
                      item_id="rds_cpu_credits")
    assert (ec2.usd_per_unit, ec2.unit) == (Decimal("0.05"), "vCPU-hour")
    assert (rds.usd_per_unit, rds.unit) == (Decimal("0.075"), "vCPU-hour")
    with pytest.raises(PriceNotFound, match="region 'eu-west-1' is not priced"):
        book.lookup("other_services", region="eu-west-1", service="AmazonEC2",
                    item_id="ec2_cpu_credits_t3")


def test_find_tables_takes_the_newest_date_and_skips_the_cny_table(tmp_path: Path) -> None:
    for name in ("ec2_on_demand_2026-01-01.csv", "ec2_on_demand_2026-07-20.csv",
                 "ec2_on_demand_cny_2027-01-01.csv", "notes.csv"):
        (tmp_path / name).write_text("x\n")
    found = find_tables(tmp_path)
    assert found["ec2_on_demand"].name == "ec2_on_demand_2026-07-20.csv"
    assert found["ec2_on_demand_cny"].name == "ec2_on_demand_cny_2027-01-01.csv"


# ---------------------------------------------------------------------------- PriceNotFound


@pytest.mark.parametrize(("kind", "key", "match"), [
    ("ec2_on_demand", {"region": "us-east-1", "instance_type": "t3.medum"},
     (r"instance_type 't3.medum' not found for region=us-east-1; nearest instance_type: "
     r"t3.medium, t3a.medium")),
    ("ec2_on_demand", {"region": "eu-west-1", "instance_type": "t3.medium"},
     (r"AmazonEC2 instance on-demand price for region=eu-west-1, instance_type=t3.medium .*region "
     r"'eu-west-1' is not priced; regions with this price: us-east-1, us-gov-east-1, "
     r"us-gov-west-1\. Refresh")),
    # region17: China's fix was "Refresh the table for your region", which asks the us-east-1
    # Price List endpoint: China's prices come from its own, in CNY
    ("ec2_on_demand", {"region": "cn-north-1", "instance_type": "t3.medium"},
     (r"regions with this price: us-east-1, us-gov-east-1, us-gov-west-1\. Add a rate to an "
      r"overrides file \(China regions are priced in CNY, never mixed into USD totals, by "
      r"AWS's China Price List endpoint, which pricing refresh does not ask: a USD rate is "
      r"yours to convert; pricing_data/README\.md\)$")),
    ("rds_on_demand", {"region": "us-east-1", "engine": "Oracle", "instance_class": "db.t3.medium",
                       "deployment": "single-az"},
     (r"engine 'Oracle' not found for region=us-east-1; nearest engine: MariaDB, MySQL, "
     r"PostgreSQL")),
    ("rds_on_demand", {"region": "us-east-1", "engine": "PostgreSQL",
                       "instance_class": "db.t3.medum", "deployment": "multi-az"},
     r"nearest instance_class: db.t3.medium"),
    ("elasticache_on_demand", {"region": "us-east-1", "engine": "Valkey",
                               "node_type": "cache.t3.micro"},
     r"engine 'Valkey' not found for region=us-east-1; nearest engine: Redis"),
    ("other_services", {"region": "eu-west-1", "service": "AmazonEKS",
                        "item_id": "eks_cluster_hour_standard_support"},
     r"regions with this price: us-east-1\."),
    # another case: difflib alone found none close (T3.MEDIUM / t3.medium scores 0.22)
    ("ec2_on_demand", {"region": "us-east-1", "instance_type": "T3.MEDIUM"},
     r"instance_type 'T3.MEDIUM' not found for region=us-east-1; nearest instance_type: "
     r"t3.medium$"),
])
def test_price_not_found_names_the_key_and_the_nearest_keys(
        book: pricing.PriceBook, kind: str, key: dict[str, str], match: str) -> None:
    with pytest.raises(PriceNotFound, match=match):
        book.lookup(kind, **key)


# audit4 A4-U2: the fix said "the row to a --pricing-table", an option only `cost` has; a plan
# (validate, report, the approval commands) takes its own prices from its pricing section
_OWN_PRICES = (r"\(cost --pricing-overrides / --pricing-table; in a plan, pricing\.overrides / "
               r"pricing\.tables; see pricing_data/README\.md\)$")


@pytest.mark.parametrize(("kind", "key", "match"), [
    ("ec2_on_demand", {"region": "us-west-2", "instance_type": "m7g.large"},
     r"regions with this price: us-east-1, us-gov-east-1, us-gov-west-1\. Refresh the table for "
     r"your region \(infra-toolkit pricing refresh --service AmazonEC2 --region us-west-2\) or "
     r"add a rate to an overrides file or the row to a table of your own " + _OWN_PRICES),
    # an item pricing refresh --other-services fetches (AWSELB nlb_hour is in its list)
    ("other_services", {"region": "us-west-2", "service": "AWSELB", "item_id": "nlb_hour"},
     r"regions with this price: us-east-1\. Refresh the table for your region \(infra-toolkit "
     r"pricing refresh --other-services --region us-west-2\) or add a rate to an overrides file "
     r"or the row to a table of your own " + _OWN_PRICES),
    # one it does not fetch (CloudWatch metrics are not in its list)
    ("other_services", {"region": "us-west-2", "service": "AmazonCloudWatch",
                        "item_id": "ec2_detailed_monitoring_metric"},
     r"regions with this price: us-east-1\. infra-toolkit pricing refresh does not fetch "
     r"AmazonCloudWatch ec2_detailed_monitoring_metric rows; add a rates entry \(service, "
     r"region, item_id\) to an overrides file or the row to a table of your own " + _OWN_PRICES),
    # A4-U3: an item the cost model names but no table prices anywhere (RDS gp3 throughput above
    # the baseline, a known gap) listed only the nearest ids, IOPS prices, and no fix
    ("other_services", {"region": "us-east-1", "service": "AmazonRDS",
                        "item_id": "rds_gp3_throughput_above_baseline_multi_az"},
     r"nearest item_id: rds_gp3_iops_above_baseline_multi_az, .*; no table prices "
     r"'rds_gp3_throughput_above_baseline_multi_az' in any region: add a rates entry \(service, "
     r"region, item_id\) to an overrides file or the row to a table of your own " + _OWN_PRICES),
])
def test_a_missing_price_names_the_fix_for_cost_and_for_a_plan(
        book: pricing.PriceBook, kind: str, key: dict[str, str], match: str) -> None:
    with pytest.raises(PriceNotFound, match=match):
        book.lookup(kind, **key)


def test_a_purchase_option_without_a_rate_says_how_to_add_one(book: pricing.PriceBook) -> None:
    with pytest.raises(PriceNotFound, match=r"no spot rate for AmazonEC2 instance "
                       r"us-east-1/t3\.medium: .*add a rates entry with purchase_option: spot"):
        book.lookup("ec2_on_demand", "spot", region="us-east-1", instance_type="t3.medium")


# ---------------------------------------------------------------------------- bad tables

_GOOD_EC2 = "region,instance_type,usd_per_hour,source,as_of\n"


@pytest.mark.parametrize(("text", "match"), [
    ("region,instance_type,source,as_of\nus-east-1,t3.medium,s,2026-01-01\n",
     r"line 1: missing column 'usd_per_hour'"),
    (_GOOD_EC2 + "us-east-1,t3.medium,cheap,s,2026-01-01\n",
     r"line 2: column 'usd_per_hour': 'cheap' is not a decimal number"),
    (_GOOD_EC2 + "us-east-1,t3.medium,-1,s,2026-01-01\n",
     r"line 2: column 'usd_per_hour': '-1' must be a finite number >= 0"),
    (_GOOD_EC2 + "us-east-1,t3.medium,1,s,2026-01-01\nus-east-1,t3.small,1,s,2026-01-01\n"
     "us-east-1,t3.medium,2,s,2026-01-01\n",
     r"line 4: duplicate key us-east-1/t3.medium \(first at line 2\)"),
    (_GOOD_EC2 + "us-east-1,t3.medium,1,s,26/01/2026\n",
     r"line 2: column 'as_of': '26/01/2026' is not a YYYY-MM-DD date"),
    (_GOOD_EC2 + "us-east-1,t3.medium,1,,2026-01-01\n", r"line 2: column 'source' is empty"),
    (_GOOD_EC2 + "us-east-1,t3.medium,1,s\n", r"line 2: 4 fields, header has 5"),
    ("", r"empty file"),
])
def test_a_bad_table_names_file_line_and_column(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "ec2_on_demand_2026-01-01.csv"
    path.write_text(text)
    with pytest.raises(PricingError, match=match) as exc:
        read_price_table(path, "ec2_on_demand")
    assert str(path) in str(exc.value)


def test_an_unrecognised_header_lists_the_layouts(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(PricingError, match=r"mine.csv: line 1: header a,b matches no pricing "
                       r"table layout; use one of: ec2_on_demand: region,instance_type"):
        read_price_table(path)


def test_a_bad_shipped_table_stops_the_book_loading(tmp_path: Path) -> None:
    for path in _shipped():
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "other_services_2026-05-03.csv"
    target.write_text(target.read_text().replace(",0.045,", ",4.5O,", 1))
    with pytest.raises(PricingError, match=r"other_services_2026-05-03.csv: line \d+: column "
                       r"'usd_per_unit': '4.5O' is not a decimal number"):
        load_price_book(tmp_path)


def test_a_missing_pricing_folder_says_so(tmp_path: Path) -> None:
    with pytest.raises(PricingError, match=r"pricing data folder .*nowhere does not exist"):
        load_price_book(tmp_path / "nowhere")


def test_a_file_given_as_the_pricing_folder_says_it_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "today.yaml").write_text("resources: []\n")
    with pytest.raises(PricingError, match=r"pricing data folder .*today.yaml is a file, not a "
                       r"folder; pass the folder holding the <kind>_<YYYY-MM-DD>.csv tables"):
        load_price_book(tmp_path / "today.yaml")


# ---------------------------------------------------------------------------- overrides


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_discount_applies_to_list_prices_of_its_service_only(tmp_path: Path) -> None:
    overrides = _write(tmp_path / "o.yaml", "version: 1\ndiscounts_pct: {AmazonEC2: 10}\n")
    book = load_price_book(overrides=overrides)
    ec2 = book.lookup("ec2_on_demand", region="us-east-1", instance_type="t3.medium")
    # ec2_on_demand row us-east-1,t3.medium,0.0416: 0.0416 x (100 - 10) / 100 = 0.03744
    assert ec2.usd_per_unit == Decimal("0.03744")
    assert ec2.discount_pct == Decimal(10)
    assert ec2.ref.endswith("minus 10% discount")
    eks = book.lookup("other_services", region="us-east-1", service="AmazonEKS",
                      item_id="eks_cluster_hour_standard_support")
    assert eks.usd_per_unit == Decimal("0.1")  # other service: list price untouched
    assert book.tables_used[-1].name == "o.yaml"


def test_rates_give_spot_savings_plan_and_unlisted_regions(tmp_path: Path) -> None:
    overrides = _write(tmp_path / "o.yaml", """\
version: 1
discounts_pct: {AmazonEC2: 10}
rates:
  - {service: AmazonEC2, region: us-east-1, instance_type: c5.large, purchase_option: spot,
     usd_per_unit: "0.034", source: "spot history 30-day mean"}
  - {service: AmazonEC2, region: eu-west-1, instance_type: t3.medium,
     usd_per_unit: "0.0456", source: "our eu-west-1 refresh"}
  - {service: AmazonRDS, region: us-east-1, engine: PostgreSQL, instance_class: db.t3.medium,
     deployment: multi-az, purchase_option: reserved, usd_per_unit: "0.1", source: "RI quote"}
""")
    book = load_price_book(overrides=overrides)
    spot = book.lookup("ec2_on_demand", "spot", region="us-east-1", instance_type="c5.large")
    assert spot.usd_per_unit == Decimal("0.034") and spot.discount_pct is None  # rates are final
    assert spot.rate is not None and spot.rate.origin.endswith("o.yaml: rates[0]")
    eu = book.lookup("ec2_on_demand", region="eu-west-1", instance_type="t3.medium")
    assert (eu.usd_per_unit, eu.row, eu.unit) == (Decimal("0.0456"), None, "hour")
    # where an item missing in a region is priced: the table rows' regions (a rate is no row);
    # the public EC2 table holds m5.large in us-east-1 and GovCloud, EKS hours in us-east-1
    shipped = load_price_book()
    assert book.regions_pricing("ec2_on_demand", region="eu-west-1", instance_type="m5.large") \
        == ("us-east-1", "us-gov-east-1", "us-gov-west-1")
    assert shipped.regions_pricing("other_services", region="eu-west-1", service="AmazonEKS",
                                   item_id="eks_cluster_hour_standard_support") == ("us-east-1",)
    # an item no region prices (no sourced T4g rate), a table without a region column: none
    assert shipped.regions_pricing("other_services", region="us-east-1", service="AmazonEC2",
                                   item_id="ec2_cpu_credits_t4g") == ()
    assert shipped.regions_pricing("ec2_instance_specs", instance_type="m5.large") == ()
    # a spot line in a region without list prices needs a rate, which a refresh (on-demand
    # prices only) never gives: the message says so, not "refresh the table"
    with pytest.raises(PriceNotFound, match=r"^no spot rate for AmazonEC2 instance "
                       r"eu-west-1/m5\.large: the public tables hold on-demand list prices only; "
                       r"add a rates entry with purchase_option: spot"):
        book.lookup("ec2_on_demand", "spot", region="eu-west-1", instance_type="m5.large")
    ri = book.lookup("rds_on_demand", "reserved", region="us-east-1", engine="PostgreSQL",
                     instance_class="db.t3.medium", deployment="multi-az")
    assert ri.usd_per_unit == Decimal("0.1")


@pytest.mark.parametrize(("text", "match"), [
    ("version: 2\n", r"version: 2; write version: 1"),
    ("version: 1\ndiscount: {}\n", r"unknown key 'discount'; allowed: version, discounts_pct"),
    ("version: 1\ndiscounts_pct: {AmazonEC2: 120}\n", (r"discounts_pct.AmazonEC2: 120 must be "
     r"below 100")),
    ("version: 1\nrates: [{region: us-east-1, usd_per_unit: 1, source: s}]\n",
     r"rates\[0\]: name one of instance_type, instance_class, node_type, item_id"),
    ("version: 1\nrates: [{region: us-east-1, instance_type: m5.large, usd_per_unit: 1}]\n",
     r"rates\[0\]: source is required for a ec2_on_demand rate"),
    # owndata: the tables' column name was told "usd_per_unit is required", as if left out
    (("version: 1\nrates: [{region: us-east-1, instance_type: m5.large, usd_per_hour: 1, "
      "source: s}]\n"),
     r"rates\[0\]: unknown field 'usd_per_hour'; a ec2_on_demand rate has instance_type, "
     r"purchase_option, region, service, source, tier_start, usd_per_unit; did you mean "
     r"'usd_per_unit'\?$"),
    (("version: 1\nrates: [{region: us-east-1, instance_type: m5.large, price: 1, "
      "source: s}]\n"), r"unknown field 'price'; a ec2_on_demand rate has .*, usd_per_unit$"),
    (("version: 1\nrates: [{region: us-east-1, instance_type: m5.large, usd_per_unit: 1, "
     "source: s, purchase_option: ri}]\n"), r"purchase_option 'ri'; use one of on_demand, spot"),
    (("version: 1\nrates: [{region: us-east-1, instance_type: m5.large, usd_per_unit: x, "
     "source: s}]\n"), (r"rates\[0\]: usd_per_unit: 'x' is not a decimal number; write it like "
                       r'"0.034" \(US dollars per unit\)')),
    (("version: 1\nrates: [{region: us-east-1, instance_type: m, usd_per_unit: 1, source: s},"
     "\n        {region: us-east-1, instance_type: m, usd_per_unit: 2, source: t}]\n"),
     r"rates\[1\]: same key and purchase_option as .*rates\[0\]"),
    ("[unclosed\n", r"not valid YAML"),
    # a discount or rate that could never apply is an error, not a silent list price
    ("version: 1\ndiscounts_pct: {AmazonEC3: 10}\n", (r"overrides.yaml: discounts_pct.AmazonEC3: "
     r"unknown service code; use one of AmazonEC2, .*; did you mean 'AmazonEC2'\?")),
    ("version: 1\ndiscounts_pct: {AmazonEC2: -5}\n",
     r"discounts_pct.AmazonEC2: '-5' must be a finite number >= 0"),
    # a YAML key, not a table column; the example is a percent, not a price
    ("version: 1\ndiscounts_pct: {AmazonEC2: ten}\n",
     r"discounts_pct.AmazonEC2: 'ten' is not a decimal number; write it like 10 \(percent off "
     r"list price\)$"),
    ("version: 1\ndiscounts_pct: {AmazonEC2: 100}\n",
     r"discounts_pct.AmazonEC2: 100 must be below 100"),
    ("version: 1\ndiscounts_pct: {AmazonEC2: true}\n",
     r"discounts_pct.AmazonEC2: True must be a number of percent, e.g. 10"),
    ("version: 1\ndiscounts_pct: {AmazonEC2: [10]}\n",
     r"discounts_pct.AmazonEC2: \[10\] must be a number of percent"),
    ("version: 1\ndiscounts_pct: [AmazonEC2]\n", (r"overrides.yaml: discounts_pct: "
     r"\['AmazonEC2'\] must be a mapping of service code to percent")),
    ("version: 1\nrates: 5\n", r"overrides.yaml: rates: 5 must be a list of rate entries"),
    (("version: 1\nrates: [{service: AmazonRDS, region: us-east-1, instance_type: m5.large, "
      "usd_per_unit: 1, source: s}]\n"),
     r"rates\[0\]: service 'AmazonRDS' does not sell ec2_on_demand rates; write service: "
     r"AmazonEC2"),
    (("version: 1\nrates: [{service: AmazonEC3, region: us-east-1, item_id: nat_gateway_hour, "
      "usd_per_unit: 1, source: s}]\n"),
     r"rates\[0\]: service 'AmazonEC3' is not a priced service code; .*did you mean 'AmazonEC2'"),
    (("version: 1\nrates: [{region: us-east1, instance_type: m5.large, usd_per_unit: 1, "
      "source: s}]\n"),
     r"rates\[0\]: region 'us-east1' is not an AWS region code; write it like us-east-1"),
    (("version: 1\nrates: [{region: us-east-1, instance_type: [m5.large], usd_per_unit: 1, "
      "source: s}]\n"),
     r"rates\[0\]: instance_type: \['m5.large'\] must be a single value, not a list"),
    (("version: 1\nrates: [{region: us-east-1, engine: postgres, instance_class: db.t3.medium, "
      "deployment: multi-az, usd_per_unit: 1, source: s}]\n"),
     r"rates\[0\]: engine 'postgres': use the Price List engine name, one of PostgreSQL, .*"
     r"did you mean 'PostgreSQL'"),
    (("version: 1\nrates: [{region: us-east-1, engine: PostgreSQL, instance_class: db.t3.medium, "
      "deployment: multi_az, usd_per_unit: 1, source: s}]\n"),
     r"rates\[0\]: deployment 'multi_az': use single-az or multi-az"),
    (("version: 1\nrates: [{region: us-east-1, engine: redis, node_type: cache.t3.micro, "
      "usd_per_unit: 1, source: s}]\n"), r"rates\[0\]: engine 'redis': use the Price List "
     r"engine name, one of Redis, Valkey, Memcached"),
])
def test_a_bad_overrides_file_says_what_and_where(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path / "overrides.yaml", text)
    with pytest.raises(PricingError, match=match):
        read_overrides(path)


@pytest.mark.parametrize(("text", "match"), [
    # fuzz20: YAML 1.1 reads 1:30 as 1 x 60 + 30 = 90, a silent 90 % discount off every EC2 line
    ("version: 1\ndiscounts_pct:\n  AmazonEC2: 1:30\n",
     r"discounts_pct.AmazonEC2: '1:30' is not a decimal number; write it like 10 \(percent"),
    ("version: 1\nrates: [{region: us-east-1, instance_type: t3.medium, purchase_option: spot, "
     "usd_per_unit: 0:02, source: s}]\n",
     r"rates\[0\]: usd_per_unit: '0:02' is not a decimal number"),
])
def test_base_60_numbers_in_an_overrides_file_are_text_not_sixties(
        tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(PricingError, match=match):
        read_overrides(_write(tmp_path / "overrides.yaml", text))


def test_an_overrides_file_that_is_not_utf8_is_named_not_a_traceback(tmp_path: Path) -> None:
    # audit8 A8-1: a Latin-1 (or binary) file raised UnicodeDecodeError out of `cost`
    path = tmp_path / "overrides.yaml"
    # 0xe9 is "e acute" in Latin-1; offset len("version: 1\\n") + len("# caf") = 11 + 5 = 16
    path.write_bytes(b"version: 1\n# caf\xe9\n")
    with pytest.raises(PricingError, match=r"cannot read overrides file .*overrides.yaml: byte "
                       r"0xe9 at offset 16 is not UTF-8 text; save the file as UTF-8 YAML$"):
        read_overrides(path)


def test_a_users_own_table_adds_rows_and_a_zero_list_price_stays_zero(tmp_path: Path) -> None:
    own = _write(tmp_path / "ec2_on_demand_2026-11-01.csv", _GOOD_EC2 +
                 "eu-west-1,t3.medium,0.0456,my refresh,2026-11-01\n"
                 "us-east-1,free.tier,0,promotional row,2026-11-01\n")
    # a type the shipped specs lack needs its own specs row, else no resource could name it
    specs = _write(tmp_path / "ec2_instance_specs_2026-11-01.csv",
                   "instance_type,vcpu,memory_mib,max_pods_eni,arch,source,as_of\n"
                   "free.tier,1,1024,4,amd64,promotional row,2026-11-01\n")
    book = load_price_book(extra_tables=[specs, own])
    assert book.lookup("ec2_on_demand", region="eu-west-1",
                       instance_type="t3.medium").usd_per_unit == Decimal("0.0456")
    free = book.lookup("ec2_on_demand", region="us-east-1", instance_type="free.tier")
    assert free.usd_per_unit == Decimal(0) and free.row is not None
    assert book.tables_used[-1].name == own.name


def test_table_schemas_name_a_key_and_amount_column_for_every_price_table() -> None:
    for kind, schema in TABLE_SCHEMAS.items():
        assert set(schema.key) <= set(schema.columns), kind
        assert {"source", "as_of"} <= set(schema.columns), kind


def test_the_price_book_is_read_only(book: pricing.PriceBook) -> None:
    with pytest.raises(TypeError, match="does not support item assignment"):
        book.tables["ec2_on_demand"][("us-east-1", "t3.medium")] = None  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'overrides'"):
        book.overrides = pricing_overrides.Overrides()  # type: ignore[misc]


def test_a_misnamed_key_column_is_a_pricing_error(book: pricing.PriceBook) -> None:
    with pytest.raises(PricingError, match=r"ec2_on_demand has no key column 'instance_typ'; "
                       r"key columns: region, instance_type"):
        book.lookup("ec2_on_demand", region="us-east-1", instance_typ="t3.medium")


def test_books_are_shared_until_a_table_changes(tmp_path: Path) -> None:
    data = tmp_path / "pricing_data"
    shutil.copytree(DEFAULT_PRICING_DIR, data)
    first = load_price_book(data)
    assert load_price_book(data) is first  # same files, same bytes: one parse per process
    ec2 = find_tables(data)["ec2_on_demand"]
    # us-east-1 t3.medium is 0.0416 in the shipped table; a refreshed copy says 0.0420.
    ec2.write_text(ec2.read_text().replace("us-east-1,t3.medium,0.0416,",
                                           "us-east-1,t3.medium,0.042,", 1))
    second = load_price_book(data)
    assert second is not first
    assert second.lookup("ec2_on_demand", region="us-east-1",
                         instance_type="t3.medium").usd_per_unit == Decimal("0.042")


_EGRESS_RATE = ('version: 1\nrates:\n  - {service: AWSDataTransfer, region: us-east-1, '
                'item_id: ITEM,TIER usd_per_unit: "0.01", source: "negotiated 2026"}\n')


@pytest.mark.parametrize(("item", "tier", "match"), [
    # us-east-1 internet_out rows start at 0, 10240, 51200, 153600 GB (other_services lines
    # 2-5); before (audit10 A10-4) these rates were read and then never applied: list price
    ("internet_out", " tier_start: 10240.0,", r"rates\[0\]: tier_start 10240.0: AWSDataTransfer "
     r"internet_out in us-east-1 is priced in tiers starting at 0, 10240, 51200, 153600; a "
     r"rate replaces one tier's price: write tier_start as one of those \(one rate per "
     r"tier\), else the rate never applies"),
    ("internet_out", " tier_start: 10000,", r"tier_start 10000: AWSDataTransfer internet_out"),
    ("internet_out", "", r"tier_start \(none\): AWSDataTransfer internet_out in us-east-1 is "
                         r"priced in tiers"),
    # intra_region has one row, tier_start empty (line 8)
    ("intra_region", " tier_start: 0,", r"rates\[0\]: tier_start 0: AWSDataTransfer "
     r"intra_region in us-east-1 is not priced in tiers; leave tier_start out"),
])
def test_a_rate_that_would_never_apply_to_a_tier_is_refused(
        tmp_path: Path, item: str, tier: str, match: str) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(_EGRESS_RATE.replace("ITEM", item).replace("TIER", tier))
    with pytest.raises(PricingError, match=match):
        load_price_book(overrides=path)


def test_a_rate_on_one_tier_replaces_that_tier_only(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(_EGRESS_RATE.replace("ITEM", "internet_out").replace("TIER",
                                                                         " tier_start: 10240,"))
    tiers = load_price_book(overrides=path).tiers("other_services", region="us-east-1",
                                                  service="AWSDataTransfer",
                                                  item_id="internet_out")
    # list 0.09, 0.085, 0.07, 0.05 (other_services lines 2, 4, 3, 5); the rate takes tier 2
    assert [p.usd_per_unit for p in tiers] == [Decimal("0.09"), Decimal("0.01"),
                                               Decimal("0.07"), Decimal("0.05")]


def test_pricing_lookup_of_a_tiered_item_prints_every_tier(
        capsys: pytest.CaptureFixture[str]) -> None:
    from infra_toolkit.cli import main

    # before (audit10 A10-5): "region 'us-east-1' is not priced; regions with this price: ...,
    # us-east-1, ...": the lookup asked for the item without a tier. Expected: other_services
    # lines 2, 4, 3, 5 as written in the table.
    assert main(["pricing", "lookup", "--region", "us-east-1", "--service", "AWSDataTransfer",
                 "--item-id", "internet_out"]) == 0
    table = "other_services_2026-05-03.csv"
    assert capsys.readouterr().out.splitlines() == [
        f"$0.09 per GB for 0 to 10240 GB  ({table} line 2: us-east-1/AWSDataTransfer/"
        "internet_out/0)",
        f"$0.085 per GB for 10240 to 51200 GB  ({table} line 4: us-east-1/AWSDataTransfer/"
        "internet_out/10240)",
        f"$0.07 per GB for 51200 to 153600 GB  ({table} line 3: us-east-1/AWSDataTransfer/"
        "internet_out/51200)",
        f"$0.05 per GB for over 153600 GB  ({table} line 5: us-east-1/AWSDataTransfer/"
        "internet_out/153600)",
    ]


@pytest.mark.parametrize(("text", "match"), [
    # before (audit10 A10-6): YAML kept the last value: a 50 % discount the reader of the first
    # line did not see; a rate's second price
    ("version: 1\ndiscounts_pct:\n  AmazonEC2: 10\n  AmazonEC2: 50\n",
     r"overrides.yaml:4: discounts_pct.AmazonEC2: this key is written twice in the same mapping "
     r"and YAML keeps only the last one; delete or rename one$"),
    ("version: 1\nrates:\n  - {service: AmazonEC2, region: us-east-1, instance_type: c5.large, "
     'usd_per_unit: "0.05", usd_per_unit: "0.01", source: x}\n',
     r"overrides.yaml:3: rates\[0\].usd_per_unit: this key is written twice"),
])
def test_an_overrides_key_written_twice_is_refused(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(text)
    with pytest.raises(PricingError, match=match):
        read_overrides(path)


@pytest.mark.parametrize(("rate", "match"), [
    # before (audit10 A10-8): read, never applied (a resource naming c5.lrage is refused), and
    # the list price stood under a file that says 0.01
    ("{service: AmazonEC2, region: us-east-1, instance_type: c5.lrage, usd_per_unit: '0.01', "
     "source: x}",
     r"rates\[0\]: instance_type 'c5.lrage' is not a known EC2 instance type "
     r"\(ec2_instance_specs tables\), so no resource can use this rate; did you mean "
     r"'c5.large'"),
    ("{service: AmazonRDS, region: us-east-1, engine: PostgreSQL, deployment: single-az, "
     "instance_class: db.t3.medum, usd_per_unit: '0.01', source: x}",
     r"instance_class 'db.t3.medum' is not a known RDS class \(rds_on_demand tables\)"),
    ("{service: AmazonElastiCache, region: us-east-1, engine: Redis, node_type: cache.t3.mirco, "
     "usd_per_unit: '0.01', source: x}",
     r"node_type 'cache.t3.mirco' is not a known ElastiCache node type"),
])
def test_a_rate_for_a_name_no_table_knows_is_refused(tmp_path: Path, rate: str,
                                                     match: str) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(f"version: 1\nrates:\n  - {rate}\n")
    with pytest.raises(PricingError, match=match):
        load_price_book(overrides=path)


def test_a_rate_for_a_known_type_in_a_region_no_table_has_is_kept(tmp_path: Path) -> None:
    # the README's gap filler: c5.large is known (ec2_instance_specs), mx-central-1 is priced
    # by the rate alone
    path = tmp_path / "overrides.yaml"
    path.write_text("version: 1\nrates:\n  - {service: AmazonEC2, region: mx-central-1, "
                    "instance_type: c5.large, usd_per_unit: '0.1', source: x}\n")
    price = load_price_book(overrides=path).lookup("ec2_on_demand", region="mx-central-1",
                                                    instance_type="c5.large")
    assert price.usd_per_unit == Decimal("0.1")


@pytest.mark.parametrize("data", [
    # audit20 A20-8: Excel's "CSV UTF-8" (byte order mark, CRLF) and a header written with
    # spaces after the commas were "header ... matches no pricing table layout", the header
    # printed looking right
    b"\xef\xbb\xbfregion,instance_type,usd_per_hour,source,as_of\r\n"
    b"us-east-1,t3.medium,0.05,my quote,2026-11-01\r\n",
    b"region, instance_type, usd_per_hour, source, as_of\n"
    b"us-east-1, t3.medium, 0.05, my quote, 2026-11-01\n",
])
def test_a_spreadsheets_table_is_read_as_written(tmp_path: Path, data: bytes) -> None:
    own = tmp_path / "ec2_on_demand_2026-11-01.csv"
    own.write_bytes(data)
    price = load_price_book(extra_tables=[own]).lookup("ec2_on_demand", region="us-east-1",
                                                       instance_type="t3.medium")
    # the user's row replaces the list $0.0416: 730 h x $0.05 = $36.50 a month
    assert price.usd_per_unit == Decimal("0.05") and price.row is not None
    assert price.row.table == own.name and price.usd_per_unit * 730 == Decimal("36.50")


@pytest.mark.parametrize(("text", "match"), [
    # audit20 A20-9: rows a lookup never asks for were read, listed among the tables used, and
    # never applied: the list price stood under a table that looked applied
    (_GOOD_EC2 + "us-east-1,t3.mediun,0.05,q,2026-11-01\n",
     r"own\.csv: line 2: instance_type 't3\.mediun' is not a known EC2 instance type "
     r"\(ec2_instance_specs tables\), so no resource can use this row; did you mean "
     r"'t3\.medium'"),
    (_GOOD_EC2 + "us-east1,t3.medium,0.05,q,2026-11-01\n",
     r"own\.csv: line 2: region 'us-east1' is not an AWS region code; write it like us-east-1$"),
    ("region,engine,instance_class,deployment,usd_per_hour,source,as_of\n"
     "us-east-1,postgres,db.t3.medium,single-az,0.05,q,2026-11-01\n",
     r"own\.csv: line 2: engine 'postgres': use the Price List engine name, one of PostgreSQL, "
     r".*; did you mean 'PostgreSQL'\?$"),
    ("region,engine,instance_class,deployment,usd_per_hour,source,as_of\n"
     "us-east-1,PostgreSQL,db.t3.medium,Multi-AZ,0.05,q,2026-11-01\n",
     r"own\.csv: line 2: deployment 'Multi-AZ': use single-az or multi-az$"),
    ("region,service,item_id,description,unit,usd_per_unit,tier_start,tier_end,source,as_of\n"
     "us-east-1,Amazon EC2,ebs_gp3_storage,gp3,GB-month,0.07,,,q,2026-11-01\n",
     r"own\.csv: line 2: service 'Amazon EC2' is not a priced service code; use one of "
     r"AmazonEC2, .*; did you mean 'AmazonEC2'\?$"),
])
def test_a_users_row_that_could_never_apply_is_refused(tmp_path: Path, text: str,
                                                      match: str) -> None:
    own = _write(tmp_path / "own.csv", text)
    with pytest.raises(PricingError, match=match):
        load_price_book(extra_tables=[own])


def test_a_type_newer_than_the_specs_is_priced_once_its_specs_row_is_given(
        tmp_path: Path) -> None:
    # audit21 A21-8: a quote for a type the shipped specs lack was refused with "did you mean
    # 'm9g.large'" alone, as if a typo; the fix is a specs row of the user's own
    own = _write(tmp_path / "own.csv", _GOOD_EC2 + "us-east-1,m9x.large,0.1,q,2026-11-01\n")
    with pytest.raises(PricingError, match=r"own\.csv: line 2: instance_type 'm9x\.large' is "
                                           r"not a known EC2 instance type .*did you mean .*\? "
                                           r"If it is a type the tables lack, add its row "
                                           r"\(instance_type, vcpu, memory_mib, max_pods_eni, "
                                           r"arch, source, as_of\) to an ec2_instance_specs "
                                           r"table of your own$"):
        load_price_book(extra_tables=[own])
    specs = _write(tmp_path / "ec2_instance_specs_2026-11-01.csv",
                   _SPECS + "m9x.large,2,8192,29,amd64,spec sheet,2026-11-01\n")
    price = load_price_book(extra_tables=[own, specs]).lookup(
        "ec2_on_demand", region="us-east-1", instance_type="m9x.large")
    assert price.usd_per_unit == Decimal("0.1")  # the quote's row, as written


@pytest.mark.parametrize(("itype", "match"), [
    # owndata: upper case was near no type, and the message ran on "... use this row If it is"
    ("M5.XLARGE", r"instance_type 'M5\.XLARGE' is not a known EC2 instance type "
                  r"\(ec2_instance_specs tables\), so no resource can use this row; did you mean "
                  r"'m5\.xlarge'\? If it is a type"),  # the one type of those letters
    ("zz9.mega", r"instance_type 'zz9\.mega' is not a known EC2 instance type "
                 r"\(ec2_instance_specs tables\), so no resource can use this row; if it is a "
                 r"type the tables lack, add its row"),
])
def test_an_unknown_type_is_told_its_case_and_the_specs_row(tmp_path: Path, itype: str,
                                                           match: str) -> None:
    own = _write(tmp_path / "own.csv", _GOOD_EC2 + f"us-east-1,{itype},0.1,q,2026-11-01\n")
    with pytest.raises(PricingError, match=match):
        load_price_book(extra_tables=[own])


_SPECS = "instance_type,vcpu,memory_mib,max_pods_eni,arch,source,as_of\n"


@pytest.mark.parametrize(("row", "match"), [
    # audit21 A21-9: read as written, then int("2.0") was a ValueError traceback where a node
    # group used the type, and x86_64 made "'m9x.large' is x86_64 but ami_type
    # AL2023_x86_64_STANDARD is amd64: set an x86_64 ami_type"
    ("m9x.large,2.0,8192,29,amd64", r"column 'vcpu': '2\.0' is not a whole number above 0; "
                                    r"write it like 2$"),
    ("m9x.large,0,8192,29,amd64", r"column 'vcpu': '0' is not a whole number above 0"),
    ("m9x.large,2,8192,29.5,amd64", r"column 'max_pods_eni': '29\.5' is not a whole number "
                                    r"above 0; write it like 2 \(leave max_pods_eni empty when "
                                    r"unknown\)$"),
    ("m9x.large,2,8192,29,x86_64", r"column 'arch': 'x86_64' is not amd64 or arm64, the "
                                   r"kubernetes\.io/arch values nodes are labelled with "
                                   r"\(x86_64 is amd64 there\); write amd64$"),
    ("m9x.large,2,8192,29,aarch64", r"column 'arch': 'aarch64' .* \(aarch64 is arm64 "
                                    r"there\); write arm64$"),
])
def test_a_users_instance_specs_row_is_checked(tmp_path: Path, row: str, match: str) -> None:
    own = _write(tmp_path / "specs.csv", f"{_SPECS}{row},sheet,2026-11-01\n")
    with pytest.raises(PricingError, match=r"specs\.csv: line 2: " + match):
        load_price_book(extra_tables=[own])


def test_two_of_the_users_tables_pricing_one_key_are_refused(tmp_path: Path) -> None:
    # audit20 A20-10: the later table's $0.06 silently beat the first's $0.05 (one table with
    # a key twice is refused, "keep one row per key")
    first = _write(tmp_path / "a.csv", _GOOD_EC2 + "us-east-1,t3.medium,0.05,q1,2026-11-01\n")
    second = _write(tmp_path / "b.csv", _GOOD_EC2 + "us-east-1,m5.large,0.08,q2,2026-11-01\n"
                    "us-east-1,t3.medium,0.06,q2,2026-11-02\n")
    with pytest.raises(PricingError, match=r"b\.csv: line 3: key us-east-1/t3\.medium is also "
                                           r"in .*a\.csv: line 2; keep one row per key across "
                                           r"your tables$"):
        load_price_book(extra_tables=[first, second])


@pytest.mark.parametrize(("written", "shown"), [("1e1", "10"), ("12.5", "12.5"), ("0.5", "0.5")])
def test_a_discount_is_shown_as_the_plain_percent(tmp_path: Path, written: str,
                                                  shown: str) -> None:
    # audit20 A20-11: YAML 1.2's 1e1 (read as a number, docs/PLAN.md) showed as
    # "minus 1E+1% discount" in the price source
    overrides = _write(tmp_path / "o.yaml",
                       f"version: 1\ndiscounts_pct: {{AmazonEC2: {written}}}\n")
    ec2 = load_price_book(overrides=overrides).lookup("ec2_on_demand", region="us-east-1",
                                                      instance_type="t3.medium")
    assert ec2.ref.endswith(f"; minus {shown}% discount")


@pytest.mark.parametrize("region", ["us-esat-1", "eu-wset-1", "ap-sotheast-1"])
def test_a_misspelt_region_in_a_rate_is_refused(tmp_path: Path, region: str) -> None:
    # audit20 A20-13: a region code of the right shape but a misspelt direction was taken as a
    # region no table has (docs: mx-central-1), so a negotiated rate silently never applied to
    # us-east-1 and the list price stood
    overrides = _write(tmp_path / "o.yaml", "version: 1\nrates:\n"
                       f"  - {{service: AmazonEC2, region: {region}, instance_type: t3.medium, "
                       "usd_per_unit: '0.03', source: quote}\n")
    with pytest.raises(PricingError, match=rf"o\.yaml: rates\[0\]: region '{region}' is not an "
                                           r"AWS region code; write it like us-east-1$"):
        load_price_book(overrides=overrides)


def test_every_region_the_shipped_tables_price_is_a_region_code(
        book: pricing.PriceBook) -> None:
    # the tightened rule must keep every region the sourced tables hold (us-west-2-lax-1, a
    # Local Zone, among them) and a new region named as AWS names them (mx-central-1)
    for region in (*book.regions(), "mx-central-1", "us-isob-east-1"):
        pricing_tables.check_region_code(region, "shipped")
    assert "us-west-2-lax-1" in book.regions()


@pytest.mark.parametrize(("rate", "match"), [
    # audit20 A20-14: read, listed among the tables used, never asked for: RDS has no spot
    # (usage.purchase_option is on_demand, savings_plan or reserved) and EBS, NAT, LCUs and
    # transfer are priced on-demand only, so the list price stood
    ("{service: AmazonRDS, region: us-east-1, engine: PostgreSQL, instance_class: db.t3.medium, "
     "deployment: single-az, purchase_option: spot, usd_per_unit: '0.03', source: q}",
     r"rates\[0\]: purchase_option 'spot': the cost model never prices an RDS instance spot "
     r"\(only on_demand, savings_plan, reserved\), so this rate would never apply; use "
     r"on_demand or savings_plan or reserved$"),
    ("{service: AmazonElastiCache, region: us-east-1, engine: Redis, node_type: "
     "cache.t3.micro, purchase_option: spot, usd_per_unit: '0.01', source: q}",
     r"purchase_option 'spot': the cost model never prices an ElastiCache node spot"),
    ("{service: AmazonEC2, region: us-east-1, item_id: ebs_gp3_storage, "
     "purchase_option: savings_plan, usd_per_unit: '0.05', source: q}",
     r"purchase_option 'savings_plan': the cost model never prices an item_id \(other "
     r"services\) savings_plan \(only on_demand\), so this rate would never apply; use "
     r"on_demand$"),
])
def test_a_rate_for_a_purchase_option_never_asked_is_refused(tmp_path: Path, rate: str,
                                                            match: str) -> None:
    overrides = _write(tmp_path / "o.yaml", f"version: 1\nrates:\n  - {rate}\n")
    with pytest.raises(PricingError, match=match):
        load_price_book(overrides=overrides)


def test_a_users_row_in_another_unit_than_the_item_is_refused(tmp_path: Path) -> None:
    # audit20 A20-15: an 8 GB gp2 root volume at a user's $0.000137 per GB-hour was priced
    # 8 x 0.000137 = $0.0011 a month (as if per GB-month) instead of 8 x 0.000137 x 730 = $0.80
    own = _write(tmp_path / "own.csv", "region,service,item_id,description,unit,usd_per_unit,"
                 "tier_start,tier_end,source,as_of\nus-east-1,AmazonEC2,ebs_gp2_storage,gp2,"
                 "GB-hour,0.000137,,,my quote,2026-11-01\n")
    with pytest.raises(PricingError, match=r"own\.csv: line 2: unit 'GB-hour', but AmazonEC2 "
                                           r"ebs_gp2_storage is priced per GB-month \(the "
                                           r"shipped table's unit, in which the cost model "
                                           r"counts it\); write the price per GB-month$"):
        load_price_book(extra_tables=[own])
    # the same row per GB-month replaces the list $0.10: 0.000137 x 730 = 0.10001
    own.write_text(own.read_text().replace("GB-hour,0.000137", "GB-month,0.10001"))
    price = load_price_book(extra_tables=[own]).lookup(
        "other_services", region="us-east-1", service="AmazonEC2", item_id="ebs_gp2_storage")
    assert (price.usd_per_unit, price.unit) == (Decimal("0.10001"), "GB-month")


def test_a_table_read_again_is_parsed_once_and_each_reader_gets_its_own_rows(
        tmp_path: Path) -> None:
    # the parse is kept per path and bytes: a caller changing its rows dict changes no other
    # caller's, and a rewritten file (same size) is parsed anew
    table = tmp_path / "mine.csv"
    table.write_text("region,instance_type,usd_per_hour,source,as_of\n"
                     "us-east-1,t3.medium,0.0416,mine,2026-11-01\n")
    _schema, _ref, rows = read_price_table(table)
    rows.clear()
    _schema, _ref, again = read_price_table(table)
    assert again[("us-east-1", "t3.medium")].amount == Decimal("0.0416")
    table.write_text(table.read_text().replace("0.0416", "0.0420"))
    _schema, _ref, changed = read_price_table(table)
    assert changed[("us-east-1", "t3.medium")].amount == Decimal("0.0420")


def test_a_table_whose_header_is_a_wall_of_text_is_quoted_clipped(tmp_path: Path) -> None:
    # fuzz19 left alone, session 19: a binary-looking or wrong file's 3,000-character first line
    # was printed whole in "header ... matches no pricing table layout"
    own = tmp_path / "mine.csv"
    own.write_text("x" * 3000 + "\n1,2\n")
    with pytest.raises(PricingError) as caught:
        load_price_book(extra_tables=[own])
    message = str(caught.value)
    assert message.startswith(f"{own}: line 1: header {'x' * 60}… (3,000 characters) matches "
                              "no pricing table layout; use one of: ec2_on_demand: ")
    assert "x" * 61 not in message
