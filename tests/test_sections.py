"""sections / plan_sections on the small plan: every section, its tables and figures by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from infra_toolkit import sections
from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.plan_operations_types import Phase, Risk
from infra_toolkit.plan_scenario_types import CsvTraffic, LoadTest, Scenario
from infra_toolkit.plan_sections import phase_table, risk_table
from infra_toolkit.report_html import Section, Table
from infra_toolkit.sections_cost import billed_nodes
from tests.conftest import REPO_ROOT, SMALL_PLAN, shipped_tables_sha256

FUNCTIONS = [sections.overview, sections.current_state, sections.proposed_architecture,
             sections.components_with_cost, sections.scaling_behaviour,
             sections.deployment_strategy, sections.monitoring, sections.cost_summary,
             sections.rollback_plan, sections.testing_plan, sections.security, sections.questions,
             sections.timeline, sections.risk_assessment, sections.review_status]

# audit25 A25-5: the transfer that moves is the one the usage notes name (a second
# aws_data_transfer's intra-region GB are held, at the ceiling too)
CEILING = ("Ceiling: every node group at its maximum size all month, and the load balancer "
           "capacity units and data transfer each scenario&#x27;s usage note names at the "
           "busiest of the plan&#x27;s scenarios (load tests aside, selected or not) with every "
           "request served, priced in ")


#: the small plan's change leaves out today's t3.medium surplus CPU credits (no usage given); the
#: proposed m5.large nodes earn none (audit27 A27-6)
UNKNOWN_CHANGE = (" (not counting 1 line(s) today and 0 proposed whose usage the plan does not "
                  "give, named beside the totals)")


def field_value(section: Section, css_class: str, label: str) -> str:
    """The value shown beside ``label`` in the section's fields table of ``css_class``."""
    html = next(p for p in section.parts if isinstance(p, str) and f'class="{css_class}"' in p)
    start = html.index(f"<th>{label}</th><td>") + len(f"<th>{label}</th><td>")
    return html[start:html.index("</td>", start)]


def test_public_api() -> None:
    assert set(sections.__all__) == {"SECTION_TITLES", "header"} | {f.__name__ for f in FUNCTIONS}


def test_every_section_has_its_title_in_order(small_analysis: PlanAnalysis) -> None:
    titles = [f(small_analysis).title for f in FUNCTIONS]
    assert titles == ["Overview", "Current State", "Proposed Architecture",
                      "Components with Cost", "Scaling Behaviour", "Deployment Strategy",
                      "Monitoring and Alerts", "Cost Summary", "Rollback Plan", "Testing Plan",
                      "Security", "Questions for Approval", "Timeline", "Risk Assessment",
                      "Review Status"]
    assert tuple(titles) == sections.SECTION_TITLES


def test_header_links_to_every_section_by_its_heading_id(small_analysis: PlanAnalysis
                                                          ) -> None:
    nav = sections.header(small_analysis).parts[0]
    assert isinstance(nav, str) and nav.startswith('<nav class="report-contents">')
    for f in FUNCTIONS:
        section = f(small_analysis)
        link = f'<a href="#{section.anchor}">{section.title}</a>'
        assert link in nav and f'id="{section.anchor}"' in section._repr_html_()
    assert '<a href="#cost-summary">Cost Summary</a>' in nav  # the id, written out


def test_header_names_plan_digest_version_and_tables(small_analysis: PlanAnalysis) -> None:
    h = sections.header(small_analysis)
    assert h.title == "Move the API to EKS" and h.level == 1
    assert field_value(h, "report-header", "Plan digest (SHA-256)") == small_analysis.digest
    assert field_value(h, "report-header", "Plan file") == "tests/data/plans/report/small.yaml"
    assert field_value(h, "report-header", "Plan id") == "small"
    assert field_value(h, "report-header", "Scenarios simulated") == "steady, double"
    tables = h.tables[0].frame
    assert list(zip(tables["Pricing table"], tables["SHA-256"], strict=True)) == \
        shipped_tables_sha256()


def test_overview_headline_figures(small_analysis: PlanAnalysis) -> None:
    o = sections.overview(small_analysis)
    value = lambda label: field_value(o, "headline-figures", label)  # noqa: E731
    # 30.368 + 0.64 = 31.008; the t3.medium's surplus CPU credits: no usage given (Unlimited)
    unknown = " (not counting 1 line(s) whose usage the plan does not give: aws_instance.api / " \
        "CPU credits)"
    assert value("Monthly cost today") == "$31.01" + unknown
    assert value("Monthly cost proposed (expected scenario &#x27;steady&#x27;)") == "$310.97"
    # 310.965 - 31.008 = 279.957; today's unpriced CPU credits are not in it (audit27 A27-6)
    assert value("Monthly change (expected scenario &#x27;steady&#x27;)") == \
        "+$279.96" + UNKNOWN_CHANGE
    assert value("Proposed monthly range across scenarios") == \
        "$310.97 (steady, projected from 1 h) to $388.35 (double, projected from 1 h)"
    assert value("SLO checks met") == "3 of 4 (scenario x SLO)"  # double misses p95 250 ms
    # audit27 A27-1: the workload, its maxReplicas and where. 'double' offers 80 rps to 2 pods
    # of 200m: 20 + 5 x 40 = 220m, 110 % against the 70 % target: ceil(2 x 110 / 70) =
    # ceil(3.14) = 4; at 4 pods 20 + 5 x 20 = 120m, 60 %: 4 x 60 / 70 = 3.43, up to 4 again.
    # 'steady' (40 rps) stays at 2: 120m, 60 %, 2 x 60 / 70 = 1.71 -> minReplicas 2
    assert value("Peak replicas in any scenario") == \
        "api 4 of maxReplicas 8 (&#x27;double&#x27;)"
    assert value("Review status") == "NOT SUBMITTED"
    assert field_value(o, "metadata", "Requested review") == "30 min"


