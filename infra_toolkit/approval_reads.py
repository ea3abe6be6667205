"""The commands that read an approval store: a plan's status (``review_status``, and
``review_status_text`` for the report and the widget, which must not fail on it), one review's
state by id (``review_state``), the open reviews (``review_queue``). Each verifies the whole
chain first (:mod:`infra_toolkit.approval_verify`); one plan id, one plan file is checked on
read (:func:`~infra_toolkit.review_rules.plan_status`)."""

from __future__ import annotations

from infra_toolkit.approval_store import ApprovalStore, open_store
from infra_toolkit.approval_verify import verified_records
from infra_toolkit.errors import ApprovalError, quoted
from infra_toolkit.review_rules import PlanStatus, ReviewState, Status, plan_status, review_states
from infra_toolkit.review_subject import ReviewSubject

__all__ = ["OPEN_STATUSES", "review_queue", "review_state", "review_status", "review_status_text"]


def review_status(store: ApprovalStore, subject: ReviewSubject) -> PlanStatus:
    """The status of ``subject``'s current digest (verifies the chain first)."""
    return plan_status(verified_records(store), subject)


def review_state(store: ApprovalStore, review_id: str, *, writing: bool = False) -> ReviewState:
    """The state of one review by id; ApprovalError if the store has no such review.
    ``writing``: read for a write about to append to that review (a comment by review id), so
    the store is read as every write reads it: one keeping no chain head is no error (the write
    adds it), and a tampered store's error ends ``; nothing recorded``."""
    states = review_states(verified_records(store, writing=writing))
    if review_id not in states:
        known = f"{next(iter(states))}..{next(reversed(states))}" if states else "none yet"
        raise ApprovalError(
            f"unknown review id {quoted(review_id)} in {store.where} (reviews: {known}); "
            "infra-toolkit queue lists the open ones"
        )
    return states[review_id]


#: The statuses of an open review: the ones ``infra-toolkit queue`` lists.
OPEN_STATUSES = frozenset({Status.AWAITING_APPROVAL, Status.CHANGES_REQUESTED})


def review_queue(store: ApprovalStore) -> list[ReviewState]:
    """Open reviews (:data:`OPEN_STATUSES`), oldest first, not superseded."""
    return [
        st
        for st in review_states(verified_records(store)).values()
        if st.status in OPEN_STATUSES and st.superseded_by is None
    ]


def review_status_text(subject: ReviewSubject, store_location: str | None = None) -> str:
    """The status line of ``subject``'s current digest in the store at ``store_location`` (None:
    the default store), or why it cannot be read; never raises ApprovalError (for the report and
    the widget, which show the status but must not fail on it)."""
    try:
        with open_store(store_location) as store:
            return review_status(store, subject).describe()
    except ApprovalError as exc:
        return f"status unavailable: {exc}"

