"""CPU credits of burstable (T-family) instances, as AWS accounts them. Pure: no I/O, no clock.

The rules, from the EC2 User Guide (awsdocs/amazon-ec2-user-guide@0147f878dcba
``doc_source/burstable-credits-baseline-concepts.md`` and @87a80ab5b121
``doc_source/burstable-performance-instances-unlimited-mode-concepts.md``):

- one CPU credit is one vCPU at 100 % for one minute; an instance earns its type's
  ``credits_per_hour`` continuously while running and spends its CPU use, both accounted
  continuously (here: per step, the CPU held constant within a step);
- unspent earnings accrue up to ``max_accrued_credits`` (what the type earns in 24 h); T3, T3a
  and T4g get no launch credits, so a new instance starts with none; a T2 in Standard mode gets
  its type's ``launch_credits`` (30 a vCPU) at launch, spent first and outside the accrual cap
  (@1300242630f6 ``doc_source/burstable-performance-instances-standard-mode-concepts.md``; the
  account's limit of 100 such launches a day is not modelled);
- above the baseline an instance spends its accrued credits first; then, in Unlimited mode, it
  spends *surplus* credits, which later earnings (below the baseline) pay down before accruing;
  in Standard mode it is held to the baseline instead (throttled);
- surplus credits are charged, at a flat rate per vCPU-hour, when the surplus balance exceeds
  what the instance earns in 24 h (the excess, at the end of the hour) and when the instance
  stops or terminates (the whole balance).

A fleet of interchangeable instances sharing one CPU load evenly (a node group) is accounted as
one pool: earnings, caps and balances scale with the instances running, and an instance removed
takes its even share of the balances: its share of the surplus is charged, of the accrued
credits lost. Quantities in results are vCPU-hours (credits / 60), the unit AWS bills.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from infra_toolkit.errors import SimulationError
from infra_toolkit.time_units import SECONDS_PER_HOUR

__all__ = ["CREDIT_MODES", "CreditLedger", "CreditSpec", "credit_ledger"]

CREDIT_MODES = ("unlimited", "standard")
_MINUTES_PER_HOUR = 60.0


@dataclass(frozen=True)
class CreditSpec:
    """A burstable instance type's credit figures (the EC2 User Guide's credit table): credits
    earned per hour, the most it can accrue, its vCPUs, the mode it launches in and the launch
    credits a T2 gets in Standard mode."""

    instance_type: str
    credits_per_hour: float
    max_accrued_credits: float
    vcpu: int
    default_mode: str
    launch_credits: float = 0.0

    def __post_init__(self) -> None:
        for name in ("credits_per_hour", "max_accrued_credits", "vcpu"):
            value = getattr(self, name)
            if not math.isfinite(value) or value <= 0:
                raise SimulationError(f"CreditSpec.{name} of {self.instance_type} = {value!r}: "
                                      "must be a finite number > 0")
        if not math.isfinite(self.launch_credits) or self.launch_credits < 0:
            raise SimulationError(f"CreditSpec.launch_credits of {self.instance_type} = "
                                  f"{self.launch_credits!r}: must be a finite number >= 0")
        if self.default_mode not in CREDIT_MODES:
            raise SimulationError(f"CreditSpec.default_mode of {self.instance_type} = "
                                  f"{self.default_mode!r}: use one of {', '.join(CREDIT_MODES)}")

    @property
    def baseline_vcpu(self) -> float:
        """The CPU (in vCPUs, the whole instance) that earns as fast as it spends."""
        return self.credits_per_hour / _MINUTES_PER_HOUR

    @property
    def baseline_pct(self) -> float:
        """The baseline as a percentage of the instance's vCPUs (t3.medium: 20)."""
        return 100.0 * self.baseline_vcpu / self.vcpu


@dataclass(frozen=True)
class CreditLedger:
    """What a run's CPU did to the credits, in vCPU-hours: ``used`` (CPU spent, credits / 60),
    ``earned`` (spent at once, kept or paying down surplus; earnings over the accrual cap are
    lost and not counted),
    ``accrued_end`` (balance left), ``surplus_spent``, ``surplus_paid_down``,
    ``surplus_charged`` (over the 24 h cap at an hour's end, or at a stop / termination),
    ``surplus_outstanding`` (owed at the end, not charged: the instances still run);
    ``instance_hours`` (the running instances' hours);
    ``above_baseline_s`` (seconds the CPU was above the running instances' baseline),
    ``throttled_s`` (Standard mode: seconds the accrued credits could not cover it) and
    ``launch_end_vcpu_h`` (T2 Standard: launch credits left, apart from ``accrued_end``)."""

    used_vcpu_h: float
    earned_vcpu_h: float
    accrued_end_vcpu_h: float
    surplus_spent_vcpu_h: float
    surplus_paid_down_vcpu_h: float
    surplus_charged_vcpu_h: float
    surplus_outstanding_vcpu_h: float
    instance_hours: float
    above_baseline_s: float
    throttled_s: float
    launch_end_vcpu_h: float = 0.0


