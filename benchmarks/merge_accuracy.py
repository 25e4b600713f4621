"""How often does a concurrent edit land in the wrong sentence? Fuzzy patch vs. three-way merge.

Evidence for docs/architecture.md's choice of scheme. Resolutions repeat boilerplate, so a
clause here is a run of sentences from a few templates ("Requests the Secretary-General to
report on X at its S session;" for many X), one per line, where the sentence a delegate edits
has a twin elsewhere: identical (half of the trials) or the same template with another topic.

Each trial takes one base text and two concurrent edits of it:

- *mine*: one word inserted, replaced or deleted in the target sentence (any word of it);
- *theirs*: a change elsewhere that shifts or reshapes the text around it: a sentence
  inserted, deleted or reworded before the target, the neighbouring sentence reworded, or
  (controls) a sentence inserted or deleted after it. Theirs never touches the target sentence
  and never inserts a copy of it, so there is exactly one right answer: theirs applied, and
  mine applied to the target sentence.

Then mine is reconciled onto theirs two ways:

(a) ``patch_apply(patch_make(base, mine), theirs)``: diff-match-patch's fuzzy patch with its
    default settings, which is what Differential Synchronization does when a client's edit
    reaches a server text that others have changed (the patch finds the place whose context
    matches best near the expected offset);
(b) ``drafting.textsync.merge3(base, theirs, mine)``: what our server does (both sides' edits
    mapped to offsets in the same base).

Outcomes: ``correct`` (exactly the right text), ``misplaced`` (theirs, plus mine's change made
unchanged in a different sentence), ``misplaced_in_sentence`` (the same, at a wrong place in
the right sentence; theirs only changes the target sentence in ``reword_same``), ``dropped``
(the result is theirs: mine lost), ``garbled`` (anything else).
For (a), ``silent_wrong`` counts results that are not correct although patch_apply reported
every patch applied. The last line of output is a JSON object with the same figures.

    .venv/bin/python benchmarks/merge_accuracy.py [--trials 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# The comparison baseline (a) uses diff-match-patch directly, as DiffSync would. The server
# itself only ever reaches diff-match-patch through drafting/textsync.py.
from diff_match_patch import diff_match_patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drafting import textsync  # noqa: E402

TEMPLATES = [
    "Requests the Secretary-General to report to the General Assembly on {x} at its {s} session;",
    "Encourages Member States to continue to support {x};",
    "Calls upon all States to cooperate fully with the United Nations on {x};",
    "Decides to include in the provisional agenda of its {s} session an item on {x};",
    "Invites the relevant organizations of the United Nations system to contribute to {x};",
]
# Most lines use the first template: a long list of reporting requests is typical.
WEIGHTS = [6, 2, 1, 1, 1]
TOPICS = [
    "the implementation of the present resolution",
    "the financing of sustainable development",
    "the situation of migrant workers",
    "the protection of civilians in armed conflict",
    "oceans and the law of the sea",
    "the rights of persons with disabilities",
    "the follow-up to the Fourth World Conference on Women",
    "international cooperation on humanitarian assistance",
    "the prevention of an arms race in outer space",
    "the elimination of violence against women and girls",
    "road safety",
    "the question of Western Sahara",
]
SESSIONS = ["eightieth", "eighty-first", "eighty-second"]
WORDS = ["urgently", "annually", "comprehensive", "detailed", "written", "further", "also"]
THEIRS_KINDS = [
    "insert_before",
    "delete_before",
    "reword_before",
    "reword_neighbour",
    "reword_same",
    "insert_after",
    "delete_after",
]


def sentence(rng: random.Random) -> str:
    t = rng.choices(TEMPLATES, WEIGHTS)[0]
    return t.format(x=rng.choice(TOPICS), s=rng.choice(SESSIONS))


@dataclass
class Trial:
    base: str
    mine: str
    theirs: str
    expected: str
    segment: str  # what mine replaced (empty for an insertion)
    new: str  # with what
    target_line: int  # the target sentence's line in theirs
    theirs_kind: str
    mine_kind: str
    twin: str  # "identical" or "similar"


def word_spans(s: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, ch in enumerate(s + " "):
        if ch != " " and start is None:
            start = i
        elif ch == " " and start is not None:
            spans.append((start, i))
            start = None
    return spans


def make_mine(s: str, rng: random.Random) -> tuple[str, int, int, str]:
    """An edit of one sentence: (old segment start, end, new segment) and its kind."""
    spans = word_spans(s)
    a, b = rng.choice(spans)
    kind = rng.choice(["insert", "replace", "delete"])
    if kind == "insert":
        return kind, b, b, " " + rng.choice(WORDS)
    if kind == "replace":
        new = rng.choice([w for w in WORDS if w != s[a:b]])
        return kind, a, b, new
    # delete the word and the space before it (or after it, for the first word)
    return (kind, a - 1, b, "") if a > 0 else (kind, a, b + 1, "")


def edit_at(s: str, start: int, end: int, new: str) -> str:
    return s[:start] + new + s[end:]


def other_word(s: str, start: int, end: int, rng: random.Random) -> tuple[int, int, str]:
    """Theirs editing a word of the same sentence that is clear of mine (an untouched word
    between them): a word replaced, or a phrase inserted after it."""
    spans = word_spans(s)
    mine = [i for i, (a, b) in enumerate(spans) if a < max(end, start + 1) and b > start - 1]
    lo, hi = min(mine), max(mine)
    far = [i for i in range(len(spans)) if i < lo - 1 or i > hi + 1]
    a, b = spans[rng.choice(far)]
    if rng.random() < 0.5:
        return a, b, rng.choice(["consolidated", "regular", "oral"])
    return b, b, " " + rng.choice(["and its subsidiary bodies", "as a matter of priority"])


def reword(s: str, rng: random.Random) -> str:
    """Theirs rewording a sentence: a phrase inserted or a word dropped."""
    spans = word_spans(s)
    a, b = rng.choice(spans[1:])
    if rng.random() < 0.5:
        return (
            s[:b]
            + " "
            + rng.choice(["and its subsidiary bodies", "as a matter of priority"])
            + s[b:]
        )
    return s[: a - 1] + s[b:]


def make_trial(rng: random.Random) -> Trial:
    n = rng.randint(12, 30)
    lines = [sentence(rng) for _ in range(n)]
    target = rng.randint(3, n - 4)
    # the target's twin, at least two sentences away
    twin_at = rng.choice([j for j in range(n) if abs(j - target) >= 2])
    twin = rng.choice(["identical", "similar"])
    if twin == "identical":
        lines[twin_at] = lines[target]
    else:
        lines[twin_at] = lines[target]
        while lines[twin_at] == lines[target]:
            t = TEMPLATES[0]
            lines[target] = t.format(x=rng.choice(TOPICS), s=rng.choice(SESSIONS))
            lines[twin_at] = t.format(x=rng.choice(TOPICS), s=rng.choice(SESSIONS))
    mine_kind, m_start, m_end, m_new = make_mine(lines[target], rng)

    kind = rng.choice(THEIRS_KINDS)
    after = list(lines)
    new_target = target
    if kind == "insert_before":
        at = rng.randint(max(0, target - 4), target)
        new = sentence(rng)
        while new == lines[target]:
            new = sentence(rng)
        after.insert(at, new)
        new_target += 1
    elif kind == "delete_before":
        choices = [j for j in range(target) if lines[j] != lines[target]]
        j = rng.choice(choices)
        del after[j]
        new_target -= 1
    elif kind == "reword_before":
        j = rng.randint(0, target - 1)
        after[j] = reword(lines[j], rng)
    elif kind == "reword_neighbour":
        after[target - 1] = reword(lines[target - 1], rng)
    elif kind == "reword_same":
        # another word of the target sentence, at least one untouched word away from mine
        t_start, t_end, t_new = other_word(lines[target], m_start, m_end, rng)
        after[target] = edit_at(lines[target], t_start, t_end, t_new)
    elif kind == "insert_after":
        new = sentence(rng)
        while new == lines[target]:
            new = sentence(rng)
        after.insert(rng.randint(target + 1, n), new)
    else:  # delete_after
        choices = [j for j in range(target + 1, n) if lines[j] != lines[target]]
        del after[rng.choice(choices)]

    def with_mine(ls: list[str], k: int) -> str:
        out = list(ls)
        out[k] = edit_at(out[k], m_start, m_end, m_new)
        return "\n".join(out)

    original = lines[target]
    segment = original[m_start:m_end]
    expected = with_mine(after, new_target)
    if kind == "reword_same":
        both = sorted([(m_start, m_end, m_new), (t_start, t_end, t_new)], reverse=True)
        line = original
        for start, end, new in both:
            line = edit_at(line, start, end, new)
        expected = "\n".join(after[:target] + [line] + after[target + 1 :])
    return Trial(
        base="\n".join(lines),
        mine=with_mine(lines, target),
        theirs="\n".join(after),
        expected=expected,
        segment=segment,
        new=m_new,
        target_line=new_target,
        theirs_kind=kind,
        mine_kind=mine_kind,
        twin=twin,
    )


def misplaced_at(result: str, t: Trial) -> int | None:
    """The line of theirs where mine's change was made instead, if the result is theirs with
    mine's change (same old segment, same new text) made at some other place."""
    if len(result) != len(t.theirs) + len(t.new) - len(t.segment):
        return None
    common = 0
    for a, b in zip(result, t.theirs, strict=False):
        if a != b:
            break
        common += 1
    # equal runs let the same change sit a little to the left of the first difference
    for p in range(common, max(-1, common - len(t.new) - len(t.segment) - 2), -1):
        end = p + len(t.segment)
        if t.theirs[p:end] == t.segment and result == t.theirs[:p] + t.new + t.theirs[end:]:
            return t.theirs.count("\n", 0, p)
    return None


