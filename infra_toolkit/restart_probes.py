"""Probes that restart a container before its app is up: a start that never ends.

A readiness probe that fails only holds a pod unready; a startup or liveness probe that fails
``failureThreshold`` times in a row makes the kubelet kill and restart the container (read in
kubernetes ``pkg/kubelet/prober/worker.go``). The worker of each probe starts when the pod is
admitted on its node and probes on a ``periodSeconds`` ticker from then (admission + k ×
period); a probe is skipped while the container has run for less than
``initialDelaySeconds``, and a liveness probe also until the container is *started* (its
startup probe passed; none: started when it runs), so a liveness probe under a startup probe
only sees an app that is up. Each failure before the app is up counts; a success resets the
count.

So a container whose image is pulled ``image_pull_s`` after the bind and whose app is up
``app_start_s`` later is restarted when the ``failureThreshold``-th counted probe, at
``tick(image_pull_s + initialDelaySeconds) + (failureThreshold - 1) × period``, comes before
``image_pull_s + app_start_s``: the startup probe's when it has one, else the liveness probe's.
Each restart begins the same start again (after the kubelet's growing back-off), so the pod
never becomes Ready: CrashLoopBackOff. API defaults (``SetDefaults_Probe``): period 10 s,
failure threshold 3, initial delay 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DEFAULT_FAILURE_THRESHOLD", "RestartProbe", "restart_before_up"]

#: A probe's ``failureThreshold`` when unset or 0 (``SetDefaults_Probe``).
DEFAULT_FAILURE_THRESHOLD = 3
_EPS = 1e-9  # a time this close to a probe tick is on it (float sums of whole seconds)


@dataclass(frozen=True)
class RestartProbe:
    """A container's startup or liveness probe (``kind``: ``startupProbe`` /
    ``livenessProbe``): its timing in seconds and ``failure_threshold`` failures in a row."""

    container: str
    kind: str
    initial_delay_s: float
    period_s: float
    failure_threshold: int = DEFAULT_FAILURE_THRESHOLD

    def restart_s(self, image_pull_s: float) -> float:
        """Seconds from the bind to the kubelet's restart of the container when every probe
        fails (the app is never up): the ``failure_threshold``-th probe counted."""
        first = max(0, math.ceil((image_pull_s + self.initial_delay_s) / self.period_s - _EPS))
        return (first + self.failure_threshold - 1) * self.period_s


def restart_before_up(probes: tuple[RestartProbe, ...], image_pull_s: float,
                      app_start_s: float) -> list[tuple[RestartProbe, float]]:
    """Each container of ``probes`` that the kubelet restarts before its app is up
    (``image_pull_s + app_start_s`` after the bind): the probe that restarts it (its startup
    probe when it has one, else its liveness probe) and when, in seconds from the bind."""
    up_s = image_pull_s + app_start_s
    out = []
    for name in dict.fromkeys(p.container for p in probes):
        mine = {p.kind: p for p in probes if p.container == name}
        # under a startup probe the liveness probe starts once the app is up: it never restarts
        # a starting container
        probe = mine.get("startupProbe") or mine.get("livenessProbe")
        if probe is None:
            continue
        restart_s = probe.restart_s(image_pull_s)
        if restart_s + _EPS < up_s:
            out.append((probe, restart_s))
    return out
