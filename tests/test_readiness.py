"""seconds_to_ready: a pod's Ready on the kubelet's probe grid, each case worked by hand.

Times are seconds from the pod's bind (its admission on the node, when the kubelet starts its
probe workers); the container runs after the image pull, the app is up ``app_start_s`` later.
"""

from __future__ import annotations

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.readiness import (
    ContainerProbes,
    Probe,
    containers_running_s,
    seconds_to_ready,
    slowest_container,
    start_up_text,
)
from infra_toolkit.workload import WorkloadSpec


@pytest.mark.parametrize(("pull_s", "app_s", "readiness", "startup", "ready_s"), [
    # probes at 0, 10, 20, ...; one may pass from 10 + max(10, 20) = 30 s: the tick at 30 s
    (10, 20, Probe(10, 10, 1), None, 30),
    # from 7 + max(10, 20) = 27 s: the next tick is 30 s (not 27: the grid starts at the bind)
    (7, 20, Probe(10, 10, 1), None, 30),
    # 3 successes in a row: 30, 40, 50 s = 30 + 2 x 10
    (10, 20, Probe(10, 10, 3), None, 50),
    # a long initial delay rules: from 10 + max(45, 20) = 55 s, the tick at 60 s
    (10, 20, Probe(45, 10, 1), None, 60),
    # a 3 s period: from 10 + 20 = 30 s, the tick at 30 s (3 x 10)
    (10, 20, Probe(0, 3, 1), None, 30),
    # from 8 + max(10, 12) = 20 s on a 5 s grid: 20 s (the ecommerce backend's probe)
    (8, 12, Probe(10, 5, 1), None, 20),
    # no probe at all: Ready when the container runs, at the end of the pull (app not awaited)
    (10, 20, None, None, 10),
    # no probe, no pull, no start: Ready at the bind
    (0, 0, None, None, 0),
    # initial delay 0, app up at once: the container's start syncs the pod and runs the probe
    # at 10 s, off the grid: Ready at 10 s
    (10, 0, Probe(0, 10, 1), None, 10),
    # startup probe every 10 s from the bind: first tick at or after 10 + max(0, 20) = 30 s is
    # 30 s; readiness (delay 5) may pass from 10 + max(5, 20) = 30 s: the startup's success
    # syncs the pod and runs it at once: Ready at 30 s
    (10, 20, Probe(5, 10, 1), Probe(0, 10, 1), 30),
    # startup delay 60: its tick at or after 10 + max(60, 20) = 70 s is 70 s; readiness runs at
    # that sync (its 15 s delay and the app long past): Ready at 70 s
    (10, 20, Probe(5, 10, 1), Probe(60, 10, 1), 70),
    # startup every 7 s: at or after 5 + 20 = 25 s, 28 s; readiness delay 30: from 5 + 30 =
    # 35 s, after the startup sync, so on its own 10 s grid: 40 s
    (5, 20, Probe(30, 10, 1), Probe(0, 7, 1), 40),
    # startup passes at 30 s (as above); readiness needs 2 successes: 30 s at the sync, then
    # its next tick strictly after, 40 s
    (10, 20, Probe(0, 10, 2), Probe(0, 10, 1), 40),
    # startup every 7 s passes at 28 s (7 x 4 >= 5 + 20); readiness every 10 s needs 2: 28 s
    # at the sync, then the next tick of its grid after 28, 30 s
    (5, 20, Probe(0, 10, 2), Probe(0, 7, 1), 30),
    # a startup probe and no readiness probe: Ready when started, 30 s
    (10, 20, None, Probe(0, 10, 1), 30),
])
def test_seconds_to_ready(pull_s: float, app_s: float, readiness: Probe | None,
                          startup: Probe | None, ready_s: float) -> None:
    assert seconds_to_ready(pull_s, app_s, readiness, startup) == ready_s


