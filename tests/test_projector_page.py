"""The projector view's page (`GET /conference/ID/projector`): any signed-in participant of the
conference opens it; the page carries no control, only what projector.js fills in."""

from __future__ import annotations


def test_the_projector_page_for_a_participant_of_the_conference(client):
    made = client.post("/api/conferences", json={"name": "Rome <Forum>", "chair": "Chair"})
    cid = made.get_json()["conference"]["id"]
    other = client.post("/api/conferences", json={"name": "Elsewhere", "chair": "Chair"})
    other_cid = other.get_json()["conference"]["id"]

    # signed out: the page says how to sign in
    assert client.get(f"/conference/{cid}/projector").status_code == 401

    assert client.get(f"/join/{made.get_json()['token']}").status_code == 302
    page = client.get(f"/conference/{cid}/projector")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'data-conference-id="{cid}"' in html
    assert "Rome &lt;Forum&gt;" in html  # the name as text
    assert "js/projector.js" in html and "css/projector.css" in html
    assert "<button" not in html and "<form" not in html and "<input" not in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]

    # another conference's wall is not this participant's to open
    assert client.get(f"/conference/{other_cid}/projector").status_code == 404
