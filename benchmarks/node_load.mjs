// The etherpad model's load generator in node: one process, socket.io-client from npm, and the
// browser's own sync code (static/js/sync.js and textsync.js) in every client.
//
//   node benchmarks/node_load.mjs CONFIG.json RESULT.json
//
// live_edit.py writes CONFIG, starts this script, reads its progress lines on stdout
// ("connected", "window-start", "window-end", "settled") to measure the server's CPU over the
// same window, and reads RESULT when it exits. Times in RESULT are epoch milliseconds
// (performance.timeOrigin + performance.now()).
//
// CONFIG: {url, draft_id, tokens: [...authors, ...lurkers, probe writer, probe observer],
//          authors, clauses (the hot clauses, in order), period (s per hot clause),
//          warmup, duration, settle (s), seed, role ("all", "load" or "probe": which of the
//          clients this process runs), start_at (epoch ms at which processes start together)}
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { io } from 'socket.io-client';

import { DocSync } from '../static/js/sync.js';
import { makeTextSync } from '../static/js/textsync.js';

globalThis.window ??= globalThis; // sync.js waits out a rate limit with window.setTimeout

const require = createRequire(import.meta.url);
const ts = makeTextSync(require('diff-match-patch'));
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const now = () => performance.timeOrigin + performance.now();
const say = (line) => process.stdout.write(`${line}\n`);

// a small seeded generator (mulberry32), so runs are repeatable
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rec = {
  sends: [], // [clause, version, author, sentAt, typedAt]
  applied: [], // [clause, version, receiver, at]
  authors: [], // [clause, version, author] from broadcasts
  acks: [], // [sentAt, ms]
  probe: [], // [typedAt, ms]
  loopLag: [],
  placed: [], // [clause, marker, left marker or null, right marker or null]
  counts: { sent: 0, acked: 0, edited: 0, resyncs: 0, rate_limited: 0, behind: 0 },
  errors: [],
};
const seenAuthor = new Set();

