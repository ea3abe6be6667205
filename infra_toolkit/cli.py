"""The ``infra-toolkit`` command line: thin subcommands over the library's public functions.

Exit status: 0 success; 1 a check said no (``gate``, ``validate``, a failed report); 2 bad input or
environment (an :class:`~infra_toolkit.errors.InfraToolkitError`, printed as one line).

Each subcommand is a pair ``_add_<name>(subparsers)`` / ``_run_<name>(args) -> int``, registered
in ``_COMMANDS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from infra_toolkit import __version__
from infra_toolkit.errors import InfraToolkitError

__all__ = ["main", "build_parser"]

Runner = Callable[[argparse.Namespace], int]


def _add_version(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sub.add_parser("version", help="print the toolkit version")


def _run_version(args: argparse.Namespace) -> int:
    print(__version__)
    return 0


def _add_report(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="build the offline HTML review document of plans")
    p.add_argument("plans", nargs="+", metavar="PLAN.yaml")
    p.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                   metavar=("NAME", "VALUE"), help="notebook parameter (value read as YAML)")
    p.add_argument("--out", metavar="PATH.html", help="output file (one plan only); "
                   "default reports/<plan name>.html")
    p.add_argument("--keep-notebook", action="store_true",
                   help="keep the executed notebook beside the HTML")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="plans built in parallel")
    p.add_argument("--notebook", metavar="NB.ipynb", help="report notebook to run instead of "
                   "notebooks/plan_report.ipynb")


def _run_report(args: argparse.Namespace) -> int:
    import yaml

    from infra_toolkit.report import build_reports

    if args.out and len(args.plans) > 1:
        print("error: --out names one file; with several plans the reports go to reports/",
              file=sys.stderr)
        return 2
    parameters = {name: yaml.safe_load(value) for name, value in args.parameter}
    outcomes = build_reports(args.plans, jobs=args.jobs, parameters=parameters,
                             keep_notebook=args.keep_notebook, notebook=args.notebook,
                             out=args.out)
    for outcome in outcomes:
        if outcome.result is None:
            print(f"error: {outcome.plan_path}: {outcome.error}", file=sys.stderr)
        else:
            r = outcome.result
            print(f"{r.html_path} ({r.html_bytes / 1e6:.1f} MB, {r.build_s:.1f} s)")
    return 0 if all(o.result for o in outcomes) else 1


_COMMANDS: list[tuple[Callable[[argparse._SubParsersAction], None], str, Runner]] = [  # type: ignore[type-arg]
    (_add_version, "version", _run_version),
    (_add_report, "report", _run_report),
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    runners = {name: run for _add, name, run in _COMMANDS}
    try:
        return runners[args.command](args)
    except InfraToolkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
