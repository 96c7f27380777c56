"""The language menu of the header and of the public pages, and what every page tells the browser about language.

Choosing a language writes the `portal_lang` cookie (from the page's script: the page is already open) and, for
someone signed in as themselves, saves it on the account, so emails go out in it too; then the page reloads in it.
An agent acting for a customer changes only their own browser's language: the customer's account is not theirs."""

from __future__ import annotations

import json

from nicegui import ui
from nicegui.events import GenericEventArguments

from ...i18n import PSEUDO_LOCALE, _, current_locale, languages
from ...services.identity import preferences
from ...services.identity.principal import Principal
from ...web.locale import LANG_COOKIE, TZ_COOKIE
from ..background import io_bound

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


class LanguageMenu(ui.element, component="language_menu.js"):
    """A button naming the current language; its menu lists every shipped language in its own name, rendered by
    language_menu.js in the browser from the languages as data: one element where a button, a menu and two per
    language cost about a quarter of the shell's server time on every page view. The element carries the markers
    `language-menu` and `language-<code>` for each language."""

    def __init__(self, principal: Principal | None = None, *, on_dark: bool = True) -> None:
        super().__init__()
        self.principal = principal
        current = current_locale()
        shipped = languages()
        self.codes = frozenset(language.code for language in shipped)
        names = {language.code: language.name for language in shipped}
        shown = names.get(current, "English" if current != PSEUDO_LOCALE else current)
        self._props["label"] = shown  # names in their own language
        self._props["current"] = current
        self._props["languages"] = [{"code": x.code, "tag": x.tag, "name": x.name} for x in shipped]
        if on_dark:
            self._props["color"] = "white"
        self._props["aria-label"] = f"{_('Language')}: {shown}"
        self._props["data-testid"] = "language-menu"
        self._props["data-i18n"] = "data"  # as `data()` does: language names are not the portal's words
        self.mark("language-menu", *(f"language-{code}" for code in self.codes))
        self.on("choose", self._on_choose)

    async def _on_choose(self, event: GenericEventArguments) -> None:
        code = event.args
        if isinstance(code, str) and code in self.codes:  # a forged message with any other code changes nothing
            await self.choose(code)

    async def choose(self, code: str) -> None:
        if self.principal is not None and self.principal.acting is None:
            await io_bound(preferences.save_language, self.principal, code)
        cookie = f"{LANG_COOKIE}={code};path=/;max-age={_YEAR};samesite=lax"
        ui.run_javascript(f"document.cookie={json.dumps(cookie)};location.reload()")


def language_menu(principal: Principal | None = None, *, on_dark: bool = True) -> LanguageMenu:
    """The header's (and the public pages') language menu."""
    return LanguageMenu(principal, on_dark=on_dark)
