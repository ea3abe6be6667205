"""What one pod of the Deployment needs, does and takes to start, and how its metrics are seen.

A pod serves at most ``capacity_rps_per_pod`` requests per second with ``concurrency`` requests
in parallel; serving ``x`` rps costs ``baseline_cpu_millicores + cpu_millicores_per_rps * x``
millicores of CPU (``cpu_millicores_per_rps`` is the CPU time of one request in milliseconds).
For memory-based HPA metrics a pod's working set is ``memory_baseline_mib +
memory_mib_per_rps * x`` MiB (``memory_baseline_mib=None``: no memory model, and an HPA memory
metric cannot be simulated).
A pod's life, with each delay a parameter in seconds::

    created (HPA sync) -> Pending until a node has room -> scheduled (StartTime)
    -> image_pull_s (+ sidecar_start_s: native sidecars' startup probes)
    -> Running (uses CPU: baseline + startup burst for startup_cpu_s)
    -> app up app_start_s later -> Ready (receives traffic, counts as capacity) at the
       readiness probe's first success on its grid (:mod:`infra_toolkit.readiness`)
"""

from __future__ import annotations

from dataclasses import dataclass

from infra_toolkit.errors import SpecError, quoted
from infra_toolkit.latency import CONSUMERS
from infra_toolkit.readiness import (
    MAX_STARTUP_DELAY_S,
    STARTUP_DELAY_RULE,
    Probe,
    seconds_to_ready,
)
from infra_toolkit.spec_checks import require_at_most, require_finite, require_whole

__all__ = ["MAX_CONCURRENCY", "MAX_STARTUP_DELAY_S", "MetricsPipelineSpec", "STARTUP_DELAY_RULE",
           "WorkloadSpec"]

MAX_CONCURRENCY = 10_000
#: The longest a request or message may wait for a pod, s: Amazon SQS deletes a message after
#: its retention period, at most 14 days (MessageRetentionPeriod 1,209,600 s), and a request
#: through a load balancer is cut sooner (an ALB's idle timeout is at most 4,000 s). The plan
#: ties no workload to its load balancer's idle timeout, so the queue's bound is the one that
#: holds for both; a timeout past a scenario's end only means nothing is dropped, as any longer.
_MAX_QUEUE_TIMEOUT_S = 1_209_600
_QUEUE_TIMEOUT_RULE = ("no AWS queue holds a message longer (SQS's longest retention, 14 "
                       "days; an ALB cuts a request at its idle timeout, at most 4,000 s); check "
                       "the value and its unit (seconds)")
_STARTUP_DELAYS = ("image_pull_s", "app_start_s", "startup_cpu_s", "sidecar_start_s")
_MAX_POD_USAGE = 1e12  # millicores of CPU or MiB of memory one pod may use (a billion cores)
#: The fewest requests per second a pod may serve: one a day. A slower pod serves nothing in a
#: scenario (a day or two long), so a smaller figure is a slip of unit; 5e-324 underflowed the
#: latency model's rates to 0 (ZeroDivisionError).
_MIN_CAPACITY_RPS = 1 / MAX_STARTUP_DELAY_S


