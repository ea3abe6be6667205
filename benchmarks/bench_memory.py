"""Benchmark: peak memory of a long joint run (audit15 A15-7).

The estate plan of ``tests/estate_plan.py`` (25 services, 20 of them autoscaled, on 7 node
groups sharing one cluster) through its ``month`` scenario: ``--days`` days (default 27) of the
whole-July NASA trace (``/work/shared/traces/nasa_http_jul1995_1min.csv``) on karpenter-like's
5 s tick grid, run as the report runs it (``joint_run.simulate_scenario``: the shared-cluster
loop, then each workload's timeline, syncs, events and summary). The result is kept alive while
memory is read, as the report keeps it.

Prints the peak RSS of this process (``resource.getrusage``'s ``ru_maxrss``), its RSS before the
run and with the result held, the result's frames (pandas ``memory_usage(deep=True)``) and the
wall and CPU time; the last line is
``days=D workloads=W ticks=N peak_rss_mb=P held_rss_mb=H timelines_mb=T syncs_mb=S
wall_s=X cpu_s=Y``. ``--tracemalloc`` adds the Python allocator's peak (``tracemalloc_peak_mb``;
the run is several times slower with it on).

Audit15's figure (the whole report of the month, ``/usr/bin/time -v``): 2.9 GB peak RSS.
This benchmark, default run (2 cores, another job running): before (e763f2f) peak 2,626 MB,
timelines 1,370 MB, 102 s wall, 101 s CPU; after the loops' per-tick series became
``array.array``s, the count columns int32, the frames uncopied and the sync log columns
(``tick_buffers``): peak 1,679 MB, timelines 1,014 MB, 126 s wall (load average 3), 100 s CPU.
``syncs_mb`` is pandas' deep size, which counts every row's reason string though most rows
share one: it did not change.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from infra_toolkit.joint_run import joint_run, simulate_scenario  # noqa: E402
from infra_toolkit.plan import read_plan  # noqa: E402
from infra_toolkit.plan_traffic import scenario_curve  # noqa: E402
from infra_toolkit.pricing import load_price_book  # noqa: E402
from tests.estate_plan import write_estate_plan  # noqa: E402

MONTH_TRACE = REPO.parent / "shared" / "traces" / "nasa_http_jul1995_1min.csv"
MB = 1024 * 1024


def rss_mb() -> float:
    """This process's resident set now (MiB), from ``/proc/self/statm``."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / MB


def peak_rss_mb() -> float:
    """This process's peak resident set so far (MiB; Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=27, help="days of the month scenario")
    parser.add_argument("--workloads", type=int, default=25, help="estate services (4 in 5 "
                        "autoscaled)")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python "
                        "allocations (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        path = write_estate_plan(Path(tmp) / "estate", args.workloads, MONTH_TRACE, args.days)
        plan = read_plan(path)
        book = load_price_book(extra_tables=plan.pricing_tables,
                               overrides=plan.pricing_overrides)
        scenario = next(s for s in plan.scenarios if s.name == "month")
        curve = scenario_curve(scenario, plan.simulation.step_s)
        run = joint_run(plan, book)
    before_mb = rss_mb()
    if args.tracemalloc:
        tracemalloc.start()
    wall, cpu = time.perf_counter(), time.process_time()
    result = simulate_scenario(plan, run, "month", curve)
    wall_s, cpu_s = time.perf_counter() - wall, time.process_time() - cpu
    traced = f" tracemalloc_peak_mb={tracemalloc.get_traced_memory()[1] / MB:.0f}" \
        if args.tracemalloc else ""
    tracemalloc.stop()
    sims = result.simulations.values()
    timelines = sum(r.timeline.memory_usage(deep=True).sum() for r in sims) / MB
    syncs = sum(r.syncs.memory_usage(deep=True).sum() for r in sims) / MB
    events = sum(r.events.memory_usage(deep=True).sum() for r in sims) / MB
    ticks = len(next(iter(sims)).timeline)
    print(f"estate: {args.workloads} services ({len(result.simulations)} autoscaled), "
          f"{args.days} days at {ticks} ticks each")
    print(f"RSS before the run {before_mb:.0f} MB, holding the result {rss_mb():.0f} MB; "
          f"frames: timelines {timelines:.0f} MB, syncs {syncs:.0f} MB, events {events:.0f} "
          f"MB, cluster nodes {result.nodes.memory_usage(deep=True).sum() / MB:.0f} MB")
    print(f"days={args.days} workloads={len(result.simulations)} ticks={ticks} "
          f"peak_rss_mb={peak_rss_mb():.0f} held_rss_mb={rss_mb():.0f} "
          f"timelines_mb={timelines:.0f} syncs_mb={syncs:.0f} wall_s={wall_s:.1f} "
          f"cpu_s={cpu_s:.1f}{traced}")


if __name__ == "__main__":
    main()
