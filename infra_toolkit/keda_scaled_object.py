"""A KEDA ``ScaledObject`` (``keda.sh/v1alpha1``) read as the autoscaling/v2 HPA KEDA creates.

KEDA's operator turns a ScaledObject into a HorizontalPodAutoscaler and the Kubernetes HPA
controller runs that; :func:`hpa_manifest_from_scaled_object` writes the same HPA manifest,
following KEDA's own code (kedacore/keda, read through its public source):

- ``controllers/keda/hpa.go`` ``newHPAForScaledObject``: name ``keda-hpa-<name>`` unless
  ``advanced.horizontalPodAutoscalerConfig.name`` (``getHPAName``); ``behavior`` copied from
  ``advanced.horizontalPodAutoscalerConfig.behavior``; ``scaleTargetRef`` the resolved target.
- ``apis/keda/v1alpha1/scaledobject_types.go`` ``GetHPAMinReplicas`` (``minReplicaCount`` when
  above 0, else 1), ``GetHPAMaxReplicas`` (``maxReplicaCount``, default 100) and
  ``CheckReplicaCountBoundsAreValid`` (min <= max).
- ``controllers/keda/hpa.go`` ``getScaledObjectMetricSpecs``: one metric per trigger, each
  External one selecting ``scaledobject.keda.sh/name: <name>``, a metric name written twice
  refused (the ``s<index>-`` prefix makes each unique here), the metrics sorted by type (Go's
  ``sort.Slice``; for at most 12 metrics that is an insertion sort, so triggers of one type
  keep their order).
- ``pkg/scalers/cpu_memory_scaler.go`` ``parseResourceMetadata`` / ``GetMetricSpecForScaling``:
  ``cpu`` / ``memory`` give a Resource metric (ContainerResource with ``containerName``),
  target type from ``metricType`` or the deprecated ``metadata.type`` (not both), ``value``
  an integer percent for Utilization, a quantity for AverageValue.
- ``pkg/scalers/aws_sqs_queue_scaler.go`` ``parseAwsSqsQueueMetadata`` /
  ``GetMetricSpecForScaling``: External metric ``s<index>-aws-sqs-<queue>`` (the queue name is
  the last part of ``queueURL``'s path ``/<account>/<queue>``, or ``queueURL`` itself when it
  is not a URL, then ``pkg/util/normalize_string.go`` ``NormalizeString``: ``/ . : %`` -> ``-``),
  target ``queueLength`` (an integer, default 5) as AverageValue (``metricType: Value``: Value).
  The value it reads is ``ApproximateNumberOfMessages`` (visible), plus
  ``ApproximateNumberOfMessagesNotVisible`` (in flight: received, not yet deleted) when
  ``scaleOnInFlight`` (default true) and ``ApproximateNumberOfMessagesDelayed`` when
  ``scaleOnDelayed`` (default false), each a Go ``strconv.ParseBool`` (an other value is
  refused); :func:`sqs_in_flight` says which each trigger counts.
- ``pkg/scalers/prometheus_scaler.go`` ``GetMetricSpecForScaling``: External metric
  ``s<index>-prometheus``, target ``threshold`` in milli-units (``GetMetricTargetMili``:
  ``int64(threshold x 1000)``, so 0.0005 is 0).
- ``pkg/scalers/scaler.go`` ``GetMetricTargetType``: an External trigger's ``metricType`` is
  AverageValue when absent, Utilization refused.

Scaling between 0 (or ``idleReplicaCount``) and the HPA's range is KEDA's operator's, not the
HPA's: :func:`read_scaled_object` also gives it as a
:class:`~infra_toolkit.keda_activation.KedaActivation` (``pollingInterval``, ``cooldownPeriod``,
``initialCooldownPeriod``, ``minReplicaCount``, ``idleReplicaCount`` and each aws-sqs-queue /
prometheus trigger's ``activationQueueLength`` / ``activationThreshold``), which the simulation
runs (:mod:`infra_toolkit.keda_activation` has KEDA's rules and sources); none when
``minReplicaCount`` is 1 or more without ``idleReplicaCount``, where KEDA leaves the scaling to
the HPA. KEDA's HPA runs at ``minReplicas`` max(``minReplicaCount``, 1)
(``GetHPAMinReplicas``). Refused with KEDA's own rule and the fix:
``apis/keda/v1alpha1/scaledobject_webhook.go`` (``verifyCPUMemoryScalers``) refuses
``minReplicaCount`` 0 (or absent) when every trigger is cpu or memory ("scale to zero doesn't
work in this case"), and ``CheckReplicaCountBoundsAreValid`` an ``idleReplicaCount`` not below
the minimum. A cpu or memory trigger beside another one with scale to zero is refused as not
modelled: KEDA's cpu / memory scaler reports its activity from the HPA's status (always active
in older releases), which would keep the target from staying at zero. Also refused:
``scalingModifiers`` and the pause annotations. The timers change nothing once the HPA runs at 1
pod or more without scale to zero; ``fallback`` (replicas when a scaler fails to read its
metric) is checked as KEDA's ``CheckFallbackValid`` does and not modelled: simulated metrics
never fail. ``restoreToOriginalReplicaCount`` acts only when the ScaledObject is deleted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_api import hpa_from_dict
from infra_toolkit.hpa_api_fields import DNS_LABEL, DNS_SUBDOMAIN
from infra_toolkit.hpa_problems import NO_VALUE, format_problem
from infra_toolkit.keda_activation import KedaActivation, TriggerActivation
from infra_toolkit.quantity import QuantityError, parse_quantity

__all__ = ["API_VERSION", "KIND", "ScaledObjectRead", "hpa_manifest_from_scaled_object",
           "read_scaled_object", "sqs_in_flight"]

API_VERSION = "keda.sh/v1alpha1"
KIND = "ScaledObject"
OWNER_LABEL = "scaledobject.keda.sh/name"  # the External metrics' selector (ScaledObjectOwner)
_SPEC_FIELDS = ("scaleTargetRef", "pollingInterval", "cooldownPeriod", "initialCooldownPeriod",
                "idleReplicaCount", "minReplicaCount", "maxReplicaCount", "advanced", "triggers",
                "fallback")
_TRIGGER_FIELDS = ("type", "name", "metadata", "metricType", "authenticationRef",
                   "useCachedMetrics")
_TRIGGER_TYPES = ("cpu", "memory", "aws-sqs-queue", "prometheus")
# KEDA scales any resource with a /scale subresource; these are the ones a plan's workload is.
_TARGET_KINDS = {"Deployment": "apps/v1", "StatefulSet": "apps/v1",
                 "Rollout": "argoproj.io/v1alpha1"}
_INT32_MAX = 2**31 - 1
_INTEGER = re.compile(r"^[+-]?[0-9]+$")  # strconv.ParseInt, base 10
_BOOLEANS = {**dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),  # strconv.ParseBool
             **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False)}
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_LABEL_VALUE_CHARS = 63  # a label value, and a DNS-1123 label (a namespace, a container name)
_HPA_PREFIX = "keda-hpa-"  # getHPAName: the HPA's name unless advanced names it
_NAME_FIX = "use lowercase letters, digits and '-', starting and ending with a letter or digit"
_RESOURCE_TRIGGERS = ("cpu", "memory")
# the ScaledObject field that sets each activating trigger's threshold (and its default)
_ACTIVATION_FIELDS = {"aws-sqs-queue": "activationQueueLength", "prometheus": "activationThreshold"}


class _Problem:
    """Raises the one wording of a ScaledObject problem, naming the file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __call__(self, field: str, value: object, rule: str, fix: str) -> SpecError:
        return SpecError(format_problem(field, value, rule, fix, self.source))


