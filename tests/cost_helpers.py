"""Helpers shared by the cost tests."""

from __future__ import annotations

__all__ = ["total_line"]


def total_line(table: str) -> str:
    """The ``TOTAL`` row of a ``cost --compare`` text table (the pricing tables follow it)."""
    (line,) = [ln for ln in table.splitlines() if ln.startswith("TOTAL")]
    return line
