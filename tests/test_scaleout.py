"""Two server processes over one SQLite file, fanning out through a real Redis; presence
across them, and after a process is killed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import socketio
from liveserver import LiveServer, free_port

from drafting.actions import Actions
from drafting.client import DraftClient
from drafting.store import Store

needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (make test installs it)",
)


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@needs_redis
def test_two_servers_share_a_draft_through_redis(tmp_path, redis_url):
    db = tmp_path / "shared.db"
    a = Actions(Store(db))
    conf, _chair, chair_token = a.create_conference("Assembly", "Chair")
    people = a.import_participants(
        None,
        conf.id,
        [{"name": f"D{i}", "delegation": f"C{i}", "role": "delegate"} for i in range(2)],
    )
    draft = a.create_draft(None, conf.id, "Draft", [("operative", 0, "Decides to act;")])
    cid = a.draft_view(None, draft.id)["clauses"][0]["id"]
    env = {"DRAFTING_MESSAGE_QUEUE": redis_url}
    one = LiveServer(db, env=env).start()
    two = LiveServer(db, env=env).start()
    clients = []
    try:
        x = DraftClient(one.url, people[0][1])
        y = DraftClient(two.url, people[1][1])
        chair = DraftClient(two.url, chair_token)
        clients = [x, y, chair]
        for c in clients:
            c.join(draft.id)
        # an edit made through server one appears at a client of server two
        x.edit(cid, "Decides firmly to act;")
        y.wait_for(lambda c: c.text(cid) == "Decides firmly to act;")
        # concurrent edits through both servers converge on one text in every client and on disk
        x.edit(cid, "Decides firmly to act now;")
        y.edit(cid, "The Assembly decides firmly to act;")
        for c in clients:
            c.sync(timeout=15)
        for c in clients:
            c.sync(timeout=15)
        final = a.draft_view(None, draft.id)["clauses"][0]["text"]
        assert {c.text(cid) for c in clients} == {final}
        assert "now" in final and "The Assembly" in final
        # a vote opened through server two reaches a delegate on server one
        chair.set_mode(draft.id, "formal")
        poll = chair.open_poll(("clause", cid))
        x.wait_for(lambda c: poll in c.polls)
        x.vote(poll, "yes")
        assert chair.close_poll(poll)["yes"] == 1
        x.wait_for(lambda c: c.polls[poll].get("state") == "closed")

        # presence is shared: D0 opens a second connection on server two and closes the one
        # on server one, and is still present (a quorum counts them), then leaves for good
        d0 = people[0][0].id
        x2 = DraftClient(two.url, people[0][1])
        clients.append(x2)
        x2.join(draft.id)
        x.close()
        wait_until(lambda: a.store.connection_count(d0) == 1)
        assert a.store.participant(d0).present
        chair.wait_for(lambda c: any(p["participant_id"] == d0 for p in c.presence))
        x2.close()
        wait_until(lambda: a.store.connection_count(d0) == 0)
        assert not a.store.participant(d0).present
        chair.wait_for(lambda c: all(p["participant_id"] != d0 for p in c.presence))
    finally:
        for c in clients:
            c.close()
        one.stop()
        two.stop()


def wait_until(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.05)


def presence_people(tmp_path, n: int):
    db = tmp_path / "presence.db"
    a = Actions(Store(db))
    conf, _chair, _token = a.create_conference("Assembly", "Chair")
    people = a.import_participants(
        None,
        conf.id,
        [{"name": f"D{i}", "delegation": f"C{i}", "role": "delegate"} for i in range(n)],
    )
    return db, a, people


def connect(url: str, token: str) -> socketio.Client:
    """A laptop that will not come back: no reconnection."""
    c = socketio.Client(reconnection=False)
    c.connect(url, auth={"token": token}, transports=["websocket"])
    return c


@needs_redis
def test_a_killed_server_leaves_nobody_present(tmp_path, redis_url):
    """A process killed with its people connected: the other process forgets its rows (its
    pid is gone), and those people are marked absent; the other process's stay present."""
    db, a, people = presence_people(tmp_path, 2)
    env = {"DRAFTING_MESSAGE_QUEUE": redis_url}
    one = LiveServer(db, env=env).start()
    two = LiveServer(db, env=env).start()
    try:
        on_one, on_two = connect(one.url, people[0][1]), connect(two.url, people[1][1])
        wait_until(lambda: all(a.store.participant(p.id).present for p, _t in people))
        one.kill()
        wait_until(lambda: not a.store.participant(people[0][0].id).present)
        assert a.store.participant(people[1][0].id).present
        on_two.disconnect()
        on_one.disconnect()
    finally:
        one.stop()
        two.stop()


