/**
 * Proposing an amendment (#propose-dialog): to change, delete or insert after a clause, or to
 * amend an amendment, with a preview in track changes. The clause may change while the form is
 * open; the proposed change is carried over to its new text when sent.
 */
import { $, closeOnBackdrop, fill, h, openDialog, toast, trackChangesNode } from './dom.js';
import { CLAUSE_KINDS, clauseLabel } from './labels.js';

export class ProposeDialog {
  /** @param app  the draft screen (serverText, amendments, ts, request, emit) */
  constructor(app) {
    this.app = app;
    this.dialog = $('#propose-dialog');
    this.form = $('#propose-form');
    this.newText = $('#propose-text');
    this.preview = $('#propose-preview');
    this.proposing = null; // {clause, target, openedText}
    this.form.addEventListener('input', () => this.updatePreview());
    this.form.addEventListener('change', (e) => this.kindChanged(e));
    this.form.addEventListener('submit', (e) => this.submit(e));
    $('#propose-cancel').addEventListener('click', () => this.dialog.close());
    closeOnBackdrop(this.dialog);
    // Kinds of clause for a new one.
    fill(
      $('#propose-newkind'),
      Object.entries(CLAUSE_KINDS).map(([value, label]) =>
        h('option', { value, selected: value === 'operative' }, label),
      ),
    );
  }

  kind() {
    return this.proposing.target ? 'amend_amendment' : this.form.elements.kind.value;
  }

  /** The text the amendment changes: the clause's, or the target amendment's. */
  currentText() {
    const { clause, target } = this.proposing;
    return target ? target.new_text : this.app.serverText(clause.id);
  }

  open({ clause, target = null }) {
    this.proposing = { clause, target, openedText: null };
    this.proposing.openedText = this.currentText();
    this.form.reset();
    $('#propose-title').textContent = target
      ? `Amend amendment #${target.number} to ${clauseLabel(clause).toLowerCase()}`
      : `Propose an amendment to ${clauseLabel(clause).toLowerCase()}`;
    $('#propose-kinds').hidden = Boolean(target);
    this.newText.value = this.currentText();
    $('#propose-error').textContent = '';
    this.updatePreview();
    openDialog(this.dialog);
    this.newText.focus();
  }

  updatePreview() {
    if (!this.proposing) return;
    const kind = this.kind();
    const current = this.currentText();
    $('#propose-text-field').hidden = kind === 'delete';
    $('#propose-newkind-field').hidden = kind !== 'insert_after';
    let runs;
    if (kind === 'delete') runs = [['delete', current]];
    else if (kind === 'insert_after') runs = [['insert', this.newText.value]];
    else runs = this.app.ts.trackChanges(current, this.newText.value);
    fill(this.preview, trackChangesNode(runs));
  }

  kindChanged(e) {
    if (e.target.name !== 'kind' || !this.proposing) return;
    const kind = this.form.elements.kind.value;
    if (kind === 'insert_after') this.newText.value = '';
    else if (kind === 'replace') {
      this.proposing.openedText = this.app.serverText(this.proposing.clause.id);
      this.newText.value = this.proposing.openedText;
    }
    this.updatePreview();
  }

  /** What to send: the form, its text carried over to the clause as it now stands. */
  payload() {
    const { app, proposing } = this;
    const kind = this.kind();
    let text = kind === 'delete' ? '' : this.newText.value;
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
    return payload;
  }

  async submit(e) {
    e.preventDefault();
    if (!this.proposing) return;
    const app = this.app;
    const payload = this.payload();
    const submit = this.form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      const reply = await app.request('amendment:propose', payload);
      const a = reply.amendment;
      if (a) {
        app.amendments.set(a.id, a);
        app.emit('amendments');
      }
      this.dialog.close();
      toast(a ? `Amendment #${a.number} proposed.` : 'Amendment proposed.');
    } catch (err) {
      $('#propose-error').textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  }
}
