"""One workload's requests tick by tick (internal): offered work, served, dropped and queued.

The serving rule of both simulation loops (:mod:`infra_toolkit.cluster` for one workload,
:mod:`infra_toolkit.shared_cluster` for several, each workload its own queue): a tick's work is
the backlog plus the offered rps x ``tick_s``; the Ready pods serve up to ``capacity_rps_per_pod``
each over the tick (oldest first); what is left waits, up to a cap, and the oldest beyond the cap
are dropped. The cap is the consumer's (``WorkloadSpec.consumer``):

- push (a load balancer): what the Ready pods serve in ``queue_timeout_s``; a request that
  would wait longer times out (0 at zero Ready pods: everything left is dropped);
- pull (queue workers): the broker keeps every message until it is ``queue_timeout_s`` old,
  whatever the number of consumers. Served oldest first, the backlog is the newest messages;
  its oldest is at most ``queue_timeout_s`` old iff the backlog is at most the messages that
  arrived in the last ``queue_timeout_s`` (:func:`recent_arrivals`). At the tick's resolution
  the offered work of a tick is spread evenly over it (the fluid model), so at a tick's end
  the last ``queue_timeout_s`` hold the last ``k = floor(queue_timeout_s / tick_s)`` ticks'
  arrivals plus the fraction ``queue_timeout_s / tick_s - k`` of the tick before them (a
  timeout under one tick: that fraction of the tick's own arrivals). Ages are judged at the
  tick's end: a message served within the tick it expires in counts as served.

The Ready count changes by the scheduler's per-tick deltas. Served rps per Ready pod is summed
into ``cum_load``, the prefix sums the controller's view reads a pod's load from
(:class:`~infra_toolkit.controller_view.ControllerView`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infra_toolkit.tick_buffers import tick_floats, tick_ints

__all__ = ["RequestQueue", "recent_arrivals"]


def recent_arrivals(work: np.ndarray, tick_s: int, timeout_s: float) -> np.ndarray:
    """The requests that arrived in the last ``timeout_s`` seconds at the end of each tick, from
    ``work`` (offered requests per tick of ``tick_s`` seconds, spread evenly over their tick):
    the last ``k = floor(timeout_s / tick_s)`` ticks' whole plus the fraction
    ``timeout_s / tick_s - k`` of the tick before them, nothing before the run. Computed as
    ``(cum[i + 1] - cum[i + 1 - k]) + frac * work[i - k]`` from the prefix sums ``cum`` (0 for
    an index before the run), the arithmetic the sweep engine repeats per tick."""
    k = int(timeout_s // tick_s)
    frac = (timeout_s - k * tick_s) / tick_s
    n = work.size
    cum = np.concatenate([np.zeros(k + 1), np.cumsum(work)])  # cum[j + k] = sum of work[:j]
    whole = cum[k + 1:] - cum[1:n + 1]  # cum[i + 1] - cum[i + 1 - k], 0 before the run
    before = np.concatenate([np.zeros(k), work])[:n]  # work[i - k], 0 before the run
    out: np.ndarray = whole + frac * before
    return out


class RequestQueue:
    """Offered, served, dropped and queued requests of one workload: ``rps_ticks`` (offered rps
    per tick of ``tick_s`` seconds), the workload ``wl`` (its per-pod capacity in rps and queue
    timeout in s), ``ready_delta`` (the change of the Ready count at each tick, written by the
    scheduler and read here). Filled by :meth:`advance`: ``served`` / ``dropped`` (rps per tick),
    ``backlog_l`` (requests queued at each tick's end), ``ready_l`` (Ready pods), ``cum_load``
    (prefix sums of served rps per Ready pod, one more entry than ticks)."""

    def __init__(self, rps_ticks: np.ndarray, tick_s: int, wl: Any, ready_delta: list[int]
                 ) -> None:
        # per-tick buffers of machine numbers, not lists of Python objects (audit15 A15-7)
        n = rps_ticks.size
        self.n, self.tick_s = n, tick_s
        self.cap, self.timeout = wl.capacity_rps_per_pod, wl.queue_timeout_s
        work = rps_ticks * tick_s
        self.work = tick_floats(work)  # offered requests per tick
        # a pull consumer's cap on the backlog, per tick (None: a push consumer's, rc x timeout)
        recent = (tick_floats(recent_arrivals(work, tick_s, self.timeout))
                  if wl.consumer == "pull" else None)
        self.served, self.dropped = tick_floats(n), tick_floats(n)
        self.backlog_l, self.ready_l = tick_floats(n), tick_ints(n)
        self.cum_load = tick_floats(n + 1)
        self.ready_delta = ready_delta
        self.done = 0
        # advance's hot loop reads these as locals, unpacked from two tuples (one attribute
        # lookup each, not one per name): what holds for the run, and what carries from one
        # call to the next. It writes the buffers through memoryviews: an array's item
        # assignment parses its number with PyArg_Parse, a third more work than a memoryview's
        # (four stores a tick)
        self._fixed = (tick_s, self.cap, self.timeout, ready_delta, self.work, recent,
                       *(memoryview(b) for b in (self.cum_load, self.served, self.dropped,
                                                 self.backlog_l, self.ready_l)))
        # Ready pods, queued requests, the Ready pods' requests a tick and in
        # ``queue_timeout_s`` (kept while the Ready count holds), cum_load[done]
        self._carry: tuple[int, float, float, float, float] = (0, 0.0, 0.0, 0.0, 0.0)

    def advance(self, to_tick: int) -> None:
        """Serve the ticks up to ``to_tick`` (exclusive; the ticks before it already served are
        left as they are)."""
        # a conditional, not min(): this runs at every sync for a few ticks, where the builtin's
        # call is a fifth of the cost
        start, end = self.done, (to_tick if to_tick < self.n else self.n)
        if start >= end:
            return
        (tick_s, cap, timeout, ready_delta, work_l, recent, cum_load, served, dropped, backlog_l,
         ready_l) = self._fixed
        ready_now, backlog, capacity, limit, acc = self._carry
        for i in range(start, end):
            d = ready_delta[i]
            if d:
                ready_now += d
                rc = ready_now * cap
                capacity = rc * tick_s
                limit = rc * timeout
            work = backlog + work_l[i]
            if work <= capacity:  # the usual tick: all served, nothing left to queue
                left = 0.0
                out_rps = work / tick_s
            else:
                left = work - capacity
                # looked up only here: the usual tick above pays nothing for the pull rule
                kept = limit if recent is None else recent[i]
                if left > kept:
                    drop = left - kept
                    left -= drop
                    dropped[i] = drop / tick_s
                out_rps = capacity / tick_s
            backlog = left
            served[i] = out_rps
            backlog_l[i] = left
            ready_l[i] = ready_now
            if ready_now:
                acc += out_rps / ready_now
            cum_load[i + 1] = acc
        self._carry = (ready_now, backlog, capacity, limit, acc)
        self.done = end
