"""Plan warnings on the run's start: starting replicas that cannot serve a scenario's first rate.

Every simulated run starts warm, at the Deployment's ``replicas`` (``max(1, minReplicas)``
without one), under its scenario's first step. When that many pods cannot serve the first
step's rate (times the workload's ``traffic_share``) within the workload's SLOs, the run breaks
them from its first second until the HPA has added pods: the SLO minutes then include a
start-up, and the first SLO violation is the start-up, not the traffic
(:func:`~infra_toolkit.slo_check.start_up`). For every workload with an HPA and a model,
:func:`starting_replicas_warnings` says so per scenario, with what one pod may take, the
replicas that rate needs and the base rate the starting replicas serve. A Deployment at 0
replicas under an HPA whose minReplicas is above 0 is never scaled (the controller's
ScalingDisabled, simulated alike): one warning for the workload, whatever the rates.

A pod at ``x`` rps (load spread evenly over the pods, as simulated) serves within the SLOs that
apply to the workload (its own, or one for every workload; :mod:`infra_toolkit.slo_check`'s
rules) when:

* a latency SLO (percentile ``q`` under ``threshold_ms``): the pod is below the latency model's
  utilization cap (``x / capacity_rps_per_pod < MAX_UTILIZATION``, where the percentile is a
  lower bound the report counts violated) and its ``q``-th percentile at ``x``
  (:mod:`infra_toolkit.latency`, no backlog) is at most the threshold;
* an availability SLO, or no SLO at all: ``x`` is at most ``capacity_rps_per_pod`` (no request
  dropped or queued).

The largest such ``x`` is found by bisection (the percentiles rise with the rate). A latency
SLO that no rate meets (its percentile at an idle pod is already above the threshold) is left
out: every step of every run breaks it, which is no start-up's doing. It has a warning of its
own (:func:`unreachable_slo_warnings`), since the report would otherwise show it violated every
minute with no word of why.

A new pod's start (:func:`startup_burst_warnings`): its start-up CPU burst
(``startup_cpu_millicores`` from the container's start for ``startup_cpu_s``) that lasts past
the pod's Ready, under an HPA with a CPU metric. Within the CPU initialization period the
controller ignores a pod's samples whose window starts before its Ready (``pod_grouping``), so
a burst over by Ready never counts; the seconds after Ready are in counted windows, and every
pod added reads the burst as load: each scale-up inflates the next sample.

A start that never ends (:func:`restart_loop_warnings`): a container's startup probe, or its
liveness probe without one, that fails ``failureThreshold`` times before the model's app is up,
so the kubelet restarts it again and again (:mod:`infra_toolkit.restart_probes`) and the pods
never become Ready, while the simulation counts them Ready.

A start the model does not time (:func:`untimed_init_containers`): one-shot init containers
(those without ``restartPolicy: Always``) run to completion, one by one, before the app
containers start; the plan's model gives no run time for them, so the simulated pods start
without them, and the warning says so rather than inventing one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from infra_toolkit.container_metrics import PodContainers, pod_containers
from infra_toolkit.errors import quoted
from infra_toolkit.hpa_spec import HPASpec
from infra_toolkit.latency import (
    MAX_UTILIZATION,
    percentile_search_bound_s,
    response_time_quantile_ms,
)
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.plan_warning_type import figure_text as _f
from infra_toolkit.readiness import (
    DEFAULT_PROBE_PERIOD_S,
    MAX_STARTUP_DELAY_S,
    seconds_to_ready,
)
from infra_toolkit.restart_probes import RestartProbe, restart_before_up
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.workload import WorkloadSpec

__all__ = ["burst_past_ready", "init_container_warnings", "per_pod_limit_rps", "percentile_ms",
           "restart_loop_warnings", "restart_loops", "starting_replicas_warnings",
           "startup_burst_warnings", "unreachable_slo_warnings", "untimed_init_containers"]

_BISECTION_STEPS = 60
# rates tried at once in each round of the search for the limit: the interval shrinks 64-fold
# (6 of the 60 bits) a round, so 10 vectorized rounds replace 60 one-rate bisection steps
_GRID_BITS = 6


def _percentiles_ms(q: int, rps_per_pod: np.ndarray, capacity_rps_per_pod: float,
                    concurrency: int) -> np.ndarray:
    """The ``q``-th percentile response time (ms) of one pod at each rate of ``rps_per_pod``
    without backlog, each as the simulated timeline computes it for that rate alone (its own
    search bound)."""
    bound_s = percentile_search_bound_s(capacity_rps_per_pod, concurrency, rps_per_pod)
    return response_time_quantile_ms(q / 100, rps_per_pod, capacity_rps_per_pod, concurrency,
                                     bound_s)


def percentile_ms(q: int, rps_per_pod: float, capacity_rps_per_pod: float, concurrency: int
                  ) -> float:
    """The ``q``-th percentile response time (ms) of one pod at ``rps_per_pod`` without backlog,
    as the simulated timeline computes it."""
    return float(_percentiles_ms(q, np.array([rps_per_pod]), capacity_rps_per_pod,
                                 concurrency)[0])


def _latency_slos(slos: Sequence[Slo], capacity: float, concurrency: int) -> list[Slo]:
    """The latency SLOs some rate meets (module docstring)."""
    out = []
    for s in slos:
        if s.metric != "latency":
            continue
        assert s.percentile is not None and s.threshold_ms is not None
        if percentile_ms(s.percentile, 0.0, capacity, concurrency) <= s.threshold_ms:
            out.append(s)
    return out


def unreachable_slo_warnings(workload: Workload, slos: Sequence[Slo]) -> list[PlanWarning]:
    """One warning per latency SLO of ``slos`` (the plan's, in order) applying to ``workload``
    that no rate meets: an idle pod's percentile (``model``'s mean request time
    ``1000 x concurrency / capacity_rps_per_pod`` ms, exponential in the latency model) is
    already above its threshold, so every minute of every run violates it; at the SLO's
    ``slos[i].threshold_ms``. The starting-replicas warning leaves such an SLO out."""
    model = workload.model
    if workload.hpa_spec is None or model is None:
        return []
    cap, conc = model.capacity_rps_per_pod, model.concurrency
    out = []
    for i, s in enumerate(slos):
        if s.metric != "latency" or s.workload not in (workload.name, None) or \
                s in _latency_slos([s], cap, conc):
            continue
        assert s.percentile is not None and s.threshold_ms is not None
        idle_ms = percentile_ms(s.percentile, 0.0, cap, conc)
        out.append(PlanWarning(f"slos[{i}].threshold_ms", (
            f"SLO {s.name!r} (p{s.percentile} <= {_f(s.threshold_ms)} ms) cannot be met by "
            f"workload {workload.name!r} at any load: an idle pod's p{s.percentile} is already "
            f"{idle_ms:,.0f} ms (a request takes 1000 x concurrency {conc:,} / "
            f"capacity_rps_per_pod {_f(cap)} = {_f(1000 * conc / cap)} ms on average, and the "
            "latency model's times are exponential), so the report counts every minute of "
            f"every scenario violated; raise threshold_ms to at least {math.ceil(idle_ms):,}, "
            "or give the model the pod's measured figures (the same concurrency at a higher "
            "capacity_rps_per_pod is a shorter request)")))
    return out


def _serving(rps_per_pod: np.ndarray, slos: Sequence[Slo], capacity: float, concurrency: int
             ) -> np.ndarray:
    """Whether a pod at each rate of ``rps_per_pod`` keeps every SLO of ``slos`` (module
    docstring)."""
    ok = rps_per_pod <= capacity
    for s in slos:
        if s.metric == "latency":
            assert s.percentile is not None and s.threshold_ms is not None
            ok &= rps_per_pod / capacity < MAX_UTILIZATION
            ok &= _percentiles_ms(s.percentile, rps_per_pod, capacity,
                                  concurrency) <= s.threshold_ms
    return ok


def _serves(rps_per_pod: float, slos: Sequence[Slo], capacity: float, concurrency: int) -> bool:
    """Whether a pod at ``rps_per_pod`` keeps every SLO of ``slos`` (module docstring)."""
    return bool(_serving(np.array([rps_per_pod]), slos, capacity, concurrency)[0])


def per_pod_limit_rps(slos: Sequence[Slo], capacity_rps_per_pod: float, concurrency: int
                      ) -> float:
    """The largest rate (rps) one pod serves within ``slos`` (module docstring: the latency
    SLOs some rate meets, the availability ones), to 2^-60 of the capacity below."""
    cap = capacity_rps_per_pod
    kept = [s for s in slos if s.metric != "latency"] + _latency_slos(slos, cap, concurrency)
    if _serves(cap, kept, cap, concurrency):
        return cap
    lo, hi = 0.0, cap
    fractions = np.arange(1, 2 ** _GRID_BITS) / 2 ** _GRID_BITS
    for _ in range(_BISECTION_STEPS // _GRID_BITS):
        grid = lo + (hi - lo) * fractions
        # the rates served are those below the limit (the percentiles rise with the rate)
        served = _serving(grid, kept, cap, concurrency)
        if served.all():
            lo = float(grid[-1])
            continue
        first_broken = int(np.argmin(served))
        lo, hi = (float(grid[first_broken - 1]) if first_broken else lo,
                  float(grid[first_broken]))
    return lo


def _why(rps_per_pod: float, slos: Sequence[Slo], capacity: float, concurrency: int) -> str:
    """What a pod at ``rps_per_pod`` breaks: capacity, the utilization cap, each latency SLO."""
    if rps_per_pod > capacity:
        return f"over a pod's {_f(capacity)} rps capacity: requests are dropped or queued"
    if rps_per_pod / capacity >= MAX_UTILIZATION:
        return (f"{_f(100 * rps_per_pod / capacity)} % of a pod's {_f(capacity)} rps capacity, "
                f"at the latency model's {_f(100 * MAX_UTILIZATION)} % utilization cap "
                "(counted violated)")
    broken = []
    for s in (s for s in slos if s.metric == "latency"):
        assert s.percentile is not None and s.threshold_ms is not None
        got = percentile_ms(s.percentile, rps_per_pod, capacity, concurrency)
        if got > s.threshold_ms:
            broken.append(f"p{s.percentile} {got:,.0f} ms over SLO {s.name!r} "
                          f"({_f(s.threshold_ms)} ms)")
    return "; ".join(broken)


def _floor_text(rps: float) -> str:
    """A rate rounded down to what :func:`figure_text` shows, so "at most" stays true."""
    places = 1 if rps >= 10 else 2
    return _f(math.floor(rps * 10 ** places + 1e-9) / 10 ** places)


def starting_replicas_warnings(workload: Workload, path: str,
                               curves: Mapping[str, TrafficCurve], slos: Sequence[Slo]
                               ) -> list[PlanWarning]:
    """One warning per scenario (by name in ``curves``, rps) whose first step's rate, times
    ``workload``'s ``traffic_share``, is more than its starting replicas serve within the plan's
    ``slos`` that apply to it (module docstring); at ``path``, the workload's Deployment."""
    hpa, model, d = workload.hpa_spec, workload.model, workload.deployment_spec
    if hpa is None or model is None:
        return []
    cap, conc = model.capacity_rps_per_pod, model.concurrency
    mine = [s for s in slos if s.workload in (workload.name, None)]
    kept = [s for s in mine if s.metric != "latency"] + _latency_slos(mine, cap, conc)
    pods = d.replicas if d.replicas is not None else max(1, hpa.min_replicas)
    kind = workload.deployment.kind if workload.deployment is not None else "Deployment"
    source = f"the {kind}'s replicas" if d.replicas is not None else \
        f"no replicas in the {kind}: max(1, minReplicas {hpa.min_replicas})"
    limit = per_pod_limit_rps(mine, cap, conc)
    if limit <= 0:
        return []  # nothing to size by (not reached: every rate kept serves an idle pod)
    within = "within its SLOs" if kept else "within its capacity (no SLO applies to it)"
    breaks = "breaks its SLOs" if kept else "drops or queues requests"
    if pods == 0 and hpa.min_replicas > 0:
        # the controller leaves a target at 0 replicas alone while minReplicas > 0
        # (ScalingDisabled), as the simulation does: no pod ever comes, whatever the rate, so
        # one warning, not one a scenario (audit18 A18-17: it said "until the HPA has added
        # pods" and "or start scenario ... at 0 rps", and nothing when a scenario starts at 0)
        return [PlanWarning(path, (
            f"workload {workload.name!r} starts with 0 replicas ({source}): the HPA does not "
            f"scale a {kind} at 0 replicas while its minReplicas is "
            f"{hpa.min_replicas:,} (ScalingDisabled), so no pod ever serves it: every "
            f"scenario drops all of its requests; set the {kind}'s replicas to at least 1 "
            "(the HPA then brings it to minReplicas), or leave replicas out"))]
    out = []
    for name, curve in curves.items():
        rate = float(curve.rps[0]) * workload.traffic_share if curve.rps.size else 0.0
        if rate <= 0 or (pods > 0 and _serves(rate / pods, kept, cap, conc)):
            continue
        need = max(1, math.ceil(rate / limit - 1e-12))
        while need > 1 and _serves(rate / (need - 1), kept, cap, conc):
            need -= 1  # the bisection's limit sits just under the true one
        share = "" if workload.traffic_share == 1 else \
            f" ({_f(float(curve.rps[0]))} rps x traffic_share {_f(workload.traffic_share)})"
        why = "" if pods == 0 else _why(rate / pods, kept, cap, conc)
        each = "no Ready pod" if pods == 0 else f"{_f(rate / pods)} rps a pod" + \
            (": " if why.startswith("p") else ", ") + why  # a latency: "p95 1,198 ms over ..."
        over = "" if need <= hpa.max_replicas else \
            f" (above maxReplicas {hpa.max_replicas:,}, to which the first sync cuts it: " \
            "raise maxReplicas too)"
        base = limit * pods / workload.traffic_share
        head = (f"workload {workload.name!r} starts with {pods:,} replicas ({source}) under the "
                f"first rate of scenario {name!r}, {_f(rate)} rps{share}, {each}; the run "
                f"{breaks} from its first step")
        out.append(PlanWarning(path, (
            f"{head} until the HPA has added pods, and the report's SLO "
            f"minutes and alert replay show that start-up; {pods:,} replicas serve at most "
            f"{_floor_text(limit * pods)} rps {within} ({_floor_text(limit)} rps a pod) and "
            f"{_f(rate)} rps needs {need:,}; set the {kind}'s replicas to {need:,}{over}, "
            f"or start scenario {name!r} at {_floor_text(base)} rps or less")))
    return out


