"""The dialogs a consent switch opens when withdrawing it deletes data.

The main processing consent leads into /withdraw (withdrawing it is the withdrawal); any other consent whose
withdrawal erases shows what is deleted and what is kept and why, asks for an explicit yes, erases at once and shows
the signed receipt. Closing a dialog without confirming changes nothing (the switch goes back)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from nicegui import ui

from ...catalogue import Purpose
from ...errors import PortalError
from ...i18n import N_, _
from ...jobs import inline
from ...services.identity.principal import Principal
from ...services.rights import consent_withdrawal
from .. import theme
from ..background import io_bound
from ..formatting import format_number
from .receipt_box import receipt_box
from .step_up_dialog import with_step_up
from .testid import tid

Done = Callable[[], Awaitable[None]]
_ACTION_WORDS = {
    "erase": N_("Deleted"),
    "pseudonymise": N_("Pseudonymised"),
    "stop": N_("Stopped"),
    "keep": N_("Kept"),
}


def effect_lines(purpose: Purpose) -> list[str]:
    """What withdrawing does, one line per effect, as the card says it before any click."""
    withdrawal = purpose.on_withdrawal
    if withdrawal is None:
        return []
    return [
        _("{action}: {explanation}").format(action=_(_ACTION_WORDS[e.action]), explanation=e.explanation)
        for e in withdrawal.effects
    ]


def account_withdrawal_dialog(purpose: Purpose, *, on_keep: Done) -> None:
    with tid(ui.dialog(), "consent-account-withdrawal-dialog") as dialog, ui.card().classes("max-w-xl gap-3"):
        ui.label(_("Withdraw “{purpose}”?").format(purpose=purpose.title)).classes(theme.SUBHEADING)
        ui.label(purpose.on_withdrawal.summary if purpose.on_withdrawal else "").classes("text-sm")
        ui.label(
            _(
                "The Withdraw page lists, category by category, what is deleted and what the law makes us keep, and "
                "asks you to confirm with your password."
            )
        ).classes("text-sm")
        with ui.row().classes("w-full justify-end gap-2"):

            async def _keep() -> None:
                dialog.close()
                await on_keep()

            tid(ui.button(_("Keep my consent"), on_click=_keep), "consent-keep").props("flat no-caps autofocus")
            tid(
                ui.button(_("Go to Withdraw"), color="negative", on_click=lambda: ui.navigate.to("/withdraw")),
                "consent-go-withdraw",
            ).props("no-caps unelevated")
    dialog.props("persistent")
    dialog.open()


async def erasing_withdrawal_dialog(principal: Principal, purpose: Purpose, *, client: str, on_close: Done) -> None:
    preview = await io_bound(consent_withdrawal.preview, principal, purpose.key)
    if preview is None:
        return
    key = f"consent-erase-{uuid.uuid4()}"  # one per dialog: a double click files one withdrawal
    with tid(ui.dialog(), "consent-withdraw-dialog") as dialog, ui.card().classes("w-full max-w-3xl gap-3"):
        ui.label(_("Withdraw “{purpose}” and delete what it covers").format(purpose=preview.title)).classes(
            theme.SUBHEADING
        )
        ui.label(preview.summary).classes("text-sm")
        _effects_table(preview)
        tid(ui.label(_(consent_withdrawal.NOT_RESTORED)), "consent-withdraw-not-restored").classes(
            "text-sm font-medium"
        )
        body = ui.column().classes("w-full gap-2")
        with body:
            confirmed = tid(
                ui.checkbox(_("I understand that the data listed as deleted is deleted for good.")),
                "consent-withdraw-confirm",
            ).props("autofocus")  # Space ticks it, Tab reaches the button
            error = tid(ui.label(""), "consent-withdraw-error").classes("text-negative text-sm").props('role="alert"')
        with ui.row().classes("w-full justify-end gap-2") as buttons:

            async def _cancel() -> None:
                dialog.close()
                await on_close()

            async def _withdraw() -> None:
                error.text = ""
                submit.disable()
                try:
                    request_id = await with_step_up(
                        principal,
                        client,
                        lambda: io_bound(
                            consent_withdrawal.withdraw_and_erase,
                            principal,
                            purpose_key=purpose.key,
                            confirmed=bool(confirmed.value),
                            idempotency_key=key,
                        ),
                    )
                except PortalError as problem:
                    error.text = str(problem)
                    submit.enable()
                    return
                if request_id is None:  # the fresh check was cancelled (or the app is stopping): nothing filed
                    submit.enable()
                    return
                body.clear()
                with body:
                    ui.spinner(size="lg")
                token = await io_bound(inline.process_now, request_id)
                body.clear()
                buttons.clear()
                with body:
                    _done(token)
                with buttons:
                    tid(ui.button(_("Close"), on_click=_cancel), "consent-withdraw-close").props("no-caps unelevated")

            tid(ui.button(_("Cancel"), on_click=_cancel), "consent-withdraw-cancel").props("flat no-caps")
            submit = tid(
                ui.button(_("Withdraw and delete"), color="negative", on_click=_withdraw), "consent-withdraw-submit"
            ).props("no-caps unelevated")
            submit.bind_enabled_from(confirmed, "value")
    dialog.props("persistent")
    dialog.open()


def _effects_table(preview: consent_withdrawal.WithdrawalPreview) -> None:
    columns = [
        {"name": n, "label": label, "field": n, "align": "left"}
        for n, label in (
            ("what", _("What happens")),
            ("kinds", _("Your records")),
            ("records", _("How many")),
            ("why", _("Why")),
        )
    ]
    rows = [
        {
            "id": index,
            "what": _(_ACTION_WORDS[effect.action]),
            "kinds": ", ".join(effect.kinds) or "—",
            "records": format_number(effect.records) if effect.kinds else "—",
            "why": effect.explanation
            + (" " + _("Legal basis: {basis}.").format(basis=effect.legal_basis) if effect.legal_basis else ""),
        }
        for index, effect in enumerate(preview.effects)
    ]
    tid(ui.table(columns=columns, rows=rows, row_key="id"), "consent-withdraw-effects").props(
        "dense flat bordered wrap-cells hide-bottom"
    ).classes("w-full")


def _done(token: str | None) -> None:
    if not token:
        tid(
            ui.label(_("Your consent is being withdrawn; the data it covers is deleted within moments.")),
            "consent-withdraw-pending",
        ).classes("font-medium")
        return
    tid(ui.label(_("Consent withdrawn. The data it covered has been deleted.")), "consent-withdraw-done").classes(
        "text-lg font-semibold text-positive"
    )
    receipt_box(token, prefix="consent-withdraw")
