"""The benchmarks run end to end with tiny parameters and print their JSON figures last."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
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


@pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx is not installed (make test installs it)",
)
def test_live_edit_through_nginx_with_two_processes() -> None:
    r = last_json(
        [
            str(BENCH / "live_edit.py"),
            *("--clients", "12", "--typists", "4", "--duration", "2", "--warmup", "0.3"),
            *("--settle", "15", "--workers", "2"),
        ],
        timeout=120,
    )
    assert r["converged"] is True, r["problems"]
    assert r["workers"] == 2 and r["latency_samples"] > 0
    assert r["cpu_split_cores"]["drafting"] > 0  # the cluster's processes were measured
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


def test_soak_tiny_run_loses_nothing_and_its_checks_can_fail(tmp_path: Path) -> None:
    """Three editors and three voting delegations for 20 s, the server SIGKILLed twice: every
    acknowledged marker and ballot is kept, and the clients converge. Then the database is
    doctored (a ballot taken out of the record, an acknowledged marker out of the text), and
    the same checks, run again on it, fail."""
    work = tmp_path / "soak"
    args = [
        str(BENCH / "soak.py"),
        *("--duration", "20", "--kill-every", "8", "--editors", "3", "--voters", "3"),
        *("--clauses", "4", "--type-every", "0.2", "--drop-every", "5", "--settle", "30"),
        *("--workdir", str(work)),
    ]
    r = last_json(args, timeout=240)
    assert r["ok"] is True, r["problems"]
    assert r["kills"] == 2 and r["stuck"] == 0
    assert r["markers_acked"] > 20 and r["markers_lost"] == 0
    assert (r["markers_doubled"], r["markers_misplaced"]) == (0, 0)
    assert r["ballots_acked"] > 0 and r["ballots_missing"] == 0
    assert r["secret_put_again"] >= 1  # the second kill waits for a secret ballot
    assert r["converged"] is True and r["integrity"] == "ok"
    assert r["went_offline"] + r["clients_closed"] > 0
    assert r["reconnects"] > 0 and r["reconnect_ms_max"] > 0

    log = json.loads((work / "soak.json").read_text())
    db = sqlite3.connect(work / "soak.db")
    # a recorded vote loses one acknowledged ballot
    poll = next(p for p in log["polls"] if p["kind"] == "recorded" and p["acked"])
    member = int(next(iter(poll["acked"])))
    (result,) = db.execute("select result from polls where id = ?", [poll["id"]]).fetchone()
    result = json.loads(result)
    result["votes"] = [v for v in result["votes"] if v["member_id"] != member]
    db.execute("update polls set result = ? where id = ?", [json.dumps(result), poll["id"]])
    db.commit()
    doctored = subprocess.run(
        [sys.executable, str(BENCH / "soak.py"), "--check", str(work)],
        capture_output=True,
        text=True,
        check=False,
    )
    r = json.loads(doctored.stdout.strip().splitlines()[-1])
    assert doctored.returncode == 1 and r["ok"] is False
    assert (r["ballots_missing"], r["markers_lost"]) == (1, 0)
    # and an acknowledged marker goes missing from the text
    marker = next(t for t in log["typed"] if t["acked"])
    db.execute(
        "update clauses set text = replace(text, ?, '') where id = ?",
        [marker["marker"], marker["clause_id"]],
    )
    db.commit()
    db.close()
    doctored = subprocess.run(
        [sys.executable, str(BENCH / "soak.py"), "--check", str(work)],
        capture_output=True,
        text=True,
        check=False,
    )
    r = json.loads(doctored.stdout.strip().splitlines()[-1])
    assert doctored.returncode == 1
    assert r["markers_lost"] == 1 and r["converged"] is False, r
    assert any(marker["marker"] in p for p in r["problems"])
