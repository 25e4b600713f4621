"""The door every client event goes through: who is asking, rate limit, payload, errors.

Every client event is acknowledged: `{"ok": true, ...}` or `{"error": {"code", "message"}}`.
Flask's before_request does not run for socket events, so authentication happens at connect
and every event looks its connection up here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from flask import Flask, current_app, request

from .. import requests
from ..actions import Actions, Behind
from ..errors import DraftingError
from ..live import Live
from .presence import Connection, Presence

log = logging.getLogger(__name__)

Handler = Callable[[Connection, dict[str, Any]], dict[str, Any]]


def actions() -> Actions:
    return cast(Actions, current_app.extensions["drafting"]["actions"])


def live() -> Live:
    return cast(Live, current_app.extensions["drafting"]["live"])


def presence() -> Presence:
    return cast(Presence, current_app.extensions["drafting"]["presence"])


def sid() -> str:
    return cast(str, request.sid)  # type: ignore[attr-defined]


def error(e: DraftingError) -> dict[str, Any]:
    out: dict[str, Any] = {"error": {"code": e.code, "message": e.message}}
    if isinstance(e, Behind):
        out["clause"] = {"id": e.clause_id, "version": e.version, "text": e.text}
    return out


NOT_SIGNED_IN = {"error": {"code": "unauthorized", "message": "Not signed in."}}
LINK_REISSUED = {
    "error": {
        "code": "unauthorized",
        "message": "Your invite link was replaced by a new one: this connection is closed. "
        "Open the new link from the secretariat.",
    }
}
RATE_LIMITED = {
    "error": {
        "code": "rate_limited",
        "message": "Too many messages at once: this one was not applied. Slow down and send it "
        "again.",
    }
}
SERVER_ERROR = {
    "error": {
        "code": "server_error",
        "message": "The server could not do that; nothing was changed.",
    }
}


class RawJson:
    """A value already encoded as JSON (a large draft, encoded once for every join): put
    into a reply as it is (`PacketJson.dumps`)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def door(name: str, fn: Handler) -> Callable[..., Any]:
    """The Socket.IO handler for client event `name`, around `fn(connection, payload)`."""

    def handler(data: Any = None) -> Any:
        return enter(name, fn, sid(), data)

    handler.__name__ = f"on_{name.replace(':', '_')}"
    return handler


def side_door(app: Flask, name: str, fn: Handler) -> Callable[..., Any]:
    """The same door for python-socketio directly, for events that need no Flask request.

    Flask-SocketIO runs every event inside a Flask request context: it matches the Socket.IO
    URL against the app's routes (and fails, raising werkzeug's NotFound) and opens the
    session cookie, about a tenth of the server's time when 160 delegates type. `edit` needs
    only the app (its actions and fan-out) and the connection's id, which python-socketio
    passes; events that join rooms (`flask_socketio.join_room` reads the request) keep the
    main door.
    """

    def handler(me: str, data: Any = None) -> Any:
        with app.app_context():
            return enter(name, fn, me, data)

    handler.__name__ = f"on_{name.replace(':', '_')}"
    return handler


def cut_off(me: str) -> None:
    """Disconnect a connection whose invite link was reissued."""
    server = current_app.extensions["socketio"].server
    server.disconnect(me)


def sweep_revoked() -> int:
    """Disconnect every connection of this process whose invite link was reissued since it
    signed in, even one that only reads; and every one that stopped reading, with more than
    `MAX_UNREAD` messages waiting for it. The served process runs it every second."""
    gone = presence().revoked()
    for me in gone:
        cut_off(me)
    return len(gone) + _drop_overfull()


def _drop_overfull() -> int:
    """A reader too slow is disconnected, not buffered without end: one socket that never
    read while asking for a large draft 45 times a second grew the server by 315 MB in 8 s
    (issue 12). A WebSocket that stops reading stops being read too (its output blocks), but
    a long-polling client that never polls has its messages queued until the ping timeout
    (30 s). Its client reconnects and loads the draft afresh when it reads again."""
    server = current_app.extensions["socketio"].server
    limit = int(current_app.config.get("MAX_UNREAD") or 0)
    dropped = 0
    for me in presence().sids():
        eio_sid = server.manager.eio_sid_from_sid(me, "/")
        sock = server.eio.sockets.get(eio_sid) if eio_sid else None
        if sock is None or limit <= 0 or sock.queue.qsize() <= limit:
            continue
        log.warning("closing connection %s: %d messages unread", me, sock.queue.qsize())
        # abort: a close that waited for the queue to drain would wait for ever
        sock.close(wait=False, abort=True)
        while not sock.queue.empty():  # the messages it will never read: their memory back
            sock.queue.get_nowait()
            sock.queue.task_done()
        dropped += 1
    return dropped


def enter(name: str, fn: Handler, me: str, data: Any) -> Any:
    """Who is asking, rate limit, payload, then `fn`; errors become acknowledgements."""
    conn = presence().connection(me)
    if conn is None:
        return NOT_SIGNED_IN
    if not conn.allow():
        return RATE_LIMITED
    if not presence().still_valid(conn):
        # refused here; the connection itself is closed by the next sweep (within a second),
        # after this answer has reached it
        return LINK_REISSUED
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return {"error": {"code": "invalid", "message": f"'{name}' takes an object."}}
    try:
        requests.check_payload(data)
        with live().origin(me):
            result = fn(conn, data)
        return {"ok": True, **result}
    except DraftingError as e:
        return error(e)
    except Exception:
        log.exception("socket event %s failed", name)
        return SERVER_ERROR
