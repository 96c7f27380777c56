"""The desktop shell shared by every signed-in page: header, side navigation, dark mode, sign-out."""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import Client, app, ui
from starlette.requests import Request

from ..catalogue import get_catalogue
from ..config import get_settings
from ..i18n import _
from ..models import Role
from ..services.identity.principal import Principal
from . import theme
from .components import text_block
from .components.impersonation_banner import impersonation_banner
from .components.language_menu import language_menu, page_language
from .components.notification_bell import NotificationBell
from .components.own_navigation import own_navigation_first
from .components.passkey_ceremony import load_script
from .components.side_nav import NavItem, side_nav
from .components.testid import tid
from .components.user_menu import UserMenu
from .context import principal_of

# The page you are on: light blue in light mode; dark mode needs its own pair, or light text sits on light blue.
_ACTIVE_CLASSES = "bg-blue-100 text-primary dark:bg-slate-700 dark:text-white"


def _customer_nav(*, acting: bool = False) -> list[NavItem]:
    items = [NavItem("nav-overview", _("Overview"), "dashboard", "/")]
    items += [
        NavItem(f"nav-data-{c.key}", c.title, _CATEGORY_ICONS.get(c.key, "folder"), f"/data/{c.key}")
        for c in get_catalogue().categories.values()
    ]
    items += [
        NavItem("nav-consents", _("Consents"), "fact_check", "/consents"),
        NavItem("nav-exports", _("Exports"), "archive", "/exports"),
        NavItem("nav-requests", _("Requests"), "assignment", "/requests"),
        NavItem("nav-activity", _("Account activity"), "history", "/activity"),
    ]
    if not acting:  # an agent acting as the customer can neither withdraw nor manage grants
        items += [
            NavItem("nav-support-access", _("Support access"), "support_agent", "/support-access"),
            NavItem("nav-withdraw", _("Withdraw"), "delete_forever", "/withdraw"),
        ]
    return items


_CATEGORY_ICONS = {
    "registration": "badge",
    "identity": "person",
    "financial": "credit_card",
    "transaction": "receipt_long",
    "usage": "insights",
    "technical": "devices",
}


def _staff_nav(*, officer: bool) -> list[NavItem]:
    items = [NavItem("nav-staff", _("Request queue"), "inbox", "/staff")]
    if officer:  # the audit trail is for privacy officers; agents are not shown a door they cannot open
        items.append(NavItem("nav-staff-audit", _("Audit trail"), "fact_check", "/staff/audit"))
    return [
        *items,
        NavItem("nav-staff-notices", _("Recipient notices"), "campaign", "/staff/notices"),
        NavItem("nav-staff-outbox", _("Outbox"), "outgoing_mail", "/staff/outbox"),
        NavItem("nav-staff-customers", _("Customers"), "support_agent", "/staff/customers"),
    ]


def _brand(demo: bool) -> None:
    """The portal's name, the policy version and the demo badge: one static block (text_block), four elements once."""
    parts = [
        # Quasar's markup of ui.icon("shield", size="sm") and ui.badge(color="orange"): they look as they did.
        '<i class="q-icon notranslate material-icons" aria-hidden="true" role="presentation" style="font-size:24px">'
        "shield</i>",
        text_block.label(_("Privacy Portal"), "text-lg font-semibold"),
        text_block.label(
            _("Policy v{version}").format(version=get_catalogue().policy_version),
            "text-xs opacity-80",
            testid="header-policy-version",
        ),
    ]
    if demo:
        demo_label, demo_word = html.escape(_("Demo mode")), html.escape(_("DEMO"))
        parts.append(
            '<div class="q-badge flex inline items-center no-wrap q-badge--single-line bg-orange" role="status" '
            f'data-testid="header-demo-badge" aria-label="{demo_label}">{demo_word}</div>'
        )
    text_block.block(parts, "header-policy-version", *(("header-demo-badge",) if demo else ()))


@contextmanager
def frame(request: Request, title: str, *, active: str) -> Iterator[Principal]:
    """Yields the signed-in principal with the page's content column entered."""
    principal = principal_of(request)
    settings = get_settings()
    theme.apply_colors()
    page_language()
    own_navigation_first()  # a page leaving on its own (sign-out, acting, a link) goes where it chose
    load_script()  # any page may ask for a fresh check (the step-up dialog), with a passkey among the ways
    ui.page_title(_("{title} · Privacy Portal").format(title=title))
    dark = ui.dark_mode(value=app.storage.user.get("dark", False))

    # flex-wrap: while acting, the impersonation banner is the header's second line, so it never scrolls away.
    with ui.header(elevated=True).classes("items-center gap-3 px-4 py-2 bg-primary flex-wrap"):
        # First on the page: a keyboard user would otherwise pass 14 stops of header and navigation on every page.
        skip = tid(ui.link(_("Skip to content"), "#"), "skip-to-content").classes("skip-link")
        _brand(settings.demo)
        ui.space()

        def _toggle_dark() -> None:
            dark.value = not dark.value
            app.storage.user["dark"] = dark.value

        if principal.is_customer:
            NotificationBell(principal)
        language_menu(principal)
        dark_label = _("Toggle dark mode")
        tid(ui.button(icon="dark_mode", on_click=_toggle_dark), "header-dark-toggle").props(
            f'flat round color=white aria-label="{dark_label}"'
        )
        UserMenu(request, principal)
        if principal.acting is not None:
            impersonation_banner(request, principal)

    navigation = (
        _staff_nav(officer=principal.role == Role.DPO.value)
        if principal.is_staff
        else _customer_nav(acting=principal.acting is not None)
    )
    side_nav(navigation, active=active, active_classes=_ACTIVE_CLASSES)

    # No heartbeat of its own: the process's page watcher (page_watch.py) checks every open page's session and
    # grant in one query when the database announces a change or a deadline passes, and sends the page away once it
    # has ended.
    # tabindex -1: the skip link (and a dialog whose opener is gone) can put the focus here, Tab cannot.
    with ui.column().classes(theme.PAGE + " outline-none").props('role="main" tabindex="-1"') as main:
        skip.props(f'href="#c{main.id}"')
        ui.label(title).classes("text-2xl font-semibold").props('role="heading" aria-level="1"')
        yield principal


def leave_frame(client: Client) -> ui.element:
    """Take the shell down around a page whose session has just ended on purpose (the withdrawal): the header with
    the name and the menu, the navigation and the page's content go, and the emptied content area is returned for
    what is left to say. Its timers go with it; the socket guard already refuses the page's events. `client` is
    the page's, taken before the call: the element whose handler calls this is deleted by it, and with it the
    context `ui.context.client` would be read from."""
    for element in list(client.layout.default_slot.children):
        if isinstance(element, (ui.header, ui.left_drawer)):
            element.delete()
    client.content.clear()
    return client.content
