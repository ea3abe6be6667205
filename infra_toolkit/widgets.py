"""``ApprovalWidget``: sign off a plan from a live notebook, into the same store as the CLI.

The widget shows what is being approved (plan summary, monthly cost delta, digest, the current
status) and takes a decision, the reviewer's name, one answer per question for approval and a
comment. The button records the decision through :func:`infra_toolkit.approval_writes.sign_off` and
shows the result, or the reason it was refused. A static HTML export cannot run the callback:
record approvals from a live kernel (or the CLI).
"""

from __future__ import annotations

import getpass
import html
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from infra_toolkit.approval_reads import review_status_text
from infra_toolkit.approval_records import Record, RecordKind
from infra_toolkit.approval_store import ENV_VAR, open_store
from infra_toolkit.approval_writes import FormInputs, sign_off
from infra_toolkit.cost import usd_text
from infra_toolkit.errors import ApprovalError, InfraToolkitError
from infra_toolkit.notebook_parameters import check_store_location
from infra_toolkit.report_html import duration_text
from infra_toolkit.review_subject import ReviewSubject, read_review_subject

__all__ = ["ApprovalWidget"]

_DECISIONS = [
    ("Approve", RecordKind.APPROVED),
    ("Request changes", RecordKind.CHANGES_REQUESTED),
    ("Reject", RecordKind.REJECTED),
    ("Comment", RecordKind.COMMENT),
]

# the refusals name the form's boxes, not the CLI's flags
_WIDGET_INPUTS = FormInputs(
    reviewer="type your name in the Reviewer box",
    comment="write it in the Comment box",
    each_answer="write each in the box under its question",
    answer_boxes="the box under each question",
)


# the store's refusals name the CLI's flag; the notebook sets the store by its db parameter
_CLI_STORE_FLAG = f"--db / ${ENV_VAR}"
_FORM_STORE_INPUT = f"the notebook's db parameter / ${ENV_VAR}"


def _in_form_words(message: str) -> str:
    return message.replace(_CLI_STORE_FLAG, _FORM_STORE_INPUT)


