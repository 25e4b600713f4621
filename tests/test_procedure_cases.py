"""Runs the table of cases in tests/cases/procedure.md: the rules as a chair reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.errors import Conflict
from drafting.procedure import Proposal, Tally, check_quorum, decide, quorum_required, suggest_order

CASES = Path(__file__).parent / "cases" / "procedure.md"


def table(heading: str) -> list[dict[str, str]]:
    """The rows of the Markdown table under `heading`, as dicts by column name."""
    lines = CASES.read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    rows = [line for line in lines[start:] if line.startswith("|")]
    end = next((i for i, line in enumerate(lines[start + 1 :]) if line.startswith("## ")), None)
    if end is not None:
        rows = [line for line in lines[start : start + 1 + end] if line.startswith("|")]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    header, body = cells[0], cells[2:]
    return [dict(zip(header, row, strict=True)) for row in body]


DECISIONS = table("## Decisions")
ORDERS = table("## Order of voting on amendments")


def test_the_tables_are_there() -> None:
    assert len(DECISIONS) >= 10 and len(ORDERS) >= 4


@pytest.mark.parametrize("case", DECISIONS, ids=[c["case"] for c in DECISIONS])
def test_decision(case: dict[str, str]) -> None:
    entitled, present = int(case["entitled"]), int(case["present"])
    quorum = None if case["quorum"] == "majority" else int(case["quorum"])
    needed = quorum_required(quorum, entitled)
    if case["outcome"].startswith("no decision"):
        with pytest.raises(Conflict, match="Quorum lost"):
            check_quorum(present, needed, at="close")
        return
    check_quorum(present, needed, at="close")
    tally = Tally(int(case["yes"]), int(case["no"]), int(case["abstain"]))
    assert decide(case["majority"], tally, entitled).outcome == case["outcome"]


def proposal(number: int, spec: str) -> Proposal:
    if spec == "delete":
        return Proposal(number, "delete")
    if spec.startswith("insert: "):
        return Proposal(number, "insert_after", spec.removeprefix("insert: "))
    return Proposal(number, "replace", spec)


@pytest.mark.parametrize("case", ORDERS, ids=[c["case"] for c in ORDERS])
def test_suggested_order(case: dict[str, str]) -> None:
    props = []
    for part in case["amendments"].split(" / "):
        number, spec = part.split(": ", 1)
        props.append(proposal(int(number.lstrip("#")), spec))
    order = [f"#{s.id}" for s in suggest_order(case["clause"], props)]
    assert ", ".join(order) == case["suggested order"]
