/**
 * The chair's sponsors dialog (#sponsors-dialog): who sponsors the draft, and so must accept an
 * amendment for it to be friendly.
 */
import { api } from './net.js';
import { $, fill, h, openDialog, toast } from './dom.js';

export class SponsorsDialog {
  /** @param app  the draft screen (conference, draftId, draft, emit) */
  constructor(app) {
    this.app = app;
    this.dialog = $('#sponsors-dialog');
    this.list = $('#sponsors-list');
    $('#chair-sponsors').addEventListener('click', () => this.open());
    $('#sponsors-form').addEventListener('submit', (e) => this.save(e));
    $('#sponsors-cancel').addEventListener('click', () => this.dialog.close());
  }

  async open() {
    const { app, list } = this;
    fill(list, h('p', { class: 'muted' }, 'Loading…'));
    openDialog(this.dialog);
    let people;
    try {
      people = await api('GET', `/api/conferences/${app.conference.id}/participants`);
    } catch (err) {
      fill(list, h('p', { class: 'error-text' }, err.message));
      return;
    }
    const current = new Set(app.draft.sponsors || []);
    fill(
      list,
      people
        .filter((p) => p.role === 'delegate')
        .map((p) =>
          h(
            'label',
            { class: 'check' },
            h('input', { type: 'checkbox', name: 'sponsor', value: p.id, checked: current.has(p.id) }),
            ' ',
            h('span', { dir: 'auto' }, p.delegation ? `${p.name} (${p.delegation})` : p.name),
          ),
        ),
    );
  }

  async save(e) {
    e.preventDefault();
    const app = this.app;
    const ids = [...this.list.querySelectorAll('input:checked')].map((i) => Number(i.value));
    try {
      const d = await api('PUT', `/api/drafts/${app.draftId}/sponsors`, { sponsors: ids });
      app.draft.sponsors = d.sponsors;
      app.emit('amendments');
      this.dialog.close();
      toast('Sponsors saved.');
    } catch (err) {
      toast(err.message, { error: true });
    }
  }
}
