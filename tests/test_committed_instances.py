"""A node group covered by a commitment (``usage.committed_instances``), billed as AWS bills a
reserved instance or Savings Plan: the committed instances at the commitment's rate every hour,
used or not, and the node-hours above them at each moment on-demand; statically, from a
simulation's node count over time, and the same figure in the report, ``cost``, the sweep and
the cost per hour. Expected values by hand from the table rows cited.

Prices: ``pricing_data/ec2_on_demand_2026-07-20.csv`` us-east-1 t3.medium 0.0416 $/h (line
1263), m5.large 0.096 $/h (line 550); ``other_services_2026-05-03.csv`` us-east-1 ebs_gp2_storage
0.10 $/GB-month (line 14). Commitment rates are made up, in the overrides files written here:
t3.medium savings_plan 0.0300 $/h, m5.large reserved 0.0600 $/h. A month is 730 h.
"""

from __future__ import annotations

import shutil
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.cli import main
from infra_toolkit.cost import CostEstimate, cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.cost_sim import (
    apply_simulation,
    estimate_from_simulation,
    hourly_cost,
    overflow_node_hours,
)
from infra_toolkit.errors import PlanError, SimulationError
from infra_toolkit.node_cost_share import monthly_usd
from infra_toolkit.plan import read_plan, validate_plan
from infra_toolkit.plan_cost import ceiling_resources, idle_overflow_node_hours
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.resources import Resource, parse_resources
from infra_toolkit.tuning import sweep_workload
from infra_toolkit.tuning_grid import parse_vary
from tests.conftest import REPO_ROOT, SMALL_PLAN
from tests.test_cost_sim import Simulation, Summary  # shaped like a SimulationResult

