"""The sweep's summary screen (step 1 of :mod:`infra_toolkit.tuning`): every variant through
:func:`~infra_toolkit.simulate.simulate_many` per scenario (``screened_rows``), priced from its
summary row, and rejected only where the report's SLO rule's outcome is certain (a p95 latency
SLO under the row's ``max_p95_latency_ms``, an availability SLO the row's served share misses
by more than float rounding; served / (served + dropped), as the report's rule)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from infra_toolkit.plan_scenario_types import Scenario, Slo
from infra_toolkit.report_html import quantity_text
from infra_toolkit.simulate import simulate_many
from infra_toolkit.slo_check import availability_pct
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.tuning_cost import SweepPricer
from infra_toolkit.tuning_grid import Variant
from infra_toolkit.tuning_table import blank_row, summary_figures

__all__ = ["SCREEN_BATCH", "screened_rows"]

# served / (served + dropped) from a summary row and from a timeline differ by float rounding only
_AVAILABILITY_SLACK_PCT = 1e-9
#: variants per simulate_many call: the sweep engine holds each variant's per-step arrays, about
#: 0.27 MB a variant on a 24 h day of 15 s steps (8,400 variants at once peaked at 2.3 GB; the
#: 20,000 of --max-variants would need ~5.5 GB); each variant's row is its own, so batches give
#: the same rows in bounded memory (~1.1 GB). A batch also costs a fixed ~4 CPU-s a day of steps
#: (3,780 variants: 18 CPU-s at once, 32 in batches of 1,000), hence batches this large.
SCREEN_BATCH = 4_000


def _screen(slos: Sequence[Slo], row: Mapping[str, Any]) -> dict[str, str]:
    """The SLOs a summary row shows violated, each with why (only certain outcomes)."""
    out = {}
    for s in slos:
        if s.metric == "latency" and s.percentile == 95:
            assert s.threshold_ms is not None
            worst = float(row["max_p95_latency_ms"])
            if worst > s.threshold_ms:  # NaN (no load) compares False
                out[s.name] = f"max p95 {worst:,.0f} ms > {s.threshold_ms:g} ms"
        elif s.metric == "availability":
            assert s.objective_pct is not None
            pct = availability_pct(float(row["served_requests"]), float(row["dropped_requests"]))
            if pct < s.objective_pct - _AVAILABILITY_SLACK_PCT:
                # rounded down: 99.8995 % printed as 99.900 would read as the 99.9 % it misses
                out[s.name] = f"{quantity_text(pct, 3, down=True)} % served < " \
                              f"{s.objective_pct:g} %"
    return out


def screened_rows(variants: Sequence[Variant], chosen: Sequence[Scenario],
                  curves: Mapping[str, TrafficCurve], slos: Sequence[Slo], pricer: SweepPricer,
                  cost_scenario: str) -> list[dict[str, Any]]:
    """Every variant's row from its summary rows (:func:`~infra_toolkit.simulate.simulate_many`,
    one call per chosen scenario): its figures, its cost priced from the node-hours (of
    ``cost_scenario`` in ``monthly_usd``), and ``fails SLOs`` by the ``summary screen`` where a
    row shows an SLO certainly violated."""
    rows = [blank_row(i, v, chosen, slos) for i, v in enumerate(variants)]
    runnable = [i for i, v in enumerate(variants) if v.spec is not None]
    specs = [variants[i].spec for i in runnable]
    for s in chosen:
        summaries = [row for start in range(0, len(specs), SCREEN_BATCH)
                     for row in simulate_many(curves[s.name], [
                         sp for sp in specs[start:start + SCREEN_BATCH] if sp is not None
                     ]).to_dict("records")]
        for i, summary in zip(runnable, summaries, strict=True):
            spec = variants[i].spec
            assert spec is not None
            hours = {g.name: float(summary.get(f"node_hours_{g.instance_type}", 0.0))
                     for g in spec.node_groups}
            cost = pricer.monthly(spec, hours, float(summary["duration_s"]) / 3600.0,
                                  volumes=pricer.claims.from_summary(summary, spec)
                                  if pricer.claims else None)
            row = rows[i]
            row.update(summary_figures(s.name, summary, spec, cost))
            if s.name == cost_scenario:
                row["monthly_usd"], row["cost_note"], row["claimed_volumes_monthly_usd"] = cost
            for slo_name, why in _screen(slos, summary).items():
                row[f"{s.name}:{slo_name}:met"] = False
                row["status"], row["checked_by"] = "fails SLOs", "summary screen"
                row["note"] = "; ".join(filter(None, (row["note"], f"{s.name}: {why}")))
    return rows
