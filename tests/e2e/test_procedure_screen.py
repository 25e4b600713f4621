"""The formal procedure in real browsers: import, invite, amend, vote, adopt, export."""

from __future__ import annotations

import re
from pathlib import Path

from e2e_helpers import Person
from playwright.sync_api import expect

from drafting.client import DraftClient

REPO = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "rome-declaration.txt"
UN_TEXT = """# Declaration on Peaceful Cooperation

The General Assembly,

Recalling its earlier resolutions on international cooperation,

Noting with concern the rise in international tension,

1. Decides to establish a permanently operated network for the coordination of these tasks;

2. Requests the Secretary-General:

   (a) To compile existing agreements;

   (b) To report to the Assembly at its next session;

3. Decides to remain seized of the matter.
"""
TARGET = "To establish a permanently operated network"
TARGET_UN = "Decides to establish a permanently operated network"


def sample_text() -> tuple[str, str]:
    if SAMPLE.exists():
        return SAMPLE.read_text(encoding="utf-8"), TARGET
    return UN_TEXT, TARGET_UN


def clause_id_starting(page, prefix: str) -> int:
    return int(
        page.evaluate(
            """(prefix) => [...document.querySelectorAll('textarea.text')]
                .find((t) => t.value.startsWith(prefix)).closest('.clause').dataset.id""",
            prefix,
        )
    )


def vote(person: Person, choice: str) -> None:
    sheet = person.page.locator("#vote-dialog")
    expect(sheet).to_be_visible()
    sheet.locator(f"button[data-choice={choice}]").click()
    expect(sheet.locator(f"button[data-choice={choice}]")).to_have_attribute("aria-pressed", "true")
    expect(sheet.locator("#vote-mine")).to_contain_text(f"Your delegation voted: {choice.upper()}")


