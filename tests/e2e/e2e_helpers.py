"""Helpers for the browser tests: a participant in their own browser context, the database."""

from __future__ import annotations

import sqlite3

from playwright.sync_api import expect

DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


class Person:
    """One participant in their own browser context (own cookies, own network)."""

    def __init__(
        self, browser, live, token: str | None, *, phone: bool = False, name: str = ""
    ) -> None:
        opts = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
        self.context = browser.new_context(
            viewport=opts.pop("viewport", DESKTOP), accept_downloads=True, **opts
        )
        self.context.set_default_timeout(10_000)
        self.live = live
        self.name = name
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{live.url}/join/{token}" if token else f"{live.url}/")

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open_draft(self, draft_id: int):
        self.page.goto(f"{self.live.url}/draft/{draft_id}")
        expect(self.page.locator("body")).to_have_attribute("data-ready", "true")
        return self.page

    def clause(self, clause_id: int):
        return self.page.locator(f"#clause-{clause_id} > .clause-row > textarea.text")

    def close(self) -> None:
        self.context.close()


def db_text(live, clause_id: int) -> str:
    with sqlite3.connect(live.db_path) as conn:
        return conn.execute("select text from clauses where id = ?", [clause_id]).fetchone()[0]
