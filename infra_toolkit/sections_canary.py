"""The Deployment Strategy section's simulated whole-stack canary: how the rule was applied
(start, instant steps, the stack's state at the start) and, per autoscaled workload the canary
rolls, one row per step (:func:`~infra_toolkit.stack_canary.canary_step_table`)."""

from __future__ import annotations

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.report_html import Table, paragraph, quantity_text, share_pct_text
from infra_toolkit.stack_canary import StackCanaryRun, canary_step_table, stack_canary_strategy

__all__ = ["stack_canary_parts"]

_CAPTION = ("Simulated canary of {workload}: per step, the offered rate at the step's first "
            "tick and its peak in the step (the scenario's traffic x the step's weight x the "
            "workload's traffic share), the spec replicas just before the step's traffic jump, "
            "their peak and at the step's end; under capacity after the jump: the "
            "under-capacity episode (offered load above what the Ready pods serve) beginning "
            "within one simulation tick of the step's start, its length split as the Scaling "
            "Behaviour's time-to-capacity table splits it (the parts that are not 0) and what "
            "closed it (pods: the new pods Ready; load: the load fell first; end: the run "
            "ended first), and the episodes beginning later in the step; dropped: the step's "
            "dropped requests over its offered ones; max p95 over the step's ticks against the "
            "workload's p95 SLO")


def _start_text(c: StackCanaryRun) -> str:
    if c.time_of_day_s is None:
        return ("at the scenario's start (the plan gives no deployment_strategy.canary.start), "
                f"{c.clock_text(0.0)}" + ("" if c.scenario_start is not None
                                          else " (a scenario without timestamps starts at 00:00)"))
    # "on the scenario's dates": a replayed trace keeps its own dates (and their summer or
    # winter time), so the plan's change window may open at another UTC hour (reader21)
    zone = ("UTC on the scenario's dates" if c.scenario_start is not None
            and c.scenario_start.tzinfo is not None
            else "the scenario's clock" if c.scenario_start is not None
            else "the scenario's clock, 00:00 at its first second")
    return (f"at {c.clock_text(c.start_s or 0.0)}, the first {c.clock_text(c.start_s or 0.0)} "
            f"at or after the scenario's start at {c.clock_text(0.0)} "
            f"(deployment_strategy.canary.start, a time of day in {zone})")


def _steps_left_out(c: StackCanaryRun, steps: int) -> str:
    """Why the plan's steps after the last window were not simulated ('' when none was left
    out): a manual pause held to the end (it happens at no known time) or the run's end."""
    if not c.windows or c.windows[-1].step == steps:
        return ""
    last = c.windows[-1]
    later = [str(n) for n in range(last.step + 1, steps + 1)]
    left = f"steps {', '.join(later)} are" if len(later) > 1 else f"step {later[0]} is"
    if last.holds_to_end:
        return (f" Step {last.step} waits for a person (pause: manual), which happens at no "
                f"known time: it is held to the scenario's end, so {left} not simulated; give "
                "it a duration, or put the manual pause on the last step, to simulate them.")
    return (f" The run ends during step {last.step}, so {left} not simulated; choose an "
            "earlier start or a longer scenario to simulate them.")


def stack_canary_parts(a: PlanAnalysis) -> list[str | Table]:
    """The simulated stack canary's rule and tables; empty for any other strategy."""
    c = a.canary
    if c is None:
        s = stack_canary_strategy(a.plan)
        if s is None or a.expected_scenario is not None or not a.runs:
            return []
        # a stack canary runs on the expected scenario: the selection (load tests only) has none
        return [paragraph(
            "The canary is simulated over the expected scenario, and the scenarios this report "
            f"selects ({', '.join(r.name for r in a.runs)}) are load tests only, which have "
            "none: nothing was simulated. Select a scenario that is not a load test "
            "(-p scenarios) to see the canary's steps.", "canary-simulation-rule")]
    if c.start_s is None:
        # under horizon_h the run ends before the scenario does: say which end, and its fix
        cut = a.horizon_h is not None and a.horizon_h * 3600.0 <= c.scenario_duration_s
        return [paragraph(
            f"The canary's start, {c.clock_text(c.time_of_day_s or 0.0)} "
            "(deployment_strategy.canary.start), falls after the end of the "
            + ("simulated part of " if cut else "")
            + f"scenario {c.scenario!r} ({c.clock_text(0.0)} to "
            f"{c.clock_text(c.scenario_duration_s)}"
            + (f", the first {a.horizon_h:g} h: horizon_h" if cut else "")
            + "): nothing was simulated. Give a start within that span, "
            + ("or a horizon_h reaching it." if cut else "or select a longer scenario."),
            "canary-simulation-rule")]
    starts = []
    for name in c.workloads:
        t = c.simulations[name].timeline
        starts.append(f"{name}: {int(t['ready_pods'].iloc[0])} Ready pods on "
                      f"{int(t['nodes'].iloc[0])} Ready nodes")
    parts: list[str | Table] = [paragraph(
        f"Simulated canary over the expected scenario {c.scenario!r} (the one the peak "
        f"replicas above come from): it starts {_start_text(c)}; each step sends the new stack "
        "its weight of the scenario's traffic for its pause, the last step holds its weight to "
        "the scenario's end. A weight changes at once: DNS caching spreads a real change over "
        "the records' TTL, so an instant step is the harsher load step for the HPA (the "
        "conservative assumption). The new stack is simulated as every scenario is (the same "
        "workloads, node groups and timings), starting as every run does: the Deployment's "
        "replicas (else minReplicas) warm and Ready on each node group's min_size nodes, "
        f"receiving nothing before the canary starts ({'; '.join(starts)})."
        + _steps_left_out(c, len(a.plan.deployment_strategy.steps)),
        "canary-simulation-rule")]
    two = {c: (lambda v: quantity_text(v, 2)) for c in (
        "Offered rps at the start", "Peak offered rps")}
    two["Dropped (%)"] = share_pct_text
    for name in c.workloads:
        parts.append(Table(canary_step_table(c, a.plan, name), two,
                           css_class="canary-simulation",
                           caption=_CAPTION.format(workload=name)))
    return parts
