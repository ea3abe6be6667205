"""Refresh one region's ``other_services`` rows from the AWS Price List API, atomically.

The cost model prices EKS clusters, load balancers, NAT gateways, EBS volumes, RDS storage and
ElastiCache backups from ``other_services_*.csv`` rows keyed by ``item_id``
(``infra_toolkit/cost_components.py``). :func:`refresh_other_services` asks GetProducts for the
products behind each of those items (one query per service code and product family, exact
``TERM_MATCH`` on ``regionCode``, ``locationType`` and ``productFamily``), picks each product by
its usage type with the region prefix stripped (``EU-``, ``USE1-``, none in us-east-1) and its
attributes, converts the Price List unit to the table's (``GiBps-mo`` to MiBps-month, per I/O
to per million) and writes a new dated table with the machinery of
:mod:`infra_toolkit.pricing_refresh`: rows of other regions, and of items not fetched, are kept.
An item the API does not return for the region, or returns twice at different prices, is
named in :attr:`RefreshResult.missing`, never written as $0 or guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from infra_toolkit.errors import PricingError
from infra_toolkit.pricing_refresh import (
    RefreshResult,
    aws_errors,
    check_refresh_region,
    decimal_text,
    on_demand_dimensions,
    price_list_items,
    pricing_client,
    published_date,
    term_match,
    writable_table,
    write_merged,
)
from infra_toolkit.pricing_tables import (
    MAX_USD_PER_UNIT,
    PRICE_LIST_SOURCE,
    read_price_table,
    tier_gap,
)

__all__ = ["OTHER_ITEMS", "OtherItem", "refresh_other_services", "usage_type_name"]

KIND = "other_services"
_HOURS = ("Hrs", "Hours")  # the Price List writes an hour both ways across services


@dataclass(frozen=True)
class OtherItem:
    """One ``other_services`` row a refresh writes: the products of ``service`` (Price List
    service code, also the table's ``service``) in ``family`` whose attributes match each of
    ``parts`` (``usagetype`` without its region prefix); the row's price is the sum of the
    parts' prices (one part but for EKS extended support, billed on top of the standard
    cluster-hour while the table's row is the total), times ``scale`` (table unit per Price
    List unit), in ``unit``; ``price_units`` are the Price List units accepted."""

    service: str
    family: str
    item_id: str
    description: str
    unit: str
    price_units: tuple[str, ...]
    parts: tuple[tuple[tuple[str, str], ...], ...]
    scale: Decimal = Decimal(1)
    tier: tuple[str, str] = ("", "")


def _ebs(item_id: str, description: str, family: str, usage: str, volume: str, unit: str,
         price_unit: str, tier: tuple[str, str] = ("", "")) -> OtherItem:
    return OtherItem("AmazonEC2", family, item_id, description, unit, (price_unit,),
                     ((("usagetype", usage), ("volumeApiName", volume)),), tier=tier)


def _rds(item_id: str, description: str, family: str, unit: str, price_unit: str,
         **attributes: str) -> list[OtherItem]:
    """The Single-AZ and Multi-AZ rows of one RDS storage item (``_single_az`` / ``_multi_az``;
    ``usagetype`` may hold ``{az}``, the Multi-AZ prefix of RDS usage types)."""
    out = []
    for az, option, prefix in (("single_az", "Single-AZ", ""), ("multi_az", "Multi-AZ",
                                                                  "Multi-AZ-")):
        attrs = {"deploymentOption": option, "databaseEngine": "Any", **attributes}
        if "usagetype" in attrs:
            attrs["usagetype"] = attrs["usagetype"].format(az=prefix)
        out.append(OtherItem("AmazonRDS", family, f"{item_id}_{az}", f"{description}, {option}",
                             unit, (price_unit,), (tuple(attrs.items()),)))
    return out


_GIB_PER_MIB = Decimal(1) / Decimal(1024)  # exact: 2**-10
_IOS_PER_MILLION = Decimal(1_000_000)

#: Every item a refresh fetches: the ``item_id`` rows the cost model reads for EKS, ELB, NAT,
#: EBS, RDS storage and ElastiCache backups. Usage types and attributes as in the Price List
#: products (Infracost's filters: internal/resources/aws/{eks_cluster,lb,nat_gateway,
#: ebs_volume,db_instance,elasticache_cluster}.go). io2 IOPS tiers are three products each
#: listed 0-Inf; their bounds, 32,000 and 64,000 IOPS a volume, are the EBS pricing page's.
OTHER_ITEMS: tuple[OtherItem, ...] = (
    OtherItem("AmazonEKS", "Compute", "eks_cluster_hour_standard_support",
              "cluster control plane, standard support", "hour", _HOURS,
              ((("usagetype", "AmazonEKS-Hours:perCluster"),),)),
    OtherItem("AmazonEKS", "Compute", "eks_cluster_hour_extended_support",
              "cluster control plane, extended support (total per cluster, replaces standard "
              "rate)", "hour", _HOURS,
              ((("usagetype", "AmazonEKS-Hours:perCluster"),),
               (("usagetype", "AmazonEKS-Hours:extendedSupport"),))),
    OtherItem("AWSELB", "Load Balancer-Application", "alb_hour",
              "Application Load Balancer, load-balancer hour", "hour", _HOURS,
              ((("usagetype", "LoadBalancerUsage"),),)),
    OtherItem("AWSELB", "Load Balancer-Application", "alb_lcu",
              "Application Load Balancer, LCU", "LCU-hour", ("LCU-Hrs",),
              ((("usagetype", "LCUUsage"),),)),
    OtherItem("AWSELB", "Load Balancer-Network", "nlb_hour",
              "Network Load Balancer, load-balancer hour", "hour", _HOURS,
              ((("usagetype", "LoadBalancerUsage"),),)),
    OtherItem("AWSELB", "Load Balancer-Network", "nlb_nlcu", "Network Load Balancer, NLCU",
              "NLCU-hour", ("LCU-Hrs", "NLCU-Hrs"), ((("usagetype", "LCUUsage"),),)),
    OtherItem("AmazonEC2", "NAT Gateway", "nat_gateway_hour", "NAT Gateway, gateway hour",
              "hour", _HOURS, ((("usagetype", "NatGateway-Hours"),),)),
    OtherItem("AmazonEC2", "NAT Gateway", "nat_gateway_data_processed",
              "NAT Gateway, data processed", "GB", ("GB",),
              ((("usagetype", "NatGateway-Bytes"),),)),
    *(_ebs(f"ebs_{volume}_storage", f"EBS {volume} storage", "Storage",
           f"EBS:VolumeUsage.{usage}", volume, "GB-month", "GB-Mo")
      for volume, usage in (("gp2", "gp2"), ("gp3", "gp3"), ("io1", "piops"), ("io2", "io2"),
                            ("st1", "st1"), ("sc1", "sc1"))),
    _ebs("ebs_standard_storage", "EBS magnetic (standard) storage", "Storage",
         "EBS:VolumeUsage", "standard", "GB-month", "GB-Mo"),
    _ebs("ebs_gp3_iops_above_baseline", "EBS gp3 provisioned IOPS above 3000",
         "System Operation", "EBS:VolumeP-IOPS.gp3", "gp3", "IOPS-month", "IOPS-Mo"),
    _ebs("ebs_io1_iops", "EBS io1 provisioned IOPS", "System Operation",
         "EBS:VolumeP-IOPS.piops", "io1", "IOPS-month", "IOPS-Mo"),
    _ebs("ebs_io2_iops", "EBS io2 provisioned IOPS (first tier, up to 32000)",
         "System Operation", "EBS:VolumeP-IOPS.io2", "io2", "IOPS-month", "IOPS-Mo",
         ("0", "32000")),
    _ebs("ebs_io2_iops", "EBS io2 provisioned IOPS (second tier, 32000 to 64000)",
         "System Operation", "EBS:VolumeP-IOPS.io2.tier2", "io2", "IOPS-month", "IOPS-Mo",
         ("32000", "64000")),
    _ebs("ebs_io2_iops", "EBS io2 provisioned IOPS (third tier, over 64000)",
         "System Operation", "EBS:VolumeP-IOPS.io2.tier3", "io2", "IOPS-month", "IOPS-Mo",
         ("64000", "")),
    OtherItem("AmazonEC2", "System Operation", "ebs_standard_io_requests",
              "EBS magnetic (standard) I/O requests", "1M requests", ("IOs",),
              ((("usagetype", "EBS:VolumeIOUsage"), ("volumeApiName", "standard")),),
              scale=_IOS_PER_MILLION),
    OtherItem("AmazonEC2", "Provisioned Throughput", "ebs_gp3_throughput_above_baseline",
              "EBS gp3 provisioned throughput above 125 MiB/s", "MiBps-month", ("GiBps-mo",),
              ((("usagetype", "EBS:VolumeP-Throughput.gp3"), ("volumeApiName", "gp3")),),
              scale=_GIB_PER_MIB),
    *_rds("rds_gp2_storage", "RDS gp2 storage", "Database Storage", "GB-month", "GB-Mo",
          volumeType="General Purpose"),
    *_rds("rds_gp3_storage", "RDS gp3 storage", "Database Storage", "GB-month", "GB-Mo",
          volumeType="General Purpose-GP3", usagetype="RDS:{az}GP3-Storage"),
    *_rds("rds_io1_storage", "RDS io1 storage", "Database Storage", "GB-month", "GB-Mo",
          volumeType="Provisioned IOPS"),
    *_rds("rds_standard_storage", "RDS magnetic (standard) storage", "Database Storage",
          "GB-month", "GB-Mo", volumeType="Magnetic"),
    *_rds("rds_gp3_iops_above_baseline", "RDS gp3 provisioned IOPS above baseline",
          "Provisioned IOPS", "IOPS-month", "IOPS-Mo",
          groupDescription="RDS Provisioned GP3 IOPS", usagetype="RDS:{az}GP3-PIOPS"),
    *_rds("rds_io1_iops", "RDS io1 provisioned IOPS", "Provisioned IOPS", "IOPS-month",
          "IOPS-Mo", groupDescription="RDS Provisioned IOPS"),
    OtherItem("AmazonRDS", "Storage Snapshot", "rds_backup_storage",
              "RDS backup storage beyond free allowance (non-Aurora)", "GB-month", ("GB-Mo",),
              ((("usagetype", "RDS:ChargedBackupUsage"), ("databaseEngine", "Any")),)),
    OtherItem("AmazonElastiCache", "Storage Snapshot", "elasticache_backup_storage",
              "ElastiCache backup (snapshot) storage", "GB-month", ("GB-Mo",), ((),)),
)

# a usage type's region prefix: USE1-, EUW2-, APS3-, UGW1-, and EU- (eu-west-1); none in us-east-1
_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}\d?-")


def usage_type_name(usage_type: str) -> str:
    """``usage_type`` without its region prefix (``EU-NatGateway-Hours`` -> ``NatGateway-Hours``,
    ``EBS:VolumeUsage.gp2`` unchanged)."""
    return _REGION_PREFIX.sub("", usage_type, count=1)


def _matches(attrs: Mapping[str, Any], part: tuple[tuple[str, str], ...]) -> bool:
    return all((usage_type_name(str(attrs.get(k, ""))) if k == "usagetype"
                else attrs.get(k)) == v for k, v in part)


@dataclass(frozen=True)
class _Offer:
    """One product's price for one part of an item: USD per Price List unit, and its source."""

    usd: Decimal
    source: str
    published: str


