"""A plan side's node groups: from the eksctl ``ClusterConfig`` when ``cluster_config`` is
given, else from the ``aws_eks_node_group`` resources; those of Karpenter NodePools from the
``node_pools`` file (:mod:`infra_toolkit.plan_node_pools`), each priced by the
``aws_eks_node_group`` of its name. When both exist they must agree (name, instance types,
min/max size, capacity type, taints, AMI family, root volumes): the simulation runs on the
ClusterConfig's groups while the cost model prices the resources, so a mismatch would price
something other than what is simulated.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from infra_toolkit.cost_components import EBS_GP3_BASELINE_IOPS, EBS_GP3_BASELINE_MIBPS
from infra_toolkit.eksctl_config import (
    EKSCTL_DEFAULT_VOLUME_SIZE_GIB,
    EKSCTL_DEFAULT_VOLUME_TYPE,
    NodeGroupConfig,
)
from infra_toolkit.errors import SpecError, quoted
from infra_toolkit.karpenter_manifests import NodePool
from infra_toolkit.plan_architecture import Manifest
from infra_toolkit.plan_fields import FieldReader, did_you_mean, join_path
from infra_toolkit.plan_files import load_cluster_config
from infra_toolkit.plan_node_pools import node_pool_groups
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resource_types import LAUNCH_TEMPLATE_EBS
from infra_toolkit.resources import Resource

__all__ = ["declared_group_names", "node_groups"]

# Terraform's taint effects, and the Kubernetes spelling the simulator and eksctl use
_TAINT_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute",
                  "PREFER_NO_SCHEDULE": "PreferNoSchedule"}


def _resource_taints(r: FieldReader, raw: Mapping[str, Any], path: str) -> tuple[str, ...]:
    """The ``taint`` blocks of an ``aws_eks_node_group`` (Terraform: ``key``, optional
    ``value``, ``effect`` NO_SCHEDULE / NO_EXECUTE / PREFER_NO_SCHEDULE) as ``key=value:Effect``
    strings; the cost model ignores them, the scheduler does not."""
    blocks = raw.get("taint", [])
    tp = join_path(path, "taint")
    if not isinstance(blocks, list):
        r.add(tp, "expected a list of {key, value, effect} (Terraform's repeated taint block)")
        return ()
    out = []
    for i, block in enumerate(blocks):
        bp = join_path(tp, i)
        t = r.mapping(block, bp, ("key", "value", "effect"), ("key", "effect"))
        key = r.str_(t, "key", bp) if t else None
        effect = r.str_(t, "effect", bp, choices=tuple(_TAINT_EFFECTS)) if t else None
        value = r.str_(t, "value", bp, required=False) if t else None
        if key and effect:
            out.append(f"{key}={value or ''}:{_TAINT_EFFECTS[effect]}")
    return tuple(out)


def _resource_labels(r: FieldReader, raw: Mapping[str, Any], path: str) -> dict[str, str]:
    """The ``labels`` map of an ``aws_eks_node_group`` (Kubernetes labels of its nodes); the
    cost model ignores them, the scheduler matches nodeSelectors against them."""
    lp = join_path(path, "labels")
    labels = r.mapping(raw.get("labels", {}), lp) or {}
    out = {}
    for key, value in labels.items():
        if not isinstance(value, str):
            r.add(join_path(lp, str(key)), f"{quoted(value)} must be a string (a Kubernetes label "
                                           "value); quote it")
        else:
            out[str(key)] = value
    return out


class _Source(NamedTuple):
    """Where configured node groups come from, as the agreement messages name it."""

    document: str  # the ClusterConfig
    creator: str  # eksctl
    size_field: str  # volumeSize
    type_field: str  # volumeType
    family_field: str  # amiFamily
    iops_field: str  # volumeIOPS
    throughput_field: str  # volumeThroughput


_EKSCTL = _Source("the ClusterConfig", "eksctl", "volumeSize", "volumeType", "amiFamily",
                  "volumeIOPS", "volumeThroughput")
_KARPENTER = _Source("the NodePool file", "Karpenter", "blockDeviceMappings volumeSize (summed)",
                     "blockDeviceMappings volumeType", "EC2NodeClass AMI family",
                     "blockDeviceMappings ebs.iops", "blockDeviceMappings ebs.throughput")

# eksctl amiFamily / Karpenter's (by prefix) -> the Terraform ami_type prefix of that AMI family
_AMI_FAMILIES = (("AmazonLinux2023", "AL2023_"), ("AmazonLinux2", "AL2_"), ("AL2023", "AL2023_"),
                 ("AL2", "AL2_"), ("Bottlerocket", "BOTTLEROCKET_"), ("Windows", "WINDOWS_"),
                 ("Ubuntu", "CUSTOM"), ("Custom", "CUSTOM"))


def _ami_agrees(r: FieldReader, group: NodeGroupConfig, ami_type: str, path: str,
                src: _Source) -> None:
    """The configured AMI family (when stated) against the priced node group's ``ami_type``."""
    if group.ami_family is None:
        return
    prefix = next((t for f, t in _AMI_FAMILIES if group.ami_family.startswith(f)), None)
    if prefix is not None and not ami_type.startswith(prefix):
        r.add(join_path(path, "ami_type"),
              f"{quoted(ami_type)} is not of {src.document}'s {src.family_field} "
              f"{quoted(group.ami_family)} (ami_type {prefix}...) for node group "
              f"{quoted(group.name)}; make them agree so the priced nodes (and their volumes) "
              f"are the ones {src.creator} creates")


