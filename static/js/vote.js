/**
 * The vote: when the chair opens a poll, it takes the screen (a full-screen sheet on a phone)
 * with what is voted on, the rule, the kind, and large Yes / No / Abstain buttons for those
 * who vote. The ballot can be changed until the poll closes; the result is announced to all.
 */
import { $, announce, fill, h, openDialog, trackChangesNode } from './dom.js';
import { KINDS, RULES, RULE_SHORT, clauseLabel, who } from './labels.js';

const CHOICE_NAMES = { yes: 'Yes', no: 'No', abstain: 'Abstain' };

export function initVote(app) {
  const sheet = $('#vote-dialog');
  const banner = $('#poll-banner');
  const voter = app.me.role === 'delegate';
  let poll = null;
  let mine = null; // my choice in the open poll
  let countdown = 0;

  const store = {
    key: (p, what) => `drafting:${what}:${p.id}`,
    get(p, what) {
      try {
        return sessionStorage.getItem(this.key(p, what));
      } catch {
        return null;
      }
    },
    set(p, what, value) {
      try {
        sessionStorage.setItem(this.key(p, what), value);
      } catch {
        /* private mode: the receipt lives in memory only */
      }
    },
  };
  const receipts = new Map();

  function subjectTitle(p) {
    if (p.subject_type === 'draft') return `The draft as a whole: ${app.draft.title || ''}`;
    if (p.subject_type === 'clause') return clauseLabel(app.index.get(p.subject_id));
    const a = app.amendments.get(p.subject_id) || (p.subject && p.subject.amendment);
    if (!a) return (p.subject && p.subject.label) || `Amendment ${p.subject_id}`;
    const c = app.index.get(a.clause_id);
    return c ? `Amendment #${a.number} to ${clauseLabel(c).toLowerCase()}` : `Amendment #${a.number}`;
  }

  function subjectBody(p) {
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

  function myChoice(p) {
    if (p.tally && Array.isArray(p.tally.votes)) {
      const v = p.tally.votes.find((x) => x.participant_id === app.me.id);
      if (v) return v.choice;
    }
    return mine || store.get(p, 'choice');
  }

  function tallyNode(p) {
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

  async function vote(choice) {
    if (!poll || poll.state !== 'open') return;
    const payload = { poll_id: poll.id, choice };
    const receipt = receipts.get(poll.id) || store.get(poll, 'receipt');
    if (receipt) payload.receipt = receipt;
    const p = poll;
    $('#vote-error').textContent = '';
    try {
      const reply = await app.request('poll:vote', payload);
      if (reply.receipt) {
        receipts.set(p.id, reply.receipt);
        store.set(p, 'receipt', reply.receipt);
      }
      mine = reply.choice || choice;
      store.set(p, 'choice', mine);
      if (typeof reply.cast === 'number') p.cast = reply.cast;
      announce(`Your vote: ${CHOICE_NAMES[mine]}. You can change it until the poll closes.`);
      render();
    } catch (err) {
      $('#vote-error').textContent = err.message;
      announce(err.message, { urgent: true });
    }
  }

  function render() {
    if (!poll) {
      banner.hidden = true;
      if (sheet.open) sheet.close();
      return;
    }
    const open = poll.state === 'open';
    const choice = open ? myChoice(poll) : null;
    const consensus = poll.rule === 'consensus';
    $('#vote-title').textContent = `${open ? 'Vote' : 'Result'} · ${subjectTitle(poll)}`;
    fill(
      $('#vote-rule'),
      h('span', null, `Rule: ${RULES[poll.rule] || poll.rule}`),
      h('br'),
      h('span', null, KINDS[poll.kind] || poll.kind),
    );
    fill($('#vote-subject'), subjectBody(poll));
    const buttons = $('#vote-buttons');
    buttons.hidden = !(voter && open);
    for (const btn of buttons.querySelectorAll('button')) {
      const c = btn.dataset.choice;
      btn.setAttribute('aria-pressed', String(choice === c));
      btn.querySelector('.label').textContent =
        consensus && c === 'no' ? 'Object' : consensus && c === 'yes' ? 'Support' : CHOICE_NAMES[c];
    }
    $('#vote-mine').textContent =
      voter && open
        ? choice
          ? `You voted: ${CHOICE_NAMES[choice].toUpperCase()} (you can change it until the poll closes)`
          : 'You have not voted yet.'
        : open && app.me.role === 'observer'
          ? 'Observers follow the vote but do not vote.'
          : open && app.me.role === 'chair'
            ? 'The chair presides and does not vote.'
            : '';
    $('#vote-as').textContent = voter && open ? `Voting as ${who(app.me.name, app.me.delegation)}` : '';
    $('#vote-cast').textContent =
      `Ballots cast: ${poll.result ? poll.result.cast ?? poll.cast : poll.cast ?? 0}` +
      (poll.entitled ? ` of ${poll.entitled}` : '');
    fill($('#vote-tally'), tallyNode(poll));
    const result = $('#vote-result');
    if (poll.result) {
      result.hidden = false;
      result.className = `result outcome-${poll.result.outcome}`;
      result.textContent = poll.result.explanation || poll.result.outcome;
    } else {
      result.hidden = true;
    }
    $('#vote-close').hidden = !(app.me.role === 'chair' && open);
    renderCountdown();

    banner.hidden = false;
    banner.className = `poll-banner ${open ? 'open' : `closed outcome-${poll.result ? poll.result.outcome : ''}`}`;
    fill(
      $('#poll-banner-text'),
      open
        ? `Vote open: ${subjectTitle(poll)} (${RULE_SHORT[poll.rule] || poll.rule}, ${poll.kind})` +
            (voter ? (choice ? ` · you voted ${CHOICE_NAMES[choice]}` : ' · you have not voted') : '')
        : `${subjectTitle(poll)}: ${poll.result ? poll.result.explanation : 'closed'}`,
    );
    $('#poll-banner-show').textContent = open ? 'Show the vote' : 'Show the result';
  }

  function renderCountdown() {
    window.clearInterval(countdown);
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
      if (left <= 0) window.clearInterval(countdown);
    };
    tick();
    countdown = window.setInterval(tick, 1000);
  }

  function show() {
    if (!sheet.open) openDialog(sheet);
    const pressed = sheet.querySelector('#vote-buttons:not([hidden]) button[aria-pressed=true]');
    const first = sheet.querySelector('#vote-buttons:not([hidden]) button');
    (pressed || first || $('#vote-hide')).focus();
  }

  for (const btn of $('#vote-buttons').querySelectorAll('button')) {
    btn.addEventListener('click', () => vote(btn.dataset.choice));
  }
  $('#vote-hide').addEventListener('click', () => sheet.close());
  $('#poll-banner-show').addEventListener('click', show);
  $('#vote-close').addEventListener('click', async () => {
    if (!poll) return;
    try {
      await app.request('poll:close', { poll_id: poll.id });
    } catch (err) {
      $('#vote-error').textContent = err.message;
    }
  });

  function ensureSubject(p) {
    if (p.subject_type === 'amendment' && !app.amendments.has(p.subject_id)) {
      app
        .request('amendments:list', { draft_id: app.draftId })
        .then((reply) => {
          for (const a of reply.amendments || []) app.amendments.set(a.id, a);
          app.queue = reply.queue || app.queue;
          app.emit('amendments');
          app.emit('queue');
        })
        .catch(() => {});
    }
  }

  app.on('poll-state', (p) => {
    // From join (or a rejoin): the open poll, or none. Keep a closed result on screen.
    if (p) {
      const fresh = !poll || poll.id !== p.id;
      poll = p;
      if (fresh) mine = null;
      ensureSubject(p);
      render();
      if (fresh && p.state === 'open') show();
    } else if (poll && poll.state === 'open') {
      poll = null;
      render();
    }
    app.emit('poll', poll);
  });

  app.on('poll-opened', (p) => {
    poll = p;
    mine = null;
    ensureSubject(p);
    render();
    show();
    announce(`Vote open: ${subjectTitle(p)}. ${RULES[p.rule] || p.rule}.`, { urgent: true });
    app.emit('poll', poll);
  });

  app.on('poll-tally', (msg) => {
    if (!poll || poll.id !== msg.poll_id) return;
    poll.cast = msg.cast;
    if (msg.tally) {
      // counts are whole; votes are only those cast or changed since the last message
      const votes = new Map(((poll.tally && poll.tally.votes) || []).map((v) => [v.participant_id, v]));
      for (const v of msg.tally.votes || []) votes.set(v.participant_id, v);
      poll.tally = { ...msg.tally, votes: [...votes.values()] };
    }
    render();
    app.emit('poll', poll);
  });

  app.on('poll-closed', (p) => {
    poll = p;
    render();
    if (!sheet.open) show();
    const explanation = p.result ? p.result.explanation : 'The poll is closed.';
    announce(`${subjectTitle(p)}: ${explanation}`, { urgent: true });
    app.emit('poll', poll);
  });

  app.on('amendments', () => {
    if (poll) render();
  });

  app.currentPoll = () => poll;
}
