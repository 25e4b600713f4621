"""A Python client of the live protocol, for tests, benchmarks and bots.

It speaks only what docs/protocol.md documents, over a real Socket.IO connection:

    c = DraftClient("http://127.0.0.1:5000", token)
    c.join(draft_id)
    c.edit(clause_id, "new text")   # returns at once; the change is sent in the background
    c.sync(timeout=10)              # every local edit acknowledged, every remote one applied
    c.text(clause_id); c.close()

The protocol itself (bases, the edit in flight, merging, hold-back, resync, resend after a
reconnect, waiting out a rate limit) is `drafting.clientsync.DocSync`; this is its threaded
shell: a `socketio.Client` (which reconnects by itself), one lock around the machine, a
condition that `sync` and `wait_for` wait on, and timers for the machine's retries.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any

import socketio

from . import textsync
from .clientsync import ClauseState, DocSync, Inflight, Refused, Request, checked, flatten

__all__ = ["ClauseState", "ConferenceClient", "DraftClient", "Inflight", "Refused"]


class _Socket(socketio.Client):
    """python-socketio's client, which a closed `DraftClient` keeps from coming back.

    When the server goes away, python-socketio marks the client disconnected and only then
    starts its retry task: a `close()` in between finds no task to stop, and the task, once
    started, brought the closed client back with the server (seen once in a clean CI run).
    A closed client's retry task ends as it starts."""

    closed = False

    def _handle_reconnect(self) -> None:
        if self.closed:
            self._reconnect_task = None
            return
        super()._handle_reconnect()


