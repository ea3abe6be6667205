"""A plan scenario as a :class:`~infra_toolkit.traffic.TrafficCurve` at the simulation step.

* ``csv``: :func:`~infra_toolkit.traffic.read_traffic_csv` resampled to the step, cut to
  ``[start, end)`` and scaled (by ``scale``, or so that its highest step is ``peak_rps``);
* ``synthetic``: the traffic module's shape function named by ``shape`` (:data:`SHAPES`) with the
  scenario's parameters;
* ``load_test``: the users' steady rate (:attr:`LoadTest.steady_rps`) ramped up linearly, held,
  and ramped down linearly, binned exactly.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from infra_toolkit.errors import TrafficError
from infra_toolkit.plan_scenario_types import CsvTraffic, LoadTest, Scenario, SyntheticTraffic
from infra_toolkit.traffic import (
    TrafficCurve,
    check_whole_steps,
    constant_curve,
    diurnal_curve,
    flash_crowd_curve,
    ramp_curve,
    read_traffic_csv,
    resample_curve,
    scale_curve,
    slice_curve,
    step_curve,
)
from infra_toolkit.traffic_csv import utc_offsets
from infra_toolkit.traffic_csv_cells import MAX_RATE_RPS

if TYPE_CHECKING:
    from infra_toolkit.plan import Plan

__all__ = ["SHAPES", "scenario_curve", "scenario_curves", "shape_parameters", "workload_loads",
           "workload_rate_problems"]

#: Synthetic shape names a plan may use, and the traffic function that draws each.
SHAPES: dict[str, Callable[..., TrafficCurve]] = {
    "constant": constant_curve,
    "step": step_curve,
    "ramp": ramp_curve,
    "diurnal": diurnal_curve,
    "flash_crowd": flash_crowd_curve,
}
_SET_BY_PLAN = ("duration_s", "step_s", "name")


def shape_parameters(shape: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(required, optional)`` parameter names of a synthetic ``shape`` (those the plan does
    not set itself: duration, step and name come from the scenario)."""
    params = [p for p in inspect.signature(SHAPES[shape]).parameters.values()
              if p.name not in _SET_BY_PLAN]
    return (tuple(p.name for p in params if p.default is inspect.Parameter.empty),
            tuple(p.name for p in params if p.default is not inspect.Parameter.empty))


def _iso(moment: dt.datetime) -> str:
    # fractions kept: Prometheus' Unix seconds often start at .781 s (audit21 A21-2)
    return moment.replace(tzinfo=None).isoformat() + "Z" \
        if moment.utcoffset() == dt.timedelta(0) else moment.isoformat()


# the widest zone offsets in use, UTC-12 to UTC+14: a start/end within this of the trace may
# be a local time written without its offset
_ZONE_SLIP = dt.timedelta(hours=14)


def _zone_hint(moment: dt.datetime, first: dt.datetime, last: dt.datetime) -> str:
    """The fix for a start/end just outside the trace by up to a zone's offset: a time written
    without a zone is read as UTC (author23 cut a +09:00 export at 18:00 meaning JST, 09:00Z,
    and was told only that 18:00Z is after the trace's end)."""
    if not first - _ZONE_SLIP <= moment <= last + _ZONE_SLIP:
        return ""
    local = moment.replace(tzinfo=None).isoformat()
    return (f"; a time written without a zone is read as UTC: for {local} in a local clock, "
            f"write it with its offset, such as {local}+09:00")


def _offset_text(offset: dt.timedelta) -> str:
    """``+09:00``, ``-03:30``: an offset as ISO 8601 writes it after a time."""
    return dt.datetime(2000, 1, 1, tzinfo=dt.timezone(offset)).isoformat()[-6:]


def _zoneless_in_zoned(traffic: CsvTraffic) -> None:
    """Refuse a ``start`` / ``end`` written without a zone when the file's timestamps carry an
    offset other than UTC: read as UTC it is another instant than its writer's local clock
    (a Tokyo user's 09:00 is 00:00Z, not 09:00Z), and reading it in the file's offset would
    be a guess when the file has several. The fix writes it in the file's offset, or in UTC."""
    offsets = utc_offsets(traffic.path)
    if not any(offsets):
        return  # zoneless or UTC timestamps: a zoneless start/end is in their clock
    local = [_offset_text(o) for o in offsets]
    for key in traffic.zoneless:
        moment = traffic.start if key == "start" else traffic.end
        assert moment is not None
        written = moment.replace(tzinfo=None).isoformat()
        raise TrafficError(
            f"{key} {written} has no zone, but the timestamps of {traffic.path.name} carry "
            f"{' and '.join(local)}: a time without a zone would be read as UTC "
            f"({written}Z), not in the file's clock; write {written}{local[0]} for the file's "
            f"clock or {written}Z for UTC")


