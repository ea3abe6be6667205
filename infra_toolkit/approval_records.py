"""Approval records and their hash chain.

A record is one event of a review: a review requested, an approval, a rejection, a change
request or a comment. Records are only ever appended. Each one carries ``prev_hash``, the hash of
the record before it (64 zeros for the first), and ``hash``, the SHA-256 of the canonical JSON of
its own content *including* ``seq`` and ``prev_hash``. Editing any stored field, deleting or
reordering a record breaks the chain at that record, which :func:`verify_chain` names.

Canonical JSON: keys sorted, no whitespace (``separators=(",", ":")``), UTF-8 without ``\\u``
escapes, no NaN. Money inside ``details`` is a decimal string, never a float.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from infra_toolkit.errors import ApprovalError, StoreIntegrityError

__all__ = [
    "GENESIS_HASH",
    "SHA256_HEX",
    "Answer",
    "ChainReport",
    "Record",
    "RecordDraft",
    "RecordKind",
    "canonical_json",
    "utc_timestamp",
    "verify_chain",
]

GENESIS_HASH = "0" * 64
#: a sha256 as the store writes one (a plan digest, a record hash): 64 lowercase hex digits
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class RecordKind(StrEnum):
    """What a record says; the value is what the store holds in ``kind``."""

    REVIEW_REQUESTED = "review_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    COMMENT = "comment"


def canonical_json(value: Any) -> bytes:
    """The one byte encoding that record hashes are computed over (see the module docstring)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def utc_timestamp(at: datetime) -> str:
    """``at`` as ISO-8601 UTC with second precision, e.g. ``2026-11-26T17:44:03Z``.

    Raises ApprovalError for a naive datetime: a record's time must be unambiguous.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ApprovalError(
            f"time {at.isoformat()} has no time zone: pass an aware datetime, "
            "e.g. datetime.now(timezone.utc)"
        )
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Answer:
    """A reviewer's answer to one question for approval (the question text is kept with it)."""

    question: str
    answer: str


@dataclass(frozen=True, kw_only=True)
class RecordDraft:
    """The content of a record before the store gives it a place in the chain.

    ``review_id`` is empty for a review request: the store allocates ``review-NNN`` inside the
    appending transaction. ``recorded_at`` is an ISO-8601 UTC string (:func:`utc_timestamp`).
    """

    review_id: str
    kind: RecordKind
    plan: str
    digest: str
    reviewer: str
    recorded_at: str
    answers: tuple[Answer, ...] = ()
    comment: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, RecordKind):
            raise ApprovalError(f"record kind {self.kind!r} is not one of {_kinds()}")
        if not SHA256_HEX.fullmatch(self.digest):
            raise ApprovalError(
                f"digest {self.digest!r} is not a SHA-256 hex string (64 lowercase hex digits)"
            )
        if not self.plan:
            raise ApprovalError("a record needs the plan it is about (plan is empty)")

    def content(self, seq: int, prev_hash: str) -> dict[str, Any]:
        """The hashed content: every field of the record except ``hash`` itself."""
        return {
            "seq": seq,
            "review_id": self.review_id,
            "kind": self.kind.value,
            "plan": self.plan,
            "digest": self.digest,
            "reviewer": self.reviewer,
            "recorded_at": self.recorded_at,
            "answers": [[a.question, a.answer] for a in self.answers],
            "comment": self.comment,
            "details": dict(self.details),
            "prev_hash": prev_hash,
        }

    def seal(self, seq: int, prev_hash: str) -> Record:
        """This draft as record number ``seq`` of the chain, linked to ``prev_hash``."""
        digest = hashlib.sha256(canonical_json(self.content(seq, prev_hash))).hexdigest()
        return Record(
            seq=seq,
            prev_hash=prev_hash,
            hash=digest,
            **{name: getattr(self, name) for name in _DRAFT_FIELDS},
        )


@dataclass(frozen=True, kw_only=True)
class Record(RecordDraft):
    """A stored record: its draft content plus its place (``seq``, 1-based) and links."""

    seq: int
    prev_hash: str
    hash: str

    def computed_hash(self) -> str:
        """SHA-256 hex of the canonical content as stored now (differs from ``hash`` if edited)."""
        return hashlib.sha256(canonical_json(self.content(self.seq, self.prev_hash))).hexdigest()

    def label(self) -> str:
        """How messages name this record: ``record 7 (review-003 approved by alice)``."""
        return f"record {self.seq} ({self.review_id} {self.kind.value} by {self.reviewer})"

    @classmethod
    def from_columns(cls, row: Mapping[str, Any], where: str) -> Record:
        """A record from the store's columns (``answers``/``details`` as JSON text).

        Raises StoreIntegrityError naming the record when a column cannot be what the toolkit
        wrote (edited outside it).
        """
        seq = row["seq"]
        try:
            if not isinstance(seq, int) or isinstance(seq, bool):  # int("7") would pass text
                raise TypeError(f"seq {seq!r} is not a whole number")
            answers = tuple(Answer(str(q), str(a)) for q, a in json.loads(row["answers"]))
            details = json.loads(row["details"])
            if not isinstance(details, dict):
                raise TypeError("details is not a JSON object")
            return cls(
                seq=seq,
                review_id=row["review_id"],
                kind=RecordKind(row["kind"]),
                plan=row["plan"],
                digest=row["digest"],
                reviewer=row["reviewer"],
                recorded_at=row["recorded_at"],
                answers=answers,
                comment=row["comment"],
                details=details,
                prev_hash=row["prev_hash"],
                hash=row["hash"],
            )
        except (ValueError, TypeError, RecursionError, ApprovalError) as exc:
            raise _unreadable(seq, where, exc) from exc

    def columns(self) -> dict[str, Any]:
        """This record as the store's columns (inverse of :meth:`from_columns`)."""
        content = self.content(self.seq, self.prev_hash)
        return {
            **content,
            "answers": canonical_json(content["answers"]).decode("utf-8"),
            "details": canonical_json(content["details"]).decode("utf-8"),
            "hash": self.hash,
        }


