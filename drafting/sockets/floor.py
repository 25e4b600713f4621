"""The meeting around the text: the agenda and the lists of speakers, from the floor and the
chair. Every change is heard by the conference's room (`conference:follow`) as
`agenda:changed` or `floor:changed`; the answers give the sender the state at once."""

from __future__ import annotations

from typing import Any

from .. import requests
from ..store import now
from .door import Handler, actions
from .presence import Connection


def _list(list_id: int) -> dict[str, Any]:
    """A list of speakers as it now stands, and the server's clock (screens count from it)."""
    return {"list": actions().speakers_list_view(list_id), "server_time": now()}


def floor_get(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return requests.GetFloor.parse(data).run(actions(), conn.participant)


def floor_speeches(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return {"speeches": requests.GetSpeeches.parse(data).run(actions(), conn.participant)}


def _agenda(conn: Connection, conference_id: int) -> dict[str, Any]:
    return actions().floor_state(conn.participant, conference_id)


def agenda_add(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    item = requests.AddAgendaItem.parse(data).run(actions(), conn.participant)
    return {"item_id": item.id, **_agenda(conn, item.conference_id)}


def agenda_move(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    item = requests.MoveAgendaItem.parse(data).run(actions(), conn.participant)
    return _agenda(conn, item.conference_id)


def agenda_remove(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    item = requests.RemoveAgendaItem.parse(data).run(actions(), conn.participant)
    return _agenda(conn, item.conference_id)


def agenda_next(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    req = requests.NextAgendaItem.parse(data)
    req.run(actions(), conn.participant)
    return _agenda(conn, conn.participant.conference_id)


def floor_open(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    lst = requests.OpenClauseList.parse(data).run(actions(), conn.participant)
    return _list(lst.id)


def floor_ask(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    r = requests.AskFloor.parse(data).run(actions(), conn.participant)
    return {"request_id": r.id, **_list(r.list_id)}


def floor_withdraw(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    r = requests.WithdrawRequest.parse(data).run(actions(), conn.participant)
    return _list(r.list_id)


def floor_move(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    r = requests.MoveRequest.parse(data).run(actions(), conn.participant)
    return _list(r.list_id)


def floor_give(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    r = requests.GiveFloor.parse(data).run(actions(), conn.participant)
    return _list(r.list_id)


def floor_end(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    r = requests.EndSpeech.parse(data).run(actions(), conn.participant)
    return _list(r.list_id)


def floor_close(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return _list(requests.CloseList.parse(data).run(actions(), conn.participant).id)


def floor_reopen(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return _list(requests.ReopenList.parse(data).run(actions(), conn.participant).id)


def floor_settings(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return _list(requests.SetList.parse(data).run(actions(), conn.participant).id)


HANDLERS: dict[str, Handler] = {
    "floor:get": floor_get,
    "floor:speeches": floor_speeches,
    "agenda:add": agenda_add,
    "agenda:move": agenda_move,
    "agenda:remove": agenda_remove,
    "agenda:next": agenda_next,
    "floor:open": floor_open,
    "floor:ask": floor_ask,
    "floor:withdraw": floor_withdraw,
    "floor:move": floor_move,
    "floor:give": floor_give,
    "floor:end": floor_end,
    "floor:close": floor_close,
    "floor:reopen": floor_reopen,
    "floor:settings": floor_settings,
}
