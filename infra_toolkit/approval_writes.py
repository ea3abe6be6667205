"""The commands that write to an approval store: ``submit`` a plan for review and ``sign_off``
(approve, reject, request changes, comment), each returning :class:`Recorded`.

Both work on a :class:`ReviewSubject` (what is reviewed: a plan's identity, its digest,
metadata, questions for approval, policy and cost delta) and an
:class:`~infra_toolkit.approval_store.ApprovalStore` (where the append-only, hash-chained records
live). Time is an argument (``at``, an aware datetime): the CLI and the widget read the clock.
What a review's status is (objections, distinct approvers, STALE) is decided by the pure rules
of :mod:`infra_toolkit.review_rules`. The commands add:

- ``submit`` of a digest already submitted returns the existing review; a changed plan (new
  digest) gets a new review, and the old one is superseded.
- Approving needs a non-blank answer to every question for approval; rejecting or requesting
  changes needs a comment saying why; a comment needs its text. A plan with a cost line whose
  price was not found cannot be approved.
- One plan id, one plan file: submit and sign-off check it under the store's write lock, in the
  transaction that appends: of two plan files submitted with one id at the same moment, one is
  recorded and the other refused.
- Every write verifies the chain before appending (:mod:`infra_toolkit.approval_verify`), the
  part appended meanwhile under the write lock: nothing is recorded into a tampered store; the
  status it returns comes from those records plus the new one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from infra_toolkit.approval_records import (
    GENESIS_HASH,
    Answer,
    ChainReport,
    Record,
    RecordDraft,
    RecordKind,
    utc_timestamp,
    verify_chain,
)
from infra_toolkit.approval_store import ApprovalStore
from infra_toolkit.approval_verify import refusing, verified_records
from infra_toolkit.errors import ApprovalError, quoted
from infra_toolkit.review_rules import (
    OBJECTIONS,
    RESUBMITTED,
    PlanStatus,
    blank,
    check_plan_id,
    plan_status,
)
from infra_toolkit.review_subject import ANSWER_PLACEHOLDER, REVIEWER_PLACEHOLDER, ReviewSubject
from infra_toolkit.visible_text import NAME_CHARS

__all__ = ["CLI_INPUTS", "FormInputs", "Recorded", "sign_off", "submit"]


@dataclass(frozen=True)
class FormInputs:
    """How a front end's user gives each input, as the advice that ends a refusal: the CLI
    says which flag to pass, the widget which box to fill (its user has no flags)."""

    reviewer: str
    comment: str
    each_answer: str
    answer_boxes: str


CLI_INPUTS = FormInputs(
    reviewer="pass --reviewer NAME",
    comment="pass --comment TEXT",
    each_answer="pass --answer N=TEXT for each",
    answer_boxes="each --answer N=TEXT",
)


@dataclass(frozen=True)
class Recorded:
    """What :func:`submit` or :func:`sign_off` did: ``record``, the record written (or, when
    ``created`` is False, the review request that an earlier submit of this digest wrote),
    ``status``, the plan's status right after it, ``head_added``, the chain head this write
    added to a store that kept none (the newest record before it), else None, and
    ``resubmitted``: a submit of a digest whose review a later one had superseded, which made it
    the plan's current review again."""

    record: Record
    created: bool
    status: PlanStatus
    head_added: ChainReport | None = None
    resubmitted: bool = False
    guards_restored: tuple[str, ...] = ()

    def head_added_note(self) -> str:
        """When this write added the chain head to a store that kept none (older than it, or
        its head removed): what the head was seeded from, for the user to compare with a copy
        they kept (records deleted from the end before it would not show); else empty."""
        if self.head_added is None:
            return ""
        return (
            f"the store had no chain head: added it at record {self.head_added.count} (hash "
            f"{self.head_added.head_hash}); compare it with a copy you kept"
        )

    def guards_restored_note(self) -> str:
        """When this write restored triggers that guard the store (missing, or disabled): which,
        and what to compare, since whoever removed them could change records or the head without
        a trace; else empty."""
        if not self.guards_restored:
            return ""
        return (
            f"the store's trigger(s) {', '.join(self.guards_restored)} were missing or disabled: "
            "restored them; whoever removed them could have changed records without a trace, so "
            "compare the head verify prints with one you kept (--known-head)"
        )

    def counted_once(self) -> str:
        """For an approval by a reviewer whose earlier approval of this review already counts
        (names compared as the rules compare them): a note saying this one is not counted again;
        else empty."""
        review = self.status.review
        if self.record.kind is not RecordKind.APPROVED or review is None:
            return ""
        earlier = review.counted_approval(self.record.reviewer)
        if earlier is None or earlier.seq == self.record.seq:
            return ""
        return f"already approved by {earlier.reviewer} at {earlier.recorded_at}; counted once"