SP = "Instance usage (Linux/UNIX, savings-plan, t3.medium)"
OD = "Instance usage (Linux/UNIX, on-demand, t3.medium)"
DISK = "Storage (general purpose SSD, gp2)"
RATES = """version: 1
rates:
  - service: AmazonEC2
    region: us-east-1
    instance_type: {itype}
    purchase_option: {option}
    usd_per_unit: "{usd}"
    source: "made-up commitment rate for a test"
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> PriceBook:
    path = tmp_path_factory.mktemp("rates") / "overrides.yaml"
    path.write_text(RATES.format(itype="t3.medium", option="savings_plan", usd="0.0300"))
    return load_price_book(overrides=path)


def group(usage: dict[str, Any], **attrs: Any) -> dict[str, Any]:
    """t3.medium group ``web``, 2..8 nodes, 5 desired, 20 GB gp2 disks."""
    return {"type": "aws_eks_node_group", "name": "web", "instance_types": ["t3.medium"],
            "scaling_config": {"desired_size": 5, "min_size": 2, "max_size": 8}, **attrs,
            "usage": {"purchase_option": "savings_plan", **usage}}


def parsed(book: PriceBook, usage: dict[str, Any], **attrs: Any) -> tuple[Resource, ...]:
    return parse_resources([group(usage, **attrs)], default_region="us-east-1", price_book=book)


def lines(est: CostEstimate) -> dict[str, tuple[D | None, D | None, str]]:
    """component -> (monthly quantity, cost in cents, note) of group ``web``."""
    return {ln.component: (ln.monthly_quantity, None if ln.monthly_cost_usd is None
                           else cents(ln.monthly_cost_usd), ln.note)
            for ln in est.lines if ln.address == "aws_eks_node_group.web"}


PAID = ("3 committed instance(s) (usage.committed_instances) at the savings-plan rate every "
        "hour, used or not")
ABOVE = "node-hours above the 3 committed instance(s), at the on-demand rate"


# ---------------------------------------------------------------- static: no simulation

def test_desired_size_above_the_commitment_pays_the_rest_on_demand(book: PriceBook) -> None:
    got = lines(estimate(parsed(book, {"committed_instances": 3}), book))
    # committed: 3 x 730 = 2,190 h x 0.0300 = 65.70, every hour whether used or not
    assert got[SP] == (D(2190), D("65.70"), PAID)
    # desired 5, 3 committed: (5 - 3) x 730 = 1,460 h x 0.0416 = 60.736 -> 60.74
    assert got[OD] == (D(1460), D("60.74"), ABOVE)
    # disks follow the 5 nodes run, not the commitment: 5 x 20 GB x 0.10 = 10.00
    assert got[DISK][1] == D("10.00")


def test_fewer_nodes_than_committed_still_pay_the_commitment(book: PriceBook) -> None:
    got = lines(estimate(parsed(book, {"committed_instances": 3, "instances": 2}), book))
    # instances 2 (Infracost's key) < 3 committed: the 3 are paid (65.70), nothing above them
    assert got[SP][1] == D("65.70")
    assert got[OD][:2] == (D(0), D("0.00"))
    assert got[DISK][1] == D("4.00")  # 2 nodes x 20 GB x 0.10


def test_monthly_node_hours_alone_count_as_spread_evenly_a_floor(book: PriceBook) -> None:
    got = lines(estimate(parsed(book, {"committed_instances": 3, "monthly_node_hours": 3000}),
                         book))
    # 3,000 node-hours, the 3 committed cover at most 2,190: at least 810 above them,
    # 810 x 0.0416 = 33.696 -> 33.70; the note says it is a floor and how to give the figure
    assert got[OD][:2] == (D(810), D("33.70"))
    assert got[OD][2] == (
        f"{ABOVE}; monthly_node_hours spread evenly over the month: a group that scales has "
        "more node-hours above the commitment, so this is a floor; give "
        "usage.monthly_overflow_node_hours (a simulation gives it)")
    given = lines(estimate(parsed(book, {"committed_instances": 3, "monthly_node_hours": 3000,
                                         "monthly_overflow_node_hours": 1000}), book))
    # declared: 1,000 x 0.0416 = 41.60, no floor
    assert given[OD] == (D(1000), D("41.60"), ABOVE)


def test_without_committed_instances_every_node_hour_takes_the_rate_as_before(
        book: PriceBook) -> None:
    got = lines(estimate(parsed(book, {}), book))
    # 5 x 730 = 3,650 h x 0.0300 = 109.50, one line, the floor note kept
    assert set(got) == {SP, DISK, "CPU credits"}
    assert got[SP] == (D(3650), D("109.50"), (
        "every node-hour at the savings-plan rate; nodes above what the commitment covers pay "
        "on-demand, so for a group that scales this is a floor"))


def test_a_missing_commitment_rate_is_a_flagged_line_never_the_list_price() -> None:
    plain = load_price_book()  # no overrides: no savings_plan rate for t3.medium
    est = estimate(parsed(plain, {"committed_instances": 3}), plain)
    (line,) = [ln for ln in est.lines if ln.component == SP]
    assert line.status == "PRICE NOT FOUND" and est.has_missing_prices
    assert line.price_not_found == (
        "no savings_plan rate for AmazonEC2 instance us-east-1/t3.medium: the public tables "
        "hold on-demand list prices only; add a rates entry with purchase_option: savings_plan "
        "to an overrides file (format in pricing_data/README.md)")
    assert "usage.committed_instances" in line.note  # which field asked for it
    assert lines(est)[OD][1] == D("60.74")  # the on-demand part is still priced
    # 0 committed: nothing to commit, so no rate is needed (all 3,650 h on-demand)
    zero = estimate(parsed(plain, {"committed_instances": 0}), plain)
    assert not zero.has_missing_prices
    assert lines(zero)[OD][:2] == (D(3650), D("151.84"))  # 3,650 x 0.0416 = 151.84


@pytest.mark.parametrize(("usage", "attrs", "path", "message"), [
    ({"committed_instances": 2.5}, {}, "usage.committed_instances", "2.5 must be a whole number"),
    ({"committed_instances": -1}, {}, "usage.committed_instances", "-1 must be >= 0"),
    ({"committed_instances": 2, "purchase_option": "on_demand"}, {},
     "usage.committed_instances",
     "2 committed instances need the commitment's rate: set usage.purchase_option to "
     "savings_plan or reserved (and its rate in an overrides file), or remove "
     "committed_instances"),
    ({"committed_instances": 2, "purchase_option": "on_demand"}, {"capacity_type": "SPOT"},
     "usage.committed_instances",
     "2 committed instances conflict with capacity_type SPOT: a reserved instance or Savings "
     "Plan covers on-demand instances, never spot ones; remove committed_instances or use "
     "capacity_type ON_DEMAND"),
    ({"monthly_node_hours": 100, "monthly_overflow_node_hours": 5}, {},
     "usage.monthly_overflow_node_hours",
     "the node-hours above committed_instances: give committed_instances too"),
    ({"committed_instances": 3, "monthly_overflow_node_hours": 5}, {},
     "usage.monthly_overflow_node_hours", "give it with monthly_node_hours"),
    ({"committed_instances": 3, "monthly_node_hours": 3000, "monthly_overflow_node_hours": 5},
     {}, "usage.monthly_overflow_node_hours",
     "5 node-hours above the commitment is less than monthly_node_hours (3,000) minus the most "
     "3 committed instances cover (3 x 730 = 2,190); raise it to at least 810"),
    ({"committed_instances": 3, "monthly_node_hours": 3000, "monthly_overflow_node_hours": 3001},
     {}, "usage.monthly_overflow_node_hours",
     "3,001 node-hours above the commitment is more than the group's monthly_node_hours "
     "(3,000); lower it or raise monthly_node_hours"),
])
def test_bad_commitment_usage_names_the_field_and_the_fix(
        book: PriceBook, usage: dict[str, Any], attrs: dict[str, Any], path: str,
        message: str) -> None:
    with pytest.raises(PlanError) as exc:
        parsed(book, usage, **attrs)
    assert f"resources[0].{path}: {message}" in str(exc.value)


# ---------------------------------------------------------------- from a simulation

# 4 hourly steps: 5 nodes for 2 h (one of them launching in the first hour: billed from
# launch), then 2 nodes for 2 h: 14 node-hours in a 4 h window
TIMELINE = pd.DataFrame({"time_s": [0.0, 3600.0, 7200.0, 10800.0], "served_rps": [0.0] * 4,
                         "nodes_web": [4, 5, 2, 2], "launching_nodes_web": [1, 0, 0, 0]})


def test_overflow_is_the_nodes_above_the_commitment_at_each_moment() -> None:
    # max(0, 5 - 3) + max(0, 5 - 3) + 0 + 0 = 4 node-hours at 3,600 s a step
    assert overflow_node_hours([5, 5, 2, 2], 3, 3600.0) == 4.0
    # not the node-hours above 3 x 4 h (14 - 12 = 2): a quiet hour's unused commitment does
    # not cover a busy one
    assert overflow_node_hours([5, 5, 2, 2], 0, 900.0) == 3.5  # 14 node-quarter-hours / 4
    with pytest.raises(SimulationError, match=r"committed_instances = 2.5: must be a whole "
                       r"number >= 0"):
        overflow_node_hours([5], 2.5, 60.0)  # type: ignore[arg-type]
    with pytest.raises(SimulationError, match=r"billed_nodes must be a 1-D array of node "
                       r"counts >= 0"):
        overflow_node_hours([-1], 2, 60.0)


def test_a_simulated_group_pays_the_commitment_and_the_nodes_above_it(book: PriceBook) -> None:
    sim = Simulation(Summary(4 * 3600.0, {"web": 14.0}), TIMELINE)
    got = lines(estimate_from_simulation(parsed(book, {"committed_instances": 3}), sim, book))
    # committed: 3 x 730 x 0.0300 = 65.70
    assert got[SP][:2] == (D(2190), D("65.70"))
    # 4 node-hours above 3 in the 4 h window -> 4 x 730 / 4 = 730 h x 0.0416 = 30.368 -> 30.37
    assert got[OD] == (D(730), D("30.37"), ABOVE)  # exact: no floor note
    # disks: 14 x 730 / 4 = 2,555 node-hours = 3.5 node-months x 20 GB x 0.10 = 7.00
    assert got[DISK][1] == D("7.00")
    # the cost per hour bills the same: 3 x 0.03 = 0.09 a step plus 2 x 0.0416 above them in
    # the first two: (0.1732 + 0.1732 + 0.09 + 0.09) / 4 = 0.1316 x 730 = 96.068 = 65.70 +
    # 30.368, the two lines
    hourly = hourly_cost(TIMELINE, {"web": "t3.medium"}, book, "us-east-1", "savings_plan",
                         {"web": 3})
    assert hourly["usd_per_hour"].tolist() == pytest.approx([0.1732, 0.1732, 0.09, 0.09],
                                                            abs=1e-12)
    assert monthly_usd(hourly) == D("96.07")


def test_apply_simulation_drops_a_declared_overflow_it_was_not_given(book: PriceBook) -> None:
    declared = parsed(book, {"committed_instances": 3, "monthly_node_hours": 3000,
                             "monthly_overflow_node_hours": 1000})
    (r,) = apply_simulation(declared, {"web": 14.0}, 4.0, book)
    # 1,000 described the declared 3,000 node-hours, not the simulated 2,555: left out, the
    # line counts 2,555 - 2,190 = 365 as if spread evenly and says so
    assert "monthly_overflow_node_hours" not in r.usage
    got = lines(estimate([r], book))
    assert got[OD][0] == D(365) and "so this is a floor" in got[OD][2]
    with pytest.raises(SimulationError, match=r"node-hours above a commitment given for "
                       r"'other', which no aws_eks_node_group resource with "
                       r"usage.committed_instances bears; node groups with one: web"):
        apply_simulation(declared, {"web": 14.0}, 4.0, book,
                         overflow_node_hours_by_node_group={"other": 1.0})


def test_an_idle_committed_group_stays_as_declared(book: PriceBook) -> None:
    resources = parsed(book, {"committed_instances": 3})
    # desired 5, no workload on it: 5 - 3 = 2 nodes above the commitment all 4 h = 8
    assert idle_overflow_node_hours(resources, set(), 4.0) == {"web": 8.0}
    assert idle_overflow_node_hours(resources, {"web"}, 4.0) == {}
    (r,) = apply_simulation(resources, {"web": 20.0}, 4.0, book,
                            overflow_node_hours_by_node_group={"web": 8.0})
    assert lines(estimate([r], book))[OD][:2] == lines(estimate(resources, book))[OD][:2] == \
        (D(1460), D("60.74"))


def test_the_ceiling_runs_max_size_with_the_commitment(book: PriceBook) -> None:
    (r,) = ceiling_resources(parsed(book, {"committed_instances": 3}), [], 1.0, None, book)
    got = lines(estimate([r], book))
    # max_size 8: (8 - 3) x 730 = 3,650 h x 0.0416 = 151.84, exact (no floor note)
    assert got[OD] == (D(3650), D("151.84"), ABOVE)
    assert got[SP][1] == D("65.70")


# ---------------------------------------------------------------- a plan, end to end

def _committed_plan(tmp_path: Path, usage: str) -> Path:
    """small.yaml (group ``general``: m5.large, 2..4 nodes, 2 desired, api on it) with
    ``usage`` on the group, a reserved m5.large rate of 0.0600 $/h in its overrides file, and
    api's pods requesting 1,000m CPU (one a node: 1,805m allocatable) at 20m + 25m per req/s,
    so its nodes follow its pods: ``steady`` (40 req/s: 2 pods at 52 % of their request, under
    the HPA's 70 %) keeps the 2 minimum nodes all hour, ``ramp`` (40 rising to 80 req/s from
    minute 10 to minute 30) adds a third."""
    manifests = tmp_path / "manifests"
    shutil.copytree(REPO_ROOT / "tests" / "data" / "plans" / "manifests", manifests)
    deployment = (manifests / "deployment.yaml").read_text()
    assert "cpu: 200m" in deployment
    (manifests / "deployment.yaml").write_text(deployment.replace("cpu: 200m", "cpu: 1000m"))
    (tmp_path / "rates.yaml").write_text(RATES.format(itype="m5.large", option="reserved",
                                                      usd="0.0600"))
    text = (REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/")
    for old, new in (("      instance_types: [m5.large]\n",
                      f"      instance_types: [m5.large]\n      usage: {usage}\n"),
                     ("cpu_millicores_per_rps: 5\n", "cpu_millicores_per_rps: 25\n"),
                     ("scenarios:\n", "pricing: {overrides: rates.yaml}\nscenarios:\n"
                      "  - name: ramp\n    description: 40 rising to 110 req/s\n"
                      "    synthetic: {shape: ramp, duration: 1h, start_rps: 40, end_rps: 110,"
                      " ramp_start_s: 600, ramp_end_s: 1800}\n")):
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return path


RESERVED = "Instance usage (Linux/UNIX, reserved, m5.large)"
ON_DEMAND = "Instance usage (Linux/UNIX, on-demand, m5.large)"


def _general(est: CostEstimate) -> dict[str, D]:
    return {ln.component: cents(ln.monthly_cost_usd) for ln in est.lines
            if ln.address == "aws_eks_node_group.general" and ln.monthly_cost_usd is not None}


def test_the_report_and_cost_bill_a_steady_group_by_hand(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _committed_plan(tmp_path, "{purchase_option: reserved, committed_instances: 1}")
    a = analyze_plan(path, scenarios=["steady"], store_location=str(tmp_path / "none"))
    # steady: 2 nodes all hour, 1 committed: 1 x 730 x 0.0600 = 43.80; (2 - 1) x 1 h x 730 / 1
    # = 730 h x 0.096 = 70.08; disks 2 node-months x 20 GB x 0.10 = 4.00
    expected = {RESERVED: D("43.80"), ON_DEMAND: D("70.08"), DISK: D("4.00")}
    assert _general(a.run("steady").estimate) == expected
    # declared (desired 2): the same figures, which `cost` prints for the plan
    assert _general(a.declared_estimate) == expected
    assert main(["cost", str(path)]) == 0
    out = capsys.readouterr().out
    assert "$43.80" in out and "$70.08" in out
    # the ceiling: max_size 4, (4 - 1) x 730 = 2,190 h x 0.096 = 210.24
    assert _general(a.ceiling_estimate)[ON_DEMAND] == D("210.24")


def test_report_chart_and_sweep_bill_a_scaling_group_alike(tmp_path: Path) -> None:
    path = _committed_plan(tmp_path, "{purchase_option: reserved, committed_instances: 3}")
    a = analyze_plan(path, scenarios=["ramp"], store_location=str(tmp_path / "none"))
    run = a.run("ramp")
    assert run.cluster is not None and run.cluster_hourly_cost is not None
    nodes = run.cluster.nodes
    billed = (nodes["nodes_general"] + nodes["launching_nodes_general"]).to_numpy()
    # the ramp runs 2, then 3, then 4 nodes: only the 4th is above the 3 committed, for the
    # ticks (5 s each) it runs, x 730 / the 1 h window, at 0.096
    assert sorted(set(billed.tolist())) == [2, 3, 4]
    fourth_ticks = int((billed == 4).sum())
    got = _general(run.estimate)
    assert got[RESERVED] == D("131.40")  # 3 x 730 x 0.0600
    assert got[ON_DEMAND] == cents(D(fourth_ticks) * 5 / 3600 * 730 * D("0.096"))
    # spread evenly, the node-hours above 3 would be fewer: the timeline matters
    hours = run.cluster.node_hours_by_node_group["general"]
    assert max(0.0, hours - 3) < fourth_ticks * 5 / 3600
    # the chart's cost per hour, as a month, is the two instance lines
    assert monthly_usd(run.cluster_hourly_cost) == got[RESERVED] + got[ON_DEMAND]
    # the sweep's baseline row prices the run as the report does, disks included
    plan = read_plan(path)
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    swept = sweep_workload(plan, book, "api", parse_vary(["minReplicas=1", "maxReplicas=1,8"]),
                           scenarios=["ramp"])
    base = swept.table[swept.table["baseline"]].iloc[0]
    assert base["checked_by"] == "report rule" and "spread evenly" not in base["note"]
    # (the sum of the lines, to the cent, as the report's total: 131.40 + 40.685... + 6.616...)
    assert base["monthly_usd"] == cents(sum(
        ln.monthly_cost_usd for ln in run.estimate.lines
        if ln.address == "aws_eks_node_group.general" and ln.monthly_cost_usd is not None))
    # a variant only screened (maxReplicas 1: its p95 rejects it) has no timeline: its hours
    # above the commitment are counted as if spread evenly, a lower bound, and said so
    screened = swept.table[swept.table["maxReplicas"] == 1].iloc[0]
    assert screened["checked_by"] == "summary screen"
    assert screened["note"].startswith(
        "node-hours above committed_instances of node group(s) general counted as if spread "
        "evenly, a lower bound (the report reads them from the run); ramp: max p95")


def test_validate_names_the_plan_path_of_a_bad_commitment(tmp_path: Path) -> None:
    path = _committed_plan(tmp_path, "{purchase_option: reserved, committed_instances: 1.5}")
    (problem,) = validate_plan(path)
    assert problem.path == "proposed.resources[1].usage.committed_instances"
    assert problem.message == "1.5 must be a whole number"


def test_a_committed_group_without_its_rate_blocks_the_plan_estimate(tmp_path: Path) -> None:
    path = _committed_plan(tmp_path, "{purchase_option: savings_plan, committed_instances: 1}")
    a = analyze_plan(path, scenarios=["steady"], store_location=str(tmp_path / "none"))
    (line,) = [ln for ln in a.run("steady").estimate.lines
               if ln.component == "Instance usage (Linux/UNIX, savings-plan, m5.large)"]
    assert line.status == "PRICE NOT FOUND"
    assert "add a rates entry with purchase_option: savings_plan" in str(line.price_not_found)
    assert a.run("steady").estimate.has_missing_prices
    # the cost per hour draws no figure the estimate lacks
    hourly = a.run("steady").cluster_hourly_cost
    assert hourly is not None and "usd_per_hour" not in hourly


def test_a_rollouts_extra_node_above_the_commitment_is_priced_on_demand(tmp_path: Path) -> None:
    # steady holds the 2 committed nodes all hour; api's rolling update (surge 1) needs 1 more
    # node for 120 s provisioning + 40 s of rollout + 600 s until it is removed = 760 s. That
    # node is above the commitment: 0.096 $/h on-demand x 760 / 3600 h = 0.0203 -> 0.02 (the
    # group's cost over its billed nodes, 2 x 0.06 / 2 = the reserved 0.06 $/h, gave 0.0127 ->
    # 0.01)
    from infra_toolkit.rollout_tables import rollout_table

    path = _committed_plan(tmp_path, "{purchase_option: reserved, committed_instances: 2}")
    a = analyze_plan(path, scenarios=["steady"], store_location=str(tmp_path / "none"))
    row = rollout_table(a).set_index("Rolled at").loc["peak replicas in 'steady'"]
    assert (row["Extra nodes, others at peak"], row["Duration"]) == (1, "40 s")
    assert row["Extra nodes' cost (USD)"] == "0.02"


def test_a_commitment_above_max_size_is_warned(tmp_path: Path) -> None:
    # audit newfeat: 6 committed m5.large on a group of at most 4 nodes bill 6 x 730 = 4,380
    # reserved hours a month, 2 x 730 = 1,460 of them on instances the group never runs; it
    # was accepted silently. 4 (= max_size) is not warned.
    path = _committed_plan(tmp_path, "{purchase_option: reserved, committed_instances: 6}")
    plan, problems, warnings = check_plan_warnings(path)
    assert plan is not None and problems == []
    assert [(w.path, w.message) for w in warnings if "committed" in w.path] == [(
        "proposed.resources[1].usage.committed_instances",
        "warning: 6 committed instances, above the max_size (4) of node group 'general': 2 of "
        "them are billed every hour on its committed line and it can never run on them; lower "
        "committed_instances to what the group runs (its share of the commitment), or raise "
        "max_size")]
    path = _committed_plan(tmp_path / "at", "{purchase_option: reserved, committed_instances: 4}")
    assert not [w for w in check_plan_warnings(path)[2] if "committed" in w.path]
