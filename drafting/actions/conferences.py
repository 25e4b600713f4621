"""Conferences and their participants: the roster, invite links, presence."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .. import domain, procedure
from ..domain import Conference, Member, Participant
from ..errors import Invalid
from ..events import (
    ConferenceCreated,
    ConferenceUpdated,
    LinkIssued,
    MemberUpdated,
    ParticipantAdded,
    ParticipantPresent,
)
from .access import Actor, actor_id, chair, conference_id_for, hash_token, new_token
from .context import Context, Transaction


def _check_quorum(quorum: object) -> int | None:
    """A number of members, 0 for none, or "majority" (None): a majority of the members."""
    if quorum is None or quorum == "majority":
        return None
    q = domain.whole_number(quorum, "quorum")
    if q < 0:
        raise Invalid("The quorum cannot be negative.")
    return q


def _check_weight(weight: object) -> int:
    w = domain.whole_number(weight, "weight")
    if not 1 <= w <= domain.MAX_WEIGHT:
        raise Invalid(f"A member's weight is a whole number from 1 to {domain.MAX_WEIGHT:,}.")
    return w


def _member_of(ctx: Context, cid: int, role: str, name: str, delegation: str) -> int | None:
    """The member a new participant acts for: a delegate's delegation (or themselves); the
    chair's delegation, if they name one, though the chair does not vote; observers none."""
    if role == "delegate":
        return ctx.store.member_named(cid, domain.member_name(delegation, name)).id
    if role == "chair" and delegation.strip():
        return ctx.store.member_named(cid, delegation.strip()).id
    return None


def create_conference(
    ctx: Context,
    name: object,
    chair_name: object,
    chair_delegation: object = "",
    majority: object = None,
    quorum: object = None,
    rules: object = None,
) -> tuple[Conference, Participant, str]:
    """A new conference and its chair; returns the chair's invite token (shown once).

    `rules` is a rule set (`procedure.PRESETS`); it gives the majority and the quorum unless
    they are given too."""
    clean_name = domain.clean_name(name, "conference name")
    clean_chair = domain.clean_name(chair_name, "chair's name")
    if not isinstance(chair_delegation, str):
        raise Invalid("The delegation must be a text.")
    # left out (None) is the default; anything else must be one of them ("" and 0 too)
    preset = procedure.check_preset(domain.DEFAULT_RULES if rules is None else rules)
    clean_majority = procedure.check_rule(preset.majority if majority is None else majority)
    clean_quorum = preset.quorum if quorum is None else _check_quorum(quorum)
    token = new_token()
    with ctx.transaction() as tx:
        conf = ctx.store.insert_conference(clean_name, clean_majority, clean_quorum, preset.key)
        delegation = chair_delegation.strip()
        member = _member_of(ctx, conf.id, "chair", clean_chair, delegation)
        p = ctx.store.insert_participant(
            conf.id, clean_chair, delegation, "chair", hash_token(token), member
        )
        tx.emit(
            ConferenceCreated(
                conference_id=conf.id,
                name=clean_name,
                majority=clean_majority,
                quorum=clean_quorum,
                rules=preset.key,
            ),
            _added(p, actor=p.id),
        )
    return conf, p, token


def _added(p: Participant, actor: int | None) -> ParticipantAdded:
    return ParticipantAdded(
        conference_id=p.conference_id,
        actor_id=actor,
        id=p.id,
        name=p.name,
        delegation=p.delegation,
        role=p.role,
        member_id=p.member_id,
    )


def conference(ctx: Context, actor: Actor, conference_id: object) -> Conference:
    return ctx.store.conference(conference_id_for(actor, conference_id))


def update_conference(
    ctx: Context, actor: Actor, conference_id: object, **changes: object
) -> Conference:
    cid = domain.whole_number(conference_id, "conference id")
    chair(actor, cid, "change the conference's rules")
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "majority":
            clean[key] = procedure.check_rule(value)
        elif key == "quorum":
            clean[key] = _check_quorum(value)
        elif key == "name":
            clean[key] = domain.clean_name(value, "conference name")
        elif key == "rules":
            preset = procedure.check_preset(value)
            clean[key] = preset.key
            clean.setdefault("majority", preset.majority)
            if changes.get("quorum") is None:
                clean["quorum"] = preset.quorum
        else:
            raise Invalid(f"Unknown conference setting {key!r}: name, majority, quorum or rules.")
    with ctx.transaction() as tx:
        before = ctx.store.conference(cid)
        after = ctx.store.update_conference(cid, **clean) if clean else before
        tx.emit(
            ConferenceUpdated(
                conference_id=cid,
                actor_id=actor_id(actor),
                before={k: getattr(before, k) for k in clean},
                after=clean,
            )
        )
    return after


