"""The ApprovalWidget and the CLI, side by side on a real plan file: the same decision at the same
moment writes the same record (byte for byte: the same hash) into two stores; a refused one is
refused for the same reason, the advice naming the CLI's flags or the widget's boxes; a plan
changed after the form was built is refused."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from infra_toolkit import cli_review
from infra_toolkit.approval_records import RecordKind
from infra_toolkit.approval_store import open_store
from infra_toolkit.cli import main
from infra_toolkit.errors import ApprovalError
from infra_toolkit.review_subject import read_review_subject
from infra_toolkit.widgets import ApprovalWidget
from tests.approval_helpers import T0, at, raw_sql
from tests.notebook_fixtures import fixture_plan

# small.yaml's two questions for approval
QUESTIONS = ("Approve the cost?", "Is the window fine?")


@pytest.fixture()
def plan(tmp_path: Path) -> Path:
    return fixture_plan(tmp_path)


def submitted(plan: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(cli_review, "_now", lambda: T0)
    assert main(["submit", str(plan), "--db", str(db), "--requester", "dev"]) == 0
    return str(db)


def by_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db: str,
           argv: list[str]) -> tuple[int, str]:
    monkeypatch.setattr(cli_review, "_now", lambda: at(7))
    capsys.readouterr()
    code = main([*argv, "--db", db])
    return code, capsys.readouterr().err


def by_widget(plan: Path, db: str, decision: RecordKind, reviewer: str, answers: list[str],
              comment: str) -> ApprovalWidget:
    w = ApprovalWidget(read_review_subject(plan), db, reviewer=reviewer, clock=lambda: at(7))
    w.decision.value = decision
    for box, text in zip(w.answers, answers, strict=True):
        box.value = text
    w.comment.value = comment
    w.submit_button.click()
    return w


def cli_args(command: str, plan: Path, reviewer: str, answers: list[str], comment: str
             ) -> list[str]:
    argv = [command, str(plan), "--reviewer", reviewer]
    for n, text in enumerate(answers, 1):
        if text:
            argv += ["--answer", f"{n}={text}"]
    return argv + (["--comment", comment] if comment else [])


DECISIONS = [
    ("approve", RecordKind.APPROVED, ["yes, $48 more", "Sunday 02:00 is fine"], ""),
    ("approve", RecordKind.APPROVED, ["yes", "fine"], "with a note"),
    ("reject", RecordKind.REJECTED, ["", ""], "the node group is too small"),
    ("request-changes", RecordKind.CHANGES_REQUESTED, ["no", ""], "add a canary step"),
    ("comment", RecordKind.COMMENT, ["", ""], "looking at it"),
]


@pytest.mark.parametrize(("command", "kind", "answers", "comment"), DECISIONS)
def test_the_widget_writes_what_the_cli_writes(
    plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], command: str, kind: RecordKind, answers: list[str],
    comment: str,
) -> None:
    cli_db = submitted(plan, tmp_path / "cli.sqlite", monkeypatch)
    widget_db = submitted(plan, tmp_path / "widget.sqlite", monkeypatch)
    assert by_cli(monkeypatch, capsys, cli_db,
                  cli_args(command, plan, "alice", answers, comment))[0] == 0
    w = by_widget(plan, widget_db, kind, "alice", answers, comment)
    assert w.last_record is not None, w.result.value
    with open_store(cli_db) as a, open_store(widget_db) as b:
        from_cli, from_widget = a.records(), b.records()
    assert len(from_cli) == len(from_widget) == 2
    assert from_widget[-1] == from_cli[-1]  # kind, reviewer, time, answers, comment, digest
    assert from_widget[-1].hash == from_cli[-1].hash
    assert from_widget[-1].kind is kind and from_widget[-1].reviewer == "alice"
    assert [a.question for a in from_widget[-1].answers] == [
        q for q, text in zip(QUESTIONS, answers, strict=True) if text]


# the CLI's advice names its flags, the widget's names its boxes (audit10 A10-10)
REVIEWER_ADVICE = ("pass --reviewer NAME", "type your name in the Reviewer box")
ANSWER_ADVICE = ("pass --answer N=TEXT for each", "write each in the box under its question")
COMMENT_ADVICE = ("pass --comment TEXT", "write it in the Comment box")

REFUSALS = [
    # (command, decision, reviewer, answers, comment, (CLI advice, widget advice))
    ("approve", RecordKind.APPROVED, "", ["yes", "fine"], "", REVIEWER_ADVICE),
    ("approve", RecordKind.APPROVED, "  ", ["yes", "fine"], "", REVIEWER_ADVICE),
    ("approve", RecordKind.APPROVED, "YOUR_NAME", ["yes", "fine"], "", REVIEWER_ADVICE),
    ("approve", RecordKind.APPROVED, "alice", ["yes", ""], "", ANSWER_ADVICE),
    ("approve", RecordKind.APPROVED, "alice", ["", ""], "lgtm", ANSWER_ADVICE),
    ("approve", RecordKind.APPROVED, "alice", ["YOUR ANSWER", "fine"], "",
     ("each --answer N=TEXT", "the box under each question")),
    ("reject", RecordKind.REJECTED, "alice", ["", ""], "", COMMENT_ADVICE),
    ("request-changes", RecordKind.CHANGES_REQUESTED, "alice", ["", ""], "", COMMENT_ADVICE),
    ("comment", RecordKind.COMMENT, "alice", ["", ""], "", COMMENT_ADVICE),
]


@pytest.mark.parametrize(("command", "kind", "reviewer", "answers", "comment", "advice"),
                         REFUSALS)
def test_the_widget_refuses_as_the_cli_does_naming_its_own_inputs(
    plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], command: str, kind: RecordKind, reviewer: str,
    answers: list[str], comment: str, advice: tuple[str, str],
) -> None:
    db = submitted(plan, tmp_path / "approvals.sqlite", monkeypatch)
    code, err = by_cli(monkeypatch, capsys, db, cli_args(command, plan, reviewer, answers,
                                                        comment))
    assert code == 2 and err.startswith("error: ")
    cli_text = err.removeprefix("error: ").strip()
    cli_advice, widget_advice = advice
    assert cli_advice in cli_text
    w = by_widget(plan, db, kind, reviewer, answers, comment)
    assert w.last_record is None
    shown = html.unescape(w.result.value)
    assert shown == (f"<p style='color:#b00'>Not recorded: "
                     f"{cli_text.replace(cli_advice, widget_advice)}</p>")
    assert "--" not in shown  # no flag the widget's user cannot pass
    with open_store(db) as store:
        assert len(store.records()) == 1  # the request only


def test_a_tampered_store_is_refused_as_the_cli_refuses_it(
    plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = submitted(plan, tmp_path / "approvals.sqlite", monkeypatch)
    raw_sql(db, "UPDATE approval_records SET reviewer = 'mallory' WHERE seq = 1")
    code, err = by_cli(monkeypatch, capsys, db, cli_args("approve", plan, "alice",
                                                         ["yes", "fine"], ""))
    assert code == 2 and "record 1" in err and "nothing recorded" in err
    w = by_widget(plan, db, RecordKind.APPROVED, "alice", ["yes", "fine"], "")
    assert w.last_record is None
    assert html.unescape(w.result.value) == (
        f"<p style='color:#b00'>Not recorded: {err.removeprefix('error: ').strip()}</p>")
    assert raw_sql(db, "SELECT count(*) FROM approval_records") == [(1,)]


def test_a_plan_with_a_price_not_found_is_refused_as_the_cli_refuses_it(
    plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # us-gov-east-1 prices the t3.medium, not the gp3 root volume (other_services rows are for
    # us-east-1 only): one line without a price
    text = plan.read_text()
    plan.write_text(text.replace("current:\n  region: us-east-1",
                                 "current:\n  region: us-gov-east-1"))
    db = submitted(plan, tmp_path / "approvals.sqlite", monkeypatch)
    code, err = by_cli(monkeypatch, capsys, db, cli_args("approve", plan, "alice",
                                                         ["yes", "fine"], ""))
    assert code == 2 and "cannot be approved: 1 cost line(s) have no price" in err
    w = by_widget(plan, db, RecordKind.APPROVED, "alice", ["yes", "fine"], "")
    assert html.unescape(w.result.value) == (
        f"<p style='color:#b00'>Not recorded: {err.removeprefix('error: ').strip()}</p>")
    assert "Cannot be approved: 1 cost line(s) have no price" in w.summary.value


@pytest.mark.parametrize("changed", ["plan", "manifest"])
def test_a_plan_changed_after_the_form_was_built_is_refused(
    plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str
) -> None:
    db = submitted(plan, tmp_path / "approvals.sqlite", monkeypatch)
    shown = read_review_subject(plan)
    w = ApprovalWidget(shown, db, reviewer="alice", clock=lambda: at(7))
    w.decision.value = RecordKind.APPROVED
    for box in w.answers:
        box.value = "yes"
    if changed == "plan":  # the digest is of the plan's content: a comment would not count
        plan.write_text(plan.read_text().replace("requested_review: 30", "requested_review: 45"))
    else:  # a referenced file counts byte for byte
        manifest = plan.parent.parent / "manifests" / "hpa.yaml"
        manifest.write_text(manifest.read_text() + "\n# one more line\n")
    now = read_review_subject(plan).digest
    assert now != shown.digest
    w.submit_button.click()
    # before: approved the digest shown, so the gate of the plan as it is now said STALE and
    # the approval counted for nothing (the CLI, reading the file now, signs the new one)
    assert w.last_record is None
    assert html.unescape(w.result.value) == (
        f"<p style='color:#b00'>Not recorded: {plan} changed since it was read for this form "
        f"(digest {shown.digest[:12]}… shown, {now[:12]}… now); nothing recorded: read it again "
        "and build a new form (approve.ipynb: run the form's cell again, it reads the plan) to "
        "review the plan as it is now (and infra-toolkit submit it if it is a new version)</p>")
    with open_store(db) as store:
        assert len(store.records()) == 1


@pytest.mark.parametrize(("given", "message"), [
    ({"reviewer": 42}, r"^reviewer = 42 \(int\): give your name as text \(papermill -r reviewer "
                       r"NAME passes it as text\), or None for the OS user$"),
    ({"store_location": 7}, r"^db = 7 \(int\): give the approval store as a SQLite file path"),
])
def test_a_parameter_of_the_wrong_type_is_named(plan: Path, given: dict[str, object],
                                                message: str) -> None:
    # before: a TraitError from inside ipywidgets / a TypeError from the store
    with pytest.raises(ApprovalError, match=message):
        ApprovalWidget(read_review_subject(plan), **given)  # type: ignore[arg-type]


def test_a_working_directory_changed_after_the_form_was_built_loses_nothing(
    plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = submitted(plan, tmp_path / "approvals.sqlite", monkeypatch)
    monkeypatch.chdir(plan.parent)
    w = ApprovalWidget(read_review_subject(plan.name), db, reviewer="alice", clock=lambda: at(7))
    w.decision.value = RecordKind.APPROVED
    for box in w.answers:
        box.value = "yes"
    monkeypatch.chdir(tmp_path)  # e.g. os.chdir in another cell of the notebook
    w.submit_button.click()
    # before: "cannot read plan plan.yaml" and nothing recorded
    assert w.last_record is not None, w.result.value
    assert w.last_record.kind is RecordKind.APPROVED
