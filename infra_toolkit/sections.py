"""The plan report, section by section: one function per section, each taking a
:class:`~infra_toolkit.analysis.PlanAnalysis` and returning a
:class:`~infra_toolkit.report_html.Section` (its tables are pandas DataFrames, its text
escaped HTML). Every number comes from the analysis (simulator, cost model, approval store);
the plan's own words are shown as written.

The sections that restate the plan's operational parts (deployment strategy, monitoring,
rollback, testing, security, questions, timeline, risks) are in :mod:`infra_toolkit.plan_sections`
and re-exported here, so a notebook needs this one module.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis, ScenarioRun
from infra_toolkit.cost import CostEstimate, unit_price_text
from infra_toolkit.hpa_spec import HPAScalingRules, HPASpec
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_cost import in_region, is_load_test, node_group_resources
from infra_toolkit.plan_sections import (
    deployment_strategy,
    monitoring,
    questions,
    risk_assessment,
    rollback_plan,
    security,
    testing_plan,
    timeline,
)
from infra_toolkit.report_html import (
    Section,
    Table,
    duration_text,
    fields,
    longest_time_to_capacity_text,
    paragraph,
    preformatted,
    quantity_text,
    usd_text,
)
from infra_toolkit.resources import Resource
from infra_toolkit.review_rules import Status
from infra_toolkit.slo_check import latency_text, worst_latency_ms

__all__ = [
    "SECTION_TITLES",
    "components_with_cost",
    "cost_summary",
    "current_state",
    "deployment_strategy",
    "header",
    "monitoring",
    "overview",
    "proposed_architecture",
    "questions",
    "review_status",
    "risk_assessment",
    "rollback_plan",
    "scaling_behaviour",
    "security",
    "testing_plan",
    "timeline",
]

#: The section headings, in report order (the header's heading is the plan's title).
SECTION_TITLES = (
    "Overview", "Current State", "Proposed Architecture", "Components with Cost",
    "Scaling Behaviour", "Deployment Strategy", "Monitoring and Alerts", "Cost Summary",
    "Rollback Plan", "Testing Plan", "Security", "Questions for Approval", "Timeline",
    "Risk Assessment", "Review Status",
)
_USD = {c: usd_text for c in ("Current / month", "Proposed / month", "Monthly cost", "Low",
                              "Expected", "High")}


def _incomplete(*estimates: CostEstimate, missing: int = 0) -> str:
    """What a total leaves out: nothing, or how many prices were not found (a region or an
    instance type the tables do not price; ``missing`` more counted elsewhere), so no headline
    figure looks complete when it is not."""
    missing += sum(len(e.missing_prices) for e in estimates)
    return f" (INCOMPLETE: {missing} price(s) not found, left out of the total)" if missing else ""


def _unknown_usage(est: CostEstimate) -> str:
    """The lines a total leaves out because the plan gives no usage for them (priced per use,
    e.g. RDS backup storage beyond the free allowance), so a total is not read as everything."""
    lines = [f"{ln.address} / {ln.component}" for ln in est.lines if ln.status == "usage unknown"]
    return (f" (not counting {len(lines)} line(s) whose usage the plan does not give: "
            f"{'; '.join(lines)})") if lines else ""


def _approvers_needed(a: PlanAnalysis) -> str:
    """How many approvers the plan's policy needs and on which cost figure: the monthly change
    as declared (node groups at ``desired_size``), which the review's digest binds; and, when
    the simulated change of the expected scenario falls on the other side of the extra-approver
    threshold, that the policy does not count it."""
    s = a.review.subject
    declared = s.monthly_cost_delta_usd
    threshold = s.policy.extra_approver_above_monthly_increase_usd
    rule = "" if threshold is None else f"; one more above {usd_text(threshold, signed=True)}"
    text = (f"{s.approvers_needed} (policy basis: the monthly change as declared, "
            f"{usd_text(declared, signed=True)}{rule})")
    simulated = a.monthly_delta_usd
    if threshold is not None and a.runs and (simulated > threshold) != (declared > threshold):
        side = "above" if simulated > threshold else "not above"
        text += (f"; the simulated change of {a.expected_scenario!r}, "
                 f"{usd_text(simulated, signed=True)}, is {side} {usd_text(threshold)}, "
                 "but the policy does not count it")
    return text


def header(a: PlanAnalysis) -> Section:
    """The document header: the plan's title, file, id, digest, the toolkit version, what was
    simulated, the pricing tables used (file and SHA-256) and the analysis notes."""
    runs = ", ".join(r.name for r in a.runs) or "none (no workload with an HPA)"
    rows = [("Plan file", a.review.subject.name), ("Plan id", a.review.subject.plan),
            ("Plan digest (SHA-256)", a.digest),
            ("Toolkit version", f"infra_toolkit {a.toolkit_version}"),
            ("Scenarios simulated", runs),
            ("Horizon", "whole scenarios" if a.horizon_h is None else f"first {a.horizon_h:g} h"),
            ("Pricing region", a.region or f"{_plan_regions(a)} (the plan's)")]
    tables = pd.DataFrame([{"Pricing table": t.name, "Rows": t.rows, "SHA-256": t.sha256}
                           for t in a.pricing_tables])
    notes = [paragraph(f"Note: {n}", "note") for n in a.notes]
    return Section(a.plan.metadata.title, (fields(rows, "report-header"),
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
    figures = [("Monthly cost today", usd_text(cur) + _incomplete(a.current_estimate)
                + _unknown_usage(a.current_estimate)),
               (f"Monthly cost proposed ({basis})",
                usd_text(new) + _incomplete(a.proposed_estimate)
                + _unknown_usage(a.proposed_estimate)),
               ("Monthly change", usd_text(a.monthly_delta_usd, signed=True)
                + _incomplete(a.current_estimate, a.proposed_estimate)),
               ("Approvers needed", _approvers_needed(a))]
    if a.cost_range is not None:
        runs = sorted(a.monthly_runs, key=lambda r: r.estimate.total_monthly_usd)
        low, high = runs[0], runs[-1]
        figures.append((f"Proposed monthly range across scenarios{_left_out(a)}",
                        f"{usd_text(low.estimate.total_monthly_usd)} ({_projected(low)}) to "
                        f"{usd_text(high.estimate.total_monthly_usd)} ({_projected(high)})"
                        + _incomplete(max((r.estimate for r in runs),
                                          key=lambda e: len(e.missing_prices)))))
    if a.runs:
        slos = pd.concat([f for r in a.runs for f in r.slos.values()])
        figures += [("SLO checks met", f"{int(slos['met'].sum())} of {len(slos)} "
                                       "(scenario x SLO)"),
                    ("Peak replicas in any scenario", str(max(
                        s.summary.peak_replicas for r in a.runs for s in r.simulations.values())))]
    figures.append(("Review status", a.review.status))
    return Section("Overview", (paragraph(m.summary), fields(meta, "metadata"),
                                fields(figures, "headline-figures")))


def _projected(run: ScenarioRun, between: str = ", ") -> str:
    """``flash-crowd, projected from 12 h``: the run and the window its month comes from."""
    return f"{run.name}{between}projected from {duration_text(run.curve.duration_s)}"


def _left_out(a: PlanAnalysis) -> str:
    """`` (load tests left out)`` when a load test ran: its minutes are not a month."""
    return " (load tests left out)" if len(a.monthly_runs) < len(a.runs) else ""


def _attributes(r: Resource) -> str:
    def show(v: object) -> str:
        # as the plan's YAML / Terraform write it: `true`, not Python's `True`
        if isinstance(v, bool):
            return "true" if v else "false"
        return ", ".join(map(show, v)) if isinstance(v, tuple | list) else str(v)

    attrs = ", ".join(f"{k}={show(v)}" for k, v in r.attributes.items())
    usage = ", ".join(f"{k}={show(v)}" for k, v in r.usage.items())
    return "; ".join(x for x in (attrs, f"usage: {usage}" if usage else "") if x)


def _resources(resources: Sequence[Resource], css_class: str) -> Table:
    frame = pd.DataFrame([{"Resource": r.address, "Region": r.region,
                           "Attributes": _attributes(r)} for r in resources],
                         columns=["Resource", "Region", "Attributes"])
    return Table(frame, css_class=css_class, caption="Resources")


def _cost_lines(est: CostEstimate, css_class: str) -> Table:
    frame = pd.DataFrame([{
        "Resource": ln.address, "Component": ln.component,
        "Monthly quantity": ln.monthly_quantity, "Unit": ln.unit,
        "Unit price": ln.unit_price_usd,
        "Monthly cost": ln.monthly_cost_usd if ln.status == "priced" else ln.status,
        "Price source": "; ".join(t for t in (ln.price.ref if ln.price else ln.price_not_found,
                                               ln.note) if t) or "-",
    } for ln in est.lines])
    return Table(frame, {"Monthly quantity": quantity_text,
                         "Unit price": unit_price_text,
                         "Monthly cost": lambda v: v if isinstance(v, str) else usd_text(v)},
                 css_class=css_class)


def _region(a: PlanAnalysis, plan_region: str) -> str:
    """The region the prices come from, and the plan's own when the report prices elsewhere."""
    if a.region is None or a.region == plan_region:
        return f"Region {plan_region}."
    return (f"Region {a.region}: priced there by the report's region parameter; the plan says "
            f"{plan_region}.")


