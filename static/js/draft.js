/**
 * The draft screen: the document, edited live clause by clause; presence; the sync status.
 * The margin (amendments, history), the vote and the chair's console live in their own
 * modules and read the same `app` state.
 *
 * The server renders the document first (it shows before this loads); this module adopts
 * those elements, joins the draft and takes over. It speaks only docs/protocol.md.
 */
import DiffMatchPatch from '/vendor/diff-match-patch.js';
import { makeTextSync } from './textsync.js';
import { $, $$, announce, fill, h, initials, toast } from './dom.js';
import { request } from './net.js';
import { socket, takeOver } from './live.js';
import { DocSync, flatten } from './sync.js';
import { replaceKeepingSelection } from './caret.js';
import { ACTIVE, MODE_NAMES, clauseLabel, displayNumber, who } from './labels.js';
import { initPanel } from './panel.js';
import { initVote } from './vote.js';
import { initChair } from './chair.js';

const ts = makeTextSync(DiffMatchPatch);
const body = document.body;
const root = $('#clauses');

const app = {
  ts,
  draftId: Number(body.dataset.draftId),
  conference: {
    id: Number(body.dataset.conferenceId),
    majority: body.dataset.majority || 'simple',
  },
  me: { id: Number(body.dataset.meId), role: body.dataset.meRole, name: body.dataset.meName },
  draft: { status: body.dataset.status, sponsors: [], title: '' },
  index: new Map(), // id -> clause as the outline gives it (+ seq), in document order
  order: [], // clause ids in document order
  amendments: new Map(),
  queue: [],
  presence: [],
  current: null, // the clause the margin shows
  joined: false,
  socket: null,
  sync: null,
  listeners: {},
  on(name, fn) {
    (this.listeners[name] ||= []).push(fn);
  },
  emit(name, ...args) {
    for (const fn of this.listeners[name] || []) {
      try {
        fn(...args);
      } catch (e) {
        console.error(e); // one broken view must not stop the others
      }
    }
  },
  async request(event, data) {
    const reply = await request(this.socket, event, data);
    // Structure changes answer with the new outline: act on it at once, before the room's
    // `draft:outline` arrives, so a second move starts from where the first one left off.
    if (reply && Array.isArray(reply.outline)) setOutline(reply.outline);
    return reply;
  },
  /** May this person change the text and structure now (offline, typing still is kept)? */
  editable() {
    return this.draft.status === 'drafting' && this.me.role !== 'observer' && this.joined;
  },
  /** The clause's text as the server last acknowledged it (what amendments compare with). */
  serverText(id) {
    const st = this.sync && this.sync.get(id);
    if (st) return st.baseText;
    const c = this.index.get(id);
    return c ? c.text : '';
  },
  setCurrent(id, { reveal = false } = {}) {
    if (id !== null && !this.index.has(id)) id = null;
    const changed = this.current !== id;
    this.current = id;
    for (const li of $$('.clause.current', root)) li.classList.remove('current');
    if (id !== null) nodes.get(id)?.li.classList.add('current');
    if (changed || reveal) this.emit('current', id, { reveal });
  },
  focusClause(id) {
    const n = nodes.get(id);
    if (!n) return false;
    n.ta.focus();
    n.ta.scrollIntoView({ block: 'nearest' });
    return true;
  },
  refused(err) {
    toast(err.message || String(err), { error: true });
  },
};

// For tests and benchmarks: the live socket, the state, and paint timings.
window.__drafting = { app, paints: [], readyAt: null, marks: { start: performance.now() } };

// --- the document: one persistent node per clause, moved rather than rebuilt -------------

const nodes = new Map(); // id -> {li, num, ta, who, badge, more, sub}
const shown = new Map(); // id -> what the textarea showed at our last sync with it
let composing = null; // the textarea in an IME composition (never overwritten meanwhile)
let pendingFocus = null; // a clause we added: focus it once it exists

