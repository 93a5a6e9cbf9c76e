"""A real SMTP server on loopback that keeps what it receives: the ``smtp`` fixture, and
``mail_config`` to point a forum at it."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """What the sink took. By default it takes every message; a test may make it refuse
    (``refuse``), kill the sending process before it answers (``kill``), or do something
    while a sender waits for its answer (``while_waiting``)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        # Messages whose DATA arrived, taken or not.
        self.offered = 0
        # A reply instead of "250 OK", e.g. "451 4.3.0 Try again later": nothing is kept.
        self.refuse: str | None = None
        # (n, pid): at the n-th message's DATA, kill process pid (SIGKILL) before answering,
        # so the sender never learns whether the message was taken (it was not).
        self.kill: tuple[int, int] | None = None
        # Called after a message's DATA arrived and before it is answered.
        self.while_waiting: Callable[[], None] | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.offered += 1
        if self.kill is not None and self.kill[0] == self.offered:
            os.kill(self.kill[1], signal.SIGKILL)
            return "451 4.3.0 The sender is gone"
        if self.while_waiting is not None:
            self.while_waiting()
        if self.refuse is not None:
            return self.refuse
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback that keeps what it receives."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def mail_config(port: int) -> dict[str, Any]:
    return {
        "CIVICFORUM_MAIL_SERVER": "127.0.0.1",
        "CIVICFORUM_MAIL_PORT": port,
        "CIVICFORUM_MAIL_SENDER": "forum@bibliotheek.example.org",
        # Links in mail are made with the site's address, as the test client's are.
        "CIVICFORUM_SITE_URL": "http://localhost",
    }
