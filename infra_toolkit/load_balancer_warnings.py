"""Plan warnings on the proposed load balancer whose usage the report derives per request:

* **a load balancer processing less than the egress it carries**: the report counts every
  response as leaving through the plan's only load balancer, declaring ``processed_bytes_gb``
  (``plan_cost.traffic_profile_from_usage``), so a declared ``processed_bytes_gb`` (GB an hour)
  times 730 below the ``aws_data_transfer``'s ``monthly_outbound_internet_gb`` is raised to the
  egress without a word: the requests would carry no bytes and the capacity units differ from
  the declared ones. (With no autoscaled workload behind it nothing is derived from the
  egress: no warning; nor when the transfer says ``egress_through_load_balancer: false``, the
  egress leaving by a NAT gateway.)

* **no autoscaled workload behind the load balancer**: every autoscaled workload sets
  ``behind_load_balancer: false`` while the load balancer declares ``processed_bytes_gb``. No
  simulated request then passes through it, so the report prices it and the Internet egress as
  declared in every scenario instead of from each scenario's served requests
  (``plan_cost.reference_traffic_profile``): right for a load balancer in front of Deployments
  without an HPA only, a slip when the API was meant to stay behind it.

* **no Internet egress declared** while autoscaled workloads are behind the load balancer: the
  response bytes come from an ``aws_data_transfer``'s ``monthly_outbound_internet_gb``
  (``plan_cost.traffic_profile_from_usage``); with none, the report adds an
  ``aws_data_transfer.simulated_egress`` line of 0 GB, priced $0 in every scenario, which
  reads as egress simulated and free.

* **egress_through_load_balancer written with no load balancer to derive from**: the field
  says which way the egress leaves beside the load balancer's bytes; with no proposed
  ``aws_lb`` declaring ``processed_bytes_gb`` nothing is derived per request, so the egress and
  the NAT gateway GB are priced as declared in every scenario and the field changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from infra_toolkit.cost import HOURS_PER_MONTH
from infra_toolkit.cost_sim import egress_transfer
from infra_toolkit.plan import Plan
from infra_toolkit.plan_cost import load_balanced_workloads
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.plan_warning_type import figure_text as _f

__all__ = ["ignored_egress_route_warnings", "load_balancer_bytes_warnings", "no_egress_warnings",
           "off_load_balancer_warnings"]


def _derived_load_balancer(plan: Plan) -> list[int]:
    """``[i]`` for the proposed ``aws_lb`` whose usage the report derives per request (the
    plan's only one, declaring ``processed_bytes_gb``: the rule of
    ``plan_cost.traffic_profile_from_usage``), else ``[]``."""
    lbs = [i for i, r in enumerate(plan.proposed.resources) if r.type == "aws_lb"]
    return lbs if len(lbs) == 1 and "processed_bytes_gb" in \
        plan.proposed.resources[lbs[0]].usage else []


def load_balancer_bytes_warnings(plan: Plan) -> list[PlanWarning]:
    """A warning at the proposed load balancer's ``usage.processed_bytes_gb`` when, over a
    730-hour month, it processes less than the declared Internet egress, which the report sends
    through it when an autoscaled workload is behind it (see the module docstring)."""
    resources = plan.proposed.resources
    lbs = _derived_load_balancer(plan)
    transfer = egress_transfer(resources)
    if not lbs or transfer is None or not load_balanced_workloads(plan):
        # no per-request sizes are derived (plan_cost.reference_traffic_profile): with no
        # autoscaled workload behind it both are priced as declared, the egress not sent through
        return []
    lb = resources[lbs[0]]
    egress = resources[transfer]
    if not egress.usage.get("egress_through_load_balancer", True):
        return []  # the egress leaves by a NAT gateway: the load balancer processes no part of it
    hourly_gb = float(lb.usage["processed_bytes_gb"])
    monthly_gb = hourly_gb * float(HOURS_PER_MONTH)
    egress_gb = float(egress.usage.get("monthly_outbound_internet_gb", 0))
    if egress_gb <= monthly_gb:
        return []
    return [PlanWarning(f"{lb.entry_path}.usage.processed_bytes_gb", (
        f"{_f(hourly_gb)} GB an hour is {_f(monthly_gb)} GB a month, less than the "
        f"{_f(egress_gb)} GB a month of Internet egress ({egress.address}) "
        f"that the report sends through aws_lb.{lb.name}: it prices the load balancer on the "
        f"egress alone, as if requests carried no bytes; declare processed_bytes_gb of at least "
        f"{math.ceil(egress_gb / float(HOURS_PER_MONTH) * 1000) / 1000:g} GB an hour (rounded "
        "up) plus the requests' own bytes, or "
        "the egress this load balancer carries; when the egress leaves by a NAT gateway, not "
        f"the load balancer, set usage.egress_through_load_balancer: false on {egress.address}"))]


def off_load_balancer_warnings(plan: Plan) -> list[PlanWarning]:
    """A warning at the first autoscaled workload's ``behind_load_balancer`` when no autoscaled
    workload is behind the plan's load balancer declaring ``processed_bytes_gb`` (see the module
    docstring)."""
    lbs = _derived_load_balancer(plan)
    autoscaled = [(i, w) for i, w in enumerate(plan.proposed.workloads) if w.hpa_spec is not None]
    if not lbs or not autoscaled or load_balanced_workloads(plan):
        return []
    names = ", ".join(w.name for _i, w in autoscaled)
    lb = plan.proposed.resources[lbs[0]]
    return [PlanWarning(f"proposed.workloads[{autoscaled[0][0]}].behind_load_balancer", (
        f"every autoscaled workload ({names}) sets behind_load_balancer: false, so no simulated "
        f"request passes through aws_lb.{lb.name}: the report prices its declared usage and "
        "the Internet egress and intra-region transfer as declared in every scenario, not from "
        "each scenario's served "
        "requests; set behind_load_balancer: true on the workloads it serves (keep false only "
        "when it serves Deployments without an HPA)"))]


def no_egress_warnings(plan: Plan) -> list[PlanWarning]:
    """A warning at the proposed load balancer when autoscaled workloads are behind it and no
    proposed ``aws_data_transfer`` gives ``monthly_outbound_internet_gb`` (see the module
    docstring); a declared 0 is the author's word and is not warned."""
    lbs = _derived_load_balancer(plan)
    resources = plan.proposed.resources
    if not lbs or not load_balanced_workloads(plan) or any(
            r.type == "aws_data_transfer" and "monthly_outbound_internet_gb" in r.usage
            for r in resources):
        return []
    lb = resources[lbs[0]]
    return [PlanWarning(lb.entry_path, (
        f"no proposed aws_data_transfer gives monthly_outbound_internet_gb, so the responses "
        f"served through aws_lb.{lb.name} carry no Internet egress: the report's "
        "aws_data_transfer.simulated_egress line is 0 GB, $0, in every scenario; declare an "
        "aws_data_transfer with the egress of the plan's first scenario in "
        "usage.monthly_outbound_internet_gb (0 when the responses stay inside AWS)"))]


