"""Run one action through the real doors, in process, and check what the room was told.

Zulip's `verify_action`, for a draft's room: a chair, two delegates and an observer are
connected with Flask-SocketIO's test client and have joined the draft; a fifth connection
follows the conference, as the conference page does. `Room.act` (a Socket.IO event) or
`Room.http` (a JSON route) runs one action as one of them, then:

1. waits until every connection has received what the action sent: a barrier message is
   queued behind the action's broadcasts on the server's one sender thread, so when it
   arrives everything before it has too (coalesced announcements, which leave later from a
   timer, are waited for by name: `also=("poll:tally",)`);
2. checks every message received against docs/protocol.md: its name is in the table
   "Socket.IO: server to client" and its payload has exactly the keys documented there
   (keys marked `?` may be absent), and so have the amendments, polls, clauses... inside it;
   the acknowledgement too, against the client-to-server tables;
3. applies the messages to the state each connection keeps, as the clients keep it (the
   `join` answer's draft, then deltas, outlines, amendments, polls, mode, sponsors; the
   conference page's roster, rules, agenda and lists of speakers), and compares that state
   with a fresh `draft:get`, `GET /api/conferences/ID` and `GET /api/conferences/ID/floor`.
   A difference means the action changed something without telling the room, or told it
   wrong.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from helpers import REPO

from drafting import socketio, textsync
from drafting.events import conference_room, draft_room

BARRIER = "verify:barrier"  # ours, not the protocol's: never checked against the doc
TIMEOUT = 15.0  # seconds a condition may take on a loaded machine before the test fails


# --- what docs/protocol.md documents ---------------------------------------------------------


@dataclass
class Shape:
    """The keys of a documented object: required, optional (`key?`), and nested shapes."""

    keys: frozenset[str]
    optional: frozenset[str] = frozenset()
    nested: dict[str, Shape] = field(default_factory=dict)


def _balanced(text: str, start: int) -> str:
    """The bracketed span of `text` opening at `start`."""
    pairs = {"{": "}", "[": "]", "(": ")"}
    stack = []
    for i in range(start, len(text)):
        ch = text[i]
        if ch in pairs:
            stack.append(pairs[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
            if not stack:
                return text[start : i + 1]
    raise ValueError(f"unbalanced: {text[start:]!r}")


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def parse_shape(src: str) -> Shape:
    """`{a, b?, c: [{x, y}], d: {z}}` -> keys a, c, d; b optional; c and d nested."""
    src = " ".join(src.split())
    assert src.startswith("{"), src
    keys, optional, nested = set(), set(), {}
    for part in _split_top(_balanced(src, 0)[1:-1]):
        m = re.fullmatch(r"(\w+)(\?)?(?:\s*:\s*(.*))?", part)
        assert m, f"cannot read {part!r} in {src!r}"
        key, opt, rest = m.groups()
        (optional if opt else keys).add(key)
        if rest:
            brace = rest.find("{")
            if brace != -1 and rest[:brace].strip() in ("", "["):
                nested[key] = parse_shape(rest[brace:])
    return Shape(frozenset(keys), frozenset(optional), nested)


def _shape_after(doc: str, marker: str) -> Shape:
    at = doc.index(marker) + len(marker)
    return parse_shape(doc[doc.index("{", at) :])


def _rows(doc: str, start: str, end: str) -> list[list[str]]:
    section = doc[doc.index(start) : doc.index(end)]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.append(cells)
    return rows


@dataclass
class Protocol:
    messages: dict[str, Shape]  # server to client: name -> payload
    acks: dict[str, Shape]  # client to server: event -> acknowledgement
    named: dict[str, Shape]  # shapes of values by key: amendment, poll, clauses...


@cache
def protocol() -> Protocol:
    doc = (REPO / "docs" / "protocol.md").read_text("utf-8")
    clause = _shape_after(doc, "| `GET /api/drafts/ID` |").nested["clauses"]
    clause.nested["children"] = clause
    summary = _shape_after(doc, "| `GET /api/drafts/ID` |")
    also = re.search(r"The draft \(in `join`.*?also carries (.*?)\(", doc, re.S)
    assert also, "the sentence on what the draft also carries"
    extra = frozenset(re.findall(r"`(\w+)`", also.group(1)))
    summary_keys = summary.keys - {"clauses"}
    draft = Shape(summary.keys | extra, nested={"clauses": clause})
    tally = _shape_after(doc, "`tally` (")
    result = _shape_after(doc, "`result` once closed:")
    if "(plus `votes` for" in doc:
        result = Shape(result.keys, result.optional | {"votes"}, {"votes": tally.nested["votes"]})
    subject = _shape_after(doc, "`subject` (")
    subject.nested["clause"] = _shape_after(doc, "or the clause (")
    motion = _shape_after(doc, "A **motion** is")
    subject.nested["motion"] = motion
    poll = _shape_after(doc, "A **poll** is")
    poll.nested.update({"subject": subject, "tally": tally, "result": result})
    amendment = _shape_after(doc, "An **amendment** is")
    queue = _shape_after(doc, "The **queue** is the suggested voting order:")
    named = {
        "draft": draft,
        "clauses": clause,
        "outline": clause,
        "amendment": amendment,
        "amendments": amendment,
        "queue": queue,
        "poll": poll,
        "tally": tally,
        "motion": motion,
        "motions": motion,
    }
    speakers = _shape_after(doc, "A **list of speakers** is")
    named.update(
        {
            "agenda": _shape_after(doc, "The **agenda** is"),
            "list": speakers,
            "lists": speakers,
            "speeches": _shape_after(doc, "A **speech** (in `floor:speeches`) is"),
        }
    )
    messages = {}
    for cells in _rows(doc, "## Socket.IO: server to client", "## HTTP"):
        name = cells[0].strip("`")
        messages[name] = parse_shape(cells[2][cells[2].index("{") :])
    messages["clauses:edited"].nested["edits"] = messages["clause:edited"]
    named["presence"] = messages["presence"].nested["people"]
    acks = {}
    for cells in _rows(doc, "## Socket.IO: client to server", "## Socket.IO: server to client"):
        name, ack = cells[0].strip("`"), cells[2]
        acks[name] = parse_shape(ack[ack.index("{") :]) if "{" in ack else Shape(frozenset())
    # "`{draft}` summary": the draft without its clauses, amendments, queue and poll
    for name in ("mode:set", "draft:details"):
        acks[name].nested["draft"] = Shape(summary_keys)
    return Protocol(messages, acks, named)


def shape_problems(value: Any, shape: Shape, where: str) -> list[str]:
    """How `value` differs from the documented shape (nothing: it matches)."""
    if not isinstance(value, dict):
        return [f"{where}: an object was documented, got {value!r}"]
    out = []
    missing = shape.keys - value.keys()
    extra = value.keys() - shape.keys - shape.optional
    if missing:
        out.append(f"{where}: documented keys missing: {sorted(missing)}")
    if extra:
        out.append(f"{where}: undocumented keys: {sorted(extra)}")
    for key, v in value.items():
        sub = shape.nested.get(key) or protocol().named.get(key)
        if sub is None or v is None:
            continue
        if isinstance(v, list):
            for i, item in enumerate(v):
                out += shape_problems(item, sub, f"{where}.{key}[{i}]")
        else:
            out += shape_problems(v, sub, f"{where}.{key}")
    return out


def message_problems(name: str, payload: Any) -> list[str]:
    shape = protocol().messages.get(name)
    if shape is None:
        return [f"`{name}` is not in the server-to-client table of docs/protocol.md"]
    return shape_problems(payload, shape, name)


def ack_problems(event: str, ack: Any) -> list[str]:
    """An acknowledgement: `{"ok": true, ...documented keys}` or a documented error."""
    if not isinstance(ack, dict):
        return [f"{event}: acknowledgement is not an object: {ack!r}"]
    if "error" in ack:
        extra = ack.keys() - {"error", "clause"}
        bad = [f"{event}: error acknowledgement with {sorted(extra)}"] if extra else []
        return bad + shape_problems(ack["error"], Shape(frozenset({"code", "message"})), event)
    shape = protocol().acks.get(event)
    if shape is None:
        return [f"`{event}` is not in the client-to-server tables of docs/protocol.md"]
    if event == "edit" and "text" in ack:  # a resend whose base is gone: the whole text
        shape = Shape(shape.keys - {"delta"} | {"text"}, shape.optional, shape.nested)
    body = {k: v for k, v in ack.items() if k != "ok"}
    ok = [] if ack.get("ok") is True else [f"{event}: acknowledgement without ok: true"]
    return ok + shape_problems(body, shape, f"{event} acknowledgement")


# --- the state a client keeps -----------------------------------------------------------------


def flatten(clauses: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in clauses:
        out.append(c)
        out.extend(flatten(c.get("children", [])))
    return out


class DraftMirror:
    """A draft as a client keeps it: the `join` answer, then every message applied."""

    def __init__(self, draft: dict[str, Any], presence: list[dict[str, Any]]) -> None:
        self.draft_id = draft["id"]
        self.status = draft["status"]
        self.sponsors = list(draft["sponsors"])
        self.details = dict(draft["details"])
        self.title = draft["title"]
        self.clauses = copy.deepcopy(draft["clauses"])
        self.amendments = {a["id"]: copy.deepcopy(a) for a in draft["amendments"]}
        self.poll = copy.deepcopy(draft["poll"])
        self.presence = {p["participant_id"]: p for p in presence}
        self.problems: list[str] = []

    def clause(self, clause_id: int) -> dict[str, Any] | None:
        return next((c for c in flatten(self.clauses) if c["id"] == clause_id), None)

    def set_text(self, clause_id: int, text: str, version: int) -> None:
        c = self.clause(clause_id)
        assert c is not None, f"clause {clause_id} is not in the draft"
        c["text"], c["version"] = text, version

    def _edited(self, m: dict[str, Any]) -> None:
        c = self.clause(m["clause_id"])
        if c is None:
            self.problems.append(f"clause:edited for clause {m['clause_id']}, not in the draft")
        elif m["version"] <= c["version"]:
            pass  # one's own edit, already acknowledged: ignored, as step 5 says
        elif m["base_version"] != c["version"]:
            self.problems.append(
                f"clause {c['id']}: an edit from version {m['base_version']} arrived while "
                f"this client is at {c['version']} (a gap)"
            )
        else:
            try:
                text = textsync.apply_delta(c["text"], m["delta"])
            except textsync.DeltaError as e:
                self.problems.append(f"clause {c['id']}: delta does not apply: {e}")
                return
            self.set_text(c["id"], text, m["version"])

    def apply(self, name: str, m: dict[str, Any]) -> None:
        if m.get("draft_id") != self.draft_id:
            return  # another draft's, or the conference's
        if name == "clause:edited":
            self._edited(m)
        elif name == "clauses:edited":
            for e in m["edits"]:
                self._edited(e)
        elif name == "draft:outline":
            self.clauses = copy.deepcopy(m["clauses"])
        elif name == "amendment:changed":
            self.amendments[m["amendment"]["id"]] = copy.deepcopy(m["amendment"])
        elif name in ("poll:opened", "poll:closed"):
            self.poll = copy.deepcopy(m["poll"])
        elif name == "poll:tally":
            if self.poll is not None and self.poll["id"] == m["poll_id"]:
                self.poll["cast"] = m["cast"]
                if "tally" in m:
                    known = {v["participant_id"]: v for v in self.poll["tally"]["votes"]}
                    known.update({v["participant_id"]: v for v in m["tally"]["votes"]})
                    self.poll["tally"] = {**m["tally"], "votes": list(known.values())}
        elif name == "draft:mode":
            self.status = m["after"]
        elif name == "draft:sponsors":
            self.sponsors = list(m["after"])
        elif name == "draft:details":
            self.details = dict(m["after"])
        elif name == "presence":
            self.presence.update({p["participant_id"]: p for p in m["people"]})
            for gone in m["left"]:
                self.presence.pop(gone, None)


def draft_differences(kept: DraftMirror, fresh: dict[str, Any]) -> list[str]:
    """What a client's kept state says differently from a fresh load of the draft, in the
    fields the messages are meant to keep current."""
    out = list(kept.problems)

    def clauses(cs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        keys = ("id", "kind", "marker", "number", "ref", "level", "parent_id", "status")
        keys += ("version", "text")
        return [tuple(c[k] for k in keys) for c in flatten(cs)]

    if clauses(kept.clauses) != clauses(fresh["clauses"]):
        out.append(f"clauses: kept {clauses(kept.clauses)}\n  fresh {clauses(fresh['clauses'])}")
    kept_values = (("status", kept.status), ("sponsors", kept.sponsors), ("details", kept.details))
    for key, value in kept_values:
        if value != fresh[key]:
            out.append(f"{key}: kept {value!r}, fresh {fresh[key]!r}")

    def amendment(a: dict[str, Any]) -> dict[str, Any]:
        keys = ("number", "clause_id", "kind", "status", "new_text", "accepted_by", "refused_by")
        return {k: a.get(k) for k in keys}

    fresh_amendments = {a["id"]: amendment(a) for a in fresh["amendments"]}
    kept_amendments = {i: amendment(a) for i, a in kept.amendments.items()}
    if kept_amendments != fresh_amendments:
        out.append(f"amendments: kept {kept_amendments}\n  fresh {fresh_amendments}")
    out += poll_differences(kept.poll, fresh["poll"])
    return out


def poll_differences(kept: dict[str, Any] | None, fresh: dict[str, Any] | None) -> list[str]:
    if fresh is None:  # no poll open: the client shows none, or the last one, closed
        if kept is not None and kept["state"] == "open":
            return [f"poll {kept['id']}: kept open, but no poll is open"]
        return []
    if kept is None:
        return [f"poll {fresh['id']} is open, the client knows of no poll"]

    def essentials(p: dict[str, Any]) -> dict[str, Any]:
        out = {k: p.get(k) for k in ("id", "subject_type", "subject_id", "state", "cast")}
        if "tally" in p:
            t = p["tally"]
            out["tally"] = (t["yes"], t["no"], t["abstain"])
            out["votes"] = sorted((v["participant_id"], v["choice"]) for v in t["votes"])
        return out

    if essentials(kept) != essentials(fresh):
        return [f"poll: kept {essentials(kept)}, fresh {essentials(fresh)}"]
    return []


class FloorMirror:
    """The agenda and the lists of speakers of the item under debate, as a conference page
    keeps them: `floor:get`, then `agenda:changed` and `floor:changed` applied as
    docs/protocol.md says ("The meeting, step by step")."""

    def __init__(self, floor: dict[str, Any]) -> None:
        self.problems: list[str] = []
        self.agenda: dict[str, Any] = {}
        self.lists: dict[int, dict[str, Any]] = {}
        self.take(floor)

    @staticmethod
    def whole(lst: dict[str, Any]) -> dict[str, Any]:
        return {**copy.deepcopy(lst), "requests": {r["id"]: r for r in lst["requests"]}}

    def take(self, floor: dict[str, Any]) -> None:
        self.agenda = copy.deepcopy(floor["agenda"])
        self.lists = {lst["id"]: self.whole(lst) for lst in floor["lists"]}

    def apply(self, name: str, m: dict[str, Any]) -> None:
        if name == "agenda:changed":
            self.whole_state(m)
        elif name == "floor:changed":
            self._list(m["event"], m["list"])

    def whole_state(self, m: dict[str, Any]) -> None:
        """The agenda where newer, then each list of the item under debate where newer."""
        if m["agenda"]["version"] < self.agenda["version"]:
            return
        self.agenda = copy.deepcopy(m["agenda"])
        current = self.agenda["current_id"]
        lists = {i: lst for i, lst in self.lists.items() if lst["agenda_item_id"] == current}
        for lst in m["lists"]:
            held = lists.get(lst["id"])
            if held is None or lst["version"] > held["version"]:
                lists[lst["id"]] = self.whole(lst)
        self.lists = lists

    def _list(self, event: str, lst: dict[str, Any]) -> None:
        held = self.lists.get(lst["id"])
        if held is None:
            if lst["agenda_item_id"] == self.agenda["current_id"]:
                if event == "opened":
                    self.lists[lst["id"]] = self.whole(lst)
                else:
                    self.problems.append(f"floor:changed for list {lst['id']}, never loaded")
            return
        if lst["version"] <= held["version"]:
            return
        if lst["version"] != held["version"] + 1:
            self.problems.append(
                f"list {lst['id']}: version {lst['version']} arrived after {held['version']}"
                " (a message missed, or out of order)"
            )
            return
        requests = dict(held["requests"])
        requests.update({r["id"]: copy.deepcopy(r) for r in lst["requests"]})
        keep = set(lst["order"]) | {lst["speaker"], lst["interrupted"]}
        self.lists[lst["id"]] = {
            **copy.deepcopy(lst),
            "requests": {i: r for i, r in requests.items() if i in keep},
        }


def floor_differences(kept: FloorMirror, fresh: dict[str, Any]) -> list[str]:
    now = FloorMirror(fresh)
    out = list(kept.problems)
    if kept.agenda != now.agenda:
        out.append(f"agenda: kept {kept.agenda}\n  fresh {now.agenda}")
    if kept.lists != now.lists:
        out.append(f"lists: kept {kept.lists}\n  fresh {now.lists}")
    return out


class ConferenceMirror:
    """What the conference page keeps from its room's messages: rules, roster, drafts, and
    the floor (`FloorMirror`)."""

    def __init__(self, conf: dict[str, Any], floor: dict[str, Any] | None = None) -> None:
        self.floor = FloorMirror(floor) if floor is not None else None
        self.conference_id = conf["id"]
        self.rules = {k: conf[k] for k in ("name", "majority", "quorum", "rules")}
        self.people = {p["id"]: _person(p) for p in conf["participants"]}
        self.drafts = {
            d["id"]: {"title": d["title"], "status": d["status"]} for d in conf["drafts"]
        }
        self.problems: list[str] = []

    def apply(self, name: str, m: dict[str, Any]) -> None:
        if self.floor is not None:
            self.floor.apply(name, m)
        if name == "conference:updated":
            self.rules.update(m["after"])
        elif name == "participant:added":
            self.people[m["id"]] = {**_person(m), "present": False}
        elif name == "participant:present":
            if m["id"] in self.people:
                self.people[m["id"]]["present"] = m["present"]
            else:
                self.problems.append(f"participant:present for {m['id']}, not in the roster")
        elif name == "draft:created":
            self.drafts[m["draft_id"]] = {"title": m["title"], "status": "drafting"}
        elif name == "draft:mode":
            self.drafts[m["draft_id"]]["status"] = m["after"]


def _person(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in ("name", "delegation", "role", "present") if k in p}


def conference_differences(kept: ConferenceMirror, fresh: dict[str, Any]) -> list[str]:
    now = ConferenceMirror(fresh)
    out = list(kept.problems)
    for what in ("rules", "people", "drafts"):
        if getattr(kept, what) != getattr(now, what):
            out.append(f"conference {what}: kept {getattr(kept, what)}, fresh {getattr(now, what)}")
    return out


# --- the room -----------------------------------------------------------------------------------


class _Inbox(list):
    """The test client's queue of received messages, which tells the room when one arrives
    (the server appends from its sender thread)."""

    def __init__(self, changed: threading.Condition) -> None:
        super().__init__()
        self.changed = changed

    def append(self, item: Any) -> None:
        with self.changed:
            super().append(item)
            self.changed.notify_all()


@dataclass
class Person:
    name: str
    token: str
    participant_id: int
    client: Any  # flask_socketio.SocketIOTestClient
    mirror: DraftMirror | None = None  # in the draft's room
    lobby: ConferenceMirror | None = None  # on the conference page
    seen: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # this action's
    barrier: int = 0  # the last barrier received

    def received(self, *names: str) -> list[dict[str, Any]]:
        """Payloads of this action's messages with these names."""
        return [m for n, m in self.seen if n in names]

    def names(self) -> list[str]:
        return [n for n, _ in self.seen]


