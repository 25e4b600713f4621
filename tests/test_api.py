"""The JSON API through Flask's test client: auth, roles, errors as JSON."""

from __future__ import annotations

import pytest


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def setup(client):
    r = client.post("/api/conferences", json={"name": "Committee", "chair": "Chair"})
    assert r.status_code == 201
    chair = r.get_json()
    cid = chair["conference"]["id"]
    assert chair["link"].startswith("http://test/join/")
    r = client.post(
        f"/api/conferences/{cid}/participants",
        json={"name": "Amina", "delegation": "Morocco"},
        headers=bearer(chair["token"]),
    )
    assert r.status_code == 201
    delegate = r.get_json()
    text = (
        "Resolution on water\n\nThe Assembly,\n\nRecalling its past work,\n\n"
        "1. Decides to act;\n\n2. Requests:\n\n(a) a report;\n\n(b) a plan.\n"
    )
    r = client.post(
        f"/api/conferences/{cid}/drafts", json={"text": text}, headers=bearer(chair["token"])
    )
    assert r.status_code == 201, r.get_json()
    draft = r.get_json()
    return {"cid": cid, "chair": chair["token"], "delegate": delegate["token"], "draft": draft}


def test_draft_structure(setup):
    d = setup["draft"]
    assert d["title"] == "Resolution on water"
    flat = [(c["kind"], c["number"]) for c in d["clauses"]]
    assert ("operative", "1") in flat and ("operative", "2") in flat
    op2 = next(c for c in d["clauses"] if c["number"] == "2")
    assert [k["number"] for k in op2["children"]] == ["(a)", "(b)"]


def test_missing_and_bad_tokens(client, setup):
    r = client.get(f"/api/drafts/{setup['draft']['id']}")
    assert r.status_code == 401
    assert "invite link" in r.get_json()["error"]["message"]
    r = client.get(f"/api/drafts/{setup['draft']['id']}", headers=bearer("forged"))
    assert r.status_code == 401
    r = client.get(f"/api/drafts/{setup['draft']['id']}", headers={"Authorization": "Basic x"})
    assert r.status_code == 401


def test_delegate_edits_and_chair_only_actions(client, setup):
    d, tok = setup["draft"], setup["delegate"]
    first = d["clauses"][0]["id"]
    r = client.patch(
        f"/api/clauses/{first}", json={"text": "The General Assembly,"}, headers=bearer(tok)
    )
    assert r.status_code == 200 and r.get_json()["version"] == 2
    r = client.post(f"/api/drafts/{d['id']}/mode", json={"mode": "formal"}, headers=bearer(tok))
    assert r.status_code == 403
    assert "chair" in r.get_json()["error"]["message"]
    r = client.post(
        f"/api/conferences/{setup['cid']}/participants", json={"name": "X"}, headers=bearer(tok)
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/drafts/{d['id']}/mode", json={"mode": "formal"}, headers=bearer(setup["chair"])
    )
    assert r.status_code == 200 and r.get_json()["status"] == "formal"
    # in formal mode the text is frozen
    r = client.patch(f"/api/clauses/{first}", json={"text": "changed"}, headers=bearer(tok))
    assert r.status_code == 409
    assert "formal" in r.get_json()["error"]["message"]


def test_add_move_delete_renumber(client, setup):
    d, tok = setup["draft"], setup["chair"]
    op1 = next(c for c in d["clauses"] if c["number"] == "1")
    r = client.post(
        f"/api/drafts/{d['id']}/clauses",
        json={"kind": "operative", "text": "Welcomes <b>all</b>;", "after_id": op1["id"]},
        headers=bearer(tok),
    )
    assert r.status_code == 201
    new = r.get_json()
    assert new["number"] == "2"
    view = client.get(f"/api/drafts/{d['id']}", headers=bearer(tok)).get_json()
    assert [c["number"] for c in view["clauses"] if c["kind"] == "operative"] == ["1", "2", "3"]
    r = client.post(f"/api/clauses/{new['id']}/move", json={"after_id": None}, headers=bearer(tok))
    assert r.status_code == 200
    r = client.delete(f"/api/clauses/{op1['id']}", headers=bearer(tok))
    assert r.status_code == 200
    view = client.get(f"/api/drafts/{d['id']}", headers=bearer(tok)).get_json()
    ops = [(c["number"], c["text"]) for c in view["clauses"] if c["kind"] == "operative"]
    assert ops == [("1", "Welcomes <b>all</b>;"), ("2", "Requests:")]
    hist = client.get(f"/api/clauses/{new['id']}/history", headers=bearer(tok)).get_json()
    assert hist["versions"][0]["actor"] == "Chair"
    assert [(x["first"], x["actor"], x["reason"]) for x in hist["sessions"]] == [
        (1, "Chair", "added")
    ]


