"""Fan-out: journal events become Socket.IO messages to the rooms that should see them.

Rooms: `draft:ID` for everyone in a draft, `conference:ID` for a conference's pages. With a
message queue configured (Redis), emits reach the clients of every server process. The
messages and their payloads are listed in docs/protocol.md.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask_socketio import SocketIO

from .events import Event


def draft_room(draft_id: int) -> str:
    return f"draft:{draft_id}"


def conference_room(conference_id: int) -> str:
    return f"conference:{conference_id}"


# journal event type -> message name, for events whose payload is the event's own data
PLAIN = {
    "draft.mode": "draft:mode",
    "draft.sponsors": "draft:sponsors",
    "participant.added": "participant:added",
    "participant.present": "participant:present",
    "conference.updated": "conference:updated",
}
STRUCTURE = {"clause.added", "clause.moved", "clause.deleted", "draft.created"}


class Live:
    def __init__(self, socketio: SocketIO) -> None:
        self.socketio = socketio
        self._local = threading.local()
        # set by the app: the numbered outline of a draft, sent when its structure changes
        self.outline: Callable[[int], Any] = lambda draft_id: None
        self.extra: list[Callable[[Event], None]] = []

    @contextmanager
    def origin(self, sid: str | None) -> Iterator[None]:
        """Within this block, the connection that caused the events is not sent its own echo."""
        self._local.sid = sid
        try:
            yield
        finally:
            self._local.sid = None

    def emit(self, event: str, payload: Any, room: str, skip_origin: bool = False) -> None:
        skip = getattr(self._local, "sid", None) if skip_origin else None
        self.socketio.emit(event, payload, to=room, skip_sid=skip)

    def publish(self, events: list[Event]) -> None:
        structure_done: set[int] = set()
        for e in events:
            if e.type == "clause.edited" and e.draft_id is not None:
                self.emit(
                    "clause:edited",
                    {
                        "draft_id": e.draft_id,
                        "clause_id": e.clause_id,
                        "version": e.data["version"],
                        "base_version": e.data["version"] - 1,
                        "delta": e.data["delta"],
                        "author_id": e.actor_id,
                        "reason": e.data.get("reason", "edit"),
                    },
                    draft_room(e.draft_id),
                    skip_origin=e.data.get("reason") == "edit",
                )
            elif e.type in STRUCTURE and e.draft_id is not None:
                if e.draft_id not in structure_done:
                    structure_done.add(e.draft_id)
                    self.emit(
                        "draft:outline",
                        {"draft_id": e.draft_id, "clauses": self.outline(e.draft_id)},
                        draft_room(e.draft_id),
                    )
            elif e.type in PLAIN:
                payload = {"draft_id": e.draft_id, **e.data}
                room = (
                    draft_room(e.draft_id)
                    if e.draft_id is not None
                    else conference_room(e.conference_id)
                )
                self.emit(PLAIN[e.type], payload, room)
                if e.type == "draft.mode":
                    self.emit(PLAIN[e.type], payload, conference_room(e.conference_id))
            for hook in self.extra:
                hook(e)
