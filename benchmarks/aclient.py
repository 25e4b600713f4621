"""A lean asyncio client of the live protocol, for load generation (one process, many clients).

It is `drafting/client.py`'s state machine without threads, speaking only docs/protocol.md
over `socketio.AsyncClient` (WebSocket transport): `join`, `edit` with `base_version`, `delta`
and `edit_id`, acknowledgements, `clause:edited`, and `clause:get` when a gap shows. Per clause
it keeps the server's last text and version (the base), at most one edit in flight and the
local text; deltas and merges come from `drafting.textsync`, as on the server.

Hooks let a benchmark observe the protocol without a second bookkeeping layer:

- ``on_sent(client, clause_id, inflight)``: an edit left (``inflight.sent_at``),
- ``on_ack(client, clause_id, inflight, version)``: the server acknowledged it as ``version``,
- ``on_edited(client, msg)``: a ``clause:edited`` arrived (before it is looked at),
- ``on_applied(client, clause_id, old_version, new_version, how)``: the base moved from
  ``old_version`` to ``new_version`` because of a remote edit (``how`` = ``"delta"``: a
  ``clause:edited`` was applied; ``"held"``: one that arrived while a request was out, applied
  after its answer; ``"resync"``: a ``clause:get`` answer was taken).

Reconnection is off: a benchmark must see a dropped connection, not hide it (``dropped``).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

from drafting import textsync
from drafting.clientsync import acknowledged_text, apply_run, edit_runs


class Refused(Exception):
    """The server refused a request; the message says why."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class Inflight:
    edit_id: str
    base_version: int
    base_text: str
    sent_text: str
    delta: str
    sent_at: float  # perf_counter() when emitted
    typed_at: float  # perf_counter() of the oldest keystroke it carries


@dataclass(slots=True)
class ClauseState:
    id: int
    base_text: str
    base_version: int
    local: str
    inflight: Inflight | None = None
    resyncing: bool = False
    typed_at: float | None = None  # oldest keystroke not yet sent
    held: list[dict[str, Any]] = field(default_factory=list)  # clause:edited seen in flight

    @property
    def idle(self) -> bool:
        return self.inflight is None and not self.resyncing and self.local == self.base_text


