"""tests/data/author19b/catalog.yaml: a plan written from the docs alone by a new user (a PHP
monolith on 4 x c5.xlarge + a single-AZ MySQL moved to EKS in eu-central-1, whose EC2, EKS,
ELB, EBS and RDS storage prices the shipped tables lack, so the plan brings its own), and the
frictions found writing it: a price for a node group's later instance type called a typo, a
spot pool's extra rollout nodes shown as a missing price, a subcommand's unknown option
answered with the top-level usage, Internet egress left out without a word."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pandas as pd
import pytest

from infra_toolkit.cli import main
from infra_toolkit.plan_validate import check_plan_warnings

FIXTURE = Path(__file__).parent / "data" / "author19b"
PLAN = FIXTURE / "catalog.yaml"


def test_the_catalog_plan_is_valid_without_warnings() -> None:
    plan, problems, warnings = check_plan_warnings(PLAN)
    assert problems == []
    assert [w.message for w in warnings] == []
    assert [w.name for w in plan.proposed.workloads] == ["catalog-web", "catalog-worker"]


def _lines(capsys: pytest.CaptureFixture[str]) -> dict[tuple[str, str], tuple[float, float]]:
    assert main(["cost", str(PLAN), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    return {(c["resource"], c["name"]): (c["current_monthly_usd"], c["monthly_usd"])
            for c in out["components"]}


def test_monthly_cost_lines_match_the_prices_looked_up_by_hand(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Every price from a table row read by hand; 730 hours a month. Own tables:
    prices-eu-central-1.csv (EC2), prices-eu-central-1-services.csv (EKS, ALB, EBS gp3, RDS
    storage); overrides.yaml (spot); shipped: rds_on_demand_2026-05-03.csv (eu-central-1
    MySQL db.m5.large single-az 0.203, db.r6g.large multi-az 0.519, single-az 0.26)."""
    lines = _lines(capsys)
    expected = {
        # current: c5.xlarge 0.194 x 730 = 141.62; root gp3 30 GB x 0.0952 = 2.856
        ("aws_instance.catalog[0]", "Instance usage (Linux/UNIX, on-demand, c5.xlarge)"):
            (141.62, 0.0),
        ("aws_instance.catalog[3]", "root_block_device: Storage (general purpose SSD, gp3)"):
            (2.86, 0.0),
        # db.m5.large single-AZ 0.203 x 730 = 148.19; gp2 500 GB x 0.137 = 68.50
        ("aws_db_instance.catalog", "Database instance (on-demand, Single-AZ, db.m5.large)"):
            (148.19, 0.0),
        ("aws_db_instance.catalog", "Storage (general purpose SSD, gp2)"): (68.50, 0.0),
        # proposed: db.r6g.large Multi-AZ 0.519 x 730 = 378.87; io1 Multi-AZ 500 GB x 0.298
        # = 149.00; 5000 IOPS x 0.238 = 1190.00
        ("aws_db_instance.catalog", "Database instance (on-demand, Multi-AZ, db.r6g.large)"):
            (0.0, 378.87),
        ("aws_db_instance.catalog", "Storage (provisioned IOPS SSD, io1)"): (0.0, 149.00),
        ("aws_db_instance.catalog", "Provisioned IOPS"): (0.0, 1190.00),
        # each replica: db.r6g.large single-AZ 0.26 x 730 = 189.80; io1 500 x 0.149 = 74.50;
        # 3000 IOPS x 0.119 = 357.00
        ("aws_db_instance.catalog_replica[1]",
         "Database instance (on-demand, Single-AZ, db.r6g.large)"): (0.0, 189.80),
        ("aws_db_instance.catalog_replica[1]", "Storage (provisioned IOPS SSD, io1)"):
            (0.0, 74.50),
        ("aws_db_instance.catalog_replica[1]", "Provisioned IOPS"): (0.0, 357.00),
        # EKS 0.10 x 730 = 73.00
        ("aws_eks_cluster.catalog", "EKS cluster"): (0.0, 73.00),
        # 2 m6i.large (desired_size) x 0.115 x 730 = 167.90; 2 x 20 GB gp3 x 0.0952 = 3.808
        ("aws_eks_node_group.ondemand", "Instance usage (Linux/UNIX, on-demand, m6i.large)"):
            (0.0, 167.90),
        ("aws_eks_node_group.ondemand", "launch_template: Storage (general purpose SSD, gp3)"):
            (0.0, 3.81),
        # desired_size 0: nothing declared
        ("aws_eks_node_group.spot", "Instance usage (Linux/UNIX, spot, c6i.large)"): (0.0, 0.0),
        # ALB 0.027 x 730 = 19.71; 1.3 LCU (processed_bytes 1.3 GB/h, above new connections
        # 10 / 25 = 0.4 and active 1200 / 3000 = 0.4) x 0.0096 x 730 = 9.1104
        ("aws_lb.catalog", "Application load balancer"): (0.0, 19.71),
        ("aws_lb.catalog", "Load balancer capacity units"): (0.0, 9.11),
        # 800 GB x 0.09 (shipped other_services eu-central-1 internet_out, first 10 TB) = 72
        ("aws_data_transfer.internet", "Outbound data transfer to Internet (first 10TB)"):
            (72.00, 72.00),
    }
    assert {k: lines[k] for k in expected} == expected


