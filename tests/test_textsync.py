"""drafting.textsync and its browser twin static/js/textsync.js.

Deltas, the three-way merge and track changes, in Python; then the same cases through node
(tests/js/textsync_cli.mjs, one process per test) to prove both ends agree on UTF-16 offsets.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, TypeVar

import pytest
from diff_match_patch import diff_match_patch
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from drafting import textsync
from drafting.domain import MAX_CLAUSE_CHARS
from drafting.errors import Invalid
from drafting.textsync import (
    DeltaError,
    Merge,
    apply_delta,
    distance,
    make_delta,
    merge3,
    track_changes,
)

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "tests" / "js" / "textsync_cli.mjs"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(
    NODE is None, reason="node is not installed, so static/js/textsync.js cannot be run"
)

T = TypeVar("T")

# Pairs that break naive UTF-16 handling: astral characters, ZWJ sequences, flags, skin
# tones, CJK, Arabic (RTL), combining marks, and characters that dmp %-escapes.
SAMPLES: list[tuple[str, str]] = [
    ("", ""),
    ("", "Article 1"),
    ("Article 1", ""),
    ("ab😀😀", "b😀😀"),  # npm dmp's patch_toText throws URIError here
    ("x😀y", "x😁y"),  # same high surrogate: JS dmp cuts the pair
    ("😀", "😁"),
    ("😀😀😀", "😀😁😀"),
    ("👩\u200d👩\u200d👧 family", "👩\u200d👩\u200d👦 family"),
    ("🏳️\u200d🌈 and 🇫🇷🇩🇪", "🏳️\u200d⚧️ and 🇫🇷🇮🇹"),
    ("👍🏽 agreed", "👍🏿 agreed!"),
    (
        "人人生而自由，在尊严和权利上一律平等。",
        "人人生而自由，在尊严和权利上一律平等，应以兄弟关系的精神相对待。",
    ),
    ("يولد جميع الناس أحرارًا.", "يولد جميع الناس أحرارًا متساوين في الكرامة."),
    ("cafe\u0301 nai\u0308ve", "cafe\u0300 nai\u0308ve\u0327"),
    ("𝒜𝒷𝒸 text", "𝒜𝒸 text 𝒹"),
    ("tabs\tand\nnewlines %20 %", "tabs\nand\t newlines %2 %% 100%"),
    ("a+b=c #x?y&z;/'()*!~", "a+b=d #x?y&z;/'()*!~ $@,"),
]

ASTRAL = "😀😁👍🏽🏿🇫🇷🇮🇹👩👧\u200d🌈𝒜𝒸"
MIXED = ASTRAL + "ab c.,人中文عربي\u0301\u0308é\n\t%+"

texts = st.text()
mixed_texts = st.text(alphabet=st.sampled_from(MIXED), max_size=40)
any_texts = st.one_of(texts, mixed_texts)
with_surrogates = st.text(
    alphabet=st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr)), max_size=20
)
# Prose-like text over a small alphabet, so two random edits share words and collide.
prose = st.text(alphabet=st.sampled_from("ab cd.😀人ع\u0301"), max_size=30)


@st.composite
def splice(draw: st.DrawFn, base: str, pieces: st.SearchStrategy[str]) -> str:
    """``base`` with one or two small edits at random places, as an author would make."""
    text = base
    for _ in range(draw(st.integers(1, 2))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 5)))
        text = text[:start] + draw(pieces.map(lambda s: s[:6])) + text[end:]
    return text


@st.composite
def edit_triples(draw: st.DrawFn, texts: st.SearchStrategy[str] = prose) -> tuple[str, str, str]:
    """(base, theirs, mine): both sides edit the same base, sometimes in the same place."""
    base = draw(texts)
    return base, draw(splice(base, texts)), draw(splice(base, texts))


def collect(strategy: st.SearchStrategy[T], count: int) -> list[T]:
    """Draw a batch with Hypothesis, to send to node in one process."""
    found: list[T] = []

    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(value: T) -> None:
        found.append(value)

    draw()
    return found


def run_js(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run a batch of requests through static/js/textsync.js in one node process."""
    assert NODE is not None
    proc = subprocess.run(
        [NODE, str(CLI)],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    assert len(results) == len(requests)
    return results


def is_valid(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- deltas -----------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), SAMPLES)
def test_delta_round_trip(old: str, new: str) -> None:
    assert apply_delta(old, make_delta(old, new)) == new


def test_delta_counts_utf16_units() -> None:
    assert make_delta("😀a", "😀b") == "=2\t-1\t+b"
    assert apply_delta("😀a", "=2\t-1\t+b") == "😀b"
    assert make_delta("a", "a😀") == "=1\t+%F0%9F%98%80"
    # Same wire format as dmp itself (which the browser's dmp shares).
    dmp = diff_match_patch()
    assert make_delta("x 😀 y", "x 😁 y!") == dmp.diff_toDelta(dmp.diff_main("x 😀 y", "x 😁 y!"))


