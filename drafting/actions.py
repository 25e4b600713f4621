"""The one action layer: HTTP routes, Socket.IO handlers and the CLI all call these.

Each action checks who asks and what is asked, then loads, applies the pure domain rules,
saves and journals in one transaction, and finally hands its events to `notify` (the web app
broadcasts them to the draft's Socket.IO room; the CLI has no one to tell).

`actor` is the participant making the request, or None for the local operator (the CLI, who
already holds the database file and so every right).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple

from . import domain, textsync
from .domain import Amendment, Clause, Conference, Draft, Participant, Poll
from .errors import Conflict, Forbidden, Invalid, NotFound, TooLarge, Unauthorized
from .events import Event
from .store import Store, now

Actor = Participant | None
Notify = Callable[[list[Event]], None]

TOKEN_BYTES = 24  # 192 bits
MAX_DELTA_CHARS = 3 * domain.MAX_CLAUSE_CHARS  # %-escaped inserts can triple in size
MAX_REBASE_VERSIONS = 1000  # further behind than this, the client rebases on the current text


class EditResult(NamedTuple):
    clause: Clause  # the clause as it now stands, this edit included
    changed: bool
    events: list[Event]
    mine: str | None = None  # the text the edit made of its base version, when known


class Behind(Conflict):
    """The edit's base is too old to merge here: the client rebases onto the current text."""

    code = "behind"

    def __init__(self, clause_id: int, version: int, text: str) -> None:
        super().__init__(
            f"Clause {clause_id} moved on too far since your copy; rebasing your edit onto "
            "the current text."
        )
        self.clause_id, self.version, self.text = clause_id, version, text


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise Invalid(f"The {what} must be a whole number.")
    return value


def _opt_int(value: object, what: str) -> int | None:
    return None if value is None else _int(value, what)


AMENDMENT_OPEN = ("pending", "conflicted")


