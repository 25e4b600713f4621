/**
 * The projector view (`/conference/ID/projector`): the big screen of the hall. No controls; it
 * follows the session by itself. It follows the conference (the agenda and the lists of
 * speakers: floor.js) and joins the draft of the item under debate, as the draft page does, to
 * show its text as it changes, its amendments and its votes.
 *
 * On screen: the item under debate; the clause under debate with its amendments in track
 * changes (the clause of the poll being taken, else of the list of speakers the meeting is on);
 * who has the floor and their clock (counted here from the deadline: the server sends no tick);
 * who waits; the vote being taken, and its result (counts; for a recorded vote, who voted how)
 * until the debate goes on.
 */
import DiffMatchPatch from '/vendor/diff-match-patch.js';
import { makeTextSync } from './textsync.js';
import { $, fill, h } from './dom.js';
import { connect, request } from './net.js';
import { DocSync, flatten } from './sync.js';
import { FloorState, KIND_NAMES, speechTime } from './floor.js';
import { SpeechTimer } from './timer.js';
import { speakerName, settingsText } from './speakers.js';
import { itemText } from './agenda.js';
import { AmendmentsView } from './amendments.js';
import { ACTIVE, KIND_SHORT, MODE_NAMES, RULE_SHORT, clauseLabel } from './labels.js';
import { castText, quorumText, totalsNode, votesNode } from './polltext.js';

const ts = makeTextSync(DiffMatchPatch);
const body = document.body;
const conferenceId = Number(body.dataset.conferenceId);
const socket = connect();
const floor = new FloorState(socket, conferenceId, request);

/** The draft of the item under debate, as far as the projector needs it. */
const state = {
  draftId: null, // the draft joined
  wanted: null, // the draft that should be joined
  joining: false,
  draft: null, // {id, title, status}
  index: new Map(),
  order: [],
  amendments: new Map(),
  poll: null, // the open poll, or the last one while its result is shown
  pollShownSince: 0, // the floor's speeches given before the result (a new speech hides it)
  sync: null,
};

// The amendments' cards, as the draft page draws them, for a reader who may do nothing.
const reader = {
  ts,
  me: { id: -1, role: 'observer' },
  draft: { sponsors: [] },
  get amendments() {
    return state.amendments;
  },
  serverText(id) {
    const st = state.sync && state.sync.get(id);
    if (st) return st.baseText;
    const c = state.index.get(id);
    return c ? c.text : '';
  },
};
const cards = new AmendmentsView(reader, {});

window.__projector = { floor, state };

// --- the draft of the item under debate ----------------------------------------------------

function newSync() {
  return new DocSync(ts, {
    send: () => {}, // a reader: never edits
    get: (clauseId, ack) => socket.emit('clause:get', { clause_id: clauseId }, ack),
    onText: () => schedule(),
    onStatus: () => {},
    onRefused: () => {},
  });
}

function setOutline(clauses) {
  const flat = flatten(clauses);
  state.index = new Map(flat.map((c) => [c.id, c]));
  state.order = flat.map((c) => c.id);
}

function loadDraft(draft) {
  state.draft = { id: draft.id, title: draft.title, status: draft.status };
  setOutline(draft.clauses);
  state.amendments = new Map((draft.amendments || []).map((a) => [a.id, a]));
  if (draft.poll) state.poll = draft.poll;
  else if (state.poll && (state.poll.state === 'open' || state.poll.draft_id !== draft.id)) state.poll = null;
  state.sync = newSync();
  state.sync.rejoined(draft.clauses);
}

/** Join the draft of the item under debate (leaving the one before); again after a reconnection. */
async function follow() {
  const item = floor.current();
  state.wanted = item && item.kind === 'draft' ? item.draft_id : null;
  if (state.joining || state.wanted === state.draftId) return;
  state.joining = true;
  try {
    while (state.wanted !== state.draftId) {
      const target = state.wanted;
      if (state.draftId !== null) {
        const leaving = state.draftId;
        state.draftId = null;
        await request(socket, 'leave', { draft_id: leaving }).catch(() => {});
      }
      if (state.draft && state.draft.id !== target) {
        state.draft = null;
        state.poll = null;
        state.sync = null;
        state.amendments = new Map();
        state.index = new Map();
      }
      if (target !== null) {
        const reply = await request(socket, 'join', { draft_id: target });
        state.draftId = target;
        loadDraft(reply.draft);
      }
      schedule();
    }
  } catch {
    /* offline: the next connection joins again */
  } finally {
    state.joining = false;
  }
}

