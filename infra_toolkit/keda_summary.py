"""What KEDA's scaling to zero did in one simulated run (:func:`zero_scaling`): the time the
workload spent at zero replicas and each cold start's latency, split into KEDA's activation
wait, the wait for a node and the pod's start-up. The report's Scaling Behaviour section shows
it for every workload a ScaledObject scales to zero (:mod:`infra_toolkit.keda_activation`).

A **cold start** is a ``keda_scale`` event from 0 replicas. Its demand began at the first tick
since the workload reached zero (or the run's start) with requests offered; the activation wait
runs from there to KEDA's poll that wrote the replicas (``polling_interval_s`` at most, unless
the value stayed at or below the activation threshold longer); from there to the first Ready
pod (``ready_s``; ``None`` when none was Ready by the run's end), the pod's start-up is the
workload's ``startup_s`` (scheduled to Ready: image pull, sidecars, app, probe grid) and the
rest the wait for a node with room. Cost needs nothing here: a pod at zero is billed for
no pod-hours, and node-hours follow the nodes the cluster autoscaler keeps. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from infra_toolkit.simulate import SimulationResult

__all__ = ["ColdStart", "ZeroScaling", "zero_scaling", "zero_scaling_fields"]


@dataclass(frozen=True)
class ColdStart:
    """One wake-up from zero (times in seconds from the run's start): ``demand_s`` (first tick
    with requests offered at zero), ``activated_s`` (KEDA's write), ``ready_s`` (first Ready pod,
    ``None``: not by the run's end), ``startup_s`` (the workload's scheduled-to-Ready time)."""

    demand_s: float
    activated_s: float
    ready_s: float | None
    startup_s: float

    @property
    def activation_wait_s(self) -> float:
        """KEDA's part: from the demand to its poll's write."""
        return self.activated_s - self.demand_s

    @property
    def pod_startup_s(self) -> float | None:
        """The pod's part of KEDA's write to the first Ready pod: at most ``startup_s``."""
        if self.ready_s is None:
            return None
        return min(self.ready_s - self.activated_s, self.startup_s)

    @property
    def node_wait_s(self) -> float | None:
        """The rest of KEDA's write to the first Ready pod: the pod waiting for a node."""
        pod = self.pod_startup_s
        return None if pod is None or self.ready_s is None else \
            self.ready_s - self.activated_s - pod

    @property
    def total_s(self) -> float | None:
        """From the demand to the first Ready pod."""
        return None if self.ready_s is None else self.ready_s - self.demand_s


@dataclass(frozen=True)
class ZeroScaling:
    """KEDA's scaling to zero in one run: seconds at zero spec replicas, its writes down
    (``deactivations``) and its cold starts."""

    seconds_at_zero: float
    deactivations: int
    cold_starts: tuple[ColdStart, ...]

    @property
    def longest(self) -> ColdStart | None:
        """The cold start with the longest total (an unfinished one first)."""
        if not self.cold_starts:
            return None
        return max(self.cold_starts, key=lambda c: np.inf if c.total_s is None else c.total_s)


def zero_scaling(timeline: pd.DataFrame, events: pd.DataFrame, tick_s: float,
                 startup_s: float) -> ZeroScaling:
    """:class:`ZeroScaling` of a run's ``timeline`` (``time_s``, ``offered_rps``,
    ``spec_replicas``, ``ready_pods`` per tick of ``tick_s`` seconds) and its ``events``
    (``time_s, kind, from, to, reason``), its pods Ready ``startup_s`` after being scheduled;
    see the module docstring."""
    time_s = timeline["time_s"].to_numpy()
    offered = timeline["offered_rps"].to_numpy()
    spec = timeline["spec_replicas"].to_numpy()
    ready = timeline["ready_pods"].to_numpy()
    keda = events[events["kind"] == "keda_scale"]
    starts: list[ColdStart] = []
    zero_from = 0.0  # when the current spell at zero began
    for t, before, after in zip(keda["time_s"], keda["from"], keda["to"], strict=True):
        if int(after) == 0:
            zero_from = float(t)
            continue
        if int(before) != 0:
            continue
        spell = (time_s >= zero_from) & (time_s < t) & (offered > 0)
        demand = float(time_s[spell][0]) if spell.any() else float(t)
        after_write = time_s >= t
        up = after_write & (ready > 0)
        ready_s = float(time_s[up][0]) if up.any() else None
        starts.append(ColdStart(demand, float(t), ready_s, startup_s))
    return ZeroScaling(float((spec == 0).sum()) * tick_s,
                       int((keda["to"] == 0).sum()), tuple(starts))


def zero_scaling_fields(result: SimulationResult) -> dict[str, float | int | None]:
    """The figures ``simulate`` prints after a run's summary when its ScaledObject scales to
    zero (``result.spec.keda``; empty otherwise, the output unchanged): ``zero_replicas_s``,
    ``cold_starts``, ``scale_downs_to_zero`` and ``longest_cold_start_s`` (from the demand to
    the first Ready pod; ``None`` with no cold start or when the longest had no Ready pod by
    the run's end), the :class:`ZeroScaling` the report's table shows."""
    if result.spec.keda is None:
        return {}
    found = zero_scaling(result.timeline, result.events, float(result.spec.tick_s),
                         result.spec.workload.startup_s)
    longest = found.longest
    return {"zero_replicas_s": found.seconds_at_zero, "cold_starts": len(found.cold_starts),
            "scale_downs_to_zero": found.deactivations,
            "longest_cold_start_s": None if longest is None else longest.total_s}
