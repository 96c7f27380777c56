"""Export sections of the customer's account: its activity (the audit trail in words), sign-in sessions,
notifications, the emails sent (links' tokens removed) and the exports asked for."""

from __future__ import annotations

from sqlmodel import col

from ....catalogue import get_catalogue
from ....exports.sections import Column, Section
from ....i18n import N_, _
from ....models import AuditEvent, AuthSession, ExportPackage, Notification, OutboxMessage, PasskeyCredential
from ...views.activity_words import describe, who_acted
from ...views.outbox_view import without_tokens
from .reading import BY_WORDS, Record, batched, plain_words

TOKEN_REMOVED = N_("(removed from your export: a link that acted for you once)")
# How a sign-in session ended (auth_session.revoked_reason), as the customer reads it.
ENDINGS = {
    "signed_out": N_("you signed out"),
    "rotated": N_("replaced when you signed in again"),
    "everywhere": N_("you signed out everywhere"),
    "password_changed": N_("your password was changed"),
    "password_reset": N_("your password was reset"),
    "email_change_stopped": N_("you stopped a change of your sign-in address"),
    "withdrawal": N_("your withdrawal"),
    "ended_by_owner": N_("you signed it out from another browser"),
    "expired": N_("expired"),
}

# Where an email stands (outbox_message.status, kept as it is in data.json and the CSV), as the report words it.
EMAIL_STATUSES = {"pending": N_("pending"), "sent": N_("sent"), "failed": N_("failed")}


def sections(customer_id: int) -> list[Section]:
    return [
        _activity(customer_id),
        _sign_ins(customer_id),
        _passkeys(customer_id),
        _notifications(customer_id),
        _emails(customer_id),
        _exports(customer_id),
    ]


def _activity(customer_id: int) -> Section:
    def record(event: AuditEvent) -> Record:
        return {
            "at": event.at,
            "action": event.action,
            "what": describe(event.action, event.target_type, event.target_id, event.details),
            "by": who_acted(event.actor_role, event.actor_id, customer_id),
        }

    return Section(
        key="account_activity",
        title=N_("Account activity"),
        about=N_(
            "Everything the portal's audit trail records about your account, in words: sign-ins, consents, "
            "requests, support access."
        ),
        table="audit_event",
        columns=(
            Column("at", N_("When"), "datetime"),
            Column("action", N_("Action key"), in_report=False),
            Column("what", N_("What happened")),
            Column("by", N_("By"), words=BY_WORDS),
        ),
        rows=lambda session: batched(session, AuditEvent, col(AuditEvent.subject_id) == customer_id, record),
        time_column="at",
    )


def _sign_ins(customer_id: int) -> Section:
    def record(row: AuthSession) -> Record:
        return {
            "started_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "expires_at": row.expires_at,
            "ended_at": row.revoked_at,
            "how_it_ended": _ending(row.revoked_reason) if row.revoked_reason else None,
            "browser": row.browser,
        }

    return Section(
        key="sign_in_sessions",
        title=N_("Sign-in sessions"),
        about=N_(
            "Each time you signed in: when, from which browser (as it named itself), when the portal last saw you, "
            "and how the session ended."
        ),
        table="auth_session",
        columns=(
            Column("started_at", N_("Signed in"), "datetime"),
            Column("last_seen_at", N_("Last seen"), "datetime"),
            Column("expires_at", N_("Would expire"), "datetime"),
            Column("ended_at", N_("Ended"), "datetime"),
            Column("how_it_ended", N_("How it ended")),
            Column("browser", N_("Browser")),
        ),
        rows=lambda session: batched(
            session,
            AuthSession,
            col(AuthSession.account_id) == customer_id,
            record,
            order=("created_at", "token_hash"),
        ),
        time_column="started_at",
    )


def _ending(reason: str) -> str:
    return _(ENDINGS[reason]) if reason in ENDINGS else plain_words(reason)


