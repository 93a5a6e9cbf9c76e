"""Exceptions the forum raises to its host and to its own views."""

from __future__ import annotations


class ConfigError(Exception):
    """A ``CIVICFORUM_*`` setting is unknown, missing or of the wrong kind.

    The message always starts with the setting's name, so the host's start-up log says
    exactly which key to fix.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")


class ServiceError(Exception):
    """A domain rule refused a write; nothing was written.

    ``message`` is a translatable sentence meant for the person who tried; views show it
    beside the form. ``field`` names the form field it concerns, when there is one.
    """

    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class NotAllowed(ServiceError):
    """The policy module refused this actor the action.

    ``remedy`` says what could help ("sign_in", "join", "wait_approval", "identity" or
    ""), so the refusal page can offer the way forward.
    """

    status_code = 403

    def __init__(self, message: str, remedy: str = "", verdict: object = None) -> None:
        super().__init__(message)
        self.remedy = remedy
        # The policy's full answer, so the page can say which providers would help.
        self.verdict = verdict


class NotFound(ServiceError):
    """The thing asked for does not exist, or the actor may not know that it does."""

    status_code = 404


class Conflict(ServiceError):
    """Someone else changed the thing meanwhile (another moderator handled the report)."""

    status_code = 409


class TooSoon(ServiceError):
    """A rate limit refused this for now; ``until`` says when it is allowed again."""

    status_code = 429

    def __init__(self, message: str, until: object = None) -> None:
        super().__init__(message)
        self.until = until