const mine = (msg) => msg && state.draft && msg.draft_id === state.draft.id;

socket.on('disconnect', () => {
  state.draftId = null; // the rooms are gone with the connection
  if (state.sync) state.sync.disconnected();
  schedule();
});
socket.on('connect', () => schedule());
socket.on('clause:edited', (msg) => mine(msg) && state.sync && state.sync.onEdited(msg) && schedule());
socket.on('clauses:edited', (msg) => mine(msg) && state.sync && state.sync.onEdits(msg).length && schedule());
socket.on('draft:outline', (msg) => {
  if (!mine(msg)) return;
  setOutline(msg.clauses);
  if (state.sync) state.sync.load(msg.clauses);
  schedule();
});
socket.on('draft:mode', (msg) => {
  if (!mine(msg)) return;
  state.draft.status = msg.after;
  schedule();
});
socket.on('amendment:changed', (msg) => {
  if (!mine(msg) || !msg.amendment) return;
  state.amendments.set(msg.amendment.id, msg.amendment);
  schedule();
});
socket.on('poll:opened', (msg) => {
  if (!mine(msg)) return;
  state.poll = msg.poll;
  schedule();
});
socket.on('poll:tally', (msg) => {
  const p = state.poll;
  if (!mine(msg) || !p || p.id !== msg.poll_id || p.state !== 'open') return;
  p.cast = msg.cast;
  for (const key of ['present', 'quorum', 'quorate']) if (key in msg) p[key] = msg[key];
  if (msg.tally) {
    // whole counts, and only the ballots cast or changed since the last message
    const votes = new Map(((p.tally && p.tally.votes) || []).map((v) => [v.member_id, v]));
    for (const v of msg.tally.votes || []) votes.set(v.member_id, v);
    for (const id of msg.tally.removed || []) votes.delete(id);
    p.tally = { ...msg.tally, votes: [...votes.values()] };
  }
  schedule();
});
for (const event of ['poll:closed', 'poll:suspended']) {
  socket.on(event, (msg) => {
    if (!mine(msg)) return;
    state.poll = msg.poll;
    state.pollShownSince = speechesGiven;
    schedule();
  });
}

// A result stays on the wall until the debate goes on: the floor given, or another item.
let speechesGiven = 0;
floor.subscribe((change) => {
  if (change.what === 'list' && change.event === 'given') speechesGiven += 1;
  if (state.poll && state.poll.state !== 'open' && speechesGiven > state.pollShownSince) state.poll = null;
  follow();
  schedule();
});

// --- what is on the wall ------------------------------------------------------------------------

let queued = false;
function schedule() {
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    render();
  });
}

/** The clause a poll is about: an amendment's, a clause, or a motion's question. */
function pollClause(p) {
  if (!p) return null;
  const s = p.subject || {};
  if (p.subject_type === 'clause') return p.subject_id;
  if (p.subject_type === 'amendment') {
    const a = state.amendments.get(p.subject_id) || s.amendment;
    return a ? a.clause_id : null;
  }
  if (p.subject_type === 'draft') return 'draft';
  if (p.subject_type === 'motion' && s.motion) {
    if (s.motion.subject_type === 'clause') return s.motion.subject_id;
    if (s.motion.subject_type === 'amendment') {
      const a = state.amendments.get(s.motion.subject_id);
      return a ? a.clause_id : null;
    }
    if (s.motion.subject_type === 'draft') return 'draft';
  }
  return null;
}