def _plan_regions(a: PlanAnalysis) -> str:
    """The plan's own regions: one, or today's and the proposal's when they differ."""
    current, proposed = a.plan.current.region, a.plan.proposed.region
    return proposed if current == proposed else f"{current} (current) and {proposed} (proposed)"


def current_state(a: PlanAnalysis) -> Section:
    """Today's resources as declared and their monthly cost, in the region they are priced."""
    est = a.current_estimate
    return Section("Current State", (
        paragraph(f"{_region(a, a.plan.current.region)} Monthly cost as declared: "
                  f"{usd_text(est.total_monthly_usd)}{_incomplete(est)}{_unknown_usage(est)}."),
        _resources(in_region(a.plan.current.resources, a.region), "current-resources"),
        _cost_lines(est, "current-cost")))


def _rules(rules: HPAScalingRules | None) -> str:
    if rules is None:
        return "-"
    policies = "; ".join(f"{p.type} {p.value} per {p.period_s} s" for p in rules.policies or ())
    return (f"window {rules.stabilization_window_s or 0} s, {rules.select_policy} of: "
            f"{policies}")


def _metrics(hpa: HPASpec) -> str:
    out = []
    for m in hpa.metrics:
        source = m.resource or m.container_resource
        if source is not None and source.target.average_utilization is not None:
            out.append(f"{source.name} {source.target.average_utilization} % of requests")
        else:
            out.append(m.type)
    return "; ".join(out)


