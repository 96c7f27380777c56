"""Every table of the portal, declared once: where the export puts a customer's rows of it, and what it leaves out and
why. A new table fails `tests/unit/test_export_holdings.py` until it is declared here (or, for a policy category's
kind, in the registry's specs); a new column fails it until it is exported or left out with a reason."""

from __future__ import annotations

from collections.abc import Mapping

from ..catalogue import Catalogue
from ..categories import RecordKindSpec
from ..i18n import N_, _
from ..models import AuditSealState, LoginFailure, UsedToken
from .held_account import ACCOUNT_HOLDINGS
from .held_recipients import RECIPIENT_HOLDINGS, RECIPIENT_UNLINKED
from .held_rights import RIGHTS_HOLDINGS
from .holdings import SECURITY, Holding, LeftOut, kind_holding

# What a policy category's record kinds leave out of their tables (the catalogue's fields are what they export).
KIND_LEFT_OUT: Mapping[str, tuple[LeftOut, ...]] = {
    "account": (
        LeftOut(N_("Your password hash"), SECURITY, ("password_hash",)),
        LeftOut(
            N_("Your account type"),
            N_("Always “customer” for you: it decides which pages the portal shows."),
            ("role",),
        ),
        LeftOut(N_("When the account was closed"), N_("Empty while you can sign in."), ("deactivated_at",)),
        LeftOut(N_("Your one-time code secret and the last code used"), SECURITY, ("totp_secret", "totp_last_step")),
        LeftOut(
            N_("When you set up one-time codes, and a pending removal of your second factors"),
            N_("Both are on your account page and in your account activity."),
            ("totp_enabled_at", "factor_reset_due_at"),
        ),
        LeftOut(
            N_("The language and time zone the portal uses for you"),
            N_("Both are on your account page, and this export is written in them."),
            ("locale", "time_zone"),
        ),
    ),
    "identity_profile": (
        LeftOut(
            N_("When your identity details last changed"),
            N_("Bookkeeping for the overview page; each change is in your account activity."),
            ("updated_at",),
        ),
    ),
    "payment_card": (
        LeftOut(
            N_("The payment provider's token for each card"),
            N_(
                "A credential only the payment provider can use; left out for security: it would let someone who "
                "gets hold of this file act as you."
            ),
            ("processor_token",),
        ),
    ),
    "order": (
        LeftOut(
            N_("A pseudonym for orders kept after a withdrawal"),
            N_("Empty while you have an account."),
            ("customer_pseudonym",),
        ),
    ),
    "payment": (
        LeftOut(
            N_("A pseudonym for payments kept after a withdrawal"),
            N_("Empty while you have an account."),
            ("customer_pseudonym",),
        ),
    ),
}

_QUEUE_INTERNALS = (
    "idempotency_key",
    "attempts",
    "max_attempts",
    "claimed_from",
    "lease_owner",
    "lease_expires_at",
    "next_attempt_at",
    "last_error",
    "progress_done",
    "progress_total",
    "updated_at",
)

UNLINKED: tuple[Holding, ...] = (
    Holding(
        LoginFailure,
        N_("Failed sign-in attempts"),
        unlinked=N_(
            "Each failed sign-in as a hash of the email or network address typed in, with the time; an "
            "address's failures are deleted at its next successful sign-in, and by the worker once the throttle's "
            "window has passed. No column links them to an account, so they "
            "are neither counted nor exported: they are how the portal slows down password guessing."
        ),
    ),
    Holding(
        UsedToken,
        N_("Spent single-use links"),
        unlinked=N_(
            "Only the ids of links already used, so a link cannot be used twice; no column links them to an account."
        ),
    ),
    RECIPIENT_UNLINKED,
    Holding(
        AuditSealState,
        N_("The head of the audit trail's hash chain"),
        unlinked=N_(
            "One row about the whole audit trail (its last sequence number and hash); nothing in it is about "
            "a customer."
        ),
    ),
)


def declared(catalogue: Catalogue, specs: Mapping[str, RecordKindSpec]) -> list[Holding]:
    """Every table's holding: the catalogue's kinds (from the registry's specs) first, in policy order, then the
    portal's own records, then the tables that hold nothing linked to a customer."""
    kinds = [
        kind_holding(
            specs[kind.key],
            kind,
            _("{kind} ({category})").format(kind=kind.title, category=category.title),
            KIND_LEFT_OUT.get(kind.key, ()),
        )
        for category in catalogue.categories.values()
        for kind in category.kinds
    ]
    return [*kinds, *RIGHTS_HOLDINGS, *RECIPIENT_HOLDINGS, *ACCOUNT_HOLDINGS, *UNLINKED]
