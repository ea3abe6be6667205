"""Reading a Karpenter ``EC2NodeClass`` (``karpenter.k8s.aws/v1`` / ``v1beta1``): the AMI family
its nodes run (an ``amiSelectorTerms`` ``alias`` such as ``al2023@latest``, or ``amiFamily``) and
the EBS volumes of each node (``blockDeviceMappings``; Karpenter's defaults for the family when it
states none), which is what a plan prices of it, and ``kubelet.maxPods`` / ``podsPerCore`` (the
pods a node holds: maxPods in place of the instance type's ENI figure, at most podsPerCore per
vCPU) and its reservations (``kubeReserved``, ``systemReserved``, ``evictionHard``: what a node
keeps from its pods, :mod:`infra_toolkit.kubelet_reserve`). Its
other fields (subnets, security groups, role, tags, user data, ...) are accepted and left to
Karpenter; an unknown one is a problem.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra_toolkit.cost_components import EBS_GP3_BASELINE_IOPS, EBS_GP3_BASELINE_MIBPS
from infra_toolkit.kubelet_reserve import read_kubelet_reserve
from infra_toolkit.node_allocatable import KubeletReserve
from infra_toolkit.plan_fields import FieldReader, join_path
from infra_toolkit.quantity import QuantityError, parse_quantity

__all__ = ["KARPENTER_DEFAULT_VOLUMES", "EC2NodeClass", "KubeletSettings", "ephemeral_volume_gib",
           "node_class_from_dict", "read_kubelet"]

_VOLUME_SIZE = re.compile(r"^[1-9]\d*(Gi|G|Ti|T)$")
_VOLUME_TYPES = ("gp3", "gp2", "io1", "io2", "sc1", "st1", "standard")
# amiSelectorTerms alias family (before the @) -> Karpenter's amiFamily
_ALIAS_FAMILIES = {"al2": "AL2", "al2023": "AL2023", "bottlerocket": "Bottlerocket",
                   "windows2019": "Windows2019", "windows2022": "Windows2022",
                   "windows2025": "Windows2025"}
_AMI_FAMILIES = ("AL2", "AL2023", "Bottlerocket", "Ubuntu", "Custom", "Windows2019",
                 "Windows2022", "Windows2025")
#: The block devices (GiB, volume type) Karpenter gives a node of an AMI family when the
#: EC2NodeClass has no ``blockDeviceMappings`` (karpenter-provider-aws
#: ``pkg/providers/amifamily``: one 20 GiB gp3 root volume for AL2, AL2023 and Ubuntu;
#: Bottlerocket a 4 GiB gp3 OS volume and a 20 GiB gp3 data volume). Windows and Custom AMIs
#: are not listed: such a node class must state its ``blockDeviceMappings``.
KARPENTER_DEFAULT_VOLUMES: Mapping[str, tuple[tuple[int, str], ...]] = {
    "AL2": ((20, "gp3"),), "AL2023": ((20, "gp3"),), "Ubuntu": ((20, "gp3"),),
    "Bottlerocket": ((4, "gp3"), (20, "gp3"))}
#: The device whose volume holds a node's ephemeral storage (the kubelet's root directory and
#: the container images) per AMI family: ``EphemeralBlockDevice()`` of karpenter-provider-aws
#: ``pkg/providers/amifamily``, and the size Karpenter gives it when no mapping names it
#: (``DefaultBlockDeviceMappings``; ``DefaultEBS`` of 20 GiB where the family has none).
_EPHEMERAL_DEVICES: Mapping[str, tuple[str, int]] = {
    "AL2": ("/dev/xvda", 20), "AL2023": ("/dev/xvda", 20), "Ubuntu": ("/dev/xvda", 20),
    "Bottlerocket": ("/dev/xvdb", 20), "Windows2019": ("/dev/sda1", 50),
    "Windows2022": ("/dev/sda1", 50), "Windows2025": ("/dev/sda1", 50)}
_NODECLASS_SPEC = ("amiFamily", "amiSelectorTerms", "blockDeviceMappings", "subnetSelectorTerms",
                   "securityGroupSelectorTerms", "capacityReservationSelectorTerms", "role",
                   "instanceProfile", "tags", "metadataOptions", "userData", "kubelet",
                   "detailedMonitoring", "associatePublicIPAddress", "instanceStorePolicy",
                   "context")
# Karpenter v1 KubeletConfiguration (pkg/apis/v1/ec2nodeclass.go); the pod counts and
# reservations are read, the others (DNS, image GC, CFS quota, grace periods) do not change the
# simulation
_KUBELET_KEYS = ("clusterDNS", "maxPods", "podsPerCore", "systemReserved", "kubeReserved",
                 "evictionHard", "evictionSoft", "evictionSoftGracePeriod",
                 "evictionMaxPodGracePeriod", "imageGCHighThresholdPercent",
                 "imageGCLowThresholdPercent", "cpuCFSQuota")
_EBS_KEYS = ("volumeSize", "volumeType", "iops", "throughput", "encrypted", "kmsKeyID",
             "deleteOnTermination", "snapshotID", "volumeInitializationRate")


@dataclass(frozen=True)
class KubeletSettings:
    """What a Karpenter ``kubelet`` block says of the room a node gives pods: ``maxPods`` and
    ``podsPerCore`` (``None``: unset; a podsPerCore of 0 is unset too) and its reservations."""

    max_pods: int | None = None
    pods_per_core: int | None = None
    reserve: KubeletReserve = KubeletReserve()



def read_kubelet(r: FieldReader, spec: Mapping[str, Any], p: str
                 ) -> tuple[KubeletSettings, tuple[str, ...]]:
    """The ``kubelet`` block of ``spec`` (at ``p``; an EC2NodeClass's in v1, a v1beta1
    NodePool template's): its pod figures and reservations, and a ``path: not modelled (why)``
    line for each field stated that changes what a node holds but is not read."""
    kp = join_path(p, "kubelet")
    kubelet = r.mapping(spec.get("kubelet", {}), kp, _KUBELET_KEYS) or {}
    reserve, notes = read_kubelet_reserve(r, kubelet, kp)
    return KubeletSettings(r.int_(kubelet, "maxPods", kp, required=False, minimum=1),
                           r.int_(kubelet, "podsPerCore", kp, required=False, minimum=0),
                           reserve), notes


@dataclass(frozen=True)
class EC2NodeClass:
    """The parts of an ``EC2NodeClass`` a plan prices: its AMI family (Karpenter's spelling,
    ``AL2023``) and the EBS volumes of each node, ``(GiB, volume type)`` per block device
    mapping, Karpenter's defaults for the family when it states none (``volumes_stated``
    false)."""

    name: str
    ami_family: str
    volumes: tuple[tuple[int, str], ...]
    volumes_stated: bool = True
    kubelet: KubeletSettings = KubeletSettings()  # unset: the instance type's ENI figure
    notes: tuple[str, ...] = ()  # kubelet fields not modelled, as "path: not modelled (why)"
    #: GiB of the one volume that holds the node's ephemeral storage (:func:`ephemeral_volume_gib`);
    #: ``None``: the volumes' sum, as before this field (a node class built by hand in a test)
    ephemeral_gib: int | None = None
    #: the provisioned IOPS and MiB/s of its one block device mapping (``None``: unstated, or
    #: several volumes, whose figures one priced volume cannot hold)
    iops: int | None = None
    throughput_mibps: int | None = None


def ephemeral_volume_gib(family: str, mappings: list[tuple[str | None, bool, int | None]]) -> int:
    """The GiB of the volume Karpenter counts as a node's ``ephemeral-storage`` capacity
    (karpenter-provider-aws ``instancetype.ephemeralStorage``), from the node class's
    ``blockDeviceMappings`` as ``(deviceName, rootVolume, GiB)``: the one marked
    ``rootVolume: true``; with a Custom AMI the last mapping; else the one on the family's
    ephemeral device (``/dev/xvda`` for AL2, AL2023 and Ubuntu, ``/dev/xvdb`` for
    Bottlerocket's data volume, ``/dev/sda1`` for Windows); else the family's default for that
    device (20 GiB; 50 GiB on Windows). Only that volume: a data volume on another device adds
    to the bill, not to the room the scheduler counts for pods."""
    root = [size for _device, is_root, size in mappings if is_root and size is not None]
    if root:
        return root[0]
    if family == "Custom" and mappings:
        last = mappings[-1][2]
        return 20 if last is None else last
    device, default = _EPHEMERAL_DEVICES.get(family, ("", 20))
    found = [size for name, _is_root, size in mappings if name == device and size is not None]
    return found[0] if found else default


def node_class_from_dict(r: FieldReader, doc: Mapping[str, Any], p: str) -> EC2NodeClass | None:
    """The ``EC2NodeClass`` document ``doc`` at ``p`` (``EC2NodeClass/name``), or ``None``
    after recording each problem in ``r``."""
    before = r.count()
    spec = r.mapping(doc.get("spec"), join_path(p, "spec"), _NODECLASS_SPEC) or {}
    sp = join_path(p, "spec")
    family = r.str_(spec, "amiFamily", sp, required=False, choices=_AMI_FAMILIES)
    for ip, term in r.items(spec, sp, "amiSelectorTerms",
                            ("alias", "id", "name", "owner", "tags", "ssmParameter"),
                            list_required=False):
        alias = r.str_(term, "alias", ip, required=False)
        if alias is None:
            continue
        aliased = _ALIAS_FAMILIES.get(alias.partition("@")[0])
        if aliased is None:
            r.add(join_path(ip, "alias"), f"{alias!r} is not an AMI alias; write "
                  f"<family>@<version> with family one of {', '.join(_ALIAS_FAMILIES)}")
        elif family not in (None, aliased):
            r.add(join_path(sp, "amiFamily"), f"{family!r} differs from the alias {alias!r} "
                  f"({aliased}); remove amiFamily (an alias sets it)")
        family = aliased
    if family is None:
        r.add(join_path(sp, "amiSelectorTerms"), "missing: give an alias such as "
              "al2023@latest (or amiFamily with the AMI's family)")
    volumes = []
    mappings: list[tuple[str | None, bool, int | None]] = []
    performance: list[tuple[int | None, int | None]] = []
    for ip, bdm in r.items(spec, sp, "blockDeviceMappings",
                           ("deviceName", "rootVolume", "ebs"), ("ebs",), list_required=False):
        ebs = r.mapping(bdm.get("ebs"), join_path(ip, "ebs"), _EBS_KEYS, ("volumeSize",)) or {}
        ep = join_path(ip, "ebs")
        vtype = r.str_(ebs, "volumeType", ep, required=False, choices=_VOLUME_TYPES) or "gp3"
        raw = ebs.get("volumeSize")
        size = None
        if raw is not None and not (isinstance(raw, str) and _VOLUME_SIZE.match(raw)):
            # the CRD's pattern: a bare number would be bytes, which the API server refuses
            r.add(join_path(ep, "volumeSize"), f"{raw!r} is not a volume size; write whole "
                                               "units with Gi, G, Ti or T, e.g. 20Gi")
        elif raw is not None:  # EBS sizes are whole GiB: 100G takes the 94 GiB that hold it
            try:
                size = math.ceil(parse_quantity(raw) / 2**30)
            except QuantityError as exc:
                r.add(join_path(ep, "volumeSize"), f"{exc}")
        if size is not None:
            volumes.append((size, vtype))
            performance.append((r.int_(ebs, "iops", ep, required=False, minimum=0),
                                r.int_(ebs, "throughput", ep, required=False, minimum=0)))
        mappings.append((bdm.get("deviceName") if isinstance(bdm.get("deviceName"), str)
                         else None, bdm.get("rootVolume") is True, size))
    if len({t for _s, t in volumes}) > 1:
        r.add(join_path(sp, "blockDeviceMappings"), "mixes volume types "
              f"({', '.join(sorted({t for _s, t in volumes}))}); the plan prices a node's "
              "volumes as one type: use one volume type")
    if family is not None and not volumes and family not in KARPENTER_DEFAULT_VOLUMES:
        r.add(join_path(sp, "blockDeviceMappings"), f"missing: the plan cannot tell which "
              f"volumes Karpenter gives {family} nodes; state blockDeviceMappings")
    kubelet, notes = read_kubelet(r, spec, sp)
    raised = [i for i, (iops, mibps) in enumerate(performance) if len(performance) > 1
              and ((iops or 0) > EBS_GP3_BASELINE_IOPS or (mibps or 0) > EBS_GP3_BASELINE_MIBPS)]
    if raised:
        # one launch template block prices the volumes as one of their summed size: the IOPS
        # and throughput each volume is billed for above gp3's free baseline cannot be said
        notes = (*notes, f"{join_path(sp, 'blockDeviceMappings')}: not modelled (IOPS or "
                 f"throughput above gp3's free {EBS_GP3_BASELINE_IOPS} / "
                 f"{EBS_GP3_BASELINE_MIBPS} MiB/s on volume(s) "
                 f"{', '.join(str(i) for i in raised)} of several: the plan prices the volumes "
                 "as one, so that provisioned performance is left out of the cost)")
    if r.count() > before or family is None:
        return None
    name = str(doc["metadata"]["name"])
    return EC2NodeClass(name, family, tuple(volumes) or KARPENTER_DEFAULT_VOLUMES[family],
                        bool(volumes), kubelet, notes, ephemeral_volume_gib(family, mappings),
                        *(performance[0] if len(performance) == 1 else (None, None)))
