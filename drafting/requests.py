"""What each operation takes, parsed once for every door.

A Socket.IO event's payload and the matching HTTP route's JSON body (with ids from the URL)
become the same request object, which calls the same action. Values are passed on as
given: the action checks them and refuses bad ones with a message for the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Self

from .errors import Invalid
from .floor import AT_END

if TYPE_CHECKING:
    from .actions import Actions, Actor
    from .domain import (
        AgendaItem,
        Amendment,
        Clause,
        Conference,
        Draft,
        FloorRequest,
        Motion,
        Participant,
        Poll,
        SpeakersList,
    )


MAX_DEPTH = 32  # objects and lists within each other: the protocol needs 4
MAX_INTEGER = 2**53 - 1  # JavaScript's safe integers: every id and count fits


def check_payload(value: object) -> None:
    """One check of every socket payload and JSON body before any door reads it: nesting no
    deeper than MAX_DEPTH, integers within MAX_INTEGER, every text well-formed Unicode (a lone
    surrogate, which JSON can carry as \\ud800, cannot be stored: it would end in a server
    error after part of the work)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Invalid(f"The request is nested too deep (over {MAX_DEPTH} levels).")
        if isinstance(v, str):
            _check_unicode(v)
        elif isinstance(v, bool) or v is None or isinstance(v, float):
            continue
        elif isinstance(v, int):
            if not -MAX_INTEGER <= v <= MAX_INTEGER:
                raise Invalid("A number in the request is out of range (no id is that large).")
        elif isinstance(v, Mapping):
            for key, item in v.items():
                _check_unicode(str(key))
                stack.append((item, depth + 1))
        elif isinstance(v, list):
            stack.extend((item, depth + 1) for item in v)


def _check_unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(
            "The request holds text that is not valid Unicode (a lone surrogate): nothing "
            "was changed."
        ) from None


@dataclass(frozen=True)
class Request:
    @classmethod
    def parse(cls, data: object, **given: Any) -> Self:
        """From a payload (a JSON object); `given` are ids the door already has (the URL's)."""
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise Invalid("The request must be a JSON object.")
        values = {f.name: data.get(f.name, f.default) for f in fields(cls) if f.name not in given}
        return cls(**given, **values)


@dataclass(frozen=True)
class UpdateConference(Request):
    conference_id: object = None
    name: object = None
    majority: object = None
    quorum: object = None
    rules: object = None

    def run(self, a: Actions, actor: Actor) -> Conference:
        return a.update_conference(
            actor,
            self.conference_id,
            name=self.name,
            majority=self.majority,
            quorum=self.quorum,
            rules=self.rules,
        )


@dataclass(frozen=True)
class AddParticipant(Request):
    conference_id: object = None
    name: object = None
    delegation: object = ""
    role: object = "delegate"

    def run(self, a: Actions, actor: Actor) -> tuple[Participant, str]:
        return a.add_participant(actor, self.conference_id, self.name, self.delegation, self.role)


@dataclass(frozen=True)
class SetMode(Request):
    draft_id: object = None
    mode: object = None

    def run(self, a: Actions, actor: Actor) -> Draft:
        return a.set_mode(actor, self.draft_id, self.mode)


@dataclass(frozen=True)
class AddClause(Request):
    draft_id: object = None
    kind: object = "operative"
    text: object = ""
    parent_id: object = None
    after_id: object = None
    marker: object = None

    def run(self, a: Actions, actor: Actor) -> Clause:
        return a.add_clause(
            actor, self.draft_id, self.kind, self.text, self.parent_id, self.after_id, self.marker
        )


@dataclass(frozen=True)
class SetClauseKind(Request):
    clause_id: object = None
    kind: object = None
    marker: object = None

    def run(self, a: Actions, actor: Actor) -> Clause:
        return a.set_clause_kind(actor, self.clause_id, self.kind, self.marker)


@dataclass(frozen=True)
class SetDetails(Request):
    draft_id: object = None
    details: object = None

    def run(self, a: Actions, actor: Actor) -> Draft:
        if not isinstance(self.details, dict):
            raise Invalid("Give the title block as 'details': an object of fields.")
        return a.set_details(actor, self.draft_id, self.details)


@dataclass(frozen=True)
class MoveClause(Request):
    clause_id: object = None
    parent_id: object = None
    after_id: object = None

    def run(self, a: Actions, actor: Actor) -> list[Clause]:
        return a.move_clause(actor, self.clause_id, self.parent_id, self.after_id)


@dataclass(frozen=True)
class Edit(Request):
    clause_id: object = None
    base_version: object = None
    delta: object = None
    edit_id: object = None
    restores: object = None


@dataclass(frozen=True)
class Restore(Request):
    clause_id: object = None
    version: object = None

    def run(self, a: Actions, actor: Actor) -> Clause:
        return a.restore(actor, self.clause_id, self.version)


@dataclass(frozen=True)
class Propose(Request):
    clause_id: object = None
    kind: object = "replace"
    new_text: object = ""
    reason: object = ""
    target_amendment_id: object = None
    new_kind: object = None
    base_version: object = None

    def run(self, a: Actions, actor: Actor) -> Amendment:
        return a.propose(
            actor,
            self.clause_id,
            self.kind,
            self.new_text,
            self.reason,
            self.target_amendment_id,
            self.new_kind,
            self.base_version,
        )


