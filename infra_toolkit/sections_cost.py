"""The Cost Summary section: current vs proposed per component, the range across scenarios,
the node-group ceiling, the declared figures the review and its approval policy use, and each
simulated node group's declared nodes beside the expected scenario's (why the two differ)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.claimed_volumes import claim_templates, priced_claims
from infra_toolkit.cost import HOURS_PER_MONTH, usd_text
from infra_toolkit.cost_sim import billed_node_counts
from infra_toolkit.plan_cost import is_load_test, node_group_resources
from infra_toolkit.report_html import (
    Section,
    Table,
    duration_text,
    fields,
    paragraph,
    quantity_text,
)
from infra_toolkit.resources import Resource
from infra_toolkit.sections_figures import (
    incomplete,
    plan_regions,
    projected,
    rounding,
    unknown_usage,
    unknown_usage_change,
)
from infra_toolkit.sections_review import approvers_needed
from infra_toolkit.side_comparison import replaced_node_groups

__all__ = ["cost_summary"]

_USD = {c: usd_text for c in ("Current / month", "Proposed / month", "Monthly cost", "Low",
                              "Expected", "High")}


def _totals_leave_out(a: PlanAnalysis) -> str:
    """What the comparison's TOTAL row leaves out for want of usage, as the Overview says it
    (its status says "priced" whenever every price was found), or nothing."""
    sides = [f"{side}{unknown_usage(est)}" for side, est in (
        ("current", a.current_estimate), ("proposed", a.proposed_estimate))
        if unknown_usage(est)]
    return f"; TOTAL {', '.join(sides)}" if sides else ""


def declared_nodes(r: Resource) -> tuple[float, str]:
    """The nodes an ``aws_eks_node_group`` resource is priced at as declared, and the field
    that says so: ``usage.monthly_node_hours`` / 730, else ``usage.instances``, else
    ``desired_size`` (as :mod:`infra_toolkit.cost_components` prices it)."""
    if "monthly_node_hours" in r.usage:
        return (float(r.usage["monthly_node_hours"]) / float(HOURS_PER_MONTH),
                f"usage.monthly_node_hours / {HOURS_PER_MONTH}")
    if "instances" in r.usage:
        return float(r.usage["instances"]), "usage.instances"
    return float(r.attributes["scaling_config.desired_size"]), "desired_size"


def billed_nodes(nodes: pd.DataFrame, group: str) -> tuple[float, int]:
    """A node group's nodes in a cluster run's ``nodes`` frame (one row per tick), counted as
    they are billed, from launch (Ready plus launching): their mean over the ticks (its
    node-hours over the hours run) and their peak."""
    billed = billed_node_counts(nodes, group)
    return float(billed.mean()), int(billed.max())


def node_counts(a: PlanAnalysis) -> list[str]:
    """Per simulated node group priced by a plan resource, its declared nodes (what the declared
    figure prices all month) beside the expected scenario's simulated mean and peak, so a gap
    between the declared and the expected figure is explained; nothing without a simulated
    expected scenario."""
    said = []
    # today's simulated groups too, when the current side is simulated (author22)
    for side, runs, arch in (("proposed", a.runs, a.plan.proposed),
                             ("current", a.current_runs, a.plan.current)):
        said += _group_counts(a, side, runs, arch.resources)
    if not said:
        return []
    return [paragraph("Nodes behind the two figures (the declared one prices each group's "
                      "declared nodes all month, the expected scenario's the nodes its "
                      "simulation billed): " + "; ".join(said) + ".", "note")]


def _group_counts(a: PlanAnalysis, side: str, runs: Sequence[Any],
                  side_resources: Sequence[Resource]) -> list[str]:
    """:func:`node_counts`' clauses for the node groups of one side's expected run."""
    run = next((r for r in runs if r.name == a.expected_scenario), None)
    if run is None or run.cluster is None:
        return []
    # by name among the node groups only: Terraform names are unique per type, so an
    # aws_lb.checkout beside aws_eks_node_group.checkout is legal and must not shadow it
    resources = {r.name: r for r in side_resources if r.type == "aws_eks_node_group"}
    by_group = node_group_resources(a.plan, side)
    said = []
    for g in run.cluster.node_groups:
        if g.name not in by_group:  # a Karpenter NodePool or eksctl group: no declared nodes
            continue
        r = resources[by_group[g.name]]
        nodes, source = declared_nodes(r)
        mean, peak = billed_nodes(run.cluster.nodes, g.name)
        hours = run.cluster.node_hours_by_node_group[g.name]
        # "1 c6i.large nodes" read as a typo beside the figures a reviewer checks
        noun = "node" if quantity_text(nodes, 1) == "1" else "nodes"
        today = "today's " if side == "current" else ""
        said.append(f"{today}{g.name}: declared {quantity_text(nodes, 1)} "
                    f"{r.attributes['instance_types'][0]} {noun} all month ({source}); "
                    f"simulated {run.name} {quantity_text(mean, 1)} on average "
                    f"({quantity_text(hours, 2)} node-hours in "
                    f"{duration_text(run.curve.duration_s)}, billed from launch), {peak} at peak")
    return said


def _overlap(a: PlanAnalysis) -> list[str]:
    """Today's node groups the proposal drops, and what a day of each costs while it is drained
    beside the new group (author22: a migration's overlap was priced nowhere and said nowhere)."""
    dropped = replaced_node_groups(a.plan.current.resources, a.plan.proposed.resources,
                                   a.current_declared_estimate)
    if not dropped:
        return []
    said = "; ".join(f"{name} {usd_text(day)} a day as declared" for name, day in dropped.items())
    # reader25: "add its days times this to the change" added a one-off day's cost to a
    # recurring monthly change
    return [paragraph("Node groups of today the proposal removes: " + said + " (each group's "
                      "declared nodes and their disks for 24 h). While one is cordoned and "
                      "drained beside its replacement both are billed; no figure above counts "
                      "that overlap: a one-off cost of its days times this in the month of the "
                      "migration, not part of the monthly change.", "note")]


def cost_summary(a: PlanAnalysis) -> Section:
    """Current vs proposed per component (expected scenario), the low / expected / high range
    across scenarios, the node-group ceiling, and the declared figure the approval policy
    uses."""
    comparison = a.comparison.rename(columns={
        "resource": "Resource", "component": "Component", "unit": "Unit",
        "current_monthly_usd": "Current / month", "proposed_monthly_usd": "Proposed / month",
        "delta_monthly_usd": "Delta / month", "status": "Status"})
    parts: list[str | Table] = [Table(
        comparison, {**_USD, "Delta / month": lambda v: usd_text(v, signed=True)},
        css_class="cost-comparison",
        caption=f"Current vs proposed ({a.expected_scenario or 'as declared'}), per month"
                + (", both sides simulated on it and projected to a 730-hour month by the "
                   "same rule" if a.current_runs else "")
                + _totals_leave_out(a))]
    parts += rounding(a.comparison, {"current_monthly_usd": "Current / month",
                                     "proposed_monthly_usd": "Proposed / month",
                                     "delta_monthly_usd": "Delta / month"})
    exact = rng = a.cost_range
    if exact is not None:
        rng = exact.rename(columns={"resource": "Resource", "component": "Component",
                                  "low_monthly_usd": "Low", "expected_monthly_usd": "Expected",
                                  "high_monthly_usd": "High"})
        window = {f"{r.name}_monthly_usd": f"{projected(r, ' (')})" for r in a.monthly_runs}
        rng.columns = [window.get(c, c) for c in rng.columns]
        tests = [r for r in a.runs if is_load_test(r.scenario)]
        left_out = ("; load tests left out, as minutes of synthetic users are not a month of "
                    "traffic (their simulation and SLO checks are in Scaling Behaviour): "
                    + ", ".join(f"{r.name} ({duration_text(r.curve.duration_s)})"
                                for r in tests)) if tests else ""
        parts.append(Table(rng, {c: usd_text for c in rng.columns[2:]}, css_class="cost-range",
                           caption="Proposed monthly range across scenarios (each projected from "
                                   f"its simulated window to a 730-hour month{left_out}; "
                                   "TOTAL's Low and High are the cheapest and the dearest "
                                   "scenario's totals, not sums of the columns above)"))
        # the other columns are a scenario's lines and their exact sum: the note when they miss
        parts += rounding(exact, {c: shown for c, shown in zip(
            exact.columns, rng.columns, strict=True) if c not in (
            "resource", "component", "low_monthly_usd", "high_monthly_usd")})
    subject = a.review.subject
    own = a.plan.proposed.region
    priced = a.region or own
    declared = [(f"Proposed as declared in the plan, priced in {priced} (the review's cost basis)",
                 a.declared_estimate)]
    if a.current_declared is not None:
        # reader25: with today simulated, the table above is not today's declared figure, so
        # the change as declared below had its today-side in Current State alone
        today_region = a.region or a.plan.current.region
        declared.insert(0, (f"Today as declared in the plan, priced in {today_region} (the "
                            "review's cost basis; the table above prices today as simulated)",
                            a.current_declared))
    if priced != own:  # the figure above is not the review's: show the review's beside it
        declared = [(f"Proposed as declared in the plan, priced in {priced} (the report's region "
                     "parameter; not the review's cost basis)", a.declared_estimate),
                    (f"Proposed as declared in the plan, priced in {own} (the review's cost "
                     "basis)", a.review_basis_estimate)]
    # a StatefulSet's claimed volumes follow its replicas: said only where a plan has them
    claimed = sorted({c.statefulset for c in priced_claims(claim_templates(a.plan))})
    volumes = (f", each StatefulSet's claimed volumes ({', '.join(claimed)}) at maxReplicas"
               if claimed else "")
    parts.append(fields([
        (f"Ceiling: every node group at its maximum size all month{volumes}, and the load "
         "balancer capacity units and data transfer each scenario's usage note names at the "
         "busiest of the plan's scenarios (load tests aside, selected or not) with every "
         f"request served, priced in {priced}",
         usd_text(a.ceiling_estimate.total_monthly_usd) + incomplete(a.ceiling_estimate)
         + unknown_usage(a.ceiling_estimate)),
        # as the Overview's totals say what they leave out: the declared side prices no
        # simulated CPU credits, so the review's basis leaves out one line more than the
        # expected scenario's total
        *((label, usd_text(est.total_monthly_usd) + incomplete(est) + unknown_usage(est))
          for label, est in declared),
        # the review subject's figure, priced in the plan's regions whatever -p region says
        (f"Monthly change as declared, priced in {plan_regions(a)} (the review's cost basis)",
         usd_text(subject.monthly_cost_delta_usd, signed=True)
         + incomplete(missing=len(subject.missing_prices))
         # today's lines as priced for the review: this report's, unless -p region moved them
         + (unknown_usage_change(a.current_declared_estimate, a.review_basis_estimate)
            if priced == own else "")),
        ("Approvers needed under the plan's policy", approvers_needed(a)),
    ], "cost-totals"))
    parts += node_counts(a)
    parts += _overlap(a)
    if a.runs:
        windows = ", ".join(f"{r.name} {duration_text(r.curve.duration_s)}" for r in a.runs)
        parts.append(paragraph("Each scenario's usage (node-hours, billed from each node's "
                               "launch as EC2 bills, so the provisioning delay counts, and "
                               "load balancer capacity units and the data transfer its "
                               "usage note names when the plan declares them"
                               + (f"; the claimed volumes of {', '.join(claimed)}, by their "
                                  "mean count (each line's note)" if claimed else "")
                               + "; every "
                               f"other usage as declared) is projected from its simulated "
                               f"window to a 730-hour month: {windows}.", "note"))
    return Section("Cost Summary", tuple(parts))
