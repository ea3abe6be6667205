"""An Argo Rollouts ``Rollout`` (``argoproj.io/v1alpha1``) read as the workload it is.

A Rollout's ``spec.replicas`` (default 1), ``selector``, ``template``, ``minReadySeconds``
(default 0), ``revisionHistoryLimit`` (default 10) and ``progressDeadlineSeconds`` (default 600,
above minReadySeconds) mean what a Deployment's do (``RolloutSpec`` in
pkg/apis/rollouts/v1alpha1/types.go, ``utils/defaults/defaults.go``, ``ValidateRolloutSpec``), so
its pods are read by the Deployment's reader (:func:`infra_toolkit.manifests.deployment_from_dict`).
Its ``spec.strategy`` is its own: exactly one of ``canary`` and ``blueGreen``
(``ValidateRolloutStrategy``), read here as :class:`ArgoStrategy`:

- ``blueGreen``: ``activeService`` (required, not the ``previewService``),
  ``autoPromotionEnabled`` (default true), ``autoPromotionSeconds`` (default 0: the countdown
  starts once the preview set is fully available), ``scaleDownDelaySeconds`` (default 30),
  ``previewReplicaCount`` (unset: the preview set runs the full replicas). It is the toolkit's
  blue-green (:func:`deployment_strategy_of`): both full sets for time to Ready + the
  promotion delay + the scale-down delay, "at least" that without auto promotion; with a
  ``previewReplicaCount`` P the preview set runs P pods until promotion, then grows to the
  replicas before the switch (:func:`~infra_toolkit.rollout.blue_green_rollout`); pre/post
  promotion analyses are noted as not modelled.
- ``canary``: ``maxSurge`` / ``maxUnavailable`` (25 % each unset, not both 0), ``steps`` of
  ``setWeight`` (0 to the router's ``maxTrafficWeight``, 100 unset; read as percentages of
  it), ``setCanaryScale`` (``replicas``, else ``weight`` of ``maxTrafficWeight``, sizing the
  canary apart from the traffic from that step on; ``matchTrafficWeight`` or ``{}`` hands it
  back to the weight; refused without a router, as Argo's validation does) and ``pause``
  (``{}``: until promoted; ``duration``: seconds or a Go
  duration of any unit Go's ``time.ParseDuration`` reads, ns to h, whole seconds as Argo truncates
  it; consecutive timed pauses summed, a manual one beside a timed one kept as a second step of
  the same weight; a pause before any ``setWeight`` is at weight 0, ``GetCurrentSetWeight``'s
  answer there), ``trafficRouting``. With a traffic router and ``setWeight`` /
  ``setCanaryScale`` / ``pause`` steps it is the toolkit's canary of pods
  (:func:`~infra_toolkit.rollout.canary_step_pods`: ceil(replicas x weight / max weight) canary
  pods or the scale's, at least ``minPodsPerReplicaSet`` at a weight above 0, beside the full
  stable set, or with ``dynamicStableScale`` a stable set shrunk as the traffic leaves it;
  after the last step Argo promotes to 100 %, added as a last step when the steps stop short
  or end under a scale). Otherwise (a basic canary, whose weight is approximated by pod counts
  as the stable set shrinks; ``analysis`` or ``experiment`` steps) it is not modelled:
  :attr:`ArgoStrategy.not_modelled` says why, and the report shows no canary figures for it.
  Either strategy's ``antiAffinity`` (new pods kept off the old ones' nodes) and
  ``abortScaleDownDelaySeconds`` (acting only on an abort, which the figures do not time) are
  noted too.

A ``spec.workloadRef`` (the pod template taken from a Deployment) is refused with the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra_toolkit.errors import quoted
from infra_toolkit.go_arithmetic import MAX_INT32, MIN_INT32
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.plan_operations_types import CanaryStep, DeploymentStrategy
from infra_toolkit.update_strategy import amount_from, is_zero_amount

__all__ = ["DEFAULT_SCALE_DOWN_DELAY_S", "ROLLOUT_API_VERSION", "ArgoStrategy",
           "argo_strategy_from", "deployment_strategy_of", "workload_ref_problem"]

#: The one API version of an Argo Rollouts ``Rollout`` (pkg/apis/rollouts/v1alpha1).
ROLLOUT_API_VERSION = "argoproj.io/v1alpha1"
#: ``scaleDownDelaySeconds`` when unset (``DefaultScaleDownDelaySeconds``).
DEFAULT_SCALE_DOWN_DELAY_S = 30

# the fields of BlueGreenStrategy, CanaryStrategy and CanaryStep in types.go: closed sets, which
# the Rollout CRD's schema holds a strictly validated apply to
_BLUE_GREEN = ("activeService", "previewService", "previewReplicaCount", "autoPromotionEnabled",
               "autoPromotionSeconds", "maxUnavailable", "scaleDownDelaySeconds",
               "scaleDownDelayRevisionLimit", "prePromotionAnalysis", "antiAffinity",
               "postPromotionAnalysis", "previewMetadata", "activeMetadata",
               "abortScaleDownDelaySeconds")
_CANARY = ("canaryService", "stableService", "steps", "trafficRouting", "maxUnavailable",
           "maxSurge", "analysis", "antiAffinity", "canaryMetadata", "stableMetadata",
           "scaleDownDelaySeconds", "scaleDownDelayRevisionLimit", "abortScaleDownDelaySeconds",
           "dynamicStableScale", "pingPong", "minPodsPerReplicaSet")
_STEPS = ("setWeight", "pause", "experiment", "analysis", "setCanaryScale", "setHeaderRoute",
          "setMirrorRoute", "plugin")
_SCALE = ("weight", "replicas", "matchTrafficWeight")
# a pause's duration: whole seconds, or a Go duration (RolloutPause.DurationSeconds): Go's
# time.ParseDuration units in nanoseconds (unitMap in time/format.go: two spellings of micro)
_GO_UNIT_NS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
               "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_GO_TERM = re.compile(r"(\d*)(?:\.(\d*))?([^0-9.]*)")


@dataclass(frozen=True)
class ArgoStrategy:
    """A Rollout's ``spec.strategy``: ``type`` ``blueGreen`` or ``canary``; ``scale_down_delay_s``
    (seconds the previous set stays up after the promotion: blue-green's, and a canary's with
    trafficRouting); blue-green's ``auto_promote``, ``auto_promotion_s`` and
    ``preview_replicas`` (``None``: the full replicas); a canary's ``max_surge`` /
    ``max_unavailable`` as written (``None``: 25 %), ``traffic_router`` (the provider key of
    ``trafficRouting``, ``None`` without one), ``min_pods_per_replica_set`` (its
    ``minPodsPerReplicaSet`` with a router, 0 unset), ``dynamic_stable_scale`` (its
    ``dynamicStableScale`` with a router), ``max_traffic_weight`` (its router's
    ``maxTrafficWeight``, 100 unset) and ``steps`` as the toolkit's canary steps, weights as
    percentages of ``max_traffic_weight`` (``None`` when not modelled); ``not_modelled``: what
    of it the report does not simulate, one phrase each naming the field."""

    type: str
    auto_promote: bool = True
    auto_promotion_s: int = 0
    scale_down_delay_s: int = DEFAULT_SCALE_DOWN_DELAY_S
    preview_replicas: int | None = None
    max_surge: int | str | None = None
    max_unavailable: int | str | None = None
    traffic_router: str | None = None
    min_pods_per_replica_set: int = 0
    dynamic_stable_scale: bool = False
    max_traffic_weight: int = 100
    steps: tuple[CanaryStep, ...] | None = None
    not_modelled: tuple[str, ...] = ()


def workload_ref_problem(spec: Any, of: str) -> str | None:
    """Why a Rollout with ``spec.workloadRef`` is refused (its pods are another manifest's),
    ``None`` without one."""
    ref = spec.get("workloadRef") if isinstance(spec, Mapping) else None
    if ref is None:
        return None
    target = (f"{ref.get('kind')}/{ref.get('name')}" if isinstance(ref, Mapping)
              else quoted(ref))
    # the way that keeps the Rollout first: pointing `deployment:` at the Deployment leaves
    # the Rollout unread and its HPA (which names the Rollout, as Argo requires) refused
    # (author19); a file holding both is refused as two manifests of one name
    return (f"spec.workloadRef{of} takes the pod template from {target}; the toolkit reads a "
            "Rollout's pods from its own spec.template only and does not follow workloadRef; "
            "write the Deployment's spec.selector and spec.template into the Rollout in place "
            "of workloadRef (Argo's conversion of a Deployment to a Rollout) and point the "
            "workload's `deployment:` at it, the HPA's scaleTargetRef naming the Rollout; or "
            "point `deployment:` at the Deployment's own manifest, with an HPA naming that "
            "Deployment and the Rollout's steps restated in the plan's deployment_strategy "
            "(the plan then does not read the Rollout)")


def _unknown(block: Mapping[str, Any], allowed: tuple[str, ...], where: str, of: str
             ) -> list[str]:
    return [f"{where}.{k}{of} is not a field of Argo Rollouts' {where.rsplit('.', 1)[-1]}"
            f"{did_you_mean(str(k), allowed)}" for k in block if k not in allowed]


def _whole(block: Mapping[str, Any], key: str, where: str, of: str, problems: list[str]
           ) -> int | None:
    value = block.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT32:
        return value
    unit = " of seconds" if key.endswith("Seconds") else ""
    problems.append(f"{where}.{key}{of}: {quoted(value)} must be a whole number{unit} >= 0")
    return None


def _anti_affinity(block: Mapping[str, Any], where: str) -> list[str]:
    """The note for a strategy's ``antiAffinity``, which Argo injects into the new pods against
    the old ones' nodes (not simulated)."""
    return [f"{where}.antiAffinity (Argo keeps the new pods off the nodes of the old ones: "
            "more extra nodes than the table's)"] if block.get("antiAffinity") else []


def _abort_delay(block: Mapping[str, Any], where: str, of: str, problems: list[str]
                 ) -> list[str]:
    """The note for a strategy's ``abortScaleDownDelaySeconds``: on an abort Argo keeps the new
    pods that long (0: until the next update) before scaling them down, which only an abort
    runs into and the figures do not time."""
    delay_s = _whole(block, "abortScaleDownDelaySeconds", where, of, problems)
    return [] if delay_s is None else [
        f"{where}.abortScaleDownDelaySeconds {delay_s} (on an abort Argo keeps the new pods "
        + ("until the next update" if delay_s == 0 else f"{delay_s} s")
        + " before scaling them down; the figures do not time an abort)"]


def _blue_green(bg: Mapping[str, Any], of: str, problems: list[str]) -> ArgoStrategy:
    where = "spec.strategy.blueGreen"
    problems += _unknown(bg, _BLUE_GREEN, where, of)
    active, preview = bg.get("activeService"), bg.get("previewService")
    if not isinstance(active, str) or not active:
        problems.append(f"{where}.activeService{of} is missing: a blue-green Rollout switches "
                        "the active Service's selector to the new pods; name that Service")
    elif active == preview:
        problems.append(f"{where}.previewService{of} is the activeService ({quoted(active)}), "
                        "which Argo Rollouts refuses: two different Services are required")
    auto = bg.get("autoPromotionEnabled", True)
    if not isinstance(auto, bool):
        problems.append(f"{where}.autoPromotionEnabled{of}: {quoted(auto)} must be true or "
                        "false")
        auto = True
    amount_from(bg.get("maxUnavailable"), f"{where}.maxUnavailable{of}", problems)
    delay = _whole(bg, "scaleDownDelaySeconds", where, of, problems)
    notes = [f"{where}.{k} (the promotion waits for its analysis: the overlap is longer)"
             for k in ("prePromotionAnalysis", "postPromotionAnalysis") if bg.get(k)]
    notes += _anti_affinity(bg, where) + _abort_delay(bg, where, of, problems)
    preview_replicas = _whole(bg, "previewReplicaCount", where, of, problems)
    return ArgoStrategy("blueGreen", auto,
                        _whole(bg, "autoPromotionSeconds", where, of, problems) or 0,
                        DEFAULT_SCALE_DOWN_DELAY_S if delay is None else delay,
                        preview_replicas, not_modelled=tuple(notes))


def _go_duration_ns(text: str) -> int | None:
    """Go's ``time.ParseDuration`` of ``text`` in nanoseconds, ``None`` where Go refuses it: an
    optional sign, then ``0`` or terms of a number (``1``, ``1.5``, ``.5``, ``5.``) and a unit of
    :data:`_GO_UNIT_NS` (``1h30m``); a fraction adds ``uint64(float64(f) * (unit / scale))``
    nanoseconds and a total past an int64 is refused, as in time/format.go."""
    negative, body = text.startswith("-"), text[1:] if text[:1] in ("-", "+") else text
    if body == "0":
        return 0
    total_ns, at = 0, 0
    while at < len(body) or not body:  # an empty body: one pass, refused for its missing digit
        term = _GO_TERM.match(body, at)
        assert term is not None  # every part of the pattern may be empty
        whole, fraction, unit = term.groups(default="")
        unit_ns = _GO_UNIT_NS.get(unit)
        if not (whole or fraction) or unit_ns is None:
            return None  # no digit, or a missing or unknown unit
        at = term.end()
        # leadingFraction stops taking digits once they would pass 2^63
        kept = next((i for i in range(len(fraction)) if int(fraction[:i + 1]) > 2**63),
                    len(fraction))
        ns = int(whole or "0") * unit_ns + (
            int(float(int(fraction[:kept])) * (float(unit_ns) / float(10**kept))) if kept else 0)
        total_ns += ns
        if int(whole or "0") > 2**63 or ns > 2**63 or total_ns > 2**63:
            return None
    if total_ns > 2**63 - (0 if negative else 1):  # -2^63 ns fits an int64, +2^63 does not
        return None
    return -total_ns if negative else total_ns


def _pause_s(pause: Any, where: str, of: str, problems: list[str]) -> float | None:
    """A pause step's seconds, ``None`` for one that waits for a promotion (no duration), as
    ``RolloutPause.DurationSeconds`` (types.go) reads ``duration``: an int of seconds, a string
    of whole seconds (``strconv.ParseInt(s, 10, 32)``), else ``int32(d.Seconds())`` of Go's
    ``time.ParseDuration`` (whole seconds, the fraction dropped toward 0); refused where it is
    not one of those or is below 0 (``ValidateRolloutStrategyCanary``)."""
    duration = pause.get("duration") if isinstance(pause, Mapping) else None
    if pause is not None and not isinstance(pause, Mapping):
        problems.append(f"{where}{of}: {quoted(pause)} must be a mapping ({{}} or "
                        "{duration: 1h})")
    if duration is None:
        return None
    seconds: int | None = None
    if isinstance(duration, int) and not isinstance(duration, bool):
        seconds = duration if duration <= MAX_INT32 else None
    elif isinstance(duration, str) and re.fullmatch(r"[+-]?[0-9]+", duration) and \
            MIN_INT32 <= int(duration) <= MAX_INT32:
        seconds = int(duration)
    elif isinstance(duration, str) and (ns := _go_duration_ns(duration)) is not None:
        # Duration.Seconds() is sec + nsec / 1e9 in float64; int32() truncates toward 0
        whole_s = int(float(abs(ns) // 10**9) + float(abs(ns) % 10**9) / 1e9)
        seconds = -whole_s if ns < 0 else whole_s
        seconds = seconds if seconds <= MAX_INT32 else None
    if seconds is not None and seconds >= 0:
        return float(seconds)
    if seconds is not None:
        problems.append(f"{where}.duration{of}: {quoted(duration)} is {seconds} s, below 0, "
                        "which Argo Rollouts refuses (InvalidDurationMessage); write 0 or more")
        return None
    problems.append(f"{where}.duration{of}: {quoted(duration)} must be seconds (300) or a "
                    "duration such as 30s, 10m, 1h: whole seconds up to 2147483647, or Go's "
                    "time.ParseDuration, a number and a unit (h, m, s, ms, us, µs, ns) each, "
                    "as in 1h30m or 1.5h")
    return None


def _canary_scale(value: Any, at: str, of: str, max_weight: int, problems: list[str]
                  ) -> tuple[int | None, float | None] | None | bool:
    """A ``setCanaryScale`` step as (replicas, weight %) in force from it on, ``None`` where it
    hands the canary's size back to the traffic weight (``matchTrafficWeight: true``, or
    neither field: ``GetCanaryReplicasOrWeight`` then falls through to the setWeight), ``False``
    when refused. ``replicas`` wins over ``weight`` (``GetCanaryReplicasOrWeight`` reads it
    first) and ``matchTrafficWeight`` over both (``UseSetCanaryScale`` returns nil); a
    weight counts out of ``max_weight``, above it too (Argo sizes 200 of 100 at twice the
    replicas)."""
    if not isinstance(value, Mapping):
        problems.append(f"{at}{of}: {quoted(value)} must be a mapping ({{replicas: 2}}, "
                        "{weight: 20} or {matchTrafficWeight: true})")
        return False
    refused = len(problems)
    problems += _unknown(value, _SCALE, at, of)
    match = value.get("matchTrafficWeight", False)
    if not isinstance(match, bool):
        problems.append(f"{at}.matchTrafficWeight{of}: {quoted(match)} must be true or false")
    counts = {}
    for key, unit in (("replicas", "pods"), ("weight", f"weight (of {max_weight})")):
        n = value.get(key)
        if n is not None and (isinstance(n, bool) or not isinstance(n, int)
                              or not 0 <= n <= MAX_INT32):
            problems.append(f"{at}.{key}{of}: {quoted(n)} must be a whole {unit} >= 0 (the "
                            "canary ReplicaSet cannot run fewer than 0 pods)")
        counts[key] = n
    if len(problems) > refused:
        return False
    if match:
        return None
    if counts["replicas"] is not None:
        return counts["replicas"], None
    return None if counts["weight"] is None else (None, 100 * counts["weight"] / max_weight)


def _canary_steps(raw: Any, of: str, problems: list[str], max_weight: int = 100,
                  routed: bool = True) -> tuple[tuple[CanaryStep, ...] | None, list[str]]:
    """The steps as the toolkit's canary steps and the steps it cannot model (their paths):
    weights out of ``max_weight`` (``maxTrafficWeight``) as percentages; a ``setCanaryScale``
    a step of its own at the weight in force (Argo waits there for the canary's new size), its
    scale kept by the later steps until another ``setCanaryScale`` or the promotion
    (``UseSetCanaryScale`` searches back from the current step); refused without a traffic
    router (``routed``), as Argo's validation does."""
    where = "spec.strategy.canary.steps"
    if raw is not None and not isinstance(raw, list):
        problems.append(f"{where}{of} must be a list of steps")
        return None, []
    steps: list[list[Any]] = []  # [weight %, pause s or None, (replicas, weight %) or None]
    weight_pct: float = 0.0  # GetCurrentSetWeight before any setWeight
    scale: tuple[int | None, float | None] | None = None
    other: list[str] = []
    for i, step in enumerate(raw or []):
        at = f"{where}[{i}]"
        if not isinstance(step, Mapping) or len(step) != 1:
            problems.append(f"{at}{of} must hold exactly one of {', '.join(_STEPS)}")
            continue
        ((key, value),) = step.items()
        if value is None:  # `- pause:` decodes to no step at all, which Argo refuses
            problems.append(f"{at}.{key}{of} has no value, which Argo Rollouts refuses (a step "
                            "must set one of its fields); write pause: {} to wait for a "
                            "promotion")
        elif key not in _STEPS:
            problems.append(f"{at}.{key}{of} is not a canary step{did_you_mean(str(key), _STEPS)}")
        elif key == "setWeight":
            if isinstance(value, bool) or not isinstance(value, int) or \
                    not 0 <= value <= max_weight:
                problems.append(f"{at}.setWeight{of}: {quoted(value)} must be a whole "
                                + ("percentage from 0 to 100" if max_weight == 100 else
                                   f"weight from 0 to {max_weight}, the trafficRouting's "
                                   "maxTrafficWeight"))
                continue
            weight_pct = 100 * value / max_weight
            steps.append([weight_pct, 0.0, scale])
        elif key == "setCanaryScale":
            if not routed:
                problems.append(f"{at}.setCanaryScale{of} needs spec.strategy.canary."
                                "trafficRouting, which Argo Rollouts refuses it without "
                                "(SetCanaryScale requires TrafficRouting to be set); add a "
                                "trafficRouting or remove the step")
                continue
            new = _canary_scale(value, f"{at}.setCanaryScale", of, max_weight, problems)
            if new is False:
                continue
            scale = new if isinstance(new, tuple) else None
            steps.append([weight_pct, 0.0, scale])
        elif key == "pause":
            seconds = _pause_s(value, f"{at}.pause", of, problems)
            if not steps:
                # GetCurrentSetWeight (utils/replicaset/canary.go) finds no setWeight at or
                # before the step and gives 0: a pause at weight 0, no canary pod behind a router
                steps.append([0.0, seconds, scale])
            elif steps[-1][1] is not None and (seconds is not None or steps[-1][1] == 0):
                steps[-1][1] = None if seconds is None else steps[-1][1] + seconds
            else:  # a manual pause beside a timed one: both kept, as two steps of one weight
                steps.append([steps[-1][0], seconds, steps[-1][2]])
        else:
            other.append(f"{at}.{key}")
    if not steps or steps[-1][0] < 100 or steps[-1][2] is not None:
        # Argo promotes to 100 % once the steps are done, the canary at full replicas: no
        # current step, so no setCanaryScale in force (UseSetCanaryScale returns nil)
        steps.append([100.0, 0.0, None])
    return tuple(CanaryStep(w, p, *(sc or (None, None))) for w, p, sc in steps), other


def _canary(c: Mapping[str, Any], of: str, problems: list[str]) -> ArgoStrategy:
    where = "spec.strategy.canary"
    problems += _unknown(c, _CANARY, where, of)
    surge = amount_from(c.get("maxSurge"), f"{where}.maxSurge{of}", problems)
    unavailable = amount_from(c.get("maxUnavailable"), f"{where}.maxUnavailable{of}", problems)
    if is_zero_amount(surge) and is_zero_amount(unavailable):
        problems.append(f"{where}{of}: maxSurge and maxUnavailable cannot both be 0 (Argo "
                        "Rollouts refuses it: the rollout could never progress)")
    routing = c.get("trafficRouting")
    if routing is not None and not isinstance(routing, Mapping):
        problems.append(f"{where}.trafficRouting{of} must be a mapping naming the router "
                        "(alb, istio, nginx, ...)")
        routing = None
    if routing is None:
        problems += [f"{where}.{k}{of} only applies with trafficRouting (Argo Rollouts "
                     "refuses it on a basic canary)"
                     for k in ("scaleDownDelaySeconds", "dynamicStableScale") if c.get(k)]
    dynamic = c.get("dynamicStableScale", False)
    if not isinstance(dynamic, bool):
        problems.append(f"{where}.dynamicStableScale{of}: {quoted(dynamic)} must be true or "
                        "false")
        dynamic = False
    elif dynamic and routing is not None and c.get("scaleDownDelaySeconds") is not None:
        problems.append(f"{where}.dynamicStableScale{of} cannot go with scaleDownDelaySeconds "
                        "(Argo Rollouts refuses both: the stable pods are already gone when "
                        "the traffic has left them); remove one")
    max_weight = _max_traffic_weight(routing, f"{where}.trafficRouting", of, problems)
    delay = _whole(c, "scaleDownDelaySeconds", where, of, problems)
    steps, other = _canary_steps(c.get("steps"), of, problems, max_weight, routing is not None)
    router = next((str(k) for k in routing if k not in ("managedRoutes", "maxTrafficWeight")),
                  "trafficRouting") if routing is not None else None
    floor = c.get("minPodsPerReplicaSet")
    if floor is None:
        floor = 0
    elif isinstance(floor, bool) or not isinstance(floor, int):
        problems.append(f"{where}.minPodsPerReplicaSet{of}: {quoted(floor)} must be a whole "
                        "number of pods")
        floor = 0
    # CheckMinPodsPerReplicaSet returns the count unchanged without a router
    floor = max(floor, 0) if routing is not None else 0
    why = [] if routing is not None else [
        f"{where} without trafficRouting (a basic canary: the weight is approximated by pod "
        "counts as the stable pods scale down, within maxSurge / maxUnavailable)"]
    why += other
    return ArgoStrategy("canary", scale_down_delay_s=(DEFAULT_SCALE_DOWN_DELAY_S
                                                      if delay is None else delay),
                        max_surge=surge, max_unavailable=unavailable,
                        traffic_router=router, min_pods_per_replica_set=floor,
                        dynamic_stable_scale=dynamic and routing is not None,
                        max_traffic_weight=max_weight,
                        steps=None if why else steps,
                        not_modelled=tuple(why + _anti_affinity(c, where)
                                           + _abort_delay(c, where, of, problems)))


def _max_traffic_weight(routing: Mapping[str, Any] | None, where: str, of: str,
                        problems: list[str]) -> int:
    """The router's ``maxTrafficWeight``, the whole the weights count out of
    (``weightutil.MaxTrafficWeight``: 100 unset); below 1 refused (Argo would divide by it)."""
    value = routing.get("maxTrafficWeight") if routing is not None else None
    if value is None:
        return 100
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INT32:
        problems.append(f"{where}.maxTrafficWeight{of}: {quoted(value)} must be a whole number "
                        "above 0 (the weights count out of it; 100 unset)")
        return 100
    return value


def argo_strategy_from(spec: Any, of: str = "") -> tuple[ArgoStrategy, list[str]]:
    """A Rollout's ``spec.strategy`` and the problems found (each naming its field, then
    ``of``, e.g. `` of Rollout 'web' in web.yaml``), as Argo Rollouts' validation refuses
    them."""
    problems: list[str] = []
    raw = spec.get("strategy") if isinstance(spec, Mapping) else None
    if not isinstance(raw, Mapping) or not raw:
        return ArgoStrategy("canary"), [
            f"spec.strategy{of} is missing: a Rollout needs exactly one of "
            "spec.strategy.canary and spec.strategy.blueGreen (Argo Rollouts refuses it "
            "without)"]
    problems += _unknown(raw, ("canary", "blueGreen"), "spec.strategy", of)
    bg, canary = raw.get("blueGreen"), raw.get("canary")
    if bg is None and canary is None:
        return ArgoStrategy("canary"), problems + [
            f"spec.strategy{of} holds neither canary nor blueGreen: a Rollout needs exactly "
            "one of them (Argo Rollouts refuses it without)"]
    if bg is not None and canary is not None:
        problems.append(f"spec.strategy{of} holds both canary and blueGreen, which Argo "
                        "Rollouts refuses (Multiple Strategies can not be listed); keep one")
    if isinstance(bg, Mapping):
        return _blue_green(bg, of, problems), problems
    if isinstance(canary, Mapping):
        return _canary(canary, of, problems), problems
    key = "blueGreen" if "blueGreen" in raw else "canary"
    problems.append(f"spec.strategy.{key}{of} must be a mapping ({{}} for every default)")
    return ArgoStrategy(key), problems


def deployment_strategy_of(argo: ArgoStrategy, owner: str) -> DeploymentStrategy:
    """The toolkit's strategy for a Rollout's own (see the module docstring): ``blue-green``
    with ``auto_promote`` and ``preview_s`` (its autoPromotionSeconds; 0 without auto promotion,
    the figures then "at least"), ``canary`` of pods with its steps, or a ``canary`` without
    steps when it is not modelled (no canary figures; :attr:`ArgoStrategy.not_modelled`)."""
    if argo.type == "blueGreen":
        return DeploymentStrategy(
            "blue-green", f"the {owner}'s own blueGreen strategy",
            preview_s=float(argo.auto_promotion_s if argo.auto_promote else 0),
            auto_promote=argo.auto_promote, scale_down_delay_s=float(argo.scale_down_delay_s),
            preview_replicas=argo.preview_replicas)
    if argo.steps is None:
        # the router kept: a basic canary (None) is rolled back otherwise than a routed one
        return DeploymentStrategy("canary", f"the {owner}'s own canary strategy (not "
                                  f"modelled: {'; '.join(argo.not_modelled)})",
                                  traffic_router=argo.traffic_router)
    return DeploymentStrategy("canary", f"the {owner}'s own canary strategy",
                              steps=argo.steps, traffic_router=argo.traffic_router,
                              canary_min_pods=argo.min_pods_per_replica_set,
                              canary_dynamic_stable=argo.dynamic_stable_scale,
                              canary_max_weight=argo.max_traffic_weight)
