"""Time units, each defined once: ``SECONDS_PER_HOUR`` (an int, so a ``Decimal`` divides by it
exactly) and ``SECONDS_PER_DAY``. A month of hours is the cost model's
(:data:`~infra_toolkit.cost.HOURS_PER_MONTH`)."""

from __future__ import annotations

__all__ = ["SECONDS_PER_DAY", "SECONDS_PER_HOUR"]

SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400.0
