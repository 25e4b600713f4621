/**
 * Draw a view again without taking the keyboard or a half-typed field from its user: the
 * element with the focus and every field typed in since it was drawn are found again in the
 * new nodes by their `data-key`, the field's text and the caret put back, and so is every
 * `<details data-key>` that was open. The views of the
 * meeting (agenda.js, speakers.js) are drawn whole on every change of the floor.
 */
import { fill } from './dom.js';

/** Mark a field as typed in (its text survives the next drawing). */
export function keepTyped(el) {
  el.addEventListener('input', () => {
    el.dataset.typed = 'true';
  });
  el.addEventListener('change', () => {
    el.dataset.typed = 'true';
  });
  return el;
}

const FIELDS = 'input[data-key], select[data-key], textarea[data-key]';

/**
 * Replace `el`'s children with `children`, keeping the focus and typed fields. When the
 * focused element is gone (its request was given the floor), `fallback` (a data-key) gets it.
 */
export function refill(el, children, { fallback = null } = {}) {
  const active = document.activeElement;
  const inside = Boolean(active) && el.contains(active);
  const focusKey = inside ? active.dataset.key || '' : '';
  let selection = null;
  try {
    if (inside && typeof active.selectionStart === 'number') selection = [active.selectionStart, active.selectionEnd];
  } catch {
    /* a field without a caret (a number input) */
  }
  const typed = new Map();
  for (const f of el.querySelectorAll(FIELDS)) {
    if (f.dataset.typed) typed.set(f.dataset.key, f.type === 'checkbox' ? f.checked : f.value);
  }
  const opened = new Set([...el.querySelectorAll('details[data-key][open]')].map((d) => d.dataset.key));
  fill(el, children);
  for (const d of el.querySelectorAll('details[data-key]')) if (opened.has(d.dataset.key)) d.open = true;
  for (const f of el.querySelectorAll(FIELDS)) {
    if (!typed.has(f.dataset.key)) continue;
    if (f.type === 'checkbox') f.checked = typed.get(f.dataset.key);
    else f.value = typed.get(f.dataset.key);
    f.dataset.typed = 'true';
  }
  if (inside && !active.isConnected) {
    const find = (key) => (key ? el.querySelector(`[data-key="${CSS.escape(key)}"]`) : null);
    const again = find(focusKey) || find(fallback);
    if (again && !again.disabled) {
      again.focus();
      if (selection && typeof again.setSelectionRange === 'function') {
        try {
          again.setSelectionRange(...selection);
        } catch {
          /* not a text field */
        }
      }
    }
  }
}
