"""Restriction (Art. 18) and objection (Art. 21) requests: reviewed by a privacy officer, then recorded
as in force for the category the customer named."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field, field_validator
from sqlmodel import select

from ..catalogue import get_catalogue
from ..i18n import N_, _
from ..models import PrivacyRequest, ProcessingRestriction
from ..queue.registry import JobContext, RejectRequest, RequestType, register
from ..services.messaging.language import in_sentence
from ..services.recipients.notices import notify_recipients
from .wording import in_subject_language


class RestrictionPayload(BaseModel):
    category: str
    reason: str = Field(min_length=10, max_length=1000)

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in get_catalogue().categories:
            raise ValueError(f"unknown category {value!r}")
        return value

    @field_validator("reason")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(not (ch.isprintable() or ch == "\n") for ch in value):
            raise ValueError("the reason contains control characters")
        return value.strip()


def _apply(kind: str) -> Callable[[JobContext], str]:
    def handler(context: JobContext) -> str:
        request = context.request
        payload = RestrictionPayload.model_validate(request.payload)
        existing = context.session.exec(
            select(ProcessingRestriction).where(ProcessingRestriction.request_id == request.id)
        ).first()
        if existing is None:  # a retried job finds the row from its first run and adds no second one
            assert request.subject_id is not None and request.id is not None
            context.session.add(
                ProcessingRestriction(
                    customer_id=request.subject_id,
                    category=payload.category,
                    kind=kind,
                    reason=payload.reason,
                    request_id=request.id,
                    created_at=context.now,
                )
            )
        title = get_catalogue().categories[payload.category].title
        if kind == "restriction":  # Art. 19 covers restrictions (Art. 18), not objections
            _tell_recipients(context, payload.category, "restriction")
            return _("Processing of your {category} is restricted: we store it but do not otherwise use it.").format(
                category=in_sentence(title)
            )
        return _("Your objection to the processing of your {category} is in force.").format(category=in_sentence(title))

    return handler


class LiftPayload(BaseModel):
    restriction_request: int  # the request that put the restriction in force


def _lift(context: JobContext) -> str:
    """The customer lifts a restriction or objection they asked for: processing resumes, and the recipients who
    were told of the restriction are told it is lifted (Art. 19)."""
    payload = LiftPayload.model_validate(context.request.payload)
    restriction = context.session.exec(
        select(ProcessingRestriction).where(
            ProcessingRestriction.request_id == payload.restriction_request,
            ProcessingRestriction.customer_id == context.request.subject_id,
        )
    ).first()
    if restriction is None:
        raise RejectRequest(_("There is no such restriction or objection on your account."))
    title = in_sentence(get_catalogue().categories[restriction.category].title)
    if restriction.lifted_at is None:  # a retried job finds it lifted by its first run
        restriction.lifted_at = context.now
        context.session.add(restriction)
        if restriction.kind == "restriction":
            _tell_recipients(context, restriction.category, "restriction_lifted")
    if restriction.kind == "restriction":
        return _("Your restriction of the processing of your {category} is lifted.").format(category=title)
    return _("Your objection to the processing of your {category} is lifted.").format(category=title)


def _tell_recipients(context: JobContext, category: str, action: str) -> None:
    request = context.request
    assert request.id is not None and request.subject_id is not None
    notify_recipients(
        context.session,
        request_id=request.id,
        customer_id=request.subject_id,
        action=action,
        kinds=[kind.key for kind in get_catalogue().categories[category].kinds],
        now=context.now,
    )


def _headline(words: str, with_category: str) -> Callable[[PrivacyRequest], str]:
    """`words` alone, or `with_category` ("…: {category}") when the request names a category: both marked N_."""

    def headline(request: PrivacyRequest) -> str:
        category = get_catalogue().categories.get(str(request.payload.get("category", "")))
        return _(with_category).format(category=category.title) if category else _(words)

    return headline


def register_types() -> None:
    register(
        RequestType(
            key="restriction_lift",
            title=N_("Lifting a restriction or objection"),
            payload=LiftPayload,
            handler=in_subject_language(_lift),
            description=N_("Lift a restriction of processing or an objection you asked for: processing resumes."),
        )
    )
    register(
        RequestType(
            key="restriction",
            title=N_("Restriction of processing"),
            payload=RestrictionPayload,
            handler=in_subject_language(_apply("restriction")),
            needs_review=True,
            description=N_("Ask us to store but not otherwise use the data in a category (GDPR Art. 18)."),
            headline=_headline(N_("Processing restricted"), N_("Processing restricted: {category}")),
        )
    )
    register(
        RequestType(
            key="objection",
            title=N_("Objection to processing"),
            payload=RestrictionPayload,
            handler=in_subject_language(_apply("objection")),
            needs_review=True,
            description=N_("Object to processing of a category based on our legitimate interests (GDPR Art. 21)."),
            headline=_headline(N_("Objection in force"), N_("Objection in force: {category}")),
        )
    )
