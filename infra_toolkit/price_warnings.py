"""The plan warning for every plan, workloads or not, on **a cost line without a price**
(:func:`price_warnings`): a resource of either side the price book cannot price (a SPOT node
group without a spot rate, a region no table prices). Its cost is left out of every total, and
the approval commands refuse the plan until it is priced, so ``validate`` says so before a
review is asked for; the lines missing the same price (table, region and key) share one
warning, and so do all the lines of a table kind in a region that table holds no row for (a plan
moved to a region the tables lack: one warning per table, not one per instance type or item).
And the warning on **a discount that reads as a fraction, or a rate or a row of the user's
tables above the list price it replaces or of $0** (:func:`discount_warnings`), and on
**a user's price that no cost line asks for** (:func:`unused_price_warnings`): a rate of the
overrides or a row of the user's own tables whose key (region, instance type, item_id, purchase
option ...) no cost line looks up never applies, so a typo in a negotiated rate left the list
price standing with no word. Such prices are not refused (the cost model asks for items the
shipped tables lack, which only a user's price can fill), they are named, with the nearest keys
the cost lines did ask for. And the warning on **a commitment above what its node group can
run** (:func:`commitment_warnings`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from infra_toolkit.cost import PriceQuery
from infra_toolkit.cost_components import cost_components
from infra_toolkit.cost_pricing import price_components
from infra_toolkit.errors import quoted
from infra_toolkit.plan import Plan
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.pricing import PriceBook
from infra_toolkit.pricing_fixes import WHERE_OWN_PRICES, refresh_command
from infra_toolkit.pricing_tables import PRICE_LIST_SOURCE, TABLE_SCHEMAS, PriceRow
from infra_toolkit.resources import Resource

__all__ = ["commitment_warnings", "discount_warnings", "price_warnings",
           "unused_price_warnings"]


def price_warnings(plan: Plan, book: PriceBook) -> list[PlanWarning]:
    """One warning per missing price of ``plan``'s cost lines (current, then proposed, as
    declared), at the first line's resource, naming every line it covers. The lines of one
    region whose items the tables price only in other regions share one warning (a plan moved
    to eu-west-1 gave one ~600-character warning per item, each with the same fix): the tables
    and regions that do price them, and each ``pricing refresh`` command that fetches them once
    (:func:`~infra_toolkit.pricing_fixes.refresh_command`), or that a rate or a row of the user's is
    the only fix. The other lines missing the same price (one table, region and key: the same
    reason) share one warning with the price book's reason and fix. Each ``blocks_approval``: the
    approval commands refuse the plan until it is priced, so no acknowledgement covers it."""
    by_region: dict[str, tuple[str, _Named, dict[str, set[str]], list[str]]] = {}
    groups: dict[str, tuple[str, _Named]] = {}
    for side, arch in (("current", plan.current), ("proposed", plan.proposed)):
        entry = {(r.type, r.name): r.entry_path for r in arch.resources}
        for c in (c for r in arch.resources for c in cost_components(r, book)):
            for line in price_components([c], book):
                if line.price_not_found is None:
                    continue
                path = entry[(line.resource_type, line.resource_name)]
                elsewhere = _priced_elsewhere(c.query, book)
                if elsewhere:
                    _, lines, tables, fixes = by_region.setdefault(
                        line.region, (path, {}, {}, []))
                    tables.setdefault(book.table_names(c.query.kind), set()).update(elsewhere)
                    key = dict(c.query.key)
                    fix = refresh_command(c.query.kind, key) or \
                        " ".join(v for v in (key.get("service"), key.get("item_id")) if v)
                    if fix not in fixes:
                        fixes.append(fix)
                else:
                    _, lines = groups.setdefault(str(line.price_not_found), (path, {}))
                lines.setdefault(line.component, []).append((side, line.address))
    out = []
    for region, (path, lines, tables, fixes) in by_region.items():
        priced = "; ".join(f"{names}: {_regions_text(regions)}"
                           for names, regions in tables.items())
        out.append(PlanWarning(path, (
            f"no price in region {region!r} for {_named_lines(lines)}: the tables price "
            f"{'it' if _count(lines) == 1 else 'them'} in other regions only ({priced}). "
            f"{_region_fixes(fixes)}; {_left_out(lines)}"), blocks_approval=True))
    for reason, (path, lines) in groups.items():
        out.append(PlanWarning(path, f"no price for {_named_lines(lines)}: {reason}; "
                                     + _left_out(lines), blocks_approval=True))
    return out


# component -> the (side, resource address) of each line missing its price
_Named = dict[str, list[tuple[str, str]]]


def _count(lines: _Named) -> int:
    return sum(map(len, lines.values()))


def _named_lines(lines: _Named) -> str:
    """Every line, by component: ``a, b / component; c / other`` (each address after its side
    when both sides have some), after ``N lines`` when more than one."""
    both = len({side for named in lines.values() for side, _ in named}) > 1
    named = "; ".join(", ".join(f"{side} {a}" if both else a for side, a in addresses)
                      + f" / {component}" for component, addresses in lines.items())
    return named if _count(lines) == 1 else f"{_count(lines)} lines ({named})"


def _left_out(lines: _Named) -> str:
    return (f"the cost totals leave {'this line' if _count(lines) == 1 else 'them'} out "
            "(INCOMPLETE) and the approval commands refuse the plan until every line is priced")


def _regions_text(regions: set[str]) -> str:
    """The regions a table prices the lines in: named up to five (us-east-1 and GovCloud), else
    counted (the RDS table's 31 would bury the lines and the fix)."""
    return ", ".join(sorted(regions)) if len(regions) <= 5 else f"{len(regions)} regions"


def _priced_elsewhere(query: PriceQuery, book: PriceBook) -> tuple[str, ...]:
    """The regions pricing the on-demand item ``query`` misses in its own region (empty for a
    missing rate of another purchase option, an item no region prices, or a China region,
    whose own message says it is priced in CNY)."""
    key = dict(query.key)
    if query.unpriceable or query.purchase_option != "on_demand" or \
            key.get("region", "").startswith("cn-"):
        return ()
    return book.regions_pricing(query.kind, **key)


def _region_fixes(fixes: Sequence[str]) -> str:
    """The fix for a region's missing items: each refresh command (``fixes`` holds commands and,
    for the items no refresh fetches, ``service item_id``), then rates or the user's rows."""
    commands = [f for f in fixes if f.startswith("infra-toolkit ")]
    others = [f for f in fixes if f not in commands]
    text = ""
    if commands:
        quoted_commands = [f"`{c}`" for c in commands]
        text = ("Fetch the region's prices from AWS: " + ", ".join(quoted_commands[:-1])
                + (" and " if len(commands) > 1 else "") + quoted_commands[-1])
    if others:
        text += ("; " if text else "") + (
            f"pricing refresh does not fetch {', '.join(others)}: give "
            f"{'it' if len(others) == 1 else 'them'}")
    else:
        text += ", or give them"
    return (f"{text} as rates in an overrides file or rows of a table of your own "
            f"({WHERE_OWN_PRICES})")


def discount_warnings(book: PriceBook) -> list[PlanWarning]:
    """A warning per discount of ``book``'s overrides above 0 and below 1 percent:
    ``discounts_pct`` is in percent, and 0.1 is far more often a 10 % discount written as a
    fraction than a tenth of one percent (audit20 A20-20); it is applied as written. And one per
    rate above the list price of its key, or of $0 where the list price is not: a negotiated,
    spot, Savings Plan or reserved rate is a discount, so one above list is most often a
    monthly, yearly or upfront sum written as the price of one unit (usd_per_unit 150 for an
    m5.xlarge listed at $0.192 an hour priced $109,500 a month), and one of $0 a line priced
    at nothing; both are applied as written, as a rate is final. The same for a row of the
    user's own tables that replaces a shipped row."""
    o = book.overrides
    out = []
    for service, pct in o.discounts_pct.items():
        if 0 < pct < 1:
            written, meant = f"{pct.normalize():f}", f"{(pct * 100).normalize():f}"
            out.append(PlanWarning("pricing.overrides", (
                f"{o.path}: discounts_pct.{service}: {written} takes {written} % off list "
                f"price (discounts_pct is in percent); if you meant {meant} %, write {meant}")))
    for rate in o.rates:
        listed = book.tables.get(rate.kind, {}).get(rate.key)
        problem = _above_list(rate.usd_per_unit, listed,
                              f"{_label(rate.kind, rate.key)} {rate.purchase_option}",
                              "a negotiated, spot, Savings Plan or reserved rate is below list",
                              "usd_per_unit")
        if problem:
            out.append(PlanWarning("pricing.overrides", f"{rate.origin}: {problem}"))
    for where, kind, key in book.own_rows:
        shipped = book.replaced_rows.get((kind, key))
        problem = _above_list(book.tables[kind][key].amount, shipped, _label(kind, key),
                              "a quote or a newer list price is seldom above the shipped one",
                              str(TABLE_SCHEMAS[kind].amount))
        if problem:
            out.append(PlanWarning("pricing.tables", f"{where}: {problem}"))
    return out


def _above_list(usd_per_unit: Decimal, listed: PriceRow | None, shown: str, why: str,
                column: str) -> str | None:
    """Why a user's price ``usd_per_unit`` (written in ``column``) for ``shown`` reads as a
    mistake beside the list price ``listed`` it replaces (above it, or $0 where it is not), or
    None."""
    if listed is None or listed.amount == 0 or 0 < usd_per_unit <= listed.amount:
        return None
    written = f"{usd_per_unit.normalize():f}"
    price = f"${listed.amount.normalize():f} per {listed.unit}"
    if usd_per_unit == 0:
        problem = (f"prices every line of {quoted(shown)} at $0, where its list price is "
                   f"{price} ({listed.ref}); if it is not free, write its price per unit")
    else:
        problem = (f"is {usd_per_unit / listed.amount:,.1f} x the list price of {quoted(shown)}, "
                   f"{price} ({listed.ref}), yet {why}; if it is a monthly, yearly or upfront "
                   f"sum, write the price of one unit ({listed.unit})")
    return f"{column} {written} {problem}; it is applied as written"


# the tables cost lines ask prices of (the others hold instance specs, LCU sizes, credits)
_PRICE_KINDS = ("ec2_on_demand", "rds_on_demand", "elasticache_on_demand", "other_services")
# unused prices of one file warned one by one; the rest share one warning (a user table copied
# from a whole refreshed region would otherwise give thousands)
_MAX_NAMED = 5


def _asked_key(query: PriceQuery) -> tuple[str, ...]:
    """The table key a query looks up (``tier_start`` '' as :meth:`PriceBook.lookup` fills)."""
    given = dict(query.key)
    return tuple(given.get(c, "") for c in TABLE_SCHEMAS[query.kind].key)


def _label(kind: str, key: tuple[str, ...]) -> str:
    """A key as written in messages, ``region/instance_type`` or ``region/service/item_id``
    (a tier's start left out: the tiers of one item are asked for together)."""
    parts = key[:-1] if kind == "other_services" else key
    return "/".join(k for k in parts if k)


def _applies(query: PriceQuery, kind: str, key: tuple[str, ...], option: str) -> bool:
    """Whether ``query`` looks up the price at ``key`` for ``option`` (a tiered query looks up
    every tier of its item)."""
    if query.kind != kind or query.purchase_option != option:
        return False
    asked = _asked_key(query)
    return asked[:-1] == key[:-1] if query.tiered else asked == key


def _later_types(resources: Sequence[Resource]) -> dict[tuple[str, str], str]:
    """Each ``(region, instance_type)`` listed after the first of a node group's
    ``instance_types`` (which the group is priced at, as Infracost does), with the address and
    types of the first such group: a price for it is no typo, but asked by no cost line."""
    out: dict[tuple[str, str], str] = {}
    for r in resources:
        types = list(r.attributes.get("instance_types") or []) \
            if r.type == "aws_eks_node_group" else []
        for itype in types[1:]:
            if itype != types[0]:
                out.setdefault((r.region, itype), (
                    f"{r.address}, whose instance_types [{', '.join(types)}] are priced as "
                    f"{types[0]} (the first, as Infracost does)"))
    return out


def _unused_hint(kind: str, key: tuple[str, ...], option: str, noun: str,
                 asked: Sequence[PriceQuery],
                 later: Mapping[tuple[str, str], str] | None = None) -> str:
    """What the cost lines asked instead: the same key for another purchase option; for an
    instance type a node group lists after its first, that group (``later``, from
    :func:`_later_types`); else the nearest keys of the same table (did_you_mean), else the
    keys they asked (a few) or none."""
    label = _label(kind, key)
    same = sorted({q.purchase_option for q in asked if q.kind == kind
                   and _applies(q, kind, key, q.purchase_option)})
    if same:
        fix = (f"write purchase_option: {same[0]} or buy the resource {option}"
               if noun == "rate" else "a table row prices on_demand only: give a rates entry "
               f"with purchase_option: {same[0]}")
        return f"; the cost lines ask for {quoted(label)} {' and '.join(same)}, not {option}: {fix}"
    group = (later or {}).get((key[0], key[1])) if kind == "ec2_on_demand" else None
    if group:
        return (f"; {key[1]} is a later type of {group}: list {key[1]} first to price the group "
                "at it, or delete the entry")
    pool = sorted({_label(q.kind, _asked_key(q)) for q in asked if q.kind == kind})
    if not pool:
        return f"; no cost line asks for a price of the {kind} table: delete it or add the resource"
    near = did_you_mean(label, pool, list_choices=False)
    if near:
        return f"{near} Fix its key or delete it"
    listed = ", ".join(pool[:_MAX_NAMED]) + (", ..." if len(pool) > _MAX_NAMED else "")
    return f"; the cost lines ask for {kind} {listed}: fix its key or delete it"


def _not_typed(book: PriceBook, kind: str, key: tuple[str, ...]) -> bool:
    """Whether the user's row at ``key`` is no price typed by hand, whose key could be a typo:
    it repeats the shipped row it replaces (price and unit), or ``pricing refresh`` fetched it
    from the Price List (a key AWS lists). A table written by ``pricing refresh --pricing-dir``
    is both: the region's every fetched item beside every shipped row of the others, most of
    which no plan asks for ("fix its key or delete it" named five rows of thousands)."""
    own = book.tables[kind][key]
    shipped = book.replaced_rows.get((kind, key))
    return own.source.startswith(PRICE_LIST_SOURCE) or (
        shipped is not None and (shipped.amount, shipped.unit) == (own.amount, own.unit))


def unused_price_warnings(book: PriceBook, resources: Sequence[Resource],
                          tables_path: str = "pricing.tables",
                          overrides_path: str = "pricing.overrides") -> list[PlanWarning]:
    """A warning per rate of ``book``'s overrides and per price row of the user's own tables
    that no cost line of ``resources`` looks up (up to five a file, then one for the rest),
    naming the file and the rate or line, and the nearest keys the lines did ask for
    (``tables_path``, ``overrides_path``: where the plan names those files)."""
    asked = [c.query for r in resources for c in cost_components(r, book)
             if not c.query.unpriceable]
    entries = [(r.origin, r.kind, r.key, r.purchase_option, "rate", overrides_path)
               for r in book.overrides.rates]
    entries += [(where, kind, key, "on_demand", "row", tables_path)
                for where, kind, key in book.own_rows
                if kind in _PRICE_KINDS and not _not_typed(book, kind, key)]
    later = _later_types(resources)
    unused: dict[str, list[tuple[str, str, tuple[str, ...], str, str, str]]] = {}
    for entry in entries:
        where, kind, key, option, noun, _ = entry
        if not any(_applies(q, kind, key, option) for q in asked):
            unused.setdefault(where.rsplit(": ", 1)[0], []).append(entry)
    out = []
    for file, found in unused.items():
        for where, kind, key, option, noun, path in found[:_MAX_NAMED]:
            shown = _label(kind, key) + ("" if option == "on_demand" else f" {option}")
            hint = _unused_hint(kind, key, option, noun, asked, later)
            out.append(PlanWarning(path, (
                f"{where}: {quoted(shown)} was not used by any cost line, so it never applies "
                f"(each line keeps its list price){hint}")))
        rest = found[_MAX_NAMED:]
        if rest:
            named = ", ".join(repr(_label(e[1], e[2])) for e in rest[:3])
            more = ", ..." if len(rest) > 3 else ""
            out.append(PlanWarning(rest[0][5], (
                f"{file}: {len(rest)} more {rest[0][4]}s ({named}{more}) were not used by any "
                "cost line either")))
    return out


def commitment_warnings(plan: Plan) -> list[PlanWarning]:
    """A warning per node group of either side whose ``usage.committed_instances`` exceeds its
    ``scaling_config.max_size``: the instances beyond max_size are billed every hour (the
    committed line prices them all) and the group can never run on them, a likely slip for a
    commitment meant to fit the group (a Savings Plan's spare hours may cover other usage of
    the account, which the plan does not price)."""
    out = []
    for arch in (plan.current, plan.proposed):
        for r in arch.resources:
            committed = r.usage.get("committed_instances") if r.type == "aws_eks_node_group" \
                else None
            most = r.attributes.get("scaling_config.max_size")
            if committed is None or most is None or committed <= most:
                continue
            out.append(PlanWarning(f"{r.entry_path}.usage.committed_instances", (
                f"{committed} committed instances, above the max_size ({most}) of node group "
                f"{quoted(r.name)}: {committed - most} of them are billed every hour on its "
                "committed line and it can never run on them; lower committed_instances to what "
                "the group runs (its share of the commitment), or raise max_size")))
    return out
