"""The one wrapper around diff-match-patch on the server (its twin is static/js/textsync.js).

Every merge, rebase and track-changes rendering goes through here so the rules live in one
place:

- Deltas (dmp's ``diff_toDelta`` format: tab-separated ``=n``, ``-n``, ``+%-escaped``) are
  the wire format between browser and server. Counts are UTF-16 code units, because that is
  what JavaScript strings count; Python strings count code points, so this module converts.
- ``merge3`` is a deterministic three-way merge on base offsets, not dmp's fuzzy
  ``patch_apply``: fuzzy matching was seen landing an edit on an identical later sentence.
- Diffs run under a deterministic work budget instead of dmp's wall-clock deadline, so the
  same inputs give the same diff (and the same merge) on any machine and under any load,
  and a huge diff still cannot block a worker.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from diff_match_patch import diff_match_patch

from .errors import Invalid

__all__ = [
    "DeltaError",
    "Merge",
    "apply_delta",
    "distance",
    "make_delta",
    "merge3",
    "track_changes",
]

# Clauses are at most domain.MAX_CLAUSE_CHARS long; the diff budget is sized for that.

DIFF_WORK_BUDGET = 120_000
"""Bisection work (sum of edit-distance steps) one diff may spend before it settles for a
coarser but still exact result. About 0.1 s of CPython on the worst pair of 20,000-character
clauses; ordinary amendments use a few hundred."""

DIFF_TIMEOUT = 0.2
"""Wall-clock backstop in seconds, only reached if the machine is far slower than expected."""

_HALF_MATCH_TRIES = 32
"""dmp's half-match shortcut is skipped when a seed occurs more often than this."""

_EQUAL, _DELETE, _INSERT = (
    diff_match_patch.DIFF_EQUAL,
    diff_match_patch.DIFF_DELETE,
    diff_match_patch.DIFF_INSERT,
)
_OP_NAMES = {_EQUAL: "equal", _INSERT: "insert", _DELETE: "delete"}
_COUNT = re.compile(r"[0-9]{1,9}")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class DeltaError(Invalid):
    """A delta we cannot apply: malformed, or made against another version of the text."""


@dataclass(frozen=True, slots=True)
class Merge:
    """Result of `merge3`: the merged text, and whether both sides edited the same words."""

    text: str
    conflicted: bool


class _Budget:
    """Stands in for dmp's deadline: dmp only ever asks ``time.time() > deadline``.

    Counting work instead of reading the clock makes the diff depend on the texts alone.
    """

    __slots__ = ("spent", "backstop")

    def __init__(self) -> None:
        self.spent = 0
        self.backstop = time.monotonic() + DIFF_TIMEOUT

    def exhausted(self, step_cost: int) -> bool:
        self.spent += step_cost
        return self.spent > DIFF_WORK_BUDGET or time.monotonic() > self.backstop


class _Round:
    """The deadline one ``diff_bisect`` call sees; its d-th step costs d units of work."""

    __slots__ = ("budget", "step")

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget
        self.step = 0

    def __lt__(self, _now: object) -> bool:
        # `now > deadline` falls back to `deadline < now`: True means "give up".
        self.step += 1
        return self.budget.exhausted(self.step)


