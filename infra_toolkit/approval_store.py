"""Where approval records live: an SQLite file (default) or a PostgreSQL database (by URL).

Both backends hold the same tables (:mod:`infra_toolkit.approval_schema`): ``approval_records``,
which refuses ``UPDATE`` / ``DELETE`` with a trigger, and ``approval_chain_head``, the newest
record as each append left it (:meth:`ApprovalStore.chain_head`, for ``verify``); the store's API
has no path that changes or removes a record. Appends are serialised so that concurrent writers
from several processes never fork the chain and lose nothing, and a check the caller passes to
:meth:`ApprovalStore.append` runs under the same lock, so what it read still holds when the
record is written:

- SQLite (:mod:`infra_toolkit.approval_store_sqlite`): ``BEGIN IMMEDIATE`` takes the
  database's write lock before the head of the chain is read; other writers wait up to the busy
  timeout. The file is in WAL mode.
- PostgreSQL (:mod:`infra_toolkit.approval_store_pg`): the appending transaction first takes a
  transaction-scoped advisory lock (``pg_advisory_xact_lock``), held until commit or rollback;
  other writers wait up to the same timeout (``lock_timeout``), and no statement of the store
  runs longer than it.

``prev_hash`` and ``hash`` are also ``UNIQUE``: two records on one predecessor cannot be stored
even by a writer that bypasses the lock. A failed append rolls back: the store stays exactly as
it was.

``submit`` opens a store with ``create=True``, which creates the tables and triggers of a new
store; a store created before the head was kept (or whose head was removed) gets it inside the
transaction of its next append, whichever write that is, and the append says so. An existing
zero-byte file is refused, ``create`` or not: it is a touched path or a truncated store, and
made into a new store it would drop the record of approvals without a word.

Where the store is: ``--db`` / ``location`` if given, else ``$INFRA_TOOLKIT_DB``, else
``$XDG_DATA_HOME/infra_toolkit/approvals.sqlite`` (``~/.local/share/infra_toolkit/...``). How
long it waits (for the write lock; on PostgreSQL for anything the server does):
``$INFRA_TOOLKIT_DB_TIMEOUT_S`` seconds, default 30 (:func:`store_timeout_s`).
"""

from __future__ import annotations

import math
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from infra_toolkit.approval_records import (
    COLUMNS,
    GENESIS_HASH,
    ChainReport,
    Record,
    RecordDraft,
    RecordKind,
)
from infra_toolkit.errors import ApprovalError

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "ENV_VAR",
    "TIMEOUT_ENV",
    "ApprovalStore",
    "default_store_location",
    "open_store",
    "redacted",
    "store_timeout_s",
    "url_passwords",
    "user_store_location",
]

ENV_VAR = "INFRA_TOOLKIT_DB"
TIMEOUT_ENV = "INFRA_TOOLKIT_DB_TIMEOUT_S"
DEFAULT_TIMEOUT_S = 30.0
# PostgreSQL's timeouts are int milliseconds: 2**31 - 1 ms, about 24.8 days
_MAX_TIMEOUT_S = 2_147_483

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM approval_records"
_HEAD = "SELECT seq, hash FROM approval_chain_head"
_FIND_REQUEST = f"{_SELECT} WHERE kind = ? AND plan = ? AND digest = ? ORDER BY seq LIMIT 1"
_INSERT = (
    f"INSERT INTO approval_records ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in COLUMNS)})"
)


def default_store_location() -> str:
    """``$INFRA_TOOLKIT_DB`` if set, else :func:`user_store_location`."""
    return os.environ.get(ENV_VAR) or user_store_location()


def user_store_location() -> str:
    """The store when ``$INFRA_TOOLKIT_DB`` is not set:
    ``$XDG_DATA_HOME/infra_toolkit/approvals.sqlite`` (``~/.local/share`` without it)."""
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(data_home) / "infra_toolkit" / "approvals.sqlite")


