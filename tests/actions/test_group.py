"""Group commit: live edits that arrive together commit together, each as if alone.

The committer is held on the clause's lock while edits queue behind it, so the group it then
commits is known: what one edit of a group does (applies, fails, is refused) must not change
what happens to the others, and a group whose COMMIT fails leaves nothing behind.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest

from drafting import textsync
from drafting.actions.group import GroupCommit
from drafting.errors import Invalid, StoreUnavailable

BOILERPLATE = "Requests the Secretary-General to report on the report to the Assembly;"


def insert_at(text: str, at: int, phrase: str) -> str:
    return f"={at}\t+{phrase}\t={len(text) - at}"


class Sent:
    """An edit sent from a thread of its own, as each connection sends its own."""

    def __init__(self, actions, who, cid, base, delta, edit_id, origin):
        self.result = self.error = None
        self._origin = origin
        self.thread = threading.Thread(
            target=self._run, args=(actions, who, cid, base, delta, edit_id)
        )
        self.thread.start()

    def _run(self, actions, who, cid, base, delta, edit_id):
        actions.origins.value = self._origin
        try:
            self.result = actions.apply_edit(who, cid, base, delta, edit_id)
        except Exception as e:  # the author's acknowledgement says what failed
            self.error = e

    def outcome(self):
        self.thread.join(10)
        assert not self.thread.is_alive()
        return self.result, self.error


@pytest.fixture
def grouped(actions):
    """The actions with a group committer; what it announces, with whom it came from."""
    told: list[tuple[object, list[str], list[int]]] = []
    actions.origins = threading.local()
    actions.origin = lambda: getattr(actions.origins, "value", None)
    actions.notify_from = lambda origin, events: told.append(
        (origin, [e.type for e in events], [getattr(e, "version", None) for e in events])
    )
    actions.group = GroupCommit(actions)
    actions.told = told
    return actions


def queue_behind_lock(actions, cid, sends):
    """Send the first edit, wait until the committer holds it and waits for the clause, then
    queue the rest: released, the committer commits the first alone and the rest as one
    group."""
    lock = actions.clause_lock(cid)
    lock.acquire()
    try:
        first = Sent(actions, *sends[0])
        # taken from the queue: the committer now waits for the clause's lock
        wait_for(lambda: actions.group._thread is not None and not actions.group._queue)
        time.sleep(0.05)
        rest = []
        for n, s in enumerate(sends[1:], 1):  # one after the other: queued in this order
            rest.append(Sent(actions, *s))
            wait_for(lambda n=n: len(actions.group._queue) == n)
    finally:
        lock.release()
    return [first, *rest]


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_group_applies_each_edit_on_the_ones_before_it(grouped, conference, ids):
    """Four delegates insert into the same version of one clause; the four edits commit in
    two groups, and every phrase is in the text once, whole, after the word it followed."""
    cid = ids[5]
    grouped.replace_text(None, cid, BOILERPLATE)
    v = grouped.store.clause(cid).version
    people = conference["delegates"]
    at_the = BOILERPLATE.index("the report") + 4  # after "the "
    at_report = BOILERPLATE.index("report on") + 7  # after "report "
    phrases = [(at_the, "annual "), (at_report, "in writing "), (at_the, "full "), (0, "Also ")]
    sends = [
        (people[i % 2], cid, v, insert_at(BOILERPLATE, at, p), f"grp-edit-{i:04d}", f"sid-{i}")
        for i, (at, p) in enumerate(phrases)
    ]
    outcomes = [s.outcome() for s in queue_behind_lock(grouped, cid, sends)]
    assert [e for _r, e in outcomes] == [None] * 4
    assert grouped.group.groups == 2 and grouped.group.edits == 4
    text = grouped.store.clause(cid).text
    assert text == (
        "Also Requests the Secretary-General to report in writing on the annual full report "
        "to the Assembly;"
    )
    # every author's screen is brought to the stored text by what it was told
    for (r, _e), (_w, _c, _b, delta, _i, _o) in zip(outcomes, sends, strict=True):
        mine = textsync.apply_delta(BOILERPLATE, delta)
        assert textsync.apply_delta(mine, r.since_mine) == r.clause.text
    assert [r.clause.version for r, _e in outcomes] == [v + 1, v + 2, v + 3, v + 4]
    # announced in version order, each on behalf of its own author (who gets no echo)
    assert [(o, vs) for o, _t, vs in grouped.told] == [
        ("sid-0", [v + 1]),
        ("sid-1", [v + 2]),
        ("sid-2", [v + 3]),
        ("sid-3", [v + 4]),
    ]


def test_an_edit_refused_in_a_group_costs_the_others_nothing(grouped, conference, ids):
    cid = ids[5]
    grouped.replace_text(None, cid, BOILERPLATE)
    v = grouped.store.clause(cid).version
    amina, jonas = conference["delegates"][:2]
    sends = [
        (amina, cid, v, insert_at(BOILERPLATE, 0, "First, "), "grp-ok-0001", "a"),
        (jonas, cid, v, "=999\t+!", "grp-bad-0001", "j"),  # longer than the clause
        (amina, cid, v + 7, "=1\t+!", "grp-bad-0002", "a"),  # a version that does not exist
        (jonas, cid, v, insert_at(BOILERPLATE, len(BOILERPLATE), " Now."), "grp-ok-0002", "j"),
    ]
    outcomes = [s.outcome() for s in queue_behind_lock(grouped, cid, sends)]
    assert outcomes[0][1] is None and outcomes[3][1] is None
    assert isinstance(outcomes[1][1], Invalid) and isinstance(outcomes[2][1], Invalid)
    assert "does not exist" in str(outcomes[2][1])
    assert grouped.store.clause(cid).text == "First, " + BOILERPLATE + " Now."
    assert grouped.store.clause(cid).version == v + 2
    versions = [row["version"] for row in grouped.store.clause_versions(cid)]
    assert versions[-2:] == [v + 1, v + 2]
    assert [vs for _o, _t, vs in grouped.told] == [[v + 1], [v + 2]]


def test_a_group_whose_commit_fails_leaves_nothing_and_tells_no_one(
    grouped, conference, ids, monkeypatch
):
    """A full disk at COMMIT: every edit of the group is refused, none is stored or
    announced, and the clause's recent operations are not left holding them (the next edits,
    and one still based on the old version, are placed exactly)."""
    cid = ids[5]
    grouped.replace_text(None, cid, BOILERPLATE)
    v = grouped.store.clause(cid).version
    amina, jonas = conference["delegates"][:2]
    write = grouped.store.write

    @contextmanager
    def full_disk_at_commit():
        outer = not grouped.store.db.conn.in_transaction
        with write() as db:
            yield db
            if outer:
                raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(grouped.store, "write", full_disk_at_commit)
    sends = [
        (amina, cid, v, insert_at(BOILERPLATE, 0, "Lost: "), "grp-lost-0001", "a"),
        (jonas, cid, v, insert_at(BOILERPLATE, 9, "also "), "grp-lost-0002", "j"),
        (amina, cid, v, insert_at(BOILERPLATE, 9, "too "), "grp-lost-0003", "a"),
        # transformed over the two before it in its group: their composition is kept
        (jonas, cid, v, insert_at(BOILERPLATE, 0, "Lost again: "), "grp-lost-0004", "j"),
    ]
    outcomes = [s.outcome() for s in queue_behind_lock(grouped, cid, sends)]
    for _r, e in outcomes:
        assert isinstance(e, StoreUnavailable | sqlite3.OperationalError)
    monkeypatch.setattr(grouped.store, "write", write)
    assert grouped.told == []
    c = grouped.store.clause(cid)
    assert (c.text, c.version) == (BOILERPLATE, v)
    # the disk has room again: two edits made the next two versions, then one still on the
    # stored version is transformed over them (not over the lost ones)
    kept = "Kept: " + BOILERPLATE
    grouped.apply_edit(amina, cid, v, insert_at(BOILERPLATE, 0, "Kept: "), "grp-kept-001")
    grouped.apply_edit(amina, cid, v + 1, insert_at(kept, len(kept), " Done."), "grp-kept-002")
    late = grouped.apply_edit(jonas, cid, v, insert_at(BOILERPLATE, 9, "too "), "grp-lost-0003")
    # the lost edit's id was never used: sent again, it applies
    assert late.changed and late.clause.version == v + 3
    assert grouped.store.clause(cid).text == "Kept: Requests too " + (
        BOILERPLATE[len("Requests ") :] + " Done."
    )
