"""The store on both backends: allocation, append-only, tamper evidence, failures, concurrency."""

from __future__ import annotations

import multiprocessing
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.approval_gate import gate
from infra_toolkit.approval_reads import review_queue, review_state, review_status
from infra_toolkit.approval_records import COLUMNS, Answer, ChainReport, RecordDraft, RecordKind
from infra_toolkit.approval_store import ApprovalStore, open_store
from infra_toolkit.approval_verify import verify
from infra_toolkit.approval_writes import Recorded, sign_off, submit
from infra_toolkit.errors import ApprovalError, StoreIntegrityError
from infra_toolkit.plan import ApprovalPolicy
from tests.approval_helpers import at, make_older, raw_sql, subject


def test_submit_allocates_sequential_review_ids_and_is_idempotent(store_location: str) -> None:
    with open_store(store_location, create=True) as store:
        first = submit(store, subject("a"), requester="dev", at=at(0))
        again = submit(store, subject("a"), requester="dev", at=at(1))
        second = submit(store, subject("b"), requester="dev", at=at(2))
        assert (first.record.review_id, first.created) == ("review-001", True)
        # same plan and digest: nothing written
        assert (again.record, again.created) == (first.record, False)
        assert (second.record.review_id, second.created) == ("review-002", True)
        assert [r.seq for r in store.records()] == [1, 2]
        assert verify(store).count == 2


@pytest.mark.parametrize(
    ("statement", "match"),
    [
        ("UPDATE approval_records SET comment = 'x'", "append-only"),
        ("DELETE FROM approval_records", "append-only"),
        # the chain head kept beside the records: it only moves forward
        ("UPDATE approval_chain_head SET seq = 0", "the approval chain head only advances"),
        ("DELETE FROM approval_chain_head", "the approval chain head only advances"),
    ],
)
def test_database_refuses_update_and_delete(
    store_location: str, statement: str, match: str
) -> None:
    with open_store(store_location, create=True) as store:
        submit(store, subject(), requester="dev", at=at(0))
    if store_location.startswith("postgresql://"):
        import psycopg

        with (
            psycopg.connect(store_location, autocommit=True) as conn,
            pytest.raises(psycopg.Error, match=match),
        ):
            conn.execute(statement)
    else:
        lite = sqlite3.connect(store_location)
        with pytest.raises(sqlite3.DatabaseError, match=match):
            lite.execute(statement)
        lite.close()
    with open_store(store_location) as store:
        assert verify(store).count == 1


@pytest.mark.parametrize(
    ("sql", "params", "match"),
    [
        (
            "UPDATE approval_records SET reviewer = 'mallory' WHERE seq = 2",
            (),
            r"record 2 \(review-001 approved by mallory\) content does not match its hash",
        ),
        (
            "UPDATE approval_records SET answers = ? WHERE seq = 2",
            ('[["Is the rollback tested?","no"],["Who is on call?","ops"]]',),
            r"record 2 .* content does not match its hash",
        ),
        (
            "DELETE FROM approval_records WHERE seq = 2",
            (),
            r"record 3 .* has seq 3 where 2 was expected",
        ),
        (
            "UPDATE approval_records SET details = 'garbage' WHERE seq = 1",
            (),
            r"record 1 of .* cannot be read",
        ),
        # an approval moved onto another version of the plan
        (
            "UPDATE approval_records SET digest = ? WHERE seq = 2",
            ("b" * 64,),
            r"record 2 \(review-001 approved by alice\) content does not match its hash",
        ),
        # record 2 moved after record 3 (reordered, keeping its hash and link)
        (
            "UPDATE approval_records SET seq = 12 WHERE seq = 2",
            (),
            r"record 3 \(review-001 approved by bob\) has seq 3 where 2 was expected",
        ),
        # JSON the toolkit never writes, which json.loads reads but no hash can be made of
        (
            "UPDATE approval_records SET details = '{\"x\": NaN}' WHERE seq = 2",
            (),
            r"record 2 of .* cannot be read \(Out of range float values",
        ),
        (
            "UPDATE approval_records SET details = '{\"x\": 1e999}' WHERE seq = 2",
            (),
            r"record 2 of .* cannot be read \(Out of range float values",
        ),
        (
            "UPDATE approval_records SET answers = ? WHERE seq = 2",
            ('[["Is the rollback tested?","\\ud800"]]',),  # a lone surrogate, escaped
            r"record 2 of .* cannot be read \('utf-8' codec can't encode",
        ),
        (
            "UPDATE approval_records SET details = ? WHERE seq = 3",
            ("[" * 100_000 + "]" * 100_000,),
            r"record 3 of .* cannot be read \(maximum recursion depth",
        ),
    ],
)
def test_direct_edit_makes_verify_and_gate_fail_naming_the_record(
    store_location: str, sql: str, params: tuple[str, ...], match: str
) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
        for minute, name in enumerate(["alice", "bob"], 1):
            sign_off(
                store,
                s,
                RecordKind.APPROVED,
                reviewer=name,
                at=at(minute),
                answers={1: "yes", 2: "ops"},
            )
        assert gate(store, s).passed
    raw_sql(store_location, sql, params)
    with open_store(store_location) as store:
        with pytest.raises(StoreIntegrityError, match=match):
            verify(store)
        decision = gate(store, s)
    assert not decision.passed
    assert re.search(match, decision.reason), decision.reason  # the gate names the record too


