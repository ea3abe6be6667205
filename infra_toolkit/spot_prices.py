"""EC2 spot prices from the spot price history, as the rates of an overrides file.

Spot prices are not in the Price List, so a SPOT node group is priced from a user rate
(``pricing_data/README.md``). This module makes that rate from EC2 ``DescribeSpotPriceHistory``
instead of by hand:

- Each history record is a price change in one Availability Zone: the price holds from its
  timestamp until the zone's next record (or the end of the window). AWS also returns the last
  change before the window's start, so the window is covered from its first instant; a zone
  whose first record comes later is averaged over the part it covers.
- A zone's rate is its time-weighted mean over the window; the instance type's rate is the mean
  of its zones' rates, as a node group spread evenly over the zones pays (EKS managed node
  groups balance nodes across their subnets' zones). The lowest and highest zone are kept to
  show the spread.
- Money is ``Decimal``; the rate is rounded half-up to :data:`RATE_DECIMALS` places, as the
  history itself is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.atomic import replace_file
from infra_toolkit.aws_messages import aws_error_text
from infra_toolkit.errors import PricingError
from infra_toolkit.pricing_overrides import read_overrides
from infra_toolkit.pricing_tables import MAX_USD_PER_UNIT, check_region_code, read_yaml
from infra_toolkit.utc import as_utc

__all__ = ["RATE_DECIMALS", "SpotPricePoint", "SpotRate", "fetch_spot_price_history",
           "spot_client", "spot_rates", "write_spot_overrides"]

RATE_DECIMALS = 6  # the history's prices are written with six decimals ("0.031200")


@dataclass(frozen=True)
class SpotPricePoint:
    """One record of the spot price history: from ``at`` (UTC) the spot price of
    ``instance_type`` in ``availability_zone`` is ``usd_per_hour``."""

    instance_type: str
    availability_zone: str
    usd_per_hour: Decimal
    at: datetime


@dataclass(frozen=True)
class SpotRate:
    """The spot rate of one instance type over a window: ``usd_per_hour`` is the mean of the
    zones' time-weighted means (``zones``: zone -> its mean, USD per hour)."""

    instance_type: str
    region: str
    product_description: str
    usd_per_hour: Decimal
    zones: Mapping[str, Decimal]
    start: datetime
    end: datetime

    @property
    def source(self) -> str:
        """How the rate was made, for the overrides file's ``source``."""
        low, high = min(self.zones.values()), max(self.zones.values())
        return (f"EC2 spot price history {self.region} {self.product_description}, "
                f"{self.start:%Y-%m-%dT%H:%MZ} to {self.end:%Y-%m-%dT%H:%MZ}: mean of "
                f"{len(self.zones)} zone(s)' time-weighted means (zones {low} to {high})")


