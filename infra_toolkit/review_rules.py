"""What a review's status is, from its records: pure rules over the hash-chained records.

Rules (the records of a review, in order):

- A review covers one plan at one digest; a later review of the same plan (a new digest)
  supersedes it, and so does an earlier one submitted again (the plan went back to that digest:
  a comment marked ``resubmitted``).
- Approvals count once per reviewer: names are compared NFKC-normalised, without invisible
  characters (zero-width space, soft hyphen, Hangul filler, variation selector), trimmed,
  with inner spaces collapsed and case-folded (``Alice``, `` alice`` and ``alice\u200b`` are
  one approver; a decomposed and a composed ``José`` too), and recorded exactly as given.
- No later rejection stands: a rejection or change request voids every approval recorded before
  it for that review (approvers re-confirm after an objection), and it stands until the same
  reviewer approves that review. A standing rejection outranks a standing change request.
- APPROVED when no objection stands, no cost line lacks its price, and the number of distinct
  approvers reaches the policy: ``required_approvers``, plus one when the monthly cost increase
  exceeds ``extra_approver_above_monthly_increase_usd``.
- A plan whose current digest has no review is STALE if an earlier digest of it was approved,
  else NOT SUBMITTED. Comments never change a status.
- One plan id, one plan file: a plan whose id already holds the reviews of another plan file
  that still exists is refused (a moved plan keeps its reviews).

A pipeline's gate may ask more than the plan's policy (:class:`GateFloor`, which ``status``
never applies): at least ``min_approvers`` distinct approvers, and, without self-approval, the
approval of whoever requested the review or submitted it again (names compared as above) not
counted.

The store, the clock and the commands that write records: :mod:`infra_toolkit.approval_writes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from infra_toolkit.approval_records import Record, RecordKind
from infra_toolkit.cost import usd_text
from infra_toolkit.errors import ApprovalError, quoted
from infra_toolkit.review_subject import ReviewSubject
from infra_toolkit.visible_text import blank, reviewer_key

__all__ = [
    "OBJECTIONS",
    "RESUBMITTED",
    "GateFloor",
    "PlanStatus",
    "ReviewState",
    "Status",
    "blank",
    "check_plan_id",
    "plan_status",
    "review_states",
    "reviewer_key",
]

#: In a comment's details: the plan went back to this review's digest and submitted it again,
#: so this review supersedes any later one of the plan, as a new request would.
RESUBMITTED = "resubmitted"
#: The decisions that object to a plan; each needs a comment saying why.
OBJECTIONS = (RecordKind.REJECTED, RecordKind.CHANGES_REQUESTED)


class Status(StrEnum):
    """The status of a review, or of a plan's current digest."""

    AWAITING_APPROVAL = "AWAITING APPROVAL"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CHANGES_REQUESTED = "CHANGES REQUESTED"
    STALE = "STALE"
    NOT_SUBMITTED = "NOT SUBMITTED"


