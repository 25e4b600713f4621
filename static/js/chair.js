/**
 * The chair's console (the page renders it only for the chair; the server checks anyway): the
 * bar with the draft's mode and its changes, and the console's body, folded or not: the voting
 * queue and polls (queue.js, queueorder.js), motions from the floor (motions.js) and the
 * sponsors (sponsors.js). The bar also carries the floor (`#chair-floor`: who speaks, their
 * clock, the next speaker and the end of a speech; meeting.js draws it). On a phone the
 * console stays on screen, as the delegate's vote sheet does. The record (record.js) is
 * everyone's.
 */
import { $, fill, h } from './dom.js';
import { MODE_ACTIONS, MODE_CHANGES, MODE_NAMES } from './labels.js';
import { VotingQueue } from './queue.js';
import { SponsorsDialog } from './sponsors.js';
import { ChairMotions } from './motions.js';

/** The mode and the buttons to change it (#chair-mode). */
export class ModeSwitch {
  /** @param app  the draft screen (draft, draftId, request, refused) */
  constructor(app) {
    this.app = app;
    this.el = $('#chair-mode');
  }

  render() {
    const status = this.app.draft.status;
    fill(
      this.el,
      h('span', { class: 'muted' }, 'Mode: '),
      h('strong', null, MODE_NAMES[status] || status),
      ' ',
      (MODE_CHANGES[status] || []).map((to) => this.button(to)),
    );
  }

  button(to) {
    const app = this.app;
    return h(
      'button',
      {
        type: 'button',
        class: to === 'formal' || to === 'adopted' ? 'primary' : '',
        dataset: { mode: to },
        onclick: async () => {
          try {
            await app.request('mode:set', { draft_id: app.draftId, mode: to });
          } catch (err) {
            app.refused(err);
          }
        },
      },
      MODE_ACTIONS[to] || to,
    );
  }
}

/**
 * The console's body opens and folds with #chair-toggle; the browser remembers which.
 * Returns a function that opens it.
 */
function foldable() {
  const toggle = $('#chair-toggle');
  const expand = (open) => {
    toggle.setAttribute('aria-expanded', String(open));
    $('#chair-body').hidden = !open;
    try {
      localStorage.setItem('drafting:chair-open', open ? '1' : '0');
    } catch {
      /* not remembered */
    }
  };
  toggle.addEventListener('click', () => {
    expand(toggle.getAttribute('aria-expanded') !== 'true');
  });
  try {
    if (localStorage.getItem('drafting:chair-open') === '1') expand(true);
  } catch {
    /* closed by default */
  }
  return () => expand(true);
}

/**
 * On a phone the console is a bar fixed at the bottom of the screen (the stylesheet): the page
 * keeps room for it below the last clause (`--chair-height`, as tall as the console is).
 */
function keepRoom(consoleEl) {
  if (typeof ResizeObserver !== 'function') return;
  new ResizeObserver(() => {
    document.body.style.setProperty('--chair-height', `${Math.ceil(consoleEl.getBoundingClientRect().height)}px`);
  }).observe(consoleEl);
}

export function initChair(app) {
  if (!$('#chair-console')) return;
  keepRoom($('#chair-console'));
  const mode = new ModeSwitch(app);
  const queue = new VotingQueue(app);
  const motions = new ChairMotions(app, { open: () => expandConsole() });
  new SponsorsDialog(app);
  const expandConsole = foldable();

  const renderAll = () => {
    mode.render();
    queue.render();
    motions.render();
  };
  app.on('mode', renderAll);
  app.on('joined', renderAll);
  app.on('queue', () => queue.render());
  app.on('amendments', () => queue.renderList());
  app.on('amendment-changed', () => queue.refresh());
  app.on('order-ruled', () => queue.refresh());
  app.on('motions', () => motions.render());
  app.on('motion-changed', (m, before) => {
    motions.changed(m, before);
    queue.refresh(); // a division granted puts its clause in the queue
  });
  let pollState = '';
  app.on('poll', (poll) => {
    queue.render(); // the list is rebuilt only when it changed
    const state = poll ? `${poll.id}:${poll.state}` : '';
    if (state === pollState) return;
    pollState = state;
    motions.render(); // "Put to the vote" only while no poll is open
    if (poll && poll.state !== 'open') queue.refresh();
  });
  app.on('outline', () => queue.render());
  renderAll();
}
