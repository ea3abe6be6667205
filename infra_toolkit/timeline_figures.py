"""The figures of one simulation timeline, binned (:mod:`infra_toolkit.chart_binning`): load
(offered vs served, replicas, pods and nodes), latency percentiles against the SLOs and node cost
per hour; and today's run of a workload beside the proposed one on shared axes
(:func:`today_vs_proposed_figure`); time in hours, or in minutes for a timeline ending before
3 h (:func:`time_unit`); evenly spaced bins as plotly's ``x0``/``dx``, whole numbers as integer
typed arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from infra_toolkit.chart_binning import chart_timeline
from infra_toolkit.chart_style import styled_figure
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.report_html import quantity_text

__all__ = ["MINUTES_AXIS_BEFORE_H", "SIDE_COLORS", "cost_per_hour_figure", "latency_figure",
           "load_figure", "time_unit", "today_vs_proposed_figure"]


def _f32(values: Any) -> np.ndarray:
    """Chart data as float32 (half the bytes of float64 in the figure JSON); inf as a gap.
    Whole numbers (pod and node counts) as int64, which plotly sends as the smallest integer
    typed array that holds them (1 byte a value up to 127 instead of float32's 4)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size and np.isfinite(arr).all() and (arr == np.round(arr)).all() \
            and np.abs(arr).max() < 2.0 ** 31:
        return arr.astype(np.int64)
    return np.where(np.isfinite(arr), arr, np.nan).astype(np.float32)


#: A timeline whose last point is before this hour is drawn in minutes: a 45-minute load
#: test read as 0 to 0.75 hours
MINUTES_AXIS_BEFORE_H = 3.0


def time_unit(t: pd.DataFrame) -> tuple[float, str]:
    """The x unit of a binned timeline's charts: (units per hour, axis title)."""
    hours = t["time_h"].to_numpy(dtype=float)
    short = hours.size == 0 or float(hours[-1]) < MINUTES_AXIS_BEFORE_H
    return (60.0, "minutes") if short else (1.0, "hours")


def _x_layout(t: pd.DataFrame) -> dict[str, Any]:
    """The time axis of a binned timeline's chart: its unit as the title, and a hover to the
    hundredth of an hour (36 s) or the tenth of a minute, not plotly's float noise
    (``8.055556``)."""
    unit = time_unit(t)[1]
    return {"title": {"text": unit}, "hoverformat": ".2f" if unit == "hours" else ".1f"}


#: Hover formats as the report's tables print the figures: rates to the hundredth, latencies
#: to the millisecond, prices per hour to the hundredth of a cent, counts whole
_RATE_HOVER, _MS_HOVER, _USD_PER_HOUR_HOVER, _COUNT_HOVER = ",.2f", ",.0f", "$,.4f", ",d"


def _time_axis(t: pd.DataFrame) -> dict[str, Any]:
    """The x of each trace of a binned timeline (``time_h``) in :func:`time_unit`'s unit:
    evenly spaced bins (a simulation's ticks are) as plotly's ``x0`` and ``dx``, which it
    expands itself, instead of a copy of the time array in every trace (half a load chart's
    bytes); else the times."""
    per_hour, _title = time_unit(t)
    times = t["time_h"].to_numpy(dtype=float) * per_hour
    if times.size >= 2:
        dx = (times[-1] - times[0]) / (times.size - 1)
        if dx > 0 and np.allclose(np.diff(times), dx, rtol=1e-9, atol=0.0):
            return {"x0": float(times[0]), "dx": float(dx)}
    return {"x": _f32(times)}


def _bin_s(t: pd.DataFrame, timeline: pd.DataFrame) -> float | None:
    """The seconds each row of the binned ``t`` stands for, None when ``timeline`` was not
    binned (each row one tick)."""
    if len(t) >= len(timeline) or len(t) < 2:
        return None
    return float(t["time_h"].iloc[1] - t["time_h"].iloc[0]) * 3600.0


def load_figure(timeline: pd.DataFrame, title: str) -> go.Figure:
    """Offered vs served requests per second (left axis) with spec replicas, Ready pods and
    Ready nodes (right axis) over a simulation ``timeline`` (the nodes billed, from launch, are
    ``nodes + launching_nodes``: the node cost chart draws those)."""
    t = chart_timeline(timeline)
    counts = t[["spec_replicas", "ready_pods", "nodes"]].to_numpy(dtype=float)
    top = float(np.nanmax(counts)) if counts.size and np.isfinite(counts).any() else 0.0
    rates = "requests per second"
    bin_s = _bin_s(t, timeline)
    if bin_s is not None:
        # binned rates are means, lower than the peak tick the report's tables give (a day of
        # 400 rps peaks drew 333): the axis says so and names the peak, to the hundredth as
        # the Scaling Behaviour table prints it (852.5 beside the table's 852.52: audit27 A27-7)
        peak = float(np.nanmax(timeline["offered_rps"].to_numpy(dtype=float)))
        rates += f" ({bin_s:g} s means; offered peak {quantity_text(peak, 2)})"
    fig = styled_figure(f"{title}: offered vs served load, replicas and nodes",
                         xaxis=_x_layout(t),
                         # 11 px: at plotly's 14 px a binned title (57 characters with a
                         # peak of 1,092.13) outran the 360 px plot and crossed the chart title
                         yaxis={"title": {"text": rates, "font": {"size": 11}},
                                "rangemode": "tozero",
                                "hoverformat": _RATE_HOVER},
                         # whole-number ticks: plotly's own step (1.8 for a peak of 9) would
                         # print 3.6 as "4", a label off its gridline
                         yaxis2={"title": {"text": "pods / nodes"}, "overlaying": "y",
                                 "side": "right", "rangemode": "tozero", "showgrid": False,
                                 "tick0": 0, "dtick": max(1, math.ceil(top / 6)),
                                 "hoverformat": _COUNT_HOVER})
    x = _time_axis(t)
    offered, served = _f32(t["offered_rps"]), _f32(t["served_rps"])
    # served drawn the same as offered at every point is one line, its legend saying both
    same = offered.shape == served.shape and bool(np.array_equal(offered, served,
                                                                 equal_nan=True))
    fig.add_scatter(**x, y=offered, name="offered rps = served rps" if same else "offered rps",
                    line={"width": 3, "color": "#aec7e8"})
    if not same:
        fig.add_scatter(**x, y=served, name="served rps", line={"width": 1, "color": "#1f77b4"})
    for column, label, dash, color in (
            ("spec_replicas", "replicas (spec)", "solid", "#ff7f0e"),
            ("ready_pods", "Ready pods", "dot", "#2ca02c"),
            ("nodes", "Ready nodes", "dash", "#9467bd")):
        fig.add_scatter(**x, y=_f32(t[column]), name=label, yaxis="y2",
                        line={"shape": "hv", "dash": dash, "width": 1.5, "color": color})
    return fig


# Each percentile and its SLO line in one colour, on every chart: from the colorway, the SLO
# lines took the next free colours, so flash-crowd's saturation markers shifted them (SLO p95
# red on expected-day, purple on flash-crowd) and no threshold matched its line.
_PERCENTILE_COLORS = {50: "#1f77b4", 95: "#ff7f0e", 99: "#2ca02c"}


def latency_figure(timeline: pd.DataFrame, title: str, slos: Sequence[Slo] = (),
                   workload: str | None = None) -> go.Figure:
    """p50 / p95 / p99 latency (bin maxima, log axis) of a simulation ``timeline`` against each
    latency SLO threshold that applies to ``workload``; gaps are times with load but no Ready
    pod. Bins holding a tick at saturated pods (``latency_saturated``: the percentiles are the
    model's ceiling, lower bounds, which the tables print as ``≥``) are marked on the p99 line,
    so a chart never shows a bound as a measured latency."""
    t = chart_timeline(timeline)
    bin_s = _bin_s(t, timeline)
    unit = "milliseconds" if bin_s is None else f"milliseconds ({bin_s:g} s maxima)"
    per_hour, _unit = time_unit(t)
    fig = styled_figure(f"{title}: latency percentiles vs SLO", xaxis=_x_layout(t),
                         yaxis={"title": {"text": unit}, "type": "log", "hoverformat": _MS_HOVER,
                                **_log_ticks(t, slos)})
    x = _time_axis(t)
    for q in (50, 95, 99):
        fig.add_scatter(**x, y=_f32(t[f"p{q}_latency_ms"]), name=f"p{q}",
                        line={"width": 1, "color": _PERCENTILE_COLORS[q]})
    if "latency_saturated" in t and bool((t["latency_saturated"] > 0).any()):
        at_ceiling = np.where(t["latency_saturated"].to_numpy(dtype=float) > 0,
                              t["p99_latency_ms"].to_numpy(dtype=float), np.nan)
        fig.add_scatter(**x, y=_f32(at_ceiling), mode="markers",
                        name="saturated pods: latencies are lower bounds (≥)",
                        marker={"symbol": "triangle-up", "size": 6, "color": "#d62728"})
    # A threshold is a two-point trace: a shape (add_hline) takes log10 units on a log axis.
    times = t["time_h"].to_numpy(dtype=float) * per_hour
    span = [float(times[0]), float(times[-1])] if times.size else [0.0, 0.0]
    for slo in slos:
        if slo.metric == "latency" and slo.workload in (workload, None):
            fig.add_scatter(x=span, y=[slo.threshold_ms] * 2, mode="lines",
                            name=f"SLO p{slo.percentile} {quantity_text(slo.threshold_ms)} ms",
                            line={"dash": "dash", "width": 1.5,
                                  "color": _PERCENTILE_COLORS.get(slo.percentile or 0, "#7f7f7f")})
    return fig



def _log_ticks(t: pd.DataFrame, slos: Sequence[Slo]) -> dict[str, Any]:
    """Ticks at 1, 2, 5 x 10^k ms over the latencies and SLO thresholds, each labelled in full
    (``20,000``): plotly's own log ticks label 20,000 ms as a bare ``2`` above ``10k``."""
    values = t[[f"p{q}_latency_ms" for q in (50, 95, 99)]].to_numpy(dtype=float).ravel()
    values = np.append(values, [s.threshold_ms for s in slos if s.metric == "latency"])
    values = values[np.isfinite(values) & (values > 0)]
    if not values.size:
        return {}
    low, high = math.floor(math.log10(values.min())), math.ceil(math.log10(values.max()))
    ticks = [m * 10.0 ** k for k in range(low, high + 1) for m in (1, 2, 5)]
    return {"tickvals": ticks, "ticktext": [f"{v:,g}" for v in ticks]}


def cost_per_hour_figure(hourly: pd.DataFrame, title: str) -> go.Figure:
    """Node cost per hour (USD; ``cost_sim.hourly_cost`` columns ``usd_per_hour_<group>``),
    stacked by node group. Without the total ``usd_per_hour`` column a group had no price
    (analysis leaves its column out): the title says INCOMPLETE and a note says what is missing,
    so a partial or empty chart is never read as the whole cost."""
    t = chart_timeline(hourly)
    complete = "usd_per_hour" in hourly.columns
    # the legend names the node group even when there is one (plotly hides a lone trace's)
    fig = styled_figure(f"{title}: node cost per hour" + ("" if complete else " (INCOMPLETE)"),
                         xaxis=_x_layout(t),
                         yaxis={"title": {"text": "USD per hour"}, "rangemode": "tozero",
                                "hoverformat": _USD_PER_HOUR_HOVER},
                         showlegend=True)
    groups = [c for c in t.columns if c.startswith("usd_per_hour_")]
    x = _time_axis(t)
    for column in groups:
        fig.add_scatter(**x, y=_f32(t[column]), stackgroup="nodes",
                        name=column.removeprefix("usd_per_hour_"), line={"shape": "hv"})
    if not complete:
        fig.add_annotation(
            text=("PRICE NOT FOUND for " + ("every node group: nothing to draw" if not groups
                                           else "a node group: it is left out of this chart")
                  + " (see Components with Cost)"),
            showarrow=False, xref="paper", yref="paper", x=0.5, y=0.9)
    return fig


#: Each side's colour in :func:`today_vs_proposed_figure`: today grey, the proposal blue
SIDE_COLORS = {"today": "#7f7f7f", "proposed": "#1f77b4"}


def today_vs_proposed_figure(today: tuple[pd.DataFrame, pd.DataFrame],
                             proposed: tuple[pd.DataFrame, pd.DataFrame], title: str,
                             slos: Sequence[Slo] = (), workload: str | None = None
                             ) -> go.Figure:
    """Today's run of a workload beside the proposed one on the same scenario, each side a
    ``(timeline, hourly_cost)`` pair (``SimulationResult.timeline``, ``ScenarioRun.hourly_cost``):
    three rows on one shared time axis, so a reviewer reads both sides at the same moment:
    spec replicas (solid) and Ready nodes (dashed); p95 latency (bin maxima, log axis) against
    the p95 latency SLOs of ``workload``; node cost per hour (USD, the workload's
    ``usd_per_hour``). A side whose cost has no total (a group without a price) draws no cost
    line and the title says INCOMPLETE, as :func:`cost_per_hour_figure` does."""
    sides = {"today": today, "proposed": proposed}
    binned = {side: (chart_timeline(t), chart_timeline(c)) for side, (t, c) in sides.items()}
    unpriced = [side for side, (_t, c) in sides.items() if "usd_per_hour" not in c.columns]
    first = binned["proposed"][0]
    fig = styled_figure(f"{title}: today vs proposed" + (
        f" (INCOMPLETE: no node price {' or '.join(unpriced)})" if unpriced else ""),
        # room for the title above the first row's own title
        height=720, hovermode="x unified", margin={"t": 100})
    make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07, figure=fig,
                  subplot_titles=("spec replicas (solid) and Ready nodes (dashed)",
                                  "p95 latency, ms (bin maxima)", "node cost, USD per hour"))
    for side, (t, cost) in binned.items():
        x, color = _time_axis(t), SIDE_COLORS[side]
        fig.add_scatter(**x, y=_f32(t["spec_replicas"]), name=f"{side}: replicas",
                        legendgroup=side, line={"shape": "hv", "color": color, "width": 2},
                        row=1, col=1)
        fig.add_scatter(**x, y=_f32(t["nodes"]), name=f"{side}: Ready nodes",
                        legendgroup=side,
                        line={"shape": "hv", "color": color, "width": 1.5, "dash": "dash"},
                        row=1, col=1)
        fig.add_scatter(**x, y=_f32(t["p95_latency_ms"]), name=f"{side}: p95",
                        legendgroup=side, line={"color": color, "width": 1.5}, row=2, col=1)
        if "latency_saturated" in t and bool((t["latency_saturated"] > 0).any()):
            # a bound is never drawn as a measured latency (latency_figure's rule)
            at_ceiling = np.where(t["latency_saturated"].to_numpy(dtype=float) > 0,
                                  t["p95_latency_ms"].to_numpy(dtype=float), np.nan)
            fig.add_scatter(**x, y=_f32(at_ceiling), mode="markers", legendgroup=side,
                            name=f"{side}: saturated pods, p95 a lower bound (≥)",
                            marker={"symbol": "triangle-up", "size": 6, "color": color},
                            row=2, col=1)
        if "usd_per_hour" in cost.columns:
            fig.add_scatter(**_time_axis(cost), y=_f32(cost["usd_per_hour"]),
                            name=f"{side}: USD per hour", legendgroup=side,
                            line={"shape": "hv", "color": color, "width": 2}, row=3, col=1)
    per_hour, unit = time_unit(first)
    times = first["time_h"].to_numpy(dtype=float) * per_hour
    span = [float(times[0]), float(times[-1])] if times.size else [0.0, 0.0]
    for slo in slos:
        if slo.metric == "latency" and slo.percentile == 95 and slo.workload in (workload, None):
            fig.add_scatter(x=span, y=[slo.threshold_ms] * 2, mode="lines", row=2, col=1,
                            name=f"SLO p95 {quantity_text(slo.threshold_ms)} ms",
                            line={"dash": "dot", "width": 1.5, "color": "#d62728"})
    fig.update_yaxes(rangemode="tozero", hoverformat=_COUNT_HOVER, row=1, col=1)
    fig.update_yaxes(type="log", hoverformat=_MS_HOVER, row=2, col=1, **_log_ticks(
        pd.concat([t for t, _cost in binned.values()]), slos))
    fig.update_yaxes(rangemode="tozero", hoverformat=_USD_PER_HOUR_HOVER, row=3, col=1)
    fig.update_xaxes(title={"text": unit}, hoverformat=_x_layout(first)["hoverformat"],
                     row=3, col=1)
    return fig
