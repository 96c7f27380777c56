"""A real SMTP server for the e2e session: aiosmtpd on 127.0.0.1 (a free port, or the address named by
PORTAL_E2E_SMTP), keeping every message it receives in memory so journeys can read the mail the portal sent.

The portal's in-process worker delivers its outbox every 5 seconds when PORTAL_SMTP_HOST/PORT are set, so a
journey waits for a message with `wait_for(to, subject_contains, timeout)` rather than reading it at once.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any, cast

from aiosmtpd.controller import Controller

DEFAULT_MAIL_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def parse_address(value: str) -> tuple[str, int]:
    """`host:port` or just `port` (host 127.0.0.1), as PORTAL_E2E_SMTP is written."""
    host, _, port = value.strip().rpartition(":")
    if not port.isdigit():
        raise ValueError(f"PORTAL_E2E_SMTP must be host:port or a port number, got {value!r}")
    return host or "127.0.0.1", int(port)


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.condition = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = cast(EmailMessage, message_from_bytes(envelope.content, policy=default))
        with self.condition:
            self.messages.append(message)
            self.condition.notify_all()
        return "250 Message accepted for delivery"


class MailServer:
    """`start()` serves; `messages` is everything received so far, oldest first; `stop()` ends it."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port()
        self._collector = _Collector()
        self._controller: Controller | None = None

    def start(self) -> MailServer:
        self._controller = Controller(self._collector, hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self._collector.condition:
            return list(self._collector.messages)

    def wait_for(self, to: str, subject_contains: str, timeout: float = DEFAULT_MAIL_TIMEOUT) -> EmailMessage:
        """The newest message to `to` whose subject contains `subject_contains` (case-insensitive); waits up
        to `timeout` seconds for it, and fails with the list of what did arrive."""
        deadline = time.monotonic() + timeout
        wanted_to, wanted_subject = to.lower(), subject_contains.lower()
        with self._collector.condition:
            while True:
                for message in reversed(self._collector.messages):
                    recipients = str(message.get("To", "")).lower()
                    if wanted_to in recipients and wanted_subject in str(message.get("Subject", "")).lower():
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(str(m.get("To")), str(m.get("Subject"))) for m in self._collector.messages]
                    raise AssertionError(
                        f"no mail to {to!r} with {subject_contains!r} in the subject within "
                        f"{timeout:.0f} s (the worker delivers every 5 s); received: {seen}"
                    )
                self._collector.condition.wait(timeout=min(remaining, 0.5))


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return str(cast(EmailMessage, part).get_content()) if part is not None else str(message.get_payload())


def link_in(message: EmailMessage, path: str) -> str:
    """The first link in the mail's text whose path starts with `path` (absolute: the portal's PORTAL_BASE_URL
    and the path), e.g. `link_in(mail, "/confirm-email")`."""
    match = re.search(rf"(?:https?://[^\s/]+)?{re.escape(path)}\S*", body_of(message))
    assert match, f"no {path} link in the mail:\n{body_of(message)}"
    return match.group(0)
