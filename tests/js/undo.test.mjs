// Undo and redo per author (static/js/undo.js, DocSync in static/js/sync.js) under node's test
// runner, with a small in-memory server speaking docs/protocol.md "Editing, step by step".
// Run by tests/test_textsync.py: node --test tests/js/undo.test.mjs
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import test from 'node:test';

import { DocSync } from '../../static/js/sync.js';
import { compose, makeTextSync, transform } from '../../static/js/textsync.js';
import { UndoStack, caretAfter } from '../../static/js/undo.js';

const require = createRequire(import.meta.url);
const ts = makeTextSync(require('../../node_modules/diff-match-patch'));

/** Typing `text` at `at` in `before`, one key at a time: [op, before] per key. */
function keys(before, at, text) {
  const out = [];
  let t = before;
  for (const ch of text) {
    const next = t.slice(0, at) + ch + t.slice(at);
    out.push([`=${at}\t+${encodeURI(ch)}\t=${t.length - at}`.replace(/\t=0$/, ''), t]);
    t = next;
    at += ch.length;
  }
  return [out, t];
}

function undoAll(stack, text) {
  const seen = [];
  for (let op = stack.takeUndo(text); op !== null; op = stack.takeUndo(text)) {
    text = ts.applyDelta(text, op);
    seen.push(text);
  }
  return seen;
}

test('a typing burst is undone a word at a time, not a character', () => {
  const stack = new UndoStack();
  const [typed, text] = keys('Decides to act', 14, ' without further delay;');
  typed.forEach(([op, before], i) => stack.record(op, before, { now: 1000 + 100 * i }));
  assert.equal(text, 'Decides to act without further delay;');
  assert.deepEqual(undoAll(stack, text), [
    'Decides to act without further ',
    'Decides to act without ',
    'Decides to act',
  ]);
});

test('a pause, a caret jump or a deletion starts a new step', () => {
  const stack = new UndoStack();
  let t = 'ab';
  const type = (op, now) => {
    stack.record(op, t, { now });
    t = ts.applyDelta(t, op);
  };
  type('=2\t+c', 0);
  type('=3\t+d', 100); // "abcd": one step
  type('=4\t+e', 1500); // a pause: "e" alone
  type('=1\t+X\t=4', 1600); // a caret jump: "X" alone
  type('=1\t-1\t=4', 1700); // Backspace over it
  type('-1\t=4', 1800); // and on: one deletion step "aX"
  assert.equal(t, 'bcde');
  assert.deepEqual(undoAll(stack, t), ['aXbcde', 'abcde', 'abcd', 'ab']);
});

test('Backspace over words is undone a word at a time', () => {
  const stack = new UndoStack();
  let t = 'Decides to act now';
  for (let i = 0; i < ' act now'.length; i += 1) {
    const op = `=${t.length - 1}\t-1`;
    stack.record(op, t, { now: i * 50 });
    t = ts.applyDelta(t, op);
  }
  assert.equal(t, 'Decides to');
  assert.deepEqual(undoAll(stack, t), ['Decides to act', 'Decides to act now']);
});

test('my undo transformed over their insertions keeps every word of theirs', () => {
  const stack = new UndoStack();
  const [typed, mine] = keys('Decides to act;', 14, ' now');
  typed.forEach(([op, before]) => stack.record(op, before, { now: 0 }));
  assert.equal(mine, 'Decides to act now;');
  // they insert before my word, inside it and right after it
  const theirs = '+Firmly \t=17\t+(sic)\t=1\t+!\t=1';
  const text = ts.applyDelta(mine, theirs);
  assert.equal(text, 'Firmly Decides to act no(sic)w!;');
  stack.transform(theirs);
  const undo = stack.takeUndo(text);
  const undone = ts.applyDelta(text, undo);
  assert.equal(undone, 'Firmly Decides to act(sic)!;');
  assert.equal(caretAfter(undo), 'Firmly Decides to act(sic)'.length);
  const redo = stack.takeRedo(undone);
  assert.equal(ts.applyDelta(undone, redo), 'Firmly Decides to act no(sic)w!;');
});

test('a step whose words others deleted is dropped', () => {
  const stack = new UndoStack();
  stack.record('=3\t+xyz', 'abc', { now: 0 });
  stack.record('=6\t+ q', 'abcxyz', { now: 5000 });
  stack.transform('=3\t-3\t=2'); // they delete "xyz"
  stack.settle(); // steps move over others' edits when next needed
  assert.equal(stack.undos.length, 1);
  assert.equal(ts.applyDelta('abc q', stack.takeUndo('abc q')), 'abc');
  assert.equal(stack.takeUndo('abc'), null);
});

// --- DocSync against a server in memory ------------------------------------------------------

class Server {
  constructor(text) {
    this.text = text;
    this.deltas = [null]; // deltas[v] made version v from v - 1
    this.clients = [];
    this.inbox = [];
    this.journal = [];
  }

  get version() {
    return this.deltas.length;
  }

  client(name) {
    const sync = new DocSync(ts, {
      send: (payload, ack) => this.inbox.push({ sync, payload, ack, name }),
      get: () => assert.fail('no clause:get expected'),
      onText: () => {},
      onStatus: () => {},
      onRefused: (id, err) => assert.fail(err.message),
    });
    sync.connected = true;
    sync.load([{ id: 1, text: this.text, version: this.version }]);
    this.clients.push(sync);
    return sync;
  }

