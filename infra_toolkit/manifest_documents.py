"""The documents of a Kubernetes YAML file: ``load_documents`` (errors name the file, and the
line for malformed YAML or a field written twice), ``manifest_objects`` (a ``kind: List``'s
items in its place, as ``kubectl get -o yaml`` writes) and ``object_name``
(``metadata.name``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.errors import SpecError, not_utf8
from infra_toolkit.plan_yaml import (
    ManifestLoader,
    PlanLoader,
    StructureError,
    refused_character,
    yaml_line_index,
)

__all__ = ["load_documents", "manifest_objects", "object_name"]


def load_documents(path: Path) -> list[Any]:
    """The documents of the YAML file at ``path`` (empty ones dropped); a :class:`SpecError`
    naming the file (and the line) when it cannot be read, is not UTF-8, writes a field twice in
    one mapping or is malformed YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path} {not_utf8(exc)}; point to the YAML manifest, saved as UTF-8"
                        ) from None
    try:
        # kubectl's strict decoding rejects a field written twice; YAML loaders keep the last
        for node in yaml.compose_all(text, Loader=PlanLoader):  # libyaml: no RecursionError
            duplicates = [] if node is None else yaml_line_index(node)[1]
            if duplicates:
                field_path, line = duplicates[0]
                raise SpecError(
                    f"{path}:{line}: {field_path} is written twice in the same mapping and YAML "
                    "keeps only the last; delete one of them"
                )
        # read as a plan reads them: 1e3 a number, 1:30 text (as kubectl does)
        return [doc for doc in yaml.load_all(text, Loader=ManifestLoader) if doc is not None]
    except yaml.reader.ReaderError as exc:
        line, what = refused_character(exc, text)
        raise SpecError(f"{path}:{line}: malformed YAML: {what}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, StructureError):  # its problem says what to write instead
            raise SpecError(f"{where}: {problem}") from None
        context = getattr(exc, "context", None)
        context_mark = getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            problem += f" ({context} that starts at line {context_mark.line + 1})"
        raise SpecError(
            f"{where}: malformed YAML: {problem}; fix the indentation, brackets or quoting"
        ) from None


def object_name(doc: Mapping[str, Any]) -> Any:
    """``metadata.name`` of a manifest object, ``None`` when its metadata is not a mapping (a
    ``metadata: web`` scalar was an AttributeError traceback while listing the file's names)."""
    metadata = doc.get("metadata")
    return metadata.get("name") if isinstance(metadata, Mapping) else None


def manifest_objects(documents: list[Any]) -> list[Any]:
    """The objects of the documents, with the ``items`` of a ``kind: List`` (what
    ``kubectl get ... -o yaml`` writes) in its place."""
    out: list[Any] = []
    for doc in documents:
        items = doc.get("items") if isinstance(doc, dict) else None
        is_list = isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List")
        out.extend(items if is_list and isinstance(items, list) else [doc])
    return out
