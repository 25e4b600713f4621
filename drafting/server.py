"""Serve the app with gunicorn: one process, gevent, WebSocket via simple-websocket.

The Werkzeug development server was seen stalling with 50 Socket.IO clients. Measured with
benchmarks/live_edit.py on 2 cores, gevent beats gunicorn's threaded worker: 200 clients p99
138 ms against 198 ms, at 0.50 server cores against 0.83; 80 Etherpad-style authors p99 525 ms
against 1,348 ms. `DRAFTING_WORKER=gthread` keeps the threaded worker. One worker only:
Socket.IO sessions live in the process that accepted them (more processes need sticky sessions
and the message queue).
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import socket
from dataclasses import dataclass
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
        # alone, or one of several processes (`drafting serve --workers N`): what they share
        from .cluster import share

        share(app)
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
# A WAL this long (8 MB) is checkpointed again with RESTART right after: PASSIVE never finds
# it wholly copied while commits keep coming (one lands during every copy and sync), so the
# WAL never starts over and grows until a commit in the event loop checkpoints it itself
# (`WAL_BACKSTOP_PAGES`): 32 MB copied and synced with every connection of the process
# stopped. RESTART holds the write lock while it copies what is left, little after the
# PASSIVE, and syncs; edits wait for it meanwhile, the event loop does not. 160 authors:
# send -> stored p99 31-48 ms in four runs, against 53 and 146 ms (max 784 ms) without.
RESTART_PAGES = 2000


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
                log_pages, _done = pool.apply(store.checkpoint)
                if log_pages >= RESTART_PAGES:
                    pool.apply(store.checkpoint, ("RESTART",))
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


@dataclass
class Settings:
    """What `drafting serve` was told (flags, or their DRAFTING_* variables), for one process."""

    host: str = "127.0.0.1"
    port: int = 5000
    base_url: str = ""  # the public address in printed links; default http://HOST:PORT
    proxy_hops: int = 0
    message_queue: str | None = None
    secret_key_file: str | None = None
    threads: int = 400

    def public_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        host = WILDCARDS.get(self.host, self.host)
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def app_config(self, database: str) -> dict[str, Any]:
        """create_app's configuration."""
        return {
            "DATABASE": database,
            "BASE_URL": self.public_url(),
            "PROXY_HOPS": self.proxy_hops,
            "MESSAGE_QUEUE": self.message_queue or None,
            "SECRET_KEY_FILE": self.secret_key_file or None,
        }


# every interface: links name this machine's loopback unless a public address is given
WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


class CannotListen(Exception):
    """The port or address cannot be had; the message says why and what to do."""


BACKLOG = 2048  # gunicorn's default


def listen(host: str, port: int) -> socket.socket:
    """Bind and listen at once, before anything is printed: a port in use is said in one line
    and a non-zero exit, where gunicorn would try five times in five seconds. Connections that
    arrive from now on wait in the backlog until the worker takes them."""
    # as gunicorn reads --host: IPv6 when the address has a colon, else IPv4
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, family, socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise CannotListen(
            f"Cannot listen on {host!r}: no such address. Give --host an address of this "
            "machine: 127.0.0.1 (this machine only) or 0.0.0.0 (every network interface)."
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: quick restarts
    try:
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as e:
        sock.close()
        raise CannotListen(_why(e, host, port)) from None
    return sock


def _why(e: OSError, host: str, port: int) -> str:
    if e.errno == errno.EADDRINUSE:
        free = _free_port_near(host, port)
        other = f" (--port {free} is free)" if free else ""
        return (
            f"Port {port} on {host} is already in use, by another program or another drafting "
            f"server. Stop it, or choose another port with --port{other}."
        )
    if e.errno == errno.EACCES:
        return (
            f"Not allowed to listen on port {port}: ports below 1024 need root. Choose another "
            "with --port (8000, say), behind nginx if delegates should reach port 80 or 443."
        )
    if e.errno == errno.EADDRNOTAVAIL:
        return (
            f"{host} is not an address of this machine. Give --host one of its addresses: "
            "127.0.0.1 (this machine only) or 0.0.0.0 (every network interface)."
        )
    return f"Cannot listen on {host} port {port}: {e.strerror}."


def _free_port_near(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + 20, 65535) + 1):
        try:
            listen(host, candidate).close()
        except CannotListen:
            continue
        return candidate
    return None


def run(listener: socket.socket, settings: Settings, database: str) -> None:
    """Serve on a socket that `listen` opened, until stopped."""
    worker = os.environ.get("DRAFTING_WORKER", "gevent")
    if worker not in ("gevent", "gthread"):
        raise SystemExit("DRAFTING_WORKER must be gevent or gthread.")
    os.environ["DRAFTING_WORKER"] = worker  # the app picks its Socket.IO mode to match
    options = {
        # gunicorn takes over the socket (and closes this descriptor once it has its own)
        "bind": f"fd://{listener.detach()}",
        "workers": 1,
        "worker_class": worker,
        "threads": settings.threads,
        "timeout": 0,
        "graceful_timeout": 5,
        "keepalive": 30,
        # gunicorn believes X-Forwarded-Proto from loopback by default: the app alone decides,
        # as --proxy-hops says (Werkzeug's ProxyFix, drafting/__init__.py)
        "forwarded_allow_ips": "",
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(options, settings.app_config(database)).run()
