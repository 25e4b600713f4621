"""Socket.IO doors: authenticate at connect, then one handler per client event.

Handlers are grouped by concern (`drafts`, `edits`, `procedure`, `floor`), each module with a table
`HANDLERS` of event name -> function(connection, payload); `register` puts every one behind
the same door (`door.py`: connection lookup, rate limit, payload check, errors as acks).
Presence is in `presence.py`. docs/protocol.md lists every event.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from flask import Flask, request, session
from flask_socketio import ConnectionRefusedError, SocketIO

from ..actions import hash_token
from ..errors import DraftingError
from . import drafts, edits, floor, procedure
from .door import Handler, RawJson, actions, door, presence, sid, side_door

HANDLERS: dict[str, Handler] = {
    **drafts.HANDLERS,
    **edits.HANDLERS,
    **procedure.HANDLERS,
    **floor.HANDLERS,
}
# The hot events that need no Flask request: registered on python-socketio directly
SIDE_DOOR = ("edit",)

# Every client event registered, by name; tests check docs/protocol.md names them all.
HANDLED: dict[str, Callable[..., Any]] = {}


def connect(auth: Any = None) -> bool:
    """Who this connection is: the token given at connect, or the browser's session."""
    token = auth.get("token") if isinstance(auth, dict) else None
    a = actions()
    try:
        if token:
            p = a.authenticate(token)
            th = hash_token(token)
        else:
            pid, cookie_th = session.get("pid"), session.get("th")
            found = (
                a.store.participant_by_token_hash(cookie_th) if isinstance(cookie_th, str) else None
            )
            if found is None or found.id != pid:
                raise DraftingError("Sign in with your invite link first.")
            p, th = found, str(cookie_th)
    except DraftingError as e:
        raise ConnectionRefusedError(e.message) from None
    refused = presence().connected(sid(), p, th, request.remote_addr or "")
    if refused:
        raise ConnectionRefusedError(refused)
    return True


def disconnect(*args: Any) -> None:
    presence().disconnected(sid())


UNREADABLE = "unreadable packet"  # what an event is called whose packet held no JSON


class PacketJson:
    """The JSON python-socketio reads and writes packets with.

    Read: a packet that is not JSON, or nests without end (the standard library recurses and
    fails), becomes the event UNREADABLE, so its sender is answered (`invalid`) like any
    other bad input instead of getting silence. Written: a `RawJson` goes in as it is."""

    @staticmethod
    def dumps(obj: Any, *args: Any, **kwargs: Any) -> str:
        raws: list[str] = []
        mark = secrets.token_hex(8)  # no text a delegate typed can look like it

        def default(o: Any) -> Any:
            if isinstance(o, RawJson):
                raws.append(o.text)
                return f"{mark}:{len(raws) - 1}"
            raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")

        text = json.dumps(obj, *args, default=default, **kwargs)
        for i, raw in enumerate(raws):
            text = text.replace(f'"{mark}:{i}"', raw, 1)
        return text

    @staticmethod
    def loads(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
        try:
            return json.loads(text, *args, **kwargs)
        except (ValueError, RecursionError):
            return [UNREADABLE]


def unknown_event(event: str, *args: Any) -> dict[str, Any]:
    """Every event gets an answer: one no handler knows is refused, and says which."""
    if event == UNREADABLE:
        message = "The message could not be read (not JSON, or nested too deep): nothing was done."
    else:
        message = f"Unknown event {event[:60]!r}: see docs/protocol.md for the events there are."
    return {"error": {"code": "invalid", "message": message}}


def register(socketio: SocketIO) -> None:
    socketio.on("connect")(connect)
    socketio.on("disconnect")(disconnect)
    socketio.on("*")(unknown_event)
    for name, fn in HANDLERS.items():
        handler = door(name, fn)
        HANDLED[name] = handler
        socketio.on_event(name, handler)


def register_side_doors(socketio: SocketIO, app: Flask) -> None:
    """After `init_app`: the `SIDE_DOOR` events skip Flask-SocketIO's request context."""
    for name in SIDE_DOOR:
        socketio.server.on(name, side_door(app, name, HANDLERS[name]), namespace="/")
