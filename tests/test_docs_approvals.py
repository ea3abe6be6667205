"""docs/APPROVALS.md's quoted gate lines are what ``gate`` prints, and its pipeline example is a
command the parser takes: the excerpts are run, not copied (the store is an SQLite file in
``tmp_path``, the plan a stand-in read as a review subject, as in tests/test_approval_cli.py)."""

from __future__ import annotations

import hashlib
import inspect
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from infra_toolkit import approval_gate, cli_review, review_rules
from infra_toolkit.cli import build_parser, main
from infra_toolkit.plan import ApprovalPolicy
from infra_toolkit.review_subject import ReviewSubject
from tests.approval_helpers import subject
from tests.conftest import REPO_ROOT

APPROVALS_MD = REPO_ROOT / "docs/APPROVALS.md"
Gate = Callable[..., tuple[int, str]]
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _block(after: str, fence: str) -> str:
    """The first ```fence block after the line ``after``."""
    text = APPROVALS_MD.read_text(encoding="utf-8")
    rest = text.split(after, 1)[1]
    return rest.split(f"```{fence}\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Gate:
    """Runs the CLI from ``tmp_path`` on the doc's ``plans/x.yaml`` (policy: 1 approver)."""
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans/x.yaml").write_text("title: x\n")
    monkeypatch.chdir(tmp_path)

    def read(plan_path: str) -> ReviewSubject:
        return subject(plan="x", source=plan_path,
                       digest=hashlib.sha256(Path(plan_path).read_bytes()).hexdigest(),
                       policy=ApprovalPolicy(required_approvers=1))

    monkeypatch.setattr(cli_review, "read_review_subject", read)

    def run(*argv: str) -> tuple[int, str]:
        code = main([*argv, "--db", str(tmp_path / "approvals.sqlite")])
        return code, capsys.readouterr().out

    return run


def test_the_floors_fail_lines_are_the_docs(gate: Gate) -> None:
    documented = _block("whose approvals counted:", "text").splitlines()
    assert gate("submit", "plans/x.yaml", "--requester", "alice")[0] == 0
    # awaiting under its policy, with a floor of 2: the usual line, then what the gate counts
    code, out = gate("gate", "plans/x.yaml", "--min-approvers", "2")
    assert code == 1 and out.endswith(
        "; 1 more needed; the gate counts 0 of 2 approver(s) (the gate's --min-approvers 2; the "
        "plan's policy asks 1): none; 2 more needed\n")
    answers = ["--answer", "1=yes", "--answer", "2=yes"]
    assert gate("approve", "plans/x.yaml", "--reviewer", "alice", *answers)[0] == 0
    # approved by alice alone: a floor of 2 counts 1; without self-approval alice counts 0
    printed = [gate("gate", "plans/x.yaml", "--min-approvers", "2"),
               gate("gate", "plans/x.yaml", "--no-self-approval")]
    assert [code for code, _ in printed] == [1, 1]
    assert [_TIME.sub("T", out.rstrip("\n")) for _, out in printed] == \
        [_TIME.sub("T", line) for line in documented]


def test_already_approved_line_is_the_docs(gate: Gate) -> None:
    text = APPROVALS_MD.read_text(encoding="utf-8")
    assert "(`already approved by alice at 2026-11-26T09:01:00Z; counted once`)" in text
    answers = ["--answer", "1=yes", "--answer", "2=yes"]
    gate("submit", "plans/x.yaml")
    gate("approve", "plans/x.yaml", "--reviewer", "alice", *answers)
    code, out = gate("approve", "plans/x.yaml", "--reviewer", "ALICE", *answers)
    assert code == 0
    assert re.search(rf"^already approved by alice at {_TIME.pattern}; counted once$", out, re.M)


def test_pipeline_example_is_a_gate_command() -> None:
    block = _block("## In a CI/CD pipeline", "sh")
    env, command = block.split("\n", 1)
    assert env.startswith('export INFRA_TOOLKIT_DB="postgresql://')
    # the kept head as a CI variable holds it: N:HASH, as verify prints it
    kept = "3:" + "a" * 64
    assert '--known-head "$APPROVALS_HEAD"' in command
    command = command.replace('"$APPROVALS_HEAD"', kept)
    words = shlex.split(command.replace("\\\n", " "), comments=True)
    assert words[:3] == ["timeout", "300", "infra-toolkit"]
    gate_words = words[3:words.index("&&")]
    args = build_parser().parse_args(gate_words)
    assert (args.command, args.plan, args.min_approvers, args.self_approval) == \
        ("gate", "plans/ecommerce-eks.yaml", 2, False)
    assert (args.known_head.count, args.known_head.head_hash) == (3, "a" * 64)


def test_the_library_call_is_callable_as_written() -> None:
    text = " ".join(APPROVALS_MD.read_text(encoding="utf-8").split())
    assert ("`approval_gate.gate(store, subject, floor=review_rules.GateFloor(min_approvers=2, "
            "self_approval=False))`") in text
    floor = review_rules.GateFloor(min_approvers=2, self_approval=False)
    assert (floor.min_approvers, floor.self_approval) == (2, False)
    assert list(inspect.signature(approval_gate.gate).parameters)[:2] == ["store", "subject"]
    assert "floor" in inspect.signature(approval_gate.gate).parameters


def test_the_default_plans_policy_basis_is_the_docs() -> None:
    # "The default plan shows `2 (policy basis: the monthly change as declared, +$390.20; one
    # more above +$500.00)`": by hand from `infra-toolkit cost plans/ecommerce-eks.yaml`'s TOTAL
    # row, proposed $500.00 - current $109.80 = +$390.20, not above the plan's
    # extra_approver_above_monthly_increase_usd 500, so its required_approvers 2 and no more
    from decimal import Decimal

    from infra_toolkit.review_subject import read_review_subject

    s = read_review_subject(REPO_ROOT / "plans/ecommerce-eks.yaml")
    assert (s.monthly_cost_delta_usd.quantize(Decimal("0.01")), s.approvers_needed) == \
        (Decimal("390.20"), 2)
    assert (s.policy.required_approvers, s.policy.extra_approver_above_monthly_increase_usd) == \
        (2, 500)
    text = " ".join(APPROVALS_MD.read_text(encoding="utf-8").split())
    assert ("The default plan shows `2 (policy basis: the monthly change as declared, +$390.20; "
            "one more above +$500.00)`") in text
