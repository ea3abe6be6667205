"""The report's joint run of a plan's proposed workloads: every autoscaled workload's spec and
the Deployments without an HPA, as :func:`~infra_toolkit.simulate.simulate_cluster` takes them
(:func:`joint_run`), and one workload's spec put in it (:meth:`JointRun.with_spec`): the sweep's
variants and the explorer's tuning run beside the same neighbours the report runs. Pure: the
caller reads the plan and its price book.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from infra_toolkit.analysis import fixed_pods
from infra_toolkit.nodes import NodeGroup
from infra_toolkit.plan import Plan
from infra_toolkit.plan_simulation import simulation_spec
from infra_toolkit.pricing import PriceBook
from infra_toolkit.simulate import FixedPods, SimulationSpec

__all__ = ["JointRun", "joint_run"]


@dataclass(frozen=True)
class JointRun:
    """``specs``: every autoscaled workload's spec, in plan order; ``fixed``: the Deployments
    without an HPA (their pods hold room on the nodes)."""

    specs: Mapping[str, SimulationSpec]
    fixed: tuple[FixedPods, ...] = ()

    def sharing(self, name: str) -> tuple[str, ...]:
        """The workloads and Deployments whose pods share one of ``name``'s node groups."""
        mine = {g.name for g in self.specs[name].node_groups}
        return tuple([n for n, s in self.specs.items()
                      if n != name and mine & {g.name for g in s.node_groups}]
                     + [f.name for f in self.fixed if mine & {g.name for g in f.node_groups}])

    def with_spec(self, name: str, spec: SimulationSpec
                  ) -> tuple[dict[str, SimulationSpec], tuple[FixedPods, ...]]:
        """The run's specs and Deployments with ``spec`` for workload ``name``: its node groups
        (a variant's instance type or max size) for every pod that uses them, and its cluster
        autoscaler for every workload (one cluster has one)."""
        groups = {g.name: g for g in spec.node_groups}

        def regrouped(gs: Sequence[NodeGroup]) -> tuple[NodeGroup, ...]:
            return tuple(groups.get(g.name, g) for g in gs)

        specs = {n: spec if n == name else
                 dataclasses.replace(s, node_groups=regrouped(s.node_groups),
                                     autoscaler=spec.autoscaler)
                 for n, s in self.specs.items()}
        fixed = tuple(dataclasses.replace(f, node_groups=regrouped(f.node_groups))
                      for f in self.fixed)
        return specs, fixed


def joint_run(plan: Plan, book: PriceBook) -> JointRun:
    """The report's joint run of ``plan``'s proposed side, priced and sized with ``book``."""
    return JointRun({w.name: simulation_spec(plan, w.name, book)
                     for w in plan.proposed.workloads if w.hpa_spec is not None},
                    fixed_pods(plan, book))
