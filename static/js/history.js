/**
 * A clause's history (#history-dialog): its editing sessions (one author, one burst of
 * changes; the server groups the versions), newest first, each opening onto its versions; the
 * differences between any two versions, or a version and the current text, in track changes;
 * and, for those who may edit, restoring an earlier version.
 *
 * A restore is a change of mine made through the sync state (sync.js `restore`): it is on my
 * undo stack (Ctrl+Z in the clause brings back the text from before it) and travels as its
 * own edit with `restores`, so the history says "restored version N".
 */
import { $, announce, closeOnBackdrop, fill, h, openDialog, trackChangesNode, when } from './dom.js';
import { clauseLabel, who } from './labels.js';

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Without the server's sessions (an older server), each version is a session of its own. */
function ownSessions(versions) {
  return versions.map((v) => ({
    first: v.version,
    last: v.version,
    actor: v.actor,
    delegation: v.delegation,
    actor_id: v.actor_id,
    start: v.at,
    end: v.at,
    versions: 1,
    reason: v.reason,
  }));
}

export class HistoryDialog {
  /** @param app  the draft screen (request, ts, sync, editable, index, focusClause) */
  constructor(app) {
    this.app = app;
    this.dialog = $('#history-dialog');
    this.list = $('#history-list');
    this.diff = $('#history-diff');
    this.clause = null;
    this.versions = [];
    this.sessions = [];
    this.from = undefined; // the two versions compared
    this.to = undefined;
    closeOnBackdrop(this.dialog);
  }

  async open(c) {
    this.clause = c;
    $('#history-title').textContent = `History of ${clauseLabel(c).toLowerCase()}`;
    fill(this.list, h('p', { class: 'muted' }, 'Loading…'));
    fill(this.diff);
    openDialog(this.dialog);
    let reply;
    try {
      reply = await this.app.request('history', { clause_id: c.id });
    } catch (err) {
      fill(this.list, h('p', { class: 'error-text' }, err.message));
      return;
    }
    const versions = reply.versions || [];
    this.versions = versions;
    this.sessions = Array.isArray(reply.sessions) ? reply.sessions : ownSessions(versions);
    // the latest session's changes: from the version before it to now
    const last = this.sessions[this.sessions.length - 1];
    const before = last && versions.filter((v) => v.version < last.first).pop();
    this.to = versions[versions.length - 1]?.version;
    this.from = before ? before.version : versions[Math.max(0, versions.length - 2)]?.version;
    fill(this.list, this.sessionList());
    this.showDiff();
  }

  get latest() {
    return this.versions[this.versions.length - 1];
  }

  showDiff() {
    const a = this.versions.find((v) => v.version === this.from);
    const b = this.versions.find((v) => v.version === this.to);
    if (!a || !b) return fill(this.diff);
    const title = b === this.latest ? `Version ${a.version} → the current text` : `Version ${a.version} → version ${b.version}`;
    return fill(
      this.diff,
      h('h3', null, title),
      h('p', { class: 'history-changes' }, trackChangesNode(this.app.ts.trackChanges(a.text, b.text))),
    );
  }

  /** Choose the two ends of the comparison, and show it. */
  compare(from, to) {
    this.from = from;
    this.to = to;
    for (const input of this.list.querySelectorAll('input[type=radio]')) {
      input.checked = Number(input.value) === this[input.name];
    }
    this.showDiff();
  }

  sessionList() {
    const n = this.versions.length;
    const count = this.sessions.length;
    const latest = this.sessions[count - 1];
    return h(
      'div',
      { class: 'history-sessions' },
      h(
        'p',
        { class: 'muted' },
        `${plural(n, 'version')} in ${plural(count, 'editing session')}: open one to see its versions, pick two to compare.`,
      ),
      this.sessions
        .slice()
        .reverse()
        .map((s) => this.session(s, s === latest)),
    );
  }

  session(s, open) {
    const versions = this.versions.filter((v) => v.version >= s.first && v.version <= s.last).reverse();
    const span = s.first === s.last ? `version ${s.first}` : `versions ${s.first}–${s.last}`;
    const times = [when(s.start), s.end && s.end !== s.start ? when(s.end) : ''].filter(Boolean).join(' – ');
    const reason = s.reason && s.reason !== 'edit' ? s.reason : '';
    return h(
      'details',
      { class: 'history-session', open, dataset: { first: s.first, last: s.last } },
      h(
        'summary',
        null,
        h('span', { class: 'session-who', dir: 'auto' }, who(s.actor, s.delegation)),
        ' ',
        h('span', { class: 'session-count' }, plural(s.versions, 'change')),
        reason ? h('span', { class: 'session-reason' }, ` · ${reason}`) : null,
        h('br'),
        h('span', { class: 'muted small' }, [span, times].filter(Boolean).join(' · ')),
      ),
      this.table(versions),
    );
  }

  table(versions) {
    return h(
      'table',
      { class: 'history' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Version', 'By, why and when', 'From', 'To', ''].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        null,
        versions.map((v) => this.row(v)),
      ),
    );
  }

  row(v) {
    return h(
      'tr',
      { dataset: { version: v.version } },
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
      h('td', { class: 'history-actions' }, this.actions(v)),
    );
  }

  /** "Compare with the current text" and, for those who may edit, "Restore this version". */
  actions(v) {
    const latest = this.latest;
    if (!latest || v === latest) return h('span', { class: 'muted small' }, 'current text');
    const buttons = [
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          'aria-label': `Compare version ${v.version} with the current text`,
          onclick: () => this.compare(v.version, latest.version),
        },
        'Compare with current',
      ),
    ];
    if (this.mayRestore() && v.text !== latest.text) {
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: 'small restore',
            'aria-label': `Restore version ${v.version}`,
            onclick: () => this.restore(v),
          },
          'Restore this version',
        ),
      );
    }
    return buttons;
  }

  mayRestore() {
    const { app, clause } = this;
    return Boolean(clause && app.editable() && app.index.has(clause.id) && app.sync.get(clause.id));
  }

  /** Make the clause read as `v` again: a change of mine (Ctrl+Z undoes it) sent with `restores`. */
  restore(v) {
    const { app, clause } = this;
    if (!this.mayRestore() || !app.sync.restore(clause.id, v.text, v.version)) return;
    // back in the clause once the dialog has given the focus back (to the History button)
    this.dialog.addEventListener('close', () => app.focusClause(clause.id), { once: true });
    this.dialog.close();
    announce(`${clauseLabel(clause)}: version ${v.version} restored. Ctrl+Z in the clause undoes it.`);
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
