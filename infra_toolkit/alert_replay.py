"""A plan's alert rules replayed on a simulated timeline: when each would have fired. Pure: no I/O.

An alert with a ``simulated`` mapping (:class:`~infra_toolkit.plan_operations_types.
SimulatedCondition`) restates its PromQL condition on a signal the simulation computes per step
(:data:`~infra_toolkit.plan_operations_types.SIMULATED_SIGNALS`). The replay follows the
Prometheus rule evaluator's ``for:`` semantics:

- the condition is **evaluated once per simulation step, at the step's end**
  (``time_s + step_s``) on that step's values: a step's values are its means over ``[time_s,
  time_s + step_s)``, which an evaluation can only see once the step is over. Prometheus
  evaluates every ``evaluation_interval`` (15 s to 1 min in most setups); an interval coarser than
  the step fires up to one interval later than shown here. That delay is not modelled;
- the first evaluation where the condition holds makes the alert **pending**, active from that
  evaluation; it **fires** at the first evaluation at least ``for_s`` after it (``t - active >=
  for_s``, so ``for: 0`` fires at once), and stays firing while the condition holds;
- an evaluation where the condition does not hold (or has no value: no load, no Ready pod for a
  CPU figure) **resets** it: pending is dropped, a firing alert resolves then. A firing interval
  is ``[fire, resolve)``; one still firing at the end of the run ends there.
  ``keep_firing_for`` is not modelled.

**Windows.** An expression's ``rate(...[5m])`` is a trailing average; it is not modelled unless
the mapping gives ``window``: ``dropped_ratio`` is then the dropped requests over the offered
requests of the last ``window`` (what ``rate(errors[5m]) / rate(all[5m])`` computes), and
``cpu_utilization_pct`` the mean of the steps with a value in it. Without a window each step's own
value is compared, which reacts sooner to a short burst than the rule does. A latency percentile
is always the step's own: the quantile over a window needs the requests' distribution, which the
timeline does not keep. A percentile at saturated pods (the timeline's ``latency_saturated``)
is the model's ceiling, a lower bound that grows with the backlog: the replay reads it as the
SLO table does (:mod:`infra_toolkit.slo_check` counts such a step violated), so a latency
condition with ``>`` or ``>=`` holds there and one with ``<`` or ``<=`` does not, whatever the
lower bound. ``saturated_steps`` counts the steps this rule decided (the plain comparison of the
lower bound said otherwise), so the report can say so.

**SLO lead/lag.** Each replay carries the first step that violated an SLO of its workload
(:func:`infra_toolkit.slo_check.first_violation_s`, the report's SLO rule): of the SLOs the
alert is tied to when it has any (``compared_slos``: an error-rate alert is compared with the
availability SLO, not with a latency SLO that broke hours earlier), else of any SLO of the
workload; ``fire_vs_slo_s`` is the first fire minus that time: negative when the alert fired
before the SLO broke. A run that violates its SLOs from its first step (the Deployment's
starting replicas cannot serve the scenario's first rate:
:class:`~infra_toolkit.slo_check.StartUp`) is not compared with its start-up:
``first_violation_s`` is then the first violation after the run first met its SLOs, and the
fire compared with it the first one after that too (:attr:`AlertReplay.compared_fire_s`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from infra_toolkit.errors import SimulationError
from infra_toolkit.plan_operations_types import AlertRule, SimulatedCondition
from infra_toolkit.slo_check import StartUp

__all__ = ["AlertReplay", "condition_steps", "firing_intervals", "replay_alert",
           "saturated_condition_steps", "signal_values"]

_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


@dataclass(frozen=True)
class AlertReplay:
    """One alert replayed on one workload's timeline of one scenario: its firing intervals
    (``[start_s, end_s)``, s from the run's start), the run's end, the first SLO
    violation of the workload (``None``: no SLO violated; after the start-up when ``startup``
    is given: the run violated its SLOs from its first step; of ``compared_slos`` alone when
    they are named) and how many steps the saturated-latency rule of the module docstring
    decided."""

    alert: str
    workload: str
    condition: SimulatedCondition
    for_s: float
    intervals_s: tuple[tuple[float, float], ...]
    run_end_s: float
    first_violation_s: float | None
    saturated_steps: int = 0
    startup: StartUp | None = None
    #: the SLOs ``first_violation_s`` and ``startup`` count, by name, when they are the ones the
    #: alert is tied to (:func:`~infra_toolkit.plan_alerts.tied_slos`) and not every SLO of the
    #: workload; empty: every SLO of the workload
    compared_slos: tuple[str, ...] = ()

    @property
    def first_fire_s(self) -> float | None:
        """When the alert first fires, s from the run's start (``None``: never)."""
        return self.intervals_s[0][0] if self.intervals_s else None

    @property
    def firing_s(self) -> float:
        """Seconds the alert spends firing over the run."""
        return sum(end - start for start, end in self.intervals_s)

    @property
    def firing_at_end(self) -> bool:
        """Whether the alert is still firing when the run ends."""
        return bool(self.intervals_s) and self.intervals_s[-1][1] >= self.run_end_s

    @property
    def compared_fire_s(self) -> float | None:
        """The fire compared with the first SLO violation: the first fire, or after a start-up
        the first fire at or after the run first met its SLOs (``None``: none)."""
        if self.startup is None:
            return self.first_fire_s
        met = self.startup.met_s
        if met is None:
            return None
        return next((start for start, _ in self.intervals_s if start >= met), None)

    @property
    def fire_vs_slo_s(self) -> float | None:
        """:attr:`compared_fire_s` minus the first SLO violation, s (negative: the alert fired
        first); ``None`` when it never fires (after the start-up) or no SLO was violated."""
        fire = self.compared_fire_s
        if fire is None or self.first_violation_s is None:
            return None
        return fire - self.first_violation_s


def _window_steps(window_s: float, step_s: float) -> int:
    steps = window_s / step_s
    if abs(steps - round(steps)) > 1e-9 or round(steps) < 1:
        raise SimulationError(f"an alert window of {window_s:g} s is not a whole number of the "
                              f"simulation's {step_s:g} s steps; give a multiple of {step_s:g} s")
    return round(steps)


def signal_values(timeline: pd.DataFrame, condition: SimulatedCondition, step_s: float,
                  max_replicas: int, node_max_sizes: Mapping[str, int] | None = None
                  ) -> np.ndarray:
    """The condition's signal per timeline row, in the signal's unit (NaN: no value at that
    step), averaged over the condition's trailing window when it has one; ``max_replicas`` is
    the workload HPA's (for ``replicas_pct_of_max``), ``node_max_sizes`` the ``max_size`` of
    each node group the workload may use, by name (for ``nodes_pct_of_max``: the timeline's
    ``nodes_<group>`` plus ``launching_nodes_<group>`` over their sum)."""
    signal = condition.signal
    k = None if condition.window_s is None else _window_steps(condition.window_s, step_s)
    if signal == "dropped_ratio":
        dropped = timeline["dropped_rps"].astype(float)
        offered = timeline["offered_rps"].astype(float)
        if k is not None:  # a ratio of sums over the window, as rate() / rate()
            dropped = dropped.rolling(k, min_periods=1).sum()
            offered = offered.rolling(k, min_periods=1).sum()
        d, o = dropped.to_numpy(), offered.to_numpy()
        values = np.divide(d, o, out=np.full(d.size, np.nan), where=o > 0)
    elif signal == "cpu_utilization_pct":
        cpu = timeline["cpu_utilization_pct"].astype(float)
        values = (cpu if k is None else cpu.rolling(k, min_periods=1).mean()).to_numpy()
    elif signal == "nodes_pct_of_max":
        if not node_max_sizes:
            raise ValueError("nodes_pct_of_max needs the node groups' max_size")
        nodes = sum(timeline[f"nodes_{g}"].to_numpy(dtype=float)
                    + timeline[f"launching_nodes_{g}"].to_numpy(dtype=float)
                    for g in node_max_sizes)
        values = 100.0 * np.asarray(nodes) / sum(node_max_sizes.values())
    elif signal == "replicas_pct_of_max":
        values = 100.0 * timeline["spec_replicas"].to_numpy(dtype=float) / max_replicas
    else:  # the latencies and pending_pods as they are
        values = timeline[signal].to_numpy(dtype=float)
    return np.asarray(values, dtype=float)


def condition_steps(values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    """Whether ``values op threshold`` holds at each step; a NaN (no value) never holds, as a
    PromQL comparison drops a series without a sample."""
    with np.errstate(invalid="ignore"):
        held = _OPS[op](values, threshold)
    return np.asarray(held & ~np.isnan(values), dtype=bool)


def saturated_condition_steps(held: np.ndarray, timeline: pd.DataFrame,
                              condition: SimulatedCondition) -> tuple[np.ndarray, int]:
    """``held`` (from :func:`condition_steps`) with the saturated-latency rule of the module
    docstring applied to a latency condition (other signals unchanged), and the number of steps
    whose value the rule changed."""
    if not condition.signal.endswith("_latency_ms") or "latency_saturated" not in timeline:
        return held, 0
    saturated = timeline["latency_saturated"].to_numpy(dtype=bool)
    ruled = held | saturated if condition.op in (">", ">=") else held & ~saturated
    return ruled, int(np.count_nonzero(ruled != held))


def firing_intervals(held: np.ndarray, step_s: float, for_s: float, start_s: float = 0.0
                     ) -> tuple[tuple[float, float], ...]:
    """The ``[fire_s, resolve_s)`` intervals of an alert whose condition holds in the steps
    where ``held`` is true (step ``i`` covers ``start_s + i * step_s`` to the next step and is
    evaluated at its end), with the ``for_s`` pending period of the module docstring; an
    interval still open at the end closes at ``start_s + len(held) * step_s``."""
    flags = np.concatenate(([False], np.asarray(held, dtype=bool), [False])).astype(np.int8)
    edges = np.diff(flags)
    runs = zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)
    # steps a..b-1 hold: pending at step a's end, (a + 1) steps in; firing from the first
    # evaluation at least for_s later (float-safe ceil); resolved at the end of step b, the
    # first that does not hold (the run's end when b is past the last step)
    hold = math.ceil(for_s / step_s - 1e-9)
    end = len(held)
    return tuple((start_s + (a + 1 + hold) * step_s, start_s + min(int(b) + 1, end) * step_s)
                 for a, b in runs if a + hold < b)


def replay_alert(rule: AlertRule, workload: str, timeline: pd.DataFrame, step_s: float,
                 max_replicas: int, first_violation_s: float | None,
                 node_max_sizes: Mapping[str, int] | None = None,
                 startup: StartUp | None = None,
                 compared_slos: tuple[str, ...] = ()) -> AlertReplay:
    """``rule`` (which must have a ``simulated`` condition) replayed on ``workload``'s
    ``timeline`` of ``step_s`` seconds per row; ``max_replicas`` and ``node_max_sizes`` as in
    :func:`signal_values`, ``first_violation_s`` the first SLO violation of the workload in
    that run (after ``startup``'s ``met_s`` when the run starts in violation; of
    ``compared_slos`` alone when they are named)."""
    if rule.simulated is None:
        raise ValueError(f"alert {rule.name!r} has no simulated condition to replay")
    c = rule.simulated
    values = signal_values(timeline, c, step_s, max_replicas, node_max_sizes)
    held, saturated = saturated_condition_steps(condition_steps(values, c.op, c.threshold),
                                                timeline, c)
    start_s = float(timeline["time_s"].iloc[0]) if len(timeline) else 0.0
    return AlertReplay(rule.name, workload, c, rule.for_s,
                       firing_intervals(held, step_s, rule.for_s, start_s),
                       start_s + len(timeline) * step_s, first_violation_s, saturated,
                       startup, compared_slos)
