/**
 * The one wrapper around diff-match-patch in the browser; its twin is drafting/textsync.py
 * and both follow the same rules (read the Python docstrings for the why).
 *
 * Usage: `const sync = makeTextSync(DiffMatchPatch)` with the dmp constructor, so the same
 * file runs in the page (`/vendor/diff-match-patch.js`) and under node (`require`).
 *
 * - Deltas are dmp's `diff_toDelta` format, counted in UTF-16 code units: the wire format.
 * - JS dmp diffs UTF-16 units and can cut an emoji (a surrogate pair) in two; encodeURI then
 *   throws "URI malformed". Every diff is repaired so no boundary falls inside a pair.
 *   dmp's patch_* functions are never used (patch_toText has the same bug in its context).
 * - Diffs spend a deterministic work budget, not a wall-clock deadline, so the browser and
 *   the server settle on the same diff whatever the machine's load.
 */

const DIFF_WORK_BUDGET = 120000; // same as the server: sum of bisection steps
const DIFF_TIMEOUT = 0.2; // seconds; wall-clock backstop only
const HALF_MATCH_TRIES = 32; // skip dmp's half-match shortcut on periodic texts

const EQUAL = 0;
const DELETE = -1;
const INSERT = 1;
const OP_NAMES = { [EQUAL]: 'equal', [INSERT]: 'insert', [DELETE]: 'delete' };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const COUNT = /^[0-9]{1,9}$/;

/** A delta we cannot apply: malformed, or made against another version of the text. */
export class DeltaError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DeltaError';
  }
}

// String.prototype.isWellFormed (Chrome 111, Firefox 119, Safari 16.4, node 20) is native and
// fast; the expression above took most of the time of applying a remote edit to a long clause.
const wellFormed =
  typeof ''.isWellFormed === 'function'
    ? (value) => value.isWellFormed()
    : (value) => !LONE_SURROGATE.test(value);

const isHigh = (unit) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit) => unit >= 0xdc00 && unit <= 0xdfff;

function requireText(value, what) {
  if (typeof value !== 'string') {
    throw new DeltaError(`${what} must be a string, not ${value === null ? 'null' : typeof value}.`);
  }
  if (!wellFormed(value)) {
    throw new DeltaError(`${what} contains a lone surrogate; it is not valid text.`);
  }
  return value;
}

/** dmp only ever asks `now > deadline` (in diff_bisect_); a Round answers from work done. */
class Budget {
  constructor() {
    this.spent = 0;
    this.backstop = Date.now() + DIFF_TIMEOUT * 1000;
  }
}

class Round {
  constructor(budget) {
    this.budget = budget;
    this.step = 0;
  }

  // The d-th bisection step costs d units; -Infinity makes `now > deadline` true: give up.
  valueOf() {
    this.step += 1;
    const budget = this.budget;
    budget.spent += this.step;
    const exhausted = budget.spent > DIFF_WORK_BUDGET || Date.now() > budget.backstop;
    return exhausted ? -Infinity : Infinity;
  }
}

/**
 * Cut no surrogate pair: move a high surrogate ending an equality into the edit after it,
 * and a low surrogate starting an equality into the edit before it. Returns [op, text]
 * pairs with each edit as one delete then one insert, all on whole characters.
 */
function wholeCharacters(diffs) {
  const parts = []; // {eq} or {del, ins}, alternating
  for (const [op, text] of diffs) {
    if (!text) continue;
    const last = parts[parts.length - 1];
    if (op === EQUAL) {
      if (last && last.eq !== undefined) last.eq += text;
      else parts.push({ eq: text });
      continue;
    }
    let edit = last;
    if (!edit || edit.eq !== undefined) {
      edit = { del: '', ins: '' };
      parts.push(edit);
    }
    if (op === DELETE) edit.del += text;
    else edit.ins += text;
  }
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i];
    if (part.eq === undefined) continue;
    const next = parts[i + 1];
    if (next && part.eq && isHigh(part.eq.charCodeAt(part.eq.length - 1))) {
      const unit = part.eq.slice(-1);
      part.eq = part.eq.slice(0, -1);
      next.del = unit + next.del;
      next.ins = unit + next.ins;
    }
    const prev = parts[i - 1];
    if (prev && part.eq && isLow(part.eq.charCodeAt(0))) {
      const unit = part.eq[0];
      part.eq = part.eq.slice(1);
      prev.del += unit;
      prev.ins += unit;
    }
  }
  const out = [];
  let del = '';
  let ins = '';
  const flush = () => {
    if (del) out.push([DELETE, del]);
    if (ins) out.push([INSERT, ins]);
    del = '';
    ins = '';
  };
  for (const part of parts) {
    if (part.eq === undefined) {
      del += part.del;
      ins += part.ins;
    } else if (part.eq) {
      flush();
      out.push([EQUAL, part.eq]);
    }
  }
  flush();
  return out;
}

