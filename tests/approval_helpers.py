"""Helpers shared by the approval tests: subjects, fixed times, and raw SQL that bypasses the
store's API (as an attacker with database access would)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from infra_toolkit.plan import ApprovalPolicy
from infra_toolkit.review_subject import ReviewSubject

__all__ = ["T0", "at", "make_older", "raw_sql", "restore_guards", "subject"]

T0 = datetime(2026, 11, 26, 9, 0, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    """T0 plus ``minutes``: records in a test get increasing, readable times."""
    return T0 + timedelta(minutes=minutes)


def subject(digest_char: str = "a", **changes: Any) -> ReviewSubject:
    """A review subject for plan ``checkout``; ``digest_char`` repeated 64 times is its digest."""
    fields: dict[str, Any] = {
        "plan": "checkout",
        "digest": digest_char * 64,
        "title": "Move checkout to EKS",
        "priority": "high",
        "change_type": "migration",
        "estimated_review_minutes": 45,
        "questions": ("Is the rollback tested?", "Who is on call?"),
        "policy": ApprovalPolicy(required_approvers=1),
        "monthly_cost_delta_usd": Decimal("120.50"),
        "source": "plans/checkout.yaml",
    }
    fields.update(changes)
    return ReviewSubject(**fields)


def raw_sql(location: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` directly on the store's database with the append-only triggers out of the way
    (``?`` placeholders); returns the rows."""
    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as conn:
            conn.execute(
                "ALTER TABLE approval_records DISABLE TRIGGER approval_records_append_only"
            )
            cur = conn.execute(sql.replace("?", "%s"), params)
            return list(cur.fetchall()) if cur.description else []
    lite = sqlite3.connect(location, isolation_level=None)
    try:
        lite.execute("DROP TRIGGER IF EXISTS approval_records_no_update")
        lite.execute("DROP TRIGGER IF EXISTS approval_records_no_delete")
        return list(lite.execute(sql, params).fetchall())
    finally:
        lite.close()


# What a store created before the chain head was kept lacks: the head's table, the trigger that
# advances it (PostgreSQL: and their functions). Dropping the table drops its own triggers.
_HEAD_SCHEMA = {
    "sqlite": ("DROP TRIGGER approval_chain_advance", "DROP TABLE approval_chain_head"),
    "postgresql": (
        "DROP TRIGGER approval_chain_advance ON approval_records",
        "DROP TABLE approval_chain_head",
        "DROP FUNCTION approval_chain_advance()",
        "DROP FUNCTION approval_chain_head_only_advances()",
    ),
}


def make_older(location: str) -> None:
    """Turn the store at ``location`` into one as an infra-toolkit that kept no chain head made."""
    backend = "postgresql" if location.startswith("postgresql://") else "sqlite"
    for statement in _HEAD_SCHEMA[backend]:
        raw_sql(location, statement)


def restore_guards(location: str) -> None:
    """Re-create and re-enable every trigger of the store at ``location``, as someone covering
    their tracks after bypassing them would."""
    from infra_toolkit.approval_schema import POSTGRES_GUARDS, POSTGRES_SCHEMA, SQLITE_SCHEMA

    if location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location, autocommit=True) as conn:
            conn.execute(POSTGRES_SCHEMA)
            for table, name in POSTGRES_GUARDS:
                conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        return
    lite = sqlite3.connect(location, isolation_level=None)
    try:
        for statement in SQLITE_SCHEMA:
            lite.execute(statement)
    finally:
        lite.close()
