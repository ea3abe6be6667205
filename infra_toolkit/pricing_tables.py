"""The price tables of ``pricing_data/``: their column layouts, reading one CSV with errors
that name file, line and column, and finding the newest ``<kind>_<YYYY-MM-DD>.csv`` of each
kind. The file's date is the newest ``as_of`` of its rows."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.cpu_credits import CREDIT_MODES
from infra_toolkit.errors import PricingError, clipped, not_utf8, quoted
from infra_toolkit.plan_yaml import (
    PlanLoader,
    PricesLoader,
    StructureError,
    refused_character,
    yaml_line_index,
)

__all__ = [
    "MAX_USD_PER_UNIT",
    "PRICE_LIST_SOURCE",
    "TABLE_SCHEMAS",
    "PriceRow",
    "TableRef",
    "TableSchema",
    "check_region_code",
    "find_tables",
    "parse_decimal",
    "read_price_table",
    "read_yaml",
    "table_kind",
    "tier_gap",
]

#: How the ``source`` of a row ``pricing refresh`` fetched from the AWS Price List starts (then
#: the service, region, usage type, SKU and offer): a price AWS lists for a key AWS has.
PRICE_LIST_SOURCE = "AWS Price List API GetProducts"

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # ASCII: \d also matched "２０26"


@dataclass(frozen=True)
class TableSchema:
    """The columns of one kind of table: ``key`` identifies a row, ``amount`` is its number
    (a price, or an LCU dimension), ``unit`` a fixed unit or ``None`` when a ``unit`` column
    holds it; ``numeric`` columns must parse as decimals (``optional`` ones may be empty)."""

    kind: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    amount: str | None
    unit: str | None
    service: str | None
    numeric: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


TABLE_SCHEMAS: dict[str, TableSchema] = {
    s.kind: s
    for s in (
        TableSchema("ec2_on_demand", ("region", "instance_type", "usd_per_hour", "source", "as_of"),
                    ("region", "instance_type"), "usd_per_hour", "hour", "AmazonEC2"),
        TableSchema("ec2_on_demand_cny",
                    ("region", "instance_type", "cny_per_hour", "source", "as_of"),
                    ("region", "instance_type"), "cny_per_hour", "hour", "AmazonEC2"),
        TableSchema("ec2_instance_specs",
                    ("instance_type", "vcpu", "memory_mib", "max_pods_eni", "arch", "source",
                     "as_of"),
                    ("instance_type",), None, None, None,
                    numeric=("vcpu", "memory_mib", "max_pods_eni"), optional=("max_pods_eni",)),
        TableSchema("rds_on_demand",
                    ("region", "engine", "instance_class", "deployment", "usd_per_hour", "source",
                     "as_of"),
                    ("region", "engine", "instance_class", "deployment"), "usd_per_hour", "hour",
                    "AmazonRDS"),
        TableSchema("elasticache_on_demand",
                    ("region", "engine", "node_type", "usd_per_hour", "source", "as_of"),
                    ("region", "engine", "node_type"), "usd_per_hour", "hour",
                    "AmazonElastiCache"),
        TableSchema("other_services",
                    ("region", "service", "item_id", "description", "unit", "usd_per_unit",
                     "tier_start", "tier_end", "source", "as_of"),
                    ("region", "service", "item_id", "tier_start"), "usd_per_unit", None, None,
                    numeric=("tier_start", "tier_end"), optional=("tier_start", "tier_end")),
        TableSchema("elb_lcu_dimensions",
                    ("load_balancer_type", "protocol", "dimension", "per_lcu", "unit", "source",
                     "as_of"),
                    ("load_balancer_type", "protocol", "dimension"), "per_lcu", None, None),
        TableSchema("ec2_burstable_credits",
                    ("instance_type", "credits_per_hour", "max_accrued_credits", "vcpu",
                     "baseline_pct_per_vcpu", "default_mode", "launch_credits", "source",
                     "as_of"),
                    ("instance_type",), None, None, None,
                    numeric=("credits_per_hour", "max_accrued_credits", "vcpu",
                             "baseline_pct_per_vcpu", "launch_credits")),
    )
}


@dataclass(frozen=True)
class TableRef:
    """A table file a price book read: where, its SHA-256 and how many rows."""

    path: str
    name: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class PriceRow:
    """One table row: ``amount`` in ``unit`` (USD per unit for prices), where it came from."""

    table: str
    line: int
    key: tuple[str, ...]
    amount: Decimal
    unit: str
    source: str
    as_of: str
    fields: Mapping[str, str] = field(compare=False, repr=False)

    @property
    def ref(self) -> str:
        """``file line N: key/parts`` for reports."""
        return f"{self.table} line {self.line}: {'/'.join(k for k in self.key if k)}"


#: The largest unit price (USD per hour, GB, request ...) a table or override may hold. The
#: dearest rows shipped are about $361 an hour (EC2) and $206 (RDS); a million is a typo (a
#: misplaced decimal point, a yearly sum), and far larger ones (1e308) overflowed the cents
#: arithmetic of ``cost`` with a ``decimal.InvalidOperation`` traceback.
MAX_USD_PER_UNIT = Decimal(1_000_000)


def parse_decimal(text: str, where: str, example: str = "0.0416",
                  maximum: Decimal | None = None) -> Decimal:
    """``text`` as a finite Decimal >= 0 (and at most ``maximum``, a price's
    :data:`MAX_USD_PER_UNIT`), or a PricingError naming ``where`` (the file, line and column of
    a table, or the key of a YAML file) and how to write it (``example``)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise PricingError(f"{where}: {quoted(text)} is not a decimal number; "
                           f"write it like {example}") from None
    if not value.is_finite() or value < 0:
        raise PricingError(f"{where}: {quoted(text)} must be a finite number >= 0")
    value += 0  # "-0" is 0: Decimal('-0') was kept and priced lines printed "-0"
    if maximum is not None and value > maximum:
        raise PricingError(f"{where}: {quoted(text)} is above {maximum:,} US dollars per unit, "
                           "more than any AWS unit price; write the price of one unit (an hour, a "
                           f"GB) like {example}")
    return value


