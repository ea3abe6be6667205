"""The plan report's plotly figures from an analysed plan: per scenario and workload the scaling
figures (:func:`scaling_figures`), the time-to-capacity breakdown, the cost by resource and a
stack canary's load with its steps marked (:func:`canary_figures`). With the timeline figures
(:mod:`infra_toolkit.timeline_figures`), their binning (:mod:`infra_toolkit.chart_binning`) and
the renderer (:mod:`infra_toolkit.chart_renderer`), re-exported here so that a notebook needs
this one module.

Figures are built by pure functions from simulation and cost outputs; notebooks only display them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from infra_toolkit.chart_binning import MAX_POINTS, chart_timeline
from infra_toolkit.chart_renderer import REPORT_RENDERER, use_report_renderer
from infra_toolkit.chart_style import styled_figure
from infra_toolkit.cost import cents
from infra_toolkit.report_html import chart_anchor, elapsed_text
from infra_toolkit.time_to_capacity import PART_LABELS
from infra_toolkit.timeline_figures import (
    cost_per_hour_figure,
    latency_figure,
    load_figure,
    time_unit,
    today_vs_proposed_figure,
)

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
    "today_vs_proposed_figure",
    "use_report_renderer",
]


#: The time-to-capacity parts (``TimeToCapacity.PARTS`` of :mod:`infra_toolkit.time_to_capacity`)
#: and their legend labels, in the order an episode goes through them: the table's own words
#: (the legend said "wait for HPA sync" and "node groups at max_size" beside the table's
#: "Sync wait" and "Nodes at max_size")
CAPACITY_PARTS = PART_LABELS
# the delays in the template's colours; the two limits hatched grey: a ceiling, not a delay
_PART_MARKERS = {
    "keda_activation_s": {"color": "#17becf"},  # KEDA's wait from zero, before the HPA's parts
    "metric_lag_s": {"color": "#1f77b4"}, "sync_wait_s": {"color": "#ff7f0e"},
    "controller_hold_s": {"color": "#2ca02c"},
    "at_max_replicas_s": {"color": "#7f7f7f", "pattern": {"shape": "/"}},
    "node_provisioning_s": {"color": "#d62728"},
    "at_max_nodes_s": {"color": "#7f7f7f", "pattern": {"shape": "x"}},
    "pod_startup_s": {"color": "#9467bd"}}


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
                # the start as the Scaling Behaviour table writes it, to the second; a start
                # written alike (a fraction of a second apart) gets its number (one label is
                # one bar)
                label = f"{run.name} / {workload} at {elapsed_text(e.start_s)}"
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
    fig = styled_figure(title, barmode="stack", hovermode="y unified",
                         xaxis={"title": {"text": "seconds"}, "hoverformat": ",.0f"},
                         yaxis={"autorange": "reversed", "automargin": True},
                         legend={"traceorder": "normal"},
                         height=max(450, 22 * len(episodes) + 220))
    for key, label in CAPACITY_PARTS:
        if key == "keda_activation_s" and not any(e.keda_activation_s for _, e in episodes):
            continue  # no workload woken from zero by KEDA: no legend entry for a 0 everywhere
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
    fig = styled_figure("Monthly cost by resource: current vs proposed "
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
    ``analysis.charts.left_out``), load, latency and cost per hour (titled "its request share"
    only where other pods took part of a group's cost); the cluster's cost per hour when the run
    has several workloads; when today's cluster is simulated too (``analysis.current_runs``),
    per charted workload both sides run, today beside the proposal
    (:func:`today_vs_proposed_figure`); then the time-to-capacity breakdown (empty list when
    nothing was simulated)."""
    figures = []
    today = {r.name: r for r in analysis.current_runs}
    for run in analysis.runs:
        shared = len(run.simulations) > 1
        for workload, sim in run.simulations.items():
            if workload in analysis.charts.left_out:
                continue
            title = f"{run.name} / {workload}"
            load = load_figure(sim.timeline, title)
            load.update_layout(meta={"anchor": chart_anchor(run.name, workload)})
            cost = run.hourly_cost[workload]
            figures += [load,
                        latency_figure(sim.timeline, title, analysis.plan.slos, workload),
                        cost_per_hour_figure(cost, f"{title} (its request share)"
                                             if _charged_a_share(cost, run.cluster_hourly_cost)
                                             else title)]
        if shared and run.cluster_hourly_cost is not None:
            figures.append(cost_per_hour_figure(run.cluster_hourly_cost,
                                                f"{run.name} / all workloads"))
        before = today.get(run.name)
        for workload, sim in run.simulations.items():
            if before is None or workload in analysis.charts.left_out \
                    or workload not in before.simulations:
                continue
            figures.append(today_vs_proposed_figure(
                (before.simulations[workload].timeline, before.hourly_cost[workload]),
                (sim.timeline, run.hourly_cost[workload]), f"{run.name} / {workload}",
                analysis.plan.slos, workload))
    return [*figures, time_to_capacity_figure(analysis)] if figures else []


def _charged_a_share(workload_cost: pd.DataFrame, cluster_cost: pd.DataFrame | None) -> bool:
    """Whether a workload's node cost per hour (``ScenarioRun.hourly_cost``) is a part of some
    group's cost rather than the whole of it: at some tick it differs from the group's own cost
    in ``cluster_cost`` (other pods on the group took a request share). A workload alone on its
    groups is charged their whole cost, and its chart says so by saying nothing of a share (a
    search API beside a queue worker on its own group is not shown as 'its request share')."""
    if cluster_cost is None:
        return True  # no cluster figure to compare with: keep the cautious label
    columns = [c for c in workload_cost.columns
               if c.startswith("usd_per_hour_") and c in cluster_cost.columns]
    return any(not np.allclose(workload_cost[c].to_numpy(dtype=float),
                               cluster_cost[c].to_numpy(dtype=float)) for c in columns)


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
    # on a second, smaller line: one line of it all ran past the plot's width, clipped (the
    # span too, in a 1000 px window or on paper: visual23)
    cut = (f"; the first {CANARY_CHART_HOLD_S / 3600:g} h of step {last.step}; the step "
           f"table covers it to {c.clock_text(last.end_s)}") if end_s < last.end_s else ""
    figures = []
    for workload in c.workloads:
        t = c.simulations[workload].timeline
        times = t["time_s"].to_numpy(dtype=float)
        shown = t[(times >= first.start_s) & (times < end_s)]
        fig = load_figure(shown, f"Canary {c.scenario} / {workload}")
        fig.update_layout(title={"text": f"{fig.layout.title.text}<br><sup>{span}{cut}</sup>"})
        # the steps' marks in the load chart's own unit (minutes for a span ending before 3 h)
        per_hour, unit = time_unit(chart_timeline(shown))
        fig.update_xaxes(title={"text": f"{unit} from the scenario's start "
                                        f"({c.clock_text(0.0)})"})
        for w in c.windows:
            fig.add_vline(x=w.start_s / 3600.0 * per_hour, line={"dash": "dot", "width": 1,
                                                      "color": "#7f7f7f"},
                          # above the plot, right of its line: written down the line inside
                          # the plot, the labels lay over the count lines at the axis' top
                          annotation={"text": f"step {w.step}: {w.weight_pct:g} %",
                                      "font": {"size": 10}, "yanchor": "bottom",
                                      "xanchor": "left"},
                          annotation_position="top right")
        figures.append(fig)
    return figures
