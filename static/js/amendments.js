/**
 * Amendments in the margin: the current clause's amendments as cards in track changes (with
 * the sponsor's and the proposer's buttons), and the overview of clauses with amendments
 * pending when no clause is selected. Proposing one is propose.js.
 */
import { announce, h, trackChangesNode } from './dom.js';
import { ACTIVE, STATUS_NAMES, amendmentWhat, clauseLabel, who } from './labels.js';

export class AmendmentsView {
  /**
   * @param app    the draft screen (amendments, index, order, me, draft, ts, serverText,
   *               request, setCurrent, refused)
   * @param hooks  {propose({clause, target}), motions(a)}: "Amend this amendment", and the
   *               motions a delegate may raise on it (a recorded vote)
   */
  constructor(app, hooks) {
    this.app = app;
    this.hooks = hooks;
  }

  /** Track changes of an amendment against the clause as it now stands. */
  changesOf(a) {
    const app = this.app;
    if (!ACTIVE.has(a.status)) {
      if (a.kind === 'delete') return [['delete', a.base_text]];
      if (a.kind === 'insert_after') return [['insert', a.new_text]];
      return app.ts.trackChanges(a.base_text ?? '', a.new_text ?? '');
    }
    const current = app.serverText(a.clause_id);
    switch (a.kind) {
      case 'delete':
        return [['delete', current]];
      case 'insert_after':
        return [['insert', a.new_text]];
      case 'amend_amendment': {
        const target = app.amendments.get(a.target_amendment_id);
        return app.ts.trackChanges(target ? target.new_text : a.base_text, a.new_text);
      }
      default:
        return app.ts.trackChanges(current, a.new_text);
    }
  }

  /** The clause's amendments: those in play, then those decided or withdrawn (folded). */
  forClause(c) {
    const list = [...this.app.amendments.values()]
      .filter((a) => a.clause_id === c.id)
      .sort((x, y) => y.number - x.number);
    const active = list.filter((a) => ACTIVE.has(a.status));
    const decided = list.filter((a) => !ACTIVE.has(a.status));
    return [
      h('h3', null, active.length ? `Amendments (${active.length})` : 'Amendments'),
      active.length
        ? h('ul', { class: 'amendments' }, active.map((a) => this.card(a, c)))
        : h('p', { class: 'muted' }, 'No amendments to this clause.'),
      decided.length
        ? h(
            'details',
            { class: 'decided' },
            h('summary', null, `${decided.length} decided or withdrawn`),
            h('ul', { class: 'amendments' }, decided.map((a) => this.card(a, c))),
          )
        : null,
    ];
  }

  /** With no clause selected: the clauses that have amendments in play. */
  overview() {
    const app = this.app;
    const byClause = new Map();
    for (const a of app.amendments.values()) {
      if (!ACTIVE.has(a.status)) continue;
      byClause.set(a.clause_id, (byClause.get(a.clause_id) || 0) + 1);
    }
    const rows = app.order.filter((id) => byClause.has(id));
    return [
      h('p', { class: 'muted' }, 'Select a clause to see its tools, amendments and history.'),
      rows.length
        ? h(
            'ul',
            { class: 'overview' },
            rows.map((id) =>
              h(
                'li',
                null,
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'link',
                    onclick: () => {
                      app.setCurrent(id, { reveal: true });
                    },
                  },
                  `${clauseLabel(app.index.get(id))}: ${byClause.get(id)} amendment${byClause.get(id) === 1 ? '' : 's'}`,
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No amendments are pending.'),
    ];
  }

  card(a, c) {
    const app = this.app;
    const target = a.target_amendment_id ? app.amendments.get(a.target_amendment_id) : null;
    const what = a.kind === 'amend_amendment' && target
      ? `amends #${target.number}`
      : amendmentWhat(a, clauseLabel(c).toLowerCase());
    return h(
      'li',
      { class: `amendment status-${a.status}`, id: `amendment-${a.id}`, dataset: { id: a.id, number: a.number } },
      h(
        'div',
        { class: 'am-head' },
        h('strong', null, `#${a.number}`),
        ' by ',
        h('span', { dir: 'auto' }, who(a.proposer, a.delegation)),
        ' ',
        h('span', { class: `badge status-${a.status}` }, STATUS_NAMES[a.status] || a.status),
        a.status === 'conflicted' ? h('span', { class: 'warn', title: 'The clause changed under it' }, ' ⚠') : null,
      ),
      h('p', { class: 'am-what muted' }, what),
      h('p', { class: 'am-changes' }, trackChangesNode(this.changesOf(a))),
      a.reason ? h('p', { class: 'am-reason', dir: 'auto' }, `“${a.reason}”`) : null,
      (a.accepted_by || []).length
        ? h('p', { class: 'muted small' }, `Accepted by ${a.accepted_by.length} sponsor${a.accepted_by.length === 1 ? '' : 's'}`)
        : null,
      this.actions(a, c),
    );
  }

  /** What this person may do with it: accept or refuse as a sponsor, withdraw, amend it. */
  actions(a, c) {
    const app = this.app;
    const sponsor = (app.draft.sponsors || []).includes(app.me.id);
    const mine = a.proposer_id === app.me.id;
    const live = ['pending', 'conflicted'].includes(a.status);
    const act = async (event, label) => {
      try {
        await app.request(event, { amendment_id: a.id });
        announce(`Amendment #${a.number} ${label}.`);
      } catch (err) {
        app.refused(err);
      }
    };
    return h(
      'div',
      { class: 'am-actions' },
      sponsor && live && !(a.accepted_by || []).includes(app.me.id)
        ? h(
            'button',
            { type: 'button', class: 'accept', dataset: { key: `accept-${a.id}` }, onclick: () => act('amendment:accept', 'accepted') },
            'Accept as sponsor',
          )
        : null,
      sponsor && live
        ? h(
            'button',
            { type: 'button', dataset: { key: `refuse-${a.id}` }, onclick: () => act('amendment:refuse', 'sent to the vote') },
            'Refuse (to the vote)',
          )
        : null,
      mine && live // not once its poll is open, nor after it is decided
        ? h(
            'button',
            { type: 'button', class: 'withdraw', dataset: { key: `withdraw-${a.id}` }, onclick: () => act('amendment:withdraw', 'withdrawn') },
            'Withdraw',
          )
        : null,
      live && a.kind !== 'delete' && app.me.role !== 'observer'
        ? h(
            'button',
            { type: 'button', dataset: { key: `amend-${a.id}` }, onclick: () => this.hooks.propose({ clause: c, target: a }) },
            'Amend this amendment',
          )
        : null,
      this.hooks.motions ? this.hooks.motions(a) : null,
    );
  }
}