def _cpu_metrics(hpa: HPASpec) -> list[str]:
    """Where ``hpa`` (as simulated: a ContainerResource metric on the pod's one container is
    its Resource twin) reads CPU: ``spec.metrics[i]`` of each Resource metric on ``cpu``."""
    return [f"spec.metrics[{i}]" for i, m in enumerate(hpa.metrics)
            if m.type == "Resource" and m.resource is not None and m.resource.name == "cpu"]


def _least_whole(start: int, enough: Callable[[int], bool]) -> int | None:
    """The least whole value from ``start`` for which ``enough`` holds (it holds from there
    on: a longer delay or more failures only ever comes later); ``None`` past a day's worth
    (the longest start-up delay a pod may have)."""
    for value in range(start, MAX_STARTUP_DELAY_S + 1):
        if enough(value):
            return value
    return None


def burst_past_ready(ws: WorkloadSpec, hpa: HPASpec) -> str | None:
    """Why ``ws``'s start-up CPU burst, lasting past its pods' Ready, is read as load by ``hpa``
    (as simulated) when it is (module docstring): how long, by how much a new pod's CPU reads
    above its load, and the readiness probe delay that ends the overlap; ``None`` otherwise."""
    burst_end_s = ws.running_s + ws.startup_cpu_s
    ready_s = ws.startup_s
    over_s = burst_end_s - ready_s
    where = _cpu_metrics(hpa)
    if ws.startup_cpu_millicores <= 0 or over_s <= 0 or not where:
        return None
    extra = ws.startup_cpu_millicores
    probe = ws.readiness_probe
    if probe is None:
        fix = ("add a readiness probe that passes once the warm-up is over (Ready at least "
               f"{_f(burst_end_s)} s after the bind), or have the app report ready only then")
    else:
        def ready_with_delay_s(delay: int) -> float:
            return seconds_to_ready(ws.running_s, ws.app_start_s,
                                    replace(probe, initial_delay_s=float(delay)),
                                    ws.startup_probe)

        delay = _least_whole(int(probe.initial_delay_s) + 1,
                             lambda d: ready_with_delay_s(d) >= burst_end_s)
        fix = ("have the app report ready only once warm" if delay is None else
               f"raise the readiness probe's initialDelaySeconds to {delay} (on its "
               f"{_f(probe.period_s)} s grid the pod is then Ready "
               f"{_f(ready_with_delay_s(delay))} s after the bind), or have the app report "
               "ready only once warm")
    return (
        f"the start-up CPU burst ({_f(extra)}m from the container's start, "
        f"{_f(ws.running_s)} s after the bind, for {_f(ws.startup_cpu_s)} s: until "
        f"{_f(burst_end_s)} s) lasts {_f(over_s)} s past the pod's Ready ({_f(ready_s)} s after "
        f"the bind): the HPA ignores a starting pod's CPU samples only while their window starts "
        f"before Ready, so for {_f(over_s)} s each new pod's CPU runs up to {_f(extra)}m "
        f"({_f(100 * extra / ws.cpu_request_millicores)} % of its "
        f"{_f(ws.cpu_request_millicores)}m request) above its load in samples that "
        f"{' and '.join(where)} (cpu) count{'s' if len(where) == 1 else ''}, and "
        f"each scale-up can feed the next; {fix}")


