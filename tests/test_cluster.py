"""`drafting serve --workers 2`: two server processes behind a real nginx, fanning out through a
real Redis, over one SQLite file. Clients go through nginx only; which process each landed on
is read from the database's presence rows (nginx places a client without a cookie at random)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import socketio
import websocket
from liveserver import REPO, free_port

from drafting.actions import Actions
from drafting.client import DraftClient, Refused
from drafting.cluster import find_program
from drafting.store import Store

pytestmark = pytest.mark.skipif(
    find_program("nginx") is None or find_program("redis-server") is None,
    reason="nginx or redis-server is not installed (make test installs them)",
)


def wait_until(predicate: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not reached within {timeout} s: {what}")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


class Cluster:
    """`drafting serve --workers N` in a session of its own, as an operator runs it."""

    def __init__(self, db: Path, workers: int = 2, args: tuple[str, ...] = ()) -> None:
        self.db, self.workers, self.args = db, workers, args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db.with_suffix(".cluster.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Cluster:
        argv = [sys.executable, "-m", "drafting", "serve", "--workers", str(self.workers)]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [*argv, "--port", str(self.port), *self.args],
                cwd=REPO,
                env={**os.environ, "DRAFTING_DB": str(self.db)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # "Serving" is printed once every process answers, nginx too
        wait_until(
            lambda: "Serving" in self.log.read_text() or self.proc.poll() is not None,  # type: ignore[union-attr]
            90,
            "the cluster started",
        )
        assert self.proc.poll() is None, self.log.read_text()[-3000:]
        return self

    def state(self) -> dict[str, Any]:
        return dict(json.loads(Path(f"{self.db}.cluster/cluster.json").read_text()))

    def pids(self) -> list[int]:
        """Every process the cluster started (nginx, Redis, the servers and their workers)."""
        s = self.state()
        tops = [s["nginx"], s["redis"]["pid"], *(w["pid"] for w in s["servers"])]
        out = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except OSError:
                    continue
                if ppid in tops:
                    out.append(int(entry.name))
        return tops + out

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(60)


@pytest.fixture
def cluster_db(tmp_path: Path) -> Path:
    db = tmp_path / "cluster.db"
    Store(db)
    return db


def _process_of_sid(db: Path, sid: str | None) -> str | None:
    conn = sqlite3.connect(db, timeout=30)
    try:
        row = conn.execute("select process from connections where sid = ?", [sid]).fetchone()
    finally:
        conn.close()
    return None if row is None else str(row[0])


def process_of(db: Path, client: DraftClient) -> str:
    """The server process (`host:pid:nonce`) a client's connection is on, as the database's
    presence rows say."""
    sid = client.sio.get_sid("/")
    return str(wait_until(lambda: _process_of_sid(db, sid), 10, "the connection's row"))


def connect_on(
    cluster: Cluster, token: str, *, on: str | None = None, not_on: str | None = None
) -> DraftClient:
    """A client through nginx, on the process wanted (nginx places it at random: try again)."""
    for _ in range(60):
        c = DraftClient(cluster.url, token, timeout=20)
        where = process_of(cluster.db, c)
        if (on is None or where == on) and (not_on is None or where != not_on):
            return c
        c.close()
    raise AssertionError("nginx never placed a connection on the process wanted")


def present(db: Path, participant_id: int) -> bool:
    return Store(db).participant(participant_id).present


def connections_of(db: Path, participant_id: int) -> int:
    return Store(db).connection_count(participant_id)


def names(people: list[dict[str, Any]]) -> set[str]:
    return {p["name"] for p in people}


def test_edits_votes_and_presence_across_processes(cluster_db: Path) -> None:
    a = Actions(Store(cluster_db))
    conf, _chair, chair_token = a.create_conference("Assembly", "Chair")
    people = a.import_participants(
        None,
        conf.id,
        [{"name": f"D{i}", "delegation": f"C{i}", "role": "delegate"} for i in range(3)]
        + [{"name": "Press", "delegation": "", "role": "observer"}],
    )
    (d0, t0), (d1, t1), (d2, t2), (_press, t_press) = people
    texts = ["Decides to act;", "Requests a report;", "Decides to remain seized."]
    draft = a.create_draft(None, conf.id, "Draft", [("operative", 0, t) for t in texts])
    cid, cid2, cid3 = (c["id"] for c in a.draft_view(None, draft.id)["clauses"])
    cluster = Cluster(cluster_db).start()
    clients: list[DraftClient] = []
    try:
        chair = DraftClient(cluster.url, chair_token, timeout=20)
        clients.append(chair)
        one = process_of(cluster_db, chair)
        x1 = connect_on(cluster, t1, not_on=one)  # D1 on the other process
        clients.append(x1)
        two = process_of(cluster_db, x1)
        x0a = connect_on(cluster, t0, on=one)  # D0 on both
        x0b = connect_on(cluster, t0, on=two)
        clients += [x0a, x0b]
        for c in clients:
            c.join(draft.id)

        # an edit through one process reaches a client of the other; concurrent edits
        # through both converge on one text, in every client and on disk
        x1.edit(cid, "Decides firmly to act;")
        chair.wait_for(lambda c: c.text(cid) == "Decides firmly to act;")
        x0a.edit(cid, "Decides firmly to act now;")
        x1.edit(cid, "The Assembly decides firmly to act;")
        for c in clients + clients:
            c.sync(timeout=20)
        final = a.draft_view(None, draft.id)["clauses"][0]["text"]
        assert {c.text(cid) for c in clients} == {final}
        assert "now" in final and "The Assembly" in final

        # presence: the chair (process one) sees D1 (process two) in the draft
        chair.wait_for(lambda c: names(c.presence) == {"Chair", "D0", "D1"})
        assert (present(cluster_db, d0.id), present(cluster_db, d1.id)) == (True, True)

        # D0 leaves process one but is still connected through process two: present still
        x0a.close()
        clients.remove(x0a)
        wait_until(lambda: connections_of(cluster_db, d0.id) == 1, what="D0's row gone")
        assert present(cluster_db, d0.id)
        # someone joining on process one is told of everyone, on both processes
        press = connect_on(cluster, t_press, on=one)
        clients.append(press)
        press.join(draft.id)
        assert names(press.presence) == {"Chair", "D0", "D1", "Press"}
        x1.wait_for(lambda c: "Press" in names(c.presence))  # announced across processes
        assert "D0" in names(chair.presence)

        # the quorum counts members present on any process: D0 and D1 are 2 of 3
        chair.set_mode(draft.id, "formal")
        poll = chair.open_poll(("clause", cid))
        assert a.store.poll(poll).present == 2
        # ballots through both processes, tallied for the chair
        x2 = connect_on(cluster, t2, on=one)
        clients.append(x2)
        x2.join(draft.id)
        x0b.wait_for(lambda c: poll in c.polls)
        x0b.vote(poll, "yes")
        x1.vote(poll, "no")
        x2.vote(poll, "yes")
        chair.wait_for(lambda c: c.polls[poll].get("cast") == 3)
        result = chair.close_poll(poll)
        assert (result["yes"], result["no"]) == (2, 1)
        x1.wait_for(lambda c: c.polls[poll].get("state") == "closed")

        # a secret ballot through both processes: every ballot counts, and a receipt changes
        # a ballot through the other process (the boxes are in Redis, not one process)
        secret = chair.open_poll(("clause", cid2), kind="secret")
        for c in (x0b, x1, x2):
            c.wait_for(lambda c: secret in c.polls)
        receipt = x0b.vote(secret, "no")["receipt"]  # process two
        x2.vote(secret, "yes")  # process one
        x1.vote(secret, "abstain")  # process two
        x0c = connect_on(cluster, t0, on=one)  # D0 again, on process one
        x0c.call("poll:vote", {"poll_id": secret, "choice": "yes", "receipt": receipt})
        x0c.close()
        result = chair.close_poll(secret)
        assert (result["yes"], result["no"], result["abstain"]) == (2, 0, 1)

        # D0's last connection closes: absent, and gone from the chair's list
        x0b.close()
        clients.remove(x0b)
        wait_until(lambda: connections_of(cluster_db, d0.id) == 0, what="D0's rows gone")
        assert not present(cluster_db, d0.id)
        chair.wait_for(lambda c: "D0" not in names(c.presence))
        # D1 and D2 leave too: one member short of the quorum for the next vote
        x1.close()
        x2.close()
        clients = [c for c in clients if c not in (x1, x2)]
        wait_until(lambda: not present(cluster_db, d1.id) and not present(cluster_db, d2.id))
        with pytest.raises(Refused, match="Quorum not met: 0 members present, 2 required"):
            chair.open_poll(("clause", cid3))

        # Ctrl-C's SIGTERM stops every process the cluster started, and frees the port
        pids = cluster.pids()
        assert len(pids) >= 2 + 1 + 2 * 2  # nginx master, Redis, two servers and their workers
        cluster.stop()
        assert cluster.proc is not None and cluster.proc.returncode == 0
        wait_until(lambda: not any(alive(p) for p in pids), 20, "every process stopped")
        with pytest.raises(OSError):
            urllib.request.urlopen(cluster.url, timeout=2)
    finally:
        for c in clients:
            c.close()
        cluster.stop()


def test_a_killed_process_loses_nothing_acknowledged(cluster_db: Path) -> None:
    """SIGKILL to one process mid-session: its clients reconnect through nginx to another
    process, every edit typed on either side ends up in the text once, and a delegate who
    was only on the dead process and does not come back is marked absent."""
    a = Actions(Store(cluster_db))
    conf, _chair, _chair_token = a.create_conference("Assembly", "Chair")
    people = a.import_participants(
        None,
        conf.id,
        [{"name": f"D{i}", "delegation": f"C{i}", "role": "delegate"} for i in range(5)],
    )
    tokens = [t for _p, t in people]
    ghost_id = people[4][0].id
    draft = a.create_draft(None, conf.id, "Draft", [("operative", 0, "Decides:")])
    cid = a.draft_view(None, draft.id)["clauses"][0]["id"]
    cluster = Cluster(cluster_db).start()
    clients: list[DraftClient] = []
    ghost = socketio.Client(reconnection=False)
    try:
        first = DraftClient(cluster.url, tokens[0], timeout=20)
        doomed = process_of(cluster_db, first)
        clients = [
            first,
            connect_on(cluster, tokens[1], on=doomed),
            connect_on(cluster, tokens[2], not_on=doomed),
            connect_on(cluster, tokens[3], not_on=doomed),
        ]
        for c in clients:
            c.join(draft.id)
        # a delegate on the doomed process whose laptop will not reconnect
        for _ in range(60):
            ghost.connect(cluster.url, auth={"token": tokens[4]}, transports=["websocket"])
            where = wait_until(lambda: _process_of_sid(cluster_db, ghost.get_sid("/")), 10)
            if where == doomed:
                break
            ghost.disconnect()
        assert present(cluster_db, ghost_id)

        per_client = 40
        stop_typing = threading.Event()

        def type_markers(i: int, c: DraftClient) -> None:
            for n in range(per_client):
                text = c.text(cid)  # what arrives meanwhile is kept (`seen`)
                c.edit(cid, f"{text} ⟦{i}.{n}⟧", seen=text)
                if stop_typing.wait(0.03):
                    return

        typists = [
            threading.Thread(target=type_markers, args=(i, c), daemon=True)
            for i, c in enumerate(clients)
        ]
        for t in typists:
            t.start()
        clients[0].wait_for(lambda c: len(c.acks) >= 8, timeout=30)

        # the process the first two clients are on is killed, arbiter and worker
        worker_pid = int(doomed.split(":")[1])
        arbiter = int(Path(f"/proc/{worker_pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        acked_before = [len(c.acks) for c in clients[:2]]
        os.killpg(arbiter, signal.SIGKILL)

        for t in typists:
            t.join(60)
        assert not any(t.is_alive() for t in typists)
        for c in clients + clients:
            c.sync(timeout=60)

        final = a.draft_view(None, draft.id)["clauses"][0]["text"]
        for i in range(len(clients)):
            for n in range(per_client):
                assert final.count(f"⟦{i}.{n}⟧") == 1, (i, n, final)
        assert {c.text(cid) for c in clients} == {final}
        for c in clients[:2]:  # they were cut off, and came back through nginx elsewhere
            assert c.disconnects >= 1
            assert process_of(cluster_db, c) != doomed
        assert all(len(c.acks) > n for c, n in zip(clients[:2], acked_before, strict=True))

        # the dead process's rows are forgotten: the delegate who did not come back is
        # absent, those who reconnected are present
        wait_until(lambda: not present(cluster_db, ghost_id), 60, "the ghost marked absent")
        assert all(present(cluster_db, p.id) for p, _t in people[:4])
        # and the cluster started the process again, on its port
        restarted = wait_until(
            lambda: (
                [w for w in cluster.state()["servers"] if w["pid"] == arbiter] == []
                and cluster.state()["servers"]
            ),
            30,
        )
        for w in restarted:
            wait_until(lambda w=w: _answers(f"http://127.0.0.1:{w['port']}/"), 60)
    finally:
        for c in clients:
            c.close()
        if ghost.connected:
            ghost.disconnect()
        cluster.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def test_behind_a_tls_proxy_the_scheme_it_was_asked_in_is_believed(cluster_db: Path) -> None:
    """With a proxy in front that ends TLS (`--proxy-hops 1`), the cluster's nginx passes on
    the scheme that proxy says, so a page of https://... may open its WebSocket; a request
    that does not come through it (no X-Forwarded-Proto) is refused as from another site."""
    cluster = Cluster(
        cluster_db, 1, ("--proxy-hops", "1", "--base-url", "https://drafting.test")
    ).start()
    url = f"ws://127.0.0.1:{cluster.port}/socket.io/?EIO=4&transport=websocket"

    def handshake(proto: str | None) -> str:
        headers = [f"X-Forwarded-Proto: {proto}"] if proto else []
        ws = websocket.create_connection(
            url, header=headers, origin="https://drafting.test", host="drafting.test", timeout=10
        )
        try:
            return str(ws.recv())
        finally:
            ws.close()

    try:
        assert handshake("https").startswith("0{")  # Engine.IO's open packet
        with pytest.raises(websocket.WebSocketBadStatusException, match="400"):
            handshake(None)
    finally:
        cluster.stop()
