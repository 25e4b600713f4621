"""The store: WAL, migrations that upgrade old files, one transaction per action."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from drafting import textsync
from drafting.actions import Actions, hash_token
from drafting.errors import NotFound, TooLarge
from drafting.store import Store, migrations


def test_wal_and_schema(store: Store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = set(store.db.table_names())
    assert {"conferences", "participants", "drafts", "clauses", "journal", "amendments"} <= names


def test_old_database_is_upgraded_without_losing_data(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="0002_procedure")
    assert "amendments" not in old.table_names()
    old["conferences"].insert(
        {"id": 1, "name": "Old Assembly", "majority": "simple", "quorum": 2, "created_at": "x"}
    )
    old["participants"].insert(
        {
            "id": 1,
            "conference_id": 1,
            "name": "Chair",
            "delegation": "",
            "role": "chair",
            "token_hash": hash_token("old-token"),
            "present": 0,
            "created_at": "x",
        }
    )
    old["drafts"].insert(
        {"id": 1, "conference_id": 1, "title": "T", "status": "drafting", "sponsors": "[]"}
    )
    old["clauses"].insert(
        {
            "id": 1,
            "draft_id": 1,
            "parent_id": None,
            "position": 0,
            "kind": "operative",
            "text": "Décide «ainsi»",
            "version": 3,
            "status": "active",
        }
    )
    old.conn.commit()
    old.close()

    store = Store(path)  # opening upgrades
    assert "amendments" in store.db.table_names()
    a = Actions(store)
    chair = a.authenticate("old-token")
    view = a.draft_view(chair, 1)
    assert view["clauses"][0]["text"] == "Décide «ainsi»"
    assert view["clauses"][0]["version"] == 3
    # and the upgraded file takes new work
    a.add_clause(chair, 1, "operative", "Second")
    assert [c["number"] for c in a.draft_view(chair, 1)["clauses"]] == ["1", "2"]
    # opening again applies nothing twice
    Store(path)


def test_failed_action_changes_nothing(actions: Actions, conference, monkeypatch):
    conf = conference["conference"]
    draft = actions.create_draft(None, conf.id, "Draft", [("operative", 0, "One")])
    before_journal = len(actions.store.journal(draft_id=draft.id))

    def boom(event):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions.store, "append", boom)
    with pytest.raises(RuntimeError):
        actions.add_clause(None, draft.id, "operative", "Two")
    monkeypatch.undo()
    view = actions.draft_view(None, draft.id)
    assert [c["text"] for c in view["clauses"]] == ["One"]
    assert len(actions.store.journal(draft_id=draft.id)) == before_journal


def test_tokens_are_stored_hashed(actions: Actions, conference, db_path):
    token = conference["delegate_tokens"][0]
    raw = sqlite3.connect(db_path).execute("select token_hash from participants").fetchall()
    assert all(token not in row[0] for row in raw)
    assert len(token) >= 22  # at least 128 bits of urlsafe base64
    assert actions.authenticate(token).name == "Amina"


def test_new_link_replaces_old(actions: Actions, conference):
    old = conference["delegate_tokens"][0]
    p, new = actions.issue_link(None, conference["delegates"][0].id)
    assert new != old
    assert actions.authenticate(new).id == p.id
    with pytest.raises(Exception, match="not valid"):
        actions.authenticate(old)


def test_journal_replays_to_current_text(actions: Actions, conference):
    """The current state is what the journal says: replaying clause events rebuilds it."""
    conf = conference["conference"]
    d = actions.create_draft(None, conf.id, "Draft", [("operative", 0, "Alpha")])
    first = actions.draft_view(None, d.id)["clauses"][0]["id"]
    actions.replace_text(None, first, "Alpha beta")
    c2 = actions.add_clause(None, d.id, "operative", "Gamma", after_id=first)
    actions.replace_text(None, c2.id, "Gamma delta")
    actions.delete_clause(None, first)
    texts: dict[int, str] = {first: "Alpha"}  # as created
    for e in actions.store.journal(draft_id=d.id):
        if e.type == "clause.added":
            texts[e.clause_id] = e.data["text"]
        elif e.type == "clause.edited":
            texts[e.clause_id] = textsync.apply_delta(texts[e.clause_id], e.data["delta"])
        elif e.type == "clause.deleted":
            for i in e.data["ids"]:
                texts.pop(i)
    assert texts == {c["id"]: c["text"] for c in actions.draft_view(None, d.id)["clauses"]}


def test_roles_are_enforced(actions: Actions, conference):
    conf = conference["conference"]
    delegate, observer = conference["delegates"][0], conference["observer"]
    d = actions.create_draft(None, conf.id, "Draft", [("operative", 0, "One")])
    with pytest.raises(Exception, match="Only the chair"):
        actions.set_mode(delegate, d.id, "formal")
    with pytest.raises(Exception, match="Observers"):
        actions.add_clause(observer, d.id, "operative", "x")
    other, _, _ = actions.create_conference("Other", "Someone")
    stranger, _ = actions.add_participant(None, other.id, "Stranger")
    with pytest.raises(NotFound):
        actions.draft_view(stranger, d.id)
    with pytest.raises(TooLarge, match="20,000"):
        actions.add_clause(delegate, d.id, "operative", "x" * 20_001)


def test_versions_keep_deltas_and_a_whole_text_every_so_often(actions: Actions, conference):
    """A live edit's version keeps its delta, and the whole text only every SNAPSHOT_EVERY
    versions; the history, a version's text and a resend's base are rebuilt exactly."""
    from drafting.store import SNAPSHOT_EVERY

    conf = conference["conference"]
    d = actions.create_draft(None, conf.id, "D", [("operative", 0, "Decides to act;")])
    cid = actions.draft_view(None, d.id)["clauses"][0]["id"]
    amina = actions.authenticate(conference["delegate_tokens"][0])
    expected = ["Decides to act;"]
    for n in range(2 * SNAPSHOT_EVERY + 5):
        text = expected[-1]
        at = len(text) // 2
        new = text[:at] + f"<{n}😀>" + text[at:] if n % 3 else text[:at] + text[at + 2 :]
        actions.apply_edit(
            amina, cid, len(expected), textsync.make_delta(text, new), f"edit-{n:04}"
        )
        expected.append(new)
    with sqlite3.connect(actions.store.path) as conn:
        whole = [
            v
            for (v,) in conn.execute(
                "select version from clause_versions where clause_id = ? and text is not null",
                [cid],
            )
        ]
    assert whole == [1, SNAPSHOT_EVERY + 1, 2 * SNAPSHOT_EVERY + 1]
    assert [v["text"] for v in actions.store.clause_versions(cid)] == expected
    for version in (1, 2, SNAPSHOT_EVERY, SNAPSHOT_EVERY + 1, SNAPSHOT_EVERY + 2, len(expected)):
        assert actions.store.clause_text_at(cid, version) == expected[version - 1]
    assert actions.store.clause_text_at(cid, len(expected) + 1) is None


def test_a_restart_checkpoint_lets_the_next_commit_start_the_wal_over(tmp_path):
    """The served process checkpoints from a thread of its own. Under a steady stream of
    commits a PASSIVE checkpoint never finds the WAL wholly copied (a commit lands during
    each one), and the WAL grows; a RESTART one holds the commits off while it copies the
    rest, and the next commit writes from the WAL's beginning again."""
    store = Store(tmp_path / "wal.db", autocheckpoint=False)
    for i in range(300):
        with store.write():
            store.set_setting(f"k{i}", "x" * 2000)
    log, done = store.checkpoint("RESTART")
    assert log >= 300
    assert done == log
    with store.write():
        store.set_setting("after", "z")
    assert store.checkpoint()[0] <= 4  # this commit's pages only: the WAL started over
    assert store.setting("k299") == "x" * 2000 and store.setting("after") == "z"
    with pytest.raises(ValueError):
        store.checkpoint("TRUNCATE; drop table settings")


def test_a_restart_checkpoint_does_not_wait_for_a_long_reader(tmp_path):
    """A backup reads one snapshot for seconds; writers wait while a RESTART checkpoint
    does, so it gives up at once rather than hold every edit up behind the backup."""
    import time

    store = Store(tmp_path / "wal.db", autocheckpoint=False)
    for i in range(50):
        with store.write():
            store.set_setting(f"k{i}", "x" * 2000)
    reader = sqlite3.connect(tmp_path / "wal.db", isolation_level=None)
    reader.execute("begin")
    reader.execute("select count(*) from settings").fetchone()  # holds its snapshot
    with store.write():
        store.set_setting("later", "y")  # the reader's snapshot is now an older one
    started = time.monotonic()
    _log, done = store.checkpoint("RESTART")
    assert time.monotonic() - started < 2 and done == 0
    with store.write():  # writers were not left waiting
        store.set_setting("after", "z")
    reader.execute("commit")
    assert store.checkpoint("RESTART")[1] > 0
