"""today23: a plan whose current side is simulated too (tests/data/author22/orders-graviton.yaml)
shows today's runs beside the proposal in charts (one figure a scenario and workload: replicas
and nodes, p95 latency, node cost per hour on one time axis), runs the plan's checks and the
alert replay on today's runs as today's findings (never acknowledged, never blocking), and
judges today's commitment from today's simulated node-hours; plans/ecommerce-eks.yaml (today a
single EC2 instance, not simulated) reads as before.

Prices by hand from pricing_data/ec2_on_demand_2026-07-20.csv (us-east-1): m5.large $0.096 an
hour (line 550), m7g.large $0.0816 (line 689); the m5.large savings_plan rate $0.0600 is made
up, in an overrides file written here. A month is 730 h.
"""

from __future__ import annotations

import html
import shutil
from decimal import Decimal as D
from pathlib import Path

import numpy as np
import pytest

from infra_toolkit import charts, sections, today_findings
from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.cost_sim import billed_node_counts
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.side_comparison import side_by_side_frame
from tests import test_reader25
from tests.test_committed_instances import RATES

# reader25's module fixtures: both plans analysed as its tests analyse them
analysis = test_reader25.analysis
ecommerce = test_reader25.ecommerce
AUTHOR22 = test_reader25.PLAN.parent


def _text(section: sections.Section) -> str:
    return html.unescape(section._repr_html_())


def test_public_api() -> None:
    assert sorted(today_findings.__all__) == ["TODAY", "alert_findings", "model_findings",
                                              "slo_findings", "today_findings"]


def _today_figures(a: PlanAnalysis) -> list:
    return [f for f in charts.scaling_figures(a) if "today vs proposed" in f.layout.title.text]


def test_a_today_vs_proposed_figure_per_scenario_after_its_charts(analysis: PlanAnalysis
                                                                  ) -> None:
    titles = [f.layout.title.text for f in charts.scaling_figures(analysis)]
    # each scenario's load, latency and cost charts, then today beside the proposal; then the
    # time-to-capacity breakdown
    assert titles[:8] == [
        "ordinary-day / orders-api: offered vs served load, replicas and nodes",
        "ordinary-day / orders-api: latency percentiles vs SLO",
        "ordinary-day / orders-api: node cost per hour",
        "ordinary-day / orders-api: today vs proposed",
        "flash-crowd / orders-api: offered vs served load, replicas and nodes",
        "flash-crowd / orders-api: latency percentiles vs SLO",
        "flash-crowd / orders-api: node cost per hour",
        "flash-crowd / orders-api: today vs proposed"]
    assert titles[8].startswith("Time to capacity") and len(titles) == 9


def test_today_vs_proposed_figure_by_hand(analysis: PlanAnalysis) -> None:
    fig = _today_figures(analysis)[1]  # flash-crowd
    traces = {t.name: t for t in fig.data}
    assert list(traces) == [
        "today: replicas", "today: Ready nodes", "today: p95",
        "today: saturated pods, p95 a lower bound (≥)", "today: USD per hour",
        "proposed: replicas", "proposed: Ready nodes", "proposed: p95",
        "proposed: saturated pods, p95 a lower bound (≥)", "proposed: USD per hour",
        "SLO p95 300 ms"]
    # three rows on one time axis: zooming one zooms all
    assert fig.layout.xaxis.matches == fig.layout.xaxis2.matches == "x3"
    assert [traces[n].yaxis for n in ("today: Ready nodes", "today: p95",
                                      "today: USD per hour")] == ["y", "y2", "y3"]
    assert fig.layout.yaxis2.type == "log"
    assert list(traces["SLO p95 300 ms"].y) == [300.0, 300.0]
    # the peaks as the side table gives them (the simulator's counts, an input): today 15
    # replicas on at most 5 m5.large nodes, the proposal 15 on at most 4 m7g.large
    side = side_by_side_frame(analysis.runs, analysis.current_runs)
    peaks = side[side["Scenario"] == "flash-crowd"].set_index("Side")
    assert peaks.loc["today", ["Peak replicas", "Peak Ready nodes"]].tolist() == [15, 5]
    assert peaks.loc["proposed", ["Peak replicas", "Peak Ready nodes"]].tolist() == [15, 4]
    assert int(np.max(traces["today: replicas"].y)) == 15
    assert int(np.max(traces["today: Ready nodes"].y)) == 5
    assert int(np.max(traces["proposed: Ready nodes"].y)) == 4
    # cost per hour at the plateau: 5 x 0.096 = 0.48 today, 4 x 0.0816 = 0.3264 proposed
    assert float(np.max(traces["today: USD per hour"].y)) == pytest.approx(0.48, abs=1e-6)
    assert float(np.max(traces["proposed: USD per hour"].y)) == pytest.approx(0.3264, abs=1e-6)
    # the first 30 s bin (6 ticks of 5 s: 2,880 ticks over 600 points round up to 30 s) is
    # its billed nodes' mean x the price: 2 nodes at the start on both sides,
    # 2 x 0.096 = 0.192 and 2 x 0.0816 = 0.1632
    today = analysis.current_runs[1]
    assert today.name == "flash-crowd" and today.cluster is not None
    assert billed_node_counts(today.cluster.nodes, "m5")[:6].tolist() == [2] * 6
    assert float(traces["today: USD per hour"].y[0]) == pytest.approx(0.192, abs=1e-6)
    assert float(traces["proposed: USD per hour"].y[0]) == pytest.approx(0.1632, abs=1e-6)
    assert traces["today: USD per hour"].dx == pytest.approx(30 / 3600)
    # p95 is the bin maximum of each side's own timeline
    p95 = today.simulations["orders-api"].timeline["p95_latency_ms"].to_numpy()
    assert float(np.nanmax(traces["today: p95"].y)) == pytest.approx(float(np.max(p95)),
                                                                      rel=1e-6)


