/**
 * The record of proceedings (#record-dialog), for everyone in the draft: the server's HTML
 * record (times, proceedings, clause by clause) shown as a document, and links to download it
 * as Markdown or as a page to print. Opened from the Export menu, and from the chair's console.
 */
import { $, fill, h, openDialog, safeFragment } from './dom.js';

export class RecordDialog {
  /** @param app  the draft screen (draftId, request) */
  constructor(app) {
    this.app = app;
    this.dialog = $('#record-dialog');
    this.text = $('#record-text');
    for (const id of ['#open-record', '#chair-record']) {
      const button = $(id);
      if (button) button.addEventListener('click', () => this.open());
    }
    $('#record-close').addEventListener('click', () => this.dialog.close());
  }

  async open() {
    const menu = $('#open-record').closest('details');
    if (menu) menu.open = false;
    fill(this.text, h('p', { class: 'muted' }, 'Loading…'));
    openDialog(this.dialog);
    try {
      const reply = await this.app.request('record:get', { draft_id: this.app.draftId, format: 'html' });
      const html = typeof reply.record === 'string' ? reply.record : '';
      fill(this.text, html ? safeFragment(html) : h('p', { class: 'muted' }, 'Nothing is in the record yet.'));
    } catch (err) {
      fill(this.text, h('p', { class: 'error-text' }, err.message));
    }
  }
}