def store_timeout_s() -> float:
    """How long the approval store waits, in seconds: ``$INFRA_TOOLKIT_DB_TIMEOUT_S`` if set,
    else 30. Every backend waits that long for its write lock; PostgreSQL bounds each statement,
    a transaction left idle and a silent network peer by it too. ApprovalError naming the
    variable for a value that is not a number of seconds in (0, 2147483]."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= _MAX_TIMEOUT_S:  # False for NaN too
        raise ApprovalError(
            f"${TIMEOUT_ENV} is {text!r}: it must be a number of seconds greater than 0 (and at "
            f"most {_MAX_TIMEOUT_S}); set it to e.g. 30, or unset it for the default "
            f"{DEFAULT_TIMEOUT_S:g} s"
        )
    return value


def open_store(
    location: str | os.PathLike[str] | None = None, *, create: bool = False
) -> ApprovalStore:
    """Open the approval store at ``location`` (a file path; ``sqlite:///relative/path`` or
    ``sqlite:////absolute/path``; ``postgresql://...``; None: :func:`default_store_location`).

    ``create=True`` creates the file / table when missing (only ``submit`` needs it); otherwise a
    missing store is an ApprovalError saying how to create or find it.
    """
    where = str(location) if location is not None else default_store_location()
    if not where.strip():  # --db "$VAR" with VAR unset: not the current folder, nor the default
        raise ApprovalError(
            "the approval store's location is empty (--db \"$VAR\" with VAR unset?): pass a "
            "file path, sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    try:
        scheme = urlsplit(where).scheme if "://" in where else ""
    except ValueError as exc:  # postgresql://[::1 (an unclosed IPv6 host) was a traceback
        raise ApprovalError(f"approval store {redacted(where)!r}: not a valid URL ({exc}); "
                            "write postgresql://USER@HOST/DB, sqlite:///PATH or a file path"
                            ) from None
    _check_expanded(where)
    if "://" in where and not scheme:
        raise ApprovalError(f"approval store {redacted(where)!r}: a URL needs its scheme before "
                            "://; use a file path, sqlite:///PATH or postgresql://USER@HOST/DB")
    if scheme in ("postgresql", "postgres"):
        # here, not at the top: psycopg is optional, and only this backend imports it
        from infra_toolkit.approval_store_pg import PostgresStore

        return PostgresStore(where, create=create)
    # here, not at the top: approval_store_sqlite builds on this module's ApprovalStore
    from infra_toolkit.approval_store_sqlite import SQLiteStore

    if scheme == "sqlite" or (not scheme and where[:7].lower() == "sqlite:"):
        # a URL's scheme is read in any case (SQLite:/// as postgresql's); sqlite:x.sqlite,
        # like sqlite://x.sqlite, would be a relative file named after the URL
        prefix = len("sqlite:///")
        path = where[prefix:] if where[:prefix].lower() == "sqlite:///" else ""
        if not path:
            raise ApprovalError(
                f"approval store {redacted(where)!r}: an SQLite URL is sqlite:///relative/path or "
                "sqlite:////absolute/path (three slashes, then the path), or give the file path"
            )
        return SQLiteStore(Path(path), create=create)
    if scheme:
        raise ApprovalError(
            f"approval store {redacted(where)!r}: unknown scheme {scheme!r}; use a file path, "
            "sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    return SQLiteStore(Path(where), create=create)


_SHELL_VARIABLE = re.compile(r"\$(\{[A-Za-z_]\w*\}|[A-Za-z_]\w*)")


def _check_expanded(where: str) -> None:
    """ApprovalError for a location holding a ``~`` or ``$VAR`` no shell expanded (a quoted
    --db, an env file, a systemd unit): opened as written, each working folder got its own
    ``./~/approvals.sqlite``, and approvals recorded in one were missing from another. In a
    URL's password only a variable that is set counts: ``$`` is a character of many a generated
    password, and refusing any named a piece of it."""
    shown = redacted(where)
    unexpanded = [m.group(0) for secret in url_passwords(where)
                  for m in _SHELL_VARIABLE.finditer(secret) if m.group(1).strip("{}") in os.environ]
    if unexpanded:
        raise ApprovalError(
            f"approval store {shown!r}: its password holds {unexpanded[0]}, which only a shell "
            "expands (the value was quoted, or set in a file): write the password itself, or "
            "leave it out of the URL and give it in $PGPASSWORD or ~/.pgpass")
    variable = _SHELL_VARIABLE.search(shown)
    if where.startswith("~") or variable:
        what = (f"starts with {where.split('/')[0]}" if where.startswith("~")
                else f"holds {variable.group(0) if variable else ''}")
        # both forms redacted: the variable may be the password, and its value is in the
        # environment (postgresql://ci:$DB_PASSWORD@db/approvals)
        raise ApprovalError(
            f"approval store {redacted(where)!r} {what}, which only a shell expands (the value "
            f"was quoted, or set in a file): write the full path, e.g. "
            f"{redacted(os.path.expandvars(os.path.expanduser(where)))}")


class ApprovalStore(ABC):
    """An append-only sequence of :class:`Record` (use :func:`open_store`; close when done)."""

    where: str  # how messages name the store (a path, or a URL without its password)
    _keeps_head: bool  # whether approval_chain_head exists (False: a store older than it)

    def iter_records(self, from_seq: int = 1) -> Iterator[Record]:
        """Every record from number ``from_seq`` on, oldest first; StoreIntegrityError when
        reaching an unreadable row."""
        # a seq edited to text or a fraction (SQLite keeps either in an INTEGER column) sorts
        # after every number: read such a row first, so the error names it, not the record the
        # gap it left seems to have renumbered
        for row in self._query(f"{_SELECT} WHERE seq <> CAST(seq AS INTEGER) LIMIT 1", ()):
            yield self._record(row)
        for row in self._query(f"{_SELECT} WHERE seq >= ? ORDER BY seq", (from_seq,)):
            yield self._record(row)

    def records(self) -> list[Record]:
        """Every record, oldest first. Raises StoreIntegrityError on an unreadable row."""
        return list(self.iter_records())

    def chain_head(self) -> ChainReport | None:
        """The number of records and the newest hash as the database recorded them at each
        append (``approval_chain_head``, which deleting records does not change), or None when
        the store keeps no head: created by an infra-toolkit that did not keep one (its next
        append adds it), or removed."""
        rows = self._query(_HEAD, ()) if self._has_table("approval_chain_head") else []
        return ChainReport(count=int(rows[0][0]), head_hash=str(rows[0][1])) if rows else None

    def find_request(self, plan: str, digest: str) -> Record | None:
        """The review-requested record for this plan and digest, or None."""
        rows = self._query(_FIND_REQUEST, (RecordKind.REVIEW_REQUESTED.value, plan, digest))
        return self._record(rows[0]) if rows else None

    def append(
        self, draft: RecordDraft, *, check: Callable[[], object] | None = None
    ) -> tuple[Record, bool, ChainReport | None, tuple[str, ...]]:
        """Append ``draft`` as the next record, in one serialised transaction.

        A store that keeps no chain head (older than it, or its table removed) first gets it in
        that transaction, seeded from its newest record; the third item returned is then that
        seed (record number and hash, for the user to compare with a copy they kept), else None.
        ``check``, if given, runs next in that transaction, with the write lock held: what it
        reads through this store includes every record appended before, and nothing else is
        appended until this transaction ends. It refuses the append by raising (nothing is
        written, the head not added). A review request then gets the next ``review-NNN``; if
        this plan and digest were already requested, no record is written and ``(existing
        request, False, ...)`` is returned (a missing head is still added). Otherwise returns
        ``(new record, True, ...)``. On any failure nothing is written. The fourth item names
        the guarding triggers (:meth:`unguarded`) that were missing or disabled and that this
        transaction restored.
        """
        added = None
        with self._writing() as tx:
            # checked under the lock: of writers racing to upgrade one store, one adds the head
            if not self._keeps_head and not self._has_table("approval_chain_head"):
                self._install_schema(tx)
                ((head_seq, head_hash),) = tx.rows(_HEAD, ())
                added = ChainReport(count=int(head_seq), head_hash=str(head_hash))
            restored = self._unguarded(tx)
            if restored:
                self._install_schema(tx)
                self._enable_guards(tx, restored)
            if check is not None:
                check()
            record, created = self._append_in(tx, draft)
        self._keeps_head = True
        return record, created, added, restored

    def unguarded(self) -> tuple[str, ...]:
        """The triggers keeping the records append-only and the head current that are missing
        (or disabled, on PostgreSQL): whoever removed them could change records, or the head,
        without a trace. Empty for a guarded store (and for one keeping no head: its next write
        adds head and triggers alike)."""
        if not self._has_table("approval_chain_head"):
            return ()
        return self._unguarded(None)

    def _append_in(self, tx: _Tx, draft: RecordDraft) -> tuple[Record, bool]:
        if draft.kind is RecordKind.REVIEW_REQUESTED:
            existing = tx.rows(_FIND_REQUEST, (draft.kind.value, draft.plan, draft.digest))
            if existing:
                return self._record(existing[0]), False
            (count,) = tx.rows(
                "SELECT COUNT(*) FROM approval_records WHERE kind = ?", (draft.kind.value,)
            )[0]
            draft = replace(draft, review_id=f"review-{int(count) + 1:03d}")
        head = tx.rows("SELECT seq, hash FROM approval_records ORDER BY seq DESC LIMIT 1", ())
        seq, prev_hash = (int(head[0][0]) + 1, head[0][1]) if head else (1, GENESIS_HASH)
        record = draft.seal(seq, prev_hash)
        self._insert(tx, record)
        return record, True

    def _record(self, row: Sequence[Any]) -> Record:
        return Record.from_columns(dict(zip(COLUMNS, row, strict=True)), self.where)

    def _insert(self, tx: _Tx, record: Record) -> None:
        columns = record.columns()
        tx.rows(_INSERT, tuple(columns[c] for c in COLUMNS), fetch=False)

    def _finish_opening(self, is_new: Callable[[], bool], not_a_store: str) -> None:
        """Create the schema if ``is_new()`` says the database is a new store's; then close and
        raise ApprovalError ``not_a_store`` unless the database holds the records table."""
        with self._errors("open"):
            if is_new():
                self._create_schema()
            is_store = self._has_table("approval_records")
            self._keeps_head = self._has_table("approval_chain_head")
        if not is_store:
            self.close()
            raise ApprovalError(not_a_store)

    @abstractmethod
    def _errors(self, doing: str) -> AbstractContextManager[None]:
        """Context manager: the backend's errors while ``doing`` (open, read, write) something
        raised as an ApprovalError saying what failed and what to do."""

    @abstractmethod
    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Rows of a read-only query (``?`` placeholders)."""

    @abstractmethod
    def _has_table(self, name: str) -> bool:
        """Whether the database has table ``name``."""

    @abstractmethod
    def _unguarded(self, tx: _Tx | None) -> tuple[str, ...]:
        """:meth:`unguarded`, read in the transaction ``tx`` (None: outside one)."""

    @abstractmethod
    def _enable_guards(self, tx: _Tx, names: tuple[str, ...]) -> None:
        """Enable those of the triggers ``names`` that exist but are disabled."""

    @abstractmethod
    def _writing(self) -> Any:
        """Context manager: a serialised write transaction yielding a :class:`_Tx`."""

    @abstractmethod
    def _install_schema(self, tx: _Tx) -> None:
        """Create whatever of the tables and triggers is missing, inside the transaction ``tx``
        (a new chain head is seeded from the newest record)."""

    def _create_schema(self) -> None:
        """Create whatever of the tables and triggers is missing, in a transaction of its own."""
        with self._writing() as tx:
            self._install_schema(tx)

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class _Tx:
    """The cursor of an open write transaction (``?`` placeholders on both backends)."""

    def __init__(self, cursor: Any, placeholder: str) -> None:
        self.cursor, self._placeholder = cursor, placeholder

    def rows(self, sql: str, params: Sequence[Any], *, fetch: bool = True) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql.replace("?", self._placeholder), tuple(params))
        return list(self.cursor.fetchall()) if fetch else []


