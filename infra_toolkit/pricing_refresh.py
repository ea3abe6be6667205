"""Refresh a price table from the AWS Price List API, atomically.

``refresh_table`` asks ``pricing:GetProducts`` (client in us-east-1) for the on-demand prices of
one service in one region with exact ``TERM_MATCH`` filters, walks every page with the
paginator, parses each ``PriceList`` entry (a JSON string) down to its OnDemand price dimension,
keeps exactly one price per key, merges the rows into the newest table of that kind (other
regions and engines untouched), validates the result, writes it to a temporary file in the
table folder and renames it into place. Any failure (a malformed page, an exception between
pages, an interrupt) leaves every existing table byte-identical. Credentials, network and API
errors become one :class:`~infra_toolkit.errors.PricingError` line.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from infra_toolkit.atomic import check_can_replace, replace_file
from infra_toolkit.aws_messages import aws_error_text
from infra_toolkit.errors import PricingError
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.pricing_tables import (
    PRICE_LIST_SOURCE,
    TABLE_SCHEMAS,
    PriceRow,
    check_region_code,
    find_tables,
    read_price_table,
)

__all__ = ["MAX_USD_PER_HOUR", "PRICE_LIST_REGION", "REFRESHABLE", "PriceDimension",
           "RefreshResult", "aws_errors", "check_engine", "check_refresh_region", "decimal_text",
           "on_demand_dimensions", "price_list_items", "pricing_client", "product_filters",
           "published_date", "refresh_table", "term_match", "writable_table", "write_merged"]

PRICE_LIST_REGION = "us-east-1"  # the Price List API endpoint serving every region's prices
#: The highest hourly price a refresh accepts: ten times the dearest row of the shipped tables
#: (EC2 u7in-32tb.224xlarge at 360.98695 USD an hour); above it an item is malformed.
MAX_USD_PER_HOUR = 3_600
REFRESHABLE = {  # service code -> (table kind, engines accepted by --engine)
    "AmazonEC2": ("ec2_on_demand", ()),
    "AmazonRDS": ("rds_on_demand", ("MySQL", "PostgreSQL", "MariaDB")),
    "AmazonElastiCache": ("elasticache_on_demand", ("Redis", "Valkey")),
}
_DEPLOYMENTS = {"Single-AZ": "single-az", "Multi-AZ": "multi-az"}


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh wrote: the table file, rows from AWS, rows kept from before, the file it
    superseded (``None`` when it replaced a file of the same name or there was none), the
    items asked for that AWS did not price (``item: why``; an other-services refresh), and the
    keys AWS lists only at 0 USD, left out of the table (``key (sku ...)``; a lookup of one
    reports it missing, never $0)."""

    path: Path
    rows_from_aws: int
    rows_kept: int
    superseded: Path | None
    missing: tuple[str, ...] = ()
    zero_priced: tuple[str, ...] = ()


def term_match(field: str, value: str) -> dict[str, str]:
    """One exact GetProducts filter: ``field`` equals ``value``."""
    return {"Type": "TERM_MATCH", "Field": field, "Value": value}


def product_filters(service: str, region: str, engine: str | None = None
                    ) -> list[list[dict[str, str]]]:
    """The GetProducts filter lists for one refresh (one list per query). EC2 uses Karpenter's
    filters: shared-tenancy instances, plus dedicated-tenancy bare-metal types."""
    if service == "AmazonEC2":
        base = [term_match("regionCode", region), term_match("serviceCode", "AmazonEC2"),
                term_match("preInstalledSw", "NA"), term_match("operatingSystem", "Linux"),
                term_match("capacitystatus", "Used"), term_match("marketoption", "OnDemand")]
        return [base + [term_match("tenancy", "Shared"),
                        term_match("productFamily", "Compute Instance")],
                base + [term_match("tenancy", "Dedicated"),
                        term_match("productFamily", "Compute Instance (bare metal)")]]
    if service == "AmazonRDS":
        return [[term_match("regionCode", region), term_match("databaseEngine", str(engine)),
                 term_match("deploymentOption", option), term_match("locationType", "AWS Region"),
                 term_match("productFamily", "Database Instance")] for option in _DEPLOYMENTS]
    return [[term_match("regionCode", region), term_match("cacheEngine", str(engine)),
             term_match("locationType", "AWS Region"),
             term_match("productFamily", "Cache Instance")]]


