"""CPU credit accounting of burstable instances, hand-worked (cpu_credits.py's rules from the EC2
User Guide). Every case is a t3.medium: 2 vCPUs, 24 credits/h (baseline 24 / 60 = 0.4 vCPU, 20 %
of 2), at most 576 credits accrued; 1 credit = 1 vCPU-minute, so 60 credits = 1 vCPU-hour.
Steps of 300 s: a node earns 24 x 300 / 3600 = 2 credits a step; 1 vCPU for a step spends 5."""

from __future__ import annotations

import pytest

from infra_toolkit import cpu_credits
from infra_toolkit.cpu_credits import CreditSpec, credit_ledger
from infra_toolkit.errors import SimulationError

T3_MEDIUM = CreditSpec("t3.medium", 24.0, 576.0, 2, "unlimited")
STEP_S = 300.0
HOUR = 12  # steps


def _steps(*parts: tuple[float, int]) -> list[float]:
    return [value for value, count in parts for _ in range(count)]


def test_public_api_is_fixed() -> None:
    assert sorted(cpu_credits.__all__) == ["CREDIT_MODES", "CreditLedger", "CreditSpec",
                                           "credit_ledger"]


def test_the_baseline_is_the_earn_rate_in_vcpus() -> None:
    assert T3_MEDIUM.baseline_vcpu == pytest.approx(0.4)  # 24 credits/h / 60 min
    assert T3_MEDIUM.baseline_pct == pytest.approx(20.0)  # 0.4 / 2 vCPUs


# (case, cpu vCPUs per step, instances per step, mode, stop_at_end,
#  (surplus spent, paid down, charged, outstanding, accrued at end) in vCPU-hours, throttled s)
CASES = [
    # 1 h at 50 % (1 vCPU): spends 60, earns 24, no accrued credits: 36 surplus = 0.6 vCPU-h,
    # owed but not charged while the node runs
    ("one hour at 50 %, still running", _steps((1.0, HOUR)), _steps((1, HOUR)), "unlimited",
     False, (0.6, 0.0, 0.0, 0.6, 0.0), 0.0),
    # the same node terminated after that hour: its 36 surplus credits are charged (0.6 vCPU-h)
    ("one hour at 50 %, then terminated", _steps((1.0, HOUR)), _steps((1, HOUR)), "unlimited",
     True, (0.6, 0.0, 0.6, 0.0, 0.0), 0.0),
    # terminated mid-run (instances fall to 0): the same 36 charged at that moment
    ("launched at 1 h, 1 h at 50 %, terminated", _steps((0.0, HOUR), (1.0, HOUR), (0.0, HOUR)),
     _steps((0, HOUR), (1, HOUR), (0, HOUR)), "unlimited", False,
     (0.6, 0.0, 0.6, 0.0, 0.0), 0.0),
    # burst, then 3 h idle earn 72: 36 pay the surplus down, 36 accrue (0.6 vCPU-h); a stop
    # then charges nothing
    ("burst then paid down", _steps((1.0, HOUR), (0.0, 3 * HOUR)), _steps((1, 4 * HOUR)),
     "unlimited", True, (0.6, 0.6, 0.0, 0.0, 0.6), 0.0),
    # 2 h idle accrue 48; 1 h at 100 % (2 vCPU) spends 120, earns 24: 96 short, 48 from the
    # accrued balance, 48 surplus = 0.8 vCPU-h
    ("accrued credits spent first", _steps((0.0, 2 * HOUR), (2.0, HOUR)),
     _steps((1, 3 * HOUR)), "unlimited", False, (0.8, 0.0, 0.0, 0.8, 0.0), 0.0),
    # 30 h idle earn 720, but at most 576 accrue: 576 / 60 = 9.6 vCPU-h
    ("accrual capped at 24 h of earnings", _steps((0.0, 30 * HOUR)), _steps((1, 30 * HOUR)),
     "unlimited", False, (0.0, 0.0, 0.0, 0.0, 9.6), 0.0),
    # 7 h at 100 %: 120 - 24 = 96 surplus an hour; 6 h make 576 (the cap, not exceeded); the
    # 7th makes 672, so 96 are charged at its end (1.6 vCPU-h) and 576 stay owed (9.6)
    ("surplus over 24 h of earnings charged at the hour", _steps((2.0, 7 * HOUR)),
     _steps((1, 7 * HOUR)), "unlimited", False, (11.2, 0.0, 1.6, 9.6, 0.0), 0.0),
    # two nodes share 2 vCPU (50 % each) for 1 h: 120 spent, 48 earned, 72 surplus (1.2); one
    # node removed takes half: 36 charged (0.6); the other owes 36, and its idle step's 2
    # earned credits pay 2 of them down: 34 owed (34 / 60), 2 / 60 paid
    ("a removed node's share is charged", _steps((2.0, HOUR), (0.0, 1)),
     _steps((2, HOUR), (1, 1)), "unlimited", False, (1.2, 2 / 60, 0.6, 34 / 60, 0.0), 0.0),
    # Standard: 1 h idle accrues 24; at 50 % each step is 3 short (5 spent, 2 earned), so the
    # 24 cover 8 steps and the other 4 of the hour are held to the baseline: 4 x 300 = 1200 s
    ("standard mode throttles instead", _steps((0.0, HOUR), (1.0, HOUR)),
     _steps((1, 2 * HOUR)), "standard", True, (0.0, 0.0, 0.0, 0.0, 0.0), 1200.0),
]


