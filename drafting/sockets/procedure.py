"""Amendments, polls and the record, from the floor and the chair."""

from __future__ import annotations

from typing import Any

from .. import requests, views
from .door import Handler, actions
from .presence import Connection


def amendment_propose(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    a = requests.Propose.parse(data).run(actions(), conn.participant)
    return {"amendment": actions().amendment_view(a)}


def amendment_accept(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    a = actions().accept(conn.participant, data.get("amendment_id"))
    return {"amendment": actions().amendment_view(a)}


def amendment_refuse(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    a = actions().refuse(conn.participant, data.get("amendment_id"))
    return {"amendment": actions().amendment_view(a)}


def amendment_withdraw(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    a = actions().withdraw(conn.participant, data.get("amendment_id"))
    return {"amendment": actions().amendment_view(a)}


def amendments_list(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return actions().amendments_view(conn.participant, data.get("draft_id"))


def poll_open(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    poll = requests.OpenPoll.parse(data).run(actions(), conn.participant)
    return {"poll": actions().poll_view(poll)}


def poll_vote(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return requests.Vote.parse(data).run(actions(), conn.participant)


def poll_close(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    poll = actions().close_poll(conn.participant, data.get("poll_id"))
    return {"poll": actions().poll_view(poll)}


def poll_suspend(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    poll = actions().suspend_poll(conn.participant, data.get("poll_id"))
    return {"poll": actions().poll_view(poll)}


def poll_object(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return actions().object_to_consensus(conn.participant, data.get("poll_id"))


def poll_withdraw_objection(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return actions().withdraw_objection(conn.participant, data.get("poll_id"))


def motion_raise(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    m = requests.Move.parse(data).run(actions(), conn.participant)
    return {"motion": views.motion_view(actions().store, m)}


def motion_withdraw(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    m = actions().withdraw_motion(conn.participant, data.get("motion_id"))
    return {"motion": views.motion_view(actions().store, m)}


def motion_rule(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    m = requests.RuleOnMotion.parse(data).run(actions(), conn.participant)
    return {"motion": views.motion_view(actions().store, m)}


def order_rule(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    req = requests.RuleOrder.parse(data)
    order = req.run(actions(), conn.participant)
    return {"order": order, **actions().amendments_view(conn.participant, req.draft_id)}


def record_get(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    return {"record": requests.GetRecord.parse(data).run(actions(), conn.participant)}


HANDLERS: dict[str, Handler] = {
    "amendment:propose": amendment_propose,
    "amendment:accept": amendment_accept,
    "amendment:refuse": amendment_refuse,
    "amendment:withdraw": amendment_withdraw,
    "amendments:list": amendments_list,
    "poll:open": poll_open,
    "poll:vote": poll_vote,
    "poll:close": poll_close,
    "poll:suspend": poll_suspend,
    "poll:object": poll_object,
    "poll:withdraw_objection": poll_withdraw_objection,
    "record:get": record_get,
    "motion:raise": motion_raise,
    "motion:withdraw": motion_withdraw,
    "motion:rule": motion_rule,
    "order:rule": order_rule,
}
