"""The ``infra-toolkit cost`` subcommand: the monthly cost of a resources file (optionally
compared with another) or of a plan's declared resources, thin over
:func:`infra_toolkit.cost_pricing.estimate` and :func:`infra_toolkit.cost_summary.render_cost`.

Registered by :mod:`infra_toolkit.cli` (``COST_COMMANDS``), which prints an
:class:`~infra_toolkit.errors.InfraToolkitError` as one line and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from infra_toolkit.cli_pricing import add_pricing_options, price_book
from infra_toolkit.cli_simulate import add_format_option

if TYPE_CHECKING:
    from infra_toolkit.cli_review import Runner, SubParsers
    from infra_toolkit.pricing import PriceBook
    from infra_toolkit.resources import Resource

__all__ = ["COST_COMMANDS"]


def _add_cost(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("cost", help="monthly cost of a resources file or a plan (exit 1 if a "
                       "price is missing)", description=_COST_DESCRIPTION)
    p.add_argument("file", metavar="FILE.yaml", help="resources file (resources: [...]), or a "
                   "plan file: its proposed resources, compared with its current ones")
    p.add_argument("--compare", metavar="CURRENT.yaml", help="current resources to compare with")
    p.add_argument("--region", help="region for resources that name none (overrides the file's; "
                   "for a plan, every resource is priced there)")
    add_format_option(p)
    add_pricing_options(p)


_COST_DESCRIPTION = (
    "Monthly cost (730 hours) in USD of a resources file, component by component, with where "
    "each price came from; of a plan, its proposed resources as declared (node groups at "
    "desired_size) beside its current ones. Exit 0 every line priced, 1 a price not found "
    "(PRICE NOT FOUND, left out of every total), 2 a file that cannot be read or priced.")


def _run_cost(args: argparse.Namespace) -> int:
    from infra_toolkit.cost_pricing import estimate
    from infra_toolkit.cost_summary import render_cost
    from infra_toolkit.errors import PricingError
    from infra_toolkit.notebook_parameters import check_region
    from infra_toolkit.resources import read_resources_yaml

    kind = _file_kind(args.file)
    if kind == "overrides":
        # fuzz20: read as a plan, it listed 12 missing plan sections and 'unknown key rates'
        raise PricingError(
            f"{args.file}: a pricing overrides file (discounts_pct / rates), not a resources "
            f"file or a plan; give it to one: cost RESOURCES.yaml --pricing-overrides "
            f"{args.file}, or a plan's pricing.overrides")
    if kind == "plan":
        return _run_cost_of_plan(args)
    book = price_book(args)
    # the flag named, as for a plan: it was said as the file's resources[0].region
    check_region(args.region, book, "--region")
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


def _file_kind(path: str) -> str:
    """What ``cost`` was given: ``overrides`` (a mapping of ``discounts_pct`` / ``rates`` and
    ``version`` only, a pricing overrides file), ``plan`` (a mapping without ``resources``
    holding ``version``, ``current`` or ``proposed``) or ``resources``. A plan missing one of
    them (a misspelt ``proposed:``) is read as a plan, whose problems name it: read as a
    resources file, it was told to run the very command it ran."""
    import yaml

    from infra_toolkit.plan_yaml import PlanLoader

    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=PlanLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "resources"  # the resources reader reports the problem with its file and line
    if not isinstance(doc, dict) or "resources" in doc:
        return "resources"
    keys = set(doc)
    if keys & {"discounts_pct", "rates"} and keys <= {"version", "discounts_pct", "rates"}:
        return "overrides"
    return "plan" if keys & {"version", "current", "proposed"} else "resources"


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
    check_region(args.region, book, "--region")
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
              "simulated usage (and today's, when the plan's current side has workloads "
              "with an HPA).", file=sys.stderr)
    return 1 if proposed.has_missing_prices or current.has_missing_prices else 0


#: (add the subparser, command name, run it), as :mod:`infra_toolkit.cli` registers them.
COST_COMMANDS: list[tuple[Callable[[SubParsers], None], str, Runner]] = [
    (_add_cost, "cost", _run_cost),
]
