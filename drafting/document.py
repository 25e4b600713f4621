"""One document model for every published form of a draft: PDF, DOCX, ODT, Akoma Ntoso, HTML.

Laid out as the documents of an assembly's world are (UN editorial practice, AKN4UN):

- a title block: the body that speaks, the document symbol, the date and place, the
  sponsors, the submission line ("Draft resolution submitted by the Chair"), the title, and
  "Draft" or "Adopted" with how it was adopted (the vote, or "without a vote");
- the opening ("The General Assembly,", "The Forum participants declared:");
- preambular paragraphs with their lead words in italics ("*Recalling* its resolution ...");
- numbered operative paragraphs with the lead word in italics ("1. *Decides* ..."),
  sub-paragraphs (a), (b) and (i), (ii) indented under them;
- headings; list items kept as lists with their dash or bullet; plain paragraphs.

Pure: built from the dict `Actions.publication` gives (the draft as clients load it, its
title block, the conference, the sponsors' names and the decision on the whole text).
Renderers (`drafting.publish`) take a `Document` and never look at the store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .domain import UNTITLED
from .errors import Invalid
from .importing import _is_opener

# the kinds a Block has: a clause's kind, or "opening" for the line the body speaks with
BLOCK_KINDS = ("opening", "heading", "preambular", "operative", "item", "text")


@dataclass(frozen=True)
class Block:
    kind: str  # one of BLOCK_KINDS
    level: int  # 0 top; 1 = (a); 2 = (i)
    number: str  # as printed: "1.", "(a)", "(i)"; "" when unnumbered
    lead: str  # the lead words set in italics ("Recalling", "Strongly condemns"); or ""
    rest: str  # the text after the lead words (from the space after them)
    marker: str = ""  # a list item's dash or bullet
    clause_id: int | None = None

    @property
    def text(self) -> str:
        return self.lead + self.rest


@dataclass(frozen=True)
class Vote:
    """How the whole text was decided: by a vote with its counts, or without a vote."""

    outcome: str  # "adopted" | "rejected"
    without_vote: bool  # adopted by consensus: "without a vote"
    recorded: bool  # a recorded (roll-call) vote: `names` says who voted how
    yes: int = 0
    no: int = 0
    abstain: int = 0
    present: int | None = None  # members (or votes) present at the decision
    quorum: int | None = None  # the quorum it needed
    entitled: int | None = None
    required: int | None = None
    rule: str = ""
    at: str = ""  # ISO time the vote closed
    names: Mapping[str, Sequence[str]] = field(default_factory=dict)  # yes/no/abstain

    @property
    def statement(self) -> str:
        """ "Adopted by a recorded vote of 120 to 3, with 5 abstentions", "Adopted without a
        vote": the line under the title and at the foot of the text."""
        verb = "Adopted" if self.outcome == "adopted" else "Rejected"
        if self.without_vote:
            return f"{verb} without a vote"
        how = "a recorded vote" if self.recorded else "a vote"
        abst = {0: "no abstentions", 1: "1 abstention"}.get(
            self.abstain, f"{self.abstain} abstentions"
        )
        return f"{verb} by {how} of {self.yes} to {self.no}, with {abst}"

    @property
    def quorum_line(self) -> str:
        if self.present is None or self.quorum is None:
            return ""
        held = "present" if self.present >= self.quorum else "NOT present"
        members = "member" if self.present == 1 else "members"
        return f"Quorum {held}: {self.present} {members} present, {self.quorum} required"


@dataclass(frozen=True)
class Document:
    draft_id: int | None
    title: str
    body: str  # "General Assembly"; the conference's name unless the chair set it
    symbol: str
    submission: str  # "Draft resolution submitted by the Chair"
    place: str
    date: str  # as the chair wrote it, or the day of the decision (YYYY-MM-DD)
    sponsors: tuple[str, ...]
    status: str  # the draft's status: drafting, formal, voting, adopted, rejected, withdrawn
    vote: Vote | None
    blocks: tuple[Block, ...]
    conference: str = ""

    @property
    def adopted(self) -> bool:
        return self.status == "adopted"

    @property
    def stage(self) -> str:
        """What every page says the text is: "Draft", "Adopted", "Rejected", "Withdrawn"."""
        return {"adopted": "Adopted", "rejected": "Rejected", "withdrawn": "Withdrawn"}.get(
            self.status, "Draft"
        )

    @property
    def status_line(self) -> str:
        """Under the title block: how it was adopted, or that it is not (yet) adopted."""
        if self.vote is not None and self.status in ("adopted", "rejected"):
            return self.vote.statement
        if self.status == "adopted":
            return "Adopted"
        if self.status == "rejected":
            return "Rejected"
        if self.status == "withdrawn":
            return "Withdrawn: not adopted"
        return "Draft: not adopted"


# --- lead words --------------------------------------------------------------------------

_ADVERBS = frozenset(
    "also further again once still moreover hereby therefore equally likewise finally "
    "first second third furthermore nevertheless".split()
)
# what follows a lead verb and belongs to it, as UN editors set it in italics
_TAILS = (
    # adverbs after the verb: "Recalling also", "Noting further", "Requests once again"
    "once again",
    "also",
    "further",
    "again",
    "note with deep appreciation",
    "note with appreciation",
    "note with satisfaction",
    "note with deep concern",
    "note with concern",
    "note with regret",
    "note of",
    "note",
    "in mind",
    "into account",
    "into consideration",
    "upon",
    "with deep appreciation",
    "with appreciation",
    "with satisfaction",
    "with deep concern",
    "with grave concern",
    "with concern",
    "with regret",
    "with alarm",
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
# scripts written without spaces between words: no lead word can be told from the text (UN
# Chinese and Japanese texts set none in italics either)
_UNSPACED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\u0e00-\u0e7f]"
)


