"""The benchmarks run end to end with tiny parameters and print their JSON figures last."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"


def last_json(args: list[str], timeout: float) -> dict:
    out = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = out.stdout.strip().splitlines()
    assert lines, out.stderr[-2000:]
    return json.loads(lines[-1])


def test_live_edit_tiny_run_converges() -> None:
    r = last_json(
        [
            str(BENCH / "live_edit.py"),
            *("--clients", "5", "--typists", "2", "--duration", "1.5", "--warmup", "0.3"),
            *("--settle", "10"),
        ],
        timeout=60,
    )
    assert r["converged"] is True, r["problems"]
    assert r["clients"] == 5 and r["model"] == "default"
    assert r["latency_samples"] > 0 and r["p99_ms"] is not None
    assert r["edits_per_s"] > 0 and r["server_cpu_cores"] >= 0


@pytest.mark.parametrize("generator", ["node", "python"])
def test_live_edit_etherpad_model_tiny_run(generator: str) -> None:
    r = last_json(
        [
            str(BENCH / "live_edit.py"),
            *("--model", "etherpad", "--authors", "3", "--lurkers", "1"),
            *("--duration", "1.5", "--warmup", "0.3", "--settle", "10"),
            *("--generator", generator),
        ],
        timeout=60,
    )
    assert r["converged"] is True, r["problems"]
    assert r["clients"] == 3 + 1 + 2  # authors, lurker, probe writer and observer
    assert r["probe_observed"] == r["probe_sent"] > 0
    assert r["latency_samples"] > 0 and r["loadgen_cpu_cores"] > 0


def test_merge_accuracy_small() -> None:
    r = last_json([str(BENCH / "merge_accuracy.py"), "--trials", "300"], timeout=60)
    assert r["trials"] == 300
    assert r["merge3"]["correct"] == 300
    assert r["patch_apply"]["misplaced"] > 0  # the fuzzy patch's failure mode shows up
