"""Request latency percentiles from a queueing model, vectorized over simulation steps.

Model (documented assumption): load is spread evenly over the ready pods, and each ready pod is
an **M/M/c queue** with ``c = concurrency`` servers, each serving ``mu = capacity / c`` requests
per second (Poisson arrivals, exponential service). The response time ``T = W + S`` has

    P(T > t) = (1 - Pw) e^{-mu t} + Pw (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu)

where ``Pw`` is the Erlang-C probability of waiting and ``theta = c mu - lambda``. Percentiles are
found by bisection on that closed form. Two additions for overload, where M/M/c has no steady
state: the per-pod utilization is capped at ``MAX_UTILIZATION``, and the fluid backlog (requests
queued because offered load exceeded ready capacity) adds ``backlog / capacity`` seconds to every
percentile. With no ready pod, latency is infinite if requests arrive and NaN if none do.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_UTILIZATION", "erlang_c", "response_time_percentile_ms"]

MAX_UTILIZATION = 0.99
_BISECTION_STEPS = 60


def erlang_c(servers: int, offered_erlangs: np.ndarray) -> np.ndarray:
    """Probability that an arrival waits in an M/M/c queue with ``servers`` servers and offered
    load ``a = lambda / mu`` (requires ``a < servers``)."""
    a = np.asarray(offered_erlangs, dtype=np.float64)
    blocking = np.ones_like(a)  # Erlang B by its stable recursion
    for k in range(1, servers + 1):
        blocking = a * blocking / (k + a * blocking)
    rho = a / servers
    return blocking / (1.0 - rho * (1.0 - blocking))


def _tail(t: np.ndarray, mu: float, theta: np.ndarray, p_wait: np.ndarray) -> np.ndarray:
    close = np.abs(theta - mu) < 1e-9 * mu
    diff = np.where(close, 1.0, theta - mu)
    sum_tail = np.where(close, np.exp(-mu * t) * (1.0 + mu * t),
                        (theta * np.exp(-mu * t) - mu * np.exp(-theta * t)) / diff)
    return (1.0 - p_wait) * np.exp(-mu * t) + p_wait * sum_tail


def response_time_percentile_ms(q: float, rps_per_pod: np.ndarray, ready_pods: np.ndarray,
                                capacity_rps_per_pod: float, concurrency: int,
                                backlog_requests: np.ndarray, offered_rps: np.ndarray) -> np.ndarray:
    """The ``q`` quantile (0 < q < 1) of response time in milliseconds at each step.

    ``rps_per_pod`` is the arrival rate at each ready pod, ``ready_pods`` the ready count and
    ``backlog_requests`` the requests queued in front of the pods and ``offered_rps`` the
    requests arriving in all at that step.
    """
    lam = np.asarray(rps_per_pod, dtype=np.float64)
    mu = capacity_rps_per_pod / concurrency
    rho = np.minimum(lam / capacity_rps_per_pod, MAX_UTILIZATION)
    a = rho * concurrency
    p_wait = erlang_c(concurrency, a)
    theta = concurrency * mu - a * mu
    hi = np.full_like(lam, 12.0 / min(mu, float(np.min(theta, initial=np.inf))))
    lo = np.zeros_like(lam)
    target = 1.0 - q
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        above = _tail(mid, mu, theta, p_wait) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    ready = np.asarray(ready_pods, dtype=np.float64)
    capacity = ready * capacity_rps_per_pod
    backlog_s = np.divide(backlog_requests, capacity, out=np.zeros_like(lam), where=capacity > 0)
    out = 1000.0 * (0.5 * (lo + hi) + backlog_s)
    no_pod = ready <= 0
    return np.where(no_pod, np.where(np.asarray(offered_rps) > 0, np.inf, np.nan), out)