def pricing_client(profile: str | None = None) -> Any:
    """A boto3 ``pricing`` client in :data:`PRICE_LIST_REGION` (imported lazily)."""
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
        return session.client("pricing", region_name=PRICE_LIST_REGION)
    except BotoCoreError as exc:
        raise PricingError(f"cannot create the AWS Price List client: {exc}; check --profile "
                           "and your AWS config") from None


def check_refresh_region(region: str, where: str) -> None:
    """:func:`~infra_toolkit.pricing_tables.check_region_code`, and refuse an AWS China region:
    its prices are in CNY, served only by the aws-cn partition's Price List endpoint, where the
    us-east-1 one answered no products ("check the region code" for a right code)."""
    check_region_code(region, where)
    if region.startswith("cn-"):
        raise PricingError(f"{where}: {region} is an AWS China region, priced in CNY by the "
                           "aws-cn partition's own Price List endpoint; the tables hold USD, so "
                           "it cannot be refreshed: price it with a table of your own or "
                           "pricing.overrides, in USD")


def _pages(client: Any, service: str, filters: list[dict[str, str]]) -> Iterator[Any]:
    paginator = client.get_paginator("get_products")
    yield from paginator.paginate(ServiceCode=service, Filters=filters, FormatVersion="aws_v1",
                                  PaginationConfig={"PageSize": 100})


def price_list_items(client: Any, service: str, filters: list[dict[str, str]], query: int
                     ) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each ``PriceList`` entry of every page of one GetProducts query, parsed from its JSON
    string, with where it was (``query 0 page 1 PriceList[2]``) for error messages."""
    for p, page in enumerate(_pages(client, service, filters)):
        entries = page.get("PriceList")
        if not isinstance(entries, list):
            raise PricingError(f"query {query} page {p}: response has no PriceList list")
        for i, entry in enumerate(entries):
            where = f"query {query} page {p} PriceList[{i}]"
            try:
                item = json.loads(entry)
            except (TypeError, json.JSONDecodeError) as exc:
                raise PricingError(f"{where}: not a JSON string ({exc})") from None
            if not isinstance(item, dict):
                raise PricingError(f"{where}: malformed Price List item: {_json_type(item)}, "
                                   "not an object")
            yield where, item


def _aws_error(exc: Exception, service: str, region: str) -> PricingError:
    return PricingError(f"refreshing {service} prices for {region}: "
                        f"{aws_error_text(exc, 'pricing:GetProducts')}; tables unchanged")


def _json_type(value: Any) -> str:
    """What a JSON value is, in JSON's words (``a list``, ``a number``)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    names: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
    return names.get(type(value), "a number")


def _field(obj: Any, path: Sequence[str], where: str, expected: type | None = None) -> Any:
    """``obj[path[0]][path[1]]...``; with ``expected``, that value must be of that type (the
    item is JSON from the network: a list where a mapping belongs must not raise deep inside)."""
    for name in path:
        if not isinstance(obj, dict) or name not in obj:
            raise PricingError(f"{where}: malformed Price List item: no {'.'.join(path)}")
        obj = obj[name]
    if expected is not None and not isinstance(obj, expected):
        raise PricingError(f"{where}: malformed Price List item: {'.'.join(path)} is "
                           f"{_json_type(obj)}, not {_json_type(expected())}")
    return obj


@dataclass(frozen=True)
class PriceDimension:
    """One OnDemand price dimension of a Price List item: USD per ``unit`` (as the API writes
    the unit: ``Hrs``, ``GB-Mo``), and ``ident`` naming its SKU, offer term and rate code."""

    usd: Decimal
    text: str
    unit: str
    ident: str


