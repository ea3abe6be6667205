"""The ``infra-toolkit pricing`` subcommand (``refresh``, ``spot``, ``show``, ``lookup``) over the
dated price tables, and the price book options other subcommands share
(:func:`add_pricing_options`, :func:`price_book`).

Registered by :mod:`infra_toolkit.cli` (``PRICING_COMMANDS``), which prints an
:class:`~infra_toolkit.errors.InfraToolkitError` as one line and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from infra_toolkit.cli_simulate import ascii_number

if TYPE_CHECKING:
    from infra_toolkit.cli_review import Runner, SubParsers
    from infra_toolkit.pricing import PriceBook

__all__ = ["PRICING_COMMANDS", "add_pricing_options", "price_book"]


def add_pricing_options(parser: argparse.ArgumentParser) -> None:
    """The price book options of a subcommand: ``--pricing-dir``, ``--pricing-table``,
    ``--pricing-overrides``."""
    parser.add_argument("--pricing-dir", metavar="DIR", help="folder of <kind>_<date>.csv price "
                        "tables (default: the repository's pricing_data/)")
    parser.add_argument("--pricing-table", metavar="CSV", action="append", default=[],
                        help="your own table, same columns as a shipped one (repeatable)")
    parser.add_argument("--pricing-overrides", metavar="YAML",
                        help="discounts and rates (format: pricing_data/README.md)")


def price_book(args: argparse.Namespace) -> PriceBook:
    """The price book the options of :func:`add_pricing_options` name."""
    from infra_toolkit.pricing import load_price_book

    return load_price_book(args.pricing_dir, args.pricing_table, args.pricing_overrides)


def _add_pricing(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("pricing", help="price tables: refresh from AWS, show what is loaded",
                       description="The dated AWS price tables (pricing_data/): refresh one "
                       "from the Price List API, write spot rates, list what is loaded, look "
                       "up one price. refresh and spot call AWS; show and lookup read files.")
    actions = p.add_subparsers(dest="pricing_command", metavar="ACTION", required=True)
    refresh = actions.add_parser(
        "refresh", help="refresh a table from the AWS Price List API",
        description="Fetch one service's on-demand prices, or the other-services rows (EKS, "
                    "ELB, NAT, EBS, RDS storage, ElastiCache backup), for the regions given "
                    "from the AWS Price List API into a new dated table (the one it supersedes "
                    "is named). Exits 1 when an other-services item is not priced. Calls AWS.")
    table = refresh.add_mutually_exclusive_group(required=True)
    table.add_argument("--service", choices=("AmazonEC2", "AmazonElastiCache", "AmazonRDS"),
                       help="Price List service code: its instance table")
    table.add_argument("--other-services", action="store_true",
                       help="the other_services rows the cost model reads (EKS cluster hours, "
                       "ALB/NLB hours and LCUs, NAT gateway, EBS, RDS storage, IOPS and "
                       "backup, ElastiCache backup)")
    refresh.add_argument("--region", required=True, action="append",
                         help="region code (repeatable)")
    refresh.add_argument("--engine", help="RDS / ElastiCache engine, Price List name "
                         "(PostgreSQL, MySQL, MariaDB, Redis, Valkey)")
    refresh.add_argument("--pricing-dir", metavar="DIR", help="table folder (default: "
                         "pricing_data/)")
    refresh.add_argument("--profile", help="AWS profile (default: the SDK's credential chain)")
    spot = actions.add_parser(
        "spot", help="spot rates from the EC2 spot price history into an overrides file",
        description="Read EC2 DescribeSpotPriceHistory for instance types over a window and "
                    "write each type's rate (the mean over the zones of each zone's "
                    "time-weighted mean) as a purchase_option: spot rate in an overrides file "
                    "(created, or updated keeping its other entries; YAML comments are not "
                    "kept). Name the file as the plan's pricing.overrides or "
                    "--pricing-overrides. Calls AWS.")
    spot.add_argument("--region", required=True, help="region code, e.g. us-east-1")
    spot.add_argument("--instance-type", required=True, action="append",
                      help="instance type (repeatable)")
    spot.add_argument("--days", type=ascii_number(int), default=30, metavar="N",
                      help="window: the N days up to the current whole hour, at most 90 (the "
                      "history AWS keeps); default 30")
    spot.add_argument("--product-description", default="Linux/UNIX",
                      help="history's product, default Linux/UNIX (what EKS nodes run)")
    spot.add_argument("--out", required=True, metavar="OVERRIDES.yaml",
                      help="overrides file to write (created, or updated)")
    spot.add_argument("--profile", help="AWS profile (default: the SDK's credential chain)")
    show = actions.add_parser("show", help="list the tables a price book loads, with SHA-256",
                              description="List the price tables loaded (the newest dated table "
                              "of each kind, plus your own), with rows and SHA-256.")
    add_pricing_options(show)
    lookup = actions.add_parser("lookup", help="one price and the table row it comes from",
                                description="One price in USD per unit and the table row (file "
                                "and line) it comes from, as cost prices it.")
    lookup.add_argument("--region", required=True, help="region code, e.g. us-east-1")
    what = lookup.add_mutually_exclusive_group(required=True)
    what.add_argument("--instance-type", help="EC2 instance type, e.g. t3.medium")
    what.add_argument("--instance-class", help="RDS class (with --engine, --deployment)")
    what.add_argument("--node-type", help="ElastiCache node type (with --engine)")
    what.add_argument("--item-id", help="other_services item_id (with --service)")
    lookup.add_argument("--engine", help="Price List engine name: PostgreSQL, MySQL, Redis, ...")
    lookup.add_argument("--deployment", choices=("single-az", "multi-az"), default="single-az",
                        help="RDS deployment (default single-az)")
    lookup.add_argument("--service", help="Price List service code, e.g. AmazonEKS")
    lookup.add_argument("--purchase-option", default="on_demand",
                        choices=("on_demand", "spot", "savings_plan", "reserved"),
                        help="default on_demand; the others come from pricing overrides")
    add_pricing_options(lookup)
    lookup.set_defaults(lookup_parser=lookup)


# a key flag of `pricing lookup`, the flag it needs, and an example of that flag
_LOOKUP_NEEDS = (("instance_class", "engine", "PostgreSQL"), ("node_type", "engine", "Redis"),
                 ("item_id", "service", "AmazonEKS"))


# a qualifying flag of `pricing lookup` and the key flags it qualifies: given with another key
# it would be ignored (fuzz20: --instance-type t3.medium --engine x priced the EC2 row)
_LOOKUP_QUALIFIES = (("engine", ("instance_class", "node_type")), ("service", ("item_id",)),
                     ("deployment", ("instance_class",)))


# the text flags of `pricing lookup`, each with an example value
_LOOKUP_EXAMPLES = {"instance_type": "t3.medium", "instance_class": "db.t3.micro",
                    "node_type": "cache.t3.micro", "item_id": "eks_cluster_hour_standard_support",
                    "engine": "PostgreSQL", "service": "AmazonEKS"}


def _lookup_key(args: argparse.Namespace) -> tuple[str, dict[str, str]]:
    for flag, example in _LOOKUP_EXAMPLES.items():
        # a blank key chose no table: --instance-type '' was looked up as an item_id of None
        # (AttributeError); refused as argparse refuses a missing value
        value = getattr(args, flag)
        if value is not None and not value.strip():
            option = "--" + flag.replace("_", "-")
            args.lookup_parser.error(f"{option} is blank; give a value, e.g. {option} {example}")
    for given, needed, example in _LOOKUP_NEEDS:  # a usage error, as argparse's own
        if getattr(args, given) and not getattr(args, needed):
            args.lookup_parser.error(f"--{given.replace('_', '-')} needs --{needed}, e.g. "
                                     f"--{needed} {example}")
    for extra, keys in _LOOKUP_QUALIFIES:
        given = next(k for k in ("instance_type", *(k for k, _, _ in _LOOKUP_NEEDS))
                     if getattr(args, k))
        # --deployment single-az, its default, changes nothing: only another value is refused
        if getattr(args, extra) != args.lookup_parser.get_default(extra) and given not in keys:
            args.lookup_parser.error(
                f"--{extra} qualifies " + " or ".join(f"--{k.replace('_', '-')}" for k in keys)
                + f", not --{given.replace('_', '-')}; leave it out")
    if args.instance_type:
        return "ec2_on_demand", {"instance_type": args.instance_type}
    if args.instance_class:
        return "rds_on_demand", {"engine": args.engine, "deployment": args.deployment,
                                 "instance_class": args.instance_class}
    if args.node_type:
        return "elasticache_on_demand", {"engine": args.engine, "node_type": args.node_type}
    return "other_services", {"service": args.service, "item_id": args.item_id}


def _run_pricing(args: argparse.Namespace) -> int:
    from infra_toolkit import pricing_refresh
    from infra_toolkit.cost import unit_price_text
    from infra_toolkit.errors import PricingError
    from infra_toolkit.pricing import DEFAULT_PRICING_DIR
    from infra_toolkit.pricing_refresh_other import refresh_other_services
    from infra_toolkit.pricing_tables import check_region_code

    if args.pricing_command == "show":
        for ref in price_book(args).tables_used:
            print(f"{ref.name}  rows={ref.rows}  sha256={ref.sha256}  {ref.path}")
        return 0
    if args.pricing_command == "lookup":
        kind, key = _lookup_key(args)
        # as refresh and spot: a misspelt code was told to refresh a table for it
        check_region_code(args.region, "pricing lookup --region")
        book = price_book(args)
        if kind == "other_services" and args.purchase_option == "on_demand" and any(
                book.values(kind, "tier_start", region=args.region, **key)):
            # a tiered item (internet egress) has one price per tier, none without a tier
            for tier in book.tiers(kind, region=args.region, **key):
                f = tier.row.fields if tier.row is not None else {}
                start, end = f.get("tier_start") or "0", f.get("tier_end")
                span = f"{start} to {end} {tier.unit}" if end else f"over {start} {tier.unit}"
                print(f"{unit_price_text(tier.usd_per_unit)} per {tier.unit} for {span}  "
                      f"({tier.ref})")
            return 0
        price = book.lookup(kind, args.purchase_option, region=args.region, **key)
        print(f"{unit_price_text(price.usd_per_unit)} per {price.unit}  ({price.ref})")
        return 0
    if args.pricing_command == "spot":
        return _run_pricing_spot(args)
    for region in args.region:  # a typo fails before any AWS client is made
        pricing_refresh.check_refresh_region(region, "pricing refresh --region")
    if args.other_services and args.engine:
        raise PricingError("pricing refresh --other-services takes no --engine (it refreshes "
                           "RDS storage, which every engine shares)")
    if not args.other_services:  # RDS / ElastiCache need --engine: said before any client
        pricing_refresh.check_engine(args.service, args.engine)
    client = pricing_refresh.pricing_client(args.profile)
    data_dir = args.pricing_dir or DEFAULT_PRICING_DIR
    missing = 0
    for region in args.region:
        r = (refresh_other_services(region, data_dir=data_dir, client=client)
             if args.other_services else
             pricing_refresh.refresh_table(args.service, region, engine=args.engine,
                                           data_dir=data_dir, client=client))
        print(f"{r.path}: {r.rows_from_aws} rows from AWS for {region}, {r.rows_kept} kept"
              + (f"; supersedes {r.superseded.name}" if r.superseded else ""))
        for item in r.missing:  # the previous rows of the item, if any, are kept
            print(f"not refreshed in {region}: {item}", file=sys.stderr)
        for listed in r.zero_priced:  # not an error: a type AWS does not sell on demand there
            print(f"left out in {region}: {listed} is listed at 0 USD, not offered on demand; a "
                  "lookup of it reports a missing price", file=sys.stderr)
        missing += len(r.missing)
    return 1 if missing else 0


def _run_pricing_spot(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from infra_toolkit.errors import PricingError
    from infra_toolkit.pricing_tables import check_region_code
    from infra_toolkit.spot_prices import (
        fetch_spot_price_history,
        spot_client,
        spot_rates,
        write_spot_overrides,
    )

    check_region_code(args.region, "pricing spot --region")
    if not 1 <= args.days <= 90:
        raise PricingError(f"pricing spot --days {args.days}: give 1 to 90 (AWS keeps 90 days "
                           "of spot price history)")
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=args.days)
    types = list(dict.fromkeys(args.instance_type))
    # before any AWS call: a rate naming a type no specs table knows is refused when the
    # overrides file is loaded, so fetching its history would write a file nothing can read
    from infra_toolkit.pricing import load_price_book
    book = load_price_book()
    known = set(book.values("ec2_instance_specs", "instance_type"))
    unknown = [t for t in types if t not in known]
    if unknown:
        # a name like no type ('zz') has no nearest: it said "zz: nearest )"
        near = "; ".join(
            f"{t}: nearest {', '.join(close)}" if close else f"{t}: no type close"
            for t in unknown
            for close in [book.nearest("ec2_instance_specs", "instance_type", t)])
        raise PricingError(f"pricing spot --instance-type: {', '.join(unknown)} not in the "
                           f"instance specs tables ({near}); an overrides file cannot use a rate "
                           "for a type they lack: check the name, or add its specs row first "
                           "(pricing_data/README.md); nothing fetched")
    points = fetch_spot_price_history(spot_client(args.profile, args.region), types, start, end,
                                      args.product_description, args.region)
    rates = spot_rates(points, start, end, args.region, args.product_description)
    missing = [t for t in types if t not in rates]
    if missing:
        raise PricingError(f"no {args.product_description} spot price history for "
                           f"{', '.join(missing)} in {args.region} over the last {args.days} "
                           "days: check the type's name, or that it is sold as spot there; "
                           f"nothing written to {args.out}")
    write_spot_overrides(args.out, [rates[t] for t in types])
    for t in types:
        r = rates[t]
        print(f"{t} {args.region}: ${r.usd_per_hour} per hour spot ({len(r.zones)} zone(s), "
              f"{min(r.zones.values())} to {max(r.zones.values())})")
    print(f"{args.out}: {len(types)} spot rate(s) written")
    return 0


#: (add the subparser, command name, run it), as :mod:`infra_toolkit.cli` registers them.
PRICING_COMMANDS: list[tuple[Callable[[SubParsers], None], str, Runner]] = [
    (_add_pricing, "pricing", _run_pricing),
]