def submit(
    store: ApprovalStore, subject: ReviewSubject, *, requester: str, at: datetime
) -> Recorded:
    """Queue ``subject`` for review: append a review request with the next ``review-NNN``.

    Returns the request (``created`` False when this plan and digest were already submitted:
    nothing is written then, unless a later digest's review had superseded that review: the plan
    went back to this version, and a comment saying so makes it the current review again,
    ``resubmitted``) and the plan's status after it. Raises ApprovalError for a blank
    requester, a plan id that holds another plan file's reviews, or a tampered store (nothing is
    written then).
    """
    _check_name(requester, "requester", "pass --requester NAME")
    draft = RecordDraft(
        review_id="",
        kind=RecordKind.REVIEW_REQUESTED,
        plan=subject.plan,
        digest=subject.digest,
        reviewer=requester,
        recorded_at=utc_timestamp(at),
        details=subject.details(),
    )
    done = _append(store, subject, draft)
    review = done.status.review
    if done.created or review is None or review.superseded_by is None:
        return done
    # The plan went back to a digest whose review a later one superseded: record that this review
    # covers the current version again, or it would stay out of the queue while the queue showed
    # a review of a version the plan no longer has. A comment, which every infra-toolkit reads.
    again = RecordDraft(
        review_id=review.review_id,
        kind=RecordKind.COMMENT,
        plan=subject.plan,
        digest=subject.digest,
        reviewer=requester,
        recorded_at=utc_timestamp(at),
        comment=f"submitted again: the plan is back at this digest, which "
        f"{review.superseded_by} no longer covers",
        details={RESUBMITTED: True},
    )
    current = _append(store, subject, again)
    return Recorded(done.record, False, current.status, done.head_added or current.head_added,
                    resubmitted=True, guards_restored=done.guards_restored)


def sign_off(
    store: ApprovalStore,
    subject: ReviewSubject,
    decision: RecordKind,
    *,
    reviewer: str,
    at: datetime,
    answers: Mapping[int, str] | None = None,
    comment: str = "",
    reviewed_digest: str | None = None,
    inputs: FormInputs = CLI_INPUTS,
) -> Recorded:
    """Record ``decision`` (approved, rejected, changes requested or comment) by ``reviewer`` on
    the review of ``subject``'s current digest. ``answers`` maps question number (1-based) to
    the answer. ``reviewed_digest``, when given, is the digest the reviewer read (the report
    prints it): a subject whose digest is another is refused, since the decision would sign a
    version nobody reviewed. ``inputs`` words the advice of a refusal for the front end
    (default: the CLI's flags). Returns the record and the plan's status after it. Raises
    ApprovalError saying what is missing, or that the store is tampered; writes nothing then."""
    if decision is RecordKind.REVIEW_REQUESTED:
        raise ApprovalError("a review is requested with submit, not sign_off")
    if reviewed_digest is not None and reviewed_digest != subject.digest:
        raise ApprovalError(
            f"{subject.name} changed since it was reviewed (digest {reviewed_digest[:12]}… "
            f"reviewed, {subject.digest[:12]}… now: the plan, a file it references or a "
            "pricing table differs); nothing recorded: rebuild the report to review the plan "
            "as it is now (and infra-toolkit submit it if it is a new version)"
        )
    _check_name(reviewer, "reviewer", inputs.reviewer)
    if " ".join(reviewer.split()) == REVIEWER_PLACEHOLDER:
        raise ApprovalError(f"reviewer {reviewer!r} is the blank of the report's approve "
                            f"command: {inputs.reviewer}; nothing recorded")
    request = store.find_request(subject.plan, subject.digest)
    if request is None:
        status = plan_status(store.records(), subject)
        raise ApprovalError(
            f"cannot record {decision.value} for {subject.name}: {status.describe()}"
        )
    stored = ReviewSubject.from_request(request)
    given = dict(answers or {})
    bad = sorted(n for n in given if not 1 <= n <= len(stored.questions))
    if bad:
        n = len(stored.questions)  # the numbers as typed (0, 9), not a list's repr ([0, 9])
        raise ApprovalError(
            f"answer(s) to question {', '.join(map(str, bad))}: {subject.name} has {n} "
            f"question(s) for approval, numbered 1-{n}; nothing recorded: number "
            f"{inputs.answer_boxes} from 1 to {n}"
        )
    for n, text in sorted(given.items()):
        _check_utf8(text, f"answer {n}", inputs.each_answer)
    _check_utf8(comment, "the comment", inputs.comment)
    if decision is RecordKind.APPROVED:
        _check_approvable(stored, request.review_id, given, inputs)
    if decision in OBJECTIONS and blank(comment):
        raise ApprovalError(f"{_DOING[decision]} needs a comment saying why: {inputs.comment}")
    if decision is RecordKind.COMMENT and blank(comment):
        raise ApprovalError(f"a comment needs its text: {inputs.comment}")
    draft = RecordDraft(
        review_id=request.review_id,
        kind=decision,
        plan=request.plan,
        digest=request.digest,
        reviewer=reviewer,
        recorded_at=utc_timestamp(at),
        answers=tuple(Answer(q, given[n]) for n, q in enumerate(stored.questions, 1) if n in given),
        comment=comment,
    )
    return _append(store, subject, draft)


