"""A probe the API server refuses (validation.go validateProbe / validateHandler /
validateInitContainers) is refused where the pod template is read, at its field path, with the
file, the rule and the fix; one it takes is read as before."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.manifests import deployment_from_dict
from infra_toolkit.readiness import ContainerProbes, Probe

_AT = "spec.template.spec.containers[0]"
_OWNER = "of Deployment 'web' in web.yaml"


def _deployment(container: dict[str, Any], init: list[Any] | None = None) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": [{"name": "app",
                                           "resources": {"requests": {"cpu": "100m"}},
                                           **container}]}
    if init is not None:
        pod["initContainers"] = init
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod}}}


@pytest.mark.parametrize(("block", "probe", "field", "said"), [
    # validateHandler: no handler at all, the shorthand the tests used to write
    ("readinessProbe", {"initialDelaySeconds": 10}, "readinessProbe",
     "has no handler: the API server refuses a probe that does not say how to probe (must "
     "specify a handler type); give it one of exec, httpGet, tcpSocket or grpc, e.g. httpGet: "
     "{path: /ready, port: 8080}"),
    # a handler written as null is unset (a nil pointer in the API)
    ("startupProbe", {"httpGet": None, "periodSeconds": 5}, "startupProbe",
     "has no handler"),
    ("livenessProbe", {}, "livenessProbe", "must specify a handler type"),
    # two handlers: the second is refused, at its own path
    ("readinessProbe", {"httpGet": {"path": "/", "port": 80}, "tcpSocket": {"port": 80}},
     "readinessProbe.tcpSocket",
     ": the probe already has httpGet, and the API server refuses a second handler (may not "
     "specify more than 1 handler type); keep one of httpGet, tcpSocket"),
    ("livenessProbe", {"exec": {"command": ["true"]}, "grpc": {"port": 9090}},
     "livenessProbe.grpc", "may not specify more than 1 handler type"),
    # each handler's own checks
    ("readinessProbe", {"exec": {}}, "readinessProbe.exec.command (=None)",
     "must be a non-empty list: the API server refuses an exec probe without a command"),
    ("readinessProbe", {"exec": {"command": []}}, "readinessProbe.exec.command (=[])",
     "e.g. command: [cat, /tmp/ready]"),
    ("readinessProbe", {"httpGet": "/ready"}, "readinessProbe.httpGet (='/ready')",
     "must be a mapping such as {path: /ready, port: 8080}"),
    ("readinessProbe", {"httpGet": {"path": "/ready"}}, "readinessProbe.httpGet.port",
     "is missing: the API server refuses a probe without a port"),
    ("livenessProbe", {"tcpSocket": {"port": 0}}, "livenessProbe.tcpSocket.port (=0)",
     "is not a port number: the API server refuses it (must be between 1 and 65535"),
    ("livenessProbe", {"tcpSocket": {"port": 65536}}, "livenessProbe.tcpSocket.port (=65536)",
     "must be between 1 and 65535"),
    # a quoted number is a port name to the API server, and a name needs a letter
    ("startupProbe", {"httpGet": {"path": "/", "port": "8080"}},
     "startupProbe.httpGet.port (='8080')",
     "is not a valid port name, which the API server refuses; write it without quotes "
     "(port: 8080)"),
    ("startupProbe", {"httpGet": {"path": "/", "port": "Http"}},
     "startupProbe.httpGet.port (='Http')", "is not a valid port name"),
    ("startupProbe", {"httpGet": {"path": "/", "port": "a--b"}},
     "startupProbe.httpGet.port (='a--b')", "is not a valid port name"),
    ("startupProbe", {"httpGet": {"path": "/", "port": "sixteen-chars-xx"}},
     "startupProbe.httpGet.port (='sixteen-chars-xx')", "is not a valid port name"),
    # a gRPC port is an int32, never a name
    ("readinessProbe", {"grpc": {"port": "grpc"}}, "readinessProbe.grpc.port (='grpc')",
     "must be a port number from 1 to 65535; write it without quotes"),
    ("readinessProbe", {"httpGet": {"path": "/", "port": 80, "scheme": "http"}},
     "readinessProbe.httpGet.scheme (='http')",
     "is not supported by the API server; write HTTP or HTTPS"),
    # validateReadinessProbe / validateProbe: the probe's own grace period
    ("readinessProbe", {"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 5},
     "readinessProbe.terminationGracePeriodSeconds (=5)",
     "is refused by the API server (must not be set for readinessProbes"),
    ("livenessProbe", {"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 0},
     "livenessProbe.terminationGracePeriodSeconds (=0)",
     "must be a whole number of seconds greater than 0, as the API server requires"),
    # validateProbe: no negative count or duration, those the timing does not read included
    ("readinessProbe", {"tcpSocket": {"port": 80}, "timeoutSeconds": -1},
     "readinessProbe.timeoutSeconds (=-1)", "must be a whole number >= 0"),
    ("readinessProbe", {"tcpSocket": {"port": 80}, "failureThreshold": -3},
     "readinessProbe.failureThreshold (=-3)", "must be a whole number >= 0"),
    # validateLivenessProbe: successThreshold must be 1 (as the startup probe's already was)
    ("livenessProbe", {"tcpSocket": {"port": 80}, "successThreshold": 2},
     "livenessProbe.successThreshold (=2)", "must be 1 for a liveness probe"),
])
def test_a_probe_the_api_server_refuses_is_refused_at_its_field(
        block: str, probe: dict[str, Any], field: str, said: str) -> None:
    with pytest.raises(SpecError, match=re.escape(f"{_AT}.{field} {_OWNER}") + ".*"
                       + re.escape(said)):
        deployment_from_dict(_deployment({block: probe}), "web.yaml")


@pytest.mark.parametrize("handler", [
    {"exec": {"command": ["cat", "/tmp/ready"]}},
    {"httpGet": {"port": 8080}},  # path unset: the API's default "/"
    {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTPS"}},  # a port name
    {"httpGet": {"path": "", "port": 80, "scheme": ""}},  # empty: the defaults "/" and HTTP
    {"tcpSocket": {"port": "a1-b2"}},
    {"grpc": {"port": 9090, "service": "ready"}},
    {"exec": {"command": ["true"]}, "httpGet": None},  # null is unset: one handler
])
def test_a_probe_with_one_valid_handler_is_read(handler: dict[str, Any]) -> None:
    dep = deployment_from_dict(_deployment({"readinessProbe": {**handler,
                                                               "initialDelaySeconds": 4}}),
                               "web.yaml")
    assert dep.probes == (ContainerProbes(Probe(4.0)),)


def test_every_handler_problem_of_a_probe_is_said_at_once() -> None:
    probe = {"httpGet": {"path": "/", "port": 0}, "tcpSocket": {"port": 80},
             "terminationGracePeriodSeconds": 1}
    with pytest.raises(SpecError) as caught:
        deployment_from_dict(_deployment({"readinessProbe": probe}), "web.yaml")
    lines = str(caught.value).splitlines()
    assert [line.split(" ")[0] for line in lines] == [
        f"{_AT}.readinessProbe.tcpSocket", f"{_AT}.readinessProbe.httpGet.port",
        f"{_AT}.readinessProbe.terminationGracePeriodSeconds"]


@pytest.mark.parametrize("block", ["readinessProbe", "livenessProbe", "startupProbe"])
def test_a_probe_on_a_one_shot_init_container_is_refused(block: str) -> None:
    init = [{"name": "migrate", block: {"exec": {"command": ["true"]}}}]
    with pytest.raises(SpecError, match=re.escape(
            f"spec.template.spec.initContainers[0].{block} {_OWNER} is refused by the API "
            "server (may not be set for init containers without restartPolicy=Always)")
            + ".*drop the probe, or add restartPolicy: Always to make it a native sidecar"):
        deployment_from_dict(_deployment({}, init), "web.yaml")


def test_a_native_sidecar_probe_is_checked_like_a_container_probe() -> None:
    init = [{"name": "proxy", "restartPolicy": "Always",
             "startupProbe": {"periodSeconds": 1}}]
    with pytest.raises(SpecError, match=re.escape(
            f"spec.template.spec.initContainers[0].startupProbe {_OWNER} has no handler")):
        deployment_from_dict(_deployment({}, init), "web.yaml")
