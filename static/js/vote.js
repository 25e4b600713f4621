/**
 * The vote: the poll in progress (or the last result) and my delegation's ballot in it. When
 * the chair opens a poll it takes the screen (the sheet, votesheet.js) for those who vote; the
 * ballot can be changed until the poll closes; the result is announced to all. The banner
 * above the document (#poll-banner) says a vote is open, and how it stands, and brings the
 * sheet back. Members vote, not people: a ballot is the delegation's (`member_id`), whichever
 * of its representatives casts it.
 */
import { $, announce, fill } from './dom.js';
import { CHOICE_NAMES, RULES, RULE_SHORT, KIND_SHORT } from './labels.js';
import { quorumText, standing } from './polltext.js';
import { VoteSheet, subjectTitle } from './votesheet.js';

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
      if (value === null) sessionStorage.removeItem(this.key(p, what));
      else sessionStorage.setItem(this.key(p, what), value);
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

  render(poll, mine, voter) {
    const open = poll.state === 'open';
    const title = subjectTitle(this.app, poll);
    const outcome = poll.result ? poll.result.outcome : poll.state;
    this.el.hidden = false;
    this.el.className = `poll-banner ${open ? 'open' : `closed outcome-${outcome}`}`;
    let text;
    if (open) {
      const choice = mine && mine.choice;
      text =
        `Vote open: ${title} (${RULE_SHORT[poll.rule] || poll.rule}, ${KIND_SHORT[poll.kind] || poll.kind})` +
        (voter ? (choice ? ` · your delegation voted ${CHOICE_NAMES[choice]}` : ' · you have not voted') : '') +
        ` · ${standing(poll)}`;
    } else if (poll.state === 'suspended') {
      text = `${title}: the vote was suspended without a decision`;
    } else {
      text = `${title}: ${poll.result ? poll.result.explanation : 'closed'}`;
    }
    fill($('#poll-banner-text'), text);
    $('#poll-banner-show').textContent = open ? 'Show the vote' : 'Show the result';
  }
}

export class Vote {
  constructor(app) {
    this.app = app;
    this.poll = null;
    this.mine = null; // my delegation's choice in the open poll, as this screen cast it
    this.ballots = new Ballots();
    this.resyncing = false;
    this.sheet = new VoteSheet(app, {
      vote: (choice) => this.cast(choice),
      object: () => this.object(),
      withdrawObjection: () => this.withdrawObjection(),
      closePoll: () => this.closePoll().catch((err) => this.sheet.setError(err.message)),
      suspendPoll: () => this.suspendPoll().catch((err) => this.sheet.setError(err.message)),
    });
    this.banner = new PollBanner(app, { show: () => this.sheet.show() });
  }

  /** My delegation's ballot: from a recorded poll's votes (with who cast it), else my own. */
  myVote(p) {
    const me = this.app.me;
    if (p.tally && Array.isArray(p.tally.votes) && me.member_id != null) {
      const v = p.tally.votes.find((x) => x.member_id === me.member_id);
      if (v) return { choice: v.choice, by: v.participant_id === me.id ? null : v.name };
    }
    const choice = this.mine || this.ballots.stored(p, 'choice');
    return choice ? { choice, by: null } : null;
  }

  render() {
    const poll = this.poll;
    if (!poll) {
      this.banner.hide();
      this.sheet.close();
      return;
    }
    const mine = poll.state === 'open' ? this.myVote(poll) : null;
    this.sheet.render(poll, mine);
    this.banner.render(poll, mine, this.sheet.voter);
  }

