"""What a review is about: a plan's identity, its digest, its metadata, its questions for
approval, its approval policy and its monthly cost delta, as one small value (:class:`ReviewSubject`),
and how it is read from a plan file (:func:`read_review_subject`).

The approval store and its rules (``approval.py``) only ever see a ``ReviewSubject``; this module
is the one place that knows the plan schema.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from infra_toolkit.approval_records import Record
from infra_toolkit.errors import ApprovalError, StoreIntegrityError

__all__ = ["ApprovalPolicy", "ReviewSubject", "approve_command", "read_review_subject"]


@dataclass(frozen=True)
class ApprovalPolicy:
    """How many distinct approvers a plan needs: ``required_approvers``, plus one more when the
    monthly cost increase is above ``extra_approver_above_monthly_increase_usd`` (None: never)."""

    required_approvers: int = 1
    extra_approver_above_monthly_increase_usd: Decimal | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.required_approvers, int) or self.required_approvers < 1:
            raise ApprovalError(
                f"approval policy: required_approvers (={self.required_approvers!r}) must be "
                "an integer >= 1"
            )
        threshold = self.extra_approver_above_monthly_increase_usd
        if threshold is not None and (not isinstance(threshold, Decimal) or threshold < 0):
            raise ApprovalError(
                f"approval policy: extra_approver_above_monthly_increase_usd (={threshold!r}) "
                "must be a Decimal >= 0 (USD per month) or None"
            )

    def approvers_needed(self, monthly_cost_delta_usd: Decimal) -> int:
        """Distinct approvers needed for a plan whose monthly cost changes by this much (USD)."""
        threshold = self.extra_approver_above_monthly_increase_usd
        extra = threshold is not None and monthly_cost_delta_usd > threshold
        return self.required_approvers + int(extra)


@dataclass(frozen=True)
class ReviewSubject:
    """What a review is about. ``plan`` identifies the plan across its versions; ``digest``
    (SHA-256 hex) pins the exact version reviewed; ``missing_prices`` names cost lines whose
    price was not found (any makes the plan unapprovable); ``source`` is the file it came from."""

    plan: str
    digest: str
    title: str
    priority: str
    change_type: str
    estimated_review_minutes: int
    questions: tuple[str, ...] = ()
    policy: ApprovalPolicy = field(default_factory=ApprovalPolicy)
    monthly_cost_delta_usd: Decimal = Decimal(0)
    missing_prices: tuple[str, ...] = ()
    source: str = ""
    summary: str = ""

    def __post_init__(self) -> None:
        # The digest and plan are checked again by RecordDraft; failing here names the subject.
        if not self.plan:
            raise ApprovalError("review subject: plan (the plan's name) is empty")
        if not isinstance(self.estimated_review_minutes, int) or self.estimated_review_minutes < 0:
            raise ApprovalError(
                f"review subject {self.plan}: estimated_review_minutes "
                f"(={self.estimated_review_minutes!r}) must be an integer >= 0"
            )
        if (
            not isinstance(self.monthly_cost_delta_usd, Decimal)
            or not self.monthly_cost_delta_usd.is_finite()
        ):
            raise ApprovalError(
                f"review subject {self.plan}: monthly_cost_delta_usd "
                f"(={self.monthly_cost_delta_usd!r}) must be a finite Decimal"
            )
        blank = [i + 1 for i, q in enumerate(self.questions) if not q.strip()]
        if blank:
            raise ApprovalError(f"review subject {self.plan}: question(s) {blank} are blank")

    @property
    def approvers_needed(self) -> int:
        """Distinct approvers this subject needs under its policy and cost delta."""
        return self.policy.approvers_needed(self.monthly_cost_delta_usd)

    @property
    def name(self) -> str:
        """How messages name the plan: its file if known, else its identity."""
        return self.source or self.plan

    def details(self) -> dict[str, Any]:
        """The subject as stored in its review-requested record (money as decimal strings)."""
        threshold = self.policy.extra_approver_above_monthly_increase_usd
        return {
            "title": self.title,
            "priority": self.priority,
            "type": self.change_type,
            "estimated_review_minutes": self.estimated_review_minutes,
            "questions": list(self.questions),
            "required_approvers": self.policy.required_approvers,
            "extra_approver_above_monthly_increase_usd": None
            if threshold is None
            else str(threshold),
            "monthly_cost_delta_usd": str(self.monthly_cost_delta_usd),
            "missing_prices": list(self.missing_prices),
            "source": self.source,
            "summary": self.summary,
        }

    @classmethod
    def from_request(cls, request: Record) -> ReviewSubject:
        """The subject stored in a review-requested record (inverse of :meth:`details`)."""
        d = request.details
        try:
            threshold = d["extra_approver_above_monthly_increase_usd"]
            return cls(
                plan=request.plan,
                digest=request.digest,
                title=str(d["title"]),
                priority=str(d["priority"]),
                change_type=str(d["type"]),
                estimated_review_minutes=int(d["estimated_review_minutes"]),
                questions=tuple(str(q) for q in d["questions"]),
                policy=ApprovalPolicy(
                    int(d["required_approvers"]),
                    None if threshold is None else Decimal(threshold),
                ),
                monthly_cost_delta_usd=Decimal(d["monthly_cost_delta_usd"]),
                missing_prices=tuple(str(m) for m in d["missing_prices"]),
                source=str(d["source"]),
                summary=str(d["summary"]),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation, ApprovalError) as exc:
            raise StoreIntegrityError(
                f"{request.label()} does not hold a readable review request ({exc!r}): "
                "it was edited outside infra-toolkit; restore the store from a backup"
            ) from exc


def read_review_subject(plan_path: str | os.PathLike[str]) -> ReviewSubject:
    """Read a plan file into the subject of its review (metadata, questions, policy, digest,
    monthly cost delta, prices not found)."""
    raise ApprovalError(f"{plan_path}: reading plans arrives with plan.py and digest.py")


def approve_command(subject: ReviewSubject) -> str:
    """The exact shell command that approves ``subject``'s current digest, one ``--answer`` per
    question for approval (for the report and messages; the reviewer fills in the text)."""
    argv = ["infra-toolkit", "approve", subject.name, "--reviewer", "YOUR_NAME"]
    for n in range(1, len(subject.questions) + 1):
        argv += ["--answer", f"{n}=YOUR ANSWER"]
    return shlex.join(argv)