def test_library_from_delta_needs_our_parser() -> None:
    """What dmp 20241021's own diff_fromDelta does, and why apply_delta does not use it."""
    dmp = diff_match_patch()
    assert dmp.diff_fromDelta("😀a", "=2\t-1\t+b") == [(0, "😀"), (-1, "a"), (1, "b")]  # UTF-16
    with pytest.raises(UnicodeDecodeError):  # not ValueError: a raw crash
        dmp.diff_fromDelta("😀a", "=1\t-2")
    assert dmp.diff_fromDelta("😀a", "=3\t+%FF")[-1] == (1, "\ufffd")  # bad UTF-8 let through
    assert dmp.diff_fromDelta("😀a", "=\u0663") == [(0, "😀a")]  # an Arabic-Indic 3


def test_delta_error_is_invalid() -> None:
    assert issubclass(DeltaError, Invalid)
    with pytest.raises(DeltaError) as caught:
        apply_delta("abc", "=2")
    assert caught.value.status == 400
    assert "another version" in caught.value.message


@pytest.mark.parametrize(
    ("old", "delta", "message"),
    [
        ("abc", "=2", "another version"),
        ("abc", "=4", "another version"),
        ("abc", "-1\t=3", "another version"),
        ("", "=1", "another version"),
        ("abc", "", "another version"),
        ("abc", "*3", "unknown operation"),
        ("abc", "=", "malformed count"),
        ("abc", "=-3", "malformed count"),
        ("abc", "= 3", "malformed count"),
        ("abc", "=+3", "malformed count"),
        ("abc", "=\u0663", "malformed count"),
        ("abc", "=3.0", "malformed count"),
        ("abc", "=99999999999999999999", "malformed count"),
        ("😀", "=1\t-1", "splits a character"),
        ("😀", "-1\t+x\t=1", "splits a character"),
        ("a😀b", "=2\t+x\t=2", "splits a character"),
        ("abc", "=3\t+%", "malformed %-escape"),
        ("abc", "=3\t+%zz", "malformed %-escape"),
        ("abc", "=3\t+%4", "malformed %-escape"),
        ("abc", "=3\t+%E2%82", "not valid UTF-8"),
        ("abc", "=3\t+%FF", "not valid UTF-8"),
        ("abc", "=3\t+%ED%A0%80", "not valid UTF-8"),  # an encoded lone surrogate
        ("abc", "=3\t+\ud83d", "not valid"),
        ("a\ud83db", "=3", "lone surrogate"),
    ],
)
def test_apply_delta_refuses(old: str, delta: str, message: str) -> None:
    with pytest.raises(DeltaError, match=message):
        apply_delta(old, delta)


@pytest.mark.parametrize("delta", [None, b"=3", 3, ["=3"]])
def test_apply_delta_refuses_non_strings(delta: Any) -> None:
    with pytest.raises(DeltaError, match="must be a string"):
        apply_delta("abc", delta)
    with pytest.raises(DeltaError, match="must be a string"):
        apply_delta(delta, "=3")


def test_apply_delta_tolerates_what_dmp_writes() -> None:
    assert apply_delta("abc", "=3\t") == "abc"  # trailing tab
    assert apply_delta("abc", "=1\t=0\t-02\t+x y") == "ax y"
    assert apply_delta("abc", "-3\t+%F0%9F%98%80 %25 #?&") == "😀 % #?&"
    assert apply_delta("", "+é") == "é"  # unescaped characters are accepted, as by decodeURI


def test_make_delta_refuses_lone_surrogates() -> None:
    with pytest.raises(DeltaError, match="lone surrogate"):
        make_delta("a", "a\ud83d")
    with pytest.raises(DeltaError, match="lone surrogate"):
        make_delta("\ude00", "a")


@given(any_texts, any_texts)
def test_delta_round_trip_property(old: str, new: str) -> None:
    delta = make_delta(old, new)
    assert apply_delta(old, delta) == new
    assert make_delta(old, new) == delta


@given(with_surrogates, with_surrogates)
def test_apply_delta_fuzz_garbage(old: str, delta: str) -> None:
    try:
        result = apply_delta(old, delta)
    except DeltaError:
        return
    assert is_valid(result)


delta_tokens = st.one_of(
    st.integers(0, 12).map(lambda n: f"={n}"),
    st.integers(0, 12).map(lambda n: f"-{n}"),
    st.text(alphabet=st.sampled_from("ab%0FfED8A9x😀\ud83d")).map(lambda s: "+" + s),
    st.text(max_size=3),
)


@given(with_surrogates, st.lists(delta_tokens, max_size=8).map("\t".join))
def test_apply_delta_fuzz_plausible(old: str, delta: str) -> None:
    try:
        result = apply_delta(old, delta)
    except DeltaError:
        return
    assert is_valid(result)


