"""A person's language and time zone: kept on the account, so pages and emails speak to them the same way."""

from __future__ import annotations

from dataclasses import dataclass

from ...db import session_scope
from ...errors import PortalError
from ...i18n import N_, _, known, valid_time_zone
from ...models import Account
from ..access import Audience, use_case
from .principal import Principal


class PreferenceError(PortalError):
    """A language or time zone this portal does not know; nothing was saved."""


@dataclass(frozen=True)
class Preferences:
    locale: str | None  # None: the browser's
    time_zone: str | None  # None: the browser's, else UTC


@use_case(Audience.ACCOUNT_HOLDER, what=N_("change the language"))
def preferences(principal: Principal) -> Preferences:
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        if account is None:
            raise PreferenceError(_("Your account no longer exists."))
        return Preferences(account.locale, account.time_zone)


@use_case(Audience.ACCOUNT_HOLDER, what=N_("change the language"))
def save_preferences(principal: Principal, *, locale: str | None, time_zone: str | None) -> Preferences:
    """Both at once, as the account page's form sends them; None means "as my browser says"."""
    chosen_locale = known(locale, allow_pseudo=False) if locale else None
    if locale and chosen_locale is None:
        raise PreferenceError(_("This language is not available."))
    chosen_zone = valid_time_zone(time_zone) if time_zone else None
    if time_zone and chosen_zone is None:
        raise PreferenceError(_("Choose a time zone from the list, for example Europe/Berlin."))
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        if account is None:
            raise PreferenceError(_("Your account no longer exists."))
        account.locale, account.time_zone = chosen_locale, chosen_zone
        session.add(account)
    return Preferences(chosen_locale, chosen_zone)


@use_case(Audience.ACCOUNT_HOLDER, what=N_("change the language"))
def save_language(principal: Principal, locale: str) -> None:
    """The header's language menu: only the language changes."""
    chosen = known(locale, allow_pseudo=False)
    if chosen is None:
        raise PreferenceError(_("This language is not available."))
    with session_scope() as session:
        account = session.get(Account, principal.account_id)
        if account is None:
            raise PreferenceError(_("Your account no longer exists."))
        account.locale = chosen
        session.add(account)
