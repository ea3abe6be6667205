"""A plan's identity in the approval store: ``metadata.id``, else the file name, and one plan file
per id. Two copies of the default plan in a monorepo (``teams/a``, ``teams/b``), on both store
backends, through the CLI."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infra_toolkit.approval_records import RecordKind
from infra_toolkit.approval_store import open_store
from infra_toolkit.approval_writes import sign_off, submit
from infra_toolkit.errors import ApprovalError
from infra_toolkit.review_subject import plan_file_of
from tests.approval_helpers import at, subject
from tests.test_approval_plans import ANSWERS, REPO, cli

PLAN = "ecommerce-eks.yaml"
MOVED = "(a plan that moved keeps its reviews once its old file is gone)"


def copy_plan(folder: Path, *, title: str, plan_id: str | None = None) -> Path:
    """The default plan and its files copied to ``folder``, with its own title (so its digest
    differs from the other copies') and, if given, its own ``metadata.id``."""
    shutil.copytree(REPO / "plans", folder)
    path = folder / PLAN
    text = path.read_text()
    old = "  title: Migrate the e-commerce"
    assert old in text
    own_id = f"  id: {plan_id}\n" if plan_id else ""
    path.write_text(text.replace(old, f"{own_id}  title: {title} migrates the e-commerce", 1))
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git work tree."""
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    return tmp_path / "repo"


def count(store_location: str) -> int:
    with open_store(store_location) as store:
        return len(store.records())


def test_two_same_named_plans_in_a_monorepo_cannot_share_a_review_history(
    repo: Path,
    store_location: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy_plan(repo / "teams" / "a", title="Team A")
    copy_plan(repo / "teams" / "b", title="Team B")
    db = ["--db", store_location]
    monkeypatch.chdir(repo / "teams")  # paths as given differ from the stored ones
    code, out = cli(capsys, "submit", "a/" + PLAN, *db)
    assert code == 0 and "submitted as review-001" in out
    refusal = (
        f"b/{PLAN}: plan id 'ecommerce-eks' is already used by teams/a/{PLAN} (review-001); "
        f"give this plan its own metadata.id {MOVED}"
    )
    for command in ("submit", "status", "approve"):
        extra = ANSWERS if command == "approve" else []
        assert cli(capsys, command, "b/" + PLAN, *extra, *db) == (2, f"error: {refusal}\n")
        assert count(store_location) == 1  # nothing written
    assert cli(capsys, "gate", "b/" + PLAN, *db) == (1, f"FAIL: {refusal}\n")
    # the first plan's review is untouched: open, and the only one in the queue
    code, out = cli(capsys, "status", "a/" + PLAN, *db)
    assert code == 0 and out.startswith(f"a/{PLAN}: review-001 AWAITING APPROVAL: 0 of 2")
    code, out = cli(capsys, "queue", *db)
    assert code == 0 and len(out.splitlines()) == 2
    assert out.splitlines()[1].endswith(
        f"ecommerce-eks (teams/a/{PLAN}): Team A migrates the e-commerce backend from a single "
        "EC2 instance to EKS with autoscaling"
    )

    # the same rule from another working directory, and in another clone of the repository
    clone = repo.parent / "clone"
    shutil.copytree(repo, clone)
    monkeypatch.chdir(repo.parent)
    other = f"clone/teams/b/{PLAN}"
    assert cli(capsys, "gate", other, *db) == (
        1, f"FAIL: {refusal.replace('b/' + PLAN, other, 1)}\n")
    code, out = cli(capsys, "status", f"clone/teams/a/{PLAN}", *db)
    assert code == 0 and "review-001 AWAITING APPROVAL" in out


def test_with_their_own_ids_both_are_reviewed_and_gated_independently(
    repo: Path, store_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = str(copy_plan(repo / "teams" / "a", title="Team A", plan_id="team-a.shop"))
    b = str(copy_plan(repo / "teams" / "b", title="Team B", plan_id="team-b.shop"))
    db = ["--db", store_location]
    assert "submitted as review-001" in cli(capsys, "submit", a, *db)[1]
    assert "submitted as review-002" in cli(capsys, "submit", b, *db)[1]
    code, out = cli(capsys, "queue", *db)
    assert [line.split()[0] for line in out.splitlines()] == ["ID", "review-001", "review-002"]
    assert f"team-a.shop (teams/a/{PLAN}): Team A migrates" in out
    assert f"team-b.shop (teams/b/{PLAN}): Team B migrates" in out
    # the default plan's policy asks for two approvers
    for reviewer in ("alice", "bob"):
        assert cli(capsys, "approve", a, "--reviewer", reviewer, *ANSWERS, *db)[0] == 0
    code, out = cli(capsys, "gate", a, *db)
    assert code == 0 and out.startswith(f"PASS: {a}: review-001 APPROVED by alice at ")
    code, out = cli(capsys, "gate", b, *db)
    assert (code, out) == (
        1, f"FAIL: {b}: review-002 AWAITING APPROVAL: 0 of 2 approver(s) so far; 2 more needed\n")
    for reviewer in ("carol", "dave"):
        assert cli(capsys, "approve", b, "--reviewer", reviewer, *ANSWERS, *db)[0] == 0
    code, out = cli(capsys, "gate", b, *db)
    assert code == 0 and out.startswith(f"PASS: {b}: review-002 APPROVED by carol at ")
    # a rejection of one leaves the other approved
    assert cli(capsys, "reject", b, "--reviewer", "erin", "--comment", "no", *db)[0] == 0
    assert cli(capsys, "gate", b, *db)[0] == 1
    assert cli(capsys, "gate", a, *db)[0] == 0


def test_a_moved_plan_keeps_its_reviews_once_its_old_file_is_gone(
    repo: Path, store_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    old = copy_plan(repo / "teams" / "a", title="Team A")
    db = ["--db", store_location]
    cli(capsys, "submit", str(old), *db)
    for reviewer in ("alice", "bob"):
        assert cli(capsys, "approve", str(old), "--reviewer", reviewer, *ANSWERS, *db)[0] == 0
    new = repo / "platform" / "shop" / PLAN
    shutil.copytree(old.parent, new.parent)
    # both files exist: a copy, not a move
    code, out = cli(capsys, "gate", str(new), *db)
    assert code == 1 and f"already used by teams/a/{PLAN} (review-001)" in out
    shutil.rmtree(old.parent)
    # moved: same content and files relative to it, so the same digest, still approved
    code, out = cli(capsys, "gate", str(new), *db)
    assert code == 0 and out.startswith(f"PASS: {new}: review-001 APPROVED by alice at ")


def test_outside_a_git_work_tree_plan_files_are_compared_by_absolute_path(
    tmp_path: Path, store_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = copy_plan(tmp_path / "a", title="Team A")
    b = copy_plan(tmp_path / "b", title="Team B")
    db = ["--db", store_location]
    assert cli(capsys, "submit", str(a), *db)[0] == 0
    assert cli(capsys, "submit", str(b), *db) == (2, (
        f"error: {b}: plan id 'ecommerce-eks' is already used by {a.resolve().as_posix()} "
        f"(review-001); give this plan its own metadata.id {MOVED}\n"))
    assert count(store_location) == 1


def test_without_an_id_the_default_plan_is_its_file_name(
    repo: Path, store_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = repo / "plans" / PLAN
    shutil.copytree(REPO / "plans", plan.parent)
    db = ["--db", store_location]
    assert cli(capsys, "submit", str(plan), *db)[0] == 0
    with open_store(store_location) as store:
        (request,) = store.records()
    assert request.plan == "ecommerce-eks"
    assert request.details["plan_file"] == f"plans/{PLAN}"
    assert request.details["source"] == str(plan)


def test_plan_file_is_relative_to_the_work_tree_from_any_working_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = repo / "teams" / "a" / PLAN
    plan.parent.mkdir(parents=True)
    plan.touch()
    for cwd, given in [(repo, f"teams/a/{PLAN}"), (plan.parent, PLAN),
                       (repo.parent, f"repo/teams/../teams/a/{PLAN}")]:
        monkeypatch.chdir(cwd)
        assert plan_file_of(given) == (f"teams/a/{PLAN}", repo.resolve())


def test_requests_recorded_without_a_plan_file_are_not_compared(
    store_location: str, tmp_path: Path
) -> None:
    # as an earlier infra-toolkit recorded them: no plan file in the request
    legacy = subject("a")
    mine = tmp_path / "checkout.yaml"
    mine.touch()
    current = subject("a", plan_file=mine.as_posix())
    with open_store(store_location, create=True) as store:
        submit(store, legacy, requester="dev", at=at(0))
        record = sign_off(store, current, RecordKind.APPROVED, reviewer="alice", at=at(1),
                          answers={1: "yes", 2: "sre"}).record
        assert record.review_id == "review-001"
        # a third plan file that exists and claims the id is refused, naming the second's file
        other = tmp_path / "other" / "checkout.yaml"
        other.parent.mkdir()
        other.touch()
        submit(store, subject("b", plan_file=mine.as_posix()), requester="dev", at=at(2))
        with pytest.raises(ApprovalError, match=re.escape(
                f"plans/checkout.yaml: plan id 'checkout' is already used by {mine.as_posix()} "
                f"(review-002); give this plan its own metadata.id {MOVED}")):
            submit(store, subject("c", plan_file=other.as_posix()), requester="dev", at=at(3))
        assert len(store.records()) == 3


def test_the_widget_shows_the_refusal_and_records_nothing(
    store_location: str, tmp_path: Path
) -> None:
    from infra_toolkit.widgets import ApprovalWidget

    first, second = tmp_path / "a" / "checkout.yaml", tmp_path / "b" / "checkout.yaml"
    for path in (first, second):
        path.parent.mkdir()
        path.touch()
    with open_store(store_location, create=True) as store:
        submit(store, subject("a", plan_file=first.as_posix()), requester="dev", at=at(0))
    w = ApprovalWidget(subject("b", plan_file=second.as_posix()), store_location,
                       reviewer="alice", clock=lambda: at(1))
    refusal = (f"plan id &#x27;checkout&#x27; is already used by {first.as_posix()} "
               "(review-001); give this plan its own metadata.id")
    assert f"status unavailable: plans/checkout.yaml: {refusal}" in w.summary.value
    for n, box in enumerate(w.answers, 1):
        box.value = f"answer {n}"
    assert w.submit() is None
    assert f"Not recorded: plans/checkout.yaml: {refusal}" in w.result.value
    assert count(store_location) == 1
