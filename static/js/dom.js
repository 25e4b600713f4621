/**
 * Small DOM helpers. Every piece of user text goes in as a text node (textContent), never as
 * markup: a clause reading `<img src=x onerror=alert(1)>` shows exactly that.
 */

/**
 * h('button', {class: 'x', onclick: fn, 'aria-label': 'Close'}, 'text', child, ...)
 * Attributes: `class`, `dataset` (object), `on*` (listeners), booleans (true = present,
 * false/null/undefined = absent), anything else set with setAttribute.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value);
      } else if (key === 'value') el.value = value;
      else if (value === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** Render track changes ([op, text] runs) as <ins>/<del>/text spans, text only. */
export function trackChangesNode(runs, { className = 'changes' } = {}) {
  const out = h('span', { class: className, dir: 'auto' });
  for (const [op, text] of runs) {
    if (op === 'insert') out.appendChild(h('ins', null, text));
    else if (op === 'delete') out.appendChild(h('del', null, text));
    else out.appendChild(document.createTextNode(text));
  }
  return out;
}

/** Polite and assertive live regions (created once, in the page template). */
export function announce(message, { urgent = false } = {}) {
  const region = document.getElementById(urgent ? 'alerts' : 'announcer');
  if (!region) return;
  // Clearing first makes screen readers repeat an identical message.
  region.textContent = '';
  window.setTimeout(() => {
    region.textContent = message;
  }, 30);
}

let toastTimer = 0;
/** A short visible message (an error or a confirmation), also announced. */
export function toast(message, { error = false } = {}) {
  const box = document.getElementById('toast');
  if (!box) return;
  box.textContent = message;
  box.classList.toggle('error', error);
  box.hidden = false;
  announce(message, { urgent: error });
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => {
    box.hidden = true;
  }, error ? 9000 : 4000);
}

/** Initials for a presence chip: "Amina Benali" -> "AB", "Morocco" -> "MO". */
export function initials(name) {
  const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  if (words.length === 1) return [...words[0]].slice(0, 2).join('').toUpperCase();
  return ([...words[0]][0] + [...words[words.length - 1]][0]).toUpperCase();
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : timeFormat.format(d);
}

/** A random id of 32 hex digits (crypto.randomUUID needs a secure context; this does not). */
export function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Open a <dialog> as a modal, remembering what had focus so closing returns there. */
export function openDialog(dialog) {
  const before = document.activeElement;
  if (!dialog.open) dialog.showModal();
  dialog.addEventListener(
    'close',
    () => {
      if (before && before.isConnected && typeof before.focus === 'function') before.focus();
    },
    { once: true },
  );
}

/** A click on a dialog's backdrop (outside its box) closes it. */
export function closeOnBackdrop(dialog) {
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
}

/** Elements and attributes an HTML document from our server (the record) may carry. */
const SAFE_TAGS = new Set([
  'h1', 'h2', 'h3', 'h4', 'p', 'ol', 'ul', 'li', 'blockquote', 'strong', 'em', 'b', 'i',
  'time', 'br', 'span', 'code', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'caption',
]);
const SAFE_ATTRS = new Set(['datetime', 'class', 'colspan', 'rowspan']);

/**
 * An HTML fragment the server escaped (the record), rebuilt node by node: it is parsed inert
 * (DOMParser runs no script, loads nothing), and only text, the elements above and their
 * harmless attributes are copied; anything else leaves only its text.
 */
export function safeFragment(html) {
  const doc = new DOMParser().parseFromString(String(html), 'text/html');
  const copy = (node, into) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) {
        into.appendChild(document.createTextNode(child.data));
      } else if (child.nodeType === Node.ELEMENT_NODE) {
        const tag = child.localName;
        if (tag === 'script' || tag === 'style' || tag === 'template') continue;
        if (!SAFE_TAGS.has(tag)) {
          copy(child, into);
          continue;
        }
        const el = document.createElement(tag);
        for (const attr of child.attributes) {
          if (SAFE_ATTRS.has(attr.name)) el.setAttribute(attr.name, attr.value);
        }
        copy(child, el);
        into.appendChild(el);
      }
    }
  };
  const out = document.createDocumentFragment();
  copy(doc.body, out);
  return out;
}
