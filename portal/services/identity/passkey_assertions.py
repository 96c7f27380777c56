"""Proving a passkey: the options for the browser's `navigator.credentials.get`, and checking its answer at sign-in
(usernameless, or as the second step after the password) and at a step-up.

The sign-in form is a plain page that posts to a plain route, so the challenge travels with the form, signed and
single-use (`challenge_token` / `spend_challenge`); a page of a signed-in person keeps its challenge in memory."""

from __future__ import annotations

import json
import secrets

from sqlmodel import Session, col, select
from webauthn import generate_authentication_options, options_to_json, verify_authentication_response
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

from ...audit import Actor, record
from ...config import get_settings
from ...db import session_scope
from ...i18n import _
from ...models import Account, PasskeyCredential, UsedToken
from ...models.types import utcnow
from ..messaging.language import speaking_to
from . import factors, tokens
from .passkeys import Ceremony, PasskeyRefused, decode_id, reason_of


def assertion_options(*, account_id: int | None = None) -> Ceremony:
    """Options to prove a passkey: any of this portal's (usernameless sign-in), or one of the account's."""
    allow = None
    if account_id is not None:
        with session_scope() as session:
            ids = session.exec(
                select(PasskeyCredential.credential_id).where(col(PasskeyCredential.account_id) == account_id)
            ).all()
        allow = [PublicKeyCredentialDescriptor(id=decode_id(c)) for c in ids]
    options = generate_authentication_options(
        rp_id=get_settings().webauthn_rp_id,
        allow_credentials=allow,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return Ceremony(options_to_json(options), options.challenge)


def verify_assertion(
    session: Session, *, challenge: bytes, credential: dict[str, object], account_id: int | None = None
) -> PasskeyCredential:
    """The passkey that signed `challenge` (one of `account_id`'s when given), its counter and last use updated in
    the caller's transaction; raises PasskeyRefused. A counter that went back is refused and reported to the owner."""
    settings = get_settings()
    raw_id = credential.get("id")
    if not isinstance(raw_id, str) or len(raw_id) > 1400:
        raise PasskeyRefused(_("The passkey answer was not readable."))
    row = session.exec(select(PasskeyCredential).where(PasskeyCredential.credential_id == raw_id)).first()
    if row is None or (account_id is not None and row.account_id != account_id):
        raise PasskeyRefused(_("This passkey is not registered for this account."))
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.webauthn_rp_id,
            expected_origin=list(settings.webauthn_origins),
            credential_public_key=row.public_key,
            credential_current_sign_count=0,  # compared below, after the signature is known to be genuine
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as problem:
        raise PasskeyRefused(_("The passkey was not accepted: {reason}").format(reason=reason_of(problem))) from None
    if (verified.new_sign_count > 0 or row.sign_count > 0) and verified.new_sign_count <= row.sign_count:
        _counter_went_back(session, row)
        raise PasskeyRefused(_("This passkey was refused: its use counter went back, so it may have been copied."))
    row.sign_count, row.last_used_at = verified.new_sign_count, utcnow()
    row.backed_up = bool(verified.credential_backed_up)
    session.add(row)
    return row


def _counter_went_back(session: Session, row: PasskeyCredential) -> None:
    account = session.get(Account, row.account_id)
    record(
        session,
        action="auth.passkey_counter_went_back",
        actor=Actor(account_id=row.account_id, role=account.role if account else "unknown", origin="web"),
        subject_id=row.account_id,
        target_type="passkey",
        target_id=row.id,
    )
    if account is not None:
        with speaking_to(account):
            factors.tell_owner(
                session,
                account,
                _("One of your passkeys may have been copied"),
                _(
                    "A sign-in with the passkey “{name}” was refused: its use counter went back, which happens when "
                    "the key was copied to another device. Remove that passkey from your account and add a new one."
                ).format(name=row.name),
            )


def challenge_token(ceremony: Ceremony) -> str:
    """The challenge of a sign-in form, signed (salt per purpose) with a single-use id, for the form to post back."""
    return tokens.sign(
        tokens.Purpose.PASSKEY_SIGN_IN, {"c": bytes_to_base64url(ceremony.challenge), "id": secrets.token_hex(8)}
    )


def spend_challenge(session: Session, token: str) -> bytes:
    """The challenge a sign-in form carried, once: a replayed form finds its id spent (raises PasskeyRefused)."""
    try:
        data = tokens.read(tokens.Purpose.PASSKEY_SIGN_IN, token)
    except tokens.TokenError:
        raise PasskeyRefused(_("The passkey sign-in had expired. Please try again.")) from None
    token_id = f"passkey:{data.get('id', '')}"
    if session.get(UsedToken, token_id) is not None:
        raise PasskeyRefused(_("The passkey sign-in had expired. Please try again."))
    session.add(UsedToken(token_id=token_id, purpose=tokens.Purpose.PASSKEY_SIGN_IN.value, used_at=utcnow()))
    return base64url_to_bytes(str(data.get("c", "")))


def credential_from_json(raw: str) -> dict[str, object]:
    """The browser's answer, parsed; anything but a JSON object under 64 kB is refused."""
    if not raw or len(raw) > 65_536:
        raise PasskeyRefused(_("The passkey answer was missing or too large."))
    try:
        value = json.loads(raw)
    except ValueError:
        raise PasskeyRefused(_("The passkey answer was not readable.")) from None
    if not isinstance(value, dict):
        raise PasskeyRefused(_("The passkey answer was not readable."))
    return value
