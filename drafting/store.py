"""The one module that touches SQLite, through sqlite-utils.

WAL mode, one connection per thread (sqlite3 connections are bound to their thread), schema
through sqlite-utils migrations applied on open. Every action runs inside `Store.write()`:
BEGIN IMMEDIATE ... COMMIT, so its state change and its journal events commit together or not
at all, and writers in several processes queue on SQLite's lock instead of failing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import Table
from sqlite_utils.migrations import Migrations

from . import textsync
from .domain import (
    DEFAULT_RULES,
    AgendaItem,
    Amendment,
    Clause,
    Conference,
    Draft,
    FloorRequest,
    Member,
    Motion,
    Participant,
    Poll,
    SpeakersList,
)
from .errors import Conflict, Invalid, NotFound, StoreUnavailable
from .events import Event

DEFAULT_DB = "drafting.db"

migrations = Migrations("drafting")


@migrations(name="0001_core")
def _m0001(db: Database) -> None:
    db.table("conferences").create(
        {"id": int, "name": str, "majority": str, "quorum": int, "created_at": str}, pk="id"
    )
    db.table("participants").create(
        {
            "id": int,
            "conference_id": int,
            "name": str,
            "delegation": str,
            "role": str,
            "token_hash": str,
            "present": int,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("conference_id", "conferences", "id")],
    )
    db.table("participants").create_index(["token_hash"], unique=True)
    db.table("participants").create_index(["conference_id"])
    db.table("drafts").create(
        {
            "id": int,
            "conference_id": int,
            "title": str,
            "status": str,
            "sponsors": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("conference_id", "conferences", "id")],
    )
    db.table("clauses").create(
        {
            "id": int,
            "draft_id": int,
            "parent_id": int,
            "position": int,
            "kind": str,
            "text": str,
            "version": int,
            "status": str,
        },
        pk="id",
        foreign_keys=[("draft_id", "drafts", "id")],
    )
    db.table("clauses").create_index(["draft_id"])
    db.table("clause_versions").create(
        {"clause_id": int, "version": int, "text": str, "actor_id": int, "reason": str, "at": str},
        pk=("clause_id", "version"),
    )
    db.table("journal").create(
        {
            "seq": int,
            "at": str,
            "type": str,
            "conference_id": int,
            "draft_id": int,
            "clause_id": int,
            "actor_id": int,
            "data": str,
        },
        pk="seq",
    )
    db.table("journal").create_index(["draft_id", "seq"])
    db.table("journal").create_index(["clause_id"])
    db.table("settings").create({"key": str, "value": str}, pk="key")


@migrations(name="0002_procedure")
def _m0002(db: Database) -> None:
    db.table("amendments").create(
        {
            "id": int,
            "draft_id": int,
            "number": int,
            "clause_id": int,
            "kind": str,
            "target_amendment_id": int,
            "new_kind": str,
            "proposer_id": int,
            "base_version": int,
            "base_text": str,
            "new_text": str,
            "reason": str,
            "status": str,
            "accepted_by": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("draft_id", "drafts", "id"), ("clause_id", "clauses", "id")],
    )
    db.table("amendments").create_index(["draft_id", "number"], unique=True)
    db.table("polls").create(
        {
            "id": int,
            "draft_id": int,
            "subject_type": str,
            "subject_id": int,
            "rule": str,
            "kind": str,
            "state": str,
            "opened_at": str,
            "closed_at": str,
            "result": str,
        },
        pk="id",
        foreign_keys=[("draft_id", "drafts", "id")],
    )
    db.table("ballots").create(
        {"poll_id": int, "participant_id": int, "choice": str, "cast_at": str},
        pk=("poll_id", "participant_id"),
    )
    # Secret polls keep who voted apart from what was chosen. Both tables are WITHOUT ROWID,
    # keyed by values that carry no order of arrival, so not even row order links them.
    db.execute(
        "CREATE TABLE secret_voters (poll_id INTEGER, participant_id INTEGER,"
        " PRIMARY KEY (poll_id, participant_id)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE secret_ballots (poll_id INTEGER, receipt_hash TEXT, choice TEXT,"
        " PRIMARY KEY (poll_id, receipt_hash)) WITHOUT ROWID"
    )


@migrations(name="0003_edit_ids")
def _m0003(db: Database) -> None:
    """Live edits carry an id so a resend after a lost acknowledgement applies once."""
    db.table("clause_versions").add_column("edit_id", str)
    db.execute(
        "CREATE UNIQUE INDEX idx_clause_versions_edit_id ON clause_versions (edit_id)"
        " WHERE edit_id IS NOT NULL"
    )


@migrations(name="0004_procedure_details")
def _m0004(db: Database) -> None:
    """Who refused an amendment as friendly, the change itself, and the poll's electorate."""
    db.table("amendments").add_column("refused_by", str)
    db.table("amendments").add_column("delta", str)
    db.table("amendments").create_index(["clause_id"])
    db.table("polls").add_column("entitled", int)
    db.table("polls").add_column("closes_at", str)
    db.table("polls").add_column("number", int)


@migrations(name="0005_members")
def _m0005(db: Database) -> None:
    """Members vote, not people: a delegation has one vote (or a weight) whoever casts it.

    Every delegate represents a member: their delegation, or themselves without one. Ballots
    are kept per member (a second representative's ballot replaces the first); secret polls
    keep which members voted apart from the choices, as before.
    """
    db.table("members").create(
        {"id": int, "conference_id": int, "name": str, "weight": int, "created_at": str},
        pk="id",
        foreign_keys=[("conference_id", "conferences", "id")],
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_members_name ON members (conference_id, name COLLATE NOCASE)"
    )
    db.table("participants").add_column("member_id", int)
    for p in list(db.query("select * from participants where role = 'delegate' order by id")):
        name = (p["delegation"] or "").strip() or p["name"].strip()
        row = next(
            db.query(
                "select id from members where conference_id = ? and name = ? collate nocase",
                [p["conference_id"], name],
            ),
            None,
        )
        if row is None:
            mid = (
                db.table("members")
                .insert(
                    {
                        "conference_id": p["conference_id"],
                        "name": name,
                        "weight": 1,
                        "created_at": p["created_at"],
                    }
                )
                .last_pk
            )
        else:
            mid = row["id"]
        db.execute("update participants set member_id = ? where id = ?", [mid, p["id"]])
    db.execute(
        "CREATE TABLE votes (poll_id INTEGER, member_id INTEGER, choice TEXT, weight INTEGER,"
        " cast_by INTEGER, cast_at TEXT, PRIMARY KEY (poll_id, member_id))"
    )
    db.execute(
        "INSERT OR REPLACE INTO votes SELECT b.poll_id, p.member_id, b.choice, 1, b.participant_id,"
        " b.cast_at FROM ballots b JOIN participants p ON p.id = b.participant_id"
        " WHERE p.member_id IS NOT NULL ORDER BY b.cast_at"
    )
    db.execute(
        "CREATE TABLE secret_members (poll_id INTEGER, member_id INTEGER,"
        " PRIMARY KEY (poll_id, member_id)) WITHOUT ROWID"
    )
    db.execute(
        "INSERT OR IGNORE INTO secret_members SELECT s.poll_id, p.member_id FROM secret_voters s"
        " JOIN participants p ON p.id = s.participant_id WHERE p.member_id IS NOT NULL"
    )
    db.table("secret_ballots").add_column("weight", int, not_null_default=1)
    db.execute("DROP TABLE ballots")
    db.execute("DROP TABLE secret_voters")
    db.table("polls").add_column("present", int)
    db.table("polls").add_column("roll_call", str)


@migrations(name="0006_rulings_and_motions")
def _m0006(db: Database) -> None:
    """The rule set a conference follows; the chair's rulings on the order of voting; the
    motions members raise (a recorded vote, a division, a secret ballot)."""
    db.table("conferences").add_column("rules", str)
    db.table("drafts").add_column("vote_order", str)
    db.table("motions").create(
        {
            "id": int,
            "draft_id": int,
            "number": int,
            "kind": str,
            "subject_type": str,
            "subject_id": int,
            "mover_id": int,
            "status": str,
            "poll_id": int,
            "created_at": str,
            "decided_at": str,
        },
        pk="id",
        foreign_keys=[("draft_id", "drafts", "id")],
    )
    db.table("motions").create_index(["draft_id"])


