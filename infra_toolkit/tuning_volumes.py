"""The sweep's claimed volumes: a StatefulSet workload's ``volumeClaimTemplates`` counted for a
variant as the report counts them (:mod:`~infra_toolkit.claimed_volumes`), for
:class:`~infra_toolkit.tuning_cost.SweepPricer` to price. Pure: no I/O.

A variant run through ``simulate`` (confirmed, cluster mode) has its timeline: its mean volume
count is the report's (:func:`run_volumes`, ``claimed_volumes.scenario_volumes`` itself). A
variant only screened has a summary row: no timeline, but its pod-hours (the integral of the
spec replicas, ``simulation_summary``: the HPA writes its scale on the tick grid, the tick being
the gcd of the timings, and a pod exists from that write to the one deleting it; the sweep
engine sums the spec replicas themselves), its peak replicas and its window.
:func:`screened_volumes` gives a lower bound of the run's mean from them, so the screened cost
stays a lower bound of the ranked one (the confirmation's stopping rule,
:mod:`~infra_toolkit.tuning`). Over the window's ``n`` ticks, with replicas ``r_t``
(``A`` = their sum, from the pod-hours; ``P`` = their peak) and ``s`` at the start:

* ``whenScaled: Delete``: the volumes are the replicas, so their sum is ``A``: the mean is
  exact, ``A / n``;
* ``whenScaled: Retain``: the volumes at a tick are ``max(s, r_0..r_t)``, at least ``max(s,
  r_t)``, and ``P`` from the peak's tick to the end (at least one tick). With ``k >= 1`` ticks from
  the first at ``P`` to the end, the sum is at least ``(n - k) s + k P`` and at least ``A`` (each
  tick's volumes >= its replicas); ``(n - k) s + k P`` is least at ``k = 1`` (``P >= s``), so
  the mean is at least ``max(A, (n - 1) s + P) / n``. Exact when the replicas never rise above
  ``s`` (``P = s``: ``s`` all window) or rise only at the last tick; below the run's mean when
  the peak comes early (the run keeps it after).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from infra_toolkit.claimed_volumes import (
    ClaimTemplate,
    claim_templates,
    priced_claims,
    scenario_volumes,
)
from infra_toolkit.plan import Plan

__all__ = ["VolumeMean", "WorkloadClaims", "run_volumes", "screened_volumes", "unpriced_note",
           "workload_claims"]


@dataclass(frozen=True)
class VolumeMean:
    """A variant's mean claimed volumes (per template) over a scenario's window, and how a
    summary row gave it (``how``; empty: from its run, as the report counts them)."""

    mean: float
    how: str = ""


@dataclass(frozen=True)
class WorkloadClaims:
    """The claim templates (priced or not) of one workload of ``plan``, with the functions
    below bound to it: what :class:`~infra_toolkit.tuning_cost.SweepPricer` counts with."""

    plan: Plan
    workload: str
    templates: tuple[ClaimTemplate, ...]

    @property
    def priced(self) -> list[ClaimTemplate]:
        """The templates the report prices (``claimed_volumes.priced_claims``)."""
        return priced_claims(self.templates)

    def from_run(self, simulation: Any) -> VolumeMean | None:
        """:func:`run_volumes` of the workload in ``simulation``."""
        return run_volumes(self.plan, self.templates, self.workload, simulation)

    def from_summary(self, row: Any, spec: Any) -> VolumeMean | None:
        """:func:`screened_volumes` of a summary ``row`` of ``spec`` (a ``SimulationSpec``)."""
        return screened_volumes(self.templates, row, int(spec.initial_replicas),
                                float(spec.tick_s))


def workload_claims(plan: Plan, workload: str) -> WorkloadClaims:
    """The claim templates of ``workload`` (a proposed StatefulSet's; none for another kind)."""
    index = next(i for i, w in enumerate(plan.proposed.workloads) if w.name == workload)
    return WorkloadClaims(plan, workload, tuple(c for c in claim_templates(plan)
                                                if c.workload_index == index))


def unpriced_note(claims: Sequence[ClaimTemplate]) -> str:
    """Why the claimed volumes of ``claims`` are left out of a sweep's money (the report leaves
    them unpriced too: ``claimed_volumes.priced_claims``), or empty when they are priced."""
    if not claims or priced_claims(claims):
        return ""
    problems = "; ".join(f"template {c.template!r} {c.problem}" for c in claims if c.problem)
    return (f"claimed volumes of StatefulSet {claims[0].statefulset} not included: "
            f"{problems or 'a template of it is not priced'} (the report leaves them unpriced "
            "too, and validate warns)")


def run_volumes(plan: Plan, claims: Sequence[ClaimTemplate], workload: str, simulation: Any
                ) -> VolumeMean | None:
    """The mean claimed volumes of ``workload``'s StatefulSet in ``simulation`` (shaped like a
    ``SimulationResult``), as the report counts them; None when none are priced."""
    means, _ = scenario_volumes(plan, claims, {workload: simulation})
    return next((VolumeMean(m) for m in means.values()), None)


def screened_volumes(claims: Sequence[ClaimTemplate], row: Any, initial_replicas: int,
                     tick_s: float) -> VolumeMean | None:
    """A lower bound of the mean claimed volumes from a summary ``row`` (its ``pod_hours``,
    ``peak_replicas`` and ``duration_s``) of a run of ``tick_s`` ticks starting at
    ``initial_replicas`` (module docstring: exact under ``Delete``); None when none are
    priced."""
    priced = priced_claims(claims)
    if not priced:
        return None
    n = max(1, round(float(row["duration_s"]) / tick_s))
    # the pod-hours are a whole number of pod-ticks (each tick's spec replicas)
    area = round(float(row["pod_hours"]) * 3600.0 / tick_s)
    if priced[0].when_scaled == "Delete":
        return VolumeMean(area / n, "whenScaled Delete: the mean replicas, pod-hours / window, "
                                    "as the run gives them")
    s = initial_replicas
    peak = max(int(row["peak_replicas"]), s)
    return VolumeMean(max(area, (n - 1) * s + peak) / n, (
        f"a lower bound (whenScaled Retain: at least the mean replicas and the {s} at the "
        f"start, the peak {peak} from the last tick only; the report counts the run's ticks)"))
