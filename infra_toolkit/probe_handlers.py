"""A probe's handler and its other fields as the API server validates them, beyond the timing
that :mod:`infra_toolkit.manifests` reads.

Read in kubernetes ``pkg/apis/core/validation/validation.go``: ``validateProbe`` checks the
handler (``validateHandler``: exactly one of ``exec``, ``httpGet``, ``tcpSocket`` and ``grpc``;
none is "must specify a handler type", a second "may not specify more than 1 handler type"),
then that no count or duration is negative and that a probe's own
``terminationGracePeriodSeconds`` is above 0; ``validateReadinessProbe`` refuses that field on a
readiness probe. The handlers' own checks: an ``exec`` needs a ``command``; an ``httpGet`` or
``tcpSocket`` port is a number from 1 to 65535 or a port name (``IsValidPortName``), a ``grpc``
port a number; an ``httpGet`` ``scheme`` is ``HTTP`` or ``HTTPS`` (unset: ``HTTP``, and an
unset ``path`` is ``/``: ``SetDefaults_HTTPGetAction``). ``validateInitContainers`` refuses any
probe on a one-shot init container (one without ``restartPolicy: Always``).

A probe the API server refuses never runs, so a plan that reads its timing would simulate a pod
that cannot exist: each problem is refused at its field path, with the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from infra_toolkit.errors import quoted

__all__ = ["HANDLERS", "PROBES", "handler_problems", "init_container_probe_problems"]

#: The handler fields of a probe (core/v1 ProbeHandler), in the API server's order.
HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
#: The probe fields of a container.
PROBES = ("readinessProbe", "livenessProbe", "startupProbe")
_EXAMPLE = "httpGet: {path: /ready, port: 8080}"
_MAX_PORT = 65535
# IsValidPortName (k8s.io/apimachinery/pkg/util/validation): an IANA service name
_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")


def _port_problem(port: Any, at: str, owner: str, named_ok: bool) -> str | None:
    """Why the API server refuses ``port`` at ``at`` (``ValidatePortNumOrName``), or ``None``."""
    if isinstance(port, int) and not isinstance(port, bool):
        if 1 <= port <= _MAX_PORT:
            return None
        return (f"{at} (={port}) {owner} is not a port number: the API server refuses it (must "
                f"be between 1 and {_MAX_PORT}, inclusive); write the port the container "
                "listens on")
    if port is None:
        return (f"{at} {owner} is missing: the API server refuses a probe without a port; write "
                "the port the container listens on (e.g. port: 8080)")
    if not named_ok or not isinstance(port, str):
        return (f"{at} (={quoted(port)}) {owner} must be a port number from 1 to {_MAX_PORT}"
                + (" or a container port's name" if named_ok else "")
                + "; write it without quotes (e.g. port: 8080)")
    if _PORT_NAME.match(port) and "--" not in port and re.search("[a-z]", port):
        return None
    fix = (f"write it without quotes (port: {port})" if port.isdigit() else
           "use the name of one of the container's ports (up to 15 lower-case letters, digits "
           "and single inner hyphens, with a letter) or its number")
    return (f"{at} (={quoted(port)}) {owner} is not a valid port name, which the API server "
            f"refuses; {fix}")


def _action_problems(kind: str, action: Any, at: str, owner: str) -> list[str]:
    """Why the API server refuses the ``kind`` handler ``action`` of a probe at ``at``."""
    where = f"{at}.{kind}"
    if not isinstance(action, Mapping):
        example = {"exec": "{command: [cat, /tmp/ready]}", "httpGet": "{path: /ready, port: 8080}",
                   "tcpSocket": "{port: 8080}", "grpc": "{port: 9090}"}[kind]
        return [f"{where} (={quoted(action)}) {owner} must be a mapping such as {example}"]
    if kind == "exec":
        command = action.get("command")
        if isinstance(command, list) and command:
            return []
        return [f"{where}.command (={quoted(command)}) {owner} must be a non-empty list: the API "
                "server refuses an exec probe without a command (Required value); write the "
                "command and its arguments, e.g. command: [cat, /tmp/ready]"]
    problems = [_port_problem(action.get("port"), f"{where}.port", owner, kind != "grpc")]
    scheme = action.get("scheme")
    # SetDefaults_HTTPGetAction makes an empty scheme HTTP before validation
    if kind == "httpGet" and scheme not in (None, "", "HTTP", "HTTPS"):
        problems.append(f"{where}.scheme (={quoted(scheme)}) {owner} is not supported by the API "
                        "server; write HTTP or HTTPS (upper case), or drop it for HTTP")
    return [p for p in problems if p]


def handler_problems(probe: Mapping[str, Any], block: str, at: str, owner: str) -> list[str]:
    """Why the API server refuses the ``block`` probe (``readinessProbe``, ``livenessProbe`` or
    ``startupProbe``) ``probe`` at field path ``at`` of ``owner`` (``of Deployment 'web' in
    plans/web.yaml``) for its handler or its fields the timing does not read (module
    docstring), one line each; ``[]`` when it takes it. A handler written as ``null`` is unset."""
    given = [k for k in HANDLERS if probe.get(k) is not None]
    if not given:
        return [f"{at} {owner} has no handler: the API server refuses a probe that does not say "
                "how to probe (must specify a handler type); give it one of exec, httpGet, "
                f"tcpSocket or grpc, e.g. {_EXAMPLE}"]
    problems = [f"{at}.{kind} {owner}: the probe already has {given[0]}, and the API server "
                f"refuses a second handler (may not specify more than 1 handler type); keep "
                f"one of {', '.join(given)}" for kind in given[1:]]
    problems += _action_problems(given[0], probe[given[0]], at, owner)
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and block == "readinessProbe":
        problems.append(f"{at}.terminationGracePeriodSeconds (={quoted(grace)}) {owner} is "
                        "refused by the API server (must not be set for readinessProbes: a "
                        "failing readiness probe kills nothing); drop it")
    elif grace is not None and (isinstance(grace, bool) or not isinstance(grace, int)
                                or grace <= 0):
        problems.append(f"{at}.terminationGracePeriodSeconds (={quoted(grace)}) {owner} must be "
                        "a whole number of seconds greater than 0, as the API server requires; "
                        "drop it to use the pod's terminationGracePeriodSeconds")
    return problems


def init_container_probe_problems(init: list[Any], owner: str) -> list[str]:
    """Why the API server refuses a probe on each one-shot init container of ``init`` (a pod
    template's ``initContainers``; ``validateInitContainers``: "may not be set for init
    containers without restartPolicy=Always"): such a container runs to completion before the
    app containers start, and nothing probes it."""
    return [f"spec.template.spec.initContainers[{i}].{block} {owner} is refused by the API "
            "server (may not be set for init containers without restartPolicy=Always): a "
            "one-shot init container runs to completion and is never probed; drop the probe, "
            "or add restartPolicy: Always to make it a native sidecar"
            for i, c in enumerate(init)
            if isinstance(c, Mapping) and c.get("restartPolicy") is None
            for block in PROBES if c.get(block) is not None]
