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
