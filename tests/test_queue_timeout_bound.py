"""``queue_timeout_s`` (a plan's ``model.queue_timeout_s``, simulate's ``--queue-timeout-s``) is
held to 1,209,600 s, 14 days: Amazon SQS's longest message retention (an ALB cuts a request at
its idle timeout, at most 4,000 s, sooner still). 1e12 ran with exit 0 before, a slip of unit
read as 31,700 years of patience."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.plan_validate import check_plan
from infra_toolkit.workload import WorkloadSpec
from tests.test_plan_warnings import _plan

RULE = ("no AWS queue holds a message longer (SQS's longest retention, 14 days; an ALB cuts a "
        "request at its idle timeout, at most 4,000 s); check the value and its unit (seconds)")
# 14 days x 86,400 s = 1,209,600 s (the flag: tests/test_simulate_cli.py, named as the flag)


def _spec(timeout_s: float) -> WorkloadSpec:
    return WorkloadSpec(cpu_request_millicores=500, capacity_rps_per_pod=25,
                        cpu_millicores_per_rps=10, queue_timeout_s=timeout_s)


def test_the_library_holds_the_bound() -> None:
    assert _spec(1_209_600).queue_timeout_s == 1_209_600  # the bound itself: 14 days
    with pytest.raises(SpecError) as raised:
        _spec(1_300_000)
    assert str(raised.value) == (
        f"workload 'app'.queue_timeout_s (=1.3e+06) must be at most 1,209,600 s: {RULE}")


def test_the_plan_is_held_to_it(tmp_path: Path) -> None:
    plan = _plan(tmp_path, plan_edits=(
        ("        app_start_s: 10\n", "        app_start_s: 10\n        queue_timeout_s: 1e12\n"),))
    got, problems = check_plan(plan)
    assert got is None
    # said at the field the plan writes it in
    assert [(p.path, p.message) for p in problems] == [
        ("proposed.workloads[0].model.queue_timeout_s",
         f"workload 'api'.queue_timeout_s (=1e+12) must be at most 1,209,600 s: {RULE}")]
