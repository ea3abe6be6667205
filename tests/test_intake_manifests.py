"""Workload manifests as users bring them (tests/data/intake, origins in its README), read as
the API server defaults them; the figures worked by hand from each file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_yaml import read_hpa_yaml
from infra_toolkit.manifests import deployment_from_dict, read_deployment_yaml
from infra_toolkit.readiness import ContainerProbes, Probe
from infra_toolkit.restart_probes import RestartProbe
from tests.test_intake_karpenter_volumes import INTAKE

MIB = 2**20


def test_a_deployment_beside_its_services_and_hpa() -> None:
    d = read_deployment_yaml(INTAKE / "frontend_multidoc.yaml")
    # one container: 100m, 64Mi; a readiness probe 10 s after the start, period 10 s unset;
    # the liveness probe (delay 10 s, failureThreshold 3 unset) restarts, not readies
    assert (d.name, d.replicas, d.cpu_request_millicores, d.memory_request_mib) == (
        "storefront", 3, 100, 64.0)
    assert d.probes == (ContainerProbes(Probe(10.0, 10.0, 1)),)
    assert d.restart_probes == (RestartProbe("server", "livenessProbe", 10.0, 10.0, 3),)
    hpa = read_hpa_yaml(INTAKE / "frontend_multidoc.yaml")
    assert (hpa.name, hpa.min_replicas, hpa.max_replicas) == ("storefront", 3, 12)


def test_native_sidecars_and_every_quantity_form() -> None:
    d = read_deployment_yaml(INTAKE / "sidecar_quantities.yaml")
    # the HPA's and the running pod's request: app + the two native sidecars
    #   cpu: 1.5 = 1500m + mesh-proxy 0.1 = 100m + log-shipper's limit 50m = 1650m
    #   memory: 5e8 B + 128974848 B (123 MiB) + 64Mi (67108864 B) = 696083712 B
    assert d.cpu_request_millicores == 1650
    assert d.memory_request_mib == 696083712 / MIB  # 663.837... MiB
    # the one-shot migration runs beside the sidecar started before it (mesh-proxy), not the
    # one after it: 1000m + 100m = 1100m; 1G = 10^9 B + 128974848 B = 1128974848 B
    assert d.init_cpu_millicores == 1100
    assert d.init_memory_mib == 1128974848 / MIB  # 1076.67... MiB
    # the scheduler takes the larger of each: 1650m, 1076.67 MiB (the init's memory)
    assert (d.packed_cpu_millicores, d.packed_memory_mib) == (1650, 1128974848 / MIB)
    assert (d.native_sidecars, d.sidecars_before_init) == (2, True)


def test_an_exported_list_reads_like_the_manifests() -> None:
    # kubectl get -o yaml: status, managedFields and written-out defaults change nothing
    d = read_deployment_yaml(INTAKE / "kubectl_get_list.yaml")
    assert (d.name, d.replicas, d.cpu_request_millicores, d.memory_request_mib) == (
        "payments", 4, 250, 512.0)
    assert d.termination_grace_period_s == 45.0
    assert d.probes == (ContainerProbes(Probe(5.0, 5.0, 1)),)
    hpa = read_hpa_yaml(INTAKE / "kubectl_get_list.yaml")
    # averageValue 600Mi = 600 x 2^20 B, in milli-units
    memory = hpa.metrics[1].resource
    assert memory is not None and memory.target.average_value_milli == 600 * MIB * 1000


def _frontend() -> dict[str, object]:
    docs = list(yaml.safe_load_all((INTAKE / "frontend_multidoc.yaml").read_text()))
    return next(d for d in docs if d["kind"] == "Deployment")


def test_a_probe_that_is_not_a_mapping_is_refused() -> None:
    # readinessProbe: httpGet (a flattened Helm value) was read as no probe at all: Ready as
    # soon as the container ran, where the API server refuses the manifest
    doc = _frontend()
    doc["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = "httpGet"  # type: ignore[index]
    with pytest.raises(SpecError, match=r"^spec.template.spec.containers\[0\].readinessProbe "
                       r"\(='httpGet'\) of Deployment 'storefront' in f.yaml must be a mapping"):
        deployment_from_dict(doc, Path("f.yaml"))


def test_a_bad_resources_block_is_said_once() -> None:
    # requests: "cpu=1" is read for cpu and again for memory: one line, not the same line twice
    doc = _frontend()
    doc["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"] = "cpu=1"  # type: ignore[index]
    with pytest.raises(SpecError) as raised:
        deployment_from_dict(doc, Path("f.yaml"))
    assert str(raised.value).splitlines() == [
        "spec.template.spec.containers[0].resources.requests in f.yaml must be a mapping such "
        "as {cpu: 250m, memory: 512Mi}"]
