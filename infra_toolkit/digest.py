"""The plan digest: one SHA-256 that changes when anything a reviewer approved changes.

What it covers, and how (format ``infra_toolkit plan digest 1``):

* **The plan's content**, canonicalised: the YAML as loaded (mappings, lists, scalars), written
  as JSON with sorted keys, no whitespace, UTF-8, dates in ISO 8601. A reviewer approves content,
  so comments, indentation, quoting style, key order and anchors do not change the digest; any
  change of a value, a list's order or a key does. ``1`` and ``1.0`` are different content.
* **Every file the plan references** (:meth:`Plan.referenced_files`: manifests, eksctl
  ClusterConfigs, Karpenter NodePool files, traffic CSVs, the plan's own pricing tables and
  overrides), hashed **byte for byte** (a comment edited in a manifest changes the digest) but
  for line endings, and named by its path relative to the plan's folder.
* **The pricing tables** the cost estimate reads (the price book's shipped tables; the plan's
  own tables and overrides are referenced files), the same way, named by file name, which
  carries the table's date.

Line endings: each CR LF (``\r\n``) is hashed as LF (``\n``). Git checks text files out with
CR LF where ``core.autocrlf`` is true (Git for Windows' default), so without this one plan would
have two digests, and an approval given in one clone would be STALE in the other; the YAML and
CSV readers read both endings alike, so no reviewed value differs. Every other byte counts (a
lone CR too), and a file without CR LF hashes exactly as its bytes.

Each input is one line ``["kind", "name", "sha256-hex"]`` (JSON); the lines, sorted, follow
the header line ``infra_toolkit plan digest 1``; the digest is the SHA-256 of that text. No
absolute path, mtime, hostname or wall clock enters it, so it is the same on every machine.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra_toolkit.errors import PlanError
from infra_toolkit.plan import Plan
from infra_toolkit.plan_domain import load_price_book
from infra_toolkit.plan_fields import FieldReader

__all__ = [
    "DIGEST_HEADER",
    "DigestInput",
    "canonical_plan_bytes",
    "default_pricing_tables",
    "digest_inputs",
    "digest_of",
    "plan_digest",
]

DIGEST_HEADER = "infra_toolkit plan digest 1"


@dataclass(frozen=True)
class DigestInput:
    """One input of the digest: ``kind`` (``plan``, ``file`` or ``pricing``), its ``name`` and
    the SHA-256 (hex) of its bytes."""

    kind: str
    name: str
    sha256: str

    def line(self) -> str:
        """The input's line in the digested text."""
        return json.dumps([self.kind, self.name, self.sha256], ensure_ascii=False)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        items = {k if isinstance(k, str) else json.dumps(_canonical(k), sort_keys=True):
                 _canonical(v) for k, v in value.items()}
        return dict(sorted(items.items()))
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def canonical_plan_bytes(data: Any) -> bytes:
    """The plan content (as loaded from YAML) in its canonical form: compact JSON, keys sorted."""
    return json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _sha256_file(path: Path) -> str:
    """SHA-256 of the file's bytes with each CR LF read as LF (see the module docstring)."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            held = b""  # a CR ending a block: its LF may start the next one
            for block in iter(lambda: handle.read(1 << 20), b""):
                block = held + block
                held = b"\r" if block.endswith(b"\r") else b""
                digest.update(block[:len(block) - len(held)].replace(b"\r\n", b"\n"))
            digest.update(held)
    except OSError as exc:
        raise PlanError(f"cannot read {path} for the plan digest: {exc.strerror or exc}; the "
                        "digest needs every referenced file") from None
    return digest.hexdigest()


def default_pricing_tables(plan: Plan) -> tuple[Path, ...]:
    """The shipped pricing tables the plan's price book reads (the newest table of each kind in
    ``pricing_data/``), sorted; the plan's own tables and overrides are referenced files."""
    r = FieldReader()
    book = load_price_book(r, plan.pricing_tables, plan.pricing_overrides)
    if book is None:
        raise PlanError(f"{plan.path}: the pricing tables cannot be loaded for the digest: "
                        + "; ".join(p.message for p in r.problems))
    own = set(plan.referenced_files())
    return tuple(sorted(Path(t.path) for t in book.tables_used if Path(t.path) not in own))


def digest_inputs(plan: Plan, pricing_tables: Sequence[Path] | None = None
                  ) -> tuple[DigestInput, ...]:
    """Everything the digest covers, sorted: the canonical plan, each referenced file and each
    pricing table (``pricing_tables``, default :func:`default_pricing_tables`; tests pass their
    own)."""
    tables = default_pricing_tables(plan) if pricing_tables is None else tuple(pricing_tables)
    inputs = [DigestInput("plan", "plan", hashlib.sha256(canonical_plan_bytes(plan.data))
                          .hexdigest())]
    for path in plan.referenced_files():
        name = Path(os.path.relpath(path, plan.base_dir)).as_posix()
        inputs.append(DigestInput("file", name, _sha256_file(path)))
    names = [Path(t).name for t in tables]
    if len(set(names)) != len(names):
        raise PlanError(f"two pricing tables share a file name ({', '.join(sorted(names))}); "
                        "the digest names tables by file name, so give each a distinct name")
    inputs += [DigestInput("pricing", Path(t).name, _sha256_file(Path(t))) for t in tables]
    return tuple(sorted(inputs, key=lambda i: (i.kind, i.name)))


def plan_digest(plan: Plan, pricing_tables: Sequence[Path] | None = None) -> str:
    """The plan digest (64 hex digits) over :func:`digest_inputs`."""
    return digest_of(digest_inputs(plan, pricing_tables))


def digest_of(inputs: Sequence[DigestInput]) -> str:
    """The plan digest (64 hex digits) of ``inputs`` (:func:`digest_inputs`, sorted)."""
    text = "\n".join([DIGEST_HEADER] + [i.line() for i in inputs])
    return hashlib.sha256((text + "\n").encode("utf-8")).hexdigest()