def test_totals_that_leave_out_missing_prices_say_so(tmp_path: Path) -> None:
    from infra_toolkit.analysis import analyze_plan

    # us-gov-east-1 is priced only for EC2 instances (t3.medium 0.0488, m5.large 0.121 USD an
    # hour: ec2_on_demand lines 1870, 1583) and internet egress (0.155 USD/GB for the first
    # 10 TB: other_services line 193).
    a = analyze_plan(SMALL_PLAN, region="us-gov-east-1", store_location=str(tmp_path / "none"))
    o = sections.overview(a)
    value = lambda label: field_value(o, "headline-figures", label)  # noqa: E731
    note = " price(s) not found, left out of the total)"
    # today: 730 h x 0.0488 = 35.624; the gp3 root volume is not priced there (1 line)
    unknown = " (not counting 1 line(s) whose usage the plan does not give: aws_instance.api / " \
        "CPU credits)"  # no rate there, none needed while its usage is not given
    assert value("Monthly cost today") == "$35.62 (INCOMPLETE: 1" + note + unknown
    # proposed (steady): 2 nodes x 730 h x 0.121 = 176.66, + 730 GB x 0.155 = 113.15 egress:
    # 289.81; not priced: the cluster, the nodes' volumes, the ALB's hours and LCUs (4 lines)
    assert value("Monthly cost proposed (expected scenario &#x27;steady&#x27;)") == \
        "$289.81 (INCOMPLETE: 4" + note
    # 289.81 - 35.624 = 254.186; 1 + 4 lines left out
    assert value("Monthly change (expected scenario &#x27;steady&#x27;)") == \
        "+$254.19 (INCOMPLETE: 5" + note + UNKNOWN_CHANGE
    assert value("Proposed monthly range across scenarios").endswith("(INCOMPLETE: 4" + note)
    assert "Monthly cost as declared: $35.62 (INCOMPLETE: 1" + note + unknown in \
        sections.current_state(a).parts[0]
    assert "Total $289.81 per month (INCOMPLETE: 4" + note in \
        sections.components_with_cost(a).parts[0]
    totals = lambda label: field_value(sections.cost_summary(a), "cost-totals",  # noqa: E731
                                       label.replace("'", "&#x27;"))
    ceiling = totals(CEILING + "us-gov-east-1")
    # 4 x 730 x 0.121 = 353.32, + the busiest scenario's egress: double offers 80 req/s, twice
    # the reference steady's 40, so 2 x 730 GB x 0.155 = 226.30; 353.32 + 226.30 = 579.62
    assert ceiling == "$579.62 (INCOMPLETE: 4" + note
    # the plan's declared resources priced there (2 nodes, the declared 730 GB: as steady
    # above) are labelled by that region and said not to be the review's basis ...
    assert totals("Proposed as declared in the plan, priced in us-gov-east-1 (the report's "
                  "region parameter; not the review's cost basis)") == \
        "$289.81 (INCOMPLETE: 4" + note
    # ... which is shown beside them: priced in the plan's own region, complete (310.965,
    # test_analysis's hand sum, rounded half-up)
    assert totals("Proposed as declared in the plan, priced in us-east-1 (the review's cost "
                  "basis)") == "$310.97"
    # the policy's basis stays the review's, priced in the plan's own region and complete
    # (310.965 - 31.008 = 279.957, as in test_cost_tables), not marked with the 5 lines above
    assert totals("Monthly change as declared, priced in us-east-1 (the review's cost "
                  "basis)") == "+$279.96"
    # cost17: each of the 4 lines printed the same reason and fix in full, above the table and
    # again in its Price source column; all 4 miss an other_services row of us-gov-east-1, so
    # they point to one note, printed once under the table
    c = sections.components_with_cost(a)
    flagged = [p for p in c.parts if isinstance(p, str) and 'class="price-not-found"' in p]
    gov = ("region=us-gov-east-1, service={0}, item_id={1} (note [1])</p>").format
    assert flagged == [
        '<p class="price-not-found">PRICE NOT FOUND: aws_eks_cluster.main / EKS cluster: no '
        "AmazonEKS eks_cluster_hour_standard_support price for "
        + gov("AmazonEKS", "eks_cluster_hour_standard_support"),
        '<p class="price-not-found">PRICE NOT FOUND: aws_eks_node_group.general / Storage '
        "(general purpose SSD, gp2): no AmazonEC2 ebs_gp2_storage price for "
        + gov("AmazonEC2", "ebs_gp2_storage"),
        '<p class="price-not-found">PRICE NOT FOUND: aws_lb.api / Application load balancer: no '
        "AWSELB alb_hour price for " + gov("AWSELB", "alb_hour"),
        '<p class="price-not-found">PRICE NOT FOUND: aws_lb.api / Load balancer capacity units: '
        "no AWSELB alb_lcu price for " + gov("AWSELB", "alb_lcu"),
        '<p class="price-not-found">note [1]: other_services_2026-05-03.csv: region '
        "&#x27;us-gov-east-1&#x27; is not priced; regions with this price: us-east-1. Refresh "
        "the table for your region (infra-toolkit pricing refresh --other-services --region "
        "us-gov-east-1) or add a rate to an overrides file or the row to a table of your own "
        "(cost --pricing-overrides / --pricing-table; in a plan, pricing.overrides / "
        "pricing.tables; see pricing_data/README.md)</p>"]
    assert list(c.tables[0].frame["Price source"])[:5] == [
        "note [1]", "ec2_on_demand_2026-07-20.csv line 1583: us-gov-east-1/m5.large",
        "note [1]", "note [1]", "note [1]"]


def test_complete_totals_carry_no_note(small_analysis: PlanAnalysis) -> None:
    figures = sections.overview(small_analysis).parts[2]
    assert "INCOMPLETE" not in figures