class LoadClient {
  constructor(token, name) {
    this.name = name;
    this.token = token;
    this.me = null;
    this.typedAt = new Map(); // clause -> oldest keystroke not yet sent
    this.version = new Map(); // clause -> base version last seen by onText
    this.onApplied = null;
    this.dropped = false;
    this.sync = new DocSync(ts, {
      send: (payload, ack) => this.send(payload, ack),
      get: (clauseId, ack) => {
        rec.counts.resyncs += 1;
        this.socket.emit('clause:get', { clause_id: clauseId }, ack);
      },
      onText: (id, cause) => this.onText(id, cause),
      onStatus: () => {},
      onRefused: (id, err) => rec.errors.push({ client: this.name, clause_id: id, ...err }),
    });
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.socket = io(cfg.url, {
        transports: ['websocket'],
        auth: { token: this.token },
        reconnection: false,
        forceNew: true,
        timeout: 30000,
      });
      this.socket.once('connect', resolve);
      this.socket.once('connect_error', reject);
      this.socket.on('disconnect', () => {
        this.dropped = true;
        this.sync.disconnected();
      });
      this.socket.on('clause:edited', (m) => {
        this.noteAuthor(m);
        this.sync.onEdited(m);
      });
      this.socket.on('clauses:edited', (msg) => {
        for (const m of msg.edits) this.noteAuthor(m);
        this.sync.onEdits(msg);
      });
    });
  }

  join() {
    return new Promise((resolve, reject) => {
      this.socket.timeout(30000).emit('join', { draft_id: cfg.draft_id }, (err, reply) => {
        if (err || !reply || !reply.ok) return reject(new Error(`join: ${JSON.stringify(reply)}`));
        this.me = reply.me.id;
        this.sync.rejoined(reply.draft.clauses);
        resolve();
      });
    });
  }

  noteAuthor(m) {
    rec.counts.edited += 1;
    const key = `${m.clause_id}:${m.version}`;
    if (!seenAuthor.has(key)) {
      seenAuthor.add(key);
      rec.authors.push([m.clause_id, m.version, m.author_id]);
    }
  }

  /** Type at the end of the clause, as a browser does: the caret places the keystrokes. */
  type(id, text) {
    if (!this.typedAt.has(id)) this.typedAt.set(id, now());
    this.sync.setLocal(id, text, text.length);
  }

  text(id) {
    return this.sync.get(id).local;
  }

  send(payload, ack) {
    const sentAt = now();
    const typedAt = this.typedAt.get(payload.clause_id) ?? sentAt;
    this.typedAt.delete(payload.clause_id);
    rec.counts.sent += 1;
    this.socket.emit('edit', payload, (reply) => {
      if (reply && reply.ok) {
        rec.counts.acked += 1;
        rec.acks.push([sentAt, now() - sentAt]);
        rec.sends.push([payload.clause_id, reply.version, this.me, sentAt, typedAt]);
      } else if (reply && reply.error && reply.error.code === 'rate_limited') {
        rec.counts.rate_limited += 1;
        if (!this.typedAt.has(payload.clause_id)) this.typedAt.set(payload.clause_id, typedAt);
      } else if (reply && reply.error && reply.error.code === 'behind') {
        rec.counts.behind += 1;
      }
      ack(reply);
    });
  }

  onText(id, cause) {
    const st = this.sync.get(id);
    const old = this.version.get(id);
    this.version.set(id, st.baseVersion);
    if (old === undefined || st.baseVersion <= old) return;
    if (cause === 'remote' || cause === 'resync') {
      const at = now();
      for (let v = old + 1; v <= st.baseVersion; v += 1) rec.applied.push([id, v, this.me, at]);
      if (this.onApplied) this.onApplied(id, st, at);
    }
  }

  idle() {
    return !this.sync.busy();
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const usedClauses = new Set();

function hotClause(start) {
  const i = Math.min(Math.floor((now() - start) / 1000 / cfg.period), cfg.clauses.length - 1);
  usedClauses.add(cfg.clauses[i]);
  return cfg.clauses[i];
}

// etherpad-load-test's randomString: 4 characters of code points 1 to 299
function etherpadChars(random) {
  let s = '';
  for (let i = 0; i < 4; i += 1) s += String.fromCharCode(Math.floor(random() * 298 + 1));
  return s;
}

// Intent (as live_edit.py's `place`): every tenth edit of an author is a marker naming it,
// typed after the markers it can see; at the end it must be in the text once, after them.
const MARKER = /⟦[^⟦⟧]*⟧/g;
const MARK_EVERY = 10;

function lastMarker(text) {
  const all = text.match(MARKER);
  return all ? all[all.length - 1] : null;
}

async function author(client, start, end, random, name) {
  let edits = 0;
  await sleep(random() * 400);
  let nextAt = now();
  while (now() < end) {
    const id = hotClause(start);
    const text = client.text(id);
    if (edits % MARK_EVERY === 2) {
      const marker = `⟦${name}.${edits}⟧`;
      rec.placed.push([id, marker, lastMarker(text), null]);
      client.type(id, text + marker);
    } else {
      client.type(id, text + etherpadChars(random));
    }
    edits += 1;
    nextAt += 400;
    await sleep(Math.max(0, nextAt - now()));
  }
  return edits;
}

const pending = new Map(); // marker -> typed at
let probeSent = 0;
let probeTimed = 0;

async function probeWriter(client, start, winStart, end) {
  let nextAt = now();
  while (now() < end) {
    const id = hotClause(start);
    const marker = `<${process.pid}q${probeSent}>`;
    probeSent += 1;
    if (now() >= winStart) {
      pending.set(marker, now());
      probeTimed += 1;
    }
    client.type(id, client.text(id) + marker);
    nextAt += 500;
    await sleep(Math.max(0, nextAt - now()));
  }
  return probeSent;
}

function observe(id, st, at) {
  if (!pending.size) return;
  for (const [marker, t0] of pending) {
    if (st.baseText.includes(marker)) {
      rec.probe.push([t0, at - t0]);
      pending.delete(marker);
    }
  }
}

async function monitorLoop(stop) {
  while (!stop.done) {
    const t = now();
    await sleep(50);
    rec.loopLag.push(now() - t - 50);
  }
}

async function main() {
  // role "all": every client here; "load": the authors and lurkers; "probe": the probe's
  // writer and observer, in a process of their own as probe.js is beside Etherpad's load tool
  const role = cfg.role ?? 'all';
  const all = cfg.tokens.map((t, i) => new LoadClient(t, `c${i}`));
  const probing = role !== 'load';
  const loading = role !== 'probe';
  const clients = role === 'load' ? all.slice(0, -2) : role === 'probe' ? all.slice(-2) : all;
  const observer = all[all.length - 1];
  const writer = all[all.length - 2];
  observer.onApplied = observe;
  const t0 = now();
  for (let i = 0; i < clients.length; i += 20) {
    const group = clients.slice(i, i + 20);
    await Promise.all(group.map((c) => c.connect()));
    await Promise.all(group.map((c) => c.join()));
  }
  const connectS = (now() - t0) / 1000;
  say('connected');
  await sleep(Math.min(1000, 100 + 10 * clients.length)); // joins' presence drains
  if (cfg.start_at) {
    say('ready');
    await sleep(Math.max(0, cfg.start_at - now())); // processes start the load together
  }

  const stop = { done: false };
  const monitor = monitorLoop(stop);
  const random = rng(cfg.seed);
  // a process ready only after the agreed start (a machine loaded by other work: it happened
  // in the test suite) starts its window now rather than find it over and type nothing
  const late = cfg.start_at ? now() - cfg.start_at : 0;
  if (late > 0) say(`late ${Math.round(late)} ms`);
  const start = cfg.start_at && late <= 0 ? cfg.start_at : now();
  const winStart = start + cfg.warmup * 1000;
  const end = winStart + cfg.duration * 1000;
  const load = Promise.all([
    ...(loading
      ? all.slice(0, cfg.authors).map((c, i) => author(c, start, end, rng(Math.floor(random() * 2 ** 32)), `a${i}`))
      : []),
    ...(probing ? [probeWriter(writer, start, winStart, end)] : []),
  ]);
  await sleep(Math.max(0, winStart - now()));
  say(`window-start ${now()}`);
  await sleep(Math.max(0, end - now()));
  say(`window-end ${now()}`);
  const typed = await load;

  // settle: every client idle and holding the same version of every clause for 300 ms
  const settleStart = now();
  let stableSince = null;
  while (now() - settleStart < cfg.settle * 1000) {
    const versions = new Set(
      clients.map((c) => (c.idle() ? [...c.sync.states.values()].map((s) => s.baseVersion).join(',') : 'busy')),
    );
    if (versions.size === 1 && !versions.has('busy')) {
      stableSince ??= now();
      if (now() - stableSince >= 300) break;
    } else {
      stableSince = null;
    }
    await sleep(50);
  }
  const settleS = (now() - settleStart) / 1000;
  stop.done = true;
  await monitor;
  say('settled');

  const finals = clients.map((c) => ({
    name: c.name,
    dropped: c.dropped,
    clauses: Object.fromEntries(
      [...c.sync.states.values()].map((s) => [
        s.id,
        [s.baseVersion, createHash('sha1').update(s.local).digest('hex'), s.local === s.baseText],
      ]),
    ),
  }));
  for (const c of clients) c.socket.close();
  writeFileSync(
    process.argv[3],
    JSON.stringify({
      ...rec,
      window: [winStart, end],
      connect_s: connectS,
      settle_s: settleS,
      keystrokes: typed.reduce((a, b) => a + b, 0),
      probe_sent: probeTimed,
      probe_unseen: pending.size,
      hot_clauses: usedClauses.size,
      finals,
    }),
  );
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