def test_todays_findings_say_what_today_misses(analysis: PlanAnalysis) -> None:
    # each SLO today misses, its minutes as the SLO table counts them (5 s ticks / 60) with the
    # proposal's beside them; today's checks of the model find nothing (maxReplicas 20 above
    # both peaks, 4 starting pods serve 90 rps at 22.5 rps a pod); the critical alert
    # OrdersHighP95 stays silent on today's ordinary-day (it fires in flash-crowd at
    # 1 h 10 min 20 s, the replay table's) and on the proposal's ordinary-day too (its
    # plan warning carries the fix; today's finding none: nothing to acknowledge)
    found = [(w.path, w.message) for w in analysis.today_findings]
    minutes = {(r.name, slo): m for r in analysis.current_runs
               for slo, m in zip(r.slos["orders-api"]["slo"],
                                 r.slos["orders-api"]["violation_minutes"], strict=True)}
    assert minutes[("flash-crowd", "orders p95 latency")] == pytest.approx(191 * 5 / 60)
    assert found[2] == ("current.workloads[0]", (
        "today: SLO 'orders p95 latency' (p95 <= 300 ms) not met by orders-api in scenario "
        "'flash-crowd': 15.92 min violated, achieved max p95 ≥ 7,489 ms (saturated: model "
        "ceiling); the proposal: 7.42 min violated"))
    assert found[1][1].startswith(
        "today: SLO 'availability' (>= 99.9 % of requests served) not met by orders-api in "
        "scenario 'ordinary-day': 14.5 min violated")
    assert found[1][1].endswith("; the proposal: met")
    assert len(found) == 5 and found[4] == ("monitoring.alerts[0]", (
        "today: critical alert 'OrdersHighP95' never fires in scenario 'ordinary-day' "
        "(p95_latency_ms > 300 for 600 s on orders-api) although SLO 'orders p95 latency' is "
        "not met there; the proposal: never fires either"))
    # apart from the plan warnings: none of them there, none blocks the approval
    assert not [w for w in analysis.warnings if w.message.startswith("today: ")]
    assert not any(w.blocks_approval for w in analysis.today_findings)


def test_todays_findings_and_alert_replay_in_the_report(analysis: PlanAnalysis) -> None:
    scaling = _text(sections.scaling_behaviour(analysis))
    assert scaling.index("Today beside the proposal") < scaling.index(
        "<strong>Today's findings</strong>: the plan's SLO")
    assert "15.92 min violated" in scaling
    overview = _text(sections.overview(analysis))
    assert "Today's findings" in overview and "5, in the table after 'Today beside" in overview
    monitoring = _text(sections.monitoring(analysis))
    # each side's tables named (reader26), the proposal's first
    assert monitoring.index("Alert replay, the proposal's cluster, scenario 'ordinary-day'") \
        < monitoring.index("Alert replay, the proposal's cluster, scenario 'flash-crowd'") \
        < monitoring.index(
        "Alert replay, today's cluster, scenario 'ordinary-day'") < monitoring.index(
        "Alert replay, today's cluster, scenario 'flash-crowd'")