function decodeInsert(param) {
  if (!wellFormed(param)) {
    throw new DeltaError('The delta inserts text that is not valid Unicode.');
  }
  if (param.indexOf('%') === -1) return param; // nothing escaped
  try {
    return decodeURIComponent(param); // refuses a malformed escape as BAD_ESCAPE does
  } catch {
    if (BAD_ESCAPE.test(param)) {
      throw new DeltaError(`The delta has a malformed %-escape in an insertion: ${param.slice(0, 40)}`);
    }
    throw new DeltaError('The delta inserts text that is not valid UTF-8 or Unicode.');
  }
}

export function makeTextSync(DiffMatchPatch) {
  const dmp = new DiffMatchPatch();
  // Must stay > 0: dmp only takes its half-match shortcut when time is bounded.
  dmp.Diff_Timeout = DIFF_TIMEOUT;
  const proto = DiffMatchPatch.prototype;

  dmp.diff_bisect_ = function bisect(text1, text2, deadline) {
    let round = deadline;
    if (deadline instanceof Round) round = new Round(deadline.budget);
    else if (deadline instanceof Budget) round = new Round(deadline);
    return proto.diff_bisect_.call(this, text1, text2, round);
  };

  dmp.diff_halfMatch_ = function halfMatch(text1, text2) {
    // dmp tries every occurrence of two quarter-length seeds: thousands in "abab…".
    const long = text1.length > text2.length ? text1 : text2;
    const short = text1.length > text2.length ? text2 : text1;
    if (long.length >= 4 && short.length * 2 >= long.length) {
      const quarter = Math.floor(long.length / 4);
      for (const i of [Math.ceil(long.length / 4), Math.ceil(long.length / 2)]) {
        const seed = long.substring(i, i + quarter);
        let j = -1;
        let tries = 0;
        while (tries < HALF_MATCH_TRIES && (j = short.indexOf(seed, j + 1)) !== -1) tries += 1;
        if (tries >= HALF_MATCH_TRIES) return null;
      }
    }
    return proto.diff_halfMatch_.call(this, text1, text2);
  };

  const diff = (a, b) => dmp.diff_main(a, b, false, new Budget());

  /** The delta turning `old` into `next`, in UTF-16 units; throws only on lone surrogates. */
  function makeDelta(old, next) {
    requireText(old, 'The old text');
    requireText(next, 'The new text');
    const diffs = diff(old, next);
    dmp.diff_cleanupEfficiency(diffs);
    return dmp.diff_toDelta(wholeCharacters(diffs));
  }

  /** Apply a delta made against exactly `old`; anything else throws a DeltaError. */
  function applyDelta(old, delta) {
    requireText(old, 'The text');
    if (typeof delta !== 'string') {
      throw new DeltaError(`A delta must be a string, not ${delta === null ? 'null' : typeof delta}.`);
    }
    const total = old.length;
    const out = [];
    let pos = 0;
    for (const token of delta.split('\t')) {
      if (!token) continue; // dmp tolerates empty tokens (a trailing tab)
      const op = token[0];
      const param = token.slice(1);
      if (op === '+') {
        out.push(decodeInsert(param));
        continue;
      }
      if (op !== '=' && op !== '-') throw new DeltaError(`The delta has an unknown operation "${op}".`);
      if (!COUNT.test(param)) {
        throw new DeltaError(`The delta has a malformed count "${param.slice(0, 20)}".`);
      }
      const end = pos + Number(param);
      if (end > total) {
        throw new DeltaError(
          `The delta covers more than the text (${total} units): it was made against another version.`,
        );
      }
      if (end < total && isLow(old.charCodeAt(end))) {
        throw new DeltaError('The delta splits a character in two (a UTF-16 surrogate pair).');
      }
      if (op === '=') out.push(old.slice(pos, end));
      pos = end;
    }
    if (pos !== total) {
      throw new DeltaError(
        `The delta covers ${pos} of the text's ${total} units: it was made against another version.`,
      );
    }
    return out.join('');
  }

  /**
   * Edits [start, end, text] on base offsets, word-aligned, on whole characters. A word-aligned
   * replacement that only inserts (two insertions around kept text) is split back into its
   * insertions, so a merge never writes the kept text twice (textsync._edits says more).
   */
  function edits(base, other) {
    const result = [];
    for (const [start, end, text] of wordEdits(base, other)) {
      if (end > start && text.length > end - start) {
        const inserts = insertions(base.slice(start, end), text);
        if (inserts) {
          for (const [at, ins] of inserts) result.push([start + at, start + at, ins]);
          continue;
        }
      }
      result.push([start, end, text]);
    }
    return result;
  }

  /** `next` as insertions into `old` ([offset in old, text]), or null if it deletes anything. */
  function insertions(old, next) {
    const found = [];
    let pos = 0;
    for (const [op, text] of wholeCharacters(diff(old, next))) {
      if (op === DELETE) return null;
      if (op === EQUAL) pos += text.length;
      else if (found.length && found[found.length - 1][0] === pos) found[found.length - 1][1] += text;
      else found.push([pos, text]);
    }
    return found;
  }

  function wordEdits(base, other) {
    const diffs = diff(base, other);
    dmp.diff_cleanupSemantic(diffs);
    const result = [];
    let pos = 0;
    let start = -1;
    let inserted = '';
    for (const [op, text] of wholeCharacters(diffs)) {
      if (op === EQUAL) {
        if (start >= 0) {
          result.push([start, pos, inserted]);
          start = -1;
          inserted = '';
        }
        pos += text.length;
        continue;
      }
      if (start < 0) start = pos;
      if (op === DELETE) pos += text.length;
      else inserted += text;
    }
    if (start >= 0) result.push([start, pos, inserted]);
    return result;
  }

  function mergeEdits(base, theirs, mine) {
    const key = ([s, e, t]) => `${s},${e},${t}`;
    const same = new Set(theirs.map(key));
    // [start, end, side, text]: at one point insertions before replacements, theirs first.
    const tagged = [
      ...theirs.map(([s, e, t]) => [s, e, 0, t]),
      ...mine.filter((edit) => !same.has(key(edit))).map(([s, e, t]) => [s, e, 1, t]),
    ].sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
    const out = [];
    let conflicted = false;
    let pos = 0;
    let i = 0;
    while (i < tagged.length) {
      const start = tagged[i][0];
      let end = tagged[i][1];
      const group = [tagged[i]];
      i += 1;
      // Join edits sharing base characters with the group, or inserting strictly inside it.
      while (i < tagged.length) {
        const [s, e] = tagged[i];
        if (!(s < end && (s > start || e > s))) break;
        group.push(tagged[i]);
        end = Math.max(end, e);
        i += 1;
      }
      out.push(base.slice(pos, start));
      for (const side of [0, 1]) {
        for (const edit of group) if (edit[2] === side) out.push(edit[3]);
      }
      conflicted = conflicted || group.length > 1;
      pos = end;
    }
    out.push(base.slice(pos));
    return { text: out.join(''), conflicted };
  }

  /** Rebase `mine` (an edit of `base`) onto `theirs`; same rules as textsync.merge3. */
  function merge3(base, theirs, mine) {
    if (mine === theirs || mine === base) return { text: theirs, conflicted: false };
    if (theirs === base) return { text: mine, conflicted: false };
    return mergeEdits(base, edits(base, theirs), edits(base, mine));
  }

  /** [op, text] runs, op in equal/insert/delete, cleaned up to whole words for readers. */
  function trackChanges(old, next) {
    const diffs = diff(old, next);
    dmp.diff_cleanupSemantic(diffs);
    return wholeCharacters(diffs).map(([op, text]) => [OP_NAMES[op], text]);
  }

  return { makeDelta, applyDelta, merge3, trackChanges };
}

