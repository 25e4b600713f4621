"""The demo conference `make run` serves: a chair, a few delegates, the sample declaration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .actions import Actions

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = REPO_ROOT.parent / "shared" / "samples" / "rome-declaration.txt"
FALLBACK = Path(__file__).resolve().parent / "demo_declaration.md"

DELEGATES = [
    ("Amina Benali", "Morocco", "delegate"),
    ("Jonas Schmidt", "Germany", "delegate"),
    ("Lucía Fernández", "Chile", "delegate"),
    ("Kenji Sato", "Japan", "delegate"),
    ("Giulia Rossi", "Italy", "delegate"),
    ("Press Office", "Observer", "observer"),
]


def ensure_demo(actions: Actions, base_url: str, echo: Callable[[str], None]) -> int:
    """Create the demo once; later runs reissue its links (tokens are stored hashed)."""
    store = actions.store
    existing = store.setting("demo_conference_id")
    link = lambda token: f"{base_url.rstrip('/')}/join/{token}"  # noqa: E731
    if existing is None:
        conf, chair, token = actions.create_conference(
            "Demo Conference on Peace and Cooperation", "Chair", "Secretariat", "simple", 3
        )
        links = [(chair.name, chair.role, link(token))]
        people = actions.import_participants(
            None,
            conf.id,
            [{"name": n, "delegation": d, "role": r} for n, d, r in DELEGATES],
        )
        links += [(p.name + f" ({p.delegation})", p.role, link(t)) for p, t in people]
        source = SAMPLE if SAMPLE.exists() else FALLBACK
        draft = actions.import_document(None, conf.id, source.read_bytes(), source.name)
        actions.set_sponsors(None, draft.id, [people[0][0].id, people[1][0].id])
        with store.write():
            store.set_setting("demo_conference_id", str(conf.id))
        conference_id = conf.id
    else:
        conference_id = int(existing)
        links = []
        for p in store.participants(conference_id):
            _, token = actions.issue_link(None, p.id)
            label = p.name + (f" ({p.delegation})" if p.delegation and p.role != "chair" else "")
            links.append((label, p.role, link(token)))
    echo(f"Demo conference {conference_id}. Open these links in separate browsers:")
    for name, role, url in links:
        echo(f"  {role:<9} {name:<34} {url}")
    return conference_id
