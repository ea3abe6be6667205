"""What the report shows of a review's store: never a password (the page goes to a ticket), and
an approve command that records into the store the status was read from."""

from __future__ import annotations

import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import analyze_plan
from infra_toolkit.approval_store import default_store_location, redacted
from infra_toolkit.report_review import review_info
from infra_toolkit.review_subject import read_review_subject
from tests.conftest import REPO_ROOT, SMALL_PLAN


@pytest.mark.parametrize(("location", "shown"), [
    ("/var/lib/approvals.sqlite", "/var/lib/approvals.sqlite"),
    ("sqlite:///tmp/a.sqlite", "sqlite:///tmp/a.sqlite"),
    ("postgresql://alice@db.internal/approvals", "postgresql://alice@db.internal/approvals"),
    ("postgresql://alice:s3cret@db.internal:5432/approvals",
     "postgresql://alice:***@db.internal:5432/approvals"),
    ("postgresql://db.internal/approvals?user=alice&password=s3cret&sslmode=require",
     "postgresql://db.internal/approvals?user=alice&password=***&sslmode=require"),
    ("postgresql://db.internal/approvals?password=s3cret",
     "postgresql://db.internal/approvals?password=***"),
])
def test_redacted(location: str, shown: str) -> None:
    assert redacted(location) == shown


# Nothing listens on port 1: the connection is refused at once (no network is used).
URL = "postgresql://alice:s3cret@127.0.0.1:1/approvals"


def test_the_report_never_shows_the_stores_password() -> None:
    a = analyze_plan(REPO_ROOT / SMALL_PLAN, scenarios=["steady"], horizon_h=0.25,
                     store_location=URL)
    page = sections.review_status(a)._repr_html_()
    # before: the Approval store row held the URL as given, password and all
    assert "s3cret" not in page and "s3cret" not in repr(a.review)
    assert a.review.store == "postgresql://alice:***@127.0.0.1:1/approvals"
    assert a.review.status == "STATUS UNAVAILABLE"
    assert a.review.approve_command.endswith(
        "--db 'postgresql://alice:***@127.0.0.1:1/approvals'")


def test_the_default_store_is_left_to_the_reviewers_environment(
        monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("INFRA_TOOLKIT_DB", str(tmp_path) + "/team.sqlite")
    info = review_info(read_review_subject(REPO_ROOT / SMALL_PLAN))
    assert info.store == default_store_location() == str(tmp_path) + "/team.sqlite"
    assert "--db" not in info.approve_command


def test_the_status_and_gate_hints_read_the_store_the_report_read(tmp_path: object) -> None:
    # audit10 A10-3: the page said "infra-toolkit status PLAN shows the status" without the
    # --db it was built with, so the copied command read the default store, not this one
    store = f"{tmp_path}/team store.sqlite"  # a space: the hint must be quoted for the shell
    plan = str(REPO_ROOT / SMALL_PLAN)
    info = review_info(read_review_subject(plan), store)
    assert info.status_command == f"infra-toolkit status {plan} --db '{store}'"
    assert info.gate_command == f"infra-toolkit gate {plan} --db '{store}'"
    a = analyze_plan(REPO_ROOT / SMALL_PLAN, scenarios=["steady"], horizon_h=0.25,
                     store_location=store)
    page = sections.review_status(a)._repr_html_()
    name = a.review.subject.name  # the report names the plan as in its work tree
    assert (f"infra-toolkit status {name} --db &#x27;{store}&#x27; shows the status; "
            f"infra-toolkit gate {name} --db &#x27;{store}&#x27; exits 0 only once") in page


def test_without_a_named_store_the_hints_name_none(
        monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("INFRA_TOOLKIT_DB", str(tmp_path) + "/team.sqlite")
    plan = str(REPO_ROOT / SMALL_PLAN)
    info = review_info(read_review_subject(plan))
    assert (info.status_command, info.gate_command) == (
        f"infra-toolkit status {plan}", f"infra-toolkit gate {plan}")
