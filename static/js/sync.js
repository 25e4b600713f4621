/**
 * The per-clause editing state machine: the browser twin of drafting/client.py, following
 * docs/protocol.md "Editing, step by step".
 *
 * Per clause: the server's last text and version (the base), at most one edit in flight, and
 * the local text with the change not yet sent kept as an operation (`pending`, from the text
 * it was typed on). Typing is an operation placed by the caret; an acknowledgement becomes the
 * new base and the others' edits it brings are transformed with what was typed meanwhile, by
 * offsets; remote edits move the base the same way. Texts are merged (merge3) only where only
 * texts are known: a reloaded outline, a clause:get answer, `behind`. Offline, edits wait; after a
 * reconnect the owner calls `rejoined()`, which resends the edit in flight under the same
 * edit_id (the server applies it once) and rebases what was typed offline.
 *
 * Each clause keeps my undo and redo steps (undo.js), transformed over every edit of others
 * applied to the local text; where only texts are known (a merge3), over the diff of the
 * local text before and after. Undo, redo and restoring a version are changes of mine like
 * typing; a restore travels as its own edit with `restores` (the server's reason names it).
 *
 * No DOM here: the page is told through `onText(id, cause)` whenever a clause's local text
 * may have changed, and `onStatus()` whenever the pending work changes.
 */
import { randomId } from './dom.js';
import { applyOps, compose, composeAllOps, formatOps, opFromEdit, transform } from './textsync.js';
import { UndoStack, caretAfter } from './undo.js';

export function flatten(clauses, out = []) {
  for (const c of clauses) {
    out.push(c);
    if (c.children && c.children.length) flatten(c.children, out);
  }
  return out;
}

const RETRY_MS = 600; // after rate_limited

export class DocSync {
  /**
   * @param ts       makeTextSync(DiffMatchPatch)
   * @param hooks    {send(payload, ack), get(clauseId, ack), onText(id, cause),
   *                  onStatus(), onRefused(id, error)}
   */
  constructor(ts, hooks) {
    this.ts = ts;
    this.hooks = hooks;
    this.states = new Map();
    this.connected = false;
  }

  get(id) {
    return this.states.get(id);
  }

  /** Take a (re)loaded outline: new clauses appear, newer server texts are rebased under. */
  load(clauses) {
    const seen = new Set();
    for (const c of flatten(clauses)) {
      seen.add(c.id);
      const st = this.states.get(c.id);
      if (!st) {
        this.states.set(c.id, {
          id: c.id,
          baseText: c.text,
          baseVersion: c.version,
          local: c.text,
          pending: null,
          inflight: null,
          resyncing: false,
          retry: 0,
          history: new UndoStack(), // my undo and redo steps
          restoring: null, // {text, version}: a version to restore once the clause is quiet
          restores: null, // the version the pending change restores
        });
        this.hooks.onText(c.id, 'load');
      } else if (c.version > st.baseVersion && !st.inflight) {
        this.rebase(st, c.text, c.version, 'load');
      }
    }
    for (const id of [...this.states.keys()]) {
      if (!seen.has(id)) this.states.delete(id);
    }
    this.hooks.onStatus();
  }

  /**
   * The user changed a clause to `text`; `caret` (the cursor after the change) places the
   * change where it was made; without it the change is found by a diff.
   */
  setLocal(id, text, caret) {
    const st = this.states.get(id);
    if (!st || st.local === text) return;
    let op;
    try {
      op = typeof caret === 'number' ? opFromEdit(st.local, text, caret) : this.ts.makeDelta(st.local, text);
    } catch (e) {
      // A lone surrogate (half an emoji, from a broken paste): never sent, never kept.
      this.hooks.onRefused(st.id, { code: 'invalid', message: e.message });
      this.hooks.onText(st.id, 'refused');
      return;
    }
    st.history.record(op, st.local);
    this.mine(st, op, text);
  }

  /** A change of mine, `op` on the local text, which makes it `text`: pending, then sent. */
  mine(st, op, text) {
    // `op` is on the local text; the pending change is on its origin (a text merge may have
    // left the local text ahead of it with no operation kept: then it is diffed)
    const origin = st.inflight ? st.inflight.sentText : st.baseText;
    st.pending = st.local === origin ? op : compose(this.pendingOp(st), op);
    st.local = text;
    this.flush(st);
    this.hooks.onStatus();
  }

