"""The approval store in a PostgreSQL database (``postgresql://`` URLs of :func:`open_store`).

Appends take a transaction-scoped advisory lock (``pg_advisory_xact_lock``), held until commit or
rollback, so that concurrent writers from several processes never fork the chain.

Once connected (connecting has its own :data:`CONNECT_TIMEOUT_S`, whatever ``T``), nothing the
store asks of the server waits longer than the store's timeout, ``T`` =
``$INFRA_TOOLKIT_DB_TIMEOUT_S`` (:func:`~infra_toolkit.approval_store.store_timeout_s`,
default 30 s), so a slow, stuck or vanished server cannot hang ``infra-toolkit gate`` in a
pipeline (docs/APPROVALS.md lists what no timeout covers):

- ``statement_timeout`` = T: the server cancels any statement of the store's session running
  longer (waiting for a table lock included);
- ``lock_timeout`` = T for the wait for the write lock (the statement taking it runs without
  ``statement_timeout``, so that a lock held too long is reported as such);
- ``idle_in_transaction_session_timeout`` = T: the server ends the session of a writer that stops
  mid-transaction, which releases the write lock it held;
- TCP keepalives and ``tcp_user_timeout`` = T (libpq parameters; a parameter the URL sets itself
  wins): a peer that stops answering at the TCP level is given up after about T s.

A failed append rolls back whole: nothing is recorded half-way. psycopg is imported when a store
is opened, so it stays an optional dependency (``infra_toolkit[postgres]``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from infra_toolkit.approval_schema import POSTGRES_GUARDS, POSTGRES_SCHEMA
from infra_toolkit.approval_store import (
    TIMEOUT_ENV,
    ApprovalStore,
    _Tx,
    redacted,
    store_timeout_s,
    url_passwords,
)
from infra_toolkit.errors import ApprovalError, one_line

__all__ = ["CONNECT_TIMEOUT_S", "PostgresStore", "connection_parameters"]

CONNECT_TIMEOUT_S = 5
# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serialises appends.
_LOCK_KEY = 0x1A7F_0AD1_0000_0006
# SQLSTATEs: a lock_timeout; a statement cancelled (statement_timeout); a session ended by
# idle_in_transaction_session_timeout
_LOCK_NOT_AVAILABLE, _QUERY_CANCELED, _IDLE_IN_TRANSACTION = "55P03", "57014", "25P03"
_KEEPALIVE_PROBES = 3


def connection_parameters(timeout_s: float) -> dict[str, int]:
    """The libpq connection parameters bounding how long a connection waits: ``connect_timeout``
    (s), TCP keepalives (s) and ``tcp_user_timeout`` (ms), the latter two from ``timeout_s``.

    Linux gives a silent peer up when ``tcp_user_timeout`` has passed without an answer, at the
    next keepalive probe (every ``timeout_s``/3 s): after about ``timeout_s``; where
    ``tcp_user_timeout`` is not supported, after the idle time plus three probes, about
    4/3 ``timeout_s``."""
    probe_s = max(1, math.ceil(timeout_s / _KEEPALIVE_PROBES))
    return {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "keepalives": 1,
        "keepalives_idle": probe_s,
        "keepalives_interval": probe_s,
        "keepalives_count": _KEEPALIVE_PROBES,
        "tcp_user_timeout": _milliseconds(timeout_s),
    }


def _passwords(url: str) -> tuple[str, ...]:
    """Every form of the password ``url`` holds (as written, percent-decoded, as libpq reads
    it), longest first, for scrubbing the driver's messages."""
    import psycopg

    found = set(url_passwords(url))
    try:
        found.add(str(psycopg.conninfo.conninfo_to_dict(url).get("password") or ""))
    except psycopg.Error:  # unparsable: connecting says so, scrubbed of the forms above
        pass
    found |= {unquote(secret) for secret in found}
    return tuple(sorted((s for s in found if s), key=len, reverse=True))


def _check_split(given: dict[str, Any], where: str) -> None:
    """ApprovalError for a URL whose user or password holds a raw ``@`` or ``/`` (libpq ends
    the user:password part at the first of them, so it would connect as another user to a host
    named after the rest of the password, and name that host in its error), or whose password
    is ``***``: copied from a message, it would fail as a wrong password."""
    if any("@" in str(given.get(key) or "") for key in ("host", "port", "dbname")):
        raise ApprovalError(
            f"approval store {where}: the URL's user or password holds '@' or '/', which libpq "
            "reads as the end of the password: percent-encode them (%40 for @, %2F for /), or "
            "leave the password out of the URL and give it in $PGPASSWORD or ~/.pgpass"
        )
    if given.get("password") == "***":
        # a command copied from the report or a message, which show every password so
        raise ApprovalError(
            f"approval store {where}: the URL's password is ***, which stands for the password "
            "where the report and messages show the URL: put the real one in its place, or "
            "leave it out (postgresql://USER@HOST/DB) and give it in $PGPASSWORD or ~/.pgpass"
        )


def _milliseconds(seconds: float) -> int:
    # at least 1: a PostgreSQL timeout of 0 means none
    return max(1, round(seconds * 1000))