  /** Apply every edit sent, acknowledging and broadcasting, until nobody has more to send. */
  run() {
    while (this.inbox.length) {
      const { sync, payload, ack, name } = this.inbox.shift();
      let mine = payload.delta;
      let theirs = null; // the others' edits since the sender's base, on that base
      for (let v = payload.base_version + 1; v <= this.version; v += 1) {
        theirs = theirs === null ? this.deltas[v - 1] : compose(theirs, this.deltas[v - 1]);
      }
      let since = null; // the ack: the others' edits over mine, on the text the sender sent
      if (theirs !== null) [since, mine] = transform(theirs, mine);
      const base = this.version;
      this.text = ts.applyDelta(this.text, mine);
      since ??= `=${this.text.length}`;
      this.deltas.push(mine);
      const reason = payload.restores ? `restored version ${payload.restores}` : 'edit';
      this.journal.push({ name, version: this.version, reason });
      const msg = { clause_id: 1, version: this.version, base_version: base, delta: mine };
      for (const other of this.clients) if (other !== sync) other.onEdited(msg);
      ack({ ok: true, clause_id: 1, version: this.version, delta: since });
    }
  }
}

function typeInto(sync, at, text) {
  for (const ch of text) {
    const before = sync.get(1).local;
    sync.setLocal(1, before.slice(0, at) + ch + before.slice(at), at + ch.length);
    at += ch.length;
  }
}

test('DocSync: undo takes back my phrase and never their words, redo puts it back', () => {
  const server = new Server('Decides to act;');
  const a = server.client('a');
  const b = server.client('b');
  typeInto(a, 14, ' without delay'); // sent while typed: one edit in flight, the rest pending
  server.run();
  assert.equal(server.text, 'Decides to act without delay;');
  typeInto(b, 0, 'Firmly ');
  typeInto(b, 'Firmly Decides to act without'.length, ' (sic)');
  typeInto(b, b.get(1).local.length - 1, ' today');
  // A types on meanwhile, before the others' edits arrive
  typeInto(a, a.get(1).local.length, ' Indeed.');
  server.run();
  const both = 'Firmly Decides to act without (sic) delay today; Indeed.';
  assert.equal(a.get(1).local, both);
  assert.equal(b.get(1).local, both);

  assert.equal(a.undo(1), both.length - ' Indeed.'.length); // the caret where it was
  assert.equal(a.undo(1), 'Firmly Decides to act without (sic) '.length); // "delay"
  assert.equal(a.undo(1), 'Firmly Decides to act (sic)'.length); // " without " around "(sic)"
  server.run();
  assert.equal(server.text, 'Firmly Decides to act (sic) today;');
  assert.equal(b.get(1).local, server.text);
  assert.equal(a.undo(1), null); // nothing more of mine

  a.redo(1);
  a.redo(1);
  server.run();
  assert.equal(server.text, 'Firmly Decides to act without (sic) delay today;');
  typeInto(a, server.text.length, ' Done');
  assert.equal(a.redo(1), null); // a new change ends the redo steps
});

test('DocSync: a restore is an edit of its own, after what was in flight, and undone by one undo', () => {
  const server = new Server('Decides to act;');
  const a = server.client('a');
  typeInto(a, 14, ' now'); // in flight and pending
  a.restore(1, 'Decides to act;', 1); // waits until the typing is acknowledged
  assert.equal(a.get(1).local, 'Decides to act now;');
  server.run();
  assert.equal(server.text, 'Decides to act;');
  assert.deepEqual(
    server.journal.map((j) => j.reason),
    ['edit', 'edit', 'restored version 1'],
  );
  a.undo(1);
  server.run();
  assert.equal(server.text, 'Decides to act now;');
  assert.equal(server.journal.at(-1).reason, 'edit');
});

test('steps moved over many remote edits at once land as if moved over each', () => {
  const stack = new UndoStack();
  const [typed, mine] = keys('Decides to act;', 14, ' now');
  typed.forEach(([op, before]) => stack.record(op, before, { now: 0 }));
  // three remote edits arrive one after the other before I undo
  let text = mine;
  for (const theirs of ['+Firmly \t=19', '=24\t+(sic)\t=2', '=30\t+!\t=1']) {
    text = ts.applyDelta(text, theirs);
    stack.transform(theirs);
  }
  assert.equal(text, 'Firmly Decides to act no(sic)w!;');
  const undone = ts.applyDelta(text, stack.takeUndo(text));
  assert.equal(undone, 'Firmly Decides to act(sic)!;');
});

test('DocSync: a server restored from a backup takes back its text and keeps unsent typing', () => {
  const server = new Server('Decides to act;');
  const a = server.client('a');
  typeInto(a, 14, ' now');
  server.run();
  typeInto(a, a.get(1).local.length - 1, ', together');
  server.run();
  assert.equal(server.text, 'Decides to act now, together;');
  typeInto(a, a.get(1).local.length - 1, ' at once'); // in flight when the server stops
  assert.ok(a.get(1).inflight);
  const lost = server.inbox.splice(0); // never answered
  assert.ok(lost.length >= 1);
  a.disconnected();
  // the operator restores a backup made before any of it: the server is back at version 1
  const restored = new Server('Decides to act;');
  restored.clients.push(a);
  a.hooks.send = (payload, ack) => restored.inbox.push({ sync: a, payload, ack, name: 'a' });
  a.rejoined([{ id: 1, text: restored.text, version: restored.version }]);
  assert.equal(restored.inbox.length, 1); // sent once, on a version the server has
  assert.equal(restored.inbox[0].payload.base_version, 1);
  restored.run();
  assert.equal(restored.text, 'Decides to act at once;');
  assert.equal(a.get(1).local, restored.text);
});