def test_cost_tables(small_analysis: PlanAnalysis) -> None:
    lines = sections.components_with_cost(small_analysis).tables[0].frame
    assert list(lines["Resource"]) == [
        "aws_eks_cluster.main", "aws_eks_node_group.general", "aws_eks_node_group.general",
        "aws_lb.api", "aws_lb.api", "aws_data_transfer.internet", "TOTAL"]
    assert float(lines["Monthly quantity"][1]) == 1460.0  # 2 nodes x 730 h
    summary = sections.cost_summary(small_analysis)
    comparison, rng = (t.frame for t in summary.tables)
    assert comparison.iloc[-1]["Resource"] == "TOTAL"
    assert list(rng.columns) == ["Resource", "Component", "Low", "Expected", "High",
                                 "steady (projected from 1 h)", "double (projected from 1 h)"]
    value = lambda label: field_value(summary, "cost-totals", label)  # noqa: E731
    # 4 nodes x 730 x 0.096 + 4 x 20 GB x 0.10 + 73 + 16.425, and the LB / egress of double
    # (80 req/s offered, all served: 4 LCU x 730 x 0.008 = 23.36, 1460 GB x 0.09 = 131.40):
    # 280.32 + 8 + 73 + 16.425 + 23.36 + 131.40 = 532.505
    assert value(CEILING + "us-east-1") == "$532.51"
    # no region parameter: the one declared figure is the review's basis, priced in its region
    assert value("Proposed as declared in the plan, priced in us-east-1 (the review&#x27;s cost "
                 "basis)") == "$310.97"  # 310.965 (test_analysis's hand sum), half-up
    # reader: the review's basis said nothing of what it leaves out, where the Overview's
    # change does: today's t3.medium has no usage.monthly_cpu_credit_hrs (its CPU credits line),
    # the declared m5.large nodes do not burst
    assert value("Monthly change as declared, priced in us-east-1 (the review&#x27;s cost "
                 "basis)") == ("+$279.96 (not counting 1 line(s) today and 0 proposed whose "
                               "usage the plan does not give, named beside the totals)")
    assert "not the review" not in summary._repr_html_()
    assert value("Approvers needed under the plan&#x27;s policy") == \
        "1 (policy basis: the monthly change as declared, +$279.96)"
    assert summary.parts[-1].endswith("to a 730-hour month: steady 1 h, double 1 h.</p>")


_NODES_NOTE = ("<p class=\"note\">Nodes behind the two figures (the declared one prices each "
               "group&#x27;s declared nodes all month, the expected scenario&#x27;s the nodes "
               "its simulation billed): general: ")


def _small_plan_edited(tmp_path: Path, old: str, new: str) -> PlanAnalysis:
    """The small report plan, copied with its manifests, ``old`` replaced by ``new``, analysed."""
    from infra_toolkit.analysis import analyze_plan

    shutil.copytree(REPO_ROOT / "tests/data/plans/report", tmp_path / "report")
    shutil.copytree(REPO_ROOT / "tests/data/plans/manifests", tmp_path / "manifests")
    plan = tmp_path / SMALL_PLAN.split("plans/")[1]
    text = plan.read_text()
    assert old in text
    plan.write_text(text.replace(old, new))
    return analyze_plan(str(plan), store_location=str(tmp_path / "none"))


@pytest.mark.parametrize(("scaling", "usage", "declared"), [
    # the small plan as written: desired_size 2, as simulated
    ("{desired_size: 2, min_size: 2, max_size: 4}", "", "2 m5.large nodes all month "
     "(desired_size)"),
    # a cost cut that declares 6 nodes while the simulation needs 2: the gap is said
    ("{desired_size: 6, min_size: 2, max_size: 6}", "", "6 m5.large nodes all month "
     "(desired_size)"),
    # Infracost's usage key replaces desired_size in the declared figure, so here too
    ("{desired_size: 2, min_size: 2, max_size: 4}", "      usage: {instances: 3}\n",
     "3 m5.large nodes all month (usage.instances)"),
    # monthly_node_hours / 730: 1095 / 730 = 1.5 nodes
    ("{desired_size: 2, min_size: 2, max_size: 4}", "      usage: {monthly_node_hours: 1095}\n",
     "1.5 m5.large nodes all month (usage.monthly_node_hours / 730)"),
])
def test_each_simulated_group_says_its_declared_and_simulated_nodes(
        tmp_path: Path, scaling: str, usage: str, declared: str) -> None:
    # basis: the declared figure prices the declared nodes for 730 h, the expected scenario's
    # the simulated node-hours; the note puts the two counts side by side. steady (1 h at
    # 40 req/s, test_analysis) holds 2 nodes from start to end: 2 x 1 h = 2 node-hours,
    # 2 on average, 2 at peak, whatever the group declares
    a = _small_plan_edited(tmp_path, "      scaling_config: {desired_size: 2, min_size: 2, "
                           "max_size: 4}\n", f"      scaling_config: {scaling}\n{usage}")
    section = sections.cost_summary(a)
    notes = [p for p in section.parts if isinstance(p, str) and p.startswith(_NODES_NOTE)]
    assert notes == [_NODES_NOTE + f"declared {declared}; simulated steady 2 on average "
                     "(2 node-hours in 1 h, billed from launch), 2 at peak.</p>"]


def test_a_load_balancer_named_as_a_node_group_does_not_hide_it(tmp_path: Path) -> None:
    # Terraform names are unique per type: aws_lb.general beside aws_eks_node_group.general is
    # a legal plan; the note looked the node group up by name among every resource, found the
    # load balancer and stopped the report with KeyError 'scaling_config.desired_size'.
    # Expected as the small plan's: 2 nodes declared (desired_size 2), steady 2 on average
    a = _small_plan_edited(tmp_path, "    - type: aws_lb\n      name: api\n",
                           "    - type: aws_lb\n      name: general\n")
    notes = [p for p in sections.cost_summary(a).parts
             if isinstance(p, str) and p.startswith(_NODES_NOTE)]
    assert notes == [_NODES_NOTE + "declared 2 m5.large nodes all month (desired_size); "
                     "simulated steady 2 on average (2 node-hours in 1 h, billed from launch), "
                     "2 at peak.</p>"]


