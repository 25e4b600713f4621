"""The drafting domain: conferences, participants, drafts, clauses, amendments, polls.

Plain dataclasses and pure functions. Nothing here imports Flask or SQLite, so the rules
can be tested on their own and every door (HTTP, Socket.IO, CLI) shares them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .errors import Conflict, Invalid, NotFound, TooLarge

ROLES = ("chair", "delegate", "observer")
DRAFT_STATUSES = ("drafting", "formal", "voting", "adopted", "rejected", "withdrawn")
OPEN_STATUSES = ("drafting", "formal", "voting")
CLAUSE_KINDS = ("heading", "preambular", "operative", "item", "text")
# how a list item (kind "item") is set off, as the document wrote it: en dash, hyphen, bullet
ITEM_MARKERS = ("–", "—", "-", "•", "*", "·")
DEFAULT_ITEM_MARKER = "–"
# a draft's title block, set by the chair or read from an imported document
DRAFT_DETAILS = ("symbol", "submission", "body", "place", "date")
MAX_DETAIL_CHARS = 300
CLAUSE_STATUSES = ("active", "deleted", "adopted", "rejected")
AMENDMENT_KINDS = ("replace", "delete", "insert_after", "amend_amendment")
# what an amendment to a clause (not to another amendment) can do: these compete in the order
CLAUSE_AMENDMENT_KINDS = ("replace", "delete", "insert_after")
OPEN_AMENDMENT = ("pending", "conflicted")  # still to be decided, and not under a vote
AMENDMENT_STATUSES = (
    "pending",
    "friendly",
    "conflicted",
    "voting",
    "lapsed",
    "adopted",
    "rejected",
    "withdrawn",
)
POLL_SUBJECTS = ("amendment", "clause", "draft", "motion")
MOTION_STATUSES = ("pending", "granted", "refused", "voting", "withdrawn")
POLL_STATES = ("open", "closed", "suspended")
AGENDA_STATUSES = ("pending", "current", "done", "removed")

GONE = ("deleted", "rejected")  # clauses no longer in the text
MAX_LEVEL = 2  # 0: clause, 1: (a), 2: (i)
MAX_CLAUSE_CHARS = 20_000
MAX_NAME_CHARS = 200
MAX_TITLE_CHARS = 500
MAX_REASON_CHARS = 2_000
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # an imported document (text, Markdown, .docx)
MAX_DOCX_UNPACKED = 10 * MAX_DOCUMENT_BYTES  # a .docx is a zip: what it may unpack to
UNTITLED = "Untitled draft"
EVENTS_PER_SECOND = 40.0  # what one connection may keep up (the excess is rate_limited)
EVENT_BURST = 200.0  # and send at once (a reconnect flushes queued edits)
MAX_DELTA_CHARS = 3 * MAX_CLAUSE_CHARS  # a delta %-escapes what it inserts: up to 3x longer
MAX_WEIGHT = 1_000_000  # a member's votes, where an assembly weighs them
MAX_REBASE_VERSIONS = 1000  # further behind than this, the client rebases on the current text
SESSION_GAP_SECONDS = 60.0  # a pause longer than this ends an editing session (history)


DEFAULT_RULES = "un_committee"  # the rule set a new conference follows (procedure.PRESETS)


@dataclass(frozen=True)
class Conference:
    id: int
    name: str
    majority: str = "simple"
    quorum: int | None = None  # members (or weights) needed for a decision; None: a majority
    rules: str = DEFAULT_RULES


@dataclass(frozen=True)
class Member:
    """Who votes: a delegation (a State, an organisation, a branch), one vote (or `weight`)
    however many representatives it sends. Rule 82 (124 in committees): "Each member shall
    have one vote"."""

    id: int
    conference_id: int
    name: str
    weight: int = 1


