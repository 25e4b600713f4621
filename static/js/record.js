/** The record of proceedings, for the chair (#record-dialog), as Markdown. */
import { $, fill, openDialog } from './dom.js';

export class RecordDialog {
  /** @param app  the draft screen (draftId, request) */
  constructor(app) {
    this.app = app;
    this.dialog = $('#record-dialog');
    this.text = $('#record-text');
    $('#chair-record').addEventListener('click', () => this.open());
    $('#record-close').addEventListener('click', () => this.dialog.close());
  }

  async open() {
    fill(this.text, 'Loading…');
    openDialog(this.dialog);
    try {
      const reply = await this.app.request('record:get', { draft_id: this.app.draftId, format: 'md' });
      const record = typeof reply.record === 'string' ? reply.record : JSON.stringify(reply.record, null, 2);
      fill(this.text, record || 'Nothing is in the record yet.');
    } catch (err) {
      fill(this.text, err.message);
    }
  }
}