def test_billed_nodes_are_ready_plus_launching() -> None:
    # 4 ticks: 2 Ready; 2 Ready + 1 launching; 3 Ready + 1 launching; 3 Ready. Billed from
    # launch: 2, 3, 4, 3 -> mean (2 + 3 + 4 + 3) / 4 = 3, peak 4
    nodes = pd.DataFrame({"time_s": [0, 15, 30, 45], "nodes_general": [2, 2, 3, 3],
                          "launching_nodes_general": [0, 1, 1, 0]})
    assert billed_nodes(nodes, "general") == (3.0, 4)


def test_numbers_and_unit_prices_print_as_people_write_them(small_analysis: PlanAnalysis
                                                             ) -> None:
    workloads = sections.proposed_architecture(small_analysis).tables[2].to_html()
    # the manifests' requests (200m, 256Mi) and the model's 40 rps, read as floats
    assert "<td>256</td>" in workloads and "<td>40</td>" in workloads
    assert ".0</td>" not in workloads
    lines = sections.components_with_cost(small_analysis).tables[0].to_html()
    # the rows' prices: EKS $0.10 an hour, m5.large $0.096, ALB $0.0225 and $0.008 an LCU-hour
    for price in ("$0.10", "$0.096", "$0.0225", "$0.008"):
        assert f"<td>{price}</td>" in lines, price
    assert "<td>$0.1</td>" not in lines


def test_a_report_region_is_the_region_shown(tmp_path: Path) -> None:
    from infra_toolkit.analysis import analyze_plan

    a = analyze_plan(SMALL_PLAN, scenarios=["steady"], horizon_h=0.25, region="us-gov-west-1",
                     store_location=str(tmp_path / "none"))
    for section in (sections.current_state(a), sections.proposed_architecture(a)):
        assert section.parts[0].startswith(
            "<p>Region us-gov-west-1: priced there by the report&#x27;s region parameter; the "
            "plan says us-east-1.")
        # every resource is priced there, as the paragraph says: no column repeating it
        assert list(section.tables[0].frame.columns) == ["Resource", "Attributes"]
    plain = sections.current_state(analyze_plan(SMALL_PLAN, scenarios=["steady"], horizon_h=0.25,
                                                store_location=str(tmp_path / "none")))
    assert plain.parts[0].startswith("<p>Region us-east-1. Monthly cost as declared")


def test_resources_in_several_regions_show_each_ones_region(small_analysis: PlanAnalysis
                                                            ) -> None:
    from infra_toolkit.sections_architecture import _resources

    first, *rest = small_analysis.plan.proposed.resources
    moved = [dataclasses.replace(first, region="us-west-2"), *rest]
    frame = _resources(moved, "x").frame
    assert list(frame.columns) == ["Resource", "Region", "Attributes"]
    assert list(frame["Region"]) == ["us-west-2"] + ["us-east-1"] * len(rest)


def test_scaling_tables(small_analysis: PlanAnalysis) -> None:
    summary, slos, episodes, settings, warnings = (
        t.frame for t in sections.scaling_behaviour(small_analysis).tables)
    # 'double' starts 2 pods under 80 rps, at their capacity (tests/test_plan_warnings.py)
    assert list(warnings["Where"]) == ["proposed.workloads[0].deployment"]
    assert list(summary["Scenario"]) == ["steady", "double"]
    assert list(summary["Peak replicas"]) == [2, 4]
    assert list(summary["Peak offered rps"]) == [40.0, 80.0]
    assert list(summary["Duration"]) == ["1 h", "1 h"]
    # audit18 A18-15: a shared group's nodes appear under every workload on it
    assert sections.scaling_behaviour(small_analysis).tables[0].caption == (
        "Simulated behaviour per scenario: Peak Ready nodes and Node scale-ups count the nodes "
        "of the workload's node groups, whoever's pods they hold, so workloads sharing a group "
        "show the same nodes (count them once). Scale events: HPA syncs that changed the "
        "spec replicas and KEDA's writes from and to zero (a ScaledObject's activation and "
        "cooldown); Flaps: scale events that reverse the previous one's direction within "
        "5 min of it")  # the column was a bare count, defined only in the Testing Plan (300 s)
    assert list(zip(slos["Scenario"], slos["SLO"], slos["Met"], strict=True)) == [
        ("steady", "p95 latency", True), ("steady", "availability", True),
        ("double", "p95 latency", False), ("double", "availability", True)]
    # every minute 'double' violates is its start-up's: 2 pods saturated from 0 s; the sync of
    # 30 s (the first with a sample: the scrape of 20 s) writes 4, Ready 20 s later at 50 s:
    # steps 0..45 s, 10 x 5 s = 50 s = 0.833 min
    assert slos["Minutes violated"].tolist() == slos["Of which start-up"].tolist() == [
        0.0, 0.0, pytest.approx(50 / 60), 0.0]
    assert episodes.empty  # 80 req/s never exceeds 2 pods x 40 req/s
    # no episode: no time to capacity to show (not "0 s", which reads as instant capacity)
    assert list(summary["Longest time to capacity"]) == ["-", "-"]
    caption = sections.scaling_behaviour(small_analysis).tables[2].caption
    assert caption.endswith("Closed by: pods (the pods that became Ready ended it), load (the "
                            "offered load fell below the Ready pods' capacity first: capacity was "
                            "not reached, the parts time the scale-up until then) or end (the run "
                            "ended first)")
    # small.yaml has no simulation section: the cluster-autoscaler preset and the defaults
    # (nodes.ClusterAutoscalerSpec, the controller's 15 s sync, metrics-server's 15 s)
    assert dict(zip(settings["Setting"], settings["Value"], strict=True)) == {
        "Traffic step": "15 s", "HPA sync period": "15 s", "Metrics resolution": "15 s",
        "Node autoscaler": "cluster-autoscaler", "Node scan interval": "10 s",
        "Node provisioning (scan to Ready)": "120 s", "Unneeded node removed after": "600 s",
        "No removal after a node addition for": "600 s",
        # gcd(15 s traffic step, 15 s sync, 15 s metrics, 10 s scan) = 5 s
        "Simulation tick (the cadences' greatest common divisor)": "5 s"}


