"""The notes a printed cost table gives the lines missing a price: each reason once (cost17)."""

from __future__ import annotations

from infra_toolkit.cost import CostLine
from infra_toolkit.cost_notes import missing_text, note_lines, note_ref, price_notes


def _missing(name: str, message: str, reason: str = "") -> CostLine:
    return CostLine("aws_instance", name, "eu-west-1", "Instance usage", "hours", None, None,
                    None, None, None, message, "", "ec2_on_demand", reason)


REGION = "t.csv: region 'eu-west-1' is not priced; refresh it"
A = _missing("a", f"no price for instance_type=t3.medium in {REGION}", REGION)
B = _missing("b", f"no price for instance_type=c5.large in {REGION}", REGION)
# a message with no shared part (no reason given): the note is the whole message
WINDOWS = _missing("w", "Windows prices are not in the shipped tables (Linux only)")
PRICED = CostLine("aws_instance", "p", "us-east-1", "Instance usage", "hours", None, None,
                  None, None, None, None)


def test_lines_missing_a_price_for_one_reason_point_to_one_note() -> None:
    notes = price_notes([A, PRICED, WINDOWS, B])
    assert notes == {REGION: 1, "Windows prices are not in the shipped tables (Linux only)": 2}
    assert [missing_text(ln, notes) for ln in (A, B, WINDOWS)] == [
        "no price for instance_type=t3.medium (note [1])",
        "no price for instance_type=c5.large (note [1])",
        "note [2]"]
    assert [note_ref(ln, notes) for ln in (A, WINDOWS)] == ["note [1]", "note [2]"]
    assert note_lines(notes) == [
        "note [1]: t.csv: region 'eu-west-1' is not priced; refresh it",
        "note [2]: Windows prices are not in the shipped tables (Linux only)"]