@dataclass(frozen=True)
class ReviewState:
    """One review as its records leave it: ``approvals`` (one per distinct reviewer, since the
    last objection), ``objections`` (standing rejections / change requests), and the review id
    of a later request for the same plan that supersedes it, if any; ``resubmissions``: the
    comments that submitted it again (each names who asked for it to be current again)."""

    request: Record
    subject: ReviewSubject
    status: Status
    approvals: tuple[Record, ...] = ()
    objections: tuple[Record, ...] = ()
    superseded_by: str | None = None
    resubmissions: tuple[Record, ...] = ()

    @property
    def review_id(self) -> str:
        """``review-NNN``."""
        return self.request.review_id

    @property
    def approvals_missing(self) -> int:
        """How many more distinct approvers are needed (0 once enough have approved)."""
        return max(0, self.subject.approvers_needed - len(self.approvals))

    def counted_approval(self, reviewer: str) -> Record | None:
        """The approval that counts for ``reviewer`` (names compared as the rules compare them:
        NFKC, invisible characters dropped, trimmed, spaces collapsed, case-folded), or
        None."""
        key = reviewer_key(reviewer)
        return next((r for r in self.approvals if reviewer_key(r.reviewer) == key), None)

    def describe(self) -> str:
        """One line saying the status and why: who approved, who objected, how many more; and
        the review that superseded this one, if any."""
        head = f"{self.review_id} {self.status.value}"
        if self.superseded_by is not None:
            head += f" (superseded by {self.superseded_by})"
        if self.status is Status.APPROVED:
            return f"{head} by {_who(self.approvals)}"
        if self.objections:
            # a change request standing beside a rejection is said as one: it read as a
            # second rejection ("REJECTED by carol ...; dave ...")
            asked = [r for r in self.objections if r.kind is RecordKind.CHANGES_REQUESTED]
            rejected = [r for r in self.objections if r.kind is RecordKind.REJECTED]
            parts = [f"{head} by " + _objected(rejected or asked)]
            if rejected and asked:
                parts.append("changes requested by " + _objected(asked))
            return "; ".join(parts)
        if self.subject.missing_prices:
            return (
                f"{head}: it cannot be approved while {len(self.subject.missing_prices)} cost "
                f"line(s) have no price ({'; '.join(self.subject.missing_prices)}); "
                f"{self.subject.price_fix}"
            )
        so_far = f" ({_who(self.approvals)})" if self.approvals else ""
        return (
            f"{head}: {len(self.approvals)} of {self.subject.approvers_needed} approver(s) so far"
            f"{so_far}; {self.approvals_missing} more needed{_extra_approver(self.subject)}"
        )


def _extra_approver(subject: ReviewSubject) -> str:
    """Why the policy asks one approver more than its ``required_approvers`` (the monthly cost
    rises above its threshold), else empty: "0 of 3" read as a miscount of a policy of 2."""
    policy = subject.policy
    threshold = policy.extra_approver_above_monthly_increase_usd
    if threshold is None or subject.approvers_needed == policy.required_approvers:
        return ""
    return (
        f" (the policy's {policy.required_approvers}, plus 1 as the monthly cost rises by "
        f"{usd_text(subject.monthly_cost_delta_usd)}, above "
        f"extra_approver_above_monthly_increase_usd {usd_text(threshold)})"
    )


def _objected(records: list[Record]) -> str:
    """Who objected, when and why: ``carol at 2026-...Z: 'no load test'; dave at ...``; a
    comment longer than a line clipped (its start and its length: the report shows it whole),
    as status and gate printed a 300,000-character one whole on their one line."""
    return "; ".join(f"{r.reviewer} at {r.recorded_at}: {quoted(r.comment)}" for r in records)


