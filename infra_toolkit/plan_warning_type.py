"""One warning of a valid plan (:class:`PlanWarning`: where in the plan file, and the message)
and the one way the warnings' messages write a figure (:func:`figure_text`). The warnings
themselves are listed in :mod:`infra_toolkit.plan_warnings`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PlanWarning", "figure_text"]


@dataclass(frozen=True)
class PlanWarning:
    """One warning: ``path`` in the plan file (``proposed.workloads[0].hpa``) and ``message``
    (the computed figures, what follows from them and the fix). ``blocks_approval``: what it
    says also keeps the plan from being approved (a cost line without a price), so the plan's
    ``acknowledged_warnings`` cannot cover it (:mod:`infra_toolkit.plan_acknowledgements`)."""

    path: str
    message: str
    blocks_approval: bool = False

    def __post_init__(self) -> None:
        if not self.message:
            raise ValueError(f"plan warning at {self.path!r} has no message")

    def __str__(self) -> str:
        return f"{self.path}: warning: {self.message}"


def figure_text(value: float) -> str:
    """A figure as written in a message: whole numbers as such, one decimal from 10 up, three
    significant digits below."""
    if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)):
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
