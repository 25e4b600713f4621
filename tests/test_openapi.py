"""Issue 12, a standing suite: the JSON API as `drafting/openapi.json` describes it.

The description is kept true two ways. Every route under /api is described and every described
operation is a route, so a new endpoint without its description fails here. And schemathesis
sends what the description allows, and what it does not, to a real `drafting serve` process,
signed in with invite links (the session cookie a browser gets) as the chair and as a
delegate of a seeded conference: no answer is a server error, every answer has a documented
status, type and shape, and every refusal is `{"error": {"code", "message"}}`.

Bounded and reproducible: a fixed number of examples per operation, derandomized, no example
database, no shrinking (the server keeps state, so a shrunk example would not replay).
"""

from __future__ import annotations

import json
import os
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from helpers import REPO
from hypothesis import HealthCheck, settings
from liveserver import LiveServer

from drafting import domain, export, procedure, publish
from drafting.actions import Actions
from drafting.store import Store

DESCRIPTION = REPO / "drafting" / "openapi.json"
SPEC = json.loads(DESCRIPTION.read_text("utf-8"))
METHODS = {"get", "put", "post", "patch", "delete"}
ERROR = SPEC["components"]["schemas"]["Error"]["properties"]["error"]
ERROR_CODES = set(ERROR["properties"]["code"]["enum"])

# --- the description and the routes ---------------------------------------------------------


def described() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in SPEC["paths"].items()
        for method in item
        if method in METHODS
    }


