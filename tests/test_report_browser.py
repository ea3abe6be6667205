"""The exported HTML opens offline in a real browser and draws every chart."""

from __future__ import annotations

from pathlib import Path

from infra_toolkit.report import build_report
from tests.browser import chromium_path, open_offline
from tests.notebook_fixtures import figures_notebook, fixture_plan


def test_fixture_report_draws_every_figure_offline(tmp_path: Path) -> None:
    chromium_path()
    plan = fixture_plan(tmp_path, "plan")
    result = build_report(plan, out=tmp_path / "plan.html",
                          notebook=figures_notebook(tmp_path / "nb.ipynb", figures=4))
    load = open_offline(result.html_path)
    assert load.page_errors == []
    assert load.blocked_requests == []
    assert load.plots == 4
    assert "label=default" in load.text
