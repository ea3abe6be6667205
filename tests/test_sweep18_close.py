"""``infra-toolkit sweep`` when no variant meets every SLO, and when rows tie on cost
(sweepclose18): every simulated row, a screened one too, carries its summary row's figures
(``summary_violation_minutes``, ``max_p95_latency_ms``, ``scale_events``), labelled as the summary
row's; failing rows rank nearest to passing first; rows tied on cost rank by the cost over all
chosen scenarios, summary minutes, peak replicas and scale events before the grid's order.

The small plan (tests/test_tuning.py gives its arithmetic): workload ``api`` (200m CPU request,
20m + 5m per req/s, 40 req/s per pod, HPA 2..8 at 70 % CPU, the Deployment starting 2 pods; image
pull 5 s, app start 10 s, readiness initialDelaySeconds 5) alone on node group ``general``
(m5.large, 2..4 nodes); scenario ``steady``: 40 req/s for 1 h in 5 s steps, HPA sync every 15 s;
p95 of a pod at r of its 40 req/s: ln(20) / (40 - r) s; a month of 2 nodes: m5.large $144.16,
t3.medium $64.74.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.plan import Plan, read_plan
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.pricing import load_price_book
from infra_toolkit.tuning import sweep_workload
from infra_toolkit.tuning_format import format_sweep
from infra_toolkit.tuning_grid import Variant, parse_vary
from infra_toolkit.tuning_table import RANK_RULE, blank_row, ranked_table
from tests.conftest import REPO_ROOT, SMALL_PLAN

MANIFESTS = REPO_ROOT / "tests" / "data" / "plans" / "manifests"
P95 = Slo(name="p95 latency", metric="latency", percentile=95, threshold_ms=250)


def _strict_plan(tmp_path: Path) -> Plan:
    """The small plan with its p95 SLO at 99 ms instead of 250 ms."""
    shutil.copytree(MANIFESTS, tmp_path / "manifests")
    text = (REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/")
    text = text.replace("percentile: 95, threshold_ms: 250", "percentile: 95, threshold_ms: 99")
    (tmp_path / "plan.yaml").write_text(text)
    return read_plan(tmp_path / "plan.yaml")


def test_with_no_variant_meeting_the_slos_the_nearest_to_passing_ranks_first(
        tmp_path: Path) -> None:
    plan = _strict_plan(tmp_path)
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    result = sweep_workload(plan, book, "api",
                            parse_vary(["minReplicas=2,5", "instance_type=m5.large,t3.medium"]),
                            scenarios=["steady"])
    # minReplicas 2 (the baseline, and t3.medium): 2 pods at 20 req/s all hour (CPU 20 + 5 x 20
    # = 120m of 200m = 60 % < 70 %: no scale-up): p95 ln(20) / 20 s = 149.79 ms > 99 ms in every
    # step: 60 summary minutes. minReplicas 5: the first sync (15 s) asks for 5; the 3 new
    # pods are Ready 5 + 10 + 5 = 20 s later, at 35 s; until then 2 pods at 149.79 ms (3 or 4
    # Ready would be ln(20) / 26.67 = 112 ms, ln(20) / 30 = 99.86 ms, still over 99: they start
    # together), then 5 pods at 8 req/s: ln(20) / 32 s = 93.62 ms <= 99: steps 0, 5, ..., 30 =
    # 7 x 5 s = 35 s = 0.5833 summary minutes. 5 pods x 200m fit the 2 minimum nodes of either
    # type: the same cost as minReplicas 2. The screen rejects all three variants (max p95
    # 149.79 > 99); the baseline, run, fails by the report's rule for 60 min
    t = result.table
    got = [(r["minReplicas"], r["instance_type"], r["status"], r["checked_by"], r["monthly_usd"],
            round(r["steady:summary_violation_minutes"], 4),
            round(r["steady:max_p95_latency_ms"], 2),
            r["steady:peak_replicas"], r["steady:scale_events"])
           for r in t.to_dict("records")]
    # ranked by cost, (2, t3.medium) came first and the two closest to passing 2nd and 4th
    assert got == [
        (5, "t3.medium", "fails SLOs", "summary screen", Decimal("64.74"), 0.5833, 149.79, 5, 1),
        (5, "m5.large", "fails SLOs", "summary screen", Decimal("144.16"), 0.5833, 149.79, 5, 1),
        (2, "t3.medium", "fails SLOs", "summary screen", Decimal("64.74"), 60.0, 149.79, 2, 0),
        (2, "m5.large", "fails SLOs", "report rule", Decimal("144.16"), 60.0, 149.79, 2, 0)]
    assert list(t["baseline"]) == [False, False, False, True]
    # the report's minutes only where the report's rule ran: the baseline's 720 steps
    assert math.isnan(t["steady:p95 latency:violation_minutes"].iloc[0])
    assert t["steady:p95 latency:violation_minutes"].iloc[3] == 60.0
    assert result.summary_p95_threshold_ms == 99.0
    # every format gives the screened rows' figures, labelled as the summary row's
    text = format_sweep(result, "table")
    assert ("summary-row figures, every simulated row's: max p95 ms = the run's highest p95 "
            "latency; summary min = minutes with p95 over 99 ms, requests dropped or pods "
            "saturated (the simulator's summary row: one figure a scenario, not the report's "
            "per-SLO check)") in text
    assert f"\n{RANK_RULE}\n" in text
    header = next(ln for ln in text.splitlines() if ln.lstrip().startswith("rank "))
    first = text.splitlines()[text.splitlines().index(header) + 1]
    # ... 149.79 max p95 ms, 0.58 summary min, then the screen's bare NO and the unjudged ?
    assert first.split()[-4:] == ["149.79", "0.58", "NO", "?"]
    doc = json.loads(format_sweep(result, "json"))
    steady = doc["variants"][0]["scenarios"]["steady"]
    assert (steady["summary_violation_minutes"], steady["max_p95_latency_ms"],
            steady["scale_events"]) == (0.583, 149.79, 1)
    assert steady["slos"]["p95 latency"] == {"met": False, "violation_minutes": None}
    assert doc["summary_p95_threshold_ms"] == 99.0 and doc["rank_rule"] == RANK_RULE
    row = next(csv.DictReader(io.StringIO(format_sweep(result, "csv"))))
    assert (row["steady:summary_violation_minutes"], row["steady:max_p95_latency_ms"],
            row["steady:scale_events"]) == ("0.583", "149.79", "1")
    assert "meets" not in {r["status"] for r in doc["variants"]}


def test_rows_tied_on_cost_rank_by_peak_replicas_and_the_confirmation_follows() -> None:
    plan = read_plan(REPO_ROOT / SMALL_PLAN)
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    # (3, 6) before (2, 6) in the grid. minReplicas 3: the first sync (15 s) adds a pod: peak 3,
    # 1 scale event; 3 pods at 13.33 req/s, p95 ln(20) / 26.67 = 112 ms <= 250 ms: meets.
    # minReplicas 2, like the baseline: 2 pods all hour (60 % < 70 %): peak 2, no scale event,
    # p95 149.79 ms <= 250: meets. All on the 2 minimum m5.large nodes: $144.16 each.
    # --top 1: the baseline is run first, then the unrejected variants by (cost, cost over the
    # scenarios, summary minutes, peak, scale events, grid position): (2, 6) before (3, 6);
    # (2, 6) meets, and (3, 6)'s screened key (same cost, peak 3 > 2) cannot rank above it:
    # confirmation stops after 2 runs. Ranked by cost and grid position, (3, 6) was run
    # first and ranked above (2, 6), whose 2 pods do the same at the same cost
    result = sweep_workload(plan, book, "api", parse_vary(["minReplicas=3,2", "maxReplicas=6"]),
                            scenarios=["steady"], top=1)
    got = [(r["baseline"], r["minReplicas"], r["maxReplicas"], r["status"], r["monthly_usd"],
            r["steady:peak_replicas"], r["steady:scale_events"])
           for r in result.table.to_dict("records")]
    assert got == [
        (True, 2, 8, "meets SLOs", Decimal("144.16"), 2, 0),  # tied with (2, 6): grid order
        (False, 2, 6, "meets SLOs", Decimal("144.16"), 2, 0),
        (False, 3, 6, "not confirmed", Decimal("144.16"), 3, 1)]
    assert (result.confirmed, result.unsettled_count) == (2, 0)


def _rows(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of a two-scenario sweep (``steady`` ranks the cost, ``double``), each written by
    hand: ``name`` (the varied field), ``status``, the steady and double monthly cost, summary
    minutes, peak replicas and scale events per scenario."""
    plan = read_plan(REPO_ROOT / SMALL_PLAN)
    chosen = [s for s in plan.scenarios if s.name in ("steady", "double")]
    rows = []
    for i, spec in enumerate(specs):
        row = blank_row(i, Variant({"name": spec["name"]}, None, "m5.large"), chosen, [P95])
        row["status"] = spec["status"]
        row["monthly_usd"] = row["steady:monthly_usd"] = spec["usd"][0]
        row["double:monthly_usd"] = spec["usd"][1]
        for n, s in enumerate(("steady", "double")):
            row[f"{s}:summary_violation_minutes"] = spec["minutes"][n]
            row[f"{s}:peak_replicas"] = spec["peak"][n]
            row[f"{s}:scale_events"] = spec["events"][n]
        rows.append(row)
    return rows


