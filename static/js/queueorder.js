/**
 * The chair's ruling on the order of voting (rule 90/130): a clause's competing amendments
 * change places in the queue by keyboard (Alt+↑ / Alt+↓ on a focused item), by their arrow
 * buttons (a phone) or by dragging one onto another (HTML5 drag and drop). Each move sends
 * `order:rule` with the clause's whole order; the server says whether it stands.
 */
import { announce } from './dom.js';
import { clauseLabel, ordinal } from './labels.js';

export class QueueOrder {
  /**
   * @param app    the draft screen (queue, amendments, index, draftId, request, refused, emit)
   * @param hooks  {ruled(movedId)}: the queue changed; render it, the keyboard on `movedId`
   */
  constructor(app, hooks) {
    this.app = app;
    this.hooks = hooks;
    this.dragging = null; // {id, clauseId} while an item is dragged
    this.busy = false;
  }

  /**
   * The amendments competing with `item` for its clause (top level, in queue order), when
   * the chair may reorder them now: two or more, none under a vote. Otherwise null.
   */
  group(item) {
    const app = this.app;
    if (item.type !== 'amendment') return null;
    const a = app.amendments.get(item.id);
    if (!a || a.kind === 'amend_amendment') return null;
    const members = app.queue
      .filter((q) => q.type === 'amendment')
      .map((q) => app.amendments.get(q.id))
      .filter((x) => x && x.clause_id === a.clause_id && x.kind !== 'amend_amendment');
    if (members.length < 2 || members.some((x) => x.status === 'voting')) return null;
    return { clauseId: a.clause_id, ids: members.map((x) => x.id) };
  }

  /** Listeners for a movable item's <li>: the keys, and dragging within its group. */
  listeners(item, group) {
    return {
      tabindex: 0,
      draggable: 'true',
      onkeydown: (e) => {
        if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
        e.preventDefault();
        this.move(item.id, group, e.key === 'ArrowUp' ? -1 : 1);
      },
      ondragstart: (e) => {
        this.dragging = { id: item.id, clauseId: group.clauseId };
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', `amendment:${item.id}`);
        e.currentTarget.classList.add('dragging');
      },
      ondragover: (e) => {
        const d = this.dragging;
        if (!d || d.clauseId !== group.clauseId || d.id === item.id) return;
        e.preventDefault(); // a drop here is allowed
        e.dataTransfer.dropEffect = 'move';
        e.currentTarget.classList.add('drop-target');
      },
      ondragleave: (e) => e.currentTarget.classList.remove('drop-target'),
      ondrop: (e) => {
        e.preventDefault();
        e.currentTarget.classList.remove('drop-target');
        const d = this.dragging;
        this.dragging = null;
        if (!d || d.clauseId !== group.clauseId || d.id === item.id) return;
        this.place(d.id, group, group.ids.indexOf(item.id));
      },
      ondragend: (e) => {
        e.currentTarget.classList.remove('dragging');
        this.dragging = null;
        this.hooks.ruled(null); // anything that waited for the drag to end
      },
    };
  }

  /** Move `id` up (-1) or down (+1) among its group. */
  move(id, group, by) {
    const from = group.ids.indexOf(id);
    const to = from + by;
    if (to < 0 || to >= group.ids.length) {
      announce(`Already ${by < 0 ? 'first' : 'last'} among the amendments to ${this.clauseName(group)}.`);
      return;
    }
    this.place(id, group, to);
  }

  /** Put `id` at place `to` of its group (the others keep their order) and rule so. */
  async place(id, group, to) {
    const order = group.ids.filter((x) => x !== id);
    order.splice(to, 0, id);
    if (order.every((x, i) => x === group.ids[i]) || this.busy) return;
    const app = this.app;
    this.busy = true;
    try {
      const reply = await app.request('order:rule', {
        draft_id: app.draftId,
        clause_id: group.clauseId,
        order,
      });
      for (const a of reply.amendments || []) app.amendments.set(a.id, a);
      if (Array.isArray(reply.queue)) app.queue = reply.queue;
      const a = app.amendments.get(id);
      announce(
        `Amendment #${a ? a.number : id} is now ${ordinal(order.indexOf(id) + 1)} of ${order.length} ` +
          `among the amendments to ${this.clauseName(group)}: the chair's ruling.`,
      );
      this.hooks.ruled(id);
      app.emit('amendments');
    } catch (err) {
      app.refused(err);
      this.hooks.ruled(id);
    } finally {
      this.busy = false;
    }
  }

  clauseName(group) {
    return clauseLabel(this.app.index.get(group.clauseId)).toLowerCase();
  }
}
