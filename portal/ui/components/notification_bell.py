"""The header's notification bell (customers only): an unread badge the page watcher keeps current, and a menu of
the latest notifications that marks them read when opened."""

from __future__ import annotations

from nicegui import ui

from ...i18n import _, ngettext
from ...services.identity.principal import Principal
from ...services.views import notifications_view
from ...services.views.notifications_view import NotificationView
from ..background import io_bound
from ..formatting import format_datetime, format_number
from ..page_watch import watch_bell
from . import text_block
from .testid import tid


class NotificationBell:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.notifications: list[NotificationView] | None = None
        title = _("Notifications")
        with tid(ui.button(icon="notifications", on_click=self._open), "header-notifications").props(
            f'flat round color=white aria-label="{title}"'
        ):
            self.badge = tid(ui.badge("", color="red"), "header-notifications-count").props(
                'floating rounded aria-live="polite"'
            )
            self.badge.set_visibility(False)
            with ui.menu().props(f'aria-label="{title}"').classes("w-96 max-w-full"):
                self.items()
        # The page watcher counts every open bell's unread notifications in one query when the page connects and
        # whenever the database announces a change, and calls show_count when a count changed: no timer, no query
        # per page.
        watch_bell(self.badge.client, self.show_count)

    def show_count(self, count: int) -> None:
        self.badge.set_text(str(count) if count < 100 else "99+")
        self.badge.set_visibility(count > 0)
        # One English form for every count (as the portal always said it); other languages get their plural forms.
        label = ngettext("{count} unread notifications", "{count} unread notifications", count).format(
            count=format_number(count)
        )
        self.badge.props(f'aria-label="{label}"')

    async def _open(self) -> None:
        self.notifications = await io_bound(notifications_view.read_notifications, self.principal) or []
        self.badge.set_visibility(False)
        self.items.refresh()

    @ui.refreshable_method
    def items(self) -> None:
        if self.notifications is None:  # every page until the bell is opened: Quasar's markup, as one static block
            header = text_block.label(_("Notifications"), "q-item__label q-item__label--header font-semibold")
            loading = text_block.label(_("Loading…"), "q-item__label px-4 py-2 text-sm")
            text_block.block(['<div class="q-list q-list--dense q-list--separator w-full">', header, loading, "</div>"])
            return
        with ui.list().props("dense separator").classes("w-full"):
            ui.item_label(_("Notifications")).props("header").classes("font-semibold")
            if not self.notifications:
                tid(ui.item_label(_("You have no notifications yet.")), "notifications-empty").classes("px-4 py-2")
            for note in self.notifications:
                item = tid(ui.item(), "notification-item").classes("py-2")
                if note.link:
                    item.props(f'clickable tag=a href="{note.link}"')
                with item, ui.item_section():
                    ui.item_label(note.title).classes("font-semibold" if note.unread else "")
                    ui.item_label(format_datetime(note.created_at)).props("caption")
