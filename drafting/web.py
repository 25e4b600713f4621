"""HTTP doors: server-rendered pages and the JSON API under /api/.

Each route parses its input, calls one action, and turns the result into JSON or a page.
Authentication: `Authorization: Bearer TOKEN` (scripts, the Python client) or the session
cookie set by an invite link (the browser). Cookie-authenticated writes must be JSON, which a
cross-site form cannot send, and the cookie is SameSite=Lax: that is the CSRF guard.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from . import assets, publish, requests, workers
from . import export as exporting
from .actions import Actions, hash_token
from .domain import MAX_DOCUMENT_BYTES, Participant, whole_number
from .errors import Conflict, DraftingError, Forbidden, Invalid, Unauthorized
from .procedure import PRESETS
from .publish import record as record_documents
from .store import now as store_now
from .views import conference_view, draft_summary, member_view, motion_view, participant_view

pages = Blueprint("pages", __name__)
api = Blueprint("api", __name__, url_prefix="/api")


@api.after_request
def _not_kept(resp: Response) -> Response:
    """What the API answers is a participant's view of a live draft (tokens, ballots, texts
    under negotiation): no cache, shared or private, keeps a copy."""
    resp.headers["Cache-Control"] = "no-store"
    return resp


F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def actions() -> Actions:
    return cast(Actions, current_app.extensions["drafting"]["actions"])


def base_url() -> str:
    return str(current_app.config.get("BASE_URL") or request.host_url.rstrip("/"))


def invite_link(token: str) -> str:
    return f"{base_url()}/join/{token}"


# --- authentication -------------------------------------------------------------------------


def session_participant() -> Participant | None:
    """The participant of the browser session, if its invite link is still the current one."""
    pid, th = session.get("pid"), session.get("th")
    if not isinstance(pid, int) or not isinstance(th, str):
        return None
    store = actions().store
    p = store.participant_by_token_hash(th)
    if p is None or p.id != pid:
        session.clear()
        return None
    return p


def current_participant() -> Participant:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Use the header 'Authorization: Bearer TOKEN'.")
        return actions().authenticate(token.strip())
    p = session_participant()
    if p is None:
        raise Unauthorized("Sign in with your invite link, or send 'Authorization: Bearer TOKEN'.")
    if (
        request.method not in ("GET", "HEAD", "OPTIONS")
        and not request.is_json
        and request.headers.get("X-Drafting") != "1"
    ):
        # A cross-site form can post neither JSON nor a custom header: either proves the
        # request comes from our own page (uploads send the header).
        raise Invalid("Send JSON (Content-Type: application/json).")
    return p


def authed(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.participant = current_participant()
        return view(*args, **kwargs)

    return cast(F, wrapper)


def body() -> dict[str, Any]:
    if not request.data:
        return {}
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise Invalid(
            f"The request is nested too deep (over {requests.MAX_DEPTH} levels)."
        ) from None
    if not isinstance(data, dict):
        raise Invalid("The request body must be a JSON object.")
    requests.check_payload(data)
    return data


def _count_opening(address: str) -> None:
    """This server process's count of openings by address (in memory: a restart forgets)."""
    openings: dict[str, list[float]] = current_app.extensions["drafting"].setdefault("openings", {})
    now = time.monotonic()
    recent = [t for t in openings.get(address, []) if now - t < OPENINGS_WINDOW]
    if len(recent) >= OPENINGS_PER_ADDRESS:
        raise Conflict(
            f"This address opened {OPENINGS_PER_ADDRESS} conferences within the hour: wait a "
            "while, or ask the secretariat to open it."
        )
    openings[address] = [*recent, now]


