"""A Kubernetes label selector's ``matchExpressions`` entry (apimachinery ``metav1.LabelSelector``).

An HPA's custom and external metrics select their series with one
(:class:`~infra_toolkit.hpa_spec.MetricIdentifier`); the rules are apimachinery's
``ValidateLabelSelectorRequirement``, worded by :mod:`infra_toolkit.hpa_problems`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra_toolkit.hpa_problems import NO_VALUE, spec_problem

__all__ = ["SELECTOR_OPERATORS", "LabelSelectorRequirement", "label_key_rule",
           "label_value_rule"]

SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

# apimachinery's qualified name (IsQualifiedName) and label value (IsValidLabelValue)
_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NAME_RULE = ("at most 63 characters: letters, digits, '-', '_' and '.', starting and ending "
              "with a letter or digit")


def label_key_rule(key: str) -> str | None:
    """The rule a label key breaks (apimachinery's qualified name: an optional DNS-1123
    subdomain prefix of at most 253 characters and '/', then a name), or None if it is valid."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _SUBDOMAIN.fullmatch(prefix)):
        return ("must have a prefix (before '/') that is a lowercase DNS subdomain of at most "
                "253 characters, e.g. example.com/tier")
    if len(name) > 63 or not _NAME.fullmatch(name):
        return f"must be a label name (after an optional 'prefix/') of {_NAME_RULE}"
    return None


def label_value_rule(value: str) -> str | None:
    """The rule a label value breaks (empty, or a name of at most 63 characters), or None."""
    if value and (len(value) > 63 or not _NAME.fullmatch(value)):
        return f"must be empty or a label value of {_NAME_RULE}"
    return None


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
