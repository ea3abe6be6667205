"""The PostgreSQL store: psycopg imported only for it; the store's timeout
($INFRA_TOOLKIT_DB_TIMEOUT_S): a slow, stuck or locked server fails a command within it, saying
so, with nothing recorded; a bad value is refused.

The stalls are real: a trigger that sleeps in the server, a lock held by another session, a
writer that stops mid-transaction, on the PostgreSQL server the suite starts.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.approval_records import ChainReport, RecordKind
from infra_toolkit.approval_store import ApprovalStore, open_store
from infra_toolkit.approval_store_pg import connection_parameters
from infra_toolkit.approval_verify import verify
from infra_toolkit.approval_writes import sign_off, submit
from infra_toolkit.cli import main
from infra_toolkit.errors import ApprovalError
from tests.approval_helpers import at, subject
from tests.pg_cluster import schema_url

TIMEOUT_ENV = "INFRA_TOOLKIT_DB_TIMEOUT_S"
ANSWERS = ["--answer", "1=yes, in staging", "--answer", "2=platform team"]
# trust auth ignores it; it is there to show that no message prints it
PASSWORD = "s3cret"


@pytest.fixture
def pg_location(postgres_url: str) -> str:
    """An empty PostgreSQL store location whose URL carries a password."""
    return f"{schema_url(postgres_url)}&password={PASSWORD}"


def _shown(location: str) -> str:
    """``location`` as messages must show it: the password as ***."""
    return location.replace(f"password={PASSWORD}", "password=***")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str, float]:
    started = time.perf_counter()
    code = main(list(argv))
    elapsed = time.perf_counter() - started
    out, err = capsys.readouterr()
    return code, out, err, elapsed


def _sql(location: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(location, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def test_psycopg_is_needed_only_for_a_postgres_store(tmp_path: Path) -> None:
    # a fresh interpreter where psycopg cannot be imported (as without infra_toolkit[postgres])
    script = f"""
import sys
sys.modules["psycopg"] = None
from infra_toolkit.approval_store import open_store
from infra_toolkit.errors import ApprovalError
open_store({str(tmp_path / "approvals.sqlite")!r}, create=True).close()
print(sorted(m for m in sys.modules if m.startswith("infra_toolkit.approval_store")))
try:
    open_store("postgresql://ci:{PASSWORD}@db/approvals")
except ApprovalError as exc:
    print(exc)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        # the SQLite store did not load the PostgreSQL one
        "['infra_toolkit.approval_store', 'infra_toolkit.approval_store_sqlite']",
        "approval store postgresql://ci:***@db/approvals needs psycopg: pip install "
        "'infra_toolkit[postgres]'",
    ]


@pytest.mark.parametrize(
    "when",
    [
        "BEFORE",  # the row not yet written when the timeout strikes
        # the row written, and the head advanced by its own AFTER trigger (triggers fire in name
        # order: approval_chain_advance before zz_slow_insert), both inside the transaction
        "AFTER",
    ],
)
def test_an_approval_the_server_does_not_finish_in_time_fails_and_records_nothing(
    pg_location: str,
    plan_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    when: str,
) -> None:
    db = ["--db", pg_location]
    assert _run(capsys, "submit", str(plan_file), *db)[0] == 0
    with open_store(pg_location) as store:
        before = verify(store)
        assert before.count == 1
    _sql(
        pg_location,
        "CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_sleep(5); RETURN NEW; END $$",
        f"CREATE TRIGGER zz_slow_insert {when} INSERT ON approval_records "
        "FOR EACH ROW EXECUTE FUNCTION slow_insert()",
    )
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    code, out, err, elapsed = _run(
        capsys, "approve", str(plan_file), "--reviewer", "alice", *ANSWERS, *db
    )
    assert (code, out) == (2, "")  # exit 2, as every other store error
    # the server's error, with its context (where the statement was: the trigger), in between
    assert err.startswith(
        f"error: approval store {_shown(pg_location)}: cannot write (canceling statement due to "
        "statement timeout"
    )
    assert err.endswith(
        "); nothing was recorded; the server did not finish within 1 s (the store's timeout, "
        "$INFRA_TOOLKIT_DB_TIMEOUT_S): another session may hold a lock on the store's tables "
        "(SELECT pid, mode FROM pg_locks WHERE relation = 'approval_records'::regclass) or the "
        "server is overloaded; find the cause and try again, or raise "
        "$INFRA_TOOLKIT_DB_TIMEOUT_S\n"
    )
    assert err.count("\n") == 1 and PASSWORD not in err
    assert elapsed < 5  # cut at 1 s, not after the trigger's 5 s sleep (which would record it)
    with open_store(pg_location) as store:
        assert verify(store) == before  # same count, same head: the transaction rolled back
        assert store.chain_head() == before
    # nothing left behind (no lock, no half record): the next approval continues the chain
    _sql(pg_location, "DROP TRIGGER zz_slow_insert ON approval_records")
    code, out, _, _ = _run(capsys, "approve", str(plan_file), "--reviewer", "alice", *ANSWERS, *db)
    assert code == 0 and out.startswith("recorded record 2 (review-001 approved by alice)")


