"""Errors every door (HTTP, Socket.IO, CLI) turns into a clear message.

Each carries the HTTP status that fits it, so the web layer maps them without a table.
"""

from __future__ import annotations


class DraftingError(Exception):
    """A request we refuse, with a message meant for the person who made it."""

    status = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Invalid(DraftingError):
    status = 400
    code = "invalid"


class Unauthorized(DraftingError):
    status = 401
    code = "unauthorized"


class Forbidden(DraftingError):
    status = 403
    code = "forbidden"


class NotFound(DraftingError):
    status = 404
    code = "not_found"


class Conflict(DraftingError):
    status = 409
    code = "conflict"


class TooLarge(DraftingError):
    status = 413
    code = "too_large"


class StoreUnavailable(DraftingError):
    """The database cannot be opened or written: missing folder, read-only file, full disk.
    Nothing was changed; the message says what to do."""

    status = 503
    code = "unavailable"
