"""What the HPA controller reads at a sync: the pods and their metric samples.

Pods are held in *cohorts* (pods created at the same instant and placed on the same node group
share one timeline), so the :class:`~infra_toolkit.hpa.Pod` records are built once per cohort
state and reused, and when every scheduled pod is settled (Ready and past its start-up burst for
a whole sample window) all samples are one shared :class:`~infra_toolkit.hpa.PodSample`.

Feeding rules (as a cluster does):
- an unscheduled pod is ``Pending`` with no StartTime and no Ready condition; a scheduled pod
  pulling its image is ``Pending`` with StartTime = scheduling time and Ready False;
- a ``Running`` pod is Ready False (transition at its start) until Ready, then Ready True with
  the transition at its Ready time;
- a pod has a sample only from the first scrape a full window after it started Running; the
  sample is its mean usage over the window (CPU: baseline + start-up burst + per-request CPU
  while Ready; memory: baseline + per-rps working set while Ready, in milli-bytes like the
  API's quantities; Pods metrics: its requests per second), rounded up to milli-units. Memory is
  a gauge in a real cluster; its window mean is the simulator's stand-in for the scrape value;
- Object and External metrics read the total offered requests per second over the window;
  those the workload names in ``queue_depth_metrics`` (a queue's messages waiting) read the
  requests queued instead, the mean over the window of the backlog at each tick's end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from infra_toolkit.errors import SimulationError, clipped
from infra_toolkit.hpa import (
    ControllerConfig,
    HPASpec,
    MetricsSnapshot,
    Pod,
    PodSample,
    compute_replicas_for_metrics,
)
from infra_toolkit.hpa_metrics import MetricsOutcome
from infra_toolkit.replica_types import new_record

__all__ = ["LONG_AGO_S", "MIB_MILLI", "Cohort", "ControllerView", "MetricNeeds", "ViewCache",
           "metric_needs"]

NOT_YET = 1 << 62  # tick index of an event that has not happened
#: start time (s) of the pods that exist when the simulation begins: Running and Ready long before
LONG_AGO_S = -1.0e9
MIB_MILLI = 2**20 * 1000  # one MiB in the milli-units the HPA uses for memory quantities


@dataclass(frozen=True)
class MetricNeeds:
    """Which metrics the HPA reads: CPU and memory samples, per-pod rps (Pods metric names) and
    the total request rate (Object / External metric names), or for the names in ``queued`` the
    requests queued (a queue depth)."""

    cpu: bool
    pods: tuple[str, ...]
    object: tuple[str, ...]
    external: tuple[str, ...]
    memory: bool = False
    queued: frozenset[str] = frozenset()


def metric_needs(hpa: HPASpec, memory_model: bool = True,
                 queue_depth: Sequence[str] = ()) -> MetricNeeds:
    """What to feed the controller for ``hpa``'s metrics (``queue_depth``: the Object and External
    metric names read as the requests queued); a metric the simulation cannot produce
    (or a memory metric without the workload's memory model) is a :class:`SimulationError`
    naming it and the supported ones."""
    cpu = memory = False
    pods: list[str] = []
    objects: list[str] = []
    external: list[str] = []
    for i, m in enumerate(hpa.metrics):
        if m.type == "Resource" and m.resource is not None and m.resource.name == "cpu":
            cpu = True
        elif m.type == "Resource" and m.resource is not None and m.resource.name == "memory":
            if not memory_model:
                raise SimulationError(
                    f"HPA {hpa.name!r} spec.metrics[{i}] (Resource memory) needs the workload's "
                    "memory model: set memory_baseline_mib (MiB at zero load) and "
                    "memory_mib_per_rps in the workload"
                )
            memory = True
        elif m.type == "Pods" and m.pods is not None:
            pods.append(m.pods.metric.name)
        elif m.type == "Object" and m.object is not None:
            objects.append(m.object.metric.name)
        elif m.type == "External" and m.external is not None:
            external.append(m.external.metric.name)
        else:
            source = m.resource or m.container_resource
            what = clipped(source.name) if source is not None else ""
            # the model gives a pod's usage, not a container's: with one container they are the
            # same metric (the controller divides the same usage by the same request), which
            # container_metrics.resource_twins substitutes given the pod template
            fix = (f"; with one container in the pod it is the same as a Resource metric (plans "
                   "and `simulate --deployment` read it so): write type: Resource, resource: "
                   f"{{name: {what}, target: ...}}; with sidecars the model, one pod's usage, "
                   f"cannot give container {clipped(m.container_resource.container)!r} its share"
                   if m.container_resource is not None else "")
            raise SimulationError(
                f"HPA {hpa.name!r} spec.metrics[{i}] ({m.type} {what}".rstrip() + ") cannot be "
                "simulated; supported: Resource cpu and memory (the workload's CPU and memory "
                "models), Pods (read as "
                "requests per second per pod), Object and External (read as the total requests "
                f"per second){fix}"
            )
    queued = frozenset(n for n in queue_depth if n in objects or n in external)
    return MetricNeeds(cpu, tuple(pods), tuple(objects), tuple(external), memory, queued)



@dataclass
class Cohort:
    """Pods created at one instant and placed on one node group: their names, times in
    seconds (created, scheduled, Running) and the tick they turn Ready."""

    names: list[str]
    created_s: float
    group: int = -1  # -1: Pending, not yet on a node
    scheduled_s: float = math.nan
    running_s: float = math.inf
    ready_tick: int = NOT_YET
    view: tuple[Any, ...] = ()  # (state key, pods) cache of the controller's view



@dataclass
class ViewCache:
    """The pod list the controller reads, reused while no pod changes (``version``) and no pod
    changes phase or readiness (``valid_until_s``). ``settled_from_s``: from then on every
    scheduled pod has been Ready and past its start-up CPU burst, so all samples are equal;
    ``all_scheduled``: no pod is Pending."""

    version: int = -1
    valid_until_s: float = -math.inf
    pods: list[Pod] = field(default_factory=list)
    sampled_names: list[str] = field(default_factory=list)
    settled_from_s: float = math.inf
    all_scheduled: bool = True


def _rebuild_view(cache: ViewCache, cohorts: Sequence[Cohort], t: float, tick_s: int,
                  requests: dict[str, int], startup_cpu_s: float, version: int) -> None:
    pods: list[Pod] = []
    names: list[str] = []
    valid_until = math.inf
    settled = -math.inf
    all_scheduled = True
    for c in cohorts:
        if c.group < 0:
            key: tuple[Any, ...] = (0, len(c.names))
            all_scheduled = False
        else:
            ready_s = c.ready_tick * tick_s
            key = (1 if t < c.running_s else (2 if t < ready_s else 3), len(c.names))
            for x in (c.running_s, ready_s):
                if t < x < valid_until:
                    valid_until = x
            settled = max(settled, ready_s, c.running_s + startup_cpu_s)
            names.extend(c.names)
        if not c.view or c.view[0] != key:
            c.view = (key, _pods_of(c, key[0], tick_s, requests))
        pods.extend(c.view[1])
    cache.version, cache.valid_until_s, cache.pods = version, valid_until, pods
    cache.sampled_names, cache.settled_from_s = names, settled
    cache.all_scheduled = all_scheduled


class ControllerView:
    """What the HPA reads at each sync of one run (:meth:`read`); the run's constants are
    looked up once here rather than at every sync."""

    def __init__(self, tick_s: int, mp: Any, window_ticks: int, wl: Any,
                 cum_load: Sequence[float], cum_offered: Sequence[float], requests: dict[str, int],
                 needs: MetricNeeds, backlog: Sequence[float] = ()) -> None:
        self.tick_s, self.window_ticks = tick_s, window_ticks
        self.backlog = backlog  # requests queued at each tick's end (queue-depth metrics)
        self.offset_s, self.resolution_s = mp.offset_s, mp.resolution_s
        self.window_s = window_ticks * tick_s
        self.wl, self.needs, self.requests = wl, needs, requests
        self.cum_load, self.cum_offered = cum_load, cum_offered
        self.cache = ViewCache()
        # the metrics step's memo (see metrics_step): the uniform key of the last read, and the
        # outcomes by (key, spec replicas, status replicas) for the HPA and config they are of
        self._uniform: tuple[Any, ...] | None = None
        self._outcomes: dict[tuple[Any, ...], MetricsOutcome] = {}
        self._outcomes_of: tuple[Any, ...] = ()
        # the uniform read's samples, for metrics_step to build its snapshot when the memo misses
        self._samples: tuple[Any, ...] = ()
        # read's constants, unpacked from one tuple at each sync (one attribute lookup, not ten)
        self._fixed = (tick_s, window_ticks, self.window_s, float(self.window_s), mp.offset_s,
                       mp.resolution_s, wl, cum_load, needs.cpu, needs.memory,
                       needs.pods, bool(needs.pods or needs.object or needs.external))

    def read(self, cohorts: Sequence[Cohort], t: float, version: int,
             ) -> tuple[list[Pod], MetricsSnapshot]:
        """The pods and metric samples the HPA reads at sync time ``t`` (no samples before the
        first full window). When every pod is scheduled and has the same samples, the snapshot
        is a placeholder that :meth:`metrics_step` replaces: pass both to ``reconcile``
        together."""
        cache = self.cache
        (tick_s, window_ticks, window_s, over, offset_s, resolution_s, wl, cum_load, needs_cpu,
         needs_memory, needs_pods, needs_total) = self._fixed
        if cache.version != version or t >= cache.valid_until_s:
            _rebuild_view(cache, cohorts, t, tick_s, self.requests, wl.startup_cpu_s, version)
        pods = cache.pods
        self._uniform = None
        ts = offset_s + math.floor((t - offset_s) / resolution_s) * resolution_s
        b = round(ts / tick_s)
        a = b - window_ticks
        if a < 0:
            return pods, _NO_METRICS
        at = float(ts)
        if ts - window_s >= cache.settled_from_s:
            # every scheduled pod served a full share over the whole window: one sample for all
            load = (cum_load[b] - cum_load[a]) / window_ticks
            cpu_milli = memory_milli = rps_milli = None
            if needs_cpu:
                usage = wl.baseline_cpu_millicores + wl.cpu_millicores_per_rps * load
                cpu_milli = math.ceil(usage - 1e-9)
            if needs_memory:
                memory_milli = _memory_milli(wl, load)
            if needs_pods:
                rps_milli = math.ceil(1000.0 * load - 1e-9)
            total = self._totals(a, b) if needs_total else None
            samples = (cache.sampled_names, cpu_milli, memory_milli, rps_milli, total, at, over)
            if cache.all_scheduled:
                # metrics_step's memo answers nine syncs in ten from these numbers alone, so the
                # per-pod dicts are built only when it misses (see metrics_step)
                self._uniform = (len(cache.sampled_names), cpu_milli, memory_milli, rps_milli,
                                 total)
                self._samples = samples
                return pods, _IN_METRICS_STEP
            return pods, self._uniform_snapshot(samples)
        cpu: dict[str, PodSample] = {}
        memory: dict[str, PodSample] = {}
        rps: dict[str, PodSample] = {}
        for c in cohorts:
            if c.group < 0 or c.running_s + window_s > ts:
                continue  # a sample needs a full window of the container running
            ready_from = max(a, min(c.ready_tick, b))
            load = (cum_load[b] - cum_load[ready_from]) / window_ticks
            if needs_cpu:
                burst_end = c.running_s + wl.startup_cpu_s
                burst = max(0.0, min(ts, burst_end) - (ts - window_s)) / window_s
                usage = (wl.baseline_cpu_millicores + wl.startup_cpu_millicores * burst
                         + wl.cpu_millicores_per_rps * load)
                sample = PodSample(math.ceil(usage - 1e-9), at, over)
                cpu.update(zip(c.names, repeat(sample)))
            if needs_memory:
                sample = PodSample(_memory_milli(wl, load), at, over)
                memory.update(zip(c.names, repeat(sample)))
            if needs_pods:
                sample = PodSample(math.ceil(1000.0 * load - 1e-9), at, over)
                rps.update(zip(c.names, repeat(sample)))
        return pods, self._snapshot(cpu, memory, rps,
                                    self._totals(a, b) if needs_total else None)

    def _totals(self, a: int, b: int) -> tuple[int, int | None]:
        """What Object and External metrics read over the window of ticks ``[a, b)``, in
        milli-units: the total offered requests per second, and for queue-depth metrics the
        mean of the requests queued at each tick's end (``None`` when none is read)."""
        rate = math.ceil(1000.0 * (self.cum_offered[b] - self.cum_offered[a])
                         / self.window_ticks - 1e-9)
        if not self.needs.queued:
            return rate, None
        queued = math.fsum(self.backlog[a:b]) / self.window_ticks
        return rate, math.ceil(1000.0 * queued - 1e-9)

    def _uniform_snapshot(self, samples: tuple[Any, ...]) -> MetricsSnapshot:
        """The snapshot of a read where every sampled pod has the same samples: ``samples`` is
        (the pods' names, the CPU, memory and per-pod rps values, None for a metric not read,
        the Object / External values or None (:meth:`_totals`), the scrape time, the window)."""
        names, cpu_milli, memory_milli, rps_milli, total, at, over = samples
        cpu = memory = rps = _EMPTY  # a dict only for the metrics read: the rest share one
        if cpu_milli is not None:
            cpu = dict.fromkeys(names, new_record(PodSample, (cpu_milli, at, over)))
        if memory_milli is not None:
            memory = dict.fromkeys(names, PodSample(memory_milli, at, over))
        if rps_milli is not None:
            rps = dict.fromkeys(names, PodSample(rps_milli, at, over))
        return self._snapshot(cpu, memory, rps, total)

    def _snapshot(self, cpu: dict[str, PodSample], memory: dict[str, PodSample],
                  rps: dict[str, PodSample], totals: tuple[int, int | None] | None
                  ) -> MetricsSnapshot:
        """The snapshot of the per-pod samples read and the Object / External values (the total
        rps and the requests queued, :meth:`_totals`; None: not read)."""
        needs = self.needs
        if needs.cpu and not needs.memory:
            resource: dict[str, dict[str, PodSample]] = {"cpu": cpu}
        else:
            resource = {}
            if needs.cpu:
                resource["cpu"] = cpu
            if needs.memory:
                resource["memory"] = memory
        if totals is None:
            return new_record(MetricsSnapshot, (resource, _EMPTY, _EMPTY, _EMPTY, _EMPTY))
        total, queued = totals
        queue_names = needs.queued

        def value(name: str) -> int:
            return queued if queued is not None and name in queue_names else total

        return MetricsSnapshot(resource, _EMPTY, {name: rps for name in needs.pods},
                               {name: value(name) for name in needs.object},
                               {name: [value(name)] for name in needs.external})


    def metrics_step(self, hpa: HPASpec, spec_replicas: int, status_replicas: int,
                     pods: Sequence[Pod], metrics: MetricsSnapshot, now_s: float,
                     config: ControllerConfig) -> MetricsOutcome:
        """:func:`~infra_toolkit.hpa.compute_replicas_for_metrics` of the pods and metrics the
        last :meth:`read` gave, memoized (``reconcile``'s ``metrics_step``).

        When every pod is scheduled and settled, every pod is Running and Ready, counted ready
        (its one sample covers a full window after it turned Ready, and it is past any start-up
        burst), and has the same sample: the outcome is then a function of the pod count, the
        sample values, the total request rate and the two sizes, not of the time or the pods'
        names (the pods all have the run's requests), and a week of syncs reads a few thousand
        such inputs. Other reads are computed afresh.

        A uniform read hands ``reconcile`` a placeholder for ``metrics`` (building a dict of every
        pod's sample only to find the memo's answer would be most of a sync's cost): the
        snapshot is built here from the read's samples when the memo misses.
        """
        key = self._uniform
        if key is None:
            return compute_replicas_for_metrics(hpa, spec_replicas, status_replicas, pods,
                                                metrics, now_s, config)
        of = self._outcomes_of
        if not of or of[0] is not hpa or of[1] is not config:  # a view serves one HPA; if not,
            self._outcomes, self._outcomes_of = {}, (hpa, config)  # its memo starts afresh
        key = (key, spec_replicas, status_replicas)
        outcome = self._outcomes.get(key)
        if outcome is None:
            outcome = self._outcomes[key] = compute_replicas_for_metrics(
                hpa, spec_replicas, status_replicas, pods, self._uniform_snapshot(self._samples),
                now_s, config)
        return outcome


_NO_METRICS = MetricsSnapshot()  # before the first full metric window
_EMPTY: dict[Any, Any] = {}  # shared read-only: the controller never writes a snapshot
#: what a uniform read returns as its snapshot: only metrics_step reads it, and builds the real
#: one from the read's samples (an empty snapshot, so any other reader finds every metric missing)
_IN_METRICS_STEP = MetricsSnapshot()


def _memory_milli(wl: Any, load_rps: float) -> int:
    """A pod's memory sample in milli-bytes: its working set at ``load_rps``."""
    mib: float = wl.memory_baseline_mib + wl.memory_mib_per_rps * load_rps
    return math.ceil(mib * MIB_MILLI - 1e-3)


def _pods_of(c: Cohort, state: int, tick_s: int, requests: dict[str, int]) -> list[Pod]:
    if state == 0:  # Pending, unscheduled: no StartTime, no Ready condition
        return [Pod(n, "Pending", None, None, None, False, requests) for n in c.names]
    start = c.scheduled_s
    if state == 1:  # scheduled, pulling the image
        return [Pod(n, "Pending", False, start, start, False, requests) for n in c.names]
    if state == 2:  # Running, not Ready yet
        return [Pod(n, "Running", False, start, start, False, requests) for n in c.names]
    ready_s = float(c.ready_tick * tick_s)
    return [Pod(n, "Running", True, start, ready_s, False, requests) for n in c.names]
