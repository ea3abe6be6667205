"""The ``infra-toolkit`` command line: thin subcommands over the library's public functions.

Exit status: 0 success; 1 a check said no (``gate``, ``validate``, a failed report, a price not
found by ``cost``); 2 bad input or environment (an
:class:`~infra_toolkit.errors.InfraToolkitError`, printed as one line). ``gate`` has no 2: a
plan or store it cannot read is a FAIL with its reason, exit 1 (argparse usage errors stay 2).

Each subcommand is a pair ``_add_<name>(subparsers)`` / ``_run_<name>(args) -> int``, registered
in ``_COMMANDS``; ``simulate`` lives in :mod:`infra_toolkit.cli_simulate`, ``sweep`` in
:mod:`infra_toolkit.cli_sweep`, ``traffic`` in
:mod:`infra_toolkit.cli_traffic`, ``cost`` in :mod:`infra_toolkit.cli_cost`, ``pricing`` in
:mod:`infra_toolkit.cli_pricing`, the review subcommands (submit ... verify) in
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
from infra_toolkit.cli_cost import COST_COMMANDS
from infra_toolkit.cli_pricing import PRICING_COMMANDS
from infra_toolkit.cli_review import REVIEW_COMMANDS, Runner
from infra_toolkit.cli_simulate import SIMULATE_COMMANDS, ascii_number
from infra_toolkit.cli_sweep import SWEEP_COMMANDS
from infra_toolkit.cli_traffic import TRAFFIC_COMMANDS
from infra_toolkit.errors import InfraToolkitError, quoted, shown_file

if TYPE_CHECKING:
    from infra_toolkit.cli_review import SubParsers

__all__ = ["main", "build_parser"]



def _add_version(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub.add_parser("version", help="print the toolkit version",
                   description="Print the toolkit version (as infra-toolkit --version).")


def _run_version(args: argparse.Namespace) -> int:
    print(__version__)
    return 0


def _add_validate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "validate", help="check plan files; list every problem with its place",
        description="Check plan files: every problem (FILE:LINE: path: what; fix), then for a "
                    "valid plan every warning (FILE:LINE: path: warning: ...): behaviour its own "
                    "model implies that its author likely did not intend, such as an HPA metric "
                    "that never rises above its target; those the plan's acknowledged_warnings "
                    "accept as FILE:LINE: path: acknowledged by NAME: REASON (...). Exit 0 valid "
                    "(warnings or not), 1 a problem, 2 a file that cannot be read.")
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
    p.add_argument("--jobs", type=ascii_number(int), default=1, metavar="N",
                   help="plans built in parallel (default 1)")
    p.add_argument("--notebook", metavar="NB.ipynb", help="report notebook to run instead of "
                   "notebooks/plan_report.ipynb")


def _run_report(args: argparse.Namespace) -> int:
    import yaml

    from infra_toolkit.plan_yaml import PlanLoader, syntax_problem
    from infra_toolkit.report import build_reports

    if args.out is not None and not args.out.strip():
        # "" was taken as no --out: the report went to reports/ instead of where it was sent
        print(f"error: --out is {'empty' if not args.out else 'blank'} (--out \"$VAR\" with VAR "
              "unset?): name the HTML file, e.g. --out reports/plan.html, or leave --out out "
              "for reports/<plan name>.html", file=sys.stderr)
        return 2
    if args.out and len(args.plans) > 1:
        print("error: --out names one file; with several plans the reports go to reports/",
              file=sys.stderr)
        return 2
    # read as a plan's values are (PlanLoader: 1e9 is a number, as in the plan itself)
    parameters = {}
    for name, value in args.parameter:
        try:
            parameters[name] = yaml.load(value, Loader=PlanLoader)
        except yaml.YAMLError as exc:  # was a traceback ('[1', '*a', a !!python tag)
            print(f"error: -p {name} {quoted(value)} is not a YAML value: "
                  f"{syntax_problem(exc, value)}; write it as YAML (a number, a name, a list "
                  "such as '[a, b]'), or quote text; nothing was built or written",
                  file=sys.stderr)
            return 2
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

    path = shown_file(plan_path)  # clipped as the message clips it (a 5,000-character name)
    named = re.search(rf"(?<![\w./-]){re.escape(path)}(?![\w/-])", message)
    return message if named else f"{path}: {message}"


_COMMANDS: list[tuple[Callable[[SubParsers], None], str, Runner]] = [
    (_add_version, "version", _run_version),
    (_add_validate, "validate", _run_validate),
    *SIMULATE_COMMANDS,
    *SWEEP_COMMANDS,
    *TRAFFIC_COMMANDS,
    *COST_COMMANDS,
    *PRICING_COMMANDS,
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