class Change:
    """Explicit operations on a clause's text, by position in `text` (as it was when the
    change began): what `DraftClient.change` yields."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ops: list[tuple[int, int, str]] = []  # (start, end, inserted), on `text`

    def insert(self, pos: int, text: str) -> None:
        self.replace(pos, pos, text)

    def delete(self, start: int, end: int) -> None:
        self.replace(start, end, "")

    def replace(self, start: int, end: int, text: str) -> None:
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(
                f"{start}:{end} is not within the clause's {len(self.text)} characters"
            )
        for s, e, _ in self.ops:
            if start < e and s < end or (start == end == s == e):
                raise ValueError("two operations of one change touch the same text")
        self.ops.append((start, end, text))

    def delta(self) -> str:
        """The operations as one delta on `text` (UTF-16 counts, as the protocol wants)."""
        parts, pos = [], 0
        for start, end, new in sorted(self.ops):
            if start > pos:
                parts.append(f"={textsync.units(self.text[pos:start])}")
            if end > start:
                parts.append(f"-{textsync.units(self.text[start:end])}")
            if new:
                parts.append(textsync.format_ops([new]))
            pos = end
        if pos < len(self.text):
            parts.append(f"={textsync.units(self.text[pos:])}")
        return "\t".join(parts)


class DraftClient:
    def __init__(self, url: str, token: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout
        self.draft_id: int | None = None
        self.status: str | None = None
        self.me: dict[str, Any] | None = None
        self.presence: list[dict[str, Any]] = []
        self.received: list[tuple[str, Any]] = []
        self.acks: list[tuple[int, int, str]] = []  # (clause, version, text) as acknowledged
        self.polls: dict[int, dict[str, Any]] = {}  # what this client was told of each poll
        self.amendment_views: dict[int, dict[str, Any]] = {}
        self._receipts: dict[int, str] = {}
        self.disconnects = 0
        self._doc = DocSync(self._send, schedule=self._schedule, on_ack=self._acked)
        self.errors: list[dict[str, Any]] = self._doc.errors  # refused edits, failed rejoins
        self._states = self._doc.states
        self._outline: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._connected = threading.Event()
        self._closing = False
        self.sio = _Socket(
            reconnection=True,
            reconnection_delay=0.2,
            reconnection_delay_max=2,
            randomization_factor=0.2,
        )
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("clause:edited", self._on_edited)
        self.sio.on("clauses:edited", self._on_edits)
        self.sio.on("draft:outline", self._on_outline)
        self.sio.on("draft:mode", self._on_mode)
        self.sio.on("presence", self._on_presence)
        self.sio.on("poll:opened", self._on_poll)
        self.sio.on("poll:closed", self._on_poll)
        self.sio.on("poll:suspended", self._on_poll)
        self.sio.on("poll:tally", self._on_tally)
        self.sio.on("amendment:changed", self._on_amendment)
        self.sio.on("*", self._on_any)
        self._refusal: str | None = None
        self.sio.on("connect_error", self._on_connect_error)
        try:
            self.sio.connect(
                url,
                auth={"token": token},
                transports=["websocket"],
                wait_timeout=timeout,
                retry=False,
            )
        except socketio.exceptions.ConnectionError as e:
            raise Refused(self._refusal or str(e), "connect") from None

    # --- requests ---------------------------------------------------------------------------

    def call(self, event: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one event and wait for its acknowledgement; raise Refused on an error."""
        try:
            reply = checked(event, self.sio.call(event, data or {}, timeout=self.timeout))
        except socketio.exceptions.TimeoutError:
            raise Refused(f"No answer to {event} within {self.timeout} s", "timeout") from None
        if isinstance(reply.get("outline"), list):  # a structure change: act on it at once
            with self._lock:
                self._set_outline(reply["outline"])
        return reply

    def join(self, draft_id: int) -> None:
        reply = self.call("join", {"draft_id": draft_id})
        with self._lock:
            self.draft_id = draft_id
            self._load(reply)

    # --- procedure ------------------------------------------------------------------------

    def set_mode(self, draft_id: int, mode: str) -> dict[str, Any]:
        return self.call("mode:set", {"draft_id": draft_id, "mode": mode})["draft"]

    def propose(
        self,
        clause_id: int,
        new_text: str,
        reason: str = "",
        *,
        kind: str = "replace",
        target_amendment_id: int | None = None,
        new_kind: str | None = None,
    ) -> int:
        """Propose an amendment; returns its id."""
        payload: dict[str, Any] = {
            "clause_id": clause_id,
            "kind": kind,
            "new_text": new_text,
            "reason": reason,
        }
        if target_amendment_id is not None:
            payload["target_amendment_id"] = target_amendment_id
        if new_kind is not None:
            payload["new_kind"] = new_kind
        return int(self.call("amendment:propose", payload)["amendment"]["id"])

    def accept(self, amendment_id: int) -> dict[str, Any]:
        return self.call("amendment:accept", {"amendment_id": amendment_id})["amendment"]

    def refuse(self, amendment_id: int) -> dict[str, Any]:
        return self.call("amendment:refuse", {"amendment_id": amendment_id})["amendment"]

    def withdraw(self, amendment_id: int) -> dict[str, Any]:
        return self.call("amendment:withdraw", {"amendment_id": amendment_id})["amendment"]

    def amendments(self, draft_id: int | None = None) -> dict[str, Any]:
        return self.call("amendments:list", {"draft_id": draft_id or self.draft_id})

    def open_poll(
        self,
        subject: tuple[str, int],
        rule: str = "simple",
        kind: str = "recorded",
        seconds: int | None = None,
    ) -> int:
        """Open a vote on ("amendment", id), ("clause", id) or ("draft", id); returns its id."""
        payload: dict[str, Any] = {
            "draft_id": self.draft_id,
            "subject_type": subject[0],
            "subject_id": subject[1],
            "rule": rule,
            "kind": kind,
        }
        if subject[0] == "draft":
            payload["draft_id"] = subject[1]
        if seconds is not None:
            payload["seconds"] = seconds
        return int(self.call("poll:open", payload)["poll"]["id"])

    def vote(self, poll_id: int, choice: str) -> dict[str, Any]:
        """Cast or change a ballot (in secret polls the receipt is kept for changes)."""
        payload: dict[str, Any] = {"poll_id": poll_id, "choice": choice}
        receipt = self._receipts.get(poll_id)
        if receipt:
            payload["receipt"] = receipt
        reply = self.call("poll:vote", payload)
        if "receipt" in reply:
            self._receipts[poll_id] = reply["receipt"]
        return reply

    def close_poll(self, poll_id: int) -> dict[str, Any]:
        """Close a vote; returns its result: outcome, yes, no, abstain, required, rule..."""
        return dict(self.call("poll:close", {"poll_id": poll_id})["poll"]["result"])

    def suspend_poll(self, poll_id: int) -> dict[str, Any]:
        """End a vote without a decision (its quorum lost); returns the poll."""
        return dict(self.call("poll:suspend", {"poll_id": poll_id})["poll"])

    def raise_objection(self, poll_id: int) -> dict[str, Any]:
        """Raise an objection to a consensus: there is then no consensus."""
        return self.call("poll:object", {"poll_id": poll_id})

    def withdraw_objection(self, poll_id: int) -> dict[str, Any]:
        return self.call("poll:withdraw_objection", {"poll_id": poll_id})

    def move(self, kind: str, subject: tuple[str, int]) -> dict[str, Any]:
        """Ask for a "recorded_vote", a "division" or a "secret_ballot" on ("amendment", id),
        ("clause", id) or ("draft", id); returns the motion (granted at once where the rules
        make it a right)."""
        payload = {
            "draft_id": self.draft_id,
            "kind": kind,
            "subject_type": subject[0],
            "subject_id": subject[1],
        }
        return dict(self.call("motion:raise", payload)["motion"])

    def request_recorded_vote(self, subject: tuple[str, int]) -> dict[str, Any]:
        return self.move("recorded_vote", subject)

    def request_division(self, clause_id: int) -> dict[str, Any]:
        """Ask that this clause (a part of the proposal) be voted on separately."""
        return self.move("division", ("clause", clause_id))

    def withdraw_motion(self, motion_id: int) -> dict[str, Any]:
        return dict(self.call("motion:withdraw", {"motion_id": motion_id})["motion"])

    def rule_on_motion(self, motion_id: int, ruling: str) -> dict[str, Any]:
        """The chair: "grant", "refuse", or "vote" (put it to the vote)."""
        return dict(self.call("motion:rule", {"motion_id": motion_id, "ruling": ruling})["motion"])

    def rule_order(self, clause_id: int, amendment_ids: list[int]) -> list[dict[str, Any]]:
        """The chair's ruling on the order of voting on a clause's amendments; returns the
        queue as it now stands."""
        payload = {"draft_id": self.draft_id, "clause_id": clause_id, "order": amendment_ids}
        return list(self.call("order:rule", payload)["queue"])

    def record(self, draft_id: int | None = None, fmt: str = "md") -> Any:
        return self.call("record:get", {"draft_id": draft_id or self.draft_id, "format": fmt})[
            "record"
        ]

    def history(self, clause_id: int) -> dict[str, Any]:
        """A clause's `versions` and editing `sessions`, oldest first."""
        reply = self.call("history", {"clause_id": clause_id})
        return {"versions": reply["versions"], "sessions": reply["sessions"]}

    def restore(self, clause_id: int, version: int) -> dict[str, Any]:
        """Bring back the text of an earlier version as a new version; returns the clause
        `{id, version, text}` as it now stands. The room (this client too) hears it as an
        edit, merged with whatever is typed meanwhile."""
        payload = {"clause_id": clause_id, "version": version}
        return dict(self.call("clause:restore", payload)["clause"])

    # --- the clause text ------------------------------------------------------------------

    @property
    def clauses(self) -> list[dict[str, Any]]:
        with self._lock:
            out = []
            for c in flatten(self._outline):
                st = self._states.get(c["id"])
                entry = {k: v for k, v in c.items() if k != "children"}
                if st is not None:
                    entry["text"], entry["version"] = st.local, st.base_version
                out.append(entry)
            return out

    def text(self, clause_id: int) -> str:
        with self._lock:
            return self._states[clause_id].local

    def edit(self, clause_id: int, new_text: str, *, seen: str | None = None) -> None:
        """Change a clause locally; the change goes to the server in the background.

        With `seen` (the text the caller read and changed), the caller's change `seen` ->
        `new_text` is applied onto whatever the local text has become meanwhile, so a remote
        edit that arrived in between is kept. Without it, the clause is made exactly
        `new_text` (and such a remote edit is undone)."""
        with self._lock:
            if seen is None:
                self._doc.set_local(clause_id, new_text)
                return
            st = self._states[clause_id]
            mine = textsync.make_delta(seen, new_text)
            if st.local != seen:  # others' words came in since the caller read the text
                arrived = textsync.make_delta(seen, st.local)
                _, mine = textsync.transform(arrived, mine)
            self._doc.change(clause_id, mine)

    @contextmanager
    def change(self, clause_id: int) -> Iterator[Change]:
        """Change a clause by explicit operations, applied together at the end of the block,
        with no remote edit applied in between:

            with client.change(clause_id) as c:
                at = c.text.index("report")
                c.insert(at, "detailed ")
                c.replace(0, 8, "Requests")

        Positions are in `c.text` as it was when the block began (Python characters). Nobody
        else's words are reverted: others' edits that come meanwhile are transformed with it.
        """
        with self._lock:
            c = Change(self._states[clause_id].local)
            yield c
            if c.ops:
                self._doc.change(clause_id, c.delta())

    def sync(self, timeout: float = 10.0) -> None:
        """Return when every local edit is acknowledged and every remote one applied."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                while not (self._connected.is_set() and all(s.idle for s in self._states.values())):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError(self._pending_summary())
                    self._changed.wait(min(left, 0.2))
                    self._doc.tick()
            if self.draft_id is None:
                return
            try:
                server = self.call("draft:get", {"draft_id": self.draft_id})["draft"]
            except Refused:
                if time.monotonic() > deadline:
                    raise
                continue
            behind = []
            with self._lock:
                for c in flatten(server["clauses"]):
                    st = self._states.get(c["id"])
                    if st is None or st.base_version < c["version"]:
                        behind.append(c)
                if not behind and len(self._states) == len(flatten(server["clauses"])):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"clauses behind the server: {[c['id'] for c in behind]}")
                self._changed.wait(0.1)
                for c in behind:
                    st = self._states.get(c["id"])
                    if st is None:
                        self._set_outline(server["clauses"])
                    elif st.idle:
                        self._doc.take(st, c["text"], c["version"])
                self._changed.notify_all()

    def go_offline(self) -> None:
        """Drop the connection but keep everything typed (a laptop leaving the Wi-Fi)."""
        self.sio.disconnect()
        self._connected.clear()

    def go_online(self) -> None:
        """Reconnect; the client re-joins, resends and rebases what was typed offline."""
        if self.sio.connected:
            return
        # python-socketio may be reconnecting by itself (the server went away): stop that
        # first, or it would connect a second time beside this connection
        self.sio.shutdown()
        if self.sio.connected:  # its attempt under way succeeded
            return
        self.sio.connect(
            self.url,
            auth={"token": self.token},
            transports=["websocket"],
            wait_timeout=self.timeout,
        )

    def close(self) -> None:
        """Disconnect for good: also while python-socketio is reconnecting by itself (the
        server away), which a plain disconnect would not stop, and a closed client would come
        back with the server, rejoin and count its delegation present."""
        self._closing = True
        self.sio.closed = True  # a retry task not started yet never tries (`_Socket`)
        self.sio.shutdown()  # ends python-socketio's retries, waiting for one under way ...
        if self.sio.connected:  # ... which may have succeeded meanwhile
            self.sio.disconnect()

    def __enter__(self) -> DraftClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the machine's I/O (called with the lock held) ---------------------------------------

    def _pending_summary(self) -> str:
        pending = [
            (
                s.id,
                "in flight"
                if s.inflight
                else "resyncing"
                if s.resyncing
                else "rate-limited"
                if s.retry_at is not None
                else "unsent",
            )
            for s in self._states.values()
            if not s.idle
        ]
        state = "connected" if self._connected.is_set() else "disconnected"
        return f"not in sync ({state}): {pending}"

    def _load(self, reply: dict[str, Any]) -> None:
        draft = reply["draft"]
        self.status = draft["status"]
        self.me = reply.get("me")
        self.presence = reply.get("presence", [])
        self._outline = draft["clauses"]
        self._doc.joined(draft["clauses"])
        self._changed.notify_all()

    def _set_outline(self, clauses: list[dict[str, Any]]) -> None:
        self._outline = clauses
        self._doc.load(clauses)
        self._changed.notify_all()

    def _send(self, request: Request) -> None:
        try:
            self.sio.emit(request.event, request.payload, callback=partial(self._answer, request))
        except socketio.exceptions.SocketIOError:
            pass  # the disconnect is seen too: the edit is resent after the rejoin

    def _answer(self, request: Request, reply: Any) -> None:
        if request.inflight is not None:
            self._on_ack(request.clause_id, request.inflight, reply)
            return
        with self._lock:
            self._doc.answer(request, reply)
            self._changed.notify_all()

    def _on_ack(self, clause_id: int, inf: Inflight, reply: Any) -> None:
        """An edit's acknowledgement (a subclass may time it: benchmarks/page_load.py)."""
        with self._lock:
            self._doc.edit_answered(clause_id, inf, reply)
            self._changed.notify_all()

    def _acked(self, clause_id: int, inf: Inflight, version: int) -> None:
        self.acks.append((clause_id, version, self._states[clause_id].base_text))

    def _schedule(self, at: float) -> None:
        """The machine waits out a rate limit: wake it when the time has come."""
        timer = threading.Timer(max(0.0, at - self._doc.clock()), self._tick)
        timer.daemon = True
        timer.start()

    def _tick(self) -> None:
        with self._lock:
            self._doc.tick()
            self._changed.notify_all()

    # --- server messages ------------------------------------------------------------------

    def _on_any(self, event: str, data: Any = None) -> None:
        with self._lock:
            self.received.append((event, data))
            self._changed.notify_all()

    def _on_edits(self, msg: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(("clauses:edited", msg))
            self._doc.clauses_edited(msg)
            self._changed.notify_all()

    def _on_edited(self, msg: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(("clause:edited", msg))
            self._doc.clause_edited(msg)
            self._changed.notify_all()

    def _on_outline(self, msg: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(("draft:outline", msg))
            if msg.get("draft_id") == self.draft_id:
                self._set_outline(msg["clauses"])

    def _on_mode(self, msg: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(("draft:mode", msg))
            if msg.get("draft_id") == self.draft_id:
                self.status = msg["after"]
            self._changed.notify_all()

    def _on_poll(self, msg: dict[str, Any]) -> None:
        with self._lock:
            poll = msg.get("poll") or {}
            if "id" in poll:
                poll["received_at"] = time.monotonic()  # when this client heard of it
                self.polls[poll["id"]] = poll
            self._changed.notify_all()

    def _on_tally(self, msg: dict[str, Any]) -> None:
        with self._lock:
            poll = self.polls.setdefault(msg["poll_id"], {"id": msg["poll_id"]})
            if poll.get("state") == "open" or "state" not in poll:
                poll["cast"] = msg["cast"]
                for key in ("present", "quorum", "quorate"):
                    if key in msg:
                        poll[key] = msg[key]
                if "tally" in msg:
                    # a member's vote, whichever representative cast it: keyed by member
                    known = {v["member_id"]: v for v in poll.get("tally", {}).get("votes", [])}
                    for v in msg["tally"]["votes"]:
                        known[v["member_id"]] = v
                    for gone in msg["tally"].get("removed", []):
                        known.pop(gone, None)
                    poll["tally"] = {**msg["tally"], "votes": list(known.values())}
            self._changed.notify_all()

    def _on_amendment(self, msg: dict[str, Any]) -> None:
        with self._lock:
            a = msg["amendment"]
            self.amendment_views[a["id"]] = a
            self._changed.notify_all()

    def _on_presence(self, msg: dict[str, Any]) -> None:
        with self._lock:
            if msg.get("draft_id") == self.draft_id:
                people = {p["participant_id"]: p for p in self.presence}
                for p in msg.get("people", []):
                    people[p["participant_id"]] = p
                for gone in msg.get("left", []):
                    people.pop(gone, None)
                self.presence = sorted(people.values(), key=lambda p: p["participant_id"])
            self._changed.notify_all()

    def _on_connect(self) -> None:
        self._connected.set()
        with self._lock:
            if self.draft_id is None:
                return
            draft_id = self.draft_id

        def rejoined(reply: Any) -> None:
            with self._lock:
                if not (isinstance(reply, dict) and reply.get("ok")):
                    self.errors.append({"event": "join", **(reply or {})})
                    return
                self._load(reply)

        self.sio.emit("join", {"draft_id": draft_id}, callback=rejoined)

    def _on_connect_error(self, data: Any = None) -> None:
        if isinstance(data, dict):
            self._refusal = str(data.get("message", data))
        elif data:
            self._refusal = str(data)

    def _on_disconnect(self, *args: Any) -> None:
        self.disconnects += 1
        self._connected.clear()
        with self._lock:
            self._doc.disconnected()
            self._changed.notify_all()

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        """Wait until predicate(self) holds (checked whenever a message arrives)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("condition not reached")
                self._changed.wait(min(left, 0.2))


_LAST = "last"  # `agenda_add` without a place: the item goes last


class ConferenceClient(DraftClient):
    """A `DraftClient` that also follows its conference: the agenda and the lists of speakers
    of the item under debate, kept as docs/protocol.md says ("The meeting, step by step"), and
    what the chair and the delegations do with them:

        chair.follow(conference_id); chair.agenda_add(draft_id=d); chair.agenda_next()
        lst = delegate.current_list()["id"]; delegate.ask(lst, "point_of_order")
        chair.give(lst); delegate.wait_for(lambda c: c.has_floor())

    `agenda` is the agenda as the wire has it; `lists` each list by id, its `requests` by id.
    """

    def __init__(self, url: str, token: str, *, timeout: float = 10.0) -> None:
        self.conference_id: int | None = None
        self.agenda: dict[str, Any] | None = None
        self.lists: dict[int, dict[str, Any]] = {}
        self.clock_offset = 0.0  # the server's clock minus ours, in seconds
        self.reloads = 0  # `floor:get` again after a missed message
        super().__init__(url, token, timeout=timeout)
        self.sio.on("agenda:changed", self._on_agenda)
        self.sio.on("floor:changed", self._on_floor)

    # --- following ------------------------------------------------------------------------

    def follow(self, conference_id: int) -> None:
        """Follow the conference's room and load its floor."""
        if self.me is None:
            self.me = self._get("/api/me")
        with self._lock:
            self.conference_id = conference_id  # what the room says from now on is heard
        self.call("conference:follow", {"conference_id": conference_id})
        reply = self.call("floor:get", {"conference_id": conference_id})
        with self._lock:
            self._take_floor(reply)

    def _get(self, path: str) -> dict[str, Any]:
        """One JSON read of the API, as this participant."""
        req = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:
            return dict(json.loads(resp.read()))

    def current_list(self, clause_id: int | None = None) -> dict[str, Any]:
        """A list of the item under debate: its own, or a clause's."""
        with self._lock:
            for lst in self.lists.values():
                if lst["clause_id"] == clause_id:
                    return lst
        raise LookupError("no such list of speakers for the item under debate")

    def queue(self, list_id: int) -> list[dict[str, Any]]:
        """The waiting requests of a list, in calling order."""
        with self._lock:
            lst = self.lists[list_id]
            return [lst["requests"][i] for i in lst["order"]]

    def speaker(self, list_id: int) -> dict[str, Any] | None:
        """The request that has the floor on a list (its `deadline`, `warning_at`...)."""
        with self._lock:
            lst = self.lists[list_id]
            return None if lst["speaker"] is None else lst["requests"][lst["speaker"]]

    def has_floor(self) -> bool:
        """Whether my delegation has the floor (the notice of `floor:changed`, `given`)."""
        with self._lock:
            mine = (self.me or {}).get("member_id")
            return mine is not None and any(
                lst["speaker"] is not None and lst["requests"][lst["speaker"]]["member_id"] == mine
                for lst in self.lists.values()
            )

    # --- the agenda -----------------------------------------------------------------------

    def agenda_add(
        self, *, draft_id: int | None = None, title: str | None = None, after_id: Any = _LAST
    ) -> int:
        """Put a draft or a free item on the agenda (last, or after `after_id`; None: first);
        returns the item's id."""
        payload: dict[str, Any] = {"conference_id": self.conference_id}
        if draft_id is not None:
            payload["draft_id"] = draft_id
        if title is not None:
            payload["title"] = title
        if after_id != _LAST:
            payload["after_id"] = after_id
        reply = self._floor_call("agenda:add", payload)
        return int(reply["item_id"])

    def agenda_move(self, item_id: int, after_id: int | None) -> dict[str, Any]:
        return self._floor_call("agenda:move", {"item_id": item_id, "after_id": after_id})

    def agenda_remove(self, item_id: int) -> dict[str, Any]:
        return self._floor_call("agenda:remove", {"item_id": item_id})

    def agenda_next(self, item_id: int | None = None) -> dict[str, Any]:
        """Move the meeting on: to the next item, or to `item_id`."""
        payload: dict[str, Any] = {"conference_id": self.conference_id}
        if item_id is not None:
            payload["item_id"] = item_id
        return self._floor_call("agenda:next", payload)

    def speeches(self, item_id: int | None = None) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"conference_id": self.conference_id}
        if item_id is not None:
            payload["item_id"] = item_id
        return list(self.call("floor:speeches", payload)["speeches"])

    # --- lists of speakers ----------------------------------------------------------------

    def open_list(self, item_id: int, clause_id: int) -> dict[str, Any]:
        """The chair opens a list of speakers on a clause; returns it."""
        return self._list_call("floor:open", {"item_id": item_id, "clause_id": clause_id})

    def ask(self, list_id: int, kind: str = "speech", member_id: int | None = None) -> int:
        """Ask for the floor (the chair: put `member_id` on the list); returns the request id."""
        payload: dict[str, Any] = {"list_id": list_id, "kind": kind}
        if member_id is not None:
            payload["member_id"] = member_id
        reply = self.call("floor:ask", payload)
        self._take_list_answer(reply)
        return int(reply["request_id"])

    def withdraw_request(self, request_id: int) -> dict[str, Any]:
        return self._list_call("floor:withdraw", {"request_id": request_id})

    def move_request(self, request_id: int, after_id: int | None) -> dict[str, Any]:
        return self._list_call("floor:move", {"request_id": request_id, "after_id": after_id})

    def give(self, list_id: int, request_id: int | None = None) -> dict[str, Any]:
        """Give the floor to the next on the list, or to `request_id`; returns the list."""
        payload: dict[str, Any] = {"list_id": list_id}
        if request_id is not None:
            payload["request_id"] = request_id
        return self._list_call("floor:give", payload)

    def end(self, list_id: int, ruling: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"list_id": list_id}
        if ruling is not None:
            payload["ruling"] = ruling
        return self._list_call("floor:end", payload)

    def close_list(self, list_id: int) -> dict[str, Any]:
        """Declare the list closed: no new speeches (points of order and replies still)."""
        return self._list_call("floor:close", {"list_id": list_id})

    def reopen_list(self, list_id: int) -> dict[str, Any]:
        return self._list_call("floor:reopen", {"list_id": list_id})

    def set_list(
        self,
        list_id: int,
        *,
        speaking_seconds: int | None = None,
        reply_seconds: int | None = None,
        for_against: bool | None = None,
    ) -> dict[str, Any]:
        """The speaking time (0: none), the time for replies (0: as a speech), for and
        against in turn."""
        payload: dict[str, Any] = {"list_id": list_id}
        for key, value in (
            ("speaking_seconds", speaking_seconds),
            ("reply_seconds", reply_seconds),
            ("for_against", for_against),
        ):
            if value is not None:
                payload[key] = value
        return self._list_call("floor:settings", payload)

    # --- keeping the state (with the lock held, except the calls) ---------------------------

    def _floor_call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        reply = self.call(event, payload)
        with self._lock:
            self._take_floor(reply)
        return reply

    def _list_call(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        reply = self.call(event, payload)
        self._take_list_answer(reply)
        return dict(reply["list"])

    def _take_list_answer(self, reply: dict[str, Any]) -> None:
        """An answer's list is whole: take it if it is newer than what is held."""
        with self._lock:
            self._clock(reply)
            lst = reply["list"]
            held = self.lists.get(lst["id"])
            current = self.agenda["current_id"] if self.agenda else None
            if (held is None and lst["agenda_item_id"] == current) or (
                held is not None and lst["version"] > held["version"]
            ):
                self.lists[lst["id"]] = _whole(lst)
            self._changed.notify_all()

    def _take_floor(self, reply: dict[str, Any]) -> None:
        """The agenda and the lists of the item under debate, whole (`floor:get`,
        `agenda:changed`, the agenda's answers): each taken where it is newer than what is
        held, whichever came first."""
        self._clock(reply)
        agenda = reply["agenda"]
        if self.agenda is None or agenda["version"] > self.agenda["version"]:
            self.agenda = agenda
        elif agenda["version"] < self.agenda["version"]:
            return  # older than what is held: its lists may be another item's
        current = self.agenda["current_id"]
        lists = {i: lst for i, lst in self.lists.items() if lst["agenda_item_id"] == current}
        for lst in reply["lists"]:
            held = lists.get(lst["id"])
            if held is None or lst["version"] > held["version"]:
                lists[lst["id"]] = _whole(lst)
        self.lists = lists
        self._changed.notify_all()

    def _clock(self, msg: dict[str, Any]) -> None:
        if msg.get("server_time"):
            server = datetime.fromisoformat(msg["server_time"].replace("Z", "+00:00"))
            self.clock_offset = server.timestamp() - time.time()

    def _reload(self) -> None:
        """A message was missed: load the floor again."""
        self.reloads += 1

        def loaded(reply: Any) -> None:
            if isinstance(reply, dict) and reply.get("ok"):
                with self._lock:
                    self._take_floor(reply)

        self.sio.emit("floor:get", {"conference_id": self.conference_id}, callback=loaded)

    def _on_agenda(self, msg: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(("agenda:changed", msg))
            if msg.get("conference_id") == self.conference_id:
                self._take_floor(msg)
            self._changed.notify_all()

    def _on_floor(self, msg: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(("floor:changed", msg))
            if msg.get("conference_id") == self.conference_id and self.agenda is not None:
                self._clock(msg)
                self._apply_list(msg["event"], msg["list"])
            self._changed.notify_all()

    def _apply_list(self, event: str, lst: dict[str, Any]) -> None:
        held = self.lists.get(lst["id"])
        if held is None:
            if lst["agenda_item_id"] != (self.agenda or {}).get("current_id"):
                return  # another item's list
            if event == "opened":
                self.lists[lst["id"]] = _whole(lst)
            else:
                self._reload()
            return
        if lst["version"] <= held["version"]:
            return
        if lst["version"] > held["version"] + 1:
            self._reload()
            return
        requests = dict(held["requests"])
        requests.update({r["id"]: r for r in lst["requests"]})
        keep = set(lst["order"]) | {lst["speaker"], lst["interrupted"]}
        self.lists[lst["id"]] = {
            **lst,
            "requests": {i: r for i, r in requests.items() if i in keep},
        }

    def _on_connect(self) -> None:
        super()._on_connect()
        with self._lock:
            conference_id = self.conference_id
        if conference_id is None:
            return

        def followed(reply: Any) -> None:
            if isinstance(reply, dict) and reply.get("ok"):
                self._reload()

        self.sio.emit("conference:follow", {"conference_id": conference_id}, callback=followed)


def _whole(lst: dict[str, Any]) -> dict[str, Any]:
    """A list as the client keeps it: its requests by id."""
    return {**lst, "requests": {r["id"]: r for r in lst["requests"]}}
