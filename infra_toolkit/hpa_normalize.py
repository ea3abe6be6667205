"""From a metric proposal to the size written: stabilization windows, rate limits, scale events.

Go ``horizontal.go``: ``stabilizeRecommendation`` and ``convertDesiredReplicasWithRules`` (the
no-behavior path), ``stabilizeRecommendationWithBehaviors`` and
``convertDesiredReplicasWithBehaviorRate`` (the behavior path), ``storeScaleEvent``.

The controller keeps its history in memory; here it is explicit and immutable: tuples of
:data:`Recommendation` pairs and :class:`ScaleEvent` with absolute timestamps in seconds, passed in
and returned. Window membership follows Go's strict time comparisons:

- behavior stabilization and policy periods count an entry iff ``timestamp > now - window``;
- legacy stabilization counts an entry iff ``timestamp >= now - window``;
- an entry is replaced (stabilization) or outdated (events) iff ``timestamp < now - window``.
"""

from __future__ import annotations

import math
from typing import NamedTuple, TypeAlias

from infra_toolkit.go_arithmetic import MAX_INT32, MIN_INT32, wrap_int32
from infra_toolkit.hpa_spec import HPABehavior, HPAScalingRules

__all__ = [
    "Recommendation",
    "ScaleEvent",
    "stabilize_recommendation",
    "convert_desired_replicas_with_rules",
    "calculate_scale_up_limit",
    "stabilize_recommendation_with_behaviors",
    "convert_desired_replicas_with_behavior_rate",
    "calculate_scale_up_limit_with_scaling_rules",
    "calculate_scale_down_limit_with_behaviors",
    "get_replicas_change_per_period",
    "mark_scale_events_outdated",
    "store_scale_event",
]


Recommendation: TypeAlias = tuple[int, float]
"""An unstabilized proposal the controller recorded: ``(replicas, timestamp_s)``.

A plain tuple, not a NamedTuple: every sync walks the whole history (21 entries for a 300 s
window at 15 s syncs), and Python 3.11 specializes unpacking and indexing of exact tuples only;
with NamedTuple entries the stabilization cost 1.6x the instructions (callgrind)."""


class ScaleEvent(NamedTuple):
    """A rescale of ``change`` replicas (positive) at ``timestamp_s``; ``outdated`` marks a slot
    free for reuse."""

    change: int
    timestamp_s: float
    outdated: bool = False


def _replace_or_append(
    recommendations: tuple[Recommendation, ...], old_index: int, new: Recommendation
) -> tuple[Recommendation, ...]:
    if old_index < 0:
        return recommendations + (new,)
    # one list copy, not two slices and two concatenations: this runs at every sync
    history = list(recommendations)
    history[old_index] = new
    return tuple(history)


def stabilize_recommendation(
    recommendations: tuple[Recommendation, ...],
    prenormalized_desired_replicas: int,
    now_s: float,
    downscale_stabilization_s: float,
) -> tuple[int, tuple[Recommendation, ...]]:
    """No-behavior stabilization: (max of the proposal and every recommendation at most
    ``downscale_stabilization_s`` old, the new history).

    The raw proposal is recorded in place of the last entry older than the window, else appended.
    """
    cutoff = now_s - downscale_stabilization_s
    max_recommendation = prenormalized_desired_replicas
    old_index = -1
    i = -1
    for replicas, timestamp_s in recommendations:  # an unpacking loop: 3.11 specializes it
        i += 1
        if timestamp_s < cutoff:
            old_index = i
        elif replicas > max_recommendation:
            max_recommendation = replicas
    new = (prenormalized_desired_replicas, now_s)
    return max_recommendation, _replace_or_append(recommendations, old_index, new)


def calculate_scale_up_limit(
    current_replicas: int, scale_up_limit_factor: float, scale_up_limit_minimum: float
) -> int:
    """The no-behavior per-sync cap: ``int(max(factor x current, minimum))`` (2.0 and 4.0 in
    production)."""
    return int(max(scale_up_limit_factor * current_replicas, scale_up_limit_minimum))


def convert_desired_replicas_with_rules(
    current_replicas: int,
    desired_replicas: int,
    min_replicas: int,
    max_replicas: int,
    scale_up_limit_factor: float = 2.0,
    scale_up_limit_minimum: float = 4.0,
) -> tuple[int, str]:
    """No-behavior clamp into ``[min, min(max, scale-up cap)]``: (replicas, ScalingLimited reason).

    Reasons: TooFewReplicas, ScaleUpLimit, TooManyReplicas or DesiredWithinRange.
    """
    # calculate_scale_up_limit written out (max(a, b) is b only when b > a): this runs at
    # every sync of a simulation, where the call and the builtin were half of its cost
    scale_up_limit_f = scale_up_limit_factor * current_replicas
    scale_up_limit = int(scale_up_limit_minimum if scale_up_limit_minimum > scale_up_limit_f
                         else scale_up_limit_f)
    if max_replicas > scale_up_limit:
        maximum_allowed, limiting_reason = scale_up_limit, "ScaleUpLimit"
    else:
        maximum_allowed, limiting_reason = max_replicas, "TooManyReplicas"
    if desired_replicas < min_replicas:
        return min_replicas, "TooFewReplicas"
    if desired_replicas > maximum_allowed:
        return maximum_allowed, limiting_reason
    return desired_replicas, "DesiredWithinRange"


