"""Reading an eksctl ``ClusterConfig`` (``eksctl.io/v1alpha5``) into node group descriptions.

Only what planning needs is read: the cluster name, region and Kubernetes version, and for each
managedNodeGroups / nodeGroups entry its name, instance types (eksctl's m5.large when none is
named; an unmanaged group's instancesDistribution lists them), size bounds, capacity type
(spot: true, or an all-spot instancesDistribution = SPOT; a mix is refused), volume size and
type, labels and taints (list or map form); other eksctl fields are left to eksctl. minSize and
maxSize are required (the simulation needs the bounds; the message says what eksctl would default
them to); desiredCapacity defaults to minSize.
Errors name the file and each bad field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from infra_toolkit.errors import SpecError, quoted
from infra_toolkit.kubelet_reserve import read_kubelet_reserve
from infra_toolkit.node_allocatable import KubeletReserve
from infra_toolkit.node_placement import TAINT_EFFECTS
from infra_toolkit.plan_fields import FieldReader, close_choices, did_you_mean, join_path
from infra_toolkit.plan_yaml import read_yaml_documents

__all__ = [
    "EKSCTL_DEFAULT_INSTANCE_TYPE",
    "EKSCTL_DEFAULT_VOLUME_SIZE_GIB",
    "EKSCTL_DEFAULT_VOLUME_TYPE",
    "ClusterConfig",
    "NodeGroupConfig",
    "cluster_config_document",
    "cluster_config_from_dict",
    "read_cluster_config",
    "zones_outside",
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
# The type eksctl gives a node group that names none (DefaultNodeType, applied by
# SetNodeGroupDefaults / SetManagedNodeGroupDefaults in pkg/apis/eksctl.io/v1alpha5/defaults.go;
# its examples/26-managed-nodegroup-spot-instances.yaml says "`instanceTypes` defaults to
# [`m5.large`]").
EKSCTL_DEFAULT_INSTANCE_TYPE = "m5.large"


@dataclass(frozen=True)
class NodeGroupConfig:
    """A node group as configured (eksctl ``managedNodeGroups`` or ``aws_eks_node_group``):
    instance types and size bounds (node counts), not yet the simulator's node model.
    ``taints`` are ``key=value:Effect`` strings; ``ami_family`` is eksctl's ``amiFamily`` when
    stated; ``managed`` is false for an eksctl ``nodeGroups`` entry (self-managed nodes, which
    carry no ``eks.amazonaws.com/`` labels); ``os`` is the nodes' ``kubernetes.io/os``
    (``windows`` for a Windows AMI family, else ``linux``); ``zones`` the Availability Zones its
    nodes may be in when the ClusterConfig names them (the group's ``availabilityZones``, else
    the cluster's; empty: not known). ``disk_size_gib`` and
    ``volume_type`` are the nodes' root volume (``None``: left to eksctl's defaults,
    :data:`EKSCTL_DEFAULT_VOLUME_SIZE_GIB` GiB of :data:`EKSCTL_DEFAULT_VOLUME_TYPE`; a
    Karpenter node's volumes summed, as they are priced). ``ephemeral_gib``: the GiB of the one
    volume holding the node's ephemeral storage when that is not ``disk_size_gib`` (a Karpenter
    node with data volumes beside its root, or Bottlerocket's data volume; ``None``: the root).
    ``volume_iops`` / ``volume_throughput_mibps``: the root volume's provisioned IOPS and MiB/s
    as stated (eksctl's ``volumeIOPS`` / ``volumeThroughput``, a launch template's ``ebs.iops``
    / ``ebs.throughput``); ``None``: the volume type's default (gp3: 3,000 and 125, free).
    ``volumes_default``: who chose the root volumes when the configuration states none and
    they are filled in (Karpenter's per-family default, EKS's own 20 GiB gp2), as messages name
    it; empty when stated. ``max_pods`` is the kubelet's max pods a node when the configuration
    sets it (eksctl ``maxPodsPerNode``, an EC2NodeClass's ``kubelet.maxPods``); ``None``: the
    instance type's ENI figure, as EKS's bootstrap sets it. ``pods_per_core`` is the kubelet's
    ``podsPerCore`` (``None``: unset), which caps those at that many per vCPU
    (:meth:`pods_per_node`). ``kubelet_reserve``: the kubelet's reservations the
    configuration states (a self-managed group's ``kubeletExtraConfig``, a Karpenter
    ``kubelet`` block; EKS's defaults for the rest). ``not_modelled``: what the configuration
    states of the group that the simulation does not use, one ``field.path: not modelled
    (why)`` line each."""

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
    ami_family: str | None = None
    managed: bool = True
    os: str = "linux"
    zones: tuple[str, ...] = ()
    volumes_default: str = ""
    max_pods: int | None = None
    pods_per_core: int | None = None
    kubelet_reserve: KubeletReserve = KubeletReserve()
    not_modelled: tuple[str, ...] = ()
    ephemeral_gib: int | None = None
    volume_iops: int | None = None
    volume_throughput_mibps: int | None = None

    def pods_per_node(self, vcpu: int, eni_pods: int | None) -> int | None:
        """The pods a node of ``vcpu`` vCPU holds, as its kubelet counts them: ``max_pods``,
        else the instance type's ENI figure ``eni_pods``, at most ``pods_per_core`` x vCPU
        when that is set (kubelet: podsPerCore > 0). ``None``: no figure known."""
        count = self.max_pods if self.max_pods is not None else eni_pods
        if count is not None and self.pods_per_core:
            count = min(count, self.pods_per_core * vcpu)
        return count

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


def _zones(r: FieldReader, m: Mapping[str, Any], p: str, region: str | None
           ) -> tuple[str, ...]:
    """``availabilityZones`` (cluster or node group) as a tuple of zone names; () when absent.
    A zone outside ``metadata.region`` is a problem: a zone's name is its region's code and a
    letter (or a Local Zone's suffix), and eksctl creates the cluster's subnets in the region's
    zones, so a config moved to another region with its old zones kept is refused there."""
    items = r.list_(m, "availabilityZones", p, required=False, nonempty=False) or []
    zp = join_path(p, "availabilityZones")
    zones = tuple(z for z in (r.text(z, join_path(zp, i)) for i, z in enumerate(items)) if z)
    outside = zones_outside(zones, region) if region else ""
    if outside:
        r.add(zp, f"{outside} of metadata.region {quoted(region)} (its zones are {region}a, "
                  f"{region}b, ...); name zones of {region}, or correct the region")
    return zones


def zones_outside(zones: Sequence[str], region: str) -> str:
    """The zones of ``zones`` that are not ``region``'s, as a message starts naming them
    (``'us-east-1a', 'us-east-1c' are not zones``), or '' when all are. EC2 lists a region's
    zones only in that region (DescribeAvailabilityZones), each named region + letter
    (eu-west-1a) or region + "-" + a Local or Wavelength Zone's suffix (us-west-2-lax-1a)."""
    outside = [z for z in zones if z and not (
        z.startswith(region) and z[len(region):][:1].isalpha() or z.startswith(region + "-"))]
    if not outside:
        return ""
    return (f"{', '.join(map(quoted, outside))} "
            f"{'is not a zone' if len(outside) == 1 else 'are not zones'}")


def _labels(r: FieldReader, m: Mapping[str, Any], p: str) -> dict[str, str]:
    raw = r.mapping(m.get("labels", {}), join_path(p, "labels"))
    out = {}
    for k, v in (raw or {}).items():
        if isinstance(v, bool):  # str(True) is 'True', which no nodeSelector 'true' matches
            r.add(join_path(join_path(p, "labels"), str(k)), f"{str(v).lower()} is a YAML "
                  "boolean, not a label value (eksctl refuses it); quote it")
        elif isinstance(v, (int, float)):  # eksctl's labels are map[string]string
            r.add(join_path(join_path(p, "labels"), str(k)), f"{quoted(v)} is a YAML number, not a "
                  f"label value (eksctl refuses it); quote it: \"{v}\"")
        else:
            out[k] = str(v)
    return out


def _taints(r: FieldReader, m: Mapping[str, Any], p: str) -> tuple[str, ...]:
    """``key=value:Effect`` strings from the list form ({key, value, effect}) or the map form
    eksctl also takes (``key: "value:Effect"``, as in its examples/05-advanced-nodegroups.yaml)."""
    raw = m.get("taints", [])
    tp = join_path(p, "taints")
    if isinstance(raw, Mapping):
        out = []
        for key, text in raw.items():
            value, _, written = str(text).rpartition(":")
            if written not in TAINT_EFFECTS:
                r.add(join_path(tp, str(key)), f"{quoted(text)} must be 'value:Effect' with Effect "
                                               f"one of {', '.join(TAINT_EFFECTS)}")
            else:
                out.append(f"{key}={value}:{written}")
        return tuple(out)
    if not isinstance(raw, list):
        r.add(tp, "expected a list of {key, value, effect} (or a map key: 'value:Effect')")
        return ()
    listed = []
    for i, t in enumerate(raw):
        ip = join_path(tp, i)
        t = r.mapping(t, ip, required=("key", "effect"))
        key = r.str_(t, "key", ip, required=False) if t else None  # missing: named above
        effect = r.str_(t, "effect", ip, choices=TAINT_EFFECTS) if t else None
        if t and isinstance(t.get("value"), bool):
            r.add(join_path(ip, "value"), f"{str(t['value']).lower()} is a YAML boolean, not a "
                  "taint value (eksctl refuses it); quote it")
        elif t and key and effect:
            listed.append(f"{key}={t.get('value', '')}:{effect}")
    return tuple(listed)


def _distribution(r: FieldReader, m: Mapping[str, Any], p: str
                  ) -> tuple[tuple[str, ...] | None, str | None]:
    """Instance types and capacity type of an unmanaged group's ``instancesDistribution`` (an
    EC2 MixedInstancesPolicy). Unset on-demand fields take the EC2 Auto Scaling defaults (base 0,
    100 % above it); a group that mixes on-demand and spot nodes is refused: the plan prices a
    node group as one capacity type."""
    dp = join_path(p, "instancesDistribution")
    d = r.mapping(m["instancesDistribution"], dp)
    if d is None:
        return None, None
    types = r.str_list(d, "instanceTypes", dp)
    base = r.int_(d, "onDemandBaseCapacity", dp, required=False, minimum=0, default=0)
    above = r.int_(d, "onDemandPercentageAboveBaseCapacity", dp, required=False, minimum=0,
                   maximum=100, default=100)
    if base is None or above is None:
        return types, None
    if above == 100:
        return types, "ON_DEMAND"
    if above == 0 and base == 0:
        return types, "SPOT"
    field = "onDemandPercentageAboveBaseCapacity" if above else "onDemandBaseCapacity"
    r.add(join_path(dp, field),
          f"mixes on-demand and spot nodes (onDemandBaseCapacity {base}, "
          f"onDemandPercentageAboveBaseCapacity {above}); the plan prices a node group as all "
          "on-demand or all spot: split it into two node groups, one with "
          "onDemandPercentageAboveBaseCapacity: 100 and one with 0 and onDemandBaseCapacity: 0")
    return types, None


def _instance_types(r: FieldReader, m: Mapping[str, Any], p: str, managed: bool
                    ) -> tuple[str, ...] | None:
    """The instance types, with eksctl's default (:data:`EKSCTL_DEFAULT_INSTANCE_TYPE`) when the
    group names none and no launch template or instance selector picks them."""
    types: tuple[str, ...] | None = None
    if "instanceTypes" in m:
        types = r.str_list(m, "instanceTypes", p)
    if "instanceType" in m:
        single = r.str_(m, "instanceType", p)
        types = None if single is None or types else (single,)
        if "instanceTypes" in m:
            r.add(join_path(p, "instanceType"), "give instanceType or instanceTypes, not both")
    if "instanceType" in m or "instanceTypes" in m:
        return types
    if managed and "launchTemplate" in m:
        r.add(join_path(p, "instanceType"), "missing: the instance type is in the EC2 launch "
                                            "template, which the plan cannot read; add "
                                            "instanceType: the type the launch template sets")
    elif "instanceSelector" in m:
        r.add(join_path(p, "instanceType"), "missing: instanceSelector picks the types when "
                                            "eksctl runs; list the types it picked in "
                                            "instanceTypes")
    else:
        return (EKSCTL_DEFAULT_INSTANCE_TYPE,)  # eksctl's DefaultNodeType (defaults.go)
    return None


# The node group fields read here. eksctl decodes a ClusterConfig strictly (an unknown field is
# an error, eksctl-io/eksctl#702), so a misspelt one of these is refused rather than left to a
# default ('instanceTyp: c5.large' priced as m5.large); the other eksctl fields are not listed,
# so only a key close to one of these (and not itself an eksctl field) is called a typo.
#: eksctl's ``DefaultNodeCount``: minSize when neither it nor desiredCapacity is written
_EKSCTL_DEFAULT_NODES = 2
_READ_FIELDS = ("name", "instanceType", "instanceTypes", "instancesDistribution", "minSize",
                "maxSize", "desiredCapacity", "spot", "volumeSize", "volumeType", "labels",
                "taints", "amiFamily", "availabilityZones", "launchTemplate", "instanceSelector",
                "maxPodsPerNode", "kubeletExtraConfig", "volumeIOPS", "volumeThroughput")
# eksctl node group fields close to those (instanceName, volumeName ...): never typos
_OTHER_EKSCTL_FIELDS = frozenset((
    "instanceName", "instancePrefix", "instanceMarketOptions", "volumeName", "volumeEncrypted",
    "volumeKmsKeyID", "tags", "ami", "subnets", "ssh", "iam", "privateNetworking",
    "securityGroups", "updateConfig", "releaseVersion", "maxInstanceLifetime", "localZones",
    "outpostARN"))


def _misspelt_fields(r: FieldReader, m: Mapping[str, Any], p: str, managed: bool) -> None:
    """Refuse the keys eksctl's strict decoding refuses that would otherwise change what is
    priced: one within a typo of a field read here, and ``instancesDistribution`` or
    ``kubeletExtraConfig`` on a managed group (fields of eksctl's self-managed ``nodeGroups``
    only: a managed group's kubelet settings were otherwise dropped without a word, its nodes
    sized with EKS's reservations while the file states others)."""
    for key in m:
        text = str(key)
        if text in _READ_FIELDS or text in _OTHER_EKSCTL_FIELDS:
            if managed and text == "instancesDistribution":
                r.add(join_path(p, text), "is not a field of a managed node group (eksctl "
                      "refuses it; only nodeGroups take it): give the types in instanceTypes "
                      "and spot: true for spot, or move the group to nodeGroups")
            elif managed and text == "kubeletExtraConfig":
                r.add(join_path(p, text), "is not supported on a managed node group (eksctl "
                      "applies it to nodeGroups only, eksctl-io/eksctl#4632), so its nodes "
                      "would keep EKS's default kubelet settings: move the group to nodeGroups "
                      "to set them, or remove kubeletExtraConfig (give max pods in "
                      "maxPodsPerNode)")
            elif not managed and text in ("spot", "instanceTypes"):
                r.add(join_path(p, text), "is a field of managedNodeGroups only (eksctl refuses "
                      "it on nodeGroups): give a self-managed group's types and spot nodes in "
                      "instancesDistribution (instanceTypes, onDemandBaseCapacity: 0 and "
                      "onDemandPercentageAboveBaseCapacity: 0 for all spot), or move it to "
                      "managedNodeGroups")
            continue
        same_case = [f for f in _READ_FIELDS if f.lower() == text.lower()]
        close = close_choices(text, _READ_FIELDS, cutoff=0.8)
        if same_case:  # Go's JSON decoding may match it; the plan reads the exact name
            r.add(join_path(p, text), f"is spelt {same_case[0]!r} in eksctl's schema, which "
                  "the plan reads by its exact name (it would leave the field to its default); "
                  f"write {same_case[0]!r}")
        elif close:
            left = close[0] if len(close) == 1 else "that field"
            r.add(join_path(p, text), f"is not an eksctl node group field (eksctl refuses an "
                  f"unknown field, and the plan would leave {left} to its default)"
                  + did_you_mean(text, _READ_FIELDS, list_choices=False, cutoff=0.8))


def _node_group(r: FieldReader, m: Mapping[str, Any], p: str, managed: bool
                ) -> NodeGroupConfig | None:
    before = r.count()
    _misspelt_fields(r, m, p, managed)
    name = r.str_(m, "name", p)
    capacity: str | None = "ON_DEMAND"
    if not managed and "instancesDistribution" in m:
        if m.get("instanceType", "mixed") != "mixed" or "instanceTypes" in m:
            r.add(join_path(p, "instanceType"), "must be left out (or be 'mixed') with "
                                                "instancesDistribution, which lists the types")
        types, capacity = _distribution(r, m, p)
    else:
        types = _instance_types(r, m, p, managed)
        if types == ("mixed",):
            r.add(join_path(p, "instanceType"), "'mixed' needs instancesDistribution with "
                                                "instanceTypes; add it or name the type")
    if m.get("minSize") is None or m.get("maxSize") is None:
        # eksctl's own defaults (validation.go / nodegroup builder): minSize = desiredCapacity,
        # else 2; maxSize = desiredCapacity, else minSize: a group of fixed size, rarely meant
        # in a plan that asks how it scales, so the bounds are asked for, not assumed
        given = m.get("desiredCapacity")
        eksctl_min = m.get("minSize", given if given is not None else _EKSCTL_DEFAULT_NODES)
        eksctl_max = m.get("maxSize", given if given is not None else eksctl_min)
        for key in ("minSize", "maxSize"):
            if m.get(key) is None:
                r.add(join_path(p, key), f"missing: eksctl would make the group {eksctl_min} to "
                      f"{eksctl_max} nodes (minSize from desiredCapacity, else 2; maxSize from "
                      "desiredCapacity, else minSize); write the bounds the group is to scale "
                      "between, minSize and maxSize")
    min_size = r.int_(m, "minSize", p, minimum=0) if m.get("minSize") is not None else None
    max_size = r.int_(m, "maxSize", p, minimum=1) if m.get("maxSize") is not None else None
    desired = r.int_(m, "desiredCapacity", p, required=False, minimum=0, default=min_size)
    spot = r.bool_(m, "spot", p, default=False)
    if spot:
        capacity = "SPOT"
    disk = r.int_(m, "volumeSize", p, required=False, minimum=1)
    volume_type = r.str_(m, "volumeType", p, required=False, choices=_EKSCTL_VOLUME_TYPES)
    # a gp3 volume's IOPS and throughput above its free baseline are billed
    iops = r.int_(m, "volumeIOPS", p, required=False, minimum=0)
    throughput = r.int_(m, "volumeThroughput", p, required=False, minimum=0)
    labels, taints = _labels(r, m, p), _taints(r, m, p)
    ami_family = r.str_(m, "amiFamily", p, required=False)
    # eksctl passes it to the kubelet (--max-pods), in place of the ENI figure: fewer pods a
    # node means more nodes for the same pods
    max_pods = r.int_(m, "maxPodsPerNode", p, required=False, minimum=1)
    extra = m.get("kubeletExtraConfig")
    pods_per_core = None
    kubelet_reserve = KubeletReserve()
    not_modelled: tuple[str, ...] = ()
    if not managed and isinstance(extra, Mapping):
        xp = join_path(p, "kubeletExtraConfig")
        if "maxPods" in extra:
            # a self-managed group's kubelet settings; which of the two eksctl's bootstrap keeps
            # is not sourced here, so both together are refused rather than one guessed
            if max_pods is not None:
                r.add(join_path(xp, "maxPods"), "is given beside maxPodsPerNode: give the "
                      "node's max pods once, in maxPodsPerNode")
            max_pods = r.int_(extra, "maxPods", xp, minimum=1)
        pods_per_core = r.int_(extra, "podsPerCore", xp, required=False, minimum=0)
        kubelet_reserve, not_modelled = read_kubelet_reserve(r, extra, xp)
    if r.count() > before or None in (name, types, min_size, max_size, desired, capacity):
        return None
    assert name and types is not None and min_size is not None and max_size is not None
    assert desired is not None and capacity is not None
    try:
        return NodeGroupConfig(name, types, min_size, max_size, desired, capacity, disk, labels,
                               taints, volume_type, ami_family, managed,
                               "windows" if (ami_family or "").startswith("Windows") else "linux",
                               max_pods=max_pods, pods_per_core=pods_per_core,
                               kubelet_reserve=kubelet_reserve, not_modelled=not_modelled,
                               volume_iops=iops, volume_throughput_mibps=throughput)
    except SpecError:
        if min_size > max_size:  # whatever desiredCapacity is (unset, it is minSize)
            r.add(join_path(p, "maxSize"), f"{max_size} is below minSize ({min_size}); eksctl "
                  "refuses it: raise maxSize or lower minSize")
        else:
            r.add(join_path(p, "desiredCapacity"), f"need minSize <= desiredCapacity <= maxSize, "
                  f"got {min_size} <= {desired} <= {max_size}")
        return None


def _version(r: FieldReader, meta: Mapping[str, Any]) -> str | None:
    """``metadata.version`` as text. An unquoted ``1.30`` is the YAML number 1.3, which eksctl's
    decoder refuses for its string field; reading it as "1.3" would name the wrong version."""
    raw = meta.get("version")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        r.add("metadata.version", f"{raw!r} is a YAML number (an unquoted 1.30 reads as 1.3); "
                                  "quote the version you mean, e.g. version: \"1.30\"")
        return None
    return r.str_(meta, "version", "metadata", required=False)


def cluster_config_from_dict(doc: Any, source: str = "ClusterConfig") -> ClusterConfig:
    """Read a loaded ``ClusterConfig`` document; raises :class:`SpecError` listing every bad
    field (one ``source: field.path: what; fix`` per line)."""
    r = FieldReader()
    m = r.mapping(doc, "", required=("apiVersion", "kind", "metadata"))
    config = None
    if m is not None:
        if m.get("kind") != "ClusterConfig":
            r.add("kind", f"{quoted(m.get('kind'))} is not ClusterConfig; give an eksctl "
                          "ClusterConfig")
        if m.get("apiVersion") != CLUSTER_CONFIG_API:
            r.add("apiVersion", f"{quoted(m.get('apiVersion'))} is not supported; use "
                                f"{CLUSTER_CONFIG_API}")
        meta = r.mapping(m.get("metadata"), "metadata", required=("name", "region"))
        name = r.str_(meta, "name", "metadata") if meta else None
        region = r.str_(meta, "region", "metadata") if meta else None
        version = _version(r, meta) if meta else None
        cluster_zones = _zones(r, m, "", region)
        groups, paths = [], []
        for key in ("managedNodeGroups", "nodeGroups"):
            for i, item in enumerate(r.list_(m, key, "", required=False, nonempty=False) or []):
                p = join_path(key, i)
                ng = r.mapping(item, p, required=("name",))
                group = _node_group(r, ng, p, key == "managedNodeGroups") if ng is not None \
                    else None
                if group is not None:
                    zones = _zones(r, ng, p, region) if ng is not None else ()
                    groups.append(replace(group, zones=zones or cluster_zones))
                    paths.append(p)
        if not m.get("managedNodeGroups") and not m.get("nodeGroups"):
            r.add("managedNodeGroups", "no node groups; add managedNodeGroups with instanceType, "
                                       "minSize and maxSize")
        # each at its own list's path: the first may be a managedNodeGroups entry
        r.unique_names([(gp, g.name) for gp, g in zip(paths, groups, strict=True)],
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
    return cluster_config_from_dict(
        cluster_config_document(read_yaml_documents(path), str(path)), str(path))


def cluster_config_document(docs: Sequence[Any], source: str) -> Any:
    """The ``ClusterConfig`` document among a file's ``docs`` (else its first document, which
    :func:`cluster_config_from_dict` then names; ``None`` for none). Raises
    :class:`SpecError` naming ``source`` when there are several: eksctl reads one per file."""
    configs = [i for i, d in enumerate(docs)
               if isinstance(d, Mapping) and d.get("kind") == "ClusterConfig"]
    if len(configs) > 1:
        # eksctl reads one ClusterConfig per file: the second one's node groups were dropped
        raise SpecError(f"{source}: {len(configs)} ClusterConfig documents (documents "
                        f"{', '.join(str(i + 1) for i in configs)}); eksctl reads one per file: "
                        "keep one, or put each cluster in its own file")
    return docs[configs[0]] if configs else (docs[0] if docs else None)