# werkzeug's refusals (a route that does not match, an upload over MAX_CONTENT_LENGTH...) in
# the words DraftingError uses, so that a 413 says `too_large` whoever raised it
HTTP_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    503: "unavailable",
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DraftingError)
    def drafting_error(e: DraftingError) -> Response:
        resp = jsonify({"error": {"code": e.code, "message": e.message}})
        resp.status_code = e.status
        if request.path.startswith("/api/"):
            return resp
        page = render_template("error.html", message=e.message, status=e.status)
        return make_response(page, e.status)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        status = e.code or 500
        message = {
            413: f"That upload is too large: {MAX_DOCUMENT_BYTES / 1e6:.0f} MB at most.",
            404: "There is nothing at this address.",
            405: "That method is not allowed here.",
        }.get(status, e.description or e.name)
        if request.path.startswith("/api/"):
            code = HTTP_CODES.get(status) or e.name.lower().replace(" ", "_")
            resp = jsonify({"error": {"code": code, "message": message}})
            resp.status_code = status
            return resp
        return make_response(render_template("error.html", message=message, status=status), status)

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Response:
        current_app.logger.exception("unexpected error")
        message = "Something went wrong on the server; nothing was changed. Please try again."
        if request.path.startswith("/api/"):
            resp = jsonify({"error": {"code": "server_error", "message": message}})
            resp.status_code = 500
            return resp
        return make_response(render_template("error.html", message=message, status=500), 500)


# --- pages ----------------------------------------------------------------------------------


@pages.get("/")
def index() -> Any:
    p = session_participant()
    if p is not None:
        return redirect(url_for("pages.conference_page", conference_id=p.conference_id))
    return render_template("index.html", open_conferences=current_app.config["OPEN_CONFERENCES"])


@pages.get("/join/<token>")
def join(token: str) -> Any:
    try:
        p = actions().authenticate(token)
    except Unauthorized as e:
        return make_response(render_template("error.html", message=e.message, status=401), 401)
    session.clear()
    session["pid"] = p.id
    session["th"] = hash_token(token)
    session.permanent = True
    return redirect(url_for("pages.conference_page", conference_id=p.conference_id))


