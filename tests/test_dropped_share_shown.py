"""A run that drops a few requests says so wherever the report gives the dropped share: the
Scaling Behaviour summary, the Testing Plan's simulated outcome and the sweep table
(report_html.share_pct_text).

Fixture: tests/data/argo2's blue-green plan (4 pods of 500m, capacity 50 rps each, minReplicas 4,
an HPA on 40 % CPU) with its traffic replaced by one hour at 100 rps and one 15 s step at 201.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import analyze_plan
from infra_toolkit.plan import read_plan
from infra_toolkit.pricing import load_price_book
from infra_toolkit.tuning import sweep_workload
from infra_toolkit.tuning_format import format_sweep
from tests.conftest import REPO_ROOT

ARGO2 = REPO_ROOT / "tests/data/argo2"


def _spike_plan(tmp_path: Path, hours: int) -> Path:
    """tests/data/argo2 in ``tmp_path``, its traffic ``hours`` at 100 rps with the step from
    1,800 s at 201 rps."""
    for f in ARGO2.iterdir():
        shutil.copy(f, tmp_path)
    rows = ["timestamp,requests_per_second"] + [
        f"{t},{201 if t == 1800 else 100}" for t in range(0, hours * 3600, 15)]
    (tmp_path / "traffic.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path / "bg-plan.yaml"


def test_a_few_dropped_requests_never_read_as_none(tmp_path: Path) -> None:
    _spike_plan(tmp_path, 1)  # 240 steps of 15 s = 1 h
    plan = (tmp_path / "bg-plan.yaml").read_text(encoding="utf-8")
    plan = plan.replace(
        "  - {name: smoke, type: smoke, environment: staging, pass_criteria: all green}",
        "  - {name: spike, type: load, environment: staging, scenario: ramp, "
        "pass_criteria: all green}")
    (tmp_path / "bg-plan.yaml").write_text(plan, encoding="utf-8")
    a = analyze_plan(tmp_path / "bg-plan.yaml", store_location=str(tmp_path / "none"))
    s = a.run("ramp").simulations["payments"].summary
    # The 4 warm pods serve 4 x 50 = 200 rps; each runs 30 + 4 x 25 = 130m of its 500m (26 %)
    # at 100 rps, under the HPA's 40 %, so nothing scales: the spike's step drops
    # (201 - 200) x 15 s = 15 requests of 100 x 3,600 + 101 x 15 = 361,515 offered:
    # 15 / 361,515 = 0.0041 %, which to the hundredth would print as 0
    assert (s.dropped_requests, s.offered_requests) == (15, 361_515)
    summary = sections.scaling_behaviour(a).tables[0]
    assert summary.to_html().count("<td>&lt; 0.01</td>") == 1
    outcome = sections.testing_plan(a).tables[0].frame.set_index("Test").loc[
        "spike", "Simulated outcome"]
    assert "peak replicas 4, < 0.01 % dropped" in outcome


def test_the_sweep_table_shows_a_few_dropped_requests(tmp_path: Path) -> None:
    # A day of it: the spike's step drops (201 - 200) x 15 s = 15 requests of
    # 100 x 86,400 + 101 x 15 = 8,641,515 offered, 0.000174 %: to 3 decimals "0.000" (none)
    plan = _spike_plan(tmp_path, 24)
    result = sweep_workload(read_plan(plan), load_price_book(), "payments",
                            {"minReplicas": (4,)}, scenarios=["ramp"])
    assert result.table["ramp:dropped_pct"].tolist() == [pytest.approx(100 * 15 / 8_641_515)]
    (line,) = [ln for ln in format_sweep(result, "table").splitlines()
               if ln.lstrip().startswith("1 baseline")]
    assert " < 0.001 " in line
