/**
 * The margin beside the document (a sheet from the bottom on a phone), following the current
 * clause: its tools (structure.js) and its kind, its amendments (amendments.js), motions on
 * how it is voted (motions.js), and the buttons to propose one (propose.js) and to see its
 * history (history.js). With no clause selected, the overview of amendments pending and
 * motions on the draft as a whole.
 */
import { $, fill, h } from './dom.js';
import {
  CLAUSE_KINDS,
  DEFAULT_MARKER,
  ITEM_MARKERS,
  OFFERED_MARKERS,
  OPEN_MODES,
  clauseLabel,
} from './labels.js';
import { StructureCommands } from './structure.js';
import { AmendmentsView } from './amendments.js';
import { ProposeDialog } from './propose.js';
import { HistoryDialog } from './history.js';
import { MotionsView } from './motions.js';

export class ClausePanel {
  /**
   * @param app    the draft screen (current, index, draft, me, editable, canSetKind, focusClause)
   * @param views  {structure, amendments, motions, propose, history}: what the margin shows and opens
   */
  constructor(app, views) {
    this.app = app;
    this.views = views;
    this.margin = $('#margin');
    this.title = $('#margin-title');
    this.content = $('#margin-content');
    this.phone = window.matchMedia('(max-width: 760px)');
    this.queued = false;
    $('#margin-close').addEventListener('click', () => this.closeSheet());
    // Escape in the margin goes back to the clause (and closes the sheet on a phone).
    this.margin.addEventListener('keydown', (e) => {
      if (e.key !== 'Escape') return;
      if (document.body.classList.contains('sheet-open')) this.closeSheet();
      else if (app.current !== null) app.focusClause(app.current);
    });
  }

  render() {
    const { app, views } = this;
    const c = app.current !== null ? app.index.get(app.current) : null;
    if (!c) {
      this.title.textContent = 'Amendments';
      fill(this.content, views.amendments.overview(), views.motions.overview());
      return;
    }
    this.title.textContent = clauseLabel(c);
    const open = OPEN_MODES.includes(app.draft.status);
    fill(
      this.content,
      app.editable() ? this.tools(c) : null,
      app.canSetKind() ? this.kindField(c) : null,
      views.amendments.forClause(c),
      views.motions.forClause(c),
      h(
        'div',
        { class: 'margin-actions' },
        open && app.me.role !== 'observer'
          ? h(
              'button',
              { type: 'button', class: 'primary', id: 'propose-button', onclick: () => views.propose.open({ clause: c }) },
              'Propose an amendment',
            )
          : null,
        h('button', { type: 'button', id: 'history-button', onclick: () => views.history.open(c) }, 'History of this clause'),
      ),
    );
  }

  tools(c) {
    const label = clauseLabel(c).toLowerCase();
    return h(
      'div',
      { class: 'tools', role: 'group', 'aria-label': 'Change the structure' },
      this.toolButton('add-after', `Add a clause after ${label}`, '+ After', c),
      c.level < 2 ? this.toolButton('add-sub', 'Add a sub-clause', '+ Sub-clause', c) : null,
      this.toolButton('up', 'Move up', '↑ Up', c),
      this.toolButton('down', 'Move down', '↓ Down', c),
      this.toolButton('outdent', 'Outdent (one level out)', '⇤ Out', c),
      this.toolButton('indent', 'Indent (make it a sub-clause of the one before)', '⇥ In', c),
      this.toolButton('delete', `Delete ${label}`, 'Delete', c, { danger: true }),
    );
  }

  /**
   * The clause's kind: a menu of the kinds, a list item once per dash or bullet offered (and
   * the clause's own, if it came with another). Choosing one sends it; a refusal shows, and
   * the menu goes back to what the clause is.
   */
  kindField(c) {
    const current = c.kind === 'item' ? `item:${c.marker || DEFAULT_MARKER}` : c.kind;
    const options = [];
    for (const [kind, name] of Object.entries(CLAUSE_KINDS)) {
      if (kind !== 'item') {
        options.push([kind, name]);
        continue;
      }
      const markers = [...OFFERED_MARKERS];
      if (c.kind === 'item' && !markers.includes(c.marker || DEFAULT_MARKER)) markers.push(c.marker);
      for (const m of markers) options.push([`item:${m}`, `${name} ${m} (${ITEM_MARKERS[m] || m})`]);
    }
    const select = h(
      'select',
      {
        id: 'clause-kind',
        onchange: async () => {
          const [kind, marker] = select.value.split(':');
          await this.views.structure.setKind(c, kind, marker);
          this.schedule(); // shows the kind the clause now has, refused or not
        },
      },
      options.map(([value, name]) => h('option', { value, selected: value === current }, name)),
    );
    return h('div', { class: 'kind-field' }, h('label', { for: 'clause-kind' }, 'Kind'), select);
  }

  toolButton(name, label, text, c, { danger = false } = {}) {
    return h(
      'button',
      {
        type: 'button',
        class: danger ? 'tool danger' : 'tool',
        'aria-label': label,
        title: label,
        dataset: { command: name },
        onclick: () => this.views.structure.run(name, c),
      },
      text,
    );
  }

  // On a phone the margin is a sheet: shown when asked for, closed with its button or Escape.
  reveal() {
    if (this.phone.matches) {
      document.body.classList.add('sheet-open');
      $('#margin-close').focus();
    } else {
      this.margin.scrollIntoView({ block: 'nearest' });
      this.title.focus();
    }
  }

  closeSheet() {
    document.body.classList.remove('sheet-open');
    if (this.app.current !== null) this.app.focusClause(this.app.current);
  }

  /** Render on the next frame, the keyboard staying on the button it was on. */
  schedule() {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      const focusInside = this.margin.contains(document.activeElement) ? document.activeElement : null;
      const key = focusInside && (focusInside.id || focusInside.dataset.key || focusInside.dataset.command);
      this.render();
      if (focusInside && !focusInside.isConnected && key) {
        const again =
          this.content.querySelector(`#${CSS.escape(key)}`) ||
          this.content.querySelector(`[data-key="${CSS.escape(key)}"]`) ||
          this.content.querySelector(`[data-command="${CSS.escape(key)}"]`);
        if (again) again.focus();
      }
    });
  }
}

export function initPanel(app) {
  const history = new HistoryDialog(app);
  const propose = new ProposeDialog(app);
  const structure = new StructureCommands(app, {
    history: (c) => history.open(c),
    propose: (c) => propose.open({ clause: c }),
  });
  const motions = new MotionsView(app);
  const amendments = new AmendmentsView(app, {
    propose: (what) => propose.open(what),
    motions: (a) => motions.forAmendment(a),
  });
  const panel = new ClausePanel(app, { structure, amendments, motions, propose, history });
  app.changesOf = (a) => amendments.changesOf(a);

  app.on('command', (name, id) => structure.enqueue(name, id));
  app.on('current', (id, { reveal }) => {
    panel.render();
    if (reveal) panel.reveal();
  });
  const schedule = () => panel.schedule();
  app.on('amendments', schedule);
  app.on('motions', schedule);
  let pollState = '';
  app.on('poll', (p) => {
    // what may be asked depends on the question under vote, not on each ballot
    const state = p ? `${p.id}:${p.state}` : '';
    if (state !== pollState) schedule();
    pollState = state;
  });
  app.on('motion-changed', (m, before) => motions.changed(m, before));
  app.on('outline', schedule);
  app.on('mode', schedule);
  app.on('joined', schedule);
  app.on('connection', schedule);
  app.on('clause-text', (id) => {
    if (id === app.current) schedule();
  });
  panel.render();
  return panel;
}
