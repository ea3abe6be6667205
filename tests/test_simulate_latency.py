"""The M/M/c latency model against closed forms worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infra_toolkit.latency import (
    at_utilization_cap,
    erlang_c,
    response_time_percentile_ms,
    response_time_quantile_ms,
)


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


def test_a_pull_consumer_at_the_cap_is_its_service_time_plus_the_backlog_wait() -> None:
    # 8 slots of mu = 100 / 8 = 12.5 messages/s each; 99.5 rps a pod is at the cap (0.995 >=
    # 0.99). A pull consumer's slots are all busy and nothing waits in the pod: a message's time
    # there is its exponential service, the q quantile -ln(1 - q) / 12.5 s: p50 = ln 2 / 12.5 =
    # 55.452 ms, p95 = ln 20 / 12.5 = 239.66 ms, p99 = ln 100 / 12.5 = 368.41 ms. 3,000 messages
    # waiting in the queue for 2 pods of 100 /s add 3000 / 200 = 15 s.
    rate, ready, backlog = np.array([99.5, 99.5]), np.array([2, 2]), np.array([0.0, 3000.0])
    for q, closed_form_s in ((0.5, math.log(2)), (0.95, math.log(20)), (0.99, math.log(100))):
        got = response_time_percentile_ms(q, rate, ready, 100.0, 8, backlog, rate, "pull")
        np.testing.assert_allclose(got, [1000 * closed_form_s / 12.5,
                                         1000 * closed_form_s / 12.5 + 15_000], rtol=1e-12)
    # a push service there keeps the M/M/c wait at 0.99: far above the service time alone
    push = response_time_percentile_ms(0.95, rate, ready, 100.0, 8, backlog, rate)
    assert (push > 1000 * math.log(20) / 12.5 + np.array([1000, 16_000])).all()


def test_a_pull_consumer_below_the_cap_is_the_mmc_model() -> None:
    # below the cap a message's wait for a free slot is the M/M/c wait (in the external queue):
    # M/M/1 at mu = 10, lambda = 5 gives p95 = ln 20 / 5 s as for push (test_mm1_percentiles)
    rate = np.array([5.0])
    got = response_time_percentile_ms(0.95, rate, np.array([1]), 10.0, 1, np.zeros(1), rate,
                                      "pull")
    assert got[0] == pytest.approx(1000 * math.log(20) / 5, rel=1e-9)


def test_the_quantile_takes_a_pull_flag_per_element() -> None:
    # the sweep engine's form: one flag a variant. M/M/1 at mu = 10 at the cap (9.9 rps): pull
    # is Exp(10) (p95 = ln 20 / 10 s = 299.57 ms); push keeps Exp(10 - 9.9) = Exp(0.1) (ln 20 /
    # 0.1 = 29.957 s), with the bisection bound 12 / 0.1 = 120 s for both
    got = response_time_quantile_ms(0.95, np.array([9.9, 9.9]), 10.0, 1, np.array([120.0, 120.0]),
                                    np.array([True, False]))
    np.testing.assert_allclose(got, [1000 * math.log(20) / 10, 1000 * math.log(20) / 0.1],
                               rtol=1e-9)
