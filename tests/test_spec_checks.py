"""The numeric field checks the simulator's specs share: what passes, and the message otherwise."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.spec_checks import require_finite, require_whole


def _refusal(check: Callable[..., None], *args: object) -> str | None:
    """The SpecError message ``check(*args)`` raises, or None when it accepts the value."""
    try:
        check(*args)
    except SpecError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize(("value", "minimum", "strict", "refusal"), [
    # each bound from both sides: at the minimum passes unless strict
    (0, 0, False, None), (0, 0, True, "w.x (=0) must be a finite number > 0"),
    (0.5, 0, True, None), (-0.5, 0, False, "w.x (=-0.5) must be a finite number >= 0"),
    (1e300, 1, False, None), (math.inf, 1, False, "w.x (=inf) must be a finite number >= 1"),
    (3, 3, False, None), (2.999, 3, False, "w.x (=2.999) must be a finite number >= 3"),
])
def test_require_finite_passes_at_the_bound_and_refuses_beyond(
        value: float, minimum: float, strict: bool, refusal: str | None) -> None:
    assert _refusal(require_finite, "w.x", value, minimum, strict) == refusal


@pytest.mark.parametrize(("value", "strict", "rule", "message"), [
    (0, True, "a finite number {bound}", r"^w\.x \(=0\) must be a finite number > 0$"),
    (-1, False, "a finite number {bound}", r"^w\.x \(=-1\) must be a finite number >= 0$"),
    (math.nan, False, "{bound} seconds", r"^w\.x \(=nan\) must be >= 0 seconds$"),
    (math.inf, True, "{bound}", r"^w\.x \(=inf\) must be > 0$"),
])
def test_require_finite_message(value: float, strict: bool, rule: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        require_finite("w.x", value, 0, strict, rule)


@pytest.mark.parametrize(("value", "minimum", "unit", "message"), [
    (2.5, 1, "", r"^w\.n \(=2\.5\) must be a whole number >= 1$"),
    (0, 1, "seconds", r"^w\.n \(=0\) must be a whole number of seconds >= 1$"),
    (-1, 0, "", r"^w\.n \(=-1\) must be a whole number >= 0$"),
])
def test_require_whole_message(value: float, minimum: int, unit: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        require_whole("w.n", value, minimum, unit)


@pytest.mark.parametrize(("value", "minimum", "refusal"), [
    (1, 1, None), (0, 1, "w.n (=0) must be a whole number >= 1"),
    (4.0, 0, None), (4.5, 0, "w.n (=4.5) must be a whole number >= 0"),  # a float that is whole
    (0, 0, None), (-1, 0, "w.n (=-1) must be a whole number >= 0"),
])
def test_require_whole_passes_whole_numbers_at_the_bound(value: float, minimum: int,
                                                         refusal: str | None) -> None:
    assert _refusal(require_whole, "w.n", value, minimum) == refusal
