"""/ : the customer's overview — one card per policy category, open requests, recent account activity, and what
is never collected."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..catalogue import get_catalogue
from ..i18n import _
from ..services.identity.principal import Principal
from ..services.rights import personal_data
from ..services.views import audit_view, requests_view
from ..services.views.activity_words import who_in_words
from . import theme
from .background import io_bound
from .components import text_block
from .components.status_badges import due_badge, status_chip
from .components.testid import tid
from .context import principal_of
from .formatting import format_count, format_date, format_datetime, format_number
from .frame import frame


def create() -> None:
    @ui.page("/")
    async def overview_page(request: Request) -> Response | None:
        if principal_of(request).is_staff:
            return RedirectResponse("/staff", status_code=303)
        with frame(request, _("Your data at a glance"), active="nav-overview") as principal:
            await _category_cards(principal)
            # Three side by side from 1280 px; two from 1024 px (three squeezed the activity into a narrow column).
            with ui.element("div").classes("w-full grid gap-4 grid-cols-1 lg:grid-cols-2 xl:grid-cols-3"):
                await _open_requests(principal)
                await _activity(principal)
                _not_collected()
        return None


async def _category_cards(principal: Principal) -> None:
    summaries = await io_bound(personal_data.overview, principal)
    if summaries is None:  # None: the app is shutting down and the call did not run
        return
    catalogue = get_catalogue()
    ui.label(catalogue.summary).classes(theme.MUTED)
    if catalogue.translation_notice:  # the policy's words below are a translation; the English version prevails
        tid(ui.label(catalogue.translation_notice), "overview-translation-notice").classes(theme.MUTED + " text-xs")
    with ui.grid(columns=3).classes("w-full gap-4 max-md:grid-cols-1"):
        for summary in summaries:
            category = summary.category
            key = category.key
            with tid(ui.card(), f"category-card-{key}").classes(theme.CARD):
                # The card's text as one static block (text_block): five elements per card, six cards, every view.
                count = text_block.label(
                    format_number(summary.count),
                    "text-2xl font-bold text-primary",
                    testid=f"category-count-{key}",
                    aria_label=format_count(summary.count),
                )
                heading = text_block.link(category.title, f"/data/{key}", theme.SUBHEADING)
                updated = _("Last updated {when}").format(when=format_datetime(summary.last_changed_at))
                text_block.block(
                    [
                        text_block.row([heading, text_block.SPACE, count], "w-full items-center"),
                        text_block.label(category.policy_text, theme.MUTED + " line-clamp-2"),
                        text_block.label(
                            updated, "text-xs text-gray-600 dark:text-gray-300", testid=f"category-updated-{key}"
                        ),
                    ],
                    f"category-count-{key}",
                    f"category-updated-{key}",
                )


async def _open_requests(principal: Principal) -> None:
    rows = await io_bound(requests_view.open_requests, principal) or []
    with tid(ui.card(), "overview-open-requests").classes(theme.CARD):
        with ui.row().classes("w-full items-center"):
            ui.label(_("Open requests")).classes(theme.SUBHEADING)
            ui.space()
            tid(ui.link(_("All requests"), "/requests"), "overview-all-requests").classes("text-sm")
        if not rows:
            ui.label(_("You have no open requests.")).classes(theme.MUTED)
        for row in rows:
            with tid(ui.row(), f"overview-request-{row.id}").classes("w-full items-center gap-2 no-wrap text-sm"):
                tid(
                    ui.link(f"#{row.id} {row.type_title}", f"/requests/{row.id}"), f"overview-request-link-{row.id}"
                ).classes("grow min-w-0 truncate")
                status_chip(row.status)
                ui.label(_("due {date}").format(date=format_date(row.due_at))).classes("whitespace-nowrap")
                due_badge(row.urgency, f"overview-request-{row.id}-due")


async def _activity(principal: Principal) -> None:
    items = await io_bound(audit_view.customer_activity, principal) or []
    with tid(ui.card(), "overview-activity").classes(theme.CARD):
        with ui.row().classes("w-full items-center"):
            ui.label(_("Recent activity on your account")).classes(theme.SUBHEADING)
            ui.space()
            tid(ui.link(_("All activity"), "/activity"), "overview-activity-all").classes("text-sm")
        if not items:
            ui.label(_("Nothing yet.")).classes(theme.MUTED)
        # When and by whom; not the action's name in the audit trail ("auth.signed_in"): the portal's word, not the
        # customer's. Static text: one block for the list.
        entries = [
            '<li class="flex flex-col" data-testid="overview-activity-item">'
            + text_block.label(item.words, "text-sm", testid="overview-activity-words")
            + text_block.label(
                _("{when} · by {who}").format(when=format_datetime(item.at), who=who_in_words(item.by)),
                "text-xs text-gray-600 dark:text-gray-300",
            )
            + "</li>"
            for item in items
        ]
        text_block.block(['<ul class="w-full flex flex-col gap-2">', *entries, "</ul>"], "overview-activity-item")


def _not_collected() -> None:
    with tid(ui.card(), "overview-not-collected").classes(theme.CARD):
        ui.label(_("What we don't collect")).classes(theme.SUBHEADING)
        # Quasar's markup of ui.icon("block", color="positive"): the rows as one static block.
        icon = (
            '<i class="q-icon notranslate material-icons text-positive" aria-hidden="true" role="presentation">'
            "block</i>"
        )
        text_block.block(
            text_block.row(
                [
                    icon,
                    text_block.column(
                        [
                            text_block.label(item.title, "font-medium"),
                            text_block.label(_("“{quote}”").format(quote=item.policy_text), theme.MUTED + " italic"),
                        ],
                        "gap-0",
                    ),
                ],
                "items-start gap-2 no-wrap",
            )
            for item in get_catalogue().not_collected
        )
