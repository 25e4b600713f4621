"""`drafting backup` and `drafting restore` (issue 13), as an operator runs them: a backup of a
real server's database while delegates type, a restore onto the stopped server, and every way
they refuse (one line, a non-zero exit, nothing changed)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from liveserver import LiveServer
from sqlite_utils import Database

from drafting.actions import Actions
from drafting.client import DraftClient
from drafting.store import Store, migrations

REPO = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"\[\d+:\d+\]")
SECRET = "DRAFTING_SECRET_KEY"


def drafting(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as an operator types it, in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "drafting", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k not in ("DRAFTING_DB", SECRET)},
    )


def texts(path: Path) -> dict[int, str]:
    """Every clause's text in a database file, read as any SQLite tool would."""
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("select id, text from clauses").fetchall())
    finally:
        conn.close()


def make_conference(db: Path, *, filler: int = 0) -> dict:
    """A conference with four delegates and a draft of three clauses to type into, and
    `filler` more clauses so that the file is not trivially small."""
    store = Store(db)
    a = Actions(store)
    conf, _chair, chair_token = a.create_conference("Backup Assembly", "Chair")
    people = a.import_participants(
        None,
        conf.id,
        [{"name": f"D{i}", "delegation": f"Country {i}", "role": "delegate"} for i in range(4)],
    )
    clauses = [
        ("preambular", 0, "Recalling its earlier resolutions,"),
        ("operative", 0, "Decides to act;"),
        ("operative", 0, "Requests a report."),
    ]
    filler_text = "Encourages Member States to consider the matter further, " * 5
    clauses += [("operative", 0, f"{filler_text}({i})") for i in range(filler)]
    draft = a.create_draft(None, conf.id, "The draft", clauses)
    ids = [c["id"] for c in a.draft_view(None, draft.id)["clauses"]][:3]
    store.close()  # this process holds the file open no longer
    return {
        "draft_id": draft.id,
        "clause_ids": ids,
        "tokens": [t for _p, t in people],
        "chair_token": chair_token,
    }