def test_a_single_server_started_again_forgets_who_was_there(tmp_path):
    """One process (no message queue) killed with a delegate connected: started again, it
    marks nobody present until they connect."""
    db, a, people = presence_people(tmp_path, 1)
    server = LiveServer(db).start()
    try:
        c = connect(server.url, people[0][1])
        wait_until(lambda: a.store.participant(people[0][0].id).present)
        server.kill()
        c.disconnect()
        assert a.store.participant(people[0][0].id).present  # nobody told the file
        server.start()
        assert not a.store.participant(people[0][0].id).present
    finally:
        server.stop()


def edit_versions(received: list[dict]) -> list[tuple[int, int]]:
    """(base_version, version) of every edit a test client received, in order."""
    out = []
    for msg in received:
        args = msg["args"][0] if msg["args"] else {}
        if msg["name"] == "clause:edited":
            out.append((args["base_version"], args["version"]))
        elif msg["name"] == "clauses:edited":
            out += [(e["base_version"], e["version"]) for e in args["edits"]]
    return out


@pytest.mark.parametrize("shared", [True, False])
def test_a_process_sends_the_versions_others_committed_between_its_own(app, conference, shared):
    """With several processes, a clause's messages from one process follow on from its last
    one: the versions another process committed in between go too, read from the store, so a
    client never sees a gap (version 5 after 2) and need not ask for the clause again. One
    process alone reads nothing more."""
    from drafting import socketio as server

    ours = app.extensions["drafting"]["actions"]
    app.extensions["drafting"]["live"].shared = shared
    theirs = Actions(Store(app.config["DATABASE"]))  # another process: it tells no one here
    d = ours.create_draft(None, conference["conference"].id, "Draft", [("operative", 0, "A")])
    cid = ours.draft_view(None, d.id)["clauses"][0]["id"]
    client = server.test_client(app, auth={"token": conference["delegate_tokens"][0]})
    try:
        assert client.emit("join", {"draft_id": d.id}, callback=True)["ok"]
        client.get_received()
        received: list[dict] = []
        ours.replace_text(None, cid, "A b")  # version 2, from this process
        wait_until(lambda: received.extend(client.get_received()) or edit_versions(received))
        theirs.replace_text(None, cid, "A b c")  # 3 and 4 from the other
        theirs.replace_text(None, cid, "A b c d")
        ours.replace_text(None, cid, "A b c d e")  # 5 from this one
        wait_until(
            lambda: received.extend(client.get_received()) or edit_versions(received)[-1][1] == 5
        )
        if shared:
            assert edit_versions(received) == [(1, 2), (2, 3), (3, 4), (4, 5)]
        else:
            assert edit_versions(received) == [(1, 2), (4, 5)]
    finally:
        client.disconnect()


def test_two_processes_batch_a_crowded_room_over_a_wider_window(app, conference, monkeypatch):
    """Each of P processes batches its own edits, and each writes every batch to its share of
    the room: the room counts as its share times P, and the window may grow to P times the
    ceiling, so that a crowded room costs each process less than it cost one."""
    from drafting import socketio as server

    live = app.extensions["drafting"]["live"]
    d = app.extensions["drafting"]["actions"].create_draft(
        None, conference["conference"].id, "Draft", [("operative", 0, "A")]
    )
    client = server.test_client(app, auth={"token": conference["delegate_tokens"][0]})
    try:
        assert client.emit("join", {"draft_id": d.id}, callback=True)["ok"]
        room = f"draft:{d.id}"  # one person here, as if one of a crowd
        monkeypatch.setattr(live, "SENDS_PER_S", 40)
        assert live.edit_gap(room) == pytest.approx(1 / 40)
        live.processes = 2
        assert live.edit_gap(room) == pytest.approx(2 / 40)
        monkeypatch.setattr(live, "SENDS_PER_S", 10)
        assert live.edit_gap(room) == pytest.approx(2 * live.EDIT_GAP_MAX)  # the ceiling, twice
        live.processes = 1
        assert live.edit_gap(room) == live.EDIT_GAP_MAX
    finally:
        client.disconnect()