@given(with_surrogates, with_surrogates)
def test_make_delta_only_refuses_invalid_text(old: str, new: str) -> None:
    try:
        delta = make_delta(old, new)
    except DeltaError:
        assert not (is_valid(old) and is_valid(new))
        return
    assert apply_delta(old, delta) == new


# --- the work budget ----------------------------------------------------------------------


def test_diff_is_bounded_and_exact_on_the_largest_clause() -> None:
    rng = random.Random(7)
    size = MAX_CLAUSE_CHARS
    old = "".join(rng.choice("abcdefgh 😀") for _ in range(size))
    new = "".join(rng.choice("abcdefgh 😀") for _ in range(size))
    started = time.perf_counter()
    delta = make_delta(old, new)
    assert time.perf_counter() - started < 1.0
    assert apply_delta(old, delta) == new


def test_budget_makes_diffs_deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    old = "".join(rng.choice("abcd ") for _ in range(1500))
    new = "".join("X" if i % 15 == 0 else c for i, c in enumerate(old))
    full = make_delta(old, new)
    assert len(full) < 2 * len(old)  # fine-grained: ~100 small edits
    monkeypatch.setattr(textsync, "DIFF_WORK_BUDGET", 2_000)
    monkeypatch.setattr(textsync, "DIFF_TIMEOUT", 60.0)  # only the work budget may stop it
    coarse = make_delta(old, new)
    assert coarse != full  # the budget did cut the diff short…
    assert all(make_delta(old, new) == coarse for _ in range(3))  # …the same way every time
    assert apply_delta(old, coarse) == new


def test_periodic_text_skips_half_match() -> None:
    old, new = "ab" * 10_000, "ba" * 9_000 + "x" * 2_000
    started = time.perf_counter()
    delta = make_delta(old, new)
    assert time.perf_counter() - started < 1.0
    assert apply_delta(old, delta) == new


# --- merge3 -------------------------------------------------------------------------------


def test_merge_applies_both_separate_edits() -> None:
    base = "The Assembly notes the report. The Assembly adopts the plan."
    theirs = "The General Assembly notes the report. The Assembly adopts the plan."
    mine = "The Assembly notes the report. The Assembly adopts the revised plan."
    assert merge3(base, theirs, mine) == Merge(
        "The General Assembly notes the report. The Assembly adopts the revised plan.", False
    )


def test_merge_never_lands_on_an_identical_sentence() -> None:
    # fuzzy patch_apply was seen putting "all" into the second, identical sentence
    base = "We agree. We resolve to act. We agree."
    theirs = "We agree. We resolve to act together, now and always. We agree."
    mine = "We all agree. We resolve to act. We agree."
    assert merge3(base, theirs, mine) == Merge(
        "We all agree. We resolve to act together, now and always. We agree.", False
    )
    mine = "We agree. We resolve to act. We all agree."
    assert merge3(base, theirs, mine) == Merge(
        "We agree. We resolve to act together, now and always. We all agree.", False
    )


def test_merge_same_point_insertions_are_theirs_then_mine() -> None:
    result = merge3("Peace and justice.", "Peace and justice for all.", "Peace and justice now.")
    assert result == Merge("Peace and justice for all now.", False)


def test_merge_overlap_keeps_both_insertions_and_flags_conflict() -> None:
    base = "the quick brown fox jumps"
    result = merge3(base, "the lazy fox jumps", "the quick red dog jumps")
    assert result.conflicted
    assert "lazy" in result.text and "red dog" in result.text
    assert result.text.index("lazy") < result.text.index("red dog")
    assert "quick" not in result.text and "brown" not in result.text
    assert result.text.startswith("the ") and result.text.endswith(" jumps")


def test_merge_keeps_an_insertion_inside_text_the_other_side_deleted() -> None:
    base = "First point. Second point. Third point."
    theirs = "First point. Second and crucial point. Third point."
    mine = "First point. Third point."
    result = merge3(base, theirs, mine)
    assert result.conflicted
    assert "crucial" in result.text
    assert result.text.startswith("First point.") and result.text.endswith("Third point.")


def test_merge_of_nearby_insertions_never_writes_kept_text_twice() -> None:
    # Word alignment makes "<530..." and "<531..." around "o" one replacement of "o"; merged
    # with an insertion of the other side right there, the "o" was written twice and a marker
    # cut in two (seen in the live property test once edits arrived in batches).
    cases = [
        (
            "Decides t<525écb>o<528a😀 > ac<526b>t<527x«>;",
            "Dec<532a«😀«ع>ides<529c中cx><531z y> t<525écb><530 «́zaa>o<528a😀 > ac<526b>t<527x«>;",
            "Decides t<535ع😀 zxa><525écb>o<528a😀 > ac<534é中bع><526b><533عbyéé😀>t<527x«>;",
        ),
        (
            "D<642عa中́中>ecides to act;<643é«zzya>",
            "<644́😀>D<645́««y««><642عa中́中>ecides<646́ b中😀c> to a<647中́>ct;<643é«zzya>",
            "D<650ac><648éع«😀中><642عa中́中>ecid<649ééb>es to <651z>act;<643é«zzya>",
        ),
    ]
    for base, theirs, mine in cases:
        result = merge3(base, theirs, mine)
        markers = {m for text in (base, theirs, mine) for m in re.findall(r"<\d+[^<>]*>", text)}
        for m in markers:
            assert result.text.count(m) == 1, (m, result.text)
        assert len(result.text) == len(theirs) + len(mine) - len(base)
        assert not result.conflicted


