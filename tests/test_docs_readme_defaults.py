"""The defaults README.md states are the ones the code uses: each figure is read from the README's
own words and compared with the parser's default or the library constant it names, so a
changed default fails here until the README says it (tests/test_docs_cli.py checks that every
option is named; this checks the figures beside them)."""

from __future__ import annotations

import inspect
import re

from infra_toolkit.approval_store import DEFAULT_TIMEOUT_S
from infra_toolkit.chart_selection import DEFAULT_CHART_WORKLOADS
from infra_toolkit.cli import build_parser
from infra_toolkit.nodes import KARPENTER_LIKE, MAX_POD_EVICTION_S, ClusterAutoscalerSpec
from infra_toolkit.tuning import sweep_workload
from tests.conftest import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _section(heading: str) -> str:
    return README.split(heading, 1)[1].split("\n#", 1)[0]


def _flag_figures(text: str) -> dict[str, str]:
    """``--flag`` -> the figure in the parenthesis after it: "`--max-nodes` (10)" gives 10,
    "(m5.large; ..." m5.large, and "(each 0)" 0 for every flag listed since the last
    parenthesis; a parenthesis in words ("(the Deployment's, else 500 and 256)") gives none."""
    flat = re.sub(r"\s+", " ", text)
    out: dict[str, str] = {}
    pending: list[str] = []
    for flag, paren in re.findall(r"`(--[\w-]+)`( \([^)]*\))?", flat):
        pending.append(flag)
        if not paren:
            continue
        m = re.match(r" \((each )?([\w.]+)[;,)]", paren)
        if m:
            out.update(dict.fromkeys(pending if m.group(1) else [flag], m.group(2)))
        pending = []
    return out


def test_simulate_flag_defaults() -> None:
    stated = _flag_figures(_section("### One workload from flags"))
    defaults = build_parser().parse_args(
        ["simulate", "--traffic", "t.csv", "--hpa", "h.yaml"]).flag_defaults
    checked = {"--baseline-cpu-millicores": defaults["baseline_cpu_millicores"],
               "--startup-cpu-millicores": defaults["startup_cpu_millicores"],
               "--startup-cpu-s": defaults["startup_cpu_s"],
               "--queue-timeout-s": defaults["queue_timeout_s"],
               "--image-pull-s": defaults["image_pull_s"],
               "--app-start-s": defaults["app_start_s"],
               "--memory-mib-per-rps": defaults["memory_mib_per_rps"],
               "--concurrency": defaults["concurrency"],
               "--slo-p95-latency-ms": defaults["slo_p95_latency_ms"],
               "--instance-type": defaults["instance_type"],
               "--min-nodes": defaults["min_nodes"], "--max-nodes": defaults["max_nodes"],
               "--metric-resolution-s": defaults["metrics"].resolution_s,
               # left unset (None), the autoscaler's own: cluster-autoscaler's 120 s
               "--provisioning-delay-s": ClusterAutoscalerSpec().provisioning_delay_s}
    assert {f: stated.get(f) for f in checked} == {f: f"{v:g}" if isinstance(v, float) else str(v)
                                                   for f, v in checked.items()}
    # "(120, or 45 with `--karpenter`: a scan every 5 s, consolidation after 30 s)"
    karpenter = (KARPENTER_LIKE.provisioning_delay_s, KARPENTER_LIKE.scan_interval_s,
                 KARPENTER_LIKE.scale_down_unneeded_s)
    assert (defaults["provisioning_delay_s"], karpenter) == (None, (45, 5, 30))
    assert ("(120, or 45 with `--karpenter`: a scan every 5 s, consolidation after 30 s)"
            in re.sub(r"\s+", " ", README))


def test_sweep_defaults() -> None:
    text = re.sub(r"\s+", " ", _section("### Tuning a workload"))
    args = build_parser().parse_args(["sweep", "p.yaml", "--workload", "w"])
    assert f"`--top N` (default {args.top})" in text
    assert f"`--max-variants N` (default {args.max_variants:,})" in text
    assert f"(default {args.max_cluster_runs:,})" in text.split("`--max-cluster-runs`", 1)[1]
    limit = inspect.signature(sweep_workload).parameters["confirm_limit"].default
    assert f"At most {limit} variants are run through `simulate` so" in text


def test_report_and_store_defaults() -> None:
    text = re.sub(r"\s+", " ", README)
    assert (f"every workload up to {DEFAULT_CHART_WORKLOADS}, else the "
            f"{DEFAULT_CHART_WORKLOADS} busiest") in text
    assert f"`$INFRA_TOOLKIT_DB_TIMEOUT_S` (default {DEFAULT_TIMEOUT_S:g} s)" in text
    # cluster-autoscaler's --max-pod-eviction-time: "refused 2 minutes after its drain started"
    assert MAX_POD_EVICTION_S == 2 * 60 and "refused 2 minutes after its drain started" in text
