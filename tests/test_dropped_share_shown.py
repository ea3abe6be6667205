"""A run that drops a few requests says so wherever the report gives the dropped share: the
Scaling Behaviour summary and the Testing Plan's simulated outcome (report_html.share_pct_text).

Fixture: tests/data/argo2's blue-green plan (4 pods of 500m, capacity 50 rps each, minReplicas 4,
an HPA on 40 % CPU) with its traffic replaced by one hour at 100 rps and one 15 s step at 201.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from infra_toolkit import sections
from infra_toolkit.analysis import analyze_plan
from tests.conftest import REPO_ROOT

ARGO2 = REPO_ROOT / "tests/data/argo2"


def test_a_few_dropped_requests_never_read_as_none(tmp_path: Path) -> None:
    for f in ARGO2.iterdir():
        shutil.copy(f, tmp_path)
    # 240 steps of 15 s = 1 h; the step from 1,800 s offers 201 rps
    rows = ["timestamp,requests_per_second"] + [
        f"{t},{201 if t == 1800 else 100}" for t in range(0, 3600, 15)]
    (tmp_path / "traffic.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
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
