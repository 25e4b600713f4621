"""The floor: who speaks next on a list of speakers, and for how long. Pure (no Flask, no
SQLite): the rules can be tested on their own, and the action layer only gathers the list's
requests and acts on the answer (`actions/floor.py`).

The rules are the UN General Assembly's (A/520/Rev.19), plenary / committees:

- Rule 68/109, speeches: nobody speaks without the President's permission, and the President
  "shall call upon speakers in the order in which they signify their desire to speak". One
  waiting request per delegation and list: a second would only hold a second place.
- Rule 71/113, points of order: "the point of order shall be immediately decided by the
  President". A point of order goes before every speaker on the list, points of order in the
  order they were raised; given the floor while someone speaks, it interrupts the speech, which
  resumes after the ruling with the time it had left. It is not timed (the rule expects it to
  be brief, and the speaker "may not speak on the substance").
- Rule 72/114, time limit on speeches: the chair sets a speaking time per list, and may set a
  shorter one for replies.
- Rule 73/115, closing of the list, right of reply: a closed list takes no new speakers, but
  the right of reply may still be accorded (and points of order still raised). Rights of reply
  are heard after the list, in the order asked (GA decision 34/401, annex V of the rules: at
  the end of the debate, shorter than speeches).
- For and against: where the rules hear a question's supporters and opponents in turn (rule
  74/116, adjournment of debate: "two representatives may speak in favour of, and two
  against, the motion"; the motions of rules 75-81/117-123 likewise), a list may be run "for
  and against": the tool calls a speaker for, then against, for, ... in the order each side
  asked, continuing from the side of the last such speaker heard on the list; when one side
  has nobody left, the other continues. Plain speeches asked before the chair made it such a
  list are heard after both sides.

Where the rules are silent, what a chair expects: the chair may call any waiting request out
of turn and move a waiting request within its group (points of order, speakers, replies), but
not across groups (a point of order is never made to wait behind a speaker); the floor is held
by one speaker at a time in the whole meeting; nobody's microphone is cut at the deadline (the
screens show the time running out and then over; the chair ends the speech).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from .domain import AgendaItem, FloorRequest
from .errors import Conflict, Invalid

KINDS = ("speech", "for", "against", "point_of_order", "reply")
SIDES = ("for", "against")
GROUPS = ("point_of_order", "ordinary", "reply")  # the order in which they are heard
KIND_NAMES = {
    "speech": "a speech",
    "for": "a speech in favour",
    "against": "a speech against",
    "point_of_order": "a point of order",
    "reply": "a right of reply",
}

WAITING = "waiting"
SPEAKING = "speaking"
INTERRUPTED = "interrupted"  # by a point of order: resumes after the ruling
SPOKEN = "spoken"
WITHDRAWN = "withdrawn"
STATUSES = (WAITING, SPEAKING, INTERRUPTED, SPOKEN, WITHDRAWN)
ON_LIST = (WAITING, SPEAKING, INTERRUPTED)  # what a list shows: still to speak, or speaking

MIN_SECONDS = 5  # a speaking time, when the chair sets one
MAX_SECONDS = 3600
WARNING_SECONDS = 30  # the screens warn this long before the deadline (a quarter of a short time)
MAX_RULING_CHARS = 2_000
AT_END = "end"  # where an agenda item goes when no place is given: last


def group(kind: str) -> str:
    """Which of GROUPS a request of this kind waits in."""
    return kind if kind in ("point_of_order", "reply") else "ordinary"


def check_kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise Invalid(f"Unknown request for the floor {kind!r}: use one of {', '.join(KINDS)}.")
    return kind


def _key(r: FloorRequest) -> tuple[int, int]:
    return (r.position, r.id)


def _other(side: str) -> str:
    return "against" if side == "for" else "for"


def order(
    requests: Iterable[FloorRequest], *, for_against: bool, last_side: str | None = None
) -> list[FloorRequest]:
    """The waiting requests in the order they will be called: points of order, then the
    speakers (for and against in turn on such a list, starting with the side other than
    `last_side`), then rights of reply; within a group, by position (the order asked, unless
    the chair moved someone)."""
    waiting = [r for r in requests if r.status == WAITING]
    groups = {g: sorted((r for r in waiting if group(r.kind) == g), key=_key) for g in GROUPS}
    ordinary = groups["ordinary"]
    if for_against:
        ordinary = _in_turn(ordinary, last_side)
    return groups["point_of_order"] + ordinary + groups["reply"]


def _in_turn(ordinary: list[FloorRequest], last_side: str | None) -> list[FloorRequest]:
    sides = {s: [r for r in ordinary if r.kind == s] for s in SIDES}
    plain = [r for r in ordinary if r.kind not in SIDES]
    turn = "against" if last_side == "for" else "for"
    out: list[FloorRequest] = []
    while sides["for"] or sides["against"]:
        if not sides[turn]:  # one side exhausted: the other continues
            turn = _other(turn)
        out.append(sides[turn].pop(0))
        turn = _other(turn)
    return out + plain


def last_side(requests: Iterable[FloorRequest]) -> str | None:
    """The side of the last speaker for or against given the floor on the list, if any."""
    heard = [
        r
        for r in requests
        if r.kind in SIDES and r.first_started_at is not None and r.status != WAITING
    ]
    if not heard:
        return None
    return max(heard, key=lambda r: (r.first_started_at or "", r.id)).kind


def queue(requests: Sequence[FloorRequest], *, for_against: bool) -> list[FloorRequest]:
    """`order` of a list's requests, continuing the turns from its own history."""
    return order(requests, for_against=for_against, last_side=last_side(requests))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def check_ask(
    requests: Sequence[FloorRequest],
    kind: str,
    member_id: int,
    *,
    is_open: bool,
    for_against: bool,
    delegation: str,
) -> None:
    """Refuse a request the list cannot take, with what to do instead."""
    check_kind(kind)
    g = group(kind)
    if g == "ordinary":
        if not is_open:
            raise Conflict(
                "The list of speakers is closed (rule 73/115): it takes no new speakers; "
                "points of order and rights of reply are still taken."
            )
        if for_against and kind not in SIDES:
            raise Invalid(
                "This list hears speakers for and against in turn: ask to speak 'for' or 'against'."
            )
    waiting = queue(requests, for_against=for_against)
    for place, r in enumerate(waiting, start=1):
        if r.member_id == member_id and group(r.kind) == g:
            what = {
                "ordinary": "is on this list of speakers already",
                "point_of_order": "has raised a point of order already",
                "reply": "has asked for the right of reply already",
            }[g]
            raise Conflict(
                f"{delegation} {what} ({ordinal(place)} to speak). One request at a time: "
                "withdraw it first to ask for something else."
            )


