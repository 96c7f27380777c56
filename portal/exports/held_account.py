"""The holdings of the customer's account in the portal: account activity, support access, sign-in sessions,
notifications, emails, exports and the record counters (see `held_tables` for the whole list)."""

from __future__ import annotations

from ..i18n import N_
from ..models import (
    AccessAsk,
    AuditEvent,
    AuthSession,
    ExportPackage,
    KnownBrowser,
    Notification,
    OutboxMessage,
    PasskeyCredential,
    RecordCount,
    RecoveryCode,
    SupportGrant,
    SupportSession,
)
from .holdings import SECURITY, STAFF, Holding, LeftOut

ACCOUNT_HOLDINGS: tuple[Holding, ...] = (
    Holding(
        AuditEvent,
        N_("Your account activity (the audit trail)"),
        owner="subject_id",
        section="account_activity",
        exported=("at", "action", "actor_role", "target_type", "target_id"),
        left_out=(
            LeftOut(N_("Which staff member or support grant an event names"), STAFF, ("actor_id", "grant_id")),
            LeftOut(
                N_("Where each event came from"),
                N_(
                    "A keyed hash of the network address, kept to spot misuse; it cannot be turned back into the "
                    "address."
                ),
                ("origin",),
            ),
            LeftOut(
                N_("Each event's technical details"), N_("What they mean is in the activity's words."), ("details",)
            ),
            LeftOut(
                N_("The audit trail's hash chain"),
                N_("Sequence numbers and hashes that prove the trail was not altered: about the trail, not about you."),
                ("seq", "prev_hash", "hash"),
            ),
        ),
    ),
    Holding(
        SupportGrant,
        N_("Support access you granted"),
        owner="customer_id",
        section="support_grants",
        exported=("scope", "ticket_ref", "created_at", "expires_at", "revoked_at", "ask_id"),
    ),
    Holding(
        AccessAsk,
        N_("Support's requests for access"),
        owner="customer_id",
        section="support_requests",
        exported=("agent_id", "reason", "created_at", "expires_at", "status", "answered_at"),
    ),
    Holding(
        SupportSession,
        N_("Support sessions on your account, with what the agent did"),
        owner="customer_id",
        section="support_sessions",
        exported=("agent_id", "reason", "started_at", "ended_at", "end_reason"),
        left_out=(
            LeftOut(
                N_("The grant number of each session"), N_("The grants are listed in support_grants."), ("grant_id",)
            ),
        ),
    ),
    Holding(
        AuthSession,
        N_("Your sign-in sessions"),
        owner="account_id",
        section="sign_in_sessions",
        exported=("created_at", "last_seen_at", "expires_at", "revoked_at", "revoked_reason", "browser"),
        left_out=(
            LeftOut(N_("Each session's token (as a hash)"), SECURITY, ("token_hash",)),
            LeftOut(
                N_("When you last confirmed it was you in each session"),
                N_("Security bookkeeping: sensitive acts need a confirmation of the last few minutes."),
                ("checked_at",),
            ),
            LeftOut(
                N_("Support bookkeeping on a session"),
                N_("Set only on a support agent's sessions; empty on yours."),
                ("acting_customer_id", "support_session_id", "parent_expires_at"),
            ),
            LeftOut(
                N_("Support agents' own sign-in sessions while they acted for you"),
                N_("They are the agent's sessions; what the agent did is in support_sessions."),
                linked_by="acting_customer_id",
            ),
        ),
    ),
    Holding(
        PasskeyCredential,
        N_("Your passkeys"),
        owner="account_id",
        section="passkeys",
        exported=("name", "created_at", "last_used_at", "transports", "backed_up", "aaguid"),
        left_out=(
            LeftOut(
                N_("What the portal checks each passkey against"),
                N_(
                    "The passkey's public key, its id and its use counter: of no use to you, and the id would let "
                    "anyone you give this file to recognise your passkey."
                ),
                ("credential_id", "public_key", "sign_count"),
            ),
        ),
    ),
    Holding(
        RecoveryCode,
        N_("Your recovery codes"),
        owner="account_id",
        left_out=(
            LeftOut(N_("The recovery codes (as hashes)"), SECURITY, ("code_hash",)),
            LeftOut(
                N_("When they were made and used"),
                N_("Both are in your account activity (account_activity)."),
                ("created_at", "used_at"),
            ),
        ),
    ),
    Holding(
        KnownBrowser,
        N_("Browsers you signed in from"),
        owner="account_id",
        left_out=(
            LeftOut(N_("The browser's random cookie (as a hash)"), SECURITY, ("browser_hash",)),
            LeftOut(
                N_("Each browser's name and when it was first and last seen"),
                N_("Every sign-in, with its browser, is in sign_in_sessions."),
                ("browser", "first_seen_at", "last_seen_at"),
            ),
        ),
    ),
    Holding(
        Notification,
        N_("Notifications in the portal"),
        owner="account_id",
        section="notifications",
        exported=("created_at", "title", "body", "link", "read_at"),
    ),
    Holding(
        OutboxMessage,
        N_("Emails the portal sent you"),
        owner="account_id",
        section="emails",
        exported=("created_at", "to_address", "subject", "body", "status", "sent_at"),
        left_out=(
            LeftOut(
                N_("The token in a password-reset or email-change link"),
                N_(
                    "Each link acts for you once; the link is shown without it. Left out for security: it would let "
                    "someone who gets hold of this file act as you."
                ),
            ),
            LeftOut(
                N_("Delivery bookkeeping"),
                N_("Attempts and the mail server's error messages: how the portal delivers mail, not data about you."),
                ("attempts", "next_attempt_at", "last_error"),
            ),
        ),
    ),
    Holding(
        ExportPackage,
        N_("Your exports"),
        owner="customer_id",
        section="exports",
        exported=(
            "request_id",
            "categories",
            "formats",
            "size_bytes",
            "sha256",
            "record_count",
            "created_at",
            "ready_at",
            "expires_at",
            "deleted_at",
        ),
        left_out=(
            LeftOut(N_("Where each ZIP is stored"), N_("A file name on the portal's server."), ("file_name",)),
            LeftOut(N_("Record counts per kind"), N_("They are in each export's own manifest.json."), ("details",)),
        ),
    ),
    Holding(
        RecordCount,
        N_("Counters of your records"),
        owner="customer_id",
        left_out=(
            LeftOut(
                N_("How many records of each kind you have, and when they last changed"),
                N_("Kept so pages load fast; derived from the records themselves (see manifest.json record_counts)."),
                ("count", "last_changed_at"),
            ),
        ),
    ),
)
