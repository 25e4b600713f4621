"""Soak (issue 12's standing suite): clients edit, drop, reconnect and vote for a quarter of an
hour while the server is SIGKILLed every few minutes; afterwards nothing acknowledged is missing.

A real `drafting serve` (gunicorn and its gevent worker, as `make run` starts it) runs on
loopback over a fresh SQLite file. One conference holds two drafts:

- **the text** (drafting mode, `--clauses` clauses of one sentence each): `--editors` delegates
  type unique markers (``⟦editor.n⟧``) at known places, by explicit operations
  (`DraftClient.change(clause_id)` and `insert(pos, marker)`), about one every `--type-every`
  seconds each, at a random word boundary or next to another marker of a random clause. Each
  editor, about once every `--drop-every` seconds, types a marker and at once either goes
  offline for 1-5 s and keeps typing (a laptop leaving the Wi-Fi: `go_offline`, `go_online`)
  or closes its client and connects a new one a moment later (a closed tab: what it had not
  had acknowledged may be gone, or may have reached the server);
- **the vote** (formal mode, a clause per poll): the chair puts one clause after another to
  the vote, recorded, show of hands (`counted`) and secret in turn; `--voters` delegations
  vote yes, no or abstain at random moments within 2 s; the chair closes the poll once every
  ballot is acknowledged, and after a restart during a secret ballot (whose ballots are held in
  the server's memory only, by design) it suspends the poll and puts the question again.

Every `--kill-every` seconds (the last one may fall at the end of the load) the server's process
group is SIGKILLed and started again at once on the same port and database. Before every second
kill the chair is asked for a secret poll next, and the kill waits (at most half the interval,
or 10 s) until it holds an acknowledged ballot, so the lost-ballots path is taken in every run.
One more delegate, the leaver, is connected at the first kill and closes while the server is
away (a delegate who leaves the room during the outage).

**Acknowledged.** A marker counts as acknowledged when the server acknowledged an `edit` whose
text as sent contained it (`Inflight.sent_text`); a ballot when `poll:vote` was answered ok.
The acknowledgement comes after the commit.

**Checks** (each failure is listed under ``problems``, and the exit status is 1):

- every acknowledged marker is in the database's final text exactly once, whole, in place:
  between the markers that were left and right of it in its typist's copy, and at the same
  offset in the clause's original sentence (only markers are ever inserted, so the text with
  the markers taken out must be the original sentence, unchanged); an unacknowledged marker
  (its client was closed before the answer came) may be missing, or present once, never twice;
  a client still open at the end has every marker it typed acknowledged;
- the last version in each clause's history has the clause's text;
- every acknowledged ballot is in the record of proceedings (`Actions.record`): in a recorded
  vote the member's choice in the roll call; in a show of hands or a secret ballot the counts
  lie between the acknowledged ballots and those plus the unanswered ones. A secret poll that
  held an acknowledged ballot when the server was killed must be refused at close with the
  documented message ("The ballots of this secret vote were lost ... Suspend this vote and put
  the question again.") and suspended; no other poll may be;
- once the load stops and every client has synced (`DraftClient.sync`), every client's copy of
  its draft equals the database (convergence), and no client is stuck: each client connected at
  a kill has rejoined (its copy the server's current text again) within 30 s of the server
  being back (one that had not when the next kill came sooner is not counted);
- ``PRAGMA integrity_check`` says ok.

**Figures**: markers typed, acknowledged, lost (must be 0), unacknowledged that landed or were
lost; ballots sent and acknowledged, polls by kind, secret polls put again; kills, restart
time (kill to the server answering HTTP), reconnect time (kill to a client's `join` answered,
i.e. its copy current again: p50, p99, max over every client connected at a kill; and the part
of it after the server was up, socketio's reconnection delay and the join), the
server's CPU, and ``other_cpu_cores`` (what other processes took: a noisy run shows there).
``present_after_all_left``: participants the store still marks present once every client has
closed (it should be 0; the leaver stays "present": presence is not reset after a crash).

Clients are closed with `close_for_good` rather than `DraftClient.close()`, and `go_online` is
not called while socketio's own reconnection runs: otherwise a closed client comes back (see
`close_for_good`), holds its delegate "present" and resends what it had in flight.
The log (`soak.json`) and the database stay in the work directory with `--keep`;
`--check DIR` runs the checks again on them (a test doctors the database and expects a failure).

    .venv/bin/python benchmarks/soak.py                        # 15 min, a kill every 3 min
    # the tiny run of make test:
    .venv/bin/python benchmarks/soak.py --duration 20 --kill-every 8 --editors 3 --voters 3
        --clauses 4 --type-every 0.2 --drop-every 5
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import socketio

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from live_edit import ServerProcess, free_port, host_busy_seconds, wait_quiet  # noqa: E402

from drafting.actions import Actions  # noqa: E402
from drafting.client import DraftClient, Inflight, Refused  # noqa: E402
from drafting.store import Store  # noqa: E402

MARKER = re.compile(r"⟦\d+\.\d+⟧")
SENTENCE = (
    "Calls upon all Member States and the relevant organs and agencies to strengthen their "
    "cooperation on item {n} and to report on it at the next session."
)
CAP = 12_000  # a clause takes no more markers past this many characters (the limit: 20,000)
LOST_BALLOTS = "The ballots of this secret vote were lost"
PUT_AGAIN = "Suspend this vote and put the question again."
CHOICES = ("yes", "no", "abstain")
NET_ERRORS = (Refused, socketio.exceptions.SocketIOError, TimeoutError)


@dataclass
class Typed:
    """A marker as its typist typed it."""

    marker: str
    clause_id: int
    offset: int  # characters of the original sentence before it
    left: str | None  # the nearest marker before it in the typist's copy
    right: str | None
    acked: bool = False
    dropped: bool = False  # its client was closed before it was acknowledged


@dataclass
class PollLog:
    id: int
    kind: str
    subject_id: int
    opened_at: float
    attempted: dict[int, str] = field(default_factory=dict)  # member -> choice sent
    acked: dict[int, str] = field(default_factory=dict)  # member -> choice acknowledged
    first_ack_at: float | None = None
    decided_at: float | None = None
    outcome: str | None = None  # closed, lost (secret ballots lost: suspended), abandoned
    refusal: str = ""  # the message closing was refused with


class SoakClient(DraftClient):
    """A DraftClient that notes when its copy was loaded (join answered) and which of the
    markers typed on it were acknowledged."""

    def __init__(self, url: str, token: str, name: str, *, timeout: float) -> None:
        self.name = name
        self.loaded_at: list[float] = []
        self.left_at: list[float] = []  # went offline or was closed on purpose
        self.markers: dict[int, list[Typed]] = {}  # typed here, not yet acknowledged
        self.retired = False
        super().__init__(url, token, timeout=timeout)

    def _load(self, reply: dict[str, Any]) -> None:
        super()._load(reply)
        self.loaded_at.append(time.monotonic())

    def _acked(self, clause_id: int, inf: Inflight, version: int) -> None:
        # not DraftClient's: it keeps every acknowledged text, megabytes over a soak
        waiting = self.markers.get(clause_id)
        if waiting:
            for t in waiting:
                t.acked = t.acked or t.marker in inf.sent_text
            self.markers[clause_id] = [t for t in waiting if not t.acked]

    def forget_messages(self) -> None:
        with self._lock:
            self.received.clear()


# --- the checks (also run by --check on a kept work directory) ---------------------------------


def check_edits(
    final: dict[int, str], sentences: dict[int, str], typed: list[Typed]
) -> dict[str, Any]:
    """Each acknowledged marker once, whole, in place; unacknowledged ones at most once."""
    problems: list[str] = []
    lost = doubled = misplaced = landed = lost_unacked = never_acked = 0
    for t in typed:
        text = final.get(t.clause_id, "")
        n = text.count(t.marker)
        if n > 1:
            doubled += 1
            problems.append(f"{t.marker} is in clause {t.clause_id} {n} times")
            continue
        if n == 0:
            if t.acked:
                lost += 1
                problems.append(f"{t.marker} was acknowledged and is not in clause {t.clause_id}")
            elif t.dropped:
                lost_unacked += 1
            else:
                never_acked += 1
                problems.append(f"{t.marker} was typed on a client open to the end, never sent")
            continue
        if not t.acked:
            if t.dropped:
                landed += 1
            else:
                never_acked += 1
                problems.append(f"{t.marker} is in the text but its client never heard so")
        at = text.index(t.marker)
        offset = len(MARKER.sub("", text[:at]))
        ok = offset == t.offset
        ok = ok and (t.left is None or t.left not in text or text.index(t.left) < at)
        ok = ok and (t.right is None or t.right not in text or text.index(t.right) > at)
        if not ok:
            misplaced += 1
            problems.append(
                f"{t.marker} is at offset {offset} of clause {t.clause_id}, typed at {t.offset} "
                f"between {t.left} and {t.right}"
            )
    known = {t.marker for t in typed}
    for cid, text in final.items():
        if cid in sentences and MARKER.sub("", text) != sentences[cid]:
            problems.append(f"clause {cid}'s text without the markers is not its sentence")
        strangers = [m for m in MARKER.findall(text) if m not in known]
        if strangers:
            problems.append(f"clause {cid} holds markers nobody typed: {strangers[:3]}")
    return {
        "markers_typed": len(typed),
        "markers_acked": sum(t.acked for t in typed),
        "markers_lost": lost,
        "markers_doubled": doubled,
        "markers_misplaced": misplaced,
        "unacked_landed": landed,
        "unacked_lost": lost_unacked,
        "never_acked": never_acked,
        "problems": problems,
    }


def check_ballots(record: dict[str, Any], poll_ids: list[int], polls: list[PollLog]) -> dict:
    """Every acknowledged ballot in the record of proceedings."""
    problems: list[str] = []
    entries = dict(zip(poll_ids, record["votes"], strict=True))
    missing = 0
    for p in polls:
        e = entries.get(p.id)
        if e is None:
            problems.append(f"poll {p.id} is not in the record")
            missing += len(p.acked)
            continue
        if p.outcome == "lost":
            if e["state"] != "suspended":
                problems.append(f"secret poll {p.id}: ballots lost, but it is {e['state']}")
            continue
        if p.outcome != "closed":
            continue
        if e["state"] != "closed":
            problems.append(f"poll {p.id} was closed, the record says {e['state']}")
            missing += len(p.acked)
            continue
        if p.kind == "recorded":
            called = {c["member_id"]: c["choice"] for c in e.get("called", [])}
            for member, choice in p.attempted.items():
                allowed = {choice} if member in p.acked else {choice, None}
                if called.get(member) not in allowed:
                    missing += member in p.acked
                    problems.append(
                        f"recorded poll {p.id}: member {member} voted {choice} "
                        f"({'acknowledged' if member in p.acked else 'unanswered'}), "
                        f"the roll call says {called.get(member)}"
                    )
            for member, choice in called.items():
                if choice is not None and member not in p.attempted:
                    problems.append(f"recorded poll {p.id}: member {member} never voted")
        else:
            for c in CHOICES:
                low = sum(v == c for v in p.acked.values())
                high = low + sum(v == c for m, v in p.attempted.items() if m not in p.acked)
                if not low <= e[c] <= high:
                    missing += max(0, low - e[c])
                    problems.append(
                        f"{p.kind} poll {p.id}: {e[c]} {c}, acknowledged {low}, sent {high}"
                    )
    return {"ballots_missing": missing, "problems": problems}


def check_secret_restarts(polls: list[PollLog], kills: list[float]) -> dict[str, Any]:
    """A restart during a secret ballot: closing refused with the documented message, the
    poll suspended and put again; never otherwise."""
    problems = []
    for p in polls:
        spanned = p.first_ack_at is not None and any(
            p.first_ack_at < k < (p.decided_at or float("inf")) for k in kills
        )
        if p.kind == "secret" and spanned and p.outcome != "lost":
            problems.append(
                f"secret poll {p.id} held an acknowledged ballot at a kill and was {p.outcome}"
            )
        if p.outcome == "lost":
            if not any(p.opened_at < k < (p.decided_at or float("inf")) for k in kills):
                problems.append(f"poll {p.id}'s ballots were lost without a restart")
            if LOST_BALLOTS not in p.refusal or PUT_AGAIN not in p.refusal:
                problems.append(f"poll {p.id}'s close was refused with: {p.refusal!r}")
            if not any(q.subject_id == p.subject_id and q.id > p.id for q in polls):
                problems.append(f"the question of poll {p.id} was not put again")
    return {"secret_put_again": sum(p.outcome == "lost" for p in polls), "problems": problems}


def verify(db: Path, log: dict[str, Any]) -> dict[str, Any]:
    """Every check that reads the database, from the run's log."""
    problems: list[str] = []
    with sqlite3.connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    store = Store(db)
    texts: dict[int, dict[int, str]] = {}
    for draft_id in (log["edit_draft"], log["vote_draft"]):
        clauses = store.clauses(draft_id)
        texts[draft_id] = {c.id: c.text for c in clauses}
        for c in clauses:
            if store.clause_text_at(c.id, c.version) != c.text:
                problems.append(f"clause {c.id}: version {c.version} in its history differs")
    typed = [Typed(**t) for t in log["typed"]]
    sentences = {int(k): v for k, v in log["sentences"].items()}
    edits = check_edits(texts[log["edit_draft"]], sentences, typed)
    polls = [PollLog(**p) for p in log["polls"]]
    for p in polls:  # JSON keys are texts
        p.attempted = {int(k): v for k, v in p.attempted.items()}
        p.acked = {int(k): v for k, v in p.acked.items()}
    actions = Actions(store)
    record = actions.record(None, log["vote_draft"])
    poll_ids = [p.id for p in store.polls(log["vote_draft"])]
    ballots = check_ballots(record, poll_ids, polls)
    secret = check_secret_restarts(polls, log["kills"])
    diverged = []
    for name, copy in log["copies"].items():
        mine = {int(k): v for k, v in copy["texts"].items()}
        held = texts[copy["draft_id"]]
        if mine != held:
            wrong = sorted(set(mine) ^ set(held)) + [
                cid for cid, text in mine.items() if held.get(cid, text) != text
            ]
            diverged.append(name)
            problems.append(f"{name}'s copy differs from the database in clauses {wrong[:5]}")
    problems += edits.pop("problems") + ballots.pop("problems") + secret.pop("problems")
    return {
        "integrity": integrity,
        **edits,
        **ballots,
        **secret,
        "clients_compared": len(log["copies"]),
        "converged": not diverged and bool(log["copies"]),
        "problems": problems,
    }


