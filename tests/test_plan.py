"""The plan schema: the default plan's content, the dataclasses' rules, durations and names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import infra_toolkit.plan as plan_module
from infra_toolkit.eksctl_config import NodeGroupConfig
from infra_toolkit.errors import SpecError
from infra_toolkit.plan import ALWAYS_PROVIDE, ApprovalPolicy, Plan, read_plan
from infra_toolkit.plan_fields import did_you_mean, join_path, parse_duration_s
from infra_toolkit.plan_operations_types import Phase
from infra_toolkit.plan_scenario_types import CsvTraffic, LoadTest
from infra_toolkit.readiness import ContainerProbes, Probe

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO / "plans" / "ecommerce-eks.yaml"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return read_plan(DEFAULT)


def test_public_api_is_all_of_plan_module() -> None:
    defined = {name for name, obj in vars(plan_module).items()
               if not name.startswith("_")
               and getattr(obj, "__module__", None) == "infra_toolkit.plan"}
    assert defined <= set(plan_module.__all__)
    assert all(hasattr(plan_module, name) for name in plan_module.__all__)


def test_default_plan_metadata(plan: Plan) -> None:
    m = plan.metadata
    assert (m.environment, m.priority, m.type) == ("production", "high", "migration")
    assert m.requested_review_minutes == 120  # "2h"
    assert m.needed_by == dt.date(2027, 1, 31)


def test_default_plan_current_state_is_the_seed(plan: Plan) -> None:
    by_type = {r.type: r for r in plan.current.resources}
    assert by_type["aws_instance"].attributes["instance_type"] == "t3.medium"
    db = by_type["aws_db_instance"].attributes
    assert (db["engine"], db["instance_class"], db["multi_az"]) == (
        "postgres", "db.t3.small", False)
    assert plan.current.workloads == () and plan.current.node_groups == ()


def test_default_plan_proposed_architecture_is_the_seed(plan: Plan) -> None:
    res = {(r.type, r.name): r.attributes for r in plan.proposed.resources}
    assert ("aws_eks_cluster", "shop") in res
    assert res[("aws_lb", "shop")]["load_balancer_type"] == "application"
    primary, replica = res[("aws_db_instance", "shop")], res[("aws_db_instance", "shop_replica")]
    assert (primary["instance_class"], primary["multi_az"], primary["allocated_storage"],
            primary["storage_type"]) == ("db.t3.medium", True, 100, "gp3")
    assert replica["replicate_source_db"] == "shop"
    cache = res[("aws_elasticache_replication_group", "sessions")]
    assert (cache["node_type"], cache["num_cache_clusters"]) == ("cache.t3.micro", 2)
    groups = {g.name: g for g in plan.proposed.node_groups}
    assert (groups["general"].instance_types, groups["general"].min_size,
            groups["general"].max_size) == (("t3.medium",), 3, 10)
    assert (groups["compute"].instance_types, groups["compute"].min_size,
            groups["compute"].max_size) == (("c5.large",), 0, 5)
    assert groups["compute"].taints == ("workload-class=compute:NoSchedule",)


def test_default_plan_backend_hpa_is_the_seed(plan: Plan) -> None:
    (backend,) = plan.proposed.workloads
    assert backend.hpa is not None
    spec = backend.hpa.document["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 15)
    targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"]
               for m in spec["metrics"]}
    assert targets == {"cpu": 70, "memory": 80}
    down, up = spec["behavior"]["scaleDown"], spec["behavior"]["scaleUp"]
    assert down["stabilizationWindowSeconds"] == 300
    assert down["policies"] == [{"type": "Percent", "value": 50, "periodSeconds": 60}]
    assert up["policies"] == [{"type": "Percent", "value": 100, "periodSeconds": 60}]
    requests = backend.deployment.document["spec"]["template"]["spec"]["containers"][0][
        "resources"]["requests"]
    assert requests == {"cpu": "250m", "memory": "512Mi"}
    assert backend.node_group == "general"


def test_default_plan_load_test_is_1000_users(plan: Plan) -> None:
    test = plan.scenario("load-test-1000-users").traffic
    assert isinstance(test, LoadTest)
    # 1000 users x 1 request / (5 s think + 0.2 s response) = 192.307... requests per second
    assert test.steady_rps == pytest.approx(1000 / 5.2)
    assert test.duration_s == 10 * 60 + 30 * 60 + 5 * 60


def test_default_plan_traces_are_real_and_sliced(plan: Plan) -> None:
    day = plan.scenario("expected-day").traffic
    assert isinstance(day, CsvTraffic)
    assert day.path == REPO / "plans" / "traces" / "nasa_http_1995-07-12_13_1min.csv"
    assert day.start == dt.datetime(1995, 7, 12, 4, tzinfo=dt.UTC)
    assert day.peak_rps == 120
    for csv in {s.traffic.path for s in plan.scenarios if isinstance(s.traffic, CsvTraffic)}:
        assert csv.with_suffix(".md").is_file(), f"{csv.name} needs its origin note beside it"
        assert csv.stat().st_size < 100_000


def test_launch_day_uses_the_expected_day_factor(plan: Plan) -> None:
    # expected-day: peak minute 3.1667 req/s on 12 July (max of that slice) -> 120 req/s
    rows = [line.split(",") for line in (REPO / "plans/traces/nasa_http_1995-07-12_13_1min.csv")
            .read_text().splitlines()[1:]]
    peak_12 = max(float(r) for t, r in rows if t < "1995-07-13T04:00:00Z")
    assert peak_12 == 3.1667
    launch = plan.scenario("launch-day").traffic
    assert isinstance(launch, CsvTraffic)
    assert launch.scale == pytest.approx(120 / 3.1667, abs=0.005)  # 37.894...


def test_every_always_provide_section_is_present(plan: Plan) -> None:
    assert [key for key, _ in ALWAYS_PROVIDE] == ["proposed.resources", "rollback", "testing",
                                                  "monitoring", "timeline", "risks"]
    assert plan.proposed.resources and plan.rollback.steps and plan.testing
    assert plan.monitoring.alerts and plan.timeline and plan.risks
    assert len(plan.questions) == 5


def test_rollback_triggers_name_real_alerts(plan: Plan) -> None:
    alerts = {a.name for a in plan.monitoring.alerts}
    # two of the three triggers name an alert (the checksum job's has none), both defined
    named = [t.alert for t in plan.rollback.triggers]
    assert named == ["ShopHighErrorRate", "ShopHighP95Latency", None]
    assert {"ShopHighErrorRate", "ShopHighP95Latency"} <= alerts
    assert plan.rollback.expected_time_s == 15 * 60


def test_referenced_files_resolve_against_the_plan_folder(plan: Plan) -> None:
    base = REPO / "plans"
    assert plan.referenced_files() == (
        base / "ecommerce-eks/cluster.yaml",
        base / "ecommerce-eks/backend-deployment.yaml",
        base / "ecommerce-eks/backend-hpa.yaml",
        base / "traces/nasa_http_1995-07-12_13_1min.csv",  # used by two scenarios, listed once
        base / "traces/worldcup98_1998-07-07_12-24_1min.csv",
    )


def test_scenario_lookup_names_the_choices(plan: Plan) -> None:
    with pytest.raises(KeyError, match="no scenario 'peak' in .*; scenarios: expected-day, "
                                       "launch-day, flash-crowd, load-test-1000-users"):
        plan.scenario("peak")


@pytest.mark.parametrize(("increase", "needed"), [
    (Decimal(0), 2), (Decimal(500), 2), (Decimal("500.01"), 3), (Decimal(-100), 2)])
def test_approvers_needed_adds_the_extra_above_the_threshold(increase: Decimal,
                                                             needed: int) -> None:
    policy = ApprovalPolicy(2, Decimal(500))
    assert policy.approvers_needed(increase) == needed


def test_default_policy_is_one_approver() -> None:
    assert ApprovalPolicy().approvers_needed(Decimal("1e9")) == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"start": dt.date(2027, 1, 2), "end": dt.date(2027, 1, 1)}, "end"),
    ({"end": dt.date(2027, 1, 1)}, "start"),
    ({}, "duration"),
    ({"start": dt.date(2027, 1, 1), "end": dt.date(2027, 1, 2), "duration_s": 86400.0},
     "duration"),
])
def test_phase_rejects_impossible_dates(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        Phase("x", **kwargs)


def test_node_group_sizes_must_be_ordered() -> None:
    with pytest.raises(SpecError, match=r"node group 'g': need min_size <= desired_size <= "
                                        r"max_size, got 2 <= 1 <= 3"):
        NodeGroupConfig("g", ("m5.large",), 2, 3, 1)


@pytest.mark.parametrize(("text", "seconds"), [
    ("200ms", 0.2), ("90s", 90), ("10m", 600), ("2h", 7200), ("1h30m", 5400), ("2d", 172800),
    ("1w", 604800), ("1.5h", 5400)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration_s(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "5 minutes", "m5", "-5m", "1h-30m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration_s(text)


# the one did-you-mean of every message (plan, resources, pricing, manifests, eksctl, HPA API)
@pytest.mark.parametrize(("value", "choices", "options", "hint"), [
    # one close: 11 of medum's letters match medium's 12, ratio 2 x 11 / 23 = 0.96
    ("db.t3.medum", ["db.t3.medium", "db.t3.small"], {}, "; did you mean 'db.t3.medium'?"),
    # two equally close: 8 letters of us-est-1 match in both, 2 x 8 / (8 + 9) = 0.94 each;
    # eu-west-1 matches 7 (0.82), less close, so not named
    ("us-est-1", ["us-west-1", "eu-west-1", "us-east-1"], {},
     "; did you mean 'us-east-1' or 'us-west-1'?"),
    # three equally close (gp + one digit: 2 x 2 / 6 = 0.67 each), sorted, one way of joining
    ("gp4", ["io1", "gp3", "gp1", "gp2"], {}, "; did you mean 'gp1', 'gp2' or 'gp3'?"),
    # a unique prefix counts as close (prod/production scores 2 x 4 / 14 = 0.57 < 0.6)
    ("prod", ["production", "staging"], {}, "; did you mean 'production'?"),
    # a prefix of two is no hint; none is close (st/stable 2 x 2 / 8 = 0.5), so all are listed
    ("st", ["staging", "stable", "prod"], {}, "; valid: 'prod', 'stable', 'staging'"),
    ("zzz", ["a", "b"], {}, "; valid: 'a', 'b'"),
    ("zzz", ["a", "b"], {"list_choices": False}, ""),
    # more than 12 choices: the first twelve, then the count (13 letters a..m)
    ("zzz", list("mlkjihgfedcba"), {},
     "; valid: 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', ... (13 in all)"),
    # cutoff 0.8 names only a misspelling: gp4/gp2 is 0.67
    ("gp4", ["gp2"], {"list_choices": False, "cutoff": 0.8}, ""),
    ("volumSize", ["volumeSize", "volumeType"], {"cutoff": 0.8}, "; did you mean 'volumeSize'?"),
    ("x", [], {}, ""),
    # the same letters in another case: difflib alone scored T3.MEDIUM / t3.medium 2 x 2 / 18 =
    # 0.22 (only "3." matches) and listed every choice instead
    ("T3.MEDIUM", ["t3.medium", "t3.small"], {}, "; did you mean 't3.medium'?"),
])
def test_did_you_mean(value: str, choices: list[str], options: dict[str, Any], hint: str
                      ) -> None:
    assert did_you_mean(value, choices, **options) == hint


@pytest.mark.parametrize(("parent", "key", "path"), [
    ("", "metadata", "metadata"), ("a", "b", "a.b"), ("a", 3, "a[3]"),
    ("labels", "app.kubernetes.io/name", 'labels["app.kubernetes.io/name"]')])
def test_join_path(parent: str, key: str | int, path: str) -> None:
    assert join_path(parent, key) == path


def test_default_plan_workload_specs_are_the_simulators(plan: Plan) -> None:
    (backend,) = plan.proposed.workloads
    assert backend.hpa_spec is not None
    assert (backend.hpa_spec.min_replicas, backend.hpa_spec.max_replicas) == (3, 15)
    dep = backend.deployment_spec
    # its readiness probe: initialDelaySeconds 20, periodSeconds 5, no startup probe
    assert (dep.name, dep.cpu_request_millicores, dep.memory_request_mib, dep.probes) == (
        "shop-backend", 250, 512.0, (ContainerProbes(Probe(20.0, 5.0)),))
    spec = backend.workload_spec(slo_p95_latency_ms=300)
    assert (spec.cpu_request_millicores, spec.capacity_rps_per_pod, spec.cpu_millicores_per_rps,
            spec.baseline_cpu_millicores, spec.image_pull_s, spec.app_start_s,
            spec.readiness_probe, spec.slo_p95_latency_ms) == (
        250, 25, 10, 25, 8, 12, Probe(20.0, 5.0), 300)
    # start-up: image pulled at 8 s, app up at 8 + 12 = 20 s, the probe's initial delay over at
    # 8 + 20 = 28 s; its 5 s grid from the bind next ticks at 30 s: Ready at 30 s
    assert spec.startup_s == 30
    # one request at a time at 25 rps: 1000 ms x 1 / 25 = 40 ms each
    assert spec.service_time_ms == 40


def test_simulation_settings_of_the_default_plan(plan: Plan) -> None:
    s = plan.simulation
    assert (s.step_s, s.seed, s.hpa_sync_period_s, s.metrics_resolution_s,
            s.node_provisioning_s) == (15, 42, 15, 15, 150)
