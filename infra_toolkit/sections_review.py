"""The Review Status section (:func:`review_status`: this digest's review in the approval store
and the command that approves it) and the approvers a plan's policy needs, on which cost figure
(:func:`approvers_needed`, also in the Overview and the Cost Summary)."""

from __future__ import annotations

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.cost import usd_text
from infra_toolkit.report_html import Section, fields, paragraph, preformatted
from infra_toolkit.review_rules import Status

__all__ = ["approvers_needed", "review_status"]


def approvers_needed(a: PlanAnalysis) -> str:
    """How many approvers the plan's policy needs and on which cost figure: the monthly change
    as declared (node groups at ``desired_size``), which the review's digest binds; and, when
    the simulated change of the expected scenario falls on the other side of the extra-approver
    threshold, that the policy does not count it."""
    s = a.review.subject
    declared = s.monthly_cost_delta_usd
    threshold = s.policy.extra_approver_above_monthly_increase_usd
    rule = "" if threshold is None else f"; one more above {usd_text(threshold, signed=True)}"
    # the change leaves out the lines missing a price (of either side), so once they are priced
    # it may cross the threshold either way: the count is not yet the policy's answer (approve
    # refuses the plan until then)
    unpriced = (f", INCOMPLETE: {len(s.missing_prices)} price(s) not found, so the count may "
                "change once they are priced" if s.missing_prices and threshold is not None
                else "")
    text = (f"{s.approvers_needed} (policy basis: the monthly change as declared, "
            f"{usd_text(declared, signed=True)}{unpriced}{rule})")
    simulated = a.monthly_delta_usd
    if threshold is not None and a.runs and (simulated > threshold) != (declared > threshold):
        side = "above" if simulated > threshold else "not above"
        text += (f"; the simulated change of {a.expected_scenario!r}, "
                 f"{usd_text(simulated, signed=True)}, is {side} {usd_text(threshold)}, "
                 "but the policy does not count it")
    return text


def review_status(a: PlanAnalysis) -> Section:
    """The status of this digest's review in the approval store and the exact command that
    approves it (a static page cannot record a decision)."""
    r = a.review
    rows = [("Status", r.status), ("Detail", r.text), ("Plan id", r.subject.plan),
            ("Digest", r.subject.digest),
            ("Approvers needed", approvers_needed(a)), ("Approval store", r.store)]
    # approve signs only a submitted digest, and with --digest only the one shown here
    submit: tuple[str, ...] = ()
    if r.status in (Status.NOT_SUBMITTED.value, Status.STALE.value):
        submit = (paragraph(f"This digest is {r.status}: the approve command below refuses it "
                            "until it is submitted for review:"),
                  preformatted(r.submit_command, "submit-command"))
    unpriced = r.subject.missing_prices
    if unpriced:  # approve refuses such a plan whatever its review's status says
        submit += (paragraph(f"This plan cannot be approved while {len(unpriced)} cost line(s) "
                             f"have no price ({'; '.join(unpriced)}): the approve command below "
                             f"refuses it until each is priced ({r.subject.price_fix}) and the "
                             "new digest is submitted.", "cannot-approve"),)
    return Section("Review Status", (
        fields(rows, "review-status"),
        *submit,
        # its paths are relative to where the report was built: say where that is (A23-9)
        paragraph(f"To approve, answer every question for approval (run it "
                  f"{r.run_from or 'in a checkout'} where {r.subject.name} has the digest "
                  "above: with --digest, approve refuses to sign any other version of the "
                  "plan):"),
        preformatted(r.approve_command, "approve-command"),
        paragraph("Or sign off in a live notebook (notebooks/approve.ipynb). "
                  f"{r.status_command} shows the status; "
                  f"{r.gate_command} exits 0 only once it is APPROVED."),
    ))
