"""What happened, one small dataclass per kind: the journal, and what is broadcast.

Every action emits its events inside its transaction (`ctx.transaction()`): each is appended
to the journal there, and handed to the fan-out (`live.py`) only after COMMIT. History,
minutes and audit are read back from the journal. An event class says

- `type`: its name in the journal (`clause.edited`);
- its payload fields: what the journal's `data` holds (`before` and `after` where there is a
  before; a clause's text changes as a delta, the whole text of every version being in
  `clause_versions`);
- `message` and `rooms()`: the Socket.IO message it becomes and the rooms it goes to, or
  `broadcast()` when it needs more than that (a view built at send time, coalescing).

A new kind of event is one class here; `live.py` looks it up, it does not list it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Protocol, Self

from .domain import Amendment, Draft


def draft_room(draft_id: int) -> str:
    return f"draft:{draft_id}"


def conference_room(conference_id: int) -> str:
    return f"conference:{conference_id}"


class Fanout(Protocol):
    """What an event may ask of the fan-out when it is published (`live.Batch`)."""

    def send(
        self, message: str, payload: Any, room: str | tuple[str, ...], *, skip_origin: bool = False
    ) -> None:
        """A message with a ready payload."""

    def outline(self, draft_id: int) -> None:
        """`draft:outline`, once per published batch however many structure changes it has."""

    def amendment(self, amendment_id: int, what: str) -> None:
        """`amendment:changed` with the amendment's view, once per amendment, after the rest."""

    def poll(self, message: str, poll_id: int, draft_id: int) -> None:
        """A message carrying the poll's view as it stands."""

    def tally(self, poll_id: int, draft_id: int) -> None:
        """`poll:tally`, coalesced: ballots arriving together are announced together."""

    def quorum(self, conference_id: int) -> None:
        """`poll:tally` for the conference's open polls: who is present changed."""

    def motion(self, motion_id: int) -> None:
        """`motion:changed` with the motion's view."""


EVENT_TYPES: dict[str, type[Event]] = {}
_WHERE = ("conference_id", "draft_id", "clause_id", "actor_id", "seq", "at", "extra")
# how the fan-out sends an event, not what happened: `live` (an edit whose author has its
# acknowledgement), `view` (the state a floor or agenda event's message carries)
_NOT_JOURNALED = ("live", "view")


@dataclass(kw_only=True)
class Event:
    """Where it happened and who did it; subclasses add what happened."""

    type: ClassVar[str] = ""
    message: ClassVar[str | None] = None  # the Socket.IO message it becomes, if plain
    optional: ClassVar[frozenset[str]] = frozenset()  # fields left out of `data` when None

    conference_id: int
    draft_id: int | None = None
    clause_id: int | None = None
    actor_id: int | None = None
    seq: int | None = None  # set by the store when the event is appended
    at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # journaled keys no field names

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type:
            EVENT_TYPES[cls.type] = cls

    @classmethod
    def payload_fields(cls) -> tuple[str, ...]:
        names: tuple[str, ...] | None = cls.__dict__.get("_payload")
        if names is None:  # once per class: this runs for every keystroke batch
            names = tuple(f.name for f in fields(cls) if f.name not in _WHERE + _NOT_JOURNALED)
            cls._payload = names  # type: ignore[attr-defined]
        return names

    @property
    def data(self) -> dict[str, Any]:
        """What the journal keeps of the event."""
        optional = self.optional
        out = {
            name: value
            for name in self.payload_fields()
            if (value := getattr(self, name)) is not None or name not in optional
        }
        if self.extra:
            out.update(self.extra)
        return out

    @staticmethod
    def load(type_: str, data: dict[str, Any], **where: Any) -> Event:
        """An event read back from the journal, as the class of its type."""
        cls = EVENT_TYPES.get(type_)
        if cls is None:
            raise ValueError(f"unknown event type {type_}")
        names = set(cls.payload_fields())
        known = {k: v for k, v in data.items() if k in names}
        extra = {k: v for k, v in data.items() if k not in names}
        return cls(**where, **known, extra=extra)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "at": self.at,
            "conference_id": self.conference_id,
            "draft_id": self.draft_id,
            "clause_id": self.clause_id,
            "actor_id": self.actor_id,
            "data": self.data,
        }

    def rooms(self) -> tuple[str, ...]:
        if self.draft_id is not None:
            return (draft_room(self.draft_id),)
        return (conference_room(self.conference_id),)

    def broadcast(self, out: Fanout) -> None:
        if self.message is None:
            return
        # a conference's messages (no draft) carry just their data, as docs/protocol.md says
        where = {} if self.draft_id is None else {"draft_id": self.draft_id}
        payload = {**where, **self.data}
        for room in self.rooms():
            out.send(self.message, payload, room)