def on_demand_dimensions(item: Mapping[str, Any], where: str) -> list[PriceDimension]:
    """Every OnDemand price dimension of ``item`` (a parsed ``PriceList`` entry), each price a
    finite decimal >= 0 read from the API's text."""
    terms = _field(item, ("terms", "OnDemand"), where, dict)
    out = []
    for offer in terms.values():
        for dim in _field(offer, ("priceDimensions",), where, dict).values():
            per_unit = _field(dim, ("pricePerUnit",), where, dict)
            if "USD" not in per_unit and per_unit:  # the aws-cn partition's answer: CNY
                raise PricingError(f"{where}: priced in {', '.join(sorted(per_unit))}, not USD; "
                                   "the tables hold USD (an AWS China region?)")
            # text, as the API writes it: a JSON number would be read through a binary float
            text = _field(dim, ("pricePerUnit", "USD"), where, str)
            try:
                value = Decimal(text)
            except (InvalidOperation, TypeError):
                raise PricingError(f"{where}: malformed Price List item: USD price "
                                   f"{text!r} is not a number") from None
            if not value.is_finite() or value < 0:  # a signalling NaN cannot even be hashed
                raise PricingError(f"{where}: malformed Price List item: USD price "
                                   f"{text!r} is not a finite number >= 0")
            out.append(PriceDimension(
                value, text, str(dim.get("unit", "")),
                f"sku {offer.get('sku', '?')} offer term {offer.get('offerTermCode', '?')} "
                f"rate {dim.get('rateCode', '?')}"))
    return out


def _on_demand_usd(item: Mapping[str, Any], where: str) -> tuple[str, str]:
    """(price, offer description) of the item's single OnDemand price dimension."""
    found = set()
    for dim in on_demand_dimensions(item, where):
        if dim.usd > MAX_USD_PER_HOUR:
            raise PricingError(f"{where}: malformed Price List item: USD price "
                               f"{dim.text!r} an hour is above {MAX_USD_PER_HOUR:,}, far "
                               "beyond any instance, database or cache node AWS lists")
        found.add((dim.usd, dim.ident))
    prices = {v for v, _ in found}
    if len(prices) != 1:
        raise PricingError(f"{where}: expected one OnDemand USD price, found "
                           f"{sorted(str(p) for p in prices) or 'none'}")
    value, ident = min(found)
    return decimal_text(value), ident


def decimal_text(value: Decimal) -> str:
    """``value`` as a table writes it: no exponent, no trailing zeros (``0.0416``, ``0``)."""
    text = format(value.normalize(), "f")
    return text if value else "0"


def published_date(item: Mapping[str, Any], where: str, today: dt.date) -> str:
    """The item's ``publicationDate`` as YYYY-MM-DD, at most a day after ``today``."""
    published = str(_field(item, ("publicationDate",), where, str))[:10]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", published):
        raise PricingError(f"{where}: malformed Price List item: publicationDate "
                           f"{item['publicationDate']!r} does not start with a YYYY-MM-DD date")
    if published > (today + dt.timedelta(days=1)).isoformat():  # a day for time zones
        # the newest date names the table: one from the future would shadow every later refresh
        raise PricingError(f"{where}: malformed Price List item: publicationDate {published} "
                           f"is after today ({today.isoformat()})")
    return published


def _row(service: str, region: str, item: Mapping[str, Any], where: str, today: dt.date
         ) -> dict[str, str]:
    attrs = _field(item, ("product", "attributes"), where, dict)
    price, ident = _on_demand_usd(item, where)
    published = published_date(item, where, today)
    source = (f"{PRICE_LIST_SOURCE} {service} {region} ({ident}; "
              f"version {item.get('version', '?')}, published {published})")
    row = {"region": region, "usd_per_hour": price, "source": source, "as_of": published}
    instance = _field(attrs, ("instanceType",), where, str)
    if service == "AmazonEC2":
        return {**row, "instance_type": instance}
    if service == "AmazonRDS":
        option = _field(attrs, ("deploymentOption",), where, str)
        if option not in _DEPLOYMENTS:
            raise PricingError(f"{where}: unexpected deploymentOption {option!r}")
        return {**row, "engine": _field(attrs, ("databaseEngine",), where, str),
                "instance_class": instance, "deployment": _DEPLOYMENTS[option]}
    return {**row, "engine": _field(attrs, ("cacheEngine",), where, str), "node_type": instance}


def _contradicts(item: Mapping[str, Any], filters: Sequence[Mapping[str, str]], where: str
                 ) -> bool:
    """Whether ``item``'s product says another value for a field the query filtered on: the
    other SKUs of one instance type (a capacity reservation, ``AllocatedCapacityReservation`` at
    0 USD; dedicated tenancy; another market option) are never its on-demand price, whatever
    the answer held. A field the product does not carry contradicts nothing."""
    product = _field(item, ("product",), where, dict)
    attrs = _field(item, ("product", "attributes"), where, dict)
    for f in filters:
        have = product.get(f["Field"]) if f["Field"] == "productFamily" else \
            attrs.get(f["Field"], attrs.get(f["Field"].lower()))  # servicecode, lower-cased
        if have is not None and have != f["Value"]:
            return True
    return False


def _fetch(client: Any, service: str, region: str, engine: str | None, today: dt.date
           ) -> tuple[list[dict[str, str]], list[str]]:
    """The rows AWS prices, and the keys it lists only at 0 USD (``key (sku ...)``)."""
    kind = REFRESHABLE[service][0]
    key_columns = TABLE_SCHEMAS[kind].key
    rows: dict[tuple[str, ...], dict[str, str]] = {}
    zero: dict[tuple[str, ...], str] = {}
    for q, filters in enumerate(product_filters(service, region, engine)):
        for where, item in price_list_items(client, service, filters, q):
            if _contradicts(item, filters, where):
                continue
            usage = str(_field(item, ("product", "attributes"), where, dict)
                        .get("usagetype", ""))
            if "ExtendedSupport" in usage:
                continue  # ElastiCache extended-support surcharges are not node prices
            row = _row(service, region, item, where, today)
            key = tuple(row[c] for c in key_columns)
            if Decimal(row["usd_per_hour"]) == 0:
                # as Karpenter: a $0 on-demand dimension is not an offer (a type not sold on
                # demand there); never a $0 row, and said, as its old row goes with the region's
                zero[key] = f"sku {_field(item, ('product',), where, dict).get('sku', '?')}"
                continue
            if key in rows and rows[key]["usd_per_hour"] != row["usd_per_hour"]:
                raise PricingError(f"{where}: two prices for {'/'.join(key)}: "
                                   f"{rows[key]['usd_per_hour']} and {row['usd_per_hour']};"
                                   " the filters must match one product per key")
            rows[key] = row
    if not rows:
        raise PricingError(f"no {service} on-demand prices returned for region {region!r}"
                           f"{f' and engine {engine!r}' if engine else ''}; check the region "
                           "code; tables unchanged")
    return list(rows.values()), [f"{'/'.join(k)} ({sku})" for k, sku in sorted(zero.items())
                                 if k not in rows]


