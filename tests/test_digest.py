"""The plan digest: what changes it, what does not, and that it is the same on every machine."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra_toolkit.digest import DIGEST_HEADER, canonical_plan_bytes, digest_inputs, plan_digest
from infra_toolkit.errors import PlanError
from infra_toolkit.plan import read_plan
from tests.conftest import shipped_tables_sha256

REPO = Path(__file__).resolve().parent.parent
MINIMAL = REPO / "tests" / "data" / "plans"


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    """A copy of the default plan, its manifests and traces, plus two small pricing tables."""
    shutil.copytree(REPO / "plans", tmp_path / "plans")
    tables = tmp_path / "pricing"
    tables.mkdir()
    (tables / "ec2.csv").write_text(
        "region,instance_type,usd_per_hour\nus-east-1,t3.medium,0.0416\n")
    (tables / "rds.csv").write_text("region,engine,instance_class,usd_per_hour\n"
                                    "us-east-1,PostgreSQL,db.t3.medium,0.072\n")
    return tmp_path


def _digest(root: Path, plan: str = "plans/ecommerce-eks.yaml") -> str:
    return plan_digest(read_plan(root / plan), sorted((root / "pricing").glob("*.csv")))


@pytest.mark.parametrize(("file", "old", "new"), [
    ("plans/ecommerce-eks/backend-hpa.yaml", b"averageUtilization: 70", b"averageUtilization: 71"),
    ("plans/ecommerce-eks/backend-deployment.yaml", b"cpu: 250m", b"cpu: 251m"),
    ("plans/ecommerce-eks/backend-deployment.yaml", b"# The shop", b"# the shop"),  # a comment
    ("plans/ecommerce-eks/cluster.yaml", b"cost-center: ecommerce", b"cost-center: ecommercE"),
    ("plans/traces/nasa_http_1995-07-12_13_1min.csv", b"0.7333", b"0.7334"),
    ("plans/traces/worldcup98_1998-07-07_12-24_1min.csv", b"12:00:00Z,219.2667",
     b"12:00:00Z,219.2668"),
    ("pricing/ec2.csv", b"0.0416", b"0.0417"),
    ("pricing/rds.csv", b"0.072", b"0.073"),
])
def test_one_byte_in_any_covered_file_changes_the_digest(workdir: Path, file: str, old: bytes,
                                                         new: bytes) -> None:
    before = _digest(workdir)
    path = workdir / file
    data = path.read_bytes()
    assert old in data
    new_data = data.replace(old, new, 1)
    assert len(new_data) == len(data)
    assert sum(a != b for a, b in zip(data, new_data)) == 1  # exactly one byte differs
    path.write_bytes(new_data)
    assert _digest(workdir) != before


def test_a_value_in_the_plan_changes_the_digest(workdir: Path) -> None:
    before = _digest(workdir)
    plan = workdir / "plans/ecommerce-eks.yaml"
    plan.write_text(plan.read_text().replace("peak_rps: 480", "peak_rps: 481"))
    assert _digest(workdir) != before


def test_renaming_a_referenced_file_changes_the_digest(workdir: Path) -> None:
    before = _digest(workdir)
    (workdir / "plans/ecommerce-eks/backend-hpa.yaml").rename(
        workdir / "plans/ecommerce-eks/hpa.yaml")
    plan = workdir / "plans/ecommerce-eks.yaml"
    plan.write_text(plan.read_text().replace("ecommerce-eks/backend-hpa.yaml",
                                             "ecommerce-eks/hpa.yaml"))
    assert _digest(workdir) != before


def test_formatting_comments_and_key_order_keep_the_digest(workdir: Path) -> None:
    """The documented rule: the plan's content is canonicalised; its formatting is not."""
    plan = workdir / "plans/ecommerce-eks.yaml"
    before = _digest(workdir)
    data = yaml.safe_load(plan.read_text())
    reordered = dict(reversed(list(data.items())))
    reordered["metadata"] = dict(reversed(list(data["metadata"].items())))
    # flow style, no comments, reversed key order, sorted nothing: same content
    plan.write_text("# rewritten\n" + yaml.safe_dump(reordered, default_flow_style=True,
                                                     sort_keys=False, width=60))
    assert read_plan(plan).data == data
    assert _digest(workdir) == before


