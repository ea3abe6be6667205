"""One workload's requests tick by tick (internal): offered work, served, dropped and queued.

The serving rule of both simulation loops (:mod:`infra_toolkit.cluster` for one workload,
:mod:`infra_toolkit.shared_cluster` for several, each workload its own queue): a tick's work is
the backlog plus the offered rps x ``tick_s``; the Ready pods serve up to ``capacity_rps_per_pod``
each over the tick; what is left waits, but no more than the Ready pods serve in
``queue_timeout_s`` (the rest is dropped). The Ready count changes by the scheduler's per-tick
deltas. Served rps per Ready pod is summed into ``cum_load``, the prefix sums the controller's
view reads a pod's load from (:class:`~infra_toolkit.controller_view.ControllerView`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from infra_toolkit.tick_buffers import tick_floats, tick_ints

__all__ = ["RequestQueue"]


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
        self.work = tick_floats(rps_ticks * tick_s)  # offered requests per tick
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
        self._fixed = (tick_s, self.cap, self.timeout, ready_delta, self.work,
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
        (tick_s, cap, timeout, ready_delta, work_l, cum_load, served, dropped, backlog_l,
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
                if left > limit:
                    drop = left - limit
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