def _passkeys(customer_id: int) -> Section:
    def record(passkey: PasskeyCredential) -> Record:
        return {
            "name": passkey.name,
            "created_at": passkey.created_at,
            "last_used_at": passkey.last_used_at,
            "transports": [t for t in passkey.transports.split(",") if t],
            "synced": passkey.backed_up,
            "authenticator_model": passkey.aaguid or None,
        }

    return Section(
        key="passkeys",
        title=N_("Your passkeys"),
        about=N_("The passkeys you added to sign in with, and when each was last used."),
        table="passkey_credential",
        columns=(
            Column("name", N_("Name")),
            Column("created_at", N_("Added"), "datetime"),
            Column("last_used_at", N_("Last used"), "datetime"),
            Column("transports", N_("How it connects")),
            Column("synced", N_("Synced between devices")),
            Column("authenticator_model", N_("Authenticator model (AAGUID)"), in_report=False),
        ),
        rows=lambda session: batched(
            session, PasskeyCredential, col(PasskeyCredential.account_id) == customer_id, record
        ),
        time_column="created_at",
    )


def _notifications(customer_id: int) -> Section:
    def record(note: Notification) -> Record:
        return {
            "created_at": note.created_at,
            "title": note.title,
            "body": note.body,
            "link": note.link,
            "read_at": note.read_at,
        }

    return Section(
        key="notifications",
        title=N_("Notifications"),
        about=N_("The notifications the portal showed you."),
        table="notification",
        columns=(
            Column("created_at", N_("Sent"), "datetime"),
            Column("title", N_("Title")),
            Column("body", N_("Message")),
            Column("link", N_("Link"), in_report=False),
            Column("read_at", N_("Read"), "datetime"),
        ),
        rows=lambda session: batched(session, Notification, col(Notification.account_id) == customer_id, record),
        time_column="created_at",
    )


def _emails(customer_id: int) -> Section:
    def record(mail: OutboxMessage) -> Record:
        return {
            "created_at": mail.created_at,
            "to_address": mail.to_address,
            "subject": mail.subject,
            "body": without_tokens(mail.body, _(TOKEN_REMOVED)),
            "status": mail.status,
            "sent_at": mail.sent_at,
        }

    return Section(
        key="emails",
        title=N_("Emails sent to you"),
        about=N_(
            "The emails the portal wrote to you, and whether they were sent. Links that acted for you once "
            "(a password reset, an address change) are shown without their secret part."
        ),
        table="outbox_message",
        columns=(
            Column("created_at", N_("Written"), "datetime"),
            Column("to_address", N_("To")),
            Column("subject", N_("Subject")),
            Column("body", N_("Message")),
            Column("status", N_("Status"), words=EMAIL_STATUSES),
            Column("sent_at", N_("Sent"), "datetime"),
        ),
        rows=lambda session: batched(session, OutboxMessage, col(OutboxMessage.account_id) == customer_id, record),
        time_column="created_at",
    )


def _exports(customer_id: int) -> Section:
    def record(package: ExportPackage) -> Record:
        categories = get_catalogue().categories
        return {
            "request_id": package.request_id,
            "categories": [categories[c].title if c in categories else plain_words(c) for c in package.categories],
            "formats": [f.upper() for f in package.formats],
            "created_at": package.created_at,
            "ready_at": package.ready_at,
            "record_count": package.record_count,
            "size_bytes": package.size_bytes or None,
            "sha256": package.sha256,
            "expires_at": package.expires_at,
            "deleted_at": package.deleted_at,
        }

    return Section(
        key="exports",
        title=N_("Your exports"),
        about=N_("The exports you asked for before this one, and whether their files still exist."),
        table="export_package",
        columns=(
            Column("request_id", N_("Request no.")),
            Column("categories", N_("Categories")),
            Column("formats", N_("Formats")),
            Column("created_at", N_("Asked"), "datetime"),
            Column("ready_at", N_("Ready"), "datetime"),
            Column("record_count", N_("Records")),
            Column("size_bytes", N_("Size"), "bytes"),
            Column("sha256", N_("SHA-256 of the ZIP"), in_report=False),
            Column("expires_at", N_("Deleted after"), "datetime"),
            Column("deleted_at", N_("Deleted"), "datetime"),
        ),
        rows=lambda session: batched(session, ExportPackage, col(ExportPackage.customer_id) == customer_id, record),
        time_column="created_at",
    )
