"""A proposed StatefulSet's claimed volumes (``volumeClaimTemplates``) priced from its replicas
as simulated, the way node-hours are: quantities first (volumes at each tick), then an
``aws_ebs_volume`` resource per template that the cost model prices (GB-months, gp3 IOPS and
throughput above the baseline, io1 / io2 IOPS). Pure: no I/O, no pricing.

The rules, from the Kubernetes API reference (``StatefulSetPersistentVolumeClaimRetentionPolicy``)
and the StatefulSet controller: the pods are ordinals 0..n-1; the controller creates ordinal i's
claim (``<template>-<statefulset>-<i>``) when it first creates that pod, and

* ``whenScaled: Retain`` (the default) leaves a scaled-down ordinal's claim, which a later
  scale-up reuses: the volumes at a tick are the most replicas reached so far, counting the
  StatefulSet's ``replicas`` at the start (a running StatefulSet already has those volumes);
* ``whenScaled: Delete`` deletes the claims of the ordinals above the replica count: the volumes
  follow the replicas.

A volume is counted from its pod's creation (the StatefulSet's ``spec_replicas``); under a
StorageClass's ``volumeBindingMode: WaitForFirstConsumer`` EBS creates it when the pod is
scheduled, so a pod left Pending is counted a little early: an upper bound there.

A month holds the window's mean volume count (``usage.monthly_volume_hours`` = mean x 730), as
node-hours project the window to a month; a Retain StatefulSet that scaled up keeps its peak
volumes after the window, so a month after a busy one costs more than this projection.

The volume comes from the StorageClass the template names (``storageClassName``), read from the
StatefulSet's own file (:func:`ebs_attributes`): ``ebs.csi.aws.com`` (parameters ``type``, default
gp3; ``iops`` or ``iopsPerGB`` x the size for io1 / io2 / gp3, capped at the type's most and
refused below its least unless ``allowAutoIOPSPerGBIncrease``; gp3 ``throughput``; the keys case
insensitive, as the driver reads them) or the in-tree ``kubernetes.io/aws-ebs`` (``type``, default
gp2; ``iopsPerGB`` for io1). No class named, or none in the file: nothing is guessed, the claim is
left unpriced and ``plan_warnings.volume_claim_warnings`` says which class is missing. The size is
the request rounded up to whole GiB, as the EBS CSI driver creates it.

A proposed ``aws_ebs_volume`` whose ``usage.claimed_by_statefulset`` names the StatefulSet stands
for these volumes as declared: the declared estimate (the review's cost basis) prices it as
written, and each simulated scenario replaces it by the volumes priced here (never both).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np

from infra_toolkit.cost import HOURS_PER_MONTH, CostEstimate
from infra_toolkit.errors import quoted
from infra_toolkit.plan import Plan
from infra_toolkit.quantity import QuantityError, parse_quantity
from infra_toolkit.resource_types import EBS_VOLUME_TYPES
from infra_toolkit.resources import Resource
from infra_toolkit.storage_limits import EBS_IOPS_RANGE

__all__ = ["CSI_PROVISIONER", "IN_TREE_PROVISIONER", "LINK_USAGE_KEY", "ClaimTemplate",
           "ceiling_volumes", "claim_templates", "claimed_volume_resources", "ebs_attributes",
           "priced_claims", "scenario_volumes", "volume_counts", "with_claim_notes"]

CSI_PROVISIONER = "ebs.csi.aws.com"
IN_TREE_PROVISIONER = "kubernetes.io/aws-ebs"
#: the usage key linking a declared aws_ebs_volume to the StatefulSet whose claims it stands for
LINK_USAGE_KEY = "claimed_by_statefulset"
# each provisioner's volume type when the StorageClass gives none (the EBS CSI driver's
# docs/parameters.md "gp3"; the in-tree plugin's storage-classes docs "Default: gp2")
_DEFAULT_TYPE = {CSI_PROVISIONER: "gp3", IN_TREE_PROVISIONER: "gp2"}
_IOPS_TYPES = ("io1", "io2", "gp3")
_GIB = 2**30


@dataclass(frozen=True)
class ClaimTemplate:
    """One ``volumeClaimTemplates`` entry of a proposed StatefulSet: its workload (plan index and
    name), the template's name, the volume's size (GiB, rounded up), the StorageClass named,
    ``whenScaled``, and either the ``aws_ebs_volume`` attributes it creates or why it is not
    priced (``problem``)."""

    workload_index: int
    statefulset: str
    template: str
    size_gib: int
    storage_class: str | None
    when_scaled: str
    attributes: Mapping[str, Any] | None
    problem: str = ""

    @property
    def resource_name(self) -> str:
        """``statefulset/<name>/<template>``: names the StatefulSet, and no Terraform name (no
        ``/``) can clash with it."""
        return f"statefulset/{self.statefulset}/{self.template}"


def _parameter(params: Mapping[str, Any], key: str, case_insensitive: bool) -> Any:
    if not case_insensitive:
        return params.get(key)
    return next((v for k, v in params.items() if str(k).lower() == key.lower()), None)


def _whole(value: Any, name: str, where: str) -> tuple[int | None, str]:
    try:
        number = float(str(value))
    except ValueError:
        return None, f"{where} parameters.{name} {quoted(value)} is not a number"
    return (int(number), "") if number >= 0 and math.isfinite(number) else \
        (None, f"{where} parameters.{name} {quoted(value)} must be a number >= 0")


def ebs_attributes(storage_class: Mapping[str, Any], size_gib: int
                   ) -> tuple[dict[str, Any] | None, str]:
    """The ``aws_ebs_volume`` attributes (``volume_type``, ``size``, ``iops``, ``throughput``)
    of a ``size_gib`` volume that ``storage_class`` (a StorageClass manifest) provisions, or
    ``None`` and why (a provisioner other than EBS, a type EBS does not price, IOPS the driver
    refuses)."""
    meta = storage_class.get("metadata")
    where = f"StorageClass {quoted(meta.get('name') if isinstance(meta, Mapping) else None)}"
    provisioner = storage_class.get("provisioner")
    if provisioner not in _DEFAULT_TYPE:
        return None, (f"{where} has provisioner {quoted(provisioner)}, not EBS "
                      f"({CSI_PROVISIONER} or {IN_TREE_PROVISIONER}): its volumes are not priced")
    raw = storage_class.get("parameters")
    params: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    csi = provisioner == CSI_PROVISIONER
    vtype = str(_parameter(params, "type", csi) or _DEFAULT_TYPE[provisioner]).lower()
    if vtype not in EBS_VOLUME_TYPES:
        return None, (f"{where} parameters.type {quoted(vtype)} is not a volume type the price "
                      f"tables hold ({', '.join(EBS_VOLUME_TYPES)})")
    attrs: dict[str, Any] = {"volume_type": vtype, "size": size_gib}
    iops_given, per_gb = _parameter(params, "iops", csi), _parameter(params, "iopsPerGB", csi)
    if not csi:
        iops_given = None  # the in-tree plugin reads iopsPerGB only
    if iops_given is not None and per_gb is not None:
        return None, (f"{where} gives both iops and iopsPerGB, which the EBS CSI driver refuses "
                      "as an invalid StorageClass; keep one")
    iops = None
    if vtype in _IOPS_TYPES and (iops_given is not None or per_gb is not None):
        name, value = ("iops", iops_given) if iops_given is not None else ("iopsPerGB", per_gb)
        iops, why = _whole(value, name, where)
        if iops is None:
            return None, why
        if name == "iopsPerGB":
            iops = int(float(str(per_gb)) * size_gib)
        least, most = EBS_IOPS_RANGE[vtype]
        auto = str(_parameter(params, "allowAutoIOPSPerGBIncrease", csi)).lower() == "true"
        if iops < least and not auto:
            return None, (f"{where}: {iops:,} IOPS for a {size_gib} GiB {vtype} volume is below "
                          f"the {least:,} EBS provisions, so the driver refuses to create it; "
                          "raise iops / iopsPerGB or set allowAutoIOPSPerGBIncrease: \"true\"")
        iops = min(max(iops, least), most)  # the driver caps at the most, raises with auto
    elif vtype in ("io1", "io2"):
        return None, f"{where}: an {vtype} volume needs iops or iopsPerGB; give one"
    if iops is not None:
        attrs["iops"] = iops
    throughput = _parameter(params, "throughput", csi) if csi and vtype == "gp3" else None
    if throughput is not None:
        attrs["throughput"], why = _whole(throughput, "throughput", where)
        if attrs["throughput"] is None:
            return None, why
    return attrs, ""


def _size_gib(template: Mapping[str, Any]) -> int | None:
    spec = template.get("spec")
    resources = spec.get("resources") if isinstance(spec, Mapping) else None
    requests = resources.get("requests") if isinstance(resources, Mapping) else None
    try:
        size = float(parse_quantity(requests.get("storage"))) if isinstance(
            requests, Mapping) else 0.0
    except QuantityError:
        return None
    return math.ceil(size / _GIB) if size > 0 else None


def claim_templates(plan: Plan) -> list[ClaimTemplate]:
    """Every ``volumeClaimTemplates`` entry (with a readable storage request) of the proposed
    StatefulSets, in plan order, each with its attributes or why it is left unpriced."""
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        doc = w.deployment.document
        spec = doc.get("spec")
        if w.deployment.kind != "StatefulSet" or not isinstance(spec, Mapping):
            continue
        templates = spec.get("volumeClaimTemplates")
        policy = spec.get("persistentVolumeClaimRetentionPolicy")
        when_scaled = str((policy.get("whenScaled") if isinstance(policy, Mapping) else None)
                          or "Retain")
        classes = {str(c.get("metadata", {}).get("name")): c
                   for c in w.deployment.storage_classes if isinstance(c.get("metadata"), Mapping)}
        where = w.deployment.path.name if w.deployment.path is not None else "its inline manifest"
        for t in templates if isinstance(templates, list) else []:
            size = _size_gib(t) if isinstance(t, Mapping) else None
            if size is None:
                continue
            meta, tspec = t.get("metadata"), t.get("spec")
            template = str(meta.get("name")) if isinstance(meta, Mapping) else "?"
            named = tspec.get("storageClassName") if isinstance(tspec, Mapping) else None
            attrs, problem = None, ""
            if when_scaled not in ("Retain", "Delete"):
                problem = (f"persistentVolumeClaimRetentionPolicy.whenScaled {quoted(when_scaled)}"
                           " is not Retain or Delete")
            elif not named:
                problem = ("names no storageClassName, so the cluster's default StorageClass "
                           "would provision it, which the plan does not hold")
            elif str(named) not in classes:
                problem = (f"names storageClassName {quoted(named)}, but {where} holds no "
                           "StorageClass of that name")
            else:
                attrs, problem = ebs_attributes(classes[str(named)], size)
            out.append(ClaimTemplate(i, w.deployment_spec.name, template, size,
                                     None if not named else str(named), when_scaled, attrs,
                                     problem))
    return out


def priced_claims(claims: Sequence[ClaimTemplate]) -> list[ClaimTemplate]:
    """The claim templates priced: those of the StatefulSets whose every template has its
    attributes (one unpriced template leaves its StatefulSet's volumes all as declared, so a
    declared ``aws_ebs_volume`` standing for them is never half replaced)."""
    unpriced = {c.statefulset for c in claims if c.attributes is None}
    return [c for c in claims if c.statefulset not in unpriced]


def volume_counts(spec_replicas: Any, initial_replicas: int, when_scaled: str) -> np.ndarray:
    """The claimed volumes of one template at each tick, from the StatefulSet's replicas per
    tick (``spec_replicas``, what its controller creates pods for) and its replicas at the
    start: with ``Retain`` the most replicas reached so far (the start's included), with
    ``Delete`` the replicas."""
    replicas = np.asarray(spec_replicas, dtype=np.int64)
    if when_scaled == "Delete":
        return replicas
    return np.maximum.accumulate(np.maximum(replicas, initial_replicas))


def _start(plan: Plan, index: int) -> int:
    replicas = plan.proposed.workloads[index].deployment_spec.replicas
    return 1 if replicas is None else replicas  # the API server's default


def scenario_volumes(plan: Plan, claims: Sequence[ClaimTemplate],
                     simulations: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """The mean claimed volumes of each priced StatefulSet over a scenario (by StatefulSet
    name; :func:`volume_counts` of its simulation's ``spec_replicas`` from its
    ``initial_replicas``, or its ``replicas`` all the window without a simulation:
    ``simulations`` maps a workload's name to any object shaped like a ``SimulationResult``),
    and the note each claimed-volume line carries (by resource address)."""
    means: dict[str, float] = {}
    notes: dict[str, str] = {}
    for c in priced_claims(claims):
        assert c.attributes is not None
        sim = simulations.get(plan.proposed.workloads[c.workload_index].name)
        if sim is None:
            start = _start(plan, c.workload_index)
            means[c.statefulset] = float(start)
            how = f"not autoscaled: its {start} replica(s) all month"
        else:
            replicas = sim.timeline["spec_replicas"].to_numpy()
            start = int(sim.spec.initial_replicas)
            counts = volume_counts(replicas, start, c.when_scaled)
            means[c.statefulset] = float(counts.mean())
            rule = ("the most replicas reached so far, kept on a scale-down" if c.when_scaled
                    == "Retain" else "the replicas, a scaled-down ordinal's claim deleted")
            how = (f"whenScaled {c.when_scaled}: {rule} ({start} at the start, "
                   f"{int(counts.max())} at the most, {counts.mean():.4g} on average over the "
                   "simulated window, projected to a 730-hour month"
                   + ("; a month after the window keeps its peak volumes" if c.when_scaled
                      == "Retain" else "") + ")")
        notes[f"aws_ebs_volume.{c.resource_name}"] = (
            f"StatefulSet {c.statefulset}'s volumeClaimTemplates {c.template}: a "
            f"{c.size_gib} GiB {c.attributes['volume_type']} volume per replica (StorageClass "
            f"{c.storage_class}); {how}")
    return means, notes


def ceiling_volumes(plan: Plan, claims: Sequence[ClaimTemplate]) -> dict[str, float]:
    """Each priced StatefulSet's volumes at the cost ceiling: its HPA's maxReplicas (else its
    replicas) all month, the most any scenario reaches, by StatefulSet name."""
    out = {}
    for c in priced_claims(claims):
        w = plan.proposed.workloads[c.workload_index]
        if c.attributes is not None:
            out[c.statefulset] = float(w.hpa_spec.max_replicas if w.hpa_spec is not None
                                       else _start(plan, c.workload_index))
    return out


def claimed_volume_resources(resources: Sequence[Resource], claims: Sequence[ClaimTemplate],
                             mean_volumes: Mapping[str, float], region: str
                             ) -> tuple[Resource, ...]:
    """``resources`` with an ``aws_ebs_volume`` per priced claim template whose StatefulSet has
    a mean volume count in ``mean_volumes`` (by StatefulSet name): ``monthly_volume_hours`` =
    mean x 730; a declared ``aws_ebs_volume`` whose ``usage.claimed_by_statefulset`` names a
    StatefulSet so priced is left out (it stood for the same volumes)."""
    priced = [c for c in priced_claims(claims) if c.statefulset in mean_volumes]
    replaced = {c.statefulset for c in priced}
    kept = [r for r in resources if not (r.type == "aws_ebs_volume"
                                         and r.usage.get(LINK_USAGE_KEY) in replaced)]
    added = [Resource("aws_ebs_volume", c.resource_name, region, dict(c.attributes or {}),
                      {"monthly_volume_hours": Decimal(repr(float(mean_volumes[c.statefulset])))
                       * HOURS_PER_MONTH}) for c in priced]
    return (*kept, *added)


def with_claim_notes(est: CostEstimate, notes: Mapping[str, str]) -> CostEstimate:
    """``est`` with every line of a claimed-volume resource (by address) noting where its
    volume count comes from, before any note the line had."""
    return replace(est, lines=tuple(
        replace(ln, note="; ".join(n for n in (notes[ln.address], ln.note) if n))
        if ln.address in notes else ln for ln in est.lines))
