"""A PodDisruptionBudget (policy/v1) as the node autoscaler's scale-down reads it (audit15 A15-4).

The disruption controller (kubernetes ``pkg/controller/disruption/disruption.go``) keeps a
budget's ``status.disruptionsAllowed``:

- ``getExpectedPodCount``: with ``maxUnavailable`` (int or percent) the expected count is the
  owner's desired replicas (its scale), ``desiredHealthy = expected - maxUnavailable`` (at least
  0); with ``minAvailable`` as a percent, ``desiredHealthy`` is that percent of the desired
  replicas; with ``minAvailable`` as an int, ``desiredHealthy`` is the int and the expected
  count the number of pods the selector matches. A percent is scaled by
  ``intstr.GetScaledValueFromIntOrPercent(..., roundUp=true)``: rounded up, for both fields.
- ``updatePdbStatus``: ``disruptionsAllowed = currentHealthy - desiredHealthy``, 0 when that is
  negative or the expected count is 0; ``currentHealthy`` counts the matched pods that are Ready.
- a policy/v1 budget with neither field (the API server takes it; policy/v1 has no default,
  v1beta1's ``minAvailable: 1`` is gone) falls through ``getExpectedPodCount`` with an expected
  count of 0, so it allows no disruption ever: fail-closed, every eviction refused.

The simulation has one owner per budget (the workload's Deployment), so its desired replicas
are the spec replicas the HPA wrote. The scale-down rule built on it is in
:mod:`infra_toolkit.shared_scale_down` and :mod:`infra_toolkit.cluster_scale_down`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from infra_toolkit.errors import SpecError
from infra_toolkit.go_arithmetic import MAX_INT32

__all__ = ["DisruptionBudget", "scaled_value", "smallest_scaled"]

_PERCENT = re.compile(r"^(\d+)%$")


def scaled_value(value: int | str, total: int) -> int:
    """``value`` (a whole number, or ``"N%"`` of ``total``) as a number of pods, a percent
    rounded up (Go ``intstr.GetScaledValueFromIntOrPercent`` with ``roundUp`` true)."""
    if isinstance(value, int):
        return value
    match = _PERCENT.match(value)
    if match is None:
        raise SpecError(f"{value!r} is not a whole number or a percent like '25%'")
    return math.ceil(int(match.group(1)) * total / 100)


def smallest_scaled(values: Sequence[int | str], total: int) -> int:
    """The smallest of ``values`` (each as :func:`scaled_value` of ``total``): what several
    budgets allow together (a Karpenter NodePool's ``nodes``, ``GetAllowedDisruptionsByReason``
    taking the minimum); ``total`` without any."""
    return min((scaled_value(v, total) for v in values), default=total)


@dataclass(frozen=True)
class DisruptionBudget:
    """One budget: its ``name`` and at most one of ``min_available`` / ``max_unavailable``, each
    a whole number of pods >= 0 or a percent string (``"50%"``, at most 100 %) of the desired
    replicas; neither: the budget allows no disruption (:attr:`blocks_every_eviction`)."""

    name: str
    min_available: int | str | None = None
    max_unavailable: int | str | None = None

    def __post_init__(self) -> None:
        given = [v for v in (self.min_available, self.max_unavailable) if v is not None]
        if len(given) > 1:
            raise SpecError(f"PodDisruptionBudget {self.name!r}: give one of minAvailable and "
                            "maxUnavailable (the API server refuses both)")
        if not given:
            return  # policy/v1: no default; the disruption controller allows no disruption
        value = given[0]
        percent = _PERCENT.match(value) if isinstance(value, str) else None
        if isinstance(value, bool) or not isinstance(value, (int, str)) or (
                isinstance(value, int) and not 0 <= value <= MAX_INT32) or (
                isinstance(value, str) and (percent is None or int(percent.group(1)) > 100)):
            # IsNotMoreThan100Percent: "150%" would keep more pods than run, blocking for ever;
            # a count is an IntOrString's int32
            field = "minAvailable" if self.min_available is not None else "maxUnavailable"
            raise SpecError(f"PodDisruptionBudget {self.name!r}: {field} (={value!r}) must be "
                            "a whole number >= 0 or a percent from '0%' to '100%' like '25%'")

    @property
    def blocks_every_eviction(self) -> bool:
        """Whether the budget sets neither field: policy/v1 then allows no disruption, ever."""
        return self.min_available is None and self.max_unavailable is None

    def desired_healthy(self, desired_replicas: int) -> int:
        """The Ready pods the budget keeps, for ``desired_replicas`` (the owner's scale); every
        one for a budget of neither field (the controller's status says 0 of an expected 0,
        which allows no disruption either)."""
        if self.blocks_every_eviction:
            return desired_replicas
        if self.max_unavailable is not None:
            return max(0, desired_replicas - scaled_value(self.max_unavailable, desired_replicas))
        assert self.min_available is not None
        return scaled_value(self.min_available, desired_replicas)

    def disruptions_allowed(self, ready_pods: int, desired_replicas: int,
                            matched_pods: int) -> int:
        """``status.disruptionsAllowed`` with ``ready_pods`` Ready of ``matched_pods`` pods the
        selector matches, the owner's scale at ``desired_replicas``."""
        if self.blocks_every_eviction:
            return 0  # getExpectedPodCount: an expected count of 0
        expected = matched_pods if isinstance(self.min_available, int) else desired_replicas
        allowed = ready_pods - self.desired_healthy(desired_replicas)
        return 0 if expected <= 0 or allowed <= 0 else allowed
