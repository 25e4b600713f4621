/**
 * The draft's title block (#title-block), above its title as the published documents carry
 * it: the body that speaks, the document symbol, place and date, the submission line
 * ("Draft resolution submitted by the Chair"). Everyone sees it, kept live by `draft:details`;
 * the chair sets it in #details-dialog (`draft:details`, each field a line of text).
 */
import { $, closeOnBackdrop, openDialog, toast } from './dom.js';

/** The title block's fields (drafting/domain.py DRAFT_DETAILS). */
export const DETAIL_FIELDS = ['symbol', 'submission', 'body', 'place', 'date'];

/** "New York, 12 March 2026": place and date on one line, either one alone, or "". */
export function placeAndDate(details) {
  return [details.place, details.date].filter(Boolean).join(', ');
}

/** What each line of the block shows, by element id. */
function lines(details) {
  return {
    'tb-body': details.body || '',
    'tb-symbol': details.symbol || '',
    'tb-place-date': placeAndDate(details),
    'tb-submission': details.submission || '',
  };
}

export class TitleBlock {
  /** @param app  the draft screen (draft.details) */
  constructor(app) {
    this.app = app;
    this.el = $('#title-block');
  }

  render() {
    const shown = lines(this.app.draft.details || {});
    for (const [id, text] of Object.entries(shown)) {
      const el = document.getElementById(id);
      if (el.textContent !== text) el.textContent = text;
      el.hidden = !text;
    }
    this.el.hidden = !Object.values(shown).some(Boolean);
  }
}

/** The chair's form for the title block (#details-dialog); the page has it only for the chair. */
export class DetailsDialog {
  /** @param app  the draft screen (draftId, draft, request, emit) */
  constructor(app) {
    this.app = app;
    this.dialog = $('#details-dialog');
    this.form = $('#details-form');
    this.error = $('#details-error');
    $('#edit-details').addEventListener('click', () => this.open());
    $('#details-cancel').addEventListener('click', () => this.dialog.close());
    this.form.addEventListener('submit', (e) => this.save(e));
    closeOnBackdrop(this.dialog);
  }

  open() {
    const details = this.app.draft.details || {};
    for (const key of DETAIL_FIELDS) this.form.elements[key].value = details[key] || '';
    this.error.textContent = '';
    openDialog(this.dialog);
    this.form.elements.symbol.focus();
  }

  /** Only the fields changed since the form opened are sent: the others stay as they are. */
  changed() {
    const details = this.app.draft.details || {};
    const out = {};
    for (const key of DETAIL_FIELDS) {
      const value = this.form.elements[key].value.trim();
      if (value !== (details[key] || '')) out[key] = value;
    }
    return out;
  }

  async save(e) {
    e.preventDefault();
    const app = this.app;
    const details = this.changed();
    if (!Object.keys(details).length) {
      this.dialog.close();
      return;
    }
    const submit = this.form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      const reply = await app.request('draft:details', { draft_id: app.draftId, details });
      app.draft.details = reply.draft.details;
      app.emit('details');
      this.dialog.close();
      toast('Title block saved.');
    } catch (err) {
      this.error.textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  }
}

export function initTitleBlock(app) {
  const block = new TitleBlock(app);
  app.on('details', () => block.render());
  if ($('#details-dialog')) new DetailsDialog(app);
  return block;
}

