"""The report's figure style: a small plotly template (:func:`styled_figure`), shared by the
timeline figures (:mod:`infra_toolkit.timeline_figures`) and the report's other figures
(:mod:`infra_toolkit.charts`).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

__all__ = ["styled_figure"]

# A small template (plotly's default one adds ~6.5 KB of JSON to every figure).
_TEMPLATE = go.layout.Template(layout={
    "font": {"family": "system-ui, sans-serif", "size": 12},
    "colorway": ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"],
    "plot_bgcolor": "white", "paper_bgcolor": "white", "hovermode": "x unified",
    "xaxis": {"gridcolor": "#e5e5e5", "zeroline": False},
    "yaxis": {"gridcolor": "#e5e5e5", "zeroline": False},
    "legend": {"orientation": "h", "y": -0.18},
    "margin": {"l": 60, "r": 60, "t": 60, "b": 60},
})


def styled_figure(title: str, **layout: Any) -> go.Figure:
    """An empty figure in the report's template, titled ``title``, with ``layout`` on top."""
    return go.Figure(layout={"template": _TEMPLATE, "title": {"text": title}, **layout})
