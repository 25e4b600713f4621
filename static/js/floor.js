/**
 * The meeting around the text, as a page keeps it: the conference's agenda and the lists of
 * speakers of the item under debate, kept as docs/protocol.md says ("The meeting, step by
 * step"); the browser's twin of `ConferenceClient` in drafting/client.py. No DOM: the views
 * (agenda.js, speakers.js, floorbar.js, notices.js, projector.js) read it and are told of
 * every change through `subscribe`.
 *
 * Time: the server sends nothing while a speech runs. A screen counts from the speaker's
 * `deadline` and `warning_at`, its clock corrected by `server_time` (`now()`); `speechTime`
 * says where a speech stands at a moment.
 *
 * It imports nothing: the page gives it its socket and `request` (net.js), and node's test
 * runner can run it (tests/js/floor.test.mjs).
 */

/** What a request for the floor is, in a few words (drafting/floor.py KINDS). */
export const KIND_NAMES = {
  speech: 'Speech',
  for: 'For',
  against: 'Against',
  point_of_order: 'Point of order',
  reply: 'Right of reply',
};

/** The same, said in a sentence: "asked for a point of order". */
export const KIND_PHRASES = {
  speech: 'a speech',
  for: 'a speech in favour',
  against: 'a speech against',
  point_of_order: 'a point of order',
  reply: 'a right of reply',
};

/** The group a kind waits in: a delegation has one waiting request per group and list. */
export function groupOf(kind) {
  return kind === 'point_of_order' || kind === 'reply' ? kind : 'ordinary';
}

/** A list as kept here: its fields, and its requests by id (a Map). */
function whole(lst) {
  return { ...lst, requests: new Map((lst.requests || []).map((r) => [r.id, r])) };
}

export class FloorState {
  /**
   * @param socket        the page's Socket.IO connection
   * @param conferenceId  the conference to follow
   * @param request       request(socket, event, data) -> a promise of the acknowledgement
   *                      (net.js), rejected with the server's refusal
   */
  constructor(socket, conferenceId, request) {
    this.socket = socket;
    this.conferenceId = conferenceId;
    this.request = request;
    this.agenda = null; // as the wire has it
    this.lists = new Map(); // id -> list (requests by id) of the item under debate
    this.offset = 0; // the server's clock minus ours, in ms
    this.loaded = false;
    this.reloads = 0; // floor:get again after a missed message
    this.listeners = [];
    this.reloading = null;
    this.again = false;
    socket.on('agenda:changed', (msg) => this.onAgenda(msg));
    socket.on('floor:changed', (msg) => this.onFloor(msg));
    socket.on('connect', () => this.follow());
    if (socket.connected) this.follow();
  }

  /** `fn(change)` after every change: `{what: 'loaded' | 'agenda' | 'list', event?, list?, requests?}`. */
  subscribe(fn) {
    this.listeners.push(fn);
  }

