"""Live-editing load benchmark: edit-to-remote-screen latency, throughput, server cost.

Starts a real `drafting serve` (gunicorn, one gevent worker) on loopback over a fresh SQLite
file, connects N clients to one draft from ONE asyncio process (`benchmarks/aclient.py`:
`socketio.AsyncClient`, WebSocket only, the documented protocol), drives a load for a fixed
time, lets it settle, and prints the figures, then a JSON object with the same figures as the
last line of output.

    .venv/bin/python benchmarks/live_edit.py                       # 50 clients, 10 typists
    .venv/bin/python benchmarks/live_edit.py --clients 200
    .venv/bin/python benchmarks/live_edit.py --model etherpad --authors 80

Models
------
``default``: ``--clients`` N connections, ``--typists`` K of them type, the rest only read.
Typists work in pairs on the same clause (``--per-clause``), so the server merges concurrent
edits, in a draft with a few untouched clauses besides. Each types at ``--rate`` keystrokes a
second on average, in bursts: 3 to 12 keystrokes 40-120 ms apart, then a pause that brings
the mean to the rate (peaks near 12/s). One keystroke in ten is a backspace; the others type
words at the typist's cursor. A keystroke typed while the typist's previous edit is in flight
rides with the next edit (at most one edit in flight per clause, as the protocol says).

``etherpad``: the load of etherpad-load-test 1.0.10 (``app.js``), so our figures stand beside
Etherpad's: ``--authors`` A connections each append 4 random characters (code points 1-299,
as its ``randomString``) to the end of one clause every 400 ms (2.5 edits/s), ``--lurkers``
only receive (the tool's default is none), and a separate observer pair does what
``shared/peers/etherpad/probe.js`` does: one connection appends a unique marker ``<PIDqN>``
every 500 ms, another times when the marker first appears in its copy of the text. Etherpad's
tool puts every author in one pad; here every author and the probe writer append to one
clause. A clause holds at most 20,000 characters and 80 authors add 800 a second, so the
clause fills in about 24 s: the default duration here (20 s, plus 1 s of warm-up) fits in one
clause. For longer runs (or more authors) every writer moves on to the next clause of the
draft on a fixed schedule: after the time in which the load types 18,000 characters (e.g.
21.6 s at 80 authors, 14.6 s at 120), as a room moving to a fresh paragraph would. The
schedule is set by what is typed, not by what each client has seen, so a server that lags
cannot make writers overfill a clause (deciding from each client's own copy did: at 120
authors copies lagged by seconds and edits were refused as too long). The load stays the
same and no edit is refused; the JSON says how many clauses were used (``hot_clauses``). We do
not trim the clause: deleting text would add a kind of edit Etherpad's load does not make.

Latency
-------
``p50_ms``... ``max_ms`` (edit to remote screen): from the moment the author's client emits
the ``edit`` to the moment another client has applied it, i.e. received ``clause:edited``
and applied its delta to its copy (or taken a ``clause:get`` answer that includes it after a
gap). Each author's acknowledgement names the version its edit became; every application on
every other client is recorded as (clause, version, time) and joined with (clause, version)
-> (author, send time) afterwards, keeping only pairs whose author matches the broadcast's
``author_id`` (an edit that changed nothing commits no version and is left out). Every
receiving client counts, readers and typists alike (a typist with an edit in flight takes the
others' changes from its acknowledgement: those are not counted). Only edits sent after the
warm-up and before the end of the load are counted. ``type_*``: the same, from the keystroke
(the oldest keystroke an edit carries) instead of the send, i.e. including the wait behind an
edit in flight. ``probe_*`` (etherpad model): the marker latency, measured as probe.js does,
from the writer's keystroke to the observer's copy containing the marker.

The clients share a few processes, so a busy event loop delays the moment an arrival is
seen: ``loop_lag_p99_ms`` (how late a 50 ms sleep wakes up, in the process of the writers) and
``loadgen_cpu_cores`` (all the generator's processes) say how much of the latency may be ours.
The default model's readers run in ``--reader-procs`` processes of their own (2; each
delegate has a laptop, and one event loop receiving for 400 was the bottleneck of the
measurement); the typists stay in the main process. The etherpad model's node generator runs
the probe's writer and observer in a second node process (``--no-probe-apart``: in one), as
``probe.js`` runs beside etherpad-load-test. The etherpad model runs its clients in node by default
(``--generator node``: ``benchmarks/node_load.mjs``, socket.io-client from npm and the browser's
own ``static/js/sync.js``), as etherpad-load-test does; ``--generator python`` runs them here,
in asyncio. Node's clients, like browsers, offer permessage-deflate; aiohttp's do not.

Several processes: ``--workers N`` serves through `drafting serve --workers N` (nginx on the
port, N server processes behind it, Redis between them; docs/scaling.md); every client
connects through nginx, which places each WebSocket connection on a process at random (no
cookie). The server's cost is then the whole cluster's, and ``cpu_split_cores`` says how
much of it went to the server processes, nginx and Redis.

The server's cost is read from /proc for its process tree (gunicorn arbiter and worker):
CPU seconds used during the measured window over the window's wall time (cores), and
resident memory at the end (``server_rss_mb``; ``server_rss_peak_mb`` is the peak seen by
0.5 s sampling).

``send_to_stored_*`` and ``stored_to_screen_*`` split the latency at the moment the server
wrote the version (``clause_versions.at``, millisecond resolution, same clock): the first part
is queueing and work before the commit (the clause lock, SQLite, the GIL), the second the
broadcast and the receiving client. ``ack_*`` is the author's own round trip; the server
acknowledges only after it has broadcast.

Convergence: once the load stops, every client has to reach, by the protocol alone (no extra
requests), every clause at the version and text the database holds (read with sqlite3), within
``--settle`` seconds. ``held_after_ack`` counts ``clause:edited`` messages that arrived while
the client's own edit was in flight but were newer than its acknowledgement: the server can
broadcast the next version before it acknowledges ours. docs/protocol.md says to ignore
``clause:edited`` while an edit is in flight; a client doing exactly that would sit one
version behind until the next broadcast shows the gap. ``aclient.py`` keeps such messages and
applies them after the acknowledgement.

Intent: convergence alone does not say that what was typed is where it was typed. Writers
type markers (``⟦name.n⟧``) whole at their caret: in the default model one word in four of a
typist's words; in the etherpad model every author's third, thirteenth, ... edit appends a
marker instead of its 4 characters. The writer notes the nearest markers left and right of its
caret in its own copy. Once converged, each marker must be in the database's text exactly
once, whole, after the left one and before the right one: ``misplaced``, ``markers_lost`` and
``markers_doubled`` count those that are not (nobody deletes a marker: a typist's backspace
never cuts one, and its caret steps out of one it drifted into). The typists type by
operations at their caret (``AsyncDraftClient.insert``/``delete``), as the browser does.

Shared machines: ``--wait-quiet S`` first waits for the machine to be idle, and
``other_cpu_cores`` reports what other processes took during the window, so a noisy run can be
recognised. ``--pin 1:0`` puts the server on CPU 1 and the generator on CPU 0 (diagnostic),
``--spy FILE`` records the server with py-spy (see ``benchmarks/spy_top.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aclient import AsyncDraftClient, Inflight  # noqa: E402

from drafting.actions import Actions  # noqa: E402
from drafting.store import Store  # noqa: E402

ROLL_AT = 18_000  # etherpad model: move to the next clause past this many characters
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1e6

WORDS = (
    "the general assembly requests secretary general to report on implementation of "
    "this resolution at its next session further decides encourages member states "
    "sustainable development climate finance capacity building international cooperation"
).split()

BOILERPLATE = [
    "Requests the Secretary-General to report to the General Assembly at its next session "
    "on the implementation of the present resolution;",
    "Encourages Member States to strengthen international cooperation, including through "
    "capacity-building and the transfer of technology on mutually agreed terms;",
    "Decides to include in the provisional agenda of its next session the item entitled "
    "'Sustainable development';",
    "Calls upon all relevant stakeholders to support national efforts in a coordinated and "
    "coherent manner;",
]


# Intent: some keystrokes are markers, typed whole at the writer's caret, that name their
# writer; the writer notes the nearest markers left and right of its caret. At the end each
# must be in the text once, whole, between those neighbours (nobody deletes a marker, and a
# text of code points 1-299 or of WORDS cannot contain ⟦ or ⟧).
MARKER = re.compile("⟦[^⟦⟧]*⟧")
MARK_EVERY = 10  # etherpad model: every tenth edit of an author is a marker; default: a word in 4


@dataclass
class Placed:
    clause_id: int
    marker: str
    left: str | None  # the nearest marker before the caret in the writer's copy (None: start)
    right: str | None  # ... after it (None: the end)


def place(clause_id: int, text: str, at: int, marker: str) -> Placed:
    """Where a marker typed at `at` goes, by the markers around it."""
    left = right = None
    for m in MARKER.finditer(text):
        if m.end() <= at:
            left = m.group()
        elif m.start() >= at:
            right = m.group()
            break
    return Placed(clause_id, marker, left, right)


def inside_marker(text: str, at: int) -> bool:
    """Whether the character before `at` belongs to a marker (a typist never cuts one)."""
    return any(m.start() < at <= m.end() for m in MARKER.finditer(text))


def out_of_marker(text: str, at: int) -> int:
    """A caret inside a marker moves to its end. (The typist's caret is an offset that others'
    edits do not move, as a browser's would: it can drift into a marker.)"""
    for m in MARKER.finditer(text):
        if m.start() < at < m.end():
            return m.end()
    return at


def check_places(final: dict[int, str], placed: list[Placed]) -> dict[str, Any]:
    """Each marker once, whole, after its left neighbour and before its right one."""
    lost = doubled = misplaced = 0
    examples: list[str] = []
    for p in placed:
        text = final.get(p.clause_id, "")
        n = text.count(p.marker)
        if n != 1:
            lost += n == 0
            doubled += n > 1
            examples.append(f"{p.marker} is in clause {p.clause_id} {n} times")
            continue
        at = text.index(p.marker)
        ok_left = p.left is None or (p.left in text and text.index(p.left) < at)
        ok_right = p.right is None or (p.right in text and text.index(p.right) > at)
        if not (ok_left and ok_right):
            misplaced += 1
            examples.append(f"{p.marker} is not between {p.left} and {p.right}")
    return {
        "markers": len(placed),
        "markers_lost": lost,
        "markers_doubled": doubled,
        "misplaced": misplaced,
        "intent_problems": examples[:5],
    }


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """`drafting serve` in its own session; CPU and memory of its whole process tree. With
    ``workers`` (``--workers N``), `drafting serve --workers N`: nginx on the port, N server
    processes behind it, Redis between them (all in the tree measured)."""

    def __init__(
        self,
        db_path: Path,
        port: int,
        log_path: Path,
        cpus: set[int] | None = None,
        workers: int = 0,
    ) -> None:
        self.db_path, self.port, self.log_path = db_path, port, log_path
        self.cpus = cpus
        self.workers = workers
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> None:
        env = {**os.environ, "DRAFTING_DB": str(self.db_path)}
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        cluster = ["--workers", str(self.workers)] if self.workers else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drafting", "serve", "--port", str(self.port), *cluster],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.cpus:
            os.sched_setaffinity(self.proc.pid, self.cpus)  # inherited by the worker it forks
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-2000:]}")

    def pids(self) -> list[int]:
        """The server and its descendants (gunicorn's arbiter forks one worker)."""
        assert self.proc is not None
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, frontier = [self.proc.pid], [self.proc.pid]
        while frontier:
            kids = [p for p, pp in parents.items() if pp in frontier]
            tree.extend(kids)
            frontier = kids
        return tree

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLK_TCK

    def cpu_split(self) -> dict[str, float]:
        """CPU seconds by kind of process: nginx, redis, the server processes (drafting)."""
        out = {"nginx": 0.0, "redis": 0.0, "drafting": 0.0}
        for pid in self.pids():
            with contextlib.suppress(OSError):
                comm = Path(f"/proc/{pid}/comm").read_text().strip()
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                kind = "nginx" if "nginx" in comm else "redis" if "redis" in comm else "drafting"
                out[kind] += (int(fields[11]) + int(fields[12])) / CLK_TCK
        return out

    def rss_mb(self) -> float:
        total = 0.0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_MB
        return total

    def worker_pid(self) -> int:
        pids = self.pids()
        return pids[-1]

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            # gunicorn's quick shutdown: SIGTERM would wait out its graceful timeout for the
            # open WebSockets, and the figures are taken by now (a cluster stops its
            # processes gracefully: at most 5 s)
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(20 if self.workers else 3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()


def host_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def start_spy(path: str, pid: int, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy (``pip install py-spy``) sampling the server's worker through the window, in
    collapsed-stack form (``benchmarks/spy_top.py`` sums it up). Only the thread holding the GIL
    is sampled (``--gil``): with hundreds of mostly idle threads that is where the CPU goes.
    Non-blocking, so the server is not paused; it costs the machine some CPU, which
    ``other_cpu_cores`` shows."""
    spy = Path(sys.executable).with_name("py-spy")
    cmd = [str(spy), "record", "--pid", str(pid), "--duration", str(math.ceil(seconds))]
    cmd += ["--format", "raw", "--rate", "100", "--nonblocking", "--gil", "--output", path]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_spy(spy: subprocess.Popen[bytes]) -> None:
    """py-spy writes its file when its duration is up or on SIGINT; then it is ended."""
    for sig in (None, signal.SIGINT, signal.SIGKILL):
        if sig is not None:
            spy.send_signal(sig)
        try:
            spy.wait(10)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_quiet(limit_s: float, threshold: float = 0.3, needed: int = 3) -> float:
    """Wait (at most ``limit_s``) until the machine has been nearly idle for ``needed``
    seconds in a row; other people's builds and tests share these cores. Returns the busy
    cores of the last second seen."""
    deadline, quiet, busy = time.monotonic() + limit_s, 0, 0.0
    while time.monotonic() < deadline and quiet < needed:
        b0 = host_busy_seconds()
        time.sleep(1.0)
        busy = host_busy_seconds() - b0
        quiet = quiet + 1 if busy < threshold else 0
    return round(busy, 2)


# --- the conference ---------------------------------------------------------------------------


def setup(db_path: Path, participants: int, clauses: list[str]) -> tuple[int, list[int], list[str]]:
    """Schema, a conference with ``participants`` delegates, and a draft of ``clauses``."""
    actions = Actions(Store(db_path))
    conf, _chair, _token = actions.create_conference("Benchmark Assembly", "Chair")
    people = actions.import_participants(
        None,
        conf.id,
        [
            {"name": f"Delegate {i}", "delegation": f"Country {i}", "role": "delegate"}
            for i in range(participants)
        ],
    )
    draft = actions.create_draft(
        None,
        conf.id,
        "Benchmark draft",
        [("operative", 0, text) for text in clauses],
    )
    view = actions.draft_view(None, draft.id)
    return draft.id, [c["id"] for c in view["clauses"]], [t for _p, t in people]


def read_db(db_path: Path, draft_id: int) -> dict[int, tuple[int, str]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        rows = conn.execute(
            "select id, version, text from clauses where draft_id = ? and status != 'deleted'",
            [draft_id],
        ).fetchall()
    finally:
        conn.close()
    return {int(i): (int(v), str(t)) for i, v, t in rows}


def stored_at(db_path: Path, keys: list[tuple[int, int]]) -> dict[tuple[int, int], float]:
    """When the server wrote each version (clause_versions.at, UTC, milliseconds), epoch s."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    out = {}
    try:
        for clause_id, version, at in conn.execute(
            "select clause_id, version, at from clause_versions where reason = 'edit'"
        ):
            out[(int(clause_id), int(version))] = datetime.fromisoformat(at).timestamp()
    finally:
        conn.close()
    wanted = set(keys)
    return {k: v for k, v in out.items() if k in wanted}


def count_edits(db_path: Path) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        (n,) = conn.execute("select count(*) from clause_versions where reason = 'edit'").fetchone()
    finally:
        conn.close()
    return int(n)


# --- bookkeeping --------------------------------------------------------------------------


@dataclass
class Recorder:
    window: tuple[float, float] = (0.0, math.inf)
    # (clause, version) -> (author participant, sent_at, typed_at), from acknowledgements
    sends: dict[tuple[int, int], tuple[int, float, float]] = field(default_factory=dict)
    # (clause, version, receiving participant, time applied)
    applied: list[tuple[int, int, int, float]] = field(default_factory=list)
    authors: dict[tuple[int, int], int] = field(default_factory=dict)  # from broadcasts
    acks: list[float] = field(default_factory=list)  # author's round trip, ms
    probe: list[float] = field(default_factory=list)
    probe_pending: dict[str, float] = field(default_factory=dict)
    probe_sent: int = 0  # markers typed (all: they number the markers)
    probe_timed: int = 0  # markers typed within the measured window
    loop_lag: list[float] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)  # markers typed, and where

    def on_ack(self, client: AsyncDraftClient, clause_id: int, inf: Inflight, version: int) -> None:
        assert client.participant_id is not None
        now = time.perf_counter()
        if self.window[0] <= inf.sent_at <= self.window[1]:
            self.acks.append((now - inf.sent_at) * 1000)
        self.sends.setdefault(
            (clause_id, version), (client.participant_id, inf.sent_at, inf.typed_at)
        )

    def on_edited(self, client: AsyncDraftClient, msg: dict[str, Any]) -> None:
        self.authors.setdefault((msg["clause_id"], msg["version"]), msg["author_id"])

    def on_applied(
        self, client: AsyncDraftClient, clause_id: int, old: int, new: int, how: str
    ) -> None:
        now = time.perf_counter()
        pid = client.participant_id
        assert pid is not None
        for v in range(old + 1, new + 1):
            self.applied.append((clause_id, v, pid, now))

    def split(self, stored: dict[tuple[int, int], float]) -> tuple[list[float], list[float]]:
        """Send -> stored by the server, and stored -> applied by a remote client (ms), using
        the server's own timestamp of each version (millisecond resolution, same clock)."""
        start, end = self.window
        offset = time.time() - time.perf_counter()
        inbound = [
            (stored[k] - (sent_at + offset)) * 1000
            for k, (_a, sent_at, _t) in self.sends.items()
            if k in stored and start <= sent_at <= end
        ]
        fanout = []
        for clause_id, version, receiver, t in self.applied:
            sent = self.sends.get((clause_id, version))
            at = stored.get((clause_id, version))
            if sent is None or at is None or sent[0] == receiver or not start <= sent[1] <= end:
                continue
            fanout.append((t + offset - at) * 1000)
        return inbound, fanout

    def latencies(self) -> tuple[list[float], list[float]]:
        start, end = self.window
        send_lat, type_lat = [], []
        for clause_id, version, receiver, t in self.applied:
            sent = self.sends.get((clause_id, version))
            if sent is None:
                continue
            author, sent_at, typed_at = sent
            if author == receiver or not start <= sent_at <= end:
                continue
            if self.authors.get((clause_id, version), author) != author:
                continue  # the ack of an edit that changed nothing named another's version
            send_lat.append((t - sent_at) * 1000)
            type_lat.append((t - typed_at) * 1000)
        return send_lat, type_lat


def quantiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    s = sorted(values)

    def q(p: float) -> float:
        return round(s[min(len(s) - 1, int(p * len(s)))], 1)

    return {"p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "max": round(s[-1], 1)}


async def monitor_loop(rec: Recorder, stop: asyncio.Event) -> None:
    """How late the event loop wakes up: the part of the latency that is the generator's."""
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(0.05)
        rec.loop_lag.append((time.perf_counter() - t - 0.05) * 1000)


async def sample_rss(server: ServerProcess, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], server.rss_mb())
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


# --- load ---------------------------------------------------------------------------------


async def typist(
    client: AsyncDraftClient,
    clause_id: int,
    rate: float,
    end: float,
    rng: random.Random,
    rec: Recorder,
    name: str,
) -> int:
    """Human typing: bursts of keystrokes, pauses that bring the mean to ``rate``. Each
    keystroke is an operation at the typist's caret (as the browser makes one), not a diff of
    texts; one word in four is a marker, typed whole (as a paste), whose place is checked at
    the end."""
    keystrokes = 0
    text = client.text(clause_id)
    cursor = rng.randint(0, len(text))
    word = ""
    await asyncio.sleep(rng.uniform(0, 1 / rate))
    while time.perf_counter() < end and keystrokes < 100_000:
        burst = rng.randint(3, 12)
        typing = 0.0
        for _ in range(burst):
            text = client.text(clause_id)
            cursor = out_of_marker(text, min(cursor, len(text)))
            deleting = (rng.random() < 0.1 or len(text) > 4_000) and cursor > 0
            if deleting and not inside_marker(text, cursor):
                client.delete(clause_id, cursor - 1, cursor)
                cursor -= 1
            elif not word and rng.random() < 1 / 4:
                marker = f"⟦{name}.{len(rec.placed)}⟧ "
                rec.placed.append(place(clause_id, text, cursor, marker.strip()))
                client.insert(clause_id, cursor, marker)
                cursor += len(marker)
            else:
                if not word:
                    word = rng.choice(WORDS) + " "
                ch, word = word[0], word[1:]
                client.insert(clause_id, cursor, ch)
                cursor += 1
            keystrokes += 1
            gap = rng.uniform(0.04, 0.12)
            typing += gap
            await asyncio.sleep(gap)
            if time.perf_counter() >= end:
                return keystrokes
        pause = max(0.0, burst / rate - typing)
        pause = min(rng.expovariate(1 / pause) if pause else 0.0, 3 * pause + 0.01)
        await asyncio.sleep(max(0.0, min(pause, end - time.perf_counter())))
        client.retry_unsent()
    return keystrokes


def etherpad_chars(rng: random.Random) -> str:
    """etherpad-load-test's randomString: 4 characters of code points 1 to 299."""
    return "".join(chr(int(rng.random() * 298 + 1)) for _ in range(4))


@dataclass
class Rollover:
    """Which clause the etherpad model's writers append to: the next one every ``period`` s,
    the time in which the whole load types ROLL_AT characters."""

    clauses: list[int]
    start: float
    period: float
    used: set[int] = field(default_factory=set)

    @staticmethod
    def period_for(authors: int) -> float:
        # authors (4 characters an edit, and every tenth a marker of about 11: 4.7 on
        # average; counting 4 overfilled clauses in long runs, refusing edits), and the probe
        chars_per_s = authors * 2.5 * 4.7 + 2 * 16
        return ROLL_AT / chars_per_s

    def clause(self) -> int:
        i = min(int((time.perf_counter() - self.start) / self.period), len(self.clauses) - 1)
        self.used.add(self.clauses[i])
        return self.clauses[i]


async def ep_author(
    client: AsyncDraftClient,
    hot: Rollover,
    end: float,
    rng: random.Random,
    rec: Recorder,
    name: str,
) -> int:
    """etherpad-load-test's author: 4 random characters appended every 400 ms; every tenth
    edit a marker instead, whose place (after the markers this author saw) is checked."""
    edits = 0
    await asyncio.sleep(rng.uniform(0, 0.4))
    next_at = time.perf_counter()
    while time.perf_counter() < end and edits < 100_000:
        cid = hot.clause()
        text = client.text(cid)
        if edits % MARK_EVERY == 2:
            marker = f"⟦{name}.{edits}⟧"
            rec.placed.append(place(cid, text, len(text), marker))
            client.insert(cid, len(text), marker)
        else:
            client.insert(cid, len(text), etherpad_chars(rng))
        client.retry_unsent()
        edits += 1
        next_at += 0.4
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    return edits


async def probe_writer(client: AsyncDraftClient, hot: Rollover, rec: Recorder, end: float) -> int:
    """probe.js's writer: a unique marker appended every 500 ms, timed from the keystroke."""
    next_at = time.perf_counter()
    while time.perf_counter() < end and rec.probe_sent < 100_000:
        cid = hot.clause()
        marker = f"<{os.getpid()}q{rec.probe_sent}>"
        rec.probe_sent += 1
        if time.perf_counter() >= rec.window[0]:
            rec.probe_pending[marker] = time.perf_counter()
            rec.probe_timed += 1
        client.edit(cid, client.text(cid) + marker)
        client.retry_unsent()
        next_at += 0.5
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    return rec.probe_sent


def probe_observer(rec: Recorder) -> Any:
    """probe.js's observer: when a marker first shows in its copy, its latency is taken."""

    def on_applied(client: AsyncDraftClient, clause_id: int, old: int, new: int, how: str) -> None:
        rec.on_applied(client, clause_id, old, new, how)
        if not rec.probe_pending:
            return
        now = time.perf_counter()
        text = client.states[clause_id].base_text
        for marker, t0 in list(rec.probe_pending.items()):
            if marker in text:
                rec.probe.append((now - t0) * 1000)
                del rec.probe_pending[marker]

    return on_applied


def pinning(spec: str | None) -> tuple[set[int] | None, set[int] | None]:
    """``--pin 1:0`` runs the server on CPU 1 and the load generator on CPU 0, so neither
    takes the other's core (other people's processes still may)."""
    if not spec:
        return None, None
    server, _, loadgen = spec.partition(":")
    return {int(c) for c in server.split(",")}, {int(c) for c in loadgen.split(",")}


# --- the run ------------------------------------------------------------------------------


async def connect_all(
    url: str, tokens: list[str], draft_id: int, rec: Recorder, observer_index: int | None
) -> list[AsyncDraftClient]:
    clients = []
    for i, token in enumerate(tokens):
        on_applied = probe_observer(rec) if i == observer_index else rec.on_applied
        clients.append(
            AsyncDraftClient(
                url,
                token,
                name=f"c{i}",
                timeout=30,
                on_ack=rec.on_ack,
                on_applied=on_applied,
                on_edited=rec.on_edited,
            )
        )
    sem = asyncio.Semaphore(20)

    async def one(c: AsyncDraftClient) -> None:
        async with sem:
            await c.connect()
            await c.join(draft_id)

    await asyncio.wait_for(asyncio.gather(*(one(c) for c in clients)), 60 + len(clients) * 0.5)
    return clients


async def settle(
    clients: list[AsyncDraftClient], db_path: Path, draft_id: int, timeout: float
) -> tuple[bool, float, list[str]]:
    """Wait until every client holds the database's version of every clause; then compare."""
    t0 = time.perf_counter()
    deadline = t0 + timeout
    problems: list[str] = []
    while True:
        for c in clients:
            c.retry_unsent()
        db = read_db(db_path, draft_id)
        behind = [
            c
            for c in clients
            if not c.idle or any(c.states[cid].base_version != v for cid, (v, _t) in db.items())
        ]
        if not behind or time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.1)
    waited = time.perf_counter() - t0
    db = read_db(db_path, draft_id)
    for c in clients:
        if c.dropped:
            problems.append(f"{c.name}: connection dropped")
        for cid, (version, text) in db.items():
            st = c.states.get(cid)
            if st is None or st.local != text:
                have = None if st is None else (st.base_version, len(st.local))
                problems.append(f"{c.name}: clause {cid} at {have}, server at {version}")
                break
    return not problems, waited, problems


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    etherpad = args.model == "etherpad"
    if etherpad:
        n_writers = args.authors + 1  # the probe writer too
        n_hot = math.ceil((args.duration + args.warmup) / Rollover.period_for(args.authors))
        texts = ["Welcome to the draft."] * n_hot + BOILERPLATE[:2]
        n_clients = args.authors + args.lurkers + 2
    else:
        n_hot = 0
        n_writers = args.typists
        n_pairs = max(1, math.ceil(args.typists / args.per_clause))
        texts = [BOILERPLATE[i % len(BOILERPLATE)] for i in range(n_pairs + args.idle_clauses)]
        n_clients = max(args.clients, args.typists)
    workdir = Path(tempfile.mkdtemp(prefix="drafting-bench-"))
    db_path = workdir / "bench.db"
    draft_id, clause_ids, tokens = setup(db_path, n_clients, texts)
    server_cpus, loadgen_cpus = pinning(args.pin)
    if loadgen_cpus:
        os.sched_setaffinity(0, loadgen_cpus)
    server = ServerProcess(
        db_path, args.port or free_port(), workdir / "server.log", server_cpus, args.workers
    )
    server.start()
    busy_before = wait_quiet(args.wait_quiet) if args.wait_quiet else None
    if etherpad and args.generator == "node":
        try:
            result = await run_node(args, server, db_path, draft_id, clause_ids[:n_hot], tokens)
        finally:
            server.stop()
        result.update(busy_before=busy_before, pinned=args.pin)
        return finish(args, result, workdir)
    rec = Recorder()
    clients: list[AsyncDraftClient] = []
    stop = asyncio.Event()
    rss_peak = [0.0]
    monitors = [
        asyncio.ensure_future(monitor_loop(rec, stop)),
        asyncio.ensure_future(sample_rss(server, rss_peak, stop)),
    ]
    # the default model's readers in processes of their own (each delegate has a laptop; one
    # event loop receiving for hundreds of them was the bottleneck of the measurement)
    n_local = n_clients
    children: list[asyncio.subprocess.Process] = []
    if not etherpad and args.reader_procs and n_clients - args.typists > 20:
        n_local = args.typists
        readers = tokens[args.typists : n_clients]
        k = args.reader_procs
        for j in range(k):
            chunk = readers[j::k]
            cfg_path = workdir / f"readers-{j}.json"
            cfg_path.write_text(
                json.dumps(
                    {
                        "url": server.url,
                        "draft_id": draft_id,
                        "tokens": chunk,
                        "db": str(db_path),
                        "settle": args.settle,
                        "name": f"r{j}-",
                    }
                )
            )
            children.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--reader-child",
                    str(cfg_path),
                    str(workdir / f"readers-{j}-out.json"),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
            )
            if loadgen_cpus:
                os.sched_setaffinity(children[-1].pid, loadgen_cpus)

    def children_cpu() -> float:
        return sum(process_cpu_seconds(c.pid) for c in children if c.returncode is None)

    try:
        t_connect = time.perf_counter()
        for child in children:  # connected and joined
            assert child.stdout is not None
            line = await asyncio.wait_for(child.stdout.readline(), 120)
            if not line.startswith(b"ready"):
                raise RuntimeError("a reader process did not start")
        observer = n_clients - 1 if etherpad else None
        clients = await connect_all(server.url, tokens[:n_local], draft_id, rec, observer)
        connect_s = time.perf_counter() - t_connect
        await asyncio.sleep(min(1.0, 0.1 + 0.01 * len(clients)))  # joins' presence drains

        start = time.perf_counter()
        win_start = start + args.warmup
        end = win_start + args.duration
        rec.window = (win_start, end)
        hot = Rollover(clause_ids[:n_hot], start, Rollover.period_for(args.authors))
        if etherpad:
            writers = clients[: args.authors]
            tasks = [
                ep_author(c, hot, end, random.Random(rng.random()), rec, f"a{i}")
                for i, c in enumerate(writers)
            ] + [probe_writer(clients[n_clients - 2], hot, rec, end)]
        else:
            writers = clients[: args.typists]
            tasks = [
                typist(
                    c,
                    clause_ids[i // args.per_clause],
                    args.rate,
                    end,
                    random.Random(i),
                    rec,
                    f"t{i}",
                )
                for i, c in enumerate(writers)
            ]
        load = asyncio.gather(*tasks)
        await asyncio.sleep(max(0.0, win_start - time.perf_counter()))
        spy = start_spy(args.spy, server.worker_pid(), args.duration) if args.spy else None
        cpu0, edits0 = server.cpu_seconds(), count_edits(db_path)
        split0 = server.cpu_split()
        proc0 = time.process_time() + children_cpu()
        host0 = host_busy_seconds()
        w0 = time.perf_counter()
        await asyncio.sleep(max(0.0, end - w0))
        w1 = time.perf_counter()
        cpu1, edits1 = server.cpu_seconds(), count_edits(db_path)
        split1 = server.cpu_split()
        proc1 = time.process_time() + children_cpu()
        host1 = host_busy_seconds()
        wall = w1 - w0
        rss = server.rss_mb()
        keystrokes = await asyncio.wait_for(load, 30)
        if spy is not None:
            await asyncio.to_thread(stop_spy, spy)

        for child in children:
            assert child.stdin is not None
            child.stdin.write(b"settle\n")
            await child.stdin.drain()
        converged, settle_s, problems = await settle(clients, db_path, draft_id, args.settle)
        offset = time.time() - time.perf_counter()
        for j, child in enumerate(children):
            await asyncio.wait_for(child.wait(), args.settle + 60)
            part = json.loads((workdir / f"readers-{j}-out.json").read_text())
            rec.applied += [(c, v, p, t - offset) for c, v, p, t in part["applied"]]
            rec.loop_lag += part["loop_lag"]
            problems += part["problems"]
            converged = converged and not part["problems"]
            settle_s = max(settle_s, part["settle_s"])
        intent = check_places(
            {c: t for c, (_v, t) in read_db(db_path, draft_id).items()}, rec.placed
        )
        stored = stored_at(db_path, list(rec.sends))
    finally:
        stop.set()
        await asyncio.gather(*monitors, return_exceptions=True)
        t_close = time.perf_counter()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(c.close() for c in clients), return_exceptions=True), 20
            )
        close_s = time.perf_counter() - t_close
        server.stop()

    counts: dict[str, int] = {}
    for c in clients:
        for k, v in c.counts.items():
            counts[k] = counts.get(k, 0) + v
    errors = [e for c in clients for e in c.errors]
    result: dict[str, Any] = {
        "model": args.model,
        "generator": "python",
        "clients": len(clients) + (n_clients - n_local),
        "reader_procs": len(children),
        "typists": n_writers,
        "rate": 2.5 if etherpad else args.rate,
        **latency_figures(rec, stored),
        **cost_figures(wall, cpu1 - cpu0, proc1 - proc0, host1 - host0, edits1 - edits0),
        **cluster_figures(args.workers, split0, split1, wall),
        "keystrokes": sum(keystrokes),
        "edits_sent": counts.get("sent", 0),
        "server_rss_mb": round(rss, 1),
        "server_rss_peak_mb": round(rss_peak[0], 1),
        "loop_lag_p99_ms": quantiles(rec.loop_lag)["p99"],
        "pinned": args.pin,
        "busy_before": busy_before,
        "connect_s": round(connect_s, 2),
        "close_s": round(close_s, 2),
        "converged": converged,
        "settle_s": round(settle_s, 2),
        "resyncs": counts.get("resyncs", 0),
        "held_after_ack": counts.get("held", 0),
        "rate_limited": counts.get("rate_limited", 0),
        "errors": len(errors),
        **intent,
    }
    if etherpad:
        result.update(
            authors=args.authors,
            lurkers=args.lurkers,
            hot_clauses=len(hot.used),
            **probe_figures(rec.probe, rec.probe_timed),
        )
    result["problems"] = problems[:5] + errors[:5]
    return finish(args, result, workdir)