def test_a_list_reordered_is_a_different_plan(workdir: Path) -> None:
    plan = workdir / "plans/ecommerce-eks.yaml"
    before = _digest(workdir)
    data = yaml.safe_load(plan.read_text())
    data["questions"].reverse()  # question numbers are what approvers answer
    plan.write_text(yaml.safe_dump(data, sort_keys=False))
    assert _digest(workdir) != before


def test_int_and_float_are_different_content() -> None:
    assert canonical_plan_bytes({"a": 1}) != canonical_plan_bytes({"a": 1.0})


def test_digest_follows_the_documented_recipe() -> None:
    """Recompute the minimal plan's digest by the recipe in digest.py's docstring, using only
    yaml, json and hashlib."""
    folder = MINIMAL
    data = yaml.safe_load((folder / "minimal.yaml").read_text())
    plan_sha = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    files = ["manifests/deployment.yaml", "manifests/hpa.yaml", "manifests/traffic.csv"]
    lines = [json.dumps(["file", f, hashlib.sha256((folder / f).read_bytes()).hexdigest()])
             for f in files]
    lines.append(json.dumps(["plan", "plan", plan_sha]))
    text = "infra_toolkit plan digest 1\n" + "\n".join(sorted(lines)) + "\n"
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert DIGEST_HEADER == "infra_toolkit plan digest 1"
    assert plan_digest(read_plan(folder / "minimal.yaml"), pricing_tables=[]) == expected


def test_inputs_name_files_relative_to_the_plan(workdir: Path) -> None:
    inputs = digest_inputs(read_plan(workdir / "plans/ecommerce-eks.yaml"),
                           sorted((workdir / "pricing").glob("*.csv")))
    assert [(i.kind, i.name) for i in inputs] == [
        ("file", "ecommerce-eks/backend-deployment.yaml"),
        ("file", "ecommerce-eks/backend-hpa.yaml"),
        ("file", "ecommerce-eks/cluster.yaml"),
        ("file", "traces/nasa_http_1995-07-12_13_1min.csv"),
        ("file", "traces/worldcup98_1998-07-07_12-24_1min.csv"),
        ("plan", "plan"),
        ("pricing", "ec2.csv"),
        ("pricing", "rds.csv"),
    ]
    assert inputs[3].sha256 == hashlib.sha256(
        (workdir / "plans/traces/nasa_http_1995-07-12_13_1min.csv").read_bytes()).hexdigest()
    assert all(str(workdir) not in i.line() for i in inputs)


_SCRIPT = ("import sys; from pathlib import Path; from infra_toolkit.plan import read_plan; "
           "from infra_toolkit.digest import plan_digest; "
           "root = Path(sys.argv[1]); "
           "print(plan_digest(read_plan(root / 'plans/ecommerce-eks.yaml'),"
           " sorted((root / 'pricing').glob('*.csv'))))")


def test_digest_is_the_same_in_another_folder_process_and_clock(
    workdir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Another absolute path, another working directory, another hash seed, new mtimes: the
    digest of the same content does not move."""
    here = _digest(workdir)
    elsewhere = tmp_path_factory.mktemp("other-machine") / "checkout"
    shutil.copytree(workdir, elsewhere)
    for path in elsewhere.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", _SCRIPT, str(elsewhere)], cwd="/", env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == here
    assert _digest(elsewhere) == here  # and twice in this process


def test_default_plan_digest_follows_the_recipe_with_the_shipped_tables() -> None:
    """The default plan's digest (the price book's shipped tables, timestamps in the plan),
    recomputed by the recipe in digest.py's docstring using only yaml, json and hashlib."""
    folder = REPO / "plans"
    data = yaml.safe_load((folder / "ecommerce-eks.yaml").read_text())
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=lambda when: when.isoformat())  # dates in ISO 8601
    lines = [json.dumps(["plan", "plan", hashlib.sha256(canonical.encode()).hexdigest()])]
    for name in ("ecommerce-eks/backend-deployment.yaml", "ecommerce-eks/backend-hpa.yaml",
                 "ecommerce-eks/cluster.yaml", "traces/nasa_http_1995-07-12_13_1min.csv",
                 "traces/worldcup98_1998-07-07_12-24_1min.csv"):
        lines.append(json.dumps(["file", name,
                                 hashlib.sha256((folder / name).read_bytes()).hexdigest()]))
    lines += [json.dumps(["pricing", name, sha]) for name, sha in shipped_tables_sha256()]
    text = "infra_toolkit plan digest 1\n" + "\n".join(sorted(lines)) + "\n"
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert plan_digest(read_plan(folder / "ecommerce-eks.yaml")) == expected


