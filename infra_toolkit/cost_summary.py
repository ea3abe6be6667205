"""Estimates side by side and in print: current vs proposed component by component, a low /
expected / high range across traffic scenarios, and the JSON-ready dicts and text tables the
``cost`` command prints. Pure: no I/O."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from infra_toolkit.cost import (
    HOURS_PER_MONTH,
    CostEstimate,
    CostLine,
    cents,
    unit_price_text,
    usd_text,
)
from infra_toolkit.cost_notes import missing_text, note_lines, note_ref, price_notes, unknown_usage

__all__ = [
    "compare_estimates",
    "comparison_to_dict",
    "cost_range",
    "estimate_frame",
    "estimate_to_dict",
    "format_comparison",
    "format_estimate",
    "json_usd",
    "printed_delta_usd",
    "render_cost",
    "rounding_note",
]


def _by_component(est: CostEstimate) -> dict[tuple[str, str], CostLine]:
    return {(ln.address, ln.component): ln for ln in est.lines}


def compare_estimates(current: CostEstimate, proposed: CostEstimate) -> pd.DataFrame:
    """Current vs proposed, component by component (matched on resource address and component
    name), with the monthly delta as printed (:func:`printed_delta_usd`), and a final TOTAL row.
    Money columns hold ``Decimal``; a missing price shows as ``None`` with the status saying
    so. A component both sides bill in other units (an ALB's LCU-hours replaced by an NLB's
    NLCU-hours, both "Load balancer capacity units") gives both, ``current / proposed``."""
    cur, new = _by_component(current), _by_component(proposed)
    order = list(dict.fromkeys([k[0] for k in cur] + [k[0] for k in new]))
    keys = sorted(dict.fromkeys([*cur, *new]), key=lambda k: order.index(k[0]))
    rows = []
    for key in keys:
        a, b = cur.get(key), new.get(key)
        either = b if b is not None else a
        a_usd = a.monthly_cost_usd if a else Decimal(0)
        b_usd = b.monthly_cost_usd if b else Decimal(0)
        statuses = {ln.status for ln in (a, b) if ln is not None}
        # the one name of an ALB's LCUs and an NLB's NLCUs: the row said NLCU-hours beside
        # the ALB's $7.01 of LCU-hours (author23), so it names each side's unit
        unit = f"{a.unit} / {b.unit}" if a is not None and b is not None \
            and a.unit != b.unit else either.unit if either is not None else ""
        rows.append({"resource": key[0], "component": key[1], "unit": unit,
                     "current_monthly_usd": a_usd, "proposed_monthly_usd": b_usd,
                     "delta_monthly_usd": (None if a_usd is None or b_usd is None
                                           else printed_delta_usd(a_usd, b_usd)),
                     "status": "PRICE NOT FOUND" if "PRICE NOT FOUND" in statuses else
                     "usage unknown" if "usage unknown" in statuses else "priced"})
    rows.append({"resource": "TOTAL", "component": "", "unit": "",
                 "current_monthly_usd": current.total_monthly_usd,
                 "proposed_monthly_usd": proposed.total_monthly_usd,
                 "delta_monthly_usd": printed_delta_usd(current.total_monthly_usd,
                                                        proposed.total_monthly_usd),
                 "status": _total_status(current, proposed)})
    return pd.DataFrame(rows)


def printed_delta_usd(current: Decimal, proposed: Decimal) -> Decimal:
    """The monthly delta in USD that every printed figure shows (``cost``'s table, JSON and CSV,
    the report, the approval policy's basis): the difference of the two figures as printed (to
    the cent), so that the printed columns subtract ($441.695 -> $441.70 against $5,461.27
    shows $5,019.57, not the exact $5,019.575 -> $5,019.58)."""
    return cents(proposed) - cents(current)


def rounding_note(frame: pd.DataFrame, columns: Mapping[str, str]) -> str | None:
    """Why a money column of ``frame`` (lines, then a final TOTAL row) does not add up as
    printed, or None when every column does: lines are rounded to the cent while TOTAL is the
    exact sum rounded once (the figure the approval policy reads), so the printed lines of a
    column can add up to a few cents away from its TOTAL. ``columns`` maps each money column
    to the name the reader sees. A line without a price (``None``) is left out, as from TOTAL."""
    lines, total = frame.iloc[:-1], frame.iloc[-1]
    gaps = []
    for column, shown in columns.items():
        added = sum((cents(v) for v in lines[column] if v is not None and not pd.isna(v)),
                    Decimal(0))
        if total[column] is not None and added != cents(total[column]):
            gaps.append(f"{shown} lines add up to {usd_text(added)} against TOTAL "
                        f"{usd_text(total[column])}")
    if not gaps:
        return None
    return ("lines are rounded to the cent and each TOTAL is the exact sum rounded once, so the "
            "printed lines can differ from it by a few cents: " + "; ".join(gaps))


def _total_status(*estimates: CostEstimate) -> str:
    """The TOTAL row's status: incomplete when any estimate misses a price."""
    missing = any(est.has_missing_prices for est in estimates)
    return "INCOMPLETE: price not found" if missing else "priced"


