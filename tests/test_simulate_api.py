"""The public API of the traffic and simulation modules is what their ``__all__`` says."""

from __future__ import annotations

import importlib

import pytest

API = {
    "infra_toolkit.traffic": {"TrafficCurve", "constant_curve", "step_curve", "ramp_curve",
                              "diurnal_curve", "flash_crowd_curve", "add_noise", "sum_curves",
                              "scale_curve", "slice_curve", "resample_curve", "read_traffic_csv",
                              "get_cloudwatch_traffic", "check_whole_steps"},
    "infra_toolkit.simulate": {"SimulationSpec", "SimulationResult", "SimulationSummary",
                               "TimeToCapacity", "simulate", "simulate_many", "format_summary",
                               "ClusterSimulationResult", "FixedPods", "simulate_cluster"},
    "infra_toolkit.workload": {"WorkloadSpec", "MetricsPipelineSpec", "MAX_CONCURRENCY",
                               "MAX_STARTUP_DELAY_S", "STARTUP_DELAY_RULE"},
    "infra_toolkit.nodes": {"NodeGroup", "ClusterAutoscalerSpec", "KARPENTER_LIKE", "pod_slots",
                            "node_room", "MAX_POD_EVICTION_S", "DRAIN_RULES",
                            "KARPENTER_COMMAND_S", "POD_TERMINATION_GRACE_S",
                            "request_utilization"},
    "infra_toolkit.node_allocatable": {"ARM64_CMA_MIB", "EKS_DAEMONSETS",
                                       "EVICTION_HARD_MEMORY_MIB",
                                       "VM_MEMORY_OVERHEAD_FRACTION", "KubeletReserve",
                                       "NodeDaemonsets", "allocatable",
                                       "eks_kube_reserved_cpu_millicores",
                                       "eks_kube_reserved_memory_mib", "memory_capacity_mib",
                                       "node_reserve"},
    "infra_toolkit.latency": {"CONSUMERS", "MAX_UTILIZATION", "at_utilization_cap", "erlang_c",
                              "percentile_search_bound_s", "response_time_percentile_ms",
                              "response_time_quantile_ms", "with_backlog_wait_ms"},
}


@pytest.mark.parametrize("module", sorted(API))
def test_all_is_the_public_api(module: str) -> None:
    mod = importlib.import_module(module)
    assert set(mod.__all__) == API[module]
    for name in mod.__all__:
        assert getattr(mod, name) is not None


def test_pure_core_imports_no_io() -> None:
    from infra_toolkit import (
        cluster,
        simulate,
        sweep_cluster,
        sweep_cluster_state,
        sweep_engine,
        sweep_history,
        sweep_hpa,
        sweep_logs,
        sweep_params,
        sweep_pods,
        sweep_summary,
    )

    for mod in (simulate, cluster, sweep_cluster, sweep_cluster_state, sweep_engine, sweep_history,
                sweep_hpa, sweep_logs, sweep_params, sweep_pods, sweep_summary):
        source = open(mod.__file__).read()  # noqa: SIM115
        for banned in ("import plotly", "import time", "import datetime", "np.random.",
                       "open(", "import os", "import boto3"):
            assert banned not in source, (mod.__name__, banned)
