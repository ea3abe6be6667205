"""The checks a price book makes of the user's own prices as it loads them: a rate or a row
naming an instance type, class or node type no table knows (``check_rate_names``), the
other-services tiers left with a gap or an overlap once the user's rows are merged
(``check_merged_tiers``), an other-services rate whose ``tier_start`` matches no tier
(``check_tier_rates``); each a :class:`~infra_toolkit.errors.PricingError` at the file and line
of the user's entry, since such a price would otherwise never apply, silently."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

from infra_toolkit.errors import PricingError
from infra_toolkit.pricing_fixes import nearest_values
from infra_toolkit.pricing_overrides import Overrides
from infra_toolkit.pricing_tables import TABLE_SCHEMAS, PriceRow, tier_gap

__all__ = ["check_merged_tiers", "check_rate_names", "check_tier_rates"]


# the key column of a rate that a resource names, and the table of the names a resource may use
# (as ``price_book_checks.KNOWN_VALUES`` checks them): a rate naming another is never asked for
_RATE_NAMES = {"ec2_on_demand": ("instance_type", "ec2_instance_specs", "EC2 instance type"),
               "rds_on_demand": ("instance_class", "rds_on_demand", "RDS class"),
               "elasticache_on_demand": ("node_type", "elasticache_on_demand",
                                         "ElastiCache node type")}


def check_rate_names(priced: Sequence[tuple[str, str, tuple[str, ...], str]],
                     tables: Mapping[str, Mapping[tuple[str, ...], PriceRow]]) -> None:
    """A PricingError for a rate or a row of the user's tables (``(where, kind, key, noun)``)
    naming an instance type, class or node type no table knows: a resource naming it is
    refused, so the price (a typo, ``c5.lrage``) would silently never apply and the list price
    would stand."""
    for origin, kind, key, noun in priced:
        if kind not in _RATE_NAMES:
            continue
        column, table, what = _RATE_NAMES[kind]
        name = key[TABLE_SCHEMAS[kind].key.index(column)]
        idx = TABLE_SCHEMAS[table].key.index(column)
        known = {k[idx] for k in tables[table]}
        if name not in known:
            # M5.XLARGE: the names are lower case, and upper case was near nothing
            close = nearest_values(name, known)[0] or nearest_values(name.lower(), known)[0]
            hint = f"; did you mean {', '.join(repr(c) for c in close[:3])}?" if close else ""
            if table == "ec2_instance_specs":  # a type newer than the shipped specs (audit21)
                hint += ((" If" if close else "; if")  # was "... use this rate If it is"
                         + " it is a type the tables lack, add its row (instance_type, vcpu, "
                         "memory_mib, max_pods_eni, arch, source, as_of) to an "
                         "ec2_instance_specs table of your own")
            raise PricingError(f"{origin}: {column} {name!r} is not a known {what} "
                               f"({table} tables), so no resource can use this {noun}{hint}")


def check_merged_tiers(rows: Mapping[tuple[str, ...], PriceRow], shipped: Path,
                       own: Mapping[tuple[str, tuple[str, ...]], str]) -> None:
    """A PricingError when the other-services rows (shipped, then the user's added or
    replacing) leave an item's tiers with a gap or an overlap, at the file and line of the
    user's row of the two when there is one: the cost model would stop at the break and report
    the rest of the quantity as not found."""
    gap = tier_gap(rows.values())
    if gap is not None:
        at_fault, why = gap
        mine = [own[k] for r in reversed(at_fault) if (k := ("other_services", r.key)) in own]
        where = mine[0] if mine else f"{shipped}: line {at_fault[-1].line}"
        raise PricingError(f"{where}: {why}")


def check_tier_rates(overrides: Overrides, rows: Mapping[tuple[str, ...], PriceRow]) -> None:
    """A PricingError for an other-services rate whose ``tier_start`` matches no row of an item
    the tables price (a tier that does not exist, ``10240.0`` for ``10240``, none on a tiered
    item): a lookup asks for the tables' tiers, so that rate would silently never apply."""
    for rate in overrides.rates:
        if rate.kind != "other_services":
            continue
        prefix, start = rate.key[:-1], rate.key[-1]
        starts = sorted({k[-1] for k in rows if k[:-1] == prefix}, key=lambda t: Decimal(t or 0))
        if not starts or start in starts:
            continue
        region, service, item = prefix
        if starts == [""]:
            raise PricingError(f"{rate.origin}: tier_start {start}: {service} {item} in "
                               f"{region} is not priced in tiers; leave tier_start out")
        raise PricingError(
            f"{rate.origin}: tier_start {start or '(none)'}: {service} {item} in {region} is "
            f"priced in tiers starting at {', '.join(starts)}; a rate replaces one tier's "
            "price: write tier_start as one of those (one rate per tier), else the rate "
            "never applies")
