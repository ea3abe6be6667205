"""``simulate``'s printed summary shows KEDA's scaling to zero (keda_summary.zero_scaling_fields)
in every format, for the hand-worked run of tests/test_keda_activation.py; a run without KEDA's
scaling to zero prints as before."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.keda_summary import zero_scaling_fields
from infra_toolkit.plan_replay import WorkloadReplay, format_replays
from infra_toolkit.simulate import format_summary, simulate
from tests.test_keda_activation import ORDERS, SPEC
from tests.test_readme_columns import documented
from tests.test_simulate_cli import ARGS, idle_scaled_to_zero

# The run of test_the_queue_wakes_the_worker_at_the_next_poll_and_it_sleeps_after_the_cooldown:
# SQS messages from t = 100 s at 1 a second, KEDA polls every 30 s. At zero until KEDA's write
# at 120 (the first poll after 100: 90 < 100 <= 120) and again from its write of 0 at 720
# (last active at 390, + cooldownPeriod 300 = 690, not before the poll at 690): [0, 120) and
# [720, 1200) = 120 + 480 = 600 s of the 1,200 s run. One cold start: demand at 100, woken at
# 120 (20 s wait), Ready at 120 + 35 s start-up = 155: 155 - 100 = 55 s = 20 + 35. One
# scale-down to zero (720).
EXPECTED = {"zero_replicas_s": 600.0, "cold_starts": 1, "scale_downs_to_zero": 1,
            "longest_cold_start_s": 55.0}
RESULT = simulate(ORDERS, SPEC)


def test_the_fields_are_the_hand_worked_ones() -> None:
    assert zero_scaling_fields(RESULT) == EXPECTED


def test_json_csv_and_table_end_with_them() -> None:
    after = zero_scaling_fields(RESULT)
    data = json.loads(format_summary(RESULT.summary, "json", after=after))
    assert list(data)[-4:] == list(EXPECTED) and {k: data[k] for k in EXPECTED} == EXPECTED
    row = next(csv.DictReader(io.StringIO(format_summary(RESULT.summary, "csv", after=after))))
    assert list(row)[-4:] == list(EXPECTED)
    assert [row[k] for k in EXPECTED] == ["600.0", "1", "1", "55.0"]
    lines = format_summary(RESULT.summary, "table", after=after).splitlines()[-4:]
    assert [line.split() for line in lines] == [
        ["zero_replicas_s", "600"], ["cold_starts", "1"], ["scale_downs_to_zero", "1"],
        ["longest_cold_start_s", "55"]]


def test_no_cold_start_is_null_in_json_and_a_dash_in_the_table() -> None:
    after = {**EXPECTED, "cold_starts": 0, "longest_cold_start_s": None}
    assert json.loads(format_summary(RESULT.summary, "json", after=after))[
        "longest_cold_start_s"] is None
    assert format_summary(RESULT.summary, "table", after=after).splitlines()[-1].split() == \
        ["longest_cold_start_s", "-"]
    row = next(csv.DictReader(io.StringIO(format_summary(RESULT.summary, "csv", after=after))))
    assert row["longest_cold_start_s"] == ""


def test_without_keda_nothing_is_added() -> None:
    # the same run with the HPA alone (minReplicas 1): no KEDA fields, the output as before
    plain = simulate(ORDERS, dataclasses.replace(SPEC, keda=None, initial_replicas=1))
    assert zero_scaling_fields(plain) == {}
    for fmt in ("json", "csv", "table"):
        assert format_summary(plain.summary, fmt, after=zero_scaling_fields(plain)) == \
            format_summary(plain.summary, fmt)


def test_plan_mode_prints_them_after_a_replay_s_summary() -> None:
    # simulate PLAN.yaml prints format_replays: the same four after each KEDA workload's row
    replay = WorkloadReplay("p.yaml", "d", "steady", "orders", ("ng",), (), RESULT)
    (data,) = json.loads(format_replays([replay], "json"))
    assert {k: data[k] for k in EXPECTED} == EXPECTED
    row = next(csv.DictReader(io.StringIO(format_replays([replay], "csv"))))
    assert [row[k] for k in EXPECTED] == ["600.0", "1", "1", "55.0"]


def test_flag_mode_prints_them_as_readme_lists(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the idle worker of test_simulate_cli's test_flag_mode_runs_a_scaled_object_that_scales_to_
    # zero: 1 pod at the start, KEDA's poll at 30 s writes 0 and no request ever wakes it: at
    # zero from 30 s to the run's end at 600 s = 570 s, no cold start (longest: none, null),
    # one scale-down to zero
    scaled, traffic = idle_scaled_to_zero(tmp_path)
    argv = ["simulate", "--traffic", str(traffic), "--hpa", str(scaled), *ARGS, "--format"]
    assert main([*argv, "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out)[-4:] == documented("simulate keda")
    assert {k: out[k] for k in documented("simulate keda")} == {
        "zero_replicas_s": 570.0, "cold_starts": 0, "scale_downs_to_zero": 1,
        "longest_cold_start_s": None}
    assert main([*argv, "csv"]) == 0
    header = next(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert header[-4:] == documented("simulate keda")
