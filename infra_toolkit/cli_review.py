"""The ``infra-toolkit`` review subcommands: submit, queue, status, approve / reject /
request-changes / comment, gate, verify; thin over the ``approval_*`` command modules.

Registered by :mod:`infra_toolkit.cli` (``REVIEW_COMMANDS``), which prints an
:class:`~infra_toolkit.errors.InfraToolkitError` as one line and exits 2.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from infra_toolkit.approval_gate import GateDecision, gate
from infra_toolkit.approval_reads import OPEN_STATUSES, review_queue, review_state, review_status
from infra_toolkit.approval_records import SHA256_HEX, ChainReport, RecordKind
from infra_toolkit.approval_store import (
    DEFAULT_TIMEOUT_S,
    ENV_VAR,
    TIMEOUT_ENV,
    ApprovalStore,
    open_store,
    redacted,
    user_store_location,
)
from infra_toolkit.approval_verify import verify
from infra_toolkit.approval_writes import sign_off, submit
from infra_toolkit.errors import (
    ApprovalError,
    InfraToolkitError,
    StoreIntegrityError,
    one_line,
    quoted,
)
from infra_toolkit.report_html import duration_text
from infra_toolkit.review_rules import GateFloor
from infra_toolkit.review_subject import ReviewSubject, read_review_subject

__all__ = ["REVIEW_COMMANDS"]

_REVIEW_ID = re.compile(r"review-[0-9]+", re.IGNORECASE)
if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]


def _now() -> datetime:
    return datetime.now(UTC)


def _add_db(parser: argparse.ArgumentParser) -> None:
    # $INFRA_TOOLKIT_DB's value, when set, redacted: --help went to CI logs with its password
    env = os.environ.get(ENV_VAR)
    now = f", now {redacted(env)}" if env else ""
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="approval store: an SQLite file or a postgresql:// URL "
        f"(default: ${ENV_VAR}{now}; unset: {user_store_location()}); no wait on it lasts "
        f"longer than ${TIMEOUT_ENV} seconds (default {DEFAULT_TIMEOUT_S:g})",
    )


def _plan_arg(parser: argparse.ArgumentParser, *, review_id: bool = False) -> None:
    if review_id:
        parser.add_argument("target", metavar="PLAN.yaml|review-NNN")
    else:
        parser.add_argument("plan", metavar="PLAN.yaml")
    _add_db(parser)


def _is_review_id(target: str) -> bool:
    if not _REVIEW_ID.fullmatch(target):
        return False
    try:
        return not Path(target).exists()
    except OSError:  # a name no file can have (too long: ENAMETOOLONG) names no plan file
        return True


def _review_id(target: str) -> str:
    """A review id as the store writes it: ``REVIEW-1`` and ``review-1`` are ``review-001``
    (they were an unreadable plan file and an unknown review id). The digits are padded as
    text: int() refuses more than 4,300 of them (a ValueError traceback)."""
    return f"review-{target.partition('-')[2].lstrip('0').rjust(3, '0')}"


def _subject_of(store: ApprovalStore, target: str) -> ReviewSubject:
    """The subject to comment on, named by a plan file or by a review id (when no such file
    exists), read from the store as a write reads it."""
    if _is_review_id(target):
        request = review_state(store, _review_id(target), writing=True).request
        return ReviewSubject.from_request(request)
    return read_review_subject(target)


def _os_user(flag: str) -> str:
    """The OS user, the default requester or reviewer; ApprovalError naming ``flag`` when the
    OS cannot tell (a container run as a UID with no passwd entry and no $USER / $LOGNAME:
    ``docker run --user 1234``, OpenShift), which was a KeyError traceback."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise ApprovalError(
            f"cannot tell who you are: no $LOGNAME / $USER and user id {os.getuid()} has no "
            f"account name (a container run with --user?); pass {flag} NAME"
        ) from None


def _add_submit(sub: SubParsers) -> None:
    p = sub.add_parser("submit", help="queue a plan for review: review-NNN, AWAITING APPROVAL",
                       description="Queue the plan's current digest for review (creating the "
                       "store if missing) and print its review id and status; the same digest "
                       "submitted again is the same review. Exit 0 queued, 2 bad input.")
    _plan_arg(p)
    p.add_argument("--requester", help="who submits it (default: the OS user)")


