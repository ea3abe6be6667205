"""Non-plan inputs a mutation fuzzer (fuzz27) found misread or crashing: traffic CSVs, pricing
tables and overrides, manifests, approval-store inputs. Each is one error naming the file, the
field and the fix, or the number the file means, never a traceback or a silently wrong value."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from infra_toolkit.approval_records import RecordKind
from infra_toolkit.approval_store import open_store
from infra_toolkit.approval_writes import sign_off, submit
from infra_toolkit.eksctl_config import read_cluster_config
from infra_toolkit.errors import ApprovalError, PricingError, SpecError, TrafficError
from infra_toolkit.hpa_yaml import read_hpa_yaml
from infra_toolkit.karpenter_manifests import read_node_pools
from infra_toolkit.manifests import read_deployment_yaml
from infra_toolkit.pricing_overrides import read_overrides
from infra_toolkit.pricing_tables import read_price_table
from infra_toolkit.traffic_csv import read_traffic_csv
from infra_toolkit.traffic_csv_write import traffic_csv_text
from tests.approval_helpers import at, subject
from tests.test_plan_node_pools import NODE_POOLS

REPO = Path(__file__).resolve().parents[1]
HPA = (REPO / "tests" / "data" / "hpa" / "minimal.yaml").read_text()
DEPLOYMENT = (REPO / "tests" / "data" / "plans" / "manifests" / "deployment.yaml").read_text()
EKSCTL = (REPO / "tests" / "data" / "manifests_corpus" / "eksctl_26_managed_spot.yaml").read_text()


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "day.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("header", ["timestamp,requests_per_second,requests_per_second",
                                    "timestamp,requests_per_second,timestamp"])
def test_a_traffic_column_named_twice_is_refused(tmp_path: Path, header: str) -> None:
    # before: the first column of the name was read and the second silently ignored
    twice = header.split(",")[2]
    path = _csv(tmp_path, f"{header}\n0,1,999\n60,2,999\n")
    with pytest.raises(TrafficError, match=re.escape(
            f"{path} line 1: column {twice!r} is in the header 2 times (columns "
            f"{1 if twice == 'timestamp' else 2}, 3); keep one and rename or delete the others")):
        read_traffic_csv(path)


def test_a_field_over_the_csv_limit_names_its_line(tmp_path: Path) -> None:
    # before: _csv.Error: field larger than field limit (131072), a traceback
    path = _csv(tmp_path, "timestamp,requests_per_second\n0," + "1" * 200_000 + "\n60,1\n")
    with pytest.raises(TrafficError, match=re.escape(
            f"{path} line 2: not a readable CSV row (field larger than field limit (131072)); "
            "check the file is `timestamp,requests_per_second` text and that every quote (\") "
            "is closed")):
        read_traffic_csv(path)


def test_a_quote_that_never_closes_names_the_line_it_opens(tmp_path: Path) -> None:
    # before: line 4 "is not a number", quoting the rest of the file as the rate
    path = _csv(tmp_path, 'timestamp,requests_per_second\n0,1\n60,"2\n120,3\n')
    with pytest.raises(TrafficError, match=re.escape(
            f"{path} line 3: a quoted cell of this row runs on to line 4; close its quote (\") "
            "on the line it opens")):
        read_traffic_csv(path)


@pytest.mark.parametrize("zero", ["-0", "-0.0", "-0e5"])
def test_a_negative_zero_rate_is_zero(tmp_path: Path, zero: str) -> None:
    # before: the curve held -0.0 and a written curve printed it as "-0.0"
    path = _csv(tmp_path, f"timestamp,requests_per_second\n0,{zero}\n60,2\n")
    curve = read_traffic_csv(path)
    assert not np.signbit(curve.rps[0])
    assert traffic_csv_text(curve) == "timestamp,requests_per_second\n0,0.0\n60,2.0\n"


_EC2 = "region,instance_type,usd_per_hour,source,as_of\n"
_SPECS = "instance_type,vcpu,memory_mib,max_pods_eni,arch,source,as_of\n"
_OTHER = ("region,service,item_id,description,unit,usd_per_unit,tier_start,tier_end,source,"
          "as_of\n")
_LCU = "load_balancer_type,protocol,dimension,per_lcu,unit,source,as_of\n"


def _table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "message"), [
    # before: each matched no rule and was read as a price or a spec
    (_EC2 + "us-east-1,m5.large,0.096,quote,2026-02-30\n",
     "line 2: column 'as_of': '2026-02-30' is not a YYYY-MM-DD date; write the day the price "
     "was read, like 2026-11-20"),
    (_EC2 + "us-east-1,m5.large,0.096,quote,\uff12\uff10\uff12\uff16-11-01\n",
     "line 2: column 'as_of': '\uff12\uff10\uff12\uff16-11-01' is not a YYYY-MM-DD date"),
    (_EC2.rstrip("\n") + ",usd_per_hour\nus-east-1,m5.large,0.096,quote,2026-11-01,0.5\n",
     "line 1: column 'usd_per_hour' is in the header 2 times; keep one and delete the others"),
    (_OTHER + "us-east-1,AWSDataTransfer,internet_out,out,GB,0.09,100,10,quote,2026-11-01\n",
     "line 2: column 'tier_end': '10' is not above tier_start (100); a tier covers tier_start "
     "up to tier_end (leave tier_end empty for the last tier)"),
    (_OTHER + "us-east-1,AWSDataTransfer,internet_out,out,GB,0.09,0,100,quote,2026-11-01\n"
     "us-east-1,AWSDataTransfer,internet_out,out,GB,0.08,0.0,,quote,2026-11-01\n",
     "line 3: duplicate key us-east-1/AWSDataTransfer/internet_out/0.0 (first at line 2); keep "
     "one row per key"),
    (_LCU + "application,HTTP,new_connections,0,new connections per second,quote,2026-11-01\n",
     "line 2: column 'per_lcu': '0' must be above 0: it is how much of the dimension one "
     "capacity unit holds"),
    # before: ValueError: Exceeds the limit (4300 digits) for integer string conversion
    (_SPECS + "m5.large," + "9" * 5000 + ",8192,29,amd64,quote,2026-11-01\n",
     # the value quoted as its first 60 digits and its length (errors.quoted)
     "line 2: column 'vcpu': '" + "9" * 60 + "'… (5,000 characters) is above 1,000,000,000, "
     "more than any instance has; write the instance's count, like 2"),
    # before: _csv.Error: field larger than field limit (131072)
    (_EC2 + 'us-east-1,m5.large,0.096,"' + "x" * 200_000 + '",2026-11-01\n',
     "line 2: not a readable CSV row (field larger than field limit (131072)); check that "
     "every quote (\") is closed"),
])
def test_a_bad_pricing_table_row_is_refused_at_its_line(tmp_path: Path, text: str,
                                                         message: str) -> None:
    path = _table(tmp_path, text)
    with pytest.raises(PricingError, match=re.escape(f"{path}: {message}")):
        read_price_table(path)


def test_a_negative_zero_price_is_zero(tmp_path: Path) -> None:
    # before: Decimal('-0') was kept, and a line priced from it printed as -0
    path = _table(tmp_path, _EC2 + "us-east-1,m5.large,-0,quote,2026-11-01\n")
    row = read_price_table(path)[2][("us-east-1", "m5.large")]
    assert str(row.amount) == "0"


@pytest.mark.parametrize("version", ["true", "1.0"])
def test_an_overrides_version_that_only_equals_1_is_refused(tmp_path: Path,
                                                             version: str) -> None:
    # before: True == 1 and 1.0 == 1 in Python, so both passed the version check
    path = tmp_path / "overrides.yaml"
    path.write_text(f"version: {version}\n", encoding="utf-8")
    shown = {"true": "True", "1.0": "1.0"}[version]
    with pytest.raises(PricingError, match=re.escape(f"{path}: version: {shown}; write "
                                                     "version: 1")):
        read_overrides(path)


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_hpa_whose_metadata_is_no_mapping_is_not_a_traceback(tmp_path: Path) -> None:
    # before: AttributeError: 'str' object has no attribute 'get' while listing the HPAs' names
    other = HPA.replace("metadata:\n  name: web\n  namespace: shop", "metadata: web")
    path = _yaml(tmp_path, HPA + "---\n" + other)
    with pytest.raises(SpecError, match=re.escape(
            f"{path} holds 2 HorizontalPodAutoscalers (web, None); pass name=NAME to choose "
            "one")):
        read_hpa_yaml(path)
    assert read_hpa_yaml(path, name="web").max_replicas == 10  # the one with a name


def test_a_deployment_whose_metadata_is_no_mapping_is_not_a_traceback(tmp_path: Path) -> None:
    path = _yaml(tmp_path, DEPLOYMENT.replace("metadata:\n  name: api", "metadata: api"))
    with pytest.raises(SpecError, match=re.escape(
            f"{path} holds no Deployment, StatefulSet or Rollout named 'api'; point to the "
            "Deployment")):
        read_deployment_yaml(path, name="api")


@pytest.mark.parametrize(("old", "new", "field"), [
    ("replicas: 2", "replicas: 99999999999", "spec.replicas"),
    ("initialDelaySeconds: 5", "initialDelaySeconds: 99999999999",
     "spec.template.spec.containers[0].readinessProbe.initialDelaySeconds"),
])
def test_a_deployment_integer_above_int32_is_refused(tmp_path: Path, old: str, new: str,
                                                      field: str) -> None:
    # before: read as 99,999,999,999 replicas (or seconds before the pod is ready)
    path = _yaml(tmp_path, DEPLOYMENT.replace(old, new))
    with pytest.raises(SpecError, match=re.escape(
            f"{field} (=99999999999) of Deployment 'api' in {path} is above 2,147,483,647, the "
            "largest int32 the API server takes; write the real number")):
        read_deployment_yaml(path)


@pytest.mark.parametrize("api", ["extensions/v1beta1", "apps/v1beta2", "1"])
def test_a_deployment_of_another_api_version_is_refused(tmp_path: Path, api: str) -> None:
    # before: read with apps/v1's defaults (rollingUpdate 25 %, not extensions/v1beta1's 1)
    path = _yaml(tmp_path, DEPLOYMENT.replace("apiVersion: apps/v1", f"apiVersion: '{api}'"))
    with pytest.raises(SpecError, match=re.escape(
            f"apiVersion {api!r} of Deployment 'api' in {path} is not apps/v1, the only "
            "Deployment API since Kubernetes 1.16; write apiVersion: apps/v1")):
        read_deployment_yaml(path)


def test_an_eksctl_key_written_twice_is_refused_at_its_line(tmp_path: Path) -> None:
    # before: the second maxSize (3) was read and the first (10) silently lost
    path = _yaml(tmp_path, EKSCTL.replace("  maxSize: 10\n", "  maxSize: 10\n  maxSize: 3\n"))
    line = EKSCTL.splitlines().index("  maxSize: 10") + 2  # 1-based, the second one
    with pytest.raises(SpecError, match=re.escape(
            f"{path}:{line}: managedNodeGroups[0].maxSize is written twice in the same mapping "
            "and YAML keeps only the last; delete one of them")):
        read_cluster_config(path)


def test_two_cluster_configs_in_one_file_are_refused(tmp_path: Path) -> None:
    # before: the first was read and the second's node groups silently dropped
    path = _yaml(tmp_path, EKSCTL + "---\n" + EKSCTL.replace("cluster-26", "cluster-27"))
    with pytest.raises(SpecError, match=re.escape(
            f"{path}: 2 ClusterConfig documents (documents 1, 2); eksctl reads one per file: "
            "keep one, or put each cluster in its own file")):
        read_cluster_config(path)


def test_a_manifest_that_is_not_utf8_says_how_to_save_it(tmp_path: Path) -> None:
    # before: "cannot read ...: 'utf-8' codec can't decode byte 0xff in position 0: ..."
    path = tmp_path / "nodepools.yaml"
    path.write_bytes(NODE_POOLS.encode("utf-16"))
    with pytest.raises(SpecError, match=re.escape(
            f"{path} is not UTF-8 text (byte 0xff at offset 0); save the file as UTF-8")):
        read_node_pools(path)


@pytest.mark.parametrize("group", ["karpenter.sh", "null"])
def test_a_node_class_ref_of_another_group_is_refused(tmp_path: Path, group: str) -> None:
    # before: any group (or none) was taken as the EC2NodeClass's
    text = NODE_POOLS.replace("TYPES", "c5.large").replace("group: karpenter.k8s.aws",
                                                           f"group: {group}")
    path = _yaml(tmp_path, text)
    shown = {"karpenter.sh": "'karpenter.sh'", "null": "None"}[group]
    with pytest.raises(SpecError, match=re.escape(
            f"{path}: NodePool/general.spec.template.spec.nodeClassRef.group: {shown} is not the "
            "EC2NodeClass API group; write group: karpenter.k8s.aws")):
        read_node_pools(path)


@pytest.mark.parametrize(("location", "message"), [
    # before: ValueError: Invalid IPv6 URL from urlsplit, a traceback (the password hidden)
    ("postgresql://u:secret@[::1/db",
     "approval store 'postgresql://u:***@[::1/db': not a valid URL (Invalid IPv6 URL); write "
     "postgresql://USER@HOST/DB, sqlite:///PATH or a file path"),
    # before: a store made as the file ':' of the working folder
    ("://", "approval store '://': a URL needs its scheme before ://; use a file path, "
            "sqlite:///PATH or postgresql://USER@HOST/DB"),
])
def test_a_malformed_store_url_is_refused(location: str, message: str) -> None:
    with pytest.raises(ApprovalError, match=re.escape(message)):
        open_store(location, create=True)


@pytest.mark.parametrize("location", ["~/approvals.sqlite", "$HOME/approvals.sqlite",
                                      "${HOME}/approvals.sqlite"])
def test_a_store_path_no_shell_expanded_is_refused(tmp_path: Path, location: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # before: submit created ./~/approvals.sqlite (or ./$HOME/...) in the working folder, a
    # store of its own for each folder, whose approvals the gate run elsewhere never saw
    monkeypatch.setenv("HOME", "/home/reviewer")
    monkeypatch.chdir(tmp_path)
    shown = location.split("/")[0]
    what = f"starts with {shown}" if location.startswith("~") else f"holds {shown}"
    with pytest.raises(ApprovalError, match=re.escape(
            f"approval store {location!r} {what}, which only a shell expands (the value was "
            "quoted, or set in a file): write the full path, e.g. "
            "/home/reviewer/approvals.sqlite")):
        open_store(location, create=True)
    assert list(tmp_path.iterdir()) == []  # nothing created


@pytest.mark.parametrize(("name", "reason"), [("a" * 300 + ".sqlite", "File name too long"),
                                              ("x\x00.sqlite", "a NUL byte in the path")])
def test_an_unusable_store_path_is_refused(tmp_path: Path, name: str, reason: str) -> None:
    # before: OSError (ENAMETOOLONG) from Path.exists, ValueError (NUL) from mkdir: tracebacks
    path = tmp_path / name
    with pytest.raises(ApprovalError, match=re.escape(
            f"approval store {str(path)!r}: not a usable file path ({reason}); pass the "
            "store's file path")):
        open_store(str(path), create=True)


@pytest.mark.parametrize(("field", "answers", "comment", "reviewer"), [
    ("answer 2", {1: "yes", 2: "on call: J\udce9r\udcf4me"}, "", "bob"),  # Jérôme in Latin-1
    ("the comment", {1: "yes", 2: "me"}, "r\udce9sum\udce9", "bob"),
    ("reviewer", {1: "yes", 2: "me"}, "", "b\udce9b"),
])
def test_text_that_is_not_utf8_is_refused_before_anything_is_recorded(
        tmp_path: Path, field: str, answers: dict[int, str], comment: str,
        reviewer: str) -> None:
    # Python decodes a command line's non-UTF-8 bytes to lone surrogates; before, hashing the
    # record raised UnicodeEncodeError from canonical_json, a traceback
    store = open_store(str(tmp_path / "approvals.sqlite"), create=True)
    plan = subject()
    submit(store, plan, requester="alice", at=at(0))
    with pytest.raises(ApprovalError, match=re.escape(
            f"{field} holds '\\udce9', which is not UTF-8 text (a byte of another encoding, e.g. "
            "Latin-1, in the terminal or the script?): write it as UTF-8 text (pass --")):
        sign_off(store, plan, RecordKind.APPROVED, reviewer=reviewer, at=at(1),
                 answers=answers, comment=comment)
    assert len(store.records()) == 1  # the request only: nothing recorded
    store.close()


_CREDITS = ("instance_type,credits_per_hour,max_accrued_credits,vcpu,baseline_pct_per_vcpu,"
            "default_mode,launch_credits,source,as_of\n")


@pytest.mark.parametrize(("row", "message"), [
    # before: a ValueError traceback from int("2.5") when the simulation read the row
    ("t3.micro,12,288,2.5,10,unlimited,0", "column 'vcpu': '2.5' is not a whole number above 0; "
                                           "write it like 2"),
    # before: a SimulationError naming CreditSpec, not the file and line, when first simulated
    ("t3.micro,0,288,2,10,unlimited,0", "column 'credits_per_hour': '0' must be above 0 and at "
                                        "most 1,000,000,000; write the EC2 credit table's figure"),
    ("t3.micro,12,288,2,10,Unlimited,0", "column 'default_mode': 'Unlimited' is not unlimited or "
                                         "standard; write the mode the type launches in"),
    # 1e400 is a finite Decimal but float('1e400') is inf
    ("t3.micro,12,288,2,10,unlimited,1e400", "column 'launch_credits': '1e400' is above "
                                             "1,000,000,000; write the launch credits"),
    ("t3.micro,12,288,2,999,unlimited,0", "column 'baseline_pct_per_vcpu': '999' is above 100 (a "
                                          "percent of one vCPU); write it like 20"),
])
def test_a_bad_burstable_credits_row_is_refused_at_its_line(tmp_path: Path, row: str,
                                                            message: str) -> None:
    path = _table(tmp_path, f"{_CREDITS}{row},quote,2026-11-01\n")
    with pytest.raises(PricingError, match=re.escape(f"{path}: line 2: {message}")):
        read_price_table(path)


def test_a_gap_filled_past_ten_million_rows_names_the_largest_gap(tmp_path: Path) -> None:
    # before: numpy was asked for 1,000,000,001 rates (7.45 GiB), a MemoryError traceback;
    # 60000000000 - 60 = 59,999,999,940 s = 999,999,999 steps of 60 s, plus the 2 before: 1e9+1
    path = _csv(tmp_path, "timestamp,requests_per_second\n0,1\n60,1\n60000000000,1\n")
    with pytest.raises(TrafficError, match=re.escape(
            f"{path} line 4, column 'timestamp': filling the gaps would make 1,000,000,001 rows "
            "of 60 s, more than 10,000,000; the largest gap is 6e+10 s after line 3 ('60' to "
            "'60000000000'): check that timestamp")):
        read_traffic_csv(path, interpolate_gaps=True)


@pytest.mark.parametrize(("step_s", "steps"), [(1e-6, "180,000,000"), (1e-300, "1.8e+302")])
def test_a_step_cutting_the_file_into_over_ten_million_steps_is_refused(
        tmp_path: Path, step_s: float, steps: str) -> None:
    # before: MemoryError (1e-6: 180 s / 1e-6 s = 1.8e8 steps) or numpy's "Maximum allowed size
    # exceeded" ValueError (1e-300), tracebacks
    path = _csv(tmp_path, "timestamp,requests_per_second\n0,1\n60,1\n120,1\n")
    with pytest.raises(TrafficError, match=re.escape(
            f"{path}: step_s {step_s:g} s would cut its 180 s into {steps} steps, more than "
            "10,000,000; choose a larger step_s, such as the file's 60 s interval")):
        read_traffic_csv(path, step_s=step_s)


@pytest.mark.parametrize(("old", "new", "field", "hint"), [
    # before: each read as "no readiness delay", 0 s, where the file meant 30 s
    ("initialDelaySeconds: 5", "initialDelaySecond: 30", "readinessProbe.initialDelaySecond",
     "; did you mean 'initialDelaySeconds'?"),
    ("readinessProbe:", "readinessprobe:", "readinessprobe", "; did you mean 'readinessProbe'?"),
    ("requests: {cpu: 200m, memory: 256Mi}",
     "requests: {cpu: 200m, memory: 256Mi}\n            limit: {cpu: 100m}", "resources.limit",
     "; did you mean 'limits'?"),
])
def test_a_misspelt_container_field_the_simulation_reads_is_refused(
        tmp_path: Path, old: str, new: str, field: str, hint: str) -> None:
    assert old in DEPLOYMENT
    path = _yaml(tmp_path, DEPLOYMENT.replace(old, new))
    with pytest.raises(SpecError, match=re.escape(
            f"spec.template.spec.containers[0].{field} of Deployment 'api' in {path}: unknown "
            f"field, which the API server refuses{hint}")):
        read_deployment_yaml(path)


def test_a_container_pasted_twice_is_refused(tmp_path: Path) -> None:
    # before: both copies counted, the pod's CPU request 400m (2 x 200m) where the API server
    # refuses the manifest
    copy = DEPLOYMENT[DEPLOYMENT.index("        - name: api"):]
    path = _yaml(tmp_path, DEPLOYMENT + copy)
    with pytest.raises(SpecError, match=re.escape(
            f"spec.template.spec.containers[1].name of Deployment 'api' in {path}: 'api' is also "
            "the name of spec.template.spec.containers[0], which the API server refuses; rename "
            "one or delete the copy")):
        read_deployment_yaml(path)


def test_a_disruption_budget_without_nodes_is_one_problem(tmp_path: Path) -> None:
    # before: KeyError: 'nodes' after the reader had recorded it missing
    text = NODE_POOLS.replace("TYPES", "c5.large").replace(
        "consolidateAfter: 1m}", "consolidateAfter: 1m, budgets: [{}]}")
    path = _yaml(tmp_path, text)
    with pytest.raises(SpecError, match=re.escape(
            f"{path}: NodePool/general.spec.disruption.budgets[0].nodes: missing (required); "
            "add `nodes:`")):
        read_node_pools(path)


def test_a_container_name_that_is_a_list_is_no_traceback(tmp_path: Path) -> None:
    # the duplicate-name check above must not hash a name written as a list; the API server
    # refuses such a name, and so does the reader (fuzz20: the sidecar warning hashed it)
    path = _yaml(tmp_path, DEPLOYMENT.replace("- name: api", "- name: [api]"))
    with pytest.raises(SpecError, match=r"spec\.template\.spec\.containers\[0\]\.name of "
                                        r"Deployment 'api' in .* is \['api'\], not a container "
                                        r"name, which the API server refuses"):
        read_deployment_yaml(path)
