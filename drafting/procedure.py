"""Rules of procedure as pure functions: majorities, quorum, voting order, lapsing.

Kept free of storage and web code so the chair's rules can be tested exhaustively on their own
and the action layer only has to gather the numbers and act on the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from drafting import textsync
from drafting.domain import CLAUSE_AMENDMENT_KINDS
from drafting.errors import Conflict, Invalid

RULES = ("simple", "two_thirds", "absolute", "consensus")
POLL_KINDS = ("recorded", "counted", "secret")
CHOICES = ("yes", "no", "abstain")
AMENDMENT_KINDS = CLAUSE_AMENDMENT_KINDS  # amendments to an amendment are voted with their target

_RULE_NAMES = {
    "simple": "simple majority",
    "two_thirds": "two-thirds majority",
    "absolute": "absolute majority",
    "consensus": "consensus",
}


def _check_one_of(value: object, allowed: tuple[str, ...], what: str) -> str:
    """Shared validator so every refusal names the accepted values."""
    if not isinstance(value, str) or value not in allowed:
        raise Invalid(f"Unknown {what} {value!r}: use one of {', '.join(allowed)}.")
    return value


def check_rule(rule: object) -> str:
    """Refuse a majority rule we cannot count; returns it so callers can validate inline."""
    return _check_one_of(rule, RULES, "majority rule")


def check_poll_kind(kind: object) -> str:
    """Refuse a poll kind we cannot run; returns it so callers can validate inline."""
    return _check_one_of(kind, POLL_KINDS, "poll kind")


def check_choice(choice: object) -> str:
    """Refuse a ballot that is not yes, no or abstain; returns it so callers can validate inline."""
    return _check_one_of(choice, CHOICES, "choice")


def check_amendment_kind(kind: object) -> str:
    """Refuse an amendment kind the voting-order and lapsing rules do not know."""
    return _check_one_of(kind, AMENDMENT_KINDS, "amendment kind")


def _check_count(value: object, what: str) -> int:
    """Counts come from forms and ballots; a negative or non-integer one is a bug to surface."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(
            f"The number of {what} must be a whole number of zero or more, not {value!r}."
        )
    return value


# --- Tallies and majorities -------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """The counted ballots of one poll; for consensus, ``no`` is the number of objections."""

    yes: int
    no: int
    abstain: int

    def __post_init__(self) -> None:
        _check_count(self.yes, "yes votes")
        _check_count(self.no, "no votes")
        _check_count(self.abstain, "abstentions")

    @property
    def total(self) -> int:
        """Everyone who took part, abstentions included (what a quorum or turnout counts)."""
        return self.yes + self.no + self.abstain


