/**
 * Motions from the floor on how a question is voted (docs/procedure.md): a member asks for a
 * recorded vote, a separate vote on a clause (division) or, where the rules allow it, a secret
 * ballot. Delegates ask from the margin (`MotionsView`: the clause, its amendments, the draft
 * as a whole) and follow what becomes of their motion; the chair grants, refuses or puts each
 * to the vote from the console (`ChairMotions`). Only what can be asked now is offered; the
 * server decides, and its answer is shown.
 */
import { $, announce, fill, h, toast } from './dom.js';
import { MOTION_NAMES, MOTION_STATUS, motionHandling, who } from './labels.js';
import { isOpen } from './polltext.js';

const lower = (s) => (s ? s[0].toLowerCase() + s.slice(1) : '');

/** "Motion 2: Jonas (Germany) asks for a recorded vote on amendment #1" */
export function motionText(m) {
  const what = MOTION_NAMES[m.kind] || m.kind;
  return `Motion ${m.number}: ${who(m.mover, m.delegation)} asks for ${what} on ${lower(m.subject)}`;
}

/** Motions still in play on one question stop the same one being asked again. */
const LIVE = new Set(['pending', 'voting', 'granted']);

export class MotionsView {
  /** @param app  the draft screen (motions, amendments, index, draft, me, conference, request, refused, currentPoll) */
  constructor(app) {
    this.app = app;
  }

  /** May I ask for `kind` on this question now? */
  canAsk(kind, stype, sid) {
    const app = this.app;
    if (app.me.role !== 'delegate' || app.draft.status !== 'formal' || !app.joined) return false;
    if (motionHandling(app.conference.rules, kind) === 'no') return false;
    if (kind === 'division' && stype !== 'clause') return false;
    for (const m of app.motions.values()) {
      if (m.kind === kind && m.subject_type === stype && m.subject_id === sid && LIVE.has(m.status)) return false;
    }
    const poll = app.currentPoll ? app.currentPoll() : null;
    if (isOpen(poll) && poll.subject_type === stype && poll.subject_id === sid) return false;
    if (stype === 'amendment') {
      const a = app.amendments.get(sid);
      return Boolean(a) && ['pending', 'conflicted'].includes(a.status);
    }
    if (stype === 'clause') return app.index.has(sid);
    return true;
  }

  async ask(kind, stype, sid) {
    const app = this.app;
    try {
      const reply = await app.request('motion:raise', { draft_id: app.draftId, kind, subject_type: stype, subject_id: sid });
      const m = reply.motion;
      app.motions.set(m.id, m);
      app.emit('motions');
      const what = `Motion ${m.number}, ${MOTION_NAMES[m.kind]} on ${lower(m.subject)}`;
      toast(
        m.status === 'granted'
          ? `${what}: granted at once, a right under these rules.`
          : `${what}: before the chair, who grants it, refuses it or puts it to the vote.`,
      );
    } catch (err) {
      app.refused(err);
    }
  }

  button(kind, stype, sid, text) {
    if (!this.canAsk(kind, stype, sid)) return null;
    return h(
      'button',
      { type: 'button', class: 'motion-ask', dataset: { key: `ask-${kind}-${stype}-${sid}` }, onclick: () => this.ask(kind, stype, sid) },
      text,
    );
  }

  /** The buttons on an amendment's card: a recorded vote (or a secret ballot) on it. */
  forAmendment(a) {
    return [
      this.button('recorded_vote', 'amendment', a.id, 'Ask for a recorded vote'),
      this.button('secret_ballot', 'amendment', a.id, 'Ask for a secret ballot'),
    ];
  }

  /** The margin's part for a clause: motions on it and its amendments, and what I may ask. */
  forClause(c) {
    const app = this.app;
    const mine = (m) =>
      (m.subject_type === 'clause' && m.subject_id === c.id) ||
      (m.subject_type === 'amendment' && app.amendments.get(m.subject_id)?.clause_id === c.id);
    return this.section([...app.motions.values()].filter(mine), [
      this.button('division', 'clause', c.id, 'Ask for a separate vote on this clause (division)'),
      this.button('recorded_vote', 'clause', c.id, 'Ask for a recorded vote on this clause'),
      this.button('secret_ballot', 'clause', c.id, 'Ask for a secret ballot on this clause'),
    ]);
  }

  /** With no clause selected: motions on the draft as a whole, and what I may ask. */
  overview() {
    const app = this.app;
    return this.section(
      [...app.motions.values()].filter((m) => m.subject_type === 'draft'),
      [
        this.button('recorded_vote', 'draft', app.draftId, 'Ask for a recorded vote on the draft as a whole'),
        this.button('secret_ballot', 'draft', app.draftId, 'Ask for a secret ballot on the draft as a whole'),
      ],
    );
  }

