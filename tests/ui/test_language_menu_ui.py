"""Simulated-user tests of the language menu: one element the browser renders from the languages it is sent, whose
"choose" event (a language's code) saves the choice on the account, sets the cookie and reloads, and whose forged
codes change nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui.testing import User

from portal.db import session_scope
from portal.i18n import PSEUDO_LOCALE, languages
from portal.models import Account
from portal.ui.components.language_menu import LanguageMenu
from tests.utils.principals import ADA
from tests.utils.signin import sign_in


def _scripts(user: User) -> list[str]:
    """Records every script the page is sent that sets the language cookie (the outbox's messages to the browser)."""
    sent: list[str] = []
    outbox = user.client.outbox if user.client else None
    assert outbox is not None
    emit = outbox._emit

    async def recording(message: Any) -> None:
        _, kind, data = message
        if kind == "run_javascript" and "portal_lang=" in data["code"]:
            sent.append(data["code"])
        await emit(message)

    outbox._emit = recording  # type: ignore[method-assign]
    return sent


def _choose(menu: LanguageMenu, code: object) -> None:
    """What a click on a language does: the element's "choose" event, as NiceGUI hands a socket message to it."""
    (listener_id,) = [key for key, listener in menu._event_listeners.items() if listener.type == "choose"]
    menu._handle_event({"listener_id": listener_id, "args": code})


async def _settle(sent: list[str]) -> None:
    for _ in range(50):
        if sent:
            return
        await asyncio.sleep(0.05)


def _saved_locale() -> str | None:
    with session_scope() as session:
        account = session.get(Account, ADA)
        assert account is not None
        return account.locale


async def test_the_menu_offers_every_language_in_its_own_name(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/")
    (menu,) = user.find(kind=LanguageMenu).elements
    shipped = languages()
    assert menu.props["languages"] == [{"code": x.code, "tag": x.tag, "name": x.name} for x in shipped]
    assert menu.props["current"] == "en" and menu.props["label"] == "English"
    assert menu.props["aria-label"] == "Language: English"
    assert menu.props["data-testid"] == "language-menu" and menu.props["data-i18n"] == "data"
    assert menu.props["color"] == "white"  # on the header's dark blue
    await user.should_see(marker="language-menu")
    for language in shipped:
        await user.should_see(marker=f"language-{language.code}")


async def test_choosing_a_language_saves_it_sets_the_cookie_and_reloads(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/")
    sent = _scripts(user)
    _choose(next(iter(user.find(kind=LanguageMenu).elements)), "de")
    await _settle(sent)
    assert len(sent) == 1 and "portal_lang=de;" in sent[0] and "location.reload()" in sent[0]
    assert _saved_locale() == "de"


async def test_a_forged_code_changes_nothing(user: User) -> None:
    await sign_in(user, "ada@example.com")
    await user.open("/")
    before = _saved_locale()
    sent = _scripts(user)
    menu = next(iter(user.find(kind=LanguageMenu).elements))
    for forged in ("xx", PSEUDO_LOCALE, "de;path=/evil", ["de"], None, 7):
        _choose(menu, forged)
    await asyncio.sleep(0.5)
    assert sent == []
    assert _saved_locale() == before


async def test_on_a_public_page_the_choice_goes_only_into_the_cookie(user: User) -> None:
    await user.open("/login")
    (menu,) = user.find(kind=LanguageMenu).elements
    assert "color" not in menu.props  # on a light page, Quasar's own colour
    before = _saved_locale()
    sent = _scripts(user)
    _choose(menu, "xx;path=/")  # forged: no account to refuse it here, the menu's own check does
    await asyncio.sleep(0.3)
    assert sent == []
    _choose(menu, "fr")
    await _settle(sent)
    assert len(sent) == 1 and "portal_lang=fr;" in sent[0]
    assert _saved_locale() == before
