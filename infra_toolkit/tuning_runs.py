"""The sweep's runs by the report's SLO rule (:mod:`infra_toolkit.tuning`): the confirmation of
the baseline and the variants the summary screen left, cheapest first, until the ``top``
cheapest meeting the SLOs are settled (``confirm_variants``), and cluster mode's run of every
variant in the report's joint run, judged on its own timeline and on the SLOs of the workloads
it shares nodes with (``cluster_runs``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from infra_toolkit.joint_run import JointRun
from infra_toolkit.plan_scenario_types import Scenario, Slo
from infra_toolkit.simulate import simulate_cluster
from infra_toolkit.slo_check import evaluate_slos, violation_minutes
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.tuning_cost import SweepPricer
from infra_toolkit.tuning_grid import Variant
from infra_toolkit.tuning_table import NEIGHBOUR_MINUTES, summary_figures, tie_key

__all__ = ["cluster_runs", "confirm_variants"]


def cluster_runs(rows: list[dict[str, Any]], variants: Sequence[Variant],
                 chosen: Sequence[Scenario], loads: Mapping[str, Mapping[str, TrafficCurve]],
                 plan_slos: Sequence[Slo], workload: str, cluster: JointRun, pricer: SweepPricer,
                 cost_scenario: str) -> int:
    """Cluster mode (and a workload alone on groups of one instance type, ``cluster`` holding it
    alone): every valid variant (the baseline first) in the report's joint run of every chosen
    scenario, judged by the report's SLO rule on the workload's timeline and failing when
    it breaks another workload's SLO that the baseline meets (one the baseline already fails
    with fewer violation minutes is noted, the status kept); returns how many variants ran.

    Each row's ``<scenario>:neighbour_violation_minutes`` (sharing nodes only): the minutes the
    variant adds to the other workloads' SLO violations, per workload its steps violating any
    of its SLOs (:func:`~infra_toolkit.slo_check.violation_minutes`, the report's rule) less
    the baseline's, never below 0, added over them (0 for the baseline): a variant whose own
    SLOs hold while a neighbour's break is that far from passing, and ranks so
    (:func:`~infra_toolkit.tuning_table.rank_key`)."""
    # another workload's SLO in the baseline run: met, and its violation minutes
    baseline: dict[tuple[str, str, str], tuple[bool, float]] = {}
    # another workload's minutes violating any of its SLOs in the baseline run, by scenario
    baseline_any: dict[tuple[str, str], float] = {}
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
            row.update(summary_figures(s.name, dataclasses.asdict(sim.summary), v.spec, cost,
                                        sum(hours.values())))
            share = pricer.request_share(run, specs, fixed, workload) if shared else None
            row[f"{s.name}:request_share_monthly_usd"] = share
            if shared:
                added = 0.0
                for name, other in run.simulations.items():
                    if name == workload:
                        continue
                    minutes = violation_minutes(plan_slos, name, other.timeline, v.spec.tick_s)
                    if i == 0:
                        baseline_any[(s.name, name)] = minutes
                    else:
                        added += max(0.0, minutes - baseline_any.get((s.name, name), 0.0))
                row[f"{s.name}:{NEIGHBOUR_MINUTES}"] = added
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


def confirm_variants(rows: list[dict[str, Any]], variants: Sequence[Variant],
                     chosen: Sequence[Scenario], curves: Mapping[str, TrafficCurve],
                     slos: Sequence[Slo], workload: str, top: int, limit: int,
                     pricer: SweepPricer, cost_scenario: str) -> tuple[int, int]:
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
    than it (credits that reorder two variants make the confirmation go on past the first).
    Costs that tie are ranked by the rest of :func:`~infra_toolkit.tuning_table.tie_key`
    (summary-row figures, the same screened or run) and then the grid's order, so the order and
    the stopping rule compare that whole key: a screened key is a lower bound of the run's."""
    order = [0] + sorted((i for i, r in enumerate(rows) if i and r["status"] == "not confirmed"),
                         key=lambda i: (*tie_key(rows[i], chosen), i))
    # the ranked key of each variant meeting the SLOs, its grid position last
    meeting: list[tuple[Any, ...]] = []

    def settled(i: int) -> bool:  # variant i cannot rank among the top cheapest meeting them
        return len(meeting) >= top and \
            sorted(meeting)[top - 1] <= (*tie_key(rows[i], chosen), i)

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
            meeting.append((*tie_key(row, chosen), i))
    return ran, 0
