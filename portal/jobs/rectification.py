"""Rectification, email-change and supplementary-statement requests (GDPR Art. 16)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator
from sqlmodel import select

from ..audit import Actor
from ..i18n import N_, _
from ..models import FieldStatement
from ..queue.registry import JobContext, RequestType, register
from ..services.rights.identity_validation import LIMITS
from ..services.rights.rectification import apply_email_change, apply_rectification
from .wording import in_subject_language


class RectificationPayload(BaseModel):
    changes: dict[str, str]
    previous: dict[str, str] = Field(default_factory=dict)

    @field_validator("changes")
    @classmethod
    def _valid(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = [k for k in value if k not in LIMITS or k == "email"]
        if not value or unknown:
            raise ValueError(f"not correctable here: {', '.join(unknown) or 'no fields'}")
        return value


class EmailChangePayload(BaseModel):
    new_email: str = Field(min_length=3, max_length=254)


class StatementPayload(BaseModel):
    kind: str = Field(max_length=40)
    record_id: int
    field: str = Field(max_length=40)
    statement: str = Field(min_length=5, max_length=1000)

    @field_validator("statement")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(not (ch.isprintable() or ch == "\n") for ch in value):
            raise ValueError("the statement contains control characters")
        return value.strip()


def _actor(context: JobContext) -> Actor:
    request = context.request
    return Actor(account_id=request.actor_id, role=request.actor_role, grant_id=request.grant_id, origin="worker")


def _rectify(context: JobContext) -> str:
    payload = RectificationPayload.model_validate(context.request.payload)
    assert context.request.subject_id is not None
    apply_rectification(
        context.session,
        customer_id=context.request.subject_id,
        changes=payload.changes,
        actor=_actor(context),
        request_id=context.request.id,
    )
    # The old values were kept while the correction waited, so staff could see what it changes. Once applied
    # they are exactly the inaccurate data the customer asked us to correct: not kept (written with the completion).
    context.request.payload = {"changes": payload.changes}
    return _("Corrected: {fields}").format(fields=", ".join(sorted(payload.changes)))


def _change_email(context: JobContext) -> str:
    payload = EmailChangePayload.model_validate(context.request.payload)
    assert context.request.subject_id is not None
    apply_email_change(
        context.session,
        customer_id=context.request.subject_id,
        new_email=payload.new_email,
        actor=_actor(context),
        request_id=context.request.id,
    )
    return _("Your email address was changed. Use the new address to sign in.")


def _statement(context: JobContext) -> str:
    payload = StatementPayload.model_validate(context.request.payload)
    request = context.request
    assert request.subject_id is not None
    exists = context.session.exec(
        select(FieldStatement).where(
            FieldStatement.customer_id == request.subject_id,
            FieldStatement.kind == payload.kind,
            FieldStatement.record_id == payload.record_id,
            FieldStatement.statement == payload.statement,
        )
    ).first()
    if exists is None:
        context.session.add(
            FieldStatement(
                customer_id=request.subject_id,
                kind=payload.kind,
                record_id=payload.record_id,
                field=payload.field,
                statement=payload.statement,
                created_at=context.now,
            )
        )
    return _("Your statement is recorded with the record and visible to our staff.")


def register_types() -> None:
    register(
        RequestType(
            key="rectification",
            title=N_("Correction of identity details"),
            payload=RectificationPayload,
            handler=in_subject_language(_rectify),
            description=N_("Correct your name, address or phone numbers."),
            headline=lambda request: _("Your identity details were corrected"),
        )
    )
    register(
        RequestType(
            key="email_change",
            title=N_("Change of email address"),
            payload=EmailChangePayload,
            handler=in_subject_language(_change_email),
            needs_verification=True,
            description=N_("Takes effect once you open the link we email you."),
            headline=lambda request: _("Your sign-in email address was changed"),
        )
    )
    register(
        RequestType(
            key="statement",
            title=N_("Supplementary statement"),
            payload=StatementPayload,
            handler=in_subject_language(_statement),
            description=N_("Add your statement to a record you contest."),
            headline=lambda request: _("Your statement was added to the record"),
        )
    )