class ScaledObjectRead(NamedTuple):
    """A ScaledObject as the simulation runs it: ``hpa``, the HPA manifest KEDA's operator
    creates, and ``activation``, KEDA's own scaling to zero or the idle count (``None`` when
    ``minReplicaCount`` >= 1 without ``idleReplicaCount``)."""

    hpa: dict[str, Any]
    activation: KedaActivation | None


def hpa_manifest_from_scaled_object(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The autoscaling/v2 HorizontalPodAutoscaler manifest KEDA's operator creates for the
    ScaledObject ``doc``: :func:`read_scaled_object`'s ``hpa``."""
    return read_scaled_object(doc, source).hpa


def read_scaled_object(doc: Mapping[str, Any], source: str) -> ScaledObjectRead:
    """The ScaledObject ``doc`` as the HPA KEDA's operator creates and KEDA's own scaling to zero
    (see the module docstring for the rules and their KEDA source).

    Raises :class:`SpecError` naming ``source``, the ScaledObject field and the fix for what
    KEDA refuses and for what the simulation does not model (trigger types other than cpu,
    memory, aws-sqs-queue and prometheus; scale to zero beside a cpu or memory trigger).
    """
    fail = _Problem(source)
    if doc.get("apiVersion") != API_VERSION:
        raise fail("apiVersion", doc.get("apiVersion"), f"must be {API_VERSION}",
                   f"fix the header: apiVersion: {API_VERSION}")
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(name, str) or not name:
        raise fail("metadata.name", NO_VALUE, "is missing", "name the ScaledObject")
    assert isinstance(meta, Mapping)
    # checked here, as written: read later, a bad name was blamed on the HPA's fields
    # (metadata.name (='keda-hpa-A'), spec.metrics[1].external.metric.selector...)
    if len(name) > 253 or not DNS_SUBDOMAIN.fullmatch(name):
        raise fail("metadata.name", name, "must be a lowercase RFC 1123 subdomain of at most "
                   "253 characters (a Kubernetes object name)", _NAME_FIX)
    namespace = meta.get("namespace")
    if namespace is not None and (not isinstance(namespace, str) or len(namespace) > 63
                                  or not DNS_LABEL.fullmatch(namespace)):
        raise fail("metadata.namespace", namespace, "must be a lowercase RFC 1123 label of at "
                   "most 63 characters (a namespace's name)", _NAME_FIX)
    _refuse_pause(fail, meta.get("annotations"))
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        raise fail("spec", NO_VALUE, "must be a mapping", "write the ScaledObject's spec")
    for key in spec:
        if key not in _SPEC_FIELDS:
            raise fail(f"spec.{key}", NO_VALUE, "is not a ScaledObject field read here",
                       f"valid fields: {', '.join(_SPEC_FIELDS)}")
    target = _scale_target(fail, spec.get("scaleTargetRef"))
    polling_s, cooldown_s, initial_s = (
        _int32(fail, spec, key, default, 0)  # the operator's timers: KedaActivation's
        for key, default in (("pollingInterval", 30), ("cooldownPeriod", 300),
                             ("initialCooldownPeriod", 0)))
    min_count = _int32(fail, spec, "minReplicaCount", 0, 0)
    max_count = _int32(fail, spec, "maxReplicaCount", 100, 0)
    idle = _int32(fail, spec, "idleReplicaCount", 0, 0) if "idleReplicaCount" in spec else None
    # CheckReplicaCountBoundsAreValid: the minimum is GetHPAMinReplicas (0 read as 1) when
    # minReplicaCount is written, else 0
    hpa_min = max(min_count, 1)
    bound = hpa_min if "minReplicaCount" in spec else 0
    if bound > max_count:
        raise fail("spec.minReplicaCount", min_count,
                   f"must be <= maxReplicaCount (={max_count})" + (
                       " (KEDA's HPA runs at minReplicas 1 for minReplicaCount 0)"
                       if min_count == 0 else ""),
                   "lower minReplicaCount or raise maxReplicaCount")
    if idle is not None and idle >= bound:
        raise fail("spec.idleReplicaCount", idle, f"must be below the minimum replica count "
                   f"(={bound}; KEDA's CheckReplicaCountBoundsAreValid)",
                   "set idleReplicaCount: 0 with minReplicaCount: 1 or more, or remove "
                   "idleReplicaCount")
    behavior, hpa_name = _advanced(fail, spec.get("advanced"), name)
    metrics, activations = _metrics(fail, spec.get("triggers"), name)
    _fallback(fail, spec.get("fallback"), spec.get("triggers"))
    activation = None
    if min_count == 0 or idle is not None:
        _scale_to_zero_triggers(fail, spec, spec["triggers"], min_count)
        if polling_s == 0:
            raise fail("spec.pollingInterval", 0, "gives KEDA's operator no interval to poll "
                       "the triggers at, which scaling to zero needs", "write pollingInterval: 30")
        activation = KedaActivation(polling_s, cooldown_s, initial_s, min_count, idle,
                                    tuple(activations))
    # KEDA's own labels (a label value holds 63 characters, ending alphanumeric); the
    # ScaledObject's labels, which KEDA also copies, are not: the simulation reads none
    label = re.sub(r"[^0-9A-Za-z]+$", "", hpa_name[:63])
    metadata: dict[str, Any] = {"name": hpa_name, "labels": {
        "app.kubernetes.io/name": label, "app.kubernetes.io/part-of": name,
        "app.kubernetes.io/managed-by": "keda-operator"}}
    if namespace is not None:
        metadata["namespace"] = namespace
    hpa_spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": target[0], "kind": target[1], "name": target[2]},
        "minReplicas": hpa_min, "maxReplicas": max_count, "metrics": metrics}
    if behavior is not None:
        hpa_spec["behavior"] = behavior
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": metadata, "spec": hpa_spec}
    try:  # behavior is the user's own: its problems are the ScaledObject's fields
        hpa_from_dict(hpa, source)
    except SpecError as exc:
        raise SpecError(str(exc).replace(
            "spec.behavior", "spec.advanced.horizontalPodAutoscalerConfig.behavior")) from None
    return ScaledObjectRead(hpa, activation)


