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
from typing import Any, NamedTuple

from . import domain, textsync
from .domain import Clause, Conference, Draft, Participant
from .errors import Conflict, Forbidden, Invalid, NotFound, TooLarge, Unauthorized
from .events import Event
from .store import Store

Actor = Participant | None
Notify = Callable[[list[Event]], None]

TOKEN_BYTES = 24  # 192 bits
MAX_DELTA_CHARS = 3 * domain.MAX_CLAUSE_CHARS  # %-escaped inserts can triple in size
MAX_REBASE_VERSIONS = 1000  # further behind than this, the client rebases on the current text


class EditResult(NamedTuple):
    clause: Clause  # the clause as it now stands, this edit included
    changed: bool
    events: list[Event]


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


class Actions:
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
        return {
            "id": d.id,
            "conference_id": d.conference_id,
            "title": d.title,
            "status": d.status,
            "sponsors": list(d.sponsors),
            "clauses": [clause_view(e) for e in domain.outline(self.store.clauses(d.id))],
        }

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
        if c.status == "deleted":
            raise NotFound(f"Clause {c.id} was deleted.")
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
                events = self._write_text(actor, d, c, new_text, c.version, reason)
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
    ) -> list[Event]:
        """Store a clause's next version and journal it (inside the caller's transaction)."""
        version = c.version + 1
        self.store.set_clause_text(c.id, new_text, version, self._aid(actor), reason, edit_id)
        return self._commit(
            [
                Event(
                    "clause.edited",
                    d.conference_id,
                    draft_id=d.id,
                    clause_id=c.id,
                    actor_id=self._aid(actor),
                    data={
                        "before": c.text,
                        "after": new_text,
                        "version": version,
                        "base_version": base_version,
                        "delta": textsync.make_delta(c.text, new_text),
                        "reason": reason,
                        **(extra or {}),
                    },
                )
            ]
        )

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
                        return EditResult(current, False, [])
                d = self.store.draft(d.id)
                domain.check_editable(d)
                c = self.store.clause(cid)
                if c.status == "deleted":
                    raise NotFound(f"Clause {cid} was deleted while you were editing it.")
                if base > c.version or base < 1:
                    raise Invalid(
                        f"Version {base} of clause {cid} does not exist (it is at {c.version})."
                    )
                if base == c.version:
                    new_text = textsync.apply_delta(c.text, delta)
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
                    return EditResult(c, False, [])
                version = c.version + 1
                events = self._write_text(actor, d, c, new_text, base, "edit", edit_id)
            # told while the clause is still locked, so broadcasts leave in version order
            self._publish(events)
        return EditResult(replace(c, text=new_text, version=version), True, events)

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
