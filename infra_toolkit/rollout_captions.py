"""What the Deployment Strategy section's rollout tables say under them and how their cells print
(:mod:`infra_toolkit.sections_deployment` places them): per strategy where each column comes
from (:data:`ROLLOUT_CAPTIONS`), the room and extra nodes columns (:data:`ROOM_CAPTION`,
:data:`EXTRA_NODES_CAPTION`), a canary's pods per step (:data:`CANARY_PODS_CAPTION`), and the
cells' formats (:data:`ROLLOUT_FORMATS`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from infra_toolkit.argo_rollout import DEFAULT_SCALE_DOWN_DELAY_S
from infra_toolkit.report_html import quantity_text

__all__ = ["CANARY_PODS_CAPTION", "EXTRA_NODES_CAPTION", "ROLLOUT_CAPTIONS", "ROLLOUT_FORMATS",
           "ROOM_CAPTION"]

#: The room columns and the replica counts a workload is rolled at, said after a rolling or
#: blue-green table's caption and a canary's pods per step
ROOM_CAPTION = (
    ". Room = how many of the workload's pods fit on its node groups at max_size once the "
    "other workloads' pods there are placed (the simulator's per-node packing of mixed "
    "requests, first fit in the groups' priority order). Others at peak: each other "
    "autoscaled workload at its peak spec replicas in the expected scenario (peaks that may "
    "fall at different times, so a little more than they hold at once; a Deployment without "
    "an HPA at its replicas). Others at max: each at its maxReplicas. Rolled at: the "
    "expected scenario's peak replicas (a rollout at the busiest moment of an expected "
    "day), minReplicas (the quietest) and maxReplicas (a rollout during a surge: the most "
    "pods the HPA allows)"
)

#: The extra nodes columns and their cost, said after a rolling or blue-green table's caption
EXTRA_NODES_CAPTION = (
    ". Extra nodes: the nodes those pods at once take beyond the replicas alone, others at "
    "peak, by the same packing, never below a group's min_size (the nodes it keeps anyway "
    "absorb a small surge). Their cost: each extra node at its group's price per node-hour "
    "for the node autoscaler's provisioning + the rollout's duration (a blue-green's both "
    "sets running) + its unneeded time before removal (see the simulation settings); at "
    "least that when both sets run until a person promotes; '-' when they do not fit or a "
    "price is missing"
)

#: The caption of a canary's pods per step table (``rollout_tables.canary_step_table``)
CANARY_PODS_CAPTION = (
    "Canary pods per step (Argo Rollouts with a traffic router, "
    "utils/replicaset/canary.go CalculateReplicaCountsForTrafficRoutedCanary): "
    "canary pods = ceil(replicas x weight / 100), at least a Rollout's "
    "minPodsPerReplicaSet above weight 0 (capped at the replicas); a Rollout's "
    "setCanaryScale in force sizes them instead (its replicas as written, or "
    "ceil(replicas x its weight / 100)) until another or the promotion; weights "
    "count out of a Rollout's maxTrafficWeight (the table shows them as "
    "percentages). The stable ReplicaSet stays at "
    "the full replicas until the rollout completes (dynamicStableScale off, its "
    "default), so pods at once = replicas + canary pods, 2 x replicas at weight "
    "100; with a Rollout's dynamicStableScale the stable pods are "
    "ceil(replicas x (100 - w) / 100) for w the smaller of the traffic weight and a "
    "setCanaryScale weight (the full replicas under a scale of replicas), at least "
    "its minPodsPerReplicaSet, shrunk only once the traffic has moved, so the pods "
    "at once add the canary's new pods to the previous step's stable pods; "
    "extra nodes: the nodes those pods at once take beyond the replicas alone, "
    "others at peak, packed as for the room, never below a group's min_size, held "
    "for the step's pause, '-' when the pods at once do not fit"
)

#: Per strategy type, where each column of its rollout table comes from
ROLLOUT_CAPTIONS = {
    "rolling": "Rolling update per workload (Kubernetes ResolveFenceposts: max surge as a "
               "percentage of the replicas rounds up, max unavailable rounds down, both 0 "
               "makes unavailable 1, 25 % each when unset). Most pods at once = replicas + "
               "surge, at most 2 x replicas (the new ReplicaSet never exceeds the "
               "replicas), as the controller counts them. Old pods still terminating (up to "
               "their terminationGracePeriodSeconds, 30 s by default) are not counted but "
               "keep their node room meanwhile. Fewest available = replicas - unavailable; "
               "their capacity = that x capacity_rps_per_pod of the workload model. Serves "
               "the peak compares it with the peak rate: the highest the expected scenario "
               "offered the workload while its HPA held at most those replicas (the day's "
               "peak at its peak replicas and above; at minReplicas the busiest moment it "
               "stayed there, '-' if it never did). Rates are to the hundredth, the peak "
               "rounded up, the capacity down. Serves the peak is NO also whenever no pod "
               "stays available: an outage, whatever the rate. "
               "Waves = ceil(replicas / (surge + unavailable)): "
               "each wave starts surge + unavailable new pods (only the surge when max "
               "unavailable is 0: an old pod stops once a new one is available) and waits for "
               "them. Duration = waves x (time to Ready + the manifest's minReadySeconds, said "
               "under the table when set: a new pod counts as available only once Ready that "
               "long), at least (old pods' "
               "termination and any new node's start not counted). An HPA that changes the "
               "replicas mid-rollout: the controller re-resolves surge and unavailable for the "
               "new count and spreads the change over the old and new pods in proportion, so "
               "the row at the replicas it reaches applies from then on. A StatefulSet's "
               "partition P leaves the ordinals below P on the old version: pods rolled = "
               "max(0, replicas - P) (none when P >= replicas), waves and duration count "
               "those; fewest available = replicas - min(unavailable, pods rolled), over every "
               "replica",
    "blue-green": "Blue-green per workload: a second full set of pods (2 x replicas) runs "
                  "from the new set's start until the old one is scaled down. Both sets run "
                  "for time to Ready + the manifest's minReadySeconds (the new set is "
                  "promoted once available) + preview + scale-down delay (Argo Rollouts' "
                  f"default {DEFAULT_SCALE_DOWN_DELAY_S:g} s when not given). With auto "
                  "promote off (autoPromotionEnabled: false) the preview lasts until a person "
                  "promotes, so the duration is \"at least\" that. With a Rollout's "
                  "previewReplicaCount P, the preview set first runs P pods (replicas + P at "
                  "once) for their time to Ready (none when P is 0) + minReadySeconds + "
                  "preview. It then grows to the replicas and is switched to once available, "
                  "so both full sets run for time to Ready + minReadySeconds (none when "
                  "P >= replicas) + scale-down delay. Each extra node is billed for the phases "
                  "that need it. Rolling back switches the active Service back to the old "
                  "set: at once while the old set runs (before the scale-down delay ends), "
                  "after at least one time to Ready once it has been scaled down",
    "recreate": "Recreate per workload: every old pod stops before the new ones start, so "
                "the service is down for at least one time to Ready (plus the old pods' "
                "termination)",
    "canary": "The new version's pods per workload and their time to Ready",
}


def _count_text(v: object) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:g}"


#: The rollout tables' cell formats: counts as they are, rates as the report's other rates (to
#: the hundredth), the peak rounded up and the capacity down so that a peak above the capacity
#: never reads as equal (a capacity of more decimals rounded to the nearest could round up)
ROLLOUT_FORMATS: dict[str, Callable[[Any], str]] = {
    "Room, others at peak": _count_text, "Room, others at max": _count_text,
    "Extra nodes, others at peak": _count_text,
    "Their capacity (rps)": lambda v: quantity_text(v, 2, down=True),
    "Peak rate (rps)": lambda v: quantity_text(v, 2, up=True)}
