"""How the report's sections qualify a cost figure: what a total leaves out (prices not found,
usage the plan does not give), the region it is priced in and the plan's own, the window a
scenario's month is projected from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis, ScenarioRun
from infra_toolkit.cost import CostEstimate
from infra_toolkit.cost_notes import unknown_usage
from infra_toolkit.cost_summary import rounding_note
from infra_toolkit.report_html import duration_text, paragraph

__all__ = ["incomplete", "plan_regions", "priced_region", "projected", "rounding",
           "unknown_usage", "unknown_usage_change", "unknown_usage_range"]


def incomplete(*estimates: CostEstimate, missing: int = 0) -> str:
    """What a total leaves out: nothing, or how many prices were not found (a region or an
    instance type the tables do not price; ``missing`` more counted elsewhere), so no headline
    figure looks complete when it is not."""
    missing += sum(len(e.missing_prices) for e in estimates)
    return f" (INCOMPLETE: {missing} price(s) not found, left out of the total)" if missing else ""


def _unknown(est: CostEstimate) -> int:
    return sum(1 for ln in est.lines if ln.status == "usage unknown")


def unknown_usage_change(current: CostEstimate, proposed: CostEstimate) -> str:
    """What a change from ``current`` to ``proposed`` leaves out because the plan gives no
    usage for some lines of either (:func:`unknown_usage` names them beside each total), so the
    difference is not read as complete (audit27 A27-6)."""
    today, then = _unknown(current), _unknown(proposed)
    if not today and not then:
        return ""
    return (f" (not counting {today} line(s) today and {then} proposed whose usage the plan "
            "does not give, named beside the totals)")


def unknown_usage_range(estimates: Sequence[CostEstimate]) -> str:
    """What every total of a range leaves out for want of usage (the scenarios price the same
    resources, so the same lines), so the range is not read as complete beside a proposed total
    that says so (audit27 A27-6)."""
    n = max((_unknown(e) for e in estimates), default=0)
    return f" (each not counting {n} line(s) whose usage the plan does not give)" if n else ""


def rounding(frame: pd.DataFrame, columns: Mapping[str, str]) -> list[str]:
    """The note under a cost table (lines, then its TOTAL) whose printed lines miss the TOTAL
    by rounding (:func:`~infra_toolkit.cost_summary.rounding_note`: ``columns`` maps each money
    column to its printed name), as a report paragraph; none when every column adds up."""
    note = rounding_note(frame, columns)
    return [paragraph(note[0].upper() + note[1:] + ".", "note")] if note else []


def projected(run: ScenarioRun, between: str = ", ") -> str:
    """``flash-crowd, projected from 12 h``: the run and the window its month comes from."""
    return f"{run.name}{between}projected from {duration_text(run.curve.duration_s)}"


def priced_region(a: PlanAnalysis, plan_region: str) -> str:
    """The region the prices come from, and the plan's own when the report prices elsewhere."""
    if a.region is None or a.region == plan_region:
        return f"Region {plan_region}."
    return (f"Region {a.region}: priced there by the report's region parameter; the plan says "
            f"{plan_region}.")


def plan_regions(a: PlanAnalysis) -> str:
    """The plan's own regions: one, or today's and the proposal's when they differ."""
    current, proposed = a.plan.current.region, a.plan.proposed.region
    return proposed if current == proposed else f"{current} (current) and {proposed} (proposed)"
