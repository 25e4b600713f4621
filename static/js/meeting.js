/**
 * The meeting on a page of the conference (the conference page, the draft page): the state of
 * the floor (floor.js) and the views the page has room for, drawn again on each change (once a
 * frame at most): the agenda (agenda.js), the lists of speakers (speakers.js), the line of the
 * meeting (floorbar.js), the chair's line in the console, and the notices (notices.js).
 */
import { api, request } from './net.js';
import { FloorState } from './floor.js';
import { AgendaView } from './agenda.js';
import { FloorPanel } from './speakers.js';
import { FloorBar } from './floorbar.js';
import { Notices, PollWatch, watchFloor } from './notices.js';

/**
 * @param socket  the page's connection
 * @param opts    {conferenceId, me: {id, role, member_id?} (kept up to date by the page),
 *                 draftId?: the page's draft, roots: {agenda?, panel?, bar?, chairBar?,
 *                 toggle?, details?: a button that shows and hides the details region},
 *                 drafts?() -> [{id, title}], clauseName?(id), openable?(), fetchMe?}
 */
export function initMeeting(socket, opts) {
  const { conferenceId, me, roots } = opts;
  const floor = new FloorState(socket, conferenceId, request);
  const notices = new Notices();
  const polls = new PollWatch(notices, socket, opts.draftId ?? null);
  const views = [];
  if (roots.agenda) views.push(new AgendaView(roots.agenda, floor, { me, draftId: opts.draftId, drafts: opts.drafts }));
  if (roots.bar) {
    views.push(new FloorBar(roots.bar, floor, { me, controls: me.role === 'delegate' ? 'delegate' : 'none' }));
  }
  if (roots.chairBar && me.role === 'chair') views.push(new FloorBar(roots.chairBar, floor, { me, controls: 'chair', item: false }));
  if (roots.panel) {
    views.push(
      new FloorPanel(roots.panel, floor, {
        me,
        conferenceId,
        clauseName: opts.clauseName,
        openable: opts.openable,
      }),
    );
  }
  watchFloor(floor, notices, me);

  let queued = false;
  const render = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      for (const v of views) {
        try {
          v.render();
        } catch (e) {
          console.error(e);
        }
      }
      document.body.dataset.floorReady = floor.loaded ? 'true' : 'false';
      if (floor.agenda) document.body.dataset.agenda = floor.agenda.items.length ? 'set' : 'empty';
    });
  };
  floor.subscribe(render);
  render();

  // A delegate's member (the delegation it asks for) is the participant's `member_id` (the
  // draft page has it from its `join`).
  if (opts.fetchMe !== false && me.role === 'delegate' && (me.member_id === undefined || me.member_id === null)) {
    api('GET', '/api/me')
      .then((fresh) => {
        Object.assign(me, { member_id: fresh.member_id, delegation: fresh.delegation });
        render();
      })
      .catch(() => {});
  }

  if (roots.toggle) foldable(roots.toggle, roots.details, render);

  window.__meeting = { floor, notices, polls };
  return { floor, notices, polls, render };
}

/** The details (agenda and lists) open and fold with their button; the browser remembers which. */
function foldable(toggle, region, render) {
  const expand = (open) => {
    toggle.setAttribute('aria-expanded', String(open));
    region.hidden = !open;
    try {
      localStorage.setItem('drafting:floor-open', open ? '1' : '0');
    } catch {
      /* not remembered */
    }
    if (open) render();
  };
  toggle.addEventListener('click', () => expand(toggle.getAttribute('aria-expanded') !== 'true'));
  try {
    if (localStorage.getItem('drafting:floor-open') === '1') expand(true);
  } catch {
    /* folded by default */
  }
}
