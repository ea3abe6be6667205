"""A plan's service-level objectives checked against one simulated timeline. Pure: no I/O.

- ``latency`` SLOs (percentile 50, 95 or 99 under ``threshold_ms``): the minutes whose simulated
  percentile (``p<q>_latency_ms``) exceeds the threshold, and the worst value. A tick with load
  but no Ready pod has an infinite latency and counts as violated; a tick without load does not.
- ``availability`` SLOs (``objective_pct``): served / (served + dropped) requests over the run, in
  percent (a queue's requests still waiting at the end are not judged: :func:`availability_pct`),
  and the minutes in which requests were dropped.

An SLO is met when no minute violates it (latency) or the run's availability reaches the
objective (availability).

A worst latency reached while the pods were saturated (the timeline's ``latency_saturated``: the
latency model's utilization cap) is the model's ceiling, not a measurement: it is shown as a lower
bound, ``≥ 11,983 ms (saturated: model ceiling)``. For the same reason a saturated tick counts as
a violation of every latency SLO whatever its value: the real latency there is at least the
ceiling and grows with the backlog, so the model cannot show the threshold was kept (a threshold
above the ceiling would otherwise be "met" on a lower bound). A timeline without that column has
no saturated tick, and neither has a pull consumer's (``model.consumer: pull``): its latency at
the cap is an estimate (the larger of the M/M/c value and its service time plus the backlog's
wait, :func:`~infra_toolkit.latency.with_backlog_wait_ms`), a value the threshold judges.

**Start-up.** A run starts warm at the Deployment's ``replicas`` under the scenario's first rate;
when those pods cannot serve it within the SLOs, the run violates them from its first step until
the HPA has added pods. That span, from the run's start to the first step violating no SLO of
the workload (:func:`start_up` → :class:`StartUp`), is the start-up's, not the traffic's: the
alert replay compares alerts with the first violation after it (:func:`first_violation_s` with
``after_s``) and the SLO table says how many of its minutes violated are the start-up's
(:func:`start_up_minutes`). The minutes stay in the SLO figures (docs/PLAN.md, "SLOs").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import numpy as np
import pandas as pd

from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.report_html import quantity_text

__all__ = ["SLO_COLUMNS", "StartUp", "availability_pct", "evaluate_slos", "first_violation_s",
           "latency_text", "start_up", "start_up_minutes", "violated_steps", "violation_minutes",
           "worst_latency_ms"]

SLO_COLUMNS = ["slo", "objective", "achieved", "violation_minutes", "met"]


def worst_latency_ms(timeline: pd.DataFrame, percentile: int) -> tuple[float, bool]:
    """The highest ``p<percentile>_latency_ms`` of a timeline (ms; NaN without load, inf when
    load met no Ready pod) and whether it is the latency model's ceiling (saturated pods)."""
    values = timeline[f"p{percentile}_latency_ms"].to_numpy(dtype=float)
    if np.isnan(values).all():
        return float("nan"), False
    at = int(np.nanargmax(values))
    saturated = bool(timeline["latency_saturated"].iloc[at]) \
        if "latency_saturated" in timeline else False
    return float(values[at]), saturated and bool(np.isfinite(values[at]))


def latency_text(value_ms: float, saturated: bool, threshold_ms: float | None = None) -> str:
    """``131 ms``; ``≥ 11,983 ms (saturated: model ceiling)`` for a value at the model's cap;
    ``no load``; ``unbounded (no Ready pod)``. With the SLO's ``threshold_ms`` beside it, a
    value that to the whole ms would read on the other side of the threshold is given to the
    tenth, rounded up above it and down at or under it: 300.32 ms against ``p95 <= 300 ms`` is
    ``300.4 ms``, not a ``300 ms`` that reads as met beside its NO."""
    if np.isnan(value_ms):
        return "no load"
    if np.isinf(value_ms):
        return "unbounded (no Ready pod)"
    text = f"{value_ms:,.0f}"
    if threshold_ms is not None and (round(value_ms) > threshold_ms) != (value_ms > threshold_ms):
        # to the tenth, up above the threshold and down at or under it: the side holds
        above = value_ms > threshold_ms
        text = quantity_text(value_ms, 1, up=above, down=not above)
    return f"≥ {text} ms (saturated: model ceiling)" if saturated else f"{text} ms"


