"""A Kubernetes label selector's ``matchExpressions`` entry (apimachinery ``metav1.LabelSelector``).

An HPA's custom and external metrics select their series with one
(:class:`~infra_toolkit.hpa_spec.MetricIdentifier`); the rules are apimachinery's
``ValidateLabelSelectorRequirement``, worded by :mod:`infra_toolkit.hpa_problems`.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra_toolkit.hpa_problems import NO_VALUE, spec_problem

__all__ = ["SELECTOR_OPERATORS", "LabelSelectorRequirement"]

SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@dataclass(frozen=True, slots=True)
class LabelSelectorRequirement:
    """One ``matchExpressions`` entry of a label selector: ``key`` ``operator`` ``values``.

    In / NotIn need at least one value, Exists / DoesNotExist take none (apimachinery's
    ``ValidateLabelSelectorRequirement``). The values are a set: kept sorted, each once, so that
    two ways of writing one requirement are equal."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.operator not in SELECTOR_OPERATORS:
            raise spec_problem("operator", self.operator,
                               "must be one of " + ", ".join(SELECTOR_OPERATORS),
                               "operators are case-sensitive")
        if self.operator in ("In", "NotIn") and not self.values:
            raise spec_problem("values", NO_VALUE,
                               f"must list at least one value when operator is {self.operator}",
                               "list the label values, or use Exists / DoesNotExist")
        if self.operator in ("Exists", "DoesNotExist") and self.values:
            raise spec_problem("values", list(self.values),
                               f"must be empty when operator is {self.operator}",
                               "delete values, or use In / NotIn to match given values")
        object.__setattr__(self, "values", tuple(sorted(set(self.values))))
