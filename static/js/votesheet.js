/**
 * The vote sheet (#vote-dialog; full screen on a phone): what is voted on, the rule and the
 * kind, the large Yes / No / Abstain buttons for those who vote, the ballots cast, the tally,
 * the countdown for objections and the result. It shows a poll it is given; vote.js holds it.
 */
import { $, fill, h, openDialog, trackChangesNode } from './dom.js';
import { KINDS, RULES, clauseLabel, who } from './labels.js';

export const CHOICE_NAMES = { yes: 'Yes', no: 'No', abstain: 'Abstain' };

/** What a poll is on, in a few words: the draft, a clause, or an amendment to one. */
export function subjectTitle(app, p) {
  if (p.subject_type === 'draft') return `The draft as a whole: ${app.draft.title || ''}`;
  if (p.subject_type === 'clause') return clauseLabel(app.index.get(p.subject_id));
  const a = app.amendments.get(p.subject_id) || (p.subject && p.subject.amendment);
  if (!a) return (p.subject && p.subject.label) || `Amendment ${p.subject_id}`;
  const c = app.index.get(a.clause_id);
  return c ? `Amendment #${a.number} to ${clauseLabel(c).toLowerCase()}` : `Amendment #${a.number}`;
}

export class VoteSheet {
  /**
   * @param app    the draft screen (me, draft, index, order, amendments, serverText, changesOf)
   * @param hooks  {vote(choice), closePoll()}: the ballot buttons and the chair's close button
   */
  constructor(app, hooks) {
    this.app = app;
    this.dialog = $('#vote-dialog');
    this.voter = app.me.role === 'delegate';
    this.countdown = 0;
    for (const btn of $('#vote-buttons').querySelectorAll('button')) {
      btn.addEventListener('click', () => hooks.vote(btn.dataset.choice));
    }
    $('#vote-hide').addEventListener('click', () => this.dialog.close());
    $('#vote-close').addEventListener('click', () => hooks.closePoll());
  }

  get open() {
    return this.dialog.open;
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  /** Bring the sheet up, the keyboard on my ballot (or the first button). */
  show() {
    const sheet = this.dialog;
    if (!sheet.open) openDialog(sheet);
    const pressed = sheet.querySelector('#vote-buttons:not([hidden]) button[aria-pressed=true]');
    const first = sheet.querySelector('#vote-buttons:not([hidden]) button');
    (pressed || first || $('#vote-hide')).focus();
  }

  setError(message) {
    $('#vote-error').textContent = message;
  }

  /** Show `poll`; `choice` is my ballot in it while it is open (null: none or not open). */
  render(poll, choice) {
    const app = this.app;
    const open = poll.state === 'open';
    $('#vote-title').textContent = `${open ? 'Vote' : 'Result'} · ${subjectTitle(app, poll)}`;
    fill(
      $('#vote-rule'),
      h('span', null, `Rule: ${RULES[poll.rule] || poll.rule}`),
      h('br'),
      h('span', null, KINDS[poll.kind] || poll.kind),
    );
    fill($('#vote-subject'), this.subjectBody(poll));
    this.renderButtons(poll, choice);
    $('#vote-mine').textContent = this.mineText(open, choice);
    $('#vote-as').textContent = this.voter && open ? `Voting as ${who(app.me.name, app.me.delegation)}` : '';
    $('#vote-cast').textContent =
      `Ballots cast: ${poll.result ? poll.result.cast ?? poll.cast : poll.cast ?? 0}` +
      (poll.entitled ? ` of ${poll.entitled}` : '');
    fill($('#vote-tally'), this.tallyNode(poll));
    const result = $('#vote-result');
    if (poll.result) {
      result.hidden = false;
      result.className = `result outcome-${poll.result.outcome}`;
      result.textContent = poll.result.explanation || poll.result.outcome;
    } else {
      result.hidden = true;
    }
    $('#vote-close').hidden = !(app.me.role === 'chair' && open);
    this.renderCountdown(poll);
  }

  renderButtons(poll, choice) {
    const consensus = poll.rule === 'consensus';
    const buttons = $('#vote-buttons');
    buttons.hidden = !(this.voter && poll.state === 'open');
    for (const btn of buttons.querySelectorAll('button')) {
      const c = btn.dataset.choice;
      btn.setAttribute('aria-pressed', String(choice === c));
      btn.querySelector('.label').textContent =
        consensus && c === 'no' ? 'Object' : consensus && c === 'yes' ? 'Support' : CHOICE_NAMES[c];
    }
  }

  mineText(open, choice) {
    const role = this.app.me.role;
    return this.voter && open
      ? choice
        ? `You voted: ${CHOICE_NAMES[choice].toUpperCase()} (you can change it until the poll closes)`
        : 'You have not voted yet.'
      : open && role === 'observer'
        ? 'Observers follow the vote but do not vote.'
        : open && role === 'chair'
          ? 'The chair presides and does not vote.'
          : '';
  }

  subjectBody(p) {
    const app = this.app;
    if (p.subject_type === 'draft') {
      return h('p', { class: 'muted' }, `All ${app.order.length} clauses, as they now stand.`);
    }
    if (p.subject_type === 'clause') {
      const text = app.index.has(p.subject_id)
        ? app.serverText(p.subject_id)
        : (p.subject && p.subject.clause && p.subject.clause.text) || '';
      return h('p', { class: 'subject-text', dir: 'auto' }, text);
    }
    const a = app.amendments.get(p.subject_id) || (p.subject && p.subject.amendment);
    if (!a) return h('p', { class: 'muted' }, 'Loading the amendment…');
    return h(
      'div',
      null,
      h('p', { class: 'subject-text' }, trackChangesNode(app.changesOf ? app.changesOf(a) : a.changes || [])),
      h('p', { class: 'muted small' }, `Proposed by ${who(a.proposer, a.delegation)}`),
      a.reason ? h('p', { class: 'am-reason', dir: 'auto' }, `“${a.reason}”`) : null,
    );
  }

  tallyNode(p) {
    const t = p.result || p.tally;
    if (!t) return null;
    const votes = (p.result && p.result.votes) || (p.tally && p.tally.votes) || [];
    return h(
      'div',
      { class: 'tally' },
      h(
        'p',
        { class: 'totals' },
        h('span', { class: 'yes' }, `Yes ${t.yes ?? 0}`),
        ' · ',
        h('span', { class: 'no' }, `No ${t.no ?? 0}`),
        ' · ',
        h('span', { class: 'abstain' }, `Abstain ${t.abstain ?? 0}`),
      ),
      votes.length
        ? h(
            'ul',
            { class: 'votes' },
            votes.map((v) =>
              h('li', null, h('span', { dir: 'auto' }, who(v.name, v.delegation)), ': ', CHOICE_NAMES[v.choice] || v.choice),
            ),
          )
        : null,
    );
  }

  renderCountdown(poll) {
    window.clearInterval(this.countdown);
    const el = $('#vote-countdown');
    if (!poll || poll.state !== 'open' || !poll.closes_at) {
      el.hidden = true;
      return;
    }
    const end = new Date(poll.closes_at).getTime();
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      el.hidden = false;
      el.textContent = left > 0 ? `Objections until the time runs out: ${left} s` : 'Time for objections is over.';
      if (left <= 0) window.clearInterval(this.countdown);
    };
    tick();
    this.countdown = window.setInterval(tick, 1000);
  }
}
