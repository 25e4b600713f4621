"""A Python client of the live protocol, for tests, benchmarks and bots.

It speaks only what docs/protocol.md documents, over a real Socket.IO connection:

    c = DraftClient("http://127.0.0.1:5000", token)
    c.join(draft_id)
    c.edit(clause_id, "new text")   # returns at once; the change is sent in the background
    c.sync(timeout=10)              # every local edit acknowledged, every remote one applied
    c.text(clause_id); c.close()

Per clause it keeps the server's last text and version (the base), at most one edit in
flight, and the local text. Remote edits are applied to the base and merged into the local
text; an acknowledgement carries the current text, into which typing done meanwhile is
merged. After a reconnect it re-joins, resends the edit in flight under the same edit id (the
server applies it once) and rebases everything typed offline.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import socketio

from . import textsync


class Refused(Exception):
    """The server refused a request; the message says why."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Inflight:
    edit_id: str
    base_version: int
    base_text: str
    sent_text: str
    delta: str


@dataclass
class ClauseState:
    id: int
    base_text: str
    base_version: int
    local: str
    inflight: Inflight | None = None
    resyncing: bool = False
    info: dict[str, Any] = field(default_factory=dict)
    held: list[dict[str, Any]] = field(default_factory=list)  # broadcasts that beat our ack

    @property
    def idle(self) -> bool:
        return self.inflight is None and not self.resyncing and self.local == self.base_text