def _schema_for_header(header: Sequence[str], path: Path, kind: str | None) -> TableSchema:
    if kind is not None:
        schema = TABLE_SCHEMAS[kind]
        missing = [c for c in schema.columns if c not in header]
        if missing:
            raise PricingError(
                f"{path}: line 1: missing column {missing[0]!r} for a {kind} table "
                f"(header is {clipped(','.join(header))}; expected {','.join(schema.columns)})")
        return schema
    for schema in TABLE_SCHEMAS.values():
        if set(schema.columns) == set(header):
            return schema
    expected = "; ".join(f"{s.kind}: {','.join(s.columns)}" for s in TABLE_SCHEMAS.values())
    raise PricingError(f"{path}: line 1: header {clipped(','.join(header))} matches no pricing "
                       f"table layout; use one of: {expected}")


def read_price_table(path: str | Path, kind: str | None = None
                     ) -> tuple[TableSchema, TableRef, dict[tuple[str, ...], PriceRow]]:
    """Read and validate one table CSV. ``kind`` (a key of :data:`TABLE_SCHEMAS`) is inferred
    from the header when omitted. Raises :class:`PricingError` naming file, line and column for
    a missing column, a non-numeric or negative number, an empty key/source/as_of, a bad date or
    a duplicate key."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PricingError(f"cannot read pricing table {path}: {exc.strerror or exc}") from None
    schema, ref, rows = _parse_price_table(str(path), kind, data)
    return schema, ref, dict(rows)  # a copy: the parse is shared


@functools.lru_cache(maxsize=16)
def _parse_price_table(path_text: str, kind: str | None, data: bytes
                       ) -> tuple[TableSchema, TableRef, dict[tuple[str, ...], PriceRow]]:
    """:func:`read_price_table` of the bytes ``data`` read from ``path_text``, parsed once per
    path and content: a book with a user's table or overrides (a new book) re-read every shipped
    table, 20,000 rows and about a second each time. Its rows are frozen; callers get a copy
    of the dict."""
    path = Path(path_text)
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte order mark
    except UnicodeDecodeError as exc:
        raise PricingError(f"{path} {not_utf8(exc)}; save the table as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise PricingError(f"{path}: empty file; a pricing table needs a header row")
    header = [c.strip() for c in header]  # "region, instance_type": the cells are stripped too
    twice = next((c for c in header if header.count(c) > 1), None)
    if twice is not None:  # the first of the two was read and the other silently ignored
        raise PricingError(f"{path}: line 1: column {twice!r} is in the header "
                           f"{header.count(twice)} times; keep one and delete the others")
    schema = _schema_for_header(header, path, kind)
    index = {c: header.index(c) for c in schema.columns}
    rows: dict[tuple[str, ...], PriceRow] = {}
    first_line: dict[tuple[Any, ...], int] = {}
    try:
        for record in reader:
            _read_row(path, schema, header, index, record, reader.line_num, rows, first_line)
    except csv.Error as exc:  # a field over the csv module's limit was a _csv.Error traceback
        raise PricingError(f"{path}: line {reader.line_num}: not a readable CSV row ({exc}); "
                           "check that every quote (\") is closed") from None
    ref = TableRef(str(path), path.name, hashlib.sha256(data).hexdigest(), len(rows))
    return schema, ref, rows


def _read_row(path: Path, schema: TableSchema, header: list[str], index: dict[str, int],
              record: list[str], line: int, rows: dict[tuple[str, ...], PriceRow],
              first_line: dict[tuple[Any, ...], int]) -> None:
    """Check one record of a table and add it to ``rows`` (``first_line``: the line each key
    was first written on, a tier_start compared as a number)."""
    if not record:
        return
    where = f"{path}: line {line}"
    if len(record) != len(header):
        raise PricingError(f"{where}: {len(record)} fields, header has {len(header)}")
    values = {c: record[i].strip() for c, i in index.items()}
    for c in schema.columns:
        if not values[c] and c not in schema.optional:
            raise PricingError(f"{where}: column {c!r} is empty")
    _check_date(values["as_of"], f"{where}: column 'as_of'")
    numbers = {c: parse_decimal(values[c], f"{where}: column {c!r}")
               for c in schema.numeric if values[c]}
    if schema.kind == "ec2_instance_specs":
        _check_spec_row(values, where)
    if schema.kind == "ec2_burstable_credits":
        _check_credit_row(values, numbers, where)
    if "tier_end" in numbers and numbers["tier_end"] <= numbers.get("tier_start", Decimal(0)):
        # a tier ending at or before its start priced a negative quantity, or none
        raise PricingError(f"{where}: column 'tier_end': {quoted(values['tier_end'])} is not above "
                           f"tier_start ({values['tier_start'] or 0}); a tier covers "
                           "tier_start up to tier_end (leave tier_end empty for the last tier)")
    amount = (parse_decimal(values[schema.amount], f"{where}: column {schema.amount!r}",
                            maximum=MAX_USD_PER_UNIT) if schema.amount else Decimal(0))
    if schema.kind == "elb_lcu_dimensions" and amount == 0:
        # usage is divided by it: a decimal.DivisionByZero traceback in the LCU count
        raise PricingError(f"{where}: column 'per_lcu': {quoted(values['per_lcu'])} must be "
                           "above 0: it is how much of the dimension one capacity unit holds")
    key = tuple(values[c] for c in schema.key)
    # "0" and "0.0" are one tier_start: two rows for it would leave a tier priced twice
    same = tuple(numbers.get(c, values[c]) if c == "tier_start" else values[c]
                 for c in schema.key)
    if same in first_line:
        raise PricingError(f"{where}: duplicate key {'/'.join(key)} (first at line "
                           f"{first_line[same]}); keep one row per key")
    first_line[same] = line
    rows[key] = PriceRow(path.name, line, key, amount, schema.unit or values.get("unit", ""),
                         values["source"], values["as_of"], values)


def tier_gap(rows: Iterable[PriceRow]) -> tuple[tuple[PriceRow, ...], str] | None:
    """The first break in the tiers of an other-services item among ``rows`` (rows with a
    ``tier_start``, grouped by region, service and item_id, in tier order): a first tier not
    starting at 0, or a tier not starting where the one before ends (a gap or an overlap), as
    the rows at fault (the tier before, then the tier) and why, naming them and the fix;
    ``None`` when every item's tiers meet. The cost model walks the tiers from 0 and stops at
    the first break, which it reported as "PRICE NOT FOUND ... the table's tiers stop there",
    far from the rows at fault. Check the rows a book merges (a user's table may replace one
    tier of a shipped item: its own rows alone need not start at 0)."""
    items: dict[tuple[str, ...], list[PriceRow]] = {}
    for row in rows:
        if row.fields.get("tier_start"):
            items.setdefault(row.key[:-1], []).append(row)
    for (region, service, item), tiers in items.items():
        tiers.sort(key=lambda r: Decimal(r.fields["tier_start"]))
        what = f"{service} {item} in {region}"
        first = tiers[0]
        if Decimal(first.fields["tier_start"]) != 0:
            return (first,), (f"the first tier of {what} starts at "
                              f"{first.fields['tier_start']}, not 0, and the cost model prices "
                              f"from 0 up: write tier_start 0 on {first.table} line "
                              f"{first.line} or add the tier below it")
        for before, row in zip(tiers, tiers[1:]):
            start, end = row.fields["tier_start"], before.fields["tier_end"]
            span = f"{start}-{row.fields['tier_end'] or '(no end)'}"
            at = f"{before.table} line {before.line}"
            if Decimal(before.fields["tier_start"]) == Decimal(start):
                return (before, row), (
                    f"tier_start {start} of {what} ({row.table} line {row.line}) is also the "
                    f"start of the tier on {at}: two rows price one tier; keep one (a row "
                    f"replacing a tier writes its tier_start as {before.fields['tier_start']})")
            if not end:
                return (before, row), (
                    f"tier {span} of {what} ({row.table} line {row.line}) starts at {start} "
                    f"but the tier before ({at}, from {before.fields['tier_start']}) has no "
                    f"tier_end, so it already covers everything above: write tier_end {start} "
                    f"on {at}")
            if Decimal(end) != Decimal(start):
                return (before, row), (
                    f"tier {span} of {what} ({row.table} line {row.line}) starts at {start} "
                    f"but the tier before ({at}: {before.fields['tier_start']}-{end}) ends at "
                    f"{end}: make them meet (tier_start {end} on {row.table} line {row.line}, "
                    f"or tier_end {start} on {at})")
    return None


def _check_date(text: str, where: str) -> None:
    """``text`` is a YYYY-MM-DD calendar date (2026-02-30 matched the pattern and was kept)."""
    try:
        if _DATE.match(text):
            date.fromisoformat(text)
            return
    except ValueError:
        pass
    raise PricingError(f"{where}: {quoted(text)} is not a YYYY-MM-DD date; write the day the price "
                       "was read, like 2026-11-20")


#: The largest count an instance specs row may give (vCPUs, MiB, pods): the largest instances
#: have 896 vCPUs and 32 TiB (33,554,432 MiB), so a billion is a typo, not an instance.
_MAX_COUNT = 1_000_000_000

#: ``kubernetes.io/arch`` values an instance specs row may give (the label NodePools select on)
_ARCHES = ("amd64", "arm64")
_ARCH_ALIASES = {"x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64", "arm": "arm64"}


def _check_spec_row(values: dict[str, str], where: str) -> None:
    """An instance specs row's counts are whole numbers above 0 and its ``arch`` a Kubernetes
    architecture: the simulator reads them with ``int()`` and as the node's
    ``kubernetes.io/arch`` label (audit21 A21-9: "2.0" vCPU was a ValueError traceback, and
    ``x86_64`` an architecture no AMI type matched)."""
    for c in ("vcpu", "memory_mib", "max_pods_eni"):
        # Decimal, not int(): int() of 4,301 digits is a ValueError traceback
        if values[c] and not (values[c].isdigit() and Decimal(values[c]) > 0):
            raise PricingError(f"{where}: column {c!r}: {quoted(values[c])} is not a whole number "
                               "above 0; write it like 2" + (" (leave max_pods_eni empty when "
                                                             "unknown)" if c == "max_pods_eni"
                                                             else ""))
        if values[c] and Decimal(values[c]) > _MAX_COUNT:
            raise PricingError(f"{where}: column {c!r}: {quoted(values[c])} is above "
                               f"{_MAX_COUNT:,}, more than any instance has; write the "
                               "instance's count, like 2")
    arch = values["arch"]
    if arch not in _ARCHES:
        alias = _ARCH_ALIASES.get(arch.lower())
        hint = f" ({arch} is {alias} there)" if alias else ""
        raise PricingError(f"{where}: column 'arch': {quoted(arch)} is not amd64 or arm64, the "
                           f"kubernetes.io/arch values nodes are labelled with{hint}; write "
                           f"{alias or 'amd64 or arm64'}")


def _check_credit_row(values: dict[str, str], numbers: dict[str, Decimal], where: str) -> None:
    """A burstable credits row holds what the CPU credit model reads: credits earned and accrued
    above 0, whole vCPUs, a baseline of at most 100 %, a known default mode. Before, a 0 or an
    unknown mode failed later without file or line, and vCPUs of 2.5 were a ValueError
    traceback from ``int()``."""
    for c in ("credits_per_hour", "max_accrued_credits", "vcpu"):
        if not 0 < numbers[c] <= _MAX_COUNT:
            raise PricingError(f"{where}: column {c!r}: {values[c]!r} must be above 0 and at "
                               f"most {_MAX_COUNT:,}; write the EC2 credit table's figure")
    if not values["vcpu"].isdigit():
        raise PricingError(f"{where}: column 'vcpu': {values['vcpu']!r} is not a whole number "
                           "above 0; write it like 2")
    if numbers["launch_credits"] > _MAX_COUNT:
        raise PricingError(f"{where}: column 'launch_credits': {values['launch_credits']!r} is "
                           f"above {_MAX_COUNT:,}; write the launch credits (30 a vCPU for T2, "
                           "else 0)")
    if numbers["baseline_pct_per_vcpu"] > 100:
        raise PricingError(f"{where}: column 'baseline_pct_per_vcpu': "
                           f"{values['baseline_pct_per_vcpu']!r} is above 100 (a percent of "
                           "one vCPU); write it like 20")
    if values["default_mode"] not in CREDIT_MODES:
        raise PricingError(f"{where}: column 'default_mode': {values['default_mode']!r} is not "
                           f"{' or '.join(CREDIT_MODES)}; write the mode the type launches in")


# geography, partition (GovCloud, ISO), direction, number, and a Local Zone group's city and
# number (``us-west-2-lax-1``, priced in the ElastiCache table); every region the shipped tables
# and AWS's region list name has one of these direction words, so ``us-esat-1`` is a typo
_DIRECTIONS = "north|south|east|west|central|northeast|northwest|southeast|southwest"
_REGION_CODE = re.compile(rf"^[a-z]{{2}}(-(gov|iso[a-z]?))?-({_DIRECTIONS})-\d+"
                          r"(-[a-z]{3}-\d+[a-z]?)?$")


def check_region_code(region: str, where: str) -> None:
    """Raise a PricingError naming ``where`` unless ``region`` is written as an AWS region code
    (``us-east-1``, ``us-gov-west-1``, a direction word AWS uses: a misspelt ``us-esat-1`` is
    refused too): the rule of the overrides reader and of a refresh, so a typo fails before any
    price is looked up or any AWS client is created."""
    if not _REGION_CODE.match(region):
        raise PricingError(f"{where}: region {quoted(region)} is not an AWS region code; write it "
                           "like us-east-1")


def find_tables(data_dir: str | Path) -> dict[str, Path]:
    """The newest ``<kind>_<YYYY-MM-DD>.csv`` of each kind in ``data_dir``."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        state = "is a file, not a folder" if data_dir.exists() else "does not exist"
        raise PricingError(f"pricing data folder {data_dir} {state}; pass the folder "
                           "holding the <kind>_<YYYY-MM-DD>.csv tables")
    newest: dict[str, tuple[str, Path]] = {}
    for path in data_dir.glob("*.csv"):
        match = re.match(r"^(?P<kind>[a-z0-9_]+?)_(?P<date>\d{4}-\d{2}-\d{2})\.csv$", path.name)
        if match and match["kind"] in TABLE_SCHEMAS:
            kind, date = match["kind"], match["date"]
            if kind not in newest or date > newest[kind][0]:
                newest[kind] = (date, path)
    return {kind: path for kind, (_, path) in newest.items()}


