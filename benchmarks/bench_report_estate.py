"""Benchmark: a large estate's report (audit15): 25 services on 7 node groups
(``tests/estate_plan.py``, written to a temporary folder), ``infra-toolkit validate`` and
``infra-toolkit report`` in new processes as a user runs them. By default the report simulates
``expected-day`` for its first 6 hours (``-p horizon_h 6``) to keep ``make bench`` short;
``--hours 0`` runs every scenario whole (several minutes), and ``--month-trace`` adds 27 days of
the whole-July NASA trace (``/work/shared/traces/nasa_http_jul1995_1min.csv``).

Prints the validate and report times, the HTML size and its plotly figures; the last line is
``estate_validate_s=X estate_report_s=Y estate_html_mb=Z estate_figures=N workloads=25``.
Audit15's whole-plan figures (4 scenarios with the month, ``--hours 0 --month-trace ...``):
391 s before the scale-down fit checks were reused, 263 s after; 2.9 GB peak RSS; 10.8 MB.
Audit15's default run: validate 3.2 s, report 20.5 s, 6.5 MB, 63 figures (2 cores).
Report size (A15-10), the whole plan with the month: 10.77 MB, 246 figures (plotly.js 4.82 MB
inlined as is, figures 5.20 MB); after each figure lost its per-trace time arrays (figures
1.88 MB, the same numbers): ~7.5 MB; with the default ``chart_workloads`` (the 12 busiest of
its 20 autoscaled workloads charted): ~6.7 MB, 150 figures (a gzipped plotly.js, tried, made
these 4.60 / 3.83 MB but was dropped: the report keeps plotly.js inlined as is, readable and
countable, issue 5). This benchmark's default run: 6.5 MB and 63 figures before, 39 after.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.estate_plan import write_estate_plan  # noqa: E402


def timed(*args: str) -> float:
    """Wall seconds of one ``infra-toolkit ARGS`` run (it must succeed)."""
    cli = Path(sys.executable).parent / "infra-toolkit"
    started = time.perf_counter()
    subprocess.run([str(cli), *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", type=int, default=25)
    parser.add_argument("--hours", type=float, default=6.0, help="horizon_h; 0: whole scenarios")
    parser.add_argument("--month-trace", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-estate-") as tmp:
        plan = write_estate_plan(Path(tmp) / "estate", args.workloads, args.month_trace)
        out = Path(tmp) / "estate.html"
        validate_s = timed("validate", str(plan))
        params = ["-p", "scenarios", "[expected-day]", "-p", "horizon_h", str(args.hours)] \
            if args.hours else []
        report_s = timed("report", str(plan), "--out", str(out), *params)
        html = out.read_text()
    figures = html.count("Plotly.newPlot(")
    shown = f"expected-day, first {args.hours:g} h" if args.hours else "every scenario, whole"
    print(f"estate plan: {args.workloads} workloads, 7 node groups; report of {shown}")
    print(f"estate_validate_s={validate_s:.2f} estate_report_s={report_s:.2f} "
          f"estate_html_mb={len(html.encode()) / 1e6:.2f} estate_figures={figures} "
          f"workloads={args.workloads}")


if __name__ == "__main__":
    main()