  changed(change) {
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch (e) {
        console.error(e); // one broken view must not stop the others
      }
    }
  }

  /** Follow the conference's room and load its floor: on every (re)connection. */
  async follow() {
    try {
      await this.request(this.socket, 'conference:follow', { conference_id: this.conferenceId });
      await this.reload();
    } catch {
      /* offline again: the next connection follows */
    }
  }

  /**
   * Load the agenda and the lists whole (after a missed message, or a reconnection). Asked
   * again while a load is under way, it loads once more after it: that answer may have been
   * made before the change that showed the gap.
   */
  reload() {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloads += 1;
    this.again = false;
    this.reloading = this.request(this.socket, 'floor:get', { conference_id: this.conferenceId })
      .then((reply) => {
        this.takeFloor(reply);
        this.loaded = true;
        this.changed({ what: 'loaded' });
      })
      .finally(() => {
        this.reloading = null;
        if (this.again) this.reload().catch(() => {});
      });
    return this.reloading;
  }

  clock(msg) {
    if (msg && msg.server_time) {
      const server = Date.parse(msg.server_time);
      if (Number.isFinite(server)) this.offset = server - Date.now();
    }
  }

  /** The server's clock now, in ms since the epoch. */
  now() {
    return Date.now() + this.offset;
  }

  /**
   * A whole state (`floor:get`, `agenda:changed`, an agenda answer): the agenda where its
   * version is newer than the one held (an older one is ignored, lists and all), then each
   * list of the item under debate where newer; lists of other items are dropped.
   */
  takeFloor(reply) {
    this.clock(reply);
    const agenda = reply.agenda;
    if (!agenda) return false;
    if (this.agenda === null || agenda.version > this.agenda.version) this.agenda = agenda;
    else if (agenda.version < this.agenda.version) return false;
    const current = this.agenda.current_id;
    const lists = new Map([...this.lists].filter(([, l]) => l.agenda_item_id === current));
    for (const lst of reply.lists || []) {
      const held = lists.get(lst.id);
      if (lst.agenda_item_id === current && (!held || lst.version > held.version)) lists.set(lst.id, whole(lst));
    }
    this.lists = lists;
    return true;
  }

  /** An answer's list is whole: taken if newer, or if it is a list of the item under debate not held. */
  takeList(reply) {
    this.clock(reply);
    const lst = reply.list;
    if (!lst) return;
    const held = this.lists.get(lst.id);
    const current = this.agenda ? this.agenda.current_id : null;
    if ((!held && lst.agenda_item_id === current) || (held && lst.version > held.version)) {
      this.lists.set(lst.id, whole(lst));
    }
  }

  onAgenda(msg) {
    if (!msg || msg.conference_id !== this.conferenceId) return;
    if (this.takeFloor(msg)) this.changed({ what: 'agenda', event: msg.event });
  }

  /**
   * One list, `requests` only those the change touched: applied when its version is the one
   * held plus one; an older one is ignored; a newer one means a message was missed: reload.
   */
  onFloor(msg) {
    if (!msg || msg.conference_id !== this.conferenceId || !this.agenda || !msg.list) return;
    this.clock(msg);
    const lst = msg.list;
    const held = this.lists.get(lst.id);
    if (!held) {
      if (lst.agenda_item_id !== this.agenda.current_id) return; // another item's list
      if (msg.event === 'opened') {
        this.lists.set(lst.id, whole(lst));
        this.changed({ what: 'list', event: msg.event, list: lst.id, requests: lst.requests || [] });
      } else {
        this.reload().catch(() => {});
      }
      return;
    }
    if (lst.version <= held.version) return;
    if (lst.version > held.version + 1) {
      this.reload().catch(() => {});
      return;
    }
    const requests = new Map(held.requests);
    for (const r of lst.requests || []) requests.set(r.id, r);
    const keep = new Set([...lst.order, lst.speaker, lst.interrupted]);
    for (const id of [...requests.keys()]) if (!keep.has(id)) requests.delete(id);
    this.lists.set(lst.id, { ...lst, requests });
    this.changed({ what: 'list', event: msg.event, list: lst.id, requests: lst.requests || [] });
  }

  /**
   * Ask the server (a floor or agenda event) and take the state its answer brings at once,
   * before the room's message arrives. Rejects with the server's refusal.
   */
  async act(event, data) {
    const reply = await this.request(this.socket, event, data);
    if (reply.agenda) {
      if (this.takeFloor(reply)) this.changed({ what: 'agenda', event: 'answer' });
    } else if (reply.list) {
      this.takeList(reply);
      this.changed({ what: 'list', event: 'answer', list: reply.list.id, requests: [] });
    }
    return reply;
  }

  // --- reading it -------------------------------------------------------------------------

  item(id) {
    return (this.agenda && this.agenda.items.find((i) => i.id === id)) || null;
  }

  /** The item under debate, or null. */
  current() {
    return this.agenda ? this.item(this.agenda.current_id) : null;
  }

  /** What "next item" takes up, or null. */
  next() {
    return this.agenda ? this.item(this.agenda.next_id) : null;
  }

  /** The lists of the item under debate: its own first, then the clauses' in the order opened. */
  itemLists() {
    return [...this.lists.values()].sort((a, b) => {
      if ((a.clause_id === null) !== (b.clause_id === null)) return a.clause_id === null ? -1 : 1;
      return a.id - b.id;
    });
  }

  /** The waiting requests of a list, in calling order. */
  queue(lst) {
    return lst.order.map((id) => lst.requests.get(id)).filter(Boolean);
  }

  /** Who has the floor in the meeting (one speaker at a time): `{list, request}` or null. */
  speaking() {
    for (const lst of this.lists.values()) {
      if (lst.speaker !== null && lst.requests.has(lst.speaker)) return { list: lst, request: lst.requests.get(lst.speaker) };
    }
    return null;
  }

  /** The speech a point of order interrupted, to resume after the ruling: `{list, request}` or null. */
  interrupted() {
    for (const lst of this.lists.values()) {
      if (lst.interrupted !== null && lst.requests.has(lst.interrupted)) {
        return { list: lst, request: lst.requests.get(lst.interrupted) };
      }
    }
    return null;
  }

  /**
   * The list the meeting is on: the speaker's, else the interrupted speech's, else the latest
   * clause's list with someone waiting, else the item's own list. Null with no item.
   */
  activeList() {
    const held = this.speaking() || this.interrupted();
    if (held) return held.list;
    const lists = this.itemLists();
    const clauseWaiting = lists.filter((l) => l.clause_id !== null && l.order.length);
    if (clauseWaiting.length) return clauseWaiting[clauseWaiting.length - 1];
    return lists.find((l) => l.clause_id === null) || lists[lists.length - 1] || null;
  }

  /** A member's waiting requests on a list (one per group at most). */
  waitingOf(lst, memberId) {
    if (memberId === null || memberId === undefined) return [];
    return this.queue(lst).filter((r) => r.member_id === memberId);
  }

  /** Whether a member has the floor now. */
  hasFloor(memberId) {
    const s = this.speaking();
    return Boolean(s && memberId !== null && memberId !== undefined && s.request.member_id === memberId);
  }
}