def stabilize_recommendation_with_behaviors(
    recommendations: tuple[Recommendation, ...],
    current_replicas: int,
    prenormalized_desired_replicas: int,
    scale_up_window_s: int,
    scale_down_window_s: int,
    now_s: float,
) -> tuple[int, tuple[Recommendation, ...], str]:
    """Behavior stabilization: (current clamped into [up, down], the new history, reason).

    ``up`` is the min of the proposal and the recommendations younger than the scale-up window,
    ``down`` the max over the scale-down window; the size never moves past the proposal nor
    against its direction. The raw proposal replaces the last entry older than both windows, else
    is appended. The reason (ScaleUpStabilized / ScaleDownStabilized) is the AbleToScale reason to
    report when the result differs from the proposal.
    """
    up_cutoff = now_s - scale_up_window_s
    down_cutoff = now_s - scale_down_window_s
    old_cutoff = min(up_cutoff, down_cutoff)
    up_recommendation = down_recommendation = prenormalized_desired_replicas
    old_index = -1
    i = -1
    for replicas, timestamp in recommendations:
        i += 1
        if timestamp < old_cutoff:  # older than both windows: counted in neither, reusable
            old_index = i
            continue
        if timestamp > up_cutoff and replicas < up_recommendation:
            up_recommendation = replicas
        if timestamp > down_cutoff and replicas > down_recommendation:
            down_recommendation = replicas
    recommendation = current_replicas
    if recommendation < up_recommendation:
        recommendation = up_recommendation
    if recommendation > down_recommendation:
        recommendation = down_recommendation
    new = (prenormalized_desired_replicas, now_s)
    history = _replace_or_append(recommendations, old_index, new)
    if prenormalized_desired_replicas >= current_replicas:
        return recommendation, history, "ScaleUpStabilized"
    return recommendation, history, "ScaleDownStabilized"


def get_replicas_change_per_period(
    period_s: int, scale_events: tuple[ScaleEvent, ...], now_s: float
) -> int:
    """The replicas changed by events younger than ``period_s`` (the outdated flag is not read)."""
    cutoff = now_s - period_s
    return sum(event[0] for event in scale_events if event[1] > cutoff)


def _period_start(
    current_replicas: int,
    period_s: int,
    scale_up_events: tuple[ScaleEvent, ...],
    scale_down_events: tuple[ScaleEvent, ...],
    now_s: float,
) -> int:
    """The size at the start of the policy period: events of both directions are undone."""
    return (
        current_replicas
        - get_replicas_change_per_period(period_s, scale_up_events, now_s)
        + get_replicas_change_per_period(period_s, scale_down_events, now_s)
    )


def calculate_scale_up_limit_with_scaling_rules(
    current_replicas: int,
    scale_up_events: tuple[ScaleEvent, ...],
    scale_down_events: tuple[ScaleEvent, ...],
    rules: HPAScalingRules,
    now_s: float,
) -> int:
    """The largest size the scale-up policies allow now (Go
    ``calculateScaleUpLimitWithScalingRules``).

    Per policy the period starts at ``current - added + removed`` within its period; Pods adds
    ``value``, Percent multiplies by ``1 + value/100`` rounding up. Max/Min pick the largest or
    smallest limit; Disabled returns ``current_replicas``.
    """
    if rules.select_policy == "Disabled":
        return current_replicas
    limits = _policy_limits(current_replicas, scale_up_events, scale_down_events, rules, now_s,
                            up=True)
    if rules.select_policy == "Min":
        return min([MAX_INT32, *limits])
    return max([MIN_INT32, *limits])


def calculate_scale_down_limit_with_behaviors(
    current_replicas: int,
    scale_up_events: tuple[ScaleEvent, ...],
    scale_down_events: tuple[ScaleEvent, ...],
    rules: HPAScalingRules,
    now_s: float,
) -> int:
    """The smallest size the scale-down policies allow now (Go
    ``calculateScaleDownLimitWithBehaviors``).

    Pods subtracts ``value``; Percent keeps ``int(start x (1 - value/100))``, truncating the
    remaining count. Max means the biggest change (smallest size), Min the smallest change.
    """
    if rules.select_policy == "Disabled":
        return current_replicas
    limits = _policy_limits(current_replicas, scale_up_events, scale_down_events, rules, now_s,
                            up=False)
    if rules.select_policy == "Min":  # the smallest change: the largest size
        return max([MIN_INT32, *limits])
    return min([MAX_INT32, *limits])


