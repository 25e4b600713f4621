"""The one action layer: HTTP routes, Socket.IO handlers and the CLI all call these.

One module per concern, each a set of functions over one `Context` (store, fan-out, locks):

- `access`: tokens, membership and roles, looking things up on someone's behalf;
- `conferences`: conferences, participants, invite links, presence;
- `drafts`: drafts, modes, sponsors, the clause tree (add, move, delete);
- `edits`: a clause's text: live edits (deltas against a version), whole-text edits, restores;
- `amendments`: propose, accept, refuse, withdraw, adopt, lapse;
- `polls`: open, ballots, close and the decision;
- `motions`: a member's requests on how a question is voted, the chair's rulings on order;
- `floor`: the agenda and the lists of speakers: asking for the floor, giving it, timing it;
- `record`: the record of proceedings and each clause's history.

An action checks who asks and what is asked, then in `with ctx.transaction() as tx:` loads,
applies the pure rules (`domain`, `procedure`, `textsync`), saves and `tx.emit`s its events;
they are journaled in the transaction and broadcast after COMMIT.

`Actions` is the context with every action bound to it, so a door writes
`actions.propose(actor, ...)`; the table below is the whole list.
"""

from __future__ import annotations

from typing import Any

from .. import views
from ..domain import MAX_REBASE_VERSIONS, Amendment, Draft, Poll
from . import access, amendments, conferences, edits, polls, publishing
from . import drafts as draft_actions
from . import floor as floor_actions
from . import motions as motion_actions
from . import record as record_actions
from .access import Actor, hash_token
from .context import Context, Notify, Transaction
from .edits import Behind, EditResult


class Actions(Context):
    """Every action, bound to one context."""

    # access
    authenticate = access.authenticate
    draft = access.draft_for
    clause_for = access.clause_for
    # conferences and participants
    create_conference = conferences.create_conference
    conference = conferences.conference
    update_conference = conferences.update_conference
    add_participant = conferences.add_participant
    import_participants = conferences.import_participants
    issue_link = conferences.issue_link
    participants = conferences.participants
    members = conferences.members
    set_member_weight = conferences.set_member_weight
    set_present = conferences.set_present
    settle_presence = conferences.settle_presence
    # drafts and their structure
    create_draft = draft_actions.create_draft
    import_document = draft_actions.import_document
    drafts = draft_actions.drafts
    draft_view = draft_actions.draft_view
    draft_json = draft_actions.draft_json
    outline = draft_actions.outline
    set_mode = draft_actions.set_mode
    set_sponsors = draft_actions.set_sponsors
    set_details = draft_actions.set_details
    set_clause_kind = draft_actions.set_clause_kind
    add_clause = draft_actions.add_clause
    move_clause = draft_actions.move_clause
    delete_clause = draft_actions.delete_clause
    # a clause's text
    apply_edit = edits.apply_edit
    replace_text = edits.replace_text
    restore = edits.restore
    # amendments
    propose = amendments.propose
    accept = amendments.accept
    refuse = amendments.refuse
    withdraw = amendments.withdraw
    amendments_view = amendments.amendments_view
    # polls
    open_poll = polls.open_poll
    vote = polls.vote
    close_poll = polls.close_poll
    suspend_poll = polls.suspend_poll
    object_to_consensus = polls.object_to_consensus
    withdraw_objection = polls.withdraw_objection
    # motions from the floor, and the chair's rulings on the order of voting
    move = motion_actions.move
    withdraw_motion = motion_actions.withdraw_motion
    rule_on_motion = motion_actions.rule_on_motion
    motions = motion_actions.motions
    rule_order = motion_actions.rule_order
    poll = polls.poll
    # the agenda and the lists of speakers
    floor_state = floor_actions.floor_state
    speeches = floor_actions.speeches
    add_agenda_item = floor_actions.add_agenda_item
    move_agenda_item = floor_actions.move_agenda_item
    remove_agenda_item = floor_actions.remove_agenda_item
    next_agenda_item = floor_actions.next_agenda_item
    open_clause_list = floor_actions.open_clause_list
    ask_floor = floor_actions.ask_floor
    withdraw_request = floor_actions.withdraw_request
    move_request = floor_actions.move_request
    give_floor = floor_actions.give_floor
    end_speech = floor_actions.end_speech
    close_list = floor_actions.close_list
    reopen_list = floor_actions.reopen_list
    set_list = floor_actions.set_list
    # the record
    record = record_actions.record
    record_markdown = record_actions.record_markdown
    record_html = record_actions.record_html
    history = record_actions.history
    publication = publishing.publication
    published_document = publishing.published_document
    diff = record_actions.diff

    # views of things the caller already holds (no rights to check)
    def amendment_view(self, a: Amendment, clause_text: str | None = None) -> dict[str, Any]:
        return views.amendment_view(self.store, a, clause_text)

    def poll_view(self, p: Poll) -> dict[str, Any]:
        return views.poll_view(self.store, p)

    def queue(self, d: Draft) -> list[dict[str, Any]]:
        return views.queue_view(self.store, d)

    def speakers_list_view(self, list_id: int) -> dict[str, Any]:
        """A list of speakers as it now stands, every request on it."""
        return views.speakers_list_view(self.store, self.store.speakers_list(list_id))


__all__ = [
    "Actions",
    "Actor",
    "Behind",
    "Context",
    "EditResult",
    "MAX_REBASE_VERSIONS",
    "Notify",
    "Transaction",
    "hash_token",
]