def _group_from_resource(r: FieldReader, res: Resource, raw: Any, path: str
                         ) -> NodeGroupConfig | None:
    """A validated ``aws_eks_node_group`` as a node group, named by its ``node_group_name`` (as
    written; the cost model does not keep it) or else its resource name; its root volume is its
    launch template's, else EKS's own (gp2 of ``disk_size`` GiB)."""
    a = res.attributes
    name = raw.get("node_group_name") if isinstance(raw, Mapping) else None
    if name is not None and not isinstance(name, str):
        # read as no name, the group was named after the resource without a word
        r.add(join_path(path, "node_group_name"),
              f"{quoted(name)} is not a node group name; write it as text, e.g. "
              f"node_group_name: {res.name} (or remove it: the group is then named {res.name})")
    taints = _resource_taints(r, raw, path) if isinstance(raw, Mapping) else ()
    labels = _resource_labels(r, raw, path) if isinstance(raw, Mapping) else {}
    disk, vtype = a.get("disk_size"), "gp2"
    iops = throughput = None
    # EKS's own launch template: gp2 of disk_size GiB, 20 when unwritten
    default = "" if not isinstance(raw, Mapping) or "disk_size" in raw else \
        f"EKS's default ({disk} GiB gp2)"
    if res.launch_template is not None:
        default = ""
        lt = res.launch_template.attributes
        disk = lt[f"{LAUNCH_TEMPLATE_EBS}volume_size"]
        vtype = lt[f"{LAUNCH_TEMPLATE_EBS}volume_type"]
        iops = lt.get(f"{LAUNCH_TEMPLATE_EBS}iops")
        throughput = lt.get(f"{LAUNCH_TEMPLATE_EBS}throughput")
    try:
        return NodeGroupConfig(name if isinstance(name, str) and name else res.name,
                               tuple(a["instance_types"]), a["scaling_config.min_size"],
                               a["scaling_config.max_size"], a["scaling_config.desired_size"],
                               a["capacity_type"], disk, labels=labels, taints=taints,
                               volume_type=vtype, volumes_default=default,
                               os="windows" if str(a["ami_type"]).startswith("WINDOWS")
                               else "linux", volume_iops=iops, volume_throughput_mibps=throughput)
    except SpecError:
        return None  # the cost model's own rules report the sizes


