"""Issue 12 (7): every bad input gets a clean answer, the same error shape everywhere, and
nothing saved is lost: lone surrogates, ids far beyond any row, JSON nested without end, a list
where an object belongs, unknown events and unreadable packets."""

from __future__ import annotations

import io
import json

import pytest
from helpers import RawSocket

LONE = "\ud800"  # a lone surrogate: not Unicode text, and SQLite cannot store it
HUGE = [10**30, 2**63, -(2**63) - 1]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def setup(client):
    r = client.post("/api/conferences", json={"name": "Bad Input Forum", "chair": "Ana"})
    assert r.status_code == 201
    token = r.get_json()["token"]
    cid = r.get_json()["conference"]["id"]
    text = "Recalling its earlier resolutions,\n\n1. Decides to act;"
    payload = {"text": text, "title": "Water"}
    r = client.post(f"/api/conferences/{cid}/drafts", json=payload, headers=bearer(token))
    assert r.status_code == 201
    draft = client.get(f"/api/drafts/{r.get_json()['id']}", headers=bearer(token)).get_json()
    return {"token": token, "cid": cid, "draft": draft}


def refused(r, code="invalid"):
    assert r.status_code == 400, (r.status_code, r.get_data(as_text=True)[:300])
    err = r.get_json()["error"]
    assert err["code"] == code and err["message"]
    return err["message"]


def raw_post(client, path, raw, token=None):
    headers = {"Content-Type": "application/json", **(bearer(token) if token else {})}
    return client.post(path, data=raw, headers=headers)


def test_lone_surrogates_are_refused_by_http_and_nothing_is_stored(client, setup):
    tok, _cid, draft = setup["token"], setup["cid"], setup["draft"]
    clause = draft["clauses"][1]
    # the body as a browser or script sends it: JSON with a \ud800 escape
    body = json.dumps({"name": f"Forum {LONE}", "chair": "Ana"})
    assert "not valid Unicode" in refused(raw_post(client, "/api/conferences", body))
    body = json.dumps({"text": f"Decides to act {LONE};"})
    r = client.patch(
        f"/api/clauses/{clause['id']}",
        data=body,
        headers={"Content-Type": "application/json", **bearer(tok)},
    )
    refused(r)
    body = json.dumps({"kind": "replace", "new_text": "Decides.", "reason": f"x{LONE}"})
    refused(raw_post(client, f"/api/clauses/{clause['id']}/amendments", body, tok))
    after = client.get(f"/api/drafts/{draft['id']}", headers=bearer(tok)).get_json()
    assert after["clauses"][1]["text"] == clause["text"]
    assert after["amendments"] == []


@pytest.mark.parametrize("huge", HUGE)
def test_ids_beyond_any_row_are_refused_not_a_server_error(client, setup, huge):
    tok = setup["token"]
    r = client.get(f"/api/drafts/{huge}", headers=bearer(tok))
    assert r.status_code in (400, 404), r.status_code
    body = json.dumps({"kind": "operative", "text": "x", "after_id": huge})
    r = raw_post(client, f"/api/drafts/{setup['draft']['id']}/clauses", body, tok)
    refused(r)


def test_json_nested_without_end_and_lists_for_objects(client, setup):
    deep = "[" * 100_000 + "]" * 100_000
    refused(raw_post(client, "/api/conferences", deep))
    refused(raw_post(client, "/api/conferences", '{"name": ' + deep + "}"))
    refused(raw_post(client, "/api/conferences", '["a list", "not an object"]'))
    refused(raw_post(client, "/api/conferences", "{not json"))


def test_a_journal_position_that_is_not_a_plain_number_is_refused(client, setup):
    """`since` is ASCII digits, as many as a sequence number can have: a superscript two is a
    digit to Python (and was a server error), and so were 5,000 of them."""
    tok, draft = setup["token"], setup["draft"]["id"]
    for since in ("²", "١٢", "1" * 17, "9" * 5000, "-1", ""):
        r = client.get(f"/api/drafts/{draft}/journal", query_string={"since": since},
                       headers=bearer(tok))  # fmt: skip
        refused(r)
    r = client.get(f"/api/drafts/{draft}/journal", query_string={"since": "0"}, headers=bearer(tok))
    assert r.status_code == 200 and r.get_json()[0]["type"] == "draft.created"


