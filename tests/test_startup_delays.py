"""A pod's start-up delays are bounded at a day (workload.MAX_STARTUP_DELAY_S): a plan with
``image_pull_s: 1e12`` validated and simulated pods that never became Ready, silently, and a
400-digit ``initialDelaySeconds`` crashed validate with OverflowError (msgs task 2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.errors import SpecError
from infra_toolkit.readiness import Probe
from infra_toolkit.workload import WorkloadSpec

DATA = Path(__file__).resolve().parent / "data" / "plans"
RULE = ("must be at most 86,400 s: no image pull or start-up takes a day, and a pod not Ready "
        "for longer never serves in a scenario; check the value and its unit (seconds)")


def _spec(**delays: float) -> WorkloadSpec:
    return WorkloadSpec(cpu_request_millicores=200, capacity_rps_per_pod=40,
                        cpu_millicores_per_rps=5, name="api", **delays)


@pytest.mark.parametrize("field", ["image_pull_s", "app_start_s", "startup_cpu_s"])
def test_each_startup_delay_may_be_a_day_and_no_more(field: str) -> None:
    assert getattr(_spec(**{field: 86_400}), field) == 86_400  # 24 x 3600 s: allowed
    with pytest.raises(SpecError) as err:
        _spec(**{field: 86_401})
    assert str(err.value) == f"workload 'api'.{field} (=86401) {RULE}"


@pytest.mark.parametrize("field", ["initial_delay_s", "period_s"])
def test_a_probes_delay_and_period_may_be_a_day_and_no_more(field: str) -> None:
    assert getattr(Probe(**{field: 86_400}), field) == 86_400
    with pytest.raises(SpecError) as err:
        Probe(**{field: 86_401})
    assert str(err.value) == f"probe {field} (=86401) {RULE}"


def test_a_run_of_successes_past_a_day_is_refused() -> None:
    # 8,641 successes 10 s apart: the last 8,640 x 10 = 86,400 s after the first, allowed
    assert Probe(0, 10, 8_641).success_threshold == 8_641
    with pytest.raises(SpecError, match=r"\(success_threshold - 1\) x period_s \(=86410\)"):
        Probe(0, 10, 8_642)


def _plan(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    plan = tmp_path / "plan.yaml"
    shutil.copy(DATA / "minimal.yaml", plan)
    return plan


def test_validate_refuses_an_image_pull_of_1e12_seconds_at_its_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = _plan(tmp_path)
    plan.write_text(plan.read_text().replace("image_pull_s: 5", "image_pull_s: 1e12"))
    assert main(["validate", str(plan)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{plan}:31: proposed.workloads[0].model.image_pull_s: workload 'api'.image_pull_s "
        f"(=1e+12) {RULE}")


@pytest.mark.parametrize(("written", "shown", "rule"), [
    ("86401", "86401", RULE),
    # YAML reads it as an int that no float holds (before: OverflowError at float(delay));
    # shown as its first 60 digits and its length; above int32 the API server's own bound
    # speaks first (fuzz27)
    ("9" * 400, "9" * 60 + "… (400 characters)",
     "is above 2,147,483,647, the largest int32 the API server takes; write the real number"),
])
def test_a_readiness_delay_over_a_day_is_refused_in_the_deployment(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, shown: str,
        rule: str) -> None:
    plan = _plan(tmp_path)
    deployment = tmp_path / "manifests" / "deployment.yaml"
    text = deployment.read_text()
    assert "initialDelaySeconds: 5\n" in text
    deployment.write_text(text.replace("initialDelaySeconds: 5\n",
                                       f"initialDelaySeconds: {written}\n"))
    assert main(["validate", str(plan)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{plan}:25: proposed.workloads[0].deployment: spec.template.spec.containers[0]."
        f"readinessProbe.initialDelaySeconds (={shown}) of Deployment 'api' in deployment.yaml "
        f"{rule}")
