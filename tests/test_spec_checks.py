"""The numeric field checks the simulator's specs share: what passes, and the message otherwise."""

from __future__ import annotations

import math

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.spec_checks import require_finite, require_whole


@pytest.mark.parametrize(("value", "minimum", "strict"), [
    (0, 0, False), (0.5, 0, True), (1e300, 1, False), (3, 3, False),
])
def test_require_finite_passes(value: float, minimum: float, strict: bool) -> None:
    require_finite("w.x", value, minimum, strict)


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


@pytest.mark.parametrize(("value", "minimum"), [(1, 1), (4.0, 0), (0, 0)])
def test_require_whole_passes(value: float, minimum: int) -> None:
    require_whole("w.n", value, minimum)
