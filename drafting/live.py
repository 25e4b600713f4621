"""Fan-out: events, once committed, become Socket.IO messages to the rooms that should see them.

Each event class (`events.py`) says which message it becomes and where it goes; this module
sends: in order, from one thread, edits of a busy room batched, announcements that come in
storms coalesced. Rooms: `draft:ID` for everyone in a draft, `conference:ID` for a
conference's pages. With a message queue configured (Redis), emits reach the clients of every
server process. The messages and their payloads are listed in docs/protocol.md.
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

from . import views
from .events import Event, conference_room, draft_room
from .store import Store

log = logging.getLogger(__name__)

Rooms = str | tuple[str, ...]  # a room, or several (each client gets the message once)


class Live:
    def __init__(self, socketio: SocketIO, store: Store) -> None:
        self.socketio = socketio
        self.store = store
        self._local = threading.local()
        self._due: set[Hashable] = set()
        self._outbox: queue.SimpleQueue[tuple[str, Any, Rooms, str | None]] = queue.SimpleQueue()
        self._sender: threading.Thread | None = None
        self._sender_lock = threading.Lock()
        self._votes_announced: dict[int, dict[int, Any]] = {}
        self._due_lock = threading.Lock()
        # several processes (a message queue): each clause's edit messages follow on from
        # this process's last one, with the versions others committed in between
        self.shared = False
        self._sent_versions: dict[int, int] = {}  # clause -> last version sent (sender only)
        self.processes = 1  # serving the file, as presence's beats count them

    @contextmanager
    def origin(self, sid: str | None) -> Iterator[None]:
        """Within this block, the connection that caused the events is not sent its own echo."""
        self._local.sid = sid
        try:
            yield
        finally:
            self._local.sid = None

    def current_origin(self) -> str | None:
        """The connection this thread works for (`origin`), to publish for it elsewhere."""
        return getattr(self._local, "sid", None)

    def publish_from(self, origin: object, events: list[Event]) -> None:
        """`publish`, from another thread on behalf of the connection `origin` (the group
        committer's, for an edit it committed: its author is not sent the echo)."""
        with self.origin(origin if isinstance(origin, str) else None):
            self.publish(events)

    def emit(self, event: str, payload: Any, room: Rooms, skip_origin: bool = False) -> None:
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
    EDIT_GAP_MAX = 0.05  # ... and in a crowded room up to this
    SENDS_PER_S = 5000  # the gap widens so that a room's edit messages stay near this rate

    def edit_gap(self, room: str) -> float:
        """The batching window for a room: 20 ms, wider in a crowded room.

        Writing one message to one socket costs the server tens of microseconds, whatever the
        message holds, so a room's edit messages cost gap⁻¹ × recipients a second. 50 people
        at 20 ms are 2,500 writes a second; 160 would be 8,000, and 400 20,000, and the
        server's one core would go to writing. Past 100 recipients the gap grows with the room
        (32 ms for 160, 50 ms from 250 on): more edits travel in each message, every screen
        gets fewer of them, and a keystroke waits at most 50 ms for its batch.

        With P processes (`processes`), each batches its own edits and every process writes
        every batch to its share of the room (about n / P): the room counts as its share
        times P, and the gap may grow to P × 50 ms, so that a crowded room's writes per
        process fall with P instead of staying where one process had them.
        """
        try:
            n = len(self.socketio.server.manager.rooms["/"].get(room, ()))
        except (AttributeError, KeyError, TypeError):
            return self.EDIT_GAP
        p = self.processes
        return min(self.EDIT_GAP_MAX * p, max(self.EDIT_GAP, n * p / self.SENDS_PER_S))

    def _send_loop(self) -> None:
        """Send the outbox in order. Edits of a busy room travel together.

        The first `clause:edited` for a room leaves at once. One that comes within `EDIT_GAP`
        of the room's last edit message waits until the gap is over, gathering the edits that
        arrive meanwhile, and they leave as one `clauses:edited`. Eighty authors typing into
        one clause make 200 edits a second: sent one by one that is 16,000 messages a second
        for the server to write and for every delegate's laptop to read; batched, about 50 a
        second per recipient, each at most 20 ms late. A crowded room's gap is wider
        (`edit_gap`). Any other message for the room first sends the edits waiting for it, so
        the order in which the room sees things holds.
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
                if event == "clause:edited" and isinstance(room, str):
                    if room in waiting:
                        waiting[room].append((payload, skip))
                    elif now - last.get(room, -1e9) >= (gap := self.edit_gap(room)):
                        last[room] = now
                        self._send_edits(room, [(payload, skip)])
                    else:
                        waiting[room] = [(payload, skip)]
                        due[room] = last[room] + gap
                else:
                    # a message to several rooms at once (a tuple: each client gets it once)
                    for r in room if isinstance(room, tuple) else (room,):
                        if r in waiting:
                            self._send_edits(r, waiting.pop(r))
                            del due[r]
                    self._send(event, payload, room, skip)
            for r in [r for r, t in due.items() if t <= now]:
                last[r] = now
                self._send_edits(r, waiting.pop(r))
                del due[r]
            if len(last) > 1000:  # forget rooms that have been quiet
                last = {r: t for r, t in last.items() if now - t < self.EDIT_GAP_MAX}

    def _send_edits(self, room: str, edits: list[tuple[Any, str | None]]) -> None:
        if self.shared:
            edits = self._follow_on(edits)
        if len(edits) == 1:
            self._send("clause:edited", edits[0][0], room, edits[0][1])
            return
        # one message for everyone: an author may find its own edit in it (a client ignores
        # versions it already has), which costs less than a message per recipient
        skips = {skip for _p, skip in edits}
        skip = skips.pop() if len(skips) == 1 else None
        payload = {"draft_id": edits[0][0]["draft_id"], "edits": [p for p, _s in edits]}
        self._send("clauses:edited", payload, room, skip)

    FIRST_RUN = 16  # versions

    def _follow_on(self, edits: list[tuple[Any, str | None]]) -> list[tuple[Any, str | None]]:
        """With several processes, the versions of a clause reach a client from each, each
        process's messages in order but the processes' interleaved as the queue has them: a
        client would see gaps (version 12 from one process before 11 from the other) and
        ask for the clause again, thousands of times a minute with 80 authors in one clause.
        So each process's messages of a clause follow on from its last one: the versions the
        others committed in between are read from the store and sent too (a client ignores
        those it has). The store holds them: they came before one of ours."""
        out: list[tuple[Any, str | None]] = []
        for payload, skip in edits:
            cid, version = payload["clause_id"], payload["version"]
            # the first message of a clause from this process: the few versions before it
            # too, which another process may not have sent yet (a batch holds at most 50 ms)
            sent = self._sent_versions.get(cid, max(0, version - 1 - self.FIRST_RUN))
            if sent < version - 1:
                try:
                    between = self.store.versions_between(cid, sent, version - 1)
                except Exception:  # the client asks for the clause instead
                    log.warning("could not read versions of clause %s", cid, exc_info=True)
                    between = []
                out.extend(({**p, "draft_id": payload["draft_id"]}, None) for p in between)
            self._sent_versions[cid] = max(sent, version)
            out.append((payload, skip))
        if len(self._sent_versions) > 10_000:  # forget clauses long quiet, now and then
            self._sent_versions.clear()
        return out

    def _send(self, event: str, payload: Any, room: Rooms, skip: str | None) -> None:
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

    def tally_soon(self, poll_id: int, draft_id: int) -> None:
        """Coalesce ballot announcements: 193 delegations voting at once make ~10 messages."""

        def flush() -> None:
            view = views.tally_view(self.store, self.store.poll(poll_id))
            if view is None:  # closed meanwhile
                return
            payload = {"draft_id": draft_id, "poll_id": poll_id, "cast": view["cast"]}
            payload.update({k: view[k] for k in ("present", "quorum", "quorate")})
            if "tally" in view:
                # recorded polls: counts, and only the ballots cast or changed since the last
                # message (193 names to 193 screens ten times a second would flood the Wi-Fi)
                votes = {v["member_id"]: v for v in view["tally"]["votes"]}
                with self._due_lock:
                    before = self._votes_announced.get(poll_id, {})
                    self._votes_announced[poll_id] = votes
                changed = [v for pid, v in votes.items() if before.get(pid) != v]
                removed = sorted(set(before) - set(votes))  # an objection withdrawn
                payload["tally"] = {**view["tally"], "votes": changed, "removed": removed}
            self.emit("poll:tally", payload, draft_room(draft_id))

        self.soon(("tally", poll_id), self.TALLY_EVERY, flush)

    def publish(self, events: list[Event]) -> None:
        """Send what a committed transaction's events become (each event says what)."""
        batch = Batch(self)
        for e in events:
            e.broadcast(batch)
        batch.finish()


class Batch:
    """The fan-out of one transaction's events (`events.Fanout`): the outline is sent once
    per draft however many clauses moved, and each amendment's view once, after the rest."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self._outlines: set[int] = set()
        self._amendments: dict[int, str] = {}

    def send(self, message: str, payload: Any, room: Rooms, *, skip_origin: bool = False) -> None:
        self.live.emit(message, payload, room, skip_origin=skip_origin)

    def outline(self, draft_id: int) -> None:
        if draft_id in self._outlines:
            return
        self._outlines.add(draft_id)
        clauses = views.outline_view(self.live.store, draft_id)
        self.send("draft:outline", {"draft_id": draft_id, "clauses": clauses}, draft_room(draft_id))

    def amendment(self, amendment_id: int, what: str) -> None:
        self._amendments[amendment_id] = what

    def poll(self, message: str, poll_id: int, draft_id: int) -> None:
        """To the draft's room and the conference's: a vote opened in one draft is announced
        on every page of the conference (each page gets it once, in both rooms or one)."""
        store = self.live.store
        view = views.poll_view(store, store.poll(poll_id))
        rooms = (draft_room(draft_id), conference_room(store.draft(draft_id).conference_id))
        self.send(message, {"draft_id": draft_id, "poll": view}, rooms)

    def tally(self, poll_id: int, draft_id: int) -> None:
        self.live.tally_soon(poll_id, draft_id)

    def motion(self, motion_id: int) -> None:
        view = views.motion_view(self.live.store, self.live.store.motion(motion_id))
        self.send(
            "motion:changed",
            {"draft_id": view["draft_id"], "motion": view},
            draft_room(view["draft_id"]),
        )

    def quorum(self, conference_id: int) -> None:
        for p in self.live.store.open_polls(conference_id):
            self.live.tally_soon(p.id, p.draft_id)

    def finish(self) -> None:
        store = self.live.store
        for amendment_id, what in self._amendments.items():
            view = views.amendment_view(store, store.amendment(amendment_id))
            payload = {"draft_id": view["draft_id"], "amendment": view, "event": what}
            self.send("amendment:changed", payload, draft_room(view["draft_id"]))