@dataclass(frozen=True)
class Participant:
    """A person: the chair, an observer, or a representative of a member (its delegation)."""

    id: int
    conference_id: int
    name: str
    delegation: str = ""
    role: str = "delegate"
    present: bool = False
    member_id: int | None = None  # the member a delegate represents

    @property
    def is_chair(self) -> bool:
        return self.role == "chair"

    @property
    def can_vote(self) -> bool:
        """Delegates vote for their member; the chair presides and observers only watch."""
        return self.role == "delegate" and self.member_id is not None

    @property
    def can_propose(self) -> bool:
        return self.role in ("chair", "delegate")


@dataclass(frozen=True)
class Draft:
    id: int
    conference_id: int
    title: str
    status: str = "drafting"
    sponsors: tuple[int, ...] = ()
    # the chair's rulings on the order of voting: clause id -> its amendments, in that order
    vote_order: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # the title block (DRAFT_DETAILS): the document symbol the secretariat gives
    # ("A/C.3/79/L.12"), the submission line ("Draft resolution submitted by the Chair"), the
    # body that speaks ("General Assembly"; the conference's name when empty), place, date
    symbol: str = ""
    submission: str = ""
    body: str = ""
    place: str = ""
    date: str = ""

    def details(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in DRAFT_DETAILS}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Clause:
    id: int
    draft_id: int
    kind: str
    text: str
    parent_id: int | None = None
    position: int = 0
    version: int = 1
    status: str = "active"
    marker: str = ""  # a list item's dash or bullet; "" for every other kind


@dataclass(frozen=True)
class Amendment:
    """A proposed change to a clause, kept as text against the version it was written on."""

    id: int
    draft_id: int
    number: int
    clause_id: int
    kind: str
    proposer_id: int
    base_version: int
    base_text: str
    new_text: str
    reason: str = ""
    status: str = "pending"
    target_amendment_id: int | None = None
    new_kind: str | None = None
    accepted_by: tuple[int, ...] = ()
    refused_by: tuple[int, ...] = ()
    delta: str = ""

    @property
    def is_open(self) -> bool:
        """Still before the assembly: it can be accepted, withdrawn, rebased, voted."""
        return self.status in ("pending", "conflicted")


@dataclass(frozen=True)
class Motion:
    """A member's request on how a question is voted: a recorded vote, a division (this part
    voted separately), a secret ballot. The chair grants or refuses it, or puts it to the vote;
    some rules make it a right."""

    id: int
    draft_id: int
    number: int
    kind: str  # "recorded_vote" | "division" | "secret_ballot"
    subject_type: str  # what it is about: "amendment" | "clause" | "draft"
    subject_id: int
    mover_id: int | None
    status: str = "pending"  # pending, granted, refused, voting, withdrawn
    poll_id: int | None = None  # when it was put to the vote
    created_at: str | None = None


@dataclass(frozen=True)
class AgendaItem:
    """An item on a conference's agenda: a draft, or a free item with a title ("Opening of
    the session", "Election of officers"). Its place is `position`; its number is derived
    (1, 2, 3 among the items not removed), as a clause's is."""

    id: int
    conference_id: int
    position: int
    title: str
    draft_id: int | None = None
    status: str = "pending"  # pending, current, done, removed

    @property
    def kind(self) -> str:
        return "draft" if self.draft_id is not None else "item"


@dataclass(frozen=True)
class SpeakersList:
    """The list of speakers of an agenda item, or of one clause of its draft (`clause_id`).
    `version` counts its changes: messages carry it, so a client sees one it missed."""

    id: int
    conference_id: int
    agenda_item_id: int
    clause_id: int | None = None
    open: bool = True
    for_against: bool = False  # speakers for and against in turn
    speaking_seconds: int | None = None  # None: no limit
    reply_seconds: int | None = None  # None: as a speech
    version: int = 1


