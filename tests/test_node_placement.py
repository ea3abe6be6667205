"""Where a pod may run: nodeSelector, required node affinity and tolerations against a node
group's labels and taints (kube-scheduler's NodeAffinity and TaintToleration filters), in the
library, in plan validation and in which groups the simulation gives a workload."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.analysis import load_price_book
from infra_toolkit.errors import SpecError
from infra_toolkit.manifests import deployment_from_dict
from infra_toolkit.node_placement import node_labels, placement_from_pod, placement_problem
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_simulation import placement_problems, simulation_node_groups
from infra_toolkit.plan_validate import check_plan_warnings

# an m7g.large (arm64) node of group "app" in us-west-2, labelled workload-class=api
ARM = node_labels("app", "m7g.large", "arm64", "ON_DEMAND", {"workload-class": "api"},
                  "us-west-2")


def _problem(pod: dict[str, Any], labels: dict[str, str] = ARM,
             taints: tuple[str, ...] = ()) -> str | None:
    placement, problems = placement_from_pod(pod, "spec")
    assert problems == []
    return placement_problem(placement, labels, taints)


def test_well_known_labels_of_an_eks_node() -> None:
    assert ARM == {
        "kubernetes.io/arch": "arm64", "beta.kubernetes.io/arch": "arm64",
        "kubernetes.io/os": "linux", "beta.kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m7g.large",
        "beta.kubernetes.io/instance-type": "m7g.large",
        "eks.amazonaws.com/nodegroup": "app", "eks.amazonaws.com/capacityType": "ON_DEMAND",
        "topology.kubernetes.io/region": "us-west-2",
        "failure-domain.beta.kubernetes.io/region": "us-west-2",
        "workload-class": "api"}


def _affinity(*terms: list[dict[str, Any]]) -> dict[str, Any]:
    return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": t} for t in terms]}}}}


@pytest.mark.parametrize(("pod", "expected"), [
    ({}, None),
    ({"nodeSelector": {"workload-class": "api", "kubernetes.io/arch": "arm64"}}, None),
    ({"nodeSelector": {"kubernetes.io/arch": "amd64"}},
     "its nodeSelector kubernetes.io/arch=amd64 does not match: the node has "
     "kubernetes.io/arch=arm64"),
    ({"nodeSelector": {"disktype": "ssd"}},
     "its nodeSelector disktype=ssd does not match: the node does not set it"),
    # zone and hostname exist on every node, with values only known per node
    ({"nodeSelector": {"topology.kubernetes.io/zone": "us-west-2a"}}, None),
    (_affinity([{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]),
     "its required node affinity (kubernetes.io/arch In ['amd64']) matches none of the node's "
     "labels: the node has kubernetes.io/arch=arm64"),  # audit14 A14-7: the node's value
    # terms are ORed: the second one matches
    (_affinity([{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}],
               [{"key": "workload-class", "operator": "Exists"}]), None),
    # expressions of a term are ANDed: NotIn on the group's own label fails the term
    (_affinity([{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]},
                {"key": "workload-class", "operator": "NotIn", "values": ["api"]}]),
     "its required node affinity (kubernetes.io/arch In ['arm64'] AND workload-class NotIn "
     "['api']) matches none of the node's labels: the node has workload-class=api"),
    (_affinity([{"key": "gpu", "operator": "DoesNotExist"}]), None),
    (_affinity([{"key": "kubernetes.io/hostname", "operator": "DoesNotExist"}]),
     "its required node affinity (kubernetes.io/hostname DoesNotExist) matches none of the "
     "node's labels: the node has kubernetes.io/hostname (every node has one)"),
    (_affinity([]), "its required node affinity ((empty term)) matches none of the node's "
                    "labels"),
    # matchFields (a node's name) is unknowable here, so taken to be met; alone it matches
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}}}, None),
    # ... but beside matchExpressions it is ANDed with them (NodeSelectorTerm: "The
    # requirements of them are ANDed"): amd64 required, the node is arm64, so no match
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{
            "matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In",
                                  "values": ["amd64"]}],
            "matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}]}}}},
     "its required node affinity (kubernetes.io/arch In ['amd64']) matches none of the node's "
     "labels: the node has kubernetes.io/arch=arm64"),
])
def test_selector_and_affinity(pod: dict[str, Any], expected: str | None) -> None:
    assert _problem(pod) == expected


@pytest.mark.parametrize(("value", "operator", "bound", "meets"), [
    ("8", "Gt", "4", True), ("4", "Gt", "4", False), ("2", "Lt", "4", True),
    ("x", "Gt", "4", False),  # a value that is not an integer never compares
])
def test_gt_and_lt_compare_integers(value: str, operator: str, bound: str, meets: bool) -> None:
    labels = {**ARM, "cores": value}
    pod = _affinity([{"key": "cores", "operator": operator, "values": [bound]}])
    assert (_problem(pod, labels) is None) is meets


@pytest.mark.parametrize(("tolerations", "taint", "expected"), [
    ([], "dedicated=gpu:NoSchedule", "it does not tolerate the node's taint "
                                     "dedicated=gpu:NoSchedule"),
    ([], "dedicated=gpu:PreferNoSchedule", None),  # only scores nodes
    ([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}], "dedicated=gpu:NoSchedule",
     None),
    ([{"key": "dedicated", "value": "cpu", "effect": "NoSchedule"}], "dedicated=gpu:NoSchedule",
     "it does not tolerate the node's taint dedicated=gpu:NoSchedule"),
    ([{"key": "dedicated", "operator": "Exists"}], "dedicated=gpu:NoExecute", None),
    ([{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
     "dedicated=gpu:NoExecute", "it does not tolerate the node's taint dedicated=gpu:NoExecute"),
    ([{"operator": "Exists"}], "anything=x:NoExecute", None),  # tolerates every taint
    ([{"key": "spot", "value": ""}], "spot=:NoSchedule", None),  # a taint without value
])
def test_tolerations(tolerations: list[dict[str, Any]], taint: str,
                     expected: str | None) -> None:
    assert _problem({"tolerations": tolerations}, taints=(taint,)) == expected


def _spread(key: str, when: str | None) -> dict[str, Any]:
    c: dict[str, Any] = {"maxSkew": 1, "topologyKey": key,
                         "labelSelector": {"matchLabels": {"app": "web"}}}
    if when is not None:
        c["whenUnsatisfiable"] = when
    return {"topologySpreadConstraints": [c]}


RACK = ("its topologySpreadConstraints spread over example.com/rack with whenUnsatisfiable "
        "DoNotSchedule, and the node does not carry that label (kube-scheduler filters out a "
        "node missing the topologyKey)")


# PodTopologySpread Filter: a DoNotSchedule constraint whose topologyKey the node lacks is
# UnschedulableAndUnresolvable ("missing required label"), whatever the skew; ScheduleAnyway
# constraints only score nodes.
@pytest.mark.parametrize(("pod", "expected"), [
    (_spread("example.com/rack", "DoNotSchedule"), RACK),
    (_spread("example.com/rack", None), RACK),  # DoNotSchedule is the API's default
    (_spread("example.com/rack", "ScheduleAnyway"), None),
    (_spread("topology.kubernetes.io/zone", "DoNotSchedule"), None),  # every EKS node has it
    (_spread("kubernetes.io/hostname", None), None),
    (_spread("workload-class", "DoNotSchedule"), None),  # the group's own label
])
def test_spread_constraints_need_their_topology_key(pod: dict[str, Any],
                                                    expected: str | None) -> None:
    assert _problem(pod) == expected


@pytest.mark.parametrize(("pod", "message"), [
    ({"nodeSelector": {"gpu": True}}, r"spec\.nodeSelector\.gpu of D: True must be a string; "
                                      r"quote it"),
    ({"tolerations": [{"key": "a", "operator": "Exists", "value": "b"}]},
     r"spec\.tolerations\[0\]\.value of D: must be empty with operator Exists"),
    ({"tolerations": [{"value": "b"}]},
     r"spec\.tolerations\[0\]\.key of D: an empty key needs operator Exists"),
    ({"tolerations": [{"key": "a", "effect": "NoScheduled"}]},
     r"spec\.tolerations\[0\]\.effect of D: 'NoScheduled' must be one of NoSchedule, "
     r"PreferNoSchedule, NoExecute"),
    (_affinity([{"key": "a", "operator": "Gt", "values": ["x"]}]),
     r"matchExpressions\[0\]\.values of D: operator Gt needs exactly one integer value, got "
     r"\['x'\]; write e\.g\. values: \[\"4\"\]"),
    # audit9 A9-9: the bad values were not shown
    (_affinity([{"key": "a", "operator": "Lt", "values": ["1", "2"]}]),
     r"operator Lt needs exactly one integer value, got \['1', '2'\]"),
    (_affinity([{"key": "a", "operator": "Gt", "values": ["1.5"]}]),
     r"operator Gt needs exactly one integer value, got \['1\.5'\]"),
    (_affinity([{"key": "a", "operator": "in", "values": ["x"]}]),
     r"matchExpressions\[0\]\.operator of D: 'in' must be one of In, NotIn, Exists"),
    ({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": []}}}},
     r"nodeSelectorTerms of D: must list at least one term"),
    (_spread("example.com/rack", "Never"),
     r"topologySpreadConstraints\[0\]\.whenUnsatisfiable of D: 'Never' must be DoNotSchedule "
     r"or ScheduleAnyway"),
    (_spread("", "DoNotSchedule"), r"topologySpreadConstraints\[0\]\.topologyKey of D: is "
                                   r"required"),
])
def test_malformed_placement_fields_are_named(pod: dict[str, Any], message: str) -> None:
    _placement, problems = placement_from_pod(pod, "spec", " of D")
    assert len(problems) == 1
    assert re.search(message, problems[0]), problems


def test_a_deployment_reports_placement_problems_with_its_other_fields() -> None:
    doc = {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
        "nodeSelector": {"gpu": 1},
        "containers": [{"name": "c", "resources": {"requests": {"cpu": "100m"}}}]}}}}
    with pytest.raises(SpecError, match=r"^spec\.template\.spec\.nodeSelector\.gpu of Deployment "
                                        r"'web' in web\.yaml: 1 must be a string"):
        deployment_from_dict(doc, "web.yaml")


DATA = Path(__file__).parent / "data" / "plans"
REPO = Path(__file__).resolve().parent.parent


def _plan(tmp_path: Path, pod: dict[str, Any], node_group: str | None = "general",
          group_extra: dict[str, Any] | None = None) -> Path:
    """minimal.yaml (one m5.large group 'general') with the Deployment's pod spec extended by
    ``pod``, the workload's node_group set or removed, and the node group resource extended."""
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    dep_path = tmp_path / "manifests" / "deployment.yaml"
    dep = yaml.safe_load(dep_path.read_text())
    dep["spec"]["template"]["spec"].update(pod)
    dep_path.write_text(yaml.safe_dump(dep))
    plan = yaml.safe_load((DATA / "minimal.yaml").read_text())
    (workload,) = plan["proposed"]["workloads"]
    if node_group is None:
        workload.pop("node_group", None)
    else:
        workload["node_group"] = node_group
    group = next(r for r in plan["proposed"]["resources"] if r["type"] == "aws_eks_node_group")
    group.update(group_extra or {})
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def _problems(path: Path) -> list[str]:
    _plan_obj, problems, _warnings = check_plan_warnings(path)
    return [str(p) for p in problems]