@pytest.fixture
def locked_store(pg_location: str, plan_file: Path) -> Iterator[str]:
    """A store with one review request whose records table another session holds an ACCESS
    EXCLUSIVE lock on (as a long ALTER TABLE or a forgotten ``LOCK TABLE`` would)."""
    import psycopg

    assert main(["submit", str(plan_file), "--db", pg_location]) == 0
    with psycopg.connect(pg_location) as holder:
        # should the store wait for the lock anyway, the server frees it after 10 s, so this
        # test fails (below) rather than hangs
        holder.execute("SET idle_in_transaction_session_timeout = '10s'")
        holder.execute("LOCK TABLE approval_records IN ACCESS EXCLUSIVE MODE")
        yield pg_location
        holder.rollback()


@pytest.mark.parametrize(
    ("command", "code", "said"),
    [
        (["gate", "{plan}"], 1, "out"),  # gate: a store it cannot read is a FAIL
        (["verify"], 2, "err"),
        (["status", "{plan}"], 2, "err"),
    ],
)
def test_a_read_blocked_by_a_lock_on_the_table_fails_within_the_timeout(
    locked_store: str,
    plan_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    code: int,
    said: str,
) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "1")
    argv = [a.format(plan=plan_file) for a in command]
    got, out, err, elapsed = _run(capsys, *argv, "--db", locked_store)
    message = (
        f"approval store {_shown(locked_store)}: cannot read (canceling statement due to "
        "statement timeout); the server did not finish within 1 s (the store's timeout, "
        "$INFRA_TOOLKIT_DB_TIMEOUT_S): another session may hold a lock on the store's tables "
        "(SELECT pid, mode FROM pg_locks WHERE relation = 'approval_records'::regclass) or the "
        "server is overloaded; find the cause and try again, or raise "
        "$INFRA_TOOLKIT_DB_TIMEOUT_S\n"
    )
    assert got == code
    assert (out, err) == ((f"FAIL: {message}", "") if said == "out" else ("", f"error: {message}"))
    assert elapsed < 5  # the lock is held for 10 s: the 1 s timeout ended the wait
    assert PASSWORD not in out + err


def _one_request(location: str) -> ChainReport:
    """Create the store at ``location`` with one review request; its chain as verified."""
    with open_store(location, create=True) as store:
        submit(store, subject(), requester="dev", at=at(0))
        return verify(store)


