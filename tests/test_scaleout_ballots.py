"""Secret ballots and reissued links across two server processes sharing one Redis."""

from __future__ import annotations

import shutil
import time

import pytest
import redis
import socketio
from liveserver import LiveServer
from test_scaleout import redis_url  # noqa: F401 (a fixture)

from drafting.actions import Actions
from drafting.client import DraftClient, Refused
from drafting.store import Store

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (make test installs it)",
)


def wait_until(condition, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.02)


@pytest.fixture
def two_servers(tmp_path, redis_url):  # noqa: F811
    db = tmp_path / "shared.db"
    a = Actions(Store(db))
    conf, _chair, chair_token = a.create_conference("Assembly", "Chair")
    people = a.import_participants(
        None,
        conf.id,
        [{"name": f"D{i}", "delegation": f"C{i}", "role": "delegate"} for i in range(3)],
    )
    draft = a.create_draft(None, conf.id, "Draft", [("operative", 0, "Decides to act;")])
    cid = a.draft_view(None, draft.id)["clauses"][0]["id"]
    env = {"DRAFTING_MESSAGE_QUEUE": redis_url}
    one = LiveServer(db, env=env).start()
    two = LiveServer(db, env=env).start()
    clients: list[DraftClient] = []

    def client(server, token):
        c = DraftClient(server.url, token)
        c.join(draft.id)
        clients.append(c)
        return c

    yield {
        "actions": a,
        "one": one,
        "two": two,
        "draft": draft,
        "cid": cid,
        "chair": chair_token,
        "people": people,
        "client": client,
        "redis": redis_url,
    }
    for c in clients:
        c.close()
    one.stop()
    two.stop()


def test_a_secret_ballot_cast_through_one_process_is_counted_by_another(two_servers):
    """With one process per core behind nginx, a delegate's ballot goes to whichever process
    holds their connection, and the chair closes the vote through another: the box is shared
    (in Redis, never on a disk), and a changed ballot replaces the first wherever it is cast."""
    s = two_servers
    x = s["client"](s["one"], s["people"][0][1])
    y = s["client"](s["two"], s["people"][1][1])
    z = s["client"](s["one"], s["people"][2][1])
    chair = s["client"](s["two"], s["chair"])
    chair.set_mode(s["draft"].id, "formal")
    poll = chair.open_poll(("clause", s["cid"]), kind="secret")
    x.wait_for(lambda c: poll in c.polls)
    x.vote(poll, "yes")
    y.vote(poll, "yes")
    z.vote(poll, "no")
    x.vote(poll, "no")  # changed, with the receipt of the first ballot
    result = chair.close_poll(poll)
    assert (result["yes"], result["no"], result["abstain"]) == (1, 2, 0)
    # once counted, no ballot is left anywhere: not in Redis ...
    r = redis.Redis.from_url(s["redis"])
    assert [k for k in r.scan_iter("drafting:ballots:*")] == []
    # ... nor on disk (who voted is known, what they chose is not)
    store = s["actions"].store
    assert store.db.execute("select count(*) from secret_ballots").fetchone()[0] == 0


def test_reissuing_a_link_cuts_off_its_sockets_on_every_process(two_servers):
    s = two_servers
    a = s["actions"]
    pid, token = s["people"][0][0].id, s["people"][0][1]
    laptop = s["client"](s["one"], token)
    phone = s["client"](s["two"], token)
    other = s["client"](s["two"], s["people"][1][1])
    a.issue_link(None, pid)  # as `drafting participant link P` does, from outside
    for conn in (laptop, phone):
        try:
            conn.propose(s["cid"], "Decides to act at once;")
        except Refused as e:
            assert "invite link was replaced" in str(e)
        except socketio.exceptions.SocketIOError:
            pass  # cut off already
        else:
            pytest.fail("a connection of the old link could still propose")
    wait_until(lambda: not laptop.sio.connected, "the laptop on process one to be cut off")
    wait_until(lambda: not phone.sio.connected, "the phone on process two to be cut off")
    assert other.sio.connected
    assert a.store.amendments(s["draft"].id) == []
