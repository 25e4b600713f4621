"""The record of proceedings as a document: PDF (WeasyPrint) and DOCX (python-docx).

A draft is taken through real procedure: an amendment adopted by a recorded vote whose roll
is called from a member drawn by lot (not the first in the alphabet), one rejected, one
accepted as friendly, one withdrawn, and the whole text adopted by a recorded vote with its
counts and the quorum. Each file is opened with a reader of its own kind (pypdf,
python-docx) and checked for what a reader of the record would look for.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import docx
import pytest
from helpers import ARTIFACTS
from pypdf import PdfReader

from drafting.actions import polls as poll_actions
from drafting.publish import record as published

CLAUSES = [
    ("preambular", 0, "Recalling its earlier resolutions,"),
    ("operative", 0, "Decides to establish a working group;"),
    ("operative", 0, "Requests the working group to report within one year;"),
    ("operative", 0, "Decides to remain seized of the matter."),
]
DETAILS = {
    "symbol": "A/C.2/80/L.7",
    "submission": "Draft resolution submitted by the Chair",
    "body": "General Assembly",
    "place": "Geneva",
    "date": "12 May 2025",
}
NEW = "Decides to establish an expert group on water, with members from every region;"
# the members in the alphabet, and in the order the roll is called when the lot draws Germany
ALPHABET = ["Brazil", "Chile", "Germany", "Morocco", "Senegal"]
CALLED = ["Germany", "Morocco", "Senegal", "Brazil", "Chile"]


@pytest.fixture
def sitting(actions, monkeypatch):
    """A session on one draft, every decision taken as the rules say."""
    conf, chair, chair_token = actions.create_conference("Water Forum", "Chair", "")
    people = {}
    for name, delegation in (
        ("Amina", "Morocco"),
        ("Jonas", "Germany"),
        ("Ana", "Brazil"),
        ("Pilar", "Chile"),
        ("Awa", "Senegal"),
    ):
        people[delegation], _ = actions.add_participant(None, conf.id, name, delegation)
    d = actions.create_draft(None, conf.id, "Water for all", CLAUSES, details=DETAILS)
    actions.set_sponsors(None, d.id, [people["Morocco"].id])
    ids = [c["id"] for c in actions.draft_view(None, d.id)["clauses"]]
    a = actions
    friendly = a.propose(people["Germany"], ids[2], "replace", CLAUSES[2][2].replace("one", "two"))
    a.accept(people["Morocco"], friendly.id)
    adopted = a.propose(people["Germany"], ids[1], "replace", NEW, "expertise")
    rejected = a.propose(people["Brazil"], ids[3], "delete", reason="redundant")
    withdrawn = a.propose(people["Chile"], ids[0], "replace", "Recalling all its resolutions,")
    a.withdraw(people["Chile"], withdrawn.id)
    a.set_mode(chair, d.id, "formal")
    for p in people.values():
        a.set_present(p, True)
    # the lot draws the third member in the alphabet: Germany is called first
    monkeypatch.setattr(poll_actions.secrets, "randbelow", lambda n: 2)
    ballots = {"Germany": "yes", "Morocco": "yes", "Senegal": "abstain", "Brazil": "no"}
    poll = a.open_poll(chair, d.id, "amendment", adopted.id, "simple", "recorded")
    for delegation, choice in ballots.items():  # Chile does not vote
        a.vote(people[delegation], poll.id, choice)
    a.close_poll(chair, poll.id)
    poll = a.open_poll(chair, d.id, "amendment", rejected.id, "simple", "counted")
    for delegation in ("Brazil", "Morocco"):
        a.vote(people[delegation], poll.id, "yes")
    for delegation in ("Germany", "Chile", "Senegal"):
        a.vote(people[delegation], poll.id, "no")
    a.close_poll(chair, poll.id)
    monkeypatch.setattr(poll_actions.secrets, "randbelow", lambda n: 3)  # Morocco first
    poll = a.open_poll(chair, d.id, "draft", d.id, "two_thirds", "recorded")
    final = {"Morocco": "yes", "Senegal": "yes", "Brazil": "no", "Chile": "yes", "Germany": "yes"}
    for delegation, choice in final.items():
        a.vote(people[delegation], poll.id, choice)
    a.close_poll(chair, poll.id)
    return {"draft": actions.draft(None, d.id), "chair_token": chair_token}


@pytest.fixture
def record(actions, sitting):
    return actions.record(None, sitting["draft"].id)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def one_line(text: str) -> str:
    return " ".join(text.split())


def save_page_one(data: bytes, name: str) -> Path:
    """Page 1 as PNG under tests/artifacts/, for a reviewer to look at."""
    import pypdfium2

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    pdf = pypdfium2.PdfDocument(data)
    try:
        pdf[0].render(scale=1.5).to_pil().save(path)
    finally:
        pdf.close()
    return path


# --- the record's data ---------------------------------------------------------------------


def test_the_record_keeps_the_roll_call_order_and_the_time_of_each_vote(record):
    first, second, final = record["votes"]
    assert [m["name"] for m in first["called"]] == CALLED
    assert [m["choice"] for m in first["called"]] == ["yes", "yes", "abstain", "no", None]
    assert [v["delegation"] for v in first["votes"]] == ["Brazil", "Germany", "Morocco", "Senegal"]
    assert "called" not in second  # a counted vote has no roll
    assert final["subject"] == "the draft as a whole" and final["subject_type"] == "draft"
    assert (final["present"], final["quorum"]) == (5, 3)
    assert all(v["opened_at"] <= v["closed_at"] for v in record["votes"])
    assert record["details"]["symbol"] == "A/C.2/80/L.7"
    # the record's earlier keys are as they were
    assert record["draft"] == {
        "id": record["draft"]["id"],
        "title": "Water for all",
        "status": "adopted",
    }
    assert record["votes_on_draft"] == [final]


def test_the_document_model_names_every_amendment_and_its_fate(record):
    doc = published.build_record(record)
    assert [(a.number, a.proposer, a.fate) for a in doc.amendments] == [
        (1, "Jonas (Germany)", published.FATE["friendly"]),
        (2, "Jonas (Germany)", "Adopted"),
        (3, "Ana (Brazil)", "Rejected"),
        (4, "Pilar (Chile)", "Withdrawn"),
    ]
    assert doc.amendments[1].fate_line == "Adopted (vote 1: 2 in favour, 1 against, 1 abstaining)"
    assert doc.amendments[2].fate_line == "Rejected (vote 2: 2 in favour, 3 against, 0 abstaining)"
    assert doc.decision == "Adopted by a recorded vote of 4 to 1, with no abstentions."
    assert doc.decision_vote is not None and doc.decision_vote.number == 3


def test_a_text_adopted_without_a_vote():
    """Consensus: the record counts objections, not votes, and says "without a vote"."""
    consensus = {
        "vote": 1,
        "rule": "consensus",
        "kind": "counted",
        "state": "closed",
        "outcome": "adopted",
        "yes": 0,
        "no": 0,
        "abstain": 0,
        "explanation": "Adopted without a vote — no objection was raised",
        "subject_type": "draft",
        "subject": "the draft as a whole",
    }
    doc = published.build_record(
        {
            "draft": {"id": 1, "title": "T", "status": "adopted"},
            "clauses": [],
            "votes": [consensus],
            "votes_on_draft": [consensus],
        }
    )
    [vote] = doc.votes
    assert (vote.how, vote.counts) == (
        "consensus sought: the chair asked for objections",
        "no objection",
    )
    assert doc.decision == "Adopted without a vote."
    assert doc.period == "" and doc.steps == ()


# --- PDF -----------------------------------------------------------------------------------


def test_the_record_as_pdf(record, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        data = published.record_pdf(record)
    assert not caplog.records, "WeasyPrint read all the CSS and HTML"
    reader = PdfReader(io.BytesIO(data))
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    text = one_line(pdf_text(data))
    save_page_one(data, "record-page1.png")
    # the header: conference, title, symbol, the title block, the period of the proceedings
    for words in (
        "WATER FORUM",
        "Record of proceedings",
        "Water for all",
        "A/C.2/80/L.7 · General Assembly · Geneva, 12 May 2025",
    ):
        assert words in text, words
    day = record["proceedings"][0]["at"][:10]
    assert re.search(rf"Proceedings {day}, \d\d:\d\d to \d\d:\d\d UTC", text)
    # the proceedings in order, with their times
    steps = [s for s in record["proceedings"]]
    assert f"{steps[0]['at'][11:19]} The draft “Water for all” was tabled" in text
    positions = [text.index(one_line(s["text"])[:50]) for s in steps]
    assert positions == sorted(positions)
    # every amendment: number, proposer, change, fate with its vote
    assert "Amendment #2 to operative clause 1" in text
    assert f"To read: “{NEW}”" in text
    assert "Adopted (vote 1: 2 in favour, 1 against, 1 abstaining)" in text
    assert "Amendment #3 to operative clause 3" in text and "To delete the clause" in text
    assert "Rejected (vote 2: 2 in favour, 3 against, 0 abstaining)" in text
    assert "Amendment #4" in text and "Withdrawn" in text
    assert "Accepted as friendly by every sponsor" in text
    # every vote: subject, kind, rule, counts, quorum, outcome
    assert "Vote 2: amendment #3 to operative clause 3" in text
    assert "How counted vote, majority of those present and voting" in text
    assert "Quorum 5 members present; quorum 3: met" in text
    assert "Vote 3: the draft as a whole" in text
    assert "How recorded vote, two-thirds majority of those present and voting" in text
    assert "Counts 4 in favour, 1 against, 0 abstaining" in text
    # the recorded votes' tables: members in the order the roll was called, not alphabetical
    member, choice = "|".join(ALPHABET), "Yes|No|Abstaining|Did not vote"
    rows = re.findall(rf"(\d) ({member}) ({choice})", text)
    first, final = rows[:5], rows[5:]
    assert [m for _, m, _ in first] == CALLED != ALPHABET
    assert [v for _, _, v in first] == ["Yes", "Yes", "Abstaining", "No", "Did not vote"]
    assert [m for _, m, _ in final] == ["Morocco", "Senegal", "Brazil", "Chile", "Germany"]
    assert "Roll call, from Germany (drawn by lot)" in text
    # the final decision
    assert "Decision on the text Adopted by a recorded vote of 4 to 1, with no abstentions." in text
    # the page furniture: page numbers, the symbol at the top
    assert "Page 1 of " in pdf_text(data).split("\n", 1)[0] + pdf_text(data)


def test_the_pdf_embeds_fonts_that_cover_what_delegates_write(actions, tmp_path):
    """Names and texts in Arabic, Chinese and Cyrillic come out in the embedded Noto faces."""
    conf, chair, _ = actions.create_conference("Форум", "Chair")
    p, _ = actions.add_participant(None, conf.id, "Layla", "مصر")
    d = actions.create_draft(None, conf.id, "水资源宣言", [("operative", 0, "Decides to act;")])
    actions.propose(p, actions.draft_view(None, d.id)["clauses"][0]["id"], "replace", "يقرر 🌍")
    data = published.record_pdf(actions.record(None, d.id))
    save_page_one(data, "record-multilingual-page1.png")
    reader = PdfReader(io.BytesIO(data))
    fonts = set()
    for page in reader.pages:
        for f in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    names = " ".join(fonts)
    for family in ("NotoSerif", "NotoNaskhArabic", "NotoSerifCJK", "NotoColorEmoji"):
        assert family in names.replace("-", ""), (family, fonts)
    text = one_line(pdf_text(data))
    assert "水资源宣言" in text and "ФОРУМ" in text  # the conference's name in capitals
    assert "Proposed by Layla (مصر)" in text, text
    assert "No vote was taken." in text
    assert "No decision has been taken on the text yet (it is in drafting)." in text


# --- DOCX ----------------------------------------------------------------------------------


def test_the_record_as_docx(record):
    data = published.record_docx(record)
    d = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in d.paragraphs]
    styles = dict(paragraphs[:3])
    assert styles == {
        "Record Details": "Water Forum",
        "Title": "Record of proceedings",
        "Subtitle": "Water for all",
    }
    text = "\n".join(t for _, t in paragraphs)
    assert "A/C.2/80/L.7 · General Assembly · Geneva, 12 May 2025" in text
    # the proceedings: each step in its style, the time in a character style, in order
    steps = [p for p in d.paragraphs if p.style.name == "Record Step"]
    assert len(steps) == len(record["proceedings"])
    assert [p.runs[0].text for p in steps] == [s["at"][11:19] for s in record["proceedings"]]
    assert {p.runs[0].style.name for p in steps} == {"Record Time"}
    assert steps[0].text.endswith("The draft “Water for all” was tabled (4 paragraphs).")
    headings = [t for s, t in paragraphs if s == "Heading 1"]
    assert headings == ["Proceedings", "Amendments", "Votes", "Decision on the text"]
    fields = [t for s, t in paragraphs if s == "Record Field"]
    assert "Fate: Adopted (vote 1: 2 in favour, 1 against, 1 abstaining)" in fields
    assert "Fate: Rejected (vote 2: 2 in favour, 3 against, 0 abstaining)" in fields
    assert "Fate: Withdrawn" in fields
    assert f"Change: To read: “{NEW}”" in fields
    assert "Quorum: 5 members present; quorum 3: met" in fields
    # the roll calls as tables, members in calling order
    first, final = d.tables
    rows = [[c.text for c in r.cells] for r in first.rows]
    assert rows[0] == ["", "Member", "Vote"]
    assert [r[1] for r in rows[1:]] == CALLED != ALPHABET
    assert [r[2] for r in rows[1:]] == ["Yes", "Yes", "Abstaining", "No", "Did not vote"]
    assert first.style.name == "Table Grid"
    assert [r.cells[1].text for r in final.rows[1:]] == [
        "Morocco",
        "Senegal",
        "Brazil",
        "Chile",
        "Germany",
    ]
    decision = [t for s, t in paragraphs if s == "Record Decision"]
    assert decision == ["Adopted by a recorded vote of 4 to 1, with no abstentions."]
    footer = d.sections[0].footer._element.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer
    assert d.core_properties.title == "Record of proceedings: Water for all"


# --- the command line and HTTP ----------------------------------------------------------------


def test_the_record_from_the_command_line(runner, sitting, tmp_path):
    from drafting.cli import main

    draft_id = str(sitting["draft"].id)
    pdf, word = tmp_path / "record.pdf", tmp_path / "record.docx"
    result = runner.invoke(main, ["record", draft_id, "--format", "pdf", "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert f"Wrote {pdf}" in result.stderr
    assert "Roll call, from Germany (drawn by lot)" in pdf_text(pdf.read_bytes())
    result = runner.invoke(main, ["record", draft_id, "--format", "docx", "-o", str(word)])
    assert result.exit_code == 0, result.output
    table = docx.Document(str(word)).tables[0]
    assert [r.cells[1].text for r in table.rows[1:]] == CALLED
    # to a pipe, the bytes themselves
    result = runner.invoke(main, ["record", draft_id, "--format", "pdf"])
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"%PDF-")
    assert "Vote 3: the draft as a whole" in pdf_text(result.stdout_bytes)
    # the text formats as before, and to a file with -o
    result = runner.invoke(main, ["record", draft_id])
    assert result.output.startswith("# Record of proceedings: Water for all")
    out = tmp_path / "record.json"
    result = runner.invoke(main, ["record", draft_id, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    import json

    assert [m["name"] for m in json.loads(out.read_text())["votes"][0]["called"]] == CALLED


def test_a_binary_record_is_not_written_to_a_terminal(runner, sitting, monkeypatch):
    from drafting import cli

    monkeypatch.setattr(cli, "_is_terminal", lambda stream: True)
    result = runner.invoke(cli.main, ["record", str(sitting["draft"].id), "--format", "docx"])
    assert result.exit_code == 1
    assert "give -o FILE, or redirect the output" in result.output
    assert b"PK" not in result.stdout_bytes
    assert "-o FILE" in runner.invoke(cli.main, ["record", "--help"]).output


def test_the_record_over_http(client, sitting):
    draft_id = sitting["draft"].id
    assert client.get(f"/draft/{draft_id}/record.pdf").status_code == 401
    client.get(f"/join/{sitting['chair_token']}")
    r = client.get(f"/draft/{draft_id}/record.pdf")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"] == 'attachment; filename="water-for-all-record.pdf"'
    assert "Decision on the text Adopted by a recorded vote of 4 to 1" in one_line(pdf_text(r.data))
    r = client.get(f"/draft/{draft_id}/record.docx")
    assert r.headers["Content-Type"] == published.content_type("docx")
    assert r.headers["Content-Disposition"] == 'attachment; filename="water-for-all-record.docx"'
    assert [c.text for c in docx.Document(io.BytesIO(r.data)).tables[1].columns[1].cells] == [
        "Member",
        "Morocco",
        "Senegal",
        "Brazil",
        "Chile",
        "Germany",
    ]
    # the API, with the bearer token
    api = client.application.test_client()
    bearer = {"Authorization": f"Bearer {sitting['chair_token']}"}
    r = api.get(f"/api/drafts/{draft_id}/record?format=docx", headers=bearer)
    assert r.status_code == 200 and r.data.startswith(b"PK")
    assert docx.Document(io.BytesIO(r.data)).paragraphs[2].text == "Water for all"
    r = api.get(f"/api/drafts/{draft_id}/record?format=pdf", headers=bearer)
    assert r.headers["Content-Type"] == "application/pdf" and r.data.startswith(b"%PDF-")
    assert api.get(f"/api/drafts/{draft_id}/record?format=odt", headers=bearer).status_code == 400
    assert api.get(f"/api/drafts/{draft_id}/record?format=pdf").status_code == 401
