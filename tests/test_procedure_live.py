"""Rules of procedure run live: amendments, polls, majorities, the record — over real sockets."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from drafting.actions import hash_token
from drafting.client import DraftClient, Refused


def clients_for(live, tokens, draft_id):
    out = []
    for t in tokens:
        c = DraftClient(live.url, t)
        c.join(draft_id)
        out.append(c)
    return out


@pytest.fixture
def room(live, live_conf):
    """Chair, three delegates (two of them sponsors) and an observer, all connected; a fourth
    delegate sits in the room so that a majority of the six members is present (the quorum)."""
    a = live_conf["actions"]
    d = live_conf["draft_id"]
    delegates = [a.authenticate(t) for t in live_conf["tokens"][:3]]
    a.set_sponsors(None, d, [delegates[0].id, delegates[1].id])
    chair = DraftClient(live.url, live_conf["chair_token"])
    chair.join(d)
    dels = clients_for(live, live_conf["tokens"][:3], d)
    obs = DraftClient(live.url, live_conf["observer_token"])
    obs.join(d)
    fourth = clients_for(live, live_conf["tokens"][3:4], d)
    yield {
        "chair": chair,
        "dels": dels,
        "obs": obs,
        "fourth": fourth[0],
        "draft_id": d,
        **live_conf,
    }
    for c in [chair, obs, *dels, *fourth]:
        c.close()


def test_who_may_do_what(room, live):
    chair, (d1, d2, d3), obs, draft = room["chair"], room["dels"], room["obs"], room["draft_id"]
    cid = room["clause_ids"][1]
    with pytest.raises(Refused, match="Only the chair"):
        d1.set_mode(draft, "formal")
    chair.set_mode(draft, "formal")
    d1.wait_for(lambda c: c.status == "formal")
    with pytest.raises(Refused, match="Observers"):
        obs.propose(cid, "Decides to act at once;")
    aid = d3.propose(cid, "Decides to act at once;", "urgency")
    with pytest.raises(Refused, match="Only the chair"):
        d1.open_poll(("amendment", aid))
    poll = chair.open_poll(("amendment", aid), rule="simple", kind="recorded")
    with pytest.raises(Refused, match="Only the chair"):
        d1.close_poll(poll)
    with pytest.raises(Refused, match="Observers do not vote"):
        obs.vote(poll, "yes")
    with pytest.raises(Refused, match="chair does not vote"):
        chair.vote(poll, "yes")
    with pytest.raises(Refused, match="too late to withdraw"):
        d3.withdraw(aid)
    # a second ballot replaces the first and is counted once
    d1.vote(poll, "no")
    d1.vote(poll, "yes")
    d2.vote(poll, "yes")
    with pytest.raises(Refused, match="unknown choice|Unknown choice"):
        d3.vote(poll, "maybe")
    result = chair.close_poll(poll)
    assert (result["outcome"], result["yes"], result["no"], result["abstain"]) == (
        "adopted",
        2,
        0,
        0,
    )
    with pytest.raises(Refused, match="closed"):
        d3.vote(poll, "no")
    with pytest.raises(Refused, match="no poll|There is no poll"):
        d1.vote(987654, "yes")
    # everyone saw the result, and the clause changed for everyone
    for c in (d1, d2, d3, obs):
        c.wait_for(lambda c: c.polls.get(poll, {}).get("state") == "closed")
        c.wait_for(lambda c: c.text(cid) == "Decides to act at once;")


def test_other_conference_cannot_touch_our_polls(room, live):
    a = room["actions"]
    chair, (d1, *_), draft = room["chair"], room["dels"], room["draft_id"]
    chair.set_mode(draft, "formal")
    poll = chair.open_poll(("clause", room["clause_ids"][0]), kind="counted")
    other, _, other_chair_token = a.create_conference("Elsewhere", "Eve")
    intruder, token = a.add_participant(None, other.id, "Mallory", "Nowhere")
    od = a.create_draft(None, other.id, "Their draft", [("operative", 0, "Theirs")])
    a.set_mode(None, od.id, "formal")
    m = DraftClient(live.url, token)
    with pytest.raises(Refused, match="Not found"):
        m.vote(poll, "no")
    with pytest.raises(Refused, match="Not found"):
        m.join(draft)
    # and our delegate cannot vote in their poll
    oc = DraftClient(live.url, other_chair_token)
    oc.join(od.id)
    their_poll = oc.open_poll(("draft", od.id))
    with pytest.raises(Refused, match="Not found"):
        d1.vote(their_poll, "yes")
    m.close()
    oc.close()
    # counted poll: only the number cast is shown live
    d1.vote(poll, "yes")
    d1.wait_for(lambda c: c.polls.get(poll, {}).get("cast") == 1)
    assert "tally" not in d1.polls[poll]


def test_secret_poll_keeps_no_link(room, live):
    """Issue 12 (2): from the database file, its WAL and the journal, no secret ballot can be
    linked to a member or to the order of voting; who voted is known, not what they chose."""
    chair, dels, draft = room["chair"], room["dels"], room["draft_id"]
    chair.set_mode(draft, "formal")
    poll = chair.open_poll(("clause", room["clause_ids"][2]), rule="simple", kind="secret")
    receipts = [dels[0].vote(poll, "yes")["receipt"], dels[1].vote(poll, "no")["receipt"]]
    receipts.append(dels[2].vote(poll, "yes")["receipt"])
    dels[1].vote(poll, "yes")  # changed with the receipt the client kept
    stranger = DraftClient(live.url, room["tokens"][1])  # same delegate, another device
    with pytest.raises(Refused, match="receipt"):
        stranger.vote(poll, "no")
    stranger.close()

    def files() -> bytes:
        """Everything a copy of the database holds: the file, its WAL, its shared memory."""
        return b"".join(
            Path(f"{live.db_path}{tail}").read_bytes()
            for tail in ("", "-wal", "-shm")
            if Path(f"{live.db_path}{tail}").exists()
        )

    # the linking attacks: a ballot row next to the journal's "X voted at T" in the same WAL
    # frame or commit, or the receipt (which the voter's device holds) leading to a choice.
    # No ballot, receipt or hash of one is on disk while the poll is open ...
    secrets = [r.encode() for r in receipts] + [hash_token(r).encode() for r in receipts]
    assert not [s for s in secrets if s in files()]
    result = chair.close_poll(poll)
    assert (result["yes"], result["no"]) == (3, 0)
    assert "votes" not in result
    # ... nor after it closed: only the counts were written
    assert not [s for s in secrets if s in files()]
    with sqlite3.connect(live.db_path) as conn:
        voters = conn.execute("select * from secret_members where poll_id = ?", [poll]).fetchall()
        ballots = conn.execute("select * from secret_ballots where poll_id = ?", [poll]).fetchall()
        plain = conn.execute("select count(*) from votes where poll_id = ?", [poll]).fetchone()
        journal = [
            r[0]
            for r in conn.execute("select data from journal where type = 'poll.ballot'").fetchall()
        ]
    assert len(voters) == 3  # who voted is known
    assert ballots == [] and plain[0] == 0
    # the journal says each member voted, once: not who changed their vote, nor what anyone chose
    assert len(journal) == 3
    assert all('"choice"' not in j for j in journal)


def test_quorum_and_consensus(room, live):
    a = room["actions"]
    chair, dels, draft = room["chair"], room["dels"], room["draft_id"]
    a.update_conference(None, room["conference"].id, quorum=5)
    chair.set_mode(draft, "formal")
    with pytest.raises(Refused, match="Quorum not met: 4 members present, 5 required"):
        chair.open_poll(("clause", room["clause_ids"][0]))
    a.update_conference(None, room["conference"].id, quorum=3)
    poll = chair.open_poll(("clause", room["clause_ids"][0]), rule="consensus", seconds=30)
    result = chair.close_poll(poll)
    assert result["outcome"] == "adopted"
    assert result["explanation"].startswith("Adopted without a vote")
    poll = chair.open_poll(("clause", room["clause_ids"][1]), rule="consensus", seconds=30)
    dels[2].call("poll:object", {"poll_id": poll})
    dels[1].call("poll:object", {"poll_id": poll})
    dels[1].call("poll:withdraw_objection", {"poll_id": poll})
    result = chair.close_poll(poll)
    # an objection means no consensus, not a rejection: the chair may put it to the vote
    assert (result["outcome"], result["no"]) == ("no_consensus", 1)
    poll = chair.open_poll(("clause", room["clause_ids"][1]), rule="simple", kind="recorded")
    for d in dels:
        d.vote(poll, "yes")
    assert chair.close_poll(poll)["outcome"] == "adopted"


def test_a_decision_needs_its_quorum_when_the_vote_closes(room, live):
    """Rule 67 (108 in committees): the presence of a majority of the members is required for
    any decision. Four of six members are present when the vote opens; one leaves."""
    chair, dels, draft = room["chair"], room["dels"], room["draft_id"]
    chair.set_mode(draft, "formal")
    poll = chair.open_poll(("clause", room["clause_ids"][0]), kind="recorded")
    for d in dels:
        d.vote(poll, "yes")
    room["fourth"].close()
    chair.wait_for(lambda c: c.polls.get(poll, {}).get("quorate") is False)
    with pytest.raises(Refused, match="Quorum lost: 3 members present, 4 required"):
        chair.close_poll(poll)
    back = DraftClient(live.url, room["tokens"][4])  # another member comes in
    back.join(draft)
    chair.wait_for(lambda c: c.polls.get(poll, {}).get("quorate") is True)
    assert chair.close_poll(poll)["outcome"] == "adopted"
    # and a vote whose quorum does not come back is suspended: nothing is decided
    poll = chair.open_poll(("clause", room["clause_ids"][1]), kind="recorded")
    back.close()
    chair.wait_for(lambda c: c.polls.get(poll, {}).get("quorate") is False)
    suspended = chair.call("poll:suspend", {"poll_id": poll})["poll"]
    assert suspended["state"] == "suspended" and "result" not in suspended
    assert chair.call("draft:get", {"draft_id": draft})["draft"]["poll"] is None


def test_members_vote_not_people(live, live_conf):
    """Rule 82 (124 in committees): each member has one vote, whichever representative casts
    it; a second ballot from the delegation replaces the first. Weights count as votes."""
    a = live_conf["actions"]
    cid = live_conf["conference"].id
    (p1, t1), (p2, t2) = a.import_participants(
        None,
        cid,
        [
            {"name": "Ana", "delegation": "Country 0", "role": "delegate"},
            {"name": "Ben", "delegation": "country 0", "role": "delegate"},  # same member
        ],
    )
    assert p1.member_id == p2.member_id
    members = {m.name: m for m in a.members(None, cid)}
    assert len(members) == 6  # six delegations, eight representatives
    a.set_member_weight(None, members["Country 1"].id, 3)
    tokens = [t1, t2, *live_conf["tokens"][1:4]]
    clients = clients_for(live, tokens, live_conf["draft_id"])
    chair = DraftClient(live.url, live_conf["chair_token"])
    chair.join(live_conf["draft_id"])
    chair.set_mode(live_conf["draft_id"], "formal")
    poll = chair.open_poll(("clause", live_conf["clause_ids"][0]), rule="absolute")
    chair.wait_for(lambda c: poll in c.polls)
    opened = chair.polls[poll]
    assert opened["entitled"] == 8  # five members of weight 1, one of weight 3
    # rule 87 (127 in committees): alphabetical, from a member drawn by lot
    names = [m["name"] for m in opened["roll_call"]]
    alpha = sorted(names, key=str.casefold)
    first = alpha.index(names[0])
    assert names == alpha[first:] + alpha[:first] and len(names) == 6
    clients[0].vote(poll, "no")  # Ana for Country 0
    clients[1].vote(poll, "yes")  # Ben for Country 0: replaces Ana's ballot
    clients[2].vote(poll, "yes")  # Country 1, three votes
    result = chair.close_poll(poll)
    assert (result["yes"], result["no"], result["entitled"]) == (4, 0, 8)
    assert result["outcome"] == "rejected"  # 4 of 8 is not more than half
    country0 = next(v for v in result["votes"] if v["delegation"] == "Country 0")
    assert (country0["choice"], country0["name"]) == ("yes", "Ben")
    for c in [*clients, chair]:
        c.close()


def test_193_delegations_vote_at_once(live, tmp_path):
    from drafting.actions import Actions
    from drafting.store import Store

    a = Actions(Store(live.db_path))
    conf, _chair, chair_token = a.create_conference("General Assembly", "President")
    people = a.import_participants(
        None,
        conf.id,
        [
            {"name": f"Delegate {i}", "delegation": f"State {i:03}", "role": "delegate"}
            for i in range(193)
        ],
    )
    d = a.create_draft(None, conf.id, "Resolution", [("operative", 0, "Decides.")])
    a.set_mode(None, d.id, "formal")
    chair = DraftClient(live.url, chair_token)
    chair.join(d.id)
    with ThreadPoolExecutor(16) as pool:
        voters = list(pool.map(lambda pt: DraftClient(live.url, pt[1], timeout=30), people))
        list(pool.map(lambda c: c.join(d.id), voters))
    try:
        poll = chair.open_poll(("draft", d.id), rule="two_thirds", kind="recorded")
        choices = ["yes"] * 130 + ["no"] * 50 + ["abstain"] * 13
        for c in voters:
            c.wait_for(lambda c: poll in c.polls, timeout=20)
        with ThreadPoolExecutor(64) as pool:
            list(pool.map(lambda vc: vc[0].vote(poll, vc[1]), zip(voters, choices, strict=True)))
        result = chair.close_poll(poll)
        assert (result["yes"], result["no"], result["abstain"]) == (130, 50, 13)
        assert result["required"] == 120 and result["outcome"] == "adopted"
        assert len(result["votes"]) == 193
        for n, c in enumerate(voters):
            try:
                c.wait_for(lambda c: c.polls[poll].get("state") == "closed", timeout=10)
            except TimeoutError:
                raise AssertionError(
                    f"voter {n} connected={c.sio.connected} disconnects={c.disconnects} "
                    f"last={[e for e, _ in c.received[-5:]]} state={c.polls[poll].get('state')}"
                ) from None
        # how fast they saw it is a figure for benchmarks/vote_fanout.py, not an assertion here
        assert all(c.polls[poll]["result"]["yes"] == 130 for c in voters)
        assert a.draft(None, d.id).status == "adopted"
    finally:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda c: c.close(), voters))
        chair.close()


def test_a_full_session(live, live_conf):
    """The sample declaration through a whole sitting, checked against the record at the end."""
    from helpers import SAMPLE

    from drafting.demo import FALLBACK

    a = live_conf["actions"]
    conf = live_conf["conference"]
    source = SAMPLE if SAMPLE.exists() else FALLBACK
    draft = a.import_document(None, conf.id, source.read_bytes(), source.name)
    d1p, d2p, d3p = (a.authenticate(t) for t in live_conf["tokens"][:3])
    a.set_sponsors(None, draft.id, [d1p.id, d2p.id])
    chair = DraftClient(live.url, live_conf["chair_token"])
    chair.join(draft.id)
    d1, d2, d3, d4 = clients_for(live, live_conf["tokens"][:4], draft.id)  # 4 of 6: a quorum
    try:
        flat = chair.clauses
        longs = [c for c in flat if len(c["text"].split()) >= 12 and c["kind"] != "heading"]
        x, y = longs[0], longs[1]
        z = next(c for c in reversed(flat) if c["id"] not in (x["id"], y["id"]))
        words = x["text"].split(" ")
        third = len(words) // 3
        p1, p2, p3 = (
            " ".join(words[:third]),
            " ".join(words[third : 2 * third]),
            " ".join(words[2 * third :]),
        )
        assert x["text"] == f"{p1} {p2} {p3}"
        chair.set_mode(draft.id, "formal")

        # three competing amendments on clause x, and a fourth far from them
        w1 = p1.split(" ")
        a1 = d1.propose(x["id"], " ".join([w1[0], "URGENTLY", *w1[2:]]) + f" {p2} {p3}", "tone")
        a2 = d2.propose(
            x["id"],
            "Replaces all of this with an entirely different and much longer commitment "
            f"that the assembly would have to consider on its own merits {p3}",
            "a new approach",
        )
        a3 = d3.propose(x["id"], f"Resolves to {p2} {p3}", "clarity")
        a4 = d1.propose(x["id"], f"{p1} {p2} {p3} without delay", "urgency")
        queue = [q["id"] for q in d1.amendments()["queue"] if q["type"] == "amendment"]
        assert queue[0] == a2  # furthest removed in substance is voted first
        assert set(queue) == {a1, a2, a3, a4}

        # a2 rejected
        poll = chair.open_poll(("amendment", a2), rule="simple", kind="recorded")
        d1.vote(poll, "no")
        d2.vote(poll, "no")
        d3.vote(poll, "yes")
        assert chair.close_poll(poll)["outcome"] == "rejected"
        # a3 adopted: a1 overlapped it and lapses; a4 did not and is rebased onto it
        poll = chair.open_poll(("amendment", a3), rule="two_thirds", kind="recorded")
        for c in (d1, d2, d3):
            c.vote(poll, "yes")
        result = chair.close_poll(poll)
        assert (result["outcome"], result["yes"]) == ("adopted", 3)
        d2.wait_for(lambda c: c.text(x["id"]) == f"Resolves to {p2} {p3}")
        listing = {am["id"]: am for am in d1.amendments()["amendments"]}
        assert listing[a1]["status"] == "lapsed"
        assert listing[a4]["status"] == "pending"
        assert listing[a4]["new_text"] == f"Resolves to {p2} {p3} without delay"
        with pytest.raises(Refused, match="lapsed"):
            chair.open_poll(("amendment", a1))
        # the clause cannot be voted before its remaining amendment
        with pytest.raises(Refused, match="Amendments to a clause are voted before"):
            chair.open_poll(("clause", x["id"]))
        poll = chair.open_poll(("amendment", a4), rule="simple", kind="counted")
        d1.vote(poll, "yes")
        d2.vote(poll, "abstain")
        d3.vote(poll, "yes")
        assert chair.close_poll(poll)["outcome"] == "adopted"
        final_x = f"Resolves to {p2} {p3} without delay"
        d3.wait_for(lambda c: c.text(x["id"]) == final_x)

        # a friendly amendment on clause y: both sponsors accept, no vote
        a5 = d3.propose(y["id"], y["text"] + " (as amended by consensus)", "friendly wording")
        with pytest.raises(Refused, match="sponsors"):
            d3.accept(a5)
        assert d1.accept(a5)["status"] == "pending"
        assert d2.accept(a5)["status"] == "friendly"
        d3.wait_for(lambda c: c.text(y["id"]).endswith("(as amended by consensus)"))

        # separate votes on clauses: x adopted, z rejected and gone from the text
        poll = chair.open_poll(("clause", x["id"]), rule="simple", kind="recorded")
        for c in (d1, d2, d3):
            c.vote(poll, "yes")
        assert chair.close_poll(poll)["outcome"] == "adopted"
        poll = chair.open_poll(("clause", z["id"]), rule="simple", kind="secret")
        for c in (d1, d2, d3):
            c.vote(poll, "no")
        assert chair.close_poll(poll)["outcome"] == "rejected"
        d1.wait_for(lambda c: all(k["id"] != z["id"] for k in c.clauses))

        # the vote on the whole
        poll = chair.open_poll(("draft", draft.id), rule="two_thirds", kind="recorded")
        d1.vote(poll, "yes")
        d2.vote(poll, "yes")
        d3.vote(poll, "no")
        result = chair.close_poll(poll)
        assert (result["outcome"], result["required"]) == ("adopted", 2)
        d1.wait_for(lambda c: c.status == "adopted")
        with pytest.raises(Refused, match="adopted"):
            d1.propose(y["id"], "Too late", "")
        reply = d1.sio.call(
            "edit", {"clause_id": y["id"], "base_version": 1, "delta": "+x"}, timeout=10
        )
        assert "adopted" in reply["error"]["message"]

        # the record says exactly that
        record = chair.record(draft.id)
        n = {am["id"]: am["number"] for am in d1.amendments()["amendments"]}
        assert f"Amendment #{n[a2]} by Delegate 1 (Country 1)" in record
        for aid, fate in (
            (a1, "Lapsed"),
            (a2, "Rejected"),
            (a3, "Adopted"),
            (a4, "Adopted"),
            (a5, "Friendly"),
        ):
            line = next(li for li in record.splitlines() if f"Amendment #{n[aid]} by" in li)
            assert line.endswith(f"**{fate}**."), line
        assert "Rejected — 1 yes, 2 no, 0 abstentions" in record
        assert "In favour: Country 2." in record  # names in recorded votes
        assert "Against: Country 0, Country 1." in record
        assert "secret ballot" in record and "rejected" in record
        assert "## The draft as a whole" in record
        rec = chair.record(draft.id, fmt="json")
        assert rec["draft"]["status"] == "adopted"
        # history of clause x: who changed it and why
        versions = a.history(None, x["id"])["versions"]
        assert [v["reason"] for v in versions][-2:] == [
            f"amendment #{n[a3]}",
            f"amendment #{n[a4]}",
        ]
        # and the export carries the amended text, without the rejected clause
        exported = chair.call("draft:get", {"draft_id": draft.id})["draft"]
        texts = [c["text"] for c in exported["clauses"]]
        assert final_x in str(exported) and z["text"] not in texts
    finally:
        for c in (chair, d1, d2, d3, d4):
            c.close()


def test_the_python_client_drives_the_procedure(room, live):
    """DraftClient does what the browser does: motions, the order ruling, objections."""
    chair, (d1, d2, d3), draft = room["chair"], room["dels"], room["draft_id"]
    cid = room["clause_ids"][1]  # "Decides to act;"
    a1 = d1.propose(cid, "Decides to act now;")
    a2 = d2.propose(cid, "Decides not to act;")
    chair.set_mode(draft, "formal")
    queue = [q["id"] for q in d1.amendments()["queue"] if q["type"] == "amendment"]
    assert queue == [a2, a1]  # the reversal is furthest removed
    ruled = chair.rule_order(cid, [a1, a2])
    assert [q["id"] for q in ruled if q["type"] == "amendment"] == [a1, a2]
    assert "chair's ruling" in ruled[0]["reason"]
    recorded = d3.request_recorded_vote(("amendment", a1))
    assert recorded["status"] == "granted"  # rule 87/127: a right
    division = d3.request_division(room["clause_ids"][2])
    assert chair.rule_on_motion(division["id"], "grant")["status"] == "granted"
    poll = chair.open_poll(("clause", room["clause_ids"][0]), rule="consensus", seconds=30)
    d1.raise_objection(poll)
    d1.withdraw_objection(poll)
    result = chair.close_poll(poll)
    assert result["outcome"] == "adopted" and result["no"] == 0
    record = d1.record()
    assert "The chair ruled on the order of voting" in record
    assert "asked for a recorded vote" in record and "motion 1" in record


def test_a_vote_opened_in_a_draft_is_heard_on_the_conference_page(live, live_conf):
    """Issue 14: the chair shouted "we are voting" across the room; now a page that follows
    the conference (not in that draft) hears the vote open and close, once each."""
    import threading

    import socketio as sio_module

    heard: list[tuple[str, dict]] = []
    got = threading.Condition()
    page = sio_module.Client(reconnection=False)
    for name in ("poll:opened", "poll:closed"):
        page.on(name, lambda msg, name=name: (heard.append((name, msg)), got.acquire(),
                                              got.notify_all(), got.release()))  # fmt: skip
    page.connect(live.url, auth={"token": live_conf["tokens"][2]}, transports=["websocket"])
    reply = page.call("conference:follow", {"conference_id": live_conf["conference"].id})
    assert "error" not in (reply or {})
    # with the page's delegation, four of the six members are present: the quorum
    voters = [DraftClient(live.url, live_conf["tokens"][i]) for i in (0, 1, 3)]
    chair = DraftClient(live.url, live_conf["chair_token"])
    try:
        for c in (*voters, chair):
            c.join(live_conf["draft_id"])
        chair.set_mode(live_conf["draft_id"], "formal")
        poll = chair.open_poll(("clause", live_conf["clause_ids"][1]), kind="counted")
        with got:
            assert got.wait_for(lambda: any(n == "poll:opened" for n, _ in heard), 10)
        for v in voters:
            v.vote(poll, "yes")
        chair.close_poll(poll)
        with got:
            assert got.wait_for(lambda: any(n == "poll:closed" for n, _ in heard), 10)
        assert [n for n, _ in heard] == ["poll:opened", "poll:closed"]
        assert all(m["draft_id"] == live_conf["draft_id"] for _, m in heard)
        assert heard[1][1]["poll"]["result"]["yes"] == 3
    finally:
        page.disconnect()
        for c in (*voters, chair):
            c.close()
