"""The placement property of issue 10, run for longer than `make test` runs it.

    .venv/bin/python benchmarks/placement.py [--examples 300]

Runs `tests/test_live.py::test_random_concurrent_edits_converge` (hypothesis, a real
`drafting serve`, three `DraftClient`s making random concurrent insertions and deletions at
random places, many at one place, phrases sharing characters with their neighbours) with
``--examples`` examples instead of the 12 of `make test`. Every insertion nobody cut into must
end in the text once, whole, between the insertions its author saw around it. Prints how many
examples, edits and insertions were checked and whether any failed, then the same as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=300)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "stats.jsonl"
        env = {
            **os.environ,
            "DRAFTING_FUZZ_EXAMPLES": str(args.examples),
            "DRAFTING_FUZZ_STATS": str(stats),
        }
        t0 = time.perf_counter()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "tests/test_live.py::test_random_concurrent_edits_converge",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
        rows = (
            [json.loads(line) for line in stats.read_text().splitlines()] if stats.exists() else []
        )
    result = {
        "examples": len(rows),
        "edits": sum(r["edits"] for r in rows),
        "insertions_checked": sum(r["checked"] for r in rows),
        "failed": run.returncode != 0,
        "seconds": round(wall, 1),
    }
    print(
        f"{result['examples']} examples, {result['edits']} concurrent edits, "
        f"{result['insertions_checked']} insertions checked for place: "
        f"{'FAILED' if result['failed'] else 'all whole, once, in place'} ({result['seconds']} s)"
    )
    if run.returncode != 0:
        print(run.stdout[-4000:])
    print(json.dumps(result))
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
