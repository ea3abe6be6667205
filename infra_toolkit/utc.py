"""Times as UTC: the one rule for a time given without a zone (:func:`as_utc`).

A naive ``datetime`` (``2026-11-23T00:00:00`` from a command line, a YAML file or a caller) is
taken as UTC, as AWS's APIs read one; an aware one is converted. The CloudWatch and spot price
fetchers and the ``traffic`` command's ``--start`` / ``--end`` all read times through it.
:func:`utc_now` is the wall clock for the AWS fetchers, whose answers depend on how old a time
is (tests replace it: the data they put in moto is dated).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["as_utc", "utc_now"]


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC: a naive one taken as UTC, an aware one converted."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def utc_now() -> datetime:
    """The wall clock, in UTC (call it as ``utc.utc_now()``, so a test can replace it)."""
    return datetime.now(UTC)