class _Dmp(diff_match_patch):
    """dmp with a per-call work meter around the only place that looks at the deadline."""

    def diff_bisect(self, text1: str, text2: str, deadline: Any) -> Any:
        if isinstance(deadline, _Round):
            deadline = _Round(deadline.budget)
        elif isinstance(deadline, _Budget):
            deadline = _Round(deadline)
        return super().diff_bisect(text1, text2, deadline)

    def diff_halfMatch(self, text1: str, text2: str) -> Any:
        # dmp tries every occurrence of two quarter-length seeds; in a periodic text
        # ("abab…") that is thousands of tries and ~0.2 s, outside any deadline. Skip it then.
        long, short = (text1, text2) if len(text1) > len(text2) else (text2, text1)
        if len(long) >= 4 and len(short) * 2 >= len(long):
            quarter = len(long) // 4
            for i in ((len(long) + 3) // 4, (len(long) + 1) // 2):
                seed, j = long[i : i + quarter], -1
                for _ in range(_HALF_MATCH_TRIES):
                    j = short.find(seed, j + 1)
                    if j < 0:
                        break
                else:
                    return None
        return super().diff_halfMatch(text1, text2)


_DMP = _Dmp()
# Must stay > 0: dmp only takes its half-match shortcut when time is bounded.
_DMP.Diff_Timeout = DIFF_TIMEOUT

_Diffs = list[tuple[int, str]]


def _diff(a: str, b: str) -> _Diffs:
    """Character diff under the work budget (no line mode: clauses are prose)."""
    diffs: _Diffs = _DMP.diff_main(a, b, False, _Budget())
    return diffs


def _require_text(value: object, what: str) -> str:
    """Both ends must agree on the text, so it has to be well-formed UTF-16/UTF-8."""
    if not isinstance(value, str):
        raise DeltaError(f"{what} must be a string, not {type(value).__name__}.")
    try:
        value.encode("utf-16-le")  # strict: refuses lone surrogates (3x faster than UTF-8)
    except UnicodeEncodeError as err:
        raise DeltaError(
            f"{what} contains a lone surrogate at position {err.start}; it is not valid text."
        ) from None
    return value


def make_delta(old: str, new: str) -> str:
    """The delta turning ``old`` into ``new``, counted in UTF-16 code units.

    Raises `DeltaError` only for texts that are not valid Unicode (lone surrogates).
    """
    _require_text(old, "The old text")
    _require_text(new, "The new text")
    diffs = _diff(old, new)
    _DMP.diff_cleanupEfficiency(diffs)
    # dmp's toDelta counts UTF-16 units and %-escapes UTF-8 exactly as encodeURI does.
    delta: str = _DMP.diff_toDelta(diffs)
    return delta


def _decode_insert(param: str) -> str:
    if "%" not in param and param.isascii():
        return param
    if _BAD_ESCAPE.search(param):
        raise DeltaError(f"The delta has a malformed %-escape in an insertion: {param[:40]!r}.")
    try:
        return urllib.parse.unquote_to_bytes(param).decode("utf-8")
    except UnicodeError:
        raise DeltaError("The delta inserts text that is not valid UTF-8 or Unicode.") from None


def apply_delta(old: str, delta: str) -> str:
    """Apply a delta made against exactly ``old``; refuse anything else with `DeltaError`.

    dmp's own ``diff_fromDelta`` does count UTF-16 units, but it lets ``UnicodeDecodeError``
    escape when a count splits a surrogate pair, replaces bad UTF-8 with U+FFFD silently and
    accepts counts like ``" 3"`` or ``"٣"``; this strict parser refuses all of those.
    """
    if not isinstance(old, str):
        raise DeltaError(f"The text must be a string, not {type(old).__name__}.")
    if not isinstance(delta, str):
        raise DeltaError(f"A delta must be a string, not {type(delta).__name__}.")
    try:
        units = old.encode("utf-16-le")  # 2 bytes per UTF-16 unit; refuses lone surrogates
    except UnicodeEncodeError as err:
        raise DeltaError(
            f"The text contains a lone surrogate at position {err.start}; it is not valid text."
        ) from None
    total = len(units) // 2
    pos = 0
    out: list[str] = []
    for token in delta.split("\t"):
        if not token:
            continue  # dmp tolerates empty tokens (a trailing tab)
        op, param = token[0], token[1:]
        if op == "+":
            out.append(_decode_insert(param))
            continue
        if op not in "=-":
            raise DeltaError(f"The delta has an unknown operation {op!r}.")
        if not _COUNT.fullmatch(param):
            raise DeltaError(f"The delta has a malformed count {param[:20]!r}.")
        end = pos + int(param)
        if end > total:
            raise DeltaError(
                f"The delta covers more than the text ({total} units): "
                "it was made against another version."
            )
        if end < total and 0xDC <= units[2 * end + 1] <= 0xDF:
            raise DeltaError("The delta splits a character in two (a UTF-16 surrogate pair).")
        if op == "=":
            out.append(units[2 * pos : 2 * end].decode("utf-16-le"))
        pos = end
    if pos != total:
        raise DeltaError(
            f"The delta covers {pos} of the text's {total} units: "
            "it was made against another version."
        )
    return "".join(out)


# An edit on base offsets: base[start:end] is replaced by text.
_Edit = tuple[int, int, str]


def _edits(base: str, other: str) -> list[_Edit]:
    """The edits turning ``base`` into ``other``, word-aligned, separated by unchanged text.

    Word alignment (``diff_cleanupSemantic``) turns insertions close together into one
    replacement that swallows the text between them: two markers typed around "b" become
    "replace b with XbY". Merged against the other side's edits there, the swallowed text would
    be written twice. A replacement that only inserts is therefore split back into its
    insertions.
    """
    edits: list[_Edit] = []
    for start, end, text in _word_edits(base, other):
        if end > start and len(text) > end - start:
            inserts = _insertions(base[start:end], text)
            if inserts is not None:
                edits.extend((start + at, start + at, ins) for at, ins in inserts)
                continue
        edits.append((start, end, text))
    return edits


def _insertions(old: str, new: str) -> list[tuple[int, str]] | None:
    """``new`` as insertions into ``old`` (offset in ``old``, text), if it deletes nothing."""
    found: list[tuple[int, str]] = []
    pos = 0
    for op, text in _diff(old, new):
        if op == _DELETE:
            return None
        if op == _EQUAL:
            pos += len(text)
        elif found and found[-1][0] == pos:
            found[-1] = (pos, found[-1][1] + text)
        else:
            found.append((pos, text))
    return found


def _word_edits(base: str, other: str) -> list[_Edit]:
    diffs = _diff(base, other)
    _DMP.diff_cleanupSemantic(diffs)
    edits: list[_Edit] = []
    pos = 0
    start = -1
    inserted: list[str] = []
    for op, text in diffs:
        if op == _EQUAL:
            if start >= 0 and text:
                edits.append((start, pos, "".join(inserted)))
                start, inserted = -1, []
            pos += len(text)
            continue
        if start < 0:
            start = pos
        if op == _DELETE:
            pos += len(text)
        else:
            inserted.append(text)
    if start >= 0:
        edits.append((start, pos, "".join(inserted)))
    return edits


def _merge_edits(base: str, theirs: list[_Edit], mine: list[_Edit]) -> Merge:
    """Apply both edit lists to ``base``; see `merge3` for the rules."""
    same = set(theirs)
    # (start, end, side): at one point insertions go before replacements, theirs before mine.
    tagged = sorted(
        [(s, e, 0, t) for s, e, t in theirs]
        + [(s, e, 1, t) for s, e, t in mine if (s, e, t) not in same]
    )
    out: list[str] = []
    conflicted = False
    pos = 0
    i = 0
    while i < len(tagged):
        start, end, _, _ = tagged[i]
        group = [tagged[i]]
        i += 1
        # Join every edit overlapping the group: sharing base characters, or inserting
        # strictly inside what the group deletes. Touching edits stay separate.
        while i < len(tagged):
            s, e, _, _ = tagged[i]
            if s < end and (s > start or e > s):
                group.append(tagged[i])
                end = max(end, e)
                i += 1
            else:
                break
        out.append(base[pos:start])
        out.extend(t for _, _, side, t in group if side == 0)
        out.extend(t for _, _, side, t in group if side == 1)
        conflicted = conflicted or len(group) > 1
        pos = end
    out.append(base[pos:])
    return Merge("".join(out), conflicted)


def merge3(base: str, theirs: str, mine: str) -> Merge:
    """Rebase ``mine`` (an edit of ``base``) onto ``theirs`` (already committed over ``base``).

    Both diffs are taken against ``base`` and their edits merged by base position.
    Edits that do not overlap all apply; two insertions at one point give theirs then mine.
    Edits that overlap (share base characters, or one inserts strictly inside what the other
    deletes) are a conflict: the union of their deletions goes and both sides' inserted text
    stays, theirs first. An edit both sides made identically applies once.
    """
    if mine == theirs or mine == base:
        return Merge(theirs, False)
    if theirs == base:
        return Merge(mine, False)
    return _merge_edits(base, _edits(base, theirs), _edits(base, mine))


def track_changes(old: str, new: str) -> list[tuple[str, str]]:
    """``(op, text)`` runs, op in equal/insert/delete, cleaned up to whole words for readers."""
    diffs = _diff(old, new)
    _DMP.diff_cleanupSemantic(diffs)
    return [(_OP_NAMES[op], text) for op, text in diffs if text]


_WORD = re.compile(r"\w+(?:[.,]\w+)*%?|[^\w\s]")


def word_hunks(old: str, new: str) -> tuple[list[tuple[list[str], list[str]]], int]:
    """A word-level diff: each changed run as (words of ``old`` it removes, words it puts in),
    and how many words ``old`` has. Punctuation marks count as words; "15%" and "1,000" are
    one word each. Diffed by diff-match-patch over words, one character standing for a word
    (its `diff_linesToChars` trick), so a changed word is never half kept."""
    vocab: dict[str, str] = {}
    words: list[str] = []

    def encode(text: str) -> str:
        out = []
        for w in _WORD.findall(text):
            c = vocab.get(w)
            if c is None:
                words.append(w)
                c = vocab[w] = (
                    chr(0xE000 + len(vocab)) if len(vocab) < 6400 else chr(0x10000 + len(vocab))
                )
            out.append(c)
        return "".join(out)

    a, b = encode(old), encode(new)
    decode = {c: w for w, c in vocab.items()}
    hunks: list[tuple[list[str], list[str]]] = []
    open_hunk: tuple[list[str], list[str]] | None = None
    for op, text in _DMP.diff_main(a, b, False, _Budget()):
        if op == _EQUAL:
            open_hunk = None
            continue
        if open_hunk is None:
            open_hunk = ([], [])
            hunks.append(open_hunk)
        (open_hunk[0] if op == _DELETE else open_hunk[1]).extend(decode[c] for c in text)
    return hunks, len(a)


def distance(a: str, b: str) -> int:
    """Levenshtein distance in characters, to rank amendments by how far they go."""
    value: int = _DMP.diff_levenshtein(_diff(a, b))
    return value


# --- operations: transform and compose -------------------------------------------------------
#
# A delta is also an operation in the sense of ot.js's TextOperation: it retains, deletes and
# inserts, and covers its whole base text. Two edits made against the same version are
# reconciled by transforming one against the other, by offsets and without looking at the
# texts, so nothing is ever re-diffed: what an author inserted stays whole, where they put it.
# Counts are UTF-16 units, as in every delta; inserted text is kept decoded.

_Component = int | str  # > 0 retain n, < 0 delete n, str insert
_QUOTE_SAFE = "!~*'();/?:@&=+$,# "  # exactly what diff_toDelta leaves unescaped


def units(text: str) -> int:
    """The length of a text in UTF-16 units, as deltas and JavaScript count."""
    if text.isascii():  # constant time in CPython
        return len(text)
    return len(text.encode("utf-16-le")) // 2


_units = units


def parse_ops(delta: str) -> list[_Component]:
    """A delta's components, checked for form (not against a text)."""
    if not isinstance(delta, str):
        raise DeltaError(f"A delta must be a string, not {type(delta).__name__}.")
    ops: list[_Component] = []
    for token in delta.split("\t"):
        if not token:
            continue
        op, param = token[0], token[1:]
        if op == "+":
            _push(ops, _decode_insert(param))
            continue
        if op not in "=-" or not _COUNT.fullmatch(param):
            raise DeltaError(f"The delta has a malformed part {token[:20]!r}.")
        _push(ops, int(param) if op == "=" else -int(param))
    return ops


def format_ops(ops: list[_Component]) -> str:
    out = []
    for c in ops:
        if isinstance(c, str):
            out.append("+" + urllib.parse.quote(c.encode("utf-8"), _QUOTE_SAFE))
        elif c > 0:
            out.append(f"={c}")
        else:
            out.append(f"-{-c}")
    return "\t".join(out)


def _push(ops: list[_Component], c: _Component) -> None:
    """Append, merging with the last component of the same kind; an insertion goes before a
    deletion it touches, so equal operations have one form."""
    if c == 0 or c == "":
        return
    if ops:
        last = ops[-1]
        if isinstance(c, str):
            if isinstance(last, str):
                ops[-1] = last + c
                return
            if last < 0:  # keep inserts before deletes
                if len(ops) > 1 and isinstance(ops[-2], str):
                    ops[-2] = ops[-2] + c
                else:
                    ops.insert(len(ops) - 1, c)
                return
        elif isinstance(last, int) and (last > 0) == (c > 0):
            ops[-1] = last + c
            return
    ops.append(c)


def _span(c: _Component) -> int:
    return _units(c) if isinstance(c, str) else abs(c)


def transform(first: str, second: str) -> tuple[str, str]:
    """Two deltas against the same text: ``(first', second')``, where ``first'`` applies after
    ``second`` and ``second'`` after ``first``, and both orders give the same text. Where both
    insert at one point, ``first``'s text comes first: pass the edit committed first as
    ``first``."""
    a2, b2 = _transform(parse_ops(first), parse_ops(second))
    return format_ops(a2), format_ops(b2)


def _transform(
    a: Sequence[_Component], b: Sequence[_Component]
) -> tuple[list[_Component], list[_Component]]:
    a2: list[_Component] = []
    b2: list[_Component] = []
    i = j = 0
    x: _Component | None = a[0] if a else None
    y: _Component | None = b[0] if b else None
    while x is not None or y is not None:
        if isinstance(x, str):
            _push(a2, x)
            _push(b2, _units(x))
            i += 1
            x = a[i] if i < len(a) else None
            continue
        if isinstance(y, str):
            _push(a2, _units(y))
            _push(b2, y)
            j += 1
            y = b[j] if j < len(b) else None
            continue
        if x is None or y is None:
            raise DeltaError("The two changes were made against texts of different lengths.")
        n = min(abs(x), abs(y))
        if x > 0 and y > 0:
            _push(a2, n)
            _push(b2, n)
        elif x < 0 and y > 0:
            _push(a2, -n)
        elif x > 0 and y < 0:
            _push(b2, -n)
        # both delete the same text: neither needs to any more
        x = _rest(x, n)
        y = _rest(y, n)
        if x is None:
            i += 1
            x = a[i] if i < len(a) else None
        if y is None:
            j += 1
            y = b[j] if j < len(b) else None
    return a2, b2


def _rest(c: int, n: int) -> int | None:
    left = abs(c) - n
    if left == 0:
        return None
    return left if c > 0 else -left


def compose(first: str, then: str) -> str:
    """One delta doing ``first`` and then ``then`` (made against ``first``'s result)."""
    return format_ops(_compose(parse_ops(first), parse_ops(then)))


def compose_all(deltas: list[str]) -> str:
    """One delta doing each of `deltas` in turn, composed pairwise in a balanced tree: a
    late edit's hundred predecessors cost n log n steps, not n squared."""
    return format_ops(_compose_all(deltas))


def _compose_all(deltas: list[str]) -> list[_Component]:
    ops: list[Sequence[_Component]] = [parse_ops(d) for d in deltas]
    if not ops:
        raise DeltaError("There is nothing to compose.")
    while len(ops) > 1:
        ops = [
            _compose(ops[k], ops[k + 1]) if k + 1 < len(ops) else ops[k]
            for k in range(0, len(ops), 2)
        ]
    return list(ops[0])


class OpLog:
    """The operations committed to one clause, by version, and their compositions over
    aligned blocks of versions, kept in memory so that rebasing a late edit does not read and
    compose every version since its base again.

    Version ``v``'s operation turns version ``v - 1`` into ``v``. The run of versions after
    ``base`` up to ``head`` is split into aligned blocks (2, 4, 8, ... versions starting at a
    multiple of their size); a block's composition is made once, from its two halves, and
    kept, since committed versions never change. An edit 300 versions late costs about ten
    compositions of blocks instead of 300 of single operations: under saturation, when edits
    arrive further and further behind, the cost of catching up no longer grows with the lag.
    Pure: the caller adds what it committed or read from the database. At most `KEEP`
    versions (and their blocks) are kept; older ones are read again if ever needed.
    """

    KEEP = 2048

    def __init__(self) -> None:
        self.ops: dict[int, Sequence[_Component]] = {}
        self._blocks: dict[tuple[int, int], Sequence[_Component]] = {}
        self._head = 0

    def add(self, version: int, delta: str) -> None:
        """Version `version` was committed with `delta` (checked for form, as every delta)."""
        self.ops[version] = parse_ops(delta)
        if version > self._head:
            self._head = version
            if len(self.ops) > self.KEEP + self.KEEP // 4:
                floor = version - self.KEEP
                self.ops = {v: o for v, o in self.ops.items() if v > floor}
                self._blocks = {k: b for k, b in self._blocks.items() if k[0] >= floor}

    def missing(self, base: int, head: int) -> list[int]:
        """The versions after `base` up to `head` whose operation is not known here."""
        return [v for v in range(base + 1, head + 1) if v not in self.ops]

    def since(self, base: int, head: int) -> list[_Component]:
        """The composition of the versions after `base` up to `head` (all known)."""
        parts = []
        v = base
        while v < head:
            size = 1
            while v % (size * 2) == 0 and v + size * 2 <= head:
                size *= 2
            parts.append(self._block(v, size))
            v += size
        while len(parts) > 1:
            parts = [
                _compose(parts[k], parts[k + 1]) if k + 1 < len(parts) else parts[k]
                for k in range(0, len(parts), 2)
            ]
        return list(parts[0]) if parts else []

    def _block(self, start: int, size: int) -> Sequence[_Component]:
        if size == 1:
            return self.ops[start + 1]
        key = (start, size)
        block = self._blocks.get(key)
        if block is None:
            half = size // 2
            block = self._blocks[key] = _compose(
                self._block(start, half), self._block(start + half, half)
            )
        return block

    def rebase(self, base: int, head: int, mine: str) -> tuple[str, str]:
        """An edit made against version `base`, over the versions after it up to `head` (all
        known here): ``(mine', theirs')``, where ``mine'`` applies to version `head` and
        ``theirs'`` (the others' edits, composed) to the author's text. Where both inserted at
        one point, the committed text comes first. The same as `compose_all` then
        `transform`, without writing out and reading back the composed delta."""
        theirs, mine_after = _transform(self.since(base, head), parse_ops(mine))
        return format_ops(mine_after), format_ops(theirs)


def _compose(a: Sequence[_Component], b: Sequence[_Component]) -> list[_Component]:
    out: list[_Component] = []
    i = j = 0
    x: _Component | None = a[0] if a else None
    y: _Component | None = b[0] if b else None
    while x is not None or y is not None:
        if isinstance(x, int) and x < 0:  # deleted by first: then never sees it
            _push(out, x)
            i += 1
            x = a[i] if i < len(a) else None
            continue
        if isinstance(y, str):
            _push(out, y)
            j += 1
            y = b[j] if j < len(b) else None
            continue
        if x is None or y is None:
            raise DeltaError("The second change was not made against the first's result.")
        if isinstance(x, str):
            size = _units(x)
            n = min(size, abs(y))
            if n == size:  # the whole insertion kept, or deleted again (then nothing is left)
                if y > 0:
                    _push(out, x)
                x = None
            else:
                if y > 0:
                    _push(out, _u16_slice(x, 0, n))
                x = _u16_slice(x, n, size)
        else:
            n = min(x, abs(y))
            _push(out, n if y > 0 else -n)
            x = _rest(x, n)
        y = _rest(y, n)
        if x is None:
            i += 1
            x = a[i] if i < len(a) else None
        if y is None:
            j += 1
            y = b[j] if j < len(b) else None
    return out


def invert(delta: str, before: str) -> str:
    """The operation undoing ``delta``, which was made against ``before``: it applies to the
    delta's result and gives ``before`` back (an undo step, transformed like any edit)."""
    out: list[_Component] = []
    pos = 0
    for c in parse_ops(delta):
        if isinstance(c, str):
            _push(out, -_units(c))
        elif c > 0:
            _push(out, c)
            pos += c
        else:
            try:
                _push(out, _u16_slice(before, pos, pos - c))
            except UnicodeDecodeError:
                raise DeltaError("The delta splits a character in two.") from None
            pos -= c
    if pos != _units(before):
        raise DeltaError(f"The delta covers {pos} of the text's {_units(before)} units.")
    return format_ops(out)


def _u16_slice(text: str, start: int, end: int) -> str:
    if text.isascii():
        return text[start:end]
    units = text.encode("utf-16-le")
    return units[2 * start : 2 * end].decode("utf-16-le")
