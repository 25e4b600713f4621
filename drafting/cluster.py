"""`drafting serve --workers N`: N server processes behind nginx, fanning out through Redis.

Everything on one machine, on engines Debian packages:

- nginx on the public address (`--host`, `--port`), proxying HTTP and WebSocket to the
  processes, each browser kept on one process (below);
- N `drafting serve` processes (gunicorn, gevent, as one process is served) on loopback
  ports, all over the one SQLite file in WAL mode; each broadcast goes through the message
  queue to the clients of every process, and presence is shared through the database
  (`sockets/presence.py`);
- Redis as Socket.IO's message queue (`DRAFTING_MESSAGE_QUEUE`), on loopback, with a password
  made at each start, holding nothing on disk (`save ""`, no append-only file): the open
  secret ballots wait there too (`ballots.py`). With `--message-queue` (or
  `DRAFTING_MESSAGE_QUEUE`) given, that Redis is used instead and none is started.

The processes believe one more proxy than `--proxy-hops` says (nginx is in front of them), so
each client's own address counts; nginx passes on the scheme a TLS proxy in front reports, and
refuses floods of WebSocket handshakes per address, as docs/deploy.md's configuration does.

The configuration is written into a folder beside the database (`<db>.cluster/`: nginx.conf,
redis.conf, cluster.json with the processes' pids, each process's output) at every start;
nginx runs from there with `daemon off` as a child of this process, not as the system's
service. Ctrl-C or SIGTERM stops it all; a server process that dies is started again on its
port (nginx sends its clients to the others meanwhile); if nginx or Redis dies, everything
stops.

Sticky sessions: a Socket.IO connection over WebSocket is one HTTP request, so it lives on one
process whatever the proxy does; long-polling is many requests, which must all reach the
process that holds the session. nginx gives each browser a random cookie on its first answer
(`drafting_route`) and hashes it to pick the process, so a browser's requests go to one process
while browsers spread evenly. Not `ip_hash`: a conference room behind one NAT address would all
land on one process. A client without the cookie (the Python client, the benchmarks) is placed
per connection at random. docs/scaling.md says more.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import pwd
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from .server import Settings

log = logging.getLogger(__name__)

# a server process that dies this soon after it was started, this many times in a row, is
# not started again: something is wrong with it (its log says what)
QUICK_DEATH_S = 10.0
QUICK_DEATHS = 3
READY_TIMEOUT_S = 60.0


class ClusterError(click.ClickException):
    pass


def find_program(name: str) -> str | None:
    """A program on PATH, or in the sbin folders root's PATH has (Debian's nginx is
    /usr/sbin/nginx, which a user's PATH may lack)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/local/sbin", "/sbin"):
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    return None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_port_free(host: str, port: int) -> None:
    """The public port, tried as `drafting serve` tries it: in use, said in one line."""
    from .server import CannotListen, listen

    try:
        listen(host, port).close()
    except CannotListen as e:
        raise ClusterError(str(e)) from None


