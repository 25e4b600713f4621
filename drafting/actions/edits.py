"""Changes to a clause's text: live edits (deltas against a version), whole-text edits and
restores of an earlier version.

Every new version is stored with its delta in the journal, and the clause's open amendments
are carried onto the new text, whatever made the change (typing, the JSON API, a restore, an
adopted amendment: `write_text`). A restore is a new version, never a rewind: history keeps
what it replaced, and restoring the version before it undoes it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from .. import domain, textsync
from ..domain import Clause, Draft
from ..errors import Conflict, Invalid, NotFound, TooLarge
from ..events import AmendmentRebased, AmendmentStatus, ClauseEdited, Event
from .access import Actor, actor_id, clause_for, writer
from .context import Context, Transaction


class EditResult(NamedTuple):
    clause: Clause  # the clause as it now stands, this edit included
    changed: bool
    events: list[Event]
    mine: str | None = None  # the text the edit made of its base version, when known
    # turns `mine` into the clause as it now stands: the others' edits committed meanwhile,
    # transformed over this one ("=N" when it applied as sent); None when not known exactly
    since_mine: str | None = None


class Behind(Conflict):
    """The edit's base is too old to merge here: the client rebases onto the current text."""

    code = "behind"

    def __init__(self, clause_id: int, version: int, text: str) -> None:
        super().__init__(
            f"Clause {clause_id} moved on too far since your copy; rebasing your edit onto "
            "the current text."
        )
        self.clause_id, self.version, self.text = clause_id, version, text


def write_text(
    ctx: Context,
    tx: Transaction,
    actor: Actor,
    d: Draft,
    c: Clause,
    new_text: str,
    base_version: int,
    reason: str,
    *,
    edit_id: str | None = None,
    amendment: int | None = None,
    delta: str | None = None,
    restores: int | None = None,
    live: bool = False,
) -> None:
    """Store a clause's next version inside the caller's transaction.

    `reason` says why the text changed ("edit" for typing, "restored version N", or the
    adopted amendment). `delta`, when given, is already that change (a live edit applied
    exactly) and is not diffed again. `live`: a live edit, acknowledged to its author's
    connection, which the broadcast skips.
    """
    version = c.version + 1
    if delta is None:
        delta = textsync.make_delta(c.text, new_text)
    ctx.store.set_clause_text(c.id, new_text, version, actor_id(actor), reason, edit_id, delta)
    tx.emit(
        ClauseEdited(
            conference_id=d.conference_id,
            draft_id=d.id,
            clause_id=c.id,
            actor_id=actor_id(actor),
            version=version,
            base_version=base_version,
            delta=delta,
            reason=reason,
            amendment=amendment,
            restores=restores,
            live=live,
        )
    )
    _carry_amendments(ctx, tx, actor, d, c.id, new_text, version, by_amendment=amendment)


def _carry_amendments(
    ctx: Context,
    tx: Transaction,
    actor: Actor,
    d: Draft,
    clause_id: int,
    text: str,
    version: int,
    by_amendment: int | None,
) -> None:
    """After a clause changed, carry its open amendments onto the new text.

    One that no longer applies cleanly is `conflicted` (after a live edit: its proposer can
    revise it) or `lapsed` (after an adopted amendment made it impossible). One that would
    change nothing any more is moot, and lapses: rule 90 (130 in committees) does not put to
    the vote an amendment whose fate another's adoption has decided.
    """
    for a in ctx.store.amendments_of_clause(clause_id):
        if a.status not in domain.OPEN_AMENDMENT or a.kind != "replace":
            continue
        merged = textsync.merge3(a.base_text, text, a.new_text)
        if not merged.conflicted and merged.text == text:
            ctx.store.update_amendment(a.id, status="lapsed")
            tx.emit(
                AmendmentStatus.about(
                    d,
                    a,
                    actor_id(actor),
                    before=a.status,
                    after="lapsed",
                    reason="moot: the clause already reads as it proposes",
                )
            )
            continue
        if merged.conflicted:
            status = "lapsed" if by_amendment is not None else "conflicted"
            if a.status != status:
                ctx.store.update_amendment(a.id, status=status)
                tx.emit(
                    AmendmentStatus.about(
                        d,
                        a,
                        actor_id(actor),
                        before=a.status,
                        after=status,
                        reason="the clause changed where this amendment changes it",
                    )
                )
            continue
        ctx.store.update_amendment(
            a.id,
            base_text=text,
            base_version=version,
            new_text=merged.text,
            delta=textsync.make_delta(text, merged.text),
            status="pending",
        )
        tx.emit(
            AmendmentRebased.about(
                d,
                a,
                actor_id(actor),
                before=a.new_text,
                after=merged.text,
                base_version=version,
                conflicted=False,
            )
        )


