"""The M/M/c latency model against closed forms worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infra_toolkit.latency import at_utilization_cap, erlang_c, response_time_percentile_ms


@pytest.mark.parametrize(
    ("servers", "erlangs", "expected"),
    [
        (1, 0.5, 0.5),  # M/M/1: P(wait) = rho
        # c=2, a=1: B(2,1) = (1/2)/(1 + 1 + 1/2) = 1/5; C = B / (1 - rho(1-B)) = 0.2/0.6 = 1/3
        (2, 1.0, 1 / 3),
    ],
)
def test_erlang_c(servers: int, erlangs: float, expected: float) -> None:
    assert erlang_c(servers, np.array([erlangs]))[0] == pytest.approx(expected, rel=1e-12)


def test_mm1_percentiles() -> None:
    # M/M/1 response time is Exp(mu - lambda). mu = 10/s: at lambda = 5 the q quantile is
    # -ln(1-q)/5 s (p95 = ln 20 / 5 = 599.15 ms); with no load it is -ln(1-q)/10 s.
    rate = np.array([5.0, 0.0])
    got = response_time_percentile_ms(0.95, rate, np.array([1, 1]), 10.0, 1, np.zeros(2), rate)
    np.testing.assert_allclose(got, [1000 * math.log(20) / 5, 1000 * math.log(20) / 10],
                               rtol=1e-9)


def test_backlog_and_no_pod() -> None:
    # 50 requests queued in front of 2 pods of 10 rps: +50/20 = 2.5 s on every percentile
    base = response_time_percentile_ms(0.5, np.array([5.0]), np.array([2]), 10.0, 1,
                                       np.zeros(1), np.array([10.0]))
    queued = response_time_percentile_ms(0.5, np.array([5.0]), np.array([2]), 10.0, 1,
                                         np.array([50.0]), np.array([10.0]))
    assert queued[0] - base[0] == pytest.approx(2500.0)
    none = response_time_percentile_ms(0.5, np.zeros(2), np.zeros(2), 10.0, 1, np.zeros(2),
                                       np.array([3.0, 0.0]))
    assert math.isinf(none[0]) and math.isnan(none[1])


@pytest.mark.parametrize(("rps_per_pod", "capped"), [
    (39.6, True),  # 39.6 / 40 = 0.99: the model's cap
    (39.5, False),  # 0.9875
    (80.0, True),  # overload: the cap, whatever the excess
    (0.0, False),
])
def test_the_utilization_cap_is_flagged(rps_per_pod: float, capped: bool) -> None:
    assert at_utilization_cap(np.array([rps_per_pod]), 40.0).tolist() == [capped]