def _workload_row(w: Workload) -> dict[str, object]:
    d, m, hpa = w.deployment_spec, w.model, w.hpa_spec
    behavior = hpa.behavior if hpa is not None else None
    return {
        "Workload": w.name, "Deployment": d.name, "Node group": w.node_group or "any untainted",
        "CPU request (m)": d.cpu_request_millicores, "Memory request (MiB)": d.memory_request_mib,
        "Capacity (rps per pod)": m.capacity_rps_per_pod if m else "-",
        "Traffic share": f"{quantity_text(100 * w.traffic_share, 2)} %",
        # a Deployment without an HPA serves no simulated requests, through a load balancer or not
        "Behind load balancer": ("yes" if w.behind_load_balancer else "no") if hpa else "-",
        "Replicas": f"{hpa.min_replicas}-{hpa.max_replicas}" if hpa else str(d.replicas),
        "HPA metrics": _metrics(hpa) if hpa else "no HPA",
        "Scale up": _rules(behavior.scale_up) if behavior else "controller default",
        "Scale down": _rules(behavior.scale_down) if behavior else "controller default",
        # without a model (no HPA) the pull and start times are unknown; nothing waits on them
        "Pod start-up": duration_text(m.image_pull_s + m.app_start_s + d.readiness_delay_s)
        if m else "-",
    }


