"""The meeting around the text: the agenda, and the lists of speakers.

The agenda is the conference's items in order (a draft, or a free item with a title), one of
them under debate. Each item has its list of speakers, and one per clause of its draft where
the chair opens one. The order of a list, its times and what may be asked are the pure rules
of `drafting.floor` (the rules of procedure are cited there); here rights are checked, state
is saved, and events journaled: every speech with who, when and how long.

The conference's room hears `agenda:changed` (the agenda, and the lists of the item under
debate) and `floor:changed` (one list: its settings, the queue, the requests that changed).
Each carries its thing's `version`. One conference's floor changes by one transaction at a
time in this process, and its messages leave in that order (`_floor`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from .. import domain, floor, views
from ..domain import AgendaItem, FloorRequest, SpeakersList, optional_number, whole_number
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..events import (
    AgendaAdded,
    AgendaConcluded,
    AgendaEvent,
    AgendaMoved,
    AgendaRemoved,
    AgendaTakenUp,
    FloorAsked,
    FloorClosed,
    FloorEnded,
    FloorEvent,
    FloorGiven,
    FloorInterrupted,
    FloorMoved,
    FloorOpened,
    FloorReopened,
    FloorResumed,
    FloorSettings,
    FloorWithdrawn,
)
from ..store import now
from .access import Actor, actor_id, chair, conference_id_for, member
from .context import Context, Transaction

# --- one change of a conference's floor ------------------------------------------------------

_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(conference_id: int) -> threading.Lock:
    with _locks_guard:
        lock = _locks.get(conference_id)
        if lock is None:
            lock = _locks[conference_id] = threading.Lock()
        return lock


class Changes:
    """What one action changes on a conference's floor. Its events are journaled as they are
    emitted; before COMMIT each list touched (and the agenda) gets its next version, and the
    last event about it carries its view, so the room hears each once, as the action left it."""

    def __init__(self, ctx: Context, tx: Transaction, conference_id: int) -> None:
        self.ctx = ctx
        self.tx = tx
        self.conference_id = conference_id
        self.lists: dict[int, set[int]] = {}  # list id -> ids of the requests changed
        self.agenda = False

    def emit(self, event: FloorEvent | AgendaEvent, request_id: int | None = None) -> None:
        self.tx.emit(event)
        if isinstance(event, FloorEvent):
            changed = self.lists.setdefault(event.list_id, set())
            if request_id is not None:
                changed.add(request_id)
        else:
            self.agenda = True

    def publish(self) -> None:
        store = self.ctx.store
        server_time = now()
        for list_id, changed in self.lists.items():
            lst = store.bump_speakers_list(list_id)
            last = [e for e in self.tx.events if isinstance(e, FloorEvent) and e.list_id == list_id]
            last[-1].view = {
                "list": views.speakers_list_view(store, lst, changed),
                "server_time": server_time,
            }
        if self.agenda:
            store.bump_agenda(self.conference_id)
            last_agenda = [e for e in self.tx.events if isinstance(e, AgendaEvent)]
            last_agenda[-1].view = {
                **views.floor_view(store, self.conference_id),
                "server_time": server_time,
            }


@contextmanager
def _floor(ctx: Context, conference_id: int) -> Iterator[Changes]:
    """A transaction on a conference's floor: one at a time per conference in this process,
    held until its messages are queued, so they leave in the order the changes were made."""
    with _lock(conference_id), ctx.transaction() as tx:
        changes = Changes(ctx, tx, conference_id)
        yield changes
        changes.publish()


def _where(lst: SpeakersList, item: AgendaItem) -> dict[str, Any]:
    """Where a floor event happened: the conference, the item's draft, the list's clause."""
    return {
        "conference_id": lst.conference_id,
        "draft_id": item.draft_id,
        "clause_id": lst.clause_id,
        "list_id": lst.id,
        "agenda_item_id": item.id,
    }


def _about(ctx: Context, r: FloorRequest) -> dict[str, Any]:
    """The request an event is about, and its delegation named as it now is."""
    name = None
    if r.participant_id is not None:
        name = ctx.store.participant(r.participant_id).name
    return {
        "request_id": r.id,
        "kind": r.kind,
        "member_id": r.member_id,
        "delegation": ctx.store.member(r.member_id).name,
        "name": name,
    }


# --- finding things on someone's behalf ------------------------------------------------------


def _in(conference_id: object, actual: int, what: str) -> None:
    """A door that names the conference (the API's paths) must name the thing's own."""
    if conference_id is not None and whole_number(conference_id, "conference id") != actual:
        raise NotFound(f"There is no {what} in conference {conference_id}.")


def _item_for(ctx: Context, actor: Actor, item_id: object, conference_id: object) -> AgendaItem:
    item = ctx.store.agenda_item(whole_number(item_id, "agenda item id"))
    member(actor, item.conference_id)
    _in(conference_id, item.conference_id, f"agenda item {item.id}")
    if item.status == "removed":
        raise NotFound(f"Agenda item {item.id} was removed from the agenda.")
    return item


def _list_for(ctx: Context, actor: Actor, list_id: object, conference_id: object) -> SpeakersList:
    lst = ctx.store.speakers_list(whole_number(list_id, "list id"))
    member(actor, lst.conference_id)
    _in(conference_id, lst.conference_id, f"list of speakers {lst.id}")
    return lst


def _request_for(
    ctx: Context, actor: Actor, request_id: object, conference_id: object
) -> FloorRequest:
    r = ctx.store.floor_request(whole_number(request_id, "request id"))
    member(actor, r.conference_id)
    _in(conference_id, r.conference_id, f"request for the floor {r.id}")
    return r


def _number(items: list[AgendaItem], item_id: int) -> int:
    return next(n for n, i in enumerate(items, start=1) if i.id == item_id)


def _still_on(items: list[AgendaItem], item_id: int) -> None:
    """The item is on the agenda as the transaction reads it (`items`): another request may
    have removed it since it was looked up (the chair's double click, another process)."""
    if all(i.id != item_id for i in items):
        raise NotFound(f"Agenda item {item_id} was removed from the agenda.")


# --- reading ---------------------------------------------------------------------------------


def floor_state(
    ctx: Context, actor: Actor, conference_id: object, item_id: object = None
) -> dict[str, Any]:
    """The agenda, and the lists of speakers of an item (the one under debate by default)."""
    cid = conference_id_for(actor, conference_id)
    ctx.store.conference(cid)
    item = None if item_id is None else _item_for(ctx, actor, item_id, cid).id
    return {**views.floor_view(ctx.store, cid, item), "server_time": now()}


def speeches(
    ctx: Context, actor: Actor, conference_id: object, item_id: object = None
) -> list[dict[str, Any]]:
    """The speeches made in the conference (or on one item), in the order given."""
    cid = conference_id_for(actor, conference_id)
    ctx.store.conference(cid)
    item = None if item_id is None else _item_for(ctx, actor, item_id, cid).id
    return views.speeches_view(ctx.store, cid, item)


# --- the agenda ------------------------------------------------------------------------------


def add_agenda_item(
    ctx: Context,
    actor: Actor,
    conference_id: object,
    draft_id: object = None,
    title: object = None,
    after_id: object = floor.AT_END,
) -> AgendaItem:
    """The chair puts a draft, or a free item with a title, on the agenda: last, or right
    after `after_id` (None: first). The item has its list of speakers from then on."""
    cid = domain.whole_number(conference_id, "conference id")
    chair(actor, cid, "set the agenda")
    did = optional_number(draft_id, "draft id")
    if title is not None and title != "":
        clean_title: str | None = domain.clean_name(title, "item's title", domain.MAX_TITLE_CHARS)
    else:
        clean_title = None
    if did is None and clean_title is None:
        raise Invalid("Give the item a title, or name the draft it takes up (draft_id).")
    after = None
    if after_id is not None and after_id != floor.AT_END:
        after = whole_number(after_id, "item id")
    with _floor(ctx, cid) as changes:
        ctx.store.conference(cid)
        items = ctx.store.agenda_items(cid)
        if did is not None:
            d = ctx.store.draft(did)
            if d.conference_id != cid:
                raise NotFound(f"There is no draft {did} in this conference.")
            for n, i in enumerate(items, start=1):
                if i.draft_id == did:
                    raise Conflict(f"The draft “{d.title}” is on the agenda already (item {n}).")
            clean_title = clean_title or d.title
        assert clean_title is not None
        if after is not None and after not in [i.id for i in items]:
            raise NotFound(f"There is no item {after} on the agenda to place it after.")
        item = ctx.store.insert_agenda_item(cid, clean_title, did, len(items) + 1)
        ids = [i.id for i in items]
        if after_id != floor.AT_END:
            ids = floor.moved([*ids, item.id], item.id, after)
            ctx.store.set_agenda_positions({i: n for n, i in enumerate(ids, start=1)})
        else:
            ids.append(item.id)
        ctx.store.insert_speakers_list(cid, item.id, None)
        changes.emit(
            AgendaAdded(
                conference_id=cid,
                draft_id=did,
                actor_id=actor_id(actor),
                item_id=item.id,
                number=ids.index(item.id) + 1,
                title=clean_title,
                kind=item.kind,
            )
        )
    return ctx.store.agenda_item(item.id)


def move_agenda_item(
    ctx: Context, actor: Actor, item_id: object, after_id: object, conference_id: object = None
) -> AgendaItem:
    """The chair moves an item right after `after_id` (None: first)."""
    item = _item_for(ctx, actor, item_id, conference_id)
    chair(actor, item.conference_id, "set the agenda")
    after = optional_number(after_id, "item id")
    if after == item.id:
        raise Invalid("An item cannot be placed after itself.")
    with _floor(ctx, item.conference_id) as changes:
        items = ctx.store.agenda_items(item.conference_id)
        _still_on(items, item.id)
        ids = [i.id for i in items]
        if after is not None and after not in ids:
            raise NotFound(f"There is no item {after} on the agenda to place it after.")
        new = floor.moved(ids, item.id, after)
        if new == ids:
            return item
        ctx.store.set_agenda_positions({i: n for n, i in enumerate(new, start=1)})
        changes.emit(
            AgendaMoved(
                conference_id=item.conference_id,
                draft_id=item.draft_id,
                actor_id=actor_id(actor),
                item_id=item.id,
                number=new.index(item.id) + 1,
                title=item.title,
                before=ids.index(item.id) + 1,
                after=new.index(item.id) + 1,
            )
        )
    return ctx.store.agenda_item(item.id)


def remove_agenda_item(
    ctx: Context, actor: Actor, item_id: object, conference_id: object = None
) -> AgendaItem:
    """The chair takes an item off the agenda (its lists and speeches stay in the record)."""
    item = _item_for(ctx, actor, item_id, conference_id)
    chair(actor, item.conference_id, "set the agenda")
    with _floor(ctx, item.conference_id) as changes:
        items = ctx.store.agenda_items(item.conference_id)
        _still_on(items, item.id)
        item = ctx.store.agenda_item(item.id)
        number = _number(items, item.id)
        if item.status == "current":
            raise Conflict(
                f"Item {number} is under debate: take up another item before removing it."
            )
        removed = ctx.store.update_agenda_item(item.id, status="removed")
        rest = [i.id for i in items if i.id != item.id]
        ctx.store.set_agenda_positions({i: n for n, i in enumerate(rest, start=1)})
        changes.emit(
            AgendaRemoved(
                conference_id=item.conference_id,
                draft_id=item.draft_id,
                actor_id=actor_id(actor),
                item_id=item.id,
                number=number,
                title=item.title,
            )
        )
    return removed


def next_agenda_item(
    ctx: Context, actor: Actor, conference_id: object, item_id: object = None
) -> AgendaItem | None:
    """The chair moves the meeting on: to `item_id`, or to the next item (`floor.next_item`).
    The item under debate is concluded; past the last item, the meeting has none under debate
    (returns None). Nobody may have the floor meanwhile: the chair ends the speech first."""
    cid = domain.whole_number(conference_id, "conference id")
    chair(actor, cid, "move through the agenda")
    chosen = None if item_id is None else _item_for(ctx, actor, item_id, cid).id
    with _floor(ctx, cid) as changes:
        ctx.store.conference(cid)
        holders = ctx.store.floor_holders(cid)
        if holders:
            who = ctx.store.member(holders[0].member_id).name
            raise Conflict(f"{who} has the floor: end the speech before moving on.")
        items = ctx.store.agenda_items(cid)
        current = next((i for i in items if i.status == "current"), None)
        if chosen is not None:
            target = next((i for i in items if i.id == chosen), None)
            if target is None:
                raise NotFound(f"Agenda item {chosen} was removed from the agenda.")
            if current is not None and target.id == current.id:
                raise Conflict(f"Item {_number(items, chosen)} is under debate already.")
        else:
            target = floor.next_item(items)
            if target is None and current is None:
                raise Conflict(
                    "There is no item left to take up: add one to the agenda, or take up one "
                    "already concluded by choosing it."
                )
        if current is not None:
            ctx.store.update_agenda_item(current.id, status="done")
            changes.emit(_agenda_event(AgendaConcluded, actor, current, items))
        if target is None:
            return None
        taken = ctx.store.update_agenda_item(target.id, status="current")
        changes.emit(_agenda_event(AgendaTakenUp, actor, target, items))
    return taken


def _agenda_event(
    cls: type[AgendaTakenUp] | type[AgendaConcluded],
    actor: Actor,
    item: AgendaItem,
    items: list[AgendaItem],
) -> AgendaEvent:
    return cls(
        conference_id=item.conference_id,
        draft_id=item.draft_id,
        actor_id=actor_id(actor),
        item_id=item.id,
        number=_number(items, item.id),
        title=item.title,
    )


# --- lists of speakers -----------------------------------------------------------------------


def open_clause_list(
    ctx: Context, actor: Actor, item_id: object, clause_id: object, conference_id: object = None
) -> SpeakersList:
    """The chair opens a list of speakers on one clause of the item's draft (or finds the one
    already open)."""
    item = _item_for(ctx, actor, item_id, conference_id)
    chair(actor, item.conference_id, "open a list of speakers")
    cid = whole_number(clause_id, "clause id")
    if item.draft_id is None:
        raise Invalid(f"“{item.title}” takes up no draft: its list of speakers is the item's own.")
    clause = ctx.store.clause(cid)
    if clause.draft_id != item.draft_id or clause.status in domain.GONE:
        raise NotFound(f"There is no clause {cid} in the draft of this item.")
    with _floor(ctx, item.conference_id) as changes:
        found = ctx.store.find_speakers_list(item.id, cid)
        if found is not None:
            return found
        lst = ctx.store.insert_speakers_list(item.conference_id, item.id, cid)
        changes.emit(FloorOpened(actor_id=actor_id(actor), **_where(lst, item)))
    return ctx.store.speakers_list(lst.id)


def ask_floor(
    ctx: Context,
    actor: Actor,
    list_id: object,
    kind: object,
    member_id: object = None,
    conference_id: object = None,
) -> FloorRequest:
    """A delegation asks for the floor: a speech (for or against, on such a list), a point of
    order, or the right of reply. The chair may put a delegation on the list (`member_id`), as
    when its representative raises the placard."""
    lst = _list_for(ctx, actor, list_id, conference_id)
    clean_kind = floor.check_kind(kind)
    participant: int | None
    if actor is None or actor.is_chair:
        if member_id is None:
            raise Invalid(
                "Name the delegation to put on the list (member_id): the chair presides and "
                "does not ask for the floor."
            )
        mid = whole_number(member_id, "member id")
        if ctx.store.member(mid).conference_id != lst.conference_id:
            raise NotFound(f"There is no member {mid} in this conference.")
        participant = None
    else:
        if actor.role == "observer":
            raise Forbidden("Observers follow the debate but do not ask for the floor.")
        if actor.member_id is None:
            raise Forbidden("Only the members' delegates ask for the floor.")
        if member_id is not None and whole_number(member_id, "member id") != actor.member_id:
            raise Forbidden("A delegation asks for the floor for itself; the chair for others.")
        mid, participant = actor.member_id, actor.id
    with _floor(ctx, lst.conference_id) as changes:
        lst = ctx.store.speakers_list(lst.id)
        item = ctx.store.agenda_item(lst.agenda_item_id)
        if item.status == "removed":
            raise Conflict(f"“{item.title}” was removed from the agenda.")
        requests = ctx.store.floor_requests(lst.id)
        floor.check_ask(
            requests,
            clean_kind,
            mid,
            is_open=lst.open,
            for_against=lst.for_against,
            delegation=ctx.store.member(mid).name,
        )
        r = ctx.store.insert_floor_request(
            {
                "list_id": lst.id,
                "conference_id": lst.conference_id,
                "kind": clean_kind,
                "member_id": mid,
                "participant_id": participant,
                "position": floor.next_position(requests, clean_kind),
            }
        )
        changes.emit(
            FloorAsked(actor_id=actor_id(actor), **_where(lst, item), **_about(ctx, r)), r.id
        )
    return r


def withdraw_request(
    ctx: Context, actor: Actor, request_id: object, conference_id: object = None
) -> FloorRequest:
    """A delegation withdraws its waiting request (the chair may remove anyone's)."""
    r = _request_for(ctx, actor, request_id, conference_id)
    if actor is not None and not actor.is_chair and actor.member_id != r.member_id:
        raise Forbidden("Only the delegation that asked, or the chair, can withdraw a request.")
    with _floor(ctx, r.conference_id) as changes:
        r = ctx.store.floor_request(r.id)
        if r.status != floor.WAITING:
            raise Conflict(_not_waiting(ctx, r, "withdrawn"))
        r = ctx.store.save_floor_request(replace(r, status=floor.WITHDRAWN))
        lst = ctx.store.speakers_list(r.list_id)
        item = ctx.store.agenda_item(lst.agenda_item_id)
        changes.emit(
            FloorWithdrawn(actor_id=actor_id(actor), **_where(lst, item), **_about(ctx, r)), r.id
        )
    return r


def _not_waiting(ctx: Context, r: FloorRequest, doing: str) -> str:
    who = ctx.store.member(r.member_id).name
    if r.status in (floor.SPEAKING, floor.INTERRUPTED):
        return f"{who} has the floor: the chair ends the speech; it can no longer be {doing}."
    return f"That request was {r.status} already: it can no longer be {doing}."


def move_request(
    ctx: Context, actor: Actor, request_id: object, after_id: object, conference_id: object = None
) -> FloorRequest:
    """The chair moves a waiting request within its group, right after `after_id` (None:
    first of its group)."""
    r = _request_for(ctx, actor, request_id, conference_id)
    chair(actor, r.conference_id, "move speakers on the list")
    after = optional_number(after_id, "request id")
    with _floor(ctx, r.conference_id) as changes:
        lst = ctx.store.speakers_list(r.list_id)
        requests = ctx.store.floor_requests(lst.id)
        before = [x.id for x in floor.queue(requests, for_against=lst.for_against)]
        positions = floor.place(requests, r.id, after)
        if not positions:
            return r
        ctx.store.set_floor_positions(positions)
        moved_to = floor.queue(ctx.store.floor_requests(lst.id), for_against=lst.for_against)
        r = ctx.store.floor_request(r.id)
        item = ctx.store.agenda_item(lst.agenda_item_id)
        changes.emit(
            FloorMoved(
                actor_id=actor_id(actor),
                **_where(lst, item),
                **_about(ctx, r),
                before=before.index(r.id) + 1,
                after=[x.id for x in moved_to].index(r.id) + 1,
            ),
            r.id,
        )
    return r


def give_floor(
    ctx: Context,
    actor: Actor,
    list_id: object,
    request_id: object = None,
    conference_id: object = None,
) -> FloorRequest:
    """The chair gives the floor to the next on the list, or to a chosen waiting request.

    One speaker at a time in the meeting: whoever has the floor ends (journaled), except that a
    point of order interrupts a speech, which resumes after the ruling (`end_speech`). A speech
    a point of order interrupted ends where it stopped when the floor goes to anyone else."""
    lst = _list_for(ctx, actor, list_id, conference_id)
    chair(actor, lst.conference_id, "give the floor")
    rid = optional_number(request_id, "request id")
    with _floor(ctx, lst.conference_id) as changes:
        lst = ctx.store.speakers_list(lst.id)
        item = ctx.store.agenda_item(lst.agenda_item_id)
        if item.status != "current":
            raise Conflict(f"“{item.title}” is not under debate: take it up first.")
        requests = ctx.store.floor_requests(lst.id)
        if rid is None:
            waiting = floor.queue(requests, for_against=lst.for_against)
            if not waiting:
                raise Conflict("Nobody is waiting on this list of speakers.")
            target = waiting[0]
        else:
            found = next((x for x in requests if x.id == rid), None)
            if found is None:
                raise NotFound(f"There is no request {rid} on this list of speakers.")
            if found.status != floor.WAITING:
                raise Conflict(_not_waiting(ctx, found, "given the floor again"))
            target = found
        at = floor.moment(now())
        holders = ctx.store.floor_holders(lst.conference_id)
        speaking = next((h for h in holders if h.status == floor.SPEAKING), None)
        interrupted = next((h for h in holders if h.status == floor.INTERRUPTED), None)
        if speaking is not None:
            point = target.kind == "point_of_order"
            if point and speaking.kind != "point_of_order" and interrupted is None:
                interrupted = _interrupt(ctx, changes, actor, speaking, target, at)
            else:
                _finish(ctx, changes, actor, speaking, at, None)
        if interrupted is not None and target.kind != "point_of_order":
            _finish(ctx, changes, actor, interrupted, at, None)
        limit = floor.time_limit(target.kind, lst.speaking_seconds, lst.reply_seconds)
        given = ctx.store.save_floor_request(floor.start(target, at, limit))
        changes.emit(
            FloorGiven(
                actor_id=actor_id(actor),
                **_where(lst, item),
                **_about(ctx, given),
                limit_seconds=given.limit_seconds,
                deadline=given.deadline,
            ),
            given.id,
        )
    return given


def _event_where(ctx: Context, r: FloorRequest) -> dict[str, Any]:
    lst = ctx.store.speakers_list(r.list_id)
    return _where(lst, ctx.store.agenda_item(lst.agenda_item_id))


def _interrupt(
    ctx: Context,
    changes: Changes,
    actor: Actor,
    r: FloorRequest,
    by: FloorRequest,
    at: datetime,
) -> FloorRequest:
    stopped = ctx.store.save_floor_request(floor.interrupt(r, at))
    changes.emit(
        FloorInterrupted(
            actor_id=actor_id(actor),
            **_event_where(ctx, stopped),
            **_about(ctx, stopped),
            spoken_seconds=stopped.spoken_ms / 1000,
            by=by.id,
        ),
        stopped.id,
    )
    return stopped


def _finish(
    ctx: Context,
    changes: Changes,
    actor: Actor,
    r: FloorRequest,
    at: datetime,
    ruling: str | None,
) -> FloorRequest:
    done = ctx.store.save_floor_request(floor.finish(r, at, ruling))
    assert done.first_started_at is not None and done.ended_at is not None
    changes.emit(
        FloorEnded(
            actor_id=actor_id(actor),
            **_event_where(ctx, done),
            **_about(ctx, done),
            started_at=done.first_started_at,
            ended_at=done.ended_at,
            seconds=done.spoken_ms / 1000,
            limit_seconds=done.limit_seconds,
            over_seconds=floor.over_seconds(done),
            ruling=done.ruling,
        ),
        done.id,
    )
    return done


def end_speech(
    ctx: Context, actor: Actor, list_id: object, ruling: object = None, conference_id: object = None
) -> FloorRequest:
    """The chair ends the speech of whoever has the floor on this list; on a point of order,
    with the chair's ruling (rule 71/113). The speech a point of order interrupted then
    resumes, with the time it had left."""
    lst = _list_for(ctx, actor, list_id, conference_id)
    chair(actor, lst.conference_id, "end a speech")
    clean = floor.check_ruling(ruling)
    with _floor(ctx, lst.conference_id) as changes:
        speaking = next(
            (r for r in ctx.store.floor_requests(lst.id) if r.status == floor.SPEAKING), None
        )
        if speaking is None:
            raise Conflict("Nobody has the floor on this list of speakers.")
        if clean is not None and speaking.kind != "point_of_order":
            raise Invalid("The chair rules on a point of order; this is not one.")
        at = floor.moment(now())
        done = _finish(ctx, changes, actor, speaking, at, clean)
        if speaking.kind == "point_of_order":
            holders = ctx.store.floor_holders(lst.conference_id)
            waiting = next((h for h in holders if h.status == floor.INTERRUPTED), None)
            if waiting is not None and not any(h.status == floor.SPEAKING for h in holders):
                back = ctx.store.save_floor_request(floor.resume(waiting, at))
                changes.emit(
                    FloorResumed(
                        actor_id=actor_id(actor),
                        **_event_where(ctx, back),
                        **_about(ctx, back),
                        deadline=back.deadline,
                    ),
                    back.id,
                )
    return done


def close_list(
    ctx: Context, actor: Actor, list_id: object, conference_id: object = None
) -> SpeakersList:
    """The chair declares the list closed (rule 73/115): no new speakers; points of order and
    rights of reply are still taken."""
    lst = _list_for(ctx, actor, list_id, conference_id)
    chair(actor, lst.conference_id, "close the list of speakers")
    with _floor(ctx, lst.conference_id) as changes:
        lst = ctx.store.speakers_list(lst.id)
        if not lst.open:
            raise Conflict("The list of speakers is closed already.")
        requests = ctx.store.floor_requests(lst.id)
        waiting = sum(
            1 for r in requests if r.status == floor.WAITING and floor.group(r.kind) == "ordinary"
        )
        lst = ctx.store.update_speakers_list(lst.id, open=False)
        item = ctx.store.agenda_item(lst.agenda_item_id)
        changes.emit(FloorClosed(actor_id=actor_id(actor), **_where(lst, item), waiting=waiting))
    return ctx.store.speakers_list(lst.id)


def reopen_list(
    ctx: Context, actor: Actor, list_id: object, conference_id: object = None
) -> SpeakersList:
    lst = _list_for(ctx, actor, list_id, conference_id)
    chair(actor, lst.conference_id, "reopen the list of speakers")
    with _floor(ctx, lst.conference_id) as changes:
        lst = ctx.store.speakers_list(lst.id)
        if lst.open:
            raise Conflict("The list of speakers is open already.")
        lst = ctx.store.update_speakers_list(lst.id, open=True)
        item = ctx.store.agenda_item(lst.agenda_item_id)
        changes.emit(FloorReopened(actor_id=actor_id(actor), **_where(lst, item)))
    return ctx.store.speakers_list(lst.id)


SETTINGS = ("speaking_seconds", "reply_seconds", "for_against")


def set_list(
    ctx: Context,
    actor: Actor,
    list_id: object,
    speaking_seconds: object = None,
    reply_seconds: object = None,
    for_against: object = None,
    conference_id: object = None,
) -> SpeakersList:
    """The chair sets the speaking time (rule 72/114), a shorter one for replies (0: as a
    speech), or makes it a list of speakers for and against in turn. A speech under way keeps
    the time it was given."""
    lst = _list_for(ctx, actor, list_id, conference_id)
    chair(actor, lst.conference_id, "set the speaking time")
    wanted: dict[str, Any] = {}
    if speaking_seconds is not None:
        wanted["speaking_seconds"] = floor.check_seconds(speaking_seconds, "speaking time")
    if reply_seconds is not None:
        wanted["reply_seconds"] = floor.check_seconds(reply_seconds, "time for replies")
    if for_against is not None:
        if not isinstance(for_against, bool):
            raise Invalid("'for_against' is true (speakers for and against in turn) or false.")
        wanted["for_against"] = for_against
    if not wanted:
        raise Invalid(f"Give what to set: {', '.join(SETTINGS)}.")
    with _floor(ctx, lst.conference_id) as changes:
        lst = ctx.store.speakers_list(lst.id)
        before = {k: getattr(lst, k) for k in wanted}
        if before == wanted:
            return lst
        lst = ctx.store.update_speakers_list(lst.id, **wanted)
        item = ctx.store.agenda_item(lst.agenda_item_id)
        changed = [k for k in wanted if before[k] != wanted[k]]
        changes.emit(
            FloorSettings(
                actor_id=actor_id(actor),
                **_where(lst, item),
                before={k: before[k] for k in changed},
                after={k: wanted[k] for k in changed},
            )
        )
    return ctx.store.speakers_list(lst.id)
