"""The exceptions infra_toolkit raises on purpose.

Every message names the input (file and field), the bad value, what is valid and the fix::

    InfraToolkitError                 base: the CLI prints it as one line and exits 2 (gate: 1)
     ├── SpecError                    an HPA / Deployment / node-group spec is invalid
     ├── PlanError                    a plan file is invalid (carries every problem found)
     ├── TrafficError                 a traffic curve cannot be read or fetched
     ├── PricingError                 a pricing table is invalid or cannot be refreshed
     │    └── PriceNotFound           no price for what was asked (lists the nearest keys)
     ├── SimulationError              a simulation was asked something it cannot do
     ├── ReportError                  a report notebook failed or its HTML is not self-contained
     └── ApprovalError                the approval store cannot be read or written
          └── StoreIntegrityError     the store's hash chain does not verify (tampering)
"""

from __future__ import annotations

import re

__all__ = [
    "InfraToolkitError",
    "SpecError",
    "PlanError",
    "TrafficError",
    "PricingError",
    "PriceNotFound",
    "SimulationError",
    "ReportError",
    "ApprovalError",
    "StoreIntegrityError",
    "QUOTED_CHARS",
    "clipped",
    "clipped_path",
    "not_utf8",
    "one_line",
    "quoted",
    "shown",
    "shown_file",
]


class InfraToolkitError(Exception):
    """Base class: an error caused by the user's input or environment, with a message that says
    what was wrong and how to fix it."""

    def _render_traceback_(self) -> list[str]:
        """What IPython (a Jupyter cell, a papermill run) shows for this error instead of its
        traceback: the message, which names the input and the fix. The frames inside the
        toolkit would only bury it; ``import traceback; traceback.print_last()`` prints them."""
        return [f"{type(self).__name__}: {self}"]


class SpecError(InfraToolkitError, ValueError):
    """An HPA, Deployment or node-group spec is invalid; the message carries the field path."""


class PlanError(InfraToolkitError, ValueError):
    """A plan file is invalid. ``problems`` holds every problem found, one line each."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems or [])


class TrafficError(InfraToolkitError, ValueError):
    """A traffic curve cannot be read (bad CSV) or fetched (CloudWatch)."""


class PricingError(InfraToolkitError):
    """A pricing table is invalid, or a refresh from the AWS Price List failed."""


class PriceNotFound(PricingError, LookupError):
    """No price matches what was asked; the message lists the nearest available keys.
    ``reason`` is the part of the message lines missing prices for the same cause share (the
    table and why, with the fix), without the key asked: the cost tables print it once, as a
    note the lines point to; the whole message when no such part stands apart."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class SimulationError(InfraToolkitError, ValueError):
    """A simulation input is inconsistent (e.g. a pod larger than any node)."""


class ReportError(InfraToolkitError):
    """A report could not be built: the notebook failed (the message names the cell) or the
    exported HTML still references the network."""


class ApprovalError(InfraToolkitError):
    """The approval store cannot be opened, read or written."""


class StoreIntegrityError(ApprovalError):
    """A record of the approval store does not match its hash or its link to the previous one."""


def one_line(exc: BaseException) -> str:
    """``exc``'s message on one line, for a one-line error or a gate's reason: the first line,
    then the others (a PlanError's problems, a driver's hint) joined with `` | `` (a line's own
    text may hold ``;``); the exception's type when it has no message."""
    first, *rest = [line.strip() for line in str(exc).splitlines() if line.strip()] or [
        type(exc).__name__
    ]
    return " ".join([first, " | ".join(rest)]) if rest else first



#: The longest user value a message quotes whole, and how much of a longer one it shows. A value
#: can be any size (a traffic CSV given as a plan is one YAML scalar of 150 KB, a fuzzed name
#: 100,000 characters); quoted whole it would be the message, burying the field, the rule and the
#: fix. 80 characters hold any real name whole, and one just over a limit (Kubernetes names stop
#: at 63), so the user sees what was refused.
QUOTED_CHARS = 80
_SHOWN_CHARS = 60


def not_utf8(exc: UnicodeDecodeError) -> str:
    """``is not UTF-8 text (byte 0xff at offset 0)``: a file's decoding error as a message says it
    after the file's name, never Python's ``'utf-8' codec can't decode byte ... in position``."""
    return f"is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})"


def quoted(value: object) -> str:
    """``value`` as a message quotes a user's value: its ``repr`` (what ``f"{value!r}"`` gives),
    or for a value longer than :data:`QUOTED_CHARS` its first 60 characters, ``…`` and its
    length: ``'abab...ab'… (100,000 characters)``, with 60 characters between the quotes."""
    if not isinstance(value, str):
        return clipped(repr(value))
    if len(value) <= QUOTED_CHARS:
        return repr(value)
    return f"{value[:_SHOWN_CHARS]!r}… ({len(value):,} characters)"


def clipped(text: str) -> str:
    """``text`` shown bare (a field path, a number): whole, or when longer than
    :data:`QUOTED_CHARS` its first 60 characters, ``…`` and its length."""
    if len(text) <= QUOTED_CHARS:
        return text
    return f"{text[:_SHOWN_CHARS]}… ({len(text):,} characters)"


def shown(text: str) -> str:
    """``text`` (a path, a file name) as a message shows it: bare and :func:`clipped` when
    every character prints, else :func:`quoted`: a line break in it split a one-line error in
    two, and a mark drawn as nothing (U+200F) hid why ``timeline[0]\u200f`` matched nothing."""
    return clipped(text) if text.isprintable() else quoted(text)


def shown_file(path: str) -> str:
    """A file's path as a message shows it: :func:`shown`, but a path longer than
    :data:`QUOTED_CHARS` keeps its last 60 characters, where the file's name is (``…`` first,
    then its length): a checkout's long folders clipped from the front hid which file failed."""
    if len(path) <= QUOTED_CHARS or not path.isprintable():
        return shown(path)
    return f"…{path[-_SHOWN_CHARS:]} ({len(path):,} characters)"


# a step of a field path (`a.<key>`, `a["<key>"]`) longer than QUOTED_CHARS
_LONG_STEP = re.compile(rf'[^.\[\]"]{{{QUOTED_CHARS + 1},}}')


def clipped_path(path: str) -> str:
    """A field path as a message shows it: each key in it :func:`clipped`
    (``metadata.ZZZ…`` with a 100,000-character key). The path itself keeps the key whole, to
    find its line."""
    return _LONG_STEP.sub(lambda step: clipped(step.group()), path)