class ProcedureMixin:
    """Amendments, polls and the record; mixed into Actions (same store, same notify)."""

    store: Store

    if TYPE_CHECKING:  # provided by Actions

        def _commit(self, events: list[Event]) -> list[Event]: ...
        def _publish(self, events: list[Event]) -> None: ...
        def _aid(self, actor: Actor) -> int | None: ...
        def _member(self, actor: Actor, conference_id: int) -> None: ...
        def _chair(self, actor: Actor, conference_id: int, doing: str) -> None: ...
        def draft(self, actor: Actor, draft_id: object) -> Draft: ...
        def clause_for(self, actor: Actor, clause_id: object) -> tuple[Clause, Draft]: ...
        def _clause_lock(self, clause_id: int) -> threading.Lock: ...
        def _write_text(
            self,
            actor: Actor,
            d: Draft,
            c: Clause,
            new_text: str,
            base_version: int,
            reason: str,
            edit_id: str | None = None,
            extra: dict[str, Any] | None = None,
            rebase: str = "edit",
        ) -> list[Event]: ...

    # --- helpers -----------------------------------------------------------------------------

    def _amendment_event(
        self, event_type: str, d: Draft, a: Amendment, actor: Actor, **data: Any
    ) -> Event:
        return Event(
            event_type,
            d.conference_id,
            draft_id=d.id,
            clause_id=a.clause_id,
            actor_id=self._aid(actor),
            data={"amendment_id": a.id, "number": a.number, **data},
        )

    def _check_not_under_vote(self, d: Draft, clause_id: int) -> None:
        """While a clause, an amendment to it or the whole draft is voted on, it is frozen."""
        poll = self.store.open_poll(d.id)
        if poll is None:
            return
        if poll.subject_type == "draft":
            raise Conflict(
                "The whole draft is being voted on: nothing can change until the vote closes."
            )
        if poll.subject_type == "clause" and poll.subject_id == clause_id:
            raise Conflict("This clause is being voted on: it cannot change until the vote closes.")
        if poll.subject_type == "amendment":
            a = self.store.amendment(poll.subject_id)
            if a.clause_id == clause_id:
                raise Conflict(
                    f"Amendment #{a.number} to this clause is being voted on: the clause cannot "
                    "change until the vote closes."
                )

    def _rebase_amendments(
        self, actor: Actor, d: Draft, clause_id: int, text: str, version: int, cause: str
    ) -> list[Event]:
        """After a clause changed, carry its open amendments onto the new text.

        One that no longer applies cleanly is `conflicted` (after a live edit: its proposer can
        revise it) or `lapsed` (after an adopted amendment made it impossible).
        """
        events = []
        for a in self.store.amendments_of_clause(clause_id):
            if a.status not in AMENDMENT_OPEN or a.kind not in ("replace",):
                continue
            merged = textsync.merge3(a.base_text, text, a.new_text)
            if merged.conflicted:
                status = "lapsed" if cause == "amendment" else "conflicted"
                if a.status != status:
                    self.store.update_amendment(a.id, status=status)
                    events.append(
                        self._amendment_event(
                            "amendment.status",
                            d,
                            a,
                            actor,
                            before=a.status,
                            after=status,
                            reason="the clause changed where this amendment changes it",
                        )
                    )
                continue
            self.store.update_amendment(
                a.id,
                base_text=text,
                base_version=version,
                new_text=merged.text,
                delta=textsync.make_delta(text, merged.text),
                status="pending",
            )
            events.append(
                self._amendment_event(
                    "amendment.rebased",
                    d,
                    a,
                    actor,
                    before=a.new_text,
                    after=merged.text,
                    base_version=version,
                    conflicted=False,
                )
            )
        return events

    # --- views ------------------------------------------------------------------------------

    def amendment_view(self, a: Amendment, clause_text: str | None = None) -> dict[str, Any]:
        """An amendment as clients see it, with track changes against the text as it stands."""
        if clause_text is None:
            clause_text = self.store.clause(a.clause_id).text
        if a.kind == "amend_amendment" and a.target_amendment_id:
            against = self.store.amendment(a.target_amendment_id).new_text
        elif a.kind == "insert_after":
            against = ""
        else:
            against = clause_text
        proposer = self.store.participant(a.proposer_id) if a.proposer_id is not None else None
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

    def queue(self, d: Draft) -> list[dict[str, Any]]:
        """The suggested voting order: per clause, its amendments (furthest removed first,
        amendments to an amendment just before it), then the clause; the whole draft last."""
        from .procedure import Candidate, suggest_order

        clauses = {c.id: c for c in self.store.clauses(d.id)}
        entries = domain.flatten(domain.outline(clauses.values()))
        pending: dict[int, list[Amendment]] = {}
        for a in self.store.amendments(d.id):
            if a.status in ("pending", "voting") and a.clause_id in clauses:
                pending.setdefault(a.clause_id, []).append(a)
        out: list[dict[str, Any]] = []
        for e in entries:
            ams = pending.get(e.clause.id)
            if not ams:
                continue
            top = [a for a in ams if a.kind != "amend_amendment"]
            subs = [a for a in ams if a.kind == "amend_amendment"]
            cands = [
                Candidate(
                    a.id,
                    len(e.clause.text)
                    if a.kind == "delete"
                    else textsync.distance(e.clause.text, a.new_text),
                    a.kind,
                )
                for a in top
            ]
            by_id = {a.id: a for a in ams}
            name = domain.describe(e)
            for aid in suggest_order(cands):
                for sub in subs:
                    if sub.target_amendment_id == aid:
                        out.append(
                            {
                                "type": "amendment",
                                "id": sub.id,
                                "label": f"Amendment #{sub.number} to amendment "
                                f"#{by_id[aid].number}",
                            }
                        )
                out.append(
                    {
                        "type": "amendment",
                        "id": aid,
                        "label": f"Amendment #{by_id[aid].number} to {name}",
                    }
                )
            out.append({"type": "clause", "id": e.clause.id, "label": name.capitalize()})
        out.append({"type": "draft", "id": d.id, "label": "The draft as a whole"})
        return out

    def poll_view(self, poll: Poll) -> dict[str, Any]:
        d = self.store.draft(poll.draft_id)
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
            "cast": self.store.cast_count(poll),
            "subject": self._subject(poll, d),
        }
        if poll.state == "open" and poll.kind == "recorded":
            view["tally"] = {**self.store.tally(poll), "votes": self._named_votes(poll, d)}
        if poll.result is not None:
            view["result"] = poll.result
        return view

    def _subject(self, poll: Poll, d: Draft) -> dict[str, Any]:
        if poll.subject_type == "amendment":
            a = self.store.amendment(poll.subject_id)
            return {"label": f"Amendment #{a.number}", "amendment": self.amendment_view(a)}
        if poll.subject_type == "clause":
            c = self.store.clause(poll.subject_id)
            entry = next(
                (
                    e
                    for e in domain.flatten(domain.outline(self.store.clauses(d.id, True)))
                    if e.clause.id == c.id
                ),
                None,
            )
            label = domain.describe(entry).capitalize() if entry else f"Clause {c.id}"
            return {"label": label, "clause": {"id": c.id, "kind": c.kind, "text": c.text}}
        return {"label": f"The draft as a whole: {d.title}"}

    def poll(self, actor: Actor, poll_id: object) -> dict[str, Any]:
        poll, _ = self._poll_for(actor, poll_id)
        return self.poll_view(poll)

    def amendments_view(self, actor: Actor, draft_id: object) -> dict[str, Any]:
        d = self.draft(actor, draft_id)
        texts = {c.id: c.text for c in self.store.clauses(d.id, True)}
        return {
            "amendments": [
                self.amendment_view(a, texts.get(a.clause_id, ""))
                for a in self.store.amendments(d.id)
            ],
            "queue": self.queue(d),
        }

    # --- the record of proceedings -------------------------------------------------------

    def record(self, actor: Actor, draft_id: object) -> dict[str, Any]:
        """What happened to the draft, clause by clause, read from the store and the journal."""
        d = self.draft(actor, draft_id)
        people = {p.id: p for p in self.store.participants(d.conference_id)}

        def who(pid: int | None) -> str:
            p = people.get(pid) if pid is not None else None
            if p is None:
                return "the secretariat"
            return f"{p.name} ({p.delegation})" if p.delegation else p.name

        all_clauses = self.store.clauses(d.id, include_deleted=True)
        entries = domain.flatten(domain.outline(all_clauses))
        live_refs = {e.clause.id: domain.describe(e) for e in entries}
        polls = self.store.polls(d.id)
        votes_on: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for n, poll in enumerate(polls, start=1):
            entry = {"vote": n, "rule": poll.rule, "kind": poll.kind, "state": poll.state}
            if poll.result:
                entry.update(poll.result)
            votes_on.setdefault((poll.subject_type, poll.subject_id), []).append(entry)
        amendments = self.store.amendments(d.id)
        clauses_out = []
        # the text in document order, then what left it (deleted, rejected) in creation order
        gone = sorted((c for c in all_clauses if c.status in domain.GONE), key=lambda c: c.id)
        for c in [e.clause for e in entries] + gone:
            ams = [a for a in amendments if a.clause_id == c.id]
            clauses_out.append(
                {
                    "id": c.id,
                    "ref": live_refs.get(c.id, f"{c.kind} clause (no longer in the text)"),
                    "kind": c.kind,
                    "status": c.status,
                    "text": c.text,
                    "versions": c.version,
                    "amendments": [
                        {
                            "number": a.number,
                            "kind": a.kind,
                            "proposer": who(a.proposer_id),
                            "reason": a.reason,
                            "new_text": a.new_text,
                            "status": a.status,
                            "target": next(
                                (t.number for t in ams if t.id == a.target_amendment_id), None
                            ),
                            "votes": votes_on.get(("amendment", a.id), []),
                        }
                        for a in ams
                    ],
                    "votes": votes_on.get(("clause", c.id), []),
                }
            )
        events = []
        for e in self.store.journal(draft_id=d.id):
            # keystrokes are in the history of each clause; ballots only as the poll allows
            if e.type == "poll.ballot" or (
                e.type == "clause.edited" and e.data.get("reason") == "edit"
            ):
                continue
            events.append(
                {
                    "seq": e.seq,
                    "at": e.at,
                    "type": e.type,
                    "by": who(e.actor_id),
                    "data": {
                        k: v for k, v in e.data.items() if k not in ("before", "after", "delta")
                    },
                }
            )
        return {
            "draft": {"id": d.id, "title": d.title, "status": d.status},
            "clauses": clauses_out,
            "votes_on_draft": votes_on.get(("draft", d.id), []),
            "events": events,
        }

    def record_markdown(self, actor: Actor, draft_id: object) -> str:
        r = self.record(actor, draft_id)
        lines = [f"# Record of proceedings: {r['draft']['title']}", ""]
        lines.append(f"Status of the draft: **{r['draft']['status']}**.")
        lines.append("")

        def vote_lines(votes: list[dict[str, Any]], indent: str) -> None:
            for v in votes:
                kind = {
                    "recorded": "recorded vote",
                    "counted": "counted vote",
                    "secret": "secret ballot",
                }[v["kind"]]
                if v["state"] != "closed":
                    lines.append(f"{indent}- Vote {v['vote']} ({kind}): still open.")
                    continue
                lines.append(
                    f"{indent}- Vote {v['vote']} ({kind}, {v['rule'].replace('_', ' ')}): "
                    f"{v['explanation']}."
                )
                if v.get("votes"):
                    for choice in ("yes", "no", "abstain"):
                        names = [
                            x["delegation"] or x["name"]
                            for x in v["votes"]
                            if x["choice"] == choice
                        ]
                        if names:
                            label = {"yes": "In favour", "no": "Against", "abstain": "Abstaining"}[
                                choice
                            ]
                            lines.append(f"{indent}  {label}: {', '.join(names)}.")

        for c in r["clauses"]:
            if not c["amendments"] and not c["votes"]:
                continue
            status = "" if c["status"] == "active" else f" — {c['status']}"
            lines.append(f"## {c['ref'].capitalize()}{status}")
            lines.append("")
            lines.append(f"> {c['text']}")
            lines.append("")
            for a in c["amendments"]:
                what = {
                    "replace": f"to read: “{a['new_text']}”",
                    "delete": "to delete the clause",
                    "insert_after": f"to insert after it: “{a['new_text']}”",
                    "amend_amendment": f"to amend amendment #{a['target']} to read: "
                    f"“{a['new_text']}”",
                }[a["kind"]]
                reason = f" Reason: {a['reason']}" if a["reason"] else ""
                lines.append(
                    f"- Amendment #{a['number']} by {a['proposer']}, {what}.{reason} "
                    f"**{a['status'].capitalize()}**."
                )
                vote_lines(a["votes"], "  ")
            if c["votes"]:
                lines.append("- Separate vote on the clause:")
                vote_lines(c["votes"], "  ")
            lines.append("")
        if r["votes_on_draft"]:
            lines.append("## The draft as a whole")
            lines.append("")
            vote_lines(r["votes_on_draft"], "")
            lines.append("")
        return "\n".join(lines)

    # --- amendments ----------------------------------------------------------------------------

    def propose(
        self,
        actor: Actor,
        clause_id: object,
        kind: object,
        new_text: object = "",
        reason: object = "",
        target_amendment_id: object = None,
        new_kind: object = None,
        base_version: object = None,
    ) -> Amendment:
        c, d = self.clause_for(actor, clause_id)
        if actor is not None and not actor.can_propose:
            raise Forbidden("Observers follow the debate but cannot propose amendments.")
        clean_kind = domain.check_choice_of(str(kind), domain.AMENDMENT_KINDS, "amendment kind")
        if not isinstance(reason, str):
            raise Invalid("The reason must be a text.")
        if len(reason) > 2000:
            raise Invalid("Keep the reason under 2,000 characters.")
        text = "" if clean_kind == "delete" else domain.check_clause_text(new_text)
        if clean_kind in ("replace", "insert_after", "amend_amendment") and not text.strip():
            raise Invalid("Write the text the amendment proposes.")
        clean_new_kind = None
        if clean_kind == "insert_after":
            clean_new_kind = domain.check_choice_of(
                str(new_kind or c.kind), domain.CLAUSE_KINDS, "clause kind"
            )
        with self._clause_lock(c.id):
            with self.store.write():
                d = self.store.draft(d.id)
                domain.check_open(d)
                c = self.store.clause(c.id)
                self._check_not_under_vote(d, c.id)
                target = None
                base_text, version = c.text, c.version
                if clean_kind == "amend_amendment":
                    target = self.store.amendment(_int(target_amendment_id, "amendment id"))
                    if target.draft_id != d.id or target.clause_id != c.id:
                        raise Invalid("That amendment is not to this clause.")
                    if target.status not in AMENDMENT_OPEN or target.kind == "amend_amendment":
                        raise Conflict(
                            f"Amendment #{target.number} is {target.status}: it can no longer "
                            "be amended."
                        )
                    base_text = target.new_text
                elif clean_kind == "replace":
                    bv = c.version if base_version is None else _int(base_version, "version")
                    if bv != c.version:
                        written_on = self.store.clause_text_at(c.id, bv)
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
                a = self.store.insert_amendment(
                    {
                        "draft_id": d.id,
                        "clause_id": c.id,
                        "kind": clean_kind,
                        "target_amendment_id": target.id if target else None,
                        "new_kind": clean_new_kind,
                        "proposer_id": self._aid(actor),
                        "base_version": version,
                        "base_text": base_text,
                        "new_text": text,
                        "delta": textsync.make_delta(base_text, text),
                        "reason": reason.strip(),
                        "status": "pending",
                    }
                )
                events = self._commit(
                    [
                        self._amendment_event(
                            "amendment.proposed",
                            d,
                            a,
                            actor,
                            kind=clean_kind,
                            clause_id=c.id,
                            base_version=version,
                            new_text=text,
                            reason=a.reason,
                            target=target.number if target else None,
                        )
                    ]
                )
            self._publish(events)
        return a

    def _amendment_for(self, actor: Actor, amendment_id: object) -> tuple[Amendment, Draft]:
        a = self.store.amendment(_int(amendment_id, "amendment id"))
        d = self.store.draft(a.draft_id)
        self._member(actor, d.conference_id)
        return a, d

    def accept(self, actor: Actor, amendment_id: object) -> Amendment:
        """A sponsor accepts an amendment as friendly; when all have, it is merged unvoted."""
        a, d = self._amendment_for(actor, amendment_id)
        if actor is not None and actor.id not in d.sponsors:
            raise Forbidden("Only the draft's sponsors can accept an amendment as friendly.")
        with self._clause_lock(a.clause_id):
            with self.store.write():
                a, d = self.store.amendment(a.id), self.store.draft(d.id)
                domain.check_open(d)
                if a.status != "pending":
                    raise Conflict(f"Amendment #{a.number} is {a.status}; it cannot be accepted.")
                if a.refused_by:
                    raise Conflict(
                        f"Amendment #{a.number} was refused by a sponsor: it goes to the vote."
                    )
                self._check_not_under_vote(d, a.clause_id)
                accepted = tuple(sorted(set(a.accepted_by) | {self._aid(actor) or 0} - {0}))
                if actor is None:  # the operator merges it for all sponsors
                    accepted = d.sponsors
                a = self.store.update_amendment(a.id, accepted_by=accepted)
                friendly = bool(d.sponsors) and set(d.sponsors) <= set(accepted)
                events = [
                    self._amendment_event(
                        "amendment.accepted",
                        d,
                        a,
                        actor,
                        sponsor=self._aid(actor),
                        friendly=friendly,
                    )
                ]
                if friendly:
                    events += self._adopt(actor, d, a, "friendly")
                self._commit(events)
            self._publish(events)
        return self.store.amendment(a.id)

    def refuse(self, actor: Actor, amendment_id: object) -> Amendment:
        a, d = self._amendment_for(actor, amendment_id)
        if actor is None or actor.id not in d.sponsors:
            raise Forbidden("Only the draft's sponsors can refuse an amendment as friendly.")
        with self.store.write():
            a = self.store.amendment(a.id)
            if a.status not in AMENDMENT_OPEN:
                raise Conflict(f"Amendment #{a.number} is {a.status} already.")
            a = self.store.update_amendment(
                a.id, refused_by=tuple(sorted(set(a.refused_by) | {actor.id}))
            )
            events = self._commit(
                [self._amendment_event("amendment.refused", d, a, actor, sponsor=actor.id)]
            )
        self._publish(events)
        return a

    def withdraw(self, actor: Actor, amendment_id: object) -> Amendment:
        a, d = self._amendment_for(actor, amendment_id)
        if actor is not None and actor.id != a.proposer_id:
            raise Forbidden("Only the amendment's proposer can withdraw it.")
        with self.store.write():
            a = self.store.amendment(a.id)
            if a.status == "voting":
                raise Conflict(f"Amendment #{a.number} is being voted on: too late to withdraw.")
            if a.status not in AMENDMENT_OPEN:
                raise Conflict(f"Amendment #{a.number} is {a.status}; it cannot be withdrawn.")
            a = self.store.update_amendment(a.id, status="withdrawn")
            events = [self._amendment_event("amendment.withdrawn", d, a, actor)]
            events += self._lapse_children(actor, d, a, "its parent amendment was withdrawn")
            self._commit(events)
        self._publish(events)
        return a

    def _lapse_children(self, actor: Actor, d: Draft, a: Amendment, why: str) -> list[Event]:
        events = []
        for sub in self.store.amendments_of_clause(a.clause_id):
            if sub.target_amendment_id == a.id and sub.status in AMENDMENT_OPEN:
                self.store.update_amendment(sub.id, status="lapsed")
                events.append(
                    self._amendment_event(
                        "amendment.status",
                        d,
                        sub,
                        actor,
                        before=sub.status,
                        after="lapsed",
                        reason=why,
                    )
                )
        return events

    def _adopt(self, actor: Actor, d: Draft, a: Amendment, how: str) -> list[Event]:
        """Apply an adopted (or friendly) amendment to the text, inside the caller's transaction."""
        status = "friendly" if how == "friendly" else "adopted"
        label = f"{'friendly ' if how == 'friendly' else ''}amendment #{a.number}"
        self.store.update_amendment(a.id, status=status)
        events = [
            self._amendment_event(
                "amendment.status", d, a, actor, before=a.status, after=status, reason=how
            )
        ]
        c = self.store.clause(a.clause_id)
        if a.kind == "amend_amendment":
            target = self.store.amendment(a.target_amendment_id or 0)
            self.store.update_amendment(
                target.id,
                new_text=a.new_text,
                delta=textsync.make_delta(target.base_text, a.new_text),
            )
            events.append(
                self._amendment_event(
                    "amendment.rebased",
                    d,
                    target,
                    actor,
                    before=target.new_text,
                    after=a.new_text,
                    base_version=target.base_version,
                    conflicted=False,
                    by=label,
                )
            )
            return events
        if a.kind == "replace":
            new_text = textsync.merge3(a.base_text, c.text, a.new_text).text
            events += self._write_text(
                actor,
                d,
                c,
                new_text,
                c.version,
                label,
                extra={"amendment": a.number},
                rebase="amendment",
            )
        elif a.kind == "delete":
            changed = domain.delete(self.store.clauses(d.id), c.id)
            self.store.set_clause_places(changed)
            gone = [x.id for x in changed if x.status == "deleted"]
            events.append(
                Event(
                    "clause.deleted",
                    d.conference_id,
                    draft_id=d.id,
                    clause_id=c.id,
                    actor_id=self._aid(actor),
                    data={"text": c.text, "ids": gone, "reason": label},
                )
            )
            from .procedure import lapsed_by

            others = [
                (o.id, o.kind)
                for o in self.store.amendments(d.id)
                if o.clause_id in gone and o.id != a.id and o.status in AMENDMENT_OPEN
            ]
            lapse = set(lapsed_by("delete", others))
            for o in self.store.amendments(d.id):
                if o.id in lapse or (
                    o.clause_id in gone
                    and o.id != a.id
                    and o.kind == "amend_amendment"
                    and o.status in AMENDMENT_OPEN
                ):
                    self.store.update_amendment(o.id, status="lapsed")
                    events.append(
                        self._amendment_event(
                            "amendment.status",
                            d,
                            o,
                            actor,
                            before=o.status,
                            after="lapsed",
                            reason=f"its clause was deleted by {label}",
                        )
                    )
        elif a.kind == "insert_after":
            existing = self.store.clauses(d.id)
            new = self.store.insert_clause(
                Clause(0, d.id, a.new_kind or c.kind, a.new_text, position=-1),
                self._aid(actor),
                label,
            )
            self.store.set_clause_places(domain.insert(existing, new, None, c.id))
            events.append(
                Event(
                    "clause.added",
                    d.conference_id,
                    draft_id=d.id,
                    clause_id=new.id,
                    actor_id=self._aid(actor),
                    data={
                        "kind": new.kind,
                        "text": new.text,
                        "parent_id": c.parent_id,
                        "after_id": c.id,
                        "version": 1,
                        "reason": label,
                    },
                )
            )
        return events

    # --- polls ---------------------------------------------------------------------------------

    def open_poll(
        self,
        actor: Actor,
        draft_id: object,
        subject_type: object,
        subject_id: object,
        rule: object = None,
        kind: object = None,
        seconds: object = None,
    ) -> Poll:
        from . import procedure

        d = self.draft(actor, draft_id)
        self._chair(actor, d.conference_id, "open a vote")
        stype = domain.check_choice_of(str(subject_type), domain.POLL_SUBJECTS, "subject")
        sid = _int(subject_id, "subject id")
        conf = self.store.conference(d.conference_id)
        clean_rule = procedure.check_rule(rule or conf.majority)
        clean_kind = procedure.check_poll_kind(kind or "recorded")
        closes_at = None
        if clean_rule == "consensus":
            secs = 60 if seconds is None else _int(seconds, "seconds")
            if not 5 <= secs <= 3600:
                raise Invalid("Give between 5 seconds and an hour for objections.")
            from datetime import UTC, datetime, timedelta

            closes_at = (
                (datetime.now(UTC) + timedelta(seconds=secs))
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z")
            )
        with self.store.write():
            d = self.store.draft(d.id)
            if d.status != "formal":
                raise Conflict(
                    "Votes are taken in formal mode: switch the draft to formal first."
                    if d.status == "drafting"
                    else f"The draft is {d.status}; no more votes can be taken on it."
                )
            current = self.store.open_poll(d.id)
            if current is not None:
                raise Conflict("Another vote is open in this draft: close it first.")
            people = self.store.participants(d.conference_id)
            present = sum(1 for p in people if p.can_vote and p.present)
            entitled = sum(1 for p in people if p.can_vote)
            procedure.check_quorum(present, conf.quorum)
            if stype == "amendment":
                a = self.store.amendment(sid)
                if a.draft_id != d.id:
                    raise NotFound(f"There is no amendment {sid} in this draft.")
                if a.status == "conflicted":
                    raise Conflict(
                        f"Amendment #{a.number} no longer applies to the clause as it stands "
                        "(conflicted): its proposer must write it again."
                    )
                if a.status != "pending":
                    raise Conflict(
                        f"Amendment #{a.number} is {a.status}: it is not put to the vote."
                    )
                subs = [
                    s.number
                    for s in self.store.amendments_of_clause(a.clause_id)
                    if s.target_amendment_id == a.id and s.status == "pending"
                ]
                if subs:
                    raise Conflict(
                        "Amendments to this amendment are voted first: "
                        + ", ".join(f"#{n}" for n in subs)
                        + "."
                    )
                self.store.update_amendment(a.id, status="voting")
            elif stype == "clause":
                c = self.store.clause(sid)
                if c.draft_id != d.id or c.status in domain.GONE:
                    raise NotFound(f"There is no clause {sid} in this draft.")
                if c.status != "active":
                    raise Conflict(f"This clause was {c.status} already.")
                pending = [
                    a.number
                    for a in self.store.amendments_of_clause(c.id)
                    if a.status in ("pending", "voting")
                ]
                if pending:
                    raise Conflict(
                        "Amendments to a clause are voted before the clause: first "
                        + ", ".join(f"#{n}" for n in pending)
                        + "."
                    )
            else:
                if sid != d.id:
                    raise Invalid("A vote on the whole names this draft.")
                pending = [
                    a.number for a in self.store.amendments(d.id) if a.status in ("pending",)
                ]
                if pending:
                    raise Conflict(
                        "Amendments are still pending: vote on them (or have them withdrawn) "
                        "before the vote on the whole: " + ", ".join(f"#{n}" for n in pending) + "."
                    )
            number = len(self.store.polls(d.id)) + 1
            poll = self.store.insert_poll(
                {
                    "draft_id": d.id,
                    "subject_type": stype,
                    "subject_id": sid,
                    "rule": clean_rule,
                    "kind": clean_kind,
                    "entitled": entitled,
                    "closes_at": closes_at,
                    "number": number,
                }
            )
            events = self._commit(
                [
                    Event(
                        "poll.opened",
                        d.conference_id,
                        draft_id=d.id,
                        actor_id=self._aid(actor),
                        data={
                            "poll_id": poll.id,
                            "subject_type": stype,
                            "subject_id": sid,
                            "rule": clean_rule,
                            "kind": clean_kind,
                            "entitled": entitled,
                            "present": present,
                            "closes_at": closes_at,
                        },
                    )
                ]
            )
        self._publish(events)
        return poll

    def _poll_for(self, actor: Actor, poll_id: object) -> tuple[Poll, Draft]:
        poll = self.store.poll(_int(poll_id, "poll id"))
        d = self.store.draft(poll.draft_id)
        self._member(actor, d.conference_id)
        return poll, d

    def vote(
        self, actor: Actor, poll_id: object, choice: object, receipt: object = None
    ) -> dict[str, Any]:
        """Cast or change a ballot. In a secret poll the first ballot returns a receipt, the
        only thing that can change it: the store never links voter and choice."""
        from . import procedure

        if actor is None:
            raise Forbidden("Only delegates vote.")
        poll, d = self._poll_for(actor, poll_id)
        if not actor.can_vote:
            raise Forbidden(
                "Observers do not vote." if actor.role == "observer" else "The chair does not vote."
            )
        clean = procedure.check_choice(choice)
        out: dict[str, Any] = {"poll_id": poll.id, "choice": clean}
        with self.store.write():
            poll = self.store.poll(poll.id)
            if poll.state != "open":
                raise Conflict("This vote is closed: ballots are no longer accepted.")
            if poll.closes_at and now() > poll.closes_at:
                raise Conflict("The time for objections is over.")
            if poll.kind == "secret":
                first = self.store.mark_secret_voter(poll.id, actor.id)
                if first:
                    new_receipt = new_token()
                    self.store.put_secret_ballot(poll.id, hash_token(new_receipt), clean)
                    out["receipt"] = new_receipt
                else:
                    if not isinstance(receipt, str) or not self.store.secret_ballot_exists(
                        poll.id, hash_token(receipt)
                    ):
                        raise Conflict(
                            "You have voted already. A secret ballot can only be changed with "
                            "the receipt from your first ballot, on the device that cast it."
                        )
                    self.store.put_secret_ballot(poll.id, hash_token(receipt), clean)
                data: dict[str, Any] = {"poll_id": poll.id}
            else:
                self.store.put_ballot(poll.id, actor.id, clean)
                data = {"poll_id": poll.id, "choice": clean}
            events = self._commit(
                [
                    Event(
                        "poll.ballot",
                        d.conference_id,
                        draft_id=d.id,
                        actor_id=actor.id,
                        data=data,
                    )
                ]
            )
            out["cast"] = self.store.cast_count(poll)
        self._publish(events)
        return out

    def close_poll(self, actor: Actor, poll_id: object) -> Poll:
        from . import procedure

        poll, d = self._poll_for(actor, poll_id)
        self._chair(actor, d.conference_id, "close a vote")
        lock_id = 0
        if poll.subject_type == "amendment":
            lock_id = self.store.amendment(poll.subject_id).clause_id
        elif poll.subject_type == "clause":
            lock_id = poll.subject_id
        with self._clause_lock(lock_id):
            with self.store.write():
                poll = self.store.poll(poll.id)
                if poll.state != "open":
                    raise Conflict("This vote is closed already.")
                d = self.store.draft(d.id)
                counts = self.store.tally(poll)
                tally = procedure.Tally(counts["yes"], counts["no"], counts["abstain"])
                result = procedure.decide(poll.rule, tally, poll.entitled)
                record: dict[str, Any] = {
                    "outcome": result.outcome,
                    "yes": result.yes,
                    "no": result.no,
                    "abstain": result.abstain,
                    "cast": result.cast,
                    "entitled": result.entitled,
                    "required": result.required,
                    "rule": result.rule,
                    "kind": poll.kind,
                    "explanation": result.explanation,
                }
                if poll.kind == "recorded":
                    record["votes"] = self._named_votes(poll, d)
                poll = self.store.close_poll(poll.id, record)
                events = [
                    Event(
                        "poll.closed",
                        d.conference_id,
                        draft_id=d.id,
                        actor_id=self._aid(actor),
                        data={
                            "poll_id": poll.id,
                            "subject_type": poll.subject_type,
                            "subject_id": poll.subject_id,
                            **record,
                        },
                    )
                ]
                adopted = result.outcome == "adopted"
                if poll.subject_type == "amendment":
                    a = self.store.amendment(poll.subject_id)
                    if adopted:
                        events += self._adopt(actor, d, a, "vote")
                    else:
                        self.store.update_amendment(a.id, status="rejected")
                        events.append(
                            self._amendment_event(
                                "amendment.status",
                                d,
                                a,
                                actor,
                                before=a.status,
                                after="rejected",
                                reason="vote",
                            )
                        )
                        events += self._lapse_children(
                            actor, d, a, "its parent amendment was rejected"
                        )
                elif poll.subject_type == "clause":
                    c = self.store.clause(poll.subject_id)
                    if adopted:
                        self.store.set_clause_places([replace(c, status="adopted")])
                    else:
                        changed = domain.delete(self.store.clauses(d.id), c.id)
                        self.store.set_clause_places(
                            [replace(x, status="rejected") if x.id == c.id else x for x in changed]
                        )
                    events.append(
                        Event(
                            "clause.deleted" if not adopted else "clause.moved",
                            d.conference_id,
                            draft_id=d.id,
                            clause_id=c.id,
                            actor_id=self._aid(actor),
                            data=(
                                {"text": c.text, "ids": [c.id], "reason": "rejected by vote"}
                                if not adopted
                                else {
                                    "before": {"parent_id": c.parent_id, "position": c.position},
                                    "after": {"parent_id": c.parent_id, "position": c.position},
                                    "reason": "adopted by vote",
                                }
                            ),
                        )
                    )
                else:
                    status = "adopted" if adopted else "rejected"
                    self.store.update_draft(d.id, status=status)
                    events.append(
                        Event(
                            "draft.mode",
                            d.conference_id,
                            draft_id=d.id,
                            actor_id=self._aid(actor),
                            data={
                                "before": d.status,
                                "after": status,
                                "reason": "vote on the whole",
                            },
                        )
                    )
                self._commit(events)
            self._publish(events)
        return poll

    def _named_votes(self, poll: Poll, d: Draft) -> list[dict[str, Any]]:
        people = {p.id: p for p in self.store.participants(d.conference_id)}
        out = []
        for b in self.store.ballots(poll.id):
            p = people.get(b["participant_id"])
            out.append(
                {
                    "participant_id": b["participant_id"],
                    "name": p.name if p else "?",
                    "delegation": p.delegation if p else "",
                    "choice": b["choice"],
                }
            )
        out.sort(key=lambda v: (v["delegation"] or v["name"]).lower())
        return out


