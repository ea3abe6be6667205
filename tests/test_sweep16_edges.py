"""``infra-toolkit sweep`` audited as an SRE picks a configuration with it (sweep16): the table
prints node-hours as JSON and CSV give them, a rejection note never reads as the objective it
misses, and edge inputs are one message naming the option, the value and the fix."""

from __future__ import annotations

import csv
import io
import json
import time

import pandas as pd
import pytest

from infra_toolkit.cli import main
from infra_toolkit.errors import SpecError
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.tuning import SweepResult
from infra_toolkit.tuning_format import format_sweep
from infra_toolkit.tuning_grid import parse_vary
from infra_toolkit.tuning_screen import _screen
from tests.conftest import REPO_ROOT, SMALL_PLAN

SLO = Slo(name="availability", metric="availability", objective_pct=99.9)


def _result(node_hours: list[float]) -> SweepResult:
    """Two ranked rows of a one-field sweep, its figures written by hand."""
    n = len(node_hours)
    table = pd.DataFrame({
        "rank": range(1, n + 1), "baseline": [i == 0 for i in range(n)],
        "minReplicas": range(2, n + 2), "status": ["meets SLOs"] * n,
        "monthly_usd": [None] * n, "delta_monthly_usd": [None] * n,
        "request_share_monthly_usd": [None] * n, "claimed_volumes_monthly_usd": [None] * n,
        "checked_by": ["report rule"] * n,
        "note": [""] * n, "day:dropped_pct": [0.0] * n, "day:peak_replicas": [4] * n,
        "day:node_hours": node_hours, "day:monthly_usd": [None] * n,
        "day:request_share_monthly_usd": [None] * n, "day:monthly_note": [""] * n,
        "day:scale_events": [0] * n, "day:max_p95_latency_ms": [100.0] * n,
        "day:summary_violation_minutes": [0.0] * n,
        "day:availability:met": [True] * n, "day:availability:violation_minutes": [0.0] * n})
    return SweepResult(workload="api", fields=("minReplicas",), scenarios=("day",),
                       cost_scenario="day", slos=(SLO,), table=table, confirmed=n)


def test_the_table_prints_node_hours_to_3_decimals_as_json_and_csv() -> None:
    # 95 h 23.5 min = 95 + 23.5 / 60 = 95.391666... h: 95.392 to 3 decimals (the table printed
    # 6 significant digits, 95.3917); 1234.5678 h: 1234.568 (it printed 1234.57); 72.0: 72
    hours = [95 + 23.5 / 60, 1234.5678, 72.0]
    result = _result(hours)
    table = format_sweep(result, "table")
    body = table.splitlines()[-3:]
    # node-h, then max p95 ms, summary min and the availability cell
    assert [line.split()[-4] for line in body] == ["95.392", "1234.568", "72"]
    rows = list(csv.DictReader(io.StringIO(format_sweep(result, "csv"))))
    assert [r["day:node_hours"] for r in rows] == ["95.392", "1234.568", "72.0"]
    doc = json.loads(format_sweep(result, "json"))
    assert [v["scenarios"]["day"]["node_hours"] for v in doc["variants"]] == \
        [95.392, 1234.568, 72.0]


def test_an_availability_rejection_never_prints_the_objective_it_misses() -> None:
    # 99,899.6 of 100,000 served = 99.8996 %: to the nearest 3 decimals 99.900, which read
    # "99.900 % served < 99.9 %"; rounded down it is 99.899
    row = {"max_p95_latency_ms": 100.0, "offered_requests": 100_000.0,
           "served_requests": 99_899.6, "dropped_requests": 100.4}
    assert _screen([SLO], row) == {"availability": "99.899 % served < 99.9 %"}


def test_a_queue_backlog_left_at_the_end_is_no_availability_rejection() -> None:
    # a queue consumer: 100,000 offered, 99,000 served, none dropped, 1,000 still queued at the
    # end: served / (served + dropped) = 100 %, not 99 % < 99.9 % (author18)
    row = {"max_p95_latency_ms": 100.0, "offered_requests": 100_000.0,
           "served_requests": 99_000.0, "dropped_requests": 0.0}
    assert _screen([SLO], row) == {}