def _scale_to_zero_triggers(fail: _Problem, spec: Mapping[str, Any], triggers: list[Any],
                            min_count: int) -> None:
    """KEDA's rule for scale to zero over cpu / memory triggers, and the simulation's: see the
    module docstring (``verifyCPUMemoryScalers``)."""
    kinds = [t.get("type") for t in triggers]
    resource = [i for i, kind in enumerate(kinds) if kind in _RESOURCE_TRIGGERS]
    if not resource:
        return
    written = "minReplicaCount" in spec
    if len(resource) == len(kinds) and min_count == 0:
        raise fail("spec.minReplicaCount", min_count if written else NO_VALUE,
                   ("is 0" if written else "is absent (KEDA's default: 0)") + " and every "
                   "trigger is cpu or memory: KEDA's admission webhook refuses it "
                   "(scaledobject_webhook.go, verifyCPUMemoryScalers): at zero replicas no pod "
                   "is left to measure, so nothing would scale it back up",
                   "set minReplicaCount: 1 (or more), or add a trigger that can wake the "
                   "workload from zero (aws-sqs-queue, prometheus)")
    at = _trigger_path(resource[0])
    raise fail(f"{at}.type", kinds[resource[0]], "is a cpu / memory trigger on a ScaledObject "
               "that scales to zero (minReplicaCount 0 or idleReplicaCount): KEDA's cpu / "
               "memory scaler reports its own activity from the HPA's status (always active "
               "in older KEDA releases), which the simulation does not model",
               "remove the cpu / memory trigger and scale on the queue or query, or set "
               "minReplicaCount: 1 (or more) without idleReplicaCount")