def test_a_missing_referenced_file_is_a_clear_error(workdir: Path) -> None:
    plan = read_plan(workdir / "plans/ecommerce-eks.yaml")
    (workdir / "plans/ecommerce-eks/cluster.yaml").unlink()
    with pytest.raises(PlanError, match=r"cannot read .*cluster.yaml for the plan digest"):
        plan_digest(plan)


def test_two_pricing_tables_with_one_name_are_refused(workdir: Path) -> None:
    (workdir / "other").mkdir()
    (workdir / "other" / "ec2.csv").write_text("x\n")
    plan = read_plan(workdir / "plans/ecommerce-eks.yaml")
    with pytest.raises(PlanError, match="two pricing tables share a file name"):
        plan_digest(plan, [workdir / "pricing/ec2.csv", workdir / "other/ec2.csv"])


def test_default_digest_covers_the_price_books_shipped_tables() -> None:
    from infra_toolkit.pricing import load_price_book

    plan = read_plan(REPO / "plans/ecommerce-eks.yaml")
    priced = sorted(i.name for i in digest_inputs(plan) if i.kind == "pricing")
    assert priced == sorted(t.name for t in load_price_book().tables_used)
    assert "ec2_on_demand_cny_2024-11-06.csv" not in priced  # not read by the USD price book
    assert len(priced) == 7  # the conftest SHIPPED_USD_TABLES


def test_a_checkout_with_crlf_line_endings_has_the_same_digest(tmp_path: Path) -> None:
    """Git for Windows checks text out with CR LF (core.autocrlf=true): that clone of the
    minimal plan must have the digest of the LF clone, i.e. the documented recipe over the LF
    bytes (computed here with hashlib alone, as test_digest_follows_the_documented_recipe)."""
    shutil.copytree(MINIMAL, tmp_path / "plans")
    folder = tmp_path / "plans"
    files = ["manifests/deployment.yaml", "manifests/hpa.yaml", "manifests/traffic.csv"]
    lf = {f: (MINIMAL / f).read_bytes() for f in files + ["minimal.yaml"]}
    assert all(b"\r" not in data for data in lf.values())
    for name, data in lf.items():
        (folder / name).write_bytes(data.replace(b"\n", b"\r\n"))
    data = yaml.safe_load(lf["minimal.yaml"])
    plan_sha = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    lines = [json.dumps(["file", f, hashlib.sha256(lf[f]).hexdigest()]) for f in files]
    lines.append(json.dumps(["plan", "plan", plan_sha]))
    text = "infra_toolkit plan digest 1\n" + "\n".join(sorted(lines)) + "\n"
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert plan_digest(read_plan(folder / "minimal.yaml"), pricing_tables=[]) == expected


@pytest.mark.parametrize(("content", "hashed"), [
    (b"a,b\r\n1,2\r\n", b"a,b\n1,2\n"),  # CR LF read as LF
    (b"a,b\r1,2\n", b"a,b\r1,2\n"),  # a lone CR is a byte like any other
    (b"a,b\r\r\n", b"a,b\r\n"),  # only the CR right before the LF goes
    # a CR LF split between the 1 MiB blocks the file is read in
    (b"x" * ((1 << 20) - 1) + b"\r\n" + b"y\r\n", b"x" * ((1 << 20) - 1) + b"\ny\n"),
    (b"x" * ((1 << 20) - 1) + b"\r", b"x" * ((1 << 20) - 1) + b"\r"),  # a CR at the very end
])
def test_a_covered_file_is_hashed_with_crlf_as_lf(tmp_path: Path, content: bytes,
                                                   hashed: bytes) -> None:
    table = tmp_path / "t.csv"
    table.write_bytes(content)
    inputs = digest_inputs(read_plan(MINIMAL / "minimal.yaml"), [table])
    assert [i.sha256 for i in inputs if i.kind == "pricing"] == [
        hashlib.sha256(hashed).hexdigest()]