def startup_burst_warnings(workload: Workload, path: str) -> list[PlanWarning]:
    """:func:`burst_past_ready` of ``workload`` (with an HPA and a model) as a warning at
    ``path`` (the workload's model)."""
    hpa = workload.simulated_hpa_spec()
    if hpa is None or workload.model is None:
        return []
    text = burst_past_ready(workload.workload_spec(), hpa)
    return [] if text is None else [PlanWarning(path, text)]


def _restart_fix(p: RestartProbe, image_pull_s: float, up_s: float) -> str:
    """The least change to ``p`` (or, for a liveness probe, a startup probe added) that lets a
    container whose app is up ``up_s`` after the bind finish its start."""
    def covers(probe: RestartProbe) -> bool:
        return probe.restart_s(image_pull_s) >= up_s

    if p.kind == "startupProbe":
        failures = _least_whole(p.failure_threshold + 1,
                                lambda f: covers(replace(p, failure_threshold=f)))
        return (f"raise the startupProbe's failureThreshold to {failures} (its "
                f"{_f(p.period_s)} s period then allows the start)" if failures else
                "give the startupProbe a failureThreshold x periodSeconds that covers the start")
    delay = _least_whole(int(p.initial_delay_s) + 1,
                         lambda d: covers(replace(p, initial_delay_s=float(d))))
    period = float(DEFAULT_PROBE_PERIOD_S)
    failures = _least_whole(1, lambda f: covers(
        RestartProbe(p.container, "startupProbe", 0.0, period, f)))
    return (f"add a startupProbe (periodSeconds {_f(period)}, failureThreshold {failures}) so "
            f"the livenessProbe waits for the start, or raise its initialDelaySeconds to {delay}")