@migrations(name="0007_member_index")
def _m0007(db: Database) -> None:
    """Who is present, and which member a ballot is for, is asked at every tally."""
    db.table("participants").create_index(["member_id", "role", "present"])


@migrations(name="0008_version_deltas")
def _m0008(db: Database) -> None:
    """Each version keeps the delta that made it from the one before: a late edit is rebased
    over those operations (transformed), not merged by diffing texts."""
    db.table("clause_versions").add_column("delta", str)


@migrations(name="0009_publishing")
def _m0009(db: Database) -> None:
    """A list item keeps its dash or bullet; a draft keeps its title block (symbol,
    submission line, body, place, date) for the documents it is published as."""
    db.table("clauses").add_column("marker", str)
    for name in ("symbol", "submission", "body", "place", "date"):
        db.table("drafts").add_column(name, str)


@migrations(name="0010_presence")
def _m0010(db: Database) -> None:
    """Who is connected, kept in the database when several server processes serve one file
    (`drafting serve --workers N`): each process's connections, the drafts each is in and the
    clause it is in, and when each process last said it was alive. A single process keeps
    this in its memory and leaves these tables empty."""
    db.table("server_processes").create({"id": str, "beat_at": float, "started_at": str}, pk="id")
    db.table("connections").create(
        {"process": str, "sid": str, "participant_id": int, "conference_id": int},
        pk=("process", "sid"),
    )
    db.table("connections").create_index(["participant_id"])
    db.table("connection_drafts").create(
        {"process": str, "sid": str, "draft_id": int, "clause_id": int},
        pk=("process", "sid", "draft_id"),
    )
    db.table("connection_drafts").create_index(["draft_id"])


@migrations(name="0011_floor")
def _m0011(db: Database) -> None:
    """The meeting around the text: a conference's agenda (drafts and other items, in order,
    and which is under debate), a list of speakers per item (and per clause where the chair
    opens one), and the requests for the floor with the times of the speeches they became.
    `version`s count changes, so a client can tell it missed a message."""
    db.table("conferences").add_column("agenda_version", int)
    db.table("agenda_items").create(
        {
            "id": int,
            "conference_id": int,
            "position": int,
            "title": str,
            "draft_id": int,
            "status": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("conference_id", "conferences", "id"), ("draft_id", "drafts", "id")],
    )
    db.table("agenda_items").create_index(["conference_id", "position"])
    db.table("speakers_lists").create(
        {
            "id": int,
            "conference_id": int,
            "agenda_item_id": int,
            "clause_id": int,
            "open": int,
            "for_against": int,
            "speaking_seconds": int,
            "reply_seconds": int,
            "version": int,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("agenda_item_id", "agenda_items", "id")],
    )
    # one list per item, and one per clause of it
    db.execute(
        "CREATE UNIQUE INDEX idx_speakers_lists_place"
        " ON speakers_lists (agenda_item_id, coalesce(clause_id, 0))"
    )
    db.table("floor_requests").create(
        {
            "id": int,
            "list_id": int,
            "conference_id": int,
            "kind": str,
            "member_id": int,
            "participant_id": int,
            "position": int,
            "status": str,
            "asked_at": str,
            "first_started_at": str,
            "started_at": str,
            "spoken_ms": int,
            "limit_seconds": int,
            "deadline": str,
            "ended_at": str,
            "ruling": str,
        },
        pk="id",
        foreign_keys=[("list_id", "speakers_lists", "id")],
    )
    db.table("floor_requests").create_index(["list_id", "status"])
    db.table("floor_requests").create_index(["conference_id", "status"])


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _conference(row: dict[str, Any]) -> Conference:
    return Conference(
        row["id"], row["name"], row["majority"], row["quorum"], row.get("rules") or DEFAULT_RULES
    )


def _participant(row: dict[str, Any]) -> Participant:
    return Participant(
        row["id"],
        row["conference_id"],
        row["name"],
        row["delegation"] or "",
        row["role"],
        bool(row["present"]),
        row.get("member_id"),
    )


def _member(row: dict[str, Any]) -> Member:
    return Member(row["id"], row["conference_id"], row["name"], row["weight"] or 1)


def _draft(row: dict[str, Any]) -> Draft:
    order = json.loads(row.get("vote_order") or "{}")
    return Draft(
        row["id"],
        row["conference_id"],
        row["title"],
        row["status"],
        tuple(json.loads(row["sponsors"] or "[]")),
        {int(k): tuple(v) for k, v in order.items()},
        symbol=row.get("symbol") or "",
        submission=row.get("submission") or "",
        body=row.get("body") or "",
        place=row.get("place") or "",
        date=row.get("date") or "",
    )


def _motion(row: dict[str, Any]) -> Motion:
    return Motion(
        id=row["id"],
        draft_id=row["draft_id"],
        number=row["number"],
        kind=row["kind"],
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        mover_id=row["mover_id"],
        status=row["status"],
        poll_id=row["poll_id"],
        created_at=row["created_at"],
    )


def _agenda_item(row: dict[str, Any]) -> AgendaItem:
    return AgendaItem(
        id=row["id"],
        conference_id=row["conference_id"],
        position=row["position"],
        title=row["title"],
        draft_id=row["draft_id"],
        status=row["status"],
    )


def _speakers_list(row: dict[str, Any]) -> SpeakersList:
    return SpeakersList(
        id=row["id"],
        conference_id=row["conference_id"],
        agenda_item_id=row["agenda_item_id"],
        clause_id=row["clause_id"],
        open=bool(row["open"]),
        for_against=bool(row["for_against"]),
        speaking_seconds=row["speaking_seconds"],
        reply_seconds=row["reply_seconds"],
        version=row["version"] or 1,
    )


_REQUEST_STATE = (
    "status",
    "position",
    "first_started_at",
    "started_at",
    "spoken_ms",
    "limit_seconds",
    "deadline",
    "ended_at",
    "ruling",
)


def _floor_request(row: dict[str, Any]) -> FloorRequest:
    return FloorRequest(
        id=row["id"],
        list_id=row["list_id"],
        conference_id=row["conference_id"],
        kind=row["kind"],
        member_id=row["member_id"],
        participant_id=row["participant_id"],
        position=row["position"],
        status=row["status"],
        asked_at=row["asked_at"],
        first_started_at=row["first_started_at"],
        started_at=row["started_at"],
        spoken_ms=row["spoken_ms"] or 0,
        limit_seconds=row["limit_seconds"],
        deadline=row["deadline"],
        ended_at=row["ended_at"],
        ruling=row["ruling"],
    )


def _clause(row: dict[str, Any]) -> Clause:
    return Clause(
        id=row["id"],
        draft_id=row["draft_id"],
        kind=row["kind"],
        text=row["text"],
        parent_id=row["parent_id"],
        position=row["position"],
        version=row["version"],
        status=row["status"],
        marker=row.get("marker") or "",
    )


def _amendment(row: dict[str, Any]) -> Amendment:
    return Amendment(
        id=row["id"],
        draft_id=row["draft_id"],
        number=row["number"],
        clause_id=row["clause_id"],
        kind=row["kind"],
        proposer_id=row["proposer_id"],
        base_version=row["base_version"],
        base_text=row["base_text"],
        new_text=row["new_text"],
        reason=row["reason"] or "",
        status=row["status"],
        target_amendment_id=row["target_amendment_id"],
        new_kind=row["new_kind"],
        accepted_by=tuple(json.loads(row["accepted_by"] or "[]")),
        refused_by=tuple(json.loads(row.get("refused_by") or "[]")),
        delta=row.get("delta") or "",
    )


def _poll(row: dict[str, Any]) -> Poll:
    return Poll(
        id=row["id"],
        draft_id=row["draft_id"],
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        rule=row["rule"],
        kind=row["kind"],
        state=row["state"],
        result=json.loads(row["result"]) if row["result"] else None,
        entitled=row.get("entitled") or 0,
        closes_at=row.get("closes_at"),
        opened_at=row.get("opened_at"),
        present=row.get("present"),
        roll_call=tuple(json.loads(row.get("roll_call") or "[]")),
        closed_at=row.get("closed_at"),
    )


