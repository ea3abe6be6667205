"""The approval subcommands: arguments to calls, exit status, one-line errors, on both backends.

Plans here are stand-ins (conftest's ``plan_file``): the subject's digest is the SHA-256 of the
file's bytes, so changing one byte of the file makes a new digest, as the real plan digest does for
the plan and every file it references (the end-to-end test with real plans is in
test_approval_plans.py).
"""

from __future__ import annotations

import getpass
import hashlib
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from infra_toolkit import cli_review
from infra_toolkit.approval_store import open_store
from infra_toolkit.approval_verify import verify
from infra_toolkit.cli import main
from infra_toolkit.errors import ApprovalError, one_line
from infra_toolkit.review_subject import read_review_subject
from tests.approval_helpers import make_older, raw_sql, restore_guards

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(store_location: str, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*argv: str, db: bool = True) -> tuple[int, str, str]:
        code = main([*argv, *(["--db", store_location] if db else [])])
        out, err = capsys.readouterr()
        return code, out, err

    return run


ANSWERS = ["--answer", "1=yes, in staging", "--answer", "2=platform team"]


def test_submit_gate_approve_gate_change_stale(run: Run, plan_file: Path) -> None:
    plan = str(plan_file)
    code, out, _ = run("submit", plan, "--requester", "dev")
    assert code == 0
    assert out.startswith(
        f"{plan} submitted as review-001: 'Move checkout to EKS', priority high, "
        "type migration, requested review 45 min, digest "
    )
    assert "review-001 AWAITING APPROVAL: 0 of 1 approver(s) so far; 1 more needed" in out
    assert run("gate", plan)[:2] == (
        1,
        f"FAIL: {plan}: review-001 AWAITING APPROVAL: 0 of 1 approver(s) so far; 1 more needed\n",
    )
    code, out, _ = run("approve", plan, "--reviewer", "alice", *ANSWERS, "--comment", "ok")
    assert code == 0
    assert out.startswith("recorded record 2 (review-001 approved by alice) at ")
    code, out, _ = run("gate", plan)
    assert code == 0 and out.startswith(f"PASS: {plan}: review-001 APPROVED by alice at ")
    plan_file.write_bytes(plan_file.read_bytes().replace(b"3", b"4"))  # one byte
    code, out, _ = run("status", plan)
    assert code == 0 and out.startswith(f"{plan} is STALE: review-001 approved digest ")
    code, out, _ = run("gate", plan)
    assert code == 1 and out.startswith(f"FAIL: {plan} is STALE")
    code, out, _ = run("submit", plan)
    assert "submitted as review-002" in out
    code, out, _ = run("queue")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "PRIORITY", "TYPE", "REVIEW", "APPROVALS", "PLAN"]
    assert lines[1].split()[:8] == [
        "review-002",
        "AWAITING",
        "APPROVAL",
        "high",
        "migration",
        "45",
        "min",
        "0/1",
    ]
    assert len(lines) == 2  # review-001 is approved and superseded: not open


def test_rejection_after_approval_fails_the_gate(run: Run, plan_file: Path) -> None:
    plan = str(plan_file)
    run("submit", plan)
    run("approve", plan, "--reviewer", "alice", *ANSWERS)
    code, out, _ = run("reject", plan, "--reviewer", "carol", "--comment", "no load test")
    assert code == 0 and "review-001 REJECTED by carol" in out
    code, out, _ = run("gate", plan)
    assert code == 1
    assert (
        out.startswith(f"FAIL: {plan}: review-001 REJECTED by carol at ")
        and "'no load test'" in out
    )



@pytest.mark.parametrize(("decision", "status", "said"), [
    # approved, then the plan changed and came back: current again, but queue lists open
    # reviews only (awaiting approval, changes requested), so it is not "back in the queue"
    (["approve", "--reviewer", "alice", *ANSWERS], "APPROVED",
     "(current again, APPROVED: not in the queue, which lists open reviews)"),
    (["reject", "--reviewer", "carol", "--comment", "no"], "REJECTED",
     "(current again, REJECTED: not in the queue, which lists open reviews)"),
    (["request-changes", "--reviewer", "carol", "--comment", "p99"], "CHANGES REQUESTED",
     "(current again, back in the queue)"),
    ([], "AWAITING APPROVAL", "(current again, back in the queue)"),
])
def test_a_plan_back_at_an_earlier_digest_says_whether_its_review_is_queued(
        run: Run, plan_file: Path, decision: list[str], status: str, said: str) -> None:
    plan, first = str(plan_file), plan_file.read_bytes()
    run("submit", plan)
    if decision:
        assert run(decision[0], plan, *decision[1:])[0] == 0
    plan_file.write_bytes(first.replace(b"3", b"4"))
    assert "submitted as review-002" in run("submit", plan)[1]
    plan_file.write_bytes(first)  # the change reverted
    code, out, _ = run("submit", plan)
    assert code == 0 and out.startswith(f"{plan} submitted again {said} as review-001: ")
    queued = [line.split()[0] for line in run("queue")[1].splitlines()[1:]]
    assert queued == (["review-001"] if "back in the queue" in said else [])
    assert f"review-001 {status}" in run("status", plan)[1]