def _flatten(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in clauses:
        out.append(c)
        out.extend(_flatten(c.get("children", [])))
    return out


Hook = Callable[..., None]


def _noop(*_: Any) -> None:
    return None


class AsyncDraftClient:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        name: str = "",
        timeout: float = 10.0,
        on_sent: Hook = _noop,
        on_ack: Hook = _noop,
        on_applied: Hook = _noop,
        on_edited: Hook = _noop,
    ) -> None:
        self.url = url
        self.token = token
        self.name = name
        self.timeout = timeout
        self.on_sent, self.on_ack, self.on_applied = on_sent, on_ack, on_applied
        self.on_edited = on_edited
        self.draft_id: int | None = None
        self.participant_id: int | None = None
        self.states: dict[int, ClauseState] = {}
        self.errors: list[dict[str, Any]] = []
        self.counts = {"edited": 0, "applied": 0, "ignored": 0, "gaps": 0, "resyncs": 0}
        self.counts |= {"sent": 0, "acked": 0, "rate_limited": 0, "behind": 0, "held": 0}
        self.dropped = False
        self._closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        # The stdlib json module instead of engineio's wrapper, which adds a Python call per
        # integer parsed (a guard against hostile peers; the peer here is our own server).
        # It is a class attribute of the packet classes, so it holds process-wide.
        self.sio = socketio.AsyncClient(reconnection=False, json=json)
        self.sio.on("clause:edited", self._on_edited)
        self.sio.on("clauses:edited", self._on_edits)
        self.sio.on("disconnect", self._on_disconnect)

    # --- connection --------------------------------------------------------------------------

    async def connect(self) -> None:
        try:
            await self.sio.connect(
                self.url,
                auth={"token": self.token},
                transports=["websocket"],
                wait_timeout=self.timeout,
                retry=False,
            )
        except socketio.exceptions.ConnectionError as e:
            raise Refused(str(e), "connect") from None

    async def close(self) -> None:
        self._closing = True
        await self.sio.disconnect()

    def _on_disconnect(self, *_: Any) -> None:
        if not self._closing:
            self.dropped = True

    async def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        try:
            reply = await self.sio.call(event, data, timeout=self.timeout)
        except socketio.exceptions.TimeoutError:
            raise Refused(f"No answer to {event} within {self.timeout} s", "timeout") from None
        if not isinstance(reply, dict):
            raise Refused(f"Unexpected answer to {event}: {reply!r}", "protocol")
        if "error" in reply:
            raise Refused(reply["error"]["message"], reply["error"]["code"])
        return reply

    async def join(self, draft_id: int) -> None:
        reply = await self.call("join", {"draft_id": draft_id})
        self.draft_id = draft_id
        self.participant_id = reply["me"]["id"]
        for c in _flatten(reply["draft"]["clauses"]):
            self.states[c["id"]] = ClauseState(c["id"], c["text"], c["version"], c["text"])

    # --- local typing --------------------------------------------------------------------------

    def text(self, clause_id: int) -> str:
        return self.states[clause_id].local

    def edit(self, clause_id: int, new_text: str) -> None:
        """Change a clause locally (a keystroke); it is sent at once unless an edit is in flight."""
        st = self.states[clause_id]
        if new_text == st.local:
            return
        if st.typed_at is None:
            st.typed_at = time.perf_counter()
        st.local = new_text
        self._flush(st)

    @property
    def idle(self) -> bool:
        return all(s.idle for s in self.states.values())

    def retry_unsent(self) -> None:
        """Send what is typed but not sent (after a `rate_limited`, say)."""
        for st in self.states.values():
            self._flush(st)

    # --- the state machine ---------------------------------------------------------------------

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _flush(self, st: ClauseState) -> None:
        if st.inflight is not None or st.resyncing or st.local == st.base_text:
            return
        if self.dropped:
            return
        now = time.perf_counter()
        inf = Inflight(
            edit_id=uuid.uuid4().hex,
            base_version=st.base_version,
            base_text=st.base_text,
            sent_text=st.local,
            delta=textsync.make_delta(st.base_text, st.local),
            sent_at=now,
            typed_at=st.typed_at if st.typed_at is not None else now,
        )
        st.inflight, st.typed_at = inf, None
        payload = {
            "clause_id": st.id,
            "base_version": inf.base_version,
            "delta": inf.delta,
            "edit_id": inf.edit_id,
        }
        self.counts["sent"] += 1
        st.held.clear()
        self.on_sent(self, st.id, inf)
        self._spawn(
            self.sio.emit("edit", payload, callback=lambda reply: self._on_ack(st.id, inf, reply))
        )

    def _take(self, st: ClauseState, server_text: str, version: int, how: str) -> None:
        """A remote change: take the server's text as the base, keep local typing on top."""
        old = st.base_version
        if st.local == st.base_text:
            st.local = server_text
        else:
            st.local = textsync.merge3(st.base_text, server_text, st.local).text
        st.base_text, st.base_version = server_text, version
        self.counts["applied"] += 1
        self.on_applied(self, st.id, old, version, how)
        self._flush(st)

    def _on_ack(self, clause_id: int, inf: Inflight, reply: Any) -> None:
        st = self.states.get(clause_id)
        if st is None or st.inflight is not inf:
            return
        st.inflight = None
        server_text = acknowledged_text(inf.sent_text, reply)
        if server_text is not None:
            version = reply["version"]
            self.counts["acked"] += 1
            self.on_ack(self, clause_id, inf, version)
            if st.local == inf.sent_text:
                st.local = server_text
            else:
                st.local = textsync.merge3(inf.sent_text, server_text, st.local).text
            st.base_text, st.base_version = server_text, version
            self._release(st)
        else:
            err = reply.get("error", {}) if isinstance(reply, dict) else {}
            clause = reply.get("clause") if isinstance(reply, dict) else None
            code = err.get("code")
            if code == "behind" and clause:
                self.counts["behind"] += 1
                st.local = textsync.merge3(inf.base_text, clause["text"], st.local).text
                st.base_text, st.base_version = clause["text"], clause["version"]
                self._release(st)
            elif code == "rate_limited":
                self.counts["rate_limited"] += 1
                # the local text is unchanged; the driver calls retry_unsent() later
                st.typed_at = inf.typed_at
                return
            else:
                self.errors.append({"clause_id": clause_id, **err})
                st.held.clear()
                st.local = st.base_text
                self._resync(st)
        self._flush(st)

    def _resync(self, st: ClauseState) -> None:
        st.resyncing = True
        st.held.clear()  # the answer will include everything broadcast before the request
        self.counts["resyncs"] += 1

        def done(reply: Any) -> None:
            st.resyncing = False
            if isinstance(reply, dict) and reply.get("ok"):
                c = reply["clause"]
                if c["version"] > st.base_version and st.inflight is None:
                    self._take(st, c["text"], c["version"], "resync")
                if st.inflight is None and not st.resyncing:
                    self._release(st)
            else:
                self.errors.append({"clause_id": st.id, "event": "clause:get", "reply": reply})
            self._flush(st)

        self._spawn(self.sio.emit("clause:get", {"clause_id": st.id}, callback=done))

    def _on_edits(self, msg: dict[str, Any]) -> None:
        """Several edits in one message, oldest first: a clause's run of deltas is applied to
        its base and merged under local typing once (as ``drafting/client.py`` does)."""
        for m in msg.get("edits", []):
            self.counts["edited"] += 1
            self.on_edited(self, m)
        for clause_id, edits in edit_runs(msg).items():
            st = self.states.get(clause_id)
            if st is None:
                continue
            if st.inflight is not None or st.resyncing:
                st.held.extend(m for m in edits if m["version"] > st.base_version)
                continue
            text, version = apply_run(st.base_text, st.base_version, edits)
            if version != st.base_version:
                self._take(st, text, version, "delta")
            if version < edits[-1]["version"] and not st.resyncing:
                self._resync(st)

    def _on_edited(self, msg: dict[str, Any]) -> None:
        self.counts["edited"] += 1
        self.on_edited(self, msg)
        st = self.states.get(msg["clause_id"])
        if st is None or msg["version"] <= st.base_version:
            self.counts["ignored"] += 1
            return
        if st.inflight is not None or st.resyncing:
            # The answer brings the current text, but a newer edit can be broadcast between
            # our request and its answer: keep it until the answer arrives.
            st.held.append(msg)
            return
        self._apply(st, msg, "delta")

    def _apply(self, st: ClauseState, msg: dict[str, Any], how: str) -> None:
        if msg["base_version"] != st.base_version:
            self.counts["gaps"] += 1
            if not st.resyncing:
                self._resync(st)
            return
        try:
            new_base = textsync.apply_delta(st.base_text, msg["delta"])
        except textsync.DeltaError:
            self._resync(st)
            return
        self._take(st, new_base, msg["version"], how)

    def _release(self, st: ClauseState) -> None:
        """After an answer (ack or clause:get): apply the broadcasts held meanwhile that are newer
        than the answer's text. The documented client ignores them and then stays behind until
        the next broadcast shows the gap; ``counts["held"]`` says how often that mattered."""
        held, st.held = st.held, []
        for msg in held:
            if msg["version"] <= st.base_version:
                self.counts["ignored"] += 1
                continue
            self.counts["held"] += 1
            self._apply(st, msg, "held")
            if st.inflight is not None or st.resyncing:
                break  # _take flushed local typing: later messages wait for that ack
