"""Drafts and their structure: create or import, modes, sponsors, add / move / delete clauses."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .. import domain, views
from ..domain import Clause, Draft
from ..errors import Invalid, NotFound
from ..events import (
    ClauseAdded,
    ClauseDeleted,
    ClauseKind,
    ClauseMoved,
    DraftCreated,
    DraftDetails,
    DraftMode,
    DraftSponsors,
)
from .access import Actor, actor_id, chair, clause_for, conference_id_for, draft_for, writer
from .context import Context, Transaction


def create_draft(
    ctx: Context,
    actor: Actor,
    conference_id: object,
    title: object,
    clauses: Sequence[tuple[str, int, str] | tuple[str, int, str, str]] = (),
    source: str | None = None,
    sponsors: Sequence[int] = (),
    details: Mapping[str, object] | None = None,
) -> Draft:
    """A new draft from (kind, level, text[, marker]) tuples, as the importer gives them;
    `details` its title block (domain.DRAFT_DETAILS)."""
    cid = domain.whole_number(conference_id, "conference id")
    chair(actor, cid, "create drafts")
    clean_title = domain.clean_name(title, "draft title", domain.MAX_TITLE_CHARS)
    clean_details = domain.check_details(details or {})
    rows: list[tuple[str, int, str, str]] = []
    for kind, level, text, *rest in clauses:
        domain.check_choice_of(kind, domain.CLAUSE_KINDS, "clause kind")
        domain.check_clause_text(text)
        if not 0 <= level <= domain.MAX_LEVEL:
            raise Invalid(f"Clauses nest at most {domain.MAX_LEVEL} levels deep.")
        rows.append((kind, level, text, domain.check_marker(kind, rest[0] if rest else None)))
    with ctx.transaction() as tx:
        ctx.store.conference(cid)
        members = {p.id for p in ctx.store.participants(cid)}
        for s in sponsors:
            if s not in members:
                raise Invalid(f"Sponsor {s} is not a participant of this conference.")
        draft = ctx.store.insert_draft(cid, clean_title, list(sponsors), clean_details)
        parents: list[int] = []  # stack of the last clause id at each level
        counters: dict[int | None, int] = {}
        for kind, level, text, marker in rows:
            level = min(level, len(parents))
            parent = parents[level - 1] if level > 0 else None
            pos = counters.get(parent, 0)
            counters[parent] = pos + 1
            c = ctx.store.insert_clause(
                Clause(0, draft.id, kind, text, parent_id=parent, position=pos, marker=marker),
                actor_id(actor),
                "import" if source else "created",
            )
            del parents[level:]
            parents.append(c.id)
        tx.emit(
            DraftCreated(
                conference_id=cid,
                draft_id=draft.id,
                actor_id=actor_id(actor),
                title=clean_title,
                source=source,
                clauses=len(clauses),
            )
        )
    return draft


def import_document(
    ctx: Context,
    actor: Actor,
    conference_id: object,
    data: bytes,
    filename: str,
    title: str | None = None,
) -> Draft:
    """A text, Markdown or .docx document as a new draft, split into clauses."""
    from .. import workers
    from ..importing import read_document

    # who may table a draft, before reading a byte of the document: reading is the costly part
    chair(actor, domain.whole_number(conference_id, "conference id"), "create drafts")
    reader = workers.read_document if ctx.isolated else read_document
    doc = reader(data, filename, title=title)
    return create_draft(
        ctx,
        actor,
        conference_id,
        doc.title,
        [(c.kind, c.level, c.text, c.marker) for c in doc.clauses],
        source=filename,
        details=doc.details,
    )


def drafts(ctx: Context, actor: Actor, conference_id: object) -> list[Draft]:
    cid = conference_id_for(actor, conference_id)
    ctx.store.conference(cid)
    return ctx.store.drafts(cid)


def draft_view(ctx: Context, actor: Actor, draft_id: object) -> dict[str, Any]:
    """The draft as clients load it (and `drafting show --json` prints it)."""
    return views.draft_view(ctx.store, draft_for(ctx, actor, draft_id))


def draft_json(ctx: Context, actor: Actor, draft_id: object) -> tuple[int, str]:
    """`draft_view` as JSON text, and the draft's id: what a join answers.

    A delegation's laptop, phone and the room's screen join a large draft over and over
    (reconnecting on bad Wi-Fi, 500 connections storming one link): building and encoding a
    300-clause draft took ~10 ms of the one event loop each time, and a copy of it per
    request. So its encoding is kept per draft (`Context.draft_json_cache`), made again only
    when the draft's journal moved on or its conference's rules changed; only the open poll,
    which counts who is present now, is encoded per request."""
    d = draft_for(ctx, actor, draft_id)
    stamp = (ctx.store.draft_stamp(d.id), ctx.store.conference(d.conference_id))
    text = ctx.draft_json_cache.get(d.id, stamp)
    if text is None:
        content = views.draft_content(ctx.store, ctx.store.draft(d.id))
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        if ctx.store.draft_stamp(d.id) == stamp[0]:  # nothing committed while it was read
            ctx.draft_json_cache.put(d.id, stamp, text)
    poll = json.dumps(views.open_poll_view(ctx.store, d.id), ensure_ascii=False)
    return d.id, f'{text[:-1]},"poll":{poll}}}'


def outline(ctx: Context, actor: Actor, draft_id: object) -> list[dict[str, Any]]:
    """Just the numbered clause tree: what a structure change needs to send."""
    return views.outline_view(ctx.store, draft_for(ctx, actor, draft_id).id)


def set_mode(ctx: Context, actor: Actor, draft_id: object, mode: object) -> Draft:
    d = draft_for(ctx, actor, draft_id)
    chair(actor, d.conference_id, "switch the draft's mode")
    if not isinstance(mode, str):
        raise Invalid("The mode must be a text.")
    with ctx.transaction() as tx:
        d = ctx.store.draft(d.id)
        domain.check_mode_change(d, mode)
        after = ctx.store.update_draft(d.id, status=mode)
        tx.emit(
            DraftMode(
                conference_id=d.conference_id,
                draft_id=d.id,
                actor_id=actor_id(actor),
                before=d.status,
                after=mode,
            )
        )
    return after


def set_sponsors(ctx: Context, actor: Actor, draft_id: object, sponsors: Sequence[object]) -> Draft:
    d = draft_for(ctx, actor, draft_id)
    chair(actor, d.conference_id, "set the draft's sponsors")
    ids = [domain.whole_number(s, "sponsor id") for s in sponsors]
    with ctx.transaction() as tx:
        members = {p.id: p for p in ctx.store.participants(d.conference_id)}
        for s in ids:
            if s not in members or members[s].role == "observer":
                raise Invalid(f"Participant {s} cannot sponsor: not a delegate here.")
        after = ctx.store.update_draft(d.id, sponsors=ids)
        tx.emit(
            DraftSponsors(
                conference_id=d.conference_id,
                draft_id=d.id,
                actor_id=actor_id(actor),
                before=list(d.sponsors),
                after=ids,
            )
        )
    return after


def set_details(
    ctx: Context, actor: Actor, draft_id: object, details: Mapping[str, object]
) -> Draft:
    """Set fields of the draft's title block (domain.DRAFT_DETAILS); the others stay."""
    d = draft_for(ctx, actor, draft_id)
    chair(actor, d.conference_id, "set the draft's title block")
    if not isinstance(details, Mapping):
        raise Invalid("The draft's details must be an object of fields.")
    clean = domain.check_details(details)
    with ctx.transaction() as tx:
        d = ctx.store.draft(d.id)
        before = d.details()
        after = {**before, **clean}
        if after == before:
            return d
        d = ctx.store.update_draft(d.id, **clean)
        tx.emit(
            DraftDetails(
                conference_id=d.conference_id,
                draft_id=d.id,
                actor_id=actor_id(actor),
                before=before,
                after=after,
            )
        )
    return d