class PostgresStore(ApprovalStore):
    """The store in a PostgreSQL database (advisory-locked appends, every wait bounded)."""

    def __init__(self, url: str, *, create: bool = False) -> None:
        self.where = redacted(url)
        self._timeout_s = store_timeout_s()
        try:
            import psycopg
        except ImportError as exc:
            raise ApprovalError(
                f"approval store {self.where} needs psycopg: pip install 'infra_toolkit[postgres]'"
            ) from exc
        self._psycopg = psycopg
        # libpq reads only a lower-case scheme: Postgresql://... was parsed as key=value text,
        # and its error quoted the whole URL, password and all
        scheme, _, rest = url.partition("://")
        url = f"{scheme.lower()}://{rest}"
        self._secrets = _passwords(url)
        try:
            given = psycopg.conninfo.conninfo_to_dict(url)
            _check_split(given, self.where)
            params = connection_parameters(self._timeout_s)
            extra = {key: value for key, value in params.items() if key not in given}
            conninfo = psycopg.conninfo.make_conninfo(url, **extra)
            self._conn = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise ApprovalError(
                f"cannot connect to the approval store {self.where}: {self._said(exc)}; check "
                "the URL and that the PostgreSQL server is running and reachable"
            ) from exc
        with self._errors("open"):
            timeout_ms = str(_milliseconds(self._timeout_s))
            self._conn.execute(
                "SELECT set_config('statement_timeout', %s, false), "
                "set_config('idle_in_transaction_session_timeout', %s, false)",
                (timeout_ms, timeout_ms),
            )
        self._finish_opening(
            lambda: create and not self._has_table("approval_records"),
            f"approval store {self.where} has no approval_records table: submit a plan first "
            "(infra-toolkit submit PLAN.yaml) or check the URL",
        )

    def _failure(self, doing: str, exc: Exception) -> ApprovalError:
        """The ApprovalError for ``exc``, raised while the store was ``doing`` something: what
        failed, where, and what to do about it."""
        state = getattr(exc, "sqlstate", None)
        limit = f"{self._timeout_s:g} s (the store's timeout, ${TIMEOUT_ENV})"
        if state == _LOCK_NOT_AVAILABLE:
            hint = (
                f"another session held its write lock for more than {limit}: find it (an "
                "advisory lock: SELECT pid FROM pg_locks WHERE locktype = 'advisory') or try again"
            )
        elif state == _QUERY_CANCELED:
            hint = (
                f"the server did not finish within {limit}: another session may hold a lock on "
                "the store's tables (SELECT pid, mode FROM pg_locks WHERE relation = "
                "'approval_records'::regclass) or the server is overloaded; find the cause and "
                f"try again, or raise ${TIMEOUT_ENV}"
            )
        elif state == _IDLE_IN_TRANSACTION:
            hint = (
                f"the server ended the session: this process did not continue its transaction "
                f"within {limit}; try again"
            )
        elif self._conn.closed:
            hint = (
                "the connection to the server was lost (the server ended the session, or the "
                f"peer went silent for {limit}): check the server and the network, then try again"
            )
        else:
            hint = "check the server and the database's permissions"
        if doing == "commit" and self._conn.closed:
            hint = (
                "the connection broke while committing, so the record may or may not be stored: "
                "check the server and the network, then run infra-toolkit verify, or status, "
                "before recording it again"
            )
        elif doing in ("write", "commit"):
            hint = f"nothing was recorded; {hint}"
        return ApprovalError(
            f"approval store {self.where}: cannot {doing} ({self._said(exc)}); {hint}"
        )

    def _said(self, exc: Exception) -> str:
        """The driver's message on one line, without the URL's password (libpq quotes what it
        could not parse)."""
        text = one_line(exc)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except self._psycopg.Error as exc:
            raise self._failure(doing, exc) from exc

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._errors("read"):
            return list(self._conn.execute(sql.replace("?", "%s"), tuple(params)).fetchall())

    def _has_table(self, name: str) -> bool:
        return self._query("SELECT to_regclass(?)", (name,))[0][0] is not None

    def _unguarded(self, tx: _Tx | None) -> tuple[str, ...]:
        sql = (
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' AND "
            "tgrelid IN (to_regclass('approval_records'), to_regclass('approval_chain_head'))"
        )
        rows = tx.rows(sql, ()) if tx else self._query(sql, ())
        enabled = {str(name) for (name,) in rows}
        return tuple(name for _, name in POSTGRES_GUARDS if name not in enabled)

    def _enable_guards(self, tx: _Tx, names: tuple[str, ...]) -> None:
        for table, name in POSTGRES_GUARDS:
            if name in names:  # re-created if dropped; enabled if only disabled
                tx.rows(f"ALTER TABLE {table} ENABLE TRIGGER {name}", (), fetch=False)

    @contextmanager
    def _writing(self) -> Iterator[_Tx]:
        timeout_ms = str(_milliseconds(self._timeout_s))
        committing = False
        try:
            with self._conn.transaction():
                cursor = self._conn.cursor()
                # The wait for the lock is bounded by lock_timeout alone: statement_timeout, as
                # long and started first, would cut it and hide that a session holds the lock.
                cursor.execute(
                    "SELECT set_config('statement_timeout', '0', true), "
                    "set_config('lock_timeout', %s, true)",
                    (timeout_ms,),
                )
                # the CTE runs first (MATERIALIZED): statement_timeout is back once the lock is held
                cursor.execute(
                    "WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock(%s)) "
                    "SELECT set_config('statement_timeout', %s, true) FROM locked",
                    (_LOCK_KEY, timeout_ms),
                )
                yield _Tx(cursor, "%s")
                committing = True
        except self._psycopg.Error as exc:
            raise self._failure("commit" if committing else "write", exc) from exc

    def _install_schema(self, tx: _Tx) -> None:
        tx.cursor.execute(POSTGRES_SCHEMA)

    def close(self) -> None:
        """Close the connection to the server."""
        self._conn.close()