def violated_steps(slo: Slo, timeline: pd.DataFrame) -> np.ndarray:
    """One boolean per timeline row: the step violates ``slo`` (latency: the percentile above
    the threshold, or saturated pods; availability: requests dropped). The rule every SLO
    figure of the report counts."""
    if slo.metric != "latency":
        return np.asarray(timeline["dropped_rps"].to_numpy(dtype=float) > 0, dtype=bool)
    assert slo.threshold_ms is not None and slo.percentile is not None
    over = timeline[f"p{slo.percentile}_latency_ms"].to_numpy(dtype=float) > slo.threshold_ms
    if "latency_saturated" in timeline:  # NaN above compares False: no load
        over |= timeline["latency_saturated"].to_numpy(dtype=bool)
    return np.asarray(over, dtype=bool)


def _applying(slos: Sequence[Slo], workload: str) -> list[Slo]:
    return [s for s in slos if s.workload in (workload, None)]


def _any_violated(slos: Sequence[Slo], workload: str, timeline: pd.DataFrame) -> np.ndarray:
    """One boolean per row: the step violates some SLO applying to ``workload``."""
    out = np.zeros(len(timeline), dtype=bool)
    for s in _applying(slos, workload):
        out |= violated_steps(s, timeline)
    return out


def violation_minutes(slos: Sequence[Slo], workload: str, timeline: pd.DataFrame,
                      tick_s: float) -> float:
    """Minutes of the steps (``tick_s`` seconds each) violating any SLO applying to
    ``workload`` (:func:`violated_steps`), 0 with none: a plan's own reading of the
    simulator's ``slo_violation_minutes``, which counts the plan's latency thresholds too but
    a p95 one of 500 ms when the workload has no p95 SLO, and drops whether the plan states an
    availability SLO or not."""
    return int(np.count_nonzero(_any_violated(slos, workload, timeline))) * tick_s / 60.0


def first_violation_s(slos: Sequence[Slo], workload: str, timeline: pd.DataFrame,
                      after_s: float | None = None) -> float | None:
    """The ``time_s`` (s from the run's start) of the first step that violates any SLO applying
    to ``workload`` (:func:`violated_steps`), only among steps at or after ``after_s`` when it is
    given (the start-up's end, :attr:`StartUp.met_s`), or ``None`` when none does."""
    times = timeline["time_s"].to_numpy(dtype=float)
    bad = _any_violated(slos, workload, timeline)
    if after_s is not None:
        bad &= times >= after_s
    return float(times[int(np.argmax(bad))]) if bad.any() else None


@dataclass(frozen=True)
class StartUp:
    """A run that violates an SLO of its workload from its first step: the Ready pods and the
    offered rate (rps) of that step, and ``met_s``, the ``time_s`` of the first step violating
    no SLO of the workload (``None``: the run never does)."""

    ready_pods: int
    offered_rps: float
    met_s: float | None

    def text(self) -> str:
        """``4 replicas under 150 rps``: the start the run was put in."""
        return f"{self.ready_pods:,} replicas under {quantity_text(self.offered_rps)} rps"


def start_up(slos: Sequence[Slo], workload: str, timeline: pd.DataFrame) -> StartUp | None:
    """The run's :class:`StartUp` when its first step violates an SLO applying to ``workload``,
    else ``None`` (the run starts healthy, or has no step)."""
    bad = _any_violated(slos, workload, timeline)
    if not bad.size or not bad[0]:
        return None
    times = timeline["time_s"].to_numpy(dtype=float)
    met = None if bad.all() else float(times[int(np.argmin(bad))])
    return StartUp(int(timeline["ready_pods"].iloc[0]), float(timeline["offered_rps"].iloc[0]),
                   met)