async def reader_child(cfg_path: str, out_path: str) -> None:
    """A process of readers (``--reader-procs``): connect and join, say "ready", record when
    each edit reaches each of them, and on "settle" (stdin) wait for convergence, write what
    was recorded (epoch seconds) and leave."""
    cfg = json.loads(Path(cfg_path).read_text())
    rec = Recorder()
    stop = asyncio.Event()
    monitor = asyncio.ensure_future(monitor_loop(rec, stop))
    clients = await connect_all(cfg["url"], cfg["tokens"], cfg["draft_id"], rec, None)
    for c in clients:
        c.name = cfg["name"] + c.name
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    _ok, settle_s, problems = await settle(clients, Path(cfg["db"]), cfg["draft_id"], cfg["settle"])
    stop.set()
    await monitor
    offset = time.time() - time.perf_counter()
    out = {
        "applied": [(c, v, p, t + offset) for c, v, p, t in rec.applied],
        "problems": problems,
        "settle_s": settle_s,
        "loop_lag": rec.loop_lag,
    }
    Path(out_path).write_text(json.dumps(out))
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(
            asyncio.gather(*(c.close() for c in clients), return_exceptions=True), 20
        )


def latency_figures(rec: Recorder, stored: dict[tuple[int, int], float]) -> dict[str, Any]:
    """Edit to remote screen, keystroke to remote screen, the author's round trip, and the
    split at the server's commit: the same figures whichever generator ran the clients."""
    send_lat, type_lat = rec.latencies()
    lat, typed, acks = quantiles(send_lat), quantiles(type_lat), quantiles(rec.acks)
    inq, outq = (quantiles(x) for x in rec.split(stored))
    return {
        "p50_ms": lat["p50"],
        "p95_ms": lat["p95"],
        "p99_ms": lat["p99"],
        "max_ms": lat["max"],
        "latency_samples": len(send_lat),
        "ack_p50_ms": acks["p50"],
        "ack_p99_ms": acks["p99"],
        "send_to_stored_p50_ms": inq["p50"],
        "send_to_stored_p99_ms": inq["p99"],
        "stored_to_screen_p50_ms": outq["p50"],
        "stored_to_screen_p99_ms": outq["p99"],
        "type_p50_ms": typed["p50"],
        "type_p99_ms": typed["p99"],
    }


