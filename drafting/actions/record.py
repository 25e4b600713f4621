"""The record of proceedings and the history of each clause, read from the store and journal."""

from __future__ import annotations

from typing import Any

from .. import domain, minutes, procedure, textsync, views
from ..domain import Draft, Poll, optional_number, whole_number
from ..errors import NotFound
from ..export import md_inline
from .access import Actor, draft_for, member
from .context import Context


def record(ctx: Context, actor: Actor, draft_id: object) -> dict[str, Any]:
    """What happened to the draft, clause by clause, read from the store and the journal."""
    d = draft_for(ctx, actor, draft_id)
    people = {p.id: p for p in ctx.store.participants(d.conference_id)}

    def who(pid: int | None) -> str:
        p = people.get(pid) if pid is not None else None
        if p is None:
            return "the secretariat"
        return f"{p.name} ({p.delegation})" if p.delegation else p.name

    all_clauses = ctx.store.clauses(d.id, include_deleted=True)
    entries = domain.flatten(domain.outline(all_clauses))
    live_refs = {e.clause.id: domain.describe(e) for e in entries}
    names = _names(ctx, d, live_refs)
    polls = ctx.store.polls(d.id)
    votes_on: dict[tuple[str, int], list[dict[str, Any]]] = {}
    every_vote = []
    for n, poll in enumerate(polls, start=1):
        entry: dict[str, Any] = {
            "vote": n,
            "rule": poll.rule,
            "kind": poll.kind,
            "state": poll.state,
        }
        if poll.roll_call:
            entry["roll_call"] = [m["name"] for m in views.roll_call_view(ctx.store, poll)]
        if poll.result:
            entry.update(poll.result)
        entry.update(
            subject_type=poll.subject_type,
            subject_id=poll.subject_id,
            subject=names.subject(poll.subject_type, poll.subject_id),
            opened_at=poll.opened_at,
            closed_at=poll.closed_at,
        )
        if poll.roll_call and poll.result:
            entry["called"] = _called(ctx, poll)
        votes_on.setdefault((poll.subject_type, poll.subject_id), []).append(entry)
        every_vote.append(entry)
    amendments = ctx.store.amendments(d.id)
    clauses_out = []
    # the text in document order, then what left it (deleted, rejected) in creation order
    gone = sorted((c for c in all_clauses if c.status in domain.GONE), key=lambda c: c.id)
    for c in [e.clause for e in entries] + gone:
        ams = [a for a in amendments if a.clause_id == c.id]
        clauses_out.append(
            {
                "id": c.id,
                "ref": live_refs.get(
                    c.id, f"{domain.KIND_NAMES.get(c.kind, 'paragraph')} (no longer in the text)"
                ),
                "kind": c.kind,
                "status": c.status,
                "text": c.text,
                "versions": c.version,
                "amendments": [
                    {
                        "number": a.number,
                        "kind": a.kind,
                        "proposer": who(a.proposer_id),
                        "reason": a.reason,
                        "new_text": a.new_text,
                        "base_text": a.base_text,
                        "status": a.status,
                        "target": next(
                            (t.number for t in ams if t.id == a.target_amendment_id), None
                        ),
                        "votes": votes_on.get(("amendment", a.id), []),
                    }
                    for a in ams
                ],
                "votes": votes_on.get(("clause", c.id), []),
            }
        )
    events = []
    for e in ctx.store.journal(draft_id=d.id):
        # keystrokes are in the history of each clause; ballots only as the poll allows
        if e.type == "poll.ballot" or (
            e.type == "clause.edited" and e.data.get("reason") == "edit"
        ):
            continue
        events.append(
            {
                "seq": e.seq,
                "at": e.at,
                "type": e.type,
                "by": who(e.actor_id),
                "data": {k: v for k, v in e.data.items() if k not in ("before", "after", "delta")},
            }
        )
    conf = ctx.store.conference(d.conference_id)
    preset = procedure.check_preset(conf.rules)
    return {
        "draft": {"id": d.id, "title": d.title, "status": d.status},
        "details": d.details(),
        "conference": {"name": conf.name, "rules": preset.title},
        "proceedings": minutes.proceedings(ctx.store.journal(draft_id=d.id), who, names),
        "clauses": clauses_out,
        "votes": every_vote,
        "votes_on_draft": votes_on.get(("draft", d.id), []),
        "events": events,
    }


