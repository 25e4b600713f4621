/**
 * The chair's voting queue and polls: the queue in suggested order (#chair-queue), the next
 * item in the console's bar, the poll settings (rule, kind, seconds for objections), opening a
 * poll on an item or on the whole draft, closing it, and what the open poll stands at.
 */
import { $, fill, h } from './dom.js';
import { RULE_SHORT, clauseLabel } from './labels.js';

export class VotingQueue {
  /** @param app  the draft screen (queue, amendments, index, draftId, conference, request, currentPoll) */
  constructor(app) {
    this.app = app;
    this.rule = $('#poll-rule');
    this.kind = $('#poll-kind');
    this.seconds = $('#poll-seconds');
    this.refreshTimer = 0;
    this.rule.value = app.conference.majority;
    this.rule.addEventListener('change', () => this.syncSeconds());
    this.syncSeconds();
    $('#chair-whole').addEventListener('click', () => this.openPoll('draft', app.draftId));
    $('#chair-close-poll').addEventListener('click', () => this.closePoll());
    $('#chair-close-poll-bar').addEventListener('click', () => this.closePoll());
  }

  /** Seconds for objections: only for consensus. */
  syncSeconds() {
    $('#poll-seconds-field').hidden = this.rule.value !== 'consensus';
  }

  async openPoll(subjectType, subjectId) {
    const app = this.app;
    const payload = {
      draft_id: app.draftId,
      subject_type: subjectType,
      subject_id: subjectId,
      rule: this.rule.value,
      kind: this.kind.value,
    };
    if (this.rule.value === 'consensus') payload.seconds = Number(this.seconds.value) || 60;
    try {
      await app.request('poll:open', payload);
    } catch (err) {
      app.refused(err);
    }
  }

  async closePoll() {
    const poll = this.app.currentPoll();
    if (!poll) return;
    try {
      await this.app.request('poll:close', { poll_id: poll.id });
    } catch (err) {
      this.app.refused(err);
    }
  }

  label(item) {
    const app = this.app;
    if (item.label) return item.label;
    if (item.type === 'draft') return 'The draft as a whole';
    if (item.type === 'clause') return clauseLabel(app.index.get(item.id));
    const a = app.amendments.get(item.id);
    return a ? `Amendment #${a.number}` : `Amendment ${item.id}`;
  }

  render() {
    const app = this.app;
    const poll = app.currentPoll ? app.currentPoll() : null;
    const open = poll && poll.state === 'open';
    const items = app.queue.length ? app.queue : [{ type: 'draft', id: app.draftId }];
    fill($('#chair-queue'), items.map((item, i) => this.item(item, i, open)));
    this.renderNext(items, poll, open);
    $('#chair-whole').disabled = open;
    $('#chair-close-poll').hidden = !open;
    $('#chair-close-poll-bar').hidden = !open;
    fill(
      $('#chair-poll'),
      open
        ? `Poll open (${RULE_SHORT[poll.rule] || poll.rule}, ${poll.kind}): ${poll.cast ?? 0}${poll.entitled ? ` of ${poll.entitled}` : ''} ballots cast.`
        : poll && poll.result
          ? `Last result: ${poll.result.explanation}`
          : 'No poll open.',
    );
  }

  item(item, i, open) {
    return h(
      'li',
      { dataset: { type: item.type, id: item.id } },
      h('span', { class: 'q-label', dir: 'auto' }, `${i + 1}. ${this.label(item)}`),
      ' ',
      h(
        'button',
        {
          type: 'button',
          disabled: open,
          'aria-label': `Open a poll on ${this.label(item)}`,
          onclick: () => this.openPoll(item.type, item.id),
        },
        'Open poll',
      ),
    );
  }

  /** The console's bar: the open poll's ballots, or the next item and its button. */
  renderNext(items, poll, open) {
    const next = items[0];
    const summary = $('#chair-queue-summary');
    const openNext = $('#chair-open-next');
    if (open) {
      summary.textContent = `Voting on ${poll.subject && poll.subject.label ? poll.subject.label : 'the open poll'}: ${poll.cast ?? 0}${poll.entitled ? ` of ${poll.entitled}` : ''} ballots cast`;
    } else {
      summary.textContent = `Next in the queue: ${this.label(next)}${items.length > 1 ? ` (then ${items.length - 1} more)` : ''}`;
    }
    openNext.hidden = Boolean(open);
    openNext.setAttribute('aria-label', `Open a poll on ${this.label(next)}`);
    openNext.onclick = () => this.openPoll(next.type, next.id);
  }

  /** Fetch the queue again (amendments changed, a poll closed), once things settle. */
  refresh() {
    const app = this.app;
    window.clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(async () => {
      try {
        const reply = await app.request('amendments:list', { draft_id: app.draftId });
        app.queue = reply.queue || [];
        for (const a of reply.amendments || []) app.amendments.set(a.id, a);
        this.render();
      } catch {
        /* the next change refreshes it again */
      }
    }, 150);
  }
}