def test_two_approvers_and_request_changes_and_comment_by_review_id(
    run: Run, plan_file: Path
) -> None:
    plan_file.write_text("needs two approvers\n")
    plan = str(plan_file)
    run("submit", plan)
    run("approve", plan, "--reviewer", "alice", *ANSWERS)
    code, out, _ = run("gate", plan)
    assert code == 1 and "1 of 2 approver(s) so far (alice at " in out and "1 more needed" in out
    run("request-changes", plan, "--reviewer", "dave", "--comment", "add alerts")
    assert "CHANGES REQUESTED by dave" in run("gate", plan)[1]
    code, out, _ = run("comment", "review-001", "--reviewer", "eve", "--comment", "+1 on alerts")
    assert code == 0 and out.startswith("recorded record 4 (review-001 comment by eve)")
    assert run("status", "review-001")[1].startswith(f"{plan}: review-001 CHANGES REQUESTED by "
                                                     "dave")


def test_reviewer_defaults_to_the_os_user(
    run: Run, plan_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "ci-bot")
    run("submit", str(plan_file))
    code, out, _ = run("approve", str(plan_file), *ANSWERS)
    assert code == 0 and "(review-001 approved by ci-bot)" in out


def _no_account() -> str:
    # what getpass.getuser() raises for a UID without a passwd entry and no $USER / $LOGNAME
    raise KeyError("getpwuid(): uid not found: 12345")


def test_an_os_user_the_os_cannot_name_asks_for_the_flag(
    run: Run, plan_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a CI container run as a bare UID (docker run --user 12345): before, a KeyError traceback
    monkeypatch.setattr(getpass, "getuser", _no_account)
    monkeypatch.setattr("os.getuid", lambda: 12345)
    code, _, err = run("submit", str(plan_file))
    assert (code, err) == (2, "error: cannot tell who you are: no $LOGNAME / $USER and user id "
                           "12345 has no account name (a container run with --user?); pass "
                           "--requester NAME\n")
    assert run("submit", str(plan_file), "--requester", "ci")[0] == 0
    code, _, err = run("approve", str(plan_file), *ANSWERS)
    assert code == 2 and err.endswith("pass --reviewer NAME\n")


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        (
            "UPDATE approval_records SET reviewer = 'bob' WHERE seq = 2",
            "record 2 (review-001 approved by bob) content does not match its hash",
        ),
        # the rejection recorded after the approval, deleted: the rest is a valid chain
        ("DELETE FROM approval_records WHERE seq = 3", "record 3 is missing (deleted from the end"),
    ],
)
def test_verify_and_gate_name_the_tampered_record(
    run: Run, plan_file: Path, store_location: str, sql: str, named: str
) -> None:
    plan = str(plan_file)
    run("submit", plan)
    run("approve", plan, "--reviewer", "alice", *ANSWERS)
    run("reject", plan, "--reviewer", "carol", "--comment", "no load test")
    code, out, _ = run("verify")
    assert code == 0 and "3 records, chain valid, head " in out
    raw_sql(store_location, sql)
    code, out, err = run("verify")
    assert (code, out) == (1, "")
    assert f"is tampered: {named}" in err
    code, out, _ = run("gate", plan)
    assert code == 1 and out.startswith("FAIL: approval store ")
    assert f"is tampered: {named}" in out


def test_an_older_store_without_a_chain_head_answers_clearly_until_a_write_adds_it(
    run: Run, plan_file: Path, store_location: str
) -> None:
    plan = str(plan_file)
    run("submit", plan)
    run("approve", plan, "--reviewer", "alice", *ANSWERS)
    make_older(store_location)
    why = "keeps no chain head (no approval_chain_head row: the store predates it"
    code, out, err = run("verify")
    assert (code, out) == (1, "") and err.startswith("FAIL: approval store ")
    assert why in err and "2 records link correctly up to head " in err
    code, out, _ = run("gate", plan)
    assert code == 1 and out.startswith("FAIL: approval store ") and why in out
    code, out, err = run("status", plan)
    assert code == 2 and out == ""
    _assert_one_line_error(err, why)
    for output in (out, err):
        assert "tampered" not in output and "Traceback" not in output
    # a sign-off opens the store as any reader does, and its append adds the head
    assert run("comment", plan, "--reviewer", "eve", "--comment", "ok")[0] == 0
    code, out, _ = run("verify")
    assert code == 0 and "3 records, chain valid, head " in out
    assert run("gate", plan)[0] == 0


_EVERY_WRITE = [
    ["approve", "{plan}", "--reviewer", "zed", *ANSWERS],
    ["reject", "{plan}", "--reviewer", "zed", "--comment", "no"],
    ["request-changes", "{plan}", "--reviewer", "zed", "--comment", "alerts"],
    ["comment", "{plan}", "--reviewer", "zed", "--comment", "again"],
    ["comment", "review-001", "--reviewer", "zed", "--comment", "again"],
    ["submit", "{plan}"],  # already submitted: records nothing, still adds the head
    ["submit", "{changed}"],
]