/** The clause under debate: the poll's, else the list the meeting is on, else the latest clause list. */
function focus() {
  const fromPoll = pollClause(state.poll);
  if (fromPoll !== null) return fromPoll;
  const active = floor.activeList();
  if (active && active.clause_id !== null) return active.clause_id;
  const clauseLists = floor.itemLists().filter((l) => l.clause_id !== null);
  return clauseLists.length ? clauseLists[clauseLists.length - 1].clause_id : null;
}

function renderHead() {
  const item = floor.current();
  const total = floor.agenda ? floor.agenda.items.length : 0;
  $('#pj-item').textContent = item ? item.title : floor.agenda ? 'No item is under debate' : 'Connecting…';
  $('#pj-item-number').textContent = item ? `Item ${item.number} of ${total}` : '';
  const next = floor.next();
  $('#pj-next').textContent = next ? `Next: ${itemText(next)}` : '';
  const status = $('#pj-connection');
  status.hidden = socket.connected;
  status.textContent = socket.connected ? '' : 'Reconnecting…';
  const mode = $('#pj-mode');
  mode.hidden = !state.draft;
  if (state.draft) {
    mode.textContent = MODE_NAMES[state.draft.status] || state.draft.status;
    mode.className = `mode-badge mode-${state.draft.status}`;
  }
}

function renderText() {
  const at = focus();
  const label = $('#pj-clause-label');
  const text = $('#pj-clause');
  const list = $('#pj-amendments');
  body.dataset.focus = at === null ? '' : String(at);
  if (!state.draft) {
    const item = floor.current();
    label.textContent = item ? 'Under debate' : '';
    fill(text, item ? h('p', { class: 'pj-free', dir: 'auto' }, item.title) : null);
    fill(list);
    return;
  }
  if (at === 'draft') {
    label.textContent = 'The draft as a whole';
    fill(text, h('p', { class: 'pj-whole', dir: 'auto' }, state.draft.title), h('p', { class: 'pj-note' }, `${state.order.length} paragraphs, as they now stand`));
    fill(list);
    return;
  }
  const c = at === null ? null : state.index.get(at);
  if (!c) {
    const pending = [...state.amendments.values()].filter((a) => ACTIVE.has(a.status)).length;
    label.textContent = 'General debate';
    fill(
      text,
      h('p', { class: 'pj-whole', dir: 'auto' }, state.draft.title),
      h('p', { class: 'pj-note' }, `${state.order.length} paragraphs · ${pending} amendment${pending === 1 ? '' : 's'} pending`),
    );
    fill(list);
    return;
  }
  label.textContent = clauseLabel(c);
  fill(text, h('p', { class: 'pj-clause-text', dir: 'auto', dataset: { clause: c.id } }, reader.serverText(c.id)));
  // the amendments in play to it; while a poll on one is taken, that one
  const poll = state.poll;
  let shown = [...state.amendments.values()].filter((a) => a.clause_id === c.id && ACTIVE.has(a.status));
  if (poll && poll.subject_type === 'amendment') {
    const a = state.amendments.get(poll.subject_id) || (poll.subject && poll.subject.amendment);
    shown = a ? [a] : shown;
  }
  shown.sort((x, y) => x.number - y.number);
  fill(list, shown.map((a) => cards.card(a, c)));
}

function renderSpeaker() {
  const held = floor.speaking();
  const paused = floor.interrupted();
  const box = $('#pj-speaker');
  if (!held) {
    box.dataset.state = 'none';
    fill(box, h('p', { class: 'pj-label' }, 'The floor'), h('p', { class: 'pj-nobody' }, floor.current() ? 'Nobody has the floor' : '—'));
    return;
  }
  const r = held.request;
  box.dataset.state = r.kind === 'point_of_order' ? 'point' : 'speech';
  const timerEl = h('p', { class: 'pj-timer' });
  fill(
    box,
    h('p', { class: 'pj-label' }, r.kind === 'point_of_order' ? 'Point of order' : r.kind === 'speech' ? 'Has the floor' : `Has the floor · ${KIND_NAMES[r.kind]}`),
    h('p', { class: 'pj-who', dir: 'auto', dataset: { request: r.id } }, r.delegation),
    r.name && r.name !== r.delegation ? h('p', { class: 'pj-name', dir: 'auto' }, r.name) : null,
    timerEl,
    paused ? h('p', { class: 'pj-paused' }, h('span', { dir: 'auto' }, speakerName(paused.request)), ' resumes after the ruling, ', pausedLeft(paused.request)) : null,
  );
  new SpeechTimer(timerEl, floor).set(r);
}

