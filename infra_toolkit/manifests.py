"""Reading real Kubernetes YAML files into the toolkit's specs.

``read_hpa_yaml`` reads an autoscaling/v2 HorizontalPodAutoscaler from a file that may hold
several documents (``---``), as ``kubectl apply -f`` files often do. Errors name the file, and the
line for malformed YAML.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_api import KIND, hpa_from_dict
from infra_toolkit.hpa_spec import HPASpec

__all__ = ["read_hpa_yaml"]


def _load_documents(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(
            f"{where}: malformed YAML ({problem}); fix the indentation or quoting on that line"
        ) from None


def read_hpa_yaml(
    path: str | os.PathLike[str], name: str | None = None, *, gate_scale_to_zero: bool = True
) -> HPASpec:
    """The HorizontalPodAutoscaler in a YAML file, API defaults applied (see ``hpa_from_dict``).

    With several HPAs in the file, ``name`` (``metadata.name``) picks one. Raises
    :class:`SpecError` naming the file when it cannot be read, is not YAML, holds no (or no such)
    HPA, or the HPA is invalid.
    """
    path = Path(path)
    documents = _load_documents(path)
    hpas = [
        doc for doc in documents if isinstance(doc, dict) and doc.get("kind") == KIND
    ]
    if name is not None:
        hpas = [doc for doc in hpas if (doc.get("metadata") or {}).get("name") == name]
    if not hpas:
        kinds = sorted({str(doc.get("kind")) for doc in documents if isinstance(doc, dict)})
        found = ", ".join(kinds) if kinds else "no Kubernetes objects"
        wanted = f"{KIND} named {name!r}" if name is not None else KIND
        raise SpecError(
            f"{path} holds no {wanted} (found: {found}); "
            "point to the file with the HPA manifest (kind: HorizontalPodAutoscaler)"
        )
    if len(hpas) > 1:
        names = ", ".join(str((doc.get("metadata") or {}).get("name")) for doc in hpas)
        raise SpecError(
            f"{path} holds {len(hpas)} HorizontalPodAutoscalers ({names}); "
            "pass name= to choose one"
        )
    return hpa_from_dict(hpas[0], source=str(path), gate_scale_to_zero=gate_scale_to_zero)
