"""Numbering and structure: derived numbers stay gap-free through inserts, moves, deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafting import domain
from drafting.domain import Clause
from drafting.errors import Conflict, Invalid, NotFound


def make(kinds_levels):
    """Clauses from (kind, level) pairs in document order, as the importer nests them."""
    clauses, parents = [], []
    counters: dict = {}
    for i, (kind, level) in enumerate(kinds_levels, start=1):
        level = min(level, len(parents))
        parent = parents[level - 1] if level else None
        pos = counters.get(parent, 0)
        counters[parent] = pos + 1
        clauses.append(Clause(i, 1, kind, f"text {i}", parent_id=parent, position=pos))
        del parents[level:]
        parents.append(i)
    return clauses


def numbers(clauses):
    return [(e.number, e.level) for e in domain.flatten(domain.outline(clauses))]


def test_un_numbering():
    cs = make(
        [
            ("preambular", 0),
            ("preambular", 0),
            ("operative", 0),
            ("operative", 0),
            ("operative", 1),
            ("operative", 1),
            ("operative", 2),
            ("operative", 2),
            ("operative", 0),
        ]
    )
    assert numbers(cs) == [
        ("", 0),
        ("", 0),
        ("1", 0),
        ("2", 0),
        ("(a)", 1),
        ("(b)", 1),
        ("(i)", 2),
        ("(ii)", 2),
        ("3", 0),
    ]
    refs = [e.ref for e in domain.flatten(domain.outline(cs))]
    assert refs[6] == "2(b)(i)"


def test_letters_and_romans_run_on():
    assert [domain.letters(n) for n in (1, 26, 27, 28)] == ["a", "z", "aa", "ab"]
    assert [domain.roman(n) for n in (1, 4, 9, 14, 40)] == ["i", "iv", "ix", "xiv", "xl"]


def test_insert_renumbers_following_clauses():
    cs = make([("operative", 0), ("operative", 0), ("operative", 0)])
    new = Clause(99, 1, "operative", "new")
    changed = domain.insert(cs, new, None, 1)
    cs = apply(cs + [new], changed)
    texts = [(e.number, e.clause.text) for e in domain.outline(cs)]
    assert texts == [("1", "text 1"), ("2", "new"), ("3", "text 2"), ("4", "text 3")]


def test_delete_takes_sub_clauses_and_renumbers():
    cs = make([("operative", 0), ("operative", 0), ("operative", 1), ("operative", 0)])
    changed = domain.delete(cs, 2)
    assert {c.id for c in changed if c.status == "deleted"} == {2, 3}
    cs = apply(cs, changed)
    assert [(e.number, e.clause.text) for e in domain.outline(cs)] == [
        ("1", "text 1"),
        ("2", "text 4"),
    ]


def test_moves_refused_when_they_make_no_sense():
    cs = make([("operative", 0), ("operative", 1), ("operative", 2), ("operative", 0)])
    with pytest.raises(Invalid, match="own sub-clauses"):
        domain.move(cs, 1, 2, None)
    with pytest.raises(Invalid, match="two levels"):
        domain.move(cs, 4, 3, None)
    with pytest.raises(Invalid, match="two levels"):
        domain.move(cs, 1, 4, None)  # 1 has two levels below it already
    assert domain.move(cs, 2, 4, None)  # 2 and its (i) fit under 4 as (a) and (i)
    with pytest.raises(NotFound):
        domain.move(cs, 42, None, None)


def test_mode_changes():
    d = domain.Draft(1, 1, "t")
    domain.check_mode_change(d, "formal")
    with pytest.raises(Conflict, match="already"):
        domain.check_mode_change(d, "drafting")
    with pytest.raises(Conflict):
        domain.check_mode_change(domain.Draft(1, 1, "t", "adopted"), "drafting")
    with pytest.raises(Conflict, match="formal mode"):
        domain.check_editable(domain.Draft(1, 1, "t", "formal"))


def apply(clauses, changed):
    by_id = {c.id: c for c in clauses}
    for c in changed:
        by_id[c.id] = c
    return list(by_id.values())


def check_gap_free(clauses):
    live = [c for c in clauses if c.status != "deleted"]
    entries = domain.flatten(domain.outline(clauses))
    assert len(entries) == len(live)  # nothing lost, nothing orphaned
    # positions among siblings are 0..n-1
    by_parent: dict = {}
    for c in live:
        by_parent.setdefault(c.parent_id, []).append(c.position)
    for positions in by_parent.values():
        assert sorted(positions) == list(range(len(positions)))
    # operative numbers are 1..n in document order
    tops = [int(e.number) for e in entries if e.level == 0 and e.number]
    assert tops == list(range(1, len(tops) + 1))

    def walk(children, level):
        expect = [domain.letters(i) if level == 1 else domain.roman(i) for i in range(1, 99)]
        assert [e.number.strip("()") for e in children] == expect[: len(children)]
        for e in children:
            assert e.level <= domain.MAX_LEVEL
            walk(e.children, min(level + 1, 2))

    for e in domain.outline(clauses):
        walk(e.children, 1)


ops = st.lists(
    st.tuples(
        st.sampled_from(["insert", "move", "delete"]),
        st.integers(0, 40),
        st.integers(0, 40),
        st.sampled_from(["operative", "preambular", "heading", "text"]),
        st.booleans(),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_numbering_stays_gap_free(script):
    clauses = make([("operative", 0), ("operative", 1), ("preambular", 0)])
    next_id = 100
    for op, a, b, kind, nest in script:
        live = [c for c in clauses if c.status != "deleted"]
        ids = [c.id for c in live]

        def pick(n, ids=ids):
            return ids[n % len(ids)] if ids else None

        try:
            if op == "insert":
                target = pick(a)
                new = Clause(next_id, 1, kind, f"n{next_id}")
                next_id += 1
                if nest and target is not None:
                    changed = domain.insert(live, new, target, None)
                else:
                    changed = domain.insert(live, new, None, None)
                    if target is not None:
                        changed = domain.insert(live, new, None, target)
                clauses = apply(clauses + [new], changed)
            elif op == "move" and ids:
                target = pick(b)
                if nest:
                    changed = domain.move(live, pick(a), target, None)
                else:
                    changed = domain.move(live, pick(a), None, target)
                clauses = apply(clauses, changed)
            elif op == "delete" and ids:
                clauses = apply(clauses, domain.delete(live, pick(a)))
        except (Invalid, NotFound):
            pass  # refused moves change nothing
        check_gap_free(clauses)


# --- a clause's history in sessions -----------------------------------------------------------

AMINA, JONAS = 1, 2


def at(seconds):
    """A timestamp as the store writes them, `seconds` after 09:00."""
    t = datetime(2025, 3, 4, 9, tzinfo=UTC) + timedelta(seconds=seconds)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def versions(*rows):
    """(actor, reason, seconds after 09:00) -> versions 1, 2... as history lists them."""
    return [
        {"version": n, "actor_id": who, "reason": why, "at": at(s)}
        for n, (who, why, s) in enumerate(rows, start=1)
    ]


def spans(sessions):
    return [(s.first, s.last, s.actor_id, s.versions, s.reason) for s in sessions]


def test_one_author_typing_in_a_burst_is_one_session():
    vs = versions((None, "created", 0), *[(AMINA, "edit", 10 + 5 * i) for i in range(30)])
    out = domain.sessions(vs)
    assert spans(out) == [(1, 1, None, 1, "created"), (2, 31, AMINA, 30, "edit")]
    assert (out[1].start, out[1].end) == (vs[1]["at"], vs[-1]["at"])


def test_authors_taking_turns_pauses_and_other_reasons_start_new_sessions():
    vs = versions(
        (None, "created", 0),
        (AMINA, "edit", 10),
        (AMINA, "edit", 20),
        (JONAS, "edit", 25),  # another author
        (AMINA, "edit", 30),  # and back
        (AMINA, "edit", 30 + 61),  # more than a minute later
        (JONAS, "amendment #2", 100),  # adopted in between her typing
        (AMINA, "edit", 105),
        (AMINA, "restored version 3", 110),  # a restore stands alone
        (AMINA, "edit", 115),
        (None, "edit", 120),  # the secretariat's edits are not a burst of anyone's
        (None, "edit", 121),
    )
    assert spans(domain.sessions(vs)) == [
        (1, 1, None, 1, "created"),
        (2, 3, AMINA, 2, "edit"),
        (4, 4, JONAS, 1, "edit"),
        (5, 5, AMINA, 1, "edit"),
        (6, 6, AMINA, 1, "edit"),
        (7, 7, JONAS, 1, "amendment #2"),
        (8, 8, AMINA, 1, "edit"),
        (9, 9, AMINA, 1, "restored version 3"),
        (10, 10, AMINA, 1, "edit"),
        (11, 11, None, 1, "edit"),
        (12, 12, None, 1, "edit"),
    ]


def test_the_gap_is_measured_from_the_previous_version_not_the_first():
    steady = versions(*[(AMINA, "edit", 50 * i) for i in range(70)])  # an hour, every 50 s
    assert spans(domain.sessions(steady)) == [(1, 70, AMINA, 70, "edit")]
    assert spans(domain.sessions(steady, gap=49)) == [
        (n, n, AMINA, 1, "edit") for n in range(1, 71)
    ]