def _run_submit(args: argparse.Namespace) -> int:
    subject = read_review_subject(args.plan)
    with open_store(args.db, create=True) as store:
        # given but empty (an unset variable) is refused, not replaced by the OS user
        requester = _os_user("--requester") if args.requester is None else args.requester
        done = submit(store, subject, requester=requester, at=_now())
    for note in (done.head_added_note(), done.guards_restored_note()):
        if note:
            print(note)
    said = "submitted" if done.created else "already submitted"
    if done.resubmitted:
        # queue lists open reviews only: an approved or rejected one is current, not queued
        queued = done.status.status in OPEN_STATUSES
        said = "submitted again (current again" + (", back in the queue)" if queued else (
            f", {done.status.status.value}: not in the queue, which lists open reviews)"))
    print(
        f"{subject.name} {said} as "
        f"{done.record.review_id}: {subject.title!r}, priority {subject.priority}, "
        f"type {subject.change_type}, requested review "
        f"{duration_text(subject.estimated_review_minutes * 60)}, "
        f"digest {subject.digest}"
    )
    print(_one_line(done.status.describe()))
    return 0


def _add_queue(sub: SubParsers) -> None:
    _add_db(sub.add_parser("queue", help="list open review requests with their status",
                           description="List the open reviews (awaiting approval or changes "
                           "requested) with their status, approvals and plan."))


def _run_queue(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        states = review_queue(store)
        where = store.where
    if not states:
        print(f"no open reviews in {where}")
        return 0
    table = [("ID", "STATUS", "PRIORITY", "TYPE", "REVIEW", "APPROVALS", "PLAN")] + [
        (
            st.review_id,
            st.status.value,
            st.subject.priority,
            st.subject.change_type,
            duration_text(st.subject.estimated_review_minutes * 60),
            f"{len(st.approvals)}/{st.subject.approvers_needed}",
            f"{st.subject.plan} ({st.subject.plan_file or st.subject.name}): {st.subject.title}",
        )
        for st in states
    ]
    rows = [[_one_line(cell) for cell in row] for row in table]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]))
    return 0


def _one_line(text: str) -> str:
    """``text`` for one cell of a table, or one status line: line breaks and other control
    characters written as escapes. A plan's title is its author's text: ``"x\\nreview-999
    APPROVED ..."`` printed a forged row of the queue, and an ESC sequence recoloured the
    terminal. A reviewer's name holding one is refused, but a store written by an older
    infra-toolkit (which took U+2028) may hold one: ``bob\\u2028PASS: ...`` printed a
    ``PASS:`` line under the gate's ``FAIL:``."""
    return "".join(
        repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text
    )


def _add_status(sub: SubParsers) -> None:
    p = sub.add_parser("status", help="status of a plan's current digest (or of a review id)",
                       description="One line: the status of the plan's current digest (AWAITING "
                       "APPROVAL, APPROVED, REJECTED, CHANGES REQUESTED, STALE, NOT SUBMITTED), "
                       "or of review-NNN, with who approved or objected. Exit 0 whatever the "
                       "status (gate is the check), 2 bad input.")
    _plan_arg(p, review_id=True)


def _run_status(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        if _is_review_id(args.target):  # named by its plan file, as a plan's status is
            state = review_state(store, _review_id(args.target))
            print(_one_line(f"{state.subject.name}: {state.describe()}"))
        else:
            print(_one_line(review_status(store, read_review_subject(args.target)).describe()))
    return 0


def _whole_number(text: str) -> int | None:
    """``text`` as a whole number in ASCII digits, else ``None``. ``str.isdigit`` passes '²',
    which int() refuses, and '٣', which it reads as 3, and int() refuses more than 4,300
    digits: each was a traceback or argparse's ``invalid _answer value``. 18 digits are more
    than any count or question number here."""
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > 18:
        return None
    return int(text)


def _answer(text: str) -> tuple[int, str]:
    number, sep, answer = text.partition("=")
    question = _whole_number(number.strip()) if sep else None  # ' 2=yes' as 2
    if question is None:
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not N=TEXT (e.g. --answer 2='yes, tested')")
    return question, answer


def _digest(text: str) -> str:
    """A ``--digest`` value: 64 lowercase hex digits (``sha256:`` prefix allowed)."""
    value = text.removeprefix("sha256:")
    if not SHA256_HEX.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not a plan digest: give the 64 hex digits the report's header "
            "prints"
        )
    return value


