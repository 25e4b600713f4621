/**
 * The lists of speakers of the item under debate (`FloorPanel`): who has the floor and their
 * clock, the speech a point of order interrupted, who waits in calling order. A delegation asks
 * for the floor (a speech, for or against on a list run that way, a point of order, the right
 * of reply) and withdraws; the chair gives the floor (to the next, or to anyone waiting), ends
 * a speech (with a ruling on a point of order), moves a request within its group, removes it,
 * puts a delegation on the list, closes and reopens the list, sets its times, and opens a list
 * on a clause. The server decides; a refusal is shown as it says it.
 */
import { announce, h, toast } from './dom.js';
import { api } from './net.js';
import { KIND_NAMES, KIND_PHRASES, durationText, groupOf } from './floor.js';
import { ordinal } from './labels.js';
import { keepTyped, refill } from './refill.js';
import { SpeechTimer } from './timer.js';

/** "Morocco (Amina Benali)"; a delegation the chair put on the list has no name. */
export function speakerName(r) {
  return r.name && r.name !== r.delegation ? `${r.delegation} (${r.name})` : r.delegation;
}

/** The settings of a list in a line: "3 min a speech · replies 1 min · for and against · closed". */
export function settingsText(lst) {
  const parts = [lst.speaking_seconds ? `${durationText(lst.speaking_seconds)} a speech` : 'no time limit'];
  if (lst.reply_seconds) parts.push(`replies ${durationText(lst.reply_seconds)}`);
  if (lst.for_against) parts.push('for and against in turn');
  if (!lst.open) parts.push('closed to new speakers');
  return parts.join(' · ');
}

/** The kinds a delegation may ask for on a list, by group. */
function asks(lst) {
  return {
    ordinary: lst.for_against ? ['for', 'against'] : ['speech'],
    point_of_order: ['point_of_order'],
    reply: ['reply'],
  };
}

const ASK_LABELS = {
  speech: 'Ask to speak',
  for: 'Ask to speak for',
  against: 'Ask to speak against',
  point_of_order: 'Point of order',
  reply: 'Right of reply',
};

const WITHDRAW_LABELS = {
  ordinary: 'Withdraw my request to speak',
  point_of_order: 'Withdraw my point of order',
  reply: 'Withdraw my request for a reply',
};

export class FloorPanel {
  /**
   * @param root   where the lists are drawn
   * @param floor  the FloorState
   * @param opts   {me: {id, role, member_id, delegation}, conferenceId,
   *                clauseName(id) -> string | null: a clause's name where the page knows it,
   *                openable() -> {item_id, clause_id, label} | null: a clause the chair may open a list on}
   */
  constructor(root, floor, opts) {
    this.root = root;
    this.floor = floor;
    this.opts = opts;
    this.me = opts.me;
    this.chair = opts.me.role === 'chair';
    this.members = null; // the chair's: [{id, name}], for putting a delegation on the list
    this.busy = false;
    if (this.chair) this.loadMembers();
  }

  async loadMembers() {
    try {
      this.members = await api('GET', `/api/conferences/${this.opts.conferenceId}/members`);
      this.render();
    } catch {
      this.members = null;
    }
  }

  /** Ask the server; a refusal is shown. Returns the answer, or null. */
  async act(event, data, done) {
    try {
      const reply = await this.floor.act(event, data);
      if (done) announce(done);
      return reply;
    } catch (err) {
      toast(err.message, { error: true });
      return null;
    }
  }

  listName(lst) {
    if (lst.clause_id === null) return 'List of speakers';
    const name = this.opts.clauseName ? this.opts.clauseName(lst.clause_id) : null;
    return name ? `List of speakers on ${name.charAt(0).toLowerCase()}${name.slice(1)}` : 'List of speakers on a clause';
  }

  render() {
    const floor = this.floor;
    const item = floor.current();
    const children = [];
    if (!floor.loaded && !floor.agenda) {
      children.push(h('p', { class: 'muted' }, 'Loading the lists of speakers…'));
    } else if (!item) {
      children.push(h('p', { class: 'muted', dataset: { empty: 'floor' } }, 'No item is under debate: no list of speakers is open.'));
    } else {
      for (const lst of floor.itemLists()) children.push(this.listNode(lst));
      const openable = this.chair && this.opts.openable ? this.opts.openable() : null;
      if (openable && ![...floor.lists.values()].some((l) => l.clause_id === openable.clause_id)) {
        children.push(
          h(
            'p',
            { class: 'floor-open-clause' },
            h(
              'button',
              {
                type: 'button',
                dataset: { key: 'open-clause-list' },
                onclick: () =>
                  this.act('floor:open', { item_id: openable.item_id, clause_id: openable.clause_id }, `A list of speakers is open on ${openable.label.toLowerCase()}.`),
              },
              `Open a list of speakers on ${openable.label.toLowerCase()}`,
            ),
          ),
        );
      }
    }
    refill(this.root, children);
  }