# --- conferences and participants --------------------------------------------------------------


@dataclass(kw_only=True)
class ConferenceCreated(Event):
    type = "conference.created"
    optional = frozenset({"rules"})
    name: str
    majority: str
    quorum: int | None  # None: a majority of the members
    rules: str | None = None  # the rule set (procedure.PRESETS)


@dataclass(kw_only=True)
class ConferenceUpdated(Event):
    type = "conference.updated"
    message = "conference:updated"
    before: dict[str, Any]  # the settings changed, as they were
    after: dict[str, Any]


@dataclass(kw_only=True)
class ParticipantAdded(Event):
    type = "participant.added"
    message = "participant:added"
    optional = frozenset({"member_id"})
    id: int
    name: str
    delegation: str
    role: str
    member_id: int | None = None  # the member a delegate acts for


@dataclass(kw_only=True)
class MemberUpdated(Event):
    """A member's weight (votes) changed."""

    type = "member.updated"
    message = "member:updated"
    id: int
    name: str
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(kw_only=True)
class LinkIssued(Event):
    """No secret: only that a new link replaced the old one."""

    type = "participant.link_issued"
    id: int


@dataclass(kw_only=True)
class ParticipantPresent(Event):
    type = "participant.present"
    message = "participant:present"
    id: int
    present: bool

    def broadcast(self, out: Fanout) -> None:
        super().broadcast(out)
        out.quorum(self.conference_id)  # an open vote's quorum may have changed


# --- drafts and their structure -------------------------------------------------------------


@dataclass(kw_only=True)
class DraftCreated(Event):
    type = "draft.created"
    title: str
    source: str | None  # the imported file's name
    clauses: int  # how many

    def broadcast(self, out: Fanout) -> None:
        assert self.draft_id is not None
        payload = {"draft_id": self.draft_id, "title": self.title}
        out.send("draft:created", payload, conference_room(self.conference_id))
        out.outline(self.draft_id)


@dataclass(kw_only=True)
class DraftMode(Event):
    type = "draft.mode"
    message = "draft:mode"
    optional = frozenset({"reason"})
    before: str
    after: str
    reason: str | None = None

    def rooms(self) -> tuple[str, ...]:
        assert self.draft_id is not None
        return (draft_room(self.draft_id), conference_room(self.conference_id))


@dataclass(kw_only=True)
class DraftSponsors(Event):
    type = "draft.sponsors"
    message = "draft:sponsors"
    before: list[int]
    after: list[int]


@dataclass(kw_only=True)
class DraftDetails(Event):
    """The title block changed (symbol, submission line, body, place, date)."""

    type = "draft.details"
    message = "draft:details"
    before: dict[str, str]
    after: dict[str, str]


class _Structure(Event):
    """A clause added, moved or deleted: everyone gets the renumbered outline."""

    def broadcast(self, out: Fanout) -> None:
        assert self.draft_id is not None
        out.outline(self.draft_id)


