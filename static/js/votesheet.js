/**
 * The vote sheet (#vote-dialog; full screen on a phone): what is voted on, the rule and the
 * kind, the quorum, the large Yes / No / Abstain buttons for those who vote (Object and
 * Withdraw my objection for a consensus), who has voted, the roll call, the countdown for
 * objections and the result. It shows a poll it is given; vote.js holds it. It focuses no
 * choice: the keyboard starts on the title, and Tab goes to the buttons.
 */
import { $, fill, h, openDialog, trackChangesNode } from './dom.js';
import { CHOICE_NAMES, KINDS, MOTION_NAMES, RULES, clauseLabel, who } from './labels.js';
import { castText, quorumLost, quorumText, totalsNode, votesNode } from './polltext.js';

export { CHOICE_NAMES };

/** What a poll is on, in a few words: the draft, a clause, an amendment to one, a motion. */
export function subjectTitle(app, p) {
  if (p.subject_type === 'draft') return `The draft as a whole: ${app.draft.title || ''}`;
  if (p.subject_type === 'clause') {
    const c = app.index.get(p.subject_id);
    return c ? clauseLabel(c) : (p.subject && p.subject.label) || clauseLabel(null);
  }
  if (p.subject_type === 'motion') return (p.subject && p.subject.label) || `Motion ${p.subject_id}`;
  const a = app.amendments.get(p.subject_id) || (p.subject && p.subject.amendment);
  if (!a) return (p.subject && p.subject.label) || `Amendment ${p.subject_id}`;
  const c = app.index.get(a.clause_id);
  return c ? `Amendment #${a.number} to ${clauseLabel(c).toLowerCase()}` : `Amendment #${a.number}`;
}

export class VoteSheet {
  /**
   * @param app    the draft screen (me, draft, index, order, amendments, serverText, changesOf)
   * @param hooks  {vote(choice), object(), withdrawObjection(), closePoll(), suspendPoll()}
   */
  constructor(app, hooks) {
    this.app = app;
    this.dialog = $('#vote-dialog');
    this.voter = app.me.role === 'delegate';
    this.countdown = 0;
    for (const btn of $('#vote-buttons').querySelectorAll('button')) {
      btn.addEventListener('click', () => hooks.vote(btn.dataset.choice));
    }
    $('#vote-object').addEventListener('click', () => hooks.object());
    $('#vote-withdraw-objection').addEventListener('click', () => hooks.withdrawObjection());
    $('#vote-hide').addEventListener('click', () => this.dialog.close());
    $('#vote-close').addEventListener('click', () => hooks.closePoll());
    $('#vote-suspend').addEventListener('click', () => hooks.suspendPoll());
  }