  listNode(lst) {
    const floor = this.floor;
    const queue = floor.queue(lst);
    const speaker = lst.speaker !== null ? lst.requests.get(lst.speaker) : null;
    const interrupted = lst.interrupted !== null ? lst.requests.get(lst.interrupted) : null;
    return h(
      'section',
      { class: `speakers-list${lst.open ? '' : ' closed'}`, dataset: { list: lst.id, clause: lst.clause_id ?? '' } },
      h('h3', { class: 'list-title' }, this.listName(lst)),
      h('p', { class: 'list-settings muted small' }, settingsText(lst)),
      speaker ? this.speakerNode(lst, speaker) : null,
      interrupted ? this.interruptedNode(interrupted) : null,
      queue.length
        ? h(
            'ol',
            { class: 'floor-queue', 'aria-label': `Waiting to speak (${queue.length})` },
            queue.map((r, i) => this.requestNode(lst, r, i, queue)),
          )
        : h('p', { class: 'muted small floor-nobody' }, speaker ? 'Nobody else is waiting.' : 'Nobody is waiting to speak.'),
      this.me.role === 'delegate' ? this.askNode(lst) : null,
      this.chair ? this.chairNode(lst, queue) : null,
    );
  }

  speakerNode(lst, r) {
    const mine = this.me.member_id !== undefined && r.member_id === this.me.member_id;
    const timerEl = h('span', { class: 'speech-timer' });
    const point = r.kind === 'point_of_order';
    const node = h(
      'div',
      { class: `floor-speaker${mine ? ' mine' : ''}${point ? ' point' : ''}`, dataset: { request: r.id } },
      h('span', { class: 'floor-label' }, mine ? 'Your delegation has the floor' : 'Has the floor'),
      h('span', { class: 'floor-who', dir: 'auto' }, speakerName(r)),
      r.kind !== 'speech' ? h('span', { class: `kind-tag kind-${r.kind}` }, KIND_NAMES[r.kind] || r.kind) : null,
      timerEl,
      this.chair ? this.endNode(lst, r) : null,
    );
    new SpeechTimer(timerEl, this.floor).set(r);
    return node;
  }

