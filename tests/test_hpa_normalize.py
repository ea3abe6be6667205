"""SPEC.md sections 4, 5.2-5.4: stabilization, rate limits, scale events (hand-computed)."""

from __future__ import annotations

import pytest

from infra_toolkit.hpa import (
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    Recommendation,
    ScaleEvent,
    calculate_scale_down_limit_with_behaviors,
    calculate_scale_up_limit_with_scaling_rules,
    convert_desired_replicas_with_behavior_rate,
    convert_desired_replicas_with_rules,
    generate_scale_down_rules,
    generate_scale_up_rules,
    get_replicas_change_per_period,
    stabilize_recommendation,
    stabilize_recommendation_with_behaviors,
    store_scale_event,
)

NOW = 0.0
DEFAULT_UP = generate_scale_up_rules(None)  # Max of 4 pods / 100 % per 15 s
DEFAULT_DOWN = generate_scale_down_rules(None)  # Max of 100 % per 15 s


def rules(*policies: tuple[str, int, int], select: str = "Max") -> HPAScalingRules:
    return HPAScalingRules(0, select, tuple(HPAScalingPolicy(*p) for p in policies))


def recs(*pairs: tuple[int, float]) -> tuple[Recommendation, ...]:
    return pairs


def events(*pairs: tuple[int, float]) -> tuple[ScaleEvent, ...]:
    return tuple(ScaleEvent(c, t) for c, t in pairs)


# --- 4. no-behavior stabilization ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "proposal", "stabilized", "after"),
    [
        # age 300 == window: still counted (Go !Before(cutoff)): max(3, 8) = 8
        (recs((8, -300.0)), 3, 8, [8, 3]),
        # age 300.5 > window: not counted, and its slot is reused for the new proposal
        (recs((8, -300.5)), 3, 3, [3]),
        # max(4, 5) = 5; entries at -400 and -350 are old, the *last* old one (-350) is replaced
        (recs((9, -400.0), (7, -350.0), (5, -100.0)), 4, 5, [9, 4, 5]),
        # a higher proposal is kept as is: max(6, 2) = 6
        (recs((2, -10.0)), 6, 6, [2, 6]),
    ],
)
def test_legacy_stabilization_is_a_max_over_the_window(
    history, proposal: int, stabilized: int, after: list[int]
) -> None:
    got, new_history = stabilize_recommendation(history, proposal, NOW, 300.0)
    assert got == stabilized
    assert [replicas for replicas, _ in new_history] == after
    assert new_history[after.index(proposal)][1] == NOW


@pytest.mark.parametrize(
    ("current", "desired", "min_r", "max_r", "factor", "replicas", "reason"),
    [
        (1, 10, 1, 20, 2.0, 4, "ScaleUpLimit"),  # int(max(2*1, 4)) = 4
        (3, 10, 1, 20, 2.0, 6, "ScaleUpLimit"),  # int(max(2*3, 4)) = 6
        (3, 10, 1, 20, 2.5, 7, "ScaleUpLimit"),  # int(max(7.5, 4)) = 7, truncated
        (10, 50, 1, 15, 2.0, 15, "TooManyReplicas"),  # cap 20 > max 15: max binds
        (5, 1, 2, 10, 2.0, 2, "TooFewReplicas"),
        (5, 7, 2, 10, 2.0, 7, "DesiredWithinRange"),
        (5, 3, 2, 10, 2.0, 3, "DesiredWithinRange"),  # no scale-down limit on this path
    ],
)
def test_legacy_clamp(
    current: int, desired: int, min_r: int, max_r: int, factor: float, replicas: int,
    reason: str,
) -> None:
    assert convert_desired_replicas_with_rules(current, desired, min_r, max_r, factor, 4.0) == (
        replicas, reason,
    )


