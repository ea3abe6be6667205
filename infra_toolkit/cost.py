"""The cost model's vocabulary, in Infracost's three steps: a :class:`CostComponent` (step 1: what
a resource is billed for, with its quantity and the :class:`PriceQuery` that prices it), a
:class:`CostLine` (step 2: the component priced, keeping the table row it came from or a loud
price-not-found flag) and a :class:`CostEstimate` (step 3: the lines summed). Money is
``Decimal``; a month is :data:`HOURS_PER_MONTH` hours. The components of each resource type are
built in :mod:`infra_toolkit.cost_components`, priced and summed in
:mod:`infra_toolkit.cost_pricing`. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from infra_toolkit.pricing import Price
from infra_toolkit.pricing_tables import TableRef
from infra_toolkit.resources import Resource

__all__ = [
    "HOURS_PER_MONTH",
    "CostComponent",
    "CostEstimate",
    "CostLine",
    "PriceQuery",
    "as_decimal",
    "cents",
    "unit_price_text",
    "usd_text",
]

HOURS_PER_MONTH = Decimal(730)
_CENT = Decimal("0.01")


def as_decimal(value: float | Decimal) -> Decimal:
    """A quantity as a ``Decimal``: a float by its shortest repr (``0.1`` is ``Decimal("0.1")``,
    not the binary fraction), so a quantity priced in cents is the one written."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def cents(usd: Decimal) -> Decimal:
    """``usd`` rounded half-up to whole cents, for display and comparison."""
    return usd.quantize(_CENT, rounding=ROUND_HALF_UP)


def usd_text(value: Decimal | float | None, *, signed: bool = False) -> str:
    """Money in USD rounded half-up to cents: ``$1,234.56``; ``+$…`` / ``-$…`` with
    ``signed``; ``-`` for ``None`` (no price)."""
    if value is None:
        return "-"
    amount = cents(value if isinstance(value, Decimal) else Decimal(repr(float(value))))
    if amount == 0:
        return "$0.00"
    sign = "-" if amount < 0 else ("+" if signed else "")
    return f"{sign}${abs(amount):,.2f}"


def unit_price_text(value: Decimal | None) -> str:
    """A unit price in USD as the table row gives it, with at least 2 decimals: ``$0.10``,
    ``$0.0416``, ``$73.00``; ``-`` for ``None`` (no price). The one format of the CLI's cost
    table, ``pricing lookup`` and the report."""
    if value is None:
        return "-"
    exact = value.normalize()
    exponent = exact.as_tuple().exponent
    shown = exact if isinstance(exponent, int) and exponent <= -2 \
        else exact.quantize(Decimal("0.01"))
    return f"${shown:,f}"


@dataclass(frozen=True)
class PriceQuery:
    """What to look up: a table ``kind`` and its key fields, a purchase option, whether the
    item is tiered (split over tier rows), or why no table can price it (``unpriceable``)."""

    kind: str
    key: tuple[tuple[str, str], ...]
    purchase_option: str = "on_demand"
    tiered: bool = False
    unpriceable: str = ""


@dataclass(frozen=True)
class CostComponent:
    """Step 1: one thing a resource is billed for, with its quantity per month (``None`` when
    it depends on usage that was not given) and per hour when billed hourly; a tiered price's
    tiers apply to ``monthly_quantity / tier_units``."""

    resource: Resource
    name: str
    unit: str
    monthly_quantity: Decimal | None
    query: PriceQuery
    hourly_quantity: Decimal | None = None
    note: str = ""
    # Tiers apply per unit of this many (e.g. per volume of a node group's node-months of root
    # volumes): each tier's quantity is one unit's, times this.
    tier_units: Decimal = Decimal(1)
    # What one such unit is ("volume"), named in each tier's label ("first 32,000 IOPS per
    # volume") so a line summed over a node group's volumes does not read as one volume's tier;
    # empty for tiers over the whole quantity (Internet egress).
    tier_per: str = ""
    # Only a quantity above 0 needs a price (surplus CPU credits): 0 costs $0 whatever the
    # price, and an unknown quantity stays "usage unknown", so a region without a rate is no
    # gap until the usage says some is spent.
    price_needed_above_zero_only: bool = False


@dataclass(frozen=True)
class CostLine:
    """Step 2: a priced component. ``price`` holds the unit price and the table row (file,
    line, key) it came from; ``price_not_found`` the PriceNotFound message when no price
    matched, in which case the line has no cost and the estimate is incomplete;
    ``price_table_kind`` the kind of table it was priced from (``ec2_on_demand``, ...);
    ``price_not_found_reason`` the part of that message the lines missing a price for the same
    cause share (table, why and fix; the whole message when none stands apart), which the cost
    tables print once as a note the lines point to (:mod:`~infra_toolkit.cost_notes`)."""

    resource_type: str
    resource_name: str
    region: str
    component: str
    unit: str
    hourly_quantity: Decimal | None
    monthly_quantity: Decimal | None
    unit_price_usd: Decimal | None
    monthly_cost_usd: Decimal | None
    price: Price | None
    price_not_found: str | None
    note: str = ""
    price_table_kind: str = ""
    price_not_found_reason: str = ""

    @property
    def address(self) -> str:
        """``type.name`` of the resource the line belongs to."""
        return f"{self.resource_type}.{self.resource_name}"

    @property
    def status(self) -> str:
        """``priced``, ``PRICE NOT FOUND`` or ``usage unknown``."""
        if self.price_not_found is not None:
            return "PRICE NOT FOUND"
        return "usage unknown" if self.monthly_cost_usd is None else "priced"


@dataclass(frozen=True)
class CostEstimate:
    """Step 3: the priced lines, the tables that priced them, and notes (e.g. how a simulated
    window was projected to a month)."""

    lines: tuple[CostLine, ...]
    pricing_tables_used: tuple[TableRef, ...]
    notes: tuple[str, ...] = ()

    @property
    def total_monthly_usd(self) -> Decimal:
        """Sum of the priced lines (exact; round with :func:`cents` to show)."""
        return sum((ln.monthly_cost_usd for ln in self.lines if ln.monthly_cost_usd is not None),
                   Decimal(0))

    @property
    def missing_prices(self) -> tuple[CostLine, ...]:
        """Lines whose price was not found: the total leaves them out, so approval must not
        proceed while any exists."""
        return tuple(ln for ln in self.lines if ln.price_not_found is not None)

    @property
    def has_missing_prices(self) -> bool:
        """True when any line is price-not-found."""
        return bool(self.missing_prices)

    def to_frame(self) -> pd.DataFrame:
        """One row per line; money columns hold ``Decimal``."""
        return pd.DataFrame([{
            "resource": ln.address, "component": ln.component, "unit": ln.unit,
            "hourly_quantity": ln.hourly_quantity, "monthly_quantity": ln.monthly_quantity,
            "unit_price_usd": ln.unit_price_usd, "monthly_cost_usd": ln.monthly_cost_usd,
            "status": ln.status, "price_source": ln.price.ref if ln.price else "",
            "price_not_found": ln.price_not_found or "", "note": ln.note,
        } for ln in self.lines], columns=[
            "resource", "component", "unit", "hourly_quantity", "monthly_quantity",
            "unit_price_usd", "monthly_cost_usd", "status", "price_source", "price_not_found",
            "note"])
