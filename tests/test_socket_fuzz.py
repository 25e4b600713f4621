"""Issue 12, a standing suite: hypothesis over every socket event's payload. Whatever arrives
(wrong types, huge integers, lone surrogates, nesting, unknown keys), every event is answered
`ok` or with one of the documented error codes, never a server error, and nothing saved is
lost."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafting import socketio, sockets

CODES = {
    "invalid",
    "unauthorized",
    "forbidden",
    "not_found",
    "conflict",
    "too_large",
    "behind",
    "rate_limited",
    "unavailable",
}
KEYS = [
    "draft_id",
    "clause_id",
    "amendment_id",
    "poll_id",
    "motion_id",
    "conference_id",
    "base_version",
    "delta",
    "edit_id",
    "kind",
    "text",
    "new_text",
    "reason",
    "choice",
    "mode",
    "version",
    "subject_type",
    "subject_id",
    "rule",
    "details",
    "marker",
    "parent_id",
    "after_id",
    "format",
    "receipt",
    "ruling",
    "order",
    "restores",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, 3, -1, 2**53, 2**63]),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["\ud800", "=3\t+x", "yes", "item", "–", "formal", "draft", "operative"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
# mostly right where it matters (the draft's own ids, real kinds), so the payloads get past the
# first checks and reach the actions and the store, and anything at all elsewhere
# any code point, lone surrogates (which JSON carries as \\ud800) included
ANY_TEXT = st.one_of(
    st.text(max_size=20),
    st.text(max_size=8).map(lambda t: t + "\ud800" + t),
    st.text(st.characters(exclude_categories=()), max_size=20),
)
LIKELY = {
    "kind": st.sampled_from(["operative", "item", "heading", "replace", "delete", "text"]),
    "mode": st.sampled_from(["formal", "drafting", "withdrawn"]),
    "choice": st.sampled_from(["yes", "no", "abstain"]),
    "subject_type": st.sampled_from(["draft", "clause", "amendment", "motion"]),
    "marker": st.sampled_from(["–", "•", "x"]),
    "text": ANY_TEXT,
    "new_text": ANY_TEXT,
    "reason": ANY_TEXT,
    "delta": st.sampled_from(["=5", "+x\t=5", "-1\t+y\t=4"]),
    "edit_id": st.text(min_size=8, max_size=12),
}


def value_for(key: str) -> st.SearchStrategy[Any]:
    if key.endswith("_id") or key in ("base_version", "version"):
        likely: st.SearchStrategy[Any] = st.sampled_from([1, 1, 2, 3])
    else:
        likely = LIKELY.get(key, values)
    # nine in ten right, the tenth anything at all
    return st.sampled_from([True] * 9 + [False]).flatmap(lambda ok: likely if ok else values)


def documented_fields() -> dict[str, list[str]]:
    """Each client event's payload keys, as docs/protocol.md gives them (`{draft_id, kind,
    parent_id?, ...}`: the names at the top level of the first object)."""
    from actions.verify import _rows
    from helpers import REPO

    doc = (REPO / "docs" / "protocol.md").read_text("utf-8")
    out = {}
    for cells in _rows(doc, "## Socket.IO: client to server", "## Socket.IO: server to client"):
        payload = cells[1]
        inside = payload[payload.index("{") + 1 : payload.index("}")] if "{" in payload else ""
        names = [re.match(r"\s*(\w+\??)", part) for part in inside.split(",")]
        out[cells[0].strip("`")] = [m.group(1) for m in names if m]
    return out


FIELDS = documented_fields()


@st.composite
def payloads(draw: st.DrawFn, event: str) -> dict[str, Any]:
    """The event's own fields, each present or not, most of them about right, and now and
    then a stray key."""
    keys = []
    for name in FIELDS.get(event, []):
        optional = name.endswith("?")  # mostly left out, as most requests leave them
        if draw(st.sampled_from([True, False, False, False] if optional else [True] * 9 + [False])):
            keys.append(name.rstrip("?"))
    keys += draw(st.lists(st.sampled_from(KEYS), max_size=1))
    return {k: draw(value_for(k)) for k in dict.fromkeys(keys)}


@pytest.mark.parametrize("event", sorted(sockets.HANDLERS))
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_event_answers_any_payload_cleanly(
    app: Any, conference: dict[str, Any], data: st.DataObject, event: str
) -> None:
    payload = data.draw(payloads(event))
    a = app.extensions["drafting"]["actions"]
    if not hasattr(app, "_fuzz_draft"):
        d = a.create_draft(None, conference["conference"].id, "Fuzz", [("operative", 0, "Keep.")])
        app._fuzz_draft = d.id  # type: ignore[attr-defined]
    for token in (conference["chair_token"], conference["delegate_tokens"][0]):
        client = socketio.test_client(app, auth={"token": token})
        try:
            ack = client.emit(event, payload, callback=True)
        finally:
            client.disconnect()
        assert isinstance(ack, dict), (event, payload, ack)
        if not ack.get("ok"):
            assert ack["error"]["code"] in CODES, (event, payload, ack)
            assert ack["error"]["message"]
    # what was saved is still there
    view = a.draft_view(None, app._fuzz_draft)
    assert view["title"] == "Fuzz"