@pytest.mark.parametrize("argv", _EVERY_WRITE)
def test_every_write_adds_a_missing_chain_head_and_says_where(
    run: Run, plan_file: Path, store_location: str, argv: list[str]
) -> None:
    plan = str(plan_file)
    first = run("submit", plan)[1]
    assert "chain head" not in first  # a new store gets its head when created: nothing to say
    run("comment", "review-001", "--reviewer", "eve", "--comment", "first")
    head = run("verify")[1].splitlines()[0].split("head ")[-1]  # the copy a careful user kept
    make_older(store_location)
    changed = plan_file.with_name("changed.yaml")
    changed.write_text(plan_file.read_text() + "replicas: 4\n")
    code, out, err = run(*(a.format(plan=plan, changed=changed) for a in argv))
    assert (code, err) == (0, "")
    # seeded from record 2, the newest before this write: the hash verify printed for it
    assert (
        f"the store had no chain head: added it at record 2 (hash {head}); compare it with a "
        "copy you kept\n"
    ) in out
    code, out, _ = run("verify")
    assert code == 0 and "chain valid" in out
    # the head is kept now: the next write has nothing to add
    assert "chain head" not in run("comment", plan, "--reviewer", "eve", "--comment", "x")[1]


def _assert_one_line_error(err: str, *parts: str) -> None:
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    for part in parts:
        assert part in err


@pytest.mark.parametrize(
    ("submit_first", "argv", "parts"),
    [
        (
            "other.yaml",
            ["approve", "{plan}", "--reviewer", "alice"],
            ["cannot record approved for {plan}", "was never submitted for review"],
        ),
        (
            "checkout.yaml",
            ["status", "review-042"],
            ["unknown review id 'review-042'", "review-001..review-001"],
        ),
        (
            "checkout.yaml",
            ["approve", "{plan}", "--answer", "1=a", "--answer", "1=b"],
            ["--answer given more than once for question(s) [1]"],
        ),
        (
            "checkout.yaml",
            ["reject", "{plan}", "--reviewer", "carol"],
            ["rejecting needs a comment saying why"],
        ),
        # given but empty, as `--reviewer "$APPROVER"` with the variable unset: refused, not
        # recorded as the OS user (who would count as an approver)
        (
            "checkout.yaml",
            ["approve", "{plan}", "--reviewer", "", *ANSWERS],
            ["reviewer is empty: pass --reviewer NAME"],
        ),
        ("other.yaml", ["submit", "{plan}", "--requester", " "], ["requester is empty"]),
    ],
)
def test_bad_requests_are_one_line_errors(
    run: Run,
    plan_file: Path,
    store_location: str,
    submit_first: str,
    argv: list[str],
    parts: list[str],
) -> None:
    first = plan_file.with_name(submit_first)
    if not first.exists():
        first.write_text("another plan\n")
    run("submit", str(first))
    code, _, err = run(*(a.format(plan=plan_file) for a in argv))
    assert code == 2
    _assert_one_line_error(err, *(p.format(plan=plan_file) for p in parts))
    with open_store(store_location) as store:
        assert len(store.records()) == 1  # only the first submit: nothing written


def test_bad_answer_syntax_is_a_usage_error(run: Run, plan_file: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run("approve", str(plan_file), "--answer", "yes")
    assert exc.value.code == 2
    assert capsys.readouterr().err.endswith(
        "infra-toolkit approve: error: argument --answer: 'yes' is not N=TEXT (e.g. --answer "
        "2='yes, tested')\n")


@pytest.mark.parametrize("command", [["queue"], ["verify"], ["status", "PLAN"]])
def test_missing_and_corrupt_sqlite_store(
    command: list[str], plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(plan_file) if a == "PLAN" else a for a in command]
    missing = tmp_path / "missing.sqlite"
    assert main([*argv, "--db", str(missing)]) == 2
    _assert_one_line_error(capsys.readouterr().err, f"approval store {missing} does not exist")
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"\x00garbage" * 512)
    assert main([*argv, "--db", str(corrupt)]) == 2
    _assert_one_line_error(capsys.readouterr().err, "not an SQLite database or it is damaged")
    assert corrupt.read_bytes() == b"\x00garbage" * 512


@pytest.mark.parametrize(
    "command",
    [
        ["submit", "PLAN"],  # creates a missing store, but never takes an empty file for one
        ["approve", "PLAN", "--reviewer", "zed", *ANSWERS],
        ["comment", "review-001", "--comment", "c"],
        ["status", "PLAN"],
        ["queue"],
        ["verify"],
    ],
)
def test_a_zero_byte_file_is_refused_as_a_store_and_left_as_it_is(
    command: list[str], plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(plan_file) if a == "PLAN" else a for a in command]
    empty = tmp_path / "approvals.sqlite"
    empty.touch()  # a touched path, or a store truncated to nothing
    assert main([*argv, "--db", str(empty)]) == 2
    _assert_one_line_error(
        capsys.readouterr().err,
        f"approval store {empty} is an empty file (0 bytes), not a store: if it was a store, "
        "restore it from a backup; to start a new store, delete the file and run "
        "infra-toolkit submit PLAN.yaml",
    )
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["approvals.sqlite", "checkout.yaml"]


