/**
 * The agenda (`AgendaView`): the conference's items in order, the one under debate and what
 * "next item" takes up, so that every delegation sees where the session is. The chair moves
 * the meeting on (to the next item or a chosen one), moves items, takes them off, and adds a
 * draft or a free item with a title.
 */
import { announce, h, toast } from './dom.js';
import { keepTyped, refill } from './refill.js';

const STATUS_NAMES = { current: 'under debate', done: 'concluded', pending: '' };

/** "2. Declaration on Energy" */
export function itemText(item) {
  return item ? `${item.number}. ${item.title}` : '';
}

export class AgendaView {
  /**
   * @param root   where the agenda is drawn
   * @param floor  the FloorState
   * @param opts   {me: {role}, draftId?: the page's draft (not linked to itself),
   *                drafts() -> [{id, title}]: the conference's drafts, for the chair's "add"}
   */
  constructor(root, floor, opts) {
    this.root = root;
    this.floor = floor;
    this.opts = opts;
    this.chair = opts.me.role === 'chair';
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
    if (!floor.agenda) {
      refill(this.root, [h('p', { class: 'muted' }, 'Loading the agenda…')]);
      return;
    }
    const items = floor.agenda.items;
    const current = floor.current();
    const next = floor.next();
    refill(
      this.root,
      [
        h(
          'p',
          { class: 'agenda-now' },
          current
            ? [h('span', { class: 'muted' }, 'Under debate: '), h('strong', { dir: 'auto' }, itemText(current))]
            : h('span', { class: 'muted' }, items.length ? 'No item is under debate.' : 'The agenda is empty.'),
          next ? [h('span', { class: 'muted' }, ' · next: '), h('span', { dir: 'auto' }, itemText(next))] : null,
        ),
        this.chair ? this.nextButton(next, current) : null,
        items.length
          ? h('ol', { class: 'agenda', 'aria-label': 'Agenda' }, items.map((item, i) => this.itemNode(item, i, items)))
          : null,
        this.chair ? this.addForm(items) : null,
      ],
      { fallback: 'agenda-next' },
    );
  }

  nextButton(next, current) {
    return h(
      'p',
      { class: 'agenda-actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'primary agenda-next',
          dataset: { key: 'agenda-next' },
          disabled: !next,
          onclick: () =>
            this.act('agenda:next', { conference_id: this.floor.conferenceId }, next ? `Now under debate: ${itemText(next)}.` : ''),
        },
        next ? `Take up the next item: ${itemText(next)}` : current ? 'No item after this one' : 'Nothing left to take up',
      ),
    );
  }

  itemNode(item, i, items) {
    const here = item.kind === 'draft' && item.draft_id === this.opts.draftId;
    const title =
      item.kind === 'draft' && item.draft_id && !here
        ? h('a', { href: `/draft/${item.draft_id}`, dir: 'auto' }, item.title)
        : h('span', { dir: 'auto' }, item.title);
    const isNext = this.floor.agenda.next_id === item.id;
    const status = STATUS_NAMES[item.status] || (isNext ? 'next' : '');
    return h(
      'li',
      { class: `agenda-item status-${item.status}${isNext ? ' is-next' : ''}`, dataset: { item: item.id }, 'aria-current': item.status === 'current' ? 'true' : null },
      h('span', { class: 'agenda-num' }, `${item.number}.`),
      ' ',
      title,
      here ? h('span', { class: 'muted small' }, ' (this draft)') : null,
      status ? h('span', { class: `badge agenda-status status-${item.status}${isNext ? ' next' : ''}` }, status) : null,
      this.chair ? this.itemTools(item, i, items) : null,
    );
  }

  itemTools(item, i, items) {
    const current = item.status === 'current';
    return h(
      'span',
      { class: 'agenda-tools' },
      current
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'small-button',
              dataset: { key: `take-up-${item.id}` },
              'aria-label': `Take up ${itemText(item)}`,
              onclick: () => this.act('agenda:next', { conference_id: this.floor.conferenceId, item_id: item.id }, `Now under debate: ${itemText(item)}.`),
            },
            'Take up',
          ),
      h(
        'button',
        {
          type: 'button',
          class: 'small-button icon',
          dataset: { key: `agenda-up-${item.id}` },
          disabled: i === 0,
          'aria-label': `Move ${itemText(item)} up`,
          onclick: () => this.act('agenda:move', { item_id: item.id, after_id: i >= 2 ? items[i - 2].id : null }),
        },
        '↑',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'small-button icon',
          dataset: { key: `agenda-down-${item.id}` },
          disabled: i === items.length - 1,
          'aria-label': `Move ${itemText(item)} down`,
          onclick: () => this.act('agenda:move', { item_id: item.id, after_id: items[i + 1].id }),
        },
        '↓',
      ),
      current
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'small-button',
              dataset: { key: `agenda-remove-${item.id}` },
              'aria-label': `Take ${itemText(item)} off the agenda`,
              onclick: () => this.act('agenda:remove', { item_id: item.id }, `${item.title} is off the agenda.`),
            },
            'Remove',
          ),
    );
  }

  addForm(items) {
    const on = new Set(items.filter((i) => i.draft_id).map((i) => i.draft_id));
    const drafts = (this.opts.drafts ? this.opts.drafts() : []).filter((d) => !on.has(d.id));
    const what = keepTyped(
      h(
        'select',
        { class: 'agenda-what', dataset: { key: 'agenda-what' }, 'aria-label': 'What to add' },
        drafts.map((d) => h('option', { value: String(d.id) }, `Draft: ${d.title}`)),
        h('option', { value: '' }, 'Another item (give it a title)'),
      ),
    );
    const title = keepTyped(
      h('input', { type: 'text', class: 'agenda-title', maxlength: 500, dir: 'auto', placeholder: 'Title (optional for a draft)', 'aria-label': 'Title of the item', dataset: { key: 'agenda-title' } }),
    );
    const form = h(
      'form',
      {
        class: 'agenda-add',
        onsubmit: async (e) => {
          e.preventDefault();
          const data = { conference_id: this.floor.conferenceId };
          if (what.value) data.draft_id = Number(what.value);
          if (title.value.trim()) data.title = title.value.trim();
          const reply = await this.act('agenda:add', data, 'Added to the agenda.');
          if (reply) {
            title.value = '';
            delete title.dataset.typed;
            delete what.dataset.typed;
            this.render();
          }
        },
      },
      what,
      title,
      h('button', { type: 'submit', dataset: { key: 'agenda-add' } }, 'Add to the agenda'),
    );
    return h('details', { class: 'agenda-more', dataset: { key: 'agenda-add-open' } }, h('summary', null, 'Add to the agenda'), form);
  }
}
