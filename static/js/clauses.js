/**
 * The document (#clauses): one persistent node per clause, moved rather than rebuilt, each
 * with its number, its textarea (typing goes to the sync state, remote text comes back into it
 * with the caret kept), its amendment badge and its margin button; the keyboard shortcuts in a
 * clause (undo and redo are the sync state's, per author, not the browser's); and the form
 * that adds a clause at the end.
 *
 * The server renders the clauses first; this adopts those elements (same markup as makeNode).
 */
import { $, $$, h } from './dom.js';
import { replaceKeepingSelection } from './caret.js';
import { ACTIVE, clauseLabel, clauseMark } from './labels.js';

// Textareas grow with their text through CSS `field-sizing: content`; where a browser lacks
// it, they are sized from their scrollHeight instead.
const autosize = !(window.CSS && CSS.supports('field-sizing', 'content'));

// A clause's row (its number, its margin buttons) runs in the direction of its text, so an
// Arabic or Hebrew clause has its number on the right, even in an English document.
const FIRST_STRONG = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]|\p{L}/u;
const RTL = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
function setRowDir(n, text) {
  const first = FIRST_STRONG.exec(text);
  const dir = first && RTL.test(first[0]) ? 'rtl' : 'ltr';
  if (n.row.dir !== dir) n.row.dir = dir;
}

// Keyboard, in a clause: Alt+Enter adds a clause after it (same kind, same level);
// Alt+Up / Alt+Down move it; Alt+Shift+Right / Alt+Shift+Left indent / outdent it.
const SHORTCUTS = {
  Enter: 'add-after',
  ArrowUp: 'up',
  ArrowDown: 'down',
  'shift+ArrowRight': 'indent',
  'shift+ArrowLeft': 'outdent',
};

// Ctrl (Cmd on a Mac) +Z undoes my last change, +Shift+Z or +Y redoes it; so do the browser's
// Edit menu's Undo and Redo (beforeinput historyUndo / historyRedo).
const HISTORY_KEYS = { z: 'undo', 'shift+z': 'redo', y: 'redo' };
const HISTORY_INPUTS = { historyUndo: 'undo', historyRedo: 'redo' };

function refs(li) {
  return {
    li,
    row: li.querySelector(':scope > .clause-row'),
    num: li.querySelector(':scope > .clause-row > .num'),
    ta: li.querySelector(':scope > .clause-row > textarea.text'),
    who: li.querySelector(':scope > .clause-row > .side > .who'),
    badge: li.querySelector(':scope > .clause-row > .side > .badge-amend'),
    more: li.querySelector(':scope > .clause-row > .side > .clause-more'),
    sub: li.querySelector(':scope > ol.sub'),
  };
}

function makeNode(c) {
  const li = h(
    'li',
    { class: 'clause', id: `clause-${c.id}`, dataset: { id: c.id } },
    h(
      'div',
      { class: 'clause-row' },
      h('span', { class: 'num', 'aria-hidden': 'true' }),
      h('textarea', {
        class: 'text',
        dir: 'auto',
        rows: 1,
        maxlength: 20000,
        spellcheck: 'true',
        readonly: true,
        value: c.text,
      }),
      h(
        'span',
        { class: 'side' },
        h('span', { class: 'who' }),
        h('button', { type: 'button', class: 'badge-amend', hidden: true }),
        h('button', { type: 'button', class: 'clause-more' }, '⋯'),
      ),
    ),
    h('ol', { class: 'sub' }),
  );
  li.querySelector('textarea').value = c.text;
  const n = refs(li);
  setRowDir(n, c.text);
  return n;
}

export class ClauseList {
  /**
   * @param app    the draft screen (index, current, sync, ts, amendments, editable, setCurrent,
   *               emit, request, refused, draftId)
   * @param hooks  {focus(id)}: the clause the user is in (id), or left (null)
   */
  constructor(app, hooks) {
    this.app = app;
    this.hooks = hooks;
    this.root = $('#clauses');
    this.nodes = new Map(); // id -> {li, row, num, ta, who, badge, more, sub}
    this.shown = new Map(); // id -> what the textarea showed at our last sync with it
    this.composing = null; // the textarea in an IME composition (never overwritten meanwhile)
    this.pendingFocus = null; // a clause we added: focus it once it exists
    this.adopt();
    this.listenTyping();
    this.listenFocus();
    this.listenKeys();
    $('#add-clause').addEventListener('submit', (e) => this.addAtEnd(e));
    if (autosize) {
      let resizeTimer = 0;
      window.addEventListener('resize', () => {
        window.clearTimeout(resizeTimer);
        resizeTimer = window.setTimeout(() => this.fitAll(), 150);
      });
    }
  }