def start_up_minutes(slos: Sequence[Slo], workload: str, timeline: pd.DataFrame, tick_s: float
                     ) -> dict[str, float]:
    """Per SLO applying to ``workload`` (by name), the minutes it is violated during the
    start-up (:func:`start_up`: the steps before ``met_s``, every step when the run never meets
    its SLOs): the part of its ``violation_minutes`` that the starting replicas, not the
    traffic, account for. All 0 for a run that starts healthy."""
    first = start_up(slos, workload, timeline)
    times = timeline["time_s"].to_numpy(dtype=float)
    span = np.zeros(times.size, dtype=bool) if first is None else \
        (np.ones(times.size, dtype=bool) if first.met_s is None else times < first.met_s)
    return {s.name: int(np.count_nonzero(violated_steps(s, timeline) & span)) * tick_s / 60.0
            for s in _applying(slos, workload)}


def _latency(slo: Slo, timeline: pd.DataFrame, tick_s: float) -> dict[str, object]:
    assert slo.threshold_ms is not None and slo.percentile is not None
    values = timeline[f"p{slo.percentile}_latency_ms"].to_numpy(dtype=float)
    by_value = int(np.count_nonzero(values > slo.threshold_ms))
    bad = int(np.count_nonzero(violated_steps(slo, timeline)))
    worst, saturated = worst_latency_ms(timeline, slo.percentile)
    achieved = f"max p{slo.percentile} {latency_text(worst, saturated, slo.threshold_ms)}"
    if bad > by_value:
        # a "not met" beside a maximum under the threshold must say where it comes from
        limit = quantity_text(slo.threshold_ms)
        achieved += (f"; {bad - by_value} saturated step(s) at or under {limit} ms counted as "
                     "violated (a lower bound cannot show it was kept)")
    return {"slo": slo.name,
            "objective": f"p{slo.percentile} <= {quantity_text(slo.threshold_ms)} ms",
            "achieved": achieved,
            "violation_minutes": bad * tick_s / 60.0, "met": bad == 0}


def availability_pct(served_requests: float, dropped_requests: float) -> float:
    """The percent of the requests decided in a run that were served: served / (served +
    dropped), 100 with neither. A queue consumer's messages still waiting when the run ends
    (its backlog within ``queue_timeout_s``: offered - served - dropped) are neither served nor
    lost yet, so they are not judged: served / offered counted the last seconds' arrivals as
    failures, and a worker that dropped nothing missed its availability objective (author18)."""
    decided = served_requests + dropped_requests
    return 100.0 * served_requests / decided if decided > 0 else 100.0


def _availability(slo: Slo, timeline: pd.DataFrame, tick_s: float) -> dict[str, object]:
    offered = float(timeline["offered_rps"].sum())
    served = float(timeline["served_rps"].sum())
    dropped = float(timeline["dropped_rps"].sum())
    pct = availability_pct(served, dropped)
    # requests (rps x tick) still queued at the end; float noise of a run without a queue is 0
    queued = (offered - served - dropped) * tick_s
    waiting = (f"; {quantity_text(queued, 0)} requests still queued at the end (within "
               "queue_timeout_s), not judged"
               if queued >= 0.5 else "")
    assert slo.objective_pct is not None
    dropping = int(np.count_nonzero(violated_steps(slo, timeline)))
    return {"slo": slo.name, "objective": f">= {slo.objective_pct:g} % of requests served",
            # rounded down: 99.8995 % shown as 99.900 would read as the 99.9 % it misses
            "achieved": f"{Decimal(repr(pct)).quantize(Decimal('0.001'), ROUND_FLOOR)} % served"
                        f"{waiting}",
            "violation_minutes": dropping * tick_s / 60.0,
            "met": pct >= slo.objective_pct}


def evaluate_slos(slos: Sequence[Slo], workload: str, timeline: pd.DataFrame, tick_s: float
                  ) -> pd.DataFrame:
    """One row per SLO that applies to ``workload`` (its own, or one for every workload):
    ``slo``, ``objective``, ``achieved`` (text), ``violation_minutes`` and ``met`` (bool), from a
    simulation ``timeline`` of ``tick_s`` seconds per row."""
    rows = [(_latency if s.metric == "latency" else _availability)(s, timeline, tick_s)
            for s in _applying(slos, workload)]
    return pd.DataFrame(rows, columns=SLO_COLUMNS)