def routed(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the Flask app answers under /api, in OpenAPI's spelling: a
    converter `<int:draft_id>` is `{draft_id}`."""
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:>]+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        out |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def test_every_api_route_is_described_and_every_description_is_a_route(app):
    routes, ops = routed(app), described()
    assert len(routes) > 40
    assert not routes - ops, f"routes without a description: {sorted(routes - ops)}"
    assert not ops - routes, f"described, but no such route: {sorted(ops - routes)}"
    for path, item in SPEC["paths"].items():
        named = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert params == named, (method, path, params)
            assert operation["operationId"] and operation["responses"], (method, path)


def test_the_description_names_what_the_code_accepts():
    """The enums a client reads are the server's own lists."""
    schemas = SPEC["components"]["schemas"]

    def enum(schema: str, field: str) -> list[str]:
        return [v for v in schemas[schema]["properties"][field]["enum"] if v is not None]

    assert enum("Clause", "kind") == list(domain.CLAUSE_KINDS)
    assert enum("Clause", "marker") == ["", *domain.ITEM_MARKERS]
    assert enum("DraftSummary", "status") == list(domain.DRAFT_STATUSES)
    assert enum("Amendment", "status") == list(domain.AMENDMENT_STATUSES)
    assert enum("Participant", "role") == list(domain.ROLES)
    assert enum("Conference", "rules") == list(procedure.PRESETS)
    assert enum("NewPoll", "rule") == list(procedure.RULES)
    assert enum("NewPoll", "kind") == list(procedure.POLL_KINDS)
    assert enum("Motion", "kind") == list(procedure.MOTION_KINDS)
    assert set(schemas["Details"]["properties"]) == set(domain.DRAFT_DETAILS)
    formats = SPEC["paths"]["/api/drafts/{draft_id}/export"]["get"]["parameters"][1]
    assert formats["schema"]["enum"] == list(publish.ALL_FORMATS)
    assert SPEC["info"]["version"] == version("drafting")


def test_the_description_is_served_to_anyone(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.get_json() == SPEC
    assert r.headers["Cache-Control"] == "no-store"


# --- schemathesis against a live server -----------------------------------------------------

# The seed below (`seed`) makes the first rows of a fresh database, with these ids. Generated
# ids are one of these nine times in ten, so that requests reach real things and not only
# `not_found`; the tenth is anything the description allows (or, in negative mode, does not).
SEEDED = {
    "conference_id": [1],
    "participant_id": [1, 2, 3, 4],  # the chair, two delegates, an observer
    "member_id": [1, 2, 3],  # the chair's delegation, Morocco, Germany
    "draft_id": [1, 2],  # one in drafting mode, one in formal mode
    "clause_id": [1, 2, 3, 4, 5, 6],
    "amendment_id": [1],
    "poll_id": [1],
    "motion_id": [1],
    "version": [1, 2],
    # the meeting: the first draft under debate and a free item, their lists of speakers (and
    # one on a clause), the requests waiting on them
    "item_id": [1, 2],
    "list_id": [1, 2, 4],
    "request_id": [2, 3, 4, 5],
    "agenda_draft_id": [1, 2, 3, 4],  # every draft: the first is on the agenda already
    # what operations that end things act on, so that the others still find things to act on:
    # the draft whose mode changes, the clauses that are deleted (of a third draft), the item
    # taken off the agenda
    "mode_draft_id": [3],
    "deleted_clause_id": [8, 9],
    "removed_item_id": [3],
}
BINDINGS = {
    **{f"path.{name}": name for name in ("conference_id", "participant_id", "member_id")},
    **{f"path.{name}": name for name in ("draft_id", "clause_id", "amendment_id")},
    **{f"path.{name}": name for name in ("poll_id", "motion_id")},
    **{f"path.{name}": name for name in ("item_id", "list_id", "request_id")},
    **{f"body.{name}": "clause_id" for name in ("clause_id", "parent_id", "after_id")},
    **{f"{where}.item_id": "item_id" for where in ("query", "body")},
    "body.draft_id": "draft_id",
    "body.member_id": "member_id",
    "body.request_id": "request_id",
    "body.subject_id": "subject_id",
    "body.target_amendment_id": "amendment_id",
    "body.order[*]": "amendment_id",
    "body.sponsors[*]": "participant_id",
    **{name: "version" for name in ("body.version", "body.base_version", "query.from", "query.to")},
}
DICTIONARIES = {
    **{name: {"values": ids} for name, ids in SEEDED.items()},
    # a poll's or motion's subject: 1 is the amendment, the motion and a draft; 6 the clause
    "subject_id": {"values": [1, 2, 6]},
    "text_export": {"values": list(export.FORMATS)},
    "text_record": {"values": ["md", "html", "json"]},
}
# operation -> the parameter bound to a dictionary of its own, always
OWN = {
    "setMode": ("path.draft_id", "mode_draft_id"),
    "deleteClause": ("path.clause_id", "deleted_clause_id"),
    "removeAgendaItem": ("path.item_id", "removed_item_id"),
    # a document (html, pdf, docx, odt, akn) is made in a child process in 1 to 5 s on this
    # machine: here the text formats only; tests/test_publish_*.py make and read the others
    "exportDraft": ("query.format", "text_export"),
    "getRecord": ("query.format", "text_record"),
}
# operation -> ids in its body that name something else than BINDINGS says: a place on the
# agenda is after an item, in a list after a request; any draft may be put on the agenda
NAMED = {
    "addAgendaItem": {"body.after_id": "item_id", "body.draft_id": "agenda_draft_id"},
    "moveAgendaItem": {"body.after_id": "item_id"},
    "moveRequest": {"body.after_id": "request_id"},
}
# per operation and person; DRAFTING_API_EXAMPLES=200 for a longer hunt on a quiet machine
EXAMPLES = int(os.environ.get("DRAFTING_API_EXAMPLES", "6"))
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "max-examples": EXAMPLES,
            "mode": "all",  # what the description allows, and what it does not
            "deterministic": True,
            "database": "none",
            "no-shrink": True,
            # the test signs in itself (below); a generated token would only be refused
            "with-security-parameters": False,
            # unknown query parameters are ignored, as HTTP servers do, not refused
            "allow-extra-parameters": False,
        },
        # the coverage phase builds its cases when the tests are collected, before the server
        # is up and anyone signed in; the examples and fuzzing phases build them as they run
        "phases": {"coverage": {"enabled": False}},
        "dictionaries": DICTIONARIES,
        "parameters": {
            field: {"dictionary": name, "probability": 0.9} for field, name in BINDINGS.items()
        },
        "operations": [
            {
                "include-operation-id": operation,
                "parameters": {field: {"dictionary": name, "probability": 1.0}},
            }
            for operation, (field, name) in OWN.items()
        ]
        + [
            {
                "include-operation-id": operation,
                "parameters": {
                    field: {"dictionary": name, "probability": 0.9}
                    for field, name in fields.items()
                },
            }
            for operation, fields in NAMED.items()
        ]
        + [
            # a draft is read in a child process too (1 to 4 s): fewer of them
            {"include-operation-id": "createDraft", "generation": {"max-examples": 3}}
        ],
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "status_code_conformance": {"enabled": True},
            "content_type_conformance": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
            # a text over its limit is refused as `too_large` (413), as docs/protocol.md says
            "negative_data_rejection": {
                "enabled": True,
                "expected-statuses": [400, 401, 403, 404, 405, 409, 413],
            },
            "ignored_auth": {"enabled": True},
        },
    }
)
SCHEMA = schemathesis.openapi.from_path(DESCRIPTION, config=CONFIG)


