"""Approval store throughput: concurrent sign-offs from several processes, and chain verification.

Prints, per backend (SQLite file in WAL mode; PostgreSQL in a throwaway local cluster with fsync
on), the wall time and rate of WORKERS processes x SIGN_OFFS sign-offs started at once, and the
time to verify the resulting chain. Each sign-off verifies the whole chain before it appends
(nothing is recorded into a tampered store), so its cost grows with the store: the rate printed
is the mean over a store growing from 8 to 2,008 records. Run: ``make bench`` or
``.venv/bin/python benchmarks/bench_approval.py``.
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra_toolkit.approval_records import RecordKind
from infra_toolkit.approval_store import open_store
from infra_toolkit.approval_verify import verify
from infra_toolkit.approval_writes import sign_off, submit
from infra_toolkit.review_subject import ReviewSubject
from tests.pg_cluster import find_pg_bindir, throwaway_cluster

WORKERS, SIGN_OFFS = 8, 250
AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _subject(index: int) -> ReviewSubject:
    return ReviewSubject(
        plan=f"plan-{index}",
        digest=f"{index:064x}",
        title="bench",
        priority="high",
        change_type="scaling",
        estimated_review_minutes=10,
        questions=("ok?",),
        monthly_cost_delta_usd=Decimal(10),
    )


def _worker(location: str, index: int, barrier: Any) -> None:
    s = _subject(index)
    with open_store(location) as store:
        submit(store, s, requester="bench", at=AT)
        barrier.wait()
        for n in range(SIGN_OFFS):
            sign_off(store, s, RecordKind.APPROVED, reviewer=f"r{n}", at=AT, answers={1: "yes"})


def bench(name: str, location: str) -> None:
    open_store(location, create=True).close()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(WORKERS + 1)
    procs = [ctx.Process(target=_worker, args=(location, i, barrier)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    barrier.wait()
    started = time.perf_counter()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    assert all(p.exitcode == 0 for p in procs)
    with open_store(location) as store:
        t0 = time.perf_counter()
        report = verify(store)
        verify_s = time.perf_counter() - t0
    total = WORKERS * SIGN_OFFS
    print(
        f"{name:10s} {WORKERS} processes x {SIGN_OFFS} sign-offs: {elapsed:.2f} s, "
        f"{total / elapsed:,.0f} sign-offs/s; "
        f"verify {report.count} records: {verify_s * 1000:.0f} ms"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench("sqlite", str(Path(tmp) / "approvals.sqlite"))
    bindir = find_pg_bindir()
    if bindir is None:
        print("postgresql: skipped, no PostgreSQL binaries on this machine")
        return
    with throwaway_cluster(bindir, fsync=True) as url:
        bench("postgresql", url)


if __name__ == "__main__":
    main()
