"""Polls: open a vote on an amendment, a clause or the whole draft; ballots; the decision."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import domain, procedure, views
from ..domain import Clause, Conference, Draft, Member, Poll
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..events import (
    ClauseDeleted,
    ClauseMoved,
    DraftMode,
    PollBallot,
    PollClosed,
    PollOpened,
    PollSuspended,
)
from ..store import now
from . import motions
from .access import Actor, actor_id, chair, draft_for, hash_token, new_token, poll_for
from .amendments import adopt, lapse_children, set_status
from .context import Context, Transaction


def poll(ctx: Context, actor: Actor, poll_id: object) -> dict[str, Any]:
    p, _ = poll_for(ctx, actor, poll_id)
    return views.poll_view(ctx.store, p)


def _kind(ctx: Context, d: Draft, conf: Conference, stype: str, sid: int, kind: object) -> str:
    """How the vote is taken: as the chair says, as a granted motion requires (a recorded
    vote, a secret ballot), or as these rules normally take votes (a show of hands)."""
    for motion_kind, poll_kind in (("recorded_vote", "recorded"), ("secret_ballot", "secret")):
        m = motions.granted(ctx, d, motion_kind, stype, sid)
        if m is None:
            continue
        if kind is not None and kind != poll_kind:
            raise Conflict(
                f"Motion {m.number} asked for a {poll_kind} vote on this, and it was granted: "
                f"the vote is {poll_kind}."
            )
        return poll_kind
    if kind is None:
        return procedure.check_preset(conf.rules).vote_kind
    return procedure.check_poll_kind(kind)


def _present(ctx: Context, conference_id: int) -> int:
    """Members (or their votes) present now: a delegate of theirs is in the room."""
    return ctx.store.present_weight(conference_id)


def _roll_call(members: list[Member]) -> tuple[int, ...]:
    """Rule 87 (127 in committees): the recorded vote is taken in the English alphabetical
    order of the members, beginning with the member whose name is drawn by lot."""
    if not members:
        return ()
    ordered = sorted(members, key=lambda m: (m.name.casefold(), m.id))
    first = secrets.randbelow(len(ordered))
    return tuple(m.id for m in ordered[first:] + ordered[:first])


def _closes_at(rule: str, seconds: object) -> str | None:
    """Consensus: the moment the time for objections ends."""
    if rule != "consensus":
        return None
    secs = 60 if seconds is None else domain.whole_number(seconds, "seconds")
    if not 5 <= secs <= 3600:
        raise Invalid("Give between 5 seconds and an hour for objections.")
    at = datetime.now(UTC) + timedelta(seconds=secs)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _refuse_while(numbers: list[int], why: str) -> None:
    """Refuse the vote while these amendments come first, naming them."""
    if numbers:
        raise Conflict(why + ", ".join(f"#{n}" for n in numbers) + ".")


def _check_subject(ctx: Context, d: Draft, stype: str, sid: int) -> None:
    """Refuse a subject that is not (or no longer, or not yet) to be voted on."""
    if stype == "amendment":
        a = ctx.store.amendment(sid)
        if a.draft_id != d.id:
            raise NotFound(f"There is no amendment {sid} in this draft.")
        if a.status == "conflicted":
            raise Conflict(
                f"Amendment #{a.number} no longer applies to the clause as it stands "
                "(conflicted): its proposer must write it again."
            )
        if a.status != "pending":
            raise Conflict(f"Amendment #{a.number} is {a.status}: it is not put to the vote.")
        subs = [
            s.number
            for s in ctx.store.amendments_of_clause(a.clause_id)
            if s.target_amendment_id == a.id and s.status == "pending"
        ]
        _refuse_while(subs, "Amendments to this amendment are voted first: ")
    elif stype == "clause":
        c = ctx.store.clause(sid)
        if c.draft_id != d.id or c.status in domain.GONE:
            raise NotFound(f"There is no clause {sid} in this draft.")
        if c.status != "active":
            raise Conflict(f"This clause was {c.status} already.")
        pending = [
            a.number
            for a in ctx.store.amendments_of_clause(c.id)
            if a.status in ("pending", "voting")
        ]
        _refuse_while(pending, "Amendments to a clause are voted before the clause: first ")
    elif stype == "motion":
        m = ctx.store.motion(sid)
        if m.draft_id != d.id:
            raise NotFound(f"There is no motion {sid} in this draft.")
        if m.status != "pending":
            raise Conflict(f"Motion {m.number} is {m.status}: it is not put to the vote.")
    else:
        if sid != d.id:
            raise Invalid("A vote on the whole names this draft.")
        pending = [a.number for a in ctx.store.amendments(d.id) if a.status == "pending"]
        _refuse_while(
            pending,
            "Amendments are still pending: vote on them (or have them withdrawn) "
            "before the vote on the whole: ",
        )


def open_poll(
    ctx: Context,
    actor: Actor,
    draft_id: object,
    subject_type: object,
    subject_id: object,
    rule: object = None,
    kind: object = None,
    seconds: object = None,
) -> Poll:
    d = draft_for(ctx, actor, draft_id)
    chair(actor, d.conference_id, "open a vote")
    stype = domain.check_choice_of(str(subject_type), domain.POLL_SUBJECTS, "subject")
    sid = domain.whole_number(subject_id, "subject id")
    conf = ctx.store.conference(d.conference_id)
    clean_rule = procedure.check_rule(conf.majority if rule is None else rule)
    clean_kind = _kind(ctx, d, conf, stype, sid, kind)
    if clean_rule == "consensus" and clean_kind == "secret":
        raise Invalid("Objections to a consensus are raised openly: it cannot be a secret ballot.")
    closes_at = _closes_at(clean_rule, seconds)
    with ctx.transaction() as tx:
        d = ctx.store.draft(d.id)
        if d.status not in ("formal", "voting"):
            raise Conflict(
                "Votes are taken in formal mode: switch the draft to formal first."
                if d.status == "drafting"
                else f"The draft is {d.status}; no more votes can be taken on it."
            )
        if ctx.store.open_poll(d.id) is not None:
            raise Conflict("Another vote is open in this draft: close it first.")
        members = ctx.store.members(d.conference_id)
        entitled = sum(m.weight for m in members)
        present = _present(ctx, d.conference_id)
        procedure.check_quorum(present, procedure.quorum_required(conf.quorum, entitled))
        _check_subject(ctx, d, stype, sid)
        roll_call = _roll_call(members) if clean_kind == "recorded" else ()
        p = ctx.store.insert_poll(
            {
                "draft_id": d.id,
                "subject_type": stype,
                "subject_id": sid,
                "rule": clean_rule,
                "kind": clean_kind,
                "entitled": entitled,
                "present": present,
                "closes_at": closes_at,
                "number": len(ctx.store.polls(d.id)) + 1,
                "roll_call": roll_call,
            }
        )
        tx.emit(
            PollOpened(
                conference_id=d.conference_id,
                draft_id=d.id,
                actor_id=actor_id(actor),
                poll_id=p.id,
                subject_type=stype,
                subject_id=sid,
                rule=clean_rule,
                kind=clean_kind,
                entitled=entitled,
                present=present,
                closes_at=closes_at,
            )
        )
        if stype == "amendment":  # being voted on: journaled and told, like every status
            set_status(ctx, tx, actor, d, ctx.store.amendment(sid), "voting", "put to the vote")
        elif stype == "motion":
            motions.put_to_vote(ctx, tx, actor, d, ctx.store.motion(sid), p.id)
    return p


def vote(
    ctx: Context, actor: Actor, poll_id: object, choice: object, receipt: object = None
) -> dict[str, Any]:
    """Cast or change a ballot. In a secret poll the first ballot returns a receipt, the
    only thing that can change it: the store never links voter and choice."""
    if actor is None:
        raise Forbidden("Only delegates vote.")
    p, d = poll_for(ctx, actor, poll_id)
    if not actor.can_vote or actor.member_id is None:
        raise Forbidden(
            "Observers do not vote." if actor.role == "observer" else "The chair does not vote."
        )
    clean = procedure.check_choice(choice)
    if receipt is not None and not isinstance(receipt, str):
        raise Invalid("A receipt is the text your delegation's first secret ballot returned.")
    member = ctx.store.member(actor.member_id)
    out: dict[str, Any] = {"poll_id": p.id, "choice": clean}
    with ctx.transaction() as tx:
        p = ctx.store.poll(p.id)
        if p.state != "open":
            raise Conflict("This vote is closed: ballots are no longer accepted.")
        if p.closes_at and now() > p.closes_at:
            raise Conflict("The time for objections is over.")
        first = True
        if p.kind == "secret":
            new_receipt = _secret_ballot(ctx, tx, p, member, clean, receipt)
            if new_receipt is not None:
                out["receipt"] = new_receipt
            # who voted is journaled, once; a changed secret ballot leaves no trace at all
            first = new_receipt is not None
            journaled = None
        else:
            # the member's ballot, whichever representative casts it: a second replaces it
            ctx.store.put_ballot(p.id, member.id, member.weight, actor.id, clean)
            journaled = clean
        if first:
            tx.emit(
                PollBallot(
                    conference_id=d.conference_id,
                    draft_id=d.id,
                    actor_id=actor.id,
                    poll_id=p.id,
                    choice=journaled,
                )
            )
        out["cast"] = ctx.store.cast_count(p)
    return out


def _secret_ballot(
    ctx: Context, tx: Transaction, p: Poll, member: Member, choice: str, receipt: object
) -> str | None:
    """A secret ballot: the member is marked as having voted (on disk: who voted is known),
    and the choice goes into the poll's ballot box (`drafting.ballots`), held in memory only
    (this process's, or the cluster's Redis) until the poll closes, when only the counts are
    written. So no file ever holds a ballot: not the database, not its WAL (whose frames are
    in commit order, next to the journal's row saying who voted when), not the journal. A
    first ballot returns its receipt, the only way to change it. Should the transaction fail
    after the ballot went into the box, it is taken out again: a ballot counts only with its
    voter's mark. The price of memory: a server that restarts during a secret ballot loses
    its ballots, and the vote is put again (`close_poll` says so)."""
    box = ctx.ballot_boxes
    _check_box(ctx, p)
    if ctx.store.mark_secret_voter(p.id, member.id):
        new_receipt = new_token()
        key = hash_token(new_receipt)
        box.put(p.id, key, (choice, member.weight))
        tx.on_rollback(lambda: box.remove(p.id, key))
        return new_receipt
    key = hash_token(receipt) if isinstance(receipt, str) else ""
    before = box.get(p.id, key) if key else None
    if before is None:
        raise Conflict(
            f"{member.name} has voted already. A secret ballot can only be changed with "
            "the receipt from the first ballot, on the device that cast it."
        )
    box.put(p.id, key, (choice, member.weight))
    tx.on_rollback(lambda: box.put(p.id, key, before))
    return None


LOST_BALLOTS = (
    "The ballots of this secret vote were lost: to keep them secret they are held only in "
    "the server's memory until the vote closes, and the server restarted since. Suspend this "
    "vote and put the question again."
)


def _check_box(ctx: Context, p: Poll) -> None:
    """Refuse when members voted but their ballots are not in the box (the server, or the
    cluster's Redis, restarted since)."""
    if (
        ctx.store.cast_count(p) > 0
        and not ctx.ballot_boxes.ballots(p.id)
        and not ctx.store.has_written_secret_ballots(p.id)
    ):
        raise Conflict(LOST_BALLOTS)


def _secret_counts(ctx: Context, p: Poll) -> dict[str, int]:
    """The secret poll's counts from its ballot box (or, for a poll opened by an older
    version, from the ballots it wrote). The box must hold one ballot per member marked as
    having voted: anything else (ballots lost in a restart, one left by a failed write) is
    refused rather than counted."""
    ballots = ctx.ballot_boxes.ballots(p.id)
    if not ballots and ctx.store.has_written_secret_ballots(p.id):
        return ctx.store.tally(p)
    voted = ctx.store.cast_count(p)
    if not ballots and voted:
        raise Conflict(LOST_BALLOTS)
    if len(ballots) != voted:
        raise Conflict(
            f"The ballot box holds {len(ballots)} ballots but {voted} members voted: it cannot "
            "be counted as it stands. Suspend this vote and put the question again."
        )
    counts = {"yes": 0, "no": 0, "abstain": 0}
    for choice, weight in ballots:
        counts[choice] += weight
    return counts


def _subject_lock(ctx: Context, p: Poll) -> int | None:
    """The clause whose text the decision may change."""
    if p.subject_type == "amendment":
        return ctx.store.amendment(p.subject_id).clause_id
    if p.subject_type == "clause":
        return p.subject_id
    return None


def close_poll(ctx: Context, actor: Actor, poll_id: object) -> Poll:
    """Count, decide, and act on the decision: adopt or reject the subject.

    The quorum is checked again: it is the decision that needs a majority of the members
    present (rule 67; 108 in committees), and members leave the room while a vote is open.
    """
    p, d = poll_for(ctx, actor, poll_id)
    chair(actor, d.conference_id, "close a vote")
    with ctx.transaction(_subject_lock(ctx, p)) as tx:
        p = ctx.store.poll(p.id)
        if p.state != "open":
            raise Conflict(f"This vote is {p.state} already.")
        d = ctx.store.draft(d.id)
        conf = ctx.store.conference(d.conference_id)
        required = procedure.quorum_required(conf.quorum, p.entitled)
        present = _present(ctx, d.conference_id)
        procedure.check_quorum(present, required, at="close")
        counts = _secret_counts(ctx, p) if p.kind == "secret" else ctx.store.tally(p)
        tally = procedure.Tally(counts["yes"], counts["no"], counts["abstain"])
        result = procedure.decide(p.rule, tally, p.entitled)
        record: dict[str, Any] = {
            "outcome": result.outcome,
            "yes": result.yes,
            "no": result.no,
            "abstain": result.abstain,
            "cast": result.cast,
            "entitled": result.entitled,
            "required": result.required,
            "rule": result.rule,
            "kind": p.kind,
            "explanation": result.explanation,
            "present": present,
            "quorum": required,
        }
        if p.kind == "recorded":
            record["votes"] = views.named_votes(ctx.store, p, d.conference_id)
        p = ctx.store.close_poll(p.id, record)
        tx.emit(
            PollClosed(
                conference_id=d.conference_id,
                draft_id=d.id,
                actor_id=actor_id(actor),
                poll_id=p.id,
                subject_type=p.subject_type,
                subject_id=p.subject_id,
                **record,
            )
        )
        _act_on(ctx, tx, actor, d, p, result.outcome)
    # counted and committed: the secret ballots themselves are gone with the box
    ctx.ballot_boxes.drop(p.id)
    return p


def suspend_poll(ctx: Context, actor: Actor, poll_id: object) -> Poll:
    """End a vote without a decision (its quorum is lost, say): the question stands as it
    was before the vote, and can be put again."""
    p, d = poll_for(ctx, actor, poll_id)
    chair(actor, d.conference_id, "suspend a vote")
    with ctx.transaction(_subject_lock(ctx, p)) as tx:
        p = ctx.store.poll(p.id)
        if p.state != "open":
            raise Conflict(f"This vote is {p.state} already.")
        p = ctx.store.suspend_poll(p.id)
        present = _present(ctx, d.conference_id)
        tx.emit(
            PollSuspended(
                conference_id=d.conference_id,
                draft_id=d.id,
                actor_id=actor_id(actor),
                poll_id=p.id,
                subject_type=p.subject_type,
                subject_id=p.subject_id,
                present=present,
            )
        )
        if p.subject_type == "amendment":
            a = ctx.store.amendment(p.subject_id)
            set_status(ctx, tx, actor, d, a, "pending", "the vote on it was suspended")
        elif p.subject_type == "motion":
            motions.back_to_pending(ctx, tx, actor, d, ctx.store.motion(p.subject_id))
    ctx.ballot_boxes.drop(p.id)  # no decision: its secret ballots are never counted
    return p


def object_to_consensus(ctx: Context, actor: Actor, poll_id: object) -> dict[str, Any]:
    """Raise an objection: there is then no consensus (the chair may call a vote)."""
    _check_consensus(ctx, actor, poll_id)
    return vote(ctx, actor, poll_id, "no")


def withdraw_objection(ctx: Context, actor: Actor, poll_id: object) -> dict[str, Any]:
    p, d = _check_consensus(ctx, actor, poll_id)
    assert actor is not None and actor.member_id is not None
    with ctx.transaction() as tx:
        p = ctx.store.poll(p.id)
        if p.state != "open":
            raise Conflict("This question is decided already.")
        if not ctx.store.retract_ballot(p.id, actor.member_id):
            raise Conflict("Your delegation has raised no objection to withdraw.")
        tx.emit(
            PollBallot(
                conference_id=d.conference_id, draft_id=d.id, actor_id=actor.id, poll_id=p.id
            )
        )
        return {"poll_id": p.id, "cast": ctx.store.cast_count(p)}


def _check_consensus(ctx: Context, actor: Actor, poll_id: object) -> tuple[Poll, Draft]:
    if actor is None or not actor.can_vote:
        raise Forbidden("Only delegates raise or withdraw objections.")
    p, d = poll_for(ctx, actor, poll_id)
    if p.rule != "consensus":
        raise Conflict("This is a vote, not a call for consensus: vote yes, no or abstain.")
    return p, d


def _act_on(ctx: Context, tx: Transaction, actor: Actor, d: Draft, p: Poll, outcome: str) -> None:
    """What the decision does to its subject. No consensus decides nothing: the subject
    stands as before, for the chair to put to the vote."""
    adopted = outcome == "adopted"
    if p.subject_type == "motion":
        motions.decided_by_vote(ctx, tx, actor, d, ctx.store.motion(p.subject_id), outcome)
        return
    if outcome == "no_consensus":
        if p.subject_type == "amendment":
            a = ctx.store.amendment(p.subject_id)
            set_status(ctx, tx, actor, d, a, "pending", "no consensus: it may be put to the vote")
        return
    if p.subject_type == "amendment":
        a = ctx.store.amendment(p.subject_id)
        if adopted:
            adopt(ctx, tx, actor, d, a, "vote")
        else:
            set_status(ctx, tx, actor, d, a, "rejected", "vote")
            lapse_children(ctx, tx, actor, d, a, "its parent amendment was rejected")
    elif p.subject_type == "clause":
        c = ctx.store.clause(p.subject_id)
        where: dict[str, Any] = {
            "conference_id": d.conference_id,
            "draft_id": d.id,
            "clause_id": c.id,
            "actor_id": actor_id(actor),
        }
        if adopted:
            ctx.store.set_clause_places([replace(c, status="adopted")])
            place = {"parent_id": c.parent_id, "position": c.position}
            tx.emit(ClauseMoved(**where, before=place, after=place, reason="adopted by vote"))
        else:
            changed = domain.delete(ctx.store.clauses(d.id), c.id)
            ctx.store.set_clause_places(
                [replace(x, status="rejected") if x.id == c.id else x for x in changed]
            )
            tx.emit(ClauseDeleted(**where, text=c.text, ids=[c.id], reason="rejected by vote"))
            _reject_if_no_operative_part(ctx, tx, actor, d, c)
    else:
        status = "adopted" if adopted else "rejected"
        ctx.store.update_draft(d.id, status=status)
        tx.emit(
            DraftMode(
                conference_id=d.conference_id,
                draft_id=d.id,
                actor_id=actor_id(actor),
                before=d.status,
                after=status,
                reason="vote on the whole",
            )
        )


def _reject_if_no_operative_part(
    ctx: Context, tx: Transaction, actor: Actor, d: Draft, rejected: Clause
) -> None:
    """Rule 89 (129 in committees): when all operative parts of a proposal have been
    rejected, the proposal is considered to have been rejected as a whole."""
    if rejected.kind != "operative" or rejected.parent_id is not None:
        return
    if any(c.kind == "operative" and c.parent_id is None for c in ctx.store.clauses(d.id)):
        return
    ctx.store.update_draft(d.id, status="rejected")
    tx.emit(
        DraftMode(
            conference_id=d.conference_id,
            draft_id=d.id,
            actor_id=actor_id(actor),
            before=d.status,
            after="rejected",
            reason="every operative part was rejected (rule 89)",
        )
    )