# --- 5.2 behavior stabilization ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "current", "proposal", "up_w", "down_w", "stabilized"),
    [
        # up = min(6, 3 recorded 30 s ago within 60 s) = 3; down = 6; current 2 raised to 3
        (recs((3, -30.0)), 2, 6, 60, 0, 3),
        # age 60 == up window: not counted (strict After): up = 6 -> 6
        (recs((3, -60.0)), 2, 6, 60, 0, 6),
        # down = max(4, 9 recorded 100 s ago) = 9; current 10 lowered to 9
        (recs((9, -100.0)), 10, 4, 0, 300, 9),
        # both windows 300: up = min(7, 3) = 3, down = max(7, 3) = 7; current 5 is inside
        # [3, 7] and stays: the size never moves against the proposal (7 > 5)
        (recs((3, -10.0)), 5, 7, 300, 300, 5),
        (recs(), 100, 5, 0, 0, 5),  # no history: the proposal
    ],
)
def test_behavior_stabilization_clamps_current_between_window_min_and_max(
    history, current: int, proposal: int, up_w: int, down_w: int, stabilized: int
) -> None:
    got, _history, _reason = stabilize_recommendation_with_behaviors(
        history, current, proposal, up_w, down_w, NOW
    )
    assert got == stabilized


@pytest.mark.parametrize(
    ("history", "after"),
    [
        # windows 60 and 300: -1000 and -500 are older than both; the last of them (-500)
        # is overwritten with the proposal 4
        (recs((1, -1000.0), (2, -500.0), (3, -100.0)), [1, 4, 3]),
        # -100 is older than the up window only: kept, the proposal is appended
        (recs((2, -100.0)), [2, 4]),
    ],
)
def test_behavior_stabilization_records_the_raw_proposal(history, after: list[int]) -> None:
    _got, new_history, _reason = stabilize_recommendation_with_behaviors(
        history, 10, 4, 60, 300, NOW
    )
    assert [replicas for replicas, _ in new_history] == after


# --- 5.3 rate limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "up_rules", "ups", "downs", "limit"),
    [
        (10, rules(("Pods", 4, 60)), (), (), 14),  # 10 + 4
        (3, rules(("Percent", 1, 60)), (), (), 4),  # ceil(3 * 1.01) = ceil(3.03) = 4
        (10, DEFAULT_UP, (), (), 20),  # Max(10 + 4, 10 * 2) = 20
        (1, DEFAULT_UP, (), (), 5),  # Max(1 + 4, ceil(1 * 2)) = 5
        (10, rules(("Pods", 4, 15), ("Percent", 100, 15), select="Min"), (), (), 14),
        (10, rules(("Pods", 4, 15), select="Disabled"), (), (), 10),
        # period start = 6 - 4 added + 2 removed = 4; ceil(4 * (1 + 300/100)) = 16
        (6, rules(("Percent", 300, 300)), events((4, -60.0)), events((2, -60.0)), 16),
        # an event exactly one period old is out: start 10, 10 + 4 = 14
        (10, rules(("Pods", 4, 60)), events((3, -60.0)), (), 14),
        # Go adds in int32: 10 + 2147483647 = 2147483657 wraps to 2147483657 - 2**32 = -2147483639
        (10, rules(("Pods", 2**31 - 1, 60)), (), (), -2147483639),
    ],
)
def test_scale_up_limit(current: int, up_rules, ups, downs, limit: int) -> None:
    assert calculate_scale_up_limit_with_scaling_rules(current, ups, downs, up_rules, NOW) == limit


@pytest.mark.parametrize(
    ("current", "down_rules", "ups", "downs", "limit"),
    [
        (80, rules(("Percent", 10, 60)), (), (), 72),  # int(80 * 0.9) = 72
        (72, rules(("Percent", 10, 60)), (), (), 64),  # int(72 * 0.9) = int(64.8) = 64
        # Max = biggest change: min(100 - 20, int(100 * 0.99)) = min(80, 99) = 80
        (100, rules(("Pods", 20, 60), ("Percent", 1, 60)), (), (), 80),
        # Min = smallest change: max(80, 99) = 99
        (100, rules(("Pods", 20, 60), ("Percent", 1, 60), select="Min"), (), (), 99),
        (100, rules(("Pods", 20, 60), select="Disabled"), (), (), 100),
        # period start = 10 - 2 added + 4 removed = 12; int(12 * 0.5) = 6
        (10, rules(("Percent", 50, 180)), events((2, -60.0)), events((4, -60.0)), 6),
        (10, DEFAULT_DOWN, (), (), 0),  # int(10 * (1 - 1)) = 0
        # start 5 - 10 added = -5; int32 -5 - 2147483647 = -2147483652 wraps to
        # -2147483652 + 2**32 = 2147483644
        (5, rules(("Pods", 2**31 - 1, 60)), events((10, -10.0)), (), 2147483644),
    ],
)
def test_scale_down_limit(current: int, down_rules, ups, downs, limit: int) -> None:
    assert calculate_scale_down_limit_with_behaviors(current, ups, downs, down_rules, NOW) == (
        limit
    )