def test_the_totals_add_up_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", str(PLAN), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # current: 4 x (141.62 + 2.856) + 148.19 + 68.50 + 72 = 577.904 + 216.69 + 72 = 866.594
    assert out["current_total_monthly_usd"] == 866.59
    # proposed: 378.87 + 149 + 1190 + 2 x (189.80 + 74.50 + 357) + 73 + 167.90 + 3.808
    # + 19.71 + 9.1104 + 72 = 1717.87 + 1242.60 + 73 + 171.708 + 28.8204 + 72 = 3305.9984
    assert out["total_monthly_usd"] == 3306.00


def test_no_declared_egress_behind_the_load_balancer_is_warned(tmp_path: Path) -> None:
    """Before: without a proposed aws_data_transfer the report added
    aws_data_transfer.simulated_egress at 0 GB, $0 "priced" in every scenario, with no word."""
    work = tmp_path / "catalog"
    shutil.copytree(FIXTURE, work)
    plan = work / "catalog.yaml"
    text = plan.read_text()
    block = ("    - type: aws_data_transfer\n      name: internet\n      usage:\n"
             "        monthly_outbound_internet_gb: 800  # two-weekdays' mean of 106.4 req/s, "
             "as today\n")
    assert block in text
    plan.write_text(text.replace(block, ""))
    _plan, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    assert [(w.path, w.message) for w in warnings] == [("proposed.resources[5]", (
        "warning: no proposed aws_data_transfer gives monthly_outbound_internet_gb, so the "
        "responses served through aws_lb.catalog carry no Internet egress: the report's "
        "aws_data_transfer.simulated_egress line is 0 GB, $0, in every scenario; declare an "
        "aws_data_transfer with the egress of the plan's first scenario in "
        "usage.monthly_outbound_internet_gb (0 when the responses stay inside AWS)"))]


def _with_c5_large_prices(tmp_path: Path) -> Path:
    """The fixture with a c5.large spot rate and on-demand row: the spot group's second type."""
    work = tmp_path / "catalog"
    shutil.copytree(FIXTURE, work)
    with (work / "overrides.yaml").open("a") as f:
        f.write("  - service: AmazonEC2\n    region: eu-central-1\n    instance_type: c5.large\n"
                "    purchase_option: spot\n    usd_per_unit: \"0.0390\"\n"
                "    source: spot price history read by hand\n")
    with (work / "prices-eu-central-1.csv").open("a") as f:
        f.write("eu-central-1,c5.large,0.097,read by hand,2026-11-28\n")
    return work / "catalog.yaml"


def test_a_price_for_a_node_groups_later_type_names_the_group(tmp_path: Path) -> None:
    """Before: "did you mean 'eu-central-1/c5.xlarge'?", the current EC2 hosts' type, for a
    type the plan does use: the spot group's second, which it is not priced at."""
    plan = _with_c5_large_prices(tmp_path)
    _plan, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    group = ("c5.large is a later type of aws_eks_node_group.spot, whose instance_types "
             "[c6i.large, c5.large] are priced as c6i.large (the first, as Infracost does): "
             "list c5.large first to price the group at it, or delete the entry")
    assert [w.message.split("(each line keeps its list price); ")[1] for w in warnings] == [
        group, group]
    assert "overrides.yaml: rates[1]: 'eu-central-1/c5.large spot'" in warnings[0].message
    assert "prices-eu-central-1.csv: line 4: 'eu-central-1/c5.large'" in warnings[1].message