def spot_rates(points: Iterable[SpotPricePoint], start: datetime, end: datetime, region: str,
               product_description: str) -> dict[str, SpotRate]:
    """Per instance type, the :class:`SpotRate` of ``points`` over ``[start, end)`` (see the
    module docstring). A type whose records all fall after ``end`` has no rate."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise PricingError(f"spot price window {start.isoformat()} .. {end.isoformat()} is "
                           "empty; the end must come after the start")
    by_zone: dict[tuple[str, str], list[SpotPricePoint]] = {}
    for p in points:
        by_zone.setdefault((p.instance_type, p.availability_zone), []).append(p)
    zone_means: dict[str, dict[str, Decimal]] = {}
    for (itype, zone), records in sorted(by_zone.items()):
        records.sort(key=lambda r: as_utc(r.at))
        weighted = Decimal(0)
        covered = Decimal(0)
        for i, r in enumerate(records):
            seg_start = max(as_utc(r.at), start)
            seg_end = min(as_utc(records[i + 1].at), end) if i + 1 < len(records) else end
            if seg_end > seg_start:
                seconds = Decimal((seg_end - seg_start).total_seconds())
                weighted += r.usd_per_hour * seconds
                covered += seconds
        if covered:
            zone_means.setdefault(itype, {})[zone] = weighted / covered
    rates = {}
    for itype, zones in zone_means.items():
        # rounded once, from the exact zone means: rounding them first can move it 0.000001
        mean = _rounded(sum(zones.values(), Decimal(0)) / len(zones))
        rates[itype] = SpotRate(itype, region, product_description, mean,
                                {z: _rounded(v) for z, v in zones.items()}, start, end)
    return rates


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-RATE_DECIMALS), rounding=ROUND_HALF_UP)


def spot_client(profile: str | None, region: str) -> Any:
    """A boto3 EC2 client of ``region`` (imported lazily), for the spot price history."""
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
        return session.client("ec2", region_name=region)
    except BotoCoreError as exc:  # an unknown profile
        raise PricingError(f"cannot create the EC2 client for the spot price history: {exc}; "
                           "check --profile and your AWS config") from None


def fetch_spot_price_history(client: Any, instance_types: Sequence[str], start: datetime,
                             end: datetime, product_description: str = "Linux/UNIX",
                             region: str = "") -> list[SpotPricePoint]:
    """Every ``DescribeSpotPriceHistory`` record of ``instance_types`` over ``[start, end)``
    (all pages) from a boto3 EC2 ``client`` of the region. AWS errors (credentials, network,
    a refused call) become one :class:`PricingError` that says nothing was written."""
    from botocore.exceptions import BotoCoreError, ClientError

    what = f"reading the EC2 spot price history of {', '.join(instance_types)} in {region}"
    points: list[SpotPricePoint] = []
    try:
        pages = client.get_paginator("describe_spot_price_history").paginate(
            InstanceTypes=list(instance_types), ProductDescriptions=[product_description],
            StartTime=as_utc(start), EndTime=as_utc(end))
        for page in pages:
            for record in page.get("SpotPriceHistory", []):
                points.append(_point(record, what))
    except (ClientError, BotoCoreError) as exc:
        raise PricingError(f"{what}: {aws_error_text(exc, 'ec2:DescribeSpotPriceHistory')}; "
                           "nothing written") from None
    return points


def _point(record: Mapping[str, Any], what: str) -> SpotPricePoint:
    try:
        price = Decimal(str(record["SpotPrice"]))
        at = record["Timestamp"]
        point = SpotPricePoint(str(record["InstanceType"]), str(record["AvailabilityZone"]),
                               price, as_utc(at))
    except (KeyError, ArithmeticError, AttributeError, TypeError, ValueError):
        raise PricingError(f"{what}: malformed spot price record {record!r}; nothing "
                           "written") from None
    if not price.is_finite() or price < 0 or price > MAX_USD_PER_UNIT:
        # 1e400 is a finite Decimal, which rounding to six places overflowed (InvalidOperation)
        raise PricingError(f"{what}: spot price {record['SpotPrice']!r} is not a price; "
                           "nothing written")
    return point


def write_spot_overrides(path: str | Path, rates: Iterable[SpotRate]) -> None:
    """Put ``rates`` into the overrides file at ``path`` as ``purchase_option: spot`` rates,
    replacing any spot rate of the same region and instance type and keeping everything else
    (discounts, other rates); a new file is created with ``version: 1``. The file is rewritten
    from its parsed content (YAML comments are not kept), checked with
    :func:`~infra_toolkit.pricing_overrides.read_overrides` before it replaces the old one, and
    replaced atomically: a failure leaves it unchanged."""
    path = Path(path)
    doc: dict[str, Any] = {"version": 1}
    if path.exists():
        read_overrides(path)  # a broken file is reported as such, not overwritten
        doc = read_yaml(path, "overrides file", PricingError)
    new = list(rates)
    replaced = {(r.region, r.instance_type) for r in new}
    kept = [e for e in doc.get("rates") or []
            if not (e.get("purchase_option") == "spot" and "instance_type" in e
                    and (str(e.get("region")), str(e["instance_type"])) in replaced)]
    for r in new:
        check_region_code(r.region, f"spot rate of {r.instance_type}")
        kept.append({"service": "AmazonEC2", "region": r.region, "instance_type": r.instance_type,
                     "purchase_option": "spot", "usd_per_unit": str(r.usd_per_hour),
                     "source": r.source})
    doc["rates"] = kept
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    try:
        replace_file(path, text.encode("utf-8"), validate=read_overrides)
    except OSError as exc:
        raise PricingError(f"cannot write overrides file {path}: {exc.strerror or exc}; choose "
                           "a writable path") from None
