// The floor as a page keeps it (static/js/floor.js) under node's test runner: whole states and
// changes taken by version as docs/protocol.md "The meeting, step by step" says, a missed
// message loading the floor again, and a speech's clock counted from its deadline.
// Run by tests/test_floor_js.py: node --test tests/js/floor.test.mjs
import assert from 'node:assert/strict';
import test from 'node:test';

import { FloorState, clockText, msToNextChange, speechTime } from '../../static/js/floor.js';

/** A socket that only records handlers; `deliver` plays a server message. */
function fakeSocket() {
  const handlers = {};
  return {
    connected: false,
    on(event, fn) {
      (handlers[event] ||= []).push(fn);
    },
    deliver(event, msg) {
      for (const fn of handlers[event] || []) fn(msg);
    },
  };
}

const T0 = Date.parse('2026-03-12T10:00:00.000Z');
const at = (s) => new Date(T0 + s * 1000).toISOString();

function agenda(version, currentId, items = [1, 2]) {
  return {
    conference_id: 7,
    version,
    current_id: currentId,
    next_id: null,
    items: items.map((id, i) => ({ id, number: i + 1, kind: 'item', title: `Item ${id}`, draft_id: null, status: id === currentId ? 'current' : 'pending' })),
  };
}

function req(id, kind, memberId, status = 'waiting', extra = {}) {
  return {
    id, list_id: 10, kind, member_id: memberId, delegation: `M${memberId}`, participant_id: memberId, name: `P${memberId}`, status,
    asked_at: at(0), started_at: null, spoken_seconds: 0, limit_seconds: null, deadline: null, warning_at: null, ...extra,
  };
}

function list(version, { id = 10, item = 1, order = [], speaker = null, interrupted = null, requests = [], clause = null } = {}) {
  return {
    id, conference_id: 7, agenda_item_id: item, clause_id: clause, open: true, for_against: false, speaking_seconds: 60,
    reply_seconds: null, version, speaker, interrupted, order, requests,
  };
}

/** A FloorState over a fake socket; `answers[event]` gives the acknowledgement. */
function floorWith(answers) {
  const socket = fakeSocket();
  const calls = [];
  const request = async (_socket, event, data) => {
    calls.push([event, data]);
    const a = answers[event];
    return typeof a === 'function' ? a(data) : a;
  };
  const floor = new FloorState(socket, 7, request);
  return { floor, socket, calls };
}

test('a message before the floor is loaded is dropped; the whole state is taken', async () => {
  const first = list(2, { order: [1], requests: [req(1, 'speech', 1)] });
  const { floor, socket } = floorWith({ 'conference:follow': {}, 'floor:get': { agenda: agenda(3, 1), lists: [first], server_time: at(0) } });
  socket.deliver('floor:changed', { conference_id: 7, event: 'asked', list: list(3, { order: [1, 2], requests: [req(2, 'speech', 2)] }) });
  assert.equal(floor.agenda, null);
  await floor.follow();
  assert.equal(floor.loaded, true);
  assert.deepEqual(floor.queue(floor.lists.get(10)).map((r) => r.id), [1]);
});

test('changes apply by version: the next one merged, an old one ignored, a gap reloads', async () => {
  let gets = 0;
  const whole = list(5, { order: [1, 3, 2], requests: [req(1, 'speech', 1), req(2, 'speech', 2), req(3, 'point_of_order', 3)] });
  const { floor, socket, calls } = floorWith({
    'conference:follow': {},
    'floor:get': () => {
      gets += 1;
      return gets === 1
        ? { agenda: agenda(3, 1), lists: [list(2, { order: [1], requests: [req(1, 'speech', 1)] })], server_time: at(0) }
        : { agenda: agenda(3, 1), lists: [whole], server_time: at(1) };
    },
  });
  const changes = [];
  floor.subscribe((c) => changes.push(c));
  await floor.follow();
  // version 3: Germany asks
  socket.deliver('floor:changed', { conference_id: 7, event: 'asked', list: list(3, { order: [1, 2], requests: [req(2, 'speech', 2)] }) });
  assert.deepEqual(floor.queue(floor.lists.get(10)).map((r) => r.delegation), ['M1', 'M2']);
  // the same again, and an older one: nothing changes
  socket.deliver('floor:changed', { conference_id: 7, event: 'asked', list: list(3, { order: [2], requests: [] }) });
  socket.deliver('floor:changed', { conference_id: 7, event: 'asked', list: list(2, { order: [], requests: [] }) });
  assert.deepEqual(floor.lists.get(10).order, [1, 2]);
  // version 4: the floor given to the first; it leaves the queue and holds the floor
  const given = req(1, 'speech', 1, 'speaking', { started_at: at(1), limit_seconds: 60, deadline: at(61), warning_at: at(31) });
  socket.deliver('floor:changed', { conference_id: 7, event: 'given', list: list(4, { order: [2], speaker: 1, requests: [given] }) });
  assert.equal(floor.speaking().request.id, 1);
  assert.equal(floor.hasFloor(1), true);
  assert.equal(floor.hasFloor(2), false);
  assert.deepEqual(floor.waitingOf(floor.lists.get(10), 2).map((r) => r.id), [2]);
  // version 6 while 4 is held: a message was missed, the floor is loaded again
  socket.deliver('floor:changed', { conference_id: 7, event: 'asked', list: list(6, { order: [1, 3, 2], requests: [] }) });
  await floor.reloading;
  assert.equal(calls.filter(([e]) => e === 'floor:get').length, 2);
  assert.deepEqual(floor.queue(floor.lists.get(10)).map((r) => r.kind), ['speech', 'point_of_order', 'speech']);
  assert.ok(changes.some((c) => c.what === 'list' && c.event === 'given'));
});

