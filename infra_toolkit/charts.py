"""Plotly figures for the plan report and the explorer notebooks, and the renderer that puts them
into an offline HTML export.

Figures are built by pure functions from simulation and cost outputs; notebooks only display them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

from infra_toolkit.cost import cents
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.report_html import chart_anchor, duration_text, quantity_text
from infra_toolkit.time_to_capacity import PART_LABELS

if TYPE_CHECKING:
    from infra_toolkit.analysis import PlanAnalysis
    from infra_toolkit.time_to_capacity import TimeToCapacity

__all__ = [
    "CANARY_CHART_HOLD_S",
    "CAPACITY_PARTS",
    "MAX_EPISODE_BARS",
    "MAX_POINTS",
    "REPORT_RENDERER",
    "canary_figures",
    "chart_timeline",
    "cost_by_component_figure",
    "cost_per_hour_figure",
    "latency_figure",
    "load_figure",
    "scaling_figures",
    "time_to_capacity_figure",
    "use_report_renderer",
]

REPORT_RENDERER = "infra_toolkit_report"


class _ReportRenderer(MimetypeRenderer):  # type: ignore[misc]
    """Each figure as two outputs: plotly's JSON mimetype, which JupyterLab draws natively, and a
    ``text/html`` div calling ``Plotly.newPlot``, which nbconvert exports. The HTML carries no
    plotly.js and no MathJax: the offline template inlines plotly.js once for the whole page
    (plotly's ``notebook`` renderer would embed it again each time it is activated)."""

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, Any]:
        # a figure a section links to carries its id in layout.meta (report_html.chart_anchor)
        meta = fig_dict.get("layout", {}).get("meta")
        html = pio.to_html(
            fig_dict,
            div_id=meta.get("anchor") if isinstance(meta, dict) else None,
            include_plotlyjs=False,
            include_mathjax=False,
            full_html=False,
            default_width="100%",
            default_height=480,
            validate=False,
        )
        return {"text/html": _unescape_slashes(html),
                "application/vnd.plotly.v1+json": fig_dict}


# plotly writes every "/" of a figure's JSON as the 6 characters \u002f, and a typed array's
# base64 is 1/64 slashes: ~8 % of a chart's bytes. Only "</" can end a <script>, and plotly
# escapes every "<" (\u003c), so a plain "/" is safe; an escaped backslash before it is kept.
_ESCAPED_SLASH = re.compile(r"(?<!\\)((?:\\\\)*)\\u002f")


def _unescape_slashes(html: str) -> str:
    return _ESCAPED_SLASH.sub(r"\1/", html)


def use_report_renderer() -> None:
    """Make every ``fig.show()`` (and figure display) of this kernel use the report renderer.
    Call it once, in the first code cell of a notebook."""
    pio.renderers[REPORT_RENDERER] = _ReportRenderer()
    pio.renderers.default = REPORT_RENDERER


# --------------------------------------------------------------------------------------------
# Figures from an analysed plan (infra_toolkit.analysis.PlanAnalysis)

#: The most points a time series keeps in a figure: one plan report stays well under 6 MB.
MAX_POINTS = 600
#: The time-to-capacity parts (``TimeToCapacity.PARTS`` of :mod:`infra_toolkit.time_to_capacity`)
#: and their legend labels, in the order an episode goes through them: the table's own words
#: (the legend said "wait for HPA sync" and "node groups at max_size" beside the table's
#: "Sync wait" and "Nodes at max_size")
CAPACITY_PARTS = PART_LABELS
# the delays in the template's colours; the two limits hatched grey: a ceiling, not a delay
_PART_MARKERS = {
    "metric_lag_s": {"color": "#1f77b4"}, "sync_wait_s": {"color": "#ff7f0e"},
    "controller_hold_s": {"color": "#2ca02c"},
    "at_max_replicas_s": {"color": "#7f7f7f", "pattern": {"shape": "/"}},
    "node_provisioning_s": {"color": "#d62728"},
    "at_max_nodes_s": {"color": "#7f7f7f", "pattern": {"shape": "x"}},
    "pod_startup_s": {"color": "#9467bd"}}
_MEAN_COLUMNS = ("offered_rps", "served_rps", "dropped_rps")
_MAX_COLUMNS = ("spec_replicas", "ready_pods", "pods", "nodes", "p50_latency_ms",
                "p95_latency_ms", "p99_latency_ms", "latency_saturated")
