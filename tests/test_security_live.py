"""Issue 12, against a real `drafting serve`: what an attacker or a careless operator tries."""

from __future__ import annotations

import json
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


def test_a_copy_of_the_database_is_not_a_key(tmp_path, monkeypatch):
    """Issue 12 (3): the key that signs session cookies lived in the database's `settings`:
    with a backup one could sign a cookie as the chair. Now it is outside: a file beside the
    database, readable by its owner only (or DRAFTING_SECRET_KEY)."""
    import os
    import stat

    from drafting import create_app

    monkeypatch.delenv("DRAFTING_SECRET_KEY", raising=False)
    db = tmp_path / "conf.db"
    app = create_app({"DATABASE": str(db)})
    key = app.config["SECRET_KEY"]
    assert len(key) >= 32
    keyfile = tmp_path / "conf.db.key"
    assert keyfile.read_text().strip() == key
    assert stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
    # nothing of the key in the database, its WAL or its shared memory
    for f in tmp_path.glob("conf.db*"):
        if f != keyfile:
            assert key.encode() not in f.read_bytes(), f.name
    # every process over the same database signs alike; the environment can set the key
    assert create_app({"DATABASE": str(db)}).config["SECRET_KEY"] == key
    monkeypatch.setenv("DRAFTING_SECRET_KEY", "k" * 40)
    assert create_app({"DATABASE": str(db)}).config["SECRET_KEY"] == "k" * 40


def test_a_key_an_older_version_kept_in_the_database_is_removed(tmp_path, monkeypatch):
    from drafting import create_app
    from drafting.store import Store

    monkeypatch.delenv("DRAFTING_SECRET_KEY", raising=False)
    db = tmp_path / "old.db"
    store = Store(db)
    with store.write():
        store.set_setting("secret_key", "an-old-key-anyone-with-a-backup-could-use")
    app = create_app({"DATABASE": str(db)})
    assert app.config["SECRET_KEY"] != "an-old-key-anyone-with-a-backup-could-use"
    assert Store(db).setting("secret_key") is None


def test_the_api_is_never_cached_and_https_cookies_are_secure(tmp_path):
    from drafting import create_app

    app = create_app({"DATABASE": str(tmp_path / "a.db")})
    r = app.test_client().get("/api/me")
    assert r.headers["Cache-Control"] == "no-store"
    secure = create_app({"DATABASE": str(tmp_path / "b.db"), "BASE_URL": "https://example.org"})
    assert secure.config["SESSION_COOKIE_SECURE"] is True


def test_a_read_only_or_missing_database_is_said_in_one_line(tmp_path):
    """Issue 12 (8): `serve` and the CLI died with a traceback ("unable to open database
    file"). Now: one line saying what to do, a non-zero exit, nothing half-applied."""
    import os
    import subprocess
    import sys

    if os.geteuid() == 0:
        # root writes through read-only permissions: make the folder a file's place instead
        missing = tmp_path / "a-file" / "drafting.db"
        (tmp_path / "a-file").write_text("not a folder")
        cases = [missing]
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        cases = [ro / "drafting.db", tmp_path / "a-file" / "drafting.db"]
        (tmp_path / "a-file").write_text("not a folder")
    for db in cases:
        for args in (["conference", "list"], ["serve", "--port", "1"]):
            out = subprocess.run(
                [sys.executable, "-m", "drafting", "--db", str(db), *args],
                capture_output=True,
                text=True,
                timeout=60,
                env={**os.environ, "DRAFTING_WORKER": "gthread"},
            )
            assert out.returncode != 0, args
            assert "Traceback" not in out.stderr, out.stderr[-500:]
            lines = [line for line in out.stderr.splitlines() if line.strip()]
            assert len(lines) == 1, out.stderr
            assert f"Cannot use the database {db}" in lines[0]
            assert "--db or DRAFTING_DB" in lines[0]


def test_a_database_made_read_only_while_in_use_refuses_writes_cleanly(tmp_path):
    """The file turned read-only under a running CLI: the write is refused with the same
    message, and what was saved before is still there."""
    import sqlite3

    from drafting.actions import Actions
    from drafting.errors import StoreUnavailable
    from drafting.store import Store

    db = tmp_path / "d.db"
    a = Actions(Store(db))
    conf, chair, _ = a.create_conference("Kept", "Chair")
    ro = Store(db)
    ro.db.conn.execute("PRAGMA query_only=ON")  # as a read-only file answers writes
    with pytest.raises(StoreUnavailable, match="Cannot use the database"):
        Actions(ro).create_conference("Lost", "Chair")
    names = [r[0] for r in sqlite3.connect(db).execute("select name from conferences")]
    assert names == ["Kept"]