WAL_BACKSTOP_PAGES = 8000

# FULL: every COMMIT waits for the disk (fsync of the WAL), so an acknowledged change survives
# a power failure, not only a crash of the process. NORMAL syncs at checkpoints only.
SYNCHRONOUS = os.environ.get("DRAFTING_SYNCHRONOUS", "NORMAL").upper()
if SYNCHRONOUS not in ("NORMAL", "FULL"):
    raise SystemExit("DRAFTING_SYNCHRONOUS must be NORMAL or FULL.")


# A version keeps its whole text every this many versions (1, 33, 65, ...), and where no
# delta is known; the others only their delta. 160 authors typing into an 18,000-character
# clause wrote its whole text twice per keystroke (the clause and the version), 14 MB/s.
SNAPSHOT_EVERY = 32


def _rebuilt(rows: list[tuple[str | None, str | None]]) -> list[str]:
    """The texts of consecutive versions from (text or None, delta) pairs, the first whole."""
    out: list[str] = []
    for text, delta in rows:
        if text is None:
            if not out or delta is None:
                raise ValueError("A version has neither its text nor a delta from the one before.")
            text = textsync.apply_delta(out[-1], delta)
        out.append(text)
    return out


def _unwritable(e: sqlite3.Error) -> bool:
    text = str(e).lower()
    return any(
        s in text for s in ("readonly", "read-only", "unable to open", "disk is full", "disk i/o")
    )


def unavailable(path: str, e: BaseException) -> StoreUnavailable:
    """What to do when the database cannot be opened or written, in one line."""
    reason = str(e).strip() or type(e).__name__
    if "full" in reason.lower():
        advice = "free some space on its disk, then try again"
    else:
        advice = (
            "check that the file and its folder exist and that this user may write both "
            "(SQLite writes -wal and -shm files beside it), or choose another with --db or "
            "DRAFTING_DB"
        )
    return StoreUnavailable(f"Cannot use the database {path} ({reason}): {advice}.")


