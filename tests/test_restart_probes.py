"""Startup and liveness probes that restart a container before its app is up
(infra_toolkit.restart_probes): times worked out by hand on the kubelet's probe grid (ticks at
the pod's admission + k x periodSeconds, counted from initialDelaySeconds after the container
runs)."""

from __future__ import annotations

import pytest

from infra_toolkit.restart_probes import RestartProbe, restart_before_up

LIVE = RestartProbe("app", "livenessProbe", 5.0, 10.0, 3)
START = RestartProbe("app", "startupProbe", 0.0, 10.0, 3)


def test_a_liveness_probe_failing_before_the_app_is_up_restarts_it() -> None:
    # pulled at 5 s; counted from 5 + 5 = 10 s: ticks 10, 20, 30 fail, the 3rd at 30 s; the app
    # is up at 5 + 40 = 45 s
    assert restart_before_up((LIVE,), 5.0, 40.0) == [(LIVE, 30.0)]
    # up at 5 + 25 = 30 s: the 3rd probe, at 30 s, succeeds
    assert restart_before_up((LIVE,), 5.0, 25.0) == []


def test_the_startup_probe_decides_and_the_liveness_probe_waits() -> None:
    # startup from 5 s (delay 0): ticks 10, 20, 30 fail, restart at 30 < 45; one line for the
    # container, the startup probe's (the liveness probe runs only once it passed)
    assert restart_before_up((LIVE, START), 5.0, 40.0) == [(START, 30.0)]
    # failureThreshold 5: the 5th at 10 + 4 x 10 = 50 >= 45; the liveness probe (which alone
    # would restart at 30 s) waits for the start
    patient = RestartProbe("app", "startupProbe", 0.0, 10.0, 5)
    assert patient.restart_s(5.0) == 50.0
    assert restart_before_up((LIVE, patient), 5.0, 40.0) == []


@pytest.mark.parametrize(("probe", "pull_s", "restart_s"), [
    # first counted tick at or after pull + delay on the period's grid, then threshold - 1 more
    (RestartProbe("a", "livenessProbe", 0.0, 10.0, 1), 0.0, 0.0),
    (RestartProbe("a", "livenessProbe", 0.0, 10.0, 1), 8.0, 10.0),
    (RestartProbe("a", "livenessProbe", 12.0, 5.0, 2), 8.0, 25.0),  # 20 on the grid, + 5
    (RestartProbe("a", "livenessProbe", 12.0, 5.0, 2), 7.0, 25.0),  # 19 -> 20, + 5
])
def test_restart_time_on_the_grid(probe: RestartProbe, pull_s: float, restart_s: float) -> None:
    assert probe.restart_s(pull_s) == restart_s


def test_only_the_container_restarted_is_named() -> None:
    sidecar = RestartProbe("proxy", "livenessProbe", 0.0, 10.0, 3)  # 10, 20, 30: restart 30
    fine = RestartProbe("app", "livenessProbe", 60.0, 10.0, 3)  # from 65 -> 70, 80, 90
    assert restart_before_up((fine, sidecar), 5.0, 40.0) == [(sidecar, 30.0)]
