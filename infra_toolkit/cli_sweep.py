"""The ``infra-toolkit sweep`` subcommand: many HPA / node variants of one plan workload, ranked
cheapest first among those meeting the plan's SLOs; thin over
:func:`infra_toolkit.tuning.sweep_workload`.

Registered by :mod:`infra_toolkit.cli` (``SWEEP_COMMANDS``), which prints an
:class:`~infra_toolkit.errors.InfraToolkitError` as one line and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from infra_toolkit.cli_simulate import add_format_option, ascii_number, horizon_hours
from infra_toolkit.tuning_grid import (
    DEFAULT_MAX_CLUSTER_RUNS,
    DEFAULT_MAX_VARIANTS,
    HPA_FIELDS,
    NODE_FIELDS,
)
from infra_toolkit.tuning_targets import TARGET_FIELD_FORMS

if TYPE_CHECKING:
    from infra_toolkit.cli_review import Runner, SubParsers

__all__ = ["SWEEP_COMMANDS"]

_EPILOG = f"""\
fields (--vary FIELD=V1,V2,... or FIELD=LO..HI[:STEP], whole numbers; a quantity target's
values quantities as the API takes them, e.g. 80,100,1.5k,500m):
  {', '.join(HPA_FIELDS[:2])},
  {', '.join(HPA_FIELDS[2:6])},
  {', '.join(HPA_FIELDS[6:8])},
  {', '.join(HPA_FIELDS[8:])},
  {', '.join(TARGET_FIELD_FORMS[:2])},
  {TARGET_FIELD_FORMS[2]},
  {TARGET_FIELD_FORMS[3]}
  (HPA fields as in the manifest; <direction>.<Percent|Pods>.value sets every policy of that
  type in that direction; cpu/memory.averageUtilization|averageValue the Resource target, or
  the ContainerResource one on the pod's one container; <metric> the metric's name, e.g.
  pods.grpc_server_handled_per_second.averageValue=80,100,120), and {NODE_FIELDS[1]} (the
  workload's node group's scaling_config.max_size). Instance types: --instance-types. A
  Karpenter NodePool's group takes only the types its requirements allow, max_size within
  its spec.limits.

A variant the API refuses (minReplicas above maxReplicas) is listed as invalid, not simulated.
"meets SLOs" is the report's own SLO check (a full simulation, judged as the report judges
it), run on the baseline and the cheapest variants the screen's summary rows do not already
reject; the others are "not confirmed". A workload that shares a node group with other pods
runs with them, as the report runs them (cluster mode: every variant run, no screen; one that
breaks another workload's SLO the baseline meets fails). Money: the workload's node groups'
monthly cost in the first chosen scenario that is not a load test, projected to 730 h as the
report does; in cluster mode it is the groups' whole cost (ranked, "groups monthly") with the
workload's request share of their instance cost beside it ("its share", the report's
per-workload split). The legend's last line gives the rank in one sentence: failing rows
nearest to passing first (the summary row's violation minutes, which screened rows have too),
rows tied on cost by the cost over all chosen scenarios, those minutes, peak replicas and
scale events.

example:
  infra-toolkit sweep plans/ecommerce-eks.yaml --workload backend \\
      --vary minReplicas=2..4 --vary cpu.averageUtilization=50,60,70 --top 5
"""


def _at_least_one(text: str) -> int:
    """A count option's value: a whole number >= 1 (``--top``, ``--max-variants``)."""
    try:
        count = int(ascii_number(int)(text))
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return count


def _add_sweep(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sweep", help="the cheapest HPA / node configuration of a workload meeting its SLOs",
        # RawDescription keeps the epilog's layout: the description is wrapped by hand
        description="Simulate a grid of HPA / node-group variants of one plan workload, price\n"
                    "each and rank those meeting every SLO of the plan cheapest first. Exit 0\n"
                    "ranked (whether or not a variant meets the SLOs), 2 bad input.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("plan", metavar="PLAN.yaml", help="a plan (docs/PLAN.md)")
    p.add_argument("--workload", required=True, metavar="NAME",
                   help="a proposed workload with an HPA")
    p.add_argument("--scenario", action="append", metavar="NAME",
                   help="a plan scenario (repeat for several); default: the plan's first that "
                        "is not a load test")
    p.add_argument("--vary", action="append", default=[], metavar="FIELD=VALUES",
                   help="a field and its values, e.g. minReplicas=2..6 (see below)")
    p.add_argument("--instance-types", metavar="T1,T2",
                   help="instance types for the workload's node group, e.g. t3.medium,m6i.large")
    p.add_argument("--horizon-h", type=horizon_hours, metavar="HOURS",
                   help="simulate only the first hours of each scenario (the report's "
                        "horizon_h); refused when longer than every chosen scenario")
    p.add_argument("--top", type=_at_least_one, default=10, metavar="N",
                   help="rows shown, and variants meeting the SLOs to confirm (default 10)")
    p.add_argument("--max-variants", type=_at_least_one, default=DEFAULT_MAX_VARIANTS, metavar="N",
                   help=f"refuse a larger grid (default {DEFAULT_MAX_VARIANTS:,})")
    p.add_argument("--max-cluster-runs", type=_at_least_one, default=DEFAULT_MAX_CLUSTER_RUNS,
                   metavar="N", help="every variant run, no screen (a workload sharing "
                   "nodes, or on node groups of one instance type): refuse more variants x "
                   f"scenarios (default {DEFAULT_MAX_CLUSTER_RUNS:,})")
    add_format_option(p)


def _run_sweep(args: argparse.Namespace) -> int:
    from infra_toolkit.notebook_parameters import check_plan_path
    from infra_toolkit.plan import read_plan
    from infra_toolkit.plan_replay import select_workloads
    from infra_toolkit.pricing import load_price_book
    from infra_toolkit.tuning import sweep_workload
    from infra_toolkit.tuning_format import format_sweep
    from infra_toolkit.tuning_grid import parse_vary
    from infra_toolkit.tuning_hpa_fields import hpa_document
    from infra_toolkit.tuning_targets import hpa_target_fields

    texts = list(args.vary)
    if args.instance_types is not None:
        texts.append(f"instance_type={args.instance_types}")
    plan = read_plan(check_plan_path(args.plan))
    # the words simulate PLAN gives a wrong --workload: the nearest name (audit18 A18-2)
    select_workloads(plan, [args.workload])
    # an unknown field's message lists this HPA's metric targets by name
    workload = next(w for w in plan.proposed.workloads if w.name == args.workload)
    targets = hpa_target_fields(hpa_document(plan, workload)[0]) if workload.hpa else ()
    grid = parse_vary(texts, args.max_variants, targets)
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    result = sweep_workload(plan, book, args.workload, grid, scenarios=args.scenario,
                            horizon_h=args.horizon_h, top=args.top,
                            max_variants=args.max_variants,
                            max_cluster_runs=args.max_cluster_runs)
    print(format_sweep(result, args.format, args.top))
    if args.format == "csv" and result.unsettled:
        # the table and JSON carry it; CSV rows have no place for it (audit18 A18-7)
        print(f"warning: NOT SETTLED: {result.unsettled}", file=sys.stderr)
    return 0


#: (add the subparser, command name, run it), as :mod:`infra_toolkit.cli` registers them.
SWEEP_COMMANDS: list[tuple[Callable[[SubParsers], None], str, Runner]] = [
    (_add_sweep, "sweep", _run_sweep),
]