def test_merge_identical_edits_apply_once() -> None:
    base = "one two three four"
    assert merge3(base, "one 2 three four", "one 2 three 4") == Merge("one 2 three 4", False)
    assert merge3(base, "one 2 three four", "one 2 three four") == Merge("one 2 three four", False)


def test_merge_touching_edits_are_not_a_conflict() -> None:
    # theirs replaces "cats" and mine inserts right after it: they touch, they do not overlap
    base_edits = textsync._merge_edits("cats sleep", [(0, 4, "dogs")], [(4, 4, " often")])
    assert base_edits == Merge("dogs often sleep", False)
    assert textsync._merge_edits("ab", [(1, 1, "X")], [(0, 1, "Y")]) == Merge("YXb", False)
    assert textsync._merge_edits("ab", [(0, 1, "Y")], [(1, 2, "Z")]) == Merge("YZ", False)


def test_merge_edit_rules() -> None:
    merge = textsync._merge_edits
    base = "0123456789"
    # insertion strictly inside a deletion: conflict, theirs' text first
    assert merge(base, [(2, 6, "T")], [(4, 4, "M")]) == Merge("01TM6789", True)
    assert merge(base, [(4, 4, "T")], [(2, 6, "M")]) == Merge("01TM6789", True)
    # overlapping replacements: union of deletions, both texts
    assert merge(base, [(2, 5, "T")], [(4, 8, "M")]) == Merge("01TM89", True)
    # a chain: theirs, mine, theirs all overlapping
    assert merge(base, [(1, 3, "A"), (5, 7, "B")], [(2, 6, "C")]) == Merge("0ABC789", True)
    # the same insertion point, and an insertion before a replacement at that point
    assert merge(base, [(3, 3, "T")], [(3, 3, "M")]) == Merge("012TM3456789", False)
    assert merge(base, [(3, 5, "T")], [(3, 3, "M")]) == Merge("012MT56789", False)


@given(any_texts, any_texts)
def test_merge_with_one_side_unchanged(base: str, other: str) -> None:
    assert merge3(base, other, base) == Merge(other, False)
    assert merge3(base, base, other) == Merge(other, False)
    assert merge3(base, other, other) == Merge(other, False)


@given(st.one_of(st.tuples(prose, prose, prose), edit_triples()))
def test_merge_keeps_every_insertion_and_is_deterministic(triple: tuple[str, str, str]) -> None:
    base, theirs, mine = triple
    result = merge3(base, theirs, mine)
    assert merge3(base, theirs, mine) == result
    if theirs == base or mine == base or theirs == mine:
        return
    for _, _, text in textsync._edits(base, theirs) + textsync._edits(base, mine):
        assert text in result.text


