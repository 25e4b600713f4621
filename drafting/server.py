"""Serve the app with gunicorn: one process, gevent, WebSocket via simple-websocket.

The Werkzeug development server was seen stalling with 50 Socket.IO clients. Measured with
benchmarks/live_edit.py on 2 cores, gevent beats gunicorn's threaded worker: 200 clients p99
138 ms against 198 ms, at 0.50 server cores against 0.83; 80 Etherpad-style authors p99 525 ms
against 1,348 ms. `DRAFTING_WORKER=gthread` keeps the threaded worker. One worker only:
Socket.IO sessions live in the process that accepted them (more processes need sticky sessions
and the message queue).
"""

from __future__ import annotations

import gc
import logging
import os
from typing import Any

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any], config: dict[str, Any]) -> None:
        self.options = options
        self.app_config = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app

        gevent = os.environ.get("DRAFTING_WORKER") == "gevent"
        app = create_app({**self.app_config, "BACKGROUND_CHECKPOINT": gevent})
        if gevent:
            _checkpoint_in_background(app.extensions["drafting"]["store"])
            # uploads read and documents set in worker processes, off the room's event loop
            app.extensions["drafting"]["actions"].isolated = True
            _sweep_revoked_links(app)
        # What start-up made (modules, Flask, the routes: some 80,000 objects) lives as long
        # as the process: out of the cyclic collector's sight, a full collection scans only
        # what serving made. Measured with 160 typing authors: full collections, which stop
        # every connection of this one process, went from 72-107 ms to 26-33 ms.
        gc.freeze()
        return app


CHECKPOINT_EVERY = 0.5  # seconds


def _checkpoint_in_background(store: Any) -> None:
    """Checkpoint the WAL every half second from gevent's pool of real OS threads: the disk
    sync then never holds up the event loop, which every connection of this process shares.
    A greenlet waits for each checkpoint; the loop serves everyone meanwhile."""
    import gevent

    def loop() -> None:
        pool = gevent.get_hub().threadpool
        while True:
            gevent.sleep(CHECKPOINT_EVERY)
            try:
                pool.apply(store.checkpoint)
            except Exception:  # a busy or vanished file: the next round tries again
                log.warning("WAL checkpoint failed", exc_info=True)

    gevent.spawn(loop)


SWEEP_EVERY = 1.0  # seconds


def _sweep_revoked_links(app: Any) -> None:
    """Every second, close the connections whose invite link was reissued since they signed in
    (a chair's new link, or `drafting participant link` from another process): a connection
    that only reads is cut off too, not only one that acts."""
    import gevent

    from .sockets.door import sweep_revoked

    def loop() -> None:
        while True:
            gevent.sleep(SWEEP_EVERY)
            try:
                with app.app_context():
                    sweep_revoked()
            except Exception:  # the next round tries again
                log.warning("sweeping revoked links failed", exc_info=True)

    gevent.spawn(loop)


def run(host: str, port: int, *, threads: int = 400, config: dict[str, Any] | None = None) -> None:
    worker = os.environ.get("DRAFTING_WORKER", "gevent")
    if worker not in ("gevent", "gthread"):
        raise SystemExit("DRAFTING_WORKER must be gevent or gthread.")
    os.environ["DRAFTING_WORKER"] = worker  # the app picks its Socket.IO mode to match
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": worker,
        "threads": threads,
        "timeout": 0,
        "graceful_timeout": 5,
        "keepalive": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(options, config or {}).run()
