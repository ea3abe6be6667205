"""The kube-controller-manager flags and feature gates the HPA controller reads.

:class:`ControllerConfig` is what a cluster operator sets (``--horizontal-pod-autoscaler-*``
flags, feature gates), not part of an HPA's spec (:mod:`infra_toolkit.hpa_spec`);
:data:`DEFAULT_CONTROLLER_CONFIG` holds the production defaults of Kubernetes 1.37.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra_toolkit.hpa_problems import spec_problem

__all__ = ["DEFAULT_CONTROLLER_CONFIG", "ControllerConfig"]


@dataclass(frozen=True, slots=True)
class ControllerConfig:
    """The kube-controller-manager flags and feature gates the HPA controller reads.

    Durations are seconds. Defaults are the production ones of Kubernetes 1.37; the Go unit tests
    use other values (legacy factor 8, CPU initialization 120 s, readiness delay 10 s).
    """

    tolerance: float = 0.1
    cpu_initialization_period_s: float = 300.0
    initial_readiness_delay_s: float = 30.0
    downscale_stabilization_s: float = 300.0
    sync_period_s: float = 15.0
    legacy_scale_up_limit_factor: float = 2.0
    legacy_scale_up_limit_minimum: float = 4.0
    gate_configurable_tolerance: bool = True
    gate_scale_to_zero: bool = True
    ignore_succeeded_pods: bool = True

    def __post_init__(self) -> None:
        for name in (
            "tolerance",
            "cpu_initialization_period_s",
            "initial_readiness_delay_s",
            "downscale_stabilization_s",
        ):
            if getattr(self, name) < 0:
                raise spec_problem(name, getattr(self, name), "must be 0 or more")
        if self.sync_period_s <= 0:
            raise spec_problem("sync_period_s", self.sync_period_s, "must be greater than 0")


DEFAULT_CONTROLLER_CONFIG = ControllerConfig()
