"""A lean asyncio client of the live protocol, for load generation (one process, many clients).

It is the asyncio shell around `drafting.clientsync.DocSync`, the state machine the threaded
`drafting/client.py` wraps too: `socketio.AsyncClient` (WebSocket transport) carries what the
machine sends, hands each acknowledgement back to it, and schedules its retries on the event
loop. Broadcasts go to the machine with no layer in between.

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
from collections.abc import Callable
from functools import partial
from typing import Any

import socketio

from drafting import textsync
from drafting.clientsync import ClauseState, DocSync, Inflight, Refused, Request, checked

__all__ = ["AsyncDraftClient", "ClauseState", "Inflight", "Refused"]

Hook = Callable[..., None]


def _noop(*_: Any) -> None:
    return None


def _bound(hook: Hook, client: AsyncDraftClient) -> Hook | None:
    """The machine's hook for a benchmark's; none for none, so the machine can skip it."""
    return None if hook is _noop else partial(hook, client)


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
        self.doc = DocSync(
            self._send,
            schedule=self._schedule,
            on_sent=_bound(on_sent, self),
            on_ack=_bound(on_ack, self),
            on_applied=_bound(on_applied, self),
            on_edited=_bound(on_edited, self),
        )
        self.states: dict[int, ClauseState] = self.doc.states
        self.errors: list[dict[str, Any]] = self.doc.errors
        self.counts: dict[str, int] = self.doc.counts
        self.dropped = False
        self._closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        # The stdlib json module instead of engineio's wrapper, which adds a Python call per
        # integer parsed (a guard against hostile peers; the peer here is our own server).
        # It is a class attribute of the packet classes, so it holds process-wide.
        self.sio = socketio.AsyncClient(reconnection=False, json=json)
        self.sio.on("clause:edited", self.doc.clause_edited)
        self.sio.on("clauses:edited", self.doc.clauses_edited)
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
        self.doc.disconnected()

    async def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        try:
            return checked(event, await self.sio.call(event, data, timeout=self.timeout))
        except socketio.exceptions.TimeoutError:
            raise Refused(f"No answer to {event} within {self.timeout} s", "timeout") from None

    async def join(self, draft_id: int) -> None:
        reply = await self.call("join", {"draft_id": draft_id})
        self.draft_id = draft_id
        self.participant_id = reply["me"]["id"]
        self.doc.joined(reply["draft"]["clauses"])

    # --- local typing --------------------------------------------------------------------------

    def text(self, clause_id: int) -> str:
        return self.states[clause_id].local

    def edit(self, clause_id: int, new_text: str) -> None:
        """Change a clause locally (a keystroke); it is sent at once unless an edit is in flight."""
        self.doc.set_local(clause_id, new_text)

    def insert(self, clause_id: int, at: int, text: str) -> None:
        """Type `text` at a caret (a UTF-16 offset, as browsers count): an operation, as the
        browser makes from the input event, not a diff of texts."""
        n = textsync.units(self.text(clause_id))
        self.doc.change(clause_id, textsync.format_ops([c for c in (at, text, n - at) if c]))

    def delete(self, clause_id: int, start: int, end: int) -> None:
        """Delete the UTF-16 units start..end (a backspace is end - 1..end)."""
        n = textsync.units(self.text(clause_id))
        self.doc.change(
            clause_id, textsync.format_ops([c for c in (start, start - end, n - end) if c])
        )

    @property
    def idle(self) -> bool:
        return all(s.idle for s in self.states.values())

    def retry_unsent(self) -> None:
        """Send what is typed but not sent. The machine does so by itself (a rate limit is
        waited out by a timer); this only nudges it, and never cuts a rate limit short."""
        self.doc.tick()

    # --- the machine's I/O -----------------------------------------------------------------------

    def _send(self, request: Request) -> None:
        task = asyncio.ensure_future(
            self.sio.emit(
                request.event, request.payload, callback=partial(self.doc.answer, request)
            )
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _schedule(self, at: float) -> None:
        asyncio.get_running_loop().call_later(max(0.0, at - self.doc.clock()), self.doc.tick)
