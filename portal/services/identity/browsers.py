"""Which browser a session is, in words a person recognises ("Chrome 131 on Windows"), and whether an account has
signed in from it before.

The user agent is parsed with ua-parser (its maintained regexes, `ua-parser-builtins`) at sign-in and only the short
summary is kept: enough to tell one's sessions apart and spot a stranger's, no more. A browser is recognised by a
random long-lived cookie (`portal_browser`), stored per account as a SHA-256: a sign-in from a browser the account
has not used before tells the owner at once (ASVS 5.0 V6.3: notify of sign-ins from new devices)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import Session

from ...catalogue.display import browser_name
from ...i18n import _
from ...models import Account, KnownBrowser
from ...models.types import utcnow
from ..messaging.language import clock, day, speaking_to
from . import factors


def describe(user_agent: str) -> str | None:
    """ "Chrome 131 on Windows"; None when the header names no browser (the parsing: catalogue.display)."""
    return browser_name(user_agent)


def browser_hash(browser_id: str) -> str:
    return hashlib.sha256(f"browser:{browser_id}".encode()).hexdigest()


def remember(
    session: Session, account: Account, *, browser_id: str | None, browser: str | None, now: datetime | None = None
) -> bool:
    """Note that the account signed in from this browser; the first time, tell the owner. Returns whether it was
    new. Without a browser id (a client that keeps no cookies) nothing is remembered and nobody is told."""
    if not browser_id or account.id is None:
        return False
    now = now or utcnow()
    key = (account.id, browser_hash(browser_id))
    known = session.get(KnownBrowser, key)
    if known is not None:
        known.last_seen_at, known.browser = now, browser or known.browser
        session.add(known)
        return False
    session.add(
        KnownBrowser(account_id=account.id, browser_hash=key[1], browser=browser, first_seen_at=now, last_seen_at=now)
    )
    with speaking_to(account):  # whoever signed in, the owner reads it
        factors.tell_owner(
            session,
            account,
            _("New sign-in to your privacy portal account"),
            _(
                "Your account was signed in from a browser it had not used before: {browser}, on {date} at {time}. "
                "The place is unknown: the portal does not look addresses up. If this was you, there is nothing to do."
            ).format(browser=browser or _("an unknown browser"), date=day(now), time=clock(now)),
        )
    return True