@pytest.mark.parametrize(("cpu", "nodes", "mode", "stop", "expected", "throttled_s"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_ledger(cpu: list[float], nodes: list[float], mode: str, stop: bool,
                expected: tuple[float, ...], throttled_s: float) -> None:
    ledger = credit_ledger(cpu, nodes, STEP_S, T3_MEDIUM, mode, stop_at_end=stop)
    got = (ledger.surplus_spent_vcpu_h, ledger.surplus_paid_down_vcpu_h,
           ledger.surplus_charged_vcpu_h, ledger.surplus_outstanding_vcpu_h,
           ledger.accrued_end_vcpu_h)
    assert got == pytest.approx(expected, abs=1e-9)
    assert ledger.throttled_s == throttled_s


def test_usage_and_above_baseline_time() -> None:
    # 1 h idle then 1 h at 50 %: 60 credits used (1 vCPU-h), 2 node-hours, 3600 s above baseline
    ledger = credit_ledger(_steps((0.0, HOUR), (1.0, HOUR)), _steps((1, 2 * HOUR)), STEP_S,
                           T3_MEDIUM, "unlimited")
    assert (ledger.used_vcpu_h, ledger.instance_hours, ledger.above_baseline_s) == \
        pytest.approx((1.0, 2.0, 3600.0))
    # earned: 24 accrued in hour 1, then 24 spent within the burst in hour 2: 48 = 0.8 vCPU-h
    assert ledger.earned_vcpu_h == pytest.approx(0.8)


@pytest.mark.parametrize(("cpu", "nodes", "mode", "match"), [
    ([1.0], [0], "unlimited", "CPU used at a step with no instance running"),
    ([1.0, 1.0], [1], "unlimited", "instances: must be a 1-D array of 2 steps"),
    ([-1.0], [1], "unlimited", "cpu_vcpu: every value must be a finite number >= 0"),
    ([1.0], [1], "burst", "credit mode 'burst': use one of unlimited, standard"),
])
def test_bad_input_is_named(cpu: list[float], nodes: list[float], mode: str, match: str) -> None:
    with pytest.raises(SimulationError, match=match):
        credit_ledger(cpu, nodes, STEP_S, T3_MEDIUM, mode)


def test_a_bad_spec_is_named() -> None:
    with pytest.raises(SimulationError, match=r"CreditSpec.default_mode of t3.x = 'fast'"):
        CreditSpec("t3.x", 24.0, 576.0, 2, "fast")


# a t2.medium: 2 vCPUs, 24 credits/h, at most 576 accrued, 60 launch credits (30 a vCPU) in
# Standard mode (EC2 User Guide, standard-mode concepts, launch credits table)
T2_MEDIUM = CreditSpec("t2.medium", 24.0, 576.0, 2, "standard", 60.0)


@pytest.mark.parametrize(("cpu", "nodes", "mode", "throttled_s", "launch_end"), [
    # audit13 A13-6: 1 h at 1.4 vCPU spends 84, earns 24: 60 short, just the 60 launch
    # credits it got at launch: not throttled (before: every step, 3600 s)
    (_steps((1.4, HOUR)), _steps((1, HOUR)), "standard", 0.0, 0.0),
    # a second hour the same: 60 short with nothing left, each step held: 3600 s
    (_steps((1.4, 2 * HOUR)), _steps((1, 2 * HOUR)), "standard", 3600.0, 0.0),
    # a node launched at 1 h brings its own 60: hour 1 idle (1 node: 24 accrue, the 60
    # launch credits kept), hour 2 at 2.8 vCPU on 2 nodes: 168 spent, 48 earned: 120 short =
    # 60 + 60 launch credits: not throttled; 24 accrued left
    (_steps((0.0, HOUR), (2.8, HOUR)), _steps((1, HOUR), (2, HOUR)), "standard", 0.0, 0.0),
    # idle: launch credits outside the 576 cap, kept (60 = 1 vCPU-h)
    (_steps((0.0, 30 * HOUR)), _steps((1, 30 * HOUR)), "standard", 0.0, 1.0),
    # Unlimited: a T2 Unlimited gets no launch credits: 60 surplus instead, nothing throttled
    (_steps((1.4, HOUR)), _steps((1, HOUR)), "unlimited", 0.0, 0.0),
])
def test_t2_standard_launch_credits_are_spent_first(cpu: list[float], nodes: list[float],
                                                    mode: str, throttled_s: float,
                                                    launch_end: float) -> None:
    ledger = credit_ledger(cpu, nodes, STEP_S, T2_MEDIUM, mode)
    assert (ledger.throttled_s, ledger.launch_end_vcpu_h) == \
        pytest.approx((throttled_s, launch_end))
    if mode == "unlimited":
        assert ledger.surplus_spent_vcpu_h == pytest.approx(1.0)  # 60 credits
    if len(cpu) == 30 * HOUR:
        assert ledger.accrued_end_vcpu_h == pytest.approx(9.6)  # the cap, launch aside
