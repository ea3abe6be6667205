"""Shared test fixtures. Tests may read ../shared (beside the checkout) directly."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.pg_cluster import (
    PG_URL_ENV,
    find_pg_bindir,
    schema_url,
    throwaway_cluster,
    worker_database,
)
from tests.readme_examples import ReportRun, make_workspace, run_example

if TYPE_CHECKING:
    from infra_toolkit.analysis import PlanAnalysis
    from infra_toolkit.review_subject import ReviewSubject

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
#: A plan small enough to check the report's numbers by hand (relative to REPO_ROOT).
SMALL_PLAN = "tests/data/plans/report/small.yaml"
#: The shipped tables the USD price book reads, in the order it reads them (not the CNY table).
SHIPPED_USD_TABLES = ("ec2_on_demand_2026-07-20.csv", "ec2_instance_specs_2026-08-06.csv",
                      "rds_on_demand_2026-05-03.csv", "elasticache_on_demand_2024-08-09.csv",
                      "other_services_2026-05-03.csv", "elb_lcu_dimensions_2026-09-20.csv",
                      "ec2_burstable_credits_2026-11-27.csv")


def shipped_tables_sha256() -> list[tuple[str, str]]:
    """(file name, SHA-256 of its bytes) of :data:`SHIPPED_USD_TABLES`, hashed here with hashlib:
    what a report must list as the pricing tables it used."""
    folder = REPO_ROOT / "pricing_data"
    return [(name, hashlib.sha256((folder / name).read_bytes()).hexdigest())
            for name in SHIPPED_USD_TABLES]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ../shared folder (HPA spec and vectors, traces, pricing reference)."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: CI and tests expect ../shared beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def small_analysis(tmp_path_factory: pytest.TempPathFactory) -> PlanAnalysis:
    """``analyze_plan`` of :data:`SMALL_PLAN`, run from the repository root, with an approval
    store that does not exist (NOT SUBMITTED)."""
    from infra_toolkit.analysis import analyze_plan

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO_ROOT)
        return analyze_plan(SMALL_PLAN, store_location=str(tmp_path_factory.mktemp("db") / "none"))


@pytest.fixture(scope="session")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> ReportRun:
    """The README's check-and-report example run once per session in a workspace: it submits
    the default plan and builds reports/ecommerce-eks.html (the session's one real report)."""
    workspace = make_workspace(tmp_path_factory.mktemp("readme"))
    db = workspace / "approvals.sqlite"
    done = run_example("check-and-report", workspace, db)
    assert done.returncode == 0, f"README example failed:\n{done.stdout}\n{done.stderr}"
    return ReportRun(workspace, db, done.stdout, workspace / "reports/ecommerce-eks.html")


@pytest.hookimpl(tryfirst=True)  # before pytest's tmp_path plugin reads basetemp
def pytest_configure(config: pytest.Config) -> None:
    """An xdist worker's temp folder is ``<the run's>/0``, not pytest-xdist's ``.../popen-gw0``:
    messages clip a path over 80 characters (errors.clipped), and tests that match a file's
    name in them hold only as long as the path of their tmp_path is about a serial run's."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker and config.option.basetemp:
        run = Path(config.option.basetemp).parent
        config.option.basetemp = str(run / worker.removeprefix("gw"))


# --- approval store backends: every store test runs on SQLite and on PostgreSQL ---------------


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL server for the session: $INFRA_TOOLKIT_TEST_PG_URL, else a throwaway cluster
    started from the machine's PostgreSQL binaries. Skipped (failed under CI=true) without them.
    Under pytest-xdist each worker has its own: a cluster, or a database on the given server."""
    given = os.environ.get(PG_URL_ENV)
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if given and worker:
        with worker_database(given, worker) as url:
            yield url
        return
    if given:
        yield given
        return
    bindir = find_pg_bindir()
    if bindir is None:
        reason = (
            "no PostgreSQL binaries (initdb, pg_ctl, postgres) on this machine: install "
            f"postgresql or set {PG_URL_ENV} to run the PostgreSQL approval-store tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with throwaway_cluster(bindir) as url:
        yield url


@pytest.fixture
def plan_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in plan file for the review subcommands: ``cli_review`` reads it as a subject
    whose plan is the file's name, whose digest is the SHA-256 of its bytes (one byte changed
    makes a new digest, as the real plan digest does), needing two approvers when the file holds
    ``two``, else one."""
    from infra_toolkit import cli_review
    from infra_toolkit.plan import ApprovalPolicy
    from tests.approval_helpers import subject

    path = tmp_path / "checkout.yaml"
    path.write_text("title: Move checkout to EKS\nreplicas: 3\n")

    def read(plan_path: str) -> ReviewSubject:
        data = Path(plan_path).read_bytes()
        return subject(
            plan=Path(plan_path).stem,
            digest=hashlib.sha256(data).hexdigest(),
            source=str(plan_path),
            policy=ApprovalPolicy(required_approvers=2 if b"two" in data else 1),
        )

    monkeypatch.setattr(cli_review, "read_review_subject", read)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty approval store location, once per backend (a fresh schema on PostgreSQL)."""
    if request.param == "sqlite":
        return str(tmp_path / "approvals.sqlite")
    return schema_url(request.getfixturevalue("postgres_url"))