def test_submit_creates_a_missing_store_leaving_nothing_else_beside_it(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "new" / "approvals.sqlite"
    assert main(["submit", str(plan_file), "--db", str(store)]) == 0
    assert "submitted as review-001" in capsys.readouterr().out
    assert [p.name for p in store.parent.iterdir()] == ["approvals.sqlite"]  # no temporary
    assert main(["verify", "--db", str(store)]) == 0
    assert "1 records, chain valid" in capsys.readouterr().out


def test_unreachable_postgres_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "--db", "postgresql://ci@127.0.0.1:1/approvals"]) == 2
    err = capsys.readouterr().err
    # the driver's cause and its hint (two lines, the second indented) kept on the one line
    _assert_one_line_error(
        err,
        "cannot connect to the approval store postgresql://ci@127.0.0.1:1/approvals: ",
        "Connection refused",
        "; check the URL and that the PostgreSQL server is running and reachable",
    )
    assert "\t" not in err


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("one line", "one line"),
        ("first\n\tsecond hint", "first second hint"),
        (
            "p.yaml: 2 problem(s):\n  a: bad; fix a\n  b: bad",
            "p.yaml: 2 problem(s): a: bad; fix a | b: bad",
        ),
        ("", "ApprovalError"),
    ],
)
def test_one_line(message: str, expected: str) -> None:
    assert one_line(ApprovalError(message)) == expected


@pytest.mark.parametrize(
    ("plan", "db", "reason"),
    [
        (
            "PLAN",
            "TMP/missing.sqlite",
            "FAIL: approval store TMP/missing.sqlite does not exist: submit a plan first",
        ),
        ("PLAN", "TMP/corrupt.sqlite", "FAIL: approval store TMP/corrupt.sqlite: cannot read ("),
        (
            "PLAN",
            "postgresql://ci@127.0.0.1:1/approvals",
            "FAIL: cannot connect to the approval store postgresql://ci@127.0.0.1:1/approvals: ",
        ),
        ("TMP/nope.yaml", "TMP/missing.sqlite", "FAIL: cannot read plan TMP/nope.yaml: "),
        # the real reader: the plan's problems (one per line in its message) on one line;
        # 17 = the 5 always-provide sections (rollback, testing, monitoring, timeline, risks),
        # the 5 other required ones (current, proposed, deployment_strategy, security,
        # questions) and the 7 required metadata fields (title, owner, environment, priority,
        # type, requested_review, summary) of docs/PLAN.md
        (
            "TMP/bad.yaml",
            "TMP/missing.sqlite",
            "FAIL: TMP/bad.yaml: 17 problem(s) in the plan: TMP/bad.yaml: rollback: missing; "
            "the seed rule says always provide the rollback plan; add a `rollback:` section | "
            "TMP/bad.yaml: testing: missing;",
        ),
    ],
)
def test_gate_says_no_with_one_line_when_it_cannot_check(
    plan: str,
    db: str,
    reason: str,
    plan_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "corrupt.sqlite").write_bytes(b"\x00garbage" * 512)
    (tmp_path / "bad.yaml").write_text("version: 1\nmetadata: {}\n")
    if plan != "PLAN":
        monkeypatch.setattr(cli_review, "read_review_subject", read_review_subject)
    plan_arg = str(plan_file) if plan == "PLAN" else plan.replace("TMP", str(tmp_path))
    code = main(["gate", plan_arg, "--db", db.replace("TMP", str(tmp_path))])
    out, err = capsys.readouterr()
    # a pipeline sees exit 1, FAIL and the reason, on one line, for anything but a pass
    assert (code, err) == (1, "")
    assert out.startswith(reason.replace("TMP", str(tmp_path)))
    assert out.count("\n") == 1 and "Traceback" not in out
    assert not (tmp_path / "missing.sqlite").exists()  # the gate never creates a store
    assert (tmp_path / "corrupt.sqlite").read_bytes() == b"\x00garbage" * 512


@pytest.mark.parametrize(
    ("sqlite_sql", "postgres_sql", "named"),
    [
        (
            "DROP TRIGGER approval_records_no_update",
            "ALTER TABLE approval_records DISABLE TRIGGER approval_records_append_only",
            {"sqlite": "approval_records_no_update", "postgresql": "approval_records_append_only"},
        ),
        # without it appends leave the head behind, and deleting them would not show
        (
            "DROP TRIGGER approval_chain_advance",
            "DROP TRIGGER approval_chain_advance ON approval_records",
            {"sqlite": "approval_chain_advance", "postgresql": "approval_chain_advance"},
        ),
    ],
)
def test_a_store_whose_triggers_were_removed_is_unguarded_until_a_write_restores_them(
    run: Run,
    plan_file: Path,
    store_location: str,
    sqlite_sql: str,
    postgres_sql: str,
    named: dict[str, str],
) -> None:
    backend = "postgresql" if "://" in store_location else "sqlite"
    plan = str(plan_file)
    run("submit", plan)
    run("approve", plan, "--reviewer", "alice", *ANSWERS)
    with open_store(store_location) as store:
        assert store.unguarded() == ()
    if backend == "sqlite":
        lite = sqlite3.connect(store_location)
        lite.execute(sqlite_sql)
        lite.close()
    else:  # only this (raw_sql would disable the append-only trigger too)
        import psycopg

        with psycopg.connect(store_location, autocommit=True) as conn:
            conn.execute(postgres_sql)
    why = (f"is unguarded: its trigger(s) {named[backend]} are missing or disabled, so records "
           "or its head could have been changed without a trace; its 2 records link correctly")
    code, out, err = run("verify")
    assert (code, out) == (1, "") and why in err
    code, out, _ = run("gate", plan)
    assert code == 1 and out.startswith("FAIL: ") and why in out
    code, out, err = run("comment", plan, "--reviewer", "eve", "--comment", "checked")
    assert (code, err) == (0, "")
    assert (f"the store's trigger(s) {named[backend]} were missing or disabled: restored them; "
            "whoever removed them could have changed records without a trace") in out
    with open_store(store_location) as store:
        assert store.unguarded() == ()
        assert store.chain_head() == verify(store)  # the head follows appends again
    assert run("gate", plan)[0] == 0


