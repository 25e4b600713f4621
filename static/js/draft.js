/**
 * The draft screen's entry: the state every view reads (`app`), the connection and the
 * messages it brings, and the views, each in its own module (docs/browser.md): the document
 * (clauses.js), its title block (titleblock.js), presence (presence.js), the sync status
 * (status.js), the margin (panel.js), the vote (vote.js), the record (record.js), the top
 * bar's menus (menu.js), the chair's console (chair.js) and the meeting around the text: the
 * agenda, the lists of speakers and the notices (meeting.js).
 *
 * The server renders the document first (it shows before this loads); the views adopt those
 * elements, this joins the draft and takes over. It speaks only docs/protocol.md.
 */
import DiffMatchPatch from '/vendor/diff-match-patch.js';
import { makeTextSync } from './textsync.js';
import { $, announce, toast } from './dom.js';
import { request } from './net.js';
import { socket, takeOver } from './live.js';
import { DocSync, flatten } from './sync.js';
import { DEFAULT_MARKER, MODE_NAMES, OPEN_MODES, clauseLabel, who } from './labels.js';
import { ClauseList } from './clauses.js';
import { Presence } from './presence.js';
import { SyncStatus } from './status.js';
import { initPanel } from './panel.js';
import { initVote } from './vote.js';
import { initChair } from './chair.js';
import { RecordDialog } from './record.js';
import { initMenus } from './menu.js';
import { initTitleBlock } from './titleblock.js';
import { initMeeting } from './meeting.js';

const ts = makeTextSync(DiffMatchPatch);
const body = document.body;

const app = {
  ts,
  draftId: Number(body.dataset.draftId),
  conference: {
    id: Number(body.dataset.conferenceId),
    majority: body.dataset.majority || 'simple',
    rules: body.dataset.rules || 'un_committee',
  },
  me: { id: Number(body.dataset.meId), role: body.dataset.meRole, name: body.dataset.meName },
  draft: { status: body.dataset.status, sponsors: [], title: '', details: {} },
  index: new Map(), // id -> clause as the outline gives it (+ seq), in document order
  order: [], // clause ids in document order
  amendments: new Map(),
  motions: new Map(), // motions from the floor on how questions are voted
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
  /** May this person change a clause's kind now: the chair while the draft is open, others
   * as for any change of the text (the server's rule, set_clause_kind; it decides anyway). */
  canSetKind() {
    if (this.me.role === 'chair') return this.joined && OPEN_MODES.includes(this.draft.status);
    return this.editable();
  },
  /** Add a clause; a list item comes with its marker (the en dash unless given). */
  async addClause(data, marker) {
    const payload = data.kind === 'item' ? { ...data, marker: marker || DEFAULT_MARKER } : data;
    return this.request('clause:add', payload);
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
    clauses.markCurrent(id);
    if (changed || reveal) this.emit('current', id, { reveal });
  },
  focusClause(id) {
    return clauses.focus(id);
  },
  /** A clause we added: focus it now, or as soon as the outline brings it. */
  expectClause(id) {
    clauses.expect(id);
  },
  refused(err) {
    toast(err.message || String(err), { error: true });
  },
};

// For tests and benchmarks: the live socket, the state, and paint timings.
window.__drafting = { app, paints: [], readyAt: null, marks: { start: performance.now() } };

// --- the views ----------------------------------------------------------------------------

const clauses = new ClauseList(app, { focus: (id) => presence.wantFocus(id) });
const presence = new Presence(app, clauses.nodes);
const status = new SyncStatus(app);

/** A new outline: the index and order every view reads, then the document, then the rest. */
function setOutline(outline) {
  const flat = flatten(outline);
  app.index = new Map();
  app.order = [];
  const seq = {};
  for (const c of flat) {
    if (!c.number && c.level === 0) c.seq = seq[c.kind] = (seq[c.kind] || 0) + 1;
    app.index.set(c.id, c);
    app.order.push(c.id);
  }
  clauses.setOutline(outline, flat);
  if (app.current !== null && !app.index.has(app.current)) app.setCurrent(null);
  $('#empty-draft').hidden = flat.length > 0;
  clauses.fitAll();
  clauses.renderBadges();
  presence.render();
  app.emit('outline');
}

/** The draft's mode (#mode in the top bar), and whether this person may edit in it. */
function renderMode() {
  const mode = app.draft.status;
  const el = $('#mode');
  el.textContent = MODE_NAMES[mode] || mode;
  el.className = `mode-badge mode-${mode}`;
  body.dataset.status = mode;
  const editable = app.editable();
  clauses.setEditable(editable);
  body.classList.toggle('editable', editable);
  $('#add-clause').hidden = !editable;
}
app.on('amendments', () => clauses.renderBadges());
app.on('mode', renderMode);

// --- the connection ---------------------------------------------------------------------------

const sync = new DocSync(ts, {
  send: (payload, ack) => app.socket.emit('edit', payload, ack),
  get: (clauseId, ack) => app.socket.emit('clause:get', { clause_id: clauseId }, ack),
  onText: (id) => clauses.paint(id),
  onStatus: () => status.schedule(),
  onRefused: (id, err) => {
    const c = app.index.get(id);
    toast(`${c ? clauseLabel(c) : 'A clause'}: ${err.message}`, { error: true });
  },
});
app.sync = sync;

