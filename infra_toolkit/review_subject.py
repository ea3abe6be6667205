"""What a review is about: a plan's identity, its digest, its metadata, its questions for
approval, its approval policy and its monthly cost delta, as one small value
(:class:`ReviewSubject`), and how it is read from a plan file (:func:`read_review_subject`).

The approval store, its rules and commands (``approval_*.py``) only ever see a
``ReviewSubject``; this module is the one place that knows the plan schema.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from infra_toolkit.approval_records import Record
from infra_toolkit.errors import ApprovalError, StoreIntegrityError
from infra_toolkit.plan import ApprovalPolicy

__all__ = ["ANSWER_PLACEHOLDER", "REVIEWER_PLACEHOLDER", "ReviewSubject", "approve_command",
           "plan_file_of", "read_review_subject"]


@dataclass(frozen=True)
class ReviewSubject:
    """What a review is about. ``plan`` identifies the plan across its versions (its
    ``metadata.id``, else its file name); ``digest`` (SHA-256 hex) pins the exact version
    reviewed; ``missing_prices`` names cost lines whose price was not found (any makes the plan
    unapprovable); ``source`` is the file it came from as given, ``plan_file`` the same file as
    every working directory and clone names it (:func:`plan_file_of`; empty when unknown),
    ``work_tree`` the top of the git work tree it was read from (not stored), and
    ``digest_inputs`` what the digest covers, each ``(kind, name, sha256)``
    (:func:`infra_toolkit.digest.digest_inputs`; empty when unknown: built in code, or read from
    a request recorded before they were), so that a STALE status can say what changed."""

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
    plan_file: str = ""
    work_tree: Path | None = field(default=None, compare=False)
    digest_inputs: tuple[tuple[str, str, str], ...] = field(default=(), compare=False)

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
        # plan.py validates the policy of a plan file; a subject built in code is checked here.
        needed, threshold = (
            self.policy.required_approvers,
            self.policy.extra_approver_above_monthly_increase_usd,
        )
        if not isinstance(needed, int) or needed < 1:
            raise ApprovalError(
                f"review subject {self.plan}: approval policy required_approvers (={needed!r}) "
                "must be an integer >= 1"
            )
        if threshold is not None and (not isinstance(threshold, Decimal) or threshold < 0):
            raise ApprovalError(
                f"review subject {self.plan}: approval policy "
                f"extra_approver_above_monthly_increase_usd (={threshold!r}) must be a Decimal "
                ">= 0 (USD per month) or None"
            )

    @property
    def approvers_needed(self) -> int:
        """Distinct approvers this subject needs under its policy and cost delta."""
        return self.policy.approvers_needed(self.monthly_cost_delta_usd)

    @property
    def name(self) -> str:
        """How messages name the plan: its file if known, else its identity."""
        return self.source or self.plan

    @property
    def price_fix(self) -> str:
        """How to price the ``missing_prices`` lines, for the messages that refuse the plan:
        ``validate`` names each line's fix, as it depends on why it is missing (a region the
        tables price only in part needs ``pricing refresh``, which a rate was said to be)."""
        return (f"`infra-toolkit validate {self.source or 'PLAN.yaml'}` names each one's fix: "
                "`infra-toolkit pricing refresh` for a region the tables price only in part, "
                "else a rate in pricing.overrides or a row in pricing.tables "
                "(pricing_data/README.md)")

    def shares_id_with(self, plan_file: str) -> bool:
        """Whether ``plan_file`` (recorded by another review request of this plan id) is another
        plan file that still exists: the two plans would share one review history. False for
        this plan's own file, for a file that is gone (the plan moved: it keeps its reviews) and
        when either file is unknown or cannot be located from here."""
        if not self.plan_file or not plan_file or plan_file == self.plan_file:
            return False
        if Path(plan_file).is_absolute():
            other = Path(plan_file)
        elif self.work_tree is not None:
            other = self.work_tree / plan_file
        else:
            return False
        mine = Path(self.plan_file) if self.work_tree is None else self.work_tree / self.plan_file
        # samefile: one file may have two names (a case-insensitive file system, a hard link)
        return other.is_file() and not (mine.is_file() and other.samefile(mine))

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
            "plan_file": self.plan_file,
            # only when known: a subject built in code records the same bytes as before
            **({"digest_inputs": [list(i) for i in self.digest_inputs]}
               if self.digest_inputs else {}),
        }

    def changed_since(self, earlier: ReviewSubject) -> tuple[str, ...]:
        """What differs between ``earlier``'s digest inputs and this subject's, sorted, each
        named ``the plan``, ``file manifests/api.yaml`` or ``pricing table
        ec2_2026-07-20.csv``, with `` (new)`` or `` (gone)``; empty when either subject's inputs
        are unknown."""
        if not self.digest_inputs or not earlier.digest_inputs:
            return ()
        before = {(kind, name): sha for kind, name, sha in earlier.digest_inputs}
        now = {(kind, name): sha for kind, name, sha in self.digest_inputs}
        kinds = {"plan": "the plan", "file": "file", "pricing": "pricing table"}
        named = {key: kinds["plan"] if key[0] == "plan" else f"{kinds.get(key[0], key[0])} {key[1]}"
                 for key in before.keys() | now.keys()}
        return tuple(
            named[key] + ("" if key in before and key in now else
                          " (new)" if key in now else " (gone)")
            for key in sorted(before.keys() | now.keys())
            if before.get(key) != now.get(key)
        )

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
                # requests recorded before plan files were recorded have none
                plan_file=str(d.get("plan_file", "")),
                # nor those recorded before digest inputs were
                digest_inputs=tuple(_input(i) for i in d.get("digest_inputs", [])),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation, ApprovalError) as exc:
            raise StoreIntegrityError(
                f"{request.label()} does not hold a readable review request ({exc!r}): "
                "it was edited outside infra-toolkit; restore the store from a backup"
            ) from exc


def _input(item: Any) -> tuple[str, str, str]:
    """A stored digest input ``[kind, name, sha256]``; TypeError for anything else."""
    if not isinstance(item, list) or len(item) != 3 or not all(isinstance(x, str) for x in item):
        raise TypeError(f"digest input {item!r} is not [kind, name, sha256]")
    kind, name, sha = item
    return kind, name, sha


def _work_tree(path: Path) -> Path | None:
    """The top of the git work tree holding ``path`` (the nearest folder above it with a
    ``.git`` entry: a clone, a worktree or a submodule), or None."""
    return next((folder for folder in path.parents if (folder / ".git").exists()), None)


def plan_file_of(plan_path: str | Path) -> tuple[str, Path | None]:
    """The plan file at ``plan_path`` as every working directory and every clone names it: its
    path relative to the top of its git work tree (POSIX separators), else its absolute path;
    and that work tree's top (None outside one)."""
    absolute = Path(plan_path).resolve()
    top = _work_tree(absolute)
    return (absolute.as_posix() if top is None else absolute.relative_to(top).as_posix()), top


