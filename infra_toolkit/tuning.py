"""The sweep: the cheapest HPA / node configuration of one plan workload that meets the plan's
SLOs (:func:`sweep_workload`). Pure: the caller reads the plan and its price book.

How a variant is judged, exactly as the report judges the plan's own configuration:

1. **Screen** every variant with :func:`~infra_toolkit.simulate.simulate_many` (one call per
   scenario: summary rows, the same numbers as ``simulate`` bit for bit). A summary row cannot
   apply the report's SLO rule (``slo_check.evaluate_slos`` reads a timeline: p50 / p99
   percentiles, each SLO's own threshold), so it only *rejects*, and only where the rule's
   outcome is certain: a p95 latency SLO whose threshold the row's ``max_p95_latency_ms``
   exceeds (some step is over it), an availability SLO the row's served / (served + dropped)
   share misses (by more than float rounding). Nothing is called "meets" on a summary row.
2. **Confirm** with the report's rule: the baseline and then the variants the screen left, in
   screened-cost order, each through :func:`~infra_toolkit.simulate.simulate` and
   ``evaluate_slos`` in every chosen scenario, until ``top`` variants meet every SLO and the
   ``top``-th cheapest of them (its cost from its run, CPU credits included) costs no more than
   the next variant's screened cost, a lower bound of its ranked cost (credits only add, the
   node-hours above a commitment are fewest when spread evenly, as screened, and a
   StatefulSet's claimed volumes are counted at a lower bound, below); or
   until ``confirm_limit`` variants were run. Variants the screen left and no run confirmed are
   ``not confirmed``, never "meets", and none of them could rank among the ``top`` cheapest
   meeting the SLOs unless ``confirm_limit`` stopped the confirmation.

Cost: each variant's node-hours on the workload's node groups (per group) priced as the report
prices them: the group's ``aws_eks_node_group`` resource (its instance type replaced by a
variant's), ``cost_sim.apply_simulation`` (the simulated window projected to a 730-hour month)
and ``cost_pricing.estimate`` (the plan's price book and overrides); a price not found leaves
the cost empty with the reason, never $0. A burstable (T-family, Unlimited) group's surplus CPU
credits need the CPU over time: a variant run through ``simulate`` (confirmed, or every variant in
cluster mode) has them priced from its run as the report prices them
(``credit_usage.group_credits``); a summary row carries no CPU over time, so a variant only
screened leaves them out and its note says so (a declared ``monthly_cpu_credit_hrs``, which the
report replaces too, is never priced). A group with ``committed_instances`` bills the node-hours
above them on-demand: a run gives them from its node count over time, as the report counts them;
a summary row has only the node-hours, so a variant only screened counts them as if spread
evenly (a lower bound) and its note says so. The commitment's rate is the variant's instance
type's (``SweepPricer``): a variant of another type without a rate for it is PRICE NOT FOUND.
A StatefulSet workload's claimed volumes (``volumeClaimTemplates``) are added as the report adds
them to the scenario (``claimed_volumes.claimed_volume_resources``, the same estimate, so the
baseline's cost is the report's node-group and claimed-volume lines): a run gives their mean
count as the report's; a summary row gives a lower bound from its pod-hours, peak and start
(:mod:`tuning_volumes`: exact under ``whenScaled: Delete``), noted on the row; where the report
leaves them unpriced (no StorageClass) every row's note says they are not included. A
neighbour StatefulSet's volumes (cluster mode) are not in the workload's cost.
The monthly cost ranked is the first chosen scenario that is not a load test.

Every variant starts as the report's run does: the Deployment's ``replicas`` (a variant's higher
``minReplicas`` is reached at the first sync, pods starting up as simulated).

A workload alone on its groups runs in the report through ``simulate`` itself, so the baseline
row reproduces the report's node-hours and cost for it. A summary row counts node-hours per
instance type, so a workload alone on two or more node groups of one instance type cannot be
screened: every valid variant is then run (no screen, ``SweepResult.unscreened`` says why)
through the same joint run as cluster mode below with the workload alone, which reads the
node-hours per group, judged by the report's SLO rule, ``max_cluster_runs`` bounding variants x
scenarios. A workload that shares a node group with
another workload or a Deployment without an HPA runs, in the report, with them
(``simulate_cluster``: one scheduler, per-node scale-down); the sweep then runs every variant
the same way (**cluster mode**): the variant replaces the workload's spec (and its node group,
for every pod that shares it) in the report's joint run, each variant is judged by the report's
SLO rule on its own timeline, and it *fails* when it breaks an SLO of another workload that the
baseline meets (its pods crowding theirs off the shared nodes); one the baseline already fails
is not the variant's doing, so the row keeps its status and its note names each such SLO with
more violation minutes than in the baseline. There is no summary screen in
cluster mode (``simulate_many`` runs one workload), so every valid variant is run in every
chosen scenario: ``max_cluster_runs`` bounds variants x scenarios. Money, ranked, is the
workload's groups' whole node cost, whoever's pods the nodes hold: a variant's decision is what
the cluster pays with it (more pods of this workload may add nodes every neighbour's pods then
spread over; a share would move with the neighbours' requests, not with what the variant
costs). Beside it each row gives the workload's request share of those groups' instance cost
as the report splits a shared group (``request_share_monthly_usd``, :mod:`node_cost_share`:
half by CPU, half by memory requests per tick; disks and CPU credits are not split), so the
baseline's share is the report's per-workload node cost of that scenario.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from infra_toolkit.analysis import workload_loads
from infra_toolkit.cost_summary import printed_delta_usd
from infra_toolkit.errors import SimulationError
from infra_toolkit.joint_run import JointRun, joint_run
from infra_toolkit.notebook_parameters import (
    check_horizon_cuts,
    cut_to_horizon,
    select_scenarios,
)
from infra_toolkit.plan import Plan
from infra_toolkit.plan_cost import is_load_test, reference_scenario
from infra_toolkit.plan_scenario_types import Scenario, Slo
from infra_toolkit.plan_traffic import scenario_curve
from infra_toolkit.pricing import PriceBook
from infra_toolkit.report_html import quantity_text
from infra_toolkit.simulate import (
    SimulationSpec,
    simulate_cluster,
    simulate_many,
)
from infra_toolkit.slo_check import availability_pct, evaluate_slos
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.tuning_cost import SweepPricer, group_resources
from infra_toolkit.tuning_grid import (
    DEFAULT_MAX_CLUSTER_RUNS,
    DEFAULT_MAX_VARIANTS,
    Variant,
    build_variants,
    field_value,
)
from infra_toolkit.tuning_volumes import workload_claims

__all__ = ["LOAD_TEST_NOTE", "STATUSES", "SweepResult", "sweep_workload"]

#: a variant's status, best first (the rank's first key)
STATUSES = ("meets SLOs", "not confirmed", "fails SLOs", "invalid")
#: why a load test's ``<scenario>:monthly_usd`` is empty: the report leaves it out of every
#: monthly figure
LOAD_TEST_NOTE = ("load test: no monthly projection (minutes of synthetic users are not a "
                  "month of traffic)")
# served / (served + dropped) from a summary row and from a timeline differ by float rounding only
_AVAILABILITY_SLACK_PCT = 1e-9


@dataclass(frozen=True)
class SweepResult:
    """A sweep's outcome. ``table``: one row per variant, ranked (columns in
    :func:`sweep_workload`); ``fields``: the varied fields; ``scenarios``: the scenarios run, in
    order; ``cost_scenario``: the one whose monthly cost ranks; ``slos``: the plan's SLOs that
    apply to the workload; ``confirmed``: how many variants ran through ``simulate``;
    ``cluster``: the workloads and Deployments it shares nodes with (cluster mode; empty when it
    runs alone); ``unscreened``: why every valid variant was run with no summary screen though
    it runs alone (its node groups share an instance type), empty when screened;
    ``unsettled_count``: how many variants ``confirm_limit`` left unconfirmed that could still
    rank among the ``top`` cheapest meeting the SLOs (0 when none could), ``unsettled`` the
    sentence that says so (empty when none could); ``shared_cost_notes``: the cost notes (a
    missing price with its fix, the credits counted ...) that more than one variant's ``note``
    starts with, which the table prints once above its notes."""

    workload: str
    fields: tuple[str, ...]
    scenarios: tuple[str, ...]
    cost_scenario: str
    slos: tuple[Slo, ...]
    table: pd.DataFrame
    confirmed: int
    cluster: tuple[str, ...] = ()
    unscreened: str = ""
    unsettled: str = ""
    unsettled_count: int = 0
    shared_cost_notes: tuple[str, ...] = ()


def _screen(slos: Sequence[Slo], row: Mapping[str, Any]) -> dict[str, str]:
    """The SLOs a summary row shows violated, each with why (only certain outcomes)."""
    out = {}
    for s in slos:
        if s.metric == "latency" and s.percentile == 95:
            assert s.threshold_ms is not None
            worst = float(row["max_p95_latency_ms"])
            if worst > s.threshold_ms:  # NaN (no load) compares False
                out[s.name] = f"max p95 {worst:,.0f} ms > {s.threshold_ms:g} ms"
        elif s.metric == "availability":
            assert s.objective_pct is not None
            pct = availability_pct(float(row["served_requests"]), float(row["dropped_requests"]))
            if pct < s.objective_pct - _AVAILABILITY_SLACK_PCT:
                # rounded down: 99.8995 % printed as 99.900 would read as the 99.9 % it misses
                out[s.name] = f"{quantity_text(pct, 3, down=True)} % served < " \
                              f"{s.objective_pct:g} %"
    return out


def _scenario_columns(name: str, slos: Sequence[Slo]) -> list[str]:
    cols = [f"{name}:{k}" for k in ("dropped_pct", "peak_replicas", "node_hours", "monthly_usd",
                                    "request_share_monthly_usd", "monthly_note")]
    for s in slos:
        cols += [f"{name}:{s.name}:met", f"{name}:{s.name}:violation_minutes"]
    return cols


def _summary_figures(name: str, row: Mapping[str, Any], spec: SimulationSpec,
                     cost: tuple[Decimal | None, str, Decimal | None],
                     hours: float | None = None
                     ) -> dict[str, Any]:
    """A scenario's columns from a summary row (``hours``: the workload's groups' node-hours,
    when not the row's per-type counts)."""
    offered = float(row["offered_requests"])
    if hours is None:
        hours = sum(float(row.get(f"node_hours_{t}", 0.0))
                    for t in {g.instance_type for g in spec.node_groups})
    return {f"{name}:dropped_pct": 100.0 * float(row["dropped_requests"]) / offered
            if offered > 0 else 0.0,
            f"{name}:peak_replicas": int(row["peak_replicas"]),
            f"{name}:node_hours": hours, f"{name}:monthly_usd": cost[0]}