def replace_text(
    ctx: Context, actor: Actor, clause_id: object, text: object, reason: str = "edit"
) -> Clause:
    """Set a clause's whole text (the JSON API's edit; live edits go through deltas)."""
    c, d = clause_for(ctx, actor, clause_id)
    writer(actor, d.conference_id, "edit clauses")
    new_text = domain.check_clause_text(text)
    with ctx.transaction(c.id) as tx:
        d = ctx.store.draft(d.id)
        domain.check_editable(d)
        c = ctx.store.clause(c.id)
        if c.text == new_text:
            return c
        write_text(ctx, tx, actor, d, c, new_text, c.version, reason)
    return replace(c, text=new_text, version=c.version + 1)


def restore(ctx: Context, actor: Actor, clause_id: object, version: object) -> Clause:
    """Bring back the text of an earlier version of a clause, as a new version.

    Checked as any edit is (a writer, a draft in drafting mode) and journaled as one, with the
    reason "restored version N"; the room hears it as `clause:edited`, and open amendments are
    carried onto the text. When the clause already reads as that version nothing is written
    (restoring twice is restoring once): the clause comes back as it stands.
    """
    c, d = clause_for(ctx, actor, clause_id)
    writer(actor, d.conference_id, "restore clauses")
    n = domain.whole_number(version, "version to restore")
    with ctx.transaction(c.id) as tx:
        d = ctx.store.draft(d.id)
        domain.check_editable(d)
        c = ctx.store.clause(c.id)
        if c.status in domain.GONE:
            raise NotFound(f"Clause {c.id} was deleted: its history can be read, not restored.")
        text = ctx.store.clause_text_at(c.id, n) if 1 <= n <= c.version else None
        if text is None:
            raise NotFound(f"Clause {c.id} has no version {n}: its versions are 1 to {c.version}.")
        if text == c.text:
            return c
        reason = domain.restored_reason(n)
        write_text(ctx, tx, actor, d, c, text, c.version, reason, restores=n)
    return replace(c, text=text, version=c.version + 1)


def _check_edit(delta: object, edit_id: object) -> str:
    if not isinstance(delta, str):
        raise Invalid("The change must be a diff-match-patch delta (a string).")
    if len(delta) > domain.MAX_DELTA_CHARS:
        raise TooLarge(
            f"That change is {len(delta):,} characters long; a clause holds at most "
            f"{domain.MAX_CLAUSE_CHARS:,}."
        )
    if edit_id is not None and (not isinstance(edit_id, str) or not 8 <= len(edit_id) <= 64):
        raise Invalid("An edit id must be a string of 8 to 64 characters.")
    return delta


def apply_edit(
    ctx: Context,
    actor: Actor,
    clause_id: object,
    base_version: object,
    delta: object,
    edit_id: object = None,
    restores: object = None,
) -> EditResult:
    """A live edit: a diff-match-patch delta against a known version of a clause.

    Exact when the version is current. When others got in first, the edit is transformed
    over the operations they committed since its base (each version keeps its delta), so what
    the author inserted lands whole where they put it, and nothing is re-diffed; where both
    inserted at one point, the earlier-committed text comes first. Only versions an older
    database kept without their delta are merged by `textsync.merge3`. Committed with its
    journal event before anyone is told; the result always carries the current text, which
    includes this edit. An edit id seen before is acknowledged again, not applied twice.

    `restores` (a version of this clause, at most its current one) marks an edit that brings
    back that version's text, as the browser sends a restore it can undo: it is rebased like
    any edit and stored with the reason "restored version N".
    """
    cid = domain.whole_number(clause_id, "clause id")
    base = domain.whole_number(base_version, "base version")
    clean_delta = _check_edit(delta, edit_id)
    restored = domain.optional_number(restores, "version the edit restores ('restores')")
    eid = edit_id if isinstance(edit_id, str) else None
    c, d = clause_for(ctx, actor, cid)
    writer(actor, d.conference_id, "edit clauses")

    def work(tx: Transaction) -> EditResult:
        return _apply(ctx, tx, actor, d, cid, base, clean_delta, eid, restored)

    if ctx.group is not None:  # the served app: committed with the edits that came with it
        return ctx.group.run(cid, work)
    with ctx.transaction(cid) as tx:
        # told (after COMMIT, under the clause's lock) by the transaction
        return work(tx)


