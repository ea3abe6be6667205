"""The Monitoring section names each alert without a runbook (reader19).

tests/data/author19/payments-eks.yaml declares two critical alerts, PaymentsErrorRate
(monitoring.alerts[0]) and PaymentsP99 (alerts[1]), neither with a runbook, and both are
automatic rollback triggers (rollback.triggers, automatic: true). The alert table showed '-' in
its Runbook column and nothing else: a reviewer approving a payments change had to notice that
the two pages which abort the canary come with no written steps.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from infra_toolkit import sections
from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from tests.conftest import REPO_ROOT as REPO


def _notes(a: PlanAnalysis) -> list[str]:
    return [p for p in sections.monitoring(a).parts
            if isinstance(p, str) and "alerts-without-runbook" in p]


@pytest.fixture(scope="module")
def payments(tmp_path_factory: pytest.TempPathFactory) -> PlanAnalysis:
    return analyze_plan(REPO / "tests/data/author19/payments-eks.yaml", scenarios=["match-day"],
                        store_location=str(tmp_path_factory.mktemp("store") / "none"))


def test_critical_rollback_alerts_without_runbook_are_named(payments: PlanAnalysis) -> None:
    assert _notes(payments) == [
        '<p class="alerts-without-runbook">2 of 2 alert(s) have no runbook, so whoever they '
        "page has no written steps: PaymentsErrorRate (critical, an automatic rollback "
        "trigger; monitoring.alerts[0].runbook), PaymentsP99 (critical, an automatic rollback "
        "trigger; monitoring.alerts[1].runbook).</p>"]


def test_a_hand_trigger_and_a_plain_alert_say_so(payments: PlanAnalysis) -> None:
    # the error-rate alert given a runbook; the p99 trigger made a manual one: 1 of 2 missing
    plan = payments.plan
    first, second = plan.monitoring.alerts
    alerts = (dataclasses.replace(first, runbook="https://runbooks.bank.example/errors"), second)
    manual = tuple(dataclasses.replace(t, automatic=False) if t.alert == "PaymentsP99" else t
                   for t in plan.rollback.triggers)
    a = dataclasses.replace(payments, plan=dataclasses.replace(
        plan, monitoring=dataclasses.replace(plan.monitoring, alerts=alerts),
        rollback=dataclasses.replace(plan.rollback, triggers=manual)))
    assert _notes(a) == [
        '<p class="alerts-without-runbook">1 of 2 alert(s) have no runbook, so whoever they '
        "page has no written steps: PaymentsP99 (critical, a rollback trigger; "
        "monitoring.alerts[1].runbook).</p>"]
    # no trigger rests on it: severity alone
    untriggered = tuple(t for t in plan.rollback.triggers if t.alert != "PaymentsP99")
    b = dataclasses.replace(a, plan=dataclasses.replace(
        a.plan, rollback=dataclasses.replace(plan.rollback, triggers=untriggered)))
    assert "PaymentsP99 (critical; monitoring.alerts[1].runbook)" in _notes(b)[0]


@pytest.mark.parametrize("plan", ["search-api.yaml", "ecommerce-eks.yaml"])
def test_shipped_plans_with_every_runbook_get_no_note(plan: str, tmp_path: Path) -> None:
    # test_plans_shipped.py holds every shipped alert to a runbook: no note there
    first = yaml.safe_load((REPO / "plans" / plan).read_text())["scenarios"][0]["name"]
    a = analyze_plan(REPO / "plans" / plan, scenarios=[first],
                     store_location=str(tmp_path / "none"))
    assert _notes(a) == []