function refs(li) {
  return {
    li,
    row: li.querySelector(':scope > .clause-row'),
    num: li.querySelector(':scope > .clause-row > .num'),
    ta: li.querySelector(':scope > .clause-row > textarea.text'),
    who: li.querySelector(':scope > .clause-row > .side > .who'),
    badge: li.querySelector(':scope > .clause-row > .side > .badge-amend'),
    more: li.querySelector(':scope > .clause-row > .side > .clause-more'),
    sub: li.querySelector(':scope > ol.sub'),
  };
}

function makeNode(c) {
  const li = h(
    'li',
    { class: 'clause', id: `clause-${c.id}`, dataset: { id: c.id } },
    h(
      'div',
      { class: 'clause-row' },
      h('span', { class: 'num', 'aria-hidden': 'true' }),
      h('textarea', {
        class: 'text',
        dir: 'auto',
        rows: 1,
        maxlength: 20000,
        spellcheck: 'true',
        readonly: true,
        value: c.text,
      }),
      h(
        'span',
        { class: 'side' },
        h('span', { class: 'who' }),
        h('button', { type: 'button', class: 'badge-amend', hidden: true }),
        h('button', { type: 'button', class: 'clause-more' }, '⋯'),
      ),
    ),
    h('ol', { class: 'sub' }),
  );
  li.querySelector('textarea').value = c.text;
  const n = refs(li);
  setRowDir(n, c.text);
  return n;
}

function updateNode(n, c) {
  const cls = `clause kind-${c.kind} level-${c.level}${app.current === c.id ? ' current' : ''}`;
  if (n.li.className !== cls) n.li.className = cls;
  const num = displayNumber(c);
  if (n.num.textContent !== num) n.num.textContent = num;
  const label = clauseLabel(c);
  n.ta.setAttribute('aria-label', label);
  n.more.setAttribute('aria-label', `${label}: tools, amendments and history`);
  n.ta.readOnly = !app.editable();
}

function placeChildren(container, ids) {
  let cursor = container.firstElementChild;
  for (const id of ids) {
    const li = nodes.get(id).li;
    if (li === cursor) cursor = cursor.nextElementSibling;
    else container.insertBefore(li, cursor);
  }
  while (cursor) {
    const next = cursor.nextElementSibling;
    cursor.remove();
    cursor = next;
  }
}

function setOutline(clauses) {
  const focused = document.activeElement;
  const selection =
    focused && focused.matches && focused.matches('textarea.text')
      ? [focused.selectionStart, focused.selectionEnd, focused.selectionDirection]
      : null;
  const flat = flatten(clauses);
  app.index = new Map();
  app.order = [];
  const seq = {};
  for (const c of flat) {
    if (!c.number && c.level === 0) c.seq = seq[c.kind] = (seq[c.kind] || 0) + 1;
    app.index.set(c.id, c);
    app.order.push(c.id);
  }
  for (const c of flat) {
    let n = nodes.get(c.id);
    if (!n) {
      n = makeNode(c);
      nodes.set(c.id, n);
      shown.set(c.id, c.text);
    }
    updateNode(n, c);
  }
  const place = (container, list) => {
    placeChildren(
      container,
      list.map((c) => c.id),
    );
    for (const c of list) place(nodes.get(c.id).sub, c.children || []);
  };
  place(root, clauses);
  for (const id of [...nodes.keys()]) {
    if (!app.index.has(id)) {
      nodes.get(id).li.remove();
      nodes.delete(id);
      shown.delete(id);
    }
  }
  if (selection && focused.isConnected && document.activeElement !== focused) {
    focused.focus({ preventScroll: true });
    focused.setSelectionRange(...selection);
  }
  if (pendingFocus !== null && nodes.has(pendingFocus)) {
    app.focusClause(pendingFocus);
    pendingFocus = null;
  }
  if (app.current !== null && !app.index.has(app.current)) app.setCurrent(null);
  $('#empty-draft').hidden = flat.length > 0;
  if (autosize) fitAll();
  renderBadges();
  renderPresence();
  app.emit('outline');
}

app.expectClause = (id) => {
  if (!app.focusClause(id)) pendingFocus = id;
};

