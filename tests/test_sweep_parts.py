"""The sweep engine's building blocks against the references they replace: numpy's own sum,
a brute-force window over recorded recommendations, and ``hpa_normalize``'s event lists."""

from __future__ import annotations

import numpy as np
import pytest

from infra_toolkit.hpa import (
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    ScaleEvent,
    get_replicas_change_per_period,
    store_scale_event,
)
from infra_toolkit.sweep_history import I64_MAX, I64_MIN, Recommendations, ScaleEvents
from infra_toolkit.sweep_summary import leaf_sum, pairwise_leaves, pairwise_total


@pytest.mark.parametrize("n", [1, 7, 8, 9, 127, 128, 129, 255, 1000, 4097, 20_003, 120_960])
def test_pairwise_sum_is_numpys_sum_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    # values over 12 orders of magnitude make every reordering of the additions visible
    data = rng.standard_normal((n, 3)) * 10.0 ** rng.uniform(-6, 6, (n, 3))
    leaves, tree = pairwise_leaves(n)
    sums = [leaf_sum(data[s:s + length]) for s, length in leaves]
    got = pairwise_total(tree, sums)
    want = np.array([np.sum(np.ascontiguousarray(data[:, j])) for j in range(3)])
    assert got.tobytes() == want.tobytes()


def test_pairwise_sum_differs_from_a_plain_running_sum() -> None:
    # the property the test above relies on: order matters for these values
    rng = np.random.default_rng(0)
    data = rng.standard_normal(5000) * 10.0 ** rng.uniform(-6, 6, 5000)
    running = 0.0
    for x in data.tolist():
        running += x
    assert running != float(np.sum(data))


@pytest.mark.parametrize("seed", range(6))
def test_recommendation_windows_match_brute_force(seed: int) -> None:
    # 5 variants, each with its own window (in syncs); a proposal is recorded at about 80 % of
    # syncs (the others are pre-check or failed syncs), and the first sync also records the
    # initial size
    rng = np.random.default_rng(seed)
    n, syncs = 5, 120
    lags = rng.integers(0, 25, n)
    recs = Recommendations(n, {"w": lags}, need_min=True)
    history: list[list[int]] = [[] for _ in range(n)]  # per variant: entries per sync
    initial = rng.integers(1, 9, n)
    for s in range(syncs):
        value = rng.integers(0, 40, n)
        recorded = rng.random(n) < 0.8
        got_max, got_min = recs.window_max(s, "w"), recs.window_min(s, "w")
        for v in range(n):
            entries = [x for row in history[v][max(0, s - lags[v]):s] for x in row]
            assert got_max[v] == max(entries, default=I64_MIN)
            assert got_min[v] == min(entries, default=I64_MAX)
        recs.record(s, value, recorded, initial if s == 0 else None)
        for v in range(n):
            history[v].append(([int(value[v])] if recorded[v] else [])
                              + ([int(initial[v])] if s == 0 else []))


def _rules(longest: int) -> HPAScalingRules:
    return HPAScalingRules(0, "Max", (HPAScalingPolicy("Pods", 1, 15),
                                      HPAScalingPolicy("Percent", 50, longest)))


@pytest.mark.parametrize("seed", range(4))
def test_scale_event_slots_match_hpa_normalize(seed: int) -> None:
    # random rescales every 15 s: the engine's slots hold the same events as the controller's
    # tuples, so every period sum agrees (including events a reused slot dropped)
    rng = np.random.default_rng(seed)
    n = 4
    longest = rng.choice([15, 30, 60, 90], n)
    behaviors = [HPABehavior(_rules(int(x)), _rules(int(x))) for x in longest]
    ups, downs = ScaleEvents(n), ScaleEvents(n)
    ref: list[tuple[tuple[ScaleEvent, ...], tuple[ScaleEvent, ...]]] = [((), ())] * n
    for step in range(80):
        now = 15.0 * (step + 1)
        change = rng.integers(-3, 4, n)
        for v in range(n):
            if change[v]:
                ref[v] = store_scale_event(behaviors[v], *ref[v], 10, 10 + int(change[v]), now)
        for side, events in ((1, ups), (-1, downs)):
            rows = np.flatnonzero(np.sign(change) == side)
            if rows.size:
                events.store(rows, np.abs(change[rows]), longest[rows], now)
        for period in (15, 45, 120):
            rows = np.arange(n)
            got_up = ups.since(rows, np.full(n, period), now + 10)
            got_down = downs.since(rows, np.full(n, period), now + 10)
            for v in range(n):
                assert got_up[v] == get_replicas_change_per_period(period, ref[v][0], now + 10)
                assert got_down[v] == get_replicas_change_per_period(period, ref[v][1], now + 10)