@dataclass(frozen=True)
class GateFloor:
    """What a pipeline's gate asks on top of the plan's own policy, which the plan's author
    controls: at least ``min_approvers`` distinct approvers (the gate needs the larger of this
    and the policy's count, its extra approver above the cost threshold included), and with
    ``self_approval`` False, an approval by the person who requested the review does not
    count."""

    min_approvers: int = 1
    self_approval: bool = True

    def __post_init__(self) -> None:
        n = self.min_approvers
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ApprovalError(
                f"the gate's --min-approvers {n!r} is not a positive whole number: pass 1, 2, ..."
            )

    def shortfall(self, state: ReviewState) -> str | None:
        """Why ``state``, APPROVED under its plan's policy, does not pass this floor (one line:
        approvals counted of those needed, and what asks for them), or None when it does."""
        count = self._count(state)
        if count is None:
            return None
        return f"{state.review_id} APPROVED under the plan's policy, but {count}"

    def unmet_note(self, status: Status, state: ReviewState | None) -> str:
        """What to add to the reason of a review still AWAITING APPROVAL under its policy when
        this floor asks more approvers or does not count the requester's approval (what the gate
        counts, and why), else nothing: the reason's own count is the policy's."""
        if status is not Status.AWAITING_APPROVAL or state is None:
            return ""
        count = self._count(state)
        stricter = self.min_approvers > state.subject.approvers_needed or bool(self._own(state))
        return f"; {count}" if stricter and count is not None else ""

    def _requesters(self, state: ReviewState) -> dict[str, Record]:
        # whoever asked for this review, first or again (a resubmission), requested it
        return {reviewer_key(r.reviewer): r for r in (*state.resubmissions, state.request)}

    def _own(self, state: ReviewState) -> list[Record]:
        """The approvals not counted: a requester's, without self-approval."""
        requesters = self._requesters(state)
        return [] if self.self_approval else [
            r for r in state.approvals if reviewer_key(r.reviewer) in requesters
        ]

    def _count(self, state: ReviewState) -> str | None:
        """'the gate counts C of N approver(s) (what asks for N): who; K more needed', with a
        clause per requester's approval not counted; None when the floor is met."""
        policy = state.subject.approvers_needed
        needed = max(self.min_approvers, policy)
        requesters, own = self._requesters(state), self._own(state)
        counted = [r for r in state.approvals if r not in own]
        if len(counted) >= needed:
            return None
        basis = f"the plan's policy asks {policy}"
        if self.min_approvers > 1:
            basis = f"the gate's --min-approvers {self.min_approvers}; {basis}"
        line = (
            f"the gate counts {len(counted)} of {needed} approver(s) ({basis}): "
            f"{_who(counted) or 'none'}; {needed - len(counted)} more needed"
        )
        for record in own:
            asked = requesters[reviewer_key(record.reviewer)]
            how = "requested the review" if asked is state.request else "submitted the review again"
            alias = f" (approved as {record.reviewer})" if record.reviewer != asked.reviewer else ""
            line += (
                f"; {asked.reviewer} {how}{alias}; with --no-self-approval that approval does "
                "not count"
            )
        return line


def _who(records: Iterable[Record]) -> str:
    return ", ".join(f"{r.reviewer} at {r.recorded_at}" for r in records)


def _evaluate(request: Record, events: list[Record], superseded_by: str | None) -> ReviewState:
    subject = ReviewSubject.from_request(request)
    approvals: dict[str, Record] = {}
    objections: dict[str, Record] = {}
    for record in events:
        key = reviewer_key(record.reviewer)
        if record.kind is RecordKind.APPROVED:
            objections.pop(key, None)
            approvals.setdefault(key, record)
        elif record.kind in OBJECTIONS:
            approvals.clear()
            objections[key] = record
    kinds = {r.kind for r in objections.values()}
    if RecordKind.REJECTED in kinds:
        status = Status.REJECTED
    elif kinds:
        status = Status.CHANGES_REQUESTED
    elif len(approvals) >= subject.approvers_needed and not subject.missing_prices:
        status = Status.APPROVED
    else:
        status = Status.AWAITING_APPROVAL
    standing = tuple(sorted(objections.values(), key=lambda r: r.seq))
    again = tuple(r for r in events if r.kind is RecordKind.COMMENT and r.details.get(RESUBMITTED))
    return ReviewState(request, subject, status, tuple(approvals.values()), standing, superseded_by,
                       again)


def review_states(records: Iterable[Record]) -> dict[str, ReviewState]:
    """Every review's state from the records (oldest first), keyed by review id, in order."""
    requests: dict[str, Record] = {}
    events: dict[str, list[Record]] = {}
    latest_by_plan: dict[str, str] = {}
    for record in records:
        if record.kind is RecordKind.REVIEW_REQUESTED:
            requests[record.review_id] = record
            latest_by_plan[record.plan] = record.review_id
        else:
            events.setdefault(record.review_id, []).append(record)
            if record.details.get(RESUBMITTED) and record.review_id in requests:
                latest_by_plan[requests[record.review_id].plan] = record.review_id
    return {
        rid: _evaluate(
            req,
            events.get(rid, []),
            latest_by_plan[req.plan] if latest_by_plan[req.plan] != rid else None,
        )
        for rid, req in requests.items()
    }


