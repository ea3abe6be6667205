from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from infra_toolkit.approval_records import (
    GENESIS_HASH,
    Answer,
    ChainReport,
    Record,
    RecordDraft,
    RecordKind,
    canonical_json,
    utc_timestamp,
    verify_chain,
)
from infra_toolkit.errors import ApprovalError, StoreIntegrityError

A64 = "a" * 64


def draft(**changes: object) -> RecordDraft:
    fields: dict[str, object] = {
        "review_id": "review-001",
        "kind": RecordKind.APPROVED,
        "plan": "checkout",
        "digest": A64,
        "reviewer": "alice",
        "recorded_at": "2026-11-26T09:00:00Z",
        "answers": (Answer("Q?", "yes"),),
        "comment": "ok",
    }
    fields.update(changes)
    return RecordDraft(**fields)  # type: ignore[arg-type]


def test_record_hash_is_sha256_of_the_canonical_json_written_out_by_hand() -> None:
    # Keys sorted, no spaces, prev_hash and seq included: the bytes an outside auditor hashes.
    by_hand = (
        '{"answers":[["Q?","yes"]],"comment":"ok","details":{},"digest":"' + A64 + '",'
        '"kind":"approved","plan":"checkout","prev_hash":"' + "0" * 64 + '",'
        '"recorded_at":"2026-11-26T09:00:00Z","review_id":"review-001","reviewer":"alice","seq":1}'
    )
    record = draft().seal(1, GENESIS_HASH)
    assert record.hash == hashlib.sha256(by_hand.encode()).hexdigest()
    assert record.computed_hash() == record.hash


def test_canonical_json_keeps_utf8_and_refuses_nan() -> None:
    assert canonical_json({"b": 1, "a": "Zoë"}) == '{"a":"Zoë","b":1}'.encode()
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        canonical_json({"x": float("nan")})


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2026, 11, 26, 9, 0, 0, 700000, tzinfo=UTC), "2026-11-26T09:00:00Z"),
        # 10:30 at +01:30 is 09:00 UTC
        (
            datetime(2026, 11, 26, 10, 30, tzinfo=timezone(timedelta(hours=1, minutes=30))),
            "2026-11-26T09:00:00Z",
        ),
    ],
)
def test_utc_timestamp(when: datetime, expected: str) -> None:
    assert utc_timestamp(when) == expected


def test_naive_time_is_refused() -> None:
    with pytest.raises(ApprovalError, match=r"2026-11-26T09:00:00 has no time zone"):
        utc_timestamp(datetime(2026, 11, 26, 9))


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"digest": "abc"}, r"digest 'abc' is not a SHA-256 hex string"),
        ({"plan": ""}, r"needs the plan"),
        ({"kind": "approve"}, r"record kind 'approve' is not one of review_requested, approved"),
    ],
)
def test_draft_validation(changes: dict[str, object], match: str) -> None:
    with pytest.raises(ApprovalError, match=match):
        draft(**changes)


def chain(n: int) -> list[Record]:
    records, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        record = draft(reviewer=f"r{seq}").seal(seq, prev)
        records.append(record)
        prev = record.hash
    return records


def test_valid_chain_reports_count_and_head() -> None:
    records = chain(4)
    report = verify_chain(records, "db")
    assert (report.count, report.head_hash) == (4, records[-1].hash)
    assert verify_chain([], "db").head_hash == GENESIS_HASH


@pytest.mark.parametrize(
    ("tamper", "match"),
    [
        # a field edited in place: record 3's content no longer hashes to its stored hash
        (
            lambda rs: rs.__setitem__(2, replace(rs[2], comment="edited")),
            r"record 3 \(review-001 approved by r3\) content does not match its hash",
        ),
        # record 2 deleted: record 3 now sits where 2 was expected
        (lambda rs: rs.pop(1), r"record 3 .* has seq 3 where 2 was expected"),
        # record 2 rewritten with a consistent hash of its own: record 3's link breaks
        (
            lambda rs: rs.__setitem__(1, draft(reviewer="mallory").seal(2, rs[0].hash)),
            r"record 3 .* does not link to the record before it",
        ),
    ],
)
def test_verify_names_the_first_bad_record(tamper, match: str) -> None:  # type: ignore[no-untyped-def]
    records = chain(4)
    tamper(records)
    with pytest.raises(StoreIntegrityError, match=match):
        verify_chain(records, "db")


@pytest.mark.parametrize(
    ("recorded", "match"),
    [
        # the store recorded 6 appends; the chain holds 4: the two newest are gone
        (ChainReport(6, "f" * 64), r"records 5-6 are missing \(deleted from the end: "
         r"the store recorded 6 records, head ffffffffffff…, but the chain ends at record 4\)"),
        (ChainReport(5, "f" * 64), r"is tampered: record 5 is missing \(deleted"),
        # record 3 is intact and linked, but not the record the store appended as number 3
        (ChainReport(3, "e" * 64), r"record 3 \(review-001 approved by r3\) is not "
         r"the record appended as number 3 \(the store recorded hash eeeeeeeeeeee…; rewritten\)"),
    ],
)
def test_verify_checks_the_chain_against_the_head_the_store_recorded(
    recorded: ChainReport, match: str
) -> None:
    with pytest.raises(StoreIntegrityError, match=match):
        verify_chain(chain(4), "db", recorded)


@pytest.mark.parametrize("count", [0, 2, 4])
def test_a_recorded_head_inside_the_chain_passes(count: int) -> None:
    # the head is read before the records: appends after it only lengthen the chain
    records = chain(4)
    recorded = ChainReport(count, records[count - 1].hash if count else GENESIS_HASH)
    assert verify_chain(records, "db", recorded) == ChainReport(4, records[-1].hash)


@pytest.mark.parametrize("count", [1, 3, 4])
def test_a_known_head_still_held_passes(count: int) -> None:
    records = chain(4)
    known = ChainReport(count, records[count - 1].hash)
    assert verify_chain(records, "db", known=known) == ChainReport(4, records[-1].hash)


@pytest.mark.parametrize(
    ("known", "match"),
    [
        # a store replaced by an older copy: valid in itself, head and all, but shorter
        (ChainReport(6, "f" * 64), r"is tampered: it ends at record 4, but record 6 was kept "
         r"\(hash ffffffffffff…\): records were deleted from its end, or it was replaced by an "
         "older copy"),
        # a store rewritten (or an older copy appended to): record 3 is not the one kept
        (ChainReport(3, "e" * 64), r"record 3 \(review-001 approved by r3\) is not the record 3 "
         r"whose hash was kept \(eeeeeeeeeeee…\): the store was rewritten or replaced"),
    ],
)
def test_a_known_head_no_longer_held_is_named(known: ChainReport, match: str) -> None:
    records = chain(4)
    # the store's own head agrees with the chain: only the head kept elsewhere tells
    with pytest.raises(StoreIntegrityError, match=match):
        verify_chain(records, "db", ChainReport(4, records[-1].hash), known=known)


def test_columns_round_trip_and_unreadable_column_names_the_record() -> None:
    record = draft(details={"cost": "1.50"}).seal(1, GENESIS_HASH)
    assert Record.from_columns(record.columns(), "db") == record
    broken = {**record.columns(), "answers": "[not json"}
    with pytest.raises(StoreIntegrityError, match=r"record 1 of db cannot be read"):
        Record.from_columns(broken, "db")
