"""The request state machine, in one place. Every status change in the portal goes through `check`; `is_open` and
`urgency` say where a request stands (still open, and how close to its deadline)."""

from __future__ import annotations

from datetime import datetime

from ..errors import Conflict
from ..i18n import N_, _
from ..models import PrivacyRequest
from ..models import RequestStatus as S
from ..models.types import utcnow
from . import deadlines

TRANSITIONS: dict[S, frozenset[S]] = {
    S.RECEIVED: frozenset({S.VERIFYING, S.QUEUED, S.REJECTED, S.CANCELED}),
    S.VERIFYING: frozenset({S.QUEUED, S.REJECTED, S.CANCELED}),
    S.QUEUED: frozenset({S.PROCESSING, S.REJECTED, S.CANCELED}),
    # processing -> processing: a worker whose lease expired is replaced by another
    S.PROCESSING: frozenset({S.PROCESSING, S.COMPLETED, S.FAILED, S.DEAD_LETTER, S.REJECTED}),
    S.FAILED: frozenset({S.PROCESSING, S.QUEUED, S.DEAD_LETTER, S.CANCELED, S.REJECTED}),
    S.DEAD_LETTER: frozenset({S.QUEUED, S.CANCELED, S.REJECTED}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELED: frozenset(),
}

# A customer may cancel only what no worker has started.
CUSTOMER_CANCELABLE = frozenset({S.RECEIVED, S.VERIFYING, S.QUEUED})
# Statuses a worker may pick up (failed ones only once their back-off has passed).
CLAIMABLE = (S.QUEUED, S.FAILED)

# The status in a customer's words, marked here and translated where it is shown (`label`, or `_(LABELS[...])`).
LABELS = {
    S.RECEIVED: N_("Received"),
    S.VERIFYING: N_("Awaiting your confirmation"),
    S.QUEUED: N_("Queued"),
    S.PROCESSING: N_("Processing"),
    S.COMPLETED: N_("Completed"),
    S.REJECTED: N_("Rejected"),
    S.FAILED: N_("Retrying"),
    S.DEAD_LETTER: N_("Needs attention"),
    S.CANCELED: N_("Canceled"),
}


class InvalidTransition(Conflict, ValueError):
    """An illegal status change; raised before anything is written."""


def check(current: str, target: str) -> None:
    try:
        source, destination = S(current), S(target)
    except ValueError as exc:
        raise InvalidTransition(f"unknown status in {current!r} -> {target!r}") from exc
    if destination not in TRANSITIONS[source]:
        # The statuses as stored ("dead_letter"), the same in every language: the codes the audit trail holds.
        raise InvalidTransition(
            _("a request that is {current} cannot become {target}").format(
                current=source.value, target=destination.value
            )
        )


def label(status: str) -> str:
    """The status in the reader's words ("Awaiting your confirmation"); an unknown status as it is stored."""
    try:
        return _(LABELS[S(status)])
    except ValueError:
        return status


def is_open(request: PrivacyRequest) -> bool:
    return S(request.status) not in (S.COMPLETED, S.REJECTED, S.CANCELED)


def urgency(request: PrivacyRequest, now: datetime | None = None) -> str:
    return deadlines.urgency(request.effective_due_at, now or utcnow(), open_=is_open(request))