def test_an_id_or_count_in_digits_that_are_not_ascii_is_refused(client, setup):
    """Ids and counts may come as strings of digits; "²" and "١٢" are digits to Python's
    `isdigit`, and "²" reached `int()` as a server error, through every door."""
    tok, draft = setup["token"], setup["draft"]
    clause = draft["clauses"][0]["id"]
    for odd in ("²", "١٢", "1²"):
        body = {"kind": "operative", "text": "x", "after_id": odd}
        refused(client.post(f"/api/drafts/{draft['id']}/clauses", json=body, headers=bearer(tok)))
        query = {"from": "1", "to": odd}
        refused(client.get(f"/api/clauses/{clause}/diff", query_string=query, headers=bearer(tok)))
    # digits in a string are still an id, as they always were
    body = {"kind": "operative", "text": "Notes the report.", "after_id": f" {clause} "}
    r = client.post(f"/api/drafts/{draft['id']}/clauses", json=body, headers=bearer(tok))
    assert r.status_code == 201, r.get_json()
    after = client.get(f"/api/drafts/{draft['id']}", headers=bearer(tok)).get_json()
    assert len(after["clauses"]) == len(draft["clauses"]) + 1


def test_werkzeug_refusals_speak_the_documented_codes(app, client, setup):
    """A body over the upload limit is `too_large`, as a clause over its limit is, not
    werkzeug's `request_entity_too_large`; the shape is the same as every refusal's."""
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = raw_post(client, f"/api/conferences/{setup['cid']}/drafts", "x" * 2000, setup["token"])
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "too_large"
    r = client.put("/api/me", headers=bearer(setup["token"]))
    assert r.status_code == 405 and r.get_json()["error"]["code"] == "method_not_allowed"
    r = client.get("/api/no/such/thing", headers=bearer(setup["token"]))
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_what_opening_a_conference_does_not_know_is_refused_not_guessed(client):
    """Left out is the default; an empty or wrong value is refused, as changing the rules later
    refuses it (an empty `rules` opened a UN committee, a number as the delegation was
    turned into its digits)."""
    base = {"name": "Forum", "chair": "Ana"}
    for extra in ({"rules": ""}, {"majority": ""}, {"rules": 0}, {"delegation": 5}):
        message = refused(client.post("/api/conferences", json={**base, **extra}))
        assert "rules" in message or "majority" in message or "delegation" in message, message
    r = client.post("/api/conferences", json={**base, "delegation": "Chile"})
    assert r.status_code == 201 and r.get_json()["conference"]["rules"] == "un_committee"
    assert r.get_json()["chair"]["delegation"] == "Chile"


def test_a_vote_under_a_rule_left_empty_is_refused_not_taken_under_another(client, setup):
    """A poll's rule left out is the conference's majority; an empty one ("" or 0) was taken
    as left out, and the vote opened under a rule nobody named."""
    tok, draft = setup["token"], setup["draft"]["id"]
    client.patch(f"/api/conferences/{setup['cid']}", json={"quorum": 0}, headers=bearer(tok))
    r = client.post(f"/api/drafts/{draft}/mode", json={"mode": "formal"}, headers=bearer(tok))
    assert r.status_code == 200
    path = f"/api/drafts/{draft}/polls"
    for rule in ("", 0, False):
        body = {"subject_type": "draft", "subject_id": draft, "rule": rule}
        assert "rule" in refused(client.post(path, json=body, headers=bearer(tok)))
    body = {"subject_type": "draft", "subject_id": draft}
    r = client.post(path, json=body, headers=bearer(tok))
    assert r.status_code == 201 and r.get_json()["rule"] == "simple"


def test_a_ballot_with_a_receipt_that_is_not_a_text_is_refused(client, setup):
    """A receipt only matters in a secret poll, but one that cannot be a receipt at all (an
    object, a number) is refused everywhere rather than silently ignored."""
    tok, cid, draft = setup["token"], setup["cid"], setup["draft"]["id"]
    client.patch(f"/api/conferences/{cid}", json={"quorum": 0}, headers=bearer(tok))
    r = client.post(f"/api/conferences/{cid}/participants", json={"name": "Lina"},
                    headers=bearer(tok))  # fmt: skip
    delegate = r.get_json()["token"]
    client.post(f"/api/drafts/{draft}/mode", json={"mode": "formal"}, headers=bearer(tok))
    body = {"subject_type": "draft", "subject_id": draft, "kind": "counted"}
    poll = client.post(f"/api/drafts/{draft}/polls", json=body, headers=bearer(tok)).get_json()
    path = f"/api/polls/{poll['id']}/ballot"
    for receipt in ({}, 5, ["x"]):
        body = {"choice": "yes", "receipt": receipt}
        assert "receipt" in refused(client.post(path, json=body, headers=bearer(delegate)))
    assert client.get(f"/api/polls/{poll['id']}", headers=bearer(tok)).get_json()["cast"] == 0
    r = client.post(path, json={"choice": "yes", "receipt": None}, headers=bearer(delegate))
    assert r.status_code == 200 and r.get_json()["cast"] == 1