def read_review_subject(plan_path: str | Path) -> ReviewSubject:
    """Read a plan file into the subject of its review: its identity (``metadata.id``, else the
    file name without ``.yaml``), where the file is (:func:`plan_file_of`), digest, metadata,
    questions for approval, approval policy, and the monthly cost delta in USD (proposed minus
    current resources, of the two totals as printed, to the cent, which the policy's threshold
    is compared with; priced from the shipped tables plus the plan's own tables and overrides)
    and every cost line whose price was not found, named ``side type.name: component``
    (``infra-toolkit cost`` and the report say why).

    Raises PlanError / PricingError for a plan that cannot be read or priced."""
    from infra_toolkit.cost_pricing import estimate
    from infra_toolkit.cost_summary import printed_delta_usd
    from infra_toolkit.digest import digest_inputs, digest_of
    from infra_toolkit.notebook_parameters import check_plan_path
    from infra_toolkit.plan import read_plan
    from infra_toolkit.pricing import load_price_book

    plan = read_plan(check_plan_path(plan_path))
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    sides = {
        "current": estimate(plan.current.resources, book),
        "proposed": estimate(plan.proposed.resources, book),
    }
    missing = tuple(
        f"{side} {line.address}: {line.component}"
        for side, est in sides.items()
        for line in est.missing_prices
    )
    m = plan.metadata
    plan_file, work_tree = plan_file_of(plan_path)
    inputs = digest_inputs(plan)
    return ReviewSubject(
        plan=plan.plan_id,
        digest=digest_of(inputs),
        title=m.title,
        priority=m.priority,
        change_type=m.type,
        estimated_review_minutes=m.requested_review_minutes,
        questions=plan.questions,
        policy=plan.approval_policy,
        # the policy counts the delta the reviewer reads: of the two totals as printed
        monthly_cost_delta_usd=printed_delta_usd(sides["current"].total_monthly_usd,
                                                 sides["proposed"].total_monthly_usd),
        missing_prices=missing,
        source=str(plan_path),
        summary=m.summary,
        plan_file=plan_file,
        work_tree=work_tree,
        digest_inputs=tuple((i.kind, i.name, i.sha256) for i in inputs),
    )


#: The blanks of :func:`approve_command` the reviewer fills in: a sign-off refuses them as given,
#: so the command copied and run unedited records nothing.
REVIEWER_PLACEHOLDER = "YOUR_NAME"
ANSWER_PLACEHOLDER = "YOUR ANSWER"


def approve_command(subject: ReviewSubject, store: str | None = None) -> str:
    """The exact shell command that approves ``subject``'s current digest, one ``--answer`` per
    question for approval (for the report and messages; the reviewer fills in the text), with
    ``--digest`` (refused if the plan changed since) and ``--db store`` when a store other than
    the default is named (as given; pass it redacted)."""
    argv = ["infra-toolkit", "approve", subject.name, "--digest", subject.digest,
            "--reviewer", REVIEWER_PLACEHOLDER]
    for n in range(1, len(subject.questions) + 1):
        argv += ["--answer", f"{n}={ANSWER_PLACEHOLDER}"]
    return shlex.join(argv + (["--db", store] if store is not None else []))
