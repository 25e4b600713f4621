"""Rules of procedure: worked examples a chair would check by hand, then properties."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafting.errors import Conflict, Invalid
from drafting.procedure import (
    AMENDMENT_KINDS,
    CHOICES,
    POLL_KINDS,
    RULES,
    Proposal,
    Result,
    Tally,
    check_amendment_kind,
    check_choice,
    check_poll_kind,
    check_quorum,
    check_rule,
    decide,
    lapsed_by,
    quorum_required,
    rule_name,
    suggest_order,
)

# --- Worked examples ----------------------------------------------------------------------------


def test_two_thirds_worked_example() -> None:
    r = decide("two_thirds", Tally(25, 6, 7), entitled=40)
    assert r == Result(
        outcome="adopted",
        rule="two_thirds",
        yes=25,
        no=6,
        abstain=7,
        cast=31,
        entitled=40,
        required=21,
        explanation="Adopted — 25 yes, 6 no, 7 abstentions "
        "(two-thirds of 31 present and voting: 21)",
    )
    assert r.adopted


@pytest.mark.parametrize(
    ("yes", "no", "outcome", "required"),
    [
        (20, 10, "adopted", 20),  # exactly two-thirds passes
        (19, 10, "rejected", 20),
        (2, 1, "adopted", 2),
        (1, 1, "rejected", 2),
        (0, 0, "rejected", 1),
        (1, 0, "adopted", 1),
    ],
)
def test_two_thirds_thresholds(yes: int, no: int, outcome: str, required: int) -> None:
    r = decide("two_thirds", Tally(yes, no, 0), entitled=100)
    assert (r.outcome, r.required) == (outcome, required)


def test_two_thirds_no_votes_cast_explained() -> None:
    r = decide("two_thirds", Tally(0, 0, 5), entitled=10)
    assert r.outcome == "rejected"
    assert (
        r.explanation
        == "Rejected — 0 yes, 0 no, 5 abstentions (two-thirds of those present and voting: "
        "nobody voted yes or no)"
    )


def test_simple_majority() -> None:
    r = decide("simple", Tally(11, 10, 30), entitled=60)
    assert (r.outcome, r.required, r.cast) == ("adopted", 11, 21)
    assert r.explanation == (
        "Adopted — 11 yes, 10 no, 30 abstentions "
        "(majority of those present and voting: more yes than no, 11 needed)"
    )


@pytest.mark.parametrize(("yes", "no"), [(10, 10), (0, 0), (0, 1)])
def test_simple_tie_or_nothing_is_rejected(yes: int, no: int) -> None:
    r = decide("simple", Tally(yes, no, 1), entitled=30)
    assert r.outcome == "rejected"
    assert r.required == no + 1


def test_absolute_majority_counts_everyone_entitled() -> None:
    r = decide("absolute", Tally(97, 10, 50), entitled=193)
    assert (r.outcome, r.required) == ("adopted", 97)
    assert r.explanation == (
        "Adopted — 97 yes, 10 no, 50 abstentions (absolute majority of 193 entitled to vote: 97)"
    )
    # Many more yes than no is still not enough without half of the membership.
    assert decide("absolute", Tally(96, 0, 0), entitled=193).outcome == "rejected"
    # An even membership: half is not more than half.
    assert decide("absolute", Tally(50, 0, 0), entitled=100).outcome == "rejected"
    assert decide("absolute", Tally(51, 0, 0), entitled=100).required == 51


def test_consensus() -> None:
    ok = decide("consensus", Tally(0, 0, 0), entitled=50)
    assert (ok.outcome, ok.required) == ("adopted", 0)
    assert ok.explanation == "Adopted without a vote — no objection was raised"
    blocked = decide("consensus", Tally(40, 1, 0), entitled=50)
    assert blocked.outcome == "no_consensus"  # not a rejection: the chair may call a vote
    assert blocked.required == 51  # out of reach: no number of yes outweighs an objection
    assert blocked.explanation == (
        "No consensus — 1 objection; the chair may put the question to the vote"
    )
    assert (
        decide("consensus", Tally(0, 3, 0), 50).explanation
        == "No consensus — 3 objections; the chair may put the question to the vote"
    )


def test_singular_abstention() -> None:
    assert decide("simple", Tally(2, 1, 1), 5).explanation.startswith(
        "Adopted — 2 yes, 1 no, 1 abstention ("
    )


def test_unknown_rule_lists_the_rules() -> None:
    with pytest.raises(Invalid) as e:
        decide("plurality", Tally(1, 0, 0), 3)
    for rule in RULES:
        assert rule in e.value.message


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3", None])
def test_tally_counts_must_be_non_negative_integers(bad: object) -> None:
    with pytest.raises(Invalid):
        Tally(bad, 0, 0)  # type: ignore[arg-type]
    with pytest.raises(Invalid):
        Tally(0, bad, 0)  # type: ignore[arg-type]
    with pytest.raises(Invalid):
        Tally(0, 0, bad)  # type: ignore[arg-type]


def test_more_ballots_than_entitled_is_refused() -> None:
    with pytest.raises(Invalid, match="entitled"):
        decide("simple", Tally(5, 5, 1), entitled=10)
    with pytest.raises(Invalid):
        decide("simple", Tally(0, 0, 0), entitled=-1)
    decide("simple", Tally(5, 5, 0), entitled=10)  # exactly full turnout is fine


def test_rule_names() -> None:
    assert rule_name("two_thirds") == "two-thirds majority"
    assert [rule_name(r) for r in RULES]
    with pytest.raises(Invalid):
        rule_name("nope")


# --- Validators ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "values"),
    [
        (check_rule, RULES),
        (check_poll_kind, POLL_KINDS),
        (check_choice, CHOICES),
        (check_amendment_kind, AMENDMENT_KINDS),
    ],
)
def test_validators(check: object, values: tuple[str, ...]) -> None:
    assert callable(check)
    for v in values:
        assert check(v) == v
    for bad in ("", "YES", "open", None, 3):
        with pytest.raises(Invalid) as e:
            check(bad)
        assert all(v in e.value.message for v in values)


def test_validator_messages_are_clear() -> None:
    with pytest.raises(Invalid) as e:
        check_choice("maybe")
    assert e.value.message == "Unknown choice 'maybe': use one of yes, no, abstain."
    with pytest.raises(Invalid) as e:
        check_poll_kind("show_of_hands")
    assert e.value.message == (
        "Unknown poll kind 'show_of_hands': use one of recorded, counted, secret."
    )


# --- Quorum -------------------------------------------------------------------------------------


def test_quorum_is_a_majority_of_members_by_default() -> None:
    """Rule 67 (108 in committees): a majority of the members for any decision."""
    assert quorum_required(None, 193) == 97
    assert quorum_required(None, 10) == 6
    assert quorum_required(None, 0) == 1
    assert quorum_required(0, 193) == 0  # an assembly that requires none
    assert quorum_required(40, 193) == 40
    with pytest.raises(Conflict) as e:
        check_quorum(5, 6, at="close")
    assert e.value.message.startswith("Quorum lost: 5 members present, 6 required.")


def test_quorum() -> None:
    check_quorum(20, 20)
    check_quorum(0, 0)  # no quorum required
    check_quorum(3, 0)
    with pytest.raises(Conflict) as e:
        check_quorum(12, 20)
    assert e.value.message == "Quorum not met: 12 members present, 20 required."
    with pytest.raises(Conflict) as e:
        check_quorum(1, 2)
    assert e.value.message == "Quorum not met: 1 member present, 2 required."
    with pytest.raises(Invalid):
        check_quorum(-1, 0)
    with pytest.raises(Invalid):
        check_quorum(5, -2)


# --- Voting order -------------------------------------------------------------------------------


CLAUSE = "Decides to raise the share of renewable energy to 15% by 2030;"


def test_suggest_order_puts_substance_first_with_reasons() -> None:
    """Rule 90 / 130: furthest removed in substance first. Counting characters got this wrong:
    it put the four-letter "not" last and ranked 15% -> 20 / 50 / 95 by string length."""
    figure = [CLAUSE.replace("15%", f) for f in ("20%", "95%", "50%")]
    props = [
        Proposal(1, "replace", figure[0]),
        Proposal(2, "replace", figure[1]),
        Proposal(3, "replace", CLAUSE.replace("Decides to", "Decides not to")),
        Proposal(4, "replace", figure[2]),
        Proposal(5, "delete"),
        Proposal(6, "insert_after", "Requests a report;"),
        Proposal(7, "replace", CLAUSE.replace("renewable", "clean and renewable")),
    ]
    order = suggest_order(CLAUSE, props)
    assert [s.id for s in order] == [5, 3, 7, 2, 4, 1, 6]
    reasons = {s.id: s.reason for s in order}
    assert reasons[5] == "deletes the clause"
    assert reasons[3] == "reverses the clause (adds “not”)"
    assert reasons[2] == "changes 15% to 95%"
    assert reasons[7] == "changes 2 of 13 words (15%)"
    assert "new clause" in reasons[6]


def test_suggest_order_sees_removed_and_prefixed_negations() -> None:
    text = "Calls for binding targets, and not voluntary pledges;"
    props = [
        Proposal(1, "replace", text.replace("and not", "and")),
        Proposal(2, "replace", text.replace("binding", "non-binding")),
        Proposal(3, "replace", "Calls for ambitious binding targets, and not voluntary pledges;"),
    ]
    order = suggest_order(text, props)
    assert [s.id for s in order] == [1, 2, 3]
    assert order[0].reason == "reverses the clause (removes “not”)"
    assert order[1].reason == "reverses the clause (adds “non”)"


def test_suggest_order_edge_cases() -> None:
    assert suggest_order(CLAUSE, []) == []
    with pytest.raises(Invalid):
        suggest_order(CLAUSE, [Proposal(1, "replace", "x"), Proposal(1, "delete")])
    with pytest.raises(Invalid):
        Proposal(1, "move")


proposals_st = st.lists(
    st.builds(
        Proposal,
        id=st.integers(min_value=1, max_value=10_000),
        kind=st.sampled_from(AMENDMENT_KINDS),
        new_text=st.text(alphabet="abc 15%not,", max_size=30),
    ),
    max_size=12,
    unique_by=lambda p: p.id,
)


@given(proposals_st, st.randoms(use_true_random=False))
def test_suggest_order_is_a_stable_permutation(props: list[Proposal], rnd: random.Random) -> None:
    order = [s.id for s in suggest_order("abc not 15% cab", props)]
    assert sorted(order) == sorted(p.id for p in props)
    shuffled = list(props)
    rnd.shuffle(shuffled)
    assert [s.id for s in suggest_order("abc not 15% cab", shuffled)] == order
    kinds = [next(p.kind for p in props if p.id == i) for i in order]
    # deletions first, insertions of new clauses last
    rank = {"delete": 0, "replace": 1, "insert_after": 2}
    assert [rank[k] for k in kinds] == sorted(rank[k] for k in kinds)


# --- Lapsing ------------------------------------------------------------------------------------


def test_adopted_deletion_lapses_text_amendments_only() -> None:
    others = [(9, "replace"), (3, "insert_after"), (4, "delete"), (2, "replace")]
    assert lapsed_by("delete", others) == [2, 4, 9]


@pytest.mark.parametrize("kind", ["replace", "insert_after"])
def test_other_adoptions_lapse_nothing_here(kind: str) -> None:
    assert lapsed_by(kind, [(1, "replace"), (2, "delete"), (3, "insert_after")]) == []


def test_lapsed_by_validates_kinds() -> None:
    with pytest.raises(Invalid):
        lapsed_by("merge", [])
    with pytest.raises(Invalid):
        lapsed_by("delete", [(1, "merge")])


# --- Majority properties ------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=300)
rules = st.sampled_from(RULES)


@st.composite
def polls(draw: st.DrawFn) -> tuple[str, Tally, int]:
    """A rule, a tally, and a membership with room for one more ballot."""
    tally = Tally(draw(counts), draw(counts), draw(counts))
    entitled = tally.total + 1 + draw(st.integers(min_value=0, max_value=300))
    return draw(rules), tally, entitled


@given(polls())
def test_one_more_yes_never_hurts(poll: tuple[str, Tally, int]) -> None:
    rule, t, entitled = poll
    before = decide(rule, t, entitled)
    after = decide(rule, Tally(t.yes + 1, t.no, t.abstain), entitled)
    assert not (before.adopted and not after.adopted)


@given(polls())
def test_one_more_no_never_helps(poll: tuple[str, Tally, int]) -> None:
    rule, t, entitled = poll
    before = decide(rule, t, entitled)
    after = decide(rule, Tally(t.yes, t.no + 1, t.abstain), entitled)
    assert not (not before.adopted and after.adopted)


@given(polls(), counts)
def test_abstentions_do_not_change_simple_or_two_thirds(
    poll: tuple[str, Tally, int], extra: int
) -> None:
    _, t, entitled = poll
    for rule in ("simple", "two_thirds"):
        a = decide(rule, t, entitled + extra)
        b = decide(rule, Tally(t.yes, t.no, t.abstain + extra), entitled + extra)
        assert (a.outcome, a.required) == (b.outcome, b.required)


@given(st.integers(min_value=0, max_value=300), st.sampled_from(["simple", "two_thirds"]))
def test_ties_are_rejected(n: int, rule: str) -> None:
    assert decide(rule, Tally(n, n, 0), 2 * n).outcome == "rejected"


@given(polls())
def test_adopted_iff_yes_reaches_required(poll: tuple[str, Tally, int]) -> None:
    rule, t, entitled = poll
    r = decide(rule, t, entitled)
    assert r.adopted == (t.yes >= r.required)
    assert r.outcome in ("adopted", "rejected", "no_consensus")
    assert r.outcome != "no_consensus" or rule == "consensus"
    words = {"adopted": "Adopted", "rejected": "Rejected", "no_consensus": "No consensus"}
    assert r.explanation.startswith(words[r.outcome])


@given(polls())
def test_rules_match_their_definitions(poll: tuple[str, Tally, int]) -> None:
    _, t, entitled = poll
    cast = t.yes + t.no
    assert decide("simple", t, entitled).adopted == (t.yes > t.no)
    assert decide("two_thirds", t, entitled).adopted == (cast > 0 and 3 * t.yes >= 2 * cast)
    assert decide("absolute", t, entitled).adopted == (2 * t.yes > entitled)
    assert decide("consensus", t, entitled).adopted == (t.no == 0)


@given(polls())
def test_two_thirds_implies_simple(poll: tuple[str, Tally, int]) -> None:
    _, t, entitled = poll
    if decide("two_thirds", t, entitled).adopted:
        assert decide("simple", t, entitled).adopted


@given(polls())
def test_result_echoes_the_tally(poll: tuple[str, Tally, int]) -> None:
    rule, t, entitled = poll
    r = decide(rule, t, entitled)
    assert (r.rule, r.yes, r.no, r.abstain, r.entitled) == (rule, t.yes, t.no, t.abstain, entitled)
    assert r.cast == t.yes + t.no