def proposed_architecture(a: PlanAnalysis) -> Section:
    """The proposed resources, node groups and autoscaled workloads as the simulator reads
    them (requests, HPA metrics and behaviour with API defaults, start-up time)."""
    p = a.plan.proposed
    # the cost lines name the resource: say which one prices each group (node_group_name)
    resource_of = node_group_resources(a.plan)
    groups = pd.DataFrame([{
        "Node group": g.name,
        "Priced as": f"aws_eks_node_group.{resource_of[g.name]}" if g.name in resource_of
        else "-",
        "Instance types": ", ".join(g.instance_types),
        "Capacity": g.capacity_type, "Min": g.min_size, "Desired": g.desired_size,
        "Max": g.max_size, "Disk (GiB)": g.disk_size_gib,
        "Disk type": g.volume_type or "-", "Taints": ", ".join(g.taints) or "-",
    } for g in p.node_groups])
    workloads = pd.DataFrame([_workload_row(w) for w in p.workloads])
    return Section("Proposed Architecture", (
        paragraph(_region(a, p.region)),
        _resources(in_region(p.resources, a.region), "proposed-resources"),
        Table(groups, css_class="node-groups", caption="Node groups"),
        Table(workloads, css_class="workloads", caption="Workloads")))


def components_with_cost(a: PlanAnalysis) -> Section:
    """Every priced component of the proposed side (expected scenario's usage): quantity, unit,
    unit price, monthly cost and the pricing-table row it came from; missing prices flagged."""
    est = a.proposed_estimate
    parts: list[str | Table] = [paragraph(
        f"Usage: {'; '.join(est.notes) or 'as declared in the plan'}. Total "
        f"{usd_text(est.total_monthly_usd)} per month{_incomplete(est)}{_unknown_usage(est)}.")]
    parts += [paragraph(f"PRICE NOT FOUND: {ln.address} / {ln.component}: {ln.price_not_found}",
                        "price-not-found") for ln in est.missing_prices]
    return Section("Components with Cost", (*parts, _cost_lines(est, "proposed-cost")))