def sweep_workload(plan: Plan, book: PriceBook, workload: str, grid: Mapping[str, Sequence[Any]],
                   *, scenarios: Sequence[str] | None = None, horizon_h: float | None = None,
                   top: int = 10, confirm_limit: int = 50,
                   max_variants: int = DEFAULT_MAX_VARIANTS,
                   max_cluster_runs: int = DEFAULT_MAX_CLUSTER_RUNS) -> SweepResult:
    """Every combination of ``grid`` (:func:`~infra_toolkit.tuning_grid.parse_vary`) for
    ``workload`` of ``plan``'s proposed side, simulated in ``scenarios`` (default: the plan's
    reference scenario, its first that is not a load test; each cut to ``horizon_h`` hours),
    priced and judged against the plan's SLOs (module docstring), the plan's own configuration
    first as the baseline.

    ``table`` columns: ``rank`` (1 = best: status in :data:`STATUSES` order, then monthly cost,
    a missing price last), ``baseline`` (bool), the varied fields (the baseline's own values),
    ``status``, ``monthly_usd`` (Decimal, cents, of ``cost_scenario``; None when a price is
    missing), ``delta_monthly_usd`` (against the baseline, as printed),
    ``request_share_monthly_usd`` (cluster mode: the workload's request share of its groups'
    instance cost, Decimal, cents, of ``cost_scenario``; None otherwise),
    ``claimed_volumes_monthly_usd`` (a StatefulSet's claimed volumes, part of ``monthly_usd``,
    Decimal, cents; None when the report prices none of its), ``checked_by`` (``report
    rule`` for a variant run through ``simulate`` + ``evaluate_slos``, ``summary screen`` for one
    rejected by its summary row, empty otherwise), ``note`` (why invalid / rejected / unpriced),
    then per scenario ``<scenario>:dropped_pct`` (% of offered requests),
    ``<scenario>:peak_replicas``, ``<scenario>:node_hours`` (billed from launch),
    ``<scenario>:monthly_usd``, ``<scenario>:request_share_monthly_usd`` (both None for a load
    test, as the report projects none to a month), ``<scenario>:monthly_note``
    (:data:`LOAD_TEST_NOTE` for a load test, else empty) and per SLO
    ``<scenario>:<slo>:met`` (True / False / None: not judged) and
    ``<scenario>:<slo>:violation_minutes`` (the report's minutes; NaN unless confirmed).

    Raises :class:`~infra_toolkit.errors.SimulationError` for a workload without an HPA, only
    load tests chosen, a grid run with no screen (cluster mode, or node groups of one
    instance type) over ``max_cluster_runs``;
    :class:`~infra_toolkit.errors.SpecError` for a bad grid
    (:func:`~infra_toolkit.tuning_grid.build_variants`)."""
    found = [w for w in plan.proposed.workloads if w.name == workload]
    if not found:
        names = ", ".join(w.name for w in plan.proposed.workloads if w.hpa_spec) or "none"
        raise SimulationError(f"--workload {workload!r} is not a workload of proposed in "
                              f"{plan.path}; workloads with an HPA: {names}")
    if found[0].hpa_spec is None:
        names = ", ".join(w.name for w in plan.proposed.workloads if w.hpa_spec) or "none"
        raise SimulationError(f"--workload {workload!r} has no HPA: the sweep varies an HPA's "
                              f"fields; workloads with an HPA: {names}")
    if top < 1 or confirm_limit < 1:
        raise SimulationError(f"top (={top}) and confirm_limit (={confirm_limit}) must be >= 1")
    joint = joint_run(plan, book)
    base, sharing = joint.specs[workload], joint.sharing(workload)
    chosen = select_scenarios(plan, list(scenarios), "--scenario") if scenarios else \
        tuple(s for s in (reference_scenario(plan),) if s is not None)
    priced_in = next((s for s in chosen if not is_load_test(s)), None)
    if priced_in is None:
        raise SimulationError("--scenario: every chosen scenario is a load test, which has no "
                              "month to price; add one that is not (e.g. "
                              f"{getattr(reference_scenario(plan), 'name', 'NAME')!r})")
    resources = group_resources(plan, base)
    unscreened = "" if sharing else (_one_type_groups(base) or _budgeted(base))
    unsettled, unsettled_count = "", 0
    variants = [Variant({f: field_value(f, base) for f in grid}, base,
                        base.node_groups[0].instance_type)]
    for v in build_variants(plan, found[0], base, grid, book, max_variants):
        if v.spec is not None and v.spec.hpa == base.hpa \
                and v.spec.node_groups == base.node_groups:
            continue  # the plan's own configuration: the baseline row already
        variants.append(v)
    slos = tuple(s for s in plan.slos if s.workload in (workload, None))
    run_together = list(joint.specs) if sharing else [workload]
    whole = {s.name: scenario_curve(s, plan.simulation.step_s) for s in chosen}
    check_horizon_cuts(horizon_h, whole)
    loads = {name: workload_loads(plan, cut_to_horizon(curve, horizon_h), run_together)
             for name, curve in whole.items()}
    pricer = SweepPricer(resources, book, workload_claims(plan, workload), plan.proposed.region)
    if not sharing and not unscreened:
        curves = {name: by[workload] for name, by in loads.items()}
        rows = _screened_rows(variants, chosen, curves, slos, pricer, priced_in.name)
        confirmed, unsettled_count = _confirm(rows, variants, chosen, curves, slos, workload,
                                              top, confirm_limit, pricer, priced_in.name)
        if unsettled_count:
            unsettled = (f"{unsettled_count} unrejected variant(s) not confirmed could still "
                         f"rank among the {top} cheapest meeting the SLOs: confirmation "
                         f"stopped at its limit of {confirm_limit} runs")
    else:
        runs = sum(v.spec is not None for v in variants) * len(chosen)
        if runs > max_cluster_runs:
            why = (f"shares its nodes with {', '.join(sharing)}, so each variant runs "
                   "with them (the report's joint run" if sharing
                   else f"runs on {unscreened}, so each variant runs alone (the report's run")
            raise SimulationError(
                f"workload {workload!r} {why}, no summary screen): {runs:,} runs (variants x "
                f"scenarios) is over the limit of {max_cluster_runs:,}; narrow the grid, "
                "choose fewer scenarios, or raise the limit with --max-cluster-runs")
        rows = [_blank_row(i, v, chosen, slos) for i, v in enumerate(variants)]
        confirmed = _cluster_runs(rows, variants, chosen, loads, plan.slos, workload,
                                  joint if sharing else JointRun({workload: base}),
                                  pricer, priced_in.name)
    table = _ranked(rows, tuple(grid), chosen, slos)
    notes = [r["cost_note"] for r in rows if r["cost_note"]]
    shared = tuple(dict.fromkeys(n for n in notes if notes.count(n) > 1))
    return SweepResult(workload, tuple(grid), tuple(s.name for s in chosen), priced_in.name,
                       slos, table, confirmed, sharing, unscreened, unsettled, unsettled_count,
                       shared)