  /**
   * Undo my last change to a clause (a burst of typing, a word, a restore), transformed over
   * everyone's edits since: an edit like any other. Returns where the caret goes, or null when
   * there is nothing to undo.
   */
  undo(id) {
    return this.replay(id, 'undo');
  }

  redo(id) {
    return this.replay(id, 'redo');
  }

  replay(id, which) {
    const st = this.states.get(id);
    if (!st) return null;
    const op = which === 'undo' ? st.history.takeUndo(st.local) : st.history.takeRedo(st.local);
    if (op === null) return null;
    this.mine(st, op, this.ts.applyDelta(st.local, op));
    this.hooks.onText(id, which);
    return caretAfter(op);
  }

  /**
   * Make a clause read as an earlier version again (`text`, version `version`): a change of
   * mine (on my undo stack) sent as its own edit with `restores`, once what I typed before it
   * is acknowledged, so the server can say why the text changed.
   */
  restore(id, text, version) {
    const st = this.states.get(id);
    if (!st) return false;
    st.restoring = { text, version };
    this.flush(st);
    this.hooks.onStatus();
    return true;
  }

  /** The clause is quiet (nothing pending, nothing in flight): the restore becomes the change. */
  takeRestore(st) {
    const { text, version } = st.restoring;
    st.restoring = null;
    if (text === st.local) return;
    const op = this.ts.makeDelta(st.local, text);
    st.history.record(op, st.local, { alone: true });
    st.pending = op;
    st.local = text;
    st.restores = version;
    this.hooks.onText(st.id, 'restore');
  }

  /**
   * The local text changed from `before` with no operation known (a text merge): my steps are
   * transformed over the diff, which places others' words as a diff guesses.
   */
  merged(st, before) {
    if (before === st.local || st.history.empty) return;
    try {
      st.history.transform(this.ts.makeDelta(before, st.local));
    } catch {
      st.history.clear();
    }
  }

  /** The change not yet sent, as an operation on the text it was typed on. */
  pendingOp(st) {
    if (st.pending === null) {
      st.pending = this.ts.makeDelta(st.inflight ? st.inflight.sentText : st.baseText, st.local);
    }
    return st.pending;
  }

  /**
   * Others' edits (an operation on the base, or a function making it, when `next`, the base
   * after it, is given): typing is transformed over them, by offsets.
   */
  takeOp(st, theirs, version, cause, next = this.ts.applyDelta(st.baseText, theirs)) {
    const op = typeof theirs === 'function' ? theirs : () => theirs; // a delta, or made when needed
    if (st.local === st.baseText) {
      st.local = next;
      st.pending = null;
      if (!st.history.empty) st.history.transform(op());
    } else {
      const [theirsAfter, mine] = transform(op(), this.pendingOp(st));
      st.local = this.ts.applyDelta(st.local, theirsAfter);
      st.pending = mine;
      st.history.transform(theirsAfter);
    }
    st.baseText = next;
    st.baseVersion = version;
    this.hooks.onText(st.id, cause);
    this.flush(st);
  }

  /** Clauses with typing not yet acknowledged by the server. */
  pending() {
    let n = 0;
    for (const st of this.states.values()) if (st.inflight || st.restoring || st.local !== st.baseText) n += 1;
    return n;
  }

  busy() {
    for (const st of this.states.values()) {
      if (st.inflight || st.resyncing || st.restoring || st.local !== st.baseText) return true;
    }
    return false;
  }

  rebase(st, serverText, version, cause) {
    const before = st.local;
    if (st.local === st.baseText) st.local = serverText;
    else st.local = this.ts.merge3(st.baseText, serverText, st.local).text;
    this.merged(st, before);
    st.pending = null;
    st.baseText = serverText;
    st.baseVersion = version;
    this.hooks.onText(st.id, cause);
    this.flush(st);
  }