def scaling_behaviour(a: PlanAnalysis) -> Section:
    """Per scenario and workload: load, replicas, nodes, scale events, drops, latency and
    time to capacity; each SLO checked; every under-capacity episode broken down."""
    if not a.runs:
        return Section("Scaling Behaviour", (paragraph(
            "Nothing was simulated: the plan has no workload with an HPA or no scenario."),
            *_warnings(a)))
    summary, slos, episodes = [], [], []
    for run in a.runs:
        for name, sim in run.simulations.items():
            s, t = sim.summary, sim.timeline
            row = s.as_row()
            worst_p95 = worst_latency_ms(t, 95)
            summary.append({
                "Scenario": run.name, "Workload": name, "Duration": duration_text(s.duration_s),
                "Peak offered rps": float(t["offered_rps"].max()),
                "Mean offered rps": float(t["offered_rps"].mean()),
                "Peak replicas": s.peak_replicas, "Peak Ready nodes": int(t["nodes"].max()),
                "Scale events": s.scale_events, "Flaps": s.flaps,
                "Node scale-ups": s.node_scale_ups,
                "Dropped requests (%)": 100.0 * s.dropped_requests / s.offered_requests
                if s.offered_requests else 0.0,
                "Max p95": latency_text(*worst_p95),
                "Under-capacity episodes": row["capacity_episodes"],
                "Longest time to capacity": longest_time_to_capacity_text(s.time_to_capacity),
            })
            slo = run.slos[name].rename(columns={
                "slo": "SLO", "objective": "Objective", "achieved": "Achieved",
                "violation_minutes": "Minutes violated", "met": "Met"})
            slos.append(slo.assign(Scenario=run.name, Workload=name))
            episodes += [{"Scenario": run.name, "Workload": name,
                          "Start": duration_text(e.start_s), "Total": duration_text(e.total_s),
                          "Metric lag (s)": e.metric_lag_s, "Sync wait (s)": e.sync_wait_s,
                          "Controller hold (s)": e.controller_hold_s,
                          "At maxReplicas (s)": e.at_max_replicas_s,
                          "Node provisioning (s)": e.node_provisioning_s,
                          "Nodes at max_size (s)": e.at_max_nodes_s,
                          "Pod start-up (s)": e.pod_startup_s, "Closed by": e.closed_by}
                         for e in s.time_to_capacity]
    slo_frame = pd.concat(slos)[["Scenario", "Workload", "SLO", "Objective", "Achieved",
                                 "Minutes violated", "Met"]]
    two = {c: (lambda v: quantity_text(v, 2)) for c in (
        "Peak offered rps", "Mean offered rps", "Dropped requests (%)", "Minutes violated")}
    return Section("Scaling Behaviour", (
        Table(pd.DataFrame(summary), two,
              css_class="scaling-summary", caption="Simulated behaviour per scenario"),
        Table(slo_frame, {**two, "Met": lambda v: "yes" if v else "NO"}, css_class="slo-checks",
              caption="SLO checks"),
        Table(pd.DataFrame(episodes), css_class="time-to-capacity",
              caption="Time to capacity: under-capacity episodes (offered load above what the "
                      "Ready pods serve) and where their seconds went (the parts add up to the "
                      "total). At maxReplicas: before the scale-up, the HPA at maxReplicas and "
                      "short of the pods the load needs; Nodes at max_size: pods waiting for a "
                      "node while every node group they may use is at max_size. No faster "
                      "metric, sync or node would shorten those: raise the limit. Closed by: "
                      "pods (the pods that became Ready ended it), load (the offered load fell "
                      "below the Ready pods' capacity first: capacity was not reached, the "
                      "parts time the scale-up until then) or end (the run ended first)"),
        _simulation_settings(a),
        *_warnings(a),
    ))


def _simulation_settings(a: PlanAnalysis) -> Table:
    """The timings every simulation above ran with (the plan's ``simulation`` section, the
    simulator's defaults where it is silent), so a reviewer sees how fast nodes and syncs were
    assumed to be. Every workload shares them (one cluster, one node autoscaler)."""
    spec = next(iter(a.runs[0].simulations.values())).spec
    ca = spec.autoscaler
    rows = [("Traffic step", f"{a.plan.simulation.step_s:g} s"),
            ("HPA sync period", f"{spec.controller.sync_period_s:g} s"),
            ("Metrics resolution", f"{spec.metrics.resolution_s:g} s"),
            ("Node autoscaler", ca.name),
            ("Node scan interval", f"{ca.scan_interval_s:g} s"),
            ("Node provisioning (scan to Ready)", f"{ca.provisioning_delay_s:g} s"),
            ("Unneeded node removed after", f"{ca.scale_down_unneeded_s:g} s"),
            ("No removal after a node addition for", f"{ca.scale_down_delay_after_add_s:g} s")]
    return Table(pd.DataFrame(rows, columns=["Setting", "Value"]),
                 css_class="simulation-settings",
                 caption="Simulation settings: the plan's simulation section, the simulator's "
                         "defaults where it gives none")