@dataclass(frozen=True)
class Result:
    """The chair's announcement: outcome plus every number needed to check it by hand."""

    outcome: str  # "adopted" | "rejected" | "no_consensus" (an objection to a consensus)
    rule: str
    yes: int
    no: int
    abstain: int
    cast: int  # yes + no: abstentions are not votes cast
    entitled: int
    required: int  # yes votes needed to adopt, given this tally
    explanation: str

    @property
    def adopted(self) -> bool:
        """Saves callers comparing against the outcome string."""
        return self.outcome == "adopted"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _required(rule: str, tally: Tally, entitled: int) -> int:
    """Yes votes needed, so that for every rule: adopted iff yes >= required."""
    cast = tally.yes + tally.no
    if rule == "simple":
        return tally.no + 1  # more yes than no; a tie fails
    if rule == "two_thirds":
        # Smallest y with 3y >= 2*cast, i.e. ceil(2*cast/3); at least 1 so 0-0 fails.
        return max(1, (2 * cast + 2) // 3)
    if rule == "absolute":
        return entitled // 2 + 1  # more than half of everyone entitled to vote
    # consensus: yes votes never outweigh an objection, so once one is raised the bar is out of
    # reach (more than everyone entitled); with no objection nobody needs to say yes.
    return 0 if tally.no == 0 else entitled + 1


def _basis(rule: str, tally: Tally, entitled: int, required: int) -> str:
    """The bracketed reason, naming the base the threshold was computed from."""
    cast = tally.yes + tally.no
    if rule == "simple":
        return f"majority of those present and voting: more yes than no, {required} needed"
    if rule == "two_thirds":
        if cast == 0:
            return "two-thirds of those present and voting: nobody voted yes or no"
        return f"two-thirds of {cast} present and voting: {required}"
    return f"absolute majority of {entitled} entitled to vote: {required}"


def decide(rule: str, tally: Tally, entitled: int) -> Result:
    """Apply one majority rule to a tally; the Result carries the numbers behind the outcome.

    ``entitled`` is the number of members (or their votes, where weighted) entitled to vote; it
    matters to the absolute majority, and a tally with more votes than that is refused as
    impossible. Abstaining members are not "present and voting" (rule 86; 126 in committees).
    """
    check_rule(rule)
    if not isinstance(tally, Tally):
        raise Invalid("A tally of yes, no and abstain counts is required.")
    _check_count(entitled, "members entitled to vote")
    if tally.total > entitled:
        raise Invalid(
            f"The tally has {tally.total} votes but only {entitled} are entitled to vote."
        )
    required = _required(rule, tally, entitled)
    adopted = tally.yes >= required
    outcome = "adopted" if adopted else "rejected"
    if rule == "consensus":
        # An objection does not reject: it only means there is no consensus, and the chair
        # may then put the question to a vote.
        if adopted:
            explanation = "Adopted without a vote — no objection was raised"
        else:
            outcome = "no_consensus"
            objections = _plural(tally.no, "objection", "objections")
            explanation = f"No consensus — {objections}; the chair may put the question to the vote"
    else:
        counts = (
            f"{tally.yes} yes, {tally.no} no, {_plural(tally.abstain, 'abstention', 'abstentions')}"
        )
        explanation = (
            f"{outcome.capitalize()} — {counts} ({_basis(rule, tally, entitled, required)})"
        )
    return Result(
        outcome=outcome,
        rule=rule,
        yes=tally.yes,
        no=tally.no,
        abstain=tally.abstain,
        cast=tally.yes + tally.no,
        entitled=entitled,
        required=required,
        explanation=explanation,
    )


def rule_name(rule: str) -> str:
    """The rule as a chair says it ("two-thirds majority"), for menus and the record."""
    return _RULE_NAMES[check_rule(rule)]


# --- Quorum -----------------------------------------------------------------------------------


def quorum_required(quorum: int | None, members: int) -> int:
    """Members (or votes, where members are weighted) that must be present for a decision.

    Rule 67 (108 in committees): "the presence of a majority of the members shall be required
    for any decision to be taken". That is the default (`quorum` None); an assembly whose own
    rules say otherwise sets a number, 0 for none.
    """
    _check_count(members, "members")
    if quorum is None:
        return members // 2 + 1
    return _check_count(quorum, "members required for a quorum")


def check_quorum(present: int, quorum: int, *, at: str = "open") -> None:
    """Refuse a decision without its quorum: when a poll opens, and again when it closes."""
    _check_count(present, "members present")
    _check_count(quorum, "members required for a quorum")
    if present >= quorum:
        return
    counts = f"{_plural(present, 'member', 'members')} present, {quorum} required"
    if at == "close":
        raise Conflict(
            f"Quorum lost: {counts}. The vote cannot close until the quorum is back; "
            "the chair may suspend it instead."
        )
    raise Conflict(f"Quorum not met: {counts}.")


# --- Voting order of competing amendments -----------------------------------------------------


NEGATIONS = frozenset({"not", "no", "never", "neither", "nor", "non", "without", "n't"})
_FIGURE = re.compile(r"[0-9]+(?:[.,][0-9]+)*%?")


@dataclass(frozen=True)
class Proposal:
    """A pending amendment to one clause, as the voting order sees it: what it does."""

    id: int
    kind: str  # "replace" | "delete" | "insert_after"
    new_text: str = ""

    def __post_init__(self) -> None:
        check_amendment_kind(self.kind)


@dataclass(frozen=True)
class Suggestion:
    """An amendment's place in the suggested order, and the reason a chair can read."""

    id: int
    reason: str


def _figure(word: str) -> float | None:
    if not _FIGURE.fullmatch(word):
        return None
    try:
        return float(word.rstrip("%").replace(",", ""))
    except ValueError:
        return None


def _words(n: int) -> str:
    return _plural(n, "word", "words")


def _assess(original: str, p: Proposal) -> tuple[tuple[Any, ...], str]:
    """(sort key, reason) for one amendment: smaller keys are further removed."""
    if p.kind == "delete":
        return (0, 0.0, "", 0.0, p.id), "deletes the clause"
    if p.kind == "insert_after":
        return (4, 0.0, "", 0.0, p.id), "adds a new clause after it; leaves this one's words alone"
    hunks, total = textsync.word_hunks(original, p.new_text)
    for removed, added in hunks:
        words = [w.lower() for w in removed + added if w not in ("-", "'")]
        if words and all(w in NEGATIONS for w in words):
            verb = "adds" if added and not removed else "removes" if removed else "changes"
            neg = " ".join(w for w in (added or removed) if w != "-")
            return (1, 0.0, "", 0.0, p.id), f"reverses the clause ({verb} “{neg}”)"
    changed = sum(max(len(r), len(a)) for r, a in hunks)
    share = min(1.0, changed / max(total, 1))
    if len(hunks) == 1 and len(hunks[0][0]) == 1 and len(hunks[0][1]) == 1:
        old, new = _figure(hunks[0][0][0]), _figure(hunks[0][1][0])
        if old is not None and new is not None:
            # amendments changing the same figure are voted furthest from the original first
            far = abs(new - old) / (abs(old) or 1.0)
            reason = f"changes {hunks[0][0][0]} to {hunks[0][1][0]}"
            return (2, -share, hunks[0][0][0], -far, p.id), reason
    reason = f"changes {min(changed, total)} of {_words(total)} ({round(share * 100)}%)"
    return (2, -share, "", 0.0, p.id), reason


def suggest_order(original: str, proposals: list[Proposal]) -> list[Suggestion]:
    """The order in which to put a clause's amendments to the vote, with a reason for each.

    Rule 90 (A/520/Rev.19; rule 130 in committees) has the amendment "furthest removed in
    substance from the original proposal" voted first. That is the chair's judgement; this is
    a suggestion as close to substance as the text allows: a deletion first; then an amendment
    that reverses the clause (adds or removes a negation: "not", "no", "non-"); then the others
    by the share of the clause's words they change, where amendments that change the same
    figure go furthest from the original first (15% -> 95% before 50% before 20%); the older
    first on a tie. Insertions of new clauses come last: they leave this clause's words alone.
    """
    ids = [p.id for p in proposals]
    if len(set(ids)) != len(ids):
        raise Invalid("Each amendment can appear only once in the voting order.")
    assessed = {p.id: _assess(original, p) for p in proposals}
    # a figure's group is placed where its widest-reaching member goes
    group_share: dict[str, float] = {}
    for key, _ in assessed.values():
        if key[2]:
            group_share[key[2]] = min(group_share.get(key[2], 0.0), key[1])

    def rank(pid: int) -> tuple[Any, ...]:
        key = assessed[pid][0]
        if key[2]:
            return (key[0], group_share[key[2]], key[2], key[3], key[4])
        return key

    return [Suggestion(pid, assessed[pid][1]) for pid in sorted(ids, key=rank)]


# --- Lapsing ----------------------------------------------------------------------------------


def lapsed_by(adopted_kind: str, others: list[tuple[int, str]]) -> list[int]:
    """Ids of the other pending amendments to the same clause that lapse, in id order.

    Adopting a deletion leaves no text to change or delete, so every pending "replace" and
    "delete" lapses. "insert_after" amendments survive: they add a new clause after a place in
    the draft, which still exists once the clause is gone (the caller re-anchors them). Adopting
    a "replace" or "insert_after" lapses nothing here: the caller rebases the pending amendments
    onto the new text, and those whose rebase conflicts lapse then.
    """
    check_amendment_kind(adopted_kind)
    for _, kind in others:
        check_amendment_kind(kind)
    if adopted_kind != "delete":
        return []
    return sorted(aid for aid, kind in others if kind in ("replace", "delete"))


# --- Rule sets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSet:
    """A conference's rules of procedure, as presets a chair picks from.

    `recorded_vote`, `division` and `secret_ballot` say what becomes of a member's request:
    "right" (granted at once: any representative may require it), "chair" (the chair grants
    or refuses it, or puts it to the vote), "vote" (it is put to the vote), "no" (these rules
    do not allow it). The chair can still choose the rule and kind of each poll.
    """

    key: str
    title: str
    majority: str  # the rule for decisions, unless the chair says otherwise for a poll
    quorum: int | None  # None: a majority of the members
    vote_kind: str  # how a vote is normally taken: "counted" is a show of hands
    recorded_vote: str
    division: str
    secret_ballot: str
    rules: str  # the rule numbers it follows, for the chair and the record


PRESETS: dict[str, RuleSet] = {
    "un_committee": RuleSet(
        key="un_committee",
        title="UN General Assembly committee",
        majority="simple",
        quorum=None,
        vote_kind="counted",
        recorded_vote="right",
        division="chair",
        secret_ballot="no",
        rules="A/520/Rev.19 rules 108 (quorum), 124-127 (one vote per member, majority of those "
        "present and voting, recorded vote on request, roll call from a name drawn by lot), 129 "
        "(division, voted on if there is objection), 130-131 (amendments first, furthest "
        "removed in substance first); a secret ballot only for elections (rule 92)",
    ),
    "simple_assembly": RuleSet(
        key="simple_assembly",
        title="Simple assembly (majority of votes cast)",
        majority="simple",
        quorum=None,
        vote_kind="counted",
        recorded_vote="chair",
        division="chair",
        secret_ballot="chair",
        rules="a majority of the members present for a decision; decisions by a majority of "
        "the votes cast; recorded votes, division and secret ballots at the chair's decision "
        "or by vote",
    ),
    "model_un": RuleSet(
        key="model_un",
        title="Model UN",
        majority="simple",
        quorum=None,
        vote_kind="counted",
        recorded_vote="right",
        division="vote",
        secret_ballot="no",
        rules="as the UN General Assembly's committees (rules 108, 124-131), except that a "
        "motion to divide the question is always put to a procedural vote",
    ),
}
DEFAULT_PRESET = "un_committee"
MOTION_KINDS = ("recorded_vote", "division", "secret_ballot")


def check_preset(key: object) -> RuleSet:
    return PRESETS[_check_one_of(key, tuple(PRESETS), "set of rules")]


def motion_handling(preset: RuleSet, kind: str) -> str:
    """What these rules make of a member's request: right, chair, vote or no."""
    handling: str = getattr(preset, _check_one_of(kind, MOTION_KINDS, "motion"))
    return handling