test('a finished speech leaves the list; a point of order interrupts and the speech resumes', async () => {
  const speaking = req(1, 'speech', 1, 'speaking', { started_at: at(0), limit_seconds: 60, deadline: at(60), warning_at: at(30) });
  const { floor, socket } = floorWith({
    'conference:follow': {},
    'floor:get': { agenda: agenda(1, 1), lists: [list(1, { speaker: 1, order: [2], requests: [speaking, req(2, 'point_of_order', 2)] })], server_time: at(10) },
  });
  await floor.follow();
  const paused = { ...speaking, status: 'interrupted', spoken_seconds: 12, deadline: null, warning_at: null };
  const point = req(2, 'point_of_order', 2, 'speaking', { started_at: at(12) });
  socket.deliver('floor:changed', { conference_id: 7, event: 'given', list: list(2, { speaker: 2, interrupted: 1, order: [], requests: [paused, point] }) });
  assert.equal(floor.speaking().request.kind, 'point_of_order');
  assert.equal(floor.interrupted().request.id, 1);
  assert.deepEqual(speechTime(floor.interrupted().request, T0 + 20_000), { seconds: 48, counting: 'paused', state: 'paused', limited: true });
  const back = { ...paused, status: 'speaking', started_at: at(20), deadline: at(68), warning_at: at(38) };
  socket.deliver('floor:changed', { conference_id: 7, event: 'ended', list: list(3, { speaker: 1, order: [], requests: [{ ...point, status: 'spoken' }, back] }) });
  assert.equal(floor.speaking().request.id, 1);
  assert.equal(floor.interrupted(), null);
  assert.deepEqual([...floor.lists.get(10).requests.keys()], [1]); // the point of order is gone
});

test('the agenda: an older state is ignored, a newer one drops the lists of the item before', async () => {
  const { floor, socket } = floorWith({
    'conference:follow': {},
    'floor:get': { agenda: agenda(4, 1), lists: [list(1)], server_time: at(0) },
  });
  await floor.follow();
  socket.deliver('agenda:changed', { conference_id: 7, event: 'moved', agenda: agenda(3, 2), lists: [], server_time: at(1) });
  assert.equal(floor.current().id, 1);
  // a list of another item is not this page's
  socket.deliver('floor:changed', { conference_id: 7, event: 'opened', list: list(1, { id: 11, item: 2 }) });
  assert.equal(floor.lists.has(11), false);
  socket.deliver('agenda:changed', { conference_id: 7, event: 'taken_up', agenda: agenda(5, 2), lists: [list(1, { id: 12, item: 2 })], server_time: at(2) });
  assert.equal(floor.current().id, 2);
  assert.deepEqual([...floor.lists.keys()], [12]);
  // a clause's list opened on the item under debate is taken whole, after the item's own
  socket.deliver('floor:changed', { conference_id: 7, event: 'opened', list: list(1, { id: 13, item: 2, clause: 99 }) });
  assert.deepEqual(floor.itemLists().map((l) => l.id), [12, 13]);
  // another conference's messages are not heard
  socket.deliver('agenda:changed', { conference_id: 8, event: 'taken_up', agenda: { ...agenda(9, 1), conference_id: 8 }, lists: [] });
  assert.equal(floor.agenda.version, 5);
});

test("an action's answer is taken at once when newer", async () => {
  const { floor } = floorWith({
    'conference:follow': {},
    'floor:get': { agenda: agenda(1, 1), lists: [list(1)], server_time: at(0) },
    'floor:ask': { request_id: 4, list: list(2, { order: [4], requests: [req(4, 'reply', 3)] }), server_time: at(5) },
  });
  await floor.follow();
  const reply = await floor.act('floor:ask', { list_id: 10, kind: 'reply' });
  assert.equal(reply.request_id, 4);
  assert.equal(floor.lists.get(10).version, 2);
  assert.equal(floor.activeList().id, 10);
});

test("the clock: counted down from the deadline, warning, then over; by the server's time", async () => {
  const r = req(1, 'speech', 1, 'speaking', { started_at: at(0), limit_seconds: 60, deadline: at(60), warning_at: at(30) });
  assert.deepEqual(speechTime(r, T0 + 500), { seconds: 59.5, counting: 'down', state: 'running' });
  assert.equal(clockText(speechTime(r, T0 + 500)), '1:00');
  assert.equal(clockText(speechTime(r, T0 + 1000)), '0:59');
  assert.equal(speechTime(r, T0 + 30_000).state, 'warning');
  assert.equal(clockText(speechTime(r, T0 + 59_999)), '0:01');
  const over = speechTime(r, T0 + 72_400);
  assert.equal(over.state, 'over');
  assert.equal(clockText(over), '+0:12');
  // a point of order has no limit: the time spoken counts up
  const point = req(2, 'point_of_order', 2, 'speaking', { started_at: at(0), spoken_seconds: 3 });
  assert.equal(clockText(speechTime(point, T0 + 65_900)), '1:08');
  assert.equal(speechTime(point, T0).state, 'untimed');
  // the next change of the figures: at the next whole second of the time left (or spoken)
  assert.equal(Math.round(msToNextChange(speechTime(r, T0 + 300))), 705); // 59.7 s left: 1:00 until 59
  assert.equal(Math.round(msToNextChange(speechTime(point, T0 + 200))), 805);
  assert.equal(msToNextChange({ seconds: 5, counting: 'paused', state: 'paused' }), Infinity);
  // the screen's clock is set by the server's
  const { floor } = floorWith({ 'conference:follow': {}, 'floor:get': { agenda: agenda(1, 1), lists: [], server_time: new Date(Date.now() + 120_000).toISOString() } });
  await floor.follow();
  assert.ok(Math.abs(floor.now() - (Date.now() + 120_000)) < 1000);
});
