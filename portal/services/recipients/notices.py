"""GDPR Art. 19: every recipient that received data which was rectified, erased or restricted is told.

`notify_recipients` runs inside the transaction that completes the change (a rectification job, an erasure, a
restriction or its lifting), so a notice exists exactly when the change does. It reads the disclosure log to find
who received records of the affected kinds, and writes one notice per recipient carrying only what that recipient
needs: its own references to the records, the corrected values of the fields it holds, and what to do. A recipient
with an endpoint gets it as a signed webhook (delivery.py); one without becomes a task for staff with a due date.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from ...catalogue import get_catalogue
from ...config import get_settings
from ...models import Disclosure, RecipientEndpoint, RecipientNotice
from ...models.types import utcnow

ACTIONS = ("rectification", "erasure", "restriction", "restriction_lifted")
INSTRUCTIONS = {
    "rectification": "Correct the records listed with the values in 'changes', and any copies you made of them.",
    "erasure": (
        "Erase the records listed, and any copies you made of them, unless a law obliges you to keep them: then "
        "answer 'refused' with that law."
    ),
    "restriction": (
        "Restrict the processing of the records listed: store them, but do not otherwise use them until we tell you "
        "the restriction is lifted."
    ),
    "restriction_lifted": "The restriction of processing of the records listed is lifted: you may process them again.",
}


def customer_ref(recipient: str, customer_id: int) -> str:
    """How a recipient knows the customer: a keyed pseudonym per recipient, so two recipients cannot link their
    notices about the same person, and none learns the portal's account id."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"recipient:{recipient}:customer:{customer_id}".encode(), hashlib.sha256).hexdigest()[:24]


def notify_recipients(
    session: Session,
    *,
    request_id: int,
    customer_id: int,
    action: str,
    kinds: list[str],
    changes: Mapping[str, Mapping[str, str]] | None = None,
    now: datetime | None = None,
) -> list[RecipientNotice]:
    """Write one notice per recipient that received records of `kinds` (changes: kind -> field -> new value, for a
    rectification). Idempotent per request and recipient: a retried job writes nothing twice."""
    assert action in ACTIONS, action
    now = now or utcnow()
    received: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for disclosure in session.exec(
        select(Disclosure).where(col(Disclosure.customer_id) == customer_id, col(Disclosure.kind).in_(kinds))
    ):
        received[disclosure.recipient][disclosure.kind].update(disclosure.record_refs)
    already = set(
        session.exec(select(RecipientNotice.recipient).where(col(RecipientNotice.request_id) == request_id)).all()
    )
    endpoints = {
        e.recipient for e in session.exec(select(RecipientEndpoint).where(col(RecipientEndpoint.enabled).is_(True)))
    }
    due = now + timedelta(days=get_settings().notice_due_days)
    written = []
    for recipient, held in sorted(received.items()):
        if recipient in already:
            continue
        notice_id = str(uuid.uuid4())
        body = _body(notice_id, recipient, customer_id, action, held, changes, now=now, due=due)
        webhook = recipient in endpoints
        notice = RecipientNotice(
            id=notice_id,
            request_id=request_id,
            customer_id=customer_id,
            recipient=recipient,
            action=action,
            body=body,
            channel="webhook" if webhook else "staff_task",
            status="pending" if webhook else "open",
            created_at=now,
            due_at=due,
            next_attempt_at=now if webhook else None,
        )
        session.add(notice)
        written.append(notice)
    return written


def _body(
    notice_id: str,
    recipient: str,
    customer_id: int,
    action: str,
    held: Mapping[str, set[str]],
    changes: Mapping[str, Mapping[str, str]] | None,
    *,
    now: datetime,
    due: datetime,
) -> dict[str, object]:
    """Exactly what is sent: nothing the recipient did not already receive, except corrected values of fields it
    holds."""
    body: dict[str, object] = {
        "id": notice_id,
        "type": f"art19.{action}",
        "issued_at": now.isoformat(),
        "controller": get_catalogue().controller_name,
        "recipient": recipient,
        "customer_ref": customer_ref(recipient, customer_id),
        "records": [{"kind": kind, "refs": sorted(refs)} for kind, refs in sorted(held.items())],
        "instructions": INSTRUCTIONS[action],
        "respond_by": due.date().isoformat(),
        "acknowledge_path": f"/recipients/notices/{notice_id}/ack",
    }
    if changes:
        body["changes"] = {kind: dict(fields) for kind, fields in changes.items() if kind in held}
    return body


def recipients_told(session: Session, request_id: int) -> list[str]:
    """The legal names of the recipients told about a request's change (for the signed deletion receipt)."""
    names = get_catalogue().recipients
    rows = session.exec(select(RecipientNotice.recipient).where(col(RecipientNotice.request_id) == request_id))
    return sorted({names[r].legal_name if r in names else r for r in rows})
