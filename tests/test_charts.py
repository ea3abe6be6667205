"""charts: binned timelines and the report's figures."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from infra_toolkit import chart_renderer, charts, report_html
from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.simulate import TimeToCapacity


def test_public_api() -> None:
    assert sorted(charts.__all__) == [
        "CANARY_CHART_HOLD_S", "CAPACITY_PARTS", "MAX_EPISODE_BARS", "MAX_POINTS",
        "REPORT_RENDERER",
        "canary_figures", "chart_timeline", "cost_by_component_figure", "cost_per_hour_figure",
        "latency_figure", "load_figure",
        "scaling_figures", "time_to_capacity_figure", "today_vs_proposed_figure",
        "use_report_renderer"]
    assert all(hasattr(charts, name) for name in charts.__all__)


def test_chart_timeline_bins_by_hand() -> None:
    timeline = pd.DataFrame({
        "time_s": [0.0, 5.0, 10.0, 15.0, 20.0],
        "offered_rps": [1.0, 2.0, 6.0, 10.0, 20.0],
        "pods": [2, 3, 2, 5, 4],
        "nodes_general": [1, 1, 2, 2, 2],
        "p95_latency_ms": [10.0, np.inf, 30.0, 5.0, np.nan],
        "usd_per_hour": [1.0, 1.0, 4.0, 2.0, 2.0],
        "slo_violated": [False, True, False, False, False],  # not charted
    })
    binned = charts.chart_timeline(timeline, max_points=2)  # ceil(5 / 2) = 3 ticks a bin
    assert list(binned.columns) == ["time_h", "offered_rps", "pods", "nodes_general",
                                    "p95_latency_ms", "usd_per_hour"]
    assert list(binned["time_h"]) == [0.0, 15.0 / 3600]
    assert list(binned["offered_rps"]) == [3.0, 15.0]  # (1 + 2 + 6) / 3, (10 + 20) / 2
    assert list(binned["pods"]) == [3.0, 5.0]  # maxima: a chart must not hide a spike
    assert list(binned["nodes_general"]) == [2.0, 2.0]
    assert binned["p95_latency_ms"][0] == np.inf and binned["p95_latency_ms"][1] == 5.0
    assert list(binned["usd_per_hour"]) == [2.0, 2.0]  # (1 + 1 + 4) / 3, (2 + 2) / 2
    with pytest.raises(ValueError, match="max_points = 0"):
        charts.chart_timeline(timeline, max_points=0)


def _day(offered: np.ndarray, served: np.ndarray) -> pd.DataFrame:
    n = offered.size  # 5 s ticks
    return pd.DataFrame({"time_s": np.arange(n) * 5.0, "offered_rps": offered,
                         "served_rps": served, "spec_replicas": np.full(n, 3),
                         "ready_pods": np.full(n, 3), "nodes": np.full(n, 2)})


def test_long_timelines_stay_small() -> None:
    n = 17280  # a day at 5 s
    rates = np.full(n, 1.5)
    fig = charts.load_figure(_day(rates, rates - np.where(np.arange(n) == 7, 0.5, 0.0)), "day")
    # bins of at least ceil(17280 / 600) = 29 ticks (145 s), rounded up to 150 s (30 ticks, the
    # first NICE_BIN_S length 5 s ticks divide): 17280 / 30 = 576 points per trace, each bin
    # 150 s from the one before: no time array, plotly's x0 and dx (hours)
    assert [len(t.y) for t in fig.data] == [576] * 5
    assert all(t.x is None and (t.x0, t.dx) == (0.0, 150 / 3600) for t in fig.data)
    # bytes: 2 rate traces as float32, 576 x 4 = 2,304 bytes = 3,072 base64 characters each;
    # 3 count traces of whole numbers <= 127 as int8, 576 bytes = 768 characters each:
    # 2 x 3,072 + 3 x 768 = 8,448, + under 3,000 of layout, names and the div calling plotly,
    # as the report's renderer writes it (each "/" of the base64 one character, not plotly's
    # 6-character \u002f). Before (float32 x and y in every trace, slashes escaped): 10 x
    # 3,180 = 31,800 of arrays alone.
    html = chart_renderer._ReportRenderer().to_mimebundle(fig.to_dict())["text/html"]
    assert html.count('"dtype":"f4"') == 2 and html.count('"dtype":"i1"') == 3
    assert len(html) < 8_448 + 3_000


def test_served_drawn_as_offered_is_one_line_named_for_both() -> None:
    rates = np.full(17280, 1.5)
    fig = charts.load_figure(_day(rates, rates), "day")
    assert [t.name for t in fig.data] == ["offered rps = served rps", "replicas (spec)",
                                          "Ready pods", "Ready nodes"]
    assert np.allclose(fig.data[0].y, 1.5)


def test_uneven_times_keep_their_time_array() -> None:
    # a frame not on one tick grid (no simulation writes one) keeps x as given, in minutes for
    # a frame ending before 3 h: 5 s = 5 / 60 min
    hourly = pd.DataFrame({"time_s": [0.0, 5.0, 15.0], "usd_per_hour_general": [0.1, 0.2, 0.3],
                           "usd_per_hour": [0.1, 0.2, 0.3]})
    figure = charts.cost_per_hour_figure(hourly, "t")
    (trace,) = figure.data
    assert np.allclose(trace.x, [0.0, 5 / 60, 15 / 60]) and trace.x0 is None
    assert figure.layout.xaxis.title.text == "minutes"


@pytest.mark.parametrize(("ticks", "unit", "dx"), [
    # a 45-minute load test at 5 s: 540 ticks, one point each, 5 s = 1/12 min apart; it read
    # as 0 to 0.75 hours
    (540, "minutes", 5 / 60),
    # 3 h at 5 s (2,160 ticks, 0 to 10,795 s) is the longest drawn in minutes: bins of
    # ceil(2160 / 600) = 4 ticks, 20 s = 1/3 min apart, the last from 539 x 20 = 10,780 s
    (2160, "minutes", 20 / 60),
    # one tick more: bins of ceil(2161 / 600) = 4, the last from 540 x 20 = 10,800 s = 3 h:
    # hours, 20 / 3600 h apart
    (2161, "hours", 20 / 3600),
])
def test_short_timelines_are_drawn_in_minutes(ticks: int, unit: str, dx: float) -> None:
    rates = np.full(ticks, 1.5)
    frame = _day(rates, rates).assign(p50_latency_ms=20.0, p95_latency_ms=40.0,
                                      p99_latency_ms=60.0)
    load = charts.load_figure(frame, "t")
    latency = charts.latency_figure(frame, "t")
    assert load.layout.xaxis.title.text == latency.layout.xaxis.title.text == unit
    assert load.data[0].x0 == 0.0 and load.data[0].dx == pytest.approx(dx)


def test_the_renderer_writes_slashes_plainly_and_stays_one_script() -> None:
    # plotly escapes "/" as \u002f (6 characters); "<" stays escaped, so "</script>" in a
    # title cannot close the figure's script early
    fig = go.Figure(layout={"title": {"text": "a/b </script> c"}})
    html = chart_renderer._ReportRenderer().to_mimebundle(fig.to_dict())["text/html"]
    assert "\\u002f" not in html and html.count("</script>") == 1
    assert '"text":"a/b \\u003c/script\\u003e c"' in html


def test_binned_rates_say_they_are_means_and_name_the_peak() -> None:
    # a day at 5 s with one 5 s spike to 400 rps over 100: its 30-tick (150 s) bin averages
    # (29 x 100 + 400) / 30 = 110.0, so the axis says the rates are means and gives the peak
    n = 17280
    offered = np.full(n, 100.0)
    offered[1000] = 400.0
    timeline = pd.DataFrame({"time_s": np.arange(n) * 5.0, "offered_rps": offered,
                             "served_rps": offered, "spec_replicas": np.full(n, 3),
                             "ready_pods": np.full(n, 3), "nodes": np.full(n, 2)})
    fig = charts.load_figure(timeline, "day")
    assert float(np.nanmax(fig.data[0].y)) == pytest.approx((29 * 100 + 400) / 30, rel=1e-6)
    assert fig.layout.yaxis.title.text == "requests per second (150 s means; offered peak 400)"
    # visual23: the plot is 480 - 60 - 60 = 360 px high; at 14 px (~7.7 px a character) the
    # 57 characters of "requests per second (15 s means; offered peak 1,092.13)" took ~440 px
    # and crossed the chart's title; at 11 px (~6 px a character) ~340 px fit
    assert fig.layout.yaxis.title.font.size == 11
    # unbinned (an hour at 15 s: 240 ticks), the rates are the ticks themselves
    hour = timeline.iloc[:240].assign(time_s=np.arange(240) * 15.0)
    assert charts.load_figure(hour, "hour").layout.yaxis.title.text == "requests per second"


@pytest.mark.parametrize(("spike", "label"), [
    # before: the peak was written f"{peak:,.4g}", 4 significant digits: 12,345.6 rps read
    # "1.235e+04" and 1,234.5 read "1,234" (a peak lower than the tick it names)
    (12345.6, "offered peak 12,345.6"),
    (1234.5, "offered peak 1,234.5"),
    (400.0, "offered peak 400"),
    # audit27 A27-7: to the hundredth, as the Scaling Behaviour table writes the same peak
    # (search-api's launch-day peak read 852.5 on its chart, 852.52 in the table)
    (852.52, "offered peak 852.52"),
    (1092.127, "offered peak 1,092.13"),
])
def test_the_named_peak_is_written_in_full(spike: float, label: str) -> None:
    n = 17280  # a day at 5 s: bins of 30 ticks (150 s), as above
    offered = np.full(n, 100.0)
    offered[1000] = spike
    timeline = pd.DataFrame({"time_s": np.arange(n) * 5.0, "offered_rps": offered,
                             "served_rps": offered, "spec_replicas": np.full(n, 3),
                             "ready_pods": np.full(n, 3), "nodes": np.full(n, 2)})
    assert charts.load_figure(timeline, "day").layout.yaxis.title.text == \
        f"requests per second (150 s means; {label})"


def test_load_and_latency_figures(small_analysis: PlanAnalysis) -> None:
    timeline = small_analysis.run("steady").simulations["api"].timeline
    load = charts.load_figure(timeline, "steady / api")
    # one pod serves its 20 of 40 req/s all hour: nothing dropped, served drawn as offered
    assert [t.name for t in load.data] == ["offered rps = served rps", "replicas (spec)",
                                           "Ready pods", "Ready nodes"]
    assert [t.yaxis for t in load.data][1:] == ["y2", "y2", "y2"]
    assert load.layout.title.text == "steady / api: offered vs served load, replicas and nodes"
    slos = (Slo("p95", "latency", percentile=95, threshold_ms=250),
            Slo("web p99", "latency", percentile=99, threshold_ms=900, workload="web"),
            Slo("avail", "availability", objective_pct=99.9))
    latency = charts.latency_figure(timeline, "steady / api", slos, "api")
    assert [t.name for t in latency.data] == ["p50", "p95", "p99", "SLO p95 250 ms"]
    assert list(latency.data[3].y) == [250, 250]
    assert latency.layout.yaxis.type == "log"
    # one pod at 20 of 40 req/s all hour: p95 = ln(20) / 20 s = 149.79 ms at every point
    assert np.allclose(latency.data[1].y, 1000 * np.log(20) / 20, rtol=1e-6)


def test_figures_of_an_analysis(small_analysis: PlanAnalysis) -> None:
    figures = charts.scaling_figures(small_analysis)
    # per scenario (2) x workload (1): load, latency, cost per hour; then time to capacity
    assert len(figures) == 2 * 3 + 1
    cost = figures[2]
    # 2 m5.large nodes at $0.096 per hour all along
    assert np.allclose(cost.data[0].y, 2 * 0.096)
    ttc = figures[-1]
    assert ttc.layout.annotations[0].text == "no under-capacity episode in any scenario"
    by_resource = charts.cost_by_component_figure(small_analysis)
    current, proposed = by_resource.data
    assert list(current.y) == ["aws_instance.api", "aws_eks_cluster.main",
                               "aws_eks_node_group.general", "aws_lb.api",
                               "aws_data_transfer.internet"]
    # each bar adds its table lines as shown, in cents: 30.37 + 0.64
    assert list(current.x) == [31.01, 0.0, 0.0, 0.0, 0.0]
    # 140.16 + 4.00; the ALB's $16.425 shows as $16.43 (half-up), + $11.68 = $28.11 (the exact
    # sum 28.105 would draw $28.10, a cent off the table)
    assert list(proposed.x) == [0.0, 73.0, 144.16, 28.11, 65.7]
    # a resource's two bars hover together, with their money in cents
    assert (by_resource.layout.hovermode, by_resource.layout.xaxis.hoverformat) == (
        "y unified", "$,.2f")


def test_time_to_capacity_bars_split_each_episode() -> None:
    # 195 s = lag 15 + sync wait 10 + hold 0 + at maxReplicas 0 + node provisioning 90 +
    # node groups at max_size 60 + start-up 20
    episode = TimeToCapacity(start_s=7200.0, end_s=7395.0, total_s=195.0, metric_lag_s=15.0,
                             sync_wait_s=10.0, controller_hold_s=0.0, at_max_replicas_s=0.0,
                             node_provisioning_s=90.0, at_max_nodes_s=60.0, pod_startup_s=20.0,
                             closed_by="pods")
    run = SimpleNamespace(name="spike", simulations={
        "api": SimpleNamespace(summary=SimpleNamespace(time_to_capacity=(episode,)))})
    fig = charts.time_to_capacity_figure(SimpleNamespace(runs=(run,)))  # type: ignore[arg-type]
    # the Scaling Behaviour table's words (Metric lag, Sync wait, ..., Nodes at max_size, Pod
    # start-up), where the legend said "wait for HPA sync" and "node groups at max_size"
    assert [t.name for t in fig.data] == [
        "metric lag", "sync wait", "controller hold", "at maxReplicas",
        "node provisioning", "nodes at max_size", "pod start-up"]
    assert [t.x[0] for t in fig.data] == [15.0, 10.0, 0.0, 0.0, 90.0, 60.0, 20.0]
    assert sum(t.x[0] for t in fig.data) == episode.total_s
    assert [key for key, _ in charts.CAPACITY_PARTS] == list(TimeToCapacity.PARTS)
    # every part its own colour but the two limits, grey and hatched apart
    colours = [t.marker.color for t in fig.data]
    assert len(set(colours)) == 6 and colours[3] == colours[5] == "#7f7f7f"
    assert (fig.data[3].marker.pattern.shape, fig.data[5].marker.pattern.shape) == ("/", "x")
    # the start as the Scaling Behaviour table's Start column writes it (elapsed_text)
    assert fig.data[0].y == ("spike / api at 2 h",)
    # the legend in the order an episode goes through the parts (plotly reverses stacks)
    assert fig.layout.legend.traceorder == "normal"
    # left24: KEDA's activation drawn first, only when an episode has one (none above):
    # 20 s of it before the 195 s of parts -> 215 s
    keda = dataclasses.replace(episode, total_s=215.0, keda_activation_s=20.0)
    run.simulations["api"].summary.time_to_capacity = (keda,)
    fig = charts.time_to_capacity_figure(SimpleNamespace(runs=(run,)))  # type: ignore[arg-type]
    assert (fig.data[0].name, fig.data[0].x[0], len(fig.data)) == ("KEDA activation", 20.0, 8)
    assert fig.data[0].marker.color == "#17becf"


def test_episodes_in_the_same_minute_keep_a_bar_each() -> None:
    def episode(start_s: float) -> TimeToCapacity:
        return TimeToCapacity(start_s=start_s, end_s=start_s + 60, total_s=60.0,
                              metric_lag_s=15.0, sync_wait_s=15.0, controller_hold_s=30.0,
                              at_max_replicas_s=0.0, node_provisioning_s=0.0,
                              at_max_nodes_s=0.0, pod_startup_s=0.0, closed_by="pods")

    # 9 h 29 min 5 s, 9 h 29 min 40 s, 9 h 29 min 50 s (34,145 = 9 x 3,600 + 29 x 60 + 5):
    # written to the second, as the table's Start column (elapsed_text), three labels; a
    # start written alike (a fraction of a second apart) still gets its number
    starts = (34145, 34180, 34190, 34190.2)
    summary = SimpleNamespace(time_to_capacity=tuple(episode(s) for s in starts))
    run = SimpleNamespace(name="flash", simulations={"api": SimpleNamespace(summary=summary)})
    fig = charts.time_to_capacity_figure(SimpleNamespace(runs=(run,)))  # type: ignore[arg-type]
    assert fig.data[0].y == ("flash / api at 9 h 29 min 5 s", "flash / api at 9 h 29 min 40 s",
                             "flash / api at 9 h 29 min 50 s",
                             "flash / api at 9 h 29 min 50 s (#2)")


def _timeline(replicas: list[float], p99_ms: float) -> pd.DataFrame:
    """A 5 s timeline with the columns the load and latency figures read."""
    n = len(replicas)
    return pd.DataFrame({
        "time_s": 5.0 * np.arange(n), "offered_rps": 10.0, "served_rps": 10.0,
        "dropped_rps": 0.0, "spec_replicas": replicas, "ready_pods": replicas, "pods": replicas,
        "nodes": 3.0, "p50_latency_ms": 40.0, "p95_latency_ms": 120.0, "p99_latency_ms": p99_ms})


@pytest.mark.parametrize(("peak", "dtick"), [(9, 2), (15, 3), (3, 1), (40, 7)])
def test_pod_axis_ticks_are_whole_numbers(peak: int, dtick: int) -> None:
    # plotly's own step for a peak of 9 is 1.8, and tickformat "d" printed 3.6 as "4"; a whole
    # step from 0 puts every label on its value: ceil(peak / 6), e.g. ceil(9 / 6) = 2
    fig = charts.load_figure(_timeline([3.0, 5.0, float(peak)], 100.0), "t")
    assert (fig.layout.yaxis2.tick0, fig.layout.yaxis2.dtick) == (0, dtick)


def test_latency_ticks_are_labelled_in_full() -> None:
    # p50 40 ms .. p99 18,000 ms and an SLO at 300 ms: decades 10 to 100,000 in 1-2-5 steps;
    # plotly's own labels wrote 20,000 ms as a bare "2" above "10k"
    slo = Slo("p95", "latency", percentile=95, threshold_ms=300)
    fig = charts.latency_figure(_timeline([3.0, 3.0], 18_000.0), "t", (slo,), "api")
    assert list(fig.layout.yaxis.tickvals) == [10, 20, 50, 100, 200, 500, 1000, 2000, 5000,
                                               10_000, 20_000, 50_000, 100_000, 200_000,
                                               500_000]
    assert list(fig.layout.yaxis.ticktext)[7:10] == ["2,000", "5,000", "10,000"]



def test_each_slo_line_has_its_percentiles_colour_on_every_chart() -> None:
    # visual23: expected-day drew SLO p95 red and p99 purple, flash-crowd (with its saturation
    # markers taking a colour first) purple and brown; each percentile now has one colour,
    # p50 blue #1f77b4, p95 orange #ff7f0e, p99 green #2ca02c, and its SLO line shares it
    slos = (Slo("p95", "latency", percentile=95, threshold_ms=300),
            Slo("p99", "latency", percentile=99, threshold_ms=800))
    calm = _timeline([3.0, 3.0], 100.0)
    saturated = calm.assign(latency_saturated=[False, True])
    for timeline in (calm, saturated):
        fig = charts.latency_figure(timeline, "t", slos, "api")
        colours = {t.name: t.line.color for t in fig.data if t.mode != "markers"}
        assert colours == {"p50": "#1f77b4", "p95": "#ff7f0e", "p99": "#2ca02c",
                           "SLO p95 300 ms": "#ff7f0e", "SLO p99 800 ms": "#2ca02c"}

def test_one_node_group_still_has_its_legend() -> None:
    hourly = pd.DataFrame({"time_s": [0.0, 5.0], "usd_per_hour_general": [0.1248, 0.1248],
                           "usd_per_hour": [0.1248, 0.1248]})
    fig = charts.cost_per_hour_figure(hourly, "t")
    assert [t.name for t in fig.data] == ["general"]
    assert fig.layout.showlegend is True  # plotly hides a lone trace's legend otherwise


@pytest.mark.parametrize(("columns", "note"), [
    ({}, "PRICE NOT FOUND for every node group: nothing to draw (see Components with Cost)"),
    ({"usd_per_hour_general": [0.1248, 0.1248]},
     "PRICE NOT FOUND for a node group: it is left out of this chart (see Components with Cost)"),
])
def test_a_node_group_without_price_is_said_not_drawn_as_nothing(
        columns: dict[str, list[float]], note: str) -> None:
    # analysis leaves an unpriced group's column and the total out (never a silent $0)
    hourly = pd.DataFrame({"time_s": [0.0, 5.0], **columns})
    fig = charts.cost_per_hour_figure(hourly, "t")
    assert fig.layout.title.text == "t: node cost per hour (INCOMPLETE)"
    assert [a.text for a in fig.layout.annotations] == [note]


def test_a_priced_cost_chart_has_no_note() -> None:
    hourly = pd.DataFrame({"time_s": [0.0, 5.0], "usd_per_hour_general": [0.1248, 0.1248],
                           "usd_per_hour": [0.1248, 0.1248]})
    fig = charts.cost_per_hour_figure(hourly, "t")
    assert fig.layout.title.text == "t: node cost per hour" and not fig.layout.annotations


def test_many_episodes_show_the_longest_forty_in_order() -> None:
    # audit15 A15-8: a month of a large estate had ~400 episodes drawn as hairlines in one
    # chart of fixed height. 45 episodes of one workload, the i-th lasting 10 + i seconds
    # (all metric lag): the 40 longest are i = 5 .. 44, shown in time order
    def episode(i: int) -> TimeToCapacity:
        total = 10.0 + i
        return TimeToCapacity(start_s=3600.0 * i, end_s=3600.0 * i + total, total_s=total,
                              metric_lag_s=total, sync_wait_s=0.0, controller_hold_s=0.0,
                              at_max_replicas_s=0.0, node_provisioning_s=0.0,
                              at_max_nodes_s=0.0, pod_startup_s=0.0, closed_by="pods")

    summary = SimpleNamespace(time_to_capacity=tuple(episode(i) for i in range(45)))
    run = SimpleNamespace(name="month", simulations={"api": SimpleNamespace(summary=summary)})
    fig = charts.time_to_capacity_figure(SimpleNamespace(runs=(run,)))  # type: ignore[arg-type]
    assert charts.MAX_EPISODE_BARS == 40
    assert list(fig.data[0].x) == [10.0 + i for i in range(5, 45)]
    assert (fig.data[0].y[0], fig.data[0].y[-1]) == ("month / api at 5 h",
                                                     "month / api at 1 d 20 h")
    assert fig.layout.title.text == ("Time to capacity: the 40 longest of 45 under-capacity "
                                     "episodes, where their seconds went")
    # 22 px a bar + 220 for the title, axis and legend: 40 x 22 + 220 = 1100 px
    assert fig.layout.height == 1100


def test_the_scaling_section_links_to_each_workloads_load_chart(
        small_analysis: PlanAnalysis) -> None:
    # audit15 A15-5: 25 workloads in 4 scenarios are 240 charts below the section's tables,
    # reached only by scrolling; the section now links each (scenario, workload) load chart
    import re

    from infra_toolkit import sections

    page = sections.scaling_behaviour(small_analysis)._repr_html_()
    hrefs = re.findall(r'<a href="#(chart-[^"]+)">', page)
    pairs = [(run.name, w) for run in small_analysis.runs for w in run.simulations]
    # the id is "chart-", the scenario and workload names in lower case (other characters as
    # "-"), joined by "--" (audit18: "day-web" + "api" and "day" + "web-api" made one id)
    assert hrefs == [f"chart-{s.lower()}--{w.lower()}" for s, w in pairs]
    assert report_html.chart_anchor("day-web", "api") == "chart-day-web--api"
    assert report_html.chart_anchor("day", "web-api") == "chart-day--web-api"
    renderer = chart_renderer._ReportRenderer()
    ids = [re.findall(r'<div id="([^"]+)"', renderer.to_mimebundle(f.to_dict())["text/html"])
           for f in charts.scaling_figures(small_analysis)]
    drawn = [i for found in ids for i in found]
    assert all(drawn.count(h) == 1 for h in hrefs), (hrefs, drawn)
    # each link lands on its load chart, the first of the workload's three
    titles = {f.layout.meta["anchor"]: f.layout.title.text
              for f in charts.scaling_figures(small_analysis) if f.layout.meta}
    assert [titles[h] for h in hrefs] == [
        f"{s} / {w}: offered vs served load, replicas and nodes" for s, w in pairs]


def test_saturated_latencies_are_marked_as_lower_bounds() -> None:
    # audit24 A24-1: flash-crowd's chart drew p95 11,983 ms as a measured value where the
    # tables print "≥ 11,983 ms (saturated: model ceiling)". A day at 5 s in 30-tick (150 s)
    # bins; ticks 1000..1010 saturated at p99 5,000 ms all fall in bin 1000 // 30 = 33
    # (ticks 990..1019), so only that bin is marked, at its p99 maximum 5,000.
    n = 17280
    p99 = np.full(n, 100.0)
    p99[1000:1011] = 5000.0
    saturated = np.zeros(n, dtype=bool)
    saturated[1000:1011] = True
    timeline = _timeline([3.0] * n, 100.0).assign(p99_latency_ms=p99,
                                                   latency_saturated=saturated)
    fig = charts.latency_figure(timeline, "day")
    assert [t.name for t in fig.data] == [
        "p50", "p95", "p99", "saturated pods: latencies are lower bounds (≥)"]
    marked = np.asarray(fig.data[3].y, dtype=float)
    assert np.flatnonzero(np.isfinite(marked)).tolist() == [33]
    assert marked[33] == 5000.0
    # binned latencies are each bin's maximum, as the load chart's axis says its rates are means
    assert fig.layout.yaxis.title.text == "milliseconds (150 s maxima)"
    # no saturated tick: no marker trace; unbinned (an hour at 15 s): plain milliseconds
    calm = charts.latency_figure(timeline.assign(latency_saturated=False), "day")
    assert [t.name for t in calm.data] == ["p50", "p95", "p99"]
    hour = timeline.iloc[:240].assign(time_s=np.arange(240) * 15.0)
    assert charts.latency_figure(hour, "hour").layout.yaxis.title.text == "milliseconds"


@pytest.mark.parametrize(("ticks", "x_hover"), [(540, ".1f"), (2161, ".2f")])
def test_hover_reads_as_the_tables_print_the_figures(ticks: int, x_hover: str) -> None:
    # plotly's own hover printed the bin's start as 8.055556 hours and a float32 rate as
    # 27.78792: the time to a hundredth of an hour (36 s) or a tenth of a minute (the axis's
    # unit, as test_short_timelines_are_drawn_in_minutes picks it), rates to the hundredth and
    # latencies to the millisecond as the Scaling Behaviour tables, pods and nodes whole, the
    # node cost per hour to a hundredth of a cent ($0.1248 for a t3.medium x 3), the
    # time-to-capacity parts in whole seconds and monthly money in cents
    rates = np.full(ticks, 1.5)
    frame = _day(rates, rates).assign(p50_latency_ms=20.0, p95_latency_ms=40.0,
                                      p99_latency_ms=60.0)
    load, latency = charts.load_figure(frame, "t"), charts.latency_figure(frame, "t")
    assert (load.layout.xaxis.hoverformat, latency.layout.xaxis.hoverformat) == (x_hover,) * 2
    assert (load.layout.yaxis.hoverformat, load.layout.yaxis2.hoverformat) == (",.2f", ",d")
    assert latency.layout.yaxis.hoverformat == ",.0f"
    hourly = pd.DataFrame({"time_s": [0.0, 5.0], "usd_per_hour_general": [0.1248, 0.1248],
                           "usd_per_hour": [0.1248, 0.1248]})
    assert charts.cost_per_hour_figure(hourly, "t").layout.yaxis.hoverformat == "$,.4f"
    empty = SimpleNamespace(runs=[])
    bars = charts.time_to_capacity_figure(empty)  # type: ignore[arg-type]
    # horizontal bars hover along y, one episode's (or resource's) bars together: the
    # template's "x unified" gathered every bar crossing the same x
    assert (bars.layout.xaxis.hoverformat, bars.layout.hovermode) == (",.0f", "y unified")
    assert load.layout.hovermode is None  # the template's "x unified", for time series


@pytest.mark.parametrize(("ticks", "tick_s", "bin_s", "points"), [
    # a day at 5 s: at least ceil(17280 / 600) = 29 ticks = 145 s -> 150 s: 576 points
    (17280, 5.0, 150.0, 576),
    # 12 h at 5 s (flash-crowd): at least ceil(8640 / 600) = 15 ticks = 75 s -> 90 s (18
    # ticks): 8640 / 18 = 480 points; it read "75 s means"
    (8640, 5.0, 90.0, 480),
    # 3 h at 5 s: ceil(2160 / 600) = 4 ticks = 20 s, already in the list: 540 points
    (2160, 5.0, 20.0, 540),
    # a week at 15 s: ceil(40320 / 600) = 68 ticks = 1,020 s -> 1,200 s (80 ticks): 504 points
    (40320, 15.0, 1200.0, 504),
    # ticks of 7 s divide none of the lengths from 5 x 7 = 35 s up to a day: the fewest ticks,
    # ceil(3000 / 600) = 5, 35 s
    (3000, 7.0, 35.0, 600),
])
def test_bins_round_up_to_whole_minutes_or_their_simple_parts(
        ticks: int, tick_s: float, bin_s: float, points: int) -> None:
    frame = pd.DataFrame({"time_s": np.arange(ticks) * tick_s, "offered_rps": 1.0})
    binned = charts.chart_timeline(frame)
    assert len(binned) == points
    assert binned["time_h"].iloc[1] * 3600 == pytest.approx(bin_s)


def test_the_legend_names_the_parts_as_the_tables_do() -> None:
    # one vocabulary: the chart's legend, the canary step table's episodes and the Scaling
    # Behaviour table's columns ("Sync wait (s)", "Nodes at max_size (s)", test_plan_report)
    from infra_toolkit.stack_canary import EPISODE_PARTS

    assert charts.CAPACITY_PARTS == EPISODE_PARTS
    assert [label for _, label in charts.CAPACITY_PARTS] == [
        "KEDA activation", "metric lag", "sync wait", "controller hold", "at maxReplicas",
        "node provisioning", "nodes at max_size", "pod start-up"]
