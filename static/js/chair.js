/**
 * The chair's console (the page renders it only for the chair; the server checks anyway):
 * the mode, the voting queue in suggested order, opening and closing polls, the vote on the
 * whole, the sponsors, and the record of proceedings.
 */
import { api } from './net.js';
import { $, fill, h, openDialog, toast } from './dom.js';
import { MODE_ACTIONS, MODE_CHANGES, MODE_NAMES, RULE_SHORT, clauseLabel } from './labels.js';

export function initChair(app) {
  const consoleEl = $('#chair-console');
  if (!consoleEl) return;
  const rule = $('#poll-rule');
  const kind = $('#poll-kind');
  const seconds = $('#poll-seconds');
  rule.value = app.conference.majority;

  function syncSeconds() {
    $('#poll-seconds-field').hidden = rule.value !== 'consensus';
  }
  rule.addEventListener('change', syncSeconds);
  syncSeconds();

  async function openPoll(subjectType, subjectId) {
    const payload = {
      draft_id: app.draftId,
      subject_type: subjectType,
      subject_id: subjectId,
      rule: rule.value,
      kind: kind.value,
    };
    if (rule.value === 'consensus') payload.seconds = Number(seconds.value) || 60;
    try {
      await app.request('poll:open', payload);
    } catch (err) {
      app.refused(err);
    }
  }

  function queueLabel(item) {
    if (item.label) return item.label;
    if (item.type === 'draft') return 'The draft as a whole';
    if (item.type === 'clause') return clauseLabel(app.index.get(item.id));
    const a = app.amendments.get(item.id);
    return a ? `Amendment #${a.number}` : `Amendment ${item.id}`;
  }

  function renderMode() {
    const status = app.draft.status;
    fill(
      $('#chair-mode'),
      h('span', { class: 'muted' }, 'Mode: '),
      h('strong', null, MODE_NAMES[status] || status),
      ' ',
      (MODE_CHANGES[status] || []).map((to) =>
        h(
          'button',
          {
            type: 'button',
            class: to === 'formal' || to === 'adopted' ? 'primary' : '',
            dataset: { mode: to },
            onclick: async () => {
              try {
                await app.request('mode:set', { draft_id: app.draftId, mode: to });
              } catch (err) {
                app.refused(err);
              }
            },
          },
          MODE_ACTIONS[to] || to,
        ),
      ),
    );
  }

  function renderQueue() {
    const poll = app.currentPoll ? app.currentPoll() : null;
    const open = poll && poll.state === 'open';
    const items = app.queue.length ? app.queue : [{ type: 'draft', id: app.draftId }];
    fill(
      $('#chair-queue'),
      items.map((item, i) =>
        h(
          'li',
          { dataset: { type: item.type, id: item.id } },
          h('span', { class: 'q-label', dir: 'auto' }, `${i + 1}. ${queueLabel(item)}`),
          ' ',
          h(
            'button',
            {
              type: 'button',
              disabled: open,
              'aria-label': `Open a poll on ${queueLabel(item)}`,
              onclick: () => openPoll(item.type, item.id),
            },
            'Open poll',
          ),
        ),
      ),
    );
    const next = items[0];
    const summary = $('#chair-queue-summary');
    const openNext = $('#chair-open-next');
    if (open) {
      summary.textContent = `Voting on ${poll.subject && poll.subject.label ? poll.subject.label : 'the open poll'}: ${poll.cast ?? 0}${poll.entitled ? ` of ${poll.entitled}` : ''} ballots cast`;
    } else {
      summary.textContent = `Next in the queue: ${queueLabel(next)}${items.length > 1 ? ` (then ${items.length - 1} more)` : ''}`;
    }
    openNext.hidden = Boolean(open);
    openNext.setAttribute('aria-label', `Open a poll on ${queueLabel(next)}`);
    openNext.onclick = () => openPoll(next.type, next.id);
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

  let refreshTimer = 0;
  function refreshQueue() {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(async () => {
      try {
        const reply = await app.request('amendments:list', { draft_id: app.draftId });
        app.queue = reply.queue || [];
        for (const a of reply.amendments || []) app.amendments.set(a.id, a);
        renderQueue();
      } catch {
        /* the next change refreshes it again */
      }
    }, 150);
  }

  $('#chair-whole').addEventListener('click', () => openPoll('draft', app.draftId));
  async function closePoll() {
    const poll = app.currentPoll();
    if (!poll) return;
    try {
      await app.request('poll:close', { poll_id: poll.id });
    } catch (err) {
      app.refused(err);
    }
  }
  $('#chair-close-poll').addEventListener('click', closePoll);
  $('#chair-close-poll-bar').addEventListener('click', closePoll);

  // The record of proceedings, in a dialog.
  const recordDialog = $('#record-dialog');
  $('#chair-record').addEventListener('click', async () => {
    fill($('#record-text'), 'Loading…');
    openDialog(recordDialog);
    try {
      const reply = await app.request('record:get', { draft_id: app.draftId, format: 'md' });
      const record = typeof reply.record === 'string' ? reply.record : JSON.stringify(reply.record, null, 2);
      fill($('#record-text'), record || 'Nothing is in the record yet.');
    } catch (err) {
      fill($('#record-text'), err.message);
    }
  });

  // Sponsors: who must accept an amendment for it to be friendly.
  const sponsorsDialog = $('#sponsors-dialog');
  $('#chair-sponsors').addEventListener('click', async () => {
    const list = $('#sponsors-list');
    fill(list, h('p', { class: 'muted' }, 'Loading…'));
    openDialog(sponsorsDialog);
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
  });
  $('#sponsors-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const ids = [...$('#sponsors-list').querySelectorAll('input:checked')].map((i) => Number(i.value));
    try {
      const d = await api('PUT', `/api/drafts/${app.draftId}/sponsors`, { sponsors: ids });
      app.draft.sponsors = d.sponsors;
      app.emit('amendments');
      sponsorsDialog.close();
      toast('Sponsors saved.');
    } catch (err) {
      toast(err.message, { error: true });
    }
  });
  $('#sponsors-cancel').addEventListener('click', () => sponsorsDialog.close());
  $('#record-close').addEventListener('click', () => recordDialog.close());

  function expand(open) {
    $('#chair-toggle').setAttribute('aria-expanded', String(open));
    $('#chair-body').hidden = !open;
    try {
      localStorage.setItem('drafting:chair-open', open ? '1' : '0');
    } catch {
      /* not remembered */
    }
  }
  $('#chair-toggle').addEventListener('click', () => {
    expand($('#chair-toggle').getAttribute('aria-expanded') !== 'true');
  });
  try {
    if (localStorage.getItem('drafting:chair-open') === '1') expand(true);
  } catch {
    /* closed by default */
  }

  app.on('mode', () => {
    renderMode();
    renderQueue();
  });
  app.on('joined', () => {
    renderMode();
    renderQueue();
  });
  app.on('queue', renderQueue);
  app.on('amendment-changed', refreshQueue);
  app.on('poll', (poll) => {
    renderQueue();
    if (poll && poll.state === 'closed') refreshQueue();
  });
  app.on('outline', renderQueue);
  renderMode();
  renderQueue();
}
