"""The benchmarks run end to end with tiny parameters and print their JSON figures last."""

from __future__ import annotations

import importlib.util
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
            *("--clients", "25", "--typists", "2", "--duration", "1.5", "--warmup", "0.3"),
            *("--settle", "10", "--reader-procs", "2"),
        ],
        timeout=90,
    )
    assert r["converged"] is True, r["problems"]
    assert r["clients"] == 25 and r["model"] == "default"
    assert r["reader_procs"] == 2  # the 23 readers in two processes of their own
    assert r["latency_samples"] > 0 and r["p99_ms"] is not None
    assert r["edits_per_s"] > 0 and r["server_cpu_cores"] >= 0
    assert (r["misplaced"], r["markers_lost"], r["markers_doubled"]) == (0, 0, 0), r


@pytest.mark.parametrize("generator", ["node", "python"])
def test_live_edit_etherpad_model_tiny_run(generator: str) -> None:
    r = last_json(
        [
            str(BENCH / "live_edit.py"),
            *("--model", "etherpad", "--authors", "3", "--lurkers", "1"),
            # 3 s: an author types every 400 ms and every third edit is a marker; 1.5 s left
            # no marker at all once, when the rest of the suite loaded the machine
            *("--duration", "3", "--warmup", "0.3", "--settle", "10"),
            *("--generator", generator),
        ],
        timeout=60,
    )
    assert r["converged"] is True, r["problems"]
    assert r["clients"] == 3 + 1 + 2  # authors, lurker, probe writer and observer
    assert r["probe_observed"] == r["probe_sent"] > 0
    assert r["latency_samples"] > 0 and r["loadgen_cpu_cores"] > 0
    assert r["markers"] >= 3  # each author's third edit is a marker
    assert (r["misplaced"], r["markers_lost"], r["markers_doubled"]) == (0, 0, 0), r


def test_the_intent_check_sees_a_marker_out_of_place() -> None:
    """live_edit.py's check of markers typed at known places fails when one is moved, lost,
    doubled or cut."""
    spec = importlib.util.spec_from_file_location("live_edit", BENCH / "live_edit.py")
    assert spec is not None and spec.loader is not None
    le = importlib.util.module_from_spec(spec)
    sys.modules["live_edit"] = le  # its dataclasses look their module up
    spec.loader.exec_module(le)
    text = "Requests ⟦a⟧ the ⟦b⟧ report"
    placed = [le.place(1, text, text.index(" the"), "⟦x⟧"), le.place(1, text, len(text), "⟦y⟧")]
    assert (placed[0].left, placed[0].right) == ("⟦a⟧", "⟦b⟧")
    good = {1: "Requests ⟦a⟧⟦x⟧ the ⟦b⟧ report⟦y⟧"}
    assert le.check_places(good, placed)["misplaced"] == 0
    moved = {1: "Requests ⟦x⟧⟦a⟧ the ⟦b⟧ report⟦y⟧"}
    assert le.check_places(moved, placed)["misplaced"] == 1
    gone = {1: "Requests ⟦a⟧ the ⟦b⟧ report⟦y⟧⟦y⟧"}
    r = le.check_places(gone, placed)
    assert (r["markers_lost"], r["markers_doubled"]) == (1, 1)
    cut = {1: "Requests ⟦a⟧⟦ the x⟧ ⟦b⟧ report⟦y⟧"}
    assert le.check_places(cut, placed)["markers_lost"] == 1


def test_merge_accuracy_small() -> None:
    r = last_json([str(BENCH / "merge_accuracy.py"), "--trials", "300"], timeout=60)
    assert r["trials"] == 300
    assert r["merge3"]["correct"] == 300
    assert r["patch_apply"]["misplaced"] > 0  # the fuzzy patch's failure mode shows up


def test_storm_tiny_run_refuses_past_the_fair_share() -> None:
    """20 connections with one link: 8 get in and join, the rest are refused; the probe's
    edits are acknowledged throughout."""
    r = last_json(
        [str(BENCH / "storm.py"), "--connections", "20", "--duration", "4", "--no-upload"],
        timeout=120,
    )
    assert r["links"] == 1 and r["connections"] == 20
    assert r["storm_joins"] > 0 and r["storm_refused_or_dropped"] >= 12
    assert r["probe_edits"] > 0 and r["probe_p99_ms"] > 0