def _listen(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _q(path: Path) -> str:
    """A path as an nginx string."""
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def nofile_limit() -> int:
    """Raise this process's open-file limit to its hard limit (children inherit it): 1,000
    clients are 2,000 connections for nginx and 1,000 for the processes."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    return want if soft == resource.RLIM_INFINITY else soft


def nginx_conf(
    run_dir: Path, host: str, port: int, upstreams: list[int], max_body: int, nofile: int
) -> str:
    """nginx in front of the processes: WebSocket upgrades passed through, a browser kept on
    one process by the `drafting_route` cookie, a dead process skipped, floods of new
    connections from one address refused."""
    # as root nginx would run its workers as nobody, who may not enter the folders above the
    # run folder (pytest's are 0700): they run as the user who started the cluster
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    connections = max(1024, min(16384, nofile - 64))
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in upstreams
    )
    temp = "\n".join(
        f"    {kind}_temp_path {_q(run_dir / 'nginx-temp' / kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""# Written by `drafting serve --workers {len(upstreams)}` at each start.
{user}daemon off;
worker_processes 1;
worker_rlimit_nofile {nofile};
pid {_q(run_dir / "nginx.pid")};
error_log stderr warn;

events {{
    worker_connections {connections};
}}

http {{
    access_log off;
    server_tokens off;
{temp}
    client_max_body_size {max_body};

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}
    # a browser's first answer gives it a random route; its requests then go to one process
    map $cookie_drafting_route $drafting_route {{
        "" $request_id;
        default $cookie_drafting_route;
    }}
    map $cookie_drafting_route $drafting_route_cookie {{
        "" "drafting_route=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}

    # the scheme as the client used it: ours, after what the proxies in front said (the
    # processes believe as many values from the right as there are proxies, ours included)
    map $http_x_forwarded_proto $drafting_proto {{
        "" $scheme;
        default "$http_x_forwarded_proto, $scheme";
    }}
    # new live connections per address: WebSocket handshakes only, 20 a second and 400 at
    # once (docs/deploy.md); loopback is not limited (a proxy on this machine, tests)
    geo $drafting_local {{
        default 0;
        127.0.0.0/8 1;
        ::1 1;
    }}
    map "$drafting_local:$http_upgrade" $drafting_handshake_from {{
        ~*^0:websocket$ $binary_remote_addr;
        default "";
    }}
    limit_req_zone $drafting_handshake_from zone=drafting_handshakes:10m rate=20r/s;

    upstream drafting {{
        hash $drafting_route consistent;
{servers}
    }}

    server {{
        listen {_listen(host, port)};
        server_name _;

        location / {{
            proxy_pass http://drafting;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $drafting_proto;
            proxy_connect_timeout 5s;
            proxy_read_timeout 300s;
            proxy_send_timeout 300s;
            add_header Set-Cookie $drafting_route_cookie;
            limit_req zone=drafting_handshakes burst=400 nodelay;
        }}
    }}
}}
"""


def redis_conf(run_dir: Path, port: int, password: str) -> str:
    return f"""# Written by `drafting serve --workers N` at each start.
bind 127.0.0.1
port {port}
requirepass {password}
protected-mode yes
daemonize no
save ""
appendonly no
dir {run_dir}
loglevel warning
logfile ""
"""


def _die_with_parent(parent: int) -> Callable[[], None]:
    """For a child: SIGTERM when this process dies, even by SIGKILL (Linux's
    PR_SET_PDEATHSIG), so that nothing is left holding the ports."""

    def setup() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # not Linux: the parent's handler stops them
            return
        if os.getppid() != parent:  # the parent died before the call
            os._exit(1)

    return setup


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path | None = None  # standard output goes there (else: ours)
    port: int | None = None
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    quick_deaths: int = 0
    _out: IO[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        if self._out is not None:
            self._out.close()
        self._out = open(self.log, "ab") if self.log else None  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            start_new_session=True,  # a signal to the cluster's group is ours to pass on
            preexec_fn=_die_with_parent(os.getpid()),
        )
        self.started = time.monotonic()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            assert self.proc is not None
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(10)
        if self._out is not None:
            self._out.close()
            self._out = None

    def tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-2000:]


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


