/**
 * Presence: who is in the draft now (#present, in the top bar) and in which clause (the chips
 * in each clause's row, in that person's colour); and telling the server which clause I am in.
 */
import { $, fill, h, initials } from './dom.js';
import { who } from './labels.js';

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

export class Presence {
  /**
   * @param app      the draft screen (presence, me, joined, socket, draftId, request)
   * @param clauses  the clause nodes by id (ClauseList.nodes): where the chips go
   */
  constructor(app, clauses) {
    this.app = app;
    this.clauses = clauses;
    this.focusTimer = 0;
    this.focusSent = undefined; // what the server last heard (undefined: nothing yet)
    this.focusWanted = null;
  }

  render() {
    const app = this.app;
    const others = app.presence.filter((p) => p.participant_id !== app.me.id);
    const byClause = new Map();
    for (const p of others) {
      if (p.clause_id !== null && p.clause_id !== undefined) {
        if (!byClause.has(p.clause_id)) byClause.set(p.clause_id, []);
        byClause.get(p.clause_id).push(p);
      }
    }
    for (const [id, n] of this.clauses) {
      const people = byClause.get(id) || [];
      if (people.length === 0 && !n.who.firstChild) continue;
      fill(n.who, people.map((p) => chip(p, { small: true })));
      n.li.classList.toggle('occupied', people.length > 0);
      if (people.length) n.li.style.setProperty('--who', people[0].color || '#5c6773');
    }
    this.renderHere();
  }

  /** Everyone here, in the top bar: the first six as chips, then a count. */
  renderHere() {
    const box = $('#present');
    const all = this.app.presence;
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

  /** A `presence` message: only the changes, people who joined or moved, and who left. */
  changed(msg) {
    const app = this.app;
    const people = new Map(app.presence.map((p) => [p.participant_id, p]));
    for (const p of msg.people || []) people.set(p.participant_id, p);
    for (const id of msg.left || []) people.delete(id);
    app.presence = [...people.values()].sort((a, b) => a.participant_id - b.participant_id);
    this.render();
  }

  // --- the clause I am in, told to the others (soon after I enter, a little later on leaving) --

  sendFocus() {
    const app = this.app;
    if (!app.joined || !app.socket.connected || this.focusWanted === this.focusSent) return;
    const clauseId = this.focusWanted;
    this.focusSent = clauseId;
    app.request('focus', { draft_id: app.draftId, clause_id: clauseId }).catch(() => {
      this.focusSent = undefined;
    });
  }

  /** I am in this clause now (null: in none). */
  wantFocus(id) {
    this.focusWanted = id;
    window.clearTimeout(this.focusTimer);
    this.focusTimer = window.setTimeout(() => this.sendFocus(), id === null ? 400 : 60);
  }

  /** A fresh join: the server knows nothing of where I am. */
  rejoining() {
    this.focusSent = undefined;
  }

  rejoined() {
    if (this.focusWanted !== null) this.sendFocus();
  }
}