// Textareas grow with their text through CSS `field-sizing: content`; where a browser lacks
// it, they are sized from their scrollHeight instead.
const autosize = !(window.CSS && CSS.supports('field-sizing', 'content'));
function fit(ta) {
  if (!autosize) return;
  ta.style.height = 'auto';
  ta.style.height = `${ta.scrollHeight + 2}px`;
}
function fitAll() {
  if (!autosize) return;
  const all = $$('textarea.text', root);
  for (const ta of all) ta.style.height = 'auto';
  const heights = all.map((ta) => ta.scrollHeight);
  all.forEach((ta, i) => {
    ta.style.height = `${heights[i] + 2}px`;
  });
}
if (autosize) {
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(fitAll, 150);
  });
}

// A clause's row (its number, its margin buttons) runs in the direction of its text, so an
// Arabic or Hebrew clause has its number on the right, even in an English document.
const FIRST_STRONG = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]|\p{L}/u;
const RTL = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
function setRowDir(n, text) {
  const first = FIRST_STRONG.exec(text);
  const dir = first && RTL.test(first[0]) ? 'rtl' : 'ltr';
  if (n.row.dir !== dir) n.row.dir = dir;
}

/** Show a clause's local text (unless the user is mid-composition in it). */
function paint(id) {
  const n = nodes.get(id);
  const st = app.sync.get(id);
  if (!n || !st || composing === n.ta) return;
  if (n.ta.value !== st.local) {
    replaceKeepingSelection(ts, n.ta, st.local);
    fit(n.ta);
    setRowDir(n, st.local);
  }
  shown.set(id, st.local);
}

function onInput(ta) {
  const id = Number(ta.closest('.clause').dataset.id);
  const st = app.sync.get(id);
  if (!st || ta.readOnly) return;
  const value = ta.value;
  const before = shown.get(id);
  // Normally the screen showed exactly the local text; if a remote change was held back
  // (during an IME composition), merge the user's change onto it instead of undoing it.
  const next = before === st.local ? value : ts.merge3(before, st.local, value).text;
  shown.set(id, value);
  app.sync.setLocal(id, next);
  if (next !== value) paint(id);
  else setRowDir(nodes.get(id), value);
}

root.addEventListener('input', (e) => {
  if (!e.target.matches('textarea.text')) return;
  fit(e.target);
  if (!e.isComposing) onInput(e.target);
});
root.addEventListener('compositionstart', (e) => {
  if (e.target.matches('textarea.text')) composing = e.target;
});
root.addEventListener('compositionend', (e) => {
  if (!e.target.matches('textarea.text')) return;
  composing = null;
  onInput(e.target);
  paint(Number(e.target.closest('.clause').dataset.id));
});

// --- focus: the margin follows the clause you are in; others see where you are ----------

let focusTimer = 0;
let focusSent; // what the server last heard (undefined: nothing yet)
let focusWanted = null;

function sendFocus() {
  if (!app.joined || !app.socket.connected || focusWanted === focusSent) return;
  const clauseId = focusWanted;
  focusSent = clauseId;
  app.request('focus', { draft_id: app.draftId, clause_id: clauseId }).catch(() => {
    focusSent = undefined;
  });
}

function wantFocus(id) {
  focusWanted = id;
  window.clearTimeout(focusTimer);
  focusTimer = window.setTimeout(sendFocus, id === null ? 400 : 60);
}

root.addEventListener('focusin', (e) => {
  const li = e.target.closest('.clause');
  if (!li) return;
  const id = Number(li.dataset.id);
  app.setCurrent(id);
  wantFocus(id);
});
root.addEventListener('focusout', (e) => {
  if (e.target.matches('textarea.text')) wantFocus(null);
});
root.addEventListener('click', (e) => {
  const btn = e.target.closest('button');
  const li = e.target.closest('.clause');
  if (!btn || !li) return;
  const id = Number(li.dataset.id);
  if (btn.classList.contains('badge-amend') || btn.classList.contains('clause-more')) {
    app.setCurrent(id, { reveal: true });
  }
});