# Lowering the store's own head as well, as someone who drops its triggers can: the store then
# looks like an older copy of itself, valid head and all.
_LOWER_HEAD = {
    "sqlite": "DROP TRIGGER approval_chain_head_only_advances",
    "postgresql": (
        "ALTER TABLE approval_chain_head DISABLE TRIGGER approval_chain_head_only_advances"
    ),
}


def test_a_head_kept_outside_the_store_catches_it_rolled_back(
    run: Run, plan_file: Path, store_location: str
) -> None:
    plan = str(plan_file)
    run("submit", plan)
    run("approve", plan, "--reviewer", "alice", *ANSWERS)
    code, out, _ = run("verify")
    (approved_head,) = re.findall(r"keep (2:[0-9a-f]{64}) where the store's writers", out)
    run("reject", plan, "--reviewer", "carol", "--comment", "no load test")
    code, out, _ = run("verify")
    (kept,) = re.findall(r"keep (3:[0-9a-f]{64}) where", out)
    assert code == 0 and f"head {kept[2:]}\nkeep {kept} where the store's writers cannot " in out
    # roll the store back to before the rejection: the record and the store's own head
    raw_sql(store_location, _LOWER_HEAD["postgresql" if "://" in store_location else "sqlite"])
    raw_sql(store_location, "DELETE FROM approval_records WHERE seq = 3")
    raw_sql(store_location, "UPDATE approval_chain_head SET seq = 2, hash = ?",
            (approved_head[2:],))
    code, out, err = run("verify")  # the triggers bypassed are named ...
    assert code == 1 and "is unguarded: its trigger(s) " in err
    restore_guards(store_location)  # ... unless they are put back
    # what the store holds cannot show it: the gate passes on the approval
    assert run("verify")[0] == 0
    code, out, _ = run("gate", plan)
    assert code == 0 and out.startswith(f"PASS: {plan}: review-001 APPROVED by alice at ")
    code, out, err = run("verify", "--known-head", kept)
    assert (code, out) == (1, "")
    assert re.search(r"is tampered: it ends at record 2, but record 3 was kept \(hash "
                     rf"{kept[2:14]}…\): records were deleted from its end, or it was replaced "
                     "by an older copy", err), err
    code, out, _ = run("gate", plan, "--known-head", kept)
    assert code == 1 and "it ends at record 2, but record 3 was kept" in out
    # a write after the rollback makes another record 3: not the one kept
    run("comment", plan, "--reviewer", "eve", "--comment", "ok")
    code, out, _ = run("gate", plan, "--known-head", kept)
    assert code == 1 and "record 3 (review-001 comment by eve) is not the record 3 whose hash " \
        "was kept" in out
    assert run("gate", plan, "--known-head", approved_head)[0] == 0  # record 2 is still held


@pytest.mark.parametrize("bad", ["3", "0:" + "a" * 64, "x:" + "a" * 64, "3:" + "A" * 64, "3:abc"])
@pytest.mark.parametrize("command", [["verify"], ["gate", "plan.yaml"]])
def test_a_malformed_known_head_is_a_usage_error(
    command: list[str], bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*command, "--known-head", bad])
    assert exc.value.code == 2
    assert "is not N:HASH (a record number and its 64-hex-digit hash" in capsys.readouterr().err