@pages.get("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("pages.index"))


def _page_participant() -> Participant:
    p = session_participant()
    if p is None:
        raise Unauthorized("Open your invite link to sign in.")
    return p


@pages.get("/conference/<int:conference_id>")
def conference_page(conference_id: int) -> Any:
    p = _page_participant()
    a = actions()
    conf = a.conference(p, conference_id)
    return render_template(
        "conference.html",
        me=p,
        conference=conf,
        drafts=a.drafts(p, conference_id),
        participants=a.participants(p, conference_id),
        presets=PRESETS,
    )


@pages.get("/conference/<int:conference_id>/projector")
def projector_page(conference_id: int) -> Any:
    """The big screen of the hall: it follows the session by itself (static/js/projector.js)."""
    p = _page_participant()
    conf = actions().conference(p, conference_id)
    return render_template("projector.html", me=p, conference=conf)


@pages.get("/draft/<int:draft_id>")
def draft_page(draft_id: int) -> Any:
    p = _page_participant()
    a = actions()
    view = a.draft_view(p, draft_id)
    conf = a.conference(p, view["conference_id"])
    return render_template(
        "draft.html",
        me=p,
        conference=conf,
        draft=view,
        formats=publish.ALL_FORMATS,
    )


@pages.get("/draft/<int:draft_id>/export.<fmt>")
def draft_export_page(draft_id: int, fmt: str) -> Any:
    p = _page_participant()
    return _export(p, draft_id, fmt)


def _export(p: Participant, draft_id: int, fmt: str) -> Response:
    a = actions()
    if publish.check_format(fmt) in publish.FORMATS:
        doc = a.published_document(p, draft_id)
        if a.isolated:
            data: str | bytes = workers.render(doc, fmt)
        else:
            data = off_loop(lambda: publish.render(doc, fmt))
        kind = publish.content_type(fmt)
        name = publish.file_name({"title": doc.title, "id": doc.draft_id}, fmt)
    else:
        view = a.draft_view(p, draft_id)
        data = exporting.export(view, fmt)
        kind = exporting.content_type(fmt)
        name = exporting.file_name(view, fmt)
    resp = make_response(data)
    resp.headers["Content-Type"] = kind
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


def off_loop(fn: Callable[[], T]) -> T:
    """Run a long computation (typesetting a PDF takes seconds) in a real OS thread when the
    server runs under gevent, so the event loop keeps every live connection of this process
    served meanwhile; elsewhere (threads, tests) right here."""
    if _gevent_patched():
        import gevent

        return cast(T, gevent.get_hub().threadpool.apply(fn))
    return fn()


def _gevent_patched() -> bool:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return bool(monkey.is_module_patched("threading"))


# --- the JSON API ---------------------------------------------------------------------------

OPENAPI = Path(__file__).with_name("openapi.json")


@api.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 description of every route under /api (drafting/openapi.json), for
    client generators and the schemathesis suite (tests/test_openapi.py); needs no token."""
    return current_app.response_class(OPENAPI.read_bytes(), mimetype="application/json")


@api.get("/me")
@authed
def me() -> Any:
    return jsonify(participant_view(g.participant))


OPENINGS_PER_ADDRESS = 5  # conferences one address may open ...
OPENINGS_WINDOW = 3600.0  # ... in this many seconds, when anyone may open one


@api.post("/conferences")
def create_conference() -> Any:
    """Open a conference, whose chair then invites the others: only where the operator lets
    anyone (`DRAFTING_OPEN_CONFERENCES=1`), and then a few an hour per address. Opening one
    makes its caller a chair, who may upload documents: not something to give every passer-by."""
    if not current_app.config.get("OPEN_CONFERENCES"):
        raise Forbidden(
            "Conferences on this server are opened by its secretariat (drafting conference "
            "create NAME --chair NAME). Ask them for your invite link."
        )
    _count_opening(request.remote_addr or "")
    data = body()
    conf, chair, token = actions().create_conference(
        data.get("name", ""),
        data.get("chair", ""),
        data.get("delegation", ""),
        data.get("majority"),
        data.get("quorum"),
        data.get("rules"),
    )
    return (
        jsonify(
            {
                "conference": conference_view(conf),
                "chair": participant_view(chair),
                "token": token,
                "link": invite_link(token),
            }
        ),
        201,
    )


@api.get("/conferences/<int:conference_id>")
@authed
def get_conference(conference_id: int) -> Any:
    a = actions()
    conf = a.conference(g.participant, conference_id)
    return jsonify(
        {
            **conference_view(conf),
            "drafts": [draft_summary(d) for d in a.drafts(g.participant, conference_id)],
            "participants": [
                participant_view(p) for p in a.participants(g.participant, conference_id)
            ],
        }
    )


@api.patch("/conferences/<int:conference_id>")
@authed
def update_conference(conference_id: int) -> Any:
    req = requests.UpdateConference.parse(body(), conference_id=conference_id)
    return jsonify(conference_view(req.run(actions(), g.participant)))


@api.get("/conferences/<int:conference_id>/participants")
@authed
def list_participants(conference_id: int) -> Any:
    return jsonify(
        [participant_view(p) for p in actions().participants(g.participant, conference_id)]
    )


@api.post("/conferences/<int:conference_id>/participants")
@authed
def add_participant(conference_id: int) -> Any:
    req = requests.AddParticipant.parse(body(), conference_id=conference_id)
    p, token = req.run(actions(), g.participant)
    return jsonify({**participant_view(p), "token": token, "link": invite_link(token)}), 201


@api.post("/participants/<int:participant_id>/link")
@authed
def new_link(participant_id: int) -> Any:
    p, token = actions().issue_link(g.participant, participant_id)
    return jsonify({**participant_view(p), "token": token, "link": invite_link(token)})


@api.get("/conferences/<int:conference_id>/drafts")
@authed
def list_drafts(conference_id: int) -> Any:
    return jsonify([draft_summary(d) for d in actions().drafts(g.participant, conference_id)])


@api.post("/conferences/<int:conference_id>/drafts")
@authed
def create_draft(conference_id: int) -> Any:
    """A draft from pasted text (JSON {"text", "title"?}) or an uploaded file (multipart)."""
    a = actions()
    if request.files:
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("Upload the document in a form field named 'file'.")
        title = request.form.get("title") or None
        draft = a.import_document(
            g.participant, conference_id, upload.read(), upload.filename or "draft.txt", title
        )
    else:
        data = body()
        text = data.get("text")
        if not isinstance(text, str):
            raise Invalid("Give the draft's text as 'text' (plain text or Markdown).")
        fmt = data.get("format", "md")
        if fmt not in ("md", "txt"):
            raise Invalid("Give the pasted text's 'format' as 'md' (Markdown) or 'txt'.")
        draft = a.import_document(
            g.participant,
            conference_id,
            text.encode("utf-8"),
            f"pasted.{fmt}",
            data.get("title") or None,
        )
    return jsonify(a.draft_view(g.participant, draft.id)), 201


@api.get("/drafts/<int:draft_id>")
@authed
def get_draft(draft_id: int) -> Any:
    # encoded once per state of the draft, as a join's answer is (`Actions.draft_json`)
    _id, text = actions().draft_json(g.participant, draft_id)
    return Response(text, mimetype="application/json")


@api.get("/drafts/<int:draft_id>/export")
@authed
def export_draft(draft_id: int) -> Any:
    return _export(g.participant, draft_id, request.args.get("format", "md"))


@api.post("/drafts/<int:draft_id>/mode")
@authed
def set_mode(draft_id: int) -> Any:
    d = requests.SetMode.parse(body(), draft_id=draft_id).run(actions(), g.participant)
    return jsonify(draft_summary(d))


@api.put("/drafts/<int:draft_id>/sponsors")
@authed
def set_sponsors(draft_id: int) -> Any:
    sponsors = body().get("sponsors")
    if not isinstance(sponsors, list):
        raise Invalid("Give 'sponsors' as a list of participant ids.")
    return jsonify(draft_summary(actions().set_sponsors(g.participant, draft_id, sponsors)))


@api.patch("/drafts/<int:draft_id>/details")
@authed
def set_details(draft_id: int) -> Any:
    d = requests.SetDetails(draft_id=draft_id, details=body()).run(actions(), g.participant)
    return jsonify(draft_summary(d))


@api.put("/clauses/<int:clause_id>/kind")
@authed
def set_clause_kind(clause_id: int) -> Any:
    c = requests.SetClauseKind.parse(body(), clause_id=clause_id).run(actions(), g.participant)
    return jsonify(_clause_in_draft(c.draft_id, c.id))


@api.get("/drafts/<int:draft_id>/journal")
@authed
def journal(draft_id: int) -> Any:
    a = actions()
    d = a.draft(g.participant, draft_id)
    since = whole_number(request.args.get("since", "0"), "journal sequence number ('since')")
    events = a.store.journal(draft_id=d.id, since=since)
    return jsonify([e.as_dict() for e in events if e.type != "poll.ballot"])


@api.post("/drafts/<int:draft_id>/clauses")
@authed
def add_clause(draft_id: int) -> Any:
    c = requests.AddClause.parse(body(), draft_id=draft_id).run(actions(), g.participant)
    return jsonify(_clause_in_draft(c.draft_id, c.id)), 201


def _clause_in_draft(draft_id: int, clause_id: int) -> dict[str, Any]:
    stack = actions().outline(g.participant, draft_id)
    while stack:
        c = stack.pop()
        if c["id"] == clause_id:
            return cast(dict[str, Any], c)
        stack.extend(c["children"])
    abort(404)


@api.get("/clauses/<int:clause_id>")
@authed
def get_clause(clause_id: int) -> Any:
    c, _ = actions().clause_for(g.participant, clause_id)
    return jsonify(_clause_in_draft(c.draft_id, c.id))


@api.patch("/clauses/<int:clause_id>")
@authed
def edit_clause(clause_id: int) -> Any:
    data = body()
    if "text" not in data:
        raise Invalid("Give the clause's new 'text'.")
    c = actions().replace_text(g.participant, clause_id, data["text"])
    return jsonify(_clause_in_draft(c.draft_id, c.id))


@api.post("/clauses/<int:clause_id>/move")
@authed
def move_clause(clause_id: int) -> Any:
    a = actions()
    requests.MoveClause.parse(body(), clause_id=clause_id).run(a, g.participant)
    c, _ = a.clause_for(g.participant, clause_id)
    return jsonify(_clause_in_draft(c.draft_id, c.id))


@api.delete("/clauses/<int:clause_id>")
@authed
def delete_clause(clause_id: int) -> Any:
    gone = actions().delete_clause(g.participant, clause_id)
    return jsonify({"deleted": gone})


@api.get("/drafts/<int:draft_id>/amendments")
@authed
def list_amendments(draft_id: int) -> Any:
    return jsonify(actions().amendments_view(g.participant, draft_id))


@api.post("/clauses/<int:clause_id>/amendments")
@authed
def propose_amendment(clause_id: int) -> Any:
    a = requests.Propose.parse(body(), clause_id=clause_id).run(actions(), g.participant)
    return jsonify(actions().amendment_view(a)), 201


@api.post("/amendments/<int:amendment_id>/<any(accept, refuse, withdraw):verb>")
@authed
def amendment_verb(amendment_id: int, verb: str) -> Any:
    a = actions()
    fn = {"accept": a.accept, "refuse": a.refuse, "withdraw": a.withdraw}[verb]
    return jsonify(a.amendment_view(fn(g.participant, amendment_id)))


@api.post("/drafts/<int:draft_id>/polls")
@authed
def open_poll(draft_id: int) -> Any:
    a = actions()
    poll = requests.OpenPoll.parse(body(), draft_id=draft_id).run(a, g.participant)
    return jsonify(a.poll_view(poll)), 201


@api.get("/polls/<int:poll_id>")
@authed
def get_poll(poll_id: int) -> Any:
    return jsonify(actions().poll(g.participant, poll_id))


@api.post("/polls/<int:poll_id>/ballot")
@authed
def cast_ballot(poll_id: int) -> Any:
    req = requests.Vote.parse(body(), poll_id=poll_id)
    return jsonify(req.run(actions(), g.participant))


@api.post("/polls/<int:poll_id>/close")
@authed
def close_poll(poll_id: int) -> Any:
    a = actions()
    return jsonify(a.poll_view(a.close_poll(g.participant, poll_id)))


@api.post("/polls/<int:poll_id>/suspend")
@authed
def suspend_poll(poll_id: int) -> Any:
    a = actions()
    return jsonify(a.poll_view(a.suspend_poll(g.participant, poll_id)))


@api.post("/polls/<int:poll_id>/objection")
@authed
def raise_objection(poll_id: int) -> Any:
    return jsonify(actions().object_to_consensus(g.participant, poll_id))


@api.delete("/polls/<int:poll_id>/objection")
@authed
def withdraw_objection(poll_id: int) -> Any:
    return jsonify(actions().withdraw_objection(g.participant, poll_id))


@api.get("/conferences/<int:conference_id>/members")
@authed
def list_members(conference_id: int) -> Any:
    return jsonify([member_view(m) for m in actions().members(g.participant, conference_id)])


@api.patch("/members/<int:member_id>")
@authed
def update_member(member_id: int) -> Any:
    data = body()
    if "weight" not in data:
        raise Invalid("Give the member's new 'weight' (its number of votes).")
    return jsonify(
        member_view(actions().set_member_weight(g.participant, member_id, data["weight"]))
    )


@api.get("/drafts/<int:draft_id>/motions")
@authed
def list_motions(draft_id: int) -> Any:
    return jsonify(actions().motions(g.participant, draft_id))


@api.post("/drafts/<int:draft_id>/motions")
@authed
def raise_motion(draft_id: int) -> Any:
    a = actions()
    m = requests.Move.parse(body(), draft_id=draft_id).run(a, g.participant)
    return jsonify(motion_view(a.store, m)), 201


@api.post("/motions/<int:motion_id>/withdraw")
@authed
def withdraw_motion(motion_id: int) -> Any:
    a = actions()
    return jsonify(motion_view(a.store, a.withdraw_motion(g.participant, motion_id)))


@api.post("/motions/<int:motion_id>/ruling")
@authed
def rule_on_motion(motion_id: int) -> Any:
    a = actions()
    m = requests.RuleOnMotion.parse(body(), motion_id=motion_id).run(a, g.participant)
    return jsonify(motion_view(a.store, m))


@api.put("/drafts/<int:draft_id>/order")
@authed
def rule_order(draft_id: int) -> Any:
    a = actions()
    requests.RuleOrder.parse(body(), draft_id=draft_id).run(a, g.participant)
    return jsonify(a.amendments_view(g.participant, draft_id))


# --- the agenda and the lists of speakers (`actions/floor.py`) ----------------------------------


def _floor_list(list_id: int) -> dict[str, Any]:
    return {"list": actions().speakers_list_view(list_id), "server_time": store_now()}


@api.get("/conferences/<int:conference_id>/floor")
@authed
def get_floor(conference_id: int) -> Any:
    req = requests.GetFloor.parse(request.args, conference_id=conference_id)
    return jsonify(req.run(actions(), g.participant))


@api.get("/conferences/<int:conference_id>/speeches")
@authed
def get_speeches(conference_id: int) -> Any:
    req = requests.GetSpeeches.parse(request.args, conference_id=conference_id)
    return jsonify({"speeches": req.run(actions(), g.participant)})


@api.post("/conferences/<int:conference_id>/agenda")
@authed
def add_agenda_item(conference_id: int) -> Any:
    a = actions()
    item = requests.AddAgendaItem.parse(body(), conference_id=conference_id).run(a, g.participant)
    return jsonify({"item_id": item.id, **a.floor_state(g.participant, conference_id)}), 201


@api.post("/conferences/<int:conference_id>/agenda/<int:item_id>/move")
@authed
def move_agenda_item(conference_id: int, item_id: int) -> Any:
    a = actions()
    req = requests.MoveAgendaItem.parse(body(), conference_id=conference_id, item_id=item_id)
    req.run(a, g.participant)
    return jsonify(a.floor_state(g.participant, conference_id))


@api.delete("/conferences/<int:conference_id>/agenda/<int:item_id>")
@authed
def remove_agenda_item(conference_id: int, item_id: int) -> Any:
    a = actions()
    requests.RemoveAgendaItem(item_id=item_id, conference_id=conference_id).run(a, g.participant)
    return jsonify(a.floor_state(g.participant, conference_id))


@api.post("/conferences/<int:conference_id>/agenda/next")
@authed
def next_agenda_item(conference_id: int) -> Any:
    a = actions()
    requests.NextAgendaItem.parse(body(), conference_id=conference_id).run(a, g.participant)
    return jsonify(a.floor_state(g.participant, conference_id))


@api.post("/conferences/<int:conference_id>/agenda/<int:item_id>/lists")
@authed
def open_clause_list(conference_id: int, item_id: int) -> Any:
    req = requests.OpenClauseList.parse(body(), conference_id=conference_id, item_id=item_id)
    return jsonify(_floor_list(req.run(actions(), g.participant).id)), 201


@api.post("/conferences/<int:conference_id>/lists/<int:list_id>/requests")
@authed
def ask_floor(conference_id: int, list_id: int) -> Any:
    req = requests.AskFloor.parse(body(), conference_id=conference_id, list_id=list_id)
    r = req.run(actions(), g.participant)
    return jsonify({"request_id": r.id, **_floor_list(r.list_id)}), 201


@api.delete("/conferences/<int:conference_id>/requests/<int:request_id>")
@authed
def withdraw_request(conference_id: int, request_id: int) -> Any:
    req = requests.WithdrawRequest(request_id=request_id, conference_id=conference_id)
    return jsonify(_floor_list(req.run(actions(), g.participant).list_id))


@api.post("/conferences/<int:conference_id>/requests/<int:request_id>/move")
@authed
def move_request(conference_id: int, request_id: int) -> Any:
    req = requests.MoveRequest.parse(body(), conference_id=conference_id, request_id=request_id)
    return jsonify(_floor_list(req.run(actions(), g.participant).list_id))


@api.post("/conferences/<int:conference_id>/lists/<int:list_id>/give")
@authed
def give_floor(conference_id: int, list_id: int) -> Any:
    req = requests.GiveFloor.parse(body(), conference_id=conference_id, list_id=list_id)
    return jsonify(_floor_list(req.run(actions(), g.participant).list_id))


@api.post("/conferences/<int:conference_id>/lists/<int:list_id>/end")
@authed
def end_speech(conference_id: int, list_id: int) -> Any:
    req = requests.EndSpeech.parse(body(), conference_id=conference_id, list_id=list_id)
    return jsonify(_floor_list(req.run(actions(), g.participant).list_id))


@api.post("/conferences/<int:conference_id>/lists/<int:list_id>/<any(close, reopen):verb>")
@authed
def close_or_reopen_list(conference_id: int, list_id: int, verb: str) -> Any:
    kind = requests.CloseList if verb == "close" else requests.ReopenList
    lst = kind(list_id=list_id, conference_id=conference_id).run(actions(), g.participant)
    return jsonify(_floor_list(lst.id))


@api.patch("/conferences/<int:conference_id>/lists/<int:list_id>")
@authed
def set_list(conference_id: int, list_id: int) -> Any:
    req = requests.SetList.parse(body(), conference_id=conference_id, list_id=list_id)
    return jsonify(_floor_list(req.run(actions(), g.participant).id))


@api.get("/drafts/<int:draft_id>/record")
@authed
def get_record(draft_id: int) -> Any:
    if request.args.get("format") in record_documents.FORMATS:
        return _record_document(g.participant, draft_id, str(request.args["format"]))
    req = requests.GetRecord.parse(request.args, draft_id=draft_id)
    record = req.run(actions(), g.participant)
    if req.format == "json":
        return jsonify(record)
    resp = make_response(record)
    resp.headers["Content-Type"] = RECORD_TYPES[str(req.format)]
    return resp


RECORD_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


@pages.get("/draft/<int:draft_id>/record.<any(md, html, pdf, docx):fmt>")
def record_download(draft_id: int, fmt: str) -> Any:
    """The record of proceedings to keep: Markdown, a page to print, or a PDF or Word file."""
    p = _page_participant()
    if fmt in record_documents.FORMATS:
        return _record_document(p, draft_id, fmt)
    a = actions()
    d = a.draft(p, draft_id)
    if fmt == "html":
        body_html = a.record_html(p, draft_id)
        text = render_template("record.html", draft=d, record=body_html)
    else:
        text = a.record_markdown(p, draft_id)
    resp = make_response(text)
    resp.headers["Content-Type"] = RECORD_TYPES[fmt]
    name = _record_file_name(d.title, d.id, fmt)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


def _record_document(p: Participant, draft_id: int, fmt: str) -> Response:
    """The record as a PDF or DOCX file to download (`drafting.publish.record`)."""
    record = actions().record(p, draft_id)
    if actions().isolated:
        data = workers.render_record(record, fmt)
    else:
        data = off_loop(lambda: record_documents.render_record(record, fmt))
    resp = make_response(data)
    resp.headers["Content-Type"] = record_documents.content_type(fmt)
    name = _record_file_name(record["draft"]["title"], draft_id, fmt)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


def _record_file_name(title: str, draft_id: int, fmt: str) -> str:
    """ "water-for-all-record.pdf": the draft's download name, marked as its record."""
    stem = exporting.file_name({"title": title, "id": draft_id}, "md").removesuffix(".md")
    return f"{stem}-record.{fmt}"


@api.get("/clauses/<int:clause_id>/history")
@authed
def clause_history(clause_id: int) -> Any:
    return jsonify(actions().history(g.participant, clause_id))


@api.get("/clauses/<int:clause_id>/diff")
@authed
def clause_diff(clause_id: int) -> Any:
    args = request.args
    return jsonify(actions().diff(g.participant, clause_id, args.get("from"), args.get("to")))


@api.post("/clauses/<int:clause_id>/restore")
@authed
def restore_clause(clause_id: int) -> Any:
    c = requests.Restore.parse(body(), clause_id=clause_id).run(actions(), g.participant)
    return jsonify(_clause_in_draft(c.draft_id, c.id))


# --- static files, and third-party ES modules straight from node_modules ------------------
# (the checkout's, or the copies an installed wheel carries: drafting/assets.py)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@pages.get("/static/<path:filename>")
def static_file(filename: str) -> Any:
    from flask import send_from_directory

    return send_from_directory(assets.STATIC, filename, max_age=0)


@pages.get("/vendor/socket.io.esm.js")
def vendor_socketio() -> Any:
    from flask import send_from_directory

    path = assets.vendor_file("socket.io.esm.js")
    return send_from_directory(path.parent, path.name, mimetype="text/javascript", max_age=3600)


@pages.get("/vendor/diff-match-patch.js")
def vendor_dmp() -> Any:
    """The npm package is CommonJS; wrap it as an ES module on the fly (no copy committed)."""
    path = assets.vendor_file("diff-match-patch.js")
    if not path.exists():
        abort(404)
    source = path.read_text(encoding="utf-8")
    wrapped = "const module = { exports: {} };\n" + source + "\nexport default module.exports;\n"
    resp = make_response(wrapped)
    resp.headers["Content-Type"] = "text/javascript; charset=utf-8"
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@pages.after_app_request
def security_headers(resp: Response) -> Response:
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "no-referrer")
    return resp
