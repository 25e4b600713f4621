"""The record of proceedings in words: each formal step of the journal as a sentence.

Pure: it reads events and names things through the `Names` it is given, so the wording can be
tested alone and every format (Markdown, HTML, a PDF later) says the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .events import Event

KIND_OF_VOTE = {"recorded": "recorded vote", "counted": "vote", "secret": "secret ballot"}
RULE = {
    "simple": "majority of those present and voting",
    "two_thirds": "two-thirds majority of those present and voting",
    "absolute": "absolute majority of the members",
    "consensus": "consensus",
}
MOTION = {
    "recorded_vote": "a recorded vote",
    "division": "a separate vote (division)",
    "secret_ballot": "a secret ballot",
}
AMENDMENT_STATUS = {
    "friendly": "was accepted as friendly by every sponsor and is part of the text",
    "lapsed": "lapsed",
    "conflicted": "no longer fits the clause as it stands (conflicted)",
    "pending": "is pending again",
}


@dataclass(frozen=True)
class Names:
    clause: Callable[[int | None], str]
    subject: Callable[[str, int], str]
    poll: Callable[[int], int]  # poll id -> its number in the draft
    member: Callable[[int], str]


def proceedings(
    events: Iterable[Event], who: Callable[[int | None], str], names: Names
) -> list[dict[str, Any]]:
    """The formal steps, in order, each `{at, type, text}`; typing and ballots are left out
    (the clause histories keep the typing; ballots appear in the results as the poll allows)."""
    out = []
    for e in events:
        text = _sentence(e, who(e.actor_id), names)
        if text:
            out.append({"at": e.at or "", "type": e.type, "text": text})
    return out


def _sentence(e: Event, by: str, n: Names) -> str | None:
    d = e.data
    if e.type == "draft.created":
        source = f" from {d['source']}" if d.get("source") else ""
        count = f"{d['clauses']} paragraph{'' if d['clauses'] == 1 else 's'}"
        return f"The draft “{d['title']}” was tabled{source} ({count})."
    if e.type == "draft.mode":
        why = f" ({d['reason']})" if d.get("reason") else f", by {by}"
        return f"The draft went from {d['before']} to {d['after']}{why}."
    if e.type == "draft.sponsors":
        return f"The sponsors were set by {by}."
    if e.type.startswith("amendment."):
        return _amendment(e, by, n)
    if e.type == "order.ruled":
        ruled = ", ".join(f"#{x}" for x in d["ruled"])
        suggested = ", ".join(f"#{x}" for x in d["suggested"])
        return (
            f"The chair ruled on the order of voting on the amendments to "
            f"{n.clause(e.clause_id)}: {ruled} (the tool suggested {suggested})."
        )
    if e.type == "motion.changed":
        return _motion(e, by, n)
    if e.type.startswith("poll."):
        return _poll(e, n)
    if e.type.startswith("agenda."):
        return _agenda(e, by)
    if e.type.startswith("floor."):
        return _floor(e, n)
    return None


def duration(seconds: float) -> str:
    """How long, as a record says it: "45 s", "2 min 05 s", "1 h 02 min"."""
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s:02d} s" if s else f"{m} min"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


def _agenda(e: Event, by: str) -> str | None:
    d = e.data
    item = f"item {d['number']}, “{d['title']}”"
    if e.type == "agenda.added":
        return f"{item.capitalize()}, was placed on the agenda by {by}."
    if e.type == "agenda.moved":
        return f"“{d['title']}” became item {d['after']} of the agenda (it was item {d['before']})."
    if e.type == "agenda.removed":
        return f"{item.capitalize()}, was removed from the agenda by {by}."
    if e.type == "agenda.taken_up":
        return f"The meeting took up {item}."
    if e.type == "agenda.concluded":
        return f"The meeting concluded its consideration of {item}."
    return None


SPOKE = {
    "speech": "spoke",
    "for": "spoke in favour",
    "against": "spoke against",
    "reply": "spoke in exercise of the right of reply",
}


def _speaker(d: dict[str, Any]) -> str:
    return f"{d['name']} ({d['delegation']})" if d.get("name") else str(d["delegation"])


def _floor(e: Event, n: Names) -> str | None:
    d = e.data
    on = f" on {n.clause(e.clause_id)}" if e.clause_id is not None else ""
    if e.type == "floor.opened":
        return f"The chair opened a list of speakers{on}."
    if e.type == "floor.closed":
        return f"The list of speakers{on} was declared closed ({d['waiting']} still to speak)."
    if e.type == "floor.reopened":
        return f"The list of speakers{on} was reopened."
    if e.type == "floor.settings":
        return f"The chair set {', '.join(_settings(d['after']))}{on}."
    if e.type == "floor.interrupted":
        return f"{_speaker(d)} was interrupted by a point of order."
    if e.type != "floor.ended":
        return None  # requests, moves and the floor given: the speech's own line says it
    took = duration(d["seconds"])
    if d["kind"] == "point_of_order":
        text = f"{_speaker(d)} rose to a point of order{on} ({took})."
        if d.get("ruling"):
            ruling = d["ruling"].rstrip()
            text += f" The chair ruled: {ruling}{'' if ruling[-1] in '.!?' else '.'}"
        return text
    spoke = SPOKE.get(d["kind"], "spoke")
    text = f"{_speaker(d)} {spoke}{on}: {took} (from {d['started_at'][11:19]}"
    if d.get("over_seconds"):
        text += f"; {duration(d['over_seconds'])} over the {duration(d['limit_seconds'])} allowed"
    return text + ")."


def _settings(after: dict[str, Any]) -> list[str]:
    out = []
    if "speaking_seconds" in after:
        limit = after["speaking_seconds"]
        out.append(f"the speaking time to {duration(limit)}" if limit else "no speaking time")
    if "reply_seconds" in after:
        limit = after["reply_seconds"]
        out.append(
            f"the time for replies to {duration(limit)}" if limit else "replies timed as speeches"
        )
    if "for_against" in after:
        out.append(
            "speakers for and against in turn"
            if after["for_against"]
            else "speakers in the order they asked"
        )
    return out


def _amendment(e: Event, by: str, n: Names) -> str | None:
    d = e.data
    name = f"Amendment #{d['number']}"
    if e.type == "amendment.proposed":
        what = {
            "replace": f"to read “{d['new_text']}”",
            "delete": "to delete it",
            "insert_after": f"to insert after it “{d['new_text']}”",
            "amend_amendment": f"to amend amendment #{d.get('target')} to read “{d['new_text']}”",
        }.get(d["kind"], "")
        return f"{name} to {n.clause(e.clause_id)} was tabled by {by}, {what}."
    if e.type == "amendment.withdrawn":
        return f"{name} was withdrawn by {by}."
    if e.type == "amendment.refused":
        return f"{name} was refused as friendly by {by}: it goes to the vote."
    if e.type == "amendment.rebased" and d.get("by"):
        return f"{name} now reads “{d['after']}” ({d['by']} was adopted)."
    if e.type == "amendment.status" and d["after"] in AMENDMENT_STATUS:
        reason = d.get("reason", "")
        if d["after"] == "pending" and d["before"] == "voting":
            return None  # the poll's line says why (suspended, no consensus)
        why = f": {reason}" if reason and d["after"] != "friendly" else ""
        return f"{name} {AMENDMENT_STATUS[d['after']]}{why}."
    return None


def _motion(e: Event, by: str, n: Names) -> str | None:
    d = e.data
    what = MOTION.get(d["kind"], d["kind"])
    subject = n.subject(d["subject_type"], d["subject_id"])
    if d["what"] == "raised":
        return f"{by} asked for {what} on {subject} (motion {d['number']})."
    if d["what"] in ("granted", "refused"):
        return f"Motion {d['number']} was {d['what']}: {d['reason']}."
    if d["what"] == "withdrawn":
        return f"Motion {d['number']} was withdrawn."
    return None


def _poll(e: Event, n: Names) -> str | None:
    d = e.data
    number = n.poll(d["poll_id"])
    if e.type == "poll.opened":
        subject = n.subject(d["subject_type"], d["subject_id"])
        kind = KIND_OF_VOTE.get(d["kind"], d["kind"])
        if d["rule"] == "consensus":
            return f"Vote {number}: the chair sought consensus on {subject}."
        present = f"{d['present']} of {d['entitled']} members present"
        return f"Vote {number} opened on {subject}: {kind}, {RULE[d['rule']]}; {present}."
    if e.type == "poll.closed":
        text = f"Vote {number}: {d['explanation']}."
        votes = d.get("votes") or []
        for choice, label in (("yes", "In favour"), ("no", "Against"), ("abstain", "Abstaining")):
            names = [v["delegation"] or v["name"] for v in votes if v["choice"] == choice]
            if names:
                text += f" {label}: {', '.join(names)}."
        return text
    if e.type == "poll.suspended":
        return (
            f"Vote {number} was suspended without a decision ({d['present']} members present: "
            "the quorum was lost)."
        )
    return None


def html(record: dict[str, Any]) -> str:
    """The record as an HTML fragment (escaped), for the page and for download."""
    from html import escape

    r = record
    parts = [
        f"<h1>Record of proceedings: {escape(r['draft']['title'])}</h1>",
        f"<p>{escape(r['conference']['name'])}. Rules of procedure: "
        f"{escape(r['conference']['rules'])}. Status of the draft: "
        f"<strong>{escape(r['draft']['status'])}</strong>.</p>",
    ]
    if r["proceedings"]:
        parts.append("<h2>Proceedings</h2><ol class='proceedings'>")
        for step in r["proceedings"]:
            when = escape(step["at"][:10] + " " + step["at"][11:19] + " UTC")
            parts.append(
                f"<li><time datetime='{escape(step['at'])}'>{when}</time> "
                f"{escape(step['text'])}</li>"
            )
        parts.append("</ol>")
    parts.append("<h2>Clause by clause</h2>")
    for c in r["clauses"]:
        if not c["amendments"] and not c["votes"]:
            continue
        status = "" if c["status"] == "active" else f" — {c['status']}"
        parts.append(f"<h3>{escape(c['ref'].capitalize() + status)}</h3>")
        parts.append(f"<blockquote>{escape(c['text'])}</blockquote><ul>")
        for a in c["amendments"]:
            parts.append(
                f"<li>Amendment #{a['number']} by {escape(a['proposer'])}: "
                f"{escape(a['status'])}.{_votes_html(a['votes'])}</li>"
            )
        if c["votes"]:
            parts.append(f"<li>Separate vote on the clause.{_votes_html(c['votes'])}</li>")
        parts.append("</ul>")
    if r["votes_on_draft"]:
        parts.append(f"<h3>The draft as a whole</h3><p>{_votes_html(r['votes_on_draft'])}</p>")
    return "\n".join(parts)


def _votes_html(votes: list[dict[str, Any]]) -> str:
    from html import escape

    out = []
    for v in votes:
        if v["state"] != "closed":
            out.append(f" Vote {v['vote']}: {v['state']}.")
            continue
        out.append(f" Vote {v['vote']}: {escape(v['explanation'])}.")
        if v.get("roll_call"):
            calling = ", ".join(v["roll_call"])
            out.append(
                f" Roll call from {escape(v['roll_call'][0])}, drawn by lot: {escape(calling)}."
            )
        for choice, label in (("yes", "In favour"), ("no", "Against"), ("abstain", "Abstaining")):
            names = [
                x["delegation"] or x["name"] for x in v.get("votes") or [] if x["choice"] == choice
            ]
            if names:
                out.append(f" {label}: {escape(', '.join(names))}.")
    return "".join(out)
