"""Who is connected, in which drafts, in which clause.

Presence is announced to a draft's room as changes only (who arrived, moved or left), a few
times a second: joins come in storms (193 delegations at the opening), and a full list to
everyone on each join would be n² messages of n entries. A participant is marked present in
the store (what a quorum counts) while any of their connections is open.

One process (the default) keeps who is connected in its memory: nothing is written but the
mark. Several processes serving one database (`drafting serve --workers N`, with a message
queue) share it through the database instead (`start(shared=True)`): each writes its
connections' rows, and a participant is present while they have a connection in any process,
decided in the transaction that changed the rows. Each process beats every `BEAT` seconds and
forgets the rows of a process that is gone (its pid no longer exists on this host, or it has
not beaten for `STALE` seconds), so a killed process does not leave its people present.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..domain import EVENT_BURST, EVENTS_PER_SECOND, Participant
from ..events import draft_room

if TYPE_CHECKING:
    from ..actions import Actions
    from ..live import Live

log = logging.getLogger(__name__)

RATE, BURST = EVENTS_PER_SECOND, EVENT_BURST
PRESENCE_EVERY = 0.25  # seconds between presence announcements in one draft
# shared presence: a process beats this often, and is taken for dead after STALE seconds
# without a beat (on this host, at once when its pid is gone)
BEAT = 2.0
STALE = 15.0

COLORS = ["#d1495b", "#00798c", "#edae49", "#66a182", "#8d96a3", "#7b4fa0", "#e07a1f", "#2e4057"]


# Fair share: one delegate has a laptop, a phone, the projector, a colleague's tablet; 500
# connections with one link made others wait 7.4 s and grew the server by 1.1 GB (issue 12).
CONNECTIONS_PER_PARTICIPANT = 8
# A conference's Wi-Fi may put a whole room behind one address: this only stops a flood.
CONNECTIONS_PER_ADDRESS = 400


def _counted(address: str) -> bool:
    """Whether an address has a share to count. Not loopback: behind nginx on the same host
    every connection comes from 127.0.0.1 (until the proxy's X-Forwarded-For is trusted)."""
    return bool(address) and not (address.startswith("127.") or address == "::1")


@dataclass
class Connection:
    participant: Participant
    token_hash: str = ""  # of the invite link it signed in with: reissuing the link ends it
    address: str = ""
    drafts: set[int] = field(default_factory=set)
    focus: dict[int, int | None] = field(default_factory=dict)
    tokens: float = BURST
    stamp: float = field(default_factory=time.monotonic)
    sid: str = ""

    def allow(self) -> bool:
        """A token bucket: RATE events a second on average, bursts of BURST."""
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.stamp) * RATE)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _too_many(participant: Participant, n: int) -> str:
    return (
        f"{participant.name} already has {n} connections open with this link: "
        "close a tab or a device first."
    )


def _process_gone(process: str) -> bool:
    """Whether a process of this host (by its id, `host:pid:nonce`) no longer exists."""
    host, _, rest = process.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's: it exists
        return False
    return False