def _check_name(name: str, role: str, advice: str) -> None:
    """ApprovalError for a blank name, or one holding a control character: a line break or a
    terminal escape in a name would forge lines of the status that gate, status and the report
    print (``FAIL: ...\\nPASS: ...``). The line and paragraph separators U+2028 and U+2029
    (categories Zl, Zp) count: they end a line for ``str.splitlines``, JSON log viewers and
    editors, so one forged a ``PASS:`` line as well as ``\\n``."""
    if blank(name):
        raise ApprovalError(f"{role} is empty: {advice}")
    if len(name) > NAME_CHARS:
        # every status, gate and queue line names the people: a 100,000-character name was
        # recorded, and printed whole in each of them from then on
        raise ApprovalError(f"{role} {quoted(name)} is longer than {NAME_CHARS} characters: "
                            f"{advice}, a person's name; nothing recorded")
    _check_utf8(name, role, advice)
    control = sorted({c for c in name if unicodedata.category(c) in _LINE_BREAKING})
    if control:
        raise ApprovalError(
            f"{role} {name!r} holds control character(s) "
            f"{', '.join(repr(c) for c in control)}: pass the name on one line, as plain text"
        )


def _check_utf8(text: str, what: str, advice: str) -> None:
    """ApprovalError for text holding a lone surrogate: a byte of the command line that is not
    UTF-8 (Python decodes argv with surrogateescape) could not be hashed into a record, and
    was a UnicodeEncodeError traceback."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ApprovalError(
            f"{what} holds {text[exc.start]!r}, which is not UTF-8 text (a byte of another "
            f"encoding, e.g. Latin-1, in the terminal or the script?): write it as UTF-8 text "
            f"({advice}); nothing recorded") from None


def _append(store: ApprovalStore, subject: ReviewSubject, draft: RecordDraft) -> Recorded:
    """Append ``draft`` for ``subject`` unless the chain is tampered or the plan id is another
    plan file's; return the record and the plan's status after it.

    The whole chain is verified first, without the write lock (readers do not wait for each
    other), then again under the lock from the newest record verified on: it is unchanged, the
    records appended since continue it, and the store's head is the newest of them. So nothing
    is appended to a chain found tampered, the lock is held for the few records appended
    meanwhile rather than the whole chain, and the status comes from the records verified plus
    the new one (one read of the store per write)."""
    verified = verified_records(store, writing=True)

    def check() -> None:
        tip = verified[-1] if verified else None
        start = ChainReport(tip.seq - 1, tip.prev_hash) if tip else ChainReport(0, GENESIS_HASH)
        suffix = list(store.iter_records(start.count + 1))
        head = store.chain_head()  # present: append added it to an older store before this
        refusing(lambda: verify_chain(suffix, store.where, head or start, start=start))
        verified[len(verified) - (tip is not None):] = suffix
        requests = (r for r in verified if r.kind is RecordKind.REVIEW_REQUESTED)
        check_plan_id([r for r in requests if r.plan == subject.plan], subject)

    record, created, head_added, restored = store.append(draft, check=check)
    status = plan_status([*verified, record] if created else verified, subject)
    return Recorded(record, created, status, head_added, guards_restored=restored)


#: Categories of characters refused in a name: controls (Cc: LF, CR, ESC, NEL) and the line
#: and paragraph separators (Zl, Zp), which break a line as LF does.
_LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})

_DOING = {RecordKind.REJECTED: "rejecting", RecordKind.CHANGES_REQUESTED: "requesting changes"}


def _check_approvable(subject: ReviewSubject, review_id: str, answers: Mapping[int, str],
                      inputs: FormInputs) -> None:
    if subject.missing_prices:
        raise ApprovalError(
            f"{review_id} ({subject.name}) cannot be approved: {len(subject.missing_prices)} cost "
            f"line(s) have no price ({'; '.join(subject.missing_prices)}); price them "
            f"({subject.price_fix}), then submit the plan again"
        )
    placeholders = [n for n, text in sorted(answers.items())
                    if " ".join(text.split()) == ANSWER_PLACEHOLDER]
    if placeholders:
        raise ApprovalError(
            f"approving {review_id}: answer(s) {', '.join(map(str, placeholders))} still read "
            f"{ANSWER_PLACEHOLDER!r}, the blank of the report's approve command: write your "
            f"answer in {inputs.answer_boxes}; nothing recorded"
        )
    unanswered = [
        f"{n} ({q!r})" for n, q in enumerate(subject.questions, 1) if blank(answers.get(n, ""))
    ]
    if unanswered:
        raise ApprovalError(
            f"approving {review_id} needs an answer to every question for approval; "
            f"unanswered: {', '.join(unanswered)}: {inputs.each_answer}"
        )
