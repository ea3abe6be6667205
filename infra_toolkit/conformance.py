"""Run HPA test vectors (``../shared/hpa/SPEC.md`` section 0) through the public API of
:mod:`infra_toolkit.hpa`.

``python -m infra_toolkit.conformance FILE.json [FILE.json ...]`` prints one line per failing case
(name, expected, got) and ends with ``N passed, M failed``; the exit status is 0 only when nothing
failed. Every file is read and every case checked against the schema of SPEC.md section 0
(:mod:`infra_toolkit.conformance_schema`) before any case runs: a file that cannot be read or
holds a malformed case (``case 'x': inputs.pods missing``) is reported on stderr, nothing runs
and the exit status is 2. This module reads the files and reports; each case is run by
:mod:`infra_toolkit.conformance_cases` (one runner per case kind, and how it reads the schema where
it leaves room).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra_toolkit.conformance_cases import Case, run_case
from infra_toolkit.conformance_schema import file_problems

__all__ = ["VectorFileError", "main", "read_vector_file", "run_file"]


class VectorFileError(ValueError):
    """A vector file whose cases do not follow SPEC.md section 0; ``problems`` lists each one
    (``case 'x': inputs.pods missing``)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} case problem(s) against the schema of SPEC.md "
                         "section 0: " + "; ".join(self.problems))


def read_vector_file(path: Path) -> tuple[list[Case], Mapping[str, Any]]:
    """A vector file's cases and constants, every case checked against SPEC.md section 0.

    Raises OSError or ValueError when the file cannot be read, VectorFileError (a ValueError)
    when a case is malformed or two cases share a name."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    cases = document.get("cases") if isinstance(document, Mapping) else None
    if not isinstance(cases, list):
        raise ValueError('the top level must be an object whose "cases" is a list of case '
                         "objects (SPEC.md section 0)")
    problems = file_problems(cases)
    if problems:
        raise VectorFileError(problems)
    return cases, document.get("constants") or {}


def run_file(path: Path) -> list[tuple[str, bool, dict[str, Any], dict[str, Any]]]:
    """Run every case of a vector file: a list of (name, passed, expected, got). Raises as
    :func:`read_vector_file` does, before running any case."""
    cases, constants = read_vector_file(path)
    return _run_cases(cases, constants)


def _run_cases(cases: Sequence[Case], constants: Mapping[str, Any],
               ) -> list[tuple[str, bool, dict[str, Any], dict[str, Any]]]:
    outcomes = []
    for case in cases:
        passed, expected, got = run_case(case, constants)
        outcomes.append((str(case.get("name")), passed, expected, got))
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: run the files, print failures and the ``N passed, M failed`` line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m infra_toolkit.conformance FILE.json [FILE.json ...]",
              file=sys.stderr)
        return 2
    files, unusable = [], False
    for arg in args:  # every file is read and checked before any case runs
        try:
            files.append(read_vector_file(Path(arg)))
        except VectorFileError as exc:
            unusable = True
            for problem in exc.problems:
                print(f"error: {arg}: {problem}", file=sys.stderr)
            print(f"error: cannot read vectors from {arg}: {len(exc.problems)} case problem(s) "
                  "against the schema of SPEC.md section 0 (listed above); fix them and run "
                  "again", file=sys.stderr)
        except (OSError, ValueError) as exc:  # JSON and UTF-8 decoding errors are ValueErrors
            unusable = True
            print(f"error: cannot read vectors from {arg}: {exc}", file=sys.stderr)
    if unusable:
        return 2
    passed = failed = 0
    for cases, constants in files:
        for name, ok, expected, got in _run_cases(cases, constants):
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {name}: expected {json.dumps(expected, sort_keys=True)} "
                      f"got {json.dumps(got, sort_keys=True, default=str)}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
