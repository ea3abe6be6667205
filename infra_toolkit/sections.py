"""The plan report, section by section: one function per section, each taking a
:class:`~infra_toolkit.analysis.PlanAnalysis` and returning a
:class:`~infra_toolkit.report_html.Section` (its tables are pandas DataFrames, its text
escaped HTML). Every number comes from the analysis (simulator, cost model, approval store);
the plan's own words are shown as written.

Each section is in a module named for it, re-exported here with the headings in report order
(:data:`SECTION_TITLES`), so a notebook needs this one module: the header and Overview in
:mod:`~infra_toolkit.sections_overview`; Current State, Proposed Architecture and Components with
Cost in :mod:`~infra_toolkit.sections_architecture`; Scaling Behaviour in
:mod:`~infra_toolkit.sections_scaling`; Cost Summary in :mod:`~infra_toolkit.sections_cost`;
Review Status in :mod:`~infra_toolkit.sections_review`; Deployment Strategy in
:mod:`~infra_toolkit.sections_deployment`; the other sections that restate the plan's
operational parts (monitoring, rollback, testing, security, questions, timeline, risks) in
:mod:`infra_toolkit.plan_sections`. How they qualify a cost figure is in
:mod:`~infra_toolkit.sections_figures`.
"""

from __future__ import annotations

from infra_toolkit.plan_sections import (
    monitoring,
    questions,
    risk_assessment,
    rollback_plan,
    security,
    testing_plan,
    timeline,
)
from infra_toolkit.sections_architecture import (
    components_with_cost,
    current_state,
    proposed_architecture,
)
from infra_toolkit.sections_cost import cost_summary
from infra_toolkit.sections_deployment import deployment_strategy
from infra_toolkit.sections_overview import SECTION_TITLES, header, overview
from infra_toolkit.sections_review import review_status
from infra_toolkit.sections_scaling import scaling_behaviour

__all__ = [
    "SECTION_TITLES",
    "components_with_cost",
    "cost_summary",
    "current_state",
    "deployment_strategy",
    "header",
    "monitoring",
    "overview",
    "proposed_architecture",
    "questions",
    "review_status",
    "risk_assessment",
    "rollback_plan",
    "scaling_behaviour",
    "security",
    "testing_plan",
    "timeline",
]
