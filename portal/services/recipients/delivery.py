"""The notice outbox: every due webhook notice goes out as a signed HTTPS POST, retried with back-off until the
recipient answers 2xx, and given up ("dead", for staff to follow up) a configurable time after it was written.

Every worker process runs this. A notice is claimed with a conditional UPDATE just before it is sent (its
next_attempt_at moves past the send's timeout), so two deliverers never send it at once, and a deliverer that dies
mid-send leaves a notice that is due again when its claim runs out. A recipient may therefore receive a notice
twice (sent, then the process died before writing "delivered"): it dedupes by the notice's id, which every retry
keeps (docs/recipients.md).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ...config import Settings
from ...models import RecipientEndpoint, RecipientNotice
from ...models.types import utcnow
from ...signing import KeyRing, canonical, get_keyring, sign_bytes
from ...signing.webhooks import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_header, signed_message
from .endpoints import url_problem

log = logging.getLogger("portal.notices")
BATCH = 100
# Recipients are sent to side by side, each one's notices in order: a recipient that hangs holds up only itself,
# for one timeout per round (its other notices wait for the next round rather than each time out in turn).
PARALLEL_RECIPIENTS = 8
USER_AGENT = "PrivacyPortal-Notices/1"


@dataclass(frozen=True)
class _Due:
    id: str
    recipient: str
    url: str
    body: dict[str, Any]
    created_at: datetime
    next_attempt_at: datetime
    attempts: int


class _EndpointDown(Exception):
    """The recipient's endpoint did not answer at all (refused, unreachable, timed out): skip its other notices."""


def deliver_due(
    engine: Engine, settings: Settings, *, now: datetime | None = None, client: httpx.Client | None = None
) -> int:
    """Send every due webhook notice; returns how many the recipients accepted (2xx). `now` fixes the clock (tests
    move it instead of sleeping through back-offs); `client` replaces the HTTP client made here."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    due = _due(engine, clock())
    if not due:
        return 0
    by_recipient: dict[str, list[_Due]] = defaultdict(list)
    for notice in due:
        by_recipient[notice.recipient].append(notice)
    ring = get_keyring()
    own_client = client is None
    http = client or httpx.Client(timeout=settings.notice_timeout_seconds, follow_redirects=False)
    try:
        with ThreadPoolExecutor(min(PARALLEL_RECIPIENTS, len(by_recipient)), thread_name_prefix="notices") as pool:
            sent = pool.map(
                lambda notices: _deliver_to_one(engine, settings, http, ring, clock, notices), by_recipient.values()
            )
            return sum(sent)
    finally:
        if own_client:
            http.close()


def _due(engine: Engine, now: datetime) -> list[_Due]:
    with Session(engine) as session:
        rows = session.exec(
            select(RecipientNotice, RecipientEndpoint.url)
            .join(RecipientEndpoint, col(RecipientEndpoint.recipient) == col(RecipientNotice.recipient))
            .where(
                col(RecipientNotice.channel) == "webhook",
                col(RecipientNotice.status) == "pending",
                col(RecipientNotice.next_attempt_at) <= now,
                col(RecipientEndpoint.enabled).is_(True),
            )
            .order_by(col(RecipientNotice.next_attempt_at), col(RecipientNotice.id))
            .limit(BATCH)
        )
        return [
            _Due(n.id, n.recipient, url, n.body, n.created_at, n.next_attempt_at, n.attempts)
            for n, url in rows
            if n.next_attempt_at is not None
        ]


def _deliver_to_one(
    engine: Engine,
    settings: Settings,
    http: httpx.Client,
    ring: KeyRing,
    clock: Callable[[], datetime],
    notices: list[_Due],
) -> int:
    """One recipient's due notices, in order, until its endpoint fails to answer."""
    sent = 0
    for notice in notices:
        claimed_until = _claim(engine, notice, clock(), settings)
        if claimed_until is None:
            continue  # another deliverer has it
        try:
            error = _post(http, ring, settings, notice, clock())
        except _EndpointDown as down:
            _failed(engine, notice, claimed_until, str(down), clock(), settings)
            log.warning("notice %s to %s: %s; its other notices wait", notice.id, notice.recipient, down)
            break
        except Exception as exc:  # a bug or a broken key file must not leave the claim to expire silently
            log.exception("notice %s to %s could not be sent", notice.id, notice.recipient)
            _failed(engine, notice, claimed_until, f"not sent: {type(exc).__name__}", clock(), settings)
            continue
        if error is None:
            _delivered(engine, notice, clock())
            sent += 1
        else:
            _failed(engine, notice, claimed_until, error, clock(), settings)
            log.info("notice %s to %s refused: %s", notice.id, notice.recipient, error)
    return sent


