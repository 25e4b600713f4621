"""What happened, as small records: they are the journal and what is broadcast.

Every action appends its events to the journal in the same transaction as its state change;
history, minutes and audit are read back from the journal. `data` holds what changed, with
`before` and `after` where there is a before; a clause's text changes as a delta (the whole
text of every version is in `clause_versions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The kinds of event, with what `data` carries.
EVENT_TYPES: dict[str, str] = {
    "conference.created": "name, majority, quorum",
    "conference.updated": "before, after (majority, quorum, name)",
    "participant.added": "name, delegation, role",
    "participant.link_issued": "(no secret: only that a new link replaced the old one)",
    "participant.present": "present (bool)",
    "draft.created": "title, source (import file name or null), clauses (count)",
    "draft.mode": "before, after (status)",
    "draft.sponsors": "before, after (participant ids)",
    "clause.added": "kind, text, parent_id, after_id, version",
    "clause.edited": "version, base_version, delta (turns version - 1 into version), reason",
    "clause.moved": "before, after ({parent_id, position})",
    "clause.deleted": "text, ids (the clause and its sub-clauses)",
    "amendment.proposed": "number, kind, clause_id, base_version, new_text, reason",
    "amendment.accepted": "number, sponsor (who accepted), friendly (all sponsors have)",
    "amendment.refused": "number, sponsor",
    "amendment.withdrawn": "number",
    "amendment.rebased": "number, before, after (new_text), base_version, conflicted",
    "amendment.status": "number, before, after (status), reason",
    "poll.opened": "subject_type, subject_id, rule, kind",
    "poll.ballot": "choice (recorded and counted polls) or nothing (secret)",
    "poll.closed": "outcome, yes, no, abstain, rule, required, entitled, explanation",
}


@dataclass
class Event:
    type: str
    conference_id: int
    draft_id: int | None = None
    clause_id: int | None = None
    actor_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    seq: int | None = None  # set by the store when the event is appended
    at: str | None = None

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "at": self.at,
            "conference_id": self.conference_id,
            "draft_id": self.draft_id,
            "clause_id": self.clause_id,
            "actor_id": self.actor_id,
            "data": self.data,
        }
