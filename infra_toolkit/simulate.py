"""The cluster simulation: traffic -> ready pods -> metrics -> HPA syncs -> pods -> nodes.

One run, in the order a cluster does it (every delay is a parameter):

1. **Load.** Offered requests go to the Ready pods, each serving at most
   ``capacity_rps_per_pod``. Above that, requests queue for up to ``queue_timeout_s`` and are
   dropped beyond (``queue_timeout_s=0``: dropped at once). Latency: :mod:`infra_toolkit.latency`.
2. **Metrics.** A pod's CPU is ``baseline + cpu_millicores_per_rps * its rps`` (+ the start-up
   burst); metrics-server scrapes every ``resolution_s`` and a sample is the mean over the window
   before the scrape; a pod's first sample comes a full window after it started Running
   (:class:`~infra_toolkit.workload.MetricsPipelineSpec`).
3. **HPA.** :func:`infra_toolkit.hpa.reconcile` runs every ``controller.sync_period_s``, each
   sync starting ``sync_duration_s`` after the previous one finished; the first at
   ``sync_period_s``. It reads the spec replicas, every pod (Pending ones unready, StartTime, the
   Ready transition time) and the latest samples, so its unready/missing-pod rules act as in a
   cluster. Its history (``HPAState``) carries from sync to sync, starting empty.
4. **Pods.** A higher spec creates Pending pods at once; they are placed on free node slots
   (:mod:`infra_toolkit.nodes`), start after ``image_pull_s`` and are Ready after
   ``app_start_s + readiness_delay_s``. A lower spec deletes pods in ReplicaSet order: unscheduled,
   then not ready, then ready; newest first.
5. **Nodes.** The cluster autoscaler of :mod:`infra_toolkit.nodes` scans every
   ``scan_interval_s``; a scan at the same instant as a sync runs first.

The run starts with ``initial_replicas`` warm, Ready pods (default: ``hpa.min_replicas``) on as
many nodes as they need (at least each group's ``min_size``).

Time advances on a grid of ``tick_s`` seconds (the gcd of the sync, metric and scan cadences);
pod and node transitions take effect from the first tick at or after them, and the traffic curve
is resampled to the tick (time-weighted mean).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from infra_toolkit.cluster import RunOutput, _tick_grid, run_cluster
from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa import DEFAULT_CONTROLLER_CONFIG, ControllerConfig, HPASpec
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.simulation_summary import (
    SimulationSummary,
    TimeToCapacity,
    format_summary,
    summarize,
    timeline,
)
from infra_toolkit.sweep_engine import run_batch
from infra_toolkit.sweep_params import batch_key, unsupported, variants
from infra_toolkit.traffic import TrafficCurve, resample_curve
from infra_toolkit.workload import MetricsPipelineSpec, WorkloadSpec

__all__ = [
    "SimulationResult",
    "SimulationSpec",
    "SimulationSummary",
    "TimeToCapacity",
    "format_summary",
    "simulate",
    "simulate_many",
]

MIN_SWEEP_BATCH = 12  # below this many variants per batch the scalar path is faster


@dataclass(frozen=True)
class SimulationSpec:
    """Everything one run needs besides the traffic: the HPA, the Deployment's pods, the node
    groups (in scale-up priority order), the cluster autoscaler, the metrics pipeline and the
    controller's flags. ``flap_window_s`` defines a flap (see :class:`SimulationSummary`).
    Build variants for :func:`simulate_many` with ``dataclasses.replace``."""

    hpa: HPASpec
    workload: WorkloadSpec
    node_groups: tuple[NodeGroup, ...]
    autoscaler: ClusterAutoscalerSpec = field(default_factory=ClusterAutoscalerSpec)
    metrics: MetricsPipelineSpec = field(default_factory=MetricsPipelineSpec)
    controller: ControllerConfig = DEFAULT_CONTROLLER_CONFIG
    initial_replicas: int | None = None
    sync_duration_s: int = 0
    flap_window_s: float = 300.0
    name: str = "baseline"

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_groups", tuple(self.node_groups))
        if not self.node_groups:
            raise SimulationError(f"simulation {self.name!r}: node_groups is empty; give at "
                                  "least one NodeGroup")
        names = [g.name for g in self.node_groups]
        if len(set(names)) != len(names):
            raise SimulationError(f"simulation {self.name!r}: node group names {names} repeat; "
                                  "give each group its own name")
        if self.initial_replicas is None:
            object.__setattr__(self, "initial_replicas", max(1, self.hpa.min_replicas))
        init = self.initial_replicas
        assert init is not None
        if int(init) != init or init < 0:
            raise SimulationError(f"simulation {self.name!r}: initial_replicas (={init}) must be "
                                  "a whole number >= 0")
        if self.sync_duration_s < 0 or self.flap_window_s < 0:
            raise SimulationError(f"simulation {self.name!r}: sync_duration_s and flap_window_s "
                                  "must be >= 0 seconds")

    @property
    def tick_s(self) -> int:
        """The simulation grid in seconds: gcd of the sync, metric and scan cadences."""
        return _tick_grid(self)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """One run: ``timeline`` (one row per tick, columns in docs/DESIGN.md), ``events`` (the
    scale-event log: ``time_s, kind, from, to, reason``), ``syncs`` (one row per HPA sync:
    ``time_s, current, proposal, written, reason``) and the ``summary``."""

    spec: SimulationSpec
    timeline: pd.DataFrame
    events: pd.DataFrame
    syncs: pd.DataFrame
    summary: SimulationSummary


def _run(traffic: TrafficCurve, spec: SimulationSpec) -> RunOutput:
    tick = spec.tick_s
    curve = resample_curve(traffic, float(tick))
    return run_cluster(np.asarray(curve.rps), tick, spec)


def simulate(traffic: TrafficCurve, spec: SimulationSpec) -> SimulationResult:
    """Run the cluster through ``traffic`` (requests per second); see the module docstring."""
    out = _run(traffic, spec)
    events = pd.DataFrame(out.events, columns=["time_s", "kind", "from", "to", "reason"])
    syncs = pd.DataFrame(out.syncs, columns=["time_s", "current", "proposal", "written", "reason"])
    line, arrays = timeline(out, spec)
    return SimulationResult(spec, line, events, syncs, summarize(out, spec, arrays))


def simulate_many(traffic: TrafficCurve, specs: Sequence[SimulationSpec],
                  engine: str = "auto") -> pd.DataFrame:
    """One summary row per spec (``name`` first, then :meth:`SimulationSummary.as_row`), for
    sweeps: the same numbers :func:`simulate` puts in ``summary``, without building timelines.

    Specs that share a timing grid, metric signature, HPA path and node-group count run together
    on the vectorized sweep engine (:mod:`infra_toolkit.sweep_engine`), which gives the same
    numbers bit for bit; specs it does not support, and results it cannot prove, run through
    :func:`simulate`. ``engine``: ``"auto"`` (the sweep engine for batches of at least
    ``MIN_SWEEP_BATCH`` specs, where it is faster), ``"sweep"`` (wherever supported) or
    ``"scalar"`` (every spec through :func:`simulate`).
    """
    if engine not in ("auto", "sweep", "scalar"):
        raise SimulationError(f"simulate_many engine (={engine!r}) must be 'auto', 'sweep' or "
                              "'scalar'")
    rows: list[dict[str, object] | None] = [None] * len(specs)
    if engine != "scalar":
        batches: dict[tuple[object, ...], list[int]] = {}
        for i, spec in enumerate(specs):
            if unsupported(spec) is None:
                batches.setdefault(batch_key(spec), []).append(i)
        for members in batches.values():
            if engine == "auto" and len(members) < MIN_SWEEP_BATCH:
                continue
            batch = variants([specs[i] for i in members])
            curve = resample_curve(traffic, float(batch.tick_s))
            out = run_batch(np.asarray(curve.rps), batch)
            for i, row, unsure in zip(members, out.rows, out.uncertain, strict=True):
                if not unsure:
                    rows[i] = {"name": specs[i].name, **row}
    for i, spec in enumerate(specs):
        if rows[i] is None:
            out_i = _run(traffic, spec)
            _, arrays = timeline(out_i, spec, frame=False)
            rows[i] = {"name": spec.name, **summarize(out_i, spec, arrays).as_row()}
    done = [r for r in rows if r is not None]
    return pd.DataFrame(done).fillna({c: 0.0 for c in _node_hour_columns(done)})


def _node_hour_columns(rows: list[dict[str, object]]) -> list[str]:
    return sorted({k for r in rows for k in r if k.startswith("node_hours_")})


