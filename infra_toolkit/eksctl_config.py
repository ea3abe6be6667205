"""Reading an eksctl ``ClusterConfig`` (``eksctl.io/v1alpha5``) into node group descriptions.

Only what planning needs is read: the cluster name, region and Kubernetes version, and for each
managedNodeGroups / nodeGroups entry its name, instance types, size bounds, capacity type
(spot: true = SPOT), volume size and type, labels and taints; other eksctl fields are left to
eksctl. minSize and maxSize are required (the simulation needs the bounds); desiredCapacity
defaults to minSize. Errors name the file and each bad field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.errors import SpecError
from infra_toolkit.plan_fields import FieldReader, join_path
from infra_toolkit.plan_yaml import PlanLoader, refused_character

__all__ = [
    "EKSCTL_DEFAULT_VOLUME_SIZE_GIB",
    "EKSCTL_DEFAULT_VOLUME_TYPE",
    "ClusterConfig",
    "NodeGroupConfig",
    "cluster_config_from_dict",
    "read_cluster_config",
]

CLUSTER_CONFIG_API = "eksctl.io/v1alpha5"
_CAPACITY_TYPES = ("ON_DEMAND", "SPOT")
# eksctl's volumeType values
_EKSCTL_VOLUME_TYPES = ("gp2", "gp3", "io1", "io2", "sc1", "st1")
# What eksctl gives a node group's root volume when the ClusterConfig leaves volumeSize /
# volumeType out: 80 GiB (eksctl's DefaultNodeVolumeSize; for managed node groups since the fix of
# https://github.com/eksctl-io/eksctl/issues/3540, before which they got the launch template's
# 20 GiB) of gp3 (DefaultNodeVolumeType since https://github.com/eksctl-io/eksctl/pull/3078).
# The eksctl user guide's own example states volumeSize: 80
# (https://docs.aws.amazon.com/eks/latest/eksctl/nodegroup-additional-volume-mappings.html).
EKSCTL_DEFAULT_VOLUME_SIZE_GIB = 80
EKSCTL_DEFAULT_VOLUME_TYPE = "gp3"


@dataclass(frozen=True)
class NodeGroupConfig:
    """A node group as configured (eksctl ``managedNodeGroups`` or ``aws_eks_node_group``):
    instance types and size bounds (node counts), not yet the simulator's node model.
    ``taints`` are ``key=value:Effect`` strings. ``disk_size_gib`` and ``volume_type`` are the
    nodes' root volume (``None``: left to eksctl's defaults, :data:`EKSCTL_DEFAULT_VOLUME_SIZE_GIB`
    GiB of :data:`EKSCTL_DEFAULT_VOLUME_TYPE`)."""

    name: str
    instance_types: tuple[str, ...]
    min_size: int
    max_size: int
    desired_size: int
    capacity_type: str = "ON_DEMAND"
    disk_size_gib: int | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[str, ...] = ()
    volume_type: str | None = None

    def __post_init__(self) -> None:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise SpecError(f"node group {self.name!r}: need min_size <= desired_size <= "
                            f"max_size, got {self.min_size} <= {self.desired_size} <= "
                            f"{self.max_size}")
        if self.capacity_type not in _CAPACITY_TYPES:
            raise SpecError(f"node group {self.name!r}: capacity_type {self.capacity_type!r} "
                            f"is not one of {', '.join(_CAPACITY_TYPES)}")


@dataclass(frozen=True)
class ClusterConfig:
    """The parts of an eksctl ``ClusterConfig`` a plan uses."""

    name: str
    region: str
    version: str | None
    node_groups: tuple[NodeGroupConfig, ...]


def _labels(r: FieldReader, m: Mapping[str, Any], p: str) -> dict[str, str]:
    raw = r.mapping(m.get("labels", {}), join_path(p, "labels"))
    return {k: str(v) for k, v in (raw or {}).items()}


def _taints(r: FieldReader, m: Mapping[str, Any], p: str) -> tuple[str, ...]:
    raw = m.get("taints", [])
    if not isinstance(raw, list):
        r.add(join_path(p, "taints"), "expected a list of {key, value, effect}")
        return ()
    out = []
    for i, t in enumerate(raw):
        tp = join_path(join_path(p, "taints"), i)
        t = r.mapping(t, tp, required=("key", "effect"))
        effect = r.str_(t, "effect", tp, choices=("NoSchedule", "PreferNoSchedule",
                                                  "NoExecute")) if t else None
        if t and effect:
            out.append(f"{t['key']}={t.get('value', '')}:{effect}")
    return tuple(out)


def _node_group(r: FieldReader, m: Mapping[str, Any], p: str) -> NodeGroupConfig | None:
    before = r.count()
    name = r.str_(m, "name", p)
    types: tuple[str, ...] | None = None
    if "instanceTypes" in m:
        types = r.str_list(m, "instanceTypes", p)
    if "instanceType" in m:
        single = r.str_(m, "instanceType", p)
        types = None if single is None or types else (single,)
        if "instanceTypes" in m:
            r.add(join_path(p, "instanceType"), "give instanceType or instanceTypes, not both")
    if "instanceType" not in m and "instanceTypes" not in m:
        r.add(join_path(p, "instanceType"), "missing: the plan needs the instance type to "
                                            "simulate and price the nodes")
    min_size = r.int_(m, "minSize", p, minimum=0)
    max_size = r.int_(m, "maxSize", p, minimum=1)
    desired = r.int_(m, "desiredCapacity", p, required=False, minimum=0, default=min_size)
    spot = r.bool_(m, "spot", p, default=False)
    disk = r.int_(m, "volumeSize", p, required=False, minimum=1)
    volume_type = r.str_(m, "volumeType", p, required=False, choices=_EKSCTL_VOLUME_TYPES)
    labels, taints = _labels(r, m, p), _taints(r, m, p)
    if r.count() > before or None in (name, types, min_size, max_size, desired):
        return None
    assert name and types is not None and min_size is not None and max_size is not None
    assert desired is not None
    try:
        return NodeGroupConfig(name, types, min_size, max_size, desired,
                               "SPOT" if spot else "ON_DEMAND", disk, labels, taints,
                               volume_type)
    except SpecError:
        r.add(join_path(p, "desiredCapacity"), f"need minSize <= desiredCapacity <= maxSize, got "
                                       f"{min_size} <= {desired} <= {max_size}")
        return None


def cluster_config_from_dict(doc: Any, source: str = "ClusterConfig") -> ClusterConfig:
    """Read a loaded ``ClusterConfig`` document; raises :class:`SpecError` listing every bad
    field (one ``source: field.path: what; fix`` per line)."""
    r = FieldReader()
    m = r.mapping(doc, "", required=("apiVersion", "kind", "metadata"))
    config = None
    if m is not None:
        if m.get("kind") != "ClusterConfig":
            r.add("kind", f"{m.get('kind')!r} is not ClusterConfig; give an eksctl ClusterConfig")
        if m.get("apiVersion") != CLUSTER_CONFIG_API:
            r.add("apiVersion", f"{m.get('apiVersion')!r} is not supported; use "
                                f"{CLUSTER_CONFIG_API}")
        meta = r.mapping(m.get("metadata"), "metadata", required=("name", "region"))
        name = r.str_(meta, "name", "metadata") if meta else None
        region = r.str_(meta, "region", "metadata") if meta else None
        version = r.str_(meta, "version", "metadata", required=False) if meta else None
        groups = []
        for key in ("managedNodeGroups", "nodeGroups"):
            for i, item in enumerate(r.list_(m, key, "", required=False, nonempty=False) or []):
                p = join_path(key, i)
                ng = r.mapping(item, p, required=("name",))
                group = _node_group(r, ng, p) if ng is not None else None
                if group is not None:
                    groups.append(group)
        if not m.get("managedNodeGroups") and not m.get("nodeGroups"):
            r.add("managedNodeGroups", "no node groups; add managedNodeGroups with instanceType, "
                                       "minSize and maxSize")
        r.unique_names([(join_path("nodeGroups", i), g.name) for i, g in enumerate(groups)],
                       "node group")
        if not r.problems and name and region:
            config = ClusterConfig(name, region, version, tuple(groups))
    if config is None:
        raise SpecError("\n".join(f"{source}: {p}" for p in r.problems))
    return config


def read_cluster_config(path: str | Path) -> ClusterConfig:
    """Read the eksctl ``ClusterConfig`` YAML file at ``path`` (the first document of that kind).

    Raises :class:`SpecError` naming the file and each bad field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        docs = [d for d in yaml.load_all(text, Loader=PlanLoader) if d is not None]
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}") from None
    except yaml.reader.ReaderError as exc:
        at, what = refused_character(exc, text)
        raise SpecError(f"{path}:{at}: YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{path}{line}: YAML syntax error: "
                        f"{getattr(exc, 'problem', None) or exc}") from None
    chosen = next((d for d in docs if isinstance(d, Mapping) and d.get("kind") == "ClusterConfig"),
                  docs[0] if docs else None)
    return cluster_config_from_dict(chosen, str(path))