@dataclass(frozen=True)
class FloorRequest:
    """A delegation's request for the floor on a list, and the speech it becomes.

    Times are the store's ISO timestamps. `started_at` is when the current stretch of the
    speech began (the floor given, or given back after a point of order); `spoken_ms` what
    was spoken before it; `deadline` when its time is up (None: no limit)."""

    id: int
    list_id: int
    conference_id: int
    kind: str  # speech, for, against, point_of_order, reply (`floor.KINDS`)
    member_id: int  # the delegation
    participant_id: int | None  # who asked (None: the chair put the delegation on the list)
    position: int  # its place among the requests of its group (`floor.group`)
    status: str = "waiting"  # waiting, speaking, interrupted, spoken, withdrawn
    asked_at: str | None = None
    first_started_at: str | None = None
    started_at: str | None = None
    spoken_ms: int = 0
    limit_seconds: int | None = None
    deadline: str | None = None
    ended_at: str | None = None
    ruling: str | None = None  # a point of order: the chair's ruling


@dataclass(frozen=True)
class Poll:
    id: int
    draft_id: int
    subject_type: str
    subject_id: int
    rule: str
    kind: str
    state: str = "open"
    result: dict[str, object] | None = None
    entitled: int = 0  # members (or their weights) entitled to vote when it opened
    closes_at: str | None = None
    opened_at: str | None = None
    present: int | None = None  # members (or weights) present when it opened
    roll_call: tuple[int, ...] = ()  # recorded polls: members in calling order, first by lot
    closed_at: str | None = None


# --- validation ----------------------------------------------------------------------------


def check_choice_of(value: str, allowed: Iterable[str], what: str) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise Invalid(f"Unknown {what} {value!r}: use one of {', '.join(allowed)}.")
    return value


MAX_WHOLE = 2**53 - 1


def whole_number(value: object, what: str) -> int:
    """An id or a count from a request: an int, or a string of ASCII digits (a superscript
    two is a digit to `str.isdigit` but not to `int`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        digits = value.strip() if isinstance(value, str) else ""
        if digits.isascii() and digits.isdigit() and len(digits) <= 16:
            value = int(digits)
        else:
            raise Invalid(f"The {what} must be a whole number.")
    if not -MAX_WHOLE <= value <= MAX_WHOLE:
        # SQLite's integers end at 2**63; no id or count comes near JavaScript's 2**53
        raise Invalid(f"The {what} is out of range: {value} is larger than any there is.")
    return value


def optional_number(value: object, what: str) -> int | None:
    return None if value is None else whole_number(value, what)


def member_name(delegation: str, person: str) -> str:
    """The member a delegate represents: their delegation, or themselves when they have none
    (an assembly of individuals)."""
    return delegation.strip() or person.strip()


def clean_name(value: object, what: str, limit: int = MAX_NAME_CHARS) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"The {what} must be a non-empty text.")
    value = value.strip()
    if len(value) > limit:
        raise Invalid(f"The {what} is too long ({len(value)} characters, at most {limit}).")
    return value


def check_marker(kind: str, marker: object) -> str:
    """A list item's marker (one of ITEM_MARKERS; the en dash when not given); "" for any
    other kind, which has none."""
    if kind != "item":
        if marker not in (None, ""):
            raise Invalid(f"Only a list item has a dash or bullet; a {kind} clause has none.")
        return ""
    if marker in (None, ""):
        return DEFAULT_ITEM_MARKER
    if not isinstance(marker, str) or marker not in ITEM_MARKERS:
        raise Invalid(f"A list item is set off by one of {' '.join(ITEM_MARKERS)}.")
    return marker


def check_details(values: Mapping[str, object]) -> dict[str, str]:
    """The title block's fields a chair sets: each a line of text, at most MAX_DETAIL_CHARS."""
    out: dict[str, str] = {}
    for key, value in values.items():
        if key not in DRAFT_DETAILS:
            raise Invalid(f"Unknown draft detail {key!r}: use {', '.join(DRAFT_DETAILS)}.")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise Invalid(f"The draft's {key} must be a text.")
        clean = " ".join(value.split())
        if len(clean) > MAX_DETAIL_CHARS:
            raise TooLarge(f"The draft's {key} can be at most {MAX_DETAIL_CHARS} characters.")
        out[key] = clean
    return out