def _offers(client: Any, region: str, today: dt.date
            ) -> dict[tuple[int, int], list[_Offer]]:
    """Each part of each item of :data:`OTHER_ITEMS` (by index) -> the offers found for it."""
    found: dict[tuple[int, int], list[_Offer]] = {}
    wanted: dict[tuple[str, str], list[tuple[int, int, OtherItem]]] = {}
    for n, spec in enumerate(OTHER_ITEMS):
        for p in range(len(spec.parts)):
            wanted.setdefault((spec.service, spec.family), []).append((n, p, spec))
    for q, ((service, family), parts) in enumerate(wanted.items()):
        filters = [term_match("regionCode", region), term_match("locationType", "AWS Region"),
                   term_match("productFamily", family)]
        for where, item in price_list_items(client, service, filters, q):
            product = item.get("product")
            attrs = product.get("attributes") if isinstance(product, dict) else None
            if not isinstance(attrs, dict):
                raise PricingError(f"{where}: malformed Price List item: no product.attributes")
            for n, p, spec in parts:
                if _matches(attrs, spec.parts[p]):
                    published = published_date(item, where, today)
                    usage = attrs.get("usagetype", "?")
                    for dim in on_demand_dimensions(item, where):
                        if dim.unit.casefold() in {u.casefold() for u in spec.price_units}:
                            found.setdefault((n, p), []).append(_Offer(
                                dim.usd, f"{service} {region} {usage} ({dim.ident}; version "
                                f"{item.get('version', '?')}, published {published})",
                                published))
    return found