def next_position(requests: Iterable[FloorRequest], kind: str) -> int:
    """A new request's place: after every request of its group ever made on the list."""
    g = group(kind)
    return 1 + max((r.position for r in requests if group(r.kind) == g), default=0)


def moved(ids: Sequence[int], item: int, after: int | None) -> list[int]:
    """`ids` with `item` placed right after `after` (None: first)."""
    rest = [i for i in ids if i != item]
    at = 0 if after is None else rest.index(after) + 1
    return [*rest[:at], item, *rest[at:]]


def place(
    requests: Sequence[FloorRequest], request_id: int, after_id: int | None
) -> dict[int, int]:
    """The chair moves a waiting request within its group, right after `after_id` (None:
    first of its group). Returns the new positions of the requests whose position changed."""
    by_id = {r.id: r for r in requests}
    r = by_id.get(request_id)
    if r is None:
        raise Invalid(f"There is no request {request_id} on this list.")
    if r.status != WAITING:
        raise Conflict(f"That request is {r.status}: only a waiting one can be moved.")
    g = group(r.kind)
    mates = sorted((x for x in requests if x.status == WAITING and group(x.kind) == g), key=_key)
    if after_id is not None:
        after = by_id.get(after_id)
        if after is None or after not in mates:
            raise Invalid(
                "A request moves within its group (points of order, speakers, rights of "
                "reply): place it after a waiting request of the same group, or first."
            )
        if after_id == request_id:
            raise Invalid("A request cannot be placed after itself.")
    ids = moved([x.id for x in mates], request_id, after_id)
    return {i: n for n, i in enumerate(ids, start=1) if by_id[i].position != n}


# --- time -------------------------------------------------------------------------------------


def moment(at: str) -> datetime:
    return datetime.fromisoformat(at.replace("Z", "+00:00"))


