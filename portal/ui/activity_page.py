"""/activity: everything the audit trail records about the customer's own account, newest first, in words,
a page at a time. The overview shows the latest ten; this is the whole history."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..i18n import N_, _
from ..i18n.formats import format_count
from ..services.identity.principal import Principal
from ..services.views import audit_view
from ..services.views.activity_words import who_in_words
from ..services.views.audit_view import ActivityItem
from . import theme
from .background import io_bound
from .components.dense_table import WRAP, DenseTable
from .components.paged_table import paged_table
from .components.problem_page import refused_to_staff
from .components.testid import tid
from .formatting import format_datetime
from .frame import frame
from .socket_guard import live_timer

STAFF_REFUSAL = N_("Staff accounts have no account activity of their own here; the audit trail is in the console.")


def create() -> None:
    @ui.page("/activity")
    async def activity_page(request: Request) -> None:
        if refused_to_staff(request, title=_("No account activity here"), message=_(STAFF_REFUSAL)):
            return
        with frame(request, _("Account activity"), active="nav-activity") as principal:
            ui.label(
                _(
                    "Everything our audit trail records about your account: sign-ins, your requests and what "
                    "happened to them, consents, and every page and action of a support agent you let in. It "
                    "holds what happened and who did it, never your personal details."
                )
            ).classes(theme.MUTED)
            _ActivityList(principal)


class _ActivityList:
    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.table = paged_table(
            [_("When"), _("What happened"), _("By")],
            testid="activity-card",
            prefix="activity",
            caption=_("Your account's activity, newest first"),
            empty=_("Nothing recorded yet."),
            count_words=lambda n: format_count(n, "{count} event", "{count} events"),
            row=_row,
            on_page=self.load,
        )
        live_timer(0, self.load, once=True)

    async def load(self, page: int = 1) -> None:
        self.table.show(await io_bound(audit_view.customer_activity_page, self.principal, page=page))


def _row(table: DenseTable, item: ActivityItem) -> None:
    with table.row(f"activity-row-{item.id}"):
        with table.cell():
            tid(ui.label(format_datetime(item.at)), "activity-at")
        with table.cell(classes=WRAP):
            tid(ui.label(item.words), "activity-words")
            # The action's name as the audit trail holds it ("auth.signed_in") is the portal's word, not the
            # customer's: never shown, kept in the page only for scripts that compare it with the trail.
            tid(ui.label(item.action), "activity-action").set_visibility(False)
        with table.cell():
            tid(ui.label(who_in_words(item.by)), "activity-by")
