"""The report's front: its header (what was analysed, with which pricing tables) and the
Overview section (the plan's summary and metadata, the headline figures)."""

from __future__ import annotations

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.cost import usd_text
from infra_toolkit.report_html import Section, Table, contents, duration_text, fields, paragraph
from infra_toolkit.sections_figures import (
    incomplete,
    plan_regions,
    projected,
    unknown_usage,
    unknown_usage_change,
    unknown_usage_range,
)
from infra_toolkit.sections_review import approvers_needed

__all__ = ["SECTION_TITLES", "header", "overview"]

#: The section headings, in report order (the header's heading is the plan's title).
SECTION_TITLES = (
    "Overview", "Current State", "Proposed Architecture", "Components with Cost",
    "Scaling Behaviour", "Deployment Strategy", "Monitoring and Alerts", "Cost Summary",
    "Rollback Plan", "Testing Plan", "Security", "Questions for Approval", "Timeline",
    "Risk Assessment", "Review Status",
)


def header(a: PlanAnalysis) -> Section:
    """The document header: the plan's title, links to the sections, the plan's file, id,
    digest, the toolkit version, what was simulated, the pricing tables used (file and SHA-256)
    and the analysis notes."""
    runs = ", ".join(r.name for r in a.runs) or "none (no workload with an HPA)"
    rows = [("Plan file", a.review.subject.name), ("Plan id", a.review.subject.plan),
            ("Plan digest (SHA-256)", a.digest),
            ("Toolkit version", f"infra_toolkit {a.toolkit_version}"),
            ("Scenarios simulated", runs),
            ("Horizon", "whole scenarios" if a.horizon_h is None else f"first {a.horizon_h:g} h"),
            ("Pricing region", a.region or f"{plan_regions(a)} (the plan's)")]
    tables = pd.DataFrame([{"Pricing table": t.name, "Rows": t.rows, "SHA-256": t.sha256}
                           for t in a.pricing_tables])
    notes = [paragraph(f"Note: {n}", "note") for n in a.notes]
    return Section(a.plan.metadata.title, (contents(SECTION_TITLES), fields(rows, "report-header"),
                                           Table(tables, css_class="pricing-tables"), *notes),
                   level=1)


def overview(a: PlanAnalysis) -> Section:
    """The plan's summary and metadata, and the headline figures: monthly cost today and
    proposed, the range across scenarios, SLOs met, peak replicas."""
    m = a.plan.metadata
    meta = [("Owner", m.owner), ("Team", m.team or "-"), ("Environment", m.environment),
            ("Priority", m.priority), ("Type", m.type), ("Ticket", m.ticket or "-"),
            ("Needed by", str(m.needed_by) if m.needed_by else "-"),
            ("Requested review", duration_text(m.requested_review_minutes * 60))]
    cur, new = a.current_estimate.total_monthly_usd, a.proposed_estimate.total_monthly_usd
    basis = f"expected scenario {a.expected_scenario!r}" if a.expected_scenario else "as declared"
    # today simulated on the expected scenario too (author22): say so, as for the proposal
    today = f"Monthly cost today ({basis})" if a.current_runs else "Monthly cost today"
    figures = [(today, usd_text(cur) + incomplete(a.current_estimate)
                + unknown_usage(a.current_estimate)),
               (f"Monthly cost proposed ({basis})",
                usd_text(new) + incomplete(a.proposed_estimate)
                + unknown_usage(a.proposed_estimate)),
               (f"Monthly change ({basis})", usd_text(a.monthly_delta_usd, signed=True)
                + incomplete(a.current_estimate, a.proposed_estimate)
                + unknown_usage_change(a.current_estimate, a.proposed_estimate)),
               ("Approvers needed", approvers_needed(a))]
    if a.cost_range is not None:
        runs = sorted(a.monthly_runs, key=lambda r: r.estimate.total_monthly_usd)
        low, high = runs[0], runs[-1]
        figures.append((f"Proposed monthly range across scenarios{_left_out(a)}",
                        f"{usd_text(low.estimate.total_monthly_usd)} ({projected(low)}) to "
                        f"{usd_text(high.estimate.total_monthly_usd)} ({projected(high)})"
                        + incomplete(max((r.estimate for r in runs),
                                          key=lambda e: len(e.missing_prices)))
                        + unknown_usage_range([r.estimate for r in runs])))
    if a.runs:
        slos = pd.concat([f for r in a.runs for f in r.slos.values()])
        figures += [("SLO checks met", f"{int(slos['met'].sum())} of {len(slos)} "
                                       "(scenario x SLO)"),
                    ("Peak replicas in any scenario", _peak_replicas_text(a))]
    if a.warnings or a.acknowledged:
        figures.append(("Plan warnings", _warnings_text(a)))
    if a.today_findings:
        # today's cluster is simulated too: what it misses makes the case for the change
        figures.append(("Today's findings", f"{len(a.today_findings)}, in the table after "
                        "'Today beside the proposal' in Scaling Behaviour (today's cluster, "
                        "not the proposal: nothing to acknowledge)"))
    figures.append(("Review status", a.review.status))
    return Section("Overview", (paragraph(m.summary), fields(meta, "metadata"),
                                fields(figures, "headline-figures")))


def _peak_replicas_text(a: PlanAnalysis) -> str:
    """Per autoscaled workload (plan order), its highest spec replicas in any scenario run,
    against its HPA's maxReplicas, and the scenarios that reach it: ``search-api 24, its
    maxReplicas ('sale-evening'); search-indexer 5 of maxReplicas 20 ('tv-flash-crowd')``.
    Audit27 A27-1: a bare maximum over every workload named neither the workload nor that it
    was the HPA's ceiling."""
    peaks: dict[str, tuple[int, int, list[str]]] = {}
    for run in a.runs:
        for name, sim in run.simulations.items():
            peak, top = sim.summary.peak_replicas, sim.spec.hpa.max_replicas
            held = peaks.get(name)
            if held is None or peak > held[0]:
                peaks[name] = (peak, top, [run.name])
            elif peak == held[0]:
                held[2].append(run.name)
    out = []
    for name, (peak, top, runs) in peaks.items():
        bound = ", its maxReplicas" if peak >= top else f" of maxReplicas {top}"
        out.append(f"{name} {peak}{bound} ({', '.join(repr(r) for r in runs)})")
    return "; ".join(out)


def _left_out(a: PlanAnalysis) -> str:
    """`` (load tests left out)`` when a load test ran: its minutes are not a month."""
    return " (load tests left out)" if len(a.monthly_runs) < len(a.runs) else ""


def _warnings_text(a: PlanAnalysis) -> str:
    """How many plan warnings there are and where in the plan, pointing at the table that gives
    each with its fix, and how many the plan acknowledges: the tables sit at the end of Scaling
    Behaviour, after the simulation settings, where a reviewer reading the headline figures never
    came across them."""
    where: dict[str, int] = {}
    for w in a.warnings:
        where[w.path] = where.get(w.path, 0) + 1
    places = ", ".join(p if n == 1 else f"{p} x {n}" for p, n in where.items())
    # the accepted ones are counted apart: a reviewer reads the open count as what is left
    accepted = (f"{len(a.acknowledged)} acknowledged by the plan, with the reasons in the "
                "acknowledged warnings table")
    if not a.warnings:
        return f"none open; {accepted} at the end of Scaling Behaviour"
    return (f"{len(a.warnings)}: {places}; each with its fix in the plan warnings table at the "
            "end of Scaling Behaviour" + (f"; {accepted} after it" if a.acknowledged else ""))
