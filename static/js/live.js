/**
 * The draft page's one Socket.IO connection, opened as early as possible.
 *
 * The page loads this as an `async` module from <head>, so the connection and the `join` run
 * while the browser is still parsing the server-rendered document and loading the rest of
 * the code; draft.js (a deferred module) then takes over. Modules are singletons, so both get
 * this same socket.
 *
 * Every (re)connection joins the draft here. Until the page registers `onJoined`, the latest
 * join reply is kept, and so is every other message received meanwhile, to be replayed in
 * order once the page is listening.
 */
import { connect, request } from './net.js';

const meta = document.querySelector('meta[name="drafting:draft"]');
const draftId = meta ? Number(meta.content) : NaN;

export const socket = connect();

const JOINED = Symbol('joined');
let joinedHandler = null;
let joinFailed = null;
let early = []; // [event, args] received before the page listened, join replies included

socket.onAny((event, ...args) => {
  if (early) early.push([event, args]);
});

socket.on('connect', async () => {
  if (!Number.isFinite(draftId)) return;
  try {
    const reply = await request(socket, 'join', { draft_id: draftId });
    if (joinedHandler) joinedHandler(reply);
    else if (early) early.push([JOINED, [reply]]);
  } catch (err) {
    if (joinFailed) joinFailed(err);
  }
});

/**
 * The page takes over: `onJoined(reply)` runs for every join answered, and
 * `handlers[event](...args)` for the messages that arrived before this call, all in the order
 * they arrived.
 */
export function takeOver({ onJoined, onJoinFailed, handlers }) {
  joinedHandler = onJoined;
  joinFailed = onJoinFailed;
  const backlog = early;
  early = null;
  for (const [event, args] of backlog) {
    if (event === JOINED) onJoined(...args);
    else if (handlers[event]) handlers[event](...args);
  }
}
