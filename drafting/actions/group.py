"""Group commit: live edits that arrive together are committed together.

160 delegates typing into one clause make about 400 edits a second. Committed one by one, each
rewrote the clause's row (its whole text, 18,000 characters at most), a version row, a journal
row and an edit id, every page of them written out to the WAL again: 15 MB a second into
SQLite, 36 KB an edit. When the kernel held those writes back (32-104 ms in `write()`, a few
times a minute), the one event loop of the process stopped with them, and every delegate's
next keystroke waited: probe p99 146-246 ms in the runs it happened.

Here the edits waiting when the committer comes round (those that arrived while the last group
was being committed) are applied one after the other, each in a SAVEPOINT of its own, inside
one transaction: the clause's row, the version rows and the journal rows are written once per
group. What does not change:

- an edit is acknowledged, and broadcast, only once it is committed with its journal event;
- each edit is checked and applied exactly as alone, on top of the edits before it in the
  group (the committer's connection sees them), so it is transformed over them as over any
  committed edit;
- an edit that fails (refused, `behind`, a bug) rolls back its own savepoint and only its
  author hears of it; a COMMIT that fails fails every edit of the group, and nothing of it is
  kept or told;
- the broadcasts of one clause leave in version order: the committer takes the locks of every
  clause in the group (in order of id, before its transaction, as every other writer takes one
  lock before its own) and keeps them until the group's events are handed over.

The committer is one thread (a greenlet under gevent) with its own SQLite connection; whoever
sends an edit waits for its outcome, so a connection's events still run in order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from .context import Context, Transaction

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Item(Generic[T]):
    __slots__ = ("clause_id", "work", "origin", "done", "result", "error", "tx")

    def __init__(self, clause_id: int, work: Callable[[Transaction], T], origin: object) -> None:
        self.clause_id = clause_id
        self.work = work
        self.origin = origin
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None
        self.tx: Transaction | None = None


class GroupCommit:
    """One committer for a process's live edits (see the module's docstring)."""

    MAX_GROUP = 64  # edits in one transaction at most: the last waits for the 63 before it
    GATHER = 0.0002  # seconds

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._queue: deque[_Item[object]] = deque()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        # figures, for the benchmarks and the log: groups committed, edits in them
        self.groups = 0
        self.edits = 0

    def run(self, clause_id: int, work: Callable[[Transaction], T]) -> T:
        """Run `work(tx)` in the next group, under the clause's lock; return what it returned
        once the group is committed and its events handed over, or raise what it raised (or
        what failed the group's COMMIT)."""
        item: _Item[T] = _Item(clause_id, work, self.ctx.origin())
        self._queue.append(item)  # type: ignore[arg-type]
        self._start()
        self._wake.set()
        item.done.wait()
        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[return-value]

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="group-commit", daemon=True)
                self._thread.start()

    IDLE = 30.0  # seconds without an edit before the committer stops (and closes its connection)

    def _loop(self) -> None:
        while True:
            if not self._wake.wait(self.IDLE):
                with self._start_lock:  # `_start` looks under the same lock, after queueing
                    if not self._queue:
                        self._thread = None
                        self.ctx.store.close()
                        return
            self._wake.clear()
            # a moment for the edits that arrived with this one: under gevent, the loop reads
            # every socket that has something before the committer runs again
            time.sleep(self.GATHER)
            while self._queue:
                n = min(self.MAX_GROUP, len(self._queue))
                group = [self._queue.popleft() for _ in range(n)]
                try:
                    self._commit(group)
                except BaseException as e:  # never leave a sender waiting
                    log.exception("group commit failed")
                    for item in group:
                        if not item.done.is_set():
                            item.error = item.error or e
                            item.done.set()

    def _commit(self, group: list[_Item[object]]) -> None:
        ctx = self.ctx
        locks = [ctx.clause_lock(cid) for cid in sorted({i.clause_id for i in group})]
        for lock in locks:
            lock.acquire()
        try:
            applied = self._write(group)
            self.groups += 1
            self.edits += len(group)
            for item in applied:
                assert item.tx is not None
                if item.tx.events:
                    try:
                        ctx.notify_from(item.origin, item.tx.events)
                    except Exception:  # committed: the others are still told
                        log.exception("could not announce a committed edit")
        finally:
            for lock in reversed(locks):
                lock.release()
            for item in group:
                item.done.set()

    def _write(self, group: list[_Item[object]]) -> list[_Item[object]]:
        """The group's transaction: the edits applied, in order.

        Run in the event loop's own thread. Run in a real OS thread instead (gevent's pool),
        so that a disk holding up a write would hold up the committer and not the loop, it
        was slower: probe p99 81-531 ms against 57-73 ms in 60 s runs with 160 authors."""
        from .context import Transaction

        store = self.ctx.store
        applied: list[_Item[object]] = []
        try:
            with store.write():
                for item in group:
                    tx = Transaction(store)
                    try:
                        with store.write():  # a savepoint: this edit's alone
                            item.result = item.work(tx)
                    except Exception as e:
                        tx.rolled_back()
                        item.error = e
                    else:
                        item.tx = tx
                        applied.append(item)
        except BaseException as e:  # BEGIN or COMMIT failed: nothing of the group is kept
            for item in group:
                if item.tx is not None:
                    item.tx.rolled_back()
                    item.tx = None
                if item.error is None:
                    item.error = e
                item.result = None
            return []
        return applied