def _csv_text(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def check_engine(service: str, engine: str | None) -> str:
    """The table kind ``service`` refreshes, once ``engine`` is what it takes: RDS and
    ElastiCache one of their Price List engine names, EC2 none. Checked before any AWS client
    is made (the CLI calls it first), so a missing ``--engine`` is said before a profile or
    credential error."""
    if service not in REFRESHABLE:
        raise PricingError(f"cannot refresh {service!r}; refreshable services: "
                           f"{', '.join(REFRESHABLE)}")
    kind, engines = REFRESHABLE[service]
    if engines and engine not in engines:
        # without --engine this said "..., not None"
        given = f", not {engine!r}" + did_you_mean(engine, engines, list_choices=False) \
            if engine is not None else ""
        raise PricingError(f"{service} needs --engine, one of {', '.join(engines)} (Price List "
                           f"names){given}")
    if not engines and engine:
        raise PricingError(f"{service} takes no --engine")
    return kind


def refresh_table(service: str, region: str, *, data_dir: str | Path,
                  engine: str | None = None, client: Any = None,
                  today: dt.date | None = None) -> RefreshResult:
    """Refresh one region (and engine, for RDS / ElastiCache) of a table in ``data_dir`` from
    the Price List API and write ``<kind>_<newest as_of>.csv`` atomically. ``client`` defaults
    to :func:`pricing_client` (tests pass a botocore-stubbed one); ``today`` (UTC, default the
    clock's) bounds the items' publicationDate."""
    kind = check_engine(service, engine)
    check_refresh_region(region, f"refreshing {service} prices")
    data_dir = Path(data_dir)
    old_path, old_rows = writable_table(data_dir, kind)
    with aws_errors(service, region):
        new_rows, zero = _fetch(client if client is not None else pricing_client(), service,
                                region, engine,
                                dt.datetime.now(dt.UTC).date() if today is None else today)

    def replaced(fields: Mapping[str, str]) -> bool:
        return fields["region"] == region and (engine is None or fields["engine"] == engine)

    kept = [dict(r.fields) for r in old_rows if not replaced(r.fields)]
    result = write_merged(data_dir, kind, old_path, kept, new_rows)
    return dataclasses.replace(result, zero_priced=tuple(zero))


def writable_table(data_dir: Path, kind: str) -> tuple[Path | None, list[PriceRow]]:
    """The newest ``kind`` table of ``data_dir`` (``None`` when there is none) and its rows,
    after checking that a new table can be written there: before the fetch, since a read-only
    folder failed only at the write, after the AWS calls."""
    old_path = find_tables(data_dir).get(kind)
    old_rows = list(read_price_table(old_path, kind)[2].values()) if old_path else []
    try:
        check_can_replace(data_dir / f"{kind}_refresh.csv")
    except OSError as exc:
        raise PricingError(f"cannot write a {kind} table in {data_dir}: {exc.strerror or exc}; "
                           "pass a writable --pricing-dir (a copy of pricing_data/); tables "
                           "unchanged") from None
    return old_path, old_rows


@contextlib.contextmanager
def aws_errors(service: str, region: str) -> Iterator[None]:
    """Turn what fetching raises into one PricingError line: botocore's credential, network and
    API errors via :func:`_aws_error`, and a malformed answer saying what was refreshed and that
    nothing was written."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise _aws_error(exc, service, region) from None
    except PricingError as exc:  # a malformed answer: say what was refreshed, and that nothing was
        text = str(exc)
        if not text.endswith("tables unchanged"):
            text = f"refreshing {service} prices for {region}: {text}; tables unchanged"
        raise PricingError(text) from None


def write_merged(data_dir: Path, kind: str, old_path: Path | None,
                 kept: list[dict[str, str]], new_rows: list[dict[str, str]],
                 check: Callable[[Path], object] | None = None) -> RefreshResult:
    """Write ``kept + new_rows``, sorted by key, as ``<kind>_<newest as_of>.csv`` in
    ``data_dir`` atomically: the exact bytes are validated as a ``kind`` table (and by
    ``check``, given the temporary file) before they are renamed into place."""
    schema = TABLE_SCHEMAS[kind]

    def key(row: Mapping[str, str]) -> tuple[Any, ...]:
        # a tier_start sorts as a number: "10240" after "0", not before "153600"
        return tuple(Decimal(row[c] or 0) if c == "tier_start" else row[c] for c in schema.key)

    merged = sorted(kept + new_rows, key=key)
    final = data_dir / f"{kind}_{max(r['as_of'] for r in merged)}.csv"

    def validate(tmp: Path) -> None:
        read_price_table(tmp, kind)
        if check is not None:
            check(tmp)

    replace_file(final, _csv_text(schema.columns, merged).encode("utf-8"), validate=validate)
    superseded = old_path if old_path is not None and old_path != final else None
    return RefreshResult(final, len(new_rows), len(kept), superseded)
