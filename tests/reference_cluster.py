"""A deliberately simple reference model of one simulated Deployment, for differential tests
(audit16; tests/test_reference_cluster.py).

Written from the documented semantics (the docstrings of ``simulate``, ``workload``, ``nodes``
and ``time_to_capacity``, docs/DESIGN.md) and, where they are silent, from what the Kubernetes
components do; it shares no code with the simulator. Only the HPA decision is delegated to
:func:`infra_toolkit.hpa.reconcile`, verified against the Go sources on its own.

Every pod and every node is an object, and every tick a plain pass over them, in this order:

1. pods are placed on free slots of Ready nodes (oldest first, groups in list order); a node
   that turned Ready since the last tick took its pods at the instant it turned Ready;
2. a cluster-autoscaler scan (at ``k * scan_interval_s``) scales up, then down;
3. an HPA write (the end of a sync) and an HPA read (the start of one); new pods placed at once;
4. the tick's load goes to the Ready pods (a push consumer's queued up to ``queue_timeout_s``
   of their capacity, a pull consumer's up to the arrivals of the last ``queue_timeout_s``, the
   rest dropped), each Running pod's CPU over the tick is recorded;
5. metrics-server scrapes (at ``offset_s + k * resolution_s``) average each pod's CPU over the
   window before the scrape, rounded up to whole millicores as the HPA reads a quantity.

Choices where the documents are silent, each what the cluster does or, where the cluster has
no single answer, named here:

- a pod's phase changes (Running, Ready) take effect from the first tick at or after the instant
  they happen, each computed from the scheduling instant (Ready by :func:`ready_after_bind_s`,
  which walks the kubelet's probe ticks one by one); the start-up CPU burst and the first
  sample's full window count from the container's exact start;
- the warm initial pods have no start-up burst but, as no load exists before 0, need a full
  window from 0 for a first sample;
- scale-up: pending pods not fitting the room of Ready and coming nodes ask the first group in
  list order below ``max_size`` for ``ceil(pods / slots)`` nodes, capped at ``max_size``; one
  group a scan (cluster-autoscaler's ScaleUp takes one expander option a loop);
- scale-down: a group is unneeded while it has more Ready nodes than ``min_size``, its request
  utilization (the larger of CPU and memory) is below the threshold and all placed pods fit the
  cluster's Ready slots without one of its nodes; nothing is unneeded while a pod is Pending.
  Every timer is updated at every scan, the delay after a scale-up holding removals only
  (cluster-autoscaler updates its unneeded nodes before its ``scaleDownInCooldown`` check);
  then one node a scan goes, the last group in list order first, its pods (the group's oldest
  ``floor(pods / nodes)``: the model's choice) evicted and re-created Pending. With a
  validation wait (Karpenter's 15 s ``consolidationTTL``, ``consolidation_validation_s``) that
  group is only chosen, nothing else meanwhile; it goes at the first scan that long after if it
  could go then, else is dropped (and at any scan with a pod Pending). With a pod termination
  time (the group's ``pod_termination_s``, else the autoscaler's) the node, emptied, stays
  cordoned (no pod placed on it, its slots not counted) and billed that long, and no other
  node goes meanwhile.

Only what the differential test compares is modelled: one workload, one metric (Resource cpu,
a Pods metric ``rps`` read as each pod's served requests per second, or an External metric
``queue`` read as the offered requests per second, as ``controller_view`` documents them), no
memory model.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

from infra_toolkit.hpa import HPAState, MetricsSnapshot, Pod, PodSample, reconcile

__all__ = ["RefPod", "RefResult", "reference_run", "reference_time_to_capacity"]


@dataclass
class RefPod:
    uid: int
    created_s: float
    group: str | None = None  # the node group it runs on (None: unscheduled)
    node: int | None = None
    scheduled_s: float | None = None
    running_s: float | None = None  # on the tick grid
    ready_s: float | None = None  # on the tick grid
    gone_s: float = math.inf  # deleted or evicted
    warm: bool = False  # one of the run's initial pods
    cpu_ticks: dict[float, float] = field(default_factory=dict)  # tick -> millicores
    rps_ticks: dict[float, float] = field(default_factory=dict)  # tick -> rps served
    samples: dict[float, int] = field(default_factory=dict)  # scrape time -> milli-units

    def is_ready(self, t: float) -> bool:
        return self.ready_s is not None and self.ready_s <= t

    def is_running(self, t: float) -> bool:
        return self.running_s is not None and self.running_s <= t


@dataclass
class RefNode:
    uid: int
    group: str
    ready_s: float  # exact; counted Ready from the first tick at or after


@dataclass
class RefResult:
    tick_s: int
    rows: list[dict[str, float]]  # one per tick, the timeline's columns that are compared
    syncs: list[tuple[float, int, int]]  # (start, current, written)
    node_events: list[tuple[float, str, int, int]]  # (time, kind, from, to)
    writes: list[tuple[float, int]]  # (time, new spec replicas)
    scrapes: list[float]
    pods: list[RefPod]  # every pod ever created
    pod_hours: float
    node_hours_by_node_group: dict[str, float]
    offered_requests: float
    served_requests: float
    dropped_requests: float


def _on_grid(t: float, tick: int) -> float:
    """The first tick at or after ``t``."""
    return float(math.ceil(t / tick - 1e-9) * tick)


def ready_after_bind_s(w: Any) -> float:
    """Seconds from a pod's bind to its Ready, by walking the kubelet's probe workers tick by
    tick (pkg/kubelet/prober): each probes at the bind + k x its period, skips while the
    container has run less than its initial delay (a readiness probe also until the container
    is started), succeeds once the app is up (fails before), and reports after its success
    threshold of successes in a row; the pod syncs at the container's start and at its startup
    probe's success run a waiting readiness probe at once. No readiness probe: Ready when
    started. The container runs once pulled and the native sidecars before it started."""
    pull, app, eps = w.image_pull_s + w.sidecar_start_s, w.app_start_s, 1e-9

    def outcome(t: float, delay: float) -> bool | None:  # None: skipped
        if t + eps < pull or t - pull + eps < delay:
            return None
        return t - pull + eps >= app

    def first_run(probe: Any, extra: tuple[float, ...], gate: float) -> float:
        times = sorted({k * probe.period_s for k in range(
            int((pull + max(app, probe.initial_delay_s) + gate) / probe.period_s)
            + probe.success_threshold + 2)} | set(extra))
        run = 0
        for t in times:
            result = None if t + eps < gate else outcome(t, probe.initial_delay_s)
            if result is None:
                continue
            run = run + 1 if result else 0
            if run == probe.success_threshold:
                return t
        raise AssertionError("no success within the ticks walked")

    started = pull if w.startup_probe is None else first_run(w.startup_probe, (), 0.0)
    if w.readiness_probe is None:
        return started
    return first_run(w.readiness_probe, (pull, started), started)


def _on_node(w: Any) -> tuple[float, float]:
    """What one pod takes on a node (CPU millicores, memory MiB): the scheduler's request
    (PodRequests: init containers, no stand-in for a pod requesting no memory) where the
    workload gives one, else the request the HPA reads."""
    cpu, memory = w.schedule_cpu_millicores, w.schedule_memory_mib
    return (w.cpu_request_millicores if cpu is None else cpu,
            w.memory_request_mib if memory is None else memory)


def _slots(g: Any, w: Any) -> int:
    cpu, memory = _on_node(w)
    n = g.max_pods - g.daemonset_pods
    if cpu:  # a request of 0 leaves the count to the other resources
        n = min(n, int((g.vcpu * 1000 - g.reserved_cpu_millicores) // cpu))
    if memory:
        n = min(n, int((g.memory_gib * 1024 - g.reserved_memory_mib) // memory))
    return n if w.max_pods_per_node is None else min(n, w.max_pods_per_node)


class _Run:
    def __init__(self, rps_per_minute: list[float], spec: Any) -> None:
        self.rps, self.spec = rps_per_minute, spec
        self.w, self.ca, self.mp = spec.workload, spec.autoscaler, spec.metrics
        cadences = [spec.controller.sync_period_s, self.mp.resolution_s,
                    self.mp.sample_window_s, self.ca.scan_interval_s, self.mp.offset_s,
                    spec.sync_duration_s]
        self.tick = math.gcd(*(int(c) for c in cadences if c))
        assert 60 % self.tick == 0, "the curve is one rate a minute"
        self.groups = list(spec.node_groups)
        self.slots = {g.name: _slots(g, self.w) for g in self.groups}
        self.nodes: list[RefNode] = []
        self.pods: list[RefPod] = []
        self.every_pod: list[RefPod] = []
        self.serial = 0
        self.node_events: list[tuple[float, str, int, int]] = []
        self.writes: list[tuple[float, int]] = []
        self.unneeded_since: dict[str, float | None] = {g.name: None for g in self.groups}
        # seconds an emptied node of each group stays cordoned: the group's own wait, else the
        # autoscaler's
        self.termination_s = {g.name: self.ca.pod_termination_s if g.pod_termination_s is None
                              else g.pod_termination_s for g in self.groups}
        self.command: tuple[str, float] | None = None  # group chosen, scan that chose it
        self.cordoned: RefNode | None = None  # emptied, its pods terminating
        self.cordoned_at = 0.0
        self.last_scale_up = -math.inf
        self.spec_replicas = spec.initial_replicas
        (metric,) = spec.hpa.metrics  # Resource cpu, Pods "rps" or External "queue"
        self.metric = metric.type
        self.external: dict[float, int] = {}  # scrape time -> mean offered rps (milli)

    def new_uid(self) -> int:
        self.serial += 1
        return self.serial

    def new_pod(self, t: float, **kw: Any) -> RefPod:
        p = RefPod(self.new_uid(), t, **kw)
        self.pods.append(p)
        self.every_pod.append(p)
        return p

    def gone(self, p: RefPod, t: float) -> None:
        self.pods.remove(p)
        p.gone_s = t

    # ---- placement ----------------------------------------------------------------------
    def used(self) -> dict[int, int]:
        used: dict[int, int] = {}
        for p in self.pods:
            if p.node is not None:
                used[p.node] = used.get(p.node, 0) + 1
        return used

    def place(self, t: float, initial: bool = False) -> bool:
        """Unscheduled pods, oldest first, onto free slots of Ready nodes, groups in list
        order, the least used node of a group first. Whether every pod is placed."""
        used, w, tick = self.used(), self.w, self.tick
        ready = [n for n in self.nodes if n.ready_s <= t and n is not self.cordoned]
        for p in sorted((p for p in self.pods if p.node is None), key=lambda p: p.uid):
            for g in self.groups:
                free = [n for n in ready if n.group == g.name
                        and used.get(n.uid, 0) < self.slots[g.name]]
                if not free:
                    continue
                n = min(free, key=lambda n: (used.get(n.uid, 0), n.uid))
                used[n.uid] = used.get(n.uid, 0) + 1
                p.node, p.group = n.uid, g.name
                if not initial:
                    p.scheduled_s = max(p.created_s, n.ready_s) if n.ready_s > t - tick else t
                    p.running_s = _on_grid(p.scheduled_s + w.image_pull_s + w.sidecar_start_s,
                                           tick)
                    p.ready_s = _on_grid(p.scheduled_s + ready_after_bind_s(w), tick)
                break
        return all(p.node is not None for p in self.pods)

    def start(self) -> None:
        """The warm start: each group's min_size nodes, then nodes for the pods they lack."""
        count = {g.name: g.min_size for g in self.groups}
        short = self.spec.initial_replicas - sum(count[g.name] * self.slots[g.name]
                                                 for g in self.groups)
        for g in self.groups:
            add = max(0, min(g.max_size - count[g.name], math.ceil(short / self.slots[g.name])))
            count[g.name] += add
            short -= add * self.slots[g.name]
        for g in self.groups:
            self.nodes += [RefNode(self.new_uid(), g.name, 0.0) for _ in range(count[g.name])]
        for _ in range(self.spec.initial_replicas):
            self.new_pod(0.0, scheduled_s=0.0, running_s=0.0, ready_s=0.0, warm=True)
        if not self.place(0.0, initial=True):
            raise ValueError("the initial pods do not fit the node groups at max_size")

    # ---- the HPA's writes ---------------------------------------------------------------
    def scale(self, t: float, desired: int) -> None:
        self.writes.append((t, desired))
        while len(self.pods) < desired:
            self.new_pod(t)

        def rank(p: RefPod) -> tuple[int, int]:  # ReplicaSet order; newest first in each
            return (0 if p.node is None else 2 if p.is_ready(t) else 1, -p.uid)

        for p in sorted(self.pods, key=rank)[:max(0, len(self.pods) - desired)]:
            self.gone(p, t)
        self.spec_replicas = desired
        self.place(t)

    # ---- the cluster autoscaler ---------------------------------------------------------
    def scan(self, t: float) -> None:
        node = self.cordoned
        if node is not None and t - self.cordoned_at >= self.termination_s[node.group]:
            n = sum(1 for nd in self.nodes if nd.group == node.group and nd.ready_s <= t)
            self.nodes.remove(node)
            self.cordoned = None
            self.node_events.append((t, f"node_scale_down:{node.group}", n, n - 1))
        if any(p.node is None for p in self.pods):
            self.command = None
        self.scale_up(t)
        self.scale_down(t)
        self.place(t)

    def scale_up(self, t: float) -> None:
        pending = sum(1 for p in self.pods if p.node is None)
        used = self.used()
        room = sum(self.slots[n.group] - used.get(n.uid, 0) for n in self.nodes
                   if n is not self.cordoned)
        need = pending - room
        if pending == 0 or need <= 0:
            return
        for g in self.groups:
            have = sum(1 for n in self.nodes if n.group == g.name)
            if have >= g.max_size:
                continue
            add = min(g.max_size - have, math.ceil(need / self.slots[g.name]))
            ready_s = t + self.ca.provisioning_delay_s
            self.nodes += [RefNode(self.new_uid(), g.name, ready_s) for _ in range(add)]
            self.node_events.append((t, f"node_scale_up:{g.name}", have, have + add))
            self.last_scale_up = t
            return  # one group a scan

    def scale_down(self, t: float) -> None:
        ca, w = self.ca, self.w
        pending = any(p.node is None for p in self.pods)
        placed = sum(1 for p in self.pods if p.node is not None)
        ready = [n for n in self.nodes if n.ready_s <= t and n is not self.cordoned]
        total_slots = sum(self.slots[n.group] for n in ready)
        may_go = []
        for g in reversed(self.groups):  # every timer first, on the scan's state
            n = sum(1 for nd in ready if nd.group == g.name)
            on_g = sum(1 for p in self.pods if p.group == g.name)
            unneeded = not pending and n > g.min_size
            if unneeded:
                pod_cpu, pod_memory = _on_node(w)
                # cluster-autoscaler's utilization: the node's pods' and DaemonSets' requests
                # over the kubelet's allocatable (capacity less the reserve that is not the
                # DaemonSets')
                cpu = ((on_g * pod_cpu / n + g.daemonset_cpu_millicores)
                       / (g.vcpu * 1000 - g.reserved_cpu_millicores
                          + g.daemonset_cpu_millicores))
                memory = ((on_g * pod_memory / n + g.daemonset_memory_mib)
                          / (g.memory_gib * 1024 - g.reserved_memory_mib
                             + g.daemonset_memory_mib))
                unneeded = (max(cpu, memory) < ca.scale_down_utilization_threshold
                            and placed <= total_slots - self.slots[g.name])
            if not unneeded:
                self.unneeded_since[g.name] = None
                continue
            since = self.unneeded_since[g.name]
            if since is None:
                since = self.unneeded_since[g.name] = t
            if (t - since >= ca.scale_down_unneeded_s and self.cordoned is None
                    and t - self.last_scale_up >= ca.scale_down_delay_after_add_s):
                may_go.append(g)
        if self.command is not None:
            name, chosen_at = self.command
            if t - chosen_at < ca.consolidation_validation_s:
                return
            self.command = None
            fired = next((g for g in may_go if g.name == name), None)
            if fired is None:
                return
        elif not may_go:
            return
        elif ca.consolidation_validation_s > 0:
            self.command = (may_go[0].name, t)
            return
        else:
            fired = may_go[0]
        g = fired
        ready_g = [nd for nd in ready if nd.group == g.name]
        on_g_pods = sorted((p for p in self.pods if p.group == g.name), key=lambda p: p.uid)
        victim = max(ready_g, key=lambda nd: nd.uid)
        if self.termination_s[g.name] > 0:
            self.cordoned, self.cordoned_at = victim, t
        else:
            self.nodes.remove(victim)
        for p in on_g_pods[:len(on_g_pods) // len(ready_g)]:
            self.gone(p, t)  # evicted: the ReplicaSet re-creates it, Pending
            self.new_pod(t)
        keep = next((nd for nd in ready_g if nd is not victim), None)
        for p in self.pods:  # only per-group counts matter: the survivors move over
            if p.node == victim.uid and keep is not None:
                p.node = keep.uid
        if self.cordoned is None:
            self.node_events.append((t, f"node_scale_down:{g.name}", len(ready_g),
                                     len(ready_g) - 1))

    # ---- what the HPA reads -------------------------------------------------------------
    def hpa_pod(self, p: RefPod, t: float) -> Pod:
        req = {"cpu": int(self.w.cpu_request_millicores)}
        name = f"p{p.uid}"
        if p.node is None:  # unscheduled: no StartTime, no Ready condition
            return Pod(name, "Pending", None, None, None, requests_milli=req)
        if not p.is_running(t):  # pulling the image: Pending with a StartTime
            return Pod(name, "Pending", False, p.scheduled_s, p.scheduled_s, requests_milli=req)
        if p.is_ready(t):
            return Pod(name, "Running", True, p.scheduled_s, p.ready_s, requests_milli=req)
        return Pod(name, "Running", False, p.scheduled_s, p.scheduled_s, requests_milli=req)

    def exact_start(self, p: RefPod) -> float:
        assert p.running_s is not None and p.scheduled_s is not None
        return p.running_s if p.warm else (p.scheduled_s + self.w.image_pull_s
                                           + self.w.sidecar_start_s)

    def scrape(self, t: float) -> None:
        """One scrape: each pod's mean CPU (millicores) or, for a Pods metric, its mean served
        rps (milli-units) over the window; an External metric's mean offered rps (milli)."""
        w, window, tick = self.w, self.mp.sample_window_s, self.tick
        ticks = [t - window + k * tick for k in range(int(window // tick))]
        if ticks[0] < 0:
            return  # no full window of the run yet: the metrics APIs return nothing
        offered = sum(self.rps[int(u // 60)] for u in ticks) / len(ticks)
        self.external[t] = math.ceil(1000.0 * offered - 1e-9)
        for p in self.pods:
            if p.running_s is None or self.exact_start(p) + window > t:
                continue  # a sample needs a full window of the container running
            if self.metric == "Pods":
                rps = sum(p.rps_ticks.get(u, 0.0) for u in ticks) / len(ticks)
                p.samples[t] = math.ceil(1000.0 * rps - 1e-9)
                continue
            usage = sum(p.cpu_ticks.get(u, 0.0) for u in ticks) / len(ticks)
            if not p.warm:  # the burst's seconds inside the window
                start = self.exact_start(p)
                inside = min(t, start + w.startup_cpu_s) - max(t - window, start)
                usage += w.startup_cpu_millicores * max(0.0, inside) / window
            p.samples[t] = math.ceil(usage - 1e-9)  # MilliValue() rounds up

    def snapshot(self, t: float) -> MetricsSnapshot:
        """What the metrics APIs return at a sync: the latest scrape at or before it."""
        window = float(self.mp.sample_window_s)
        samples = {}
        for p in self.pods:
            seen = [s for s in p.samples if s <= t]
            if seen:
                s = max(seen)
                samples[f"p{p.uid}"] = PodSample(p.samples[s], s, window)
        seen = [s for s in self.external if s <= t]
        if not seen:
            return MetricsSnapshot()
        if self.metric == "Pods":
            return MetricsSnapshot(pods={"rps": samples})
        if self.metric == "External":
            return MetricsSnapshot(external={"queue": [self.external[max(seen)]]})
        return MetricsSnapshot(resource={"cpu": samples})

    # ---- the run ------------------------------------------------------------------------
    def run(self) -> RefResult:
        spec, w, tick = self.spec, self.w, self.tick
        period, duration = spec.controller.sync_period_s, 60 * len(self.rps)
        self.start()
        state = HPAState()
        next_sync, write_at = float(period), None  # write_at: (time, replicas)
        desired = spec.initial_replicas  # the latest metric proposal
        backlog = pod_seconds = 0.0
        history: list[tuple[float, float]] = []  # (start s, requests arrived) of each tick
        totals = {"offered": 0.0, "served": 0.0, "dropped": 0.0}
        node_seconds = {g.name: 0.0 for g in self.groups}
        rows: list[dict[str, float]] = []
        syncs: list[tuple[float, int, int]] = []
        scrapes: list[float] = []
        t = 0.0
        while t < duration:
            self.place(t)
            if t > 0 and t % self.ca.scan_interval_s == 0:
                self.scan(t)
            if write_at is not None and write_at[0] == t:
                if write_at[1] != self.spec_replicas:
                    self.scale(t, write_at[1])
                write_at = None
            if t == next_sync:
                current = self.spec_replicas
                res = reconcile(spec.hpa, current, [self.hpa_pod(p, t) for p in self.pods],
                                self.snapshot(t), state, t, spec.controller)
                state = res.state
                if res.metric_desired_replicas is not None:
                    desired = res.metric_desired_replicas
                written = res.desired_replicas if res.scale_updated else current
                syncs.append((t, current, written))
                end = t + spec.sync_duration_s
                if end < duration:  # a write at or after the end of the run is not made
                    if end == t:
                        if written != self.spec_replicas:
                            self.scale(t, written)
                    else:
                        write_at = (end, written)
                next_sync = end + period
            # the load of [t, t + tick)
            ready = [p for p in self.pods if p.is_ready(t)]
            ready_ids = {id(p) for p in ready}
            capacity_rps = len(ready) * w.capacity_rps_per_pod
            arrived = self.rps[int(t // 60)] * tick
            served = min(backlog + arrived, capacity_rps * tick)
            left = backlog + arrived - served
            history.append((t, arrived))
            if w.consumer == "pull":
                # the broker keeps a message until it is queue_timeout_s old; served oldest
                # first, what is left is the newest: keep those that arrived in the window
                # (end - timeout, end], each tick's arrivals spread evenly over the tick
                end = t + tick
                kept = sum(a * max(0.0, min(s + tick, end) - max(s, end - w.queue_timeout_s))
                           / tick for s, a in history[-int(w.queue_timeout_s // tick) - 2:])
            else:  # a request waiting longer than what the Ready pods serve in the timeout
                kept = capacity_rps * w.queue_timeout_s
            dropped = max(0.0, left - kept)
            backlog = left - dropped
            per_pod_rps = served / tick / len(ready) if ready else 0.0
            for p in self.pods:
                if p.is_running(t):  # the start-up burst is added at the scrape
                    served_by_p = per_pod_rps if id(p) in ready_ids else 0.0
                    p.rps_ticks[t] = served_by_p
                    p.cpu_ticks[t] = (w.baseline_cpu_millicores
                                      + w.cpu_millicores_per_rps * served_by_p)
            totals["offered"] += arrived
            totals["served"] += served
            totals["dropped"] += dropped
            row = {"time_s": t, "spec_replicas": self.spec_replicas, "ready_pods": len(ready),
                   "desired_replicas": desired,
                   # Pending: unscheduled or pulling the image; starting: Running, not Ready
                   "starting_pods": sum(1 for p in self.pods
                                        if p.is_running(t) and id(p) not in ready_ids),
                   "pending_pods": sum(1 for p in self.pods if not p.is_running(t)),
                   "served_rps": served / tick, "dropped_rps": dropped / tick,
                   "backlog_requests": backlog}
            for g in self.groups:
                ready_g = sum(1 for n in self.nodes if n.group == g.name and n.ready_s <= t)
                coming_g = sum(1 for n in self.nodes if n.group == g.name and n.ready_s > t)
                row[f"nodes_{g.name}"] = ready_g
                row[f"launching_nodes_{g.name}"] = coming_g
                node_seconds[g.name] += (ready_g + coming_g) * tick
            pod_seconds += self.spec_replicas * tick
            rows.append(row)
            t += tick
            if t >= self.mp.offset_s and (t - self.mp.offset_s) % self.mp.resolution_s == 0:
                scrapes.append(t)
                self.scrape(t)
        return RefResult(tick, rows, syncs, self.node_events, self.writes, scrapes,
                         self.every_pod, pod_seconds / 3600,
                         {k: v / 3600 for k, v in node_seconds.items()},
                         totals["offered"], totals["served"], totals["dropped"])


def reference_run(rps_per_minute: list[float], spec: Any) -> RefResult:
    """Run ``spec`` (a ``SimulationSpec`` with one CPU Utilization metric) over a traffic curve
    given as one request rate (rps) per minute."""
    return _Run(rps_per_minute, spec).run()


def _on_nodes(pods: list[RefPod], t: float, tick: int) -> int:
    """Pods on a node at tick ``t``: scheduled (from the tick at or after) and not yet gone."""
    return sum(1 for p in pods if p.scheduled_s is not None and p.gone_s > t
               and _on_grid(p.scheduled_s, tick) <= t)


def reference_time_to_capacity(ref: RefResult, spec: Any, rps_per_minute: list[float]
                               ) -> list[tuple[float, float, str, dict[str, float]]]:
    """Under-capacity episodes (offered rps above Ready pods x capacity) as ``(start, end,
    closed_by, parts)``, from :class:`TimeToCapacity`'s definitions: the closing pod is the
    first, in creation order, of the pods turning Ready at the end whose capacity covers the
    load; its milestones (the first scrape after the start, the end of the first sync starting
    at or after it, either no later than the write that created it; that write, its
    scheduling, Ready) split the episode, each clamped between the previous one and the end.
    With no closing pod the write is the first tick whose spec covered the load and the
    scheduling the first tick from there with that many pods on nodes. The seconds at
    maxReplicas (spec at it and short of the load) come out of the parts before the write,
    those with every group at max_size Ready nodes out of node provisioning."""
    tick, cap, max_replicas = ref.tick_s, spec.workload.capacity_rps_per_pod, spec.hpa.max_replicas
    rows = ref.rows
    offered = [rps_per_minute[int(r["time_s"] // 60)] for r in rows]
    need = [math.ceil(o / cap - 1e-9) for o in offered]
    under = [o > r["ready_pods"] * cap for o, r in zip(offered, rows, strict=True)]
    at_max_replicas = [max_replicas <= r["spec_replicas"] < n
                       for r, n in zip(rows, need, strict=True)]
    at_max_nodes = [all(r[f"nodes_{g.name}"] >= g.max_size for g in spec.node_groups)
                    for r in rows]

    def seconds(flags: list[bool], a: float, b: float) -> float:
        return float(sum(min(b, (u + 1) * tick) - max(a, u * tick)
                         for u in range(int(a // tick), math.ceil(b / tick - 1e-9))
                         if u < len(flags) and flags[u]))

    out = []
    i = 0
    while i < len(rows):
        if not under[i]:
            i += 1
            continue
        j = i
        while j < len(rows) and under[j]:
            j += 1
        start, end = float(i * tick), float(j * tick)
        closer = None
        if j < len(rows):
            turning = sorted((p for p in ref.pods if p.ready_s == end and p.gone_s > end),
                             key=lambda p: p.uid)
            for k, p in enumerate(turning):
                if (rows[j - 1]["ready_pods"] + k + 1) * cap >= offered[j]:
                    closer = p
                    break
        closed_by = "end" if j == len(rows) else "pods" if closer else "load"
        write = scheduled = math.inf
        if closer is not None:
            assert closer.scheduled_s is not None
            write, scheduled = closer.created_s, closer.scheduled_s
        else:
            asked = [u for u in range(i, j) if rows[u]["spec_replicas"] >= need[u]]
            if asked:
                write = float(asked[0] * tick)
                on = [u for u in range(asked[0], j)
                      if _on_nodes(ref.pods, u * tick, tick) >= need[u]]
                scheduled = float(on[0] * tick) if on else math.inf
        scrape = min((x for x in ref.scrapes if x > start), default=math.inf)
        sync_end = min((a for a, _, _ in ref.syncs if a >= scrape), default=math.inf)
        # a write before the scrape or the sync end (the closing pod created before the episode,
        # e.g. the replacement of an evicted pod) waited for neither: they end at the write
        marks = [start]
        for m in (min(scrape, write), min(sync_end + spec.sync_duration_s, write), write,
                  scheduled, end):
            marks.append(min(end, max(marks[-1], m)))
        parts = {}
        for name, a, b in (("metric_lag_s", marks[0], marks[1]),
                           ("sync_wait_s", marks[1], marks[2]),
                           ("controller_hold_s", marks[2], marks[3])):
            parts[name] = (b - a) - seconds(at_max_replicas, a, b)
        parts["at_max_replicas_s"] = seconds(at_max_replicas, marks[0], marks[3])
        parts["at_max_nodes_s"] = seconds(at_max_nodes, marks[3], marks[4])
        parts["node_provisioning_s"] = (marks[4] - marks[3]) - parts["at_max_nodes_s"]
        parts["pod_startup_s"] = marks[5] - marks[4]
        out.append((start, end, closed_by, parts))
        i = j
    return out


def _erlang_c(c: int, load: float) -> float:
    """Probability of waiting in M/M/c with offered load ``load = lambda / mu`` (< c)."""
    term, total = 1.0, 1.0  # sum of load^k / k! for k < c
    for k in range(1, c):
        term *= load / k
        total += term
    last = term * load / c  # load^c / c!
    tail = last * c / (c - load)
    return tail / (total + tail)


@functools.cache
def _response_time_s(q: float, lam: float, mu: float, c: int) -> float:
    """The q-quantile of the M/M/c response time (wait + service), by bisection."""
    wait = _erlang_c(c, lam / mu)
    theta = c * mu - lam

    def above(t: float) -> float:  # P(T > t)
        if math.isclose(theta, mu, rel_tol=1e-12):
            return (1 - wait) * math.exp(-mu * t) + wait * (1 + mu * t) * math.exp(-mu * t)
        return ((1 - wait) * math.exp(-mu * t)
                + wait * (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu))

    lo, hi = 0.0, 1.0 / mu
    while above(hi) > 1 - q:
        hi *= 2
    for _ in range(100):
        mid = (lo + hi) / 2
        if above(mid) > 1 - q:
            lo = mid
        else:
            hi = mid
    return hi


def reference_latency(ref: RefResult, spec: Any, rps_per_minute: list[float]
                      ) -> list[dict[str, float | bool]]:
    """Per tick the p50 / p95 / p99 response times (ms) of ``latency``'s documented model (each
    Ready pod an M/M/c queue at an even share of the served load, its utilization capped at
    0.99, plus the backlog's wait ``backlog / capacity``; with no Ready pod infinite if requests
    arrive, NaN if none), whether the cap was hit, and the SLO flag (p95 above the SLO, requests
    dropped, or the cap hit). A pull consumer (``workload.consumer == "pull"``) waits only in
    the external queue, which the M/M/c wait and the backlog's wait both estimate: each
    percentile is the larger of the M/M/c value and the exponential service time's,
    ``-ln(1 - q) / mu`` in closed form, plus the backlog's wait (never their sum), and the cap
    is not flagged (its SLO is judged on the p95)."""
    w = spec.workload
    c, cap = w.concurrency, w.capacity_rps_per_pod
    mu = cap / c
    pull = w.consumer == "pull"
    out = []
    for row in ref.rows:
        ready = int(row["ready_pods"])
        if ready == 0:
            arrive = rps_per_minute[int(row["time_s"] // 60)] > 0 or row["backlog_requests"] > 0
            value = math.inf if arrive else math.nan
            out.append({"p50": value, "p95": value, "p99": value, "saturated": False,
                        "violated": arrive or row["dropped_rps"] > 0})
            continue
        lam = row["served_rps"] / ready
        saturated = lam >= 0.99 * cap
        lam = min(lam, 0.99 * cap)
        wait_ms = 1000.0 * row["backlog_requests"] / (ready * cap)
        if pull:
            p = {f"p{q}": max(1000.0 * _response_time_s(q / 100, lam, mu, c),
                              1000.0 * -math.log(1 - q / 100) / mu + wait_ms)
                 for q in (50, 95, 99)}
            saturated = False
        else:
            p = {f"p{q}": 1000.0 * _response_time_s(q / 100, lam, mu, c) + wait_ms
                 for q in (50, 95, 99)}
        out.append({**p, "saturated": saturated,
                    "violated": (p["p95"] > w.slo_p95_latency_ms or row["dropped_rps"] > 0
                                 or saturated)})
    return out