def _warnings(a: PlanAnalysis) -> tuple[Table, ...]:
    """The plan's warnings (what ``infra-toolkit validate`` prints after its problems), if any:
    what its own model implies that explains the behaviour above."""
    if not a.warnings:
        return ()
    frame = pd.DataFrame([{"Where": w.path, "Warning": w.message} for w in a.warnings])
    return (Table(frame, css_class="plan-warnings", caption="Plan warnings: what the plan's own "
                  "model implies (the plan is valid; see the fix in each)"),)


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
        caption=f"Current vs proposed ({a.expected_scenario or 'as declared'}), per month")]
    rng = a.cost_range
    if rng is not None:
        rng = rng.rename(columns={"resource": "Resource", "component": "Component",
                                  "low_monthly_usd": "Low", "expected_monthly_usd": "Expected",
                                  "high_monthly_usd": "High"})
        window = {f"{r.name}_monthly_usd": f"{_projected(r, ' (')})" for r in a.monthly_runs}
        rng.columns = [window.get(c, c) for c in rng.columns]
        tests = [r for r in a.runs if is_load_test(r.scenario)]
        left_out = ("; load tests left out, as minutes of synthetic users are not a month of "
                    "traffic (their simulation and SLO checks are in Scaling Behaviour): "
                    + ", ".join(f"{r.name} ({duration_text(r.curve.duration_s)})"
                                for r in tests)) if tests else ""
        parts.append(Table(rng, {c: usd_text for c in rng.columns[2:]}, css_class="cost-range",
                           caption="Proposed monthly range across scenarios (each projected from "
                                   f"its simulated window to a 730-hour month{left_out})"))
    subject = a.review.subject
    own = a.plan.proposed.region
    priced = a.region or own
    declared = [(f"Proposed as declared in the plan, priced in {priced} (the review's cost basis)",
                 a.declared_estimate)]
    if priced != own:  # the figure above is not the review's: show the review's beside it
        declared = [(f"Proposed as declared in the plan, priced in {priced} (the report's region "
                     "parameter; not the review's cost basis)", a.declared_estimate),
                    (f"Proposed as declared in the plan, priced in {own} (the review's cost "
                     "basis)", a.review_basis_estimate)]
    parts.append(fields([
        (f"Ceiling: every node group at its maximum size all month, load balancer capacity "
         "units and egress at the busiest of the plan's scenarios (load tests aside, selected "
         f"or not) with every request served, priced in {priced}",
         usd_text(a.ceiling_estimate.total_monthly_usd) + _incomplete(a.ceiling_estimate)),
        *((label, usd_text(est.total_monthly_usd) + _incomplete(est)) for label, est in declared),
        # the review subject's figure, priced in the plan's regions whatever -p region says
        (f"Monthly change as declared, priced in {_plan_regions(a)} (the review's cost basis)",
         usd_text(subject.monthly_cost_delta_usd, signed=True)
         + _incomplete(missing=len(subject.missing_prices))),
        ("Approvers needed under the plan's policy", _approvers_needed(a)),
    ], "cost-totals"))
    if a.runs:
        windows = ", ".join(f"{r.name} {duration_text(r.curve.duration_s)}" for r in a.runs)
        parts.append(paragraph(f"Each scenario's usage (node-hours, billed from each node's "
                               f"launch as EC2 bills, so the provisioning delay counts, and "
                               f"load balancer capacity units and egress when the plan "
                               f"declares them) is projected from its simulated window to a "
                               f"730-hour month: {windows}.", "note"))
    return Section("Cost Summary", tuple(parts))


def review_status(a: PlanAnalysis) -> Section:
    """The status of this digest's review in the approval store and the exact command that
    approves it (a static page cannot record a decision)."""
    r = a.review
    rows = [("Status", r.status), ("Detail", r.text), ("Plan id", r.subject.plan),
            ("Digest", r.subject.digest),
            ("Approvers needed", _approvers_needed(a)), ("Approval store", r.store)]
    # approve signs only a submitted digest, and with --digest only the one shown here
    submit: tuple[str, ...] = ()
    if r.status in (Status.NOT_SUBMITTED.value, Status.STALE.value):
        submit = (paragraph(f"This digest is {r.status}: the approve command below refuses it "
                            "until it is submitted for review:"),
                  preformatted(r.submit_command, "submit-command"))
    return Section("Review Status", (
        fields(rows, "review-status"),
        *submit,
        paragraph("To approve, answer every question for approval (run it in a checkout where "
                  f"{r.subject.name} has the digest above: with --digest, approve refuses to "
                  "sign any other version of the plan):"),
        preformatted(r.approve_command, "approve-command"),
        paragraph("Or sign off in a live notebook (notebooks/approve.ipynb). "
                  f"infra-toolkit status {r.subject.name} shows the status; "
                  f"infra-toolkit gate {r.subject.name} exits 0 only once it is APPROVED."),
    ))