@dataclass(frozen=True)
class WorkloadSpec:
    """One Deployment's pods: requests, throughput, CPU model, start-up delays and the SLO.

    Units are in the names: millicores, MiB, requests per second, seconds, milliseconds.
    ``queue_timeout_s`` is how long a request may wait for a free pod before it is dropped
    (0 = load above ready capacity is dropped at once): a push consumer queues what its Ready
    pods serve in that time, a pull consumer the messages of its last that many seconds
    (:mod:`infra_toolkit.request_queue`). ``slo_p95_latency_ms`` is the p95
    latency threshold a step must stay under to meet the SLO (a step whose Ready pods are at the
    latency model's utilization cap fails it whatever its p95, a lower bound there);
    ``slo_p50_latency_ms`` / ``slo_p99_latency_ms`` the p50 / p99 thresholds when the SLOs set
    them (``None``: not judged). A step over any of them violates the SLO
    (:attr:`slo_latency_ms`: the summary's ``slo_violation_minutes``).
    ``max_pods_per_node`` caps the pods of this workload one node holds whatever room their
    requests leave (1: a required pod anti-affinity on ``kubernetes.io/hostname`` against its
    own pods, :mod:`infra_toolkit.pod_anti_affinity`); ``None``: no cap.
    ``readiness_probe`` / ``startup_probe``: the timing of the probes of the container that is
    Ready last (``None``: none), which with ``image_pull_s``, ``sidecar_start_s`` and
    ``app_start_s`` give :attr:`startup_s` (:func:`~infra_toolkit.readiness.seconds_to_ready`).
    ``sidecar_start_s``: the seconds after the image pull that container starts, the native
    sidecars before it started (their startup probes,
    :func:`~infra_toolkit.readiness.containers_running_s`; 0 without); the pod runs (uses CPU)
    from :attr:`running_s`.
    ``queue_depth_metrics``: names of the HPA's Object or External metrics that count the
    messages waiting (SQS ``ApproximateNumberOfMessagesVisible``), read as the requests queued
    (the backlog within ``queue_timeout_s``, a mean over the sample window) rather than as the
    offered rate, as every other such metric is.
    ``consumer``: how requests reach the pods, ``"push"`` (a load balancer sends them; a step at
    the latency model's utilization cap fails the SLO, above) or ``"pull"`` (queue workers take
    a message when a slot is free: a message's latency is the larger of the M/M/c value and its
    service time plus the backlog's wait, judged on its value; :mod:`infra_toolkit.latency`).

    Two requests of one pod: ``cpu_request_millicores`` / ``memory_request_mib`` are the HPA's
    (the containers' sum, its utilization denominator and the memory model's; 256 MiB stands in
    for a pod requesting no memory). ``schedule_cpu_millicores`` / ``schedule_memory_mib`` are
    the scheduler's (``PodRequests``: the larger of that sum and each one-shot init container
    with the native sidecars started before it; 0 memory for containers requesting none), which
    nodes are packed, filled and emptied by; ``None``: the HPA's. Packing code reads
    :attr:`packed_cpu_millicores` / :attr:`packed_memory_mib`, which resolve the ``None``.
    """

    cpu_request_millicores: int
    capacity_rps_per_pod: float
    cpu_millicores_per_rps: float
    memory_request_mib: float = 256.0
    baseline_cpu_millicores: float = 0.0
    startup_cpu_millicores: float = 0.0
    startup_cpu_s: float = 0.0
    concurrency: int = 1
    image_pull_s: float = 10.0
    app_start_s: float = 20.0
    readiness_probe: Probe | None = Probe(initial_delay_s=5.0)
    startup_probe: Probe | None = None
    queue_timeout_s: float = 0.0
    slo_p95_latency_ms: float = 500.0
    name: str = "app"
    memory_baseline_mib: float | None = None
    memory_mib_per_rps: float = 0.0
    max_pods_per_node: int | None = None
    schedule_cpu_millicores: float | None = None
    schedule_memory_mib: float | None = None
    sidecar_start_s: float = 0.0
    queue_depth_metrics: tuple[str, ...] = ()
    consumer: str = CONSUMERS[0]
    slo_p50_latency_ms: float | None = None
    slo_p99_latency_ms: float | None = None

    def __post_init__(self) -> None:
        o = f"workload {quoted(self.name)}"
        if self.consumer not in CONSUMERS:
            raise SpecError(f"{o}.consumer (={self.consumer!r}) must be one of "
                            f"{', '.join(CONSUMERS)}: 'pull' for queue workers that take a "
                            "message when a slot is free, 'push' (default) for pods a load "
                            "balancer sends requests to")
        object.__setattr__(self, "queue_depth_metrics", tuple(self.queue_depth_metrics))
        if self.queue_depth_metrics and not self.queue_timeout_s > 0:
            # with no wait allowed, load above the Ready pods' capacity is dropped at once: no
            # request is ever queued, so such a metric would read 0 and never scale
            raise SpecError(f"{o}.queue_depth_metrics ({', '.join(self.queue_depth_metrics)}) "
                            "read the requests waiting in the queue, but queue_timeout_s is 0, "
                            "so none ever wait (load above capacity is dropped at once); set "
                            "queue_timeout_s to how long a message may wait in the queue")
        for name in ("cpu_request_millicores", "capacity_rps_per_pod", "memory_request_mib",
                     "slo_p95_latency_ms"):
            require_finite(f"{o}.{name}", getattr(self, name), 0, strict=True)
        for name in ("cpu_millicores_per_rps", "baseline_cpu_millicores", "startup_cpu_millicores",
                     "startup_cpu_s", "image_pull_s", "app_start_s",
                     "queue_timeout_s", "memory_mib_per_rps", "sidecar_start_s"):
            require_finite(f"{o}.{name}", getattr(self, name), 0)
        for name in ("memory_baseline_mib", "schedule_cpu_millicores", "schedule_memory_mib"):
            if getattr(self, name) is not None:
                require_finite(f"{o}.{name}", getattr(self, name), 0)
        for name in ("slo_p50_latency_ms", "slo_p99_latency_ms"):
            if getattr(self, name) is not None:
                require_finite(f"{o}.{name}", getattr(self, name), 0, strict=True)
        require_at_most(f"{o}.queue_timeout_s", self.queue_timeout_s, _MAX_QUEUE_TIMEOUT_S,
                        "s", _QUEUE_TIMEOUT_RULE)
        for name in _STARTUP_DELAYS:
            require_at_most(f"{o}.{name}", getattr(self, name), MAX_STARTUP_DELAY_S, "s",
                            STARTUP_DELAY_RULE)
        if self.capacity_rps_per_pod < _MIN_CAPACITY_RPS:
            raise SpecError(f"{o}.capacity_rps_per_pod (={self.capacity_rps_per_pod:g}) must be "
                            f"at least {_MIN_CAPACITY_RPS:.3g} (one request a day): a slower pod "
                            "serves nothing in a scenario; check the value and its unit "
                            "(requests per second)")
        require_whole(f"{o}.concurrency", self.concurrency, 1)
        if self.max_pods_per_node is not None:
            require_whole(f"{o}.max_pods_per_node", self.max_pods_per_node, 1)
        # a pod's samples are whole (milli)units: a finite but huge product overflowed them
        # (OverflowError deep in the controller view); no node holds a billion cores or MiB
        cap = self.capacity_rps_per_pod
        for what, unit, total, terms in (
                ("CPU", "millicores", self.baseline_cpu_millicores + self.startup_cpu_millicores
                 + self.cpu_millicores_per_rps * cap,
                 "baseline_cpu_millicores + startup_cpu_millicores + cpu_millicores_per_rps"),
                ("memory", "MiB", (self.memory_baseline_mib or 0.0)
                 + self.memory_mib_per_rps * cap, "memory_baseline_mib + memory_mib_per_rps")):
            if not total <= _MAX_POD_USAGE:
                raise SpecError(f"{o}: at capacity_rps_per_pod (={cap:g}) a pod would use "
                                f"{total:.3g} {unit} of {what} ({terms} x capacity_rps_per_pod), "
                                f"more than {_MAX_POD_USAGE:.0e}; check the units")
        if self.concurrency > MAX_CONCURRENCY:
            # the M/M/c latency model costs one Erlang-B step per slot, and past a few thousand
            # slots a pod's queueing no longer changes: a bound keeps a typo from hanging a run
            raise SpecError(f"{o}.concurrency (={self.concurrency}) must be at most "
                            f"{MAX_CONCURRENCY:,} requests in parallel per pod")

    @property
    def packed_cpu_millicores(self) -> float:
        """The CPU (millicores) one pod takes on a node as the scheduler counts it."""
        return float(self.cpu_request_millicores if self.schedule_cpu_millicores is None
                     else self.schedule_cpu_millicores)

    @property
    def packed_memory_mib(self) -> float:
        """The memory (MiB) one pod takes on a node as the scheduler counts it (may be 0)."""
        return float(self.memory_request_mib if self.schedule_memory_mib is None
                     else self.schedule_memory_mib)

    @property
    def running_s(self) -> float:
        """Seconds from scheduling (the bind) to Running: the image pulled and the native
        sidecars before the container started (``image_pull_s + sidecar_start_s``)."""
        return self.image_pull_s + self.sidecar_start_s

    @property
    def startup_s(self) -> float:
        """Seconds from scheduling (the bind) to Ready: the readiness probe's first success
        on its grid once the container runs and the app is up (:func:`seconds_to_ready`)."""
        return seconds_to_ready(self.running_s, self.app_start_s, self.readiness_probe,
                                self.startup_probe)

    @property
    def running_to_ready_s(self) -> float:
        """Seconds from Running (the image pulled, the sidecars before it started) to Ready."""
        return self.startup_s - self.running_s

    @property
    def slo_latency_ms(self) -> tuple[tuple[int, float], ...]:
        """The latency thresholds a step is judged against, ``(percentile, ms)`` in percentile
        order: p95 always, p50 and p99 when set."""
        return tuple((q, float(t)) for q, t in ((50, self.slo_p50_latency_ms),
                                                (95, self.slo_p95_latency_ms),
                                                (99, self.slo_p99_latency_ms)) if t is not None)

    @property
    def service_time_ms(self) -> float:
        """Mean time one request occupies one of the pod's ``concurrency`` slots, in ms."""
        return 1000.0 * self.concurrency / self.capacity_rps_per_pod


@dataclass(frozen=True)
class MetricsPipelineSpec:
    """How per-pod metrics reach the HPA (kubelet -> metrics-server -> metrics API).

    metrics-server scrapes every ``resolution_s`` seconds (15 in its official manifests, 60 as the
    binary's default) at ``offset_s + k * resolution_s``; each sample is the mean over the
    ``window_s`` seconds before the scrape (default: the resolution). A pod gets its first sample
    at the first scrape a full window after it started Running. The HPA reads the latest scrape
    at or before its sync.
    """

    resolution_s: int = 15
    window_s: int | None = None
    offset_s: int = 5

    def __post_init__(self) -> None:
        require_whole("metrics pipeline resolution_s", self.resolution_s, 1, "seconds")
        require_whole("metrics pipeline offset_s", self.offset_s, 0, "seconds")
        if self.window_s is not None:
            require_whole("metrics pipeline window_s", self.window_s, 1, "seconds")

    @property
    def sample_window_s(self) -> int:
        """The window each sample averages over, in seconds."""
        return int(self.window_s if self.window_s is not None else self.resolution_s)
