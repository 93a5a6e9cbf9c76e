"""A real SMTP server on loopback that keeps what it receives: the ``smtp`` fixture, and
``mail_config`` to point a forum at it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
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
    }
