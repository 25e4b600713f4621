"""Being in a draft and changing its structure: join, leave, focus, clauses, mode, history."""

from __future__ import annotations

from typing import Any

from flask_socketio import join_room, leave_room

from .. import requests
from ..errors import Invalid
from ..events import conference_room, draft_room
from ..views import draft_summary, participant_view
from .door import Handler, RawJson, actions, presence
from .presence import Connection


def join(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    draft_id, view = actions().draft_json(conn.participant, data.get("draft_id"))
    join_room(draft_room(draft_id))
    presence().enter(conn, draft_id)
    return {
        "draft": RawJson(view),  # encoded once for every join (`Actions.draft_json`)
        "me": participant_view(conn.participant),
        "presence": presence().people(draft_id),
    }


def conference_follow(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    """The conference page: hear of arrivals, new drafts and mode changes as they happen."""
    conf = actions().conference(conn.participant, data.get("conference_id"))
    join_room(conference_room(conf.id))
    return {}


def leave(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    draft_id = data.get("draft_id")
    if not isinstance(draft_id, int) or draft_id not in conn.drafts:
        raise Invalid("You are not in that draft.")
    leave_room(draft_room(draft_id))
    presence().leave(conn, draft_id)
    return {}


def focus(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    draft_id, clause_id = data.get("draft_id"), data.get("clause_id")
    if not isinstance(draft_id, int) or draft_id not in conn.drafts:
        raise Invalid("Join the draft before focusing a clause in it.")
    if clause_id is not None:
        c, _ = actions().clause_for(conn.participant, clause_id)
        if c.draft_id != draft_id:
            raise Invalid("That clause is in another draft.")
        clause_id = c.id
    presence().focus(conn, draft_id, clause_id)
    return {}


def draft_get(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return {"draft": RawJson(actions().draft_json(conn.participant, data.get("draft_id"))[1])}


def clause_get(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    c, _ = actions().clause_for(conn.participant, data.get("clause_id"))
    return {"clause": {"id": c.id, "version": c.version, "text": c.text, "kind": c.kind}}


def _outline(conn: Connection, draft_id: int) -> list[dict[str, Any]]:
    """The numbered clause tree, so the author can act on it before the broadcast arrives."""
    return actions().outline(conn.participant, draft_id)


def clause_add(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    c = requests.AddClause.parse(data).run(actions(), conn.participant)
    return {"clause_id": c.id, "outline": _outline(conn, c.draft_id)}


def clause_move(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    req = requests.MoveClause.parse(data)
    req.run(actions(), conn.participant)
    c, _ = actions().clause_for(conn.participant, req.clause_id)
    return {"outline": _outline(conn, c.draft_id)}


def clause_kind(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    c = requests.SetClauseKind.parse(data).run(actions(), conn.participant)
    return {"outline": _outline(conn, c.draft_id)}


def details_set(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    d = requests.SetDetails.parse(data).run(actions(), conn.participant)
    return {"draft": draft_summary(d)}


def clause_delete(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    a = actions()
    c, _ = a.clause_for(conn.participant, data.get("clause_id"))
    deleted = a.delete_clause(conn.participant, c.id)
    return {"deleted": deleted, "outline": _outline(conn, c.draft_id)}


def mode_set(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    d = requests.SetMode.parse(data).run(actions(), conn.participant)
    return {"draft": draft_summary(d)}


def history(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return actions().history(conn.participant, data.get("clause_id"))


HANDLERS: dict[str, Handler] = {
    "join": join,
    "conference:follow": conference_follow,
    "leave": leave,
    "focus": focus,
    "draft:get": draft_get,
    "clause:get": clause_get,
    "clause:add": clause_add,
    "clause:move": clause_move,
    "clause:delete": clause_delete,
    "clause:kind": clause_kind,
    "mode:set": mode_set,
    "draft:details": details_set,
    "history": history,
}
