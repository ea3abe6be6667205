"""A plan warning for a KEDA ScaledObject whose ``idleReplicaCount`` is above 0
(:func:`idle_replica_warnings`; the text alone, for ``simulate``'s flag mode:
:func:`idle_replica_text`).

KEDA's ScaledObject reference (keda.sh, ``idleReplicaCount``) supports only 0: with its triggers
inactive past ``cooldownPeriod``, KEDA's operator writes the idle count to the target at every
``pollingInterval``, and the HPA it made, whose ``minReplicas`` is ``minReplicaCount`` (at least
1), raises the target back to its minimum at its next sync: the replicas flap between the two
counts every poll (:mod:`infra_toolkit.keda_activation`'s docstring; the simulation runs that
fight as a cluster does). A property of the ScaledObject alone: no simulation. No I/O.
"""

from __future__ import annotations

from infra_toolkit.keda_activation import KedaActivation
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_warning_type import PlanWarning

__all__ = ["idle_replica_text", "idle_replica_warnings"]


def idle_replica_text(keda: KedaActivation | None, hpa_min_replicas: int) -> str | None:
    """The warning for ``keda``'s ``idleReplicaCount`` above 0 beside the HPA's
    ``hpa_min_replicas`` (module docstring); ``None`` without one (no ScaledObject scaling to
    zero, no idle count, or an idle count of 0)."""
    if keda is None or not keda.idle_replica_count:
        return None
    idle, poll_s = keda.idle_replica_count, keda.polling_interval_s
    return (f"idleReplicaCount {idle:,} is above 0, which KEDA does not support (its "
            "ScaledObject docs: only 0 is): with the triggers inactive past cooldownPeriod "
            f"KEDA writes replicas: {idle:,} and the HPA (minReplicas {hpa_min_replicas:,}) "
            f"raises it back to {hpa_min_replicas:,} at each sync, so the replicas flap "
            f"{hpa_min_replicas:,} -> {idle:,} -> {hpa_min_replicas:,} every pollingInterval "
            f"({poll_s:,} s); set idleReplicaCount: 0 or remove it")


def idle_replica_warnings(workload: Workload, path: str) -> list[PlanWarning]:
    """A warning at ``path`` (the workload's ``hpa`` field) when ``workload``'s ScaledObject has
    an ``idleReplicaCount`` above 0 (module docstring); empty otherwise."""
    if workload.hpa_spec is None:
        return []
    text = idle_replica_text(workload.keda, workload.hpa_spec.min_replicas)
    return [] if text is None else [PlanWarning(
        path, f"the KEDA ScaledObject of workload {workload.name!r}: {text}")]
