"""``infra-toolkit sweep`` read as an SRE tuning an HPA before a review (sweepux18): the header
says when ``--horizon-h`` cut the scenarios, an outcome line counts the variants by status and
says plainly when none meets the SLOs, a legend explains the SLO cells (``?``, ``NO``), notes
several rows share print once, invalid variants below ``--top`` say why, instance types given
twice name both options, and a confirmation cut short says how to settle it.

The small plan (tests/test_tuning.py gives its arithmetic): workload ``api`` (HPA 2..8, 40
req/s a pod) alone on node group ``general`` (m5.large, 2..4 nodes, 20 GB gp2 disks); scenario
``steady``: 40 req/s for 1 h; SLOs p95 <= 250 ms and 99.9 % of requests served.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pytest

from infra_toolkit.cli import main
from infra_toolkit.errors import SpecError
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.pricing import load_price_book
from infra_toolkit.tuning import SweepResult, sweep_workload
from infra_toolkit.tuning_format import format_sweep
from infra_toolkit.tuning_grid import parse_vary
from tests.conftest import REPO_ROOT, SMALL_PLAN

SLO = Slo(name="availability", metric="availability", objective_pct=99.9)
ARM = ("instance type m6g.large: node group 'general': 'm6g.large' is arm64 but ami_type "
       "AL2 is amd64")
SMALL = [str(REPO_ROOT / SMALL_PLAN), "--workload", "api", "--scenario", "steady"]


def _result(statuses: list[str], notes: list[str]) -> SweepResult:
    """A one-field sweep of ``day`` whose rows (ranked in this order, the first the baseline)
    have these statuses and notes, its other figures written by hand."""
    n = len(statuses)
    valid = [s != "invalid" for s in statuses]
    table = pd.DataFrame({
        "rank": range(1, n + 1), "baseline": [i == 0 for i in range(n)],
        "minReplicas": range(2, n + 2), "status": statuses,
        "monthly_usd": [Decimal("10.00") if v else None for v in valid],
        "delta_monthly_usd": [Decimal("0.00") if v else None for v in valid],
        "request_share_monthly_usd": [None] * n, "claimed_volumes_monthly_usd": [None] * n,
        "checked_by": ["report rule" if s == "meets SLOs" else "summary screen"
                       if s == "fails SLOs" else "" for s in statuses],
        "note": notes, "day:dropped_pct": [0.0 if v else None for v in valid],
        "day:peak_replicas": [2 if v else None for v in valid],
        "day:node_hours": [2.0 if v else None for v in valid],
        "day:monthly_usd": [None] * n, "day:request_share_monthly_usd": [None] * n,
        "day:monthly_note": [""] * n, "day:scale_events": [0 if v else None for v in valid],
        "day:max_p95_latency_ms": [100.0 if v else None for v in valid],
        "day:summary_violation_minutes": [0.0 if v else None for v in valid],
        "day:availability:met": pd.Series([True if s == "meets SLOs" else False
                                           if s == "fails SLOs" else None for s in statuses],
                                          dtype=object),
        "day:availability:violation_minutes": [0.0 if s == "meets SLOs" else float("nan")
                                               for s in statuses]})
    return SweepResult(workload="api", fields=("minReplicas",), scenarios=("day",),
                       cost_scenario="day", slos=(SLO,), table=table,
                       confirmed=statuses.count("meets SLOs"))


def test_a_horizon_is_stated_in_the_header_and_in_json(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    # --horizon-h 0.5 runs the first half hour of the 1 h steady scenario: the baseline's 2
    # minimum nodes give 2 x 0.5 = 1 node-hour, not the whole scenario's 2. The header said only
    # "scenarios steady", so 1 node-hour read as the whole scenario's
    assert main(["sweep", *SMALL, "--vary", "maxReplicas=2", "--horizon-h", "0.5"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert "scenarios steady (each cut to its first 0.5 h by --horizon-h); " in head
    assert main(["sweep", *SMALL, "--vary", "maxReplicas=2", "--horizon-h", "0.5",
                 "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["horizon_h"] == 0.5
    assert doc["variants"][0]["scenarios"]["steady"]["node_hours"] == 1.0
    assert main(["sweep", *SMALL, "--vary", "maxReplicas=2", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["horizon_h"] is None  # whole scenarios


def test_the_outcome_line_counts_the_variants_by_status(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    # minReplicas 1 x maxReplicas 1, 2 x m5.large, t3.medium, and the baseline (2..8 on
    # m5.large): 5 variants. maxReplicas 1 is one pod at 40 of its 40 req/s, p95 7,489 ms >
    # 250 ms on its summary row: 2 rejected by the screen (one per type); maxReplicas 2 (2 pods
    # at 20 req/s, p95 150 ms) and the baseline meet: 3 (tests/test_tuning.py)
    assert main(["sweep", *SMALL, "--vary", "minReplicas=1", "--vary", "maxReplicas=1,2",
                 "--instance-types", "m5.large,t3.medium"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == ("outcome: meets SLOs 3, fails SLOs 2 (summary screen 2, report rule 0), "
                        "not confirmed 0, invalid 0")
    assert main(["sweep", *SMALL, "--vary", "minReplicas=1", "--vary", "maxReplicas=1,2",
                 "--instance-types", "m5.large,t3.medium", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["status_counts"] == {"meets SLOs": 3, "not confirmed": 0, "fails SLOs": 2,
                                    "invalid": 0}


def test_no_variant_meeting_the_slos_is_said_plainly() -> None:
    # two variants, both rejected: the table ranked them cheapest first under "fails SLOs" with
    # nothing saying that none of the grid meets them
    text = format_sweep(_result(["fails SLOs", "fails SLOs"],
                                ["day: 99.000 % served < 99.9 %"] * 2), "table")
    assert text.splitlines()[2] == (
        "outcome: meets SLOs 0, fails SLOs 2 (summary screen 2, report rule 0), not confirmed 0, "
        "invalid 0; NO VARIANT MEETS EVERY SLO in day: the rows are those that fail, the "
        "nearest to passing first (fewest summary min), each note names what it misses; widen "
        "the grid (a higher maxReplicas or max_size, a lower target) or review the SLOs")
    # one meeting: no such sentence
    one = format_sweep(_result(["meets SLOs", "fails SLOs"], ["", "x"]), "table")
    assert "NO VARIANT MEETS" not in one


def test_the_table_explains_its_cells() -> None:
    # '?' (not judged) and a bare 'NO' (the screen's, no minutes) were explained nowhere; the
    # 'peak' column did not say of what
    text = format_sweep(_result(["meets SLOs", "fails SLOs"], ["", "x"]), "table")
    assert "day peak replicas" in text
    assert ("SLO columns: yes = met; NO <n> min = missed for n minutes (the report's SLO check); "
            "NO = rejected by the summary screen (max p95 or served share; the report's minutes "
            "not computed: compare summary min); ? = not judged (not confirmed, invalid, or "
            "already rejected on another SLO)") in text
    assert "node-h = node-hours billed from each node's launch" in text


def test_a_note_several_rows_share_prints_once_and_hidden_invalid_rows_say_why() -> None:
    result = _result(["meets SLOs", "invalid", "invalid"], ["", ARM, ARM])
    # all shown: the two invalid rows' one reason, once, naming both ranks
    notes = format_sweep(result, "table").split("\nnotes:\n")[1]
    assert notes == f"  ranks 2, 3: {ARM}"
    # --top 1 shows rank 1 only: the 2 invalid variants' reason was nowhere to be read
    text = format_sweep(result, "table", top=1)
    assert f"\ninvalid below --top: 2 x {ARM}\n" in text
    assert "notes:" not in text  # the one shown row has no note
    # JSON and CSV keep each row's own note
    doc = json.loads(format_sweep(result, "json"))
    assert [v["note"] for v in doc["variants"]] == ["", ARM, ARM]


def test_instance_types_given_twice_name_both_options(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    # --instance-types is the grid's instance_type field: '--vary instance_type is given twice'
    # named an option the user may not have typed twice
    with pytest.raises(SpecError, match=r"^instance types are given twice \(--instance-types "
                       r"and --vary instance_type set one field\); give them once: "
                       r"--instance-types T1,T2$"):
        parse_vary(["instance_type=t3.medium", "instance_type=m5.large"])
    assert main(["sweep", *SMALL, "--vary", "instance_type=t3.medium",
                 "--instance-types", "m5.large"]) == 2
    assert "error: instance types are given twice" in capsys.readouterr().err


def test_a_confirmation_cut_short_says_how_to_settle_it() -> None:
    # confirm_limit 1 (no option; 50 from the CLI) runs the baseline only. maxReplicas 2 and 3
    # both hold 2 pods at 20 req/s (CPU 20 + 5 x 20 = 120m of 200m = 60 % < 70 %), p95
    # ln(20) / 20 s = 150 ms <= 250 ms: the screen rejects neither, so both could still rank
    # among the 2 cheapest. The sentence named the limit and no way past it
    plan = read_plan(REPO_ROOT / SMALL_PLAN)
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    result = sweep_workload(plan, book, "api", parse_vary(["maxReplicas=2,3"]),
                            scenarios=["steady"], top=2, confirm_limit=1)
    assert (result.confirmed, result.unsettled_count) == (1, 2)
    assert result.unsettled == (
        "2 unrejected variant(s) not confirmed could still rank among the 2 cheapest meeting "
        "the SLOs: confirmation stopped at its limit of 1 runs; to settle them narrow the grid "
        "(fewer variants the screen cannot reject) or lower --top")


def test_a_field_with_no_value_says_to_give_one() -> None:
    # '--vary minReplicas=' read "'' is not a whole number", as if a number had been written
    with pytest.raises(SpecError, match=r"^--vary minReplicas=: give at least one value$"):
        parse_vary(["minReplicas="])


def test_the_summary_legend_says_a_pull_consumers_saturated_pods_are_not_counted(
        capsys: pytest.CaptureFixture[str]) -> None:
    # reader22: search-indexer (consumer: pull) was swept under "summary min = minutes with p95
    # over 300000 ms, requests dropped or pods saturated", but the simulator never counts a
    # pull consumer's saturated steps (simulation_timeline): its TV-spot p95 peaks at
    # 199.72 ms of work + 1,041.51 / (3 x 15) s of queue = 23,344.37 ms, 0 summary minutes
    assert main(["sweep", str(REPO_ROOT / "plans" / "search-api.yaml"), "--workload",
                 "search-indexer", "--vary", "minReplicas=2", "--scenario",
                 "tv-flash-crowd"]) == 0
    out = capsys.readouterr().out
    assert ("summary min = minutes with p95 over 300000 ms, requests dropped, a pull "
            "consumer's saturated pods judged on their value (the simulator's summary row") in out
    assert "pods saturated (" not in out
    (row,) = [ln for ln in out.splitlines() if ln.lstrip().startswith("1 baseline")]
    assert row.split()[-4:] == ["23,344.37", "0", "yes", "yes"]
    # a push workload's legend keeps its saturated pods
    result = _result(["meets SLOs"], [""])
    assert result.consumer == "push"
    assert "requests dropped or pods saturated (the simulator's" in format_sweep(
        result, "table", 10)
