"""What a plan's deployment strategy implies, in numbers a reviewer can redo by hand (pure: no
I/O).

- **rolling**: the Kubernetes Deployment controller's fenceposts (``ResolveFenceposts`` in
  pkg/controller/deployment/util): ``maxSurge`` as a percentage of the desired replicas rounds
  up, ``maxUnavailable`` rounds down; when both come to 0, ``maxUnavailable`` is 1; unset, each
  is 25 %. At most ``replicas + min(surge, replicas)`` pods run at once (the new ReplicaSet
  never grows past the replicas) and at least ``replicas - unavailable`` are available. Each
  wave starts up to ``surge + unavailable`` new pods (with ``maxUnavailable`` 0, only the
  ``surge``: an old pod goes only once a new one is Ready) and waits for them to be Ready, so
  the rollout takes ``ceil(replicas / (surge + unavailable))`` waves of one time to Ready each
  (image pull + app start + readiness delay, as the simulator starts a pod); old pods'
  termination, ``minReadySeconds`` and a new node's start for surge pods are not counted, so
  it is a lower bound.
- **blue-green**: a second full set of pods (``2 x replicas`` at once) from the moment the new
  set starts until the old one is scaled down: time to Ready + preview + scale-down delay.
- **canary**: the bake time is the sum of the steps' pauses; a manual pause makes it "at least"
  that.
- **recreate**: the controller stops every old pod and waits for none to be left before the
  new ones start, so the downtime is at least one time to Ready (the old pods' termination
  comes first).

Room on the nodes is :func:`~infra_toolkit.nodes.node_room` summed over the groups the workload
may use: that many pods of its requests fit at the groups' ``max_size``, counting no other
workload's pods.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.errors import SpecError
from infra_toolkit.nodes import NodeGroup, node_room
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_operations_types import CanaryStep, DeploymentStrategy
from infra_toolkit.report_html import duration_text

__all__ = [
    "DEFAULT_SCALE_DOWN_DELAY_S",
    "BlueGreenRollout",
    "RollingRollout",
    "TimeToReady",
    "blue_green_rollout",
    "canary_bake",
    "resolve_fenceposts",
    "rollout_table",
    "rolling_rollout",
    "scaled_value",
    "time_to_ready",
]

#: Argo Rollouts' ``scaleDownDelaySeconds`` when a blue-green strategy gives none.
DEFAULT_SCALE_DOWN_DELAY_S = 30.0
_DEFAULT_FENCEPOST = "25%"


def scaled_value(value: int | str, total: int, round_up: bool) -> int:
    """An int-or-percent (``3`` or ``"25%"``) as a pod count of ``total`` replicas: an integer
    as given, a percentage of ``total`` rounded up or down (intstr's
    ``GetScaledValueFromIntOrPercent``)."""
    if isinstance(value, int):
        return value
    if not value.endswith("%") or not value[:-1].isdigit():
        raise SpecError(f"{value!r} is not a pod count or a percentage like '25%'")
    # integer arithmetic: 25 % of 10 is 2.5 exactly, never 2.4999...
    whole, rest = divmod(int(value[:-1]) * total, 100)
    return whole + (1 if round_up and rest else 0)


def resolve_fenceposts(max_surge: int | str | None, max_unavailable: int | str | None,
                       replicas: int) -> tuple[int, int]:
    """(surge, unavailable) pod counts of a rolling update of ``replicas`` pods: ``max_surge``
    rounds up, ``max_unavailable`` down, each 25 % when ``None``; both 0 makes unavailable 1."""
    surge = scaled_value(_DEFAULT_FENCEPOST if max_surge is None else max_surge, replicas, True)
    unavailable = scaled_value(_DEFAULT_FENCEPOST if max_unavailable is None else max_unavailable,
                               replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


@dataclass(frozen=True)
class RollingRollout:
    """A rolling update of ``replicas`` pods: its fenceposts, the most pods at once, the fewest
    available, the waves and their duration (seconds); ``fits`` (the most pods at once within
    the room at max size) and ``serves_peak`` (the fewest available's capacity at or above the
    peak rate) are ``None`` when the room or the rates are not known."""

    replicas: int
    surge: int
    unavailable: int
    most_pods: int
    fewest_available: int
    waves: int
    duration_s: float
    fits: bool | None = None
    fewest_capacity_rps: float | None = None
    serves_peak: bool | None = None


def rolling_rollout(replicas: int, max_surge: int | str | None,
                    max_unavailable: int | str | None, time_to_ready_s: float,
                    room_pods: int | None = None, capacity_rps_per_pod: float | None = None,
                    peak_rps: float | None = None) -> RollingRollout:
    """The rolling update of ``replicas`` pods whose new pods take ``time_to_ready_s`` seconds
    to be Ready, on nodes with room for ``room_pods`` of them, each serving up to
    ``capacity_rps_per_pod``, against a peak of ``peak_rps`` (see the module docstring)."""
    surge, unavailable = resolve_fenceposts(max_surge, max_unavailable, replicas)
    waves = math.ceil(replicas / (surge + unavailable))
    fewest = max(0, replicas - unavailable)
    # NewRSNewReplicas: the new ReplicaSet scales up by at most replicas - its own replicas, so
    # a surge above the replicas never runs more than both full sets
    most = replicas + min(surge, replicas)
    capacity = None if capacity_rps_per_pod is None else fewest * capacity_rps_per_pod
    return RollingRollout(
        replicas, surge, unavailable, most, fewest, waves, waves * time_to_ready_s,
        fits=None if room_pods is None else most <= room_pods,
        fewest_capacity_rps=capacity,
        serves_peak=None if capacity is None or peak_rps is None else capacity >= peak_rps)


@dataclass(frozen=True)
class BlueGreenRollout:
    """A blue-green switch of ``replicas`` pods: both full sets at once for ``overlap_s``
    seconds; ``fits`` is ``None`` when the room is not known."""

    replicas: int
    pods_at_once: int
    scale_down_delay_s: float
    overlap_s: float
    fits: bool | None


def blue_green_rollout(replicas: int, time_to_ready_s: float, preview_s: float | None,
                       scale_down_delay_s: float | None, room_pods: int | None = None
                       ) -> BlueGreenRollout:
    """The blue-green switch of ``replicas`` pods: ``2 x replicas`` pods run from the new set's
    start through its time to Ready, the preview (0 when ``None``) and the scale-down delay
    (:data:`DEFAULT_SCALE_DOWN_DELAY_S` when ``None``), seconds."""
    delay = DEFAULT_SCALE_DOWN_DELAY_S if scale_down_delay_s is None else scale_down_delay_s
    return BlueGreenRollout(replicas, 2 * replicas, delay,
                            time_to_ready_s + (preview_s or 0.0) + delay,
                            None if room_pods is None else 2 * replicas <= room_pods)


def canary_bake(steps: Sequence[CanaryStep]) -> tuple[float, bool]:
    """(seconds of automatic pauses summed, whether a step waits for a manual promotion)."""
    return (sum(s.pause_s for s in steps if s.pause_s is not None),
            any(s.pause_s is None for s in steps))


@dataclass(frozen=True)
class TimeToReady:
    """Seconds from scheduling to Ready of one pod and their parts."""

    image_pull_s: float
    app_start_s: float
    readiness_delay_s: float

    @property
    def total_s(self) -> float:
        """Image pull + app start + readiness delay, seconds."""
        return self.image_pull_s + self.app_start_s + self.readiness_delay_s


def time_to_ready(workload: Workload) -> TimeToReady | None:
    """The workload's pod start-up as the simulator models it (its model's image pull and app
    start, its Deployment's readiness delay); ``None`` without a model."""
    m = workload.model
    if m is None:
        return None
    return TimeToReady(m.image_pull_s, m.app_start_s, workload.deployment_spec.readiness_delay_s)