def _policy_limits(
    current_replicas: int,
    scale_up_events: tuple[ScaleEvent, ...],
    scale_down_events: tuple[ScaleEvent, ...],
    rules: HPAScalingRules,
    now_s: float,
    up: bool,
) -> list[int]:
    """Each policy's limit on the size, from the size at the start of its period: Pods adds
    (``up``) or subtracts ``value``; Percent multiplies by ``1 + value/100`` rounding up, or by
    ``1 - value/100`` truncating.

    The period start and the Pods limit are Go int32 sums, which wrap: a Pods value near
    2**31 - 1 (the API sets no upper bound) wraps the limit negative on a scale-up, which then
    pins the size to the current one, as in the real controller.
    """
    limits = []
    for policy in rules.policies or ():
        period_start = wrap_int32(_period_start(
            current_replicas, policy.period_s, scale_up_events, scale_down_events, now_s
        ))
        if policy.type == "Pods":
            limits.append(wrap_int32(
                period_start + policy.value if up else period_start - policy.value))
        elif up:
            limits.append(math.ceil(period_start * (1 + policy.value / 100)))
        else:
            limits.append(int(period_start * (1 - policy.value / 100)))
    return limits


def convert_desired_replicas_with_behavior_rate(
    current_replicas: int,
    desired_replicas: int,
    min_replicas: int,
    max_replicas: int,
    scale_up_rules: HPAScalingRules,
    scale_down_rules: HPAScalingRules,
    scale_up_events: tuple[ScaleEvent, ...],
    scale_down_events: tuple[ScaleEvent, ...],
    now_s: float,
) -> tuple[int, str]:
    """Apply the behavior rate limits to a stabilized size: (replicas, ScalingLimited reason).

    Scaling up is capped by ``min(max_replicas, policy limit)`` (ScaleUpLimit or
    TooManyReplicas) and minReplicas is not applied; scaling down is floored by
    ``max(min_replicas, policy limit)`` (ScaleDownLimit or TooFewReplicas) and maxReplicas is not
    applied. A limit never forces the opposite direction.
    """
    if desired_replicas > current_replicas:
        limit = calculate_scale_up_limit_with_scaling_rules(
            current_replicas, scale_up_events, scale_down_events, scale_up_rules, now_s
        )
        if limit < current_replicas:
            limit = current_replicas  # no further scale-up until old events leave the period
        if max_replicas > limit:
            maximum_allowed, reason = limit, "ScaleUpLimit"
        else:
            maximum_allowed, reason = max_replicas, "TooManyReplicas"
        if desired_replicas > maximum_allowed:
            return maximum_allowed, reason
    elif desired_replicas < current_replicas:
        limit = calculate_scale_down_limit_with_behaviors(
            current_replicas, scale_up_events, scale_down_events, scale_down_rules, now_s
        )
        if limit > current_replicas:
            limit = current_replicas
        if min_replicas < limit:
            minimum_allowed, reason = limit, "ScaleDownLimit"
        else:
            minimum_allowed, reason = min_replicas, "TooFewReplicas"
        if desired_replicas < minimum_allowed:
            return minimum_allowed, reason
    return desired_replicas, "DesiredWithinRange"


def mark_scale_events_outdated(
    scale_events: tuple[ScaleEvent, ...], longest_policy_period_s: int, now_s: float
) -> tuple[ScaleEvent, ...]:
    """The events with ``outdated`` set on those older than the longest policy period."""
    cutoff = now_s - longest_policy_period_s
    if not any(event[1] < cutoff and not event[2] for event in scale_events):
        return scale_events
    return tuple(
        ScaleEvent(event[0], event[1], True) if event[1] < cutoff else event
        for event in scale_events
    )


def _store(
    events: tuple[ScaleEvent, ...], rules: HPAScalingRules, change: int, now_s: float
) -> tuple[ScaleEvent, ...]:
    events = mark_scale_events_outdated(events, rules.longest_period_s, now_s)
    old_index = -1
    for i, event in enumerate(events):
        if event[2]:
            old_index = i
    new = ScaleEvent(change, now_s, False)
    if old_index < 0:
        return events + (new,)
    return events[:old_index] + (new,) + events[old_index + 1 :]


def store_scale_event(
    behavior: HPABehavior | None,
    scale_up_events: tuple[ScaleEvent, ...],
    scale_down_events: tuple[ScaleEvent, ...],
    prev_replicas: int,
    new_replicas: int,
    now_s: float,
) -> tuple[tuple[ScaleEvent, ...], tuple[ScaleEvent, ...]]:
    """Record a rescale in the event history: (scale-up events, scale-down events).

    Nothing is stored without a behavior. Before storing, events older than the direction's
    longest policy period are marked outdated, and the new event takes the last outdated slot.
    """
    if behavior is None:
        return scale_up_events, scale_down_events
    if new_replicas > prev_replicas:
        assert behavior.scale_up is not None  # filled by HPABehavior
        up = _store(scale_up_events, behavior.scale_up, new_replicas - prev_replicas, now_s)
        return up, scale_down_events
    assert behavior.scale_down is not None
    down = _store(scale_down_events, behavior.scale_down, prev_replicas - new_replicas, now_s)
    return scale_up_events, down
