"""How fast 193 delegations vote at once, and how soon every one of them sees the result.

Starts a real server over a fresh SQLite file, connects N delegates (default 193, the UN
General Assembly) and the chair from ONE asyncio process, opens a recorded two-thirds poll,
has every delegate vote at the same moment, closes the poll, and measures on every delegate's
connection the moment `poll:closed` arrives. The issue's target: every delegate sees the
result within a second of the close.

Figures: ballots per second while all vote at once, the chair's close round trip, and the
close-to-screen delay (first, p50, p95, max) over all delegates. The load generator shares the
2 cores with the server, so its own CPU is reported too. Last line: one JSON object.

    .venv/bin/python benchmarks/vote_fanout.py [--delegates 193] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aclient import AsyncDraftClient  # noqa: E402
from live_edit import ServerProcess, free_port  # noqa: E402

from drafting.actions import Actions  # noqa: E402
from drafting.store import Store  # noqa: E402


def quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="vote-fanout-"))
    db = tmp / "vote.db"
    actions = Actions(Store(db))
    conf, _chair, chair_token = actions.create_conference("General Assembly", "President")
    people = actions.import_participants(
        None,
        conf.id,
        [
            {"name": f"Delegate {i}", "delegation": f"State {i:03}", "role": "delegate"}
            for i in range(args.delegates)
        ],
    )
    draft = actions.create_draft(
        None,
        conf.id,
        "Resolution",
        [("operative", 0, f"Decides on item {i}.") for i in range(args.rounds)],
    )
    clause_ids = [c["id"] for c in actions.draft_view(None, draft.id)["clauses"]]
    actions.set_mode(None, draft.id, "formal")
    server = ServerProcess(db, free_port(), tmp / "server.log")
    server.start()
    seen: dict[int, dict[int, float]] = {}
    try:
        chair = AsyncDraftClient(server.url, chair_token, timeout=30)
        await chair.connect()
        await chair.join(draft.id)
        delegates = [AsyncDraftClient(server.url, t, timeout=30) for _p, t in people]
        for n, c in enumerate(delegates):

            def closed(msg: dict[str, Any], n: int = n) -> None:
                seen.setdefault(msg["poll"]["id"], {})[n] = time.monotonic()

            c.sio.on("poll:closed", closed)
        t = time.monotonic()
        for i in range(0, len(delegates), 20):
            await asyncio.gather(*(c.connect() for c in delegates[i : i + 20]))
        await asyncio.gather(*(c.join(draft.id) for c in delegates))
        connect_s = time.monotonic() - t
        rounds = []
        cpu0 = time.process_time()
        for r in range(args.rounds):
            opened = await chair.call(
                "poll:open",
                {
                    "draft_id": draft.id,
                    "subject_type": "clause",
                    "subject_id": clause_ids[r],
                    "rule": "two_thirds",
                    "kind": "recorded",
                },
            )
            poll_id = opened["poll"]["id"]
            t = time.monotonic()
            await asyncio.gather(
                *(
                    c.call("poll:vote", {"poll_id": poll_id, "choice": ("yes", "no")[n % 3 == 0]})
                    for n, c in enumerate(delegates)
                )
            )
            voting_s = time.monotonic() - t
            closed_at = time.monotonic()
            reply = await chair.call("poll:close", {"poll_id": poll_id})
            close_rtt = time.monotonic() - closed_at
            deadline = time.monotonic() + 10
            while len(seen.get(poll_id, {})) < len(delegates) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            delays = [(at - closed_at) * 1000 for at in seen.get(poll_id, {}).values()]
            result = reply["poll"]["result"]
            rounds.append(
                {
                    "ballots_per_s": round(len(delegates) / voting_s, 1),
                    "close_rtt_ms": round(close_rtt * 1000, 1),
                    "saw_result": len(delays),
                    "first_ms": round(min(delays), 1),
                    "p50_ms": round(quantile(delays, 0.5), 1),
                    "p95_ms": round(quantile(delays, 0.95), 1),
                    "max_ms": round(max(delays), 1),
                    "counts_exact": (result["yes"], result["no"])
                    == (
                        sum(1 for n in range(len(delegates)) if n % 3 != 0),
                        sum(1 for n in range(len(delegates)) if n % 3 == 0),
                    ),
                }
            )
        loadgen_cpu = time.process_time() - cpu0
        for c in [chair, *delegates]:
            await c.close()
    finally:
        server.stop()
    worst = max(r["max_ms"] for r in rounds)
    return {
        "delegates": args.delegates,
        "connect_join_s": round(connect_s, 2),
        "rounds": rounds,
        "worst_max_ms": worst,
        "all_saw_result": all(r["saw_result"] == args.delegates for r in rounds),
        "counts_exact": all(r["counts_exact"] for r in rounds),
        "target_met": worst < 1000,
        "loadgen_cpu_s": round(loadgen_cpu, 2),
        "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--delegates", type=int, default=193)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    r = asyncio.run(run(args))
    print(f"{r['delegates']} delegates connected and joined in {r['connect_join_s']} s")
    for n, x in enumerate(r["rounds"], start=1):
        print(
            f"round {n}: {x['ballots_per_s']} ballots/s; close round trip {x['close_rtt_ms']} ms;"
            f" result seen by {x['saw_result']}: first {x['first_ms']} ms, p50 {x['p50_ms']} ms,"
            f" p95 {x['p95_ms']} ms, max {x['max_ms']} ms; counts exact: {x['counts_exact']}"
        )
    print(
        f"worst close-to-screen {r['worst_max_ms']} ms (target < 1000 ms: "
        f"{'met' if r['target_met'] else 'MISSED'}); load generator CPU {r['loadgen_cpu_s']} s"
    )
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
