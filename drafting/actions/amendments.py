"""Amendments: propose, accept as friendly, refuse, withdraw; adopt into the text; lapse."""

from __future__ import annotations

from typing import Any

from .. import domain, textsync, views
from ..domain import Amendment, Clause, Draft
from ..errors import Conflict, Forbidden, Invalid
from ..events import (
    AmendmentAccepted,
    AmendmentProposed,
    AmendmentRebased,
    AmendmentRefused,
    AmendmentStatus,
    AmendmentWithdrawn,
    ClauseAdded,
)
from ..procedure import lapsed_by
from .access import Actor, actor_id, amendment_for, clause_for, draft_for
from .context import Context, Transaction
from .drafts import remove_clause
from .edits import write_text


def check_not_under_vote(ctx: Context, d: Draft, clause_id: int) -> None:
    """While a clause, an amendment to it or the whole draft is voted on, it is frozen."""
    poll = ctx.store.open_poll(d.id)
    if poll is None:
        return
    if poll.subject_type == "draft":
        raise Conflict(
            "The whole draft is being voted on: nothing can change until the vote closes."
        )
    if poll.subject_type == "clause" and poll.subject_id == clause_id:
        raise Conflict("This clause is being voted on: it cannot change until the vote closes.")
    if poll.subject_type == "amendment":
        a = ctx.store.amendment(poll.subject_id)
        if a.clause_id == clause_id:
            raise Conflict(
                f"Amendment #{a.number} to this clause is being voted on: the clause cannot "
                "change until the vote closes."
            )


def amendments_view(ctx: Context, actor: Actor, draft_id: object) -> dict[str, Any]:
    return views.amendments_view(ctx.store, draft_for(ctx, actor, draft_id))


def _check_proposal(
    c: Clause, kind: object, new_text: object, reason: object, new_kind: object
) -> tuple[str, str, str, str | None]:
    clean_kind = domain.check_choice_of(str(kind), domain.AMENDMENT_KINDS, "amendment kind")
    if not isinstance(reason, str):
        raise Invalid("The reason must be a text.")
    if len(reason) > domain.MAX_REASON_CHARS:
        raise Invalid(f"Keep the reason under {domain.MAX_REASON_CHARS:,} characters.")
    if clean_kind == "delete":
        # a deletion proposes no text; a text typed before choosing "delete" is let go, but
        # anything else is a malformed request, refused as any other field would be
        if new_text is not None and not isinstance(new_text, str):
            raise Invalid("The new text must be a text; a deletion proposes none.")
        text = ""
    else:
        text = domain.check_clause_text(new_text)
    if clean_kind in ("replace", "insert_after", "amend_amendment") and not text.strip():
        raise Invalid("Write the text the amendment proposes.")
    clean_new_kind = None
    if clean_kind == "insert_after":
        clean_new_kind = domain.check_choice_of(
            str(new_kind or c.kind), domain.CLAUSE_KINDS, "clause kind"
        )
    return clean_kind, text, reason.strip(), clean_new_kind


def _replacement_on_current(ctx: Context, c: Clause, text: str, base_version: object) -> str:
    """A replacement written on an older version, carried onto the clause as it stands."""
    bv = c.version if base_version is None else domain.whole_number(base_version, "version")
    if bv != c.version:
        written_on = ctx.store.clause_text_at(c.id, bv)
        if written_on is None:
            raise Invalid(f"Clause {c.id} has no version {bv}.")
        merged = textsync.merge3(written_on, c.text, text)
        if merged.conflicted:
            raise Conflict(
                "The clause changed where your amendment changes it: "
                "look at the current text and write the amendment again."
            )
        text = merged.text
    if text == c.text:
        raise Invalid("The amendment does not change the clause's text.")
    return text