def _flatten(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in clauses:
        out.append(c)
        out.extend(_flatten(c.get("children", [])))
    return out


def edit_runs(msg: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    """A `clauses:edited` message's edits, per clause, oldest first."""
    runs: dict[int, list[dict[str, Any]]] = {}
    for m in msg.get("edits", []):
        runs.setdefault(m["clause_id"], []).append(m)
    return runs


def apply_run(text: str, version: int, edits: list[dict[str, Any]]) -> tuple[str, int]:
    """Apply a clause's run of broadcast edits to its text at `version`: those newer than it,
    each on the one before. Stops at a gap or a delta that does not apply; a result older than
    the run's last version means the rest must be fetched (`clause:get`)."""
    for m in edits:
        if m["version"] <= version:
            continue
        if m["base_version"] != version:
            break
        try:
            text, version = textsync.apply_delta(text, m["delta"]), m["version"]
        except textsync.DeltaError:
            break
    return text, version


def acknowledged_text(sent_text: str, reply: Any) -> str | None:
    """The clause's text from an `edit` acknowledgement: a delta from the text we sent (or,
    for a resend the server can no longer place, the whole text). None if it is not one."""
    if not (isinstance(reply, dict) and reply.get("ok")):
        return None
    if isinstance(reply.get("delta"), str):
        try:
            return textsync.apply_delta(sent_text, reply["delta"])
        except textsync.DeltaError:
            return None
    text = reply.get("text")
    return text if isinstance(text, str) else None


class DraftClient:
    def __init__(self, url: str, token: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout
        self.draft_id: int | None = None
        self.status: str | None = None
        self.me: dict[str, Any] | None = None
        self.presence: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.received: list[tuple[str, Any]] = []
        self.acks: list[tuple[int, int, str]] = []  # (clause, version, text) as acknowledged
        self.polls: dict[int, dict[str, Any]] = {}  # what this client was told of each poll
        self.amendment_views: dict[int, dict[str, Any]] = {}
        self._receipts: dict[int, str] = {}
        self.disconnects = 0
        self._states: dict[int, ClauseState] = {}
        self._outline: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._connected = threading.Event()
        self._closing = False
        self.sio = socketio.Client(
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
            reply = self.sio.call(event, data or {}, timeout=self.timeout)
        except socketio.exceptions.TimeoutError:
            raise Refused(f"No answer to {event} within {self.timeout} s", "timeout") from None
        if not isinstance(reply, dict):
            raise Refused(f"Unexpected answer to {event}: {reply!r}", "protocol")
        if "error" in reply:
            raise Refused(reply["error"]["message"], reply["error"]["code"])
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

    def record(self, draft_id: int | None = None, fmt: str = "md") -> Any:
        return self.call("record:get", {"draft_id": draft_id or self.draft_id, "format": fmt})[
            "record"
        ]

    # --- the clause text ------------------------------------------------------------------

    @property
    def clauses(self) -> list[dict[str, Any]]:
        with self._lock:
            out = []
            for c in _flatten(self._outline):
                st = self._states.get(c["id"])
                entry = {k: v for k, v in c.items() if k != "children"}
                if st is not None:
                    entry["text"], entry["version"] = st.local, st.base_version
                out.append(entry)
            return out

    def text(self, clause_id: int) -> str:
        with self._lock:
            return self._states[clause_id].local

    def edit(self, clause_id: int, new_text: str) -> None:
        """Change a clause locally; the change goes to the server in the background."""
        with self._lock:
            st = self._states.get(clause_id)
            if st is None:
                raise KeyError(f"clause {clause_id} is not in the joined draft")
            st.local = new_text
            self._flush(st)

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
                    for s in self._states.values():
                        if s.inflight is None and not s.resyncing and s.local != s.base_text:
                            self._flush(s)
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
                for c in _flatten(server["clauses"]):
                    st = self._states.get(c["id"])
                    if st is None or st.base_version < c["version"]:
                        behind.append(c)
                if not behind and len(self._states) == len(_flatten(server["clauses"])):
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"clauses behind the server: {[c['id'] for c in behind]}")
                self._changed.wait(0.1)
                for c in behind:
                    st = self._states.get(c["id"])
                    if st is None:
                        self._set_outline(server["clauses"])
                    elif st.idle and st.base_version < c["version"]:
                        self._rebase(st, c["text"], c["version"])

    def go_offline(self) -> None:
        """Drop the connection but keep everything typed (a laptop leaving the Wi-Fi)."""
        self.sio.disconnect()
        self._connected.clear()

    def go_online(self) -> None:
        """Reconnect; the client re-joins, resends and rebases what was typed offline."""
        self.sio.connect(
            self.url,
            auth={"token": self.token},
            transports=["websocket"],
            wait_timeout=self.timeout,
        )

    def close(self) -> None:
        self._closing = True
        self.sio.disconnect()

    def __enter__(self) -> DraftClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- state machine (called with the lock held) -------------------------------------------

    def _pending_summary(self) -> str:
        pending = [
            (s.id, "in flight" if s.inflight else "resyncing" if s.resyncing else "unsent")
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
        self._set_outline(draft["clauses"])

    def _set_outline(self, clauses: list[dict[str, Any]]) -> None:
        self._outline = clauses
        seen = set()
        for c in _flatten(clauses):
            seen.add(c["id"])
            st = self._states.get(c["id"])
            if st is None:
                self._states[c["id"]] = ClauseState(c["id"], c["text"], c["version"], c["text"])
            elif c["version"] > st.base_version and st.inflight is None:
                self._rebase(st, c["text"], c["version"])
        for gone in set(self._states) - seen:
            del self._states[gone]
        self._changed.notify_all()

    def _rebase(self, st: ClauseState, server_text: str, version: int) -> None:
        """Take the server's text as the base; keep what was typed locally on top of it."""
        if st.local == st.base_text:
            st.local = server_text
        else:
            st.local = textsync.merge3(st.base_text, server_text, st.local).text
        st.base_text, st.base_version = server_text, version
        self._flush(st)
        self._changed.notify_all()

    def _flush(self, st: ClauseState) -> None:
        if st.inflight is not None or st.resyncing or st.local == st.base_text:
            return
        if not self._connected.is_set():
            return  # sent on reconnect
        st.inflight = Inflight(
            edit_id=uuid.uuid4().hex,
            base_version=st.base_version,
            base_text=st.base_text,
            sent_text=st.local,
            delta=textsync.make_delta(st.base_text, st.local),
        )
        self._send(st)

    def _send(self, st: ClauseState) -> None:
        inf = st.inflight
        assert inf is not None
        payload = {
            "clause_id": st.id,
            "base_version": inf.base_version,
            "delta": inf.delta,
            "edit_id": inf.edit_id,
        }
        try:
            self.sio.emit("edit", payload, callback=lambda reply: self._on_ack(st.id, inf, reply))
        except socketio.exceptions.SocketIOError:
            pass  # resent on reconnect

    def _on_ack(self, clause_id: int, inf: Inflight, reply: Any) -> None:
        with self._lock:
            st = self._states.get(clause_id)
            if st is None or st.inflight is not inf:
                return
            st.inflight = None
            server_text = acknowledged_text(inf.sent_text, reply)
            if server_text is None and isinstance(reply, dict) and reply.get("ok"):
                st.held = []
                self._resync(st)  # an answer we cannot read: fetch the clause instead
            elif server_text is not None:
                version = reply["version"]
                self.acks.append((clause_id, version, server_text))
                if st.local == inf.sent_text:
                    st.local = server_text
                else:
                    st.local = textsync.merge3(inf.sent_text, server_text, st.local).text
                st.base_text, st.base_version = server_text, version
                held, st.held = sorted(st.held, key=lambda m: m["version"]), []
                for m in held:
                    self._on_edited(m)
            else:
                st.held = []
                err = (reply or {}).get("error", {}) if isinstance(reply, dict) else {}
                clause = reply.get("clause") if isinstance(reply, dict) else None
                if err.get("code") == "behind" and clause:
                    st.local = textsync.merge3(inf.base_text, clause["text"], st.local).text
                    st.base_text, st.base_version = clause["text"], clause["version"]
                elif err.get("code") == "rate_limited":
                    pass  # local text unchanged: flushed again below
                else:
                    # refused (formal mode, deleted clause, too long...): keep the record,
                    # go back to the server's text
                    self.errors.append({"clause_id": clause_id, **err, "text": st.local})
                    st.local = st.base_text
                    self._resync(st)
            self._flush(st)
            self._changed.notify_all()

    def _resync(self, st: ClauseState) -> None:
        st.resyncing = True

        def done(reply: Any) -> None:
            with self._lock:
                st.resyncing = False
                if isinstance(reply, dict) and reply.get("ok"):
                    c = reply["clause"]
                    if c["version"] > st.base_version and st.inflight is None:
                        self._rebase(st, c["text"], c["version"])
                elif isinstance(reply, dict) and reply.get("error", {}).get("code") == "not_found":
                    self._states.pop(st.id, None)
                self._changed.notify_all()

        try:
            self.sio.emit("clause:get", {"clause_id": st.id}, callback=done)
        except socketio.exceptions.SocketIOError:
            st.resyncing = False

    # --- server messages ------------------------------------------------------------------

    def _on_any(self, event: str, data: Any = None) -> None:
        with self._lock:
            self.received.append((event, data))
            self._changed.notify_all()

    def _on_edits(self, msg: dict[str, Any]) -> None:
        """Several edits of a busy draft in one message, oldest first: each clause's run of
        deltas is applied to its base and merged under local typing once, not per delta."""
        with self._lock:
            self.received.append(("clauses:edited", msg))
            for clause_id, edits in edit_runs(msg).items():
                st = self._states.get(clause_id)
                if st is None:
                    continue
                if st.inflight is not None:
                    st.held.extend(m for m in edits if m["version"] > st.base_version)
                    continue
                text, version = apply_run(st.base_text, st.base_version, edits)
                if version != st.base_version:
                    self._rebase(st, text, version)
                if version < edits[-1]["version"] and not st.resyncing:
                    self._resync(st)

    def _on_edited(self, msg: dict[str, Any]) -> None:
        with self._lock:
            self.received.append(("clause:edited", msg))
            st = self._states.get(msg["clause_id"])
            if st is None or msg["version"] <= st.base_version:
                return
            if st.inflight is not None:
                # the acknowledgement brings the text up to our own version; a broadcast of a
                # later version can overtake it: keep it for after the acknowledgement
                st.held.append(msg)
                return
            if msg["base_version"] != st.base_version:
                if not st.resyncing:
                    self._resync(st)
                return
            try:
                new_base = textsync.apply_delta(st.base_text, msg["delta"])
            except textsync.DeltaError:
                self._resync(st)
                return
            self._rebase(st, new_base, msg["version"])

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
            if poll.get("state") != "closed":
                poll["cast"] = msg["cast"]
                if "tally" in msg:
                    known = {v["participant_id"]: v for v in poll.get("tally", {}).get("votes", [])}
                    for v in msg["tally"]["votes"]:
                        known[v["participant_id"]] = v
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
                for st in self._states.values():
                    if st.inflight is not None:
                        self._send(st)  # same edit id: applied at most once
                    else:
                        self._flush(st)
                self._changed.notify_all()

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
