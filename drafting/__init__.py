"""drafting: an assembly writes its declaration together.

`create_app()` is the application factory: configuration, the store, the action layer,
blueprints and Socket.IO.
"""

from __future__ import annotations

import os

if os.environ.get("DRAFTING_GEVENT_PATCHED") == "1":
    # `drafting serve` re-executes itself with this set, so that gevent patches the standard
    # library before anything (ssl, sockets, threads) is imported.
    from gevent import monkey

    monkey.patch_all()

import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets
from .actions import Actions
from .domain import MAX_DOCUMENT_BYTES
from .store import DEFAULT_DB, Store

socketio = SocketIO()

# a document, and room for the form around it
MAX_UPLOAD_BYTES = MAX_DOCUMENT_BYTES + 2 * 1024 * 1024


def signing_key(database: str, key_file: str | None = None) -> str:
    """The key that signs session cookies: `DRAFTING_SECRET_KEY`, or a file (`key_file`, by
    default `<database>.key` beside the database; readable by its owner only), made on first
    start. Never in the database itself: a backup or a stolen copy of it must not let anyone
    sign a cookie as the chair. Every process over the same database (and directory) reads the
    same file."""
    from_env = os.environ.get("DRAFTING_SECRET_KEY", "")
    if from_env:
        return from_env
    path = Path(key_file or f"{database}.key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may have made it a moment ago, and be writing
            key = path.read_text("ascii").strip()
            if len(key) >= 32:
                return key
            time.sleep(0.02)
        raise RuntimeError(
            f"{path} holds no usable key: delete it (everyone signs in again with their "
            "link) or set DRAFTING_SECRET_KEY."
        ) from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, static_folder=None, template_folder=assets.TEMPLATES)
    app.session_interface = _SessionInterface()
    app.config.update(
        DATABASE=os.environ.get("DRAFTING_DB", DEFAULT_DB),
        BASE_URL=os.environ.get("DRAFTING_BASE_URL", ""),
        MESSAGE_QUEUE=os.environ.get("DRAFTING_MESSAGE_QUEUE") or None,
        # the signing key's file (default <database>.key; DRAFTING_SECRET_KEY is the key itself)
        SECRET_KEY_FILE=os.environ.get("DRAFTING_SECRET_KEY_FILE") or None,
        # proxies in front whose X-Forwarded-For and -Proto are believed (0: none, clients
        # reach the server directly and could otherwise pick their own address)
        PROXY_HOPS=proxy_hops(os.environ.get("DRAFTING_PROXY_HOPS", "")),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("DRAFTING_SECURE_COOKIES", "") == "1",
        # anyone may open a conference through the web page and the API only when the operator
        # says so; otherwise the secretariat does, with `drafting conference create`
        OPEN_CONFERENCES=os.environ.get("DRAFTING_OPEN_CONFERENCES", "") == "1",
        # messages waiting for one connection before it is closed as too slow a reader
        MAX_UNREAD=int(os.environ.get("DRAFTING_MAX_UNREAD", "1000")),
    )
    if config:
        app.config.update(config)
    if str(app.config.get("BASE_URL") or "").startswith("https://"):
        # served over HTTPS (behind nginx): the session cookie never travels in clear
        app.config["SESSION_COOKIE_SECURE"] = True

    # the server (`server.py`, under gevent) checkpoints the WAL from an OS thread of its own
    store = Store(
        app.config["DATABASE"], autocheckpoint=not app.config.get("BACKGROUND_CHECKPOINT")
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = signing_key(
            app.config["DATABASE"], app.config["SECRET_KEY_FILE"]
        )
    if store.setting("secret_key") is not None:
        # versions before 0.2 kept the key in the database: a copy of it could sign cookies
        with store.write():
            store.delete_setting("secret_key")

    from .ballots import ballot_box
    from .live import Live
    from .sockets.presence import Presence

    live = Live(socketio, store)
    ballots = ballot_box(app.config["MESSAGE_QUEUE"], app.config["DATABASE"])
    actions = Actions(store, notify=live.publish, ballots=ballots)
    actions.origin, actions.notify_from = live.current_origin, live.publish_from
    if app.config.get("GROUP_COMMIT", os.environ.get("DRAFTING_GROUP_COMMIT", "1") != "0"):
        from .actions.group import GroupCommit

        actions.group = GroupCommit(actions)
    presence = Presence(actions, live)
    app.extensions["drafting"] = {
        "store": store,
        "actions": actions,
        "live": live,
        "presence": presence,
    }

    from . import web

    app.register_blueprint(web.pages)
    app.register_blueprint(web.api)
    web.register_error_handlers(app)
    # Flask-SocketIO runs each event in a Flask request context made from the Socket.IO
    # connection's own request, and matches its path against the app's routes. With no route
    # there, every event raised werkzeug's NotFound, whose traceback kept the handler's frames
    # (a whole draft after a join) in cycles for the collector: 160 delegates joining left
    # 60,000 objects, freed in one 100 ms pause. The path is the Socket.IO middleware's, so
    # this route is never served.
    for websocket in (False, True):  # long-polling and WebSocket connections
        app.add_url_rule(
            "/socket.io/", f"socketio_{websocket}", lambda: ("", 404), websocket=websocket
        )

    from . import sockets

    sockets.register(socketio)
    socketio.init_app(
        app,
        async_mode="gevent" if os.environ.get("DRAFTING_WORKER") == "gevent" else "threading",
        # a client's events run in its connection's own thread, in order: no thread (and no
        # SQLite connection) per event, and one delegate's edits cannot overtake each other
        async_handlers=False,
        message_queue=app.config["MESSAGE_QUEUE"],
        max_http_buffer_size=4 * 1024 * 1024,
        json=sockets.PacketJson,
        ping_interval=10,
        ping_timeout=20,
        logger=False,
        engineio_logger=False,
    )
    sockets.register_side_doors(socketio, app)
    app.wsgi_app = _without_websocket_compression(app.wsgi_app)  # type: ignore[method-assign]
    if app.config["PROXY_HOPS"]:
        # outermost, so that Socket.IO's connections see the client's address and scheme too:
        # per-address connection caps, the openings' rate limit, Secure cookies over https
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app


def proxy_hops(value: str | int) -> int:
    """DRAFTING_PROXY_HOPS: how many proxies (nginx: 1) stand between clients and the server."""
    try:
        hops = int(value or 0)
    except ValueError:
        hops = -1
    if hops < 0:
        raise SystemExit(f"DRAFTING_PROXY_HOPS must be a number of proxies, not {value!r}")
    return hops


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is `Secure` when the request came over HTTPS: directly, or through a
    trusted proxy's X-Forwarded-Proto (PROXY_HOPS), besides SESSION_COOKIE_SECURE."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def _without_websocket_compression(wsgi_app: Any) -> Any:
    """Decline permessage-deflate: every browser offers it, and the WebSocket layer would then
    compress each message once per recipient. With 80 authors in one clause that was most of
    the server's CPU (zlib outside the GIL). Socket.IO's own server (Etherpad's) leaves it off
    by default too; our messages are small, and the large ones (join) are rare."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app
