"""``infra-toolkit cost`` and ``infra-toolkit pricing show``: arguments mapped to the library,
the three formats, and a missing price that is printed as a flagged line and exits 1."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.cli import main
from tests.conftest import REPO_ROOT, SHIPPED_USD_TABLES, shipped_tables_sha256
from tests.cost_helpers import total_line

DATA = Path(__file__).parent / "data" / "cost"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table_output_with_every_line_and_the_total(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cost", str(DATA / "seed_proposed.yaml"))
    assert code == 0
    # hand sums in tests/test_cost.py::test_seed_proposed_architecture
    assert "TOTAL $441.70 per month (730 hours)" in out
    assert "  Instance usage (Linux/UNIX, on-demand, t3.medium)" in out
    assert "other_services_2026-05-03.csv  sha256:" in out


def test_json_output_has_components_with_monthly_usd_and_the_total(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cost", str(DATA / "seed_proposed.yaml"), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["complete"] is True and doc["missing_prices"] == []
    assert doc["total_monthly_usd"] == 441.70
    eks = next(c for c in doc["components"] if c["name"] == "EKS cluster")
    # other_services us-east-1 AmazonEKS eks_cluster_hour_standard_support 0.1 x 730
    assert (eks["monthly_usd"], eks["unit_price_usd"], eks["monthly_quantity"]) == (73.0, 0.1, 730)
    assert eks["price_source"]["table"] == "other_services_2026-05-03.csv"
    assert eks["price_source"]["key"] == ["us-east-1", "AmazonEKS",
                                          "eks_cluster_hour_standard_support", ""]
    # the t3.medium node group's and the two db.t3.medium instances' CPU credits lines have no
    # usage given (T3 runs Unlimited by default; RDS T3 always): no figure, left out of the sum
    credits = [c for c in doc["components"] if c["name"] == "CPU credits"]
    assert [(c["resource"], c["monthly_usd"]) for c in credits] == [
        ("aws_eks_node_group.general", None), ("aws_db_instance.db", None),
        ("aws_db_instance.replica", None)]
    assert round(sum(c["monthly_usd"] for c in doc["components"] if c not in credits),
                 2) == 441.70
    assert [t["name"] for t in doc["pricing_tables"]] == list(SHIPPED_USD_TABLES)


def test_csv_output_one_row_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cost", str(DATA / "seed_current.yaml"), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert [r["component"] for r in rows] == [
        "Instance usage (Linux/UNIX, on-demand, t3.medium)",
        "CPU credits",  # T3 runs Unlimited by default; usage not given: no figure
        "root_block_device: Storage (general purpose SSD, gp3)",
        "Database instance (on-demand, Single-AZ, db.t3.small)",
        "CPU credits",  # RDS runs db.t3 in Unlimited mode; usage not given: no figure
        "Storage (general purpose SSD, gp3)", ""]
    assert {(rows[i]["monthly_cost_usd"], rows[i]["status"]) for i in (1, 4)} == {
        ("", "usage unknown")}
    # 0.0416 x 730 = 30.368 -> 30.37 in cents, as the table and JSON show it (before: 30.3680)
    assert rows[0]["monthly_cost_usd"] == "30.37"
    # a TOTAL row as a plan's CSV has (before: none): 30.368 + 0.08 x 30 + 0.036 x 730
    # + 0.115 x 20 = 30.368 + 2.40 + 26.28 + 2.30 = 61.348 -> 61.35
    assert (rows[-1]["resource"], rows[-1]["monthly_cost_usd"], rows[-1]["status"]) == (
        "TOTAL", "61.35", "priced")


def test_csv_quantities_and_table_unit_prices_are_written_one_way(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # N-13 / N-14: 15000.0 GB from YAML was split into "10240" and "4760.0"; the table said
    # "$0.1" where the report says "$0.10"
    (tmp_path / "r.yaml").write_text(
        "region: us-east-1\nresources:\n  - type: aws_data_transfer\n    name: out\n"
        "    usage: {monthly_outbound_internet_gb: 15000.0}\n"
        "  - type: aws_ebs_volume\n    name: v\n    size: 2e2\n")
    _, out, _ = run(capsys, "cost", str(tmp_path / "r.yaml"), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    # 15000 GB = 10240 (first 10 TB at $0.09) + 4760 (next 40 TB at $0.085); 200 GB gp2 at $0.1
    assert [(r["monthly_quantity"], r["unit_price_usd"]) for r in rows[:-1]] == [
        ("10240", "0.09"), ("4760", "0.085"), ("200", "0.1")]
    _, table, _ = run(capsys, "cost", str(tmp_path / "r.yaml"))
    gp2 = next(x for x in table.splitlines() if "gp2" in x)
    # 200 x $0.10 = $20.00
    assert gp2.split()[-6:-3] == ["$0.10", "$20.00", "other_services_2026-05-03.csv"]


def test_every_format_names_each_lines_price_row(capsys: pytest.CaptureFixture[str]) -> None:
    # the README's "monthly cost, with the price table rows": the table too, not only its files
    source = "ec2_on_demand_2026-07-20.csv line 1263: us-east-1/t3.medium"
    _, table, _ = run(capsys, "cost", str(DATA / "seed_current.yaml"))
    line = next(x for x in table.splitlines() if "on-demand, t3.medium" in x)
    assert line.split("  ")[-1] == source and "$30.37" in line
    assert table.splitlines()[0].split()[-2:] == ["PRICE", "SOURCE"]
    _, out, _ = run(capsys, "cost", str(DATA / "seed_current.yaml"), "--format", "csv")
    assert next(csv.DictReader(io.StringIO(out)))["price_source"] == source
    _, out, _ = run(capsys, "cost", str(DATA / "seed_current.yaml"), "--format", "json")
    assert json.loads(out)["components"][0]["price_source"]["ref"] == source


def test_a_missing_price_csv_total_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cost", str(DATA / "eu_west_1.yaml"), "--format", "csv")
    total = list(csv.DictReader(io.StringIO(out)))[-1]
    assert code == 1
    assert (total["resource"], total["status"]) == ("TOTAL", "INCOMPLETE: price not found")


def test_compare_json_gives_current_proposed_and_delta(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    code, out, _ = run(capsys, "cost", str(DATA / "seed_proposed.yaml"), "--compare",
                       str(DATA / "seed_current.yaml"), "--format", "json")
    doc = json.loads(out)
    assert code == 0
    # 441.70 - 61.35 (hand sums in tests/test_cost.py)
    assert (doc["total_monthly_usd"], doc["current_total_monthly_usd"],
            doc["delta_monthly_usd"]) == (441.70, 61.35, 380.35)
    storage = next(c for c in doc["components"] if c["resource"] == "aws_db_instance.db"
                   and c["name"] == "Storage (general purpose SSD, gp3)")
    assert (storage["current_monthly_usd"], storage["monthly_usd"],
            storage["delta_monthly_usd"]) == (2.30, 23.00, 20.70)


def test_compare_table_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cost", str(DATA / "seed_proposed.yaml"), "--compare",
                       str(DATA / "seed_current.yaml"))
    assert code == 0
    assert total_line(out).split() == ["TOTAL", "$61.35", "$441.70", "+$380.35"]
    code, out, _ = run(capsys, "cost", str(DATA / "seed_proposed.yaml"), "--compare",
                       str(DATA / "seed_current.yaml"), "--format", "csv")
    assert out.splitlines()[0] == ("resource,component,unit,current_monthly_usd,"
                                   "proposed_monthly_usd,delta_monthly_usd,status")
    # cents, as the table above (before: the exact 61.3480 / 441.7040 / 380.3560)
    assert out.splitlines()[-1] == "TOTAL,,,61.35,441.70,380.35,priced"


def test_a_missing_price_is_printed_flagged_and_exits_1(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    code, out, _ = run(capsys, "cost", str(DATA / "eu_west_1.yaml"))
    assert code == 1
    assert "PRICE NOT FOUND" in out
    assert "INCOMPLETE: 3 price(s) not found, left out of the total" in out
    assert ("aws_eks_node_group.general / Instance usage (Linux/UNIX, on-demand, m5.large): no "
            "AmazonEC2 instance on-demand price for region=eu-west-1") in out
    code, out, _ = run(capsys, "cost", str(DATA / "eu_west_1.yaml"), "--format", "json")
    doc: dict[str, Any] = json.loads(out)
    assert code == 1 and doc["complete"] is False and len(doc["missing_prices"]) == 3
    assert all(c["monthly_usd"] is None for c in doc["components"])


# what the shipped tables say of a region they lack, per table (pricing_fixes.region_fix)
_OWN = ("or add a rate to an overrides file or the row to a table of your own (cost "
        "--pricing-overrides / --pricing-table; in a plan, pricing.overrides / pricing.tables; "
        "see pricing_data/README.md)")
_OTHER_EU = ("other_services_2026-05-03.csv: region 'eu-west-1' is not priced; regions with this "
             "price: us-east-1. Refresh the table for your region (infra-toolkit pricing refresh "
             f"--other-services --region eu-west-1) {_OWN}")
_EC2_EU = ("ec2_on_demand_2026-07-20.csv: region 'eu-west-1' is not priced; regions with this "
           "price: us-east-1, us-gov-east-1, us-gov-west-1. Refresh the table for your region "
           f"(infra-toolkit pricing refresh --service AmazonEC2 --region eu-west-1) {_OWN}")


def test_each_reason_a_price_is_missing_is_printed_once_as_a_note_the_lines_point_to(
        capsys: pytest.CaptureFixture[str]) -> None:
    # cost17: a plan moved to eu-west-1 printed the same ~500-character reason and fix on each
    # of its 16 unpriced lines. Here: 2 of 3 lines miss an other_services row (the EKS cluster,
    # the nodes' gp2 disks), 1 an ec2_on_demand row: 2 notes, in the order the lines come.
    code, out, _ = run(capsys, "cost", str(DATA / "eu_west_1.yaml"))
    assert code == 1
    rows = out.splitlines()
    assert [r.split("  ")[-1] for r in rows if "PRICE NOT FOUND" in r and r.startswith("  ")] == \
        ["note [1]", "note [2]", "note [1]"]
    start = rows.index("TOTAL $0.00 per month (730 hours) -- INCOMPLETE: 3 price(s) not found, "
                       "left out of the total:")
    assert rows[start + 1:start + 6] == [
        "  aws_eks_cluster.main / EKS cluster: no AmazonEKS eks_cluster_hour_standard_support "
        "price for region=eu-west-1, service=AmazonEKS, item_id=eks_cluster_hour_standard_support"
        " (note [1])",
        "  aws_eks_node_group.general / Instance usage (Linux/UNIX, on-demand, m5.large): no "
        "AmazonEC2 instance on-demand price for region=eu-west-1, instance_type=m5.large "
        "(note [2])",
        "  aws_eks_node_group.general / Storage (general purpose SSD, gp2): no AmazonEC2 "
        "ebs_gp2_storage price for region=eu-west-1, service=AmazonEC2, item_id=ebs_gp2_storage "
        "(note [1])",
        f"  note [1]: {_OTHER_EU}",
        f"  note [2]: {_EC2_EU}"]
    assert out.count("is not priced") == 2
    # JSON and CSV keep each line's whole message: a machine reader needs it per line
    code, out, _ = run(capsys, "cost", str(DATA / "eu_west_1.yaml"), "--format", "json")
    doc: dict[str, Any] = json.loads(out)
    assert [m["message"] for m in doc["missing_prices"]] == [
        "no AmazonEKS eks_cluster_hour_standard_support price for region=eu-west-1, "
        f"service=AmazonEKS, item_id=eks_cluster_hour_standard_support in {_OTHER_EU}",
        "no AmazonEC2 instance on-demand price for region=eu-west-1, instance_type=m5.large in "
        f"{_EC2_EU}",
        "no AmazonEC2 ebs_gp2_storage price for region=eu-west-1, service=AmazonEC2, "
        f"item_id=ebs_gp2_storage in {_OTHER_EU}"]
    code, out, _ = run(capsys, "cost", str(DATA / "eu_west_1.yaml"), "--format", "csv")
    messages = [r["price_not_found"] for r in csv.DictReader(io.StringIO(out))
                if r["resource"] != "TOTAL"]
    assert messages == [m["message"] for m in doc["missing_prices"]]


def test_the_total_names_the_lines_whose_usage_is_not_given_as_the_report_does(
        capsys: pytest.CaptureFixture[str]) -> None:
    # cost17: the report's totals said "(not counting N line(s) whose usage the plan does not
    # give: ...)", cost's TOTAL nothing. seed_proposed has 3 burstable lines (t3 nodes, two
    # db.t3 instances) without usage.monthly_cpu_credit_hrs.
    _, out, _ = run(capsys, "cost", str(DATA / "seed_proposed.yaml"))
    assert total_line(out) == (
        "TOTAL $441.70 per month (730 hours) (not counting 3 line(s) whose usage the plan does "
        "not give: aws_eks_node_group.general / CPU credits; aws_db_instance.db / CPU credits; "
        "aws_db_instance.replica / CPU credits)")
    _, out, _ = run(capsys, "cost", str(DATA / "seed_proposed.yaml"), "--compare",
                    str(DATA / "seed_current.yaml"))
    notes = [r for r in out.splitlines() if r.startswith("note: ") and " total (" in r]
    assert notes == [
        # seed_current: a t3 instance and a db.t3 instance
        "note: current total (not counting 2 line(s) whose usage the plan does not give: "
        "aws_instance.app / CPU credits; aws_db_instance.db / CPU credits)",
        "note: proposed total (not counting 3 line(s) whose usage the plan does not give: "
        "aws_eks_node_group.general / CPU credits; aws_db_instance.db / CPU credits; "
        "aws_db_instance.replica / CPU credits)"]


def test_region_option_replaces_the_files_region(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cost", str(DATA / "seed_current.yaml"), "--region",
                       "us-gov-west-1", "--format", "json")
    doc = json.loads(out)
    ec2 = doc["components"][0]
    # ec2_on_demand us-gov-west-1,t3.medium,0.0488: x 730 = 35.624 -> 35.62
    assert (ec2["region"], ec2["monthly_usd"]) == ("us-gov-west-1", 35.62)
    assert code == 1  # GovCloud EBS / RDS storage rows are a known gap: flagged


def test_a_plan_priced_in_a_region_no_table_prices_is_refused_up_front(
        capsys: pytest.CaptureFixture[str]) -> None:
    # before: exit 1 with every line PRICE NOT FOUND; 'us-est-1' is one letter from two regions
    code, out, err = run(capsys, "cost", str(REPO_ROOT / "plans" / "ecommerce-eks.yaml"),
                         "--region", "us-est-1")
    assert (code, out) == (2, "")
    assert err.strip() == (
        "error: --region 'us-est-1': no pricing table or rate prices that region; did you mean "
        "'us-east-1' or 'us-west-1'?; pass a region code a table or rate prices, or leave "
        "--region out to price each resource in its own region; if it is a region the tables "
        "lack, "
        "price it with `infra-toolkit pricing refresh --service AmazonEC2 --region us-est-1` "
        "(and the other services it uses) or with rates in an overrides file "
        "(pricing_data/README.md)")


def test_overrides_reach_the_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    overrides = tmp_path / "o.yaml"
    overrides.write_text("version: 1\ndiscounts_pct: {AmazonRDS: 50}\n")
    code, out, _ = run(capsys, "cost", str(DATA / "seed_current.yaml"), "--pricing-overrides",
                       str(overrides), "--format", "json")
    doc = json.loads(out)
    # 30.368 + 2.40 + (26.28 + 2.30) x 0.5 = 47.058 -> 47.06
    assert code == 0 and doc["total_monthly_usd"] == 47.06
    assert doc["pricing_tables"][-1]["name"] == "o.yaml"


def test_count_prices_n_instances_each_with_its_root_volume(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "web.yaml"
    path.write_text("region: us-east-1\nresources:\n"
                    "  - {type: aws_instance, name: web, instance_type: t3.medium, count: 6}\n")
    code, out, _ = run(capsys, "cost", str(path), "--format", "json")
    doc = json.loads(out)
    # ec2_on_demand_2026-07-20.csv line 1263: us-east-1 t3.medium 0.0416 USD/h;
    # other_services_2026-05-03.csv line 14: gp2 0.1 USD/GB-month, 8 GB root volume each.
    # 6 x 0.0416 x 730 = 182.208 -> $182.21; 6 x 8 x 0.10 = $4.80; 182.208 + 4.80 = $187.01
    assert code == 0 and doc["total_monthly_usd"] == 187.01
    hours = [c for c in doc["components"] if c["name"].startswith("Instance usage")]
    assert [c["resource"] for c in hours] == [f"aws_instance.web[{i}]" for i in range(6)]
    assert [c["monthly_usd"] for c in hours] == [30.37] * 6  # 0.0416 x 730 = 30.368
    code, out, _ = run(capsys, "cost", str(path))
    assert "aws_instance.web[5]\n" in out and "TOTAL $187.01 per month" in out


def test_a_larger_count_adds_the_new_addresses(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    for n in (2, 3):
        (tmp_path / f"web{n}.yaml").write_text(
            "region: us-east-1\nresources:\n  - {type: aws_instance, name: web, "
            f"instance_type: t3.medium, count: {n}}}\n")
    code, out, _ = run(capsys, "cost", str(tmp_path / "web3.yaml"), "--compare",
                       str(tmp_path / "web2.yaml"), "--format", "json")
    doc = json.loads(out)
    # one instance: 0.0416 x 730 = 30.368 + 8 GB x 0.10 = 31.168; 2 -> 62.336 = $62.34,
    # 3 -> 93.504 = $93.50; the delta of the printed totals: 93.50 - 62.34 = $31.16
    assert code == 0 and (doc["current_total_monthly_usd"], doc["total_monthly_usd"],
                          doc["delta_monthly_usd"]) == (62.34, 93.50, 31.16)
    added = [c for c in doc["components"] if c["resource"] == "aws_instance.web[2]"]
    assert [(c["current_monthly_usd"], c["monthly_usd"]) for c in added] == [
        (0.0, 30.37), (0.0, None), (0.0, 0.80)]  # CPU credits: usage not given


@pytest.mark.parametrize(("text", "match"), [
    ("resources:\n  - {type: aws_eks_node_group, name: general, instance_types: [t3.medium], "
     "scaling_config: {desired_size: 1, min_size: 1, max_size: 2}, count: 2}\n",
     "resources[0].count: 2: aws_eks_node_group.general cannot have a count: the plan "
     "simulates, places and prices node groups by name"),
    ("resources:\n  - {type: aws_instance, name: vm, instance_type: t3.medum}\n",
     ("resources[0].instance_type: 't3.medum' is not a known EC2 instance type; did you mean "
     "'t3.medium'")),
    ("resources: [\n", "bad.yaml:2: YAML syntax error"),
])
def test_bad_input_is_one_error_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           text: str, match: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "cost", str(path), "--region", "us-east-1")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and match in err and "Traceback" not in err


def test_pricing_show_lists_the_tables_with_sha256(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pricing", "show")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == ["ec2_on_demand_2026-07-20.csv", "ec2_instance_specs_2026-08-06.csv",
                     "rds_on_demand_2026-05-03.csv", "elasticache_on_demand_2024-08-09.csv",
                     "other_services_2026-05-03.csv", "elb_lcu_dimensions_2026-09-20.csv",
                     "ec2_burstable_credits_2026-11-27.csv"]
    assert "rows=2686  sha256=" in out


def test_table_output_matches_the_golden_file(capsys: pytest.CaptureFixture[str]) -> None:
    """The whole printed table for the seed's proposed architecture. After a deliberate change
    (a table refresh changes the SHA-256 lines), review the diff and rewrite the file with
    ``INFRA_TOOLKIT_UPDATE_GOLDEN=1 pytest tests/test_cost_cli.py``."""
    golden = DATA / "seed_proposed.golden.txt"
    _, out, _ = run(capsys, "cost", str(DATA / "seed_proposed.yaml"))
    if os.environ.get("INFRA_TOOLKIT_UPDATE_GOLDEN") == "1":
        golden.write_text(out)
    assert out == golden.read_text()


# Each line of the golden file by hand (tests/test_cost.py::test_seed_proposed_architecture
# works out the same resources): (component, monthly quantity, unit price, monthly cost).
SEED_PROPOSED_BY_HAND = [
    ("EKS cluster", "730", "0.10", "73.00"),  # 0.1 x 730
    ("Instance usage (Linux/UNIX, on-demand, t3.medium)", "2,190", "0.0416", "91.10"),
    # 3 x 730 = 2190 h x 0.0416 = 91.104; 3 nodes x 20 GB = 60 GB x 0.1 = 6.00
    ("Storage (general purpose SSD, gp2)", "60", "0.10", "6.00"),
    ("Instance usage (Linux/UNIX, on-demand, c5.large)", "0", "0.085", "0.00"),  # 0 nodes
    ("Storage (general purpose SSD, gp2)", "0", "0.10", "0.00"),
    ("Application load balancer", "730", "0.0225", "16.43"),  # 16.425, half up
    # max(10/25, 600/3000, 0.2/1) = 0.4 LCU x 730 = 292 LCU-hours x 0.008 = 2.336
    ("Load balancer capacity units", "292", "0.008", "2.34"),
    ("Database instance (on-demand, Multi-AZ, db.t3.medium)", "730", "0.145", "105.85"),
    ("Storage (general purpose SSD, gp3)", "100", "0.23", "23.00"),
    ("Database instance (on-demand, Single-AZ, db.t3.medium)", "730", "0.072", "52.56"),
    ("Storage (general purpose SSD, gp3)", "100", "0.115", "11.50"),
    ("ElastiCache (on-demand, cache.t3.micro)", "1,460", "0.017", "24.82"),  # 2 x 730 h
    ("NAT gateway", "730", "0.045", "32.85"),
    ("Data processed", "50", "0.045", "2.25"),
]


def test_the_golden_files_figures_are_the_hand_sums_and_the_cited_rows() -> None:
    """The golden file is rewritten from the command's own output on request, so its figures
    are checked here against the hand sums, the rows it cites (read as plain CSV) and the
    tables' bytes (hashlib): a refresh cannot bless a wrong number."""
    text = (DATA / "seed_proposed.golden.txt").read_text()
    lines = [ln for ln in text.splitlines() if ln.startswith("  ") and " line " in ln
             and "depends on usage" not in ln]
    # the t3.medium group's and the two db.t3.medium instances' CPU credits: no usage given,
    # so no figure (T3 is Unlimited; RDS runs db.t3 Unlimited)
    assert [ln.split()[:3] for ln in text.splitlines() if "depends on usage" in ln] == [
        ["CPU", "credits", "-"]] * 3
    got = []
    for line in lines:
        component, rest = line[2:].split("  ", 1)
        quantity, _unit, price, cost, table, _line, number, key = rest.split(None, 7)
        got.append((component, quantity, price.lstrip("$"), cost.lstrip("$")))
        # the cited row, read without the library, holds the key and the unit price shown
        with (REPO_ROOT / "pricing_data" / table).open(newline="") as fh:
            header, *rows = list(csv.reader(fh))
        row = dict(zip(header, rows[int(number.rstrip(":")) - 2], strict=True))
        parts = key.split("/")
        assert parts == [row[column] for column in header[:len(parts)]], (line, row)
        assert Decimal(row.get("usd_per_hour") or row["usd_per_unit"]) == \
            Decimal(price.lstrip("$")), (line, row)
    assert got == SEED_PROPOSED_BY_HAND
    # 73 + 91.10 + 6 + 0 + 0 + 16.43 + 2.34 + 105.85 + 23 + 52.56 + 11.50 + 24.82 + 32.85 + 2.25
    assert sum(Decimal(c) for *_, c in SEED_PROPOSED_BY_HAND) == Decimal("441.70")
    assert "TOTAL $441.70 per month (730 hours)" in text
    hashes = [ln.split() for ln in text.splitlines() if "  sha256:" in ln]
    assert [(name, digest.removeprefix("sha256:")) for name, digest in hashes] == \
        shipped_tables_sha256()