def redacted(location: str) -> str:
    """``location`` (a file path or a URL) as messages, logs and reports may show it: a URL's
    password (``user:PASSWORD@`` or libpq's ``password=`` query parameter) replaced by ``***``
    (:func:`url_passwords` says where they are)."""
    shown, last = [], 0
    for start, end in _password_spans(location):
        shown += [location[last:start], "***"]
        last = end
    return "".join(shown) + location[last:]


def url_passwords(location: str) -> tuple[str, ...]:
    """The passwords ``location`` holds as written (``user:PASSWORD@``, ``password=``), in the
    order they appear; none for a file path."""
    return tuple(location[start:end] for start, end in _password_spans(location))


def _password_spans(location: str) -> list[tuple[int, int]]:
    """Where the passwords of a URL are (start, end), read as text, not by ``urlsplit``: a
    password holding ``#``, ``?`` or ``/`` (common in generated ones) ends urlsplit's host part
    early, so it found no password and the whole URL was shown. The userinfo password runs from
    the first ``:`` (before the first ``@``) to the last ``@``: a password may hold ``@`` and
    ``/`` alike, so a rarer ``@`` in the query (``application_name=a@b``) hides the host too,
    rather than a piece of a password showing. An ``sqlite:///`` path holds none."""
    scheme, sep, rest = location.partition("://")
    if not sep:
        return []
    base = after = len(scheme) + len(sep)
    spans = []
    if scheme.lower() != "sqlite" or not rest.startswith("/"):  # not sqlite:///PATH
        first_at, colon = rest.find("@"), rest.find(":")
        if 0 <= colon < first_at:
            after = base + rest.rfind("@")
            spans.append((base + colon + 1, after))
    return spans + [m.span(2) for m in _QUERY_PASSWORD.finditer(location, after)]


_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)