@dataclass(kw_only=True)
class ClauseAdded(_Structure):
    type = "clause.added"
    optional = frozenset({"reason"})
    kind: str
    text: str
    parent_id: int | None
    after_id: int | None
    version: int
    reason: str | None = None  # set when an adopted amendment inserted it


@dataclass(kw_only=True)
class ClauseMoved(_Structure):
    type = "clause.moved"
    optional = frozenset({"reason"})
    before: dict[str, Any]  # {parent_id, position}
    after: dict[str, Any]
    reason: str | None = None


@dataclass(kw_only=True)
class ClauseDeleted(_Structure):
    type = "clause.deleted"
    optional = frozenset({"reason"})
    text: str
    ids: list[int]  # the clause and its sub-clauses
    reason: str | None = None


@dataclass(kw_only=True)
class ClauseKind(_Structure):
    """A clause's kind (and a list item's marker) changed: the outline is renumbered."""

    type = "clause.kind"
    before: dict[str, str]  # {kind, marker}
    after: dict[str, str]


@dataclass(kw_only=True)
class ClauseEdited(Event):
    type = "clause.edited"
    optional = frozenset({"amendment", "restores"})
    version: int
    base_version: int
    delta: str  # turns version - 1 into version
    reason: str  # "edit" for live typing; "restored version N", "amendment #N"...
    amendment: int | None = None  # the number of the amendment that made the change
    restores: int | None = None  # the earlier version a restore brought back
    live: bool = False  # a live edit, whose author has its acknowledgement (not journaled)

    def broadcast(self, out: Fanout) -> None:
        assert self.draft_id is not None
        payload = {
            "draft_id": self.draft_id,
            "clause_id": self.clause_id,
            "version": self.version,
            "base_version": self.version - 1,
            "delta": self.delta,
            "author_id": self.actor_id,
            "reason": self.reason,
        }
        # a live edit's author has its acknowledgement; everyone else gets the broadcast
        out.send("clause:edited", payload, draft_room(self.draft_id), skip_origin=self.live)


# --- amendments ------------------------------------------------------------------------------


@dataclass(kw_only=True)
class _AmendmentEvent(Event):
    amendment_id: int
    number: int

    @classmethod
    def about(cls, d: Draft, a: Amendment, actor_id: int | None, **fields: Any) -> Self:
        """The event of amendment `a` to draft `d`, by `actor_id`."""
        return cls(
            conference_id=d.conference_id,
            draft_id=d.id,
            clause_id=a.clause_id,
            actor_id=actor_id,
            amendment_id=a.id,
            number=a.number,
            **fields,
        )

    def broadcast(self, out: Fanout) -> None:
        out.amendment(self.amendment_id, self.type.split(".", 1)[1])


@dataclass(kw_only=True)
class AmendmentProposed(_AmendmentEvent):
    type = "amendment.proposed"
    kind: str
    base_version: int
    new_text: str
    reason: str
    target: int | None  # the number of the amendment it amends


@dataclass(kw_only=True)
class AmendmentAccepted(_AmendmentEvent):
    type = "amendment.accepted"
    sponsor: int | None  # who accepted (None: the secretariat, for all sponsors)
    friendly: bool  # every sponsor has


@dataclass(kw_only=True)
class AmendmentRefused(_AmendmentEvent):
    type = "amendment.refused"
    sponsor: int


@dataclass(kw_only=True)
class AmendmentWithdrawn(_AmendmentEvent):
    type = "amendment.withdrawn"


@dataclass(kw_only=True)
class AmendmentRebased(_AmendmentEvent):
    type = "amendment.rebased"
    optional = frozenset({"by"})
    before: str  # new_text before
    after: str
    base_version: int
    conflicted: bool
    by: str | None = None  # the amendment to it that was adopted


@dataclass(kw_only=True)
class AmendmentStatus(_AmendmentEvent):
    type = "amendment.status"
    before: str
    after: str
    reason: str


# --- polls -----------------------------------------------------------------------------------