def test_the_workload_spec_starts_its_pods_on_the_grid() -> None:
    # the defaults: pull 10 s, app 20 s, readiness initial delay 5 s every 10 s: from
    # 10 + max(5, 20) = 30 s, the tick at 30 s; 20 s Running before Ready (was 10 + 20 + 5 = 35)
    spec = WorkloadSpec(cpu_request_millicores=100, capacity_rps_per_pod=10,
                        cpu_millicores_per_rps=1)
    assert (spec.startup_s, spec.running_to_ready_s) == (30, 20)


def test_the_pod_is_ready_with_its_slowest_container() -> None:
    # pull 10, app 20: "a" (delay 5, every 10 s) at 30 s; "b" (delay 40, every 10 s) from
    # 10 + 40 = 50 s, the tick at 50 s; "c" (no probe) at 10 s: the pod waits for "b"
    a, b, c = ContainerProbes(Probe(5)), ContainerProbes(Probe(40)), ContainerProbes()
    assert slowest_container((a, b, c), 10, 20) == (b, 0.0)
    # no container with a probe: one without, Ready when running
    assert slowest_container((), 10, 20) == (ContainerProbes(), 0.0)


def _sidecar(startup: Probe | None, readiness: Probe | None = None) -> ContainerProbes:
    return ContainerProbes(readiness, startup, sidecar=True)


@pytest.mark.parametrize(("containers", "running_s"), [
    # no sidecar: every container runs at the pull, 10 s
    ((ContainerProbes(Probe(5)), ContainerProbes()), (10.0, 10.0)),
    # a sidecar without a startup probe is started when it runs: nothing waits
    ((ContainerProbes(Probe(5)), _sidecar(None, Probe(3))), (10.0, 10.0)),
    # a sidecar with a startup probe (delay 12, every 5 s) runs at 10 s; its probe's ticks are
    # 0, 5, 10, ... from the bind and it is skipped before 10 + 12 = 22 s: first success at
    # the 25 s tick, so the app container runs at 25 s
    ((ContainerProbes(Probe(5)), _sidecar(Probe(12, 5))), (25.0, 10.0)),
    # two sidecars in order: the first (delay 0, every 4 s) runs at 10 s and passes at the
    # first tick at or after 10 s, 12 s; the second runs at 12 s (delay 10, every 10 s): first
    # tick at or after 12 + 10 = 22 s, 30 s; the app container runs at 30 s
    ((_sidecar(Probe(0, 4)), _sidecar(Probe(10, 10)), ContainerProbes(Probe(5))),
     (10.0, 12.0, 30.0)),
])
def test_the_app_containers_start_once_the_native_sidecars_are_started(
        containers: tuple[ContainerProbes, ...], running_s: tuple[float, ...]) -> None:
    assert containers_running_s(containers, 10) == running_s


def test_a_sidecar_startup_probe_delays_the_app_containers_ready() -> None:
    # pull 10, app 20. App container: readiness delay 5, every 10 s. Sidecar: startup probe
    # delay 30, every 10 s: runs at 10 s, first tick at or after 10 + 30 = 40 s is 40 s, so
    # the app container runs at 40 s (30 s after the pull), its app is up at 40 + 20 = 60 s
    # and its readiness probe passes at the first tick at or after 40 + max(5, 20) = 60 s:
    # Ready at 60 s. (Before, both ran at 10 s: app Ready at 30 s, sidecar started at the
    # tick at or after 10 + max(30, 20) = 40 s: the pod was Ready at 40 s.)
    # The sidecar's own Ready: started at tick(10 + max(30, 20)) = 40 s, no readiness probe:
    # 40 s < 60 s, so the app container is the last
    app, sidecar = ContainerProbes(Probe(5)), _sidecar(Probe(30))
    assert slowest_container((app, sidecar), 10, 20) == (app, 30.0)
    spec = WorkloadSpec(cpu_request_millicores=100, capacity_rps_per_pod=10,
                        cpu_millicores_per_rps=1, image_pull_s=10, app_start_s=20,
                        readiness_probe=Probe(5), sidecar_start_s=30)
    assert (spec.running_s, spec.startup_s, spec.running_to_ready_s) == (40, 60, 20)
    assert start_up_text(10, 20, Probe(5), None, 30) == (
        "image pull 10 s, app start 20 s; the native sidecars before the container started "
        "30 s after the pull (their startup probes' first success), so it runs 40 s after the "
        "bind; readiness probe every 10 s from the pod's bind, initial delay 5 s: first "
        "success at or after max(5, 20) s after it runs, on the probe grid = 60 s")


