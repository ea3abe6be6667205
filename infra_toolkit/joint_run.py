"""The report's joint run of a plan's proposed workloads: every autoscaled workload's spec and
the Deployments without an HPA (:func:`fixed_pods`), as
:func:`~infra_toolkit.simulate.simulate_cluster` takes them (:func:`joint_run`), one scenario
run through them as the report runs it (:func:`simulate_scenario`: the report and
``simulate PLAN`` both), and one workload's spec put in it (:meth:`JointRun.with_spec`): the
sweep's variants and the explorer's tuning run beside the same neighbours the report runs. Pure:
the caller reads the plan and its price book.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from infra_toolkit.errors import SimulationError
from infra_toolkit.nodes import NodeGroup
from infra_toolkit.plan import Plan
from infra_toolkit.plan_simulation import (
    group_termination_s,
    simulation_node_groups,
    simulation_spec,
)
from infra_toolkit.plan_traffic import workload_loads
from infra_toolkit.pricing import PriceBook
from infra_toolkit.simulate import (
    ClusterSimulationResult,
    FixedPods,
    SimulationSpec,
    simulate_cluster,
)
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.workload_budgets import workload_budget

__all__ = ["JointRun", "fixed_pods", "joint_run", "simulate_scenario"]


@dataclass(frozen=True)
class JointRun:
    """``specs``: every autoscaled workload's spec, in plan order; ``fixed``: the Deployments
    without an HPA (their pods hold room on the nodes)."""

    specs: Mapping[str, SimulationSpec]
    fixed: tuple[FixedPods, ...] = ()
    #: the plan's side the workloads are of (``proposed`` or ``current``): their traffic shares
    side: str = "proposed"

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


def joint_run(plan: Plan, book: PriceBook, side: str = "proposed") -> JointRun:
    """The report's joint run of ``plan``'s ``side`` (``proposed``, or ``current``: today's
    cluster, run on the same traffic so the two can be compared), priced and sized with
    ``book``."""
    arch = plan.proposed if side == "proposed" else plan.current
    return JointRun({w.name: simulation_spec(plan, w.name, book, side)
                     for w in arch.workloads if w.hpa_spec is not None},
                    fixed_pods(plan, book, side), side)


def fixed_pods(plan: Plan, book: PriceBook, side: str = "proposed") -> tuple[FixedPods, ...]:
    """The Deployments of ``side`` without an HPA: their pods hold room on the nodes."""
    arch = plan.proposed if side == "proposed" else plan.current
    # the same groups as the workloads' (one NodeGroup a name in a shared run)
    termination_s = group_termination_s(plan, arch, book)
    return tuple(FixedPods(w.name, 1 if w.deployment_spec.replicas is None
                           else w.deployment_spec.replicas,
                           w.deployment_spec.packed_cpu_millicores,
                           w.deployment_spec.packed_memory_mib,
                           simulation_node_groups(arch, w, book,
                                                  plan.simulation.node_daemonsets,
                                                  termination_s),
                           w.deployment_spec.max_pods_per_node,
                           workload_budget(w).budget)
                 for w in arch.workloads if w.hpa_spec is None)


def simulate_scenario(plan: Plan, run: JointRun, scenario: str, curve: TrafficCurve
                      ) -> ClusterSimulationResult:
    """Scenario ``scenario``'s ``curve`` (before each workload's ``traffic_share``) through
    ``run``: every workload its share of it, all on one cluster, as the report runs it.

    Raises :class:`~infra_toolkit.errors.SimulationError` when the workloads' tick grids
    differ."""
    specs = run.specs
    first_tick = next(iter(specs.values())).tick_s
    if any(spec.tick_s != first_tick for spec in specs.values()):
        raise SimulationError(f"scenario {scenario!r}: the workloads' simulations have "
                              "different tick grids; give them the same sync and metric timings")
    return simulate_cluster(workload_loads(plan, curve, list(specs), run.side), specs,
                            run.fixed)