def _overlap(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    (s1, e1, _), (s2, e2, _) = a, b
    if s1 < e1 and s2 < e2:
        return max(s1, s2) < min(e1, e2)
    return s1 < s2 < e1 or s2 < s1 < e2


@given(edit_triples())
def test_merge_of_non_overlapping_edits_is_both_applied(triple: tuple[str, str, str]) -> None:
    base, theirs, mine = triple
    ours, others = textsync._edits(base, theirs), textsync._edits(base, mine)
    assume(not any(_overlap(t, m) for t in ours for m in others if t != m))
    result = merge3(base, theirs, mine)
    assert not result.conflicted
    # Applying both, right to left, in base order (insertions first at a point, theirs first).
    # An edit both sides made identically counts once.
    both = sorted(
        [(s, e, 0, t) for s, e, t in ours]
        + [(s, e, 1, t) for s, e, t in others if (s, e, t) not in ours]
    )
    expected = base
    for s, e, _, t in reversed(both):
        expected = expected[:s] + t + expected[e:]
    assert result.text == expected


segment = st.text(alphabet=st.sampled_from("abcxyz😀👍🏽人中عر\u0301"), min_size=1, max_size=8)


@given(
    st.lists(segment, min_size=2, max_size=6),
    st.data(),
)
def test_merge_of_edits_in_different_clauses(segments: list[str], data: st.DataObject) -> None:
    """Long unique separators keep the diffs apart: the merge must be exactly both edits."""
    count = len(segments)

    def join(parts: list[str]) -> str:
        return "".join(f"{part}\n§ point {i:03d} §\n" for i, part in enumerate(parts))

    sides = data.draw(st.lists(st.sampled_from([None, 0, 1]), min_size=count, max_size=count))
    theirs_parts, mine_parts = list(segments), list(segments)
    for i, side in enumerate(sides):
        if side is not None:
            edited = data.draw(segment.filter(segments[i].__ne__))
            (theirs_parts if side == 0 else mine_parts)[i] = edited
    expected = [theirs_parts[i] if side == 0 else mine_parts[i] for i, side in enumerate(sides)]
    result = merge3(join(segments), join(theirs_parts), join(mine_parts))
    assert result == Merge(join(expected), False)


# --- track changes and distance -------------------------------------------------------------


def test_track_changes_reads_as_words() -> None:
    assert track_changes("The quick brown fox", "The slow brown fox") == [
        ("equal", "The "),
        ("delete", "quick"),
        ("insert", "slow"),
        ("equal", " brown fox"),
    ]
    assert track_changes("", "") == []
    assert track_changes("", "new") == [("insert", "new")]


@given(any_texts, any_texts)
def test_track_changes_rebuilds_both_texts(old: str, new: str) -> None:
    runs = track_changes(old, new)
    assert {op for op, _ in runs} <= {"equal", "insert", "delete"}
    assert all(text for _, text in runs)
    assert "".join(t for op, t in runs if op != "insert") == old
    assert "".join(t for op, t in runs if op != "delete") == new


def test_distance() -> None:
    assert distance("kitten", "sitting") == 3
    assert distance("same", "same") == 0
    assert distance("", "abc") == 3
    assert distance("😀", "😁") == 1  # characters, not UTF-16 units
    original = "The Assembly adopts the plan."
    assert distance(original, "The Assembly adopts the plan!") < distance(
        original, "The Council rejects every plan."
    )


# --- interop with static/js/textsync.js ---------------------------------------------------


def _check_delta_interop(pairs: list[tuple[str, str]]) -> None:
    requests: list[dict[str, Any]] = []
    for old, new in pairs:
        requests.append({"op": "delta", "old": old, "new": new})
        requests.append({"op": "apply", "old": old, "delta": make_delta(old, new)})
    results = run_js(requests)
    for (old, new), js_delta, js_apply in zip(pairs, results[::2], results[1::2], strict=True):
        assert "error" not in js_delta, (old, new, js_delta)
        assert apply_delta(old, js_delta["delta"]) == new, (old, new, js_delta)
        assert js_apply == {"text": new}, (old, new, js_apply)


@needs_node
def test_js_reproduces_the_surrogate_bug_it_repairs() -> None:
    """npm dmp cuts a pair ("😀" vs "😁" share a high surrogate), then encodeURI throws."""
    script = (
        "const D = require(process.argv[1]); const d = new D();"
        "for (const [a, b] of [['x😀y', 'x😁y']]) {"
        " const diffs = d.diff_main(a, b);"
        " try { d.diff_toDelta(diffs); console.log('ok'); } catch (e) { console.log(e.name); }"
        " try { d.patch_toText(d.patch_make('ab😀😀', 'b😀😀')); console.log('ok'); }"
        " catch (e) { console.log(e.name); } }"
    )
    assert NODE is not None
    proc = subprocess.run(
        [NODE, "-e", script, str(REPO / "node_modules" / "diff-match-patch")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout.split() == ["URIError", "URIError"]


@needs_node
def test_js_and_python_deltas_interoperate_on_samples() -> None:
    _check_delta_interop(SAMPLES)


@needs_node
def test_js_and_python_deltas_interoperate_on_random_pairs() -> None:
    pairs = collect(st.tuples(any_texts, any_texts), 150)
    pairs += collect(st.tuples(mixed_texts, mixed_texts), 150)
    _check_delta_interop(pairs)


@needs_node
def test_js_apply_delta_refuses_what_python_refuses() -> None:
    cases = [
        ("abc", "=2"),
        ("abc", "*3"),
        ("abc", "= 3"),
        ("abc", "=\u0663"),
        ("😀", "=1\t-1"),
        ("abc", "=3\t+%zz"),
        ("abc", "=3\t+%E2%82"),
        ("abc", "=3\t+%ED%A0%80"),
        ("abc", "=3\t+\ud83d"),
        ("a\ud83db", "=3"),
    ]
    results = run_js([{"op": "apply", "old": old, "delta": delta} for old, delta in cases])
    for (old, delta), result in zip(cases, results, strict=True):
        with pytest.raises(DeltaError):
            apply_delta(old, delta)
        assert result.get("name") == "DeltaError", (old, delta, result)
    results = run_js([{"op": "delta", "old": "a", "new": "a\ud83d"}, {"op": "apply"}])
    assert "lone surrogate" in results[0]["error"]
    assert "must be a string" in results[1]["error"]


@needs_node
def test_js_garbage_deltas_raise_delta_error_only() -> None:
    cases = collect(st.tuples(with_surrogates, st.lists(delta_tokens, max_size=8)), 200)
    requests = [{"op": "apply", "old": old, "delta": "\t".join(t)} for old, t in cases]
    for (old, tokens), result in zip(cases, run_js(requests), strict=True):
        delta = "\t".join(tokens)
        try:
            expected = apply_delta(old, delta)
        except DeltaError:
            assert result.get("name") == "DeltaError", (old, delta, result)
        else:
            assert result == {"text": expected}, (old, delta, result)


@needs_node
def test_js_merge3_follows_the_same_rules() -> None:
    triples = collect(st.one_of(st.tuples(prose, prose, prose), edit_triples()), 200)
    fixed = [
        (
            "We agree. We resolve to act. We agree.",
            "We agree. We resolve to act together, now and always. We agree.",
            "We all agree. We resolve to act. We agree.",
        ),
        ("Peace and justice.", "Peace and justice for all.", "Peace and justice now."),
        ("the quick brown fox jumps", "the lazy fox jumps", "the quick red dog jumps"),
        ("one two three four", "one 2 three four", "one 2 three 4"),
        ("x😀y z", "x😁y z", "x😀y w"),
        ("👩\u200d👩\u200d👧 🇫🇷", "👩\u200d👩\u200d👦 🇫🇷", "👩\u200d👩\u200d👧 🇮🇹"),
    ]
    requests: list[dict[str, Any]] = []
    for base, theirs, mine in fixed + triples:
        requests += [
            {"op": "merge3", "base": base, "theirs": theirs, "mine": mine},
            {"op": "merge3", "base": base, "theirs": theirs, "mine": base},
            {"op": "merge3", "base": base, "theirs": base, "mine": mine},
            {"op": "merge3", "base": base, "theirs": theirs, "mine": theirs},
        ]
    results = run_js(requests)
    for i, (base, theirs, mine) in enumerate(fixed + triples):
        merged, only_theirs, only_mine, same = results[4 * i : 4 * i + 4]
        assert only_theirs == {"text": theirs, "conflicted": False}
        assert only_mine == {"text": mine, "conflicted": False}
        assert same == {"text": theirs, "conflicted": False}
        assert is_valid(merged["text"]), (base, theirs, mine, merged)
        if i < len(fixed):
            assert merged == {
                "text": merge3(base, theirs, mine).text,
                "conflicted": merge3(base, theirs, mine).conflicted,
            }


ascii_prose = st.text(alphabet=st.sampled_from("abc de.,;\n"), max_size=30)


@needs_node
def test_js_and_python_merge_alike_on_plain_text() -> None:
    """Same diff algorithm, same budget, same rules: identical merges where units agree."""
    triples = collect(st.tuples(ascii_prose, ascii_prose, ascii_prose), 150)
    triples += collect(edit_triples(ascii_prose), 150)
    requests = [{"op": "merge3", "base": b, "theirs": t, "mine": m} for b, t, m in triples]
    for (b, t, m), result in zip(triples, run_js(requests), strict=True):
        expected = merge3(b, t, m)
        assert result == {"text": expected.text, "conflicted": expected.conflicted}, (b, t, m)


@needs_node
def test_js_track_changes_on_whole_characters() -> None:
    pairs = SAMPLES + collect(st.tuples(mixed_texts, mixed_texts), 150)
    results = run_js([{"op": "track", "old": old, "new": new} for old, new in pairs])
    for (old, new), result in zip(pairs, results, strict=True):
        runs = result["runs"]
        assert all(is_valid(text) and text for _, text in runs), (old, new, runs)
        assert "".join(t for op, t in runs if op != "insert") == old
        assert "".join(t for op, t in runs if op != "delete") == new
    assert results[SAMPLES.index(("x😀y", "x😁y"))]["runs"] == [
        ["equal", "x"],
        ["delete", "😀"],
        ["insert", "😁"],
        ["equal", "y"],
    ]


# --- operations: transform and compose ------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(edit_triples(any_texts))
def test_transform_converges_and_compose_agrees(triple: tuple[str, str, str]) -> None:
    base, theirs, mine = triple
    assume(is_valid(base) and is_valid(theirs) and is_valid(mine))
    t, m = make_delta(base, theirs), make_delta(base, mine)
    t2, m2 = textsync.transform(t, m)  # theirs was committed first
    merged = apply_delta(theirs, m2)
    assert apply_delta(mine, t2) == merged
    assert apply_delta(base, textsync.compose(t, m2)) == merged
    assert apply_delta(base, textsync.compose(m, t2)) == merged
    assert textsync.compose_all([t, m2]) == textsync.compose(t, m2)
    assert apply_delta(base, textsync.compose_all([m, t2, make_delta(merged, base)])) == base


@settings(max_examples=200, deadline=None)
@given(st.lists(any_texts, min_size=2, max_size=6), any_texts)
def test_rebase_is_compose_then_transform(texts: list[str], mine_text: str) -> None:
    """The server's one-pass rebase gives what composing the committed edits and transforming
    gives, and its cached compositions hand out nothing a caller could change."""
    assume(all(is_valid(t) for t in [*texts, mine_text]))
    committed = [make_delta(a, b) for a, b in itertools.pairwise(texts)]
    mine = make_delta(texts[0], mine_text)
    since, mine_after = textsync.transform(textsync.compose_all(committed), mine)
    log = textsync.OpLog()
    for v, d in enumerate(committed, start=2):  # version 1 is texts[0]
        log.add(v, d)
    head = len(texts)
    assert log.rebase(1, head, mine) == (mine_after, since)
    assert log.rebase(1, head, mine) == (mine_after, since)  # from the cache, the same
    merged = apply_delta(texts[-1], mine_after)
    assert apply_delta(mine_text, since) == merged


@settings(max_examples=100, deadline=None)
@given(st.lists(any_texts, min_size=2, max_size=24), st.data())
def test_the_op_log_composes_any_run_of_versions_as_compose_all_does(
    texts: list[str], data: st.DataObject
) -> None:
    """The server's memory of recent operations (`OpLog`, blocks of versions composed once)
    gives, for any base, what composing each version since does; versions it no longer keeps
    are reported missing, never guessed."""
    assume(all(is_valid(t) for t in texts))
    deltas = [make_delta(a, b) for a, b in itertools.pairwise(texts)]  # version v+2 from v+1
    log = textsync.OpLog()
    for v, d in enumerate(deltas, start=2):
        log.add(v, d)
    head = len(texts)
    for _ in range(3):
        base = data.draw(st.integers(1, head - 1))
        expected = textsync.compose_all(deltas[base - 1 :])
        assert textsync.format_ops(log.since(base, head)) == expected
        mine = make_delta(texts[base - 1], texts[base - 1] + "+x")
        assert log.rebase(base, head, mine) == tuple(
            reversed(textsync.transform(textsync.compose_all(deltas[base - 1 :]), mine))
        )
    assert log.missing(0, head) == [1]
    log.KEEP = 4
    for v in range(head + 1, head + 8):
        log.add(v, f"={textsync.units(texts[-1])}")
    assert 2 in log.missing(1, head + 7) and not log.missing(head + 3, head + 7)


@st.composite
def two_insertions(draw: st.DrawFn) -> tuple[str, int, str, int, str]:
    """A boilerplate clause and two phrases inserted at chosen places, phrases that share
    characters with the words around them (where diffs go wrong)."""
    base = draw(st.sampled_from(BOILERPLATE))
    words = [0] + [i + 1 for i, ch in enumerate(base) if ch == " "] + [len(base)]
    p = draw(st.sampled_from(words))
    q = draw(st.sampled_from(words))
    x = draw(st.sampled_from(PHRASES))
    y = draw(st.sampled_from(PHRASES))
    return base, p, x, q, y


BOILERPLATE = [
    "Requests the Secretary-General to report on the implementation of the present resolution;",
    "Decides to remain seized of the matter, and decides to consider the matter again;",
    "the the the report report to to the",
]
PHRASES = ["the ", "report ", "further ", "to the ", "Secretary-General ", "re", "t", "e "]


@settings(max_examples=400, deadline=None)
@given(two_insertions())
def test_transform_keeps_each_insertion_whole_and_in_its_place(
    case: tuple[str, int, str, int, str],
) -> None:
    """What I typed is where I typed it, exactly once: two authors insert at chosen places;
    the result is the clause with both phrases at those places (the first committed first
    where they are at the same place), whatever the words around them."""
    base, p, x, q, y = case
    first = f"={p}\t+{x}\t={len(base) - p}"
    second = f"={q}\t+{y}\t={len(base) - q}"
    f2, s2 = textsync.transform(first, second)
    expected = (
        base[:p] + x + base[p:q] + y + base[q:]
        if p <= q
        else base[:q] + y + base[q:p] + x + base[p:]
    )
    assert apply_delta(apply_delta(base, first), s2) == expected
    assert apply_delta(apply_delta(base, second), f2) == expected


def test_transform_refuses_changes_of_different_texts() -> None:
    with pytest.raises(DeltaError):
        textsync.transform("=3", "=4")
    with pytest.raises(DeltaError):
        textsync.compose("=3\t+ab", "=4")


@needs_node
def test_transform_and_compose_match_javascript() -> None:
    triples = [t for t in collect(edit_triples(any_texts), 300) if all(map(is_valid, t))]
    requests = []
    for base, theirs, mine in triples:
        t, m = make_delta(base, theirs), make_delta(base, mine)
        requests.append({"op": "transform", "first": t, "second": m})
        requests.append({"op": "compose", "first": t, "then": textsync.transform(t, m)[1]})
        back = make_delta(merged := apply_delta(theirs, textsync.transform(t, m)[1]), base)
        requests.append({"op": "composeAll", "deltas": [t, textsync.transform(t, m)[1], back]})
        assert apply_delta(base, textsync.compose_all(requests[-1]["deltas"])) == base, merged
    results = run_js(requests)
    for req, got in zip(requests, results, strict=True):
        if req["op"] == "transform":
            assert [got["first"], got["second"]] == list(
                textsync.transform(req["first"], req["second"])
            )
        elif req["op"] == "compose":
            assert got["delta"] == textsync.compose(req["first"], req["then"])
        else:
            assert got["delta"] == textsync.compose_all(req["deltas"])


@needs_node
def test_a_keystroke_is_placed_where_the_caret_is() -> None:
    """The browser turns an input event into an operation by the caret: an "e" typed after
    an "e", a space after a space, a word pasted after the same word, each lands at the caret
    (a diff alone would put it one place earlier), and emoji are never split."""
    cases = [
        ("tree", 4, "e"),  # "tree|" + "e"
        ("tree", 3, "e"),  # "tre|e" + "e": the new e is the third
        ("the  report", 5, " "),
        ("report report", 7, "report "),
        ("a😀b", 3, "😀"),
        ("abc", 0, "x"),
    ]
    requests = []
    for text, at, typed in cases:
        after = text[:at] + typed + text[at:]
        caret = len((text[:at] + typed).encode("utf-16-le")) // 2
        requests.append({"op": "edit", "before": text, "after": after, "caret": caret})
        # and deleting it again (backspace leaves the caret where the character began)
        before_caret = len(text[:at].encode("utf-16-le")) // 2
        requests.append({"op": "edit", "before": after, "after": text, "caret": before_caret})
    results = run_js(requests)
    for (text, at, typed), ins, back in zip(cases, results[::2], results[1::2], strict=True):
        at_units = len(text[:at].encode("utf-16-le")) // 2
        assert apply_delta(text, ins["delta"]) == text[:at] + typed + text[at:]
        assert apply_delta(text[:at] + typed + text[at:], back["delta"]) == text
        assert where(ins["delta"]) == (at_units, typed), (text, at, typed, ins)
        assert where(back["delta"]) == (at_units, -units(typed)), (text, at, typed, back)


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def where(delta: str) -> tuple[int, object]:
    """Where a one-change delta changes its text, and what it does there."""
    ops = textsync.parse_ops(delta)
    if isinstance(ops[0], int) and ops[0] > 0:
        return ops[0], ops[1]
    return 0, ops[0]


# --- undo: the inverse of a change, and undo steps in the browser ------------------------------


@settings(max_examples=300, deadline=None)
@given(edit_triples(any_texts))
def test_invert_undoes_a_change_and_transforms_like_one(triple: tuple[str, str, str]) -> None:
    """The inverse of my change gives the text back; transformed over their concurrent change,
    it takes back exactly mine: their insertions stay, whatever mine deleted around them."""
    base, theirs, mine = triple
    assume(is_valid(base) and is_valid(theirs) and is_valid(mine))
    m = make_delta(base, mine)
    undo = textsync.invert(m, base)
    assert apply_delta(mine, undo) == base
    assert textsync.invert(undo, mine) == textsync.format_ops(textsync.parse_ops(m))
    t = make_delta(base, theirs)
    t_after_m, _ = textsync.transform(t, m)  # theirs, on my text
    _, undo_after_t = textsync.transform(t_after_m, undo)
    both = apply_delta(mine, t_after_m)
    # undoing mine after theirs is theirs alone when my change only inserted
    if all(isinstance(c, str) or c > 0 for c in textsync.parse_ops(m)):
        assert apply_delta(both, undo_after_t) == theirs


def test_invert_refuses_a_delta_of_another_text() -> None:
    with pytest.raises(DeltaError):
        textsync.invert("=3\t-2", "abc")
    with pytest.raises(DeltaError):
        textsync.invert("=1\t-1\t=1", "a😀")  # half an emoji


@needs_node
def test_invert_matches_javascript() -> None:
    triples = [t for t in collect(edit_triples(any_texts), 200) if all(map(is_valid, t))]
    requests = [
        {"op": "invert", "delta": make_delta(base, mine), "before": base}
        for base, _, mine in triples
    ]
    for req, got in zip(requests, run_js(requests), strict=True):
        assert got["delta"] == textsync.invert(req["delta"], req["before"])


@needs_node
def test_undo_steps_in_the_browser_core() -> None:
    """tests/js/undo.test.mjs under node's test runner: typing undone a word at a time, undo
    transformed over others' edits (their words kept), redo, and a restore as its own edit."""
    assert NODE is not None
    proc = subprocess.run(
        [NODE, "--test", str(REPO / "tests" / "js" / "undo.test.mjs")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout
