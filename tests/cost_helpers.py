"""Helpers shared by the cost tests."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from infra_toolkit.cost import cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.plan import read_plan
from infra_toolkit.pricing import PriceBook, load_price_book

__all__ = ["declared_cents", "plan_price_book", "total_line"]


def total_line(table: str) -> str:
    """The ``TOTAL`` row of a ``cost --compare`` text table (the pricing tables follow it)."""
    (line,) = [ln for ln in table.splitlines() if ln.startswith("TOTAL")]
    return line


def plan_price_book(plan_path: Path) -> PriceBook:
    """The price book a plan's report uses: the shipped tables, its own and its overrides."""
    plan = read_plan(plan_path)
    return load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)


def declared_cents(plan_path: Path, side: str, book: PriceBook
                   ) -> tuple[dict[tuple[str, str], Decimal], Decimal]:
    """``side``'s (``current`` or ``proposed``) resources of a plan as declared, every line
    priced: (address, component) -> monthly USD in cents, and the total in cents."""
    est = estimate(getattr(read_plan(plan_path), side).resources, book)
    assert not est.has_missing_prices
    return ({(ln.address, ln.component): cents(ln.monthly_cost_usd) for ln in est.lines
             if ln.monthly_cost_usd is not None}, cents(est.total_monthly_usd))