// --- operations: transform and compose (twin of drafting/textsync.py) -------------------------
// A delta is also an operation (ot.js's TextOperation): retain n (> 0), delete n (< 0), insert
// a string; counts in UTF-16 units, which is what JavaScript strings count. Two edits of the same
// version are reconciled by transforming one against the other, by offsets: nothing is re-diffed.

function push(ops, c) {
  if (c === 0 || c === '') return;
  const last = ops[ops.length - 1];
  if (ops.length) {
    if (typeof c === 'string') {
      if (typeof last === 'string') {
        ops[ops.length - 1] = last + c;
        return;
      }
      if (last < 0) {
        // inserts go before a deletion they touch, so equal operations have one form
        if (ops.length > 1 && typeof ops[ops.length - 2] === 'string') ops[ops.length - 2] += c;
        else ops.splice(ops.length - 1, 0, c);
        return;
      }
    } else if (typeof last === 'number' && last > 0 === c > 0) {
      ops[ops.length - 1] = last + c;
      return;
    }
  }
  ops.push(c);
}

/** A delta's components, checked for form (not against a text). */
export function parseOps(delta) {
  if (typeof delta !== 'string') throw new DeltaError('A delta must be a string.');
  const ops = [];
  for (const token of delta.split('\t')) {
    if (!token) continue;
    const op = token[0];
    const param = token.slice(1);
    if (op === '+') {
      push(ops, decodeInsert(param));
      continue;
    }
    if ((op !== '=' && op !== '-') || !COUNT.test(param)) {
      throw new DeltaError(`The delta has a malformed part ${token.slice(0, 20)}`);
    }
    push(ops, op === '=' ? Number(param) : -Number(param));
  }
  return ops;
}

