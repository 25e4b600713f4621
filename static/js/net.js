/**
 * The two doors to the server: the JSON API (fetch, cookie auth) and the Socket.IO connection
 * (the same session cookie authenticates it). Both speak only docs/protocol.md.
 */
import { io } from '/vendor/socket.io.esm.js';

/** An error the server (or the network) gave us, with its protocol code. */
export class Refused extends Error {
  constructor(message, code = 'refused', reply = null) {
    super(message);
    this.name = 'Refused';
    this.code = code;
    this.reply = reply;
  }
}

/** fetch() a JSON API path; writes are JSON (cookie-authenticated writes must be). */
export async function api(method, path, body) {
  // X-Drafting: a header no cross-site form can send; the server takes it as our page's mark
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'X-Drafting': '1' },
  };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch {
    throw new Refused('The server cannot be reached. Check your connection and try again.', 'offline');
  }
  let data = null;
  try {
    data = await resp.json();
  } catch {
    data = null;
  }
  if (!resp.ok) {
    const err = data && data.error;
    throw new Refused(err ? err.message : `The server answered ${resp.status}.`, err ? err.code : 'http');
  }
  return data;
}

/** Open the live connection: websocket first, long-polling if a proxy refuses websockets. */
export function connect() {
  return io({
    transports: ['websocket', 'polling'],
    withCredentials: true,
    reconnectionDelay: 300,
    reconnectionDelayMax: 3000,
    randomizationFactor: 0.3,
  });
}

/**
 * Emit an event and resolve with its acknowledgement, or reject with a Refused carrying the
 * protocol error. Offline, it fails at once rather than queueing a request the user may have
 * given up on.
 */
export function request(socket, event, data, { timeout = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    if (!socket.connected) {
      reject(new Refused('You are offline; try again when the connection is back.', 'offline'));
      return;
    }
    socket.timeout(timeout).emit(event, data, (err, reply) => {
      if (err) {
        reject(new Refused('No answer from the server; try again.', 'timeout'));
      } else if (!reply || typeof reply !== 'object') {
        reject(new Refused(`Unexpected answer to ${event}.`, 'protocol'));
      } else if (reply.error) {
        reject(new Refused(reply.error.message, reply.error.code, reply));
      } else {
        resolve(reply);
      }
    });
  });
}
