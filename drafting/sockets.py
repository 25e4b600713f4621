"""Socket.IO doors: authenticate at connect, join draft rooms, call actions, answer.

Every client event is acknowledged: `{"ok": true, ...}` or `{"error": {"code", "message"}}`.
Flask's before_request does not run for socket events, so authentication happens at connect
and every handler looks the connection up here. docs/protocol.md lists every event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from flask import current_app, request, session
from flask_socketio import SocketIO, join_room, leave_room

from . import textsync
from .actions import Actions, Behind, draft_summary, participant_view
from .domain import Participant
from .errors import DraftingError, Invalid, TooLarge
from .live import Live, conference_room, draft_room

log = logging.getLogger(__name__)

# Every client-to-server event this module handles; tests check docs/protocol.md names them.
HANDLED: dict[str, Callable[..., Any]] = {}

RATE = 40.0  # events per second a connection may keep up
BURST = 200.0  # and how many it may send at once (a reconnect flushes queued edits)
MAX_TEXT = 25_000
PRESENCE_EVERY = 0.25  # seconds between presence announcements in one draft

COLORS = ["#d1495b", "#00798c", "#edae49", "#66a182", "#8d96a3", "#7b4fa0", "#e07a1f", "#2e4057"]


@dataclass
class Connection:
    participant: Participant
    drafts: set[int] = field(default_factory=set)
    focus: dict[int, int | None] = field(default_factory=dict)
    tokens: float = BURST
    stamp: float = field(default_factory=time.monotonic)

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.stamp) * RATE)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


_connections: dict[str, Connection] = {}
_announced: dict[int, dict[int, dict[str, Any]]] = {}  # draft -> the presence last announced
_lock = threading.Lock()


def _actions() -> Actions:
    return cast(Actions, current_app.extensions["drafting"]["actions"])


def _live() -> Live:
    return cast(Live, current_app.extensions["drafting"]["live"])


def _sid() -> str:
    return cast(str, request.sid)  # type: ignore[attr-defined]


def error(e: DraftingError) -> dict[str, Any]:
    out: dict[str, Any] = {"error": {"code": e.code, "message": e.message}}
    if isinstance(e, Behind):
        out["clause"] = {"id": e.clause_id, "version": e.version, "text": e.text}
    return out


def _outline(conn: Connection, draft_id: int) -> list[dict[str, Any]]:
    """The numbered clause tree, for answers to structure changes."""
    return _actions().outline(conn.participant, draft_id)


def presence(draft_id: int) -> list[dict[str, Any]]:
    """Who is in a draft, and which clause each is in (this process's connections)."""
    people: dict[int, dict[str, Any]] = {}
    with _lock:
        for conn in _connections.values():
            if draft_id in conn.drafts:
                p = conn.participant
                entry = people.setdefault(
                    p.id,
                    {
                        "participant_id": p.id,
                        "name": p.name,
                        "delegation": p.delegation,
                        "role": p.role,
                        "color": COLORS[p.id % len(COLORS)],
                        "clause_id": None,
                    },
                )
                clause = conn.focus.get(draft_id)
                if clause is not None:
                    entry["clause_id"] = clause
    return sorted(people.values(), key=lambda e: e["participant_id"])


def register(socketio: SocketIO) -> None:
    def on(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A client event: payload checked, rate-limited, errors turned into acks."""

        def decorate(fn: Callable[[Connection, dict[str, Any]], Any]) -> Callable[..., Any]:
            def handler(data: Any = None) -> Any:
                sid = _sid()
                conn = _connections.get(sid)
                if conn is None:
                    return {"error": {"code": "unauthorized", "message": "Not signed in."}}
                if not conn.allow():
                    return {
                        "error": {
                            "code": "rate_limited",
                            "message": "Too many messages at once: this one was not applied. "
                            "Slow down and send it again.",
                        }
                    }
                if data is None:
                    data = {}
                if not isinstance(data, dict):
                    return {"error": {"code": "invalid", "message": f"'{name}' takes an object."}}
                try:
                    with _live().origin(sid):
                        result = fn(conn, data)
                    return {"ok": True, **(result or {})}
                except DraftingError as e:
                    return error(e)
                except Exception:
                    log.exception("socket event %s failed", name)
                    return {
                        "error": {
                            "code": "server_error",
                            "message": "The server could not do that; nothing was changed.",
                        }
                    }

            handler.__name__ = f"on_{name.replace(':', '_')}"
            HANDLED[name] = handler
            socketio.on_event(name, handler)
            return fn

        return decorate

    @socketio.on("connect")
    def connect(auth: Any = None) -> bool:
        from flask_socketio import ConnectionRefusedError

        token = auth.get("token") if isinstance(auth, dict) else None
        actions = _actions()
        try:
            if token:
                p = actions.authenticate(token)
            else:
                pid, th = session.get("pid"), session.get("th")
                found = actions.store.participant_by_token_hash(th) if isinstance(th, str) else None
                if found is None or found.id != pid:
                    raise DraftingError("Sign in with your invite link first.")
                p = found
        except DraftingError as e:
            raise ConnectionRefusedError(e.message) from None
        with _lock:
            _connections[_sid()] = Connection(p)
        return True

    @socketio.on("disconnect")
    def disconnect(*args: Any) -> None:
        with _lock:
            conn = _connections.pop(_sid(), None)
        if conn is None:
            return
        for draft_id in conn.drafts:
            _announce_presence(draft_id)
        _mark_present(conn.participant)

    def _announce_presence(draft_id: int) -> None:
        """Tell the room what changed in who is where: only the changes, a few times a second.

        Joins come in storms (193 delegations at the opening), and a full list to everyone on
        each join would be n² messages of n entries.
        """
        live = _live()

        def send() -> None:
            now_people = {p["participant_id"]: p for p in presence(draft_id)}
            with _lock:
                before = _announced.get(draft_id, {})
                _announced[draft_id] = now_people
            changed = [p for pid, p in now_people.items() if before.get(pid) != p]
            left = sorted(set(before) - set(now_people))
            if changed or left:
                live.emit(
                    "presence",
                    {"draft_id": draft_id, "people": changed, "left": left},
                    draft_room(draft_id),
                )

        live.soon(("presence", draft_id), PRESENCE_EVERY, send)

    def _mark_present(p: Participant) -> None:
        """A participant is present while any of their connections is open."""
        with _lock:
            here = any(c.participant.id == p.id for c in _connections.values())
        stored = _actions().store.participant(p.id)
        if stored.present != here:
            _actions().set_present(stored, here)

    @on("join")
    def join(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        actions = _actions()
        view = actions.draft_view(conn.participant, data.get("draft_id"))
        join_room(draft_room(view["id"]))
        with _lock:
            conn.drafts.add(view["id"])
        _announce_presence(view["id"])
        _mark_present(conn.participant)
        return {
            "draft": view,
            "me": participant_view(conn.participant),
            "presence": presence(view["id"]),
        }

    @on("conference:follow")
    def conference_follow(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        """The conference page: hear of arrivals, new drafts and mode changes as they happen."""
        conf = _actions().conference(conn.participant, data.get("conference_id"))
        join_room(conference_room(conf.id))
        return {}

    @on("leave")
    def leave(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        draft_id = data.get("draft_id")
        if draft_id not in conn.drafts:
            raise Invalid("You are not in that draft.")
        leave_room(draft_room(draft_id))
        with _lock:
            conn.drafts.discard(draft_id)
            conn.focus.pop(draft_id, None)
        _announce_presence(draft_id)
        return {}

    @on("focus")
    def focus(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        draft_id, clause_id = data.get("draft_id"), data.get("clause_id")
        if draft_id not in conn.drafts:
            raise Invalid("Join the draft before focusing a clause in it.")
        if clause_id is not None:
            c, _ = _actions().clause_for(conn.participant, clause_id)
            if c.draft_id != draft_id:
                raise Invalid("That clause is in another draft.")
            clause_id = c.id
        with _lock:
            conn.focus[draft_id] = clause_id
        _announce_presence(draft_id)
        return {}

    @on("edit")
    def edit(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        result = _actions().apply_edit(
            conn.participant,
            data.get("clause_id"),
            data.get("base_version"),
            data.get("delta"),
            data.get("edit_id"),
        )
        c = result.clause
        if result.mine is None:  # a resend whose base is gone: the whole text
            return {"clause_id": c.id, "version": c.version, "text": c.text}
        # the stored text as a change of the sender's own: "=N" when applied as sent, so a
        # keystroke in a long clause is not answered with the whole clause
        return {
            "clause_id": c.id,
            "version": c.version,
            "delta": textsync.make_delta(result.mine, c.text),
        }

    @on("clause:get")
    def clause_get(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        c, _ = _actions().clause_for(conn.participant, data.get("clause_id"))
        return {"clause": {"id": c.id, "version": c.version, "text": c.text, "kind": c.kind}}

    @on("clause:add")
    def clause_add(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        text = data.get("text", "")
        if isinstance(text, str) and len(text) > MAX_TEXT:
            raise TooLarge("A clause can hold at most 20,000 characters.")
        c = _actions().add_clause(
            conn.participant,
            data.get("draft_id"),
            data.get("kind", "operative"),
            text,
            data.get("parent_id"),
            data.get("after_id"),
        )
        return {"clause_id": c.id, "outline": _outline(conn, c.draft_id)}

    @on("clause:move")
    def clause_move(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        a = _actions()
        a.move_clause(
            conn.participant, data.get("clause_id"), data.get("parent_id"), data.get("after_id")
        )
        c, _ = a.clause_for(conn.participant, data.get("clause_id"))
        return {"outline": _outline(conn, c.draft_id)}

    @on("clause:delete")
    def clause_delete(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        a = _actions()
        c, _ = a.clause_for(conn.participant, data.get("clause_id"))
        deleted = a.delete_clause(conn.participant, c.id)
        return {"deleted": deleted, "outline": _outline(conn, c.draft_id)}

    @on("draft:get")
    def draft_get(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return {"draft": _actions().draft_view(conn.participant, data.get("draft_id"))}

    @on("mode:set")
    def mode_set(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        d = _actions().set_mode(conn.participant, data.get("draft_id"), data.get("mode"))
        return {"draft": draft_summary(d)}

    @on("amendment:propose")
    def amendment_propose(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        text = data.get("new_text", "")
        if isinstance(text, str) and len(text) > MAX_TEXT:
            raise TooLarge("A clause can hold at most 20,000 characters.")
        a = _actions().propose(
            conn.participant,
            data.get("clause_id"),
            data.get("kind", "replace"),
            text,
            data.get("reason", ""),
            data.get("target_amendment_id"),
            data.get("new_kind"),
            data.get("base_version"),
        )
        return {"amendment": _actions().amendment_view(a)}

    @on("amendment:accept")
    def amendment_accept(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        a = _actions().accept(conn.participant, data.get("amendment_id"))
        return {"amendment": _actions().amendment_view(a)}

    @on("amendment:refuse")
    def amendment_refuse(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        a = _actions().refuse(conn.participant, data.get("amendment_id"))
        return {"amendment": _actions().amendment_view(a)}

    @on("amendment:withdraw")
    def amendment_withdraw(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        a = _actions().withdraw(conn.participant, data.get("amendment_id"))
        return {"amendment": _actions().amendment_view(a)}

    @on("amendments:list")
    def amendments_list(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return _actions().amendments_view(conn.participant, data.get("draft_id"))

    @on("poll:open")
    def poll_open(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        a = _actions()
        poll = a.open_poll(
            conn.participant,
            data.get("draft_id"),
            data.get("subject_type"),
            data.get("subject_id"),
            data.get("rule"),
            data.get("kind"),
            data.get("seconds"),
        )
        return {"poll": a.poll_view(poll)}

    @on("poll:vote")
    def poll_vote(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return _actions().vote(
            conn.participant, data.get("poll_id"), data.get("choice"), data.get("receipt")
        )

    @on("poll:close")
    def poll_close(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        a = _actions()
        poll = a.close_poll(conn.participant, data.get("poll_id"))
        return {"poll": a.poll_view(poll)}

    @on("record:get")
    def record_get(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        a = _actions()
        fmt = data.get("format", "md")
        if fmt == "json":
            return {"record": a.record(conn.participant, data.get("draft_id"))}
        if fmt != "md":
            raise Invalid("The record comes as 'md' or 'json'.")
        return {"record": a.record_markdown(conn.participant, data.get("draft_id"))}

    @on("history")
    def history(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
        return {"versions": _actions().history(conn.participant, data.get("clause_id"))}
