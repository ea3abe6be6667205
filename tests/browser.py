"""Open an HTML file in headless Debian Chromium (driven by Playwright) with the network blocked,
and report what was drawn. Never downloads a browser: it uses /usr/bin/chromium or skips."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class PageLoad:
    """What a page did when opened offline."""

    plots: int = 0  # plotly graph divs that hold a drawn svg.main-svg
    main_svgs: int = 0
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    text: str = ""
    # tables (by class) whose right edge passes the page's <main> column: cut off on screen
    wider_than_page: list[str] = field(default_factory=list)
    # cells holding one number or amount ($0.0416, 2,190, 1.1 %) drawn over more than one line
    split_numbers: list[str] = field(default_factory=list)
    # (class, background colour, padding) of each <pre> block: the commands to copy
    pre_styles: list[tuple[str, str, str]] = field(default_factory=list)


def chromium_path() -> str:
    """The system Chromium, or skip the test saying why (the Makefile installs it when it can)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.skip("no Chromium on this machine and `make browser` could not install Debian's "
                    "chromium package (apt-get install -y chromium); browser check skipped")
    return path


def open_offline(html_path: Path, width_px: int = 1280) -> PageLoad:
    """Load ``html_path`` from file:// with every other request aborted, in a window
    ``width_px`` wide (a reviewer's side panel is ~1000); wait for plotly."""
    from playwright.sync_api import sync_playwright

    load = PageLoad()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width_px, "height": 720})
            page.on("pageerror", lambda err: load.page_errors.append(str(err)))

            def route(r):  # type: ignore[no-untyped-def]
                if r.request.url.startswith(("file:", "data:", "blob:")):
                    r.continue_()
                else:
                    load.blocked_requests.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('svg.main-svg'))",
                timeout=15_000,
            )
            load.main_svgs = page.locator("svg.main-svg").count()
            load.plots = page.locator(".plotly-graph-div:has(svg.main-svg)").count()
            load.text = page.inner_text("body")
            load.wider_than_page = page.evaluate(
                "() => { const main = document.querySelector('main') || document.body;"
                " const right = main.getBoundingClientRect().right + 1;"
                " return [...document.querySelectorAll('table')]"
                ".filter(t => t.getBoundingClientRect().right > right)"
                ".map(t => t.className); }")
            load.split_numbers = page.evaluate(
                "() => [...document.querySelectorAll('td')]"
                ".filter(td => /^[-+]?\\$?[0-9][0-9,.]*( %)?$/.test(td.innerText.trim()))"
                ".filter(td => { const r = document.createRange(); r.selectNodeContents(td);"
                " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1; })"
                ".map(td => td.innerText.trim())")
            load.pre_styles = [tuple(x) for x in page.evaluate(
                "() => [...document.querySelectorAll('section.report-section pre')]"
                ".map(e => { const s = getComputedStyle(e);"
                " return [e.className, s.backgroundColor, s.paddingTop]; })")]
        finally:
            browser.close()
    return load


@dataclass
class PrintedPage:
    """What printing a page (Chrome's print to PDF, as a reviewer's Ctrl+P) did to it."""

    # each chart's layout.width while printing (null: sized to its window, as on screen)
    chart_widths_px: list[object] = field(default_factory=list)
    # each chart's layout.width after printing: sized to its window again
    chart_widths_after_px: list[object] = field(default_factory=list)
    # under print media: CSS display of plotly's toolbars, of the tables, and the tables' type
    modebar_displays: list[str] = field(default_factory=list)
    table_displays: list[str] = field(default_factory=list)
    table_font_sizes: list[str] = field(default_factory=list)
    # under print media: CSS break-inside of each chart's output block
    chart_breaks: list[str] = field(default_factory=list)


def print_offline(html_path: Path, width_px: int = 1400) -> PrintedPage:
    """Open ``html_path`` in a ``width_px`` window, print it to PDF and say what printing did."""
    from playwright.sync_api import sync_playwright

    printed = PrintedPage()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width_px, "height": 720})
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('svg.main-svg'))", timeout=15_000)
            # a listener added after the page's own runs after it: it sees the print layout
            page.evaluate(
                "() => window.addEventListener('beforeprint', () => { window.printedWidths ="
                " [...document.querySelectorAll('.js-plotly-plot')].map(d => d.layout.width"
                " === undefined ? null : d.layout.width); })")
            page.pdf(format="A4")
            printed.chart_widths_px = page.evaluate("() => window.printedWidths")
            printed.chart_widths_after_px = page.evaluate(
                "() => [...document.querySelectorAll('.js-plotly-plot')].map(d => d.layout.width"
                " === undefined ? null : d.layout.width)")
            page.emulate_media(media="print")
            styles = page.evaluate(
                "() => ({modebars: [...document.querySelectorAll('.modebar-container')]"
                ".map(e => getComputedStyle(e).display),"
                " tables: [...document.querySelectorAll('section.report-section table')]"
                ".map(e => [getComputedStyle(e).display, getComputedStyle(e).fontSize]),"
                " breaks: [...document.querySelectorAll('.jp-OutputArea-output')]"
                ".filter(e => e.querySelector('.js-plotly-plot'))"
                ".map(e => getComputedStyle(e).breakInside)})")
            printed.modebar_displays = styles["modebars"]
            printed.table_displays = [d for d, _size in styles["tables"]]
            printed.table_font_sizes = [size for _d, size in styles["tables"]]
            printed.chart_breaks = styles["breaks"]
        finally:
            browser.close()
    return printed
