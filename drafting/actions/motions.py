"""Motions from the floor on how a question is voted, and the chair's rulings on the order.

A member may ask for a recorded vote, a division (a part voted separately, rule 89/129) or a
secret ballot. The conference's rule set says what becomes of the request (`procedure.PRESETS`):
a right granted at once, the chair's decision (grant, refuse, or put it to the vote), always a
vote, or not allowed. The chair rules on the order in which a clause's amendments are voted
(rule 90/130): the tool's order is only a suggestion, and the ruling goes into the record.
"""

from __future__ import annotations

from typing import Any

from .. import domain, procedure, views
from ..domain import Draft, Motion
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..events import MotionChanged, OrderRuled
from .access import Actor, actor_id, chair, draft_for, motion_for
from .context import Context, Transaction

RULINGS = ("grant", "refuse", "vote")
_NAMES = {
    "recorded_vote": "a recorded vote",
    "division": "a separate vote on this part (division)",
    "secret_ballot": "a secret ballot",
}


def _subject_open(ctx: Context, d: Draft, stype: str, sid: int) -> None:
    """The question a motion is about must still be before the meeting."""
    if stype == "amendment":
        a = ctx.store.amendment(sid)
        if a.draft_id != d.id:
            raise NotFound(f"There is no amendment {sid} in this draft.")
        if a.status not in ("pending", "conflicted"):
            raise Conflict(f"Amendment #{a.number} is {a.status}: too late for that.")
    elif stype == "clause":
        c = ctx.store.clause(sid)
        if c.draft_id != d.id or c.status != "active":
            raise Conflict("That clause is no longer before the meeting.")
    elif sid != d.id:
        raise Invalid("A motion on the whole names this draft.")


def move(
    ctx: Context,
    actor: Actor,
    draft_id: object,
    kind: object,
    subject_type: object,
    subject_id: object,
) -> Motion:
    """A delegate asks for a recorded vote, a division or a secret ballot on a question."""
    d = draft_for(ctx, actor, draft_id)
    if actor is not None and not actor.can_vote:
        raise Forbidden("Only the members' delegates raise motions.")
    clean_kind = domain.check_choice_of(str(kind), procedure.MOTION_KINDS, "motion")
    stype = domain.check_choice_of(str(subject_type), ("amendment", "clause", "draft"), "subject")
    sid = domain.whole_number(subject_id, "subject id")
    if clean_kind == "division" and stype != "clause":
        raise Invalid("A division asks for one clause (a part) to be voted on separately.")
    preset = procedure.check_preset(ctx.store.conference(d.conference_id).rules)
    handling = procedure.motion_handling(preset, clean_kind)
    if handling == "no":
        raise Conflict(
            f"Under these rules ({preset.title}) {_NAMES[clean_kind]} is not possible"
            + (
                ": a secret ballot is held for elections only (rule 92)."
                if clean_kind == "secret_ballot"
                else "."
            )
        )
    with ctx.transaction() as tx:
        d = ctx.store.draft(d.id)
        if d.status not in ("formal", "voting"):
            raise Conflict("Motions on voting are made in formal mode.")
        _subject_open(ctx, d, stype, sid)
        for m in ctx.store.motions(d.id):
            same = (m.kind, m.subject_type, m.subject_id) == (clean_kind, stype, sid)
            if same and m.status in ("pending", "voting", "granted"):
                raise Conflict(f"Motion {m.number} asks for that already ({m.status}).")
        m = ctx.store.insert_motion(
            {
                "draft_id": d.id,
                "kind": clean_kind,
                "subject_type": stype,
                "subject_id": sid,
                "mover_id": actor_id(actor),
                "status": "pending",
            }
        )
        _changed(tx, d, m, actor, "raised", None, "pending", "")
        if handling == "right":
            why = "a right of any representative (rule 87/127)"
            m = _set(ctx, tx, d, m, actor, "granted", why)
    return m


def withdraw_motion(ctx: Context, actor: Actor, motion_id: object) -> Motion:
    m, d = motion_for(ctx, actor, motion_id)
    if actor is not None and actor.id != m.mover_id:
        raise Forbidden("Only the delegate who moved it can withdraw a motion.")
    with ctx.transaction() as tx:
        m = ctx.store.motion(m.id)
        if m.status != "pending":
            raise Conflict(f"Motion {m.number} is {m.status}: it can no longer be withdrawn.")
        return _set(ctx, tx, d, m, actor, "withdrawn", "withdrawn by its mover")


