"""The cluster simulation: traffic -> ready pods -> metrics -> HPA syncs -> pods -> nodes.

One run, in the order a cluster does it (every delay is a parameter):

1. **Load.** Offered requests go to the Ready pods, each serving at most
   ``capacity_rps_per_pod``. Above that, requests queue for up to ``queue_timeout_s`` and are
   dropped beyond (``queue_timeout_s=0``: dropped at once). Latency: :mod:`infra_toolkit.latency`.
2. **Metrics.** A pod's CPU is ``baseline + cpu_millicores_per_rps * its rps`` (+ the start-up
   burst); metrics-server scrapes every ``resolution_s`` and a sample is the mean over the window
   before the scrape; a pod's first sample comes a full window after it started Running
   (:class:`~infra_toolkit.workload.MetricsPipelineSpec`).
3. **HPA.** :func:`infra_toolkit.hpa.reconcile` runs every ``controller.sync_period_s``: a sync
   lasts ``sync_duration_s`` and the next starts ``sync_period_s`` after it finished (the
   controller re-queues the HPA when a sync ends); the first at ``sync_period_s``. It reads the
   spec replicas, every pod (Pending ones unready, StartTime, the Ready transition time) and the
   latest samples, so its unready/missing-pod rules act as in a cluster.
   Its history (``HPAState``) carries from sync to sync, starting empty. As the controller
   does, it writes the new spec replicas when the sync ends, ``sync_duration_s`` after the
   read: pods are created or deleted, and the ``hpa_scale`` event is logged, then (a node scan
   at that instant runs first; a write that would fall at or after the end of the run is not
   made). The ``syncs`` table and the history's timestamps are the syncs' starts: every sync
   lasts the same, so the history's ages (stabilization windows, rate-limit periods) are those
   of the controller, which stamps both the recommendations and the scale events at the end
   of a sync.
4. **Pods.** A higher spec creates Pending pods at once; they are placed on free node slots
   (:mod:`infra_toolkit.nodes`: by requests, at most the workload's ``max_pods_per_node`` a
   node, 1 for a required pod anti-affinity on ``kubernetes.io/hostname``), start after
   ``image_pull_s`` and are Ready at the readiness probe's first success on its grid after
   the app is up (``WorkloadSpec.startup_s``, :mod:`infra_toolkit.readiness`). A lower spec deletes
   pods in ReplicaSet order: unscheduled, then not ready, then ready; newest first.
5. **KEDA.** With ``keda`` (a ScaledObject scaling to zero or its idle count), KEDA's operator
   polls every ``polling_interval_s`` from the start and writes 0 <-> max(1, minReplicaCount) (or
   the idle count) as :func:`infra_toolkit.keda_activation.keda_poll` says, logging a
   ``keda_scale`` event with KEDA's reason; at an instant a poll runs after the node events and
   the HPA's writes due and before the syncs. While the target is at 0 the HPA does nothing
   (ScalingDisabled) and the offered requests are queued or dropped as with no Ready pod.
6. **Nodes.** The cluster autoscaler of :mod:`infra_toolkit.nodes` scans every
   ``scan_interval_s``; a scan at the same instant as a sync runs first. A node is billed
   (node-hours) from the scan that launches it, not from Ready, to the scan that removes it.
   Scale-down keeps a node while ``disruption_budget`` allows none of its evictions at a scan
   and drains in steps (cordoned, still billed) one whose pods exceed what it allows
   (docs/DESIGN.md, "node scale-down and PodDisruptionBudgets").

The run starts with ``initial_replicas`` warm, Ready pods (default: ``hpa.min_replicas``) on as
many nodes as they need (at least each group's ``min_size``).

Several workloads on one cluster: :func:`simulate_cluster` runs them with their pods sharing
the node groups of the same name and one cluster autoscaler (the joint model:
:mod:`infra_toolkit.shared_cluster`), so a node is counted once however many workloads use it.

Time advances on a grid of ``tick_s`` seconds (the gcd of the sync, metric and scan cadences);
pod and node transitions take effect from the first tick at or after them, and the traffic curve
is resampled to the tick (time-weighted mean).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from infra_toolkit.cluster import RunOutput, _tick_grid, run_cluster
from infra_toolkit.disruption_budget import DisruptionBudget
from infra_toolkit.errors import SimulationError
from infra_toolkit.fixed_pods import FixedPods
from infra_toolkit.hpa import DEFAULT_CONTROLLER_CONFIG, ControllerConfig, HPASpec
from infra_toolkit.hpa_spec import may_scale_to_zero
from infra_toolkit.keda_activation import KedaActivation
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.shared_cluster import run_shared_cluster
from infra_toolkit.shared_nodes import union_groups
from infra_toolkit.simulation_summary import (
    SimulationSummary,
    format_summary,
    node_hours_per_instance_type,
    summarize,
)
from infra_toolkit.simulation_timeline import narrow_counts, per_tick, timeline
from infra_toolkit.sweep_engine import run_batch
from infra_toolkit.sweep_params import batch_key, unsupported, variants
from infra_toolkit.time_to_capacity import TimeToCapacity
from infra_toolkit.traffic import TrafficCurve, check_whole_steps, resample_curve
from infra_toolkit.workload import MetricsPipelineSpec, WorkloadSpec

__all__ = [
    "ClusterSimulationResult",
    "FixedPods",
    "SimulationResult",
    "SimulationSpec",
    "SimulationSummary",
    "TimeToCapacity",
    "format_summary",
    "simulate",
    "simulate_cluster",
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
    # the workload's PodDisruptionBudget, honoured by node scale-down (audit15 A15-4)
    disruption_budget: DisruptionBudget | None = None
    # KEDA's own scaling to zero (or the idle count) of a ScaledObject's target
    keda: KedaActivation | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_groups", tuple(self.node_groups))
        if not self.node_groups:
            raise SimulationError(f"simulation {self.name!r}: node_groups is empty; give at "
                                  "least one NodeGroup")
        names = [g.name for g in self.node_groups]
        if len(set(names)) != len(names):
            raise SimulationError(f"simulation {self.name!r}: node group names {names} repeat; "
                                  "give each group its own name")
        if self.hpa.min_replicas == 0 and not may_scale_to_zero(
                self.hpa.metrics, self.controller.gate_scale_to_zero):
            # The API server would refuse this HPA; simulated, it scales to 0 on an idle spell
            # and no pod is left to report the metric that would wake it.
            raise SimulationError(
                f"simulation {self.name!r}: hpa.min_replicas is 0 with no Object or External "
                "metric (or the HPAScaleToZero gate off): the API server refuses such an HPA; "
                "set min_replicas to 1 or more, or add an Object/External metric")
        counted = {source.metric.name for m in self.hpa.metrics
                   for source in (m.object, m.external) if source is not None}
        unknown = [n for n in self.workload.queue_depth_metrics if n not in counted]
        if unknown:
            raise SimulationError(
                f"simulation {self.name!r}: queue_depth_metrics names {', '.join(unknown)}, "
                "no Object or External metric of the HPA (it has "
                f"{', '.join(sorted(counted)) or 'none'}); name the metric as spec.metrics "
                "writes it")
        external = {m.external.metric.name for m in self.hpa.metrics if m.external is not None}
        lost = [t.metric_name for t in (self.keda.triggers if self.keda else ())
                if t.metric_name not in external]
        if lost:
            raise SimulationError(
                f"simulation {self.name!r}: KEDA's triggers {', '.join(lost)} are no External "
                f"metric of the HPA (it has {', '.join(sorted(external)) or 'none'}); give the "
                "KedaActivation of this HPA's ScaledObject")
        # GetHPAMinReplicas: KEDA's HPA runs at max(minReplicaCount, 1); another minReplicas
        # (the explorer's slider) is a run no ScaledObject gives: KEDA would still wake to
        # minReplicaCount and scale to zero after it
        if self.keda is not None and self.hpa.min_replicas != max(self.keda.min_replica_count, 1):
            raise SimulationError(
                f"simulation {self.name!r}: hpa.min_replicas (={self.hpa.min_replicas}) is not "
                f"the minReplicas KEDA's operator gives its HPA for minReplicaCount "
                f"{self.keda.min_replica_count} (={max(self.keda.min_replica_count, 1)}, "
                "GetHPAMinReplicas); change minReplicaCount in the ScaledObject instead")
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


def _on_ticks(traffic: TrafficCurve, tick_s: int) -> np.ndarray:
    """The offered rps per simulation tick; a curve whose duration is not a whole number of
    ticks is refused rather than its trailing part silently left out (requests lost)."""
    label = f"traffic curve {traffic.name!r}" if traffic.name else "the traffic curve"
    check_whole_steps(traffic.duration_s, float(tick_s), "simulation tick_s", f"the "
                      f"{traffic.duration_s:g} s of {label}", f"cut or extend the traffic to a "
                      f"multiple of {tick_s} s (the tick is the gcd of the HPA sync period and "
                      "sync duration, the metric resolution, window and offset and the "
                      "autoscaler scan interval)")
    return np.asarray(resample_curve(traffic, float(tick_s)).rps)


def _run(traffic: TrafficCurve, spec: SimulationSpec) -> RunOutput:
    tick = spec.tick_s
    return run_cluster(_on_ticks(traffic, tick), tick, spec)


def simulate(traffic: TrafficCurve, spec: SimulationSpec) -> SimulationResult:
    """Run the cluster through ``traffic`` (requests per second); see the module docstring."""
    out = _run(traffic, spec)
    events = pd.DataFrame(out.events, columns=["time_s", "kind", "from", "to", "reason"])
    syncs = out.syncs.frame()
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
            out = run_batch(_on_ticks(traffic, batch.tick_s), batch)
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




@dataclass(frozen=True, eq=False)
class ClusterSimulationResult:
    """Several workloads on one cluster (:func:`simulate_cluster`).

    ``simulations``: one :class:`SimulationResult` per workload, as :func:`simulate` gives it; its
    ``nodes*`` and ``launching_nodes*`` columns and node-hours are the nodes of the groups it may
    use, which it may share with other workloads (do not add them up across workloads).
    ``nodes``: one row per tick, ``time_s``, ``nodes`` and ``nodes_<group>`` (Ready nodes),
    ``launching_nodes`` and ``launching_nodes_<group>`` (launched, not yet Ready) for every group,
    each node counted once.
    ``events``: the node scale events, each once. ``placed``: for the workloads and fixed
    Deployments of a joint run, pods placed per tick on each group they may use
    (``placed[owner][group]``).
    ``node_peaks``: every node of the joint runs with its peak CPU (millicores), memory (MiB) and
    pods, next to its allocatable. ``node_groups``: every group, in scale-up priority order."""

    simulations: Mapping[str, SimulationResult]
    nodes: pd.DataFrame
    events: pd.DataFrame
    placed: Mapping[str, Mapping[str, np.ndarray]]
    node_peaks: pd.DataFrame
    node_groups: tuple[NodeGroup, ...]

    @property
    def node_hours_by_node_group(self) -> dict[str, float]:
        """Node-hours per node group (by name) over the run, billed from launch (as
        :attr:`SimulationSummary.node_hours_by_node_group`), each node counted once."""
        # one tick of every workload's grid (they share it): a one-row run still has a duration
        hours = next(iter(self.simulations.values())).spec.tick_s / 3600.0
        return {g.name: float(int(self.nodes[f"nodes_{g.name}"].to_numpy().sum()
                                  + self.nodes[f"launching_nodes_{g.name}"].to_numpy().sum()))
                * hours for g in self.node_groups}

    @property
    def node_hours_by_instance_type(self) -> dict[str, float]:
        """:attr:`node_hours_by_node_group` added up per instance type."""
        return node_hours_per_instance_type(self.node_groups, self.node_hours_by_node_group)


def _components(specs: Sequence[SimulationSpec], fixed: Sequence[FixedPods]) -> list[list[int]]:
    """Owners (specs, then fixed) that share a node group, transitively: one list each."""
    parent = list(range(len(specs) + len(fixed)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    first: dict[str, int] = {}
    owners: list[SimulationSpec | FixedPods] = [*specs, *fixed]
    for i, owner in enumerate(owners):
        for g in owner.node_groups:
            j = first.setdefault(g.name, i)
            parent[root(i)] = root(j)
    found: dict[int, list[int]] = {}
    for i in range(len(parent)):
        found.setdefault(root(i), []).append(i)
    return list(found.values())


def simulate_cluster(curves: Mapping[str, TrafficCurve], specs: Mapping[str, SimulationSpec],
                     fixed: Sequence[FixedPods] = ()) -> ClusterSimulationResult:
    """Run several workloads (``specs``, each with its traffic in ``curves`` under the same
    name, requests per second) and the ``fixed`` Deployments on one cluster: their pods share the
    node groups of the same name and one cluster autoscaler (:mod:`infra_toolkit.shared_cluster`
    documents the joint model). Workloads that share no node group, directly or through others,
    do not affect each other: a workload alone on its groups runs through :func:`simulate`
    (the same numbers bit for bit), the others together. Fixed Deployments on groups no workload
    uses are left out. Every spec needs the same tick grid and cluster autoscaler, and every
    curve the same duration."""
    names = list(specs)
    if not names or set(curves) != set(names):
        raise SimulationError(f"simulate_cluster: give one traffic curve per workload; workloads "
                              f"{names}, curves {list(curves)}")
    spec_list = [specs[n] for n in names]
    ticks = {s.tick_s for s in spec_list}
    if len(ticks) != 1 or len({s.autoscaler for s in spec_list}) != 1:
        raise SimulationError(
            f"simulate_cluster: workloads {names} have different tick grids ({sorted(ticks)} s) "
            "or cluster autoscalers; one cluster has one autoscaler: give them the same sync, "
            "metric and autoscaler settings")
    tick = ticks.pop()
    rps = {n: _on_ticks(curves[n], tick) for n in names}
    if len({a.size for a in rps.values()}) != 1:
        raise SimulationError(f"simulate_cluster: the traffic curves of {names} have different "
                              "durations; cut them to the same window")
    n_ticks = rps[names[0]].size
    fixed = list(fixed)
    groups = union_groups([*spec_list, *fixed])
    results: dict[str, SimulationResult] = {}
    counts: dict[str, np.ndarray] = {}
    launching: dict[str, np.ndarray] = {}
    placed: dict[str, dict[str, np.ndarray]] = {}
    peaks: list[tuple[str, int, float, float, int]] = []
    events: list[tuple[float, str, int, int, str]] = []
    for members in _components(spec_list, fixed):
        work = [i for i in members if i < len(names)]
        extra = [fixed[i - len(names)] for i in members if i >= len(names)]
        if not work:
            continue
        if len(work) == 1 and not extra:
            name = names[work[0]]
            result = simulate(curves[name], specs[name])
            results[name] = result
            for g in result.spec.node_groups:
                counts[g.name] = result.timeline[f"nodes_{g.name}"].to_numpy()
                launching[g.name] = result.timeline[f"launching_nodes_{g.name}"].to_numpy()
            events += [(float(e[0]), str(e[1]), int(e[2]), int(e[3]), str(e[4]))
                       for e in result.events.itertuples(index=False, name=None)
                       if str(e[1]).startswith("node_")]
            continue
        chosen = [spec_list[i] for i in work]
        run = run_shared_cluster([rps[names[i]] for i in work], tick, chosen, extra)
        # each raw run let go once its frames are built: a long run's peak is not all of them
        outputs, run.outputs = run.outputs, []
        for i, spec in zip(work, chosen, strict=True):
            out = outputs.pop(0)
            frame = pd.DataFrame(out.events, columns=["time_s", "kind", "from", "to", "reason"])
            syncs = out.syncs.frame()
            line, arrays = timeline(out, spec)
            results[names[i]] = SimulationResult(spec, line, frame, syncs,
                                                 summarize(out, spec, arrays))
        for g, changes, coming in zip(run.groups, run.node_changes, run.launching_changes,
                                      strict=True):
            counts[g.name] = per_tick(changes, n_ticks)
            launching[g.name] = per_tick(coming, n_ticks)
        owner_names = [names[i] for i in work] + [f.name for f in extra]
        # every group an owner may use, all-zero ones too: a share of 0 is a share
        owner_groups = [{g.name for g in o.node_groups} for o in chosen]
        owner_groups += [{g.name for g in f.node_groups} for f in extra]
        for owner, allowed, per_group in zip(owner_names, owner_groups, run.placed,
                                             strict=True):
            placed[owner] = {g.name: narrow_counts(per_tick(ch, n_ticks))
                             for g, ch in zip(run.groups, per_group, strict=True)
                             if g.name in allowed}
        events += run.events
        peaks += run.node_peaks
    simulated = [g for g in groups if g.name in counts]
    node_counts = {"nodes": np.sum([counts[g.name] for g in simulated], axis=0),
                   **{f"nodes_{g.name}": counts[g.name] for g in simulated},
                   "launching_nodes": np.sum([launching[g.name] for g in simulated], axis=0),
                   **{f"launching_nodes_{g.name}": launching[g.name] for g in simulated}}
    nodes = pd.DataFrame({"time_s": np.arange(n_ticks, dtype=np.float64) * tick,
                          **{k: narrow_counts(v) for k, v in node_counts.items()}})
    by_name = {g.name: g for g in groups}
    peak_frame = pd.DataFrame(
        [{"group": g, "node": n, "peak_cpu_millicores": c, "peak_memory_mib": m,
          "peak_pods": p, "allocatable_cpu_millicores": by_name[g].allocatable_cpu_millicores,
          "allocatable_memory_mib": by_name[g].allocatable_memory_mib,
          "allocatable_pods": by_name[g].max_pods - by_name[g].daemonset_pods}
         for g, n, c, m, p in peaks])
    events.sort(key=lambda e: e[0])
    return ClusterSimulationResult(
        {n: results[n] for n in names}, nodes,
        pd.DataFrame(events, columns=["time_s", "kind", "from", "to", "reason"]), placed,
        peak_frame, tuple(simulated))