def test_a_spread_over_a_label_no_node_carries_is_refused(tmp_path: Path) -> None:
    problems = _problems(_plan(tmp_path, _spread("example.com/rack", None)))
    assert len(problems) == 1
    assert problems[0].endswith(
        "proposed.workloads[0].deployment: its pods cannot run on node group 'general' (its "
        f"node_group): {RACK}; fix the Deployment's nodeSelector, affinity or tolerations, or "
        "the node group's labels and taints")


def test_a_graviton_selector_on_an_x86_group_is_refused(tmp_path: Path) -> None:
    # m5.large is amd64 in the instance specs table
    problems = _problems(_plan(tmp_path, {"nodeSelector": {"kubernetes.io/arch": "arm64"}}))
    assert len(problems) == 1
    assert problems[0].endswith(
        "proposed.workloads[0].deployment: its pods cannot run on node group 'general' (its "
        "node_group): its nodeSelector kubernetes.io/arch=arm64 does not match: the node has "
        "kubernetes.io/arch=amd64; fix the Deployment's nodeSelector, affinity or tolerations, "
        "or the node group's labels and taints")


def test_terraform_labels_and_taints_admit_a_matching_pod(tmp_path: Path) -> None:
    pod = {"nodeSelector": {"workload-class": "api"},
           "tolerations": [{"key": "dedicated", "value": "api", "effect": "NoSchedule"}]}
    extra = {"labels": {"workload-class": "api"},
             "taint": [{"key": "dedicated", "value": "api", "effect": "NO_SCHEDULE"}]}
    assert _problems(_plan(tmp_path, pod, group_extra=extra)) == []


