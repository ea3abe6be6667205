"""The plan warning for every plan, workloads or not, on **a cost line without a price**
(:func:`price_warnings`): a resource of either side the price book cannot price (a SPOT node
group without a spot rate, a region no table prices). Its cost is left out of every total, and
the approval commands refuse the plan until it is priced, so ``validate`` says so before a
review is asked for; the lines missing the same price (table, region and key) share one
warning, and so do all the lines of a table kind in a region that table holds no row for (a plan
moved to a region the tables lack: one warning per table, not one per instance type or item).
And the warning on **a discount that reads as a fraction** (:func:`discount_warnings`).
"""

from __future__ import annotations

from infra_toolkit.cost_pricing import estimate
from infra_toolkit.plan import Plan
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.pricing import PriceBook

__all__ = ["discount_warnings", "price_warnings"]


def price_warnings(plan: Plan, book: PriceBook) -> list[PlanWarning]:
    """One warning per missing price of ``plan``'s cost lines (current, then proposed, as
    declared): the lines ``book`` prices from the same missing row (one table, region and key:
    the same reason) share one warning, at the first one's resource, naming every line, with
    the price book's reason and fix once (a missing region gave each of 27 lines its own
    ~600-character warning); the lines of a table kind in a region it holds no row for share
    one warning with :meth:`~infra_toolkit.pricing.PriceBook.region_gap`'s reason."""
    groups: dict[str, tuple[str, dict[str, list[tuple[str, str]]]]] = {}
    for side, arch in (("current", plan.current), ("proposed", plan.proposed)):
        index = {(r.type, r.name): i for i, r in enumerate(arch.resources)}
        for line in estimate(arch.resources, book).missing_prices:
            path = f"{side}.resources[{index[(line.resource_type, line.resource_name)]}]"
            gap = (book.region_gap(line.price_table_kind, line.region)
                   if line.price_table_kind else None)
            _, lines = groups.setdefault(gap or str(line.price_not_found), (path, {}))
            lines.setdefault(line.component, []).append((side, line.address))
    out = []
    for reason, (path, lines) in groups.items():
        count = sum(map(len, lines.values()))
        both = len({side for named in lines.values() for side, _ in named}) > 1
        named = "; ".join(", ".join(f"{side} {a}" if both else a for side, a in addresses)
                          + f" / {component}" for component, addresses in lines.items())
        out.append(PlanWarning(path, (
            f"no price for {named if count == 1 else f'{count} lines ({named})'}: {reason}; the "
            f"cost totals leave {'this line' if count == 1 else 'them'} out (INCOMPLETE) and "
            "the approval commands refuse the plan until every line is priced")))
    return out


def discount_warnings(book: PriceBook) -> list[PlanWarning]:
    """A warning per discount of ``book``'s overrides above 0 and below 1 percent:
    ``discounts_pct`` is in percent, and 0.1 is far more often a 10 % discount written as a
    fraction than a tenth of one percent (audit20 A20-20); it is applied as written."""
    o = book.overrides
    out = []
    for service, pct in o.discounts_pct.items():
        if 0 < pct < 1:
            written, meant = f"{pct.normalize():f}", f"{(pct * 100).normalize():f}"
            out.append(PlanWarning("pricing.overrides", (
                f"{o.path}: discounts_pct.{service}: {written} takes {written} % off list "
                f"price (discounts_pct is in percent); if you meant {meant} %, write {meant}")))
    return out
