"""What the report shows of a review's store: never a password (the page goes to a ticket), and
an approve command that records into the store the status was read from."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import analyze_plan
from infra_toolkit.approval_store import default_store_location, redacted
from infra_toolkit.report_review import review_info, working_folder
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
    # '#', '?' and '/' in a password end urlsplit's host part: it was shown whole
    ("postgresql://alice:s3#cr?et/x@db.internal:5432/approvals",
     "postgresql://alice:***@db.internal:5432/approvals"),
    ("postgresql://alice:s3@cret@db.internal/approvals",
     "postgresql://alice:***@db.internal/approvals"),
    # '@' and '/' in one password: hidden whole; an '@' in the query then hides the host too
    ("postgresql://alice:p@w/x@db.internal/approvals", "postgresql://alice:***@db.internal/approvals"),
    ("postgresql://alice:pw@db.internal/approvals?application_name=a@b",
     "postgresql://alice:***@b"),
    ("postgresql://alice@[::1]:5432/approvals", "postgresql://alice@[::1]:5432/approvals"),
    ("postgresql://alice:pw1@db/approvals?password=pw2&sslmode=require",
     "postgresql://alice:***@db/approvals?password=***&sslmode=require"),
    ("sqlite:////srv/a:b@c.sqlite", "sqlite:////srv/a:b@c.sqlite"),
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


def _checkout(root: Path) -> Path:
    """A checkout at ``root`` (a ``.git`` folder marks its top, as git's own) holding the small
    plan at plans/report/small.yaml and the manifests it names (../manifests/)."""
    (root / ".git").mkdir(parents=True)
    for folder in ("report", "manifests"):
        shutil.copytree(REPO_ROOT / "tests/data/plans" / folder, root / "plans" / folder)
    return root


@pytest.mark.parametrize(("where", "phrase"), [
    ("", "from the top of a checkout"),
    ("plans", "from plans/ of a checkout"),
    ("plans/report", "from plans/report/ of a checkout"),
])
def test_working_folder_names_it_in_the_checkout(tmp_path: Path, where: str,
                                                 phrase: str) -> None:
    top = _checkout(tmp_path / "clone")
    assert working_folder(top / where) == phrase


def test_working_folder_outside_a_checkout_is_absolute(tmp_path: Path) -> None:
    assert working_folder(tmp_path) == f"from {tmp_path.resolve()},"


def test_absolute_commands_name_no_folder(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # a plan given by its absolute path, the default store: the commands work from anywhere
    plan = _checkout(tmp_path / "clone") / "plans/report/small.yaml"
    assert review_info(read_review_subject(plan)).run_from == ""
    assert review_info(read_review_subject(plan), str(tmp_path / "a.sqlite")).run_from == ""
    # a store named by a relative path (the report's db parameter) is relative to where the
    # report ran: tmp_path, outside any checkout
    monkeypatch.chdir(tmp_path)
    info = review_info(read_review_subject(plan), "approvals.sqlite")
    assert info.run_from == f"from {tmp_path.resolve()},"


def test_the_pasted_approve_command_works_where_the_report_was_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # audit23 A23-9: the review commands on the page name the plan as the author typed it,
    # relative to where `infra-toolkit report` ran; the page now says where that is, and the
    # command pasted there (its blanks filled in) records the approval
    from bs4 import BeautifulSoup

    from infra_toolkit.cli import main

    folder = _checkout(tmp_path / "clone") / "plans/report"
    monkeypatch.chdir(folder)
    monkeypatch.setenv("INFRA_TOOLKIT_DB", str(tmp_path / "approvals.sqlite"))
    assert main(["submit", "small.yaml", "--requester", "carol"]) == 0
    assert main(["report", "small.yaml", "-p", "scenarios", "[steady]", "-p", "horizon_h",
                 "0.25", "--out", str(tmp_path / "small.html")]) == 0
    capsys.readouterr()
    page = BeautifulSoup((tmp_path / "small.html").read_text(encoding="utf-8"), "html.parser")
    command = page.select_one("pre.approve-command")
    assert command is not None
    digest = read_review_subject("small.yaml").digest
    # small.yaml asks two questions; the store is the default one ($INFRA_TOOLKIT_DB): no --db
    assert command.get_text() == (f"infra-toolkit approve small.yaml --digest {digest} "
                                  "--reviewer YOUR_NAME --answer '1=YOUR ANSWER' "
                                  "--answer '2=YOUR ANSWER'")
    assert ("To approve, answer every question for approval (run it from plans/report/ of a "
            "checkout where small.yaml has the digest above: with --digest") in page.get_text()
    words = shlex.split(command.get_text().replace("YOUR_NAME", "alice")
                        .replace("YOUR ANSWER", "yes"))
    assert words[0] == "infra-toolkit"
    assert main(words[1:]) == 0
    # small.yaml's policy asks one approver
    assert "small.yaml: review-001 APPROVED by alice at " in capsys.readouterr().out
    # from the top of the checkout the same words name no file: hence the folder on the page
    monkeypatch.chdir(folder.parent.parent)
    assert main(words[1:]) == 2
    assert "cannot read plan small.yaml: No such file or directory" in capsys.readouterr().err