def one_line_error(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def kept_copies(db: Path) -> list[Path]:
    return sorted(db.parent.glob(f"{db.name}.before-restore-*"))


# --- under live load ----------------------------------------------------------------------


def test_a_backup_under_live_load_holds_every_acknowledged_edit_and_restores(tmp_path):
    db = tmp_path / "live.db"
    conf = make_conference(db, filler=2000)
    cids = conf["clause_ids"]
    server = LiveServer(db).start()
    clients = [DraftClient(server.url, t) for t in conf["tokens"]]
    stop = threading.Event()
    try:
        for c in clients:
            c.join(conf["draft_id"])

        def typist(n: int, c: DraftClient) -> None:
            i = 0
            while not stop.is_set():
                cid = cids[(n + i) % len(cids)]
                with c.change(cid) as ch:  # appended: nobody's words are ever taken away
                    ch.insert(len(ch.text), f" [{n}:{i}]")
                i += 1
                stop.wait(0.02)

        threads = [threading.Thread(target=typist, args=(n, c)) for n, c in enumerate(clients)]
        for t in threads:
            t.start()
        for c in clients:
            c.wait_for(lambda c: len(c.acks) >= 10, timeout=30)
        acknowledged = [(cid, text) for c in clients for cid, _v, text in list(c.acks)]

        backup = tmp_path / "backups" / "monday.db"
        backup.parent.mkdir()
        out = drafting(db, "backup", str(backup))
        for c in clients:  # typing goes on
            n = len(c.acks)
            c.wait_for(lambda c, n=n: len(c.acks) > n, timeout=30)
        stop.set()
        for t in threads:
            t.join()
        for c in clients:
            c.sync(timeout=30)
        for c in clients:
            c.sync(timeout=30)
        final = texts(db)
        for cid in cids:
            assert {c.text(cid) for c in clients} == {final[cid]}
        # one more edit, surely after the backup: the restore must take it away
        clients[0].edit(cids[1], final[cids[1]] + " AFTER THE BACKUP")
        clients[0].sync(timeout=30)
    finally:
        stop.set()
        for c in clients:
            c.close()
        server.stop()

    assert out.returncode == 0, out.stderr
    assert f"to {backup}" in out.stdout and "integrity ok" in out.stdout
    assert "Not in it: the key that signs browsers' sessions" in out.stdout
    # one plain file, its owner's only, whole, checked
    assert sorted(p.name for p in backup.parent.iterdir()) == ["monday.db"]
    assert backup.stat().st_mode & 0o777 == 0o600
    conn = sqlite3.connect(backup)
    assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
    assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
    conn.close()
    in_backup = texts(backup)
    assert acknowledged
    for cid, text in acknowledged:
        for marker in MARKER.findall(text):
            assert marker in in_backup[cid], f"{marker}, acknowledged before the backup, lost"
    assert "AFTER THE BACKUP" in texts(db)[cids[1]]

    out = drafting(db, "restore", str(backup))
    assert out.returncode == 0, out.stderr
    (kept,) = kept_copies(db)
    assert f"kept as {kept}" in out.stdout
    assert "AFTER THE BACKUP" in texts(kept)[cids[1]]  # the replaced database, whole
    assert texts(db) == in_backup

    # a server on the restored file serves the backup's text, to the same invite links
    server = LiveServer(db).start()
    try:
        reader = DraftClient(server.url, conf["tokens"][2])
        reader.join(conf["draft_id"])
        for cid in cids:
            assert reader.text(cid) == in_backup[cid]
        assert "AFTER THE BACKUP" not in reader.text(cids[1])
        reader.edit(cids[0], in_backup[cids[0]] + " Restored.")
        reader.sync(timeout=30)
        reader.close()
    finally:
        server.stop()
    assert texts(db)[cids[0]].endswith(" Restored.")


def test_restore_is_refused_while_a_server_serves_the_database(tmp_path):
    db = tmp_path / "live.db"
    conf = make_conference(db)
    cid = conf["clause_ids"][1]
    server = LiveServer(db).start()
    try:
        backup = tmp_path / "backup.db"
        assert drafting(db, "backup", str(backup)).returncode == 0
        with DraftClient(server.url, conf["tokens"][0]) as c:
            c.join(conf["draft_id"])
            c.edit(cid, "Decides to act at once;")
            c.sync(timeout=30)
        # the server is idle now, no client connected: it still holds the database
        error = one_line_error(drafting(db, "restore", str(backup)))
        assert f"The database {db} is open in another process" in error
        assert "stop `drafting serve`" in error
        assert kept_copies(db) == []
        with DraftClient(server.url, conf["tokens"][1]) as c:  # still serving, unchanged
            c.join(conf["draft_id"])
            assert c.text(cid) == "Decides to act at once;"
    finally:
        server.stop()
    assert drafting(db, "restore", str(backup)).returncode == 0
    assert texts(db)[cid] == "Decides to act;"


CRASHING_WRITER = """
import os, signal, sys
from drafting.actions import Actions
from drafting.store import Store
store = Store(sys.argv[1], autocheckpoint=False)
Actions(store).replace_text(None, int(sys.argv[2]), "Written just before the crash;")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_restore_after_a_crash_keeps_what_only_the_wal_held(tmp_path):
    """A process killed with its last commit in the WAL only, its -wal and -shm files left
    behind: the kept copy holds that commit, and the restored database is the backup's, with
    no stale WAL replayed over it."""
    db = tmp_path / "live.db"
    conf = make_conference(db)
    cid = conf["clause_ids"][1]
    backup = tmp_path / "backup.db"
    assert drafting(db, "backup", str(backup)).returncode == 0
    writer = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CRASHING_WRITER), str(db), str(cid)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert writer.returncode == -signal.SIGKILL, writer.stderr
    assert Path(f"{db}-wal").stat().st_size > 0 and Path(f"{db}-shm").exists()

    out = drafting(db, "restore", str(backup))
    assert out.returncode == 0, out.stderr
    (kept,) = kept_copies(db)
    assert texts(kept)[cid] == "Written just before the crash;"
    assert texts(db)[cid] == "Decides to act;"
    store = Store(db)
    assert store.clause(cid).text == "Decides to act;"
    assert store.db.execute("pragma integrity_check").fetchall() == [("ok",)]
    store.close()


def test_an_older_backup_is_brought_up_to_this_versions_schema(tmp_path):
    old = tmp_path / "old.db"
    names = [m.name for m in migrations.pending(Database(memory=True))]
    migrations.apply(Database(old), stop_before=names[-2])
    db = tmp_path / "live.db"
    out = drafting(db, "restore", str(old))
    assert out.returncode == 0, out.stderr
    assert f"Brought it up to this version's schema: {names[-2]}, {names[-1]}." in out.stdout
    assert f"There was no database at {db} before." in out.stdout
    assert [m.name for m in migrations.applied(Database(db))] == names
    assert old.read_bytes()[:16] == b"SQLite format 3\x00"  # the backup itself is not changed
    assert [m.name for m in migrations.applied(Database(old))] == names[:-2]


# --- refusals -------------------------------------------------------------------------------


def test_bad_backup_paths_are_said_in_one_line(tmp_path):
    db = tmp_path / "live.db"
    make_conference(db)
    before = db.read_bytes()

    error = one_line_error(drafting(db, "backup", str(tmp_path / "no-such-folder" / "b.db")))
    assert "the folder" in error and "does not exist" in error

    missing = tmp_path / "elsewhere.db"
    error = one_line_error(drafting(missing, "backup", str(tmp_path / "b.db")))
    assert f"There is no database at {missing}" in error
    assert not missing.exists()  # a backup never creates the database it was asked to copy

    error = one_line_error(drafting(db, "backup", str(db)))
    assert "is the database itself" in error
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.db"]


@pytest.fixture
def small_disk(tmp_path):
    """A real 256 kB file system (tmpfs), which a backup of a larger database fills."""
    where = tmp_path / "small"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    yield where
    subprocess.run(["umount", str(where)], check=True)


def test_a_full_disk_is_said_in_one_line_and_leaves_nothing_behind(tmp_path, small_disk):
    db = tmp_path / "live.db"
    make_conference(db, filler=1500)
    assert db.stat().st_size > 512 * 1024
    error = one_line_error(drafting(db, "backup", str(small_disk / "b.db")))
    assert "the disk is full" in error
    assert list(small_disk.iterdir()) == []  # no partial file


def _corrupt_copy(db: Path, dest: Path) -> None:
    data = bytearray(db.read_bytes())
    page = 4096
    for n in range(3, len(data) // page, 3):  # scribble over every third page's cells
        data[n * page + 1000 : n * page + 1200] = b"\xa5" * 200
    dest.write_bytes(bytes(data))


def _newer(db: Path, dest: Path) -> None:
    dest.write_bytes(db.read_bytes())
    Database(dest)["_sqlite_migrations"].insert(
        {"migration_set": "drafting", "name": "0999_from_the_future", "applied_at": "2099"}
    )


def _not_drafting(db: Path, dest: Path) -> None:
    Database(dest)["photos"].insert({"id": 1, "caption": "The plenary hall"})


BAD_BACKUPS = {
    "missing": (None, "There is no backup at"),
    "text": (lambda db, dest: dest.write_text("name,delegation\n"), "is not a SQLite database"),
    "not drafting": (_not_drafting, "is not a drafting database"),
    "newer": (_newer, "was made by a newer version of drafting (schema 0999_from_the_future"),
    "corrupt": (_corrupt_copy, "integrity"),
}


@pytest.mark.parametrize("case", BAD_BACKUPS)
def test_a_bad_backup_is_refused_in_one_line_and_changes_nothing(tmp_path, case):
    db = tmp_path / "live.db"
    make_conference(db, filler=200)
    before = texts(db)
    make, expected = BAD_BACKUPS[case]
    bad = tmp_path / "bad.db"
    if make is not None:
        make(db, bad)
    error = one_line_error(drafting(db, "restore", str(bad)))
    assert expected in error
    assert texts(db) == before
    assert kept_copies(db) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging file


def test_restoring_into_a_missing_folder_is_said_in_one_line(tmp_path):
    db = tmp_path / "live.db"
    make_conference(db)
    backup = tmp_path / "backup.db"
    assert drafting(db, "backup", str(backup)).returncode == 0
    error = one_line_error(drafting(tmp_path / "gone" / "live.db", "restore", str(backup)))
    assert "does not exist" in error
    assert not (tmp_path / "gone").exists()
