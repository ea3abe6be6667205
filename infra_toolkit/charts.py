"""Plotly figures for the plan report and the explorer notebooks, and the renderer that puts them
into an offline HTML export.

Figures are built by pure functions from simulation and cost outputs; notebooks only display them.
"""

from __future__ import annotations

from typing import Any

import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

__all__ = ["REPORT_RENDERER", "use_report_renderer"]

REPORT_RENDERER = "infra_toolkit_report"


class _ReportRenderer(MimetypeRenderer):  # type: ignore[misc]
    """Each figure as two outputs: plotly's JSON mimetype, which JupyterLab draws natively, and a
    ``text/html`` div calling ``Plotly.newPlot``, which nbconvert exports. The HTML carries no
    plotly.js and no MathJax: the offline template inlines plotly.js once for the whole page
    (plotly's ``notebook`` renderer would embed it again each time it is activated)."""

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, Any]:
        html = pio.to_html(
            fig_dict,
            include_plotlyjs=False,
            include_mathjax=False,
            full_html=False,
            default_width="100%",
            default_height=480,
            validate=False,
        )
        return {"text/html": html, "application/vnd.plotly.v1+json": fig_dict}


def use_report_renderer() -> None:
    """Make every ``fig.show()`` (and figure display) of this kernel use the report renderer.
    Call it once, in the first code cell of a notebook."""
    pio.renderers[REPORT_RENDERER] = _ReportRenderer()
    pio.renderers.default = REPORT_RENDERER
