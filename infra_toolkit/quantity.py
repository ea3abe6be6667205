"""Kubernetes resource quantities ("500m", "1Gi", "2", "1e3") as exact integers.

The API stores a quantity as a decimal with a suffix; the controllers read it with
``Quantity.MilliValue()``, which rounds *up* to the next milli-unit. :func:`parse_quantity_milli`
does the same with :class:`decimal.Decimal`, so "1n" is 1 milli and "0.5" is 500.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from infra_toolkit.errors import quoted

__all__ = ["QuantityError", "parse_quantity", "parse_quantity_milli", "stored_quantity_float"]

_SUFFIX_MULTIPLIER: dict[str, Decimal] = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}

_EXPONENT = re.compile(r"^[eE][+-]?[0-9]+$")
#: the largest magnitude a resource.Quantity holds (its int64 limit)
_MAX_QUANTITY = Decimal(2**63 - 1)
_QUANTITY = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([eE][+-]?[0-9]+|[a-zA-Z]*)$")


class QuantityError(ValueError):
    """A value is not a Kubernetes quantity; the message says which forms are valid."""


def parse_quantity(value: object) -> Decimal:
    """The exact value of a quantity (a YAML number or a string such as "500m", "1Gi", "1e3")."""
    if isinstance(value, bool):
        raise QuantityError(f"{quoted(value)} is not a quantity: use a number or a string like "
                            "'500m'")
    if isinstance(value, int):
        return _within_limit(Decimal(value), value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(f"{quoted(value)} is not a quantity: use a finite number")
        return _within_limit(Decimal(repr(value)), value)
    if not isinstance(value, str):
        raise QuantityError(f"{quoted(value)} is not a quantity: use a number or a string like "
                            "'500m'")
    # no surrounding blanks: resource.ParseQuantity refuses "500m " (a quoted YAML value)
    match = _QUANTITY.match(value)
    if match is None:
        raise QuantityError(
            f"{quoted(value)} is not a quantity: write a number with an optional suffix "
            "(m, k, M, G, T, Ki, Mi, Gi, Ti or an exponent such as e3)"
        )
    number, suffix = match.groups()
    try:
        base = Decimal(number)
        # "E" alone is exa (10^18), "Ei" exbi (2^60) and "e" alone no suffix at all; only with
        # digits after it is either an exponent (resource.Quantity's interpretSuffix)
        if _EXPONENT.match(suffix):
            exact = base * Decimal(10) ** int(suffix[1:])
        elif suffix in _SUFFIX_MULTIPLIER:
            exact = base * _SUFFIX_MULTIPLIER[suffix]
        else:
            raise QuantityError(
                f"{quoted(value)} has the unknown suffix {quoted(suffix)}: use one of "
                + ", ".join(s for s in _SUFFIX_MULTIPLIER if s)
            )
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise QuantityError(f"{quoted(value)} is not a quantity") from exc
    return _within_limit(exact, value)


def _within_limit(exact: Decimal, value: object) -> Decimal:
    # resource.Quantity holds at most 2^63 - 1; larger is a typo (1e400 for 1e4), which as a
    # float overflowed deep in the arithmetic (audit21 A21-5)
    if abs(exact) > _MAX_QUANTITY:
        raise QuantityError(f"{quoted(value)} is above the largest quantity Kubernetes holds "
                            f"(2^63 - 1 = {_MAX_QUANTITY:.3e}); check the number and its suffix")
    return exact


def parse_quantity_milli(value: object) -> int:
    """A quantity in milli-units, rounded up like Go's ``Quantity.MilliValue()`` ("1n" -> 1)."""
    return int((parse_quantity(value) * 1000).to_integral_value(rounding="ROUND_CEILING"))


def stored_quantity_float(value: object) -> float:
    """The float a controller reads from a quantity the API server stored (Go
    ``Quantity.AsApproximateFloat64()`` of the canonical form), e.g. an HPA tolerance.

    The API server rounds the value up to a whole nano-unit and stores it canonically, as an
    integer mantissa ``m`` with a power-of-1000 suffix ("0.7" is stored as "700m"); the reader
    then computes ``m * math.Pow10(e)``, with ``Pow10(-3) = 1/1000``. That product can be one
    ulp away from the nearest double: "0.7" reads as 0.7000000000000001, so ``1 - tolerance``
    is 0.29999999999999993, not 0.30000000000000004.
    """
    exact = parse_quantity(value)
    if exact == 0:
        return 0.0
    if exact.as_tuple().exponent < -9:  # type: ignore[operator]
        exact = exact.quantize(Decimal("1e-9"), rounding="ROUND_UP")
    sign, digits, exponent = exact.normalize().as_tuple()
    mantissa = int("".join(map(str, digits)))
    scale = 3 * math.floor(int(exponent) / 3)  # the canonical suffix: a multiple of 3
    mantissa *= 10 ** (int(exponent) - scale)
    base = float(-mantissa if sign else mantissa)
    return base * (10.0 ** scale if scale >= 0 else 1.0 / 10 ** -scale)