# A small template (plotly's default one adds ~6.5 KB of JSON to every figure).
_TEMPLATE = go.layout.Template(layout={
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "colorway": ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"],
    "plot_bgcolor": "white", "paper_bgcolor": "white", "hovermode": "x unified",
    "xaxis": {"gridcolor": "#e5e5e5", "zeroline": False},
    "yaxis": {"gridcolor": "#e5e5e5", "zeroline": False},
    "legend": {"orientation": "h", "y": -0.18},
    "margin": {"l": 60, "r": 60, "t": 60, "b": 60},
})


#: The bin lengths (seconds) a binned chart rounds its bins up to when its ticks divide one:
#: whole minutes and their simple parts, so that a day's axis says "150 s means", not the 145 s
#: of 29 ticks of 5 s, a span no trace, metric or alert uses
NICE_BIN_S = (5, 10, 15, 20, 30, 60, 90, 120, 150, 180, 300, 600, 900, 1200, 1800, 3600,
              7200, 10800, 21600, 43200, 86400)


def _ticks_per_bin(times: np.ndarray, max_points: int) -> int:
    """The fewest whole ticks a bin needs for at most ``max_points`` bins, rounded up to the
    first :data:`NICE_BIN_S` length the (evenly spaced) ticks divide, when there is one."""
    n = times.size
    k = max(1, math.ceil(n / max_points))
    if k == 1 or n < 2:
        return k
    tick = float(times[1] - times[0])
    if tick <= 0 or not np.allclose(np.diff(times), tick, rtol=1e-9, atol=0.0):
        return k
    for bin_s in NICE_BIN_S:
        ticks = bin_s / tick
        if bin_s >= k * tick - 1e-9 and abs(ticks - round(ticks)) < 1e-9:
            return round(ticks)
    return k


