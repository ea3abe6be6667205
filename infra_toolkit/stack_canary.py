"""A whole-stack canary simulated (pure: no I/O): what the new stack's autoscaling does while a
router (``deployment_strategy.canary`` with ``scope: stack``) moves the traffic to it step by
step.

- **Traffic**: the expected scenario's curve (the one the Deployment Strategy's "peak replicas"
  come from), times the canary's weight at each instant
  (:func:`~infra_toolkit.canary_traffic.canary_curve`: its start rule, instant steps), then each
  workload's ``traffic_share`` (:func:`~infra_toolkit.plan_traffic.workload_loads`), exactly as
  a scenario reaches the workloads.
- **Simulation**: the report's own (:func:`~infra_toolkit.simulate.simulate_cluster` on every
  autoscaled workload with the same specs, beside the Deployments without an HPA), over the
  whole scenario. The run starts as every simulation does: the Deployment's ``replicas`` (else
  ``minReplicas``) warm and Ready on each node group's ``min_size`` nodes (more only if they
  need them); the new stack gets nothing until the canary starts, so its HPA holds
  ``minReplicas`` there: the stack deployed beside the old one, idle.
- **Per step** (:func:`canary_step_table`): the weight, the offered rate at the step's first tick
  and its peak in the step, the spec replicas just before the step's jump, their peak in the
  step and at its last tick,
  the under-capacity episode the jump starts (one beginning within a tick of the step's start;
  its parts as the Scaling Behaviour's time-to-capacity table splits them) and the later ones,
  the requests dropped, the worst p95 against the workload's p95 SLO.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from infra_toolkit.canary_traffic import CanaryWindow, canary_curve, canary_start_s, clock_s
from infra_toolkit.plan import Plan
from infra_toolkit.plan_operations_types import DeploymentStrategy
from infra_toolkit.plan_simulation import p95_latency_slo_ms
from infra_toolkit.plan_traffic import workload_loads
from infra_toolkit.report_html import duration_text
from infra_toolkit.simulate import (
    ClusterSimulationResult,
    FixedPods,
    SimulationResult,
    SimulationSpec,
    simulate_cluster,
)
from infra_toolkit.slo_check import latency_text, worst_latency_ms
from infra_toolkit.time_to_capacity import PART_LABELS, TimeToCapacity
from infra_toolkit.traffic import TrafficCurve

__all__ = ["EPISODE_PARTS", "StackCanaryRun", "canary_step_table", "episode_parts_text",
           "simulate_stack_canary", "stack_canary_strategy"]

#: The time-to-capacity parts (``TimeToCapacity.PARTS``) as the step table names them: the
#: Scaling Behaviour's time-to-capacity columns.
EPISODE_PARTS = PART_LABELS


def episode_parts_text(e: TimeToCapacity) -> str:
    """An episode's parts that are not 0, in the order it goes through them, and their sum:
    ``metric lag 5 s + sync wait 10 s + pod start-up 35 s = 50 s``."""
    parts = [f"{label} {getattr(e, key):g} s" for key, label in EPISODE_PARTS
             if getattr(e, key)]
    return f"{' + '.join(parts) or '0 s'} = {e.total_s:g} s"


@dataclass(frozen=True)
class StackCanaryRun:
    """A stack canary over scenario ``scenario``: its start (``start_s`` seconds into the
    scenario; ``None`` when the plan's start time falls after the scenario's end, and then no
    ``windows``, ``curve`` or ``cluster``), the plan's ``time_of_day_s`` (``None``: the
    scenario's start), the steps' windows, the traffic the new stack receives (before the
    workloads' shares), the simulation and the workloads the canary rolls (autoscaled, plan
    order)."""

    scenario: str
    scenario_start: pd.Timestamp | None
    scenario_duration_s: float
    time_of_day_s: float | None
    start_s: float | None
    windows: tuple[CanaryWindow, ...] = ()
    curve: TrafficCurve | None = None
    cluster: ClusterSimulationResult | None = None
    workloads: tuple[str, ...] = ()

    @property
    def simulations(self) -> Mapping[str, SimulationResult]:
        """The simulation of each autoscaled workload (by name; empty when nothing ran)."""
        return {} if self.cluster is None else self.cluster.simulations

    def clock_text(self, seconds: float) -> str:
        """``seconds`` into the scenario as a time of day ``HH:MM`` in the scenario's clock (see
        :func:`~infra_toolkit.canary_traffic.clock_s`), ``+N d`` past its first day."""
        t = clock_s(self.scenario_start) + seconds
        day, rest = divmod(int(round(t)), 86400)
        text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}"
        return text + (f" (+{day} d)" if day else "")


def stack_canary_strategy(plan: Plan) -> DeploymentStrategy | None:
    """The plan's strategy when it is a canary of ``scope: stack``, else ``None``."""
    s = plan.deployment_strategy
    return s if s.type == "canary" and s.canary_scope == "stack" else None