def _window_s(traffic: CsvTraffic, trace: TrafficCurve, step_s: float) -> tuple[float, float]:
    """``[start, end)`` as seconds from the trace's first timestamp, checked in the plan's own
    terms: inside the trace's time range, on its grid of ``step_s`` steps from the first
    timestamp (the slice cuts whole steps of the resampled curve)."""
    assert trace.start is not None
    first = trace.start.to_pydatetime()
    first = first if first.tzinfo else first.replace(tzinfo=dt.UTC)  # zoneless files are UTC
    last = first + dt.timedelta(seconds=trace.duration_s)
    start = traffic.start or first
    end = traffic.end or last
    name = traffic.path.name
    span = f"{_iso(first)} .. {_iso(last)}"
    for key, moment, inside in (("start", traffic.start, first <= start < last),
                                ("end", traffic.end, first < end <= last)):
        if moment is not None and not inside:
            side = ("after the trace's end" if moment > last else "at the trace's end"
                    if moment == last else "before the trace's first time" if moment < first
                    else "at the trace's first time")
            raise TrafficError(f"{key} {_iso(moment)} is {side}: start/end must lie within "
                               f"{span}, the time range of {name}{_zone_hint(moment, first, last)}")
    begin_s, end_s = (start - first).total_seconds(), (end - first).total_seconds()
    window_s = end_s - begin_s
    check_whole_steps(window_s, step_s, "simulation.step_s",
                      f"the {window_s:g} s window {_iso(start)} .. {_iso(end)}",
                      f"move start or end, or choose a step_s that divides {window_s:g} s")
    if begin_s % step_s:
        raise TrafficError(f"start {_iso(start)} is {begin_s:g} s after the first time of "
                           f"{name} ({_iso(first)}), not a whole number of simulation.step_s "
                           f"{step_s:g} s steps; move start onto that grid")
    # start on the grid and a whole number of steps up to end <= last: end is on the grid too,
    # so the slice never reaches the trailing partial step resampling drops
    return begin_s, end_s


def _csv_curve(traffic: CsvTraffic, step_s: float, name: str) -> TrafficCurve:
    trace = read_traffic_csv(traffic.path, interpolate_gaps=traffic.interpolate_gaps,
                             gap_option="`interpolate_gaps: true` in this csv: block",
                             one_row_fix="a file's interval is the time between its rows: add "
                             "the next row, or give a constant rate as a synthetic scenario "
                             "(synthetic: {shape: constant, rps: R, duration: 1h})")
    # start/end cut only a file of ISO 8601 times or Unix seconds: one of seconds from its
    # start is read whole
    cut = ("give start and end" if trace.start is not None else
           "cut the file to a whole number of steps (its timestamps are seconds from its start, "
           "which start/end cannot cut)")
    if traffic.start is None and traffic.end is None:  # all of it: no partial step dropped
        check_whole_steps(trace.duration_s, step_s, "simulation.step_s",
                          f"the {trace.duration_s:g} s of {traffic.path.name}",
                          f"choose a step_s that divides it, such as the file's "
                          f"{trace.step_s:g} s interval, or {cut}")
    curve = resample_curve(trace, step_s)
    if traffic.start is not None or traffic.end is not None:
        if trace.start is None:
            raise TrafficError(f"{traffic.path.name} has seconds-from-start timestamps; start/end "
                               "need ISO 8601 timestamps in the file: remove start and end and "
                               "cut the file to the window, or write its timestamps as ISO 8601 "
                               "times or Unix seconds")
        _zoneless_in_zoned(traffic)
        begin_s, end_s = _window_s(traffic, trace, step_s)
        curve = slice_curve(curve, begin_s, end_s - begin_s)
    if traffic.scale is not None:
        curve = scale_curve(curve, traffic.scale)
    elif traffic.peak_rps is not None:
        peak = float(curve.rps.max())
        if peak <= 0:
            raise TrafficError(f"{traffic.path.name}: the selected window has no traffic, so it "
                               "cannot be scaled to peak_rps")
        curve = scale_curve(curve, traffic.peak_rps / peak)
    return TrafficCurve(curve.rps, curve.step_s, curve.start, name)


