"""Benchmark: build the default plan's report as ``make report`` does (``infra-toolkit report`` in
a new process: imports, the papermill kernel, four scenarios simulated, nbconvert export) and
print its build time and HTML size. Targets: < 10 s and < 6 MB on 2 cores.

Runs ``--runs`` builds (default 2) into a temporary folder and reports the best; the last line is
``report_build_s=X html_mb=Y targets=ok|MISSED plan=PATH``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PLAN = REPO / "plans" / "ecommerce-eks.yaml"
TARGET_S, TARGET_BYTES = 10.0, 6_000_000


def build_once(plan: Path, out: Path) -> float:
    """Wall seconds of one ``infra-toolkit report`` run writing ``out``."""
    cli = Path(sys.executable).parent / "infra-toolkit"
    started = time.perf_counter()
    subprocess.run([str(cli), "report", str(plan), "--out", str(out)], check=True,
                   capture_output=True, text=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--plan", type=Path, default=DEFAULT_PLAN)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        out = Path(tmp) / "report.html"
        times = [build_once(args.plan, out) for _ in range(args.runs)]
        size = out.stat().st_size
    for i, t in enumerate(times, 1):
        print(f"run {i}: {t:.2f} s")
    best = min(times)
    ok = best < TARGET_S and size < TARGET_BYTES
    shown = args.plan.relative_to(REPO) if args.plan.is_relative_to(REPO) else args.plan
    print(f"report_build_s={best:.2f} html_mb={size / 1e6:.2f} "
          f"targets={'ok' if ok else 'MISSED'} plan={shown}")


if __name__ == "__main__":
    main()