def _budgeted(spec: SimulationSpec) -> str:
    """Why the summary screen (the sweep engine) cannot run ``spec``: its PodDisruptionBudget,
    which only the scalar loop's node scale-down honours (audit15 A15-4), or empty."""
    budget = spec.disruption_budget
    return "" if budget is None else \
        f"nodes whose scale-down honours its PodDisruptionBudget {budget.name}, which the " \
        "sweep engine does not model"


def _one_type_groups(spec: SimulationSpec) -> str:
    """Why summary rows cannot bill ``spec``'s node groups apart: those that share an instance
    type (``node groups a, b of one instance type, m5.large``), or empty."""
    by_type: dict[str, list[str]] = {}
    for g in spec.node_groups:
        by_type.setdefault(g.instance_type, []).append(g.name)
    return "; ".join(f"node groups {', '.join(names)} of one instance type, {itype}"
                     for itype, names in by_type.items() if len(names) > 1)


def _blank_row(i: int, v: Variant, chosen: Sequence[Scenario], slos: Sequence[Slo]
               ) -> dict[str, Any]:
    """Variant ``i``'s row before any run: its values, status (invalid or not confirmed) and
    empty scenario columns."""
    row: dict[str, Any] = {"baseline": i == 0, **v.values, "status": "invalid"
                           if v.invalid else "not confirmed", "monthly_usd": None,
                           "request_share_monthly_usd": None, "claimed_volumes_monthly_usd": None,
                           "checked_by": "", "note": v.invalid or "", "cost_note": ""}
    for s in chosen:
        row.update(dict.fromkeys(_scenario_columns(s.name, slos)))
        for slo in slos:
            row[f"{s.name}:{slo.name}:violation_minutes"] = math.nan
    return row


