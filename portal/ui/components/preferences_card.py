"""The account page's "Language and time zone" card: what the portal and its emails speak, and where times are."""

from __future__ import annotations

import json

from nicegui import ui

from ... import i18n
from ...i18n import _
from ...services.identity import preferences
from ...services.identity.preferences import PreferenceError
from ...services.identity.principal import Principal
from ...web.locale import LANG_COOKIE
from .. import theme
from ..background import io_bound
from .testid import tid

_YEAR = 365 * 24 * 3600
_BROWSER = ""  # the option that means "as my browser says" (stored as None)


class PreferencesCard:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    async def render(self) -> None:
        saved = await io_bound(preferences.preferences, self.principal)
        if saved is None:  # the app is stopping
            return
        languages = {_BROWSER: _("As my browser asks")} | {lang.code: lang.name for lang in i18n.languages()}
        browser_zone = i18n.current_time_zone_name() if saved.time_zone is None else None
        zones = {_BROWSER: _("As my browser says") + (f" ({browser_zone})" if browser_zone else "")} | {
            name: name.replace("_", " ") for name in sorted(i18n.context.time_zone_names())
        }
        with tid(ui.card(), "preferences-card").classes(theme.CARD + " max-w-xl"):
            ui.label(_("Language and time zone")).classes(theme.SUBHEADING)
            ui.label(
                _("The portal and the emails we send you use this language; times are shown in this time zone.")
            ).classes(theme.MUTED)
            self.language = (
                tid(ui.select(languages, value=saved.locale or _BROWSER, label=_("Language")), "preferences-language")
                .classes("w-full")
                .props("outlined dense")
            )
            self.zone = (
                tid(
                    ui.select(zones, value=saved.time_zone or _BROWSER, label=_("Time zone"), with_input=True),
                    "preferences-time-zone",
                )
                .classes("w-full")
                .props("outlined dense")
            )
            tid(ui.button(_("Save"), icon="save", on_click=self.save), "preferences-save").props("no-caps unelevated")
            self.result = tid(ui.label(""), "preferences-result").props('role="status"').classes("text-sm")

    async def save(self) -> None:
        locale = self.language.value or None
        zone = self.zone.value or None
        try:
            await io_bound(preferences.save_preferences, self.principal, locale=locale, time_zone=zone)
        except PreferenceError as problem:
            self.result.text = str(problem)
            self.result.classes(replace="text-sm text-negative")
            return
        # This browser's language cookie would otherwise win over the saved choice: set it (or clear it) to match.
        cookie = (
            f"{LANG_COOKIE}={locale};path=/;max-age={_YEAR};samesite=lax"
            if locale
            else (f"{LANG_COOKIE}=;path=/;max-age=0;samesite=lax")
        )
        ui.run_javascript(f"document.cookie={json.dumps(cookie)};location.reload()")
