"""README's "Output columns" lists (audit8 A8-18) are the columns the commands write: each
``<!-- columns: NAME -->`` list, its placeholders filled in for the run, equals the CSV header
``simulate``, ``cost`` or ``sweep`` prints; the JSON keys its sentences name are the JSON's."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from tests.conftest import REPO_ROOT
from tests.test_simulate_cli import ARGS as SIMULATE_ARGS
from tests.test_simulate_cli import DEPLOYMENT, HPA, TRAFFIC
from tests.test_tuning_cli import ARGS as SWEEP_ARGS

TODAY = ("region: us-east-1\nresources:\n"
         "  - {type: aws_instance, name: web, instance_type: t3.medium}\n")


def documented(name: str) -> list[str]:
    """The backticked names of the paragraph after ``<!-- columns: name -->`` in README."""
    text = (REPO_ROOT / "README.md").read_text()
    _, marker, rest = text.partition(f"<!-- columns: {name} -->\n")
    assert marker, f"README has no columns list {name!r}"
    return re.findall(r"`([^`]+)`", rest.split("\n\n")[0])


def _header(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    assert main(list(argv)) == 0
    return next(csv.reader(io.StringIO(capsys.readouterr().out)))


def _simulate(tmp_path: Path, fmt: str) -> list[str]:
    for name, text in (("hpa.yaml", HPA), ("deploy.yaml", DEPLOYMENT), ("t.csv", TRAFFIC)):
        (tmp_path / name).write_text(text)
    return ["simulate", "--traffic", str(tmp_path / "t.csv"), "--hpa", str(tmp_path / "hpa.yaml"),
            "--deployment", str(tmp_path / "deploy.yaml"), *SIMULATE_ARGS, "--format", fmt]


def test_simulate_csv_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # SIMULATE_ARGS run one m5.xlarge node group: one node_hours_<type> column
    expected = [c.replace("<type>", "m5.xlarge") for c in documented("simulate csv")]
    assert _header(capsys, *_simulate(tmp_path, "csv")) == expected


def test_simulate_json_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # README: the CSV's keys up to mean_time_to_capacity_s, then the three nested ones
    csv_columns = [c.replace("<type>", "m5.xlarge") for c in documented("simulate csv")]
    head = csv_columns[:csv_columns.index("mean_time_to_capacity_s") + 1]
    assert main(_simulate(tmp_path, "json")) == 0
    assert list(json.loads(capsys.readouterr().out)) == [
        *head, "node_hours_by_instance_type", "node_hours_by_node_group", "time_to_capacity"]


def test_simulate_plan_csv_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # README lists what leads the plan mode's row, then flag mode's first column and "...": the
    # rest of flag mode's columns, in order
    *lead, first = documented("simulate plan csv")
    flag_columns = [c.replace("<type>", "m5.large") for c in documented("simulate csv")]
    assert first == flag_columns[0]
    small = str(REPO_ROOT / "tests/data/plans/report/small.yaml")  # one m5.large node group
    assert _header(capsys, "simulate", small, "--scenario", "steady", "--format", "csv") == [
        *lead, *flag_columns]
    assert main(["simulate", small, "--scenario", "steady", "--format", "json"]) == 0
    (only,) = json.loads(capsys.readouterr().out)  # plan mode's JSON: a list, here of one
    keys = list(only)
    assert keys[:len(lead)] == lead and keys[len(lead)] == flag_columns[0]


def test_cost_csv_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "today.yaml").write_text(TODAY)
    assert _header(capsys, "cost", str(tmp_path / "today.yaml"), "--format", "csv") == \
        documented("cost csv")


def test_cost_compare_csv_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "today.yaml").write_text(TODAY)
    assert _header(capsys, "cost", str(tmp_path / "today.yaml"), "--compare",
                   str(tmp_path / "today.yaml"), "--format", "csv") == \
        documented("cost compare csv")


def test_sweep_csv_columns(capsys: pytest.CaptureFixture[str]) -> None:
    # SWEEP_ARGS vary minReplicas, maxReplicas and --instance-types in scenario steady; the
    # small plan's SLOs on the workload are "p95 latency" and "availability"
    fields = ["minReplicas", "maxReplicas", "instance_type"]
    expected: list[str] = []
    for c in documented("sweep csv"):
        if c == "<field>":
            expected += fields
        elif "<slo>" in c:
            continue  # added per SLO below, after the scenario's own columns
        else:
            expected.append(c.replace("<scenario>", "steady"))
    slo_columns = [c for c in documented("sweep csv") if "<slo>" in c]
    for slo in ("p95 latency", "availability"):
        expected += [c.replace("<scenario>", "steady").replace("<slo>", slo) for c in slo_columns]
    assert _header(capsys, "sweep", *SWEEP_ARGS, "--format", "csv") == expected


def _sentence(start: str, end: str) -> str:
    text = " ".join((REPO_ROOT / "README.md").read_text().split())
    return text.split(start, 1)[1].split(end, 1)[0]


def _outside_parentheses(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", re.sub(r"\([^()]*\)", "", text))


def test_cost_json_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "Its JSON for a resources file: `currency`, `hours_per_month` (730), `components` (...),
    # ... `pricing_tables` (`name`, `path`, `sha256`, `rows`) and `notes`; for a plan, ..."
    said = _sentence("Its JSON for a resources file: ", "; for a plan,")
    (tmp_path / "today.yaml").write_text(TODAY)
    assert main(["cost", str(tmp_path / "today.yaml"), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == _outside_parentheses(said)
    assert out["hours_per_month"] == 730 and "`hours_per_month` (730)" in said
    tables = re.search(r"`pricing_tables` \(([^)]*)\)", said)
    assert tables and list(out["pricing_tables"][0]) == re.findall(r"`(\w+)`", tables.group(1))
    line = out["components"][0]
    assert {"name", "monthly_usd", "price_source"} <= set(line)
    assert isinstance(line["price_source"], dict)  # "`price_source` an object"
    # for a plan (or --compare): components side by side, `current` / `proposed` each that object
    assert main(["cost", str(tmp_path / "today.yaml"), "--compare", str(tmp_path / "today.yaml"),
                 "--format", "json"]) == 0
    compared = json.loads(capsys.readouterr().out)
    assert list(compared["current"]) == list(compared["proposed"]) == list(out)
    assert "monthly_usd" in compared["components"][0]


def test_sweep_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    # "Its JSON nests the same figures: `variants[]` with `values` (...) and
    # `scenarios.<scenario>` with `slos.<slo>`, beside `horizon_h` (...), `status_counts` (...),
    # `rank_rule` (...), `summary_p95_threshold_ms` (...) and `summary_latency_thresholds_ms`
    # (...)", and the confirmation's
    # "JSON `unsettled_count` and the sentence `unsettled`"
    said = _sentence("Its JSON nests the same figures: ", " (keys in")
    top = _outside_parentheses(said.split(" beside ", 1)[1])
    assert top == ["horizon_h", "status_counts", "rank_rule", "summary_p95_threshold_ms",
                   "summary_latency_thresholds_ms"]
    assert "JSON `unsettled_count` and the sentence `unsettled`" in \
        " ".join((REPO_ROOT / "README.md").read_text().split())
    assert main(["sweep", *SWEEP_ARGS, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(top) | {"variants", "unsettled_count", "unsettled"} <= set(out)
    variant = out["variants"][0]
    assert {"values", "scenarios"} <= set(variant)
    assert "slos" in variant["scenarios"]["steady"]