@pytest.mark.parametrize(("texts", "match"), [
    # a negative step read "'2..6:-1' is not a whole number"
    (["minReplicas=2..6:-1"], "--vary minReplicas=2..6:-1: a range is LO..HI with LO <= HI "
                              "and an optional :STEP >= 1"),
    # (10,000,000,000 - 1) // 1 + 1 values: refused before the list is built (it raised
    # MemoryError after filling the memory)
    (["minReplicas=1..10000000000"], "--vary minReplicas=1..10000000000: 10,000,000,000 "
                                     "values, more than the limit of 20,000 variants; give a "
                                     "narrower range or a larger :STEP, or raise the limit "
                                     "with --max-variants"),
    # an empty --instance-types named the field the option becomes, '--vary instance_type='
    (["instance_type="], "--instance-types '': give at least one value"),
    (["instance_type=,"], "--instance-types ',': give at least one value"),
])
def test_bad_values_name_the_option(texts: list[str], match: str) -> None:
    start = time.perf_counter()
    with pytest.raises(SpecError) as exc:
        parse_vary(texts)
    assert match in str(exc.value)
    assert time.perf_counter() - start < 1.0  # no list of ten billion values first


def test_a_range_within_the_limit_given_is_kept() -> None:
    # 1..100000:10 -> 1, 11, ..., 99991: (100000 - 1) // 10 + 1 = 10,000 values
    (values,) = parse_vary(["minReplicas=1..100000:10"], max_variants=10_000).values()
    assert (len(values), values[0], values[-1]) == (10_000, 1, 99_991)
    with pytest.raises(SpecError, match="10,000 values, more than the limit of 9,999"):
        parse_vary(["minReplicas=1..100000:10"], max_variants=9_999)


ARGS = [str(REPO_ROOT / SMALL_PLAN), "--workload", "api", "--vary", "minReplicas=1,2"]


@pytest.mark.parametrize(("extra", "match"), [
    # steady and double are 1 h each: 2 h cuts neither, so the sweep ran them whole
    (["--scenario", "steady", "--scenario", "double", "--horizon-h", "2"],
     "error: --horizon-h 2: longer than every chosen scenario (steady 1 h, double 1 h), so it "
     "cuts none; give fewer hours, or leave --horizon-h out to simulate whole scenarios"),
    (["--instance-types", ""], "error: --instance-types '': give at least one value"),
    (["--vary", "maxReplicas=1..99999999999"],
     "error: --vary maxReplicas=1..99999999999: 99,999,999,999 values, more than the limit of "
     "20,000 variants"),
])
def test_the_cli_refuses_with_one_message(capsys: pytest.CaptureFixture[str],
                                          extra: list[str], match: str) -> None:
    assert main(["sweep", *ARGS, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith(match) and "Traceback" not in err


def test_a_horizon_of_the_whole_scenario_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    # 1 h of a 1 h scenario is that scenario whole, as simulate --horizon-h 1 runs it
    assert main(["sweep", *ARGS, "--scenario", "steady", "--horizon-h", "1",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["scenarios"] == ["steady"]


@pytest.mark.parametrize("text", ["minReplicas=1_0", "minReplicas=\u0663", "minReplicas=1..\u0663"])
def test_a_value_is_ascii_digits(text: str) -> None:
    # int() reads '1_0' as 10 and Arabic-Indic '\u0663' as 3: values nobody typed were run
    with pytest.raises(SpecError, match="is not a whole number; give whole numbers"):
        parse_vary([text])
    # a sign and spaces around a value are kept, as before: '+2, 3' is 2 and 3
    assert parse_vary(["minReplicas=+2, 3"]) == {"minReplicas": (2, 3)}


def test_the_help_says_a_horizon_longer_than_every_scenario_is_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    assert "refused when longer than every chosen scenario" in " ".join(
        capsys.readouterr().out.split())