def test_bad_input_is_a_clear_json_error(client, setup):
    d, tok = setup["draft"], setup["chair"]
    r = client.post(f"/api/drafts/{d['id']}/clauses", data="not json", headers=bearer(tok))
    assert r.status_code == 400 and "JSON" in r.get_json()["error"]["message"]
    r = client.post(
        f"/api/drafts/{d['id']}/clauses", json={"kind": "poem", "text": "x"}, headers=bearer(tok)
    )
    assert r.status_code == 400 and "poem" in r.get_json()["error"]["message"]
    r = client.post(
        f"/api/drafts/{d['id']}/clauses",
        json={"kind": "operative", "text": "x" * 20001},
        headers=bearer(tok),
    )
    assert r.status_code == 413 and "20,000" in r.get_json()["error"]["message"]
    r = client.get("/api/drafts/99999", headers=bearer(tok))
    assert r.status_code == 404
    r = client.post(
        f"/api/conferences/{setup['cid']}/drafts",
        data=b"x" * (13 * 1024 * 1024),
        headers={**bearer(tok), "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert "10 MB at most" in r.get_json()["error"]["message"]  # the importer's own limit
    r = client.post(f"/api/drafts/{d['id']}/mode", json={"mode": "formal"}, headers=bearer(tok))
    r = client.post(f"/api/drafts/{d['id']}/mode", json={"mode": "formal"}, headers=bearer(tok))
    assert r.status_code == 409


def test_other_conference_sees_nothing(client, setup):
    r = client.post("/api/conferences", json={"name": "Other", "chair": "Eve"})
    eve = r.get_json()["token"]
    r = client.get(f"/api/drafts/{setup['draft']['id']}", headers=bearer(eve))
    assert r.status_code == 404
    first = setup["draft"]["clauses"][0]["id"]
    r = client.patch(f"/api/clauses/{first}", json={"text": "hijack"}, headers=bearer(eve))
    assert r.status_code == 404


def test_join_link_signs_in_and_escapes_text(client, setup):
    d, tok = setup["draft"], setup["chair"]
    client.post(
        f"/api/drafts/{d['id']}/clauses",
        json={"kind": "operative", "text": "<img src=x onerror=alert(1)>"},
        headers=bearer(tok),
    )
    r = client.get(f"/join/{setup['delegate']}")
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get(f"/draft/{d['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    # the cookie authenticates API reads; writes must be JSON (CSRF guard)
    assert client.get(f"/api/drafts/{d['id']}").status_code == 200
    r = client.post(f"/api/drafts/{d['id']}/clauses", data={"kind": "operative", "text": "x"})
    assert r.status_code == 400
    # a bad link says so plainly
    r = client.get("/join/not-a-token")
    assert r.status_code == 401
    assert "not valid" in r.get_data(as_text=True)


def test_export_endpoint(client, setup):
    d, tok = setup["draft"], setup["chair"]
    r = client.get(f"/api/drafts/{d['id']}/export?format=md", headers=bearer(tok))
    assert r.status_code == 200
    assert "attachment" in r.headers["Content-Disposition"]
    assert "1. Decides to act;" in r.get_data(as_text=True)
    for fmt, kind, ext, magic in (
        ("pdf", "application/pdf", "pdf", b"%PDF-"),
        ("docx", "application/vnd.openxmlformats", "docx", b"PK"),
        ("odt", "application/vnd.oasis.opendocument.text", "odt", b"PK"),
        ("akn", "application/akn+xml", "xml", b"<?xml"),
        ("html", "text/html", "html", b"<!doctype html>"),
    ):
        r = client.get(f"/api/drafts/{d['id']}/export?format={fmt}", headers=bearer(tok))
        assert r.status_code == 200, fmt
        assert r.headers["Content-Type"].startswith(kind)
        assert r.headers["Content-Disposition"].endswith(f'.{ext}"')
        assert r.get_data().lstrip()[:20].lower().startswith(magic.lower()), fmt
    r = client.get(f"/api/drafts/{d['id']}/export?format=rtf", headers=bearer(tok))
    assert r.status_code == 400
    assert "pdf" in r.get_json()["error"]["message"]  # the refusal lists what can be had


def test_word_upload_from_the_signed_in_page(client, setup, tmp_path):
    import io

    import docx

    doc = docx.Document()
    doc.add_paragraph("Resolution on rivers")
    doc.add_paragraph("The Assembly,")
    doc.add_paragraph("1. Decides to protect rivers;")
    buf = io.BytesIO()
    doc.save(buf)
    client.get(f"/join/{setup['chair']}")
    url = f"/api/conferences/{setup['cid']}/drafts"

    def form():
        return {"file": (io.BytesIO(buf.getvalue()), "rivers.docx")}

    # a cross-site form (no JSON, no header) is refused, and nothing is created
    r = client.post(url, data=form(), content_type="multipart/form-data")
    assert r.status_code == 400
    r = client.post(
        url, data=form(), content_type="multipart/form-data", headers={"X-Drafting": "1"}
    )
    assert r.status_code == 201, r.get_json()
    draft = r.get_json()
    assert draft["title"] == "Resolution on rivers"
    assert draft["clauses"][-1]["text"] == "Decides to protect rivers;"
    drafts = client.get(f"/api/conferences/{setup['cid']}/drafts").get_json()
    assert [d["title"] for d in drafts].count("Resolution on rivers") == 1
