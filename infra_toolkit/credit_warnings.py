"""``credit_warnings``: a burstable node group in Standard mode whose simulated CPU runs above
its baseline longer than its accrued credits last, in some scenario. AWS then holds the nodes
to the baseline (throttled); the simulation does not, so its latency there is optimistic.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infra_toolkit.plan import Plan
from infra_toolkit.plan_cost import node_group_resource_paths
from infra_toolkit.plan_warning_type import PlanWarning, figure_text

__all__ = ["credit_warnings"]


def credit_warnings(plan: Plan, runs: Sequence[Any]) -> list[PlanWarning]:
    """One warning per scenario run (``analysis.ScenarioRun``: ``name``, ``credits``) and
    Standard-mode node group whose nodes would be throttled, at the node group's resource."""
    paths = node_group_resource_paths(plan)
    out = []
    for run in runs:
        for group, c in run.credits.items():
            if c.mode != "standard" or c.throttled_min <= 0:
                continue
            out.append(PlanWarning(paths.get(group, "proposed.resources"), (
                f"in scenario {run.name!r}, the simulated CPU of node group {group!r} "
                f"({c.instance_type}, credit_specification standard) exceeds its "
                f"{figure_text(c.baseline_pct)} % baseline with no CPU credits left for "
                f"{figure_text(round(c.throttled_min))} min: AWS holds such nodes to the "
                "baseline (throttled), which the simulation does not, so its latency there is "
                "optimistic; use Unlimited mode (its surplus credits are then priced) or a type "
                "that does not burst")))
    return out
