"""Fan-out: journal events become Socket.IO messages to the rooms that should see them.

Rooms: `draft:ID` for everyone in a draft, `conference:ID` for a conference's pages. With a
message queue configured (Redis), emits reach the clients of every server process. The
messages and their payloads are listed in docs/protocol.md.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

from flask_socketio import SocketIO

from .events import Event

log = logging.getLogger(__name__)


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
        self.amendment: Callable[[int], Any] = lambda amendment_id: None
        self.poll: Callable[[int], Any] = lambda poll_id: None
        self._due: set[Hashable] = set()
        self._outbox: queue.SimpleQueue[tuple[str, Any, str, str | None]] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._sender_lock = threading.Lock()
        self._votes_announced: dict[int, dict[int, Any]] = {}
        self._due_lock = threading.Lock()

    @contextmanager
    def origin(self, sid: str | None) -> Iterator[None]:
        """Within this block, the connection that caused the events is not sent its own echo."""
        self._local.sid = sid
        try:
            yield
        finally:
            self._local.sid = None

    def emit(self, event: str, payload: Any, room: str, skip_origin: bool = False) -> None:
        """Queue a message for the room; one sender thread sends them all, in order.

        Actions queue their broadcasts while they still hold the clause's lock, so messages
        leave in version order, but the fan-out (tens of microseconds per recipient) does not
        hold up the next edit of the clause or the author's acknowledgement.
        """
        skip = getattr(self._local, "sid", None) if skip_origin else None
        with self._sender_lock:
            if self._sender is None or not self._sender.is_alive():
                self._sender = threading.Thread(target=self._send_loop, daemon=True)
                self._sender.start()
        self._outbox.put((event, payload, room, skip))

    EDIT_GAP = 0.02  # seconds: at most one edit message per room this often; the rest batch

    def _send_loop(self) -> None:
        """Send the outbox in order. Edits of a busy room travel together.

        The first `clause:edited` for a room leaves at once. One that comes within `EDIT_GAP`
        of the room's last edit message waits until the gap is over, gathering the edits that
        arrive meanwhile, and they leave as one `clauses:edited`. Eighty authors typing into
        one clause make 200 edits a second: sent one by one that is 16,000 messages a second
        for the server to write and for every delegate's laptop to read; batched, about 50 a
        second per recipient, each at most 20 ms late. Any other message for the room first
        sends the edits waiting for it, so the order in which the room sees things holds.
        """
        waiting: dict[str, list[tuple[Any, str | None]]] = {}
        due: dict[str, float] = {}
        last: dict[str, float] = {}
        while True:
            now = time.monotonic()
            timeout = max(0.0, min(due.values()) - now) if due else None
            try:
                item = self._outbox.get(timeout=timeout)
            except queue.Empty:
                item = None
            now = time.monotonic()
            if item is not None:
                event, payload, room, skip = item
                if event == "clause:edited":
                    if room in waiting:
                        waiting[room].append((payload, skip))
                    elif now - last.get(room, -1e9) >= self.EDIT_GAP:
                        last[room] = now
                        self._send(event, payload, room, skip)
                    else:
                        waiting[room] = [(payload, skip)]
                        due[room] = last[room] + self.EDIT_GAP
                else:
                    if room in waiting:
                        self._send_edits(room, waiting.pop(room))
                        del due[room]
                    self._send(event, payload, room, skip)
            for room in [r for r, t in due.items() if t <= now]:
                last[room] = now
                self._send_edits(room, waiting.pop(room))
                del due[room]
            if len(last) > 1000:  # forget rooms that have been quiet
                last = {r: t for r, t in last.items() if now - t < self.EDIT_GAP}

    def _send_edits(self, room: str, edits: list[tuple[Any, str | None]]) -> None:
        if len(edits) == 1:
            self._send("clause:edited", edits[0][0], room, edits[0][1])
            return
        # one message for everyone: an author may find its own edit in it (a client ignores
        # versions it already has), which costs less than a message per recipient
        skips = {skip for _p, skip in edits}
        skip = skips.pop() if len(skips) == 1 else None
        payload = {"draft_id": edits[0][0]["draft_id"], "edits": [p for p, _s in edits]}
        self._send("clauses:edited", payload, room, skip)

    def _send(self, event: str, payload: Any, room: str, skip: str | None) -> None:
        try:
            self.socketio.emit(event, payload, to=room, skip_sid=skip)
        except Exception:  # one bad message must not stop the others
            log.exception("could not send %s to %s", event, room)

    TALLY_EVERY = 0.1  # seconds: ballots arriving together are announced together

    def soon(self, key: Hashable, delay: float, fn: Callable[[], None]) -> None:
        """Run fn once after `delay`, however often it is asked for meanwhile.

        Announcements that come in storms (193 delegations voting or joining at once) go out
        as a few messages; and they leave from a thread of their own, never from inside the
        handler of a connection that is closing.
        """
        with self._due_lock:
            if key in self._due:
                return
            self._due.add(key)

        def run() -> None:
            with self._due_lock:
                self._due.discard(key)
            try:
                fn()
            except Exception:  # a timer thread has no one to report to but the log
                log.exception("deferred announcement %s failed", key)

        timer = threading.Timer(delay, run)
        timer.daemon = True
        timer.start()

    def _tally_soon(self, poll_id: int, draft_id: int) -> None:
        """Coalesce ballot announcements: 193 delegations voting at once make ~10 messages."""

        def flush() -> None:
            view = self.poll(poll_id)
            if view is None or view["state"] != "open":
                return
            payload = {"draft_id": draft_id, "poll_id": poll_id, "cast": view["cast"]}
            if "tally" in view:
                # recorded polls: counts, and only the ballots cast or changed since the last
                # message (193 names to 193 screens ten times a second would flood the Wi-Fi)
                votes = {v["participant_id"]: v for v in view["tally"]["votes"]}
                with self._due_lock:
                    before = self._votes_announced.get(poll_id, {})
                    self._votes_announced[poll_id] = votes
                changed = [v for pid, v in votes.items() if before.get(pid) != v]
                payload["tally"] = {**view["tally"], "votes": changed}
            self.emit("poll:tally", payload, draft_room(draft_id))

        self.soon(("tally", poll_id), self.TALLY_EVERY, flush)

    def publish(self, events: list[Event]) -> None:
        structure_done: set[int] = set()
        amendments: dict[int, str] = {}
        for e in events:
            if e.type.startswith("amendment.") and e.draft_id is not None:
                amendments[e.data["amendment_id"]] = e.type.split(".", 1)[1]
                continue
            if e.type == "poll.ballot" and e.draft_id is not None:
                self._tally_soon(e.data["poll_id"], e.draft_id)
                continue
            if e.type in ("poll.opened", "poll.closed") and e.draft_id is not None:
                self.emit(
                    "poll:" + e.type.split(".", 1)[1],
                    {"draft_id": e.draft_id, "poll": self.poll(e.data["poll_id"])},
                    draft_room(e.draft_id),
                )
                continue
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
                if e.type == "draft.created":
                    self.emit(
                        "draft:created",
                        {"draft_id": e.draft_id, "title": e.data["title"]},
                        conference_room(e.conference_id),
                    )
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
        for amendment_id, what in amendments.items():
            view = self.amendment(amendment_id)
            if view is not None:
                self.emit(
                    "amendment:changed",
                    {"draft_id": view["draft_id"], "amendment": view, "event": what},
                    draft_room(view["draft_id"]),
                )
