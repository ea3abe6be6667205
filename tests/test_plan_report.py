"""The default plan's report, built once per session by the README's check-and-report example
(tests/readme_examples.py): drawn offline in Chromium, self-contained, every section present, and
its numbers equal to the engines' and the CLI's."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest
import yaml
from bs4 import BeautifulSoup
from plotly.offline import get_plotlyjs

from infra_toolkit import __version__
from infra_toolkit.analysis import analyze_plan
from infra_toolkit.cli import main
from infra_toolkit.digest import plan_digest
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_traffic import scenario_curve
from infra_toolkit.report import find_external_references
from tests.browser import chromium_path, open_offline, print_offline
from tests.conftest import REPO_ROOT, shipped_tables_sha256
from tests.readme_examples import DEFAULT_PLAN, ReportRun

# The list (issue 5: "the seed's plan") plus the review status (issue 6, item 7).
REQUIRED_SECTIONS = [
    "Overview", "Current State", "Proposed Architecture", "Components with Cost",
    "Scaling Behaviour", "Deployment Strategy", "Monitoring and Alerts", "Cost Summary",
    "Rollback Plan", "Testing Plan", "Security", "Questions for Approval", "Timeline",
    "Risk Assessment", "Review Status",
]
# The default plan: 4 scenarios x 1 autoscaled workload x (load, latency, cost per hour), the
# time-to-capacity breakdown, the stack canary's load (1 autoscaled workload) and current vs
# proposed by resource.
FIGURES = 4 * 1 * 3 + 1 + 1 + 1


@pytest.fixture(scope="module")
def html(default_report: ReportRun) -> str:
    return default_report.html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def fields(soup: BeautifulSoup, css_class: str) -> dict[str, str]:
    table = soup.select_one(f"table.{css_class}")
    assert table is not None, css_class
    return {tr.th.get_text(): tr.td.get_text() for tr in table.select("tr")}


def rows(soup: BeautifulSoup, css_class: str) -> list[dict[str, str]]:
    table = soup.select_one(f"table.{css_class}")
    assert table is not None, css_class
    head = [th.get_text() for th in table.select("thead th")]
    return [dict(zip(head, (td.get_text() for td in tr.select("td")), strict=True))
            for tr in table.select("tbody tr")]


def test_the_cli_printed_the_path(default_report: ReportRun) -> None:
    assert re.search(r"^reports/ecommerce-eks\.html \(\d+\.\d MB, \d+\.\d s\)$",
                     default_report.stdout, re.M)
    assert default_report.html_path.is_file()


def test_opens_offline_with_every_chart_drawn(default_report: ReportRun, soup: BeautifulSoup
                                              ) -> None:
    chromium_path()
    assert len(soup.select("div.plotly-graph-div")) == FIGURES
    load = open_offline(default_report.html_path)
    assert load.page_errors == []
    assert load.blocked_requests == []
    assert load.plots == FIGURES
    assert load.wider_than_page == []  # the alert rules' PromQL wraps inside its cells
    assert load.split_numbers == []  # but no price or count is cut in two ($0.041 / 6)
    # the approve command is a grey box (#f5f5f5, padded 0.6em), not white unpadded text in
    # the prose flow as JupyterLab's own pre rule drew it
    styles = {cls: (bg, pad) for cls, bg, pad in load.pre_styles}
    assert styles["approve-command"][0] == "rgb(245, 245, 245)"
    assert styles["approve-command"][1] != "0px"



def test_no_table_passes_the_page_in_a_side_panel_or_on_paper(default_report: ReportRun) -> None:
    # visual23: at 1000 px the cost table (price sources) and the scaling summary (13 columns)
    # ran past the page, their scrollbar at the foot of the whole section's output; each table
    # now scrolls in its own box and a price source wraps in its cell. On paper nothing
    # scrolls: every table prints as a table in 7.5 pt type (7.5 x 96 / 72 = 10 px).
    chromium_path()
    load = open_offline(default_report.html_path, width_px=1000)
    assert load.wider_than_page == []
    assert load.split_numbers == []
    printed = print_offline(default_report.html_path)
    assert set(printed.table_displays) == {"table"}
    assert set(printed.table_font_sizes) == {"10px"}
    assert len(printed.chart_widths_px) == FIGURES
    assert set(printed.chart_widths_px) == {640}

def test_self_contained(html: str) -> None:
    assert html.count(get_plotlyjs()[:40]) == 1  # plotly.js exactly once
    assert find_external_references(html) == []
    # issue 5's target: under 6 MB. plotly.js 4.8 MB + JupyterLab's CSS ~0.26 MB + 15 figures
    # ~0.1 MB (x as x0/dx) + tables and text ~0.1 MB = 5.27 MB measured (5.47 MB with each
    # figure's x per trace)
    assert len(html.encode("utf-8")) < 6_000_000
    # no code and not the notebook's own header (tagged report-hide)
    assert "analyze_plan(" not in html and "left out of the HTML report" not in html


def test_every_required_section(soup: BeautifulSoup) -> None:
    assert [h.get_text() for h in soup.select("section.report-section > h2")] == \
        REQUIRED_SECTIONS
    title = read_plan(REPO_ROOT / DEFAULT_PLAN).metadata.title
    assert [h.get_text() for h in soup.select("section.report-section > h1")] == [title]


def test_header_digest_tables_version(default_report: ReportRun, soup: BeautifulSoup) -> None:
    header = fields(soup, "report-header")
    plan = read_plan(default_report.workspace / DEFAULT_PLAN)
    assert header["Plan digest (SHA-256)"] == plan_digest(plan)
    assert header["Toolkit version"] == f"infra_toolkit {__version__}"
    assert header["Plan file"] == DEFAULT_PLAN
    assert header["Plan id"] == "ecommerce-eks"  # no metadata.id: the file name
    assert header["Pricing region"] == "us-east-1 (the plan's)"  # no region parameter
    tables = [(r["Pricing table"], r["SHA-256"]) for r in rows(soup, "pricing-tables")]
    assert tables == shipped_tables_sha256()


def test_review_status_is_the_stores(soup: BeautifulSoup) -> None:
    status = fields(soup, "review-status")
    assert status["Status"] == "AWAITING APPROVAL"  # the README example submitted it first
    # the default plan's policy: 2 approvers (its declared cost increase, 499.997 - 109.798 =
    # 390.199 USD a month by the row-by-row sums of test_approval_plans.py, is under its 500 USD
    # extra-approver line)
    assert status["Detail"] == (f"{DEFAULT_PLAN}: review-001 AWAITING APPROVAL: 0 of 2 "
                                "approver(s) so far; 2 more needed")
    assert status["Approvers needed"].startswith(
        "2 (policy basis: the monthly change as declared, +$390.20; one more above +$500.00)")
    assert status["Plan id"] == "ecommerce-eks"
    # submitted: no submit command before the approve command
    assert soup.select_one("pre.submit-command") is None
    command = soup.select_one("pre.approve-command")
    assert command is not None
    # one --answer per question of the default plan's five
    assert command.get_text() == (
        f"infra-toolkit approve {DEFAULT_PLAN} --digest {status['Digest']} --reviewer YOUR_NAME "
        + " ".join(f"--answer '{n}=YOUR ANSWER'" for n in range(1, 6)))


def test_no_python_reprs_and_totals_say_what_they_leave_out(soup: BeautifulSoup) -> None:
    text = soup.get_text(" ")
    for repr_ in ("=True", "=False", "Decimal(", "NaN", "None", "<NA>"):
        assert repr_ not in text, repr_
    db = next(r for r in rows(soup, "proposed-resources")
              if r["Resource"] == "aws_db_instance.shop")
    assert "multi_az=true" in db["Attributes"]  # as the plan's YAML writes it
    # every resource is in us-east-1, which the paragraph above the table names: no column
    # repeating it on each row
    assert set(db) == {"Resource", "Attributes"}
    # today: t3.medium 730 h x 0.0416 = 30.368, 30 GB gp3 x 0.08 = 2.40, db.t3.small 730 h x
    # 0.036 = 26.28, 50 GB gp2 x 0.115 = 5.75, 500 GB egress x 0.09 = 45.00: 109.798; the
    # plan gives no usage for RDS backup storage beyond the free allowance, nor for the t3
    # instance's and the db.t3.small's surplus CPU credits (T3 runs Unlimited by default; RDS
    # runs db.t3 Unlimited)
    assert fields(soup, "headline-figures")["Monthly cost today"] == (
        "$109.80 (not counting 3 line(s) whose usage the plan does not give: "
        "aws_instance.web / CPU credits; aws_db_instance.shop / CPU credits; "
        "aws_db_instance.shop / Additional backup storage)")


def test_episodes_at_max_replicas_say_so(soup: BeautifulSoup) -> None:
    # flash-crowd peaks at 480 rps, above maxReplicas 15 x 25 rps = 375 rps (the plan warning).
    # With 15 Ready pods an episode offers more than 375 rps, more than 15 pods' 25 rps: it
    # needs at least 16 pods on every one of its ticks, while the spec is at maxReplicas 15 all
    # along. So none of its seconds is metric lag, sync wait or a controller hold (those were
    # 15 + 45 s and 15 + 1,005 s): all are at maxReplicas, 60 s and 17 min = 1,020 s; and no
    # pod waits for a node or starts (15 pods on 3 nodes of a group of max_size 10).
    episodes = rows(soup, "time-to-capacity")
    assert [(e["Scenario"], e["Total"], e["Metric lag (s)"], e["Sync wait (s)"],
             e["Controller hold (s)"], e["At maxReplicas (s)"], e["Node provisioning (s)"],
             e["Nodes at max_size (s)"], e["Pod start-up (s)"]) for e in episodes] == [
        ("flash-crowd", "1 min", "0", "0", "0", "60", "0", "0", "0"),
        ("flash-crowd", "17 min", "0", "0", "0", "1,020", "0", "0", "0")]


def _usd(text: str) -> Decimal | None:
    return None if text == "-" else Decimal(text.replace("$", "").replace(",", ""))


def _resources_file(path: Path, region: str, raw: list[dict[str, Any]],
                    priced: tuple[Any, ...] = ()) -> Path:
    """A resources file for ``infra-toolkit cost``: the plan's resources as written, with the
    usage the report priced them with (``priced``), money-free."""
    usage = {(r.type, r.name): r.usage for r in priced}
    out = []
    for item in raw:
        item = dict(item)
        if (item["type"], item["name"]) in usage:
            item["usage"] = {k: float(v) if isinstance(v, Decimal) else v
                             for k, v in usage[item["type"], item["name"]].items()}
        out.append(item)
    path.write_text(yaml.safe_dump({"region": region, "resources": out}), encoding="utf-8")
    return path


def test_cost_table_equals_the_cost_command(default_report: ReportRun, soup: BeautifulSoup,
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    plan_path = default_report.workspace / DEFAULT_PLAN
    plan = read_plan(plan_path)
    expected = analyze_plan(plan_path, scenarios=["expected-day"],
                            store_location=str(tmp_path / "none")).run("expected-day")
    current = _resources_file(tmp_path / "current.yaml", plan.current.region,
                              plan.data["current"]["resources"])
    proposed = _resources_file(tmp_path / "proposed.yaml", plan.proposed.region,
                               plan.data["proposed"]["resources"], expected.priced_resources)
    assert main(["cost", str(proposed), "--compare", str(current), "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    shown = rows(soup, "cost-comparison")
    total = shown.pop()
    assert [(r["Resource"], r["Component"]) for r in shown] == \
        [(c["resource"], c["name"]) for c in cli["components"]]
    for row, component in zip(shown, cli["components"], strict=True):
        for column, key in (("Current / month", "current_monthly_usd"),
                            ("Proposed / month", "monthly_usd"),
                            ("Delta / month", "delta_monthly_usd")):
            want = component[key]
            assert _usd(row[column]) == (None if want is None else Decimal(str(want))), \
                (row, column)
    assert total["Resource"] == "TOTAL"
    # both sides come from the library; the current total is also the hand sum of
    # tests/test_cost_plan_cli.py (30.37 + 2.40 + 26.28 + 5.75 + 45.00 = 109.80)
    assert _usd(total["Current / month"]) == Decimal("109.80")
    assert _usd(total["Current / month"]) == Decimal(str(cli["current_total_monthly_usd"]))
    assert _usd(total["Proposed / month"]) == Decimal(str(cli["total_monthly_usd"]))
    assert _usd(total["Delta / month"]) == Decimal(str(cli["delta_monthly_usd"]))


def test_a_failing_report_names_the_cell(default_report: ReportRun, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bad.html"
    plan = str(default_report.workspace / DEFAULT_PLAN)
    # by default report refuses the value before any kernel starts (test_report.py): nothing kept
    assert main(["report", plan, "--out", str(out), "-p", "scenarios", "[no-such-scenario]"]) == 1
    assert "error: -p scenarios: unknown scenario(s) ['no-such-scenario']" in \
        capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
    # a notebook named by --notebook runs as given, so its own check fails in its cell
    status = main(["report", plan, "--out", str(out), "-p", "scenarios", "[no-such-scenario]",
                   "--notebook", str(default_report.workspace / "notebooks/plan_report.ipynb")])
    assert status == 1
    err = capsys.readouterr().err
    # cells: 0 header (markdown), 1 parameters, 2 papermill's injected parameters, 3 analysis
    assert re.search(r"plan_report\.ipynb failed in cell 3 \(execution count \d+, starting "
                     r"'from infra_toolkit import charts, sections'\): PlanError: scenarios: "
                     r"unknown scenario\(s\) \['no-such-scenario'\]", err), err
    executed = nbformat.read(tmp_path / "bad.ipynb", as_version=4)
    failed = [c for c in executed.cells if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.outputs)]
    assert [c.source.splitlines()[0] for c in failed] == [
        "from infra_toolkit import charts, sections"]
    assert failed[0].outputs[-1]["ename"] == "PlanError"
    # what Jupyter and papermill show in the cell: the message naming the parameter and the
    # fix, not the frames of analysis.py it came through (before: a 20-line traceback)
    assert failed[0].outputs[-1]["traceback"] == [
        f"PlanError: scenarios: unknown scenario(s) ['no-such-scenario'] for "
        f"{default_report.workspace / DEFAULT_PLAN}; the plan's scenarios: expected-day, "
        "launch-day, flash-crowd, load-test-1000-users: give names from that list, or None for "
        "all"]
    assert f"the executed notebook with the error marked is at {tmp_path / 'bad.ipynb'}; {out} " \
        "was not written" in err
    assert not out.exists()  # no traceback page where the report goes


# The default plan's backend as `infra-toolkit simulate` flags: its model (plans/ecommerce-eks
# .yaml, workloads[0].model), the general node group (t3.medium: 2 vCPU, 4 GiB, 17 pods; 3-10
# nodes) and simulation.node_provisioning_s 150.
BACKEND_FLAGS = [
    "--hpa", "plans/ecommerce-eks/backend-hpa.yaml",
    "--deployment", "plans/ecommerce-eks/backend-deployment.yaml",
    "--capacity-rps-per-pod", "25", "--cpu-millicores-per-rps", "10",
    "--baseline-cpu-millicores", "25", "--startup-cpu-millicores", "400", "--startup-cpu-s", "30",
    "--image-pull-s", "8", "--app-start-s", "12", "--concurrency", "1",
    "--memory-baseline-mib", "300", "--memory-mib-per-rps", "4", "--slo-p95-latency-ms", "300",
    "--instance-type", "t3.medium", "--vcpu", "2", "--memory-gib", "4", "--max-pods", "17",
    "--min-nodes", "3", "--max-nodes", "10", "--provisioning-delay-s", "150",
]


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text.split(" (")[0]))


@pytest.mark.parametrize("scenario", ["load-test-1000-users", "flash-crowd"])
def test_scaling_summary_equals_the_simulate_command(
        default_report: ReportRun, soup: BeautifulSoup, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        scenario: str) -> None:
    import pandas as pd

    from infra_toolkit.plan_traffic import scenario_curve

    plan = read_plan(default_report.workspace / DEFAULT_PLAN)
    (chosen,) = [s for s in plan.scenarios if s.name == scenario]
    curve = scenario_curve(chosen, plan.simulation.step_s)
    csv = tmp_path / "traffic.csv"
    times = pd.Timestamp("2026-01-01T00:00:00Z") + pd.to_timedelta(
        curve.step_s * np.arange(curve.rps.size), unit="s")
    pd.DataFrame({"timestamp": times.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "requests_per_second": [repr(float(v)) for v in curve.rps]}).to_csv(
        csv, index=False)
    monkeypatch.chdir(default_report.workspace)
    capsys.readouterr()
    assert main(["simulate", "--traffic", str(csv), "--step-s", "15", *BACKEND_FLAGS,
                 "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    (shown,) = [r for r in rows(soup, "scaling-summary") if r["Scenario"] == scenario]
    for column, key in (("Peak replicas", "peak_replicas"), ("Scale events", "scale_events"),
                        ("Flaps", "flaps"), ("Node scale-ups", "node_scale_ups"),
                        ("Under-capacity episodes", "capacity_episodes")):
        assert int(shown[column]) == cli[key], column
    assert _number(shown["Max p95"]) == pytest.approx(cli["max_p95_latency_ms"], abs=0.5)
    assert _number(shown["Dropped requests (%)"]) == pytest.approx(
        100 * cli["dropped_requests"] / cli["offered_requests"], abs=0.05)


def test_deployment_strategy_shows_the_canary_and_each_rollout(soup: BeautifulSoup) -> None:
    # the default plan's canary: pauses 30 min, 1 h, 2 h, then a manual promotion at 100 %
    steps = rows(soup, "canary-steps")
    assert [(r["Traffic weight (%)"], r["Elapsed at the step's end"]) for r in steps] == [
        ("5", "30 min"), ("25", "1 h 30 min"),  # 30 min + 1 h
        ("50", "3 h 30 min"), ("100", "at least 3 h 30 min")]  # + 2 h; then a person decides
    bake = soup.select_one("p.canary-bake")
    assert bake is not None
    assert bake.get_text() == ("Bake time: at least 3 h 30 min (the automatic pauses 30 min + "
                               "1 h + 2 h, plus the wait for a manual promotion).")
    # backend: at the expected scenario's peak (the scaling summary's own figure), at the
    # HPA's minReplicas 3 and its maxReplicas 15 (backend-hpa.yaml); time to Ready: image
    # pulled at 8 s, app up at 8 + 12 = 20 s (the plan's model), the readiness probe skipped
    # until 8 + 20 = 28 s (initialDelaySeconds 20, backend-deployment.yaml), and its 5 s grid
    # from the bind (periodSeconds 5) next ticks at 30 s: 30 s
    (peak,) = [r["Peak replicas"] for r in rows(soup, "scaling-summary")
               if r["Scenario"] == "expected-day"]
    assert rows(soup, "rollout") == [
        {"Workload": "backend", "Rolled at": "peak replicas in 'expected-day'",
         "Replicas": peak, "Time to Ready": "30 s"},
        {"Workload": "backend", "Rolled at": "minReplicas", "Replicas": "3",
         "Time to Ready": "30 s"},
        {"Workload": "backend", "Rolled at": "maxReplicas", "Replicas": "15",  # backend-hpa.yaml
         "Time to Ready": "30 s"}]
    ready = soup.select_one("p.rollout-ready")
    assert ready is not None
    assert ready.get_text() == (
        "time to Ready of backend (image pull and app start from the workload model, probes from "
        "the Deployment): image pull 8 s, app start 12 s; readiness probe every 5 s from the "
        "pod's bind, initial delay 20 s: first success at or after max(20, 12) s after the "
        "pull, on the probe grid = 30 s.")


def test_the_stack_canary_is_simulated_step_by_step(soup: BeautifulSoup, html: str) -> None:
    # deployment_strategy.canary.start '04:00' (00:00 EDT on the July trace; the change window
    # opens at 00:00 EST, 05:00 UTC, in January) and
    # expected-day starts 1995-07-12T04:00Z: the canary starts at the scenario's first second.
    # Steps: 04:00 5 % for 30 min, 04:30 25 % for 1 h, 05:30 50 % for 2 h, 07:30 100 % held
    # (manual) to the scenario's end at 04:00 the next day: 24 h - 3 h 30 min = 20 h 30 min.
    plan = read_plan(REPO_ROOT / DEFAULT_PLAN)
    expected = scenario_curve(plan.scenarios[0], plan.simulation.step_s)
    steps = rows(soup, "canary-simulation")
    assert [(r["Step"], r["Weight (%)"], r["Starts"], r["Lasts"]) for r in steps] == [
        ("1", "5", "04:00", "30 min"), ("2", "25", "04:30", "1 h"), ("3", "50", "05:30", "2 h"),
        ("4", "100", "07:30", "20 h 30 min (to the scenario's end)")]
    # the offered rate at a step's start: the scenario's rate in that 15 s bin x the weight
    # (traffic_share 1.0); the bins of 0, 1800, 5400 and 12600 s
    for r, (bin_s, weight) in zip(steps, [(0, 0.05), (1800, 0.25), (5400, 0.5), (12600, 1.0)],
                                  strict=True):
        shown = float(r["Offered rps at the start"].replace(",", ""))
        assert shown == pytest.approx(expected.rps[bin_s // 15] * weight, abs=0.005)
    # the day's peak, 120 req/s (peak_rps), comes in the 100 % step
    assert float(steps[3]["Peak offered rps"]) == pytest.approx(120)
    # the stack waits idle at minReplicas 3 (backend-hpa.yaml): 3 x 25 = 75 req/s serve every
    # jump, the largest being 07:30's at 100 % (below 75, as the scenario's curve says)
    assert expected.rps[12600 // 15] < 75
    assert [r["Replicas: before the jump → peak → end"][:4] for r in steps] == ["3 → "] * 4
    assert [r["Under capacity after the jump"] for r in steps] == ["none"] * 4
    rule = soup.select_one("p.canary-simulation-rule")
    assert rule is not None
    assert "it starts at 04:00, the first 04:00 at or after the scenario's start at 04:00 " \
           "(deployment_strategy.canary.start, a time of day in UTC on the scenario's " \
           "dates)" in rule.get_text()
    assert "(backend: 3 Ready pods on 3 Ready nodes)" in rule.get_text()
    # plotly's JSON writes the title's "/" as \u002f; the chart stops an hour into the 100 %
    # step (07:30 + 1 h = 08:30), whose table row runs to the scenario's end, 04:00 a day on
    assert ("Canary expected-day / backend: offered vs served load, replicas and nodes"
            "\\u003cbr\\u003e\\u003csup\\u003e04:00 to 08:30; the first 1 h of step 4; the "
            "step table covers it to 04:00 (+1 d)") in html
