"""The sweep engine's record mode: each variant's sync table and event log, worded exactly as
:func:`infra_toolkit.cluster.run_cluster` words them (reasons from ``hpa.reconcile``'s
conditions and errors, and the cluster autoscaler's messages), for the differential tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from infra_toolkit.hpa_metrics import failed_metrics_error, metric_error_text
from infra_toolkit.sweep_cluster import Cluster
from infra_toolkit.sweep_hpa import (
    E_NOSAMPLES,
    E_NOSNAP,
    LIMITED,
    R_ABOVE_MAX,
    R_ALL_BELOW,
    R_BELOW_MIN,
    R_METRIC_ABOVE,
    SyncOutcome,
)
from infra_toolkit.sweep_params import Variants

__all__ = ["event_logs", "sync_tables"]

_RESCALE = {R_ABOVE_MAX: "Current number of replicas above Spec.MaxReplicas",
            R_BELOW_MIN: "Current number of replicas below Spec.MinReplicas",
            R_ALL_BELOW: "All metrics below target"}


def _describe(metric: Any) -> str:
    if metric.type == "Resource":
        r = metric.resource
        if r.target.average_value_milli is not None:
            return f"{r.name} resource"
        return f"{r.name} resource utilization (percentage of request)"
    if metric.type == "Pods":
        return f"pods metric {metric.pods.metric.name}"
    if metric.type == "Object":
        return f"{metric.object.described_object.kind} metric {metric.object.metric.name}"
    return f"external metric {metric.external.metric.name}"


def _error(hpa: Any, metric: Any, code: int) -> str:
    """The failed metric's error as ``hpa.reconcile``'s ScalingActive condition quotes it."""
    if metric.type == "Resource":
        name = metric.resource.name
        what = "usage" if metric.resource.target.average_value_milli is not None else "utilization"
        if code in (E_NOSNAP, E_NOSAMPLES):  # an empty answer fails as no answer does
            return (f"failed to get {name} {what}: unable to get metrics for resource {name}: "
                    "no metrics returned from resource metrics API")
        return (f"failed to get {name} {what}: did not receive metrics for targeted pods "
                "(pods might be unready)")
    if metric.type == "Pods":
        return (f"unable to get metric {metric.pods.metric.name}: no metrics returned from "
                "custom metrics API")
    if metric.type == "Object":
        ref = metric.object.described_object
        return (f"unable to get metric {metric.object.metric.name} on {ref.kind} "
                f"{hpa.namespace}/{ref.name}")
    return f"unable to get external metric {metric.external.metric.name}"


def _sync_reason(spec: Any, out: SyncOutcome, i: int) -> str:
    if out.failed[i]:
        metrics = spec.hpa.metrics
        first = metrics[int(out.first_error_slot[i])]
        detail = _error(spec.hpa, first, int(out.first_error_code[i]))
        return failed_metrics_error(spec.hpa, (
            f"invalid metrics ({int(out.invalid[i])} invalid out of {len(metrics)}), "
            f"first error is: {metric_error_text(first, detail)}"))
    return LIMITED[int(out.limited[i])] or ""


def sync_tables(v: Variants, log: list[tuple[float, np.ndarray, SyncOutcome]],
                 ) -> list[list[tuple[float, int, int | None, int, str]]]:
    """Each variant's sync table from the engine's per-sync ``log``: rows of (time in s,
    current replicas, proposal or ``None``, replicas written, reason), worded as ``simulate``'s
    ``syncs``."""
    tables: list[list[tuple[float, int, int | None, int, str]]] = [[] for _ in v.specs]
    for t, cur, out in log:
        for i, spec in enumerate(v.specs):
            proposal = int(out.proposal[i])
            tables[i].append((t, int(cur[i]), None if proposal < 0 else proposal,
                              int(out.written[i]), _sync_reason(spec, out, i)))
    return tables


def event_logs(v: Variants, c: Cluster, hpa_log: list[Any],
                ) -> list[list[tuple[float, str, int, int, str]]]:
    """Node events (logged by scans, which run before a sync at the same instant) and HPA
    events, merged in the scalar loop's order."""
    merged: list[tuple[tuple[float, int, int], int, tuple[float, str, int, int, str]]] = []
    for order, rec in enumerate(c.log or []):
        t, row, kind, a, b, reason = c.describe_event(rec)
        merged.append(((t, 0, order), row, (t, kind, a, b, reason)))
    for order, (t, rows, old, out) in enumerate(hpa_log):
        for i, cur in zip(rows.tolist(), old.tolist(), strict=True):
            spec = v.specs[i]
            code = int(out.rescale_reason[i])
            if code == R_METRIC_ABOVE:
                why = f"{_describe(spec.hpa.metrics[int(out.rescale_metric[i])])} above target"
            else:
                why = _RESCALE.get(code, "")
            proposal = int(out.proposal[i])
            reason = (f"{why}; proposal {None if proposal < 0 else proposal}, limit "
                      f"{LIMITED[int(out.limited[i])]}")
            merged.append(((t, 1, order), i, (t, "hpa_scale", cur, int(out.written[i]), reason)))
    merged.sort(key=lambda e: e[0])
    logs: list[list[tuple[float, str, int, int, str]]] = [[] for _ in v.specs]
    for _, row, event in merged:
        logs[row].append(event)
    return logs
