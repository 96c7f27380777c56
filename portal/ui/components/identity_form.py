"""The identity correction form on /data/identity: edit every field, see old → new, then file it.

Made for the keyboard as much as the mouse: the first field has the focus when the dialog opens, Enter in a field
reviews (and, once the review stands, submits), and every field says its limit and stops there while typing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from nicegui import ui

from ...catalogue import get_catalogue
from ...config import get_settings
from ...i18n import DEFAULT_LOCALE, N_, PSEUDO_LOCALE, _, current_locale
from ...i18n.formats import babel_locale
from ...services.identity.principal import Principal
from ...services.rights import rectification
from ...services.rights.identity_places import COUNTRIES
from ...services.rights.identity_validation import LIMITS
from ..background import io_bound
from .step_up_dialog import with_step_up
from .testid import tid

# True to what the outbox does: without a mail server the message waits there, so "we sent" would be a lie.
_EMAIL_LINK_ON_ITS_WAY = N_("We are emailing a link to your new address: open it to confirm the change.")
_EMAIL_LINK_WAITS = N_(
    "We will email a link to your new address; open it to confirm the change. No mail server is set up on this "
    "portal yet, so the email waits until one is."
)
# What browsers may fill in (WCAG 1.3.5: the purpose of each input is machine-readable).
_AUTOCOMPLETE = {
    "full_name": "name",
    "email": "email",
    "street": "street-address",
    "city": "address-level2",
    "state": "address-level1",
    "postcode": "postal-code",
    "country": "country",
    "phone": "tel",
    "fax": "off",
}
# hide-bottom-space: a message longer than one line pushes the next row down instead of running into its label.
_FIELD_PROPS = "outlined dense hide-bottom-space"


class IdentityForm:
    """Opened from a button; errors appear next to their field and nothing is filed until they are fixed."""

    def __init__(self, principal: Principal, on_filed: Callable[[], Awaitable[None]] | None = None) -> None:
        self.principal = principal
        request = ui.context.client.request
        self.client = request.client.host if request.client else "unknown"  # wrong passwords count per client
        self.on_filed = on_filed
        self.key = f"identity-{uuid.uuid4()}"
        self.inputs: dict[str, ui.input | ui.select] = {}
        self.reviewed: dict[str, object] | None = None  # the values the shown review is about
        # The dialog is built when first opened, where the form was made (a dialog shows above the page wherever it
        # is): most views of the page never open it, and its fields (the country select's 250 options above all)
        # were the dearest part of the page to build.
        self._host = ui.context.slot.parent
        self._built = False

    def _build(self) -> None:
        labels = {f.key: f.label for f in get_catalogue().categories["identity"].kinds[0].fields}
        with (
            self._host,
            tid(ui.dialog(), "identity-dialog") as self.dialog,
            ui.card().classes("w-[40rem] max-w-full gap-2"),
        ):
            ui.label(_("Correct your identity details")).classes("text-lg font-semibold").props(
                'role="heading" aria-level="2"'
            )
            ui.label(
                _(
                    "A change of email address takes effect once you open the link we email to the new address. "
                    "Press Enter in a field to review your changes."
                )
            ).classes("text-sm text-gray-600 dark:text-gray-300")
            with ui.grid(columns=2).classes("w-full gap-x-4 gap-y-2"):
                for name in LIMITS:
                    self.inputs[name] = self._field(name, labels.get(name, name))
            # The sign-in address is the key to the account: changing it needs the current password.
            self.password = (
                tid(
                    ui.input(
                        _("Current password (needed to change your email address)"),
                        password=True,
                        password_toggle_button=True,
                    ),
                    "identity-password",
                )
                .props(f"{_FIELD_PROPS} autocomplete=current-password")
                .classes("w-full")
            )
            self.password.on("keydown.enter", self.submit)
            self.password.set_visibility(False)
            self.summary = tid(ui.column().classes("w-full gap-1"), "identity-changes")
            with ui.row().classes("w-full justify-end gap-2"):
                tid(ui.button(_("Cancel"), on_click=self.dialog.close), "identity-cancel").props("flat no-caps")
                self.review_button = tid(ui.button(_("Review changes"), on_click=self.review), "identity-review").props(
                    "no-caps unelevated"
                )
                self.submit_button = tid(
                    ui.button(_("Submit correction"), on_click=self.submit), "identity-submit"
                ).props("no-caps unelevated color=positive")
                self.submit_button.set_visibility(False)

    def _field(self, name: str, label: str) -> ui.input | ui.select:
        field: ui.select | ui.input
        if name == "country":
            names = {code: _country_name(code, title) for code, title in COUNTRIES.items()}
            options = {code: f"{name} ({code})" for code, name in sorted(names.items(), key=lambda item: item[1])}
            field = ui.select(options, label=label, with_input=True)  # Enter picks an option here: not bound
        else:
            # The limit is said (the counter) and kept while typing, not refused after the review.
            field = ui.input(label).props(f"maxlength={LIMITS[name]} counter")
            field.on("keydown.enter", self._enter)
        tid(field, f"identity-input-{name}").props(f'{_FIELD_PROPS} autocomplete="{_AUTOCOMPLETE[name]}"')
        if name == "full_name":
            field.props("autofocus")  # the dialog puts the focus here when it opens
        field.on_value_change(lambda _: self._edited(field))
        if name == "email" and self.principal.acting is not None:
            field.disable()  # an email change is the customer's own act
            field.tooltip(_("Only the customer can change their email address"))
        return field

    def open(self) -> Awaitable[None]:
        """The dialog is built here, within the click (its fields exist once the click is handled); the current
        values are loaded by what this returns (NiceGUI runs it as a task), and the dialog opens with them."""
        if not self._built:
            self._build()
            self._built = True
        return self._load_and_open()

    async def _load_and_open(self) -> None:
        current = await io_bound(rectification.current_identity, self.principal) or {}
        for name, element in self.inputs.items():
            element.value = current.get(name, "") or (None if name == "country" else "")
            element.error = None
        self._forget_review()
        self.password.value, self.password.error = "", None
        self.dialog.open()

    def _values(self) -> dict[str, object]:
        return {name: element.value or "" for name, element in self.inputs.items()}

    def _edited(self, field: ui.input | ui.select) -> None:
        """A field was changed: its own error is out of date, and so is a review of other values."""
        field.error = None
        if self.reviewed is not None and self._values() != self.reviewed:
            self._forget_review()
        elif not any(element.error for element in self.inputs.values()):
            self.summary.clear()  # the last error is fixed: the red banner goes with it

    def _forget_review(self) -> None:
        self.reviewed = None
        self.summary.clear()
        self.submit_button.set_visibility(False)
        self.password.set_visibility(False)

    async def _enter(self) -> None:
        """Enter reviews; pressed again on an unchanged review, it submits (as the visible button would)."""
        if self.reviewed is not None and self.reviewed == self._values() and self.submit_button.visible:
            await self.submit()
        else:
            await self.review()

    async def review(self) -> bool:
        values = self._values()
        result = await io_bound(rectification.preview, self.principal, values)
        assert result is not None
        validation, changes = result
        for name, element in self.inputs.items():
            element.error = validation.errors.get(name)
        self.summary.clear()
        with self.summary:
            if not validation.ok:
                tid(ui.label(_("Please correct the highlighted fields.")), "identity-error").classes(
                    "text-negative text-sm"
                ).props('role="alert"')
            elif not changes:
                tid(ui.label(_("Nothing has changed.")), "identity-error").classes("text-sm").props('role="status"')
            else:
                ui.label(_("You are about to change:")).classes("text-sm font-medium")
                for change in changes:
                    tid(
                        ui.label(f"{change.label}: {change.old or '—'} → {change.new or '—'}"),
                        f"identity-change-{change.field}",
                    ).classes("text-sm")
                ui.label(_("Press Enter again or Submit correction to file it.")).classes("text-xs")
        ready = validation.ok and bool(changes)
        self.reviewed = values if ready else None
        self.password.set_visibility(ready and any(change.field == "email" for change in changes))
        self.submit_button.set_visibility(ready)
        return ready

    async def submit(self) -> None:
        if not await self.review():
            return
        try:
            filed = await with_step_up(  # an email change on an account with a second factor confirms it here
                self.principal,
                self.client,
                lambda: io_bound(
                    rectification.submit,
                    self.principal,
                    self._values(),
                    idempotency_key=self.key,
                    password=self.password.value or "",
                    client=self.client,
                ),
            )
        except rectification.RectificationError as problem:
            if problem.field == "password":
                self.password.error = str(problem)
                self.password.run_method("focus")  # where the fix is typed
            ui.notify(str(problem), type="negative")
            return
        if filed is None:  # the check was cancelled: the form stays as typed
            return
        self.key = f"identity-{uuid.uuid4()}"
        self.password.value = ""
        self.dialog.close()
        message = _("Your correction was filed and will show here in a moment.")
        if filed.email_change_id:
            message += " " + _(_EMAIL_LINK_ON_ITS_WAY if get_settings().mail_is_delivered else _EMAIL_LINK_WAITS)
        ui.notify(message, type="positive", multi_line=True)
        if self.on_filed:
            await self.on_filed()


def _country_name(code: str, english: str) -> str:
    """A country as the reader's language names it (CLDR's names, through Babel); English keeps the list's own."""
    if current_locale() in (DEFAULT_LOCALE, PSEUDO_LOCALE):
        return english
    return str(babel_locale().territories.get(code, english))
