"""An Argo Rollout's canary steps as Argo Rollouts runs them, each expected value worked out by
hand from the Argo source named beside it (argoproj/argo-rollouts):

- pkg/apis/rollouts/v1alpha1/types.go, ``RolloutPause.DurationSeconds``: an int is seconds; a
  string is ``strconv.ParseInt(s, 10, 32)`` when it parses, else
  ``d, err := time.ParseDuration(s)`` ... ``return int32(d.Seconds())`` (-1 when Go refuses);
  pkg/apis/rollouts/validation/validation.go refuses ``step.Pause.DurationSeconds() < 0``;
- utils/replicaset/canary.go, ``GetCurrentSetWeight``: "iterating backwards from the current
  step until it finds a setWeight step ... return 0" when none; ``trafficWeightToReplicas``:
  ``int32(math.Ceil(float64(weight*replicas) / 100))``; ``CheckMinPodsPerReplicaSet``:
  ``if count == 0 { return count }`` ... ``return max(count, *...MinPodsPerReplicaSet)``, and
  without dynamicStableScale ``return canaryCount, rolloutSpecReplica`` (the stable set full).
"""

from __future__ import annotations

import re

import pytest

from infra_toolkit.argo_rollout import ArgoStrategy, argo_strategy_from, deployment_strategy_of
from infra_toolkit.plan_operations_types import CanaryStep
from infra_toolkit.rollout import CanaryStepPods, canary_step_pods

_ALB = {"alb": {"ingress": "web", "servicePort": 80}}


def _routed(steps: list[dict[str, object]], **canary: object) -> tuple[ArgoStrategy, list[str]]:
    return argo_strategy_from({"strategy": {"canary": {"trafficRouting": _ALB, "steps": steps,
                                                       **canary}}})


# --- 1. a pause before any setWeight: a step at weight 0 -------------------------------------

@pytest.mark.parametrize(("steps", "expected"), [
    # GetCurrentSetWeight finds no setWeight at or before step 0: weight 0 for its 60 s; then
    # 20 % until promoted; then Argo's promotion to 100 % with no pause
    ([{"pause": {"duration": "1m"}}, {"setWeight": 20}, {"pause": {}}],
     (CanaryStep(0.0, 60.0), CanaryStep(20.0, None), CanaryStep(100.0, 0.0))),
    # two timed pauses at weight 0 sum as at any weight: 30 + 90 = 120 s
    ([{"pause": {"duration": 30}}, {"pause": {"duration": "90s"}}, {"setWeight": 50}],
     (CanaryStep(0.0, 120.0), CanaryStep(50.0, 0.0), CanaryStep(100.0, 0.0))),
    # a manual pause alone: weight 0 until promoted, then 100 %
    ([{"pause": {}}], (CanaryStep(0.0, None), CanaryStep(100.0, 0.0))),
])
def test_a_pause_before_any_set_weight_is_a_step_at_weight_0(
        steps: list[dict[str, object]], expected: tuple[CanaryStep, ...]) -> None:
    argo, problems = _routed(steps)
    assert problems == [] and argo.not_modelled == () and argo.steps == expected


def test_a_step_at_weight_0_runs_no_canary_pod() -> None:
    # 4 replicas: ceil(0 x 4 / 100) = 0 canary pods beside the 4 stable ones (the routed canary
    # leaves the stable set full); at 20 %: ceil(20 x 4 / 100) = ceil(0.8) = 1 canary pod
    argo, _ = _routed([{"pause": {"duration": "1m"}}, {"setWeight": 20}])
    assert argo.steps is not None
    assert canary_step_pods(argo.steps, 4) == (
        CanaryStepPods(0.0, 0, 4), CanaryStepPods(20.0, 1, 4), CanaryStepPods(100.0, 4, 4))


# --- 2. pause.duration: every unit Go reads, whole seconds as int32(d.Seconds()) -------------

@pytest.mark.parametrize(("duration", "expected_s"), [
    ("1h30m", 5400.0),        # 1 x 3600 + 30 x 60
    ("1.5h", 5400.0),         # 1.5 x 3600
    ("2500ms", 2.0),          # 2.5 s, int32() drops the 0.5
    ("90000000us", 90.0),     # 90,000,000 µs = 90 s
    ("90000000\u00b5s", 90.0),  # the micro sign, U+00B5
    ("90000000\u03bcs", 90.0),  # the Greek mu, U+03BC: Go reads both
    ("3000000000ns", 3.0),    # 3e9 ns = 3 s
    ("1m0.999s", 60.0),       # 60.999 s truncated
    (".5m", 30.0),            # Go reads a number without digits before the point
    ("5.s", 5.0),             # ... and without digits after it
    ("+45s", 45.0),           # a leading + sign
    ("-0.5s", 0.0),           # int32(-0.5) = 0, not below 0: Argo accepts it
    ("0", 0.0),               # ParseInt
    ("120", 120.0),           # a string of whole seconds, ParseInt
    (300, 300.0),             # an int: seconds
])
def test_a_pause_duration_reads_as_argo_does(duration: object, expected_s: float) -> None:
    argo, problems = _routed([{"setWeight": 10}, {"pause": {"duration": duration}}])
    assert problems == [] and argo.steps == (CanaryStep(10.0, expected_s),
                                             CanaryStep(100.0, 0.0))