def _apply(
    ctx: Context,
    tx: Transaction,
    actor: Actor,
    d: Draft,
    cid: int,
    base: int,
    clean_delta: str,
    eid: str | None,
    restored: int | None,
) -> EditResult:
    """`apply_edit` inside its transaction (or its savepoint in a group), under the clause's
    lock."""
    seen = ctx.store.edit_seen(eid) if eid is not None else None
    if seen is not None:
        if seen[0] != cid or seen[2] != actor_id(actor):
            # an id is one edit's, by one author: acknowledging a reuse as a resend would
            # tell the client its text is the clause's, and so delete what it typed
            raise Invalid(
                f"The edit id {eid!r} was already used for another change; nothing was "
                "applied. Send the change again under a new edit id."
            )
        current = ctx.store.clause(cid)
        return EditResult(current, False, [], _resent_text(ctx, cid, base, clean_delta))
    d = ctx.store.draft(d.id)
    domain.check_editable(d)
    c = ctx.store.clause(cid)
    if c.status in domain.GONE:
        raise NotFound(f"Clause {cid} was deleted while you were editing it.")
    if base > c.version or base < 1:
        raise Invalid(f"Version {base} of clause {cid} does not exist (it is at {c.version}).")
    if restored is not None and not 1 <= restored <= c.version:
        raise Invalid(
            f"The edit restores version {restored} of clause {cid}, which does not exist "
            f"(it is at {c.version})."
        )
    exact: str | None = None
    since: str | None = None
    mine: str | None
    if base == c.version:
        new_text = mine = textsync.apply_delta(c.text, clean_delta)
        exact, since = clean_delta, f"={textsync.units(mine)}" if mine else ""
    else:
        if c.version - base > domain.MAX_REBASE_VERSIONS:
            raise Behind(cid, c.version, c.text)
        rebased = _rebase(ctx, cid, base, c.version, clean_delta)
        if rebased is not None:
            exact, since = rebased
            new_text = textsync.apply_delta(c.text, exact)
            mine = None  # not needed: `since` brings the author's text up to date
        else:
            base_text = ctx.store.clause_text_at(cid, base)
            if base_text is None:
                raise Behind(cid, c.version, c.text)
            mine = textsync.apply_delta(base_text, clean_delta)
            new_text = textsync.merge3(base_text, c.text, mine).text
    domain.check_clause_text(new_text)
    if new_text == c.text:
        return EditResult(c, False, [], mine, since)
    reason = "edit" if restored is None else domain.restored_reason(restored)
    write_text(
        ctx,
        tx,
        actor,
        d,
        c,
        new_text,
        base,
        reason,
        edit_id=eid,
        delta=exact,
        restores=restored,
        live=True,
    )
    if exact is not None:
        # the operation joins the clause's recent ones now, for the next edit of a group to
        # be transformed over; should this one not be committed after all, they are forgotten
        ctx.oplog(cid).add(c.version + 1, exact)
        tx.on_rollback(lambda: ctx.forget_oplog(cid))
    clause = replace(c, text=new_text, version=c.version + 1)
    return EditResult(clause, True, tx.events, mine, since)


def _rebase(
    ctx: Context, clause_id: int, base: int, head: int, mine: str
) -> tuple[str, str] | None:
    """Transform an edit over the operations committed since its base: the edit as it applies
    to the current text, and the others' edits as they apply after it (what the author's
    screen needs to catch up). The others' are composed first (`textsync.OpLog`: recent
    operations and their compositions are kept in memory, what is missing is read from the
    store), so an edit that is many versions late costs one transform. None if a version's
    operation is not known (an older database kept only its text)."""
    log = ctx.oplog(clause_id)
    missing = log.missing(base, head)
    if missing:
        for version, delta in ctx.store.deltas_between(clause_id, missing[0] - 1, missing[-1]):
            if delta is None:
                return None
            log.add(version, delta)
        if log.missing(base, head):
            return None
    return log.rebase(base, head, mine)


def _resent_text(ctx: Context, clause_id: int, base: int, delta: str) -> str | None:
    """What a resent edit made of its base, to acknowledge it again as a delta."""
    base_text = ctx.store.clause_text_at(clause_id, base)
    if base_text is None:
        return None
    try:
        return textsync.apply_delta(base_text, delta)
    except textsync.DeltaError:
        return None
