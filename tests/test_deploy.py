"""docs/deploy.md's nginx configuration, run as written (its names, ports and certificate
swapped for the test's) with the real nginx in front of a real server: HTTP is sent to HTTPS,
pages are served over HTTPS, and the live connection is a WebSocket through the proxy."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import socketio
from liveserver import LiveServer, free_port

from drafting.actions import Actions
from drafting.store import Store

REPO = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="nginx is not installed (apt-get install nginx)"
)


def site_config(upstream_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    doc = (REPO / "docs/deploy.md").read_text("utf-8")
    (site,) = re.findall(r"```nginx\n(.*?)```", doc, re.S)
    swaps = [
        ("server 127.0.0.1:5000;", f"server 127.0.0.1:{upstream_port};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        ("listen [::]:80;", ""),  # the test's machine may have no IPv6
        ("listen [::]:443 ssl;", ""),
        ("/etc/letsencrypt/live/drafting.example.org/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/drafting.example.org/privkey.pem", str(key)),
    ]
    for old, new in swaps:
        assert old in site, f"docs/deploy.md's nginx config no longer has {old!r}"
        site = site.replace(old, new)
    return site


@pytest.fixture
def behind_nginx(tmp_path):
    db = tmp_path / "live.db"
    store = Store(db)
    a = Actions(store)
    conf, _chair, _token = a.create_conference("Proxied Assembly", "Chair")
    _person, token = a.add_participant(None, conf.id, "Amina", "Morocco")
    draft = a.create_draft(None, conf.id, "Draft", [("operative", 0, "Decides to act;")])
    store.close()
    server = LiveServer(db).start()

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"],
        check=True,
        capture_output=True,
    )
    http_port, https_port = free_port(), free_port()
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    (nginx_dir / "site.conf").write_text(site_config(server.port, http_port, https_port, cert, key))
    temp = "\n".join(
        f"    {kind}_temp_path {nginx_dir}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (nginx_dir / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # its workers may then read tmp_path
        + f"daemon off;\npid {nginx_dir}/nginx.pid;\nerror_log {nginx_dir}/error.log;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    access_log {nginx_dir}/access.log;\n{temp}\n"
        f"    include {nginx_dir}/site.conf;\n}}\n"
    )
    base = [NGINX, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf")]
    base += ["-e", str(nginx_dir / "error.log")]
    checked = subprocess.run([*base, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    log = nginx_dir / "stderr.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(base, start_new_session=True, stderr=out)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
    yield {
        "http": f"http://127.0.0.1:{http_port}",
        "https": f"https://127.0.0.1:{https_port}",
        "token": token,
        "draft_id": draft.id,
    }
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(10)
    server.stop()


def test_the_deploy_guides_nginx_serves_pages_and_websockets_over_https(behind_nginx):
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(behind_nginx["http"] + "/join/x", timeout=10)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"].startswith("https://")
    redirect.value.close()

    with urllib.request.urlopen(behind_nginx["https"] + "/", context=unverified, timeout=10) as r:
        assert r.status == 200
        assert "max-age" in r.headers["Strict-Transport-Security"]

    sio = socketio.Client(reconnection=False, ssl_verify=False)
    sio.connect(
        behind_nginx["https"],
        auth={"token": behind_nginx["token"]},
        transports=["websocket"],  # no long-polling to fall back on: the upgrade must pass
        wait_timeout=10,
    )
    try:
        assert sio.transport() == "websocket"
        reply = sio.call("join", {"draft_id": behind_nginx["draft_id"]}, timeout=10)
        assert reply["ok"], reply
        texts = [c["text"] for c in reply["draft"]["clauses"]]
        assert texts == ["Decides to act;"]
    finally:
        sio.disconnect()
