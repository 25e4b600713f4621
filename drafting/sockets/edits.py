"""Live typing: `edit`, a delta against a version, acknowledged as a delta; and
`clause:restore`, an earlier version's text brought back as a new version."""

from __future__ import annotations

from typing import Any

from .. import requests, textsync
from .door import Handler, actions
from .presence import Connection


def edit(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    req = requests.Edit.parse(data)
    result = actions().apply_edit(
        conn.participant, req.clause_id, req.base_version, req.delta, req.edit_id, req.restores
    )
    c = result.clause
    # the stored text as a change of the sender's own: "=N" when applied as sent, so a
    # keystroke in a long clause is not answered with the whole clause; the others' edits
    # transformed over this one when they got in first (diffed only for an old database)
    since = result.since_mine
    if since is None and result.mine is not None:
        since = textsync.make_delta(result.mine, c.text)
    if since is None:  # a resend whose base is gone: the whole text
        return {"clause_id": c.id, "version": c.version, "text": c.text}
    return {"clause_id": c.id, "version": c.version, "delta": since}


def restore(conn: Connection, data: dict[str, Any]) -> dict[str, Any]:
    c = requests.Restore.parse(data).run(actions(), conn.participant)
    return {"clause": {"id": c.id, "version": c.version, "text": c.text}}


HANDLERS: dict[str, Handler] = {"edit": edit, "clause:restore": restore}