@dataclass(kw_only=True)
class PollOpened(Event):
    type = "poll.opened"
    poll_id: int
    subject_type: str
    subject_id: int
    rule: str
    kind: str
    entitled: int
    present: int
    closes_at: str | None

    def broadcast(self, out: Fanout) -> None:
        assert self.draft_id is not None
        out.poll("poll:opened", self.poll_id, self.draft_id)


@dataclass(kw_only=True)
class PollBallot(Event):
    """The choice only in recorded and counted polls: a secret ballot journals no choice."""

    type = "poll.ballot"
    optional = frozenset({"choice"})
    poll_id: int
    choice: str | None = None

    def broadcast(self, out: Fanout) -> None:
        assert self.draft_id is not None
        out.tally(self.poll_id, self.draft_id)


@dataclass(kw_only=True)
class PollSuspended(Event):
    """A vote ended without a decision (its quorum lost); the question can be put again."""

    type = "poll.suspended"
    poll_id: int
    subject_type: str
    subject_id: int
    present: int

    def broadcast(self, out: Fanout) -> None:
        assert self.draft_id is not None
        out.poll("poll:suspended", self.poll_id, self.draft_id)


@dataclass(kw_only=True)
class PollClosed(Event):
    type = "poll.closed"
    optional = frozenset({"votes", "present", "quorum"})
    poll_id: int
    subject_type: str
    subject_id: int
    outcome: str
    yes: int
    no: int
    abstain: int
    cast: int
    entitled: int
    required: int
    rule: str
    kind: str
    explanation: str
    votes: list[dict[str, Any]] | None = None  # recorded polls: who voted how
    present: int | None = None  # members (or votes) present at the decision
    quorum: int | None = None  # and the quorum it needed

    def broadcast(self, out: Fanout) -> None:
        assert self.draft_id is not None
        out.poll("poll:closed", self.poll_id, self.draft_id)


# --- motions and rulings on the order of voting -------------------------------------------------


@dataclass(kw_only=True)
class MotionChanged(Event):
    """A motion raised, granted, refused, put to the vote or withdrawn."""

    type = "motion.changed"
    motion_id: int
    number: int
    kind: str  # recorded_vote, division, secret_ballot
    subject_type: str
    subject_id: int
    what: str  # raised, granted, refused, voting, withdrawn
    before: str | None
    after: str
    reason: str

    def broadcast(self, out: Fanout) -> None:
        out.motion(self.motion_id)


@dataclass(kw_only=True)
class OrderRuled(Event):
    """The chair's ruling on the order of voting on a clause's amendments (by number)."""

    type = "order.ruled"
    suggested: list[int]
    ruled: list[int]

    def broadcast(self, out: Fanout) -> None:
        assert self.draft_id is not None
        payload = {"draft_id": self.draft_id, "clause_id": self.clause_id, "ruled": self.ruled}
        out.send("order:ruled", payload, draft_room(self.draft_id))


# --- the agenda and the floor -------------------------------------------------------------------


@dataclass(kw_only=True)
class AgendaEvent(Event):
    """An agenda item added, moved, removed, taken up or concluded. Journaled with the
    conference (and the draft, for a draft's item: the draft's record says when it was taken
    up). The last agenda event of a transaction carries the agenda as it then stands
    (`view`, not journaled: `actions/floor.py` sets it), sent to the conference's room as
    `agenda:changed`."""

    item_id: int
    number: int
    title: str
    view: dict[str, Any] | None = None

    def rooms(self) -> tuple[str, ...]:
        return (conference_room(self.conference_id),)

    def broadcast(self, out: Fanout) -> None:
        if self.view is None:
            return
        what = self.type.split(".", 1)[1]
        payload = {"conference_id": self.conference_id, "event": what, **self.view}
        out.send("agenda:changed", payload, conference_room(self.conference_id))