class Store:
    """All reads and writes of the drafting database."""

    def __init__(self, path: str | os.PathLike[str], *, autocheckpoint: bool = True) -> None:
        """`autocheckpoint=False`: commits leave copying the WAL back into the database file
        (and syncing it) to `checkpoint()`, which the caller runs off its event loop, until
        the WAL passes `WAL_BACKSTOP_PAGES`. Under gevent a commit
        that checkpoints stops every connection of the process while the disk syncs: seen
        as 0.4-0.7 s stalls with 160 typing authors, none on a RAM disk."""
        self.path = str(path)
        self.autocheckpoint = autocheckpoint
        self._local = threading.local()
        try:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            db = self.db
            with db.ensure_autocommit_on():
                db.execute("PRAGMA journal_mode=WAL")
            migrations.apply(db)
        except (sqlite3.Error, OSError) as e:
            raise unavailable(self.path, e) from None

    # --- connections and transactions ---------------------------------------------------

    @property
    def db(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=30, check_same_thread=True)
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
            conn.execute("PRAGMA foreign_keys=ON")
            if not self.autocheckpoint:
                # a backstop only: under a steady stream of commits a checkpoint from outside
                # never finds the WAL wholly copied, so it never starts over; past this many
                # pages (32 MB) a commit checkpoints it itself, with little left to copy
                conn.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
            db = Database(conn)
            self._local.db = db
        return db

    def checkpoint(self, mode: str = "PASSIVE") -> tuple[int, int]:
        """Copy what the WAL holds into the database file, on a connection of its own: meant
        for a real OS thread. Returns (pages in the WAL, pages copied).

        PASSIVE waits for no one. RESTART takes the write lock and keeps it while it copies
        the rest, so that the next commit starts the WAL over from its beginning; it waits at
        most `RESTART_WAIT` for a writer or an older reader (a backup reads one snapshot for
        seconds), since writers wait while it does, and gives up for this time: (pages, 0).
        """
        if mode not in ("PASSIVE", "RESTART"):
            raise ValueError(mode)
        conn = sqlite3.connect(self.path, timeout=30 if mode == "PASSIVE" else self.RESTART_WAIT)
        try:
            busy, log, done = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
            return int(log), 0 if busy else int(done)
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                return -1, 0
            raise
        finally:
            conn.close()

    RESTART_WAIT = 0.05  # seconds

    def close(self) -> None:
        db: Database | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def write(self) -> Iterator[Database]:
        """One transaction: everything inside commits together or not at all."""
        db = self.db
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        try:
            self._begin_immediate(db.conn)
        except sqlite3.OperationalError as e:
            if _unwritable(e):
                raise unavailable(self.path, e) from None
            raise
        try:
            yield db
            db.conn.execute("COMMIT")
        except BaseException as e:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.OperationalError) and _unwritable(e):
                raise unavailable(self.path, e) from None
            raise

    BUSY_TIMEOUT_S = 30.0

    def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        """Take the write lock, waiting for another process's writer by sleeping in Python,
        not in SQLite: SQLite's own wait (busy_timeout) sleeps in C, which stops every
        connection of a gevent process, 1 to 100 ms at a time. Two processes writing one
        file (`drafting serve --workers 2`) took each other's lock hundreds of times a second:
        send -> stored p99 1.6 s with 80 authors in one clause. `time.sleep` is gevent's in a
        served process, so the others are served meanwhile."""
        try:
            conn.execute("PRAGMA busy_timeout=0")
            deadline = time.monotonic() + self.BUSY_TIMEOUT_S
            pause = 0.0005
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) and "busy" not in str(e):
                        raise
                    if time.monotonic() > deadline:
                        raise
                time.sleep(pause)
                pause = min(pause * 2, 0.01)
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(self.BUSY_TIMEOUT_S * 1000)}")

    def _t(self, name: str) -> Table:
        return self.db.table(name)

    def _insert(self, name: str, row: dict[str, Any]) -> int:
        pk = self._t(name).insert(row).last_pk
        assert isinstance(pk, int)
        return pk

    def _one(self, sql: str, params: list[Any] | tuple[Any, ...]) -> dict[str, Any] | None:
        # on the connection itself: the hottest reads (a clause, a draft, per keystroke) pay
        # for no generator of dicts
        cursor = self.db.conn.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cursor.description], row, strict=True))

    # --- settings -------------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        row = self._one("select value from settings where key = ?", [key])
        return None if row is None else str(row["value"])

    def delete_setting(self, key: str) -> None:
        self.db.execute("delete from settings where key = ?", [key])

    def set_setting(self, key: str, value: str) -> None:
        self._t("settings").upsert({"key": key, "value": value}, pk="key")

    # --- journal --------------------------------------------------------------------------

    def append(self, event: Event) -> Event:
        event.at = now()
        row = {
            "at": event.at,
            "type": event.type,
            "conference_id": event.conference_id,
            "draft_id": event.draft_id,
            "clause_id": event.clause_id,
            "actor_id": event.actor_id,
            "data": json.dumps(event.data, ensure_ascii=False),
        }
        # plain SQL: this runs for every keystroke batch, and Table.insert introspects the
        # table each time
        cursor = self.db.execute(
            f"insert into journal ({', '.join(row)}) values ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        assert cursor.lastrowid is not None
        event.seq = int(cursor.lastrowid)
        return event

    def journal(
        self,
        *,
        conference_id: int | None = None,
        draft_id: int | None = None,
        clause_id: int | None = None,
        since: int = 0,
    ) -> list[Event]:
        where = ["seq > ?"]
        params: list[Any] = [since]
        for col, value in (
            ("conference_id", conference_id),
            ("draft_id", draft_id),
            ("clause_id", clause_id),
        ):
            if value is not None:
                where.append(f"{col} = ?")
                params.append(value)
        rows = self.db.query(
            f"select * from journal where {' and '.join(where)} order by seq", params
        )
        return [
            Event.load(
                r["type"],
                json.loads(r["data"]),
                conference_id=r["conference_id"],
                draft_id=r["draft_id"],
                clause_id=r["clause_id"],
                actor_id=r["actor_id"],
                seq=r["seq"],
                at=r["at"],
            )
            for r in rows
        ]

    # --- conferences and participants ---------------------------------------------------

    def insert_conference(
        self, name: str, majority: str, quorum: int | None, rules: str = DEFAULT_RULES
    ) -> Conference:
        pk = self._insert(
            "conferences",
            {
                "name": name,
                "majority": majority,
                "quorum": quorum,
                "rules": rules,
                "created_at": now(),
            },
        )
        return self.conference(pk)

    def conference(self, conference_id: int) -> Conference:
        row = self._one("select * from conferences where id = ?", [conference_id])
        if row is None:
            raise NotFound(f"There is no conference {conference_id}.")
        return _conference(row)

    def conferences(self) -> list[Conference]:
        return [_conference(r) for r in self.db.query("select * from conferences order by id")]

    def update_conference(self, conference_id: int, **values: Any) -> Conference:
        self._t("conferences").update(conference_id, values)
        return self.conference(conference_id)

    def insert_participant(
        self,
        conference_id: int,
        name: str,
        delegation: str,
        role: str,
        token_hash: str,
        member_id: int | None = None,
    ) -> Participant:
        pk = self._insert(
            "participants",
            {
                "conference_id": conference_id,
                "name": name,
                "delegation": delegation,
                "role": role,
                "token_hash": token_hash,
                "present": 0,
                "created_at": now(),
                "member_id": member_id,
            },
        )
        return self.participant(pk)

    def member_named(self, conference_id: int, name: str) -> Member:
        """The member of that name (any case), created with weight 1 if it is new."""
        row = self._one(
            "select * from members where conference_id = ? and name = ? collate nocase",
            [conference_id, name],
        )
        if row is not None:
            return _member(row)
        pk = self._insert(
            "members",
            {"conference_id": conference_id, "name": name, "weight": 1, "created_at": now()},
        )
        return self.member(pk)

    def member(self, member_id: int) -> Member:
        row = self._one("select * from members where id = ?", [member_id])
        if row is None:
            raise NotFound(f"There is no member {member_id}.")
        return _member(row)

    def members(self, conference_id: int) -> list[Member]:
        """The members with at least one delegate: those entitled to vote."""
        return [
            _member(r)
            for r in self.db.query(
                "select * from members m where conference_id = ? and exists (select 1 from"
                " participants p where p.member_id = m.id and p.role = 'delegate')"
                " order by name collate nocase",
                [conference_id],
            )
        ]

    def all_members(self, conference_id: int) -> dict[int, Member]:
        """Every member of the conference by id (to name them), entitled to vote or not."""
        return {
            r["id"]: _member(r)
            for r in self.db.query("select * from members where conference_id = ?", [conference_id])
        }

    def present_weight(self, conference_id: int) -> int:
        """The members (or their votes) with a delegate present now: what a quorum counts."""
        row = self._one(
            "select coalesce(sum(weight), 0) as n from members m where conference_id = ?"
            " and exists (select 1 from participants p where p.member_id = m.id"
            " and p.role = 'delegate' and p.present = 1)",
            [conference_id],
        )
        return int(row["n"]) if row else 0

    def set_member_weight(self, member_id: int, weight: int) -> Member:
        self._t("members").update(member_id, {"weight": weight})
        return self.member(member_id)

    def participant(self, participant_id: int) -> Participant:
        row = self._one("select * from participants where id = ?", [participant_id])
        if row is None:
            raise NotFound(f"There is no participant {participant_id}.")
        return _participant(row)

    def participant_by_token_hash(self, token_hash: str) -> Participant | None:
        row = self._one("select * from participants where token_hash = ?", [token_hash])
        return None if row is None else _participant(row)

    def participants(self, conference_id: int) -> list[Participant]:
        return [
            _participant(r)
            for r in self.db.query(
                "select * from participants where conference_id = ? order by id", [conference_id]
            )
        ]

    def token_hashes(self, participant_ids: set[int]) -> dict[int, str]:
        """The current invite link (its hash) of each participant: what a connection that
        signed in with an older one is cut off by."""
        ids = sorted(participant_ids)
        marks = ",".join("?" * len(ids))
        rows = self.db.conn.execute(
            f"select id, token_hash from participants where id in ({marks})", ids
        ).fetchall()
        return {int(i): str(h) for i, h in rows}

    def set_token_hash(self, participant_id: int, token_hash: str) -> None:
        self._t("participants").update(participant_id, {"token_hash": token_hash})

    def set_present(self, participant_id: int, present: bool) -> None:
        self._t("participants").update(participant_id, {"present": int(present)})

    # --- who is connected, across server processes ----------------------------------------
    # (`sockets/presence.py` in shared mode: the rows of each process's connections)

    def beat(self, process: str, at: float) -> bool:
        """A server process says it is alive. False when it had no row (it is new, or others
        took it for dead and forgot its connections): the row is made."""
        cur = self.db.conn.execute(
            "update server_processes set beat_at = ? where id = ?", [at, process]
        )
        if cur.rowcount:
            return True
        self.db.conn.execute(
            "insert into server_processes (id, beat_at, started_at) values (?, ?, ?)",
            [process, at, now()],
        )
        return False

    def server_processes(self) -> dict[str, float]:
        """Every process known to serve this file, and when it last beat (epoch seconds)."""
        rows = self.db.conn.execute("select id, beat_at from server_processes").fetchall()
        return {str(i): float(b) for i, b in rows}

    def forget_processes(self, processes: list[str]) -> dict[int, set[int]]:
        """Remove dead processes and their connections. Returns the participants who had
        connections there, each with the drafts they were in through them."""
        if not processes:
            return {}
        marks = ",".join("?" * len(processes))
        gone: dict[int, set[int]] = {}
        for pid, draft in self.db.conn.execute(
            f"select c.participant_id, d.draft_id from connections c left join"
            f" connection_drafts d on d.process = c.process and d.sid = c.sid"
            f" where c.process in ({marks})",
            processes,
        ):
            drafts = gone.setdefault(int(pid), set())
            if draft is not None:
                drafts.add(int(draft))
        for table in ("connection_drafts", "connections"):
            self.db.conn.execute(f"delete from {table} where process in ({marks})", processes)
        self.db.conn.execute(f"delete from server_processes where id in ({marks})", processes)
        return gone

    def add_connection(
        self, process: str, sid: str, participant_id: int, conference_id: int
    ) -> None:
        self.db.conn.execute(
            "insert or replace into connections (process, sid, participant_id, conference_id)"
            " values (?, ?, ?, ?)",
            [process, sid, participant_id, conference_id],
        )

    def drop_connection(self, process: str, sid: str) -> None:
        for table in ("connection_drafts", "connections"):
            self.db.conn.execute(
                f"delete from {table} where process = ? and sid = ?", [process, sid]
            )

    def connection_in_draft(
        self, process: str, sid: str, draft_id: int, clause_id: int | None = None
    ) -> None:
        """The connection is in the draft (joined), in that clause (None: in none)."""
        self.db.conn.execute(
            "insert or replace into connection_drafts (process, sid, draft_id, clause_id)"
            " values (?, ?, ?, ?)",
            [process, sid, draft_id, clause_id],
        )

    def connection_left_draft(self, process: str, sid: str, draft_id: int) -> None:
        self.db.conn.execute(
            "delete from connection_drafts where process = ? and sid = ? and draft_id = ?",
            [process, sid, draft_id],
        )

    def connection_count(self, participant_id: int) -> int:
        """A participant's open connections, in every process."""
        row = self.db.conn.execute(
            "select count(*) from connections where participant_id = ?", [participant_id]
        ).fetchone()
        return int(row[0])

    def people_in_draft(
        self, draft_id: int, participant_ids: set[int] | None = None
    ) -> list[tuple[Participant, int | None]]:
        """Who is in a draft through any process, with the clause they are in (one of them,
        when their connections are in several), by participant id."""
        where, params = "d.draft_id = ?", [draft_id]
        if participant_ids is not None:
            ids = sorted(participant_ids)
            where += f" and c.participant_id in ({','.join('?' * len(ids))})"
            params += ids
        cursor = self.db.conn.execute(
            "select p.*, max(d.clause_id) as focus from connection_drafts d join connections c"
            " on c.process = d.process and c.sid = d.sid join participants p"
            f" on p.id = c.participant_id where {where} group by p.id order by p.id",
            params,
        )
        names = [c[0] for c in cursor.description]
        out = []
        for row in cursor.fetchall():
            values = dict(zip(names, row, strict=True))
            out.append((_participant(values), values["focus"]))
        return out

    def presence_mismatches(self) -> list[int]:
        """Participants marked present with no connection open anywhere, or the reverse."""
        rows = self.db.conn.execute(
            "select id from participants where present != exists"
            " (select 1 from connections c where c.participant_id = participants.id)"
        ).fetchall()
        return [int(r[0]) for r in rows]

    # --- drafts and clauses -------------------------------------------------------------

    def insert_draft(
        self,
        conference_id: int,
        title: str,
        sponsors: list[int],
        details: dict[str, str] | None = None,
    ) -> Draft:
        pk = self._insert(
            "drafts",
            {
                "conference_id": conference_id,
                "title": title,
                "status": "drafting",
                "sponsors": json.dumps(sponsors),
                "created_at": now(),
                **(details or {}),
            },
        )
        return self.draft(pk)

    def draft(self, draft_id: int) -> Draft:
        row = self._one("select * from drafts where id = ?", [draft_id])
        if row is None:
            raise NotFound(f"There is no draft {draft_id}.")
        return _draft(row)

    def drafts(self, conference_id: int) -> list[Draft]:
        return [
            _draft(r)
            for r in self.db.query(
                "select * from drafts where conference_id = ? order by id", [conference_id]
            )
        ]

    def update_draft(self, draft_id: int, **values: Any) -> Draft:
        if "sponsors" in values:
            values["sponsors"] = json.dumps(list(values["sponsors"]))
        if "vote_order" in values:
            values["vote_order"] = json.dumps(
                {str(k): list(v) for k, v in values["vote_order"].items()}
            )
        self._t("drafts").update(draft_id, values)
        return self.draft(draft_id)

    def insert_clause(self, clause: Clause, actor_id: int | None, reason: str) -> Clause:
        row = {
            "draft_id": clause.draft_id,
            "parent_id": clause.parent_id,
            "position": clause.position,
            "kind": clause.kind,
            "text": clause.text,
            "version": clause.version,
            "status": clause.status,
            "marker": clause.marker,
        }
        pk = self._insert("clauses", row)
        self._version(pk, clause.version, clause.text, actor_id, reason)
        return self.clause(pk)

    def _version(
        self,
        clause_id: int,
        version: int,
        text: str,
        actor_id: int | None,
        reason: str,
        edit_id: str | None = None,
        delta: str | None = None,
    ) -> None:
        row = {
            "clause_id": clause_id,
            "version": version,
            # the whole text only every SNAPSHOT_EVERY versions (and where no delta says how
            # it came about); the others are rebuilt from the last whole one and the deltas
            "text": text if delta is None or version % SNAPSHOT_EVERY == 1 else None,
            "actor_id": actor_id,
            "reason": reason,
            "at": now(),
        }
        if edit_id is not None:
            row["edit_id"] = edit_id
        if delta is not None:
            row["delta"] = delta
        self.db.execute(
            f"insert into clause_versions ({', '.join(row)}) values ({', '.join('?' * len(row))})",
            list(row.values()),
        )

    def clause(self, clause_id: int) -> Clause:
        row = self._one("select * from clauses where id = ?", [clause_id])
        if row is None:
            raise NotFound(f"There is no clause {clause_id}.")
        return _clause(row)

    def clauses(self, draft_id: int, include_deleted: bool = False) -> list[Clause]:
        sql = "select * from clauses where draft_id = ?"
        if not include_deleted:
            sql += " and status not in ('deleted', 'rejected')"
        return [_clause(r) for r in self.db.query(sql + " order by position, id", [draft_id])]

    def set_clause_text(
        self,
        clause_id: int,
        text: str,
        version: int,
        actor_id: int | None,
        reason: str,
        edit_id: str | None = None,
        delta: str | None = None,
    ) -> None:
        """The clause's next version; `delta` turns the previous version into this one."""
        self.db.execute(
            "update clauses set text = ?, version = ? where id = ?", [text, version, clause_id]
        )
        self._version(clause_id, version, text, actor_id, reason, edit_id, delta)

    def deltas_between(self, clause_id: int, after: int, upto: int) -> list[tuple[int, str | None]]:
        """(version, delta) of each version after `after` up to `upto`, oldest first."""
        rows = self.db.conn.execute(
            "select version, delta from clause_versions"
            " where clause_id = ? and version > ? and version <= ? order by version",
            [clause_id, after, upto],
        ).fetchall()
        return [(int(v), d) for v, d in rows]

    def versions_between(self, clause_id: int, after: int, upto: int) -> list[dict[str, Any]]:
        """Each version after `after` up to `upto` as `clause:edited` says it (version,
        base_version, delta, author_id, reason), oldest first: those after the last version
        kept without its delta (the first, an older database's)."""
        rows = self.db.conn.execute(
            "select version, delta, actor_id, reason from clause_versions"
            " where clause_id = ? and version > ? and version <= ? order by version",
            [clause_id, after, upto],
        ).fetchall()
        out: list[dict[str, Any]] = []
        for version, delta, actor, reason in rows:
            if delta is None:
                out.clear()
                continue
            out.append(
                {
                    "clause_id": clause_id,
                    "version": int(version),
                    "base_version": int(version) - 1,
                    "delta": delta,
                    "author_id": actor,
                    "reason": reason,
                }
            )
        return out

    def edit_seen(self, edit_id: str) -> tuple[int, int, int | None] | None:
        """(clause id, version, author) an edit id was applied as, if it was."""
        row = self._one(
            "select clause_id, version, actor_id from clause_versions where edit_id = ?", [edit_id]
        )
        if row is None:
            return None
        return int(row["clause_id"]), int(row["version"]), row["actor_id"]

    def set_clause_kind(self, clause_id: int, kind: str, marker: str) -> None:
        self.db.execute(
            "update clauses set kind = ?, marker = ? where id = ?", [kind, marker, clause_id]
        )

    def set_clause_places(self, clauses: list[Clause]) -> None:
        for c in clauses:
            self._t("clauses").update(
                c.id, {"parent_id": c.parent_id, "position": c.position, "status": c.status}
            )

    def clause_text_at(self, clause_id: int, version: int) -> str | None:
        """The clause's text at `version`: its last whole text then the deltas after it."""
        rows = self.db.conn.execute(
            "select version, text, delta from clause_versions where clause_id = ?"
            " and version <= ? and version >= coalesce((select max(version) from clause_versions"
            " where clause_id = ? and version <= ? and text is not null), 0) order by version",
            [clause_id, version, clause_id, version],
        ).fetchall()
        if not rows or rows[-1][0] != version:
            return None
        return _rebuilt([(t, d) for _v, t, d in rows])[-1]

    def clause_versions(self, clause_id: int) -> list[dict[str, Any]]:
        """Every version of a clause with its text, oldest first."""
        rows = list(
            self.db.query(
                "select version, text, delta, actor_id, reason, at from clause_versions"
                " where clause_id = ? order by version",
                [clause_id],
            )
        )
        texts = _rebuilt([(r["text"], r["delta"]) for r in rows])
        for r, text in zip(rows, texts, strict=True):
            r["text"] = text
            del r["delta"]
        return rows

    # --- amendments and polls -------------------------------------------------------------

    def insert_amendment(self, values: dict[str, Any]) -> Amendment:
        row = dict(values)
        row["accepted_by"] = json.dumps(list(row.get("accepted_by", ())))
        row["refused_by"] = json.dumps(list(row.get("refused_by", ())))
        row["created_at"] = now()
        number = self._one(
            "select coalesce(max(number), 0) + 1 as n from amendments where draft_id = ?",
            [row["draft_id"]],
        )
        row["number"] = number["n"] if number else 1
        pk = self._insert("amendments", row)
        return self.amendment(pk)

    def amendment(self, amendment_id: int) -> Amendment:
        row = self._one("select * from amendments where id = ?", [amendment_id])
        if row is None:
            raise NotFound(f"There is no amendment {amendment_id}.")
        return _amendment(row)

    def amendments(self, draft_id: int, clause_id: int | None = None) -> list[Amendment]:
        sql, params = "select * from amendments where draft_id = ?", [draft_id]
        if clause_id is not None:
            sql += " and clause_id = ?"
            params.append(clause_id)
        return [_amendment(r) for r in self.db.query(sql + " order by number", params)]

    def update_amendment(self, amendment_id: int, **values: Any) -> Amendment:
        for key in ("accepted_by", "refused_by"):
            if key in values:
                values[key] = json.dumps(list(values[key]))
        self._t("amendments").update(amendment_id, values)
        return self.amendment(amendment_id)

    def insert_poll(self, values: dict[str, Any]) -> Poll:
        row = dict(values, state="open", opened_at=now())
        if "roll_call" in row:
            row["roll_call"] = json.dumps(list(row["roll_call"]))
        pk = self._insert("polls", row)
        return self.poll(pk)

    def poll(self, poll_id: int) -> Poll:
        row = self._one("select * from polls where id = ?", [poll_id])
        if row is None:
            raise NotFound(f"There is no poll {poll_id}.")
        return _poll(row)

    def amendments_of_clause(self, clause_id: int) -> list[Amendment]:
        return [
            _amendment(r)
            for r in self.db.query(
                "select * from amendments where clause_id = ? order by number", [clause_id]
            )
        ]

    def polls(self, draft_id: int) -> list[Poll]:
        return [
            _poll(r)
            for r in self.db.query("select * from polls where draft_id = ? order by id", [draft_id])
        ]

    def open_polls(self, conference_id: int) -> list[Poll]:
        return [
            _poll(r)
            for r in self.db.query(
                "select p.* from polls p join drafts d on d.id = p.draft_id"
                " where d.conference_id = ? and p.state = 'open' order by p.id",
                [conference_id],
            )
        ]

    def draft_stamp(self, draft_id: int) -> int:
        """The journal's last event about a draft: whatever changes what clients load of it
        (a clause, an amendment, a motion, a poll, its mode) writes one."""
        row = self.db.conn.execute(
            "select max(seq) from journal where draft_id = ?", [draft_id]
        ).fetchone()
        return int(row[0] or 0)

    def open_poll(self, draft_id: int) -> Poll | None:
        row = self._one(
            "select * from polls where draft_id = ? and state = 'open' order by id limit 1",
            [draft_id],
        )
        return None if row is None else _poll(row)

    def suspend_poll(self, poll_id: int) -> Poll:
        self._t("polls").update(poll_id, {"state": "suspended", "closed_at": now()})
        return self.poll(poll_id)

    def close_poll(self, poll_id: int, result: dict[str, Any]) -> Poll:
        self._t("polls").update(
            poll_id,
            {"state": "closed", "closed_at": now(), "result": json.dumps(result)},
        )
        return self.poll(poll_id)

    def put_ballot(
        self, poll_id: int, member_id: int, weight: int, cast_by: int, choice: str
    ) -> None:
        """A member's ballot; a second one (from any of its representatives) replaces it."""
        self.db.execute(
            "insert or replace into votes (poll_id, member_id, choice, weight, cast_by, cast_at)"
            " values (?, ?, ?, ?, ?, ?)",
            [poll_id, member_id, choice, weight, cast_by, now()],
        )

    def tally(self, poll: Poll) -> dict[str, int]:
        """Votes for each choice (members, or their weights), from the table the poll's kind
        keeps ballots in."""
        table = "secret_ballots" if poll.kind == "secret" else "votes"
        counts = {"yes": 0, "no": 0, "abstain": 0}
        for row in self.db.query(
            f"select choice, sum(weight) as n from {table} where poll_id = ? group by choice",
            [poll.id],
        ):
            counts[row["choice"]] = row["n"]
        return counts

    def cast_count(self, poll: Poll) -> int:
        """How many members have voted (each once, whatever its weight)."""
        table = "secret_members" if poll.kind == "secret" else "votes"
        row = self._one(f"select count(*) as n from {table} where poll_id = ?", [poll.id])
        return int(row["n"]) if row else 0

    def ballots(self, poll_id: int) -> list[dict[str, Any]]:
        """A recorded or counted poll's ballots: member, choice, weight, who cast it."""
        return list(
            self.db.query(
                "select member_id, choice, weight, cast_by, cast_at from votes where poll_id = ?"
                " order by member_id",
                [poll_id],
            )
        )

    def retract_ballot(self, poll_id: int, member_id: int) -> bool:
        cur = self.db.execute(
            "delete from votes where poll_id = ? and member_id = ?", [poll_id, member_id]
        )
        return cur.rowcount == 1

    def mark_secret_voter(self, poll_id: int, member_id: int) -> bool:
        """Record that a member voted; True when this is its first ballot."""
        cur = self.db.execute(
            "insert or ignore into secret_members (poll_id, member_id) values (?, ?)",
            [poll_id, member_id],
        )
        return cur.rowcount == 1

    def put_secret_ballot(
        self, poll_id: int, receipt_hash: str, choice: str, weight: int = 1
    ) -> None:
        self.db.execute(
            "insert or replace into secret_ballots (poll_id, receipt_hash, choice, weight)"
            " values (?,?,?,?)",
            [poll_id, receipt_hash, choice, weight],
        )

    def has_written_secret_ballots(self, poll_id: int) -> bool:
        """Whether the poll kept its secret ballots in the database, as versions before 0.2
        did (these ballots now stay in memory until the poll closes)."""
        row = self._one("select 1 from secret_ballots where poll_id = ? limit 1", [poll_id])
        return row is not None

    def secret_ballot_exists(self, poll_id: int, receipt_hash: str) -> bool:
        return (
            self._one(
                "select 1 from secret_ballots where poll_id = ? and receipt_hash = ?",
                [poll_id, receipt_hash],
            )
            is not None
        )

    def secret_voters(self, poll_id: int) -> list[int]:
        """The members that voted in a secret poll (never what they chose)."""
        return [
            r["member_id"]
            for r in self.db.query(
                "select member_id from secret_members where poll_id = ?", [poll_id]
            )
        ]

    def secret_choices(self, poll_id: int) -> list[str]:
        return [
            r["choice"]
            for r in self.db.query("select choice from secret_ballots where poll_id = ?", [poll_id])
        ]

    # --- motions --------------------------------------------------------------------------

    def insert_motion(self, values: dict[str, Any]) -> Motion:
        number = self._one(
            "select coalesce(max(number), 0) + 1 as n from motions where draft_id = ?",
            [values["draft_id"]],
        )
        row = dict(values, number=number["n"] if number else 1, created_at=now())
        return self.motion(self._insert("motions", row))

    def motion(self, motion_id: int) -> Motion:
        row = self._one("select * from motions where id = ?", [motion_id])
        if row is None:
            raise NotFound(f"There is no motion {motion_id}.")
        return _motion(row)

    def motions(self, draft_id: int) -> list[Motion]:
        return [
            _motion(r)
            for r in self.db.query(
                "select * from motions where draft_id = ? order by number", [draft_id]
            )
        ]

    def update_motion(self, motion_id: int, **values: Any) -> Motion:
        if values.get("status") not in (None, "pending", "voting"):
            values["decided_at"] = now()
        self._t("motions").update(motion_id, values)
        return self.motion(motion_id)

    # --- the agenda and the floor ---------------------------------------------------------

    def insert_agenda_item(
        self, conference_id: int, title: str, draft_id: int | None, position: int
    ) -> AgendaItem:
        pk = self._insert(
            "agenda_items",
            {
                "conference_id": conference_id,
                "position": position,
                "title": title,
                "draft_id": draft_id,
                "status": "pending",
                "created_at": now(),
            },
        )
        return self.agenda_item(pk)

    def agenda_item(self, item_id: int) -> AgendaItem:
        row = self._one("select * from agenda_items where id = ?", [item_id])
        if row is None:
            raise NotFound(f"There is no agenda item {item_id}.")
        return _agenda_item(row)

    def agenda_items(self, conference_id: int) -> list[AgendaItem]:
        """The items on the agenda (not those removed), in order."""
        return [
            _agenda_item(r)
            for r in self.db.query(
                "select * from agenda_items where conference_id = ? and status != 'removed'"
                " order by position, id",
                [conference_id],
            )
        ]

    def update_agenda_item(self, item_id: int, **values: Any) -> AgendaItem:
        self._t("agenda_items").update(item_id, values)
        return self.agenda_item(item_id)

    def set_agenda_positions(self, positions: dict[int, int]) -> None:
        self.db.conn.executemany(
            "update agenda_items set position = ? where id = ?",
            [(pos, item_id) for item_id, pos in positions.items()],
        )

    def agenda_version(self, conference_id: int) -> int:
        row = self._one("select agenda_version from conferences where id = ?", [conference_id])
        return int(row["agenda_version"] or 0) if row else 0

    def bump_agenda(self, conference_id: int) -> int:
        """The agenda changed: its version, one more."""
        self.db.execute(
            "update conferences set agenda_version = coalesce(agenda_version, 0) + 1 where id = ?",
            [conference_id],
        )
        return self.agenda_version(conference_id)

    def insert_speakers_list(
        self, conference_id: int, agenda_item_id: int, clause_id: int | None
    ) -> SpeakersList:
        pk = self._insert(
            "speakers_lists",
            {
                "conference_id": conference_id,
                "agenda_item_id": agenda_item_id,
                "clause_id": clause_id,
                "open": 1,
                "for_against": 0,
                "speaking_seconds": None,
                "reply_seconds": None,
                "version": 1,
                "created_at": now(),
            },
        )
        return self.speakers_list(pk)

    def speakers_list(self, list_id: int) -> SpeakersList:
        row = self._one("select * from speakers_lists where id = ?", [list_id])
        if row is None:
            raise NotFound(f"There is no list of speakers {list_id}.")
        return _speakers_list(row)

    def speakers_lists(self, agenda_item_id: int) -> list[SpeakersList]:
        """An item's lists: its own first, then its clauses', in the order they were opened."""
        return [
            _speakers_list(r)
            for r in self.db.query(
                "select * from speakers_lists where agenda_item_id = ?"
                " order by clause_id is not null, id",
                [agenda_item_id],
            )
        ]

    def find_speakers_list(self, agenda_item_id: int, clause_id: int | None) -> SpeakersList | None:
        row = self._one(
            "select * from speakers_lists where agenda_item_id = ?"
            " and coalesce(clause_id, 0) = coalesce(?, 0)",
            [agenda_item_id, clause_id],
        )
        return None if row is None else _speakers_list(row)

    def update_speakers_list(self, list_id: int, **values: Any) -> SpeakersList:
        for key in ("open", "for_against"):
            if key in values:
                values[key] = int(values[key])
        self._t("speakers_lists").update(list_id, values)
        return self.speakers_list(list_id)

    def bump_speakers_list(self, list_id: int) -> SpeakersList:
        """The list or its requests changed: its version, one more."""
        self.db.execute("update speakers_lists set version = version + 1 where id = ?", [list_id])
        return self.speakers_list(list_id)

    def insert_floor_request(self, values: dict[str, Any]) -> FloorRequest:
        row = dict(values, status="waiting", spoken_ms=0, asked_at=now())
        return self.floor_request(self._insert("floor_requests", row))

    def floor_request(self, request_id: int) -> FloorRequest:
        row = self._one("select * from floor_requests where id = ?", [request_id])
        if row is None:
            raise NotFound(f"There is no request for the floor {request_id}.")
        return _floor_request(row)

    def floor_requests(self, list_id: int) -> list[FloorRequest]:
        """Every request made on a list, whatever became of it, in the order made."""
        return [
            _floor_request(r)
            for r in self.db.query(
                "select * from floor_requests where list_id = ? order by id", [list_id]
            )
        ]

    def floor_holders(self, conference_id: int) -> list[FloorRequest]:
        """Who has the floor in the conference, and whose speech a point of order interrupted."""
        return [
            _floor_request(r)
            for r in self.db.query(
                "select * from floor_requests where conference_id = ?"
                " and status in ('speaking', 'interrupted') order by id",
                [conference_id],
            )
        ]

    def save_floor_request(self, r: FloorRequest) -> FloorRequest:
        """A request's state (status, place, its speech's times) as `r` has it."""
        values = {k: getattr(r, k) for k in _REQUEST_STATE}
        self._t("floor_requests").update(r.id, values)
        return self.floor_request(r.id)

    def set_floor_positions(self, positions: dict[int, int]) -> None:
        self.db.conn.executemany(
            "update floor_requests set position = ? where id = ?",
            [(pos, request_id) for request_id, pos in positions.items()],
        )

    def speeches(self, conference_id: int, agenda_item_id: int | None = None) -> list[FloorRequest]:
        """The speeches made (points of order and replies included), in the order given."""
        sql = (
            "select r.* from floor_requests r join speakers_lists l on l.id = r.list_id"
            " where r.conference_id = ? and r.status = 'spoken'"
        )
        params: list[Any] = [conference_id]
        if agenda_item_id is not None:
            sql += " and l.agenda_item_id = ?"
            params.append(agenda_item_id)
        sql += " order by r.first_started_at, r.id"
        return [_floor_request(r) for r in self.db.query(sql, params)]

    # --- backups and restores -------------------------------------------------------------

    @classmethod
    def backup_to(cls, db_path: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Contents:
        """Copy the database to `dest` with SQLite's online backup API: one read transaction
        on the live file, so a server may go on serving and writing (WAL) meanwhile, and the
        copy is the database as it was when that transaction began. The copy is checked
        (integrity_check), is one plain file (journal mode DELETE, no -wal beside it),
        readable by its owner only, and appears at `dest` only once whole (a temporary file
        renamed). `dest` may be a folder: the copy is then named after the database and the
        time. The signing key is not in the database, so not in the copy either."""
        live = Path(db_path)
        target = Path(dest)
        if target.is_dir() or str(dest).endswith(("/", os.sep)):
            target = target / f"{live.stem}-{_stamp()}{live.suffix or '.db'}"
        if not live.is_file():
            raise StoreUnavailable(
                f"There is no database at {live}: give the one the server uses with --db or "
                "DRAFTING_DB."
            )
        if not target.parent.is_dir():
            raise StoreUnavailable(
                f"Cannot write the backup {target}: the folder {target.parent} does not exist."
            )
        if target.exists() and target.samefile(live):
            raise Invalid(f"{target} is the database itself: give another file for the backup.")
        tmp = target.parent / f".{target.name}.{os.getpid()}.partial"
        try:
            _new_private_file(tmp)
            try:
                source = _connect_existing(live)
            except sqlite3.Error as e:
                raise _cannot_read(live, e) from None
            try:
                copy = sqlite3.connect(tmp, isolation_level=None)
                try:
                    try:
                        source.backup(copy)
                    except sqlite3.Error as e:
                        if "full" in str(e).lower():
                            raise
                        raise _cannot_read(live, e) from None
                    _check_integrity(
                        copy, live, "no backup was written; keep the earlier ones safe"
                    )
                    # the copy carries the live file's header, WAL mode included: one file
                    copy.execute("PRAGMA journal_mode=DELETE")
                    try:
                        contents = _contents(copy, str(target))
                    except sqlite3.OperationalError as e:
                        raise Invalid(f"{live} is not a drafting database ({e}).") from None
                finally:
                    copy.close()
            finally:
                source.close()
            _fsync(tmp)
            os.replace(tmp, target)
            _fsync(target.parent)
        except (sqlite3.Error, OSError) as e:
            raise _cannot_write(target, e) from None
        finally:
            for leftover in ("", "-wal", "-shm", "-journal"):
                Path(f"{tmp}{leftover}").unlink(missing_ok=True)
        return replace(contents, size=target.stat().st_size)

    @classmethod
    def restore_from(
        cls, db_path: str | os.PathLike[str], backup: str | os.PathLike[str]
    ) -> Restored:
        """Put a backup in place of the database at `db_path`.

        Refused while any process has the database open (a server holds it open from its
        start to its end): SQLite itself says so, since every connection to a WAL database
        holds a shared lock on the file. The backup must be a whole drafting database whose
        schema this version knows; it is copied beside the database and migrated there
        first, so a bad backup or a full disk leaves the database as it was. Then, holding
        the database's exclusive lock (no server can open it meanwhile), the database as it
        was (its WAL included) is copied to `<db>.before-restore-<time>`, and the backup is
        copied into the database through SQLite, in one transaction: its -wal and -shm files
        stay SQLite's, never a stale WAL replayed over another file."""
        live = Path(db_path)
        source = Path(backup)
        if not source.is_file():
            raise Invalid(f"There is no backup at {source}.")
        if not live.parent.is_dir():
            raise StoreUnavailable(
                f"Cannot restore to {live}: the folder {live.parent} does not exist."
            )
        if live.exists() and live.samefile(source):
            raise Invalid(f"{source} is the database itself: give a backup to restore from.")
        stage = live.parent / f".{live.name}.{os.getpid()}.restoring"
        try:
            try:
                _new_private_file(stage)
                staged = sqlite3.connect(stage, isolation_level=None)
            except OSError as e:
                raise _cannot_write(live, e) from None
            try:
                contents, migrated = _stage(source, staged, str(live))
                lock = _lock_exclusively(live)
                try:
                    kept = _keep_before_restore(lock, live)
                    try:
                        staged.backup(lock)
                        lock.execute("PRAGMA journal_mode=WAL")
                    except sqlite3.Error as e:
                        raise _cannot_write(live, e) from None
                finally:
                    lock.close()
            finally:
                staged.close()
        finally:
            for leftover in ("", "-wal", "-shm", "-journal"):
                Path(f"{stage}{leftover}").unlink(missing_ok=True)
        return Restored(replace(contents, path=str(live), size=live.stat().st_size), kept, migrated)


@dataclass(frozen=True)
class Contents:
    """What a drafting database holds, as an operator checks a backup."""

    path: str
    size: int  # bytes
    conferences: int
    drafts: int
    clauses: int  # in the texts (not deleted or rejected)
    participants: int
    events: int  # journal events
    last_event_at: str | None
    schema: str  # the last migration applied


@dataclass(frozen=True)
class Restored:
    contents: Contents
    kept: str | None  # where the replaced database was kept
    migrated: tuple[str, ...]  # migrations the backup needed


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _new_private_file(path: Path) -> None:
    """An empty file only its owner may read: a backup holds every text and vote."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _connect_existing(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection to a database that must exist (sqlite3.connect would create it)."""
    mode = "ro" if readonly else "rw"
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30, isolation_level=None
    )
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _cannot_read(path: Path, e: BaseException) -> StoreUnavailable:
    reason = str(e).strip() or type(e).__name__
    return StoreUnavailable(
        f"Cannot read the database {path} ({reason}): check that it is a drafting database "
        "and that this user may read it and write its folder (SQLite keeps -wal and -shm files "
        "beside it)."
    )


def _cannot_write(path: Path, e: BaseException) -> StoreUnavailable:
    reason = (e.strerror if isinstance(e, OSError) else None) or str(e).strip()
    if "full" in reason.lower() or "no space" in reason.lower():
        advice = "the disk is full; free some space (or choose another disk), then try again"
    else:
        advice = "check that this user may write there"
    return StoreUnavailable(f"Cannot write {path} ({reason}): {advice}. Nothing was changed.")


def _check_integrity(conn: sqlite3.Connection, name: Path | str, then: str) -> None:
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as e:
        if _unwritable(e):
            raise
        rows = [str(e)]
    # a row may hold several problems, one a line, under "*** in database main ***"
    problems = [
        p for r in rows for p in r.splitlines() if p.strip() and not p.startswith("***")
    ] or rows
    if problems != ["ok"]:
        raise StoreUnavailable(
            f"{name} fails SQLite's integrity check ({problems[0]}"
            f"{f', and {len(problems) - 1} more' if len(problems) > 1 else ''}): {then}."
        )


def _contents(conn: sqlite3.Connection, path: str) -> Contents:
    def one(sql: str) -> Any:
        row = conn.execute(sql).fetchone()
        return None if row is None else row[0]

    return Contents(
        path=path,
        size=0,
        conferences=one("select count(*) from conferences"),
        drafts=one("select count(*) from drafts"),
        clauses=one("select count(*) from clauses where status not in ('deleted', 'rejected')"),
        participants=one("select count(*) from participants"),
        events=one("select count(*) from journal"),
        last_event_at=one("select at from journal order by seq desc limit 1"),
        schema=one(
            f"select name from {Migrations.migrations_table} where migration_set = "
            f"'{migrations.name}' order by rowid desc limit 1"
        ),
    )


def _known_migrations() -> list[str]:
    """Every migration this version has, in order (those an empty database would need)."""
    return [m.name for m in migrations.pending(Database(memory=True))]


def _stage(source: Path, staged: sqlite3.Connection, live: str) -> tuple[Contents, tuple[str, ...]]:
    """Copy the backup into `staged`, check it is a whole drafting database this version
    can migrate, and migrate it. Raises with a one-line message otherwise."""
    try:
        conn = _connect_existing(source, readonly=True)
    except sqlite3.Error as e:
        raise Invalid(f"Cannot open the backup {source} ({e}).") from None
    try:
        try:
            conn.backup(staged)
        except sqlite3.DatabaseError as e:
            if "full" in str(e).lower():
                raise _cannot_write(Path(live), e) from None
            raise Invalid(f"{source} is not a SQLite database ({e}).") from None
    finally:
        conn.close()
    try:
        _check_integrity(staged, source, "nothing was changed; restore another backup")
        staged.execute("PRAGMA journal_mode=DELETE")
        db = Database(staged)
        applied = [m.name for m in migrations.applied(db)]
        known = _known_migrations()
        if not applied or applied[0] != known[0]:
            raise Invalid(f"{source} is not a drafting database (it has no drafting schema).")
        newer = [name for name in applied if name not in known]
        if newer:
            raise Invalid(
                f"{source} was made by a newer version of drafting (schema {newer[-1]}; this "
                f"one knows up to {known[-1]}): restore it with that version or a later one."
            )
        pending = tuple(m.name for m in migrations.pending(db))
        migrations.apply(db)
        return _contents(staged, str(source)), pending
    except sqlite3.DatabaseError as e:
        if _unwritable(e):
            raise _cannot_write(Path(live), e) from None
        raise Invalid(f"{source} is not a usable drafting database ({e}).") from None


# how long `restore` waits for another process's brief use of the database to end
RESTORE_LOCK_WAIT = 2.0


def _lock_exclusively(live: Path) -> sqlite3.Connection:
    """A connection holding the database's exclusive lock until it is closed (a database that
    is not there yet is created), or an error if any other process has it open. Each attempt
    gives up at once (a waiting writer would hold off the server's new readers meanwhile)."""
    deadline = time.monotonic() + RESTORE_LOCK_WAIT
    while True:
        try:
            conn = sqlite3.connect(live, timeout=0, isolation_level=None)
        except sqlite3.Error as e:
            raise _cannot_write(live, e) from None
        try:
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")  # in EXCLUSIVE locking mode the lock stays
            return conn
        except sqlite3.DatabaseError as e:
            conn.close()
            if "locked" in str(e) or "busy" in str(e):
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                raise Conflict(
                    f"The database {live} is open in another process: stop `drafting serve` "
                    "(every process serving it) and any other command using it, then restore "
                    "again."
                ) from None
            if "not a database" in str(e):
                raise Invalid(
                    f"{live} is not a SQLite database: move it away (or choose another --db), "
                    "then restore again."
                ) from None
            raise _cannot_write(live, e) from None


def _keep_before_restore(lock: sqlite3.Connection, live: Path) -> str | None:
    """Copy the database about to be replaced (its WAL included) to
    `<db>.before-restore-<time>`; None when it held nothing (no file, or an empty one)."""
    if lock.execute("select count(*) from sqlite_master").fetchone()[0] == 0:
        return None
    stamp = _stamp()
    kept = Path(f"{live}.before-restore-{stamp}")
    try:
        for n in range(2, 100):  # two restores within a second keep both
            try:
                _new_private_file(kept)
                break
            except FileExistsError:
                kept = Path(f"{live}.before-restore-{stamp}-{n}")
        copy = sqlite3.connect(kept, isolation_level=None)
        try:
            lock.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
        _fsync(kept)
    except (sqlite3.Error, OSError) as e:
        kept.unlink(missing_ok=True)
        raise _cannot_write(kept, e) from None
    return str(kept)