def lead_length(kind: str, text: str) -> int:
    """How many characters of a preambular or operative paragraph are its lead words.

    English drafting: adverbs ("Strongly", "Also", "Further") and the verb or participle
    after them, with what belongs to it ("Taking note with appreciation", "Bearing in mind");
    in any other language the first word. 0 for other kinds, and where the paragraph does not
    open with a word (a quotation, a number) or is that one word only.
    """
    if kind not in ("preambular", "operative"):
        return 0
    pos = 0
    end = 0
    words = 0
    while True:
        m = _WORD.match(text, pos)
        if m is None:
            break
        word = m.group(0)
        if _UNSPACED.search(word):
            return 0
        words += 1
        end = m.end()
        if word.casefold() in _ADVERBS or (word.casefold().endswith("ly") and len(word) > 4):
            if words < 4 and end < len(text) and text[end] == " ":
                pos = end + 1
                continue
        break
    if end == 0:
        return 0
    after = text[end:]
    low = after.casefold()
    for tail in _TAILS:
        if low.startswith(" " + tail) and (
            len(low) == len(tail) + 1 or not low[len(tail) + 1].isalnum()
        ):
            end += len(tail) + 1
            break
    if end >= len(text.rstrip(" .,;:")):
        return 0
    return end


# --- building ----------------------------------------------------------------------------

_OPENING_ENDS = (",", ":", "،", "，", "：")


def build(pub: Mapping[str, Any]) -> Document:
    """The document from `Actions.publication`'s dict."""
    draft = pub.get("draft")
    if not isinstance(draft, Mapping) or not isinstance(draft.get("clauses", []), list):
        raise Invalid("Cannot publish: expected a draft with a list of clauses.")
    details = draft.get("details") or {}
    conference = pub.get("conference") or {}
    vote = _vote(pub.get("decision"))
    date = str(details.get("date") or "") or (vote.at[:10] if vote and vote.at else "")
    return Document(
        draft_id=draft.get("id") if isinstance(draft.get("id"), int) else None,
        title=_one_line(str(draft.get("title") or "")) or UNTITLED,
        body=str(details.get("body") or "") or str(conference.get("name") or ""),
        symbol=str(details.get("symbol") or ""),
        submission=str(details.get("submission") or ""),
        place=str(details.get("place") or ""),
        date=date,
        sponsors=tuple(str(s) for s in pub.get("sponsors") or ()),
        status=str(draft.get("status") or "drafting"),
        vote=vote,
        blocks=tuple(_blocks(draft["clauses"])),
        conference=str(conference.get("name") or ""),
    )


def _vote(decision: object) -> Vote | None:
    if not isinstance(decision, Mapping) or decision.get("outcome") not in ("adopted", "rejected"):
        return None
    names: dict[str, list[str]] = {"yes": [], "no": [], "abstain": []}
    for v in decision.get("votes") or ():
        if isinstance(v, Mapping) and v.get("choice") in names:
            names[str(v["choice"])].append(str(v.get("delegation") or ""))
    return Vote(
        outcome=str(decision["outcome"]),
        without_vote=decision.get("rule") == "consensus",
        recorded=decision.get("kind") == "recorded",
        yes=int(decision.get("yes") or 0),
        no=int(decision.get("no") or 0),
        abstain=int(decision.get("abstain") or 0),
        present=_int_or_none(decision.get("present")),
        quorum=_int_or_none(decision.get("quorum")),
        entitled=_int_or_none(decision.get("entitled")),
        required=_int_or_none(decision.get("required")),
        rule=str(decision.get("rule") or ""),
        at=str(decision.get("closed_at") or ""),
        names=names if decision.get("kind") == "recorded" else {},
    )


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _one_line(text: str) -> str:
    """Line breaks and runs of spaces become one space; a no-break space stays (French puts
    one before ";" and ":", and it must not break there)."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()


def _opening(text: str) -> bool:
    """The line the body speaks with, as the importer recognises it ("The General Assembly,",
    "L'Assemblée générale,"), ending with a comma or a colon ("The Forum participants
    declared:"); not any short sentence that ends with a colon."""
    return text.endswith(_OPENING_ENDS) and _is_opener(text[:-1] + ",")


def _blocks(clauses: Sequence[Any]) -> list[Block]:
    out: list[Block] = []
    seen_body = False  # a preambular or operative paragraph came before

    def walk(items: Sequence[Any], level: int, parent_kind: str) -> None:
        nonlocal seen_body
        for c in items:
            if not isinstance(c, Mapping):
                raise Invalid("Cannot publish: a clause is not an object.")
            kind = str(c.get("kind") or "text")
            if kind not in BLOCK_KINDS or kind == "opening":
                kind = "text"
            text = _one_line(str(c.get("text") or ""))
            if level > 0 and kind in ("preambular", "operative", "text"):
                kind = parent_kind if parent_kind in ("preambular", "operative") else kind
            number = str(c.get("number") or "")
            if kind == "operative" and level == 0 and number:
                number = f"{number}."
            if level == 0 and kind == "text" and not seen_body and _opening(text):
                kind = "opening"
            seen_body = seen_body or kind in ("preambular", "operative")
            lead = lead_length(kind, text) if level == 0 else 0
            out.append(
                Block(
                    kind=kind,
                    level=level,
                    number=number,
                    lead=text[:lead],
                    rest=text[lead:],
                    marker=str(c.get("marker") or "") if kind == "item" else "",
                    clause_id=c.get("id") if isinstance(c.get("id"), int) else None,
                )
            )
            walk(c.get("children") or [], level + 1, kind)

    walk(clauses, 0, "")
    return out