def read_yaml(path: Path, what: str, error: type[Exception]) -> Any:
    """The parsed YAML document at ``path``; unreadable files and bad YAML raise ``error``
    naming the file (``what`` says which kind of file it is), as does a key written twice in
    one mapping: YAML keeps only the last (a second ``AmazonEC2: 50`` under ``discounts_pct``
    would apply unseen by a reader of the first)."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=PlanLoader)  # libyaml: no RecursionError
        twice = yaml_line_index(node)[1] if node is not None else []
        if twice:
            key, line = twice[0]
            raise error(f"{path}:{line}: {key}: this key is written twice in the same mapping "
                        "and YAML keeps only the last one; delete or rename one")
        return yaml.load(text, Loader=PricesLoader)  # noqa: S506 (a safe loader)
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:  # a binary or Latin-1 file: name it, no traceback
        raise error(f"cannot read {what} {path}: byte {exc.object[exc.start]:#04x} at offset "
                    f"{exc.start} is not UTF-8 text; save the file as UTF-8 YAML") from None
    except yaml.reader.ReaderError as exc:  # a NUL or control character: as a plan says it
        line, what = refused_character(exc, text)
        raise error(f"{path}:{line}: {what}") from None
    except yaml.YAMLError as exc:
        # one line at the file's line, not PyYAML's lines naming "<unicode string>"
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        what = getattr(exc, "problem", None) or str(exc).replace("\n", " ")
        if isinstance(exc, StructureError):  # its problem says what to write instead
            raise error(f"{where}: {what}") from None
        context = getattr(exc, "context", None)
        detail = f"{what} ({context})" if context else what
        raise error(f"{where}: not valid YAML: {detail}; fix the indentation, brackets or "
                    "quoting on this line") from None


def table_kind(file_name: str) -> str:
    """The kind named by a ``<kind>_<YYYY-MM-DD>.csv`` file name ('' when it is not one)."""
    match = re.match(r"^([a-z0-9_]+?)_\d{4}-\d{2}-\d{2}\.csv$", file_name)
    return match.group(1) if match else ""