class Seeded:
    """The live server and its seeded conference; who is signed in, with which link."""

    url = ""
    tokens: dict[int, str] = {}  # participant id -> current invite token
    cookies: dict[str, str] = {}  # invite token -> session cookie
    chair = delegate = 0
    answers: set[tuple[str, str, int]] = set()  # (person, operation, status) seen

    @classmethod
    def cookie(cls, participant_id: int) -> str:
        """The session cookie of the participant's invite link, as a browser gets it."""
        token = cls.tokens[participant_id]
        if token not in cls.cookies:
            r = requests.get(f"{cls.url}/join/{token}", allow_redirects=False, timeout=30)
            assert r.status_code == 302, (r.status_code, r.text[:300])
            cls.cookies[token] = r.cookies["session"]
        return cls.cookies[token]

    @classmethod
    def reissued(cls, case: schemathesis.Case, response: Any) -> None:
        """The chair gave someone a new link (perhaps themselves, perhaps our delegate): the
        old one signs in no more, so sign in with the new one, as that person would."""
        if (
            case.operation.definition.raw["operationId"] == "newLink"
            and response.status_code == 200
        ):
            answer = response.json()
            if answer["id"] in cls.tokens:
                cls.tokens[answer["id"]] = answer["token"]


class SignedIn:
    """Schemathesis auth: the session cookie from the invite link, and the header the
    browser's own page sends with writes (`X-Drafting: 1`)."""

    participant = "chair"

    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        return Seeded.cookie(getattr(Seeded, self.participant))

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.cookies = {**(case.cookies or {}), "session": data}
        case.headers = {**(case.headers or {}), "X-Drafting": "1"}


class ChairSignedIn(SignedIn):
    participant = "chair"


class DelegateSignedIn(SignedIn):
    participant = "delegate"


def refusals_have_the_error_shape(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    """Every 4xx and 5xx under /api is `{"error": {"code", "message"}}`, a documented code and
    a message for the person, whatever raised it (an action, werkzeug, the handler of last
    resort)."""
    if response.status_code < 400:
        return None
    kind = response.headers.get("content-type", [""])[0]
    assert kind.startswith("application/json"), (response.status_code, kind)
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message"}, error
    assert error["code"] in ERROR_CODES, error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    return None


def seed(db: Path) -> dict[str, Any]:
    """A conference as SEEDED says: a draft being written, a draft in formal mode with an
    amendment under a vote and a motion, and two drafts for the operations that end things; an
    agenda with the first draft under debate, a speech made on it and requests waiting; the
    invite tokens of the chair and of Amina, a delegate."""
    a = Actions(Store(db))
    conf, chair, chair_token = a.create_conference("Standing Assembly", "Chair", "UN")
    a.update_conference(None, conf.id, quorum=0)  # votes open with nobody connected
    amina, amina_token = a.add_participant(None, conf.id, "Amina", "Morocco")
    jonas, _ = a.add_participant(None, conf.id, "Jonas", "Germany")
    press, _ = a.add_participant(None, conf.id, "Press", "", "observer")
    writing = a.create_draft(
        None,
        conf.id,
        "Water for all",
        [
            ("preambular", 0, "Recalling its earlier resolutions,"),
            ("operative", 0, "Decides to act;"),
            ("item", 1, "with the regions", "–"),
            ("operative", 0, "Requests a report."),
        ],
    )
    formal = a.create_draft(
        None,
        conf.id,
        "Oceans",
        [("preambular", 0, "Noting the report,"), ("operative", 0, "Calls for action;")],
    )
    a.set_sponsors(chair, formal.id, [amina.id])
    a.set_mode(chair, formal.id, "formal")
    clauses = sorted(c.id for d in (writing, formal) for c in a.store.clauses(d.id))
    calls = clauses[-1]  # "Calls for action;"
    amendment = a.propose(amina, calls, "replace", "Calls for urgent action;", "Urgency")
    motion = a.move(amina, formal.id, "division", "clause", calls)
    poll = a.open_poll(chair, formal.id, "amendment", amendment.id)
    modes = a.create_draft(None, conf.id, "Forests", [("operative", 0, "Decides.")])
    cuts = a.create_draft(
        None, conf.id, "Cuts", [("operative", 0, "Deletes this;"), ("operative", 0, "and this.")]
    )
    # the meeting: the draft under debate, a free item after it, one to take off the agenda
    water = a.add_agenda_item(chair, conf.id, draft_id=writing.id)
    other = a.add_agenda_item(chair, conf.id, title="Any other business")
    gone = a.add_agenda_item(chair, conf.id, title="Adoption of the report")
    a.next_agenda_item(chair, conf.id)
    [debate] = a.store.speakers_lists(water.id)
    [later] = a.store.speakers_lists(other.id)
    decides = a.open_clause_list(chair, water.id, clauses[1])  # "Decides to act;"
    # a speech made: Germany's point of order, ruled on
    a.ask_floor(chair, debate.id, "point_of_order", jonas.member_id)
    a.give_floor(chair, debate.id)
    a.end_speech(chair, debate.id, "The point is well taken.")
    waiting = [
        a.ask_floor(amina, debate.id, "speech"),
        a.ask_floor(jonas, debate.id, "speech"),
        a.ask_floor(amina, decides.id, "speech"),
        a.ask_floor(chair, later.id, "speech", jonas.member_id),
    ]
    made = {
        "conference_id": [conf.id],
        "participant_id": [chair.id, amina.id, jonas.id, press.id],
        "member_id": sorted({p.member_id for p in (chair, amina, jonas) if p.member_id}),
        "draft_id": [writing.id, formal.id],
        "clause_id": clauses,
        "amendment_id": [amendment.id],
        "poll_id": [poll.id],
        "motion_id": [motion.id],
        "mode_draft_id": [modes.id],
        "deleted_clause_id": sorted(c.id for c in a.store.clauses(cuts.id)),
        "item_id": [water.id, other.id],
        "list_id": [debate.id, later.id, decides.id],
        "request_id": [r.id for r in waiting],
        "agenda_draft_id": [writing.id, formal.id, modes.id, cuts.id],
        "removed_item_id": [gone.id],
    }
    assert made == {k: v for k, v in SEEDED.items() if k in made}, f"update SEEDED: {made}"
    tokens = {chair.id: chair_token, amina.id: amina_token}
    return {"tokens": tokens, "chair": chair.id, "delegate": amina.id}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("openapi") / "live.db"
    seeded = seed(db)
    live = LiveServer(db, env={"DRAFTING_OPEN_CONFERENCES": "1"})
    live.start()
    Seeded.url = live.url
    Seeded.tokens = dict(seeded["tokens"])
    Seeded.cookies = {}
    Seeded.chair, Seeded.delegate = seeded["chair"], seeded["delegate"]
    yield live
    live.stop()


# a loaded machine and a live server are slow, and examples are drawn to fit the description
SLOW = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]


