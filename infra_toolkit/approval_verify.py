"""The chain of an approval store verified before every read and write, and the verify command.

Every read (status, queue, gate) first verifies the whole chain (``verified_records``); a
tampered store is an error naming the first bad record, and the gate says no. Every write
(submit, sign-off) verifies it before appending; its error ends ``; nothing recorded``
(``refusing``). ``verify`` walks the whole chain against the head the store recorded and,
if given, a head kept outside the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from infra_toolkit.approval_records import GENESIS_HASH, ChainReport, Record, verify_chain
from infra_toolkit.approval_store import ApprovalStore
from infra_toolkit.errors import StoreIntegrityError

__all__ = ["refusing", "verified_records", "verify"]


def verified_records(
    store: ApprovalStore, *, writing: bool = False, known: ChainReport | None = None
) -> list[Record]:
    """Every record, the whole chain verified against the store's head (and ``known``, a head
    kept outside the store, if given). ``writing``: for a write about to append, whose error
    says nothing was recorded, and for which a store that keeps no head is no error (the append
    adds the head)."""
    records: list[Record] = []

    def kept() -> Iterator[Record]:
        for record in store.iter_records():
            records.append(record)
            yield record

    if writing:
        refusing(lambda: _walk(store, kept(), headless=True))
    else:
        _walk(store, kept(), known=known)
    return records


def _walk(
    store: ApprovalStore,
    records: Iterable[Record],
    *,
    headless: bool = False,
    known: ChainReport | None = None,
) -> ChainReport:
    # The recorded head is read before the records: an append in between only lengthens the
    # chain, so it cannot look like records deleted from the end.
    recorded = store.chain_head()
    report = verify_chain(
        records, store.where, recorded or ChainReport(0, GENESIS_HASH), known=known
    )
    if recorded is None and not headless:
        # Not tampering as far as the records show, but their end cannot be vouched for.
        raise StoreIntegrityError(
            f"approval store {store.where} keeps no chain head (no approval_chain_head row: the "
            f"store predates it, or it was removed), so records deleted from its end would not "
            f"show; its {report.count} records link correctly up to head {report.head_hash}: "
            "compare that hash with one you kept, then record anything (e.g. infra-toolkit "
            "submit PLAN.yaml) to add the head"
        )
    unguarded = () if headless else store.unguarded()
    if unguarded:
        # Not tampering as far as the records show, but nothing stopped it any more.
        raise StoreIntegrityError(
            f"approval store {store.where} is unguarded: its trigger(s) {', '.join(unguarded)} "
            "are missing or disabled, so records or its head could have been changed without a "
            f"trace; its {report.count} records link correctly up to head {report.head_hash}: "
            "compare that hash with one you kept, then record anything (e.g. infra-toolkit "
            "submit PLAN.yaml) to restore them"
        )
    return report


def refusing(verify_some: Callable[[], object]) -> None:
    """Run ``verify_some`` for a write: a StoreIntegrityError from it says nothing was
    recorded."""
    try:
        verify_some()
    except StoreIntegrityError as exc:
        raise StoreIntegrityError(f"{exc}; nothing recorded") from exc



def verify(store: ApprovalStore, *, known: ChainReport | None = None) -> ChainReport:
    """Walk the whole chain and check it against the head the store recorded at its last append
    and, if given, ``known``: a head kept outside the store (an earlier verify's count and head
    hash), which the chain must still hold unchanged. StoreIntegrityError names the first record
    that does not match, or the newest records missing."""
    return _walk(store, store.iter_records(), known=known)