def _refuse_pause(fail: _Problem, annotations: Any) -> None:
    for key in annotations if isinstance(annotations, Mapping) else ():
        if isinstance(key, str) and key.startswith("autoscaling.keda.sh/paused"):
            raise fail(f"metadata.annotations.{key}", annotations[key],
                       "pauses KEDA's scaling, which the simulation does not model",
                       "remove the annotation from the ScaledObject the plan reads")


def _int32(fail: _Problem, spec: Mapping[str, Any], key: str, default: int, minimum: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) \
            or not minimum <= value <= _INT32_MAX:
        raise fail(f"spec.{key}", value, f"must be a whole number from {minimum} to {_INT32_MAX}",
                   f"write e.g. {key}: {default or 1}")
    return value


def _scale_target(fail: _Problem, ref: Any) -> tuple[str, str, str]:
    if not isinstance(ref, Mapping) or not isinstance(ref.get("name"), str) or not ref["name"]:
        raise fail("spec.scaleTargetRef.name", NO_VALUE, "is missing",
                   "point scaleTargetRef at the workload: scaleTargetRef: {name: NAME}")
    kind = ref.get("kind", "Deployment")  # KEDA's default target is a Deployment
    if not isinstance(kind, str) or kind not in _TARGET_KINDS:
        raise fail("spec.scaleTargetRef.kind", kind, "is not read here",
                   f"scale a {' or '.join(_TARGET_KINDS)}")
    # KEDA defaults apiVersion to apps/v1 whatever the kind, so a Rollout must state its own
    version = ref.get("apiVersion")
    if version is None and _TARGET_KINDS[kind] != "apps/v1":
        raise fail("spec.scaleTargetRef.apiVersion", NO_VALUE,
                   f"is missing, and KEDA's default apps/v1 serves no {kind}",
                   f"write apiVersion: {_TARGET_KINDS[kind]}")
    if version is not None and version != _TARGET_KINDS[kind]:
        leave_out = " or leave it out" if _TARGET_KINDS[kind] == "apps/v1" else ""
        raise fail("spec.scaleTargetRef.apiVersion", version, f"does not serve {kind}",
                   f"write apiVersion: {_TARGET_KINDS[kind]}{leave_out}")
    version = version or "apps/v1"
    return version, kind, ref["name"]


