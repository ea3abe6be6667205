"""A container's fields as the simulation reads them from a workload's manifest: a probe's
timing as the API server defaults and validates it (``probe_timing``; its handler checked by
:mod:`infra_toolkit.probe_handlers`), a startup or liveness probe that restarts the container
(``restart_probe``), a misspelt field the API server refuses whose value the simulation reads
(``unknown_container_fields``), and a whole-number API field within int32 / int64
(``whole_number``, ``MAX_INT64``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra_toolkit.errors import SpecError, quoted
from infra_toolkit.go_arithmetic import MAX_INT32
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.probe_handlers import handler_problems
from infra_toolkit.readiness import DEFAULT_PROBE_PERIOD_S, Probe
from infra_toolkit.restart_probes import DEFAULT_FAILURE_THRESHOLD, RestartProbe
from infra_toolkit.workload import MAX_STARTUP_DELAY_S, STARTUP_DELAY_RULE

__all__ = ["MAX_INT64", "probe_timing", "restart_probe", "unknown_container_fields",
           "whole_number"]


#: The largest value of an int64 field (terminationGracePeriodSeconds), which the API server
#: refuses above.
MAX_INT64 = 2**63 - 1


def whole_number(value: Any, field_path: str, name: str, source: Path, *,
                 largest: int = MAX_INT32, kind: str = "int32") -> int:
    """``value`` of a whole-number API field (int32 unless ``largest`` / ``kind`` say int64):
    a :class:`SpecError` naming the field, ``name`` and ``source`` when it is not a whole number
    >= 0 or is above the largest the API server takes."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SpecError(f"{field_path} (={quoted(value)}) of {name} in {source} must be a "
                        "whole number >= 0")
    if value > largest:
        raise SpecError(f"{field_path} (={quoted(value)}) of {name} in {source} is above "
                        f"{largest:,}, the largest {kind} the API server takes; write the "
                        "real number")
    return value


# The fields of a probe and of a container's resources (core/v1 Probe, ResourceRequirements):
# closed sets, which kubectl's strict field validation holds them to (the default since 1.25)
_PROBE_FIELDS = ("exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds", "timeoutSeconds",
                 "periodSeconds", "successThreshold", "failureThreshold",
                 "terminationGracePeriodSeconds")
_RESOURCES_FIELDS = ("limits", "requests", "claims")
# the container fields the simulation reads: another key this close to one is its misspelling
_READ_CONTAINER_FIELDS = ("readinessProbe", "startupProbe", "livenessProbe", "resources")


def unknown_container_fields(container: Mapping[str, Any], where: str,
                             owner: str) -> list[str]:
    """``where.field {owner}: ...`` for a misspelt field the API server refuses whose value the
    simulation reads: ``initialDelaySecond: 30`` or ``readinessprobe:`` read as no delay, 0 s,
    silently (the rest of a container's fields are not checked: its schema grows each
    Kubernetes release, and a field not read changes nothing here)."""
    out = []
    for key in container:
        near = did_you_mean(str(key), _READ_CONTAINER_FIELDS, list_choices=False, cutoff=0.8)
        if key not in _READ_CONTAINER_FIELDS and near:
            out.append(f"{where}.{key} {owner}: unknown field, which the API server refuses{near}")
    for block, allowed in (("readinessProbe", _PROBE_FIELDS), ("startupProbe", _PROBE_FIELDS),
                           ("livenessProbe", _PROBE_FIELDS), ("resources", _RESOURCES_FIELDS)):
        fields = container.get(block)
        out += [f"{where}.{block}.{key} {owner}: unknown field, which the API server refuses"
                + did_you_mean(str(key), allowed)
                for key in (fields if isinstance(fields, Mapping) else ()) if key not in allowed]
    return out