def estimate_frame(est: CostEstimate) -> pd.DataFrame:
    """The estimate's lines (:meth:`CostEstimate.to_frame`) and a final TOTAL row, as
    :func:`compare_estimates` ends with one. Money columns hold ``Decimal``."""
    total = {"resource": "TOTAL", "component": "", "unit": "",
             "monthly_cost_usd": est.total_monthly_usd, "status": _total_status(est),
             "price_source": "", "price_not_found": "", "note": ""}
    return pd.concat([est.to_frame(), pd.DataFrame([total])], ignore_index=True)


def cost_range(estimates: Mapping[str, CostEstimate], expected: str) -> pd.DataFrame:
    """Low / expected / high monthly cost per component across scenarios (one estimate per
    scenario name), plus one column per scenario and a TOTAL row whose low and high are the
    lowest and highest scenario totals."""
    if expected not in estimates:
        raise KeyError(f"expected scenario {expected!r} not among {', '.join(estimates)}")
    keys: dict[tuple[str, str], None] = {}
    for est in estimates.values():
        keys.update(dict.fromkeys(_by_component(est)))
    rows = []
    for key in keys:
        costs = {name: (_by_component(est).get(key)) for name, est in estimates.items()}
        usd = {name: (ln.monthly_cost_usd if ln else Decimal(0)) for name, ln in costs.items()}
        known = [v for v in usd.values() if v is not None]
        rows.append({"resource": key[0], "component": key[1],
                     "low_monthly_usd": min(known) if known else None,
                     "expected_monthly_usd": usd[expected],
                     "high_monthly_usd": max(known) if known else None,
                     **{f"{name}_monthly_usd": v for name, v in usd.items()}})
    totals = {name: est.total_monthly_usd for name, est in estimates.items()}
    rows.append({"resource": "TOTAL", "component": "", "low_monthly_usd": min(totals.values()),
                 "expected_monthly_usd": totals[expected],
                 "high_monthly_usd": max(totals.values()),
                 **{f"{name}_monthly_usd": v for name, v in totals.items()}})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# JSON-ready dicts and text


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def json_usd(value: Decimal | None) -> float | None:
    """A money amount in USD as the JSON outputs give it: rounded half-up to cents (a number),
    ``None`` (null) for no price."""
    return None if value is None else float(cents(value))


def _line_dict(ln: CostLine) -> dict[str, Any]:
    source: dict[str, Any] | None = None
    if ln.price is not None:
        row, rate = ln.price.row, ln.price.rate
        source = {"table": row.table if row else None, "line": row.line if row else None,
                  "key": list(row.key) if row else None, "as_of": row.as_of if row else None,
                  "rate": rate.origin if rate else None,
                  "discount_pct": _num(ln.price.discount_pct), "ref": ln.price.ref}
    return {"resource": ln.address, "resource_type": ln.resource_type,
            "resource_name": ln.resource_name, "region": ln.region, "name": ln.component,
            "unit": ln.unit, "hourly_quantity": _num(ln.hourly_quantity),
            "monthly_quantity": _num(ln.monthly_quantity),
            "unit_price_usd": _num(ln.unit_price_usd),
            "monthly_usd": json_usd(ln.monthly_cost_usd), "status": ln.status,
            "price_source": source, "price_not_found": ln.price_not_found, "note": ln.note}


def estimate_to_dict(est: CostEstimate) -> dict[str, Any]:
    """One JSON object: ``components`` (each with ``monthly_usd``), ``total_monthly_usd``,
    ``complete`` (false when any price is missing), ``missing_prices``, ``pricing_tables``
    (name, path, sha256) and ``notes``. Money is rounded to cents."""
    return {
        "currency": "USD", "hours_per_month": int(HOURS_PER_MONTH),
        "components": [_line_dict(ln) for ln in est.lines],
        "total_monthly_usd": json_usd(est.total_monthly_usd),
        "complete": not est.has_missing_prices,
        "missing_prices": [{"resource": ln.address, "name": ln.component,
                            "message": ln.price_not_found} for ln in est.missing_prices],
        "pricing_tables": [{"name": t.name, "path": t.path, "sha256": t.sha256, "rows": t.rows}
                           for t in est.pricing_tables_used],
        "notes": list(est.notes),
    }


