"""The plan validator's calls into the modules that own each domain check.

Each function takes the :class:`~infra_toolkit.plan_fields.FieldReader` collecting problems, the
thing to check and its path in the plan, and records the owner's verdict under that path
(``proposed.workloads[0].hpa: spec.minReplicas ...``). The plan validator never re-implements a
domain rule: HPA rules belong to ``hpa``, resources and price keys to ``cost``/``pricing``,
traffic files and shapes to ``traffic``. This module also reads the files a plan references.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.cluster_config import ClusterConfig, cluster_config_from_dict
from infra_toolkit.errors import SpecError
from infra_toolkit.plan import CsvTraffic, Manifest, Resource, SyntheticTraffic
from infra_toolkit.plan_fields import FieldReader, did_you_mean, join_path
from infra_toolkit.plan_yaml import PlanLoader

__all__ = [
    "RESOURCE_TYPES",
    "check_csv_traffic",
    "check_deployment",
    "check_hpa",
    "check_pricing_overrides",
    "check_resources",
    "check_synthetic_traffic",
    "load_cluster_config",
    "load_manifest",
    "referenced_file",
]

#: Terraform resource types the cost model prices (until ``cost`` publishes its own registry).
RESOURCE_TYPES = ("aws_instance", "aws_ebs_volume", "aws_db_instance", "aws_eks_cluster",
                  "aws_eks_node_group", "aws_elasticache_replication_group", "aws_lb",
                  "aws_nat_gateway", "aws_data_transfer")

_API_VERSIONS = {"Deployment": ("apps/v1",),
                 "HorizontalPodAutoscaler": ("autoscaling/v2",)}


def referenced_file(r: FieldReader, value: Any, path: str, base_dir: Path) -> Path | None:
    """The file named by ``value`` (relative to the plan's folder), or ``None`` after recording
    why it cannot be used (not text, absolute, missing, a folder)."""
    text = r.text(value, path)
    if text is None:
        return None
    if Path(text).is_absolute():
        r.add(path, f"{text!r} is absolute; write it relative to the plan file's folder so the "
                    "plan and its digest are the same on every machine")
        return None
    full = base_dir / text
    if not full.exists():
        siblings = [p.name for p in full.parent.iterdir()] if full.parent.is_dir() else []
        hint = did_you_mean(full.name, siblings) if siblings else \
            f"; folder {full.parent.name!r} does not exist either"
        r.add(path, f"file {text!r} not found (relative to {base_dir.name}/){hint}")
        return None
    if not full.is_file():
        r.add(path, f"{text!r} is a folder, not a file; name the file")
        return None
    return full


def _yaml_documents(r: FieldReader, file: Path, path: str) -> list[Any] | None:
    try:
        text = file.read_text(encoding="utf-8")
        return [d for d in yaml.load_all(text, Loader=PlanLoader) if d is not None]
    except (OSError, UnicodeDecodeError) as exc:
        r.add(path, f"cannot read {file.name}: {exc}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file.name}:{mark.line + 1}" if mark is not None else file.name
        r.add(path, f"{where}: YAML syntax error: {getattr(exc, 'problem', None) or exc}; fix "
                    "the manifest")
    return None


def load_manifest(r: FieldReader, value: Any, path: str, base_dir: Path, kind: str
                  ) -> Manifest | None:
    """A ``kind`` document given inline (a mapping) or by path (the file's first document of that
    kind; a file may hold several documents separated by ``---``)."""
    file = None
    if isinstance(value, Mapping):
        doc: Any = value
    else:
        file = referenced_file(r, value, path, base_dir)
        docs = _yaml_documents(r, file, path) if file is not None else None
        if file is None or docs is None:
            return None
        kinds = [d.get("kind") for d in docs if isinstance(d, Mapping)]
        doc = next((d for d in docs if isinstance(d, Mapping) and d.get("kind") == kind), None)
        if doc is None:
            r.add(path, f"{file.name} holds no {kind} (kinds found: "
                        f"{', '.join(map(str, kinds)) or 'none'}); point at the {kind} manifest")
            return None
    where = file.name if file else "inline manifest"
    if doc.get("kind") != kind:
        r.add(path, f"{where}: kind {doc.get('kind')!r} is not {kind}")
        return None
    allowed = _API_VERSIONS[kind]
    if doc.get("apiVersion") not in allowed:
        r.add(path, f"{where}: apiVersion {doc.get('apiVersion')!r} is not supported for {kind}; "
                    f"use {' or '.join(allowed)}")
        return None
    meta = doc.get("metadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("name"), str):
        r.add(path, f"{where}: metadata.name is missing; name the {kind}")
        return None
    return Manifest(kind, doc, file)


def load_cluster_config(r: FieldReader, value: Any, path: str, base_dir: Path
                        ) -> tuple[Manifest, ClusterConfig] | None:
    """The eksctl ``ClusterConfig`` at ``value`` (a path), read by its reader; its problems are
    recorded under ``path`` with the file's own field paths."""
    file = referenced_file(r, value, path, base_dir)
    docs = _yaml_documents(r, file, path) if file is not None else None
    if file is None or docs is None:
        return None
    doc = next((d for d in docs if isinstance(d, Mapping) and d.get("kind") == "ClusterConfig"),
               docs[0] if docs else None)
    if not isinstance(doc, Mapping):
        r.add(path, f"{file.name} holds no ClusterConfig mapping; point at an eksctl "
                    "ClusterConfig file")
        return None
    try:
        config = cluster_config_from_dict(doc, file.name)
    except SpecError as exc:
        for line in str(exc).splitlines():
            r.add(path, line)
        return None
    return Manifest("ClusterConfig", doc, file), config


def check_hpa(r: FieldReader, hpa: Manifest, path: str) -> None:
    """HPA rules (min/max replicas, metrics, behavior) belong to ``hpa.hpa_from_dict``.

    Not wired yet: the HPA branch has not landed. Until then only the scale target is checked
    (by the workload reader)."""


def check_deployment(r: FieldReader, deployment: Manifest, path: str) -> None:
    """Deployment rules (container resource requests, probes) belong to the simulator's
    Deployment reader (``manifests.read_deployment_yaml``). Not wired yet."""


def check_resources(r: FieldReader, resources: Sequence[tuple[str, Resource]],
                    region: str | None) -> None:
    """Resource attributes and known price keys (instance/RDS/cache classes, engines, region)
    belong to ``cost``/``pricing``; ``resources`` pairs each resource with its path and
    ``region`` is ``None`` when the plan's region is itself invalid. Not wired yet: only the
    resource type is checked here."""
    for path, res in resources:
        if res.type not in RESOURCE_TYPES:
            r.add(join_path(path, "type"),
                  f"{res.type!r} is not a resource type the cost model prices"
                  f"{did_you_mean(res.type, RESOURCE_TYPES)}")


def check_csv_traffic(r: FieldReader, traffic: CsvTraffic, path: str) -> None:
    """CSV format, gaps and the ``start``/``end`` window belong to ``traffic.read_traffic_csv``.
    Not wired yet: only the file's existence is checked (by :func:`referenced_file`)."""


def check_synthetic_traffic(r: FieldReader, traffic: SyntheticTraffic, path: str) -> None:
    """Shape names and their parameters belong to ``traffic``. Not wired yet."""


def check_pricing_overrides(r: FieldReader, paths: Sequence[Path], path: str) -> None:
    """Override-file format belongs to ``pricing``. Not wired yet."""