def _os_user() -> str:
    """The OS user, the reviewer's default; empty when the OS cannot tell (a container's UID
    with no passwd entry and no $USER: was a KeyError building the form), so that a click
    asks for a name in the Reviewer box."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ApprovalWidget(widgets.VBox):  # type: ignore[misc]
    """Sign-off form for ``subject`` writing to the store at ``store_location`` (None: the
    default store). ``clock`` gives the record's time (tests pass a fixed one)."""

    def __init__(
        self,
        subject: ReviewSubject,
        store_location: str | None = None,
        *,
        reviewer: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if reviewer is not None and not isinstance(reviewer, str):
            # papermill -p reads 42 as a number; ipywidgets would fail on it deep inside
            raise ApprovalError(f"reviewer = {reviewer!r} ({type(reviewer).__name__}): give "
                                "your name as text (papermill -r reviewer NAME passes it as "
                                "text), or None for the OS user")
        store_location = check_store_location(store_location)
        self.subject, self.store_location, self._clock = subject, store_location, clock
        # the file read: a click checks it still has the digest shown (None: built in code);
        # absolute, as a cell that changes the working directory must not lose it
        self._plan_file = Path(subject.source).resolve() if subject.source and Path(
            subject.source).is_file() else None
        self.last_record: Record | None = None
        # what the last recorded click held: clicks queue in the kernel while one is written,
        # so a double click would record the same decision twice
        self._recorded_form: tuple[object, ...] | None = None
        self.summary = widgets.HTML()
        self.decision = widgets.ToggleButtons(options=_DECISIONS, description="Decision")
        self.reviewer = widgets.Text(
            value=_os_user() if reviewer is None else reviewer, description="Reviewer"
        )
        self.answers = [
            widgets.Textarea(placeholder="your answer", layout={"width": "90%"})
            for _ in subject.questions
        ]
        self.comment = widgets.Textarea(
            description="Comment", placeholder="required to reject, request changes or comment"
        )
        self.submit_button = widgets.Button(description="Record decision", button_style="primary")
        self.result = widgets.HTML()
        self.submit_button.on_click(self._on_click)
        questions: list[Any] = []
        for n, (question, box) in enumerate(zip(subject.questions, self.answers, strict=True), 1):
            questions += [widgets.HTML(f"<b>Q{n}.</b> {html.escape(question)}"), box]
        super().__init__(
            [
                self.summary,
                self.decision,
                self.reviewer,
                *questions,
                self.comment,
                self.submit_button,
                self.result,
            ]
        )
        self._show_summary()

    def _show_summary(self, status: str | None = None) -> None:
        s = self.subject
        delta = s.monthly_cost_delta_usd
        rows = [
            ("Plan id", s.plan),
            ("Plan file", s.name),
            ("Priority / type", f"{s.priority} / {s.change_type}"),
            # the report's Overview words and format ("Requested review | 2 h", not "120 min")
            ("Requested review", duration_text(s.estimated_review_minutes * 60)),
            (
                "Monthly cost delta (as declared: the approval policy's basis)",
                f"{usd_text(delta, signed=True)} per month",
            ),
            ("Approvers needed", str(s.approvers_needed)),
            ("Digest", s.digest),
            ("Status", status or _in_form_words(
                review_status_text(self.subject, self.store_location))),
        ]
        table = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td><code>{html.escape(v)}</code></td></tr>"
            for k, v in rows
        )
        warning = (
            f"<p style='color:#b00'>Cannot be approved: {len(s.missing_prices)} cost line(s) "
            f"have no price: {html.escape('; '.join(s.missing_prices))}</p>"
            if s.missing_prices
            else ""
        )
        about = f"<p>{html.escape(s.summary)}</p>" if s.summary else ""
        self.summary.value = (
            f"<h3>{html.escape(s.title)}</h3>{about}<table>{table}</table>{warning}"
        )

    def submit(self) -> Record | None:
        """Record the form's decision; returns the record, or None (the reason is shown)."""
        answers = {n: box.value for n, box in enumerate(self.answers, 1) if box.value.strip()}
        form = (self.decision.value, self.reviewer.value, tuple(sorted(answers.items())),
                self.comment.value)
        if form == self._recorded_form and self.last_record is not None:
            self.result.value = (
                f"<p style='color:#b00'>Not recorded: this form is already record "
                f"{self.last_record.seq} (a second click); change the decision, an answer or "
                "the comment to record another</p>")
            return None
        try:
            self._check_unchanged()
            with open_store(self.store_location) as store:
                done = sign_off(
                    store,
                    self.subject,
                    self.decision.value,
                    reviewer=self.reviewer.value,
                    at=self._clock(),
                    answers=answers,
                    comment=self.comment.value,
                    inputs=_WIDGET_INPUTS,
                )
        except InfraToolkitError as exc:
            self.result.value = (f"<p style='color:#b00'>Not recorded: "
                                 f"{html.escape(_in_form_words(str(exc)))}</p>")
            return None
        record = self.last_record = done.record
        self._recorded_form = form
        status = done.status.describe()
        self._show_summary(status)
        once = "".join(
            f"<p>{html.escape(note)}.</p>" for note in (
                done.head_added_note(), done.guards_restored_note(), done.counted_once()
            )
            if note
        )
        self.result.value = (
            f"<p style='color:#070'>Recorded record {record.seq}: {record.review_id} "
            f"{record.kind.value.replace('_', ' ')} by {html.escape(record.reviewer)} at "
            f"{record.recorded_at}.</p>{once}<p>{html.escape(status)}</p>"
        )
        return record

    def _check_unchanged(self) -> None:
        """Refuse when the plan file, a file it references or a pricing table changed since the
        form was built: the decision would be recorded for a version the reviewer did not see
        here (the CLI, reading the file now, would sign the new one)."""
        if self._plan_file is None:
            return
        now = read_review_subject(self._plan_file).digest
        if now != self.subject.digest:
            # the digest shown is of the subject the form was given, which a notebook cell may
            # have read before the form's cell ran: "run the cell again" must read the plan
            raise ApprovalError(
                f"{self.subject.name} changed since it was read for this form (digest "
                f"{self.subject.digest[:12]}… shown, {now[:12]}… now); nothing recorded: read "
                "it again and build a new form (approve.ipynb: run the form's cell again, it "
                "reads the plan) to review the plan as it is now (and infra-toolkit submit it "
                "if it is a new version)"
            )

    def _on_click(self, _button: Any) -> None:
        self.submit()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view, and for a reader without a live kernel (a notebook run by
        papermill, opened in a viewer) what the form shows as HTML: the plan's summary and
        status, and the last decision recorded here or why it was refused."""
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = (
            "<p>Approval form, static view: recording a decision needs a live kernel (open "
            "the notebook in Jupyter and run it) or the CLI (infra-toolkit approve).</p>"
            + self.summary.value + self.result.value)
        return bundle