def test_a_whole_session(live, people, artifacts):
    text, target = sample_text()
    # Someone opens a conference from the welcome page and so becomes its chair.
    chair = people(None)
    cp = chair.page
    cp.locator("#new-conference input[name=name]").fill("Rome Forum")
    cp.locator("#new-conference input[name=chair]").fill("Chair")
    cp.locator("#new-conference input[name=delegation]").fill("Secretariat")
    cp.locator("#new-conference button[type=submit]").click()
    expect(cp.locator("#chair-link-url")).to_have_value(re.compile(r"/join/"))
    cp.locator("#chair-link-go").click()
    expect(cp.locator("#conf-title")).to_have_text("Rome Forum")

    # The chair imports the declaration and invites three delegates.
    cp.locator("#import-form textarea[name=text]").fill(text)
    cp.locator("#import-form button[type=submit]").click()
    expect(cp.locator("#drafts li[data-draft]")).to_have_count(1)
    draft_id = int(cp.locator("#drafts li[data-draft]").first.get_attribute("data-draft"))
    tokens = []
    for name, delegation in [("Amina", "Morocco"), ("Jonas", "Germany"), ("Lucía", "Chile")]:
        cp.locator("#add-participant input[name=name]").fill(name)
        cp.locator("#add-participant input[name=delegation]").fill(delegation)
        cp.locator("#add-participant button[type=submit]").click()
        expect(cp.locator("#invite-name")).to_have_text(f"{name} ({delegation})")
        link = cp.locator("#invite-link").input_value()
        assert link.startswith(live.url + "/join/")
        tokens.append(link.rsplit("/", 1)[1])
    expect(cp.locator("#roster li")).to_have_count(4)
    cp.locator("#rules-form select[name=majority]").select_option("two_thirds")
    cp.locator("#rules-form button[type=submit]").click()
    expect(cp.locator("#conf-majority")).to_have_text("Two-thirds")
    # the quorum left empty stays the default: a majority of the members (rule 67/108)
    expect(cp.locator("#conf-quorum")).to_have_text("a majority of the members")
    cp.screenshot(path=str(artifacts / "conference-chair.png"), full_page=True)

    cp.locator("#drafts a").first.click()
    expect(cp.locator("body")).to_have_attribute("data-ready", "true")
    cp.locator("#chair-mode [data-mode=formal]").click()
    expect(cp.locator("#mode")).to_have_text("Formal")

    delegates = [people(t) for t in tokens]
    for d in delegates:
        d.open_draft(draft_id)
        expect(d.page.locator("#mode")).to_have_text("Formal")
    amina, jonas, lucia = delegates
    cid = clause_id_starting(amina.page, target)
    expect(amina.clause(cid)).to_have_attribute("readonly", "")
    original = amina.clause(cid).input_value()
    amended = original.replace("a permanently operated network", "a standing network")
    assert amended != original

    # A delegate proposes an amendment, with a reason.
    amina.clause(cid).click()
    amina.page.locator("#propose-button").click()
    form = amina.page.locator("#propose-dialog")
    expect(form).to_be_visible()
    form.locator("#propose-text").fill(amended)
    expect(form.locator("#propose-preview ins")).to_have_text("standing")
    form.locator("#propose-reason").fill("A clearer mandate")
    form.locator("button[type=submit]").click()
    expect(form).to_be_hidden()

    # Another sees it in track changes, with the proposer and the reason.
    badge = jonas.page.locator(f"#clause-{cid} .badge-amend")
    expect(badge).to_be_visible()
    badge.click()
    card = jonas.page.locator("#margin .amendment").first
    expect(card).to_contain_text("#1 by Amina (Morocco)")
    expect(card.locator("ins")).to_have_text("standing")
    expect(card.locator("del")).to_have_text("permanently operated")
    expect(card.locator(".am-reason")).to_have_text("“A clearer mandate”")
    expect(card.locator(".badge")).to_have_text("pending")

    # The chair opens a recorded two-thirds poll on it, from the queue.
    expect(cp.locator("#chair-queue-summary")).to_contain_text("Amendment #1")
    cp.locator("#chair-toggle").click()
    item = cp.locator("#chair-queue li[data-type=amendment]").first
    expect(item).to_contain_text("Amendment #1")
    cp.locator("#poll-rule").select_option("two_thirds")
    cp.locator("#poll-kind").select_option("recorded")
    item.locator("button").click()
    for d in (*delegates, chair):
        sheet = d.page.locator("#vote-dialog")
        expect(sheet).to_be_visible()
        expect(sheet.locator("#vote-title")).to_contain_text("Amendment #1")
        expect(sheet.locator("#vote-rule")).to_contain_text("Two-thirds")
        expect(sheet.locator("#vote-rule")).to_contain_text("Recorded")
        expect(sheet.locator("#vote-subject ins")).to_have_text("standing")
    expect(chair.page.locator("#vote-buttons")).to_be_hidden()

    vote(amina, "yes")
    vote(jonas, "yes")
    vote(lucia, "abstain")
    vote(lucia, "no")  # changed her mind: the ballot is replaced
    expect(cp.locator("#vote-cast")).to_have_text(
        "3 of 3 members have voted: 3 present and voting, 0 abstaining"
    )
    expect(cp.locator("#vote-tally")).to_contain_text("Chile: No (cast by Lucía)")
    amina.page.screenshot(path=str(artifacts / "session-vote-open.png"))
    cp.locator("#vote-close").click()

    for d in (*delegates, chair):
        result = d.page.locator("#vote-result")
        expect(result).to_be_visible()
        expect(result).to_contain_text(re.compile("adopted", re.I))
        expect(d.clause(cid)).to_have_value(amended)
    amina.page.screenshot(path=str(artifacts / "session-vote-result.png"))

    # The vote on the whole.
    cp.locator("#vote-hide").click()
    cp.locator("#chair-whole").click()
    for d in delegates:
        expect(d.page.locator("#vote-title")).to_contain_text("The draft as a whole")
        vote(d, "yes")
    cp.locator("#vote-close").click()
    for d in (*delegates, chair):
        expect(d.page.locator("#vote-result")).to_contain_text(re.compile("adopted", re.I))
        expect(d.page.locator("#mode")).to_have_text("Adopted")

    # The record, and the export with the amended clause.
    cp.locator("#vote-hide").click()
    cp.locator("#chair-record").click()
    expect(cp.locator("#record-text")).to_contain_text("#1")
    cp.locator("#record-close").click()
    cp.locator(".export summary").click()
    with cp.expect_download() as info:
        cp.locator(".export a[data-format=md]").click()
    exported = Path(info.value.path()).read_text(encoding="utf-8")
    assert "a standing network" in exported
    assert "permanently operated network" not in exported
    for p in (*delegates, chair):
        assert not p.errors and not p.dialogs


def test_secret_ballot_can_be_changed_with_its_receipt(live, live_conf, people):
    a = live_conf["actions"]
    draft = live_conf["draft_id"]
    a.set_mode(None, draft, "formal")
    # one delegate of six in the room: this assembly's rules require no quorum
    a.update_conference(None, live_conf["conference"].id, quorum=0)
    poll = a.open_poll(None, draft, "clause", live_conf["clause_ids"][1], "simple", "secret")
    d = people(live_conf["tokens"][0])
    page = d.open_draft(draft)
    expect(page.locator("#vote-rule")).to_contain_text("Secret ballot")
    vote(d, "no")
    vote(d, "yes")  # the receipt from the first ballot changes it
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    expect(page.locator("#vote-mine")).to_contain_text("Your delegation voted: YES")
    vote(d, "abstain")  # still possible after a reload (the receipt is in sessionStorage)
    expect(page.locator("#vote-error")).to_be_hidden()
    # A fresh browser of the same delegate has no receipt: the server refuses, and says why.
    other = people(live_conf["tokens"][0])
    other.open_draft(draft)
    other.page.locator("#vote-dialog button[data-choice=no]").click()
    expect(other.page.locator("#vote-error")).to_contain_text("receipt")
    # closed by the chair through the server, which alone holds the secret ballots until then
    chair = DraftClient(live.url, live_conf["chair_token"])
    result = chair.close_poll(poll.id)
    chair.close()
    assert result["yes"] == 0 and result["abstain"] == 1 and result["no"] == 0
