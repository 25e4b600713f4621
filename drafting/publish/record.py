"""The record of proceedings as a document a secretariat files: PDF and DOCX.

The record says what happened to a draft and when: the proceedings in order with their
times, every amendment and its fate, every vote with its counts and the quorum at the
decision, the members of a recorded vote in the order the roll was called (from the member
drawn by lot, rule 87: not alphabetical), and the final decision on the whole text.

Pure: `build_record` reads the dict `Actions.record` returns (the one action that gathers
the record from the store and the journal) into a `RecordDocument`; `record_pdf` lays it out
with WeasyPrint from HTML and CSS (`templates/publish/record.html`), `record_docx` with
python-docx in named styles, the roll call as a table. Both say the same words: the wording
of the steps is `drafting.minutes`', the wording of a decision `drafting.document.Vote`'s.
Times are the journal's, in UTC, as the Markdown and HTML record show them.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import assets
from ..document import Vote
from ..errors import Invalid
from ..minutes import RULE
from . import content_type

__all__ = ["FORMATS", "build_record", "content_type", "record_docx", "record_pdf", "render_record"]

FORMATS = ("pdf", "docx")
TEMPLATES = assets.TEMPLATES  # the checkout's, or the copy an installed wheel carries

# the families the PDF asks for, in order: Latin and Cyrillic, Arabic, CJK, then DejaVu.
# Emoji come from Noto Color Emoji through fontconfig's own fallback: named in the list, it
# would also be picked for the digits, which it has as keycap bases (WeasyPrint #1848, #2291)
SERIF = '"Noto Serif", "Noto Naskh Arabic", "Noto Serif CJK SC", "DejaVu Serif", serif'
SANS = '"Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", "DejaVu Sans", sans-serif'

KIND = {"recorded": "recorded vote", "counted": "counted vote", "secret": "secret ballot"}
CHOICE = {"yes": "Yes", "no": "No", "abstain": "Abstaining", None: "Did not vote"}
FATE = {
    "adopted": "Adopted",
    "rejected": "Rejected",
    "friendly": "Accepted as friendly by every sponsor: part of the text without a vote",
    "withdrawn": "Withdrawn",
    "lapsed": "Lapsed",
    "conflicted": "Not decided: it no longer fits the clause as it stands (conflicted)",
    "pending": "Not decided (pending)",
    "voting": "Under a vote that is still open",
}
OUTCOME = {"adopted": "Adopted", "rejected": "Rejected", "no_consensus": "No consensus"}


# --- the model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One formal step of the proceedings, at its time (UTC)."""

    day: str  # YYYY-MM-DD
    time: str  # HH:MM:SS
    text: str


@dataclass(frozen=True)
class Called:
    """One member in a recorded vote, in the order the roll was called."""

    order: int  # 1 for the member drawn by lot
    member: str
    vote: str  # "Yes", "No", "Abstaining", "Did not vote"
    weight: int | None = None


@dataclass(frozen=True)
class VoteEntry:
    number: int  # the vote's number in the draft: "Vote 3"
    subject: str  # "amendment #2 to operative clause 1", "the draft as a whole"
    subject_type: str  # amendment, clause, draft, motion
    kind: str  # "recorded vote", "vote", "secret ballot"
    rule: str  # "majority of those present and voting"
    opened: str  # "2025-05-01 09:14:02 UTC"; "" for polls before the journal kept it
    closed: str
    state: str  # open, closed, suspended
    outcome: str  # "Adopted", "Rejected", "No consensus", "Suspended ...", "Still open"
    explanation: str  # the chair's announcement with every number in it
    yes: int | None = None
    no: int | None = None
    abstain: int | None = None
    present: int | None = None  # members present at the decision
    quorum: int | None = None  # members the decision needed
    roll_call: tuple[Called, ...] = ()

    @property
    def recorded(self) -> bool:
        return bool(self.roll_call)

    @property
    def how(self) -> str:
        """ "recorded vote, majority of those present and voting"; "consensus sought"."""
        if self.rule == RULE["consensus"]:
            return "consensus sought: the chair asked for objections"
        return f"{self.kind}, {self.rule}"

    @property
    def counts(self) -> str:
        """ "3 in favour, 1 against, 0 abstaining"; "no objection" when consensus was
        sought; "" without counts."""
        if self.yes is None or self.no is None:
            return ""
        if self.rule == RULE["consensus"]:
            return {0: "no objection", 1: "1 objection"}.get(self.no, f"{self.no} objections")
        return f"{self.yes} in favour, {self.no} against, {self.abstain or 0} abstaining"

    @property
    def quorum_line(self) -> str:
        """ "4 members present; quorum 3: met" (the numbers the decision was taken with)."""
        if self.present is None or self.quorum is None:
            return ""
        met = "met" if self.present >= self.quorum else "NOT met"
        members = "member" if self.present == 1 else "members"
        return f"{self.present} {members} present; quorum {self.quorum}: {met}"