def add_participant(
    ctx: Context,
    actor: Actor,
    conference_id: object,
    name: object,
    delegation: object = "",
    role: object = "delegate",
) -> tuple[Participant, str]:
    """One participant; returns their invite token (stored hashed, so shown only now)."""
    cid = domain.whole_number(conference_id, "conference id")
    chair(actor, cid, "add participants")
    clean_name = domain.clean_name(name, "participant's name")
    if not isinstance(delegation, str):
        raise Invalid("The delegation must be a text.")
    clean_role = domain.check_choice_of(str(role), domain.ROLES, "role")
    token = new_token()
    with ctx.transaction() as tx:
        ctx.store.conference(cid)
        member = _member_of(ctx, cid, clean_role, clean_name, delegation)
        p = ctx.store.insert_participant(
            cid, clean_name, delegation.strip(), clean_role, hash_token(token), member
        )
        tx.emit(_added(p, actor_id(actor)))
    return p, token


def import_participants(
    ctx: Context, actor: Actor, conference_id: object, rows: Iterable[dict[str, str]]
) -> list[tuple[Participant, str]]:
    """A whole roster at once: all rows are checked first, then added in one go."""
    cid = domain.whole_number(conference_id, "conference id")
    chair(actor, cid, "add participants")
    checked = []
    for n, row in enumerate(rows, start=2):
        try:
            name = domain.clean_name(row.get("name"), "participant's name")
            role = domain.check_choice_of(
                (row.get("role") or "delegate").strip().lower(), domain.ROLES, "role"
            )
            weight = _check_weight(row["weight"]) if (row.get("weight") or "").strip() else None
        except Invalid as e:
            raise Invalid(f"Line {n}: {e.message}") from None
        checked.append((name, (row.get("delegation") or "").strip(), role, weight))
    if not checked:
        raise Invalid("The roster is empty: give one participant per line.")
    out = []
    with ctx.transaction() as tx:
        ctx.store.conference(cid)
        for name, delegation, role, weight in checked:
            token = new_token()
            member = _member_of(ctx, cid, role, name, delegation)
            if member is not None and weight is not None:
                ctx.store.set_member_weight(member, weight)
            p = ctx.store.insert_participant(cid, name, delegation, role, hash_token(token), member)
            out.append((p, token))
            tx.emit(_added(p, actor_id(actor)))
    return out


def issue_link(ctx: Context, actor: Actor, participant_id: object) -> tuple[Participant, str]:
    """A fresh invite token; the old one stops working at once."""
    pid = domain.whole_number(participant_id, "participant id")
    p = ctx.store.participant(pid)
    chair(actor, p.conference_id, "issue invite links")
    token = new_token()
    with ctx.transaction() as tx:
        ctx.store.set_token_hash(pid, hash_token(token))
        tx.emit(LinkIssued(conference_id=p.conference_id, actor_id=actor_id(actor), id=pid))
    return p, token


def participants(ctx: Context, actor: Actor, conference_id: object) -> list[Participant]:
    cid = conference_id_for(actor, conference_id)
    ctx.store.conference(cid)
    return ctx.store.participants(cid)


def members(ctx: Context, actor: Actor, conference_id: object) -> list[Member]:
    """The members entitled to vote (those with a delegate), in alphabetical order."""
    cid = conference_id_for(actor, conference_id)
    ctx.store.conference(cid)
    return ctx.store.members(cid)


def set_member_weight(ctx: Context, actor: Actor, member_id: object, weight: object) -> Member:
    """How many votes a member casts, in assemblies that weigh them (default 1)."""
    m = ctx.store.member(domain.whole_number(member_id, "member id"))
    chair(actor, m.conference_id, "weigh the members' votes")
    clean = _check_weight(weight)
    with ctx.transaction() as tx:
        after = ctx.store.set_member_weight(m.id, clean)
        tx.emit(
            MemberUpdated(
                conference_id=m.conference_id,
                actor_id=actor_id(actor),
                id=m.id,
                name=m.name,
                before={"weight": m.weight},
                after={"weight": clean},
            )
        )
    return after


def set_present(ctx: Context, participant: Participant, present: bool) -> None:
    with ctx.transaction() as tx:
        _mark_present(tx, participant, present)


def _mark_present(tx: Transaction, participant: Participant, present: bool) -> None:
    tx.store.set_present(participant.id, present)
    tx.emit(
        ParticipantPresent(
            conference_id=participant.conference_id,
            actor_id=participant.id,
            id=participant.id,
            present=present,
        )
    )


def settle_presence(
    ctx: Context, change: Callable[[], Iterable[int]], connected: Callable[[int], bool]
) -> list[Participant]:
    """In one transaction: `change` (the rows of who is connected, which several server
    processes share) returns the participants it touched; each is then marked present if
    `connected(id)`, absent if not, where that differs from the store. Deciding inside the
    transaction that changed the rows, processes that decide at once for one delegate cannot
    leave the mark wrong: SQLite runs their transactions one after the other. Returns the
    participants whose mark changed."""
    changed = []
    with ctx.transaction() as tx:
        for pid in sorted(set(change())):
            p = ctx.store.participant(pid)
            here = connected(pid)
            if p.present != here:
                _mark_present(tx, p, here)
                changed.append(p)
    return changed