def _volumes_agree(r: FieldReader, group: NodeGroupConfig, res: NodeGroupConfig, path: str,
                   template: str | None, src: _Source) -> None:
    """The root volume eksctl creates (what the ClusterConfig states of it, else eksctl's
    defaults: 80 GiB of gp3) against the priced one: the launch template's
    ``block_device_mappings`` (``template`` is its path), else EKS's gp2 of ``disk_size``."""
    for eksctl, attr, ebs_key, default in (
            (src.size_field, "disk_size_gib", "volume_size", EKSCTL_DEFAULT_VOLUME_SIZE_GIB),
            (src.type_field, "volume_type", "volume_type", EKSCTL_DEFAULT_VOLUME_TYPE)):
        stated, mine = getattr(group, attr), getattr(res, attr)
        theirs = default if stated is None else stated
        if mine == theirs:
            continue
        if group.volumes_default:  # Karpenter's per-family volumes: none in the EC2NodeClass
            whose = group.volumes_default
            fix = "state blockDeviceMappings in the EC2NodeClass or make them equal"
        elif stated is not None:
            whose, fix = f"{src.document}'s {eksctl} {quoted(theirs)}", "make them equal"
        else:
            whose = (f"eksctl's default {eksctl} {quoted(theirs)} (the ClusterConfig does not "
                     "state it)")
            fix = f"state {eksctl} in the ClusterConfig or make them equal"
        if template is not None:
            r.add(f"{template}.block_device_mappings[0].ebs.{ebs_key}",
                  f"{quoted(mine)} differs from {whose} for node group {quoted(group.name)}; "
                  f"{fix} so the priced root volumes are the ones {src.creator} creates")
        elif attr == "disk_size_gib":
            r.add(f"{path}.disk_size", f"{quoted(mine)} differs from {whose} for node group "
                  f"{quoted(group.name)}; {fix} so the priced root volumes are the ones "
                  f"{src.creator} creates")
        else:
            r.add(path, f"node group {quoted(group.name)} is priced with EKS's own gp2 root "
                  f"volumes (it names no launch_template) but {whose} is not gp2; add an "
                  f"aws_launch_template whose block_device_mappings ebs gives volume_type "
                  f"{theirs} and the size, name it in the node group's launch_template block"
                  + ("" if res.volumes_default else " and remove disk_size"))


def _performance_agrees(r: FieldReader, group: NodeGroupConfig, res: NodeGroupConfig,
                        template: str, src: _Source) -> None:
    """The IOPS and throughput of the root volume eksctl (or Karpenter, from a node class's one
    block device) creates (``volumeIOPS`` / ``volumeThroughput``, ``ebs.iops`` /
    ``ebs.throughput``; unstated, gp3's 3,000 IOPS and 125 MiB/s) against the launch
    template's priced ``ebs.iops`` / ``ebs.throughput`` (unstated: gp3's free baseline, the
    same figures): a gp3 volume's IOPS above 3,000 and MiB/s above 125 are billed, so a
    configuration raising them over a template that does not was priced too low."""
    vtype = group.volume_type or EKSCTL_DEFAULT_VOLUME_TYPE
    if res.volume_type != vtype:
        return  # the volume type differs: that problem is said, and its figures follow it
    for stated, priced, eksctl, key, gp3 in (
            (group.volume_iops, res.volume_iops, src.iops_field, "iops",
             EBS_GP3_BASELINE_IOPS),
            (group.volume_throughput_mibps, res.volume_throughput_mibps, src.throughput_field,
             "throughput", EBS_GP3_BASELINE_MIBPS)):
        default = gp3 if vtype == "gp3" else None
        theirs = default if stated is None else stated
        mine = default if priced is None else priced
        if theirs == mine:
            continue
        whose = (f"{src.document}'s {eksctl} {quoted(theirs)}" if stated is not None else
                 f"{src.creator}'s default {eksctl} {quoted(theirs)} for {vtype} "
                 f"({src.document} does not state it)")
        written = (quoted(priced) if priced is not None else
                   f"unwritten (priced at {vtype}'s free {mine})" if mine is not None else
                   "unwritten")
        r.add(f"{template}.block_device_mappings[0].ebs.{key}",
              f"{written} differs from {whose} for node group {quoted(group.name)}; write "
              f"{key}: {theirs} in the launch template so the priced root volumes are the ones "
              f"{src.creator} creates")


def _node_groups_agree(r: FieldReader, configured: tuple[NodeGroupConfig, ...],
                       priced: dict[str, tuple[str, NodeGroupConfig, str | None, str]], cp: str,
                       src: _Source = _EKSCTL) -> None:
    for group in configured:
        if group.name not in priced:
            r.add(cp, f"node group {quoted(group.name)} of {src.document} has no "
                      "aws_eks_node_group resource with that node_group_name, so it would not "
                      "be priced"
                      f"{did_you_mean(group.name, priced) if priced else ''}")
            continue
        path, res, template, ami_type = priced[group.name]
        _ami_agrees(r, group, ami_type, path, src)
        for attr, field in (("instance_types", "instance_types"),
                            ("min_size", "scaling_config.min_size"),
                            ("max_size", "scaling_config.max_size"),
                            ("desired_size", "scaling_config.desired_size"),
                            ("capacity_type", "capacity_type"),
                            ("volumes", ""),
                            ("taints", "taint")):
            if attr == "volumes":
                _volumes_agree(r, group, res, path, template, src)
                if template is not None:
                    _performance_agrees(r, group, res, template, src)
                continue
            mine, theirs = getattr(res, attr), getattr(group, attr)
            if attr == "taints":  # a set: the order they are written in does not matter
                mine, theirs = (", ".join(sorted(mine)) or "no taint",
                                ", ".join(sorted(theirs)) or "no taint")
            if mine != theirs:
                r.add(f"{path}.{field}", f"{quoted(mine)} differs from {src.document}'s "
                            f"{quoted(theirs)} for node group {quoted(group.name)}; make them "
                            "equal so the priced and the simulated nodes are the same")
    names = {g.name for g in configured}
    for name, (path, _res, _template, _ami) in priced.items():
        if name not in names:
            r.add(path, f"node group {quoted(name)} is priced but not in {src.document}; add it "
                        "there or remove the resource")


