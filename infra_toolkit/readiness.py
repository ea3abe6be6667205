"""When a pod's containers turn Ready, as the kubelet's probe workers decide it.

The kubelet does not add the probe delays to the start-up; it probes on a grid (read in
kubernetes ``pkg/kubelet/prober``):

- ``prober_manager.go`` ``AddPod`` starts one worker per container probe when the pod is
  admitted on its node (``SyncPod``), before its images are pulled;
- ``worker.go`` ``run`` probes at once, then on a ``periodSeconds`` ticker: at admission +
  k × period (k = 0, 1, 2, ...); ``doProbe`` skips a probe while the container is not running
  or ran for less than ``initialDelaySeconds`` (whole seconds), skips a readiness probe until
  the container is *started* (its startup probe passed; no startup probe: started when
  running), and reports success after ``successThreshold`` successes in a row;
- ``prober_manager.go`` ``UpdatePodStatus`` (each pod sync, which the container's start and a
  startup probe's success both cause, ``kubelet.go`` ``syncLoopIteration`` ``handleProbeSync``)
  runs a not yet successful readiness probe at once, off the grid; a container without a
  readiness probe is Ready as soon as it is started.

Here a probe succeeds once the app is up, ``app_start_s`` after the container started (which
is ``image_pull_s`` after admission, the pod's bind). Not modelled: a startup probe failing
``failureThreshold`` times (the container restarts: the app must be up within
``initialDelaySeconds + failureThreshold × periodSeconds``), the kubelet's other pod syncs
(a resync each minute) that also run a waiting readiness probe, and the ~1 s PLEG lag behind
a container's start. API defaults (``SetDefaults_Probe``): period 10 s, success threshold 1,
initial delay 0.

Native sidecars (init containers with ``restartPolicy: Always``, Kubernetes 1.29+) start first,
one by one, each once the one before it is started; the app containers start once the last is
(:func:`containers_running_s`): a sidecar's startup probe delays them, on the same grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from infra_toolkit.spec_checks import require_at_most, require_finite, require_whole

__all__ = ["DEFAULT_PROBE_PERIOD_S", "MAX_STARTUP_DELAY_S", "STARTUP_DELAY_RULE",
           "ContainerProbes", "Probe", "containers_running_s", "seconds_to_ready",
           "slowest_container", "start_up_text"]

#: A probe's ``periodSeconds`` when unset (``SetDefaults_Probe``).
DEFAULT_PROBE_PERIOD_S = 10
_EPS = 1e-9  # a time this close to a probe tick is on it (float sums of whole seconds)
#: The longest any one start-up delay of a pod may be (image pull, app start, start-up CPU burst; a
#: probe's delay or period), in seconds: a day. Real ones take seconds to minutes (a multi-GB image
#: pulls in a few minutes, a JVM warms up in one or two); a pod that is not Ready for a day never
#: serves in a scenario (a day or two long), so a larger value is a slip of unit (milliseconds for
#: seconds) or of digits, which the simulation would run as pods that never become Ready, silently.
MAX_STARTUP_DELAY_S = 86_400
STARTUP_DELAY_RULE = ("no image pull or start-up takes a day, and a pod not Ready for longer never "
                      "serves in a scenario; check the value and its unit (seconds)")


@dataclass(frozen=True)
class Probe:
    """The timing of one readiness or startup probe: ``initialDelaySeconds``,
    ``periodSeconds`` and ``successThreshold``, in seconds and probes."""

    initial_delay_s: float = 0.0
    period_s: float = float(DEFAULT_PROBE_PERIOD_S)
    success_threshold: int = 1

    def __post_init__(self) -> None:
        require_finite("probe initial_delay_s", self.initial_delay_s, 0)
        # the API takes whole seconds >= 1 (ValidateProbe); a tiny period (1e-320, from the
        # simulate flag) overflowed the tick count to infinity
        require_whole("probe period_s", self.period_s, 1, "seconds")
        for name in ("initial_delay_s", "period_s"):
            require_at_most(f"probe {name}", getattr(self, name), MAX_STARTUP_DELAY_S, "s",
                            STARTUP_DELAY_RULE)
        require_whole("probe success_threshold", self.success_threshold, 1)
        # the run of successes after the first holds the pod unready too
        require_at_most("probe (success_threshold - 1) x period_s",
                        (self.success_threshold - 1) * self.period_s, MAX_STARTUP_DELAY_S, "s",
                        STARTUP_DELAY_RULE)


@dataclass(frozen=True)
class ContainerProbes:
    """One container's readiness and startup probes (``None``: the container has none);
    ``sidecar``: it is a native sidecar (an init container with ``restartPolicy: Always``),
    which the containers after it wait for (:func:`containers_running_s`)."""

    readiness: Probe | None = None
    startup: Probe | None = None
    sidecar: bool = False


def _tick_at_or_after(t_s: float, period_s: float) -> float:
    """The first probe tick (admission + k × period) at or after ``t_s``."""
    return max(0, math.ceil(t_s / period_s - _EPS)) * period_s


def seconds_to_ready(image_pull_s: float, app_start_s: float, readiness: Probe | None,
                     startup: Probe | None = None) -> float:
    """Seconds from the pod's bind (its admission on the node) to its container's Ready.

    The container runs at ``image_pull_s``, its app is up ``app_start_s`` later. A startup
    probe passes at its first tick at or after ``image_pull_s + max(its initial delay,
    app_start_s)`` (plus ``success_threshold - 1`` periods); without one the container is
    started when it runs. Without a readiness probe it is Ready when started. A readiness probe
    first passes at the start-up sync (the container's start or its startup probe's success)
    when its initial delay has passed and the app is up by then, else at its first tick at or
    after all three; Ready after ``success_threshold - 1`` more ticks.
    """
    running_s = image_pull_s
    started_s = running_s
    if startup is not None:
        started_s = _tick_at_or_after(running_s + max(startup.initial_delay_s, app_start_s),
                                      startup.period_s)
        started_s += (startup.success_threshold - 1) * startup.period_s
    if readiness is None:
        return started_s
    passes_from_s = running_s + max(readiness.initial_delay_s, app_start_s)
    period_s = readiness.period_s
    if started_s + _EPS >= passes_from_s:  # the start-up sync runs the probe, off the grid
        first_s = started_s
    else:
        first_s = _tick_at_or_after(max(passes_from_s, started_s), period_s)
    if readiness.success_threshold == 1:
        return first_s
    # the further successes come at the ticks after the first (strictly after it)
    next_tick_s = (math.floor(first_s / period_s + _EPS) + 1) * period_s
    return next_tick_s + (readiness.success_threshold - 2) * period_s


def containers_running_s(containers: tuple[ContainerProbes, ...], image_pull_s: float
                         ) -> tuple[float, ...]:
    """Seconds from the bind to each container's start (its process running), in the order of
    ``containers``. The kubelet starts the native sidecars one by one in their order, each once
    the one before it is *started* (``kuberuntime_container.go`` ``computeInitContainerActions``),
    and the app containers once the last one is: a sidecar is started when its startup probe
    passes, without one as soon as it runs. The first container runs ``image_pull_s`` after the
    bind (the model's one image pull, the sidecars' included: no later pull is added). The model
    has no start time for a sidecar's own process: its startup probe is taken to pass at its
    first tick at or after its initial delay (:func:`seconds_to_ready` with no app start), the
    least it holds the containers after it. One-shot init containers, which also run before
    the app containers, take no time here (the model gives none; a plan warns of them)."""
    started_s = image_pull_s
    sidecars: dict[int, float] = {}
    for i, c in enumerate(containers):
        if c.sidecar:
            sidecars[i] = started_s
            started_s = seconds_to_ready(started_s, 0.0, None, c.startup)
    return tuple(sidecars.get(i, started_s) for i in range(len(containers)))


def slowest_container(containers: tuple[ContainerProbes, ...], image_pull_s: float,
                      app_start_s: float) -> tuple[ContainerProbes, float]:
    """The container whose Ready comes last (a pod is Ready when all its containers are; the
    model has one image pull and one app start for the pod) and the seconds after the image
    pull that it starts (the native sidecars started before it, :func:`containers_running_s`);
    a pod without any probe: one container without probes (Ready when it runs)."""
    if not containers:
        return ContainerProbes(), 0.0
    running = containers_running_s(containers, image_pull_s)
    last = max(range(len(containers)), key=lambda i: seconds_to_ready(
        running[i], app_start_s, containers[i].readiness, containers[i].startup))
    return containers[last], running[last] - image_pull_s


def _probe_text(name: str, probe: Probe) -> str:
    threshold = (f", {probe.success_threshold} successes in a row"
                 if probe.success_threshold > 1 else "")
    return (f"{name} probe every {probe.period_s:g} s from the pod's bind, initial delay "
            f"{probe.initial_delay_s:g} s{threshold}")


def start_up_text(image_pull_s: float, app_start_s: float, readiness: Probe | None,
                  startup: Probe | None, sidecar_start_s: float = 0.0) -> str:
    """How the time to Ready comes about, for reports: ``image pull 10 s, app start 20 s;
    readiness probe every 10 s from the pod's bind, initial delay 5 s: first success at or
    after max(5, 20) s after the pull, on the probe grid = 30 s``. ``sidecar_start_s``: the
    seconds after the pull that the container starts, the native sidecars before it started
    (:func:`slowest_container`); its probes then count from its start, not the pull."""
    parts = [f"image pull {image_pull_s:g} s, app start {app_start_s:g} s"]
    since = "after the pull"
    if sidecar_start_s > 0:
        running_s = image_pull_s + sidecar_start_s
        parts.append(f"the native sidecars before the container started {sidecar_start_s:g} s "
                     f"after the pull (their startup probes' first success), so it runs "
                     f"{running_s:g} s after the bind")
        since = "after it runs"
    if startup is not None:
        parts.append(f"{_probe_text('startup', startup)}: passes at the first tick at or after "
                     f"max({startup.initial_delay_s:g}, {app_start_s:g}) s {since}")
    if readiness is None:
        parts.append("no readiness probe: Ready when the container "
                     + ("is started" if startup is not None else "runs (app not awaited)"))
    else:
        parts.append(f"{_probe_text('readiness', readiness)}: first success at or after "
                     f"max({readiness.initial_delay_s:g}, {app_start_s:g}) s {since}"
                     + (", at the startup probe's success (which runs it) or on the probe grid "
                        "after" if startup is not None else ", on the probe grid"))
    total = seconds_to_ready(image_pull_s + sidecar_start_s, app_start_s, readiness, startup)
    return "; ".join(parts) + f" = {total:g} s"
