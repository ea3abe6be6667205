"""A Kubernetes label selector (apimachinery ``metav1.LabelSelector``): its ``matchExpressions``
entry, the rules the API server holds it to, and which labels it selects.

An HPA's custom and external metrics select their series with one
(:class:`~infra_toolkit.hpa_spec.MetricIdentifier`); the rules are apimachinery's
``ValidateLabelSelectorRequirement``, worded by :mod:`infra_toolkit.hpa_problems`.
:func:`selector_problems` holds a selector read from a manifest (a PodDisruptionBudget's) to the
same rules, with its file and field path. :func:`selects` is the one matcher of the toolkit
(``matchLabels`` and ``matchExpressions`` ANDed, as ``metav1.LabelSelectorAsSelector``): a
workload's selector, a pod anti-affinity term and a PodDisruptionBudget all select pods with it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_problems import NO_VALUE, format_problem, spec_problem

__all__ = ["NOT_TEXT_RULE", "SELECTOR_OPERATORS", "LabelSelectorRequirement", "label_key_rule",
           "label_value_rule", "not_text_fix", "selector_problems", "selects"]

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


#: A label value YAML read as a number or a boolean (``version: 2``, ``canary: true``): labels
#: are ``map[string]string``, so kubectl refuses the manifest (cannot unmarshal number / bool
#: into string), where it was read here as the text "2" or "True".
NOT_TEXT_RULE = "must be text, but YAML reads it as a number or a boolean, which kubectl refuses"


def not_text_fix(value: Any) -> str:
    """The quoted label value to write for ``value`` (a YAML number or boolean); a float is
    not spelled back (``1.10`` was read as 1.1, so the text meant is not known)."""
    if isinstance(value, float):
        return f"quote it as written (YAML read it as the number {value!r})"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"quote it: '{text}'"


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


def selects(selector: Any, labels: Mapping[str, str]) -> bool:
    """Whether a ``metav1.LabelSelector`` (``matchLabels`` and ``matchExpressions``, ANDed)
    selects ``labels``; ``None`` selects nothing, ``{}`` everything. A malformed part selects
    nothing (:func:`selector_problems` says why the API server refuses it)."""
    if not isinstance(selector, Mapping):
        return False
    match = selector.get("matchLabels") or {}
    if not isinstance(match, Mapping) or any(labels.get(str(k)) != str(v)
                                             for k, v in match.items()):
        return False
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        return False
    for e in expressions:
        if not isinstance(e, Mapping):
            return False
        key, op = str(e.get("key", "")), e.get("operator")
        raw = e.get("values") or []
        values = [str(v) for v in raw] if isinstance(raw, list) else []
        have = labels.get(key)
        ok = {"In": have in values, "NotIn": have not in values, "Exists": have is not None,
              "DoesNotExist": have is None}.get(str(op), False)
        if not ok:
            return False
    return True


def selector_problems(selector: Any, field_path: str, source: str) -> list[str]:
    """Why the API server refuses the label selector at ``field_path`` of ``source`` (a file,
    or an object in one), as apimachinery's ``ValidateLabelSelector``: ``matchLabels`` keys and
    values, each ``matchExpressions`` entry's key, an operator of In, NotIn, Exists or
    DoesNotExist, values for In / NotIn and none for Exists / DoesNotExist. Empty: accepted
    (``None``, no selector, included)."""
    if selector is None:
        return []
    if not isinstance(selector, Mapping):
        return [format_problem(field_path, selector, "must be a mapping", "write "
                               "matchLabels and/or matchExpressions under it", source)]
    problems = []
    labels = selector.get("matchLabels") or {}
    if not isinstance(labels, Mapping):
        problems.append(format_problem(f"{field_path}.matchLabels", labels,
                                       "must be a mapping of label key: value",
                                       "write e.g. {app: web}", source))
        labels = {}
    for k, v in labels.items():
        rule = label_key_rule(str(k))
        if rule is not None:
            problems.append(format_problem(f"{field_path}.matchLabels", str(k), rule,
                                           "", source))
        if not isinstance(v, str):
            problems.append(format_problem(f"{field_path}.matchLabels.{k}", v, NOT_TEXT_RULE,
                                           not_text_fix(v), source))
            continue
        rule = label_value_rule(str(v))
        if rule is not None:
            problems.append(format_problem(f"{field_path}.matchLabels.{k}", str(v), rule,
                                           "", source))
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        return problems + [format_problem(f"{field_path}.matchExpressions", expressions,
                                          "must be a list of {key, operator, values}", "",
                                          source)]
    for i, e in enumerate(expressions):
        problems += _requirement_problems(e, f"{field_path}.matchExpressions[{i}]", source)
    return problems


def _requirement_problems(entry: Any, path: str, source: str) -> list[str]:
    """The problems of one ``matchExpressions`` entry at ``path``, by
    :class:`LabelSelectorRequirement`'s rules."""
    if not isinstance(entry, Mapping):
        return [format_problem(path, entry, "must be a mapping {key, operator, values}", "",
                               source)]
    key, operator, values = entry.get("key"), entry.get("operator"), entry.get("values")
    if key is None or str(key) == "":
        return [format_problem(f"{path}.key", NO_VALUE, "is required",
                               "name the label the requirement tests", source)]
    rule = label_key_rule(str(key))
    if rule is not None:
        return [format_problem(f"{path}.key", str(key), rule, "", source)]
    if operator is None:
        return [format_problem(f"{path}.operator", NO_VALUE, "is required",
                               "use In, NotIn, Exists or DoesNotExist", source)]
    if values is not None and not isinstance(values, list):
        return [format_problem(f"{path}.values", values, "must be a list", "write "
                               "values: [a, b]", source)]
    typed = [v for v in values or [] if not isinstance(v, str)]
    if typed:
        return [format_problem(f"{path}.values", typed[0], NOT_TEXT_RULE,
                               not_text_fix(typed[0]), source)]
    bad = [str(v) for v in values or [] if label_value_rule(str(v)) is not None]
    if bad:
        return [format_problem(f"{path}.values", bad[0], str(label_value_rule(bad[0])), "",
                               source)]
    try:
        LabelSelectorRequirement(str(key), str(operator), tuple(str(v) for v in values or []))
    except SpecError as exc:
        part = getattr(exc, "field_path", "")
        return [format_problem(f"{path}.{part}", getattr(exc, "value", NO_VALUE),
                               getattr(exc, "rule", str(exc)), getattr(exc, "fix", ""),
                               source)]
    return []
