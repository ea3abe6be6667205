"""A Deployment without an HPA (``FixedPods``): a fixed number of pods with their requests, on
the node groups it may use; it shares nodes with the simulated workloads
(:func:`infra_toolkit.simulate.simulate_cluster`)."""

from __future__ import annotations

from dataclasses import dataclass

from infra_toolkit.disruption_budget import DisruptionBudget
from infra_toolkit.errors import SimulationError
from infra_toolkit.nodes import NodeGroup
from infra_toolkit.spec_checks import require_finite, require_whole

__all__ = ["FixedPods"]


@dataclass(frozen=True)
class FixedPods:
    """A Deployment without an HPA: ``replicas`` pods, each requesting
    ``cpu_request_millicores`` and ``memory_request_mib`` (0: none) as the scheduler counts them
    (init containers included, no memory stand-in: a ``DeploymentSpec``'s ``packed_*``), on
    ``node_groups`` (priority order), at most ``max_pods_per_node`` of them a node (``None``:
    no cap; 1 for a required pod anti-affinity on ``kubernetes.io/hostname`` against its own
    pods)."""

    name: str
    replicas: int
    cpu_request_millicores: float
    memory_request_mib: float
    node_groups: tuple[NodeGroup, ...]
    max_pods_per_node: int | None = None
    # its PodDisruptionBudget, honoured by node scale-down (audit15 A15-4)
    disruption_budget: DisruptionBudget | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "node_groups", tuple(self.node_groups))
        o = f"fixed deployment {self.name!r}"
        require_whole(f"{o}.replicas", self.replicas, 0)
        for name in ("cpu_request_millicores", "memory_request_mib"):
            require_finite(f"{o}.{name}", getattr(self, name), 0)
        if self.max_pods_per_node is not None:
            require_whole(f"{o}.max_pods_per_node", self.max_pods_per_node, 1)
        if not self.node_groups:
            raise SimulationError(f"{o}: node_groups is empty; give the groups it runs on")

    @property
    def packed_cpu_millicores(self) -> float:
        """The CPU (millicores) one pod takes on a node: its request (no HPA reads it)."""
        return float(self.cpu_request_millicores)

    @property
    def packed_memory_mib(self) -> float:
        """The memory (MiB) one pod takes on a node: its request (no HPA reads it)."""
        return float(self.memory_request_mib)