def test_a_sidecar_ready_last_counts_from_its_own_start() -> None:
    # pull 10, app 20. First sidecar: startup probe delay 0 every 5 s: runs at 10 s, started at
    # the 10 s tick. Second sidecar: runs at 10 s, readiness probe delay 60 every 10 s: Ready
    # at the first tick at or after 10 + max(60, 20) = 70 s. The app container (no probe)
    # runs at 10 s and is Ready then. The pod waits for the second sidecar: 70 s, from its
    # start 0 s after the pull
    first, second = _sidecar(Probe(0, 5)), _sidecar(None, Probe(60))
    assert slowest_container((ContainerProbes(), first, second), 10, 20) == (second, 0.0)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"period_s": 0}, r"probe period_s \(=0\) must be a whole number of seconds >= 1"),
    ({"initial_delay_s": -1}, r"probe initial_delay_s \(=-1\) must be a finite number >= 0"),
    ({"success_threshold": 0}, r"probe success_threshold \(=0\) must be a whole number >= 1"),
])
def test_a_bad_probe_is_refused(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        Probe(**kwargs)  # type: ignore[arg-type]


def test_the_formula_matches_a_tick_by_tick_walk_of_the_probe_workers() -> None:
    # tests/reference_cluster.py walks every probe tick (and the two pod syncs) one by one;
    # seconds_to_ready jumps to the answer: they agree on every combination below
    from types import SimpleNamespace

    from tests.reference_cluster import ready_after_bind_s

    probes = [None, Probe(0), Probe(5), Probe(10, 10, 3), Probe(15, 5), Probe(0, 7, 2),
              Probe(25, 3)]
    startups = [None, Probe(0), Probe(60), Probe(10, 7), Probe(0, 4)]
    checked = 0
    for pull in (0, 5, 7, 12.5):
        for app in (0, 3, 20, 45):
            for readiness in probes:
                for startup in startups:
                    w = SimpleNamespace(image_pull_s=pull, app_start_s=app,
                                        readiness_probe=readiness, startup_probe=startup,
                                        sidecar_start_s=0.0)
                    assert seconds_to_ready(pull, app, readiness, startup) == pytest.approx(
                        ready_after_bind_s(w)), (pull, app, readiness, startup)
                    checked += 1
    assert checked == 4 * 4 * 7 * 5


def test_the_start_up_text_shows_the_arithmetic() -> None:
    # startup every 10 s from 10 + max(60, 20) = 70 s: 70 s; readiness runs at that success
    # (past 10 + max(5, 20) = 30 s), then needs its next tick, 80 s
    assert start_up_text(10, 20, Probe(5, 10, 2), Probe(60)) == (
        "image pull 10 s, app start 20 s; startup probe every 10 s from the pod's bind, initial "
        "delay 60 s: passes at the first tick at or after max(60, 20) s after the pull; "
        "readiness probe every 10 s from the pod's bind, initial delay 5 s, 2 successes in a "
        "row: first success at or after max(5, 20) s after the pull, at the startup probe's "
        "success (which runs it) or on the probe grid after = 80 s")
    assert start_up_text(10, 20, None, None) == (
        "image pull 10 s, app start 20 s; no readiness probe: Ready when the container runs "
        "(app not awaited) = 10 s")