def test_architecture_tables(small_analysis: PlanAnalysis) -> None:
    p = sections.proposed_architecture(small_analysis)
    group = p.tables[1].frame.iloc[0]
    # no launch template: EKS's own root volumes, gp2 of Terraform's default disk_size 20
    assert (group["Disk (GiB)"], group["Disk type"]) == (20, "gp2")
    workload = p.tables[2].frame.iloc[0]
    assert workload["Replicas"] == "2-8"
    assert workload["HPA metrics"] == "cpu 70 % of requests"
    assert workload["Pod start-up"] == "20 s"  # image 5 s + app 10 s + readiness delay 5 s
    assert workload["Scale down"] == "controller default"  # the HPA has no behavior block
    assert workload["Traffic share"] == "100 %"  # traffic_share 1.0 (the default)
    assert workload["Behind load balancer"] == "yes"  # behind_load_balancer true (the default)
    current = sections.current_state(small_analysis).tables[0].frame.iloc[0]
    assert current["Attributes"].startswith("instance_type=t3.medium")


def test_testing_plan_shows_the_simulated_outcome(small_analysis: PlanAnalysis) -> None:
    tests = sections.testing_plan(small_analysis).tables[0].frame
    assert list(tests["Simulated outcome"]) == [
        # 40 rps against 2 pods of 40 rps each: never under capacity (audit27 A27-5)
        "api: SLOs met 2 of 2, peak replicas 2, 0.00 % dropped, 0 flap(s) (reversals within "
        "5 min), no under-capacity episode", "-"]


def test_security_counts_and_rollback(small_analysis: PlanAnalysis) -> None:
    assert sections.security(small_analysis).parts[0] == "<p>3 items: 2 planned, 1 done.</p>"
    rollback = sections.rollback_plan(small_analysis)
    assert list(rollback.tables[0].frame["Automatic"]) == ["yes"]
    # ApiDown has no `simulated` mapping: nothing to say when it would fire (audit27 A27-3)
    assert list(rollback.tables[0].frame["Fires in the simulation"]) == [
        "not simulated (no simulated mapping)"]
    assert ("<ol class=\"rollback-steps\"><li>route traffic back to the instance</li>"
            "<li>scale the Deployment to 0</li></ol>") in rollback.parts


def test_review_status_section(small_analysis: PlanAnalysis) -> None:
    s = sections.review_status(small_analysis)
    assert field_value(s, "review-status", "Status") == "NOT SUBMITTED"
    assert ('<pre class="approve-command"><code>infra-toolkit approve '
            f"tests/data/plans/report/small.yaml --digest {small_analysis.digest} --reviewer "
            "YOUR_NAME --answer &#x27;1=YOUR "
            "ANSWER&#x27; --answer &#x27;2=YOUR ANSWER&#x27; --db "
            f"{small_analysis.review.store}</code></pre>") in s.parts
    # never submitted: approve would refuse it, so the page gives the submit command first
    submit = ('<pre class="submit-command"><code>infra-toolkit submit '
              f"tests/data/plans/report/small.yaml --db {small_analysis.review.store}"
              "</code></pre>")
    assert s.parts.index(submit) < next(i for i, p in enumerate(s.parts)
                                        if isinstance(p, str) and "approve-command" in p)



def test_review_status_says_a_plan_with_an_unpriced_line_cannot_be_approved(
        small_analysis: PlanAnalysis) -> None:
    """Issue 6: a plan with a price-not-found line cannot be approved; the page says so above
    the approve command (which refuses it), whatever its review's status."""
    line = "proposed aws_eks_node_group.general: Instance usage (Linux/UNIX, spot, m5.large)"
    subject = dataclasses.replace(small_analysis.review.subject, missing_prices=(line,))
    for status in ("REJECTED", "AWAITING APPROVAL"):
        review = dataclasses.replace(small_analysis.review, subject=subject, status=status)
        s = sections.review_status(dataclasses.replace(small_analysis, review=review))
        # region17: the fix named was a rate or a row only, where a plan in a region the
        # tables price in part needs a refresh: validate names each line's own fix
        blocked = ('<p class="cannot-approve">This plan cannot be approved while 1 cost line(s) '
                   f"have no price ({line}): the approve command below refuses it until each "
                   "is priced (`infra-toolkit validate tests/data/plans/report/small.yaml` "
                   "names each one&#x27;s fix: `infra-toolkit pricing refresh` for a region the "
                   "tables price only in part, else a rate in pricing.overrides or a row in "
                   "pricing.tables (pricing_data/README.md)) and the new digest is submitted.</p>")
        approve = next(i for i, p in enumerate(s.parts)
                       if isinstance(p, str) and "approve-command" in p)
        assert s.parts.index(blocked) < approve
    # every line priced: no such paragraph
    assert not [p for p in sections.review_status(small_analysis).parts
                if isinstance(p, str) and "cannot-approve" in p]

@pytest.mark.parametrize(("threshold", "expected"), [
    # region17: a plan in eu-west-1 with 16 lines unpriced showed "Approvers needed 2 (policy
    # basis: the monthly change as declared, +$174.63 ...)" as if that change were complete;
    # priced, its change was +$415.72. With a threshold the count may change: said so
    (Decimal("1000"), "1 (policy basis: the monthly change as declared, +$135.80, INCOMPLETE: "
                      "1 price(s) not found, so the count may change once they are priced; one "
                      "more above +$1,000.00)"),
    # without one the count is the policy's whatever the change: nothing to add
    (None, "1 (policy basis: the monthly change as declared, +$135.80)"),
])
def test_approvers_needed_says_an_unpriced_change_may_change_the_count(
        small_analysis: PlanAnalysis, threshold: Decimal | None, expected: str) -> None:
    from infra_toolkit.plan import ApprovalPolicy
    from infra_toolkit.sections_review import approvers_needed

    subject = dataclasses.replace(
        small_analysis.review.subject, monthly_cost_delta_usd=Decimal("135.80"),
        missing_prices=("current aws_nat_gateway.out: NAT gateway",),
        policy=ApprovalPolicy(1, threshold))
    a = dataclasses.replace(small_analysis, review=dataclasses.replace(
        small_analysis.review, subject=subject))
    assert approvers_needed(a) == expected