def simulate_stack_canary(plan: Plan, scenario: str, curve: TrafficCurve,
                          specs: Mapping[str, SimulationSpec], fixed: Sequence[FixedPods]
                          ) -> StackCanaryRun | None:
    """The plan's stack canary over ``curve`` (scenario ``scenario``'s whole traffic) through
    the autoscaled workloads' ``specs`` beside ``fixed`` (see the module docstring); ``None``
    when the plan's strategy is no stack canary or it rolls no autoscaled workload."""
    s = stack_canary_strategy(plan)
    rolled = tuple(n for n in specs if not s.workloads or n in s.workloads) if s else ()
    if s is None or not rolled:
        return None
    start_s = canary_start_s(curve.start, curve.duration_s, s.canary_start_s)
    run = StackCanaryRun(scenario, curve.start, curve.duration_s, s.canary_start_s, start_s,
                         workloads=rolled)
    if start_s is None:
        return run
    traffic, windows = canary_curve(curve, s.steps, start_s)
    cluster = simulate_cluster(workload_loads(plan, traffic, list(specs)), specs, fixed)
    return StackCanaryRun(scenario, curve.start, curve.duration_s, s.canary_start_s, start_s,
                          windows, traffic, cluster, rolled)


def _ticks(times: np.ndarray, start_s: float, end_s: float) -> slice:
    """The rows of the ticks starting in ``[start_s, end_s)``."""
    return slice(int(np.searchsorted(times, start_s, "left")),
                 int(np.searchsorted(times, end_s, "left")))


def canary_step_table(run: StackCanaryRun, plan: Plan, workload: str) -> pd.DataFrame:
    """One row per canary step of ``workload``'s simulation in ``run`` (see the module
    docstring; rates in rps; the jump's episode as its length, its parts that are not 0
    (:func:`episode_parts_text`) and what closed it)."""
    sim = run.simulations[workload]
    t = sim.timeline
    times = t["time_s"].to_numpy(dtype=float)
    tick_s = float(sim.spec.tick_s)
    slo_ms = p95_latency_slo_ms(plan, workload)
    rows = []
    for w in run.windows:
        rows_in = _ticks(times, w.start_s, w.end_s)
        step = t.iloc[rows_in]
        if step.empty:
            continue
        before = max(rows_in.start - 1, 0)
        episodes = [e for e in sim.summary.time_to_capacity if w.start_s <= e.start_s < w.end_s]
        jump = next((e for e in episodes if e.start_s < w.start_s + tick_s), None)
        later = [e for e in episodes if e is not jump]
        offered = float(step["offered_rps"].sum())
        worst, saturated = worst_latency_ms(step, 95)
        lasts = duration_text(w.end_s - w.start_s)
        if w.holds_to_end:
            lasts += " (to the scenario's end)"
        elif w.cut:
            lasts += " (cut by the scenario's end)"
        rows.append({
            "Step": w.step, "Weight (%)": w.weight_pct, "Starts": run.clock_text(w.start_s),
            "Lasts": lasts,
            "Offered rps at the start": float(step["offered_rps"].iloc[0]),
            "Peak offered rps": float(step["offered_rps"].max()),
            "Replicas: before the jump → peak → end":
            f"{int(t['spec_replicas'].iloc[before])} → {int(step['spec_replicas'].max())} → "
            f"{int(step['spec_replicas'].iloc[-1])}",
            "Under capacity after the jump": "none" if jump is None
            else f"{duration_text(jump.total_s)}: {episode_parts_text(jump)} "
                 f"(closed by {jump.closed_by})",
            "Later under-capacity episodes": "none" if not later else
            f"{len(later)}, longest {duration_text(max(e.total_s for e in later))}",
            "Dropped (%)": 100.0 * float(step["dropped_rps"].sum()) / offered if offered else 0.0,
            "Max p95": latency_text(worst, saturated, slo_ms),
            f"Within the p95 SLO{'' if slo_ms is None else f' ({slo_ms:g} ms)'}":
            "-" if slo_ms is None or np.isnan(worst)
            else ("yes" if worst <= slo_ms and not saturated else "NO"),
        })
    return pd.DataFrame(rows)
