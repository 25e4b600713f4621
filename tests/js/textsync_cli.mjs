// Runs static/js/textsync.js for tests/test_textsync.py: one process per batch.
// stdin: a JSON list of requests, each one of
//   {"op": "delta", "old", "new"}          -> {"delta"}
//   {"op": "apply", "old", "delta"}        -> {"text"}
//   {"op": "merge3", "base", "theirs", "mine"} -> {"text", "conflicted"}
//   {"op": "track", "old", "new"}          -> {"runs": [[op, text], ...]}
//   {"op": "transform", "first", "second"} -> {"first", "second"}  (transformed)
//   {"op": "compose", "first", "then"}     -> {"delta"}
//   {"op": "composeAll", "deltas"}          -> {"delta"}
//   {"op": "edit", "before", "after", "caret"} -> {"delta"}  (a keystroke placed by the caret)
//   {"op": "invert", "delta", "before"}    -> {"delta"}  (the undo of a change)
// stdout: a JSON list of results in the same order; a thrown error gives {"error", "name"}.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// package.json declares no "type", so node would load a plain .js file as CommonJS (or warn
// and re-parse it); importing the source as a data: URL makes it an ES module on any node.
const source = readFileSync(new URL('../../static/js/textsync.js', import.meta.url));
const { makeTextSync, transform, compose, composeAll, opFromEdit, invert } = await import(`data:text/javascript;base64,${source.toString('base64')}`);

const require = createRequire(import.meta.url);
const DiffMatchPatch = require('../../node_modules/diff-match-patch');
const sync = makeTextSync(DiffMatchPatch);

const handlers = {
  delta: (r) => ({ delta: sync.makeDelta(r.old, r.new) }),
  apply: (r) => ({ text: sync.applyDelta(r.old, r.delta) }),
  merge3: (r) => sync.merge3(r.base, r.theirs, r.mine),
  track: (r) => ({ runs: sync.trackChanges(r.old, r.new) }),
  transform: (r) => {
    const [first, second] = transform(r.first, r.second);
    return { first, second };
  },
  compose: (r) => ({ delta: compose(r.first, r.then) }),
  composeAll: (r) => ({ delta: composeAll(r.deltas) }),
  edit: (r) => ({ delta: opFromEdit(r.before, r.after, r.caret) }),
  invert: (r) => ({ delta: invert(r.delta, r.before) }),
};

const requests = JSON.parse(readFileSync(0, 'utf8'));
const results = requests.map((request) => {
  try {
    const handler = handlers[request.op];
    if (!handler) throw new Error(`unknown op ${request.op}`);
    return handler(request);
  } catch (err) {
    return { error: String(err.message), name: err.name };
  }
});
process.stdout.write(JSON.stringify(results));
