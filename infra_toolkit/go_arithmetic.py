"""Go's integer and float arithmetic, as the HPA controller's Go code computes.

Python's integers never overflow and its ``//`` floors, so the replica calculator and the
normalization rules use these to land on Go's numbers: division truncating toward zero
(:func:`go_div`), int64 and int32 wrapping (:func:`wrap_int64`, :func:`wrap_int32`), IEEE float
division (:func:`go_fdiv`) and ``int32(math.Ceil(x))`` saturated (:func:`ceil_int32`).
"""

from __future__ import annotations

import math

__all__ = [
    "MAX_INT32",
    "MIN_INT32",
    "MAX_INT64",
    "MIN_INT64",
    "go_div",
    "wrap_int64",
    "wrap_int32",
    "go_fdiv",
    "ceil_int32",
]

MAX_INT32 = 2**31 - 1
MIN_INT32 = -(2**31)
MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)


def go_div(a: int, b: int) -> int:
    """Integer division truncating toward zero (Go), not flooring (Python)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def wrap_int64(x: int) -> int:
    """``x`` as Go's int64 arithmetic leaves it: wrapped modulo 2**64 (sums of int64 wrap)."""
    if MIN_INT64 <= x <= MAX_INT64:
        return x
    return ((x - MIN_INT64) & 0xFFFF_FFFF_FFFF_FFFF) + MIN_INT64


def wrap_int32(x: int) -> int:
    """Go's ``int32(x)`` of an int64: the low 32 bits, two's complement (not a saturation)."""
    if MIN_INT32 <= x <= MAX_INT32:
        return x
    return ((x - MIN_INT32) & 0xFFFF_FFFF) + MIN_INT32


def go_fdiv(a: float, b: float) -> float:
    """IEEE division as in Go: x/0 is +-Inf, 0/0 is NaN (Python would raise)."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def ceil_int32(x: float) -> int:
    """``int32(math.Ceil(x))``, saturating instead of Go's undefined out-of-range conversion."""
    if math.isnan(x):
        return 0
    if x >= MAX_INT32:
        return MAX_INT32
    if x <= MIN_INT32:
        return MIN_INT32
    return math.ceil(x)