@dataclass(frozen=True)
class PlanStatus:
    """The status of a plan's current digest; ``review`` is the review it comes from (for
    STALE: the latest approved earlier review; for NOT SUBMITTED: the latest earlier one, if
    any); ``same_digest``, for NOT SUBMITTED and STALE, the latest review of this very digest
    under another plan id (the plan file renamed, its id being its file name), the latest
    approved one if any."""

    subject: ReviewSubject
    status: Status
    review: ReviewState | None = None
    same_digest: ReviewState | None = None

    def describe(self) -> str:
        """One line: the status, who and when, or why not and what to do."""
        s, review = self.subject, self.review
        resubmit = f"submit it again (infra-toolkit submit {s.name})"
        if self.status is Status.STALE and review is not None:
            return (
                f"{s.name} is STALE: {review.review_id} approved digest "
                f"{review.request.digest[:12]}… by {_who(review.approvals)}, but its digest is "
                f"now {s.digest[:12]}… ({_what_changed(s, review.subject)}); "
                f"{resubmit}{self._renamed()}"
            )
        if self.status is Status.NOT_SUBMITTED:
            changed = ", ".join(s.changed_since(review.subject)) if review else ""
            earlier = (f"; {review.review_id} covers an earlier digest"
                       f"{f' (changed: {changed})' if changed else ''}" if review else "")
            return (
                f"{s.name} (digest {s.digest[:12]}…) was never submitted for review{earlier}: "
                f"run infra-toolkit submit {s.name}{self._renamed()}"
            )
        assert review is not None
        return f"{s.name}: {review.describe()}"


    def _renamed(self) -> str:
        """Where this digest was reviewed under another plan id, and why that review does not
        count here; empty when it was not."""
        other = self.same_digest
        if other is None:
            return ""
        where = other.subject.plan_file or other.subject.name
        return (
            f"; this same digest is {other.review_id} ({other.status.value}) of plan id "
            f"{other.request.plan!r} ({where}): a plan's reviews follow its id, its "
            f"metadata.id or else its file name, so a renamed file is a new plan; give the "
            f"file its old name again to keep that review, or submit it as a new plan"
        )


def _what_changed(now: ReviewSubject, reviewed: ReviewSubject) -> str:
    """``changed: file a.yaml, pricing table b.csv (new)`` when both subjects know their digest
    inputs, else the three things that may have changed."""
    changed = now.changed_since(reviewed)
    if not changed:
        return "the plan, a referenced file or a pricing table changed"
    return "changed: " + ", ".join(changed)


def check_plan_id(requests: Iterable[Record], subject: ReviewSubject) -> None:
    """ApprovalError when ``subject``'s plan id already holds the reviews (``requests``: review
    requests, oldest first) of another plan file that still exists: two plans would share one
    review history."""
    files = ((r, ReviewSubject.from_request(r).plan_file) for r in requests
             if r.plan == subject.plan)
    clash = [(request, file) for request, file in files if subject.shares_id_with(file)]
    if clash:
        request, file = clash[-1]
        raise ApprovalError(
            f"{subject.name}: plan id {subject.plan!r} is already used by "
            f"{file} ({request.review_id}); give this plan its own metadata.id "
            "(a plan that moved keeps its reviews once its old file is gone)"
        )


def plan_status(records: Iterable[Record], subject: ReviewSubject) -> PlanStatus:
    """The status of ``subject``'s current digest given the store's records (oldest first).
    Raises ApprovalError when its plan id holds another plan file's reviews."""
    states = review_states(records).values()
    mine = [st for st in states if st.request.plan == subject.plan]
    check_plan_id([st.request for st in mine], subject)
    for state in mine:
        if state.request.digest == subject.digest:
            return PlanStatus(subject, state.status, state)
    # no review of this digest under this id: one under another id is a renamed plan file
    # (its id its file name), which the gate would otherwise call never submitted
    renamed = [st for st in states if st.request.digest == subject.digest]
    renamed_approved = [st for st in renamed if st.status is Status.APPROVED]
    same = (renamed_approved or renamed)[-1] if renamed else None
    approved = [st for st in mine if st.status is Status.APPROVED]
    if approved:
        return PlanStatus(subject, Status.STALE, approved[-1], same)
    return PlanStatus(subject, Status.NOT_SUBMITTED, mine[-1] if mine else None, same)
