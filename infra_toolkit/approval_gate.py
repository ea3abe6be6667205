"""The deployment gate (``gate``): may a plan's current digest be deployed, and why not
(``GateDecision``). Yes only for an APPROVED digest meeting the pipeline's floor of approvers,
in a store whose chain verifies (:mod:`infra_toolkit.approval_verify`)."""

from __future__ import annotations

from dataclasses import dataclass

from infra_toolkit.approval_records import ChainReport
from infra_toolkit.approval_store import ApprovalStore
from infra_toolkit.approval_verify import verified_records
from infra_toolkit.errors import ApprovalError, StoreIntegrityError
from infra_toolkit.review_rules import GateFloor, Status, plan_status
from infra_toolkit.review_subject import ReviewSubject

__all__ = ["GateDecision", "gate"]


@dataclass(frozen=True)
class GateDecision:
    """The gate's answer: ``passed`` only for an approved current digest; ``reason`` says why."""

    passed: bool
    reason: str


def gate(
    store: ApprovalStore,
    subject: ReviewSubject,
    *,
    known: ChainReport | None = None,
    floor: GateFloor | None = None,
) -> GateDecision:
    """May ``subject`` be deployed? Yes only when its current digest is APPROVED per its policy
    and meets ``floor`` (the pipeline's own minimum of approvers, and whether the requester's
    approval counts: the policy is the plan author's; None: the policy alone), no rejection
    stands, the store's chain verifies (and still holds ``known``, a head kept outside the
    store, if given) and its plan id is its own."""
    try:
        records = verified_records(store, known=known)
    except StoreIntegrityError as exc:
        return GateDecision(False, str(exc))
    try:
        status = plan_status(records, subject)
    except ApprovalError as exc:  # from the records, not the store: a plan id used twice
        return GateDecision(False, str(exc))
    floor = floor or GateFloor()
    if status.status is not Status.APPROVED or status.review is None:
        note = floor.unmet_note(status.status, status.review)
        return GateDecision(False, status.describe() + note)
    short = floor.shortfall(status.review)
    if short is not None:
        return GateDecision(False, f"{subject.name}: {short}")
    return GateDecision(True, status.describe())