// Keyboard, in a clause: Alt+Enter adds a clause after it (same kind, same level);
// Alt+Up / Alt+Down move it; Alt+Shift+Right / Alt+Shift+Left indent / outdent it.
const SHORTCUTS = {
  Enter: 'add-after',
  ArrowUp: 'up',
  ArrowDown: 'down',
  'shift+ArrowRight': 'indent',
  'shift+ArrowLeft': 'outdent',
};
root.addEventListener('keydown', (e) => {
  if (!e.target.matches('textarea.text') || !e.altKey || e.ctrlKey || e.metaKey) return;
  const command = SHORTCUTS[(e.shiftKey ? 'shift+' : '') + e.key];
  if (!command || !app.editable()) return;
  e.preventDefault();
  app.emit('command', command, Number(e.target.closest('.clause').dataset.id));
});

// --- presence -----------------------------------------------------------------------------

function chip(p, { small = false } = {}) {
  const el = h(
    'span',
    {
      class: small ? 'chip small' : 'chip',
      title: `${who(p.name, p.delegation)}${p.clause_id ? ' (typing here)' : ''}`,
      role: 'img',
      'aria-label': who(p.name, p.delegation),
    },
    initials(p.delegation || p.name),
  );
  el.style.setProperty('--who', p.color || '#5c6773');
  return el;
}

function renderPresence() {
  const others = app.presence.filter((p) => p.participant_id !== app.me.id);
  const byClause = new Map();
  for (const p of others) {
    if (p.clause_id !== null && p.clause_id !== undefined) {
      if (!byClause.has(p.clause_id)) byClause.set(p.clause_id, []);
      byClause.get(p.clause_id).push(p);
    }
  }
  for (const [id, n] of nodes) {
    const people = byClause.get(id) || [];
    if (people.length === 0 && !n.who.firstChild) continue;
    fill(n.who, people.map((p) => chip(p, { small: true })));
    n.li.classList.toggle('occupied', people.length > 0);
    if (people.length) n.li.style.setProperty('--who', people[0].color || '#5c6773');
  }
  const box = $('#present');
  const all = app.presence;
  const shownChips = all.slice(0, 6).map((p) => chip(p));
  fill(
    box,
    h('span', { class: 'present-count' }, `${all.length} here`),
    shownChips,
    all.length > 6 ? h('span', { class: 'chip more' }, `+${all.length - 6}`) : null,
  );
  box.setAttribute(
    'aria-label',
    `In this draft now: ${all.map((p) => who(p.name, p.delegation)).join(', ') || 'nobody'}`,
  );
}

// --- amendment badges on clauses ------------------------------------------------------------

function renderBadges() {
  const counts = new Map();
  for (const a of app.amendments.values()) {
    if (ACTIVE.has(a.status)) counts.set(a.clause_id, (counts.get(a.clause_id) || 0) + 1);
  }
  for (const [id, n] of nodes) {
    const count = counts.get(id) || 0;
    n.badge.hidden = count === 0;
    n.li.classList.toggle('has-amendments', count > 0);
    if (count) {
      n.badge.textContent = `◀ ${count} ▸`;
      const c = app.index.get(id);
      n.badge.setAttribute(
        'aria-label',
        `${count} amendment${count === 1 ? '' : 's'} to ${clauseLabel(c).toLowerCase()}: show`,
      );
    }
  }
}
app.on('amendments', renderBadges);

// --- status: saved / syncing / offline ---------------------------------------------------------

let lastState = '';
function renderStatus() {
  const el = $('#sync-status');
  const connected = app.socket && app.socket.connected && app.joined;
  const waiting = app.sync ? app.sync.pending() : 0;
  let state;
  let text;
  if (!connected) {
    state = app.joined || lastState === 'offline' || lastState === 'saved' ? 'offline' : 'connecting';
    if (state === 'offline') {
      text = waiting
        ? `Offline – ${waiting} edit${waiting === 1 ? '' : 's'} waiting`
        : 'Offline – nothing waiting';
    } else text = 'Connecting…';
  } else if (app.sync.busy()) {
    state = 'syncing';
    text = 'Syncing…';
  } else {
    state = 'saved';
    text = 'Saved';
  }
  if (el.textContent !== text) el.textContent = text;
  el.dataset.state = state;
  if (state !== lastState) {
    if (state === 'offline') announce('You are offline. Your edits are kept and sent when you reconnect.');
    else if (lastState === 'offline' && state !== 'connecting') announce('Back online.');
    lastState = state;
  }
  el.dataset.waiting = String(waiting);
}

