"""`drafting serve` as an operator meets it (issue 13): a busy port, the settings from flags
and the environment, and the proxy in front. Real server processes on loopback."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from liveserver import free_port

from drafting.cli import main
from drafting.store import Store
from drafting.web import OPENINGS_PER_ADDRESS


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTING_")}
    return {**env, "DRAFTING_DB": str(tmp_path / "serve.db"), **extra}


class Serving:
    """`drafting serve ARGS` in its own process group, its output read line by line."""

    def __init__(self, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "drafting", "serve", "--port", str(self.port), *args],
            cwd=tmp_path,
            env=env or _env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output: list[str] = []

    def line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, f"the server stopped: {''.join(self.output)}"
        self.output.append(line)
        return line

    def until_serving(self) -> list[str]:
        """The lines up to "Serving ..."; then until the server answers."""
        while not self.line().startswith("Serving"):
            pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/").status == 200:
                    return self.output
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"no answer: {''.join(self.output)}")

    def request(
        self, method: str, path: str, body: dict | None = None, **headers: str
    ) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        data = json.dumps(body) if body is not None else None
        if data:
            headers["Content-Type"] = "application/json"
        conn.request(
            method, path, body=data, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(20)
        if self.proc.stdout:
            self.proc.stdout.close()


@pytest.fixture
def serving(tmp_path: Path):
    started: list[Serving] = []

    def start(*args: str, **env: str) -> Serving:
        s = Serving(tmp_path, *args, env=_env(tmp_path, **env))
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


# --- a busy port ------------------------------------------------------------------------------


def test_a_busy_port_is_said_at_once_and_no_link_is_printed(tmp_path: Path) -> None:
    """Issue 13: with port 5000 taken (AirPlay on macOS) serve printed the invitation links,
    then gunicorn tried five times and gave up; the links led nowhere."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "drafting", "serve", "--demo", "--port", str(port)],
            cwd=tmp_path,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode != 0
    said = out.stdout + out.stderr
    assert "/join/" not in said and "Serving" not in said, said
    assert "Traceback" not in said and "Retrying" not in said, said
    (message,) = [line for line in said.splitlines() if line.strip()]
    assert f"Port {port}" in message and "already in use" in message
    suggested = re.search(r"--port (\d+) is free", message)
    assert suggested, message
    with socket.socket() as s:  # the port it suggests is one a server can have
        s.bind(("127.0.0.1", int(suggested.group(1))))
    # nothing was made for delegates whose links were never shown
    assert Store(tmp_path / "serve.db").conferences() == []


def test_the_links_are_printed_once_the_port_listens(serving) -> None:
    server = serving("--demo")
    first_link = server.line()
    while "/join/" not in first_link:
        first_link = server.line()
    # the moment a link is on the screen, its port takes connections
    socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
    link = re.search(r"(http://\S+)/join/(\S+)", first_link)
    assert link and link.group(1) == f"http://127.0.0.1:{server.port}", first_link
    assert server.request("GET", f"/join/{link.group(2)}").status == 302  # signed in


# --- settings from flags and the environment --------------------------------------------------


def test_help_names_every_setting_and_its_variable() -> None:
    out = CliRunner().invoke(main, ["serve", "--help"]).output
    # each option's entry, from its flag to the next option's, as one line
    entries = {
        m.group(1): " ".join(m.group(2).split())
        for m in re.finditer(r"^  (--[\w-]+)(.*?)(?=^  -|^\S|\Z)", out, re.M | re.S)
    }
    for flag, variable in [
        ("--db", "DRAFTING_DB"),
        ("--host", "DRAFTING_HOST"),
        ("--port", "DRAFTING_PORT"),
        ("--base-url", "DRAFTING_BASE_URL"),
        ("--proxy-hops", "DRAFTING_PROXY_HOPS"),
        ("--message-queue", "DRAFTING_MESSAGE_QUEUE"),
        ("--secret-key-file", "DRAFTING_SECRET_KEY_FILE"),
    ]:
        assert variable in entries[flag], (flag, entries.get(flag))
    # and the settings only the environment gives, the key itself among them
    assert "DRAFTING_SECRET_KEY " in out and "DRAFTING_OPEN_CONFERENCES" in out