class Actions(ProcedureMixin):
    def __init__(self, store: Store, notify: Notify | None = None) -> None:
        self.store = store
        self.notify: Notify = notify or (lambda events: None)
        self._locks: dict[int, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    # --- plumbing -----------------------------------------------------------------------

    def _commit(self, events: list[Event]) -> list[Event]:
        for e in events:
            self.store.append(e)
        return events

    def _publish(self, events: list[Event]) -> None:
        if events:
            self.notify(events)

    # --- who may do what ----------------------------------------------------------------

    def authenticate(self, token: object) -> Participant:
        if not isinstance(token, str) or not token:
            raise Unauthorized("A participant token is required: open your invite link again.")
        p = self.store.participant_by_token_hash(hash_token(token))
        if p is None:
            raise Unauthorized(
                "This invite link is not valid (it may have been replaced by a newer one). "
                "Ask the secretariat for a fresh link."
            )
        return p

    def _member(self, actor: Actor, conference_id: int) -> None:
        if actor is not None and actor.conference_id != conference_id:
            # Same answer as for something that does not exist: ids of other conferences leak
            # nothing.
            raise NotFound("Not found in your conference.")

    def _chair(self, actor: Actor, conference_id: int, doing: str) -> None:
        self._member(actor, conference_id)
        if actor is not None and not actor.is_chair:
            raise Forbidden(f"Only the chair can {doing}.")

    def _writer(self, actor: Actor, conference_id: int, doing: str) -> None:
        self._member(actor, conference_id)
        if actor is not None and actor.role == "observer":
            raise Forbidden(f"Observers follow the debate but cannot {doing}.")

    def _aid(self, actor: Actor) -> int | None:
        return None if actor is None else actor.id

    # --- conferences and participants -----------------------------------------------------

    def create_conference(
        self,
        name: str,
        chair_name: str,
        chair_delegation: str = "",
        majority: str = "simple",
        quorum: int = 0,
    ) -> tuple[Conference, Participant, str]:
        name = domain.clean_name(name, "conference name")
        chair_name = domain.clean_name(chair_name, "chair's name")
        majority = self._check_rule(majority)
        quorum = self._check_quorum(quorum)
        token = new_token()
        with self.store.write():
            conf = self.store.insert_conference(name, majority, quorum)
            chair = self.store.insert_participant(
                conf.id, chair_name, chair_delegation.strip(), "chair", hash_token(token)
            )
            events = self._commit(
                [
                    Event(
                        "conference.created",
                        conf.id,
                        data={"name": name, "majority": majority, "quorum": quorum},
                    ),
                    Event(
                        "participant.added",
                        conf.id,
                        actor_id=chair.id,
                        data={"id": chair.id, "name": chair.name, "role": "chair"},
                    ),
                ]
            )
        self._publish(events)
        return conf, chair, token

    @staticmethod
    def _check_rule(rule: str) -> str:
        return domain.check_choice_of(
            rule, ("simple", "two_thirds", "absolute", "consensus"), "majority rule"
        )

    @staticmethod
    def _check_quorum(quorum: object) -> int:
        q = _int(quorum, "quorum")
        if q < 0:
            raise Invalid("The quorum cannot be negative.")
        return q

    def conference(self, actor: Actor, conference_id: object) -> Conference:
        cid = _int(conference_id, "conference id")
        self._member(actor, cid)
        return self.store.conference(cid)

    def update_conference(
        self, actor: Actor, conference_id: object, **changes: object
    ) -> Conference:
        cid = _int(conference_id, "conference id")
        self._chair(actor, cid, "change the conference's rules")
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if value is None:
                continue
            if key == "majority":
                clean[key] = self._check_rule(str(value))
            elif key == "quorum":
                clean[key] = self._check_quorum(value)
            elif key == "name":
                clean[key] = domain.clean_name(value, "conference name")
            else:
                raise Invalid(f"Unknown conference setting {key!r}: name, majority or quorum.")
        with self.store.write():
            before = self.store.conference(cid)
            after = self.store.update_conference(cid, **clean) if clean else before
            events = self._commit(
                [
                    Event(
                        "conference.updated",
                        cid,
                        actor_id=self._aid(actor),
                        data={
                            "before": {k: getattr(before, k) for k in clean},
                            "after": clean,
                        },
                    )
                ]
            )
        self._publish(events)
        return after

    def add_participant(
        self,
        actor: Actor,
        conference_id: object,
        name: object,
        delegation: object = "",
        role: object = "delegate",
    ) -> tuple[Participant, str]:
        cid = _int(conference_id, "conference id")
        self._chair(actor, cid, "add participants")
        clean_name = domain.clean_name(name, "participant's name")
        if not isinstance(delegation, str):
            raise Invalid("The delegation must be a text.")
        clean_role = domain.check_choice_of(str(role), domain.ROLES, "role")
        token = new_token()
        with self.store.write():
            self.store.conference(cid)
            p = self.store.insert_participant(
                cid, clean_name, delegation.strip(), clean_role, hash_token(token)
            )
            events = self._commit(
                [
                    Event(
                        "participant.added",
                        cid,
                        actor_id=self._aid(actor),
                        data={
                            "id": p.id,
                            "name": p.name,
                            "delegation": p.delegation,
                            "role": p.role,
                        },
                    )
                ]
            )
        self._publish(events)
        return p, token

    def import_participants(
        self, actor: Actor, conference_id: object, rows: Iterable[dict[str, str]]
    ) -> list[tuple[Participant, str]]:
        """A whole roster at once: all rows are checked first, then added in one go."""
        cid = _int(conference_id, "conference id")
        self._chair(actor, cid, "add participants")
        checked = []
        for n, row in enumerate(rows, start=2):
            try:
                name = domain.clean_name(row.get("name"), "participant's name")
                role = domain.check_choice_of(
                    (row.get("role") or "delegate").strip().lower(), domain.ROLES, "role"
                )
            except Invalid as e:
                raise Invalid(f"Line {n}: {e.message}") from None
            checked.append((name, (row.get("delegation") or "").strip(), role))
        if not checked:
            raise Invalid("The roster is empty: give one participant per line.")
        out = []
        events = []
        with self.store.write():
            self.store.conference(cid)
            for name, delegation, role in checked:
                token = new_token()
                p = self.store.insert_participant(cid, name, delegation, role, hash_token(token))
                out.append((p, token))
                events.append(
                    Event(
                        "participant.added",
                        cid,
                        actor_id=self._aid(actor),
                        data={"id": p.id, "name": name, "delegation": delegation, "role": role},
                    )
                )
            self._commit(events)
        self._publish(events)
        return out

    def issue_link(self, actor: Actor, participant_id: object) -> tuple[Participant, str]:
        """A fresh invite token; the old one stops working at once."""
        pid = _int(participant_id, "participant id")
        p = self.store.participant(pid)
        self._chair(actor, p.conference_id, "issue invite links")
        token = new_token()
        with self.store.write():
            self.store.set_token_hash(pid, hash_token(token))
            events = self._commit(
                [
                    Event(
                        "participant.link_issued",
                        p.conference_id,
                        actor_id=self._aid(actor),
                        data={"id": pid},
                    )
                ]
            )
        self._publish(events)
        return p, token

    def participants(self, actor: Actor, conference_id: object) -> list[Participant]:
        cid = _int(conference_id, "conference id")
        self._member(actor, cid)
        self.store.conference(cid)
        return self.store.participants(cid)

    def set_present(self, participant: Participant, present: bool) -> None:
        with self.store.write():
            self.store.set_present(participant.id, present)
            events = self._commit(
                [
                    Event(
                        "participant.present",
                        participant.conference_id,
                        actor_id=participant.id,
                        data={"id": participant.id, "present": present},
                    )
                ]
            )
        self._publish(events)

    # --- drafts ---------------------------------------------------------------------------

    def create_draft(
        self,
        actor: Actor,
        conference_id: object,
        title: object,
        clauses: Sequence[tuple[str, int, str]] = (),
        source: str | None = None,
        sponsors: Sequence[int] = (),
    ) -> Draft:
        """A new draft from (kind, level, text) triples, as the importer gives them."""
        cid = _int(conference_id, "conference id")
        self._chair(actor, cid, "create drafts")
        clean_title = domain.clean_name(title, "draft title", domain.MAX_TITLE_CHARS)
        for kind, level, text in clauses:
            domain.check_choice_of(kind, domain.CLAUSE_KINDS, "clause kind")
            domain.check_clause_text(text)
            if not 0 <= level <= domain.MAX_LEVEL:
                raise Invalid(f"Clauses nest at most {domain.MAX_LEVEL} levels deep.")
        with self.store.write():
            self.store.conference(cid)
            members = {p.id for p in self.store.participants(cid)}
            for s in sponsors:
                if s not in members:
                    raise Invalid(f"Sponsor {s} is not a participant of this conference.")
            draft = self.store.insert_draft(cid, clean_title, list(sponsors))
            parents: list[int] = []  # stack of the last clause id at each level
            counters: dict[int | None, int] = {}
            for kind, level, text in clauses:
                level = min(level, len(parents))
                parent = parents[level - 1] if level > 0 else None
                pos = counters.get(parent, 0)
                counters[parent] = pos + 1
                c = self.store.insert_clause(
                    Clause(0, draft.id, kind, text, parent_id=parent, position=pos),
                    self._aid(actor),
                    "import" if source else "created",
                )
                del parents[level:]
                parents.append(c.id)
            events = self._commit(
                [
                    Event(
                        "draft.created",
                        cid,
                        draft_id=draft.id,
                        actor_id=self._aid(actor),
                        data={
                            "title": clean_title,
                            "source": source,
                            "clauses": len(clauses),
                        },
                    )
                ]
            )
        self._publish(events)
        return draft

    def import_document(
        self,
        actor: Actor,
        conference_id: object,
        data: bytes,
        filename: str,
        title: str | None = None,
    ) -> Draft:
        from .importing import read_document

        doc = read_document(data, filename, title=title)
        return self.create_draft(
            actor,
            conference_id,
            doc.title,
            [(c.kind, c.level, c.text) for c in doc.clauses],
            source=filename,
        )

    def draft(self, actor: Actor, draft_id: object) -> Draft:
        d = self.store.draft(_int(draft_id, "draft id"))
        self._member(actor, d.conference_id)
        return d

    def drafts(self, actor: Actor, conference_id: object) -> list[Draft]:
        cid = _int(conference_id, "conference id")
        self._member(actor, cid)
        self.store.conference(cid)
        return self.store.drafts(cid)

    def draft_view(self, actor: Actor, draft_id: object) -> dict[str, Any]:
        """The draft as `drafting show --json` prints it: numbered clause tree."""
        d = self.draft(actor, draft_id)
        open_poll = self.store.open_poll(d.id)
        return {
            "id": d.id,
            "conference_id": d.conference_id,
            "title": d.title,
            "status": d.status,
            "sponsors": list(d.sponsors),
            "clauses": self.outline(actor, d.id),
            **self.amendments_view(actor, d.id),
            "poll": self.poll_view(open_poll) if open_poll else None,
        }

    def outline(self, actor: Actor, draft_id: object) -> list[dict[str, Any]]:
        """Just the numbered clause tree: what a structure change needs to send."""
        d = self.draft(actor, draft_id)
        return [clause_view(e) for e in domain.outline(self.store.clauses(d.id))]

    def set_mode(self, actor: Actor, draft_id: object, mode: object) -> Draft:
        d = self.draft(actor, draft_id)
        self._chair(actor, d.conference_id, "switch the draft's mode")
        if not isinstance(mode, str):
            raise Invalid("The mode must be a text.")
        with self.store.write():
            d = self.store.draft(d.id)
            domain.check_mode_change(d, mode)
            after = self.store.update_draft(d.id, status=mode)
            events = self._commit(
                [
                    Event(
                        "draft.mode",
                        d.conference_id,
                        draft_id=d.id,
                        actor_id=self._aid(actor),
                        data={"before": d.status, "after": mode},
                    )
                ]
            )
        self._publish(events)
        return after

    def set_sponsors(self, actor: Actor, draft_id: object, sponsors: Sequence[object]) -> Draft:
        d = self.draft(actor, draft_id)
        self._chair(actor, d.conference_id, "set the draft's sponsors")
        ids = [_int(s, "sponsor id") for s in sponsors]
        with self.store.write():
            members = {p.id: p for p in self.store.participants(d.conference_id)}
            for s in ids:
                if s not in members or members[s].role == "observer":
                    raise Invalid(f"Participant {s} cannot sponsor: not a delegate here.")
            after = self.store.update_draft(d.id, sponsors=ids)
            events = self._commit(
                [
                    Event(
                        "draft.sponsors",
                        d.conference_id,
                        draft_id=d.id,
                        actor_id=self._aid(actor),
                        data={"before": list(d.sponsors), "after": ids},
                    )
                ]
            )
        self._publish(events)
        return after

    # --- clauses: structure and whole-text edits ------------------------------------------

    def clause_for(self, actor: Actor, clause_id: object) -> tuple[Clause, Draft]:
        c = self.store.clause(_int(clause_id, "clause id"))
        if c.status in domain.GONE:
            why = "deleted" if c.status == "deleted" else "rejected by vote"
            raise NotFound(f"Clause {c.id} is no longer in the text: it was {why}.")
        d = self.store.draft(c.draft_id)
        self._member(actor, d.conference_id)
        return c, d

    def add_clause(
        self,
        actor: Actor,
        draft_id: object,
        kind: object,
        text: object,
        parent_id: object = None,
        after_id: object = None,
    ) -> Clause:
        d = self.draft(actor, draft_id)
        self._writer(actor, d.conference_id, "add clauses")
        clean_kind = domain.check_choice_of(str(kind), domain.CLAUSE_KINDS, "clause kind")
        clean_text = domain.check_clause_text(text)
        parent = _opt_int(parent_id, "parent clause id")
        after = _opt_int(after_id, "clause id to insert after")
        with self.store.write():
            d = self.store.draft(d.id)
            domain.check_editable(d)
            existing = self.store.clauses(d.id)
            # validate the place before writing anything
            domain.insert(existing, Clause(0, d.id, clean_kind, clean_text), parent, after)
            new = self.store.insert_clause(
                Clause(0, d.id, clean_kind, clean_text, position=-1), self._aid(actor), "added"
            )
            placed = domain.insert(existing, new, parent, after)
            self.store.set_clause_places(placed)
            new = self.store.clause(new.id)
            events = self._commit(
                [
                    Event(
                        "clause.added",
                        d.conference_id,
                        draft_id=d.id,
                        clause_id=new.id,
                        actor_id=self._aid(actor),
                        data={
                            "kind": clean_kind,
                            "text": clean_text,
                            "parent_id": new.parent_id,
                            "after_id": after,
                            "version": new.version,
                        },
                    )
                ]
            )
        self._publish(events)
        return new

    def replace_text(
        self, actor: Actor, clause_id: object, text: object, reason: str = "edit"
    ) -> Clause:
        """Set a clause's whole text (the JSON API's edit; live edits go through deltas)."""
        c, d = self.clause_for(actor, clause_id)
        self._writer(actor, d.conference_id, "edit clauses")
        new_text = domain.check_clause_text(text)
        with self._clause_lock(c.id):
            with self.store.write():
                d = self.store.draft(d.id)
                domain.check_editable(d)
                c = self.store.clause(c.id)
                if c.text == new_text:
                    return c
                events = self._commit(self._write_text(actor, d, c, new_text, c.version, reason))
            self._publish(events)
        return replace(c, text=new_text, version=c.version + 1)

    def _write_text(
        self,
        actor: Actor,
        d: Draft,
        c: Clause,
        new_text: str,
        base_version: int,
        reason: str,
        edit_id: str | None = None,
        extra: dict[str, Any] | None = None,
        rebase: str = "edit",
        delta: str | None = None,
    ) -> list[Event]:
        """Store a clause's next version; the caller journals the events returned.

        Open amendments to the clause are carried onto the new text (`rebase` says why the
        text changed: a live "edit" or an adopted "amendment"). The journal keeps the delta
        from the old text to the new; every whole text is in `clause_versions`. `delta`, when
        given, is already that change (a live edit applied exactly) and is not diffed again.
        """
        version = c.version + 1
        self.store.set_clause_text(c.id, new_text, version, self._aid(actor), reason, edit_id)
        rebased = self._rebase_amendments(actor, d, c.id, new_text, version, rebase)
        return [
            Event(
                "clause.edited",
                d.conference_id,
                draft_id=d.id,
                clause_id=c.id,
                actor_id=self._aid(actor),
                data={
                    "version": version,
                    "base_version": base_version,
                    "delta": delta if delta is not None else textsync.make_delta(c.text, new_text),
                    "reason": reason,
                    **(extra or {}),
                },
            )
        ] + rebased

    def apply_edit(
        self,
        actor: Actor,
        clause_id: object,
        base_version: object,
        delta: object,
        edit_id: object = None,
    ) -> EditResult:
        """A live edit: a diff-match-patch delta against a known version of a clause.

        Exact when the version is current; when others got in first, the edit is rebased by a
        three-way merge (textsync.merge3) onto the current text. Committed with its journal
        event before anyone is told; the result always carries the current text, which
        includes this edit. An edit id seen before is acknowledged again, not applied twice.
        """
        cid = _int(clause_id, "clause id")
        base = _int(base_version, "base version")
        if not isinstance(delta, str):
            raise Invalid("The change must be a diff-match-patch delta (a string).")
        if len(delta) > MAX_DELTA_CHARS:
            raise TooLarge(
                f"That change is {len(delta):,} characters long; a clause holds at most "
                f"{domain.MAX_CLAUSE_CHARS:,}."
            )
        if edit_id is not None and (not isinstance(edit_id, str) or not 8 <= len(edit_id) <= 64):
            raise Invalid("An edit id must be a string of 8 to 64 characters.")
        c, d = self.clause_for(actor, cid)
        self._writer(actor, d.conference_id, "edit clauses")
        with self._clause_lock(cid):
            with self.store.write():
                if edit_id is not None:
                    seen = self.store.edit_seen(edit_id)
                    if seen is not None:
                        current = self.store.clause(cid)
                        return EditResult(current, False, [], self._resent_text(cid, base, delta))
                d = self.store.draft(d.id)
                domain.check_editable(d)
                c = self.store.clause(cid)
                if c.status in domain.GONE:
                    raise NotFound(f"Clause {cid} was deleted while you were editing it.")
                if base > c.version or base < 1:
                    raise Invalid(
                        f"Version {base} of clause {cid} does not exist (it is at {c.version})."
                    )
                exact: str | None = None
                if base == c.version:
                    new_text = mine = textsync.apply_delta(c.text, delta)
                    exact = delta
                else:
                    if c.version - base > MAX_REBASE_VERSIONS:
                        raise Behind(cid, c.version, c.text)
                    base_text = self.store.clause_text_at(cid, base)
                    if base_text is None:
                        raise Behind(cid, c.version, c.text)
                    mine = textsync.apply_delta(base_text, delta)
                    new_text = textsync.merge3(base_text, c.text, mine).text
                domain.check_clause_text(new_text)
                if new_text == c.text:
                    return EditResult(c, False, [], mine)
                version = c.version + 1
                events = self._commit(
                    self._write_text(actor, d, c, new_text, base, "edit", edit_id, delta=exact)
                )
            # told while the clause is still locked, so broadcasts leave in version order
            self._publish(events)
        return EditResult(replace(c, text=new_text, version=version), True, events, mine)

    def _resent_text(self, clause_id: int, base: int, delta: str) -> str | None:
        """What a resent edit made of its base, to acknowledge it again as a delta."""
        base_text = self.store.clause_text_at(clause_id, base)
        if base_text is None:
            return None
        try:
            return textsync.apply_delta(base_text, delta)
        except textsync.DeltaError:
            return None

    def _clause_lock(self, clause_id: int) -> threading.Lock:
        with self._locks_lock:
            lock = self._locks.get(clause_id)
            if lock is None:
                lock = self._locks[clause_id] = threading.Lock()
            return lock

    def move_clause(
        self, actor: Actor, clause_id: object, parent_id: object = None, after_id: object = None
    ) -> list[Clause]:
        c, d = self.clause_for(actor, clause_id)
        self._writer(actor, d.conference_id, "move clauses")
        parent = _opt_int(parent_id, "parent clause id")
        after = _opt_int(after_id, "clause id to place it after")
        with self.store.write():
            d = self.store.draft(d.id)
            domain.check_editable(d)
            existing = self.store.clauses(d.id)
            changed = domain.move(existing, c.id, parent, after)
            self.store.set_clause_places(changed)
            before = next(x for x in existing if x.id == c.id)
            now_c = self.store.clause(c.id)
            events = self._commit(
                [
                    Event(
                        "clause.moved",
                        d.conference_id,
                        draft_id=d.id,
                        clause_id=c.id,
                        actor_id=self._aid(actor),
                        data={
                            "before": {"parent_id": before.parent_id, "position": before.position},
                            "after": {"parent_id": now_c.parent_id, "position": now_c.position},
                        },
                    )
                ]
            )
        self._publish(events)
        return changed

    def delete_clause(self, actor: Actor, clause_id: object) -> list[int]:
        c, d = self.clause_for(actor, clause_id)
        self._writer(actor, d.conference_id, "delete clauses")
        with self.store.write():
            d = self.store.draft(d.id)
            domain.check_editable(d)
            changed = domain.delete(self.store.clauses(d.id), c.id)
            self.store.set_clause_places(changed)
            gone = [x.id for x in changed if x.status == "deleted"]
            events = self._commit(
                [
                    Event(
                        "clause.deleted",
                        d.conference_id,
                        draft_id=d.id,
                        clause_id=c.id,
                        actor_id=self._aid(actor),
                        data={"text": c.text, "ids": gone},
                    )
                ]
            )
        self._publish(events)
        return gone

    def history(self, actor: Actor, clause_id: object) -> list[dict[str, Any]]:
        c = self.store.clause(_int(clause_id, "clause id"))
        d = self.store.draft(c.draft_id)
        self._member(actor, d.conference_id)
        names = {p.id: p for p in self.store.participants(d.conference_id)}
        out = []
        for v in self.store.clause_versions(c.id):
            who = names.get(v["actor_id"]) if v["actor_id"] is not None else None
            out.append(
                {
                    **v,
                    "actor": (who.name if who else "secretariat"),
                    "delegation": (who.delegation if who else ""),
                }
            )
        return out


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


def participant_view(p: Participant) -> dict[str, Any]:
    return {
        "id": p.id,
        "conference_id": p.conference_id,
        "name": p.name,
        "delegation": p.delegation,
        "role": p.role,
        "present": p.present,
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
    return {"id": c.id, "name": c.name, "majority": c.majority, "quorum": c.quorum}


__all__ = ["Actions", "clause_view", "participant_view", "draft_summary", "replace"]