function renderMode() {
  const status = app.draft.status;
  const el = $('#mode');
  el.textContent = MODE_NAMES[status] || status;
  el.className = `mode-badge mode-${status}`;
  body.dataset.status = status;
  const editable = app.editable();
  for (const n of nodes.values()) n.ta.readOnly = !editable;
  body.classList.toggle('editable', editable);
  $('#add-clause').hidden = !editable;
}
app.on('mode', renderMode);

// --- the connection ---------------------------------------------------------------------------

const sync = new DocSync(ts, {
  send: (payload, ack) => app.socket.emit('edit', payload, ack),
  get: (clauseId, ack) => app.socket.emit('clause:get', { clause_id: clauseId }, ack),
  onText: (id) => paint(id),
  onStatus: () => scheduleStatus(),
  onRefused: (id, err) => {
    const c = app.index.get(id);
    toast(`${c ? clauseLabel(c) : 'A clause'}: ${err.message}`, { error: true });
  },
});
app.sync = sync;

let statusQueued = false;
function scheduleStatus() {
  if (statusQueued) return;
  statusQueued = true;
  queueMicrotask(() => {
    statusQueued = false;
    renderStatus();
  });
}

function applyDraft(draft) {
  app.draft = draft;
  document.title = `${draft.title} · drafting`;
  setOutline(draft.clauses);
  if (Array.isArray(draft.amendments)) {
    app.amendments = new Map(draft.amendments.map((a) => [a.id, a]));
  }
  if (Array.isArray(draft.queue)) app.queue = draft.queue;
  renderMode();
  app.emit('amendments');
  app.emit('queue');
  app.emit('poll-state', draft.poll || null);
}

app.socket = socket;
window.__drafting.socket = socket;

function onJoined(reply) {
  window.__drafting.marks.joined ??= performance.now();
  app.me = { ...app.me, ...reply.me };
  app.joined = true;
  focusSent = undefined;
  app.presence = reply.presence || [];
  applyDraft(reply.draft);
  sync.rejoined(reply.draft.clauses);
  renderPresence();
  renderStatus();
  if (focusWanted !== null) sendFocus();
  app.emit('joined');
  if (!body.dataset.ready) {
    body.dataset.ready = 'true';
    window.__drafting.readyAt = performance.now();
  }
}

socket.on('disconnect', () => {
  app.joined = false;
  app.presence = []; // unknown until we are back
  sync.disconnected();
  renderPresence();
  renderStatus();
  app.emit('connection', false);
});

socket.on('connect_error', (err) => {
  renderStatus();
  if (err && err.message && !socket.active) toast(err.message, { error: true });
});

// The browser knows it lost the network before the socket's heartbeat does: say so at once,
// keep what is typed, and reconnect the moment the network is back.
window.addEventListener('offline', () => {
  if (socket.connected) socket.disconnect();
  renderStatus();
});
window.addEventListener('online', () => {
  if (!socket.connected) socket.connect();
});

// For benchmarks/page_load.py: when a remote edit arrived and when it was painted.
function notePaint(clauseId, received) {
  const probe = window.__drafting;
  const st = sync.get(clauseId);
  const shownNow = nodes.get(clauseId)?.ta.value === st?.local;
  const version = st?.baseVersion;
  requestAnimationFrame(() => {
    const painted = performance.now();
    const entry = {
      clause_id: clauseId,
      version,
      shown: shownNow,
      received,
      painted,
      epoch: performance.timeOrigin + painted,
    };
    probe.paints.push(entry);
    if (probe.paints.length > 500) probe.paints.splice(0, 250);
    // After this frame is painted: the first task the event loop runs once it is on screen.
    setTimeout(() => {
      entry.afterPaint = performance.now();
    }, 0);
  });
}

