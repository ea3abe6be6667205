"""A plan analysed end to end, for the report and the notebooks: every selected scenario through
every autoscaled workload (the simulator), the proposed side priced from each run (node-hours,
load balancer capacity units, Internet egress and intra-region transfer from the simulated load),
the current side as
declared (or, when it has autoscaled workloads, today's cluster simulated on the same scenarios
and priced by the same rule), the comparison and the low / expected / high range, and what
identifies the result: the plan digest, the pricing tables used (file and SHA-256), the
toolkit version and the status of the digest's review.

How the proposed side is priced for one scenario:

- node groups a workload runs on: each group's own simulated node-hours (by name, so two
  groups of one instance type are priced apart), from one cluster simulation of all autoscaled
  workloads (:func:`simulate.simulate_cluster`): workloads that share a group (an untainted
  group, or the same ``node_group``) share its nodes, with the pods of Deployments without an
  HPA (their ``replicas`` and requests) on them too, so each node is counted once; groups no
  workload runs on stay at their declared ``desired_size``
  (:func:`plan_cost.idle_node_hours`);
- node cost per hour: the cluster's (``ScenarioRun.cluster_hourly_cost``) and each workload's
  part of it (``ScenarioRun.hourly_cost``): on a group it shares, its request share (half by CPU,
  half by memory requests, :mod:`node_cost_share`), all of a group it has alone;
- the load balancer and ``aws_data_transfer`` (the one giving the egress: its
  ``monthly_outbound_internet_gb`` and ``monthly_intra_region_gb``, as the usage note names
  them), and the NAT gateways' ``monthly_data_processed_gb`` when that egress leaves by them
  (``egress_through_load_balancer: false``): the request rate served by the workloads
  behind the load balancer (:func:`plan_cost.load_balanced_workloads`) times the per-request traffic
  implied by the declared usage at the mean rate of the plan's reference scenario
  (:func:`plan_cost.traffic_profile_from_usage`): its first scenario that is not a load test
  (:func:`reference_scenario`), whichever scenarios a report selects or calls expected, so a
  scenario's cost depends only on the plan and that scenario; declared as-is when the plan gives no
  ``processed_bytes_gb`` for a single load balancer;
- a proposed StatefulSet's claimed volumes (``volumeClaimTemplates``, their StorageClass in
  its file): one ``aws_ebs_volume`` line set per template, the volumes following the simulated
  replicas by ``whenScaled`` (:mod:`claimed_volumes`), replacing a declared ``aws_ebs_volume``
  linked to it by ``usage.claimed_by_statefulset``; at the ceiling, maxReplicas of them;
- everything else as declared; the simulated window is projected to a 730-hour month.

A load test (``load_test:``) is minutes of synthetic users, not a month of traffic: it is
simulated and its SLOs checked like any scenario, but it is left out of the low / expected / high
monthly range and cannot be the expected scenario.

:func:`analyze_plan` does the I/O (the plan, its price book, once; the approval store, read
only); the rest of the module is pure.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from infra_toolkit import __version__
from infra_toolkit.canary_room_warnings import canary_room_warnings
from infra_toolkit.chart_selection import (
    ChartSelection,
    busiest_first,
    chart_command,
    select_charted,
)
from infra_toolkit.claimed_volumes import (
    ceiling_volumes,
    claim_templates,
    claimed_volume_resources,
    scenario_volumes,
    with_claim_notes,
)
from infra_toolkit.cost import CostEstimate
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.cost_sim import (
    TrafficProfile,
    apply_simulation,
    egress_transfer,
    overflow_node_hours_by_node_group,
)
from infra_toolkit.cost_summary import compare_estimates, cost_range, printed_delta_usd
from infra_toolkit.credit_usage import (
    GroupCredits,
    burstable_groups,
    charged_by_resource,
    credit_note,
    group_credits,
    with_credit_notes,
)
from infra_toolkit.credit_warnings import credit_warnings
from infra_toolkit.joint_run import JointRun, fixed_pods, joint_run, simulate_scenario
from infra_toolkit.node_cost_share import cluster_hourly_cost, workload_hourly_costs
from infra_toolkit.notebook_parameters import (
    check_chart_workloads,
    check_horizon_cuts,
    check_plan_path,
    check_region,
    check_store_location,
    cut_to_horizon,
    select_scenarios,
)
from infra_toolkit.notebook_parameters import expected_scenario as pick_expected
from infra_toolkit.plan import Plan, read_plan
from infra_toolkit.plan_acknowledgements import AcknowledgedWarning, acknowledge
from infra_toolkit.plan_alerts import alert_warnings
from infra_toolkit.plan_cost import (
    ceiling_resources,
    idle_node_hours,
    idle_overflow_node_hours,
    in_region,
    is_load_test,
    load_balanced_share,
    load_balanced_workloads,
    node_group_resources,
    reference_scenario,
    reference_traffic_profile,
)
from infra_toolkit.plan_scenario_types import Scenario
from infra_toolkit.plan_traffic import scenario_curves, workload_loads
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.plan_warnings import plan_warnings
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.pricing_tables import TableRef
from infra_toolkit.report_html import duration_text
from infra_toolkit.report_review import ReviewInfo, review_info
from infra_toolkit.resources import Resource
from infra_toolkit.review_subject import read_review_subject
from infra_toolkit.simulate import (
    ClusterSimulationResult,
    FixedPods,
    SimulationResult,
    SimulationSpec,
)
from infra_toolkit.slo_check import evaluate_slos
from infra_toolkit.stack_canary import StackCanaryRun, simulate_stack_canary
from infra_toolkit.time_units import SECONDS_PER_HOUR
from infra_toolkit.today_findings import today_findings
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.unused_commitment import (
    simulated_commitment_warnings,
    todays_declared_warnings,
)

__all__ = ["PlanAnalysis", "ScenarioRun", "analyze_plan", "fixed_pods", "workload_loads"]


def _load_following(resources: Sequence[Resource], profile: TrafficProfile | None) -> str:
    """The usage a scenario's served requests set, as its usage note names it: node-hours, and
    with a ``profile`` the load balancer's capacity units and the transfer resource
    ``apply_simulation`` moves (its intra-region GB only when the profile has bytes for them:
    another transfer resource's, or a transfer without them, stays as declared)."""
    if profile is None:
        return "node-hours"
    transfer = egress_transfer(resources)
    name = "simulated_egress" if transfer is None else resources[transfer].name
    followed = ["node-hours", "load balancer capacity units"]
    if profile.intra_region_bytes:
        followed.append(f"aws_data_transfer.{name}'s Internet egress and intra-region transfer "
                        "(monthly_outbound_internet_gb, monthly_intra_region_gb)")
    else:
        followed.append(f"aws_data_transfer.{name}'s Internet "
                        "egress (monthly_outbound_internet_gb)")
    # the NAT gateways the egress leaves by (egress_through_load_balancer: false) carry it
    followed += [f"{address}'s data processed (monthly_data_processed_gb, the egress leaving "
                 "by it)" for address, _bytes in profile.nat_processed_bytes]
    return f"{', '.join(followed[:-1])}, and {followed[-1]}"


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario: its traffic (before each workload's ``traffic_share``, cut to the
    horizon), one simulation per autoscaled workload, their part of the node cost per hour and
    SLO checks (by workload name), the proposed resources priced with the usage of this run, the
    cluster simulation they come from (its nodes each counted once) and its node cost per
    hour."""

    scenario: Scenario
    curve: TrafficCurve
    simulations: Mapping[str, SimulationResult]
    hourly_cost: Mapping[str, pd.DataFrame]
    slos: Mapping[str, pd.DataFrame]
    priced_resources: tuple[Resource, ...]
    estimate: CostEstimate
    cluster: ClusterSimulationResult | None = None
    cluster_hourly_cost: pd.DataFrame | None = None
    # burstable node groups' CPU credits in this run, by simulated group name
    credits: Mapping[str, GroupCredits] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name


@dataclass(frozen=True)
class PlanAnalysis:
    """A plan analysed: see the module docstring. ``proposed_estimate`` is the expected
    scenario's (the declared one when nothing is simulated); ``declared_estimate`` prices the
    proposed resources as written, which is what the review's cost delta and approval policy
    use (priced in ``region`` when it is given: ``review_basis_estimate`` is then the review's
    own); ``ceiling_estimate`` runs every node group at its maximum size all month, with the
    load balancer and egress at the busiest plan scenario's offered load
    (:func:`~infra_toolkit.plan_cost.ceiling_resources`), whichever scenarios are selected."""

    plan: Plan
    digest: str
    toolkit_version: str
    pricing_tables: tuple[TableRef, ...]
    runs: tuple[ScenarioRun, ...]
    expected_scenario: str | None
    current_estimate: CostEstimate
    declared_estimate: CostEstimate
    #: the proposed resources as declared, priced in their own regions whatever ``region`` says:
    #: the review's cost basis (the same figures as ``declared_estimate`` without ``region``)
    review_basis_estimate: CostEstimate
    proposed_estimate: CostEstimate
    ceiling_estimate: CostEstimate
    review: ReviewInfo
    region: str | None = None
    horizon_h: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: what the plan's own model implies and its author likely did not intend (plan_warnings),
    #: but those its ``acknowledged_warnings`` cover (plan_acknowledgements.acknowledge)
    warnings: tuple[PlanWarning, ...] = ()
    #: the warnings the plan's ``acknowledged_warnings`` cover, each with its reason and name
    acknowledged: tuple[AcknowledgedWarning, ...] = ()
    #: a stack canary through the expected scenario (stack_canary), None for any other strategy
    canary: StackCanaryRun | None = None
    #: whose per-workload charts the report draws (the ``chart_workloads`` parameter)
    charts: ChartSelection = ChartSelection(())
    #: the current side's autoscaled workloads through the same scenarios (today's cluster on
    #: the same traffic); ``current_estimate`` is then the expected scenario's of them
    current_runs: tuple[ScenarioRun, ...] = ()
    #: what the plan's checks say of today's simulated cluster (today_findings: SLOs missed,
    #: capacity and start checks, silent critical alerts), each opening "today: "; apart from
    #: ``warnings``: never acknowledged, never counted toward the approval (that module says why)
    today_findings: tuple[PlanWarning, ...] = ()
    #: today's resources as declared (node groups at ``desired_size``), when
    #: ``current_estimate`` is simulated; None: ``current_estimate`` is the declared one
    current_declared: CostEstimate | None = None

    @property
    def current_declared_estimate(self) -> CostEstimate:
        """Today's resources priced as declared: the review's cost basis beside the declared
        proposal (``current_estimate`` is the expected scenario's when today is simulated)."""
        return self.current_estimate if self.current_declared is None else self.current_declared

    def run(self, scenario: str) -> ScenarioRun:
        """The run of ``scenario`` (KeyError naming the scenarios run)."""
        for r in self.runs:
            if r.name == scenario:
                return r
        raise KeyError(f"scenario {scenario!r} was not run; runs: "
                       f"{', '.join(r.name for r in self.runs) or 'none'}")

    @property
    def comparison(self) -> pd.DataFrame:
        """Current vs proposed (expected scenario) per component, with a TOTAL row."""
        return compare_estimates(self.current_estimate, self.proposed_estimate)

    @property
    def monthly_runs(self) -> tuple[ScenarioRun, ...]:
        """The runs whose projection to a month the range shows: every run but load tests."""
        return tuple(r for r in self.runs if not is_load_test(r.scenario))

    @property
    def cost_range(self) -> pd.DataFrame | None:
        """Low / expected / high proposed monthly cost across the scenarios run, load tests left
        out (None without such runs)."""
        if not self.monthly_runs or self.expected_scenario is None:
            return None
        return cost_range({r.name: r.estimate for r in self.monthly_runs},
                          self.expected_scenario)

    @property
    def monthly_delta_usd(self) -> Decimal:
        """Proposed (expected scenario) minus current monthly total, USD, of the two totals as
        printed (:func:`~infra_toolkit.cost_summary.printed_delta_usd`)."""
        return printed_delta_usd(self.current_estimate.total_monthly_usd,
                                 self.proposed_estimate.total_monthly_usd)


def _shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it (the approve command
    in the report then works from a checkout), else absolute."""
    absolute = path.resolve()
    if absolute.is_relative_to(Path.cwd()):
        return absolute.relative_to(Path.cwd()).as_posix()
    return str(absolute)


def _run_scenario(plan: Plan, scenario: Scenario, curve: TrafficCurve,
                  specs: Mapping[str, SimulationSpec], fixed: Sequence[FixedPods],
                  resources: tuple[Resource, ...], book: PriceBook,
                  profile: TrafficProfile | None, region: str,
                  side: str = "proposed") -> ScenarioRun:
    # the current side (today's cluster) runs the same traffic and is priced by the same rule,
    # so the comparison sets simulated node-hours against simulated node-hours
    cluster = simulate_scenario(plan, JointRun(specs, tuple(fixed), side), scenario.name, curve)
    sims = dict(cluster.simulations)
    slos = {name: evaluate_slos(plan.slos, name, sims[name].timeline, spec.tick_s)
            for name, spec in specs.items()}
    resource_of = node_group_resources(plan, side)
    cluster_cost = cluster_hourly_cost(cluster, resources, resource_of, book, region)
    hourly = workload_hourly_costs(cluster, specs, fixed, cluster_cost)
    node_hours = {resource_of.get(g, g): hours  # each group priced from its own node-hours
                  for g, hours in cluster.node_hours_by_node_group.items()}
    first = next(iter(sims.values()))
    window_h = first.summary.duration_s / SECONDS_PER_HOUR
    # the current side's load balancer and egress stay as declared (profile None): the
    # per-request profile is the proposed side's declared usage
    behind = load_balanced_workloads(plan) if side == "proposed" else ()
    # none behind the load balancer: reference_traffic_profile gave no profile, so the LB and
    # egress stay as declared and no served rate is passed (not a scalar 0 standing for one)
    served = (np.sum([sims[n].timeline["served_rps"].to_numpy() for n in behind], axis=0)
              if behind else None)
    # a commitment covers so many nodes at each moment: the hours above it need the timeline
    overflow = overflow_node_hours_by_node_group(cluster.nodes, resources, resource_of,
                                                 float(first.spec.tick_s))
    overflow.update(idle_overflow_node_hours(resources, set(node_hours), window_h))
    node_hours.update(idle_node_hours(resources, set(node_hours), window_h))
    credits = group_credits(cluster, specs, burstable_groups(resources, resource_of, book),
                            float(first.spec.tick_s))
    priced = apply_simulation(resources, node_hours, window_h, book, served_rps=served,
                              step_s=float(first.spec.tick_s),
                              traffic=profile,
                              cpu_credits=charged_by_resource(credits, resource_of),
                              overflow_node_hours_by_node_group=overflow)
    # a StatefulSet's claimed volumes follow its simulated replicas, as node-hours do
    claims = claim_templates(plan) if side == "proposed" else []
    volumes, volume_notes = scenario_volumes(plan, claims, sims)
    priced = claimed_volume_resources(priced, claims, volumes, region)
    claimed = (f", and the claimed volumes of StatefulSet(s) {', '.join(sorted(volumes))} "
               "from its replicas (each line's note)") if volumes else ""
    # only a burstable group has CPU credits: without one the pointer sent a reviewer looking
    # for a note no line has (reader19)
    credited = " (a simulated group's CPU credits: its line's note)" if credits else ""
    note = (f"{_load_following(resources, profile)}{claimed} from the simulated "
            f"{scenario.name!r} scenario ({duration_text(window_h * 3600)}), projected to a "
            "730-hour month; "
            f"{'' if profile is not None else 'load balancer and data transfer usage and '}"
            f"every other usage as declared in the plan{credited}")
    est = with_claim_notes(with_credit_notes(estimate(priced, book, notes=(note,)), {
        f"aws_eks_node_group.{resource_of.get(g, g)}": credit_note(c)
        for g, c in credits.items()}), volume_notes)
    return ScenarioRun(scenario, curve, sims, hourly, slos, priced, est, cluster, cluster_cost,
                       credits)


def analyze_plan(plan_path: str | os.PathLike[str], *, scenarios: Sequence[str] | None = None,
                 expected_scenario: str | None = None, horizon_h: float | None = None,
                 region: str | None = None, store_location: str | None = None,
                 chart_workloads: int | str | Sequence[str] | None = None) -> PlanAnalysis:
    """Read the plan at ``plan_path`` and its price book (once), simulate ``scenarios`` (None:
    all) for every workload with an HPA, price current (declared) and proposed (per scenario),
    and read the review status of the plan's digest from the approval store at
    ``store_location`` (None: ``$INFRA_TOOLKIT_DB`` or the default; missing: NOT SUBMITTED).

    ``expected_scenario`` (default: the first selected that is not a load test; a load test is
    refused) is the cost summary's expected case; the declared load balancer and egress usage
    describe :func:`reference_scenario`, whatever is selected; ``horizon_h`` simulates only the
    first hours of each scenario (refused when longer than every selected one: it would cut
    none); ``region`` prices every resource in that region instead;
    ``chart_workloads`` chooses whose per-workload charts the report draws
    (:mod:`~infra_toolkit.chart_selection`)."""
    plan = read_plan(check_plan_path(plan_path))
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    selected = select_scenarios(plan, scenarios)
    expected = pick_expected(selected, expected_scenario)
    region = check_region(region, book)
    store_location = check_store_location(store_location)
    chart_request = check_chart_workloads(plan, chart_workloads)
    joint = joint_run(plan, book)
    specs = joint.specs
    notes: list[str] = []
    current = in_region(plan.current.resources, region)
    proposed = in_region(plan.proposed.resources, region)
    profile = None
    runs: list[ScenarioRun] = []
    current_runs: list[ScenarioRun] = []
    # every scenario's curve, selected or not: the reference one and validate's warnings need them
    curves = scenario_curves(plan.scenarios, plan.simulation.step_s) if specs else {}
    cut = {name: cut_to_horizon(curve, horizon_h) for name, curve in curves.items()}
    if specs and selected:
        # a horizon past every selected scenario cuts none, though the reader was told it did
        check_horizon_cuts(horizon_h, {s.name: curves[s.name] for s in selected}, report=True)
        reference = reference_scenario(plan)
        assert reference is not None
        profile, reference_rps = reference_traffic_profile(plan, proposed, curves)
        if profile is not None:
            moved = ["load balancer", "egress"] + (
                ["intra-region"] if profile.intra_region_bytes else []) + (
                ["NAT gateway"] if profile.nat_processed_bytes else [])
            notes.append(f"per-request {', '.join(moved[:-1])} and {moved[-1]} usage: the "
                         "declared usage at "
                         f"the mean rate of the plan's reference scenario {reference.name!r} "
                         f"({reference_rps:.1f} rps; its first scenario that is not a load "
                         "test), whichever scenarios this report selects")
        pricing_region = region or plan.proposed.region
        runs = [_run_scenario(plan, s, cut[s.name], specs,
                              joint.fixed, proposed, book, profile, pricing_region)
                for s in selected]
        today = joint_run(plan, book, "current")
        if today.specs:
            current_runs = [_run_scenario(plan, s, cut[s.name],
                                          today.specs, today.fixed, current, book, None,
                                          region or plan.current.region, "current")
                            for s in selected]
    declared = estimate(proposed, book)
    chosen = next((r for r in runs if r.name == expected), None)
    proposed_estimate = chosen.estimate if chosen is not None else declared
    today_run = next((r for r in current_runs if r.name == expected), None)
    current_estimate = estimate(current, book) if today_run is None else today_run.estimate
    canary = None if chosen is None else simulate_stack_canary(
        plan, chosen.name, chosen.curve, specs, joint.fixed)
    # every plan scenario but load tests, selected or not: the ceiling is the plan's, not the
    # report's (PLAN.md: a scenario's cost is the same whichever scenarios a report selects)
    claims = claim_templates(plan)
    at_most = claimed_volume_resources(proposed, claims, ceiling_volumes(plan, claims),
                                       region or plan.proposed.region)
    ceiling = ceiling_resources(at_most, [cut[s.name]
                                           for s in plan.scenarios if not is_load_test(s)],
                                load_balanced_share(plan), profile, book)
    if region is not None:
        notes.append(f"priced in {region}, not the plan's regions: not the reviewed figures")
    # a report of every scenario, whole, computes every warning the plan can give: an
    # acknowledgement covering none of them is stale
    complete = not specs or (len(runs) == len(plan.scenarios) and horizon_h is None)
    # today's commitment from today's simulated nodes when it is simulated, not its declared
    replaced = todays_declared_warnings(plan, current_runs, book)
    triage = acknowledge(tuple(w for w in plan_warnings(plan, book, curves) if w not in replaced)
                         + alert_warnings(plan, runs)
                         + tuple(credit_warnings(plan, runs))
                         + tuple(simulated_commitment_warnings(plan, runs, book))
                         + tuple(simulated_commitment_warnings(plan, current_runs, book,
                                                               "current"))
                         + tuple(canary_room_warnings(plan, chosen)),
                         plan.acknowledged_warnings, complete=complete)
    shown_path = _shown_path(Path(plan_path))
    subject = read_review_subject(shown_path)
    charted = _charted(runs, chart_request, shown_path, selected, plan, expected, horizon_h,
                       region)
    return PlanAnalysis(
        plan=plan, digest=subject.digest, toolkit_version=__version__,
        pricing_tables=tuple(book.tables_used), runs=tuple(runs),
        expected_scenario=expected if runs else None, current_estimate=current_estimate,
        declared_estimate=declared,
        review_basis_estimate=declared if region is None else estimate(plan.proposed.resources,
                                                                       book),
        proposed_estimate=proposed_estimate,
        ceiling_estimate=estimate(ceiling, book),
        review=review_info(subject, store_location), region=region, horizon_h=horizon_h,
        notes=tuple(notes),
        warnings=triage.open, acknowledged=triage.acknowledged,
        canary=canary, charts=charted, current_runs=tuple(current_runs),
        today_findings=today_findings(plan, curves, current_runs, runs),
        current_declared=None if today_run is None else estimate(current, book))


def _charted(runs: Sequence[ScenarioRun], request: int | tuple[str, ...] | None,
             shown_path: str, selected: Sequence[Scenario], plan: Plan, expected: str | None,
             horizon_h: float | None, region: str | None) -> ChartSelection:
    """Whose charts the report draws, and the command (this report's parameters and the ones
    left out as ``chart_workloads``) that charts the rest."""
    workloads = list(runs[0].simulations) if runs else []
    peaks = {w: max(float(r.simulations[w].timeline["offered_rps"].max()) for r in runs)
             for w in workloads}
    charted = select_charted(workloads, request,
                             busiest_first(workloads, [r.slos for r in runs], peaks))
    if not charted.left_out:
        return charted
    parameters = []
    if [s.name for s in selected] != [s.name for s in plan.scenarios]:
        parameters.append(("scenarios", "[" + ", ".join(s.name for s in selected) + "]"))
    if expected is not None and expected != pick_expected(selected, None):
        parameters.append(("expected_scenario", expected))
    if horizon_h is not None:
        parameters.append(("horizon_h", f"{horizon_h:g}"))
    if region is not None:
        parameters.append(("region", region))
    return ChartSelection(charted.shown, charted.left_out, charted.rule,
                          chart_command(shown_path, parameters, charted.left_out))