def _advanced(fail: _Problem, advanced: Any, name: str) -> tuple[Any, str]:
    """The HPA's behavior (``None``: the API defaults) and name."""
    if advanced is None:
        return None, f"keda-hpa-{name}"
    if not isinstance(advanced, Mapping):
        raise fail("spec.advanced", advanced, "must be a mapping", "write advanced: {...}")
    restore = advanced.get("restoreToOriginalReplicaCount", False)
    if not isinstance(restore, bool):
        raise fail("spec.advanced.restoreToOriginalReplicaCount", restore,
                   "must be true or false", "write restoreToOriginalReplicaCount: true")
    for key in advanced:
        if key == "scalingModifiers":
            raise fail("spec.advanced.scalingModifiers", NO_VALUE,
                       "(a formula over the triggers' metrics, computed by KEDA) is not modelled",
                       "remove it and scale on the triggers themselves")
        if key not in ("horizontalPodAutoscalerConfig", "restoreToOriginalReplicaCount"):
            raise fail(f"spec.advanced.{key}", NO_VALUE, "is not a field of advanced",
                       "valid: horizontalPodAutoscalerConfig, restoreToOriginalReplicaCount")
    config = advanced.get("horizontalPodAutoscalerConfig")
    config = {} if config is None else config  # 0, '' or [] are no mapping: refused below
    if not isinstance(config, Mapping) or not set(config) <= {"behavior", "name"}:
        raise fail("spec.advanced.horizontalPodAutoscalerConfig", config,
                   "must be a mapping of behavior and name", "write {behavior: ..., name: ...}")
    written = config.get("name")
    if written is not None and not isinstance(written, str):
        raise fail("spec.advanced.horizontalPodAutoscalerConfig.name", written,
                   "must be text", "write the HPA's name")
    if not written and len(_HPA_PREFIX + name) > 253:  # getHPAName: "" is no name
        raise fail("metadata.name", name, f"makes the HPA's name {_HPA_PREFIX}NAME longer than "
                   "253 characters", "shorten the name, or name the HPA in "
                   "spec.advanced.horizontalPodAutoscalerConfig.name")
    return config.get("behavior"), written or _HPA_PREFIX + name


def _metrics(fail: _Problem, triggers: Any, name: str
             ) -> tuple[list[dict[str, Any]], list[TriggerActivation]]:
    """The HPA's metrics, sorted as KEDA sorts them, and the activation rule of each
    aws-sqs-queue and prometheus trigger, in trigger order."""
    if not isinstance(triggers, list) or not triggers:
        raise fail("spec.triggers", NO_VALUE if triggers is None else triggers,
                   "must be a non-empty list", "list the triggers KEDA scales on")
    metrics: list[dict[str, Any]] = []
    activations: list[TriggerActivation] = []
    for i, trigger in enumerate(triggers):
        metric, threshold = _metric(fail, trigger, i, _trigger_path(i))
        if threshold is not None:
            activations.append(TriggerActivation(
                metric["external"]["metric"]["name"], threshold,
                _ACTIVATION_FIELDS[trigger["type"]], _in_flight(fail, trigger, i)))
        # KEDA refuses an External name written twice; the s<index>- prefix of every trigger
        # read here makes each unique
        if metric["type"] == "External":
            if len(name) > _LABEL_VALUE_CHARS:
                raise fail("metadata.name", name, f"is longer than {_LABEL_VALUE_CHARS} "
                           f"characters: KEDA selects {_trigger_path(i)}'s External metric by "
                           f"the label {OWNER_LABEL}, whose value holds at most "
                           f"{_LABEL_VALUE_CHARS}",
                           "shorten the ScaledObject's name")
            metric["external"]["metric"]["selector"] = {"matchLabels": {OWNER_LABEL: name}}
        metrics.append(metric)
    # sort.Slice by type; with <= 12 metrics Go sorts by insertion, which keeps equal types in
    # order (a 13th trigger is refused rather than guessed at)
    if len(metrics) > 12:
        raise fail("spec.triggers", NO_VALUE, f"has {len(metrics)} triggers, more than the 12 "
                   "whose HPA metric order is known", "keep at most 12 triggers")
    return sorted(metrics, key=lambda m: str(m["type"])), activations


