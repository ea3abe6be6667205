"""What a plan's deployment strategy implies, in numbers a reviewer can redo by hand (pure: no
I/O).

- **rolling**: the Kubernetes Deployment controller's fenceposts (``ResolveFenceposts`` in
  pkg/controller/deployment/util): ``maxSurge`` as a percentage of the desired replicas rounds
  up, ``maxUnavailable`` rounds down; when both come to 0, ``maxUnavailable`` is 1; unset, each
  is 25 %. At most ``replicas + min(surge, replicas)`` pods run at once (the new ReplicaSet
  never grows past the replicas) and at least ``replicas - unavailable`` are available. Each
  wave starts up to ``surge + unavailable`` new pods (with ``maxUnavailable`` 0, only the
  ``surge``: an old pod goes only once a new one is available) and waits for them to be
  available, so the rollout takes ``ceil(replicas / (surge + unavailable))`` waves of one time
  to Ready (the readiness probe's first success on its grid, as the simulator starts a pod) plus the
  workload's ``minReadySeconds`` each: ``reconcileOldReplicaSets`` in rolling.go scales the old
  pods down only as far as the *available* pods allow, and a pod is available once it has been
  Ready for ``minReadySeconds`` (``IsPodAvailable``). Old pods' termination and a new node's
  start for surge pods are not counted, so it is a lower bound. A StatefulSet's ``partition``
  P: the controller (``updateStatefulSet`` in pkg/controller/statefulset) replaces ordinals
  ``replicas - 1`` down to P only, so ``max(0, replicas - P)`` pods roll and the waves count
  those; its ``maxUnavailable`` still counts over every ordinal, and no more pods than roll can
  be down at once. A StatefulSet has no ``maxSurge`` at all: its ``RollingUpdate`` replaces one
  pod at a time from the highest ordinal down (``maxUnavailable`` more at once only behind the
  alpha ``MaxUnavailableStatefulSet`` feature gate), so a plan's ``rolling`` strategy cannot
  apply to one and it rolls by its own ``spec.updateStrategy``
  (:func:`plan_rolling_skips`; audit18 A18-13).
- **blue-green**: a second full set of pods (``2 x replicas`` at once) from the moment the new
  set starts until the old one is scaled down: time to Ready + preview + scale-down delay, at
  least that when the promotion waits for a person (Argo's ``autoPromotionEnabled: false``);
  an Argo Rollout's ``previewReplicaCount`` runs a smaller preview set first
  (:func:`blue_green_rollout`).
- **canary**: the bake time is the sum of the steps' pauses; a manual pause makes it "at least"
  that. Each step's pods are Argo Rollouts' with a traffic router (a plan's canary always names
  one): ``CalculateReplicaCountsForTrafficRoutedCanary`` in utils/replicaset/canary.go scales
  the canary ReplicaSet to ``ceil(replicas x weight / 100)`` (``trafficWeightToReplicas``: the
  whole product first, then / 100, so exact for whole weights)
  and, without ``dynamicStableScale`` (off by default), leaves the stable one at the full
  replicas until the rollout completes: ``replicas + canary`` pods at once, ``2 x replicas`` at
  weight 100, the replicas held where they are while it runs. An Argo Rollout's own canary
  adds ``setCanaryScale`` (the canary sized apart from the traffic), ``dynamicStableScale``
  (the stable set shrunk a step behind the traffic) and ``maxTrafficWeight`` (weights out of
  it): :func:`canary_step_pods`. Without a router Argo scales the stable ReplicaSet down as the
  canary grows; the plan format requires one, so that case is not modelled.
- **recreate**: the controller stops every old pod and waits for none to be left before the
  new ones start, so the downtime is at least one time to Ready (the old pods' termination
  comes first).

Whether those pods fit on the nodes (beside the other workloads' pods) is
:mod:`infra_toolkit.rollout_nodes`' part.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from infra_toolkit.argo_rollout import DEFAULT_SCALE_DOWN_DELAY_S
from infra_toolkit.errors import SpecError
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_operations_types import CanaryStep, DeploymentStrategy
from infra_toolkit.readiness import Probe, seconds_to_ready, slowest_container, start_up_text

__all__ = [
    "BlueGreenRollout",
    "CanaryStepPods",
    "RollingRollout",
    "TimeToReady",
    "blue_green_rollout",
    "canary_bake",
    "canary_step_pods",
    "plan_rolling_skips",
    "resolve_fenceposts",
    "rolling_rollout",
    "scaled_value",
    "time_to_ready",
]

_DEFAULT_FENCEPOST = "25%"


def plan_rolling_skips(strategy: DeploymentStrategy, w: Workload) -> bool:
    """Whether ``strategy``, a plan's ``rolling`` one covering ``w`` (it names no workloads or
    names ``w``), cannot apply because ``w`` is a StatefulSet: the StatefulSet controller
    (``updateStatefulSet`` in pkg/controller/statefulset/stateful_set_control.go) has no surge
    and replaces pods one at a time by the StatefulSet's own ``spec.updateStrategy``."""
    covers = not strategy.workloads or w.name in strategy.workloads
    return (strategy.type == "rolling" and covers and w.deployment is not None
            and w.deployment.kind == "StatefulSet")


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
    available, the waves and their duration (seconds), ``rolled`` the pods replaced (fewer than
    the replicas under a StatefulSet's partition); ``serves_peak`` (the fewest available's
    capacity at or above the peak rate) is ``None`` when the rates are not known, and ``False``
    whenever no pod stays available while some roll (downtime, whatever the rate)."""

    replicas: int
    surge: int
    unavailable: int
    most_pods: int
    fewest_available: int
    waves: int
    duration_s: float
    fewest_capacity_rps: float | None = None
    serves_peak: bool | None = None
    rolled: int | None = None


def rolling_rollout(replicas: int, max_surge: int | str | None,
                    max_unavailable: int | str | None, time_to_ready_s: float,
                    capacity_rps_per_pod: float | None = None,
                    peak_rps: float | None = None, partition: int = 0,
                    min_ready_s: float = 0.0) -> RollingRollout:
    """The rolling update of ``replicas`` pods whose new pods take ``time_to_ready_s`` seconds
    to be Ready and are available ``min_ready_s`` seconds later, each serving up to
    ``capacity_rps_per_pod``, against a peak of ``peak_rps``; with a StatefulSet's
    ``partition`` only the ordinals from it up roll (see the module docstring)."""
    surge, unavailable = resolve_fenceposts(max_surge, max_unavailable, replicas)
    rolled = max(0, replicas - partition)
    waves = math.ceil(rolled / (surge + unavailable))
    # the held-back ordinals stay available: at most the pods that roll are down at once
    fewest = max(0, replicas - min(unavailable, rolled))
    # NewRSNewReplicas: the new ReplicaSet scales up by at most replicas - its own replicas, so
    # a surge above the replicas never runs more than both full sets
    most = replicas + min(surge, rolled)
    capacity = None if capacity_rps_per_pod is None else fewest * capacity_rps_per_pod
    serves = None if capacity is None or peak_rps is None else capacity >= peak_rps
    if fewest == 0 and rolled > 0:  # every pod down at once: an outage whatever the rate
        serves = False
    return RollingRollout(
        replicas, surge, unavailable, most, fewest, waves,
        waves * (time_to_ready_s + min_ready_s), fewest_capacity_rps=capacity,
        serves_peak=serves, rolled=rolled)


@dataclass(frozen=True)
class BlueGreenRollout:
    """A blue-green switch of ``replicas`` pods: both full sets at once for ``overlap_s``
    seconds; ``phases``: (pods at once, seconds) from the new set's start to the old set's
    scale-down, in order (one phase of ``2 x replicas`` without a preview replica count)."""

    replicas: int
    pods_at_once: int
    scale_down_delay_s: float
    overlap_s: float
    phases: tuple[tuple[int, float], ...] = ()


def blue_green_rollout(replicas: int, time_to_ready_s: float, preview_s: float | None,
                       scale_down_delay_s: float | None, min_ready_s: float = 0.0,
                       preview_replicas: int | None = None) -> BlueGreenRollout:
    """The blue-green switch of ``replicas`` pods: ``2 x replicas`` pods run from the new set's
    start through its time to Ready, ``min_ready_s`` more until it is available (the manifest's
    minReadySeconds: Argo Rollouts promotes, and starts the preview's countdown, only once the
    new ReplicaSet is available), the preview (0 when ``None``) and the scale-down delay
    (Argo Rollouts' :data:`~infra_toolkit.argo_rollout.DEFAULT_SCALE_DOWN_DELAY_S` when
    ``None``), seconds.

    With ``preview_replicas`` P (a Rollout's ``previewReplicaCount``) the preview set runs P
    pods beside the old set's until promotion (``NewRSNewReplicas``: the preview count while
    the rollout is paused), for their time to Ready (none to wait for when P is 0) + the
    preview; only then (``scaleUpPreviewCheckPoint``) does it grow to the replicas, and the
    active Service switches once those are available (``reconcileActiveService`` waits for the
    set to be saturated): both full sets run for the new pods' time to Ready (none when P >=
    replicas) + the scale-down delay."""
    delay = DEFAULT_SCALE_DOWN_DELAY_S if scale_down_delay_s is None else scale_down_delay_s
    start_s = time_to_ready_s + min_ready_s
    if preview_replicas is None:
        overlap = start_s + (preview_s or 0.0) + delay
        return BlueGreenRollout(replicas, 2 * replicas, delay, overlap,
                                ((2 * replicas, overlap),))
    preview_phase_s = (start_s if preview_replicas > 0 else 0.0) + (preview_s or 0.0)
    overlap = (start_s if preview_replicas < replicas else 0.0) + delay
    phases = ((replicas + preview_replicas, preview_phase_s), (2 * replicas, overlap))
    return BlueGreenRollout(replicas, max(n for n, _ in phases), delay, overlap, phases)


def canary_bake(steps: Sequence[CanaryStep]) -> tuple[float, bool]:
    """(seconds of automatic pauses summed, whether a step waits for a manual promotion)."""
    return (sum(s.pause_s for s in steps if s.pause_s is not None),
            any(s.pause_s is None for s in steps))


@dataclass(frozen=True)
class CanaryStepPods:
    """The pods while a canary step of ``weight_pct`` % pauses: the canary's and the stable
    version's; ``stable_pods_moving``: the stable pods while the step's canary pods start, the
    traffic still at the previous step's weight (``None``: the same as ``stable_pods``; more
    under ``dynamicStableScale``, which shrinks the stable set only once the traffic left)."""

    weight_pct: float
    canary_pods: int
    stable_pods: int
    stable_pods_moving: int | None = None

    @property
    def pods_at_once(self) -> int:
        """Canary + stable pods, the stable ones while the weight moves when more."""
        moving = self.stable_pods if self.stable_pods_moving is None else self.stable_pods_moving
        return self.canary_pods + max(self.stable_pods, moving)


def _argo_weight(weight_pct: float, max_weight: int) -> float:
    """A step's percentage in Argo's units of ``max_weight``: the percentage itself out of
    100; otherwise the whole weight w it was read from as 100 x w / max_weight (rounding
    recovers it: the float is within far less than 0.5 of it)."""
    return weight_pct if max_weight == 100 else float(round(weight_pct * max_weight / 100))


def canary_step_pods(steps: Sequence[CanaryStep], replicas: int, min_pods: int = 0,
                     max_weight: int = 100, dynamic_stable: bool = False
                     ) -> tuple[CanaryStepPods, ...]:
    """Each step's pods of a canary of ``replicas`` pods behind a traffic router, as Argo
    Rollouts' ``CalculateReplicaCountsForTrafficRoutedCanary`` (utils/replicaset/canary.go)
    sizes them once the step is reached:

    - canary pods: a ``setCanaryScale.replicas`` in force as written; otherwise
      ``ceil(replicas x w / max_weight)`` of the weight w in force (``setCanaryScale.weight``,
      else the step's traffic weight), at least ``min_pods`` when above 0
      (``CheckMinPodsPerReplicaSet``: a Rollout's ``minPodsPerReplicaSet``, capped at the
      replicas);
    - stable pods: ``replicas`` (the stable set stays full until the rollout completes);
      with ``dynamic_stable`` (``dynamicStableScale``) the larger of
      ``ceil(replicas x (max_weight - desired) / max_weight)`` (desired: the canary's scale
      weight, 0 under a scale of replicas) and the same of the traffic's stable weight, with
      the floor too (the canary's count then gets it as well). The stable set shrinks a sync
      after the traffic moved (Argo passes the previous status weights), so while a step's
      canary pods start the stable pods are those of the previous step's traffic
      (``stable_pods_moving``; the weight before the first step is 0)."""
    floor = min(min_pods, replicas)  # "Cap MinPodsPerReplicaSet to rollout spec replicas"

    def with_floor(n: int) -> int:
        return max(n, floor) if n else 0

    def weight_pods(weight: float) -> int:
        # trafficWeightToReplicas: ceil(weight x replicas / maxWeight), the product first, so
        # 7 % of 100 pods is 700 / 100 = 7 (not 100 x 0.07 = 7.000000000000001, 8, as the
        # float product of older Argo, DesiredReplicaCountsForCanary at argo-rollouts 007a38d,
        # gave)
        return math.ceil(weight * replicas / max_weight)

    out, traffic_before = [], 0.0
    for s in steps:
        traffic = _argo_weight(s.weight_pct, max_weight)
        if s.scale_replicas is not None:  # GetCanaryReplicasOrWeight: (replicas, weight 0)
            canary, desired = s.scale_replicas, 0.0
        else:
            desired = traffic if s.scale_weight_pct is None else \
                _argo_weight(s.scale_weight_pct, max_weight)
            canary = with_floor(weight_pods(desired))
        if not dynamic_stable:
            out.append(CanaryStepPods(s.weight_pct, canary, replicas))
        else:
            def stable(actual: float, desired: float = desired) -> int:
                return with_floor(max(weight_pods(max_weight - desired),
                                      weight_pods(max_weight - actual)))
            out.append(CanaryStepPods(s.weight_pct, with_floor(canary), stable(traffic),
                                      stable(traffic_before)))
        traffic_before = traffic
    return tuple(out)


@dataclass(frozen=True)
class TimeToReady:
    """Seconds from scheduling to Ready of one pod and their parts: the image pull, the app
    start, the probes of the container Ready last and the seconds after the pull it starts
    (the native sidecars before it started; :mod:`infra_toolkit.readiness`)."""

    image_pull_s: float
    app_start_s: float
    readiness: Probe | None
    startup: Probe | None = None
    sidecar_start_s: float = 0.0

    @property
    def total_s(self) -> float:
        """Seconds from the pod's bind to Ready (:func:`seconds_to_ready`)."""
        return seconds_to_ready(self.image_pull_s + self.sidecar_start_s, self.app_start_s,
                                self.readiness, self.startup)

    @property
    def text(self) -> str:
        """How :attr:`total_s` comes about, in words and numbers."""
        return start_up_text(self.image_pull_s, self.app_start_s, self.readiness, self.startup,
                             self.sidecar_start_s)


def time_to_ready(workload: Workload) -> TimeToReady | None:
    """The workload's pod start-up as the simulator models it (its model's image pull and app
    start, its Deployment's probes); ``None`` without a model."""
    m = workload.model
    if m is None:
        return None
    last, sidecar_start_s = slowest_container(workload.deployment_spec.probes, m.image_pull_s,
                                              m.app_start_s)
    return TimeToReady(m.image_pull_s, m.app_start_s, last.readiness, last.startup,
                       sidecar_start_s)
