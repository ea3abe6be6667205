"""Steps 2 and 3 of the cost model: each cost component priced from the price book into a
:class:`~infra_toolkit.cost.CostLine` (tiered prices split over their tier rows; a price that is
not found is a flagged line, never a silent $0), and a resource list's components, priced, in one
:class:`~infra_toolkit.cost.CostEstimate` (:func:`estimate`). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from infra_toolkit.cost import CostComponent, CostEstimate, CostLine
from infra_toolkit.cost_components import cost_components
from infra_toolkit.errors import PriceNotFound
from infra_toolkit.pricing import Price, PriceBook
from infra_toolkit.resources import Resource

__all__ = ["estimate", "price_components"]


def _line(c: CostComponent, name: str, quantity: Decimal | None, price: Price | None,
          missing: str | PriceNotFound | None, note: str | None = None) -> CostLine:
    r = c.resource
    unit_price = price.usd_per_unit if price is not None else None
    cost = quantity * unit_price if quantity is not None and unit_price is not None else None
    reason = missing.reason if isinstance(missing, PriceNotFound) else missing or ""
    return CostLine(r.type, r.name, r.region, name, c.unit, c.hourly_quantity, quantity,
                    unit_price, cost, price, None if missing is None else str(missing),
                    c.note if note is None else note, c.query.kind, reason)


def _joined(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _tier_label(start: Decimal, end: Decimal | None, unit: str, per: str = "") -> str:
    def fmt(x: Decimal) -> str:
        text = f"{x / 1024:g}TB" if unit == "GB" and x % 1024 == 0 else f"{x:,g} {unit}"
        return f"{text} per {per}" if per else text
    if end is None:
        return f"over {fmt(start)}"
    return f"first {fmt(end)}" if start == 0 else f"next {fmt(end - start)}"


def _tiered(c: CostComponent, book: PriceBook) -> list[CostLine]:
    key = dict(c.query.key)
    try:
        tiers = book.tiers(c.query.kind, **key)
    except PriceNotFound as exc:
        return [_line(c, c.name, c.monthly_quantity, None, exc)]
    units = c.tier_units if c.tier_units > 0 else Decimal(1)  # 0 node-months: nothing to tier
    remaining = (c.monthly_quantity if c.monthly_quantity is not None else Decimal(0)) / units
    lines: list[CostLine] = []
    top = Decimal(0)
    for price in tiers:
        start = Decimal(price.row.fields["tier_start"]) if price.row else Decimal(0)
        end_text = price.row.fields["tier_end"] if price.row else ""
        end = Decimal(end_text) if end_text else None
        if start != top:
            break  # a gap in the tiers: the rest is reported as not found below
        size = remaining if end is None else min(remaining, end - start)
        label = (_tier_label(start, end, c.unit, c.tier_per) if price.row is not None
                 else "flat user rate, no tiers")  # a rate in a region without tier rows
        if size > 0 or not lines:  # the component's note once, on its first tier
            lines.append(_line(c, f"{c.name} ({label})", size * units, price, None,
                               None if not lines else ""))
        remaining -= size
        top = end if end is not None else top
        if end is None or remaining <= 0:
            return lines
    lines.append(_line(c, f"{c.name} ({_tier_label(top, None, c.unit, c.tier_per)})",
                       remaining * units, None,
                       f"no {key.get('service')} {key.get('item_id')} price tier from {top:,} "
                       f"{c.unit} in region {key.get('region')}: the table's tiers stop there",
                       None if not lines else ""))
    return lines


def price_components(components: Iterable[CostComponent], book: PriceBook
                     ) -> tuple[CostLine, ...]:
    """Step 2: price each component from the book; a missing price becomes a flagged line with
    the PriceNotFound message (never a silent $0)."""
    lines: list[CostLine] = []
    for c in components:
        if c.query.unpriceable:
            lines.append(_line(c, c.name, c.monthly_quantity, None, c.query.unpriceable))
        elif c.query.tiered:
            lines.extend(_tiered(c, book))
        else:
            try:
                price = book.lookup(c.query.kind, c.query.purchase_option, **dict(c.query.key))
            except PriceNotFound as exc:
                if c.price_needed_above_zero_only and not c.monthly_quantity:
                    cost = None if c.monthly_quantity is None else Decimal(0)
                    lines.append(replace(_line(c, c.name, c.monthly_quantity, None, None),
                                         monthly_cost_usd=cost, note=_joined(
                                             c.note, "no rate in the price tables here: none "
                                             "needed while none is used")))
                    continue
                lines.append(_line(c, c.name, c.monthly_quantity, None, exc))
            else:
                lines.append(_line(c, c.name, c.monthly_quantity, price, None))
    return tuple(lines)


def estimate(resources: Sequence[Resource], book: PriceBook, notes: Sequence[str] = ()
             ) -> CostEstimate:
    """Steps 1-3: every resource's components, priced, in one estimate."""
    components = [c for r in resources for c in cost_components(r, book)]
    return CostEstimate(price_components(components, book), book.tables_used, tuple(notes))
