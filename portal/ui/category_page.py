"""/data/<category>: the policy's words for a category beside the data we hold in it."""

from __future__ import annotations

from nicegui import ui
from starlette.requests import Request

from ..catalogue import Category, RecordKind, get_catalogue
from ..i18n import _
from ..services.identity.principal import Principal
from ..services.rights import personal_data
from . import theme
from .background import io_bound
from .components import text_block
from .components.disclosures_card import disclosures_card
from .components.identity_section import IdentitySection
from .components.problem_page import problem_page, refused_to_staff
from .components.record_table import RecordTable
from .components.restriction_panel import RestrictionPanel
from .components.testid import data, tid
from .formatting import format_value
from .frame import frame


def create() -> None:
    @ui.page("/data/{key}")
    async def category_page(request: Request, key: str) -> None:
        catalogue = get_catalogue()
        if refused_to_staff(
            request,
            title=_("No personal data here"),
            message=_(
                "Staff accounts have no personal data of their own. To help a customer, act "
                "for them under the access they granted you."
            ),
        ):
            return
        if key not in catalogue.categories:
            problem_page(
                request,
                status=404,
                title=_("No such data category"),
                message=_("There is no such data category. The categories are: {categories}.").format(
                    categories=", ".join(category.title for category in catalogue.categories.values())
                ),
                way_on=(_("Back to your data at a glance"), "/"),
            )
            return
        category = catalogue.categories[key]
        with (
            frame(request, category.title, active=f"nav-data-{key}") as principal,
            # Side by side from 1280 px; below, the policy column goes under the tables, which need the width.
            ui.row().classes("w-full gap-4 items-start flex-nowrap max-xl:flex-wrap"),
        ):
            with ui.column().classes("grow gap-4 min-w-0 max-xl:w-full"):
                for kind in category.kinds:
                    with tid(ui.card(), f"kind-{kind.key}").classes(theme.CARD):
                        if kind.key == "identity_profile":
                            await IdentitySection(principal, kind).render()
                        elif kind.single:
                            await _single(principal, kind)
                        else:
                            table = RecordTable(principal, kind)
                            table.render()
                            await table.load()
            with ui.column().classes("w-96 max-xl:w-full gap-4 shrink-0"):
                restrictions = RestrictionPanel(principal, category)
                _policy_panel(category)
                await disclosures_card(principal, key)
            await restrictions.load()


async def _single(principal: Principal, kind: RecordKind) -> None:
    record = await io_bound(personal_data.single_record, principal, kind)
    ui.label(kind.title).classes(theme.SUBHEADING)
    if record is None:
        tid(ui.label(_("We hold no record of this kind about you.")), f"kind-{kind.key}-empty").classes(theme.MUTED)
        return
    with ui.grid(columns="auto 1fr").classes("gap-x-6 gap-y-1 items-baseline"):
        for field in kind.fields:
            ui.label(field.label).classes(theme.LABEL)
            data(
                tid(ui.label(format_value(field.display, record.get(field.key), record)), f"field-{field.key}")
            ).classes("text-base")


def _policy_panel(category: Category) -> None:
    """The catalogue's words, no handler among them: one element (text_block), not two dozen labels."""
    catalogue = get_catalogue()
    basis = catalogue.legal_bases[category.legal_basis]
    recipients = "; ".join(catalogue.recipients[r].label for r in category.recipients)
    facts = [
        (_("Why we hold it"), "; ".join(catalogue.purposes[p].title for p in category.purposes), "policy-purposes"),
        (_("Legal basis"), f"{basis.title} ({basis.reference})", "policy-legal-basis"),
        (_("How long we keep it"), category.retention.description, "policy-retention"),
        (_("Who receives it"), recipients, "policy-recipients"),
        (_("Where it comes from"), category.source, "policy-source"),
        (_("If you withdraw your consent"), category.on_withdrawal.explanation, "policy-withdrawal"),
    ]
    parts = [
        text_block.label(_("What the privacy policy says"), theme.SUBHEADING),
        text_block.label(_("“{quote}”").format(quote=category.policy_text), "italic text-sm"),
    ]
    markers = [testid for _label, _value, testid in facts]
    if catalogue.translation_notice:  # the company's words: "a translation; the English version prevails"
        notice = "category-translation-notice"
        parts.append(text_block.label(catalogue.translation_notice, theme.MUTED + " text-xs", testid=notice))
        markers.append(notice)
    for label, value, testid in facts:
        parts.append(
            text_block.column(
                [text_block.label(label, theme.LABEL), text_block.label(value, "text-sm", testid=testid)], "gap-0"
            )
        )
    with tid(ui.card(), "category-policy").classes("w-full p-4 gap-3"):
        text_block.block(parts, *markers)