@dataclass(frozen=True)
class AmendmentEntry:
    number: int
    clause: str  # the clause it amends: "operative clause 1"
    proposer: str  # "Jonas (Germany)"
    change: str  # "To read: “…”", "To delete the clause"
    base_text: str  # the clause as it stood when the amendment was written
    reason: str
    fate: str  # see FATE
    votes: tuple[VoteEntry, ...]

    @property
    def fate_line(self) -> str:
        """The fate with the vote that decided it: "Adopted (vote 1: 2 in favour, ...)"."""
        decided = [v for v in self.votes if v.state == "closed"]
        if not decided:
            return self.fate
        v = decided[-1]
        how = f"vote {v.number}: {v.counts}" if v.counts else f"vote {v.number}"
        return f"{self.fate} ({how})"


@dataclass(frozen=True)
class RecordDocument:
    conference: str
    rules: str  # the rules of procedure's name
    title: str
    symbol: str
    body: str
    place: str
    date: str
    status: str  # the draft's status now
    period: str  # "2025-05-01, 09:00 to 11:20 UTC"
    steps: tuple[Step, ...]
    amendments: tuple[AmendmentEntry, ...]
    votes: tuple[VoteEntry, ...]
    decision: str  # the final decision on the whole text, in a sentence
    decision_vote: VoteEntry | None  # the vote that took it

    @property
    def days(self) -> list[tuple[str, list[Step]]]:
        """The steps by day, in order."""
        out: list[tuple[str, list[Step]]] = []
        for s in self.steps:
            if not out or out[-1][0] != s.day:
                out.append((s.day, []))
            out[-1][1].append(s)
        return out

    @property
    def setting(self) -> str:
        """ "General Assembly · Rome, 1 May 2025": the body, place and date the chair gave."""
        where = ", ".join(x for x in (self.place, self.date) if x)
        return " · ".join(x for x in (self.body, where) if x)

    @property
    def details_line(self) -> str:
        """ "A/C.3/79/L.12 · General Assembly · Rome, 1 May 2025" (what the chair gave)."""
        return " · ".join(x for x in (self.symbol, self.setting) if x)


# --- building ----------------------------------------------------------------------------


def build_record(record: Mapping[str, Any]) -> RecordDocument:
    """The document from `Actions.record`'s dict."""
    draft = record.get("draft")
    if not isinstance(draft, Mapping) or not isinstance(record.get("clauses", []), list):
        raise Invalid("Cannot publish the record: expected the record of a draft.")
    details = record.get("details") or {}
    conference = record.get("conference") or {}
    votes = tuple(_vote(v) for v in record.get("votes") or ())
    by_number = {v.number: v for v in votes}
    steps = tuple(
        Step(day=str(s["at"])[:10], time=str(s["at"])[11:19], text=str(s["text"]))
        for s in record.get("proceedings") or ()
    )
    amendments = sorted(
        (
            _amendment(a, str(c.get("ref") or ""), by_number)
            for c in record.get("clauses") or ()
            for a in c.get("amendments") or ()
        ),
        key=lambda a: a.number,
    )
    on_draft = [v for v in votes if v.state == "closed" and v.subject_type == "draft"]
    status = str(draft.get("status") or "")
    decision_vote = on_draft[-1] if on_draft else None
    return RecordDocument(
        conference=str(conference.get("name") or ""),
        rules=str(conference.get("rules") or ""),
        title=str(draft.get("title") or ""),
        symbol=str(details.get("symbol") or ""),
        body=str(details.get("body") or ""),
        place=str(details.get("place") or ""),
        date=str(details.get("date") or ""),
        status=status,
        period=_period(steps),
        steps=steps,
        amendments=tuple(amendments),
        votes=votes,
        decision=_decision(status, _last_draft_result(record)),
        decision_vote=decision_vote,
    )