def cost_figures(
    wall: float, server_s: float, loadgen_s: float, host_s: float, edits: int
) -> dict[str, Any]:
    """Committed edits and CPU over the measured window (seconds of CPU in, cores out)."""
    return {
        "duration_s": round(wall, 2),
        "edits_per_s": round(edits / wall, 1),
        "server_cpu_cores": round(server_s / wall, 3),
        "loadgen_cpu_cores": round(loadgen_s / wall, 3),
        # CPU the rest of the machine took meanwhile (other people's processes): contention
        "other_cpu_cores": round(max(0.0, host_s - server_s - loadgen_s) / wall, 2),
        "host_cores": os.cpu_count(),
    }


def cluster_figures(
    workers: int, split0: dict[str, float], split1: dict[str, float], wall: float
) -> dict[str, Any]:
    """How many server processes, and (through nginx) the cores each kind of process took."""
    out: dict[str, Any] = {"workers": workers}
    if workers:
        out["cpu_split_cores"] = {k: round((split1[k] - split0[k]) / wall, 3) for k in split1}
    return out


def probe_figures(probe: list[float], sent: int) -> dict[str, Any]:
    pq = quantiles(probe)
    return {
        "probe_sent": sent,
        "probe_observed": len(probe),
        "probe_p50_ms": pq["p50"],
        "probe_p99_ms": pq["p99"],
        "probe_max_ms": pq["max"],
    }


