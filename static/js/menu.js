/**
 * The top bar's menus (`<details class="menu">`: the Export menu). A menu opens under its
 * button and always inside the window, whatever its width: the top bar wraps on a phone or a
 * zoomed-in screen, and a list aligned to the button's right edge then ran off the left one
 * (113 px at 390 px wide). It closes on a click elsewhere, after a choice, on Escape (back to
 * its button) and when the keyboard leaves it; the arrow keys, Home and End walk its items.
 */
import { $$ } from './dom.js';

const GAP = 8; // px kept between an open menu and the window's edges
const MIN_HEIGHT = 160; // px a menu keeps, scrolling, in a window too short for all of it

/**
 * How far (px, + to the right) to move a box spanning [left, right] so it lies inside
 * [0, width] with `gap` to spare; a box too wide for that starts at the gap (its CSS
 * max-width keeps it from being wider than the window).
 */
export function shiftInto(left, right, width, gap = GAP) {
  if (right - left > width - 2 * gap || left < gap) return gap - left;
  if (right > width - gap) return width - gap - right;
  return 0;
}

/** Place an open menu's list inside the window: moved sideways, scrolling if too tall. */
function place(menu) {
  const list = menu.querySelector('.menu-list');
  list.style.removeProperty('--menu-shift');
  list.style.removeProperty('--menu-max-height');
  const box = list.getBoundingClientRect();
  const dx = shiftInto(box.left, box.right, document.documentElement.clientWidth);
  if (dx) list.style.setProperty('--menu-shift', `${Math.round(dx)}px`);
  const room = window.innerHeight - box.top - GAP;
  if (box.height > room) list.style.setProperty('--menu-max-height', `${Math.max(room, MIN_HEIGHT)}px`);
}

function items(menu) {
  return $$('.menu-list a[href], .menu-list button:not(:disabled)', menu).filter(
    (el) => el.getClientRects().length > 0,
  );
}

/** Open a menu, placed before the browser paints it (the `toggle` event comes a task later). */
function open(menu) {
  menu.open = true;
  place(menu);
}

function close(menu, { focus = false } = {}) {
  menu.open = false;
  if (focus) menu.querySelector('summary').focus();
}

const KEYS = {
  ArrowDown: (i, n) => (i < 0 ? 0 : (i + 1) % n),
  ArrowUp: (i, n) => (i < 0 ? n - 1 : (i - 1 + n) % n),
  Home: () => 0,
  End: (i, n) => n - 1,
};

function listen(menu) {
  const summary = menu.querySelector('summary');
  summary.addEventListener('click', (e) => {
    e.preventDefault(); // the summary's own toggling would show the list before placing it
    if (menu.open) close(menu);
    else open(menu);
  });
  menu.addEventListener('toggle', () => {
    if (menu.open) place(menu); // opened some other way
  });
  menu.addEventListener('keydown', (e) => {
    const step = KEYS[e.key];
    if (!step || e.altKey || e.ctrlKey || e.metaKey) return;
    // on the closed menu's button, ↓ and ↑ open it onto its first or last item
    if (!menu.open && (e.target !== summary || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp'))) return;
    if (!menu.open) open(menu);
    const list = items(menu);
    if (!list.length) return;
    e.preventDefault();
    list[step(list.indexOf(document.activeElement), list.length)].focus();
  });
  menu.addEventListener('focusout', (e) => {
    if (menu.open && e.relatedTarget && !menu.contains(e.relatedTarget)) close(menu);
  });
  menu.querySelector('.menu-list').addEventListener('click', (e) => {
    if (e.target.closest('a[href]')) close(menu); // a download starts; the menu is done
  });
}

export function initMenus() {
  const menus = $$('details.menu');
  for (const menu of menus) listen(menu);
  document.addEventListener('click', (e) => {
    for (const menu of menus) if (menu.open && !menu.contains(e.target)) close(menu);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    for (const menu of menus) if (menu.open) close(menu, { focus: menu.contains(document.activeElement) });
  });
  let queued = false;
  window.addEventListener('resize', () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      for (const menu of menus) if (menu.open) place(menu);
    });
  });
}
