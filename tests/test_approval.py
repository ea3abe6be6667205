"""Review rules, status, queue and gate, on both store backends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from infra_toolkit.approval_gate import gate
from infra_toolkit.approval_reads import (
    review_queue,
    review_state,
    review_status,
    review_status_text,
)
from infra_toolkit.approval_records import Answer, RecordKind
from infra_toolkit.approval_store import ApprovalStore, open_store
from infra_toolkit.approval_writes import sign_off, submit
from infra_toolkit.errors import ApprovalError
from infra_toolkit.plan import ApprovalPolicy
from infra_toolkit.review_rules import GateFloor, Status
from infra_toolkit.review_subject import (
    ANSWER_PLACEHOLDER,
    REVIEWER_PLACEHOLDER,
    ReviewSubject,
    approve_command,
)
from tests.approval_helpers import at, subject

APPROVE, REJECT, CHANGES, COMMENT = (
    RecordKind.APPROVED,
    RecordKind.REJECTED,
    RecordKind.CHANGES_REQUESTED,
    RecordKind.COMMENT,
)
ANSWERS = {1: "yes, in staging on 2026-11-20", 2: "platform team"}


@pytest.fixture
def store(store_location: str) -> Iterator[ApprovalStore]:
    with open_store(store_location, create=True) as s:
        yield s


def record(store: ApprovalStore, s: ReviewSubject, steps: list[tuple[RecordKind, str]]) -> None:
    for minute, (kind, reviewer) in enumerate(steps, 1):
        sign_off(
            store,
            s,
            kind,
            reviewer=reviewer,
            at=at(minute),
            answers=ANSWERS if kind is APPROVE else None,
            comment=f"{kind.value} note",
        )


def test_submit_approve_then_change_makes_the_plan_stale(store: ApprovalStore) -> None:
    v1 = subject("a")
    submit(store, v1, requester="dev", at=at(0))
    first = gate(store, v1)
    assert not first.passed
    assert first.reason == (
        "plans/checkout.yaml: review-001 AWAITING APPROVAL: "
        "0 of 1 approver(s) so far; 1 more needed"
    )
    sign_off(store, v1, APPROVE, reviewer="alice", at=at(5), answers=ANSWERS)
    recorded = store.records()
    approved = gate(store, v1)
    assert store.records() == recorded  # the gate only reads: nothing written
    assert approved.passed
    assert (
        approved.reason
        == "plans/checkout.yaml: review-001 APPROVED by alice at 2026-11-26T09:05:00Z"
    )
    v2 = subject("b")  # one byte of a referenced file changed: a new digest
    status = review_status(store, v2)
    assert status.status is Status.STALE
    assert status.describe().startswith(
        "plans/checkout.yaml is STALE: review-001 approved digest aaaaaaaaaaaa… by alice at "
        "2026-11-26T09:05:00Z, but its digest is now bbbbbbbbbbbb…"
    )
    assert not gate(store, v2).passed
    assert "STALE" in gate(store, v2).reason
    assert gate(store, v1).passed  # the old digest stays approved: only the current one matters


def test_stale_names_what_changed_since_the_approved_digest(store: ApprovalStore) -> None:
    # digest inputs (kind, name, sha256) as read_review_subject records them; the hashes here
    # are stand-ins: only whether they differ matters
    v1_inputs = (("file", "api/hpa.yaml", "1" * 64), ("plan", "plan", "2" * 64),
                 ("pricing", "ec2_2026-07-20.csv", "3" * 64), ("pricing", "rds.csv", "4" * 64))
    v1 = subject("a", digest_inputs=v1_inputs)
    submit(store, v1, requester="dev", at=at(0))
    sign_off(store, v1, APPROVE, reviewer="alice", at=at(5), answers=ANSWERS)
    # the manifest edited, the rds table gone, a new table read; plan and ec2 table unchanged
    v2 = subject("b", digest_inputs=(("file", "api/hpa.yaml", "9" * 64), v1_inputs[1],
                                     v1_inputs[2], ("pricing", "spot.csv", "5" * 64)))
    assert gate(store, v2).reason == (
        "plans/checkout.yaml is STALE: review-001 approved digest aaaaaaaaaaaa… by alice at "
        "2026-11-26T09:05:00Z, but its digest is now bbbbbbbbbbbb… (changed: file api/hpa.yaml, "
        "pricing table rds.csv (gone), pricing table spot.csv (new)); submit it again "
        "(infra-toolkit submit plans/checkout.yaml)"
    )
    # a subject built without its inputs (or a request recorded before they were): the
    # three things that may have changed, as before
    assert "(the plan, a referenced file or a pricing table changed)" in gate(
        store, subject("c")).reason
    # an earlier digest never approved: the plan is NOT SUBMITTED, and says what changed
    other = subject("d", plan="billing", source="plans/billing.yaml", digest_inputs=v1_inputs)
    submit(store, other, requester="dev", at=at(6))
    changed = subject("e", plan="billing", source="plans/billing.yaml",
                      digest_inputs=(v1_inputs[0], ("plan", "plan", "8" * 64), *v1_inputs[2:]))
    assert review_status(store, changed).describe() == (
        "plans/billing.yaml (digest eeeeeeeeeeee…) was never submitted for review; review-002 "
        "covers an earlier digest (changed: the plan): run infra-toolkit submit "
        "plans/billing.yaml"
    )


def test_a_renamed_plan_file_is_told_where_its_digest_was_reviewed(store: ApprovalStore) -> None:
    # plans/checkout.yaml (no metadata.id: its id is its file name) approved, then renamed to
    # plans/shop.yaml: same content, same digest, but plan id 'shop'. Before: the gate said only
    # "never submitted", as if nothing had been reviewed.
    old = subject("a")
    submit(store, old, requester="dev", at=at(0))
    sign_off(store, old, APPROVE, reviewer="alice", at=at(5), answers=ANSWERS)
    renamed = subject("a", plan="shop", source="plans/shop.yaml")
    decision = gate(store, renamed)
    assert not decision.passed
    assert decision.reason == (
        "plans/shop.yaml (digest aaaaaaaaaaaa…) was never submitted for review: run "
        "infra-toolkit submit plans/shop.yaml; this same digest is review-001 (APPROVED) of plan "
        "id 'checkout' (plans/checkout.yaml): a plan's reviews follow its id, its metadata.id or "
        "else its file name, so a renamed file is a new plan; give the file its old name again "
        "to keep that review, or submit it as a new plan"
    )
    # another digest of the renamed plan: nothing reviewed it anywhere, nothing more is said
    assert review_status(store, subject("b", plan="shop", source="plans/shop.yaml")).describe(
    ) == "plans/shop.yaml (digest bbbbbbbbbbbb…) was never submitted for review: run " \
        "infra-toolkit submit plans/shop.yaml"


@pytest.mark.parametrize(
    ("steps", "status", "approvers"),
    [
        ([], Status.AWAITING_APPROVAL, []),
        ([(APPROVE, "alice")], Status.AWAITING_APPROVAL, ["alice"]),
        # the same reviewer twice counts once, whatever the case and spacing
        ([(APPROVE, "alice"), (APPROVE, " Alice ")], Status.AWAITING_APPROVAL, ["alice"]),
        ([(APPROVE, "alice"), (APPROVE, "bob")], Status.APPROVED, ["alice", "bob"]),
        (
            [(APPROVE, "alice"), (APPROVE, "bob"), (COMMENT, "eve")],
            Status.APPROVED,
            ["alice", "bob"],
        ),
        # a later rejection voids the approvals before it
        ([(APPROVE, "alice"), (APPROVE, "bob"), (REJECT, "carol")], Status.REJECTED, []),
        # and stands whatever others approve after it
        (
            [(APPROVE, "alice"), (REJECT, "carol"), (APPROVE, "bob"), (APPROVE, "dan")],
            Status.REJECTED,
            ["bob", "dan"],
        ),
        # until the reviewer who rejected approves; alice must re-confirm
        (
            [(APPROVE, "alice"), (REJECT, "carol"), (APPROVE, "carol")],
            Status.AWAITING_APPROVAL,
            ["carol"],
        ),
        (
            [(APPROVE, "alice"), (REJECT, "carol"), (APPROVE, "carol"), (APPROVE, "alice")],
            Status.APPROVED,
            ["carol", "alice"],
        ),
        ([(APPROVE, "alice"), (CHANGES, "dave")], Status.CHANGES_REQUESTED, []),
        # a standing rejection outranks a standing change request
        ([(CHANGES, "dave"), (REJECT, "carol")], Status.REJECTED, []),
        ([(REJECT, "carol"), (CHANGES, "dave")], Status.REJECTED, []),
        # a reviewer's objection is their latest: carol's change request replaces her rejection
        ([(REJECT, "carol"), (CHANGES, "Carol")], Status.CHANGES_REQUESTED, []),
        ([(CHANGES, "carol"), (REJECT, "carol")], Status.REJECTED, []),
    ],
)
def test_two_approver_policy(
    store: ApprovalStore, steps: list[tuple[RecordKind, str]], status: Status, approvers: list[str]
) -> None:
    s = subject(policy=ApprovalPolicy(required_approvers=2))
    submit(store, s, requester="dev", at=at(0))
    record(store, s, steps)
    state = review_status(store, s).review
    assert state is not None
    assert state.status is status
    assert [r.reviewer.strip().lower() for r in state.approvals] == approvers
    assert gate(store, s).passed is (status is Status.APPROVED)


def test_rejection_after_approval_fails_the_gate_naming_who(store: ApprovalStore) -> None:
    s = subject()
    submit(store, s, requester="dev", at=at(0))
    sign_off(store, s, APPROVE, reviewer="alice", at=at(1), answers=ANSWERS)
    assert gate(store, s).passed
    sign_off(store, s, REJECT, reviewer="carol", at=at(2), comment="no load test at 1000 users")
    decision = gate(store, s)
    assert not decision.passed
    assert decision.reason == (
        "plans/checkout.yaml: review-001 REJECTED by carol at 2026-11-26T09:02:00Z: "
        "'no load test at 1000 users'"
    )


@pytest.mark.parametrize(
    ("threshold", "delta", "needed"),
    [
        (None, "5000", 1),  # no threshold: never an extra approver
        ("100", "100", 1),  # an increase of exactly the threshold does not exceed it
        ("100", "100.01", 2),
        ("0", "-50", 1),  # a cost decrease never needs the extra approver
    ],
)
def test_extra_approver_above_cost_threshold(
    store: ApprovalStore, threshold: str | None, delta: str, needed: int
) -> None:
    policy = ApprovalPolicy(1, None if threshold is None else Decimal(threshold))
    s = subject(policy=policy, monthly_cost_delta_usd=Decimal(delta))
    submit(store, s, requester="dev", at=at(0))
    sign_off(store, s, APPROVE, reviewer="alice", at=at(1), answers=ANSWERS)
    state = review_status(store, s).review
    assert state is not None
    assert (state.subject.approvers_needed, state.approvals_missing) == (needed, needed - 1)
    assert gate(store, s).passed is (needed == 1)
    sign_off(store, s, APPROVE, reviewer="bob", at=at(2), answers=ANSWERS)
    assert gate(store, s).passed  # the extra approver, when needed, is the second one


@pytest.mark.parametrize(
    ("delta", "why"),
    [
        # policy 2, plus 1 above $1,000.00 a month: 1,000.01 > 1,000 asks 2 + 1 = 3, and says so
        ("1000.01", " (the policy's 2, plus 1 as the monthly cost rises by $1,000.01, above "
                    "extra_approver_above_monthly_increase_usd $1,000.00)"),
        ("1000", ""),  # not above: 2, nothing to explain
    ],
)
def test_the_status_says_why_the_policy_asks_an_extra_approver(
    store: ApprovalStore, delta: str, why: str
) -> None:
    # before: "0 of 3 approver(s) so far" for a policy that reads required_approvers: 2
    s = subject(policy=ApprovalPolicy(2, Decimal("1000")), monthly_cost_delta_usd=Decimal(delta))
    submit(store, s, requester="dev", at=at(0))
    needed = 3 if why else 2
    assert gate(store, s).reason == (
        f"plans/checkout.yaml: review-001 AWAITING APPROVAL: 0 of {needed} approver(s) so far; "
        f"{needed} more needed{why}"
    )


@pytest.mark.parametrize(
    ("delta", "min_approvers", "needed"),
    [
        # policy: 1, plus 1 above a $100/month increase; the gate needs the larger of its floor
        # and that count
        ("100.01", 1, 2),  # 1 + 1 extra = 2 > floor 1
        ("100.01", 2, 2),  # max(2, 1 + 1) = 2: the floor and the extra approver are not added
        ("100.01", 3, 3),  # max(3, 2) = 3
        ("50", 2, 2),  # no extra approver: max(2, 1) = 2
    ],
)
def test_the_gate_floor_counts_the_policys_extra_approver(
    store: ApprovalStore, delta: str, min_approvers: int, needed: int
) -> None:
    policy = ApprovalPolicy(1, Decimal("100"))
    s = subject(policy=policy, monthly_cost_delta_usd=Decimal(delta))
    floor = GateFloor(min_approvers)
    submit(store, s, requester="dev", at=at(0))
    approvers = ["alice", "bob", "carol"]
    for n, name in enumerate(approvers[:needed], 1):
        assert not gate(store, s, floor=floor).passed
        sign_off(store, s, APPROVE, reviewer=name, at=at(n), answers=ANSWERS)
    assert gate(store, s, floor=floor).passed


def test_no_self_approval_with_the_extra_approver(store: ApprovalStore) -> None:
    s = subject(policy=ApprovalPolicy(1, Decimal("100")), monthly_cost_delta_usd=Decimal("120.50"))
    submit(store, s, requester="dev", at=at(0))
    record(store, s, [(APPROVE, "Dev"), (APPROVE, "bob")])  # the requester and one other
    floor = GateFloor(self_approval=False)
    assert gate(store, s).passed  # the policy's 2 (1 + 1 above $100) are there
    decision = gate(store, s, floor=floor)
    assert not decision.passed
    assert decision.reason.startswith(
        "plans/checkout.yaml: review-001 APPROVED under the plan's policy, but the gate counts 1 "
        "of 2 approver(s) (the plan's policy asks 2): bob at "
    )
    assert decision.reason.endswith(
        "; 1 more needed; dev requested the review (approved as Dev); with --no-self-approval "
        "that approval does not count"
    )
    record(store, s, [(APPROVE, "carol")])
    assert gate(store, s, floor=floor).passed


def test_no_self_approval_counts_the_one_who_submitted_the_version_again(
    store: ApprovalStore,
) -> None:
    first, second = subject("a"), subject("b")
    submit(store, first, requester="bob", at=at(0))  # review-001, requested by bob
    submit(store, second, requester="bob", at=at(1))  # review-002 supersedes it
    # the plan goes back to the first version and Alice submits it again: review-001 is the
    # current review because she asked for it, so her own approval is a self-approval
    assert submit(store, first, requester="Alice", at=at(2)).resubmitted
    sign_off(store, first, APPROVE, reviewer="alice", at=at(3), answers=ANSWERS)
    assert gate(store, first).passed  # the policy's 1 approver
    decision = gate(store, first, floor=GateFloor(self_approval=False))
    assert not decision.passed  # 1 approval - alice's own = 0 counted of 1
    assert decision.reason.startswith(
        "plans/checkout.yaml: review-001 APPROVED under the plan's policy, but the gate counts 0 "
        "of 1 approver(s) (the plan's policy asks 1): none; 1 more needed; Alice submitted the "
        "review again (approved as alice); with --no-self-approval that approval does not count"
    )
    sign_off(store, first, APPROVE, reviewer="carol", at=at(4), answers=ANSWERS)
    assert gate(store, first, floor=GateFloor(self_approval=False)).passed  # carol counts


def test_an_awaiting_review_says_what_the_gate_counts(store: ApprovalStore) -> None:
    s = subject(policy=ApprovalPolicy(2))
    submit(store, s, requester="dev", at=at(0))
    record(store, s, [(APPROVE, "Dev")])  # the requester's own approval: 1 of the policy's 2
    reason = gate(store, s, floor=GateFloor(3, self_approval=False)).reason
    # the policy counts Dev: 1 of 2, 1 more; the gate needs max(3, 2) = 3 and does not count
    # Dev: 0 of 3, 3 more
    assert re.fullmatch(
        r"plans/checkout\.yaml: review-001 AWAITING APPROVAL: 1 of 2 approver\(s\) so far "
        r"\(Dev at [^)]+\); 1 more needed; the gate counts 0 of 3 approver\(s\) \(the gate's "
        r"--min-approvers 3; the plan's policy asks 2\): none; 3 more needed; dev requested the "
        r"review \(approved as Dev\); with --no-self-approval that approval does not count",
        reason,
    )
    # without a floor asking more, the policy's line alone
    assert gate(store, s).reason.endswith("; 1 more needed")


@pytest.mark.parametrize("bad", [0, -2, True, 1.0, "2"])
def test_a_gate_floor_needs_a_positive_whole_number(bad: Any) -> None:
    with pytest.raises(ApprovalError,
                       match=rf"the gate's --min-approvers {re.escape(repr(bad))} is not a "
                       r"positive whole number: pass 1, 2, \.\.\."):
        GateFloor(bad)


def test_plan_with_a_missing_price_cannot_be_approved(store: ApprovalStore) -> None:
    s = subject(
        missing_prices=("aws_instance.api: Instance usage (Linux/UNIX, on-demand, m9.huge)",)
    )
    submit(store, s, requester="dev", at=at(0))
    with pytest.raises(
        ApprovalError,
        match=r"review-001 \(plans/checkout.yaml\) cannot be approved: 1 cost line\(s\) have no "
        r"price \(aws_instance.api: Instance usage .*m9.huge\)\); price them \(`infra-toolkit "
        r"validate plans/checkout.yaml` names each one's fix: `infra-toolkit pricing refresh` for "
        r"a region the tables price only in part, else a rate in pricing.overrides or a row in "
        r"pricing.tables \(pricing_data/README.md\)\), then submit the plan again$",
    ):
        sign_off(store, s, APPROVE, reviewer="alice", at=at(1), answers=ANSWERS)
    sign_off(store, s, REJECT, reviewer="alice", at=at(2), comment="price missing")
    assert [r.kind for r in store.records()] == [RecordKind.REVIEW_REQUESTED, REJECT]
    assert not gate(store, s).passed


# The same person typing their name twice, differently: each pair is one approver of two needed.
@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Jos\u00e9", "Jose\u0301"),  # composed é (NFC) vs e + combining acute (NFD, macOS)
        ("alice", "alice\u200b"),  # zero-width space after
        ("alice", "\u200balice"),  # and before
        ("alice", "ali\u00adce"),  # soft hyphen
        ("alice", "alice\ufeff"),  # byte order mark
        ("alice", "ali\u200dce"),  # zero-width joiner
        ("alice", "\uff41\uff4c\uff49\uff43\uff45"),  # full-width letters
        ("ALICE", "alice\u00a0"),  # case, and a no-break space
        ("Stra\u00dfe", "STRASSE"),  # case folding, not lower(): ß is ss
        # drawn as nothing but not format characters (category Lo, Mn, So): each counted as a
        # second approver before (Default_Ignorable_Code_Point, and the blank Braille pattern)
        ("alice", "alice\u3164"),  # Hangul filler
        ("alice", "ali\u115fce"),  # Hangul choseong filler
        ("alice", "alice\uffa0"),  # half-width Hangul filler
        ("alice", "alice\ufe0f"),  # variation selector 16
        ("alice", "a\u034flice"),  # combining grapheme joiner
        ("alice", "alice\u2800"),  # Braille pattern blank
        ("alice", "alice\U000e0100"),  # variation selector 17
        ("alice", "alice\u2065"),  # unassigned, reserved as ignorable
    ],
)
def test_one_person_counts_once_however_the_name_is_typed(
    store: ApprovalStore, first: str, second: str
) -> None:
    s = subject(policy=ApprovalPolicy(required_approvers=2))
    submit(store, s, requester="dev", at=at(0))
    record(store, s, [(APPROVE, first)])
    done = sign_off(store, s, APPROVE, reviewer=second, at=at(2), answers=ANSWERS)
    assert done.record.reviewer == second  # recorded exactly as given
    assert done.status.status is Status.AWAITING_APPROVAL
    assert done.counted_once().startswith(f"already approved by {first} at ")
    decision = gate(store, s)
    assert not decision.passed
    assert "1 of 2 approver(s) so far" in decision.reason
    # and the rejection of one is lifted by the approval of the other spelling
    sign_off(store, s, REJECT, reviewer=first, at=at(3), comment="not yet")
    record(store, s, [(APPROVE, "bob"), (APPROVE, second)])
    assert gate(store, s).passed


@pytest.mark.parametrize(
    "name", ["\u200b", " \u200b\u00a0", "\u00ad\ufeff", "\u3164", "\u2800\ufe0f", "\u115f\u1160"]
)
def test_a_name_with_nothing_visible_is_blank(store: ApprovalStore, name: str) -> None:
    s = subject()
    with pytest.raises(ApprovalError, match=r"^requester is empty: pass --requester NAME$"):
        submit(store, s, requester=name, at=at(0))
    submit(store, s, requester="dev", at=at(0))
    with pytest.raises(ApprovalError, match=r"^reviewer is empty: pass --reviewer NAME$"):
        sign_off(store, s, APPROVE, reviewer=name, at=at(1), answers=ANSWERS)
    assert len(store.records()) == 1  # nothing written


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("alice\nPASS: approved", r"'\\n'"),
        ("alice\x1b[2K", r"'\\x1b'"),
        ("al\tice", r"'\\t'"),
        # line and paragraph separators: splitlines() and log viewers break the line there, so
        # 'bob\u2028PASS: ...' printed a second line 'PASS: ...' under a rejection's FAIL
        ("bob\u2028PASS: approved", r"'\\u2028'"),
        ("bob\u2029PASS: approved", r"'\\u2029'"),
    ],
)
def test_a_name_with_a_control_character_is_refused(
    store: ApprovalStore, name: str, shown: str
) -> None:
    s = subject()
    with pytest.raises(ApprovalError, match=rf"^requester .* holds control character\(s\) {shown}"):
        submit(store, s, requester=name, at=at(0))
    submit(store, s, requester="dev", at=at(0))
    with pytest.raises(ApprovalError, match=rf"^reviewer .* holds control character\(s\) {shown}: "
                       "pass the name on one line"):
        sign_off(store, s, APPROVE, reviewer=name, at=at(1), answers=ANSWERS)
    assert len(store.records()) == 1  # nothing written


@pytest.mark.parametrize(
    ("kind", "answers", "comment", "match"),
    [
        (
            APPROVE,
            {1: "yes"},
            "",
            (
                r"needs an answer to every question for approval; unanswered: "
                r"2 \('Who is on call\?'\): pass --answer N=TEXT"
            ),
        ),
        (APPROVE, {1: "yes", 2: "  "}, "", r"unanswered: 2 "),
        (APPROVE, {1: "\u200b", 2: "ops"}, "", r"unanswered: 1 "),  # nothing visible in it
        (APPROVE, {1: "yes", 2: "\u3164"}, "", r"unanswered: 2 "),  # a Hangul filler alone
        (
            APPROVE,
            {1: "yes", 2: "ops", 3: "x"},
            "",
            (
                r"answer\(s\) to question 3: plans/checkout.yaml has 2 question\(s\) "
                r"for approval, numbered 1-2; nothing recorded: number each --answer N=TEXT "
                r"from 1 to 2$"
            ),
        ),
        (REJECT, {}, "", r"rejecting needs a comment saying why: pass --comment TEXT"),
        (CHANGES, {}, " ", r"requesting changes needs a comment saying why: pass --comment TEXT"),
        (COMMENT, {}, " ", r"a comment needs its text: pass --comment TEXT"),
        (REJECT, {}, "\u200b\u00ad", r"rejecting needs a comment saying why"),
        (REJECT, {}, "\u2800", r"rejecting needs a comment saying why"),  # Braille blank
    ],
)
def test_sign_off_refuses_incomplete_decisions(
    store: ApprovalStore, kind: RecordKind, answers: dict[int, str], comment: str, match: str
) -> None:
    s = subject()
    submit(store, s, requester="dev", at=at(0))
    with pytest.raises(ApprovalError, match=match):
        sign_off(store, s, kind, reviewer="alice", at=at(1), answers=answers, comment=comment)
    assert len(store.records()) == 1  # nothing written


def test_answers_are_stored_with_their_questions(store: ApprovalStore) -> None:
    s = subject()
    submit(store, s, requester="dev", at=at(0))
    rec = sign_off(store, s, APPROVE, reviewer="Zoë Ops", at=at(1), answers=ANSWERS,
                   comment="ok").record
    (stored,) = [r for r in store.records() if r.seq == rec.seq]
    assert stored.answers == (
        Answer("Is the rollback tested?", "yes, in staging on 2026-11-20"),
        Answer("Who is on call?", "platform team"),
    )
    assert (stored.reviewer, stored.comment, stored.recorded_at) == (
        "Zoë Ops",
        "ok",
        "2026-11-26T09:01:00Z",
    )


def test_sign_off_needs_a_submitted_current_digest(store: ApprovalStore) -> None:
    with pytest.raises(
        ApprovalError,
        match=r"cannot record approved for plans/checkout.yaml: "
        r"plans/checkout.yaml \(digest aaaaaaaaaaaa…\) was never submitted for review",
    ):
        sign_off(store, subject("a"), APPROVE, reviewer="alice", at=at(1), answers=ANSWERS)
    submit(store, subject("a"), requester="dev", at=at(0))
    with pytest.raises(
        ApprovalError,
        match=r"was never submitted for review; review-001 covers an "
        r"earlier digest: run infra-toolkit submit plans/checkout.yaml",
    ):
        sign_off(store, subject("b"), APPROVE, reviewer="alice", at=at(1), answers=ANSWERS)
    with pytest.raises(ApprovalError, match=r"reviewer is empty"):
        sign_off(store, subject("a"), APPROVE, reviewer=" ", at=at(1), answers=ANSWERS)


def test_queue_lists_open_reviews_only(store: ApprovalStore) -> None:
    plans = {name: subject(plan=name, digest=f"{i:064x}") for i, name in enumerate("pqrst", 1)}
    for minute, s in enumerate(plans.values()):
        submit(store, s, requester="dev", at=at(minute))
    sign_off(store, plans["p"], APPROVE, reviewer="alice", at=at(10), answers=ANSWERS)
    sign_off(store, plans["q"], REJECT, reviewer="alice", at=at(11), comment="no")
    sign_off(store, plans["r"], CHANGES, reviewer="alice", at=at(12), comment="add alerts")
    submit(store, subject(plan="s", digest="f" * 64), requester="dev", at=at(13))  # supersedes s
    queue = review_queue(store)
    assert [(st.review_id, st.request.plan, st.status) for st in queue] == [
        ("review-003", "r", Status.CHANGES_REQUESTED),
        ("review-005", "t", Status.AWAITING_APPROVAL),
        ("review-006", "s", Status.AWAITING_APPROVAL),
    ]
    assert review_state(store, "review-004").superseded_by == "review-006"


def test_a_plan_back_at_an_earlier_digest_has_that_review_back_in_the_queue(
    store: ApprovalStore,
) -> None:
    first, second = subject("a"), subject("b")
    submit(store, first, requester="dev", at=at(0))  # review-001
    submit(store, second, requester="dev", at=at(1))  # review-002 supersedes it
    assert [st.review_id for st in review_queue(store)] == ["review-002"]
    # the change is reverted: the plan is back at the first digest, and submitted again
    done = submit(store, first, requester="dev", at=at(2))
    assert (done.record.review_id, done.created, done.resubmitted) == ("review-001", False, True)
    assert done.status.describe() == (
        "plans/checkout.yaml: review-001 AWAITING APPROVAL: 0 of 1 approver(s) so far; "
        "1 more needed"
    )
    # the queue asks for the version the plan has, not the one it no longer has
    assert [st.review_id for st in review_queue(store)] == ["review-001"]
    assert review_state(store, "review-002").superseded_by == "review-001"
    comment = store.records()[-1]
    assert (comment.kind, comment.review_id, comment.reviewer, comment.comment) == (
        COMMENT, "review-001", "dev",
        "submitted again: the plan is back at this digest, which review-002 no longer covers",
    )
    # submitting it once more records nothing: it is current
    again = submit(store, first, requester="dev", at=at(3))
    assert (again.created, again.resubmitted, len(store.records())) == (False, False, 3)
    # and the review carries on where it was
    sign_off(store, first, APPROVE, reviewer="alice", at=at(4), answers=ANSWERS)
    assert gate(store, first).passed and review_queue(store) == []


def test_unknown_review_id_is_a_clear_error(store: ApprovalStore) -> None:
    with pytest.raises(
        ApprovalError, match=r"unknown review id 'review-009' in .* \(reviews: none yet\)"
    ):
        review_state(store, "review-009")
    submit(store, subject("a"), requester="dev", at=at(0))
    submit(store, subject("b"), requester="dev", at=at(1))
    with pytest.raises(
        ApprovalError, match=r"\(reviews: review-001..review-002\); infra-toolkit queue"
    ):
        review_state(store, "review-009")


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"plan": ""}, r"plan \(the plan's name\) is empty"),
        (
            {"estimated_review_minutes": -5},
            r"estimated_review_minutes \(=-5\) must be an integer >= 0",
        ),
        (
            {"monthly_cost_delta_usd": 12.5},
            r"monthly_cost_delta_usd \(=12.5\) must be a finite Decimal",
        ),
        ({"questions": ("ok?", " ")}, r"question\(s\) \[2\] are blank"),
    ],
)
def test_subject_validation(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(ApprovalError, match=match):
        subject(**changes)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"required_approvers": 0}, r"required_approvers \(=0\) must be an integer >= 1"),
        ({"extra_approver_above_monthly_increase_usd": Decimal(-1)}, r"must be a Decimal >= 0"),
    ],
)
def test_policy_validation(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ApprovalError, match=match):
        subject(policy=ApprovalPolicy(**kwargs))


def test_approve_command_and_status_text_for_the_report(store_location: str) -> None:
    s = subject()
    assert approve_command(s) == (
        "infra-toolkit approve plans/checkout.yaml --digest " + "a" * 64 + " --reviewer "
        "YOUR_NAME --answer '1=YOUR ANSWER' --answer '2=YOUR ANSWER'"
    )
    assert review_status_text(s, store_location).startswith(
        "status unavailable: approval store"  # nothing submitted yet: no store
    )
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
    assert review_status_text(s, store_location) == (
        "plans/checkout.yaml: review-001 AWAITING APPROVAL: "
        "0 of 1 approver(s) so far; 1 more needed"
    )


@pytest.mark.parametrize(("reviewer", "answers", "match"), [
    # the report's approve command copied and run without filling it in (audit10 A10-2)
    ("YOUR_NAME", ANSWERS, r"^reviewer 'YOUR_NAME' is the blank of the report's approve "
                           r"command: pass --reviewer NAME; nothing recorded$"),
    ("alice", {1: "YOUR ANSWER", 2: " YOUR  ANSWER "},
     r"^approving review-001: answer\(s\) 1, 2 still read 'YOUR ANSWER', the blank of the "
     r"report's approve command: write your answer in each --answer N=TEXT; nothing recorded$"),
    ("alice", {1: "YOUR ANSWER", 2: "platform team"}, r"answer\(s\) 1 still read"),
])
def test_the_report_commands_blanks_record_nothing(
        store: ApprovalStore, reviewer: str, answers: dict[int, str], match: str) -> None:
    s = subject()
    submit(store, s, requester="dev", at=at(0))
    # the blanks are the command's own: it is what a reviewer copies from the report
    assert f"--reviewer {REVIEWER_PLACEHOLDER} --answer '1={ANSWER_PLACEHOLDER}'" in \
        approve_command(s)
    with pytest.raises(ApprovalError, match=match):
        sign_off(store, s, APPROVE, reviewer=reviewer, at=at(1), answers=answers)
    assert [r.kind for r in store.records()] == [RecordKind.REVIEW_REQUESTED]
    assert review_status(store, s).status is Status.AWAITING_APPROVAL
