"""Draft page benchmark: a large draft opens and becomes interactive fast; remote edits paint fast.

Builds a 300-clause draft with 100 amendments through drafting.actions.Actions on a fresh
SQLite file, starts a real `drafting serve` on loopback, and drives headless Chromium (Debian's
/usr/bin/chromium) with Playwright:

- **Load → interactive.** Navigation start → the moment the page has hydrated the
  server-rendered document, joined the draft over Socket.IO and set `<body data-ready>` (it
  records `window.__drafting.readyAt`, a `performance.now()` on the navigation's clock). Cold
  (first visit: modules not cached) and warm (reloads) separately. Also: first contentful
  paint (the server-rendered document, before any script), DOMContentLoaded and load.
- **Remote edit → paint.** A Python `DraftClient` (another delegate) types into a clause the
  page shows on screen. The page stamps when `clause:edited` arrived and the next
  `requestAnimationFrame` after it put the text in the DOM (`window.__drafting.paints`), plus
  the first task after that frame (`afterPaint`). The server broadcasts before it acknowledges,
  so "broadcast → paint" is measured from arrival in the page (loopback: the wire adds well
  under a millisecond) and, across processes on the same clock, from the client's
  acknowledgement (an upper bound on broadcast → paint would be ack → paint plus the ack's own
  trip, so ack → paint can even be negative).

    .venv/bin/python benchmarks/page_load.py
    .venv/bin/python benchmarks/page_load.py --clauses 300 --amendments 100 --edits 40

Prints the figures, then one JSON object with the same figures as the last line.
Targets: interactive < 1000 ms; remote edit painted < 100 ms after the broadcast.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from liveserver import LiveServer  # noqa: E402

from drafting.actions import Actions  # noqa: E402
from drafting.client import DraftClient  # noqa: E402
from drafting.store import Store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

VERBS = [
    "Decides",
    "Requests",
    "Invites",
    "Encourages",
    "Calls upon",
    "Urges",
    "Welcomes",
    "Reaffirms",
    "Recommends",
    "Emphasizes",
]
PREAMBLE = ["Recalling", "Noting", "Recognizing", "Bearing in mind", "Deeply concerned"]
WORDS = (
    "the working group international cooperation implementation Member States relevant "
    "agreements report session coordination measures framework capacity sustainable peace "
    "security development human rights assistance mechanism Secretary-General regional "
    "organizations civil society resources transparency"
).split()


def sentence(rng: random.Random, lead: str, words: int) -> str:
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    return f"{lead} {body};"


def build(db: Path, clauses: int, amendments: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    a = Actions(Store(db))
    conf, _, chair_token = a.create_conference("Benchmark Assembly", "Chair", "Secretariat")
    people = a.import_participants(
        None,
        conf.id,
        [{"name": f"Delegate {i}", "delegation": f"Country {i}"} for i in range(12)],
    )
    rows: list[tuple[str, int, str]] = [("heading", 0, "The General Assembly,")]
    for i in range(min(30, clauses // 10)):
        rows.append(("preambular", 0, sentence(rng, PREAMBLE[i % 5], rng.randint(12, 40))))
    level = 0
    while len(rows) < clauses:
        if level == 0:
            level = 1 if rng.random() < 0.25 else 0
        elif level == 1:
            level = rng.choice([0, 1, 1, 2])
        else:
            level = rng.choice([1, 2, 0])
        lead = rng.choice(VERBS) if level == 0 else "To"
        rows.append(("operative", level, sentence(rng, lead, rng.randint(10, 60))))
    draft = a.create_draft(None, conf.id, "Benchmark declaration", rows)
    view = a.draft_view(None, draft.id)
    flat = []
    stack = list(reversed(view["clauses"]))
    while stack:
        c = stack.pop()
        flat.append(c)
        stack.extend(reversed(c["children"]))
    operative = [c for c in flat if c["kind"] == "operative"]
    for i in range(amendments):
        c = rng.choice(operative)
        proposer = people[i % len(people)][0]
        words = c["text"].split()
        j = rng.randrange(1, len(words))
        words[j] = rng.choice(WORDS) + " " + rng.choice(WORDS)
        a.propose(proposer, c["id"], "replace", " ".join(words), f"Amendment {i}")
    hot = operative[len(operative) // 3]
    return {
        "draft_id": draft.id,
        "clauses": len(flat),
        "amendments": amendments,
        "chair_token": chair_token,
        "reader_token": people[0][1],
        "writer_token": people[1][1],
        "hot_clause": hot["id"],
    }


class TimedClient(DraftClient):
    """A DraftClient that notes when each of its edits was acknowledged (wall clock)."""

    def __init__(self, *args, **kwargs) -> None:
        self.ack_times: dict[int, float] = {}
        super().__init__(*args, **kwargs)

    def _on_ack(self, clause_id, inf, reply) -> None:  # type: ignore[override]
        now = time.time()
        if isinstance(reply, dict) and reply.get("ok"):
            self.ack_times[reply["version"]] = now
        super()._on_ack(clause_id, inf, reply)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def summary(values: list[float]) -> dict:
    return {
        "p50": round(statistics.median(values), 1) if values else None,
        "p95": round(pct(values, 95), 1) if values else None,
        "max": round(max(values), 1) if values else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clauses", type=int, default=300)
    parser.add_argument("--amendments", type=int, default=100)
    parser.add_argument("--loads", type=int, default=6, help="reloads with a warm cache, plus one")
    parser.add_argument("--edits", type=int, default=40)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        Store(db)
        t0 = time.perf_counter()
        info = build(db, args.clauses, args.amendments)
        print(
            f"built {info['clauses']} clauses, {info['amendments']} amendments "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        server = LiveServer(db)
        server.start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                url = f"{server.url}/draft/{info['draft_id']}"
                measure = """() => {
                  const nav = performance.getEntriesByType('navigation')[0];
                  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                  return {
                    ready: window.__drafting.readyAt,
                    fcp: fcp ? fcp.startTime : null,
                    dcl: nav.domContentLoadedEventEnd,
                    response: nav.responseEnd,
                    clauses: document.querySelectorAll('li.clause').length,
                    badges: document.querySelectorAll('.badge-amend:not([hidden])').length,
                  };
                }"""

                def load(page, kind: str, reload: bool = False) -> dict:
                    if reload:
                        page.reload(wait_until="commit")
                    else:
                        page.goto(url, wait_until="commit")
                    page.wait_for_selector("body[data-ready]", timeout=30_000)
                    m = page.evaluate(measure)
                    m["kind"] = kind
                    print(
                        f"{kind:>22}: interactive {m['ready']:.0f} ms (HTML {m['response']:.0f}, "
                        f"first paint {(m['fcp'] or 0):.0f}, DOMContentLoaded {m['dcl']:.0f}); "
                        f"{m['clauses']} clauses, {m['badges']} amendment badges"
                    )
                    return m

                def fresh_page():
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    page = context.new_page()
                    page.goto(f"{server.url}/join/{info['reader_token']}")
                    return page

                loads = [load(fresh_page(), "fresh server")]
                loads += [load(fresh_page(), "empty browser cache") for _ in range(2)]
                page = fresh_page()
                loads.append(load(page, "empty browser cache"))
                loads += [load(page, "reload", reload=True) for _ in range(max(1, args.loads - 1))]
                assert loads[-1]["clauses"] == info["clauses"]

                # Remote edits, painted on a page that shows the clause.
                hot = info["hot_clause"]
                page.locator(f"#clause-{hot}").scroll_into_view_if_needed()
                page.evaluate("window.__drafting.paints.length = 0")
                writer = TimedClient(server.url, info["writer_token"])
                writer.join(info["draft_id"])
                rng = random.Random(3)
                sent: dict[int, float] = {}
                for _ in range(args.edits):
                    before = len(writer.ack_times)
                    text = writer.text(hot)
                    pos = rng.randrange(0, len(text) + 1)
                    t_send = time.time()
                    writer.edit(hot, text[:pos] + rng.choice(WORDS) + " " + text[pos:])
                    writer.wait_for(lambda c, n=before: len(c.ack_times) > n, timeout=10)
                    version = max(writer.ack_times)
                    sent[version] = t_send
                    time.sleep(0.08)
                page.wait_for_function(
                    "(n) => window.__drafting.paints.filter((p) => p.afterPaint).length >= n",
                    arg=args.edits,
                    timeout=10_000,
                )
                paints = page.evaluate("window.__drafting.paints")
                final = page.locator(f"#clause-{hot} textarea").input_value()
                assert final == writer.text(hot), "the page did not converge on the text"
                writer.close()
                browser.close()
        finally:
            server.stop()

    receive_to_frame = [p["painted"] - p["received"] for p in paints]
    receive_to_after = [p["afterPaint"] - p["received"] for p in paints]
    ack_to_frame = [
        p["epoch"] - writer.ack_times[p["version"]] * 1000
        for p in paints
        if p["version"] in writer.ack_times
    ]
    send_to_frame = [p["epoch"] - sent[p["version"]] * 1000 for p in paints if p["version"] in sent]
    cold_ready = [m["ready"] for m in loads if m["kind"] == "empty browser cache"]
    warm_ready = [m["ready"] for m in loads if m["kind"] == "reload"]
    result = {
        "clauses": info["clauses"],
        "amendments": info["amendments"],
        "interactive_fresh_server_ms": round(loads[0]["ready"], 1),
        "interactive_cold_cache_ms": summary(cold_ready),
        "interactive_warm_ms": summary(warm_ready),
        "first_paint_warm_ms": round(
            statistics.median([m["fcp"] or 0 for m in loads if m["kind"] == "reload"]), 1
        ),
        "edits": len(paints),
        "receive_to_frame_ms": summary(receive_to_frame),
        "receive_to_after_paint_ms": summary(receive_to_after),
        "ack_to_frame_ms": summary(ack_to_frame),
        "send_to_frame_ms": summary(send_to_frame),
        "target_interactive_ms": 1000,
        "target_paint_ms": 100,
    }
    # The targets: every load interactive within 1 s; every remote edit in the DOM by the next
    # animation frame within 100 ms of its arrival.
    result["ok"] = bool(max(m["ready"] for m in loads) < 1000 and max(receive_to_frame) < 100)
    print(
        f"interactive: fresh server {result['interactive_fresh_server_ms']} ms; empty cache "
        f"p50 {result['interactive_cold_cache_ms']['p50']} ms; reload p50 "
        f"{result['interactive_warm_ms']['p50']} ms, max {result['interactive_warm_ms']['max']} ms"
    )
    for key, label in [
        ("receive_to_frame_ms", "clause:edited arrives -> next frame shows it"),
        ("receive_to_after_paint_ms", "clause:edited arrives -> after that frame is painted"),
        ("ack_to_frame_ms", "writer's ack (after the broadcast) -> frame, across processes"),
        ("send_to_frame_ms", "writer sends the edit -> frame"),
    ]:
        s = result[key]
        print(f"{label}: p50 {s['p50']} ms, p95 {s['p95']} ms, max {s['max']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
