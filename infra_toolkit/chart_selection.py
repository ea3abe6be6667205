"""Whose per-workload charts a report draws: the ``chart_workloads`` report parameter.

Each autoscaled workload has three charts per scenario (load, latency, its node cost per hour),
so a large estate's report grows by workloads x scenarios: audit15's 25 workloads in 4 scenarios
drew 246 charts (A15-10). Past :data:`DEFAULT_CHART_WORKLOADS` workloads the report charts the
busiest that many, and the Scaling Behaviour section names the workloads left out and the
command that charts them. Its tables always cover every workload.

Busiest: first the workloads that miss an SLO in some selected scenario (the most minutes
violated first), then by the highest offered rate of any run (peak offered rps); ties in plan
order. Pure: no I/O.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = ["DEFAULT_CHART_WORKLOADS", "ChartSelection", "busiest_first", "chart_command",
           "select_charted"]

#: Plans with at most this many autoscaled workloads chart every one by default; larger ones
#: chart the busiest this many (12 x 3 charts x 4 scenarios ~ 1.5 MB of figures).
DEFAULT_CHART_WORKLOADS = 12


@dataclass(frozen=True)
class ChartSelection:
    """The workloads whose charts are drawn (``shown``) and not (``left_out``), each in plan
    order, why (``rule``, a phrase for the report) and the command that charts the ones left
    out (:func:`chart_command`; empty when none is)."""

    shown: tuple[str, ...]
    left_out: tuple[str, ...] = ()
    rule: str = "every autoscaled workload"
    command: str = ""


def busiest_first(workloads: Sequence[str], slos: Sequence[Mapping[str, pd.DataFrame]],
                  peak_rps: Mapping[str, float]) -> list[str]:
    """``workloads`` busiest first (module docstring): by minutes violated over the SLO checks
    of every run (``slos``: per run, ``slo_check.evaluate_slos`` frames by workload; an SLO met
    counts 0), then by ``peak_rps`` (offered, the highest of any run), then plan order."""
    def missed(name: str) -> float:
        return sum(float(f.loc[~f["met"], "violation_minutes"].sum())
                   for run in slos if (f := run.get(name)) is not None)

    order = {name: i for i, name in enumerate(workloads)}
    return sorted(workloads, key=lambda n: (-missed(n), -peak_rps.get(n, 0.0), order[n]))


def select_charted(workloads: Sequence[str], request: int | tuple[str, ...] | None,
                   ranked: Sequence[str]) -> ChartSelection:
    """The charted ``workloads`` (plan order) for a checked ``chart_workloads`` ``request``
    (:func:`~infra_toolkit.notebook_parameters.check_chart_workloads`): None, every one up to
    :data:`DEFAULT_CHART_WORKLOADS`, else that many of ``ranked`` (:func:`busiest_first`); a
    count, that many of ``ranked``; names, those."""
    if isinstance(request, tuple):
        chosen, rule = set(request), f"the {len(request)} workload(s) named by chart_workloads"
    else:
        limit = DEFAULT_CHART_WORKLOADS if request is None else request
        if len(workloads) <= limit:
            return ChartSelection(tuple(workloads))
        chosen = set(ranked[:limit])
        rule = (f"the {limit} busiest of {len(workloads)} workloads"
                + (f" (the default past {DEFAULT_CHART_WORKLOADS} workloads)" if request is None
                   else " (chart_workloads)"))
    return ChartSelection(tuple(w for w in workloads if w in chosen),
                          tuple(w for w in workloads if w not in chosen), rule)


def chart_command(plan_path: str, parameters: Sequence[tuple[str, str]],
                  workloads: Sequence[str]) -> str:
    """The ``infra-toolkit report`` command that charts ``workloads`` of the plan at
    ``plan_path``, with the report's other ``parameters`` (name, YAML value), shell-quoted."""
    listed = "[" + ", ".join(workloads) + "]"
    words = ["infra-toolkit", "report", plan_path]
    for name, value in (*parameters, ("chart_workloads", listed)):
        words += ["-p", name, value]
    return shlex.join(words)
