"""Differential run, larger than the test suite's: the sweep engine against the scalar path.

Random seeded batches (shared batch key, every other field drawn at random, half of them sized
for their traffic, a quarter of the workloads with a cap of pods a node) and random single specs
(every field drawn, the batch key too; a quarter of them with Karpenter's removal timing:
validated 15 s after chosen, the node billed until its pods terminated), then a quarter of all
of them packed by a scheduler's
request apart from the HPA's (init containers, no memory or a large one requested; drawn after
everything else, so a seed's other fields stay as they were) and a quarter pull consumers
(``consumer="pull"``, drawn after that), run through both engines; every
sync table, event log and summary field must match exactly (``tests/sweep_cases.differences``).
Prints each mismatch, then as its last line ``variants=N batches=B mismatches=M uncertain=U
scheduled=S pull=P wall_s=X`` (``uncertain``: rows the engine handed back to the scalar path;
``scheduled``: variants packed by a scheduler's request apart from the HPA's; ``pull``: pull
consumers). ``--variants``
sets the size, ``--seed`` the first seed.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.sweep_cases

from infra_toolkit.sweep_engine import run_batch  # noqa: E402
from infra_toolkit.sweep_params import batch_key, unsupported, variants  # noqa: E402
from infra_toolkit.traffic import resample_curve  # noqa: E402
from tests.sweep_cases import (  # noqa: E402
    differences,
    random_spec,
    random_traffic,
    scheduler_request,
)

#: the share of variants packed by a scheduler's request apart from the HPA's
SCHEDULED = 0.25
#: the share of variants that are pull consumers
PULL = 0.25
KINDS = [("cpu",), ("cpu", "object"), ("memory",), ("pods", "external"), ("cpu-avg",),
         ("object",), ("external", "cpu"), ("memory-avg", "pods"), ("cpu", "memory")]


def _uncertain(traffic, specs) -> int:  # type: ignore[no-untyped-def]
    batches: dict[object, list] = {}
    for spec in specs:
        batches.setdefault(batch_key(spec), []).append(spec)
    count = 0
    for batch in batches.values():
        v = variants(batch)
        out = run_batch(np.asarray(resample_curve(traffic, float(v.tick_s)).rps), v)
        count += int(out.uncertain.sum())
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=50_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    done = batches = mismatches = uncertain = scheduled = pulled = 0
    seed = args.seed
    while done < args.variants:
        rng = np.random.default_rng(seed)
        traffic = random_traffic(rng, int(rng.integers(2, 9)) * 1800)
        if seed % 3 == 0:  # a single spec, every field random
            specs = [random_spec(rng, f"s{seed}", apart=0.25, karpenter=0.25)]
        else:
            timing = {"sync": int(rng.choice([15, 30])), "scan": int(rng.choice([5, 10])),
                      "resolution": int(rng.choice([15, 60])),
                      "duration": int(rng.choice([0, 5])),
                      "window": [None, 30, 60][int(rng.integers(0, 3))],
                      "offset": int(rng.choice([0, 5, 10]))}
            kinds = KINDS[seed % len(KINDS)]
            legacy, groups = bool(rng.random() < 0.5), int(rng.integers(1, 4))
            peak = float(np.max(traffic.rps)) if rng.random() < 0.5 else None
            specs = [random_spec(rng, f"b{seed}v{i}", timing=timing, kinds=kinds, legacy=legacy,
                                 groups=groups, peak_rps=peak, apart=0.25, karpenter=0.25)
                     for i in range(16)]
        # drawn last: the traffic and the specs above are what this seed drew before
        specs = [dataclasses.replace(s, workload=scheduler_request(rng, s.workload))
                 if rng.random() < SCHEDULED else s for s in specs]
        # drawn after those: a pull consumer (model.consumer), its ticks at the cap judged on
        # their latency (the engine keeps every tick of it)
        specs = [dataclasses.replace(s, workload=dataclasses.replace(s.workload, consumer="pull"))
                 if rng.random() < PULL else s for s in specs]
        specs = [s for s in specs if unsupported(s) is None]
        seed += 1
        if not specs:
            continue
        problems = differences(traffic, specs)
        for p in problems:
            print(f"seed {seed - 1}: {p}")
        mismatches += len(problems)
        uncertain += _uncertain(traffic, specs)
        done += len(specs)
        scheduled += sum(s.workload.schedule_cpu_millicores is not None for s in specs)
        pulled += sum(s.workload.consumer == "pull" for s in specs)
        batches += 1
    print(f"variants={done} batches={batches} mismatches={mismatches} uncertain={uncertain} "
          f"scheduled={scheduled} pull={pulled} wall_s={time.perf_counter() - t0:.1f}")


if __name__ == "__main__":
    main()
