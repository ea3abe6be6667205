"""Numbers as the command line prints them: rounded by the unit their name ends in.

The simulator's totals are sums of floats (a rate times a tick, ticks times hours), exact to
the last bit in the library and noisy in print: ``offered_requests 3506589.1685349257``,
``pod_hours 96.60000000000001``, ``dropped_requests 299.99999999953434``. The printers of
``simulate`` and ``sweep`` (table, CSV and JSON) pass each value through :func:`rounded`, so
what a reader or a script sees has the precision its unit carries and no more; the summaries
themselves stay unrounded for the library's callers.

Decimals by the name's unit (a table label's `` (billed from launch)`` is ignored):

- requests (``*_requests``): 3, a fluid model's fractional requests kept (7.5 of 0.5 rps x 15 s);
  a count that is whole once rounded is printed as an integer (``15041529``, not
  ``15041529.0``), in CSV and JSON as in the table; rates, hours and the other units stay
  floats (``pod_hours 72.0``);
- hours (``pod_hours``, ``node_hours*``, ``*_hours``): 3, 3.6 s;
- seconds (``*_s``) and minutes (``*_minutes``): 3;
- milliseconds (``*_ms``): 2;
- percents (``*_pct``): 3, as ``sweep``'s table prints a dropped share (at 2 a 0.004 % drop
  would print as 0.0, "nothing dropped").

A name without one of these units is printed as it is (a count, a setting a sweep varies).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["decimals", "rounded"]

_BY_SUFFIX = (("_requests", 3), ("_hours", 3), ("_s", 3), ("_minutes", 3), ("_ms", 2),
              ("_pct", 3))


def decimals(name: str) -> int | None:
    """How many decimals a value named ``name`` is printed with; ``None``: as it is."""
    base = name.split(" (", 1)[0]
    if base.startswith("node_hours"):  # node_hours_m5.large, node_hours_by_node_group
        return 3
    return next((d for suffix, d in _BY_SUFFIX if base.endswith(suffix)), None)


def rounded(name: str, value: Any) -> Any:
    """``value`` (named ``name``) as printed: a finite float rounded to :func:`decimals`
    places; a mapping's values by their own key's unit, or by ``name``'s when the key has none
    (``node_hours_by_node_group: {general: ...}``); a list's items by ``name``'s; a whole count
    of requests an ``int``. Anything else (ints, strings, None, NaN) unchanged."""
    if isinstance(value, Mapping):
        return {k: rounded(str(k) if decimals(str(k)) is not None else name, v)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(name, v) for v in value]
    places = decimals(name)
    if isinstance(value, float) and places is not None and math.isfinite(value):
        value = round(value, places) + 0.0  # + 0.0: -0.0 prints as 0.0
        # a count of requests is a count: whole ones print as the table prints them
        return int(value) if _is_count(name) and value.is_integer() else value
    return value


def _is_count(name: str) -> bool:
    """Whether ``name`` (a table label's unit ignored) names a count of requests."""
    return name.split(" (", 1)[0].endswith("_requests")