class Presence:
    def __init__(self, actions: Actions, live: Live) -> None:
        self.actions = actions
        self.live = live
        self._connections: dict[str, Connection] = {}
        self._announced: dict[int, dict[int, dict[str, Any]]] = {}  # draft -> last announced
        self._dirty: dict[int, set[int]] = {}  # shared: draft -> participants to announce
        self._lock = threading.Lock()
        self.shared = False
        self.process = ""  # shared: this process's id in the store, host:pid:nonce

    def start(self, shared: bool = False) -> None:
        """In a served process, before it takes connections. Alone, nobody is connected yet
        whatever the file says: a process that was stopped or killed left its people marked
        present, and they are marked absent now. Shared, this process registers, forgets
        the processes that are gone, puts right any mark that disagrees with the rows, and
        beats from then on."""
        store = self.actions.store
        if not shared:

            def alone() -> list[int]:
                store.forget_processes(list(store.server_processes()))
                return store.presence_mismatches()

            self.actions.settle_presence(alone, lambda pid: False)
            return
        self.shared = True
        self.process = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.beat(first=True)
        self.live.socketio.start_background_task(self._beat_loop)

    def _beat_loop(self) -> None:
        while True:
            self.live.socketio.sleep(BEAT)
            try:
                self.beat()
            except Exception:  # a busy or vanished file: the next beat tries again
                log.warning("presence beat failed", exc_info=True)

    def beat(self, first: bool = False) -> None:
        """Say this process is alive; forget the processes that are not, and mark their
        people absent unless they are connected elsewhere (they may have reconnected here)."""
        store = self.actions.store
        now = time.time()
        left: dict[int, set[int]] = {}

        def change() -> Iterable[int]:
            touched: set[int] = set()
            if not store.beat(self.process, now) and not first:
                # taken for dead (a long stall?) and forgotten: our connections again
                touched |= self._write_rows()
            known = store.server_processes()
            dead = [
                p
                for p, at in known.items()
                if p != self.process and (at < now - STALE or _process_gone(p))
            ]
            left.update(store.forget_processes(dead))
            self.live.processes = max(1, len(known) - len(dead))
            touched |= set(left)
            if first:
                touched |= set(store.presence_mismatches())
            return touched

        self.actions.settle_presence(change, self._connected_anywhere)
        for pid, drafts in left.items():
            for draft_id in drafts:
                self.announce(draft_id, pid)

    def _write_rows(self) -> set[int]:
        """This process's connections into the store (inside a transaction)."""
        store = self.actions.store
        with self._lock:
            conns = [(c, set(c.drafts), dict(c.focus)) for c in self._connections.values()]
        for c, drafts, focus in conns:
            store.add_connection(self.process, c.sid, c.participant.id, c.participant.conference_id)
            for draft_id in drafts:
                store.connection_in_draft(self.process, c.sid, draft_id, focus.get(draft_id))
        return {c.participant.id for c, _d, _f in conns}

    def _connected_anywhere(self, participant_id: int) -> bool:
        return self.actions.store.connection_count(participant_id) > 0

    def connected(
        self, sid: str, participant: Participant, token_hash: str = "", address: str = ""
    ) -> str | None:
        """A connection is someone in the room, whichever page of the conference it shows.
        Refused (the reason returned, nothing kept) past the fair share of a participant (in
        every process, when shared) or of an address (in this process)."""
        with self._lock:
            conns = self._connections.values()
            mine = sum(1 for c in conns if c.participant.id == participant.id)
            if mine >= CONNECTIONS_PER_PARTICIPANT:
                return _too_many(participant, mine)
            if _counted(address) and sum(1 for c in conns if c.address == address) >= (
                CONNECTIONS_PER_ADDRESS
            ):
                return "Too many connections from this address; try again in a moment."
            self._connections[sid] = Connection(participant, token_hash, address, sid=sid)
        if not self.shared:
            self.mark_present(participant)
            return None
        store = self.actions.store
        refused: str | None = None

        def change() -> Iterable[int]:
            nonlocal refused
            n = store.connection_count(participant.id)
            if n >= CONNECTIONS_PER_PARTICIPANT:
                refused = _too_many(participant, n)
                return []
            store.add_connection(self.process, sid, participant.id, participant.conference_id)
            return [participant.id]

        try:
            self.actions.settle_presence(change, self._connected_anywhere)
        except BaseException:
            refused = "not registered"
            raise
        finally:
            if refused:  # nothing kept
                with self._lock:
                    self._connections.pop(sid, None)
        return refused

    def sids(self) -> list[str]:
        with self._lock:
            return list(self._connections)

    def revoked(self) -> list[str]:
        """The connections whose invite link was reissued since they signed in (by the chair
        here, or by `drafting participant link` from another process): one query for all."""
        with self._lock:
            conns = list(self._connections.items())
        if not conns:
            return []
        current = self.actions.store.token_hashes({c.participant.id for _, c in conns})
        return [sid for sid, c in conns if current.get(c.participant.id) != c.token_hash]

    def still_valid(self, conn: Connection) -> bool:
        """Whether the connection's invite link is still the participant's."""
        return (
            self.actions.store.token_hashes({conn.participant.id}).get(conn.participant.id)
            == conn.token_hash
        )

    def disconnected(self, sid: str) -> None:
        with self._lock:
            conn = self._connections.pop(sid, None)
        if conn is None:
            return
        pid = conn.participant.id
        if self.shared:
            store = self.actions.store

            def change() -> Iterable[int]:
                store.drop_connection(self.process, sid)
                return [pid]

            self.actions.settle_presence(change, self._connected_anywhere)
            for draft_id in conn.drafts:
                self.announce(draft_id, pid)
            return
        for draft_id in conn.drafts:
            self.announce(draft_id)
        self.mark_present(conn.participant)

    def connection(self, sid: str) -> Connection | None:
        return self._connections.get(sid)

    def enter(self, conn: Connection, draft_id: int) -> None:
        with self._lock:
            conn.drafts.add(draft_id)
            clause = conn.focus.get(draft_id)
        self._share(conn, draft_id, clause, inside=True)
        self.announce(draft_id, conn.participant.id)

    def leave(self, conn: Connection, draft_id: int) -> None:
        with self._lock:
            conn.drafts.discard(draft_id)
            conn.focus.pop(draft_id, None)
        self._share(conn, draft_id, None, inside=False)
        self.announce(draft_id, conn.participant.id)

    def focus(self, conn: Connection, draft_id: int, clause_id: int | None) -> None:
        with self._lock:
            conn.focus[draft_id] = clause_id
        self._share(conn, draft_id, clause_id, inside=True)
        self.announce(draft_id, conn.participant.id)

    def _share(self, conn: Connection, draft_id: int, clause_id: int | None, inside: bool) -> None:
        """Shared: where the connection is, into the store for the other processes."""
        if not self.shared:
            return
        store = self.actions.store
        with store.write():
            if inside:
                store.connection_in_draft(self.process, conn.sid, draft_id, clause_id)
            else:
                store.connection_left_draft(self.process, conn.sid, draft_id)

    def people(self, draft_id: int, only: set[int] | None = None) -> list[dict[str, Any]]:
        """Who is in a draft, and which clause each is in (in every process, when shared;
        `only` those participants)."""
        if self.shared:
            return [
                _entry(p, clause)
                for p, clause in self.actions.store.people_in_draft(draft_id, only)
            ]
        people: dict[int, dict[str, Any]] = {}
        with self._lock:
            for conn in self._connections.values():
                if draft_id not in conn.drafts:
                    continue
                p = conn.participant
                if only is not None and p.id not in only:
                    continue
                entry = people.setdefault(p.id, _entry(p, None))
                clause = conn.focus.get(draft_id)
                if clause is not None:
                    entry["clause_id"] = clause
        return sorted(people.values(), key=lambda e: e["participant_id"])

    def announce(self, draft_id: int, participant_id: int | None = None) -> None:
        """Tell the room what changed in who is where, soon (coalesced). Alone, by the
        difference from what was last announced; shared, what the store says of the
        participants that changed (another process may have announced them meanwhile)."""
        if self.shared and participant_id is not None:
            with self._lock:
                self._dirty.setdefault(draft_id, set()).add(participant_id)

        def send() -> None:
            if self.shared:
                with self._lock:
                    ids = self._dirty.pop(draft_id, set())
                if not ids:
                    return
                changed = self.people(draft_id, ids)
                left = sorted(ids - {p["participant_id"] for p in changed})
            else:
                now_people = {p["participant_id"]: p for p in self.people(draft_id)}
                with self._lock:
                    before = self._announced.get(draft_id, {})
                    self._announced[draft_id] = now_people
                changed = [p for pid, p in now_people.items() if before.get(pid) != p]
                left = sorted(set(before) - set(now_people))
            if changed or left:
                payload = {"draft_id": draft_id, "people": changed, "left": left}
                self.live.emit("presence", payload, draft_room(draft_id))

        self.live.soon(("presence", draft_id), PRESENCE_EVERY, send)

    def mark_present(self, p: Participant) -> None:
        """Alone: a participant is present while any of their connections is open."""
        with self._lock:
            here = any(c.participant.id == p.id for c in self._connections.values())
        stored = self.actions.store.participant(p.id)
        if stored.present != here:
            self.actions.set_present(stored, here)


def _entry(p: Participant, clause_id: int | None) -> dict[str, Any]:
    return {
        "participant_id": p.id,
        "name": p.name,
        "delegation": p.delegation,
        "role": p.role,
        "color": COLORS[p.id % len(COLORS)],
        "clause_id": clause_id,
    }