def classify(result: str, t: Trial) -> str:
    if result == t.expected:
        return "correct"
    if result == t.theirs:
        return "dropped"
    line = misplaced_at(result, t)
    if line is not None:
        return "misplaced" if line != t.target_line else "misplaced_in_sentence"
    return "garbled"


def run(trials: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    dmp = diff_match_patch()  # default settings, as DiffSync implementations use them
    totals: dict[str, Counter[str]] = {"patch_apply": Counter(), "merge3": Counter()}
    by_kind: dict[str, Counter[str]] = {}
    by_twin: dict[str, Counter[str]] = {}
    silent_wrong = 0
    reported_failure = 0
    examples: list[dict[str, str]] = []
    for _ in range(trials):
        t = make_trial(rng)
        patched, applied = dmp.patch_apply(dmp.patch_make(t.base, t.mine), t.theirs)
        a = classify(patched, t)
        b = classify(textsync.merge3(t.base, t.theirs, t.mine).text, t)
        totals["patch_apply"][a] += 1
        totals["merge3"][b] += 1
        if all(applied):
            silent_wrong += a != "correct"
        else:
            reported_failure += 1
        by_kind.setdefault(t.theirs_kind, Counter())[f"patch_apply:{a}"] += 1
        by_kind[t.theirs_kind][f"merge3:{b}"] += 1
        by_twin.setdefault(t.twin, Counter())[f"patch_apply:{a}"] += 1
        by_twin[t.twin][f"merge3:{b}"] += 1
        if a == "misplaced" and t.theirs_kind == "insert_before" and not examples:
            examples.append(_example(t, patched))
    outcomes = ["correct", "misplaced", "misplaced_in_sentence", "dropped", "garbled"]
    return {
        "trials": trials,
        "seed": seed,
        "patch_apply": {k: totals["patch_apply"][k] for k in outcomes},
        "patch_apply_silent_wrong": silent_wrong,
        "patch_apply_reported_failure": reported_failure,
        "merge3": {k: totals["merge3"][k] for k in outcomes},
        "by_theirs_kind": {k: dict(sorted(v.items())) for k, v in sorted(by_kind.items())},
        "by_twin": {k: dict(sorted(v.items())) for k, v in sorted(by_twin.items())},
        "example": examples[0] if examples else None,
    }


def _example(t: Trial, patched: str) -> dict[str, str]:
    """The lines where the expected text and the fuzzy patch's result differ."""
    exp, got = t.expected.split("\n"), patched.split("\n")
    diff = [(i, e, g) for i, (e, g) in enumerate(zip(exp, got, strict=False)) if e != g]
    return {
        "theirs": t.theirs_kind,
        "mine": t.mine_kind,
        "lines": "; ".join(f"line {i + 1}: expected {e!r}, got {g!r}" for i, e, g in diff),
    }


def pct(n: int, total: int) -> str:
    return f"{n} ({100 * n / total:.1f}%)"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if not 1 <= args.trials <= 1_000_000:
        p.error("--trials must be in [1, 1000000]")
    r = run(args.trials, args.seed)
    n = args.trials
    print(f"{n} concurrent edit pairs on boilerplate-heavy clauses (seed {args.seed})")
    for method in ("patch_apply", "merge3"):
        c = r[method]
        assert isinstance(c, dict)
        print(
            f"  {method:12s} correct {pct(c['correct'], n)}, misplaced {pct(c['misplaced'], n)}"
            f" (+ {c['misplaced_in_sentence']} elsewhere in the right sentence),"
            f" dropped {pct(c['dropped'], n)}, garbled {pct(c['garbled'], n)}"
        )
    silent, failed = (
        int(str(r["patch_apply_silent_wrong"])),
        int(str(r["patch_apply_reported_failure"])),
    )
    print(
        f"  patch_apply reported success but was wrong: {pct(silent, n)}; "
        f"reported a failure: {pct(failed, n)}"
    )
    print("  by what the other author did (patch_apply / merge3 misplaced+dropped+garbled):")
    by_kind = r["by_theirs_kind"]
    assert isinstance(by_kind, dict)
    for kind, c in by_kind.items():
        total = sum(v for k, v in c.items() if k.startswith("merge3:"))
        bad_a = total - c.get("patch_apply:correct", 0)
        bad_b = total - c.get("merge3:correct", 0)
        print(f"    {kind:17s} {bad_a:4d} / {bad_b:4d}  of {total}")
    if r["example"]:
        print(f"  example of a silent misplacement: {r['example']}")
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