class Cluster:
    def __init__(
        self,
        db: str,
        settings: Settings,
        workers: int,
        *,
        echo: Callable[[str], None] = click.echo,
    ) -> None:
        if workers < 1:
            raise ValueError("a cluster has at least one server process")
        self.db = str(Path(db).resolve())
        self.settings = settings
        self.host, self.port, self.workers = settings.host, settings.port, workers
        self.echo = echo
        self.run_dir = Path(f"{self.db}.cluster")
        self.base_url = settings.public_url()
        self.queue: str | None = settings.message_queue or None
        self.redis: Child | None = None
        self.nginx: Child | None = None
        self.servers: list[Child] = []
        self._stopping = False
        self._supervising = False

    # --- start -------------------------------------------------------------------------

    def start(self) -> None:
        nginx = find_program("nginx")
        if nginx is None:
            raise ClusterError(
                "nginx is not installed: `apt-get install nginx` (Debian, Ubuntu), then again."
            )
        check_port_free(self.host, self.port)
        self.run_dir.mkdir(mode=0o755, exist_ok=True)
        self.run_dir.chmod(0o755)  # nginx's workers enter it
        nofile = nofile_limit()

        from . import MAX_UPLOAD_BYTES, signing_key

        key_file = self.settings.secret_key_file
        try:  # made once here, not raced for by the processes
            signing_key(self.db, key_file)
        except (OSError, RuntimeError) as e:
            raise ClusterError(f"Cannot use the signing key's file: {e}") from None

        if self.workers > 1 and not self.queue:
            self.queue = self._start_redis()
        env = {k: v for k, v in os.environ.items() if k != "DRAFTING_GEVENT_PATCHED"}
        env.update(
            DRAFTING_DB=self.db,
            DRAFTING_BASE_URL=self.base_url,
            # our nginx is one more proxy in front of the processes: its X-Forwarded-For is
            # believed, so each client's own address counts for the per-address limits
            DRAFTING_PROXY_HOPS=str(self.settings.proxy_hops + 1),
        )
        if key_file:
            env["DRAFTING_SECRET_KEY_FILE"] = str(Path(key_file).resolve())
        if self.queue:
            env["DRAFTING_MESSAGE_QUEUE"] = self.queue
        for i in range(self.workers):
            port = free_port()
            argv = [sys.executable, "-m", "drafting", "serve"]
            argv += ["--host", "127.0.0.1", "--port", str(port)]
            argv += ["--threads", str(self.settings.threads)]
            child = Child(
                f"server {i + 1}", argv, env, log=self.run_dir / f"server-{i + 1}.log", port=port
            )
            child.start()
            self.servers.append(child)
        for child in self.servers:
            self._wait_ready(child, f"http://127.0.0.1:{child.port}/")

        conf = self.run_dir / "nginx.conf"
        conf.write_text(
            nginx_conf(
                self.run_dir,
                self.host,
                self.port,
                [c.port for c in self.servers if c.port],
                MAX_UPLOAD_BYTES,
                nofile,
            )
        )
        (self.run_dir / "nginx-temp").mkdir(mode=0o755, exist_ok=True)
        argv = [nginx, "-p", f"{self.run_dir}/", "-c", str(conf), "-e", "stderr"]
        test = subprocess.run([*argv, "-t", "-q"], capture_output=True, text=True, check=False)
        if test.returncode != 0:
            raise ClusterError(f"nginx refused its configuration {conf}:\n{test.stderr.strip()}")
        self.nginx = Child("nginx", argv, dict(os.environ))
        self.nginx.start()
        self._wait_ready(self.nginx, f"http://{_listen(self._local_host(), self.port)}/")
        self.write_state()

    def _local_host(self) -> str:
        """Where this machine reaches the public address."""
        from .server import WILDCARDS

        return WILDCARDS.get(self.host, self.host)

    def _start_redis(self) -> str:
        redis = find_program("redis-server")
        if redis is None:
            raise ClusterError(
                "redis-server is not installed: `apt-get install redis-server` (Debian, "
                "Ubuntu), or give a Redis with DRAFTING_MESSAGE_QUEUE=redis://..."
            )
        port, password = free_port(), secrets.token_hex(24)
        conf = self.run_dir / "redis.conf"
        conf.touch(mode=0o600)
        conf.chmod(0o600)  # it holds the password
        conf.write_text(redis_conf(self.run_dir, port, password))
        self.redis = Child(
            "redis", [redis, str(conf)], dict(os.environ), log=self.run_dir / "redis.log", port=port
        )
        self.redis.start()
        url = f"redis://:{password}@127.0.0.1:{port}/0"
        import redis as redis_client

        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if not self.redis.alive():
                raise ClusterError("redis-server did not start (its messages are above).")
            try:
                redis_client.Redis.from_url(url, socket_timeout=1).ping()
                return url
            except redis_client.RedisError:
                if time.monotonic() > deadline:
                    raise ClusterError("redis-server did not answer within a minute.") from None
                time.sleep(0.05)

    def _wait_ready(self, child: Child, url: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _http_ok(url):
            if not child.alive():
                raise ClusterError(f"{child.name} did not start.\n{child.tail()}".rstrip())
            if time.monotonic() > deadline:
                raise ClusterError(f"{child.name} did not answer {url} within a minute.")
            time.sleep(0.05)

    def write_state(self) -> None:
        """cluster.json: who runs where (tests and operators find the processes there)."""

        def pid(c: Child | None) -> int | None:
            return c.proc.pid if c is not None and c.proc is not None else None

        state: dict[str, Any] = {
            "url": self.base_url,
            "database": self.db,
            "cluster": os.getpid(),
            "nginx": pid(self.nginx),
            "redis": self.redis and {"pid": pid(self.redis), "port": self.redis.port},
            "servers": [{"port": c.port, "pid": pid(c), "log": str(c.log)} for c in self.servers],
        }
        tmp = self.run_dir / "cluster.json.tmp"
        tmp.write_text(json.dumps(state, indent=2) + "\n")
        tmp.replace(self.run_dir / "cluster.json")

    # --- run and stop ------------------------------------------------------------------

    def supervise(self) -> int:
        """Until a signal: start again a server process that dies; stop all if nginx or Redis
        does. Returns the exit status."""
        self._supervising = True
        while not self._stopping:
            for essential in (self.nginx, self.redis):
                if essential is not None and not essential.alive():
                    assert essential.proc is not None
                    self.echo(
                        f"{essential.name} stopped (exit status {essential.proc.returncode}): "
                        "stopping the cluster."
                    )
                    return 1
            for child in self.servers:
                if child.alive() or self._stopping:
                    continue
                assert child.proc is not None
                quick = time.monotonic() - child.started < QUICK_DEATH_S
                child.quick_deaths = child.quick_deaths + 1 if quick else 0
                if child.quick_deaths >= QUICK_DEATHS:
                    self.echo(
                        f"{child.name} died {QUICK_DEATHS} times within {QUICK_DEATH_S:.0f} s "
                        f"of its start: stopping the cluster. Its log ({child.log}):\n"
                        f"{child.tail()}"
                    )
                    return 1
                self.echo(
                    f"{child.name} (127.0.0.1:{child.port}, pid {child.proc.pid}) ended with "
                    f"status {child.proc.returncode}; starting it again."
                )
                child.start()
                self.write_state()
            time.sleep(0.2)
        return 0

    def stop(self) -> None:
        """nginx first (no new requests), then the server processes (gunicorn's graceful
        stop: at most 5 s; its quick stop under gevent prints a traceback), then Redis."""
        self._stopping = True
        if self.nginx is not None:
            self.nginx.signal(signal.SIGTERM)
            self.nginx.wait(10)
        for child in self.servers:
            child.signal(signal.SIGTERM)
        for child in self.servers:
            child.wait(10)
        if self.redis is not None:
            self.redis.signal(signal.SIGTERM)
            self.redis.wait(10)

    def on_signal(self, signum: int, frame: Any) -> None:
        if self._stopping:
            return
        self._stopping = True
        if not self._supervising:  # still starting: leave the start at once
            raise KeyboardInterrupt


def serve_cluster(db: str, settings: Settings, workers: int, *, demo: bool = False) -> None:
    """`drafting serve --workers N`: start the cluster, print where it serves, run until
    Ctrl-C or SIGTERM, then stop every process it started."""
    cluster = Cluster(db, settings, workers)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, cluster.on_signal)
    status = 1
    try:
        cluster.start()
        if demo:
            from .actions import Actions
            from .demo import ensure_demo
            from .store import Store

            ensure_demo(Actions(Store(cluster.db)), cluster.base_url, click.echo)
        queue = "" if cluster.queue is None else ", sharing through Redis"
        click.echo(
            f"Serving {cluster.db} on {cluster.base_url} through nginx: {workers} "
            f"process{'es' if workers > 1 else ''} on 127.0.0.1:"
            f"{', '.join(str(c.port) for c in cluster.servers)}{queue}; configuration and "
            f"logs in {cluster.run_dir}/  (Ctrl-C stops)"
        )
        sys.stdout.flush()
        status = cluster.supervise()
    except KeyboardInterrupt:  # a signal while starting
        status = 0
    finally:
        cluster.stop()
    if status:
        raise SystemExit(status)


# --- what the processes share, in each served process ---------------------------------------


def share(app: Any) -> None:
    """In a served process, before it takes connections. Alone, everything stays in its
    memory. With a message queue (one of several processes), a clause's broadcasts follow on
    from the process's last (`live.py`), and who is connected is kept in the database
    (`sockets/presence.py`); the open secret polls' ballot boxes are already in the queue's
    Redis (`ballots.py`)."""
    ext = app.extensions["drafting"]
    shared = bool(app.config.get("MESSAGE_QUEUE"))
    ext["live"].shared = shared
    ext["presence"].start(shared=shared)
