/**
 * Undo and redo of my own changes to one clause, as operations (ot.js's UndoManager): each
 * step is the inverse of a change of mine, kept so that it applies to the clause's local text
 * as it stands now. Others' edits transform every step (the top one over their operation, the
 * next over what is left of it, and so on down), so an undo removes my words wherever they
 * have moved and never anyone else's: a deletion of my phrase with someone's words typed
 * inside it is split around their words.
 *
 * Typing is grouped into steps the way a writer thinks of it: a burst of insertions (or of
 * deletions) at one place, less than a second apart, up to a word boundary (a word begun
 * after the whitespace or punctuation ending a word starts a new step: "without " then
 * "delay"). A pause, a caret jump, an undo or a change at several places ends it; a
 * replacement (typing over a selection) starts a new step that the keys after it extend.
 *
 * No DOM here; sync.js owns one UndoStack per clause.
 */
import { compose, invert, parseOps, transform } from './textsync.js';

export const BURST_MS = 1000;
const LIMIT = 100; // steps kept per clause (each is moved over others' edits when needed)

const WORD = /[\p{L}\p{N}\p{M}_]/u;

/** A change at one place, {at, del, ins}, or null for changes at several places. */
function single(op) {
  const ops = parseOps(op);
  let at = 0;
  let i = 0;
  if (typeof ops[i] === 'number' && ops[i] > 0) at = ops[i++];
  let ins = '';
  let del = 0;
  if (typeof ops[i] === 'string') ins = ops[i++];
  if (typeof ops[i] === 'number' && ops[i] < 0) del = -ops[i++];
  if (typeof ops[i] === 'number' && ops[i] > 0) i += 1;
  if (i !== ops.length || (!ins && !del)) return null;
  return { at, del, ins };
}

const isNoop = (op) => parseOps(op).every((c) => typeof c === 'number' && c > 0);

/** Does `next`, typed after `so` (a burst with a word in it), begin a new word after a space or mark? */
const newWord = (so, next) => WORD.test(so) && !WORD.test(so.at(-1)) && next !== '' && WORD.test(next[0]);

/** The same going backwards (Backspace): `next` deleted before `so`. */
const newWordBefore = (next, so) => WORD.test(so) && !WORD.test(so[0]) && next !== '' && WORD.test(next.at(-1));

/** Where the caret goes after `op`: the end of the last thing it changed, in its result. */
export function caretAfter(op) {
  let pos = 0;
  let end = null;
  for (const c of parseOps(op)) {
    if (typeof c === 'string') {
      pos += c.length;
      end = pos;
    } else if (c > 0) {
      pos += c;
    } else {
      end = pos;
    }
  }
  return end === null ? pos : end;
}

export class UndoStack {
  constructor() {
    this.undos = []; // {op, time}: the top applies to the local text as of `behind`
    this.redos = [];
    this.open = null; // the step typing may still extend
    this.behind = null; // others' operations since the steps were last moved, composed
  }

  get canUndo() {
    this.settle();
    return this.undos.length > 0;
  }

  get canRedo() {
    this.settle();
    return this.redos.length > 0;
  }

  /**
   * A change of mine: `op`, made on `before`. A new step, or the burst on top extended; the
   * redo steps go. `alone`: a step of its own that typing does not extend (a restore).
   */
  record(op, before, { now = Date.now(), alone = false } = {}) {
    this.settle();
    const inverse = invert(op, before);
    this.redos = [];
    const top = this.undos[this.undos.length - 1];
    if (!alone && top && top === this.open && now - top.time < BURST_MS && this.extends(top, op, before)) {
      top.op = compose(inverse, top.op);
      top.time = now;
      return;
    }
    const step = { op: inverse, time: now };
    this.undos.push(step);
    if (this.undos.length > LIMIT) this.undos.shift();
    this.open = alone || !single(op) ? null : step;
  }

  /** Does the change `op` (on `before`) continue the burst whose inverse is `top.op`? */
  extends(top, op, before) {
    const change = single(op);
    const step = single(top.op); // the inverse: deletes what the burst typed, puts back what it deleted
    if (!change || !step) return false;
    if (change.ins && !change.del) {
      // typing on, at the end of what the burst typed
      const typed = before.slice(step.at, step.at + step.del);
      return step.del > 0 && change.at === step.at + step.del && !newWord(typed, change.ins);
    }
    if (change.del && !change.ins && step.del === 0) {
      const gone = before.slice(change.at, change.at + change.del);
      // Backspace deletes before what the burst deleted, Delete after it
      if (change.at + change.del === step.at) return !newWordBefore(gone, step.ins);
      if (change.at === step.at) return !newWord(step.ins, gone);
    }
    return false;
  }

  /**
   * Others' operation `theirs`, on the local text as it was, now applied to it. The steps
   * must apply after it: they are moved when next needed (`settle`), over everything that
   * arrived meanwhile composed into one operation. In a clause where 160 people type, 400
   * edits a second arrive; moving 100 steps over each, one by one, was 40,000 transforms a
   * second in every browser. Nothing to move, nothing kept.
   */
  transform(theirs) {
    if (this.empty) return;
    try {
      this.behind = this.behind === null ? theirs : compose(this.behind, theirs);
    } catch {
      this.clear(); // not an operation on the text the steps know: better none than wrong
    }
  }

  /** No steps to move (a reader's clauses, or one I have not typed in). */
  get empty() {
    return !this.undos.length && !this.redos.length;
  }

  /**
   * Every step transformed over the others' operations that arrived since (theirs goes first
   * where both insert at one point, as in sync.js); steps left with nothing to do go.
   */
  settle() {
    if (this.behind === null) return;
    const theirs = this.behind;
    this.behind = null;
    for (const name of ['undos', 'redos']) {
      const stack = this[name];
      let op = theirs;
      for (let i = stack.length - 1; i >= 0; i -= 1) {
        const [theirsAfter, step] = transform(op, stack[i].op);
        stack[i].op = step;
        op = theirsAfter;
      }
      this[name] = stack.filter((s) => !isNoop(s.op));
    }
    if (this.open && !this.undos.includes(this.open)) this.open = null;
  }

  clear() {
    this.undos = [];
    this.redos = [];
    this.open = null;
    this.behind = null;
  }

  /** The step undoing my last change, on `text` (the local text); its inverse becomes a redo. */
  takeUndo(text) {
    this.settle(); // before the stacks are named: settling replaces them
    return this.take(text, this.undos, this.redos);
  }

  takeRedo(text) {
    this.settle();
    return this.take(text, this.redos, this.undos);
  }

  take(text, from, to) {
    const step = from.pop();
    this.open = null;
    if (!step) return null;
    to.push({ op: invert(step.op, text), time: 0 });
    return step.op;
  }
}