def test_a_plan_not_simulating_today_is_unchanged(ecommerce: PlanAnalysis) -> None:
    assert ecommerce.current_runs == () and ecommerce.today_findings == ()
    assert _today_figures(ecommerce) == []
    assert "Today's findings" not in _text(sections.overview(ecommerce))
    assert "Today's findings" not in _text(sections.scaling_behaviour(ecommerce))
    assert "today's cluster" not in _text(sections.monitoring(ecommerce))


def _committed(tmp_path: Path, committed: int) -> Path:
    """author22 with today's m5 group under ``committed`` m5.large instances of a Savings Plan
    at the made-up 0.06 $/h."""
    shutil.copytree(AUTHOR22, tmp_path / "author22")
    (tmp_path / "author22" / "prices.yaml").write_text(
        RATES.format(itype="m5.large", option="savings_plan", usd="0.0600"))
    path = tmp_path / "author22" / "orders-graviton.yaml"
    text = path.read_text()
    old = "      scaling_config: {desired_size: 3, min_size: 2, max_size: 10}\n  workloads:\n" \
          "    - name: orders-api\n      deployment: orders/current"
    assert text.count(old) == 1
    path.write_text(text.replace(old, old.replace(
        "\n  workloads:", f"\n      usage: {{purchase_option: savings_plan, committed_instances: "
        f"{committed}}}\n  workloads:")) + "\npricing:\n  overrides: prices.yaml\n")
    return path


def test_todays_commitment_from_its_simulated_node_hours(tmp_path: Path) -> None:
    # 4 committed m5.large: 4 x 730 = 2,920 hours a month. validate reads the declared
    # desired_size 3 all month: 3 x 730 = 2,190 run, 730 unused (25 %), 730 x 0.06 = $43.80
    path = _committed(tmp_path, 4)
    _plan, problems, warnings = check_plan_warnings(path)
    at = "current.resources[1].usage.committed_instances"
    (declared,) = [w for w in warnings if w.path == at]
    assert problems == []
    assert ("its declared nodes leave some unused: scaling_config.desired_size 3 all month, "
            "so 730 of the 2,920 committed hours (25 %) go unused, 1 instance(s) idle on "
            "average: $43.80 a month paid for nothing (730 x 0.0600)") in declared.message
    # the report simulates today: ordinary-day's m5 node-hours (the simulator's, an input),
    # over its 24 h, as a month: h x 730 / 24; at most 4 nodes at any moment, so all within
    # the commitment; unused 2,920 - that
    a = analyze_plan(path, scenarios=["ordinary-day"], store_location=str(tmp_path / "db"))
    run = a.current_runs[0]
    assert run.cluster is not None
    assert int(billed_node_counts(run.cluster.nodes, "m5").max()) == 4
    monthly = run.cluster.node_hours_by_node_group["m5"] * 730 / 24
    assert round(monthly, 1) == 1880.7  # 61.83 node-hours a day x 730 / 24
    unused = 2920 - monthly
    (w,) = [w for w in a.warnings if w.path == at]
    assert "its declared nodes" not in w.message
    assert (f"and today's simulated nodes (not its declared ones: the report simulates "
            f"today's cluster on the same scenarios) leave some unused: in 'ordinary-day' it ran "
            f"{monthly:,.1f} m5.large node-hours a month ({monthly / 730:.3g} node(s) on "
            f"average), so {unused:,.1f} of the 2,920 committed hours "
            f"({unused / 2920 * 100:.1f} %) go unused") in w.message
    # 1,880.7 / 730 = 2.58 nodes; 2,920 - 1,880.7 = 1,039.3 unused, / 2,920 = 35.6 %
    assert (f"{monthly / 730:.3g}", f"{unused:,.1f}", f"{unused / 2920 * 100:.1f}") == (
        "2.58", "1,039.3", "35.6")
    # 1,039.3 x 0.06 = 62.36
    usd = D(str(unused)) * D("0.06")
    assert f"${usd:,.2f} a month paid for nothing" in w.message
    assert f"${usd:,.2f}" == "$62.36"
    # the fewest nodes at any moment of the day: 2
    assert w.message.endswith("lower committed_instances to 2 (the fewest m5.large nodes the "
                              "group ran at any moment of these scenarios)")