def rule_on_motion(ctx: Context, actor: Actor, motion_id: object, ruling: object) -> Motion:
    """The chair grants or refuses a motion, or puts it to the vote (a procedural vote,
    simple majority of those present and voting)."""
    m, d = motion_for(ctx, actor, motion_id)
    chair(actor, d.conference_id, "rule on motions")
    clean = domain.check_choice_of(str(ruling), RULINGS, "ruling")
    preset = procedure.check_preset(ctx.store.conference(d.conference_id).rules)
    if clean != "vote" and procedure.motion_handling(preset, m.kind) == "vote":
        raise Conflict(f"Under these rules ({preset.title}) this motion is put to the vote.")
    if clean == "vote":
        from .polls import open_poll

        open_poll(ctx, actor, d.id, "motion", m.id, "simple", "counted")
        return ctx.store.motion(m.id)
    with ctx.transaction() as tx:
        m = ctx.store.motion(m.id)
        if m.status != "pending":
            raise Conflict(f"Motion {m.number} is {m.status} already.")
        status = "granted" if clean == "grant" else "refused"
        return _set(ctx, tx, d, m, actor, status, "the chair's ruling")


def decided_by_vote(
    ctx: Context, tx: Transaction, actor: Actor, d: Draft, m: Motion, outcome: str
) -> None:
    """A motion put to the vote is granted if adopted, refused otherwise."""
    status = "granted" if outcome == "adopted" else "refused"
    _set(ctx, tx, d, m, actor, status, f"{outcome.replace('_', ' ')} by vote")


def put_to_vote(
    ctx: Context, tx: Transaction, actor: Actor, d: Draft, m: Motion, poll_id: int
) -> None:
    after = ctx.store.update_motion(m.id, status="voting", poll_id=poll_id)
    _changed(tx, d, after, actor, "voting", m.status, "voting", "put to the vote")


def back_to_pending(ctx: Context, tx: Transaction, actor: Actor, d: Draft, m: Motion) -> None:
    _set(ctx, tx, d, m, actor, "pending", "the vote on it was suspended")


def granted(ctx: Context, d: Draft, kind: str, stype: str, sid: int) -> Motion | None:
    for m in ctx.store.motions(d.id):
        if (m.kind, m.subject_type, m.subject_id, m.status) == (kind, stype, sid, "granted"):
            return m
    return None


def motions(ctx: Context, actor: Actor, draft_id: object) -> list[dict[str, Any]]:
    d = draft_for(ctx, actor, draft_id)
    return [views.motion_view(ctx.store, m) for m in ctx.store.motions(d.id)]


def _set(
    ctx: Context, tx: Transaction, d: Draft, m: Motion, actor: Actor, status: str, why: str
) -> Motion:
    after = ctx.store.update_motion(m.id, status=status)
    _changed(tx, d, after, actor, status, m.status, status, why)
    return after


def _changed(
    tx: Transaction,
    d: Draft,
    m: Motion,
    actor: Actor,
    what: str,
    before: str | None,
    after: str,
    why: str,
) -> None:
    tx.emit(
        MotionChanged(
            conference_id=d.conference_id,
            draft_id=d.id,
            actor_id=actor_id(actor),
            motion_id=m.id,
            number=m.number,
            kind=m.kind,
            subject_type=m.subject_type,
            subject_id=m.subject_id,
            what=what,
            before=before,
            after=after,
            reason=why,
        )
    )


def rule_order(
    ctx: Context, actor: Actor, draft_id: object, clause_id: object, order: object
) -> list[int]:
    """The chair's ruling on the order in which a clause's amendments are voted: the tool
    suggested one; the chair decides (rule 90/130), and the record says so."""
    d = draft_for(ctx, actor, draft_id)
    chair(actor, d.conference_id, "rule on the order of voting")
    cid = domain.whole_number(clause_id, "clause id")
    if not isinstance(order, list):
        raise Invalid("Give the order as a list of amendment ids.")
    ids = [domain.whole_number(x, "amendment id") for x in order]
    with ctx.transaction() as tx:
        d = ctx.store.draft(d.id)
        c = ctx.store.clause(cid)
        if c.draft_id != d.id:
            raise NotFound(f"There is no clause {cid} in this draft.")
        suggested = views.suggested_ids(ctx.store, d, cid)
        if sorted(ids) != sorted(suggested):
            raise Invalid(
                "The order must list each pending amendment to this clause once: "
                + ", ".join(f"#{ctx.store.amendment(i).number}" for i in suggested)
                + "."
            )
        numbers = {i: ctx.store.amendment(i).number for i in ids}
        ruled = dict(d.vote_order)
        ruled[cid] = tuple(ids)
        ctx.store.update_draft(d.id, vote_order=ruled)
        tx.emit(
            OrderRuled(
                conference_id=d.conference_id,
                draft_id=d.id,
                clause_id=cid,
                actor_id=actor_id(actor),
                suggested=[numbers[i] for i in suggested],
                ruled=[numbers[i] for i in ids],
            )
        )
    return ids