def comparison_to_dict(current: CostEstimate, proposed: CostEstimate) -> dict[str, Any]:
    """Current vs proposed as one JSON object: ``components`` (each with the proposed
    ``monthly_usd``, ``current_monthly_usd`` and ``delta_monthly_usd``), ``total_monthly_usd``
    (proposed), ``current_total_monthly_usd``, ``delta_monthly_usd``, ``complete``, and both
    estimates in full under ``current`` and ``proposed``."""
    frame = compare_estimates(current, proposed)
    components = [{"resource": r.resource, "name": r.component, "unit": r.unit,
                   "monthly_usd": json_usd(r.proposed_monthly_usd),
                   "current_monthly_usd": json_usd(r.current_monthly_usd),
                   "delta_monthly_usd": json_usd(r.delta_monthly_usd),
                   "status": r.status}
                  for r in frame.itertuples() if r.resource != "TOTAL"]
    return {
        "currency": "USD", "hours_per_month": int(HOURS_PER_MONTH), "components": components,
        "total_monthly_usd": json_usd(proposed.total_monthly_usd),
        "current_total_monthly_usd": json_usd(current.total_monthly_usd),
        "delta_monthly_usd": json_usd(printed_delta_usd(current.total_monthly_usd,
                                                      proposed.total_monthly_usd)),
        "complete": not (current.has_missing_prices or proposed.has_missing_prices),
        "current": estimate_to_dict(current), "proposed": estimate_to_dict(proposed),
    }


def _qty(value: Decimal | None) -> str:
    """A table quantity: up to four decimals (a node group's disk GB x node-hours / 730 has 28),
    so the column stays readable; CSV and JSON keep every digit."""
    if value is None:
        return "-"
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        value = value.quantize(Decimal("0.0001"))
    return f"{value.normalize():,f}"


def _plain(value: Decimal | None) -> str | None:
    """A CSV quantity or price: every decimal it has, no trailing zeros, no exponent."""
    return None if value is None or pd.isna(value) else f"{value.normalize():f}"


def format_estimate(est: CostEstimate) -> str:
    """A text table: one line per component with the price table row (or override rate) its
    price came from (missing prices flagged with the reason), the total, notes and the pricing
    tables used (file and SHA-256)."""
    rows = [("RESOURCE / COMPONENT", "MONTHLY QTY", "UNIT", "UNIT PRICE", "MONTHLY COST",
             "PRICE SOURCE")]
    flagged: list[str] = []
    line_notes: list[str] = []
    notes = price_notes(est.lines)
    for address in dict.fromkeys(ln.address for ln in est.lines):
        rows.append((address, "", "", "", "", ""))
        for ln in (x for x in est.lines if x.address == address):
            cost = {"PRICE NOT FOUND": "PRICE NOT FOUND", "usage unknown": "depends on usage"
                    }.get(ln.status, usd_text(ln.monthly_cost_usd))
            source = ln.price.ref if ln.price is not None else "-"
            if ln.price_not_found is not None:
                source = note_ref(ln, notes)
                flagged.append(f"  {ln.address} / {ln.component}: {missing_text(ln, notes)}")
            rows.append((f"  {ln.component}", _qty(ln.monthly_quantity), ln.unit,
                         unit_price_text(ln.unit_price_usd), cost, source))
            if ln.note and ln.note != ln.price_not_found:
                line_notes.append(f"note: {ln.address} / {ln.component}: {ln.note}")
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    text = ["  ".join(c.ljust(w) if i in (0, 2, 5) else c.rjust(w) for i, (c, w) in
                      enumerate(zip(r, widths, strict=True))).rstrip() for r in rows]
    total = (f"TOTAL {usd_text(est.total_monthly_usd)} per month ({HOURS_PER_MONTH} hours)"
             + unknown_usage(est))
    if est.has_missing_prices:
        total += (f" -- INCOMPLETE: {len(flagged)} price(s) not found, left out of the total:\n"
                  + "\n".join([*flagged, *(f"  {n}" for n in note_lines(notes))]))
    rounding = rounding_note(estimate_frame(est), {"monthly_cost_usd": "MONTHLY COST"})
    text += ["", total, *([f"note: {rounding}"] if rounding else []), *line_notes,
             *[f"note: {n}" for n in est.notes], "pricing tables:",
             *[f"  {t.name}  sha256:{t.sha256}" for t in est.pricing_tables_used]]
    return "\n".join(text)