/**
 * Where a speech stands at `nowMs` (the server's clock): `{seconds, counting, state}`.
 * `counting` is `down` (time left; negative once over), `up` (no limit: time spoken) or
 * `paused` (interrupted by a point of order: the time it has left, or has spoken). `state` is
 * `running`, `warning` (from `warning_at`), `over` (past the deadline), `untimed` or `paused`;
 * `limited` (paused only) whether its `seconds` are the time left.
 */
export function speechTime(r, nowMs) {
  if (!r) return null;
  const spoken = Number(r.spoken_seconds) || 0;
  if (r.status === 'interrupted') {
    if (r.limit_seconds !== null && r.limit_seconds !== undefined) {
      return { seconds: Math.max(0, r.limit_seconds - spoken), counting: 'paused', state: 'paused', limited: true };
    }
    return { seconds: spoken, counting: 'paused', state: 'paused', limited: false };
  }
  if (r.deadline) {
    const left = (Date.parse(r.deadline) - nowMs) / 1000;
    const warning = r.warning_at ? nowMs >= Date.parse(r.warning_at) : false;
    return { seconds: left, counting: 'down', state: left < 0 ? 'over' : warning ? 'warning' : 'running' };
  }
  const started = r.started_at ? Date.parse(r.started_at) : nowMs;
  return { seconds: spoken + Math.max(0, (nowMs - started) / 1000), counting: 'up', state: 'untimed' };
}

/** "2:05"; time over as "+0:12". Whole seconds: down rounds up (0:01 until it is up), up rounds down. */
export function clockText(t) {
  if (!t) return '';
  let s = t.seconds;
  let sign = '';
  if (t.counting === 'down' && s < 0) {
    sign = '+';
    s = Math.floor(-s);
  } else {
    s = t.counting === 'down' ? Math.ceil(s) : Math.floor(s);
  }
  const m = Math.floor(s / 60);
  return `${sign}${m}:${String(s % 60).padStart(2, '0')}`;
}

/** "3 min", "1 min 30 s", "45 s": a speaking time in words. */
export function durationText(seconds) {
  if (seconds === null || seconds === undefined) return 'no limit';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (!m) return `${s} s`;
  return s ? `${m} min ${s} s` : `${m} min`;
}

/** The whole seconds until `t` next shows another number (for a ticker), at least 50 ms. */
export function msToNextChange(t) {
  if (!t || t.counting === 'paused') return Infinity;
  const frac = ((t.seconds % 1) + 1) % 1; // where in the second we are
  const ms = (t.counting === 'down' ? frac : 1 - frac) * 1000; // down: the next whole second
  return Math.max(50, ms + 5);
}
