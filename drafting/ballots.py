"""Where an open secret poll's ballots wait for the count: never on a disk.

A secret ballot is a receipt hash and a choice; the database only knows that the member voted
(`actions.polls`: secret from the files too). The ballots wait here until the poll closes,
when only the counts are written. One server process keeps them in its memory
(`MemoryBallots`); several processes behind one proxy share them through the Redis they
already use as Socket.IO's message queue (`RedisBallots`), so a delegate may vote through one
process and the chair close the poll through another. That Redis must not write them to a
disk either: the cluster runs it with `--save "" --appendonly no` (docs/procedure.md).
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import Any, Protocol

from .errors import StoreUnavailable

Ballot = tuple[str, int]  # choice, weight


class BallotBox(Protocol):
    def get(self, poll_id: int, key: str) -> Ballot | None: ...

    def put(self, poll_id: int, key: str, ballot: Ballot) -> None: ...

    def remove(self, poll_id: int, key: str) -> None: ...

    def ballots(self, poll_id: int) -> list[Ballot]: ...

    def drop(self, poll_id: int) -> None: ...


class MemoryBallots:
    """One process's ballot boxes: gone when the process ends, as a secret ballot should be."""

    def __init__(self) -> None:
        self._boxes: dict[int, dict[str, Ballot]] = {}
        self._lock = threading.Lock()

    def get(self, poll_id: int, key: str) -> Ballot | None:
        with self._lock:
            return self._boxes.get(poll_id, {}).get(key)

    def put(self, poll_id: int, key: str, ballot: Ballot) -> None:
        with self._lock:
            self._boxes.setdefault(poll_id, {})[key] = ballot

    def remove(self, poll_id: int, key: str) -> None:
        with self._lock:
            box = self._boxes.get(poll_id)
            if box is not None:
                box.pop(key, None)

    def ballots(self, poll_id: int) -> list[Ballot]:
        with self._lock:
            return list(self._boxes.get(poll_id, {}).values())

    def drop(self, poll_id: int) -> None:
        with self._lock:
            self._boxes.pop(poll_id, None)


class RedisBallots:
    """The ballot boxes of every process of one database, in Redis: one hash per poll,
    receipt hash -> "choice weight". A box left by a poll that never closed expires after
    `TTL` seconds."""

    TTL = 7 * 24 * 3600

    def __init__(self, url: str, database: str) -> None:
        import redis

        self._redis: Any = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        # the database's own path names its boxes: processes of one database share them,
        # another database on the same Redis does not see them
        self._prefix = (
            "drafting:ballots:"
            + hashlib.sha256(os.path.realpath(database).encode()).hexdigest()[:16]
        )

    def _key(self, poll_id: int) -> str:
        return f"{self._prefix}:{poll_id}"

    def _call(self, fn: Any, *args: Any) -> Any:
        import redis

        try:
            return fn(*args)
        except redis.RedisError as e:
            raise StoreUnavailable(
                f"The secret ballot box (Redis) cannot be reached ({e}): check that Redis is "
                "running, then vote again."
            ) from None

    def get(self, poll_id: int, key: str) -> Ballot | None:
        raw = self._call(self._redis.hget, self._key(poll_id), key)
        return None if raw is None else _parse(raw)

    def put(self, poll_id: int, key: str, ballot: Ballot) -> None:
        pipe = self._redis.pipeline()
        pipe.hset(self._key(poll_id), key, f"{ballot[0]} {ballot[1]}")
        pipe.expire(self._key(poll_id), self.TTL)
        self._call(pipe.execute)

    def remove(self, poll_id: int, key: str) -> None:
        self._call(self._redis.hdel, self._key(poll_id), key)

    def ballots(self, poll_id: int) -> list[Ballot]:
        return [_parse(v) for v in self._call(self._redis.hvals, self._key(poll_id))]

    def drop(self, poll_id: int) -> None:
        self._call(self._redis.delete, self._key(poll_id))


def _parse(raw: bytes | str) -> Ballot:
    text = raw.decode() if isinstance(raw, bytes) else raw
    choice, weight = text.split(" ")
    return choice, int(weight)


def ballot_box(message_queue: str | None, database: str) -> BallotBox:
    """Redis when the processes share one (the message queue), else this process's memory."""
    if message_queue and message_queue.startswith(("redis://", "rediss://", "unix://")):
        return RedisBallots(message_queue, database)
    return MemoryBallots()