def test_extra_nodes_of_a_group_the_run_never_launched_cost_its_instance_price() -> None:
    """Before: the blue-green table's extra spot nodes cost '-' (read: a price is missing) on
    a day the spot pool stayed at 0 nodes, while its rate was there: $0.041 an hour."""
    from infra_toolkit.rollout_nodes import _node_usd_per_hour

    line = SimpleNamespace(resource_name="spot", unit_price_usd=0.041, price=object(),
                           price_table_kind="ec2_on_demand")
    idle = pd.DataFrame({"nodes_spot": [0, 0], "launching_nodes_spot": [0, 0]})
    run = SimpleNamespace(priced_resources=[], estimate=SimpleNamespace(lines=[line]),
                          cluster_hourly_cost=pd.DataFrame({"usd_per_hour_spot": [0.0, 0.0]}),
                          cluster=SimpleNamespace(nodes=idle))
    assert _node_usd_per_hour(cast(Any, run), "spot", "spot") == 0.041
    # a run with nodes keeps its own figure: 2 nodes billed $0.082 an hour = $0.041 each
    run.cluster = SimpleNamespace(nodes=pd.DataFrame({"nodes_spot": [0, 2],
                                                      "launching_nodes_spot": [0, 0]}))
    run.cluster_hourly_cost = pd.DataFrame({"usd_per_hour_spot": [0.0, 0.082]})
    assert _node_usd_per_hour(cast(Any, run), "spot", "spot") == pytest.approx(0.041)


