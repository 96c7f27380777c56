"""Passkeys (WebAuthn, with Duo Labs' py_webauthn): registering several per account, naming them, removing them,
and checking an assertion at sign-in or at a step-up.

Every passkey is a discoverable credential with user verification (`residentKey` and `userVerification` required),
so it signs in alone, without a user name, and is itself two factors (the device, and the fingerprint or PIN that
unlocks it). The relying party id is the host of the portal's public URL (`Settings.webauthn_rp_id`). A signature
counter that fails to grow (both non-zero) means two authenticators hold the same key: the assertion is refused,
and the owner told (WebAuthn L3 6.1.1: a cloned authenticator). Synced passkeys report 0 every time, which is no
sign of cloning."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select
from webauthn import (
    generate_registration_options,
    options_to_json,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ...audit import record
from ...config import get_settings
from ...db import session_scope
from ...errors import Invalid, NotFound
from ...i18n import N_, _, ngettext
from ...i18n.formats import format_number
from ...models import Account, PasskeyCredential
from ...models.types import utcnow
from ..access import Audience, use_case
from ..messaging.language import speaking_to
from . import factors, step_up
from .principal import Principal

MAX_NAME = 64
MAX_PER_ACCOUNT = 20
_TRANSPORTS = {t.value for t in AuthenticatorTransport}


class PasskeyRefused(Invalid):
    """The browser's answer did not prove a passkey of this account (or of any account, at sign-in)."""


@dataclass(frozen=True)
class Ceremony:
    """What the browser's `navigator.credentials` call needs (JSON, binary as base64url), and the challenge the
    answer must sign: kept by the page that started it (or signed into the sign-in form), never sent back trusted."""

    options_json: str
    challenge: bytes


@dataclass(frozen=True)
class PasskeyInfo:
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    synced: bool
    transports: tuple[str, ...]


def _info(row: PasskeyCredential) -> PasskeyInfo:
    assert row.id is not None
    transports = tuple(t for t in row.transports.split(",") if t)
    return PasskeyInfo(row.id, row.name, row.created_at, row.last_used_at, row.backed_up, transports)


def user_handle(account_id: int) -> bytes:
    """The WebAuthn user id: opaque and stable, derived rather than stored, and never the account id itself (the
    authenticator may show or sync it)."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"webauthn-user:{account_id}".encode(), hashlib.sha256).digest()[:16]


def clean_name(raw: str) -> str:
    name = " ".join("".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").split())
    if not name:
        raise Invalid(_("Give the passkey a name you will recognise, such as “Work laptop”."))
    return name[:MAX_NAME]


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def registration_options(principal: Principal) -> Ceremony:
    settings = get_settings()
    with session_scope() as session:
        existing = session.exec(
            select(PasskeyCredential.credential_id).where(col(PasskeyCredential.account_id) == principal.account_id)
        ).all()
    options = generate_registration_options(
        rp_id=settings.webauthn_rp_id,
        rp_name="Privacy Portal",
        user_id=user_handle(principal.account_id),
        user_name=principal.email,
        user_display_name=principal.display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED
        ),
        # The same authenticator twice would only be a second name for one key.
        exclude_credentials=[PublicKeyCredentialDescriptor(id=decode_id(c)) for c in existing],
    )
    return Ceremony(options_to_json(options), options.challenge)


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def register(principal: Principal, *, challenge: bytes, credential: dict[str, object], name: str) -> PasskeyInfo:
    """Store a new passkey from the browser's answer to `registration_options` (needs a fresh check: a stolen session
    must not add a passkey of its own). The owner is told."""
    step_up.require_recent_check(principal)
    settings = get_settings()
    label = clean_name(name)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=list(settings.webauthn_origins),
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as problem:
        raise PasskeyRefused(_("The passkey could not be added: {reason}").format(reason=reason_of(problem))) from None
    response = credential.get("response")
    transports = response.get("transports", []) if isinstance(response, dict) else []
    now = utcnow()
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        assert account is not None and account.id is not None
        count = len(session.exec(select(PasskeyCredential.id).where(PasskeyCredential.account_id == account.id)).all())
        if count >= MAX_PER_ACCOUNT:
            raise PasskeyRefused(
                ngettext(
                    "An account can have at most {count} passkey. Remove one first.",
                    "An account can have at most {count} passkeys. Remove one first.",
                    MAX_PER_ACCOUNT,
                ).format(count=format_number(MAX_PER_ACCOUNT))
            )
        credential_id = bytes_to_base64url(verified.credential_id)
        if session.exec(select(PasskeyCredential).where(PasskeyCredential.credential_id == credential_id)).first():
            raise PasskeyRefused(_("This passkey is already registered."))
        row = PasskeyCredential(
            account_id=account.id,
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=",".join(t for t in transports if isinstance(t, str) and t in _TRANSPORTS)[:120],
            aaguid=str(verified.aaguid or "")[:36],
            backed_up=bool(verified.credential_backed_up),
            name=label,
            created_at=now,
        )
        session.add(row)
        session.flush()
        record(
            session,
            action="auth.passkey_added",
            actor=principal.actor(),
            subject_id=account.id,
            target_type="passkey",
            target_id=row.id,
        )
        with speaking_to(account, own_act=True):
            factors.tell_owner(
                session,
                account,
                _("A passkey was added to your account"),
                _("The passkey “{name}” was added.").format(name=label),
            )
        return _info(row)


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def list_passkeys(principal: Principal) -> list[PasskeyInfo]:
    with session_scope() as session:
        rows = session.exec(
            select(PasskeyCredential)
            .where(col(PasskeyCredential.account_id) == principal.account_id)
            .order_by(col(PasskeyCredential.created_at), col(PasskeyCredential.id))
        ).all()
        return [_info(row) for row in rows]


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def rename(principal: Principal, passkey_id: int, name: str) -> None:
    label = clean_name(name)
    with session_scope() as session:
        row = _own(session, principal, passkey_id)
        row.name = label
        session.add(row)


@use_case(Audience.ACCOUNT_HOLDER, what=N_("manage the account's sign-in"))
def remove(principal: Principal, passkey_id: int) -> None:
    """Remove a passkey (needs a fresh check); the owner is told, and told plainly when it was the last factor."""
    step_up.require_recent_check(principal)
    with session_scope() as session:
        row = _own(session, principal, passkey_id)
        name = row.name
        session.delete(row)
        record(
            session,
            action="auth.passkey_removed",
            actor=principal.actor(),
            subject_id=principal.account_id,
            target_type="passkey",
            target_id=passkey_id,
        )
        session.flush()
        account = session.get(Account, principal.account_id)
        assert account is not None
        factors.after_removal(session, account, factors.REMOVED_PASSKEY, name)


def _own(session: Session, principal: Principal, passkey_id: int) -> PasskeyCredential:
    row = session.get(PasskeyCredential, passkey_id)
    if row is None or row.account_id != principal.account_id:
        raise NotFound(_("There is no such passkey."))
    return row


def decode_id(credential_id: str) -> bytes:
    return base64url_to_bytes(credential_id)


def reason_of(problem: Exception) -> str:
    text = str(problem).strip() or type(problem).__name__
    return text[:160].rstrip(".") + "."