def test_without_node_group_a_pod_that_fits_nowhere_is_refused(tmp_path: Path) -> None:
    extra = {"taint": [{"key": "dedicated", "value": "batch", "effect": "NO_EXECUTE"}]}
    problems = _problems(_plan(tmp_path, {}, node_group=None, group_extra=extra))
    assert len(problems) == 1
    assert problems[0].endswith(
        "proposed.workloads[0].deployment: its pods cannot run on any node group (general: it "
        "does not tolerate the node's taint dedicated=batch:NoExecute); fix the Deployment's "
        "nodeSelector, affinity or tolerations, or the node group's labels and taints")


def test_the_simulation_uses_the_groups_the_pods_tolerate(tmp_path: Path) -> None:
    # without node_group: before, a tainted group was never used; a pod tolerating the taint
    # may be scheduled there, so the simulation gives it that group
    pod = {"tolerations": [{"key": "dedicated", "operator": "Exists"}]}
    extra = {"taint": [{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}]}
    plan = read_plan(_plan(tmp_path, pod, node_group=None, group_extra=extra))
    (workload,) = plan.proposed.workloads
    groups = simulation_node_groups(plan.proposed, workload, load_price_book(),
                                    plan.simulation.node_daemonsets)
    assert [g.name for g in groups] == ["general"]