def ignored_egress_route_warnings(plan: Plan) -> list[PlanWarning]:
    """A warning at each proposed ``aws_data_transfer``'s written
    ``usage.egress_through_load_balancer`` when no proposed load balancer's usage is derived per
    request (no ``aws_lb``, or none declaring ``processed_bytes_gb``): the field is then
    ignored (see the module docstring)."""
    if _derived_load_balancer(plan):
        return []
    lbs = [r for r in plan.proposed.resources if r.type == "aws_lb"]
    why = ("the proposed side has no aws_lb" if not lbs else "no proposed aws_lb declares "
           f"usage.processed_bytes_gb ({', '.join(r.address for r in lbs)})")
    raw = plan.data.get("proposed", {}).get("resources", [])
    out = []
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        usage = item.get("usage") if isinstance(item, Mapping) else None
        if not isinstance(usage, Mapping) or item.get("type") != "aws_data_transfer" \
                or "egress_through_load_balancer" not in usage:
            continue
        out.append(PlanWarning(f"proposed.resources[{i}].usage.egress_through_load_balancer", (
            f"{why}, so no per-request usage is derived from the served requests: the Internet "
            "egress and "
            "the NAT gateway GB are priced as declared in every scenario and "
            f"egress_through_load_balancer: {str(usage['egress_through_load_balancer']).lower()}"
            " changes nothing; remove it, or declare the load balancer the requests pass "
            "through with its usage.processed_bytes_gb")))
    return out
