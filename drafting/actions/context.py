"""The context every action runs in: the store, the fan-out, the clause locks.

`with ctx.transaction() as tx:` is the one way an action writes. Inside, `tx.emit(event)`
appends the event to the journal in the same SQLite transaction as the state change; after
COMMIT, and only then, the events go to `notify` (the web app's broadcaster; the CLI tells no
one). A failure anywhere inside leaves nothing behind and tells no one. With a clause id the
transaction also holds that clause's lock until its events are handed over, so the broadcasts
of one clause leave in version order.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from ..ballots import BallotBox, MemoryBallots
from ..events import Event
from ..store import Store
from ..textsync import OpLog

if TYPE_CHECKING:
    from .group import GroupCommit

Notify = Callable[[list[Event]], None]


class Transaction:
    """The events of one transaction, journaled as they are emitted."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.events: list[Event] = []
        self._undo: list[Callable[[], None]] = []

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Undo, should the transaction fail, what it did outside the database (a secret
        ballot put in the box): a ballot counts only when its voter's mark is committed."""
        self._undo.append(undo)

    def rolled_back(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def emit(self, *events: Event) -> None:
        for e in events:
            self.store.append(e)
            self.events.append(e)


class Cache:
    """A few recent values, each valid for one stamp (an LRU of `size` keys)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[object, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: object) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] != stamp:
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: Hashable, stamp: object, value: Any) -> None:
        with self._lock:
            self._items[key] = (stamp, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class Context:
    def __init__(
        self, store: Store, notify: Notify | None = None, ballots: BallotBox | None = None
    ) -> None:
        self.store = store
        self.notify: Notify = notify or (lambda events: None)
        self._locks: dict[int, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._oplogs: OrderedDict[int, OpLog] = OrderedDict()
        # the drafts clients load, encoded (`actions.drafts.draft_json`)
        self.draft_json_cache = Cache(32)
        # secret polls' ballots while the poll is open: receipt hash -> (choice, weight), in
        # memory only, this process's or the cluster's Redis (`drafting.ballots`)
        self.ballot_boxes: BallotBox = ballots or MemoryBallots()
        # the served process sets it: uploads are read, and documents set, in worker
        # processes with time and memory limits (`drafting.workers`), not in the room's loop
        self.isolated = False
        # who caused what this thread is doing (the web app's live connection: it is not sent
        # its own echo), and how to tell the others from another thread on its behalf
        self.origin: Callable[[], object] = lambda: None
        self.notify_from: Callable[[object, list[Event]], None] = lambda _o, ev: self.notify(ev)
        # the served app commits live edits in groups (`group.GroupCommit`); None: each alone
        self.group: GroupCommit | None = None

    OPLOGS = 256  # clauses whose recent operations are kept in memory (the busiest)

    def oplog(self, clause_id: int) -> OpLog:
        """The recent operations of a clause (a cache of what the store holds, never ahead
        of it: only committed versions go in). Use it under the clause's lock."""
        with self._locks_lock:
            log = self._oplogs.get(clause_id)
            if log is None:
                log = self._oplogs[clause_id] = OpLog()
                if len(self._oplogs) > self.OPLOGS:
                    self._oplogs.popitem(last=False)
            else:
                self._oplogs.move_to_end(clause_id)
            return log

    def forget_oplog(self, clause_id: int) -> None:
        """Drop what is kept of a clause's recent operations (a version it holds was not
        committed after all); they are read from the store again when needed."""
        with self._locks_lock:
            self._oplogs.pop(clause_id, None)

    def clause_lock(self, clause_id: int) -> threading.Lock:
        with self._locks_lock:
            lock = self._locks.get(clause_id)
            if lock is None:
                lock = self._locks[clause_id] = threading.Lock()
            return lock

    @contextmanager
    def transaction(self, clause_id: int | None = None) -> Iterator[Transaction]:
        lock = self.clause_lock(clause_id) if clause_id is not None else nullcontext()
        with lock:
            tx = Transaction(self.store)
            try:
                with self.store.write():
                    yield tx
            except BaseException:
                tx.rolled_back()
                raise
            # committed: now, and still under the clause's lock, everyone may be told
            if tx.events:
                self.notify(tx.events)