def _screened_rows(variants: Sequence[Variant], chosen: Sequence[Scenario],
                   curves: Mapping[str, TrafficCurve], slos: Sequence[Slo], pricer: SweepPricer,
                   cost_scenario: str) -> list[dict[str, Any]]:
    rows = [_blank_row(i, v, chosen, slos) for i, v in enumerate(variants)]
    runnable = [i for i, v in enumerate(variants) if v.spec is not None]
    specs = [variants[i].spec for i in runnable]
    for s in chosen:
        summaries = simulate_many(curves[s.name], [sp for sp in specs if sp is not None])
        for i, summary in zip(runnable, summaries.to_dict("records"), strict=True):
            spec = variants[i].spec
            assert spec is not None
            hours = {g.name: float(summary.get(f"node_hours_{g.instance_type}", 0.0))
                     for g in spec.node_groups}
            cost = pricer.monthly(spec, hours, float(summary["duration_s"]) / 3600.0,
                                  volumes=pricer.claims.from_summary(summary, spec)
                                  if pricer.claims else None)
            row = rows[i]
            row.update(_summary_figures(s.name, summary, spec, cost))
            if s.name == cost_scenario:
                row["monthly_usd"], row["cost_note"], row["claimed_volumes_monthly_usd"] = cost
            for slo_name, why in _screen(slos, summary).items():
                row[f"{s.name}:{slo_name}:met"] = False
                row["status"], row["checked_by"] = "fails SLOs", "summary screen"
                row["note"] = "; ".join(filter(None, (row["note"], f"{s.name}: {why}")))
    return rows