def test_opening_a_conference_is_the_operators_decision(tmp_path, monkeypatch):
    """Issue 12 (1): `POST /api/conferences` needed no sign-in and made its caller a chair, who
    may upload documents. Closed by default; open, a few an hour per address."""
    from drafting import create_app
    from drafting import web as web_module

    monkeypatch.delenv("DRAFTING_OPEN_CONFERENCES", raising=False)
    closed = create_app({"DATABASE": str(tmp_path / "a.db")}).test_client()
    r = closed.post("/api/conferences", json={"name": "Mine", "chair": "Eve"})
    assert r.status_code == 403
    assert "drafting conference create" in r.get_json()["error"]["message"]
    page = closed.get("/").get_data(as_text=True)
    assert 'id="new-conference"' not in page and "drafting conference create" in page

    opened = create_app({"DATABASE": str(tmp_path / "b.db"), "OPEN_CONFERENCES": True})
    client = opened.test_client()
    assert 'id="new-conference"' in client.get("/").get_data(as_text=True)
    answers = [
        client.post("/api/conferences", json={"name": f"C{i}", "chair": "Eve"}).status_code
        for i in range(web_module.OPENINGS_PER_ADDRESS + 1)
    ]
    assert answers == [201] * web_module.OPENINGS_PER_ADDRESS + [409]


def _docx_with_empty_paragraphs(n: int) -> bytes:
    import io
    import zipfile

    import docx

    d = docx.Document()
    d.add_paragraph("Water for all")
    d.add_paragraph("1. Decides to act;")
    plain = io.BytesIO()
    d.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b"<w:p/>" * n)
            zout.writestr(info, data)
    return out.getvalue()