def format_comparison(current: CostEstimate, proposed: CostEstimate) -> str:
    """Current vs proposed per component as a text table, with the total delta, any missing
    prices flagged and the pricing tables both sides used (file and SHA-256: a user's table
    or override file changes prices, and the reader must see which priced them)."""
    frame = compare_estimates(current, proposed)
    rows = [("RESOURCE / COMPONENT", "CURRENT", "PROPOSED", "DELTA", "STATUS")]
    for r in frame.itertuples():
        label = r.resource if r.resource == "TOTAL" else f"{r.resource} / {r.component}"
        rows.append((label, usd_text(r.current_monthly_usd), usd_text(r.proposed_monthly_usd),
                     usd_text(r.delta_monthly_usd, signed=True),
                     "" if r.status == "priced" else r.status))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i in (0, 4) else c.rjust(w) for i, (c, w) in
                       enumerate(zip(r, widths, strict=True))).rstrip() for r in rows]
    rounding = rounding_note(frame, {"current_monthly_usd": "CURRENT",
                                     "proposed_monthly_usd": "PROPOSED",
                                     "delta_monthly_usd": "DELTA"})
    lines += [f"note: {rounding}"] if rounding else []
    lines += [f"note: {label} total{unknown_usage(est)}" for label, est in
              (("current", current), ("proposed", proposed)) if unknown_usage(est)]
    lines += _line_notes(current, proposed)
    notes = price_notes([*current.lines, *proposed.lines])
    for label, est in (("current", current), ("proposed", proposed)):
        lines += [f"PRICE NOT FOUND ({label}) {ln.address} / {ln.component}: "
                  f"{missing_text(ln, notes)}" for ln in est.missing_prices]
    lines += note_lines(notes)
    tables = dict.fromkeys((t.name, t.sha256) for t in
                           (*current.pricing_tables_used, *proposed.pricing_tables_used))
    return "\n".join([*lines, "pricing tables:",
                      *[f"  {name}  sha256:{sha}" for name, sha in tables]])


def _line_notes(current: CostEstimate, proposed: CostEstimate) -> list[str]:
    """``note: (proposed) address / component: note`` for each line whose price carries a
    caveat (a group of several types priced as its first, a commitment rate taken as a floor),
    as the single-estimate table prints them: a component whose line says the same on both
    sides is noted once, without a side."""
    sides: dict[tuple[str, str, str], list[str]] = {}
    for label, est in (("current", current), ("proposed", proposed)):
        for ln in est.lines:
            if ln.note and ln.note != ln.price_not_found:
                sides.setdefault((ln.address, ln.component, ln.note), []).append(label)
    return [f"note: {'' if len(labels) == 2 else f'({labels[0]}) '}{address} / {component}: "
            f"{note}" for (address, component, note), labels in sides.items()]


def render_cost(proposed: CostEstimate, fmt: str, current: CostEstimate | None = None) -> str:
    """What ``infra-toolkit cost`` prints: the estimate, or current vs proposed when
    ``current`` is given, as ``table`` text, ``json`` or ``csv``. Every format shows monthly
    money in cents (the totals are the exact sums, rounded once) and each priced line's source
    (table file and line, or the override rate); CSV ends with a TOTAL row in both layouts and
    writes quantities and unit prices as plain decimals (``4760``, ``0.085``: no ``.0``, no
    exponent, no thousands separator)."""
    if fmt == "json":
        doc = (estimate_to_dict(proposed) if current is None
               else comparison_to_dict(current, proposed))
        return json.dumps(doc, indent=2)
    if fmt == "csv":
        frame = (estimate_frame(proposed) if current is None
                 else compare_estimates(current, proposed))
        for column in [c for c in frame.columns if c.endswith("monthly_usd")
                       or c == "monthly_cost_usd"]:  # cents, as the table and JSON print
            frame[column] = [None if v is None else cents(v) for v in frame[column]]
        for column in [c for c in ("hourly_quantity", "monthly_quantity", "unit_price_usd")
                       if c in frame.columns]:  # 4760, not 4760.0 from a YAML float
            frame[column] = [_plain(v) for v in frame[column]]
        return str(frame.to_csv(index=False)).rstrip("\n")
    if fmt == "table":
        return (format_estimate(proposed) if current is None
                else format_comparison(current, proposed))
    raise ValueError(f"format {fmt!r}: use table, json or csv")
