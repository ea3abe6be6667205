"""The sweep's summary screen runs ``simulate_many`` ``SCREEN_BATCH`` variants at a time
(sweepux18): 8,400 variants of a 24 h day in one call peaked at 2.3 GB RSS (~0.27 MB a variant),
so the default --max-variants of 20,000 needed ~5.5 GB; batches of 4,000 held it to 1.2 GB.

The small plan (tests/test_tuning.py gives its arithmetic): workload ``api`` (HPA 2..8, 40
req/s a pod) alone on node group ``general`` (m5.large, 2..4 nodes, 20 GB gp2 disks); scenario
``steady``: 40 req/s for 1 h; SLOs p95 <= 250 ms and 99.9 % of requests served.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from infra_toolkit import tuning_screen
from infra_toolkit.plan import read_plan
from infra_toolkit.pricing import load_price_book
from infra_toolkit.tuning import sweep_workload
from infra_toolkit.tuning_grid import parse_vary
from tests.conftest import REPO_ROOT, SMALL_PLAN


def test_the_screen_in_batches_gives_the_hand_computed_rows(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    # the screen runs simulate_many SCREEN_BATCH variants at a time (memory: ~0.27 MB a variant
    # a day); batches of 1 must give each row as one call did (tests/test_tuning.py):
    # maxReplicas 1 rejected by the screen (p95 ln(20) / (40 x 0.01) s = 7,489 ms > 250 ms);
    # maxReplicas 2 on m5.large 2 nodes x 1 h -> 1460 h x 0.096 + 2 x 20 GB x 0.10 = $144.16;
    # on t3.medium 1460 x 0.0416 = 60.736 + 4.00 = $64.74
    monkeypatch.setattr(tuning_screen, "SCREEN_BATCH", 1)
    plan = read_plan(REPO_ROOT / SMALL_PLAN)
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    grid = parse_vary(["minReplicas=1", "maxReplicas=1,2", "instance_type=m5.large,t3.medium"])
    t = sweep_workload(plan, book, "api", grid, scenarios=["steady"]).table
    got = {(r["maxReplicas"], r["instance_type"], r["baseline"]): (r["status"], r["monthly_usd"])
           for r in t.to_dict("records")}
    assert got == {(8, "m5.large", True): ("meets SLOs", Decimal("144.16")),
                   (2, "m5.large", False): ("meets SLOs", Decimal("144.16")),
                   (2, "t3.medium", False): ("meets SLOs", Decimal("64.74")),
                   (1, "m5.large", False): ("fails SLOs", Decimal("144.16")),
                   (1, "t3.medium", False): ("fails SLOs", Decimal("64.74"))}
    assert list(t[t["maxReplicas"] == 1]["checked_by"]) == ["summary screen"] * 2
