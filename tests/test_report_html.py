"""report_html: formatters, tables and sections as HTML."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd
import pytest

from infra_toolkit.cost import unit_price_text, usd_text
from infra_toolkit.report_html import (
    Section,
    Table,
    duration_text,
    elapsed_text,
    fields,
    longest_time_to_capacity_text,
    number_text,
    paragraph,
    preformatted,
    quantity_text,
    share_pct_text,
)
from infra_toolkit.time_to_capacity import TimeToCapacity


@pytest.mark.parametrize(("price", "text"), [
    (Decimal("0.1"), "$0.10"),  # the EKS cluster's row: at least cents
    (Decimal("0.0416"), "$0.0416"),  # t3.medium: every decimal the row has
    (Decimal("0.00000625"), "$0.00000625"),
    (Decimal("73"), "$73.00"),
    (Decimal("1.2E+3"), "$1,200.00"),
    (None, "-"),
])
def test_unit_prices_keep_every_decimal_and_at_least_cents(price: Decimal | None,
                                                           text: str) -> None:
    assert unit_price_text(price) == text


@pytest.mark.parametrize(("value", "text"), [
    (512.0, "512"), (5.0, "5"), (25.0, "25"), (0.125, "0.125"), (1234567.0, "1,234,567"),
    (float("nan"), "-"), (None, "-"), (3, "3"), (True, "yes"), (False, "no"), ("gp3", "gp3"),
])
def test_unformatted_cells_drop_a_trailing_point_zero(value: object, text: str) -> None:
    assert number_text(value) == text
    assert Table(pd.DataFrame({"x": [value]})).to_html().count(f"<td>{text}</td>") == 1


@pytest.mark.parametrize(("value", "places", "up", "text"), [
    (80.0013, 2, False, "80"), (56.8415, 2, False, "56.84"), (1234.5, 2, False, "1,234.5"),
    # rounded up to the hundredth: 80.0013 -> 80.01, 56.8415 -> 56.85; a value already on it
    # stays (80, 1.1: the float 1.1 is not pushed to 1.11 by its binary tail)
    (80.0013, 2, True, "80.01"), (56.8415, 2, True, "56.85"), (80.0, 2, True, "80"),
    (1.1, 2, True, "1.1"), (1234.561, 2, True, "1,234.57"), (None, 2, True, "-"),
    (float("nan"), 2, True, "-"),
])
def test_quantities_round_to_their_places_up_when_asked(value: float | None, places: int,
                                                        up: bool, text: str) -> None:
    assert quantity_text(value, places, up=up) == text


@pytest.mark.parametrize(("value", "text"), [
    # rounded down to the hundredth: 83.3361 -> 83.33 (nearest: 83.34), 66.666 -> 66.66; a
    # value on it stays (80, 1.1 not pulled to 1.09 by its binary tail), 0.009 -> 0
    (83.3361, "83.33"), (66.666, "66.66"), (80.0, "80"), (1.1, "1.1"), (0.009, "0"),
    (1234.569, "1,234.56"), (None, "-"),
])
def test_quantities_round_down_when_asked(value: float | None, text: str) -> None:
    assert quantity_text(value, 2, down=True) == text


@pytest.mark.parametrize(("pct", "trailing_zeros", "text"), [
    # 225 requests dropped of 8,641,725 offered (a 15 s step at 215 rps on 4 pods serving
    # 4 x 50 = 200: 15 x 15 = 225) = 0.0026 %: nearest to the hundredth it would read 0 (none
    # dropped) beside 99.997 % served, so it reads "< 0.01"
    (100 * 225 / 8_641_725, False, "< 0.01"), (100 * 225 / 8_641_725, True, "< 0.01"),
    # 0.005 rounds to 0.01 as before: only a share that would print as 0 changes
    (0.005, False, "0.01"), (0.0571, False, "0.06"), (4.6107, True, "4.61"),
    (0.0, False, "0"), (0.0, True, "0.00"), (1.1, True, "1.10"), (1234.5, False, "1,234.5"),
])
def test_a_share_of_dropped_requests_above_zero_never_prints_as_zero(
        pct: float, trailing_zeros: bool, text: str) -> None:
    assert share_pct_text(pct, trailing_zeros=trailing_zeros) == text


@pytest.mark.parametrize(("pct", "trailing_zeros", "text"), [
    # to the thousandth (the sweep table, the explorer): 15 of 8,641,515 = 0.000174 % -> "0.000"
    # before; 0.0005 rounds to 0.001 as before
    (100 * 15 / 8_641_515, True, "< 0.001"), (100 * 15 / 8_641_515, False, "< 0.001"),
    (0.0005, True, "0.001"), (0.0, True, "0.000"), (0.0, False, "0"), (4.6107, True, "4.611"),
])
def test_a_share_to_the_thousandth_above_zero_never_prints_as_zero(
        pct: float, trailing_zeros: bool, text: str) -> None:
    assert share_pct_text(pct, 3, trailing_zeros=trailing_zeros) == text


@pytest.mark.parametrize(("value", "signed", "text"), [
    (Decimal("1234.565"), False, "$1,234.57"),  # half-up to cents
    (Decimal("-30.368"), False, "-$30.37"),
    (Decimal("279.957"), True, "+$279.96"),
    (Decimal("-6.5E-14"), True, "$0.00"),  # float noise is no change, not "-$0.00"
    (16.425, False, "$16.43"),  # the float's shortest repr, 16.425, rounded half-up
    (None, False, "-"),
])
def test_usd_text(value: Decimal | float | None, signed: bool, text: str) -> None:
    assert usd_text(value, signed=signed) == text


@pytest.mark.parametrize(("value", "text"), [
    (Decimal("1460.000"), "1,460"), (0.5, "0.5"), (2.0 / 3.0, "0.67"), (None, "-"),
    (math.nan, "-"),
])
def test_quantity_text(value: Decimal | float | None, text: str) -> None:
    assert quantity_text(value) == text


def _episode(total_s: float, closed_by: str) -> TimeToCapacity:
    # all of it node provisioning: only the total and how it closed matter here
    return TimeToCapacity(0.0, total_s, total_s, 0.0, 0.0, 0.0, 0.0, total_s, 0.0, 0.0, closed_by)


@pytest.mark.parametrize(("episodes", "text"), [
    ((), "-"),  # no episode: nothing to time, not "0 s"
    ((_episode(90, "pods"), _episode(30, "load")), "1 min 30 s"),
    # audit4 A4-U6: match-day's 360 s episode ended when the crowd faded, not by Ready pods
    ((_episode(360, "load"), _episode(30, "pods")),
     "6 min (ended by the load falling: capacity not reached)"),
    ((_episode(45, "pods"), _episode(600, "end")),
     "10 min (ended by the run's end: capacity not reached)"),
])
def test_longest_time_to_capacity_says_what_ended_it(
        episodes: tuple[TimeToCapacity, ...], text: str) -> None:
    assert longest_time_to_capacity_text(episodes) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s"), (45, "45 s"), (90, "1 min 30 s"), (5400, "1 h 30 min"), (172800, "2 d"),
    (93784, "1 d 2 h"),  # 86400 + 7200 + 184: the two largest units
    (math.inf, "unbounded"), (None, "-"),
])
def test_duration_text(seconds: float | None, text: str) -> None:
    assert duration_text(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s"), (35, "35 s"),
    (25655, "7 h 7 min 35 s"),  # 7 x 3600 = 25,200; 25,655 - 25,200 = 455 = 7 x 60 + 35
    (93784, "1 d 2 h 3 min 4 s"),  # 86,400 + 2 x 3,600 + 3 x 60 + 4: every unit, not '1 d 2 h'
    (126960, "1 d 11 h 16 min"),  # 86,400 + 11 x 3,600 + 16 x 60 = 126,960; no '0 s'
    (3605, "1 h 5 s"),  # 3,600 + 5: no '0 min'
    (math.inf, "unbounded"), (None, "-"),
])
def test_elapsed_text_writes_a_moment_to_the_second(seconds: float | None, text: str) -> None:
    # reader21: moments of a run (an episode's start, an alert's first fire) were written in
    # duration_text's two largest units, so a fire at 7 h 7 min 35 s read '7 h 7 min' beside
    # '5 min 35 s after' an episode starting at 7 h 2 min, and three catalog episodes read
    # '1 d 11 h' alike
    assert elapsed_text(seconds) == text


def test_table_formats_and_escapes() -> None:
    frame = pd.DataFrame({"What": ["<script>alert(1)</script>", "b & c"],
                          "Cost": [Decimal("1.005"), None]})
    html = Table(frame, {"Cost": usd_text}, css_class="costs", caption="Costs & more").to_html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "b &amp; c" in html
    assert "<td>$1.01</td>" in html and "<td>-</td>" in html
    assert 'class="dataframe report-table costs"' in html
    assert '<p class="table-caption"><strong>Costs &amp; more</strong></p>' in html
    # a caption's title (before the first ": ") is bold, its explanation is not
    told = Table(frame, caption="Scaling: a <b> per scenario").to_html()
    assert told.startswith('<p class="table-caption"><strong>Scaling</strong>: a &lt;b&gt; per '
                           'scenario</p>')
    # no short title before ": ": the first sentence is the title; past 160 characters with
    # neither, nothing is bold (a wall of bold text reads worse than none)
    long_title = "After the canary, every later update rolls by its own strategy (" + "x" * 60
    told = Table(frame, caption=long_title + "). Rolling update: surge rounds up").to_html()
    assert told.startswith(f'<p class="table-caption"><strong>{long_title}).</strong> Rolling '
                           'update: surge rounds up</p>')
    wall = "Surge and unavailable per workload, " * 6
    assert Table(frame, caption=wall).to_html().startswith(
        f'<p class="table-caption">{wall}</p>')
    empty = Table(pd.DataFrame(columns=["a"]), caption="Episodes").to_html()
    assert empty == "<p>Episodes: none.</p>"


def test_fragments_escape_plan_text() -> None:
    assert paragraph("a < b", "note") == '<p class="note">a &lt; b</p>'
    assert preformatted("x > 0 && y") == "<pre><code>x &gt; 0 &amp;&amp; y</code></pre>"
    assert fields([("<k>", "v&")]) == \
        "<table><tbody><tr><th>&lt;k&gt;</th><td>v&amp;</td></tr></tbody></table>"


def test_section_heading_anchor_and_tables() -> None:
    table = Table(pd.DataFrame({"a": [1]}))
    section = Section("Questions for Approval", (paragraph("x"), table))
    assert section.anchor == "questions-for-approval"
    assert section.tables == (table,)
    html = section._repr_html_()
    assert html.startswith('<section class="report-section"><h2 id="questions-for-approval">'
                           "Questions for Approval</h2>")
    assert Section("A & B", (), level=1)._repr_html_().startswith(
        '<section class="report-section"><h1 id="top">A &amp; B</h1>')
    # audit13 A13-5: the header's title is the plan's: one reading as a section's gave that
    # section's id twice (its Contents link landed on the header), one without ASCII letters
    # an empty id
    assert [Section(t, (), level=1).anchor for t in ("Security", "电商迁移")] == ["top", "top"]
    assert Section("Security", ()).anchor == "security"
