"""The wheel, as an organiser's IT person installs it (issue 13): built from this checkout,
installed without the dev extras in a fresh virtualenv that cannot see the checkout, then
`drafting serve --demo` from there, and a draft page in Chromium with all its scripts.

The dependencies come from a wheelhouse in pytest's cache (filled through the package index
the first time, or when the dependencies change), so a run costs the wheel's build, a
virtualenv and a local install: about 20 s on this machine, 35 s the first time.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest
from helpers import ARTIFACTS, REPO
from liveserver import free_port

from drafting import assets

CHROMIUM = os.environ.get("DRAFTING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGE_RESOURCES = {"document", "script", "stylesheet", "image", "font"}
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]


def _run(args: list, **kw) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    assert out.returncode == 0, f"{args}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def _clean_env() -> dict[str, str]:
    """The environment of someone who never saw the checkout or the dev virtualenv."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("DRAFTING_")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A fresh virtualenv with the wheel and its declared dependencies only; its folder."""
    dist = tmp_path_factory.mktemp("dist")
    _run([*PIP, "wheel", "--no-deps", "-q", "-w", dist, REPO], timeout=300)
    (wheel,) = dist.glob("drafting-*.whl")
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    cache = getattr(request.config, "cache", None)  # none under -p no:cacheprovider
    wheelhouse = Path(cache.mkdir("wheelhouse")) if cache else tmp_path_factory.mktemp("wheels")
    install = [*PIP, "--python", python, "install", "-q", "--no-compile", "--no-index"]
    install += ["--find-links", wheelhouse, wheel]
    if subprocess.run([str(a) for a in install], capture_output=True).returncode != 0:
        # first run, or the dependencies changed: fetch them (pip's cache saves downloads)
        _run(
            [*PIP, "wheel", "-q", "-w", wheelhouse, "--find-links", wheelhouse, wheel], timeout=600
        )
        for own in wheelhouse.glob("drafting-*.whl"):
            own.unlink()
        _run(install, timeout=300)
    return env_dir


def test_the_installed_package_stands_alone(installed: Path, tmp_path: Path) -> None:
    probe = (
        "import importlib.util, drafting, drafting.assets as a;"
        "print(drafting.__file__); print(a.ROOT); print(a.missing());"
        "print([m for m in ('pytest', 'playwright', 'ruff') if importlib.util.find_spec(m)])"
    )
    out = _run([installed / "bin" / "python", "-c", probe], cwd=tmp_path, env=_clean_env())
    module, root, missing, dev = out.stdout.splitlines()
    assert module.startswith(str(installed)), module  # not the checkout's
    assert root.startswith(str(installed)) and root.endswith("_assets"), root
    assert missing == "[]" and dev == "[]", (missing, dev)


def test_a_checkout_serves_its_own_folders() -> None:
    """An editable install (make setup) reads the repository's folders; nothing is copied."""
    assert assets.ROOT == REPO
    assert not (REPO / "drafting" / "_assets").exists()
    assert assets.missing() == []


def _serve(installed: Path, workdir: Path, port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [installed / "bin" / "drafting", "serve", "--demo", "--port", str(port)],
            cwd=workdir,
            env=_clean_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_until_served(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the installed server exited {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the installed server did not answer:\n{log.read_text()}")


def test_the_installed_demo_serves_a_working_draft_page(installed: Path, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make browser installs it)")
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    log = tmp_path / "serve.log"
    proc = _serve(installed, tmp_path, port, log)
    try:
        _wait_until_served(proc, f"http://127.0.0.1:{port}/", log)
        printed = log.read_text()
        chair = re.search(r"chair +Chair +(http://\S+/join/\S+)", printed)
        assert chair, printed
        assert (tmp_path / "drafting.db").exists()  # in the folder it was started from

        failed: list[str] = []
        served: dict[str, int] = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            # the page and its modules; not Socket.IO's own requests, which a transport upgrade
            # or a reconnect on a loaded machine may abort (data-ready below needs Socket.IO)

            def request_failed(r) -> None:
                if r.resource_type in PAGE_RESOURCES:
                    failed.append(f"{r.resource_type} {r.url}: {r.failure}")

            def response(r) -> None:
                served[r.url.split("?")[0]] = r.status
                if r.status >= 400 and r.request.resource_type in PAGE_RESOURCES:
                    failed.append(f"{r.url}: HTTP {r.status}")

            page.on("requestfailed", request_failed)
            page.on("pageerror", lambda e: failed.append(f"pageerror: {e}"))
            page.on("response", response)
            page.goto(chair.group(1))  # signs in, then the conference page
            page.get_by_role("link", name="Declaration on Peace and Cooperation").click()
            # set once the scripts ran and the draft was joined over Socket.IO
            expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=20_000)
            expect(page.locator("textarea.text").first).to_be_visible()
            texts = page.locator("textarea.text").evaluate_all("els => els.map(e => e.value)")
            assert "Decides to establish an open-ended working group" in "\n".join(texts)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "wheel-demo-draft.png"), full_page=True)
            failed_before_closing = list(failed)
            browser.close()

        base = f"http://127.0.0.1:{port}"
        for module in ("/vendor/socket.io.esm.js", "/vendor/diff-match-patch.js"):
            assert served.get(base + module) == 200, (module, served)
        assert served.get(base + "/static/js/draft.js") == 200, served
        assert failed_before_closing == [], failed_before_closing
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
