"""Checks of the numeric fields of the simulator's frozen specs, for their ``__post_init__``.

Three rules cover the workload, node group, cluster autoscaler and metrics pipeline specs: a
finite number at or above a bound, a whole number at or above a bound, and a number at most a
bound (saying why no larger value can be meant). A failed check raises
:class:`~infra_toolkit.errors.SpecError` worded ``<field> (=<value>) must be <rule>``, where
``field`` names the owner too (``workload 'api'.capacity_rps_per_pod``).
"""

from __future__ import annotations

import math

from infra_toolkit.errors import SpecError

__all__ = ["require_at_most", "require_finite", "require_whole"]


def require_finite(field: str, value: float, minimum: float, strict: bool = False,
                   rule: str = "a finite number {bound}") -> None:
    """Raise unless ``value`` is finite and ``>= minimum`` (``> minimum`` when ``strict``);
    ``{bound}`` in ``rule`` becomes ``>= minimum`` or ``> minimum`` in the message."""
    if not (math.isfinite(value) and (value > minimum if strict else value >= minimum)):
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise SpecError(f"{field} (={value}) must be {rule.format(bound=bound)}")


def require_whole(field: str, value: float, minimum: int, unit: str = "") -> None:
    """Raise unless ``value`` is a whole number ``>= minimum`` (of ``unit``, e.g. seconds)."""
    # an infinite or NaN value has no int(): refused by the rule, not an OverflowError
    if not math.isfinite(value) or int(value) != value or value < minimum:
        of_unit = f" of {unit}" if unit else ""
        raise SpecError(f"{field} (={value}) must be a whole number{of_unit} >= {minimum}")


def require_at_most(field: str, value: float, maximum: float, unit: str, why: str) -> None:
    """Raise unless ``value <= maximum`` (of ``unit``), saying ``why`` no larger value is meant."""
    if not value <= maximum:
        # the bound in full (1,209,600, not :g's 1.2096e+06): a reader compares the value to it
        raise SpecError(f"{field} (={value:g}) must be at most {maximum:,.15g} {unit}: {why}")