def finish(args: argparse.Namespace, result: dict[str, Any], workdir: Path) -> dict[str, Any]:
    if not args.keep:
        shutil.rmtree(workdir)  # a cluster's folder (`bench.db.cluster/`) too
    else:
        result["workdir"] = str(workdir)
    return result


def process_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


async def run_node(
    args: argparse.Namespace,
    server: ServerProcess,
    db_path: Path,
    draft_id: int,
    hot: list[int],
    tokens: list[str],
) -> dict[str, Any]:
    """The etherpad model driven by ``benchmarks/node_load.mjs`` (one node process running the
    browser's own sync code), measured the same way as the Python generator."""
    workdir = db_path.parent
    cfg = {
        "url": server.url,
        "draft_id": draft_id,
        "tokens": tokens,
        "authors": args.authors,
        "clauses": hot,
        "period": Rollover.period_for(args.authors),
        "warmup": args.warmup,
        "duration": args.duration,
        "settle": args.settle,
        "seed": args.seed,
    }
    # the probe in a node process of its own, as probe.js runs beside Etherpad's load tool:
    # its latency is then not the authors' event loop's lag
    roles = ["load", "probe"] if args.probe_apart else ["all"]
    if args.probe_apart:
        cfg["start_at"] = (time.time() + 3 + 0.01 * len(tokens)) * 1000
    profile = ["--cpu-prof", f"--cpu-prof-dir={args.node_prof}"] if args.node_prof else []
    _server_cpus, loadgen_cpus = pinning(args.pin)
    nodes = []
    for role in roles:
        cfg_path = workdir / f"node-config-{role}.json"
        cfg_path.write_text(json.dumps({**cfg, "role": role}))
        nodes.append(
            await asyncio.create_subprocess_exec(
                "node",
                *profile,
                str(REPO / "benchmarks" / "node_load.mjs"),
                str(cfg_path),
                str(workdir / f"node-result-{role}.json"),
                cwd=REPO,
                stdout=asyncio.subprocess.PIPE,
            )
        )
        if loadgen_cpus:
            os.sched_setaffinity(nodes[-1].pid, loadgen_cpus)
    node = nodes[0]  # the one whose progress marks the window

    def node_cpu() -> float:
        return sum(process_cpu_seconds(n.pid) for n in nodes)

    rss_peak = [0.0]
    stop = asyncio.Event()
    sampler = asyncio.ensure_future(sample_rss(server, rss_peak, stop))
    marks: dict[str, tuple[float, float, float, int, float]] = {}
    splits: dict[str, dict[str, float]] = {}
    spy = None
    assert node.stdout is not None
    drains = [asyncio.ensure_future(_drain(n)) for n in nodes[1:]]
    try:
        async for raw in node.stdout:
            line = raw.decode().strip()
            name = line.split(" ", 1)[0]
            if name in ("window-start", "window-end"):
                marks[name] = (
                    time.perf_counter(),
                    server.cpu_seconds(),
                    node_cpu(),
                    count_edits(db_path),
                    host_busy_seconds(),
                )
                splits[name] = server.cpu_split()
                if name == "window-start" and args.spy:
                    spy = start_spy(args.spy, server.worker_pid(), args.duration)
                if name == "window-end":
                    rss = server.rss_mb()
        codes = [await asyncio.wait_for(n.wait(), 60) for n in nodes]
        await asyncio.gather(*drains)
    finally:
        stop.set()
        await sampler
        for n in nodes:
            if n.returncode is None:
                n.kill()
        if spy is not None:
            await asyncio.to_thread(stop_spy, spy)
    if any(codes) or len(marks) != 2:
        raise RuntimeError(f"node_load.mjs failed (exit {codes})")
    out = _merge_node_results(
        [json.loads((workdir / f"node-result-{r}.json").read_text()) for r in roles]
    )

    (w0, cpu0, node0, edits0, host0), (w1, cpu1, node1, edits1, host1) = (
        marks["window-start"],
        marks["window-end"],
    )
    wall = w1 - w0
    offset = time.time() - time.perf_counter()  # epoch s -> perf_counter s

    def perf(epoch_ms: float) -> float:
        return epoch_ms / 1000 - offset

    rec = Recorder(window=(perf(out["window"][0]), perf(out["window"][1])))
    for cid, version, author, sent_at, typed_at in out["sends"]:
        rec.sends.setdefault((cid, version), (author, perf(sent_at), perf(typed_at)))
    rec.applied = [(cid, v, who, perf(at)) for cid, v, who, at in out["applied"]]
    rec.authors = {(cid, v): author for cid, v, author in out["authors"]}
    start, end = out["window"]
    rec.acks = [ms for sent_at, ms in out["acks"] if start <= sent_at <= end]
    probe = [ms for _t, ms in out["probe"]]

    db = read_db(db_path, draft_id)
    placed = [Placed(cid, marker, left, right) for cid, marker, left, right in out["placed"]]
    intent = check_places({cid: text for cid, (_v, text) in db.items()}, placed)
    problems = []
    for final in out["finals"]:
        if final["dropped"]:
            problems.append(f"{final['name']}: connection dropped")
        for cid, (version, text) in db.items():
            have = final["clauses"].get(str(cid))
            digest = hashlib.sha1(text.encode()).hexdigest()
            if have is None or have[0] != version or have[1] != digest or not have[2]:
                problems.append(f"{final['name']}: clause {cid} at {have}, server at {version}")
                break
    stored = stored_at(db_path, list(rec.sends))
    counts = out["counts"]
    return {
        "model": "etherpad",
        "generator": "node",
        "clients": len(tokens),
        "typists": args.authors + 1,
        "rate": 2.5,
        **latency_figures(rec, stored),
        **cost_figures(wall, cpu1 - cpu0, node1 - node0, host1 - host0, edits1 - edits0),
        **cluster_figures(args.workers, splits["window-start"], splits["window-end"], wall),
        "keystrokes": out["keystrokes"],
        "edits_sent": counts["sent"],
        "server_rss_mb": round(rss, 1),
        "server_rss_peak_mb": round(rss_peak[0], 1),
        "loop_lag_p99_ms": quantiles(out["loopLag"])["p99"],
        "connect_s": round(out["connect_s"], 2),
        "close_s": 0.0,
        "converged": not problems,
        "settle_s": round(out["settle_s"], 2),
        "resyncs": counts["resyncs"],
        "held_after_ack": 0,
        "rate_limited": counts["rate_limited"],
        "errors": len(out["errors"]),
        "authors": args.authors,
        "lurkers": args.lurkers,
        "hot_clauses": out["hot_clauses"],
        **probe_figures(probe, out["probe_sent"]),
        **intent,
        "problems": problems[:5] + out["errors"][:5],
    }


