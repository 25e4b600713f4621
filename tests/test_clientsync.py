"""The Python clients' protocol core, driven by hand: no server, no sockets, a fake clock.

Each test feeds `DocSync` what a server would say and checks what it sends and the texts a
delegate would end up seeing (docs/protocol.md, "Editing, step by step")."""

from __future__ import annotations

from typing import Any

import pytest

from drafting.clientsync import RETRY_S, DocSync, Request
from drafting.textsync import make_delta

A, B = 11, 12  # clause ids


class Server:
    """What the core sent, and a clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sent: list[Request] = []
        self.wakeups: list[float] = []
        self.doc = DocSync(self.sent.append, schedule=self.wakeups.append, clock=lambda: self.now)

    def join(self, *clauses: tuple[int, int, str]) -> None:
        self.doc.joined([{"id": i, "version": v, "text": t, "children": []} for i, v, t in clauses])

    def take(self) -> list[Request]:
        out, self.sent[:] = list(self.sent), []
        return out

    def only_edit(self) -> Request:
        (req,) = self.take()
        assert req.event == "edit"
        return req

    def ack(self, req: Request, version: int, stored: str) -> None:
        assert req.inflight is not None
        sent = req.inflight.sent_text
        self.doc.answer(req, {"ok": True, "clause_id": req.clause_id, "version": version,
                              "delta": make_delta(sent, stored)})  # fmt: skip

    def refuse(self, req: Request, code: str, **extra: Any) -> None:
        self.doc.answer(req, {"error": {"code": code, "message": code}, **extra})

    def text(self, clause_id: int) -> str:
        return self.doc.states[clause_id].local


def edited(clause_id: int, base_version: int, old: str, new: str) -> dict[str, Any]:
    return {
        "clause_id": clause_id,
        "base_version": base_version,
        "version": base_version + 1,
        "delta": make_delta(old, new),
        "author_id": 99,
    }


def applies(req: Request, base: str) -> str:
    """The text an edit request asks the server to store, given the text of its base."""
    from drafting.textsync import apply_delta

    return apply_delta(base, req.payload["delta"])


@pytest.fixture
def s() -> Server:
    s = Server()
    s.join((A, 1, "Decides to act;"), (B, 1, "Requests a report."))
    return s


def test_one_edit_in_flight_and_typing_meanwhile_rides_with_the_next(s: Server) -> None:
    s.doc.set_local(A, "Decides to act now;")
    first = s.only_edit()
    assert first.payload["base_version"] == 1 and first.payload["clause_id"] == A
    assert applies(first, "Decides to act;") == "Decides to act now;"
    s.doc.set_local(A, "Firmly decides to act now;")
    assert s.take() == []  # at most one edit in flight per clause
    s.ack(first, 2, "Decides to act now;")
    second = s.only_edit()
    assert second.payload["base_version"] == 2
    assert second.payload["edit_id"] != first.payload["edit_id"]
    assert applies(second, "Decides to act now;") == "Firmly decides to act now;"
    s.ack(second, 3, "Firmly decides to act now;")
    assert s.take() == [] and s.doc.states[A].idle
    assert s.text(A) == "Firmly decides to act now;"


def test_an_acknowledgement_brings_others_words_under_local_typing(s: Server) -> None:
    s.doc.set_local(A, "Decides to act now;")
    req = s.only_edit()
    s.doc.set_local(A, "Decides to act now!")  # typed while in flight
    s.ack(req, 3, "The Assembly decides to act now;")  # someone else's words merged in
    assert s.text(A) == "The Assembly decides to act now!"
    assert applies(s.only_edit(), "The Assembly decides to act now;") == s.text(A)


def test_a_broadcast_is_merged_under_unsent_typing(s: Server) -> None:
    s.doc.disconnected()
    s.doc.set_local(A, "Decides to act now;")  # offline: nothing can go out
    s.doc.clause_edited(edited(A, 1, "Decides to act;", "The Assembly decides to act;"))
    assert s.text(A) == "The Assembly decides to act now;"
    assert s.doc.states[A].base_version == 2 and s.take() == []


def test_a_broadcast_that_overtakes_the_acknowledgement_is_applied_after_it(s: Server) -> None:
    s.doc.set_local(A, "Decides to act now;")
    req = s.only_edit()
    # our edit became version 2, someone's version 3 was broadcast before our ack arrived
    s.doc.clause_edited(edited(A, 2, "Decides to act now;", "Decides to act now; urgently"))
    assert s.text(A) == "Decides to act now;"  # held, not applied to the wrong base
    s.ack(req, 2, "Decides to act now;")
    assert s.text(A) == "Decides to act now; urgently"
    assert s.doc.states[A].base_version == 3 and s.take() == []


def test_a_gap_fetches_the_clause_and_keeps_broadcasts_that_come_meanwhile(s: Server) -> None:
    s.doc.clause_edited(edited(A, 2, "Decides to act and;", "Decides to act and more;"))
    (get,) = s.take()
    assert (get.event, get.payload) == ("clause:get", {"clause_id": A})
    # version 4 arrives before the answer, which the server read at version 3
    s.doc.clause_edited(edited(A, 3, "Decides to act and more;", "Decides to act and more!"))
    s.doc.answer(get, {"ok": True, "clause": {"id": A, "version": 3,
                                              "text": "Decides to act and more;"}})  # fmt: skip
    assert s.text(A) == "Decides to act and more!"
    assert s.doc.states[A].base_version == 4 and s.take() == []


def test_a_batch_is_applied_per_clause_and_a_gap_in_it_is_fetched(s: Server) -> None:
    a1, a2 = "Decides to act;", "Decides to act now;"
    b1 = "Requests a report."
    s.doc.clauses_edited(
        {
            "edits": [
                edited(A, 1, a1, a2),
                edited(B, 2, "Requests a full report.", "Requests a full report soon."),
                edited(A, 2, a2, a2 + " Firmly."),
            ]
        }
    )
    assert s.text(A) == "Decides to act now; Firmly." and s.doc.states[A].base_version == 3
    assert s.text(B) == b1  # version 2 of B never came
    (get,) = s.take()
    assert (get.event, get.payload) == ("clause:get", {"clause_id": B})


def test_rate_limited_keeps_the_text_and_sends_again_after_600_ms(s: Server) -> None:
    s.doc.set_local(A, "Decides to act now;")
    req = s.only_edit()
    s.refuse(req, "rate_limited")
    assert s.text(A) == "Decides to act now;"  # nothing typed is lost
    assert s.take() == [] and s.wakeups == [pytest.approx(100.0 + RETRY_S)]
    s.doc.set_local(A, "Decides to act now!")  # typing during the wait is not sent either
    s.now += RETRY_S / 2
    s.doc.tick()  # an early nudge does not cut the wait short
    assert s.take() == []
    s.now = s.wakeups[0]
    s.doc.tick()
    again = s.only_edit()
    assert again.payload["base_version"] == 1
    assert applies(again, "Decides to act;") == "Decides to act now!"
    assert again.inflight is not None and again.inflight.typed_at == 100.0  # first keystroke


def test_behind_rebases_onto_the_current_text_and_sends_again(s: Server) -> None:
    s.doc.set_local(A, "Decides to act now;")
    req = s.only_edit()
    current = {"id": A, "version": 1500, "text": "The Assembly decides to act;"}
    s.refuse(req, "behind", clause=current)
    assert s.text(A) == "The Assembly decides to act now;"
    again = s.only_edit()
    assert again.payload["base_version"] == 1500
    assert applies(again, current["text"]) == "The Assembly decides to act now;"


def test_a_refused_edit_is_recorded_and_the_clause_goes_back_to_the_server(s: Server) -> None:
    s.doc.set_local(A, "Decides to act now;")
    s.refuse(s.only_edit(), "conflict")
    assert s.text(A) == "Decides to act;"
    assert s.doc.errors == [
        {"clause_id": A, "code": "conflict", "message": "conflict", "text": "Decides to act now;"}
    ]
    (get,) = s.take()
    assert get.event == "clause:get"
    s.doc.answer(get, {"error": {"code": "not_found", "message": "gone"}})
    assert A not in s.doc.states  # the clause was deleted


def test_an_unreadable_acknowledgement_fetches_the_clause_and_keeps_the_typing(s: Server) -> None:
    s.doc.set_local(A, "Decides to act now;")
    req = s.only_edit()
    s.doc.answer(req, {"ok": True, "version": 2, "delta": "=999"})  # does not fit what we sent
    (get,) = s.take()
    assert get.event == "clause:get" and s.text(A) == "Decides to act now;"
    s.doc.answer(get, {"ok": True, "clause": {"id": A, "version": 2,
                                              "text": "Decides to act now;"}})  # fmt: skip
    assert s.doc.states[A].idle and s.take() == []


def test_a_reconnect_resends_the_edit_in_flight_and_rebases_offline_typing(s: Server) -> None:
    s.doc.set_local(A, "Decides to act now;")
    lost = s.only_edit()  # the connection drops before its answer
    s.doc.disconnected()
    s.doc.set_local(A, "Decides to act now, together;")
    s.doc.set_local(B, "Requests a short report.")
    assert s.take() == []
    s.join((A, 1, "Decides to act;"), (B, 4, "Requests a report by May."))
    reqs = s.take()
    assert sorted(r.clause_id for r in reqs) == [A, B]  # each once
    resent, fresh = sorted(reqs, key=lambda r: r.clause_id)
    assert resent.payload == lost.payload  # same edit id: the server applies it once
    assert fresh.payload["clause_id"] == B and fresh.payload["base_version"] == 4
    assert applies(fresh, "Requests a report by May.") == "Requests a short report by May."
    s.ack(resent, 2, "Decides to act now;")
    assert applies(s.only_edit(), "Decides to act now;") == "Decides to act now, together;"


def test_a_clause_get_lost_with_the_connection_does_not_block_typing(s: Server) -> None:
    s.doc.clause_edited(edited(A, 5, "x", "y"))  # a gap
    assert [r.event for r in s.take()] == ["clause:get"]
    s.doc.disconnected()  # its answer will never come
    s.join((A, 6, "Decides to act, at once;"), (B, 1, "Requests a report."))
    s.doc.set_local(A, "Decides to act, at once!")
    assert applies(s.only_edit(), "Decides to act, at once;") == "Decides to act, at once!"


def test_an_outline_adds_and_removes_clauses_and_rebases_newer_texts(s: Server) -> None:
    s.doc.set_local(A, "Decides to act now;")
    req = s.only_edit()
    s.doc.load(
        [
            {"id": A, "version": 3, "text": "Decides to act now; Firmly.", "children": []},
            {"id": 13, "version": 1, "text": "Welcomes", "children": []},
        ]
    )
    assert sorted(s.doc.states) == [A, 13]
    assert s.text(A) == "Decides to act now;"  # in flight: its acknowledgement brings it
    s.ack(req, 3, "Decides to act now; Firmly.")
    assert s.text(A) == "Decides to act now; Firmly." and s.take() == []


def test_typing_stays_where_it_was_typed_when_others_insert_the_same_words() -> None:
    """Issue 10: typing done while an edit is in flight is transformed over the others' edits
    the acknowledgement brings, by offsets, not merged by diffing texts."""
    s = Server()
    s.join((A, 1, "report on the the matter"))
    s.doc.change(A, "=14\t+the \t=10")  # "the " typed after the first "the "
    first = s.only_edit()
    s.doc.change(A, "=22\t+big \t=6")  # then "big " before "matter", while that is in flight
    assert s.take() == []
    # someone else's "the " (before mine) was committed first: the acknowledgement says so
    s.doc.answer(first, {"ok": True, "clause_id": A, "version": 3, "delta": "=10\t+the \t=18"})
    assert s.text(A) == "report on the the the the big matter"
    second = s.only_edit()
    assert (second.payload["base_version"], second.payload["delta"]) == (3, "=26\t+big \t=6")
    # a remote insertion at the same point as a pending one goes first (it was committed first)
    s.ack(second, 4, "report on the the the the big matter")
    s.doc.change(A, "=30\t+red \t=6")
    third = s.only_edit()
    s.doc.change(A, "=34\t+old \t=6")  # pending behind `third`
    s.doc.clause_edited(
        {"clause_id": A, "base_version": 4, "version": 5, "author_id": 9,
         "delta": "=30\t+new \t=6"}
    )  # fmt: skip
    s.doc.answer(third, {"ok": True, "clause_id": A, "version": 6, "delta": "=30\t+new \t=10"})
    assert s.text(A) == "report on the the the the big new red old matter"


def test_a_server_restored_from_a_backup_takes_back_its_text_and_keeps_my_unsent_typing(
    s: Server,
) -> None:
    """The operator restores yesterday's backup: the server's clause went back to version 1
    while this laptop had seen version 3. The laptop takes the server's text (the restore is
    the operator's decision), keeps on top what it typed and the server never stored, and its
    next edit is based on a version that exists, instead of being refused for ever."""
    s.doc.set_local(A, "Decides to act now;")
    req = s.only_edit()
    s.ack(req, 2, "Decides to act now;")
    s.doc.clause_edited(edited(A, 2, "Decides to act now;", "Decides to act now, together;"))
    assert s.doc.states[A].base_version == 3
    s.doc.set_local(A, "Decides to act now, together, at once;")
    inflight = s.only_edit()
    assert inflight.payload["base_version"] == 3
    s.doc.disconnected()  # the server stops, its database is restored, it starts again
    s.join((A, 1, "Decides to act;"), (B, 1, "Requests a report."))
    (again,) = s.take()
    assert again.payload["base_version"] == 1  # a version the server has
    assert applies(again, "Decides to act;") == "Decides to act, at once;"
    assert s.doc.counts["rewound"] == 1