def stamp(when: datetime) -> str:
    """As the store writes times: UTC, milliseconds, `Z`."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_seconds(value: object, what: str) -> int | None:
    """A speaking time from a request: a whole number of seconds; 0 for none."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"The {what} is a whole number of seconds (0 for no limit).")
    if value == 0:
        return None
    if not MIN_SECONDS <= value <= MAX_SECONDS:
        raise Invalid(
            f"The {what} is from {MIN_SECONDS} seconds to {MAX_SECONDS // 60} minutes "
            "(0 for no limit)."
        )
    return value


def time_limit(kind: str, speaking_seconds: int | None, reply_seconds: int | None) -> int | None:
    """The time a request of this kind is given: a point of order none; a reply the reply
    time where the chair set one; anything else the list's speaking time."""
    if kind == "point_of_order":
        return None
    if kind == "reply" and reply_seconds is not None:
        return reply_seconds
    return speaking_seconds


def warning_before(limit: int) -> int:
    """How long before the deadline the screens warn: 30 s, or a quarter of a short time."""
    return min(WARNING_SECONDS, limit // 4)


def start(r: FloorRequest, now: datetime, limit: int | None) -> FloorRequest:
    """The floor given: the speech starts now, its deadline `limit` seconds on."""
    at = stamp(now)
    return replace(
        r,
        status=SPEAKING,
        first_started_at=r.first_started_at or at,
        started_at=at,
        limit_seconds=limit,
        deadline=None if limit is None else stamp(now + timedelta(seconds=limit)),
    )


def _stretch_ms(r: FloorRequest, now: datetime) -> int:
    if r.status != SPEAKING or r.started_at is None:
        return 0
    return max(0, round((now - moment(r.started_at)).total_seconds() * 1000))


def interrupt(r: FloorRequest, now: datetime) -> FloorRequest:
    """A point of order takes the floor: the time spoken so far is kept, the clock stops."""
    spoken = r.spoken_ms + _stretch_ms(r, now)
    return replace(r, status=INTERRUPTED, spoken_ms=spoken, deadline=None)


def resume(r: FloorRequest, now: datetime) -> FloorRequest:
    """The speaker has the floor back, with the time that was left (none, if it ran out)."""
    deadline = None
    if r.limit_seconds is not None:
        left_ms = max(0, r.limit_seconds * 1000 - r.spoken_ms)
        deadline = stamp(now + timedelta(milliseconds=left_ms))
    return replace(r, status=SPEAKING, started_at=stamp(now), deadline=deadline)


def finish(r: FloorRequest, now: datetime, ruling: str | None = None) -> FloorRequest:
    """The speech ends (an interrupted one where it was interrupted)."""
    return replace(
        r,
        status=SPOKEN,
        spoken_ms=r.spoken_ms + _stretch_ms(r, now),
        ended_at=stamp(now),
        deadline=None,
        ruling=ruling,
    )


def warning_at(r: FloorRequest) -> str | None:
    if r.deadline is None or r.limit_seconds is None:
        return None
    return stamp(moment(r.deadline) - timedelta(seconds=warning_before(r.limit_seconds)))


def over_seconds(r: FloorRequest) -> int:
    """How far past its time a finished speech went, in whole seconds."""
    if r.limit_seconds is None:
        return 0
    return max(0, (r.spoken_ms - r.limit_seconds * 1000) // 1000)


def check_ruling(ruling: object) -> str | None:
    if ruling is None or ruling == "":
        return None
    if not isinstance(ruling, str):
        raise Invalid("The ruling is a text.")
    clean = ruling.strip()
    if len(clean) > MAX_RULING_CHARS:
        raise Invalid(f"A ruling is at most {MAX_RULING_CHARS:,} characters.")
    return clean or None


# --- the agenda -------------------------------------------------------------------------------


def next_item(items: Sequence[AgendaItem]) -> AgendaItem | None:
    """What "next item" takes up (`items` in agenda order): the first item after the current
    one not taken up yet; past the last, the first one skipped earlier; with no current item,
    the first not taken up."""
    live = [i for i in items if i.status != "removed"]
    current = next((n for n, i in enumerate(live) if i.status == "current"), None)
    if current is None:
        return next((i for i in live if i.status == "pending"), None)
    after = [i for i in live[current + 1 :] if i.status == "pending"]
    before = [i for i in live[:current] if i.status == "pending"]
    return (after or before)[0] if after or before else None
