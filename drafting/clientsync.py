"""The live protocol's client side as a sans-IO state machine (twin of static/js/sync.js).

`DocSync` holds, per clause, the server's last text and version (the base), at most one edit
in flight and the local text, and follows docs/protocol.md "Editing, step by step". It does
no I/O, so the threaded `drafting.client.DraftClient` and the benchmarks' asyncio
`AsyncDraftClient` are thin shells around the same machine, as y-websocket is around
y-protocols:

- in: the join answer (`joined`), outlines (`load`), local typing (`set_local`), broadcasts
  (`clause_edited`, `clauses_edited`), the answer to each request it asked for (`answer`),
  `disconnected`, and time passing (`tick`, against `clock`);
- out: each `Request` through the `send` hook (the shell emits it and hands the answer back
  to `answer`), and `schedule(at)`: call `tick` at `clock()` time `at` (a rate limit to wait
  out). The other hooks only observe.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from . import textsync

__all__ = [
    "COUNTS",
    "RETRY_S",
    "ClauseState",
    "DocSync",
    "Inflight",
    "Refused",
    "Request",
    "acknowledged_text",
    "run_delta",
    "checked",
    "edit_runs",
    "flatten",
]

RETRY_S = 0.6
"""After `rate_limited` an edit is sent again this much later, as the browser does
(`RETRY_MS` in static/js/sync.js): at once would only be refused again."""

Msg = dict[str, Any]


class Refused(Exception):
    """The server refused a request; the message says why."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


def checked(event: str, reply: Any) -> Msg:
    """An acknowledgement as a dict, or Refused with the server's reason."""
    if not isinstance(reply, dict):
        raise Refused(f"Unexpected answer to {event}: {reply!r}", "protocol")
    if "error" in reply:
        raise Refused(reply["error"]["message"], reply["error"]["code"])
    return reply


@dataclass(slots=True)
class Inflight:
    edit_id: str
    base_version: int
    base_text: str
    sent_text: str
    delta: str
    sent_at: float  # clock() when first sent
    typed_at: float  # clock() of the oldest keystroke it carries


@dataclass(slots=True)
class ClauseState:
    id: int
    base_text: str
    base_version: int
    local: str
    # the local change not yet sent, as an operation from the text it was typed on (the base,
    # or the text of the edit in flight) to `local`: transformed, never re-diffed, when others'
    # edits arrive; None when there is none, or when only texts are known (then it is diffed)
    pending: str | None = None
    inflight: Inflight | None = None
    resyncing: bool = False  # a clause:get is out
    typed_at: float | None = None  # oldest keystroke not yet sent
    retry_at: float | None = None  # waiting out a rate limit until then
    held: list[Msg] = field(default_factory=list)  # broadcasts that came while a request was out

    @property
    def idle(self) -> bool:
        return self.inflight is None and not self.resyncing and self.local == self.base_text


@dataclass(slots=True)
class Request:
    """A message for the server. Its acknowledgement goes to `DocSync.answer(request, reply)`."""

    event: str  # "edit" or "clause:get"
    payload: Msg
    clause_id: int
    inflight: Inflight | None = None  # the edit it carries


def flatten(clauses: list[Msg]) -> list[Msg]:
    """An outline's clauses, parents before their children."""
    out = []
    for c in clauses:
        out.append(c)
        out.extend(flatten(c.get("children", [])))
    return out


def edit_runs(msg: Msg) -> dict[int, list[Msg]]:
    """A `clauses:edited` message's edits, per clause, oldest first."""
    runs: dict[int, list[Msg]] = {}
    for m in msg.get("edits", []):
        runs.setdefault(m["clause_id"], []).append(m)
    return runs


def run_delta(text: str, version: int, edits: list[Msg]) -> tuple[str, str, int]:
    """A clause's run of broadcast edits after `version`, composed into one operation on
    `text`, the text it makes and the version it reaches (it stops at a gap or a delta that
    does not apply)."""
    composed: str | None = None
    for m in edits:
        if m["version"] <= version:
            continue
        if m["base_version"] != version:
            break
        try:
            text = textsync.apply_delta(text, m["delta"])
        except textsync.DeltaError:
            break
        composed = m["delta"] if composed is None else textsync.compose(composed, m["delta"])
        version = m["version"]
    return (composed if composed is not None else ""), text, version


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


COUNTS = (
    "edited",  # broadcast edits received
    "ignored",  # ... of which not newer than the base
    "gaps",  # ... of which did not follow on the base
    "held",  # held while a request was out, applied after its answer
    "applied",  # times the base moved because of others' edits
    "resyncs",  # clause:get sent
    "rewound",  # clauses whose server history went back (a restored backup)
    "sent",  # edits sent (a resend after a reconnect is the same edit)
    "acked",
    "rate_limited",
    "behind",
)
"""`DocSync.counts`: what happened how often, for benchmarks."""