ANSWERS = {1: "yes", 2: "ops"}


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        # the rejection recorded after the approval: without it the chain 1-2 is valid and
        # the review approved, so only the head the store kept shows what is gone
        ("DELETE FROM approval_records WHERE seq >= 3", r"records 3-4 are missing"),
        ("DELETE FROM approval_records WHERE seq = 4", r"record 4 is missing"),
    ],
)
def test_records_deleted_from_the_end_make_verify_and_gate_fail_naming_them(
    store_location: str, sql: str, match: str
) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))  # record 1
        sign_off(store, s, RecordKind.APPROVED, reviewer="alice", at=at(1), answers=ANSWERS)
        sign_off(store, s, RecordKind.REJECTED, reviewer="carol", at=at(2), comment="no")
        sign_off(store, s, RecordKind.COMMENT, reviewer="eve", at=at(3), comment="ok")  # 4
        head = verify(store).head_hash
    raw_sql(store_location, sql)
    with open_store(store_location) as store:
        with pytest.raises(StoreIntegrityError, match=rf"is tampered: {match} \(deleted from"):
            verify(store)
        decision = gate(store, s)
    assert not decision.passed
    assert f"{match.replace(chr(92), '')} (deleted from the end: the store recorded 4 records, " \
        f"head {head[:12]}…, but the chain ends at record " in decision.reason


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        # nothing wrong with the records: only their end cannot be vouched for
        (None, r"keeps no chain head \(no approval_chain_head row: the store predates it, or it "
               r"was removed\), so records deleted from its end would not show; its 2 records "
               r"link correctly up to head (?P<head>[0-9a-f]{64}): compare that hash with one you "
               r"kept, then record anything \(e\.g\. infra-toolkit submit PLAN\.yaml\)"),
        # an edited record is still named as such
        ("UPDATE approval_records SET reviewer = 'mallory' WHERE seq = 2",
         r"is tampered: record 2 \(review-001 approved by mallory\) content does not match"),
    ],
)
def test_an_older_store_without_a_chain_head_is_unverifiable_not_tampered(
    store_location: str, edit: str | None, match: str
) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
        sign_off(store, s, RecordKind.APPROVED, reviewer="alice", at=at(1), answers=ANSWERS)
        head = verify(store).head_hash
    make_older(store_location)
    if edit:
        raw_sql(store_location, edit)
    with open_store(store_location) as store:
        assert store.chain_head() is None
        with pytest.raises(StoreIntegrityError, match=match) as exc:
            verify(store)
        if edit is None:
            assert "tampered" not in str(exc.value)
            assert re.search(match, str(exc.value))["head"] == head  # type: ignore[index]
        with pytest.raises(StoreIntegrityError, match=match):
            review_status(store, s)
        with pytest.raises(StoreIntegrityError, match=match):
            review_queue(store)
        decision = gate(store, s)  # approved, but the gate cannot vouch for it: no
        assert not decision.passed and re.search(match, decision.reason)
        assert store.chain_head() is None  # reading changed nothing


def _submit_again(location: str) -> Recorded:
    with open_store(location, create=True) as store:  # what submit opens
        done = submit(store, subject(), requester="dev", at=at(2))
    assert done.created is False  # nothing new
    return done


def _comment(location: str) -> Recorded:
    with open_store(location) as store:  # what a sign-off opens
        return sign_off(
            store, subject(), RecordKind.COMMENT, reviewer="eve", at=at(2), comment="ok"
        )


@pytest.mark.parametrize("write", [_submit_again, _comment])
@pytest.mark.parametrize("lost", ["older", "removed"])
def test_writing_to_a_store_without_a_chain_head_adds_it(
    store_location: str, write: Any, lost: str
) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
        approval = sign_off(
            store, s, RecordKind.APPROVED, reviewer="alice", at=at(1), answers=ANSWERS
        ).record
    if lost == "older":  # as an infra-toolkit that kept no head made it
        make_older(store_location)
    else:  # the head's table removed, its trigger left behind
        raw_sql(store_location, "DROP TABLE approval_chain_head")
    done = write(store_location)
    # the write says where it seeded the head: record 2, the approval, the newest before it
    assert done.head_added == ChainReport(2, approval.hash)
    assert done.head_added_note() == (
        f"the store had no chain head: added it at record 2 (hash {approval.hash}); compare it "
        "with a copy you kept"
    )
    with open_store(store_location) as store:
        records = store.records()
        assert store.chain_head() == ChainReport(len(records), records[-1].hash)
        assert verify(store).count == len(records)
        assert gate(store, s).passed
        # and from now on it follows the appends, with nothing more to say
        later = sign_off(store, s, RecordKind.COMMENT, reviewer="eve", at=at(3), comment="later")
        assert (later.head_added, later.head_added_note()) == (None, "")
    newest = len(records) + 1
    raw_sql(store_location, f"DELETE FROM approval_records WHERE seq = {newest}")
    with open_store(store_location) as store, pytest.raises(
        StoreIntegrityError, match=rf"is tampered: record {newest} is missing"
    ):
        verify(store)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (None, None),  # no head: a write adds it, so reading for one is no error
        ("UPDATE approval_records SET reviewer = 'mallory' WHERE seq = 2",
         r"is tampered: record 2 \(review-001 comment by mallory\) content does not match its "
         r"hash.*; nothing recorded$"),
    ],
)
def test_a_review_read_for_a_write_reads_the_store_as_every_write_does(
    store_location: str, edit: str | None, match: str | None
) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
        sign_off(store, s, RecordKind.COMMENT, reviewer="eve", at=at(1), comment="ok")
    make_older(store_location)
    if edit:
        raw_sql(store_location, edit)
    with open_store(store_location) as store:
        if match is None:
            assert review_state(store, "review-001", writing=True).review_id == "review-001"
            with pytest.raises(StoreIntegrityError, match="keeps no chain head"):
                review_state(store, "review-001")  # a plain read still cannot vouch for it
        else:
            with pytest.raises(StoreIntegrityError, match=match):
                review_state(store, "review-001", writing=True)


def test_submit_adds_a_missing_head_in_its_write_not_when_it_opens_the_store(
    store_location: str,
) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
    make_older(store_location)
    raw_sql(store_location, "UPDATE approval_records SET reviewer = 'mallory' WHERE seq = 1")
    with open_store(store_location, create=True) as store:  # what submit opens
        assert store.chain_head() is None
        with pytest.raises(
            StoreIntegrityError, match=r"is tampered: record 1 .*; nothing recorded$"
        ):
            submit(store, subject("b"), requester="dev", at=at(1))
        # refused like every write: the store is left as it was, still without a head
        assert store.chain_head() is None


