"""What a clause, an amendment, a poll... looks like on the wire.

One shape per thing, shared by the JSON API, the Socket.IO acknowledgements and the live
broadcasts. Views read the store; they never write, and they check no rights (the action that
calls them has).
"""

from __future__ import annotations

from typing import Any

from . import domain, floor, textsync
from .domain import (
    AgendaItem,
    Amendment,
    Clause,
    Conference,
    Draft,
    FloorRequest,
    Member,
    Motion,
    Participant,
    Poll,
    SpeakersList,
)
from .procedure import Proposal, Suggestion, quorum_required, suggest_order
from .store import Store


def clause_view(entry: domain.Entry) -> dict[str, Any]:
    c = entry.clause
    return {
        "id": c.id,
        "kind": c.kind,
        "marker": c.marker,
        "number": entry.number,
        "ref": entry.ref,
        "level": entry.level,
        "label": domain.describe(entry).capitalize(),
        "parent_id": c.parent_id,
        "text": c.text,
        "version": c.version,
        "status": c.status,
        "children": [clause_view(e) for e in entry.children],
    }


def session_view(s: domain.Session, actor: str, delegation: str) -> dict[str, Any]:
    """An editing session in a clause's history: `actor` and `delegation` name its author."""
    return {
        "first": s.first,
        "last": s.last,
        "actor": actor,
        "delegation": delegation,
        "actor_id": s.actor_id,
        "start": s.start,
        "end": s.end,
        "versions": s.versions,
        "reason": s.reason,
    }


def outline_view(store: Store, draft_id: int) -> list[dict[str, Any]]:
    """The numbered clause tree: what a structure change sends."""
    return [clause_view(e) for e in domain.outline(store.clauses(draft_id))]


def participant_view(p: Participant) -> dict[str, Any]:
    return {
        "id": p.id,
        "conference_id": p.conference_id,
        "name": p.name,
        "delegation": p.delegation,
        "role": p.role,
        "present": p.present,
        "member_id": p.member_id,
    }


def draft_summary(d: Draft) -> dict[str, Any]:
    return {
        "id": d.id,
        "conference_id": d.conference_id,
        "title": d.title,
        "status": d.status,
        "sponsors": list(d.sponsors),
        "details": d.details(),
    }


def conference_view(c: Conference) -> dict[str, Any]:
    """`quorum` null: a majority of the members (the default); `rules` the rule set."""
    return {
        "id": c.id,
        "name": c.name,
        "majority": c.majority,
        "quorum": c.quorum,
        "rules": c.rules,
    }


def amendment_view(store: Store, a: Amendment, clause_text: str | None = None) -> dict[str, Any]:
    """An amendment, with track changes against the text as it stands."""
    if clause_text is None:
        clause_text = store.clause(a.clause_id).text
    if a.kind == "amend_amendment" and a.target_amendment_id:
        against = store.amendment(a.target_amendment_id).new_text
    elif a.kind == "insert_after":
        against = ""
    else:
        against = clause_text
    proposer = store.participant(a.proposer_id) if a.proposer_id is not None else None
    return {
        "id": a.id,
        "number": a.number,
        "draft_id": a.draft_id,
        "clause_id": a.clause_id,
        "kind": a.kind,
        "target_amendment_id": a.target_amendment_id,
        "new_kind": a.new_kind,
        "proposer_id": a.proposer_id,
        "proposer": proposer.name if proposer else "secretariat",
        "delegation": proposer.delegation if proposer else "",
        "base_version": a.base_version,
        "base_text": a.base_text,
        "new_text": a.new_text,
        "reason": a.reason,
        "status": a.status,
        "accepted_by": list(a.accepted_by),
        "refused_by": list(a.refused_by),
        "changes": [list(op) for op in textsync.track_changes(against, a.new_text)],
    }


