"""The approval store in an SQLite file (file paths and ``sqlite:///`` URLs of :func:`open_store`).

The file is in WAL mode (readers never wait); appends take the database's write lock with
``BEGIN IMMEDIATE`` before the head of the chain is read, and other writers wait up to the busy
timeout, the store's timeout ``$INFRA_TOOLKIT_DB_TIMEOUT_S``
(:func:`~infra_toolkit.approval_store.store_timeout_s`, default 30 s). A new store's file is made
under a temporary name and linked into place, so no process ever sees it as the zero-byte file
that opening refuses.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra_toolkit.approval_schema import SQLITE_GUARDS, SQLITE_SCHEMA
from infra_toolkit.approval_store import (
    ENV_VAR,
    TIMEOUT_ENV,
    ApprovalStore,
    _Tx,
    store_timeout_s,
)
from infra_toolkit.errors import ApprovalError

__all__ = ["SQLiteStore"]

_SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"


class SQLiteStore(ApprovalStore):
    """The store in an SQLite file (WAL mode, ``BEGIN IMMEDIATE`` appends, the busy timeout
    :func:`store_timeout_s`)."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.where = str(path)
        self._busy_timeout_s = store_timeout_s()
        try:
            self._check_path(path, create)
        except (OSError, ValueError) as exc:  # a name too long, a NUL byte: was a traceback
            raise ApprovalError(f"approval store {str(path)!r}: not a usable file path "
                                f"({getattr(exc, 'strerror', None) or exc}); pass the store's "
                                "file path") from None
        try:
            if not path.exists():
                _new_sqlite_file(path)
            self._conn = sqlite3.connect(path, timeout=self._busy_timeout_s, isolation_level=None)
            # text that is not UTF-8 (written by another program) reaches Record.from_columns,
            # which names the record, instead of failing the whole query
            self._conn.text_factory = lambda data: data.decode("utf-8", "surrogateescape")
        except (OSError, sqlite3.Error) as exc:
            raise ApprovalError(f"cannot open approval store {path}: {exc}") from exc
        self._finish_opening(
            # only a new file gets the schema here (never another program's database); a store
            # older than the chain head gets it inside the transaction of its next append
            lambda: create and not self._query(_SQLITE_TABLES, ()),
            f"{path} is an SQLite database but not an approval store (no approval_records "
            f"table): point --db / ${ENV_VAR} at the right file",
        )

    @staticmethod
    def _check_path(path: Path, create: bool) -> None:
        """ApprovalError unless ``path`` is a store's file, or (``create``) may become one."""
        if "\x00" in str(path):
            raise ValueError("a NUL byte in the path")
        if not path.exists() and not create:
            raise ApprovalError(
                f"approval store {path} does not exist: submit a plan first "
                f"(infra-toolkit submit PLAN.yaml), or point --db / ${ENV_VAR} at the store"
            )
        if path.is_dir():
            raise ApprovalError(
                f"approval store {path} is a folder: pass the store's file, e.g. "
                f"{path / 'approvals.sqlite'}"
            )
        if path.is_file() and path.stat().st_size == 0:
            # SQLite would take it for an empty database and submit would make it a new store;
            # but it is a touched path or a store truncated to nothing, whose approvals that
            # would drop without a word
            raise ApprovalError(
                f"approval store {path} is an empty file (0 bytes), not a store: if it was a "
                "store, restore it from a backup; to start a new store, delete the file and "
                "run infra-toolkit submit PLAN.yaml"
            )

    def _create_schema(self) -> None:
        self._conn.execute("PRAGMA journal_mode=WAL")  # not allowed inside a transaction
        super()._create_schema()

    def _install_schema(self, tx: _Tx) -> None:
        # one statement at a time: executescript would commit the open transaction first
        for statement in SQLITE_SCHEMA:
            tx.rows(statement, (), fetch=False)

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise ApprovalError(
                f"approval store {self.where}: cannot {doing} ({exc}); {self._hint(str(exc))}"
            ) from exc

    def _hint(self, error: str) -> str:
        """What to do about SQLite's ``error`` on this store."""
        if "not a database" in error or "malformed" in error:
            return "it is not an SQLite database or it is damaged: restore it from a backup"
        if "readonly" in error or "unable to open" in error:
            # WAL: even a reader writes the -shm (and -wal) file beside the store
            return (
                f"this user cannot write to it or to its folder (SQLite keeps {self.where}-wal "
                "and -shm beside it and writes them even to read): give this user write access "
                "to the file and its folder, or use a PostgreSQL store"
            )
        if "no such column" in error or "no such table" in error:
            # an approval_records table with other columns: another program's, not a store
            return (
                "its approval_records table is not an approval store's (another program's "
                f"database?): point --db / ${ENV_VAR} at the right file"
            )
        if "locked" in error or "busy" in error:
            return (
                f"another process held its write lock for more than {self._busy_timeout_s:g} s "
                f"(the store's timeout, ${TIMEOUT_ENV}): find it (fuser {self.where}) or try "
                "again"
            )
        return "check the file and its folder"

    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._errors("read"):
            return list(self._conn.execute(sql, tuple(params)).fetchall())

    def _has_table(self, name: str) -> bool:
        return bool(self._query(f"{_SQLITE_TABLES} AND name = ?", (name,)))

    def _unguarded(self, tx: _Tx | None) -> tuple[str, ...]:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        present = {str(name) for (name,) in (tx.rows(sql, ()) if tx else self._query(sql, ()))}
        return tuple(name for name in SQLITE_GUARDS if name not in present)

    def _enable_guards(self, tx: _Tx, names: tuple[str, ...]) -> None:
        pass  # an SQLite trigger cannot be disabled, only dropped (re-created by the schema)

    @contextmanager
    def _writing(self) -> Iterator[_Tx]:
        with self._errors("write"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Tx(self._conn.cursor(), "?")
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        """Close the database file."""
        self._conn.close()


def _new_sqlite_file(path: Path) -> None:
    """Create ``path`` as an empty SQLite database in WAL mode without it ever being seen as
    the zero-byte file that opening refuses: made under a temporary name beside it, then
    hard-linked into place, which never replaces a store another process made meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("PRAGMA journal_mode=WAL")  # writes the database's header
        finally:
            conn.close()
        os.link(tmp, path)
    except FileExistsError:
        pass  # another submit created it first: use that one
    except OSError:
        pass  # no hard links on this file system: sqlite3.connect creates it
    finally:
        tmp.unlink(missing_ok=True)