  /** Keep my ballot (or its withdrawal) and the count the server gave back. */
  noted(poll, choice, reply) {
    this.mine = choice;
    this.ballots.store(poll, 'choice', choice);
    if (typeof reply.cast === 'number') poll.cast = reply.cast;
    const votes = poll.tally && poll.tally.votes;
    if (Array.isArray(votes)) {
      const me = this.app.me;
      const before = votes.find((v) => v.member_id === me.member_id);
      const others = votes.filter((v) => v !== before);
      const delegation = me.delegation || me.name;
      const v = { member_id: me.member_id, delegation, weight: 1, ...before, choice, participant_id: me.id, name: me.name };
      poll.tally.votes = choice ? [...others, v] : others;
      // the counts follow at once; the next poll:tally brings the server's
      if (before && before.choice in poll.tally) poll.tally[before.choice] -= v.weight;
      if (choice && choice in poll.tally) poll.tally[choice] += v.weight;
    }
    this.render();
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
      this.noted(poll, reply.choice || choice, reply);
      announce(`Your delegation's vote: ${CHOICE_NAMES[this.mine]}. You can change it until the poll closes.`);
    } catch (err) {
      this.sheet.setError(err.message);
      announce(err.message, { urgent: true });
    }
  }

  /** A consensus: object, or withdraw the objection; the keyboard moves to the other button. */
  async object() {
    await this.consensus('poll:object', 'no', 'Your delegation objects: there is no consensus unless it is withdrawn.');
  }

  async withdrawObjection() {
    await this.consensus('poll:withdraw_objection', null, 'Your delegation withdrew its objection.');
  }

  async consensus(event, choice, said) {
    const poll = this.poll;
    if (!poll || poll.state !== 'open') return;
    this.sheet.setError('');
    try {
      const reply = await this.app.request(event, { poll_id: poll.id });
      this.noted(poll, choice, reply);
      announce(said);
      $(choice ? '#vote-withdraw-objection' : '#vote-object').focus();
    } catch (err) {
      this.sheet.setError(err.message);
      announce(err.message, { urgent: true });
    }
  }

  /** The chair's: close (refused while the quorum is lost) or suspend the open poll. */
  async closePoll() {
    if (this.poll) await this.app.request('poll:close', { poll_id: this.poll.id });
  }

  async suspendPoll() {
    if (this.poll) await this.app.request('poll:suspend', { poll_id: this.poll.id });
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

  /**
   * Ballots and presence: counts are whole; votes are only those cast or changed since the
   * last message, merged by member. A withdrawn ballot cannot be told that way: when the
   * merged votes no longer add up to the counts, the poll is fetched again.
   */
  tallied(msg) {
    const poll = this.poll;
    if (!poll || poll.id !== msg.poll_id || poll.state !== 'open') return false;
    poll.cast = msg.cast;
    const wasQuorate = poll.quorate;
    for (const key of ['present', 'quorum', 'quorate']) if (key in msg) poll[key] = msg[key];
    if (wasQuorate !== undefined && poll.quorate !== wasQuorate) {
      announce(poll.quorate ? `The quorum is back: ${quorumText(poll)}.` : quorumText(poll));
    }
    if (msg.tally) {
      const votes = new Map(((poll.tally && poll.tally.votes) || []).map((v) => [v.member_id, v]));
      for (const v of msg.tally.votes || []) votes.set(v.member_id, v);
      poll.tally = { ...msg.tally, votes: [...votes.values()] };
      if (!this.addsUp(poll.tally)) this.resync();
    }
    this.render();
    return true;
  }

  addsUp(t) {
    const sum = { yes: 0, no: 0, abstain: 0 };
    for (const v of t.votes) sum[v.choice] = (sum[v.choice] || 0) + (v.weight ?? 1);
    return sum.yes === t.yes && sum.no === t.no && sum.abstain === t.abstain;
  }

  resync() {
    if (this.resyncing) return;
    this.resyncing = true;
    this.app
      .request('draft:get', { draft_id: this.app.draftId })
      .then((reply) => {
        const p = reply.draft && reply.draft.poll;
        if (p && this.poll && p.id === this.poll.id && this.poll.state === 'open') {
          this.poll = p;
          this.render();
          this.app.emit('poll', this.poll);
        }
      })
      .catch(() => {})
      .finally(() => {
        this.resyncing = false;
      });
  }

  /** Closed with a result, or suspended without one: shown as ended, to everyone. */
  ended(p) {
    this.poll = p;
    this.mine = null;
    this.render();
    if (!this.sheet.open) this.sheet.show();
    const explanation =
      p.state === 'suspended'
        ? 'the chair suspended the vote without a decision.'
        : p.result
          ? p.result.explanation
          : 'The poll is closed.';
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
  app.on('poll-ended', (p) => {
    vote.ended(p);
    told();
  });
  app.on('amendments', () => {
    if (vote.poll) vote.render();
  });
  app.currentPoll = () => vote.poll;
  app.closePoll = () => vote.closePoll();
  app.suspendPoll = () => vote.suspendPoll();
  return vote;
}