export function formatOps(ops) {
  return ops
    .map((c) => {
      if (typeof c === 'string') return `+${encodeURI(c).replace(/%20/g, ' ')}`;
      return c > 0 ? `=${c}` : `-${-c}`;
    })
    .join('\t');
}

function rest(c, n) {
  const left = Math.abs(c) - n;
  if (left === 0) return undefined;
  return c > 0 ? left : -left;
}

/**
 * Two deltas against the same text: [first', second'], first' applying after second and
 * second' after first. Where both insert at one point, first's text comes first: pass the edit
 * committed first as `first`.
 */
export function transform(first, second) {
  const a = parseOps(first);
  const b = parseOps(second);
  const a2 = [];
  const b2 = [];
  let i = 0;
  let j = 0;
  let x = a[0];
  let y = b[0];
  while (x !== undefined || y !== undefined) {
    if (typeof x === 'string') {
      push(a2, x);
      push(b2, x.length);
      x = a[++i];
      continue;
    }
    if (typeof y === 'string') {
      push(a2, y.length);
      push(b2, y);
      y = b[++j];
      continue;
    }
    if (x === undefined || y === undefined) {
      throw new DeltaError('The two changes were made against texts of different lengths.');
    }
    const n = Math.min(Math.abs(x), Math.abs(y));
    if (x > 0 && y > 0) {
      push(a2, n);
      push(b2, n);
    } else if (x < 0 && y > 0) {
      push(a2, -n);
    } else if (x > 0 && y < 0) {
      push(b2, -n);
    }
    x = rest(x, n);
    y = rest(y, n);
    if (x === undefined) x = a[++i];
    if (y === undefined) y = b[++j];
  }
  return [formatOps(a2), formatOps(b2)];
}

/** One delta doing `first` and then `then` (made against first's result). */
export function compose(first, then) {
  return formatOps(composeOps(parseOps(first), parseOps(then)));
}

/**
 * One delta doing each of `deltas` in turn (a run of remote edits), each parsed once and
 * composed pairwise, so a batch of twenty edits is applied to a long clause once, not twenty
 * times; as textsync.compose_all.
 */
export function composeAll(deltas) {
  return formatOps(composeAllOps(deltas));
}

/** `composeAll` as components, not written out: for `applyOps` and a delta made only if needed. */
export function composeAllOps(deltas) {
  if (!deltas.length) throw new DeltaError('There is nothing to compose.');
  let ops = deltas.map(parseOps);
  while (ops.length > 1) {
    const next = [];
    for (let k = 0; k < ops.length; k += 2) next.push(k + 1 < ops.length ? composeOps(ops[k], ops[k + 1]) : ops[k]);
    ops = next;
  }
  return ops[0];
}