def chart_timeline(timeline: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """A simulation timeline binned to at most ``max_points`` rows of ``k`` whole ticks each
    (:func:`_ticks_per_bin`: a whole minute or a simple part of one when the ticks allow):
    ``time_h`` (bin start, hours), request rates averaged over the bin (``offered_rps``,
    ``served_rps``, ``dropped_rps``), pod and node counts and latencies at their bin maximum
    (a chart must not hide a spike), ``usd_per_hour*`` columns averaged. A trailing partial bin
    is kept."""
    if max_points < 1:
        raise ValueError(f"max_points = {max_points}: must be >= 1")
    n = len(timeline)
    times = timeline["time_s"].to_numpy(dtype=float)
    k = _ticks_per_bin(times, max_points)
    group = np.arange(n) // k
    out = pd.DataFrame({"time_h": times[::k] / 3600.0})
    for column in timeline.columns:
        if column == "time_s":
            continue
        values = pd.Series(timeline[column].to_numpy(dtype=float)).groupby(group)
        if column in _MAX_COLUMNS or column.startswith("nodes_"):
            out[column] = values.max().to_numpy()
        elif column in _MEAN_COLUMNS or column.startswith("usd_per_hour"):
            out[column] = values.mean().to_numpy()
    return out


def _figure(title: str, **layout: Any) -> go.Figure:
    return go.Figure(layout={"template": _TEMPLATE, "title": {"text": title}, **layout})


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


def _time_unit(t: pd.DataFrame) -> tuple[float, str]:
    """The x unit of a binned timeline's charts: (units per hour, axis title)."""
    hours = t["time_h"].to_numpy(dtype=float)
    short = hours.size == 0 or float(hours[-1]) < MINUTES_AXIS_BEFORE_H
    return (60.0, "minutes") if short else (1.0, "hours")


def _x_layout(t: pd.DataFrame) -> dict[str, Any]:
    """The time axis of a binned timeline's chart: its unit as the title, and a hover to the
    hundredth of an hour (36 s) or the tenth of a minute, not plotly's float noise
    (``8.055556``)."""
    unit = _time_unit(t)[1]
    return {"title": {"text": unit}, "hoverformat": ".2f" if unit == "hours" else ".1f"}


#: Hover formats as the report's tables print the figures: rates to the hundredth, latencies
#: to the millisecond, prices per hour to the hundredth of a cent, counts whole
_RATE_HOVER, _MS_HOVER, _USD_PER_HOUR_HOVER, _COUNT_HOVER = ",.2f", ",.0f", "$,.4f", ",d"


def _time_axis(t: pd.DataFrame) -> dict[str, Any]:
    """The x of each trace of a binned timeline (``time_h``) in :func:`_time_unit`'s unit:
    evenly spaced bins (a simulation's ticks are) as plotly's ``x0`` and ``dx``, which it
    expands itself, instead of a copy of the time array in every trace (half a load chart's
    bytes); else the times."""
    per_hour, _title = _time_unit(t)
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
    fig = _figure(f"{title}: offered vs served load, replicas and nodes",
                  xaxis=_x_layout(t),
                  yaxis={"title": {"text": rates}, "rangemode": "tozero",
                         "hoverformat": _RATE_HOVER},
                  # whole-number ticks: plotly's own step (1.8 for a peak of 9) would print
                  # 3.6 as "4", a label off its gridline
                  yaxis2={"title": {"text": "pods / nodes"}, "overlaying": "y", "side": "right",
                          "rangemode": "tozero", "showgrid": False, "tick0": 0,
                          "dtick": max(1, math.ceil(top / 6)), "hoverformat": _COUNT_HOVER})
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
    per_hour, _unit = _time_unit(t)
    fig = _figure(f"{title}: latency percentiles vs SLO", xaxis=_x_layout(t),
                  yaxis={"title": {"text": unit}, "type": "log", "hoverformat": _MS_HOVER,
                         **_log_ticks(t, slos)})
    x = _time_axis(t)
    for q in (50, 95, 99):
        fig.add_scatter(**x, y=_f32(t[f"p{q}_latency_ms"]), name=f"p{q}", line={"width": 1})
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
                            line={"dash": "dash", "width": 1.5})
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
    fig = _figure(f"{title}: node cost per hour" + ("" if complete else " (INCOMPLETE)"),
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


#: The most episode bars the time-to-capacity chart draws: the longest ones. A month of a
#: large estate has hundreds of episodes, which a chart of fixed height drew as hairlines under
#: one label in twenty (audit15 A15-8); the Scaling Behaviour table counts them all.
MAX_EPISODE_BARS = 40


def time_to_capacity_figure(analysis: PlanAnalysis) -> go.Figure:
    """Every under-capacity episode of every run as one horizontal bar, split into the
    simulator's time-to-capacity parts (seconds): the delays, and the seconds at a limit
    (``maxReplicas``, node groups at ``max_size``) hatched grey. Past
    :data:`MAX_EPISODE_BARS` episodes, the longest that many (ties: the earlier run, workload
    and start), in run, workload and time order, the title saying how many there were."""
    episodes: list[tuple[str, TimeToCapacity]] = []
    seen: dict[str, int] = {}
    for run in analysis.runs:
        for workload, sim in run.simulations.items():
            for e in sim.summary.time_to_capacity:
                # the start as the Scaling Behaviour table writes it; a second episode in the
                # same minute gets its number (one label is one bar)
                label = f"{run.name} / {workload} at {duration_text(e.start_s)}"
                same = seen.get(label, 0)
                seen[label] = same + 1
                episodes.append((f"{label} (#{same + 1})" if same else label, e))
    title = "Time to capacity: where each under-capacity episode's seconds went"
    if len(episodes) > MAX_EPISODE_BARS:
        longest = sorted(range(len(episodes)), key=lambda i: -episodes[i][1].total_s)
        keep = sorted(longest[:MAX_EPISODE_BARS])
        title = (f"Time to capacity: the {MAX_EPISODE_BARS} longest of {len(episodes)} "
                 "under-capacity episodes, where their seconds went")
        episodes = [episodes[i] for i in keep]
    # legend in the parts' order (plotly reverses a stacked bar's legend by default)
    # horizontal bars: one episode's parts read together along y (the template's "x unified"
    # gathered every episode's bar crossing the same second)
    fig = _figure(title, barmode="stack", hovermode="y unified",
                  xaxis={"title": {"text": "seconds"}, "hoverformat": ",.0f"},
                  yaxis={"autorange": "reversed", "automargin": True},
                  legend={"traceorder": "normal"},
                  height=max(450, 22 * len(episodes) + 220))
    for key, label in CAPACITY_PARTS:
        fig.add_bar(y=[name for name, _ in episodes], x=[getattr(e, key) for _, e in episodes],
                    name=label, orientation="h", marker=_PART_MARKERS[key])
    if not episodes:
        fig.add_annotation(text="no under-capacity episode in any scenario", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.5)
    return fig


def cost_by_component_figure(analysis: PlanAnalysis) -> go.Figure:
    """Monthly cost (USD) per resource, current vs proposed (expected scenario): each bar the
    sum of its lines in cents, as the cost tables show them, so a bar equals its table lines
    added up."""
    frame = analysis.comparison
    frame = frame[frame["resource"] != "TOTAL"]
    by_resource = frame.groupby("resource", sort=False)[
        ["current_monthly_usd", "proposed_monthly_usd"]].agg(
            lambda s: float(sum((cents(v) for v in s if v is not None), Decimal(0))))
    fig = _figure("Monthly cost by resource: current vs proposed "
                  f"({analysis.expected_scenario or 'as declared'})", barmode="group",
                  hovermode="y unified",  # a resource's current and proposed bars together
                  xaxis={"title": {"text": "USD per month"}, "hoverformat": "$,.2f"},
                  yaxis={"autorange": "reversed", "automargin": True},
                  height=max(360, 40 * len(by_resource) + 160))
    for column, label in (("current_monthly_usd", "current"), ("proposed_monthly_usd",
                                                               "proposed")):
        fig.add_bar(y=list(by_resource.index), x=by_resource[column].tolist(),
                    name=label, orientation="h")
    return fig


def scaling_figures(analysis: PlanAnalysis) -> list[go.Figure]:
    """The scaling section's figures: per scenario and charted workload (all but
    ``analysis.charts.left_out``), load, latency and cost per hour; the cluster's cost per hour
    when workloads share it; then the time-to-capacity breakdown (empty list when nothing was
    simulated)."""
    figures = []
    for run in analysis.runs:
        shared = len(run.simulations) > 1
        for workload, sim in run.simulations.items():
            if workload in analysis.charts.left_out:
                continue
            title = f"{run.name} / {workload}"
            load = load_figure(sim.timeline, title)
            load.update_layout(meta={"anchor": chart_anchor(run.name, workload)})
            figures += [load,
                        latency_figure(sim.timeline, title, analysis.plan.slos, workload),
                        cost_per_hour_figure(run.hourly_cost[workload],
                                             f"{title} (its request share)" if shared
                                             else title)]
        if shared and run.cluster_hourly_cost is not None:
            figures.append(cost_per_hour_figure(run.cluster_hourly_cost,
                                                f"{run.name} / all workloads"))
    return [*figures, time_to_capacity_figure(analysis)] if figures else []


#: How much of a canary's held last step its chart shows: the jump and the first hour after it
#: (the step table covers the whole step).
CANARY_CHART_HOLD_S = 3600.0


def canary_figures(analysis: PlanAnalysis) -> list[go.Figure]:
    """Per autoscaled workload a simulated stack canary rolls (``analysis.canary``), its load
    figure (:func:`load_figure`) from the canary's start through the first
    :data:`CANARY_CHART_HOLD_S` seconds of the step held to the scenario's end, each step's start
    marked with its weight; empty without a simulated stack canary."""
    c = analysis.canary
    if c is None or not c.windows:
        return []
    first, last = c.windows[0], c.windows[-1]
    end_s = min(last.end_s, last.start_s + CANARY_CHART_HOLD_S) if last.holds_to_end \
        else last.end_s
    # the span shown, in the step table's clock; a held step cut here says so, since its peak
    # replicas in the table may come after the chart's end
    span = f"{c.clock_text(first.start_s)} to {c.clock_text(end_s)}"
    # on a second, smaller line: one line of it all ran past the plot's width, clipped
    cut = (f"<br><sup>the first {CANARY_CHART_HOLD_S / 3600:g} h of step {last.step}; the step "
           f"table covers it to {c.clock_text(last.end_s)}</sup>") if end_s < last.end_s else ""
    figures = []
    for workload in c.workloads:
        t = c.simulations[workload].timeline
        times = t["time_s"].to_numpy(dtype=float)
        shown = t[(times >= first.start_s) & (times < end_s)]
        fig = load_figure(shown, f"Canary {c.scenario} / {workload}, {span}")
        fig.update_layout(title={"text": fig.layout.title.text + cut})
        # the steps' marks in the load chart's own unit (minutes for a span ending before 3 h)
        per_hour, unit = _time_unit(chart_timeline(shown))
        fig.update_xaxes(title={"text": f"{unit} from the scenario's start "
                                        f"({c.clock_text(0.0)})"})
        for w in c.windows:
            fig.add_vline(x=w.start_s / 3600.0 * per_hour, line={"dash": "dot", "width": 1,
                                                      "color": "#7f7f7f"},
                          annotation={"text": f"step {w.step}: {w.weight_pct:g} %",
                                      "textangle": -90, "font": {"size": 10}},
                          annotation_position="top right")
        figures.append(fig)
    return figures