  /** Take over the server-rendered clauses. */
  adopt() {
    for (const li of $$('li.clause', this.root)) {
      const n = refs(li);
      const id = Number(li.dataset.id);
      this.nodes.set(id, n);
      this.shown.set(id, n.ta.value);
      setRowDir(n, n.ta.value);
    }
  }

  updateNode(n, c) {
    const app = this.app;
    const cls = `clause kind-${c.kind} level-${c.level}${app.current === c.id ? ' current' : ''}`;
    if (n.li.className !== cls) n.li.className = cls;
    const num = clauseMark(c); // a list item shows its dash or bullet where others are numbered
    if (n.num.textContent !== num) n.num.textContent = num;
    const label = clauseLabel(c);
    n.ta.setAttribute('aria-label', label);
    n.more.setAttribute('aria-label', `${label}: tools, amendments and history`);
    n.ta.readOnly = !app.editable();
  }

  placeChildren(container, ids) {
    let cursor = container.firstElementChild;
    for (const id of ids) {
      const li = this.nodes.get(id).li;
      if (li === cursor) cursor = cursor.nextElementSibling;
      else container.insertBefore(li, cursor);
    }
    while (cursor) {
      const next = cursor.nextElementSibling;
      cursor.remove();
      cursor = next;
    }
  }

  /**
   * Show a new outline (`app.index` already holds it): nodes made, updated, moved and removed,
   * the focus and selection kept, a clause we added focused.
   */
  setOutline(clauses, flat) {
    const { app, nodes, shown } = this;
    const focused = document.activeElement;
    const selection =
      focused && focused.matches && focused.matches('textarea.text')
        ? [focused.selectionStart, focused.selectionEnd, focused.selectionDirection]
        : null;
    for (const c of flat) {
      let n = nodes.get(c.id);
      if (!n) {
        n = makeNode(c);
        nodes.set(c.id, n);
        shown.set(c.id, c.text);
      }
      this.updateNode(n, c);
    }
    const place = (container, list) => {
      this.placeChildren(
        container,
        list.map((c) => c.id),
      );
      for (const c of list) place(nodes.get(c.id).sub, c.children || []);
    };
    place(this.root, clauses);
    for (const id of [...nodes.keys()]) {
      if (!app.index.has(id)) {
        nodes.get(id).li.remove();
        nodes.delete(id);
        shown.delete(id);
      }
    }
    if (selection && focused.isConnected && document.activeElement !== focused) {
      focused.focus({ preventScroll: true });
      focused.setSelectionRange(...selection);
    }
    if (this.pendingFocus !== null && nodes.has(this.pendingFocus)) {
      this.focus(this.pendingFocus);
      this.pendingFocus = null;
    }
  }

  markCurrent(id) {
    for (const li of $$('.clause.current', this.root)) li.classList.remove('current');
    if (id !== null) this.nodes.get(id)?.li.classList.add('current');
  }

  focus(id) {
    const n = this.nodes.get(id);
    if (!n) return false;
    n.ta.focus();
    n.ta.scrollIntoView({ block: 'nearest' });
    return true;
  }

  /** A clause we just added: focus it now, or as soon as the outline brings it. */
  expect(id) {
    if (!this.focus(id)) this.pendingFocus = id;
  }

  /** What the clause's textarea shows now (undefined: no such clause). */
  showing(id) {
    return this.nodes.get(id)?.ta.value;
  }

  setEditable(editable) {
    for (const n of this.nodes.values()) n.ta.readOnly = !editable;
  }

  fit(ta) {
    if (!autosize) return;
    ta.style.height = 'auto';
    ta.style.height = `${ta.scrollHeight + 2}px`;
  }

  fitAll() {
    if (!autosize) return;
    const all = $$('textarea.text', this.root);
    for (const ta of all) ta.style.height = 'auto';
    const heights = all.map((ta) => ta.scrollHeight);
    all.forEach((ta, i) => {
      ta.style.height = `${heights[i] + 2}px`;
    });
  }

  // --- text: the local text shown, typing taken ------------------------------------------

  /** Show a clause's local text (unless the user is mid-composition in it). */
  paint(id) {
    const n = this.nodes.get(id);
    const st = this.app.sync.get(id);
    if (!n || !st || this.composing === n.ta) return;
    if (n.ta.value !== st.local) {
      replaceKeepingSelection(this.app.ts, n.ta, st.local);
      this.fit(n.ta);
      setRowDir(n, st.local);
    }
    this.shown.set(id, st.local);
  }

