"""The exported HTML opens offline in a real browser and draws every chart."""

from __future__ import annotations

from pathlib import Path

from infra_toolkit.report import build_report
from tests.browser import chromium_path, open_offline, print_offline
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


def test_printing_redraws_each_chart_to_fit_the_paper(tmp_path: Path) -> None:
    # visual23: printed from a 1400 px window, each chart kept its 1170 px screen width and
    # Chrome printed a strip of its left half, without its legend, plotly's toolbar over its
    # title, some cut across two pages. While printing, each chart is 640 px wide (A4 less
    # 12 mm margins is 210 - 24 = 186 mm = 703 px, less the output's indent), whole on a page,
    # without the toolbar; after printing it is sized to its window again (no width).
    chromium_path()
    plan = fixture_plan(tmp_path, "plan")
    result = build_report(plan, out=tmp_path / "plan.html",
                          notebook=figures_notebook(tmp_path / "nb.ipynb", figures=2))
    printed = print_offline(result.html_path, width_px=1400)
    assert printed.chart_widths_px == [640, 640]
    assert printed.chart_widths_after_px == [None, None]
    assert printed.modebar_displays == ["none", "none"]
    assert printed.chart_breaks == ["avoid", "avoid"]