def node_groups(r: FieldReader, m: Mapping[str, Any], p: str, base_dir: Path, region: str | None,
                 resources: tuple[Resource, ...] | None, book: PriceBook | None
                 ) -> tuple[tuple[NodeGroupConfig, ...], Manifest | None, Manifest | None,
                            tuple[NodePool, ...]]:
    """The node groups, the ClusterConfig and the NodePool file they came from and the
    NodePools; with ``resources`` ``None`` (they have problems of their own) the ClusterConfig
    and the NodePools are not compared with them."""
    raw = m["resources"] if isinstance(m.get("resources"), list) else []
    addresses = {f"{i.get('type')}.{i.get('name')}": (j, i) for j, i in enumerate(raw)
                 if isinstance(i, Mapping)}
    priced: dict[str, tuple[str, NodeGroupConfig, str | None, str]] = {}
    for res in resources or ():
        if res.type == "aws_eks_node_group":
            index, item = addresses[res.address]
            rp = join_path(join_path(p, "resources"), index)
            group = _group_from_resource(r, res, item, rp)
            lt = res.launch_template
            template = None if lt is None else join_path(join_path(p, "resources"),
                                                         addresses[lt.address][0])
            if group is not None and group.name in priced:
                # one name, one group: the simulator and the pricing key node groups by name
                r.add(join_path(rp, "node_group_name"),
                      f"node group {quoted(group.name)} is already the node group of "
                      f"{priced[group.name][0]}; EKS names each node group of a cluster once: "
                      "give this aws_eks_node_group its own node_group_name")
            elif group is not None:
                priced[group.name] = (rp, group, template, res.attributes["ami_type"])
    pool_groups: tuple[NodeGroupConfig, ...] = ()
    pool_file: Manifest | None = None
    pools: tuple[NodePool, ...] = ()
    if "node_pools" in m:
        pool_groups, pool_file, pools = node_pool_groups(
            r, m, p, base_dir, priced if resources is not None else None, region, book)
        if resources is not None:
            _node_groups_agree(r, pool_groups, {g.name: priced[g.name] for g in pool_groups},
                               join_path(p, "node_pools"), _KARPENTER)
        priced = {n: v for n, v in priced.items() if n not in {pool.name for pool in pools}}
    if "cluster_config" not in m:
        return (pool_groups + tuple(g for _p, g, _t, _a in priced.values()), None, pool_file,
                pools)
    cp = join_path(p, "cluster_config")
    loaded = load_cluster_config(r, m["cluster_config"], cp, base_dir)
    if loaded is None:
        return pool_groups, None, pool_file, pools
    manifest, config = loaded
    if region is not None and config.region != region:
        r.add(cp, f"the ClusterConfig's metadata.region {quoted(config.region)} differs from "
                  f"{p}.region {quoted(region)}; make them equal")
    pool_names = {pool.name for pool in pools}
    if resources is not None:
        # a group named by a NodePool too is the unique-name problem below, not a missing price
        _node_groups_agree(r, tuple(g for g in config.node_groups if g.name not in pool_names),
                           priced, cp)
    r.unique_names([(cp, g.name) for g in config.node_groups] +
                   [(join_path(p, "node_pools"), pool.name) for pool in pools], "node group")
    return config.node_groups + pool_groups, manifest, pool_file, pools


def declared_group_names(raw: Any) -> set[str]:
    """The names the ``aws_eks_node_group`` items of a raw resources list give their groups
    (``node_group_name``, else ``name``), read without validating the items."""
    names: set[str] = set()
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, Mapping) and item.get("type") == "aws_eks_node_group":
            name = item.get("node_group_name", item.get("name"))
            if isinstance(name, str):
                names.add(name)
    return names