def run(case: schemathesis.Case, live: LiveServer, person: str) -> None:
    response = case.call_and_validate(
        base_url=live.url, additional_checks=[refusals_have_the_error_shape], timeout=60
    )
    Seeded.reissued(case, response)
    Seeded.answers.add((person, case.operation.label, response.status_code))


# The delegate goes first: the chair's operations end things (votes, drafts, links).


@SCHEMA.auth(DelegateSignedIn, refresh_interval=None)
@SCHEMA.parametrize()
@settings(deadline=None, suppress_health_check=SLOW)
def test_the_api_as_a_delegate_is_as_described(case: schemathesis.Case, server: LiveServer):
    run(case, server, "delegate")


@SCHEMA.auth(ChairSignedIn, refresh_interval=None)
@SCHEMA.parametrize()
@settings(deadline=None, suppress_health_check=SLOW)
def test_the_api_as_the_chair_is_as_described(case: schemathesis.Case, server: LiveServer) -> None:
    run(case, server, "chair")


def test_the_runs_above_reached_past_the_refusals():
    """Refusals pass every check above, so a run where nobody was signed in, or no id matched
    anything, would pass and show nothing: every read answered 200 to both people, and most
    writes succeeded for one of them, the meeting's too (the seeded agenda is there for it)."""
    if not Seeded.answers:
        pytest.skip("runs with the two tests above")
    operations = {f"{m.upper()} {p}" for m, p in described()}
    succeeded = {(who, op) for who, op, status in Seeded.answers if 200 <= status < 300}
    reads = {op for op in operations if op.startswith("GET ")}
    for who in ("chair", "delegate"):
        missed = {op for op in reads if (who, op) not in succeeded}
        assert not missed, f"reads that never answered {who} with 200: {sorted(missed)}"
    writes = operations - reads
    done = {op for _, op in succeeded} & writes
    assert len(done) >= 0.6 * len(writes), f"writes that never succeeded: {sorted(writes - done)}"
    meeting = {
        f"{method.upper()} {path}"
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in METHODS and "meeting" in operation["tags"]
    } & writes
    assert len(done & meeting) >= 0.6 * len(meeting), f"never: {sorted(meeting - done)}"
