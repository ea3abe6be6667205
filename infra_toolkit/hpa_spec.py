"""The autoscaling/v2 HorizontalPodAutoscaler spec as frozen dataclasses.

Fields mirror the Kubernetes API in snake_case (``minReplicas`` -> ``min_replicas``,
``periodSeconds`` -> ``period_s``, quantities in milli-units: ``averageValue: 500m`` ->
``average_value_milli=500``). ``__post_init__`` checks what the controller needs to run (ranges,
enum values, positive targets), worded by :mod:`infra_toolkit.hpa_problems`; the rules that only
the API server enforces (required manifest fields, unknown metric types, minReplicas 0 without an
Object/External metric) are in :mod:`infra_toolkit.hpa_api`, which also applies the API server's
defaults.

:class:`HPABehavior` fills unset rule fields like the API server does
(``SetDefaults_HorizontalPodAutoscalerBehavior``): scale-up 0 s window, Max, 4 pods or 100 % per
15 s; scale-down Max, 100 % per 15 s, and a window left ``None`` so that the controller substitutes
``ControllerConfig.downscale_stabilization_s`` (:mod:`infra_toolkit.hpa_controller_config`) at
each sync.

A metric type the controller does not know is representable (``MetricSpec(type="Foo")``): the real
controller reports it as an invalid metric, and so does :func:`infra_toolkit.hpa.reconcile`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from infra_toolkit.hpa_problems import NO_VALUE, spec_problem
from infra_toolkit.label_selector import LabelSelectorRequirement

__all__ = [
    "CrossVersionObjectReference",
    "MetricIdentifier",
    "MetricTarget",
    "ResourceMetricSource",
    "ContainerResourceMetricSource",
    "PodsMetricSource",
    "ObjectMetricSource",
    "ExternalMetricSource",
    "MetricSpec",
    "HPAScalingPolicy",
    "HPAScalingRules",
    "HPABehavior",
    "HPASpec",
    "DEFAULT_CPU_UTILIZATION",
    "MAX_PERIOD_SECONDS",
    "MAX_STABILIZATION_WINDOW_SECONDS",
    "cpu_utilization_metric",
    "generate_scale_up_rules",
    "generate_scale_down_rules",
    "may_scale_to_zero",
]

DEFAULT_CPU_UTILIZATION = 80  # percent (autoscaling.DefaultCPUUtilization)
MAX_PERIOD_SECONDS = 1800
MAX_STABILIZATION_WINDOW_SECONDS = 3600

# in the order a refused type's message lists them
METRIC_TYPES = ("Resource", "ContainerResource", "Pods", "Object", "External")
TARGET_TYPES = ("Utilization", "Value", "AverageValue")
SELECT_POLICIES = ("Max", "Min", "Disabled")
POLICY_TYPES = ("Pods", "Percent")


@dataclass(frozen=True, slots=True)
class CrossVersionObjectReference:
    """A reference to a Kubernetes object (``scaleTargetRef``, ``describedObject``)."""

    kind: str
    name: str
    api_version: str = ""


@dataclass(frozen=True, slots=True)
class MetricIdentifier:
    """A custom or external metric: its name and optional label selector, ``selector`` its
    ``matchLabels`` as sorted (key, value) pairs and ``match_expressions`` its
    ``matchExpressions`` (kept sorted: the requirements all apply, in any order)."""

    name: str
    selector: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[LabelSelectorRequirement, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "match_expressions", tuple(sorted(
            self.match_expressions, key=lambda req: (req.key, req.operator, req.values))))


@dataclass(frozen=True, slots=True)
class MetricTarget:
    """What the HPA aims for: a percent of request, a total value, or a per-pod average.

    ``average_utilization`` is a percent; ``value_milli`` and ``average_value_milli`` are
    milli-units (a quantity's ``MilliValue()``).
    """

    type: str
    average_utilization: int | None = None
    average_value_milli: int | None = None
    value_milli: int | None = None

    def __post_init__(self) -> None:
        if self.type not in TARGET_TYPES:
            raise spec_problem("type", self.type, "must be one of " + ", ".join(TARGET_TYPES))
        for name, api_name in (
            ("average_utilization", "averageUtilization"),
            ("average_value_milli", "averageValue"),
            ("value_milli", "value"),
        ):
            got = getattr(self, name)
            if got is not None and got <= 0:
                raise spec_problem(api_name, got, "must be greater than 0")
        required = {
            "Utilization": ("average_utilization", "averageUtilization"),
            "Value": ("value_milli", "value"),
            "AverageValue": ("average_value_milli", "averageValue"),
        }[self.type]
        if getattr(self, required[0]) is None:
            raise spec_problem(
                required[1], NO_VALUE, f"must be set when type is {self.type}",
                f"add {required[1]} to the target",
            )


def _check_target(target: MetricTarget, allowed: tuple[str, ...], source_type: str) -> None:
    if target.type not in allowed:
        raise spec_problem(
            "target.type", target.type,
            f"must be {' or '.join(allowed)} for a {source_type} metric",
        )


@dataclass(frozen=True, slots=True)
class ResourceMetricSource:
    """A resource of every container of the pods (``cpu``, ``memory``), per pod."""

    name: str
    target: MetricTarget

    def __post_init__(self) -> None:
        if not self.name:
            raise spec_problem("name", self.name, "must name a resource", "use cpu or memory")
        _check_target(self.target, ("Utilization", "AverageValue"), "Resource")


@dataclass(frozen=True, slots=True)
class ContainerResourceMetricSource:
    """A resource of one named container of the pods."""

    name: str
    container: str
    target: MetricTarget

    def __post_init__(self) -> None:
        if not self.name:
            raise spec_problem("name", self.name, "must name a resource", "use cpu or memory")
        if not self.container:
            raise spec_problem("container", self.container, "must name a container")
        _check_target(self.target, ("Utilization", "AverageValue"), "ContainerResource")


@dataclass(frozen=True, slots=True)
class PodsMetricSource:
    """A custom metric reported per pod, averaged over the pods."""

    metric: MetricIdentifier
    target: MetricTarget

    def __post_init__(self) -> None:
        _check_target(self.target, ("AverageValue",), "Pods")


@dataclass(frozen=True, slots=True)
class ObjectMetricSource:
    """A custom metric describing one Kubernetes object (e.g. an Ingress's requests per second)."""

    described_object: CrossVersionObjectReference
    metric: MetricIdentifier
    target: MetricTarget

    def __post_init__(self) -> None:
        _check_target(self.target, ("Value", "AverageValue"), "Object")


@dataclass(frozen=True, slots=True)
class ExternalMetricSource:
    """A metric from outside the cluster (e.g. a queue length); its series are summed."""

    metric: MetricIdentifier
    target: MetricTarget

    def __post_init__(self) -> None:
        _check_target(self.target, ("Value", "AverageValue"), "External")


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One entry of ``spec.metrics``: its ``type`` and the matching source."""

    type: str
    resource: ResourceMetricSource | None = None
    container_resource: ContainerResourceMetricSource | None = None
    pods: PodsMetricSource | None = None
    object: ObjectMetricSource | None = None
    external: ExternalMetricSource | None = None

    def __post_init__(self) -> None:
        slot = _SOURCE_SLOT.get(self.type)
        if slot is not None and getattr(self, slot[0]) is None:
            raise spec_problem(
                slot[1], NO_VALUE, f"must be set when type is {self.type}",
                f"add a {slot[1]} block to the metric",
            )


_SOURCE_SLOT = {
    "Resource": ("resource", "resource"),
    "ContainerResource": ("container_resource", "containerResource"),
    "Pods": ("pods", "pods"),
    "Object": ("object", "object"),
    "External": ("external", "external"),
}


def cpu_utilization_metric(average_utilization: int = DEFAULT_CPU_UTILIZATION) -> MetricSpec:
    """A Resource cpu metric with a Utilization target in percent (the API default is 80)."""
    return MetricSpec(
        type="Resource",
        resource=ResourceMetricSource(
            name="cpu",
            target=MetricTarget(type="Utilization", average_utilization=average_utilization),
        ),
    )


@dataclass(frozen=True, slots=True)
class HPAScalingPolicy:
    """Allow a change of ``value`` pods (``Pods``) or percent (``Percent``) per ``period_s``."""

    type: str
    value: int
    period_s: int

    def __post_init__(self) -> None:
        if self.type not in POLICY_TYPES:
            raise spec_problem("type", self.type, "must be Pods or Percent")
        if self.value <= 0:
            raise spec_problem(
                "value", self.value, "must be greater than 0",
                "to forbid scaling in this direction use selectPolicy: Disabled",
            )
        if not 1 <= self.period_s <= MAX_PERIOD_SECONDS:
            raise spec_problem(
                "periodSeconds", self.period_s, f"must be between 1 and {MAX_PERIOD_SECONDS}",
                "use a period of at most 30 minutes",
            )


@dataclass(frozen=True, slots=True)
class HPAScalingRules:
    """One direction of ``spec.behavior``; ``None`` fields are unset (the API fills them).

    ``stabilization_window_s`` is in seconds; ``tolerance`` is a fraction (0.05 = 5 %) and is
    honoured only when ``ControllerConfig.gate_configurable_tolerance`` is on.
    """

    stabilization_window_s: int | None = None
    select_policy: str | None = None
    policies: tuple[HPAScalingPolicy, ...] | None = None
    tolerance: float | None = None

    def __post_init__(self) -> None:
        if self.policies is not None:
            object.__setattr__(self, "policies", tuple(self.policies))
        window = self.stabilization_window_s
        if window is not None and not 0 <= window <= MAX_STABILIZATION_WINDOW_SECONDS:
            raise spec_problem(
                "stabilizationWindowSeconds", window,
                f"must be between 0 and {MAX_STABILIZATION_WINDOW_SECONDS}",
                "use a window of at most one hour",
            )
        if self.select_policy is not None and self.select_policy not in SELECT_POLICIES:
            raise spec_problem("selectPolicy", self.select_policy, "must be Max, Min or Disabled")
        if self.policies is not None and not self.policies:
            raise spec_problem(
                "policies", [], "must hold at least one policy",
                "add a policy or remove the key to get the defaults",
            )
        if self.tolerance is not None and self.tolerance < 0:
            raise spec_problem("tolerance", self.tolerance, "must be greater than or equal to 0")

    @property
    def longest_period_s(self) -> int:
        """The longest policy period in seconds (0 without policies)."""
        return max((p.period_s for p in self.policies or ()), default=0)


_DEFAULT_SCALE_UP_POLICIES = (
    HPAScalingPolicy(type="Pods", value=4, period_s=15),
    HPAScalingPolicy(type="Percent", value=100, period_s=15),
)
_DEFAULT_SCALE_DOWN_POLICIES = (HPAScalingPolicy(type="Percent", value=100, period_s=15),)


def _fill_rules(
    rules: HPAScalingRules | None, window_s: int | None, policies: tuple[HPAScalingPolicy, ...]
) -> HPAScalingRules:
    if rules is None:
        return HPAScalingRules(window_s, "Max", policies)
    if rules.select_policy is not None and rules.policies is not None and (
        rules.stabilization_window_s is not None or window_s is None
    ):
        return rules
    return HPAScalingRules(
        rules.stabilization_window_s if rules.stabilization_window_s is not None else window_s,
        rules.select_policy if rules.select_policy is not None else "Max",
        rules.policies if rules.policies is not None else policies,
        rules.tolerance,
    )


def generate_scale_up_rules(rules: HPAScalingRules | None) -> HPAScalingRules:
    """Scale-up rules with unset fields defaulted (Go ``GenerateHPAScaleUpRules``)."""
    return _fill_rules(rules, 0, _DEFAULT_SCALE_UP_POLICIES)


def generate_scale_down_rules(rules: HPAScalingRules | None) -> HPAScalingRules:
    """Scale-down rules with unset fields defaulted; the window stays ``None`` if unset."""
    return _fill_rules(rules, None, _DEFAULT_SCALE_DOWN_POLICIES)


@dataclass(frozen=True, slots=True)
class HPABehavior:
    """``spec.behavior``; both directions are filled with the API defaults on construction."""

    scale_up: HPAScalingRules | None = None
    scale_down: HPAScalingRules | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale_up", generate_scale_up_rules(self.scale_up))
        object.__setattr__(self, "scale_down", generate_scale_down_rules(self.scale_down))


@dataclass(frozen=True, slots=True)
class HPASpec:
    """A HorizontalPodAutoscaler: ``spec`` plus the name it is known by.

    ``min_replicas`` defaults to 1 and ``metrics`` to CPU utilization 80 % (API defaults);
    ``behavior=None`` selects the controller's no-behavior (legacy) path.
    """

    max_replicas: int
    min_replicas: int = 1
    metrics: tuple[MetricSpec, ...] = ()
    behavior: HPABehavior | None = None
    scale_target_ref: CrossVersionObjectReference | None = None
    name: str = ""
    namespace: str = "default"
    has_object_or_external_metric: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        metrics = tuple(self.metrics) or (cpu_utilization_metric(),)
        object.__setattr__(self, "metrics", metrics)
        object.__setattr__(
            self,
            "has_object_or_external_metric",
            any(m.type in ("Object", "External") for m in metrics),
        )
        if self.max_replicas < 1:
            raise spec_problem("spec.maxReplicas", self.max_replicas, "must be greater than 0")
        if self.min_replicas < 0:
            raise spec_problem("spec.minReplicas", self.min_replicas, "must be 0 or more")
        if self.min_replicas > self.max_replicas:
            # validation.go reports this on maxReplicas ("must be greater than or equal to
            # `minReplicas`"); the message names both values
            raise spec_problem(
                "spec.maxReplicas", self.max_replicas,
                f"must be greater than or equal to spec.minReplicas (={self.min_replicas})",
                "raise maxReplicas or lower minReplicas",
            )


def may_scale_to_zero(metrics: Iterable[MetricSpec | None] | None,
                      gate_scale_to_zero: bool) -> bool:
    """Whether the API server admits ``minReplicas: 0``: only with the HPAScaleToZero gate on
    and an Object or External metric in ``spec.metrics`` (validation.go), since only such a
    metric can be read while no pod runs, to wake the workload again."""
    return gate_scale_to_zero and any(m is not None and m.type in ("Object", "External")
                                      for m in metrics or ())
