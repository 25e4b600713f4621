"""The floor as the browser keeps it (static/js/floor.js), under node's test runner: the agenda
and the lists of speakers taken by version as docs/protocol.md "The meeting, step by step" says,
a missed message loading the floor again, and a speech's clock counted from its deadline."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from helpers import REPO

NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed, so static/js/floor.js cannot run")
def test_the_floor_in_the_browser_core() -> None:
    assert NODE is not None
    proc = subprocess.run(
        [NODE, "--test", str(REPO / "tests" / "js" / "floor.test.mjs")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout
    assert "# pass 6" in proc.stdout