def test_phase_dates() -> None:
    frame = phase_table([
        Phase("build", start=dt.date(2027, 3, 1), end=dt.date(2027, 3, 3)),
        Phase("cutover", start=dt.date(2027, 3, 8), duration_s=86400),
        Phase("hypercare", start=dt.date(2027, 3, 9), duration_s=7 * 86400),
        Phase("half day", start=dt.date(2027, 3, 16), duration_s=4 * 3600),
        Phase("retro", duration_s=7200),
    ])
    assert list(frame["End"]) == [dt.date(2027, 3, 3), dt.date(2027, 3, 8),
                                  dt.date(2027, 3, 15),  # 9 + 7 days - 1 (inclusive)
                                  dt.date(2027, 3, 16),
                                  dt.date(2027, 3, 17)]  # the day after half day, 2 h: one day
    assert frame["Start"].iloc[-1] == dt.date(2027, 3, 17)
    assert list(frame["Duration"]) == ["3 d", "1 d", "7 d", "4 h", "2 h"]


def test_a_phase_with_a_duration_alone_follows_the_one_before() -> None:
    # audit4 A4-D1: Build cluster from 2027-01-10 for 3 days ends 2027-01-12 (10 + 3 - 1); Cut
    # over, 1 day, starts the day after: 2027-01-13 to 2027-01-13; then 36 h rounds up to 2 days:
    # 2027-01-14 to 2027-01-15. The span: 10 to 15 January, 6 days
    phases = [Phase("Build cluster", start=dt.date(2027, 1, 10), duration_s=3 * 86400),
              Phase("Cut over", duration_s=86400), Phase("Hypercare", duration_s=36 * 3600)]
    frame = phase_table(phases)
    assert list(zip(frame["Start"], frame["End"], strict=True)) == [
        (dt.date(2027, 1, 10), dt.date(2027, 1, 12)), (dt.date(2027, 1, 13), dt.date(2027, 1, 13)),
        (dt.date(2027, 1, 14), dt.date(2027, 1, 15))]
    # a first phase with a duration alone has nothing to follow: it and the next stay undated
    undated = phase_table([Phase("Plan", duration_s=86400), Phase("Build", duration_s=86400)])
    assert list(undated["Start"]) == [None, None] and list(undated["End"]) == [None, None]


def test_timeline_span(small_analysis: PlanAnalysis) -> None:
    t = sections.timeline(small_analysis)
    # hypercare ends 2027-03-15 (9 + 7 - 1); retro, 2 h alone, follows on 2027-03-16
    assert t.parts[0] == "<p>From 2027-03-01 to 2027-03-16: 16 days.</p>"


def test_timeline_dates_name_their_weekday(small_analysis: PlanAnalysis) -> None:
    # reader21: a phase on a weekend looked like any other date. By hand: 2027-01-01 is a
    # Friday; 2027-03-01 is 31 + 28 = 59 days later, 59 = 8 x 7 + 3, so a Monday; build ends
    # on the Wednesday 2027-03-03; cutover 2027-03-08 is a Monday again, hypercare 2027-03-09
    # (Tue) to 2027-03-15 (Mon), retro 2027-03-16 (Tue)
    (table,) = [p for p in sections.timeline(small_analysis).parts if isinstance(p, Table)]
    html = table.to_html()
    for day in ("2027-03-01 (Mon)", "2027-03-03 (Wed)", "2027-03-08 (Mon)", "2027-03-09 (Tue)",
                "2027-03-15 (Mon)", "2027-03-16 (Tue)"):
        assert f"<td>{day}</td>" in html, day
    assert "each with its weekday" in table.caption


def test_risks_ranked_by_severity_times_likelihood() -> None:
    frame = risk_table([Risk("slow start", "low", "high", "warm pods"),
                        Risk("data loss", "critical", "low", "backups"),
                        Risk("cost overrun", "medium", "medium", "budgets")])
    # scores: 1 x 3 = 3, 4 x 1 = 4, 2 x 2 = 4; ties keep the plan's order
    assert list(zip(frame["Risk"], frame["Score"], strict=True)) == [
        ("data loss", 4), ("cost overrun", 4), ("slow start", 3)]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_section_renders(small_analysis: PlanAnalysis, function: object) -> None:
    section = function(small_analysis)  # type: ignore[operator]
    html = section._repr_html_()
    assert html.startswith(f'<section class="report-section"><h2 id="{section.anchor}">')
    assert html.endswith("</section>")
    for table in section.tables:  # each table the section holds is drawn in its HTML
        assert table.to_html() in html


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        # the simulated change is above the threshold, the declared one is not: said so
        (200, "1 (policy basis: the monthly change as declared, +$135.80; one more above "
              "+$200.00); the simulated change of 'steady', +$207.88, is above $200.00, but the "
              "policy does not count it"),
        # both on the same side of it: nothing to point out
        (100, "2 (policy basis: the monthly change as declared, +$135.80; one more above "
              "+$100.00)"),
    ],
)
def test_approvers_needed_states_the_policy_basis(
    tmp_path: Path, threshold: int, expected: str
) -> None:
    from infra_toolkit.analysis import analyze_plan

    # The small plan with its node group declared at 0 nodes (min 0): the simulation runs the
    # two pods of 'steady' on 1 m5.large node all hour, so:
    #   declared proposed  = 310.965 - 2 x 730 x 0.096 (140.16) - 2 x 20 GB x 0.10 (4.00)
    #                      = 166.805; change 166.805 - 31.008 = +135.797
    #   simulated proposed = 310.965 - 1 x 730 x 0.096 (70.08) - 1 x 20 x 0.10 (2.00)
    #                      = 238.885; change 238.885 - 31.008 = +207.877
    data = yaml.safe_load((REPO_ROOT / SMALL_PLAN).read_text())
    data["proposed"]["resources"][1]["scaling_config"] = {
        "desired_size": 0, "min_size": 0, "max_size": 4}
    data["approval_policy"]["extra_approver_above_monthly_increase_usd"] = threshold
    shutil.copytree(REPO_ROOT / "tests/data/plans/manifests", tmp_path / "manifests")
    (tmp_path / "report").mkdir()
    plan = tmp_path / "report" / "zero.yaml"
    plan.write_text(yaml.safe_dump(data))
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    shown = html.escape(expected)
    assert field_value(sections.overview(a), "headline-figures",
                       "Monthly change (expected scenario &#x27;steady&#x27;)") == \
        "+$207.88" + UNKNOWN_CHANGE
    assert field_value(sections.overview(a), "headline-figures", "Approvers needed") == shown
    assert field_value(sections.cost_summary(a), "cost-totals",
                       "Approvers needed under the plan&#x27;s policy") == shown
    assert field_value(sections.review_status(a), "review-status", "Approvers needed") == shown
    assert a.review.subject.approvers_needed == int(expected[0])  # what status and gate count