def _noop(*_: Any) -> None:
    return None


_by_version = itemgetter("version")


class DocSync:
    """Every clause of one joined draft. Not thread-safe: a shell calls it under its lock or
    from its one event loop."""

    __slots__ = (
        "states",
        "connected",
        "errors",
        "counts",
        "send",
        "schedule",
        "clock",
        "on_sent",
        "on_ack",
        "on_applied",
        "on_edited",
    )

    def __init__(
        self,
        send: Callable[[Request], None],
        *,
        schedule: Callable[[float], None] = _noop,
        clock: Callable[[], float] = time.perf_counter,
        on_sent: Callable[[int, Inflight], None] | None = None,
        on_ack: Callable[[int, Inflight, int], None] | None = None,
        on_applied: Callable[[int, int, int, str], None] | None = None,
        on_edited: Callable[[Msg], None] | None = None,
    ) -> None:
        """`on_sent(clause_id, inflight)`: an edit left. `on_ack(clause_id, inflight, version)`:
        it was acknowledged as `version`, whose text is now the base. `on_edited(msg)`: a
        broadcast edit arrived, before it is looked at. `on_applied(clause_id, old, new, how)`:
        the base moved from version `old` to `new` because of others' edits; `how` is
        "delta" (a broadcast), "held" (one held while a request was out, applied after its
        answer), "resync" (a clause:get answer) or "load" (an outline or join answer)."""
        self.states: dict[int, ClauseState] = {}
        self.connected = False  # joined on a live connection: edits may be sent
        self.errors: list[Msg] = []  # refused edits (with the text given up), failed clause:get
        self.counts = dict.fromkeys(COUNTS, 0)
        self.send, self.schedule, self.clock = send, schedule, clock
        self.on_sent = on_sent or _noop
        self.on_ack = on_ack or _noop
        self.on_applied = on_applied or _noop
        self.on_edited = on_edited or _noop

    # --- the connection and the draft --------------------------------------------------------

    def load(self, clauses: list[Msg]) -> None:
        """An outline (join, draft:get, draft:outline): new clauses appear, gone ones go, newer
        server texts are rebased under local typing."""
        seen = set()
        for c in flatten(clauses):
            seen.add(c["id"])
            st = self.states.get(c["id"])
            if st is None:
                self.states[c["id"]] = ClauseState(c["id"], c["text"], c["version"], c["text"])
            else:
                self.take(st, c["text"], c["version"])
        for gone in set(self.states) - seen:
            del self.states[gone]

    def take(self, st: ClauseState, text: str, version: int) -> None:
        """The server's text of a clause from an outline: taken if newer and no edit is in
        flight (that edit's acknowledgement brings it)."""
        if version > st.base_version and st.inflight is None:
            self._rebase(st, text, version, "load")

    def joined(self, clauses: list[Msg]) -> None:
        """`join` answered on a fresh connection: load, resend the edit in flight under the
        same edit id (the server applies it once), send what was typed offline."""
        lost = [(st, st.inflight) for st in self.states.values() if st.inflight is not None]
        self.connected = True
        for c in flatten(clauses):
            st = self.states.get(c["id"])
            if st is not None and c["version"] < st.base_version:
                # the server's history went back (its database restored from a backup): its
                # text is the base now, what was typed here and not stored there stays on top
                # (merge3), and the edit in flight is not resent (its base version is gone)
                lost = [(x, inf) for x, inf in lost if x is not st]
                st.inflight = None
                self.counts["rewound"] += 1
                self._rebase(st, c["text"], c["version"], "rewound")
        self.load(clauses)  # sends what it rebases: those are not resent below
        for st, inf in lost:
            if self.states.get(st.id) is st:
                self._send_edit(st, inf)
        for st in list(self.states.values()):
            self._flush(st)

    def disconnected(self) -> None:
        """Requests out are never answered now; `joined` brings every text back."""
        self.connected = False
        for st in self.states.values():
            st.resyncing = False
            st.held.clear()

    def tick(self) -> None:
        """Time passed: send what is typed and not sent, once any rate limit is waited out."""
        now = self.clock()
        for st in list(self.states.values()):
            if st.retry_at is not None:
                if st.retry_at > now:
                    continue
                st.retry_at = None
            self._flush(st)

    # --- local typing --------------------------------------------------------------------------

    def set_local(self, clause_id: int, text: str) -> None:
        """The user changed a clause; it is sent unless an edit is in flight (then it rides with
        the next one)."""
        st = self.states.get(clause_id)
        if st is None:
            raise KeyError(f"clause {clause_id} is not in the joined draft")
        if text == st.local:
            return
        self.change(clause_id, textsync.make_delta(st.local, text))

    def change(self, clause_id: int, delta: str) -> None:
        """The user changed a clause, as an operation on its local text (explicit positions:
        `DraftClient.change`); it is kept as made, and transformed over others' edits."""
        st = self.states.get(clause_id)
        if st is None:
            raise KeyError(f"clause {clause_id} is not in the joined draft")
        local = textsync.apply_delta(st.local, delta)
        if local == st.local:
            return
        if st.typed_at is None:
            st.typed_at = self.clock()
        # `delta` is on the local text; the pending change is on its origin (a text merge may
        # have left the local text ahead of it with no operation kept: then it is diffed)
        before = None if st.local == self._origin(st) else self._pending(st)
        st.pending = delta if before is None else textsync.compose(before, delta)
        st.local = local
        self._flush(st)

    def _origin(self, st: ClauseState) -> str:
        """The text the pending change was typed on."""
        return st.inflight.sent_text if st.inflight is not None else st.base_text

    def _pending(self, st: ClauseState) -> str:
        """The pending change as an operation on its origin (diffed if only texts are known)."""
        if st.pending is None:
            st.pending = textsync.make_delta(self._origin(st), st.local)
        return st.pending

    def _flush(self, st: ClauseState) -> None:
        if st.inflight is not None or st.resyncing or st.retry_at is not None:
            return
        if st.local == st.base_text or not self.connected:
            return
        now = self.clock()
        inf = Inflight(
            edit_id=uuid.uuid4().hex,
            base_version=st.base_version,
            base_text=st.base_text,
            sent_text=st.local,
            delta=self._pending(st),
            sent_at=now,
            typed_at=st.typed_at if st.typed_at is not None else now,
        )
        st.inflight, st.typed_at, st.pending = inf, None, None
        st.held.clear()  # broadcast before this edit left: its acknowledgement includes them
        self.counts["sent"] += 1
        self.on_sent(st.id, inf)
        self._send_edit(st, inf)

    def _send_edit(self, st: ClauseState, inf: Inflight) -> None:
        payload = {
            "clause_id": st.id,
            "base_version": inf.base_version,
            "delta": inf.delta,
            "edit_id": inf.edit_id,
        }
        self.send(Request("edit", payload, st.id, inf))

    def _take_op(
        self, st: ClauseState, theirs: str, version: int, how: str, text: str | None = None
    ) -> None:
        """Others' edits (an operation on the base; `text`, the base after it, when known
        already): the base moves on, and what was typed locally is transformed over them, by
        offsets: it stays where the user put it."""
        old = st.base_version
        if text is None:
            text = textsync.apply_delta(st.base_text, theirs)
        if st.local == st.base_text:
            st.local, st.pending = text, None
        else:
            theirs_after, mine = textsync.transform(theirs, self._pending(st))
            st.local, st.pending = textsync.apply_delta(st.local, theirs_after), mine
        st.base_text, st.base_version = text, version
        self.counts["applied"] += 1
        self.on_applied(st.id, old, version, how)
        self._flush(st)

    def _rebase(self, st: ClauseState, text: str, version: int, how: str) -> None:
        """Take the server's whole text as the base (an outline, a clause:get answer: only
        texts are known); keep what was typed locally on top of it, by a three-way merge."""
        old = st.base_version
        if st.local == st.base_text:
            st.local = text
        else:
            st.local = textsync.merge3(st.base_text, text, st.local).text
        st.base_text, st.base_version, st.pending = text, version, None
        self.counts["applied"] += 1
        self.on_applied(st.id, old, version, how)
        self._flush(st)

    # --- answers ---------------------------------------------------------------------------------

    def answer(self, request: Request, reply: Any) -> None:
        """The acknowledgement of a request this machine sent."""
        if request.inflight is not None:
            self.edit_answered(request.clause_id, request.inflight, reply)
        else:
            self.clause_answered(request.clause_id, reply)

    def edit_answered(self, clause_id: int, inf: Inflight, reply: Any) -> None:
        st = self.states.get(clause_id)
        if st is None or st.inflight is not inf:
            return
        st.inflight = None
        text = acknowledged_text(inf.sent_text, reply)
        if text is not None:
            version = reply["version"]
            self.counts["acked"] += 1
            since = reply.get("delta")  # the others' edits, transformed over this one
            if st.local == inf.sent_text:
                st.local, st.pending = text, None
            elif isinstance(since, str):
                st.inflight = inf  # the pending change's origin is still the sent text
                theirs_after, mine = textsync.transform(since, self._pending(st))
                st.local, st.pending = textsync.apply_delta(st.local, theirs_after), mine
                st.inflight = None
            else:
                st.local = textsync.merge3(inf.sent_text, text, st.local).text
                st.pending = None
            st.base_text, st.base_version = text, version
            self.on_ack(clause_id, inf, version)
            self._release(st)
        elif isinstance(reply, dict) and reply.get("ok"):
            self._resync(st)  # an answer we cannot read: fetch the clause instead
        else:
            err = reply.get("error") if isinstance(reply, dict) else None
            err = err if isinstance(err, dict) else {}
            clause = reply.get("clause") if isinstance(reply, dict) else None
            code = err.get("code")
            if code == "behind" and clause:
                self.counts["behind"] += 1
                st.local = textsync.merge3(inf.base_text, clause["text"], st.local).text
                st.base_text, st.base_version = clause["text"], clause["version"]
                st.pending = None
                self._release(st)
            elif code == "rate_limited":
                # not applied; the local text is kept and sent again once the limit is waited out
                self.counts["rate_limited"] += 1
                st.typed_at = inf.typed_at
                # not applied: the edit and what was typed since are pending again, on the base
                st.pending = (
                    inf.delta if st.pending is None else textsync.compose(inf.delta, st.pending)
                )
                st.retry_at = self.clock() + RETRY_S
                self.schedule(st.retry_at)
                return
            else:
                # refused (formal mode, deleted clause, too long...): keep the record, go back
                # to the server's text
                self.errors.append({"clause_id": clause_id, **err, "text": st.local})
                st.local, st.pending = st.base_text, None
                self._resync(st)
        self._flush(st)

    def _resync(self, st: ClauseState) -> None:
        if st.resyncing or not self.connected:
            return  # asked already; or `joined` brings the text back
        st.resyncing = True
        st.held.clear()  # the answer includes everything broadcast before the request
        self.counts["resyncs"] += 1
        self.send(Request("clause:get", {"clause_id": st.id}, st.id))

    def clause_answered(self, clause_id: int, reply: Any) -> None:
        st = self.states.get(clause_id)
        if st is None:
            return
        st.resyncing = False
        if isinstance(reply, dict) and reply.get("ok"):
            c = reply["clause"]
            if c["version"] > st.base_version and st.inflight is None:
                self._rebase(st, c["text"], c["version"], "resync")
            if st.inflight is None and not st.resyncing:
                self._release(st)
        elif isinstance(reply, dict) and reply.get("error", {}).get("code") == "not_found":
            del self.states[clause_id]
            return
        else:
            self.errors.append({"clause_id": clause_id, "event": "clause:get", "reply": reply})
        self._flush(st)

    def _release(self, st: ClauseState) -> None:
        """After an answer (ack, behind, clause:get): apply the broadcasts held meanwhile that
        are newer than the answer's text; one can overtake the answer."""
        if not st.held:
            return
        held, st.held = st.held, []
        if len(held) > 1:
            held.sort(key=_by_version)
        for msg in held:
            if msg["version"] <= st.base_version:
                self.counts["ignored"] += 1
                continue
            self.counts["held"] += 1
            self._apply(st, msg, "held")
            if st.inflight is not None or st.resyncing:
                break  # a request went out: its answer includes the rest

    # --- broadcasts ------------------------------------------------------------------------------

    def clause_edited(self, msg: Msg) -> None:
        self.counts["edited"] += 1
        self.on_edited(msg)
        st = self.states.get(msg["clause_id"])
        if st is None or msg["version"] <= st.base_version:
            self.counts["ignored"] += 1
            return
        if st.inflight is not None or st.resyncing:
            st.held.append(msg)  # the answer to come may not include it yet
            return
        self._apply(st, msg, "delta")

    def clauses_edited(self, msg: Msg) -> None:
        """Several edits in one message, oldest first: each clause's run of deltas is applied
        to its base and merged under local typing once, not per delta."""
        edits = msg.get("edits", [])
        self.counts["edited"] += len(edits)
        if self.on_edited is not _noop:
            for m in edits:
                self.on_edited(m)
        for clause_id, run in edit_runs(msg).items():
            st = self.states.get(clause_id)
            if st is None:
                continue
            if st.inflight is not None or st.resyncing:
                st.held.extend(m for m in run if m["version"] > st.base_version)
                continue
            theirs, text, version = run_delta(st.base_text, st.base_version, run)
            if version != st.base_version:
                self._take_op(st, theirs, version, "delta", text)
            if version < run[-1]["version"] and st.inflight is None:
                self.counts["gaps"] += 1
                self._resync(st)

    def _apply(self, st: ClauseState, msg: Msg, how: str) -> None:
        if msg["base_version"] != st.base_version:
            self.counts["gaps"] += 1
            self._resync(st)
            return
        try:
            text = textsync.apply_delta(st.base_text, msg["delta"])
        except textsync.DeltaError:
            self._resync(st)
            return
        self._take_op(st, msg["delta"], msg["version"], how, text)