  flush(st) {
    if (st.inflight || st.resyncing || !this.connected) return;
    if (st.retry) return; // waiting out a rate limit
    if (st.restoring && st.local === st.baseText) this.takeRestore(st);
    if (st.local === st.baseText) return;
    let delta;
    try {
      delta = this.pendingOp(st);
    } catch (e) {
      // A lone surrogate (half an emoji, from a broken paste): never sent, never kept.
      this.hooks.onRefused(st.id, { code: 'invalid', message: e.message });
      st.local = st.baseText;
      st.pending = null;
      st.restores = null;
      st.history.clear();
      this.hooks.onText(st.id, 'refused');
      return;
    }
    st.pending = null;
    st.inflight = {
      editId: randomId(),
      baseVersion: st.baseVersion,
      baseText: st.baseText,
      sentText: st.local,
      delta,
      restores: st.restores,
    };
    st.restores = null;
    this.send(st);
  }

  send(st) {
    const inf = st.inflight;
    const payload = { clause_id: st.id, base_version: inf.baseVersion, delta: inf.delta, edit_id: inf.editId };
    if (inf.restores !== null) payload.restores = inf.restores;
    this.hooks.send(payload, (reply) => this.onAck(st.id, inf, reply));
  }

  onAck(id, inf, reply) {
    const st = this.states.get(id);
    if (!st || st.inflight !== inf) return;
    const typed = st.local === inf.sentText ? null : this.pendingOp(st); // on the sent text
    st.inflight = null;
    const text = reply && reply.ok ? this.acknowledged(inf.sentText, reply) : null;
    if (!(reply && reply.ok) || text === null) st.held = [];
    if (reply && reply.ok && text === null) {
      this.resync(st); // an answer we cannot read: fetch the clause instead
    } else if (reply && reply.ok) {
      const { version } = reply;
      if (version >= st.baseVersion) {
        const before = st.local;
        if (typed === null) {
          st.local = text;
          st.pending = null;
          if (typeof reply.delta === 'string') st.history.transform(reply.delta);
          else this.merged(st, before);
        } else if (typeof reply.delta === 'string') {
          // the others' edits, transformed over mine: mine typed since go after them by offsets
          const [theirsAfter, mine] = transform(reply.delta, typed);
          st.local = this.ts.applyDelta(st.local, theirsAfter);
          st.pending = mine;
          st.history.transform(theirsAfter);
        } else {
          st.local = this.ts.merge3(inf.sentText, text, st.local).text;
          st.pending = null;
          this.merged(st, before);
        }
        st.baseText = text;
        st.baseVersion = version;
      } else {
        st.pending = null; // an old answer: the typing is diffed against the base when sent
      }
      this.hooks.onText(id, 'ack');
      const held = (st.held || []).sort((a, b) => a.version - b.version);
      st.held = [];
      for (const m of held) this.onEdited(m);
    } else {
      const err = (reply && reply.error) || { code: 'server_error', message: 'No answer.' };
      if (err.code === 'behind' && reply.clause) {
        const before = st.local;
        st.local = this.ts.merge3(inf.baseText, reply.clause.text, st.local).text;
        this.merged(st, before);
        st.pending = null;
        st.restores ??= inf.restores;
        st.baseText = reply.clause.text;
        st.baseVersion = reply.clause.version;
        this.hooks.onText(id, 'behind');
      } else if (err.code === 'rate_limited') {
        // not applied: the edit and what was typed since are pending again, on the base
        st.pending = typed === null ? inf.delta : compose(inf.delta, typed);
        st.restores ??= inf.restores;
        st.retry = window.setTimeout(() => {
          st.retry = 0;
          this.flush(st);
          this.hooks.onStatus();
        }, RETRY_MS);
      } else {
        // Refused (formal mode, deleted clause, too long...): back to the server's text.
        this.hooks.onRefused(id, err);
        st.local = st.baseText;
        st.pending = null;
        st.restores = null;
        st.history.clear(); // my steps were made on text the server did not take
        this.hooks.onText(id, 'refused');
        this.resync(st);
      }
    }
    this.flush(st);
    this.hooks.onStatus();
  }

  /**
   * The clause's text from an `edit` acknowledgement: a delta from the text we sent (the whole
   * text only for a resend the server can no longer place). Null if it is neither.
   */
  acknowledged(sentText, reply) {
    if (typeof reply.delta === 'string') {
      try {
        return this.ts.applyDelta(sentText, reply.delta);
      } catch {
        return null;
      }
    }
    return typeof reply.text === 'string' ? reply.text : null;
  }

