"""A draft and its room, for the tests of each concern of the action layer."""

from __future__ import annotations

import importlib

import pytest

from .verify import Room

# `drafting.sockets.presence` is also the name of a function there: the module by its path
presence_module = importlib.import_module("drafting.sockets.presence")

CLAUSES = [
    ("preambular", 0, "Recalling its earlier resolutions,"),
    ("operative", 0, "Decides to establish a working group;"),
    ("operative", 0, "Requests the working group:"),
    ("operative", 1, "to report within one year;"),
    ("operative", 1, "to consult the regions;"),
    ("operative", 0, "Decides to remain seized of the matter."),
]


@pytest.fixture
def draft(actions, conference):
    """A draft of six clauses (two of them sub-clauses), Amina its sponsor."""
    d = actions.create_draft(None, conference["conference"].id, "Water for all", CLAUSES)
    actions.set_sponsors(None, d.id, [conference["delegates"][0].id])
    return actions.draft(None, d.id)


@pytest.fixture
def ids(actions, draft):
    """The clause ids in document order."""
    out = []

    def walk(cs):
        for c in cs:
            out.append(c["id"])
            walk(c["children"])

    walk(actions.draft_view(None, draft.id)["clauses"])
    return out


@pytest.fixture
def room(app, conference, draft, monkeypatch):
    """The chair, Amina and Jonas (delegates) and the press (observer) in the draft; Amina's
    second connection on the conference page (`room.lobby`)."""
    # announcements coalesce over shorter windows: the tests wait for them, not on a clock
    monkeypatch.setattr(presence_module, "PRESENCE_EVERY", 0.01)
    monkeypatch.setattr(app.extensions["drafting"]["live"], "TALLY_EVERY", 0.01)
    people = {
        "amina": conference["delegate_tokens"][0],
        "jonas": conference["delegate_tokens"][1],
        "chair": conference["chair_token"],
        "press": conference["observer_token"],
    }
    return Room(app, draft.id, conference["conference"].id, people)