@dataclass(frozen=True)
class OpenPoll(Request):
    draft_id: object = None
    subject_type: object = None
    subject_id: object = None
    rule: object = None
    kind: object = None
    seconds: object = None

    def run(self, a: Actions, actor: Actor) -> Poll:
        return a.open_poll(
            actor,
            self.draft_id,
            self.subject_type,
            self.subject_id,
            self.rule,
            self.kind,
            self.seconds,
        )


@dataclass(frozen=True)
class Vote(Request):
    poll_id: object = None
    choice: object = None
    receipt: object = None

    def run(self, a: Actions, actor: Actor) -> dict[str, Any]:
        return a.vote(actor, self.poll_id, self.choice, self.receipt)


@dataclass(frozen=True)
class GetRecord(Request):
    draft_id: object = None
    format: object = "md"

    def run(self, a: Actions, actor: Actor) -> Any:
        """The record as text (`md`), a page (`html`) or structure (`json`)."""
        if self.format == "json":
            return a.record(actor, self.draft_id)
        if self.format == "html":
            return a.record_html(actor, self.draft_id)
        if self.format != "md":
            raise Invalid("The record comes as 'md', 'html' or 'json'.")
        return a.record_markdown(actor, self.draft_id)


@dataclass(frozen=True)
class Move(Request):
    draft_id: object = None
    kind: object = None
    subject_type: object = None
    subject_id: object = None

    def run(self, a: Actions, actor: Actor) -> Motion:
        return a.move(actor, self.draft_id, self.kind, self.subject_type, self.subject_id)


@dataclass(frozen=True)
class RuleOnMotion(Request):
    motion_id: object = None
    ruling: object = None

    def run(self, a: Actions, actor: Actor) -> Motion:
        return a.rule_on_motion(actor, self.motion_id, self.ruling)


@dataclass(frozen=True)
class RuleOrder(Request):
    draft_id: object = None
    clause_id: object = None
    order: object = None

    def run(self, a: Actions, actor: Actor) -> list[int]:
        return a.rule_order(actor, self.draft_id, self.clause_id, self.order)


# --- the agenda and the lists of speakers ---------------------------------------------------
# `conference_id` is the conference the API's path names; a socket event may leave it out.


@dataclass(frozen=True)
class GetFloor(Request):
    conference_id: object = None
    item_id: object = None

    def run(self, a: Actions, actor: Actor) -> dict[str, Any]:
        return a.floor_state(actor, self.conference_id, self.item_id)


@dataclass(frozen=True)
class GetSpeeches(Request):
    conference_id: object = None
    item_id: object = None

    def run(self, a: Actions, actor: Actor) -> list[dict[str, Any]]:
        return a.speeches(actor, self.conference_id, self.item_id)


@dataclass(frozen=True)
class AddAgendaItem(Request):
    conference_id: object = None
    draft_id: object = None
    title: object = None
    after_id: object = AT_END  # last; null: first

    def run(self, a: Actions, actor: Actor) -> AgendaItem:
        return a.add_agenda_item(
            actor, self.conference_id, self.draft_id, self.title, self.after_id
        )


@dataclass(frozen=True)
class MoveAgendaItem(Request):
    item_id: object = None
    after_id: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> AgendaItem:
        return a.move_agenda_item(actor, self.item_id, self.after_id, self.conference_id)


@dataclass(frozen=True)
class RemoveAgendaItem(Request):
    item_id: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> AgendaItem:
        return a.remove_agenda_item(actor, self.item_id, self.conference_id)


@dataclass(frozen=True)
class NextAgendaItem(Request):
    conference_id: object = None
    item_id: object = None

    def run(self, a: Actions, actor: Actor) -> AgendaItem | None:
        return a.next_agenda_item(actor, self.conference_id, self.item_id)


@dataclass(frozen=True)
class OpenClauseList(Request):
    item_id: object = None
    clause_id: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> SpeakersList:
        return a.open_clause_list(actor, self.item_id, self.clause_id, self.conference_id)


@dataclass(frozen=True)
class AskFloor(Request):
    list_id: object = None
    kind: object = "speech"
    member_id: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> FloorRequest:
        return a.ask_floor(actor, self.list_id, self.kind, self.member_id, self.conference_id)


@dataclass(frozen=True)
class WithdrawRequest(Request):
    request_id: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> FloorRequest:
        return a.withdraw_request(actor, self.request_id, self.conference_id)


@dataclass(frozen=True)
class MoveRequest(Request):
    request_id: object = None
    after_id: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> FloorRequest:
        return a.move_request(actor, self.request_id, self.after_id, self.conference_id)


@dataclass(frozen=True)
class GiveFloor(Request):
    list_id: object = None
    request_id: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> FloorRequest:
        return a.give_floor(actor, self.list_id, self.request_id, self.conference_id)


@dataclass(frozen=True)
class EndSpeech(Request):
    list_id: object = None
    ruling: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> FloorRequest:
        return a.end_speech(actor, self.list_id, self.ruling, self.conference_id)


@dataclass(frozen=True)
class CloseList(Request):
    list_id: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> SpeakersList:
        return a.close_list(actor, self.list_id, self.conference_id)


@dataclass(frozen=True)
class ReopenList(Request):
    list_id: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> SpeakersList:
        return a.reopen_list(actor, self.list_id, self.conference_id)


@dataclass(frozen=True)
class SetList(Request):
    list_id: object = None
    speaking_seconds: object = None
    reply_seconds: object = None
    for_against: object = None
    conference_id: object = None

    def run(self, a: Actions, actor: Actor) -> SpeakersList:
        return a.set_list(
            actor,
            self.list_id,
            self.speaking_seconds,
            self.reply_seconds,
            self.for_against,
            self.conference_id,
        )