@pytest.mark.parametrize(("down", "shown"), [
    # scaleDown without a window: the controller's 300 s downscale stabilization
    # (maybeInitScaleDownStabilizationWindow), the window the simulator runs, not 0 s
    (None, "window 300 s (the controller's default), Max of: Percent 100 per 15 s"),
    ({"stabilizationWindowSeconds": 0}, "window 0 s, Max of: Percent 100 per 15 s"),
    ({"stabilizationWindowSeconds": 120, "policies": [
        {"type": "Pods", "value": 1, "periodSeconds": 60}]},
     "window 120 s, Max of: Pods 1 per 60 s"),
])
def test_the_scale_down_window_shown_is_the_one_simulated(tmp_path: Path, down: object,
                                                          shown: str) -> None:
    # audit14 A14-3: a behavior giving only scaleUp showed "window 0 s" for scale-down
    from infra_toolkit.analysis import analyze_plan

    manifests = REPO_ROOT / "tests/data/plans/manifests"
    shutil.copytree(manifests, tmp_path / "manifests")
    hpa = yaml.safe_load((manifests / "hpa.yaml").read_text())
    hpa["spec"]["behavior"] = {"scaleUp": {"policies": [
        {"type": "Pods", "value": 2, "periodSeconds": 60}]}}
    if down is not None:
        hpa["spec"]["behavior"]["scaleDown"] = down
    (tmp_path / "manifests/hpa.yaml").write_text(yaml.safe_dump(hpa))
    (tmp_path / "report").mkdir()
    plan = tmp_path / "report/small.yaml"
    plan.write_text((REPO_ROOT / SMALL_PLAN).read_text())
    analysis = analyze_plan(plan, store_location=str(tmp_path / "none"), horizon_h=0.25)
    row = sections.proposed_architecture(analysis).tables[2].frame.iloc[0]
    # the scaleUp the plan gives; Kubernetes' default selectPolicy Max and window 0 s
    assert row["Scale up"] == "window 0 s, Max of: Pods 2 per 60 s"
    assert row["Scale down"] == shown


def test_scaling_behaviour_says_what_each_scenario_replays(small_analysis: PlanAnalysis) -> None:
    # audit24 A24-3: the report named its scenarios ('flash-crowd', projected to $577.45 a
    # month) without ever saying what traffic they were; the plan's descriptions now lead the
    # section, with the source. tests/data/plans/report/small.yaml: steady "40 req/s for an
    # hour", synthetic constant, 1h; double "80 req/s for an hour".
    page = sections.scaling_behaviour(small_analysis)._repr_html_()
    assert ('<table class="scenarios"><tbody><tr><th>steady</th><td>40 req/s for an hour '
            '(traffic: synthetic constant, 1 h)</td></tr><tr><th>double</th><td>80 req/s for '
            'an hour (traffic: synthetic constant, 1 h)</td></tr></tbody></table>') in page
    # before the summary table, which still comes first among the section's tables
    assert page.index('class="scenarios"') < page.index("scaling-summary")


@pytest.mark.parametrize(("traffic", "text"), [
    (CsvTraffic(Path("plans/traces/day.csv"), start=dt.datetime(1995, 7, 13, 4, tzinfo=dt.UTC),
                end=dt.datetime(1995, 7, 14, 4, tzinfo=dt.UTC), scale=37.89),
     "CSV day.csv, 1995-07-13T04:00:00+00:00 to 1995-07-14T04:00:00+00:00, x 37.89"),
    (CsvTraffic(Path("evening.csv"), peak_rps=480.0),
     "CSV evening.csv, scaled to a peak of 480 rps"),
    # newplans: a file with a 30-minute exporter gap replayed with rates the file lacks
    (CsvTraffic(Path("orders.csv"), interpolate_gaps=True),
     "CSV orders.csv, its gaps filled linearly (interpolate_gaps)"),
    # 1000 users x 1 request / (5 s think + 0.2 s response) = 192.307... rps; its ramps (600 s
    # = 10 min up, 300 s = 5 min down) with the hold, 10 + 30 + 5 = the 45 min the run lasts
    (LoadTest(users=1000, requests_per_user_per_s=1 / 5.2, ramp_up_s=600, hold_s=1800,
              ramp_down_s=300),
     "load test, 1,000 users, ramp up 10 min, 192.3 rps held for 30 min, ramp down 5 min"),
    # no ramps: the hold alone
    (LoadTest(users=50, requests_per_user_per_s=0.5, ramp_up_s=0, hold_s=600),
     "load test, 50 users, 25 rps held for 10 min"),
])
def test_scenario_sources_in_a_few_words(traffic: object, text: str) -> None:
    from infra_toolkit.sections_scaling import _source_text

    assert _source_text(Scenario("s", "d", traffic)) == text  # type: ignore[arg-type]