_GO_REFUSES = ("must be seconds \\(300\\) or a duration such as 30s, 10m, 1h: whole seconds up to "
               "2147483647, or Go's time.ParseDuration, a number and a unit \\(h, m, s, ms, us, "
               "µs, ns\\) each, as in 1h30m or 1.5h")


@pytest.mark.parametrize(("duration", "message"), [
    ("1h 30m", _GO_REFUSES),     # Go: unknown unit "h " (a space is no unit)
    ("1.5", _GO_REFUSES),        # ParseInt refuses it, Go: missing unit
    ("1d", _GO_REFUSES),         # Go has no day unit
    (".", _GO_REFUSES),          # no digit
    ("", _GO_REFUSES),           # Go: invalid duration ""
    ("2147483648", _GO_REFUSES),  # above int32 for ParseInt(s, 10, 32), then Go: missing unit
    ("9223372036854775808ns", _GO_REFUSES),  # 2^63 ns: Go's invalid duration (overflow)
    ("596524h", _GO_REFUSES),    # 596524 x 3600 = 2,147,486,400 s, past int32's 2,147,483,647
    ("-90s", "is -90 s, below 0, which Argo Rollouts refuses \\(InvalidDurationMessage\\); "
             "write 0 or more"),
    (-5, "is -5 s, below 0, which Argo Rollouts refuses"),
])
def test_a_pause_duration_argo_refuses_is_refused_at_its_field(duration: object,
                                                               message: str) -> None:
    _argo, problems = _routed([{"setWeight": 10}, {"pause": {"duration": duration}}])
    assert len(problems) == 1
    assert problems[0].startswith("spec.strategy.canary.steps[1].pause.duration: ")
    assert re.search(message, problems[0]), problems[0]


# --- 3. minPodsPerReplicaSet: a floor of canary pods above weight 0 --------------------------

def test_a_min_pods_floor_raises_the_canary_pods_above_weight_0() -> None:
    # CheckMinPodsPerReplicaSet(trafficWeightToReplicas(4, w)) at 4 replicas, floor 3:
    #   0 %: ceil(0) = 0 -> `if count == 0 { return count }`: 0
    #   20 %: ceil(80 / 100) = 1 -> max(1, 3) = 3;  50 %: ceil(2.0) = 2 -> 3
    #   100 %: ceil(4.0) = 4 -> max(4, 3) = 4
    # the stable set stays at 4 (`return canaryCount, rolloutSpecReplica`)
    argo, problems = _routed([{"pause": {"duration": 60}}, {"setWeight": 20},
                              {"setWeight": 50}], minPodsPerReplicaSet=3)
    assert problems == [] and argo.not_modelled == () and argo.min_pods_per_replica_set == 3
    own = deployment_strategy_of(argo, "Rollout")
    assert own.canary_min_pods == 3
    assert canary_step_pods(own.steps, 4, own.canary_min_pods) == (
        CanaryStepPods(0.0, 0, 4), CanaryStepPods(20.0, 3, 4), CanaryStepPods(50.0, 3, 4),
        CanaryStepPods(100.0, 4, 4))


def test_a_min_pods_floor_above_the_replicas_is_capped_at_the_replicas() -> None:
    # current CheckMinPodsPerReplicaSet: "Cap MinPodsPerReplicaSet to rollout spec replicas to
    # prevent reconciliation loop" (if minPodsPerReplicaSet > replicas: = replicas). Argo's
    # table entry "Cap MinPodsPerReplicaSet when it exceeds rollout replicas with
    # trafficRouting": 1 replica, floor 2, 100 % -> canary 1, stable 1.
    assert canary_step_pods([CanaryStep(100.0, 0.0)], 1, 2) == (CanaryStepPods(100.0, 1, 1),)
    # 2 replicas, floor 3 -> capped at 2; 100 %: ceil(200 / 100) = 2 -> max(2, 2) = 2 canary
    # pods beside 2 (the floor of 3 used to give 3); 10 %: ceil(20 / 100) = 1 -> max(1, 2) = 2
    assert canary_step_pods([CanaryStep(10.0, 0.0), CanaryStep(100.0, 0.0)], 2, 3) == (
        CanaryStepPods(10.0, 2, 2), CanaryStepPods(100.0, 2, 2))


def test_a_min_pods_floor_without_a_router_is_ignored() -> None:
    # CheckMinPodsPerReplicaSet: `|| ...TrafficRouting == nil { return count }`; the basic
    # canary is not modelled for its own reason
    argo, problems = argo_strategy_from({"strategy": {"canary": {
        "steps": [{"setWeight": 20}], "minPodsPerReplicaSet": 3}}})
    assert problems == [] and argo.min_pods_per_replica_set == 0
    assert len(argo.not_modelled) == 1
    assert argo.not_modelled[0].startswith("spec.strategy.canary without trafficRouting")


def test_a_min_pods_floor_of_another_type_is_refused() -> None:
    _argo, problems = _routed([{"setWeight": 20}], minPodsPerReplicaSet="2")
    assert problems == ["spec.strategy.canary.minPodsPerReplicaSet: '2' must be a whole number "
                        "of pods"]
