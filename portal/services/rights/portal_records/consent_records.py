"""Export sections of the customer's consents: where each stands, every change ever made, and the policy versions
they reviewed."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, col, select

from ....catalogue import get_catalogue
from ....exports.sections import Column, Section
from ....i18n import N_, _
from ....models import ConsentLedgerEntry, ConsentState, PolicyReview
from ...views.activity_words import who_acted
from .reading import BY_WORDS, Record, batched, plain_words

# How a consent change reached the portal (consent_ledger.channel), as the customer reads it.
CHANNELS = {
    "portal": N_("on the portal"),
    "gpc": N_("your browser's Global Privacy Control signal"),
    "registration": N_("when you registered"),
    "withdrawal": N_("your withdrawal"),
    "support": N_("a support agent, for you"),
    "objection": N_("objection"),
}

# Whether consent is given ("consent"), a value programs read (docs/export-schema.json); the report words it.
CONSENT_WORDS = {"given": N_("given"), "withdrawn": N_("withdrawn")}


def sections(customer_id: int) -> list[Section]:
    return [_consents(customer_id), _history(customer_id), _reviews(customer_id)]


def _purpose_title(key: str) -> str:
    purposes = get_catalogue().purposes
    return purposes[key].title if key in purposes else plain_words(key)


def _consents(customer_id: int) -> Section:
    def rows(session: Session) -> Iterator[list[Record]]:
        states = session.exec(
            select(ConsentState).where(col(ConsentState.customer_id) == customer_id).order_by(col(ConsentState.purpose))
        ).all()
        yield [
            {
                "purpose": s.purpose,
                "purpose_title": _purpose_title(s.purpose),
                "granted": s.granted,
                "consent": "given" if s.granted else "withdrawn",
                "policy_version": s.policy_version,
                "since": s.updated_at,
                "gpc_applied": s.gpc_applied,
            }
            for s in states
        ]

    return Section(
        key="consents",
        title=N_("Your consents now"),
        about=N_("Each purpose you can consent to, and whether your consent is given."),
        table="consent_state",
        columns=(
            Column("purpose", N_("Purpose key"), in_report=False),
            Column("purpose_title", N_("Purpose")),
            Column("granted", N_("Given"), in_report=False),
            Column("consent", N_("Consent"), words=CONSENT_WORDS),
            Column("policy_version", N_("Policy version")),
            Column("since", N_("Since"), "datetime"),
            Column("gpc_applied", N_("Withdrawn by your browser's privacy signal")),
        ),
        rows=rows,
        time_column="since",
    )


def _history(customer_id: int) -> Section:
    def record(entry: ConsentLedgerEntry) -> Record:
        return {
            "at": entry.at,
            "purpose": entry.purpose,
            "purpose_title": _purpose_title(entry.purpose),
            "granted": entry.granted,
            "consent": "given" if entry.granted else "withdrawn",
            "policy_version": entry.policy_version,
            "how": _(CHANNELS[entry.channel]) if entry.channel in CHANNELS else plain_words(entry.channel),
            "by": who_acted(entry.actor_role, entry.actor_id, customer_id),
            "request_id": entry.request_id,
        }

    return Section(
        key="consent_history",
        title=N_("Consent history"),
        about=N_("Every consent you gave or withdrew, oldest first, as the portal's ledger of consents records it."),
        table="consent_ledger",
        columns=(
            Column("at", N_("When"), "datetime"),
            Column("purpose", N_("Purpose key"), in_report=False),
            Column("purpose_title", N_("Purpose")),
            Column("granted", N_("Given"), in_report=False),
            Column("consent", N_("Consent"), words=CONSENT_WORDS),
            Column("policy_version", N_("Policy version")),
            Column("how", N_("How")),
            Column("by", N_("By"), words=BY_WORDS),
            Column("request_id", N_("Request no.")),
        ),
        rows=lambda session: batched(
            session,
            ConsentLedgerEntry,
            col(ConsentLedgerEntry.customer_id) == customer_id,
            record,
            order=("at", "id"),  # ids follow filing, not time: the seed writes each purpose's history in turn
        ),
        time_column="at",
    )


def _reviews(customer_id: int) -> Section:
    def rows(session: Session) -> Iterator[list[Record]]:
        reviews = session.exec(select(PolicyReview).where(col(PolicyReview.customer_id) == customer_id)).all()
        yield [{"policy_version": r.policy_version, "reviewed_at": r.reviewed_at} for r in reviews]

    return Section(
        key="policy_reviews",
        title=N_("Privacy policy reviewed"),
        about=N_("The version of the privacy policy whose changes you last reviewed."),
        table="policy_review",
        columns=(Column("policy_version", N_("Policy version")), Column("reviewed_at", N_("Reviewed"), "datetime")),
        rows=rows,
        time_column="reviewed_at",
    )