def _called(ctx: Context, poll: Poll) -> list[dict[str, Any]]:
    """A closed recorded vote as the roll was called: every member in calling order (from the
    one drawn by lot), with its vote, or `choice` None where it did not vote. The result's
    `votes` stay alphabetical, as clients read them."""
    result = poll.result or {}
    raw = result.get("votes")
    cast = {v["member_id"]: v for v in raw if isinstance(v, dict)} if isinstance(raw, list) else {}
    called = [(m["member_id"], m["name"]) for m in views.roll_call_view(ctx.store, poll)]
    # a member admitted while the vote was open was not on the roll: it comes last
    on_roll = {mid for mid, _ in called}
    called += [(mid, v["delegation"]) for mid, v in cast.items() if mid not in on_roll]
    out = []
    for mid, name in called:
        v = cast.get(mid)
        out.append(
            {
                "member_id": mid,
                "name": name,
                "choice": v["choice"] if v else None,
                "weight": v["weight"] if v else None,
            }
        )
    return out


def _names(ctx: Context, d: Draft, refs: dict[int, str]) -> minutes.Names:
    """How the record names clauses, amendments, polls and motions of this draft."""
    amendments = {a.id: a for a in ctx.store.amendments(d.id)}
    polls = {p.id: n for n, p in enumerate(ctx.store.polls(d.id), start=1)}
    members = {m.id: m.name for m in ctx.store.members(d.conference_id)}
    gone = {c.id: c for c in ctx.store.clauses(d.id, include_deleted=True)}

    def clause(cid: int | None) -> str:
        if cid is None:
            return "the draft"
        if cid in refs:
            return refs[cid]
        c = gone.get(cid)
        if c is None:
            return "a clause"
        kind = domain.KIND_NAMES.get(c.kind, "paragraph")
        words = c.text if len(c.text) <= 60 else c.text[:57].rstrip() + "…"
        return f"the {kind} “{words}” ({c.status})"

    def subject(stype: str, sid: int) -> str:
        if stype == "amendment":
            a = amendments.get(sid)
            return f"amendment #{a.number} to {clause(a.clause_id)}" if a else "an amendment"
        if stype == "clause":
            return clause(sid)
        if stype == "motion":
            return f"motion {ctx.store.motion(sid).number}"
        return "the draft as a whole"

    return minutes.Names(
        clause=clause,
        subject=subject,
        poll=lambda pid: polls.get(pid, 0),
        member=lambda mid: members.get(mid, "?"),
    )


