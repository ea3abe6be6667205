"""What the plan report shows about the review of its digest: the status recorded in the
approval store and the exact command that approves it. Read-only: the report never writes to
the store, and a store that does not exist yet means the plan was never submitted (not an
error). A store that cannot be read gives a status line saying why, never an exception: a
static HTML page shows the status, it cannot record a decision (see docs/APPROVALS.md)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from infra_toolkit.approval_reads import review_status
from infra_toolkit.approval_store import default_store_location, open_store, redacted
from infra_toolkit.errors import ApprovalError
from infra_toolkit.review_rules import plan_status
from infra_toolkit.review_subject import ReviewSubject, approve_command, plan_file_of

__all__ = ["UNAVAILABLE", "ReviewInfo", "review_info", "working_folder"]

#: The status shown when the store exists but cannot be read (damaged, unreachable, tampered).
UNAVAILABLE = "STATUS UNAVAILABLE"


@dataclass(frozen=True)
class ReviewInfo:
    """The review of a plan's current digest as the report shows it: ``status`` (a
    :class:`~infra_toolkit.review_rules.Status` value, or :data:`UNAVAILABLE`), the one-line
    ``text`` the CLI's ``status`` prints, the ``approve_command`` for this digest, the ``store``
    it was read from, the subject (digest, declared cost delta, approvers needed) and the
    ``submit_command`` that puts this digest up for review (``approve`` refuses a digest never
    submitted), and the ``status_command`` and ``gate_command`` of this plan in the same store.
    ``run_from`` says where those commands work when they hold a relative path (the plan, or a
    named SQLite store): the folder the report was built in, as :func:`working_folder` names
    it; empty when every path in them is absolute (they then work anywhere on that machine)."""

    subject: ReviewSubject
    status: str
    text: str
    approve_command: str
    store: str
    submit_command: str = ""
    status_command: str = ""
    gate_command: str = ""
    run_from: str = ""


def working_folder(folder: Path) -> str:
    """Where to run the review commands built in ``folder`` (where ``infra-toolkit report``
    ran), as a reviewer finds it in their own clone: "from the top of a checkout", "from plans/
    of a checkout" (relative to the top of its git work tree), or outside a work tree "from
    /abs/folder,"; the phrase the Review Status puts before "where PLAN has the digest"."""
    # plan_file_of names a file by the work tree above it: name one in the folder, keep its folder
    name, top = plan_file_of(folder / "_")
    where = PurePosixPath(name).parent.as_posix()
    if top is None:
        return f"from {where},"
    return "from the top of a checkout" if where == "." else f"from {where}/ of a checkout"


def _relative_paths(subject: ReviewSubject, store_location: str | None) -> bool:
    """Whether the review commands name the plan, or a named SQLite store, by a relative path
    (which works only from the folder the report was built in)."""
    store = (store_location or "").removeprefix("sqlite:///")
    named_file = store_location is not None and "://" not in store
    return not Path(subject.name).is_absolute() or (named_file and not Path(store).is_absolute())


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
    # the page travels (a ticket): say where its relative paths start (audit23 A23-9)
    run_from = working_folder(Path.cwd()) if _relative_paths(subject, store_location) else ""
    if _missing_file(where):
        found = plan_status((), subject)
        return ReviewInfo(subject, found.status.value, found.describe(), command, shown, submit,
                          status, gate, run_from)
    try:
        with open_store(where) as store:
            found = review_status(store, subject)
    except ApprovalError as exc:
        return ReviewInfo(subject, UNAVAILABLE, f"status unavailable: {exc}", command, shown,
                          submit, status, gate, run_from)
    return ReviewInfo(subject, found.status.value, found.describe(), command, shown, submit,
                      status, gate, run_from)

