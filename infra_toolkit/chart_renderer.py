"""The renderer that puts the report's plotly figures into an offline HTML export
(:func:`use_report_renderer`, called once by a notebook): each figure as plotly's JSON for
JupyterLab and a ``text/html`` div for nbconvert, without plotly.js or MathJax.
"""

from __future__ import annotations

import re
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
        # a figure a section links to carries its id in layout.meta (report_html.chart_anchor)
        meta = fig_dict.get("layout", {}).get("meta")
        html = pio.to_html(
            fig_dict,
            div_id=meta.get("anchor") if isinstance(meta, dict) else None,
            include_plotlyjs=False,
            include_mathjax=False,
            full_html=False,
            default_width="100%",
            default_height=480,
            validate=False,
        )
        return {"text/html": _unescape_slashes(html),
                "application/vnd.plotly.v1+json": fig_dict}


# plotly writes every "/" of a figure's JSON as the 6 characters \u002f, and a typed array's
# base64 is 1/64 slashes: ~8 % of a chart's bytes. Only "</" can end a <script>, and plotly
# escapes every "<" (\u003c), so a plain "/" is safe; an escaped backslash before it is kept.
_ESCAPED_SLASH = re.compile(r"(?<!\\)((?:\\\\)*)\\u002f")


def _unescape_slashes(html: str) -> str:
    return _ESCAPED_SLASH.sub(r"\1/", html)


def use_report_renderer() -> None:
    """Make every ``fig.show()`` (and figure display) of this kernel use the report renderer.
    Call it once, in the first code cell of a notebook."""
    pio.renderers[REPORT_RENDERER] = _ReportRenderer()
    pio.renderers.default = REPORT_RENDERER