/**
 * Apply parsed components (from `parseOps` or `composeAllOps`, inserted text already checked)
 * to `old`, a text this side already holds: what applyDelta does, without reading a delta.
 */
export function applyOps(old, ops) {
  const out = [];
  let pos = 0;
  for (const c of ops) {
    if (typeof c === 'string') {
      out.push(c);
      continue;
    }
    const end = pos + Math.abs(c);
    if (end > old.length) {
      throw new DeltaError(`The change covers more than the text (${old.length} units): it was made against another version.`);
    }
    if (end < old.length && isLow(old.charCodeAt(end))) {
      throw new DeltaError('The change splits a character in two (a UTF-16 surrogate pair).');
    }
    if (c > 0) out.push(old.slice(pos, end));
    pos = end;
  }
  if (pos !== old.length) {
    throw new DeltaError(`The change covers ${pos} of the text's ${old.length} units: it was made against another version.`);
  }
  return out.join('');
}

function composeOps(a, b) {
  const out = [];
  let i = 0;
  let j = 0;
  let x = a[0];
  let y = b[0];
  while (x !== undefined || y !== undefined) {
    if (typeof x === 'number' && x < 0) {
      push(out, x);
      x = a[++i];
      continue;
    }
    if (typeof y === 'string') {
      push(out, y);
      y = b[++j];
      continue;
    }
    if (x === undefined || y === undefined) {
      throw new DeltaError("The second change was not made against the first's result.");
    }
    const span = typeof x === 'string' ? x.length : Math.abs(x);
    const n = Math.min(span, Math.abs(y));
    if (typeof x === 'string') {
      if (y > 0) push(out, x.slice(0, n));
      x = x.slice(n) || undefined;
    } else {
      push(out, y > 0 ? n : -n);
      x = rest(x, n);
    }
    y = rest(y, n);
    if (x === undefined) x = a[++i];
    if (y === undefined) y = b[++j];
  }
  return out;
}

/**
 * The operation undoing `delta`, which was made against `before`: it applies to delta's result
 * and gives `before` back (what was inserted is deleted, what was deleted is inserted again).
 */
export function invert(delta, before) {
  requireText(before, 'The text');
  const out = [];
  let pos = 0;
  for (const c of parseOps(delta)) {
    if (typeof c === 'string') {
      push(out, -c.length);
    } else if (c > 0) {
      push(out, c);
      pos += c;
    } else {
      const deleted = before.slice(pos, pos - c);
      if (!wellFormed(deleted)) throw new DeltaError('The delta splits a character in two.');
      push(out, deleted);
      pos -= c;
    }
  }
  if (pos !== before.length) {
    throw new DeltaError(`The delta covers ${pos} of the text's ${before.length} units.`);
  }
  return formatOps(out);
}

/**
 * The operation a keystroke (or a paste, a cut) made, placed where the caret says: `before` and
 * `after` are the field's text either side of the input event, `caret` the cursor after it. A
 * diff alone cannot tell where an "e" typed after an "e" went; the caret can. Never splits a
 * surrogate pair.
 */
export function opFromEdit(before, after, caret) {
  if (!wellFormed(before) || !wellFormed(after)) {
    throw new DeltaError('The text contains a lone surrogate: it is not valid text.');
  }
  const maxSuffix = Math.min(before.length, Math.max(0, after.length - caret));
  let s = 0;
  while (s < maxSuffix && before[before.length - 1 - s] === after[after.length - 1 - s]) s += 1;
  let p = 0;
  const maxPrefix = Math.min(before.length - s, after.length - s);
  while (p < maxPrefix && before[p] === after[p]) p += 1;
  // keep pairs whole: a cut inside one moves outwards
  const low = (str, i) => i > 0 && i < str.length && /[\uDC00-\uDFFF]/.test(str[i]);
  while (p > 0 && (low(before, p) || low(after, p))) p -= 1;
  while (s > 0 && (low(before, before.length - s) || low(after, after.length - s))) s -= 1;
  const ops = [];
  push(ops, p);
  push(ops, after.slice(p, after.length - s));
  push(ops, -(before.length - s - p));
  push(ops, s);
  return formatOps(ops);
}