async def _drain(proc: asyncio.subprocess.Process) -> None:
    assert proc.stdout is not None
    async for _line in proc.stdout:
        pass


def _merge_node_results(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The results of the node processes as one: records joined, counts added; the window,
    the loop lag and the hot clauses are the load process's (the first)."""
    out = dict(parts[0])
    for other in parts[1:]:
        for key in ("sends", "applied", "authors", "acks", "probe", "placed", "errors", "finals"):
            out[key] = out[key] + other[key]
        out["counts"] = {k: v + other["counts"].get(k, 0) for k, v in out["counts"].items()}
        out["keystrokes"] += other["keystrokes"]
        out["connect_s"] = max(out["connect_s"], other["connect_s"])
        out["settle_s"] = max(out["settle_s"], other["settle_s"])
        if other["probe_sent"]:
            out["probe_sent"] = other["probe_sent"]
            out["probe_unseen"] = other["probe_unseen"]
    return out


def report(r: dict[str, Any]) -> None:
    def ms(key: str) -> str:
        return "n/a" if r.get(key) is None else f"{r[key]:.1f} ms"

    print(
        f"model {r['model']}: {r['clients']} clients, {r['typists']} writing, {r['duration_s']} s"
    )
    print(
        f"edit to remote screen: p50 {ms('p50_ms')}, p95 {ms('p95_ms')}, p99 {ms('p99_ms')}, "
        f"max {ms('max_ms')}  ({r['latency_samples']} deliveries)"
    )
    print(f"keystroke to remote screen: p50 {ms('type_p50_ms')}, p99 {ms('type_p99_ms')}")
    print(f"author's edit -> acknowledgement: p50 {ms('ack_p50_ms')}, p99 {ms('ack_p99_ms')}")
    print(
        f"  split at the server's timestamp (1 ms resolution): send -> stored p50 "
        f"{ms('send_to_stored_p50_ms')}, p99 {ms('send_to_stored_p99_ms')}; stored -> remote "
        f"screen p50 {ms('stored_to_screen_p50_ms')}, p99 {ms('stored_to_screen_p99_ms')}"
    )
    if r["model"] == "etherpad":
        print(
            f"probe (marker typed -> seen by observer): p50 {ms('probe_p50_ms')}, "
            f"p99 {ms('probe_p99_ms')}, max {ms('probe_max_ms')} "
            f"({r['probe_observed']}/{r['probe_sent']} markers), clauses used {r['hot_clauses']}"
        )
    print(f"committed edits: {r['edits_per_s']}/s ({r['keystrokes']} keystrokes)")
    print(
        f"server: {r['server_cpu_cores']} cores, {r['server_rss_mb']} MB RSS "
        f"(peak {r['server_rss_peak_mb']} MB)"
    )
    if r.get("workers"):
        split = r["cpu_split_cores"]
        print(
            f"  through nginx, {r['workers']} server process(es): servers {split['drafting']}, "
            f"nginx {split['nginx']}, redis {split['redis']} cores"
        )
    print(
        f"load generator: {r['loadgen_cpu_cores']} cores, event-loop lag p99 "
        f"{ms('loop_lag_p99_ms')}; connect+join took {r['connect_s']} s"
    )
    print(f"rest of the machine: {r['other_cpu_cores']} of {r['host_cores']} cores busy meanwhile")
    print(
        f"converged: {r['converged']} (settled in {r['settle_s']} s); resyncs {r['resyncs']}, "
        f"held after ack {r['held_after_ack']}, rate-limited {r['rate_limited']}, "
        f"errors {r['errors']}"
    )
    print(
        f"intent: {r['markers']} markers typed at known places; misplaced {r['misplaced']}, "
        f"lost {r['markers_lost']}, doubled {r['markers_doubled']}"
    )
    for p in r["problems"] + r["intent_problems"]:
        print(f"  problem: {p}")
    target = 50.0 if r["clients"] <= 50 else 150.0
    if r["p99_ms"] is not None and r["model"] == "default":
        verdict = "met" if r["p99_ms"] < target else "MISSED"
        print(f"target p99 < {target:.0f} ms with {r['clients']} clients: {verdict}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=["default", "etherpad"], default="default")
    p.add_argument("--clients", type=int, default=50, help="connections (default model)")
    p.add_argument("--typists", type=int, default=10, help="clients that type (default model)")
    p.add_argument("--rate", type=float, default=5.0, help="keystrokes/s per typist (mean)")
    p.add_argument("--per-clause", type=int, default=2, help="typists sharing a clause")
    p.add_argument("--idle-clauses", type=int, default=4, help="clauses nobody types in")
    p.add_argument(
        "--reader-procs",
        type=int,
        default=2,
        help="default model: the readers in this many processes of their own (0: all in one)",
    )
    p.add_argument("--reader-child", nargs=2, metavar=("CONFIG", "OUT"), help=argparse.SUPPRESS)
    p.add_argument("--authors", type=int, default=80, help="etherpad model: authors")
    p.add_argument("--lurkers", type=int, default=0, help="etherpad model: readers")
    p.add_argument(
        "--probe-apart",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="node generator: the probe's two clients in a node process of their own, as "
        "probe.js runs beside Etherpad's load tool (default); --no-probe-apart: one process",
    )
    p.add_argument(
        "--generator",
        choices=["node", "python"],
        default="node",
        help="etherpad model: clients in one node process (the browser's sync code) or in "
        "this asyncio process",
    )
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of load not measured")
    p.add_argument("--settle", type=float, default=30.0, help="seconds allowed to converge")
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="serve through nginx with N server processes and Redis (`drafting serve "
        "--workers N`); 0 (default): one process, connected to directly",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", action="store_true", help="keep the database and server log")
    p.add_argument("--spy", metavar="FILE", help="py-spy the server during the window into FILE")
    p.add_argument(
        "--node-prof", metavar="DIR", help="node generator: write a V8 CPU profile into DIR"
    )
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="S",
        help="first wait up to S seconds for the machine to be idle (shared machines)",
    )
    p.add_argument(
        "--pin", metavar="SERVER:LOADGEN", help="CPU lists, e.g. 1:0 (server on 1, us on 0)"
    )
    args = p.parse_args(argv)
    if not 0 < args.duration <= 600 or not 0 <= args.warmup <= 60:
        p.error("--duration must be in (0, 600] s and --warmup in [0, 60] s")
    if not 0 < args.rate <= 30:
        p.error("--rate must be in (0, 30] edits/s (the server allows 40 events/s)")
    if args.model == "default" and not 1 <= args.typists <= args.clients <= 1000:
        p.error("need 1 <= --typists <= --clients <= 1000")
    if args.model == "etherpad" and not (1 <= args.authors <= 1000 and 0 <= args.lurkers <= 1000):
        p.error("need 1 <= --authors <= 1000 and 0 <= --lurkers <= 1000")
    if not 0 <= args.workers <= 16 or (args.workers and args.spy):
        p.error("need 0 <= --workers <= 16, and --spy only without --workers")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.reader_child:
        asyncio.run(reader_child(*args.reader_child))
        return 0
    result = asyncio.run(run(args))
    report(result)
    print(json.dumps(result), flush=True)
    return 0 if result["converged"] else 1


if __name__ == "__main__":
    sys.exit(main())
