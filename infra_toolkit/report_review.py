"""What the plan report shows about the review of its digest: the status recorded in the
approval store and the exact command that approves it. Read-only: the report never writes to
the store, and a store that does not exist yet means the plan was never submitted (not an
error). A store that cannot be read gives a status line saying why, never an exception: a
static HTML page shows the status, it cannot record a decision (see docs/APPROVALS.md)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from infra_toolkit.approval_reads import review_status
from infra_toolkit.approval_store import default_store_location, open_store, redacted
from infra_toolkit.errors import ApprovalError
from infra_toolkit.review_rules import plan_status
from infra_toolkit.review_subject import ReviewSubject, approve_command

__all__ = ["UNAVAILABLE", "ReviewInfo", "review_info"]

#: The status shown when the store exists but cannot be read (damaged, unreachable, tampered).
UNAVAILABLE = "STATUS UNAVAILABLE"


@dataclass(frozen=True)
class ReviewInfo:
    """The review of a plan's current digest as the report shows it: ``status`` (a
    :class:`~infra_toolkit.review_rules.Status` value, or :data:`UNAVAILABLE`), the one-line
    ``text`` the CLI's ``status`` prints, the ``approve_command`` for this digest, the ``store``
    it was read from, the subject (digest, declared cost delta, approvers needed) and the
    ``submit_command`` that puts this digest up for review (``approve`` refuses a digest never
    submitted), and the ``status_command`` and ``gate_command`` of this plan in the same store."""

    subject: ReviewSubject
    status: str
    text: str
    approve_command: str
    store: str
    submit_command: str = ""
    status_command: str = ""
    gate_command: str = ""


def _missing_file(location: str) -> bool:
    """True when ``location`` names a local SQLite file (path or ``sqlite:///``) not there."""
    if "://" in location and not location.startswith("sqlite:///"):
        return False
    return not Path(location.removeprefix("sqlite:///")).exists()


def review_info(subject: ReviewSubject, store_location: str | None = None) -> ReviewInfo:
    """The review status of ``subject``'s digest in the store at ``store_location`` (None: the
    default store, ``$INFRA_TOOLKIT_DB`` first). A missing SQLite store is NOT SUBMITTED."""
    where = store_location if store_location is not None else default_store_location()
    # The page goes to a ticket: never a password in it. A store named by the caller (the
    # report's db parameter) is in the command too, else it would record into another one.
    shown = redacted(where)
    db = [] if store_location is None else ["--db", shown]
    command = approve_command(subject, None if store_location is None else shown)
    submit, status, gate = (shlex.join(["infra-toolkit", verb, subject.name, *db])
                            for verb in ("submit", "status", "gate"))
    if _missing_file(where):
        found = plan_status((), subject)
        return ReviewInfo(subject, found.status.value, found.describe(), command, shown, submit,
                          status, gate)
    try:
        with open_store(where) as store:
            found = review_status(store, subject)
    except ApprovalError as exc:
        return ReviewInfo(subject, UNAVAILABLE, f"status unavailable: {exc}", command, shown,
                          submit, status, gate)
    return ReviewInfo(subject, found.status.value, found.describe(), command, shown, submit,
                      status, gate)

