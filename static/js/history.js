/**
 * A clause's history (#history-dialog): every version, who made it, why and when, and the
 * differences between any two of them in track changes.
 */
import { $, closeOnBackdrop, fill, h, openDialog, trackChangesNode, when } from './dom.js';
import { clauseLabel, who } from './labels.js';

export class HistoryDialog {
  /** @param app  the draft screen (request, ts) */
  constructor(app) {
    this.app = app;
    this.dialog = $('#history-dialog');
    this.list = $('#history-list');
    this.diff = $('#history-diff');
    this.versions = [];
    this.from = undefined; // the two versions compared
    this.to = undefined;
    closeOnBackdrop(this.dialog);
  }

  async open(c) {
    $('#history-title').textContent = `History of ${clauseLabel(c).toLowerCase()}`;
    fill(this.list, h('p', { class: 'muted' }, 'Loading…'));
    fill(this.diff);
    openDialog(this.dialog);
    let versions;
    try {
      versions = (await this.app.request('history', { clause_id: c.id })).versions || [];
    } catch (err) {
      fill(this.list, h('p', { class: 'error-text' }, err.message));
      return;
    }
    const n = versions.length;
    this.versions = versions;
    this.from = n >= 2 ? versions[n - 2].version : versions[0]?.version;
    this.to = versions[n - 1]?.version;
    fill(this.list, this.table());
    this.showDiff();
  }

  showDiff() {
    const a = this.versions.find((v) => v.version === this.from);
    const b = this.versions.find((v) => v.version === this.to);
    if (!a || !b) return fill(this.diff);
    return fill(
      this.diff,
      h('h3', null, `Version ${a.version} → version ${b.version}`),
      h('p', { class: 'history-changes' }, trackChangesNode(this.app.ts.trackChanges(a.text, b.text))),
    );
  }

  table() {
    const n = this.versions.length;
    const rows = this.versions
      .slice()
      .reverse()
      .map((v) => this.row(v));
    return h(
      'table',
      { class: 'history' },
      h('caption', { class: 'muted' }, `${n} version${n === 1 ? '' : 's'}: pick two to compare`),
      h(
        'thead',
        null,
        h('tr', null, ['Version', 'By, why and when', 'From', 'To'].map((t) => h('th', { scope: 'col' }, t))),
      ),
      h('tbody', null, rows),
    );
  }

  row(v) {
    return h(
      'tr',
      null,
      h('td', null, String(v.version)),
      h(
        'td',
        null,
        h('span', { dir: 'auto' }, who(v.actor, v.delegation)),
        h('br'),
        h('span', { class: 'muted small' }, [v.reason, when(v.at)].filter(Boolean).join(' · ')),
      ),
      this.pick('from', 'Compare from', v),
      this.pick('to', 'Compare to', v),
    );
  }

  /** A radio button choosing `v` as one end (`from` or `to`) of the comparison. */
  pick(end, label, v) {
    return h(
      'td',
      { class: 'pick' },
      h('input', {
        type: 'radio',
        name: end,
        value: v.version,
        'aria-label': `${label} version ${v.version}`,
        checked: v.version === this[end],
        onchange: () => {
          this[end] = v.version;
          this.showDiff();
        },
      }),
    );
  }
}