def _in_flight(fail: _Problem, trigger: Mapping[str, Any], index: int) -> bool:
    """An aws-sqs-queue trigger's ``scaleOnInFlight`` (``parseAwsSqsQueueMetadata``: default
    true), which the activation counts; false for the other triggers."""
    if trigger["type"] != "aws-sqs-queue":
        return False
    return _flag(fail, trigger.get("metadata") or {}, "scaleOnInFlight", True,
                 _trigger_path(index))


def _trigger_path(index: int) -> str:
    """The path of trigger ``index``."""
    return f"spec.triggers[{index}]"


def _metric(fail: _Problem, trigger: Any, index: int, at: str
            ) -> tuple[dict[str, Any], float | None]:
    """One trigger's HPA metric and, for an External one, its activation threshold."""
    if not isinstance(trigger, Mapping):
        raise fail(at, trigger, "must be a mapping", "write {type: ..., metadata: {...}}")
    for key in trigger:
        if key not in _TRIGGER_FIELDS:
            raise fail(f"{at}.{key}", NO_VALUE, "is not a trigger field",
                       f"valid: {', '.join(_TRIGGER_FIELDS)}")
    kind = trigger.get("type")
    if kind not in _TRIGGER_TYPES:
        raise fail(f"{at}.type", kind if kind is not None else NO_VALUE, "is not simulated",
                   f"supported trigger types: {', '.join(_TRIGGER_TYPES)}; write an "
                   "autoscaling/v2 HPA for the others")
    _trigger_extras(fail, trigger, at)
    meta = trigger.get("metadata")
    meta = {} if meta is None else meta  # 0, '' or [] are no mapping: refused below
    if not isinstance(meta, Mapping):
        raise fail(f"{at}.metadata", meta, "must be a mapping", "write metadata: {key: 'value'}")
    for key, value in meta.items():
        if not isinstance(value, str):  # the CRD's metadata is map[string]string
            raise fail(f"{at}.metadata.{key}", value, "must be text (the CRD holds strings)",
                       f"quote it: {key}: \"{value}\"")
    metric_type = trigger.get("metricType")
    if kind in _RESOURCE_TRIGGERS:
        return _resource_metric(fail, kind, meta, metric_type, at), None
    if metric_type not in (None, "AverageValue", "Value"):
        raise fail(f"{at}.metricType", metric_type, "must be AverageValue or Value for an "
                   "External metric (scaler.go GetMetricTargetType)",
                   "write metricType: AverageValue or leave it out")
    target_type = metric_type or "AverageValue"
    key = "averageValue" if target_type == "AverageValue" else "value"
    if kind == "aws-sqs-queue":
        for unread in ("queueURLFromEnv",):
            if unread in meta:
                raise fail(f"{at}.metadata.{unread}", NO_VALUE, "is resolved from the pod's "
                           "environment, which is not read", "write queueURL itself")
        metric_name = _sqs_metric_name(fail, meta, index, at)
        length = _whole(fail, meta, "queueLength", 5, 1, at)
        threshold = float(_whole(fail, meta, "activationQueueLength", 0, None, at))  # int64
        for flag, default in (("scaleOnInFlight", True), ("scaleOnDelayed", False)):
            _flag(fail, meta, flag, default, at)
        amount = str(length)
    else:  # prometheus
        for required in ("serverAddress", "query"):
            if not meta.get(required):
                raise fail(f"{at}.metadata.{required}", NO_VALUE, "is missing (KEDA requires it)",
                           f"write the Prometheus {required}")
        milli = int(_decimal(fail, meta, "threshold", None, at) * 1000)  # Go's int64(): truncates
        threshold = _decimal(fail, meta, "activationThreshold", 0.0, at)
        if milli <= 0:
            raise fail(f"{at}.metadata.threshold", meta["threshold"], "gives a target of "
                       f"{milli} milli-units; the HPA needs one above 0", "raise the threshold")
        if milli >= 2**63:  # Go's int64() of a larger float is undefined; no quantity holds it
            raise fail(f"{at}.metadata.threshold", meta["threshold"], "gives a target of "
                       f"{milli:,} milli-units, above the int64 KEDA holds it in (at most "
                       f"{(2**63 - 1) // 1000:,} units)", "lower the threshold")
        metric_name = f"s{index}-prometheus"
        amount = str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"
    return {"type": "External", "external": {
        "metric": {"name": metric_name}, "target": {"type": target_type, key: amount}}}, threshold