  get open() {
    return this.dialog.open;
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  /** Bring the sheet up with the keyboard on its title: no choice is made by pressing Enter. */
  show() {
    if (!this.dialog.open) openDialog(this.dialog);
    $('#vote-title').focus();
  }

  setError(message) {
    $('#vote-error').textContent = message;
  }

  /** Show `poll`; `mine` ({choice, by}) is my delegation's ballot while it is open. */
  render(poll, mine) {
    const app = this.app;
    const open = poll.state === 'open';
    const heading = open ? 'Vote' : poll.state === 'suspended' ? 'Suspended' : 'Result';
    $('#vote-title').textContent = `${heading} · ${subjectTitle(app, poll)}`;
    fill(
      $('#vote-rule'),
      h('span', null, `Rule: ${RULES[poll.rule] || poll.rule}`),
      h('br'),
      h('span', null, KINDS[poll.kind] || poll.kind),
    );
    fill($('#vote-subject'), this.subjectBody(poll));
    const quorum = $('#vote-quorum');
    quorum.textContent = quorumText(poll);
    quorum.hidden = !quorum.textContent;
    quorum.classList.toggle('lost', quorumLost(poll));
    this.renderButtons(poll, mine);
    $('#vote-mine').textContent = this.mineText(poll, mine);
    $('#vote-as').textContent = this.voter && open ? this.asText() : '';
    $('#vote-cast').textContent = castText(poll);
    this.renderTally(poll);
    this.renderResult(poll);
    this.renderChair(poll);
    this.renderCountdown(poll);
  }

  /**
   * Totals and the roll call. The roll call is folded for those voting while the poll is open
   * (their buttons come first), unfolded otherwise; a fold or unfold by hand is kept.
   */
  renderTally(poll) {
    if (this.rollFor !== poll.id) {
      this.rollFor = poll.id;
      this.rollOpen = null;
    }
    const open = this.rollOpen ?? !(this.voter && poll.state === 'open');
    const roll = votesNode(poll, { open });
    if (roll && roll.localName === 'details') {
      roll.addEventListener('toggle', () => {
        this.rollOpen = roll.open;
      });
    }
    fill($('#vote-tally'), h('div', { class: 'tally' }, totalsNode(poll), roll));
  }

  renderResult(poll) {
    const result = $('#vote-result');
    if (poll.result) {
      result.hidden = false;
      result.className = `result outcome-${poll.result.outcome}`;
      result.textContent = poll.result.explanation || poll.result.outcome;
    } else if (poll.state === 'suspended') {
      result.hidden = false;
      result.className = 'result outcome-suspended';
      result.textContent = 'The chair suspended the vote without a decision; the question can be put again.';
    } else {
      result.hidden = true;
    }
  }

  /** The chair closes the poll, or suspends it when the quorum is lost (Close cannot). */
  renderChair(poll) {
    const chair = this.app.me.role === 'chair' && poll.state === 'open';
    const lost = quorumLost(poll);
    const close = $('#vote-close');
    close.hidden = !chair;
    close.disabled = lost;
    close.title = lost ? 'The quorum is lost: the vote cannot close until enough members are back.' : '';
    $('#vote-suspend').hidden = !(chair && lost);
  }

  renderButtons(poll, mine) {
    const consensus = poll.rule === 'consensus';
    const open = this.voter && poll.state === 'open';
    const choice = mine ? mine.choice : null;
    const buttons = $('#vote-buttons');
    buttons.hidden = !open || consensus;
    for (const btn of buttons.querySelectorAll('button')) {
      btn.setAttribute('aria-pressed', String(choice === btn.dataset.choice));
    }
    $('#consensus-buttons').hidden = !open || !consensus;
    $('#vote-object').hidden = choice === 'no';
    $('#vote-withdraw-objection').hidden = choice !== 'no';
  }

  /** Who votes: the member (the delegation), one vote, whichever representative casts it. */
  asText() {
    const me = this.app.me;
    return me.delegation ? `Voting for ${me.delegation} (one vote per delegation)` : `Voting as ${me.name}`;
  }

  mineText(poll, mine) {
    const role = this.app.me.role;
    const open = poll.state === 'open';
    if (this.voter && open && poll.rule === 'consensus') {
      const by = mine && mine.by ? ` (raised by ${mine.by})` : '';
      return mine && mine.choice === 'no'
        ? `Your delegation objects${by}. You can withdraw the objection while the question is open.`
        : 'Your delegation has not objected. The question is adopted without a vote unless a member objects.';
    }
    if (this.voter && open) {
      if (!mine || !mine.choice) return 'You have not voted yet.';
      const by = mine.by ? ` (cast by ${mine.by})` : '';
      return `Your delegation voted: ${CHOICE_NAMES[mine.choice].toUpperCase()}${by}. You can change it until the poll closes.`;
    }
    if (open && role === 'observer') return 'Observers follow the vote but do not vote.';
    if (open && role === 'chair') return 'The chair presides and does not vote.';
    return '';
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
    if (p.subject_type === 'motion') {
      const m = (p.subject && p.subject.motion) || null;
      return h(
        'p',
        { class: 'muted' },
        m
          ? `${who(m.mover, m.delegation)} asks for ${MOTION_NAMES[m.kind] || m.kind} on ${m.subject}. A procedural vote: a majority of those present and voting grants it.`
          : 'A procedural vote on a motion.',
      );
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

  renderCountdown(poll) {
    window.clearInterval(this.countdown);
    const el = $('#vote-countdown');
    $('#vote-object').disabled = false;
    $('#vote-withdraw-objection').disabled = false;
    if (!poll || poll.state !== 'open' || !poll.closes_at) {
      el.hidden = true;
      return;
    }
    const end = new Date(poll.closes_at).getTime();
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      el.hidden = false;
      el.textContent = left > 0 ? `Objections until the time runs out: ${left} s` : 'Time for objections is over.';
      $('#vote-object').disabled = left <= 0;
      $('#vote-withdraw-objection').disabled = left <= 0;
      if (left <= 0) window.clearInterval(this.countdown);
    };
    tick();
    this.countdown = window.setInterval(tick, 1000);
  }
}
