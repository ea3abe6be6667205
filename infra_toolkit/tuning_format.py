"""A sweep's result (:class:`~infra_toolkit.tuning.SweepResult`) as ``infra-toolkit sweep``
prints it: a text table, JSON or CSV (:func:`format_sweep`). Money is in cents in all three
(JSON: numbers, as ``infra-toolkit cost`` writes them). Pure: no I/O.

JSON keys: ``workload``, ``scenarios``, ``cost_scenario`` (whose monthly cost ranks),
``fields`` (varied), ``slos`` (names), ``slo_rule`` (how variants were judged),
``rank_rule`` (how the rows are ordered, :data:`~infra_toolkit.tuning_table.RANK_RULE`),
``summary_p95_threshold_ms`` (the p95 threshold of each row's ``summary_violation_minutes``),
``summary_latency_thresholds_ms`` (every latency threshold those minutes count, percentile ->
ms: ``{"p95": 250.0, "p99": 500.0}``),
``horizon_h`` (the hours of each scenario simulated, ``--horizon-h``; null for whole
scenarios), ``shares_nodes_with`` (the workloads and Deployments run with it: cluster mode;
empty when it runs alone), ``no_screen`` (why every valid variant was run with no summary
screen, e.g. ``every variant run (no screen): node groups a, b of one instance type,
m5.large``; empty when variants were screened and the cheapest confirmed), ``variant_count``,
``invalid_count``, ``status_counts`` (status -> how many variants, the baseline among them:
``meets SLOs``, ``not confirmed``, ``fails SLOs``, ``invalid``),
``confirmed_count`` (run through ``simulate``, or the report's joint run in cluster mode),
``unsettled_count`` (how many variants the confirmation limit left unconfirmed that could
still rank among the ``top`` cheapest meeting the SLOs; 0 when none could), ``unsettled`` (the
sentence that says so; empty when none could), ``behavior_written`` (why a variant can differ
from the baseline at the baseline's shown behavior values: a behavior field varied on an HPA
that writes no ``spec.behavior``; empty otherwise) and
``variants`` (ranked, the first ``top`` plus the baseline): each with ``rank``, ``baseline``,
``values`` (field -> value), ``status``, ``monthly_usd`` (the workload's node groups' whole
monthly cost, whoever's pods the nodes hold: what ranks), ``delta_monthly_usd``,
``request_share_monthly_usd`` (cluster mode only, else null: the workload's request share of
its groups' instance cost, as the report's per-workload node cost splits a shared group),
``claimed_volumes_monthly_usd`` (a StatefulSet's claimed volumes, part of ``monthly_usd``, as
the report prices them; null when it claims none the report prices), ``checked_by``, ``note``
and ``scenarios``: per scenario ``dropped_pct``, ``peak_replicas``, ``scale_events``,
``node_hours``, ``monthly_usd``, ``request_share_monthly_usd`` (both null for a load test: the
report projects none to a month), ``monthly_note`` (why they are null; empty otherwise),
``max_p95_latency_ms`` (null when not finite) and ``summary_violation_minutes`` (the summary
row's figures, every simulated row's, a screened one's too: minutes with any latency
percentile over its threshold, dropping or saturated; not the report's SLO rule), in
cluster mode ``neighbour_violation_minutes`` (the minutes the variant adds to the other
workloads' SLO violations over the baseline's, by the report's rule), and
``slos``: per SLO ``met``
(true / false / null: not judged) and ``violation_minutes`` (null unless judged by the report's
rule).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from infra_toolkit.cost import cents, usd_text
from infra_toolkit.cost_summary import json_usd
from infra_toolkit.output_numbers import decimals, rounded
from infra_toolkit.report_html import quantity_text, share_pct_text
from infra_toolkit.tuning import SweepResult
from infra_toolkit.tuning_table import NEIGHBOUR_MINUTES, RANK_RULE, STATUSES

__all__ = ["CLUSTER_SLO_RULE", "MONEY_IN_CLUSTER_MODE", "NEIGHBOUR_LEGEND", "SLO_RULE",
           "SUMMARY_LEGEND",
           "TABLE_LEGEND", "UNSCREENED_SLO_RULE", "format_sweep", "no_screen", "outcome",
           "shown_rows", "slo_rule", "status_counts"]

SLO_RULE = ("a variant meets the SLOs only when simulate + the report's SLO check "
            "(slo_check.evaluate_slos) met every SLO in every scenario; simulate_many's summary "
            "rows only reject (max p95 over a p95 threshold, availability short of its "
            "objective); the unrejected variants are confirmed cheapest first by their "
            "screened cost, a lower bound (CPU credits only add; a StatefulSet's claimed "
            "volumes at a lower bound), until no unconfirmed one "
            "could rank among the --top cheapest meeting the SLOs")
CLUSTER_SLO_RULE = ("cluster mode: every variant runs with the pods it shares nodes with, as "
                    "the report runs them (simulate_cluster), and meets the SLOs only when the "
                    "report's SLO check (slo_check.evaluate_slos) met every SLO in every "
                    "scenario; a variant that breaks another workload's SLO the baseline meets "
                    "fails")
#: ``{why}``: the result's ``unscreened`` reason (node groups of one instance type, which
#: summary rows cannot bill apart, or a PodDisruptionBudget the sweep engine does not model)
UNSCREENED_SLO_RULE = ("every variant runs (no screen: {why}), alone as the report runs it, "
                       "with node-hours per group, and meets the SLOs only when the report's "
                       "SLO check (slo_check.evaluate_slos) met every SLO in every scenario")
#: why node groups of one instance type are not screened, said after their names
_ONE_TYPE_WHY = (", which simulate_many's summary rows cannot bill apart (they count "
                 "node-hours per instance type)")


#: what the table's SLO and figure cells mean, printed under it (a '?' read as an error)
TABLE_LEGEND = (
    "SLO columns: yes = met; NO <n> min = missed for n minutes (the report's SLO check); NO = "
    "rejected by the summary screen (max p95 or served share; the report's minutes not "
    "computed: compare summary min); ? = not judged (not confirmed, invalid, or already "
    "rejected on another SLO)\n"
    "figures: dropped % of the offered requests; peak replicas; scale events = HPA syncs that "
    "changed the replicas; node-h = node-hours billed from each node's launch; - = not "
    "simulated (invalid: its note says why)")
#: the summary row's figures every simulated row has (a screened one too), as the legend names
#: them: ``{threshold}`` the workload's p95 latency SLO, 500 ms without one (said so), with its
#: unit
SUMMARY_LEGEND = (
    "summary-row figures, every simulated row's: max p95 ms = the run's highest p95 latency; "
    "summary min = minutes with {threshold}, requests dropped{saturated} "
    "(the simulator's summary row: one figure a scenario, not the report's per-SLO check)")
#: how the summary minutes treat saturated pods, by the workload's consumer (reader22: a pull
#: consumer's saturated steps are judged on their value, yet the legend counted them)
SATURATED_IN_SUMMARY = {"push": " or pods saturated",
                        "pull": ", a pull consumer's saturated pods judged on their value"}

#: cluster mode's own column, printed under the summary legend
NEIGHBOUR_LEGEND = (
    "neighbour min = the minutes the variant adds to the other workloads' SLO violations "
    "(each one's steps violating any of its SLOs by the report's check, less the baseline's; "
    "never below 0), ranked with summary min: a variant that breaks a neighbour is that far "
    "from passing")

MONEY_IN_CLUSTER_MODE = (
    "money: 'groups monthly' (ranked) is the whole cost of the node groups the workload runs on "
    "(every pod's nodes: what the variant makes the cluster pay); 'its share' is the workload's "
    "request share of their instance cost, as the report's per-workload node cost splits it "
    "(disks and CPU credits not split)")


def slo_rule(result: SweepResult) -> str:
    """How ``result``'s variants were judged: alone (screen, then confirm), alone with every
    variant run (node groups of one instance type) or in cluster mode."""
    if result.cluster:
        return CLUSTER_SLO_RULE
    # the rule names the run's own reason: it said "node groups of one type" for a budget too
    if not result.unscreened:
        return SLO_RULE
    why = result.unscreened
    if why.startswith("node groups "):  # tuning._one_type_groups names the groups only
        why += _ONE_TYPE_WHY
    return UNSCREENED_SLO_RULE.format(why=why)


def no_screen(result: SweepResult) -> str:
    """Why every valid variant of ``result`` was run with no summary screen (empty when they
    were screened)."""
    if result.cluster:
        return f"every variant run (no screen): shares nodes with {', '.join(result.cluster)}"
    return f"every variant run (no screen): {result.unscreened}" if result.unscreened else ""


def shown_rows(result: SweepResult, top: int | None) -> pd.DataFrame:
    """The first ``top`` ranked rows (None: all), the baseline added when it ranks lower."""
    table = result.table
    if top is None or top >= len(table):
        return table
    head = table.head(top)
    return head if head["baseline"].any() else pd.concat([head, table[table["baseline"]]])


def _number(value: Any) -> Any:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None  # JSON has no NaN / Infinity (a p95 with no pod serving), as simulate
    return value.item() if hasattr(value, "item") else value


def _whole(value: Any) -> int | None:
    """A count that a missing value may have turned into a float (4.0 -> 4)."""
    number = _number(value)
    return None if number is None else int(number)


def _json(result: SweepResult, rows: pd.DataFrame) -> str:
    variants = []
    for r in rows.to_dict("records"):
        scenarios = {}
        for s in result.scenarios:
            scenarios[s] = {
                "dropped_pct": _number(r[f"{s}:dropped_pct"]),
                "peak_replicas": _whole(r[f"{s}:peak_replicas"]),
                "scale_events": _whole(r[f"{s}:scale_events"]),
                "node_hours": _number(r[f"{s}:node_hours"]),
                "monthly_usd": json_usd(r[f"{s}:monthly_usd"]),
                "request_share_monthly_usd": json_usd(r[f"{s}:request_share_monthly_usd"]),
                "monthly_note": r[f"{s}:monthly_note"],
                "max_p95_latency_ms": _number(r[f"{s}:max_p95_latency_ms"]),
                "summary_violation_minutes": _number(r[f"{s}:summary_violation_minutes"]),
                **({NEIGHBOUR_MINUTES: _number(r[f"{s}:{NEIGHBOUR_MINUTES}"])}
                   if result.cluster else {}),
                "slos": {slo.name: {"met": _number(r[f"{s}:{slo.name}:met"]),
                                    "violation_minutes": _number(
                                        r[f"{s}:{slo.name}:violation_minutes"])}
                         for slo in result.slos}}
        scenarios = rounded("", scenarios)  # by each figure's unit (output_numbers)
        variants.append({"rank": int(r["rank"]), "baseline": bool(r["baseline"]),
                         "values": {f: _number(r[f]) for f in result.fields},
                         "status": r["status"], "monthly_usd": json_usd(r["monthly_usd"]),
                         "delta_monthly_usd": json_usd(r["delta_monthly_usd"]),
                         "request_share_monthly_usd": json_usd(r["request_share_monthly_usd"]),
                         "claimed_volumes_monthly_usd": json_usd(
                             r["claimed_volumes_monthly_usd"]),
                         "checked_by": r["checked_by"], "note": r["note"],
                         "scenarios": scenarios})
    table = result.table
    return json.dumps({
        "workload": result.workload, "scenarios": list(result.scenarios),
        "cost_scenario": result.cost_scenario, "fields": list(result.fields),
        "slos": [s.name for s in result.slos], "slo_rule": slo_rule(result),
        "rank_rule": RANK_RULE, "summary_p95_threshold_ms": result.summary_p95_threshold_ms,
        "summary_latency_thresholds_ms": {f"p{q}": ms for q, ms in result.summary_thresholds_ms},
        "shares_nodes_with": list(result.cluster), "no_screen": no_screen(result),
        "horizon_h": result.horizon_h,
        "variant_count": len(table), "invalid_count": int((table["status"] == "invalid").sum()),
        "status_counts": status_counts(result),
        "confirmed_count": result.confirmed, "unsettled_count": result.unsettled_count,
        "unsettled": result.unsettled, "behavior_written": result.behavior_written,
        "variants": variants}, indent=2)


def _met(value: Any, minutes: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    if value:
        return "yes"
    # minutes as the report's SLO table prints them (2 decimals at most)
    return "NO" if minutes is None or math.isnan(minutes) else \
        f"NO {quantity_text(minutes, 2)} min"


def _text(result: SweepResult, rows: pd.DataFrame) -> str:
    out = pd.DataFrame({
        "rank": rows["rank"],
        "": ["baseline" if b else "" for b in rows["baseline"]],
        **{f: rows[f] for f in result.fields},
        "status": rows["status"],
        "groups monthly" if result.cluster else "monthly":
            [usd_text(v) for v in rows["monthly_usd"]],
        "vs baseline": [usd_text(v, signed=True) for v in rows["delta_monthly_usd"]]})
    if result.cluster:
        out["its share"] = [usd_text(v) for v in rows["request_share_monthly_usd"]]
    if rows["claimed_volumes_monthly_usd"].notna().any():  # a StatefulSet's, in monthly
        out["of it volumes"] = [usd_text(v) for v in rows["claimed_volumes_monthly_usd"]]
    for s in result.scenarios:
        # a few requests dropped read "< 0.001", never the "0.000" of none dropped
        out[f"{s} dropped %"] = [share_pct_text(v, 3, trailing_zeros=True)
                                 if v is not None and not math.isnan(v) else "-"
                                 for v in rows[f"{s}:dropped_pct"]]
        out[f"{s} peak replicas"] = [_count_text(v) for v in rows[f"{s}:peak_replicas"]]
        out[f"{s} scale events"] = [_count_text(v) for v in rows[f"{s}:scale_events"]]
        # rounded by its unit as JSON and CSV give it (3 decimals), never 6 significant
        # digits: 95.3917 beside the CSV's 95.392, 1234.57 beside 1234.567
        out[f"{s} node-h"] = [("-" if v is None or math.isnan(v) else np.format_float_positional(
            rounded("node_hours", float(v)), trim="-")) for v in rows[f"{s}:node_hours"]]
        # 2 decimals as JSON and CSV give ms: 299.57 read "300" beside "p95 over 300 ms"
        out[f"{s} max p95 ms"] = [quantity_text(v, 2) for v in rows[f"{s}:max_p95_latency_ms"]]
        out[f"{s} summary min"] = [quantity_text(v, 2)
                                   for v in rows[f"{s}:summary_violation_minutes"]]
        if result.cluster:
            out[f"{s} neighbour min"] = [quantity_text(v, 2)
                                         for v in rows[f"{s}:{NEIGHBOUR_MINUTES}"]]
        for slo in result.slos:
            out[f"{s} {slo.name}"] = [_met(m, n) for m, n in zip(
                rows[f"{s}:{slo.name}:met"], rows[f"{s}:{slo.name}:violation_minutes"],
                strict=True)]
    table = result.table
    invalid = int((table["status"] == "invalid").sum())
    ran = (f"run with {', '.join(result.cluster)} as in the report" if result.cluster
           else f"run through simulate, {no_screen(result)}" if result.unscreened
           else "run through simulate")
    # screened: every valid variant had its summary row (the count the run time goes with)
    screened = "" if result.cluster or result.unscreened else \
        f"{len(table) - invalid} screened by simulate_many, "
    head = [f"workload {result.workload}: {len(table)} variants "
            f"({invalid} invalid, {screened}{result.confirmed} {ran}), "
            f"scenarios {', '.join(result.scenarios)}{_horizon_text(result)}; monthly node "
            f"{'and claimed volume ' if 'of it volumes' in out else ''}cost of "
            f"{result.cost_scenario}, projected to 730 h",
            f"SLO rule: {slo_rule(result)}", *([MONEY_IN_CLUSTER_MODE] if result.cluster else []),
            *([f"NOT SETTLED: {result.unsettled}"] if result.unsettled else []),
            *([f"behavior: {result.behavior_written}"] if result.behavior_written else []),
            *(f"{s}: {rows[f'{s}:monthly_note'].iloc[0]}" for s in result.scenarios
              if len(rows) and rows[f"{s}:monthly_note"].iloc[0]),
            outcome(result), *_hidden_invalid(result, rows)]
    notes, shared = _shared_notes(result, rows)
    threshold = _thresholds_text(result)
    return "\n".join([*head, "", TABLE_LEGEND, SUMMARY_LEGEND.format(
                          threshold=threshold, saturated=SATURATED_IN_SUMMARY[result.consumer]),
                      *([NEIGHBOUR_LEGEND] if result.cluster else []),
                      RANK_RULE, "", out.to_string(index=False),
                      *(["", "notes:", *shared, *notes] if notes or shared else [])])


def _thresholds_text(result: SweepResult) -> str:
    """What the summary minutes count a step violated on: ``p95 over 250 ms or p99 over 500
    ms`` (each latency threshold the plan's SLOs set; slo20: p99 was left out, so a variant
    breaking only its p99 SLO showed 0 minutes), the p95 one said to be the simulator's
    default when no SLO of the plan sets it."""
    parts = []
    for q, ms in result.summary_thresholds_ms or ((95, result.summary_p95_threshold_ms),):
        text = f"p{q} over {np.format_float_positional(ms, trim='-')} ms"
        if q == 95 and not any(s.metric == "latency" and s.percentile == 95
                               for s in result.slos):
            # 500 ms read as one of the plan's thresholds: a queue worker judged on
            # availability alone showed every minute of a day there, its SLO columns all "yes"
            text += (f" (the simulator's default, no SLO of the plan: {result.workload} has "
                     "no p95 latency SLO)")
        parts.append(text)
    return " or ".join(parts)


def _count_text(value: Any) -> str:
    """A count as the table prints it: ``-`` when not simulated (None or NaN)."""
    return "-" if value is None or math.isnan(value) else f"{int(value)}"


def _horizon_text(result: SweepResult) -> str:
    """How much of each scenario ran: empty for whole scenarios, else the ``--horizon-h`` cut
    (every figure, the month's projection too, is from those hours only)."""
    if result.horizon_h is None:
        return ""
    hours = np.format_float_positional(result.horizon_h, trim="-")
    return f" (each cut to its first {hours} h by --horizon-h)"


def _hidden_invalid(result: SweepResult, rows: pd.DataFrame) -> list[str]:
    """Why the invalid variants below ``--top`` are invalid, one line per reason with its count:
    the outcome line counts them, and their notes are not among the rows shown."""
    table = result.table
    hidden = table[(table["status"] == "invalid") & ~table["rank"].isin(rows["rank"])]
    found = hidden["note"].value_counts(sort=False)
    return [f"invalid below --top: {count} x {note}" for note, count in found.items()]


def status_counts(result: SweepResult) -> dict[str, int]:
    """How many of ``result``'s variants (the baseline among them) have each status, in
    :data:`~infra_toolkit.tuning_table.STATUSES` order."""
    found = result.table["status"].value_counts()
    return {s: int(found.get(s, 0)) for s in STATUSES}


def outcome(result: SweepResult) -> str:
    """The line that counts ``result``'s variants by status (the failures by what judged them)
    and says so plainly when none meets every SLO."""
    counts, table = status_counts(result), result.table
    failed = table["status"] == "fails SLOs"
    screen = int((failed & (table["checked_by"] == "summary screen")).sum())
    line = (f"outcome: meets SLOs {counts['meets SLOs']}, fails SLOs {counts['fails SLOs']} "
            f"(summary screen {screen}, report rule {counts['fails SLOs'] - screen}), "
            f"not confirmed {counts['not confirmed']}, invalid {counts['invalid']}")
    if counts["meets SLOs"] == 0 and counts["not confirmed"] == 0:
        line += (f"; NO VARIANT MEETS EVERY SLO in {', '.join(result.scenarios)}: the rows are "
                 "those that fail, the nearest to passing first (fewest summary min), each "
                 "note names what it misses; widen "
                 "the grid (a higher maxReplicas or max_size, a lower target) or review the SLOs")
    return line


def _shared_notes(result: SweepResult, rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Each shown row's note, without the cost note it shares with other variants, and each
    such cost note once, naming the ranks it applies to: a missing price's reason and fix
    (~500 characters) was repeated on every rank; a note left the same on several rows is
    printed once too, naming its ranks."""
    records = rows.to_dict("records")
    shared = []
    for cost in result.shared_cost_notes:
        ranks = [r["rank"] for r in records if r["note"] == cost
                 or str(r["note"]).startswith(cost + "; ")]
        if len(ranks) < 2:
            continue  # on one shown row only: left in its note
        for r in records:
            if r["rank"] in ranks:
                r["note"] = str(r["note"])[len(cost):].removeprefix("; ")
        which = "every rank" if len(ranks) == len(records) else \
            f"ranks {', '.join(map(str, ranks))}"
        shared.append(f"  {which}: {cost}")
    # a note several rows share (an instance type the AMI cannot run, one screen rejection)
    # once, naming its ranks: 64 invalid rows repeated one 200-character reason
    ranks_by_note: dict[str, list[str]] = {}
    for r in records:
        if r["note"]:
            ranks_by_note.setdefault(str(r["note"]), []).append(str(r["rank"]))
    return [f"  rank {ranks[0]}: {note}" if len(ranks) == 1 else
            f"  ranks {', '.join(ranks)}: {note}" for note, ranks in ranks_by_note.items()], shared


def format_sweep(result: SweepResult, fmt: str, top: int | None = None) -> str:
    """``result``'s first ``top`` ranked rows (and the baseline) as ``table``, ``json`` or
    ``csv`` (the table's columns, money in cents, a missing value empty)."""
    rows = shown_rows(result, top)
    if fmt == "json":
        return _json(result, rows)
    if fmt == "csv":
        frame = rows.copy()
        for c in frame.columns:
            if c == "monthly_usd" or c.endswith("monthly_usd"):
                frame[c] = [None if v is None else cents(v) for v in frame[c]]
            elif decimals(c) is not None:  # a simulated figure, by its unit (output_numbers)
                frame[c] = [rounded(c, v) for v in frame[c]]
        return str(frame.to_csv(index=False)).rstrip("\n")
    if fmt != "table":
        raise ValueError(f"format {fmt!r}: give table, json or csv")
    return _text(result, rows)