def propose(
    ctx: Context,
    actor: Actor,
    clause_id: object,
    kind: object,
    new_text: object = "",
    reason: object = "",
    target_amendment_id: object = None,
    new_kind: object = None,
    base_version: object = None,
) -> Amendment:
    c, d = clause_for(ctx, actor, clause_id)
    if actor is not None and not actor.can_propose:
        raise Forbidden("Observers follow the debate but cannot propose amendments.")
    clean_kind, text, clean_reason, clean_new_kind = _check_proposal(
        c, kind, new_text, reason, new_kind
    )
    with ctx.transaction(c.id) as tx:
        d = ctx.store.draft(d.id)
        domain.check_open(d)
        c = ctx.store.clause(c.id)
        check_not_under_vote(ctx, d, c.id)
        target = None
        base_text, version = c.text, c.version
        if clean_kind == "amend_amendment":
            target = ctx.store.amendment(domain.whole_number(target_amendment_id, "amendment id"))
            if target.draft_id != d.id or target.clause_id != c.id:
                raise Invalid("That amendment is not to this clause.")
            if target.status not in domain.OPEN_AMENDMENT or target.kind == "amend_amendment":
                raise Conflict(
                    f"Amendment #{target.number} is {target.status}: it can no longer be amended."
                )
            base_text = target.new_text
        elif clean_kind == "replace":
            text = _replacement_on_current(ctx, c, text, base_version)
        a = ctx.store.insert_amendment(
            {
                "draft_id": d.id,
                "clause_id": c.id,
                "kind": clean_kind,
                "target_amendment_id": target.id if target else None,
                "new_kind": clean_new_kind,
                "proposer_id": actor_id(actor),
                "base_version": version,
                "base_text": base_text,
                "new_text": text,
                "delta": textsync.make_delta(base_text, text),
                "reason": clean_reason,
                "status": "pending",
            }
        )
        tx.emit(
            AmendmentProposed.about(
                d,
                a,
                actor_id(actor),
                kind=clean_kind,
                base_version=version,
                new_text=text,
                reason=a.reason,
                target=target.number if target else None,
            )
        )
    return a


def accept(ctx: Context, actor: Actor, amendment_id: object) -> Amendment:
    """A sponsor accepts an amendment as friendly; when all have, it is merged unvoted."""
    a, d = amendment_for(ctx, actor, amendment_id)
    if actor is not None and actor.id not in d.sponsors:
        raise Forbidden("Only the draft's sponsors can accept an amendment as friendly.")
    with ctx.transaction(a.clause_id) as tx:
        a, d = ctx.store.amendment(a.id), ctx.store.draft(d.id)
        domain.check_open(d)
        if a.status != "pending":
            raise Conflict(f"Amendment #{a.number} is {a.status}; it cannot be accepted.")
        if a.refused_by:
            raise Conflict(f"Amendment #{a.number} was refused by a sponsor: it goes to the vote.")
        check_not_under_vote(ctx, d, a.clause_id)
        if actor is None:  # the operator merges it for all sponsors
            accepted = d.sponsors
        else:
            accepted = tuple(sorted(set(a.accepted_by) | {actor.id}))
        a = ctx.store.update_amendment(a.id, accepted_by=accepted)
        friendly = bool(d.sponsors) and set(d.sponsors) <= set(accepted)
        tx.emit(
            AmendmentAccepted.about(
                d, a, actor_id(actor), sponsor=actor_id(actor), friendly=friendly
            )
        )
        if friendly:
            adopt(ctx, tx, actor, d, a, "friendly")
    return ctx.store.amendment(a.id)


def refuse(ctx: Context, actor: Actor, amendment_id: object) -> Amendment:
    a, d = amendment_for(ctx, actor, amendment_id)
    if actor is None or actor.id not in d.sponsors:
        raise Forbidden("Only the draft's sponsors can refuse an amendment as friendly.")
    with ctx.transaction() as tx:
        a = ctx.store.amendment(a.id)
        if a.status not in domain.OPEN_AMENDMENT:
            raise Conflict(f"Amendment #{a.number} is {a.status} already.")
        a = ctx.store.update_amendment(
            a.id, refused_by=tuple(sorted(set(a.refused_by) | {actor.id}))
        )
        tx.emit(AmendmentRefused.about(d, a, actor.id, sponsor=actor.id))
    return a