def test_a_pasted_draft_is_markdown_or_plain_text_and_nothing_else(client, setup):
    path = f"/api/conferences/{setup['cid']}/drafts"
    before = client.get(path, headers=bearer(setup["token"])).get_json()
    for fmt in ("docx", "", 1, None):
        body = {"text": "1. Decides to act;", "format": fmt}
        assert "format" in refused(client.post(path, json=body, headers=bearer(setup["token"])))
    assert client.get(path, headers=bearer(setup["token"])).get_json() == before
    for fmt in ("txt", "md"):
        body = {"text": "1. Decides to act;", "format": fmt, "title": f"As {fmt}"}
        r = client.post(path, json=body, headers=bearer(setup["token"]))
        assert r.status_code == 201 and r.get_json()["title"] == f"As {fmt}"
    assert len(client.get(path, headers=bearer(setup["token"])).get_json()) == len(before) + 2


def test_only_the_chair_tables_a_draft_and_is_asked_before_the_document_is_read(client, setup):
    """Reading a .docx is the costly part of an upload: a delegate's is refused as a
    delegate's (403), not read first and then refused as a broken document (400)."""
    path = f"/api/conferences/{setup['cid']}/drafts"
    r = client.post(
        f"/api/conferences/{setup['cid']}/participants",
        json={"name": "Lina", "delegation": "Chile"},
        headers=bearer(setup["token"]),
    )
    delegate = r.get_json()["token"]
    upload = {"file": (io.BytesIO(b"PK\x03\x04 not really a zip"), "draft.docx")}
    r = client.post(path, data=upload, headers={**bearer(delegate), "X-Drafting": "1"})
    assert r.status_code == 403, r.get_json()
    assert r.get_json()["error"]["code"] == "forbidden"
    # the chair's is read, and refused for what it is
    upload = {"file": (io.BytesIO(b"PK\x03\x04 not really a zip"), "draft.docx")}
    r = client.post(path, data=upload, headers={**bearer(setup["token"]), "X-Drafting": "1"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid"


# --- Socket.IO, raw packets against a real server ------------------------------------------


def test_every_socket_event_is_answered_even_the_bad_ones(live, live_conf):
    sock = RawSocket(live.url, live_conf["tokens"][0])
    draft, clause = live_conf["draft_id"], live_conf["clause_ids"][1]
    try:
        joined = sock.call_raw(json.dumps(["join", {"draft_id": draft}]))
        assert joined["ok"] is True
        base = joined["draft"]["clauses"][1]["version"]

        def error(body: str) -> dict:
            ack = sock.call_raw(body)
            assert isinstance(ack, dict) and "error" in ack, ack
            assert ack["error"]["code"] in ("invalid", "not_found") and ack["error"]["message"]
            return ack["error"]

        assert "unknown" in error(json.dumps(["no:such:event", {}]))["message"].lower()
        error(json.dumps(["join", ["a list", "not an object"]]))
        error(json.dumps(["join", {"draft_id": 2**63}]))
        error(json.dumps(["join", {"draft_id": 10**30}]))
        edit = {
            "clause_id": clause,
            "base_version": base,
            "delta": f"+{LONE}",
            "edit_id": "e-000001",
        }
        error(json.dumps(["edit", edit]))
        deep = "[" * 100_000 + "]" * 100_000
        error('["edit", ' + deep + "]")
        error('["edit", {"clause_id": ')  # cut off: not JSON at all
        # and the connection still works, the text as it was
        again = sock.call_raw(json.dumps(["draft:get", {"draft_id": draft}]))
        assert again["ok"] and again["draft"]["clauses"][1]["version"] == base
    finally:
        sock.close()