function pausedLeft(r) {
  const t = speechTime(r, floor.now());
  const s = Math.round(t.seconds);
  const clock = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return t.limited ? `${clock} left` : `after ${clock}`;
}

function renderQueue() {
  const lst = floor.activeList();
  const queue = lst ? floor.queue(lst) : [];
  const title = $('#pj-queue-title');
  title.textContent = lst && lst.clause_id !== null && state.index.has(lst.clause_id) ? `Speakers on ${clauseLabel(state.index.get(lst.clause_id)).toLowerCase()}` : 'Speakers';
  $('#pj-list-settings').textContent = lst ? settingsText(lst) : '';
  const shown = queue.slice(0, 8);
  fill(
    $('#pj-queue'),
    shown.length
      ? shown.map((r, i) =>
          h(
            'li',
            { class: `pj-request kind-${r.kind}`, dataset: { request: r.id, kind: r.kind } },
            h('span', { class: 'pj-place' }, `${i + 1}`),
            h('span', { class: 'pj-delegation', dir: 'auto' }, r.delegation),
            r.kind !== 'speech' ? h('span', { class: `kind-tag kind-${r.kind}` }, KIND_NAMES[r.kind]) : null,
          ),
        )
      : h('li', { class: 'pj-empty' }, lst ? 'Nobody is waiting' : '—'),
    queue.length > shown.length ? h('li', { class: 'pj-more' }, `and ${queue.length - shown.length} more`) : null,
  );
}

function pollTitle(p) {
  const s = p.subject || {};
  if (p.subject_type === 'draft') return `The draft as a whole`;
  if (p.subject_type === 'clause') {
    const c = state.index.get(p.subject_id);
    return c ? clauseLabel(c) : s.label || 'A clause';
  }
  if (p.subject_type === 'amendment') {
    const a = state.amendments.get(p.subject_id) || s.amendment;
    const c = a ? state.index.get(a.clause_id) : null;
    if (a && c) return `Amendment #${a.number} to ${clauseLabel(c).toLowerCase()}`;
  }
  return s.label || 'The question';
}

function renderPoll() {
  const p = state.poll;
  const box = $('#pj-poll');
  body.classList.toggle('with-poll', Boolean(p));
  if (!p) {
    box.hidden = true;
    fill(box);
    return;
  }
  box.hidden = false;
  const open = p.state === 'open';
  const outcome = p.result ? p.result.outcome : p.state;
  box.className = `pj-poll ${open ? 'open' : `closed outcome-${outcome}`}`;
  box.dataset.poll = p.id;
  box.dataset.state = p.state;
  fill(
    box,
    h(
      'div',
      { class: 'pj-poll-head' },
      h('p', { class: 'pj-label' }, open ? 'Vote in progress' : p.state === 'suspended' ? 'Vote suspended' : 'Result of the vote'),
      h('p', { class: 'pj-poll-subject', dir: 'auto' }, pollTitle(p)),
      h('p', { class: 'pj-poll-rule' }, `${RULE_SHORT[p.rule] || p.rule} · ${KIND_SHORT[p.kind] || p.kind}`),
    ),
    h(
      'div',
      { class: 'pj-poll-body' },
      totalsNode(p),
      h('p', { class: 'pj-cast' }, castText(p)),
      open && quorumText(p) ? h('p', { class: 'pj-quorum' }, quorumText(p)) : null,
      p.result ? h('p', { class: `pj-outcome outcome-${p.result.outcome}` }, p.result.explanation || p.result.outcome) : null,
      p.kind === 'recorded' ? votesNode(p, { open: true }) : null,
    ),
  );
}

function render() {
  renderHead();
  renderText();
  renderSpeaker();
  renderQueue();
  renderPoll();
  body.dataset.ready = floor.loaded ? 'true' : 'false';
}

render();
