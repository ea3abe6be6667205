"""reader25: the author22 report (tests/data/author22/orders-graviton.yaml) read as a staff SRE
approving it, on the parts that simulate today's cluster beside the proposal; and
plans/ecommerce-eks.yaml (no current workloads) reading as before.

Prices by hand from pricing_data/ (us-east-1): m5.large $0.096 an hour
(ec2_on_demand_2026-07-20.csv line 550), EKS $0.10 a cluster-hour, EBS gp2 $0.10 a GB-month
(other_services_2026-05-03.csv lines 30 and 14); 730 hours a month.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import PlanAnalysis, analyze_plan

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "tests" / "data" / "author22" / "orders-graviton.yaml"
ECOMMERCE = ROOT / "plans" / "ecommerce-eks.yaml"


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> PlanAnalysis:
    store = tmp_path_factory.mktemp("store") / "approvals.sqlite"
    return analyze_plan(PLAN, store_location=str(store))


@pytest.fixture(scope="module")
def ecommerce(tmp_path_factory: pytest.TempPathFactory) -> PlanAnalysis:
    store = tmp_path_factory.mktemp("store") / "approvals.sqlite"
    return analyze_plan(ECOMMERCE, store_location=str(store))


def _text(section: sections.Section) -> str:
    return html.unescape(section._repr_html_())


def test_current_state_says_the_simulated_figure_beside_the_declared(
        analysis: PlanAnalysis) -> None:
    # the Overview's "Monthly cost today" is the simulated figure; Current State said only the
    # declared one ($289.24 = 73.00 + 3 x 730 x 0.096 + 3 x 20 x 0.10), with nothing telling
    # the reader why the two differ
    today = next(r for r in analysis.current_runs if r.name == "ordinary-day")
    m5_h = today.cluster.node_hours_by_node_group["m5"]  # the simulator's, over 24 h
    # the proposal's rule by hand: EKS 73.00, instances m5_h x 730 / 24 x 0.096, disks the
    # mean nodes m5_h / 24 x 20 GB x 0.10 (61.83 h: 180.55 + 5.15 + 73.00 = 258.70)
    monthly = 73.00 + m5_h * 730 / 24 * 0.096 + m5_h / 24 * 20 * 0.10
    text = _text(sections.current_state(analysis))
    assert "Monthly cost as declared: $289.24." in text
    assert ("Monthly cost simulated on the expected scenario 'ordinary-day' (today's node "
            "groups billed by the node-hours their simulation used, as the proposal's are; the "
            "Overview's and the Cost Summary's figure for today): "
            f"${monthly:,.2f}.") in text
    assert f"${monthly:,.2f}" == "$258.70"


def test_current_state_shows_todays_workloads(analysis: PlanAnalysis) -> None:
    # orders/current/orders-api.yaml by hand: 500m / 1Gi (1,024 MiB), HPA 4-20 at 60 % CPU,
    # no behavior; the plan's model: 40 rps a pod; time to Ready 20 s (pull 6 s, then the
    # readiness probe's first success at max(10, 8) s, on its 5 s grid from the bind: 20 s)
    table = next(t for t in sections.current_state(analysis).tables
                 if t.css_class == "workloads")
    assert table.caption.startswith("Today's workloads, simulated on the same scenarios")
    row = table.frame.iloc[0]
    assert (row["Workload"], row["Node group"], row["CPU request (m)"],
            row["Memory request (MiB)"], row["Capacity (rps per pod)"], row["Replicas"],
            row["HPA metrics"]) == ("orders-api", "m5", 500, 1024, 40, "4-20",
                                    "cpu 60 % of requests")
    assert len(table.frame) == 1


def test_cost_summary_shows_today_as_declared(analysis: PlanAnalysis) -> None:
    # the comparison table prices today as simulated ($258.70); the change as declared
    # (-$93.10) needs today's declared figure beside the proposal's: 73.00 + 210.24 + 6.00 =
    # 289.24, and 196.14 - 289.24 = -93.10
    text = _text(sections.cost_summary(analysis))
    assert ("Today as declared in the plan, priced in us-east-1 (the review's cost basis; the "
            "table above prices today as simulated)</th><td>$289.24") in text
    assert ("Proposed as declared in the plan, priced in us-east-1 (the review's cost "
            "basis)</th><td>$196.14") in text
    assert "(the review's cost basis)</th><td>-$93.10" in text


def test_overlap_is_a_one_off_not_part_of_the_monthly_change(analysis: PlanAnalysis) -> None:
    # m5 as declared, one day: 3 x 24 x 0.096 = 6.912 + 60 GB x 0.10 x 24 / 730 = 0.1973
    # -> $7.11; a one-off in the migration month, which "add ... to the change" (a monthly
    # figure) did not say
    text = _text(sections.cost_summary(analysis))
    assert ("Node groups of today the proposal removes: m5 $7.11 a day as declared (each "
            "group's declared nodes and their disks for 24 h).") in text
    assert ("a one-off cost of its days times this in the month of the migration, not part "
            "of the monthly change.") in text
    assert "add its days times this to the change" not in text


def test_a_plan_without_current_workloads_reads_as_before(ecommerce: PlanAnalysis) -> None:
    # ecommerce-eks's today is an EC2 instance and an RDS database: nothing simulated
    assert ecommerce.current_runs == ()
    assert ecommerce.current_declared is None
    current = _text(sections.current_state(ecommerce))
    assert "simulated" not in current
    assert not [t for t in sections.current_state(ecommerce).tables
                if t.css_class == "workloads"]
    cost = _text(sections.cost_summary(ecommerce))
    for said in ("Today as declared", "both sides simulated", "the proposal removes",
                 "today's "):
        assert said not in cost, said
    assert not [t for t in sections.scaling_behaviour(ecommerce).tables
                if t.css_class == "today-vs-proposed"]
    overview = _text(sections.overview(ecommerce))
    assert "<th>Monthly cost today</th>" in overview


def test_side_table_gives_each_slos_minutes_as_the_slo_table(analysis: PlanAnalysis) -> None:
    # one column summed over the SLOs read 28.08 for the proposal's ordinary day where the SLO
    # table gives 26.67 (p95) + 1.42 (availability) = 28.09, and counted twice a minute that
    # broke both; a column per SLO shows the SLO table's own minutes
    section = sections.scaling_behaviour(analysis)
    side = next(t for t in section.tables if t.css_class == "today-vs-proposed")
    assert [c for c in side.frame.columns if c.startswith("Minutes violated")] == [
        "Minutes violated: orders p95 latency", "Minutes violated: availability"]
    assert "SLO minutes violated" not in side.frame.columns
    text = _text(section)
    # the proposal's ordinary day, whose SLO checks table says 26.67 and 1.42 (5 s ticks:
    # 320 x 5 s = 26.67 min, 17 x 5 s = 1.42 min)
    row = side.frame[(side.frame["Scenario"] == "ordinary-day")
                     & (side.frame["Side"] == "proposed")].iloc[0]
    assert row["Minutes violated: orders p95 latency"] == pytest.approx(320 * 5 / 60)
    assert row["Minutes violated: availability"] == pytest.approx(17 * 5 / 60)
    assert "Minutes violated: per SLO, as the SLO checks table counts them" in text
