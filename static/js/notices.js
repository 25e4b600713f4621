/**
 * Notices on every page of the conference (`#notices`, a corner of the screen, never in the
 * way of the text): the floor given to my delegation (with its clock; it stays while we
 * speak), a point of order raised, a vote open in a draft of the conference other than the
 * one on screen. They take no focus; screen readers hear them politely (the floor given to me,
 * urgently). A notice goes when what it says is over, or when closed.
 *
 * Polls are told to their draft's room and to the conference's (docs/protocol.md): `PollWatch`
 * hears them live on every page that follows the conference, and asks the server about the
 * drafts it is given (`check`) when the page loads or reconnects (what it missed meanwhile).
 */
import { announce, h } from './dom.js';
import { api } from './net.js';
import { speakerName } from './speakers.js';
import { SpeechTimer } from './timer.js';

export class Notices {
  constructor() {
    let el = document.getElementById('notices');
    if (!el) {
      el = h('div', { id: 'notices', class: 'notices', role: 'region', 'aria-label': 'Notices' });
      document.body.appendChild(el);
    }
    this.el = el;
    this.shown = new Map(); // key -> {node, timer}
  }

  /** Show (or replace) the notice `key`; it goes after `timeout` ms if given. */
  show(key, children, { kind = 'info', timeout = 0 } = {}) {
    const before = this.shown.get(key);
    if (before) window.clearTimeout(before.timer);
    const node = h(
      'div',
      { class: `notice notice-${kind}`, dataset: { notice: key } },
      h('div', { class: 'notice-body' }, children),
      h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Close this notice', onclick: () => this.hide(key) }, '×'),
    );
    if (before && before.node.isConnected) before.node.replaceWith(node);
    else this.el.appendChild(node);
    const timer = timeout ? window.setTimeout(() => this.hide(key), timeout) : 0;
    this.shown.set(key, { node, timer });
    return node;
  }

  hide(key) {
    const shown = this.shown.get(key);
    if (!shown) return;
    window.clearTimeout(shown.timer);
    shown.node.remove();
    this.shown.delete(key);
  }

  has(key) {
    return this.shown.has(key);
  }
}

/**
 * The floor's notices: "You have the floor" while my delegation speaks (its clock in it, a word
 * when the time is nearly up and when it is up), and each point of order raised.
 */
export function watchFloor(floor, notices, me) {
  let mine = null; // the request of mine that has the floor
  let first = true;
  const points = new Set(); // points of order seen
  floor.subscribe(() => {
    if (!floor.agenda) return;
    const held = floor.speaking();
    const memberId = me.member_id;
    const now = held && memberId !== undefined && memberId !== null && held.request.member_id === memberId ? held.request : null;
    if (now) {
      const timerEl = h('span', { class: 'speech-timer' });
      const fresh = !mine || mine.id !== now.id;
      notices.show('floor', [h('strong', null, 'You have the floor'), ' ', timerEl], { kind: 'floor' });
      new SpeechTimer(timerEl, floor, {
        onState: (state) => {
          if (state === 'warning') announce('Your speaking time is nearly up.');
          if (state === 'over') announce('Your speaking time is up.');
        },
      }).set(now);
      if (fresh) announce('You have the floor.', { urgent: true });
    } else if (mine) {
      notices.hide('floor');
    }
    mine = now;

    const current = new Set();
    for (const lst of floor.lists.values()) {
      for (const r of lst.requests.values()) {
        if (r.kind !== 'point_of_order') continue;
        current.add(r.id);
        if (points.has(r.id)) continue;
        points.add(r.id);
        if (first || r.member_id === memberId) continue; // mine, or already raised when the page opened
        notices.show(`point-${r.id}`, [h('strong', null, 'Point of order'), ' raised by ', h('span', { dir: 'auto' }, speakerName(r))], { kind: 'point', timeout: 15000 });
        announce(`Point of order raised by ${speakerName(r)}.`);
      }
    }
    for (const id of points) if (!current.has(id)) notices.hide(`point-${id}`);
    first = false;
  });
}

/** A vote open in a draft of the conference other than the page's own: a notice and a link to it. */
export class PollWatch {
  /**
   * @param notices  the Notices
   * @param socket   the page's connection (poll messages of drafts it hears)
   * @param ownDraftId  the page's draft (its own vote shows on the page itself), or null
   */
  constructor(notices, socket, ownDraftId = null) {
    this.notices = notices;
    this.own = ownDraftId;
    this.titles = new Map(); // draft id -> title
    this.open = new Map(); // draft id -> poll id
    socket.on('poll:opened', (msg) => this.opened(msg.draft_id, msg.poll));
    for (const event of ['poll:closed', 'poll:suspended']) socket.on(event, (msg) => this.ended(msg.draft_id, msg.poll));
  }

  /** Ask the server about these drafts ([{id, title?, status?}]); only a draft in formal or voting mode can hold a vote. */
  async check(drafts) {
    // a draft whose mode is not given may hold one
    const voting = (d) => !d.status || d.status === 'formal' || d.status === 'voting';
    for (const d of drafts) if (d.title) this.titles.set(d.id, d.title);
    const open = drafts.filter((d) => d.id !== this.own && voting(d));
    for (const id of [...this.open.keys()]) {
      if (!drafts.some((d) => d.id === id && voting(d))) this.ended(id, null);
    }
    await Promise.all(
      open.map(async (d) => {
        try {
          const draft = await api('GET', `/api/drafts/${d.id}`);
          this.titles.set(d.id, draft.title);
          if (draft.poll && draft.poll.state === 'open') this.opened(d.id, draft.poll, { quiet: this.open.get(d.id) === draft.poll.id });
          else if (this.open.has(d.id)) this.ended(d.id, null);
        } catch {
          /* offline: the next check tells */
        }
      }),
    );
  }

  opened(draftId, poll, { quiet = false } = {}) {
    if (!poll || draftId === this.own) return;
    this.open.set(draftId, poll.id);
    const title = this.titles.get(draftId) || 'another draft';
    const subject = (poll.subject && poll.subject.label) || 'a question';
    this.notices.show(
      `poll-${draftId}`,
      [h('strong', null, 'Vote open'), ' in ', h('span', { dir: 'auto' }, `“${title}”`), ': ', h('span', { dir: 'auto' }, subject), ' ', h('a', { href: `/draft/${draftId}`, class: 'notice-link' }, 'Go to the vote')],
      { kind: 'poll' },
    );
    if (!quiet) announce(`A vote is open in ${title}: ${subject}.`);
  }

  ended(draftId, poll) {
    if (draftId === this.own || !this.open.has(draftId)) return;
    this.open.delete(draftId);
    this.notices.hide(`poll-${draftId}`);
    if (poll && poll.result) {
      const title = this.titles.get(draftId) || 'another draft';
      this.notices.show(`poll-${draftId}`, [h('span', { dir: 'auto' }, `“${title}”: `), poll.result.explanation || poll.result.outcome], { kind: 'poll', timeout: 12000 });
    }
  }
}