def withdraw(ctx: Context, actor: Actor, amendment_id: object) -> Amendment:
    a, d = amendment_for(ctx, actor, amendment_id)
    if actor is not None and actor.id != a.proposer_id:
        raise Forbidden("Only the amendment's proposer can withdraw it.")
    with ctx.transaction() as tx:
        a = ctx.store.amendment(a.id)
        if a.status == "voting":
            raise Conflict(f"Amendment #{a.number} is being voted on: too late to withdraw.")
        if a.status not in domain.OPEN_AMENDMENT:
            raise Conflict(f"Amendment #{a.number} is {a.status}; it cannot be withdrawn.")
        a = ctx.store.update_amendment(a.id, status="withdrawn")
        tx.emit(AmendmentWithdrawn.about(d, a, actor_id(actor)))
        lapse_children(ctx, tx, actor, d, a, "its parent amendment was withdrawn")
    return a


def set_status(
    ctx: Context, tx: Transaction, actor: Actor, d: Draft, a: Amendment, status: str, why: str
) -> None:
    ctx.store.update_amendment(a.id, status=status)
    tx.emit(AmendmentStatus.about(d, a, actor_id(actor), before=a.status, after=status, reason=why))


def lapse_children(
    ctx: Context, tx: Transaction, actor: Actor, d: Draft, a: Amendment, why: str
) -> None:
    """Amendments to amendment `a` lapse with it."""
    for sub in ctx.store.amendments_of_clause(a.clause_id):
        if sub.target_amendment_id == a.id and sub.status in domain.OPEN_AMENDMENT:
            set_status(ctx, tx, actor, d, sub, "lapsed", why)


def adopt(ctx: Context, tx: Transaction, actor: Actor, d: Draft, a: Amendment, how: str) -> None:
    """Apply an adopted (or friendly) amendment to the text, inside the caller's transaction."""
    status = "friendly" if how == "friendly" else "adopted"
    label = f"{'friendly ' if how == 'friendly' else ''}amendment #{a.number}"
    set_status(ctx, tx, actor, d, a, status, how)
    c = ctx.store.clause(a.clause_id)
    if a.kind == "amend_amendment":
        target = ctx.store.amendment(a.target_amendment_id or 0)
        ctx.store.update_amendment(
            target.id, new_text=a.new_text, delta=textsync.make_delta(target.base_text, a.new_text)
        )
        tx.emit(
            AmendmentRebased.about(
                d,
                target,
                actor_id(actor),
                before=target.new_text,
                after=a.new_text,
                base_version=target.base_version,
                conflicted=False,
                by=label,
            )
        )
    elif a.kind == "replace":
        new_text = textsync.merge3(a.base_text, c.text, a.new_text).text
        write_text(ctx, tx, actor, d, c, new_text, c.version, label, amendment=a.number)
    elif a.kind == "delete":
        _adopt_deletion(ctx, tx, actor, d, a, c, label)
    elif a.kind == "insert_after":
        existing = ctx.store.clauses(d.id)
        kind = a.new_kind or c.kind
        # a list item inserted after a list item takes its dash or bullet
        marker = domain.check_marker(kind, c.marker if c.kind == "item" else None)
        new = ctx.store.insert_clause(
            Clause(0, d.id, kind, a.new_text, position=-1, marker=marker), actor_id(actor), label
        )
        ctx.store.set_clause_places(domain.insert(existing, new, None, c.id))
        tx.emit(
            ClauseAdded(
                conference_id=d.conference_id,
                draft_id=d.id,
                clause_id=new.id,
                actor_id=actor_id(actor),
                kind=new.kind,
                text=new.text,
                parent_id=c.parent_id,
                after_id=c.id,
                version=1,
                reason=label,
            )
        )


def _adopt_deletion(
    ctx: Context, tx: Transaction, actor: Actor, d: Draft, a: Amendment, c: Clause, label: str
) -> None:
    """The clause goes, with its sub-clauses; amendments to what went lapse."""
    gone = remove_clause(ctx, tx, actor, d, c, label)
    open_in_gone = [
        o
        for o in ctx.store.amendments(d.id)
        if o.clause_id in gone and o.id != a.id and o.status in domain.OPEN_AMENDMENT
    ]
    lapse = set(
        lapsed_by("delete", [(o.id, o.kind) for o in open_in_gone if o.kind != "amend_amendment"])
    )
    for o in open_in_gone:
        if o.id in lapse or o.kind == "amend_amendment":
            set_status(ctx, tx, actor, d, o, "lapsed", f"its clause was deleted by {label}")
