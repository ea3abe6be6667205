"""A traffic CSV row's cells: its timestamp (``parse_time``: seconds or ISO-8601, one form
for the whole column, Unix milliseconds refused) and its value (``parse_rate``: a rate from 0 to
``MAX_RATE_RPS`` requests per second, or a request count; a missing sample, a thousands
separator or a decimal comma refused with the fix)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from infra_toolkit.errors import TrafficError, quoted

__all__ = ["MAX_RATE_RPS", "parse_rate", "parse_time"]

#: The largest rate a row may hold, requests per second: a billion, above any one service's
#: traffic (the largest CDNs report tens of millions of requests per second for their whole
#: network), so a larger value is a unit or column mistake. A finite but huge value such as 1e308
#: otherwise overflows to inf in the request counts (rate x seconds) deep inside resampling.
MAX_RATE_RPS = 1e9

#: A seconds-from-start timestamp at or above this (1e11 s, over 3,000 years) is refused: it is
#: Unix time in milliseconds (1.7e12 today), which read as seconds makes every row 1000 x longer.
_MAX_SECONDS = 1e11


def parse_time(text: str, iso: bool, where: str, first: bool) -> float | datetime:
    """A row's timestamp: seconds (``iso`` false: the first row's was a number) or an ISO-8601
    time (zoned ones converted to UTC); a :class:`TrafficError` at ``where`` for another form
    than the first row's (``first``: this is the first row), a non-finite number or one of Unix
    milliseconds."""
    if not iso:
        try:
            value = float(text)
        except ValueError:
            raise TrafficError(
                f"{where}: {quoted(text)} is not a number of seconds, but the first row's "
                "timestamp was; use one format (ISO-8601 or seconds from start) for the whole "
                "column"
            ) from None
        if not math.isfinite(value):
            raise TrafficError(f"{where}: {quoted(text)} is not a finite number of seconds")
        if abs(value) >= _MAX_SECONDS:
            # Unix time in milliseconds (Grafana, Prometheus' JavaScript clients): read as
            # seconds, each row lasted 1000 times its length and the requests were 1000 x
            raise TrafficError(
                f"{where}: {quoted(text)} seconds is over 3,000 years: Unix time in milliseconds "
                "(or finer)? Write seconds (milliseconds / 1000) or ISO-8601 timestamps such as "
                "2026-11-20T13:05:00Z"
            )
        return value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        expected = ("neither a number of seconds from start nor an ISO-8601 timestamp" if first
                    else "not an ISO-8601 timestamp")
        raise TrafficError(
            f"{where}: {quoted(text)} is {expected} (e.g. 1995-07-01T04:00:00Z)"
            + ("; write every timestamp in one of those forms" if first
               else ", but the first row's was; use one format for the whole column")
        ) from None
    return moment.astimezone(UTC) if moment.tzinfo else moment


# how exporters write a sample they do not have (Grafana an empty cell or null, pandas NaN)
_MISSING = ("", "null", "none", "nan", "undefined", "n/a")


def parse_rate(text: str, where: str, count: bool = False) -> float:
    """A row's value: a rate (requests per second), or with ``count`` a number of requests
    (bounded by the caller once divided by the interval)."""
    if text.lower() in _MISSING:
        raise TrafficError(
            f"{where}: {quoted(text)} is a missing sample, not a rate; write 0 if there was no "
            "traffic, or remove the row to leave a gap (filled only when gaps are interpolated)"
        )
    what = "the row's requests" if count else "the mean requests per second"
    try:
        value = float(text)
    except ValueError:
        grouped = ("; a thousands separator or a decimal comma (1,234 / 1 234 / 12,5) is not "
                   "read: write 1234 or 12.5" if any(c in text for c in ", '") else "")
        raise TrafficError(
            f"{where}: {quoted(text)} is not a number; write {what} as a decimal number such as "
            f"12.5{grouped}"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise TrafficError(
            f"{where}: {quoted(text)} must be a finite "
            + ("count >= 0 requests" if count else "rate >= 0 requests per second")
            + "; fix or remove the row"
        )
    if not count and value > MAX_RATE_RPS:
        raise TrafficError(
            f"{where}: {quoted(text)} rps is out of range: a rate may be at most "
            f"{MAX_RATE_RPS:,.0f} requests per second (a billion, more than any one service "
            "serves); check the column's unit (requests per second, not per minute or bytes) "
            "or fix the row"
        )
    return value + 0.0  # "-0" is 0.0, not the -0.0 that a written curve prints as "-0.0"