  endNode(lst, r) {
    if (r.kind !== 'point_of_order') {
      return h(
        'button',
        { type: 'button', class: 'floor-end', dataset: { key: `end-${lst.id}` }, onclick: () => this.act('floor:end', { list_id: lst.id }, 'The speech is over.') },
        'End the speech',
      );
    }
    const ruling = keepTyped(
      h('input', {
        type: 'text',
        class: 'floor-ruling',
        dir: 'auto',
        maxlength: 2000,
        placeholder: 'The point is well taken…',
        'aria-label': 'The chair’s ruling on the point of order',
        dataset: { key: `ruling-${lst.id}-${r.id}` },
      }),
    );
    const rule = () => {
      const text = ruling.value.trim();
      this.act('floor:end', text ? { list_id: lst.id, ruling: text } : { list_id: lst.id }, 'The point of order is ruled on.');
    };
    ruling.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        rule();
      }
    });
    return h(
      'span',
      { class: 'floor-rule' },
      ruling,
      h('button', { type: 'button', class: 'floor-end primary', dataset: { key: `end-${lst.id}` }, onclick: rule }, 'Rule and end'),
    );
  }

  interruptedNode(r) {
    const timerEl = h('span', { class: 'speech-timer' });
    const node = h(
      'p',
      { class: 'floor-interrupted', dataset: { request: r.id } },
      'Interrupted by the point of order: ',
      h('span', { dir: 'auto' }, speakerName(r)),
      ' ',
      timerEl,
      h('span', { class: 'muted small' }, ' resumes after the ruling'),
    );
    new SpeechTimer(timerEl, this.floor).set(r);
    return node;
  }

  requestNode(lst, r, i, queue) {
    const mine = this.me.member_id !== undefined && r.member_id === this.me.member_id;
    return h(
      'li',
      { class: `floor-request kind-${r.kind}${mine ? ' mine' : ''}`, dataset: { request: r.id, kind: r.kind } },
      h('span', { class: 'floor-place' }, `${i + 1}.`),
      h('span', { class: 'floor-who', dir: 'auto' }, speakerName(r)),
      r.kind !== 'speech' ? h('span', { class: `kind-tag kind-${r.kind}` }, KIND_NAMES[r.kind]) : null,
      mine ? h('span', { class: 'muted small' }, ' (your delegation)') : null,
      this.chair ? this.requestTools(lst, r, queue) : null,
    );
  }

  /** The chair's buttons on a waiting request: give it the floor, move it in its group, remove it. */
  requestTools(lst, r, queue) {
    const side = (x) => (lst.for_against && (x.kind === 'for' || x.kind === 'against') ? x.kind : '');
    const mates = queue.filter((x) => groupOf(x.kind) === groupOf(r.kind) && side(x) === side(r));
    const at = mates.indexOf(r);
    const who = speakerName(r);
    const move = (after) => this.act('floor:move', { request_id: r.id, after_id: after }, `${who} moved.`);
    return h(
      'span',
      { class: 'floor-tools' },
      h(
        'button',
        {
          type: 'button',
          class: 'small-button',
          dataset: { key: `give-${r.id}` },
          'aria-label': `Give the floor to ${who}`,
          onclick: () => this.act('floor:give', { list_id: lst.id, request_id: r.id }, `${who} has the floor.`),
        },
        'Give the floor',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'small-button icon',
          dataset: { key: `up-${r.id}` },
          disabled: at <= 0,
          'aria-label': `Move ${who} up`,
          onclick: () => move(at <= 1 ? null : mates[at - 2].id),
        },
        '↑',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'small-button icon',
          dataset: { key: `down-${r.id}` },
          disabled: at < 0 || at >= mates.length - 1,
          'aria-label': `Move ${who} down`,
          onclick: () => move(mates[at + 1].id),
        },
        '↓',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'small-button',
          dataset: { key: `remove-${r.id}` },
          'aria-label': `Take ${who} off the list`,
          onclick: () => this.act('floor:withdraw', { request_id: r.id }, `${who} is off the list.`),
        },
        'Remove',
      ),
    );
  }

  /** A delegation's buttons: ask for the floor, or withdraw its waiting request, per group. */
  askNode(lst) {
    const memberId = this.me.member_id;
    if (memberId === undefined || memberId === null) return null;
    const waiting = this.floor.waitingOf(lst, memberId);
    const buttons = [];
    for (const [group, kinds] of Object.entries(asks(lst))) {
      const mineHere = waiting.find((r) => groupOf(r.kind) === group);
      if (mineHere) {
        const place = this.floor.queue(lst).indexOf(mineHere) + 1;
        buttons.push(
          h(
            'button',
            {
              type: 'button',
              class: 'floor-withdraw',
              dataset: { key: `withdraw-${lst.id}-${group}` },
              'aria-label': `${WITHDRAW_LABELS[group]} (${ordinal(place)} on the list)`,
              onclick: () => this.act('floor:withdraw', { request_id: mineHere.id }, 'Your request is withdrawn.'),
            },
            `${WITHDRAW_LABELS[group]} (${ordinal(place)})`,
          ),
        );
        continue;
      }
      for (const kind of kinds) {
        const closed = group === 'ordinary' && !lst.open;
        buttons.push(
          h(
            'button',
            {
              type: 'button',
              class: `floor-ask ask-${kind}`,
              dataset: { key: `ask-${lst.id}-${kind}`, kind },
              disabled: closed,
              title: closed ? 'The list is closed to new speakers: points of order and replies are still taken.' : null,
              onclick: async () => {
                const reply = await this.act('floor:ask', { list_id: lst.id, kind });
                if (reply) {
                  const l = this.floor.lists.get(lst.id);
                  const place = l ? l.order.indexOf(reply.request_id) + 1 : 0;
                  announce(`You asked for ${KIND_PHRASES[kind]}${place ? `: ${ordinal(place)} on the list` : ''}.`);
                }
              },
            },
            ASK_LABELS[kind],
          ),
        );
      }
    }
    return h('div', { class: 'floor-asks', role: 'group', 'aria-label': 'Ask for the floor' }, buttons);
  }

  /** The chair's controls of a list. */
  chairNode(lst, queue) {
    const next = queue[0];
    return h(
      'div',
      { class: 'floor-chair' },
      h(
        'div',
        { class: 'floor-chair-main' },
        h(
          'button',
          {
            type: 'button',
            class: 'primary floor-give-next',
            dataset: { key: `give-next-${lst.id}` },
            disabled: !next,
            onclick: () => this.act('floor:give', { list_id: lst.id }, next ? `${speakerName(next)} has the floor.` : ''),
          },
          next ? `Give the floor: ${speakerName(next)}` : 'Give the floor to the next',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'floor-close',
            dataset: { key: `close-${lst.id}` },
            onclick: () =>
              lst.open
                ? this.act('floor:close', { list_id: lst.id }, 'The list of speakers is closed.')
                : this.act('floor:reopen', { list_id: lst.id }, 'The list of speakers is open again.'),
          },
          lst.open ? 'Close the list' : 'Reopen the list',
        ),
      ),
      this.settingsNode(lst),
      this.placeNode(lst),
    );
  }

  settingsNode(lst) {
    const speaking = keepTyped(
      h('input', {
        type: 'number',
        min: 0,
        max: 3600,
        step: 1,
        inputmode: 'numeric',
        class: 'floor-seconds',
        value: String(lst.speaking_seconds ?? 0),
        dataset: { key: `speaking-${lst.id}` },
      }),
    );
    const reply = keepTyped(
      h('input', {
        type: 'number',
        min: 0,
        max: 3600,
        step: 1,
        inputmode: 'numeric',
        class: 'floor-reply-seconds',
        value: String(lst.reply_seconds ?? 0),
        dataset: { key: `reply-${lst.id}` },
      }),
    );
    const sides = keepTyped(h('input', { type: 'checkbox', class: 'floor-for-against', checked: lst.for_against, dataset: { key: `sides-${lst.id}` } }));
    const form = h(
      'form',
      {
        class: 'floor-settings',
        onsubmit: async (e) => {
          e.preventDefault();
          const reply2 = await this.act(
            'floor:settings',
            {
              list_id: lst.id,
              speaking_seconds: Number(speaking.value) || 0,
              reply_seconds: Number(reply.value) || 0,
              for_against: sides.checked,
            },
            'The list’s times are set.',
          );
          if (reply2) {
            for (const f of form.querySelectorAll('[data-typed]')) delete f.dataset.typed;
            this.render();
          }
        },
      },
      h('label', null, 'Speaking time (seconds; 0: no limit) ', speaking),
      h('label', null, 'Replies (seconds; 0: as a speech) ', reply),
      h('label', { class: 'check' }, sides, ' For and against in turn'),
      h('button', { type: 'submit', dataset: { key: `settings-${lst.id}` } }, 'Set'),
    );
    return h('details', { class: 'floor-more', dataset: { key: `settings-open-${lst.id}` } }, h('summary', null, 'Speaking time and order'), form);
  }

  /** The chair puts a delegation on the list (its placard raised). */
  placeNode(lst) {
    if (!Array.isArray(this.members) || !this.members.length) return null;
    const member = keepTyped(
      h(
        'select',
        { class: 'floor-member', dataset: { key: `member-${lst.id}` }, 'aria-label': 'Delegation' },
        this.members.map((m) => h('option', { value: String(m.id) }, m.name)),
      ),
    );
    const kinds = [...asks(lst).ordinary, 'point_of_order', 'reply'];
    const kind = keepTyped(
      h(
        'select',
        { class: 'floor-kind', dataset: { key: `kind-${lst.id}` }, 'aria-label': 'For' },
        kinds.map((k) => h('option', { value: k }, KIND_NAMES[k])),
      ),
    );
    return h(
      'form',
      {
        class: 'floor-place-form',
        onsubmit: (e) => {
          e.preventDefault();
          const m = this.members.find((x) => String(x.id) === member.value);
          this.act('floor:ask', { list_id: lst.id, kind: kind.value, member_id: Number(member.value) }, m ? `${m.name} is on the list.` : '');
        },
      },
      h('span', { class: 'muted small' }, 'Put on the list: '),
      member,
      kind,
      h('button', { type: 'submit', class: 'small-button', dataset: { key: `place-${lst.id}` } }, 'Add'),
    );
  }
}