def _claim(engine: Engine, notice: _Due, now: datetime, settings: Settings) -> datetime | None:
    """Take the notice for this deliverer for longer than one attempt can last; None when another took it first.
    The new next_attempt_at is the claim's token: only its holder records the attempt's outcome."""
    until = now + timedelta(seconds=4 * settings.notice_timeout_seconds + 30)
    with engine.begin() as connection:
        result = connection.execute(
            update(RecipientNotice)
            .where(
                col(RecipientNotice.id) == notice.id,
                col(RecipientNotice.status) == "pending",
                col(RecipientNotice.next_attempt_at) == notice.next_attempt_at,
            )
            .values(next_attempt_at=until)
        )
        return until if result.rowcount == 1 else None


def _post(http: httpx.Client, ring: KeyRing, settings: Settings, notice: _Due, now: datetime) -> str | None:
    """POST one notice; None when the recipient accepted it, else why not. Raises _EndpointDown when nothing
    answered."""
    problem = url_problem(notice.url)
    if problem is not None:
        return f"refused to send: {problem}"
    body = canonical(notice.body)
    timestamp = int(now.timestamp())
    signature = sign_bytes(signed_message(timestamp, notice.id, body), ring)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        ID_HEADER: notice.id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature_header(signature["kid"], signature["signature"]),
    }
    path = notice.body.get("acknowledge_path")
    if isinstance(path, str) and path.startswith("/"):
        # A convenience, outside the signature: recipients build the address from the portal they know and the
        # signed acknowledge_path (docs/recipients.md), never send their token wherever a header points.
        headers["Portal-Acknowledge-Url"] = settings.base_url + path
    try:
        # Streamed and never read: the answer's status is all that counts, whatever size its body.
        with http.stream("POST", notice.url, content=body, headers=headers) as response:
            status = response.status_code
    except httpx.TimeoutException:
        raise _EndpointDown(f"no answer within {settings.notice_timeout_seconds} s") from None
    except httpx.TransportError as exc:
        raise _EndpointDown(f"{type(exc).__name__}: {exc}"[:500]) from None
    if 200 <= status < 300:
        return None
    return f"HTTP {status}"


def _delivered(engine: Engine, notice: _Due, now: datetime) -> None:
    """Delivered, unless an acknowledgement got there first (it stays acknowledged)."""
    with engine.begin() as connection:
        connection.execute(
            update(RecipientNotice)
            .where(col(RecipientNotice.id) == notice.id, col(RecipientNotice.status) == "pending")
            .values(
                status="delivered",
                delivered_at=now,
                attempts=col(RecipientNotice.attempts) + 1,
                last_error=None,
                next_attempt_at=None,
            )
        )


def _failed(
    engine: Engine, notice: _Due, claimed_until: datetime, error: str, now: datetime, settings: Settings
) -> None:
    """Count the attempt and wait before the next one (doubling, capped), or give up once the notice is older than
    PORTAL_NOTICE_DEAD_AFTER_HOURS. Only while our claim holds: a deliverer whose claim ran out records nothing
    (and while it holds, nobody else changed the attempts read with the notice)."""
    attempts = notice.attempts + 1
    delay = min(settings.notice_retry_base_seconds * 2 ** min(attempts - 1, 30), settings.notice_retry_max_seconds)
    dead = now - notice.created_at >= timedelta(hours=settings.notice_dead_after_hours)
    values: dict[str, Any] = {"attempts": attempts, "last_error": error[:500], "next_attempt_at": None}
    if dead:
        values["status"] = "dead"
    else:
        values["next_attempt_at"] = now + timedelta(seconds=delay)
    with engine.begin() as connection:
        connection.execute(
            update(RecipientNotice)
            .where(
                col(RecipientNotice.id) == notice.id,
                col(RecipientNotice.status) == "pending",
                col(RecipientNotice.next_attempt_at) == claimed_until,
            )
            .values(**values)
        )
    if dead:
        log.warning("notice %s to %s is dead after %s attempts: %s", notice.id, notice.recipient, attempts, error)