  onInput(ta) {
    const app = this.app;
    const id = Number(ta.closest('.clause').dataset.id);
    const st = app.sync.get(id);
    if (!st || ta.readOnly) return;
    const value = ta.value;
    const before = this.shown.get(id);
    // Normally the screen showed exactly the local text; if a remote change was held back
    // (during an IME composition), merge the user's change onto it instead of undoing it.
    const next = before === st.local ? value : app.ts.merge3(before, st.local, value).text;
    this.shown.set(id, value);
    // the caret places the change where it was typed ("e" after "e" is not a diff's guess)
    app.sync.setLocal(id, next, next === value ? ta.selectionEnd : undefined);
    if (next !== value) this.paint(id);
    else setRowDir(this.nodes.get(id), value);
  }

  listenTyping() {
    const root = this.root;
    root.addEventListener('input', (e) => {
      if (!e.target.matches('textarea.text')) return;
      this.fit(e.target);
      if (!e.isComposing) this.onInput(e.target);
    });
    root.addEventListener('compositionstart', (e) => {
      if (e.target.matches('textarea.text')) this.composing = e.target;
    });
    root.addEventListener('compositionend', (e) => {
      if (!e.target.matches('textarea.text')) return;
      this.composing = null;
      this.onInput(e.target);
      this.paint(Number(e.target.closest('.clause').dataset.id));
    });
  }

  // --- focus: the margin follows the clause you are in ------------------------------------

  listenFocus() {
    const { app, root } = this;
    root.addEventListener('focusin', (e) => {
      const li = e.target.closest('.clause');
      if (!li) return;
      const id = Number(li.dataset.id);
      app.setCurrent(id);
      this.hooks.focus(id);
    });
    root.addEventListener('focusout', (e) => {
      if (e.target.matches('textarea.text')) this.hooks.focus(null);
    });
    root.addEventListener('click', (e) => {
      const btn = e.target.closest('button');
      const li = e.target.closest('.clause');
      if (!btn || !li) return;
      const id = Number(li.dataset.id);
      if (btn.classList.contains('badge-amend') || btn.classList.contains('clause-more')) {
        app.setCurrent(id, { reveal: true });
      }
    });
  }

  listenKeys() {
    const app = this.app;
    this.root.addEventListener('keydown', (e) => {
      if (!e.target.matches('textarea.text')) return;
      if ((e.ctrlKey || e.metaKey) && !e.altKey) {
        const which = HISTORY_KEYS[(e.shiftKey ? 'shift+' : '') + e.key.toLowerCase()];
        if (!which || e.isComposing) return;
        e.preventDefault(); // the browser's own undo would take back one character, anyone's
        this.replay(e.target, which);
        return;
      }
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const command = SHORTCUTS[(e.shiftKey ? 'shift+' : '') + e.key];
      if (!command || !app.editable()) return;
      e.preventDefault();
      app.emit('command', command, Number(e.target.closest('.clause').dataset.id));
    });
    this.root.addEventListener('beforeinput', (e) => {
      const which = HISTORY_INPUTS[e.inputType];
      if (!which || !e.target.matches('textarea.text')) return;
      e.preventDefault();
      this.replay(e.target, which);
    });
  }

  /** Undo or redo my last change in the clause, the caret at the end of what it changed. */
  replay(ta, which) {
    if (ta.readOnly || this.composing === ta) return;
    const caret = this.app.sync[which](Number(ta.closest('.clause').dataset.id));
    if (caret === null) return;
    ta.setSelectionRange(caret, caret);
  }

  // --- amendment badges on clauses ----------------------------------------------------------

  renderBadges() {
    const app = this.app;
    const counts = new Map();
    for (const a of app.amendments.values()) {
      if (ACTIVE.has(a.status)) counts.set(a.clause_id, (counts.get(a.clause_id) || 0) + 1);
    }
    for (const [id, n] of this.nodes) {
      const count = counts.get(id) || 0;
      n.badge.hidden = count === 0;
      n.li.classList.toggle('has-amendments', count > 0);
      if (count) {
        n.badge.textContent = `◀ ${count} ▸`;
        const c = app.index.get(id);
        n.badge.setAttribute(
          'aria-label',
          `${count} amendment${count === 1 ? '' : 's'} to ${clauseLabel(c).toLowerCase()}: show`,
        );
      }
    }
  }

  // --- a clause at the end ------------------------------------------------------------------

  async addAtEnd(e) {
    e.preventDefault();
    const app = this.app;
    const kind = $('#add-kind').value;
    const last = this.root.lastElementChild;
    try {
      const reply = await app.addClause({
        draft_id: app.draftId,
        kind,
        text: '',
        parent_id: null,
        after_id: last ? Number(last.dataset.id) : null,
      });
      app.expectClause(reply.clause_id);
    } catch (err) {
      app.refused(err);
    }
  }
}
