"""A draft is encoded once per state for every join (issue 12: joins of a large draft that
do not copy it once per request), and a join never gets a stale draft."""

from __future__ import annotations

import json

from drafting import views
from drafting.actions import Actions
from drafting.client import DraftClient
from drafting.sockets import PacketJson
from drafting.sockets.door import RawJson
from drafting.store import Store


def test_a_join_answers_what_the_draft_is_now(actions, conference, monkeypatch):
    chair = conference["chair"]
    amina = conference["delegates"][0]
    d = actions.create_draft(chair, conference["conference"].id, "T", [("operative", 0, "Old;")])
    builds = []
    content = views.draft_content
    monkeypatch.setattr(
        views, "draft_content", lambda store, draft: builds.append(1) or content(store, draft)
    )

    encodings = []

    def joined():
        n = len(builds)
        _id, text = actions.draft_json(amina, d.id)
        encodings.append(len(builds) - n)
        view = json.loads(text)
        assert view == actions.draft_view(amina, d.id)  # the same as built afresh
        return view

    first = joined()
    for _ in range(5):
        assert joined() == first
    assert encodings == [1, 0, 0, 0, 0, 0]  # encoded once for six joins
    cid = first["clauses"][0]["id"]
    # an edit through another process (a second store on the same file) is seen at once
    elsewhere = Actions(Store(actions.store.path))
    elsewhere.replace_text(chair, cid, "New;")
    assert joined()["clauses"][0]["text"] == "New;"
    # a poll, and who is present for it, are always current
    actions.set_present(amina, True)
    actions.set_present(conference["delegates"][1], True)
    actions.set_mode(chair, d.id, "formal")
    poll = actions.open_poll(chair, d.id, "clause", cid, "simple", "recorded")
    assert joined()["poll"]["id"] == poll.id
    before = joined()["poll"]["present"]
    actions.set_present(conference["delegates"][1], False)  # Jonas leaves the room
    assert joined()["poll"]["present"] == before - 1
    # the conference's rules too
    actions.update_conference(chair, conference["conference"].id, majority="two_thirds")
    assert joined() == actions.draft_view(amina, d.id)


def test_encoded_parts_travel_as_they_are():
    text = 'Decides "to act" now, «ensemble», 中文 \\ 😀'
    inner = json.dumps({"text": text}, ensure_ascii=False)
    packet = PacketJson.dumps(
        [{"draft": RawJson(inner), "me": {"name": "0:0"}}], separators=(",", ":")
    )
    assert json.loads(packet) == [{"draft": {"text": text}, "me": {"name": "0:0"}}]


def test_a_live_join_after_edits_loads_the_current_text(live, live_conf):
    a, cid = live_conf["actions"], live_conf["clause_ids"][1]
    first = DraftClient(live.url, live_conf["tokens"][0])
    first.join(live_conf["draft_id"])
    for word in ("now", "firmly", "together"):
        first.edit(cid, f"Decides to act {word};")
        first.sync()
        late = DraftClient(live.url, live_conf["tokens"][1])
        late.join(live_conf["draft_id"])
        assert late.text(cid) == f"Decides to act {word};"
        late.close()
    assert a.draft_view(None, live_conf["draft_id"])["clauses"][1]["text"] == (
        "Decides to act together;"
    )
    first.close()
