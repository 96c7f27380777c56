"""The language menu of the header and of the public pages, and what every page tells the browser about language.

Choosing a language writes the `portal_lang` cookie (from the page's script: the page is already open) and, for
someone signed in as themselves, saves it on the account, so emails go out in it too; then the page reloads in it.
An agent acting for a customer changes only their own browser's language: the customer's account is not theirs."""

from __future__ import annotations

import json

from nicegui import ui

from ...i18n import PSEUDO_LOCALE, _, current_locale, languages
from ...services.identity import preferences
from ...services.identity.principal import Principal
from ...web.locale import LANG_COOKIE, TZ_COOKIE
from ..background import io_bound
from .testid import data, tid

_YEAR = 365 * 24 * 3600


def page_language() -> None:
    """The page's `lang` (screen readers pronounce by it, browsers hyphenate by it) and the browser's time zone into
    a cookie, so times can be shown in it before the person has chosen one."""
    tag = current_locale().replace("_", "-")
    # Quasar writes its own language pack's tag ("en-US") on <html> as it mounts: put the page's back whenever it does.
    script = (
        f"(function(){{var h=document.documentElement,t={json.dumps(tag)};h.lang=t;"
        "new MutationObserver(function(){if(h.lang!==t)h.lang=t}).observe(h,{attributes:true,attributeFilter:['lang']})"
        "})();"
        "try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;"
        f"if(z&&document.cookie.indexOf({json.dumps(TZ_COOKIE + '=')}+z)<0)"
        f"document.cookie={json.dumps(TZ_COOKIE + '=')}+z+';path=/;max-age={_YEAR};samesite=lax'}}catch(e){{}}"
    )
    ui.add_head_html(f"<script>{script}</script>")


def language_menu(principal: Principal | None = None, *, on_dark: bool = True) -> None:
    """A button naming the current language; its menu lists every shipped language in its own name."""
    current = current_locale()
    names = {language.code: language.name for language in languages()}
    shown = names.get(current, "English" if current != PSEUDO_LOCALE else current)

    async def _choose(code: str) -> None:
        if principal is not None and principal.acting is None:
            await io_bound(preferences.save_language, principal, code)
        cookie = f"{LANG_COOKIE}={code};path=/;max-age={_YEAR};samesite=lax"
        ui.run_javascript(f"document.cookie={json.dumps(cookie)};location.reload()")

    button = data(tid(ui.button(shown, icon="translate"), "language-menu")).props(  # names in their own language
        f'flat no-caps {"color=white" if on_dark else ""} aria-label="{_("Language")}: {shown}"'
    )
    with button, ui.menu():
        for language in languages():
            item = tid(ui.item(on_click=lambda code=language.code: _choose(code)), f"language-{language.code}")
            with item.props(f'lang="{language.tag}"' + (" active" if language.code == current else "")):
                ui.item_section(language.name)
