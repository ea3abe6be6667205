"""The notebooks' parameters as papermill, ``report -p`` or a notebook user may pass them: a value
that cannot mean what was asked is refused before anything runs, naming the parameter, the value
and the fix (before: a TypeError / AttributeError from deep inside, or a silently empty or $0
report)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.errors import ApprovalError, PlanError, PricingError, SimulationError
from infra_toolkit.explorer import ScalingExplorer
from infra_toolkit.pricing import load_price_book
from tests.conftest import REPO_ROOT, SMALL_PLAN

SMALL = REPO_ROOT / SMALL_PLAN

BAD = [
    # before: TypeError: 'int' object is not iterable
    ({"scenarios": 5}, PlanError, r"^scenarios = 5: give a scenario name or a list of them "
                                  r"\(e\.g\. -p scenarios '\[steady\]'\), or None for all; "
                                  r".*small\.yaml has: steady, double$"),
    ({"scenarios": ["steady", 3]}, PlanError, r"^scenarios = \['steady', 3\]: give a scenario "),
    # before: a report of no scenario at all
    ({"scenarios": []}, PlanError, r"^scenarios = \[\]: select at least one of .*small\.yaml's "
                                   r"scenarios \(steady, double\), or None for all$"),
    ({"scenarios": ["stedy"]}, PlanError, r"^scenarios: unknown scenario\(s\) \['stedy'\] for "
                                          r".*small\.yaml; did you mean 'steady'\?; the plan's "),
    # before: TypeError: unhashable type: 'list'
    ({"expected_scenario": ["steady"]}, PlanError, r"^expected_scenario = \['steady'\]: give one "
                                                   r"scenario name \(e\.g\. -p expected_scenario "
                                                   r"steady\), or None for the first selected"),
    # a misspelt name: the nearest selected scenario (before: the list alone)
    ({"expected_scenario": "stedy"}, PlanError, r"^expected_scenario 'stedy' is not among the "
                                                r"selected scenarios \(steady, double\); did "
                                                r"you mean 'steady'\?; select it or pick one"),
    # before: True was taken as 1 hour
    ({"horizon_h": True}, SimulationError, r"^horizon_h = True: give a number of hours > 0"),
    ({"horizon_h": "2"}, SimulationError, r"^horizon_h = '2': give a number of hours > 0"),
    # before: simulated both 1 h scenarios whole while the header said "horizon 2 h" (simulate
    # --horizon-h refused it); 1 h, each scenario's length, is each whole and is accepted below
    ({"horizon_h": 2}, SimulationError, r"^horizon_h = 2: longer than every chosen scenario "
                                        r"\(steady 1 h, double 1 h\), so it cuts none; give "
                                        r"fewer hours, or None \(null with -p on the command "
                                        r"line\) to simulate whole scenarios$"),
    # before: every line PRICE NOT FOUND and a $0 proposed total
    ({"region": "us-est-1"}, PricingError, r"^region = 'us-est-1': no pricing table or rate "
                                           r"prices that region; did you mean '.*'\?; pass a "
                                           r"region code a table or rate prices, or leave region "
                                           r"unset to price each resource in its own "
                                           r"region; if it is a region the tables lack, price "
                                           r"it with `infra-toolkit pricing refresh --service "
                                           r"AmazonEC2 --region us-est-1`"),
    ({"region": "mars-1"}, PricingError, r"^region = 'mars-1': no pricing table or rate prices "
                                         r"that region; valid: 'af-south-1', "),
    # before: AttributeError: 'int' object has no attribute 'startswith'
    ({"region": 5}, PricingError, r"^region = 5: no pricing table or rate prices that region; "
                                  r"valid: af-south-1, "),
    # before: PlanError about aws_instance, not the parameter
    ({"region": ""}, PricingError, r"^region = '': no pricing table or rate prices that region"),
    # before: TypeError: argument of type 'int' is not iterable
    ({"store_location": 5}, ApprovalError, r"^db = 5 \(int\): give the approval store as a "
                                           r"SQLite file path or a postgresql:// URL"),
]


@pytest.mark.parametrize(("given", "error", "message"), BAD, ids=[str(b[0]) for b in BAD])
def test_bad_report_parameter_is_named(given: dict[str, Any], error: type[Exception],
                                       message: str) -> None:
    with pytest.raises(error, match=message):
        analyze_plan(SMALL, **{"horizon_h": 0.25, **given})


@pytest.mark.parametrize("plan_path", [5, None, ""])
def test_bad_plan_path_is_named(plan_path: Any) -> None:
    # before: TypeError: expected str, bytes or os.PathLike object, not int
    with pytest.raises(PlanError, match=r"^plan_path = .*: give the plan file's path as text"):
        analyze_plan(plan_path)


def test_every_priced_region_is_a_region_of_the_tables() -> None:
    regions = load_price_book().regions()
    assert "us-east-1" in regions and "eu-west-1" in regions
    assert list(regions) == sorted(set(regions))


def test_explorer_horizon_checked_as_the_report_checks_it() -> None:
    with pytest.raises(SimulationError, match=r"^horizon_h = True: give a number of hours > 0"):
        ScalingExplorer.from_plan(SMALL, horizon_h=True)


@pytest.mark.parametrize(("scenario", "message"), [
    # audit8 A8-12: the explorer's scenario is one name, None its plan's first; the messages
    # said "or None for all" and advised -p scenario '[NAME]', which papermill -p passes as the
    # text "[NAME]", an unknown scenario
    ("stedy", r"^scenario: unknown scenario\(s\) \['stedy'\] for .*small\.yaml; did you mean "
              r"'steady'\?; the plan's scenarios: .*: give one of them, or None for the plan's "
              r"first$"),
    (5, r"^scenario = 5: give one scenario name \(e\.g\. -p scenario [a-z-]+\), or None for "
        r"the plan's first; "),
    (["steady"], r"^scenario = \['steady'\]: give one scenario name"),
])
def test_explorer_scenario_named_as_its_parameter(scenario: Any, message: str) -> None:
    # before: the message spoke of "scenarios", the report's parameter, or read 5 as [5]
    with pytest.raises(PlanError, match=message):
        ScalingExplorer.from_plan(SMALL, scenario=scenario, horizon_h=0.25)


def test_approve_notebook_plan_path_checked_as_the_report_checks_it() -> None:
    from infra_toolkit.review_subject import read_review_subject

    # before: TypeError: expected str, bytes or os.PathLike object, not int
    with pytest.raises(PlanError, match=r"^plan_path = 5 \(int\): give the plan file's path"):
        read_review_subject(5)  # type: ignore[arg-type]


def test_a_horizon_of_a_scenario_s_whole_length_is_accepted(tmp_path: Any) -> None:
    # small.yaml's scenarios last 1 h each: horizon_h 1 is both whole, as --horizon-h 1 is
    a = analyze_plan(SMALL, horizon_h=1, store_location=str(tmp_path / "none"))
    assert [r.curve.rps.size * r.curve.step_s for r in a.runs] == [3600.0, 3600.0]
