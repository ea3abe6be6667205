"""The plan's ``acknowledged_warnings``: each problem of the section with its message, the
matching rule (exact path, substring, stale, several warnings, blocking warnings, what validate
cannot check), validate's lines, the report's tables and the digest."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import analyze_plan
from infra_toolkit.cli import main
from infra_toolkit.credit_warnings import credit_warnings
from infra_toolkit.digest import plan_digest
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_acknowledgements import (
    SIMULATED_WARNING_PATHS,
    AcknowledgedWarning,
    Acknowledgement,
    acknowledge,
    read_acknowledgements,
)
from infra_toolkit.plan_fields import FieldReader
from infra_toolkit.plan_validate import check_plan, check_plan_warnings
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.review_subject import read_review_subject
from infra_toolkit.sections_scaling import warning_tables
from tests.conftest import REPO_ROOT

DATA = REPO_ROOT / "tests" / "data" / "plans"
STALE = ("but matches no warning: the plan changed or the text is wrong; remove it or update "
         "`contains`")


def _problems(raw: Any) -> list[str]:
    r = FieldReader()
    got = read_acknowledgements(r, {"acknowledged_warnings": raw})
    assert (got is None) == bool(r.problems)
    return [f"{p.path}: {p.message}" for p in r.problems]


ENTRY = {"path": "timeline[0]", "contains": "needed_by", "reason": "soft deadline", "by": "ann"}


@pytest.mark.parametrize(("raw", "expected"), [
    ([{**ENTRY, "reason": None}],
     ["acknowledged_warnings[0].reason: missing; say why the warning is accepted"]),
    ([ENTRY, {k: v for k, v in ENTRY.items() if k != "reason"}],
     ["acknowledged_warnings[1].reason: missing; say why the warning is accepted"]),
    ([{k: v for k, v in ENTRY.items() if k != "by"}],
     ["acknowledged_warnings[0].by: missing; name who accepted the warning"]),
    ([{**ENTRY, "contains": "  "}],
     ["acknowledged_warnings[0].contains: is blank; give a part of the warning's message, "
      "copied as printed (e.g. 'peaks at 480 rps')"]),
    ([{k: v for k, v in ENTRY.items() if k != "path"}],
     ["acknowledged_warnings[0].path: missing; give the warning's field path exactly as "
      "`validate` prints it before ': warning:' (e.g. proposed.workloads[0].hpa)"]),
    ([{**ENTRY, "by": ["ann"]}],
     ["acknowledged_warnings[0].by: expected text, got a list"]),
    ([{**ENTRY, "who": "ann"}],
     ["acknowledged_warnings[0].who: unknown key 'who'; valid: 'by', 'contains', 'path', "
      "'reason'"]),
    ([ENTRY, {**ENTRY, "reason": "again"}],
     ["acknowledged_warnings[1]: acknowledges the same warning as acknowledged_warnings[0] (path "
      "'timeline[0]', contains 'needed_by'); keep one"]),
    ([], ["acknowledged_warnings: is empty; give at least one item or remove the section"]),
    ("none", ["acknowledged_warnings: expected a list (`- item` lines), got text ('none')"]),
    (["timeline[0]"], ["acknowledged_warnings[0]: expected a mapping, got text ('timeline[0]')"]),
    # every problem at once: two entries, three fields
    ([{"path": "timeline[0]"}, {**ENTRY, "by": ""}],
     ["acknowledged_warnings[0].contains: missing; give a part of the warning's message, copied "
      "as printed (e.g. 'peaks at 480 rps')",
      "acknowledged_warnings[0].reason: missing; say why the warning is accepted",
      "acknowledged_warnings[0].by: missing; name who accepted the warning",
      "acknowledged_warnings[1].by: is blank; name who accepted the warning"]),
])
def test_each_problem_of_the_section_is_said_with_its_fix(raw: Any, expected: list[str]) -> None:
    assert _problems(raw) == expected


def test_a_valid_section_reads_each_entry_with_its_place() -> None:
    r = FieldReader()
    got = read_acknowledgements(r, {"acknowledged_warnings": [ENTRY, {**ENTRY, "path": "x"}]})
    assert r.problems == []
    assert got == (Acknowledgement("acknowledged_warnings[0]", "timeline[0]", "needed_by",
                                   "soft deadline", "ann"),
                   Acknowledgement("acknowledged_warnings[1]", "x", "needed_by",
                                   "soft deadline", "ann"))
    assert read_acknowledgements(r, {}) == ()  # the section is optional


def _ack(path: str, contains: str, i: int = 0) -> Acknowledgement:
    return Acknowledgement(f"acknowledged_warnings[{i}]", path, contains, f"reason {i}", "ann")


PEAK = PlanWarning("proposed.workloads[0].hpa", "scenario 'flash' peaks at 480 rps; raise it")
MEMORY = PlanWarning("proposed.workloads[0].hpa", "spec.metrics[1] (memory) reaches at most 78.1 %")
BURST = PlanWarning("proposed.workloads[0].model.startup_cpu_s", "the burst lasts 8 s past Ready")


def test_the_path_must_be_equal_and_the_text_contained() -> None:
    acks = [_ack("proposed.workloads[0].hpa", "peaks at 480", 0),  # covers PEAK only
            _ack("proposed.workloads[0]", "burst", 1),  # an ancestor of BURST's path: no
            _ack("proposed.workloads[0].hpa", "Peaks at 480", 2)]  # case counts: no
    got = acknowledge([PEAK, MEMORY, BURST], acks, complete=True)
    assert got.acknowledged == (AcknowledgedWarning(PEAK, acks[0]),)
    assert got.open == (
        MEMORY, BURST,
        PlanWarning("acknowledged_warnings[1]", "acknowledges the warning at proposed.workloads[0] "
                                                f"containing 'burst', {STALE}"),
        PlanWarning("acknowledged_warnings[2]", "acknowledges the warning at proposed.workloads[0]"
                                                f".hpa containing 'Peaks at 480', {STALE}"))
    assert got.unchecked == ()


def test_one_acknowledgement_covers_every_warning_it_matches() -> None:
    # both warnings at the hpa contain ' ' and '(': the first acknowledgement covering each wins
    wide = _ack("proposed.workloads[0].hpa", "a", 0)
    also = _ack("proposed.workloads[0].hpa", "memory", 1)
    got = acknowledge([PEAK, MEMORY], [wide, also], complete=True)
    assert got.acknowledged == (AcknowledgedWarning(PEAK, wide), AcknowledgedWarning(MEMORY, wide))
    assert got.open == ()  # `also` matches MEMORY: it is not stale though `wide` came first


def test_a_warning_that_blocks_approval_stays_open() -> None:
    price = PlanWarning("current.resources[0]", "no price for aws_instance.old", True)
    ack = _ack("current.resources[0]", "no price", 3)
    got = acknowledge([price], [ack], complete=True)
    assert got.acknowledged == ()
    assert got.open == (price, PlanWarning("acknowledged_warnings[3]", (
        "acknowledges 1 warning(s) at current.resources[0] that block approval (a cost line "
        "without a price): they stay open, and the plan cannot be approved until the lines are "
        "priced; price them, and remove this acknowledgement")))


def test_without_the_simulation_an_acknowledgement_there_is_unchecked() -> None:
    alert = _ack("monitoring.alerts[1]", "never fires", 0)
    credit = _ack("proposed.resources[3]", "no CPU credits left", 1)
    other = _ack("timeline[0]", "needed_by", 2)
    got = acknowledge([], [alert, credit, other], complete=False)
    assert got.unchecked == (alert, credit)
    assert got.open == (PlanWarning("acknowledged_warnings[2]", (
        f"acknowledges the warning at timeline[0] containing 'needed_by', {STALE}")),)
    # a run that computed every warning calls all three stale
    assert len(acknowledge([], [alert, credit, other], complete=True).open) == 3


def _minimal(tmp_path: Path, edits: tuple[tuple[str, str], ...], tail: str) -> Path:
    """A copy of minimal.yaml with its manifests, ``edits`` applied and ``tail`` appended."""
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    text = (DATA / "minimal.yaml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / "plan.yaml").write_text(text + tail, encoding="utf-8")
    return tmp_path / "plan.yaml"


# the phase ends 2027-01-12, a day after needed_by 2027-01-11: the deadline warning at timeline[0]
LATE = (("  summary: Move the API to EKS.\n",
         "  summary: Move the API to EKS.\n  needed_by: 2027-01-11\n"),
        ("  - {name: rollout, duration: 1d}", "  - {name: rollout, start: 2027-01-10, "
                                              "end: 2027-01-12}"))
ACKS = """acknowledged_warnings:
  - path: timeline[0]
    contains: after metadata.needed_by
    reason: |
      the date is a target,
      not a launch
    by: ann
  - path: timeline[0]
    contains: ends 2027-02-01
    reason: stale
    by: bob
  - path: monitoring.alerts[0]
    contains: never fires
    reason: paged by the error alert
    by: cy