@dataclass
class Outcome:
    ack: Any  # the acknowledgement, or the HTTP answer's JSON
    status: int | None  # the HTTP status (None for a Socket.IO event)
    seen: dict[str, list[tuple[str, dict[str, Any]]]]  # person -> messages received

    @property
    def ok(self) -> bool:
        if self.status is not None:
            return self.status < 400
        return isinstance(self.ack, dict) and self.ack.get("ok") is True


class Room:
    """A draft's room in process, each person connected through the real Socket.IO door."""

    def __init__(self, app: Any, draft_id: int, conference_id: int, people: dict[str, str]):
        """`people`: name -> invite token, each joined to the draft; and `lobby`, a connection
        of the first person's that only follows the conference, as the conference page does."""
        self.app = app
        self.http_client = app.test_client()
        self.live = app.extensions["drafting"]["live"]
        self.draft_id = draft_id
        self.conference_id = conference_id
        self.changed = threading.Condition()
        self._barriers = 0
        self.people: dict[str, Person] = {}
        # the conference page first, so it hears everyone arrive
        lobby = self.people["lobby"] = self._connect("lobby", next(iter(people.values())))
        followed = lobby.client.emit(
            "conference:follow", {"conference_id": conference_id}, callback=True
        )
        assert followed == {"ok": True}, followed
        lobby.lobby = ConferenceMirror(
            self.get(lobby, f"/api/conferences/{conference_id}"),
            self.get(lobby, f"/api/conferences/{conference_id}/floor"),
        )
        for name, token in people.items():
            p = self.people[name] = self._connect(name, token)
            joined = p.client.emit("join", {"draft_id": draft_id}, callback=True)
            assert joined.get("ok"), joined
            assert not ack_problems("join", joined), ack_problems("join", joined)
            p.mirror = DraftMirror(joined["draft"], joined["presence"])
        problems: list[str] = []
        self._await_presence(problems)
        problems += self.settle() + self.compare()
        assert not problems, "\n".join(problems)

    def enter(self, name: str, token: str) -> Person:
        """Someone else connects and joins the draft; verified like any action."""
        self._begin()
        p = self.people[name] = self._connect(name, token)
        joined = p.client.emit("join", {"draft_id": self.draft_id}, callback=True)
        assert joined.get("ok"), joined
        problems = ack_problems("join", joined)
        p.mirror = DraftMirror(joined["draft"], joined["presence"])
        self._await_presence(problems)
        self._verify(joined, None, problems, ())
        return p

    def _await_presence(self, problems: list[str]) -> None:
        """Until everyone in the draft has heard who is in it (coalesced, from a timer)."""
        everyone = {p.participant_id for p in self.in_draft()}

        def all_present() -> bool:
            problems.extend(self._check_and_apply())
            return all(p.mirror and set(p.mirror.presence) == everyone for p in self.in_draft())

        self._wait(all_present, "presence of everyone in the draft")

    def __getattr__(self, name: str) -> Person:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    def _connect(self, name: str, token: str) -> Person:
        client = socketio.test_client(self.app, auth={"token": token})
        assert client.is_connected(), f"{name} could not connect"
        client.queue = _Inbox(self.changed)
        pid = self.app.extensions["drafting"]["actions"].authenticate(token).id
        return Person(name, token, pid, client)

    def in_draft(self) -> list[Person]:
        return [p for p in self.people.values() if p.mirror is not None]

    # reading what arrived

    def _take(self, p: Person) -> list[tuple[str, dict[str, Any]]]:
        with self.changed:
            items = list(p.client.queue)
            del p.client.queue[:]
        return [(m["name"], m["args"][0] if m["args"] else None) for m in items]

    def _pending(self, p: Person) -> list[str]:
        with self.changed:
            return [m["name"] for m in p.client.queue]

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        """Wait until `done()` holds (checked whenever a message arrives)."""
        with self.changed:
            ok = self.changed.wait_for(done, timeout=TIMEOUT)
        if not ok:
            pending = {p.name: self._pending(p) + p.names() for p in self.people.values()}
            raise AssertionError(f"waited {TIMEOUT} s for {what}; received: {pending}")

    def _check_and_apply(self) -> list[str]:
        problems = []
        for p in self.people.values():
            for name, payload in self._take(p):
                if name == BARRIER:
                    p.barrier = payload["n"]
                    continue
                p.seen.append((name, payload))
                problems += [f"{p.name}: {x}" for x in message_problems(name, payload)]
                if p.mirror is not None:
                    p.mirror.apply(name, payload)
                if p.lobby is not None:
                    p.lobby.apply(name, payload)
        return problems

    def settle(self, also: Iterable[str] = ()) -> list[str]:
        """Wait until every connection has what was sent so far, and, in the draft's room,
        one of each message named in `also` (those sent later, from a timer); apply them."""
        self._barriers += 1
        n = self._barriers
        for room in (draft_room(self.draft_id), conference_room(self.conference_id)):
            self.live.emit(BARRIER, {"n": n}, room)
        also = list(also)
        problems: list[str] = []

        def arrived() -> bool:
            problems.extend(self._check_and_apply())
            return all(p.barrier == n for p in self.people.values()) and all(
                set(also) <= set(p.names()) for p in self.in_draft()
            )

        with self.changed:
            ok = self.changed.wait_for(arrived, timeout=TIMEOUT)
        if not ok:
            pending = {p.name: self._pending(p) + p.names() for p in self.people.values()}
            raise AssertionError(f"waited {TIMEOUT} s for the barrier and {also}: {pending}")
        return problems

    # the doors

    def act(
        self, who: Person, event: str, payload: dict[str, Any], also: Iterable[str] = ()
    ) -> Outcome:
        """Emit one Socket.IO event as `who`, and verify what everyone was told."""
        out = self.acts([(who, event, payload)], also)
        out.ack = out.ack[0]
        return out

    def acts(
        self, calls: list[tuple[Person, str, dict[str, Any]]], also: Iterable[str] = ()
    ) -> Outcome:
        """Several events back to back, as fast as they come (a burst of typing), then verify
        what everyone was told; the outcome's `ack` is the list of acknowledgements."""
        self._begin()
        acks, problems = [], []
        for who, event, payload in calls:
            ack = who.client.emit(event, payload, callback=True)
            problems += ack_problems(event, ack)
            if event == "edit" and isinstance(ack, dict) and ack.get("ok"):
                problems += self._acknowledged_edit(who, payload, ack)
            acks.append(ack)
        return self._verify(acks, None, problems, also)

    def http(
        self,
        who: Person,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        also: Iterable[str] = (),
    ) -> Outcome:
        """Call one JSON route as `who`, and verify what everyone was told."""
        self._begin()
        r = self.http_client.open(
            path, method=method, json=body, headers={"Authorization": f"Bearer {who.token}"}
        )
        return self._verify(r.get_json(), r.status_code, [], also)

    def get(self, who: Person, path: str) -> Any:
        r = self.http_client.get(path, headers={"Authorization": f"Bearer {who.token}"})
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def _begin(self) -> None:
        problems = self._check_and_apply()
        assert not problems, "\n".join(problems)
        for p in self.people.values():
            p.seen = []

    def _acknowledged_edit(self, who: Person, payload: dict[str, Any], ack: Any) -> list[str]:
        """The author's client takes the acknowledgement as its text (step 4): the whole text,
        or a delta that turns the text it sent into the clause as it now stands."""
        assert who.mirror is not None
        cid = payload["clause_id"]
        if "text" in ack:
            text = ack["text"]
        else:
            store = self.app.extensions["drafting"]["store"]
            sent = textsync.apply_delta(
                store.clause_text_at(cid, payload["base_version"]), payload["delta"]
            )
            try:
                text = textsync.apply_delta(sent, ack["delta"])
            except textsync.DeltaError as e:
                return [f"edit acknowledgement's delta does not apply to the text sent: {e}"]
            if text != store.clause_text_at(cid, ack["version"]):
                return [f"edit acknowledgement: {text!r} is not version {ack['version']}"]
        current = who.mirror.clause(cid)
        if current is not None and ack["version"] >= current["version"]:
            who.mirror.set_text(cid, text, ack["version"])
        return []

    def _verify(self, ack: Any, status: int | None, problems: list[str], also: Any) -> Outcome:
        problems += self.settle(also)
        problems += self.compare()
        assert not problems, "\n".join(problems)
        seen = {p.name: list(p.seen) for p in self.people.values()}
        return Outcome(ack, status, seen)

    def compare(self) -> list[str]:
        """Each connection's kept state against a fresh load, through the same doors."""
        problems = []
        reader = self.in_draft()[0]
        got = reader.client.emit("draft:get", {"draft_id": self.draft_id}, callback=True)
        problems += ack_problems("draft:get", got)
        fresh = got["draft"]
        for p in self.in_draft():
            assert p.mirror is not None
            problems += [f"{p.name}: {x}" for x in draft_differences(p.mirror, fresh)]
        lobby = self.people["lobby"]
        assert lobby.lobby is not None
        conf = self.get(lobby, f"/api/conferences/{self.conference_id}")
        problems += [f"lobby: {x}" for x in conference_differences(lobby.lobby, conf)]
        if lobby.lobby.floor is not None:
            floor = self.get(lobby, f"/api/conferences/{self.conference_id}/floor")
            problems += [f"lobby: {x}" for x in floor_differences(lobby.lobby.floor, floor)]
        return problems

    def fresh(self) -> dict[str, Any]:
        """The draft as a fresh load shows it."""
        return self.app.extensions["drafting"]["actions"].draft_view(None, self.draft_id)
