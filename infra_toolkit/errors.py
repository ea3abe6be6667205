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
    "one_line",
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
    """No price matches what was asked; the message lists the nearest available keys."""


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