"""


def test_validate_prints_the_acknowledged_the_stale_and_the_unchecked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = _minimal(tmp_path, LATE, ACKS)
    lines = plan.read_text(encoding="utf-8").splitlines()
    timeline = lines.index("timeline:") + 2  # 1-based: the line after `timeline:`, the phase's
    # 1-based: the entries' `- path:` lines follow the section's, 6 and 4 lines apart
    first = lines.index("acknowledged_warnings:") + 2
    second, third = first + 6, first + 6 + 4
    assert (lines[second - 1], lines[third - 1]) == ("  - path: timeline[0]",
                                                     "  - path: monitoring.alerts[0]")
    deadline = ("phase 'rollout' ends 2027-01-12, after metadata.needed_by (2027-01-11): as "
                "scheduled the change misses its deadline; move the phases earlier or the "
                "deadline later")
    assert main(["validate", str(plan)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:-1] == [
        # open first: the second entry covers nothing
        f"{plan}:{second}: acknowledged_warnings[1]: warning: acknowledges the warning at "
        f"timeline[0] containing 'ends 2027-02-01', {STALE}",
        # the reason on one line though written as a block
        f"{plan}:{timeline}: timeline[0]: acknowledged by ann: the date is a target, not a "
        f"launch (acknowledges: {deadline})",
        # the plan simulates its HPA: an alert's warning may come from the report's simulation
        f"{plan}:{third}: acknowledged_warnings[2]: note: matches none of the warnings "
        "validate computes; the report, which simulates, checks it against the simulation's "
        "warnings at monitoring.alerts[0] too"]
    assert out[-1].startswith(f"{plan}: valid; digest ")


def test_an_invalid_entry_is_a_problem_with_its_line(tmp_path: Path) -> None:
    plan = _minimal(tmp_path, LATE, ACKS.replace("    reason: stale\n", ""))
    # 0-based index of the `contains:` line: the 1-based line of its entry's `- path:`, above
    line = plan.read_text(encoding="utf-8").splitlines().index("    contains: ends 2027-02-01")
    got, problems = check_plan(plan)
    assert got is None
    # the missing reason has no line: it is placed at its entry
    assert [str(p) for p in problems] == [
        f"{plan}:{line}: acknowledged_warnings[1].reason: missing; say why the warning is "
        "accepted"]


def test_the_digest_covers_the_reason(tmp_path: Path) -> None:
    first = _minimal(tmp_path / "a", LATE, ACKS)
    second = _minimal(tmp_path / "b", LATE, ACKS.replace("reason: stale", "reason: stale!"))
    assert plan_digest(read_plan(first)) != plan_digest(read_plan(second))
    # the same content in another folder gives the same digest: only the reason differs above
    same = _minimal(tmp_path / "c", LATE, ACKS)
    assert plan_digest(read_plan(first)) == plan_digest(read_plan(same))


def test_the_report_tables_open_then_acknowledged() -> None:
    ack = Acknowledgement("acknowledged_warnings[0]", BURST.path, "8 s", "costs p95 minutes",
                          "platform-team")
    tables = warning_tables([PEAK], [AcknowledgedWarning(BURST, ack)])
    assert [t.css_class for t in tables] == ["plan-warnings", "acknowledged-warnings"]
    assert tables[1].frame.to_dict("records") == [
        {"Where": "proposed.workloads[0].model.startup_cpu_s",
         "Warning": "the burst lasts 8 s past Ready", "Reason": "costs p95 minutes",
         "By": "platform-team"}]
    html = tables[1].to_html()
    assert html.startswith('<p class="table-caption"><strong>Acknowledged warnings</strong>: '
                           "accepted in the plan&#x27;s acknowledged_warnings, each with the "
                           "reason and who accepted it</p>")
    assert "<td>costs p95 minutes</td>" in html and "<td>platform-team</td>" in html
    # none acknowledged: no second table; none at all: no table
    assert [t.css_class for t in warning_tables([PEAK], [])] == ["plan-warnings"]
    assert warning_tables([], []) == ()


def test_the_report_matches_the_simulation_s_warnings(tmp_path: Path) -> None:
    # the default plan acknowledges all five of its warnings (plans/ecommerce-eks.yaml's
    # acknowledged_warnings): the memory metric that never scales up, the flash crowd above
    # maxReplicas and the CPU target at the p95 SLO (validate's, in that order, before the
    # acknowledgements' own order), the start-up burst past Ready, and the critical p95 alert's
    # silent day, which only the report's replay of expected-day finds
    # (tests/test_plans_shipped.py): the report leaves no warning open
    a = analyze_plan(REPO_ROOT / "plans" / "ecommerce-eks.yaml", scenarios=["expected-day"],
                     store_location=str(tmp_path / "none"))
    assert [(k.warning.path, k.acknowledgement.contains) for k in a.acknowledged] == [
        ("proposed.workloads[0].hpa", "never scales up on this metric"),
        ("proposed.workloads[0].hpa", "scenario 'flash-crowd' peaks at 480 rps"),
        ("proposed.workloads[0].hpa", "targets 70 %: a pod there takes"),
        ("proposed.workloads[0].model.startup_cpu_s", "lasts 8 s past the pod's Ready"),
        ("monitoring.alerts[1]", "never fires in scenario")]
    assert a.acknowledged[4].warning.message.startswith(
        "critical alert 'ShopHighP95Latency' never fires in scenario 'expected-day'")
    assert a.warnings == ()
    tables = sections.scaling_behaviour(a).tables
    assert tables[-1].css_class == "acknowledged-warnings"
    assert "plan-warnings" not in [t.css_class for t in tables]
    assert len(tables[-1].frame) == 5
    # validate, which simulates nothing, cannot see the alert's warning: it says so, not "stale"
    _plan, _problems, lines = check_plan_warnings(REPO_ROOT / "plans" / "ecommerce-eks.yaml")
    assert lines[-1].message.startswith("note: matches none of the warnings validate computes")


def test_a_missing_price_acknowledged_still_blocks_approval(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # today's spot instance has no spot rate in the shipped tables (tests/test_plan_warnings.py):
    # its warning stays open, the acknowledgement is a warning, and the review subject still
    # names the line, which the approval commands refuse the plan for (review_rules)
    plan = _minimal(tmp_path, (("resources: []", (
        "resources:\n    - {type: aws_instance, name: old, instance_type: m5.large, "
        "instance_market_options: {market_type: spot}}")),), """acknowledged_warnings:
  - path: current.resources[0]
    contains: no price for aws_instance.old
    reason: we know
    by: ann
