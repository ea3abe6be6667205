"""The files a plan references, read for the validator: a path checked and resolved against
the plan's folder (:func:`referenced_file`: a missing file names its nearest neighbours), its
YAML documents, and the owners' readers over them (:func:`load_manifest`: a workload's
Deployment, StatefulSet or Argo Rollout, or its HPA, chosen from a file of several, `kind: List`
files too; :func:`load_budget_files`, :func:`load_cluster_config`, :func:`load_node_pools`).
Each records its problems on the :class:`~infra_toolkit.plan_fields.FieldReader` under the
plan path that names the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.eksctl_config import (
    ClusterConfig,
    cluster_config_document,
    cluster_config_from_dict,
)
from infra_toolkit.errors import SpecError, not_utf8, quoted, shown
from infra_toolkit.karpenter_manifests import NodePool, node_pools_from_documents
from infra_toolkit.manifest_documents import manifest_objects
from infra_toolkit.manifests import WORKLOAD_API_VERSIONS, workload_kinds_text
from infra_toolkit.plan_architecture import Manifest
from infra_toolkit.plan_domain import spec_problems
from infra_toolkit.plan_fields import FieldReader, did_you_mean, join_path
from infra_toolkit.plan_yaml import (
    TAB_FIX,
    ManifestLoader,
    PlanLoader,
    StructureError,
    refused_character,
    syntax_problem,
    yaml_line_index,
)

__all__ = ["load_budget_files", "load_cluster_config", "load_manifest", "load_node_pools",
           "referenced_file"]


# an HPA's apiVersion is checked by hpa_versions, which reads v2beta2 and v1 as the API
# server serves them and gives the v2beta1 migration
_API_VERSIONS = {kind: (api,) for kind, api in WORKLOAD_API_VERSIONS.items()}


def referenced_file(r: FieldReader, value: Any, path: str, base_dir: Path) -> Path | None:
    """The file named by ``value`` (relative to the plan's folder), or ``None`` after recording
    why it cannot be used (not text, absolute, missing, a folder)."""
    text = r.text(value, path)
    if text is None:
        return None
    if Path(text).is_absolute():
        r.add(path, f"{quoted(text)} is absolute; write it relative to the plan file's folder so "
                    "the plan and its digest are the same on every machine")
        return None
    full = base_dir / text
    try:
        return _existing_file(r, text, full, path, base_dir)
    except OSError as exc:  # a name the OS cannot look up: too long (ENAMETOOLONG)
        why = exc.strerror or str(exc)
        r.add(path, f"{quoted(text)} cannot be used as a file name ({why}); name an existing file "
                    "relative to the plan file's folder")
        return None


def _existing_file(r: FieldReader, text: str, full: Path, path: str,
                   base_dir: Path) -> Path | None:
    """``full`` when it is a regular file, else ``None`` after recording why it is not."""
    if not full.exists():
        r.add(path, f"file {quoted(text)} not found (relative to {base_dir.name}/)"
                    f"{_missing_file_hint(text, full, base_dir)}")
        return None
    if full.is_dir():
        r.add(path, f"{quoted(text)} is a folder, not a file; name the file")
        return None
    if not full.is_file():  # a pipe or a device such as /dev/zero: reading it may never end
        r.add(path, f"{quoted(text)} is not a regular file (a pipe, socket or device); name a file")
        return None
    return full


def _missing_file_hint(text: str, full: Path, base_dir: Path) -> str:
    """Why ``text`` (relative to ``base_dir``) names no file, and the path that would: the file
    written relative to the folder the command runs in, or with a folder too many in front
    (``plan/traces/day.csv`` for ``traces/day.csv``), is named as the plan must write it; else a
    close name in its folder, or the first folder of the path that does not exist."""
    parts = Path(text).parts
    tails = [Path(*parts[k:]) for k in range(1, len(parts))]
    found = [Path(text)] if Path(text).is_file() else []  # relative to the working folder
    found += [base_dir / t for t in tails if (base_dir / t).is_file()]
    if found:
        fix = Path(os.path.relpath(found[0], base_dir)).as_posix()
        return (f"; did you mean {quoted(fix)}? Paths in a plan are relative to the plan file's "
                "folder, not to the folder the command runs in")
    if full.parent.is_dir():
        return did_you_mean(full.name, [p.name for p in full.parent.iterdir()])
    missing = next((k for k in range(1, len(parts)) if not (base_dir / Path(*parts[:k])).is_dir()),
                   len(parts) - 1)
    return f"; folder {quoted(Path(*parts[:missing]).as_posix())} does not exist either"


def _yaml_documents(r: FieldReader, file: Path, path: str) -> list[Any] | None:
    try:
        text = file.read_text(encoding="utf-8")
        # YAML keeps the last of a key written twice, which kubectl's strict field validation
        # refuses: the plan would be simulated with a value the reader of the first missed
        twice = [d for node in yaml.compose_all(text, Loader=PlanLoader)
                 if node is not None for d in yaml_line_index(node)[1]]
        if twice:
            key, line = twice[0]
            r.add(path, f"{file.name}:{line}: {key}: this key is written twice in the same "
                        "mapping and YAML keeps only the last one (kubectl refuses it); delete "
                        "or rename one")
            return None
        return [d for d in yaml.load_all(text, Loader=ManifestLoader) if d is not None]
    except UnicodeDecodeError as exc:  # it said Python's "'utf-8' codec can't decode byte"
        r.add(path, f"{file.name} {not_utf8(exc)}; save it as UTF-8 YAML")
    except OSError as exc:
        r.add(path, f"cannot read {file.name}: {exc}")
    except yaml.reader.ReaderError as exc:
        at, what = refused_character(exc, text)
        r.add(path, f"{file.name}:{at}: YAML syntax error: {what}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file.name}:{mark.line + 1}" if mark is not None else file.name
        if isinstance(exc, StructureError):  # its problem says what to write instead
            r.add(path, f"{where}: {exc.problem}")
        else:
            detail = syntax_problem(exc, text)
            fix = "" if detail.endswith(TAB_FIX) else "; fix the manifest"
            r.add(path, f"{where}: YAML syntax error: {detail}{fix}")
    return None


def load_manifest(r: FieldReader, value: Any, path: str, base_dir: Path,
                  kind: str | tuple[str, ...],
                  choose: Callable[[Mapping[str, Any]], bool] | None = None,
                  choice: str = "") -> Manifest | None:
    """A document of ``kind`` (or of one of the kinds) given inline (a mapping) or by path (a
    file may hold several documents separated by ``---``, or a ``kind: List`` as ``kubectl get
    -o yaml`` writes). A file with one document of the kind gives it; with several, the one
    ``choose`` accepts (``choice`` says which that is, for the error when none or several
    are): never silently the first, which would give two workloads one manifest."""
    kinds = (kind,) if isinstance(kind, str) else kind
    wanted = workload_kinds_text(kinds)
    file = None
    if isinstance(value, Mapping):
        doc: Any = value
    else:
        file = referenced_file(r, value, path, base_dir)
        docs = _yaml_documents(r, file, path) if file is not None else None
        if file is None or docs is None:
            return None
        docs = manifest_objects(docs)
        found = [d.get("kind") for d in docs if isinstance(d, Mapping)]
        of_kind = [d for d in docs if isinstance(d, Mapping) and d.get("kind") in kinds]
        if not of_kind:
            r.add(path, f"{file.name} holds no {wanted} (kinds found: "
                        f"{', '.join(shown(str(k)) for k in found) or 'none'}); point at the "
                        f"{wanted} manifest")
            return None
        doc = of_kind[0]
        if len(of_kind) > 1:
            chosen = [d for d in of_kind if choose is not None and choose(d)]
            if len(chosen) != 1:
                names = ", ".join(_described(d) for d in of_kind)
                r.add(path, f"{file.name} holds {len(of_kind)} {wanted} manifests ({names}) "
                            f"and {'none' if not chosen else len(chosen)} of them "
                            f"{'is' if not chosen else 'are'} "
                            f"{choice or 'the one meant'}; make exactly one so, or point at a "
                            "file holding only it")
                return None
            doc = chosen[0]
    budgets = () if file is None or docs is None else tuple(
        d for d in docs if isinstance(d, Mapping) and d.get("kind") == "PodDisruptionBudget")
    classes = () if file is None or docs is None else tuple(
        d for d in docs if isinstance(d, Mapping) and d.get("kind") == "StorageClass")
    where = file.name if file else "inline manifest"
    if doc.get("kind") not in kinds:
        r.add(path, f"{where}: kind {quoted(doc.get('kind'))} is not {wanted}")
        return None
    doc_kind = str(doc["kind"])
    allowed = _API_VERSIONS.get(doc_kind)
    # an HPA's version is worded by its reader (hpa_versions): v2beta1 with its migration
    if allowed is not None and doc.get("apiVersion") not in allowed:
        r.add(path, f"{where}: apiVersion {quoted(doc.get('apiVersion'))} is not supported for "
                    f"{doc_kind}; use {' or '.join(allowed)}")
        return None
    meta = doc.get("metadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("name"), str):
        r.add(path, f"{where}: metadata.name is missing; name the {doc_kind}")
        return None
    return Manifest(doc_kind, doc, file, budgets, classes)


def load_budget_files(r: FieldReader, value: Any, path: str, base_dir: Path
                      ) -> tuple[tuple[Path, tuple[Mapping[str, Any], ...], str], ...] | None:
    """The PodDisruptionBudget documents of each file ``value`` names (a path, or a list of
    paths, relative to the plan's folder; a file may hold several documents or a ``kind:
    List``), with the file and its plan path (``path``, or ``path[i]`` in a list); ``None``
    after recording why one cannot be used (as
    :func:`referenced_file`, or a file holding no PodDisruptionBudget)."""
    listed = isinstance(value, list)
    if listed and not value:
        r.add(path, "is an empty list; name the files holding the workload's "
                    "PodDisruptionBudgets, or leave disruption_budgets out")
        return None
    before, out = r.count(), []
    for i, item in enumerate(value if listed else [value]):
        at = join_path(path, i) if listed else path
        file = referenced_file(r, item, at, base_dir)
        docs = _yaml_documents(r, file, at) if file is not None else None
        if file is None or docs is None:
            continue
        docs = manifest_objects(docs)
        budgets = tuple(d for d in docs if isinstance(d, Mapping)
                        and d.get("kind") == "PodDisruptionBudget")
        if not budgets:
            found = ", ".join(shown(str(d.get("kind"))) for d in docs if isinstance(d, Mapping))
            r.add(at, f"{file.name} holds no PodDisruptionBudget (kinds found: "
                      f"{found or 'none'}); point at the file holding the workload's budgets")
            continue
        out.append((file, budgets, at))
    return None if r.count() > before else tuple(out)


def _name_of(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata")
    return str(meta.get("name")) if isinstance(meta, Mapping) else "?"


def _described(doc: Mapping[str, Any]) -> str:
    """``Kind/name``, and for an HPA what it scales: the HPA is chosen by its target, so the
    reader needs the targets to see why none (or two) fit, such as an Argo ``Rollout``."""
    spec = doc.get("spec")
    ref = spec.get("scaleTargetRef") if isinstance(spec, Mapping) else None
    # each part shown: a kind or name with a line break split validate's one-line problem
    target = (f" scaling {shown(str(ref.get('kind')))}/{shown(str(ref.get('name')))}"
              if doc.get("kind") == "HorizontalPodAutoscaler" and isinstance(ref, Mapping)
              else "")
    return f"{shown(str(doc.get('kind')))}/{shown(_name_of(doc))}{target}"


def load_cluster_config(r: FieldReader, value: Any, path: str, base_dir: Path
                        ) -> tuple[Manifest, ClusterConfig] | None:
    """The eksctl ``ClusterConfig`` at ``value`` (a path), read by its reader; its problems are
    recorded under ``path`` with the file's own field paths."""
    file = referenced_file(r, value, path, base_dir)
    docs = _yaml_documents(r, file, path) if file is not None else None
    if file is None or docs is None:
        return None
    try:  # the plan reads the file as `eksctl` and `simulate` do: one ClusterConfig
        doc = cluster_config_document(docs, file.name)
    except SpecError as exc:
        r.add(path, str(exc))
        return None
    if not isinstance(doc, Mapping):
        r.add(path, f"{file.name} holds no ClusterConfig mapping; point at an eksctl "
                    "ClusterConfig file")
        return None
    try:
        config = cluster_config_from_dict(doc, file.name)
    except SpecError as exc:
        spec_problems(r, path, exc)
        return None
    return Manifest("ClusterConfig", doc, file), config


def load_node_pools(r: FieldReader, value: Any, path: str, base_dir: Path
                    ) -> tuple[Manifest, tuple[NodePool, ...]] | None:
    """The Karpenter ``NodePool`` s (with their ``EC2NodeClass`` es) of the file at ``value``,
    read by :mod:`infra_toolkit.karpenter_manifests`; its problems are recorded under ``path``
    with the file's own object and field paths."""
    file = referenced_file(r, value, path, base_dir)
    docs = _yaml_documents(r, file, path) if file is not None else None
    if file is None or docs is None:
        return None
    try:
        pools = node_pools_from_documents(manifest_objects(docs), file.name)
    except SpecError as exc:
        spec_problems(r, path, exc)
        return None
    first = next(d for d in manifest_objects(docs)
                 if isinstance(d, Mapping) and d.get("kind") == "NodePool")
    return Manifest("NodePool", first, file), pools
