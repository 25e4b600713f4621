"""Who may do what: tokens, membership, roles, and looking things up on someone's behalf.

`actor` is the participant making the request, or None for the local operator (the CLI, who
already holds the database file and so every right). Something in another conference is
answered like something that does not exist: ids leak nothing across conferences.
"""

from __future__ import annotations

import hashlib
import secrets

from ..domain import (
    GONE,
    Amendment,
    Clause,
    Draft,
    Motion,
    Participant,
    Poll,
    whole_number,
)
from ..errors import Forbidden, NotFound, Unauthorized
from .context import Context

Actor = Participant | None

TOKEN_BYTES = 24  # 192 bits


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def authenticate(ctx: Context, token: object) -> Participant:
    if not isinstance(token, str) or not token:
        raise Unauthorized("A participant token is required: open your invite link again.")
    p = ctx.store.participant_by_token_hash(hash_token(token))
    if p is None:
        raise Unauthorized(
            "This invite link is not valid (it may have been replaced by a newer one). "
            "Ask the secretariat for a fresh link."
        )
    return p


def actor_id(actor: Actor) -> int | None:
    return None if actor is None else actor.id


def member(actor: Actor, conference_id: int) -> None:
    if actor is not None and actor.conference_id != conference_id:
        raise NotFound("Not found in your conference.")


def chair(actor: Actor, conference_id: int, doing: str) -> None:
    member(actor, conference_id)
    if actor is not None and not actor.is_chair:
        raise Forbidden(f"Only the chair can {doing}.")


def writer(actor: Actor, conference_id: int, doing: str) -> None:
    member(actor, conference_id)
    if actor is not None and actor.role == "observer":
        raise Forbidden(f"Observers follow the debate but cannot {doing}.")


def conference_id_for(actor: Actor, conference_id: object) -> int:
    cid = whole_number(conference_id, "conference id")
    member(actor, cid)
    return cid


def draft_for(ctx: Context, actor: Actor, draft_id: object) -> Draft:
    d = ctx.store.draft(whole_number(draft_id, "draft id"))
    member(actor, d.conference_id)
    return d


def clause_for(ctx: Context, actor: Actor, clause_id: object) -> tuple[Clause, Draft]:
    """A clause still in the text, and its draft."""
    c = ctx.store.clause(whole_number(clause_id, "clause id"))
    if c.status in GONE:
        why = "deleted" if c.status == "deleted" else "rejected by vote"
        raise NotFound(f"Clause {c.id} is no longer in the text: it was {why}.")
    d = ctx.store.draft(c.draft_id)
    member(actor, d.conference_id)
    return c, d


def amendment_for(ctx: Context, actor: Actor, amendment_id: object) -> tuple[Amendment, Draft]:
    a = ctx.store.amendment(whole_number(amendment_id, "amendment id"))
    d = ctx.store.draft(a.draft_id)
    member(actor, d.conference_id)
    return a, d


def poll_for(ctx: Context, actor: Actor, poll_id: object) -> tuple[Poll, Draft]:
    poll = ctx.store.poll(whole_number(poll_id, "poll id"))
    d = ctx.store.draft(poll.draft_id)
    member(actor, d.conference_id)
    return poll, d


def motion_for(ctx: Context, actor: Actor, motion_id: object) -> tuple[Motion, Draft]:
    m = ctx.store.motion(whole_number(motion_id, "motion id"))
    d = ctx.store.draft(m.draft_id)
    member(actor, d.conference_id)
    return m, d