  section(motions, buttons) {
    const asks = buttons.filter(Boolean);
    if (!motions.length && !asks.length) return null;
    return h(
      'section',
      { class: 'motions', 'aria-labelledby': 'motions-title' },
      h('h3', { id: 'motions-title' }, 'How it is voted'),
      motions.length
        ? h('ul', { class: 'motion-list' }, motions.sort((x, y) => x.number - y.number).map((m) => this.item(m)))
        : null,
      asks.length ? h('div', { class: 'motion-asks' }, asks) : null,
    );
  }

  item(m) {
    const app = this.app;
    const withdraw = async () => {
      try {
        const reply = await app.request('motion:withdraw', { motion_id: m.id });
        app.motions.set(m.id, reply.motion);
        app.emit('motions');
        announce(`Motion ${m.number} withdrawn.`);
      } catch (err) {
        app.refused(err);
      }
    };
    return h(
      'li',
      { class: `motion status-${m.status}`, dataset: { id: m.id } },
      h('span', { dir: 'auto' }, motionText(m)),
      ' ',
      h('span', { class: `badge status-${m.status}` }, MOTION_STATUS[m.status] || m.status),
      m.mover_id === app.me.id && m.status === 'pending'
        ? h('button', { type: 'button', class: 'motion-withdraw', dataset: { key: `withdraw-motion-${m.id}` }, onclick: withdraw }, 'Withdraw')
        : null,
    );
  }

  /** My motion's fate, told when the chair or a vote decides it. */
  changed(m, before) {
    if (m.mover_id !== this.app.me.id || !before || before.status === m.status) return;
    if (m.status === 'withdrawn') return; // the mover did that
    // a right is granted as it is raised: the answer to the request said so already
    if (m.status === 'granted' && motionHandling(this.app.conference.rules, m.kind) === 'right') return;
    toast(`Motion ${m.number} (${MOTION_NAMES[m.kind]} on ${lower(m.subject)}): ${MOTION_STATUS[m.status] || m.status}.`);
  }
}

export class ChairMotions {
  /** @param hooks  {open()}: opens the console (the bar's note leads to the motions) */
  constructor(app, hooks) {
    this.app = app;
    this.el = $('#chair-motions');
    this.note = $('#chair-motions-note');
    this.note.addEventListener('click', () => {
      hooks.open();
      const first = this.el.querySelector('button');
      (first || $('#chair-motions-title')).focus();
    });
  }

  render() {
    const app = this.app;
    const all = [...app.motions.values()].sort((x, y) => x.number - y.number);
    const before = all.filter((m) => m.status === 'pending' || m.status === 'voting');
    const decided = all.filter((m) => !before.includes(m));
    const pending = before.filter((m) => m.status === 'pending').length;
    this.note.hidden = pending === 0;
    this.note.textContent = pending === 1 ? '1 motion before you' : `${pending} motions before you`;
    const focused = this.el.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    fill(
      this.el,
      before.length
        ? h('ul', { class: 'motion-list' }, before.map((m) => this.item(m)))
        : h('p', { class: 'muted small' }, 'No motion is before the chair.'),
      decided.length
        ? h(
            'details',
            { class: 'decided' },
            h('summary', null, `${decided.length} decided or withdrawn`),
            h('ul', { class: 'motion-list' }, decided.map((m) => h('li', null, `${motionText(m)}: ${MOTION_STATUS[m.status] || m.status}`))),
          )
        : null,
    );
    const again = focused && this.el.querySelector(`[data-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }

  item(m) {
    const app = this.app;
    const poll = app.currentPoll ? app.currentPoll() : null;
    const handling = motionHandling(app.conference.rules, m.kind);
    const pending = m.status === 'pending';
    const button = (ruling, text) =>
      h(
        'button',
        { type: 'button', dataset: { key: `${ruling}-${m.id}`, ruling }, onclick: () => this.rule(m, ruling) },
        text,
      );
    return h(
      'li',
      { class: 'motion', dataset: { id: m.id } },
      h('span', { dir: 'auto' }, motionText(m)),
      m.status === 'voting' ? h('span', { class: 'badge status-voting' }, ' being voted on') : null,
      pending
        ? h(
            'div',
            { class: 'motion-rulings' },
            handling !== 'vote' ? button('grant', 'Grant') : null,
            handling !== 'vote' ? button('refuse', 'Refuse') : null,
            app.draft.status === 'formal' && !isOpen(poll) ? button('vote', 'Put to the vote') : null,
          )
        : null,
    );
  }

  async rule(m, ruling) {
    try {
      await this.app.request('motion:rule', { motion_id: m.id, ruling });
    } catch (err) {
      this.app.refused(err);
    }
  }

  /** A new motion from the floor: the chair hears of it even with the console folded. */
  changed(m, before) {
    if (!before && m.status === 'pending') toast(`${motionText(m)}.`);
    else if (!before && m.status === 'granted') announce(`${motionText(m)}: granted, a right under these rules.`);
  }
}
