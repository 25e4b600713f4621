"""Issue 12, against a real `drafting serve`: what an attacker or a careless operator tries."""

from __future__ import annotations

import time

import pytest
import socketio

from drafting.client import DraftClient, Refused


def wait_until(condition, timeout=10.0, what="the condition"):
    """Poll a condition the server brings about (no fixed sleep: returns as soon as it holds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.02)


def test_reissuing_a_link_cuts_off_the_sockets_of_the_old_one(live, live_conf):
    """Issue 12 (4): after `drafting participant link P` (another process than the server),
    a socket connected with the old link could still propose, vote and read."""
    a = live_conf["actions"]
    token = live_conf["tokens"][0]
    me = a.authenticate(token)
    reader = DraftClient(live.url, token)  # a second device that only reads
    reader.join(live_conf["draft_id"])
    actor = DraftClient(live.url, token)
    actor.join(live_conf["draft_id"])
    bystander = DraftClient(live.url, live_conf["tokens"][1])
    bystander.join(live_conf["draft_id"])

    _, new_token = a.issue_link(None, me.id)  # as the CLI does, from outside the server

    # acting with the old link is refused, and says why (or finds the connection closed) ...
    try:
        actor.propose(live_conf["clause_ids"][1], "Decides to act at once;")
    except Refused as e:
        assert "invite link was replaced" in str(e)
    except socketio.exceptions.SocketIOError:
        pass  # the sweep closed it first
    else:
        pytest.fail("a connection of the old link could still propose")
    assert a.store.amendments(live_conf["draft_id"]) == []
    # ... and every connection of the old link is closed, the one that only reads too
    wait_until(lambda: not reader.sio.connected, what="the reading socket to be cut off")
    wait_until(lambda: not actor.sio.connected, what="the acting socket to be cut off")
    # nobody else is touched, and the new link works
    assert bystander.sio.connected
    fresh = DraftClient(live.url, new_token)
    fresh.join(live_conf["draft_id"])
    fresh.propose(live_conf["clause_ids"][1], "Decides to act at once;")
    assert len(a.store.amendments(live_conf["draft_id"])) == 1
    # the old link no longer opens a connection at all
    with pytest.raises(Exception, match="invite link|not valid|Connection refused"):
        DraftClient(live.url, token).join(live_conf["draft_id"])
    for c in (reader, actor, bystander, fresh):
        c.close()
