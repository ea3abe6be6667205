"""The sweep's values a KEDA ScaledObject cannot hold (:func:`keda_value_problems`).

A workload's ScaledObject is swept as the HPA KEDA's operator creates for it
(:mod:`infra_toolkit.keda_scaled_object`), so the API server's rules alone would let through
values no ScaledObject can be written with, giving rows no plan reproduces:

- ``minReplicas=0``: KEDA's HPA never has it (``GetHPAMinReplicas`` writes 1 for
  ``minReplicaCount: 0``); scaling to zero is KEDA's operator's, simulated from the
  ScaledObject's own fields (:mod:`infra_toolkit.keda_activation`), and the HPA alone would run
  it as an HPA scaling to zero;
- any other ``minReplicas`` of a ScaledObject that scales to zero (``activation`` given): it
  would be a new ``minReplicaCount``, which changes KEDA's own scaling too (the count it wakes
  to; without ``idleReplicaCount``, whether it scales to zero at all), and the sweep varies
  the HPA only;
- an ``aws-sqs-queue`` trigger's target (``external.s<i>-aws-sqs-<queue>.averageValue`` or
  ``.value``) below 1 or with a fraction: KEDA reads ``queueLength`` as a whole number >= 1.

Each is refused whatever the other fields, so it is a bad input (listed with the fix), not an
invalid row. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infra_toolkit.keda_activation import KedaActivation
from infra_toolkit.quantity import QuantityError, parse_quantity
from infra_toolkit.tuning_targets import parse_target_field

__all__ = ["keda_value_problems"]

# the labels hpa_manifest_from_scaled_object gives the HPA it makes (KEDA's own)
_MANAGED_BY = "app.kubernetes.io/managed-by"
_PART_OF = "app.kubernetes.io/part-of"
_KEDA_OPERATOR = "keda-operator"


def _scaled_object(doc: Mapping[str, Any]) -> str | None:
    """The ScaledObject's name when ``doc`` is the HPA KEDA's operator makes for one, else
    None."""
    labels = (doc.get("metadata") or {}).get("labels") or {}
    if labels.get(_MANAGED_BY) != _KEDA_OPERATOR:
        return None
    return str(labels.get(_PART_OF, ""))


def _sqs_metric(field: str) -> bool:
    """Whether ``field`` is the target of an aws-sqs-queue trigger (KEDA names its metric
    ``s<index>-aws-sqs-<queue>``)."""
    target = parse_target_field(field)
    if target is None or target.kind != "External":
        return False
    index, _, rest = target.name.partition("-")
    return index[:1] == "s" and index[1:].isdigit() and rest.startswith("aws-sqs-")


def keda_value_problems(doc: Mapping[str, Any], source: str,
                        grid: Mapping[str, Sequence[Any]],
                        activation: KedaActivation | None = None) -> list[str]:
    """Each ``--vary`` value of ``grid`` the ScaledObject behind ``doc`` (the HPA manifest the
    sweep sets fields in, read from ``source``; ``activation``: its scaling to zero, when it
    does) cannot be written with, as a message naming the ScaledObject field and the fix; none
    when ``doc`` is no KEDA HPA."""
    name = _scaled_object(doc)
    if name is None:
        return []
    owner = f"the HPA is KEDA's for ScaledObject {name!r} ({source})"
    problems = []
    if 0 in grid.get("minReplicas", ()):
        problems.append(f"--vary minReplicas=0: {owner}: KEDA's HPA runs at minReplicas 1 or "
                        "more (minReplicaCount 0 gives 1, and KEDA's operator, not the HPA, "
                        "scales to zero); write minReplicaCount: 0 in the ScaledObject to "
                        "simulate scaling to zero, and vary minReplicas from 1")
    if activation is not None and any(v != 0 for v in grid.get("minReplicas", ())):
        problems.append(f"--vary minReplicas: {owner}, which scales to zero: another "
                        "minReplicas is another minReplicaCount, which changes KEDA's own "
                        "scaling too (the count it wakes to, and without idleReplicaCount "
                        "whether it scales to zero), and the sweep varies the HPA only; change "
                        "minReplicaCount in the ScaledObject and re-run, or leave minReplicas "
                        "out of --vary")
    for field in (f for f in grid if _sqs_metric(f)):
        for value in grid[field]:
            try:
                amount = parse_quantity(value)
            except QuantityError:  # parse_vary has refused it already
                continue
            if amount < 1 or amount != amount.to_integral_value():
                problems.append(f"--vary {field}={value}: {owner}: its aws-sqs-queue trigger's "
                                "metadata.queueLength, which sets this target, is a whole number "
                                ">= 1; give whole numbers, e.g. 10,20,40")
    return problems