def _cluster_runs(rows: list[dict[str, Any]], variants: Sequence[Variant],
                  chosen: Sequence[Scenario], loads: Mapping[str, Mapping[str, TrafficCurve]],
                  plan_slos: Sequence[Slo], workload: str, cluster: JointRun, pricer: SweepPricer,
                  cost_scenario: str) -> int:
    """Cluster mode (and a workload alone on groups of one instance type, ``cluster`` holding it
    alone): every valid variant (the baseline first) in the report's joint run of every chosen
    scenario, judged by the report's SLO rule on the workload's timeline and failing when
    it breaks another workload's SLO that the baseline meets (one the baseline already fails
    with fewer violation minutes is noted, the status kept); returns how many variants ran."""
    # another workload's SLO in the baseline run: met, and its violation minutes
    baseline: dict[tuple[str, str, str], tuple[bool, float]] = {}
    ran, shared = 0, bool(cluster.sharing(workload))
    for i, v in enumerate(variants):
        if v.spec is None:
            continue
        specs, fixed = cluster.with_spec(workload, v.spec)
        row, ok, broken, worse = rows[i], True, [], []
        for s in chosen:
            run = simulate_cluster(loads[s.name], specs, fixed)
            sim = run.simulations[workload]
            hours = {g.name: run.node_hours_by_node_group.get(g.name, 0.0)
                     for g in v.spec.node_groups}
            cost = pricer.monthly(v.spec, hours, sim.summary.duration_s / 3600.0,
                                  pricer.credits(run, specs, v.spec),
                                  pricer.overflow(run, v.spec),
                                  pricer.claims.from_run(sim) if pricer.claims else None)
            row.update(_summary_figures(s.name, dataclasses.asdict(sim.summary), v.spec, cost,
                                        sum(hours.values())))
            share = pricer.request_share(run, specs, fixed, workload) if shared else None
            row[f"{s.name}:request_share_monthly_usd"] = share
            if s.name == cost_scenario:
                row["monthly_usd"], row["cost_note"], row["claimed_volumes_monthly_usd"] = cost
                row["request_share_monthly_usd"] = share
            for name, other in run.simulations.items():
                checks = evaluate_slos(plan_slos, name, other.timeline, v.spec.tick_s)
                for check in checks.to_dict("records"):
                    met, minutes = bool(check["met"]), float(check["violation_minutes"])
                    key = (s.name, name, check["slo"])
                    if name == workload:
                        row[f"{s.name}:{check['slo']}:met"] = met
                        row[f"{s.name}:{check['slo']}:violation_minutes"] = minutes
                        ok = ok and met
                    elif i == 0:
                        baseline[key] = (met, minutes)
                    elif key not in baseline or met:
                        continue
                    elif baseline[key][0]:
                        broken.append(f"{s.name}: {name}'s {check['slo']}")
                    elif minutes > baseline[key][1]:
                        # the neighbour fails this SLO with the plan's own configuration too, so
                        # the variant is not what breaks it: said, not made to fail
                        worse.append(f"{s.name}: {name}'s {check['slo']} "
                                     f"({baseline[key][1]:.2f} -> {minutes:.2f} violation minutes)")
        ran += 1
        row["checked_by"] = "report rule"
        row["status"] = "meets SLOs" if ok and not broken else "fails SLOs"
        if broken:
            row["note"] = "; ".join(filter(None, (
                row["note"], "breaks SLO(s) the baseline meets: " + ", ".join(broken))))
        if worse:
            row["note"] = "; ".join(filter(None, (
                row["note"], "worsens SLO(s) the baseline already fails: " + ", ".join(worse))))
    return ran


