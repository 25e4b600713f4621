"""Serve the app with gunicorn: one process, many threads, WebSocket via simple-websocket.

The Werkzeug development server was seen stalling with 50 Socket.IO clients; gunicorn's
threaded worker gives each connection a thread. One worker only: Socket.IO sessions live in
the process that accepted them (more processes need sticky sessions and the message queue).
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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

        return create_app(self.app_config)


def run(host: str, port: int, *, threads: int = 400, config: dict[str, Any] | None = None) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 0,
        "graceful_timeout": 5,
        "keepalive": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }
    _Gunicorn(options, config or {}).run()
