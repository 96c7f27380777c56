"""Where each recipient takes its Art. 19 notices, as operators configure it (`python main.py recipients …`).

A recipient's acknowledgement token is shown once, when it is made, and only its SHA-256 is stored: a copy of the
database cannot acknowledge notices in a recipient's name.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlmodel import Session, col, select

from ...audit import Actor, record
from ...catalogue import get_catalogue
from ...errors import Invalid, NotFound
from ...models import RecipientEndpoint, RecipientNotice
from ...models.types import utcnow

# Plain http only to this machine (tests, development): a notice names a customer's records and is signed, but an
# eavesdropper on the way would still read it.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
STATUSES = ("pending", "delivered", "acknowledged", "dead", "open")
OPERATOR = Actor(account_id=None, role="system", origin="cli")


class UnknownRecipient(NotFound):
    """The catalogue names no recipient with this key."""


class EndpointRefused(Invalid):
    """The URL is not one the portal sends notices to."""


def url_problem(url: str) -> str | None:
    """Why the portal will not POST notices to `url`, or None when it will."""
    parts = urlsplit(url)
    if len(url) > 500:
        return "the URL is longer than 500 characters"
    if parts.username or parts.password:
        return "the URL carries credentials; the recipient authenticates the portal by its signature instead"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return None
    if parts.scheme == "http":
        return f"plain http is allowed only to {', '.join(sorted(LOCAL_HOSTS))} (tests, development): use https"
    return "not an https:// URL"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_endpoint(*, session: Session, recipient: str, url: str) -> str:
    """Point `recipient`'s notices at `url` (enabled) with a new acknowledgement token; returns the token, which is
    stored nowhere: the operator hands it to the recipient. An earlier token stops working at once."""
    _check_recipient(recipient)
    problem = url_problem(url)
    if problem is not None:
        raise EndpointRefused(problem)
    token = secrets.token_urlsafe(32)
    endpoint = session.get(RecipientEndpoint, recipient)
    if endpoint is None:
        endpoint = RecipientEndpoint(recipient=recipient, url=url, token_sha256="", updated_at=utcnow())
    endpoint.url, endpoint.token_sha256, endpoint.enabled = url, token_digest(token), True
    endpoint.updated_at = utcnow()
    session.add(endpoint)
    record(
        session,
        action="recipient.endpoint_set",
        actor=OPERATOR,
        target_type="recipient",
        target_id=recipient,
        details={"host": urlsplit(url).hostname},
    )
    return token


def disable(*, session: Session, recipient: str) -> None:
    """Stop sending `recipient` notices (they wait, pending, until the endpoint is set again; the dead-letter clock
    keeps running). Its token still acknowledges what it already received; `set_endpoint` replaces the token."""
    _check_recipient(recipient)
    endpoint = session.get(RecipientEndpoint, recipient)
    if endpoint is None:
        raise NotFound(f"{recipient} has no endpoint")
    endpoint.enabled, endpoint.updated_at = False, utcnow()
    session.add(endpoint)
    record(session, action="recipient.endpoint_disabled", actor=OPERATOR, target_type="recipient", target_id=recipient)


@dataclass(frozen=True)
class RecipientRow:
    recipient: str
    legal_name: str
    url: str | None  # None: no endpoint, its notices are tasks for staff
    enabled: bool
    counts: dict[str, int]


def overview(*, session: Session) -> list[RecipientRow]:
    """Every catalogue recipient with its endpoint and how many of its notices are in each state."""
    endpoints = {e.recipient: e for e in session.exec(select(RecipientEndpoint))}
    counts: Counter[tuple[str, str]] = Counter()
    for recipient, status, number in session.exec(
        select(RecipientNotice.recipient, RecipientNotice.status, func.count()).group_by(
            col(RecipientNotice.recipient), col(RecipientNotice.status)
        )
    ):
        counts[(recipient, status)] = number
    return [
        RecipientRow(
            recipient=key,
            legal_name=entry.legal_name,
            url=endpoints[key].url if key in endpoints else None,
            enabled=key in endpoints and endpoints[key].enabled,
            counts={status: counts[(key, status)] for status in STATUSES},
        )
        for key, entry in get_catalogue().recipients.items()
    ]


def _check_recipient(recipient: str) -> None:
    known = get_catalogue().recipients
    if recipient not in known:
        raise UnknownRecipient(f"the catalogue names no recipient {recipient!r} (known: {', '.join(sorted(known))})")