def _running_text(ws: WorkloadSpec) -> str:
    """The parts of ``ws.running_s``: ``image_pull_s 10 + the native sidecars' start 30``."""
    sidecars = (f" + the native sidecars' start {_f(ws.sidecar_start_s)}"
                if ws.sidecar_start_s > 0 else "")
    return f"image_pull_s {_f(ws.image_pull_s)}{sidecars}"


def restart_loops(ws: WorkloadSpec, deployment: str, probes: tuple[RestartProbe, ...],
                  containers: int = 1) -> list[str]:
    """Why each container of ``deployment`` (its ``probes``; ``containers`` running in its pod)
    that its startup or liveness probe restarts before ``ws``'s app is up never becomes Ready
    (module docstring): the probe, when it restarts it, and the least change that lets the
    start finish. The model has one app start for the pod: with several containers, a sidecar
    that is up sooner may not restart, which the text says."""
    # the container runs once pulled and the native sidecars before it started
    pull, up_s = ws.running_s, ws.running_s + ws.app_start_s
    shared = (f" (the model's one app start for the pod's {containers} containers: if that "
              "container is up sooner, it is not restarted)") if containers > 1 else ""
    return [(
        f"container {deployment}/{p.container}'s {p.kind} (initialDelaySeconds "
        f"{_f(p.initial_delay_s)}, periodSeconds {_f(p.period_s)}, failureThreshold "
        f"{p.failure_threshold}{'; no startupProbe' if p.kind == 'livenessProbe' else ''}) "
        f"fails for the {p.failure_threshold}{_ordinal(p.failure_threshold)} time "
        f"{_f(restart_s)} s after the bind, before the app is up at {_f(up_s)} s ("
        f"{_running_text(ws)} + app_start_s {_f(ws.app_start_s)}){shared}: the "
        "kubelet restarts the container, each start ends the same way, and its pods never "
        "become Ready (CrashLoopBackOff), "
        f"while the simulation counts them Ready {_f(ws.startup_s)} s after the bind; "
        f"{_restart_fix(p, pull, up_s)}")
        for p, restart_s in restart_before_up(probes, pull, ws.app_start_s)]