def test_gate_usage_error_stays_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["gate"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.endswith(
        "infra-toolkit gate: error: the following arguments are required: PLAN.yaml\n")


def test_store_location_from_environment(
    plan_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "env.sqlite"
    monkeypatch.setenv("INFRA_TOOLKIT_DB", str(db))
    assert main(["submit", str(plan_file)]) == 0
    assert [
        r[0] for r in sqlite3.connect(db).execute("SELECT review_id FROM approval_records")
    ] == ["review-001"]
    capsys.readouterr()
    assert main(["queue"]) == 0
    assert "review-001" in capsys.readouterr().out


def _count(store_location: str) -> int:
    return int(raw_sql(store_location, "SELECT COUNT(*) FROM approval_records")[0][0])


@pytest.mark.parametrize(
    "argv",
    [
        ["approve", "{plan}", "--reviewer", "zed", *ANSWERS],
        ["reject", "{plan}", "--reviewer", "zed", "--comment", "no"],
        ["request-changes", "{plan}", "--reviewer", "zed", "--comment", "alerts"],
        ["comment", "{plan}", "--reviewer", "zed", "--comment", "again"],
        ["comment", "review-001", "--reviewer", "zed", "--comment", "again"],
        ["submit", "{plan}"],  # already submitted: would write nothing anyway
        ["submit", "{changed}"],  # a new digest: a new review request
    ],
)
def test_a_write_to_a_tampered_store_records_nothing_and_says_so(
    run: Run, plan_file: Path, store_location: str, argv: list[str]
) -> None:
    plan = str(plan_file)
    run("submit", plan)
    run("comment", "review-001", "--reviewer", "eve", "--comment", "first")
    raw_sql(store_location, "UPDATE approval_records SET reviewer = 'mallory' WHERE seq = 2")
    changed = plan_file.with_name("changed.yaml")
    changed.write_text(plan_file.read_text() + "replicas: 4\n")
    code, out, err = run(*(a.format(plan=plan, changed=changed) for a in argv))
    assert (code, out) == (2, "")
    _assert_one_line_error(
        err,
        "is tampered: record 2 (review-001 comment by mallory) content does not match its hash",
        "; nothing recorded",
    )
    assert _count(store_location) == 2  # a retry after the error cannot record twice


@pytest.mark.parametrize("command", ["approve", "reject", "request-changes"])
def test_decisions_take_the_plan_file_not_a_review_id(
    run: Run, plan_file: Path, store_location: str, command: str
) -> None:
    plan = str(plan_file)
    run("submit", plan)
    plan_file.write_text(plan_file.read_text() + "v2\n")
    run("submit", plan)  # review-002 supersedes review-001
    code, out, err = run(command, "review-001", "--reviewer", "a", "--comment", "x", *ANSWERS)
    assert (code, out) == (2, "")
    _assert_one_line_error(
        err,
        f"{command} takes the plan file, not a review id (review-001): a decision signs the "
        "digest the plan file has now; pass PLAN.yaml",
    )
    assert _count(store_location) == 2
    # comments and status still take a review id, and say that it is superseded
    code, out, _ = run("comment", "review-001", "--reviewer", "eve", "--comment", "old one")
    assert code == 0 and out.startswith("recorded record 3 (review-001 comment by eve)")
    # the decision's error says that this names the review's plan file: it does
    assert run("status", "review-001")[1] == (
        f"{plan}: review-001 AWAITING APPROVAL (superseded by review-002): 0 of 1 approver(s) "
        "so far; 1 more needed\n"
    )


@pytest.mark.parametrize("typed", ["REVIEW-001", "Review-1", "review-1", "review-0001"])
def test_a_review_id_is_read_in_any_case_and_padding(run: Run, plan_file: Path, typed: str) -> None:
    # before: REVIEW-001 was read as a plan file that does not exist, review-1 as an unknown id
    plan = str(plan_file)
    run("submit", plan)
    assert run("status", typed) == (
        0, f"{plan}: review-001 AWAITING APPROVAL: 0 of 1 approver(s) so far; 1 more needed\n", "")
    code, out, _ = run("comment", typed, "--reviewer", "eve", "--comment", "looking")
    assert code == 0 and out.startswith("recorded record 2 (review-001 comment by eve)")


def test_a_repeated_approval_is_recorded_and_said_to_count_once(
    run: Run, plan_file: Path
) -> None:
    plan_file.write_text("needs two approvers\n")
    plan = str(plan_file)
    run("submit", plan)
    code, out, _ = run("approve", plan, "--reviewer", "alice", *ANSWERS)
    assert code == 0 and "already approved" not in out
    first_at = out.split(" at ", 1)[1].split("\n", 1)[0]
    code, out, _ = run("approve", plan, "--reviewer", " Alice ", *ANSWERS)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("recorded record 3 (review-001 approved by  Alice )")
    assert lines[1] == f"already approved by alice at {first_at}; counted once"
    assert lines[2].startswith(f"{plan}: review-001 AWAITING APPROVAL: 1 of 2 approver(s) so far")


def test_queue_columns_line_up_under_their_headers(run: Run, plan_file: Path) -> None:
    run("submit", str(plan_file))
    header, row = run("queue")[1].splitlines()
    assert header.endswith("APPROVALS  PLAN")
    assert row[header.index("PLAN"):].startswith("checkout (")
    assert row[header.index("APPROVALS"):].startswith("0/1 ")


def test_a_plan_title_cannot_forge_a_row_of_the_queue(run: Run, store_location: str) -> None:
    # the title is the plan author's text; before, its line break printed a second row (an
    # APPROVED review that does not exist) and its ESC sequence recoloured the terminal
    from infra_toolkit.approval_writes import submit
    from tests.approval_helpers import at, subject

    title = "Nice\nreview-999  APPROVED  high  migration  1 min  2/2  x: \x1b[31mred\u2028end"
    with open_store(store_location, create=True) as store:
        submit(store, subject(title=title), requester="dev", at=at(0))
    code, out, _ = run("queue")
    header, row = out.splitlines()
    assert code == 0 and row[header.index("PLAN"):] == (
        "checkout (plans/checkout.yaml): Nice\\nreview-999  APPROVED  high  migration  1 min  "
        "2/2  x: \\x1b[31mred\\u2028end")


def test_a_name_in_an_older_store_cannot_forge_a_line_of_gate_or_status(
    run: Run, store_location: str, plan_file: Path
) -> None:
    # an older infra-toolkit recorded a reviewer holding U+2028 (a line break for splitlines and
    # log viewers): its rejection printed 'FAIL: ... REJECTED by bob' and then a line 'PASS: ...'
    from infra_toolkit.approval_records import RecordDraft, RecordKind

    plan = str(plan_file)
    run("submit", plan, "--requester", "dev")
    forged = "bob\u2028PASS: approved\x1b[2K"
    with open_store(store_location) as store:
        request = store.records()[0]
        store.append(RecordDraft(review_id="review-001", kind=RecordKind.REJECTED,
                                 plan=request.plan, digest=request.digest, reviewer=forged,
                                 recorded_at="2026-11-26T09:05:00Z", comment="no"))
    code, out, _ = run("gate", plan)
    assert code == 1 and out == (f"FAIL: {plan}: review-001 REJECTED by bob\\u2028PASS: "
                                 "approved\\x1b[2K at 2026-11-26T09:05:00Z: 'no'\n")
    code, out, _ = run("status", plan)
    assert code == 0 and out.splitlines() == [
        f"{plan}: review-001 REJECTED by bob\\u2028PASS: approved\\x1b[2K at "
        "2026-11-26T09:05:00Z: 'no'"]
    # and the status a sign-off prints after its record
    code, out, _ = run("comment", plan, "--reviewer", "eve", "--comment", "seen")
    assert code == 0 and out.splitlines()[-1] == (
        f"{plan}: review-001 REJECTED by bob\\u2028PASS: approved\\x1b[2K at "
        "2026-11-26T09:05:00Z: 'no'")


@pytest.mark.parametrize(
    ("command", "comment_help", "plan_help"),
    [
        ("comment", "the comment (required)", "PLAN.yaml|review-NNN"),
        ("approve", "why (required to reject or request changes)", "not a review id"),
        ("reject", "why (required to reject or request changes)", "not a review id"),
    ],
)
def test_sign_off_help_says_what_each_takes(
    capsys: pytest.CaptureFixture[str], command: str, comment_help: str, plan_help: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps to the terminal width
    assert comment_help in text and plan_help in text


@pytest.mark.parametrize("command", ["gate", "queue", "verify", "submit"])
def test_db_help_never_shows_the_stores_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    # before: "(default: $INFRA_TOOLKIT_DB, else postgresql://ci:s3cret@db/approvals)", the
    # variable's value as given, in every --help a CI job printed
    monkeypatch.setenv("INFRA_TOOLKIT_DB", "postgresql://ci:s3cret@db/approvals")
    monkeypatch.setenv("XDG_DATA_HOME", "/data")
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps to the terminal width
    assert "s3cret" not in text
    assert ("(default: $INFRA_TOOLKIT_DB, now postgresql://ci:***@db/approvals; unset: "
            "/data/infra_toolkit/approvals.sqlite)") in text


@pytest.mark.parametrize("decision", [
    ["approve", *ANSWERS],
    ["reject", "--comment", "no"],
    ["request-changes", "--comment", "alerts"],
])
def test_a_decision_with_the_reviewed_digest_refuses_a_changed_plan(
    run: Run, plan_file: Path, store_location: str, decision: list[str]
) -> None:
    plan = str(plan_file)
    reviewed = hashlib.sha256(plan_file.read_bytes()).hexdigest()  # the fixture's digest rule
    run("submit", plan)
    plan_file.write_bytes(plan_file.read_bytes().replace(b"3", b"4"))  # edited after review
    now = hashlib.sha256(plan_file.read_bytes()).hexdigest()
    run("submit", plan)  # the new version is submitted too: without --digest it could be signed
    before = _count(store_location)
    code, out, err = run(decision[0], plan, "--digest", reviewed, "--reviewer", "alice",
                         *decision[1:])
    assert (code, out) == (2, "")
    _assert_one_line_error(err, f"{plan} changed since it was reviewed (digest {reviewed[:12]}… "
                           f"reviewed, {now[:12]}… now", "nothing recorded",
                           "rebuild the report")
    assert _count(store_location) == before
    # the digest the plan has now signs it; the sha256: prefix the report's header uses is taken
    code, out, _ = run(decision[0], plan, "--digest", f"sha256:{now}", "--reviewer", "alice",
                       *decision[1:])
    assert code == 0 and out.startswith("recorded record 3 (review-002 ")
    assert _count(store_location) == before + 1


@pytest.mark.parametrize("bad", ["abc", "A" * 64, "a" * 63, "sha1:" + "a" * 64])
def test_a_malformed_reviewed_digest_is_a_usage_error(
    run: Run, plan_file: Path, capsys: pytest.CaptureFixture[str], bad: str
) -> None:
    run("submit", str(plan_file))
    with pytest.raises(SystemExit) as exc:
        run("approve", str(plan_file), "--digest", bad, *ANSWERS)
    assert exc.value.code == 2
    assert f"argument --digest: {bad!r} is not a plan digest: give the 64 hex digits" in \
        capsys.readouterr().err


_AT = r" at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"  # a recorded_at as the records print it


def test_the_gate_floor_raises_a_policy_the_plan_author_lowered(run: Run, plan_file: Path) -> None:
    plan = str(plan_file)  # the stand-in plan's policy asks 1 approver
    run("submit", plan, "--requester", "dev")
    code, out, _ = run("gate", plan, "--min-approvers", "2")
    assert code == 1 and out == (
        f"FAIL: {plan}: review-001 AWAITING APPROVAL: 0 of 1 approver(s) so far; 1 more needed; "
        # the gate needs max(2, 1) = 2 and counts none of them: 2 more
        "the gate counts 0 of 2 approver(s) (the gate's --min-approvers 2; the plan's policy "
        "asks 1): none; 2 more needed\n"
    )
    run("approve", plan, "--reviewer", "alice", *ANSWERS)
    assert run("gate", plan)[0] == 0
    assert run("gate", plan, "--min-approvers", "1")[0] == 0
    code, out, _ = run("gate", plan, "--min-approvers", "2")
    assert code == 1
    assert re.fullmatch(
        re.escape(f"FAIL: {plan}: review-001 APPROVED under the plan's policy, but the gate "
                  "counts 1 of 2 approver(s) (the gate's --min-approvers 2; the plan's policy "
                  "asks 1): alice") + _AT + re.escape("; 1 more needed") + "\n",
        out,
    ), out
    # status reports the plan's own policy, which the floor does not change
    assert run("status", plan)[1].startswith(f"{plan}: review-001 APPROVED by alice at ")
    run("approve", plan, "--reviewer", "ALICE", *ANSWERS)  # the same person: still one
    assert run("gate", plan, "--min-approvers", "2")[0] == 1
    run("approve", plan, "--reviewer", "bob", *ANSWERS)
    code, out, _ = run("gate", plan, "--min-approvers", "2")
    assert code == 0 and out.startswith(f"PASS: {plan}: review-001 APPROVED by alice at ")
    code, out, _ = run("gate", plan, "--min-approvers", "3")
    assert code == 1 and "counts 2 of 3 approver(s) (the gate's --min-approvers 3; " in out


def test_the_gate_floor_never_lowers_the_plans_policy(run: Run, plan_file: Path) -> None:
    plan_file.write_text("needs two approvers\n")
    plan = str(plan_file)
    run("submit", plan, "--requester", "dev")
    run("approve", plan, "--reviewer", "alice", *ANSWERS)
    code, out, _ = run("gate", plan, "--min-approvers", "1")
    assert code == 1 and "1 of 2 approver(s) so far (alice at " in out
    assert out.endswith("; 1 more needed\n")  # a floor below the policy adds nothing


@pytest.mark.parametrize("approver", [
    "Alice",  # exactly the requester's name
    "alice",  # case
    "ＡＬＩＣＥ",  # full-width letters: NFKC makes them "ALICE"
    "Ali\u200bce ",  # a zero-width space inside, a space after
])
def test_no_self_approval_does_not_count_the_requesters_approval(
    run: Run, plan_file: Path, approver: str
) -> None:
    plan = str(plan_file)  # policy: 1 approver
    run("submit", plan, "--requester", "Alice")
    run("approve", plan, "--reviewer", approver, *ANSWERS)
    assert run("gate", plan)[0] == 0  # without the flag the requester's approval counts
    code, out, _ = run("gate", plan, "--no-self-approval")
    alias = "" if approver == "Alice" else f" (approved as {approver})"
    assert code == 1 and out == (
        f"FAIL: {plan}: review-001 APPROVED under the plan's policy, but the gate counts 0 of "
        "1 approver(s) (the plan's policy asks 1): none; 1 more needed; "
        f"Alice requested the review{alias}; with --no-self-approval that approval does not "
        "count\n"
    )
    run("approve", plan, "--reviewer", "Alicia", *ANSWERS)  # another person
    assert run("gate", plan, "--no-self-approval")[0] == 0
    code, out, _ = run("gate", plan, "--no-self-approval", "--min-approvers", "2")
    assert code == 1
    assert re.fullmatch(
        re.escape(f"FAIL: {plan}: review-001 APPROVED under the plan's policy, but the gate "
                  "counts 1 of 2 approver(s) (the gate's --min-approvers 2; the plan's policy "
                  "asks 1): Alicia") + _AT + re.escape(f"; 1 more needed; Alice requested the "
                                                       f"review{alias}; with --no-self-approval "
                                                       "that approval does not count") + "\n",
        out,
    ), out
    assert run("gate", plan, "--min-approvers", "2")[0] == 0  # the flag is what fails it


# '1_0' and '٢' (Arabic-Indic two) are numbers to Python's int(), not to a pipeline's author
@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5", "", "1_0", "\u0662", " 2"])
def test_a_bad_min_approvers_is_a_usage_error(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["gate", "plan.yaml", "--min-approvers", bad])
    assert exc.value.code == 2
    assert (f"argument --min-approvers: {bad!r} is not a positive whole number of approvers: "
            "pass 1, 2, ...") in capsys.readouterr().err


def test_a_change_request_beside_a_rejection_is_not_said_as_a_rejection(
        run: Run, plan_file: Path) -> None:
    # it said "REJECTED by carol at ...: 'no load test'; dave at ...: 'add an alert on p99'",
    # as if dave had rejected it too (docs/APPROVALS.md's example block, run in order)
    plan = str(plan_file)
    run("submit", plan, "--requester", "dev")
    run("reject", plan, "--reviewer", "carol", "--comment", "no load test")
    run("request-changes", plan, "--reviewer", "dave", "--comment", "add an alert on p99")
    code, out, _ = run("status", plan)
    assert code == 0
    assert re.fullmatch(re.escape(f"{plan}: review-001 REJECTED by carol") + _AT
                        + re.escape(": 'no load test'; changes requested by dave") + _AT
                        + re.escape(": 'add an alert on p99'") + "\n", out), out
    # carol approves: her rejection is withdrawn, dave's request stands alone
    run("approve", plan, "--reviewer", "carol", *ANSWERS)
    out = run("status", plan)[1]
    assert re.fullmatch(re.escape(f"{plan}: review-001 CHANGES REQUESTED by dave") + _AT
                        + re.escape(": 'add an alert on p99'") + "\n", out), out