def _rows(found: Mapping[tuple[int, int], list[_Offer]], region: str
          ) -> tuple[list[dict[str, str]], list[str]]:
    """The table rows of the items found, and why each other item was not written."""
    rows, missing = [], []
    broken: set[tuple[str, str]] = set()
    for n, spec in enumerate(OTHER_ITEMS):
        name = f"{spec.service} {spec.item_id}" + (f" tier {spec.tier[0]}" if spec.tier[0]
                                                    else "")
        offers, problem = [], ""
        for p, part in enumerate(spec.parts):
            want = ", ".join(f"{k} {v}" for k, v in part) or "any product"
            prices = {o.usd for o in found.get((n, p), [])}
            if not prices:
                problem = (f"no {spec.family} product with {want} priced in "
                           f"{'/'.join(spec.price_units)}")
            elif len(prices) > 1:
                problem = (f"{spec.family} products with {want} have different prices "
                           f"({', '.join(sorted(decimal_text(v) for v in prices))}); which one is "
                           "meant is not known")
            elif prices == {Decimal(0)}:
                problem = f"{spec.family} product with {want} is listed at 0 USD"
            else:
                offers.append(min(found[(n, p)], key=lambda o: o.source))
        if problem:
            missing.append(f"{name}: {problem}")
            broken.add((spec.service, spec.item_id))
            continue
        usd = sum((o.usd for o in offers), Decimal(0)) * spec.scale
        if usd > MAX_USD_PER_UNIT:
            raise PricingError(f"{name}: malformed Price List answer: {decimal_text(usd)} USD per "
                               f"{spec.unit} is above {MAX_USD_PER_UNIT:,}")
        rows.append({"region": region, "service": spec.service, "item_id": spec.item_id,
                     "description": spec.description, "unit": spec.unit, "usd_per_unit":
                     decimal_text(usd), "tier_start": spec.tier[0], "tier_end": spec.tier[1],
                     "source": f"{PRICE_LIST_SOURCE} "
                               + " + ".join(o.source for o in offers)
                               + (f" x {decimal_text(spec.scale)} per {spec.unit}"
                                  if spec.scale != 1 else ""),
                     "as_of": max(o.published for o in offers)})
    # a tiered item is written whole or not at all: tiers with a hole would not meet
    partial = [r for r in rows if (r["service"], r["item_id"]) in broken]
    missing += [f"{r['service']} {r['item_id']} tier {r['tier_start']}: not written, as "
                "another tier of the item is missing" for r in partial]
    return [r for r in rows if r not in partial], missing