def _at_least(seconds: float | None) -> str:
    return duration_text(None) if seconds is None else f"at least {duration_text(seconds)}"


def _flag(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def _bases(a: PlanAnalysis, w: Workload) -> tuple[list[tuple[str, int, float | None]],
                                                  tuple[NodeGroup, ...]]:
    """(what the rollout is taken at, replicas, the expected scenario's peak rate in rps) and
    the groups the workload may use, from the expected scenario's run."""
    run = a.run(a.expected_scenario) if a.expected_scenario is not None else None
    if run is None:
        return [], ()
    sim = run.simulations.get(w.name)
    if sim is not None and w.hpa_spec is not None:
        peak_rps = float(sim.timeline["offered_rps"].max())
        return ([(f"peak replicas in {run.name!r}", sim.summary.peak_replicas, peak_rps),
                 ("minReplicas", w.hpa_spec.min_replicas, peak_rps)], sim.spec.node_groups)
    placed = run.cluster.placed.get(w.name, {}) if run.cluster is not None else {}
    groups = tuple(g for g in (run.cluster.node_groups if run.cluster else ()) if g.name in placed)
    replicas = 1 if w.deployment_spec.replicas is None else w.deployment_spec.replicas
    return [("Deployment replicas (no HPA)", replicas, None)], groups


def _row(s: DeploymentStrategy, w: Workload, basis: str, replicas: int, peak_rps: float | None,
         groups: Sequence[NodeGroup]) -> dict[str, object]:
    ttr = time_to_ready(w)
    ready_s = None if ttr is None else ttr.total_s
    d = w.deployment_spec
    room = sum(node_room(groups, d.cpu_request_millicores, d.memory_request_mib).values()) \
        if groups else None
    row: dict[str, object] = {"Workload": w.name, "Rolled at": basis, "Replicas": replicas}
    if s.type == "rolling":
        r = rolling_rollout(replicas, s.max_surge, s.max_unavailable, ready_s or 0.0, room,
                            None if w.model is None else w.model.capacity_rps_per_pod, peak_rps)
        row.update({"Surge": r.surge, "Unavailable": r.unavailable,
                    "Most pods at once": r.most_pods, "Room at max size": room,
                    "Fits": _flag(r.fits), "Fewest available": r.fewest_available,
                    "Their capacity (rps)": r.fewest_capacity_rps, "Peak rate (rps)": peak_rps,
                    "Serves the peak": _flag(r.serves_peak), "Waves": r.waves,
                    "Time to Ready": duration_text(ready_s),
                    "Duration": duration_text(None if ready_s is None else r.duration_s)})
    elif s.type == "blue-green":
        b = blue_green_rollout(replicas, ready_s or 0.0, s.preview_s, s.scale_down_delay_s, room)
        row.update({"Pods at once": b.pods_at_once, "Room at max size": room,
                    "Fits": _flag(b.fits), "Time to Ready": duration_text(ready_s),
                    "Preview": duration_text(s.preview_s),
                    "Scale-down delay": duration_text(b.scale_down_delay_s),
                    "Both sets running": duration_text(None if ready_s is None else b.overlap_s)})
    else:  # recreate, and the pods a canary's new version runs on
        row.update({"Time to Ready": duration_text(ready_s),
                     **({"Downtime": _at_least(ready_s)} if s.type == "recreate" else {})})
    return row


def rollout_table(a: PlanAnalysis) -> pd.DataFrame:
    """One row per proposed workload and replica count it is rolled at (an HPA's peak replicas
    in the expected scenario and its minReplicas; a Deployment's replicas without one) with
    what the plan's strategy implies (see the module docstring; ``-`` where a figure is not
    known). Empty when nothing was simulated."""
    s = a.plan.deployment_strategy
    rows = []
    for w in a.plan.proposed.workloads:
        bases, groups = _bases(a, w)
        rows += [_row(s, w, basis, n, rps, groups) for basis, n, rps in bases]
    return pd.DataFrame(rows)