def restart_loop_warnings(workload: Workload, path: str) -> list[PlanWarning]:
    """:func:`restart_loops` of ``workload`` (with an HPA and a model) as warnings at ``path``
    (the workload's Deployment)."""
    if workload.hpa_spec is None or workload.model is None:
        return []
    d = workload.deployment_spec
    running = len(pod_containers(workload.deployment.document).running)
    return [PlanWarning(path, text) for text in restart_loops(
        workload.workload_spec(), d.name, d.restart_probes, running)]


def untimed_init_containers(pod: PodContainers, ws: WorkloadSpec) -> str | None:
    """Why ``ws``'s start-up leaves out ``pod``'s one-shot init containers, which the kubelet
    runs to completion before the app containers start (module docstring), or ``None``
    without any: each new pod is Ready at least their run time later than simulated."""
    names = pod.one_shot_init
    if not names:
        return None
    listed = ", ".join(quoted(n) for n in names)
    which = (f"its one-shot init container {listed} runs" if len(names) == 1 else
             f"its {len(names)} one-shot init containers ({listed}) run one by one")
    return (f"{pod.owner}: {which} to completion before the app containers start, in every new "
            "pod, and the model gives no time for that: the simulation starts the app "
            f"containers {_f(ws.running_s)} s after the bind ({_running_text(ws)}) and counts "
            f"the pods Ready {_f(ws.startup_s)} s after the bind, too early by the init "
            "containers' run time; add that run time to the model's image_pull_s (the seconds "
            "from the bind until the app containers run)")


def init_container_warnings(workload: Workload, path: str) -> list[PlanWarning]:
    """:func:`untimed_init_containers` of ``workload`` (with an HPA and a model) as a warning
    at ``path`` (the workload's Deployment)."""
    if workload.hpa_spec is None or workload.model is None:
        return []
    text = untimed_init_containers(pod_containers(workload.deployment.document),
                                   workload.workload_spec())
    return [] if text is None else [PlanWarning(path, text)]


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
