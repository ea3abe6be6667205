"""Approvals of real plan files: digest over the plan and its referenced files, policy and
cost delta from the plan, the approval notebook."""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml

from infra_toolkit import pricing
from infra_toolkit.cli import main
from infra_toolkit.review_subject import read_review_subject

REPO = Path(__file__).resolve().parent.parent
# one answer per question for approval of the default plan, as its YAML lists them
QUESTIONS = yaml.safe_load((REPO / "plans" / "ecommerce-eks.yaml").read_text())["questions"]
ANSWERS = [
    a for n in range(1, len(QUESTIONS) + 1) for a in ("--answer", f"{n}=yes, see the report")
]


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    """A copy of the default plan with the files it references."""
    shutil.copytree(REPO / "plans", tmp_path / "plans")
    return tmp_path / "plans" / "ecommerce-eks.yaml"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def one_byte_changed(path: Path, old: bytes, new: bytes) -> bytes:
    """Replace the first ``old`` in ``path`` by ``new`` (one byte apart); return the original."""
    data = path.read_bytes()
    changed = data.replace(old, new, 1)
    assert len(changed) == len(data) and sum(a != b for a, b in zip(data, changed)) == 1
    path.write_bytes(changed)
    return data


def test_one_byte_of_a_manifest_a_traffic_csv_or_a_pricing_table_makes_the_plan_stale(
    plan: Path,
    store_location: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the shipped pricing tables, copied so that one of them can change like the plan's files
    shutil.copytree(REPO / "pricing_data", tmp_path / "pricing_data")
    monkeypatch.setattr(pricing, "DEFAULT_PRICING_DIR", tmp_path / "pricing_data")
    db = ["--db", store_location]
    assert cli(capsys, "submit", str(plan), *db)[0] == 0
    code, out = cli(capsys, "gate", str(plan), *db)
    # the plan asks for 2 approvers; its cost increase is under the 500 USD extra-approver line
    assert code == 1 and "0 of 2 approver(s) so far; 2 more needed" in out
    assert cli(capsys, "approve", str(plan), "--reviewer", "alice", *ANSWERS, *db)[0] == 0
    code, out = cli(capsys, "gate", str(plan), *db)
    assert code == 1 and "1 of 2 approver(s) so far (alice at " in out
    assert cli(capsys, "approve", str(plan), "--reviewer", "bob", *ANSWERS, *db)[0] == 0
    code, out = cli(capsys, "gate", str(plan), *db)
    assert code == 0 and "review-001 APPROVED by alice at " in out and ", bob at " in out

    hpa = plan.parent / "ecommerce-eks" / "backend-hpa.yaml"
    original = one_byte_changed(hpa, b"# The seed's HPA", b"# The seed's hPA")
    code, out = cli(capsys, "status", str(plan), *db)
    assert code == 0 and out.startswith(f"{plan} is STALE: review-001 approved digest ")
    # what changed, by name (before: "the plan, a referenced file or a pricing table changed")
    assert "(changed: file ecommerce-eks/backend-hpa.yaml); submit it again" in out
    # the installed console script, as a pipeline runs it: its exit status is the gate's
    gate = subprocess.run(
        [str(Path(sys.executable).parent / "infra-toolkit"), "gate", str(plan), *db],
        capture_output=True,
        text=True,
        check=False,
    )
    assert gate.returncode == 1 and gate.stdout.startswith(f"FAIL: {plan} is STALE")
    hpa.write_bytes(original)
    assert cli(capsys, "gate", str(plan), *db)[0] == 0  # the approved bytes again

    # one byte of a traffic CSV the plan's scenarios read, then of a shipped pricing table
    for path, old, new, changed in [
        (plan.parent / "traces" / "nasa_http_1995-07-12_13_1min.csv", b",0.7333", b",0.7334",
         "file traces/nasa_http_1995-07-12_13_1min.csv"),
        (tmp_path / "pricing_data" / "ec2_on_demand_2026-07-20.csv", b",t3.medium,0.0416,",
         b",t3.medium,0.0417,", "pricing table ec2_on_demand_2026-07-20.csv"),
    ]:
        original = one_byte_changed(path, old, new)
        code, out = cli(capsys, "status", str(plan), *db)
        assert code == 0 and out.startswith(f"{plan} is STALE: review-001 approved digest "), path
        assert f"(changed: {changed}); submit it again" in out
        code, out = cli(capsys, "gate", str(plan), *db)
        assert code == 1 and out.startswith(f"FAIL: {plan} is STALE"), path
        path.write_bytes(original)
        assert cli(capsys, "gate", str(plan), *db)[0] == 0


def test_extra_approver_when_the_cost_increase_exceeds_the_threshold(plan: Path) -> None:
    text = plan.read_text()
    plan.write_text(
        text.replace(
            "extra_approver_above_monthly_increase_usd: 500",
            "extra_approver_above_monthly_increase_usd: 0",
        )
    )
    subject = read_review_subject(plan)
    # the declared totals worked out row by row in tests/test_cost_plan_cli.py, unrounded:
    # proposed 73 + 91.104 + 4.80 (3 x 20 GB gp3 node disks x 0.08) + 16.425 + 4.088 + 32.85 +
    # 9 + 105.85 + 23 + 52.56 + 11.50 + 24.82 + 45 + 6 = 499.997; current 30.368 + 2.40 +
    # 26.28 + 5.75 + 45 = 109.798; the policy counts them as printed: 500.00 - 109.80
    assert subject.monthly_cost_delta_usd == Decimal("500.00") - Decimal("109.80") == \
        Decimal("390.20")
    assert subject.approvers_needed == 3  # required_approvers 2, plus 1 above the 0 USD line


def test_price_not_found_blocks_approval_with_a_clear_message(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # us-gov-east-1 prices EC2 and RDS instances, but the storage/backup rows of
    # other_services_2026-05-03.csv are for us-east-1 only: three lines have no price
    text = plan.read_text()
    plan.write_text(
        text.replace("current:\n  region: us-east-1", "current:\n  region: us-gov-east-1")
    )
    db = ["--db", str(tmp_path / "approvals.sqlite")]
    assert cli(capsys, "submit", str(plan), *db)[0] == 0
    code, out = cli(capsys, "approve", str(plan), "--reviewer", "alice", *ANSWERS, *db)
    assert code == 2
    assert out == (
        f"error: review-001 ({plan}) cannot be approved: 3 cost line(s) have no price "
        "(current aws_instance.web: root_block_device: Storage (general purpose SSD, gp3); "
        "current aws_db_instance.shop: Storage (general purpose SSD, gp2); "
        "current aws_db_instance.shop: Additional backup storage); price them "
        f"(`infra-toolkit validate {plan}` names each one's fix: `infra-toolkit pricing "
        "refresh` for a region the tables price only in part, else a rate in pricing.overrides "
        "or a row in pricing.tables (pricing_data/README.md)), then submit the plan again\n"
    )
    code, out = cli(capsys, "gate", str(plan), *db)
    assert code == 1 and "cannot be approved while 3 cost line(s) have no price" in out
    # the gate's reason says how to price them, as approve's refusal does
    assert out.rstrip().endswith(
        f"current aws_db_instance.shop: Additional backup storage); `infra-toolkit validate "
        f"{plan}` names each one's fix: `infra-toolkit pricing refresh` for a region the tables "
        "price only in part, else a rate in pricing.overrides or a row in pricing.tables "
        "(pricing_data/README.md)")


def test_approve_notebook_runs_under_papermill_and_shows_the_form(
    plan: Path, tmp_path: Path
) -> None:
    db = tmp_path / "approvals.sqlite"
    assert main(["submit", str(plan), "--db", str(db)]) == 0
    out = tmp_path / "approve.out.ipynb"
    papermill.execute_notebook(
        str(REPO / "notebooks" / "approve.ipynb"),
        str(out),
        parameters={"plan_path": str(plan), "db": str(db), "reviewer": "alice"},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    cells = nbformat.read(out, as_version=4).cells
    outputs = [o for c in cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
    state = nbformat.read(out, as_version=4).metadata["widgets"][
        "application/vnd.jupyter.widget-state+json"
    ]["state"]
    values = [m["state"].get("value", "") for m in state.values()]
    summary = [v for v in values if isinstance(v, str) and "<h3>Migrate the e-commerce" in v]
    assert len(summary) == 1
    assert "review-001 AWAITING APPROVAL: 0 of 2 approver(s) so far" in summary[0]
    assert read_review_subject(plan).digest in summary[0]
