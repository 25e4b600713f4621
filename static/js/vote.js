/**
 * The vote: the poll in progress (or the last result) and my ballot in it. When the chair opens
 * a poll it takes the screen (the sheet, votesheet.js) for those who vote; the ballot can be
 * changed until the poll closes; the result is announced to all. The banner above the document
 * (#poll-banner) says a vote is open and brings the sheet back.
 */
import { $, announce, fill } from './dom.js';
import { RULES, RULE_SHORT } from './labels.js';
import { CHOICE_NAMES, VoteSheet, subjectTitle } from './votesheet.js';

/** My ballots: the choice and a secret ballot's receipt, kept for the tab's life. */
class Ballots {
  constructor() {
    this.receipts = new Map();
  }

  key(p, what) {
    return `drafting:${what}:${p.id}`;
  }

  stored(p, what) {
    try {
      return sessionStorage.getItem(this.key(p, what));
    } catch {
      return null;
    }
  }

  store(p, what, value) {
    try {
      sessionStorage.setItem(this.key(p, what), value);
    } catch {
      /* private mode: the receipt lives in memory only */
    }
  }

  receipt(p) {
    return this.receipts.get(p.id) || this.stored(p, 'receipt');
  }

  keepReceipt(p, receipt) {
    this.receipts.set(p.id, receipt);
    this.store(p, 'receipt', receipt);
  }
}

/** The banner above the document while a poll is open, or with its result. */
class PollBanner {
  /** @param hooks  {show()}: its button brings the sheet up */
  constructor(app, hooks) {
    this.app = app;
    this.el = $('#poll-banner');
    $('#poll-banner-show').addEventListener('click', () => hooks.show());
  }

  hide() {
    this.el.hidden = true;
  }

  render(poll, choice, voter) {
    const open = poll.state === 'open';
    const title = subjectTitle(this.app, poll);
    this.el.hidden = false;
    this.el.className = `poll-banner ${open ? 'open' : `closed outcome-${poll.result ? poll.result.outcome : ''}`}`;
    fill(
      $('#poll-banner-text'),
      open
        ? `Vote open: ${title} (${RULE_SHORT[poll.rule] || poll.rule}, ${poll.kind})` +
            (voter ? (choice ? ` · you voted ${CHOICE_NAMES[choice]}` : ' · you have not voted') : '')
        : `${title}: ${poll.result ? poll.result.explanation : 'closed'}`,
    );
    $('#poll-banner-show').textContent = open ? 'Show the vote' : 'Show the result';
  }
}

export class Vote {
  constructor(app) {
    this.app = app;
    this.poll = null;
    this.mine = null; // my choice in the open poll
    this.ballots = new Ballots();
    this.sheet = new VoteSheet(app, {
      vote: (choice) => this.cast(choice),
      closePoll: () => this.closePoll(),
    });
    this.banner = new PollBanner(app, { show: () => this.sheet.show() });
  }

  myChoice(p) {
    if (p.tally && Array.isArray(p.tally.votes)) {
      const v = p.tally.votes.find((x) => x.participant_id === this.app.me.id);
      if (v) return v.choice;
    }
    return this.mine || this.ballots.stored(p, 'choice');
  }

  render() {
    const poll = this.poll;
    if (!poll) {
      this.banner.hide();
      this.sheet.close();
      return;
    }
    const choice = poll.state === 'open' ? this.myChoice(poll) : null;
    this.sheet.render(poll, choice);
    this.banner.render(poll, choice, this.sheet.voter);
  }

  async cast(choice) {
    const poll = this.poll;
    if (!poll || poll.state !== 'open') return;
    const payload = { poll_id: poll.id, choice };
    const receipt = this.ballots.receipt(poll);
    if (receipt) payload.receipt = receipt;
    this.sheet.setError('');
    try {
      const reply = await this.app.request('poll:vote', payload);
      if (reply.receipt) this.ballots.keepReceipt(poll, reply.receipt);
      this.mine = reply.choice || choice;
      this.ballots.store(poll, 'choice', this.mine);
      if (typeof reply.cast === 'number') poll.cast = reply.cast;
      announce(`Your vote: ${CHOICE_NAMES[this.mine]}. You can change it until the poll closes.`);
      this.render();
    } catch (err) {
      this.sheet.setError(err.message);
      announce(err.message, { urgent: true });
    }
  }

  async closePoll() {
    if (!this.poll) return;
    try {
      await this.app.request('poll:close', { poll_id: this.poll.id });
    } catch (err) {
      this.sheet.setError(err.message);
    }
  }

  /** A poll on an amendment we have not heard of yet: fetch the amendments. */
  ensureSubject(p) {
    const app = this.app;
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

  /** From join (or a rejoin): the open poll, or none. Keep a closed result on screen. */
  joined(p) {
    if (p) {
      const fresh = !this.poll || this.poll.id !== p.id;
      this.poll = p;
      if (fresh) this.mine = null;
      this.ensureSubject(p);
      this.render();
      if (fresh && p.state === 'open') this.sheet.show();
    } else if (this.poll && this.poll.state === 'open') {
      this.poll = null;
      this.render();
    }
  }

  opened(p) {
    this.poll = p;
    this.mine = null;
    this.ensureSubject(p);
    this.render();
    this.sheet.show();
    announce(`Vote open: ${subjectTitle(this.app, p)}. ${RULES[p.rule] || p.rule}.`, { urgent: true });
  }

  /** Ballots cast: counts are whole; votes are only those cast or changed since the last. */
  tallied(msg) {
    const poll = this.poll;
    if (!poll || poll.id !== msg.poll_id) return false;
    poll.cast = msg.cast;
    if (msg.tally) {
      const votes = new Map(((poll.tally && poll.tally.votes) || []).map((v) => [v.participant_id, v]));
      for (const v of msg.tally.votes || []) votes.set(v.participant_id, v);
      poll.tally = { ...msg.tally, votes: [...votes.values()] };
    }
    this.render();
    return true;
  }

  closed(p) {
    this.poll = p;
    this.render();
    if (!this.sheet.open) this.sheet.show();
    const explanation = p.result ? p.result.explanation : 'The poll is closed.';
    announce(`${subjectTitle(this.app, p)}: ${explanation}`, { urgent: true });
  }
}

export function initVote(app) {
  const vote = new Vote(app);
  // Each change of the poll is told to the rest of the screen (the chair's console) as `poll`.
  const told = () => app.emit('poll', vote.poll);
  app.on('poll-state', (p) => {
    vote.joined(p);
    told();
  });
  app.on('poll-opened', (p) => {
    vote.opened(p);
    told();
  });
  app.on('poll-tally', (msg) => {
    if (vote.tallied(msg)) told();
  });
  app.on('poll-closed', (p) => {
    vote.closed(p);
    told();
  });
  app.on('amendments', () => {
    if (vote.poll) vote.render();
  });
  app.currentPoll = () => vote.poll;
  return vote;
}