def check_clause_text(text: object) -> str:
    if not isinstance(text, str):
        raise Invalid("Clause text must be a string.")
    if len(text) > MAX_CLAUSE_CHARS:
        raise TooLarge(
            f"A clause can hold at most {MAX_CLAUSE_CHARS:,} characters; this one would have "
            f"{len(text):,}."
        )
    if "\x00" in text:
        raise Invalid("Clause text cannot contain NUL characters.")
    return text


# --- numbering -----------------------------------------------------------------------------


def letters(n: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa: the way long lists of sub-clauses run on."""
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


_ROMAN = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
]


def roman(n: int) -> str:
    out = ""
    for value, sym in _ROMAN:
        while n >= value:
            out += sym
            n -= value
    return out


@dataclass(frozen=True)
class Entry:
    """A clause in document order with its derived number, nesting level and reference."""

    clause: Clause
    number: str
    level: int
    ref: str
    children: list[Entry] = field(default_factory=list)
    seq: int = 0  # unnumbered top-level clauses: the how-manieth of their kind (paragraph 12)


def _sub_number(level: int, index: int) -> str:
    return f"({letters(index)})" if level == 1 else f"({roman(index)})"


def outline(clauses: Iterable[Clause]) -> list[Entry]:
    """The live clauses as a numbered tree, top level first.

    Numbering is derived, never stored: top-level operative clauses count 1, 2, 3 across the
    whole draft; sub-clauses count (a), (b) under their parent and (i), (ii) one level down.
    """
    live = [c for c in clauses if c.status not in GONE]
    by_parent: dict[int | None, list[Clause]] = {}
    for c in live:
        by_parent.setdefault(c.parent_id, []).append(c)
    for sibs in by_parent.values():
        sibs.sort(key=lambda c: (c.position, c.id))
    # a module-level function, not a recursive closure: that is a reference cycle, which
    # only the cyclic collector frees (a draft view per join, in one pause)
    return _build(by_parent, {}, None, 0, "")


def _build(
    by_parent: dict[int | None, list[Clause]],
    seqs: dict[str, int],
    parent: int | None,
    level: int,
    parent_ref: str,
) -> list[Entry]:
    """The numbered entries under `parent`; `seqs` counts top-level clauses by kind."""
    entries = []
    for index, c in enumerate(by_parent.get(parent, []), start=1):
        seq = 0
        if level == 0:
            if c.kind == "operative":
                seqs["operative"] = seqs.get("operative", 0) + 1
                number = str(seqs["operative"])
            else:
                number = ""
                seq = seqs[c.kind] = seqs.get(c.kind, 0) + 1
        else:
            number = _sub_number(level, index)
        ref = parent_ref + number if number else parent_ref
        children = _build(by_parent, seqs, c.id, min(level + 1, MAX_LEVEL), ref)
        entries.append(Entry(c, number, level, ref or "", children, seq))
    return entries


def flatten(entries: Iterable[Entry]) -> list[Entry]:
    out: list[Entry] = []
    for e in entries:
        out.append(e)
        out.extend(flatten(e.children))
    return out


KIND_NAMES = {
    "operative": "operative clause",
    "preambular": "preambular paragraph",
    "heading": "heading",
    "item": "list item",
    "text": "paragraph",
}


def describe(entry: Entry) -> str:
    """How a chair names a clause aloud, the one name used on every screen and in the record:
    "operative clause 2", "clause 2(a)", "preambular paragraph 3", "paragraph 12"."""
    if entry.level > 0:
        return f"clause {entry.ref or entry.number}"
    name = KIND_NAMES.get(entry.clause.kind, "paragraph")
    if entry.number:
        return f"{name} {entry.number}"
    return f"{name} {entry.seq}" if entry.seq else name


# --- structure: pure operations returning the clauses whose place changed ----------------


def _live(clauses: Iterable[Clause]) -> dict[int, Clause]:
    return {c.id: c for c in clauses if c.status not in GONE}


def _siblings(live: dict[int, Clause], parent_id: int | None) -> list[Clause]:
    return sorted(
        (c for c in live.values() if c.parent_id == parent_id), key=lambda c: (c.position, c.id)
    )


def _level(live: dict[int, Clause], clause_id: int | None) -> int:
    level = -1
    while clause_id is not None:
        level += 1
        clause_id = live[clause_id].parent_id
    return level


def _subtree_depth(live: dict[int, Clause], clause_id: int) -> int:
    kids = [c for c in live.values() if c.parent_id == clause_id]
    return 0 if not kids else 1 + max(_subtree_depth(live, k.id) for k in kids)


def subtree_ids(clauses: Iterable[Clause], clause_id: int) -> list[int]:
    live = _live(clauses)
    out = [clause_id]
    for c in live.values():
        if c.parent_id == clause_id:
            out.extend(subtree_ids(live.values(), c.id))
    return out


def resolve_place(
    clauses: Iterable[Clause], parent_id: int | None, after_id: int | None
) -> tuple[int | None, int]:
    """Where a clause goes: under `parent_id`, right after sibling `after_id` (None: first).

    `after_id` alone (parent omitted) means "beside that clause", under its parent.
    Returns (parent_id, index among the siblings).
    """
    live = _live(clauses)
    if after_id is not None:
        if after_id not in live:
            raise NotFound(f"There is no clause {after_id} in this draft to place it after.")
        after = live[after_id]
        if parent_id is None:
            parent_id = after.parent_id
        elif after.parent_id != parent_id:
            raise Invalid(f"Clause {after_id} is not under clause {parent_id}.")
    if parent_id is not None and parent_id not in live:
        raise NotFound(f"There is no clause {parent_id} in this draft to nest it under.")
    sibs = _siblings(live, parent_id)
    index = 0 if after_id is None else [s.id for s in sibs].index(after_id) + 1
    return parent_id, index


def _reposition(sibs: list[Clause]) -> list[Clause]:
    return [replace(c, position=i) for i, c in enumerate(sibs) if c.position != i]


def insert(
    clauses: Iterable[Clause], new: Clause, parent_id: int | None, after_id: int | None
) -> list[Clause]:
    """Place `new` (not yet in `clauses`); returns the new clause and siblings that moved."""
    clauses = list(clauses)
    live = _live(clauses)
    parent_id, index = resolve_place(clauses, parent_id, after_id)
    if _level(live, parent_id) + 1 > MAX_LEVEL:
        raise Invalid("Clauses nest at most two levels deep: (a), then (i).")
    sibs = _siblings(live, parent_id)
    placed = replace(new, parent_id=parent_id, position=-1)
    sibs.insert(index, placed)
    changed = [replace(c, position=i) for i, c in enumerate(sibs) if c.position != i]
    return changed


def move(
    clauses: Iterable[Clause], clause_id: int, parent_id: int | None, after_id: int | None
) -> list[Clause]:
    """Move a clause (with its sub-clauses); returns every clause whose place changed."""
    clauses = list(clauses)
    live = _live(clauses)
    if clause_id not in live:
        raise NotFound(f"There is no clause {clause_id} in this draft.")
    if after_id == clause_id or parent_id == clause_id:
        raise Invalid("A clause cannot be placed after or under itself.")
    inside = set(subtree_ids(live.values(), clause_id))
    if parent_id in inside or (after_id is not None and after_id in inside):
        raise Invalid("A clause cannot be moved inside its own sub-clauses.")
    moving = live[clause_id]
    rest = {k: v for k, v in live.items() if k != clause_id}
    # close the gap it leaves
    old_sibs = _siblings(rest, moving.parent_id)
    changed = {c.id: c for c in _reposition(old_sibs)}
    merged = {**rest, **changed}
    parent_id, index = resolve_place(merged.values(), parent_id, after_id)
    if _level(merged, parent_id) + 1 + _subtree_depth(live, clause_id) > MAX_LEVEL:
        raise Invalid("That move would nest clauses more than two levels deep.")
    sibs = _siblings(merged, parent_id)
    sibs.insert(index, replace(moving, parent_id=parent_id, position=-1))
    for i, c in enumerate(sibs):
        if c.position != i or c.id == clause_id:
            changed[c.id] = replace(c, position=i)
    if changed.get(clause_id) == moving:
        del changed[clause_id]
    return list(changed.values())


def delete(clauses: Iterable[Clause], clause_id: int) -> list[Clause]:
    """Delete a clause and its sub-clauses (kept in the record, marked deleted)."""
    clauses = list(clauses)
    live = _live(clauses)
    if clause_id not in live:
        raise NotFound(f"There is no clause {clause_id} in this draft.")
    gone = subtree_ids(live.values(), clause_id)
    changed = [replace(live[i], status="deleted") for i in gone]
    rest = {k: v for k, v in live.items() if k not in gone}
    changed.extend(_reposition(_siblings(rest, live[clause_id].parent_id)))
    return changed


# --- drafts and modes ----------------------------------------------------------------------


def check_editable(draft: Draft) -> None:
    """Live editing is for informal consultations only."""
    if draft.status == "drafting":
        return
    if draft.status == "formal" or draft.status == "voting":
        raise Conflict(
            "The draft is in formal mode: its text changes only through amendments "
            "adopted by vote or accepted as friendly."
        )
    raise Conflict(f"The draft is {draft.status}; it is read-only.")


def check_open(draft: Draft) -> None:
    if not draft.is_open:
        raise Conflict(f"The draft is {draft.status}; it is read-only.")


MODE_CHANGES = {
    "drafting": ("formal", "withdrawn"),
    "formal": ("drafting", "voting", "withdrawn"),
    "voting": ("formal", "adopted", "rejected"),
    "adopted": (),
    "rejected": ("drafting", "formal"),
    "withdrawn": ("drafting",),
}


def check_mode_change(draft: Draft, new: str) -> None:
    check_choice_of(new, DRAFT_STATUSES, "draft status")
    if new == draft.status:
        raise Conflict(f"The draft is already {new}.")
    if new not in MODE_CHANGES[draft.status]:
        allowed = ", ".join(MODE_CHANGES[draft.status]) or "nothing: it is final"
        raise Conflict(f"A {draft.status} draft can change to {allowed}; not to {new}.")


# --- a clause's history ----------------------------------------------------------------------


def restored_reason(version: int) -> str:
    """Why a version that brings back an earlier text was made."""
    return f"restored version {version}"


@dataclass(frozen=True)
class Session:
    """A run of versions a reader takes as one change: one author's burst of typing, or one
    version made for another reason (an amendment, a restore, the secretariat's)."""

    first: int  # version numbers
    last: int
    actor_id: int | None
    start: str  # timestamps, as the versions carry them
    end: str
    versions: int
    reason: str


def _moment(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def sessions(
    versions: Iterable[Mapping[str, Any]], gap: float = SESSION_GAP_SECONDS
) -> list[Session]:
    """Group a clause's versions (oldest first; each with `version`, `actor_id`, `reason`,
    `at`) into editing sessions, oldest first.

    Consecutive versions typed by one author (reason "edit") belong together while each
    follows the previous within `gap` seconds; another author, a longer pause, or a version
    with any other reason starts a new session. A version made for another reason (created,
    an adopted or friendly amendment, a restore) and the secretariat's (no author) are
    sessions of their own: they are what a reader looks for.
    """
    out: list[Session] = []
    for v in versions:
        n, actor, reason, at = int(v["version"]), v["actor_id"], str(v["reason"]), str(v["at"])
        last = out[-1] if out else None
        typing = reason == "edit" and actor is not None
        if (
            typing
            and last is not None
            and last.reason == "edit"
            and last.actor_id == actor
            and (_moment(at) - _moment(last.end)).total_seconds() <= gap
        ):
            out[-1] = replace(last, last=n, end=at, versions=last.versions + 1)
        else:
            out.append(Session(n, n, actor, at, at, 1, reason))
    return out
