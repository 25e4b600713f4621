"""Heavy work away from the room: reading an uploaded document, typesetting a PDF.

The server runs every live connection of a process on one event loop. Parsing a hostile .docx
there froze every other client for minutes (issue 12: 30 MB of empty paragraphs in 80 kB
zipped, 136 s, 1.1 GB never given back). So the served process hands such work to a child
process of its own (`python -m drafting.workers JOB`): at most `MAX_JOBS` at a time, each
with a time limit and a memory limit, killed when it passes either; the child's memory goes
back to the system when it exits. The event loop only waits for the child's answer, serving
everyone meanwhile (gevent makes `subprocess` cooperative).

Results come back as JSON (a document's clauses) or raw bytes (a PDF), never as pickles: a
child that read a hostile file is not trusted to hand the server code to run.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import threading
from typing import Any

from .errors import DraftingError, Invalid, TooLarge

MAX_JOBS = 2  # children at once; more wait their turn
TIME_LIMIT = 60.0  # seconds of wall time a job may take
MEMORY_LIMIT = 3 * 1024**3  # bytes of address space (fonts are mapped: CJK ones are large)
WAIT_LIMIT = 120.0  # seconds a job may wait for its turn

_slots = threading.BoundedSemaphore(MAX_JOBS)


def _limits() -> None:  # pragma: no cover - runs in the child, before it starts Python
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    cpu = int(TIME_LIMIT) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    os.nice(5)  # the room's own process comes first


def run(job: str, payload: bytes, what: str) -> bytes:
    """Run `job` in a child process on `payload`; its answer, or a DraftingError saying why
    not (`what` names the work for the message: "reading the document")."""
    if not _slots.acquire(timeout=WAIT_LIMIT):
        raise TooLarge(f"The server is busy {what} for others; try again in a minute.")
    try:
        env = {k: v for k, v in os.environ.items() if k != "DRAFTING_GEVENT_PATCHED"}
        try:
            done = subprocess.run(
                [sys.executable, "-m", "drafting.workers", job],
                input=payload,
                capture_output=True,
                timeout=TIME_LIMIT,
                preexec_fn=_limits,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise TooLarge(
                f"{what.capitalize()} took longer than {TIME_LIMIT:.0f} s and was stopped; "
                "nothing was changed."
            ) from None
    finally:
        _slots.release()
    if done.returncode != 0:
        raise TooLarge(
            f"{what.capitalize()} needed more than the server gives one document "
            f"({MEMORY_LIMIT / 1024**3:.0f} GB, {TIME_LIMIT:.0f} s) and was stopped; nothing "
            "was changed."
        )
    if done.stdout.startswith(b"E"):
        err = json.loads(done.stdout[1:])
        raise _ERRORS.get(err["code"], Invalid)(err["message"])
    return done.stdout[1:]


def read_document(data: bytes, filename: str, title: str | None = None) -> Any:
    """`importing.read_document` in a child process."""
    from .importing import ParsedClause, ParsedDocument

    header = json.dumps({"filename": filename, "title": title}).encode() + b"\n"
    out = json.loads(run("read", header + data, "reading the document"))
    return ParsedDocument(
        out["title"], [ParsedClause(*c) for c in out["clauses"]], dict(out["details"])
    )


def render(doc: Any, fmt: str) -> bytes:
    """`publish.render` in a child process (the document is ours: pickled going out only)."""
    payload = fmt.encode() + b"\n" + pickle.dumps(doc)
    return run("render", payload, f"making the {fmt.upper()}")


def render_record(record: dict[str, Any], fmt: str) -> bytes:
    """`publish.record.render_record` in a child process."""
    payload = fmt.encode() + b"\n" + json.dumps(record, ensure_ascii=False).encode()
    return run("record", payload, f"making the record as {fmt.upper()}")


_ERRORS: dict[str, type[DraftingError]] = {"invalid": Invalid, "too_large": TooLarge}


def _child(job: str) -> bytes:  # pragma: no cover - measured through the server's tests
    raw = sys.stdin.buffer.read()
    if job == "read":
        from .importing import read_document as read

        head, _, data = raw.partition(b"\n")
        args = json.loads(head)
        doc = read(data, args["filename"], title=args["title"])
        clauses = [[c.kind, c.level, c.text, c.marker] for c in doc.clauses]
        result = {"title": doc.title, "clauses": clauses, "details": doc.details}
        return b"R" + json.dumps(result, ensure_ascii=False).encode()
    if job == "render":
        from .publish import render as publish

        fmt, _, data = raw.partition(b"\n")
        return b"R" + publish(pickle.loads(data), fmt.decode())
    if job == "record":
        from .publish.record import render_record as record

        fmt, _, data = raw.partition(b"\n")
        return b"R" + record(json.loads(data), fmt.decode())
    raise SystemExit(f"unknown job {job!r}")


def main() -> None:  # pragma: no cover - the child's entry point
    try:
        out = _child(sys.argv[1])
    except DraftingError as e:
        out = b"E" + json.dumps({"code": e.code, "message": e.message}).encode()
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()


if __name__ == "__main__":  # pragma: no cover
    main()
