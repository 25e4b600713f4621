"""Amendment kinds and their fates, through the action layer on a real SQLite file."""

from __future__ import annotations

import pytest

from drafting.errors import Conflict, Forbidden


@pytest.fixture
def sitting(actions, conference):
    conf = conference["conference"]
    d1, d2 = conference["delegates"]
    draft = actions.create_draft(
        None,
        conf.id,
        "Draft",
        [
            ("operative", 0, "Decides to establish a working group;"),
            ("operative", 0, "Requests a report within one year;"),
            ("operative", 0, "Decides to remain seized of the matter."),
        ],
    )
    actions.set_sponsors(None, draft.id, [d1.id])
    for d in (d1, d2):  # in the room: a decision needs a majority of the members present
        actions.set_present(d, True)
    ids = [c["id"] for c in actions.draft_view(None, draft.id)["clauses"]]
    return {"draft": draft, "ids": ids, "d1": d1, "d2": d2, "chair": conference["chair"]}


def texts(actions, draft_id):
    return [(c["number"], c["text"]) for c in actions.draft_view(None, draft_id)["clauses"]]


def vote_through(actions, s, subject, choices):
    poll = actions.open_poll(s["chair"], s["draft"].id, subject[0], subject[1], "simple")
    for who, choice in zip((s["d1"], s["d2"]), choices, strict=False):
        actions.vote(who, poll.id, choice)
    return actions.close_poll(s["chair"], poll.id).result


def test_delete_and_insert_amendments(actions, sitting):
    s, a = sitting, actions
    d = s["draft"].id
    a.set_mode(None, d, "formal")
    ins = a.propose(s["d2"], s["ids"][0], "insert_after", "Welcomes the offer of the host;")
    dele = a.propose(s["d2"], s["ids"][1], "delete", "", "redundant")
    other = a.propose(s["d1"], s["ids"][1], "replace", "Requests a report within six months;")
    queue = [q["id"] for q in a.queue(a.draft(None, d)) if q["type"] == "amendment"]
    assert queue.index(dele.id) < queue.index(other.id)  # deletion is furthest removed
    assert vote_through(a, s, ("amendment", ins.id), ["yes", "yes"])["outcome"] == "adopted"
    assert texts(a, d)[1] == ("2", "Welcomes the offer of the host;")
    assert vote_through(a, s, ("amendment", dele.id), ["yes", "no"])["outcome"] == "rejected"
    assert a.store.amendment(other.id).status == "pending"
    # now the deletion of clause 3 by a second amendment, which makes the other lapse
    dele2 = a.propose(s["d2"], s["ids"][1], "delete")
    assert vote_through(a, s, ("amendment", dele2.id), ["yes", "yes"])["outcome"] == "adopted"
    assert a.store.amendment(other.id).status == "lapsed"
    assert [t for _, t in texts(a, d)] == [
        "Decides to establish a working group;",
        "Welcomes the offer of the host;",
        "Decides to remain seized of the matter.",
    ]
    assert [n for n, _ in texts(a, d)] == ["1", "2", "3"]


def test_amendment_to_an_amendment_goes_first(actions, sitting):
    s, a = sitting, actions
    d = s["draft"].id
    a.set_mode(None, d, "formal")
    main = a.propose(s["d2"], s["ids"][1], "replace", "Requests a detailed report within one year;")
    sub = a.propose(
        s["d1"],
        s["ids"][1],
        "amend_amendment",
        "Requests a short report within one year;",
        target_amendment_id=main.id,
    )
    with pytest.raises(Conflict, match="voted first"):
        a.open_poll(s["chair"], d, "amendment", main.id)
    assert vote_through(a, s, ("amendment", sub.id), ["yes", "yes"])["outcome"] == "adopted"
    assert a.store.amendment(main.id).new_text == "Requests a short report within one year;"
    assert vote_through(a, s, ("amendment", main.id), ["yes", "yes"])["outcome"] == "adopted"
    assert texts(a, d)[1][1] == "Requests a short report within one year;"


def test_withdraw_refuse_and_conflict(actions, sitting):
    s, a = sitting, actions
    d = s["draft"].id
    am = a.propose(s["d2"], s["ids"][0], "replace", "Decides to establish an expert group;")
    with pytest.raises(Forbidden, match="proposer"):
        a.withdraw(s["d1"], am.id)
    with pytest.raises(Forbidden, match="sponsors"):
        a.refuse(s["d2"], am.id)
    a.refuse(s["d1"], am.id)
    with pytest.raises(Conflict, match="refused"):
        a.accept(s["d1"], am.id)
    assert a.withdraw(s["d2"], am.id).status == "withdrawn"
    # in drafting mode a live edit where an amendment changes the text makes it conflicted
    am2 = a.propose(s["d2"], s["ids"][0], "replace", "Decides to establish a task force;")
    far = a.propose(s["d2"], s["ids"][0], "replace", "Decides to establish a working group today;")
    a.replace_text(s["d1"], s["ids"][0], "Decides to establish a large expert panel;")
    assert a.store.amendment(am2.id).status == "conflicted"
    rebased = a.store.amendment(far.id)
    assert rebased.status == "pending"
    assert rebased.new_text == "Decides to establish a large expert panel today;"
    a.set_mode(None, d, "formal")
    with pytest.raises(Conflict, match="conflicted"):
        a.open_poll(s["chair"], d, "amendment", am2.id)
    journal = [e.type for e in a.store.journal(draft_id=d)]
    assert "amendment.rebased" in journal and "amendment.refused" in journal


def test_deleting_a_clause_lapses_amendments_to_its_amendments(actions, sitting):
    """Rule 90: once the deletion (furthest removed) is adopted, nothing is left to amend, so
    a pending amendment and the amendment to it both lapse; the chair can close the vote."""
    s, a = sitting, actions
    d = s["draft"].id
    a.set_mode(None, d, "formal")
    other = a.propose(s["d1"], s["ids"][1], "replace", "Requests a report within six months;")
    sub = a.propose(
        s["d2"],
        s["ids"][1],
        "amend_amendment",
        "Requests a report within three months;",
        target_amendment_id=other.id,
    )
    dele = a.propose(s["d2"], s["ids"][1], "delete")
    assert vote_through(a, s, ("amendment", dele.id), ["yes", "yes"])["outcome"] == "adopted"
    assert a.store.amendment(other.id).status == "lapsed"
    assert a.store.amendment(sub.id).status == "lapsed"
    assert [t for _, t in texts(a, d)] == [
        "Decides to establish a working group;",
        "Decides to remain seized of the matter.",
    ]