def _vote(v: Mapping[str, Any]) -> VoteEntry:
    state = str(v.get("state") or "")
    outcome = {
        "closed": OUTCOME.get(str(v.get("outcome")), str(v.get("outcome") or "").capitalize()),
        "suspended": "Suspended without a decision: the quorum was lost",
        "open": "Still open",
    }.get(state, state)
    roll = tuple(
        Called(
            order=i,
            member=str(m.get("name") or "?"),
            vote=CHOICE.get(m.get("choice"), str(m.get("choice"))),
            weight=m.get("weight") if isinstance(m.get("weight"), int) else None,
        )
        for i, m in enumerate(v.get("called") or (), start=1)
    )
    return VoteEntry(
        number=int(v.get("vote") or 0),
        subject=str(v.get("subject") or ""),
        subject_type=str(v.get("subject_type") or ""),
        kind=KIND.get(str(v.get("kind")), str(v.get("kind") or "")),
        rule=RULE.get(str(v.get("rule")), str(v.get("rule") or "")),
        opened=_when(v.get("opened_at")),
        closed=_when(v.get("closed_at")),
        state=state,
        outcome=outcome,
        explanation=str(v.get("explanation") or ""),
        yes=_int(v.get("yes")),
        no=_int(v.get("no")),
        abstain=_int(v.get("abstain")),
        present=_int(v.get("present")),
        quorum=_int(v.get("quorum")),
        roll_call=roll if state == "closed" else (),
    )


def _amendment(a: Mapping[str, Any], ref: str, votes: Mapping[int, VoteEntry]) -> AmendmentEntry:
    new = str(a.get("new_text") or "")
    change = {
        "replace": f"To read: “{new}”",
        "delete": "To delete the clause",
        "insert_after": f"To insert after it: “{new}”",
        "amend_amendment": f"To amend amendment #{a.get('target')} to read: “{new}”",
    }.get(str(a.get("kind")), new)
    status = str(a.get("status") or "")
    return AmendmentEntry(
        number=int(a.get("number") or 0),
        clause=ref,
        proposer=str(a.get("proposer") or ""),
        change=change,
        base_text=str(a.get("base_text") or ""),
        reason=str(a.get("reason") or ""),
        fate=FATE.get(status, status.capitalize()),
        votes=tuple(votes[v["vote"]] for v in a.get("votes") or () if v.get("vote") in votes),
    )


def _last_draft_result(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    closed = [v for v in record.get("votes_on_draft") or () if v.get("state") == "closed"]
    return closed[-1] if closed else None


def _decision(status: str, result: Mapping[str, Any] | None) -> str:
    """The final decision in the words the published text uses for it."""
    if result is not None and result.get("outcome") in ("adopted", "rejected"):
        vote = Vote(
            outcome=str(result["outcome"]),
            without_vote=result.get("rule") == "consensus",
            recorded=result.get("kind") == "recorded",
            yes=_int(result.get("yes")) or 0,
            no=_int(result.get("no")) or 0,
            abstain=_int(result.get("abstain")) or 0,
        )
        return f"{vote.statement}."
    if status == "adopted":
        return "Adopted."
    if status == "rejected":
        return "Rejected."
    if status == "withdrawn":
        return "Withdrawn by its sponsors: no decision was taken on the text."
    return f"No decision has been taken on the text yet (it is in {status or 'drafting'})."


def _when(at: object) -> str:
    s = str(at or "")
    return f"{s[:10]} {s[11:19]} UTC" if len(s) >= 19 else ""


def _period(steps: Sequence[Step]) -> str:
    if not steps:
        return ""
    first, last = steps[0], steps[-1]
    if first.day == last.day:
        return f"{first.day}, {first.time[:5]} to {last.time[:5]} UTC"
    return f"{first.day} {first.time[:5]} to {last.day} {last.time[:5]} UTC"


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def direction(text: str) -> str:
    """ "rtl" where the text's first strong character is Arabic or Hebrew, else "ltr"."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi == "L":
            return "ltr"
    return "ltr"


# --- PDF ---------------------------------------------------------------------------------


def record_html(doc: RecordDocument) -> str:
    """The record as a page for WeasyPrint: A4, numbered pages, the fonts for every script."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True)
    )
    env.filters["dir"] = direction
    return env.get_template("publish/record.html").render(doc=doc, serif=SERIF, sans=SANS)


