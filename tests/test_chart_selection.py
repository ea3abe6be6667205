"""Whose per-workload charts a report draws (``chart_workloads``, audit15 A15-10): the rule, the
workloads left out named in the Scaling Behaviour section with the command that charts them."""

from __future__ import annotations

import shlex
from pathlib import Path

import pandas as pd
import pytest
import yaml

from infra_toolkit import charts, sections
from infra_toolkit.analysis import analyze_plan
from infra_toolkit.chart_selection import (
    DEFAULT_CHART_WORKLOADS,
    ChartSelection,
    busiest_first,
    chart_command,
    select_charted,
)
from infra_toolkit.errors import PlanError
from infra_toolkit.notebook_parameters import check_chart_workloads
from infra_toolkit.plan import read_plan
from tests.conftest import REPO_ROOT, SMALL_PLAN
from tests.test_analysis_shared import shared_plan  # noqa: F401  (the fixture)


def _slos(minutes: float, met: bool) -> pd.DataFrame:
    return pd.DataFrame({"slo": ["p95"], "violation_minutes": [minutes], "met": [met]})


def test_busiest_first_puts_missed_slos_first_then_peak_rate() -> None:
    # a misses its SLO for 3 + 4 = 7 minutes over two runs, d for 2: a, d first; then by peak
    # rps b 50 > c 20; e's 9 minutes were within its objective (met): 0 missed, peak 20 as c,
    # so plan order puts c before e
    runs = [{"a": _slos(3, False), "b": _slos(0, True), "c": _slos(0, True),
             "d": _slos(2, False), "e": _slos(9, True)},
            {"a": _slos(4, False)}]
    peaks = {"a": 1.0, "b": 50.0, "c": 20.0, "d": 500.0, "e": 20.0}
    assert busiest_first(["a", "b", "c", "d", "e"], runs, peaks) == ["a", "d", "b", "c", "e"]


NAMES = [f"svc-{i:02d}" for i in range(DEFAULT_CHART_WORKLOADS + 1)]


@pytest.mark.parametrize(("workloads", "request_", "shown", "left_out", "rule"), [
    # up to the default, every workload
    (NAMES[:-1], None, NAMES[:-1], [], "every autoscaled workload"),
    # one past it: the 12 busiest (ranked in reverse plan order here: svc-00 is the least busy)
    (NAMES, None, NAMES[1:], ["svc-00"],
     f"the 12 busiest of 13 workloads (the default past {DEFAULT_CHART_WORKLOADS} workloads)"),
    (NAMES, 2, ["svc-11", "svc-12"], NAMES[:-2], "the 2 busiest of 13 workloads (chart_workloads)"),
    (NAMES, 13, NAMES, [], "every autoscaled workload"),  # all
    (NAMES, ("svc-03", "svc-07"), ["svc-03", "svc-07"],
     [n for n in NAMES if n not in ("svc-03", "svc-07")],
     "the 2 workload(s) named by chart_workloads"),
])
def test_select_charted(workloads: list[str], request_: int | tuple[str, ...] | None,
                        shown: list[str], left_out: list[str], rule: str) -> None:
    chosen = select_charted(workloads, request_, list(reversed(workloads)))
    assert chosen == ChartSelection(tuple(shown), tuple(left_out), rule)


def test_the_command_quotes_its_values_for_a_shell() -> None:
    command = chart_command("plans/my estate.yaml", [("horizon_h", "6")], ["svc-01", "svc-02"])
    assert command == ("infra-toolkit report 'plans/my estate.yaml' -p horizon_h 6 "
                       "-p chart_workloads '[svc-01, svc-02]'")
    # report -p reads each value as YAML: the list of the two names
    assert yaml.safe_load(shlex.split(command)[-1]) == ["svc-01", "svc-02"]


SMALL = REPO_ROOT / SMALL_PLAN  # one autoscaled workload, api


@pytest.mark.parametrize(("value", "message"), [
    (0, r"^chart_workloads = 0: give how many workloads to chart, the busiest \(e\.g\. -p "
        r"chart_workloads 5\), workload names \(e\.g\. -p chart_workloads '\[api\]'\), all, "
        r"or None for the default \(every workload's charts up to a dozen workloads, else the "
        r"busiest dozen\); workloads with an HPA in .*small\.yaml: api$"),
    (True, r"^chart_workloads = True: give how many workloads"),  # not 1
    (2.5, r"^chart_workloads = 2\.5: give how many workloads"),
    ([], r"^chart_workloads = \[\]: give how many workloads"),
    (["api", 3], r"^chart_workloads = \['api', 3\]: give how many workloads"),
    ("apii", r"^chart_workloads 'apii': no workload of that name in proposed\.workloads of "
             r".*small\.yaml; did you mean 'api'\?; workloads with an HPA: api$"),
    (["api", "api"], r"^chart_workloads: \['api', 'api'\] repeats a name; give each once"),
])
def test_a_bad_chart_workloads_is_named_before_anything_runs(value: object, message: str
                                                             ) -> None:
    with pytest.raises(PlanError, match=message):
        check_chart_workloads(read_plan(SMALL), value)
    with pytest.raises(PlanError, match=message):
        analyze_plan(SMALL, horizon_h=0.25, chart_workloads=value)


@pytest.mark.parametrize(("value", "checked"), [
    (None, None), ("all", 1), (3, 3), ("api", ("api",)), (["api"], ("api",))])
def test_good_chart_workloads(value: object, checked: object) -> None:
    assert check_chart_workloads(read_plan(SMALL), value) == checked


def test_a_left_out_workload_is_named_with_the_command_that_charts_it(
        shared_plan: Path) -> None:  # noqa: F811
    # the shared plan: workloads api and worker on one node group, one scenario (steady)
    analysis = analyze_plan(shared_plan, store_location=str(shared_plan.parent / "no-store"),
                            chart_workloads=["worker"])
    assert analysis.charts.left_out == ("api",) and analysis.charts.shown == ("worker",)
    figures = charts.scaling_figures(analysis)
    titles = [f.layout.title.text for f in figures]
    # worker's load, latency, cost per hour, and the cluster's cost per hour (both workloads'
    # nodes); then the time-to-capacity chart: 4 + 1 = 5 (all: 2 x 3 + 1 + 1 = 8)
    assert [r.name for r in analysis.runs] == ["steady"]
    assert len(figures) == 5
    assert not [t for t in titles if "/ api" in t]
    assert sum("/ worker: offered vs served" in t for t in titles) == 1
    html = sections.scaling_behaviour(analysis)._repr_html_()
    command = f"infra-toolkit report {shared_plan.resolve()} -p chart_workloads '[api]'"
    assert ("Charts below: the 1 workload(s) named by chart_workloads: worker. Left out, 1 "
            "workload(s), in the tables above but not charted: api. To chart them, build the "
            "report with:") in html
    assert f'<pre class="chart-command"><code>{command}</code></pre>' in html.replace("&#x27;", "'")
    assert 'href="#chart-steady--api"' not in html and 'href="#chart-steady--worker"' in html


def test_every_workload_charted_says_nothing(shared_plan: Path) -> None:  # noqa: F811
    analysis = analyze_plan(shared_plan, store_location=str(shared_plan.parent / "no-store"))
    assert analysis.charts == ChartSelection(("api", "worker"))
    assert len(charts.scaling_figures(analysis)) == 2 * 3 + 1 + 1
    assert "chart-command" not in sections.scaling_behaviour(analysis)._repr_html_()