def _resource_metric(fail: _Problem, kind: str, meta: Mapping[str, Any], metric_type: Any,
                     at: str) -> dict[str, Any]:
    if meta.get("type") and metric_type:
        raise fail(f"{at}.metadata.type", meta["type"], "and metricType are both set",
                   "keep metricType (metadata.type is deprecated)")
    target_type = meta.get("type") or metric_type
    if target_type not in ("Utilization", "AverageValue"):
        raise fail(f"{at}.metricType", target_type if target_type else NO_VALUE,
                   "must be Utilization or AverageValue", "write metricType: Utilization")
    value = meta.get("value")
    if not value:
        raise fail(f"{at}.metadata.value", NO_VALUE, "is missing", "write value: \"70\"")
    target: dict[str, Any] = {"type": target_type}
    if target_type == "Utilization":
        # the HPA's averageUtilization must be above 0: said here, at the field written
        if not _INTEGER.match(value) or not 0 < int(value) <= _INT32_MAX:
            raise fail(f"{at}.metadata.value", value, "must be a whole percent above 0",
                       "write e.g. value: \"70\"")
        target["averageUtilization"] = int(value)
    else:
        try:
            amount = parse_quantity(value)
        except QuantityError as exc:
            raise fail(f"{at}.metadata.value", value, f"is not a quantity: {exc}",
                       "write e.g. value: \"500m\"") from None
        if amount <= 0:
            raise fail(f"{at}.metadata.value", value, "must be a quantity above 0 (the HPA's "
                       "averageValue)", "write e.g. value: \"500m\"")
        target["averageValue"] = value
    container = meta.get("containerName")
    if container and (len(container) > _LABEL_VALUE_CHARS
                      or not DNS_LABEL.fullmatch(container)):
        raise fail(f"{at}.metadata.containerName", container, "must be a container's name, "
                   f"a lowercase RFC 1123 label of at most {_LABEL_VALUE_CHARS} characters",
                   _NAME_FIX)
    if container:
        return {"type": "ContainerResource", "containerResource": {
            "name": kind, "container": container, "target": target}}
    return {"type": "Resource", "resource": {"name": kind, "target": target}}


def _trigger_extras(fail: _Problem, trigger: Mapping[str, Any], at: str) -> None:
    """The trigger fields that change nothing simulated, checked as the CRD types them: a
    ScaledObject kubectl would refuse is not read as one KEDA runs."""
    for key, kind, fix in (("name", str, "name: queue"), ("useCachedMetrics", bool,
                                                          "useCachedMetrics: true")):
        if key in trigger and not isinstance(trigger[key], kind):
            raise fail(f"{at}.{key}", trigger[key], "must be "
                       + ("text" if kind is str else "true or false"), f"write {fix}")
    ref = trigger.get("authenticationRef")
    if ref is not None and (not isinstance(ref, Mapping) or not isinstance(ref.get("name"), str)
                            or not ref["name"]):
        raise fail(f"{at}.authenticationRef", ref, "must be a mapping with a name",
                   "write authenticationRef: {name: TRIGGER_AUTHENTICATION}")


def _queue_name(fail: _Problem, url: Any, at: str) -> str:
    if not url:
        raise fail(at, NO_VALUE, "is missing", "write the queue's URL, "
                   "https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE")
    text = str(url)
    # url.ParseRequestURI accepts an absolute URL or an absolute path; anything else is the name
    if not (urlsplit(text).scheme or text.startswith("/")):
        return text
    segments = urlsplit(text).path.split("/")
    if len(segments) != 3 or not segments[2]:
        raise fail(at, url, "has no queue name (KEDA reads the path /ACCOUNT/QUEUE)",
                   "write https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE")
    return segments[2]