def _add_sign_off(sub: SubParsers, name: str, help_text: str) -> None:
    p = sub.add_parser(name, help=help_text, description=help_text)
    if name == "comment":
        _plan_arg(p, review_id=True)
    else:
        p.add_argument(
            "plan",
            metavar="PLAN.yaml",
            help="the plan file, not a review id: a decision signs the digest the file has now",
        )
        _add_db(p)
    p.add_argument("--reviewer", help="your name as it is recorded (default: the OS user)")
    p.add_argument(
        "--comment",
        default="",
        help="the comment (required)" if name == "comment" else "why (required to reject or "
        "request changes)",
    )
    if name != "comment":
        p.add_argument(
            "--digest",
            type=_digest,
            metavar="SHA256",
            help="the plan digest you reviewed (the report's header prints it): refused, "
            "nothing recorded, if the plan's digest is now another",
        )
        p.add_argument(
            "--answer",
            action="append",
            type=_answer,
            default=[],
            metavar="N=TEXT",
            help="answer to question for approval N (repeat; all needed to approve)",
        )


def _sign_off(args: argparse.Namespace, decision: RecordKind) -> int:
    answers = dict(getattr(args, "answer", []))
    numbers = [n for n, _ in getattr(args, "answer", [])]
    if len(numbers) != len(answers):
        twice = sorted({n for n in numbers if numbers.count(n) > 1})
        raise ApprovalError(
            f"--answer given more than once for question(s) {twice}: give each once"
        )
    if decision is not RecordKind.COMMENT and _is_review_id(args.plan):
        raise ApprovalError(
            f"{args.command} takes the plan file, not a review id ({args.plan}): a decision "
            "signs the digest the plan file has now; pass PLAN.yaml (infra-toolkit status "
            f"{args.plan} names the review's plan file)"
        )
    with open_store(args.db) as store:
        subject = (
            _subject_of(store, args.target)
            if decision is RecordKind.COMMENT
            else read_review_subject(args.plan)
        )
        done = sign_off(
            store,
            subject,
            decision,
            reviewer=_os_user("--reviewer") if args.reviewer is None else args.reviewer,
            at=_now(),
            answers=answers,
            comment=args.comment,
            reviewed_digest=getattr(args, "digest", None),
        )
    print(f"recorded {done.record.label()} at {done.record.recorded_at}")
    for note in (done.head_added_note(), done.guards_restored_note()):
        if note:
            print(note)
    if done.counted_once():
        print(_one_line(done.counted_once()))
    print(_one_line(done.status.describe()))
    return 0


def _add_approve(sub: SubParsers) -> None:
    _add_sign_off(sub, "approve", "approve a plan's current digest (answer every question)")


def _run_approve(args: argparse.Namespace) -> int:
    return _sign_off(args, RecordKind.APPROVED)


def _add_reject(sub: SubParsers) -> None:
    _add_sign_off(sub, "reject", "reject a plan's current digest (with --comment)")


def _run_reject(args: argparse.Namespace) -> int:
    return _sign_off(args, RecordKind.REJECTED)


def _add_request_changes(sub: SubParsers) -> None:
    _add_sign_off(sub, "request-changes", "ask for changes to a plan (with --comment)")


def _run_request_changes(args: argparse.Namespace) -> int:
    return _sign_off(args, RecordKind.CHANGES_REQUESTED)


def _add_comment(sub: SubParsers) -> None:
    _add_sign_off(sub, "comment", "comment on a review without deciding")