const handlers = {
  'clause:edited': (msg) => {
    if (msg.draft_id !== app.draftId) return;
    const received = performance.now();
    if (sync.onEdited(msg)) notePaint(msg.clause_id, received);
    app.emit('clause-text', msg.clause_id);
  },
  'clauses:edited': (msg) => {
    if (msg.draft_id !== app.draftId) return;
    const received = performance.now();
    for (const id of sync.onEdits(msg)) notePaint(id, received);
    for (const id of new Set((msg.edits || []).map((m) => m.clause_id))) app.emit('clause-text', id);
  },
  'draft:outline': (msg) => {
    if (msg.draft_id !== app.draftId) return;
    setOutline(msg.clauses);
    sync.load(msg.clauses);
  },
  'draft:mode': (msg) => {
    if (msg.draft_id !== app.draftId) return;
    app.draft.status = msg.after;
    renderMode();
    announce(`The draft is now in ${(MODE_NAMES[msg.after] || msg.after).toLowerCase()} mode.`);
    app.emit('mode');
  },
  'draft:sponsors': (msg) => {
    if (msg.draft_id !== app.draftId) return;
    app.draft.sponsors = msg.after;
    app.emit('amendments');
  },
  presence: (msg) => {
    if (msg.draft_id !== app.draftId) return;
    // only the changes: people who joined or moved, and the ids of those who left
    const people = new Map(app.presence.map((p) => [p.participant_id, p]));
    for (const p of msg.people || []) people.set(p.participant_id, p);
    for (const id of msg.left || []) people.delete(id);
    app.presence = [...people.values()].sort((a, b) => a.participant_id - b.participant_id);
    renderPresence();
  },
  'amendment:changed': (msg) => {
    if (msg.draft_id !== app.draftId || !msg.amendment) return;
    const a = msg.amendment;
    const before = app.amendments.get(a.id);
    app.amendments.set(a.id, a);
    if (!before && a.proposer_id !== app.me.id) {
      const c = app.index.get(a.clause_id);
      announce(
        `Amendment #${a.number} proposed by ${who(a.proposer, a.delegation)} to ${clauseLabel(c).toLowerCase()}.`,
      );
    }
    app.emit('amendments');
    app.emit('amendment-changed', a, msg.event);
  },
  'poll:opened': (msg) => {
    if (msg.draft_id === app.draftId) app.emit('poll-opened', msg.poll);
  },
  'poll:tally': (msg) => {
    if (msg.draft_id === app.draftId) app.emit('poll-tally', msg);
  },
  'poll:closed': (msg) => {
    if (msg.draft_id === app.draftId) app.emit('poll-closed', msg.poll);
  },
};
for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);

// --- the rest of the screen ---------------------------------------------------------------------

// Menus (<details class="menu">) close on a click elsewhere or Escape.
document.addEventListener('click', (e) => {
  for (const menu of $$('details.menu[open]')) if (!menu.contains(e.target)) menu.open = false;
});
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  for (const menu of $$('details.menu[open]')) {
    menu.open = false;
    menu.querySelector('summary').focus();
  }
});

// Adopt the server-rendered clauses: same markup as makeNode().
for (const li of $$('li.clause', root)) {
  const n = refs(li);
  const id = Number(li.dataset.id);
  nodes.set(id, n);
  shown.set(id, n.ta.value);
  setRowDir(n, n.ta.value);
}

initPanel(app);
initVote(app);
if (app.me.role === 'chair') initChair(app);

$('#add-clause').addEventListener('submit', async (e) => {
  e.preventDefault();
  const kind = $('#add-kind').value;
  const last = root.lastElementChild;
  try {
    const reply = await app.request('clause:add', {
      draft_id: app.draftId,
      kind,
      text: '',
      parent_id: null,
      after_id: last ? Number(last.dataset.id) : null,
    });
    app.expectClause(reply.clause_id);
  } catch (err) {
    app.refused(err);
  }
});

window.__drafting.marks.takeOver = performance.now();
takeOver({
  onJoined,
  onJoinFailed: (err) => toast(`Could not open the draft: ${err.message}`, { error: true }),
  handlers,
});
renderStatus();