function applyDraft(draft) {
  app.draft = draft;
  document.title = `${draft.title} · drafting`;
  setOutline(draft.clauses);
  if (Array.isArray(draft.amendments)) {
    app.amendments = new Map(draft.amendments.map((a) => [a.id, a]));
  }
  if (Array.isArray(draft.queue)) app.queue = draft.queue;
  if (Array.isArray(draft.motions)) app.motions = new Map(draft.motions.map((m) => [m.id, m]));
  renderMode();
  app.emit('details');
  app.emit('amendments');
  app.emit('queue');
  app.emit('motions');
  app.emit('poll-state', draft.poll || null);
}

app.socket = socket;
window.__drafting.socket = socket;

function onJoined(reply) {
  window.__drafting.marks.joined ??= performance.now();
  app.me = { ...app.me, ...reply.me };
  app.joined = true;
  presence.rejoining();
  app.presence = reply.presence || [];
  applyDraft(reply.draft);
  sync.rejoined(reply.draft.clauses);
  presence.render();
  status.render();
  presence.rejoined();
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
  presence.render();
  status.render();
  app.emit('connection', false);
});

socket.on('connect_error', (err) => {
  status.render();
  if (err && err.message && !socket.active) toast(err.message, { error: true });
});

// The browser knows it lost the network before the socket's heartbeat does: say so at once,
// keep what is typed, and reconnect the moment the network is back.
window.addEventListener('offline', () => {
  if (socket.connected) socket.disconnect();
  status.render();
});
window.addEventListener('online', () => {
  if (!socket.connected) socket.connect();
});

// For benchmarks/page_load.py: when a remote edit arrived and when it was painted.
function notePaint(clauseId, received) {
  const probe = window.__drafting;
  const st = sync.get(clauseId);
  const shownNow = clauses.showing(clauseId) === st?.local;
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
  'draft:details': (msg) => {
    if (msg.draft_id !== app.draftId || !msg.after) return;
    app.draft.details = msg.after;
    app.emit('details');
    // only the chair sets it, and the chair's own save says so already
    if (app.me.role !== 'chair') announce('The chair changed the title block of the draft.');
  },
  presence: (msg) => {
    if (msg.draft_id === app.draftId) presence.changed(msg);
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
    if (msg.draft_id === app.draftId) app.emit('poll-ended', msg.poll);
  },
  'poll:suspended': (msg) => {
    if (msg.draft_id === app.draftId) app.emit('poll-ended', msg.poll);
  },
  'motion:changed': (msg) => {
    if (msg.draft_id !== app.draftId || !msg.motion) return;
    const before = app.motions.get(msg.motion.id);
    app.motions.set(msg.motion.id, msg.motion);
    app.emit('motions');
    app.emit('motion-changed', msg.motion, before);
  },
  'order:ruled': (msg) => {
    if (msg.draft_id === app.draftId) app.emit('order-ruled', msg);
  },
};
for (const [event, fn] of Object.entries(handlers)) socket.on(event, fn);

// --- the rest of the screen ---------------------------------------------------------------------

initMenus();
initPanel(app);
initTitleBlock(app);
initVote(app);
new RecordDialog(app);
if (app.me.role === 'chair') initChair(app);

// The meeting: where the session is, who speaks, asking for the floor (the line above the
// document, and the chair's in the console); the conference's room, which `join` enters.
const meetingMe = { id: app.me.id, role: app.me.role };
const meeting = initMeeting(socket, {
  conferenceId: app.conference.id,
  me: meetingMe,
  draftId: app.draftId,
  fetchMe: false,
  roots: {
    bar: $('#floor-bar'),
    agenda: $('#floor-agenda'),
    panel: $('#floor-lists'),
    chairBar: $('#chair-floor'),
    toggle: $('#floor-toggle'),
    details: $('#floor-details'),
  },
  drafts: () => [{ id: app.draftId, title: app.draft.title || '' }],
  clauseName: (id) => (app.index.has(id) ? clauseLabel(app.index.get(id)) : null),
  // the chair opens a list of speakers on the clause in the margin, while this draft is debated
  openable: () => {
    const item = meeting.floor.current();
    if (!item || item.draft_id !== app.draftId || app.current === null || !app.index.has(app.current)) return null;
    return { item_id: item.id, clause_id: app.current, label: clauseLabel(app.index.get(app.current)) };
  },
});
app.on('joined', () => {
  Object.assign(meetingMe, { member_id: app.me.member_id, delegation: app.me.delegation });
  meeting.render();
});
app.on('outline', () => meeting.render());
app.on('current', () => meeting.render());
// A vote in the draft now under debate, when it is another: its room is not this page's.
meeting.floor.subscribe((change) => {
  const item = meeting.floor.current();
  if (change.what !== 'list' && item && item.draft_id && item.draft_id !== app.draftId) {
    meeting.polls.check([{ id: item.draft_id, title: item.title }]);
  }
});

window.__drafting.marks.takeOver = performance.now();
takeOver({
  onJoined,
  onJoinFailed: (err) => toast(`Could not open the draft: ${err.message}`, { error: true }),
  handlers,
});
status.render();