def test_a_base_url_without_a_scheme_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("DRAFTING_DB", str(tmp_path / "x.db"))
    result = CliRunner().invoke(main, ["serve", "--base-url", "drafting.example.org"])
    assert result.exit_code == 2 and "--base-url" in result.output


def test_public_address_and_key_file_from_flags_or_environment(serving, tmp_path: Path) -> None:
    key = tmp_path / "keys" / "signing.key"
    key.parent.mkdir()
    by_flag = serving(
        "--demo", "--base-url", "https://drafting.example.org/", "--secret-key-file", str(key)
    ).until_serving()
    links = [line for line in by_flag if "/join/" in line]
    assert len(links) == 7  # the chair, five delegates, the press
    assert all(" https://drafting.example.org/join/" in line for line in links), links
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) >= 32
    assert not (tmp_path / "serve.db.key").exists()

    other = tmp_path / "other"
    other.mkdir()
    by_env = Serving(
        other,
        "--demo",
        env=_env(
            other,
            DRAFTING_BASE_URL="https://env.example.org",
            DRAFTING_SECRET_KEY_FILE=str(other / "env.key"),
        ),
    )
    try:
        printed = by_env.until_serving()
    finally:
        by_env.stop()
    assert any(" https://env.example.org/join/" in line for line in printed), printed
    assert (other / "env.key").exists()


# --- the proxy in front -----------------------------------------------------------------------


def _open_conferences(server: Serving, forwarded_for: str, n: int) -> list[int]:
    return [
        server.request(
            "POST",
            "/api/conferences",
            {"name": f"From {forwarded_for} #{i}", "chair": "Eve"},
            X_Forwarded_For=forwarded_for,
        ).status
        for i in range(n)
    ]


def _cookie_secure(server: Serving, token: str, **headers: str) -> bool:
    resp = server.request("GET", f"/join/{token}", **headers)
    cookie = resp.getheader("Set-Cookie") or ""
    assert cookie.startswith("session="), cookie
    return "; Secure" in cookie


def _chair_token(printed: list[str]) -> str:
    (line,) = [line for line in printed if line.strip().startswith("chair")]
    return line.rsplit("/join/", 1)[1].strip()


def test_forwarded_headers_are_ignored_unless_a_proxy_is_trusted(serving) -> None:
    """Without --proxy-hops a client could name any address in X-Forwarded-For and escape the
    per-address limits: every request counts as the address it really came from."""
    server = serving("--demo", DRAFTING_OPEN_CONFERENCES="1")
    token = _chair_token(server.until_serving())
    n = OPENINGS_PER_ADDRESS
    assert _open_conferences(server, "203.0.113.7", n) == [201] * n
    # another claimed address is the same loopback client: its limit is spent
    assert _open_conferences(server, "198.51.100.9", 1) == [409]
    assert not _cookie_secure(server, token, X_Forwarded_Proto="https")


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_behind_a_trusted_proxy_each_client_has_its_own_address_and_scheme(serving, how) -> None:
    """Behind nginx every request comes from 127.0.0.1: with --proxy-hops 1 the address
    nginx forwards counts, for the limits per address, and https makes Secure cookies."""
    if how == "flag":
        server = serving("--demo", "--proxy-hops", "1", DRAFTING_OPEN_CONFERENCES="1")
    else:
        server = serving("--demo", DRAFTING_PROXY_HOPS="1", DRAFTING_OPEN_CONFERENCES="1")
    token = _chair_token(server.until_serving())
    n = OPENINGS_PER_ADDRESS
    assert _open_conferences(server, "203.0.113.7", n + 1) == [201] * n + [409]
    assert _open_conferences(server, "198.51.100.9", 1) == [201]
    # one hop: only the address nginx itself appended counts, not what the client wrote before
    assert _open_conferences(server, "198.51.100.9, 203.0.113.7", 1) == [409]
    assert _cookie_secure(server, token, X_Forwarded_Proto="https")
    assert not _cookie_secure(server, token)