def _array(name: str, values: Any, size: int | None) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1 or (size is not None and arr.size != size):
        want = "a 1-D array" if size is None else f"a 1-D array of {size} steps"
        raise SimulationError(f"{name}: must be {want}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise SimulationError(f"{name}: every value must be a finite number >= 0")
    return arr


def credit_ledger(cpu_vcpu: Any, instances: Any, step_s: float, spec: CreditSpec,
                  mode: str, *, stop_at_end: bool = False, accrued_start_vcpu_h: float = 0.0,
                  surplus_start_vcpu_h: float = 0.0, launch_start_vcpu_h: float | None = None
                  ) -> CreditLedger:
    """Account ``cpu_vcpu[i]`` (mean vCPUs used during step ``i`` by all instances together)
    on ``instances[i]`` running instances of ``spec``'s type, steps of ``step_s`` seconds from
    the launch of the first. Instances start with no earned credits (those of the first step: the
    balances given, for a window that repeats the one before it); a fall in ``instances``
    stops that share of the pool (its surplus charged); ``stop_at_end`` stops the rest after
    the last step. ``mode`` is ``unlimited`` or ``standard`` (nothing charged; CPU above what the
    credits cover counted as throttled seconds; instances launched get the type's launch
    credits, spent before the accrued ones: ``launch_start_vcpu_h`` are those of the first
    step's, by default those of instances just launched)."""
    cpu = _array("cpu_vcpu", cpu_vcpu, None)
    nodes = _array("instances", instances, cpu.size)
    if not math.isfinite(step_s) or step_s <= 0:
        raise SimulationError(f"step_s = {step_s!r}: must be > 0")
    if mode not in CREDIT_MODES:
        raise SimulationError(f"credit mode {mode!r}: use one of {', '.join(CREDIT_MODES)}")
    for name, start in (("accrued_start_vcpu_h", accrued_start_vcpu_h),
                        ("surplus_start_vcpu_h", surplus_start_vcpu_h),
                        ("launch_start_vcpu_h", launch_start_vcpu_h or 0.0)):
        if not math.isfinite(start) or start < 0:
            raise SimulationError(f"{name} = {start!r}: must be a finite number >= 0")
    if np.any((nodes == 0) & (cpu > 0)):
        raise SimulationError("cpu_vcpu: CPU used at a step with no instance running")
    unlimited = mode == "unlimited"
    step_min = step_s / 60.0
    earn_per_node = spec.credits_per_hour * step_s / SECONDS_PER_HOUR
    cap_per_node = spec.max_accrued_credits
    accrued, surplus = accrued_start_vcpu_h * 60, surplus_start_vcpu_h * 60
    launch_per_node = 0.0 if unlimited else spec.launch_credits
    # T2 Standard's launch credits, outside the accrual cap
    launch = (launch_start_vcpu_h * 60 if launch_start_vcpu_h is not None
              else float(nodes[0]) * launch_per_node if nodes.size else 0.0)
    earned = spent = paid = charged = used = 0.0
    above_s = throttled_s = 0.0
    prev_n = float(nodes[0]) if nodes.size else 0.0
    for i, (use, n) in enumerate(zip(cpu.tolist(), nodes.tolist(), strict=True)):
        if n < prev_n:  # instances stopped: their share of the pool leaves with them
            gone = (prev_n - n) / prev_n
            charged += surplus * gone
            surplus -= surplus * gone
            accrued -= accrued * gone
            launch -= launch * gone
        elif n > prev_n:  # instances launched: a T2 in Standard mode gets launch credits
            launch += (n - prev_n) * launch_per_node
        prev_n = n
        if n == 0:
            continue
        cost = use * step_min
        used += cost
        gain = n * earn_per_node
        if cost > gain:
            above_s += step_s
            short = cost - gain
            from_launch = min(launch, short)  # spent first, before earned credits
            launch -= from_launch
            short -= from_launch
            from_accrued = min(accrued, short)
            accrued -= from_accrued
            earned += gain
            if short > from_accrued:
                if unlimited:
                    surplus += short - from_accrued
                    spent += short - from_accrued
                else:
                    throttled_s += step_s
        else:
            net = gain - cost
            pay = min(surplus, net)
            surplus -= pay
            paid += pay
            keep = min(net - pay, max(0.0, n * cap_per_node - accrued))
            accrued += keep
            earned += cost + pay + keep
        t_end = (i + 1) * step_s
        if math.floor(t_end / SECONDS_PER_HOUR) > math.floor(i * step_s / SECONDS_PER_HOUR):
            over = surplus - n * cap_per_node  # beyond 24 h of earnings: charged at the hour
            if over > 0:
                charged += over
                surplus -= over
    if stop_at_end:
        charged += surplus
        surplus = 0.0
    hours = float(nodes.sum()) * step_s / SECONDS_PER_HOUR
    return CreditLedger(used / 60, earned / 60, accrued / 60, spent / 60, paid / 60,
                        charged / 60, surplus / 60, hours, above_s, throttled_s, launch / 60)