def record_pdf(record: Mapping[str, Any] | RecordDocument) -> bytes:
    """The record as a PDF (WeasyPrint)."""
    from weasyprint import HTML

    doc = record if isinstance(record, RecordDocument) else build_record(record)
    out = HTML(string=record_html(doc)).write_pdf()
    assert isinstance(out, bytes)
    return out


# --- DOCX --------------------------------------------------------------------------------

# the named styles the document uses beyond Word's own (Title, Subtitle, Heading 1/2,
# Quote, Table Grid): a secretariat restyles the whole record by changing these
STEP = "Record Step"  # a step of the proceedings: its time, a tab, what happened
TIME = "Record Time"  # character style: the time in a step
LABEL = "Record Label"  # character style: "Fate:", "Counts:"
FIELD = "Record Field"  # a line "Label: value" under an amendment or a vote
DETAILS = "Record Details"  # the lines under the title
TABLE = "Record Table"  # the text in the roll-call table
DECISION = "Record Decision"  # the final decision on the whole text


def record_docx(record: Mapping[str, Any] | RecordDocument) -> bytes:
    """The record as a Word document in named styles, each recorded vote's roll call a table."""
    import docx
    from docx.shared import Cm

    doc = record if isinstance(record, RecordDocument) else build_record(record)
    d = docx.Document()
    _docx_styles(d)
    section = d.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    _docx_footer(section.footer.paragraphs[0], f"Record of proceedings: {doc.title}")
    props = d.core_properties
    props.title = f"Record of proceedings: {doc.title}"
    props.subject = doc.conference
    props.keywords = doc.symbol
    w = _Word(d)

    if doc.conference:
        w.para(DETAILS, doc.conference)
    w.para("Title", "Record of proceedings")
    w.para("Subtitle", doc.title)
    for line in (
        doc.details_line,
        f"Rules of procedure: {doc.rules}" if doc.rules else "",
        f"Proceedings: {doc.period}" if doc.period else "",
        f"Status of the draft: {doc.status}",
    ):
        if line:
            w.para(DETAILS, line)

    w.para("Heading 1", "Proceedings")
    if not doc.steps:
        w.para("Normal", "Nothing is in the record yet.")
    for day, steps in doc.days:
        w.para("Heading 2", f"{day} (UTC)")
        for s in steps:
            w.para(STEP, (s.time, TIME), "\t" + s.text)

    w.para("Heading 1", "Amendments")
    if not doc.amendments:
        w.para("Normal", "No amendment was proposed.")
    for a in doc.amendments:
        w.para("Heading 2", f"Amendment #{a.number} to {a.clause}")
        w.field("Proposed by", a.proposer)
        if a.base_text:
            w.field("The clause read", f"“{a.base_text}”")
        w.field("Change", a.change)
        if a.reason:
            w.field("Reason", a.reason)
        w.field("Fate", a.fate_line)

    w.para("Heading 1", "Votes")
    if not doc.votes:
        w.para("Normal", "No vote was taken.")
    for v in doc.votes:
        _docx_vote(w, v)

    w.para("Heading 1", "Decision on the text")
    w.para(DECISION, doc.decision)
    if doc.decision_vote is not None:
        v = doc.decision_vote
        w.field("Vote", f"vote {v.number}, {v.closed}" if v.closed else f"vote {v.number}")
        if v.quorum_line:
            w.field("Quorum", v.quorum_line)

    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


class _Word:
    """Paragraphs, runs and table cells in named styles, each style's id looked up once:
    python-docx finds a style by name by scanning every style, every time, which made a
    record of a few thousand roll-call lines take minutes."""

    def __init__(self, d: Any) -> None:
        self.d = d
        self.ids: dict[str, str] = {}

    def style_id(self, name: str) -> str:
        if name not in self.ids:
            self.ids[name] = self.d.styles[name].style_id
        return self.ids[name]

    def para(self, style: str, *runs: str | tuple[str, str], container: Any = None) -> Any:
        """A paragraph in `style`; each run text, or (text, character style)."""
        p = (container or self.d).add_paragraph()
        self.fill(p, style, *runs)
        return p

    def fill(self, p: Any, style: str, *runs: str | tuple[str, str]) -> None:
        p._p.get_or_add_pPr().style = self.style_id(style)
        for run in runs:
            text, char_style = (run, None) if isinstance(run, str) else run
            r = p.add_run(text)
            if char_style:
                r._r.get_or_add_rPr().style = self.style_id(char_style)

    def field(self, label: str, value: str) -> None:
        self.para(FIELD, (f"{label}: ", LABEL), value)