def test_adding_the_chain_head_rolls_back_with_a_failed_append(
    store_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
    make_older(store_location)
    with open_store(store_location) as store:
        before = store.records()
        with monkeypatch.context() as patch, pytest.raises(RuntimeError, match="injected"):
            _fail_after_insert(patch, RuntimeError("injected"))
            sign_off(store, s, RecordKind.COMMENT, reviewer="eve", at=at(1), comment="ok")
        # the head's table and triggers were added in the append's transaction: gone with it
        assert store.chain_head() is None
        assert store.records() == before
        record = sign_off(store, s, RecordKind.COMMENT, reviewer="eve", at=at(2), comment="ok")
        assert store.chain_head() == ChainReport(2, record.record.hash)


def test_the_newest_record_cannot_be_replaced_behind_the_head(store_location: str) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
        rejection = sign_off(
            store, s, RecordKind.REJECTED, reviewer="carol", at=at(1), comment="no"
        ).record
    # the rejection swapped for an approval sealed on the same predecessor, as an attacker who
    # gets past the records' triggers would write it
    approval = RecordDraft(
        review_id="review-001",
        kind=RecordKind.APPROVED,
        plan=s.plan,
        digest=s.digest,
        reviewer="carol",
        recorded_at=rejection.recorded_at,
        answers=(Answer(s.questions[0], "yes"), Answer(s.questions[1], "ops")),
    ).seal(2, rejection.prev_hash)
    columns = approval.columns()
    raw_sql(store_location, "DELETE FROM approval_records WHERE seq = 2")
    insert = (
        f"INSERT INTO approval_records ({', '.join(COLUMNS)}) VALUES "
        f"({', '.join('?' for _ in COLUMNS)})"
    )
    with pytest.raises(_database_error(store_location), match="chain head only advances"):
        raw_sql(store_location, insert, tuple(columns[c] for c in COLUMNS))
    with open_store(store_location) as store:
        with pytest.raises(StoreIntegrityError, match=r"record 2 is missing"):
            verify(store)
        assert not gate(store, s).passed


def _database_error(location: str) -> type[Exception]:
    if location.startswith("postgresql://"):
        import psycopg

        return psycopg.Error
    return sqlite3.DatabaseError


def _fail_after_insert(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    real = ApprovalStore._insert

    def insert_then_fail(self: ApprovalStore, tx: Any, record: Any) -> None:
        real(self, tx, record)  # the row is written inside the transaction ...
        raise error  # ... and the transaction fails before it commits

    monkeypatch.setattr(ApprovalStore, "_insert", insert_then_fail)


def _backend_error(location: str) -> BaseException:
    if location.startswith("postgresql://"):
        import psycopg

        return psycopg.OperationalError("could not write to file: No space left on device")
    return sqlite3.OperationalError("disk I/O error")


@pytest.mark.parametrize(
    ("failure", "expected", "match"),
    [
        ("program", RuntimeError, "injected"),
        ("database", ApprovalError, r"approval store .*: cannot write \("),
    ],
)
def test_failed_append_leaves_the_store_exactly_as_it_was(
    store_location: str,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
    expected: type[Exception],
    match: str,
) -> None:
    s = subject()
    approve = {"reviewer": "bob", "answers": {1: "yes", 2: "ops"}}
    error = RuntimeError("injected") if failure == "program" else _backend_error(store_location)
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
        sign_off(store, s, RecordKind.COMMENT, reviewer="alice", at=at(1), comment="looks fine")
        before = store.records()
        with monkeypatch.context() as patch, pytest.raises(expected, match=match):
            _fail_after_insert(patch, error)
            sign_off(store, s, RecordKind.APPROVED, at=at(2), **approve)  # type: ignore[arg-type]
        assert store.records() == before
        # the failed append had advanced the kept head inside its transaction: rolled back with
        # it, so no record looks missing (a sequence would have kept the gap)
        assert verify(store).count == 2
        # the store still works and the chain continues from the same head
        record = sign_off(store, s, RecordKind.APPROVED, at=at(3), **approve).record  # type: ignore[arg-type]
        assert (record.seq, record.prev_hash) == (3, before[-1].hash)
        assert verify(store).count == 3


def test_text_that_is_not_utf8_names_its_record(tmp_path: Path) -> None:
    location = str(tmp_path / "approvals.sqlite")
    with open_store(location, create=True) as store:
        submit(store, subject(), requester="dev", at=at(0))
        sign_off(store, subject(), RecordKind.COMMENT, reviewer="eve", at=at(1), comment="ok")
    # another program wrote bytes that are not UTF-8 into a TEXT column
    raw_sql(location, "UPDATE approval_records SET comment = CAST(X'FF' AS TEXT) WHERE seq = 2")
    with open_store(location) as store:
        with pytest.raises(StoreIntegrityError, match=r"record 2 of .* cannot be read .*: it was "
                           "edited outside infra-toolkit; restore the store from a backup"):
            verify(store)
        assert "record 2 of" in gate(store, subject()).reason


def test_missing_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(ApprovalError, match=rf"approval store {missing} does not exist: submit"):
        open_store(missing)
    assert not missing.exists()  # reading never creates an empty store


def test_corrupt_sqlite_file_is_a_clear_error_and_left_untouched(tmp_path: Path) -> None:
    corrupt = tmp_path / "approvals.sqlite"
    corrupt.write_bytes(b"this is not a database, but someone's notes" * 100)
    before = corrupt.read_bytes()
    for create in (False, True):
        with pytest.raises(ApprovalError, match=r"not an SQLite database or it is damaged"):
            open_store(corrupt, create=create)
    assert corrupt.read_bytes() == before


@pytest.mark.parametrize("create", [False, True])
def test_a_folder_given_as_the_store_is_a_clear_error(tmp_path: Path, create: bool) -> None:
    with pytest.raises(ApprovalError, match=rf"^approval store {tmp_path} is a folder: pass the "
                       rf"store's file, e.g. {tmp_path / 'approvals.sqlite'}$"):
        open_store(tmp_path, create=create)
    assert list(tmp_path.iterdir()) == []


def _store_with_one_request(location: str) -> bytes:
    with open_store(location, create=True) as store:
        submit(store, subject(), requester="dev", at=at(0))
    with sqlite3.connect(location) as conn:  # fold the WAL in: the file alone holds the store
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(location).read_bytes()


def test_a_store_this_user_cannot_write_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = str(tmp_path / "approvals.sqlite")
    before = _store_with_one_request(location)
    # as a user without write access opens it (the tests may run as root, whom chmod does not stop)
    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda path, **kw: real_connect(
        f"file:{path}?mode=ro", uri=True, **kw))
    with open_store(location) as store:
        assert verify(store).count == 1
        with pytest.raises(ApprovalError, match=r"cannot write \(attempt to write a readonly "
                           r"database\); this user cannot write to it or to its folder .*: give "
                           "this user write access to the file and its folder"):
            submit(store, subject("b"), requester="dev", at=at(1))
    assert Path(location).read_bytes() == before


def test_a_store_locked_by_another_process_fails_writes_after_the_timeout_not_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = str(tmp_path / "approvals.sqlite")
    _store_with_one_request(location)
    monkeypatch.setenv("INFRA_TOOLKIT_DB_TIMEOUT_S", "0.2")
    holder = sqlite3.connect(location, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock, and keeps it
    try:
        with open_store(location) as store:
            assert gate(store, subject()).reason.endswith("1 more needed")  # readers do not wait
            with pytest.raises(ApprovalError, match=r"cannot write \(database is locked\); "
                               r"another process held its write lock for more than 0.2 s \(the "
                               r"store's timeout, \$INFRA_TOOLKIT_DB_TIMEOUT_S\): find it "
                               rf"\(fuser {re.escape(location)}\) or try again"):
                submit(store, subject("b"), requester="dev", at=at(1))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_store(location) as store:
        assert [r.seq for r in store.records()] == [1]


def _submit_and_report(location: str, results: Any) -> None:
    with open_store(location) as store:
        try:
            submit(store, subject("b"), requester="dev", at=at(1))
            results.put("recorded")
        except ApprovalError as exc:
            results.put(str(exc))


def test_a_postgres_store_locked_by_another_session_fails_writes_after_the_timeout(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from tests.pg_cluster import schema_url

    location = schema_url(postgres_url)
    with open_store(location, create=True) as store:
        submit(store, subject(), requester="dev", at=at(0))
    monkeypatch.setenv("INFRA_TOOLKIT_DB_TIMEOUT_S", "0.2")
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    with psycopg.connect(location) as holder:  # a session that hangs holding the write lock
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (0x1A7F_0AD1_0000_0006,))
        writer = ctx.Process(target=_submit_and_report, args=(location, results))
        writer.start()
        writer.join(timeout=20)
        if writer.is_alive():  # without a lock timeout the write waits as long as the holder
            writer.kill()
            pytest.fail("the write waited for the lock without end")
        holder.rollback()
    assert re.search(r"cannot write \(canceling statement due to lock timeout.*\); nothing was "
                     r"recorded; another session held its write lock for more than 0.2 s \(the "
                     r"store's timeout, \$INFRA_TOOLKIT_DB_TIMEOUT_S\): find it \(an advisory "
                     r"lock: SELECT pid FROM pg_locks WHERE locktype = 'advisory'\) or try again$",
                     results.get(timeout=5))
    with open_store(location) as store:
        assert [r.seq for r in store.records()] == [1]


@pytest.mark.parametrize("create", [False, True])
def test_sqlite_file_of_another_program_is_not_taken_for_a_store(
    tmp_path: Path, create: bool
) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.close()
    before = other.read_bytes()
    with pytest.raises(ApprovalError, match=r"is an SQLite database but not an approval store"):
        open_store(other, create=create)  # create: what submit --db other.db opens
    assert other.read_bytes() == before  # no approval tables written into it


@pytest.mark.parametrize(
    ("location", "match"),
    [
        (
            "postgresql://ci:s3cret@127.0.0.1:1/approvals",
            (
                r"cannot connect to the approval store "
                r"postgresql://ci:\*\*\*@127.0.0.1:1/approvals: "
                r".*check the URL and that the PostgreSQL server is running"
            ),
        ),
        (  # libpq also takes the password as a query parameter
            "postgresql://ci@127.0.0.1:1/approvals?sslmode=disable&password=s3cret",
            (
                r"cannot connect to the approval store "
                r"postgresql://ci@127.0.0.1:1/approvals\?sslmode=disable&password=\*\*\*: "
            ),
        ),
        (  # a unix socket URL, as the message names it: host-less, three slashes kept
            "postgresql:///approvals?host=%2Fnonexistent&password=s3cret",
            (
                r"cannot connect to the approval store "
                r"postgresql:///approvals\?host=%2Fnonexistent&password=\*\*\*: "
            ),
        ),
        ("mysql://db/approvals", r"unknown scheme 'mysql'; use a file path"),
    ],
)
def test_unreachable_or_unknown_store_url(location: str, match: str) -> None:
    with pytest.raises(ApprovalError, match=match) as exc:
        open_store(location)
    assert "s3cret" not in str(exc.value)


# Each URL below holds the password s3cret#/x or s3cret; nothing listens on port 1, so a connection
# is refused at once. Before: each message quoted the password, whole or in part.
@pytest.mark.parametrize(
    ("location", "match"),
    [
        (  # '#' ends urlsplit's host part: it found no password, and the URL was shown whole
            "postgresql://ci:s3cret#x@127.0.0.1:1/approvals",
            r"cannot connect to the approval store postgresql://ci:\*\*\*@127.0.0.1:1/approvals: ",
        ),
        (  # a scheme typo: the unknown-scheme message quoted the URL as given
            "postgresq://ci:s3cret@127.0.0.1:1/approvals",
            r"approval store 'postgresq://ci:\*\*\*@127.0.0.1:1/approvals': unknown scheme "
            r"'postgresq'",
        ),
        (  # two slashes: the SQLite URL message quoted it as given
            "sqlite://ci:s3cret@host/approvals",
            r"approval store 'sqlite://ci:\*\*\*@host/approvals': an SQLite URL is",
        ),
        (  # libpq reads only a lower-case scheme; as key=value text its error quoted the URL
            "Postgresql://ci:s3cret@127.0.0.1:1/approvals",
            r"cannot connect to the approval store Postgresql://ci:\*\*\*@127.0.0.1:1/approvals: "
            r"connection failed: .*port 1 failed",
        ),
        (  # a raw '@' in the password: libpq connected to host 'cret@127.0.0.1' and named it
            "postgresql://ci:s3@cret@127.0.0.1:1/approvals",
            r"approval store postgresql://ci:\*\*\*@127.0.0.1:1/approvals: the URL's user or "
            r"password holds '@' or '/', which libpq reads as the end of the password: "
            r"percent-encode them \(%40 for @, %2F for /\)",
        ),
        (  # a raw '/' in the password: libpq read host 'ci', port 's3cret'
            "postgresql://ci:s3cret/x@127.0.0.1:1/approvals",
            r"the URL's user or password holds '@' or '/'",
        ),
    ],
)
def test_no_message_shows_the_urls_password(location: str, match: str) -> None:
    with pytest.raises(ApprovalError, match=match) as exc:
        open_store(location)
    assert "s3" not in str(exc.value) and "cret" not in str(exc.value)


def test_both_passwords_of_a_url_are_scrubbed_from_the_drivers_message() -> None:
    # user:PASSWORD@ and password= at once (libpq takes the latter); each appears again in a
    # parameter libpq quotes back: both are ***
    with pytest.raises(ApprovalError, match=r"bad value for connect_timeout: '\*\*\*-\*\*\*'"):
        open_store("postgresql://ci:first1@127.0.0.1:1/approvals?password=second2&"
                   "connect_timeout=first1-second2")


def test_the_drivers_message_is_scrubbed_of_the_password() -> None:
    # libpq quotes a bad parameter's value as given: here the password's (pasted in the wrong
    # place); the URL shown before it is the user's own text, the driver's quote is not
    with pytest.raises(ApprovalError, match=r"bad value for connect_timeout: '\*\*\*'"):
        open_store("postgresql://ci:s3cret@127.0.0.1:1/approvals?connect_timeout=s3cret")


def test_a_password_variable_nobody_expanded_is_not_expanded_into_the_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # before: the advice "write the full path, e.g. ..." expanded $DB_PASSWORD from the
    # environment into the message
    monkeypatch.setenv("DB_PASSWORD", "s3cret")
    monkeypatch.setenv("DB_NAME", "approvals")
    for password in ("$DB_PASSWORD", "${DB_PASSWORD}"):
        with pytest.raises(ApprovalError) as exc:
            open_store(f"postgresql://ci:{password}@127.0.0.1:1/approvals")
        assert str(exc.value) == (
            f"approval store 'postgresql://ci:***@127.0.0.1:1/approvals': its password holds "
            f"{password}, which only a shell expands (the value was quoted, or set in a file): "
            "write the password itself, or leave it out of the URL and give it in $PGPASSWORD or "
            "~/.pgpass")
    # a $ followed by a name no variable has is the password's own character (generated
    # passwords hold them): libpq is asked, and refuses it (here: nothing listens on port 1)
    monkeypatch.delenv("XY9", raising=False)
    with pytest.raises(ApprovalError, match=r"port 1 failed"):
        open_store("postgresql://ci:ab$XY9@127.0.0.1:1/approvals")
    with pytest.raises(
        ApprovalError,
        match=r"approval store 'postgresql://ci:\*\*\*@127.0.0.1:1/\$DB_NAME' holds \$DB_NAME, "
        r"which only a shell expands .* e.g. postgresql://ci:\*\*\*@127.0.0.1:1/approvals$",
    ) as exc:
        open_store("postgresql://ci:s3cret@127.0.0.1:1/$DB_NAME")
    assert "s3cret" not in str(exc.value)


@pytest.mark.parametrize("location", [
    "postgresql://ci:***@127.0.0.1:1/approvals",
    "postgresql://127.0.0.1:1/approvals?user=ci&password=***",
])
def test_the_redacted_password_copied_from_a_message_is_named_as_such(location: str) -> None:
    # before: copied from the report's approve command, it failed as a wrong password
    with pytest.raises(ApprovalError, match=r"the URL's password is \*\*\*, which stands for "
                       r"the password where the report and messages show the URL: put the real "
                       r"one in its place, or leave it out \(postgresql://USER@HOST/DB\) and "
                       r"give it in \$PGPASSWORD or ~/.pgpass"):
        open_store(location)


def test_empty_postgres_database_is_not_a_store_until_created(postgres_url: str) -> None:
    from tests.pg_cluster import schema_url

    url = schema_url(postgres_url)
    with pytest.raises(ApprovalError, match=r"has no approval_records table: submit a plan first"):
        open_store(url)
    open_store(url, create=True).close()
    open_store(url).close()


WORKERS, SIGN_OFFS = 8, 50


def _worker(location: str, index: int, barrier: Any) -> None:
    s = subject(plan=f"plan-{index}", digest=f"{index:064x}")
    with open_store(location) as store:
        barrier.wait()
        submit(store, s, requester=f"w{index}", at=at(0))
        for n in range(SIGN_OFFS):
            kind = RecordKind.APPROVED if n % 2 else RecordKind.COMMENT
            sign_off(
                store,
                s,
                kind,
                reviewer=f"w{index}",
                at=at(n),
                comment=f"{index}/{n}",
                answers={1: "yes", 2: "ops"} if kind is RecordKind.APPROVED else None,
            )


@pytest.mark.parametrize("older", [False, True])
def test_concurrent_writers_lose_nothing_and_never_fork_the_chain(
    store_location: str, older: bool
) -> None:
    open_store(store_location, create=True).close()
    if older:  # the writers race to add the chain head too: one is added, and it is right
        make_older(store_location)
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(WORKERS)
    procs = [ctx.Process(target=_worker, args=(store_location, i, barrier)) for i in range(WORKERS)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    elapsed = time.perf_counter() - started
    assert [p.exitcode for p in procs] == [0] * WORKERS
    with open_store(store_location) as store:
        records = store.records()
        report = verify(store)  # against the chain head: present, and the newest record's
        assert store.chain_head() == report
    sign_offs = [r for r in records if r.kind is not RecordKind.REVIEW_REQUESTED]
    # 8 x 50 sign-offs plus each worker's review request, all present, chain intact
    assert len(sign_offs) == WORKERS * SIGN_OFFS == 400
    assert report.count == len(records) == 400 + WORKERS
    assert {r.comment for r in sign_offs} == {
        f"{i}/{n}" for i in range(WORKERS) for n in range(SIGN_OFFS)
    }
    requests = sorted(r.review_id for r in records if r.kind is RecordKind.REVIEW_REQUESTED)
    assert requests == [f"review-{i:03d}" for i in range(1, WORKERS + 1)]
    print(f"{store_location.split(':')[0]}: {len(records)} records in {elapsed:.2f} s")


def _dies_mid_append(location: str, inserted: Any) -> None:
    """Append one approval, but stop inside its transaction, the row inserted and not committed,
    and wait there to be killed."""
    real_insert = ApprovalStore._insert

    def insert_then_hang(self: ApprovalStore, tx: Any, record: Any) -> None:
        real_insert(self, tx, record)
        inserted.set()
        time.sleep(60)

    ApprovalStore._insert = insert_then_hang  # type: ignore[method-assign]  # this fork only
    with open_store(location) as store:
        sign_off(store, subject(), RecordKind.APPROVED, reviewer="alice", at=at(1), answers=ANSWERS)


def test_a_writer_killed_mid_append_leaves_no_half_record_and_loses_nothing(
    store_location: str,
) -> None:
    with open_store(store_location, create=True) as store:
        submit(store, subject(), requester="dev", at=at(0))
        before = verify(store)
    ctx = multiprocessing.get_context("fork")
    inserted = ctx.Event()
    writer = ctx.Process(target=_dies_mid_append, args=(store_location, inserted))
    writer.start()
    assert inserted.wait(timeout=30)
    writer.kill()  # SIGKILL: no rollback, no close, the lock held
    writer.join(timeout=10)
    with open_store(store_location) as store:
        assert verify(store) == before == store.chain_head()  # the append never happened
        # and the store takes the next write: the dead writer's lock went with it
        sign_off(store, subject(), RecordKind.APPROVED, reviewer="bob", at=at(2), answers=ANSWERS)
        assert [(r.seq, r.kind, r.reviewer) for r in store.records()] == [
            (1, RecordKind.REVIEW_REQUESTED, "dev"), (2, RecordKind.APPROVED, "bob")]
        assert verify(store).count == 2


VERSIONS = 10  # digests of one plan each submitter submits, one after the other


def _version_submitter(location: str, index: int, barrier: Any) -> None:
    with open_store(location) as store:
        barrier.wait()
        for n in range(VERSIONS):
            submit(store, subject(digest=f"{index * VERSIONS + n + 1:064x}"), requester=f"s{index}",
                   at=at(n))


def _reader(location: str, done: Any, results: Any) -> None:
    """verify and gate in a loop while the writers write: every answer must be a clean one."""
    problems, rounds = [], 0
    with open_store(location) as store:
        while not done.is_set() or rounds == 0:
            try:
                verify(store)
                reason = gate(store, subject(digest=f"{1:064x}")).reason
                if "tampered" in reason or "cannot" in reason:
                    problems.append(reason)
            except ApprovalError as exc:
                problems.append(str(exc))
            rounds += 1
    results.put((rounds, problems))


def test_versions_of_one_plan_submitted_at_once_while_a_reader_reads(store_location: str) -> None:
    open_store(store_location, create=True).close()
    ctx = multiprocessing.get_context("fork")
    barrier, done, results = ctx.Barrier(WORKERS // 2), ctx.Event(), ctx.Queue()
    reader = ctx.Process(target=_reader, args=(store_location, done, results))
    reader.start()
    procs = [ctx.Process(target=_version_submitter, args=(store_location, i, barrier))
             for i in range(WORKERS // 2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    done.set()
    rounds, problems = results.get(timeout=60)
    reader.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * (WORKERS // 2)
    assert problems == [] and rounds >= 1  # the reader never took appends for tampering
    with open_store(store_location) as store:
        records = store.records()
        assert verify(store).count == len(records) == 4 * VERSIONS  # one request per digest
        queue = review_queue(store)
    assert sorted(r.review_id for r in records) == [f"review-{n:03d}" for n in range(1, 41)]
    assert len({r.digest for r in records}) == 40
    # the newest request supersedes all the others: one review of the plan is open
    assert [st.review_id for st in queue] == [records[-1].review_id]


RACERS, RACE_WINDOW_S = 4, 0.1


def _racer(location: str, index: int, plan_file: str, barrier: Any, results: Any) -> None:
    real = ApprovalStore.iter_records

    def slow_iter_records(self: ApprovalStore, from_seq: int = 1) -> Any:
        found = list(real(self, from_seq))
        # Hold what the plan-id check read for a while before the append: were the check outside
        # the append's lock, every racer would read "no requests" and record its own.
        time.sleep(RACE_WINDOW_S)
        yield from found

    ApprovalStore.iter_records = slow_iter_records  # type: ignore[method-assign]  # this fork
    s = subject(plan="checkout", digest=f"{index + 1:064x}", plan_file=plan_file)
    with open_store(location) as store:
        barrier.wait()
        try:
            done = submit(store, s, requester=f"r{index}", at=at(index))
            results.put((index, "recorded", f"{done.record.review_id} {done.created}"))
        except ApprovalError as exc:
            results.put((index, "refused", str(exc)))


def test_plan_files_submitted_at_once_with_one_plan_id_record_exactly_one(
    store_location: str, tmp_path: Path
) -> None:
    files = [tmp_path / f"team-{i}" / "checkout.yaml" for i in range(RACERS)]
    for i, file in enumerate(files):
        file.parent.mkdir()
        file.write_text(f"metadata: {{id: checkout}}\nteam: {i}\n")
    open_store(store_location, create=True).close()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(RACERS), ctx.Queue()
    procs = [
        ctx.Process(target=_racer, args=(store_location, i, str(files[i]), barrier, results))
        for i in range(RACERS)
    ]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * RACERS
    recorded = [(i, what) for i, verdict, what in outcomes if verdict == "recorded"]
    assert len(recorded) == 1, outcomes
    (winner, what), = recorded
    assert what == "review-001 True"
    refused = [message for _, verdict, message in outcomes if verdict == "refused"]
    assert len(refused) == RACERS - 1
    for message in refused:
        assert re.search(
            rf"checkout.yaml: plan id 'checkout' is already used by {re.escape(str(files[winner]))}"
            r" \(review-001\); give this plan its own metadata.id",
            message,
        ), message
    with open_store(store_location) as store:
        records = store.records()
        assert verify(store).count == 1
    assert [(r.kind, r.reviewer, r.details["plan_file"]) for r in records] == [
        (RecordKind.REVIEW_REQUESTED, f"r{winner}", str(files[winner]))
    ]


def test_sqlite_url_form_names_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///rel.sqlite", create=True) as store:
        submit(store, subject(), requester="dev", at=at(0))
    with open_store(f"sqlite:///{tmp_path}/rel.sqlite") as store:  # four slashes: absolute
        assert [r.review_id for r in store.records()] == ["review-001"]
    assert (tmp_path / "rel.sqlite").exists()


_WRITES = {
    "submit a new digest": lambda store: submit(store, subject("b"), requester="dev", at=at(9)),
    "approve": lambda store: sign_off(
        store, subject(), RecordKind.APPROVED, reviewer="zed", at=at(9), answers=ANSWERS
    ),
    "reject": lambda store: sign_off(
        store, subject(), RecordKind.REJECTED, reviewer="zed", at=at(9), comment="no"
    ),
    "comment": lambda store: sign_off(
        store, subject(), RecordKind.COMMENT, reviewer="zed", at=at(9), comment="hm"
    ),
}


@pytest.mark.parametrize("write", list(_WRITES))
@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("UPDATE approval_records SET reviewer = 'mallory' WHERE seq = 2",
         r"record 2 \(review-001 approved by mallory\) content does not match its hash"),
        ("UPDATE approval_records SET comment = 'fine' WHERE seq = 3",
         r"record 3 \(review-001 rejected by carol\) content does not match its hash"),
        ("DELETE FROM approval_records WHERE seq = 3", r"record 3 is missing \(deleted from"),
    ],
)
def test_nothing_is_appended_to_a_tampered_chain(
    store_location: str, write: str, sql: str, named: str
) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
        sign_off(store, s, RecordKind.APPROVED, reviewer="alice", at=at(1), answers=ANSWERS)
        sign_off(store, s, RecordKind.REJECTED, reviewer="carol", at=at(2), comment="no")
    raw_sql(store_location, sql)
    count = raw_sql(store_location, "SELECT COUNT(*) FROM approval_records")[0][0]
    with open_store(store_location) as store, pytest.raises(
        StoreIntegrityError, match=rf"is tampered: {named}.*; nothing recorded$"
    ):
        _WRITES[write](store)
    assert raw_sql(store_location, "SELECT COUNT(*) FROM approval_records")[0][0] == count


def test_a_write_returns_the_status_after_it(store_location: str) -> None:
    s = subject(policy=ApprovalPolicy(required_approvers=2))
    with open_store(store_location, create=True) as store:
        done = submit(store, s, requester="dev", at=at(0))
        assert (done.created, done.status.describe()) == (
            True, "plans/checkout.yaml: review-001 AWAITING APPROVAL: 0 of 2 approver(s) so far; "
            "2 more needed")
        done = sign_off(store, s, RecordKind.APPROVED, reviewer="alice", at=at(1), answers=ANSWERS)
        assert done.counted_once() == ""
        assert done.status.describe() == (
            "plans/checkout.yaml: review-001 AWAITING APPROVAL: 1 of 2 approver(s) so far "
            "(alice at 2026-11-26T09:01:00Z); 1 more needed")
        # the same reviewer again (trimmed, case-folded): recorded, counted once, and said so
        done = sign_off(store, s, RecordKind.APPROVED, reviewer=" ALICE", at=at(2), answers=ANSWERS)
        assert done.record.seq == 3
        assert done.counted_once() == (
            "already approved by alice at 2026-11-26T09:01:00Z; counted once")
        assert done.status.describe().endswith("1 of 2 approver(s) so far "
                                               "(alice at 2026-11-26T09:01:00Z); 1 more needed")
        done = sign_off(store, s, RecordKind.APPROVED, reviewer="bob", at=at(3), answers=ANSWERS)
        assert done.status.describe() == (
            "plans/checkout.yaml: review-001 APPROVED by alice at 2026-11-26T09:01:00Z, "
            "bob at 2026-11-26T09:03:00Z")
        assert done.status == review_status(store, s)  # as a later read sees it
        # after an objection, approvals count again from zero: alice's next one is counted
        sign_off(store, s, RecordKind.REJECTED, reviewer="carol", at=at(4), comment="no")
        done = sign_off(store, s, RecordKind.APPROVED, reviewer="alice", at=at(5), answers=ANSWERS)
        assert done.counted_once() == ""


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("UPDATE approval_records SET reviewer = 'mallory' WHERE seq = 2",
         r"record 2 \(review-001 approved by mallory\) content does not match its hash"),
        ("DELETE FROM approval_records WHERE seq = 2", r"record 2 is missing \(deleted from"),
    ],
)
def test_a_change_made_after_the_full_check_is_caught_under_the_lock(
    store_location: str, monkeypatch: pytest.MonkeyPatch, sql: str, named: str
) -> None:
    s = subject()
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
        sign_off(store, s, RecordKind.APPROVED, reviewer="alice", at=at(1), answers=ANSWERS)
    real = ApprovalStore.append

    def tamper_then_append(self: ApprovalStore, draft: Any, **kwargs: Any) -> Any:
        raw_sql(store_location, sql)  # after the whole chain was verified, before the lock
        return real(self, draft, **kwargs)

    monkeypatch.setattr(ApprovalStore, "append", tamper_then_append)
    with open_store(store_location) as store, pytest.raises(
        StoreIntegrityError, match=rf"is tampered: {named}.*; nothing recorded$"
    ):
        sign_off(store, s, RecordKind.COMMENT, reviewer="zed", at=at(2), comment="hm")
    assert raw_sql(store_location, "SELECT seq FROM approval_records WHERE reviewer = 'zed'") == []


def test_records_appended_meanwhile_count_in_the_status_returned(
    store_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = subject(policy=ApprovalPolicy(required_approvers=2))
    with open_store(store_location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
    real = ApprovalStore.append
    meanwhile: list[str] = []

    def another_writer_first(self: ApprovalStore, draft: Any, **kwargs: Any) -> Any:
        if not meanwhile:  # bob signs off from another connection before alice's append
            meanwhile.append("bob")
            with open_store(store_location) as other:
                sign_off(other, s, RecordKind.APPROVED, reviewer="bob", at=at(1), answers=ANSWERS)
        return real(self, draft, **kwargs)

    monkeypatch.setattr(ApprovalStore, "append", another_writer_first)
    with open_store(store_location) as store:
        done = sign_off(store, s, RecordKind.APPROVED, reviewer="alice", at=at(2), answers=ANSWERS)
        assert done.record.seq == 3
        assert done.status.describe() == (
            "plans/checkout.yaml: review-001 APPROVED by bob at 2026-11-26T09:01:00Z, "
            "alice at 2026-11-26T09:02:00Z")
        assert verify(store).count == 3


@pytest.mark.parametrize("seq", ["'2x'", "2.5"])
def test_a_seq_edited_to_text_or_a_fraction_is_named_itself(tmp_path: Path, seq: str) -> None:
    # audit10 A10-12: SQLite keeps text or a REAL in an INTEGER column and sorts it after every
    # number, so record 3 was blamed ("has seq 3 where 2 was expected"), not the edited one
    location = str(tmp_path / "store.sqlite")
    s = subject()
    with open_store(location, create=True) as store:
        submit(store, s, requester="dev", at=at(0))
        for minute, name in enumerate(["alice", "bob"], 1):
            sign_off(store, s, RecordKind.APPROVED, reviewer=name, at=at(minute), answers=ANSWERS)
    raw_sql(location, f"UPDATE approval_records SET seq = {seq} WHERE seq = 2")
    shown = seq.strip("'")
    match = rf"record {re.escape(shown)} of .* cannot be read \(seq {re.escape(seq)} is not a " \
            r"whole number\)"
    with open_store(location) as store:
        with pytest.raises(StoreIntegrityError, match=match):
            verify(store)
        assert re.search(match, gate(store, s).reason)


@pytest.mark.parametrize(("location", "match"), [
    # --db "$VAR" with VAR unset: not the current folder, not the default store
    ("", r"^the approval store's location is empty \(--db \"\$VAR\" with VAR unset\?\)"),
    ("  ", r"^the approval store's location is empty"),
    # two slashes: it was the relative file 'sqlite:/approvals.sqlite', folder 'sqlite:' made
    ("sqlite://approvals.sqlite", r"^approval store 'sqlite://approvals.sqlite': an SQLite URL "
                                  r"is sqlite:///relative/path or sqlite:////absolute/path"),
    ("sqlite://", r"three slashes, then the path"),
    ("sqlite:///", r"three slashes, then the path"),
    # audit25 A25-3: no slashes was the relative file 'sqlite:approvals.sqlite'
    ("sqlite:approvals.sqlite", r"^approval store 'sqlite:approvals.sqlite': an SQLite URL is "
                                r"sqlite:///relative/path"),
])
def test_an_empty_or_malformed_sqlite_location_is_refused_creating_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, location: str, match: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ApprovalError, match=match):
        open_store(location, create=True)
    assert list(tmp_path.iterdir()) == []


def test_an_sqlite_urls_scheme_is_read_in_any_case(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # audit25 A25-3: 'SQLite:///x' has its three slashes, yet was told to write three slashes;
    # a URL scheme is case-insensitive (RFC 3986 3.1), as postgresql:// is read here
    monkeypatch.chdir(tmp_path)
    with open_store("SQLite:///approvals.sqlite", create=True):
        pass
    assert [p.name for p in tmp_path.iterdir()] == ["approvals.sqlite"]
