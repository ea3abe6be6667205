"""The ``infra-toolkit`` command line: thin subcommands over the library's public functions.

Exit status: 0 success; 1 a check said no (``gate``, ``validate``, a failed report, a price not
found by ``cost``); 2 bad input or environment (an
:class:`~infra_toolkit.errors.InfraToolkitError`, printed as one line). ``gate`` has no 2: a
plan or store it cannot read is a FAIL with its reason, exit 1 (argparse usage errors stay 2).

Each subcommand is a pair ``_add_<name>(subparsers)`` / ``_run_<name>(args) -> int``, registered
in ``_COMMANDS``; ``simulate`` lives in :mod:`infra_toolkit.cli_simulate`, ``sweep`` in
:mod:`infra_toolkit.cli_sweep`, ``traffic`` in
:mod:`infra_toolkit.cli_traffic`, the review subcommands (submit ... verify) in
:mod:`infra_toolkit.cli_review`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from infra_toolkit import __version__
from infra_toolkit.cli_review import REVIEW_COMMANDS, Runner
from infra_toolkit.cli_simulate import SIMULATE_COMMANDS, add_format_option
from infra_toolkit.cli_sweep import SWEEP_COMMANDS
from infra_toolkit.cli_traffic import TRAFFIC_COMMANDS
from infra_toolkit.errors import InfraToolkitError

if TYPE_CHECKING:
    from infra_toolkit.cli_review import SubParsers
    from infra_toolkit.pricing import PriceBook
    from infra_toolkit.resources import Resource

__all__ = ["main", "build_parser"]



def _add_version(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub.add_parser("version", help="print the toolkit version",
                   description="Print the toolkit version (as infra-toolkit --version).")


def _run_version(args: argparse.Namespace) -> int:
    print(__version__)
    return 0


def _add_pricing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pricing-dir", metavar="DIR", help="folder of <kind>_<date>.csv price "
                        "tables (default: the repository's pricing_data/)")
    parser.add_argument("--pricing-table", metavar="CSV", action="append", default=[],
                        help="your own table, same columns as a shipped one (repeatable)")
    parser.add_argument("--pricing-overrides", metavar="YAML",
                        help="discounts and rates (format: pricing_data/README.md)")


def _price_book(args: argparse.Namespace) -> PriceBook:
    from infra_toolkit.pricing import load_price_book

    return load_price_book(args.pricing_dir, args.pricing_table, args.pricing_overrides)


def _add_cost(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("cost", help="monthly cost of a resources file or a plan (exit 1 if a "
                       "price is missing)", description=_COST_DESCRIPTION)
    p.add_argument("file", metavar="FILE.yaml", help="resources file (resources: [...]), or a "
                   "plan file: its proposed resources, compared with its current ones")
    p.add_argument("--compare", metavar="CURRENT.yaml", help="current resources to compare with")
    p.add_argument("--region", help="region for resources that name none (overrides the file's; "
                   "for a plan, every resource is priced there)")
    add_format_option(p)
    _add_pricing_options(p)


_COST_DESCRIPTION = (
    "Monthly cost (730 hours) in USD of a resources file, component by component, with where "
    "each price came from; of a plan, its proposed resources as declared (node groups at "
    "desired_size) beside its current ones. Exit 0 every line priced, 1 a price not found "
    "(PRICE NOT FOUND, left out of every total), 2 a file that cannot be read or priced.")


def _run_cost(args: argparse.Namespace) -> int:
    from infra_toolkit.cost_pricing import estimate
    from infra_toolkit.cost_summary import render_cost
    from infra_toolkit.notebook_parameters import check_region
    from infra_toolkit.resources import read_resources_yaml

    if _is_plan_file(args.file):
        return _run_cost_of_plan(args)
    book = _price_book(args)
    # the flag named, as for a plan: it was said as the file's resources[0].region
    check_region(args.region, book)
    resources = read_resources_yaml(args.file, region=args.region, price_book=book)
    proposed = estimate(resources, book)
    current = None
    if args.compare:
        compared = read_resources_yaml(args.compare, region=args.region, price_book=book)
        current = estimate(compared, book)
        resources = (*resources, *compared)
    _warn_prices(book, resources)
    print(render_cost(proposed, args.format, current))
    missing = proposed.has_missing_prices or (current is not None and current.has_missing_prices)
    return 1 if missing else 0


def _warn_prices(book: PriceBook, resources: Sequence[Resource]) -> None:
    """The overrides' discounts that read as fractions and the user's rates and table rows no
    line of ``resources`` asks for, on stderr (validate warns of them for a plan; ``cost`` of a
    resources file is where a price is most often tried)."""
    from infra_toolkit.price_warnings import discount_warnings, unused_price_warnings

    for w in discount_warnings(book) + unused_price_warnings(book, resources):
        print(f"warning: {w.message}", file=sys.stderr)


def _is_plan_file(path: str) -> bool:
    """Whether ``path`` is a plan rather than a resources file: a mapping without ``resources``
    holding ``version``, ``current`` or ``proposed``. A plan missing one of them (a misspelt
    ``proposed:``) is read as a plan, whose problems name it: read as a resources file, it was
    told to run the very command it ran."""
    import yaml

    from infra_toolkit.plan_yaml import PlanLoader

    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=PlanLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False  # the resources reader reports the problem with its file and line
    return isinstance(doc, dict) and "resources" not in doc and bool(
        {"version", "current", "proposed"} & set(doc))


def _run_cost_of_plan(args: argparse.Namespace) -> int:
    from infra_toolkit.cost_pricing import estimate
    from infra_toolkit.cost_summary import render_cost
    from infra_toolkit.notebook_parameters import check_region
    from infra_toolkit.plan import read_plan
    from infra_toolkit.plan_cost import in_region
    from infra_toolkit.pricing import load_price_book
    from infra_toolkit.resources import read_resources_yaml

    plan = read_plan(args.file)
    book = load_price_book(args.pricing_dir, [*args.pricing_table, *plan.pricing_tables],
                           args.pricing_overrides or plan.pricing_overrides)
    check_region(args.region, book)
    proposed_resources = in_region(plan.proposed.resources, args.region)
    proposed = estimate(proposed_resources, book)
    current_resources = (read_resources_yaml(args.compare, region=args.region, price_book=book)
                         if args.compare else in_region(plan.current.resources, args.region))
    current = estimate(current_resources, book)
    _warn_prices(book, (*proposed_resources, *current_resources))
    print(render_cost(proposed, args.format, current))
    if args.format == "table":  # json/csv stay machine-readable; the basis is a reader's note
        print("Note: PROPOSED is the plan as declared (node groups at desired_size), the "
              "review's cost basis; the report's headline prices the expected scenario's "
              "simulated usage.", file=sys.stderr)
    return 1 if proposed.has_missing_prices or current.has_missing_prices else 0


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
    spot.add_argument("--days", type=int, default=30, metavar="N", help="window: the N days up "
                      "to the current whole hour, at most 90 (the history AWS keeps); default 30")
    spot.add_argument("--product-description", default="Linux/UNIX",
                      help="history's product, default Linux/UNIX (what EKS nodes run)")
    spot.add_argument("--out", required=True, metavar="OVERRIDES.yaml",
                      help="overrides file to write (created, or updated)")
    spot.add_argument("--profile", help="AWS profile (default: the SDK's credential chain)")
    show = actions.add_parser("show", help="list the tables a price book loads, with SHA-256",
                              description="List the price tables loaded (the newest dated table "
                              "of each kind, plus your own), with rows and SHA-256.")
    _add_pricing_options(show)
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
    _add_pricing_options(lookup)
    lookup.set_defaults(lookup_parser=lookup)


# a key flag of `pricing lookup`, the flag it needs, and an example of that flag
_LOOKUP_NEEDS = (("instance_class", "engine", "PostgreSQL"), ("node_type", "engine", "Redis"),
                 ("item_id", "service", "AmazonEKS"))


def _lookup_key(args: argparse.Namespace) -> tuple[str, dict[str, str]]:
    for given, needed, example in _LOOKUP_NEEDS:  # a usage error, as argparse's own
        if getattr(args, given) and not getattr(args, needed):
            args.lookup_parser.error(f"--{given.replace('_', '-')} needs --{needed}, e.g. "
                                     f"--{needed} {example}")
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
        for ref in _price_book(args).tables_used:
            print(f"{ref.name}  rows={ref.rows}  sha256={ref.sha256}  {ref.path}")
        return 0
    if args.pricing_command == "lookup":
        kind, key = _lookup_key(args)
        # as refresh and spot: a misspelt code was told to refresh a table for it
        check_region_code(args.region, "pricing lookup --region")
        book = _price_book(args)
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
        near = "; ".join(
            f"{t}: nearest {', '.join(book.nearest('ec2_instance_specs', 'instance_type', t))}"
            for t in unknown)
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


def _add_validate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "validate", help="check plan files; list every problem with its place",
        description="Check plan files: every problem (FILE:LINE: path: what; fix), then for a "
                    "valid plan every warning (FILE:LINE: path: warning: ...): behaviour its own "
                    "model implies that its author likely did not intend, such as an HPA metric "
                    "that never rises above its target. Exit 0 valid (warnings or not), 1 a "
                    "problem, 2 a file that cannot be read.")
    p.add_argument("plans", nargs="+", metavar="PLAN.yaml", help="plan file(s) to check")


def _run_validate(args: argparse.Namespace) -> int:
    from infra_toolkit.digest import plan_digest
    from infra_toolkit.plan_validate import check_plan_warnings

    status = 0
    for path in args.plans:
        try:
            plan, problems, warnings = check_plan_warnings(Path(path))
        except InfraToolkitError as exc:  # unreadable: exit 2, and still check the others
            print(f"error: {exc}", file=sys.stderr)
            status = 2
            continue
        for problem in [*problems, *warnings]:
            print(problem)
        if plan is None:
            print(f"{path}: {len(problems)} problem(s); the plan is not valid")
            status = max(status, 1)
        else:
            print(f"{path}: valid; digest {plan_digest(plan)}")
    return status


def _add_report(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "report", help="build the offline HTML review document of plans",
        description="Run notebooks/plan_report.ipynb for each plan and write its offline HTML "
                    "page. An invalid plan is refused before anything runs. Exit 0 every report "
                    "written; 1 a plan's was not (a missing or invalid plan, a failing notebook, "
                    "which is kept beside the output path with the error marked); 2 a usage "
                    "error.")
    p.add_argument("plans", nargs="+", metavar="PLAN.yaml", help="plan file(s)")
    p.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                   metavar=("NAME", "VALUE"), help="notebook parameter, value read as YAML "
                   "(repeatable): scenarios, expected_scenario, horizon_h, region, db, "
                   "chart_workloads (README, Report options)")
    p.add_argument("--out", metavar="PATH.html", help="output file (one plan only); "
                   "default reports/<plan name>.html")
    p.add_argument("--keep-notebook", action="store_true",
                   help="keep the executed notebook beside the HTML")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="plans built in parallel (default 1)")
    p.add_argument("--notebook", metavar="NB.ipynb", help="report notebook to run instead of "
                   "notebooks/plan_report.ipynb")


def _run_report(args: argparse.Namespace) -> int:
    import yaml

    from infra_toolkit.plan_yaml import PlanLoader
    from infra_toolkit.report import build_reports

    if args.out and len(args.plans) > 1:
        print("error: --out names one file; with several plans the reports go to reports/",
              file=sys.stderr)
        return 2
    # read as a plan's values are (PlanLoader: 1e9 is a number, as in the plan itself)
    parameters = {name: yaml.load(value, Loader=PlanLoader) for name, value in args.parameter}
    outcomes = build_reports(args.plans, jobs=args.jobs, parameters=parameters,
                             keep_notebook=args.keep_notebook, notebook=args.notebook,
                             out=args.out)
    for outcome in outcomes:
        if outcome.result is None:
            print(f"error: {_naming(str(outcome.plan_path), outcome.error or '')}",
                  file=sys.stderr)
        else:
            r = outcome.result
            print(f"{r.html_path} ({r.html_bytes / 1e6:.1f} MB, {r.build_s:.1f} s)")
    return 0 if all(o.result for o in outcomes) else 1




def _naming(plan_path: str, message: str) -> str:
    """``message`` led by the plan it is about, unless it names that plan already (it said
    ``error: p.yaml: plan file p.yaml does not exist``)."""
    import re

    named = re.search(rf"(?<![\w./-]){re.escape(plan_path)}(?![\w/-])", message)
    return message if named else f"{plan_path}: {message}"


_COMMANDS: list[tuple[Callable[[SubParsers], None], str, Runner]] = [
    (_add_version, "version", _run_version),
    (_add_validate, "validate", _run_validate),
    *SIMULATE_COMMANDS,
    *SWEEP_COMMANDS,
    *TRAFFIC_COMMANDS,
    (_add_cost, "cost", _run_cost),
    (_add_pricing, "pricing", _run_pricing),
    (_add_report, "report", _run_report),
    *REVIEW_COMMANDS,
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="infra-toolkit",
        description="Plan infrastructure changes: simulate scaling, price them, report, approve.",
    )
    parser.add_argument("--version", action="version", version=f"infra-toolkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add, _name, _run in _COMMANDS:
        add(sub)
    return parser


def _command_parser(parser: argparse.ArgumentParser,
                    args: argparse.Namespace) -> argparse.ArgumentParser:
    """The innermost subcommand parser ``args`` went through (``pricing refresh``'s for
    ``pricing refresh ...``), ``parser`` itself when it has no subcommands."""
    while True:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        chosen = getattr(args, subs[0].dest, None) if subs else None
        if chosen not in (subs[0].choices if subs else {}):
            return parser
        parser = subs[0].choices[chosen]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # argparse leaves a subcommand's unknown options to the top parser, whose usage line
        # names no option of the command: `report -o X` printed `usage: infra-toolkit
        # [-h] [--version] COMMAND ...`; the command's own usage lists what it takes
        _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    # what was run, for notes that record the command (`traffic cloudwatch`'s origin note)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    runners = {name: run for _add, name, run in _COMMANDS}
    try:
        return runners[args.command](args)
    except InfraToolkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl-C: one line, not a traceback from wherever the command was (a kernel, numpy);
        # 130 = 128 + SIGINT, the status a shell gives a command a Ctrl-C ended
        print("error: interrupted (Ctrl-C); the command stopped before it finished",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`infra-toolkit ... | head`): stop quietly, and keep Python's
        # exit-time flush of stdout from raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
