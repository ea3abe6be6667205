"""What a missing price's message says beside what was asked: the nearest values the tables
hold (``nearest_values``), the ``infra-toolkit pricing refresh`` command that fetches the row
(``refresh_command``), how to price a region the tables lack (``region_fix``,
``unpriced_region_fix``; China's regions by the user's rates) and where the user's own prices
go (``WHERE_OWN_PRICES``, ``OWN_ROW_FIX``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

__all__ = ["OWN_ROW_FIX", "WHERE_OWN_PRICES", "nearest_values", "price_item_text",
           "refresh_command", "region_fix", "unpriced_region_fix"]


def unpriced_region_fix(region: str) -> str:
    """How to price ``region`` when no table does (a real region the shipped tables lack, such
    as mx-central-1): a refresh from the Price List API, or the user's own rates."""
    if region.startswith("cn-"):
        return f"price it with rates in an overrides file ({_CHINA})"
    return (f"price it with `infra-toolkit pricing refresh --service AmazonEC2 --region {region}` "
            "(and the other services it uses) or with rates in an overrides file "
            "(pricing_data/README.md)")


# China's regions: AWS lists their prices (in CNY) from its China Price List endpoint, not the
# us-east-1 one pricing refresh asks, and a USD total never mixes in CNY
_CHINA = ("China regions are priced in CNY, never mixed into USD totals, by AWS's China Price "
          "List endpoint, which pricing refresh does not ask: a USD rate is yours to convert; "
          "pricing_data/README.md")



def nearest_values(asked: str, values: Iterable[str]) -> tuple[list[str], int]:
    """The values nearest ``asked`` (the same but for case first, else up to five close ones;
    all of them when none is close and there are at most 12) and how many values there are."""
    pool = sorted(set(values))
    # difflib is case-sensitive: 'T3.MEDIUM' scores no closer to t3.medium than to any type
    close = [v for v in pool if v.casefold() == asked.casefold()] or \
        difflib.get_close_matches(asked, pool, n=5, cutoff=0.6)
    if not close:
        close = pool if len(pool) <= 12 else []
    return close, len(pool)


WHERE_OWN_PRICES = ("cost --pricing-overrides / --pricing-table; in a plan, pricing.overrides / "
                     "pricing.tables; see pricing_data/README.md")
OWN_ROW_FIX = ("add a rates entry (service, region, item_id) to an overrides file or the row to "
                f"a table of your own ({WHERE_OWN_PRICES})")


def refresh_command(kind: str, key: Mapping[str, str]) -> str | None:
    """The ``infra-toolkit pricing refresh`` command that fetches the ``kind`` row of ``key``
    for its region from the Price List: ``--service`` for the instance tables, ``--other-services``
    for the items of ``OTHER_ITEMS``; None for the rest (data transfer, CPU credits, CloudWatch),
    which only a rate or a table of the user's prices."""
    # no boto3 at import time
    from infra_toolkit.pricing_refresh import REFRESHABLE
    from infra_toolkit.pricing_refresh_other import OTHER_ITEMS

    # RDS and ElastiCache are refreshed one engine at a time (refresh_table requires --engine)
    services = [f"--service {s}" + (f" --engine {key.get('engine')}" if engines else "")
                for s, (k, engines) in REFRESHABLE.items() if k == kind]
    if kind == "other_services" and any(
            (i.service, i.item_id) == (key.get("service"), key.get("item_id"))
            for i in OTHER_ITEMS):
        services = ["--other-services"]
    if not services or key.get("region", "").startswith("cn-"):
        return None  # China: _CHINA
    return f"infra-toolkit pricing refresh {services[0]} --region {key.get('region')}"


def region_fix(kind: str, key: Mapping[str, str]) -> str:
    """How to price a region the tables lack: the refresh that fetches the row
    (:func:`refresh_command`), else a rate or a table of the user's."""
    command = refresh_command(kind, key)
    if command:
        return (f"Refresh the table for your region ({command}) or add a rate to an overrides "
                f"file or the row to a table of your own ({WHERE_OWN_PRICES})")
    if key.get("region", "").startswith("cn-"):
        return f"Add a rate to an overrides file ({_CHINA})"
    what = " ".join(v for v in (key.get("service"), key.get("item_id")) if v) or f"{kind} table"
    return f"infra-toolkit pricing refresh does not fetch {what} rows; {OWN_ROW_FIX}"


def price_item_text(kind: str, key: Mapping[str, str]) -> str:
    """What a ``kind`` row of ``key`` prices, as a missing price's message names it
    (``AmazonEC2 instance``, ``AmazonS3 storage``)."""
    option = {"ec2_on_demand": "AmazonEC2 instance", "rds_on_demand": "AmazonRDS instance",
              "elasticache_on_demand": "AmazonElastiCache node",
              "ec2_instance_specs": "EC2 instance spec",
              "elb_lcu_dimensions": "load balancer capacity unit"}
    return option.get(kind, f"{key.get('service', '')} {key.get('item_id', '')}".strip())