def set_clause_kind(
    ctx: Context, actor: Actor, clause_id: object, kind: object, marker: object = None
) -> Clause:
    """Make a clause a heading, a preambular or operative paragraph, a list item (with its
    dash or bullet) or plain text. The chair may while the draft is open; a delegate while
    it is in drafting mode, as for any change of the text."""
    c, d = clause_for(ctx, actor, clause_id)
    writer(actor, d.conference_id, "change a clause's kind")
    clean_kind = domain.check_choice_of(str(kind), domain.CLAUSE_KINDS, "clause kind")
    clean_marker = domain.check_marker(clean_kind, marker)
    with ctx.transaction(c.id) as tx:
        d = ctx.store.draft(d.id)
        if actor is not None and actor.is_chair:
            domain.check_open(d)
        else:
            domain.check_editable(d)
        c = ctx.store.clause(c.id)
        if c.status in domain.GONE:
            raise NotFound(f"Clause {c.id} was deleted.")
        if (c.kind, c.marker) == (clean_kind, clean_marker):
            return c
        ctx.store.set_clause_kind(c.id, clean_kind, clean_marker)
        tx.emit(
            ClauseKind(
                conference_id=d.conference_id,
                draft_id=d.id,
                clause_id=c.id,
                actor_id=actor_id(actor),
                before={"kind": c.kind, "marker": c.marker},
                after={"kind": clean_kind, "marker": clean_marker},
            )
        )
    return ctx.store.clause(c.id)


