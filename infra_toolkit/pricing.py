"""AWS price tables (``pricing_data/``) loaded into an immutable price book, with lookups that
say what is missing and what is near, after the user's overrides (discounts, negotiated / spot /
Savings Plan / reserved rates) that the public list does not hold.

Tables are CSV files named ``<kind>_<YYYY-MM-DD>.csv``; the date is the newest ``as_of`` of the
file's rows, and the loader takes the newest file of each kind. Every row carries ``source`` and
``as_of``. Column layouts and reading are in :mod:`infra_toolkit.pricing_tables`; the overrides
file (format in ``pricing_data/README.md``) is read by :mod:`infra_toolkit.pricing_overrides`.

A lookup returns a :class:`Price` that remembers the table row (file, line, key) it came from.
A missing key raises :class:`~infra_toolkit.errors.PriceNotFound` naming the service, region and
key asked for, and the nearest keys the tables do have (its fixes are
:mod:`infra_toolkit.pricing_fixes`); the user's own rates and rows are checked as the book loads
by :mod:`infra_toolkit.own_price_checks`. ``refresh_command``, ``unpriced_region_fix`` and
``WHERE_OWN_PRICES`` are defined in :mod:`infra_toolkit.pricing_fixes` and stay part of this
module's public API (``__all__``, pinned by tests/test_pricing.py).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from infra_toolkit.cpu_credits import CreditSpec
from infra_toolkit.errors import PriceNotFound, PricingError
from infra_toolkit.own_price_checks import check_merged_tiers, check_rate_names, check_tier_rates
from infra_toolkit.pricing_fixes import (
    OWN_ROW_FIX,
    WHERE_OWN_PRICES,
    nearest_values,
    price_item_text,
    refresh_command,
    region_fix,
    unpriced_region_fix,
)
from infra_toolkit.pricing_overrides import (
    PURCHASE_OPTIONS,
    Overrides,
    Rate,
    check_key_values,
    read_overrides,
)
from infra_toolkit.pricing_tables import (
    TABLE_SCHEMAS,
    PriceRow,
    TableRef,
    TableSchema,
    find_tables,
    read_price_table,
    table_kind,
)

__all__ = [
    "DEFAULT_PRICING_DIR",
    "InstanceSpec",
    "Price",
    "PriceBook",
    "WHERE_OWN_PRICES",
    "load_price_book",
    "refresh_command",
    "unpriced_region_fix",
]

DEFAULT_PRICING_DIR = Path(__file__).resolve().parent.parent / "pricing_data"
# Kinds a price book loads (the CNY table is validated by tests but never mixed into USD).
_BOOK_KINDS = ("ec2_on_demand", "ec2_instance_specs", "rds_on_demand", "elasticache_on_demand",
               "other_services", "elb_lcu_dimensions", "ec2_burstable_credits")


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
            parts.append(f"minus {self.discount_pct:f}% discount")  # 1e1 (YAML) as 10
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


@dataclass(frozen=True)
class PriceBook:
    """Every loaded table (``kind -> key -> row``, read-only mappings), the files read, the
    user's overrides, and where each row of the user's own tables was written (``own_rows``:
    ``(file: line N, kind, key)``, for the warning on a row no cost line asks for), and the
    shipped row each of those replaced (``replaced_rows``: ``(kind, key) -> row``, for the
    warning on a price far above it). Build it with :func:`load_price_book`."""

    tables: Mapping[str, Mapping[tuple[str, ...], PriceRow]]
    tables_used: tuple[TableRef, ...]
    overrides: Overrides = field(default_factory=Overrides)
    own_rows: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    replaced_rows: Mapping[tuple[str, tuple[str, ...]], PriceRow] = field(
        default_factory=dict)

    def _schema(self, kind: str) -> TableSchema:
        if kind not in self.tables:
            raise PricingError(f"no {kind} table loaded; tables: {', '.join(self.tables)}")
        return TABLE_SCHEMAS[kind]

    def table_names(self, kind: str) -> str:
        """The file names of the ``kind`` tables loaded (shipped, then the user's), as messages
        name them."""
        return ", ".join(t.name for t in self.tables_used if table_kind(t.name) == kind) or kind

    def regions_pricing(self, kind: str, **key: str) -> tuple[str, ...]:
        """The regions whose ``kind`` rows price ``key`` but for its region (a tier's start
        aside), sorted: where an item missing in ``key``'s region is priced; empty for a table
        without a region column or an item no region prices."""
        named = [c for c in self._schema(kind).key if c != "tier_start"]
        if named[0] != "region":
            return ()
        rest = tuple(key.get(c, "") for c in named[1:])
        return tuple(sorted({k[0] for k in self.tables[kind] if k[1:len(named)] == rest}))

    def _missing(self, kind: str, key: Mapping[str, str], what: str) -> PriceNotFound:
        """A PriceNotFound for ``key``: when the rest of the key is priced in other regions, it
        lists those regions; otherwise it names the first key field without a match and the
        nearest values among rows that match the fields before it."""
        schema = TABLE_SCHEMAS[kind]
        # instance specs and LCU sizes are figures a price needs, not prices themselves
        noun = "row" if kind in ("ec2_instance_specs", "elb_lcu_dimensions") else "price"
        keys = self.tables[kind].keys()
        named = [c for c in schema.key if c != "tier_start"]
        asked = ", ".join(f"{c}={key[c]}" for c in named if key.get(c))
        where = self.table_names(kind)
        regions = self.regions_pricing(kind, **key)
        if regions:  # a China region's fix says why (pricing_fixes)
            reason = (f"{where}: region {key.get('region')!r} is not priced; regions with "
                      f"this price: {', '.join(regions)}. " + region_fix(kind, key))
            return PriceNotFound(f"no {what} {noun} for {asked} in {reason}", reason)
        rows: Iterable[tuple[str, ...]] = keys
        for i, column in enumerate(named):
            value = key.get(column, "")
            values = {k[i] for k in rows}
            if value in values:
                rows = [k for k in rows if k[i] == value]
                continue
            prefix = ", ".join(f"{c}={key[c]}" for c in named[:i] if key.get(c))
            scope = f" for {prefix}" if prefix else ""
            close, count = nearest_values(value, values)
            if column == "region":
                listed = f"regions in the table: {', '.join(sorted(values))}"
            elif close:
                listed = f"nearest {column}: {', '.join(close)}"
            else:
                listed = f"{count} {column} values exist{scope}, none close"
            if column == "item_id" and all(k[i] != value for k in keys):
                # no row anywhere: a known gap (pricing_data/README.md) the cost model asked for,
                # or a misspelt id (pricing lookup), which the nearest ids above show
                listed += f"; no table prices {value!r} in any region: {OWN_ROW_FIX}"
            reason = f"{where}: {column} {value!r} not found{scope}; {listed}"
            return PriceNotFound(f"no {what} {noun} for {asked} in {reason}", reason)
        return PriceNotFound(f"no {what} {noun} for {asked} in {where}")

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
            raise self._missing(kind, key, price_item_text(kind, key))
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
        if purchase_option != "on_demand":
            # whether the region's list price is loaded or not, only a rate prices it (a
            # refresh of the region, once the fix said, fetches on-demand prices only)
            raise PriceNotFound(
                f"no {purchase_option} rate for {price_item_text(kind, key)} "
                f"{'/'.join(k for k in tup if k)}: the public tables hold on-demand list prices "
                f"only; add a rates entry with purchase_option: {purchase_option} to an "
                "overrides file (format in pricing_data/README.md)")
        if listed is None:
            raise self._missing(kind, key, price_item_text(kind, key) + (
                "" if kind == "other_services" else " on-demand"))
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
            # no tier rows here (a region the tables lack): one user rate for the whole
            # quantity (written without tier_start, or from 0) prices it flat
            flat = [r for r in self.overrides.rates if r.kind == kind
                    and r.purchase_option == "on_demand" and r.key[:-1] == prefix
                    and r.key[-1] in ("", "0")]
            if len(flat) == 1:
                return (Price(flat[0].usd_per_unit, schema.unit or "", None, flat[0]),)
            raise self._missing(kind, {**key, "tier_start": "0"}, price_item_text(kind, key))
        return tuple(self.lookup(kind, tier_start=s, **key) for s in starts)

    def regions(self) -> tuple[str, ...]:
        """Every region a price table row or a user rate names, sorted."""
        return self._regions

    @functools.cached_property
    def _regions(self) -> tuple[str, ...]:
        # once a book (it is immutable): each plan check asked, a pass over 20,000 rows
        rows = {k[0] for t, keys in self.tables.items() for k in keys
                if TABLE_SCHEMAS[t].key[0] == "region"}
        rated = {r.key[0] for r in self.overrides.rates if TABLE_SCHEMAS[r.kind].key[0] == "region"}
        return tuple(sorted(rows | rated))

    def values(self, kind: str, column: str, **prefix: str) -> tuple[str, ...]:
        """Sorted distinct values of ``column`` among rows matching ``prefix``."""
        asked = (kind, column, tuple(sorted(prefix.items())))
        if asked not in self._values_asked:
            # kept (the book is immutable): a plan check asks once per resource item, each a
            # pass over up to 14,000 rows
            schema = self._schema(kind)
            idx = schema.key.index(column)
            want = {schema.key.index(c): v for c, v in prefix.items()}
            self._values_asked[asked] = tuple(sorted({
                k[idx] for k in self.tables[kind] if all(k[i] == v for i, v in want.items())}))
        return self._values_asked[asked]

    @functools.cached_property
    def _values_asked(self) -> dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[str, ...]]:
        return {}

    def nearest(self, kind: str, column: str, value: str, **prefix: str) -> list[str]:
        """Up to five values of ``column`` closest to ``value`` (difflib), for "did you mean"."""
        return nearest_values(value, self.values(kind, column, **prefix))[0]

    def instance_spec(self, instance_type: str) -> InstanceSpec:
        """vCPU, memory and max pods of an EC2 instance type."""
        row = self.row("ec2_instance_specs", instance_type=instance_type)
        f = row.fields
        return InstanceSpec(instance_type, int(f["vcpu"]), int(f["memory_mib"]),
                            int(f["max_pods_eni"]) if f["max_pods_eni"] else None, f["arch"], row)

    def credit_spec(self, instance_type: str) -> CreditSpec | None:
        """The CPU credit figures of a burstable instance type (``ec2_burstable_credits``
        tables), ``None`` for a type that bursts on no credits (not in the tables)."""
        row = self.tables["ec2_burstable_credits"].get((instance_type,))
        if row is None:
            return None
        f = row.fields
        return CreditSpec(instance_type, float(f["credits_per_hour"]),
                          float(f["max_accrued_credits"]), int(f["vcpu"]), f["default_mode"],
                          float(f["launch_credits"]))

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


# ``cost`` takes its own prices as options; a plan (validate, report, the approval commands)
# only from its own pricing section, so a fix names both


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
    own: dict[tuple[str, tuple[str, ...]], str] = {}  # a user row's key -> where it was written
    replaced: dict[tuple[str, tuple[str, ...]], PriceRow] = {}  # the shipped row it replaced
    # the unit of each other-services item the shipped table prices: the cost model's
    # quantities are in it (GB-month, hour, ...), so a user row must price the same unit
    units = {k[1:3]: row.unit for k, row in tables["other_services"].items()}
    for extra in extra_tables:
        schema, ref, rows = read_price_table(extra)
        if schema.kind not in tables:
            raise PricingError(f"{extra}: {schema.kind} tables are not used in USD price books")
        for key, row in rows.items():
            where = f"{extra}: line {row.line}"
            if (schema.kind, key) in own:
                # two of the user's tables pricing one key: the later silently won
                raise PricingError(f"{where}: key {'/'.join(k for k in key if k)} is also in "
                                   f"{own[schema.kind, key]}; keep one row per key across your "
                                   "tables")
            own[schema.kind, key] = where
            if key in tables[schema.kind]:
                replaced[schema.kind, key] = tables[schema.kind][key]
            if schema.key[0] == "region":
                check_key_values(row.fields, schema.kind, where)
            shipped_unit = units.get(key[1:3]) if schema.kind == "other_services" else None
            if shipped_unit is not None and row.unit != shipped_unit:
                # a GB-hour price read per GB-month was 730 x too small, silently
                raise PricingError(f"{where}: unit {row.unit!r}, but {key[1]} {key[2]} is priced "
                                   f"per {shipped_unit} (the shipped table's unit, in which the "
                                   f"cost model counts it); write the price per {shipped_unit}")
        tables[schema.kind].update(rows)
        used.append(ref)
    check_merged_tiers(tables["other_services"], shipped[_BOOK_KINDS.index("other_services")],
                        own)
    if overrides is None:
        book_overrides = Overrides()
    elif isinstance(overrides, Overrides):
        book_overrides = overrides
    else:
        book_overrides = read_overrides(overrides)
        data = Path(overrides).read_bytes()
        used.append(TableRef(str(overrides), Path(overrides).name,
                             hashlib.sha256(data).hexdigest(), len(book_overrides.rates)))
    check_rate_names([(r.origin, r.kind, r.key, "rate") for r in book_overrides.rates]
                      + [(where, kind, key, "row") for (kind, key), where in own.items()],
                      tables)
    check_tier_rates(book_overrides, tables["other_services"])
    frozen = MappingProxyType({kind: MappingProxyType(rows) for kind, rows in tables.items()})
    return PriceBook(frozen, tuple(used), book_overrides,
                     tuple((where, kind, key) for (kind, key), where in own.items()),
                     MappingProxyType(replaced))