def test_a_writer_stalled_mid_transaction_is_ended_by_the_server_and_records_nothing(
    pg_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    s, before = subject(), _one_request(pg_location)
    approve: dict[str, Any] = {"reviewer": "bob", "answers": {1: "yes", 2: "ops"}}
    real_insert = ApprovalStore._insert

    def stall_then_insert(self: ApprovalStore, tx: Any, record: Any) -> None:
        time.sleep(1.2)  # this process stops, its transaction open and the write lock held
        real_insert(self, tx, record)

    monkeypatch.setenv(TIMEOUT_ENV, "0.5")
    with monkeypatch.context() as patch, open_store(pg_location) as store:
        patch.setattr(ApprovalStore, "_insert", stall_then_insert)
        with pytest.raises(ApprovalError) as failed:
            sign_off(store, s, RecordKind.APPROVED, at=at(1), **approve)
    assert str(failed.value) == (
        f"approval store {_shown(pg_location)}: cannot write (terminating connection due to "
        "idle-in-transaction timeout); nothing was recorded; the server ended the session: this "
        "process did not continue its transaction within 0.5 s (the store's timeout, "
        "$INFRA_TOOLKIT_DB_TIMEOUT_S); try again"
    )
    # the ended session released the write lock: the next write gets it (held, it would fail
    # after waiting 0.5 s)
    with open_store(pg_location) as store:
        assert verify(store) == before
        record = sign_off(store, s, RecordKind.APPROVED, at=at(2), **approve).record
        assert (record.seq, verify(store).count) == (2, 2)


def test_a_connection_lost_at_commit_says_the_record_may_be_stored(
    pg_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    s, before = subject(), _one_request(pg_location)
    real_insert = ApprovalStore._insert

    def insert_then_lose_the_connection(self: ApprovalStore, tx: Any, record: Any) -> None:
        real_insert(self, tx, record)
        # the session is ended from outside once the row is written, before the COMMIT
        with psycopg.connect(pg_location, autocommit=True) as admin:
            pid = tx.cursor.connection.info.backend_pid
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    monkeypatch.setattr(ApprovalStore, "_insert", insert_then_lose_the_connection)
    with open_store(pg_location) as store, pytest.raises(ApprovalError) as failed:
        sign_off(store, s, RecordKind.APPROVED, reviewer="bob", at=at(1), answers={1: "y", 2: "o"})
    assert str(failed.value).startswith(f"approval store {_shown(pg_location)}: cannot commit (")
    assert str(failed.value).endswith(
        "); the connection broke while committing, so the record may or may not be stored: "
        "check the server and the network, then run infra-toolkit verify, or status, before "
        "recording it again"
    )
    with open_store(pg_location) as store:  # here it was not: the session ended before COMMIT
        assert verify(store) == before


def test_a_connection_lost_before_a_read_says_so(
    pg_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    monkeypatch.delenv(TIMEOUT_ENV, raising=False)  # the default, 30 s
    open_store(pg_location, create=True).close()
    with open_store(pg_location) as store:
        pid = store._conn.info.backend_pid  # type: ignore[attr-defined]
        with psycopg.connect(pg_location, autocommit=True) as admin:  # e.g. a server restart
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(ApprovalError) as failed:
            store.records()
    assert str(failed.value).startswith(f"approval store {_shown(pg_location)}: cannot read (")
    assert str(failed.value).endswith(
        "); the connection to the server was lost (the server ended the session, or the peer "
        "went silent for 30 s (the store's timeout, $INFRA_TOOLKIT_DB_TIMEOUT_S)): check the "
        "server and the network, then try again"
    )


def _bad_timeout_message(value: str) -> str:
    return (
        f"$INFRA_TOOLKIT_DB_TIMEOUT_S is {value!r}: it must be a number of seconds greater than "
        "0 (and at most 2147483); set it to e.g. 30, or unset it for the default 30 s\n"
    )


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "2147484", "30s"])
@pytest.mark.parametrize("command", [["queue"], ["approve", "{plan}"]])
def test_a_bad_timeout_is_refused_naming_the_variable(
    tmp_path: Path,
    plan_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
    command: list[str],
) -> None:
    db = ["--db", str(tmp_path / "approvals.sqlite")]
    assert main(["submit", str(plan_file), *db]) == 0
    capsys.readouterr()
    monkeypatch.setenv(TIMEOUT_ENV, value)
    argv = [a.format(plan=plan_file) for a in command]
    assert _run(capsys, *argv, *ANSWERS[: 4 * (command[0] == "approve")], *db)[:3] == (
        2,
        "",
        f"error: {_bad_timeout_message(value)}",
    )


def test_gate_fails_on_a_bad_timeout_on_either_backend(
    store_location: str,
    plan_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["submit", str(plan_file), "--db", store_location]) == 0
    capsys.readouterr()
    monkeypatch.setenv(TIMEOUT_ENV, "0")
    assert _run(capsys, "gate", str(plan_file), "--db", store_location)[:3] == (
        1,
        f"FAIL: {_bad_timeout_message('0')}",
        "",
    )


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_timeout_is_the_default(
    store_location: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, value)  # an unset variable expanded in a CI file
    with open_store(store_location, create=True) as store:
        submit(store, subject(), requester="dev", at=at(0))
        assert verify(store).count == 1


@pytest.mark.parametrize(
    ("timeout_s", "idle_s", "user_timeout_ms"),
    [
        (30, 10, 30_000),  # the default: probes every 30/3 = 10 s, given up after 30,000 ms
        (1, 1, 1_000),  # 1/3 s rounds up to libpq's whole second
        (0.2, 1, 200),
        (100, 34, 100_000),  # ceil(100/3) = 34
    ],
)
def test_connection_parameters_give_a_silent_peer_up_after_the_timeout(
    timeout_s: float, idle_s: int, user_timeout_ms: int
) -> None:
    assert connection_parameters(timeout_s) == {
        "connect_timeout": 5,
        "keepalives": 1,
        "keepalives_idle": idle_s,
        "keepalives_interval": idle_s,
        "keepalives_count": 3,
        "tcp_user_timeout": user_timeout_ms,
    }


def test_the_store_session_runs_with_the_timeouts(
    pg_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    monkeypatch.setenv(TIMEOUT_ENV, "1.5")
    open_store(pg_location, create=True).close()
    # a keepalive setting the URL gives itself is kept
    with open_store(f"{pg_location}&keepalives_idle=7") as store:
        conn: psycopg.Connection[Any] = store._conn  # type: ignore[attr-defined]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("statement_timeout", "idle_in_transaction_session_timeout")
        }
        libpq = conn.info.get_parameters()
    assert settings == {
        "statement_timeout": "1500ms",
        "idle_in_transaction_session_timeout": "1500ms",
    }
    assert {k: libpq.get(k) for k in ("keepalives", "keepalives_idle", "tcp_user_timeout")} == {
        "keepalives": "1",
        "keepalives_idle": "7",
        "tcp_user_timeout": "1500",
    }


def test_a_writer_role_that_does_not_own_the_tables_records_but_cannot_rewrite(
    postgres_url: str,
) -> None:
    # docs/APPROVALS.md, threat model items 1-2: the role that created the store owns its tables and
    # can drop or disable the triggers; a writer granted SELECT, INSERT on the records and
    # SELECT, UPDATE on the head (the trigger advancing the head runs as the writer) records
    # approvals and can neither delete a record, disable a trigger nor switch triggers off for
    # its session (session_replication_role = replica, a superuser's: tried, it hid a rejection)
    import uuid
    from urllib.parse import parse_qs, quote, urlsplit

    import psycopg

    owner = schema_url(postgres_url)  # the test's superuser creates the store and owns it
    schema = parse_qs(urlsplit(owner).query)["options"][0].removeprefix("-csearch_path=")
    role = f"writer_{uuid.uuid4().hex[:12]}"
    _sql(owner, f"CREATE ROLE {role} NOLOGIN")
    try:
        with open_store(owner, create=True) as store:
            submit(store, subject(), requester="dev", at=at(0))
        _sql(owner, f"GRANT USAGE ON SCHEMA {schema} TO {role}",
             f"GRANT SELECT, INSERT ON approval_records TO {role}",
             f"GRANT SELECT, UPDATE ON approval_chain_head TO {role}")
        options = quote(f"-csearch_path={schema} -crole={role}", safe="")
        writer = owner.split("options=")[0] + f"options={options}"
        with open_store(writer) as store:
            done = sign_off(store, subject(), RecordKind.APPROVED, reviewer="alice", at=at(1),
                            answers={1: "yes", 2: "ops"})
            assert done.record.seq == 2
            assert verify(store).count == 2
        with psycopg.connect(writer, autocommit=True) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (role,)
            for statement, refusal in [
                ("DELETE FROM approval_records WHERE seq = 2", "permission denied for table"),
                ("UPDATE approval_chain_head SET seq = 1", "the approval chain head only advances"),
                ("ALTER TABLE approval_records DISABLE TRIGGER approval_records_append_only",
                 "must be owner of table approval_records"),
                ("SET session_replication_role = replica", "permission denied to set parameter"),
            ]:
                with pytest.raises(psycopg.Error, match=refusal):
                    conn.execute(statement)
        with open_store(owner) as store:
            assert [r.seq for r in store.records()] == [1, 2]
    finally:  # roles are the cluster's, not the test schema's
        _sql(owner, f"DROP OWNED BY {role}", f"DROP ROLE {role}")
