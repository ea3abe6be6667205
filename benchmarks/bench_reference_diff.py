"""Differential run, larger than the test suite's: the simulator against the independent
reference model (tests/reference_cluster.py) on seeded random scenarios
(``tests.test_reference_cluster.scenario``): every compared timeline column, sync, node event,
summary figure and time-to-capacity part must match. Prints each mismatch, then as its last
line ``cases=N mismatching=M wall_s=X``. ``--cases`` sets the size, ``--seed`` the first seed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.*

from tests.test_reference_cluster import mismatches, scenario  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1000)
    args = parser.parse_args()
    start = time.perf_counter()
    bad = 0
    for seed in range(args.seed, args.seed + args.cases):
        found = mismatches(*scenario(seed))
        if found:
            bad += 1
            print(f"seed {seed}: {found[:3]}")
    print(f"cases={args.cases} mismatching={bad} wall_s={time.perf_counter() - start:.1f}")


if __name__ == "__main__":
    main()
