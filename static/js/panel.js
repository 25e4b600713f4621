/**
 * The margin beside the document (a sheet from the bottom on a phone): the current clause's
 * tools (add, move, indent, delete), its amendments in track changes, proposing one, and the
 * clause's history with the differences between any two versions.
 */
import { $, announce, fill, h, openDialog, toast, trackChangesNode, when } from './dom.js';
import {
  ACTIVE,
  CLAUSE_KINDS,
  STATUS_NAMES,
  amendmentWhat,
  clauseLabel,
  who,
} from './labels.js';

export function initPanel(app) {
  const margin = $('#margin');
  const title = $('#margin-title');
  const content = $('#margin-content');
  const phone = window.matchMedia('(max-width: 760px)');

  // --- structure commands -------------------------------------------------------------------

  function siblingsOf(c) {
    if (c.parent_id === null || c.parent_id === undefined) {
      return app.order.map((id) => app.index.get(id)).filter((x) => x.level === 0);
    }
    return app.index.get(c.parent_id)?.children || [];
  }

  async function run(event, data, done) {
    try {
      const reply = await app.request(event, data);
      if (done) done(reply);
    } catch (err) {
      app.refused(err);
    }
  }

  const commands = {
    'add-after': (c) =>
      run(
        'clause:add',
        { draft_id: app.draftId, kind: c.kind, text: '', parent_id: c.parent_id ?? null, after_id: c.id },
        (r) => app.expectClause(r.clause_id),
      ),
    'add-sub': (c) => {
      const kids = c.children || [];
      run(
        'clause:add',
        {
          draft_id: app.draftId,
          kind: 'operative',
          text: '',
          parent_id: c.id,
          after_id: kids.length ? kids[kids.length - 1].id : null,
        },
        (r) => app.expectClause(r.clause_id),
      );
    },
    up: (c) => {
      const sibs = siblingsOf(c);
      const i = sibs.findIndex((s) => s.id === c.id);
      if (i <= 0) return toast('This clause is already the first at its level.');
      const after = i >= 2 ? sibs[i - 2].id : null;
      run('clause:move', { clause_id: c.id, parent_id: c.parent_id ?? null, after_id: after }, () =>
        announce(`${clauseLabel(c)} moved up.`),
      );
    },
    down: (c) => {
      const sibs = siblingsOf(c);
      const i = sibs.findIndex((s) => s.id === c.id);
      if (i < 0 || i >= sibs.length - 1) return toast('This clause is already the last at its level.');
      run('clause:move', { clause_id: c.id, parent_id: c.parent_id ?? null, after_id: sibs[i + 1].id }, () =>
        announce(`${clauseLabel(c)} moved down.`),
      );
    },
    indent: (c) => {
      const sibs = siblingsOf(c);
      const i = sibs.findIndex((s) => s.id === c.id);
      if (i <= 0) return toast('Only a clause with one before it can become its sub-clause.');
      const parent = sibs[i - 1];
      const kids = parent.children || [];
      run(
        'clause:move',
        { clause_id: c.id, parent_id: parent.id, after_id: kids.length ? kids[kids.length - 1].id : null },
        () => announce('Clause indented.'),
      );
    },
    outdent: (c) => {
      if (c.parent_id === null || c.parent_id === undefined) {
        return toast('This clause is already at the top level.');
      }
      const parent = app.index.get(c.parent_id);
      run(
        'clause:move',
        { clause_id: c.id, parent_id: parent ? parent.parent_id ?? null : null, after_id: c.parent_id },
        () => announce('Clause outdented.'),
      );
    },
    delete: (c) => confirmDelete(c),
    history: (c) => openHistory(c),
    propose: (c) => openPropose({ clause: c }),
  };

  // Commands run one after another: a second key press waits for the first one's new outline,
  // so "outdent, then down" moves the clause from where the outdent left it.
  let chain = Promise.resolve();
  app.on('command', (name, id) => {
    chain = chain.then(() => {
      const c = app.index.get(id);
      if (c && commands[name]) return commands[name](c);
      return undefined;
    }).catch((err) => app.refused(err));
  });

  // --- the margin ----------------------------------------------------------------------------

  function toolButton(name, label, text, c, { danger = false } = {}) {
    return h(
      'button',
      {
        type: 'button',
        class: danger ? 'tool danger' : 'tool',
        'aria-label': label,
        title: label,
        dataset: { command: name },
        onclick: () => commands[name](c),
      },
      text,
    );
  }

  function render() {
    const c = app.current !== null ? app.index.get(app.current) : null;
    if (!c) {
      title.textContent = 'Amendments';
      fill(content, overview());
      return;
    }
    title.textContent = clauseLabel(c);
    const editable = app.editable();
    const open = ['drafting', 'formal', 'voting'].includes(app.draft.status);
    const tools = editable
      ? h(
          'div',
          { class: 'tools', role: 'group', 'aria-label': 'Change the structure' },
          toolButton('add-after', `Add a clause after ${clauseLabel(c).toLowerCase()}`, '+ After', c),
          c.level < 2 ? toolButton('add-sub', 'Add a sub-clause', '+ Sub-clause', c) : null,
          toolButton('up', 'Move up', '↑ Up', c),
          toolButton('down', 'Move down', '↓ Down', c),
          toolButton('outdent', 'Outdent (one level out)', '⇤ Out', c),
          toolButton('indent', 'Indent (make it a sub-clause of the one before)', '⇥ In', c),
          toolButton('delete', `Delete ${clauseLabel(c).toLowerCase()}`, 'Delete', c, { danger: true }),
        )
      : null;
    const list = [...app.amendments.values()]
      .filter((a) => a.clause_id === c.id)
      .sort((x, y) => y.number - x.number);
    const active = list.filter((a) => ACTIVE.has(a.status));
    const decided = list.filter((a) => !ACTIVE.has(a.status));
    fill(
      content,
      tools,
      h('h3', null, active.length ? `Amendments (${active.length})` : 'Amendments'),
      active.length
        ? h('ul', { class: 'amendments' }, active.map((a) => amendmentCard(a, c)))
        : h('p', { class: 'muted' }, 'No amendments to this clause.'),
      decided.length
        ? h(
            'details',
            { class: 'decided' },
            h('summary', null, `${decided.length} decided or withdrawn`),
            h('ul', { class: 'amendments' }, decided.map((a) => amendmentCard(a, c))),
          )
        : null,
      h(
        'div',
        { class: 'margin-actions' },
        open && app.me.role !== 'observer'
          ? h(
              'button',
              { type: 'button', class: 'primary', id: 'propose-button', onclick: () => openPropose({ clause: c }) },
              'Propose an amendment',
            )
          : null,
        h('button', { type: 'button', id: 'history-button', onclick: () => openHistory(c) }, 'History of this clause'),
      ),
    );
  }

  function overview() {
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

  /** Track changes of an amendment against the clause as it now stands. */
  function changesOf(a) {
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
  app.changesOf = changesOf;

  function amendmentCard(a, c) {
    const sponsor = (app.draft.sponsors || []).includes(app.me.id);
    const mine = a.proposer_id === app.me.id;
    const live = ['pending', 'conflicted'].includes(a.status);
    const target = a.target_amendment_id ? app.amendments.get(a.target_amendment_id) : null;
    const what = a.kind === 'amend_amendment' && target
      ? `amends #${target.number}`
      : amendmentWhat(a, clauseLabel(c).toLowerCase());
    const act = async (event, label) => {
      try {
        await app.request(event, { amendment_id: a.id });
        announce(`Amendment #${a.number} ${label}.`);
      } catch (err) {
        app.refused(err);
      }
    };
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
      h('p', { class: 'am-changes' }, trackChangesNode(changesOf(a))),
      a.reason ? h('p', { class: 'am-reason', dir: 'auto' }, `“${a.reason}”`) : null,
      (a.accepted_by || []).length
        ? h('p', { class: 'muted small' }, `Accepted by ${a.accepted_by.length} sponsor${a.accepted_by.length === 1 ? '' : 's'}`)
        : null,
      h(
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
        mine && ['pending', 'conflicted', 'friendly'].includes(a.status)
          ? h(
              'button',
              { type: 'button', class: 'withdraw', dataset: { key: `withdraw-${a.id}` }, onclick: () => act('amendment:withdraw', 'withdrawn') },
              'Withdraw',
            )
          : null,
        live && a.kind !== 'delete' && app.me.role !== 'observer'
          ? h(
              'button',
              { type: 'button', dataset: { key: `amend-${a.id}` }, onclick: () => openPropose({ clause: c, target: a }) },
              'Amend this amendment',
            )
          : null,
      ),
    );
  }

  // On a phone the margin is a sheet: shown when asked for, closed with its button or Escape.
  function reveal() {
    if (phone.matches) {
      document.body.classList.add('sheet-open');
      $('#margin-close').focus();
    } else {
      margin.scrollIntoView({ block: 'nearest' });
      title.focus();
    }
  }
  function closeSheet() {
    document.body.classList.remove('sheet-open');
    if (app.current !== null) app.focusClause(app.current);
  }
  $('#margin-close').addEventListener('click', closeSheet);
  // Escape in the margin goes back to the clause (and closes the sheet on a phone).
  margin.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (document.body.classList.contains('sheet-open')) closeSheet();
    else if (app.current !== null) app.focusClause(app.current);
  });

  let queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const focusInside = margin.contains(document.activeElement) ? document.activeElement : null;
      const key = focusInside && (focusInside.id || focusInside.dataset.key || focusInside.dataset.command);
      render();
      if (focusInside && !focusInside.isConnected && key) {
        const again =
          content.querySelector(`#${CSS.escape(key)}`) ||
          content.querySelector(`[data-key="${CSS.escape(key)}"]`) ||
          content.querySelector(`[data-command="${CSS.escape(key)}"]`);
        if (again) again.focus();
      }
    });
  }
  app.on('current', (id, { reveal: show }) => {
    render();
    if (show) reveal();
  });
  app.on('amendments', schedule);
  app.on('outline', schedule);
  app.on('mode', schedule);
  app.on('joined', schedule);
  app.on('connection', schedule);
  app.on('clause-text', (id) => {
    if (id === app.current) schedule();
  });

  // --- delete, with a confirmation in the page -------------------------------------------------

  const confirmDialog = $('#confirm-dialog');
  function confirmDelete(c) {
    const kids = (c.children || []).length;
    fill(
      $('#confirm-text'),
      `Delete ${clauseLabel(c).toLowerCase()}`,
      kids ? ` and its ${kids} sub-clause${kids === 1 ? '' : 's'}` : '',
      '? It stays in the record.',
    );
    confirmDialog.returnValue = '';
    openDialog(confirmDialog);
    confirmDialog.addEventListener(
      'close',
      () => {
        if (confirmDialog.returnValue === 'delete') {
          run('clause:delete', { clause_id: c.id }, () => announce(`${clauseLabel(c)} deleted.`));
        }
      },
      { once: true },
    );
  }

  // --- propose an amendment ----------------------------------------------------------------------

  const propose = $('#propose-dialog');
  const form = $('#propose-form');
  const newText = $('#propose-text');
  const preview = $('#propose-preview');
  let proposing = null; // {clause, target}

  function proposeKind() {
    return form.elements.kind.value;
  }

  function updatePreview() {
    if (!proposing) return;
    const kind = proposing.target ? 'amend_amendment' : proposeKind();
    const current = proposing.target ? proposing.target.new_text : app.serverText(proposing.clause.id);
    $('#propose-text-field').hidden = kind === 'delete';
    $('#propose-newkind-field').hidden = kind !== 'insert_after';
    let runs;
    if (kind === 'delete') runs = [['delete', current]];
    else if (kind === 'insert_after') runs = [['insert', newText.value]];
    else runs = app.ts.trackChanges(current, newText.value);
    fill(preview, trackChangesNode(runs));
  }

  function openPropose({ clause, target = null }) {
    proposing = { clause, target, openedText: target ? target.new_text : app.serverText(clause.id) };
    form.reset();
    $('#propose-title').textContent = target
      ? `Amend amendment #${target.number} to ${clauseLabel(clause).toLowerCase()}`
      : `Propose an amendment to ${clauseLabel(clause).toLowerCase()}`;
    $('#propose-kinds').hidden = Boolean(target);
    newText.value = target ? target.new_text : app.serverText(clause.id);
    $('#propose-error').textContent = '';
    updatePreview();
    openDialog(propose);
    newText.focus();
  }

  form.addEventListener('input', updatePreview);
  form.addEventListener('change', (e) => {
    if (e.target.name === 'kind' && proposing) {
      const kind = proposeKind();
      if (kind === 'insert_after') newText.value = '';
      else if (kind === 'replace') {
        proposing.openedText = app.serverText(proposing.clause.id);
        newText.value = proposing.openedText;
      }
      updatePreview();
    }
  });
  $('#propose-cancel').addEventListener('click', () => propose.close());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!proposing) return;
    const kind = proposing.target ? 'amend_amendment' : proposeKind();
    let text = kind === 'delete' ? '' : newText.value;
    if (kind === 'replace' || kind === 'amend_amendment') {
      // The text may have moved on while the form was open (live drafting, a rebase): carry
      // the proposed change over to it rather than silently undo others' edits.
      const target = proposing.target && app.amendments.get(proposing.target.id);
      const now = target ? target.new_text : app.serverText(proposing.clause.id);
      if (now !== proposing.openedText) text = app.ts.merge3(proposing.openedText, now, text).text;
    }
    const payload = {
      clause_id: proposing.clause.id,
      kind,
      new_text: text,
      reason: $('#propose-reason').value.trim(),
    };
    if (kind === 'insert_after') payload.new_kind = $('#propose-newkind').value;
    if (proposing.target) payload.target_amendment_id = proposing.target.id;
    const submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      const reply = await app.request('amendment:propose', payload);
      const a = reply.amendment;
      if (a) {
        app.amendments.set(a.id, a);
        app.emit('amendments');
      }
      propose.close();
      toast(a ? `Amendment #${a.number} proposed.` : 'Amendment proposed.');
    } catch (err) {
      $('#propose-error').textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  });

  // --- history --------------------------------------------------------------------------------

  const historyDialog = $('#history-dialog');
  async function openHistory(c) {
    $('#history-title').textContent = `History of ${clauseLabel(c).toLowerCase()}`;
    const list = $('#history-list');
    const diff = $('#history-diff');
    fill(list, h('p', { class: 'muted' }, 'Loading…'));
    fill(diff);
    openDialog(historyDialog);
    let versions;
    try {
      versions = (await app.request('history', { clause_id: c.id })).versions || [];
    } catch (err) {
      fill(list, h('p', { class: 'error-text' }, err.message));
      return;
    }
    const n = versions.length;
    let from = n >= 2 ? versions[n - 2].version : versions[0]?.version;
    let to = versions[n - 1]?.version;
    const showDiff = () => {
      const a = versions.find((v) => v.version === from);
      const b = versions.find((v) => v.version === to);
      if (!a || !b) return fill(diff);
      fill(
        diff,
        h('h3', null, `Version ${a.version} → version ${b.version}`),
        h('p', { class: 'history-changes' }, trackChangesNode(app.ts.trackChanges(a.text, b.text))),
      );
    };
    const rows = versions
      .slice()
      .reverse()
      .map((v) =>
        h(
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
          h(
            'td',
            { class: 'pick' },
            h('input', {
              type: 'radio',
              name: 'from',
              value: v.version,
              'aria-label': `Compare from version ${v.version}`,
              checked: v.version === from,
              onchange: () => {
                from = v.version;
                showDiff();
              },
            }),
          ),
          h(
            'td',
            { class: 'pick' },
            h('input', {
              type: 'radio',
              name: 'to',
              value: v.version,
              'aria-label': `Compare to version ${v.version}`,
              checked: v.version === to,
              onchange: () => {
                to = v.version;
                showDiff();
              },
            }),
          ),
        ),
      );
    fill(
      list,
      h(
        'table',
        { class: 'history' },
        h('caption', { class: 'muted' }, `${n} version${n === 1 ? '' : 's'}: pick two to compare`),
        h(
          'thead',
          null,
          h('tr', null, ['Version', 'By, why and when', 'From', 'To'].map((t) => h('th', { scope: 'col' }, t))),
        ),
        h('tbody', null, rows),
      ),
    );
    showDiff();
  }

  for (const dialog of [propose, historyDialog, confirmDialog]) {
    dialog.addEventListener('click', (e) => {
      if (e.target === dialog) dialog.close(); // a click on the backdrop
    });
  }

  // Kinds of clause for a new one, in the propose form.
  fill(
    $('#propose-newkind'),
    Object.entries(CLAUSE_KINDS).map(([value, label]) =>
      h('option', { value, selected: value === 'operative' }, label),
    ),
  );

  render();
}
