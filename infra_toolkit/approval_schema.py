"""The approval store's tables and triggers, the same on SQLite and PostgreSQL.

``approval_records`` holds the hash-chained records (columns: docs/APPROVALS.md); triggers refuse
``UPDATE`` and ``DELETE`` (and ``TRUNCATE`` on PostgreSQL).

Deleting the newest records would leave a valid shorter chain, so the database also keeps the
chain's head: one row of ``approval_chain_head`` (the newest ``seq`` and ``hash``), advanced by
an ``AFTER INSERT`` trigger in the appending transaction and refusing to go back or be deleted.
It is transactional on both backends, so a rolled-back append leaves no gap behind (a PostgreSQL
sequence would: ``nextval`` survives a rollback, and every failed append would look like a
deleted record).

Every statement creates only what is missing, so the schema is installed on an empty database
and upgrades a store created before the head was kept: its head is then seeded from its newest
record. The store installs it inside a write transaction (``approval_store``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from infra_toolkit.approval_records import GENESIS_HASH

__all__ = ["POSTGRES_GUARDS", "POSTGRES_SCHEMA", "SQLITE_GUARDS", "SQLITE_SCHEMA"]

_TABLES = f"""
CREATE TABLE IF NOT EXISTS approval_records (
    seq         BIGINT PRIMARY KEY,
    review_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    plan        TEXT NOT NULL,
    digest      TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    answers     TEXT NOT NULL,
    comment     TEXT NOT NULL,
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL UNIQUE,
    hash        TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS approval_records_plan ON approval_records (plan, digest);
CREATE TABLE IF NOT EXISTS approval_chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO approval_chain_head (id, seq, hash)
SELECT 1,
       COALESCE((SELECT MAX(seq) FROM approval_records), 0),
       COALESCE((SELECT hash FROM approval_records ORDER BY seq DESC LIMIT 1), '{GENESIS_HASH}')
WHERE NOT EXISTS (SELECT 1 FROM approval_chain_head);
"""

_SQLITE_TRIGGERS = """
CREATE TRIGGER IF NOT EXISTS approval_records_no_update BEFORE UPDATE ON approval_records
BEGIN SELECT RAISE(ABORT, 'approval records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS approval_records_no_delete BEFORE DELETE ON approval_records
BEGIN SELECT RAISE(ABORT, 'approval records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS approval_chain_advance AFTER INSERT ON approval_records
BEGIN UPDATE approval_chain_head SET seq = NEW.seq, hash = NEW.hash; END;
CREATE TRIGGER IF NOT EXISTS approval_chain_head_only_advances BEFORE UPDATE ON approval_chain_head
WHEN NEW.id IS NOT OLD.id OR NEW.seq <= OLD.seq
BEGIN SELECT RAISE(ABORT, 'the approval chain head only advances'); END;
CREATE TRIGGER IF NOT EXISTS approval_chain_head_no_delete BEFORE DELETE ON approval_chain_head
BEGIN SELECT RAISE(ABORT, 'the approval chain head only advances'); END;
"""

_PG_TRIGGERS = """
CREATE OR REPLACE FUNCTION approval_records_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'approval records are append-only'; END $$;
CREATE OR REPLACE TRIGGER approval_records_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON approval_records
FOR EACH STATEMENT EXECUTE FUNCTION approval_records_append_only();
CREATE OR REPLACE FUNCTION approval_chain_advance() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN
UPDATE approval_chain_head SET seq = NEW.seq, hash = NEW.hash; RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER approval_chain_advance AFTER INSERT ON approval_records
FOR EACH ROW EXECUTE FUNCTION approval_chain_advance();
CREATE OR REPLACE FUNCTION approval_chain_head_only_advances() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN
IF TG_OP = 'UPDATE' THEN
    IF NEW.id = OLD.id AND NEW.seq > OLD.seq THEN RETURN NEW; END IF;
END IF;
RAISE EXCEPTION 'the approval chain head only advances';
END $$;
CREATE OR REPLACE TRIGGER approval_chain_head_only_advances
BEFORE UPDATE OR DELETE ON approval_chain_head
FOR EACH ROW EXECUTE FUNCTION approval_chain_head_only_advances();
CREATE OR REPLACE TRIGGER approval_chain_head_no_truncate BEFORE TRUNCATE ON approval_chain_head
FOR EACH STATEMENT EXECUTE FUNCTION approval_chain_head_only_advances();
"""


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of ``script`` one by one (SQLite's own test of where one ends, so a
    trigger's ``BEGIN ...; END;`` stays whole)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()


#: The SQLite schema, statement by statement (run inside an open transaction).
SQLITE_SCHEMA: tuple[str, ...] = tuple(_statements(_TABLES + _SQLITE_TRIGGERS))
#: The PostgreSQL schema, one script.
POSTGRES_SCHEMA = _TABLES + _PG_TRIGGERS

#: The triggers that keep the store append-only and its head current (SQLite), by name: a store
#: missing one of them (or, on PostgreSQL, with one disabled) no longer stops a change.
SQLITE_GUARDS = (
    "approval_records_no_update",
    "approval_records_no_delete",
    "approval_chain_advance",
    "approval_chain_head_only_advances",
    "approval_chain_head_no_delete",
)
#: The same on PostgreSQL, with the table each is on.
POSTGRES_GUARDS = (
    ("approval_records", "approval_records_append_only"),
    ("approval_records", "approval_chain_advance"),
    ("approval_chain_head", "approval_chain_head_only_advances"),
    ("approval_chain_head", "approval_chain_head_no_truncate"),
)