def test_a_labels_value_that_is_not_a_string_is_named(tmp_path: Path) -> None:
    problems = _problems(_plan(tmp_path, {}, group_extra={"labels": {"gpu": True}}))
    assert any(p.endswith("proposed.resources[1].labels.gpu: True must be a string (a "
                          "Kubernetes label value); quote it") for p in problems), problems


def test_an_eksctl_node_group_carries_eksctl_labels(tmp_path: Path) -> None:
    # eksctl labels the nodes of each group it creates alpha.eksctl.io/cluster-name and
    # alpha.eksctl.io/nodegroup-name; a pod selecting its group by them may run there
    shutil.copytree(REPO / "plans", tmp_path / "plans")
    dep_path = tmp_path / "plans" / "ecommerce-eks" / "backend-deployment.yaml"
    dep = yaml.safe_load(dep_path.read_text())
    dep["spec"]["template"]["spec"]["nodeSelector"] = {
        "alpha.eksctl.io/cluster-name": "shop-prod", "alpha.eksctl.io/nodegroup-name": "general"}
    dep_path.write_text(yaml.safe_dump(dep))
    assert _problems(tmp_path / "plans" / "ecommerce-eks.yaml") == []
    plan = read_plan(tmp_path / "plans" / "ecommerce-eks.yaml")
    (workload,) = plan.proposed.workloads
    assert placement_problems(plan.proposed, workload, load_price_book()) == {
        "general": None,
        "compute": "its nodeSelector alpha.eksctl.io/nodegroup-name=general does not match: the "
                   "node has alpha.eksctl.io/nodegroup-name=compute"}


