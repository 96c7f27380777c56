"""Request types: what each carries (a validated payload), whether a privacy officer reviews it first,
and the handler the worker runs. Each feature registers its own types; unknown types are refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from ..errors import Invalid
from ..i18n import _
from ..models import PrivacyRequest


class RejectRequest(Exception):
    """A handler's verdict that the request cannot be fulfilled; the reason is shown to the customer."""


class PayloadError(Invalid):
    """The payload does not fit the request type; the message says which field and why."""


@dataclass
class JobContext:
    session: Session
    request: PrivacyRequest
    now: datetime
    heartbeat: Callable[[], None] = lambda: None
    progress: Callable[[int, int], None] = lambda done, total: None
    notes: list[tuple[str, bool]] = field(default_factory=list)

    def note(self, message: str, *, visible_to_customer: bool = False) -> None:
        """A progress event for the request's timeline. The worker writes it in the transaction that
        completes the request, so it exists exactly when the request completed (never for a failed or
        rolled-back attempt), together with the other events of the batch."""
        self.notes.append((message, visible_to_customer))


@dataclass(frozen=True)
class RequestType:
    key: str
    title: str
    payload: type[BaseModel]
    handler: Callable[[JobContext], str]  # returns the outcome shown to the customer
    needs_review: bool = False  # waits in "received" for a privacy officer's approval
    needs_verification: bool = False  # waits in "received" until the filing code moves it to "verifying"
    customer_can_file: bool = True
    # Long jobs (exports, erasure) commit as they go and heartbeat their lease: a worker runs them one at a
    # time. Every other type is quick and is claimed and completed in batches (see Worker.run_batch).
    long_running: bool = False
    description: str = ""
    tags: frozenset[str] = field(default_factory=frozenset)
    # What the customer is told once it is done, in plain words: the notification's title and the email's subject
    # ("Your data export is ready", "Consent withdrawn: Usage analytics"), in the language of the current context.
    # None: "Done: <title>". `title` is marked with N_ where the type is registered and translated where shown.
    headline: Callable[[PrivacyRequest], str] | None = None

    def done_headline(self, request: PrivacyRequest) -> str:
        if self.headline is not None:
            return self.headline(request)
        return _("Done: {title}").format(title=_(self.title))

    def validate(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise PayloadError(_("{type}: the payload must be an object").format(type=self.key))
        try:
            return self.payload.model_validate(payload).model_dump(mode="json")
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}" for e in exc.errors())
            raise PayloadError(f"{self.key}: {problems}") from None


_TYPES: dict[str, RequestType] = {}


def register(request_type: RequestType) -> RequestType:
    _TYPES[request_type.key] = request_type
    return request_type


def get_type(key: str) -> RequestType:
    try:
        return _TYPES[key]
    except KeyError:
        raise PayloadError(_("unknown request type {type}").format(type=repr(key))) from None


def all_types() -> list[RequestType]:
    return list(_TYPES.values())


def type_keys(*, long_running: bool) -> list[str]:
    return sorted(key for key, request_type in _TYPES.items() if request_type.long_running == long_running)
