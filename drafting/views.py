"""What a clause, an amendment, a poll... looks like on the wire.

One shape per thing, shared by the JSON API, the Socket.IO acknowledgements and the live
broadcasts. Views read the store; they never write, and they check no rights (the action that
calls them has).
"""

from __future__ import annotations

from typing import Any

from . import domain, textsync
from .domain import Amendment, Conference, Draft, Member, Participant, Poll
from .procedure import Proposal, quorum_required, suggest_order
from .store import Store


def clause_view(entry: domain.Entry) -> dict[str, Any]:
    c = entry.clause
    return {
        "id": c.id,
        "kind": c.kind,
        "number": entry.number,
        "ref": entry.ref,
        "level": entry.level,
        "parent_id": c.parent_id,
        "text": c.text,
        "version": c.version,
        "status": c.status,
        "children": [clause_view(e) for e in entry.children],
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
    }


def conference_view(c: Conference) -> dict[str, Any]:
    """`quorum` null: a majority of the members (the default)."""
    return {"id": c.id, "name": c.name, "majority": c.majority, "quorum": c.quorum}


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


def queue_view(store: Store, d: Draft) -> list[dict[str, Any]]:
    """The suggested voting order: per clause, its amendments (furthest removed first,
    amendments to an amendment just before it), then the clause; the whole draft last."""
    clauses = {c.id: c for c in store.clauses(d.id)}
    entries = domain.flatten(domain.outline(clauses.values()))
    pending: dict[int, list[Amendment]] = {}
    for a in store.amendments(d.id):
        if a.status in ("pending", "voting") and a.clause_id in clauses:
            pending.setdefault(a.clause_id, []).append(a)
    out: list[dict[str, Any]] = []
    for e in entries:
        ams = pending.get(e.clause.id)
        if not ams:
            continue
        top = [a for a in ams if a.kind != "amend_amendment"]
        subs = [a for a in ams if a.kind == "amend_amendment"]
        by_id = {a.id: a for a in ams}
        name = domain.describe(e)
        order = suggest_order(e.clause.text, [Proposal(a.id, a.kind, a.new_text) for a in top])
        for step in order:
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
        out.append({"type": "clause", "id": e.clause.id, "label": name.capitalize()})
    out.append({"type": "draft", "id": d.id, "label": "The draft as a whole"})
    return out


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
    members = {m.id: m for m in store.members(conference_id)}
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
    names = {m.id: m.name for m in store.members(store.draft(poll.draft_id).conference_id)}
    return [{"member_id": mid, "name": names.get(mid, "?")} for mid in poll.roll_call]


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
    if poll.roll_call:
        view["roll_call"] = roll_call_view(store, poll)
    if poll.state == "open" and poll.kind == "recorded":
        view["tally"] = {**store.tally(poll), "votes": named_votes(store, poll, d.conference_id)}
    if poll.result is not None:
        view["result"] = poll.result
    return view


def quorum_view(store: Store, conference_id: int, entitled: int) -> dict[str, Any]:
    """Members (or votes) present now, and the quorum a decision needs."""
    conf = store.conference(conference_id)
    present = sum(m.weight for m in store.present_members(conference_id))
    required = quorum_required(conf.quorum, entitled)
    return {"present": present, "quorum": required, "quorate": present >= required}


def _subject(store: Store, poll: Poll, d: Draft) -> dict[str, Any]:
    if poll.subject_type == "amendment":
        a = store.amendment(poll.subject_id)
        return {"label": f"Amendment #{a.number}", "amendment": amendment_view(store, a)}
    if poll.subject_type == "clause":
        c = store.clause(poll.subject_id)
        entry = next(
            (
                e
                for e in domain.flatten(domain.outline(store.clauses(d.id, True)))
                if e.clause.id == c.id
            ),
            None,
        )
        label = domain.describe(entry).capitalize() if entry else f"Clause {c.id}"
        return {"label": label, "clause": {"id": c.id, "kind": c.kind, "text": c.text}}
    return {"label": f"The draft as a whole: {d.title}"}


def draft_view(store: Store, d: Draft) -> dict[str, Any]:
    """The draft as clients load it: numbered clause tree, amendments, queue, open poll."""
    open_poll = store.open_poll(d.id)
    return {
        **draft_summary(d),
        "clauses": outline_view(store, d.id),
        **amendments_view(store, d),
        "poll": poll_view(store, open_poll) if open_poll else None,
    }
