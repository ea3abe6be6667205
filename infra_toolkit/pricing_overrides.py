"""User overrides of the list prices: reading the overrides YAML file (:func:`read_overrides`)
into :class:`Overrides`, that is discounts in percent per Price List service code and
:class:`Rate` s (a negotiated on-demand, spot, Savings Plan or reserved rate replacing the list
price of one key). The file format is documented in ``pricing_data/README.md`` and in
:func:`read_overrides`; :class:`~infra_toolkit.pricing.PriceBook` applies them in its lookups.

An entry that could never apply (an unknown service code, a Terraform engine name where the
Price List name is needed, a bad deployment or region code) is refused with the file and the
entry named, rather than silently never matching.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from infra_toolkit.errors import PricingError, quoted
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.pricing_tables import (
    MAX_USD_PER_UNIT,
    TABLE_SCHEMAS,
    check_region_code,
    parse_decimal,
    read_yaml,
)

__all__ = ["PURCHASE_OPTIONS", "Overrides", "Rate", "check_key_values", "read_overrides"]

PURCHASE_OPTIONS = ("on_demand", "spot", "savings_plan", "reserved")
# Price List service codes of everything the cost model prices (other_services' ``service``
# column and the instance tables' services): discounts and rates name one of these.
_SERVICE_CODES = ("AmazonEC2", "AmazonRDS", "AmazonElastiCache", "AmazonEKS", "AWSELB",
                 "AWSDataTransfer", "AmazonCloudWatch")
# Price List engine names (RDS ``databaseEngine``, ElastiCache ``cacheEngine``) a rate may name,
# including engines the shipped tables lack (a rate is how a user fills that gap).
_PRICE_LIST_ENGINES = {
    "rds_on_demand": ("PostgreSQL", "MySQL", "MariaDB", "Aurora PostgreSQL", "Aurora MySQL",
                      "Oracle", "SQL Server", "Db2"),
    "elasticache_on_demand": ("Redis", "Valkey", "Memcached"),
}


@dataclass(frozen=True)
class Rate:
    """A user rate from an overrides file: replaces the list price for one key and purchase
    option (a negotiated on-demand rate, a spot price, a Savings Plan or reserved rate)."""

    kind: str
    key: tuple[str, ...]
    purchase_option: str
    usd_per_unit: Decimal
    source: str
    origin: str

    @property
    def ref(self) -> str:
        """Where the rate was written (``overrides.yaml: rates[i]``): the file by its name, as a
        table row's ``ref`` names its table, so a cost line's source in a report reads the same
        on every machine (``origin``, with the path as given, stays for errors)."""
        path, sep, entry = self.origin.rpartition(": rates[")
        return f"{Path(path).name}{sep}{entry}" if sep else self.origin


@dataclass(frozen=True)
class Overrides:
    """Discounts in percent off list price per Price List service code, and user rates."""

    discounts_pct: Mapping[str, Decimal] = field(default_factory=dict)
    rates: tuple[Rate, ...] = ()
    path: str = ""


# the purchase options the cost model asks each kind for: instances and node groups buy all
# four (spot from capacity_type / market_type), RDS and ElastiCache a usage.purchase_option
# (no spot), the other services only on-demand list items (EBS, NAT, LCUs, transfer, ...)
_ASKED_OPTIONS = {"ec2_on_demand": ("an EC2 instance", PURCHASE_OPTIONS),
                  "rds_on_demand": ("an RDS instance", ("on_demand", "savings_plan", "reserved")),
                  "elasticache_on_demand": ("an ElastiCache node",
                                            ("on_demand", "savings_plan", "reserved")),
                  "other_services": ("an item_id (other services)", ("on_demand",))}

_RATE_KINDS = (  # which table a rate entry targets, by the key fields it names
    ("instance_type", "ec2_on_demand"),
    ("instance_class", "rds_on_demand"),
    ("node_type", "elasticache_on_demand"),
    ("item_id", "other_services"),
)


def read_overrides(path: str | Path) -> Overrides:
    """Read a user overrides YAML file::

        version: 1
        discounts_pct:            # percent off list price, per Price List service code
          AmazonEC2: 10
        rates:                    # replace the list price of one key
          - service: AmazonEC2
            region: us-east-1
            instance_type: c5.large
            purchase_option: spot # on_demand | spot | savings_plan | reserved
            usd_per_unit: "0.034" # per hour for instances
            source: "spot price history us-east-1, 30-day mean to 2026-11-20"

    Rate keys: EC2 ``instance_type``; RDS ``engine`` (Price List name, e.g. PostgreSQL),
    ``instance_class``, ``deployment`` (single-az | multi-az); ElastiCache ``engine``,
    ``node_type``; other services ``service``, ``item_id`` (as in ``other_services_*.csv``).
    Discounts apply to list prices only; a rate is taken as final. An entry that could never
    apply (unknown service code, a Terraform engine name, a bad deployment or region code) is a
    :class:`PricingError` naming the file and the entry."""
    path = Path(path)
    doc = read_yaml(path, "overrides file", PricingError)
    if not isinstance(doc, dict):
        raise PricingError(f"{path}: expected a mapping with version, discounts_pct, rates")
    unknown = set(doc) - {"version", "discounts_pct", "rates"}
    if unknown:
        raise PricingError(f"{path}: unknown key {quoted(min(unknown))}; allowed: version, "
                           "discounts_pct, rates")
    if doc.get("version") != 1 or type(doc.get("version")) is not int:  # True == 1.0 == 1
        raise PricingError(f"{path}: version: {quoted(doc.get('version'))}; write version: 1")
    discounts: dict[str, Decimal] = {}
    raw_discounts = doc.get("discounts_pct") or {}
    if not isinstance(raw_discounts, dict):
        raise PricingError(f"{path}: discounts_pct: {quoted(raw_discounts)} must be a mapping of "
                           "service code to percent, e.g. discounts_pct: {AmazonEC2: 10}")
    for service, pct in raw_discounts.items():
        if service not in _SERVICE_CODES:
            raise PricingError(f"{path}: discounts_pct.{service}: unknown service code; use one "
                               f"of {', '.join(_SERVICE_CODES)}"
                               + did_you_mean(str(service), _SERVICE_CODES, list_choices=False))
        if isinstance(pct, bool) or not isinstance(pct, (int, float, str)):
            raise PricingError(f"{path}: discounts_pct.{service}: {quoted(pct)} must be a number "
                               "of percent, e.g. 10")
        value = parse_decimal(str(pct), f"{path}: discounts_pct.{service}",
                              "10 (percent off list price)")
        if value >= 100:
            raise PricingError(f"{path}: discounts_pct.{service}: {pct} must be below 100")
        discounts[str(service)] = value
    raw_rates = doc.get("rates") or []
    if not isinstance(raw_rates, list):
        raise PricingError(f"{path}: rates: {quoted(raw_rates)} must be a list of rate entries "
                           "(each starting with '- ')")
    rates = tuple(_read_rate(entry, f"{path}: rates[{i}]") for i, entry in enumerate(raw_rates))
    seen: dict[tuple[Any, ...], str] = {}
    for rate in rates:
        ident = (rate.kind, rate.key, rate.purchase_option)
        if ident in seen:
            raise PricingError(f"{rate.origin}: same key and purchase_option as {seen[ident]}")
        seen[ident] = rate.origin
    return Overrides(discounts, rates, str(path))


def _read_rate(entry: Any, where: str) -> Rate:
    if not isinstance(entry, dict):
        raise PricingError(f"{where}: expected a mapping")
    kind = next((k for f, k in _RATE_KINDS if f in entry), None)
    if kind is None:
        raise PricingError(f"{where}: name one of instance_type, instance_class, node_type, "
                           "item_id")
    schema = TABLE_SCHEMAS[kind]
    required = [c for c in schema.key if c != "tier_start"] + ["usd_per_unit", "source"]
    allowed = set(required) | {"service", "purchase_option", "tier_start"}
    # an unknown field first: usd_per_hour (the tables' column) was told "usd_per_unit is
    # required", as if the price had been left out
    extra = sorted(set(entry) - allowed, key=str)
    if extra:
        raise PricingError(f"{where}: unknown field {quoted(extra[0])}; a {kind} rate has "
                           f"{', '.join(sorted(allowed))}"
                           + did_you_mean(str(extra[0]), allowed, list_choices=False,
                                          cutoff=0.7))
    for name in required:
        if entry.get(name) in (None, ""):
            raise PricingError(f"{where}: {name} is required for a {kind} rate")
    option = str(entry.get("purchase_option", "on_demand"))
    if option not in PURCHASE_OPTIONS:
        raise PricingError(f"{where}: purchase_option {quoted(option)}; use one of "
                           f"{', '.join(PURCHASE_OPTIONS)}")
    what, asked = _ASKED_OPTIONS[kind]
    if option not in asked:
        raise PricingError(f"{where}: purchase_option {quoted(option)}: the cost model never "
                           f"prices {what} {option} (only {', '.join(asked)}), so this rate would "
                           f"never apply; use {' or '.join(asked)}")
    for name in (*schema.key, "service", "source"):
        value = entry.get(name)
        if value is not None and not isinstance(value, (str, int, float)):
            raise PricingError(f"{where}: {name}: {quoted(value)} must be a single value, not a "
                               f"{type(value).__name__}")
    check_key_values(entry, kind, where)
    key = tuple(str(entry.get(c, "")) for c in schema.key)
    price = parse_decimal(str(entry["usd_per_unit"]), f"{where}: usd_per_unit",
                          '"0.034" (US dollars per unit)', maximum=MAX_USD_PER_UNIT)
    return Rate(kind, key, option, price, str(entry["source"]), where)


def check_key_values(entry: Mapping[str, Any], kind: str, where: str) -> None:
    """Raise a PricingError naming ``where`` for key values a lookup could never ask for (a
    rate, or a row of the user's own table, that would silently never apply): a service code
    the cost model does not price, a region that is no region code, a Terraform engine name
    where the Price List's is meant, an RDS deployment other than single-az / multi-az."""
    service = TABLE_SCHEMAS[kind].service
    given = entry.get("service")
    if service is not None and given not in (None, service):
        raise PricingError(f"{where}: service {quoted(given)} does not sell {kind} rates; write "
                           f"service: {service}")
    if service is None and given not in _SERVICE_CODES:
        raise PricingError(f"{where}: service {quoted(given)} is not a priced service code; use "
                           f"one of {', '.join(_SERVICE_CODES)}"
                           + did_you_mean(str(given), _SERVICE_CODES, list_choices=False))
    check_region_code(str(entry.get("region")), where)
    engines = _PRICE_LIST_ENGINES.get(kind, ())
    if engines and entry.get("engine") not in engines:
        raise PricingError(f"{where}: engine {quoted(entry.get('engine'))}: use the Price List "
                           f"engine name, one of {', '.join(engines)}"
                           + did_you_mean(str(entry.get("engine")), engines, list_choices=False))
    if kind == "rds_on_demand" and entry.get("deployment") not in ("single-az", "multi-az"):
        raise PricingError(f"{where}: deployment {quoted(entry.get('deployment'))}: use single-az "
                           "or multi-az")