def add_clause(
    ctx: Context,
    actor: Actor,
    draft_id: object,
    kind: object,
    text: object,
    parent_id: object = None,
    after_id: object = None,
    marker: object = None,
) -> Clause:
    d = draft_for(ctx, actor, draft_id)
    writer(actor, d.conference_id, "add clauses")
    clean_kind = domain.check_choice_of(str(kind), domain.CLAUSE_KINDS, "clause kind")
    clean_marker = domain.check_marker(clean_kind, marker)
    clean_text = domain.check_clause_text(text)
    parent = domain.optional_number(parent_id, "parent clause id")
    after = domain.optional_number(after_id, "clause id to insert after")
    with ctx.transaction() as tx:
        d = ctx.store.draft(d.id)
        domain.check_editable(d)
        existing = ctx.store.clauses(d.id)
        # validate the place before writing anything
        domain.insert(existing, Clause(0, d.id, clean_kind, clean_text), parent, after)
        new = ctx.store.insert_clause(
            Clause(0, d.id, clean_kind, clean_text, position=-1, marker=clean_marker),
            actor_id(actor),
            "added",
        )
        ctx.store.set_clause_places(domain.insert(existing, new, parent, after))
        new = ctx.store.clause(new.id)
        tx.emit(
            ClauseAdded(
                conference_id=d.conference_id,
                draft_id=d.id,
                clause_id=new.id,
                actor_id=actor_id(actor),
                kind=clean_kind,
                text=clean_text,
                parent_id=new.parent_id,
                after_id=after,
                version=new.version,
            )
        )
    return new


def move_clause(
    ctx: Context, actor: Actor, clause_id: object, parent_id: object = None, after_id: object = None
) -> list[Clause]:
    c, d = clause_for(ctx, actor, clause_id)
    writer(actor, d.conference_id, "move clauses")
    parent = domain.optional_number(parent_id, "parent clause id")
    after = domain.optional_number(after_id, "clause id to place it after")
    with ctx.transaction() as tx:
        d = ctx.store.draft(d.id)
        domain.check_editable(d)
        existing = ctx.store.clauses(d.id)
        changed = domain.move(existing, c.id, parent, after)
        ctx.store.set_clause_places(changed)
        before = next(x for x in existing if x.id == c.id)
        now_c = ctx.store.clause(c.id)
        tx.emit(
            ClauseMoved(
                conference_id=d.conference_id,
                draft_id=d.id,
                clause_id=c.id,
                actor_id=actor_id(actor),
                before={"parent_id": before.parent_id, "position": before.position},
                after={"parent_id": now_c.parent_id, "position": now_c.position},
            )
        )
    return changed


def delete_clause(ctx: Context, actor: Actor, clause_id: object) -> list[int]:
    """Delete a clause and its sub-clauses; returns their ids."""
    c, d = clause_for(ctx, actor, clause_id)
    writer(actor, d.conference_id, "delete clauses")
    with ctx.transaction() as tx:
        d = ctx.store.draft(d.id)
        domain.check_editable(d)
        return remove_clause(ctx, tx, actor, d, c)


def remove_clause(
    ctx: Context, tx: Transaction, actor: Actor, d: Draft, c: Clause, reason: str | None = None
) -> list[int]:
    """Take a clause and its sub-clauses out of the text, in the caller's transaction."""
    changed = domain.delete(ctx.store.clauses(d.id), c.id)
    ctx.store.set_clause_places(changed)
    gone = [x.id for x in changed if x.status == "deleted"]
    tx.emit(
        ClauseDeleted(
            conference_id=d.conference_id,
            draft_id=d.id,
            clause_id=c.id,
            actor_id=actor_id(actor),
            text=c.text,
            ids=gone,
            reason=reason,
        )
    )
    return gone