def _startup_delay(value: Any, field_path: str, name: str, source: Path) -> int:
    """A probe's initialDelaySeconds or periodSeconds: a whole number of seconds up to the one
    bound of a pod's start-up delays (:data:`~infra_toolkit.workload.MAX_STARTUP_DELAY_S`)."""
    seconds = whole_number(value, field_path, name, source)
    if seconds > MAX_STARTUP_DELAY_S:
        raise SpecError(f"{field_path} (={quoted(seconds)}) of {name} in {source} must be at "
                        f"most {MAX_STARTUP_DELAY_S:,} s: {STARTUP_DELAY_RULE}")
    return seconds


def probe_timing(container: Mapping[str, Any], block: str, where: str, name: str,
                 source: Path) -> Probe | None:
    """The timing of a container's ``readinessProbe``, ``startupProbe`` or ``livenessProbe``
    (``None`` without one), as the API server defaults and validates it: ``SetDefaults_Probe``
    makes an unset or 0 ``periodSeconds`` 10 and ``successThreshold`` 1; ``validateProbe``
    refuses a probe without exactly one handler and the other problems of
    :func:`~infra_toolkit.probe_handlers.handler_problems`, a negative count or duration, and a
    startup or liveness probe's ``successThreshold`` other than 1 (``must be 1``); null is
    unset. Raises :class:`SpecError` naming the field (each handler problem on its own line)."""
    probe = container.get(block)
    at = f"{where}.{block}"
    if probe is not None and not isinstance(probe, Mapping):
        raise SpecError(f"{at} (={quoted(probe)}) of {name} in {source} must be a mapping such "
                        "as {httpGet: {path: /ready, port: 8080}, periodSeconds: 5}")
    if not isinstance(probe, Mapping):
        return None

    owner = f"of {name} in {source}"
    problems = handler_problems(probe, block, at, owner)
    if problems:
        raise SpecError("\n".join(problems))
    # validateProbe: no count or duration negative, those the timing does not use included
    for key in ("timeoutSeconds", "failureThreshold"):
        if probe.get(key) is not None:
            whole_number(probe[key], f"{at}.{key}", name, source)

    def field(key: str, unset: int) -> int:
        raw = probe.get(key)
        read = whole_number if key == "successThreshold" else _startup_delay
        value = read(unset if raw is None else raw, f"{at}.{key}", name, source)
        return unset if value == 0 and key != "initialDelaySeconds" else value

    delay = field("initialDelaySeconds", 0)
    period = field("periodSeconds", DEFAULT_PROBE_PERIOD_S)
    threshold = field("successThreshold", 1)
    if block in ("startupProbe", "livenessProbe") and threshold != 1:
        kind = "startup" if block == "startupProbe" else "liveness"
        raise SpecError(f"{at}.successThreshold (={threshold}) of {name} in {source} must be 1 "
                        f"for a {kind} probe, as the API server requires (it passes on its "
                        "first success); drop the field or write 1")
    # a run of successes past a day holds the pod unready as long as a day-long delay would
    if (threshold - 1) * period > MAX_STARTUP_DELAY_S:
        raise SpecError(f"{at}.successThreshold (={threshold}) x periodSeconds (={period}) of "
                        f"{name} in {source} must be at most {MAX_STARTUP_DELAY_S:,} s: "
                        f"{STARTUP_DELAY_RULE}")
    return Probe(float(delay), float(period), threshold)


def restart_probe(container: Mapping[str, Any], block: str, where: str, name: str,
                  source: Path) -> RestartProbe | None:
    """A container's ``startupProbe`` or ``livenessProbe`` as a probe that restarts it
    (:mod:`infra_toolkit.restart_probes`; ``None`` without one): :func:`probe_timing`'s timing and
    its ``failureThreshold`` (unset or 0: the API's 3)."""
    timing = probe_timing(container, block, where, name, source)
    if timing is None:
        return None
    raw = container[block].get("failureThreshold")
    failures = whole_number(DEFAULT_FAILURE_THRESHOLD if raw is None else raw,
                      f"{where}.{block}.failureThreshold", name, source)
    return RestartProbe(str(container.get("name")), block, timing.initial_delay_s,
                        timing.period_s, failures or DEFAULT_FAILURE_THRESHOLD)
