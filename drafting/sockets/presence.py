"""Who is connected, in which drafts, in which clause: this process's connections.

Presence is announced to a draft's room as changes only (who arrived, moved or left), a few
times a second: joins come in storms (193 delegations at the opening), and a full list to
everyone on each join would be n² messages of n entries. A participant is marked present in
the store while any of their connections is open.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..domain import EVENT_BURST, EVENTS_PER_SECOND, Participant
from ..events import draft_room

if TYPE_CHECKING:
    from ..actions import Actions
    from ..live import Live

RATE, BURST = EVENTS_PER_SECOND, EVENT_BURST
PRESENCE_EVERY = 0.25  # seconds between presence announcements in one draft

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

    def allow(self) -> bool:
        """A token bucket: RATE events a second on average, bursts of BURST."""
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.stamp) * RATE)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Presence:
    def __init__(self, actions: Actions, live: Live) -> None:
        self.actions = actions
        self.live = live
        self._connections: dict[str, Connection] = {}
        self._announced: dict[int, dict[int, dict[str, Any]]] = {}  # draft -> last announced
        self._lock = threading.Lock()

    def connected(
        self, sid: str, participant: Participant, token_hash: str = "", address: str = ""
    ) -> str | None:
        """A connection is someone in the room, whichever page of the conference it shows.
        Refused (the reason returned, nothing kept) past the fair share of a participant or
        of an address."""
        with self._lock:
            conns = self._connections.values()
            mine = sum(1 for c in conns if c.participant.id == participant.id)
            if mine >= CONNECTIONS_PER_PARTICIPANT:
                return (
                    f"{participant.name} already has {mine} connections open with this link: "
                    "close a tab or a device first."
                )
            if _counted(address) and sum(1 for c in conns if c.address == address) >= (
                CONNECTIONS_PER_ADDRESS
            ):
                return "Too many connections from this address; try again in a moment."
            self._connections[sid] = Connection(participant, token_hash, address)
        self.mark_present(participant)
        return None

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
        for draft_id in conn.drafts:
            self.announce(draft_id)
        self.mark_present(conn.participant)

    def connection(self, sid: str) -> Connection | None:
        return self._connections.get(sid)

    def enter(self, conn: Connection, draft_id: int) -> None:
        with self._lock:
            conn.drafts.add(draft_id)
        self.announce(draft_id)

    def leave(self, conn: Connection, draft_id: int) -> None:
        with self._lock:
            conn.drafts.discard(draft_id)
            conn.focus.pop(draft_id, None)
        self.announce(draft_id)

    def focus(self, conn: Connection, draft_id: int, clause_id: int | None) -> None:
        with self._lock:
            conn.focus[draft_id] = clause_id
        self.announce(draft_id)

    def people(self, draft_id: int) -> list[dict[str, Any]]:
        """Who is in a draft, and which clause each is in."""
        people: dict[int, dict[str, Any]] = {}
        with self._lock:
            for conn in self._connections.values():
                if draft_id not in conn.drafts:
                    continue
                p = conn.participant
                entry = people.setdefault(
                    p.id,
                    {
                        "participant_id": p.id,
                        "name": p.name,
                        "delegation": p.delegation,
                        "role": p.role,
                        "color": COLORS[p.id % len(COLORS)],
                        "clause_id": None,
                    },
                )
                clause = conn.focus.get(draft_id)
                if clause is not None:
                    entry["clause_id"] = clause
        return sorted(people.values(), key=lambda e: e["participant_id"])

    def announce(self, draft_id: int) -> None:
        """Tell the room what changed in who is where, soon (coalesced)."""

        def send() -> None:
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
        """A participant is present while any of their connections is open."""
        with self._lock:
            here = any(c.participant.id == p.id for c in self._connections.values())
        stored = self.actions.store.participant(p.id)
        if stored.present != here:
            self.actions.set_present(stored, here)
