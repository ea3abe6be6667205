"""Every combination of a sweep's grid (:func:`~infra_toolkit.tuning_grid.parse_vary`) as a
:class:`~infra_toolkit.tuning_grid.Variant` of one plan workload (:func:`build_variants`): its
HPA fields set in a copy of the HPA manifest (:mod:`infra_toolkit.tuning_hpa_fields`), its
node fields on its node group (:mod:`infra_toolkit.tuning_node_fields`); a combination the API
or the node group refuses is an invalid variant, listed with why and never simulated.

Pure: no I/O (the plan and price book are read by the caller).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from infra_toolkit.errors import InfraToolkitError, SpecError
from infra_toolkit.plan import Plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.pricing import PriceBook
from infra_toolkit.simulate import SimulationSpec
from infra_toolkit.tuning_grid import DEFAULT_MAX_VARIANTS, NODE_FIELDS, Variant, grid_size
from infra_toolkit.tuning_hpa_fields import hpa_variants
from infra_toolkit.tuning_node_fields import node_group_variants

__all__ = ["build_variants"]


def build_variants(plan: Plan, workload: Workload, base: SimulationSpec,
                   grid: Mapping[str, Sequence[Any]], book: PriceBook,
                   max_variants: int = DEFAULT_MAX_VARIANTS) -> list[Variant]:
    """Every combination of ``grid`` (field -> values, :func:`parse_vary`) applied to ``base``
    (the workload's simulation as the plan gives it), in grid order (the last field fastest).
    Raises :class:`SpecError` listing every problem at once: a grid over ``max_variants``
    combinations, a field the HPA cannot vary, a value refused in every combination, an
    instance type the price book lacks (nearest names) or the pods cannot run on."""
    size = grid_size(grid)
    if size > max_variants:
        counts = " x ".join(f"{len(v)} {f}" for f, v in grid.items())
        raise SpecError(f"the grid has {size:,} variants ({counts}), more than the limit of "
                        f"{max_variants:,}; vary fewer values, or raise the limit with "
                        "--max-variants")
    hpas, problems = hpa_variants(plan, workload, grid)
    groups, node_problems = node_group_variants(plan, workload, base, grid, book)
    problems += node_problems
    if problems:
        raise SpecError("\n".join(problems))
    hpa_fields = [f for f in grid if f not in NODE_FIELDS]
    node_fields = [f for f in NODE_FIELDS if f in grid]
    out = []
    for i, combo in enumerate(itertools.product(*grid.values())):
        values = dict(zip(grid, combo, strict=True))
        hpa = hpas.get(tuple(values[f] for f in hpa_fields), base.hpa)
        group = groups[tuple(values[f] for f in node_fields)]
        if isinstance(group, str):
            out.append(Variant(values, None, str(values.get("instance_type",
                                                            base.node_groups[0].instance_type)),
                               group))
            continue
        if isinstance(hpa, str):
            out.append(Variant(values, None, group.instance_type, hpa))
            continue
        try:
            spec = dataclasses.replace(base, hpa=hpa, node_groups=(group,), name=f"v{i}") \
                if node_fields else dataclasses.replace(base, hpa=hpa, name=f"v{i}")
        except InfraToolkitError as exc:
            out.append(Variant(values, None, group.instance_type, str(exc)))
            continue
        out.append(Variant(values, spec, group.instance_type))
    return out