# --- the run -------------------------------------------------------------------------------------


def reconnecting(sio: socketio.Client) -> bool:
    task = sio._reconnect_task
    return task is not None and task.is_alive()


def close_for_good(sio: socketio.Client) -> None:
    """Close a Socket.IO client so that it stays closed. `disconnect()` (what
    `DraftClient.close` does) leaves a reconnection under way running, and `shutdown()` lets
    an attempt in progress succeed. And a reconnection task whose client was connected by
    hand meanwhile (`go_online` during an outage) keeps trying, answered "Already connected",
    until the client is closed, then reconnects it. So: no new reconnection, end the one
    under way, close what it may have opened."""
    sio.reconnection = False
    if sio._reconnect_abort is not None:
        sio._reconnect_abort.set()
    task = sio._reconnect_task
    if task is not None:
        task.join(10)
    if sio.connected:
        sio.disconnect()


class Server(ServerProcess):
    def kill(self) -> None:
        """SIGKILL to the whole group (gunicorn's arbiter and its worker): no goodbye."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._log.close()


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def setup(db: Path, args: argparse.Namespace) -> dict[str, Any]:
    a = Actions(Store(db))
    conf, _chair, chair_token = a.create_conference("Soak Assembly", "Chair")
    # members are the voters' delegations; each editor belongs to one of them, so an editor
    # who drops leaves the quorum alone
    voters = a.import_participants(
        None,
        conf.id,
        [{"name": f"Voter {i}", "delegation": f"State {i:02}"} for i in range(args.voters)],
    )
    editors = a.import_participants(
        None,
        conf.id,
        [
            {"name": f"Editor {i}", "delegation": f"State {i % args.voters:02}"}
            for i in range(args.editors)
        ]
        + [{"name": "Leaver", "delegation": "State 00"}],
    )
    text = a.create_draft(
        None,
        conf.id,
        "The text",
        [("operative", 0, SENTENCE.format(n=n)) for n in range(1, args.clauses + 1)],
    )
    polls = max(30, int(args.duration / 2) + 20)  # a clause per poll, and some to spare
    vote = a.create_draft(
        None,
        conf.id,
        "The votes",
        [("preambular", 0, f"Recalling item {n} of the agenda,") for n in range(1, polls + 1)]
        + [("operative", 0, "Decides to remain seized of the matter.")],
    )
    a.set_mode(None, vote.id, "formal")
    edit_view = a.draft_view(None, text.id)
    vote_view = a.draft_view(None, vote.id)
    return {
        "conference_id": conf.id,
        "chair_token": chair_token,
        "voter_tokens": [t for _p, t in voters],
        "editor_tokens": [t for _p, t in editors][:-1],
        "leaver_token": editors[-1][1],
        "edit_draft": text.id,
        "vote_draft": vote.id,
        "sentences": {c["id"]: c["text"] for c in edit_view["clauses"]},
        "subjects": [c["id"] for c in vote_view["clauses"] if c["kind"] == "preambular"],
    }


class Soak:
    def __init__(self, args: argparse.Namespace, server: Server, cfg: dict[str, Any]) -> None:
        self.args, self.server, self.cfg = args, server, cfg
        self.url = server.url
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.typed: list[Typed] = []
        self.polls: list[PollLog] = []
        self.current: PollLog | None = None
        self.want_secret = threading.Event()
        self.leaver: SoakClient | None = None
        self.clients: list[SoakClient] = []
        self.final: dict[str, SoakClient] = {}  # the last client of each role
        self.kills: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.counts = {"offline": 0, "closed": 0, "connect_retries": 0, "ballots_sent": 0}
        self.server_cpu = 0.0
        self.t0 = time.monotonic()

    # --- clients ---

    def connect(self, token: str, name: str, draft_id: int) -> SoakClient:
        """A new client, connected and joined; tried again while the server is away."""
        deadline = time.monotonic() + 120
        while True:
            try:
                c = SoakClient(self.url, token, name, timeout=self.args.timeout)
            except Refused:
                c = None
            if c is not None:
                try:
                    c.join(draft_id)
                    with self.lock:
                        self.clients.append(c)
                    return c
                except NET_ERRORS:
                    close_for_good(c.sio)
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} could not connect for 120 s")
            with self.lock:
                self.counts["connect_retries"] += 1
            time.sleep(0.3)

    def retire(self, c: SoakClient) -> None:
        """Close a client for good: what it had not had acknowledged may be lost."""
        with c._lock:
            c.retired = True
            c.left_at.append(time.monotonic())
            for waiting in c.markers.values():
                for t in waiting:
                    t.dropped = not t.acked
        c._closing = True
        close_for_good(c.sio)

    @staticmethod
    def go_online(c: SoakClient) -> bool:
        if c.sio.connected:
            return True
        if reconnecting(c.sio):
            return False  # socketio's own reconnection is under way: a second would race it
        try:
            c.go_online()
            return True
        except (socketio.exceptions.ConnectionError, ValueError):
            return False

    # --- the editors ---

    def type_marker(self, c: SoakClient, rng: random.Random, marker: str) -> None:
        cid = rng.choice(list(self.cfg["sentences"]))
        with c.change(cid) as ch:
            text = ch.text
            if len(text) + len(marker) > CAP:
                return
            spots = {0, len(text)}
            spots.update(m.end() for m in MARKER.finditer(text))
            spots.update(k for k, char in enumerate(text) if char == " ")
            at = rng.choice(sorted(spots))
            left = right = None
            for m in MARKER.finditer(text):
                if m.end() <= at:
                    left = m.group()
                elif right is None:
                    right = m.group()
            t = Typed(marker, cid, len(MARKER.sub("", text[:at])), left, right)
            ch.insert(at, marker)
            c.markers.setdefault(cid, []).append(t)
            self.typed.append(t)

    def editor(self, i: int) -> None:
        rng = random.Random(self.args.seed * 1000 + i)
        token, name = self.cfg["editor_tokens"][i], f"editor {i}"
        draft_id = self.cfg["edit_draft"]
        c = self.connect(token, name, draft_id)
        offline_until: float | None = None
        n = 0
        drop_chance = self.args.type_every / self.args.drop_every if self.args.drop_every else 0
        while not self.stop.wait(rng.uniform(0.2, 1.8) * self.args.type_every):
            now = time.monotonic()
            if offline_until is not None:
                if now >= offline_until and self.go_online(c):
                    offline_until = None
            elif rng.random() < drop_chance and c.sio.connected:
                # a marker typed just before: its edit may be in flight when the link goes
                self.type_marker(c, rng, f"⟦{i}.{n}⟧")
                n += 1
                if rng.random() < 0.5:
                    c.left_at.append(now)
                    c.go_offline()  # keeps typing, sends it all when back
                    offline_until = now + rng.uniform(1, 5)
                    self.counts["offline"] += 1
                else:
                    self.retire(c)  # a closed tab: what was not acknowledged may be gone
                    self.counts["closed"] += 1
                    time.sleep(rng.uniform(0.2, 2))
                    c = self.connect(token, name, draft_id)
            self.type_marker(c, rng, f"⟦{i}.{n}⟧")
            n += 1
            if n % 50 == 0:
                c.forget_messages()
        deadline = time.monotonic() + 60
        while not self.go_online(c):
            if time.monotonic() > deadline:
                self.problems.append(f"{name} could not come back online for 60 s")
                break
            time.sleep(0.3)
        self.final[name] = c

    # --- the vote ---

    def cast(self, v: SoakClient, p: PollLog, choice: str, rng: random.Random) -> None:
        """One delegation's ballot, sent again until it is answered or the poll is over."""
        time.sleep(rng.uniform(0, 2))
        assert v.me is not None
        member = v.me["member_id"]
        if rng.random() < 0.1 and v.sio.connected:  # the voter's Wi-Fi drops for a moment
            v.left_at.append(time.monotonic())
            v.go_offline()
            time.sleep(rng.uniform(0.3, 1.5))
            while not self.go_online(v):
                time.sleep(0.3)
        p.attempted[member] = choice
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with self.lock:
                    self.counts["ballots_sent"] += 1
                v.vote(p.id, choice)
                p.acked[member] = choice
                if p.first_ack_at is None:
                    p.first_ack_at = time.monotonic()
                return
            except Refused as e:
                if e.code == "conflict":
                    # closed, the secret ballots lost, or (secret) a ballot sent before a
                    # restart already counted: no answer will come for this one
                    return
                if e.code not in ("timeout", "rate_limited"):
                    self.problems.append(f"{v.name}'s ballot in poll {p.id}: {e}")
                    return
            except socketio.exceptions.SocketIOError:
                pass  # not connected: it reconnects by itself
            time.sleep(0.3)
        self.problems.append(f"{v.name}'s ballot in poll {p.id} got no answer for 60 s")

    def chair_call(self, what: str, fn: Any, *args: Any) -> Any:
        """A chair's request, sent again until it is answered; a lost quorum is waited out (it
        comes back as the delegations rejoin). Other refusals are raised."""
        deadline = time.monotonic() + 120
        while True:
            try:
                return fn(*args)
            except Refused as e:
                quorum = e.code == "conflict" and str(e).startswith("Quorum")
                if not (quorum or e.code in ("timeout", "rate_limited")):
                    raise
            except socketio.exceptions.SocketIOError:
                pass  # not connected: it reconnects by itself
            if time.monotonic() > deadline:
                raise RuntimeError(f"the chair could not {what} for 120 s")
            time.sleep(0.3)

    def open_poll(self, chair: SoakClient, subject: int, kind: str) -> int:
        subj = ("clause", subject)
        try:
            return int(self.chair_call("open a vote", chair.open_poll, subj, "simple", kind))
        except Refused as e:
            if not str(e).startswith("Another vote"):
                raise
        # an open sent before a kill was committed, its answer lost: it is that poll
        ask = {"draft_id": chair.draft_id}
        poll = self.chair_call("read the draft", chair.call, "draft:get", ask)["draft"]["poll"]
        if poll is None or poll["subject_id"] != subject or poll["kind"] != kind:
            raise RuntimeError(f"another vote is open: {poll}")
        return int(poll["id"])

    def decide(self, chair: SoakClient, p: PollLog) -> None:
        try:
            self.chair_call("close a vote", chair.close_poll, p.id)
            p.outcome = "closed"
        except Refused as e:
            if LOST_BALLOTS in str(e):
                p.refusal = str(e)
                try:
                    self.chair_call("suspend a vote", chair.suspend_poll, p.id)
                except Refused as again:
                    if "suspended already" not in str(again):
                        raise
                p.outcome = "lost"
            elif "closed already" in str(e):
                p.outcome = "closed"  # the close before a kill was committed
            else:
                raise
        p.decided_at = time.monotonic()

    def voting(self) -> None:
        rng = random.Random(self.args.seed)
        draft_id = self.cfg["vote_draft"]
        chair = self.connect(self.cfg["chair_token"], "chair", draft_id)
        voters = [
            self.connect(t, f"voter {i}", draft_id) for i, t in enumerate(self.cfg["voter_tokens"])
        ]
        kinds = ["recorded", "counted", "secret"] if self.args.secret else ["recorded", "counted"]
        subjects = iter(self.cfg["subjects"])
        subject, k, again = next(subjects), 0, False
        kind = kinds[0]
        while again or not self.stop.is_set():
            if again:
                pass  # the question put again as it was
            elif self.want_secret.is_set() and self.args.secret:
                kind = "secret"  # the next kill waits for a secret ballot
            else:
                kind = kinds[k % len(kinds)]
            if kind == "secret":
                self.want_secret.clear()
            p = PollLog(self.open_poll(chair, subject, kind), kind, subject, time.monotonic())
            with self.lock:
                self.polls.append(p)
                self.current = p
            threads = [
                threading.Thread(
                    target=self.cast,
                    args=(v, p, rng.choice(CHOICES), random.Random(rng.random())),
                    daemon=True,
                )
                for v in voters
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(90)
            time.sleep(0.3)
            self.decide(chair, p)
            with self.lock:
                self.current = None
            again = p.outcome == "lost"
            if again:
                continue  # the same question, put again (after the end of the load too)
            k += 1
            try:
                subject = next(subjects)
            except StopIteration:
                break
            for v in [chair, *voters]:
                v.forget_messages()
        self.final["chair"] = chair
        for i, v in enumerate(voters):
            self.final[f"voter {i}"] = v

    def guarded(self, fn: Any, *args: Any) -> None:
        """A thread's body: what goes wrong is a problem of the run, not a traceback."""
        try:
            fn(*args)
        except Exception as e:
            self.problems.append(f"{threading.current_thread().name}: {type(e).__name__}: {e}")

    def secret_ballot_held(self) -> bool:
        with self.lock:
            p = self.current
            return p is not None and p.kind == "secret" and bool(p.acked)

    # --- the kills ---

    def killer(self) -> None:
        every, k = self.args.kill_every, 0
        while True:
            at = self.t0 + (k + 1) * every
            if at > self.t0 + self.args.duration:
                return
            time.sleep(max(0.0, at - time.monotonic()))
            if k % 2 == 1 and self.args.secret:
                self.want_secret.set()
                limit = time.monotonic() + max(10.0, every / 2)
                while not self.secret_ballot_held() and time.monotonic() < limit:
                    time.sleep(0.02)
            with self.lock:
                watched = [c for c in self.clients if not c.retired and c.sio.connected]
            self.server_cpu += self.server.cpu_seconds()
            t_kill = time.monotonic()
            self.server.kill()
            if k == 0 and self.leaver is not None:
                self.retire(self.leaver)  # left the room while the server was away
            self.server.start(timeout=60)
            self.kills.append({"at": t_kill, "up": time.monotonic(), "watched": watched})
            print(
                f"kill {k + 1} at {t_kill - self.t0:.0f} s: up again in "
                f"{time.monotonic() - t_kill:.2f} s",
                flush=True,
            )
            k += 1

    def reconnects(self) -> tuple[list[float], list[float], list[str]]:
        """Kill to each client's copy being current again (its join answered). A client that
        has not rejoined 30 s after the server came back is stuck; one that had not when the
        next kill came sooner is not counted."""
        times, after_up, stuck = [], [], []
        for n, kill in enumerate(self.kills):
            until = self.kills[n + 1]["at"] if n + 1 < len(self.kills) else float("inf")
            for c in kill["watched"]:
                back = next((t for t in c.loaded_at if t > kill["at"]), None)
                left = [t for t in c.left_at if t > kill["at"]]
                if left and (back is None or min(left) < back):
                    continue  # it left on purpose first
                if back is not None and back < until:
                    times.append((back - kill["at"]) * 1000)
                    after_up.append((back - kill["up"]) * 1000)
                elif min(until, back or float("inf")) > kill["up"] + 30:
                    stuck.append(f"{c.name} did not rejoin after kill {n + 1}")
        return times, after_up, stuck


def load_and_settle(soak: Soak) -> tuple[dict, float, float, int, float, list[str]]:
    """The load, the kills, then every client synced and its copy taken."""
    args, server = soak.args, soak.server
    busy0, cpu0 = host_busy_seconds(), time.process_time()
    threads = [threading.Thread(target=soak.guarded, args=(soak.voting,), name="voting")]
    threads += [
        threading.Thread(target=soak.guarded, args=(soak.editor, i), name=f"editor {i}")
        for i in range(args.editors)
    ]
    killer = threading.Thread(target=soak.guarded, args=(soak.killer,), name="killer")
    soak.leaver = soak.connect(soak.cfg["leaver_token"], "leaver", soak.cfg["edit_draft"])
    for t in [*threads, killer]:
        t.daemon = True
        t.start()
    errors: list[str] = []
    time.sleep(args.duration)
    killer.join()  # its last kill may wait for a secret ballot past the duration
    soak.stop.set()
    settle0 = time.monotonic()
    for t in threads:
        t.join(180)
        if t.is_alive():
            errors.append(f"{t.name} did not finish")
    for _round in range(2):  # the second: every client has the others' last edits too
        for name, c in sorted(soak.final.items()):
            try:
                c.sync(timeout=args.settle)
            except (TimeoutError, *NET_ERRORS) as e:
                errors.append(f"{name} did not settle: {e}")
    copies = {
        name: {"draft_id": c.draft_id, "texts": {cid: c.text(cid) for cid in list(c._states)}}
        for name, c in sorted(soak.final.items())
    }
    settle_s = time.monotonic() - settle0
    wall = time.monotonic() - soak.t0
    for c in soak.final.values():
        soak.retire(c)
    time.sleep(5.0)  # the server marks them absent
    store = Store(server.db_path)
    present = sum(p.present for p in store.participants(soak.cfg["conference_id"]))
    soak.server_cpu += server.cpu_seconds()
    other = host_busy_seconds() - busy0 - soak.server_cpu - (time.process_time() - cpu0)
    return copies, settle_s, wall, present, other / wall, errors


def run(args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    if args.workdir:
        work = Path(args.workdir)
        work.mkdir(parents=True)
        args.keep = True
    else:
        work = Path(tempfile.mkdtemp(prefix="drafting-soak-"))
    db = work / "soak.db"
    cfg = setup(db, args)
    busy_before = wait_quiet(args.wait_quiet) if args.wait_quiet else None
    server = Server(db, free_port(), work / "server.log")
    server.start()
    soak = Soak(args, server, cfg)
    try:
        copies, settle_s, wall, present, other, errors = load_and_settle(soak)
    finally:
        server.stop()
    log = {
        "edit_draft": cfg["edit_draft"],
        "vote_draft": cfg["vote_draft"],
        "sentences": cfg["sentences"],
        "typed": [asdict(t) for t in soak.typed],
        "polls": [asdict(p) for p in soak.polls],
        "kills": [k["at"] for k in soak.kills],
        "copies": copies,
    }
    (work / "soak.json").write_text(json.dumps(log))
    checked = verify(db, log)
    recon, after_up, stuck = soak.reconnects()
    restarts = [k["up"] - k["at"] for k in soak.kills]
    problems = errors + soak.problems + stuck + checked.pop("problems")
    # gevent prints gunicorn's SystemExit when the server is stopped at the end: not an error
    blocks = (work / "server.log").read_text(errors="replace").split("Traceback")[1:]
    server_errors = sum("SystemExit" not in b[:2000] for b in blocks)
    sent = sum(len(p.attempted) for p in soak.polls)
    result = {
        "duration_s": args.duration,
        "kill_every_s": args.kill_every,
        "editors": args.editors,
        "voters": args.voters,
        "clauses": args.clauses,
        **checked,
        "edits_sent": sum(c._doc.counts["sent"] for c in soak.clients),
        "edits_acked": sum(c._doc.counts["acked"] for c in soak.clients),
        "edits_refused": sum(len(c.errors) for c in soak.clients),
        "ballots_sent": sent,
        "ballots_acked": sum(len(p.acked) for p in soak.polls),
        "ballot_requests": soak.counts["ballots_sent"],
        "connect_retries": soak.counts["connect_retries"],
        "polls": {
            k: sum(p.kind == k and p.outcome == "closed" for p in soak.polls)
            for k in ("recorded", "counted", "secret")
        },
        "kills": len(soak.kills),
        "restart_s_p50": round(statistics.median(restarts), 2) if restarts else None,
        "restart_s_max": round(max(restarts), 2) if restarts else None,
        "reconnects": len(recon),
        "reconnect_ms_p50": round(pct(recon, 0.5) or 0),
        "reconnect_ms_p99": round(pct(recon, 0.99) or 0),
        "reconnect_ms_max": round(max(recon, default=0)),
        "rejoin_after_up_ms_p50": round(pct(after_up, 0.5) or 0),
        "rejoin_after_up_ms_max": round(max(after_up, default=0)),
        "stuck": len(stuck),
        "went_offline": soak.counts["offline"],
        "clients_closed": soak.counts["closed"],
        "clients_made": len(soak.clients),
        "present_after_all_left": present,
        "settle_s": round(settle_s, 1),
        "server_cpu_cores": round(soak.server_cpu / wall, 2),
        "soak_cpu_cores": round(time.process_time() / wall, 2),
        "other_cpu_cores": round(max(0.0, other), 2),
        "busy_before": busy_before,
        "server_tracebacks": server_errors,
        "ok": not problems,
        "problems": problems[:20],
    }
    if args.keep:
        result["workdir"] = str(work)
    else:
        shutil.rmtree(work)
    return result, not problems


def report(r: dict[str, Any]) -> None:
    if "editors" in r:
        print(
            f"{r['duration_s']:.0f} s, {r['editors']} editors on {r['clauses']} clauses, "
            f"{r['voters']} voting delegations; {r['kills']} kills "
            f"(every {r['kill_every_s']:.0f} s)"
        )
    print(
        f"markers typed {r['markers_typed']}, acknowledged {r['markers_acked']}, "
        f"LOST {r['markers_lost']}, doubled {r['markers_doubled']}, "
        f"misplaced {r['markers_misplaced']}; unacknowledged: {r['unacked_landed']} landed, "
        f"{r['unacked_lost']} lost with their closed client"
    )
    if "edits_sent" in r:
        print(
            f"edit messages sent {r['edits_sent']}, acknowledged {r['edits_acked']}, "
            f"refused {r['edits_refused']}; {r['went_offline']} times offline, "
            f"{r['clients_closed']} clients closed and replaced"
        )
        print(
            f"ballots sent {r['ballots_sent']}, acknowledged {r['ballots_acked']}, missing from "
            f"the record {r['ballots_missing']}; polls closed {r['polls']}, secret polls put "
            f"again after a restart {r['secret_put_again']}"
        )
        print(
            f"restart (kill to serving) p50 {r['restart_s_p50']} s, max {r['restart_s_max']} s; "
            f"reconnect (kill to copy current) p50 {r['reconnect_ms_p50']} ms, p99 "
            f"{r['reconnect_ms_p99']} ms, max {r['reconnect_ms_max']} ms over "
            f"{r['reconnects']} (after the server was up: p50 {r['rejoin_after_up_ms_p50']} ms, "
            f"max {r['rejoin_after_up_ms_max']} ms); stuck {r['stuck']}"
        )
        print(
            f"server {r['server_cpu_cores']} cores, soak {r['soak_cpu_cores']}, others "
            f"{r['other_cpu_cores']}; settled in {r['settle_s']} s; "
            f"{r['present_after_all_left']} participants still marked present after every "
            "client left (should be 0)"
        )
    print(
        f"converged {r['converged']} ({r['clients_compared']} clients), integrity "
        f"{r['integrity']}: {'OK' if r['ok'] else 'FAILED'}"
    )
    for p in r["problems"]:
        print(f"  problem: {p}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--duration", type=float, default=900.0, help="seconds of load")
    p.add_argument("--kill-every", type=float, default=180.0, help="seconds between SIGKILLs")
    p.add_argument("--editors", type=int, default=8)
    p.add_argument("--voters", type=int, default=5, help="voting delegations (the members)")
    p.add_argument("--clauses", type=int, default=16)
    p.add_argument("--type-every", type=float, default=0.5, help="mean seconds between markers")
    p.add_argument(
        "--drop-every", type=float, default=30.0, help="mean seconds between an editor's drops"
    )
    p.add_argument("--no-secret", dest="secret", action="store_false", help="no secret polls")
    p.add_argument("--timeout", type=float, default=5.0, help="a request's answer, seconds")
    p.add_argument("--settle", type=float, default=60.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--wait-quiet", type=float, default=0.0, help="wait for an idle machine")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--workdir", help="the work directory (a new one; kept)")
    p.add_argument("--check", metavar="DIR", help="check a kept work directory again")
    args = p.parse_args(argv)
    if args.check:
        work = Path(args.check)
        r = verify(work / "soak.db", json.loads((work / "soak.json").read_text()))
        r["ok"] = not r["problems"]
        ok = r["ok"]
    else:
        r, ok = run(args)
    report(r)
    print(json.dumps(r))
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