  resync(st) {
    if (!this.connected) return; // join brings everything back on reconnect
    st.resyncing = true;
    this.hooks.get(st.id, (reply) => {
      st.resyncing = false;
      if (reply && reply.ok) {
        const c = reply.clause;
        if (c.version > st.baseVersion && !st.inflight) this.rebase(st, c.text, c.version, 'resync');
        else this.flush(st);
      } else if (reply && reply.error && reply.error.code === 'not_found') {
        this.states.delete(st.id);
      }
      this.hooks.onStatus();
    });
  }

  /** A `clause:edited` broadcast. Returns true when it changed the base. */
  onEdited(msg) {
    const st = this.states.get(msg.clause_id);
    if (!st || msg.version <= st.baseVersion) return false;
    if (st.inflight) {
      // The acknowledgement brings the text up to our own version; a broadcast of a later
      // version can overtake it, so keep those and apply them after the acknowledgement.
      (st.held ||= []).push(msg);
      return false;
    }
    if (msg.base_version !== st.baseVersion) {
      if (!st.resyncing) this.resync(st);
      return false;
    }
    try {
      this.takeOp(st, msg.delta, msg.version, 'remote');
    } catch {
      this.resync(st);
      return false;
    }
    this.hooks.onStatus();
    return true;
  }

  /**
   * A `clauses:edited` broadcast: several edits, oldest first. Each clause's run of deltas is
   * applied to its base and merged under local typing once. Returns the clauses whose base moved.
   */
  onEdits(msg) {
    const runs = new Map();
    for (const m of msg.edits || []) {
      if (!runs.has(m.clause_id)) runs.set(m.clause_id, []);
      runs.get(m.clause_id).push(m);
    }
    const changed = [];
    for (const [id, edits] of runs) {
      const st = this.states.get(id);
      if (!st) continue;
      if (st.inflight) {
        (st.held ||= []).push(...edits.filter((m) => m.version > st.baseVersion));
        continue;
      }
      // the run that follows on from the base, version by version, up to a gap
      const run = [];
      let version = st.baseVersion;
      for (const m of edits) {
        if (m.version <= version) continue;
        if (m.base_version !== version) break; // a gap: take what we have, ask for the rest
        run.push(m);
        version = m.version;
      }
      let text = st.baseText;
      let theirs = null; // the run as one operation on the base (or a function making it)
      try {
        // composed first: a long clause is rebuilt once per batch, not once per edit; and
        // written out as a delta only if local typing or undo steps need it
        if (run.length) {
          const ops = composeAllOps(run.map((m) => m.delta));
          text = applyOps(text, ops);
          theirs = () => formatOps(ops);
        }
      } catch {
        // a delta that does not fit: take the run up to it, one by one
        text = st.baseText;
        theirs = null;
        version = st.baseVersion;
        for (const m of run) {
          try {
            text = this.ts.applyDelta(text, m.delta);
          } catch {
            break;
          }
          theirs = theirs === null ? m.delta : compose(theirs, m.delta);
          version = m.version;
        }
      }
      if (version !== st.baseVersion) {
        this.takeOp(st, theirs, version, 'remote', text);
        changed.push(id);
      }
      if (version < edits[edits.length - 1].version && !st.resyncing) this.resync(st);
    }
    if (changed.length) this.hooks.onStatus();
    return changed;
  }

  disconnected() {
    this.connected = false;
    for (const st of this.states.values()) st.resyncing = false;
    this.hooks.onStatus();
  }

  /** After `join` answered on a fresh connection: load, resend, flush. */
  rejoined(clauses) {
    this.connected = true;
    const rewound = new Set();
    for (const c of flatten(clauses)) {
      const st = this.states.get(c.id);
      if (st && c.version < st.baseVersion) {
        // the server's history went back (its database restored from a backup): its text is
        // the base now, what was typed here and not stored there stays on top (merge3), and
        // the edit in flight is not resent (its base version is gone)
        st.inflight = null;
        rewound.add(st);
        this.rebase(st, c.text, c.version, 'rewound');
      }
    }
    this.load(clauses);
    for (const st of this.states.values()) {
      if (rewound.has(st)) continue; // sent by its rebase
      if (st.inflight) this.send(st); // same edit_id: applied at most once
      else this.flush(st);
    }
    this.hooks.onStatus();
  }
}