def _cost_key(row: Mapping[str, Any]) -> tuple[int, Decimal]:
    usd = row["monthly_usd"]
    return (1, Decimal(0)) if usd is None else (0, usd)


def _confirm(rows: list[dict[str, Any]], variants: Sequence[Variant],
             chosen: Sequence[Scenario], curves: Mapping[str, TrafficCurve],
             slos: Sequence[Slo], workload: str, top: int, limit: int, pricer: SweepPricer,
             cost_scenario: str) -> tuple[int, int]:
    """Run the baseline, then the unscreened variants cheapest first, through ``simulate`` (as
    ``simulate_cluster`` runs a workload alone on its groups, bit for bit) and the report's SLO
    rule, a burstable group's surplus CPU credits from each run added to its cost, until ``top``
    variants meet every SLO and none left could rank among them, or ``limit`` ran; returns how
    many ran and, when ``limit`` stopped it first, how many left could still rank among them.

    The order is the screened cost, which leaves a burstable group's surplus CPU credits out (a
    summary row has no CPU over time), counts a committed group's node-hours above its
    ``committed_instances`` as if spread evenly and a Retain StatefulSet's claimed volumes at
    a lower bound, while the rank takes all three from the run. A run's node-hours are its
    summary row's, bit for bit, its credits only add (charged >= 0), node-hours spread evenly
    have the fewest above a commitment (the sum of max(0, n - N) is at least max(0, sum of n -
    N x steps)), and the volumes are at least :func:`tuning_volumes.screened_volumes`' bound
    (priced by the same monotone lines), so the screened cost is a lower bound of the ranked
    one: once the ``top``-th cheapest variant meeting the SLOs costs
    no more than the next variant's screened cost, no variant left unconfirmed can cost less
    than it (credits that reorder two variants make the confirmation go on past the first)."""
    order = [0] + sorted((i for i, r in enumerate(rows) if i and r["status"] == "not confirmed"),
                         key=lambda i: (*_cost_key(rows[i]), i))
    meeting: list[tuple[int, Decimal]] = []  # the ranked cost of each variant meeting the SLOs

    def settled(i: int) -> bool:  # variant i cannot rank among the top cheapest meeting them
        return len(meeting) >= top and sorted(meeting)[top - 1] <= _cost_key(rows[i])

    ran = 0
    for n, i in enumerate(order):
        if settled(i):
            break
        if ran >= limit:
            return ran, sum(not settled(j) for j in order[n:])
        spec = variants[i].spec
        assert spec is not None
        row, ok = rows[i], True
        for s in chosen:
            run = simulate_cluster({workload: curves[s.name]}, {workload: spec})
            credits = pricer.credits(run, {workload: spec}, spec)
            # the node-hours are the summary row's; the credits, the node-hours above a
            # commitment and the claimed volumes come from the run
            if credits or pricer.committed(spec) or pricer.prices_volumes:
                sim = run.simulations[workload]
                hours = {g.name: run.node_hours_by_node_group.get(g.name, 0.0)
                         for g in spec.node_groups}
                cost = pricer.monthly(spec, hours, sim.summary.duration_s / 3600.0, credits,
                                      pricer.overflow(run, spec),
                                      pricer.claims.from_run(sim) if pricer.claims else None)
                row[f"{s.name}:monthly_usd"] = cost[0]
                if s.name == cost_scenario:
                    row["monthly_usd"], row["cost_note"], row["claimed_volumes_monthly_usd"] = \
                        cost
            checks = evaluate_slos(slos, workload, run.simulations[workload].timeline,
                                   spec.tick_s)
            for check in checks.to_dict("records"):
                row[f"{s.name}:{check['slo']}:met"] = bool(check["met"])
                row[f"{s.name}:{check['slo']}:violation_minutes"] = \
                    float(check["violation_minutes"])
                ok = ok and bool(check["met"])
        ran += 1
        row["checked_by"] = "report rule"
        row["status"] = "meets SLOs" if ok else "fails SLOs"
        if ok and i != 0:
            meeting.append(_cost_key(row))
    return ran, 0


