"""Side effects of a request's life, subscribed at start-up so the queue core never imports what reacts to it.

The customer's notifications (and, later, notices to recipients) follow every status change, a request filed for
review, an extended deadline and a note from staff. Their code lives in the services, which import the queue; if the
queue imported them back, neither could be read on its own. So the queue announces, and whoever cares subscribes
(`portal.jobs.register_all`, run by every process at start-up).
"""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session

from ..models import PrivacyRequest


class RequestListener(Protocol):
    def status_changed(self, session: Session, request: PrivacyRequest, previous: str) -> None: ...

    def received_for_review(self, session: Session, request: PrivacyRequest) -> None: ...

    def extended(self, session: Session, request: PrivacyRequest) -> None: ...

    def note_to_customer(self, session: Session, request: PrivacyRequest) -> None: ...


_listeners: list[RequestListener] = []


def subscribe(listener: RequestListener) -> None:
    """Idempotent: start-up code may run more than once in a process (tests build the app repeatedly)."""
    if listener not in _listeners:
        _listeners.append(listener)


def status_changed(session: Session, request: PrivacyRequest, previous: str) -> None:
    for listener in _listeners:
        listener.status_changed(session, request, previous)


def received_for_review(session: Session, request: PrivacyRequest) -> None:
    for listener in _listeners:
        listener.received_for_review(session, request)


def extended(session: Session, request: PrivacyRequest) -> None:
    for listener in _listeners:
        listener.extended(session, request)


def note_to_customer(session: Session, request: PrivacyRequest) -> None:
    for listener in _listeners:
        listener.note_to_customer(session, request)
