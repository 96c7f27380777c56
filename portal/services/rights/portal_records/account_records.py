"""Export sections of the customer's account: its activity (the audit trail in words), sign-in sessions,
notifications, the emails sent (links' tokens removed) and the exports asked for."""

from __future__ import annotations

from sqlmodel import col

from ....catalogue import get_catalogue
from ....exports.sections import Column, Section
from ....models import AuditEvent, AuthSession, ExportPackage, Notification, OutboxMessage, PasskeyCredential
from ...views.activity_words import describe, who_acted
from ...views.outbox_view import without_tokens
from .reading import Record, batched, plain_words

TOKEN_REMOVED = "(removed from your export: a link that acted for you once)"
# How a sign-in session ended (auth_session.revoked_reason), as the customer reads it.
ENDINGS = {
    "signed_out": "you signed out",
    "rotated": "replaced when you signed in again",
    "everywhere": "you signed out everywhere",
    "password_changed": "your password was changed",
    "password_reset": "your password was reset",
    "email_change_stopped": "you stopped a change of your sign-in address",
    "withdrawal": "your withdrawal",
    "ended_by_owner": "you signed it out from another browser",
}


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
        title="Account activity",
        about="Everything the portal's audit trail records about your account, in words: sign-ins, consents, "
        "requests, support access.",
        table="audit_event",
        columns=(
            Column("at", "When", "datetime"),
            Column("action", "Action key", in_report=False),
            Column("what", "What happened"),
            Column("by", "By"),
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
            "how_it_ended": ENDINGS.get(row.revoked_reason, plain_words(row.revoked_reason))
            if row.revoked_reason
            else None,
            "browser": row.browser,
        }

    return Section(
        key="sign_in_sessions",
        title="Sign-in sessions",
        about="Each time you signed in: when, from which browser (as it named itself), when the portal last saw you, "
        "and how the session ended.",
        table="auth_session",
        columns=(
            Column("started_at", "Signed in", "datetime"),
            Column("last_seen_at", "Last seen", "datetime"),
            Column("expires_at", "Would expire", "datetime"),
            Column("ended_at", "Ended", "datetime"),
            Column("how_it_ended", "How it ended"),
            Column("browser", "Browser"),
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
        title="Your passkeys",
        about="The passkeys you added to sign in with, and when each was last used.",
        table="passkey_credential",
        columns=(
            Column("name", "Name"),
            Column("created_at", "Added", "datetime"),
            Column("last_used_at", "Last used", "datetime"),
            Column("transports", "How it connects"),
            Column("synced", "Synced between devices"),
            Column("authenticator_model", "Authenticator model (AAGUID)", in_report=False),
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
        title="Notifications",
        about="The notifications the portal showed you.",
        table="notification",
        columns=(
            Column("created_at", "Sent", "datetime"),
            Column("title", "Title"),
            Column("body", "Message"),
            Column("link", "Link", in_report=False),
            Column("read_at", "Read", "datetime"),
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
            "body": without_tokens(mail.body, TOKEN_REMOVED),
            "status": mail.status,
            "sent_at": mail.sent_at,
        }

    return Section(
        key="emails",
        title="Emails sent to you",
        about="The emails the portal wrote to you, and whether they were sent. Links that acted for you once "
        "(a password reset, an address change) are shown without their secret part.",
        table="outbox_message",
        columns=(
            Column("created_at", "Written", "datetime"),
            Column("to_address", "To"),
            Column("subject", "Subject"),
            Column("body", "Message"),
            Column("status", "Status"),
            Column("sent_at", "Sent", "datetime"),
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
        title="Your exports",
        about="The exports you asked for before this one, and whether their files still exist.",
        table="export_package",
        columns=(
            Column("request_id", "Request no."),
            Column("categories", "Categories"),
            Column("formats", "Formats"),
            Column("created_at", "Asked", "datetime"),
            Column("ready_at", "Ready", "datetime"),
            Column("record_count", "Records"),
            Column("size_bytes", "Size", "bytes"),
            Column("sha256", "SHA-256 of the ZIP", in_report=False),
            Column("expires_at", "Deleted after", "datetime"),
            Column("deleted_at", "Deleted", "datetime"),
        ),
        rows=lambda session: batched(session, ExportPackage, col(ExportPackage.customer_id) == customer_id, record),
        time_column="created_at",
    )