def test_a_selector_only_a_later_instance_type_meets_says_to_list_it_first(
        tmp_path: Path) -> None:
    # A5-15: the group is simulated and priced as m5.large (its first type); a pod selecting
    # m5.xlarge nodes would run only on the group's m5.xlarge nodes, which the plan never sizes
    pod = {"nodeSelector": {"node.kubernetes.io/instance-type": "m5.xlarge"}}
    problems = _problems(_plan(tmp_path, pod,
                               group_extra={"instance_types": ["m5.large", "m5.xlarge"]}))
    assert len(problems) == 1
    assert problems[0].endswith(
        "its pods cannot run on node group 'general' (its node_group): its nodeSelector "
        "node.kubernetes.io/instance-type=m5.xlarge does not match: the node has "
        "node.kubernetes.io/instance-type=m5.large (a m5.xlarge node would take them, but the "
        "group is simulated and priced as its first instance type, m5.large: list m5.xlarge "
        "first); fix the Deployment's nodeSelector, affinity or tolerations, or the node "
        "group's labels and taints")


def test_self_managed_nodes_carry_no_eks_node_group_labels() -> None:
    # A5-16: EKS labels the nodes of managed node groups only; eksctl's nodeGroups are
    # self-managed
    managed = node_labels("ng", "m5.large", "amd64", "ON_DEMAND", {})
    self_managed = node_labels("ng", "m5.large", "amd64", "ON_DEMAND", {}, managed=False)
    assert set(managed) - set(self_managed) == {"eks.amazonaws.com/nodegroup",
                                                "eks.amazonaws.com/capacityType"}
    pod = {"nodeSelector": {"eks.amazonaws.com/nodegroup": "ng"}}
    assert _problem(pod, managed) is None
    assert _problem(pod, self_managed) == ("its nodeSelector eks.amazonaws.com/nodegroup=ng does "
                                           "not match: the node does not set it")


def test_eksctl_node_groups_know_whether_they_are_managed() -> None:
    from infra_toolkit.eksctl_config import cluster_config_from_dict

    doc = {"apiVersion": "eksctl.io/v1alpha5", "kind": "ClusterConfig",
           "metadata": {"name": "c", "region": "us-east-1"},
           "managedNodeGroups": [{"name": "m", "minSize": 1, "maxSize": 2}],
           "nodeGroups": [{"name": "u", "instanceType": "m5.large", "minSize": 1, "maxSize": 2}]}
    groups = cluster_config_from_dict(doc, "c.yaml").node_groups
    assert {g.name: g.managed for g in groups} == {"m": True, "u": False}