def record_markdown(ctx: Context, actor: Actor, draft_id: object) -> str:
    r = record(ctx, actor, draft_id)
    md = md_inline  # what delegates wrote is text, never Markdown or HTML, wherever it is read
    lines = [f"# Record of proceedings: {md(r['draft']['title'])}", ""]
    lines.append(f"{md(r['conference']['name'])}. Rules of procedure: {r['conference']['rules']}.")
    lines.append("")
    lines.append(f"Status of the draft: **{r['draft']['status']}**.")
    lines.append("")
    if r["proceedings"]:
        lines.append("## Proceedings")
        lines.append("")
        day = ""
        for step in r["proceedings"]:
            if step["at"][:10] != day:
                day = step["at"][:10]
                lines.extend([f"*{day} (UTC)*", ""])
            lines.append(f"- {step['at'][11:19]} — {md(step['text'])}")
        lines.append("")
        lines.append("## Clause by clause")
        lines.append("")

    def vote_lines(votes: list[dict[str, Any]], indent: str) -> None:
        for v in votes:
            kind = {
                "recorded": "recorded vote",
                "counted": "counted vote",
                "secret": "secret ballot",
            }[v["kind"]]
            if v["state"] != "closed":
                lines.append(f"{indent}- Vote {v['vote']} ({kind}): still open.")
                continue
            lines.append(
                f"{indent}- Vote {v['vote']} ({kind}, {v['rule'].replace('_', ' ')}): "
                f"{md(v['explanation'])}."
            )
            if v.get("roll_call"):
                lines.append(
                    f"{indent}  Roll call from {v['roll_call'][0]}, drawn by lot: "
                    f"{md(', '.join(v['roll_call']))}."
                )
            if v.get("votes"):
                for choice in ("yes", "no", "abstain"):
                    names = [
                        x["delegation"] or x["name"] for x in v["votes"] if x["choice"] == choice
                    ]
                    if names:
                        label = {"yes": "In favour", "no": "Against", "abstain": "Abstaining"}[
                            choice
                        ]
                        lines.append(f"{indent}  {label}: {md(', '.join(names))}.")

    for c in r["clauses"]:
        if not c["amendments"] and not c["votes"]:
            continue
        status = "" if c["status"] == "active" else f" — {c['status']}"
        lines.append(f"### {c['ref'].capitalize()}{status}")
        lines.append("")
        lines.append(f"> {md(c['text'])}")
        lines.append("")
        for a in c["amendments"]:
            what = {
                "replace": f"to read: “{md(a['new_text'])}”",
                "delete": "to delete the clause",
                "insert_after": f"to insert after it: “{md(a['new_text'])}”",
                "amend_amendment": (
                    f"to amend amendment #{a['target']} to read: “{md(a['new_text'])}”"
                ),
            }[a["kind"]]
            reason = f" Reason: {md(a['reason'])}" if a["reason"] else ""
            lines.append(
                f"- Amendment #{a['number']} by {md(a['proposer'])}, {what}.{reason} "
                f"**{a['status'].capitalize()}**."
            )
            vote_lines(a["votes"], "  ")
        if c["votes"]:
            lines.append("- Separate vote on the clause:")
            vote_lines(c["votes"], "  ")
        lines.append("")
    if r["votes_on_draft"]:
        lines.append("### The draft as a whole")
        lines.append("")
        vote_lines(r["votes_on_draft"], "")
        lines.append("")
    return "\n".join(lines)


def record_html(ctx: Context, actor: Actor, draft_id: object) -> str:
    return minutes.html(record(ctx, actor, draft_id))


def history(ctx: Context, actor: Actor, clause_id: object) -> dict[str, Any]:
    """Every version of a clause (deleted ones too), with who made it and why, and the same
    versions grouped into editing sessions (`domain.sessions`), both oldest first."""
    c = ctx.store.clause(whole_number(clause_id, "clause id"))
    d = ctx.store.draft(c.draft_id)
    member(actor, d.conference_id)
    names = {p.id: p for p in ctx.store.participants(d.conference_id)}

    def who(pid: int | None) -> dict[str, str]:
        p = names.get(pid) if pid is not None else None
        return {"actor": p.name if p else "secretariat", "delegation": p.delegation if p else ""}

    versions = [{**v, **who(v["actor_id"])} for v in ctx.store.clause_versions(c.id)]
    return {
        "versions": versions,
        "sessions": [views.session_view(s, **who(s.actor_id)) for s in domain.sessions(versions)],
    }


def diff(
    ctx: Context, actor: Actor, clause_id: object, from_version: object, to_version: object = None
) -> dict[str, Any]:
    """What changed in a clause between two of its versions (`to`: the current one by
    default), as track changes: `[[op, text], ...]`, op `equal`, `insert` or `delete`."""
    c = ctx.store.clause(whole_number(clause_id, "clause id"))
    member(actor, ctx.store.draft(c.draft_id).conference_id)
    a = whole_number(from_version, "version to compare from ('from')")
    b = optional_number(to_version, "version to compare to ('to')")
    b = c.version if b is None else b
    texts = []
    for n in (a, b):
        text = ctx.store.clause_text_at(c.id, n) if 1 <= n <= c.version else None
        if text is None:
            raise NotFound(f"Clause {c.id} has no version {n}: its versions are 1 to {c.version}.")
        texts.append(text)
    changes = textsync.track_changes(texts[0], texts[1])
    return {"from": a, "to": b, "changes": [[op, text] for op, text in changes]}