def _docx_vote(w: _Word, v: VoteEntry) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    w.para("Heading 2", f"Vote {v.number}: {v.subject}")
    w.field("How", v.how)
    if v.opened:
        w.field("Opened", v.opened)
    if v.closed:
        w.field("Closed", v.closed)
    if v.counts:
        w.field("Counts", v.counts)
    if v.quorum_line:
        w.field("Quorum", v.quorum_line)
    w.field("Outcome", v.explanation or v.outcome)
    if not v.roll_call:
        return
    w.para("Caption", f"Roll call, from {v.roll_call[0].member} (drawn by lot)")
    weighted = any(c.weight not in (None, 1) for c in v.roll_call)
    heads = ["", "Member", "Vote"] + (["Votes"] if weighted else [])
    table = w.d.add_table(rows=1, cols=len(heads))
    table._tbl.tblPr.style = w.style_id("Table Grid")
    for cell, text in zip(table.rows[0].cells, heads, strict=True):
        w.fill(cell.paragraphs[0], TABLE, (text, LABEL))
    _repeat_header(table.rows[0])
    for c in v.roll_call:
        cells = table.add_row().cells
        values = [str(c.order), c.member, c.vote] + ([str(c.weight or "")] if weighted else [])
        for cell, text in zip(cells, values, strict=True):
            w.fill(cell.paragraphs[0], TABLE, text)
        cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _docx_styles(d: Any) -> None:
    """Word's Normal in Noto (with the Arabic and CJK faces for those scripts), and ours."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    normal = d.styles["Normal"]
    normal.font.name = "Noto Serif"
    normal.font.size = Pt(11)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    fonts.set(qn("w:cs"), "Noto Naskh Arabic")

    def paragraph(name: str, base: str = "Normal") -> Any:
        s = d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        s.base_style = d.styles[base]
        s.quick_style = True
        return s

    step = paragraph(STEP)
    step.paragraph_format.left_indent = Cm(2)
    step.paragraph_format.first_line_indent = Cm(-2)
    step.paragraph_format.tab_stops.add_tab_stop(Cm(2))
    step.paragraph_format.space_after = Pt(3)
    field = paragraph(FIELD)
    field.paragraph_format.left_indent = Cm(0.5)
    field.paragraph_format.space_after = Pt(2)
    details = paragraph(DETAILS)
    details.paragraph_format.space_after = Pt(2)
    details.font.size = Pt(10)
    table = paragraph(TABLE)
    table.paragraph_format.space_after = Pt(0)
    table.font.size = Pt(10)
    d.styles["Caption"].paragraph_format.keep_with_next = True  # with its table
    decision = paragraph(DECISION)
    decision.font.bold = True
    decision.font.size = Pt(12)
    time = d.styles.add_style(TIME, WD_STYLE_TYPE.CHARACTER)
    time.font.name = "Noto Sans"
    time.font.size = Pt(9.5)
    label = d.styles.add_style(LABEL, WD_STYLE_TYPE.CHARACTER)
    label.font.bold = True


def _docx_footer(p: Any, text: str) -> None:
    """ "Record of proceedings: title · page N of M", the numbers as Word's fields."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def field(code: str) -> None:
        f = OxmlElement("w:fldSimple")
        f.set(qn("w:instr"), code)
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = "1"
        run.append(t)
        f.append(run)
        p._p.append(f)

    p.style = "Footer"
    p.add_run(f"{text} · page ")
    field("PAGE")
    p.add_run(" of ")
    field("NUMPAGES")


def _repeat_header(row: Any) -> None:
    """The table's first row repeats on every page it runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    head = OxmlElement("w:tblHeader")
    head.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(head)


# --- the registry -------------------------------------------------------------------------

RENDERERS: dict[str, Callable[[RecordDocument], bytes]] = {
    "pdf": record_pdf,
    "docx": record_docx,
}


def render_record(record: Mapping[str, Any], fmt: str) -> bytes:
    """The record (`Actions.record`'s dict) as the bytes of a PDF or DOCX file."""
    if fmt not in RENDERERS:
        raise Invalid(
            f"Unknown format {fmt!r} for the record as a document: choose one of "
            f"{', '.join(FORMATS)}."
        )
    return RENDERERS[fmt](build_record(record))
