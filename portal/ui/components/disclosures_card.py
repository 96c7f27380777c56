"""A category page's "Who received it" card: every recipient that ever received the category's records, by name,
and the most recent sendings — when, to whom, what and why (GDPR Art. 15(1)(c))."""

from __future__ import annotations

from nicegui import ui

from ...i18n import _, ngettext
from ...services.identity.principal import Principal
from ...services.recipients import views
from ...services.recipients.views import DisclosureView
from .. import theme
from ..background import io_bound
from ..formatting import format_datetime, format_number
from . import text_block
from .expansion import expansion
from .testid import tid

SHOWN_OPEN = 5  # the most recent sendings shown at once; the rest of the recent ones fold away


async def disclosures_card(principal: Principal, category_key: str) -> None:
    data = await io_bound(views.category_disclosures, principal, category_key)
    with tid(ui.card(), "category-disclosures").classes("w-full p-4 gap-2"):
        ui.label(_("Who received it")).classes(theme.SUBHEADING)
        if data is None or not data.total:
            tid(ui.label(_("We have not sent this data to anyone.")), "category-disclosures-none").classes(theme.MUTED)
            return
        # Who and what, no handler among them: one element each (text_block), not three per sending.
        recipients = [text_block.label("• " + name, "text-sm") for name in data.recipients]
        shown = len(data.recent)
        heading = (
            ngettext(
                "The {shown} most recent of {count} sending:",
                "The {shown} most recent of {count} sendings:",
                data.total,
            ).format(shown=format_number(shown), count=format_number(data.total))
            if data.total > shown
            else _("Every sending:")
        )
        first, rest = data.recent[:SHOWN_OPEN], data.recent[SHOWN_OPEN:]
        text_block.block(
            [
                text_block.column(recipients, "gap-0", testid="category-disclosures-recipients"),
                text_block.label(heading, theme.LABEL + " mt-2"),
                *map(_sending, first),
            ],
            "category-disclosures-recipients",
            *(["category-disclosure"] if first else []),
        )
        if rest:  # a long history stays one click away instead of stretching the page
            with tid(
                expansion(ngettext("{count} more", "{count} more", len(rest)).format(count=format_number(len(rest)))),
                "category-disclosures-more",
            ).classes("w-full text-sm"):
                text_block.block(map(_sending, rest), "category-disclosure")


def _sending(item: DisclosureView) -> str:
    what = f"{format_number(item.records)} × {item.kind}" if item.records != 1 else item.kind
    refs = f" ({', '.join(item.refs[:3])})" if item.refs and len(item.refs[0]) < 20 else ""
    sent = _("{what} sent on {when}").format(what=what + refs, when=format_datetime(item.at))
    to = _("to {recipient}, for {purpose}").format(recipient=item.recipient, purpose=item.purpose)
    return text_block.column(
        [text_block.label(sent, "text-sm"), text_block.label(to, theme.MUTED)],
        "gap-0 py-1 border-b border-gray-200",
        testid="category-disclosure",
    )
