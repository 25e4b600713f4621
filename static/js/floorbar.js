/**
 * Where the meeting is, in one line (`FloorBar`): the item under debate, who has the floor and
 * their clock, who is next and how many wait, and my delegation's place. A delegation asks to
 * speak or withdraws from here; the chair gives the floor to the next and ends a speech. The
 * draft page shows it above the document, and the chair's console carries the chair's (on a
 * phone the console stays on screen, so these buttons do).
 */
import { announce, h, toast } from './dom.js';
import { KIND_NAMES, groupOf } from './floor.js';
import { ordinal } from './labels.js';
import { refill } from './refill.js';
import { itemText } from './agenda.js';
import { speakerName } from './speakers.js';
import { SpeechTimer } from './timer.js';

export class FloorBar {
  /**
   * @param root   where the line is drawn
   * @param floor  the FloorState
   * @param opts   {me: {role, member_id}, controls: 'delegate' | 'chair' | 'none',
   *                item: whether to name the item under debate}
   */
  constructor(root, floor, opts) {
    this.root = root;
    this.floor = floor;
    this.opts = { item: true, ...opts };
    this.me = opts.me;
  }

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

  render() {
    const floor = this.floor;
    const item = floor.current();
    const lst = floor.activeList();
    const held = floor.speaking();
    const paused = floor.interrupted();
    const queue = lst ? floor.queue(lst) : [];
    const parts = [];
    this.root.dataset.state = item ? (held ? 'speaking' : 'open') : 'idle';
    if (this.opts.item) {
      parts.push(
        h(
          'span',
          { class: 'bar-item' },
          item ? [h('span', { class: 'muted' }, 'Under debate: '), h('strong', { dir: 'auto' }, itemText(item))] : h('span', { class: 'muted' }, floor.agenda ? 'No item is under debate' : 'Loading the session…'),
        ),
      );
    }
    if (held) {
      const timerEl = h('span', { class: 'speech-timer' });
      parts.push(
        h(
          'span',
          { class: 'bar-speaker', dataset: { request: held.request.id } },
          h('span', { class: 'muted' }, held.request.kind === 'point_of_order' ? 'Point of order: ' : 'Speaking: '),
          h('strong', { dir: 'auto' }, speakerName(held.request)),
          ' ',
          timerEl,
        ),
      );
      new SpeechTimer(timerEl, floor).set(held.request);
    } else if (item) {
      parts.push(h('span', { class: 'bar-speaker muted' }, 'Nobody has the floor'));
    }
    if (paused) parts.push(h('span', { class: 'bar-paused muted' }, `${speakerName(paused.request)} resumes after the ruling`));
    if (item && lst) {
      parts.push(
        h(
          'span',
          { class: 'bar-queue' },
          queue.length
            ? [h('span', { class: 'muted' }, 'Next: '), h('span', { dir: 'auto' }, speakerName(queue[0])), queue.length > 1 ? h('span', { class: 'muted' }, ` (+${queue.length - 1} waiting)`) : null]
            : h('span', { class: 'muted' }, 'Nobody waiting'),
        ),
      );
    }
    if (this.opts.controls === 'delegate' && lst) parts.push(this.mine(lst, held));
    if (this.opts.controls === 'chair' && lst) parts.push(this.chairButtons(lst, queue, held));
    refill(this.root, parts);
  }

  /** My delegation: its place and a quick ask or withdraw on the list the meeting is on. */
  mine(lst, held) {
    const memberId = this.me.member_id;
    if (memberId === undefined || memberId === null) return null;
    if (held && held.request.member_id === memberId) {
      return h('strong', { class: 'bar-mine you-speak' }, 'You have the floor');
    }
    const waiting = this.floor.waitingOf(lst, memberId);
    const queue = this.floor.queue(lst);
    const ordinary = waiting.find((r) => groupOf(r.kind) === 'ordinary');
    const out = [];
    for (const r of waiting) {
      out.push(h('span', { class: 'bar-mine' }, `You are ${ordinal(queue.indexOf(r) + 1)} (${KIND_NAMES[r.kind].toLowerCase()})`));
    }
    if (ordinary) {
      out.push(
        h(
          'button',
          { type: 'button', class: 'small-button floor-withdraw', dataset: { key: 'bar-withdraw' }, onclick: () => this.act('floor:withdraw', { request_id: ordinary.id }, 'Your request is withdrawn.') },
          'Withdraw',
        ),
      );
    } else if (lst.open && !lst.for_against) {
      out.push(
        h(
          'button',
          {
            type: 'button',
            class: 'small-button floor-ask',
            dataset: { key: 'bar-ask' },
            onclick: async () => {
              const reply = await this.act('floor:ask', { list_id: lst.id, kind: 'speech' });
              if (reply) {
                const l = this.floor.lists.get(lst.id);
                const place = l ? l.order.indexOf(reply.request_id) + 1 : 0;
                announce(`You asked to speak${place ? `: ${ordinal(place)} on the list` : ''}.`);
              }
            },
          },
          'Ask to speak',
        ),
      );
    }
    return h('span', { class: 'bar-mine-wrap' }, out);
  }

  chairButtons(lst, queue, held) {
    const next = queue[0];
    return h(
      'span',
      { class: 'bar-chair' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary bar-give',
          dataset: { key: 'bar-give' },
          disabled: !next,
          'aria-label': next ? `Give the floor to ${speakerName(next)}` : 'Nobody is waiting to speak',
          onclick: () => this.act('floor:give', { list_id: lst.id }, next ? `${speakerName(next)} has the floor.` : ''),
        },
        next && next.kind === 'point_of_order' ? 'Point of order' : 'Next speaker',
      ),
      held
        ? h(
            'button',
            {
              type: 'button',
              class: 'bar-end',
              dataset: { key: 'bar-end' },
              onclick: () => this.act('floor:end', { list_id: held.list.id }, 'The speech is over.'),
            },
            'End speech',
          )
        : null,
    );
  }
}
