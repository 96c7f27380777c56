"""Build the Principal a signed-in demo account would have, without going through a browser sign-in."""

from __future__ import annotations

from datetime import timedelta

from portal.db import session_scope
from portal.models import Account, types
from portal.services.identity.principal import Principal
from portal.services.identity.sessions import hash_token

ADA, GRACE, LINUS, MARGARET, AGENT, DPO = 1, 2, 3, 4, 5, 6


def principal_for(account_id: int, *, checked: bool = True, session_row: bool = True) -> Principal:
    """The principal of a demo account as the session layer resolves it (role, name and email from the row), in a
    session of its own that just signed in (`checked`: its strong check is now, so sensitive acts pass); with
    `checked=False` the session's last strong check lies beyond the step-up window, as for a stolen cookie. With
    `session_row=False` no session is written (a test comparing whole exports): sensitive acts then refuse."""
    token = session_token_for(account_id, checked=checked) if session_row else "no session row"
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None, f"no account {account_id}"
        return Principal(
            account_id=account_id,
            role=account.role,
            display_name=account.display_name,
            email=account.email,
            session_hash=hash_token(token),
            session_expires_at=types.utcnow() + timedelta(hours=12),
        )


def session_token_for(account_id: int, *, checked: bool = True) -> str:
    """A fresh plain session of the account, as a sign-in would create it (its strong check now, unless `checked` is
    False: then an hour ago); the cookie value."""
    from portal.config import get_settings
    from portal.services.identity.auth import session_policy
    from portal.services.identity.sessions import create_session

    now = types.utcnow()  # the portal's clock, frozen or shifted when a test moves it
    with session_scope() as session:
        account = session.get(Account, account_id)
        assert account is not None, f"no account {account_id}"
        return create_session(
            session=session,
            account=account,
            policy=session_policy(get_settings()),
            checked_at=now if checked else now - timedelta(hours=1),
        )
