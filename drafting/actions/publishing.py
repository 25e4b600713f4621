"""What a draft is published from: the document model's input, read from the store."""

from __future__ import annotations

from typing import Any

from .. import document, views
from .access import Actor, draft_for
from .context import Context


def publication(ctx: Context, actor: Actor, draft_id: object) -> dict[str, Any]:
    """The draft as clients load it, its conference, its sponsors by name (delegation, else
    the person), and the decision on the whole text: the last vote on it that was closed,
    with the time it closed and, for a recorded vote, the votes by member in roll-call order."""
    d = draft_for(ctx, actor, draft_id)
    conf = ctx.store.conference(d.conference_id)
    people = {p.id: p for p in ctx.store.participants(d.conference_id)}
    sponsors = [
        (people[s].delegation or people[s].name) if s in people else f"participant {s}"
        for s in d.sponsors
    ]
    decision: dict[str, Any] | None = None
    for poll in ctx.store.polls(d.id):
        if poll.subject_type == "draft" and poll.state == "closed" and poll.result:
            decision = {**poll.result, "closed_at": poll.closed_at}
            if poll.roll_call and decision.get("votes"):
                order = {mid: i for i, mid in enumerate(poll.roll_call)}
                decision["votes"] = sorted(
                    decision["votes"], key=lambda v: order.get(v.get("member_id"), len(order))
                )
    return {
        "draft": views.draft_view(ctx.store, d),
        "conference": views.conference_view(conf),
        "sponsors": list(dict.fromkeys(sponsors)),
        "decision": decision,
    }


def published_document(ctx: Context, actor: Actor, draft_id: object) -> document.Document:
    """The draft as one document, for every published format (`drafting.publish`)."""
    return document.build(publication(ctx, actor, draft_id))