def _row(name: str, status: str, steady_usd: str, double_usd: str, minutes: tuple[float, float],
         peak: tuple[int, int], events: tuple[int, int]) -> dict[str, Any]:
    return {"name": name, "status": status, "usd": (Decimal(steady_usd), Decimal(double_usd)),
            "minutes": minutes, "peak": peak, "events": events}


@pytest.mark.parametrize("listed", [list(range(10)), list(range(9, -1, -1))])
def test_the_rank_rule_by_hand(listed: list[int]) -> None:
    meets, fails = "meets SLOs", "fails SLOs"
    specs = [
        # a meets at 144.16 a month; over both scenarios 144.16 + 150.00 = 294.16
        _row("a", meets, "144.16", "150.00", (0.0, 0.0), (2, 4), (0, 2)),
        # b: 144.16 + 148.00 = 292.16, cheaper over the two: before every other 144.16
        _row("b", meets, "144.16", "148.00", (0.0, 0.0), (2, 4), (0, 2)),
        # c: a's costs, minutes and highest peak (4), 1 scale event < a's 2: before a
        _row("c", meets, "144.16", "150.00", (0.0, 0.0), (2, 4), (0, 1)),
        # d: a's costs, its highest peak 5 > 4: after a and c, though it never scales (0 events)
        _row("d", meets, "144.16", "150.00", (0.0, 0.0), (5, 2), (0, 0)),
        # e: a's costs, 0.5 summary minutes in double: after every 0-minute row of its cost
        _row("e", meets, "144.16", "150.00", (0.0, 0.5), (2, 2), (0, 0)),
        # f: the cheapest monthly (64.74), so first of all meeting, whatever its figures
        _row("f", meets, "64.74", "300.00", (0.0, 1.0), (8, 8), (9, 9)),
        # failing: fewest summary minutes (both scenarios added) first, then cost: g 60 + 0 =
        # 60 at 64.74; h 0.5 + 0.5 = 1 at 200.00; i 1 + 0 = 1 at 64.74: i, h, g
        _row("g", fails, "64.74", "64.74", (60.0, 0.0), (2, 2), (0, 0)),
        _row("h", fails, "200.00", "200.00", (0.5, 0.5), (8, 8), (3, 3)),
        _row("i", fails, "64.74", "64.74", (1.0, 0.0), (2, 2), (0, 0)),
        # not confirmed ranks between meeting and failing rows, by cost
        _row("j", "not confirmed", "300.00", "300.00", (0.0, 0.0), (2, 2), (0, 0)),
    ]
    # the grid's order breaks no tie here: listed forwards or backwards, one order
    rows = _rows([specs[n] for n in listed])
    plan = read_plan(REPO_ROOT / SMALL_PLAN)
    chosen = [s for s in plan.scenarios if s.name in ("steady", "double")]
    table = ranked_table(rows, ("name",), chosen, [P95])
    assert "".join(table["name"]) == "fbcadejihg"
    assert list(table["rank"]) == list(range(1, 11))