def _ranked(rows: list[dict[str, Any]], fields: Sequence[str], chosen: Sequence[Scenario],
            slos: Sequence[Slo]) -> pd.DataFrame:
    base_usd = rows[0]["monthly_usd"]
    for r in rows:
        r["delta_monthly_usd"] = None if base_usd is None or r["monthly_usd"] is None \
            else printed_delta_usd(base_usd, r["monthly_usd"])
    order = sorted(range(len(rows)), key=lambda i: (STATUSES.index(rows[i]["status"]),
                                                    *_cost_key(rows[i]), i))
    columns = ["rank", "baseline", *fields, "status", "monthly_usd", "delta_monthly_usd",
               "request_share_monthly_usd", "claimed_volumes_monthly_usd", "checked_by", "note"]
    for s in chosen:
        columns += _scenario_columns(s.name, slos)
    # the report's rule: a load test has no month to project, whatever its run cost
    unpriced = {f"{s.name}:{k}": None for s in chosen if is_load_test(s)
                for k in ("monthly_usd", "request_share_monthly_usd")}
    notes = {f"{s.name}:monthly_note": LOAD_TEST_NOTE if is_load_test(s) else "" for s in chosen}
    ranked = [{**rows[i], **unpriced, **notes, "rank": n,
               "note": "; ".join(filter(None, (rows[i]["cost_note"], rows[i]["note"])))}
              for n, i in enumerate(order, start=1)]
    frame = pd.DataFrame(ranked, columns=columns)
    for c in columns:  # True / False / None as they are, not numpy bools or NaN
        if c.endswith(":met"):
            frame[c] = pd.Series([r[c] for r in ranked], dtype=object)
    return frame
