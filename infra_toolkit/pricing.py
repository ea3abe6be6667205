"""AWS price tables (``pricing_data/``) loaded into an immutable price book, with lookups that
say what is missing and what is near, and user overrides (discounts, negotiated / spot /
Savings Plan / reserved rates) that the public list does not hold.

Tables are CSV files named ``<kind>_<YYYY-MM-DD>.csv``; the date is the newest ``as_of`` of the
file's rows, and the loader takes the newest file of each kind. Every row carries ``source`` and
``as_of``. Column layouts and reading are in :mod:`infra_toolkit.pricing_tables`; the override
file format is documented in ``pricing_data/README.md`` and in :func:`read_overrides`.

A lookup returns a :class:`Price` that remembers the table row (file, line, key) it came from.
A missing key raises :class:`~infra_toolkit.errors.PriceNotFound` naming the service, region and
key asked for, and the nearest keys the tables do have.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from infra_toolkit.errors import PriceNotFound, PricingError
from infra_toolkit.pricing_tables import (
    TABLE_SCHEMAS,
    PriceRow,
    TableRef,
    TableSchema,
    check_region_code,
    find_tables,
    parse_decimal,
    read_price_table,
    read_yaml,
    table_kind,
)

__all__ = [
    "DEFAULT_PRICING_DIR",
    "PURCHASE_OPTIONS",
    "InstanceSpec",
    "Overrides",
    "Price",
    "PriceBook",
    "Rate",
    "load_price_book",
    "read_overrides",
]

DEFAULT_PRICING_DIR = Path(__file__).resolve().parent.parent / "pricing_data"
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
# Kinds a price book loads (the CNY table is validated by tests but never mixed into USD).
_BOOK_KINDS = ("ec2_on_demand", "ec2_instance_specs", "rds_on_demand", "elasticache_on_demand",
               "other_services", "elb_lcu_dimensions")


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
        """Where the rate was written (``file rates[i]``)."""
        return self.origin


@dataclass(frozen=True)
class Overrides:
    """Discounts in percent off list price per Price List service code, and user rates."""

    discounts_pct: Mapping[str, Decimal] = field(default_factory=dict)
    rates: tuple[Rate, ...] = ()
    path: str = ""


@dataclass(frozen=True)
class Price:
    """A unit price (``usd_per_unit`` per ``unit``) and its provenance: the list-price table row
    and, when the user's overrides changed it, the rate or the discount applied."""

    usd_per_unit: Decimal
    unit: str
    row: PriceRow | None
    rate: Rate | None = None
    discount_pct: Decimal | None = None

    @property
    def ref(self) -> str:
        """Human-readable provenance: the table row, plus the override if any."""
        parts = []
        if self.rate is not None:
            parts.append(f"rate {self.rate.ref} ({self.rate.source})")
        elif self.row is not None:
            parts.append(self.row.ref)
        if self.discount_pct is not None:
            parts.append(f"minus {self.discount_pct}% discount")
        return "; ".join(parts)


@dataclass(frozen=True)
class InstanceSpec:
    """vCPU, memory and the EKS ENI max-pods of an EC2 instance type (``max_pods_eni`` None when
    unsourced)."""

    instance_type: str
    vcpu: int
    memory_mib: int
    max_pods_eni: int | None
    arch: str
    row: PriceRow


