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


def _add_validate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("validate", help="check plan files; list every problem with its place")
    p.add_argument("plans", nargs="+", metavar="PLAN.yaml", help="plan file(s) to check")


def _run_validate(args: argparse.Namespace) -> int:
    from infra_toolkit.digest import plan_digest
    from infra_toolkit.plan import read_plan, validate_plan

    status = 0
    for path in args.plans:
        problems = validate_plan(path)  # an unreadable file raises PlanError: exit 2
        for problem in problems:
            print(problem)
        if problems:
            print(f"{path}: {len(problems)} problem(s); the plan is not valid")
            status = 1
        else:
            print(f"{path}: valid; digest {plan_digest(read_plan(path))}")
    return status


_COMMANDS: list[tuple[Callable[[argparse._SubParsersAction], None], str, Runner]] = [  # type: ignore[type-arg]
    (_add_version, "version", _run_version),
    (_add_validate, "validate", _run_validate),
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