def test_a_hostile_upload_does_not_stall_the_room(live, live_conf):
    """Issue 12 (1): a .docx of about 80 kB zipped (30 MB of empty paragraphs) froze every
    other client for 136 s. Now it is refused before any parsing, in milliseconds; and what is
    parsed is parsed in a worker process, while the room's edits go on."""
    import urllib.request

    bomb = _docx_with_empty_paragraphs(3_000_000)
    assert len(bomb) < 100_000
    typist = DraftClient(live.url, live_conf["tokens"][1])
    typist.join(live_conf["draft_id"])
    clause = live_conf["clause_ids"][1]

    def upload(data: bytes, name: str) -> tuple[int, dict]:
        boundary = "----drafting-test"
        body = (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        req = urllib.request.Request(
            f"{live.url}/api/conferences/{live_conf['conference'].id}/drafts",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {live_conf['chair_token']}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    started = time.monotonic()
    status, answer = upload(bomb, "bomb.docx")
    assert status == 413 or status == 400, (status, answer)
    assert "paragraphs" in answer["error"]["message"]
    assert time.monotonic() - started < 5
    # a real document is read in a worker process, and the room is served meanwhile
    good = _docx_with_empty_paragraphs(0)
    status, answer = upload(good, "water.docx")
    assert status == 201, answer
    assert answer["title"] == "Water for all"
    typist.edit(clause, "Decides to act at once;")
    typist.wait_for(lambda c: c.text(clause) == "Decides to act at once;")
    typist.close()


def test_a_document_that_takes_too_long_is_stopped_and_says_so(monkeypatch):
    from drafting import workers
    from drafting.errors import TooLarge

    text = ("Decides to act;\n\n" * 20_000).encode()
    monkeypatch.setattr(workers, "TIME_LIMIT", 0.01)
    with pytest.raises(TooLarge, match="took longer than 0 s and was stopped"):
        workers.read_document(text, "long.txt")
    monkeypatch.setattr(workers, "TIME_LIMIT", 60.0)
    doc = workers.read_document(b"Water\n\n1. Decides to act;", "short.txt")
    assert (doc.title, [c.text for c in doc.clauses]) == ("Water", ["Decides to act;"])


def test_one_link_cannot_open_connections_without_end(live, live_conf):
    """Issue 12 (5): 500 connections with one delegate's link made others wait 7.4 s and grew
    the server by 1.1 GB. A participant has a fair share of connections; the rest are refused
    with the reason, and others are not touched."""
    import importlib

    presence_module = importlib.import_module("drafting.sockets.presence")
    share = presence_module.CONNECTIONS_PER_PARTICIPANT
    token = live_conf["tokens"][0]
    mine = [DraftClient(live.url, token) for _ in range(share)]
    with pytest.raises(Refused, match="already has 8 connections open"):
        DraftClient(live.url, token)
    other = DraftClient(live.url, live_conf["tokens"][1])  # another delegate still gets in
    other.join(live_conf["draft_id"])
    mine.pop().close()  # closing one makes room for one
    wait_until(lambda: _can_connect(live.url, token), what="a freed place")
    for c in [*mine, other]:
        c.close()


def _can_connect(url: str, token: str) -> bool:
    try:
        DraftClient(url, token).close()
    except Refused:
        return False
    return True


def test_a_reader_that_never_reads_is_closed_not_buffered_without_end(tmp_path):
    """Issue 12 (5): one socket that never read while asking for a large draft 45 times a
    second grew the server by 315 MB in 8 s. Past MAX_UNREAD waiting messages (30 here) the
    server closes it and drops what it was holding; everyone else goes on."""
    from liveserver import LiveServer

    from drafting.actions import Actions
    from drafting.store import Store

    db = tmp_path / "big.db"
    Store(db)
    a = Actions(Store(db))
    conf, _, _ = a.create_conference("Big Draft Assembly", "Chair")
    people = a.import_participants(
        None, conf.id, [{"name": f"D{i}", "delegation": f"C{i}"} for i in range(2)]
    )
    clause_text = "Recalling the many resolutions on this question adopted over the years, " * 25
    draft = a.create_draft(None, conf.id, "Big", [("preambular", 0, clause_text)] * 150)
    server = LiveServer(db, env={"DRAFTING_MAX_UNREAD": "30"}).start()
    try:
        other = DraftClient(server.url, people[1][1])
        other.join(draft.id)
        hog_id = people[0][0].id
        hog = PollingHog(server.url, people[0][1])
        hog.send(json.dumps(["join", {"draft_id": draft.id}]), ack=1)
        wait_until(lambda: any(p["participant_id"] == hog_id for p in other.presence))
        request = json.dumps(["draft:get", {"draft_id": draft.id}])
        for i in range(10):  # 150 requests of about 300 kB an answer each; it never polls
            try:
                hog.send_many([request] * 15, first_ack=100 + 15 * i)
            except OSError:  # urllib's HTTPError too: the server closed the session meanwhile
                break
        # the server closes it: the room hears it leave, while it still has not read a thing
        wait_until(
            lambda: all(p["participant_id"] != hog_id for p in other.presence),
            timeout=10,  # the ping timeout would close it after 30 s
            what="the reader that never reads to be closed",
        )
        # and the room goes on
        assert len(other.clauses) == 150
        other.edit(other.clauses[0]["id"], "Recalling,")
        other.wait_for(lambda c: c.text(c.clauses[0]["id"]) == "Recalling,")
        other.close()
    finally:
        server.stop()


class PollingHog:
    """A long-polling Socket.IO client spoken by hand that sends and never polls for what the
    server answers: its answers can only queue up on the server."""

    def __init__(self, url: str, token: str) -> None:
        import urllib.request

        self.urllib = urllib.request
        self.base = f"{url}/socket.io/?EIO=4&transport=polling"
        opened = self._get(self.base)
        self.sid = json.loads(opened[1:])["sid"]
        self.url = f"{self.base}&sid={self.sid}"
        self._post("40" + json.dumps({"token": token}))
        assert self._get(self.url).startswith("40")  # connected; the last poll it makes

    def _get(self, url: str) -> str:
        with self.urllib.urlopen(url, timeout=10) as r:
            return r.read().decode()

    def _post(self, body: str) -> None:
        req = self.urllib.Request(self.url, data=body.encode(), method="POST")
        with self.urllib.urlopen(req, timeout=10) as r:
            assert r.read().lower() == b"ok"

    def send(self, event_json: str, ack: int) -> None:
        self._post(f"42{ack}{event_json}")

    def send_many(self, events: list[str], first_ack: int) -> None:
        self._post("\x1e".join(f"42{first_ack + i}{e}" for i, e in enumerate(events)))
