"""ApprovalWidget driven headless: build it, fill it in, click, read the store."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from infra_toolkit.approval_reads import review_status
from infra_toolkit.approval_records import Answer, RecordKind
from infra_toolkit.approval_store import open_store
from infra_toolkit.approval_writes import submit
from infra_toolkit.plan import ApprovalPolicy
from infra_toolkit.review_rules import Status
from infra_toolkit.review_subject import ReviewSubject
from infra_toolkit.widgets import ApprovalWidget
from tests.approval_helpers import T0, at, make_older, subject


def submitted(location: str, s: ReviewSubject) -> ReviewSubject:
    with open_store(location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
    return s


def fill(
    w: ApprovalWidget, decision: RecordKind, reviewer: str, answers: list[str], comment: str
) -> None:
    w.decision.value = decision
    w.reviewer.value = reviewer
    for box, text in zip(w.answers, answers, strict=True):
        box.value = text
    w.comment.value = comment


def test_summary_shows_what_is_being_approved(store_location: str) -> None:
    s = submitted(store_location, subject(monthly_cost_delta_usd=Decimal("1234.5")))
    w = ApprovalWidget(s, store_location, reviewer="alice", clock=lambda: T0)
    text = w.summary.value
    for shown in [
        "Move checkout to EKS",
        "<th style='text-align:left'>Plan id</th><td><code>checkout</code>",
        "plans/checkout.yaml",
        "high / migration",
        "45 min",
        "+$1,234.50 per month",
        "a" * 64,
        "review-001 AWAITING APPROVAL: 0 of 1 approver(s) so far; 1 more needed",
    ]:
        assert shown in text
    assert [type(c).__name__ for c in w.children].count("Textarea") == 3  # 2 answers + comment
    # the report's Overview row: "Requested review | 2 h" for requested_review: 2h, where the
    # form said "Estimated review | 120 min"
    two_h = ApprovalWidget(dataclasses.replace(s, estimated_review_minutes=120), store_location,
                           reviewer="alice", clock=lambda: T0).summary.value
    assert "<th style='text-align:left'>Requested review</th><td><code>2 h</code>" in two_h
    assert "Estimated review" not in two_h and "120 min" not in two_h
    assert "Is the rollback tested?" in w.children[3].value


def test_click_approve_writes_the_record_and_shows_the_result(store_location: str) -> None:
    s = submitted(store_location, subject())
    w = ApprovalWidget(s, store_location, clock=lambda: at(7))
    fill(w, RecordKind.APPROVED, "alice", ["yes, on 2026-11-20", "platform"], "ship it")
    w.submit_button.click()
    with open_store(store_location) as store:
        records = store.records()
        status = review_status(store, s)
    assert len(records) == 2
    rec = records[-1]
    assert (rec.kind, rec.reviewer, rec.recorded_at, rec.comment) == (
        RecordKind.APPROVED,
        "alice",
        "2026-11-26T09:07:00Z",
        "ship it",
    )
    assert rec.answers == (
        Answer("Is the rollback tested?", "yes, on 2026-11-20"),
        Answer("Who is on call?", "platform"),
    )
    assert status.status is Status.APPROVED
    assert (
        "Recorded record 2: review-001 approved by alice at 2026-11-26T09:07:00Z" in w.result.value
    )
    assert "review-001 APPROVED by alice" in w.result.value
    assert "APPROVED by alice" in w.summary.value  # the summary's status refreshed


@pytest.mark.parametrize(
    ("decision", "answers", "comment", "shown"),
    [
        (RecordKind.APPROVED, ["yes", ""], "", "unanswered: 2 (&#x27;Who is on call?&#x27;)"),
        (RecordKind.REJECTED, ["", ""], "", "rejecting needs a comment saying why"),
    ],
)
def test_refused_decision_is_shown_and_nothing_written(
    store_location: str, decision: RecordKind, answers: list[str], comment: str, shown: str
) -> None:
    s = submitted(store_location, subject())
    w = ApprovalWidget(s, store_location, clock=lambda: at(7))
    fill(w, decision, "alice", answers, comment)
    w.submit_button.click()
    assert w.last_record is None
    assert "Not recorded" in w.result.value and shown in w.result.value
    with open_store(store_location) as store:
        assert len(store.records()) == 1


def test_missing_price_is_warned_and_blocks_approval(store_location: str) -> None:
    s = submitted(store_location, subject(missing_prices=("aws_db_instance.main: db.x9.mega",)))
    w = ApprovalWidget(s, store_location, clock=lambda: at(7))
    assert (
        "Cannot be approved: 1 cost line(s) have no price: aws_db_instance.main" in w.summary.value
    )
    fill(w, RecordKind.APPROVED, "alice", ["yes", "ops"], "")
    w.submit_button.click()
    assert "cannot be approved: 1 cost line(s) have no price" in w.result.value


def test_missing_store_is_shown_not_raised(tmp_path: Path) -> None:
    w = ApprovalWidget(subject(), str(tmp_path / "none.sqlite"), reviewer="alice")
    assert "status unavailable: approval store" in w.summary.value
    fill(w, RecordKind.COMMENT, "alice", ["", ""], "hello")
    w.submit_button.click()
    assert "Not recorded: approval store" in w.result.value and "does not exist" in w.result.value
    # A26-4: the form's user sets the store by the notebook's db parameter, not a CLI flag
    for shown in (w.summary.value, w.result.value):
        assert "point the notebook&#x27;s db parameter / $INFRA_TOOLKIT_DB at the store" in shown
        assert "--db" not in shown


def test_a_repeated_approval_says_it_counts_once(store_location: str) -> None:
    s = submitted(store_location, subject(policy=ApprovalPolicy(required_approvers=2)))
    w = ApprovalWidget(s, store_location, clock=lambda: at(7))
    fill(w, RecordKind.APPROVED, "alice", ["yes", "platform"], "")
    w.submit_button.click()
    assert "counted once" not in w.result.value
    w._clock = lambda: at(8)
    fill(w, RecordKind.APPROVED, "Alice ", ["yes", "platform"], "")
    w.submit_button.click()
    assert "Recorded record 3: review-001 approved by Alice  at 2026-11-26T09:08:00Z" in (
        w.result.value)
    assert "already approved by alice at 2026-11-26T09:07:00Z; counted once." in w.result.value
    assert "1 of 2 approver(s) so far (alice at 2026-11-26T09:07:00Z)" in w.summary.value


def test_a_write_that_adds_a_missing_chain_head_says_so(store_location: str) -> None:
    s = submitted(store_location, subject())
    with open_store(store_location) as store:
        request = store.records()[0]
    make_older(store_location)
    w = ApprovalWidget(s, store_location, clock=lambda: at(7))
    fill(w, RecordKind.COMMENT, "eve", ["", ""], "looks fine")
    w.submit_button.click()
    assert (
        f"<p>the store had no chain head: added it at record 1 (hash {request.hash}); compare "
        "it with a copy you kept.</p>"
    ) in w.result.value
    w._clock = lambda: at(8)
    w.comment.value = "looks fine, second look"
    w.submit_button.click()  # the head is kept now: nothing more to say
    assert "Recorded record 3" in w.result.value and "chain head" not in w.result.value


def test_an_os_user_the_os_cannot_name_leaves_the_reviewer_box_empty(
    store_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a notebook in a container run as a bare UID: before, building the form raised KeyError
    def no_account() -> str:
        raise KeyError("getpwuid(): uid not found: 12345")

    monkeypatch.setattr("getpass.getuser", no_account)
    w = ApprovalWidget(submitted(store_location, subject()), store_location, clock=lambda: at(7))
    assert w.reviewer.value == ""
    fill(w, RecordKind.APPROVED, "", ["yes", "platform"], "")
    assert w.submit() is None
    assert w.result.value == ("<p style='color:#b00'>Not recorded: reviewer is empty: type your "
                              "name in the Reviewer box</p>")


def test_a_second_click_on_the_same_form_records_nothing(store_location: str) -> None:
    # audit10 A10-9: clicks queue in the kernel, so a double click recorded the decision twice
    s = submitted(store_location, subject())
    w = ApprovalWidget(s, store_location, clock=lambda: at(7))
    fill(w, RecordKind.COMMENT, "eve", ["", ""], "looks fine")
    w.submit_button.click()
    w.submit_button.click()
    with open_store(store_location) as store:
        assert len(store.records()) == 2  # the request and one comment
    assert w.result.value == ("<p style='color:#b00'>Not recorded: this form is already record 2 "
                              "(a second click); change the decision, an answer or the comment "
                              "to record another</p>")
    w.comment.value = "and the runbook too"  # a changed form records again
    w.submit_button.click()
    assert "Recorded record 3" in w.result.value


def test_a_reader_without_a_kernel_sees_the_form_and_the_decision_as_html(
        store_location: str) -> None:
    # a notebook run by papermill and opened in a viewer has no widget manager: the bundle's
    # text/html is what it shows (audit14 A14-13)
    s = submitted(store_location, subject())
    w = ApprovalWidget(s, store_location, clock=lambda: at(7))
    fill(w, RecordKind.APPROVED, "alice", ["yes, on 2026-11-20", "platform"], "ship it")
    w.submit_button.click()
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # a live kernel's view
    shown = bundle["text/html"]
    assert shown.startswith("<p>Approval form, static view: recording a decision needs a live "
                            "kernel")
    assert s.digest in shown and "APPROVED by alice" in shown
    assert "Recorded record 2: review-001 approved by alice at 2026-11-26T09:07:00Z" in shown
