/**
 * The sync status in the top bar (#sync-status): connecting, saved, syncing, or offline with
 * the edits waiting; going offline and coming back are announced.
 */
import { $, announce } from './dom.js';

export class SyncStatus {
  /** @param app  the draft screen (socket, joined, sync) */
  constructor(app) {
    this.app = app;
    this.el = $('#sync-status');
    this.lastState = '';
    this.queued = false;
  }

  render() {
    const { app, el, lastState } = this;
    const connected = app.socket && app.socket.connected && app.joined;
    const waiting = app.sync ? app.sync.pending() : 0;
    let state;
    let text;
    if (!connected) {
      state = app.joined || lastState === 'offline' || lastState === 'saved' ? 'offline' : 'connecting';
      if (state === 'offline') {
        text = waiting
          ? `Offline – ${waiting} edit${waiting === 1 ? '' : 's'} waiting`
          : 'Offline – nothing waiting';
      } else text = 'Connecting…';
    } else if (app.sync.busy()) {
      state = 'syncing';
      text = 'Syncing…';
    } else {
      state = 'saved';
      text = 'Saved';
    }
    if (el.textContent !== text) el.textContent = text;
    el.dataset.state = state;
    if (state !== lastState) {
      if (state === 'offline') announce('You are offline. Your edits are kept and sent when you reconnect.');
      else if (lastState === 'offline' && state !== 'connecting') announce('Back online.');
      this.lastState = state;
    }
    el.dataset.waiting = String(waiting);
  }

  /** Render once the current task is done, however many changes it made. */
  schedule() {
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      this.render();
    });
  }
}