def test_a_whole_csv_scenario_says_when_it_starts() -> None:
    # author23: a CloudWatch export in JST, first row 2026-11-17T00:00:00+09:00, replayed
    # whole: the report gave every time from the scenario's start ("first violated at 14 h
    # 30 min") and never the instant that start is; 00:00 JST is 15:00 UTC the day before
    from infra_toolkit.sections_scaling import _source_text

    scenario = Scenario("tuesday", "d", CsvTraffic(Path("reco.csv")))
    start = pd.Timestamp("2026-11-17T00:00:00+09:00")
    assert _source_text(scenario, start) == (
        "CSV reco.csv, starting 2026-11-16T15:00:00Z (UTC; the report's times count from it)")
    # a file without a zone is read as UTC: its first time as written
    assert _source_text(scenario, pd.Timestamp("1995-07-13T04:00:00")) == (
        "CSV reco.csv, starting 1995-07-13T04:00:00Z (UTC; the report's times count from it)")
    # seconds from the start: no instant to give
    assert _source_text(scenario, None) == "CSV reco.csv"


def test_cost_comparison_says_what_its_totals_leave_out(small_analysis: PlanAnalysis) -> None:
    # audit24 A24-6: the comparison's TOTAL row said "priced" above lines "usage unknown"; the
    # Overview said what the totals leave out, the Cost Summary did not. small.yaml's current
    # side is one t3.medium aws_instance without usage.monthly_cpu_credit_hrs: its Unlimited
    # CPU credits line has no usage; the proposed m5.large nodes do not burst.
    table = sections.cost_summary(small_analysis).tables[0]
    assert table.caption == (
        "Current vs proposed (steady), per month; TOTAL current (not counting 1 line(s) whose "
        "usage the plan does not give: aws_instance.api / CPU credits)")
    assert table.frame.iloc[-1]["Status"] == "priced"  # the CLI's status, unchanged


def test_cost_line_tables_end_in_the_total_their_rounding_note_names(
        small_analysis: PlanAnalysis) -> None:
    # reader: Current State and Components with Cost said "Monthly cost lines add up to $963.63
    # against TOTAL $963.62" (search-api) under a table with no TOTAL row. small.yaml's
    # proposed lines: EKS 730 h x 0.10 = 73.00, 2 m5.large x 730 h x 0.096 = 140.16, 40 GB gp2
    # x 0.10 = 4.00, ALB 730 h x 0.0225 = 16.425, 1,460 LCU-h x 0.008 = 11.68, egress 730 GB
    # x 0.09 = 65.70: 310.965 -> $310.97. Today: t3.medium 730 h x 0.0416 = 30.368 + 8 GB gp3
    # x 0.08 = 0.64 = 31.008 -> $31.01, its CPU credits line (usage unknown) not in it
    proposed = sections.components_with_cost(small_analysis).tables[0].to_html()
    cells = "".join(proposed.split("<td>TOTAL</td>")[1].split("</tr>")[0].split())
    assert cells == "<td></td>" * 4 + "<td>$310.97</td><td></td>"
    current = sections.current_state(small_analysis).tables[-1]
    total = current.frame.iloc[-1]
    assert (total["Resource"], total["Monthly cost"]) == ("TOTAL", Decimal("31.008"))
    assert "<td>usage unknown</td>" in current.to_html()


def test_overview_counts_the_plan_warnings_and_says_where_they_are(
        small_analysis: PlanAnalysis) -> None:
    # reader: the plan warnings (each with its fix) sat only at the end of Scaling Behaviour,
    # after the simulation settings; the Overview's headline figures did not mention them.
    # small.yaml has one: 'double' starts 2 pods under 80 rps (test_scaling_tables)
    assert ("<tr><th>Plan warnings</th><td>1: proposed.workloads[0].deployment; each with its "
            "fix in the plan warnings table at the end of Scaling Behaviour</td></tr>"
            ) in sections.overview(small_analysis).parts[2]


def test_optional_plan_text_left_out_is_shown_as_such(small_analysis: PlanAnalysis) -> None:
    # reader: the default plan's metrics table had 6 blank Description cells beside the
    # Runbook column's "-", and its Security table a Notes column blank on all 11 items.
    # small.yaml: one metric without a description, three security items without notes
    metrics = sections.monitoring(small_analysis).tables[0].frame
    assert metrics.to_dict("records") == [
        {"Metric": "request rate", "Source": "Prometheus", "Description": "-"}]
    security = sections.security(small_analysis).tables[0].frame
    assert list(security.columns) == ["Item", "Status"]
    assert security.to_dict("records") == [
        {"Item": "IRSA", "Status": "done"}, {"Item": "private subnets", "Status": "planned"},
        {"Item": "KMS", "Status": "planned"}]


@pytest.mark.parametrize(("item", "shown"), [
    # a SPOT node group: no "usage: purchase_option=on_demand" beside capacity_type=SPOT
    ({"type": "aws_eks_node_group", "name": "w", "instance_types": ["c6i.large"],
      "capacity_type": "SPOT", "scaling_config": {"desired_size": 1, "min_size": 0,
                                                  "max_size": 2}},
     "instance_types=c6i.large, capacity_type=SPOT, scaling_config.desired_size=1, "
     "scaling_config.min_size=0, scaling_config.max_size=2, ami_type=AL2023_x86_64_STANDARD, "
     "disk_size=20"),
    # an on-demand one keeps it: there it says no commitment was priced
    ({"type": "aws_eks_node_group", "name": "w", "instance_types": ["c6i.large"],
      "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": 2}},
     "instance_types=c6i.large, scaling_config.desired_size=1, scaling_config.min_size=0, "
     "scaling_config.max_size=2, capacity_type=ON_DEMAND, ami_type=AL2023_x86_64_STANDARD, "
     "disk_size=20; usage: purchase_option=on_demand"),
])
def test_a_spot_resource_shows_no_on_demand_purchase_option(item: dict[str, object],
                                                            shown: str) -> None:
    from infra_toolkit.pricing import load_price_book
    from infra_toolkit.resources import parse_resources
    from infra_toolkit.sections_architecture import _attributes

    (r,) = parse_resources([item], default_region="us-east-1", price_book=load_price_book())
    assert _attributes(r) == shown