@dataclass(kw_only=True)
class AgendaAdded(AgendaEvent):
    type = "agenda.added"
    kind: str  # "draft" or "item"


@dataclass(kw_only=True)
class AgendaMoved(AgendaEvent):
    type = "agenda.moved"
    before: int  # its number
    after: int


@dataclass(kw_only=True)
class AgendaRemoved(AgendaEvent):
    type = "agenda.removed"


@dataclass(kw_only=True)
class AgendaTakenUp(AgendaEvent):
    """The meeting takes up an item: it is now under debate."""

    type = "agenda.taken_up"


@dataclass(kw_only=True)
class AgendaConcluded(AgendaEvent):
    """The meeting moves on from an item."""

    type = "agenda.concluded"


@dataclass(kw_only=True)
class FloorEvent(Event):
    """Something on a list of speakers. Journaled with the conference, the item's draft and
    the list's clause, so a draft's record says who spoke on it. The last event of a
    transaction about a list carries the list (`view`: its settings, the queue, the requests
    that changed), sent to the conference's room as `floor:changed`."""

    list_id: int
    agenda_item_id: int
    view: dict[str, Any] | None = None

    def rooms(self) -> tuple[str, ...]:
        return (conference_room(self.conference_id),)

    def broadcast(self, out: Fanout) -> None:
        if self.view is None:
            return
        what = self.type.split(".", 1)[1]
        payload = {"conference_id": self.conference_id, "event": what, **self.view}
        out.send("floor:changed", payload, conference_room(self.conference_id))


@dataclass(kw_only=True)
class _Request(FloorEvent):
    """About one request for the floor, and the delegation that made it (named as it then was,
    so the journal reads without the roster)."""

    request_id: int
    kind: str  # speech, for, against, point_of_order, reply
    member_id: int
    delegation: str
    name: str | None  # the representative who asked; None: put on the list by the chair


@dataclass(kw_only=True)
class FloorOpened(FloorEvent):
    """The chair opened a list of speakers on one clause (`clause_id`) of the item's draft."""

    type = "floor.opened"


@dataclass(kw_only=True)
class FloorAsked(_Request):
    type = "floor.asked"


@dataclass(kw_only=True)
class FloorWithdrawn(_Request):
    type = "floor.withdrawn"


@dataclass(kw_only=True)
class FloorMoved(_Request):
    """The chair moved a waiting request: its place in the queue before and after (1 first)."""

    type = "floor.moved"
    before: int
    after: int


@dataclass(kw_only=True)
class FloorGiven(_Request):
    type = "floor.given"
    limit_seconds: int | None
    deadline: str | None


@dataclass(kw_only=True)
class FloorInterrupted(_Request):
    """A point of order took the floor from this speaker, who has it back after the ruling."""

    type = "floor.interrupted"
    spoken_seconds: float  # so far
    by: int  # the point of order's request id


@dataclass(kw_only=True)
class FloorResumed(_Request):
    type = "floor.resumed"
    deadline: str | None


@dataclass(kw_only=True)
class FloorEnded(_Request):
    """A speech ended: who spoke, from when to when, for how long (interruptions left out)."""

    type = "floor.ended"
    optional = frozenset({"ruling"})
    started_at: str
    ended_at: str
    seconds: float
    limit_seconds: int | None
    over_seconds: int  # past the limit
    ruling: str | None = None  # a point of order: the chair's ruling


@dataclass(kw_only=True)
class FloorClosed(FloorEvent):
    """The list was declared closed (rule 73/115): no new speakers."""

    type = "floor.closed"
    waiting: int  # speakers inscribed still to speak


@dataclass(kw_only=True)
class FloorReopened(FloorEvent):
    type = "floor.reopened"


@dataclass(kw_only=True)
class FloorSettings(FloorEvent):
    """The speaking time, the reply time, or for and against, changed."""

    type = "floor.settings"
    before: dict[str, Any]
    after: dict[str, Any]
