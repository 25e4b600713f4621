/**
 * The chair's voting queue and polls: the queue (#chair-queue) in the suggested order, each
 * place with its reason, or as the chair ruled (queueorder.js); the next question in the
 * console's bar; the poll settings (rule, kind, seconds for objections); opening a poll on a
 * question that can be put now (nothing else offers a button); closing it, or suspending it
 * when its quorum is lost; and how the open poll stands.
 */
import { $, fill, h } from './dom.js';
import { KIND_SHORT, MODE_NAMES, RULE_SHORT, clauseLabel } from './labels.js';
import { isOpen, quorumLost, quorumText, standing } from './polltext.js';
import { QueueOrder } from './queueorder.js';

export class VotingQueue {
  /** @param app  the draft screen (queue, amendments, index, draft, draftId, conference, request, currentPoll) */
  constructor(app) {
    this.app = app;
    this.rule = $('#poll-rule');
    this.kind = $('#poll-kind');
    this.seconds = $('#poll-seconds');
    this.list = $('#chair-queue');
    this.refreshTimer = 0;
    this.listKey = '';
    this.order = new QueueOrder(app, { ruled: (id) => this.renderList(id) });
    this.rule.value = app.conference.majority;
    this.rule.addEventListener('change', () => this.syncSeconds());
    this.syncSeconds();
    $('#chair-whole').addEventListener('click', () => this.openPoll('draft', app.draftId));
    for (const id of ['#chair-close-poll', '#chair-close-poll-bar']) {
      $(id).addEventListener('click', () => this.pollAction(app.closePoll));
    }
    for (const id of ['#chair-suspend-poll', '#chair-suspend-poll-bar']) {
      $(id).addEventListener('click', () => this.pollAction(app.suspendPoll));
    }
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
    };
    if (this.kind.value) payload.kind = this.kind.value;
    if (this.rule.value === 'consensus') payload.seconds = Number(this.seconds.value) || 60;
    try {
      await app.request('poll:open', payload);
    } catch (err) {
      app.refused(err);
    }
  }

  async pollAction(fn) {
    try {
      await fn();
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

  /** Why `item` cannot be put to the vote now, or null when it can. */
  blocker(item, poll) {
    const app = this.app;
    if (app.draft.status !== 'formal') return 'not in formal mode';
    if (isOpen(poll)) return 'a vote is open';
    const pending = (test) =>
      [...app.amendments.values()].filter((a) => a.status === 'pending' && test(a)).map((a) => `#${a.number}`);
    if (item.type === 'amendment') {
      const a = app.amendments.get(item.id);
      if (!a || a.status !== 'pending') return a ? a.status : 'unknown';
      const subs = pending((s) => s.target_amendment_id === a.id);
      return subs.length ? `after ${subs.join(', ')}` : null;
    }
    if (item.type === 'clause') {
      const first = pending((a) => a.clause_id === item.id);
      return first.length ? `after ${first.join(', ')}` : null;
    }
    return pending(() => true).length ? 'after the amendments' : null;
  }

  /** The queue as rows to show: label, reason, whether it can be opened, moved, where. */
  rows(poll) {
    const app = this.app;
    const items = app.queue.length ? app.queue : [{ type: 'draft', id: app.draftId }];
    const chairRules = app.draft.status === 'formal';
    return items.map((item) => {
      const group = chairRules ? this.order.group(item) : null;
      const place = group ? group.ids.indexOf(item.id) : -1;
      const voting = isOpen(poll) && poll.subject_type === item.type && poll.subject_id === item.id;
      return {
        item,
        label: this.label(item),
        reason: item.reason || '',
        openable: !this.blocker(item, poll),
        voting,
        group,
        first: place === 0,
        last: group ? place === group.ids.length - 1 : false,
      };
    });
  }

  render() {
    this.renderList();
    this.renderPoll();
  }

  /** The list, rebuilt only when it changed (tallies arrive often), the keyboard kept. */
  renderList(focusId = undefined) {
    const app = this.app;
    const poll = app.currentPoll ? app.currentPoll() : null;
    const rows = this.rows(poll);
    this.renderNext(rows, poll);
    this.renderNote();
    if (this.order.dragging) return; // after the drop
    const key = JSON.stringify(rows.map((r) => [r.item, r.openable, r.voting, r.group, r.first, r.last]));
    if (key === this.listKey && focusId === undefined) return;
    this.listKey = key;
    const active = this.list.contains(document.activeElement) ? document.activeElement : null;
    const li = active && active.closest('li');
    const was = li ? { id: li.dataset.id, type: li.dataset.type, part: active === li ? null : active.dataset.part } : null;
    fill(this.list, rows.map((r, i) => this.item(r, i)));
    if (focusId) {
      const again = this.list.querySelector(`li[data-type=amendment][data-id="${focusId}"]`);
      if (again) again.focus();
    } else if (was) {
      const again = this.list.querySelector(`li[data-type=${was.type}][data-id="${was.id}"]`);
      const part = again && was.part ? again.querySelector(`[data-part=${was.part}]`) : null;
      if (part) part.focus();
      else if (again && again.tabIndex >= 0) again.focus();
    }
  }

  item(r, i) {
    const { item, group } = r;
    const ruled = r.reason.startsWith("the chair's ruling");
    const attrs = {
      class: `q-item${group ? ' movable' : ''}${ruled ? ' ruled' : ''}${r.voting ? ' voting' : ''}`,
      dataset: { type: item.type, id: item.id },
      ...(group ? this.order.listeners(item, group) : {}),
    };
    if (group) attrs['aria-keyshortcuts'] = 'Alt+ArrowUp Alt+ArrowDown';
    return h(
      'li',
      attrs,
      h(
        'div',
        { class: 'q-main' },
        h('span', { class: 'q-label', dir: 'auto' }, `${i + 1}. ${r.label}`),
        r.voting ? h('span', { class: 'badge status-voting' }, 'being voted on') : null,
        r.reason ? h('span', { class: 'q-reason small' }, this.reasonText(r, ruled)) : null,
      ),
      h('div', { class: 'q-actions' }, group ? this.arrows(r) : null, r.openable ? this.openButton(r) : null),
    );
  }

  /** A competing amendment's place is the tool's suggestion until the chair rules. */
  reasonText(r, ruled) {
    const a = r.item.type === 'amendment' ? this.app.amendments.get(r.item.id) : null;
    return a && !ruled && a.kind !== 'amend_amendment' ? `suggested: ${r.reason}` : r.reason;
  }

  arrows(r) {
    const move = (by) => () => this.order.move(r.item.id, r.group, by);
    return [
      r.first
        ? null
        : h('button', { type: 'button', class: 'q-move', dataset: { part: 'up' }, 'aria-label': `Move ${r.label} up (voted earlier)`, onclick: move(-1) }, '↑'),
      r.last
        ? null
        : h('button', { type: 'button', class: 'q-move', dataset: { part: 'down' }, 'aria-label': `Move ${r.label} down (voted later)`, onclick: move(1) }, '↓'),
    ];
  }

  openButton(r) {
    return h(
      'button',
      {
        type: 'button',
        class: 'q-open',
        dataset: { part: 'open' },
        'aria-label': `Open a poll on ${r.label}`,
        onclick: () => this.openPoll(r.item.type, r.item.id),
      },
      'Open poll',
    );
  }

  /** Outside formal mode the queue is for reading: say why nothing can be put to the vote. */
  renderNote() {
    const status = this.app.draft.status;
    const note = $('#chair-queue-note');
    note.hidden = status === 'formal';
    note.textContent =
      status === 'drafting'
        ? 'Votes are taken in formal mode: switch the draft to formal to put questions to the vote.'
        : `The draft is ${(MODE_NAMES[status] || status).toLowerCase()}: no votes are taken on it now.`;
    $('#chair-queue-hint').hidden = status !== 'formal';
  }

  /** The console's bar: the open poll and how it stands, or the next question and its button. */
  renderNext(rows, poll) {
    const summary = $('#chair-queue-summary');
    const openNext = $('#chair-open-next');
    const next = rows.find((r) => r.openable);
    if (isOpen(poll)) {
      summary.textContent = `Voting on ${poll.subject && poll.subject.label ? poll.subject.label : 'the open poll'}: ${standing(poll)}`;
    } else if (this.app.draft.status !== 'formal') {
      summary.textContent = `${MODE_NAMES[this.app.draft.status] || this.app.draft.status} mode: no votes now`;
    } else if (next) {
      const after = rows.length - rows.indexOf(next) - 1;
      summary.textContent = `Next in the queue: ${next.label}${after ? ` (then ${after} more)` : ''}`;
    } else {
      summary.textContent = 'Nothing can be put to the vote now.';
    }
    openNext.hidden = isOpen(poll) || !next;
    if (next) {
      openNext.setAttribute('aria-label', `Open a poll on ${next.label}`);
      openNext.onclick = () => this.openPoll(next.item.type, next.item.id);
    }
    const whole = rows.find((r) => r.item.type === 'draft');
    $('#chair-whole').hidden = !(whole && whole.openable);
  }

  /** The poll line and its buttons: Close (not while the quorum is lost), Suspend (then). */
  renderPoll() {
    const poll = this.app.currentPoll ? this.app.currentPoll() : null;
    const open = isOpen(poll);
    const lost = quorumLost(poll);
    for (const id of ['#chair-close-poll', '#chair-close-poll-bar']) {
      const b = $(id);
      b.hidden = !open;
      b.disabled = lost;
      b.title = lost ? quorumText(poll) : '';
    }
    $('#chair-suspend-poll').hidden = !lost;
    $('#chair-suspend-poll-bar').hidden = !lost;
    $('#chair-poll-summary-why').textContent = lost ? quorumText(poll) : '';
    let text = 'No poll open.';
    if (open) {
      text = `Poll open (${RULE_SHORT[poll.rule] || poll.rule}, ${KIND_SHORT[poll.kind] || poll.kind}): ${standing(poll)}.`;
    } else if (poll && poll.state === 'suspended') {
      text = 'The last vote was suspended without a decision.';
    } else if (poll && poll.result) {
      text = `Last result: ${poll.result.explanation}`;
    }
    fill($('#chair-poll'), text);
  }

  /** Fetch the queue again (amendments changed, a poll ended, a ruling), once things settle. */
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
