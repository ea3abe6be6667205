"""Reading the kubelet reservations a node configuration states (``kubeReserved``,
``systemReserved``, ``evictionHard`` of an eksctl ``kubeletExtraConfig`` or a Karpenter
``kubelet`` block) into a :class:`~infra_toolkit.node_allocatable.KubeletReserve`, and the CPU /
memory quantities they and a plan's ``simulation.node_daemonsets`` are written in.

Only CPU and memory bound what a node holds in the simulation: ``ephemeral-storage`` and ``pid``
reservations and the disk and PID eviction signals are accepted and change no figure.
``evictionSoft`` is a note: a soft threshold evicts pods after its grace period and leaves the
kubelet's allocatable, which the scheduler places by, as it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from infra_toolkit.node_allocatable import KubeletReserve
from infra_toolkit.plan_fields import FieldReader, join_path
from infra_toolkit.quantity import QuantityError, parse_quantity, parse_quantity_milli

__all__ = ["read_cpu_memory", "read_kubelet_reserve"]

_RESERVED_KEYS = ("cpu", "memory", "ephemeral-storage", "pid")
_EVICTION_SIGNALS = ("memory.available", "nodefs.available", "nodefs.inodesFree",
                     "imagefs.available", "imagefs.inodesFree", "containerfs.available",
                     "containerfs.inodesFree", "pid.available")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")
_SOFT_NOTE = ("not modelled (a soft eviction threshold evicts pods after its grace period; the "
              "kubelet's allocatable, which pods are placed by, stays as it is)")


def read_cpu_memory(r: FieldReader, m: Mapping[str, Any], p: str
                    ) -> tuple[float | None, float | None]:
    """``m``'s ``cpu`` (millicores) and ``memory`` (MiB) Kubernetes quantities at ``p``
    (``None``: not given, or a problem recorded in ``r``)."""
    out: dict[str, float] = {}
    for key in ("cpu", "memory"):
        if key not in m:
            continue
        try:
            value = (float(parse_quantity_milli(m[key])) if key == "cpu"
                     else float(parse_quantity(m[key])) / 2**20)
        except QuantityError as exc:
            r.add(join_path(p, key), f"{exc}")
            continue
        if value < 0:
            r.add(join_path(p, key), f"{m[key]!r} is negative; a reservation is >= 0")
            continue
        out[key] = value
    cpu, memory = out.get("cpu"), out.get("memory")
    return cpu, memory


def _eviction_memory(r: FieldReader, value: Any, p: str) -> tuple[float | None, float | None]:
    """An ``evictionHard`` ``memory.available`` as ``(MiB, None)`` or ``(None, percent)``."""
    percent = _PERCENT.match(value) if isinstance(value, str) else None
    if percent is not None:
        share = float(percent.group(1))
        if share <= 100:
            return None, share
        r.add(p, f"{value!r} is above 100%; give a percent of the node's memory up to 100%")
        return None, None
    try:
        mib = float(parse_quantity(value)) / 2**20
    except QuantityError as exc:
        r.add(p, f"{exc}, or a percent of the node's memory such as '5%'")
        return None, None
    if not math.isfinite(mib) or mib < 0:
        r.add(p, f"{value!r} is negative; a threshold is >= 0")
        return None, None
    return mib, None


def read_kubelet_reserve(r: FieldReader, kubelet: Mapping[str, Any], p: str
                         ) -> tuple[KubeletReserve, tuple[str, ...]]:
    """The reservations of the kubelet configuration ``kubelet`` at ``p`` (EKS's defaults for
    what it leaves out) and a ``path: not modelled (why)`` line for an ``evictionSoft``."""
    reserved = {key: r.mapping(kubelet[key], join_path(p, key), _RESERVED_KEYS) or {}
                if key in kubelet else {} for key in ("kubeReserved", "systemReserved")}
    kube, system = reserved["kubeReserved"], reserved["systemReserved"]
    fields: dict[str, Any] = {}
    cpu, memory = read_cpu_memory(r, kube, join_path(p, "kubeReserved"))
    fields.update(kube_cpu_millicores=cpu, kube_memory_mib=memory)
    cpu, memory = read_cpu_memory(r, system, join_path(p, "systemReserved"))
    fields.update(system_cpu_millicores=cpu or 0.0, system_memory_mib=memory or 0.0)
    if "evictionHard" in kubelet:
        ep = join_path(p, "evictionHard")
        hard = r.mapping(kubelet["evictionHard"], ep, _EVICTION_SIGNALS) or {}
        if "memory.available" in hard:
            mib, percent = _eviction_memory(r, hard["memory.available"],
                                            join_path(ep, "memory.available"))
            fields.update(eviction_memory_mib=mib, eviction_memory_percent=percent)
    notes = ((f"{join_path(p, 'evictionSoft')}: {_SOFT_NOTE}",) if "evictionSoft" in kubelet
             else ())
    return KubeletReserve(**fields), notes + _unitless_memory_notes(fields, p)


# each memory field read, and the keys it is written at
_MEMORY_FIELDS = (("kube_memory_mib", ("kubeReserved", "memory")),
                  ("system_memory_mib", ("systemReserved", "memory")),
                  ("eviction_memory_mib", ("evictionHard", "memory.available")))


def _unitless_memory_notes(fields: Mapping[str, Any], p: str) -> tuple[str, ...]:
    """A ``path: why`` line for each memory reservation under 1 MiB: a quantity without a unit
    is bytes, so ``memory: 512`` or ``memory.available: "5"`` (meant 512Mi, 5%) reserves
    almost nothing and the node is sized as if it kept nothing back."""
    out = []
    for name, (block, key) in _MEMORY_FIELDS:
        mib = fields.get(name)
        if mib is not None and 0 < mib < 1:
            size = round(mib * 2**20)
            percent = " or a percent such as '5%'" if block == "evictionHard" else ""
            out.append(f"{join_path(join_path(p, block), key)}: {size:,} bytes, under 1 MiB (a "
                       "quantity without a unit is bytes), so the node keeps almost nothing "
                       f"back; write the unit ({size}Mi if MiB was meant){percent}")
    return tuple(out)
