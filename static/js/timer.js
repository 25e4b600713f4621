/**
 * A speech's clock on screen, counted by the screen itself from the speaker's `deadline` and
 * `warning_at` (docs/protocol.md, "Time": the server sends no tick). Every clock of the page
 * shares one timer, set for the moment the next one shows another second; nothing runs while
 * no speech does.
 *
 * The element gets the time ("1:23", "+0:12" past the deadline), `data-state` (`running`,
 * `warning`, `over`, `untimed`, `paused`: the colours are the stylesheet's) and a label in
 * words. It is a `role="timer"`: screen readers do not read every second.
 */
import { clockText, msToNextChange, speechTime } from './floor.js';

const running = new Set();
let handle = 0;

function tickAll() {
  handle = 0;
  let wait = Infinity;
  for (const timer of [...running]) {
    if (!timer.el.isConnected) {
      running.delete(timer); // its view was drawn again: a new clock took over
      continue;
    }
    wait = Math.min(wait, msToNextChange(timer.tick()));
  }
  if (Number.isFinite(wait)) handle = window.setTimeout(tickAll, wait);
}

function schedule() {
  window.clearTimeout(handle);
  handle = window.setTimeout(tickAll, 0);
}

function words(t) {
  const s = Math.abs(t.counting === 'down' && t.seconds < 0 ? Math.floor(t.seconds) : Math.ceil(t.seconds));
  const m = Math.floor(s / 60);
  const said = m ? `${m} min ${s % 60} s` : `${s} s`;
  if (t.counting === 'paused') return t.limited ? `interrupted, ${said} left` : `interrupted after ${said}`;
  if (t.counting === 'up') return `${said} spoken, no time limit`;
  return t.seconds < 0 ? `${said} over the time` : `${said} left`;
}

export class SpeechTimer {
  /**
   * @param el     the element that shows the time
   * @param floor  the FloorState (its `now()`, the server's clock)
   * @param hooks  {onState(state, before)}: when the speech moves to warning, over...
   */
  constructor(el, floor, hooks = {}) {
    this.el = el;
    this.floor = floor;
    this.hooks = hooks;
    this.request = null;
    this.state = null;
    el.setAttribute('role', 'timer');
    el.classList.add('speech-timer');
  }

  /** Show this speech (a request with the floor, or interrupted); null shows nothing. */
  set(request) {
    this.request = request;
    if (request) {
      running.add(this);
      schedule();
    } else {
      running.delete(this);
    }
    this.tick();
  }

  tick() {
    const t = speechTime(this.request, this.floor.now());
    const state = t ? t.state : null;
    this.el.textContent = t ? clockText(t) : '';
    this.el.hidden = !t;
    if (t) {
      this.el.dataset.state = state;
      this.el.setAttribute('aria-label', words(t));
    }
    if (state !== this.state) {
      const before = this.state;
      this.state = state;
      if (this.hooks.onState && before !== null) this.hooks.onState(state, before);
    }
    return t;
  }
}