def _tiers_meet(path: Path) -> None:
    gap = tier_gap(read_price_table(path, KIND)[2].values())
    if gap is not None:
        raise PricingError(f"{path}: {gap[1]}")


def refresh_other_services(region: str, *, data_dir: str | Path, client: Any = None,
                           today: dt.date | None = None) -> RefreshResult:
    """Refresh the :data:`OTHER_ITEMS` rows of ``region`` in the newest ``other_services``
    table of ``data_dir`` from the Price List API and write ``other_services_<newest
    as_of>.csv`` atomically: the region's rows of the items fetched are replaced, every other
    row is kept, and the items not fetched are named in the result's ``missing``. ``client``
    defaults to :func:`~infra_toolkit.pricing_refresh.pricing_client`; ``today`` (UTC, default
    the clock's) bounds the items' publicationDate."""
    check_refresh_region(region, "refreshing other-services prices")
    data_dir = Path(data_dir)
    old_path, old_rows = writable_table(data_dir, KIND)
    with aws_errors("other-services", region):
        found = _offers(client if client is not None else pricing_client(), region,
                        dt.datetime.now(dt.UTC).date() if today is None else today)
        new_rows, missing = _rows(found, region)
        if not new_rows:
            raise PricingError(f"no other-services prices returned for region {region!r}; "
                               "check the region code")
    fetched = {(r["service"], r["item_id"]) for r in new_rows}
    kept = [dict(r.fields) for r in old_rows
            if r.fields["region"] != region or (r.key[1], r.key[2]) not in fetched]
    result = write_merged(data_dir, KIND, old_path, kept, new_rows, check=_tiers_meet)
    return RefreshResult(result.path, result.rows_from_aws, result.rows_kept, result.superseded,
                         tuple(missing))