# --------------------------------------------------------------------------------------------
# overrides


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
        raise PricingError(f"{path}: unknown key {min(unknown)!r}; allowed: version, "
                           "discounts_pct, rates")
    if doc.get("version") != 1:
        raise PricingError(f"{path}: version: {doc.get('version')!r}; write version: 1")
    discounts: dict[str, Decimal] = {}
    raw_discounts = doc.get("discounts_pct") or {}
    if not isinstance(raw_discounts, dict):
        raise PricingError(f"{path}: discounts_pct: {raw_discounts!r} must be a mapping of "
                           "service code to percent, e.g. discounts_pct: {AmazonEC2: 10}")
    for service, pct in raw_discounts.items():
        if service not in _SERVICE_CODES:
            raise PricingError(f"{path}: discounts_pct.{service}: unknown service code; use one "
                               f"of {', '.join(_SERVICE_CODES)}"
                               + _close(str(service), _SERVICE_CODES))
        if isinstance(pct, bool) or not isinstance(pct, (int, float, str)):
            raise PricingError(f"{path}: discounts_pct.{service}: {pct!r} must be a number of "
                               "percent, e.g. 10")
        value = parse_decimal(str(pct), f"{path}: discounts_pct.{service}",
                              "10 (percent off list price)")
        if value >= 100:
            raise PricingError(f"{path}: discounts_pct.{service}: {pct} must be below 100")
        discounts[str(service)] = value
    raw_rates = doc.get("rates") or []
    if not isinstance(raw_rates, list):
        raise PricingError(f"{path}: rates: {raw_rates!r} must be a list of rate entries "
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
    for name in required:
        if entry.get(name) in (None, ""):
            raise PricingError(f"{where}: {name} is required for a {kind} rate")
    extra = sorted(set(entry) - allowed)
    if extra:
        raise PricingError(f"{where}: unknown field {extra[0]!r}; a {kind} rate has "
                           f"{', '.join(sorted(allowed))}")
    option = str(entry.get("purchase_option", "on_demand"))
    if option not in PURCHASE_OPTIONS:
        raise PricingError(f"{where}: purchase_option {option!r}; use one of "
                           f"{', '.join(PURCHASE_OPTIONS)}")
    for name in (*schema.key, "service", "source"):
        value = entry.get(name)
        if value is not None and not isinstance(value, (str, int, float)):
            raise PricingError(f"{where}: {name}: {value!r} must be a single value, not a "
                               f"{type(value).__name__}")
    _check_rate_key(entry, kind, where)
    key = tuple(str(entry.get(c, "")) for c in schema.key)
    price = parse_decimal(str(entry["usd_per_unit"]), f"{where}: usd_per_unit",
                          '"0.034" (US dollars per unit)')
    return Rate(kind, key, option, price, str(entry["source"]), where)


def _close(value: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_rate_key(entry: Mapping[str, Any], kind: str, where: str) -> None:
    """Key values a lookup could never ask for (a rate that would silently never apply)."""
    service = TABLE_SCHEMAS[kind].service
    given = entry.get("service")
    if service is not None and given not in (None, service):
        raise PricingError(f"{where}: service {given!r} does not sell {kind} rates; write "
                           f"service: {service}")
    if service is None and given not in _SERVICE_CODES:
        raise PricingError(f"{where}: service {given!r} is not a priced service code; use one "
                           f"of {', '.join(_SERVICE_CODES)}"
                           + _close(str(given), _SERVICE_CODES))
    check_region_code(str(entry.get("region")), where)
    engines = _PRICE_LIST_ENGINES.get(kind, ())
    if engines and entry.get("engine") not in engines:
        raise PricingError(f"{where}: engine {entry.get('engine')!r}: use the Price List engine "
                           f"name, one of {', '.join(engines)}"
                           + _close(str(entry.get("engine")), engines))
    if kind == "rds_on_demand" and entry.get("deployment") not in ("single-az", "multi-az"):
        raise PricingError(f"{where}: deployment {entry.get('deployment')!r}: use single-az or "
                           "multi-az")


# --------------------------------------------------------------------------------------------
# the price book


def _nearest(asked: str, values: Iterable[str]) -> tuple[list[str], int]:
    pool = sorted(set(values))
    close = difflib.get_close_matches(asked, pool, n=5, cutoff=0.6)
    if not close:
        close = pool if len(pool) <= 12 else []
    return close, len(pool)


@dataclass(frozen=True)
class PriceBook:
    """Every loaded table (``kind -> key -> row``, read-only mappings), the files read, and the
    user's overrides. Build it with :func:`load_price_book`."""

    tables: Mapping[str, Mapping[tuple[str, ...], PriceRow]]
    tables_used: tuple[TableRef, ...]
    overrides: Overrides = field(default_factory=Overrides)

    def _schema(self, kind: str) -> TableSchema:
        if kind not in self.tables:
            raise PricingError(f"no {kind} table loaded; tables: {', '.join(self.tables)}")
        return TABLE_SCHEMAS[kind]

    def _table_names(self, kind: str) -> str:
        return ", ".join(t.name for t in self.tables_used if table_kind(t.name) == kind) or kind

    def _missing(self, kind: str, key: Mapping[str, str], what: str) -> PriceNotFound:
        """A PriceNotFound for ``key``: when the rest of the key is priced in other regions, it
        lists those regions; otherwise it names the first key field without a match and the
        nearest values among rows that match the fields before it."""
        schema = TABLE_SCHEMAS[kind]
        keys = self.tables[kind].keys()
        named = [c for c in schema.key if c != "tier_start"]
        asked = ", ".join(f"{c}={key[c]}" for c in named if key.get(c))
        where = self._table_names(kind)
        if schema.key[0] == "region":
            rest = tuple(key.get(c, "") for c in named[1:])
            regions = sorted({k[0] for k in keys if k[1:len(named)] == rest})
            if regions:
                hint = ("China regions are priced in CNY and never mixed into USD totals. "
                        if key.get("region", "").startswith("cn-") else "")
                return PriceNotFound(
                    f"no {what} price for {asked} in {where}: region {key.get('region')!r} is "
                    f"not priced; regions with this price: {', '.join(regions)}. {hint}Refresh "
                    "the table for your region (infra-toolkit pricing refresh) or add a rate in "
                    "an overrides file (see pricing_data/README.md)")
        rows: Iterable[tuple[str, ...]] = keys
        for i, column in enumerate(named):
            value = key.get(column, "")
            values = {k[i] for k in rows}
            if value in values:
                rows = [k for k in rows if k[i] == value]
                continue
            prefix = ", ".join(f"{c}={key[c]}" for c in named[:i] if key.get(c))
            scope = f" for {prefix}" if prefix else ""
            close, count = _nearest(value, values)
            if column == "region":
                listed = f"regions in the table: {', '.join(sorted(values))}"
            elif close:
                listed = f"nearest {column}: {', '.join(close)}"
            else:
                listed = f"{count} {column} values exist{scope}, none close"
            return PriceNotFound(f"no {what} price for {asked} in {where}: {column} {value!r} "
                                 f"not found{scope}; {listed}")
        return PriceNotFound(f"no {what} price for {asked} in {where}")

    def _key(self, kind: str, key: dict[str, str]) -> tuple[str, ...]:
        """The row key for ``key`` (``tier_start`` defaults to '' in other_services)."""
        schema = self._schema(kind)
        if kind == "other_services":
            key.setdefault("tier_start", "")
        unknown = set(key) - set(schema.key)
        if unknown:
            raise PricingError(f"{kind} has no key column {min(unknown)!r}; key columns: "
                               f"{', '.join(schema.key)}")
        return tuple(key.get(c, "") for c in schema.key)

    def row(self, kind: str, **key: str) -> PriceRow:
        """The table row for an exact key (``tier_start`` defaults to '' in other_services)."""
        found = self.tables[kind].get(self._key(kind, key))
        if found is None:
            raise self._missing(kind, key, _what(kind, key))
        return found

    def lookup(self, kind: str, purchase_option: str = "on_demand", **key: str) -> Price:
        """The unit price for ``key`` in a table, after the user's overrides: a matching rate
        replaces the list price; otherwise the service's discount applies to it. Raises
        :class:`PriceNotFound` (nearest keys listed) when neither exists."""
        schema = self._schema(kind)
        if purchase_option not in PURCHASE_OPTIONS:
            raise PricingError(f"purchase option {purchase_option!r}; use one of "
                               f"{', '.join(PURCHASE_OPTIONS)}")
        tup = self._key(kind, key)
        listed = self.tables[kind].get(tup)
        for rate in self.overrides.rates:
            if rate.kind == kind and rate.key == tup and rate.purchase_option == purchase_option:
                unit = listed.unit if listed else schema.unit or ""
                return Price(rate.usd_per_unit, unit, listed, rate)
        if listed is None:
            option = purchase_option.replace("_", "-")
            what = _what(kind, key) + ("" if kind == "other_services" else f" {option}")
            raise self._missing(kind, key, what)
        if purchase_option != "on_demand":
            raise PriceNotFound(
                f"no {purchase_option} rate for {_what(kind, key)} "
                f"{'/'.join(k for k in tup if k)}: the public tables hold on-demand list prices "
                f"only; add a rates entry with purchase_option: {purchase_option} to an "
                "overrides file (format in pricing_data/README.md)")
        service = schema.service or key.get("service", "")
        pct = self.overrides.discounts_pct.get(service)
        if pct is None:
            return Price(listed.amount, listed.unit, listed)
        return Price(listed.amount * (100 - pct) / 100, listed.unit, listed, None, pct)

    def tiers(self, kind: str, **key: str) -> tuple[Price, ...]:
        """Every tier row of a tiered other-services item, lowest ``tier_start`` first (each
        price with its row's ``tier_start``/``tier_end`` in ``row.fields``)."""
        schema = self._schema(kind)
        prefix = tuple(key.get(c, "") for c in schema.key[:-1])
        starts = sorted((k[-1] for k in self.tables[kind] if k[:-1] == prefix and k[-1]),
                        key=Decimal)
        if not starts:
            raise self._missing(kind, {**key, "tier_start": "0"}, _what(kind, key))
        return tuple(self.lookup(kind, tier_start=s, **key) for s in starts)

    def values(self, kind: str, column: str, **prefix: str) -> tuple[str, ...]:
        """Sorted distinct values of ``column`` among rows matching ``prefix``."""
        schema = self._schema(kind)
        idx = schema.key.index(column)
        want = {schema.key.index(c): v for c, v in prefix.items()}
        return tuple(sorted({k[idx] for k in self.tables[kind]
                             if all(k[i] == v for i, v in want.items())}))

    def nearest(self, kind: str, column: str, value: str, **prefix: str) -> list[str]:
        """Up to five values of ``column`` closest to ``value`` (difflib), for "did you mean"."""
        return _nearest(value, self.values(kind, column, **prefix))[0]

    def instance_spec(self, instance_type: str) -> InstanceSpec:
        """vCPU, memory and max pods of an EC2 instance type."""
        row = self.row("ec2_instance_specs", instance_type=instance_type)
        f = row.fields
        return InstanceSpec(instance_type, int(f["vcpu"]), int(f["memory_mib"]),
                            int(f["max_pods_eni"]) if f["max_pods_eni"] else None, f["arch"], row)

    def lcu_dimensions(self, load_balancer_type: str, protocol: str) -> dict[str, Decimal]:
        """How much of each dimension one LCU (ALB) or NLCU (NLB) contains, by dimension name
        (``new_connections`` per s, ``active_connections`` per minute, ``processed_bytes`` GB per
        hour, ``rule_evaluations`` per s)."""
        found = {k[2]: row.amount for k, row in self.tables["elb_lcu_dimensions"].items()
                 if k[0] == load_balancer_type and k[1] == protocol}
        if not found:
            raise self._missing("elb_lcu_dimensions", {"load_balancer_type": load_balancer_type,
                                                       "protocol": protocol, "dimension": "?"},
                                "load balancer capacity unit")
        return found


def _what(kind: str, key: Mapping[str, str]) -> str:
    option = {"ec2_on_demand": "AmazonEC2 instance", "rds_on_demand": "AmazonRDS instance",
              "elasticache_on_demand": "AmazonElastiCache node",
              "ec2_instance_specs": "EC2 instance spec",
              "elb_lcu_dimensions": "load balancer capacity unit"}
    return option.get(kind, f"{key.get('service', '')} {key.get('item_id', '')}".strip())


def load_price_book(data_dir: str | Path | None = None,
                    extra_tables: Sequence[str | Path] = (),
                    overrides: str | Path | Overrides | None = None) -> PriceBook:
    """Load the newest table of each kind from ``data_dir`` (default: the repository's
    ``pricing_data/``), then the user's own tables (same layouts; their rows add to or replace
    shipped rows with the same key), then an overrides file. Every file read is listed in
    ``tables_used`` with its SHA-256.

    Books are immutable and cached by the path and SHA-256 of every file they read, so the
    validator, the digest, the review subject and the report share one parse per process, and
    a changed file is a new book."""
    found = find_tables(data_dir if data_dir is not None else DEFAULT_PRICING_DIR)
    missing = [k for k in _BOOK_KINDS if k not in found]
    if missing:
        raise PricingError(f"no {missing[0]}_<YYYY-MM-DD>.csv table in "
                           f"{data_dir or DEFAULT_PRICING_DIR}")
    shipped = tuple(found[kind] for kind in _BOOK_KINDS)
    extras = tuple(Path(t) for t in extra_tables)
    if isinstance(overrides, Overrides):
        return _build_book(shipped, extras, overrides)
    files = [*shipped, *extras, *([Path(overrides)] if overrides is not None else [])]
    try:
        key = tuple((str(p), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files)
    except OSError:
        # the readers below name the missing or unreadable file in their own error
        return _build_book(shipped, extras, overrides)
    return _cached_book(key, shipped, extras, overrides)


@functools.lru_cache(maxsize=8)
def _cached_book(key: tuple[tuple[str, str], ...], shipped: tuple[Path, ...],
                 extras: tuple[Path, ...], overrides: str | Path | None) -> PriceBook:
    # ``key`` (every input file and its SHA-256) makes a changed file a new cache entry.
    return _build_book(shipped, extras, overrides)


def _build_book(shipped: tuple[Path, ...], extra_tables: tuple[Path, ...],
                overrides: str | Path | Overrides | None) -> PriceBook:
    tables: dict[str, dict[tuple[str, ...], PriceRow]] = {}
    used: list[TableRef] = []
    for kind, path in zip(_BOOK_KINDS, shipped, strict=True):
        _, ref, rows = read_price_table(path, kind)
        tables[kind] = dict(rows)
        used.append(ref)
    for extra in extra_tables:
        schema, ref, rows = read_price_table(extra)
        if schema.kind not in tables:
            raise PricingError(f"{extra}: {schema.kind} tables are not used in USD price books")
        tables[schema.kind].update(rows)
        used.append(ref)
    if overrides is None:
        book_overrides = Overrides()
    elif isinstance(overrides, Overrides):
        book_overrides = overrides
    else:
        book_overrides = read_overrides(overrides)
        data = Path(overrides).read_bytes()
        used.append(TableRef(str(overrides), Path(overrides).name,
                             hashlib.sha256(data).hexdigest(), len(book_overrides.rates)))
    frozen = MappingProxyType({kind: MappingProxyType(rows) for kind, rows in tables.items()})
    return PriceBook(frozen, tuple(used), book_overrides)