@pytest.mark.parametrize(("argv", "usage"), [
    (["report", "plan.yaml", "-o", "out.html"], "usage: infra-toolkit report "),
    (["pricing", "refresh", "--other-services", "--region", "eu-west-1", "--bogus"],
     "usage: infra-toolkit pricing refresh "),
])
def test_an_unknown_option_shows_the_commands_own_usage(
        argv: list[str], usage: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: `report PLAN -o X` answered with `usage: infra-toolkit [-h] [--version]
    COMMAND ...`, which names none of report's options (--out)."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(usage)
    assert "error: unrecognized arguments: " + (" ".join(argv[-2:]) if argv[0] == "report"
                                                else argv[-1]) in err


@pytest.mark.parametrize(("workload", "said"), [
    ("catalog-worker", "summary min = minutes with p95 over 500 ms (the simulator's default, no "
                       "SLO of the plan: catalog-worker has no p95 latency SLO), requests"),
    ("catalog-web", "summary min = minutes with p95 over 400 ms, requests"),  # 'web p95'
])
def test_the_sweep_says_when_its_summary_threshold_is_no_slo_of_the_plan(
        workload: str, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: "p95 over 500 ms" for the worker, whose only SLO is availability: a whole day
    of summary minutes beside SLO columns all "yes", with no word where 500 came from."""
    assert main(["sweep", str(PLAN), "--workload", workload, "--scenario", "black-friday",
                 "--vary", "cpu.averageUtilization=70", "--horizon-h", "1"]) == 0
    assert said in capsys.readouterr().out


def caption_sentences(caption: str) -> list[str]:
    """A caption's sentences: split at ". " before a capital (not inside "e.g. ", "x 1.1")."""
    return re.split(r"(?<=[a-z)\"0-9])\. (?=[A-Z])", " ".join(caption.split()))


def test_the_blue_green_caption_reads_in_short_sentences(tmp_path: Path) -> None:
    """reader20: the blue-green table's caption was four sentences of 72, 66, 112 and 122
    words, the last gluing the column key onto the rollback rule ("... at least one time to
    Ready after it; room = how many ..."). Now each rule is its own sentence and the column
    keys (Room, Others at peak, Others at max, Rolled at, Extra nodes, Their cost) each start
    one; no fact is dropped (the checks below quote each)."""
    from infra_toolkit import sections
    from infra_toolkit.analysis import analyze_plan

    a = analyze_plan(PLAN, scenarios=["two-weekdays"], store_location=str(tmp_path / "none"))
    (table,) = [t for t in sections.deployment_strategy(a).tables if t.css_class == "rollout"]
    caption = " ".join(table.caption.split())
    assert caption.startswith("Blue-green per workload: a second full set of pods (2 x "
                              "replicas) runs from the new set's start until the old one is "
                              "scaled down. ")
    for sentence in (
            "Both sets run for time to Ready + the manifest's minReadySeconds (the new set is "
            "promoted once available) + preview + scale-down delay (Argo Rollouts' default "
            "30 s when not given).",
            "With auto promote off (autoPromotionEnabled: false) the preview lasts until a "
            "person promotes, so the duration is \"at least\" that.",
            "Each extra node is billed for the phases that need it.",
            "Rolling back switches the active Service back to the old set: at once while the "
            "old set runs (before the scale-down delay ends), after at least one time to Ready "
            "once it has been scaled down. Room = how many",
            "Others at max: each at its maxReplicas. Rolled at: the expected scenario's peak",
            ". Extra nodes: the nodes those pods at once take",
            "absorb a small surge). Their cost: each extra node at its group's price"):
        assert sentence in caption, sentence
    assert [len(s.split()) <= 60 for s in caption_sentences(caption)] == [True] * 13


def test_the_rollback_names_the_decommission_the_timeline_dates() -> None:
    """reader20: the Rollback Plan said "Point of no return: -" and "kept for the scale-down
    delay" (unstated) while the timeline decommissions the EC2 hosts the day after the
    cutover. By hand: staging from 2027-01-11 for 5 d ends 2027-01-15; the 1 d cutover is
    2027-01-16 and the 1 d decommission 2027-01-17; the scale-down delay is 10m."""
    from infra_toolkit.plan import read_plan
    from infra_toolkit.plan_operations_types import phase_dates

    plan = read_plan(PLAN)
    dates = dict(zip([p.name for p in plan.timeline], phase_dates(plan.timeline), strict=True))
    assert str(dates["decommission EC2"][0]) == "2027-01-17"
    assert str(dates["production cutover"][0]) == "2027-01-16"
    assert plan.deployment_strategy.scale_down_delay_s == 600
    assert plan.rollback.steps[0] == ("Switch the active service back to the blue ReplicaSet "
                                      "(kept 10 minutes after the switch, the scale-down delay).")
    assert " ".join((plan.rollback.point_of_no_return or "").split()).startswith(
        "Decommissioning the four c5.xlarge EC2 hosts (timeline phase \"decommission EC2\", "
        "2027-01-17, the day after the production cutover)")


def test_moments_of_a_run_are_written_to_the_second(tmp_path: Path) -> None:
    """reader21: an episode's start and an alert's first fire were written in two units, so the
    black-friday error alert 'fires at 7 h 7 min', '5 min 35 s after' the episode that starts
    at 7 h 2 min (7 h 2 min + 5 min 35 s = 7 h 7 min 35 s, not 7 h 7 min), the Rollback Plan
    quoting the same '7 h 7 min', and three of two-weekdays' worker episodes read '1 d 11 h'
    alike. By hand: 7 h 2 min = 7 x 3,600 + 120 = 25,320 s; + 335 s = 25,655 s = 7 h 7 min
    35 s."""
    from infra_toolkit import sections
    from infra_toolkit.analysis import analyze_plan
    from infra_toolkit.report_html import Table
    from infra_toolkit.sections_monitoring import alert_fires_text, alert_replay_parts

    a = analyze_plan(PLAN, scenarios=["two-weekdays", "black-friday"],
                     store_location=str(tmp_path / "none"))
    (episodes,) = [t.frame for t in sections.scaling_behaviour(a).tables
                   if "Closed by" in t.frame.columns]
    web = episodes[(episodes["Scenario"] == "black-friday")
                   & (episodes["Workload"] == "catalog-web")]
    assert list(web["Start"]) == ["7 h 2 min", "7 h 5 min"]
    worker = episodes[(episodes["Scenario"] == "two-weekdays")
                      & (episodes["Workload"] == "catalog-worker")]
    assert worker["Start"].is_unique  # 24 episodes, 24 distinct starts
    assert [s for s in worker["Start"] if s.startswith("1 d 11 h")] == [
        "1 d 11 h 9 min", "1 d 11 h 50 min", "1 d 11 h 56 min"]
    replays = [p.frame for p in alert_replay_parts(a) if isinstance(p, Table)]
    errors = pd.concat(replays).set_index(["Alert", "Fires at"])
    assert ("CatalogErrors", "7 h 7 min 35 s") in errors.index
    assert errors.loc[("CatalogErrors", "7 h 7 min 35 s"), "vs first SLO violation"] == (
        "5 min 35 s after (SLO 'web availability')")
    assert alert_fires_text(a)["CatalogErrors"] == "'black-friday' at 7 h 7 min 35 s"


def test_the_timeline_shows_the_weekend_cutover() -> None:
    """reader21: the production cutover and the EC2 decommission fall on a Saturday and a
    Sunday, which the timeline's bare dates did not show. By hand: 2027-01-01 is a Friday, so
    2027-01-16 (15 days on, 15 = 2 x 7 + 1) is a Saturday and 2027-01-17 a Sunday; staging
    2027-01-11 (Mon) to 2027-01-15 (Fri)."""
    from infra_toolkit import sections
    from infra_toolkit.plan import read_plan
    from infra_toolkit.report_html import Table

    # the section reads the plan's timeline alone: no simulation needed
    a = cast(Any, SimpleNamespace(plan=read_plan(PLAN)))
    (table,) = [p for p in sections.timeline(a).parts if isinstance(p, Table)]
    html = table.to_html()
    for day in ("2027-01-11 (Mon)", "2027-01-15 (Fri)", "2027-01-16 (Sat)", "2027-01-17 (Sun)"):
        assert f"<td>{day}</td>" in html, day