@pytest.mark.parametrize(("argv", "expected"), [
    (["--instance-type", "t3.medium"],
     "$0.0416 per hour  (ec2_on_demand_2026-07-20.csv line 1263: us-east-1/t3.medium)"),
    (["--instance-class", "db.t3.medium", "--engine", "PostgreSQL", "--deployment", "multi-az"],
     "$0.145 per hour  (rds_on_demand_2026-05-03.csv line"),
    (["--node-type", "cache.t3.micro", "--engine", "Redis"], "$0.017 per hour"),
    (["--item-id", "nat_gateway_data_processed", "--service", "AmazonEC2"], "$0.045 per GB"),
])
def test_pricing_lookup_prints_the_price_and_its_row(capsys: pytest.CaptureFixture[str],
                                                     argv: list[str], expected: str) -> None:
    code, out, _ = run(capsys, "pricing", "lookup", "--region", "us-east-1", *argv)
    assert code == 0 and out.startswith(expected)


def test_pricing_lookup_of_a_typo_lists_the_nearest_keys(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    code, _, err = run(capsys, "pricing", "lookup", "--region", "us-east-1",
                       "--instance-type", "t3.medum")
    assert code == 2
    assert "nearest instance_type: t3.medium, t3a.medium" in err


@pytest.mark.parametrize(("argv", "message"), [
    (["--item-id", "alb_lcu"], "--item-id needs --service, e.g. --service AmazonEKS"),
    (["--node-type", "cache.t3.micro"], "--node-type needs --engine, e.g. --engine Redis"),
    (["--instance-class", "db.t3.medium"],
     "--instance-class needs --engine, e.g. --engine PostgreSQL"),
    # fuzz20: a flag the key does not take was ignored, the EC2 row printed as if it applied
    (["--instance-type", "t3.medium", "--engine", "x"],
     "--engine qualifies --instance-class or --node-type, not --instance-type; leave it out"),
    (["--node-type", "cache.t3.micro", "--engine", "Redis", "--deployment", "multi-az"],
     "--deployment qualifies --instance-class, not --node-type; leave it out"),
    (["--instance-type", "t3.medium", "--service", "AmazonEC2"],
     "--service qualifies --item-id, not --instance-type; leave it out"),
])
def test_pricing_lookup_without_the_flag_a_key_needs_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    # before: a lookup of service '' / engine '' and "not found ... nearest service: ..."
    with pytest.raises(SystemExit) as exited:
        main(["pricing", "lookup", "--region", "us-east-1", *argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: infra-toolkit pricing lookup")
    assert err.endswith(f"infra-toolkit pricing lookup: error: {message}\n")


def test_a_column_whose_printed_lines_miss_its_total_says_why(
        capsys: pytest.CaptureFixture[str]) -> None:
    # search-api, CURRENT as printed: EKS 73.00 + m5.large 560.64 + gp2 40.00 + NLB 16.43
    # (0.0225 USD/h x 730 h = 16.425, half up) + LCU 17.96 + egress 255.60 = 963.63, while
    # TOTAL rounds the exact sum once: 963.62 (audit5 A5-9). PROPOSED likewise 1,449.31 vs
    # 1,449.30. DELTA: 1,449.31 - 963.63 = 485.68 = 1,449.30 - 963.62, so it adds up.
    assert main(["cost", str(REPO_ROOT / "plans" / "search-api.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [ln for ln in out if ln.startswith("note: lines are rounded")] == [
        "note: lines are rounded to the cent and each TOTAL is the exact sum rounded once, so "
        "the printed lines can differ from it by a few cents: CURRENT lines add up to $963.63 "
        "against TOTAL $963.62; PROPOSED lines add up to $1,449.31 against TOTAL $1,449.30"]


def test_columns_that_add_up_as_printed_carry_no_rounding_note(
        capsys: pytest.CaptureFixture[str]) -> None:
    # ecommerce-eks as printed: CURRENT 30.37 + 2.40 + 26.28 + 5.75 + 45.00 = 109.80 (exact
    # 30.368 + 2.40 + 26.28 + 5.75 + 45.00 = 109.798 -> 109.80); PROPOSED 105.85 + 23.00 + 45.00
    # + 6.00 + 73.00 + 91.10 + 4.80 + 16.43 + 4.09 + 32.85 + 9.00 + 52.56 + 11.50 + 24.82
    # = 500.00 = TOTAL
    assert main(["cost", str(REPO_ROOT / "plans" / "ecommerce-eks.yaml")]) == 0
    out = capsys.readouterr().out
    assert "$109.80   $500.00  +$390.20" in out and "rounded once" not in out


def test_compare_table_names_the_pricing_tables_of_both_sides(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # audit20 A20-18: a user's table changes prices, so the comparison must say which files
    # priced it; the SHA-256 here is computed from the file's bytes, not by the toolkit
    own = tmp_path / "my_rates.csv"
    own.write_bytes((REPO_ROOT / "pricing_data" / SHIPPED_USD_TABLES[0]).read_bytes())
    code, out, _ = run(capsys, "cost", str(DATA / "seed_proposed.yaml"), "--compare",
                       str(DATA / "seed_current.yaml"), "--pricing-table", str(own))
    lines = out.splitlines()
    assert code == 0
    assert lines[lines.index("pricing tables:") + 1:] == [
        *[f"  {name}  sha256:{sha}" for name, sha in shipped_tables_sha256()],
        f"  my_rates.csv  sha256:{hashlib.sha256(own.read_bytes()).hexdigest()}"]


@pytest.mark.parametrize("plan", [False, True])
def test_cost_warns_of_a_discount_that_reads_as_a_fraction(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], plan: bool) -> None:
    # audit21 A21-3: A20-20's warning (0.1 in discounts_pct is 0.1 %, likely 10 % meant) was
    # given by validate and the report only; cost, where a discount is tried first, said nothing
    overrides = tmp_path / "ov.yaml"
    overrides.write_text("version: 1\ndiscounts_pct: {AmazonEC2: 0.1, AmazonRDS: 5}\n")
    target = (REPO_ROOT / "plans" / "ecommerce-eks.yaml") if plan else (
        DATA / "seed_current.yaml")
    code, _, err = run(capsys, "cost", str(target), "--pricing-overrides", str(overrides))
    assert code == 0
    assert (f"warning: {overrides}: discounts_pct.AmazonEC2: 0.1 takes 0.1 % off list price "
            "(discounts_pct is in percent); if you meant 10 %, write 10") in err.splitlines()
    assert "AmazonRDS" not in err  # 5 % is a percent


def test_an_overrides_file_given_as_the_file_to_price_says_where_it_goes(
        capsys: pytest.CaptureFixture[str]) -> None:
    # fuzz20: read as a plan (it has `version`), it listed 12 missing plan sections and
    # "rates: unknown key", never that it is an overrides file for --pricing-overrides
    path = str(REPO_ROOT / "tests" / "data" / "author19b" / "overrides.yaml")
    code, _, err = run(capsys, "cost", path)
    assert code == 2
    assert err == (f"error: {path}: a pricing overrides file (discounts_pct / rates), not a "
                   f"resources file or a plan; give it to one: cost RESOURCES.yaml "
                   f"--pricing-overrides {path}, or a plan's pricing.overrides\n")
