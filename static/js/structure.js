/**
 * Structure commands on a clause: add one after it or under it, move it up or down, indent or
 * outdent it, delete it (confirmed in the page, #confirm-dialog), change its kind. The
 * margin's tools run them at once; the keyboard shortcuts in a clause (the app's `command`
 * event) queue them.
 */
import { $, announce, closeOnBackdrop, fill, openDialog, toast } from './dom.js';
import { DEFAULT_MARKER, clauseLabel, kindName } from './labels.js';

export class StructureCommands {
  /**
   * @param app    the draft screen (index, order, draftId, request, expectClause, refused)
   * @param hooks  {history(clause), propose(clause)}: the margin's other tools, by name too
   */
  constructor(app, hooks) {
    this.app = app;
    this.hooks = hooks;
    this.confirmDialog = $('#confirm-dialog');
    closeOnBackdrop(this.confirmDialog);
    this.commands = this.makeCommands();
    // Commands run one after another: a second key press waits for the first one's answer (and
    // the new outline it brings), so "outdent, then down" moves the clause from where the
    // outdent left it. Every command returns its request's promise for this.
    this.chain = Promise.resolve();
  }

  /** A command from the margin's buttons: at once, on the clause the margin shows. */
  run(name, c) {
    return this.commands[name](c);
  }

  /** A command from the keyboard: after the ones before it, on the clause as it then stands. */
  enqueue(name, id) {
    const { app, commands } = this;
    this.chain = this.chain.then(() => {
      const c = app.index.get(id);
      if (c && commands[name]) return commands[name](c);
      return undefined;
    }).catch((err) => app.refused(err));
  }

  siblingsOf(c) {
    const { app } = this;
    if (c.parent_id === null || c.parent_id === undefined) {
      return app.order.map((id) => app.index.get(id)).filter((x) => x.level === 0);
    }
    return app.index.get(c.parent_id)?.children || [];
  }

  async send(event, data, done) {
    return this.attempt(async () => {
      const reply = await this.app.request(event, data);
      if (done) done(reply);
    });
  }

  /** Run a command's requests; a refusal is shown, not thrown (the next command still runs). */
  async attempt(fn) {
    try {
      await fn();
    } catch (err) {
      this.app.refused(err);
    }
  }

  /**
   * Make the clause a heading, a preambular or operative paragraph, a list item set off by
   * `marker`, or plain text (`clause:kind`). The margin offers it to the chair while the draft
   * is open and to a delegate in drafting mode; the server decides, and its refusal is shown.
   */
  setKind(c, kind, marker) {
    const data = { clause_id: c.id, kind };
    if (kind === 'item') data.marker = marker || DEFAULT_MARKER;
    return this.send('clause:kind', data, () =>
      announce(`${clauseLabel(c)} is now ${kindName(kind, data.marker)}.`),
    );
  }

  makeCommands() {
    const app = this.app;
    const run = (event, data, done) => this.send(event, data, done);
    const siblingsOf = (c) => this.siblingsOf(c);
    return {
      // the same kind at the same level; a list item with the same dash or bullet
      'add-after': (c) =>
        this.attempt(async () => {
          const reply = await app.addClause(
            { draft_id: app.draftId, kind: c.kind, text: '', parent_id: c.parent_id ?? null, after_id: c.id },
            c.marker,
          );
          app.expectClause(reply.clause_id);
        }),
      'add-sub': (c) => {
        const kids = c.children || [];
        return run(
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
        return run('clause:move', { clause_id: c.id, parent_id: c.parent_id ?? null, after_id: after }, () =>
          announce(`${clauseLabel(c)} moved up.`),
        );
      },
      down: (c) => {
        const sibs = siblingsOf(c);
        const i = sibs.findIndex((s) => s.id === c.id);
        if (i < 0 || i >= sibs.length - 1) return toast('This clause is already the last at its level.');
        return run('clause:move', { clause_id: c.id, parent_id: c.parent_id ?? null, after_id: sibs[i + 1].id }, () =>
          announce(`${clauseLabel(c)} moved down.`),
        );
      },
      indent: (c) => {
        const sibs = siblingsOf(c);
        const i = sibs.findIndex((s) => s.id === c.id);
        if (i <= 0) return toast('Only a clause with one before it can become its sub-clause.');
        const parent = sibs[i - 1];
        const kids = parent.children || [];
        return run(
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
        return run(
          'clause:move',
          { clause_id: c.id, parent_id: parent ? parent.parent_id ?? null : null, after_id: c.parent_id },
          () => announce('Clause outdented.'),
        );
      },
      delete: (c) => this.confirmDelete(c),
      history: (c) => this.hooks.history(c),
      propose: (c) => this.hooks.propose(c),
    };
  }

  // Delete, with a confirmation in the page.
  confirmDelete(c) {
    const dialog = this.confirmDialog;
    const kids = (c.children || []).length;
    fill(
      $('#confirm-text'),
      `Delete ${clauseLabel(c).toLowerCase()}`,
      kids ? ` and its ${kids} sub-clause${kids === 1 ? '' : 's'}` : '',
      '? It stays in the record.',
    );
    dialog.returnValue = '';
    openDialog(dialog);
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue === 'delete') {
          this.send('clause:delete', { clause_id: c.id }, () => announce(`${clauseLabel(c)} deleted.`));
        }
      },
      { once: true },
    );
  }
}
