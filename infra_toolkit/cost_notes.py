"""What a printed cost table says beside its lines and its total, the same in ``cost``'s text
tables and the report: each distinct reason a price was not found once, as a numbered note the
lines point to (:func:`price_notes`, :func:`missing_text`), and the lines a total leaves out
because the plan gives no usage for them (:func:`unknown_usage`). Pure: no I/O.

A plan moved to a region the tables lack left 12 to 16 lines unpriced, and each printed the same
~500-character reason and fix (the table, the regions it does price, the refresh command): the
tables now print it once per table and region. JSON and CSV keep each line's whole message.
"""

from __future__ import annotations

from collections.abc import Iterable

from infra_toolkit.cost import CostEstimate, CostLine

__all__ = ["missing_text", "note_lines", "note_ref", "price_notes", "unknown_usage"]


def _reason(ln: CostLine) -> str:
    return ln.price_not_found_reason or ln.price_not_found or ""


def price_notes(lines: Iterable[CostLine]) -> dict[str, int]:
    """Each distinct reason of ``lines`` missing a price (``price_not_found_reason``: the table,
    why and the fix, without the key asked), numbered from 1 in the order the lines come."""
    notes: dict[str, int] = {}
    for ln in lines:
        if ln.price_not_found is not None:
            notes.setdefault(_reason(ln), len(notes) + 1)
    return notes


def missing_text(ln: CostLine, notes: dict[str, int]) -> str:
    """What is printed for a line missing its price: the price it asked for (``no AmazonEC2
    instance on-demand price for region=eu-west-1, instance_type=m5.large``) and the note of
    ``notes`` (:func:`price_notes`) giving why and the fix; the note alone when the message has
    no part of its own (a message without a shared reason is the note whole)."""
    full, reason = ln.price_not_found or "", _reason(ln)
    asked = full.removesuffix(reason).removesuffix(" in ") if full != reason else ""
    return f"{asked} ({note_ref(ln, notes)})" if asked else note_ref(ln, notes)


def note_ref(ln: CostLine, notes: dict[str, int]) -> str:
    """``note [n]``: the note of ``notes`` (:func:`price_notes`) saying why ``ln`` has no
    price, for a table's price-source column."""
    return f"note [{notes[_reason(ln)]}]"


def note_lines(notes: dict[str, int]) -> list[str]:
    """The notes of :func:`price_notes` as printed, ``note [1]: reason``, in number order."""
    return [f"note [{n}]: {reason}" for reason, n in notes.items()]


def unknown_usage(est: CostEstimate) -> str:
    """The lines a total leaves out because the plan gives no usage for them (priced per use,
    e.g. RDS backup storage beyond the free allowance), so a total is not read as everything."""
    lines = [f"{ln.address} / {ln.component}" for ln in est.lines if ln.status == "usage unknown"]
    return (f" (not counting {len(lines)} line(s) whose usage the plan does not give: "
            f"{'; '.join(lines)})") if lines else ""