def _load_test_curve(test: LoadTest, step_s: float, name: str) -> TrafficCurve:
    rate, up, hold = test.steady_rps, test.ramp_up_s, test.hold_s
    duration = test.duration_s
    # rising(t) = rate*min(t/up, 1); falling(t) = rate until up+hold, then down to 0. Their sum
    # minus rate is the load test's rate at every instant, and bin means are linear, so exact.
    rising = ramp_curve(0.0, rate, 0.0, up, duration, step_s)
    falling = ramp_curve(rate, 0.0, up + hold, duration, duration, step_s)
    return TrafficCurve(np.maximum(rising.rps + falling.rps - rate, 0.0), step_s, None, name)


def scenario_curves(scenarios: Sequence[Scenario], step_s: float) -> dict[str, TrafficCurve]:
    """Each scenario's :func:`scenario_curve` by its name, in order (requests per second)."""
    return {s.name: scenario_curve(s, step_s) for s in scenarios}


def scenario_curve(scenario: Scenario, step_s: float) -> TrafficCurve:
    """The scenario's request rate at ``step_s`` seconds per step (requests per second).

    Raises :class:`~infra_toolkit.errors.TrafficError` when the traffic module refuses the
    file, the window or the shape's parameters."""
    traffic = scenario.traffic
    if isinstance(traffic, CsvTraffic):
        curve = _csv_curve(traffic, step_s, scenario.name)
        knobs = "scale or peak_rps"
    else:
        what = "duration" if isinstance(traffic, SyntheticTraffic) else \
            "ramp_up + hold + ramp_down"
        check_whole_steps(traffic.duration_s, step_s, "simulation.step_s",
                          f"the {what}, {traffic.duration_s:g} s",
                          "make it a whole number of steps or choose a step_s that divides it")
        if isinstance(traffic, SyntheticTraffic):
            if traffic.shape not in SHAPES:
                raise TrafficError(f"unknown shape {traffic.shape!r}; shapes: "
                                   f"{', '.join(SHAPES)}")
            curve = SHAPES[traffic.shape](**traffic.params, duration_s=traffic.duration_s,
                                          step_s=step_s, name=scenario.name)
            knobs = "the shape's rates"
        else:
            curve = _load_test_curve(traffic, step_s, scenario.name)
            knobs = "users, think_time, response_time or requests_per_iteration"
    peak = float(curve.rps.max()) if curve.rps.size else 0.0
    if not peak <= MAX_RATE_RPS:
        # the bound a CSV row has: a scaled or drawn curve past it reached the cost model as
        # 1e300 rps and failed there (decimal.InvalidOperation), after `validate` said valid
        raise TrafficError(f"the scenario peaks at {peak:.3g} requests per second, more than "
                           f"the {MAX_RATE_RPS:,.0f} (a billion) a rate may be; check {knobs}")
    return curve


def workload_loads(plan: Plan, curve: TrafficCurve, names: Sequence[str],
                   side: str = "proposed") -> dict[str, TrafficCurve]:
    """``curve`` as each workload of ``side`` in ``names`` receives it (scaled by its
    ``traffic_share``), in the order given."""
    arch = plan.proposed if side == "proposed" else plan.current
    shares = {w.name: w.traffic_share for w in arch.workloads}
    return {n: curve if shares[n] == 1 else scale_curve(curve, shares[n]) for n in names}


def workload_rate_problems(plan: Plan) -> list[tuple[str, str]]:
    """``(path, message)`` for each workload whose ``traffic_share`` takes a scenario's peak
    past :data:`MAX_RATE_RPS`, the bound a scenario's own rate has: 1e30 x a valid peak passed
    validation and then ran the latency model's bisection at 1e30 rps for ever."""
    curves = scenario_curves(plan.scenarios, plan.simulation.step_s)
    peaks = {name: float(c.rps.max()) if c.rps.size else 0.0 for name, c in curves.items()}
    worst = max(peaks, key=peaks.__getitem__, default=None)
    if worst is None:
        return []
    return [(f"proposed.workloads[{i}].traffic_share",
             f"{w.traffic_share:g} takes scenario {worst!r} to "
             f"{peaks[worst] * w.traffic_share:.3g} requests per second for workload "
             f"{w.name!r} ({peaks[worst]:g} x traffic_share), more than the "
             f"{MAX_RATE_RPS:,.0f} (a billion) a rate may be; traffic_share is the workload's "
             "share of each scenario's requests (0.5 = half, 3 = three calls a request)")
            for i, w in enumerate(plan.proposed.workloads)
            if not peaks[worst] * w.traffic_share <= MAX_RATE_RPS]