def _ordered(store: Store, d: Draft, clause: Clause, top: list[Amendment]) -> list[Suggestion]:
    """A clause's competing amendments in voting order: the chair's ruling where there is one
    (and it still lists exactly them), otherwise the tool's suggestion, each with its reason."""
    suggested = suggest_order(clause.text, [Proposal(a.id, a.kind, a.new_text) for a in top])
    ruled = d.vote_order.get(clause.id)
    if ruled and sorted(ruled) == sorted(s.id for s in suggested):
        place = {s.id: n for n, s in enumerate(suggested, start=1)}
        why = {s.id: s.reason for s in suggested}
        return [
            Suggestion(i, f"the chair's ruling (suggested {_nth(place[i])}: {why[i]})")
            for i in ruled
        ]
    return suggested


def _nth(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def suggested_ids(store: Store, d: Draft, clause_id: int) -> list[int]:
    """The pending amendments to a clause that compete in the order, as suggested."""
    clause = store.clause(clause_id)
    top = [
        a
        for a in store.amendments_of_clause(clause_id)
        if a.status in ("pending", "voting") and a.kind != "amend_amendment"
    ]
    return [
        s.id for s in suggest_order(clause.text, [Proposal(a.id, a.kind, a.new_text) for a in top])
    ]


def queue_view(store: Store, d: Draft) -> list[dict[str, Any]]:
    """What the chair puts to the vote, in order: per clause, its amendments (furthest removed
    first, or as the chair ruled; amendments to an amendment just before it), then the clause
    itself (as amended) once it has had amendments or a separate vote was asked for; the whole
    draft last (rule 90/130: the amended proposal is then voted upon)."""
    clauses = {c.id: c for c in store.clauses(d.id)}
    entries = domain.flatten(domain.outline(clauses.values()))
    pending: dict[int, list[Amendment]] = {}
    amended: set[int] = set()
    for a in store.amendments(d.id):
        if a.clause_id not in clauses:
            continue
        if a.status in ("pending", "voting"):
            pending.setdefault(a.clause_id, []).append(a)
        if a.status in ("adopted", "friendly") and a.kind != "amend_amendment":
            amended.add(a.clause_id)
    tabled = {a.clause_id for a in store.amendments(d.id) if a.status != "withdrawn"}
    divided = {
        m.subject_id
        for m in store.motions(d.id)
        if m.kind == "division" and m.status == "granted" and m.subject_type == "clause"
    }
    out: list[dict[str, Any]] = []
    for e in entries:
        c = e.clause
        if c.status != "active":
            continue
        ams = pending.get(c.id, [])
        top = [a for a in ams if a.kind != "amend_amendment"]
        subs = [a for a in ams if a.kind == "amend_amendment"]
        by_id = {a.id: a for a in ams}
        name = domain.describe(e)
        for step in _ordered(store, d, c, top) if top else []:
            aid = step.id
            for sub in subs:
                if sub.target_amendment_id == aid:
                    label = f"Amendment #{sub.number} to amendment #{by_id[aid].number}"
                    reason = "amends the amendment: voted before it"
                    out.append(
                        {"type": "amendment", "id": sub.id, "label": label, "reason": reason}
                    )
            label = f"Amendment #{by_id[aid].number} to {name}"
            out.append({"type": "amendment", "id": aid, "label": label, "reason": step.reason})
        if c.id in tabled or c.id in divided:
            label = name.capitalize() + (", as amended" if c.id in amended else "")
            reason = (
                "a separate vote was granted (division)"
                if c.id in divided
                else ("after its amendments" if top else "its amendments are decided")
            )
            out.append({"type": "clause", "id": c.id, "label": label, "reason": reason})
    out.append({"type": "draft", "id": d.id, "label": "The draft as a whole"})
    return out


def motion_view(store: Store, m: Motion) -> dict[str, Any]:
    mover = store.participant(m.mover_id) if m.mover_id is not None else None
    return {
        "id": m.id,
        "number": m.number,
        "draft_id": m.draft_id,
        "kind": m.kind,
        "subject_type": m.subject_type,
        "subject_id": m.subject_id,
        "subject": _subject_label(store, m.subject_type, m.subject_id),
        "mover_id": m.mover_id,
        "mover": mover.name if mover else "the chair",
        "delegation": mover.delegation if mover else "",
        "status": m.status,
        "poll_id": m.poll_id,
    }


def _subject_label(store: Store, stype: str, sid: int) -> str:
    if stype == "amendment":
        return f"Amendment #{store.amendment(sid).number}"
    if stype == "clause":
        c = store.clause(sid)
        entry = next(
            (
                e
                for e in domain.flatten(domain.outline(store.clauses(c.draft_id, True)))
                if e.clause.id == c.id
            ),
            None,
        )
        return domain.describe(entry).capitalize() if entry else f"Clause {c.id}"
    if stype == "motion":
        m = store.motion(sid)
        return f"Motion {m.number}"
    return "The draft as a whole"


def amendments_view(store: Store, d: Draft) -> dict[str, Any]:
    texts = {c.id: c.text for c in store.clauses(d.id, True)}
    return {
        "amendments": [
            amendment_view(store, a, texts.get(a.clause_id, "")) for a in store.amendments(d.id)
        ],
        "queue": queue_view(store, d),
    }


def named_votes(store: Store, poll: Poll, conference_id: int) -> list[dict[str, Any]]:
    """A recorded poll's votes by member, in alphabetical order: the member (`delegation`),
    its vote and weight, and which representative cast it (`name`, `participant_id`)."""
    people = {p.id: p for p in store.participants(conference_id)}
    members = store.all_members(conference_id)
    out = []
    for b in store.ballots(poll.id):
        p = people.get(b["cast_by"])
        m = members.get(b["member_id"])
        out.append(
            {
                "member_id": b["member_id"],
                "delegation": m.name if m else (p.delegation if p else "?"),
                "weight": b["weight"],
                "choice": b["choice"],
                "participant_id": b["cast_by"],
                "name": p.name if p else "?",
            }
        )
    out.sort(key=lambda v: v["delegation"].casefold())
    return out


def member_view(m: Member) -> dict[str, Any]:
    return {"id": m.id, "name": m.name, "weight": m.weight}


def roll_call_view(store: Store, poll: Poll) -> list[dict[str, Any]]:
    """The order in which members are called in a recorded vote (the first drawn by lot)."""
    members = store.all_members(store.draft(poll.draft_id).conference_id)
    return [
        {"member_id": mid, "name": members[mid].name if mid in members else "?"}
        for mid in poll.roll_call
    ]


def tally_view(store: Store, poll: Poll) -> dict[str, Any] | None:
    """What changes while a poll is open: the count, the quorum, and for a recorded poll the
    votes by name. None once the poll is over."""
    if poll.state != "open":
        return None
    conference_id = store.draft(poll.draft_id).conference_id
    view: dict[str, Any] = {"cast": store.cast_count(poll)}
    view.update(quorum_view(store, conference_id, poll.entitled))
    if poll.kind == "recorded":
        view["tally"] = {**store.tally(poll), "votes": named_votes(store, poll, conference_id)}
    return view


def poll_view(store: Store, poll: Poll) -> dict[str, Any]:
    d = store.draft(poll.draft_id)
    view: dict[str, Any] = {
        "id": poll.id,
        "draft_id": poll.draft_id,
        "subject_type": poll.subject_type,
        "subject_id": poll.subject_id,
        "rule": poll.rule,
        "kind": poll.kind,
        "state": poll.state,
        "entitled": poll.entitled,
        "closes_at": poll.closes_at,
        "opened_at": poll.opened_at,
        "cast": store.cast_count(poll),
        "subject": _subject(store, poll, d),
    }
    if poll.state == "open":
        view.update(quorum_view(store, d.conference_id, poll.entitled))
        if poll.roll_call:  # while members are called; the record keeps it afterwards
            view["roll_call"] = roll_call_view(store, poll)
    if poll.state == "open" and poll.kind == "recorded":
        view["tally"] = {**store.tally(poll), "votes": named_votes(store, poll, d.conference_id)}
    if poll.result is not None:
        view["result"] = poll.result
    return view


def quorum_view(store: Store, conference_id: int, entitled: int) -> dict[str, Any]:
    """Members (or votes) present now, and the quorum a decision needs."""
    conf = store.conference(conference_id)
    present = store.present_weight(conference_id)
    required = quorum_required(conf.quorum, entitled)
    return {"present": present, "quorum": required, "quorate": present >= required}


def _subject(store: Store, poll: Poll, d: Draft) -> dict[str, Any]:
    if poll.subject_type == "amendment":
        a = store.amendment(poll.subject_id)
        return {"label": f"Amendment #{a.number}", "amendment": amendment_view(store, a)}
    if poll.subject_type == "clause":
        c = store.clause(poll.subject_id)
        label = _subject_label(store, "clause", c.id)
        return {"label": label, "clause": {"id": c.id, "kind": c.kind, "text": c.text}}
    if poll.subject_type == "motion":
        m = store.motion(poll.subject_id)
        view = motion_view(store, m)
        what = {
            "recorded_vote": "a recorded vote",
            "division": "a separate vote (division)",
            "secret_ballot": "a secret ballot",
        }[m.kind]
        label = f"Motion {m.number}: {what} on {view['subject'][0].lower()}{view['subject'][1:]}"
        return {"label": label, "motion": view}
    return {"label": f"The draft as a whole: {d.title}"}


def draft_view(store: Store, d: Draft) -> dict[str, Any]:
    """The draft as clients load it: numbered clause tree, amendments, queue, open poll."""
    return {**draft_content(store, d), "poll": open_poll_view(store, d.id)}


def draft_content(store: Store, d: Draft) -> dict[str, Any]:
    """All of `draft_view` but the open poll: what only the draft's own events change (the
    poll also shows who is present now)."""
    return {
        **draft_summary(d),
        "clauses": outline_view(store, d.id),
        **amendments_view(store, d),
        "motions": [motion_view(store, m) for m in store.motions(d.id)],
    }


def open_poll_view(store: Store, draft_id: int) -> dict[str, Any] | None:
    poll = store.open_poll(draft_id)
    return poll_view(store, poll) if poll else None


# --- the agenda and the floor ---------------------------------------------------------------


def agenda_item_view(item: AgendaItem, number: int) -> dict[str, Any]:
    return {
        "id": item.id,
        "number": number,
        "kind": item.kind,
        "title": item.title,
        "draft_id": item.draft_id,
        "status": item.status,
    }


def agenda_view(store: Store, conference_id: int) -> dict[str, Any]:
    """The agenda in order, the item under debate (`current_id`) and what "next item" would
    take up (`next_id`)."""
    items = store.agenda_items(conference_id)
    current = next((i.id for i in items if i.status == "current"), None)
    upcoming = floor.next_item(items)
    return {
        "conference_id": conference_id,
        "version": store.agenda_version(conference_id),
        "current_id": current,
        "next_id": upcoming.id if upcoming else None,
        "items": [agenda_item_view(i, n) for n, i in enumerate(items, start=1)],
    }


class _Roster:
    """Names of delegations and their representatives, read once per view."""

    def __init__(self, store: Store, conference_id: int) -> None:
        self.members = store.all_members(conference_id)
        self.people = {p.id: p for p in store.participants(conference_id)}

    def delegation(self, member_id: int) -> str:
        m = self.members.get(member_id)
        return m.name if m else "?"

    def name(self, participant_id: int | None) -> str | None:
        p = self.people.get(participant_id) if participant_id is not None else None
        return p.name if p else None


def floor_request_view(r: FloorRequest, roster: _Roster) -> dict[str, Any]:
    """A request for the floor, and its speech once given: `started_at` the start of the
    current stretch (the floor given, or given back after a point of order), `spoken_seconds`
    what was spoken before it, `deadline` and `warning_at` when the time is up and when the
    screens warn (null: no limit)."""
    return {
        "id": r.id,
        "list_id": r.list_id,
        "kind": r.kind,
        "member_id": r.member_id,
        "delegation": roster.delegation(r.member_id),
        "participant_id": r.participant_id,
        "name": roster.name(r.participant_id),
        "status": r.status,
        "asked_at": r.asked_at,
        "started_at": r.started_at,
        "spoken_seconds": r.spoken_ms / 1000,
        "limit_seconds": r.limit_seconds,
        "deadline": r.deadline,
        "warning_at": floor.warning_at(r),
    }


def speakers_list_view(
    store: Store, lst: SpeakersList, changed: set[int] | None = None
) -> dict[str, Any]:
    """A list of speakers: its settings, who has the floor (`speaker`), whose speech a point
    of order interrupted, the queue in calling order (`order`, request ids), and the requests:
    every one waiting or holding the floor, or with `changed`, only those (as a message sends
    them)."""
    requests = store.floor_requests(lst.id)
    queue = floor.queue(requests, for_against=lst.for_against)
    speaker = next((r.id for r in requests if r.status == floor.SPEAKING), None)
    interrupted = next((r.id for r in requests if r.status == floor.INTERRUPTED), None)
    if changed is None:
        shown = [r for r in requests if r.status in floor.ON_LIST]
    else:
        shown = [r for r in requests if r.id in changed]
    roster = _Roster(store, lst.conference_id)
    return {
        "id": lst.id,
        "conference_id": lst.conference_id,
        "agenda_item_id": lst.agenda_item_id,
        "clause_id": lst.clause_id,
        "open": lst.open,
        "for_against": lst.for_against,
        "speaking_seconds": lst.speaking_seconds,
        "reply_seconds": lst.reply_seconds,
        "version": lst.version,
        "speaker": speaker,
        "interrupted": interrupted,
        "order": [r.id for r in queue],
        "requests": [floor_request_view(r, roster) for r in shown],
    }


def floor_view(store: Store, conference_id: int, item_id: int | None = None) -> dict[str, Any]:
    """The agenda, and the lists of speakers of an item (by default the one under debate;
    none when no item is)."""
    agenda = agenda_view(store, conference_id)
    item = item_id if item_id is not None else agenda["current_id"]
    lists = [] if item is None else store.speakers_lists(item)
    return {"agenda": agenda, "lists": [speakers_list_view(store, lst) for lst in lists]}


def speech_view(store: Store, r: FloorRequest, roster: _Roster | None = None) -> dict[str, Any]:
    """A speech made: who, on which list, from when to when, for how long."""
    roster = roster or _Roster(store, r.conference_id)
    lst = store.speakers_list(r.list_id)
    return {
        "request_id": r.id,
        "list_id": r.list_id,
        "agenda_item_id": lst.agenda_item_id,
        "clause_id": lst.clause_id,
        "kind": r.kind,
        "member_id": r.member_id,
        "delegation": roster.delegation(r.member_id),
        "participant_id": r.participant_id,
        "name": roster.name(r.participant_id),
        "started_at": r.first_started_at,
        "ended_at": r.ended_at,
        "seconds": r.spoken_ms / 1000,
        "limit_seconds": r.limit_seconds,
        "over_seconds": floor.over_seconds(r),
        "ruling": r.ruling,
    }


def speeches_view(store: Store, conference_id: int, item_id: int | None) -> list[dict[str, Any]]:
    roster = _Roster(store, conference_id)
    return [speech_view(store, r, roster) for r in store.speeches(conference_id, item_id)]