def _run_comment(args: argparse.Namespace) -> int:
    return _sign_off(args, RecordKind.COMMENT)


def _known_head(text: str) -> ChainReport:
    count, sep, head_hash = text.partition(":")
    number = _whole_number(count) if sep else None
    if number is None or number < 1 or not SHA256_HEX.fullmatch(head_hash):
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not N:HASH (a record number and its 64-hex-digit hash, as verify "
            "prints them)"
        )
    return ChainReport(number, head_hash)


def _add_known_head(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--known-head",
        type=_known_head,
        metavar="N:HASH",
        help="a head kept outside the store, as verify printed it: fail unless the chain still "
        "holds record N with that hash (catches the store replaced by an older copy, or "
        "rewritten with fresh hashes)",
    )


def _min_approvers(text: str) -> int:
    # ASCII digits only: int() also takes '1_0' (10) and other scripts' digits
    count = _whole_number(text)
    if count is None or count < 1:
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not a positive whole number of approvers: pass 1, 2, ..."
        )
    return count


def _add_gate(sub: SubParsers) -> None:
    p = sub.add_parser(
        "gate", help="exit 0 only if the plan's current digest is approved (for CI/CD)",
        description="PASS: or FAIL: and why, on one line. Exit 0 only when the plan's current "
        "digest is APPROVED (meeting --min-approvers / --no-self-approval if given) and the "
        "store's chain is valid; 1 anything else, a plan or store that cannot be read "
        "included; 2 only a usage error.",
    )
    _plan_arg(p)
    _add_known_head(p)
    p.add_argument(
        "--min-approvers", type=_min_approvers, default=1, metavar="N",
        help="the pipeline's floor: fail unless at least N distinct people approved, whatever "
        "the plan's own policy asks (its author can lower that); default 1",
    )
    p.add_argument(
        "--no-self-approval", dest="self_approval", action="store_false",
        help="do not count an approval by the person who requested the review",
    )


def _run_gate(args: argparse.Namespace) -> int:
    try:
        subject = read_review_subject(args.plan)
        with open_store(args.db) as store:
            floor = GateFloor(args.min_approvers, args.self_approval)
            decision = gate(store, subject, known=args.known_head, floor=floor)
    except InfraToolkitError as exc:
        # A pipeline asks one question: whatever stops the check (a plan that cannot be read, a
        # store missing, corrupt or unreachable) is a "no" with its reason, not another code.
        decision = GateDecision(False, one_line(exc))
    print(f"{'PASS' if decision.passed else 'FAIL'}: {_one_line(decision.reason)}")
    return 0 if decision.passed else 1


def _add_verify(sub: SubParsers) -> None:
    p = sub.add_parser("verify", help="walk the approval store's hash chain",
                       description="Check every record's hash and link and the chain head; "
                       "print the head to keep for --known-head. Exit 0 valid, 1 tampered or "
                       "unguarded (the first bad record named), 2 a store that cannot be read.")
    _add_db(p)
    _add_known_head(p)


def _run_verify(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        try:
            report = verify(store, known=args.known_head)
        except StoreIntegrityError as exc:
            print(f"FAIL: {_one_line(str(exc))}", file=sys.stderr)
            return 1
        print(f"OK: {store.where}: {report.count} records, chain valid, head {report.head_hash}")
        print(
            f"keep {report.count}:{report.head_hash} where the store's writers cannot write, and "
            "pass it as --known-head to a later verify or gate"
        )
    return 0


Runner = Callable[[argparse.Namespace], int]

#: (add the subparser, command name, run it), in the order ``--help`` lists them.
REVIEW_COMMANDS: list[tuple[Callable[[SubParsers], None], str, Runner]] = [
    (_add_submit, "submit", _run_submit),
    (_add_queue, "queue", _run_queue),
    (_add_status, "status", _run_status),
    (_add_approve, "approve", _run_approve),
    (_add_reject, "reject", _run_reject),
    (_add_request_changes, "request-changes", _run_request_changes),
    (_add_comment, "comment", _run_comment),
    (_add_gate, "gate", _run_gate),
    (_add_verify, "verify", _run_verify),
]