@pytest.mark.parametrize(
    ("current", "desired", "min_r", "max_r", "up", "down", "ups", "downs", "expected"),
    [
        (10, 50, 1, 100, rules(("Pods", 4, 60)), DEFAULT_DOWN, (), (), (14, "ScaleUpLimit")),
        (10, 50, 1, 12, rules(("Pods", 4, 60)), DEFAULT_DOWN, (), (), (12, "TooManyReplicas")),
        (10, 13, 1, 100, rules(("Pods", 4, 60)), DEFAULT_DOWN, (), (),
         (13, "DesiredWithinRange")),
        # 15 added in the last 120 s: start 85, 85 + 5 = 90 < 100 -> held at current
        (100, 500, 1, 1000, rules(("Pods", 5, 120)), DEFAULT_DOWN,
         events((1, -100.0), (5, -60.0), (9, -20.0)), (), (100, "ScaleUpLimit")),
        # minReplicas is not applied when scaling up: 3 stays 3 although min is 5
        (2, 3, 5, 10, DEFAULT_UP, DEFAULT_DOWN, (), (), (3, "DesiredWithinRange")),
        # maxReplicas is not applied when scaling down: 15 stays 15 although max is 10
        (20, 15, 1, 10, DEFAULT_UP, DEFAULT_DOWN, (), (), (15, "DesiredWithinRange")),
        (10, 5, 1, 100, DEFAULT_UP, rules(("Percent", 10, 60)), (), (), (9, "ScaleDownLimit")),
        (10, 1, 4, 100, DEFAULT_UP, DEFAULT_DOWN, (), (), (4, "TooFewReplicas")),
        # 10 removed 20 s ago: start 20, 20 - 5 = 15 > current -> lowered to 10, hold
        (10, 5, 1, 100, DEFAULT_UP, rules(("Pods", 5, 60)), (), events((10, -20.0)),
         (10, "ScaleDownLimit")),
        (7, 7, 1, 100, DEFAULT_UP, DEFAULT_DOWN, (), (), (7, "DesiredWithinRange")),
    ],
)
def test_behavior_rate_limit(
    current: int, desired: int, min_r: int, max_r: int, up, down, ups, downs, expected
) -> None:
    assert convert_desired_replicas_with_behavior_rate(
        current, desired, min_r, max_r, up, down, ups, downs, NOW
    ) == expected


# --- 5.4 scale events --------------------------------------------------------------------------


def test_change_per_period_counts_strictly_younger_events_and_ignores_outdated() -> None:
    history = (ScaleEvent(5, -10.0, True), ScaleEvent(3, -60.0), ScaleEvent(2, -59.0))
    assert get_replicas_change_per_period(60, history, NOW) == 5 + 2  # -60 is not > -60


def test_no_event_is_stored_without_behavior() -> None:
    ups, downs = events((3, -10.0)), ()
    assert store_scale_event(None, ups, downs, 4, 9, NOW) == (ups, downs)


@pytest.mark.parametrize(
    ("history", "after"),
    [
        # longest period 60: -61 is outdated and its slot takes the new event (change 5)
        (events((7, -61.0), (3, -59.0)), [(5, NOW, False), (3, -59.0, False)]),
        # -100 and -90 are outdated; the new event overwrites the *last* outdated (-90)
        (events((1, -100.0), (2, -90.0), (3, -10.0)),
         [(1, -100.0, True), (5, NOW, False), (3, -10.0, False)]),
        (events((3, -10.0)), [(3, -10.0, False), (5, NOW, False)]),
    ],
)
def test_store_scale_event_reuses_the_last_outdated_slot(history, after) -> None:
    behavior = HPABehavior(
        scale_up=rules(("Pods", 4, 15), ("Percent", 100, 60)),
        scale_down=rules(("Pods", 4, 15), ("Percent", 100, 60)),
    )
    ups, downs = store_scale_event(behavior, history, (), 10, 15, NOW)  # +5: scale-up list
    assert [tuple(e) for e in ups] == after
    assert downs == ()
    ups, downs = store_scale_event(behavior, (), history, 15, 10, NOW)  # -5: scale-down list
    assert [tuple(e) for e in downs] == after
    assert ups == ()