def _sqs_metric_name(fail: _Problem, meta: Mapping[str, Any], index: int, at: str) -> str:
    """The External metric name of aws-sqs-queue trigger ``index``:
    ``s<index>-aws-sqs-<queue>``."""
    queue = _queue_name(fail, meta.get("queueURL"), f"{at}.metadata.queueURL")
    return f"s{index}-" + _normalized(f"aws-sqs-{queue}")


def _flag(fail: _Problem, meta: Mapping[str, Any], key: str, default: bool, at: str) -> bool:
    """A true / false trigger field as KEDA parses it (``strconv.ParseBool``)."""
    text = meta.get(key)
    if text is None:
        return default
    if text not in _BOOLEANS:
        raise fail(f"{at}.metadata.{key}", text, "must be true or false (KEDA's "
                   "strconv.ParseBool refuses the trigger otherwise)",
                   f"write {key}: \"{str(default).lower()}\"")
    return _BOOLEANS[text]


def sqs_in_flight(doc: Mapping[str, Any]) -> dict[str, bool]:
    """The External metric name of each ``aws-sqs-queue`` trigger of the ScaledObject ``doc``
    (one :func:`hpa_manifest_from_scaled_object` accepted) -> whether KEDA counts the messages
    in flight in it (``scaleOnInFlight``, default true), not the visible ones alone."""
    fail = _Problem("the ScaledObject")
    spec = doc.get("spec")
    triggers = spec.get("triggers") if isinstance(spec, Mapping) else None
    out = {}
    for i, trigger in enumerate(triggers if isinstance(triggers, list) else ()):
        if isinstance(trigger, Mapping) and trigger.get("type") == "aws-sqs-queue":
            meta = trigger.get("metadata") or {}
            at = _trigger_path(i)
            out[_sqs_metric_name(fail, meta, i, at)] = _flag(fail, meta, "scaleOnInFlight",
                                                             True, at)
    return out


def _normalized(text: str) -> str:
    """KEDA's ``NormalizeString``: slashes, dots, colons and percent signs become dashes."""
    for char in "/.:%":
        text = text.replace(char, "-")
    return text


def _whole(fail: _Problem, meta: Mapping[str, Any], key: str, default: int,
           minimum: int | None, at: str) -> int:
    text = meta.get(key)
    if text is None:
        return default
    low = -(2**63) if minimum is None else minimum
    if not _INTEGER.match(text) or not low <= int(text) < 2**63:
        raise fail(f"{at}.metadata.{key}", text, "must be a whole number"
                   + (f" >= {minimum}" if minimum is not None else ""),
                   f"write e.g. {key}: \"{default}\"")
    return int(text)


def _decimal(fail: _Problem, meta: Mapping[str, Any], key: str, default: float | None,
             at: str) -> float:
    text = meta.get(key)
    if text is None and default is not None:
        return default
    if text is None or not _DECIMAL.match(text):
        raise fail(f"{at}.metadata.{key}", text if text is not None else NO_VALUE,
                   "must be a number", f"write e.g. {key}: \"10\"")
    return float(text)


def _fallback(fail: _Problem, fallback: Any, triggers: Any) -> None:
    """KEDA's ``CheckFallbackValid``: fallback only with AverageValue External triggers."""
    if fallback is None:
        return
    if not isinstance(fallback, Mapping) or any(
            isinstance(fallback.get(k), bool) or not isinstance(fallback.get(k), int)
            or fallback[k] < 0 for k in ("failureThreshold", "replicas")):
        raise fail("spec.fallback", fallback, "must hold failureThreshold and replicas, "
                   "whole numbers >= 0", "write fallback: {failureThreshold: 3, replicas: 6}")
    for i, trigger in enumerate(triggers):
        if trigger.get("type") in ("cpu", "memory") or trigger.get("metricType") != "AverageValue":
            raise fail(f"spec.triggers[{i}].metricType", trigger.get("metricType") or NO_VALUE,
                       "must be AverageValue on every trigger (not cpu or memory) when "
                       "spec.fallback is set (KEDA's CheckFallbackValid)",
                       "write metricType: AverageValue on each trigger, or remove fallback")