def test_windows_nodes_are_labelled_windows(tmp_path: Path) -> None:
    # A5-7: a WINDOWS_* ami_type makes Windows nodes (kubernetes.io/os=windows): a pod that
    # selects Windows runs there, a Linux pod (selecting linux) does not
    extra = {"ami_type": "WINDOWS_CORE_2022_x86_64"}
    assert _problems(_plan(tmp_path / "win", {"nodeSelector": {"kubernetes.io/os": "windows"}},
                           group_extra=extra)) == []
    problems = _problems(_plan(tmp_path / "linux", {"nodeSelector": {"kubernetes.io/os": "linux"}},
                               group_extra=extra))
    assert len(problems) == 1 and ("its nodeSelector kubernetes.io/os=linux does not match: the "
                                   "node has kubernetes.io/os=windows") in problems[0]
    # its room for pods is sized with EKS's Linux reservations: said at the group's resource
    # (minimal.yaml's resources[1]); a Linux group gets no such word
    _got, _problems_, warnings = check_plan_warnings(_plan(
        tmp_path / "win2", {"nodeSelector": {"kubernetes.io/os": "windows"}}, group_extra=extra))
    windows = [(w.path, w.message) for w in warnings if "Windows nodes" in w.message]
    assert windows == [("proposed.resources[1]", (
        "warning: node group 'general' runs Windows nodes: a node's room for pods is sized with "
        "EKS's Linux kubelet reservations (docs/PLAN.md, Node allocatable), not the Windows "
        "AMI's own, so it may be overstated; check `kubectl describe node` on one and pack the "
        "plan's pods with room to spare"))]
    _got, _problems_, warnings = check_plan_warnings(_plan(tmp_path / "lin2", {}))
    assert not any("Windows nodes" in w.message for w in warnings)


def _zoned_plan(tmp_path: Path, pod: dict[str, Any], group_zones: str = "") -> Path:
    """minimal.yaml priced from a ClusterConfig whose cluster is in us-east-1a/b/c (the group
    optionally in ``group_zones``), the Deployment's pod spec extended by ``pod``."""
    path = _plan(tmp_path, pod)
    (tmp_path / "manifests" / "cluster.yaml").write_text(
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n"
        "metadata: {name: main, region: us-east-1}\n"
        "availabilityZones: [us-east-1a, us-east-1b, us-east-1c]\nmanagedNodeGroups:\n"
        "  - {name: general, instanceType: m5.large, minSize: 2, maxSize: 4, desiredCapacity: 2,\n"
        f"     volumeSize: 20, volumeType: gp2{group_zones}}}\n")
    plan = yaml.safe_load(path.read_text())
    plan["proposed"]["cluster_config"] = "manifests/cluster.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


@pytest.mark.parametrize(("pod", "group_zones", "refused"), [
    ({"nodeSelector": {"topology.kubernetes.io/zone": "us-east-1b"}}, "", False),
    # A6-5: no subnet of the cluster is in us-east-1d: no node ever is
    ({"nodeSelector": {"topology.kubernetes.io/zone": "us-east-1d"}}, "", True),
    # the group's own availabilityZones narrow the cluster's
    ({"nodeSelector": {"topology.kubernetes.io/zone": "us-east-1b"}},
     ", availabilityZones: [us-east-1a]", True),
    # affinity over zones: met when one of the group's zones is listed
    (_affinity([{"key": "topology.kubernetes.io/zone", "operator": "In",
                 "values": ["us-east-1c", "us-east-1d"]}]), "", False),
    (_affinity([{"key": "topology.kubernetes.io/zone", "operator": "NotIn",
                 "values": ["us-east-1a", "us-east-1b", "us-east-1c"]}]), "", True),
])
def test_zones_named_by_the_cluster_config(tmp_path: Path, pod: dict[str, Any],
                                           group_zones: str, refused: bool) -> None:
    problems = _problems(_zoned_plan(tmp_path, pod, group_zones))
    assert bool(problems) is refused, problems
    if refused:
        assert "(its nodes are in us-east-1" in problems[0]


def test_zone_refusal_message(tmp_path: Path) -> None:
    (problem,) = _problems(_zoned_plan(
        tmp_path, {"nodeSelector": {"topology.kubernetes.io/zone": "us-east-1d"}}))
    assert ("its pods cannot run on node group 'general' (its node_group): its nodeSelector "
            "topology.kubernetes.io/zone=us-east-1d does not match: the node has "
            "topology.kubernetes.io/zone=us-east-1a (its nodes are in us-east-1a, us-east-1b, "
            "us-east-1c); fix") in problem