_DRAFT_FIELDS = (
    "review_id",
    "kind",
    "plan",
    "digest",
    "reviewer",
    "recorded_at",
    "answers",
    "comment",
    "details",
)
COLUMNS = ("seq", *_DRAFT_FIELDS, "prev_hash", "hash")


def _kinds() -> str:
    return ", ".join(k.value for k in RecordKind)


@dataclass(frozen=True)
class ChainReport:
    """A chain's length and the hash of its newest record (64 zeros when empty): what
    :func:`verify_chain` found, or what the store recorded at its last append."""

    count: int
    head_hash: str


_FIX = "restore the store from a backup and re-record the decisions after it"


def _unreadable(seq: object, where: str, exc: BaseException) -> StoreIntegrityError:
    return StoreIntegrityError(
        f"record {seq} of {where} cannot be read ({exc}): it was edited outside infra-toolkit; "
        "restore the store from a backup"
    )


def _stored_hash_matches(record: Record, where: str) -> bool:
    try:
        return record.computed_hash() == record.hash
    except ValueError as exc:
        # content the toolkit never writes (NaN, 1e999, a lone surrogate, text that was not
        # UTF-8 in SQLite) has no canonical JSON: name the record rather than fail in json
        raise _unreadable(record.seq, where, exc) from exc


def verify_chain(
    records: Iterable[Record],
    where: str,
    recorded: ChainReport = ChainReport(0, GENESIS_HASH),
    *,
    start: ChainReport = ChainReport(0, GENESIS_HASH),
    known: ChainReport | None = None,
) -> ChainReport:
    """Walk the chain in ``seq`` order; raise StoreIntegrityError naming the first bad record.

    A record is bad when its ``seq`` is not one more than the previous one (a record deleted or
    renumbered), its ``prev_hash`` is not the previous record's hash (a link broken), its
    content no longer hashes to its ``hash`` (a field edited), or it is record
    ``recorded.count`` but not the one whose hash the store recorded (rewritten). A chain
    shorter than ``recorded.count`` lost its newest records: the error names the missing ones.
    ``recorded`` is the store's head as read *before* the records (records appended since only
    lengthen the chain); the default checks nothing. ``start`` is what precedes ``records``
    (their count and the newest one's hash, already verified); the default: nothing, the walk
    starts at record 1. ``known``: a head the caller kept outside the store (record number and
    hash, as an earlier verify printed it); the chain must still hold that record, unchanged. It
    catches what the store's own head cannot: the whole store replaced by an older copy, or
    rewritten with fresh hashes and a fresh head.
    """
    expected_seq, prev_hash = start.count + 1, start.head_hash
    for record in records:
        if record.seq != expected_seq:
            problem = (
                f"has seq {record.seq} where {expected_seq} was expected (deleted or renumbered)"
            )
        elif record.prev_hash != prev_hash:
            problem = "does not link to the record before it (prev_hash differs)"
        elif not _stored_hash_matches(record, where):
            problem = "content does not match its hash (edited after it was written)"
        elif record.seq == recorded.count and record.hash != recorded.head_hash:
            problem = (
                f"is not the record appended as number {record.seq} (the store recorded hash "
                f"{recorded.head_hash[:12]}…; rewritten)"
            )
        elif known is not None and record.seq == known.count and record.hash != known.head_hash:
            problem = (
                f"is not the record {record.seq} whose hash was kept ({known.head_hash[:12]}…): "
                "the store was rewritten or replaced by another copy"
            )
        else:
            expected_seq, prev_hash = expected_seq + 1, record.hash
            continue
        raise StoreIntegrityError(f"approval store {where} is tampered: {record.label()} "
                                  f"{problem}; {_FIX}")
    count = expected_seq - 1
    if count < recorded.count:
        missing = (
            f"record {recorded.count} is missing"
            if recorded.count == count + 1
            else f"records {count + 1}-{recorded.count} are missing"
        )
        raise StoreIntegrityError(
            f"approval store {where} is tampered: {missing} (deleted from the end: the store "
            f"recorded {recorded.count} records, head {recorded.head_hash[:12]}…, but the chain "
            f"ends at record {count}); {_FIX}"
        )
    if known is not None and count < known.count:
        raise StoreIntegrityError(
            f"approval store {where} is tampered: it ends at record {count}, but record "
            f"{known.count} was kept (hash {known.head_hash[:12]}…): records were deleted from "
            f"its end, or it was replaced by an older copy; {_FIX}"
        )
    return ChainReport(count=count, head_hash=prev_hash)
