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

The screen is :mod:`infra_toolkit.tuning_screen`, the confirmation and cluster mode's runs
:mod:`infra_toolkit.tuning_runs`, the table's columns and rank :mod:`infra_toolkit.tuning_table`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from infra_toolkit.analysis import workload_loads
from infra_toolkit.errors import SimulationError
from infra_toolkit.joint_run import JointRun, joint_run
from infra_toolkit.notebook_parameters import (
    check_horizon_cuts,
    cut_to_horizon,
    select_scenarios,
)
from infra_toolkit.plan import Plan
from infra_toolkit.plan_cost import is_load_test, reference_scenario
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.plan_traffic import scenario_curve
from infra_toolkit.pricing import PriceBook
from infra_toolkit.simulate import SimulationSpec
from infra_toolkit.tuning_cost import SweepPricer, group_resources
from infra_toolkit.tuning_grid import DEFAULT_MAX_CLUSTER_RUNS, DEFAULT_MAX_VARIANTS, Variant
from infra_toolkit.tuning_hpa_fields import baseline_values
from infra_toolkit.tuning_runs import cluster_runs, confirm_variants
from infra_toolkit.tuning_screen import screened_rows
from infra_toolkit.tuning_table import blank_row, ranked_table
from infra_toolkit.tuning_variants import build_variants
from infra_toolkit.tuning_volumes import workload_claims

__all__ = ["SweepResult", "sweep_workload"]


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
    starts with, which the table prints once above its notes; ``horizon_h``: the hours of each
    scenario simulated (``--horizon-h``), None for whole scenarios;
    ``summary_p95_threshold_ms``: the p95 threshold of the summary rows'
    ``summary_violation_minutes`` (the workload's p95 latency SLO, 500 ms without one);
    ``summary_thresholds_ms``: every latency threshold those minutes count, ``(percentile,
    ms)`` (p95's, and p50's / p99's where the plan's SLOs set them); ``consumer``: the
    workload's (push or pull)."""

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
    horizon_h: float | None = None
    summary_p95_threshold_ms: float = 500.0
    summary_thresholds_ms: tuple[tuple[int, float], ...] = ()
    #: the workload's ``consumer`` (push or pull): a pull consumer's saturated steps are not
    #: counted in the summary minutes, so the legend says which
    consumer: str = "push"
    #: why a variant at the baseline's shown behavior values can differ from it (the plan's
    #: HPA writes no ``spec.behavior`` and a behavior field is varied), empty otherwise
    behavior_written: str = ""


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

    ``table`` columns: ``rank`` (1 = best, :data:`~infra_toolkit.tuning_table.RANK_RULE`:
    status in :data:`STATUSES` order, failing rows nearest to passing first, then monthly cost,
    a missing price last, and the tie-breaks of :func:`~infra_toolkit.tuning_table.tie_key`),
    ``baseline`` (bool), the varied fields (the baseline's own values),
    ``status``, ``monthly_usd`` (Decimal, cents, of ``cost_scenario``; None when a price is
    missing), ``delta_monthly_usd`` (against the baseline, as printed),
    ``request_share_monthly_usd`` (cluster mode: the workload's request share of its groups'
    instance cost, Decimal, cents, of ``cost_scenario``; None otherwise),
    ``claimed_volumes_monthly_usd`` (a StatefulSet's claimed volumes, part of ``monthly_usd``,
    Decimal, cents; None when the report prices none of its), ``checked_by`` (``report
    rule`` for a variant run through ``simulate`` + ``evaluate_slos``, ``summary screen`` for one
    rejected by its summary row, empty otherwise), ``note`` (why invalid / rejected / unpriced),
    then per scenario ``<scenario>:dropped_pct`` (% of offered requests),
    ``<scenario>:peak_replicas``, ``<scenario>:scale_events`` (HPA syncs that changed the
    replicas), ``<scenario>:node_hours`` (billed from launch),
    ``<scenario>:monthly_usd``, ``<scenario>:request_share_monthly_usd`` (both None for a load
    test, as the report projects none to a month), ``<scenario>:monthly_note``
    (:data:`LOAD_TEST_NOTE` for a load test, else empty), ``<scenario>:max_p95_latency_ms``
    and ``<scenario>:summary_violation_minutes`` (the summary row's figures, every simulated
    variant's, a screened one's too: minutes with a latency percentile over its threshold in
    ``summary_thresholds_ms``, dropping or saturated, one figure for the scenario, not the
    report's SLO rule) and per SLO
    ``<scenario>:<slo>:met`` (True / False / None: not judged) and
    ``<scenario>:<slo>:violation_minutes`` (the report's minutes; NaN unless confirmed).

    Raises :class:`~infra_toolkit.errors.SimulationError` for a workload without an HPA, only
    load tests chosen, a grid run with no screen (cluster mode, or node groups of one
    instance type) over ``max_cluster_runs``;
    :class:`~infra_toolkit.errors.SpecError` for a bad grid
    (:func:`~infra_toolkit.tuning_variants.build_variants`)."""
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
    variants = [Variant(baseline_values(plan, found[0], base, tuple(grid)), base,
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
        rows = screened_rows(variants, chosen, curves, slos, pricer, priced_in.name)
        confirmed, unsettled_count = confirm_variants(rows, variants, chosen, curves, slos,
                                                      workload, top, confirm_limit, pricer,
                                                      priced_in.name)
        if unsettled_count:
            unsettled = (f"{unsettled_count} unrejected variant(s) not confirmed could still "
                         f"rank among the {top} cheapest meeting the SLOs: confirmation "
                         f"stopped at its limit of {confirm_limit} runs; to settle them "
                         "narrow the grid (fewer variants the screen cannot reject)"
                         f"{' or lower --top' if top > 1 else ''}")
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
        rows = [blank_row(i, v, chosen, slos) for i, v in enumerate(variants)]
        confirmed = cluster_runs(rows, variants, chosen, loads, plan.slos, workload,
                                 joint if sharing else JointRun({workload: base}),
                                 pricer, priced_in.name)
    table = ranked_table(rows, tuple(grid), chosen, slos)
    notes = [r["cost_note"] for r in rows if r["cost_note"]]
    shared = tuple(dict.fromkeys(n for n in notes if notes.count(n) > 1))
    return SweepResult(workload, tuple(grid), tuple(s.name for s in chosen), priced_in.name,
                       slos, table, confirmed, sharing, unscreened, unsettled, unsettled_count,
                       shared, horizon_h, base.workload.slo_p95_latency_ms,
                       base.workload.slo_latency_ms, base.workload.consumer,
                       _behavior_written(base, tuple(grid)))


def _behavior_written(spec: SimulationSpec, fields: Sequence[str]) -> str:
    """Why a variant setting a behavior field can differ from the baseline at the baseline's
    shown values: the plan's HPA writes no ``spec.behavior`` (sweep22: author21's KEDA
    ScaledObjects, whose baseline read ``scaleDown.stabilizationWindowSeconds`` 300 beside a
    variant at 300 with other figures), or empty."""
    varied = [f for f in fields if f.split(".")[0] in ("scaleUp", "scaleDown")]
    if spec.hpa.behavior is not None or not varied:
        return ""
    return (f"the plan's HPA writes no spec.behavior, so the controller limits scale-up by its "
            f"legacy rule (at most double the replicas, or 4, a sync); a variant setting "
            f"{', '.join(varied)} writes spec.behavior, whose other parts take the API's "
            "defaults (scale-up 4 pods or 100 % per 15 s), so it can differ from the baseline "
            "even at the baseline's shown values")


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