""")
    assert main(["validate", str(plan)]) == 0
    out = capsys.readouterr().out
    assert ": current.resources[0]: warning: no price for aws_instance.old" in out
    assert (": acknowledged_warnings[0]: warning: acknowledges 1 warning(s) at "
            "current.resources[0] that block approval") in out
    assert "acknowledged by" not in out
    assert read_review_subject(plan).missing_prices == (
        "current aws_instance.old: Instance usage (Linux/UNIX, spot, m5.large)",)


def test_the_simulation_s_warnings_are_where_validate_leaves_them_unchecked() -> None:
    # SIMULATED_WARNING_PATHS must hold every warning only a simulation computes, or validate
    # would call an acknowledgement of one stale: a CPU credit warning (a run's credits, stood
    # in for here) is at its node group's resource; the alert and commitment ones are at
    # monitoring.alerts[i] (the report test above) and proposed.resources[i].usage...
    plan = read_plan(REPO_ROOT / "plans" / "ecommerce-eks.yaml")
    credits = SimpleNamespace(mode="standard", throttled_min=5.0, instance_type="t3.medium",
                              baseline_pct=20.0)
    (warning,) = credit_warnings(plan, [SimpleNamespace(name="day", credits={"general": credits})])
    assert warning.path.startswith(SIMULATED_WARNING_PATHS)
    # after the cluster and the two launch templates: the aws_eks_node_group 'general'
    assert warning.path == "proposed.resources[3]"
