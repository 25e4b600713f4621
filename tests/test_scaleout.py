"""Two server processes over one SQLite file, fanning out through a real Redis."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from liveserver import LiveServer, free_port

from drafting.actions import Actions
from drafting.client import DraftClient
from drafting.store import Store

pytestmark = pytest.mark.skipif(
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
    finally:
        for c in clients:
            c.close()
        one.stop()
        two.stop()
