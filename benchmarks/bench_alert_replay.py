"""Alert replay cost: every mapped alert of the default plan replayed on every simulated scenario
(four scenarios, the longest 24 h at 5 s steps: 17,280 steps), as the report's Monitoring section
and its warnings do it. Prints the time of one replay of the plan (median of REPEATS) and the
steps replayed per second. The simulation itself is run once, outside the timing. Run:
``.venv/bin/python benchmarks/bench_alert_replay.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.plan_alerts import replay_scenario

PLAN = Path(__file__).resolve().parent.parent / "plans" / "ecommerce-eks.yaml"
REPEATS = 20


def main() -> None:
    """Simulate the default plan once, then time its alert replay."""
    with tempfile.TemporaryDirectory() as tmp:
        a = analyze_plan(PLAN, store_location=str(Path(tmp) / "none.sqlite"))
    times: list[float] = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        replays = [r for run in a.runs for r in replay_scenario(a.plan, run.simulations)]
        times.append(time.perf_counter() - start)
    steps = sum(len(run.simulations[r.workload].timeline) for run in a.runs
                for r in replay_scenario(a.plan, run.simulations))
    median = statistics.median(times)
    print(f"alert replay of {PLAN.name}: {len(replays)} alert x scenario replays, {steps:,} "
          f"steps: {1000 * median:.1f} ms (median of {REPEATS}), "
          f"{steps / median:,.0f} steps/s")


if __name__ == "__main__":
    main()
